//! # mailseal
//!
//! The cryptography of a hosted mail service whose mail between its own users is end-to-end
//! encrypted, and whose other mail is encrypted at rest by the server.
//!
//! ## The no-I/O contract
//!
//! mailseal reads no file, opens no socket, reads no clock and owns no random number
//! generator. Callers pass bytes in and get bytes out; randomness comes in as
//! `&mut impl rand_core::CryptoRng`, and timestamps as plain integers. The crate is
//! `#![no_std]` with `alloc`, so the same code runs in desktop, mobile and WebAssembly
//! clients and in servers. Everything it parses is treated as hostile: no input makes it
//! panic, and nothing is released before it is authenticated.
//!
//! `SPEC.md` in the repository is the normative description of every byte this crate
//! writes or reads.
//!
//! ## What is here so far
//!
//! - [`piece`]: the key-committing, chunked cipher every piece of a mail is sealed with,
//!   one shot ([`piece::seal`], [`piece::open`]), incremental ([`piece::PieceEncryptor`],
//!   [`piece::PieceDecryptor`]) and random access ([`piece::PieceReader`]).
//! - [`Suite`]: the cipher suites, whose identifiers are bound into every derivation.
//! - [`Error`]: typed errors split by cause.
//!
//! ## Example
//!
//! ```
//! use mailseal::piece::{self, PieceKey, Purpose};
//! use mailseal::error::{AuthFailure, Error};
//! use mailseal::Suite;
//! use rand_core::SeedableRng;
//!
//! // Any CryptoRng works; a seeded one keeps the example reproducible.
//! let mut rng = rand_chacha::ChaCha20Rng::from_seed([9; 32]);
//! let key = PieceKey::generate(&mut rng);
//! let sealed = piece::seal(Suite::default(), Purpose::MailPiece, &key, &mut rng, b"Hi Bob")?;
//!
//! let opened = piece::open(Suite::default(), Purpose::MailPiece, &key, &sealed.ciphertext)?;
//! assert_eq!(opened.plaintext, b"Hi Bob");
//!
//! // A tampered copy is rejected, and says which check failed.
//! let mut tampered = sealed.ciphertext.clone();
//! *tampered.last_mut().unwrap() ^= 0x80;
//! assert_eq!(
//!     piece::open(Suite::default(), Purpose::MailPiece, &key, &tampered).unwrap_err(),
//!     Error::Authentication(AuthFailure::Chunk { index: 0 }),
//! );
//!
//! // So is the right ciphertext under the wrong key, before any chunk is decrypted.
//! let other = PieceKey::generate(&mut rng);
//! assert_eq!(
//!     piece::open(Suite::default(), Purpose::MailPiece, &other, &sealed.ciphertext).unwrap_err(),
//!     Error::Authentication(AuthFailure::KeyCommitment),
//! );
//! # Ok::<(), Error>(())
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

extern crate alloc;

pub mod backup;
pub mod devices;
pub mod envelope;
pub mod error;
pub mod escrow;
pub mod footer;
// The fuzz harness uses the default suite set.
#[cfg(feature = "xwing")]
#[doc(hidden)]
pub mod fuzzing;
mod hygiene;
pub mod keys;
pub mod link;
pub mod open;
pub mod piece;
pub mod seal;
pub mod server;
pub mod suite;
#[doc(hidden)]
pub mod testing;
pub mod userdata;
pub mod wire;
mod wrap;

#[cfg(test)]
mod footer_tests;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod mail_tests;

/// The README's code blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use error::Error;
pub use suite::Suite;
