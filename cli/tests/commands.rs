//! `mailseal validate`, `mailseal vectors` and the help texts, run as the binary.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn validate_passes_an_envelope_with_its_pieces_and_prints_the_routing() {
    let w = world();
    let scratch = Scratch::new("validate-ok");
    let envelope = scratch.file("envelope", &w.envelope);
    let body_len = w.body.len().to_string();
    let (report, code) = json(&mailseal(&["validate", &envelope, &body_len]));
    assert_eq!(
        (report["result"].clone(), code),
        ("ok".into(), 0),
        "{report:#}"
    );
    assert_eq!(report["structure"], "envelope");
    assert_eq!(report["piece_lengths"][0], w.body.len());
    let routing = &report["routing"];
    assert_eq!(routing["message_id"], MESSAGE_ID);
    assert_eq!(routing["to"][0]["address"], "bob@example.com");
    assert_eq!(routing["boxes"][0]["kind"], "sender");
    assert_eq!(routing["boxes"][1]["kind"], "to");
    assert_eq!(routing["link_box"], false);
    let digest = mailseal::piece::digest(
        mailseal::Suite::X25519,
        mailseal::piece::Purpose::MailPiece,
        &w.body,
    )
    .expect("digest");
    assert_eq!(routing["piece_digests"][0], hex(&digest.0));

    // The piece's file instead of its length; the header's lengths when none are given.
    let body = scratch.file("body", &w.body);
    let (report, code) = json(&mailseal(&["validate", &envelope, &body]));
    assert_eq!((report["result"].clone(), code), ("ok".into(), 0));
    let (report, code) = json(&mailseal(&["validate", &envelope]));
    assert_eq!((report["result"].clone(), code), ("ok".into(), 0));
    assert_eq!(report["piece_lengths_from"], "the header (none were given)");

    // A stored copy, from standard input.
    let (report, code) = json(&mailseal_stdin(
        &["validate", "-", &body_len],
        &w.copies[1].copy,
    ));
    assert_eq!(
        (report["result"].clone(), code),
        ("ok".into(), 0),
        "{report:#}"
    );
    assert_eq!(report["structure"], "per-recipient copy");
    assert_eq!(report["routing"]["boxes"][0]["address"], "bob@example.com");
}

#[test]
fn validate_fails_with_the_error_class_of_the_first_failing_check() {
    let w = world();
    let scratch = Scratch::new("validate-bad");
    let envelope = scratch.file("envelope", &w.envelope);
    let len = w.body.len();
    let cases = [
        (vec![len + 1], "malformed/piece_size"),
        (vec![len, len], "malformed/manifest_mismatch"),
    ];
    for (lengths, class) in cases {
        let lengths: Vec<String> = lengths.iter().map(usize::to_string).collect();
        let mut args = vec!["validate", envelope.as_str()];
        args.extend(lengths.iter().map(String::as_str));
        let (report, code) = json(&mailseal(&args));
        assert_eq!(report["result"], "failed", "{lengths:?}");
        assert_eq!(report["class"], class, "{lengths:?}");
        assert!(report["error"].as_str().is_some_and(|e| !e.is_empty()));
        assert_eq!(code, 1);
    }
    // A tampered envelope from the published vectors: a box of kind 7.
    let kind7 = scratch.file(
        "kind7",
        &vector("server-x25519.json", "box_kind_7", "/inputs/envelope"),
    );
    let (report, code) = json(&mailseal(&["validate", &kind7]));
    assert_eq!(report["class"], "malformed/field/recipient_kind");
    assert_eq!(code, 1);
    // Not an envelope at all.
    let (report, code) = json(&mailseal(&["validate", &scratch.file("junk", b"junk")]));
    assert_eq!(report["class"], "malformed/cbor/length_exceeds_input");
    assert_eq!(code, 1);
}

#[test]
fn vectors_verify_passes_the_published_vectors() {
    let dir = repo().join("test-vectors");
    let out = mailseal(&["vectors", "verify", &dir.to_string_lossy()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let (passed, failed) = last
        .split_once(" passed, ")
        .and_then(|(p, f)| Some((p.parse::<usize>().ok()?, f.strip_suffix(" failed")?)))
        .unwrap_or_else(|| panic!("no summary line: {stdout}"));
    assert_eq!(failed, "0", "{stdout}");
    assert!(passed >= 700, "{stdout}");
    assert!(out.status.success());
}

#[test]
fn vectors_verify_fails_a_case_whose_expected_value_is_wrong() {
    let scratch = Scratch::new("vectors");
    let path = repo().join("test-vectors/keys-x25519.json");
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON");
    let cases = doc["cases"].as_array().map_or(0, Vec::len);
    let record = doc["cases"][0]["expected"]["record"]
        .as_str()
        .expect("record");
    let other = if record.starts_with('0') { "1" } else { "0" };
    doc["cases"][0]["expected"]["record"] = format!("{other}{}", &record[1..]).into();
    let file = scratch.file("keys.json", doc.to_string().as_bytes());
    let out = mailseal(&["vectors", "verify", &file]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{} passed, 1 failed", cases - 1)),
        "{stdout}"
    );
    assert!(stdout.lines().any(|l| l.starts_with("FAIL ")), "{stdout}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn every_command_has_help_and_bad_command_lines_exit_2() {
    for (args, needle) in [
        (&["--help"][..], "mailseal inspect --compare"),
        (&["help"][..], "mailseal validate"),
        (&["inspect", "--help"][..], "offset of the first byte"),
        (&["validate", "-h"][..], "SPEC.md §10.4"),
        (&["vectors", "--help"][..], "N passed, M failed"),
        (&["help", "vectors"][..], "worked-example"),
    ] {
        let out = mailseal(args);
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(needle),
            "{args:?}"
        );
    }
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["inspect"][..],
        &["vectors", "verify"][..],
        &["inspect", "/nonexistent/mailseal-cli-input"][..],
    ] {
        let out = mailseal(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

/// The text of `file` between `<!-- {name} begin -->` and `<!-- {name} end -->`.
fn between_markers(file: &str, name: &str) -> String {
    let text = std::fs::read_to_string(repo().join(file)).expect("read");
    let begin = format!("<!-- {name} begin -->");
    let start = text.find(&begin).expect("begin marker") + begin.len();
    let end = text
        .find(&format!("<!-- {name} end -->"))
        .expect("end marker");
    text[start..end].to_string()
}

#[test]
fn vectors_coverage_and_worked_example_print_what_the_documents_publish() {
    let out = mailseal(&["vectors", "coverage"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.lines().count() > 50, "{table}");
    assert!(between_markers("test-vectors/README.md", "coverage").contains(&table));

    let out = mailseal(&["vectors", "worked-example"]);
    assert!(out.status.success());
    let example = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(example.contains("sender address"), "{example}");
    assert!(between_markers("SPEC.md", "worked example").contains(&example));
}
