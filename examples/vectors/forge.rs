//! Signatures an honest signer never makes, for the vectors of strict verification (SPEC.md
//! §5.1: `verify_strict` also rejects a non-canonical `S` and a small-order `R`).
//!
//! - [`non_canonical_s`]: a valid signature `(R, S)` turned into `(R, S + L)`. RFC 8032
//!   verification that skips the check `S < L` accepts it.
//! - [`small_order_r`]: `R` the identity point (encoded `01 00 … 00`, of order 1) and
//!   `S = k·a mod L` with `k = SHA-512(R || A || M)` and `a` the signer's secret scalar. Then
//!   `[S]B = R + [k]A` holds, so cofactorless RFC 8032 verification accepts it; only a
//!   verifier that rejects small-order `R` refuses it. The generator checks both facts with
//!   ed25519-dalek's `verify` and `verify_strict`, so a vector never tests less than it says.
//!
//! Scalars here are public test values: a few lines of schoolbook arithmetic modulo `L`
//! suffice.

use ed25519_dalek::{Signature, SigningKey};
use hkdf::Hkdf;
use sha2::{Digest, Sha256, Sha512};

/// The group order `L = 2^252 + 27742317777372353535851937790883648493`, little-endian limbs.
const L: [u64; 4] = [
    0x5812_631a_5cf5_d3ed,
    0x14de_f9de_a2f7_9cd6,
    0,
    0x1000_0000_0000_0000,
];

/// The device signing key of SPEC.md §5.1, computed here from the seed (not through the
/// crate), to sign what the crate's own API would refuse to make.
pub fn signing_key(seed: &[u8; 32]) -> SigningKey {
    let mut sk = [0u8; 32];
    Hkdf::<Sha256>::new(Some(b"mailseal v1 device"), seed)
        .expand(b"mailseal v1 device signing", &mut sk)
        .expect("hkdf");
    SigningKey::from_bytes(&sk)
}

fn ge(a: &[u64; 4], b: &[u64; 4]) -> bool {
    for i in (0..4).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

fn add(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut carry = 0u128;
    for i in 0..4 {
        let s = u128::from(a[i]) + u128::from(b[i]) + carry;
        out[i] = s as u64;
        carry = s >> 64;
    }
    out
}

fn sub(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut borrow = 0i128;
    for i in 0..4 {
        let d = i128::from(a[i]) - i128::from(b[i]) - borrow;
        out[i] = d as u64;
        borrow = i128::from(d < 0);
    }
    out
}

/// `2r + bit mod L` for `r < L` (fits: `2L + 1 < 2^254`).
fn double_add(r: &[u64; 4], bit: bool) -> [u64; 4] {
    let mut d = add(r, r);
    if bit {
        d = add(&d, &[1, 0, 0, 0]);
    }
    if ge(&d, &L) { sub(&d, &L) } else { d }
}

/// A little-endian integer of any length, reduced modulo `L`.
fn reduce(le: &[u8]) -> [u64; 4] {
    let mut r = [0u64; 4];
    for byte in le.iter().rev() {
        for bit in (0..8).rev() {
            r = double_add(&r, (byte >> bit) & 1 == 1);
        }
    }
    r
}

/// `a·b mod L` for `a, b < L`.
fn mul(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut r = [0u64; 4];
    for i in (0..256).rev() {
        r = double_add(&r, false);
        if (b[i / 64] >> (i % 64)) & 1 == 1 {
            r = add(&r, a);
            if ge(&r, &L) {
                r = sub(&r, &L);
            }
        }
    }
    r
}

fn to_le(x: &[u64; 4]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, limb) in x.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&limb.to_le_bytes());
    }
    out
}

fn from_le(b: &[u8; 32]) -> [u64; 4] {
    let mut x = [0u64; 4];
    for (i, limb) in x.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    }
    x
}

/// `(R, S + L)`: the same signature with a non-canonical `S`.
pub fn non_canonical_s(signature: &[u8; 64]) -> [u8; 64] {
    let s: [u8; 32] = signature[32..].try_into().expect("32 bytes");
    let mut out = *signature;
    out[32..].copy_from_slice(&to_le(&add(&from_le(&s), &L)));
    out
}

/// A signature of `message` by the device of `seed` whose `R` is the identity point, which
/// cofactorless verification accepts and `verify_strict` refuses (checked here).
pub fn small_order_r(seed: &[u8; 32], message: &[u8]) -> [u8; 64] {
    let sk = signing_key(seed);
    // RFC 8032 §5.1.5: the first half of SHA-512(secret), clamped.
    let mut a = sk.to_scalar_bytes();
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    let a = reduce(&a);
    let mut r = [0u8; 32];
    r[0] = 1;
    let k = reduce(
        &Sha512::new()
            .chain_update(r)
            .chain_update(sk.verifying_key().to_bytes())
            .chain_update(message)
            .finalize(),
    );
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r);
    sig[32..].copy_from_slice(&to_le(&mul(&k, &a)));
    let parsed = Signature::from_bytes(&sig);
    let vk = sk.verifying_key();
    assert!(
        ed25519_dalek::Verifier::verify(&vk, message, &parsed).is_ok(),
        "the small-order-R signature must pass cofactorless verification"
    );
    assert!(
        vk.verify_strict(message, &parsed).is_err(),
        "verify_strict must refuse a small-order R"
    );
    sig
}

/// Checks that `signature` is an honest signature of `message` by `seed`'s device (so that an
/// edited copy of it tests only the edit), and returns it.
pub fn checked(seed: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> [u8; 64] {
    assert!(
        signing_key(seed)
            .verifying_key()
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok(),
        "the message a forged signature covers is not the one the crate signs"
    );
    *signature
}
