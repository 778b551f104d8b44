//! Every vector: how it is generated (deterministically, from `XofRng` streams named after
//! the case) and how a case is checked. Generation and checking share the same operation
//! code, so a file verifies exactly when the crate reproduces it.

use mailseal::Suite;
use mailseal::account::backup::RecoveryCode;
use mailseal::account::devices::{SeedWrap, open_seed_wrap, wrap_seed};
use mailseal::account::escrow::{
    AccountDomain, EscrowContext, EscrowWrap, enrollment_terms, open_escrow_wrap,
    wrap_escrow_device,
};
use mailseal::account::userdata::{UserDataBinding, open_user_data, seal_user_data};
use mailseal::error::Error;
use mailseal::hazmat::{TapeRng, XofRng, craft_piece, position_draws};
use mailseal::identity::ChainState;
use mailseal::keys::{DeviceId, DevicePublic, DeviceSecret, PukPublic, PukSecret, PukSeed, UserId};
use mailseal::mail::envelope::{Copy, Envelope, Origin, RecipientKind, RoutingHeader};
use mailseal::mail::footer::{
    DirectoryEntry, MailContext, Plan, PlanNote, PlannedRecipient, SenderState, classify, plan,
};
use mailseal::mail::open::{Mailbox, open_copy};
use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use mailseal::mail::server::split_envelope;
use mailseal::piece::{self, PieceKey, PieceNonce, Purpose};
use mailseal::wire::{Bytes, Fixed};
use rand_core::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::chains::{build_chain, chain_of, links_json, links_of};
use crate::json::*;
use notation::{array_of, bytes_of, bytes_value, text_of};

#[path = "access.rs"]
pub mod access;
#[path = "forge.rs"]
pub mod forge;
#[path = "links.rs"]
mod links;
#[path = "mails.rs"]
mod mails;
#[path = "notation.rs"]
pub mod notation;
#[path = "reports.rs"]
mod reports;
#[path = "seedwraps.rs"]
pub mod seedwraps;
#[path = "servers.rs"]
mod servers;
#[path = "texts.rs"]
mod texts;
#[path = "transparency.rs"]
mod transparency;

const SCHEMA: &str = "mailseal-test-vectors/1";

pub type Check = Result<(), String>;

// ------------------------------------------------------------------------------------------
// Common pieces.

/// The error class a vector names (`Error::class`), for example
/// `authentication/key_commitment` or `malformed/cbor/non_minimal`.
pub fn class(e: &Error) -> String {
    e.class().to_string()
}

pub fn expect_error<T>(result: Result<T, Error>, case: &Value) -> Check {
    let want = str_of(case, "expected_error")?;
    match result {
        Ok(_) => Err(format!(
            "expected error {want}, but the operation succeeded"
        )),
        Err(e) if class(&e) == want => Ok(()),
        Err(e) => Err(format!("expected error {want}, got {}", class(&e))),
    }
}

fn suite_named(name: &str) -> Result<Suite, String> {
    Suite::ALL
        .into_iter()
        .find(|s| s.name() == name)
        .ok_or_else(|| format!("unknown suite {name}"))
}

fn short(suite: Suite) -> &'static str {
    match suite {
        Suite::XWing => "xwing",
        _ => "x25519",
    }
}

pub fn purpose_named(name: &str) -> Result<Purpose, String> {
    Purpose::from_label(name).ok_or_else(|| format!("unknown purpose {name}"))
}

pub fn draw<const N: usize>(rng: &mut XofRng) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

fn document(operation: &str, suite: Option<Suite>, cases: Vec<Value>) -> Value {
    json!({
        "schema": SCHEMA,
        "generator": format!("mailseal {}", env!("CARGO_PKG_VERSION")),
        "operation": operation,
        "suite": suite.map(|s| s.name()),
        "cases": cases,
    })
}

/// Every file the generator writes, named `<operation>-<suite>.json`.
pub fn all_files() -> Vec<(String, Value)> {
    type Generator = fn(Suite) -> Vec<Value>;
    let per_suite: [(&str, Generator); 11] = [
        ("piece", piece_cases),
        ("piece_access", access::cases),
        ("keys", key_cases),
        ("mail", mail_cases),
        ("link", link_cases),
        ("server", server_cases),
        ("seed_wrap", seed_wrap_cases),
        ("escrow", escrow_cases),
        ("user_data", user_data_cases),
        ("chain", crate::chains::chain_cases),
        ("report", report_cases),
    ];
    let mut files = Vec::new();
    for suite in Suite::ALL {
        for (operation, generate) in per_suite {
            notation::new_document();
            files.push((
                format!("{operation}-{}.json", short(suite)),
                document(operation, Some(suite), generate(suite)),
            ));
        }
    }
    files.push((
        "recovery_code.json".into(),
        document("recovery_code", None, recovery_cases()),
    ));
    files.push((
        "planner.json".into(),
        document("planner", None, planner_cases()),
    ));
    files.push((
        "text_form.json".into(),
        document("text_form", None, texts::cases()),
    ));
    let (_, [alice, bob, _, _]) = mail_parties(Suite::X25519);
    files.push((
        "transparency.json".into(),
        document("transparency", None, transparency::cases(&alice, &bob)),
    ));
    files
}

/// Checks every case of a document; `Err` when the document itself is malformed.
pub fn verify_document(doc: &Value) -> Result<Vec<(String, Check)>, String> {
    notation::new_document();
    if str_of(doc, "schema")? != SCHEMA {
        return Err(format!("unknown schema {:?}", doc.get("schema")));
    }
    let operation = str_of(doc, "operation")?;
    let suite = match doc.get("suite") {
        Some(Value::String(name)) => Some(suite_named(name)?),
        _ => None,
    };
    let cases = list_of(doc, "cases")?;
    let run: fn(Option<Suite>, &Value) -> Check = match operation {
        "piece" => verify_piece,
        "piece_access" => access::verify,
        "keys" => verify_keys,
        "mail" => verify_mail,
        "link" => links::verify,
        "server" => servers::verify,
        "seed_wrap" => verify_seed_wrap,
        "escrow" => verify_escrow,
        "user_data" => verify_user_data,
        "chain" => crate::chains::verify_chain,
        "report" => reports::verify,
        "recovery_code" => verify_recovery,
        "planner" => verify_planner,
        "text_form" => texts::verify,
        "transparency" => transparency::verify,
        other => return Err(format!("unknown operation {other}")),
    };
    Ok(cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let name = case
                .get("name")
                .and_then(Value::as_str)
                .map_or_else(|| format!("case #{i}"), str::to_string);
            (name, run(suite, case))
        })
        .collect())
}

pub fn need_suite(suite: Option<Suite>) -> Result<Suite, String> {
    suite.ok_or_else(|| "this operation needs a suite".to_string())
}

pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

// ------------------------------------------------------------------------------------------
// Piece cipher.

fn piece_cases(suite: Suite) -> Vec<Value> {
    let mut rng = XofRng::new(format!("piece {}", suite.name()).as_bytes());
    let mut cases = Vec::new();
    for len in [0usize, 1, 100, 65535, 65536, 65537, 200_000] {
        let key: [u8; 32] = draw(&mut rng);
        let nonce: [u8; 32] = draw(&mut rng);
        let pt = pattern(len);
        let sealed = mailseal::hazmat::seal_piece_with_nonce(
            suite,
            Purpose::MailPiece,
            &PieceKey::from_bytes(key),
            PieceNonce(nonce),
            &pt,
        )
        .expect("seal");
        let mut expected = json!({ "digest": hex(&sealed.digest.0) });
        if len <= 100 {
            expected["ciphertext"] = json!(hex(&sealed.ciphertext));
        } else {
            expected["ciphertext_sha256"] = json!(hex(&Sha256::digest(&sealed.ciphertext)));
        }
        cases.push(json!({
            "name": format!("piece_{len}_bytes"),
            "inputs": { "purpose": "mail piece", "key": hex(&key), "nonce": hex(&nonce), "plaintext_pattern_len": len },
            "expected": expected,
        }));
    }
    // Negative: crafted or altered ciphertexts under a known key.
    let key: [u8; 32] = draw(&mut rng);
    let nonce: [u8; 32] = draw(&mut rng);
    let k = PieceKey::from_bytes(key);
    let seal = |pt: &[u8]| {
        mailseal::hazmat::seal_piece_with_nonce(
            suite,
            Purpose::MailPiece,
            &k,
            PieceNonce(nonce),
            pt,
        )
        .expect("seal")
        .ciphertext
    };
    let small = seal(b"attack at dawn");
    let full = pattern(65536);
    let two = seal(&pattern(65536 + 10));
    let craft =
        |chunks: &[(&[u8], bool)]| craft_piece(suite, Purpose::MailPiece, &k, &nonce, chunks);
    let mut neg = |name: &str, purpose: &str, key: &[u8; 32], ct: Vec<u8>, err: &str| {
        cases.push(json!({
            "name": name,
            "inputs": { "purpose": purpose, "key": hex(key), "ciphertext": hex(&ct) },
            "expected_error": err,
        }));
    };
    let flip = |mut v: Vec<u8>, i: usize| {
        v[i] ^= 1;
        v
    };
    let other_key: [u8; 32] = draw(&mut rng);
    neg(
        "piece_wrong_key",
        "mail piece",
        &other_key,
        small.clone(),
        "authentication/key_commitment",
    );
    neg(
        "piece_wrong_purpose",
        "user data",
        &key,
        small.clone(),
        "authentication/key_commitment",
    );
    neg(
        "piece_header_nonce_flipped",
        "mail piece",
        &key,
        flip(small.clone(), 3),
        "authentication/key_commitment",
    );
    neg(
        "piece_header_commitment_flipped",
        "mail piece",
        &key,
        flip(small.clone(), 40),
        "authentication/key_commitment",
    );
    neg(
        "piece_ciphertext_flipped",
        "mail piece",
        &key,
        flip(small.clone(), 66),
        "authentication/chunk",
    );
    let last = small.len() - 1;
    neg(
        "piece_tag_flipped",
        "mail piece",
        &key,
        flip(small.clone(), last),
        "authentication/chunk",
    );
    neg(
        "piece_header_truncated",
        "mail piece",
        &key,
        small[..40].to_vec(),
        "malformed/piece_truncated",
    );
    neg(
        "piece_final_tag_truncated",
        "mail piece",
        &key,
        small[..64 + 20].to_vec(),
        "malformed/piece_truncated",
    );
    neg(
        "piece_truncated_final",
        "mail piece",
        &key,
        small[..small.len() - 1].to_vec(),
        "authentication/chunk",
    );
    neg(
        "piece_extended_short_final",
        "mail piece",
        &key,
        [small.clone(), vec![0]].concat(),
        "authentication/chunk",
    );
    neg(
        "piece_final_chunk_missing",
        "mail piece",
        &key,
        two[..64 + 65568].to_vec(),
        "authentication/final_chunk_missing",
    );
    neg(
        "piece_non_final_chunk_last",
        "mail piece",
        &key,
        craft(&[(&full, false)]),
        "authentication/final_chunk_missing",
    );
    neg(
        "piece_data_after_full_final",
        "mail piece",
        &key,
        [craft(&[(&full, true)]), vec![7]].concat(),
        "authentication/data_after_final_chunk",
    );
    neg(
        "piece_two_final_chunks",
        "mail piece",
        &key,
        craft(&[(&full, true), (b"x", true)]),
        "authentication/data_after_final_chunk",
    );
    neg(
        "piece_empty_final_after_data",
        "mail piece",
        &key,
        craft(&[(&full, false), (b"", true)]),
        "malformed/empty_final_chunk",
    );
    neg(
        "piece_short_chunk_marked_non_final",
        "mail piece",
        &key,
        craft(&[(b"short", false)]),
        "authentication/chunk",
    );
    let reordered = {
        let c = craft(&[(&full, false), (&full, false), (b"end", true)]);
        let (h, rest) = c.split_at(64);
        let (a, rest) = rest.split_at(65568);
        let (b, tail) = rest.split_at(65568);
        [h, b, a, tail].concat()
    };
    neg(
        "piece_chunks_reordered",
        "mail piece",
        &key,
        reordered,
        "authentication/chunk",
    );
    let duplicated = [&two[..64 + 65568], &two[64..]].concat();
    neg(
        "piece_chunk_duplicated",
        "mail piece",
        &key,
        duplicated,
        "authentication/chunk",
    );
    let other_nonce: [u8; 32] = draw(&mut rng);
    let other_piece = mailseal::hazmat::seal_piece_with_nonce(
        suite,
        Purpose::MailPiece,
        &k,
        PieceNonce(other_nonce),
        &pattern(65536 + 10),
    )
    .expect("seal")
    .ciphertext;
    let mixed = [&two[..64 + 65568], &other_piece[64 + 65568..]].concat();
    neg(
        "piece_chunk_from_other_piece",
        "mail piece",
        &key,
        mixed,
        "authentication/chunk",
    );
    cases
}

fn verify_piece(suite: Option<Suite>, case: &Value) -> Check {
    let suite = need_suite(suite)?;
    let inputs = field(case, "inputs")?;
    let purpose = purpose_named(str_of(inputs, "purpose")?)?;
    let key = PieceKey::from_bytes(array_of::<32>(inputs, "key")?);
    if case.get("expected_error").is_some() {
        let ct = bytes_of(inputs, "ciphertext")?;
        return expect_error(piece::open(suite, purpose, &key, &ct), case);
    }
    let expected = field(case, "expected")?;
    let pt = match inputs.get("plaintext") {
        Some(_) => bytes_of(inputs, "plaintext")?,
        None => pattern(
            usize::try_from(u64_of(inputs, "plaintext_pattern_len")?).map_err(|e| e.to_string())?,
        ),
    };
    let nonce = PieceNonce(array_of::<32>(inputs, "nonce")?);
    let sealed = mailseal::hazmat::seal_piece_with_nonce(suite, purpose, &key, nonce, &pt)
        .map_err(|e| class(&e))?;
    check_hex(expected, "digest", &sealed.digest.0)?;
    if expected.get("ciphertext").is_some() {
        check_hex(expected, "ciphertext", &sealed.ciphertext)?;
    } else {
        check_hex(
            expected,
            "ciphertext_sha256",
            &Sha256::digest(&sealed.ciphertext),
        )?;
    }
    let opened = piece::open(suite, purpose, &key, &sealed.ciphertext).map_err(|e| class(&e))?;
    if opened.plaintext != pt || opened.digest != sealed.digest {
        return Err("opening the ciphertext did not give the plaintext and digest back".into());
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Keys and public-key records.

fn key_cases(suite: Suite) -> Vec<Value> {
    let mut rng = XofRng::new(format!("keys {}", suite.name()).as_bytes());
    let mut cases = Vec::new();
    for g in [1u32, 2, 7] {
        let seed: [u8; 32] = draw(&mut rng);
        let user: [u8; 16] = draw(&mut rng);
        let p =
            PukSecret::derive(suite, UserId::new(user), g, PukSeed::from_bytes(seed)).expect("puk");
        let mut expected = json!({
            "mail_public_key": hex(p.public().mail_key.as_bytes()),
            "mail_key_fingerprint": hex(&p.public().mail_key.fingerprint()),
            "symmetric_key": hex(p.symmetric_key().expose_secret()),
            "record": hex(&p.public().to_cbor()),
        });
        if suite == Suite::XWing {
            let ikm = crate::xwing::puk_mail_ikm(&seed, g).expect("ikm");
            expected["xwing"] = crate::xwing::key_intermediates(&ikm).expect("X-Wing");
        }
        cases.push(json!({
            "name": format!("puk_generation_{g}"),
            "inputs": { "kind": "puk", "seed": hex(&seed), "user": hex(&user), "generation": g },
            "expected": expected,
        }));
    }
    for n in 0..2 {
        let seed: [u8; 32] = draw(&mut rng);
        let id: [u8; 16] = draw(&mut rng);
        let d = DeviceSecret::from_seed(suite, DeviceId::new(id), &seed);
        let mut expected = json!({
            "verifying_key": hex(&d.public().verifying_key.to_bytes()),
            "encryption_key": hex(d.public().encryption_key.as_bytes()),
            "record": hex(&d.public().to_cbor()),
        });
        if suite == Suite::XWing {
            let ikm = crate::xwing::device_kem_ikm(&seed).expect("ikm");
            expected["xwing"] = crate::xwing::key_intermediates(&ikm).expect("X-Wing");
        }
        cases.push(json!({
            "name": format!("device_{n}"),
            "inputs": { "kind": "device", "seed": hex(&seed), "device_id": hex(&id) },
            "expected": expected,
        }));
    }
    // Negative: records carrying bad keys, re-encoded around a valid record's fields.
    let valid_puk = PukSecret::derive(suite, UserId::new([1; 16]), 1, PukSeed::from_bytes([2; 32]))
        .expect("puk");
    let valid_dev = DeviceSecret::from_seed(suite, DeviceId::new([3; 16]), &[4; 32]);
    let puk_record = |key: &[u8], generation: u32, suite_id: u16| {
        let mut v: ciborium::Value =
            ciborium::from_reader(&valid_puk.public().to_cbor()[..]).expect("cbor");
        set(&mut v, "k", ciborium::Value::Bytes(key.to_vec()));
        set(&mut v, "g", ciborium::Value::Integer(generation.into()));
        set(&mut v, "s", ciborium::Value::Integer(suite_id.into()));
        enc(&v)
    };
    let mut neg = |name: &str, kind: &str, record: Vec<u8>, err: &str| {
        cases.push(json!({ "name": name, "inputs": { "kind": kind, "record": hex(&record) }, "expected_error": err }));
    };
    let le = |x: u128, hi: u8| {
        let mut b = [0u8; 32];
        b[..16].copy_from_slice(&x.to_le_bytes());
        b[31] = hi;
        b
    };
    // Low-order X25519 points and non-canonical encodings of them (RFC 7748, libsodium's list).
    let order8a =
        unhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800").expect("hex");
    let order8b =
        unhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157").expect("hex");
    let p_minus_1 =
        unhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").expect("hex");
    let p_plus_0 =
        unhex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").expect("hex");
    let p_plus_1 =
        unhex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").expect("hex");
    let low_order: Vec<(&str, Vec<u8>)> = vec![
        ("x25519_low_order_zero", le(0, 0).to_vec()),
        ("x25519_low_order_one", le(1, 0).to_vec()),
        ("x25519_low_order_order8_a", order8a),
        ("x25519_low_order_order8_b", order8b),
        ("x25519_low_order_p_minus_1", p_minus_1),
        ("x25519_low_order_p", p_plus_0),
        ("x25519_low_order_p_plus_1", p_plus_1),
    ];
    let sid = suite.id();
    for (name, point) in low_order {
        let key = match suite {
            Suite::XWing => [&valid_puk.public().mail_key.as_bytes()[..1184], &point].concat(),
            _ => point,
        };
        neg(
            name,
            "puk_record",
            puk_record(&key, 1, sid),
            "malformed/public_key",
        );
    }
    // A valid key's X25519 part with its top bit set: the same point to a decoder, but not
    // its canonical encoding (SPEC.md §5.3).
    let mut aliased = valid_puk.public().mail_key.as_bytes().to_vec();
    if let Some(last) = aliased.last_mut() {
        *last |= 0x80;
    }
    neg(
        "x25519_key_top_bit_set",
        "puk_record",
        puk_record(&aliased, 1, sid),
        "malformed/public_key",
    );
    neg(
        "puk_record_key_wrong_length",
        "puk_record",
        puk_record(&[9; 31], 1, sid),
        "malformed/public_key",
    );
    neg(
        "puk_record_generation_zero",
        "puk_record",
        puk_record(valid_puk.public().mail_key.as_bytes(), 0, sid),
        "malformed/field/generation",
    );
    neg(
        "puk_record_unknown_suite",
        "puk_record",
        puk_record(valid_puk.public().mail_key.as_bytes(), 1, 0x7777),
        "unsupported/suite",
    );
    let dev_record = |vk: &[u8]| {
        let mut v: ciborium::Value =
            ciborium::from_reader(&valid_dev.public().to_cbor()[..]).expect("cbor");
        set(&mut v, "v", ciborium::Value::Bytes(vk.to_vec()));
        enc(&v)
    };
    let mut identity = [0u8; 32];
    identity[0] = 1;
    neg(
        "ed25519_identity_key",
        "device_record",
        dev_record(&identity),
        "malformed/public_key",
    );
    let order2 =
        unhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").expect("hex");
    neg(
        "ed25519_small_order_key",
        "device_record",
        dev_record(&order2),
        "malformed/public_key",
    );
    // y = 3 is a valid point; p + 3 decodes to it too, but is not its canonical encoding
    // (SPEC.md §5.1): an alias would compare unequal to the listed key.
    let y_plus_p =
        unhex("f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").expect("hex");
    neg(
        "ed25519_key_not_canonical",
        "device_record",
        dev_record(&y_plus_p),
        "malformed/public_key",
    );
    // One byte over the record limit (SPEC.md §4.2), checked before anything is parsed.
    for kind in ["puk_record", "device_record"] {
        cases.push(json!({
            "name": format!("{kind}_4097_bytes"),
            "inputs": { "kind": kind, "record": notation::fill(&[0], mailseal::keys::MAX_PUBLIC_RECORD_LEN + 1) },
            "expected_error": "limit_exceeded/public_record_size",
        }));
    }
    cases
}

fn set(v: &mut ciborium::Value, key: &str, value: ciborium::Value) {
    if let ciborium::Value::Map(m) = v {
        for (k, slot) in m.iter_mut() {
            if k.as_text() == Some(key) {
                *slot = value;
                return;
            }
        }
    }
}

fn enc(v: &ciborium::Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("encode");
    out
}

/// A routing header with the integer under `key` (`"o"`, `"s"`, `"v"`) replaced: codes the
/// typed `RoutingHeader` cannot hold, written in place so the rest stays byte for byte.
pub fn header_with_code(header: &[u8], key: &str, code: u64) -> Bytes {
    let mut v: ciborium::Value = ciborium::from_reader(header).expect("header");
    let ciborium::Value::Map(m) = &mut v else {
        panic!("a header is a map")
    };
    let slot = m
        .iter_mut()
        .find(|(k, _)| k.as_text() == Some(key))
        .expect("the key is in the header");
    slot.1 = ciborium::Value::Integer(code.into());
    Bytes(enc(&v))
}

fn verify_keys(suite: Option<Suite>, case: &Value) -> Check {
    let suite = need_suite(suite)?;
    let inputs = field(case, "inputs")?;
    match str_of(inputs, "kind")? {
        "puk" => {
            let expected = field(case, "expected")?;
            let g = u32::try_from(u64_of(inputs, "generation")?).map_err(|e| e.to_string())?;
            let p = PukSecret::derive(
                suite,
                UserId::new(array_of(inputs, "user")?),
                g,
                PukSeed::from_bytes(array_of(inputs, "seed")?),
            )
            .map_err(|e| class(&e))?;
            check_hex(expected, "mail_public_key", p.public().mail_key.as_bytes())?;
            check_hex(
                expected,
                "mail_key_fingerprint",
                &p.public().mail_key.fingerprint(),
            )?;
            check_hex(expected, "symmetric_key", p.symmetric_key().expose_secret())?;
            check_hex(expected, "record", &p.public().to_cbor())?;
            if let Some(x) = expected.get("xwing") {
                let ikm = crate::xwing::puk_mail_ikm(&array_of(inputs, "seed")?, g)?;
                crate::xwing::check_key_intermediates(&ikm, p.public().mail_key.as_bytes(), x)?;
            }
            if PukPublic::from_cbor(&bytes_of(expected, "record")?).map_err(|e| class(&e))?
                != *p.public()
            {
                return Err("the record does not parse back".into());
            }
            Ok(())
        }
        "device" => {
            let expected = field(case, "expected")?;
            let d = DeviceSecret::from_seed(
                suite,
                DeviceId::new(array_of(inputs, "device_id")?),
                &array_of(inputs, "seed")?,
            );
            check_hex(
                expected,
                "verifying_key",
                &d.public().verifying_key.to_bytes(),
            )?;
            check_hex(
                expected,
                "encryption_key",
                d.public().encryption_key.as_bytes(),
            )?;
            if let Some(x) = expected.get("xwing") {
                let ikm = crate::xwing::device_kem_ikm(&array_of(inputs, "seed")?)?;
                let key = d.public().encryption_key.as_bytes();
                crate::xwing::check_key_intermediates(&ikm, key, x)?;
            }
            check_hex(expected, "record", &d.public().to_cbor())
        }
        "puk_record" => expect_error(PukPublic::from_cbor(&bytes_of(inputs, "record")?), case),
        "device_record" => {
            expect_error(DevicePublic::from_cbor(&bytes_of(inputs, "record")?), case)
        }
        other => Err(format!("unknown keys kind {other}")),
    }
}

// ------------------------------------------------------------------------------------------
// Mail: sealing with explicit randomness, copies, opening, and negative copies.

/// A user in a mail case: address, id, PUK seed and generation, root device, and (on the
/// wire) the chain's links, which name that device and that PUK generation.
struct Party {
    address: String,
    user: [u8; 16],
    puk_seed: [u8; 32],
    generation: u32,
    device_id: [u8; 16],
    device_seed: [u8; 32],
}

impl Party {
    fn puk(&self, suite: Suite) -> Result<PukSecret, String> {
        PukSecret::derive(
            suite,
            UserId::new(self.user),
            self.generation,
            PukSeed::from_bytes(self.puk_seed),
        )
        .map_err(|e| class(&e))
    }
    fn device(&self, suite: Suite) -> DeviceSecret {
        DeviceSecret::from_seed(suite, DeviceId::new(self.device_id), &self.device_seed)
    }
    /// The links of the party's chain (SPEC.md §12): its device's root, then rotations up to
    /// its PUK generation.
    fn links(&self, suite: Suite) -> Vec<Vec<u8>> {
        let puk = self.puk(suite).expect("puk");
        build_chain(suite, &self.address, &self.device(suite), &puk, &[])
    }
    fn to_json(&self, suite: Suite) -> Value {
        json!({
            "address": self.address, "user": hex(&self.user), "puk_seed": hex(&self.puk_seed),
            "generation": self.generation, "device_id": hex(&self.device_id),
            "device_seed": hex(&self.device_seed), "chain": links_json(&self.links(suite)),
        })
    }
    fn from_json(v: &Value) -> Result<Party, String> {
        Ok(Party {
            address: str_of(v, "address")?.to_string(),
            user: array_of(v, "user")?,
            puk_seed: array_of(v, "puk_seed")?,
            generation: u32::try_from(u64_of(v, "generation")?).map_err(|e| e.to_string())?,
            device_id: array_of(v, "device_id")?,
            device_seed: array_of(v, "device_seed")?,
        })
    }
}

/// A party's verified chain, from the links its JSON carries; its current PUK must be the one
/// the party's seed derives.
fn party_chain(suite: Suite, v: &Value) -> Result<ChainState, String> {
    let chain = chain_of(v, "chain")?;
    let party = Party::from_json(v)?;
    if chain.current_puk() != party.puk(suite)?.public() {
        return Err("the chain's current PUK is not the party's".into());
    }
    Ok(chain)
}

fn kind_name(k: RecipientKind) -> &'static str {
    match k {
        RecipientKind::Sender => "sender",
        RecipientKind::To => "to",
        RecipientKind::Cc => "cc",
        RecipientKind::Bcc => "bcc",
        RecipientKind::ServerAccess => "server",
        _ => "link",
    }
}

/// The randomness a signed mail consumes, by name, and the tape in the order the sealer
/// draws it (test-vectors/README.md).
fn mail_randomness(suite: Suite, pieces: usize, boxes: usize, rng: &mut XofRng) -> Value {
    let hpke_len = match suite {
        Suite::XWing => 64,
        _ => 32,
    };
    let draw_hex = |n: usize, rng: &mut XofRng| {
        let mut b = vec![0u8; n];
        rng.fill_bytes(&mut b);
        hex(&b)
    };
    let mut positions: Vec<u16> = Vec::new();
    while positions.len() < boxes {
        let p = (rng.next_u32() % 1024) as u16;
        if !positions.contains(&p) {
            positions.push(p);
        }
    }
    json!({
        "piece_keys": (0..pieces).map(|_| draw_hex(32, rng)).collect::<Vec<_>>(),
        "piece_nonces": (0..pieces).map(|_| draw_hex(32, rng)).collect::<Vec<_>>(),
        "message_key": draw_hex(32, rng),
        "manifest_nonce": draw_hex(32, rng),
        "bcc_key": draw_hex(32, rng),
        "tree_key": draw_hex(32, rng),
        "positions": positions,
        "salts": (0..boxes).map(|_| draw_hex(32, rng)).collect::<Vec<_>>(),
        "box_randomness": (0..boxes).map(|i| draw_hex(if i == 0 { 32 } else { hpke_len }, rng)).collect::<Vec<_>>(),
        "sender_record_nonce": draw_hex(32, rng),
    })
}

/// Splits the named randomness into the sealer's two tapes: per-piece draws, then the rest.
fn mail_tapes(r: &Value) -> Result<(Vec<Vec<u8>>, Vec<u8>), String> {
    let list = |k: &str| -> Result<Vec<Vec<u8>>, String> {
        list_of(r, k)?
            .iter()
            .map(|v| bytes_value(v).map_err(|e| format!("`{k}` entry: {e}")))
            .collect()
    };
    let keys = list("piece_keys")?;
    let nonces = list("piece_nonces")?;
    if keys.len() != nonces.len() {
        return Err("piece_keys and piece_nonces differ in length".into());
    }
    let pieces = keys
        .into_iter()
        .zip(nonces)
        .map(|(k, n)| [k, n].concat())
        .collect();
    let positions: Vec<u16> = list_of(r, "positions")?
        .iter()
        .map(|v| {
            v.as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or("bad position".to_string())
        })
        .collect::<Result<_, _>>()?;
    let mut tape = Vec::new();
    for k in ["message_key", "manifest_nonce", "bcc_key", "tree_key"] {
        tape.extend(bytes_of(r, k)?);
    }
    tape.extend(position_draws(&positions).ok_or("positions are not distinct tree slots")?);
    tape.extend(list("salts")?.concat());
    tape.extend(list("box_randomness")?.concat());
    tape.extend(bytes_of(r, "sender_record_nonce")?);
    Ok((pieces, tape))
}

struct Mail {
    envelope: Vec<u8>,
    pieces: Vec<Vec<u8>>,
    /// The link fragment of access-restricted mail.
    fragment: Option<String>,
    /// The sealer's intermediate values (device-signed mail sealed with `seal`), by name.
    trace: Vec<(String, Vec<u8>)>,
}

fn origin_named(name: &str) -> Result<mailseal::mail::envelope::Origin, String> {
    use mailseal::mail::envelope::Origin;
    Ok(match name {
        "inbound_external" => Origin::InboundExternal,
        "mailing_list" => Origin::MailingList,
        "system" => Origin::System,
        "held_for_new_user" => Origin::HeldForNewUser,
        // Only for the refusal: the server never seals device-signed mail.
        "sender_device" => Origin::SenderDevice,
        other => return Err(format!("unknown origin {other}")),
    })
}

/// The crate's result inside, a malformed case outside: `lib!(expr)` returns the crate's
/// error as `Ok(Err(e))`.
macro_rules! lib {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        }
    };
}

/// The suite of a party's keys and chain: the file's, unless the party names another
/// (`suite`, a negative case mixing suites).
fn party_suite(suite: Suite, v: &Value) -> Result<Suite, String> {
    match v.get("suite") {
        Some(Value::String(name)) => suite_named(name),
        _ => Ok(suite),
    }
}

/// A recipient of a sealing case as the sender takes it: from its chain (current PUK and
/// tail), or, when `chain` is `null`, its PUK alone with no tail.
fn recipient_key(suite: Suite, r: &Value) -> Result<Result<RecipientKey, Error>, String> {
    let party = Party::from_json(r)?;
    let suite = party_suite(suite, r)?;
    if r.get("chain") == Some(&Value::Null) {
        return Ok(Ok(RecipientKey {
            address: party.address.clone(),
            puk: party.puk(suite)?.public().clone(),
            tail: None,
        }));
    }
    Ok(RecipientKey::from_chain(
        party.address.clone(),
        &chain_of(r, "chain")?,
    ))
}

/// Seals server-sealed (unsigned) mail as a case describes. Randomness, in draw order: each
/// piece's key and nonce, `message_key`, `manifest_nonce`, `bcc_key`, then `box_randomness`
/// (the HPKE randomness of each box in order).
fn inbound_case(suite: Suite, inputs: &Value) -> Result<Mail, String> {
    inbound_attempt(suite, inputs)?.map_err(|e| class(&e))
}

fn inbound_attempt(suite: Suite, inputs: &Value) -> Result<Result<Mail, Error>, String> {
    let r = field(inputs, "randomness")?;
    let list = |k: &str| -> Result<Vec<Vec<u8>>, String> {
        list_of(r, k)?
            .iter()
            .map(|v| bytes_value(v).map_err(|e| format!("`{k}` entry: {e}")))
            .collect()
    };
    let mut tape = Vec::new();
    for (k, n) in list("piece_keys")?.into_iter().zip(list("piece_nonces")?) {
        tape.extend(k);
        tape.extend(n);
    }
    for k in ["message_key", "manifest_nonce", "bcc_key"] {
        tape.extend(bytes_of(r, k)?);
    }
    tape.extend(list("box_randomness")?.concat());
    let parties = |k: &str| -> Result<Vec<mailseal::mail::envelope::Party>, String> {
        list_of(inputs, k)?
            .iter()
            .map(|p| {
                Ok(mailseal::mail::envelope::Party {
                    address: str_of(p, "address")?.to_string(),
                    user: match p.get("user") {
                        Some(Value::Null) | None => None,
                        Some(_) => Some(UserId::new(array_of(p, "user")?)),
                    },
                })
            })
            .collect()
    };
    let mut recipients = Vec::new();
    for p in list_of(inputs, "recipients")? {
        recipients.push(lib!(recipient_key(suite, p)?));
    }
    let pieces = list_of(inputs, "pieces")?
        .iter()
        .map(bytes_value)
        .collect::<Result<Vec<_>, _>>()?;
    let mail = mailseal::mail::server::InboundMail {
        origin: origin_named(str_of(inputs, "origin")?)?,
        sender_address: str_of(inputs, "sender_address")?.to_string(),
        sender_user: match inputs.get("sender_user") {
            Some(Value::Null) | None => None,
            Some(_) => Some(UserId::new(array_of(inputs, "sender_user")?)),
        },
        message_id: str_of(inputs, "message_id")?.to_string(),
        timestamp: u64_of(inputs, "timestamp")?,
        to: parties("to")?,
        cc: parties("cc")?,
        recipients,
        pieces: pieces.iter().map(Vec::as_slice).collect(),
    };
    let mut rng = TapeRng::new(tape);
    let sealed = lib!(mailseal::mail::server::seal_inbound(suite, &mail, &mut rng));
    if rng.overrun() || rng.remaining() != 0 {
        return Err(format!(
            "randomness: overrun {}, {} bytes left over",
            rng.overrun(),
            rng.remaining()
        ));
    }
    Ok(Ok(Mail {
        envelope: sealed.envelope,
        pieces: sealed.pieces,
        fragment: None,
        trace: Vec::new(),
    }))
}

/// Seals the mail a case describes, with its randomness.
fn seal_case(suite: Suite, inputs: &Value) -> Result<Mail, String> {
    seal_attempt(suite, inputs, true)?.map_err(|e| class(&e))
}

/// Seals the mail a case describes. `strict`: every party's chain must end at the party's
/// PUK (positive cases); a negative case may pair a party with a chain that says otherwise.
/// The entry point is `entry_point` (`seal`, `seal_draft`, `seal_restricted`), else a draft
/// when nobody is addressed and `seal` otherwise.
fn seal_attempt(suite: Suite, inputs: &Value, strict: bool) -> Result<Result<Mail, Error>, String> {
    let sender_v = field(inputs, "sender")?;
    let sender = Party::from_json(sender_v)?;
    let sender_suite = party_suite(suite, sender_v)?;
    let sender_puk = sender.puk(sender_suite)?;
    let device = sender.device(sender_suite);
    let sender_chain = if strict {
        party_chain(sender_suite, sender_v)?
    } else {
        chain_of(sender_v, "chain")?
    };
    let identity = SenderIdentity {
        address: &sender.address,
        puk: &sender_puk,
        device: &device,
        chain: &sender_chain,
    };
    let mut sealer = lib!(MailSealer::new(
        suite,
        identity,
        &text_of(inputs, "message_id")?,
        u64_of(inputs, "timestamp")?,
    ))
    .bcc_text(text_of(inputs, "bcc_text")?);
    for r in list_of(inputs, "recipients")? {
        let key = lib!(recipient_key(suite, r)?);
        sealer = match str_of(r, "kind")? {
            "to" => sealer.to(key),
            "cc" => sealer.cc(key),
            "bcc" => sealer.bcc(key),
            other => return Err(format!("unknown recipient kind {other}")),
        };
    }
    if let Some(Value::Array(externals)) = inputs.get("external") {
        for x in externals {
            let kind = match str_of(x, "kind")? {
                "cc" => RecipientKind::Cc,
                "bcc" => RecipientKind::Bcc,
                _ => RecipientKind::To,
            };
            sealer = sealer.external(kind, text_of(x, "address")?);
        }
    }
    if let Some(server) = inputs.get("server").filter(|v| !v.is_null()) {
        let party = Party::from_json(server)?;
        sealer = sealer.server_access(RecipientKey::server(
            party.address.clone(),
            party.puk(suite)?.public().clone(),
        ));
    }
    if let Some(expiry) = inputs.get("expiry").and_then(Value::as_u64) {
        sealer = sealer.access_restricted(expiry);
    }
    let r = field(inputs, "randomness")?;
    let (piece_tapes, mut tape) = mail_tapes(r)?;
    let plaintexts = list_of(inputs, "pieces")?;
    if plaintexts.len() != piece_tapes.len() {
        return Err("pieces and piece randomness differ in number".into());
    }
    let mut pieces = Vec::new();
    for (p, t) in plaintexts.iter().zip(piece_tapes) {
        let pt = bytes_value(p)?;
        let mut rng = TapeRng::new(t);
        pieces.push(lib!(sealer.add_piece(&pt, &mut rng)));
        if rng.overrun() || rng.remaining() != 0 {
            return Err("piece randomness is not exactly 64 bytes".into());
        }
    }
    // Access-restricted mail draws its link key first and its link box's nonce last.
    if r.get("link_key").is_some() {
        tape = [
            bytes_of(r, "link_key")?,
            tape,
            bytes_of(r, "link_box_nonce")?,
        ]
        .concat();
    }
    let mut rng = TapeRng::new(tape);
    // A mail with no recipient is a draft, sealed through its own entry point (SPEC.md §6.8).
    let entry = match inputs.get("entry_point").and_then(Value::as_str) {
        Some(e) => e,
        None if list_of(inputs, "recipients")?.is_empty() && inputs.get("external").is_none() => {
            "seal_draft"
        }
        None if inputs.get("expiry").is_some() => "seal_restricted",
        None => "seal",
    };
    let (envelope, fragment, trace) = match entry {
        "seal_draft" => (lib!(sealer.seal_draft(&mut rng)), None, Vec::new()),
        "seal" => {
            let (envelope, trace) = lib!(mailseal::hazmat::seal_traced(sealer, &mut rng));
            (envelope, None, trace)
        }
        "seal_restricted" => {
            let (envelope, fragment) = lib!(sealer.seal_restricted(&mut rng));
            (
                envelope,
                Some(fragment.expose_text().to_string()),
                Vec::new(),
            )
        }
        other => return Err(format!("unknown entry point {other}")),
    };
    if rng.overrun() || rng.remaining() != 0 {
        return Err(format!(
            "randomness: overrun {}, {} bytes left over",
            rng.overrun(),
            rng.remaining()
        ));
    }
    Ok(Ok(Mail {
        envelope,
        pieces,
        fragment,
        trace,
    }))
}

/// Every chain a case's parties carry: the directory a reader consults.
fn directory(suite: Suite, inputs: &Value) -> Result<Vec<ChainState>, String> {
    let mut chains = Vec::new();
    if inputs.get("sender_view").is_some() {
        // The sender's chain as readers hold it later: it must extend the one sealed with.
        let sealed_with = party_chain(suite, field(inputs, "sender")?)?;
        chains.push(
            sealed_with
                .update(&links_of(inputs, "sender_view")?)
                .map_err(|e| format!("sender_view: {}", class(&e)))?,
        );
    } else if let Some(s) = inputs.get("sender") {
        chains.push(party_chain(suite, s)?);
    }
    for r in list_of(inputs, "recipients")? {
        chains.push(party_chain(suite, r)?);
    }
    Ok(chains)
}

/// The mailbox of `party` (its chain and PUK), or the server's own when it is the server.
fn open_as(
    suite: Suite,
    inputs: &Value,
    who: &Party,
    copy: &[u8],
    chains: &[ChainState],
) -> Result<mailseal::mail::open::OpenedMail, Error> {
    let puk = who.puk(suite).map_err(|_| Error::NotARecipient)?;
    let is_server = inputs
        .get("server")
        .and_then(|s| Party::from_json(s).ok())
        .is_some_and(|s| s.user == who.user);
    if is_server {
        return open_copy(
            copy,
            &Mailbox::server(UserId::new(who.user), [&puk]).without_key_transparency(),
            chains,
        );
    }
    let chain = chains
        .iter()
        .find(|c| c.user().as_bytes() == &who.user)
        .ok_or(Error::NotARecipient)?;
    open_copy(
        copy,
        &Mailbox::new(chain, [&puk]).without_key_transparency(),
        chains,
    )
}

/// The name of the mail case SPEC.md appendix A works through.
pub const WORKED_EXAMPLE: &str = "mail_worked_example";

/// A mail case: name, recipients with their kind, pieces.
type Scenario<'a> = (&'a str, Vec<(&'a Party, &'a str)>, Vec<Vec<u8>>);
/// A CBOR map's entries.
type CborMap = Vec<(ciborium::Value, ciborium::Value)>;

/// A mail party drawn from the stream: user id, PUK seed, generation `1 + u32 mod 3`,
/// device id and seed.
fn party(name: &str, rng: &mut XofRng) -> Party {
    Party {
        address: format!("{name}@example.com"),
        user: draw(rng),
        puk_seed: draw(rng),
        generation: 1 + rng.next_u32() % 3,
        device_id: draw(rng),
        device_seed: draw(rng),
    }
}

/// The mail cases' stream and their four parties, Alice, Bob, Carol and Dave, drawn first.
fn mail_parties(suite: Suite) -> (XofRng, [Party; 4]) {
    let mut rng = XofRng::new(format!("mail {}", suite.name()).as_bytes());
    let parties = ["alice", "bob", "carol", "dave"].map(|n| party(n, &mut rng));
    (rng, parties)
}

fn link_cases(suite: Suite) -> Vec<Value> {
    let (_, [alice, bob, _, _]) = mail_parties(suite);
    links::cases(suite, &alice, &bob)
}

fn report_cases(suite: Suite) -> Vec<Value> {
    let (_, [alice, bob, carol, dave]) = mail_parties(suite);
    reports::cases(suite, &alice, &bob, &carol, &dave)
}

fn server_cases(suite: Suite) -> Vec<Value> {
    servers::cases(&mail_cases(suite), &link_cases(suite))
}

fn mail_cases(suite: Suite) -> Vec<Value> {
    let (mut rng, [alice, bob, carol, dave]) = mail_parties(suite);
    let sender = alice.to_json(suite);

    let mut cases = Vec::new();
    let mut scenarios: Vec<Scenario> = vec![
        (
            "mail_to_cc_bcc_with_attachment",
            vec![(&bob, "to"), (&carol, "cc"), (&dave, "bcc")],
            vec![b"Subject: vectors\r\n\r\nHello".to_vec(), pattern(70_000)],
        ),
        ("mail_draft", vec![], vec![b"draft body".to_vec()]),
    ];
    if suite == Suite::X25519 {
        // The mail SPEC.md appendix A works through, value by value.
        scenarios.push((
            WORKED_EXAMPLE,
            vec![(&bob, "to")],
            vec![b"Hello Bob".to_vec()],
        ));
    }
    let mut bob_copy = None;
    let mut first = None;
    for (name, recipients, pieces) in &scenarios {
        let boxes = 1 + recipients.len();
        let randomness = mail_randomness(suite, pieces.len(), boxes, &mut rng);
        let inputs = json!({
            "sender": sender,
            "recipients": recipients.iter().map(|(p, k)| { let mut v = p.to_json(suite); v["kind"] = json!(k); v }).collect::<Vec<_>>(),
            "message_id": format!("<{name}@example.com>"),
            "timestamp": 1_764_374_400u64,
            "bcc_text": recipients.iter().filter(|(_, k)| *k == "bcc").map(|(p, _)| p.address.clone()).collect::<Vec<_>>().join(", "),
            "pieces": pieces.iter().map(|p| hex(p)).collect::<Vec<_>>(),
            "randomness": randomness,
        });
        let mail = seal_case(suite, &inputs).expect("seal vector");
        let parties: Vec<&Party> = std::iter::once(&alice)
            .chain(recipients.iter().map(|(p, _)| *p))
            .collect();
        let expected = expected_mail(suite, &inputs, &mail, &parties);
        if *name == "mail_to_cc_bcc_with_attachment" {
            first = Some(inputs.clone());
            bob_copy = split_envelope(&mail.envelope)
                .expect("split")
                .into_iter()
                .find(|c| c.user.as_bytes() == &bob.user)
                .map(|c| c.copy);
        }
        cases.push(json!({ "name": name, "inputs": inputs, "expected": expected }));
    }

    // Not E2E: the sender gives the server a box for an external CC.
    let server = party("server", &mut rng);
    {
        let randomness = mail_randomness(suite, 1, 3, &mut rng);
        let mut bob_to = bob.to_json(suite);
        bob_to["kind"] = json!("to");
        let inputs = json!({
            "sender": sender, "recipients": [bob_to], "external": [{ "address": "dan@elsewhere.example", "kind": "cc" }],
            "server": server.to_json(suite), "message_id": "<server-access@example.com>", "timestamp": 1_764_374_400u64,
            "bcc_text": "", "pieces": [hex(b"Hello Bob and Dan")], "randomness": randomness,
        });
        let mail = seal_case(suite, &inputs).expect("seal vector");
        let expected = expected_mail(suite, &inputs, &mail, &[&alice, &bob, &server]);
        cases.push(json!({ "name": "mail_server_access_for_external_cc", "inputs": inputs, "expected": expected }));
    }
    // Server-sealed on arrival from an external sender: unsigned.
    {
        let hpke_len = if suite == Suite::X25519 { 32 } else { 64 };
        let mut draw_hex = |n: usize| {
            let mut b = vec![0u8; n];
            rng.fill_bytes(&mut b);
            hex(&b)
        };
        let randomness = json!({
            "piece_keys": [draw_hex(32)], "piece_nonces": [draw_hex(32)], "message_key": draw_hex(32),
            "manifest_nonce": draw_hex(32), "bcc_key": draw_hex(32), "box_randomness": [draw_hex(hpke_len)],
        });
        let inputs = json!({
            "origin": "inbound_external", "sender_address": "eve@elsewhere.example",
            "to": [{ "address": bob.address, "user": hex(&bob.user) }], "cc": [],
            "recipients": [bob.to_json(suite)], "message_id": "<inbound@elsewhere.example>", "timestamp": 1_764_374_400u64,
            "pieces": [hex(b"Subject: offer\r\n\r\nBuy now")], "randomness": randomness,
        });
        let mail = inbound_case(suite, &inputs).expect("inbound vector");
        let expected = expected_mail(suite, &inputs, &mail, &[&bob]);
        cases.push(json!({ "name": "inbound_external_server_sealed", "inputs": inputs, "expected": expected }));
    }

    // Negative: Bob's copy of the first mail, altered, opened by Bob.
    let copy = bob_copy.expect("bob's copy");
    let other = {
        let randomness = mail_randomness(suite, 1, 2, &mut rng);
        let mut bob_to = bob.to_json(suite);
        bob_to["kind"] = json!("to");
        let inputs = json!({
            "sender": sender, "recipients": [bob_to],
            "message_id": "<other@example.com>", "timestamp": 1u64, "bcc_text": "", "pieces": [hex(b"other")], "randomness": randomness,
        });
        let mail = seal_case(suite, &inputs).expect("seal");
        split_envelope(&mail.envelope)
            .expect("split")
            .into_iter()
            .find(|c| c.user.as_bytes() == &bob.user)
            .expect("copy")
            .copy
    };
    // The directory a reader holds: the chains it verified.
    let alice_links = alice.links(suite);
    let bob_links = bob.links(suite);
    let carol_links = carol.links(suite);
    let mut neg = |name: &str, copy: Vec<u8>, user: &Party, chains: Value, err: &str| {
        cases.push(json!({
            "name": name,
            "inputs": {
                "mailbox": user.to_json(suite),
                "chains": chains,
                "copy": hex(&copy),
            },
            "expected_error": err,
        }));
    };
    let edit = |f: &dyn Fn(&mut Copy)| {
        let mut c = Copy::parse(&copy).expect("copy");
        f(&mut c);
        c.encode()
    };
    let edit_header = |f: &dyn Fn(&mut RoutingHeader)| {
        edit(&|c: &mut Copy| {
            let (mut h, _) = RoutingHeader::parse(&c.header.0).expect("header");
            f(&mut h);
            c.header = Bytes(h.encode());
        })
    };
    let cbor = |f: &dyn Fn(&mut CborMap)| {
        let mut v: ciborium::Value = ciborium::from_reader(&copy[..]).expect("cbor");
        if let ciborium::Value::Map(m) = &mut v {
            f(m);
        }
        enc(&v)
    };
    let v = || {
        json!([
            links_json(&alice_links),
            links_json(&bob_links),
            links_json(&carol_links)
        ])
    };
    let o = Copy::parse(&other).expect("other");
    neg(
        "copy_with_a_trailing_byte",
        [copy.clone(), vec![0]].concat(),
        &bob,
        v(),
        "malformed/cbor/trailing_bytes",
    );
    neg(
        "cbor_truncated",
        copy[..copy.len() / 2].to_vec(),
        &bob,
        v(),
        "malformed/cbor/length_exceeds_input",
    );
    neg(
        "cbor_truncated_in_head",
        vec![0x19, 0x01],
        &bob,
        v(),
        "malformed/cbor/truncated",
    );
    neg(
        "cbor_nonminimal_length",
        [vec![0xb8, copy[0] & 0x1f], copy[1..].to_vec()].concat(),
        &bob,
        v(),
        "malformed/cbor/non_minimal",
    );
    neg(
        "cbor_indefinite_length",
        [vec![0xbf], copy[1..].to_vec(), vec![0xff]].concat(),
        &bob,
        v(),
        "malformed/cbor/indefinite_length",
    );
    neg(
        "cbor_tag",
        [vec![0xd8, 0x18], copy.clone()].concat(),
        &bob,
        v(),
        "malformed/cbor/tag",
    );
    neg(
        "cbor_duplicate_key",
        cbor(&|m| {
            let first = m[0].clone();
            m.push(first);
        }),
        &bob,
        v(),
        "malformed/cbor/schema",
    );
    neg(
        "cbor_unknown_key",
        cbor(&|m| m.push(("zz".into(), 1.into()))),
        &bob,
        v(),
        "malformed/cbor/schema",
    );
    neg(
        "cbor_missing_key",
        cbor(&|m| {
            m.remove(1);
        }),
        &bob,
        v(),
        "malformed/cbor/schema",
    );
    neg(
        "cbor_keys_out_of_order",
        cbor(&|m| m.swap(0, 1)),
        &bob,
        v(),
        "malformed/cbor/not_canonical",
    );
    neg(
        "cbor_float",
        vec![0xf9, 0x3c, 0x00],
        &bob,
        v(),
        "malformed/cbor/simple_or_float",
    );
    neg(
        "cbor_reserved_additional_info",
        vec![0x1c],
        &bob,
        v(),
        "malformed/cbor/reserved",
    );
    neg(
        "cbor_length_exceeds_input",
        vec![0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        &bob,
        v(),
        "malformed/cbor/length_exceeds_input",
    );
    neg(
        "cbor_nesting_too_deep",
        [vec![0x81u8; 12], vec![0x00]].concat(),
        &bob,
        v(),
        "limit_exceeded/nesting_depth",
    );
    neg(
        "cbor_invalid_utf8",
        vec![0x62, 0xff, 0xfe],
        &bob,
        v(),
        "malformed/cbor/invalid_utf8",
    );
    neg(
        "box_replayed_other_message",
        edit(&|c| c.recipient_box = o.recipient_box.clone()),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    neg(
        "header_swapped_other_message",
        edit(&|c| c.header = o.header.clone()),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    neg(
        "manifest_swapped_other_message",
        edit(&|c| c.manifest = o.manifest.clone()),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    neg(
        "bcc_commitment_swapped",
        edit(&|c| c.bcc_commitment = o.bcc_commitment),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    neg(
        "header_message_id_changed",
        edit_header(&|h| h.message_id = "<forged@example.com>".into()),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    neg(
        "header_timestamp_changed",
        edit_header(&|h| h.timestamp += 1),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    neg(
        "header_piece_size_changed",
        edit_header(&|h| h.piece_sizes[0] += 1),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    neg(
        "header_relabelled_server_sealed",
        edit(&|c| {
            let (mut h, _) = RoutingHeader::parse(&c.header.0).expect("header");
            h.origin = Origin::InboundExternal;
            h.sender.device = None;
            h.sender.chain = None;
            c.header = Bytes(h.encode());
            // Server-sealed boxes carry no chain tail either.
            c.recipient_box.tail = None;
        }),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    neg(
        "header_unsupported_version",
        edit(&|c| c.header = header_with_code(&c.header.0, "v", 2)),
        &bob,
        v(),
        "unsupported/version",
    );
    neg(
        "header_unsupported_suite",
        edit(&|c| c.header = header_with_code(&c.header.0, "s", 0x7777)),
        &bob,
        v(),
        "unsupported/suite",
    );
    neg(
        "header_bad_origin",
        edit(&|c| c.header = header_with_code(&c.header.0, "o", 9)),
        &bob,
        v(),
        "malformed/field/origin",
    );
    // Alice's chain with a second device, added after the tail her mail binds.
    let other_device = DeviceSecret::from_seed(suite, DeviceId::new([0x99; 16]), &[0x98; 32]);
    let alice_device = alice.device(suite);
    let alice_chain = ChainState::verify(&alice_links).expect("alice");
    let mut draft = alice_chain
        .propose_add_device(alice_device.id(), other_device.public(), None, 1)
        .expect("draft");
    draft.sign(&alice_device).expect("sign");
    draft.sign(&other_device).expect("sign");
    let alice_later = [alice_links.clone(), vec![draft.finish().expect("link")]].concat();
    let dir_with = |alice: &[Vec<u8>]| json!([links_json(alice), links_json(&bob_links)]);
    neg(
        "sender_device_substituted",
        edit_header(&|h| h.sender.device = Some(other_device.id())),
        &bob,
        dir_with(&alice_later),
        "authentication/unknown_signer",
    );
    neg(
        "signer_without_chain",
        copy.clone(),
        &bob,
        json!([links_json(&bob_links)]),
        "authentication/unknown_signer",
    );
    // A chain for Alice's user made up around another device key: a fork of the one the
    // mail binds.
    let impostor = DeviceSecret::from_seed(suite, alice_device.id(), &[0x97; 32]);
    let forged_alice = build_chain(
        suite,
        &alice.address,
        &impostor,
        &alice.puk(suite).expect("puk"),
        &[],
    );
    neg(
        "sender_chain_forked",
        copy.clone(),
        &bob,
        dir_with(&forged_alice),
        "chain/fork",
    );
    // The reader's view of Alice's chain ends before the tail the mail binds.
    neg(
        "sender_chain_behind",
        edit_header(&|h| {
            if let Some(t) = h.sender.chain.as_mut() {
                t.seq += 1;
            }
        }),
        &bob,
        v(),
        "chain/behind",
    );
    neg(
        "box_chain_tail_removed",
        edit(&|c| c.recipient_box.tail = None),
        &bob,
        v(),
        "malformed/field/chain_tail",
    );
    neg(
        "box_chain_tail_of_another_chain",
        edit(&|c| {
            if let Some(t) = c.recipient_box.tail.as_mut() {
                t.hash[0] ^= 1;
            }
        }),
        &bob,
        v(),
        "chain/fork",
    );
    neg(
        "not_a_recipient",
        copy.clone(),
        &carol,
        v(),
        "not_a_recipient",
    );
    neg(
        "box_kind_relabelled_bcc",
        edit(&|c| c.recipient_box.kind = 3),
        &bob,
        v(),
        "malformed/field/recipient_set",
    );
    neg(
        "box_kind_relabelled_sender",
        edit(&|c| c.recipient_box.kind = 0),
        &bob,
        v(),
        "malformed/field/box_length",
    );
    neg(
        "box_kind_unknown",
        edit(&|c| c.recipient_box.kind = 9),
        &bob,
        v(),
        "malformed/field/recipient_kind",
    );
    neg(
        "box_generation_zero",
        edit(&|c| c.recipient_box.generation = 0),
        &bob,
        v(),
        "malformed/field/generation",
    );
    neg(
        "box_generation_not_held",
        edit(&|c| c.recipient_box.generation += 1),
        &bob,
        v(),
        "not_a_recipient",
    );
    neg(
        "box_enc_wrong_length",
        edit(&|c| c.recipient_box.enc.0.push(0)),
        &bob,
        v(),
        "malformed/field/box_length",
    );
    neg(
        "box_ciphertext_flipped",
        edit(&|c| c.recipient_box.ciphertext.0[5] ^= 1),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    neg(
        "box_address_changed",
        edit(&|c| c.recipient_box.address = "bob2@example.com".into()),
        &bob,
        v(),
        "malformed/field/recipient_set",
    );
    neg(
        "sender_record_in_recipient_copy",
        edit(&|c| c.sender_record = Some(Bytes(vec![0; 96]))),
        &bob,
        v(),
        "malformed/field/recipient_set",
    );
    neg(
        "manifest_flipped",
        edit(&|c| {
            let n = c.manifest.0.len();
            c.manifest.0[n - 1] ^= 1;
        }),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    neg(
        "bcc_commitment_flipped",
        edit(&|c| c.bcc_commitment = Fixed([0; 32])),
        &bob,
        v(),
        "authentication/recipient_box",
    );
    cases.extend(mails::cases(
        suite,
        &mails::Parties {
            alice: &alice,
            bob: &bob,
            carol: &carol,
            dave: &dave,
        },
        &first.expect("the first mail"),
    ));
    // The sender's mailbox is escrowed (SPEC.md §11.2): every E2E reader's footer says so
    // (caution `sender_escrowed`). Drawn last, so the cases above keep their bytes.
    {
        let alice_links = alice.links(suite);
        let alice_chain = ChainState::verify(&alice_links).expect("alice's chain");
        let admin =
            DeviceSecret::from_seed(suite, DeviceId::new(draw(&mut rng)), &draw::<32>(&mut rng));
        let ea_user = UserId::new(draw(&mut rng));
        let ea_puk = PukSecret::derive(suite, ea_user, 1, PukSeed::from_bytes(draw(&mut rng)))
            .expect("EA PUK");
        let ea_links = build_chain(suite, "admins@example.com", &admin, &ea_puk, &[]);
        let ea_chain = ChainState::verify(&ea_links).expect("EA chain");
        let escrow_device =
            DeviceSecret::from_seed(suite, DeviceId::new(draw(&mut rng)), &draw::<32>(&mut rng));
        let ctx = EscrowContext {
            account: Fixed(draw(&mut rng)),
            domain: AccountDomain::Custom("example.com"),
            member: UserId::new(alice.user),
            member_address: &alice.address,
            ea_chain: &ea_chain,
        };
        let terms = enrollment_terms(&ctx, admin.public()).expect("terms");
        let device = alice.device(suite);
        let mut draft = alice_chain
            .propose_escrow_device(
                device.id(),
                escrow_device.public(),
                terms,
                None,
                1_764_374_400,
            )
            .expect("escrow link");
        for d in [&device, &escrow_device, &admin] {
            draft.sign(d).expect("sign");
        }
        let mut links = alice_links;
        links.push(draft.finish().expect("link"));
        let mut escrowed = alice.to_json(suite);
        escrowed["chain"] = links_json(&links);
        let mut bob_to = bob.to_json(suite);
        bob_to["kind"] = json!("to");
        let inputs = json!({
            "sender": escrowed, "recipients": [bob_to], "message_id": "<escrowed-sender@example.com>",
            "timestamp": 1_764_374_400u64, "bcc_text": "",
            "pieces": [hex(b"Hello from an escrowed mailbox")],
            "randomness": mail_randomness(suite, 1, 2, &mut rng),
        });
        let mail = seal_case(suite, &inputs).expect("seal vector");
        let expected = expected_mail(suite, &inputs, &mail, &[&alice, &bob]);
        cases.push(json!({ "name": "mail_from_an_escrowed_sender", "inputs": inputs, "expected": expected }));
    }
    cases
}

/// The `expected` object of a positive mail case: the envelope, pieces, copies, and what each
/// party's opening gives (kind, sender status, footer and its reasons, BCC, plaintext hashes).
fn expected_mail(suite: Suite, inputs: &Value, mail: &Mail, parties: &[&Party]) -> Value {
    let copies = split_envelope(&mail.envelope).expect("split");
    let chains = directory(suite, inputs).expect("chains");
    let opened: Vec<Value> = copies
        .iter()
        .map(|c| {
            let who = parties.iter().find(|p| p.user == *c.user.as_bytes()).expect("party");
            let o = open_as(suite, inputs, who, &c.copy, &chains).expect("open");
            let footer = classify(&o, true);
            json!({
                "user": hex(c.user.as_bytes()),
                "kind": kind_name(o.recipient_kind()),
                "sender_status": o.sender_status().code(),
                "footer": footer.footer.code(),
                "footer_reasons": footer.reasons.iter().map(|r| r.code()).collect::<Vec<_>>(),
                "cautions": footer.cautions.iter().map(|c| c.code()).collect::<Vec<_>>(),
                "bcc": o.sent_record().map(|s| s.bcc.clone()),
                "piece_sha256": mail.pieces.iter().enumerate().map(|(i, ct)| hex(&Sha256::digest(o.open_piece(i, ct).expect("piece")))).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut expected = json!({
        "envelope": hex(&mail.envelope),
        "pieces": mail.pieces.iter().map(|p| hex(p)).collect::<Vec<_>>(),
        "copies": copies.iter().map(|c| json!({ "user": hex(c.user.as_bytes()), "kind": kind_name(c.kind), "copy": hex(&c.copy) })).collect::<Vec<_>>(),
        "opened": opened,
    });
    if suite == Suite::XWing && !mail.trace.is_empty() {
        expected["xwing_boxes"] = Value::Array(xwing_boxes(inputs, mail).expect("X-Wing boxes"));
    }
    expected
}

/// SPEC.md §5.5 for every HPKE box of an X-Wing mail: the recipient's key, the box's `eseed`
/// (its entry of `box_randomness`), every intermediate of the encapsulation and the key
/// schedule, computed by the independent implementation in `xwing.rs`, and the box's `aad`
/// (its recipient digest, SPEC.md §6.3) from the sealer's trace.
fn xwing_boxes(inputs: &Value, mail: &Mail) -> Result<Vec<Value>, String> {
    let traced = |name: &str| {
        mail.trace
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let envelope = Envelope::parse(&mail.envelope).map_err(|e| class(&e))?;
    let randomness = list_of(field(inputs, "randomness")?, "box_randomness")?;
    let mut out = Vec::new();
    for (i, b) in envelope.boxes.iter().enumerate() {
        let Some(aad) = traced(&format!("box[{i}].hpke_aad")) else {
            continue; // the sender's own box is symmetric
        };
        let eseed = bytes_value(randomness.get(i).ok_or("box randomness missing")?)?;
        let key = box_public_key(inputs, b.user.as_bytes())?;
        let mut v = crate::xwing::encap_intermediates(&key, &eseed, &box_info())?;
        v["box"] = json!(i);
        v["aad"] = json!(hex(&aad));
        out.push(v);
    }
    Ok(out)
}

/// `"mailseal v1 recipient box" || suite_id` of the X-Wing suite (SPEC.md §6.4).
fn box_info() -> Vec<u8> {
    [
        &b"mailseal v1 recipient box"[..],
        &Suite::XWing.id().to_be_bytes(),
    ]
    .concat()
}

/// The mail key of the party (recipient or server) whose user id is `user`.
fn box_public_key(inputs: &Value, user: &[u8; 16]) -> Result<Vec<u8>, String> {
    let mut parties = list_of(inputs, "recipients")?.to_vec();
    if let Some(server) = inputs.get("server").filter(|v| !v.is_null()) {
        parties.push(server.clone());
    }
    for p in &parties {
        let party = Party::from_json(p)?;
        if party.user == *user {
            return Ok(party
                .puk(Suite::XWing)?
                .public()
                .mail_key
                .as_bytes()
                .to_vec());
        }
    }
    Err("a box for a user no party names".into())
}

/// Checks `xwing_boxes` against the envelope: each box's encapsulated key is the one the
/// independent derivation gives from its `eseed`, and its ciphertext opens with the
/// independent key schedule's key and nonce under its `aad` to a signed box plaintext.
fn verify_xwing_boxes(inputs: &Value, envelope: &[u8], expected: &Value) -> Check {
    let envelope = Envelope::parse(envelope).map_err(|e| class(&e))?;
    let randomness = list_of(field(inputs, "randomness")?, "box_randomness")?;
    for w in list_of(expected, "xwing_boxes")? {
        let i = usize::try_from(u64_of(w, "box")?).map_err(|e| e.to_string())?;
        let b = envelope
            .boxes
            .get(i)
            .ok_or("xwing_boxes names a box the envelope lacks")?;
        let eseed = bytes_value(randomness.get(i).ok_or("box randomness missing")?)?;
        let key = box_public_key(inputs, b.user.as_bytes())?;
        crate::xwing::check_encap_intermediates(&key, &eseed, &box_info(), &b.enc.0, w)?;
        let plaintext = crate::xwing::open_box(
            &bytes_of(w, "key")?,
            &bytes_of(w, "base_nonce")?,
            &bytes_of(w, "aad")?,
            &b.ciphertext.0,
        )?;
        if plaintext.len() != 451 || plaintext.first() != Some(&0x01) {
            return Err(format!("box {i} does not open to a signed box plaintext"));
        }
    }
    Ok(())
}

fn verify_mail(suite: Option<Suite>, case: &Value) -> Check {
    let suite = need_suite(suite)?;
    let inputs = field(case, "inputs")?;
    if case.get("expected_error").is_some() && inputs.get("copy").is_none() {
        // A refusal to seal: server sealing (`origin`) or the sender's device.
        let result = if inputs.get("origin").is_some() {
            inbound_attempt(suite, inputs)?
        } else {
            seal_attempt(suite, inputs, false)?
        };
        return expect_error(result, case);
    }
    if case.get("expected_error").is_some() {
        let mailbox = field(inputs, "mailbox")?;
        let own = party_chain(suite, mailbox)?;
        let puk = Party::from_json(mailbox)?.puk(suite)?;
        let chains = list_of(inputs, "chains")?
            .iter()
            .map(|links| {
                let list: Vec<Vec<u8>> = links
                    .as_array()
                    .ok_or("a chain is not a list")?
                    .iter()
                    .map(bytes_value)
                    .collect::<Result<_, _>>()?;
                ChainState::verify(&list).map_err(|e| class(&e))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let opened = open_copy(
            &bytes_of(inputs, "copy")?,
            &Mailbox::new(&own, [&puk]).without_key_transparency(),
            chains.as_slice(),
        );
        if let Some(piece) = inputs.get("piece") {
            // The copy opens; then this piece must not.
            let o = opened.map_err(|e| format!("the copy did not open: {}", class(&e)))?;
            let index = usize::try_from(u64_of(piece, "index")?).map_err(|e| e.to_string())?;
            return expect_error(o.open_piece(index, &bytes_of(piece, "ciphertext")?), case);
        }
        return expect_error(opened, case);
    }
    let expected = field(case, "expected")?;
    let mail = if inputs.get("origin").is_some() {
        inbound_case(suite, inputs)?
    } else {
        seal_case(suite, inputs)?
    };
    check_mail(suite, inputs, &mail, expected)
}

/// Compares a sealed mail with a positive case's `expected`: envelope, pieces, copies, and
/// what opening each copy gives.
fn check_mail(suite: Suite, inputs: &Value, mail: &Mail, expected: &Value) -> Check {
    check_hex(expected, "envelope", &mail.envelope)?;
    let want_pieces = list_of(expected, "pieces")?;
    if want_pieces.len() != mail.pieces.len() {
        return Err("piece count differs".into());
    }
    for (w, got) in want_pieces.iter().zip(&mail.pieces) {
        if bytes_value(w)? != *got {
            return Err("a piece ciphertext differs".into());
        }
    }
    let copies = split_envelope(&mail.envelope).map_err(|e| class(&e))?;
    let want_copies = list_of(expected, "copies")?;
    if want_copies.len() != copies.len() {
        return Err("copy count differs".into());
    }
    for (w, c) in want_copies.iter().zip(&copies) {
        check_hex(w, "user", c.user.as_bytes())?;
        check_str(w, "kind", kind_name(c.kind))?;
        check_hex(w, "copy", &c.copy)?;
    }
    if expected.get("xwing_boxes").is_some() {
        verify_xwing_boxes(inputs, &mail.envelope, expected)?;
    }
    let mut parties: Vec<Party> = Vec::new();
    if let Some(sender) = inputs.get("sender") {
        parties.push(Party::from_json(sender)?);
    }
    for r in list_of(inputs, "recipients")? {
        parties.push(Party::from_json(r)?);
    }
    if let Some(server) = inputs.get("server").filter(|v| !v.is_null()) {
        parties.push(Party::from_json(server)?);
    }
    let chains = directory(suite, inputs)?;
    for w in list_of(expected, "opened")? {
        let user = array_of::<16>(w, "user")?;
        let who = parties
            .iter()
            .find(|p| p.user == user)
            .ok_or("opened entry for an unknown user")?;
        let copy = copies
            .iter()
            .find(|c| c.user.as_bytes() == &user)
            .ok_or("no copy for an opened entry")?;
        let o = open_as(suite, inputs, who, &copy.copy, &chains).map_err(|e| class(&e))?;
        check_str(w, "kind", kind_name(o.recipient_kind()))?;
        check_str(w, "sender_status", o.sender_status().code())?;
        let c = classify(&o, true);
        check_str(w, "footer", c.footer.code())?;
        for (name, got) in [
            (
                "footer_reasons",
                c.reasons.iter().map(|r| r.code()).collect::<Vec<_>>(),
            ),
            ("cautions", c.cautions.iter().map(|c| c.code()).collect()),
        ] {
            let want: Vec<&str> = list_of(w, name)?.iter().filter_map(Value::as_str).collect();
            if want != got {
                return Err(format!("{name} differ: expected {want:?}, got {got:?}"));
            }
        }
        let bcc = o.sent_record().map(|s| s.bcc.clone());
        if w.get("bcc").and_then(Value::as_str).map(str::to_string) != bcc {
            return Err(format!("bcc differs: got {bcc:?}"));
        }
        for (i, h) in list_of(w, "piece_sha256")?.iter().enumerate() {
            let pt = o
                .open_piece(i, mail.pieces.get(i).ok_or("missing piece")?)
                .map_err(|e| class(&e))?;
            if hex(&Sha256::digest(&pt)) != h.as_str().unwrap_or("") {
                return Err(format!("piece {i} plaintext differs"));
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Seed wraps.

fn seed_wrap_cases(suite: Suite) -> Vec<Value> {
    let mut rng = XofRng::new(format!("seed wrap {}", suite.name()).as_bytes());
    let hpke_len = if suite == Suite::X25519 { 32 } else { 64 };
    let user: [u8; 16] = draw(&mut rng);
    let seed: [u8; 32] = draw(&mut rng);
    let (t_seed, t_id, a_seed, a_id): ([u8; 32], [u8; 16], [u8; 32], [u8; 16]) = (
        draw(&mut rng),
        draw(&mut rng),
        draw(&mut rng),
        draw(&mut rng),
    );
    let mut randomness = vec![0u8; hpke_len];
    rng.fill_bytes(&mut randomness);
    let mut inputs = json!({
        "user": hex(&user), "puk_seed": hex(&seed), "generation": 3,
        "target_device_seed": hex(&t_seed), "target_device_id": hex(&t_id),
        "approver_device_seed": hex(&a_seed), "approver_device_id": hex(&a_id),
        "hpke_randomness": hex(&randomness),
    });
    // The user's chain: the approver's root, rotations up to generation 3, the target added.
    let approver = DeviceSecret::from_seed(suite, DeviceId::new(a_id), &a_seed);
    let target = DeviceSecret::from_seed(suite, DeviceId::new(t_id), &t_seed);
    let puk =
        PukSecret::derive(suite, UserId::new(user), 3, PukSeed::from_bytes(seed)).expect("puk");
    let links = build_chain(suite, "user@example.com", &approver, &puk, &[&target]);
    inputs["chain"] = links_json(&links);
    let wrap = make_seed_wrap(suite, &inputs).expect("wrap");
    let mut cases = vec![
        json!({ "name": "seed_wrap_generation_3", "inputs": inputs, "expected": { "wrap": hex(&wrap) } }),
    ];
    let w: SeedWrap = ciborium::from_reader(&wrap[..]).expect("wrap");
    let mut neg = |name: &str, bytes: Vec<u8>, err: &str| {
        let mut i = inputs.clone();
        i["wrap"] = json!(hex(&bytes));
        cases.push(json!({ "name": name, "inputs": i, "expected_error": err }));
    };
    let mut x = w.clone();
    x.signature.0[0] ^= 1;
    neg(
        "seed_wrap_signature_flipped",
        enc_any(&x),
        "authentication/signature",
    );
    let mut x = w.clone();
    x.ciphertext.0[0] ^= 1;
    neg(
        "seed_wrap_ciphertext_flipped",
        enc_any(&x),
        "authentication/signature",
    );
    // Generation 2 is in the chain: the wrap names another generation, so the context differs.
    let mut x = w.clone();
    x.generation = 2;
    neg(
        "seed_wrap_replayed_other_generation",
        enc_any(&x),
        "authentication/signature",
    );
    // Generation 4 is not in the chain at all.
    let mut x = w.clone();
    x.generation = 4;
    neg(
        "seed_wrap_generation_not_in_chain",
        enc_any(&x),
        "authentication/wrap",
    );
    let mut x = w.clone();
    x.target = DeviceId::new([0x11; 16]);
    neg(
        "seed_wrap_replayed_other_device",
        enc_any(&x),
        "not_a_recipient",
    );
    let mut x = w.clone();
    x.user = UserId::new([0x22; 16]);
    neg("seed_wrap_for_another_user", enc_any(&x), "not_a_recipient");
    // An approver of another user, and one the chain does not list.
    let mut x = w.clone();
    x.approver_user = UserId::new([0x22; 16]);
    neg(
        "seed_wrap_approver_of_another_user",
        enc_any(&x),
        "authentication/unknown_signer",
    );
    let mut x = w.clone();
    x.approver_device = DeviceId::new([0x33; 16]);
    neg(
        "seed_wrap_approver_not_in_chain",
        enc_any(&x),
        "authentication/unknown_signer",
    );
    let mut x = w.clone();
    x.puk_fingerprint.0[0] ^= 1;
    neg(
        "seed_wrap_fingerprint_changed",
        enc_any(&x),
        "authentication/signature",
    );
    // The approver hands over a seed of its own choosing as "generation 3".
    let chosen = PukSecret::derive(suite, UserId::new(user), 3, PukSeed::from_bytes([0x5e; 32]))
        .expect("puk");
    let mut tape = TapeRng::new(randomness.clone());
    let not_the_chains = wrap_seed(
        &chosen,
        UserId::new(user),
        target.public(),
        &approver,
        &mut tape,
    )
    .expect("wrap");
    neg(
        "seed_wrap_seed_not_the_chains",
        not_the_chains,
        "authentication/wrap",
    );
    cases.extend(seedwraps::cases(suite, &inputs));
    cases
}

pub fn enc_any<T: serde::Serialize>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("encode");
    out
}

pub fn make_seed_wrap(suite: Suite, i: &Value) -> Result<Vec<u8>, String> {
    let user = UserId::new(array_of(i, "user")?);
    let g = u32::try_from(u64_of(i, "generation")?).map_err(|e| e.to_string())?;
    let puk = PukSecret::derive(
        suite,
        user,
        g,
        PukSeed::from_bytes(array_of(i, "puk_seed")?),
    )
    .map_err(|e| class(&e))?;
    let target = DeviceSecret::from_seed(
        suite,
        DeviceId::new(array_of(i, "target_device_id")?),
        &array_of(i, "target_device_seed")?,
    );
    let approver = DeviceSecret::from_seed(
        suite,
        DeviceId::new(array_of(i, "approver_device_id")?),
        &array_of(i, "approver_device_seed")?,
    );
    let mut rng = TapeRng::new(bytes_of(i, "hpke_randomness")?);
    let wrap =
        wrap_seed(&puk, user, target.public(), &approver, &mut rng).map_err(|e| class(&e))?;
    if rng.overrun() || rng.remaining() != 0 {
        return Err("hpke_randomness has the wrong length".into());
    }
    Ok(wrap)
}

fn verify_seed_wrap(suite: Option<Suite>, case: &Value) -> Check {
    let suite = need_suite(suite)?;
    let i = field(case, "inputs")?;
    if i.get("kind").is_some() {
        return seedwraps::verify(suite, case);
    }
    let target = DeviceSecret::from_seed(
        suite,
        DeviceId::new(array_of(i, "target_device_id")?),
        &array_of(i, "target_device_seed")?,
    );
    let chain = chain_of(i, "chain")?;
    if case.get("expected_error").is_some() {
        return expect_error(
            open_seed_wrap(&bytes_of(i, "wrap")?, &target, &chain, None),
            case,
        );
    }
    let wrap = make_seed_wrap(suite, i)?;
    check_hex(field(case, "expected")?, "wrap", &wrap)?;
    let opened = open_seed_wrap(&wrap, &target, &chain, None).map_err(|e| class(&e))?;
    if opened.puk.seed().expose_secret() != &array_of::<32>(i, "puk_seed")? {
        return Err("the unwrapped seed differs".into());
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Escrow wraps and enrollment records.

fn escrow_inputs(suite: Suite, rng: &mut XofRng) -> Value {
    let hpke_len = if suite == Suite::X25519 { 32 } else { 64 };
    let mut randomness = vec![0u8; hpke_len];
    let mut v = json!({
        "account": hex(&draw::<16>(rng)), "domain": "example.com", "member": hex(&draw::<16>(rng)),
        "member_address": "member@example.com", "member_puk_seed": hex(&draw::<32>(rng)),
        "ea_group": hex(&draw::<16>(rng)), "ea_puk_seed": hex(&draw::<32>(rng)), "ea_generation": 2,
        "ea_device_seed": hex(&draw::<32>(rng)), "ea_device_id": hex(&draw::<16>(rng)),
        "escrow_device_seed": hex(&draw::<32>(rng)), "escrow_device_id": hex(&draw::<16>(rng)),
        "member_device_seed": hex(&draw::<32>(rng)), "member_device_id": hex(&draw::<16>(rng)),
        "hpke_randomness": "",
    });
    rng.fill_bytes(&mut randomness);
    v["hpke_randomness"] = json!(hex(&randomness));
    v
}

struct EscrowWorld {
    ea_puk: PukSecret,
    ea_device: DeviceSecret,
    escrow: DeviceSecret,
    member_device: DeviceSecret,
    member_puk: PukSecret,
    member: UserId,
    account: [u8; 16],
}

fn escrow_world(suite: Suite, i: &Value) -> Result<EscrowWorld, String> {
    let ea = UserId::new(array_of(i, "ea_group")?);
    let member = UserId::new(array_of(i, "member")?);
    let g = u32::try_from(u64_of(i, "ea_generation")?).map_err(|e| e.to_string())?;
    let device = |id: &str, seed: &str| -> Result<DeviceSecret, String> {
        Ok(DeviceSecret::from_seed(
            suite,
            DeviceId::new(array_of(i, id)?),
            &array_of(i, seed)?,
        ))
    };
    Ok(EscrowWorld {
        ea_puk: PukSecret::derive(
            suite,
            ea,
            g,
            PukSeed::from_bytes(array_of(i, "ea_puk_seed")?),
        )
        .map_err(|e| class(&e))?,
        ea_device: device("ea_device_id", "ea_device_seed")?,
        escrow: device("escrow_device_id", "escrow_device_seed")?,
        member_device: device("member_device_id", "member_device_seed")?,
        member_puk: PukSecret::derive(
            suite,
            member,
            1,
            PukSeed::from_bytes(array_of(i, "member_puk_seed")?),
        )
        .map_err(|e| class(&e))?,
        member,
        account: array_of(i, "account")?,
    })
}

fn escrow_context<'a>(
    w: &'a EscrowWorld,
    i: &'a Value,
    ea_chain: &'a ChainState,
) -> Result<EscrowContext<'a>, String> {
    Ok(EscrowContext {
        account: Fixed(w.account),
        domain: AccountDomain::Custom(str_of(i, "domain")?),
        member: w.member,
        member_address: str_of(i, "member_address")?,
        ea_chain,
    })
}

/// A chain's links, each as encoded.
type Links = Vec<Vec<u8>>;

/// The administrators' chain (their device's root, rotations to `ea_generation`) and the
/// member's (its device's root, then the escrow device the administrator co-signs).
fn escrow_chains(suite: Suite, i: &Value) -> Result<(Links, Links), String> {
    let w = escrow_world(suite, i)?;
    let ea_links = build_chain(suite, "admins@example.com", &w.ea_device, &w.ea_puk, &[]);
    let ea_chain = ChainState::verify(&ea_links).map_err(|e| class(&e))?;
    let mut member_links = build_chain(
        suite,
        str_of(i, "member_address")?,
        &w.member_device,
        &w.member_puk,
        &[],
    );
    let member_chain = ChainState::verify(&member_links).map_err(|e| class(&e))?;
    let ctx = escrow_context(&w, i, &ea_chain)?;
    let terms = enrollment_terms(&ctx, w.ea_device.public()).map_err(|e| class(&e))?;
    let draft = member_chain
        .propose_escrow_device(
            w.member_device.id(),
            w.escrow.public(),
            terms,
            None,
            crate::chains::LINK_TIME,
        )
        .map_err(|e| class(&e))?;
    member_links.push(crate::chains::signed(
        draft,
        &[&w.member_device, &w.escrow, &w.ea_device],
    ));
    Ok((ea_links, member_links))
}

fn escrow_wrap_of(suite: Suite, i: &Value) -> Result<Vec<u8>, String> {
    let w = escrow_world(suite, i)?;
    let ea_chain = chain_of(i, "ea_chain")?;
    let ctx = escrow_context(&w, i, &ea_chain)?;
    let mut rng = TapeRng::new(bytes_of(i, "hpke_randomness")?);
    let wrap =
        wrap_escrow_device(&ctx, &w.escrow, &w.member_device, &mut rng).map_err(|e| class(&e))?;
    if rng.overrun() || rng.remaining() != 0 {
        return Err("hpke_randomness has the wrong length".into());
    }
    Ok(wrap)
}

fn escrow_cases(suite: Suite) -> Vec<Value> {
    let mut rng = XofRng::new(format!("escrow {}", suite.name()).as_bytes());
    let mut inputs = escrow_inputs(suite, &mut rng);
    let (ea_links, member_links) = escrow_chains(suite, &inputs).expect("chains");
    inputs["ea_chain"] = links_json(&ea_links);
    inputs["member_chain"] = links_json(&member_links);
    let wrap = escrow_wrap_of(suite, &inputs).expect("escrow");
    let mut cases = vec![
        json!({ "name": "escrow_wrap", "inputs": inputs, "expected": { "escrow_wrap": hex(&wrap) } }),
    ];
    let w: EscrowWrap = ciborium::from_reader(&wrap[..]).expect("wrap");
    let mut neg = |name: &str, bytes: Vec<u8>, member_chain: Option<&[Vec<u8>]>, err: &str| {
        let mut i = inputs.clone();
        i["open_escrow_wrap"] = json!(hex(&bytes));
        if let Some(links) = member_chain {
            i["member_chain"] = links_json(links);
        }
        cases.push(json!({ "name": name, "inputs": i, "expected_error": err }));
    };
    let mut x = w.clone();
    x.signature.0[1] ^= 1;
    neg(
        "escrow_wrap_signature_flipped",
        enc_any(&x),
        None,
        "authentication/signature",
    );
    let mut x = w.clone();
    x.member = UserId::new([0x44; 16]);
    neg(
        "escrow_wrap_member_changed",
        enc_any(&x),
        None,
        "authentication/unknown_signer",
    );
    let mut x = w.clone();
    x.ea_generation += 1;
    neg(
        "escrow_wrap_other_ea_generation",
        enc_any(&x),
        None,
        "not_a_recipient",
    );
    let mut x = w.clone();
    x.account.0[0] ^= 1;
    neg(
        "escrow_wrap_account_changed",
        enc_any(&x),
        None,
        "authentication/signature",
    );
    let mut x = w.clone();
    x.escrow_encryption_fingerprint.0[0] ^= 1;
    neg(
        "escrow_wrap_device_fingerprint_changed",
        enc_any(&x),
        None,
        "authentication/signature",
    );
    // The member's chain as it was before the escrow device was enrolled.
    neg(
        "escrow_wrap_device_not_enrolled",
        wrap.clone(),
        Some(&member_links[..1]),
        "authentication/wrap",
    );
    // The signature with a non-canonical S (SPEC.md §5.1: verify_strict), a ciphertext of
    // the wrong length, an escrow device key of small order, another suite, one byte over
    // the limit.
    let mut x = w.clone();
    x.signature.0 = forge::non_canonical_s(&w.signature.0);
    neg(
        "escrow_wrap_signature_s_not_canonical",
        enc_any(&x),
        None,
        "authentication/signature",
    );
    let mut x = w.clone();
    x.ciphertext.0.pop();
    neg(
        "escrow_wrap_ciphertext_47_bytes",
        enc_any(&x),
        None,
        "malformed/field/box_length",
    );
    let mut x = w.clone();
    x.escrow_verifying_key.0 = [0; 32];
    x.escrow_verifying_key.0[0] = 1;
    neg(
        "escrow_wrap_device_key_small_order",
        enc_any(&x),
        None,
        "malformed/public_key",
    );
    let mut x = w.clone();
    x.suite = 0x7777;
    neg(
        "escrow_wrap_unknown_suite",
        enc_any(&x),
        None,
        "unsupported/suite",
    );
    neg(
        "escrow_wrap_8193_bytes",
        Vec::new(),
        None,
        "limit_exceeded/wrap_size",
    );
    if let Some(c) = cases.last_mut() {
        c["inputs"]["open_escrow_wrap"] =
            notation::fill(&[0], mailseal::account::escrow::MAX_ESCROW_RECORD_LEN + 1);
    }

    // The custom-domain rule (SPEC.md §8.1), where the terms of the member's escrow link are
    // made: `enroll` states the domain as the caller knows it and who co-signs.
    let mut enroll = |name: &str, e: Value, err: Option<&str>| {
        let mut i = inputs.clone();
        i["enroll"] = e;
        let mut case = json!({ "name": name, "inputs": i });
        match err {
            Some(err) => case["expected_error"] = json!(err),
            None => case["expected"] = enrollment(suite, &case["inputs"]).expect("enrollment"),
        }
        cases.push(case);
    };
    let custom = |domain: &str, address: &str| json!({ "domain": domain, "custom": true, "member_address": address, "cosigner": "ea_device" });
    enroll(
        "escrow_enrollment_terms",
        custom("example.com", "member@example.com"),
        None,
    );
    enroll(
        "escrow_enrollment_domain_case_ignored",
        custom("Example.COM", "MEMBER@example.com"),
        None,
    );
    enroll(
        "escrow_on_shared_domain",
        json!({ "domain": "example.com", "custom": false, "member_address": "member@example.com", "cosigner": "ea_device" }),
        Some("misuse/escrow_needs_custom_domain"),
    );
    enroll(
        "escrow_member_not_on_domain",
        custom("example.com", "member@elsewhere.example"),
        Some("misuse/escrow_needs_custom_domain"),
    );
    enroll(
        "escrow_member_on_subdomain",
        custom("example.com", "member@mail.example.com"),
        Some("misuse/escrow_needs_custom_domain"),
    );
    enroll(
        "escrow_domain_malformed",
        custom("example com", "member@example com"),
        Some("malformed/field/domain"),
    );
    enroll(
        "escrow_domain_254_bytes",
        custom(
            &format!("{}.com", "a".repeat(250)),
            &format!("m@{}.com", "a".repeat(250)),
        ),
        Some("malformed/field/domain"),
    );
    enroll(
        "escrow_cosigner_not_an_administrator",
        json!({ "domain": "example.com", "custom": true, "member_address": "member@example.com", "cosigner": "member_device" }),
        Some("authentication/unknown_signer"),
    );
    // Wrapping the escrow device under a shared domain is refused too.
    let mut i = inputs.clone();
    i["wrap_domain"] = json!({ "domain": "example.com", "custom": false });
    cases.push(json!({ "name": "escrow_wrap_on_shared_domain", "inputs": i, "expected_error": "misuse/escrow_needs_custom_domain" }));
    cases
}

/// The terms a member's escrow link records, as `enroll` asks for them (SPEC.md §8.1,
/// §12.3), made against the administrators' chain.
fn enrollment(suite: Suite, i: &Value) -> Result<Value, String> {
    enrollment_terms_of(suite, i)?
        .map(|t| {
            json!({
                "account": hex(&t.account),
                "domain": t.domain,
                "ea_group": hex(t.ea_group.as_bytes()),
                "ea_generation": t.ea_generation,
                "ea_key_fingerprint": hex(&t.ea_key_fingerprint),
                "ea_chain": { "seq": t.ea_chain.seq, "hash": hex(&t.ea_chain.hash) },
                "ea_device": hex(t.ea_device.as_bytes()),
                "ea_device_key": hex(&t.ea_device_key.to_bytes()),
            })
        })
        .map_err(|e| class(&e))
}

fn enrollment_terms_of(
    suite: Suite,
    i: &Value,
) -> Result<Result<mailseal::identity::EscrowTerms, Error>, String> {
    let w = escrow_world(suite, i)?;
    let e = field(i, "enroll")?;
    let domain = str_of(e, "domain")?;
    let custom = field(e, "custom")?
        .as_bool()
        .ok_or("`custom` is not a bool")?;
    let ea_chain = chain_of(i, "ea_chain")?;
    let ctx = EscrowContext {
        account: Fixed(w.account),
        domain: if custom {
            AccountDomain::Custom(domain)
        } else {
            AccountDomain::Shared(domain)
        },
        member: w.member,
        member_address: str_of(e, "member_address")?,
        ea_chain: &ea_chain,
    };
    let cosigner = match str_of(e, "cosigner")? {
        "ea_device" => &w.ea_device,
        "member_device" => &w.member_device,
        other => return Err(format!("unknown cosigner {other}")),
    };
    Ok(enrollment_terms(&ctx, cosigner.public()))
}

fn verify_escrow(suite: Option<Suite>, case: &Value) -> Check {
    let suite = need_suite(suite)?;
    let i = field(case, "inputs")?;
    let w = escrow_world(suite, i)?;
    if i.get("enroll").is_some() {
        if case.get("expected_error").is_some() {
            return expect_error(enrollment_terms_of(suite, i)?, case);
        }
        let got = enrollment(suite, i)?;
        if &got != field(case, "expected")? {
            return Err(format!("terms differ: got {got}"));
        }
        return Ok(());
    }
    if let Some(d) = i.get("wrap_domain") {
        let domain = str_of(d, "domain")?;
        let ea_chain = chain_of(i, "ea_chain")?;
        let mut ctx = escrow_context(&w, i, &ea_chain)?;
        if !field(d, "custom")?
            .as_bool()
            .ok_or("`custom` is not a bool")?
        {
            ctx.domain = AccountDomain::Shared(domain);
        }
        let mut rng = TapeRng::new(bytes_of(i, "hpke_randomness")?);
        return expect_error(
            wrap_escrow_device(&ctx, &w.escrow, &w.member_device, &mut rng),
            case,
        );
    }
    let member_chain = chain_of(i, "member_chain")?;
    if case.get("expected_error").is_some() {
        return expect_error(
            open_escrow_wrap(
                &bytes_of(i, "open_escrow_wrap")?,
                std::slice::from_ref(&w.ea_puk),
                &member_chain,
            ),
            case,
        );
    }
    let ea_chain = chain_of(i, "ea_chain")?;
    let (ea_links, member_links) = escrow_chains(suite, i)?;
    if links_of(i, "ea_chain")? != ea_links || links_of(i, "member_chain")? != member_links {
        return Err("the chains differ from the ones the inputs make".into());
    }
    member_chain
        .escrow()
        .ok_or("the member's chain has escrow off")?
        .check_administrators(&ea_chain)
        .map_err(|e| class(&e))?;
    let wrap = escrow_wrap_of(suite, i)?;
    check_hex(field(case, "expected")?, "escrow_wrap", &wrap)?;
    let unlocked = open_escrow_wrap(&wrap, std::slice::from_ref(&w.ea_puk), &member_chain)
        .map_err(|e| class(&e))?;
    if unlocked.public() != w.escrow.public() {
        return Err("the escrow device did not unwrap".into());
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// User data.

fn user_data_cases(suite: Suite) -> Vec<Value> {
    let mut rng = XofRng::new(format!("user data {}", suite.name()).as_bytes());
    let user: [u8; 16] = draw(&mut rng);
    let seed: [u8; 32] = draw(&mut rng);
    let mut cases = Vec::new();
    let mut first = None;
    for (name, t, mid, ver, pt) in [
        (
            "label_on_message",
            "label",
            Some("<m1@example.com>"),
            Some(3u64),
            &b"Projects/Q3"[..],
        ),
        ("folder_name", "folder", None, None, &b"Receipts"[..]),
    ] {
        let nonce: [u8; 32] = draw(&mut rng);
        let inputs = json!({ "user": hex(&user), "puk_seed": hex(&seed), "generation": 1, "type": t, "message_id": mid, "version": ver, "plaintext": hex(pt), "nonce": hex(&nonce) });
        let blob = make_user_data(suite, &inputs).expect("blob");
        if first.is_none() {
            first = Some((inputs.clone(), blob.clone()));
        }
        cases.push(json!({ "name": name, "inputs": inputs, "expected": { "blob": hex(&blob) } }));
    }
    let (inputs, blob) = first.expect("first");
    let mut neg = |name: &str, patch: Value, err: &str| {
        let mut i = inputs.clone();
        i["blob"] = json!(hex(&blob));
        if let (Some(obj), Some(p)) = (i.as_object_mut(), patch.as_object()) {
            for (k, v) in p {
                obj.insert(k.clone(), v.clone());
            }
        }
        cases.push(json!({ "name": name, "inputs": i, "expected_error": err }));
    };
    neg(
        "user_data_moved_to_other_message",
        json!({ "message_id": "<m2@example.com>" }),
        "authentication/user_data",
    );
    neg(
        "user_data_other_type",
        json!({ "type": "folder" }),
        "authentication/user_data",
    );
    neg(
        "user_data_other_user",
        json!({ "open_as_user": hex(&[0x33; 16]) }),
        "authentication/user_data",
    );
    neg(
        "user_data_rollback",
        json!({ "min_version": 4 }),
        "authentication/rollback",
    );
    let mut flipped = blob.clone();
    let n = flipped.len();
    flipped[n - 3] ^= 1;
    neg(
        "user_data_ciphertext_flipped",
        json!({ "blob_override": hex(&flipped) }),
        "authentication/user_data",
    );
    // The blob's fields: another suite, a generation not held, one byte over the limit.
    let reencoded = |key: &str, value: ciborium::Value| {
        let mut v: ciborium::Value = ciborium::from_reader(&blob[..]).expect("blob");
        set(&mut v, key, value);
        hex(&enc(&v))
    };
    neg(
        "user_data_unknown_suite",
        json!({ "blob_override": reencoded("s", 0x7777.into()) }),
        "unsupported/suite",
    );
    neg(
        "user_data_generation_not_held",
        json!({ "blob_override": reencoded("g", 2.into()) }),
        "not_a_recipient",
    );
    neg(
        "user_data_blob_too_large",
        json!({ "blob_override": notation::fill(&[0], mailseal::account::userdata::MAX_USER_DATA_LEN + 1) }),
        "limit_exceeded/user_data_size",
    );
    // The expected binding is checked on opening as on sealing (SPEC.md §9).
    neg(
        "user_data_open_type_empty",
        json!({ "type": "" }),
        "malformed/field/user_data_type",
    );
    // Sealing refusals: `inputs` without a blob seal and must fail.
    let mut seal_neg = |name: &str, patch: Value, err: &str| {
        let mut i = inputs.clone();
        if let (Some(obj), Some(p)) = (i.as_object_mut(), patch.as_object()) {
            for (k, v) in p {
                obj.insert(k.clone(), v.clone());
            }
        }
        cases.push(json!({ "name": name, "inputs": i, "expected_error": err }));
    };
    seal_neg(
        "user_data_seal_type_empty",
        json!({ "type": "" }),
        "malformed/field/user_data_type",
    );
    seal_neg(
        "user_data_seal_type_65_bytes",
        json!({ "type": "t".repeat(65) }),
        "malformed/field/user_data_type",
    );
    seal_neg(
        "user_data_seal_type_control_character",
        json!({ "type": "label\u{7}" }),
        "malformed/field/user_data_type",
    );
    seal_neg(
        "user_data_seal_message_id_empty",
        json!({ "message_id": "" }),
        "malformed/field/message_id",
    );
    seal_neg(
        "user_data_seal_blob_over_1_mib",
        json!({ "plaintext": notation::fill(&[0x55], mailseal::account::userdata::MAX_USER_DATA_LEN) }),
        "limit_exceeded/user_data_size",
    );
    // Positive: the longest type label.
    let nonce: [u8; 32] = draw(&mut rng);
    let longest = json!({ "user": hex(&user), "puk_seed": hex(&seed), "generation": 1, "type": "t".repeat(64), "message_id": null, "version": null, "plaintext": hex(b"64-byte type"), "nonce": hex(&nonce) });
    let blob = make_user_data(suite, &longest).expect("blob");
    cases.push(json!({ "name": "user_data_type_64_bytes", "inputs": longest, "expected": { "blob": hex(&blob) } }));
    cases
}

fn make_user_data(suite: Suite, i: &Value) -> Result<Vec<u8>, String> {
    let user = UserId::new(array_of(i, "user")?);
    let puk = PukSecret::derive(
        suite,
        user,
        1,
        PukSeed::from_bytes(array_of(i, "puk_seed")?),
    )
    .map_err(|e| class(&e))?;
    let binding = UserDataBinding {
        data_type: str_of(i, "type")?,
        message_id: i.get("message_id").and_then(Value::as_str),
        version: i.get("version").and_then(Value::as_u64),
    };
    let mut rng = TapeRng::new(bytes_of(i, "nonce")?);
    seal_user_data(&puk, &binding, &bytes_of(i, "plaintext")?, &mut rng).map_err(|e| class(&e))
}

fn verify_user_data(suite: Option<Suite>, case: &Value) -> Check {
    let suite = need_suite(suite)?;
    let i = field(case, "inputs")?;
    let user = UserId::new(array_of(i, "user")?);
    let puk = PukSecret::derive(
        suite,
        user,
        1,
        PukSeed::from_bytes(array_of(i, "puk_seed")?),
    )
    .map_err(|e| class(&e))?;
    let binding = UserDataBinding {
        data_type: str_of(i, "type")?,
        message_id: i.get("message_id").and_then(Value::as_str),
        version: i.get("version").and_then(Value::as_u64),
    };
    if case.get("expected_error").is_some() && i.get("blob").is_none() {
        // A sealing refusal.
        return expect_error(
            seal_user_data(
                &puk,
                &binding,
                &bytes_of(i, "plaintext")?,
                &mut TapeRng::new(bytes_of(i, "nonce")?),
            ),
            case,
        );
    }
    if case.get("expected_error").is_some() {
        let blob = if i.get("blob_override").is_some() {
            bytes_of(i, "blob_override")?
        } else {
            bytes_of(i, "blob")?
        };
        let as_user = if i.get("open_as_user").is_some() {
            UserId::new(array_of(i, "open_as_user")?)
        } else {
            user
        };
        let min = i.get("min_version").and_then(Value::as_u64);
        return expect_error(
            open_user_data(&blob, &as_user, std::slice::from_ref(&puk), &binding, min),
            case,
        );
    }
    let blob = make_user_data(suite, i)?;
    check_hex(field(case, "expected")?, "blob", &blob)?;
    let pt = open_user_data(
        &blob,
        &user,
        std::slice::from_ref(&puk),
        &binding,
        binding.version,
    )
    .map_err(|e| class(&e))?;
    if pt != bytes_of(i, "plaintext")? {
        return Err("the plaintext differs".into());
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Recovery codes.

fn recovery_cases() -> Vec<Value> {
    let mut rng = XofRng::new(b"recovery codes");
    let mut cases = Vec::new();
    let mut texts = Vec::new();
    for n in 0..3 {
        let entropy: [u8; 16] = draw(&mut rng);
        let code = RecoveryCode::generate(&mut TapeRng::new(entropy.to_vec()));
        texts.push(code.expose_text().to_string());
        cases.push(json!({ "name": format!("code_{n}"), "inputs": { "entropy": hex(&entropy) }, "expected": { "text": code.expose_text() } }));
    }
    // Typed loosely: lower case, spaces for dashes, O for 0, I and L for 1 (SPEC.md §7.4).
    // The first code of the stream with a 0 and two 1s in it.
    let mut r = XofRng::new(b"recovery codes: typed");
    let (entropy, code) = loop {
        let entropy: [u8; 16] = draw(&mut r);
        let code = RecoveryCode::generate(&mut TapeRng::new(entropy.to_vec()));
        let t = code.expose_text();
        if t.contains('0') && t.matches('1').count() >= 2 {
            break (entropy, code);
        }
    };
    let mut ones = 0;
    let typed: String = code
        .expose_text()
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => {
                ones += 1;
                if ones == 1 { 'i' } else { 'L' }
            }
            '-' => ' ',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    cases.push(json!({ "name": "code_typed_loosely", "inputs": { "entropy": hex(&entropy), "typed": typed }, "expected": { "text": code.expose_text() } }));
    let t = texts[0].clone();
    let mut neg = |name: &str, text: String, err: &str| {
        cases.push(json!({ "name": name, "inputs": { "text": text }, "expected_error": err }))
    };
    let swap_char = |s: &str, i: usize| {
        let mut c: Vec<char> = s.chars().collect();
        c[i] = if c[i] == '7' { '8' } else { '7' };
        c.into_iter().collect::<String>()
    };
    neg(
        "recovery_code_typo_first_symbol",
        swap_char(&t, 0),
        "malformed/recovery_code/checksum",
    );
    neg(
        "recovery_code_typo_middle_symbol",
        swap_char(&t, 12),
        "malformed/recovery_code/checksum",
    );
    neg(
        "recovery_code_typo_check_symbol",
        swap_char(&t, t.len() - 1),
        "malformed/recovery_code/checksum",
    );
    neg(
        "recovery_code_too_short",
        t[..t.len() - 2].to_string(),
        "malformed/recovery_code/length",
    );
    neg(
        "recovery_code_bad_character",
        t.replacen(&t[..1], "U", 1),
        "malformed/recovery_code/character",
    );
    // A 29th symbol; a non-zero padding bit in symbol 26 with symbol 27 recomputed to match
    // (SPEC.md §7.4: one spelling per code), and symbol 28 still that of the same entropy.
    neg(
        "recovery_code_29_symbols",
        format!("{t}0"),
        "malformed/recovery_code/length",
    );
    neg(
        "recovery_code_character_before_29th_symbol",
        format!("{}U0", &t[..t.len() - 1]),
        "malformed/recovery_code/character",
    );
    neg(
        "recovery_code_padding_not_zero",
        with_padding_bit(&t),
        "malformed/recovery_code/checksum",
    );
    let mut transposed: Vec<char> = t.chars().collect();
    let (a, b) = (5usize, 6usize);
    if transposed[a] != transposed[b] {
        transposed.swap(a, b);
        neg(
            "recovery_code_adjacent_transposition",
            transposed.into_iter().collect(),
            "malformed/recovery_code/checksum",
        );
    }
    cases
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// SPEC.md §7.4's Luhn mod 32 check symbol over the 26 data symbols.
fn luhn32(data: &[u8]) -> u8 {
    let sum: u32 = data
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| {
            let v = u32::from(*v);
            if i % 2 == 0 {
                (2 * v) / 32 + (2 * v) % 32
            } else {
                v
            }
        })
        .sum();
    ((32 - sum % 32) % 32) as u8
}

/// `code` with the lowest padding bit of symbol 26 set and symbol 27 recomputed.
fn with_padding_bit(code: &str) -> String {
    let value = |c: char| {
        CROCKFORD
            .iter()
            .position(|x| char::from(*x) == c)
            .expect("symbol") as u8
    };
    let mut symbols: Vec<u8> = code.chars().filter(|c| *c != '-').map(value).collect();
    assert_eq!(
        luhn32(&symbols[..26]),
        symbols[26],
        "Luhn as SPEC.md §7.4 states it"
    );
    symbols[25] |= 1;
    symbols[26] = luhn32(&symbols[..26]);
    symbols
        .chunks(4)
        .map(|g| {
            g.iter()
                .map(|s| char::from(CROCKFORD[usize::from(*s)]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn verify_recovery(_: Option<Suite>, case: &Value) -> Check {
    let i = field(case, "inputs")?;
    if case.get("expected_error").is_some() {
        return expect_error(RecoveryCode::parse(str_of(i, "text")?), case);
    }
    let entropy = bytes_of(i, "entropy")?;
    if entropy.len() != 16 {
        return Err("entropy must be 16 bytes".into());
    }
    let code = RecoveryCode::generate(&mut TapeRng::new(entropy));
    check_str(field(case, "expected")?, "text", code.expose_text())?;
    let parsed = RecoveryCode::parse(&code.expose_text().to_lowercase()).map_err(|e| class(&e))?;
    if parsed.expose_text() != code.expose_text() {
        return Err("the code does not parse back".into());
    }
    if i.get("typed").is_some() {
        let typed = RecoveryCode::parse(str_of(i, "typed")?).map_err(|e| class(&e))?;
        if typed.expose_text() != code.expose_text() {
            return Err("the typed text reads as another code".into());
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Planner decision table.

fn planner_cases() -> Vec<Value> {
    // A sender with a key, an active device and the server's key.
    let ready = json!({ "has_key": true, "active_device": true, "has_server_key": true });
    let active = |a: &str| json!({ "address": a, "kind": "to", "entry": "active_user" });
    let rows = vec![
        (
            "all_active_users",
            ready.clone(),
            vec![
                active("bob@example.com"),
                json!({ "address": "carol@example.com", "kind": "bcc", "entry": "active_user" }),
            ],
            "personal",
        ),
        (
            "external_recipient",
            ready.clone(),
            vec![
                active("bob@example.com"),
                json!({ "address": "dan@elsewhere.example", "kind": "cc", "entry": "external" }),
            ],
            "personal",
        ),
        (
            "every_reason",
            ready.clone(),
            vec![
                json!({ "address": "dan@elsewhere.example", "kind": "to", "entry": "external" }),
                json!({ "address": "team@example.com", "kind": "to", "entry": "mailing_list" }),
                json!({ "address": "new@example.com", "kind": "cc", "entry": "pre_provisioned_user" }),
                json!({ "address": "crm@example.com", "kind": "to", "entry": "third_party_integration" }),
            ],
            "personal",
        ),
        (
            "calendar_notice",
            ready.clone(),
            vec![active("bob@example.com")],
            "calendar",
        ),
        (
            "system_mail",
            ready.clone(),
            vec![active("bob@example.com")],
            "system",
        ),
        (
            "all_devices_revoked",
            ready.clone(),
            vec![
                active("bob@example.com"),
                json!({ "address": "gone@example.com", "kind": "to", "entry": "all_devices_revoked" }),
            ],
            "personal",
        ),
        (
            "no_server_key_for_external",
            json!({ "has_key": true, "active_device": true, "has_server_key": false }),
            vec![json!({ "address": "dan@elsewhere.example", "kind": "to", "entry": "external" })],
            "personal",
        ),
        (
            "external_in_bcc",
            ready.clone(),
            vec![json!({ "address": "dan@elsewhere.example", "kind": "bcc", "entry": "external" })],
            "personal",
        ),
        (
            "sender_without_key",
            json!({ "has_key": false, "active_device": false, "has_server_key": true }),
            vec![active("bob@example.com")],
            "personal",
        ),
        (
            "sender_device_not_in_chain",
            json!({ "has_key": true, "active_device": false, "has_server_key": true }),
            vec![active("bob@example.com")],
            "personal",
        ),
        (
            "sender_must_rotate",
            json!({ "has_key": true, "active_device": true, "has_server_key": true, "must_rotate": true }),
            vec![active("bob@example.com")],
            "personal",
        ),
        (
            "escrowed_and_rotation_due_recipients",
            ready.clone(),
            vec![
                json!({ "address": "uma@example.com", "kind": "to", "entry": "escrowed_user" }),
                json!({ "address": "ray@example.com", "kind": "cc", "entry": "user_with_rotation_due" }),
            ],
            "personal",
        ),
        (
            "address_not_the_users",
            ready.clone(),
            vec![
                active("bob@example.com"),
                json!({ "address": "robert@example.com", "kind": "to", "entry": "active_user", "chain_address": "carol@example.com" }),
            ],
            "personal",
        ),
        // One user under two addresses: a mail has one box per user (SPEC.md §6.8, §11.1).
        (
            "recipient_twice",
            ready.clone(),
            vec![
                active("bob@example.com"),
                json!({ "address": "robert@example.com", "kind": "bcc", "entry": "active_user", "chain_address": "bob@example.com" }),
            ],
            "personal",
        ),
        ("no_recipients", ready.clone(), vec![], "personal"),
        (
            "every_refusal",
            json!({ "has_key": true, "active_device": true, "has_server_key": false, "must_rotate": true }),
            vec![
                json!({ "address": "robert@example.com", "kind": "to", "entry": "active_user", "chain_address": "bob@example.com" }),
                json!({ "address": "gone@example.com", "kind": "cc", "entry": "all_devices_revoked" }),
                json!({ "address": "dan@elsewhere.example", "kind": "bcc", "entry": "external" }),
            ],
            "personal",
        ),
    ];
    rows.into_iter()
        .map(|(name, sender, recipients, context)| {
            let inputs = json!({ "sender": sender, "recipients": recipients, "context": context });
            let (decision, reasons, notes) = run_planner(&inputs).expect("planner");
            json!({ "name": name, "inputs": inputs, "expected": { "decision": decision, "reasons": reasons, "notes": notes } })
        })
        .collect()
}

/// The chain a planner vector's directory entry stands for, from fixed seeds named after the
/// address: a one-device root, with a server revocation of that device
/// ("all_devices_revoked"), an escrow device ("escrowed_user"), or a second device revoked by the server
/// without a rotation ("user_with_rotation_due").
fn planner_chain(address: &str, entry: &str) -> Result<ChainState, String> {
    use mailseal::hazmat::TestUser;
    let suite = Suite::X25519;
    let mut rng = XofRng::new(format!("planner user {address}").as_bytes());
    let user = TestUser::generate(
        suite,
        UserId::new(draw(&mut rng)),
        address,
        DeviceId::new(draw(&mut rng)),
        &mut rng,
    )
    .map_err(|e| class(&e))?;
    let chain = user.chain.clone();
    let second = DeviceSecret::generate(suite, DeviceId::new(draw(&mut rng)), &mut rng);
    let err = |e: Error| class(&e);
    Ok(match entry {
        "active_user" => chain,
        "all_devices_revoked" => chain
            .extend(&[chain.server_revoke(user.device.id(), 2)])
            .map_err(err)?,
        "user_with_rotation_due" => {
            let d = chain
                .propose_add_device(user.device.id(), second.public(), None, 2)
                .map_err(err)?;
            let chain = chain
                .extend(&[crate::chains::signed(d, &[&user.device, &second])])
                .map_err(err)?;
            chain
                .extend(&[chain.server_revoke(second.id(), 3)])
                .map_err(err)?
        }
        "escrowed_user" => {
            let admins = TestUser::generate(
                suite,
                UserId::new([0xea; 16]),
                "admins@example.com",
                DeviceId::new([0xa1; 16]),
                &mut rng,
            )
            .map_err(err)?;
            let ctx = EscrowContext {
                account: Fixed([0xac; 16]),
                domain: AccountDomain::Custom("example.com"),
                member: user.id,
                member_address: address,
                ea_chain: &admins.chain,
            };
            let terms = enrollment_terms(&ctx, admins.device.public()).map_err(err)?;
            let d = chain
                .propose_escrow_device(user.device.id(), second.public(), terms, None, 2)
                .map_err(err)?;
            chain
                .extend(&[crate::chains::signed(
                    d,
                    &[&user.device, &second, &admins.device],
                )])
                .map_err(err)?
        }
        other => return Err(format!("unknown entry {other}")),
    })
}

fn run_planner(i: &Value) -> Result<(String, Vec<Value>, Vec<Value>), String> {
    use mailseal::hazmat::TestUser;
    let mut rng = XofRng::new(b"planner keys");
    let sender = TestUser::generate(
        Suite::X25519,
        UserId::new([1; 16]),
        "alice@example.com",
        DeviceId::new([1; 16]),
        &mut rng,
    )
    .map_err(|e| class(&e))?;
    let server = PukSecret::generate(Suite::X25519, UserId::new([2; 16]), 1, &mut rng)
        .map_err(|e| class(&e))?;
    let s = field(i, "sender")?;
    let flag =
        |k: &str| field(s, k).and_then(|v| v.as_bool().ok_or(format!("`{k}` is not a bool")));
    let must_rotate = s
        .get("must_rotate")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let rotating = if must_rotate {
        let second = DeviceSecret::generate(Suite::X25519, DeviceId::new([5; 16]), &mut rng);
        let d = sender
            .chain
            .propose_add_device(sender.device.id(), second.public(), None, 2)
            .map_err(|e| class(&e))?;
        let c = sender
            .chain
            .extend(&[crate::chains::signed(d, &[&sender.device, &second])])
            .map_err(|e| class(&e))?;
        Some(
            c.extend(&[c.server_revoke(second.id(), 3)])
                .map_err(|e| class(&e))?,
        )
    } else {
        None
    };
    let state = SenderState {
        chain: flag("has_key")?.then(|| rotating.as_ref().unwrap_or(&sender.chain)),
        device: if flag("active_device")? {
            sender.device.id()
        } else {
            DeviceId::new([0x77; 16])
        },
        server: flag("has_server_key")?
            .then(|| RecipientKey::server("server@example.com", server.public().clone())),
    };
    let entries = list_of(i, "recipients")?;
    let chains = entries
        .iter()
        .map(|r| {
            let entry = str_of(r, "entry")?;
            let user_entry = matches!(
                entry,
                "active_user" | "all_devices_revoked" | "escrowed_user" | "user_with_rotation_due"
            );
            // A user's chain is built for `chain_address` when the entry names one (a chain
            // that does not list the address the mail is sent to).
            let listed = match r.get("chain_address") {
                Some(_) => str_of(r, "chain_address")?,
                None => str_of(r, "address")?,
            };
            user_entry.then(|| planner_chain(listed, entry)).transpose()
        })
        .collect::<Result<Vec<_>, String>>()?;
    let recipients = entries
        .iter()
        .zip(&chains)
        .map(|(r, chain)| {
            let kind = match str_of(r, "kind")? {
                "to" => RecipientKind::To,
                "cc" => RecipientKind::Cc,
                "bcc" => RecipientKind::Bcc,
                other => return Err(format!("unknown kind {other}")),
            };
            let entry = match (str_of(r, "entry")?, chain) {
                (_, Some(c)) => DirectoryEntry::User(c),
                ("pre_provisioned_user", None) => {
                    DirectoryEntry::PreProvisionedUser(UserId::new([3; 16]))
                }
                ("external", None) => DirectoryEntry::External,
                ("mailing_list", None) => DirectoryEntry::MailingList,
                ("third_party_integration", None) => DirectoryEntry::ThirdPartyIntegration,
                (other, _) => return Err(format!("unknown entry {other}")),
            };
            Ok(PlannedRecipient {
                address: str_of(r, "address")?.to_string(),
                kind,
                entry,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let context = match str_of(i, "context")? {
        "personal" => MailContext::Personal,
        "system" => MailContext::System,
        "calendar" => MailContext::Calendar,
        other => return Err(format!("unknown context {other}")),
    };
    let reason = |code: &str, address: Option<&str>| match address {
        Some(a) => json!({ "code": code, "address": a }),
        None => json!({ "code": code }),
    };
    let note = |n: &PlanNote| match n {
        PlanNote::Escrowed { ea_group, .. } => json!({
            "code": n.code(),
            "address": n.address(),
            "ea_group": hex(ea_group.as_bytes()),
        }),
        _ => json!({ "code": n.code(), "address": n.address() }),
    };
    Ok(match plan(&state, &recipients, context) {
        Plan::E2e { notes, .. } => ("e2e".into(), vec![], notes.iter().map(note).collect()),
        Plan::NotE2e { reasons, notes, .. } => (
            "not_e2e".into(),
            reasons
                .iter()
                .map(|r| reason(r.code(), r.address()))
                .collect(),
            notes.iter().map(note).collect(),
        ),
        Plan::Refuse { reasons } => (
            "refuse".into(),
            reasons
                .iter()
                .map(|r| reason(r.code(), r.address()))
                .collect(),
            vec![],
        ),
        _ => return Err("a plan of an unknown kind".into()),
    })
}

fn verify_planner(_: Option<Suite>, case: &Value) -> Check {
    let (decision, reasons, notes) = run_planner(field(case, "inputs")?)?;
    let expected = field(case, "expected")?;
    check_str(expected, "decision", &decision)?;
    let want = list_of(expected, "reasons")?;
    if *want != reasons {
        return Err(format!(
            "reasons differ: expected {want:?}, got {reasons:?}"
        ));
    }
    let want_notes = list_of(expected, "notes")?;
    if *want_notes != notes {
        return Err(format!(
            "notes differ: expected {want_notes:?}, got {notes:?}"
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// SPEC.md appendix A: the worked example, generated from the shipped vector.

/// The text of SPEC.md appendix A: every input and intermediate value of the
/// `mail_worked_example` case of `mail-x25519.json`, in hex.
pub fn worked_example() -> Result<String, String> {
    let suite = Suite::X25519;
    let case = mail_cases(suite)
        .into_iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(WORKED_EXAMPLE))
        .ok_or("no worked example case")?;
    let inputs = field(&case, "inputs")?;
    let sender_v = field(inputs, "sender")?;
    let sender = Party::from_json(sender_v)?;
    let sender_puk = sender.puk(suite)?;
    let device = sender.device(suite);
    let sender_chain = party_chain(suite, sender_v)?;
    let bob_v = list_of(inputs, "recipients")?
        .first()
        .ok_or("no recipient")?;
    let bob = Party::from_json(bob_v)?;
    let bob_puk = bob.puk(suite)?;
    let bob_chain = party_chain(suite, bob_v)?;
    let r = field(inputs, "randomness")?;
    let (piece_tapes, tape) = mail_tapes(r)?;
    let body = unhex(
        list_of(inputs, "pieces")?
            .first()
            .and_then(Value::as_str)
            .ok_or("no body")?,
    )?;

    let mut out = String::new();
    let mut line = |name: &str, value: String| out.push_str(&format!("{name:<34} {value}\n"));
    line("suite", format!("{} (0x{:04x})", suite.name(), suite.id()));
    line("sender address", sender.address.clone());
    line("sender user id", hex(&sender.user));
    line(
        "sender PUK seed / generation",
        format!("{} / {}", hex(&sender.puk_seed), sender.generation),
    );
    line(
        "sender PUK symmetric key",
        hex(sender_puk.symmetric_key().expose_secret()),
    );
    line("sender device id", hex(device.id().as_bytes()));
    line(
        "sender device seed",
        hex(&array_of::<32>(sender_v, "device_seed")?),
    );
    line(
        "sender verifying key",
        hex(&device.public().verifying_key.to_bytes()),
    );
    line("sender chain tail seq", sender_chain.tail().seq.to_string());
    line("sender chain tail hash", hex(&sender_chain.tail().hash));
    line("recipient address", bob.address.clone());
    line("recipient user id", hex(&bob.user));
    line(
        "recipient PUK seed / generation",
        format!("{} / {}", hex(&bob.puk_seed), bob.generation),
    );
    line(
        "recipient mail public key",
        hex(bob_puk.public().mail_key.as_bytes()),
    );
    line("recipient chain tail seq", bob_chain.tail().seq.to_string());
    line("recipient chain tail hash", hex(&bob_chain.tail().hash));
    line(
        "message id / timestamp",
        format!(
            "{} / {}",
            str_of(inputs, "message_id")?,
            u64_of(inputs, "timestamp")?
        ),
    );
    line("body (plaintext)", hex(&body));
    if let Some(obj) = r.as_object() {
        for (name, value) in obj {
            let shown = match value {
                Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_string),
            };
            line(&format!("randomness.{name}"), shown);
        }
    }

    // The body piece: key schedule, ciphertext, digest.
    let piece_tape = piece_tapes.first().ok_or("no piece randomness")?;
    let key: [u8; 32] = piece_tape
        .get(..32)
        .and_then(|k| k.try_into().ok())
        .ok_or("piece key")?;
    let nonce: [u8; 32] = piece_tape
        .get(32..)
        .and_then(|k| k.try_into().ok())
        .ok_or("piece nonce")?;
    let okm = mailseal::hazmat::piece_okm(
        suite,
        Purpose::MailPiece,
        &PieceKey::from_bytes(key),
        &nonce,
    );
    line("body piece key", hex(&key));
    line("body piece nonce", hex(&nonce));
    line("body commitment", hex(&okm[..32]));
    line("body aes_key", hex(&okm[32..64]));
    line("body mac_key", hex(&okm[64..]));

    let identity = SenderIdentity {
        address: &sender.address,
        puk: &sender_puk,
        device: &device,
        chain: &sender_chain,
    };
    let mut sealer = MailSealer::new(
        suite,
        identity,
        str_of(inputs, "message_id")?,
        u64_of(inputs, "timestamp")?,
    )
    .map_err(|e| class(&e))?
    .to(RecipientKey::from_chain(bob.address.clone(), &bob_chain).map_err(|e| class(&e))?);
    let ct = sealer
        .add_piece(&body, &mut TapeRng::new(piece_tape.clone()))
        .map_err(|e| class(&e))?;
    line("body piece ciphertext", hex(&ct));
    line(
        "body piece digest",
        hex(&piece::digest(suite, Purpose::MailPiece, &ct)
            .map_err(|e| class(&e))?
            .0),
    );
    let (envelope, trace) =
        mailseal::hazmat::seal_traced(sealer, &mut TapeRng::new(tape)).map_err(|e| class(&e))?;
    for (name, value) in &trace {
        line(name, hex(value));
    }
    let expected = field(&case, "expected")?;
    check_hex(expected, "envelope", &envelope)?;
    for c in list_of(expected, "copies")? {
        line(
            &format!("copy for {}", str_of(c, "kind")?),
            str_of(c, "copy")?.to_string(),
        );
    }
    Ok(out)
}
