//! Piece cipher throughput, as ratios to raw primitives measured in the same run on the same bytes.
//!
//! `cargo bench --bench piece` prints, per size, mailseal's seal and open (digest included)
//! against:
//! - the floor of its own construction: raw AES-256-CTR plus keyed BLAKE3 over 64 KiB chunks;
//! - raw AES-256-GCM over 64 KiB chunks (no digest: GCM has none that resists key holders);
//! - raw ChaCha20-Poly1305 over 64 KiB chunks (age's payload cipher, same chunk size as age);
//! - raw AES-256-GCM followed by a BLAKE3 hash of the ciphertext: the AEAD-plus-hash design
//!   this construction replaces.
//!
//! Every contender writes into a freshly allocated output, as the one-shot API does.
//!
//! Contenders run interleaved, round after round, and each ratio is the median over rounds of
//! (time of reference / time of mailseal), so machine noise hits both sides alike. A ratio
//! above 1.00 means mailseal is faster than the reference. Absolute times are printed for
//! context only. Set `MAILSEAL_BENCH_QUICK=1` for a fast smoke run.

use std::hint::black_box;

use aes::cipher::{InnerIvInit, StreamCipher, StreamCipherCoreWrapper};
use aes_gcm::aead::{AeadInOut, KeyInit};
use mailseal::Suite;
use mailseal::piece::{self, CHUNK_SIZE, PieceKey, PieceNonce, Purpose};

mod common;

use common::{Contender, median, median_ratio, run_interleaved};

fn main() {
    let quick = std::env::var_os("MAILSEAL_BENCH_QUICK").is_some();
    let sizes: &[(&str, usize)] = if quick {
        &[("1 KiB", 1 << 10), ("1 MiB", 1 << 20)]
    } else {
        &[("1 KiB", 1 << 10), ("1 MiB", 1 << 20), ("64 MiB", 64 << 20)]
    };
    println!(
        "piece cipher, ratios = reference time / mailseal time (higher is better for mailseal)"
    );
    for &(label, size) in sizes {
        bench_size(label, size, quick);
    }
}

fn bench_size(label: &str, size: usize, quick: bool) {
    let key = PieceKey::from_bytes([7; 32]);
    let raw_key = [9u8; 32];
    let plaintext: Vec<u8> = (0..size).map(|i| i as u8).collect();
    let sealed = mailseal::hazmat::seal_piece_with_nonce(
        Suite::XWing,
        Purpose::MailPiece,
        &key,
        PieceNonce([1; 32]),
        &plaintext,
    )
    .expect("seal");
    let gcm = aes_gcm::Aes256Gcm::new(&raw_key.into());
    let gcm2 = aes_gcm::Aes256Gcm::new(&raw_key.into());
    let chacha = chacha20poly1305::ChaCha20Poly1305::new(&raw_key.into());
    let aes_key = aes::Aes256::new(&raw_key.into());

    // Work per sample: enough iterations that one sample takes a few milliseconds.
    let iters = (8 << 20) / size + 1;
    let rounds = if quick {
        5
    } else if size >= 64 << 20 {
        9
    } else {
        21
    };

    let contenders: Vec<Contender> = vec![
        (
            "mailseal seal",
            Box::new(|| {
                let s = mailseal::hazmat::seal_piece_with_nonce(
                    Suite::XWing,
                    Purpose::MailPiece,
                    &key,
                    PieceNonce([1; 32]),
                    &plaintext,
                );
                black_box(s.expect("seal"));
            }),
        ),
        (
            "mailseal open",
            Box::new(|| {
                black_box(
                    piece::open(Suite::XWing, Purpose::MailPiece, &key, &sealed.ciphertext)
                        .expect("open"),
                );
            }),
        ),
        (
            "floor: AES-256-CTR + BLAKE3",
            Box::new(|| {
                // What the construction cannot avoid: copy, keystream, keyed hash per chunk, digest.
                let mut out = plaintext.clone();
                let mut digest = blake3::Hasher::new();
                for (i, chunk) in out.chunks_mut(CHUNK_SIZE).enumerate() {
                    let mut iv = [0u8; 16];
                    iv[..8].copy_from_slice(&(i as u64).to_be_bytes());
                    let core = ctr::CtrCore::<aes::Aes256, ctr::flavors::Ctr32BE>::inner_iv_init(
                        aes_key.clone(),
                        &iv.into(),
                    );
                    let mut c = StreamCipherCoreWrapper::from_core(core);
                    c.apply_keystream(chunk);
                    digest.update(blake3::keyed_hash(&raw_key, chunk).as_bytes());
                }
                black_box((out, digest.finalize()));
            }),
        ),
        (
            "raw AES-256-GCM",
            Box::new(|| {
                // A fresh output buffer, as mailseal's one-shot API returns one.
                let mut out = plaintext.clone();
                for (i, chunk) in out.chunks_mut(CHUNK_SIZE).enumerate() {
                    let mut nonce = [0u8; 12];
                    nonce[..8].copy_from_slice(&(i as u64).to_be_bytes());
                    black_box(
                        gcm.encrypt_inout_detached(&nonce.into(), b"", chunk.into())
                            .expect("gcm"),
                    );
                }
                black_box(out);
            }),
        ),
        (
            "raw ChaCha20-Poly1305",
            Box::new(|| {
                let mut out = plaintext.clone();
                for (i, chunk) in out.chunks_mut(CHUNK_SIZE).enumerate() {
                    let mut nonce = [0u8; 12];
                    nonce[..8].copy_from_slice(&(i as u64).to_be_bytes());
                    black_box(
                        chacha
                            .encrypt_inout_detached(&nonce.into(), b"", chunk.into())
                            .expect("chacha"),
                    );
                }
                black_box(out);
            }),
        ),
        (
            "raw AES-256-GCM + BLAKE3 hash",
            Box::new(|| {
                // The alternative design: a standard AEAD, then a collision-resistant hash of
                // the ciphertext for the manifest.
                let mut out = plaintext.clone();
                for (i, chunk) in out.chunks_mut(CHUNK_SIZE).enumerate() {
                    let mut nonce = [0u8; 12];
                    nonce[..8].copy_from_slice(&(i as u64).to_be_bytes());
                    black_box(
                        gcm2.encrypt_inout_detached(&nonce.into(), b"", chunk.into())
                            .expect("gcm"),
                    );
                }
                black_box(blake3::hash(&out));
            }),
        ),
    ];
    let names: Vec<&str> = contenders.iter().map(|c| c.0).collect();
    let times = run_interleaved(contenders, iters, rounds);

    println!("\n== {label} ({iters} ops per sample, {rounds} rounds)");
    for (name, t) in names.iter().zip(&times) {
        let per_op = median(t) / iters as u32;
        let gib_s = size as f64 / per_op.as_secs_f64() / (1u64 << 30) as f64;
        println!("  {name:<30} {per_op:>12.2?} per op  ({gib_s:.2} GiB/s, context only)");
    }
    for (op, op_idx) in [("seal", 0usize), ("open", 1)] {
        for (ref_name, ref_idx) in [
            ("floor (CTR+BLAKE3)", 2usize),
            ("AES-256-GCM", 3),
            ("ChaCha20-Poly1305", 4),
            ("AES-256-GCM + BLAKE3", 5),
        ] {
            let ratio = median_ratio(&times[ref_idx], &times[op_idx]);
            println!("  ratio {op} vs {ref_name:<20} {ratio:.2}x");
        }
    }
}
