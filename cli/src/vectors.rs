//! `mailseal vectors`: the test-vector runner of `examples/vectors/`, the same code the example
//! and `cargo test` run (included with `#[path]` in `main.rs`), behind this binary's commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::runner::{self, cases, coverage as checked};

/// The published vectors of the checkout this binary was built from.
pub fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-vectors")
}

fn status(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Checks a vector file or every `.json` file of a directory; ends with `N passed, M failed`.
pub fn verify(path: &Path) -> ExitCode {
    let (passed, failed) = runner::verify_path(path);
    println!("{passed} passed, {failed} failed");
    status(failed == 0)
}

/// Writes every vector file into `dir`, deterministically.
pub fn generate(dir: &Path) -> ExitCode {
    let written =
        runner::generate(dir).map(|n| println!("wrote {n} vector files to {}", dir.display()));
    report(written, "generate failed")
}

/// Prints SPEC.md appendix A, the worked example, from its vector.
pub fn worked_example() -> ExitCode {
    report(
        cases::worked_example().map(|text| print!("{text}")),
        "worked example failed",
    )
}

/// The coverage table of `test-vectors/README.md` for the files in `dir`, then every check
/// SPEC.md names that no vector exercises (a failure). SPEC.md is `spec`, by default the one
/// in the directory above `dir`.
pub fn coverage(dir: &Path, spec: Option<&Path>) -> ExitCode {
    let spec = spec.map_or_else(|| dir.join("..").join("SPEC.md"), Path::to_path_buf);
    let table = std::fs::read_to_string(&spec)
        .map_err(|e| format!("{}: {e}", spec.display()))
        .and_then(|text| Ok((runner::read_documents(dir)?, text)))
        .map(|(docs, text)| {
            print!("{}", checked::table(&text, &docs));
            let missing = checked::missing(&text, &docs);
            missing.iter().for_each(|m| eprintln!("no vector: {m}"));
            checked::unmapped(&text)
                .iter()
                .for_each(|u| eprintln!("SPEC.md names no class: {u}"));
            missing.is_empty()
        });
    match table {
        Ok(complete) => status(complete),
        Err(e) => report(Err(e), "coverage failed"),
    }
}

fn report(result: Result<(), String>, what: &str) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{what}: {e}");
            ExitCode::FAILURE
        }
    }
}
