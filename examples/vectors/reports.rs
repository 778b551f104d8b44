//! The `report` operation: abuse reports (SPEC.md §13). Alice mails Bob (To) and Carol (BCC)
//! a body and an attachment; Bob reports the body. A case gives the report, the sender's and
//! the reporter's chains (as the service verified them) and the stored ciphertexts of the
//! disclosed pieces; a positive case expects what the report proves, a negative one the
//! check that refuses it. Forged reports are re-signed with the reporter device's key,
//! computed here from its seed (SPEC.md §5.1), so each reaches the check it names.

use ciborium::Value as Cbor;
use ed25519_dalek::Signer;
use mailseal::Suite;
use mailseal::hazmat::XofRng;
use mailseal::identity::ChainState;
use mailseal::keys::UserId;
use mailseal::mail::envelope::{Origin, RoutingHeader};
use mailseal::mail::open::{Mailbox, open_copy};
use mailseal::mail::report::{VerifiedReport, report, verify_report};
use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use mailseal::mail::server::{InboundMail, seal_inbound, split_envelope};
use serde_json::{Value, json};

use super::notation::{self, bytes_of};
use super::{Check, Party, class, expect_error, forge, kind_name, need_suite};
use crate::chains::{chain_of, links_json};
use crate::json::*;

/// What a verified report proves, as the vectors spell it.
fn proved(v: &VerifiedReport) -> Value {
    json!({
        "sender": hex(v.sender.as_bytes()),
        "sender_device": hex(v.sender_device.as_bytes()),
        "sender_status": v.sender_status.code(),
        "from": v.from,
        "from_is_senders": v.from_is_senders,
        "sent_at": v.sent_at,
        "message_id": v.message_id,
        "recipient": v.recipient,
        "recipient_kind": kind_name(v.recipient_kind),
        "reporter": hex(v.reporter.as_bytes()),
        "reporter_device": hex(v.reporter_device.as_bytes()),
        "reported_at": v.reported_at,
        "piece_count": v.piece_count,
        "pieces": v.pieces.iter().map(|p| json!({ "index": p.index, "plaintext": hex(&p.plaintext) })).collect::<Vec<_>>(),
    })
}

/// A report body's entries, as a CBOR map holds them.
type BodyMap = Vec<(Cbor, Cbor)>;

/// The report's body as a CBOR map, edited by `f`, re-encoded and re-signed by `signer`.
fn forged(report: &[u8], suite: Suite, signer: &Party, f: &dyn Fn(&mut BodyMap)) -> Vec<u8> {
    let outer: Cbor = ciborium::from_reader(report).expect("report");
    let body_bytes = outer.as_map().expect("map")[0]
        .1
        .as_bytes()
        .expect("body")
        .clone();
    let mut body: Cbor = ciborium::from_reader(&body_bytes[..]).expect("body");
    f(body.as_map_mut().expect("body map"));
    let mut new_body = Vec::new();
    ciborium::into_writer(&body, &mut new_body).expect("encode");
    let mut message = b"mailseal v1 abuse report".to_vec();
    message.extend_from_slice(&suite.id().to_be_bytes());
    message.extend_from_slice(&new_body);
    let signature = forge::signing_key(&signer.device_seed)
        .sign(&message)
        .to_bytes();
    let out = Cbor::Map(vec![
        (Cbor::Text("r".into()), Cbor::Bytes(new_body)),
        (Cbor::Text("z".into()), Cbor::Bytes(signature.to_vec())),
    ]);
    let mut bytes = Vec::new();
    ciborium::into_writer(&out, &mut bytes).expect("encode");
    bytes
}

/// Sets body field `key` to `value`.
fn set(key: &'static str, value: Cbor) -> impl Fn(&mut BodyMap) {
    move |m| {
        let slot = m
            .iter_mut()
            .find(|(k, _)| k.as_text() == Some(key))
            .expect("key");
        slot.1 = value.clone();
    }
}

/// The body's byte string under `key`.
fn body_bytes_at(report: &[u8], key: &str) -> Vec<u8> {
    let outer: Cbor = ciborium::from_reader(report).expect("report");
    let body_bytes = outer.as_map().expect("map")[0]
        .1
        .as_bytes()
        .expect("body")
        .clone();
    let body: Cbor = ciborium::from_reader(&body_bytes[..]).expect("body");
    let map = body.as_map().expect("map");
    let v = &map
        .iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .expect("key")
        .1;
    v.as_bytes().expect("bytes").clone()
}

pub fn cases(suite: Suite, alice: &Party, bob: &Party, carol: &Party, dave: &Party) -> Vec<Value> {
    let mut rng = XofRng::new(format!("report {}", suite.name()).as_bytes());
    let chain = |p: &Party| ChainState::verify(&p.links(suite)).expect("chain");
    let (alice_chain, bob_chain, carol_chain) = (chain(alice), chain(bob), chain(carol));
    let (alice_puk, bob_puk) = (alice.puk(suite).expect("puk"), bob.puk(suite).expect("puk"));
    let alice_device = alice.device(suite);
    let sender = SenderIdentity {
        address: &alice.address,
        puk: &alice_puk,
        device: &alice_device,
        chain: &alice_chain,
    };
    let mut mail = MailSealer::new(suite, sender, "<offer@example.com>", 1_764_374_400)
        .expect("sealer")
        .to(RecipientKey::from_chain(&bob.address, &bob_chain).expect("bob"))
        .bcc(RecipientKey::from_chain(&carol.address, &carol_chain).expect("carol"));
    let body = mail
        .add_piece(b"Subject: a prize\r\n\r\nClick here", &mut rng)
        .expect("body");
    let attachment = mail
        .add_piece(b"not for the service", &mut rng)
        .expect("attachment");
    let envelope = mail.seal(&mut rng).expect("seal");
    let copy = split_envelope(&envelope)
        .expect("split")
        .into_iter()
        .find(|c| c.user == UserId::new(bob.user))
        .expect("bob's copy")
        .copy;
    let opened = open_copy(
        &copy,
        &Mailbox::new(&bob_chain, [&bob_puk]).without_key_transparency(),
        &[&alice_chain],
    )
    .expect("bob opens");
    let reported_at = 1_764_460_800;
    let made = report(&opened, &[0], &bob.device(suite), reported_at).expect("report");
    let verified = verify_report(&made, &alice_chain, &bob_chain, &[&body]).expect("verifies");

    let links = |p: &Party| links_json(&p.links(suite));
    let inputs = |report: &[u8], sender: &Party, reporter: &Party, pieces: &[&[u8]]| {
        json!({
            "report": hex(report),
            "sender_chain": links(sender),
            "reporter_chain": links(reporter),
            "ciphertexts": pieces.iter().map(|p| hex(p)).collect::<Vec<_>>(),
        })
    };
    let mut cases = vec![json!({
        "name": "report_of_the_body_by_a_to_recipient",
        "inputs": inputs(&made, alice, bob, &[&body]),
        "expected": proved(&verified),
    })];
    let both = report(&opened, &[1, 0], &bob.device(suite), reported_at).expect("report");
    let verified_both =
        verify_report(&both, &alice_chain, &bob_chain, &[&body, &attachment]).expect("both");
    cases.push(json!({
        "name": "report_of_body_and_attachment",
        "inputs": inputs(&both, alice, bob, &[&body, &attachment]),
        "expected": proved(&verified_both),
    }));

    let mut neg = |name: &str, inputs: Value, err: &str| {
        cases.push(json!({ "name": name, "inputs": inputs, "expected_error": err }));
    };
    let with = |report: &[u8]| inputs(report, alice, bob, &[&body]);
    let resigned = |f: &dyn Fn(&mut BodyMap)| forged(&made, suite, bob, f);

    // 1–6: syntax.
    let mut too_big = with(&made);
    too_big["report"] = notation::fill(&[0], mailseal::mail::report::MAX_REPORT_LEN + 1);
    neg(
        "report_over_the_size_limit",
        too_big,
        "limit_exceeded/report_size",
    );
    neg(
        "report_version_2",
        with(&resigned(&set("v", Cbor::Integer(2.into())))),
        "unsupported/version",
    );
    let header = body_bytes_at(&made, "h");
    let (mut h, _) = RoutingHeader::parse(&header).expect("header");
    h.origin = Origin::InboundExternal;
    h.sender.device = None;
    h.sender.chain = None;
    neg(
        "report_of_server_sealed_mail",
        with(&resigned(&set("h", Cbor::Bytes(h.encode())))),
        "authentication/unsigned_mail",
    );
    neg(
        "report_as_the_senders_own_box",
        with(&resigned(&set("k", Cbor::Integer(0.into())))),
        "malformed/field/recipient_kind",
    );
    neg(
        "report_tree_position_past_the_tree",
        with(&resigned(&set("n", Cbor::Integer(1024.into())))),
        "malformed/box_plaintext",
    );
    neg(
        "report_path_of_nine",
        with(&resigned(&|m| {
            let slot = m
                .iter_mut()
                .find(|(k, _)| k.as_text() == Some("p"))
                .expect("p");
            slot.1.as_array_mut().expect("path").pop();
        })),
        "malformed/box_plaintext",
    );
    let disclose = |index: u64, key: Vec<u8>| {
        Cbor::Array(vec![Cbor::Map(vec![
            (Cbor::Text("i".into()), Cbor::Integer(index.into())),
            (Cbor::Text("k".into()), Cbor::Bytes(key)),
        ])])
    };
    let key0 = {
        let q: Cbor = {
            let outer: Cbor = ciborium::from_reader(&made[..]).expect("report");
            let b = outer.as_map().expect("map")[0]
                .1
                .as_bytes()
                .expect("body")
                .clone();
            ciborium::from_reader(&b[..]).expect("body")
        };
        let m = q.as_map().expect("map");
        let entry = &m
            .iter()
            .find(|(k, _)| k.as_text() == Some("q"))
            .expect("q")
            .1;
        entry.as_array().expect("q")[0].as_map().expect("entry")[1]
            .1
            .as_bytes()
            .expect("key")
            .clone()
    };
    neg(
        "report_adds_a_piece_the_mail_does_not_have",
        with(&resigned(&set("q", disclose(2, key0.clone())))),
        "malformed/manifest_mismatch",
    );
    // Any uint is an index (SPEC.md §4.1): one past 16 bits is the same mismatch, not schema.
    neg(
        "report_discloses_piece_65536",
        with(&resigned(&set("q", disclose(1 << 16, key0.clone())))),
        "malformed/manifest_mismatch",
    );
    // One spelling per report: the same piece disclosed twice.
    let twice = {
        let Cbor::Array(mut once) = disclose(0, key0.clone()) else {
            unreachable!("an array")
        };
        once.push(once[0].clone());
        Cbor::Array(once)
    };
    // With the stored ciphertext given for each entry: nothing else refuses it.
    neg(
        "report_discloses_a_piece_twice",
        inputs(&resigned(&set("q", twice)), alice, bob, &[&body, &body]),
        "malformed/manifest_mismatch",
    );

    // 7–8: the reporter.
    neg(
        "report_replayed_by_another_recipient",
        inputs(&made, alice, carol, &[&body]),
        "not_a_recipient",
    );
    neg(
        "report_signed_by_a_device_not_in_the_reporters_chain",
        with(&resigned(&set("d", Cbor::Bytes(vec![0x77; 16])))),
        "authentication/reporter",
    );
    let mut bad_signature = made.clone();
    let last = bad_signature.len() - 1;
    bad_signature[last] ^= 1;
    neg(
        "report_signature_altered",
        with(&bad_signature),
        "authentication/report_signature",
    );
    let tail = |seq: u64, hash: Vec<u8>| {
        Cbor::Map(vec![
            (Cbor::Text("h".into()), Cbor::Bytes(hash)),
            (Cbor::Text("q".into()), Cbor::Integer(seq.into())),
        ])
    };
    neg(
        "report_recipient_tail_ahead_of_the_reporters_chain",
        with(&resigned(&set("t", tail(1000, vec![0x55; 32])))),
        "chain/behind",
    );
    neg(
        "report_recipient_tail_off_the_reporters_chain",
        with(&resigned(&set("t", tail(1, vec![0x55; 32])))),
        "chain/fork",
    );
    neg(
        "report_generation_the_reporter_never_had",
        with(&resigned(&set("g", Cbor::Integer(9.into())))),
        "not_a_recipient",
    );

    // 9–10: the sender's signature.
    neg(
        "report_claims_another_sender",
        inputs(&made, dave, bob, &[&body]),
        "authentication/unknown_signer",
    );
    h = RoutingHeader::parse(&header).expect("header").0;
    h.message_id = "<other@example.com>".into();
    neg(
        "report_with_an_altered_header",
        with(&resigned(&set("h", Cbor::Bytes(h.encode())))),
        "authentication/signature",
    );
    neg(
        "report_with_another_salt",
        with(&resigned(&set("s", Cbor::Bytes(vec![0x42; 32])))),
        "authentication/signature",
    );
    neg(
        "report_as_cc_of_a_to_recipient",
        with(&resigned(&set("k", Cbor::Integer(2.into())))),
        "authentication/signature",
    );

    // 11: the disclosed pieces.
    neg(
        "report_without_the_stored_ciphertext",
        inputs(&made, alice, bob, &[]),
        "malformed/manifest_mismatch",
    );
    neg(
        "report_with_the_attachment_for_the_body",
        inputs(&made, alice, bob, &[&attachment]),
        "malformed/piece_size",
    );
    let mut other_key = key0.clone();
    other_key[0] ^= 1;
    neg(
        "report_discloses_another_key",
        with(&resigned(&set("q", disclose(0, other_key)))),
        "authentication/key_commitment",
    );
    let mut altered = body.clone();
    // The last tag byte: the header (and with it the key commitment) is untouched.
    let last = altered.len() - 1;
    altered[last] ^= 1;
    neg(
        "report_with_altered_stored_ciphertext",
        inputs(&made, alice, bob, &[&altered]),
        "authentication/chunk",
    );

    // The reporter's side: a server-sealed copy has no signature to report.
    let inbound = InboundMail {
        origin: Origin::InboundExternal,
        sender_address: "eve@elsewhere.example".into(),
        sender_user: None,
        message_id: "<in@elsewhere.example>".into(),
        timestamp: 1_764_374_400,
        to: vec![mailseal::mail::envelope::Party {
            address: bob.address.clone(),
            user: Some(UserId::new(bob.user)),
        }],
        cc: vec![],
        recipients: vec![RecipientKey::from_chain(&bob.address, &bob_chain).expect("bob")],
        pieces: vec![b"Subject: hi\r\n\r\nfrom outside".as_slice()],
    };
    let sealed = seal_inbound(suite, &inbound, &mut rng).expect("inbound");
    let inbound_copy = split_envelope(&sealed.envelope)
        .expect("split")
        .remove(0)
        .copy;
    // Nor the sender's own copy: only a recipient reports (SPEC.md §13.2).
    let own = split_envelope(&envelope)
        .expect("split")
        .into_iter()
        .find(|c| c.user == UserId::new(alice.user))
        .expect("alice's copy")
        .copy;
    cases.push(json!({
        "name": "report_made_of_the_senders_own_copy",
        "inputs": { "make_from_copy": hex(&own), "reporter": alice.to_json(suite), "disclose": [0] },
        "expected_error": "misuse/report_not_by_recipient",
    }));
    cases.push(json!({
        "name": "report_made_of_server_sealed_mail",
        "inputs": { "make_from_copy": hex(&inbound_copy), "reporter": bob.to_json(suite), "disclose": [0] },
        "expected_error": "misuse/report_of_unsigned_mail",
    }));
    cases
}

/// The reporter's side of a case: open `make_from_copy` as `reporter` and report it.
fn make(suite: Suite, inputs: &Value) -> Result<Result<Vec<u8>, mailseal::Error>, String> {
    let reporter = Party::from_json(field(inputs, "reporter")?)?;
    let chain = chain_of(field(inputs, "reporter")?, "chain")?;
    let puk = reporter.puk(suite)?;
    let copy = bytes_of(inputs, "make_from_copy")?;
    let disclose = list_of(inputs, "disclose")?
        .iter()
        .map(|i| i.as_u64().map(|i| i as usize).ok_or("an index"))
        .collect::<Result<Vec<_>, _>>()?;
    let opened = open_copy(
        &copy,
        &Mailbox::new(&chain, [&puk]).without_key_transparency(),
        &[&chain],
    )
    .map_err(|e| format!("the copy does not open: {}", class(&e)))?;
    Ok(report(&opened, &disclose, &reporter.device(suite), 1))
}

pub fn verify(suite: Option<Suite>, case: &Value) -> Check {
    let suite = need_suite(suite)?;
    let inputs = field(case, "inputs")?;
    if inputs.get("make_from_copy").is_some() {
        return expect_error(make(suite, inputs)?, case);
    }
    let report = bytes_of(inputs, "report")?;
    let sender = chain_of(inputs, "sender_chain")?;
    let reporter = chain_of(inputs, "reporter_chain")?;
    let pieces = list_of(inputs, "ciphertexts")?
        .iter()
        .map(|p| {
            p.as_str()
                .ok_or("a ciphertext is hex text")
                .map_err(String::from)
                .and_then(unhex)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let pieces: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
    let result = verify_report(&report, &sender, &reporter, &pieces);
    if case.get("expected_error").is_some() {
        return expect_error(result, case);
    }
    let got = proved(&result.map_err(|e| format!("refused: {}", class(&e)))?);
    let want = field(case, "expected")?;
    if &got != want {
        return Err(format!("the report proves {got}, expected {want}"));
    }
    Ok(())
}
