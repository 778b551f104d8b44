//! A server ingesting envelopes: validated against the uploaded pieces' lengths and split into
//! per-recipient copies, in envelopes per second on one core and as ratios to the floor
//! measured in the same run.
//!
//! `cargo bench --bench ingest` prints, per suite and for envelopes to 1, 10 and 100
//! recipients (To, plus the sender's own box; a 1 KiB body), 16 distinct envelopes each:
//! - validate + split (`validate_envelope`, then `split_envelope`, as a server calls them) vs
//!   the floor "generic decode + copy": a generic CBOR decode of the envelope into
//!   `ciborium::Value` (the least any parser does), then as many fresh buffers as there are
//!   copies, each filled with as many bytes of the envelope as that copy holds;
//! - split alone vs the same floor;
//! - validate alone vs the generic decode alone.
//!
//! Ratios are floor time / mailseal time, the median over interleaved rounds of paired
//! samples (1.00 = no overhead beyond the floor). `MAILSEAL_BENCH_QUICK=1` makes a short run.

mod common;

use std::hint::black_box;

use common::{Contender, median, median_ratio, run_interleaved};
use mailseal::Suite;
use mailseal::hazmat::TestUser;
use mailseal::mail::seal::{Message, RecipientKey, seal_mail};
use mailseal::mail::server::{split_envelope, validate_envelope};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// Distinct envelopes per recipient count, taken in turn.
const ENVELOPES: usize = 16;

fn main() {
    let quick = std::env::var_os("MAILSEAL_BENCH_QUICK").is_some();
    println!("server ingest (validate + split); ratio = floor time / mailseal time");
    for suite in Suite::ALL {
        bench_suite(suite, quick);
    }
}

/// An uploaded envelope, its pieces' lengths, and the length of each of its copies.
struct Upload {
    envelope: Vec<u8>,
    piece_lengths: Vec<u64>,
    copy_lengths: Vec<usize>,
}

/// The floor: a generic decode, then every copy's bytes copied into a fresh buffer.
fn decode_and_copy(u: &Upload) {
    black_box(ciborium::from_reader::<ciborium::Value, _>(&u.envelope[..]).expect("cbor"));
    for &len in &u.copy_lengths {
        black_box(u.envelope[..len.min(u.envelope.len())].to_vec());
    }
}

fn bench_suite(suite: Suite, quick: bool) {
    let mut rng = ChaCha20Rng::from_seed([41; 32]);
    let alice = common::user(suite, 1, "alice@example.com", &mut rng);
    let crowd = TestUser::crowd(suite, 100, &mut rng).expect("crowd");
    let body = vec![0x61u8; 1024];
    println!("\n== {}", suite.name());
    for n in [1usize, 10, 100] {
        let uploads: Vec<Upload> = (0..ENVELOPES)
            .map(|i| {
                let msg = Message {
                    message_id: format!("<{i}@example.com>"),
                    timestamp: i as u64,
                    to: crowd[..n]
                        .iter()
                        .map(TestUser::key)
                        .collect::<Vec<RecipientKey>>(),
                    pieces: vec![&body],
                    ..Message::default()
                };
                let mail = seal_mail(suite, alice.sender(), &msg, &mut rng).expect("seal");
                let copy_lengths = split_envelope(&mail.envelope)
                    .expect("split")
                    .iter()
                    .map(|c| c.copy.len())
                    .collect();
                Upload {
                    piece_lengths: mail.pieces.iter().map(|p| p.len() as u64).collect(),
                    envelope: mail.envelope,
                    copy_lengths,
                }
            })
            .collect();
        let all = || uploads.iter();
        let contenders: Vec<Contender> = vec![
            (
                "validate + split",
                Box::new(|| {
                    for u in all() {
                        black_box(validate_envelope(&u.envelope, &u.piece_lengths).expect("valid"));
                        black_box(split_envelope(&u.envelope).expect("split"));
                    }
                }),
            ),
            (
                "floor: generic decode + copy",
                Box::new(|| all().for_each(decode_and_copy)),
            ),
            (
                "split",
                Box::new(|| {
                    for u in all() {
                        black_box(split_envelope(&u.envelope).expect("split"));
                    }
                }),
            ),
            (
                "validate",
                Box::new(|| {
                    for u in all() {
                        black_box(validate_envelope(&u.envelope, &u.piece_lengths).expect("valid"));
                    }
                }),
            ),
            (
                "floor: generic decode",
                Box::new(|| {
                    for u in all() {
                        black_box(
                            ciborium::from_reader::<ciborium::Value, _>(&u.envelope[..])
                                .expect("cbor"),
                        );
                    }
                }),
            ),
        ];
        let names: Vec<&str> = contenders.iter().map(|c| c.0).collect();
        let (iters, rounds) = if quick {
            (1, 3)
        } else {
            ((128 / n).max(2), 11)
        };
        let t = run_interleaved(contenders, iters, rounds);
        let per_envelope = |i: usize| median(&t[i]).as_secs_f64() / (iters * ENVELOPES) as f64;
        let bytes = uploads[0].envelope.len();
        println!("  {n} recipients ({bytes} bytes, {} copies):", n + 1);
        for (i, name) in names.iter().enumerate() {
            println!(
                "    {name:<30} {:>8.1} µs, {:>8.0} envelopes/s per core",
                per_envelope(i) * 1e6,
                1.0 / per_envelope(i)
            );
        }
        for (what, op, floor) in [
            ("validate + split vs decode + copy", 0, 1),
            ("split vs decode + copy", 2, 1),
            ("validate vs generic decode", 3, 4),
        ] {
            println!(
                "    ratio {what:<34} {:.2}",
                median_ratio(&t[floor], &t[op])
            );
        }
    }
}
