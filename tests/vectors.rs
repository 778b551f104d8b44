//! Runs every shipped test vector through the same code as `cargo run --example vectors --
//! verify`, so `cargo test` fails when the crate stops reproducing them byte for byte.

#[path = "../examples/vectors/cases.rs"]
mod cases;
#[path = "../examples/vectors/chains.rs"]
mod chains;
// The runner reads byte strings through `cases::notation`, which also reads the fixed-size
// ones; not every helper of `json` is used here.
#[allow(dead_code)]
#[path = "../examples/vectors/json.rs"]
mod json;

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
