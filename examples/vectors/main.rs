//! Test vectors: the deterministic generator and the auditor's runner.
//!
//! ```text
//! cargo run --example vectors -- generate <dir>       # writes every vector file
//! cargo run --example vectors -- verify <file-or-dir> # checks files that follow the schema
//! cargo run --example vectors -- coverage [dir]       # SPEC.md's checks and their vectors
//! ```
//!
//! The schema is documented in `test-vectors/README.md`. The runner checks any file that
//! follows it, including files that did not ship with the crate; for each failing case it
//! prints the file, the case and what differed, and it ends with `N passed, M failed`,
//! exiting non-zero when M > 0. A malformed file is reported as a failure, never a panic.

pub mod cases;
pub mod chains;
pub mod coverage;
pub mod json;
pub mod xwing;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", dir] => match generate(Path::new(dir)) {
            Ok(n) => {
                println!("wrote {n} vector files to {dir}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("generate failed: {e}");
                ExitCode::FAILURE
            }
        },
        ["worked-example"] => match cases::worked_example() {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("worked example failed: {e}");
                ExitCode::FAILURE
            }
        },
        ["coverage"] => {
            coverage_command(&Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors"))
        }
        ["coverage", dir] => coverage_command(Path::new(dir)),
        ["verify", path] => {
            let (passed, failed) = verify_path(Path::new(path));
            println!("{passed} passed, {failed} failed");
            if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!(
                "usage: vectors generate <dir> | vectors verify <file-or-dir> | vectors worked-example | vectors coverage [dir]"
            );
            ExitCode::from(2)
        }
    }
}

/// Prints the coverage table of test-vectors/README.md for the vector files in `dir`, then
/// every check SPEC.md names that no vector exercises; fails if there is one.
fn coverage_command(dir: &Path) -> ExitCode {
    let spec = match std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("SPEC.md"))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("SPEC.md: {e}");
            return ExitCode::FAILURE;
        }
    };
    let docs = match read_documents(dir) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", coverage::table(&spec, &docs));
    let missing = coverage::missing(&spec, &docs);
    for m in &missing {
        eprintln!("no vector: {m}");
    }
    for u in coverage::unmapped(&spec) {
        eprintln!("SPEC.md names no class: {u}");
    }
    if missing.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Every `.json` document of a directory, in file-name order.
pub fn read_documents(dir: &Path) -> Result<Vec<serde_json::Value>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))
        })
        .collect()
}

/// Writes every vector file into `dir`; returns how many.
pub fn generate(dir: &Path) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let files = cases::all_files();
    for (name, doc) in &files {
        let text = json::pretty(doc);
        std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(files.len())
}

/// Verifies a file or every `.json` file under a directory; prints failures; returns
/// (passed, failed) case counts.
pub fn verify_path(path: &Path) -> (usize, usize) {
    let mut files: Vec<PathBuf> = if path.is_dir() {
        match std::fs::read_dir(path) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect(),
            Err(e) => {
                println!("FAIL {}: cannot read directory: {e}", path.display());
                return (0, 1);
            }
        }
    } else {
        vec![path.to_path_buf()]
    };
    files.sort();
    let (mut passed, mut failed) = (0, 0);
    for f in files {
        let (p, fl) = verify_file(&f);
        passed += p;
        failed += fl;
    }
    (passed, failed)
}

fn verify_file(path: &Path) -> (usize, usize) {
    let shown = path.display();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            println!("FAIL {shown}: cannot read: {e}");
            return (0, 1);
        }
    };
    let doc: serde_json::Value = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            println!("FAIL {shown}: not JSON: {e}");
            return (0, 1);
        }
    };
    let results = match cases::verify_document(&doc) {
        Ok(r) => r,
        Err(e) => {
            println!("FAIL {shown}: {e}");
            return (0, 1);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for (name, result) in results {
        match result {
            Ok(()) => passed += 1,
            Err(why) => {
                failed += 1;
                println!("FAIL {shown} / {name}: {why}");
            }
        }
    }
    (passed, failed)
}
