//! Replays the fuzz seed corpus and every regression input through the fuzz targets' own
//! functions (`mailseal::fuzzing`), on stable Rust, so CI guards them without nightly.
//!
//! Layout: `fuzz/seeds/<target>/*` and `fuzz/regressions/<target>/*`. Set
//! `MAILSEAL_WRITE_SEEDS=1` to (re)write the generated seeds.

use std::fs;
use std::path::Path;

use mailseal::Suite;
use mailseal::fuzzing::{self, FUZZ_PIECE_KEY, Seed};
use mailseal::piece::{PieceKey, PieceNonce, Purpose};

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("piece_stream", fuzzing::piece_stream),
    ("piece_round_trip", fuzzing::piece_round_trip),
    ("piece_reader", fuzzing::piece_reader),
    ("decode_round_trip", fuzzing::decode_round_trip),
    ("server_validate", fuzzing::server_validate),
    ("open_paths", fuzzing::open_paths),
    ("mutate_mail", fuzzing::mutate_mail),
    ("link_copy", fuzzing::link_copy_target),
    ("user_data", fuzzing::user_data_target),
    ("recovery_code", fuzzing::recovery_code_target),
    ("seed_wrap_batch", fuzzing::seed_wrap_batch_target),
    ("verified_piece", fuzzing::verified_piece_target),
    ("chain", fuzzing::chain_target),
    ("report", fuzzing::report_target),
    ("transparency", fuzzing::transparency_target),
];

/// Valid pieces under the fuzz key, around the chunk boundaries, each prefixed with a split
/// descriptor (count byte and u16 offsets).
fn piece_stream_seeds() -> Vec<Seed> {
    let key = PieceKey::from_bytes(FUZZ_PIECE_KEY);
    [0usize, 1, 100, 65536, 65537]
        .into_iter()
        .map(|len| {
            let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let ct = mailseal::hazmat::seal_piece_with_nonce(
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

/// Every generated seed, by target.
fn generated() -> Vec<(&'static str, Vec<Seed>)> {
    let (decode, validate) = fuzzing::wire_seeds();
    vec![
        ("piece_stream", piece_stream_seeds()),
        ("verified_piece", piece_stream_seeds()),
        ("link_copy", fuzzing::link_copy_seeds()),
        ("user_data", fuzzing::user_data_seeds()),
        ("chain", fuzzing::chain_seeds()),
        ("report", fuzzing::report_seeds()),
        ("transparency", fuzzing::transparency_seeds()),
        ("recovery_code", fuzzing::recovery_code_seeds()),
        ("seed_wrap_batch", fuzzing::seed_wrap_batch_seeds()),
        (
            "piece_round_trip",
            vec![("hello".into(), b"\x03hello world".to_vec())],
        ),
        ("piece_reader", fuzzing::piece_reader_seeds()),
        ("decode_round_trip", decode),
        ("server_validate", validate),
        ("open_paths", fuzzing::open_paths_seeds()),
        (
            "mutate_mail",
            vec![
                ("flip".into(), vec![0, 10, 0, 1]),
                ("swap".into(), vec![3, 0, 0, 1]),
            ],
        ),
    ]
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
    let seeds = generated();
    if std::env::var_os("MAILSEAL_WRITE_SEEDS").is_some() {
        for (target, files) in &seeds {
            let dir = root.join("seeds").join(target);
            fs::create_dir_all(&dir).expect("mkdir");
            for (name, bytes) in files {
                fs::write(dir.join(name), bytes).expect("write seed");
            }
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
    // The generated seeds also run in memory, so the targets always see valid inputs.
    for (target, files) in &seeds {
        let run = TARGETS.iter().find(|(t, _)| t == target).expect("target").1;
        for (_, bytes) in files {
            run(bytes);
            replayed += 1;
        }
    }
    assert!(replayed >= seeds.iter().map(|(_, f)| f.len()).sum::<usize>());
}

#[test]
fn seeds_exercise_the_success_paths() {
    // A seed corpus that never opens anything would fuzz only the error paths.
    let w = fuzzing::FuzzWorld::new();
    let (env, pieces) = w.sample_mail(b"wire seeds");
    let info = mailseal::mail::server::validate_envelope(
        &env,
        &pieces.iter().map(|p| p.len() as u64).collect::<Vec<_>>(),
    )
    .expect("the sample mail validates");
    assert_eq!(info.boxes.len(), 3);
    for (name, seed) in fuzzing::open_paths_seeds() {
        assert!(fuzzing::open_path(&seed), "the {name} seed does not open");
    }
    // The dedicated targets' seeds reach their success paths too.
    let w = fuzzing::FuzzWorld::new();
    for (name, seed) in fuzzing::link_copy_seeds() {
        let len = usize::from(seed[0]);
        let fragment = std::str::from_utf8(&seed[1..1 + len]).expect("fragment");
        let now = u64::from(u16::from_le_bytes([seed[1 + len], seed[2 + len]]));
        assert!(
            mailseal::mail::link::open_link_copy(&seed[3 + len..], fragment, now).is_ok(),
            "link seed {name}"
        );
    }
    for (name, seed) in fuzzing::seed_wrap_batch_seeds() {
        let opened =
            mailseal::account::devices::open_seed_wraps(&seed, &w.bob_device, &w.bob_chain, None);
        assert_eq!(opened.map(|s| s.len()).ok(), Some(1), "batch seed {name}");
    }
    for (name, seed) in fuzzing::chain_seeds() {
        let links = mailseal::identity::decode_segment(&seed[1..]).expect("segment");
        let accepted = match seed[0] {
            0 => mailseal::identity::ChainState::verify(&links).is_ok(),
            1 => mailseal::identity::ChainState::verify(&w.bob_links[..1])
                .and_then(|root| root.extend(&links))
                .is_ok(),
            _ => w.bob_chain.update(&links).is_ok(),
        };
        assert!(accepted, "chain seed {name}");
    }
    for (name, seed) in fuzzing::report_seeds() {
        let verified = mailseal::mail::report::Report::parse(&seed).and_then(|r| {
            let (_, pieces) = w.sample_mail(b"report seeds");
            let cts: Vec<&[u8]> = r
                .disclosed()
                .iter()
                .map(|i| pieces[*i].as_slice())
                .collect();
            r.verify(&w.alice_chain, &w.bob_chain, &cts)
        });
        assert!(verified.is_ok(), "report seed {name}");
    }
    for (name, seed) in fuzzing::transparency_seeds() {
        assert!(
            fuzzing::transparency_accepts(&seed),
            "transparency seed {name}"
        );
    }
    for (name, seed) in fuzzing::recovery_code_seeds() {
        let text = std::str::from_utf8(&seed).expect("text");
        assert!(
            mailseal::account::backup::RecoveryCode::parse(text).is_ok(),
            "code seed {name}"
        );
    }
}
