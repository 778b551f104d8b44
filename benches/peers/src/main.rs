//! mailseal (classical suite) against age, in the same run on the same plaintext.
//!
//! `cargo run --release` (from `benches/peers/`) encrypts and decrypts the same plaintext to
//! the same number of X25519 recipients with the `age` crate and with mailseal's
//! `MAILSEAL-X25519-AES256CTR-BLAKE3` suite, interleaving the contenders round after round,
//! and prints mailseal/age time ratios (below 1.00: mailseal is faster) for 1 KiB, 1 MiB and
//! 64 MiB bodies and 1, 10 and 100 recipients, plus the marginal cost of one more recipient.
//!
//! The work is not identical, and the ratios say so rather than hide it: mailseal also signs
//! (one Ed25519 signature per mail), seals a box for the sender's own copy, and verifies the
//! signature on opening; age authenticates no sender. A fifth contender, age's encryption
//! followed by one Ed25519 signature, gives the seal's ratio to "age's time plus one
//! signature" in the same rounds. `PEERS_QUICK=1` makes a short run.
//!
//! `bash upstream/with-hpke-fix.sh` runs the same comparison with the `hpke` crate patched to
//! compute the ephemeral public key once (BENCHMARKS.md, "Measured with the fix").
//!
//! A sample is the measuring thread's CPU time (`benches/common`), as in the crate's benches.

// Only the timing helpers of the crate's `benches/common` are used here.
#[allow(dead_code)]
#[path = "../../common/mod.rs"]
mod common;

use std::hint::black_box;
use std::io::{Read, Write};
use std::time::Duration;

use common::thread_time;
use ed25519_dalek::{Signer, SigningKey};

use mailseal::Suite;
use mailseal::hazmat::TestUser;
use mailseal::identity::ChainState;
use mailseal::keys::{DeviceId, UserId};
use mailseal::mail::open::open_copy;
use mailseal::mail::seal::{MailSealer, Message, seal_mail};
use mailseal::mail::server::split_envelope;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SUITE: Suite = Suite::X25519;

type Contender<'a> = (&'a str, Box<dyn FnMut() + 'a>);

fn run(mut contenders: Vec<Contender>, iters: usize, rounds: usize) -> Vec<Vec<Duration>> {
    let mut times = vec![Vec::with_capacity(rounds); contenders.len()];
    for (_, f) in contenders.iter_mut() {
        f();
    }
    for _ in 0..rounds {
        for (i, (_, f)) in contenders.iter_mut().enumerate() {
            let start = thread_time();
            for _ in 0..iters {
                f();
            }
            times[i].push((thread_time() - start) / iters as u32);
        }
    }
    times
}

fn median(v: &[Duration]) -> Duration {
    let mut s = v.to_vec();
    s.sort_unstable();
    s[s.len() / 2]
}

/// Median over rounds of ours / theirs, pairing samples of the same round.
fn ratio(ours: &[Duration], theirs: &[Duration]) -> f64 {
    let mut r: Vec<f64> = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    r.sort_by(f64::total_cmp);
    r[r.len() / 2]
}

fn main() {
    let quick = std::env::var_os("PEERS_QUICK").is_some();
    let sizes: &[(&str, usize)] = if quick {
        &[("1 KiB", 1 << 10), ("1 MiB", 1 << 20)]
    } else {
        &[("1 KiB", 1 << 10), ("1 MiB", 1 << 20), ("64 MiB", 64 << 20)]
    };
    let counts = [1usize, 10, 100];

    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let alice = TestUser::generate(
        SUITE,
        UserId::new([1; 16]),
        "alice@example.com",
        DeviceId::new([2; 16]),
        &mut rng,
    )
    .expect("alice");
    let users = TestUser::crowd(SUITE, 100, &mut rng).expect("users");
    let age_ids: Vec<age::x25519::Identity> = (0..100)
        .map(|_| age::x25519::Identity::generate())
        .collect();
    let senders = [&alice.chain];

    println!(
        "mailseal ({}) / age, time ratios in the same run (below 1.00: mailseal faster)",
        SUITE.name()
    );
    println!(
        "{:<8} {:>4}  {:>10} {:>10}  {:>10} {:>10}  {:>6} {:>6}  {:>12}",
        "body", "rcpt", "seal", "age enc", "open", "age dec", "seal", "open", "seal/(age+sig)"
    );
    // Signs what a mail's signature covers in size: a context and a 32-byte tree root.
    let signer = SigningKey::from_bytes(&[7; 32]);
    let signed = [0x5au8; 64];
    let mut seal_by_count = Vec::new();
    for &(label, size) in sizes {
        let plaintext: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        for &n in &counts {
            let msg = Message {
                message_id: "<peers@example.com>".into(),
                timestamp: 1,
                to: users[..n].iter().map(TestUser::key).collect(),
                pieces: vec![&plaintext],
                ..Message::default()
            };
            let sender = || alice.sender();
            let mail = seal_mail(SUITE, sender(), &msg, &mut rng).expect("seal");
            let copy = split_envelope(&mail.envelope)
                .expect("split")
                .into_iter()
                .find(|c| c.user == users[0].id)
                .expect("copy")
                .copy;
            let recipients: Vec<age::x25519::Recipient> =
                age_ids[..n].iter().map(|i| i.to_public()).collect();
            let age_encrypt = || {
                let enc = age::Encryptor::with_recipients(
                    recipients.iter().map(|r| r as &dyn age::Recipient),
                )
                .expect("age");
                let mut out = Vec::with_capacity(size + 200 * n + 1024);
                let mut w = enc.wrap_output(&mut out).expect("age");
                w.write_all(&plaintext).expect("age");
                w.finish().expect("age");
                out
            };
            let age_ct = age_encrypt();
            let mut r1 = ChaCha20Rng::from_seed([3; 32]);
            let contenders: Vec<Contender> = vec![
                (
                    "mailseal seal",
                    Box::new(|| {
                        black_box(seal_mail(SUITE, sender(), &msg, &mut r1).expect("seal"));
                    }),
                ),
                (
                    "age encrypt",
                    Box::new(|| {
                        black_box(age_encrypt());
                    }),
                ),
                (
                    "age encrypt, then one Ed25519 signature",
                    Box::new(|| {
                        black_box(age_encrypt());
                        black_box(signer.sign(&signed));
                    }),
                ),
                (
                    "mailseal open",
                    Box::new(|| {
                        let opened =
                            open_copy(&copy, &users[0].mailbox(), &senders).expect("open");
                        black_box(opened.open_piece(0, &mail.pieces[0]).expect("piece"));
                    }),
                ),
                (
                    "age decrypt",
                    Box::new(|| {
                        let dec = age::Decryptor::new(&age_ct[..]).expect("age");
                        let mut r = dec
                            .decrypt(std::iter::once(&age_ids[0] as &dyn age::Identity))
                            .expect("age");
                        let mut out = Vec::with_capacity(size);
                        r.read_to_end(&mut out).expect("age");
                        black_box(out);
                    }),
                ),
            ];
            let (iters, rounds) = match (size, quick) {
                (s, _) if s >= 64 << 20 => (1, 5),
                (_, true) => (2, 3),
                (s, false) if s >= 1 << 20 => (3, 9),
                _ => ((400 / n).max(2), 11),
            };
            let t = run(contenders, iters, rounds);
            println!(
                "{label:<8} {n:>4}  {:>10.1?} {:>10.1?}  {:>10.1?} {:>10.1?}  {:>6.2} {:>6.2}  {:>12.2}",
                median(&t[0]),
                median(&t[1]),
                median(&t[3]),
                median(&t[4]),
                ratio(&t[0], &t[1]),
                ratio(&t[3], &t[4]),
                ratio(&t[0], &t[2]),
            );
            if size == 1 << 10 {
                seal_by_count.push((median(&t[0]), median(&t[1])));
            }
        }
    }
    if !quick {
        streaming(&alice, &users, &age_ids, &senders, &mut rng);
    }
    if let [_, (m10, a10), (m100, a100)] = seal_by_count[..] {
        let m = m100.saturating_sub(m10) / 90;
        let a = a100.saturating_sub(a10) / 90;
        println!(
            "marginal cost per added recipient (1 KiB body): mailseal {m:.1?}, age {a:.1?}, ratio {:.2}",
            m.as_secs_f64() / a.as_secs_f64()
        );
    }
}

/// 64 MiB through both streaming APIs, output drained as it comes (what a client does with a
/// large attachment): measures the ciphers, not the allocator.
fn streaming(
    alice: &TestUser,
    users: &[TestUser],
    age_ids: &[age::x25519::Identity],
    senders: &[&ChainState],
    rng: &mut ChaCha20Rng,
) {
    const SIZE: usize = 64 << 20;
    const PART: usize = 64 << 10;
    let part: Vec<u8> = (0..PART).map(|i| (i % 251) as u8).collect();
    let sender = || alice.sender();
    // One stored mail to open, and one age file.
    let mut ct = Vec::with_capacity(SIZE + SIZE / 1000);
    let mut sealer = MailSealer::new(SUITE, sender(), "<stream@example.com>", 1)
        .expect("sealer")
        .to(users[0].key());
    let mut p = sealer.begin_piece(rng);
    for _ in 0..SIZE / PART {
        p.push(&part, &mut ct).expect("push");
    }
    sealer.attach(p.finish(&mut ct).expect("finish")).expect("attach");
    let envelope = sealer.seal(rng).expect("seal");
    let copy = split_envelope(&envelope).expect("split").into_iter().find(|c| c.user == users[0].id).expect("copy").copy;
    let recipient = age_ids[0].to_public();
    let mut age_ct = Vec::new();
    {
        let enc = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)).expect("age");
        let mut w = enc.wrap_output(&mut age_ct).expect("age");
        for _ in 0..SIZE / PART {
            w.write_all(&part).expect("age");
        }
        w.finish().expect("age");
    }
    let mut r1 = ChaCha20Rng::from_seed([9; 32]);
    let contenders: Vec<Contender> = vec![
        ("mailseal stream seal", Box::new(|| {
            let mut sealer = MailSealer::new(SUITE, sender(), "<stream@example.com>", 1)
                .expect("sealer")
                .to(users[0].key());
            let mut p = sealer.begin_piece(&mut r1);
            let mut out = Vec::with_capacity(2 * PART);
            for _ in 0..SIZE / PART {
                p.push(&part, &mut out).expect("push");
                black_box(&out);
                out.clear();
            }
            sealer.attach(p.finish(&mut out).expect("finish")).expect("attach");
            black_box(sealer.seal(&mut r1).expect("seal"));
        })),
        ("age stream encrypt", Box::new(|| {
            let enc = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)).expect("age");
            let mut w = enc.wrap_output(std::io::sink()).expect("age");
            for _ in 0..SIZE / PART {
                w.write_all(&part).expect("age");
            }
            w.finish().expect("age");
        })),
        ("mailseal stream open", Box::new(|| {
            let opened = open_copy(&copy, &users[0].mailbox(), senders).expect("open");
            let mut dec = opened.piece_decryptor(0).expect("decryptor");
            let mut out = Vec::with_capacity(2 * PART);
            for c in ct.chunks(PART) {
                dec.push(c, &mut out).expect("push");
                black_box(&out);
                out.clear();
            }
            dec.finish(&mut out).expect("finish");
        })),
        ("age stream decrypt", Box::new(|| {
            let dec = age::Decryptor::new(&age_ct[..]).expect("age");
            let mut r = dec.decrypt(std::iter::once(&age_ids[0] as &dyn age::Identity)).expect("age");
            let mut buf = vec![0u8; PART];
            while r.read(&mut buf).expect("age") > 0 {
                black_box(&buf);
            }
        })),
    ];
    let t = run(contenders, 1, 5);
    let gib = |d: Duration| SIZE as f64 / d.as_secs_f64() / (1u64 << 30) as f64;
    println!(
        "64 MiB streaming, 1 recipient, output drained: seal {:.1?} ({:.2} GiB/s) vs age {:.1?} ({:.2} GiB/s), ratio {:.2}; open {:.1?} ({:.2} GiB/s) vs age {:.1?} ({:.2} GiB/s), ratio {:.2}",
        median(&t[0]), gib(median(&t[0])), median(&t[1]), gib(median(&t[1])), ratio(&t[0], &t[1]),
        median(&t[2]), gib(median(&t[2])), median(&t[3]), gib(median(&t[3])), ratio(&t[2], &t[3]),
    );
}
