//! Identity (SPEC.md §12): chains verified from their root, drafts of new links, a directory
//! of the chains a client verified.

use std::rc::Rc;

use js_sys::Array;
use mailseal::identity::{self, ChainDevice, ChainState, ChainTail, DeviceRole, EscrowEnrollment};
use mailseal::keys::{DeviceId, DevicePublic, PukPublic, UserId};
use mailseal::mail::open::ChainDirectory;
use mailseal::transparency::{Publication, PublishedChains};
use wasm_bindgen::prelude::*;

use crate::account::EscrowTerms;
use crate::convert::{self, Obj, array, byte_arrays, hex, num, opt, strings, suite_short_name};
use crate::error::{JsResult, OrThrow, invalid};
use crate::keys::{Device, Puk, device_object, device_public, puk_object, puk_public};
use crate::transparency::{TransparencyView, published_object};

/// A user's chain as this client verified it: which devices, keys and addresses are the
/// user's. Public information; the handle only keeps the verified state.
#[wasm_bindgen]
#[derive(Clone)]
pub struct Chain {
    pub(crate) inner: Rc<ChainState>,
}

impl Chain {
    fn wrap(state: ChainState) -> Chain {
        Chain {
            inner: Rc::new(state),
        }
    }
}

/// `{seq, hash, text}` of a tail, the hash in hex, `text` its text form (SPEC.md §5.6).
pub(crate) fn tail_object(t: &ChainTail) -> JsValue {
    Obj::new()
        .set("seq", num(t.seq))
        .set("hash", hex(&t.hash))
        .set("text", t.to_string())
        .done()
}

/// Parses a chain tail's text form (`seq:hash`, SPEC.md §5.6): `{seq, hash, text}`.
#[wasm_bindgen(js_name = parseChainTail, unchecked_return_type = "ChainTail")]
pub fn parse_chain_tail(text: &str) -> JsResult<JsValue> {
    Ok(tail_object(&text.parse::<ChainTail>().or_throw()?))
}

/// Parses a security code as a person types it: `{digits, text}` (30 digits; `text` in groups
/// of five).
#[wasm_bindgen(js_name = parseSecurityCode, unchecked_return_type = "SecurityCodeText")]
pub fn parse_security_code(text: &str) -> JsResult<JsValue> {
    let code = text.parse::<identity::SecurityCode>().or_throw()?;
    Ok(Obj::new()
        .set("digits", code.digits())
        .set("text", code.to_string())
        .done())
}

fn role_name(role: DeviceRole) -> &'static str {
    match role {
        DeviceRole::Ordinary => "ordinary",
        DeviceRole::Backup => "backup",
        DeviceRole::Escrow => "escrow",
    }
}

fn chain_device_object(d: &ChainDevice) -> JsValue {
    Obj::new()
        .set("id", d.public.id.to_string())
        .set("role", role_name(d.role))
        .set("active", d.is_active())
        .set("addedAt", num(d.added_at))
        .set("revokedAt", opt(d.revoked_at.map(num)))
        .set("public", device_object(&d.public))
        .done()
}

/// What a verified chain says of a device (for seed wraps' approvers and co-signers).
pub(crate) fn vouched_device(d: &ChainDevice) -> JsValue {
    chain_device_object(d)
}

pub(crate) fn escrow_object(e: &EscrowEnrollment) -> JsValue {
    let t = &e.terms;
    Obj::new()
        .set("escrowDevice", e.escrow_device.to_string())
        .set("enabledAt", num(e.enabled_at))
        .set("disabledAt", opt(e.disabled_at.map(num)))
        .set("account", hex(&t.account))
        .set("domain", t.domain.as_str())
        .set("eaGroup", t.ea_group.to_string())
        .set("eaGeneration", t.ea_generation)
        .set("eaKeyFingerprint", hex(&t.ea_key_fingerprint))
        .set("eaChain", tail_object(&t.ea_chain))
        .set("eaDevice", t.ea_device.to_string())
        .set("eaDeviceKey", convert::bytes(&t.ea_device_key.to_bytes()))
        .done()
}

#[wasm_bindgen]
impl Chain {
    /// Verifies a whole chain from its root (an array of links, each a `Uint8Array`).
    pub fn verify(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] links: &Array,
    ) -> JsResult<Chain> {
        let links = byte_arrays(links, "links")?;
        Ok(Chain::wrap(ChainState::verify(&links).or_throw()?))
    }

    /// Verifies a chain given as one segment (SPEC.md §12.2).
    #[wasm_bindgen(js_name = verifySegment)]
    pub fn verify_segment(segment: &[u8]) -> JsResult<Chain> {
        Ok(Chain::wrap(ChainState::verify_segment(segment).or_throw()?))
    }

    /// The root link of a new chain, signed by `device`: the user's first device, first PUK
    /// (generation 1) and addresses, at `time` (seconds since the epoch).
    pub fn root(
        device: &Device,
        puk: &Puk,
        #[wasm_bindgen(unchecked_param_type = "string[]")] addresses: &Array,
        time: f64,
    ) -> JsResult<Vec<u8>> {
        let addresses = strings(addresses, "addresses")?;
        let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();
        identity::root(
            puk.inner.suite(),
            puk.inner.public().user,
            &device.inner,
            puk.inner.public(),
            &refs,
            convert::int(time, "time")?,
        )
        .or_throw()
    }

    /// This chain with `links` appended (each checked as SPEC.md §12.4 says).
    pub fn extend(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] links: &Array,
    ) -> JsResult<Chain> {
        let links = byte_arrays(links, "links")?;
        Ok(Chain::wrap(self.inner.extend(&links).or_throw()?))
    }

    /// A later view of the whole chain (from its root), accepted only if it extends this one
    /// (trust on first use, SPEC.md §12.5: a fork or a rollback is refused).
    pub fn update(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] view: &Array,
    ) -> JsResult<Chain> {
        let view = byte_arrays(view, "links")?;
        Ok(Chain::wrap(self.inner.update(&view).or_throw()?))
    }

    /// The user id.
    #[wasm_bindgen(getter)]
    pub fn user(&self) -> String {
        self.inner.user().to_string()
    }

    /// `xwing` or `x25519`.
    #[wasm_bindgen(getter)]
    pub fn suite(&self) -> String {
        suite_short_name(self.inner.suite()).into()
    }

    /// `{seq, hash}` of the last link.
    #[wasm_bindgen(getter, unchecked_return_type = "ChainTail")]
    pub fn tail(&self) -> JsValue {
        tail_object(&self.inner.tail())
    }

    /// Every device the chain ever listed: `{id, role, active, addedAt, revokedAt, public}`.
    #[wasm_bindgen(getter, unchecked_return_type = "ChainDevice[]")]
    pub fn devices(&self) -> JsValue {
        array(self.inner.devices().iter().map(chain_device_object))
    }

    /// The user's current addresses.
    #[wasm_bindgen(getter)]
    pub fn addresses(&self) -> Vec<String> {
        self.inner.addresses().to_vec()
    }

    /// Whether `address` is one of the user's current addresses.
    #[wasm_bindgen(js_name = hasAddress)]
    pub fn has_address(&self, address: &str) -> bool {
        self.inner.has_address(address)
    }

    /// The current PUK's public record, parsed: `{user, generation, suite, mailKey,
    /// fingerprint, record}`.
    #[wasm_bindgen(getter, js_name = currentPuk, unchecked_return_type = "PukRecord")]
    pub fn current_puk(&self) -> JsValue {
        puk_object(self.inner.current_puk())
    }

    /// The 30-digit security code people compare (SPEC.md §12.7).
    #[wasm_bindgen(getter, js_name = securityCode)]
    pub fn security_code(&self) -> String {
        self.inner.security_code().to_string()
    }

    /// The escrow enrollment in force, or `null` (SPEC.md §12.6).
    #[wasm_bindgen(getter, unchecked_return_type = "EscrowEnrollment | null")]
    pub fn escrow(&self) -> JsValue {
        opt(self.inner.escrow().map(escrow_object))
    }

    /// Every escrow enrollment the chain recorded, on and off, in order.
    #[wasm_bindgen(getter, js_name = escrowHistory, unchecked_return_type = "EscrowEnrollment[]")]
    pub fn escrow_history(&self) -> JsValue {
        array(self.inner.escrow_history().iter().map(escrow_object))
    }

    /// Every PUK generation the chain recorded: `[{generation, introducedAt, fingerprint,
    /// record}]`.
    #[wasm_bindgen(getter, unchecked_return_type = "ChainGeneration[]")]
    pub fn generations(&self) -> JsValue {
        let current = self.inner.current_puk().generation;
        array((1..=current).filter_map(|g| {
            let puk = self.inner.puk(g)?;
            Some(
                Obj::new()
                    .set("generation", g)
                    .set(
                        "introducedAt",
                        opt(self.inner.generation_introduced(g).map(num)),
                    )
                    .set("fingerprint", hex(&puk.mail_key.fingerprint()))
                    .set("record", convert::bytes(&puk.to_cbor()))
                    .done(),
            )
        }))
    }

    /// The hash of link `seq` (from 1), or `null` past the tail.
    #[wasm_bindgen(js_name = hashAt)]
    pub fn hash_at(&self, seq: f64) -> JsResult<Option<String>> {
        Ok(self
            .inner
            .hash_at(convert::int(seq, "seq")?)
            .map(|h| hex(&h)))
    }

    /// A device was revoked without a PUK rotation: rotate before sealing.
    #[wasm_bindgen(getter, js_name = rotationDue)]
    pub fn rotation_due(&self) -> bool {
        self.inner.rotation_due()
    }

    /// Whether any ordinary device is active (someone can read mail sealed to the user).
    #[wasm_bindgen(getter, js_name = hasActiveDevice)]
    pub fn has_active_device(&self) -> bool {
        self.inner.has_active_device()
    }

    /// Drafts a link adding the device with public record `device` (an ordinary device),
    /// approved by `approver` (a device id of this chain), optionally with a new PUK's record.
    #[wasm_bindgen(js_name = proposeAddDevice)]
    pub fn propose_add_device(
        &self,
        approver: &str,
        device: &[u8],
        new_puk: Option<Vec<u8>>,
        time: f64,
    ) -> JsResult<LinkDraft> {
        let a = Adding::parse(approver, device, new_puk, time)?;
        LinkDraft::from_result(self.inner.propose_add_device(
            a.approver,
            &a.device,
            a.new_puk.as_ref(),
            a.time,
        ))
    }

    /// Drafts a link adding a backup (recovery-code) device.
    #[wasm_bindgen(js_name = proposeBackupDevice)]
    pub fn propose_backup_device(
        &self,
        approver: &str,
        device: &[u8],
        new_puk: Option<Vec<u8>>,
        time: f64,
    ) -> JsResult<LinkDraft> {
        let a = Adding::parse(approver, device, new_puk, time)?;
        LinkDraft::from_result(self.inner.propose_backup_device(
            a.approver,
            &a.device,
            a.new_puk.as_ref(),
            a.time,
        ))
    }

    /// Drafts a link enrolling an escrow device under `terms` (from `enrollmentTerms`).
    #[wasm_bindgen(js_name = proposeEscrowDevice)]
    pub fn propose_escrow_device(
        &self,
        approver: &str,
        device: &[u8],
        terms: &EscrowTerms,
        new_puk: Option<Vec<u8>>,
        time: f64,
    ) -> JsResult<LinkDraft> {
        let a = Adding::parse(approver, device, new_puk, time)?;
        LinkDraft::from_result(self.inner.propose_escrow_device(
            a.approver,
            &a.device,
            terms.inner.clone(),
            a.new_puk.as_ref(),
            a.time,
        ))
    }

    /// Drafts a link revoking `device`, signed by `signer`, with the new PUK's record.
    /// (`rotateRevoking` makes the key, the link and the seed wraps in one step.)
    #[wasm_bindgen(js_name = proposeRevoke)]
    pub fn propose_revoke(
        &self,
        signer: &str,
        device: &str,
        new_puk: &[u8],
        time: f64,
    ) -> JsResult<LinkDraft> {
        LinkDraft::from_result(self.inner.propose_revoke(
            convert::device_id(signer)?,
            convert::device_id(device)?,
            &puk_public(new_puk)?,
            convert::int(time, "time")?,
        ))
    }

    /// A link by the server revoking `device` (no signature, no rotation: the user's next
    /// client must rotate).
    #[wasm_bindgen(js_name = serverRevoke)]
    pub fn server_revoke(&self, device: &str, time: f64) -> JsResult<Vec<u8>> {
        Ok(self
            .inner
            .server_revoke(convert::device_id(device)?, convert::int(time, "time")?))
    }

    /// A link by the server setting the user's addresses.
    #[wasm_bindgen(js_name = serverAddresses)]
    pub fn server_addresses(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] addresses: &Array,
        time: f64,
    ) -> JsResult<Vec<u8>> {
        let addresses = strings(addresses, "addresses")?;
        let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();
        Ok(self
            .inner
            .server_addresses(&refs, convert::int(time, "time")?))
    }
}

/// The security code two users compare to check each other's chains (SPEC.md §12.7).
#[wasm_bindgen(js_name = pairSecurityCode)]
pub fn pair_security_code(a: &Chain, b: &Chain) -> String {
    identity::pair_security_code(&a.inner, &b.inner).to_string()
}

/// Encodes links as one segment (SPEC.md §12.2), the form a server serves a chain in.
#[wasm_bindgen(js_name = encodeSegment)]
pub fn encode_segment(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] links: &Array,
) -> JsResult<Vec<u8>> {
    Ok(identity::encode_segment(&byte_arrays(links, "links")?))
}

/// The arguments of every draft that adds a device, parsed.
struct Adding {
    approver: DeviceId,
    device: DevicePublic,
    new_puk: Option<PukPublic>,
    time: u64,
}

impl Adding {
    fn parse(
        approver: &str,
        device: &[u8],
        new_puk: Option<Vec<u8>>,
        time: f64,
    ) -> JsResult<Adding> {
        Ok(Adding {
            approver: convert::device_id(approver)?,
            device: device_public(device)?,
            new_puk: new_puk.map(|r| puk_public(&r)).transpose()?,
            time: convert::int(time, "time")?,
        })
    }
}

/// A link the chain does not have yet, waiting for its signatures.
#[wasm_bindgen]
pub struct LinkDraft {
    inner: Option<identity::LinkDraft>,
}

#[wasm_bindgen]
impl LinkDraft {
    /// The bytes every signer signs (to sign elsewhere and `addSignature`).
    /// Throws once the draft is finished.
    #[wasm_bindgen(getter)]
    pub fn body(&self) -> JsResult<Vec<u8>> {
        Ok(self.draft_ref()?.body().to_vec())
    }

    /// The device ids that must sign, in order. Throws once the draft is finished.
    #[wasm_bindgen(getter)]
    pub fn signers(&self) -> JsResult<Vec<String>> {
        Ok(self
            .draft_ref()?
            .signers()
            .iter()
            .map(ToString::to_string)
            .collect())
    }

    /// Signs with `device`, one of the required signers.
    pub fn sign(&mut self, device: &Device) -> JsResult<()> {
        self.draft()?.sign(&device.inner).or_throw()
    }

    /// Adds a 64-byte Ed25519 signature made elsewhere by `device`.
    #[wasm_bindgen(js_name = addSignature)]
    pub fn add_signature(&mut self, device: &str, signature: &[u8]) -> JsResult<()> {
        let signature =
            <[u8; 64]>::try_from(signature).map_err(|_| invalid("a signature must be 64 bytes"))?;
        let device = convert::device_id(device)?;
        self.draft()?.add_signature(device, signature).or_throw()
    }

    /// The signed link, once every required device signed. The draft is used up.
    pub fn finish(&mut self) -> JsResult<Vec<u8>> {
        let draft = self
            .inner
            .take()
            .ok_or_else(|| invalid("this draft was already finished"))?;
        draft.finish().or_throw()
    }
}

impl LinkDraft {
    pub(crate) fn from_result(
        draft: Result<identity::LinkDraft, mailseal::Error>,
    ) -> JsResult<LinkDraft> {
        Ok(LinkDraft {
            inner: Some(draft.or_throw()?),
        })
    }

    fn draft(&mut self) -> JsResult<&mut identity::LinkDraft> {
        self.inner
            .as_mut()
            .ok_or_else(|| invalid("this draft was already finished"))
    }

    /// A call out of order is `binding/invalid_argument` in this package (see error.rs).
    fn draft_ref(&self) -> JsResult<&identity::LinkDraft> {
        self.inner
            .as_ref()
            .ok_or_else(|| invalid("this draft was already finished"))
    }
}

/// The chains a client verified, by user: whom it knows as senders. A client following a
/// key-transparency log adds each with the proof that its tail is published
/// (`addPublished`, SPEC.md §14.4); this is the library's `PublishedChains`.
#[wasm_bindgen]
#[derive(Default)]
pub struct Directory {
    inner: PublishedChains,
    size: usize,
}

#[wasm_bindgen]
impl Directory {
    /// An empty directory.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Directory {
        Directory::default()
    }

    /// Adds the chain of its user, with no proof that it is published. A chain already held
    /// for the user is replaced only by a view that extends it (SPEC.md §12.5:
    /// `chain/rollback` or `chain/fork` otherwise; `remove` first for a deliberate reset).
    pub fn add(&mut self, chain: &Chain) -> JsResult<()> {
        let user = chain.inner.user();
        let held = self.inner.chain(&user).is_some();
        self.inner
            .add_unpublished((*chain.inner).clone())
            .or_throw()?;
        if !held {
            self.size += 1;
        }
        Ok(())
    }

    /// Forgets the chain held for `user` (a deliberate reset: an account deleted and made
    /// again); whether one was held.
    pub fn remove(&mut self, user: &str) -> JsResult<bool> {
        let user = convert::user_id(user)?;
        let removed = self.inner.remove(&user).is_some();
        if removed {
            self.size -= 1;
        }
        Ok(removed)
    }

    /// Adds the chain of its user with the proof that its tail is in the log under `view`'s
    /// checkpoint: the entry at `index` and its `inclusion` proof, as the service serves
    /// them. The entry must publish the chain's own tail (`transparency/entry_mismatch` for
    /// an older position: fetch the newer entry); a chain already held is replaced only by a
    /// view that extends it, as `add` says. Returns `{index, seq, checkpointSize}`. Nothing
    /// changes when a check fails.
    #[wasm_bindgen(js_name = addPublished, unchecked_return_type = "PublishedTail")]
    pub fn add_published(
        &mut self,
        view: &TransparencyView,
        chain: &Chain,
        index: f64,
        entry: &[u8],
        inclusion: &[u8],
    ) -> JsResult<JsValue> {
        let index = convert::int(index, "index")?;
        let user = chain.inner.user();
        let held = self.inner.chain(&user).is_some();
        let tail = self
            .inner
            .add_published(&view.inner, (*chain.inner).clone(), index, entry, inclusion)
            .or_throw()?;
        if !held {
            self.size += 1;
        }
        Ok(published_object(&tail))
    }

    /// The chain held for `user`, if any.
    pub fn get(&self, user: &str) -> JsResult<Option<Chain>> {
        let user = convert::user_id(user)?;
        Ok(self.inner.chain(&user).map(|c| Chain {
            inner: Rc::new(c.clone()),
        }))
    }

    /// Where `user`'s chain was shown to be published, `{index, seq, checkpointSize}`, or
    /// `null` (no chain held, or one added without a proof).
    #[wasm_bindgen(unchecked_return_type = "PublishedTail | null")]
    pub fn publication(&self, user: &str) -> JsResult<JsValue> {
        Ok(match self.inner.publication(&convert::user_id(user)?) {
            Publication::Published(tail) => published_object(&tail),
            Publication::NotShown => JsValue::NULL,
        })
    }

    /// How many chains it holds.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.size
    }
}

impl ChainDirectory for Directory {
    fn chain(&self, user: &UserId) -> Option<&ChainState> {
        self.inner.chain(user)
    }
    fn publication(&self, user: &UserId) -> Publication {
        self.inner.publication(user)
    }
}
