//! Opening a copy (SPEC.md §6.9) and its pieces, whole or streamed (verified, §3.8), and
//! access-restricted link copies (§10.3).

use js_sys::Uint8Array;
use mailseal::Suite;
use mailseal::mail::envelope::{Party, RoutingHeader};
use mailseal::mail::open as lib;
use mailseal::transparency::Publication;
use mailseal_bindings_shared::SingleThread;
use mailseal_bindings_shared::open as shared;
use wasm_bindgen::prelude::*;

use crate::account::Keyring;
use crate::chain::{Chain, Directory, escrow_object, tail_object};
use crate::convert::{self, Obj, array, kind_name, num, opt, origin_name, secret_out};
use crate::error::{JsResult, OrThrow};
use crate::footer::classification_object;
use crate::keys::Device;
use crate::piece::PieceReader;
use crate::transparency::published_object;

/// A user's mailbox: the user's own verified chain and the PUK generations it holds (or, for
/// the server's own box, the server key's id and its PUKs).
#[wasm_bindgen]
pub struct Mailbox {
    inner: shared::Mailbox<SingleThread>,
}

#[wasm_bindgen]
impl Mailbox {
    /// The mailbox of `chain`'s user, holding the keys of `keyring`. It follows the
    /// key-transparency log (SPEC.md §11.2 condition 6, §14): mail from a sender whose chain
    /// the directory has not shown to be published is Server Encrypted
    /// (`sender_not_published`), however it was signed.
    #[wasm_bindgen(constructor)]
    pub fn new(chain: &Chain, keyring: &Keyring) -> Mailbox {
        Mailbox {
            inner: shared::Mailbox::new(chain.inner.clone(), keyring.keys()),
        }
    }

    /// This mailbox for a deployment that runs no key-transparency log: mail from a sender
    /// not shown to be published may be E2E, always with the caution
    /// `sender_not_checked_in_log`. Returns a new handle (the keys are shared, not copied).
    #[wasm_bindgen(js_name = withoutKeyTransparency)]
    pub fn without_key_transparency(&self) -> Mailbox {
        Mailbox {
            inner: self.inner.without_key_transparency(),
        }
    }

    /// The server's own mailbox (SPEC.md §10.1): its key id and its PUKs; no chain.
    pub fn server(key_id: &str, keyring: &Keyring) -> JsResult<Mailbox> {
        Ok(Mailbox {
            inner: shared::Mailbox::server(key_id, keyring.keys()).or_throw()?,
        })
    }

    /// Opens a copy with every check of SPEC.md §6.9. `senders`: the chains this client
    /// verified (the sender's must be there for signed mail).
    pub fn open(&self, copy: &[u8], senders: &Directory) -> JsResult<OpenedMail> {
        let opened = self.inner.open(copy, senders).or_throw()?;
        Ok(OpenedMail { inner: opened })
    }
}

/// Opens an access-restricted link copy with the fragment of its link, at `now` (seconds
/// since the epoch, the reader's clock).
#[wasm_bindgen(js_name = openLinkCopy)]
pub fn open_link_copy(copy: &[u8], fragment: &str, now: f64) -> JsResult<OpenedMail> {
    let opened = mailseal::mail::link::open_link_copy(copy, fragment, convert::int(now, "now")?)
        .or_throw()?;
    Ok(OpenedMail { inner: opened })
}

/// A copy that opened: its routing header, who signed it, its pieces' keys.
#[wasm_bindgen]
pub struct OpenedMail {
    pub(crate) inner: lib::OpenedMail,
}

fn party_object(p: &Party) -> JsValue {
    Obj::new()
        .set("address", p.address.as_str())
        .set("user", opt(p.user.map(|u| u.to_string())))
        .done()
}

/// The routing header as an object.
pub(crate) fn header_object(h: &RoutingHeader, suite: Suite) -> JsValue {
    let sender = Obj::new()
        .set("address", h.sender.address.as_str())
        .set("user", opt(h.sender.user.map(|u| u.to_string())))
        .set("device", opt(h.sender.device.map(|d| d.to_string())))
        .set("chain", opt(h.sender.chain.as_ref().map(tail_object)))
        .done();
    Obj::new()
        .set("sender", sender)
        .set("origin", origin_name(h.origin()))
        .set("messageId", h.message_id.as_str())
        .set("timestamp", num(h.timestamp))
        .set("to", array(h.to.iter().map(party_object)))
        .set("cc", array(h.cc.iter().map(party_object)))
        .set("pieceSizes", array(h.piece_sizes.iter().map(|s| num(*s))))
        .set("expiry", opt(h.expiry.map(num)))
        .set("suite", convert::suite_short_name(suite))
        .done()
}

#[wasm_bindgen]
impl OpenedMail {
    /// The routing header: `{sender: {address, user, device, chain}, origin, messageId,
    /// timestamp, to, cc, pieceSizes, expiry, suite}`.
    #[wasm_bindgen(getter, unchecked_return_type = "RoutingHeader")]
    pub fn header(&self) -> JsValue {
        header_object(self.inner.header(), self.inner.suite())
    }

    /// How this copy's box was addressed: `sender`, `to`, `cc`, `bcc`, `server` or `link`.
    #[wasm_bindgen(getter, js_name = recipientKind)]
    pub fn recipient_kind(&self) -> String {
        kind_name(self.inner.recipient_kind()).into()
    }

    /// Who signed it (SPEC.md §11.3): `verified_active_device`, `revoked_device`,
    /// `escrow_device`, `backup_device` or `unsigned`.
    #[wasm_bindgen(getter, js_name = senderStatus)]
    pub fn sender_status(&self) -> String {
        self.inner.sender_status().code().into()
    }

    /// The signed manifest's E2E flag.
    #[wasm_bindgen(getter, js_name = e2eFlag)]
    pub fn e2e_flag(&self) -> bool {
        self.inner.e2e_flag()
    }

    /// Whether the sender's chain was shown to be in the key-transparency log (SPEC.md §14.4)
    /// when this copy was opened: `{index, seq, checkpointSize}` from the directory's
    /// `addPublished`, or `null` (not shown, or unsigned mail).
    #[wasm_bindgen(getter, js_name = senderPublication, unchecked_return_type = "PublishedTail | null")]
    pub fn sender_publication(&self) -> JsValue {
        match self.inner.sender_publication() {
            Some(Publication::Published(tail)) => published_object(&tail),
            _ => JsValue::NULL,
        }
    }

    /// Whether the From address is one of the signer's chain's addresses.
    #[wasm_bindgen(getter, js_name = fromIsSenders)]
    pub fn from_is_senders(&self) -> bool {
        self.inner.from_is_senders()
    }

    /// The sender's own copy only: `{bcc, recipients: [{address, user, generation, kind}]}`,
    /// verified against the signed recipient list; `null` in other copies.
    #[wasm_bindgen(getter, js_name = sentRecord, unchecked_return_type = "SentRecord | null")]
    pub fn sent_record(&self) -> JsValue {
        opt(self.inner.sent_record().map(|r| {
            Obj::new()
                .set("bcc", r.bcc.as_str())
                .set(
                    "recipients",
                    array(r.recipients.iter().map(|e| {
                        Obj::new()
                            .set("address", e.address.as_str())
                            .set("user", e.user.to_string())
                            .set("generation", e.generation)
                            .set("kind", kind_name(e.kind))
                            .done()
                    })),
                )
                .done()
        }))
    }

    /// The reader's own escrow enrollment (to disclose beside the mail), or `null`.
    #[wasm_bindgen(getter, js_name = mailboxEscrow, unchecked_return_type = "EscrowEnrollment | null")]
    pub fn mailbox_escrow(&self) -> JsValue {
        opt(self.inner.mailbox_escrow().map(escrow_object))
    }

    /// The sender's escrow enrollment that can read this mail (SPEC.md §11.2), or `null`.
    #[wasm_bindgen(getter, js_name = senderEscrow, unchecked_return_type = "EscrowEnrollment | null")]
    pub fn sender_escrow(&self) -> JsValue {
        opt(self.inner.sender_escrow().map(escrow_object))
    }

    /// The footer (SPEC.md §11.2): `{footer, code, sender, reasons, cautions, escrow,
    /// senderEscrow}`, each
    /// reason and caution as `{code, text}` in the product's words.
    /// `senderIsKnownContact`: whether the reader has written with the sender before.
    #[wasm_bindgen(unchecked_return_type = "Classification")]
    pub fn classify(&self, sender_is_known_contact: bool) -> JsValue {
        classification_object(&mailseal::mail::footer::classify(
            &self.inner,
            sender_is_known_contact,
        ))
    }

    /// An abuse report of this mail (SPEC.md §13), disclosing the pieces at `disclose` (0 is
    /// the body) to the service, signed by the reader's device `reporter` at `now`. Only
    /// device-signed mail can be reported.
    pub fn report(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint32Array | number[]")] disclose: &JsValue,
        reporter: &Device,
        now: f64,
    ) -> JsResult<Vec<u8>> {
        let disclose = convert::indices(disclose, "disclose")?;
        mailseal::mail::report::report(
            &self.inner,
            &disclose,
            &reporter.inner,
            convert::int(now, "now")?,
        )
        .or_throw()
    }

    /// How many pieces (body first).
    #[wasm_bindgen(getter, js_name = pieceCount)]
    pub fn piece_count(&self) -> usize {
        self.inner.piece_count()
    }

    /// The ciphertext length of piece `index` as the header states it.
    #[wasm_bindgen(js_name = pieceSize)]
    pub fn piece_size(&self, index: f64) -> JsResult<f64> {
        let index = convert::index(index, "index")?;
        #[allow(clippy::cast_precision_loss)]
        Ok(self.inner.piece_size(index).or_throw()? as f64)
    }

    /// The digest of piece `index` the manifest records.
    #[wasm_bindgen(js_name = pieceDigest)]
    pub fn piece_digest(&self, index: f64) -> JsResult<Uint8Array> {
        let index = convert::index(index, "index")?;
        Ok(Uint8Array::from(
            self.inner.piece_digest(index).or_throw()?.0.as_slice(),
        ))
    }

    /// Opens piece `index` from its whole ciphertext: plaintext only if every chunk and the
    /// manifest's digest check.
    #[wasm_bindgen(js_name = openPiece)]
    pub fn open_piece(&self, index: f64, ciphertext: &[u8]) -> JsResult<Uint8Array> {
        let index = convert::index(index, "index")?;
        Ok(secret_out(
            self.inner.open_piece(index, ciphertext).or_throw()?,
        ))
    }

    /// A streaming opener of piece `index`: each chunk's plaintext as soon as it
    /// authenticates; the length and the manifest's digest are checked at `finish()`, so
    /// discard everything if that fails. (`verifiedPieceDecryptor` releases nothing the digest
    /// does not vouch for.)
    #[wasm_bindgen(js_name = pieceDecryptor)]
    pub fn piece_decryptor(&self, index: f64) -> JsResult<PieceDecryptor> {
        let index = convert::index(index, "index")?;
        Ok(PieceDecryptor {
            inner: shared::PieceDecryptor::checked(self.inner.piece_decryptor(index).or_throw()?),
        })
    }

    /// A verified streaming opener of piece `index` (SPEC.md §3.8): the tag list (from the
    /// server, `tagList(ciphertext)` or ranges `tagListRanges(length)`) is checked against the
    /// manifest's digest first; then every chunk released is the sender's.
    #[wasm_bindgen(js_name = verifiedPieceDecryptor)]
    pub fn verified_piece_decryptor(
        &self,
        index: f64,
        tag_list: &[u8],
    ) -> JsResult<PieceDecryptor> {
        let index = convert::index(index, "index")?;
        Ok(PieceDecryptor {
            inner: shared::PieceDecryptor::verified(
                self.inner
                    .verified_piece_decryptor(index, tag_list)
                    .or_throw()?,
            ),
        })
    }

    /// Verified random access to piece `index`: open any chunk on its own.
    #[wasm_bindgen(js_name = verifiedPieceReader)]
    pub fn verified_piece_reader(&self, index: f64, tag_list: &[u8]) -> JsResult<PieceReader> {
        let index = convert::index(index, "index")?;
        Ok(PieceReader::from_verified(
            self.inner
                .verified_piece_reader(index, tag_list)
                .or_throw()?,
        ))
    }
}

/// Streams one piece out of its ciphertext (`OpenedMail.pieceDecryptor` or
/// `verifiedPieceDecryptor`): `push` ciphertext as it arrives, then `finish()`.
#[wasm_bindgen]
pub struct PieceDecryptor {
    inner: shared::PieceDecryptor,
}

#[wasm_bindgen]
impl PieceDecryptor {
    /// Consumes ciphertext; returns the plaintext of every chunk completed (and, verified,
    /// vouched for), possibly empty.
    pub fn push(&mut self, ciphertext: &[u8]) -> JsResult<Uint8Array> {
        Ok(secret_out(self.inner.push(ciphertext).or_throw()?))
    }

    /// Ends the piece: succeeds only if the whole piece came and (unverified) its length and
    /// digest check; returns the last plaintext (always empty when verified).
    pub fn finish(&mut self) -> JsResult<Uint8Array> {
        Ok(secret_out(self.inner.finish().or_throw()?))
    }
}
