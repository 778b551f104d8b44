//! # mailseal for JavaScript
//!
//! wasm-bindgen bindings of [`mailseal`]: the npm package `mailseal` for browsers and Node
//! (`bindings/wasm/README.md` says how to build, install and use it).
//!
//! The library stays `no_std` and free of wasm-bindgen; this crate only translates:
//!
//! - **Secrets are opaque handles.** [`Device`], [`Puk`], [`PieceKey`], [`RecoveryCode`] and
//!   the sealers and openers hold their keys inside wasm memory; JavaScript sees only public
//!   values and whatever it asks for by name (`exposeSeed()`). `free()` drops the handle, and
//!   the library wipes a key when its last holder drops it. Secret inputs (seeds, plaintext)
//!   are taken by value and wiped after use; secret outputs (plaintext, seeds) are copied
//!   straight into a JavaScript `Uint8Array` and the wasm copy wiped.
//! - **Errors are JavaScript `Error`s** named `MailsealError`, whose `class` property is
//!   [`mailseal::Error::class`] (for example `malformed/cbor/not_canonical`) and whose
//!   message is the library's sentence. Arguments the binding itself cannot use (an unknown
//!   suite name, a seed of 31 bytes) have the class `binding/invalid_argument`. No input
//!   makes the module trap.
//! - **Randomness** comes from `crypto.getRandomValues` through getrandom's `wasm_js`
//!   backend, a call per draw: no generator state lives in wasm memory.
//! - **Numbers**: timestamps, sequence numbers and lengths are JavaScript numbers (integers
//!   up to 2^53 − 1); ids are 32 hexadecimal digits; keys, links and mail are `Uint8Array`s.
//! - **The library's words**: footers, reasons, cautions, plan decisions and statuses come
//!   as their stable codes (SPEC.md §11.3) beside the library's sentence.
//!
//! State kept between calls and library calls made the same way as in the UniFFI bindings
//! (the sealer's mail, the mailbox, the planner, escrow settings, streamed pieces) live in
//! `mailseal-bindings-shared` (`bindings/shared`), which both use.

#![deny(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod account;
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
mod types;

pub use account::{EscrowContext, EscrowTerms, Keyring, RecoveryCode};
pub use chain::{Chain, Directory, LinkDraft};
pub use footer::{Plan, Planner};
pub use keys::{Device, Puk};
pub use open::{Mailbox, OpenedMail, PieceDecryptor};
pub use piece::{PieceKey, PieceReader};
pub use seal::{MailSealer, PieceSealer};
pub use server::InboundSealer;
pub use transparency::{LogPolicy, TransparencyView};

use wasm_bindgen::prelude::*;

/// The suites this build implements, by short name (`xwing`, `x25519`), default first.
#[wasm_bindgen]
pub fn suites() -> Vec<String> {
    mailseal::Suite::ALL
        .iter()
        .map(|s| convert::suite_short_name(*s).to_string())
        .collect()
}

/// This package's version (the mailseal crate's, which it binds).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
