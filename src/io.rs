//! `std::io` adapters (feature `std`): seal a piece into any [`Write`], open one from any
//! [`Read`], so `io::copy` moves an attachment of any size in constant memory.
//!
//! The library itself reads and writes nothing: these adapters only pump bytes between the
//! caller's streams and the incremental sealers and openers, one 64 KiB chunk at a time.
//!
//! ```
//! use std::io::{self, Read, Write};
//! use mailseal::io::{PieceReader, PieceWriter};
//! # use mailseal::identity::{self, ChainState};
//! # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
//! # use mailseal::mail::{open::{open_copy, Mailbox}, seal::{MailSealer, RecipientKey, SenderIdentity}, server::split_envelope};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([6; 32]);
//! # let suite = mailseal::Suite::X25519;
//! # let (alice, bob) = (UserId::new([1; 16]), UserId::new([2; 16]));
//! # let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
//! # let phone = DeviceSecret::generate(suite, DeviceId::new([2; 16]), &mut rng);
//! # let alice_puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
//! # let bob_puk = PukSecret::generate(suite, bob, 1, &mut rng)?;
//! # let alice_chain = ChainState::verify(&[identity::root(suite, alice, &laptop, alice_puk.public(), &["alice@example.com"], 1)?])?;
//! # let bob_chain = ChainState::verify(&[identity::root(suite, bob, &phone, bob_puk.public(), &["bob@example.com"], 1)?])?;
//! # let sender = SenderIdentity { address: "alice@example.com", puk: &alice_puk, device: &laptop, chain: &alice_chain };
//! let mut mail = MailSealer::new(suite, sender, "<big@example.com>", 1)?
//!     .to(RecipientKey::from_chain("bob@example.com", &bob_chain)?);
//! mail.add_piece(b"See the attachment.", &mut rng)?;
//!
//! // Seal a 1 MiB attachment from any reader into any writer (a file, a socket).
//! let attachment = vec![7u8; 1 << 20];
//! let mut writer = PieceWriter::new(mail.begin_piece(&mut rng), Vec::new());
//! io::copy(&mut attachment.as_slice(), &mut writer)?;
//! let (piece, ciphertext) = writer.finish()?;
//! mail.attach(piece)?;
//! let envelope = mail.seal(&mut rng)?;
//!
//! // Bob opens his copy, then streams the attachment out of its ciphertext.
//! # let copy = split_envelope(&envelope)?.into_iter().find(|c| c.user == bob).unwrap().copy;
//! let opened = open_copy(&copy, &Mailbox::new(&bob_chain, [&bob_puk]), &[&alice_chain])?;
//! let mut reader = PieceReader::new(opened.piece_decryptor(1)?, ciphertext.as_slice());
//! let mut out = Vec::new();
//! io::copy(&mut reader, &mut out)?;
//! assert_eq!(out, attachment);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::vec::Vec;
use std::io::{self, Read, Write};

use crate::error::Error;
use crate::mail::open::CheckedPieceDecryptor;
use crate::mail::seal::{FinishedPiece, PieceSealer};

/// Bytes read from the ciphertext per step: one chunk and its tag.
const STEP: usize = 64 * 1024 + 32;

/// A mailseal error as an `io::Error` (kind `InvalidData`), with the error as its source.
fn io_error(e: Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// What an adapter returns on every call after one failed: a failure is never followed by a
/// clean end of file or a successful write.
fn failed_before() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        Error::from(crate::error::Misuse::StreamFailed),
    )
}

/// Seals a piece into `W` as plaintext is written: a [`Write`] over a [`PieceSealer`].
///
/// Call [`PieceWriter::finish`] at the end: it writes the final chunk and returns what
/// [`crate::mail::seal::MailSealer::attach`] needs. Dropping the writer without finishing
/// leaves a piece without its final chunk, which no reader accepts.
///
/// After a failed write (the inner writer's error: that chunk's ciphertext is lost) every
/// later `write` and `finish` fails too.
///
/// Memory: one chunk (64 KiB) of ciphertext between writes.
pub struct PieceWriter<W: Write> {
    sealer: PieceSealer,
    inner: W,
    buffer: Vec<u8>,
    failed: bool,
}

impl<W: Write> PieceWriter<W> {
    /// A writer that seals with `sealer` (from
    /// [`crate::mail::seal::MailSealer::begin_piece`]) into `inner`.
    pub fn new(sealer: PieceSealer, inner: W) -> Self {
        PieceWriter {
            sealer,
            inner,
            buffer: Vec::with_capacity(STEP),
            failed: false,
        }
    }

    /// Writes the final chunk and flushes; returns the finished piece and the inner writer.
    pub fn finish(mut self) -> io::Result<(FinishedPiece, W)> {
        if self.failed {
            return Err(failed_before());
        }
        self.buffer.clear();
        let piece = self.sealer.finish(&mut self.buffer).map_err(io_error)?;
        self.inner.write_all(&self.buffer)?;
        self.inner.flush()?;
        Ok((piece, self.inner))
    }
}

impl<W: Write> Write for PieceWriter<W> {
    fn write(&mut self, plaintext: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Err(failed_before());
        }
        self.buffer.clear();
        // The sealer has taken the plaintext once `push` returns: if its ciphertext cannot
        // be written, the piece can no longer be completed.
        self.failed = true;
        self.sealer
            .push(plaintext, &mut self.buffer)
            .map_err(io_error)?;
        self.inner.write_all(&self.buffer)?;
        self.failed = false;
        Ok(plaintext.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Opens a piece read from `R`: a [`Read`] over a [`CheckedPieceDecryptor`].
///
/// It yields each chunk's plaintext once the chunk authenticated under the piece key. At the
/// end of the ciphertext it checks the length the routing header states and the manifest's
/// digest: if either fails, the last `read` returns an error (kind `InvalidData`, the
/// mailseal error as its source) and everything read so far must be discarded; every later
/// `read` fails too, never reporting a clean end. So `io::copy` either copies the sender's
/// piece or fails. (To release nothing before the digest is checked, use [`crate::mail::open::OpenedMail::verified_piece_decryptor`].)
///
/// Memory: one chunk of ciphertext and one of plaintext.
pub struct PieceReader<R: Read> {
    decryptor: Option<CheckedPieceDecryptor>,
    inner: R,
    input: Vec<u8>,
    output: Vec<u8>,
    served: usize,
    failed: bool,
}

impl<R: Read> PieceReader<R> {
    /// A reader that opens the ciphertext `inner` yields with `decryptor` (from
    /// [`crate::mail::open::OpenedMail::piece_decryptor`]).
    pub fn new(decryptor: CheckedPieceDecryptor, inner: R) -> Self {
        PieceReader {
            decryptor: Some(decryptor),
            inner,
            input: alloc::vec![0; STEP],
            output: Vec::with_capacity(STEP),
            served: 0,
            failed: false,
        }
    }

    /// Fills `output` with the next plaintext; `false` once the piece is finished.
    fn refill(&mut self) -> io::Result<bool> {
        self.output.clear();
        self.served = 0;
        while self.output.is_empty() {
            let Some(decryptor) = self.decryptor.as_mut() else {
                return Ok(false);
            };
            let n = match self.inner.read(&mut self.input) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let (opened, finished) = match self.input.get(..n) {
                Some(read) if n > 0 => (decryptor.push(read, &mut self.output), false),
                // The end of the ciphertext: the length and digest checks.
                _ => match self.decryptor.take() {
                    Some(last) => (last.finish(&mut self.output), true),
                    None => (Ok(()), true),
                },
            };
            if let Err(e) = opened {
                // Sticky: the decryptor is gone (or refuses more input), and a later read
                // must not look like a clean end of the piece.
                self.failed = true;
                return Err(io_error(e));
            }
            if finished {
                return Ok(!self.output.is_empty());
            }
        }
        Ok(true)
    }
}

impl<R: Read> Read for PieceReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(failed_before());
        }
        if self.served >= self.output.len() && !self.refill()? {
            return Ok(0);
        }
        let ready = self.output.get(self.served..).unwrap_or(&[]);
        let n = ready.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), ready.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.served = self.served.saturating_add(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;
    use std::io::{self, Read, Write};

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;
    use crate::error::AuthFailure;
    use crate::hazmat::TestUser;
    use crate::keys::{DeviceId, UserId};
    use crate::mail::open::{OpenedMail, open_copy};
    use crate::mail::seal::MailSealer;
    use crate::mail::server::split_envelope;
    use crate::suite::Suite;

    /// Alice mails Bob an attachment of `len` bytes through the writer (in `step`-byte
    /// writes); returns Bob's opened copy, the plaintext and the ciphertext.
    fn attachment(len: usize, step: usize) -> (OpenedMail, Vec<u8>, Vec<u8>) {
        let mut r = ChaCha20Rng::from_seed([7; 32]);
        let user = |n: u8, a: &str, r: &mut ChaCha20Rng| {
            TestUser::generate(
                Suite::X25519,
                UserId::new([n; 16]),
                a,
                DeviceId::new([n; 16]),
                r,
            )
            .unwrap()
        };
        let alice = user(1, "alice@example.com", &mut r);
        let bob = user(2, "bob@example.com", &mut r);
        let mut mail = MailSealer::new(Suite::X25519, alice.sender(), "<io@example.com>", 1)
            .unwrap()
            .to(bob.key());
        let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let mut writer = PieceWriter::new(mail.begin_piece(&mut r), Vec::new());
        for part in plaintext.chunks(step.max(1)) {
            writer.write_all(part).unwrap();
        }
        let (piece, ciphertext) = writer.finish().unwrap();
        mail.attach(piece).unwrap();
        let envelope = mail.seal(&mut r).unwrap();
        let copy = split_envelope(&envelope)
            .unwrap()
            .into_iter()
            .find(|c| c.user == bob.id)
            .unwrap()
            .copy;
        let opened = open_copy(&copy, &bob.mailbox(), &[&alice.chain]).unwrap();
        (opened, plaintext, ciphertext)
    }

    /// Reads everything in `step`-byte reads.
    fn read_all(reader: &mut impl Read, step: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; step];
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn pieces_round_trip_through_io_in_any_step() {
        for (len, step) in [
            (0, 1),
            (1, 1),
            (65_536, 1000),
            (200_000, 65_536),
            (131_073, 7),
        ] {
            let (opened, plaintext, ciphertext) = attachment(len, step);
            let mut reader = PieceReader::new(opened.piece_decryptor(0).unwrap(), &ciphertext[..]);
            assert_eq!(
                read_all(&mut reader, step.max(1)).unwrap(),
                plaintext,
                "{len}/{step}"
            );
        }
    }

    #[test]
    fn altered_or_cut_ciphertext_fails_the_copy() {
        let (opened, _, ciphertext) = attachment(150_000, 4096);
        let cause = |e: io::Error| {
            assert_eq!(e.kind(), io::ErrorKind::InvalidData);
            *e.into_inner().unwrap().downcast::<Error>().unwrap()
        };
        let mut altered = ciphertext.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        let mut reader = PieceReader::new(opened.piece_decryptor(0).unwrap(), &altered[..]);
        let e = io::copy(&mut reader, &mut io::sink()).unwrap_err();
        assert!(matches!(
            cause(e),
            Error::Authentication(AuthFailure::Chunk { .. })
        ));
        let cut = &ciphertext[..ciphertext.len() - 10];
        let mut reader = PieceReader::new(opened.piece_decryptor(0).unwrap(), cut);
        assert!(matches!(
            cause(io::copy(&mut reader, &mut io::sink()).unwrap_err()),
            Error::Malformed(_) | Error::Authentication(_)
        ));
    }

    /// A stream cut at a chunk boundary releases the chunks before the cut, fails at the end
    /// (the header's length), and then keeps failing: a retrying caller never sees a clean
    /// end of a truncated piece.
    #[test]
    fn a_failed_read_is_never_followed_by_a_clean_end() {
        let (opened, _, ciphertext) = attachment(150_000, 4096);
        let cut = &ciphertext[..64 + 2 * (65_536 + 32)];
        let mut reader = PieceReader::new(opened.piece_decryptor(0).unwrap(), cut);
        let mut buf = vec![0u8; 1 << 20];
        let released = loop {
            match reader.read(&mut buf) {
                Ok(0) => panic!("a clean end of a truncated piece"),
                Ok(n) => assert!(n > 0),
                Err(e) => break e,
            }
        };
        assert_eq!(released.kind(), io::ErrorKind::InvalidData);
        for _ in 0..2 {
            let again = reader.read(&mut buf).unwrap_err();
            assert_eq!(
                *again.into_inner().unwrap().downcast::<Error>().unwrap(),
                Error::from(crate::error::Misuse::StreamFailed)
            );
        }
    }

    /// A writer whose inner writer failed has lost a chunk: it refuses every later write and
    /// the finish, rather than produce a piece with a hole.
    #[test]
    fn a_failed_write_is_never_followed_by_a_successful_one() {
        struct FailsOnce(bool);
        impl Write for FailsOnce {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                if self.0 {
                    self.0 = false;
                    return Err(io::Error::other("disk full"));
                }
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut r = ChaCha20Rng::from_seed([8; 32]);
        let alice = TestUser::generate(
            Suite::X25519,
            UserId::new([1; 16]),
            "alice@example.com",
            DeviceId::new([1; 16]),
            &mut r,
        )
        .unwrap();
        let mail = MailSealer::new(Suite::X25519, alice.sender(), "<w@example.com>", 1)
            .unwrap()
            .to(alice.key());
        let mut writer = PieceWriter::new(mail.begin_piece(&mut r), FailsOnce(true));
        // The first full chunk's ciphertext is what the inner writer refuses.
        assert_eq!(
            writer.write_all(&[1; 70_000]).unwrap_err().kind(),
            io::ErrorKind::Other
        );
        assert_eq!(
            writer.write(&[1; 10]).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        assert_eq!(
            writer.finish().err().map(|e| e.kind()),
            Some(io::ErrorKind::InvalidData)
        );
    }
}
