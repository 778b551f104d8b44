//! Seal and open of whole mails, as ratios to the primitive work they cannot avoid, measured in
//! the same run.
//!
//! `cargo bench --bench mail` prints, per suite and recipient count (1, 10, 100), with a 1 KiB
//! and a 1 MiB body:
//! - seal vs its floor: one raw HPKE single-shot seal per recipient (same suite, same box
//!   plaintext size), one Ed25519 signature, the piece cipher over the sender's own box and
//!   over the body;
//! - open vs its floor: one raw HPKE open, one Ed25519 `verify_strict`, the piece cipher's open
//!   of the body;
//! - the marginal cost of one more recipient, (seal(100) − seal(10)) / 90, vs one raw HPKE seal.
//!
//! Seals and opens run in separate interleaved groups (opens 20 per sample, 5 with the 1 MiB
//! body, whatever the recipient count), so an open never starts in caches that a
//! 100-recipient seal has just filled.
//!
//! Ratios are floor time / mailseal time: 1.00 means no overhead beyond the primitives.
//! `MAILSEAL_BENCH_QUICK=1` makes a short run.

mod common;

use std::hint::black_box;

use common::{Contender, median, median_ratio, run_interleaved};
use ed25519_dalek::{Signer, SigningKey};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::{X25519HkdfSha256, XWing};
use hpke::{Kem, OpModeR, OpModeS};
use mailseal::Suite;
use mailseal::hazmat::TestUser;
use mailseal::keys::{DeviceId, UserId};
use mailseal::mail::open::open_copy;
use mailseal::mail::seal::{Message, RecipientKey, seal_mail};
use mailseal::mail::server::split_envelope;
use mailseal::piece::{self, PieceKey, Purpose};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// Plaintext bytes of a recipient box (SPEC.md §6.4).
const BOX_PLAINTEXT: usize = 451;

fn main() {
    let quick = std::env::var_os("MAILSEAL_BENCH_QUICK").is_some();
    println!("mail seal/open, ratios = floor time / mailseal time (1.00 = no overhead)");
    for body_len in [1 << 10, 1 << 20] {
        for suite in Suite::ALL {
            match suite {
                Suite::XWing => bench_suite::<XWing>(suite, quick, body_len),
                _ => bench_suite::<X25519HkdfSha256>(suite, quick, body_len),
            }
        }
    }
}

fn bench_suite<K: Kem>(suite: Suite, quick: bool, body_len: usize) {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let alice = TestUser::generate(
        suite,
        UserId::new([1; 16]),
        "alice@example.com",
        DeviceId::new([2; 16]),
        &mut rng,
    )
    .expect("alice");
    let recipients = TestUser::crowd(suite, 100, &mut rng).expect("recipients");
    let body = vec![0x61u8; body_len];
    let senders = [&alice.chain];

    // Raw primitives for the floor.
    let (raw_sk, raw_pk) = K::derive_keypair(&[9; 32]);
    let raw_box = vec![0u8; BOX_PLAINTEXT];
    let raw_seal = |rng: &mut ChaCha20Rng| {
        hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, K>(
            &OpModeS::Base,
            &raw_pk,
            b"i",
            &raw_box,
            b"a",
            rng,
        )
        .expect("seal")
    };
    let (raw_enc, raw_ct) = raw_seal(&mut rng);
    let signer = SigningKey::from_bytes(&[5; 32]);
    let raw_sig = signer.sign(b"message");
    let piece_key = PieceKey::from_bytes([3; 32]);
    let sealed_body =
        piece::seal(suite, Purpose::MailPiece, &piece_key, &mut rng, &body).expect("piece");

    let counts: &[usize] = &[1, 10, 100];
    let mut seal_medians = Vec::new();
    let mut hpke_seal_median = None;
    let label = if body_len >= 1 << 20 {
        "1 MiB"
    } else {
        "1 KiB"
    };
    println!("\n== {} ({label} body)", suite.name());
    for &n in counts {
        let to: Vec<RecipientKey> = recipients[..n]
            .iter()
            .map(TestUser::key)
            .collect::<Vec<RecipientKey>>();
        // One HPKE seal per recipient; the sender's own box is symmetric (a small piece seal).
        let boxes = n;
        let msg = Message {
            message_id: "<bench@example.com>".into(),
            timestamp: 1,
            to,
            pieces: vec![&body],
            ..Message::default()
        };
        let sender = || alice.sender();
        let mail = seal_mail(suite, sender(), &msg, &mut rng).expect("seal");
        let copies = split_envelope(&mail.envelope).expect("split");
        let first = &recipients[0];
        let copy = copies
            .iter()
            .find(|c| c.user == first.id)
            .expect("copy")
            .copy
            .clone();

        let mut r1 = ChaCha20Rng::from_seed([2; 32]);
        let mut r2 = ChaCha20Rng::from_seed([3; 32]);
        let mut r3 = ChaCha20Rng::from_seed([4; 32]);
        let mut r4 = ChaCha20Rng::from_seed([5; 32]);
        let contenders: Vec<Contender> = vec![
            (
                "mailseal seal",
                Box::new(|| {
                    black_box(seal_mail(suite, sender(), &msg, &mut r1).expect("seal"));
                }),
            ),
            (
                "floor: seal",
                Box::new(|| {
                    for _ in 0..boxes {
                        black_box(raw_seal(&mut r2));
                    }
                    black_box(signer.sign(b"root"));
                    black_box(
                        piece::seal(suite, Purpose::SelfBox, &piece_key, &mut r3, &raw_box)
                            .expect("self box"),
                    );
                    black_box(
                        piece::seal(suite, Purpose::MailPiece, &piece_key, &mut r3, &body)
                            .expect("piece"),
                    );
                }),
            ),
            (
                "raw HPKE seal (one)",
                Box::new(|| {
                    black_box(raw_seal(&mut r4));
                }),
            ),
        ];
        // Opens are timed in a group of their own: after a 100-recipient seal, an open
        // sample that shares the round would start with the seal's code and data in the
        // caches, which the floor's open, right after it, would not pay for.
        let opens: Vec<Contender> = vec![
            (
                "mailseal open",
                Box::new(|| {
                    let opened = open_copy(&copy, &first.mailbox(), &senders).expect("open");
                    black_box(opened.open_piece(0, &mail.pieces[0]).expect("piece"));
                }),
            ),
            (
                "floor: open",
                Box::new(|| {
                    black_box(
                        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, K>(
                            &OpModeR::Base,
                            &raw_sk,
                            &raw_enc,
                            b"i",
                            &raw_ct,
                            b"a",
                        )
                        .expect("open"),
                    );
                    black_box(
                        signer
                            .verifying_key()
                            .verify_strict(b"message", &raw_sig)
                            .is_ok(),
                    );
                    black_box(
                        piece::open(
                            suite,
                            Purpose::MailPiece,
                            &piece_key,
                            &sealed_body.ciphertext,
                        )
                        .expect("piece"),
                    );
                }),
            ),
        ];
        let rounds = if quick { 3 } else { 11 };
        let large = if body_len >= 1 << 20 { 4 } else { 1 };
        let iters = if quick { 1 } else { (200 / n).max(2) / large }.max(1);
        let open_iters = if quick { 1 } else { 20 / large };
        let times = run_interleaved(contenders, iters, rounds);
        let open_times = run_interleaved(opens, open_iters, rounds);
        let per_op = |i: usize| median(&times[i]) / iters as u32;
        println!(
            "  {n:>3} recipients: seal {:>10.1?} (floor ratio {:.2}), open {:>9.1?} (floor ratio {:.2})",
            per_op(0),
            median_ratio(&times[1], &times[0]),
            median(&open_times[0]) / open_iters as u32,
            median_ratio(&open_times[1], &open_times[0]),
        );
        seal_medians.push(per_op(0));
        hpke_seal_median = Some(per_op(2));
    }
    if let (Some(hpke), [_, ten, hundred]) = (hpke_seal_median, &seal_medians[..]) {
        let marginal = (hundred.saturating_sub(*ten)) / 90;
        println!(
            "  marginal cost per added recipient: {marginal:.1?} = {:.2}x one raw HPKE seal ({hpke:.1?})",
            marginal.as_secs_f64() / hpke.as_secs_f64()
        );
    }
}
