//! The X-Wing suite re-derived from lower-level crates (`examples/vectors/xwing.rs`, no `hpke`,
//! no `x-wing`) agrees with the crate: the published draft-ietf-hpke-pq-04 vector for the same
//! HPKE suite, the crate's PUK and device keys, and the boxes of mails the crate seals with
//! known encapsulation randomness (SPEC.md §5.5).
#![cfg(feature = "xwing")]

#[path = "../examples/vectors/xwing.rs"]
mod xwing;

use mailseal::Suite;
use mailseal::hazmat::{TapeRng, TestUser, XofRng, position_draws};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, PukSeed, UserId};
use mailseal::mail::seal::MailSealer;
use rand_core::Rng;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd-length hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hex field of the intermediates.
fn get(v: &Value, name: &str) -> Vec<u8> {
    unhex(
        v[name]
            .as_str()
            .unwrap_or_else(|| panic!("no field {name}")),
    )
}

fn names(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn draw<const N: usize>(rng: &mut XofRng) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

/// draft-ietf-hpke-pq-04 `test-vectors.json`, the MLKEM768-X25519 (0x647a), HKDF-SHA256,
/// ChaCha20-Poly1305 base-mode vector: mailseal's HPKE suite. The long values by SHA-256.
#[test]
fn the_hpke_pq_04_vector_is_reproduced() {
    let ikm_r = unhex("b86e76a59fabfc87b30cd7b1f7aaa28a834eb64e7a261c197b9a842893fbce56");
    let ikm_e = unhex(
        "2a1c0a3745fe8a48fb62034d300f54dfe1974a5b2e169e580a8789cb1cf5fd19\
         0fc00f3fd899594e01a8b15334b9f3fa03d8de44da86e19f5776850fb689e6c8",
    );
    let info =
        unhex("34663634363532303666366532303631323034373732363536333639363136653230353537323665");

    let keys = xwing::key_intermediates(&ikm_r).expect("derive");
    assert_eq!(
        hex(&get(&keys, "seed")),
        "3ec47fa82dd5689d27c6190e724c74ec8f608df3331ce331929e37b829676630",
        "skRm"
    );
    // SPEC.md §5.5: M = ikm || "HPKE-v1" || "KEM" || u16be(0x647a) || u16be(13) ||
    // "DeriveKeyPair" || u16be(32), 61 bytes.
    assert_eq!(
        get(&keys, "labeled_derive_input"),
        [
            ikm_r.as_slice(),
            &unhex("48504b452d76314b454d647a000d4465726976654b6579506169720020"),
        ]
        .concat()
    );
    let pk = get(&keys, "public_key");
    assert_eq!(
        hex(&Sha256::digest(&pk)),
        "ad8aaf3f00d8a39bfeec2947a7d5dde68be08bba19bd301a348a45dc5fcc8341",
        "pkRm"
    );

    let e = xwing::encap_intermediates(&pk, &ikm_e, &info).expect("encap");
    assert_eq!(
        hex(&Sha256::digest(get(&e, "enc"))),
        "95c0a5fca31ea59f29bbc66255ad6637b5a476b3212886af11afdc8930aeb772",
        "enc"
    );
    // The combiner's 134-byte input ends with the label; the key schedule context is 65 bytes.
    let combiner_input = get(&e, "combiner_input");
    assert_eq!(combiner_input.len(), 134);
    assert_eq!(hex(&combiner_input[128..]), "5c2e2f2f5e5c");
    assert_eq!(combiner_input[96..128], get(&keys, "x25519_pk"));
    assert_eq!(get(&e, "key_schedule_context").len(), 65);
    for (name, want) in [
        (
            "shared_secret",
            "58200ed1f137bd95a921bb47f6aaecf2395b26f7fd24efd3a5ffae4849e8dea3",
        ),
        ("hpke_suite_id", "48504b45647a00010003"),
        (
            "key",
            "131c2ebb469b909a40915914afd7ff5e638888ac7195dcaaaef8f9a84f0e4030",
        ),
        ("base_nonce", "2b7a68f19e6cdbd43dda3c6d"),
        (
            "exporter_secret",
            "c5362ef3c0008d0e573000c5c25a3f62a3bc7061cd41a384c86c27b37d945bbb",
        ),
    ] {
        assert_eq!(hex(&get(&e, name)), want, "{name}");
    }
    // encryptions[0]: sequence number 0, so the nonce is base_nonce.
    let pt = xwing::open_box(
        &get(&e, "key"),
        &get(&e, "base_nonce"),
        &unhex("436f756e742d30"),
        &unhex(
            "c5c591f99092d5e38df0a52699af249c66f8275a863423c076de8147a53e65cc\
             584041c963b77a7e59ea93841b1339b5efda8909b71f74bb0073ad62e899de31\
             0c1566dea2fd29eba377",
        ),
    )
    .expect("encryptions[0] opens");
    assert_eq!(
        hex(&pt),
        "34323635363137353734373932303639373332303734373237353734363832633230373437323735373436383230363236353631373537343739"
    );
    let ss = xwing::decapsulate(&ikm_r, &get(&e, "enc")).expect("decap");
    assert_eq!(ss.to_vec(), get(&e, "shared_secret"));
}

/// Several PUK generations and devices: the independent `DeriveKeyPair(ikm)` gives the crate's
/// public key, with `ikm` computed as SPEC.md §5.1 and §5.2 say.
#[test]
fn independent_key_derivation_matches_the_crate() {
    let mut rng = XofRng::new(b"xwing derivation keys");
    let mut checked = 0;
    for g in [1u32, 2, 7, 1000, u32::MAX] {
        let seed: [u8; 32] = draw(&mut rng);
        let user: [u8; 16] = draw(&mut rng);
        let puk = PukSecret::derive(
            Suite::XWing,
            UserId::new(user),
            g,
            PukSeed::from_bytes(seed),
        )
        .expect("puk");
        let crate_pk = puk.public().mail_key.as_bytes();
        let ikm = xwing::puk_mail_ikm(&seed, g).expect("mail_ikm");
        let v = xwing::key_intermediates(&ikm).expect("derive");
        let mut want_names = xwing::KEY_FIELDS.to_vec();
        want_names.sort_unstable();
        let mut got_names = names(&v);
        got_names.sort_unstable();
        assert_eq!(got_names, want_names);
        assert_eq!(get(&v, "public_key"), crate_pk, "PUK generation {g}");
        xwing::check_key_intermediates(&ikm, crate_pk, &v).expect("check");
        checked += 1;
    }
    for _ in 0..3 {
        let seed: [u8; 32] = draw(&mut rng);
        let id: [u8; 16] = draw(&mut rng);
        let device = DeviceSecret::from_seed(Suite::XWing, DeviceId::new(id), &seed);
        let crate_pk = device.public().encryption_key.as_bytes();
        let ikm = xwing::device_kem_ikm(&seed).expect("kem_ikm");
        let v = xwing::key_intermediates(&ikm).expect("derive");
        assert_eq!(get(&v, "public_key"), crate_pk, "device");
        xwing::check_key_intermediates(&ikm, crate_pk, &v).expect("check");
        checked += 1;
    }
    assert_eq!(checked, 8);
}

/// The checks fail, naming the field, when a value or the crate's key is not what the
/// independent derivation computes.
#[test]
fn the_checks_catch_a_changed_value() {
    let ikm = [7u8; 32];
    let v = xwing::key_intermediates(&ikm).expect("derive");
    let pk = get(&v, "public_key");
    xwing::check_key_intermediates(&ikm, &pk, &v).expect("unchanged");
    for name in xwing::KEY_FIELDS {
        let mut bad = v.clone();
        let mut b = get(&v, name);
        b[0] ^= 1;
        bad[name] = Value::String(hex(&b));
        let err = xwing::check_key_intermediates(&ikm, &pk, &bad).expect_err(name);
        assert!(err.contains(&format!("`{name}`")), "{name}: {err}");
    }
    let mut other = pk.clone();
    other[1215] ^= 1;
    assert!(xwing::check_key_intermediates(&ikm, &other, &v).is_err());
    assert!(xwing::key_intermediates(&[7u8; 31]).is_err());

    let eseed = [9u8; 64];
    let e = xwing::encap_intermediates(&pk, &eseed, b"info").expect("encap");
    let enc = get(&e, "enc");
    xwing::check_encap_intermediates(&pk, &eseed, b"info", &enc, &e).expect("unchanged");
    let mut bad = e.clone();
    let mut key = get(&e, "key");
    key[31] ^= 0x80;
    bad["key"] = Value::String(hex(&key));
    let err = xwing::check_encap_intermediates(&pk, &eseed, b"info", &enc, &bad).expect_err("key");
    assert!(err.contains("`key`"), "{err}");
    let mut other_enc = enc.clone();
    other_enc[0] ^= 1;
    assert!(xwing::check_encap_intermediates(&pk, &eseed, b"info", &other_enc, &e).is_err());
    assert!(xwing::encap_intermediates(&pk, &eseed[..32], b"info").is_err());
    assert!(xwing::encap_intermediates(&pk[..1184], &eseed, b"info").is_err());
}

/// Mails the crate seals to two recipients, with every random value on a tape
/// (test-vectors/README.md order): each HPKE box's `enc` is the independent encapsulation of
/// its 64-byte `eseed`, the independent key schedule opens its ciphertext to the plaintext the
/// crate traced, and the recipient's independent decapsulation finds the same shared secret.
#[test]
fn boxes_the_crate_seals_match_the_independent_encapsulation() {
    let suite = Suite::XWing;
    let info = [&b"mailseal v1 recipient box"[..], &[0x00, 0x01]].concat();
    for round in 0..3u8 {
        let mut rng = XofRng::new(&[b"xwing derivation mail ".as_slice(), &[round]].concat());
        let user = |n: u8, name: &str, rng: &mut XofRng| {
            let puk_seed: [u8; 32] = draw(rng);
            let device_seed: [u8; 32] = draw(rng);
            let u = TestUser::from_seeds(
                suite,
                UserId::new([n; 16]),
                &format!("{name}@example.com"),
                puk_seed,
                DeviceId::new([n ^ 0x80; 16]),
                &device_seed,
                1,
            )
            .expect("user");
            (u, puk_seed)
        };
        let (alice, _) = user(1, "alice", &mut rng);
        let (bob, bob_seed) = user(2, "bob", &mut rng);
        let (carol, carol_seed) = user(3, "carol", &mut rng);

        let eseeds: [[u8; 64]; 2] = [draw(&mut rng), draw(&mut rng)];
        // Box order: the sender's own box, then To (bob), then CC (carol).
        let mut tape = Vec::new();
        for _ in 0..4 {
            // message_key, manifest_nonce, bcc_key, tree_key
            tape.extend(draw::<32>(&mut rng));
        }
        tape.extend(position_draws(&[17, 1000, u16::from(round) * 300]).expect("positions"));
        for _ in 0..3 {
            tape.extend(draw::<32>(&mut rng)); // salts
        }
        tape.extend(draw::<32>(&mut rng)); // the sender's own box: piece nonce
        tape.extend(eseeds[0]);
        tape.extend(eseeds[1]);
        tape.extend(draw::<32>(&mut rng)); // sender_record_nonce

        let mut sealer = MailSealer::new(suite, alice.sender(), "<xwing@example.com>", 1)
            .expect("sealer")
            .to(bob.key())
            .cc(carol.key());
        sealer
            .add_piece(b"body", &mut TapeRng::new(draw::<64>(&mut rng).to_vec()))
            .expect("piece");
        let mut tape = TapeRng::new(tape);
        let (_, trace) = mailseal::hazmat::seal_traced(sealer, &mut tape).expect("seal");
        assert!(
            !tape.overrun() && tape.remaining() == 0,
            "tape not consumed exactly"
        );
        let traced = |name: &str| {
            trace
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no {name} in the trace"))
        };

        for (i, recipient, seed) in [(1, &bob, bob_seed), (2, &carol, carol_seed)] {
            let pk = recipient.puk.public().mail_key.as_bytes();
            let eseed = &eseeds[i - 1];
            assert_eq!(traced(&format!("box[{i}].hpke_info")), info);
            let enc = traced(&format!("box[{i}].enc"));
            let e = xwing::encap_intermediates(pk, eseed, &info).expect("encap");
            let mut want_names = xwing::ENCAP_FIELDS.to_vec();
            want_names.sort_unstable();
            let mut got_names = names(&e);
            got_names.sort_unstable();
            assert_eq!(got_names, want_names);
            xwing::check_encap_intermediates(pk, eseed, &info, &enc, &e)
                .unwrap_or_else(|err| panic!("round {round} box {i}: {err}"));
            let opened = xwing::open_box(
                &get(&e, "key"),
                &get(&e, "base_nonce"),
                &traced(&format!("box[{i}].hpke_aad")),
                &traced(&format!("box[{i}].ciphertext")),
            )
            .expect("the independent key schedule opens the box");
            assert_eq!(opened, traced(&format!("box[{i}].plaintext")));
            assert_eq!(opened.len(), 451);
            let ikm = xwing::puk_mail_ikm(&seed, 1).expect("mail_ikm");
            let ss = xwing::decapsulate(&ikm, &enc).expect("decap");
            assert_eq!(ss.to_vec(), get(&e, "shared_secret"));
        }
    }
}

/// Bob's box of `mail_to_cc_bcc_with_attachment` in `mail-xwing.json`, as a separate Python
/// implementation (kyber-py, `cryptography`, hashlib) computed it: the same values.
#[test]
fn an_independent_python_computation_agrees() {
    let ikm = unhex("4bf329f054fc734bfd8e2f0fe7a25d749aca820919d2b70049a17c9d2da80c98");
    let k = xwing::key_intermediates(&ikm).expect("derive");
    for (name, want) in [
        (
            "seed",
            "f04c280c900fa70ecf3f7d9b637339d1f3cec251ca599825c6f5924b88a9426c",
        ),
        (
            "ml_kem_d",
            "53e362cf25290d7eac205234b14318d76d07795332e4579feb574041e85269c7",
        ),
        (
            "ml_kem_z",
            "4d1ed2afdd0e89b4cbfc7c1a3619f3de0d226dc9f92d392d064347d3197d96e8",
        ),
        (
            "x25519_sk",
            "1dfb88e2de7ab93fec84c29f523ed6d147135909e1d6c06c2cae41050d3d0b68",
        ),
        (
            "x25519_pk",
            "64775917b959148740b5566f889f49315dbb9ff1e2be8f7c4029e94ff8475a7b",
        ),
    ] {
        assert_eq!(hex(&get(&k, name)), want, "{name}");
    }
    assert!(hex(&get(&k, "ml_kem_ek")).starts_with("d65b8dc2085515bc4d989b3f0aa23c7c"));
    let eseed = unhex(
        "4e9b1fe28bb16fbe42e5eee52dcabf07a803459b06cfc71a1b66826781bae22b\
         24dad1c9dcb85757a573961f2473fe8da786e6535cbee2adca10c321d3f326ab",
    );
    let info = [&b"mailseal v1 recipient box"[..], &[0x00, 0x01]].concat();
    let e = xwing::encap_intermediates(&get(&k, "public_key"), &eseed, &info).expect("encap");
    for (name, want) in [
        (
            "x25519_ct",
            "322278e08e68442c7c646204a40f5493ed4a3cbcd04f5261d55b02cc6be4f944",
        ),
        (
            "ml_kem_ss",
            "90f15ed9eb38781389460c239159d6f09624a9db7b277a3676a003c218c3b059",
        ),
        (
            "x25519_ss",
            "f48f5847b80271a89f4d5904ba00936a854da43bd5b9db7d1db5ab67c7fb064f",
        ),
        (
            "shared_secret",
            "6b83d3cc7b6e9c3d283620959432d7faa4ac441e0b8b020f385ea8907d384b34",
        ),
        (
            "key",
            "989583bdd1e913af889743e26a5f2e9be8ae79c99e2b502430526676721b6502",
        ),
        ("base_nonce", "b0273e3375942a3f248b5414"),
        (
            "exporter_secret",
            "74ef784ba605acdce4987662211874515b4975b3f0a6fe0f2b0fdc5ffbb5ee61",
        ),
    ] {
        assert_eq!(hex(&get(&e, name)), want, "{name}");
    }
    assert!(hex(&get(&e, "ml_kem_ct")).starts_with("33e427f14da81b8f7c409b3bff662f27"));
}
