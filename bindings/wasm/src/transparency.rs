//! Key transparency, the client's side (SPEC.md §14): which log and witnesses to trust, a view
//! holding the newest checkpoint verified, proofs that a chain's tail is published (kept in a
//! [`Directory`](crate::Directory) with `addPublished`), and self-monitoring of the user's own
//! entries. The log itself is the service's; nothing here publishes.

use js_sys::{Array, Reflect, Uint8Array};
use mailseal::keys::VerifyingKey;
use mailseal::transparency::{self as lib, Checkpoint, MonitorFinding, PublishedTail};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::chain::Chain;
use crate::convert::{self, Obj, hex, num};
use crate::error::{JsResult, OrThrow, invalid, js_error};

/// The class of a monitoring finding newer than this binding.
const UNKNOWN_FINDING: &str = "binding/unknown_finding";

/// An Ed25519 verifying key from its 32 bytes.
fn verifying_key(bytes: &[u8], what: &str) -> JsResult<VerifyingKey> {
    VerifyingKey::from_bytes(&convert::bytes32(bytes, what)?).or_throw()
}

/// Property `name` of a plain object (a getter that throws, or a Proxy, is an invalid argument).
fn field(object: &JsValue, name: &str, what: &str) -> JsResult<JsValue> {
    if !object.is_object() {
        return Err(invalid(&format!("{what} must be an object")));
    }
    Reflect::get(object, &JsValue::from_str(name))
        .map_err(|_| invalid(&format!("{what}: cannot read `{name}`")))
}

fn string_field(object: &JsValue, name: &str, what: &str) -> JsResult<String> {
    field(object, name, what)?
        .as_string()
        .ok_or_else(|| invalid(&format!("{what}: `{name}` must be a string")))
}

/// A whole number from 0 to 2^53 − 1.
fn int_field(object: &JsValue, name: &str, what: &str) -> JsResult<u64> {
    let value = field(object, name, what)?
        .as_f64()
        .ok_or_else(|| invalid(&format!("{what}: `{name}` must be a number")))?;
    convert::int(value, &format!("{what}: `{name}`"))
}

fn bytes_field(object: &JsValue, name: &str, what: &str) -> JsResult<Vec<u8>> {
    field(object, name, what)?
        .dyn_into::<Uint8Array>()
        .map(|a| a.to_vec())
        .map_err(|_| invalid(&format!("{what}: `{name}` must be a Uint8Array")))
}

/// A signed note as bytes: a `Uint8Array` as fetched, or the note's text (UTF-8).
fn note_bytes(note: &JsValue) -> JsResult<Vec<u8>> {
    if let Some(text) = note.as_string() {
        return Ok(text.into_bytes());
    }
    note.dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .ok_or_else(|| invalid("a checkpoint note must be a Uint8Array or a string"))
}

/// `{size, root}`, the root in hex.
fn checkpoint_object(c: Checkpoint) -> JsValue {
    Obj::new()
        .set("size", num(c.size))
        .set("root", hex(&c.root))
        .done()
}

/// `{index, seq, checkpointSize}`.
pub(crate) fn published_object(t: &PublishedTail) -> JsValue {
    Obj::new()
        .set("index", num(t.index()))
        .set("seq", num(t.seq()))
        .set("checkpointSize", num(t.checkpoint_size()))
        .done()
}

/// What a client trusts (SPEC.md §14.3): the log's origin and key, the witnesses, and how many
/// of them must cosign a checkpoint.
#[wasm_bindgen]
pub struct LogPolicy {
    inner: lib::LogPolicy,
}

#[wasm_bindgen]
impl LogPolicy {
    /// A policy: the log's origin (its key name) and Ed25519 key (32 bytes), the witnesses as
    /// `{name, key}`, and the threshold. A threshold of 0 or above the number of witnesses, or
    /// an origin or witness name that cannot be a signed-note key name (empty, with spaces or
    /// `+`), is refused (`misuse/invalid_log_setup`): a client that trusts the log alone
    /// cannot see a split view.
    #[wasm_bindgen(constructor)]
    pub fn new(
        origin: &str,
        log_key: &[u8],
        #[wasm_bindgen(unchecked_param_type = "WitnessIdentity[]")] witnesses: &Array,
        threshold: f64,
    ) -> JsResult<LogPolicy> {
        let witnesses = witnesses
            .iter()
            .map(|w| {
                Ok(lib::WitnessIdentity {
                    name: string_field(&w, "name", "a witness")?,
                    key: verifying_key(&bytes_field(&w, "key", "a witness")?, "a witness's key")?,
                })
            })
            .collect::<JsResult<Vec<_>>>()?;
        let threshold = usize::try_from(convert::int(threshold, "threshold")?)
            .map_err(|_| invalid("threshold is too large"))?;
        let inner = lib::LogPolicy::new(
            origin,
            verifying_key(log_key, "the log's key")?,
            witnesses,
            threshold,
        )
        .or_throw()?;
        Ok(LogPolicy { inner })
    }

    /// Verifies a signed checkpoint note (`Uint8Array` or text) under the policy alone, with no
    /// state (SPEC.md §14.3 steps 1–4): `{size, root}`.
    #[wasm_bindgen(js_name = verifyCheckpoint, unchecked_return_type = "Checkpoint")]
    pub fn verify_checkpoint(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] note: &JsValue,
    ) -> JsResult<JsValue> {
        let checkpoint = self
            .inner
            .verify_checkpoint(&note_bytes(note)?)
            .or_throw()?;
        Ok(checkpoint_object(checkpoint))
    }
}

/// A client's view of the log: its policy and the newest checkpoint it verified. A later
/// checkpoint must extend it. To keep the view across sessions, store the last note that
/// `update` accepted and give it to a new view's `update` first.
#[wasm_bindgen]
pub struct TransparencyView {
    pub(crate) inner: lib::TransparencyView,
}

#[wasm_bindgen]
impl TransparencyView {
    /// A view that holds no checkpoint yet.
    #[wasm_bindgen(constructor)]
    pub fn new(policy: &LogPolicy) -> TransparencyView {
        TransparencyView {
            inner: lib::TransparencyView::new(policy.inner.clone()),
        }
    }

    /// The checkpoint held, `{size, root}`, or `null`.
    #[wasm_bindgen(getter, unchecked_return_type = "Checkpoint | null")]
    pub fn checkpoint(&self) -> JsValue {
        convert::opt(self.inner.checkpoint().map(checkpoint_object))
    }

    /// Verifies `note` under the policy and, when a checkpoint is held, that the new one
    /// extends it: `consistency` is the RFC 6962 proof from the size held (none for the
    /// first). An older checkpoint is `transparency/rollback`, one that does not extend the
    /// one held `transparency/fork`. On success the new checkpoint is held and returned.
    #[wasm_bindgen(unchecked_return_type = "Checkpoint")]
    pub fn update(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] note: &JsValue,
        consistency: Option<Vec<u8>>,
    ) -> JsResult<JsValue> {
        let consistency = consistency.unwrap_or_default();
        let checkpoint = self
            .inner
            .update(&note_bytes(note)?, &consistency)
            .or_throw()?;
        Ok(checkpoint_object(checkpoint))
    }

    /// Checks that `entry` is in the log at `index` under the checkpoint held (`inclusion`:
    /// its RFC 6962 proof) and publishes a position of `chain` (SPEC.md §14.4): `{index, seq,
    /// checkpointSize}`. A position the chain has not reached is `chain/behind` (fetch its
    /// newer links); another hash at a known position is `chain/fork`.
    #[wasm_bindgen(js_name = verifyPublished, unchecked_return_type = "PublishedTail")]
    pub fn verify_published(
        &self,
        chain: &Chain,
        index: f64,
        entry: &[u8],
        inclusion: &[u8],
    ) -> JsResult<JsValue> {
        let tail = self
            .inner
            .verify_published(
                &chain.inner,
                convert::int(index, "index")?,
                entry,
                inclusion,
            )
            .or_throw()?;
        Ok(published_object(&tail))
    }

    /// Self-monitoring (SPEC.md §14.5): the user's own entries as the service serves them,
    /// newest first, each `{index, entry, inclusion}`. Each must be included and point to the
    /// next, the last to none; every published tail must be a position of `own` (else
    /// `chain/fork`: an alarm). `{code: "consistent"}`, or `{code: "ahead", seq}` when the log
    /// publishes positions beyond `own`: fetch those links, verify them with `own.update`,
    /// and show the user what they add (a device added behind the user's back).
    #[wasm_bindgen(unchecked_return_type = "MonitorFinding")]
    pub fn monitor(
        &self,
        own: &Chain,
        #[wasm_bindgen(unchecked_param_type = "HistoryEntry[]")] entries: &Array,
    ) -> JsResult<JsValue> {
        let entries = entries
            .iter()
            .map(|e| {
                let what = "a history entry";
                Ok((
                    int_field(&e, "index", what)?,
                    bytes_field(&e, "entry", what)?,
                    bytes_field(&e, "inclusion", what)?,
                ))
            })
            .collect::<JsResult<Vec<lib::HistoryEntry>>>()?;
        let finding = self.inner.monitor(&own.inner, &entries).or_throw()?;
        let found = match finding {
            MonitorFinding::Consistent => Obj::new().set("code", "consistent"),
            MonitorFinding::Ahead { seq } => Obj::new().set("code", "ahead").set("seq", num(seq)),
            // A finding added to the library after this binding: never reported as
            // consistent.
            _ => {
                return Err(js_error(
                    "a monitoring finding this package does not know",
                    UNKNOWN_FINDING,
                ));
            }
        };
        Ok(found.done())
    }
}
