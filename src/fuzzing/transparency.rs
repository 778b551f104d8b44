//! The key-transparency target (SPEC.md §14): checkpoint notes, log entries and proofs under
//! hostile bytes.

use alloc::vec::Vec;

use super::{FuzzWorld, Seed};
use crate::transparency::log::{MemoryLog, MemoryWitness};
use crate::transparency::{Checkpoint, LogEntry, LogPolicy, TransparencyView};

const ORIGIN: &str = "fuzz.example.com/log";

/// A log of Alice's and Bob's chains with two witnesses, the checkpoints it signed at sizes
/// 1 and 2, and a client policy needing both witnesses: built once per process.
struct KtWorld {
    log: MemoryLog,
    policy: LogPolicy,
    notes: Vec<Vec<u8>>,
    signed: Vec<Checkpoint>,
}

fn world() -> &'static KtWorld {
    static WORLD: std::sync::OnceLock<KtWorld> = std::sync::OnceLock::new();
    WORLD.get_or_init(|| {
        let w = FuzzWorld::shared();
        let mut log = MemoryLog::new(ORIGIN, [0x31; 32]).unwrap();
        let mut witnesses: Vec<MemoryWitness> = (0u8..2)
            .map(|i| {
                MemoryWitness::new(
                    &alloc::format!("w{i}.example.org"),
                    [0x41 + i; 32],
                    ORIGIN,
                    log.verifying_key(),
                )
                .unwrap()
            })
            .collect();
        let policy = LogPolicy::new(
            ORIGIN,
            log.verifying_key(),
            witnesses.iter().map(MemoryWitness::identity).collect(),
            2,
        )
        .unwrap();
        let mut notes = Vec::new();
        let mut signed = Vec::new();
        for chain in [&w.alice_chain, &w.bob_chain] {
            log.publish(chain).unwrap();
            let mut note = log.checkpoint();
            for wit in &mut witnesses {
                note = wit
                    .cosign(&note, &log.consistency_from(wit.size()), 7)
                    .unwrap();
            }
            signed.push(policy.verify_checkpoint(&note).unwrap());
            notes.push(note);
        }
        KtWorld {
            log,
            policy,
            notes,
            signed,
        }
    })
}

/// Splits `data` at a little-endian u16 length prefix.
fn split_prefixed(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<2>() else {
        return (data, &[]);
    };
    let cut = usize::from(u16::from_le_bytes(*len)).min(rest.len());
    rest.split_at(cut)
}

/// Selector byte: 0 a checkpoint note, 1 an update from the size-1 checkpoint (note and
/// consistency proof), 2 a published tail (index byte, entry, inclusion proof), 3 an entry.
/// Whatever the client accepts is what the log signed and the witnesses cosigned.
pub fn transparency_target(data: &[u8]) {
    transparency_accepts(data);
}

/// [`transparency_target`]'s work, saying whether the client accepted the input (the seeds
/// must all be accepted).
pub fn transparency_accepts(data: &[u8]) -> bool {
    let Some((&selector, rest)) = data.split_first() else {
        return false;
    };
    let k = world();
    let w = FuzzWorld::shared();
    match selector % 4 {
        0 => match k.policy.verify_checkpoint(rest) {
            Ok(c) => {
                assert!(
                    k.signed.contains(&c),
                    "a checkpoint the log never signed: {c:?}"
                );
                true
            }
            Err(_) => false,
        },
        1 => {
            let (note, proof) = split_prefixed(rest);
            let mut view = TransparencyView::new(k.policy.clone());
            view.update(&k.notes[0], &[]).unwrap();
            match view.update(note, proof) {
                Ok(c) => {
                    assert!(k.signed.contains(&c) && c.size >= k.signed[0].size);
                    true
                }
                Err(_) => false,
            }
        }
        2 => {
            let Some((&index, rest)) = rest.split_first() else {
                return false;
            };
            let (entry, proof) = split_prefixed(rest);
            let mut view = TransparencyView::new(k.policy.clone());
            view.update(&k.notes[1], &[]).unwrap();
            let mut accepted = false;
            for chain in [&w.alice_chain, &w.bob_chain] {
                if let Ok(p) = view.verify_published(chain, u64::from(index), entry, proof) {
                    assert_eq!(
                        k.log.entry(p.index()).unwrap(),
                        entry,
                        "an entry the log does not hold"
                    );
                    accepted = true;
                }
            }
            accepted
        }
        _ => match LogEntry::parse(rest) {
            Ok(e) => {
                assert_eq!(e.encode(), rest, "entries are canonical");
                true
            }
            Err(_) => false,
        },
    }
}

/// Seeds: each selector with the bytes that pass.
pub fn transparency_seeds() -> Vec<Seed> {
    let k = world();
    let prefixed = |a: &[u8], b: &[u8]| {
        let mut v = (a.len() as u16).to_le_bytes().to_vec();
        v.extend_from_slice(a);
        v.extend_from_slice(b);
        v
    };
    let with = |selector: u8, body: Vec<u8>| {
        let mut v = alloc::vec![selector];
        v.extend_from_slice(&body);
        v
    };
    let entry = k.log.entry(1).unwrap();
    let mut published = alloc::vec![1u8];
    published.extend_from_slice(&prefixed(&entry, &k.log.inclusion(1).unwrap()));
    alloc::vec![
        ("checkpoint".into(), with(0, k.notes[1].clone())),
        (
            "update".into(),
            with(1, prefixed(&k.notes[1], &k.log.consistency_from(1)))
        ),
        ("published".into(), with(2, published)),
        ("entry".into(), with(3, entry)),
    ]
}
