//! Sealing a mail (SPEC.md §6.8, §10.1, §10.3): what a binding's sealer keeps between calls,
//! and one piece sealed chunk by chunk.
//!
//! The library's `MailSealer` borrows the sender's keys, which a foreign object cannot lend
//! across calls; so a binding's sealer keeps what the mail will be ([`Mail`]) beside the
//! sender's keys ([`Sender`]) and builds the library's sealer whenever it needs one.

use mailseal::Suite;
use mailseal::identity::ChainState;
use mailseal::keys::{DeviceSecret, PukSecret, UserId};
use mailseal::mail::envelope::{MAX_PIECES, RecipientKind};
use mailseal::mail::footer::Plan;
use mailseal::mail::seal::{self as lib, FinishedPiece, RecipientKey, SenderIdentity};
use rand_core::CryptoRng;

use crate::{Error, Share};

/// The sender's keys, held for the sealer's lifetime.
pub struct Sender<S: Share> {
    address: String,
    puk: S::Ptr<PukSecret>,
    device: S::Ptr<DeviceSecret>,
    chain: S::Ptr<ChainState>,
}

impl<S: Share> Sender<S> {
    /// `address` sending as `device`, with the user's current `puk` and own verified `chain`.
    pub fn new(
        address: String,
        puk: S::Ptr<PukSecret>,
        device: S::Ptr<DeviceSecret>,
        chain: S::Ptr<ChainState>,
    ) -> Self {
        Sender {
            address,
            puk,
            device,
            chain,
        }
    }

    fn identity(&self) -> SenderIdentity<'_> {
        SenderIdentity {
            address: &self.address,
            puk: &self.puk,
            device: &self.device,
            chain: &self.chain,
        }
    }
}

/// Everything about a mail but its sender: recipients, options and finished pieces.
///
/// The bindings push recipients into the public fields as their callers add them; the
/// library checks them all whenever it builds a sealer ([`Mail::sealer`]).
pub struct Mail {
    suite: Suite,
    message_id: String,
    timestamp: u64,
    /// The To recipients.
    pub to: Vec<RecipientKey>,
    /// The CC recipients.
    pub cc: Vec<RecipientKey>,
    /// The BCC recipients.
    pub bcc: Vec<RecipientKey>,
    /// External To and CC addresses.
    pub external: Vec<(RecipientKind, String)>,
    /// To and CC users with no device yet.
    pub unprovisioned: Vec<(RecipientKind, String, UserId)>,
    /// The server's box, when the sender gives it access.
    pub server: Option<RecipientKey>,
    /// Plans applied, each checked by [`applicable`] first.
    pub plans: Vec<Plan>,
    /// The expiry of access-restricted mail.
    pub link_expiry: Option<u64>,
    /// The BCC line of the sender's own copy.
    pub bcc_text: String,
    /// Room for every piece up front: a growing Vec would move the piece keys and leave
    /// copies behind in freed memory.
    pieces: Vec<FinishedPiece>,
}

impl Mail {
    /// A mail from `sender` under the suite of the sender's chain, with no recipient yet.
    /// Runs the library's checks of the sender (SPEC.md §6.8 step 0) now rather than at the
    /// end.
    pub fn new<S: Share>(
        sender: &Sender<S>,
        message_id: String,
        timestamp: u64,
    ) -> Result<Mail, mailseal::Error> {
        let mail = Mail {
            suite: sender.chain.suite(),
            message_id,
            timestamp,
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            external: Vec::new(),
            unprovisioned: Vec::new(),
            server: None,
            plans: Vec::new(),
            link_expiry: None,
            bcc_text: String::new(),
            pieces: Vec::with_capacity(MAX_PIECES),
        };
        mail.sealer(sender)?;
        Ok(mail)
    }

    /// The library's sealer for this mail with every recipient, no piece.
    pub fn sealer<'a, S: Share>(
        &self,
        sender: &'a Sender<S>,
    ) -> Result<lib::MailSealer<'a>, mailseal::Error> {
        let mut s = self.bare_sealer(sender)?;
        for r in &self.to {
            s = s.to(r.clone());
        }
        for r in &self.cc {
            s = s.cc(r.clone());
        }
        for r in &self.bcc {
            s = s.bcc(r.clone());
        }
        for (kind, address) in &self.external {
            s = s.external(*kind, address.clone());
        }
        for (kind, address, user) in &self.unprovisioned {
            s = s.unprovisioned(*kind, address.clone(), *user);
        }
        if let Some(server) = &self.server {
            s = s.server_access(server.clone());
        }
        for plan in &self.plans {
            s = plan.apply(s)?;
        }
        if let Some(expiry) = self.link_expiry {
            s = s.access_restricted(expiry);
        }
        Ok(s.bcc_text(self.bcc_text.clone()))
    }

    fn bare_sealer<'a, S: Share>(
        &self,
        sender: &'a Sender<S>,
    ) -> Result<lib::MailSealer<'a>, mailseal::Error> {
        lib::MailSealer::new(
            self.suite,
            sender.identity(),
            &self.message_id,
            self.timestamp,
        )
    }

    /// The library's sealer for this mail, every recipient and piece added: the pieces move
    /// into it, so the mail is done with.
    pub fn sealer_with_pieces<'a, S: Share>(
        &mut self,
        sender: &'a Sender<S>,
    ) -> Result<lib::MailSealer<'a>, mailseal::Error> {
        let mut s = self.sealer(sender)?;
        for piece in self.pieces.drain(..) {
            s.attach(piece)?;
        }
        Ok(s)
    }

    /// Refuses one piece more than a mail may have (`limit_exceeded/pieces`).
    pub fn check_room(&self) -> Result<(), mailseal::Error> {
        if self.pieces.len() >= MAX_PIECES {
            return Err(mailseal::error::Limit::Pieces.into());
        }
        Ok(())
    }

    /// Starts a piece under the mail's suite. (The caller checks room first, where its own
    /// order of checks puts it.)
    pub fn begin_piece<S: Share>(
        &self,
        sender: &Sender<S>,
        rng: &mut impl CryptoRng,
    ) -> Result<PieceSealer, mailseal::Error> {
        // A sealer with no recipient is enough to start a piece under the mail's suite.
        let s = self.bare_sealer(sender)?;
        Ok(PieceSealer {
            state: State::Sealing(Box::new(s.begin_piece(rng))),
        })
    }

    /// Appends `piece`, once finished, after the pieces before it; it cannot be attached
    /// again.
    pub fn attach(&mut self, piece: &mut PieceSealer) -> Result<(), Error> {
        self.check_room()?;
        match std::mem::replace(&mut piece.state, State::Attached) {
            State::Finished(f) => {
                self.pieces.push(f);
                Ok(())
            }
            other => {
                piece.state = other;
                Err(Error::InvalidState(
                    "attach a piece after finish(), and only once",
                ))
            }
        }
    }
}

/// `plan`, to apply to a mail: only a plan that lets the mail be sent (E2E or not) is.
pub fn applicable(plan: &Plan) -> Result<Plan, mailseal::Error> {
    if !matches!(plan, Plan::E2e { .. } | Plan::NotE2e { .. }) {
        return Err(mailseal::error::Misuse::PlanRefused.into());
    }
    Ok(plan.clone())
}

enum State {
    Sealing(Box<lib::PieceSealer>),
    Finished(FinishedPiece),
    Attached,
    Failed,
}

/// One piece being sealed in constant memory (one 64 KiB chunk): [`push`](Self::push)
/// plaintext, [`finish`](Self::finish), then [`Mail::attach`].
pub struct PieceSealer {
    state: State,
}

impl PieceSealer {
    /// Encrypts `plaintext`; returns the ciphertext ready so far (whole chunks), possibly
    /// empty. A failure leaves the piece unusable.
    pub fn push(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let State::Sealing(s) = &mut self.state else {
            return Err(Error::InvalidState("this piece is finished"));
        };
        let mut out = Vec::new();
        if let Err(e) = s.push(plaintext, &mut out) {
            self.state = State::Failed;
            return Err(e.into());
        }
        Ok(out)
    }

    /// Encrypts the final chunk and returns the last ciphertext bytes.
    pub fn finish(&mut self) -> Result<Vec<u8>, Error> {
        if !matches!(self.state, State::Sealing(_)) {
            return Err(Error::InvalidState("this piece is already finished"));
        }
        // Failed until the library's finish succeeds.
        let State::Sealing(s) = std::mem::replace(&mut self.state, State::Failed) else {
            return Err(Error::InvalidState("this piece is already finished"));
        };
        let mut out = Vec::new();
        self.state = State::Finished(s.finish(&mut out)?);
        Ok(out)
    }

    /// The finished piece (its digest and length), until it is attached.
    pub fn finished(&self) -> Result<&FinishedPiece, Error> {
        match &self.state {
            State::Finished(f) => Ok(f),
            _ => Err(Error::InvalidState(
                "the piece is not finished (or already attached)",
            )),
        }
    }
}
