//! # mailseal for Kotlin, Swift and Python
//!
//! UniFFI bindings of [`mailseal`] (proc-macro style): one shared library and generated
//! sources for Kotlin (JVM and Android, through JNA), Swift (Apple platforms and Linux) and
//! Python. `bindings/uniffi/README.md` says how to generate, build and use them.
//!
//! The library stays `no_std` and free of UniFFI; this crate only translates:
//!
//! - **Secrets are objects.** [`Device`], [`Puk`], [`PieceKey`], [`RecoveryCode`] and the
//!   sealers and openers hold their keys in Rust memory; the foreign side sees public values
//!   and whatever it asks for by name (`expose_seed()`). The library wipes a key when its
//!   last holder releases it. Secret inputs (seeds, plaintext) are wiped from the binding's
//!   memory after use, and every heap block the library frees is wiped first (the
//!   [`wipe`] allocator), so plaintext and keys do not linger in freed Rust memory, the
//!   buffers UniFFI passes values in included.
//! - **Errors are exceptions** of one type, [`MailsealError`], with a subclass per cause,
//!   carrying the library's error class (`malformed/cbor/not_canonical`) and sentence.
//! - **Randomness** comes from the operating system (getrandom) on every call that needs it.
//! - **Ids** are 32 hexadecimal digits, times seconds since the epoch (`u64`), indices `u32`.
//! - **The library's words**: footers, reasons, cautions and plan notes come as their stable
//!   codes (SPEC.md §11.3) beside the library's sentence.
//!
//! State kept between calls and library calls made the same way as in the wasm package
//! (the sealer's mail, the mailbox, the planner, escrow settings, streamed pieces) live in
//! `mailseal-bindings-shared` (`bindings/shared`), which both use.

#![deny(missing_docs)]
#![deny(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod account;
mod bytes;
mod chain;
mod convert;
mod error;
mod footer;
mod keys;
mod open;
mod piece;
mod report;
mod seal;
mod server;
mod transparency;
pub mod wipe;

pub use account::{EscrowContext, EscrowTerms, Keyring, RecoveryCode};
pub use bytes::Bytes;
pub use chain::{Chain, Directory, LinkDraft};
pub use convert::{Origin, RecipientKind, Suite};
pub use error::MailsealError;
pub use footer::{Plan, Planner};
pub use keys::{Device, DeviceRecord, Puk, PukRecord};
pub use open::{Mailbox, OpenedMail, PieceDecryptor};
pub use piece::{PieceKey, PieceReader};
pub use report::Report;
pub use seal::{MailSealer, PieceSealer};
pub use server::InboundSealer;
pub use transparency::{LogPolicy, TransparencyView};

uniffi::setup_scaffolding!("mailseal");

/// The suites this build implements, the default first.
#[uniffi::export]
pub fn suites() -> Vec<Suite> {
    mailseal::Suite::ALL.iter().map(|s| Suite::of(*s)).collect()
}

/// This binding's version (the mailseal crate's, which it binds).
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
