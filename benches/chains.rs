//! Chain verification against the signature verifications it contains, measured in the same
//! run (SPEC.md §12).
//!
//! `cargo bench --bench chains` prints, for a 1,000-link chain (a root, then device additions
//! with two signatures each and rotations with one, alternating):
//! - verifying the whole chain from its root vs `verify_strict` of every signature in it;
//! - extending a verified state by one link vs the one or two verifications that link holds;
//! - a later view of the whole chain (trust on first use: hash every seen link, apply the new
//!   one) vs the same verifications.
//!
//! Ratios are floor time / mailseal time (1.00 = no overhead beyond the signatures).
//! `MAILSEAL_BENCH_QUICK=1` makes a short run.

mod common;

use std::hint::black_box;

use common::{Contender, median, median_ratio, run_interleaved};
use ed25519_dalek::{Signature, Signer, SigningKey};
use mailseal::Suite;
use mailseal::identity::{self, ChainState};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const LINKS: usize = 1000;

fn main() {
    let quick = std::env::var_os("MAILSEAL_BENCH_QUICK").is_some();
    let suite = Suite::X25519;
    let mut rng = ChaCha20Rng::from_seed([21; 32]);
    let user = UserId::new([1; 16]);
    let first = DeviceSecret::generate(suite, DeviceId::new([0; 16]), &mut rng);
    let mut generation = 1;
    let puk = PukSecret::generate(suite, user, generation, &mut rng).expect("puk");
    let root =
        identity::root(suite, user, &first, puk.public(), &["u@example.com"], 1).expect("root");
    let mut links = vec![root];
    let mut chain = ChainState::verify(&links).expect("root verifies");
    let mut signatures = 1usize;
    let mut n: u32 = 0;
    while links.len() < LINKS {
        let link = if links.len() % 2 == 1 {
            n += 1;
            let mut id = [0u8; 16];
            id[..4].copy_from_slice(&n.to_be_bytes());
            let device = DeviceSecret::generate(suite, DeviceId::new(id), &mut rng);
            let mut draft = chain
                .propose_add_device(first.id(), device.public(), None, 2)
                .expect("draft");
            draft.sign(&first).expect("sign");
            draft.sign(&device).expect("sign");
            signatures += 2;
            draft.finish().expect("link")
        } else {
            generation += 1;
            let next = PukSecret::generate(suite, user, generation, &mut rng).expect("puk");
            let mut draft = chain
                .propose_rotation(first.id(), next.public(), 3)
                .expect("draft");
            draft.sign(&first).expect("sign");
            signatures += 1;
            draft.finish().expect("link")
        };
        chain = chain.extend(&[&link]).expect("extends");
        links.push(link);
    }
    let (head, last) = links.split_at(LINKS - 1);
    let before_last = ChainState::verify(head).expect("verifies");
    let last_signatures = if (LINKS - 1) % 2 == 1 { 2 } else { 1 };

    // The floor: `verify_strict` of as many signatures over link-sized messages.
    let signer = SigningKey::from_bytes(&[5; 32]);
    let message = vec![0x5a; links[1].len()];
    let sig: Signature = signer.sign(&message);
    let vk = signer.verifying_key();
    let verify_n = |count: usize| {
        for _ in 0..count {
            black_box(vk.verify_strict(&message, &sig).is_ok());
        }
    };
    let contenders: Vec<Contender> = vec![
        (
            "verify 1,000-link chain",
            Box::new(|| {
                black_box(ChainState::verify(&links).expect("verifies"));
            }),
        ),
        ("floor: its signatures", Box::new(|| verify_n(signatures))),
        (
            "extend by one link",
            Box::new(|| {
                black_box(before_last.extend(last).expect("extends"));
            }),
        ),
        (
            "floor: that link's signatures",
            Box::new(|| verify_n(last_signatures)),
        ),
        (
            "update from a view of the whole chain",
            Box::new(|| {
                black_box(before_last.update(&links).expect("updates"));
            }),
        ),
    ];
    let names: Vec<&str> = contenders.iter().map(|c| c.0).collect();
    let (iters, rounds) = if quick { (1, 3) } else { (5, 11) };
    let t = run_interleaved(contenders, iters, rounds);
    println!(
        "chains ({}, {LINKS} links, {signatures} signatures); ratios = floor time / mailseal time",
        suite.name()
    );
    for (i, name) in names.iter().enumerate() {
        println!("  {name:<40} {:>10.1?}", median(&t[i]) / iters as u32);
    }
    for (what, op, floor) in [
        ("verify chain vs its signatures", 0, 1),
        ("extend by one link vs its signatures", 2, 3),
        ("update from a full view vs the new link's", 4, 3),
    ] {
        println!("  ratio {what:<44} {:.2}", median_ratio(&t[floor], &t[op]));
    }
}
