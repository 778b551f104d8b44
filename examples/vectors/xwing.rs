//! The X-Wing suite (`MAILSEAL-XWING-AES256CTR-BLAKE3`, 0x0001) re-derived step by step from
//! lower-level crates (`shake`, `sha3`, `ml-kem`, `x25519-dalek`, `hkdf`, `chacha20poly1305`),
//! without `hpke` or `x-wing`: every intermediate value of a key derivation and of a
//! recipient-box encapsulation, by name, so that vectors can list them and an implementer can
//! check each step of SPEC.md §5.5.
//!
//! What comes from where (SPEC.md §2.3, §5.5): the KEM core (seed expansion, encapsulation,
//! combiner, byte layouts) is X-Wing as in draft-connolly-cfrg-xwing-kem-06 (unchanged in
//! -05 to -10); `DeriveKeyPair` is the labeled derivation of draft-ietf-hpke-pq-04 (unchanged
//! since -02) with KEM id 0x647a, **not** the X-Wing draft's own `SHAKE256(ikm, 32)`; the
//! key schedule is RFC 9180 §5.1, base mode, HKDF-SHA256 (0x0001), ChaCha20-Poly1305 (0x0003).
//!
//! Every value is lowercase hex under a `snake_case` name; the names are listed in
//! [`KEY_FIELDS`] and [`ENCAP_FIELDS`].

use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use hkdf::Hkdf;
use ml_kem::ml_kem_768::{DecapsulationKey, EncapsulationKey};
use ml_kem::{Decapsulate, KeyExport};
use serde_json::Value;
use sha2::Sha256;
use sha3::{Digest, Sha3_256};
use shake::{ExtendableOutput, Shake256, Update, XofReader};
use x25519_dalek::{X25519_BASEPOINT_BYTES, x25519};

/// `"KEM" || u16be(0x647a)`: the suite id of the KEM's labeled derivation (0x647a is the HPKE
/// KEM id of X-Wing, MLKEM768-X25519 in draft-ietf-hpke-pq).
const KEM_SUITE_ID: [u8; 5] = *b"KEM\x64\x7a";
/// `"HPKE" || u16be(KEM 0x647a) || u16be(KDF 0x0001) || u16be(AEAD 0x0003)` (RFC 9180 §5.1).
const HPKE_SUITE_ID: [u8; 10] = *b"HPKE\x64\x7a\x00\x01\x00\x03";
/// The version label of RFC 9180's and draft-ietf-hpke-hpke's labeled functions.
const HPKE_V1: &[u8] = b"HPKE-v1";
/// mailseal's suite id for X-Wing.
const MAILSEAL_SUITE_ID: [u8; 2] = [0x00, 0x01];
/// The X-Wing combiner label `\.//^\` (hex `5c2e2f2f5e5c`), hashed last.
const XWING_LABEL: &[u8; 6] = br"\.//^\";

/// Bytes of the ML-KEM-768 encapsulation key, of an X-Wing public key, of the ML-KEM-768
/// ciphertext and of the X-Wing ciphertext (`enc`).
const EK_M_LEN: usize = 1184;
pub const PUBLIC_KEY_LEN: usize = EK_M_LEN + 32;
const CT_M_LEN: usize = 1088;
pub const ENC_LEN: usize = CT_M_LEN + 32;

/// The fields of [`key_intermediates`], in the order they are computed.
pub const KEY_FIELDS: [&str; 10] = [
    "ikm",
    "labeled_derive_input",
    "seed",
    "expanded_seed",
    "ml_kem_d",
    "ml_kem_z",
    "x25519_sk",
    "ml_kem_ek",
    "x25519_pk",
    "public_key",
];

/// The fields of [`encap_intermediates`], in the order they are computed.
pub const ENCAP_FIELDS: [&str; 20] = [
    "eseed",
    "ml_kem_m",
    "x25519_ek",
    "ml_kem_ek_hash",
    "ml_kem_ct",
    "ml_kem_ss",
    "x25519_ct",
    "x25519_ss",
    "combiner_input",
    "shared_secret",
    "enc",
    "hpke_suite_id",
    "info",
    "psk_id_hash",
    "info_hash",
    "key_schedule_context",
    "secret",
    "key",
    "base_nonce",
    "exporter_secret",
];

/// Named intermediate values, in the order they are computed.
type Steps = Vec<(&'static str, Vec<u8>)>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn to_json(steps: &Steps) -> Value {
    Value::Object(
        steps
            .iter()
            .map(|(name, v)| ((*name).to_string(), Value::String(hex(v))))
            .collect(),
    )
}

/// Every computed step must be in `expected` with the same bytes; other fields are ignored.
fn compare(steps: &Steps, expected: &Value) -> Result<(), String> {
    for (name, actual) in steps {
        let want = expected
            .get(*name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("missing hex field `{name}`"))?;
        let got = hex(actual);
        if !want.eq_ignore_ascii_case(&got) {
            let short = |s: &str| s.chars().take(24).collect::<String>();
            return Err(format!(
                "`{name}` differs: expected {} bytes {}…, computed {} bytes {}…",
                want.len() / 2,
                short(want),
                actual.len(),
                short(&got)
            ));
        }
    }
    Ok(())
}

/// `SHAKE256(input, N)`: N bytes of output.
fn shake256<const N: usize>(input: &[u8]) -> [u8; N] {
    let mut h = Shake256::default();
    h.update(input);
    let mut out = [0u8; N];
    h.finalize_xof().read(&mut out);
    out
}

fn array<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N], String> {
    bytes
        .try_into()
        .map_err(|_| format!("{what}: {} bytes, expected {N}", bytes.len()))
}

// ------------------------------------------------------------------------------------------
// The ikm the crate passes to DeriveKeyPair (SPEC.md §5.1, §5.2), for suite 0x0001.

/// `HKDF-SHA256(salt, IKM = seed, info = info[0] || info[1] || …, L = 32)`.
fn hkdf32(salt: &[u8], seed: &[u8; 32], info: &[&[u8]]) -> Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(Some(salt), seed)
        .expand_multi_info(info, &mut out)
        .map_err(|e| format!("HKDF: {e}"))?;
    Ok(out)
}

/// SPEC.md §5.2: `mail_ikm = HKDF-SHA256(salt = "mailseal v1 puk", IKM = seed,
/// info = "mailseal v1 puk mail kem" || suite_id || u32be(g), L = 32)`.
pub fn puk_mail_ikm(seed: &[u8; 32], generation: u32) -> Result<[u8; 32], String> {
    hkdf32(
        b"mailseal v1 puk",
        seed,
        &[
            b"mailseal v1 puk mail kem",
            &MAILSEAL_SUITE_ID,
            &generation.to_be_bytes(),
        ],
    )
}

/// SPEC.md §5.1: `kem_ikm = HKDF-SHA256(salt = "mailseal v1 device", IKM = seed,
/// info = "mailseal v1 device kem" || suite_id, L = 32)`.
pub fn device_kem_ikm(seed: &[u8; 32]) -> Result<[u8; 32], String> {
    hkdf32(
        b"mailseal v1 device",
        seed,
        &[b"mailseal v1 device kem", &MAILSEAL_SUITE_ID],
    )
}

// ------------------------------------------------------------------------------------------
// DeriveKeyPair (SPEC.md §5.5 "Key pair").

/// A derived key pair: its steps, the ML-KEM decapsulation key and the X25519 secret.
struct KeyPair {
    steps: Steps,
    dk_m: DecapsulationKey,
    sk_x: [u8; 32],
    pk_x: [u8; 32],
    public_key: Vec<u8>,
}

fn derive(ikm: &[u8]) -> Result<KeyPair, String> {
    let ikm: [u8; 32] = array(ikm, "ikm")?;
    // M = ikm || "HPKE-v1" || "KEM" || u16be(0x647a) || u16be(13) || "DeriveKeyPair"
    //       || u16be(32) || ""   (the context is empty)
    let label: &[u8; 13] = b"DeriveKeyPair";
    let mut m = ikm.to_vec();
    m.extend_from_slice(HPKE_V1);
    m.extend_from_slice(&KEM_SUITE_ID);
    m.extend_from_slice(&13u16.to_be_bytes());
    m.extend_from_slice(label);
    m.extend_from_slice(&32u16.to_be_bytes());
    // seed = SHAKE256(M, 32): the 32-byte X-Wing decapsulation key (HPKE private key).
    let seed: [u8; 32] = shake256(&m);
    // e = SHAKE256(seed, 96); d = e[0..32], z = e[32..64], sk_X = e[64..96].
    let e: [u8; 96] = shake256(&seed);
    let (d_z, sk_x) = e.split_at(64);
    let sk_x: [u8; 32] = array(sk_x, "sk_X")?;
    let d_z: [u8; 64] = array(d_z, "d || z")?;
    // (ek_M, dk_M) = ML-KEM-768.KeyGen_internal(d, z) (FIPS 203 Algorithm 16).
    let dk_m = DecapsulationKey::from_seed(d_z.into());
    let ek_m = dk_m.encapsulation_key().to_bytes();
    // pk_X = X25519(sk_X, 9): the scalar is clamped inside X25519 (RFC 7748 §5).
    let pk_x = x25519(sk_x, X25519_BASEPOINT_BYTES);
    // pk = ek_M (1184) || pk_X (32).
    let public_key = [ek_m.as_slice(), &pk_x].concat();
    let steps = vec![
        ("ikm", ikm.to_vec()),
        ("labeled_derive_input", m),
        ("seed", seed.to_vec()),
        ("expanded_seed", e.to_vec()),
        ("ml_kem_d", d_z[..32].to_vec()),
        ("ml_kem_z", d_z[32..].to_vec()),
        ("x25519_sk", sk_x.to_vec()),
        ("ml_kem_ek", ek_m.to_vec()),
        ("x25519_pk", pk_x.to_vec()),
        ("public_key", public_key.clone()),
    ];
    Ok(KeyPair {
        steps,
        dk_m,
        sk_x,
        pk_x,
        public_key,
    })
}

/// Every intermediate value of `DeriveKeyPair(ikm)` for the 32-byte `ikm` the crate passes
/// (`kem_ikm` of SPEC.md §5.1, `mail_ikm` of §5.2): the fields of [`KEY_FIELDS`], ending with
/// `public_key` (1216 bytes).
pub fn key_intermediates(ikm: &[u8]) -> Result<Value, String> {
    Ok(to_json(&derive(ikm)?.steps))
}

/// Recomputes [`key_intermediates`], compares every field with `expected`, and checks that the
/// computed public key is `public_key` (the crate's).
pub fn check_key_intermediates(
    ikm: &[u8],
    public_key: &[u8],
    expected: &Value,
) -> Result<(), String> {
    let kp = derive(ikm)?;
    compare(&kp.steps, expected)?;
    if kp.public_key != public_key {
        return Err(format!(
            "the independent public key differs from the given one ({} bytes)",
            public_key.len()
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Encapsulation and the HPKE key schedule (SPEC.md §5.5 "Encapsulation", "HPKE").

/// `SHA3-256(ss_M || ss_X || ct_X || pk_X || "\.//^\")`: the input and the shared secret.
fn combine(ss_m: &[u8], ss_x: &[u8; 32], ct_x: &[u8; 32], pk_x: &[u8; 32]) -> (Vec<u8>, [u8; 32]) {
    let input = [ss_m, ss_x, ct_x, pk_x, XWING_LABEL].concat();
    let ss = Sha3_256::digest(&input).into();
    (input, ss)
}

/// RFC 9180 `LabeledExtract(salt, label, ikm) = HKDF-Extract(salt, "HPKE-v1" || suite_id ||
/// label || ikm)`.
fn labeled_extract(salt: &[u8], label: &[u8], ikm: &[u8]) -> Vec<u8> {
    let input = [HPKE_V1, &HPKE_SUITE_ID, label, ikm].concat();
    Hkdf::<Sha256>::extract(Some(salt), &input).0.to_vec()
}

/// RFC 9180 `LabeledExpand(prk, label, info, L) = HKDF-Expand(prk, u16be(L) || "HPKE-v1" ||
/// suite_id || label || info, L)`.
fn labeled_expand(prk: &[u8], label: &[u8], info: &[u8], len: u16) -> Result<Vec<u8>, String> {
    let hk = Hkdf::<Sha256>::from_prk(prk).map_err(|e| format!("HKDF PRK: {e}"))?;
    let mut out = vec![0u8; usize::from(len)];
    hk.expand_multi_info(
        &[&len.to_be_bytes(), HPKE_V1, &HPKE_SUITE_ID, label, info],
        &mut out,
    )
    .map_err(|e| format!("HKDF expand: {e}"))?;
    Ok(out)
}

fn encap(public_key: &[u8], eseed: &[u8], info: &[u8]) -> Result<(Steps, Vec<u8>), String> {
    if public_key.len() != PUBLIC_KEY_LEN {
        return Err(format!(
            "public key: {} bytes, expected {PUBLIC_KEY_LEN}",
            public_key.len()
        ));
    }
    let (ek_m_bytes, pk_x) = public_key.split_at(EK_M_LEN);
    let pk_x: [u8; 32] = array(pk_x, "pk_X")?;
    let eseed: [u8; 64] = array(eseed, "eseed")?;
    // m = eseed[0..32] (ML-KEM), ek_X = eseed[32..64] (X25519 ephemeral scalar, unclamped).
    let (m, ek_x) = eseed.split_at(32);
    let m: [u8; 32] = array(m, "m")?;
    let ek_x: [u8; 32] = array(ek_x, "ek_X")?;
    // ek_M must pass FIPS 203's encapsulation-key check (every coefficient below q).
    let ek_m = EncapsulationKey::new(
        &ek_m_bytes
            .try_into()
            .map_err(|_| "ML-KEM encapsulation key length")?,
    )
    .map_err(|_| "the ML-KEM encapsulation key fails the FIPS 203 modulus check")?;
    // (ss_M, ct_M) = ML-KEM-768.Encaps_internal(ek_M, m) (FIPS 203 Algorithm 17), which
    // computes (K, r) = G(m || H(ek_M)) with H = SHA3-256.
    let ek_hash = Sha3_256::digest(ek_m_bytes);
    let (ct_m, ss_m) = ek_m.encapsulate_deterministic(&m.into());
    // ct_X = X25519(ek_X, 9), ss_X = X25519(ek_X, pk_X).
    let ct_x = x25519(ek_x, X25519_BASEPOINT_BYTES);
    let ss_x = x25519(ek_x, pk_x);
    let (combiner_input, ss) = combine(&ss_m, &ss_x, &ct_x, &pk_x);
    // enc = ct_M (1088) || ct_X (32).
    let enc = [ct_m.as_slice(), &ct_x].concat();

    // RFC 9180 §5.1, mode_base (0x00), psk = psk_id = "".
    let psk_id_hash = labeled_extract(b"", b"psk_id_hash", b"");
    let info_hash = labeled_extract(b"", b"info_hash", info);
    let context = [&[0u8][..], &psk_id_hash, &info_hash].concat();
    let secret = labeled_extract(&ss, b"secret", b"");
    let key = labeled_expand(&secret, b"key", &context, 32)?;
    let base_nonce = labeled_expand(&secret, b"base_nonce", &context, 12)?;
    let exporter_secret = labeled_expand(&secret, b"exp", &context, 32)?;

    let steps = vec![
        ("eseed", eseed.to_vec()),
        ("ml_kem_m", m.to_vec()),
        ("x25519_ek", ek_x.to_vec()),
        ("ml_kem_ek_hash", ek_hash.to_vec()),
        ("ml_kem_ct", ct_m.to_vec()),
        ("ml_kem_ss", ss_m.to_vec()),
        ("x25519_ct", ct_x.to_vec()),
        ("x25519_ss", ss_x.to_vec()),
        ("combiner_input", combiner_input),
        ("shared_secret", ss.to_vec()),
        ("enc", enc.clone()),
        ("hpke_suite_id", HPKE_SUITE_ID.to_vec()),
        ("info", info.to_vec()),
        ("psk_id_hash", psk_id_hash),
        ("info_hash", info_hash),
        ("key_schedule_context", context),
        ("secret", secret),
        ("key", key),
        ("base_nonce", base_nonce),
        ("exporter_secret", exporter_secret),
    ];
    Ok((steps, enc))
}

/// Every intermediate value of HPKE `SealBase`'s setup to `public_key` (1216 bytes) with the
/// 64-byte encapsulation randomness `eseed` and `info`: the fields of [`ENCAP_FIELDS`].
/// For a recipient box, `info = "mailseal v1 recipient box" || 0x0001` (SPEC.md §6.4).
pub fn encap_intermediates(public_key: &[u8], eseed: &[u8], info: &[u8]) -> Result<Value, String> {
    Ok(to_json(&encap(public_key, eseed, info)?.0))
}

/// Recomputes [`encap_intermediates`], compares every field with `expected`, and checks that
/// the computed encapsulated key is `enc` (the crate's, from a sealed box).
pub fn check_encap_intermediates(
    public_key: &[u8],
    eseed: &[u8],
    info: &[u8],
    enc: &[u8],
    expected: &Value,
) -> Result<(), String> {
    let (steps, computed) = encap(public_key, eseed, info)?;
    compare(&steps, expected)?;
    if computed != enc {
        return Err(format!(
            "the independent enc differs from the given one ({} bytes)",
            enc.len()
        ));
    }
    Ok(())
}

/// Decapsulation (SPEC.md §5.5): re-derives the key pair from `ikm`, then
/// `ss_M = ML-KEM-768.Decaps(dk_M, ct_M)`, `ss_X = X25519(sk_X, ct_X)` and the same combiner
/// with the recipient's `pk_X`. Returns the shared secret.
pub fn decapsulate(ikm: &[u8], enc: &[u8]) -> Result<[u8; 32], String> {
    if enc.len() != ENC_LEN {
        return Err(format!("enc: {} bytes, expected {ENC_LEN}", enc.len()));
    }
    let kp = derive(ikm)?;
    let (ct_m, ct_x) = enc.split_at(CT_M_LEN);
    let ct_x: [u8; 32] = array(ct_x, "ct_X")?;
    let ss_m = kp
        .dk_m
        .decapsulate_slice(ct_m)
        .map_err(|_| "ML-KEM ciphertext length")?;
    let ss_x = x25519(kp.sk_x, ct_x);
    Ok(combine(&ss_m, &ss_x, &ct_x, &kp.pk_x).1)
}

/// Opens a single-shot HPKE ciphertext (sequence number 0, so the nonce is `base_nonce`) with
/// ChaCha20-Poly1305: proves a key schedule against a box the crate sealed.
pub fn open_box(key: &[u8], base_nonce: &[u8], aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, String> {
    let cipher = ChaCha20Poly1305::new_from_slice(key).map_err(|_| "key: expected 32 bytes")?;
    let nonce = base_nonce
        .try_into()
        .map_err(|_| "base_nonce: expected 12 bytes")?;
    cipher
        .decrypt(&nonce, Payload { msg: ct, aad })
        .map_err(|_| "the box does not open under this key and nonce".to_string())
}
