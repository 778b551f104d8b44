//! Errors as JavaScript sees them: an `Error` named `MailsealError` with a `class` property.

use js_sys::Reflect;
use mailseal_bindings_shared::Error as SharedError;
use wasm_bindgen::JsValue;

/// What every binding returns: a thrown JavaScript value on failure.
pub(crate) type JsResult<T> = Result<T, JsValue>;

/// The class of errors in the binding's own arguments (never a library class).
pub(crate) const INVALID_ARGUMENT: &str = "binding/invalid_argument";
/// The class of a missing `crypto.getRandomValues`.
pub(crate) const NO_RANDOMNESS: &str = "binding/no_randomness";

/// A `MailsealError` with `message` and `class`.
pub(crate) fn js_error(message: &str, class: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("MailsealError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(
        &error,
        &JsValue::from_str("class"),
        &JsValue::from_str(class),
    );
    error.into()
}

/// A library error: its sentence and its class.
pub(crate) fn from_mailseal(e: mailseal::Error) -> JsValue {
    js_error(&e.to_string(), e.class())
}

/// An argument the binding cannot use.
pub(crate) fn invalid(message: &str) -> JsValue {
    js_error(message, INVALID_ARGUMENT)
}

/// `?` on library results inside the bindings.
pub(crate) trait OrThrow<T> {
    /// The library error as a `MailsealError`.
    fn or_throw(self) -> JsResult<T>;
}

impl<T> OrThrow<T> for Result<T, mailseal::Error> {
    fn or_throw(self) -> JsResult<T> {
        self.map_err(from_mailseal)
    }
}

/// A failure of the code both bindings share. The package has no `binding/invalid_state`:
/// a call out of order is `binding/invalid_argument` here, as it always was.
impl<T> OrThrow<T> for Result<T, SharedError> {
    fn or_throw(self) -> JsResult<T> {
        self.map_err(|e| match e {
            SharedError::Library(e) => from_mailseal(e),
            SharedError::InvalidArgument(m) | SharedError::InvalidState(m) => invalid(m),
        })
    }
}
