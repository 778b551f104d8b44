//! Sealing a mail on the sender's device (SPEC.md §6.8, §10.1, §10.3), attachments streamed.
//!
//! The foreign sealer keeps what the mail will be (sender, recipients, finished pieces) and
//! builds the library's `MailSealer` when it needs one: the library's sealer borrows the
//! sender's keys, which a foreign object cannot lend across calls. That state and its calls
//! are `mailseal_bindings_shared::seal`, shared with the wasm package; this module is their
//! UniFFI surface.

use std::sync::{Arc, Mutex};

use mailseal::mail::seal::{self as lib, RecipientKey};
use mailseal_bindings_shared::MultiThread;
use mailseal_bindings_shared::seal::{self as shared, Mail, applicable};
use zeroize::Zeroize;

use crate::bytes::Bytes;
use crate::chain::Chain;
use crate::convert::{self, RecipientKind, lock};
use crate::error::{Result, invalid_state};
use crate::footer::Plan;
use crate::keys::{Device, Puk, puk_public};

/// The sender's keys, held for the sealer's lifetime.
type Sender = shared::Sender<MultiThread>;

/// A mail being sealed: recipients, then pieces (body first), then `seal()`.
///
/// ```python
/// sealer = MailSealer(alice_puk, laptop, alice_chain, "alice@example.com", "<id@example.com>", now)
/// sealer.to("bob@example.com", bob_chain)
/// body = sealer.add_piece(b"Subject: hi\r\n\r\nHello Bob")
/// envelope = sealer.seal()
/// ```
#[derive(uniffi::Object)]
pub struct MailSealer {
    sender: Sender,
    /// `None` once sealed.
    mail: Mutex<Option<Mail>>,
}

impl MailSealer {
    fn with<R>(&self, f: impl FnOnce(&mut Mail) -> Result<R>) -> Result<R> {
        match lock(&self.mail).as_mut() {
            Some(m) => f(m),
            None => Err(invalid_state("this mail was already sealed")),
        }
    }

    fn update(&self, f: impl FnOnce(&mut Mail)) -> Result<()> {
        self.with(|m| {
            f(m);
            Ok(())
        })
    }

    /// Takes the mail out (the sealer is used up) and the library's sealer for it, every
    /// recipient and piece added.
    fn finish<R>(
        &self,
        f: impl FnOnce(lib::MailSealer<'_>) -> std::result::Result<R, mailseal::Error>,
    ) -> Result<R> {
        let mut mail = lock(&self.mail)
            .take()
            .ok_or_else(|| invalid_state("this mail was already sealed"))?;
        Ok(f(mail.sealer_with_pieces(&self.sender)?)?)
    }

    fn recipient(address: String, chain: &Chain) -> Result<RecipientKey> {
        Ok(RecipientKey::from_chain(address, &chain.inner)?)
    }
}

/// Access-restricted mail: the envelope, and the fragment of the link (`ms1…`) that goes to
/// the external reader, never to the server.
#[derive(uniffi::Record)]
pub struct RestrictedMail {
    /// The envelope to upload.
    pub envelope: Bytes,
    /// The link's `#fragment`.
    pub fragment: String,
}

#[uniffi::export]
impl MailSealer {
    /// Starts a mail from `address` as `device`, with the sender's current PUK and own
    /// verified chain; checks what SPEC.md §6.8 step 0 asks of the sender at once.
    /// `timestamp`: seconds since the epoch, from the caller's clock.
    #[uniffi::constructor]
    pub fn new(
        puk: &Puk,
        device: &Device,
        chain: &Chain,
        address: String,
        message_id: String,
        timestamp: u64,
    ) -> Result<Arc<MailSealer>> {
        let sender = Sender::new(
            address,
            puk.inner.clone(),
            device.inner.clone(),
            chain.inner.clone(),
        );
        // The library's own checks of the sender, now rather than at the end.
        let mail = Mail::new(&sender, message_id, timestamp)?;
        Ok(Arc::new(MailSealer {
            sender,
            mail: Mutex::new(Some(mail)),
        }))
    }

    /// Adds a To recipient, as the chain this client verified for them gives their key.
    pub fn to(&self, address: String, chain: &Chain) -> Result<()> {
        let r = Self::recipient(address, chain)?;
        self.update(|m| m.to.push(r))
    }

    /// Adds a CC recipient.
    pub fn cc(&self, address: String, chain: &Chain) -> Result<()> {
        let r = Self::recipient(address, chain)?;
        self.update(|m| m.cc.push(r))
    }

    /// Adds a BCC recipient: a box, but named in no header.
    pub fn bcc(&self, address: String, chain: &Chain) -> Result<()> {
        let r = Self::recipient(address, chain)?;
        self.update(|m| m.bcc.push(r))
    }

    /// Adds an external To or CC address: the mail cannot be E2E. (Another kind is refused
    /// when the mail is validated or sealed: `malformed/field/recipient_set`.)
    pub fn external(&self, kind: RecipientKind, address: String) -> Result<()> {
        let kind = kind.lib();
        self.update(|m| m.external.push((kind, address)))
    }

    /// Adds a To or CC user who has no device yet (the server holds the mail for them).
    pub fn unprovisioned(&self, kind: RecipientKind, address: String, user: &str) -> Result<()> {
        let kind = kind.lib();
        let user = convert::user_id(user)?;
        self.update(|m| m.unprovisioned.push((kind, address, user)))
    }

    /// Gives the server access, with a box to its key (a PUK public record).
    pub fn server_access(&self, address: String, record: Bytes) -> Result<()> {
        let key = RecipientKey::server(address, puk_public(&record)?);
        self.update(|m| m.server = Some(key))
    }

    /// Adds the recipients (and server access) a plan decided on (`Planner.plan`).
    pub fn apply_plan(&self, plan: &Plan) -> Result<()> {
        let plan = applicable(&plan.inner)?;
        self.update(|m| m.plans.push(plan))
    }

    /// Makes the mail access-restricted until `expiry` (seconds since the epoch): seal it
    /// with `seal_restricted()`.
    pub fn access_restricted(&self, expiry: u64) -> Result<()> {
        self.update(|m| m.link_expiry = Some(expiry))
    }

    /// The BCC line only the sender's own copy shows.
    pub fn bcc_text(&self, text: String) -> Result<()> {
        self.update(|m| m.bcc_text = text)
    }

    /// Checks the addressing as sealing will (limits, addresses, keys, duplicates), without
    /// any public-key operation.
    pub fn validate(&self) -> Result<()> {
        self.with(|m| Ok(m.sealer(&self.sender)?.validate()?))
    }

    /// Seals a whole piece at once (the body, a small attachment); returns its ciphertext to
    /// upload. The binding's copy of the plaintext is wiped.
    pub fn add_piece(&self, mut plaintext: Bytes) -> Result<Bytes> {
        let result = self.add_piece_inner(&plaintext);
        plaintext.zeroize();
        result
    }

    /// Starts a piece to seal chunk by chunk (an attachment of any size, in constant memory);
    /// `attach` it once finished.
    pub fn begin_piece(&self) -> Result<Arc<PieceSealer>> {
        let mut rng = convert::rng()?;
        self.with(|m| {
            m.check_room()?;
            let piece = m.begin_piece(&self.sender, &mut rng)?;
            Ok(Arc::new(PieceSealer {
                state: Mutex::new(piece),
            }))
        })
    }

    /// Appends a finished piece (from `begin_piece`) to the mail, after the pieces before it.
    pub fn attach(&self, piece: &PieceSealer) -> Result<()> {
        self.with(|m| Ok(m.attach(&mut lock(&piece.state))?))
    }

    /// Seals the mail: returns the envelope to upload beside the piece ciphertexts. The
    /// sealer is used up.
    pub fn seal(&self) -> Result<Bytes> {
        let mut rng = convert::rng()?;
        self.finish(|s| s.seal(&mut rng)).map(Bytes)
    }

    /// Seals a draft: no recipient, only the sender's own box.
    pub fn seal_draft(&self) -> Result<Bytes> {
        let mut rng = convert::rng()?;
        self.finish(|s| s.seal_draft(&mut rng)).map(Bytes)
    }

    /// Seals access-restricted mail: the envelope and the link's fragment.
    pub fn seal_restricted(&self) -> Result<RestrictedMail> {
        let mut rng = convert::rng()?;
        let (envelope, fragment) = self.finish(|s| s.seal_restricted(&mut rng))?;
        Ok(RestrictedMail {
            envelope: envelope.into(),
            fragment: fragment.expose_text().to_string(),
        })
    }
}

impl MailSealer {
    fn add_piece_inner(&self, plaintext: &[u8]) -> Result<Bytes> {
        let piece = self.begin_piece()?;
        let mut out = lock(&piece.state).push(plaintext)?;
        out.extend_from_slice(&piece.finish()?);
        self.attach(&piece)?;
        Ok(out.into())
    }
}

/// One piece being sealed in constant memory (one 64 KiB chunk): `push` plaintext and upload
/// what it returns, `finish()` and upload that too, then `MailSealer.attach(piece)`.
#[derive(uniffi::Object)]
pub struct PieceSealer {
    state: Mutex<shared::PieceSealer>,
}

#[uniffi::export]
impl PieceSealer {
    /// Encrypts `plaintext` (the binding's copy is wiped); returns the ciphertext ready so far
    /// (whole 64 KiB chunks), possibly empty.
    pub fn push(&self, mut plaintext: Bytes) -> Result<Bytes> {
        let out = lock(&self.state).push(&plaintext);
        plaintext.zeroize();
        Ok(out?.into())
    }

    /// Encrypts the final chunk and returns the last ciphertext bytes.
    pub fn finish(&self) -> Result<Bytes> {
        Ok(lock(&self.state).finish()?.into())
    }

    /// The finished piece's digest (what the manifest records).
    pub fn digest(&self) -> Result<Bytes> {
        Ok(lock(&self.state).finished()?.digest().0[..].into())
    }

    /// The finished piece's ciphertext length.
    pub fn ciphertext_length(&self) -> Result<u64> {
        Ok(lock(&self.state).finished()?.ciphertext_len())
    }
}
