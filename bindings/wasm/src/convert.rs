//! Values across the boundary: suites, ids, numbers, bytes, plain objects, randomness, and the
//! stable names of the library's enums.

use js_sys::{Array, Object, Reflect, Uint8Array, Uint32Array};
use mailseal::Suite;
use mailseal::keys::{DeviceId, UserId};
use mailseal::mail::envelope::{Origin, RecipientKind};
use rand_core::UnwrapErr;
use wasm_bindgen::{JsCast, JsValue};
use zeroize::Zeroize;

use crate::error::{JsResult, NO_RANDOMNESS, OrThrow, invalid, js_error};

/// Randomness for one call: `crypto.getRandomValues` through getrandom, checked once here so
/// that a missing `crypto` is a `MailsealError`, not a trap. (`UnwrapErr` would panic only if
/// `getRandomValues` failed after this very check succeeded.)
pub(crate) fn rng() -> JsResult<UnwrapErr<getrandom::SysRng>> {
    let mut probe = [0u8; 1];
    getrandom::fill(&mut probe).map_err(|_| {
        js_error(
            "no randomness: crypto.getRandomValues is not available",
            NO_RANDOMNESS,
        )
    })?;
    Ok(UnwrapErr(getrandom::SysRng))
}

/// `xwing` or `x25519`.
pub(crate) fn suite_short_name(suite: Suite) -> &'static str {
    if suite == Suite::X25519 {
        "x25519"
    } else {
        "xwing"
    }
}

/// A suite by short name (`xwing`, `x25519`) or registered name (SPEC.md §2.3).
pub(crate) fn suite(name: &str) -> JsResult<Suite> {
    Suite::ALL
        .into_iter()
        .find(|s| name == suite_short_name(*s) || name == s.name())
        .ok_or_else(|| invalid("unknown suite name (this build has: see suites())"))
}

/// A user id from 32 hexadecimal digits.
pub(crate) fn user_id(text: &str) -> JsResult<UserId> {
    text.parse::<UserId>().or_throw()
}

/// A device id from 32 hexadecimal digits.
pub(crate) fn device_id(text: &str) -> JsResult<DeviceId> {
    text.parse::<DeviceId>().or_throw()
}

/// A JavaScript number that must be a whole number from 0 to 2^53 − 1.
pub(crate) fn int(value: f64, what: &str) -> JsResult<u64> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    if (0.0..=MAX_SAFE).contains(&value) && value.fract() == 0.0 {
        // In range and whole, so the conversion is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(value as u64)
    } else {
        Err(invalid(&format!(
            "{what} must be a whole number from 0 to 2^53 - 1"
        )))
    }
}

/// A JavaScript number that must be a whole number from 0 to 2^32 − 1 (a PUK generation).
/// The generated glue would wrap a `u32` parameter modulo 2^32; this refuses instead.
pub(crate) fn int32(value: f64, what: &str) -> JsResult<u32> {
    if (0.0..=f64::from(u32::MAX)).contains(&value) && value.fract() == 0.0 {
        // In range and whole, so the conversion is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(value as u32)
    } else {
        Err(invalid(&format!(
            "{what} must be a whole number from 0 to 2^32 - 1"
        )))
    }
}

/// A piece index: a whole number from 0 to 2^32 − 1, whatever the platform's `usize`, so
/// that 2^32 is refused rather than wrapped to the body (an index past the last piece is then
/// the library's error).
pub(crate) fn index(value: f64, what: &str) -> JsResult<usize> {
    usize::try_from(int32(value, what)?)
        .map_err(|_| invalid(&format!("{what} is too large for this platform")))
}

/// Piece indices: a JavaScript array of numbers, each checked as `index` does, or a
/// `Uint32Array`. (A `Vec<u32>` parameter would take a plain array's 2^32 as 0, the body.)
pub(crate) fn indices(value: &JsValue, what: &str) -> JsResult<Vec<usize>> {
    let not_indices = || invalid(&format!("{what} must be an array of piece indices"));
    if !Array::is_array(value) && !value.is_instance_of::<Uint32Array>() {
        return Err(not_indices());
    }
    Array::from(value)
        .iter()
        .map(|v| index(v.as_f64().ok_or_else(not_indices)?, what))
        .collect()
}

/// A u64 as a JavaScript number (every value the library returns is far below 2^53).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn num(value: u64) -> JsValue {
    JsValue::from_f64(value as f64)
}

/// 32 secret bytes, taken by value and wiped here whatever happens.
pub(crate) fn secret32(mut bytes: Vec<u8>, what: &str) -> JsResult<[u8; 32]> {
    let out = <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| invalid(&format!("{what} must be 32 bytes")));
    bytes.zeroize();
    out
}

/// 32 public bytes.
pub(crate) fn bytes32(bytes: &[u8], what: &str) -> JsResult<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|_| invalid(&format!("{what} must be 32 bytes")))
}

/// Public bytes as a new `Uint8Array`.
pub(crate) fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

/// Secret bytes copied into a new `Uint8Array`; the wasm copy is wiped.
pub(crate) fn secret_out(mut b: Vec<u8>) -> Uint8Array {
    let out = Uint8Array::from(b.as_slice());
    b.zeroize();
    out
}

/// Lowercase hexadecimal.
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Every element of a JavaScript array of `Uint8Array`s, copied.
pub(crate) fn byte_arrays(array: &Array, what: &str) -> JsResult<Vec<Vec<u8>>> {
    array
        .iter()
        .map(|v| {
            v.dyn_into::<Uint8Array>()
                .map(|a| a.to_vec())
                .map_err(|_| invalid(&format!("{what} must be an array of Uint8Array")))
        })
        .collect()
}

/// Every element of a JavaScript array of strings.
pub(crate) fn strings(array: &Array, what: &str) -> JsResult<Vec<String>> {
    array
        .iter()
        .map(|v| {
            v.as_string()
                .ok_or_else(|| invalid(&format!("{what} must be an array of strings")))
        })
        .collect()
}

/// A JavaScript array of the values.
pub(crate) fn array<T: Into<JsValue>>(items: impl IntoIterator<Item = T>) -> JsValue {
    items.into_iter().map(Into::into).collect::<Array>().into()
}

/// A plain JavaScript object, built field by field.
pub(crate) struct Obj(Object);

impl Obj {
    pub(crate) fn new() -> Self {
        Obj(Object::new())
    }

    /// Sets `key` (setting a property on a fresh plain object cannot fail).
    pub(crate) fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }

    pub(crate) fn done(self) -> JsValue {
        self.0.into()
    }
}

/// `null` or the value.
pub(crate) fn opt<T: Into<JsValue>>(value: Option<T>) -> JsValue {
    value.map_or(JsValue::NULL, Into::into)
}

/// The stable name of a recipient kind, as the test vectors spell it.
pub(crate) fn kind_name(kind: RecipientKind) -> &'static str {
    match kind {
        RecipientKind::Sender => "sender",
        RecipientKind::To => "to",
        RecipientKind::Cc => "cc",
        RecipientKind::Bcc => "bcc",
        RecipientKind::ServerAccess => "server",
        RecipientKind::Link => "link",
    }
}

/// `to`, `cc` or `bcc`.
pub(crate) fn addressed_kind(name: &str) -> JsResult<RecipientKind> {
    match name {
        "to" => Ok(RecipientKind::To),
        "cc" => Ok(RecipientKind::Cc),
        "bcc" => Ok(RecipientKind::Bcc),
        _ => Err(invalid("a recipient kind is \"to\", \"cc\" or \"bcc\"")),
    }
}

/// The stable name of an origin (SPEC.md §6.1).
pub(crate) fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::SenderDevice => "sender_device",
        Origin::InboundExternal => "inbound_external",
        Origin::MailingList => "mailing_list",
        Origin::System => "system",
        Origin::HeldForNewUser => "held_for_new_user",
    }
}

/// An origin by stable name.
pub(crate) fn origin(name: &str) -> JsResult<Origin> {
    [
        Origin::SenderDevice,
        Origin::InboundExternal,
        Origin::MailingList,
        Origin::System,
        Origin::HeldForNewUser,
    ]
    .into_iter()
    .find(|o| origin_name(*o) == name)
    .ok_or_else(|| invalid("unknown origin name"))
}
