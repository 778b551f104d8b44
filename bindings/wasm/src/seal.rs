//! Sealing a mail on the sender's device (SPEC.md §6.8, §10.1, §10.3), attachments streamed.
//!
//! The JavaScript sealer keeps what the mail will be (sender, recipients, finished pieces) and
//! builds the library's `MailSealer` when it needs one: the library's sealer borrows the
//! sender's keys, which a JavaScript object cannot lend across calls.

use std::rc::Rc;

use js_sys::Uint8Array;
use mailseal::Suite;
use mailseal::identity::ChainState;
use mailseal::keys::{DeviceSecret, PukSecret, UserId};
use mailseal::mail::envelope::{MAX_PIECES, RecipientKind};
use mailseal::mail::footer::Plan as LibPlan;
use mailseal::mail::seal::{self as lib, FinishedPiece, RecipientKey, SenderIdentity};
use mailseal::piece::PieceDigest;
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::chain::Chain;
use crate::convert::{self, Obj, addressed_kind};
use crate::error::{JsResult, OrThrow, invalid};
use crate::footer::Plan;
use crate::keys::{Device, Puk, puk_public};

/// The sender's keys, held for the sealer's lifetime.
struct Sender {
    address: String,
    puk: Rc<PukSecret>,
    device: Rc<DeviceSecret>,
    chain: Rc<ChainState>,
}

impl Sender {
    fn identity(&self) -> SenderIdentity<'_> {
        SenderIdentity {
            address: &self.address,
            puk: &self.puk,
            device: &self.device,
            chain: &self.chain,
        }
    }
}

/// A mail being sealed: recipients, then pieces (body first), then `seal()`.
///
/// ```js
/// const sealer = new MailSealer(puk, laptop, aliceChain, "alice@example.com", "<id@example.com>", now);
/// sealer.to("bob@example.com", bobChain);
/// const body = sealer.addPiece(new TextEncoder().encode("Subject: hi\r\n\r\nHello"));
/// const envelope = sealer.seal();
/// ```
#[wasm_bindgen]
pub struct MailSealer {
    sender: Sender,
    mail: Mail,
    /// Room for every piece up front: a growing Vec would move the piece keys and leave
    /// copies behind in freed memory.
    pieces: Vec<FinishedPiece>,
}

/// Everything about the mail but its sender and pieces.
struct Mail {
    suite: Suite,
    message_id: String,
    timestamp: u64,
    to: Vec<RecipientKey>,
    cc: Vec<RecipientKey>,
    bcc: Vec<RecipientKey>,
    external: Vec<(RecipientKind, String)>,
    unprovisioned: Vec<(RecipientKind, String, UserId)>,
    server: Option<RecipientKey>,
    plans: Vec<LibPlan>,
    link_expiry: Option<u64>,
    bcc_text: String,
}

impl Mail {
    /// The library's sealer for this mail with every recipient, no piece.
    fn sealer<'a>(&self, sender: &'a Sender) -> JsResult<lib::MailSealer<'a>> {
        let mut s = lib::MailSealer::new(
            self.suite,
            sender.identity(),
            &self.message_id,
            self.timestamp,
        )
        .or_throw()?;
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
            s = plan.apply(s).or_throw()?;
        }
        if let Some(expiry) = self.link_expiry {
            s = s.access_restricted(expiry);
        }
        Ok(s.bcc_text(self.bcc_text.clone()))
    }
}

impl MailSealer {
    /// The library's sealer for this mail, every recipient and piece added.
    fn build(&mut self) -> JsResult<lib::MailSealer<'_>> {
        let mut s = self.mail.sealer(&self.sender)?;
        for piece in self.pieces.drain(..) {
            s.attach(piece).or_throw()?;
        }
        Ok(s)
    }

    fn recipient(address: String, chain: &Chain) -> JsResult<RecipientKey> {
        RecipientKey::from_chain(address, &chain.inner).or_throw()
    }

    fn check_room(&self) -> JsResult<()> {
        if self.pieces.len() >= MAX_PIECES {
            return Err(crate::error::from_mailseal(
                mailseal::error::Limit::Pieces.into(),
            ));
        }
        Ok(())
    }
}

#[wasm_bindgen]
impl MailSealer {
    /// Starts a mail from `address` as `device`, with the sender's current PUK and own
    /// verified chain; checks what SPEC.md §6.8 step 0 asks of the sender at once.
    /// `timestamp`: seconds since the epoch, from the caller's clock.
    #[wasm_bindgen(constructor)]
    pub fn new(
        puk: &Puk,
        device: &Device,
        chain: &Chain,
        address: String,
        message_id: String,
        timestamp: f64,
    ) -> JsResult<MailSealer> {
        let sealer = MailSealer {
            sender: Sender {
                address,
                puk: puk.inner.clone(),
                device: device.inner.clone(),
                chain: chain.inner.clone(),
            },
            mail: Mail {
                suite: chain.inner.suite(),
                message_id,
                timestamp: convert::int(timestamp, "timestamp")?,
                to: Vec::new(),
                cc: Vec::new(),
                bcc: Vec::new(),
                external: Vec::new(),
                unprovisioned: Vec::new(),
                server: None,
                plans: Vec::new(),
                link_expiry: None,
                bcc_text: String::new(),
            },
            pieces: Vec::with_capacity(MAX_PIECES),
        };
        // The library's own checks of the sender, now rather than at the end.
        sealer.mail.sealer(&sealer.sender)?;
        Ok(sealer)
    }

    /// Adds a To recipient, as the chain this client verified for them gives their key.
    pub fn to(&mut self, address: String, chain: &Chain) -> JsResult<()> {
        self.mail.to.push(Self::recipient(address, chain)?);
        Ok(())
    }

    /// Adds a CC recipient.
    pub fn cc(&mut self, address: String, chain: &Chain) -> JsResult<()> {
        self.mail.cc.push(Self::recipient(address, chain)?);
        Ok(())
    }

    /// Adds a BCC recipient: a box, but named in no header.
    pub fn bcc(&mut self, address: String, chain: &Chain) -> JsResult<()> {
        self.mail.bcc.push(Self::recipient(address, chain)?);
        Ok(())
    }

    /// Adds an external To or CC address (`kind` is `"to"` or `"cc"`): the mail cannot be E2E.
    pub fn external(&mut self, kind: &str, address: String) -> JsResult<()> {
        self.mail.external.push((addressed_kind(kind)?, address));
        Ok(())
    }

    /// Adds a To or CC user who has no device yet (the server holds the mail for them).
    pub fn unprovisioned(&mut self, kind: &str, address: String, user: &str) -> JsResult<()> {
        self.mail
            .unprovisioned
            .push((addressed_kind(kind)?, address, convert::user_id(user)?));
        Ok(())
    }

    /// Gives the server access, with a box to its key (a PUK public record).
    #[wasm_bindgen(js_name = serverAccess)]
    pub fn server_access(&mut self, address: String, record: &[u8]) -> JsResult<()> {
        self.mail.server = Some(RecipientKey::server(address, puk_public(record)?));
        Ok(())
    }

    /// Adds the recipients (and server access) a plan decided on (`Planner.plan`).
    #[wasm_bindgen(js_name = applyPlan)]
    pub fn apply_plan(&mut self, plan: &Plan) -> JsResult<()> {
        if !matches!(plan.inner, LibPlan::E2e { .. } | LibPlan::NotE2e { .. }) {
            return Err(crate::error::from_mailseal(
                mailseal::error::Misuse::PlanRefused.into(),
            ));
        }
        self.mail.plans.push(plan.inner.clone());
        Ok(())
    }

    /// Makes the mail access-restricted until `expiry` (seconds since the epoch): seal it with
    /// `sealRestricted()`.
    #[wasm_bindgen(js_name = accessRestricted)]
    pub fn access_restricted(&mut self, expiry: f64) -> JsResult<()> {
        self.mail.link_expiry = Some(convert::int(expiry, "expiry")?);
        Ok(())
    }

    /// The BCC line only the sender's own copy shows.
    #[wasm_bindgen(js_name = bccText)]
    pub fn bcc_text(&mut self, text: String) {
        self.mail.bcc_text = text;
    }

    /// Checks the addressing as sealing will (limits, addresses, keys, duplicates), without
    /// any public-key operation.
    pub fn validate(&self) -> JsResult<()> {
        self.mail.sealer(&self.sender)?.validate().or_throw()
    }

    /// Seals a whole piece at once (the body, a small attachment); returns its ciphertext to
    /// upload. The plaintext is wiped from wasm memory.
    #[wasm_bindgen(js_name = addPiece)]
    pub fn add_piece(&mut self, mut plaintext: Vec<u8>) -> JsResult<Vec<u8>> {
        let result = self.add_piece_inner(&plaintext);
        plaintext.zeroize();
        result
    }

    /// Starts a piece to seal chunk by chunk (an attachment of any size); `attach` it once
    /// finished.
    #[wasm_bindgen(js_name = beginPiece)]
    pub fn begin_piece(&mut self) -> JsResult<PieceSealer> {
        self.check_room()?;
        let mut rng = convert::rng()?;
        // A sealer with no recipient yet is enough to start a piece under the mail's suite.
        let s = lib::MailSealer::new(
            self.mail.suite,
            self.sender.identity(),
            &self.mail.message_id,
            self.mail.timestamp,
        )
        .or_throw()?;
        Ok(PieceSealer {
            state: State::Sealing(Box::new(s.begin_piece(&mut rng))),
            buffer: Vec::new(),
        })
    }

    /// Appends a finished piece (from `beginPiece`) to the mail, after the pieces before it.
    pub fn attach(&mut self, piece: &mut PieceSealer) -> JsResult<()> {
        self.check_room()?;
        match std::mem::replace(&mut piece.state, State::Attached) {
            State::Finished(f) => {
                self.pieces.push(f);
                Ok(())
            }
            other => {
                piece.state = other;
                Err(invalid("attach a piece after finish(), and only once"))
            }
        }
    }

    /// Seals the mail: returns the envelope to upload beside the piece ciphertexts. The
    /// sealer is used up.
    pub fn seal(mut self) -> JsResult<Vec<u8>> {
        let mut rng = convert::rng()?;
        self.build()?.seal(&mut rng).or_throw()
    }

    /// Seals a draft: no recipient, only the sender's own box.
    #[wasm_bindgen(js_name = sealDraft)]
    pub fn seal_draft(mut self) -> JsResult<Vec<u8>> {
        let mut rng = convert::rng()?;
        self.build()?.seal_draft(&mut rng).or_throw()
    }

    /// Seals access-restricted mail: `{envelope, fragment}`. The fragment (`ms1…`) goes to
    /// the external reader in the link's `#fragment`, never to the server.
    #[wasm_bindgen(js_name = sealRestricted, unchecked_return_type = "RestrictedMail")]
    pub fn seal_restricted(mut self) -> JsResult<JsValue> {
        let mut rng = convert::rng()?;
        let (envelope, fragment) = self.build()?.seal_restricted(&mut rng).or_throw()?;
        Ok(Obj::new()
            .set("envelope", convert::bytes(&envelope))
            .set("fragment", fragment.expose_text())
            .done())
    }
}

impl MailSealer {
    fn add_piece_inner(&mut self, plaintext: &[u8]) -> JsResult<Vec<u8>> {
        self.check_room()?;
        let mut piece = self.begin_piece()?;
        let mut out = piece.push_inner(plaintext)?;
        out.extend_from_slice(&piece.finish_inner()?);
        self.attach(&mut piece)?;
        Ok(out)
    }
}

enum State {
    Sealing(Box<lib::PieceSealer>),
    Finished(FinishedPiece),
    Attached,
    Failed,
}

/// One piece being sealed in constant memory (one 64 KiB chunk): `push` plaintext and upload
/// what it returns, `finish()` and upload that too, then `MailSealer.attach(piece)`.
#[wasm_bindgen]
pub struct PieceSealer {
    state: State,
    buffer: Vec<u8>,
}

impl PieceSealer {
    fn push_inner(&mut self, plaintext: &[u8]) -> JsResult<Vec<u8>> {
        let State::Sealing(s) = &mut self.state else {
            return Err(invalid("this piece is finished"));
        };
        self.buffer.clear();
        if let Err(e) = s.push(plaintext, &mut self.buffer) {
            self.state = State::Failed;
            return Err(crate::error::from_mailseal(e));
        }
        Ok(std::mem::take(&mut self.buffer))
    }

    fn finish_inner(&mut self) -> JsResult<Vec<u8>> {
        if !matches!(self.state, State::Sealing(_)) {
            return Err(invalid("this piece is already finished"));
        }
        let State::Sealing(s) = std::mem::replace(&mut self.state, State::Failed) else {
            return Err(invalid("this piece is already finished"));
        };
        let mut out = Vec::new();
        let finished = (*s).finish(&mut out).or_throw()?;
        self.state = State::Finished(finished);
        Ok(out)
    }

    fn finished(&self) -> JsResult<&FinishedPiece> {
        match &self.state {
            State::Finished(f) => Ok(f),
            _ => Err(invalid("the piece is not finished (or already attached)")),
        }
    }
}

#[wasm_bindgen]
impl PieceSealer {
    /// Encrypts `plaintext` (taken and wiped); returns the ciphertext ready so far (whole
    /// 64 KiB chunks), possibly empty.
    pub fn push(&mut self, mut plaintext: Vec<u8>) -> JsResult<Vec<u8>> {
        let out = self.push_inner(&plaintext);
        plaintext.zeroize();
        out
    }

    /// Encrypts the final chunk and returns the last ciphertext bytes.
    pub fn finish(&mut self) -> JsResult<Vec<u8>> {
        self.finish_inner()
    }

    /// The finished piece's digest (what the manifest records).
    #[wasm_bindgen(getter)]
    pub fn digest(&self) -> JsResult<Uint8Array> {
        let d: PieceDigest = self.finished()?.digest();
        Ok(Uint8Array::from(d.0.as_slice()))
    }

    /// The finished piece's ciphertext length.
    #[wasm_bindgen(getter, js_name = ciphertextLength)]
    pub fn ciphertext_length(&self) -> JsResult<f64> {
        #[allow(clippy::cast_precision_loss)]
        Ok(self.finished()?.ciphertext_len() as f64)
    }
}
