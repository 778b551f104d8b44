//! Replays the fuzz seed corpus and every regression input through the fuzz targets' own
//! functions (`mailseal::fuzzing`), on stable Rust, so CI guards them without nightly.
//!
//! Layout: `fuzz/seeds/<target>/*` and `fuzz/regressions/<target>/*`. Set
//! `MAILSEAL_WRITE_SEEDS=1` to (re)write the generated seeds for the piece targets.

use std::fs;
use std::path::Path;

use mailseal::Suite;
use mailseal::fuzzing::{self, FUZZ_PIECE_KEY};
use mailseal::piece::{self, PieceKey, PieceNonce, Purpose};

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("piece_stream", fuzzing::piece_stream),
    ("piece_round_trip", fuzzing::piece_round_trip),
];

/// Valid pieces under the fuzz key, around the chunk boundaries, each prefixed with a split
/// descriptor (count byte and u16 offsets).
fn piece_stream_seeds() -> Vec<(String, Vec<u8>)> {
    let key = PieceKey::from_bytes(FUZZ_PIECE_KEY);
    [0usize, 1, 100, 65535, 65536, 65537]
        .into_iter()
        .map(|len| {
            let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let ct = piece::seal_with_nonce(
                Suite::XWing,
                Purpose::MailPiece,
                &key,
                PieceNonce([1; 32]),
                &pt,
            )
            .expect("seal")
            .ciphertext;
            let mut seed = vec![2u8, 10, 0, 0x40, 0x01];
            seed.extend_from_slice(&ct);
            (format!("piece_{len}"), seed)
        })
        .collect()
}

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.display().to_string(),
                fs::read(&p).expect("read corpus file"),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn replay_seed_corpus_and_regressions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    if std::env::var_os("MAILSEAL_WRITE_SEEDS").is_some() {
        let dir = root.join("seeds/piece_stream");
        fs::create_dir_all(&dir).expect("mkdir");
        for (name, bytes) in piece_stream_seeds() {
            fs::write(dir.join(name), bytes).expect("write seed");
        }
    }
    let mut replayed = 0;
    for (target, run) in TARGETS {
        for kind in ["seeds", "regressions"] {
            for (name, bytes) in files_under(&root.join(kind).join(target)) {
                eprintln!("replaying {name}");
                run(&bytes);
                replayed += 1;
            }
        }
    }
    // The generated seeds run even when no file is checked in, so the test always exercises
    // the targets on valid pieces.
    for (_, bytes) in piece_stream_seeds() {
        fuzzing::piece_stream(&bytes);
        replayed += 1;
    }
    assert!(replayed >= piece_stream_seeds().len());
}
