//! Opening a copy (SPEC.md §6.9): a user's mailbox as a binding keeps it, and a piece opened
//! chunk by chunk.

use mailseal::identity::ChainState;
use mailseal::keys::{PukSecret, UserId};
use mailseal::mail::open::{self as lib, ChainDirectory, CheckedPieceDecryptor, open_copy};
use mailseal::piece::VerifiedPieceDecryptor;
use zeroize::Zeroize;

use crate::{Error, Share};

/// A user's mailbox: the user's own verified chain and the PUK generations it holds (or, for
/// the server's own box, the server key's id and its PUKs), and whether it follows the
/// key-transparency log. The library's `Mailbox` borrows all of that, so it is built for each
/// call.
pub struct Mailbox<S: Share> {
    user: UserId,
    chain: Option<S::Ptr<ChainState>>,
    puks: Vec<S::Ptr<PukSecret>>,
    follows_log: bool,
}

impl<S: Share> Mailbox<S> {
    /// The mailbox of `chain`'s user with these keys, following the key-transparency log.
    pub fn new(chain: S::Ptr<ChainState>, puks: Vec<S::Ptr<PukSecret>>) -> Self {
        Mailbox {
            user: chain.user(),
            chain: Some(chain),
            puks,
            follows_log: true,
        }
    }

    /// The server's own mailbox (SPEC.md §10.1): its key id (32 hex digits) and its PUKs.
    pub fn server(key_id: &str, puks: Vec<S::Ptr<PukSecret>>) -> Result<Self, mailseal::Error> {
        Ok(Mailbox {
            user: key_id.parse()?,
            chain: None,
            puks,
            follows_log: true,
        })
    }

    /// The same mailbox for a deployment that runs no key-transparency log (the keys are
    /// shared, not copied).
    pub fn without_key_transparency(&self) -> Self {
        Mailbox {
            user: self.user,
            chain: self.chain.clone(),
            puks: self.puks.clone(),
            follows_log: false,
        }
    }

    /// Opens `copy` with every check of SPEC.md §6.9; `senders` holds the chains the client
    /// verified.
    pub fn open(
        &self,
        copy: &[u8],
        senders: &(impl ChainDirectory + ?Sized),
    ) -> Result<lib::OpenedMail, mailseal::Error> {
        let keys = self.puks.iter().map(|p| &**p);
        let mut mailbox = match &self.chain {
            Some(chain) => lib::Mailbox::new(chain, keys),
            None => lib::Mailbox::server(self.user, keys),
        };
        if !self.follows_log {
            mailbox = mailbox.without_key_transparency();
        }
        open_copy(copy, &mailbox, senders)
    }
}

enum Decryptor {
    Checked(Box<CheckedPieceDecryptor>),
    Verified(Box<VerifiedPieceDecryptor>),
}

/// Streams one piece out of its ciphertext, checked at the end or verified throughout:
/// [`push`](Self::push) ciphertext as it arrives, then [`finish`](Self::finish).
pub struct PieceDecryptor {
    /// `None` once finished.
    inner: Option<Decryptor>,
}

impl PieceDecryptor {
    /// Releases each chunk as it authenticates; the length and digest are checked at the end.
    pub fn checked(d: CheckedPieceDecryptor) -> Self {
        PieceDecryptor {
            inner: Some(Decryptor::Checked(Box::new(d))),
        }
    }

    /// Releases only what the tag list, checked against the digest first, vouches for.
    pub fn verified(d: VerifiedPieceDecryptor) -> Self {
        PieceDecryptor {
            inner: Some(Decryptor::Verified(Box::new(d))),
        }
    }

    /// Consumes ciphertext; returns the plaintext of every chunk completed (and, verified,
    /// vouched for), possibly empty.
    pub fn push(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        match self.inner.as_mut() {
            Some(Decryptor::Checked(d)) => d.push(ciphertext, &mut out),
            Some(Decryptor::Verified(d)) => d.push(ciphertext, &mut out),
            None => return Err(Error::InvalidState("this decryptor is finished")),
        }?;
        Ok(out)
    }

    /// Ends the piece: succeeds only if the whole piece came and (unverified) its length and
    /// digest check; returns the last plaintext (always empty when verified), which a failure
    /// wipes.
    pub fn finish(&mut self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        let result = match self.inner.take() {
            Some(Decryptor::Checked(d)) => d.finish(&mut out),
            Some(Decryptor::Verified(d)) => d.finish(),
            None => return Err(Error::InvalidState("this decryptor is finished")),
        };
        match result {
            Ok(()) => Ok(out),
            Err(e) => {
                out.zeroize();
                Err(e.into())
            }
        }
    }
}
