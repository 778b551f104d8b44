//! More `mail` cases: the sealer's refusals (SPEC.md §6.8, §10.1–10.2), the opener's checks
//! that only a holder of the sender's PUK can reach (its own copy: box plaintext, signature,
//! manifest, sender record; §6.9 steps 7–10), opening pieces (§6.9, §3.6), footers of mail
//! whose signer was revoked or whose From the chain no longer lists (§11.2), and server
//! sealing of every origin with its refusals (§10.2).

use mailseal::Suite;
use mailseal::hazmat::{TapeRng, XofRng};
use mailseal::identity::ChainState;
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, PukSeed, UserId};
use mailseal::mail::envelope::{Copy, RecipientKind, RoutingHeader};
use mailseal::mail::seal::{MailSealer, SenderIdentity};
use mailseal::mail::server::split_envelope;
use mailseal::piece::{self, PieceKey, PieceNonce, Purpose};
use mailseal::wire::Bytes;
use rand_core::Rng;
use serde_json::{Value, json};

use super::notation;
use super::{
    Party, draw, enc, expected_mail, forge, inbound_case, mail_randomness, mail_tapes, party_chain,
    seal_case,
};
use crate::chains::{LINK_TIME, links_json, signed};
use crate::json::*;

/// A CBOR map's entries.
type CborMap = Vec<(ciborium::Value, ciborium::Value)>;

/// The parties of the mail cases.
pub struct Parties<'a> {
    pub alice: &'a Party,
    pub bob: &'a Party,
    pub carol: &'a Party,
    pub dave: &'a Party,
}

fn other_suite(suite: Suite) -> Suite {
    if suite == Suite::X25519 {
        Suite::XWing
    } else {
        Suite::X25519
    }
}

/// A party's JSON with another chain (or `null`), and optionally another suite.
fn with_chain(p: &Party, suite: Suite, chain: Option<&[Vec<u8>]>) -> Value {
    let mut v = p.to_json(suite);
    v["chain"] = chain.map_or(Value::Null, links_json);
    v
}

fn kind(mut v: Value, k: &str) -> Value {
    v["kind"] = json!(k);
    v
}

fn patched(base: &Value, patch: Value) -> Value {
    let mut v = base.clone();
    if let (Some(o), Some(p)) = (v.as_object_mut(), patch.as_object()) {
        for (k, x) in p {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

/// The value `name` of a seal's trace.
fn traced<'t>(trace: &'t [(String, Vec<u8>)], name: &str) -> &'t [u8] {
    trace
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
        .unwrap_or_else(|| panic!("no {name} in the trace"))
}

/// Seals a signed mail case again, with its tapes, through the tracing entry point: the
/// envelope (which must be the case's) and every intermediate value.
fn trace_of(suite: Suite, inputs: &Value) -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let sender_v = &inputs["sender"];
    let sender = Party::from_json(sender_v).expect("sender");
    let puk = sender.puk(suite).expect("puk");
    let device = sender.device(suite);
    let chain = party_chain(suite, sender_v).expect("chain");
    let identity = SenderIdentity {
        address: &sender.address,
        puk: &puk,
        device: &device,
        chain: &chain,
    };
    let mut sealer = MailSealer::new(
        suite,
        identity,
        inputs["message_id"].as_str().expect("id"),
        inputs["timestamp"].as_u64().expect("time"),
    )
    .expect("sealer")
    .bcc_text(inputs["bcc_text"].as_str().expect("bcc"));
    for r in inputs["recipients"].as_array().expect("recipients") {
        let key = super::recipient_key(suite, r)
            .expect("case")
            .expect("recipient");
        sealer = match r["kind"].as_str() {
            Some("to") => sealer.to(key),
            Some("cc") => sealer.cc(key),
            _ => sealer.bcc(key),
        };
    }
    let (piece_tapes, tape) = mail_tapes(&inputs["randomness"]).expect("tapes");
    for (p, t) in inputs["pieces"]
        .as_array()
        .expect("pieces")
        .iter()
        .zip(piece_tapes)
    {
        sealer
            .add_piece(
                &unhex(p.as_str().expect("hex")).expect("hex"),
                &mut TapeRng::new(t),
            )
            .expect("piece");
    }
    mailseal::hazmat::seal_traced(sealer, &mut TapeRng::new(tape)).expect("traced seal")
}

pub fn cases(suite: Suite, p: &Parties<'_>, first: &Value) -> Vec<Value> {
    let mut rng = XofRng::new(format!("mail more {}", suite.name()).as_bytes());
    let mut cases = Vec::new();
    let sender = p.alice.to_json(suite);
    let to = |q: &Party| kind(q.to_json(suite), "to");
    // A one-piece mail from Alice to the recipients given, as a sealing case.
    let mail = |name: &str, recipients: Vec<Value>, rng: &mut XofRng| {
        let boxes = 1 + recipients.len();
        json!({
            "sender": sender, "recipients": recipients,
            "message_id": format!("<{name}@example.com>"), "timestamp": 1_764_374_400u64,
            "bcc_text": "", "pieces": [hex(b"Hello")],
            "randomness": mail_randomness(suite, 1, boxes, rng),
        })
    };

    // ---- Footers of a signer revoked since, and of a From the chain no longer lists. ----
    let alice_links = p.alice.links(suite);
    let alice_chain = ChainState::verify(&alice_links).expect("alice");
    let alice_device = p.alice.device(suite);
    let phone = DeviceSecret::from_seed(suite, DeviceId::new(draw(&mut rng)), &draw(&mut rng));
    let next = PukSecret::derive(
        suite,
        UserId::new(p.alice.user),
        p.alice.generation + 1,
        PukSeed::from_bytes(draw(&mut rng)),
    )
    .expect("puk");
    let with_phone = {
        let d = alice_chain
            .propose_add_device(alice_device.id(), phone.public(), None, LINK_TIME)
            .expect("draft");
        signed(d, &[&alice_device, &phone])
    };
    let revoked_view = {
        let c = alice_chain.extend(&[&with_phone]).expect("phone");
        let d = c
            .propose_revoke(phone.id(), alice_device.id(), next.public(), LINK_TIME)
            .expect("draft");
        [
            alice_links.clone(),
            vec![with_phone.clone(), signed(d, &[&phone])],
        ]
        .concat()
    };
    let readdressed_view = [
        alice_links.clone(),
        vec![alice_chain.server_addresses(&["alice.b@example.com"], LINK_TIME)],
    ]
    .concat();
    for (name, view) in [
        ("mail_from_device_revoked_since", revoked_view),
        ("mail_from_address_no_longer_the_senders", readdressed_view),
    ] {
        let mut inputs = mail(name, vec![to(p.bob)], &mut rng);
        inputs["sender_view"] = links_json(&view);
        let m = seal_case(suite, &inputs).expect("seal");
        let expected = expected_mail(suite, &inputs, &m, &[p.alice, p.bob]);
        cases.push(json!({ "name": name, "inputs": inputs, "expected": expected }));
    }

    // ---- Server sealing of every origin (SPEC.md §10.2). --------------------------------
    let hpke_len = if suite == Suite::X25519 { 32 } else { 64 };
    let inbound_randomness = |pieces: usize, boxes: usize, rng: &mut XofRng| {
        let mut h = |n: usize| {
            let mut b = vec![0u8; n];
            rng.fill_bytes(&mut b);
            hex(&b)
        };
        json!({
            "piece_keys": (0..pieces).map(|_| h(32)).collect::<Vec<_>>(),
            "piece_nonces": (0..pieces).map(|_| h(32)).collect::<Vec<_>>(),
            "message_key": h(32), "manifest_nonce": h(32), "bcc_key": h(32),
            "box_randomness": (0..boxes).map(|_| h(hpke_len)).collect::<Vec<_>>(),
        })
    };
    let named = |q: &Party| json!({ "address": q.address, "user": hex(&q.user) });
    let inbound = |origin: &str,
                   from: &str,
                   from_user: Option<&Party>,
                   to: Vec<Value>,
                   recipients: Vec<&Party>,
                   rng: &mut XofRng| {
        json!({
            "origin": origin, "sender_address": from,
            "sender_user": from_user.map(|u| hex(&u.user)),
            "to": to, "cc": [],
            "recipients": recipients.iter().map(|r| r.to_json(suite)).collect::<Vec<_>>(),
            "message_id": format!("<{origin}@example.com>"), "timestamp": 1_764_374_400u64,
            "pieces": [hex(b"Subject: notice\r\n\r\nServer sealed")],
            "randomness": inbound_randomness(1, recipients.len(), rng),
        })
    };
    let positives = [
        (
            "inbound_mailing_list_server_sealed",
            inbound(
                "mailing_list",
                "news@lists.example",
                None,
                vec![json!({ "address": "team@example.com", "user": null })],
                vec![p.bob, p.carol],
                &mut rng,
            ),
            vec![p.bob, p.carol],
        ),
        (
            "inbound_system_mail_server_sealed",
            inbound(
                "system",
                "calendar@example.com",
                None,
                vec![named(p.bob)],
                vec![p.bob],
                &mut rng,
            ),
            vec![p.bob],
        ),
        (
            "inbound_held_for_new_user",
            inbound(
                "held_for_new_user",
                &p.alice.address,
                Some(p.alice),
                vec![named(p.dave), named(p.bob)],
                vec![p.dave],
                &mut rng,
            ),
            vec![p.dave],
        ),
    ];
    let base_inbound = positives[1].1.clone();
    for (name, inputs, parties) in positives {
        let m = inbound_case(suite, &inputs).expect("inbound");
        let expected = expected_mail(suite, &inputs, &m, &parties);
        cases.push(json!({ "name": name, "inputs": inputs, "expected": expected }));
    }
    let mut ineg = |name: &str, inputs: Value, err: &str| {
        cases.push(json!({ "name": name, "inputs": inputs, "expected_error": err }));
    };
    ineg(
        "inbound_no_recipients",
        patched(
            &base_inbound,
            json!({ "to": [], "recipients": [], "randomness": inbound_randomness(1, 0, &mut rng) }),
        ),
        "misuse/no_recipients",
    );
    ineg(
        "inbound_named_user_without_box",
        patched(
            &base_inbound,
            json!({ "origin": "inbound_external", "to": [named(p.bob), named(p.carol)] }),
        ),
        "misuse/named_user_without_box",
    );
    ineg(
        "inbound_recipient_twice",
        patched(
            &base_inbound,
            json!({ "recipients": [p.bob.to_json(suite), p.bob.to_json(suite)], "randomness": inbound_randomness(1, 2, &mut rng) }),
        ),
        "malformed/field/recipient_set",
    );
    let mut bob_other = p.bob.to_json(other_suite(suite));
    bob_other["suite"] = json!(other_suite(suite).name());
    ineg(
        "inbound_recipient_of_another_suite",
        patched(&base_inbound, json!({ "recipients": [bob_other] })),
        "misuse/suite_mismatch",
    );
    ineg(
        "inbound_as_device_signed_mail",
        patched(&base_inbound, json!({ "origin": "sender_device" })),
        "misuse/server_cannot_sign",
    );
    ineg(
        "inbound_sender_address_empty",
        patched(&base_inbound, json!({ "sender_address": "" })),
        "malformed/field/address",
    );
    let crowd: Vec<Value> = (0..1025)
        .map(|i| json!({ "address": format!("x{i}@elsewhere.example"), "user": null }))
        .collect();
    ineg(
        "inbound_1025_named_parties",
        patched(
            &base_inbound,
            json!({ "to": crowd, "recipients": [p.bob.to_json(suite)] }),
        ),
        "limit_exceeded/recipients",
    );
    ineg(
        "inbound_257_pieces",
        patched(
            &base_inbound,
            json!({ "pieces": vec![""; 257], "randomness": inbound_randomness(257, 1, &mut rng) }),
        ),
        "limit_exceeded/pieces",
    );

    // ---- The sealer's refusals (SPEC.md §6.8, §10.1). ----------------------------------
    let base = mail("refused", vec![to(p.bob)], &mut rng);
    let mut sneg = |name: &str, inputs: Value, err: &str| {
        cases.push(json!({ "name": name, "inputs": inputs, "expected_error": err }));
    };
    let sender_with = |links: &[Vec<u8>]| with_chain(p.alice, suite, Some(links));
    // Step 0, the sender's own chain: revoked device, address, rotation due, stale PUK, suite.
    {
        let c = alice_chain.extend(&[&with_phone]).expect("phone");
        let next_puk = PukSecret::derive(
            suite,
            UserId::new(p.alice.user),
            p.alice.generation + 1,
            PukSeed::from_bytes(draw(&mut rng)),
        )
        .expect("puk");
        let d = c
            .propose_revoke(phone.id(), alice_device.id(), next_puk.public(), LINK_TIME)
            .expect("draft");
        let revoked = [
            alice_links.clone(),
            vec![with_phone.clone(), signed(d, &[&phone])],
        ]
        .concat();
        sneg(
            "seal_sender_device_revoked",
            patched(&base, json!({ "sender": sender_with(&revoked) })),
            "misuse/sender_device_not_active",
        );
        let d = c
            .propose_rotation(alice_device.id(), next_puk.public(), LINK_TIME)
            .expect("draft");
        let rotated = [
            alice_links.clone(),
            vec![with_phone.clone(), signed(d, &[&alice_device])],
        ]
        .concat();
        sneg(
            "seal_sender_key_stale",
            patched(&base, json!({ "sender": sender_with(&rotated) })),
            "misuse/stale_sender_key",
        );
        let due = [
            alice_links.clone(),
            vec![with_phone.clone(), c.server_revoke(phone.id(), LINK_TIME)],
        ]
        .concat();
        sneg(
            "seal_sender_rotation_due",
            patched(&base, json!({ "sender": sender_with(&due) })),
            "misuse/rotation_due",
        );
        let readdressed = [
            alice_links.clone(),
            vec![alice_chain.server_addresses(&["alice.b@example.com"], LINK_TIME)],
        ]
        .concat();
        sneg(
            "seal_sender_address_not_in_chain",
            patched(&base, json!({ "sender": sender_with(&readdressed) })),
            "misuse/sender_address_not_in_chain",
        );
        let mut other = p.alice.to_json(other_suite(suite));
        other["suite"] = json!(other_suite(suite).name());
        sneg(
            "seal_sender_keys_of_another_suite",
            patched(&base, json!({ "sender": other })),
            "misuse/suite_mismatch",
        );
    }
    // Recipients: taken from their chains.
    {
        let mut bob = kind(p.bob.to_json(suite), "to");
        bob["address"] = json!("robert@example.com");
        sneg(
            "seal_recipient_address_not_in_chain",
            patched(&base, json!({ "recipients": [bob] })),
            "misuse/address_not_in_chain",
        );
        let bob_links = p.bob.links(suite);
        let bob_chain = ChainState::verify(&bob_links).expect("bob");
        let gone = [
            bob_links.clone(),
            vec![bob_chain.server_revoke(DeviceId::new(p.bob.device_id), LINK_TIME)],
        ]
        .concat();
        sneg(
            "seal_recipient_without_active_device",
            patched(
                &base,
                json!({ "recipients": [kind(with_chain(p.bob, suite, Some(&gone)), "to")] }),
            ),
            "misuse/no_active_device",
        );
        sneg(
            "seal_recipient_without_chain",
            patched(
                &base,
                json!({ "recipients": [kind(with_chain(p.bob, suite, None), "to")] }),
            ),
            "misuse/recipient_without_chain",
        );
        let mut other = kind(p.bob.to_json(other_suite(suite)), "to");
        other["suite"] = json!(other_suite(suite).name());
        sneg(
            "seal_recipient_of_another_suite",
            patched(&base, json!({ "recipients": [other] })),
            "misuse/suite_mismatch",
        );
        sneg(
            "seal_recipient_twice",
            patched(
                &base,
                json!({ "recipients": [to(p.bob), kind(p.bob.to_json(suite), "cc")], "randomness": mail_randomness(suite, 1, 3, &mut rng) }),
            ),
            "malformed/field/recipient_set",
        );
    }
    // Entry points, externals, text fields and limits.
    sneg(
        "seal_no_recipients",
        patched(
            &base,
            json!({ "recipients": [], "entry_point": "seal", "randomness": mail_randomness(suite, 1, 1, &mut rng) }),
        ),
        "misuse/no_recipients",
    );
    sneg(
        "seal_draft_with_recipients",
        patched(&base, json!({ "entry_point": "seal_draft" })),
        "misuse/draft_with_recipients",
    );
    sneg(
        "seal_external_without_server_access",
        patched(
            &base,
            json!({ "external": [{ "address": "dan@elsewhere.example", "kind": "cc" }] }),
        ),
        "misuse/needs_server_access",
    );
    sneg(
        "seal_external_in_bcc",
        patched(
            &base,
            json!({ "external": [{ "address": "dan@elsewhere.example", "kind": "bcc" }] }),
        ),
        "malformed/field/recipient_set",
    );
    sneg(
        "seal_external_address_with_control_character",
        patched(
            &base,
            json!({ "external": [{ "address": "dan\u{1}@elsewhere.example", "kind": "to" }] }),
        ),
        "malformed/field/address",
    );
    sneg(
        "seal_external_address_321_bytes",
        patched(
            &base,
            json!({ "external": [{ "address": format!("{}@elsewhere.example", "d".repeat(321 - 18)), "kind": "to" }] }),
        ),
        "malformed/field/address",
    );
    sneg(
        "seal_message_id_empty",
        patched(&base, json!({ "message_id": "" })),
        "malformed/field/message_id",
    );
    sneg(
        "seal_message_id_999_bytes",
        patched(&base, json!({ "message_id": "m".repeat(999) })),
        "malformed/field/message_id",
    );
    sneg(
        "seal_bcc_text_over_64_kib",
        patched(
            &base,
            json!({ "bcc_text": notation::fill(b"a", mailseal::mail::envelope::MAX_BCC_LEN + 1) }),
        ),
        "limit_exceeded/bcc_size",
    );
    let crowd: Vec<Value> = (0..1025)
        .map(|i| json!({ "address": format!("x{i}@elsewhere.example"), "kind": "to" }))
        .collect();
    sneg(
        "seal_1025_named_recipients",
        patched(&base, json!({ "external": crowd })),
        "limit_exceeded/recipients",
    );
    sneg(
        "seal_257_pieces",
        patched(
            &base,
            json!({ "pieces": vec![""; 257], "randomness": mail_randomness(suite, 257, 2, &mut rng) }),
        ),
        "limit_exceeded/pieces",
    );
    sneg(
        "seal_no_pieces",
        patched(
            &base,
            json!({ "pieces": [], "randomness": mail_randomness(suite, 0, 2, &mut rng) }),
        ),
        "misuse/no_pieces",
    );
    sneg(
        "seal_access_restricted_through_seal",
        patched(
            &base,
            json!({ "expiry": 1_765_000_000u64, "entry_point": "seal" }),
        ),
        "misuse/link_needs_seal_restricted",
    );

    // ---- The sender's own copy, forged with the sender's PUK (SPEC.md §6.9 steps 7–10). --
    let (envelope, trace) = trace_of(suite, first);
    assert_eq!(
        hex(&envelope),
        seal_case(suite, first)
            .map(|m| hex(&m.envelope))
            .expect("seal"),
        "the traced seal is the vector's"
    );
    let own = split_envelope(&envelope)
        .expect("split")
        .into_iter()
        .find(|c| c.kind == RecipientKind::Sender)
        .expect("own copy")
        .copy;
    let bob_copy = split_envelope(&envelope)
        .expect("split")
        .into_iter()
        .find(|c| c.user.as_bytes() == &p.bob.user)
        .expect("bob's copy")
        .copy;
    let self_key: [u8; 32] = traced(&trace, "box[0].self_key").try_into().expect("key");
    let record_key: [u8; 32] = traced(&trace, "sender_record_key").try_into().expect("key");
    let box_pt = traced(&trace, "box[0].plaintext").to_vec();
    let signed_message = traced(&trace, "signed_message").to_vec();
    // The chains each reader needs: Alice's (her own and the sender's), and Bob's for Bob.
    let dir_of = |who: &Party| {
        if who.user == p.alice.user {
            json!([links_json(&alice_links)])
        } else {
            json!([links_json(&alice_links), links_json(&who.links(suite))])
        }
    };
    let nonce: [u8; 32] = draw(&mut rng);
    let reseal_box = |pt: &[u8]| {
        let mut c = Copy::parse(&own).expect("copy");
        c.recipient_box.ciphertext = Bytes(
            mailseal::hazmat::seal_piece_with_nonce(
                suite,
                Purpose::SelfBox,
                &PieceKey::from_bytes(self_key),
                PieceNonce(nonce),
                pt,
            )
            .expect("seal")
            .ciphertext,
        );
        c.encode()
    };
    // The record as sealed, decoded; re-encoding it gives the same bytes.
    let record_ct = Copy::parse(&own)
        .expect("copy")
        .sender_record
        .expect("record")
        .0;
    let record_pt = piece::open(
        suite,
        Purpose::SenderRecord,
        &PieceKey::from_bytes(record_key),
        &record_ct,
    )
    .expect("record")
    .plaintext;
    let record: ciborium::Value = ciborium::from_reader(&record_pt[..]).expect("record");
    assert_eq!(enc(&record), record_pt, "the record re-encodes to itself");
    let reseal_record = |edit: &dyn Fn(&mut CborMap)| {
        let mut r = record.clone();
        if let ciborium::Value::Map(m) = &mut r {
            edit(m);
        }
        let mut c = Copy::parse(&own).expect("copy");
        c.sender_record = Some(Bytes(
            mailseal::hazmat::seal_piece_with_nonce(
                suite,
                Purpose::SenderRecord,
                &PieceKey::from_bytes(record_key),
                PieceNonce(nonce),
                &enc(&r),
            )
            .expect("seal")
            .ciphertext,
        ));
        c.encode()
    };
    let mut oneg = |name: &str, copy: Value, who: &Party, err: &str| {
        cases.push(json!({
            "name": name,
            "inputs": { "mailbox": who.to_json(suite), "chains": dir_of(who), "copy": copy },
            "expected_error": err,
        }));
    };
    let sig_at = 451 - 64;
    let signature: [u8; 64] = box_pt[sig_at..].try_into().expect("signature");
    forge::checked(&p.alice.device_seed, &signed_message, &signature);
    let with_box = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut pt = box_pt.clone();
        f(&mut pt);
        json!(hex(&reseal_box(&pt)))
    };
    oneg(
        "own_copy_signature_flipped",
        with_box(&|pt| pt[sig_at + 40] ^= 1),
        p.alice,
        "authentication/signature",
    );
    oneg(
        "own_copy_signature_s_not_canonical",
        with_box(&|pt| pt[sig_at..].copy_from_slice(&forge::non_canonical_s(&signature))),
        p.alice,
        "authentication/signature",
    );
    let small_r = forge::small_order_r(&p.alice.device_seed, &signed_message);
    oneg(
        "own_copy_signature_small_order_r",
        with_box(&|pt| pt[sig_at..].copy_from_slice(&small_r)),
        p.alice,
        "authentication/signature",
    );
    oneg(
        "own_copy_box_plaintext_kind_3",
        with_box(&|pt| pt[0] = 3),
        p.alice,
        "malformed/box_plaintext",
    );
    oneg(
        "own_copy_box_plaintext_position_1024",
        with_box(&|pt| pt[65..67].copy_from_slice(&1024u16.to_be_bytes())),
        p.alice,
        "malformed/box_plaintext",
    );
    oneg(
        "own_copy_unsigned_box_in_signed_mail",
        with_box(&|pt| {
            pt[0] = 2;
            pt[33..].fill(0);
        }),
        p.alice,
        "authentication/box_kind",
    );
    oneg(
        "own_copy_unsigned_box_padding_not_zero",
        with_box(&|pt| {
            pt[0] = 2;
            pt[33..].fill(0);
            pt[450] = 1;
        }),
        p.alice,
        "malformed/box_plaintext",
    );
    oneg(
        "own_copy_message_key_changed",
        with_box(&|pt| pt[1] ^= 1),
        p.alice,
        "authentication/manifest",
    );
    let set = |m: &mut CborMap, k: &str, v: ciborium::Value| {
        if let Some(e) = m.iter_mut().find(|(key, _)| key.as_text() == Some(k)) {
            e.1 = v;
        }
    };
    let entries = |m: &mut CborMap| -> Vec<ciborium::Value> {
        m.iter()
            .find(|(k, _)| k.as_text() == Some("r"))
            .and_then(|(_, v)| v.as_array().cloned())
            .expect("entries")
    };
    oneg(
        "own_copy_record_bcc_changed",
        json!(hex(&reseal_record(&|m| set(
            m,
            "bcc",
            "mallory@example.com".into()
        )))),
        p.alice,
        "authentication/bcc_commitment",
    );
    oneg(
        "own_copy_record_tree_key_changed",
        json!(hex(&reseal_record(&|m| set(
            m,
            "tk",
            ciborium::Value::Bytes(vec![7; 32])
        )))),
        p.alice,
        "authentication/recipient_list",
    );
    // Entries in box order: Alice, Bob (To), Carol (CC), Dave (BCC).
    oneg(
        "own_copy_record_cc_entry_dropped",
        json!(hex(&reseal_record(&|m| {
            let mut r = entries(m);
            r.remove(2);
            set(m, "r", ciborium::Value::Array(r));
        }))),
        p.alice,
        "authentication/recipient_list",
    );
    let edit_entry = |i: usize, k: &'static str, v: ciborium::Value| {
        move |m: &mut CborMap| {
            let mut r = entries(m);
            if let ciborium::Value::Map(e) = &mut r[i]
                && let Some(x) = e.iter_mut().find(|(key, _)| key.as_text() == Some(k))
            {
                x.1 = v.clone();
            }
            if let Some(x) = m.iter_mut().find(|(key, _)| key.as_text() == Some("r")) {
                x.1 = ciborium::Value::Array(r);
            }
        }
    };
    oneg(
        "own_copy_record_entry_kind_9",
        json!(hex(&reseal_record(&edit_entry(3, "k", 9.into())))),
        p.alice,
        "malformed/field/recipient_kind",
    );
    oneg(
        "own_copy_record_entry_address_control_character",
        json!(hex(&reseal_record(&edit_entry(
            3,
            "a",
            "dave\u{7}@example.com".into()
        )))),
        p.alice,
        "malformed/field/address",
    );
    oneg(
        "own_copy_record_bcc_entry_relabelled_to",
        json!(hex(&reseal_record(&edit_entry(3, "k", 1.into())))),
        p.alice,
        "authentication/recipient_list",
    );
    oneg(
        "own_copy_record_flipped",
        json!(hex(&{
            let mut c = Copy::parse(&own).expect("copy");
            if let Some(r) = c.sender_record.as_mut() {
                r.0[100] ^= 1;
            }
            c.encode()
        })),
        p.alice,
        "authentication/recipient_list",
    );
    oneg(
        "own_copy_record_missing",
        json!(hex(&{
            let mut c = Copy::parse(&own).expect("copy");
            c.sender_record = None;
            c.encode()
        })),
        p.alice,
        "malformed/field/recipient_set",
    );
    // A record one byte over its limit (SPEC.md §4.2), in the compact form.
    oneg(
        "own_copy_record_over_512_kib",
        big_field(
            &own,
            "sr",
            mailseal::mail::envelope::MAX_SENDER_RECORD_LEN + 1,
        ),
        p.alice,
        "limit_exceeded/sender_record_size",
    );
    // A manifest one byte over its limit: refused as the copy is parsed (SPEC.md §6.9 step
    // 1), before it is hashed for the recipient digest.
    oneg(
        "own_copy_manifest_over_64_kib",
        big_field(&own, "m", mailseal::mail::envelope::MAX_MANIFEST_LEN + 1),
        p.alice,
        "limit_exceeded/manifest_size",
    );
    // Copies too large, and a header too large, before anything else is read.
    oneg(
        "copy_over_4_mib",
        notation::fill(&[0], mailseal::mail::envelope::MAX_ENVELOPE_LEN + 1),
        p.bob,
        "limit_exceeded/envelope_size",
    );
    oneg(
        "copy_header_over_256_kib",
        big_field(&bob_copy, "h", mailseal::mail::envelope::MAX_HEADER_LEN + 1),
        p.bob,
        "limit_exceeded/header_size",
    );
    let edit_copy = |f: &dyn Fn(&mut Copy)| {
        let mut c = Copy::parse(&bob_copy).expect("copy");
        f(&mut c);
        json!(hex(&c.encode()))
    };
    oneg(
        "box_address_with_control_character",
        edit_copy(&|c| c.recipient_box.address = "bob\u{1}@example.com".into()),
        p.bob,
        "malformed/field/address",
    );
    oneg(
        "header_sender_chain_tail_zero",
        edit_copy(&|c| {
            let (mut h, _) = RoutingHeader::parse(&c.header.0).expect("header");
            if let Some(t) = h.sender.chain.as_mut() {
                t.seq = 0;
            }
            c.header = Bytes(h.encode());
        }),
        p.bob,
        "malformed/field/chain_tail",
    );

    // ---- Pieces, opened after the copy (SPEC.md §6.9, §3.6). ----------------------------
    let pieces = first["pieces"].as_array().expect("pieces");
    let body = unhex(pieces[0].as_str().expect("hex")).expect("hex");
    let m = seal_case(suite, first).expect("seal");
    let key: [u8; 32] = unhex(first["randomness"]["piece_keys"][0].as_str().expect("key"))
        .expect("hex")
        .try_into()
        .expect("32");
    let mut other_body = body.clone();
    other_body[0] ^= 0x20;
    let substitute = mailseal::hazmat::seal_piece_with_nonce(
        suite,
        Purpose::MailPiece,
        &PieceKey::from_bytes(key),
        PieceNonce(draw(&mut rng)),
        &other_body,
    )
    .expect("seal")
    .ciphertext;
    let mut pneg = |name: &str, index: usize, ct: &[u8], err: &str| {
        cases.push(json!({
            "name": name,
            "inputs": {
                "mailbox": p.bob.to_json(suite), "chains": dir_of(p.bob), "copy": hex(&bob_copy),
                "piece": { "index": index, "ciphertext": hex(ct) },
            },
            "expected_error": err,
        }));
    };
    pneg(
        "piece_index_past_the_last",
        pieces.len(),
        &m.pieces[0],
        "misuse/piece_index_out_of_range",
    );
    pneg(
        "piece_one_byte_short",
        0,
        &m.pieces[0][..m.pieces[0].len() - 1],
        "malformed/piece_size",
    );
    pneg(
        "piece_of_a_key_holder",
        0,
        &substitute,
        "authentication/piece_digest",
    );
    cases
}

/// A copy (CBOR map) whose byte-string field `key` is replaced by `len` zero bytes, in the
/// compact form: the bytes before it, the byte string's head, the fill, the bytes after.
pub fn big_field(copy: &[u8], key: &str, len: usize) -> Value {
    const MARK: [u8; 16] = *b"__placeholder__!";
    let mut v: ciborium::Value = ciborium::from_reader(copy).expect("copy");
    if let ciborium::Value::Map(m) = &mut v
        && let Some(e) = m.iter_mut().find(|(k, _)| k.as_text() == Some(key))
    {
        e.1 = ciborium::Value::Bytes(MARK.to_vec());
    }
    let bytes = enc(&v);
    let at = bytes
        .windows(17)
        .position(|w| w[0] == 0x50 && w[1..] == MARK)
        .expect("placeholder");
    let mut head = vec![0x5a];
    head.extend((len as u32).to_be_bytes());
    notation::concat(vec![
        json!(hex(&bytes[..at])),
        json!(hex(&head)),
        notation::fill(&[0], len),
        json!(hex(&bytes[at + 17..])),
    ])
}
