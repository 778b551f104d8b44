//! Entry points for the fuzz targets in `fuzz/` and for the corpus replay in `cargo test`.
//!
//! Not part of the API: hidden from the docs, no stability promise. Each function takes
//! arbitrary bytes, must never panic on them, and asserts the properties the target checks
//! (a panic here is a finding).

// Panicking on a violated property is how a fuzz target reports it.
#![allow(clippy::panic)]

use alloc::vec::Vec;

use crate::piece::{self, HEADER_LEN, PieceDecryptor, PieceKey, PieceNonce, PieceReader, Purpose};
use crate::suite::Suite;

/// The fixed key the piece targets open under; the seed corpus is sealed with it.
pub const FUZZ_PIECE_KEY: [u8; 32] = [0x4d; 32];

/// Splits `data` into (split points, ciphertext): the first byte says how many little-endian
/// `u16` split offsets follow (at most 8).
fn split_points(data: &[u8]) -> (Vec<usize>, &[u8]) {
    let Some((&count, rest)) = data.split_first() else {
        return (Vec::new(), data);
    };
    let count = usize::from(count % 9);
    let cut = (count * 2).min(rest.len());
    let (offsets, ciphertext) = rest.split_at(cut);
    let mut points: Vec<usize> = offsets
        .chunks_exact(2)
        .map(|p| usize::from(u16::from_le_bytes([p[0], p[1]])) % (ciphertext.len() + 1))
        .collect();
    points.sort_unstable();
    (points, ciphertext)
}

/// Opens fuzzer bytes as a piece under the fixed key, pushed in fuzzer-chosen parts, and
/// checks that the stream decryptor agrees exactly with the one-shot opener and the
/// random-access reader.
pub fn piece_stream(data: &[u8]) {
    let (points, ciphertext) = split_points(data);
    let key = PieceKey::from_bytes(FUZZ_PIECE_KEY);
    let (s, p) = (Suite::XWing, Purpose::MailPiece);

    let one_shot = piece::open(s, p, &key, ciphertext);

    let mut dec = PieceDecryptor::new(s, p, &key);
    let mut streamed = Vec::new();
    let mut last = 0;
    let mut result = Ok(());
    for point in points.into_iter().chain([ciphertext.len()]) {
        if let Some(part) = ciphertext.get(last..point) {
            result = result.and_then(|()| dec.push(part, &mut streamed));
        }
        last = point;
    }
    let streamed_result = result.and_then(|()| dec.finish(&mut streamed));
    match (&one_shot, &streamed_result) {
        (Ok(o), Ok(d)) => {
            assert_eq!(
                o.plaintext, streamed,
                "stream and one-shot plaintexts differ"
            );
            assert_eq!(o.digest, *d, "stream and one-shot digests differ");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "stream and one-shot errors differ"),
        _ => panic!("stream and one-shot disagree on success"),
    }

    // Random access must accept exactly the chunks of an accepted piece.
    if let (Ok(opened), Some(header)) = (&one_shot, ciphertext.get(..HEADER_LEN)) {
        let reader = PieceReader::new(s, p, &key, header, ciphertext.len() as u64);
        let reader = reader.unwrap_or_else(|e| panic!("reader refused an opened piece: {e}"));
        let mut joined = Vec::new();
        for i in 0..reader.chunk_count() {
            let range = reader
                .chunk_range(i)
                .unwrap_or_else(|e| panic!("range {i}: {e}"));
            let bytes = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(a, b)| ciphertext.get(a..b))
                .unwrap_or_else(|| panic!("range {i} outside the ciphertext"));
            let chunk = reader
                .open_chunk(i, bytes)
                .unwrap_or_else(|e| panic!("chunk {i}: {e}"));
            joined.extend_from_slice(&chunk);
        }
        assert_eq!(
            joined, opened.plaintext,
            "random access differs from one-shot"
        );
    }
}

/// Seals fuzzer bytes as a piece (first byte picks suite and purpose), opens it in
/// fuzzer-derived parts, and requires the exact plaintext back.
pub fn piece_round_trip(data: &[u8]) {
    let Some((&selector, plaintext)) = data.split_first() else {
        return;
    };
    let suite = if selector & 1 == 0 {
        Suite::XWing
    } else {
        Suite::X25519
    };
    let purpose = match (selector >> 1) % 3 {
        0 => Purpose::MailPiece,
        1 => Purpose::Manifest,
        _ => Purpose::UserData,
    };
    let key = PieceKey::from_bytes(FUZZ_PIECE_KEY);
    let sealed =
        piece::seal_with_nonce(suite, purpose, &key, PieceNonce([selector; 32]), plaintext)
            .unwrap_or_else(|e| panic!("seal failed: {e}"));
    let step = usize::from(selector).max(1);
    let mut dec = PieceDecryptor::new(suite, purpose, &key);
    let mut out = Vec::new();
    for part in sealed.ciphertext.chunks(step) {
        dec.push(part, &mut out)
            .unwrap_or_else(|e| panic!("push failed: {e}"));
    }
    let digest = dec
        .finish(&mut out)
        .unwrap_or_else(|e| panic!("finish failed: {e}"));
    assert_eq!(out, plaintext);
    assert_eq!(digest, sealed.digest);
}
