//! The `piece_access` operation: opening one chunk of a stored piece by its index, plainly
//! (SPEC.md §3.7) or against a tag list the piece digest vouches for (§3.8).
//!
//! Every case names a piece by the recipe of the `piece` operation (key, nonce, plaintext
//! pattern length); the runner seals it and opens chunk `index` from it, unless the case
//! replaces the header, the stated length, the chunk's bytes, the key, the tag list or the
//! expected digest to make the opening fail.

use mailseal::Suite;
use mailseal::hazmat::XofRng;
use mailseal::piece::{self, PieceKey, PieceNonce, PieceReader, Purpose, VerifiedPieceReader};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::cases::notation::{array_of, bytes_of};
use crate::cases::{Check, class, draw, expect_error, need_suite, pattern, purpose_named};
use crate::json::*;

/// The piece a case names, sealed.
fn sealed(suite: Suite, i: &Value) -> Result<(Vec<u8>, Vec<u8>), String> {
    let purpose = purpose_named(str_of(i, "purpose")?)?;
    let len = usize::try_from(u64_of(i, "plaintext_pattern_len")?).map_err(|e| e.to_string())?;
    if len > 1 << 20 {
        return Err("plaintext_pattern_len over 1 MiB".into());
    }
    let pt = pattern(len);
    let s = mailseal::hazmat::seal_piece_with_nonce(
        suite,
        purpose,
        &PieceKey::from_bytes(array_of(i, "key")?),
        PieceNonce(array_of(i, "nonce")?),
        &pt,
    )
    .map_err(|e| class(&e))?;
    Ok((s.ciphertext, pt))
}

/// Opens the chunk a case describes (`Err` outside: the case itself is malformed).
/// What opening one chunk gives: the chunk count, the chunk's range and its plaintext.
type Opened = (u64, [u64; 2], Vec<u8>);

fn open(suite: Suite, i: &Value) -> Result<Result<Opened, mailseal::Error>, String> {
    let purpose = purpose_named(str_of(i, "purpose")?)?;
    let (ct, _) = sealed(suite, i)?;
    let key = PieceKey::from_bytes(match i.get("open_key") {
        Some(_) => array_of(i, "open_key")?,
        None => array_of(i, "key")?,
    });
    let len = match i.get("ciphertext_len") {
        Some(_) => u64_of(i, "ciphertext_len")?,
        None => ct.len() as u64,
    };
    let index = u64_of(i, "index")?;
    let chunk_of = |range: std::ops::Range<u64>| -> Result<Vec<u8>, String> {
        if i.get("chunk").is_some() {
            return bytes_of(i, "chunk");
        }
        let (a, b) = match i.get("chunk_range") {
            Some(r) => {
                let r = r.as_array().ok_or("chunk_range is not a list")?;
                let n = |k: usize| r.get(k).and_then(Value::as_u64).ok_or("bad chunk_range");
                (n(0)?, n(1)?)
            }
            None => (range.start, range.end),
        };
        ct.get(a as usize..b as usize)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| "chunk range outside the ciphertext".to_string())
    };
    let verified = match str_of(i, "mode")? {
        "random" => false,
        "verified" => true,
        other => return Err(format!("unknown mode {other}")),
    };
    if verified {
        let tags = match i.get("tag_list") {
            Some(_) => bytes_of(i, "tag_list")?,
            None => piece::tag_list(&ct).map_err(|e| class(&e))?,
        };
        let digest = match i.get("expected_digest") {
            Some(_) => piece::PieceDigest(array_of(i, "expected_digest")?),
            None => piece::digest(suite, purpose, &ct).map_err(|e| class(&e))?,
        };
        let r = match VerifiedPieceReader::new(suite, purpose, &key, &tags, len, &digest) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        // An index past the last has no range: the reader refuses the index first.
        let range = r.chunk_range(index).unwrap_or(0..0);
        let chunk = chunk_of(range.clone())?;
        Ok(r.open_chunk(index, &chunk)
            .map(|pt| (r.chunk_count(), [range.start, range.end], pt)))
    } else {
        let header = match i.get("header") {
            Some(_) => bytes_of(i, "header")?,
            None => ct[..64].to_vec(),
        };
        let r = match PieceReader::new(suite, purpose, &key, &header, len) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let range = r.chunk_range(index).unwrap_or(0..0);
        let chunk = chunk_of(range.clone())?;
        Ok(r.open_chunk(index, &chunk)
            .map(|pt| (r.chunk_count(), [range.start, range.end], pt)))
    }
}

pub fn verify(suite: Option<Suite>, case: &Value) -> Check {
    let suite = need_suite(suite)?;
    let i = field(case, "inputs")?;
    let result = open(suite, i)?;
    if case.get("expected_error").is_some() {
        return expect_error(result, case);
    }
    let (count, range, plaintext) = result.map_err(|e| class(&e))?;
    let expected = field(case, "expected")?;
    let got = json!({
        "chunk_count": count,
        "chunk_range": range,
        "plaintext_sha256": hex(&Sha256::digest(&plaintext)),
    });
    if &got != expected {
        return Err(format!("differs: got {got}"));
    }
    Ok(())
}

pub fn cases(suite: Suite) -> Vec<Value> {
    let mut rng = XofRng::new(format!("piece access {}", suite.name()).as_bytes());
    let mut cases = Vec::new();
    let key: [u8; 32] = draw(&mut rng);
    let nonce: [u8; 32] = draw(&mut rng);
    let base = |len: usize, mode: &str, index: u64| {
        json!({
            "purpose": "mail piece", "key": hex(&key), "nonce": hex(&nonce),
            "plaintext_pattern_len": len, "mode": mode, "index": index,
        })
    };
    let mut push = |name: &str, inputs: Value, err: Option<&str>| {
        let mut case = json!({ "name": name, "inputs": inputs });
        match err {
            Some(e) => case["expected_error"] = json!(e),
            None => {
                let suite_inputs = &case["inputs"];
                let (count, range, pt) = open(suite, suite_inputs)
                    .expect("inputs")
                    .expect("positive access case");
                case["expected"] = json!({
                    "chunk_count": count,
                    "chunk_range": range,
                    "plaintext_sha256": hex(&Sha256::digest(&pt)),
                });
            }
        }
        cases.push(case);
    };
    let with = |mut v: Value, patch: Value| {
        if let (Some(o), Some(p)) = (v.as_object_mut(), patch.as_object()) {
            for (k, x) in p {
                o.insert(k.clone(), x.clone());
            }
        }
        v
    };
    const LONG: usize = 200_000; // four chunks, the last of 3392 bytes
    // Positive: random access (3.7) to the first, a middle and the final chunk; a piece of
    // one full final chunk; the empty piece; verified access (3.8).
    for index in [0u64, 2, 3] {
        push(
            &format!("random_access_chunk_{index}_of_4"),
            base(LONG, "random", index),
            None,
        );
    }
    push(
        "random_access_one_full_final_chunk",
        base(65536, "random", 0),
        None,
    );
    push("random_access_empty_piece", base(0, "random", 0), None);
    for index in [1u64, 3] {
        push(
            &format!("verified_access_chunk_{index}_of_4"),
            base(LONG, "verified", index),
            None,
        );
    }
    let full = 64 + 65568u64;
    let (ct, _) = sealed(suite, &base(LONG, "random", 0)).expect("piece");
    let len = ct.len() as u64;
    // Negative, random access: the checks of 3.7 in order.
    push(
        "random_access_header_63_bytes",
        with(base(LONG, "random", 0), json!({ "header": hex(&ct[..63]) })),
        Some("malformed/piece_header_length"),
    );
    push(
        "random_access_length_below_header_and_tag",
        with(base(LONG, "random", 0), json!({ "ciphertext_len": 95 })),
        Some("malformed/piece_truncated"),
    );
    push(
        "random_access_length_no_piece_has",
        with(
            base(LONG, "random", 0),
            json!({ "ciphertext_len": full + 10 }),
        ),
        Some("malformed/piece_length"),
    );
    push(
        "random_access_length_with_empty_final_chunk",
        with(
            base(LONG, "random", 0),
            json!({ "ciphertext_len": full + 32 }),
        ),
        Some("malformed/empty_final_chunk"),
    );
    push(
        "random_access_length_past_2_32_chunks",
        with(
            base(LONG, "random", 0),
            json!({ "ciphertext_len": 64 + (1u64 << 32) * 65568 + 33 }),
        ),
        Some("limit_exceeded/chunk_counter"),
    );
    let other_key: [u8; 32] = draw(&mut rng);
    push(
        "random_access_wrong_key",
        with(
            base(LONG, "random", 0),
            json!({ "open_key": hex(&other_key) }),
        ),
        Some("authentication/key_commitment"),
    );
    push(
        "random_access_index_past_last",
        base(LONG, "random", 4),
        Some("misuse/chunk_index_out_of_range"),
    );
    push(
        "random_access_chunk_one_byte_short",
        with(
            base(LONG, "random", 0),
            json!({ "chunk_range": [64, full - 1] }),
        ),
        Some("malformed/chunk_length"),
    );
    push(
        "random_access_chunk_from_other_position",
        with(
            base(LONG, "random", 1),
            json!({ "chunk_range": [64, full] }),
        ),
        Some("authentication/chunk"),
    );
    // A stated length one chunk short: chunk 2 is then "final", and its tag says it is not.
    push(
        "random_access_length_cut_at_a_chunk_boundary",
        with(
            base(LONG, "random", 2),
            json!({ "ciphertext_len": 64 + 3 * 65568 }),
        ),
        Some("authentication/chunk"),
    );
    let mut flipped = ct[(64 + 3 * 65568) as usize..].to_vec();
    flipped[10] ^= 1;
    push(
        "random_access_final_chunk_flipped",
        with(base(LONG, "random", 3), json!({ "chunk": hex(&flipped) })),
        Some("authentication/chunk"),
    );
    // A holder of the key (a co-recipient) seals other bytes under the same key and nonce:
    // its final chunk opens by plain random access, and verified access refuses it.
    let mut other = pattern(LONG);
    other[LONG - 1] ^= 0xff;
    let substitute = mailseal::hazmat::seal_piece_with_nonce(
        suite,
        Purpose::MailPiece,
        &PieceKey::from_bytes(key),
        PieceNonce(nonce),
        &other,
    )
    .expect("seal")
    .ciphertext;
    let substitute_final = hex(&substitute[(64 + 3 * 65568) as usize..]);
    let co_recipient = with(
        base(LONG, "random", 3),
        json!({ "chunk": substitute_final }),
    );
    {
        let (count, range, pt) = open(suite, &co_recipient)
            .expect("inputs")
            .expect("the key holder's chunk opens without a tag list");
        cases.push(json!({
            "name": "random_access_opens_a_key_holders_chunk",
            "inputs": co_recipient,
            "expected": { "chunk_count": count, "chunk_range": range, "plaintext_sha256": hex(&Sha256::digest(&pt)) },
        }));
    }
    let mut push = |name: &str, inputs: Value, err: &str| {
        cases.push(json!({ "name": name, "inputs": inputs, "expected_error": err }));
    };
    // Negative, verified access: the checks of 3.8.
    push(
        "verified_access_refuses_a_key_holders_chunk",
        with(
            base(LONG, "verified", 3),
            json!({ "chunk": substitute_final }),
        ),
        "authentication/chunk",
    );
    let tags = piece::tag_list(&ct).expect("tags");
    push(
        "verified_access_tag_list_one_byte_short",
        with(
            base(LONG, "verified", 0),
            json!({ "tag_list": hex(&tags[..tags.len() - 1]) }),
        ),
        "malformed/tag_list",
    );
    push(
        "verified_access_tag_list_for_another_length",
        with(
            base(LONG, "verified", 0),
            json!({ "ciphertext_len": len + 65536 }),
        ),
        "malformed/tag_list",
    );
    let mut edited = tags.clone();
    edited[64 + 32 + 5] ^= 1;
    push(
        "verified_access_tag_list_edited",
        with(
            base(LONG, "verified", 1),
            json!({ "tag_list": hex(&edited) }),
        ),
        "authentication/piece_digest",
    );
    let digest = piece::digest(suite, Purpose::MailPiece, &ct).expect("digest");
    let mut wrong = digest.0;
    wrong[0] ^= 1;
    push(
        "verified_access_other_expected_digest",
        with(
            base(LONG, "verified", 1),
            json!({ "expected_digest": hex(&wrong) }),
        ),
        "authentication/piece_digest",
    );
    push(
        "verified_access_wrong_key",
        with(
            base(LONG, "verified", 1),
            json!({ "open_key": hex(&other_key) }),
        ),
        "authentication/key_commitment",
    );
    push(
        "verified_access_index_past_last",
        base(LONG, "verified", 4),
        "misuse/chunk_index_out_of_range",
    );
    push(
        "verified_access_chunk_one_byte_short",
        with(
            base(LONG, "verified", 0),
            json!({ "chunk_range": [64, full - 1] }),
        ),
        "malformed/chunk_length",
    );
    cases
}
