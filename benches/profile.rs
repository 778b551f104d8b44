//! One operation in a loop, for a profiler: the small-mail path of BENCHMARKS.md's breakdown.
//!
//! `cargo bench --bench profile -- <seal|open> <x25519|xwing> [seconds] [recipients]` seals
//! (or opens, with its body) a mail with a 1 KiB body from Alice to Bob (and, to make
//! `recipients` in all, crowd members) for the given time (default 10 s) and prints the time
//! per operation. Run its executable (`cargo bench --bench profile --no-run`
//! names it) under `perf record -g` or `valgrind --tool=callgrind`; build it with
//! `CARGO_PROFILE_BENCH_DEBUG=line-tables-only` so that inlined functions keep their names.

// Only the mail fixtures of `common` are used here.
#[allow(dead_code)]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use mailseal::Suite;
use mailseal::hazmat::TestUser;
use mailseal::mail::open::open_copy;
use mailseal::mail::seal::{Message, seal_mail};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (op, suite) = match (
        args.first().map(String::as_str),
        args.get(1).map(String::as_str),
    ) {
        (Some(op @ ("seal" | "open")), Some("x25519")) => (op, Suite::X25519),
        (Some(op @ ("seal" | "open")), Some("xwing")) => (op, Suite::XWing),
        _ => {
            eprintln!("usage: profile <seal|open> <x25519|xwing> [seconds] [recipients]");
            std::process::exit(2);
        }
    };
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let recipients: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);

    let mut rng = ChaCha20Rng::from_seed([51; 32]);
    let alice = common::user(suite, 1, "alice@example.com", &mut rng);
    let bob = common::user(suite, 2, "bob@example.com", &mut rng);
    let others =
        TestUser::crowd(suite, recipients.saturating_sub(1) as u8, &mut rng).expect("crowd");
    let body = vec![0x61u8; 1024];
    let msg = Message {
        message_id: "<profile@example.com>".into(),
        timestamp: 1,
        to: std::iter::once(&bob)
            .chain(&others)
            .map(TestUser::key)
            .collect(),
        pieces: vec![&body],
        ..Message::default()
    };
    let mail = seal_mail(suite, alice.sender(), &msg, &mut rng).expect("seal");
    let copy = common::copy_for(&mail.envelope, bob.id);
    let (mailbox, senders) = (bob.mailbox(), [&alice.chain]);

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (start, mut count) = (common::thread_time(), 0u32);
    while Instant::now() < deadline {
        for _ in 0..100 {
            if op == "seal" {
                black_box(seal_mail(suite, alice.sender(), &msg, &mut rng).expect("seal"));
            } else {
                let opened = open_copy(&copy, &mailbox, &senders).expect("open");
                black_box(opened.open_piece(0, &mail.pieces[0]).expect("body"));
            }
        }
        count += 100;
    }
    println!(
        "{op} {} to {recipients}: {:.1?} of CPU time per operation over {count}",
        suite.name(),
        (common::thread_time() - start) / count
    );
}
