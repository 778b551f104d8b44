//! Key transparency (SPEC.md §14) against the work it guards, measured in the same run.
//!
//! `cargo bench --bench transparency` prints:
//! - proving a sender's chain is published (`verify_published` under a checkpoint of a log
//!   with 100,000 entries) as a share of opening a copy of a mail to 10 recipients, per suite
//!   (goal: at most 10%);
//! - verifying a checkpoint with two witness cosignatures (done once per checkpoint, not per
//!   mail) against opening;
//! - publishing: appending entries to the in-memory log, in entries per second per core, and
//!   signing a checkpoint.
//!
//! `MAILSEAL_BENCH_QUICK=1` makes a short run.

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{Contender, median, median_ratio, run_interleaved};
use mailseal::Suite;
use mailseal::hazmat::TestUser;
use mailseal::identity::ChainTail;
use mailseal::keys::{DeviceId, UserId};
use mailseal::mail::open::open_copy;
use mailseal::mail::seal::MailSealer;
use mailseal::mail::server::split_envelope;
use mailseal::transparency::log::{MemoryLog, MemoryWitness};
use mailseal::transparency::{LogEntry, LogPolicy, TransparencyView};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const ORIGIN: &str = "bench.example.com/log";

/// A log with `filler` synthetic entries, then the sender's; returns it and the index.
fn log_with(filler: u64, sender: &TestUser) -> (MemoryLog, u64) {
    let mut log = MemoryLog::new(ORIGIN, [3; 32]).expect("log");
    for i in 0..filler {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&i.to_be_bytes());
        log.append(&LogEntry {
            user: UserId::new(id),
            suite: Suite::X25519,
            tail: ChainTail {
                seq: 1,
                hash: [7; 32],
            },
            addresses: vec![[8; 32]],
            previous: None,
        });
    }
    let index = log.publish(&sender.chain).expect("publish");
    (log, index)
}

fn main() {
    let quick = std::env::var_os("MAILSEAL_BENCH_QUICK").is_some();
    let filler = if quick { 10_000 } else { 100_000 };
    println!("key transparency; ratios = the operation's time / opening a copy (10 recipients)");
    for suite in Suite::ALL {
        let mut rng = ChaCha20Rng::from_seed([31; 32]);
        let alice = TestUser::generate(
            suite,
            UserId::new([1; 16]),
            "alice@example.com",
            DeviceId::new([1; 16]),
            &mut rng,
        )
        .expect("alice");
        let crowd = TestUser::crowd(suite, 10, &mut rng).expect("crowd");
        let mut mail =
            MailSealer::new(suite, alice.sender(), "<kt-bench@example.com>", 1).expect("sealer");
        for r in &crowd {
            mail = mail.to(r.key());
        }
        mail.add_piece(&[0x42; 1024], &mut rng).expect("piece");
        let envelope = mail.seal(&mut rng).expect("seal");
        let reader = &crowd[0];
        let copy = split_envelope(&envelope)
            .expect("split")
            .into_iter()
            .find(|c| c.user == reader.id)
            .expect("copy")
            .copy;
        let mailbox = reader.mailbox();
        let senders = [&alice.chain];

        let (log, index) = log_with(filler, &alice);
        let mut witnesses: Vec<MemoryWitness> = (0u8..2)
            .map(|i| {
                MemoryWitness::new(
                    &format!("w{i}.example.org"),
                    [9 + i; 32],
                    ORIGIN,
                    log.verifying_key(),
                )
                .expect("w")
            })
            .collect();
        let mut note = log.checkpoint();
        for w in &mut witnesses {
            note = w.cosign(&note, &[], 1).expect("cosign");
        }
        let policy = LogPolicy::new(
            ORIGIN,
            log.verifying_key(),
            witnesses.iter().map(MemoryWitness::identity).collect(),
            2,
        )
        .expect("policy");
        let mut view = TransparencyView::new(policy.clone());
        view.update(&note, &[]).expect("checkpoint");
        let entry = log.entry(index).expect("entry");
        let inclusion = log.inclusion(index).expect("proof");

        let contenders: Vec<Contender> = vec![
            (
                "open a copy (10 recipients)",
                Box::new(|| {
                    black_box(open_copy(&copy, &mailbox, &senders).expect("opens"));
                }),
            ),
            (
                "prove the sender's chain published",
                Box::new(|| {
                    black_box(
                        view.verify_published(&alice.chain, index, &entry, &inclusion)
                            .expect("published"),
                    );
                }),
            ),
            (
                "verify a checkpoint (2 cosignatures)",
                Box::new(|| {
                    black_box(policy.verify_checkpoint(&note).expect("checkpoint"));
                }),
            ),
        ];
        let names: Vec<&str> = contenders.iter().map(|c| c.0).collect();
        let (iters, rounds) = if quick { (20, 3) } else { (200, 11) };
        let t = run_interleaved(contenders, iters, rounds);
        println!(
            "{} (log of {} entries, proof of {} bytes)",
            suite.name(),
            log.size(),
            inclusion.len()
        );
        for (i, name) in names.iter().enumerate() {
            println!("  {name:<40} {:>10.1?}", median(&t[i]) / iters as u32);
        }
        println!(
            "  share of opening: proof {:.1}%, checkpoint {:.1}%",
            100.0 * median_ratio(&t[1], &t[0]),
            100.0 * median_ratio(&t[2], &t[0])
        );
    }

    // Publishing: appends and checkpoint signatures, timed directly (no peer to pair with).
    let mut rng = ChaCha20Rng::from_seed([32; 32]);
    let alice = TestUser::generate(
        Suite::X25519,
        UserId::new([1; 16]),
        "alice@example.com",
        DeviceId::new([1; 16]),
        &mut rng,
    )
    .expect("alice");
    let n = if quick { 20_000 } else { 200_000 };
    let start = Instant::now();
    let (log, _) = log_with(n, &alice);
    let appends = start.elapsed();
    let start = Instant::now();
    for _ in 0..100 {
        black_box(log.checkpoint());
    }
    let checkpoints = start.elapsed() / 100;
    println!(
        "publishing (in memory): {:.0} entries per second per core over {} appends; a signed checkpoint {:.1?}",
        n as f64 / appends.as_secs_f64(),
        n,
        checkpoints
    );
}
