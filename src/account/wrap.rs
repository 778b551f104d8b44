//! The signed HPKE wrap that seed wraps and escrow wraps share (SPEC.md §7.1).
//!
//! A wrap carries a 32-byte secret to one KEM key. A context digest names everything the wrap
//! is about (who, what, which keys); it is the HPKE `aad`, and the wrapping device signs it
//! together with the exact `enc` and ciphertext bytes. Openers verify the signature first,
//! then open, so nothing is decrypted for a wrap its signer did not make.

use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::{AuthFailure, Error, Field, Malformed};
use crate::keys::kem::{self, HPKE_TAG_LEN, KemPublicKey, KemSecretKey, enc_len};
use crate::keys::{DeviceSecret, VerifyingKey};
use crate::suite::Suite;

/// Bytes of the secret a wrap carries (a PUK seed or a device seed).
pub(crate) const WRAPPED_SECRET_LEN: usize = 32;

/// `BLAKE3-derive_key(context_label, suite_id || part_1 || ... || part_n)`; every part has a
/// fixed length given by SPEC.md, or a `u16be` length prefix the caller wrote.
pub(crate) fn context_digest(context_label: &str, suite: Suite, parts: &[&[u8]]) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key(context_label);
    h.update(&suite.id_bytes());
    parts.iter().for_each(|p| {
        h.update(p);
    });
    *h.finalize().as_bytes()
}

/// `signature_label || context || u16be(len(enc)) || enc || ciphertext`: what a wrap's signer
/// (and co-signer, under its own label) signs.
pub(crate) fn signed_bytes(
    signature_label: &[u8],
    context: &[u8; 32],
    enc: &[u8],
    ciphertext: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(
        signature_label
            .len()
            .saturating_add(34)
            .saturating_add(enc.len())
            .saturating_add(ciphertext.len()),
    );
    m.extend_from_slice(signature_label);
    m.extend_from_slice(context);
    // Callers check enc's length first (`check_lengths`: 1120 or 32 bytes, per suite), so
    // it fits a u16; a longer one would be cut, never wrapped around silently.
    let enc_len = u16::try_from(enc.len()).unwrap_or(u16::MAX);
    m.extend_from_slice(&enc_len.to_be_bytes());
    m.extend_from_slice(enc);
    m.extend_from_slice(ciphertext);
    m
}

/// HPKE `info = info_label || suite_id`.
fn info(info_label: &[u8], suite: Suite) -> Vec<u8> {
    let mut i = info_label.to_vec();
    i.extend_from_slice(&suite.id_bytes());
    i
}

/// A sealed, signed wrap.
pub(crate) struct SealedWrap {
    pub(crate) enc: Vec<u8>,
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) signature: [u8; 64],
}

/// Seals `secret` to `to` with `aad = context` and signs it with `signer`.
pub(crate) fn seal(
    labels: &WrapLabels,
    to: &KemPublicKey,
    context: &[u8; 32],
    secret: &[u8; WRAPPED_SECRET_LEN],
    signer: &DeviceSecret,
    rng: &mut impl CryptoRng,
) -> Result<SealedWrap, Error> {
    let (enc, ciphertext) = kem::seal(to, &info(labels.info, to.suite()), context, secret, rng)?;
    let signature = signer.sign(&signed_bytes(labels.signature, context, &enc, &ciphertext));
    Ok(SealedWrap {
        enc,
        ciphertext,
        signature,
    })
}

/// SPEC.md §7.1: `len(enc)` is the suite's and `len(ct) = 48`, else **malformed: field box
/// length**; checked before any signed message is built over them.
pub(crate) fn check_lengths(suite: Suite, enc: &[u8], ciphertext: &[u8]) -> Result<(), Error> {
    if enc.len() != enc_len(suite) || ciphertext.len() != WRAPPED_SECRET_LEN + HPKE_TAG_LEN {
        return Err(Malformed::Field(Field::BoxLength).into());
    }
    Ok(())
}

/// Checks lengths, then the signature (`verify_strict`), then opens. Returns the secret.
pub(crate) fn open(
    labels: &WrapLabels,
    sk: &KemSecretKey,
    context: &[u8; 32],
    enc: &[u8],
    ciphertext: &[u8],
    signature: &[u8; 64],
    signer: &VerifyingKey,
) -> Result<Zeroizing<[u8; WRAPPED_SECRET_LEN]>, Error> {
    let suite = sk.suite();
    check_lengths(suite, enc, ciphertext)?;
    if !signer.verify_strict(
        &signed_bytes(labels.signature, context, enc, ciphertext),
        signature,
    ) {
        return Err(AuthFailure::Signature.into());
    }
    let plaintext = kem::open(sk, enc, &info(labels.info, suite), context, ciphertext)
        .map_err(|_| AuthFailure::Wrap)?;
    let mut secret = Zeroizing::new([0u8; WRAPPED_SECRET_LEN]);
    // The AEAD output of a 48-byte ciphertext is exactly 32 bytes.
    let bytes: &[u8; WRAPPED_SECRET_LEN] = plaintext
        .as_slice()
        .try_into()
        .map_err(|_| AuthFailure::Wrap)?;
    secret.copy_from_slice(bytes);
    Ok(secret)
}

/// The labels of one kind of wrap (SPEC.md §7).
pub(crate) struct WrapLabels {
    pub(crate) info: &'static [u8],
    pub(crate) signature: &'static [u8],
}
