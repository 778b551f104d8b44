//! Chains (SPEC.md §12): a segment decoded, verified from the root, applied as an extension
//! of Bob's root, and offered as a later view of Bob's whole chain.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::{FuzzWorld, Seed};
use crate::identity::{ChainState, decode_segment, encode_segment, link_type};

/// The first byte selects the use; the rest is a segment. Whatever decodes re-encodes to the
/// same bytes; a chain that verifies has one link per position and accepts its own links as
/// a view; an extension keeps the root; an accepted view keeps every hash the old view held.
pub fn chain_target(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let Ok(links) = decode_segment(bytes) else {
        let _ = link_type(bytes);
        return;
    };
    assert_eq!(
        encode_segment(&links),
        bytes,
        "segment re-encodes differently"
    );
    for l in &links {
        let _ = link_type(l);
    }
    let w = FuzzWorld::shared();
    let count = u64::try_from(links.len()).unwrap_or(u64::MAX);
    match selector % 3 {
        0 => {
            if let Ok(chain) = ChainState::verify(&links) {
                assert_eq!(chain.tail().seq, count);
                let again = ChainState::verify(&links).unwrap_or_else(|e| panic!("again: {e}"));
                assert_eq!(
                    format!("{}", again.security_code()),
                    format!("{}", chain.security_code())
                );
                assert_eq!(chain.update(&links).map(|c| c.tail()), Ok(chain.tail()));
            }
        }
        1 => {
            let root = ChainState::verify(&w.bob_links[..1]).unwrap_or_else(|e| panic!("{e}"));
            if let Ok(longer) = root.extend(&links) {
                assert_eq!(longer.tail().seq, count.saturating_add(1));
                assert_eq!(longer.hash_at(1), root.hash_at(1));
                assert_eq!(longer.user(), w.bob);
            }
        }
        _ => {
            let held = &w.bob_chain;
            if let Ok(next) = held.update(&links) {
                assert!(next.tail().seq >= held.tail().seq);
                for seq in 1..=held.tail().seq {
                    assert_eq!(next.hash_at(seq), held.hash_at(seq), "view rewrote {seq}");
                }
            }
        }
    }
}

/// Seeds: Bob's whole chain (verified, and as a view), its links after the root (an
/// extension), and that chain one server link longer.
pub fn chain_seeds() -> Vec<Seed> {
    let w = FuzzWorld::new();
    let with = |selector: u8, links: &[Vec<u8>]| {
        let mut seed = vec![selector];
        seed.extend_from_slice(&encode_segment(links));
        seed
    };
    let mut longer = w.bob_links.clone();
    longer.push(
        w.bob_chain
            .server_addresses(&["bob@example.com", "b@example.com"], 9),
    );
    vec![
        (String::from("verify_whole"), with(0, &w.bob_links)),
        (String::from("extend_root"), with(1, &w.bob_links[1..])),
        (String::from("same_view"), with(2, &w.bob_links)),
        (String::from("longer_view"), with(2, &longer)),
    ]
}
