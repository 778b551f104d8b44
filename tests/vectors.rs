//! Runs every shipped test vector through the same code as `cargo run --example vectors --
//! verify`, so `cargo test` fails when the crate stops reproducing them byte for byte.

#[path = "../examples/vectors/cases.rs"]
mod cases;
#[path = "../examples/vectors/chains.rs"]
mod chains;
#[path = "../examples/vectors/coverage.rs"]
mod coverage;
// The runner reads byte strings through `cases::notation`, which also reads the fixed-size
// ones; not every helper of `json` is used here.
#[allow(dead_code)]
#[path = "../examples/vectors/json.rs"]
mod json;
// The independent X-Wing derivation the vectors' intermediate values are checked with.
#[allow(dead_code)]
#[path = "../examples/vectors/xwing.rs"]
mod xwing;

use std::path::Path;

#[test]
fn every_shipped_vector_verifies() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("test-vectors/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 14, "vector files are missing");
    let (mut passed, mut negative, mut failures) = (0, 0, Vec::new());
    for f in &files {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).expect("read")).expect("json");
        negative += doc["cases"].as_array().map_or(0, |c| {
            c.iter()
                .filter(|c| c.get("expected_error").is_some())
                .count()
        });
        for (name, result) in cases::verify_document(&doc).expect("document") {
            match result {
                Ok(()) => passed += 1,
                Err(e) => failures.push(format!("{} / {name}: {e}", f.display())),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(negative >= 100, "only {negative} negative vectors");
    assert!(passed > negative);
}

#[test]
fn generation_reproduces_the_shipped_files_byte_for_byte() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors");
    for (name, doc) in cases::all_files() {
        let shipped = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
        assert_eq!(
            json::pretty(&doc),
            shipped,
            "{name} is not what the generator writes"
        );
    }
}

#[test]
fn an_edited_expected_value_fails_exactly_that_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors");
    let text = std::fs::read_to_string(dir.join("seed_wrap-x25519.json")).expect("read");
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let wrap = doc["cases"][0]["expected"]["wrap"]
        .as_str()
        .expect("wrap")
        .to_string();
    let flipped = if wrap.ends_with('0') { "1" } else { "0" };
    doc["cases"][0]["expected"]["wrap"] =
        serde_json::json!(format!("{}{flipped}", &wrap[..wrap.len() - 1]));
    let results = cases::verify_document(&doc).expect("document");
    let failed: Vec<_> = results
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(n, _)| n.clone())
        .collect();
    assert_eq!(failed, vec![String::from("seed_wrap_generation_3")]);
}

#[test]
fn spec_appendix_a_is_the_generated_worked_example() {
    let spec = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("SPEC.md"))
        .expect("SPEC.md");
    let begin = "<!-- worked example begin -->\n```text\n";
    let start = spec.find(begin).expect("appendix A markers") + begin.len();
    let end = spec[start..]
        .find("```\n<!-- worked example end -->")
        .expect("end marker")
        + start;
    assert_eq!(
        &spec[start..end],
        cases::worked_example().expect("worked example"),
        "regenerate SPEC.md appendix A"
    );
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn spec() -> String {
    std::fs::read_to_string(root().join("SPEC.md")).expect("SPEC.md")
}

/// Every shipped vector file, in file-name order.
fn shipped() -> Vec<serde_json::Value> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("test-vectors"))
        .expect("test-vectors/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).expect("read")).expect("json"))
        .collect()
}

/// Issue 12: every check SPEC.md names (in bold, in the table of §3.9, as a CBOR or
/// recovery-code reason) has a negative vector expecting its class, unless
/// `coverage::NOT_REACHABLE` says why no vector can reach it.
#[test]
fn every_check_spec_md_names_has_a_negative_vector() {
    let spec = spec();
    let docs = shipped();
    let names = coverage::spec_names(&spec);
    assert!(
        names.len() >= 100,
        "SPEC.md names only {} checks: the reader lost some",
        names.len()
    );
    let unmapped = coverage::unmapped(&spec);
    assert!(
        unmapped.is_empty(),
        "SPEC.md names checks that map to no class: {unmapped:?}"
    );
    let missing = coverage::missing(&spec, &docs);
    assert!(
        missing.is_empty(),
        "checks SPEC.md names that no negative vector expects (add one, or fix SPEC.md's \
         words if they are not what Error::class() spells):\n{}",
        missing.join("\n")
    );
    // The allow-list stays honest: each entry is still a name SPEC.md uses, and still has
    // no vector.
    for (words, _) in coverage::NOT_REACHABLE {
        let name = names
            .iter()
            .find(|n| n.words == *words)
            .unwrap_or_else(|| panic!("{words:?} is allow-listed but SPEC.md no longer names it"));
        assert!(
            !coverage::covered(&name.target, &docs),
            "{words:?} has a vector now: drop it from NOT_REACHABLE"
        );
    }
}

/// The coverage table of test-vectors/README.md is the generated one: every check SPEC.md
/// names is in it with its vectors.
#[test]
fn readme_coverage_table_is_generated() {
    let readme = std::fs::read_to_string(root().join("test-vectors/README.md")).expect("README.md");
    let begin = "<!-- coverage begin -->\n";
    let start = readme.find(begin).expect("coverage markers") + begin.len();
    let end = readme[start..]
        .find("<!-- coverage end -->")
        .expect("end marker")
        + start;
    assert_eq!(
        &readme[start..end],
        coverage::table(&spec(), &shipped()),
        "regenerate the table: cargo run --example vectors -- coverage"
    );
}

/// The reader of SPEC.md's names, on made-up text: names wrapped across lines, the words to
/// class mapping, the §3.9 table, the italic reasons, and a misspelt name reported.
#[test]
fn spec_names_are_read_and_mapped_as_documented() {
    use coverage::{Target, class_of};
    let class = |w: &str| class_of(w).map(|t| t.text());
    assert_eq!(
        class("limit: wrap size").as_deref(),
        Some("limit_exceeded/wrap_size")
    );
    assert_eq!(
        class("malformed: field recipient kind").as_deref(),
        Some("malformed/field/recipient_kind")
    );
    assert_eq!(class("not a recipient").as_deref(), Some("not_a_recipient"));
    assert_eq!(
        class("authentication: chunk (i)").as_deref(),
        Some("authentication/chunk")
    );
    assert_eq!(
        class("authentication: BCC commitment").as_deref(),
        Some("authentication/bcc_commitment")
    );
    assert_eq!(
        class("malformed: CBOR"),
        Some(Target::Family("malformed/cbor/".into()).text())
    );
    assert_eq!(class("nonsense: words"), None);
    let spec = "## 1. Intro\n\n### 3.9 Error classes\n\n| error | meaning |\n|---|---|\n\
                | misuse: stream failed | x |\n\n### 4.1 Canonical CBOR\n\nAnything \
                **malformed: CBOR** with the reason: *non-minimal*, *invalid UTF-8*; a field \
                marked *nullable*.\n\n### 6.8 Sealing\n\nRefused (**misuse: no\n   \
                recipients**) and (**malformed: feild adress**).\n\n## Appendix A\n\n\
                **misuse: after the appendix**\n";
    let names: Vec<(String, String)> = coverage::spec_names(spec)
        .into_iter()
        .map(|n| (n.words, n.target.text()))
        .collect();
    let want = [
        ("misuse: stream failed", "misuse/stream_failed"),
        ("malformed: CBOR", "malformed/cbor/…"),
        ("*non-minimal*", "malformed/cbor/non_minimal"),
        ("*invalid UTF-8*", "malformed/cbor/invalid_utf8"),
        ("misuse: no recipients", "misuse/no_recipients"),
        ("malformed: feild adress", "malformed/feild_adress"),
    ];
    assert_eq!(
        names,
        want.iter()
            .map(|(w, c)| (w.to_string(), c.to_string()))
            .collect::<Vec<_>>()
    );
    // With no vectors at all, every name but the allow-listed one is missing, the misspelt
    // one included.
    let missing = coverage::missing(spec, &[]);
    assert_eq!(missing.len(), 5, "{missing:?}");
    assert!(
        missing
            .iter()
            .any(|m| m.starts_with("malformed: feild adress"))
    );
}

#[test]
fn vector_file_fuzz_corpus_replays_without_panicking() {
    // The `vector_file` fuzz target's seeds and any regression inputs it ever found.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(kind).join("vector_file")) else {
            continue;
        };
        for e in entries {
            let bytes = std::fs::read(e.expect("entry").path()).expect("read");
            if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                let _ = cases::verify_document(&doc);
            }
            replayed += 1;
        }
    }
    assert!(replayed >= 3);
}
