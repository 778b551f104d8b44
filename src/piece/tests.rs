//! Tests of the piece cipher. Each defence has a test that fails when the defence is removed.

use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::schedule::PieceKeys;
use super::*;
use crate::error::{AuthFailure, Limit, Malformed, Misuse};

const S: Suite = Suite::XWing;
const P: Purpose = Purpose::MailPiece;
const C: usize = CHUNK_SIZE;
const F: usize = FULL_CHUNK_LEN;

fn key(n: u8) -> PieceKey {
    PieceKey::from_bytes([n; 32])
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn seal_fixed(k: &PieceKey, pt: &[u8]) -> SealedPiece {
    seal_with_nonce(S, P, k, PieceNonce([5; 32]), pt).unwrap()
}

/// Builds a ciphertext chunk by chunk with chosen final flags, bypassing the encryptor's rules,
/// so tests can present what an attacker holding the key could produce.
fn craft(k: &PieceKey, chunks: &[(&[u8], bool)]) -> Vec<u8> {
    let nonce = [5u8; 32];
    let keys = PieceKeys::derive(S, P, k, &nonce);
    let mut out = nonce.to_vec();
    out.extend_from_slice(keys.commitment());
    for (i, (pt, is_final)) in chunks.iter().enumerate() {
        let mut body = pt.to_vec();
        let tag = keys.seal_in_place(i as u64, *is_final, &mut body);
        out.extend_from_slice(&body);
        out.extend_from_slice(&tag);
    }
    out
}

fn open_err(k: &PieceKey, ct: &[u8]) -> Error {
    open(S, P, k, ct).unwrap_err()
}

fn auth(a: AuthFailure) -> Error {
    Error::Authentication(a)
}

const BOUNDARY_SIZES: [usize; 9] = [
    0,
    1,
    C - 1,
    C,
    C + 1,
    2 * C - 1,
    2 * C,
    2 * C + 1,
    5 * C + 17,
];

#[test]
fn round_trip_at_every_boundary() {
    let k = key(1);
    for len in BOUNDARY_SIZES {
        let pt = data(len);
        let sealed = seal_fixed(&k, &pt);
        assert_eq!(
            sealed.ciphertext.len() as u64,
            ciphertext_len(len as u64).unwrap()
        );
        let opened = open(S, P, &k, &sealed.ciphertext).unwrap();
        assert_eq!(opened.plaintext, pt, "len {len}");
        assert_eq!(opened.digest, sealed.digest);
        assert_eq!(
            open_expecting(S, P, &k, &sealed.ciphertext, &sealed.digest).unwrap(),
            pt
        );
    }
}

#[test]
fn encryptor_output_is_independent_of_how_input_is_split() {
    let k = key(2);
    let pt = data(3 * C + 5);
    let reference = seal_fixed(&k, &pt);
    for step in [1usize, 7, 1000, C - 1, C, C + 1, 2 * C + 3] {
        let mut enc = PieceEncryptor::with_nonce(S, P, &k, PieceNonce([5; 32]));
        let mut out = Vec::new();
        for part in pt.chunks(step) {
            enc.push(part, &mut out).unwrap();
        }
        enc.push(&[], &mut out).unwrap();
        let digest = enc.finish(&mut out).unwrap();
        assert_eq!(out, reference.ciphertext, "step {step}");
        assert_eq!(digest, reference.digest);
    }
}

#[test]
fn empty_piece_is_header_plus_one_empty_final_chunk() {
    let k = key(3);
    let sealed = seal_fixed(&k, b"");
    assert_eq!(sealed.ciphertext.len(), HEADER_LEN + TAG_LEN);
    assert_eq!(open(S, P, &k, &sealed.ciphertext).unwrap().plaintext, b"");
    // The same bytes crafted by hand are exactly what the encryptor emits.
    assert_eq!(craft(&k, &[(b"", true)]), sealed.ciphertext);
}

#[test]
fn exact_multiple_of_chunk_ends_with_full_final_chunk() {
    let k = key(4);
    let pt = data(2 * C);
    let sealed = seal_fixed(&k, &pt);
    assert_eq!(
        sealed.ciphertext,
        craft(&k, &[(&pt[..C], false), (&pt[C..], true)])
    );
}

#[test]
fn wrong_key_fails_at_commitment_before_any_chunk() {
    let sealed = seal_fixed(&key(1), &data(3 * C));
    assert_eq!(
        open_err(&key(2), &sealed.ciphertext),
        auth(AuthFailure::KeyCommitment)
    );
    // The stream decryptor refuses as soon as the header is in: no chunk byte was needed.
    let mut dec = PieceDecryptor::new(S, P, &key(2));
    let mut out = Vec::new();
    assert_eq!(
        dec.push(&sealed.ciphertext[..HEADER_LEN], &mut out)
            .unwrap_err(),
        auth(AuthFailure::KeyCommitment)
    );
    // So does the reader, given only the header and a length.
    let len = sealed.ciphertext.len() as u64;
    let reader = PieceReader::new(S, P, &key(2), &sealed.ciphertext[..HEADER_LEN], len);
    assert_eq!(reader.err(), Some(auth(AuthFailure::KeyCommitment)));
}

#[test]
fn suite_and_purpose_are_bound_into_the_commitment() {
    let k = key(1);
    let sealed = seal_fixed(&k, b"bound");
    assert_eq!(
        open(Suite::X25519, P, &k, &sealed.ciphertext).unwrap_err(),
        auth(AuthFailure::KeyCommitment)
    );
    assert_eq!(
        open(S, Purpose::UserData, &k, &sealed.ciphertext).unwrap_err(),
        auth(AuthFailure::KeyCommitment)
    );
}

#[test]
fn altered_header_fails_at_commitment() {
    let k = key(1);
    let sealed = seal_fixed(&k, b"x");
    for i in 0..HEADER_LEN {
        let mut ct = sealed.ciphertext.clone();
        ct[i] ^= 0x01;
        assert_eq!(
            open_err(&k, &ct),
            auth(AuthFailure::KeyCommitment),
            "byte {i}"
        );
    }
}

#[test]
fn reordered_chunks_fail_at_the_first_moved_chunk() {
    let k = key(1);
    let pt = data(3 * C + 10);
    let ct = seal_fixed(&k, &pt).ciphertext;
    let mut swapped = ct[..HEADER_LEN].to_vec();
    swapped.extend_from_slice(&ct[HEADER_LEN + F..HEADER_LEN + 2 * F]);
    swapped.extend_from_slice(&ct[HEADER_LEN..HEADER_LEN + F]);
    swapped.extend_from_slice(&ct[HEADER_LEN + 2 * F..]);
    assert_eq!(
        open_err(&k, &swapped),
        auth(AuthFailure::Chunk { index: 0 })
    );
}

#[test]
fn duplicated_chunk_fails() {
    let k = key(1);
    let ct = seal_fixed(&k, &data(2 * C + 10)).ciphertext;
    let mut dup = ct[..HEADER_LEN + F].to_vec();
    dup.extend_from_slice(&ct[HEADER_LEN..]);
    assert_eq!(open_err(&k, &dup), auth(AuthFailure::Chunk { index: 1 }));
}

#[test]
fn chunk_from_another_piece_under_the_same_key_fails() {
    let k = key(1);
    let a = seal_fixed(&k, &data(2 * C + 1)).ciphertext;
    let b = seal_with_nonce(S, P, &k, PieceNonce([6; 32]), &data(2 * C + 1))
        .unwrap()
        .ciphertext;
    let mut mixed = a[..HEADER_LEN + F].to_vec();
    mixed.extend_from_slice(&b[HEADER_LEN + F..]);
    assert_eq!(open_err(&k, &mixed), auth(AuthFailure::Chunk { index: 1 }));
}

#[test]
fn missing_final_chunk_is_reported_as_such() {
    let k = key(1);
    let ct = seal_fixed(&k, &data(2 * C)).ciphertext;
    let cut = &ct[..HEADER_LEN + F];
    assert_eq!(open_err(&k, cut), auth(AuthFailure::FinalChunkMissing));
}

#[test]
fn truncation_inside_a_tag_or_the_header_is_malformed() {
    let k = key(1);
    let ct = seal_fixed(&k, &data(C + 100)).ciphertext;
    assert_eq!(
        open_err(&k, &ct[..HEADER_LEN - 1]),
        Error::Malformed(Malformed::PieceTruncated)
    );
    assert_eq!(
        open_err(&k, &ct[..HEADER_LEN]),
        Error::Malformed(Malformed::PieceTruncated)
    );
    assert_eq!(
        open_err(&k, &ct[..HEADER_LEN + F + 31]),
        Error::Malformed(Malformed::PieceTruncated)
    );
    assert_eq!(
        open_err(&k, &ct[..HEADER_LEN + F + 32]),
        Error::Malformed(Malformed::EmptyFinalChunk)
    );
    assert_eq!(
        open_err(&k, &ct[..ct.len() - 1]),
        auth(AuthFailure::Chunk { index: 1 })
    );
}

#[test]
fn two_final_chunks_are_rejected() {
    let k = key(1);
    let pt = data(C);
    let ct = craft(&k, &[(&pt, true), (b"tail", true)]);
    assert_eq!(
        open_err(&k, &ct),
        auth(AuthFailure::DataAfterFinalChunk { index: 0 })
    );
}

#[test]
fn data_after_a_full_final_chunk_is_rejected() {
    let k = key(1);
    let mut ct = seal_fixed(&k, &data(C)).ciphertext;
    ct.push(0);
    assert_eq!(
        open_err(&k, &ct),
        auth(AuthFailure::DataAfterFinalChunk { index: 0 })
    );
}

#[test]
fn data_after_a_short_final_chunk_is_rejected() {
    let k = key(1);
    let mut ct = seal_fixed(&k, &data(C + 5)).ciphertext;
    ct.extend_from_slice(&[0; 3]);
    assert_eq!(open_err(&k, &ct), auth(AuthFailure::Chunk { index: 1 }));
}

#[test]
fn empty_final_chunk_after_data_is_rejected_even_with_a_valid_tag() {
    let k = key(1);
    let pt = data(C);
    let ct = craft(&k, &[(&pt, false), (b"", true)]);
    assert_eq!(
        open_err(&k, &ct),
        Error::Malformed(Malformed::EmptyFinalChunk)
    );
    let reader = PieceReader::new(S, P, &k, &ct[..HEADER_LEN], ct.len() as u64);
    assert_eq!(
        reader.err(),
        Some(Error::Malformed(Malformed::EmptyFinalChunk))
    );
}

#[test]
fn non_final_chunk_at_the_end_is_missing_final() {
    let k = key(1);
    let pt = data(C);
    let ct = craft(&k, &[(&pt, false)]);
    assert_eq!(open_err(&k, &ct), auth(AuthFailure::FinalChunkMissing));
}

#[test]
fn short_chunk_sealed_as_non_final_is_rejected() {
    let k = key(1);
    let ct = craft(&k, &[(b"short", false)]);
    assert_eq!(open_err(&k, &ct), auth(AuthFailure::Chunk { index: 0 }));
}

#[test]
fn chunk_counter_overflow_is_a_limit() {
    let k = key(1);
    let mut enc = PieceEncryptor::with_nonce(S, P, &k, PieceNonce([5; 32]));
    enc.set_next_index_for_test(MAX_CHUNKS);
    let mut out = Vec::new();
    assert_eq!(
        enc.push(&data(C + 1), &mut out).unwrap_err(),
        Error::LimitExceeded(Limit::ChunkCounter)
    );
    assert!(out.is_empty(), "a failed push appends nothing");
    assert_eq!(
        enc.finish(&mut out).unwrap_err(),
        Error::Misuse(Misuse::StreamFailed)
    );

    let ct = seal_fixed(&k, &data(3 * C)).ciphertext;
    let mut dec = PieceDecryptor::new(S, P, &k);
    let mut out = Vec::new();
    dec.push(&ct[..HEADER_LEN], &mut out).unwrap();
    dec.set_next_index_for_test(MAX_CHUNKS);
    assert_eq!(
        dec.push(&ct[HEADER_LEN..], &mut out).unwrap_err(),
        Error::LimitExceeded(Limit::ChunkCounter)
    );

    // The last allowed index still seals.
    let mut enc = PieceEncryptor::with_nonce(S, P, &k, PieceNonce([5; 32]));
    enc.set_next_index_for_test(MAX_CHUNKS - 1);
    enc.finish(&mut Vec::new()).unwrap();
}

#[test]
fn reader_rejects_lengths_no_piece_has() {
    let k = key(1);
    let ct = seal_fixed(&k, &data(10)).ciphertext;
    let h = &ct[..HEADER_LEN];
    let mal = |m| Some(Error::Malformed(m));
    assert_eq!(
        PieceReader::new(S, P, &k, &ct[..63], 200).err(),
        mal(Malformed::PieceHeaderLength)
    );
    assert_eq!(
        PieceReader::new(S, P, &k, &ct[..65], 200).err(),
        mal(Malformed::PieceHeaderLength)
    );
    assert_eq!(
        PieceReader::new(S, P, &k, h, 95).err(),
        mal(Malformed::PieceTruncated)
    );
    let bad_tail = (HEADER_LEN + F + 10) as u64;
    assert_eq!(
        PieceReader::new(S, P, &k, h, bad_tail).err(),
        mal(Malformed::PieceLength)
    );
    let too_many = HEADER_LEN as u64 + (MAX_CHUNKS + 1) * F as u64;
    assert_eq!(
        PieceReader::new(S, P, &k, h, too_many).err(),
        Some(Error::LimitExceeded(Limit::ChunkCounter))
    );
}

#[test]
fn reader_opens_every_chunk_and_only_at_its_position() {
    let k = key(1);
    for len in BOUNDARY_SIZES {
        let pt = data(len);
        let ct = seal_fixed(&k, &pt).ciphertext;
        let r = PieceReader::new(S, P, &k, &ct[..HEADER_LEN], ct.len() as u64).unwrap();
        assert_eq!(r.plaintext_len(), len as u64);
        let mut joined = Vec::new();
        for i in 0..r.chunk_count() {
            let range = r.chunk_range(i).unwrap();
            let bytes = &ct[range.start as usize..range.end as usize];
            joined.extend_from_slice(&r.open_chunk(i, bytes).unwrap());
            if r.chunk_count() > 1 {
                let other = (i + 1) % r.chunk_count();
                assert!(
                    r.open_chunk(other, bytes).is_err(),
                    "chunk {i} opened at {other}"
                );
            }
        }
        assert_eq!(joined, pt);
        let n = r.chunk_count();
        assert_eq!(
            r.open_chunk(n, &[]).unwrap_err(),
            Error::Misuse(Misuse::ChunkIndexOutOfRange { index: n })
        );
    }
}

#[test]
fn reader_with_a_wrong_length_fails_on_the_final_chunk() {
    let k = key(1);
    let ct = seal_fixed(&k, &data(3 * C)).ciphertext;
    // Claim the piece ends after two full chunks plus one more: chunk 1 becomes "final".
    let fake_len = (HEADER_LEN + 2 * F) as u64;
    let r = PieceReader::new(S, P, &k, &ct[..HEADER_LEN], fake_len).unwrap();
    assert!(r.open_chunk(0, &ct[HEADER_LEN..HEADER_LEN + F]).is_ok());
    assert_eq!(
        r.open_chunk(1, &ct[HEADER_LEN + F..HEADER_LEN + 2 * F])
            .unwrap_err(),
        auth(AuthFailure::Chunk { index: 1 })
    );
}

#[test]
fn co_recipient_reencryption_under_the_same_key_changes_the_digest() {
    // Someone who knows the piece key can make a valid ciphertext of other content, but not
    // one with the digest the sender put in the manifest.
    let k = key(1);
    let real = seal_fixed(&k, b"pay Alice 10");
    let forged = seal_fixed(&k, b"pay Mallory 1000");
    assert!(open(S, P, &k, &forged.ciphertext).is_ok());
    assert_ne!(forged.digest, real.digest);
    assert_eq!(
        open_expecting(S, P, &k, &forged.ciphertext, &real.digest).unwrap_err(),
        auth(AuthFailure::PieceDigest)
    );
}

#[test]
fn failed_push_appends_nothing_and_poisons_the_stream() {
    let k = key(1);
    let mut ct = seal_fixed(&k, &data(3 * C)).ciphertext;
    ct[HEADER_LEN + F + 5] ^= 1;
    let mut dec = PieceDecryptor::new(S, P, &k);
    let mut out = b"kept".to_vec();
    assert_eq!(
        dec.push(&ct, &mut out).unwrap_err(),
        auth(AuthFailure::Chunk { index: 1 })
    );
    assert_eq!(out, b"kept", "chunk 0 of the failing call was withdrawn");
    assert_eq!(
        dec.push(b"", &mut out).unwrap_err(),
        Error::Misuse(Misuse::StreamFailed)
    );
}

#[test]
fn decryptor_releases_a_chunk_once_it_is_known_not_final() {
    let k = key(1);
    let pt = data(2 * C + 3);
    let ct = seal_fixed(&k, &pt).ciphertext;
    let mut dec = PieceDecryptor::new(S, P, &k);
    let mut out = Vec::new();
    dec.push(&ct[..HEADER_LEN + F], &mut out).unwrap();
    assert!(out.is_empty(), "a full chunk could still be the final one");
    dec.push(&ct[HEADER_LEN + F..HEADER_LEN + F + 1], &mut out)
        .unwrap();
    assert_eq!(out, &pt[..C]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn stream_decryption_in_any_split_equals_one_shot(
        len in prop_oneof![0usize..300, (C - 300)..(C + 300), (3 * C - 50)..(3 * C + 50)],
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
        seed in any::<[u8; 32]>(),
    ) {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let k = PieceKey::generate(&mut rng);
        let pt = data(len);
        let sealed = seal(S, P, &k, &mut rng, &pt).unwrap();
        let ct = &sealed.ciphertext;
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (ct.len() + 1)).collect();
        points.sort_unstable();
        let mut dec = PieceDecryptor::new(S, P, &k);
        let mut out = Vec::new();
        let mut last = 0;
        for p in points.into_iter().chain([ct.len()]) {
            dec.push(&ct[last..p], &mut out).unwrap();
            last = p;
        }
        prop_assert_eq!(dec.finish(&mut out).unwrap(), sealed.digest);
        prop_assert_eq!(out, pt);
    }

    #[test]
    fn any_byte_change_fails(len in 0usize..(2 * C + 100), pos in any::<usize>(), flip in 1u8..=255) {
        let k = key(9);
        let mut ct = seal_fixed(&k, &data(len)).ciphertext;
        let pos = pos % ct.len();
        ct[pos] ^= flip;
        prop_assert!(open(S, P, &k, &ct).is_err());
    }

    #[test]
    fn any_truncation_fails(len in 0usize..(2 * C + 100), cut in any::<usize>()) {
        let k = key(9);
        let ct = seal_fixed(&k, &data(len)).ciphertext;
        let cut = cut % ct.len();
        prop_assert!(open(S, P, &k, &ct[..cut]).is_err());
    }

    #[test]
    fn any_extension_fails(len in 0usize..(2 * C + 100), extra in proptest::collection::vec(any::<u8>(), 1..40)) {
        let k = key(9);
        let mut ct = seal_fixed(&k, &data(len)).ciphertext;
        ct.extend_from_slice(&extra);
        prop_assert!(open(S, P, &k, &ct).is_err());
    }
}

#[test]
fn digest_binds_header_and_purpose() {
    let k = key(1);
    let pt = vec![0u8; 100];
    let a = seal_fixed(&k, &pt);
    let b = seal_with_nonce(S, P, &k, PieceNonce([6; 32]), &pt).unwrap();
    assert_ne!(a.digest, b.digest, "the header is covered");
    let c = seal_with_nonce(S, Purpose::UserData, &k, PieceNonce([5; 32]), &pt).unwrap();
    assert_ne!(a.digest, c.digest, "the purpose is covered");
}

#[test]
fn tag_list_ranges_cut_out_the_header_and_every_tag() {
    for len in BOUNDARY_SIZES {
        let k = key(30);
        let sealed = seal_fixed(&k, &data(len));
        let ct = &sealed.ciphertext;
        let list = tag_list(ct).unwrap();
        assert_eq!(list.len() as u64, tag_list_len(ct.len() as u64).unwrap());
        let mut joined = Vec::new();
        for r in tag_list_ranges(ct.len() as u64).unwrap() {
            joined.extend_from_slice(&ct[r.start as usize..r.end as usize]);
        }
        assert_eq!(joined, list);
        assert_eq!(&list[..HEADER_LEN], &ct[..HEADER_LEN]);
    }
}

#[test]
fn verified_decryptor_agrees_with_one_shot_in_every_split() {
    let k = key(31);
    for len in BOUNDARY_SIZES {
        let pt = data(len);
        let sealed = seal_fixed(&k, &pt);
        let ct = &sealed.ciphertext;
        let list = tag_list(ct).unwrap();
        for split in [1usize, 31, 64, 65, 4096, F, F + 1, ct.len()] {
            let mut dec =
                VerifiedPieceDecryptor::new(S, P, &k, &list, ct.len() as u64, &sealed.digest)
                    .unwrap();
            let mut out = Vec::new();
            for part in ct.chunks(split) {
                dec.push(part, &mut out).unwrap();
            }
            dec.finish().unwrap();
            assert_eq!(out, pt, "len {len} split {split}");
        }
    }
}

#[test]
fn verified_decryptor_refuses_a_chunk_its_tag_list_does_not_vouch_for() {
    // A holder of the piece key crafts other content under the same header: every chunk
    // authenticates under the key, but its tag is not the vouched one.
    let k = key(32);
    let pt = data(2 * C + 5);
    let sealed = seal_fixed(&k, &pt);
    let list = tag_list(&sealed.ciphertext).unwrap();
    let mut other = pt.clone();
    other[C + 3] ^= 1;
    let forged = seal_fixed(&k, &other).ciphertext;
    assert!(
        open(S, P, &k, &forged).is_ok(),
        "the forgery is valid under the key"
    );
    let len = forged.len() as u64;
    let mut dec = VerifiedPieceDecryptor::new(S, P, &k, &list, len, &sealed.digest).unwrap();
    let mut out = Vec::new();
    dec.push(&forged[..HEADER_LEN + F], &mut out).unwrap();
    assert_eq!(out, pt[..C], "chunk 0 is identical, so it is released");
    assert_eq!(
        dec.push(&forged[HEADER_LEN + F..], &mut out),
        Err(auth(AuthFailure::Chunk { index: 1 }))
    );
    assert_eq!(out, pt[..C], "nothing of the forged chunk");
    assert_eq!(dec.push(b"", &mut out), Err(Misuse::StreamFailed.into()));

    // Under a wrong key the vouched header's commitment fails before any chunk.
    assert_eq!(
        VerifiedPieceDecryptor::new(S, P, &key(33), &list, len, &sealed.digest).err(),
        Some(auth(AuthFailure::KeyCommitment))
    );
    // A forged tag list, a wrong length, or a list of the wrong size: refused up front.
    assert_eq!(
        VerifiedPieceDecryptor::new(S, P, &k, &tag_list(&forged).unwrap(), len, &sealed.digest)
            .err(),
        Some(auth(AuthFailure::PieceDigest))
    );
    // The length is bound into the digest; a length with more chunks needs a longer list.
    assert_eq!(
        VerifiedPieceDecryptor::new(S, P, &k, &list, len + 1, &sealed.digest).err(),
        Some(auth(AuthFailure::PieceDigest))
    );
    assert_eq!(
        VerifiedPieceDecryptor::new(S, P, &k, &list, len + F as u64, &sealed.digest).err(),
        Some(Malformed::TagList.into())
    );
    assert_eq!(
        VerifiedPieceDecryptor::new(S, P, &k, &list[1..], len, &sealed.digest).err(),
        Some(Malformed::TagList.into())
    );
    // Bytes past the stated length fail at once; a header other than the vouched one too.
    let mut dec = VerifiedPieceDecryptor::new(S, P, &k, &list, len, &sealed.digest).unwrap();
    let mut longer = sealed.ciphertext.clone();
    longer.push(0);
    assert_eq!(
        dec.push(&longer, &mut Vec::new()),
        Err(auth(AuthFailure::DataAfterFinalChunk { index: 2 }))
    );
    let mut dec = VerifiedPieceDecryptor::new(S, P, &k, &list, len, &sealed.digest).unwrap();
    let mut bad_header = sealed.ciphertext.clone();
    bad_header[40] ^= 1;
    assert_eq!(
        dec.push(&bad_header[..50], &mut Vec::new()),
        Err(auth(AuthFailure::KeyCommitment))
    );
}

#[test]
fn verified_reader_opens_vouched_chunks_only() {
    let k = key(34);
    let pt = data(3 * C + 1);
    let sealed = seal_fixed(&k, &pt);
    let ct = &sealed.ciphertext;
    let list = tag_list(ct).unwrap();
    let reader =
        VerifiedPieceReader::new(S, P, &k, &list, ct.len() as u64, &sealed.digest).unwrap();
    assert_eq!(reader.chunk_count(), 4);
    let mut joined = Vec::new();
    for i in 0..4 {
        let r = reader.chunk_range(i).unwrap();
        joined.extend(
            reader
                .open_chunk(i, &ct[r.start as usize..r.end as usize])
                .unwrap(),
        );
    }
    assert_eq!(joined, pt);
    let mut other = pt.clone();
    other[5] ^= 1;
    let forged = seal_fixed(&k, &other).ciphertext;
    let r = reader.chunk_range(0).unwrap();
    assert_eq!(
        reader.open_chunk(0, &forged[r.start as usize..r.end as usize]),
        Err(auth(AuthFailure::Chunk { index: 0 }))
    );
    assert_eq!(
        reader.open_chunk(4, &[]),
        Err(Misuse::ChunkIndexOutOfRange { index: 4 }.into())
    );
}
