//! Sealing a mail on the sender's device (SPEC.md §6.8, §10.1, §10.3), attachments streamed.
//!
//! The JavaScript sealer keeps what the mail will be (sender, recipients, finished pieces) and
//! builds the library's `MailSealer` when it needs one: the library's sealer borrows the
//! sender's keys, which a JavaScript object cannot lend across calls. That state and its calls
//! are `mailseal_bindings_shared::seal`, shared with the UniFFI bindings; this module is their
//! JavaScript surface.

use js_sys::Uint8Array;
use mailseal::mail::seal::RecipientKey;
use mailseal::piece::PieceDigest;
use mailseal_bindings_shared::SingleThread;
use mailseal_bindings_shared::seal::{self as shared, Mail, applicable};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::chain::Chain;
use crate::convert::{self, Obj, addressed_kind};
use crate::error::{JsResult, OrThrow};
use crate::footer::Plan;
use crate::keys::{Device, Puk, puk_public};

/// The sender's keys, held for the sealer's lifetime.
type Sender = shared::Sender<SingleThread>;

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
}

impl MailSealer {
    fn recipient(address: String, chain: &Chain) -> JsResult<RecipientKey> {
        RecipientKey::from_chain(address, &chain.inner).or_throw()
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
        let timestamp = convert::int(timestamp, "timestamp")?;
        let sender = Sender::new(
            address,
            puk.inner.clone(),
            device.inner.clone(),
            chain.inner.clone(),
        );
        // The library's own checks of the sender, now rather than at the end.
        let mail = Mail::new(&sender, message_id, timestamp).or_throw()?;
        Ok(MailSealer { sender, mail })
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
        self.mail.plans.push(applicable(&plan.inner).or_throw()?);
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
        self.mail
            .sealer(&self.sender)
            .or_throw()?
            .validate()
            .or_throw()
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
        self.mail.check_room().or_throw()?;
        let mut rng = convert::rng()?;
        Ok(PieceSealer {
            inner: self.mail.begin_piece(&self.sender, &mut rng).or_throw()?,
        })
    }

    /// Appends a finished piece (from `beginPiece`) to the mail, after the pieces before it.
    pub fn attach(&mut self, piece: &mut PieceSealer) -> JsResult<()> {
        self.mail.attach(&mut piece.inner).or_throw()
    }

    /// Seals the mail: returns the envelope to upload beside the piece ciphertexts. The
    /// sealer is used up.
    pub fn seal(mut self) -> JsResult<Vec<u8>> {
        let mut rng = convert::rng()?;
        let sealer = self.mail.sealer_with_pieces(&self.sender).or_throw()?;
        sealer.seal(&mut rng).or_throw()
    }

    /// Seals a draft: no recipient, only the sender's own box.
    #[wasm_bindgen(js_name = sealDraft)]
    pub fn seal_draft(mut self) -> JsResult<Vec<u8>> {
        let mut rng = convert::rng()?;
        let sealer = self.mail.sealer_with_pieces(&self.sender).or_throw()?;
        sealer.seal_draft(&mut rng).or_throw()
    }

    /// Seals access-restricted mail: `{envelope, fragment}`. The fragment (`ms1…`) goes to
    /// the external reader in the link's `#fragment`, never to the server.
    #[wasm_bindgen(js_name = sealRestricted, unchecked_return_type = "RestrictedMail")]
    pub fn seal_restricted(mut self) -> JsResult<JsValue> {
        let mut rng = convert::rng()?;
        let sealer = self.mail.sealer_with_pieces(&self.sender).or_throw()?;
        let (envelope, fragment) = sealer.seal_restricted(&mut rng).or_throw()?;
        Ok(Obj::new()
            .set("envelope", convert::bytes(&envelope))
            .set("fragment", fragment.expose_text())
            .done())
    }
}

impl MailSealer {
    fn add_piece_inner(&mut self, plaintext: &[u8]) -> JsResult<Vec<u8>> {
        self.mail.check_room().or_throw()?;
        let mut piece = self.begin_piece()?;
        let mut out = piece.inner.push(plaintext).or_throw()?;
        out.extend_from_slice(&piece.inner.finish().or_throw()?);
        self.attach(&mut piece)?;
        Ok(out)
    }
}

/// One piece being sealed in constant memory (one 64 KiB chunk): `push` plaintext and upload
/// what it returns, `finish()` and upload that too, then `MailSealer.attach(piece)`.
#[wasm_bindgen]
pub struct PieceSealer {
    inner: shared::PieceSealer,
}

#[wasm_bindgen]
impl PieceSealer {
    /// Encrypts `plaintext` (taken and wiped); returns the ciphertext ready so far (whole
    /// 64 KiB chunks), possibly empty.
    pub fn push(&mut self, mut plaintext: Vec<u8>) -> JsResult<Vec<u8>> {
        let out = self.inner.push(&plaintext).or_throw();
        plaintext.zeroize();
        out
    }

    /// Encrypts the final chunk and returns the last ciphertext bytes.
    pub fn finish(&mut self) -> JsResult<Vec<u8>> {
        self.inner.finish().or_throw()
    }

    /// The finished piece's digest (what the manifest records).
    #[wasm_bindgen(getter)]
    pub fn digest(&self) -> JsResult<Uint8Array> {
        let d: PieceDigest = self.inner.finished().or_throw()?.digest();
        Ok(Uint8Array::from(d.0.as_slice()))
    }

    /// The finished piece's ciphertext length.
    #[wasm_bindgen(getter, js_name = ciphertextLength)]
    pub fn ciphertext_length(&self) -> JsResult<f64> {
        #[allow(clippy::cast_precision_loss)]
        Ok(self.inner.finished().or_throw()?.ciphertext_len() as f64)
    }
}
