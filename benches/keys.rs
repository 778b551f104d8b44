//! Server validation and splitting, seed wraps, escrow wraps and recovery, as ratios to their
//! floors measured in the same run.
//!
//! `cargo bench --bench keys` prints, for both suites:
//! - validation of a 100-recipient envelope vs a generic CBOR decode of the same bytes
//!   (`ciborium::Value`, the least any parser does), and splitting it vs that decode plus
//!   copying the bytes of every copy;
//! - a seed wrap and an escrow wrap vs one raw HPKE seal plus one Ed25519 signature;
//! - recovery of 10 generations (open the escrow wrap, open 10 seed wraps as the escrow
//!   device, re-wrap each to the new device with a co-signature) vs 11 raw HPKE opens,
//!   11 Ed25519 verifications, 10 raw HPKE seals and 20 signatures.
//!
//! Ratios are floor time / mailseal time (1.00 = no overhead). `MAILSEAL_BENCH_QUICK=1` makes
//! a short run.

mod common;

use std::hint::black_box;

use common::{Contender, median, median_ratio, run_interleaved};
use ed25519_dalek::{Signer, SigningKey};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::{X25519HkdfSha256, XWing};
use hpke::{Kem, OpModeR, OpModeS};
use mailseal::Suite;
use mailseal::account::devices::{open_seed_wraps, wrap_seed, wrap_seed_cosigned, wrap_seeds};
use mailseal::account::escrow::{
    AccountDomain, EscrowContext, open_escrow_wrap, wrap_escrow_device,
};
use mailseal::hazmat::TestUser;
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use mailseal::mail::seal::{Message, RecipientKey, seal_mail};
use mailseal::mail::server::{split_envelope, validate_envelope};
use mailseal::wire::Fixed;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn main() {
    let quick = std::env::var_os("MAILSEAL_BENCH_QUICK").is_some();
    println!("server validation, wraps and recovery; ratios = floor time / mailseal time");
    for suite in Suite::ALL {
        match suite {
            Suite::XWing => bench_suite::<XWing>(suite, quick),
            _ => bench_suite::<X25519HkdfSha256>(suite, quick),
        }
    }
}

fn bench_suite<K: Kem>(suite: Suite, quick: bool) {
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let dev =
        |n: u8, rng: &mut ChaCha20Rng| DeviceSecret::generate(suite, DeviceId::new([n; 16]), rng);
    let alice = TestUser::generate(
        suite,
        UserId::new([1; 16]),
        "alice@example.com",
        DeviceId::new([1; 16]),
        &mut rng,
    )
    .expect("alice");
    let recipients: Vec<RecipientKey> = TestUser::crowd(suite, 100, &mut rng)
        .expect("recipients")
        .iter()
        .map(TestUser::key)
        .collect();
    let body = vec![0x61u8; 1024];
    let msg = Message {
        message_id: "<keys@example.com>".into(),
        timestamp: 1,
        to: recipients,
        pieces: vec![&body],
        ..Message::default()
    };
    let mail = seal_mail(suite, alice.sender(), &msg, &mut rng).expect("seal");
    let lengths = [mail.pieces[0].len() as u64];
    let env = mail.envelope.clone();
    let copies_len: usize = split_envelope(&env)
        .expect("split")
        .iter()
        .map(|c| c.copy.len())
        .sum();

    // Member M (its chain: 10 generations, then an escrow device the EA group co-signed),
    // the EA group with its own chain, and a new device to recover onto.
    let m = TestUser::generate(
        suite,
        UserId::new([2; 16]),
        "m@example.com",
        DeviceId::new([2; 16]),
        &mut rng,
    )
    .expect("member");
    let (member, d1) = (m.id, &m.device);
    let (new_dev, escrow) = (dev(3, &mut rng), dev(5, &mut rng));
    let ea = TestUser::generate(
        suite,
        UserId::new([0xea; 16]),
        "admins@example.com",
        DeviceId::new([4; 16]),
        &mut rng,
    )
    .expect("admins");
    let (ea_user, ea_dev) = (ea.id, &ea.device);
    let ea_puks = std::slice::from_ref(&ea.puk);
    let mut gens = vec![
        PukSecret::derive(
            suite,
            member,
            1,
            mailseal::keys::PukSeed::from_bytes(*m.puk.seed().expose_secret()),
        )
        .expect("puk"),
    ];
    let mut chain = m.chain.clone();
    for g in 2..=10 {
        let puk = PukSecret::generate(suite, member, g, &mut rng).expect("puk");
        let mut draft = chain
            .propose_rotation(d1.id(), puk.public(), 2)
            .expect("draft");
        draft.sign(d1).expect("sign");
        chain = chain
            .extend(&[draft.finish().expect("link")])
            .expect("chain");
        gens.push(puk);
    }
    let ctx = EscrowContext {
        account: Fixed([1; 16]),
        domain: AccountDomain::Custom("example.com"),
        member,
        member_address: "m@example.com",
        ea_chain: &ea.chain,
    };
    let terms = mailseal::account::escrow::enrollment_terms(&ctx, ea_dev.public()).expect("terms");
    let mut draft = chain
        .propose_escrow_device(d1.id(), escrow.public(), terms, None, 3)
        .expect("draft");
    for d in [d1, &escrow, ea_dev] {
        draft.sign(d).expect("sign");
    }
    let chain = chain
        .extend(&[draft.finish().expect("link")])
        .expect("chain");
    let escrow_wrap = wrap_escrow_device(&ctx, &escrow, d1, &mut rng).expect("escrow wrap");
    let to_escrow = wrap_seeds(&gens, member, escrow.public(), d1, &mut rng).expect("wraps");

    // Raw floors.
    let (raw_sk, raw_pk) = K::derive_keypair(&[9; 32]);
    let seed = [0u8; 32];
    let (raw_enc, raw_ct) = hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, K>(
        &OpModeS::Base,
        &raw_pk,
        b"i",
        &seed,
        b"a",
        &mut rng,
    )
    .expect("seal");
    let signer = SigningKey::from_bytes(&[5; 32]);
    let sig = signer.sign(b"m");
    let vk = signer.verifying_key();
    let raw_seal = |rng: &mut ChaCha20Rng| {
        hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, K>(
            &OpModeS::Base,
            &raw_pk,
            b"i",
            &seed,
            b"a",
            rng,
        )
        .expect("seal")
    };
    let raw_open = || {
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, K>(
            &OpModeR::Base,
            &raw_sk,
            &raw_enc,
            b"i",
            &raw_ct,
            b"a",
        )
        .expect("open")
    };

    let (mut r1, mut r2, mut r3, mut r5, mut r6) = (
        ChaCha20Rng::from_seed([11; 32]),
        ChaCha20Rng::from_seed([12; 32]),
        ChaCha20Rng::from_seed([13; 32]),
        ChaCha20Rng::from_seed([15; 32]),
        ChaCha20Rng::from_seed([16; 32]),
    );
    let contenders: Vec<Contender> = vec![
        (
            "validate 100-recipient envelope",
            Box::new(|| {
                black_box(validate_envelope(&env, &lengths).expect("valid"));
            }),
        ),
        (
            "floor: generic CBOR decode",
            Box::new(|| {
                black_box(ciborium::from_reader::<ciborium::Value, _>(&env[..]).expect("cbor"));
            }),
        ),
        (
            "split 100-recipient envelope",
            Box::new(|| {
                black_box(split_envelope(&env).expect("split"));
            }),
        ),
        (
            "floor: decode + copy bytes",
            Box::new(|| {
                black_box(ciborium::from_reader::<ciborium::Value, _>(&env[..]).expect("cbor"));
                black_box(vec![0u8; copies_len]);
            }),
        ),
        (
            "seed wrap",
            Box::new(|| {
                black_box(
                    wrap_seed(&gens[0], member, new_dev.public(), d1, &mut r1).expect("wrap"),
                );
            }),
        ),
        (
            "escrow wrap",
            Box::new(|| {
                black_box(wrap_escrow_device(&ctx, &escrow, d1, &mut r2).expect("wrap"));
            }),
        ),
        (
            "floor: HPKE seal + sign",
            Box::new(|| {
                black_box(raw_seal(&mut r3));
                black_box(signer.sign(b"m"));
            }),
        ),
        (
            "recovery of 10 generations",
            Box::new(|| {
                let unlocked = open_escrow_wrap(&escrow_wrap, ea_puks, &chain).expect("escrow");
                for s in open_seed_wraps(&to_escrow, &unlocked, &chain, None).expect("seeds") {
                    black_box(
                        wrap_seed_cosigned(
                            &s.puk,
                            member,
                            new_dev.public(),
                            &unlocked,
                            ea_user,
                            ea_dev,
                            &mut r5,
                        )
                        .expect("rewrap"),
                    );
                }
            }),
        ),
        (
            "floor: recovery",
            Box::new(|| {
                for i in 0..11 {
                    black_box(raw_open());
                    black_box(vk.verify_strict(b"m", &sig).is_ok());
                    if i < 10 {
                        black_box(raw_seal(&mut r6));
                        black_box(signer.sign(b"m"));
                        black_box(signer.sign(b"m"));
                    }
                }
            }),
        ),
    ];
    let names: Vec<&str> = contenders.iter().map(|c| c.0).collect();
    let (iters, rounds) = if quick { (2, 3) } else { (10, 11) };
    let t = run_interleaved(contenders, iters, rounds);
    println!("\n== {}", suite.name());
    for (i, name) in names.iter().enumerate() {
        println!("  {name:<34} {:>10.1?}", median(&t[i]) / iters as u32);
    }
    for (what, op, floor) in [
        ("validate vs generic decode", 0, 1),
        ("split vs decode + copy", 2, 3),
        ("seed wrap vs HPKE seal + sign", 4, 6),
        ("escrow wrap vs HPKE seal + sign", 5, 6),
        ("recovery of 10 generations vs floor", 7, 8),
    ] {
        println!("  ratio {what:<36} {:.2}", median_ratio(&t[floor], &t[op]));
    }
}
