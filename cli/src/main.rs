//! `mailseal`: the mailseal format from the command line, for auditors and operators.
//!
//! - `mailseal vectors verify|generate|coverage|worked-example`: the test-vector runner;
//! - `mailseal inspect`: what a file is, its fields by SPEC.md's names, every key-free check;
//! - `mailseal validate`: the server's key-free validation of an envelope or a copy.
//!
//! Nothing here reads a key: everything shown is what anyone holding the bytes can check.
//! The library stays `no_std` and free of this binary's dependencies.

#![forbid(unsafe_code)]

mod cbor;
mod inspect;
mod learned;
mod report;
mod schema;
mod validate;
mod vectors;

// The vector runner of examples/vectors/, compiled here as the example compiles it. Its own
// `main` and its coverage command (which looks for SPEC.md beside the example) are not used.
#[allow(dead_code)]
#[path = "../../examples/vectors/main.rs"]
mod runner;
// The runner's modules refer to each other as `crate::cases`, `crate::json`, ...
use runner::{cases, chains, json, xwing};

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use report::J;

/// Largest input read (a piece may be larger: inspect reads whole files).
const MAX_INPUT: u64 = 1 << 30;

const USAGE: &str = "\
mailseal: the mailseal format from the command line (test vectors, inspection, validation)

Usage:
  mailseal vectors verify <file-or-dir>      check vector files against this build
  mailseal vectors generate <dir>            write every vector file, deterministically
  mailseal vectors coverage [dir] [--spec <SPEC.md>]
                                             SPEC.md's named checks and their vectors
  mailseal vectors worked-example            print SPEC.md appendix A from its vector
  mailseal inspect <file|->                  what the bytes are, every field, every key-free check
  mailseal inspect --compare <a> <b>         the first differing byte and the field it is in
  mailseal validate <envelope|copy|-> [piece-length|piece-file ...]
                                             the server's key-free validation (SPEC.md §10.4)
  mailseal help [command]                    this text, or one command's

A file of hexadecimal text (as the vector files and logs carry byte strings) is read as the
bytes it spells. No command reads a key. Exit status: 0 success; 1 a check or vector failed, the input was
not recognised, or compared inputs differ; 2 usage or input/output error.
";

const VECTORS_HELP: &str = "\
mailseal vectors: the test-vector runner (test-vectors/README.md describes the schema)

  mailseal vectors verify <file-or-dir>
      Runs every case of a vector file, or of every .json file in a directory, through this
      build of mailseal. Prints `FAIL <file> / <case>: <what differed>` for each failing case
      and ends with `N passed, M failed`; exits 1 when M > 0. A malformed file is a failure.
  mailseal vectors generate <dir>
      Writes every vector file into <dir> (created if needed), deterministically: the same
      bytes as the published test-vectors/ directory.
  mailseal vectors coverage [dir] [--spec <SPEC.md>]
      Prints the coverage table of test-vectors/README.md for the files in [dir] (by default
      the test-vectors/ this binary was built beside), then on stderr every check SPEC.md
      names that no negative vector exercises; exits 1 if there is one. SPEC.md is read from
      --spec, by default from the directory above [dir].
  mailseal vectors worked-example
      Prints SPEC.md appendix A, the worked example, generated from its vector.
";

const INSPECT_HELP: &str = "\
mailseal inspect: what the bytes are, every field by SPEC.md's name, every key-free check

  mailseal inspect <file|->
      Reads a file (or standard input for -) and recognises an envelope, a per-recipient
      copy, a link copy, a routing header, a device or per-user key record, a seed wrap or
      a batch of them, an escrow wrap, a chain link or segment, a user-data blob, an
      abuse report, or a sealed piece. Prints JSON: the structure and the SPEC.md section defining it, every
      field named as SPEC.md names it (snake case; byte strings in hex; codes with their
      names), and each key-free check the library offers for it, in SPEC.md's order: `ok`
      with what it learned, or the first check that failed, by its stable error class
      (Error::class, for example malformed/cbor/not_canonical) and its sentence.
      Input it does not recognise: which structures were tried and why each refused it.
      Exits 0 when recognised and every check passed, else 1.
  mailseal inspect --compare <a> <b>
      The offset of the first byte where <a> and <b> differ and, for each input that is
      recognised, the field that byte falls in (with the SPEC.md section and the offset
      inside the field). Exits 0 when identical, 1 when they differ.
";

const VALIDATE_HELP: &str = "\
mailseal validate: the server's key-free validation (SPEC.md §10.4)

  mailseal validate <envelope|copy|-> [piece-length|piece-file ...]
      Validates an uploaded envelope (mailseal::mail::server::validate_envelope), or a
      stored per-recipient copy (validate_copy), against the lengths of the piece
      ciphertexts uploaded with it: give each as a number of bytes or as the piece's file.
      With none, the lengths the header states are used, so only the other checks count.
      Prints JSON: the routing information (sender, To, CC, boxes by kind, link box, users
      the server holds the mail for, external addresses), or the failing check by its
      error class and sentence. Exits 0 when valid, 1 when not.
";

/// Why a command did not run.
enum Failure {
    /// A command line this binary does not take: which help to show, and what is wrong.
    Usage(&'static str, String),
    /// An input that could not be read.
    Io(String),
}
use Failure::Usage;

fn main() -> ExitCode {
    let owned: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    if args.iter().any(|a| *a == "--help" || *a == "-h") {
        print!("{}", help(args.first().copied()));
        return ExitCode::SUCCESS;
    }
    match run(&args) {
        Ok(code) => code,
        Err(Usage(command, why)) => {
            eprint!("mailseal: {why}\n\n{}", help(Some(command)));
            ExitCode::from(2)
        }
        Err(Failure::Io(why)) => {
            eprintln!("mailseal: {why}");
            ExitCode::from(2)
        }
    }
}

fn help(command: Option<&str>) -> &'static str {
    match command {
        Some("vectors") => VECTORS_HELP,
        Some("inspect") => INSPECT_HELP,
        Some("validate") => VALIDATE_HELP,
        _ => USAGE,
    }
}

fn run(args: &[&str]) -> Result<ExitCode, Failure> {
    let usage = |command, why: &str| Err(Usage(command, why.to_string()));
    match args {
        [] => usage("", "no command"),
        ["help"] => print_help(None),
        ["help", command] => print_help(Some(command)),
        ["--version" | "-V"] => {
            println!("mailseal {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        ["vectors", "verify", path] => Ok(vectors::verify(Path::new(path))),
        ["vectors", "generate", dir] => Ok(vectors::generate(Path::new(dir))),
        ["vectors", "coverage", rest @ ..] => coverage(rest),
        ["vectors", "worked-example"] => Ok(vectors::worked_example()),
        ["vectors", ..] => usage(
            "vectors",
            "vectors takes verify, generate, coverage or worked-example",
        ),
        ["inspect", "--compare", a, b] => {
            let (left, right) = (read(a)?, read(b)?);
            let (report, identical) =
                inspect::compare((&left.0, left.1.as_slice()), (&right.0, right.1.as_slice()));
            Ok(emit(&report, identical))
        }
        ["inspect", file] if !file.starts_with("--") => {
            let (name, input) = read(file)?;
            let (report, ok) = inspect::inspect(&name, &input);
            Ok(emit(&report, ok))
        }
        ["inspect", ..] => usage(
            "inspect",
            "inspect takes one file (or -), or --compare and two files",
        ),
        ["validate", file, pieces @ ..] => {
            let (name, input) = read(file)?;
            let lengths = piece_lengths(pieces)?;
            let (report, ok) = validate::validate(&name, &input, lengths);
            Ok(emit(&report, ok))
        }
        ["validate"] => usage("validate", "validate takes an envelope or copy file (or -)"),
        [other, ..] => Err(Usage("", format!("unknown command `{other}`"))),
    }
}

fn print_help(command: Option<&str>) -> Result<ExitCode, Failure> {
    print!("{}", help(command));
    Ok(ExitCode::SUCCESS)
}

/// Prints a report; exit status 0 when `ok`, else 1.
fn emit(report: &J, ok: bool) -> ExitCode {
    print!("{}", report.pretty());
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn coverage(args: &[&str]) -> Result<ExitCode, Failure> {
    let bad = || Usage("vectors", "coverage takes [dir] [--spec <SPEC.md>]".into());
    let (dir, spec) = match args {
        [] => (None, None),
        [dir] => (Some(*dir), None),
        ["--spec", spec] => (None, Some(*spec)),
        [dir, "--spec", spec] | ["--spec", spec, dir] => (Some(*dir), Some(*spec)),
        _ => return Err(bad()),
    };
    let dir = dir.map_or_else(vectors::shipped, |d| Path::new(d).to_path_buf());
    Ok(vectors::coverage(&dir, spec.map(Path::new)))
}

/// Each piece's length: a number of bytes, or the size of the piece's file.
fn piece_lengths(args: &[&str]) -> Result<Option<Vec<u64>>, Failure> {
    if args.is_empty() {
        return Ok(None);
    }
    args.iter()
        .map(|a| match a.parse::<u64>() {
            Ok(n) => Ok(n),
            Err(_) => std::fs::metadata(a).map(|m| m.len()).map_err(|e| {
                Failure::Io(format!(
                    "`{a}` is neither a piece length nor a readable piece file: {e}"
                ))
            }),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A file's bytes, or standard input's for `-`, at most [`MAX_INPUT`] of them, with the name
/// to show; hexadecimal text is read as the bytes it spells.
fn read(path: &str) -> Result<(String, Vec<u8>), Failure> {
    let io = |e: std::io::Error| Failure::Io(format!("{path}: {e}"));
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
    } else {
        std::fs::File::open(path)
            .map_err(io)?
            .take(MAX_INPUT + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
    }
    if bytes.len() as u64 > MAX_INPUT {
        return Err(Failure::Io(format!(
            "{path}: larger than {MAX_INPUT} bytes"
        )));
    }
    Ok(match unhex(&bytes) {
        Some(decoded) => (format!("{path} (hex text)"), decoded),
        None => (path.to_string(), bytes),
    })
}

/// The bytes hexadecimal text spells (white space ignored), if it is only that.
fn unhex(text: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if digits.is_empty()
        || !digits.len().is_multiple_of(2)
        || !digits.iter().all(u8::is_ascii_hexdigit)
    {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}
