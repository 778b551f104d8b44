//! What one HPKE single-shot seal to an X25519 key is made of, against the steps of an age
//! X25519 stanza, in the same run (BENCHMARKS.md, "Where the microseconds go").
//!
//! `cargo bench --bench hpke_parts` times, interleaved round after round, the `hpke` crate's
//! single-shot seal of a 451-byte box plaintext (the size of a mail's recipient box), its KEM
//! encapsulation alone, the DeriveKeyPair it runs for the ephemeral key, one fixed-base
//! scalar multiplication (`Kem::sk_to_pk`, curve25519-dalek's precomputed tables), one
//! variable-base X25519 (the Montgomery ladder), and the two scalar multiplications of an
//! age stanza done with `x25519-dalek` directly; then an X-Wing single-shot seal, the same
//! seal to 100 keys in turn (as a mail to 100 recipients seals; the floor of
//! `benches/mail.rs` seals to one key), and the decoding of an X-Wing public key from its
//! 1,216 bytes. Each is printed as a ratio to the variable-base X25519 measured in the same
//! rounds, so the parts can be added up in units of "one DH".

// Only the timing helpers of `common` are used here.
#[allow(dead_code)]
mod common;

use std::hint::black_box;

use common::{Contender, median, median_ratio, run_interleaved};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::{X25519HkdfSha256, XWing};
use hpke::{Deserializable, Kem, OpModeS, Serializable};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

/// The plaintext of a recipient box in a mail (SPEC.md §6.4), as `benches/mail.rs` uses.
const BOX_PLAINTEXT: usize = 451;

/// One HPKE single-shot seal in base mode, as `src/keys/kem.rs` makes it.
fn seal<K: Kem>(
    pk: &K::PublicKey,
    plaintext: &[u8],
    rng: &mut ChaCha20Rng,
) -> (K::EncappedKey, Vec<u8>) {
    hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, K>(
        &OpModeS::Base,
        pk,
        b"info",
        plaintext,
        b"aad",
        rng,
    )
    .expect("seal")
}

fn main() {
    let quick = std::env::var_os("MAILSEAL_BENCH_QUICK").is_some();
    let (iters, rounds) = if quick { (50, 5) } else { (200, 31) };
    let (_, pk) = X25519HkdfSha256::derive_keypair(&[9; 32]);
    let (sk_other, _) = X25519HkdfSha256::derive_keypair(&[10; 32]);
    let pk_bytes: [u8; 32] = pk.to_bytes().into();
    let (_, xwing_pk) = XWing::derive_keypair(&[11; 32]);
    let xwing_bytes = xwing_pk.to_bytes();
    // A hundred recipients' keys, sealed to in turn as a mail to 100 does.
    let xwing_keys: Vec<_> = (0..100u8)
        .map(|i| XWing::derive_keypair(&[i; 32]).1)
        .collect();
    let mut next = xwing_keys.iter().cycle();
    let their = x25519_dalek::PublicKey::from(pk_bytes);
    let plaintext = vec![0x42u8; BOX_PLAINTEXT];
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let mut r = || {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        b
    };
    let mut r2 = ChaCha20Rng::from_seed([2; 32]);
    let mut r3 = ChaCha20Rng::from_seed([3; 32]);
    let mut r4 = ChaCha20Rng::from_seed([4; 32]);
    let mut r5 = ChaCha20Rng::from_seed([5; 32]);
    let mut r6 = ChaCha20Rng::from_seed([6; 32]);
    let mut r7 = ChaCha20Rng::from_seed([7; 32]);
    let contenders: Vec<Contender> = vec![
        (
            "one variable-base X25519 (x25519-dalek)",
            Box::new(|| {
                black_box(x25519_dalek::x25519(black_box(r()), pk_bytes));
            }),
        ),
        (
            "hpke single-shot seal, 451 B",
            Box::new(|| {
                black_box(seal::<X25519HkdfSha256>(&pk, &plaintext, &mut r2));
            }),
        ),
        (
            "hpke encapsulation alone",
            Box::new(|| {
                black_box(X25519HkdfSha256::encap_with_rng(&pk, None, &mut r3).expect("encap"));
            }),
        ),
        (
            "hpke DeriveKeyPair (the ephemeral key)",
            Box::new(|| {
                let mut ikm = [0u8; 32];
                r4.fill_bytes(&mut ikm);
                black_box(X25519HkdfSha256::derive_keypair(&ikm));
            }),
        ),
        (
            "one fixed-base multiplication (hpke sk_to_pk)",
            Box::new(|| {
                black_box(X25519HkdfSha256::sk_to_pk(black_box(&sk_other)));
            }),
        ),
        (
            "age's two multiplications (x25519-dalek)",
            Box::new(|| {
                let esk = x25519_dalek::EphemeralSecret::random_from_rng(&mut r5);
                let epk = x25519_dalek::PublicKey::from(&esk);
                black_box((epk, esk.diffie_hellman(&their)));
            }),
        ),
        (
            "X-Wing: hpke single-shot seal, 451 B",
            Box::new(|| {
                black_box(seal::<XWing>(&xwing_pk, &plaintext, &mut r6));
            }),
        ),
        (
            "X-Wing: the same seal, to 100 keys in turn",
            Box::new(|| {
                black_box(seal::<XWing>(
                    next.next().expect("cycle"),
                    &plaintext,
                    &mut r7,
                ));
            }),
        ),
        (
            "X-Wing: public key decoded from its bytes",
            Box::new(|| {
                black_box(
                    <XWing as Kem>::PublicKey::from_bytes(black_box(&xwing_bytes)).expect("key"),
                );
            }),
        ),
    ];
    let names: Vec<&str> = contenders.iter().map(|c| c.0).collect();
    let t = run_interleaved(contenders, iters, rounds);
    let per_op = |i: usize| median(&t[i]) / iters as u32;
    println!("HPKE seal parts, as multiples of one variable-base X25519 in the same rounds");
    for (i, name) in names.iter().enumerate() {
        println!(
            "  {name:<50} {:>5.2}  ({:.1?})",
            median_ratio(&t[i], &t[0]),
            per_op(i)
        );
    }
}
