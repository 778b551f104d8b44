//! A client syncing its inbox: received mails opened, classified for their footer and their
//! first piece (the body) decrypted, in mails per second on one core and as a ratio to the
//! floor measured in the same run.
//!
//! `cargo bench --bench sync` builds, per suite, an inbox of 10,000 copies for one user (Bob):
//! ten senders in turn; 80% of the mails to Bob alone, 15% to Bob and 9 others, 5% to Bob and
//! 99 others; bodies of 1, 4 and 16 KiB in turn. Each copy goes through `open_copy` (with the
//! ten senders' verified chains in a `BTreeMap`), `footer::classify` and `open_piece(0, ..)`.
//!
//! Floor, per mail: the primitive work no implementation can skip: one raw HPKE open (same
//! suite, same box plaintext size), one Ed25519 `verify_strict`, and the piece cipher's open of
//! a body of the same length (a separate ciphertext per mail, so both sides read as many bytes
//! from memory).
//!
//! The inbox is cut into 20 chunks of 500 mails. Each round opens one chunk with mailseal and
//! runs the floor over the same chunk's mails; rounds go through the whole inbox twice. The
//! ratio is the median over rounds of floor time / mailseal time (1.00 = no overhead beyond the
//! primitives). `MAILSEAL_BENCH_QUICK=1` makes a short run (1,000 mails, one pass).

mod common;

use std::collections::BTreeMap;
use std::hint::black_box;

use common::{Contender, median, median_ratio, run_interleaved};
use ed25519_dalek::{Signature, Signer, SigningKey};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::{X25519HkdfSha256, XWing};
use hpke::{Kem, OpModeR, OpModeS};
use mailseal::Suite;
use mailseal::hazmat::TestUser;
use mailseal::identity::ChainState;
use mailseal::keys::UserId;
use mailseal::mail::footer::classify;
use mailseal::mail::open::open_copy;
use mailseal::mail::seal::{Message, RecipientKey, seal_mail};
use mailseal::piece::{self, PieceKey, Purpose};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// Plaintext bytes of a recipient box (SPEC.md §6.4).
const BOX_PLAINTEXT: usize = 451;
/// Senders whose mail fills the inbox.
const SENDERS: usize = 10;
/// Body sizes, in turn.
const BODY_SIZES: [usize; 3] = [1 << 10, 4 << 10, 16 << 10];
/// Chunks per pass through the inbox (one chunk per round).
const CHUNKS: usize = 20;
/// Distinct raw HPKE boxes and signatures the floor cycles through.
const RAW_DISTINCT: usize = 256;

/// Recipient users of mail `i` (Bob included): 80% one, 15% ten, 5% a hundred.
fn recipients_of(i: usize) -> usize {
    match i % 20 {
        0 => 100,
        1..=3 => 10,
        _ => 1,
    }
}

fn main() {
    let quick = std::env::var_os("MAILSEAL_BENCH_QUICK").is_some();
    println!("inbox sync (open + classify + body); ratio = floor time / mailseal time");
    for suite in Suite::ALL {
        match suite {
            Suite::XWing => bench_suite::<XWing>(suite, quick),
            _ => bench_suite::<X25519HkdfSha256>(suite, quick),
        }
    }
}

/// The floor's stand-in for a mail: a raw HPKE box, and a signed message with its signature.
type RawMail<K> = (<K as Kem>::EncappedKey, Vec<u8>, [u8; 8], Signature);

/// One received mail: Bob's copy and the body ciphertext.
struct Received {
    copy: Vec<u8>,
    body: Vec<u8>,
}

fn bench_suite<K: Kem>(suite: Suite, quick: bool) {
    let mut rng = ChaCha20Rng::from_seed([31; 32]);
    let bob = common::user(suite, 2, "bob@example.com", &mut rng);
    let crowd = TestUser::crowd(suite, 110, &mut rng).expect("crowd");
    let (senders, others) = crowd.split_at(SENDERS);
    let directory: BTreeMap<UserId, ChainState> =
        senders.iter().map(|s| (s.id, s.chain.clone())).collect();
    let mailbox = bob.mailbox();
    let bodies: Vec<Vec<u8>> = BODY_SIZES.iter().map(|&n| vec![0x61; n]).collect();
    let count = if quick { 1_000 } else { 10_000 };

    let inbox: Vec<Received> = (0..count)
        .map(|i| {
            let to: Vec<RecipientKey> = std::iter::once(bob.key())
                .chain(others[..recipients_of(i) - 1].iter().map(TestUser::key))
                .collect();
            let msg = Message {
                message_id: format!("<{i}@example.com>"),
                timestamp: i as u64,
                to,
                pieces: vec![&bodies[i % BODY_SIZES.len()]],
                ..Message::default()
            };
            let sender = &senders[i % SENDERS];
            let mail = seal_mail(suite, sender.sender(), &msg, &mut rng).expect("seal");
            let copy = common::copy_for(&mail.envelope, bob.id);
            let body = mail.pieces.into_iter().next().expect("body");
            Received { copy, body }
        })
        .collect();

    // The floor's inputs: raw boxes and signatures, and one body ciphertext per mail.
    let (raw_sk, raw_pk) = K::derive_keypair(&[9; 32]);
    let signer = SigningKey::from_bytes(&[5; 32]);
    let verifier = signer.verifying_key();
    let raw: Vec<RawMail<K>> = (0..RAW_DISTINCT)
        .map(|i| {
            let (enc, ct) = hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, K>(
                &OpModeS::Base,
                &raw_pk,
                b"i",
                &[0u8; BOX_PLAINTEXT],
                b"a",
                &mut rng,
            )
            .expect("seal");
            let message = (i as u64).to_be_bytes();
            (enc, ct, message, signer.sign(&message))
        })
        .collect();
    let piece_key = PieceKey::from_bytes([3; 32]);
    let floor_bodies: Vec<Vec<u8>> = (0..count)
        .map(|i| {
            let body = &bodies[i % BODY_SIZES.len()];
            piece::seal(suite, Purpose::MailPiece, &piece_key, &mut rng, body)
                .expect("piece")
                .ciphertext
        })
        .collect();

    let chunk = count / CHUNKS;
    let (mut next_ours, mut next_floor) = (0usize, 0usize);
    let contenders: Vec<Contender> = vec![
        (
            "mailseal: open + classify + body",
            Box::new(|| {
                let start = (next_ours % CHUNKS) * chunk;
                next_ours += 1;
                for r in &inbox[start..start + chunk] {
                    let opened = open_copy(&r.copy, &mailbox, &directory).expect("open");
                    black_box(classify(&opened, true));
                    black_box(opened.open_piece(0, &r.body).expect("body"));
                }
            }),
        ),
        (
            "floor: HPKE open + verify + body",
            Box::new(|| {
                let start = (next_floor % CHUNKS) * chunk;
                next_floor += 1;
                for (i, body) in floor_bodies[start..start + chunk].iter().enumerate() {
                    let (enc, ct, message, signature) = &raw[(start + i) % RAW_DISTINCT];
                    black_box(
                        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, K>(
                            &OpModeR::Base,
                            &raw_sk,
                            enc,
                            b"i",
                            ct,
                            b"a",
                        )
                        .expect("open"),
                    );
                    black_box(verifier.verify_strict(message, signature).is_ok());
                    black_box(
                        piece::open(suite, Purpose::MailPiece, &piece_key, body).expect("piece"),
                    );
                }
            }),
        ),
    ];
    // The warm-up call opens chunk 0 on both sides; the rounds then continue in step.
    let rounds = if quick { CHUNKS } else { 2 * CHUNKS };
    let t = run_interleaved(contenders, 1, rounds);
    let per_mail = |i: usize| median(&t[i]).as_secs_f64() / chunk as f64;
    println!(
        "\n== {}: {count} mails, {CHUNKS} chunks of {chunk}, {rounds} rounds",
        suite.name()
    );
    for (i, name) in ["mailseal: open + classify + body", "floor"]
        .iter()
        .enumerate()
    {
        println!(
            "  {name:<34} {:>7.1} µs per mail, {:>6.0} mails/s per core",
            per_mail(i) * 1e6,
            1.0 / per_mail(i)
        );
    }
    println!(
        "  ratio floor / mailseal (median of paired rounds) {:.2}",
        median_ratio(&t[1], &t[0])
    );
}
