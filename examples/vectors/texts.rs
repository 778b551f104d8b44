//! Text forms (SPEC.md §5.6): ids, public key records, chain tails and security codes, each
//! read back from its text, and the spellings a reader must refuse.
//!
//! A case names its `kind` and gives `text`; a positive case expects the value (`cbor` of a
//! record, `id`, `seq` and `hash` of a tail, `digits` of a code) and the `canonical` text a
//! writer produces for it; a negative case expects an error class.

use mailseal::Suite;
use mailseal::hazmat::XofRng;
use mailseal::identity::{ChainTail, SecurityCode};
use mailseal::keys::{
    DEVICE_TEXT_PREFIX, DeviceId, DevicePublic, DeviceSecret, PUK_TEXT_PREFIX, PukPublic,
    PukSecret, PukSeed, UserId,
};
use serde_json::{Value, json};

use super::{Check, draw, expect_error};
use crate::json::*;

/// Every text-form case, both suites' records included.
pub fn cases() -> Vec<Value> {
    let mut cases = Vec::new();
    let mut rng = XofRng::new(b"text forms");
    let mut ok = |name: String, kind: &str, text: &str, expected: Value| {
        cases.push(
            json!({ "name": name, "inputs": { "kind": kind, "text": text }, "expected": expected }),
        );
    };

    // Records of each suite, and their canonical CBOR.
    let mut records = Vec::new();
    for suite in Suite::ALL {
        let device = DeviceSecret::from_seed(suite, DeviceId::new(draw(&mut rng)), &draw(&mut rng));
        let seed = PukSeed::from_bytes(draw(&mut rng));
        let puk = PukSecret::derive(suite, UserId::new(draw(&mut rng)), 2, seed).expect("puk");
        let (d, p) = (device.public().to_string(), puk.public().to_string());
        let short = suite.name().replace(['(', ')', ' '], "").to_lowercase();
        ok(
            format!("device_record_{short}"),
            "device",
            &d,
            json!({ "cbor": hex(&device.public().to_cbor()), "canonical": d }),
        );
        ok(
            format!("puk_record_{short}"),
            "puk",
            &p,
            json!({ "cbor": hex(&puk.public().to_cbor()), "canonical": p }),
        );
        records.push((d, p));
    }

    // Ids, tails, codes.
    let id: [u8; 16] = draw(&mut rng);
    let lower = hex(&id);
    ok(
        "user_id".into(),
        "user_id",
        &lower,
        json!({ "id": lower, "canonical": lower }),
    );
    ok(
        "device_id_upper_case".into(),
        "device_id",
        &lower.to_uppercase(),
        json!({ "id": lower, "canonical": lower }),
    );
    let hash: [u8; 32] = draw(&mut rng);
    let tail = ChainTail { seq: 1234, hash };
    ok(
        "chain_tail".into(),
        "tail",
        &tail.to_string(),
        json!({ "seq": 1234, "hash": hex(&hash), "canonical": tail.to_string() }),
    );
    let max = ChainTail {
        seq: u64::MAX,
        hash,
    };
    ok(
        "chain_tail_largest_seq".into(),
        "tail",
        &max.to_string(),
        json!({ "seq": u64::MAX, "hash": hex(&hash), "canonical": max.to_string() }),
    );
    let upper = format!("1234:{}", hex(&hash).to_uppercase());
    ok(
        "chain_tail_upper_case_hash".into(),
        "tail",
        &upper,
        json!({ "seq": 1234, "hash": hex(&hash), "canonical": tail.to_string() }),
    );
    let digits = "012345678901234567890123456789";
    let code: SecurityCode = digits.parse().expect("code");
    ok(
        "security_code".into(),
        "security_code",
        &code.to_string(),
        json!({ "digits": digits, "canonical": code.to_string() }),
    );
    ok(
        "security_code_without_spaces".into(),
        "security_code",
        digits,
        json!({ "digits": digits, "canonical": code.to_string() }),
    );
    ok(
        "security_code_spaced_unevenly".into(),
        "security_code",
        " 0123 456789012345678901234567 89 ",
        json!({ "digits": digits, "canonical": code.to_string() }),
    );

    // What readers refuse.
    let mut neg = |name: &str, kind: &str, text: &str, err: &str| {
        cases.push(json!({ "name": name, "inputs": { "kind": kind, "text": text }, "expected_error": err }));
    };
    let (d, p) = records.first().cloned().expect("a suite");
    let text_form = "malformed/field/text_form";
    neg("device_record_read_as_puk", "puk", &d, text_form);
    neg(
        "record_prefix_upper_case",
        "device",
        &d.replacen("mailseal:device:", "MAILSEAL:DEVICE:", 1),
        text_form,
    );
    neg(
        "record_no_prefix",
        "puk",
        &p[PUK_TEXT_PREFIX.len()..],
        text_form,
    );
    neg("record_padded", "puk", &format!("{p}=="), text_form);
    neg(
        "record_trailing_newline",
        "device",
        &format!("{d}\n"),
        text_form,
    );
    neg(
        "record_standard_alphabet",
        "puk",
        &format!("{PUK_TEXT_PREFIX}+/8"),
        text_form,
    );
    neg(
        "record_unused_bits_set",
        "puk",
        &format!("{PUK_TEXT_PREFIX}AB"),
        text_form,
    );
    neg(
        "record_one_character_over",
        "puk",
        &format!("{PUK_TEXT_PREFIX}AAAAA"),
        text_form,
    );
    neg(
        "record_longer_than_any_record",
        "device",
        &format!("{DEVICE_TEXT_PREFIX}{}", "A".repeat(5463)),
        "limit_exceeded/public_record_size",
    );
    // Good base64url of bytes that are not a record: the record's own checks (§5.4) apply.
    let whole_groups = DEVICE_TEXT_PREFIX.len() + (d.len() - DEVICE_TEXT_PREFIX.len()) / 4 * 4 - 4;
    neg(
        "record_cut_short",
        "device",
        &d[..whole_groups],
        "malformed/cbor/length_exceeds_input",
    );
    let low_order = PukWireForVectors::low_order_x25519();
    neg(
        "record_with_low_order_key",
        "puk",
        &low_order,
        "malformed/public_key",
    );
    neg(
        "user_id_31_digits",
        "user_id",
        &lower[1..],
        "malformed/field/id",
    );
    neg(
        "user_id_not_hex",
        "user_id",
        &lower.replacen(|_| true, "g", 1),
        "malformed/field/id",
    );
    let h = hex(&hash);
    neg(
        "chain_tail_seq_0",
        "tail",
        &format!("0:{h}"),
        "malformed/field/chain_tail",
    );
    neg(
        "chain_tail_leading_zero",
        "tail",
        &format!("01:{h}"),
        text_form,
    );
    neg(
        "chain_tail_plus_sign",
        "tail",
        &format!("+1:{h}"),
        text_form,
    );
    neg(
        "chain_tail_seq_over_u64",
        "tail",
        &format!("18446744073709551616:{h}"),
        text_form,
    );
    neg(
        "chain_tail_short_hash",
        "tail",
        &format!("1:{}", &h[2..]),
        text_form,
    );
    neg(
        "chain_tail_two_colons",
        "tail",
        &format!("1:{h}:"),
        text_form,
    );
    neg(
        "security_code_29_digits",
        "security_code",
        &digits[1..],
        text_form,
    );
    neg(
        "security_code_31_digits",
        "security_code",
        &format!("{digits}0"),
        text_form,
    );
    neg(
        "security_code_dashes",
        "security_code",
        "01234-56789-01234-56789-01234-56789",
        text_form,
    );
    neg(
        "security_code_tab",
        "security_code",
        "01234\t56789012345678901234567890",
        text_form,
    );
    cases
}

/// A PUK record whose X25519 key is the all-zero point, in its text form (only a forger
/// writes one: the crate's encoder takes validated keys).
struct PukWireForVectors;
impl PukWireForVectors {
    fn low_order_x25519() -> String {
        use ciborium::Value as C;
        let record = C::Map(vec![
            (C::Text("g".into()), C::Integer(1.into())),
            (C::Text("k".into()), C::Bytes(vec![0; 32])),
            (C::Text("s".into()), C::Integer(Suite::X25519.id().into())),
            (C::Text("u".into()), C::Bytes(vec![2; 16])),
        ]);
        let mut cbor = Vec::new();
        ciborium::into_writer(&record, &mut cbor).expect("encode");
        format!("{PUK_TEXT_PREFIX}{}", base64url(&cbor))
    }
}

/// Unpadded base64url, written out here so the vectors do not take it from the crate.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..=group.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Reads the case's text as its kind and compares the value and the canonical text.
pub fn verify(_suite: Option<Suite>, case: &Value) -> Check {
    let inputs = field(case, "inputs")?;
    let (kind, text) = (str_of(inputs, "kind")?, str_of(inputs, "text")?);
    if case.get("expected_error").is_some() {
        return match kind {
            "device" => expect_error(text.parse::<DevicePublic>(), case),
            "puk" => expect_error(text.parse::<PukPublic>(), case),
            "user_id" => expect_error(text.parse::<UserId>(), case),
            "device_id" => expect_error(text.parse::<DeviceId>(), case),
            "tail" => expect_error(text.parse::<ChainTail>(), case),
            "security_code" => expect_error(text.parse::<SecurityCode>(), case),
            other => Err(format!("unknown kind {other}")),
        };
    }
    let expected = field(case, "expected")?;
    let err = |e: mailseal::Error| format!("refused: {}", e.class());
    let canonical = match kind {
        "device" => {
            let r: DevicePublic = text.parse().map_err(err)?;
            check_hex(expected, "cbor", &r.to_cbor())?;
            r.to_string()
        }
        "puk" => {
            let r: PukPublic = text.parse().map_err(err)?;
            check_hex(expected, "cbor", &r.to_cbor())?;
            r.to_string()
        }
        "user_id" => {
            let id: UserId = text.parse().map_err(err)?;
            check_hex(expected, "id", id.as_bytes())?;
            id.to_string()
        }
        "device_id" => {
            let id: DeviceId = text.parse().map_err(err)?;
            check_hex(expected, "id", id.as_bytes())?;
            id.to_string()
        }
        "tail" => {
            let t: ChainTail = text.parse().map_err(err)?;
            if t.seq != u64_of(expected, "seq")? {
                return Err(format!("seq {} differs", t.seq));
            }
            check_hex(expected, "hash", &t.hash)?;
            t.to_string()
        }
        "security_code" => {
            let c: SecurityCode = text.parse().map_err(err)?;
            check_str(expected, "digits", c.digits())?;
            c.to_string()
        }
        other => return Err(format!("unknown kind {other}")),
    };
    check_str(expected, "canonical", &canonical)
}
