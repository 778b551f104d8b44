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
//! ## Map
//!
//! The crate has two halves over a common base:
//!
//! - [`mail`]: a mail's [`envelope`](mail::envelope), [`seal`](mail::seal)ing on the sender's
//!   device, [`open`](mail::open)ing a copy, the [`server`](mail::server)'s key-free
//!   validation and splitting and its sealing of mail received in plaintext,
//!   access-restricted [`link`](mail::link)s, the [`footer`](mail::footer): planner and
//!   classification, and verifiable abuse [`report`](mail::report)s (SPEC.md §6, §10, §11,
//!   §13).
//! - [`account`]: what a user's devices do with their keys: seed wraps and rotation
//!   ([`devices`](account::devices)), recovery codes ([`backup`](account::backup)),
//!   [`escrow`](account::escrow), and the user's own data
//!   ([`userdata`](account::userdata)) (§7–9).
//! - the base: [`piece`], the key-committing chunked cipher every piece is sealed with (§3);
//!   [`keys`], device keys, per-user keys and HPKE under each [`Suite`] (§5); [`wire`], the
//!   strict canonical CBOR (§4); [`Error`], typed errors split by cause.
//!
//! ## Example
//!
//! Alice mails Bob; the server splits the envelope without any key; Bob opens his copy and
//! sees **E2E Encrypted**; a copy the server tampered with is refused.
//!
//! ```
//! use mailseal::identity::{self, ChainState};
//! use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
//! use mailseal::mail::footer::{classify, Caution, Footer};
//! use mailseal::mail::open::{open_copy, Mailbox};
//! use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
//! use mailseal::mail::server::split_envelope;
//! use mailseal::Suite;
//! use rand_core::SeedableRng;
//!
//! // The caller owns randomness and time; a seeded RNG keeps the example reproducible.
//! let mut rng = rand_chacha::ChaCha20Rng::from_seed([9; 32]);
//! let (suite, now) = (Suite::default(), 1_764_374_400);
//!
//! // Each user's first device signs the root of that user's chain (SPEC.md §12): the
//! // chain says which devices, keys and addresses are theirs.
//! let alice_puk = PukSecret::generate(suite, UserId::new([1; 16]), 1, &mut rng)?;
//! let laptop = DeviceSecret::generate(suite, DeviceId::new([3; 16]), &mut rng);
//! let alice_root = identity::root(
//!     suite, UserId::new([1; 16]), &laptop, alice_puk.public(), &["alice@example.com"], now)?;
//! let alice_chain = ChainState::verify(&[&alice_root])?;
//! let bob = UserId::new([2; 16]);
//! let bob_puk = PukSecret::generate(suite, bob, 1, &mut rng)?;
//! let bob_phone = DeviceSecret::generate(suite, DeviceId::new([4; 16]), &mut rng);
//! let bob_root =
//!     identity::root(suite, bob, &bob_phone, bob_puk.public(), &["bob@example.com"], now)?;
//! let bob_chain = ChainState::verify(&[&bob_root])?;
//!
//! // Alice's laptop seals to the key Bob's verified chain names.
//! let sender = SenderIdentity {
//!     address: "alice@example.com",
//!     puk: &alice_puk,
//!     device: &laptop,
//!     chain: &alice_chain,
//! };
//! let mut mail = MailSealer::new(suite, sender, "<hello@example.com>", now)?
//!     .to(RecipientKey::from_chain("bob@example.com", &bob_chain)?);
//! let body = mail.add_piece(b"Hello Bob", &mut rng)?;
//! let envelope = mail.seal(&mut rng)?;
//!
//! // The server splits it into copies; it needs no key.
//! let copies = split_envelope(&envelope)?;
//! let bobs = &copies.iter().find(|c| c.user == bob).unwrap().copy;
//!
//! // Bob opens it, checking the signer against Alice's chain as his client verified it.
//! // A client follows a key-transparency log by default and shows E2E only for senders
//! // the log publishes (`PublishedChains`, `examples/transparency.rs`); this example runs
//! // no log, says so, and the footer says so too.
//! let mailbox = Mailbox::new(&bob_chain, [&bob_puk]).without_key_transparency();
//! let opened = open_copy(bobs, &mailbox, &[&alice_chain])?;
//! assert_eq!(opened.open_piece(0, &body)?, b"Hello Bob");
//! let footer = classify(&opened, true);
//! assert_eq!(footer.footer, Footer::E2eEncrypted);
//! assert_eq!(footer.cautions, [Caution::SenderNotCheckedInLog]);
//!
//! // One flipped bit anywhere in the copy, and nothing opens.
//! let mut tampered = bobs.clone();
//! tampered[40] ^= 1;
//! assert!(open_copy(&tampered, &mailbox, &[&alice_chain]).is_err());
//! # Ok::<(), mailseal::Error>(())
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod account;
pub mod error;
// The fuzz harness uses the default suite set, deterministic randomness and, to build its
// fixed world once per process, `std`.
#[cfg(all(feature = "hazmat", feature = "xwing", feature = "std"))]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(any(test, feature = "hazmat"))]
pub mod hazmat;
mod hygiene;
pub mod identity;
#[cfg(feature = "std")]
pub mod io;
pub mod keys;
pub mod mail;
pub mod piece;
pub mod suite;
pub mod transparency;
pub mod wire;

/// The README's code blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use error::Error;
pub use suite::Suite;
