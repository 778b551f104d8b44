//! Errors as Kotlin, Swift and Python see them: one exception type (`MailsealError` in Python
//! and Swift, `MailsealException` in Kotlin) with a subclass per cause, each carrying the
//! library's error class (`malformed/cbor/not_canonical`, `chain/fork`, …) and its sentence.

use std::fmt;

/// Every failure of a binding call.
///
/// The variant is the cause, as the library splits them; `error_class` is exactly
/// [`mailseal::Error::class`] (the string SPEC.md and the test vectors use), `detail` the
/// library's sentence. Arguments the binding itself cannot use (a seed of 31 bytes) are
/// [`Binding`] errors with the class `binding/invalid_argument` (an id that is not 32 hex
/// digits is the library's own `malformed/field/id`); calls in the wrong order (attaching a
/// piece before it is finished, using a sealer after `seal`) `binding/invalid_state`.
///
/// [`Binding`]: MailsealError::Binding
#[derive(Debug, uniffi::Error)]
pub enum MailsealError {
    /// The bytes do not have the required structure (`malformed/…`).
    Malformed {
        /// The library's error class.
        error_class: String,
        /// The library's sentence.
        detail: String,
    },
    /// A cryptographic check failed: altered input or the wrong key (`authentication/…`).
    Authentication {
        /// The library's error class.
        error_class: String,
        /// The library's sentence.
        detail: String,
    },
    /// A version or suite this build does not implement (`unsupported/…`).
    Unsupported {
        /// The library's error class.
        error_class: String,
        /// The library's sentence.
        detail: String,
    },
    /// The caller used the API in a way it does not allow (`misuse/…`).
    Misuse {
        /// The library's error class.
        error_class: String,
        /// The library's sentence.
        detail: String,
    },
    /// The input exceeds a documented limit (`limit_exceeded/…`).
    LimitExceeded {
        /// The library's error class.
        error_class: String,
        /// The library's sentence.
        detail: String,
    },
    /// The copy holds no box for the reader (`not_a_recipient`).
    NotARecipient {
        /// The library's error class.
        error_class: String,
        /// The library's sentence.
        detail: String,
    },
    /// A chain does not verify, does not extend the view held, or is behind (`chain/…`).
    Chain {
        /// The library's error class.
        error_class: String,
        /// The library's sentence.
        detail: String,
    },
    /// A key-transparency check failed (`transparency/…`, SPEC.md §14).
    Transparency {
        /// The library's error class.
        error_class: String,
        /// The library's sentence.
        detail: String,
    },
    /// A cause added to the library after this binding was written: its class and sentence
    /// all the same.
    Other {
        /// The library's error class.
        error_class: String,
        /// The library's sentence.
        detail: String,
    },
    /// The binding's own refusals (`binding/…`): an argument it cannot use, a call in the
    /// wrong order, no randomness from the operating system.
    Binding {
        /// `binding/invalid_argument`, `binding/invalid_state` or `binding/no_randomness`.
        error_class: String,
        /// What was wrong.
        detail: String,
    },
}

/// What every binding call returns.
pub(crate) type Result<T> = std::result::Result<T, MailsealError>;

/// The class of an argument the binding cannot use.
pub(crate) const INVALID_ARGUMENT: &str = "binding/invalid_argument";
/// The class of a call in the wrong order.
pub(crate) const INVALID_STATE: &str = "binding/invalid_state";
/// The class of a failure of the operating system's random number generator.
pub(crate) const NO_RANDOMNESS: &str = "binding/no_randomness";

impl MailsealError {
    /// The library's error class (or the binding's own, `binding/…`).
    pub fn error_class(&self) -> &str {
        self.parts().0
    }

    fn parts(&self) -> (&str, &str) {
        match self {
            MailsealError::Malformed {
                error_class,
                detail,
            }
            | MailsealError::Authentication {
                error_class,
                detail,
            }
            | MailsealError::Unsupported {
                error_class,
                detail,
            }
            | MailsealError::Misuse {
                error_class,
                detail,
            }
            | MailsealError::LimitExceeded {
                error_class,
                detail,
            }
            | MailsealError::NotARecipient {
                error_class,
                detail,
            }
            | MailsealError::Chain {
                error_class,
                detail,
            }
            | MailsealError::Transparency {
                error_class,
                detail,
            }
            | MailsealError::Other {
                error_class,
                detail,
            }
            | MailsealError::Binding {
                error_class,
                detail,
            } => (error_class, detail),
        }
    }
}

impl fmt::Display for MailsealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (class, detail) = self.parts();
        write!(f, "{detail} ({class})")
    }
}

impl std::error::Error for MailsealError {}

impl From<mailseal::Error> for MailsealError {
    fn from(e: mailseal::Error) -> Self {
        let error_class = e.class().to_string();
        let detail = e.to_string();
        match e {
            mailseal::Error::Malformed(_) => MailsealError::Malformed {
                error_class,
                detail,
            },
            mailseal::Error::Authentication(_) => MailsealError::Authentication {
                error_class,
                detail,
            },
            mailseal::Error::Unsupported(_) => MailsealError::Unsupported {
                error_class,
                detail,
            },
            mailseal::Error::Misuse(_) => MailsealError::Misuse {
                error_class,
                detail,
            },
            mailseal::Error::LimitExceeded(_) => MailsealError::LimitExceeded {
                error_class,
                detail,
            },
            mailseal::Error::NotARecipient => MailsealError::NotARecipient {
                error_class,
                detail,
            },
            mailseal::Error::Chain(_) => MailsealError::Chain {
                error_class,
                detail,
            },
            mailseal::Error::Transparency(_) => MailsealError::Transparency {
                error_class,
                detail,
            },
            _ => MailsealError::Other {
                error_class,
                detail,
            },
        }
    }
}

impl From<mailseal_bindings_shared::Error> for MailsealError {
    fn from(e: mailseal_bindings_shared::Error) -> Self {
        use mailseal_bindings_shared::Error as Shared;
        match e {
            Shared::Library(e) => e.into(),
            Shared::InvalidArgument(message) => invalid(message),
            Shared::InvalidState(message) => invalid_state(message),
        }
    }
}

/// An argument the binding cannot use.
pub(crate) fn invalid(message: impl Into<String>) -> MailsealError {
    MailsealError::Binding {
        error_class: INVALID_ARGUMENT.into(),
        detail: message.into(),
    }
}

/// A call in the wrong order (a sealer used after `seal`, a piece attached twice).
pub(crate) fn invalid_state(message: impl Into<String>) -> MailsealError {
    MailsealError::Binding {
        error_class: INVALID_STATE.into(),
        detail: message.into(),
    }
}

/// The operating system gave no randomness.
pub(crate) fn no_randomness() -> MailsealError {
    MailsealError::Binding {
        error_class: NO_RANDOMNESS.into(),
        detail: "the operating system's random number generator failed".into(),
    }
}
