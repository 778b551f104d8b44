//! The server's side (SPEC.md §6.7, §10): key-free validation and splitting, the tag list of
//! a stored piece, and sealing of mail received in plaintext.

use js_sys::Array;
use mailseal::Suite;
use mailseal::mail::envelope::{Origin, Party};
use mailseal::mail::seal::{RecipientKey, SealedMail};
use mailseal::mail::server::{self as lib, InboundMail, RoutingInfo};
use mailseal::piece;
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::chain::Chain;
use crate::convert::{self, Obj, array, byte_arrays, kind_name, num, origin_name};
use crate::error::{JsResult, OrThrow};
use crate::open::OpenedMail;

fn lengths(piece_lengths: &[f64]) -> JsResult<Vec<u64>> {
    piece_lengths
        .iter()
        .map(|l| convert::int(*l, "a piece length"))
        .collect()
}

fn routing_object(info: &RoutingInfo) -> JsValue {
    Obj::new()
        .set("origin", origin_name(info.header.origin()))
        .set("suite", convert::suite_short_name(info.suite))
        .set(
            "boxes",
            array(info.boxes.iter().map(|b| {
                Obj::new()
                    .set("kind", kind_name(b.kind))
                    .set("address", b.address.as_str())
                    .set("user", b.user.to_string())
                    .done()
            })),
        )
        .set("linkBox", info.link_box)
        .set(
            "heldFor",
            array(info.held_for.iter().map(|h| {
                Obj::new()
                    .set("address", h.address.as_str())
                    .set("user", h.user.to_string())
                    .done()
            })),
        )
        .set(
            "external",
            array(info.external.iter().map(|a| JsValue::from_str(a))),
        )
        .set("messageId", info.header.message_id.as_str())
        .set(
            "pieceSizes",
            array(info.header.piece_sizes.iter().map(|s| num(*s))),
        )
        .done()
}

/// Validates an uploaded envelope without any key (SPEC.md §10.4); `pieceLengths` are the
/// lengths of the piece ciphertexts uploaded with it. Returns the routing information:
/// `{origin, suite, boxes: [{kind, address, user}], linkBox, heldFor, external, messageId,
/// pieceSizes}`.
#[wasm_bindgen(js_name = validateEnvelope, unchecked_return_type = "RoutingInfo")]
pub fn validate_envelope(envelope: &[u8], piece_lengths: &[f64]) -> JsResult<JsValue> {
    let info = lib::validate_envelope(envelope, &lengths(piece_lengths)?).or_throw()?;
    Ok(routing_object(&info))
}

/// Validates one copy on its own (for example on re-delivery), without any key.
#[wasm_bindgen(js_name = validateCopy, unchecked_return_type = "RoutingInfo")]
pub fn validate_copy(copy: &[u8], piece_lengths: &[f64]) -> JsResult<JsValue> {
    let info = lib::validate_copy(copy, &lengths(piece_lengths)?).or_throw()?;
    Ok(routing_object(&info))
}

/// Splits a validated envelope into one copy per recipient user: `[{address, user, kind,
/// copy}]`, in envelope order. Key-free.
#[wasm_bindgen(js_name = splitEnvelope, unchecked_return_type = "RecipientCopy[]")]
pub fn split_envelope(envelope: &[u8]) -> JsResult<JsValue> {
    let copies = lib::split_envelope(envelope).or_throw()?;
    Ok(array(copies.iter().map(|c| {
        Obj::new()
            .set("address", c.address.as_str())
            .set("user", c.user.to_string())
            .set("kind", kind_name(c.kind))
            .set("copy", convert::bytes(&c.copy))
            .done()
    })))
}

/// The copy an access-restricted link serves, or `null` if the mail has no link box.
#[wasm_bindgen(js_name = linkCopy)]
pub fn link_copy(envelope: &[u8]) -> JsResult<Option<Vec<u8>>> {
    lib::link_copy(envelope).or_throw()
}

/// The tag list of a stored piece ciphertext (SPEC.md §3.8), what a client needs to stream
/// the piece verified. Key-free.
#[wasm_bindgen(js_name = tagList)]
pub fn tag_list(ciphertext: &[u8]) -> JsResult<Vec<u8>> {
    piece::tag_list(ciphertext).or_throw()
}

/// The byte ranges `[[start, end], …]` of the tag list inside a ciphertext of `length` bytes
/// (to fetch them with HTTP ranges).
#[wasm_bindgen(js_name = tagListRanges, unchecked_return_type = "[number, number][]")]
pub fn tag_list_ranges(length: f64) -> JsResult<JsValue> {
    let ranges = piece::tag_list_ranges(convert::int(length, "length")?).or_throw()?;
    Ok(array(ranges.map(|r| array([num(r.start), num(r.end)]))))
}

/// `{envelope, pieces}` of server-sealed mail.
fn sealed_object(s: &SealedMail) -> JsValue {
    Obj::new()
        .set("envelope", convert::bytes(&s.envelope))
        .set("pieces", array(s.pieces.iter().map(|p| convert::bytes(p))))
        .done()
}

/// Mail the server received in plaintext, sealed on arrival (SPEC.md §10.2): unsigned, to
/// each local recipient's key. Add parties, recipients and pieces, then `seal()`.
#[wasm_bindgen]
pub struct InboundSealer {
    suite: Suite,
    origin: Origin,
    sender_address: String,
    sender_user: Option<mailseal::keys::UserId>,
    message_id: String,
    timestamp: u64,
    to: Vec<Party>,
    cc: Vec<Party>,
    recipients: Vec<RecipientKey>,
    pieces: Vec<Vec<u8>>,
}

impl Drop for InboundSealer {
    fn drop(&mut self) {
        for p in &mut self.pieces {
            p.zeroize();
        }
    }
}

#[wasm_bindgen]
impl InboundSealer {
    /// `origin`: `inbound_external`, `mailing_list`, `system` or `held_for_new_user`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        suite: &str,
        origin: &str,
        sender_address: String,
        message_id: String,
        timestamp: f64,
    ) -> JsResult<InboundSealer> {
        Ok(InboundSealer {
            suite: convert::suite(suite)?,
            origin: convert::origin(origin)?,
            sender_address,
            sender_user: None,
            message_id,
            timestamp: convert::int(timestamp, "timestamp")?,
            to: Vec::new(),
            cc: Vec::new(),
            recipients: Vec::new(),
            pieces: Vec::new(),
        })
    }

    /// The sender's user id, when the sender has an account here (list mail, held mail).
    #[wasm_bindgen(js_name = senderUser)]
    pub fn sender_user(&mut self, user: &str) -> JsResult<()> {
        self.sender_user = Some(convert::user_id(user)?);
        Ok(())
    }

    /// A To party as received (`user` when the address is a local user's).
    pub fn to(&mut self, address: String, user: Option<String>) -> JsResult<()> {
        let user = user.as_deref().map(convert::user_id).transpose()?;
        self.to.push(Party { address, user });
        Ok(())
    }

    /// A CC party as received.
    pub fn cc(&mut self, address: String, user: Option<String>) -> JsResult<()> {
        let user = user.as_deref().map(convert::user_id).transpose()?;
        self.cc.push(Party { address, user });
        Ok(())
    }

    /// A local recipient, sealed to as the chain the server holds for them gives their key.
    pub fn recipient(&mut self, address: String, chain: &Chain) -> JsResult<()> {
        self.recipients
            .push(RecipientKey::from_chain(address, &chain.inner).or_throw()?);
        Ok(())
    }

    /// A piece (the body first, then attachments), taken and wiped once sealed.
    #[wasm_bindgen(js_name = addPiece)]
    pub fn add_piece(&mut self, plaintext: Vec<u8>) {
        self.pieces.push(plaintext);
    }

    /// Seals: `{envelope, pieces}`.
    #[wasm_bindgen(unchecked_return_type = "SealedMail")]
    pub fn seal(&self) -> JsResult<JsValue> {
        let mail = InboundMail {
            origin: self.origin,
            sender_address: self.sender_address.clone(),
            sender_user: self.sender_user,
            message_id: self.message_id.clone(),
            timestamp: self.timestamp,
            to: self.to.clone(),
            cc: self.cc.clone(),
            recipients: self.recipients.clone(),
            pieces: self.pieces.iter().map(Vec::as_slice).collect(),
        };
        let sealed = lib::seal_inbound(self.suite, &mail, &mut convert::rng()?).or_throw()?;
        Ok(sealed_object(&sealed))
    }
}

/// Re-seals mail the server held for a user who had no key yet (SPEC.md §10.2): `held` as the
/// server opened it through its own box, `ciphertexts` its pieces, to the new user's key.
#[wasm_bindgen(js_name = resealHeld, unchecked_return_type = "SealedMail")]
pub fn reseal_held(
    held: &OpenedMail,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] ciphertexts: &Array,
    address: String,
    chain: &Chain,
) -> JsResult<JsValue> {
    let ciphertexts = byte_arrays(ciphertexts, "ciphertexts")?;
    let refs: Vec<&[u8]> = ciphertexts.iter().map(Vec::as_slice).collect();
    let key = RecipientKey::from_chain(address, &chain.inner).or_throw()?;
    let sealed = lib::reseal_held(&held.inner, &refs, key, &mut convert::rng()?).or_throw()?;
    Ok(sealed_object(&sealed))
}
