//! The `link` operation: access-restricted mail (SPEC.md §10.3). The sender seals a link box
//! for an external To; the server serves the link copy; the external reader opens it with
//! the fragment and its clock.

use hkdf::Hkdf;
use mailseal::Suite;
use mailseal::hazmat::XofRng;
use mailseal::mail::envelope::{LinkCopy, Origin, RoutingHeader};
use mailseal::mail::footer::classify;
use mailseal::mail::link::open_link_copy;
use mailseal::mail::server::link_copy;
use mailseal::piece::{PieceKey, PieceNonce, Purpose};
use mailseal::wire::Bytes;
use rand_core::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::notation::bytes_of;
use super::{
    Check, Mail, Party, class, draw, expect_error, expected_mail, mail_randomness, need_suite,
    seal_attempt, seal_case,
};
use crate::json::*;

/// What the external reader's opening gives: the sender status, the footer and the pieces.
fn link_opened(copy: &[u8], fragment: &str, now: u64, pieces: &[Vec<u8>]) -> Result<Value, String> {
    let o = open_link_copy(copy, fragment, now).map_err(|e| class(&e))?;
    let f = classify(&o, true);
    let sha = pieces
        .iter()
        .enumerate()
        .map(|(i, ct)| {
            o.open_piece(i, ct)
                .map(|pt| hex(&Sha256::digest(pt)))
                .map_err(|e| class(&e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({
        "sender_status": o.sender_status().code(),
        "footer": f.footer.code(),
        "footer_reasons": f.reasons.iter().map(|r| r.code()).collect::<Vec<_>>(),
        "cautions": f.cautions.iter().map(|c| c.code()).collect::<Vec<_>>(),
        "piece_sha256": sha,
    }))
}

/// The link box's key (SPEC.md §10.3), computed here from the link key and the digest the
/// fragment pins, to re-seal a link box as only the fragment's holder can.
fn box_key(suite: Suite, link_key: &[u8], pinned: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 32];
    Hkdf::<Sha256>::new(Some(b"mailseal v1 link box"), link_key)
        .expand(&[&suite.id().to_be_bytes()[..], pinned].concat(), &mut k)
        .expect("hkdf");
    k
}

pub fn cases(suite: Suite, alice: &Party, bob: &Party) -> Vec<Value> {
    let mut rng = XofRng::new(format!("link {}", suite.name()).as_bytes());
    let mut randomness = mail_randomness(suite, 1, 2, &mut rng);
    randomness["link_key"] = json!(hex(&draw::<32>(&mut rng)));
    randomness["link_box_nonce"] = json!(hex(&draw::<32>(&mut rng)));
    let expiry = 1_765_000_000u64;
    let mut bob_to = bob.to_json(suite);
    bob_to["kind"] = json!("to");
    let inputs = json!({
        "sender": alice.to_json(suite), "recipients": [bob_to],
        "external": [{ "address": "dan@elsewhere.example", "kind": "to" }],
        "expiry": expiry, "now": expiry - 86_400,
        "message_id": "<restricted@example.com>", "timestamp": 1_764_374_400u64, "bcc_text": "",
        "pieces": [hex(b"Subject: contract\r\n\r\nSee attached")], "randomness": randomness,
    });
    let mail = seal_case(suite, &inputs).expect("restricted mail");
    let mut expected = expected_mail(suite, &inputs, &mail, &[alice, bob]);
    let lc = link_copy(&mail.envelope)
        .expect("link copy")
        .expect("a link box");
    let fragment = mail.fragment.clone().expect("fragment");
    expected["link_copy"] = json!(hex(&lc));
    expected["fragment"] = json!(fragment);
    expected["link_opened"] =
        link_opened(&lc, &fragment, expiry - 86_400, &mail.pieces).expect("link opens");
    let mut cases = vec![
        json!({ "name": "link_access_restricted_external_to", "inputs": inputs, "expected": expected }),
    ];
    // The reader's side: `{link_copy, fragment, now}` (and the pieces, for a positive case).
    let reader = |copy: &[u8], fragment: &str, now: u64| json!({ "link_copy": hex(copy), "fragment": fragment, "now": now });
    let mut at_expiry = reader(&lc, &fragment, expiry);
    at_expiry["pieces"] = json!(mail.pieces.iter().map(|p| hex(p)).collect::<Vec<_>>());
    cases.push(json!({
        "name": "link_opened_at_its_expiry",
        "inputs": at_expiry,
        "expected": { "link_opened": link_opened(&lc, &fragment, expiry, &mail.pieces).expect("opens") },
    }));
    let mut neg = |name: &str, inputs: Value, err: &str| {
        cases.push(json!({ "name": name, "inputs": inputs, "expected_error": err }));
    };
    neg(
        "link_expired",
        reader(&lc, &fragment, expiry + 1),
        "authentication/link_expired",
    );
    let (key_hex, pinned_hex) = fragment[3..].split_at(64);
    neg(
        "link_fragment_other_prefix",
        reader(&lc, &format!("ms2{}", &fragment[3..]), expiry),
        "malformed/link_fragment",
    );
    neg(
        "link_fragment_upper_case",
        reader(
            &lc,
            &fragment.to_uppercase().replacen("MS1", "ms1", 1),
            expiry,
        ),
        "malformed/link_fragment",
    );
    neg(
        "link_fragment_one_digit_short",
        reader(&lc, &fragment[..fragment.len() - 1], expiry),
        "malformed/link_fragment",
    );
    let mut other_pin = unhex(pinned_hex).expect("hex");
    other_pin[0] ^= 1;
    neg(
        "link_fragment_pins_another_digest",
        reader(&lc, &format!("ms1{key_hex}{}", hex(&other_pin)), expiry),
        "authentication/link_digest",
    );
    let parsed = LinkCopy::parse(&lc).expect("link copy");
    let edit = |f: &dyn Fn(&mut LinkCopy)| {
        let mut c = parsed.clone();
        f(&mut c);
        c.encode()
    };
    let edit_header = |f: &dyn Fn(&mut RoutingHeader)| {
        edit(&|c| {
            let (mut h, _) = RoutingHeader::parse(&c.header.0).expect("header");
            f(&mut h);
            c.header = Bytes(h.encode());
        })
    };
    neg(
        "link_copy_header_changed",
        reader(&edit_header(&|h| h.timestamp += 1), &fragment, expiry),
        "authentication/link_digest",
    );
    neg(
        "link_copy_without_expiry",
        reader(&edit_header(&|h| h.expiry = None), &fragment, expiry),
        "malformed/field/expiry",
    );
    neg(
        "link_copy_server_sealed_origin",
        reader(
            &edit_header(&|h| {
                h.origin = Origin::InboundExternal;
                h.sender.chain = None;
                h.sender.device = None;
            }),
            &fragment,
            expiry,
        ),
        "malformed/field/origin",
    );
    neg(
        "link_box_flipped",
        reader(&edit(&|c| c.link_box.0[70] ^= 1), &fragment, expiry),
        "authentication/recipient_box",
    );
    // Link boxes re-sealed under the box key, as a holder of the fragment could: another
    // message key, a message key of 31 bytes.
    let key = box_key(
        suite,
        &unhex(key_hex).expect("hex"),
        &unhex(pinned_hex).expect("hex"),
    );
    let nonce: [u8; 32] = draw(&mut rng);
    let reseal = |mk: &[u8]| {
        edit(&|c| {
            c.link_box = Bytes(
                mailseal::hazmat::seal_piece_with_nonce(
                    suite,
                    Purpose::LinkBox,
                    &PieceKey::from_bytes(key),
                    PieceNonce(nonce),
                    mk,
                )
                .expect("seal")
                .ciphertext,
            );
        })
    };
    let mut other_mk = [0u8; 32];
    rng.fill_bytes(&mut other_mk);
    neg(
        "link_box_other_message_key",
        reader(&reseal(&other_mk), &fragment, expiry),
        "authentication/manifest",
    );
    neg(
        "link_box_message_key_31_bytes",
        reader(&reseal(&other_mk[..31]), &fragment, expiry),
        "malformed/box_plaintext",
    );
    // Sealing: access-restricted mail through `seal_restricted` without an expiry.
    let mut no_expiry = cases[0]["inputs"].clone();
    if let Some(o) = no_expiry.as_object_mut() {
        o.remove("expiry");
        o.remove("now");
        o.insert("entry_point".into(), json!("seal_restricted"));
    }
    cases.push(json!({
        "name": "link_seal_restricted_without_expiry",
        "inputs": no_expiry,
        "expected_error": "misuse/link_needs_seal_restricted",
    }));
    cases
}

pub fn verify(suite: Option<Suite>, case: &Value) -> Check {
    let suite = need_suite(suite)?;
    let i = field(case, "inputs")?;
    if i.get("sender").is_some() {
        // The sender's side.
        if case.get("expected_error").is_some() {
            return expect_error(seal_attempt(suite, i, true)?, case);
        }
        let mail: Mail = seal_case(suite, i)?;
        let expected = field(case, "expected")?;
        super::check_mail(suite, i, &mail, expected)?;
        let lc = link_copy(&mail.envelope)
            .map_err(|e| class(&e))?
            .ok_or("no link box")?;
        check_hex(expected, "link_copy", &lc)?;
        let fragment = mail.fragment.ok_or("no fragment")?;
        check_str(expected, "fragment", &fragment)?;
        let got = link_opened(&lc, &fragment, u64_of(i, "now")?, &mail.pieces)?;
        if &got != field(expected, "link_opened")? {
            return Err(format!("link_opened differs: got {got}"));
        }
        return Ok(());
    }
    let copy = bytes_of(i, "link_copy")?;
    let fragment = str_of(i, "fragment")?;
    let now = u64_of(i, "now")?;
    if case.get("expected_error").is_some() {
        return expect_error(open_link_copy(&copy, fragment, now), case);
    }
    let pieces = list_of(i, "pieces")?
        .iter()
        .map(super::notation::bytes_value)
        .collect::<Result<Vec<_>, _>>()?;
    let got = link_opened(&copy, fragment, now, &pieces)?;
    if &got != field(field(case, "expected")?, "link_opened")? {
        return Err(format!("link_opened differs: got {got}"));
    }
    Ok(())
}
