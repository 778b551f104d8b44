//! `mailseal inspect` on real artifacts: each structure recognised with its fields and checks,
//! tampered ones refused by the library's error class, `--compare` pointing at the field.

mod common;

use common::*;
use mailseal::Suite;
use mailseal::account::devices::SeedWrap;
use mailseal::mail::envelope::Envelope;
use serde_json::Value;

/// Every check ran and passed (a lone non-root link's verification is "not run").
fn assert_all_ok(report: &Value) {
    for check in report["checks"].as_array().expect("checks") {
        assert!(
            check["result"] == "ok" || check["result"] == "not run",
            "{check:#}"
        );
    }
    assert_eq!(report["result"], "ok", "{report:#}");
}

#[test]
fn every_structure_is_recognised_with_its_section_and_passes_its_checks() {
    let w = world();
    let scratch = Scratch::new("kinds");
    let escrow = vector("escrow-x25519.json", "escrow_wrap", "/expected/escrow_wrap");
    let link_copy = vector(
        "link-x25519.json",
        "link_access_restricted_external_to",
        "/expected/link_copy",
    );
    let device_text = format!("{}\n", w.laptop.public());
    let report = vector(
        "report-x25519.json",
        "report_of_the_body_by_a_to_recipient",
        "/inputs/report",
    );
    let kinds: [(&str, &[u8], &str, &str); 17] = [
        ("envelope", &w.envelope, "envelope", "§6.6"),
        ("copy", &w.copies[1].copy, "per-recipient copy", "§6.7"),
        ("link-copy", &link_copy, "link copy", "§10.3"),
        ("header", &w.header, "routing header", "§6.1"),
        ("device", &w.device_record, "device public record", "§5.4"),
        (
            "device-text",
            device_text.as_bytes(),
            "device public record, text form",
            "§5.6",
        ),
        ("puk", &w.puk_record, "per-user key record", "§5.4"),
        ("wrap", &w.seed_wrap, "seed wrap", "§7.2"),
        ("batch", &w.batch, "seed wrap batch", "§7.2"),
        ("escrow", &escrow, "escrow wrap", "§8.2"),
        ("root", &w.root, "chain link", "§12.2"),
        ("add", &w.add_device, "chain link", "§12.2"),
        ("segment", &w.segment, "chain segment", "§12.2"),
        ("blob", &w.user_data, "user data blob", "§9"),
        ("report", &report, "abuse report", "§13.1"),
        ("piece", &w.piece.ciphertext, "sealed piece", "§3.3"),
        ("body", &w.body, "sealed piece", "§3.3"),
    ];
    for (name, bytes, structure, spec) in kinds {
        let (report, code) = inspect(&scratch, name, bytes);
        assert_eq!(report["structure"], structure, "{name}: {report:#}");
        assert_eq!(report["spec"], spec, "{name}");
        assert_eq!(report["bytes"], bytes.len(), "{name}");
        assert_all_ok(&report);
        assert_eq!(code, 0, "{name}");
    }
}

#[test]
fn an_envelope_shows_its_fields_by_spec_name_and_what_the_server_learns() {
    let w = world();
    let scratch = Scratch::new("envelope");
    let (report, _) = inspect(&scratch, "envelope", &w.envelope);
    let fields = &report["fields"];
    assert_eq!(fields["header"]["message_id"], MESSAGE_ID);
    assert_eq!(fields["header"]["origin"]["name"], "sender_device");
    assert_eq!(fields["header"]["suite"]["name"], Suite::X25519.name());
    assert_eq!(fields["header"]["piece_sizes"][0], w.body.len());
    assert_eq!(fields["boxes"][1]["address"], "bob@example.com");
    assert_eq!(fields["boxes"][1]["kind"]["name"], "to");
    assert_eq!(fields["boxes"][0]["kind"]["name"], "sender");
    assert_eq!(fields["bcc_commitment"].as_str().map(str::len), Some(64));
    let routing = &check_by(&report, "mailseal::mail::server::validate_envelope")["learned"];
    let kinds: Vec<&str> = routing["boxes"]
        .as_array()
        .expect("boxes")
        .iter()
        .filter_map(|b| b["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["sender", "to"]);
    let split = &check_by(&report, "mailseal::mail::server::split_envelope")["learned"];
    assert_eq!(split[1]["bytes"], w.copies[1].copy.len());

    let (copy, _) = inspect(&scratch, "copy", &w.copies[1].copy);
    assert_eq!(copy["fields"]["box"]["address"], "bob@example.com");
    assert_eq!(copy["fields"]["sender_record"], Value::Null);
}

#[test]
fn chains_keys_wraps_and_pieces_report_what_the_library_computes() {
    let w = world();
    let scratch = Scratch::new("learned");

    let (segment, _) = inspect(&scratch, "segment", &w.segment);
    let state = &check_by(&segment, "mailseal::identity::ChainState::verify_segment")["learned"];
    let tail = w.chain.tail();
    assert_eq!(state["tail"]["sequence_number"], 2);
    assert_eq!(state["tail"]["link_hash"], hex(&tail.hash));
    assert_eq!(state["security_code"], w.chain.security_code().to_string());
    assert_eq!(state["devices"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        segment["fields"][1]["body"]["link_type"]["name"],
        "add_device"
    );
    assert_eq!(segment["fields"][1]["body"]["sequence_number"], 2);

    let (add, _) = inspect(&scratch, "add", &w.add_device);
    assert_eq!(
        check_by(&add, "mailseal::identity::link_type")["learned"]["link_type"],
        "add_device"
    );
    assert_eq!(
        check_by(&add, "mailseal::identity::ChainState::verify")["result"],
        "not run"
    );
    assert_eq!(
        add["fields"]["body"]["payload"]["device"]["device_id"],
        hex(w.phone.id().as_bytes())
    );

    let (device, _) = inspect(&scratch, "device", &w.device_record);
    let key = &w.laptop.public().encryption_key;
    assert_eq!(
        device["fields"]["verifying_key"],
        hex(&w.laptop.public().verifying_key.to_bytes())
    );
    assert_eq!(
        check_by(&device, "mailseal::keys::DevicePublic::from_cbor")["learned"]["encryption_key_fingerprint"],
        hex(&key.fingerprint())
    );

    let (text, _) = inspect(&scratch, "text", w.laptop.public().to_string().as_bytes());
    assert_eq!(
        text["fields"]["record"]["device_id"],
        hex(w.laptop.id().as_bytes())
    );
    assert_eq!(
        text["checks"][0]["learned"]["record"],
        hex(&w.device_record)
    );

    let (wrap, _) = inspect(&scratch, "wrap", &w.seed_wrap);
    assert_eq!(
        wrap["fields"]["target_device"],
        hex(w.phone.id().as_bytes())
    );
    assert_eq!(wrap["fields"]["co_signature"], Value::Null);

    let (piece, _) = inspect(&scratch, "piece", &w.piece.ciphertext);
    let digests = &check_by(&piece, "mailseal::piece::digest")["learned"];
    assert_eq!(digests[Suite::X25519.name()], hex(&w.piece.digest.0));
    let finals: Vec<&Value> = piece["fields"]["chunks"]
        .as_array()
        .expect("chunks")
        .iter()
        .map(|c| &c["final"])
        .collect();
    assert_eq!(finals, [&Value::Bool(false), &Value::Bool(true)]);

    let (blob, _) = inspect(&scratch, "blob", &w.user_data);
    assert_eq!(blob["fields"]["type"], "label");
    assert_eq!(blob["fields"]["version"], 3);
}

#[test]
fn tampered_structures_are_recognised_and_refused_by_their_error_class() {
    let w = world();
    let scratch = Scratch::new("tampered");
    let mut cases: Vec<(&str, Vec<u8>, &str, &str)> = Vec::new();

    // A signature byte of the second link flipped: it still decodes, but does not verify.
    let mut add = w.add_device.clone();
    *add.last_mut().expect("bytes") ^= 1;
    let segment = mailseal::identity::encode_segment(&[&w.root, &add]);
    cases.push(("segment", segment, "chain segment", "chain/bad_signature"));

    let mut root = w.root.clone();
    root.push(0);
    cases.push(("root", root, "chain link", "malformed/cbor/trailing_bytes"));

    // A seed wrap whose HPKE enc is one byte short, canonical otherwise.
    let mut wrap: SeedWrap = ciborium::from_reader(w.seed_wrap.as_slice()).expect("wrap");
    wrap.enc.0.pop();
    let mut short = Vec::new();
    ciborium::into_writer(&wrap, &mut short).expect("encode");
    cases.push(("wrap", short, "seed wrap", "malformed/field/box_length"));

    // A text form whose last character is not base64url.
    let mut text = w.laptop.public().to_string().into_bytes();
    *text.last_mut().expect("text") = b'=';
    let structure = "device public record, text form";
    cases.push(("text", text, structure, "malformed/field/text_form"));

    // Published negative vectors; five of them are checked inside the library's openers.
    let published = [
        (
            "server",
            "box_kind_7",
            "envelope",
            "envelope",
            "malformed/field/recipient_kind",
        ),
        (
            "mail",
            "cbor_keys_out_of_order",
            "copy",
            "per-recipient copy",
            "malformed/cbor/not_canonical",
        ),
        (
            "mail",
            "cbor_unknown_key",
            "copy",
            "per-recipient copy",
            "malformed/cbor/schema",
        ),
        (
            "keys",
            "x25519_low_order_zero",
            "record",
            "per-user key record",
            "malformed/public_key",
        ),
        (
            "keys",
            "puk_record_generation_zero",
            "record",
            "per-user key record",
            "malformed/field/generation",
        ),
        (
            "seed_wrap",
            "seed_wrap_unknown_suite",
            "wrap",
            "seed wrap",
            "unsupported/suite",
        ),
        (
            "escrow",
            "escrow_wrap_device_key_small_order",
            "open_escrow_wrap",
            "escrow wrap",
            "malformed/public_key",
        ),
        (
            "user_data",
            "user_data_unknown_suite",
            "blob_override",
            "user data blob",
            "unsupported/suite",
        ),
        (
            "link",
            "link_copy_without_expiry",
            "link_copy",
            "link copy",
            "malformed/field/expiry",
        ),
        (
            "link",
            "link_copy_server_sealed_origin",
            "link_copy",
            "link copy",
            "malformed/field/origin",
        ),
        (
            "report",
            "report_of_server_sealed_mail",
            "report",
            "abuse report",
            "authentication/unsigned_mail",
        ),
    ];
    for (operation, case, input, structure, class) in published {
        let file = format!("{operation}-x25519.json");
        let bytes = vector(&file, case, &format!("/inputs/{input}"));
        cases.push((case, bytes, structure, class));
    }

    for (name, bytes, structure, class) in &cases {
        let (report, code) = inspect(&scratch, name, bytes);
        assert_eq!(report["structure"], *structure, "{name}: {report:#}");
        assert_eq!(failed_check(&report)["class"], *class, "{name}: {report:#}");
        assert!(
            failed_check(&report)["error"]
                .as_str()
                .is_some_and(|e| !e.is_empty())
        );
        assert_eq!(report["result"], "failed", "{name}");
        assert_eq!(code, 1, "{name}");
    }
    // The extra key is named, and the fields are still shown.
    let copy = cases
        .iter()
        .find(|c| c.0 == "cbor_unknown_key")
        .map(|c| &c.1)
        .expect("case");
    let (unknown, _) = inspect(&scratch, "unknown", copy);
    assert!(
        unknown["keys_differ_from_spec"]
            .as_str()
            .is_some_and(|d| d.starts_with("unknown:")),
        "{unknown:#}"
    );
    assert_eq!(unknown["fields"]["box"]["address"], "bob@example.com");
}

#[test]
fn unrecognised_input_says_what_was_tried_and_why_each_refused_it() {
    let scratch = Scratch::new("unrecognised");
    let (report, code) = inspect(&scratch, "short", &[0x01; 17]);
    assert_eq!(report["structure"], "unrecognised");
    assert_eq!(code, 1);
    let tried = report["tried"].as_array().expect("tried");
    let names: Vec<&str> = tried
        .iter()
        .filter_map(|t| t["structure"].as_str())
        .collect();
    for name in [
        "envelope",
        "per-recipient copy",
        "link copy",
        "routing header",
        "device public record",
        "per-user key record",
        "seed wrap",
        "escrow wrap",
        "chain link",
        "user data blob",
        "abuse report",
        "chain segment",
        "seed wrap batch",
        "sealed piece",
        "device public record, text form",
        "per-user key record, text form",
    ] {
        assert!(names.contains(&name), "{name} not tried: {names:?}");
    }
    let why = |name: &str| {
        tried
            .iter()
            .find(|t| t["structure"] == name)
            .map(|t| t["why_not"]["class"].clone())
            .unwrap_or_else(|| panic!("{name} not tried: {report:#}"))
    };
    assert_eq!(why("sealed piece"), "malformed/piece_truncated");
    assert_eq!(why("envelope"), "malformed/cbor/trailing_bytes");

    // A CBOR map of no structure's keys.
    let (report, _) = inspect(&scratch, "map", &[0xa1, 0x62, b'z', b'z', 0x01]);
    assert_eq!(report["read_as"], "CBOR: a map with keys \"zz\"");
    let tried = report["tried"].as_array().expect("tried");
    assert!(
        tried
            .iter()
            .any(|t| t["structure"] == "envelope"
                && t["why_not"]["class"] == "malformed/cbor/schema")
    );
}

#[test]
fn compare_names_the_offset_and_the_field_of_the_first_difference() {
    let w = world();
    let scratch = Scratch::new("compare");
    let a = scratch.file("a", &w.envelope);
    let compare = |b: &[u8]| {
        json(&mailseal(&[
            "inspect",
            "--compare",
            &a,
            &scratch.file("b", b),
        ]))
    };

    // A byte of Bob's box ciphertext.
    let env = Envelope::parse(&w.envelope).expect("parse");
    let ct = &env.boxes[1].ciphertext.0;
    let at = w
        .envelope
        .windows(ct.len())
        .position(|x| x == ct.as_slice())
        .expect("found")
        + 10;
    let mut b = w.envelope.clone();
    b[at] ^= 0x80;
    let (report, code) = compare(&b);
    assert_eq!(code, 1);
    assert_eq!(report["first_difference"], at);
    assert_eq!(report["a"]["field"], "envelope.boxes[1].ciphertext");
    assert_eq!(report["a"]["spec"], "§6.4");
    assert_eq!(report["a"]["offset_in_field"], 10);
    assert_eq!(report["b"]["field"], "envelope.boxes[1].ciphertext");

    // A character of the message id, inside the header's byte string.
    let id = b"hello@example.com>";
    let at = w
        .envelope
        .windows(id.len())
        .position(|x| x == id)
        .expect("found");
    let mut b = w.envelope.clone();
    b[at] = b'j';
    let (report, _) = compare(&b);
    assert_eq!(report["first_difference"], at);
    assert_eq!(report["a"]["field"], "envelope.header.message_id");
    assert_eq!(report["a"]["spec"], "§6.1");
    assert_eq!(report["a"]["offset_in_field"], 1);

    // One more byte: the difference is past the end of one and trailing in the other.
    let mut b = w.envelope.clone();
    b.push(0);
    let (report, _) = compare(&b);
    assert_eq!(report["first_difference"], w.envelope.len());
    assert_eq!(report["a"]["field"], "past the end");
    assert_eq!(report["b"]["field"], "envelope (trailing bytes)");

    let (report, code) = compare(&w.envelope);
    assert_eq!((report["identical"].clone(), code), (Value::Bool(true), 0));

    // Pieces: the header's commitment, the second chunk's tag.
    let p = &w.piece.ciphertext;
    let a = scratch.file("a", p);
    for (at, field, inside) in [
        (40, "piece.commitment", 8),
        (p.len() - 1, "piece.chunks[1].tag", 31),
        (70, "piece.chunks[0].ciphertext", 6),
    ] {
        let mut b = p.clone();
        b[at] ^= 1;
        let (report, _) = json(&mailseal(&[
            "inspect",
            "--compare",
            &a,
            &scratch.file("b", &b),
        ]));
        assert_eq!(report["a"]["field"], field, "{report:#}");
        assert_eq!(report["a"]["offset_in_field"], inside);
    }
}

#[test]
fn stdin_is_read_for_a_dash() {
    let w = world();
    let (report, code) = json(&mailseal_stdin(&["inspect", "-"], &w.segment));
    assert_eq!(
        (report["structure"].clone(), code),
        ("chain segment".into(), 0)
    );
    assert_eq!(report["input"], "-");
}

#[test]
fn hostile_input_never_panics() {
    let w = world();
    let scratch = Scratch::new("hostile");
    for (name, bytes) in [
        ("envelope", &w.envelope),
        ("segment", &w.segment),
        ("batch", &w.batch),
        ("piece", &w.piece.ciphertext),
    ] {
        let step = (bytes.len() / 12).max(1);
        for at in (0..bytes.len()).step_by(step) {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0xff;
            for input in [&bytes[..at], flipped.as_slice()] {
                let out = mailseal(&["inspect", &scratch.file(name, input)]);
                let code = out.status.code();
                assert!(matches!(code, Some(0 | 1)), "{name} at {at}: {code:?}");
                json(&out);
            }
        }
    }
}

#[test]
fn hex_text_is_read_as_the_bytes_it_spells() {
    let w = world();
    let scratch = Scratch::new("hex");
    let text = format!("{}\n", hex(&w.envelope));
    let (report, code) = inspect(&scratch, "envelope.hex", text.as_bytes());
    assert_eq!((report["structure"].clone(), code), ("envelope".into(), 0));
    assert_eq!(report["bytes"], w.envelope.len());
    assert!(
        report["input"]
            .as_str()
            .is_some_and(|i| i.ends_with(" (hex text)"))
    );
}
