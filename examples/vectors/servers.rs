//! The `server` operation: key-free validation and splitting (SPEC.md §6.7, §10.4). Inputs
//! are bytes and lengths only; no key is involved.

use mailseal::Suite;
use mailseal::keys::UserId;
use mailseal::mail::envelope::{Envelope, RoutingHeader};
use mailseal::mail::server::{RoutingInfo, split_envelope, validate_copy, validate_envelope};
use mailseal::wire::Bytes;
use serde_json::{Value, json};

use super::notation::{self, bytes_of};
use super::{Check, class, expect_error, header_with_code, kind_name, need_suite};
use crate::json::*;

fn info_json(i: &RoutingInfo) -> Value {
    json!({
        "origin": i.header.origin.code(),
        "suite": i.suite.name(),
        "boxes": i.boxes.iter().map(|b| json!({ "kind": kind_name(b.kind), "address": b.address, "user": hex(b.user.as_bytes()) })).collect::<Vec<_>>(),
        "link_box": i.link_box,
        "held_for": i.held_for.iter().map(|h| json!({ "address": h.address, "user": hex(h.user.as_bytes()) })).collect::<Vec<_>>(),
        "external": i.external,
    })
}

fn lengths(i: &Value) -> Result<Vec<u64>, String> {
    list_of(i, "piece_lengths")?
        .iter()
        .map(|v| {
            v.as_u64()
                .ok_or_else(|| "a piece length is not a number".to_string())
        })
        .collect()
}

/// What a case's call gives, as JSON.
fn run(i: &Value) -> Result<Result<Value, mailseal::Error>, String> {
    Ok(match str_of(i, "call")? {
        "validate_envelope" => {
            validate_envelope(&bytes_of(i, "envelope")?, &lengths(i)?).map(|r| info_json(&r))
        }
        "validate_copy" => {
            validate_copy(&bytes_of(i, "copy")?, &lengths(i)?).map(|r| info_json(&r))
        }
        "split_envelope" => split_envelope(&bytes_of(i, "envelope")?).map(|copies| {
            json!(
                copies
                    .iter()
                    .map(|c| json!({
                        "address": c.address, "user": hex(c.user.as_bytes()),
                        "kind": kind_name(c.kind), "copy": hex(&c.copy),
                    }))
                    .collect::<Vec<_>>()
            )
        }),
        other => return Err(format!("unknown call {other}")),
    })
}

pub fn verify(suite: Option<Suite>, case: &Value) -> Check {
    let suite = need_suite(suite)?;
    let i = field(case, "inputs")?;
    let result = run(i)?;
    if case.get("expected_error").is_some() {
        return expect_error(result, case);
    }
    let got = result.map_err(|e| class(&e))?;
    if got.get("suite").is_some_and(|s| s != suite.name()) {
        return Err("a mail of another suite in this file".into());
    }
    if &got != field(case, "expected")? {
        return Err(format!("differs: got {got}"));
    }
    Ok(())
}

/// The mail envelope of a generated case and the lengths of its pieces.
fn envelope_of(cases: &[Value], name: &str) -> (Vec<u8>, Vec<u64>) {
    let case = cases
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    let e = &case["expected"];
    let envelope = unhex(e["envelope"].as_str().expect("envelope")).expect("hex");
    let lengths = e["pieces"]
        .as_array()
        .expect("pieces")
        .iter()
        .map(|p| (p.as_str().expect("hex").len() / 2) as u64)
        .collect();
    (envelope, lengths)
}

pub fn cases(mail: &[Value], link: &[Value]) -> Vec<Value> {
    let mut cases = Vec::new();
    let (signed, signed_lengths) = envelope_of(mail, "mail_to_cc_bcc_with_attachment");
    let (access, access_lengths) = envelope_of(mail, "mail_server_access_for_external_cc");
    let (inbound, inbound_lengths) = envelope_of(mail, "inbound_external_server_sealed");
    let (restricted, restricted_lengths) = envelope_of(link, "link_access_restricted_external_to");
    let copies = split_envelope(&signed).expect("split");
    let mut push = |name: &str, inputs: Value, err: Option<&str>| {
        let mut case = json!({ "name": name, "inputs": inputs });
        match err {
            Some(e) => case["expected_error"] = json!(e),
            None => {
                case["expected"] = run(&case["inputs"])
                    .expect("inputs")
                    .expect("a positive server case")
            }
        }
        cases.push(case);
    };
    let validate = |envelope: &Value, lengths: &[u64]| json!({ "call": "validate_envelope", "envelope": envelope, "piece_lengths": lengths });
    let h = |b: &[u8]| json!(hex(b));
    // Positive: every kind of envelope, a copy of each kind, a split.
    push(
        "validate_signed_to_cc_bcc",
        validate(&h(&signed), &signed_lengths),
        None,
    );
    push(
        "validate_server_access_for_external_cc",
        validate(&h(&access), &access_lengths),
        None,
    );
    push(
        "validate_server_sealed_inbound",
        validate(&h(&inbound), &inbound_lengths),
        None,
    );
    push(
        "validate_access_restricted",
        validate(&h(&restricted), &restricted_lengths),
        None,
    );
    for c in &copies[..2] {
        push(
            &format!("validate_copy_{}", kind_name(c.kind)),
            json!({ "call": "validate_copy", "copy": hex(&c.copy), "piece_lengths": signed_lengths }),
            None,
        );
    }
    push(
        "split_signed_to_cc_bcc",
        json!({ "call": "split_envelope", "envelope": hex(&signed) }),
        None,
    );

    // Negative: the checks of §10.4 in order, on edited envelopes.
    let parsed = Envelope::parse(&signed).expect("envelope");
    let edit_on = |base: &Envelope, f: &dyn Fn(&mut Envelope)| {
        let mut e = base.clone();
        f(&mut e);
        h(&e.encode())
    };
    let edit = |f: &dyn Fn(&mut Envelope)| edit_on(&parsed, f);
    let edit_header = |f: &dyn Fn(&mut RoutingHeader)| {
        edit(&|e| {
            let (mut hd, _) = RoutingHeader::parse(&e.header.0).expect("header");
            f(&mut hd);
            e.header = Bytes(hd.encode());
        })
    };
    let mut neg = |name: &str, inputs: Value, err: &str| push(name, inputs, Some(err));
    // 1. Size, parse, header fields.
    neg(
        "envelope_over_4_mib",
        validate(
            &notation::fill(&[0], mailseal::mail::envelope::MAX_ENVELOPE_LEN + 1),
            &signed_lengths,
        ),
        "limit_exceeded/envelope_size",
    );
    neg(
        "envelope_header_over_256_kib",
        validate(
            &super::mails::big_field(&signed, "h", mailseal::mail::envelope::MAX_HEADER_LEN + 1),
            &signed_lengths,
        ),
        "limit_exceeded/header_size",
    );
    // The manifest and the sender record are held to their limits as the envelope is parsed
    // (SPEC.md §4.2, §10.4 step 1), though the server never opens them.
    neg(
        "envelope_manifest_over_64_kib",
        validate(
            &super::mails::big_field(&signed, "m", mailseal::mail::envelope::MAX_MANIFEST_LEN + 1),
            &signed_lengths,
        ),
        "limit_exceeded/manifest_size",
    );
    neg(
        "envelope_record_over_512_kib",
        validate(
            &super::mails::big_field(
                &signed,
                "sr",
                mailseal::mail::envelope::MAX_SENDER_RECORD_LEN + 1,
            ),
            &signed_lengths,
        ),
        "limit_exceeded/sender_record_size",
    );
    // 1025 boxes: the envelope's first box repeated (compact form).
    {
        // The first box's bytes: the envelope with only that box, less the envelope with none.
        let mut rest = parsed.clone();
        rest.boxes.truncate(1);
        let one = rest.encode();
        rest.boxes.clear();
        let tail = rest.encode();
        let first_box = one[4..one.len() - (tail.len() - 4)].to_vec();
        // The map head, key "b", an array head of 1025, the boxes, then the other fields
        // (after the empty array of `rest`).
        let empty_b = [0xa6, 0x61, 0x62, 0x80];
        assert_eq!(tail[..4], empty_b, "the envelope map begins with its boxes");
        neg(
            "envelope_1025_boxes",
            validate(
                &notation::concat(vec![
                    h(&[0xa6, 0x61, 0x62, 0x99, 0x04, 0x01]),
                    notation::fill(&first_box, 1025 * first_box.len()),
                    h(&tail[4..]),
                ]),
                &signed_lengths,
            ),
            "limit_exceeded/recipients",
        );
    }
    neg(
        "header_version_2",
        validate(
            &edit(&|e| e.header = header_with_code(&e.header.0, "v", 2)),
            &signed_lengths,
        ),
        "unsupported/version",
    );
    neg(
        "header_unknown_suite",
        validate(
            &edit(&|e| e.header = header_with_code(&e.header.0, "s", 0x7777)),
            &signed_lengths,
        ),
        "unsupported/suite",
    );
    neg(
        "header_origin_9",
        validate(
            &edit(&|e| e.header = header_with_code(&e.header.0, "o", 9)),
            &signed_lengths,
        ),
        "malformed/field/origin",
    );
    neg(
        "header_signed_without_device",
        validate(&edit_header(&|hd| hd.sender.device = None), &signed_lengths),
        "malformed/field/origin",
    );
    neg(
        "header_sender_chain_tail_zero",
        validate(
            &edit_header(&|hd| {
                if let Some(t) = hd.sender.chain.as_mut() {
                    t.seq = 0;
                }
            }),
            &signed_lengths,
        ),
        "malformed/field/chain_tail",
    );
    let crowd: Vec<mailseal::mail::envelope::Party> = (0..1025)
        .map(|i| mailseal::mail::envelope::Party {
            address: format!("x{i}@elsewhere.example"),
            user: None,
        })
        .collect();
    neg(
        "header_1025_parties",
        validate(&edit_header(&|hd| hd.cc = crowd.clone()), &signed_lengths),
        "limit_exceeded/recipients",
    );
    neg(
        "header_no_pieces",
        validate(&edit_header(&|hd| hd.piece_sizes.clear()), &[]),
        "malformed/manifest_mismatch",
    );
    neg(
        "header_257_pieces",
        validate(
            &edit_header(&|hd| hd.piece_sizes = vec![96; 257]),
            &[96; 257],
        ),
        "limit_exceeded/pieces",
    );
    neg(
        "header_piece_over_64_gib",
        validate(
            &edit_header(&|hd| hd.piece_sizes[1] = (1 << 36) + 1),
            &[signed_lengths[0], (1 << 36) + 1],
        ),
        "limit_exceeded/piece_size",
    );
    neg(
        "header_message_id_empty",
        validate(&edit_header(&|hd| hd.message_id.clear()), &signed_lengths),
        "malformed/field/message_id",
    );
    neg(
        "header_message_id_with_control_character",
        validate(
            &edit_header(&|hd| hd.message_id = "<a\u{0}b@example.com>".into()),
            &signed_lengths,
        ),
        "malformed/field/message_id",
    );
    neg(
        "header_sender_address_empty",
        validate(
            &edit_header(&|hd| hd.sender.address.clear()),
            &signed_lengths,
        ),
        "malformed/field/address",
    );
    neg(
        "header_to_address_321_bytes",
        validate(
            &edit_header(&|hd| hd.to[0].address = "b".repeat(321)),
            &signed_lengths,
        ),
        "malformed/field/address",
    );
    neg(
        "header_user_in_to_and_cc",
        validate(
            &edit_header(&|hd| {
                let bob = hd.to[0].clone();
                hd.cc.push(bob);
            }),
            &signed_lengths,
        ),
        "malformed/field/recipient_set",
    );
    // 2. Pieces.
    neg(
        "pieces_one_missing",
        validate(&h(&signed), &signed_lengths[..1]),
        "malformed/manifest_mismatch",
    );
    neg(
        "pieces_one_too_many",
        validate(&h(&signed), &[&signed_lengths[..], &[96]].concat()),
        "malformed/manifest_mismatch",
    );
    neg(
        "piece_length_not_the_stated_one",
        validate(&h(&signed), &[signed_lengths[0] + 1, signed_lengths[1]]),
        "malformed/piece_size",
    );
    let invalid = 64 + 65568 + 10;
    neg(
        "piece_length_no_piece_has",
        validate(
            &edit_header(&|hd| hd.piece_sizes[1] = invalid),
            &[signed_lengths[0], invalid],
        ),
        "malformed/piece_size",
    );
    // 3. Expiry and link box.
    neg(
        "expiry_without_link_box",
        validate(&edit_header(&|hd| hd.expiry = Some(1)), &signed_lengths),
        "malformed/field/expiry",
    );
    let restricted_env = Envelope::parse(&restricted).expect("envelope");
    neg(
        "link_box_without_expiry",
        validate(
            &edit_on(&restricted_env, &|e| {
                let (mut hd, _) = RoutingHeader::parse(&e.header.0).expect("header");
                hd.expiry = None;
                e.header = Bytes(hd.encode());
            }),
            &restricted_lengths,
        ),
        "malformed/field/expiry",
    );
    let inbound_env = Envelope::parse(&inbound).expect("envelope");
    neg(
        "link_box_in_server_sealed_mail",
        validate(
            &edit_on(&inbound_env, &|e| {
                let (mut hd, _) = RoutingHeader::parse(&e.header.0).expect("header");
                hd.expiry = Some(1_765_000_000);
                e.header = Bytes(hd.encode());
                e.link_box = restricted_env.link_box.clone();
            }),
            &inbound_lengths,
        ),
        "malformed/field/origin",
    );
    // 4. Boxes: fields, kind against the header, tails, the recipient set.
    let edit_box = |i: usize, f: &dyn Fn(&mut mailseal::mail::envelope::WireBox)| {
        edit(&|e| f(&mut e.boxes[i]))
    };
    neg(
        "box_address_with_control_character",
        validate(
            &edit_box(1, &|b| b.address = "bob\u{7f}@example.com".into()),
            &signed_lengths,
        ),
        "malformed/field/address",
    );
    neg(
        "box_kind_7",
        validate(&edit_box(1, &|b| b.kind = 7), &signed_lengths),
        "malformed/field/recipient_kind",
    );
    neg(
        "box_generation_0",
        validate(&edit_box(1, &|b| b.generation = 0), &signed_lengths),
        "malformed/field/generation",
    );
    neg(
        "box_enc_one_byte_long",
        validate(&edit_box(1, &|b| b.enc.0.push(0)), &signed_lengths),
        "malformed/field/box_length",
    );
    neg(
        "box_ciphertext_one_byte_short",
        validate(
            &edit_box(0, &|b| {
                b.ciphertext.0.pop();
            }),
            &signed_lengths,
        ),
        "malformed/field/box_length",
    );
    neg(
        "box_to_relabelled_cc",
        validate(&edit_box(1, &|b| b.kind = 2), &signed_lengths),
        "malformed/field/recipient_set",
    );
    neg(
        "box_without_chain_tail",
        validate(&edit_box(1, &|b| b.tail = None), &signed_lengths),
        "malformed/field/chain_tail",
    );
    neg(
        "box_of_server_sealed_mail_with_chain_tail",
        validate(
            &edit_on(&inbound_env, &|e| e.boxes[0].tail = parsed.boxes[1].tail),
            &inbound_lengths,
        ),
        "malformed/field/chain_tail",
    );
    neg(
        "user_with_two_boxes",
        validate(
            &edit(&|e| {
                let bob = e.boxes[1].clone();
                e.boxes.push(bob);
            }),
            &signed_lengths,
        ),
        "malformed/field/recipient_set",
    );
    neg(
        "sender_box_not_first",
        validate(&edit(&|e| e.boxes.swap(0, 3)), &signed_lengths),
        "malformed/field/recipient_set",
    );
    neg(
        "signed_mail_without_sender_record",
        validate(&edit(&|e| e.sender_record = None), &signed_lengths),
        "malformed/field/recipient_set",
    );
    neg(
        "server_sealed_mail_with_sender_record",
        validate(
            &edit_on(&inbound_env, &|e| {
                e.sender_record = Some(Bytes(vec![0; 96]))
            }),
            &inbound_lengths,
        ),
        "malformed/field/recipient_set",
    );
    let access_env = Envelope::parse(&access).expect("envelope");
    neg(
        "two_server_boxes",
        validate(
            &edit_on(&access_env, &|e| {
                let mut second = e.boxes[e.boxes.len() - 1].clone();
                second.user = UserId::new([0x5e; 16]);
                e.boxes.push(second);
            }),
            &access_lengths,
        ),
        "malformed/field/recipient_set",
    );
    // 5. Every named user has a box unless the server has one; externals need a server or
    //    link box; every envelope has a box.
    neg(
        "cc_user_without_box",
        validate(
            &edit(&|e| {
                e.boxes.remove(2);
            }),
            &signed_lengths,
        ),
        "malformed/field/recipient_set",
    );
    neg(
        "external_without_server_or_link_box",
        validate(
            &edit_on(&access_env, &|e| {
                e.boxes.pop();
            }),
            &access_lengths,
        ),
        "malformed/field/recipient_set",
    );
    neg(
        "server_sealed_mail_without_boxes",
        validate(
            &edit_on(&inbound_env, &|e| e.boxes.clear()),
            &inbound_lengths,
        ),
        "malformed/field/recipient_set",
    );
    // A copy and a split.
    let own = &copies[0].copy;
    let mut own_without_record = mailseal::mail::envelope::Copy::parse(own).expect("copy");
    own_without_record.sender_record = None;
    neg(
        "copy_of_sender_without_record",
        json!({ "call": "validate_copy", "copy": hex(&own_without_record.encode()), "piece_lengths": signed_lengths }),
        "malformed/field/recipient_set",
    );
    let mut bob_with_record = mailseal::mail::envelope::Copy::parse(&copies[1].copy).expect("copy");
    bob_with_record.sender_record = mailseal::mail::envelope::Copy::parse(own)
        .expect("copy")
        .sender_record;
    neg(
        "copy_of_recipient_with_record",
        json!({ "call": "validate_copy", "copy": hex(&bob_with_record.encode()), "piece_lengths": signed_lengths }),
        "malformed/field/recipient_set",
    );
    // §10.4's order holds for copies too: the header (step 1) before the box's kind (step 4).
    let mut version_2_kind_7 =
        mailseal::mail::envelope::Copy::parse(&copies[1].copy).expect("copy");
    version_2_kind_7.header = header_with_code(&version_2_kind_7.header.0, "v", 2);
    version_2_kind_7.recipient_box.kind = 7;
    neg(
        "copy_header_version_2_box_kind_7",
        json!({ "call": "validate_copy", "copy": hex(&version_2_kind_7.encode()), "piece_lengths": signed_lengths }),
        "unsupported/version",
    );
    neg(
        "copy_pieces_one_missing",
        json!({ "call": "validate_copy", "copy": hex(&copies[1].copy), "piece_lengths": &signed_lengths[..1] }),
        "malformed/manifest_mismatch",
    );
    neg(
        "split_header_piece_length_no_piece_has",
        json!({ "call": "split_envelope", "envelope": edit_header(&|hd| hd.piece_sizes[1] = invalid) }),
        "malformed/piece_size",
    );
    cases
}
