//! A sealed piece's layout (SPEC.md §3.3): the header's nonce and commitment, then each
//! chunk's ciphertext and tag, at the ranges the library's geometry gives.

use std::ops::Range;

use mailseal::piece::{self, COMMITMENT_LEN, HEADER_LEN, NONCE_LEN};

use super::fields::Place;
use crate::report::{J, hex};

/// Each chunk's ciphertext range and tag range, from `mailseal::piece::tag_list_ranges`.
fn chunks(len: usize) -> Vec<(Range<usize>, Range<usize>)> {
    let Ok(ranges) = piece::tag_list_ranges(len as u64) else {
        return Vec::new();
    };
    let mut start = HEADER_LEN;
    ranges
        .skip(1)
        .filter_map(|tag| {
            let tag = usize::try_from(tag.start).ok()?..usize::try_from(tag.end).ok()?;
            let chunk = start..tag.start;
            start = tag.end;
            Some((chunk, tag))
        })
        .collect()
}

fn bytes(input: &[u8], r: Range<usize>) -> J {
    hex(input.get(r).unwrap_or_default())
}

pub fn fields(input: &[u8]) -> J {
    let chunks = chunks(input.len());
    let last = chunks.len().saturating_sub(1);
    J::obj()
        .with("nonce", bytes(input, 0..NONCE_LEN))
        .with(
            "commitment",
            bytes(input, NONCE_LEN..NONCE_LEN + COMMITMENT_LEN),
        )
        .with(
            "chunks",
            J::Arr(
                chunks
                    .into_iter()
                    .enumerate()
                    .map(|(i, (chunk, tag))| {
                        J::obj()
                            .with("index", i)
                            .with("offset", chunk.start)
                            .with("ciphertext_length", chunk.len())
                            .with("final", i == last)
                            .with("tag", bytes(input, tag))
                    })
                    .collect(),
            ),
        )
}

/// The part of a piece that holds `offset`.
pub fn locate(input: &[u8], offset: usize) -> Place {
    let place = |path: String, start| Place {
        path,
        spec: "§3.3",
        start,
    };
    if offset < NONCE_LEN {
        return place("piece.nonce".into(), 0);
    }
    if offset < HEADER_LEN {
        return place("piece.commitment".into(), NONCE_LEN);
    }
    chunks(input.len())
        .into_iter()
        .enumerate()
        .find(|(_, (chunk, tag))| (chunk.start..tag.end).contains(&offset))
        .map_or_else(
            || place("piece".into(), 0),
            |(i, (chunk, tag))| {
                if chunk.contains(&offset) {
                    place(format!("piece.chunks[{i}].ciphertext"), chunk.start)
                } else {
                    place(format!("piece.chunks[{i}].tag"), tag.start)
                }
            },
        )
}
