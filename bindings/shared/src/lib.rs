//! # What the mailseal bindings share
//!
//! The wasm-bindgen package (`bindings/wasm`) and the UniFFI bindings (`bindings/uniffi`)
//! keep the same state between calls and call the library the same way; only their foreign
//! surfaces differ (JavaScript values and `MailsealError` objects there, UniFFI records,
//! enums and exceptions here). This crate is that common part, free of any FFI: it takes
//! bytes, strings and the library's own types, and returns the library's results and
//! [`Error`]s, which each binding maps to its own error type.
//!
//! It is not published: its API is whatever the two bindings need, nothing more.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod account;
pub mod footer;
pub mod open;
pub mod seal;

use std::ops::Deref;
use std::rc::Rc;
use std::sync::Arc;

/// How a binding's objects share the keys and chains they hold: the JavaScript package runs
/// on one thread and uses `Rc` (no atomics in wasm), UniFFI's objects cross threads and need
/// `Arc`. The shared state is generic over this choice rather than making one binding pay for
/// the other's.
pub trait Share {
    /// The shared pointer to a `T`.
    type Ptr<T>: Clone + Deref<Target = T> + From<T>;
}

/// `Rc`: objects used from one thread only (wasm).
#[derive(Debug)]
pub enum SingleThread {}

impl Share for SingleThread {
    type Ptr<T> = Rc<T>;
}

/// `Arc`: objects any thread may use (UniFFI).
#[derive(Debug)]
pub enum MultiThread {}

impl Share for MultiThread {
    type Ptr<T> = Arc<T>;
}

/// A failure of a shared call, before the binding gives it its own form.
#[derive(Debug)]
pub enum Error {
    /// The library refused: its class and sentence reach the caller unchanged.
    Library(mailseal::Error),
    /// An argument the binding cannot use (`binding/invalid_argument`).
    InvalidArgument(&'static str),
    /// A call out of order, such as a piece pushed after it was finished. UniFFI reports it
    /// as `binding/invalid_state`; the JavaScript package, which has no such class, as
    /// `binding/invalid_argument`.
    InvalidState(&'static str),
}

impl From<mailseal::Error> for Error {
    fn from(e: mailseal::Error) -> Self {
        Error::Library(e)
    }
}

#[cfg(test)]
mod tests;
