//! Entry points for the fuzz targets in `fuzz/` and for the corpus replay in `cargo test`.
//!
//! Not part of the API: hidden from the docs, no stability promise. Each function takes
//! arbitrary bytes, must never panic on them, and asserts the properties the target checks
//! (a panic here is a finding).

// safe: this is harness code, not library code. Panicking on a violated property is how a
// fuzz target reports it, and its slicing and arithmetic work on lengths it has just bounded.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod chain;
mod more;
mod report;
#[cfg(feature = "transparency-log")]
mod transparency;

use alloc::vec::Vec;

pub use chain::{chain_seeds, chain_target};
pub use more::{
    link_copy_seeds, link_copy_target, recovery_code_seeds, recovery_code_target,
    seed_wrap_batch_seeds, seed_wrap_batch_target, user_data_seeds, user_data_target,
    verified_piece_target,
};
pub use report::{report_seeds, report_target};
#[cfg(feature = "transparency-log")]
pub use transparency::{transparency_accepts, transparency_seeds, transparency_target};

use crate::error::Error;
use crate::piece::{
    self, HEADER_LEN, PieceDecryptor, PieceKey, PieceNonce, PieceReader, Purpose, TAG_LEN,
};
use crate::suite::Suite;

/// The fixed key the piece targets open under; the seed corpus is sealed with it.
pub const FUZZ_PIECE_KEY: [u8; 32] = [0x4d; 32];

/// Splits `data` into (split points, ciphertext): the first byte says how many little-endian
/// `u16` split offsets follow (at most 8).
fn split_points(data: &[u8]) -> (Vec<usize>, &[u8]) {
    let Some((&count, rest)) = data.split_first() else {
        return (Vec::new(), data);
    };
    let count = usize::from(count % 9);
    let cut = (count * 2).min(rest.len());
    let (offsets, ciphertext) = rest.split_at(cut);
    let mut points: Vec<usize> = offsets
        .chunks_exact(2)
        .map(|p| usize::from(u16::from_le_bytes([p[0], p[1]])) % (ciphertext.len() + 1))
        .collect();
    points.sort_unstable();
    (points, ciphertext)
}

/// Opens fuzzer bytes as a piece under the fixed key, pushed in fuzzer-chosen parts, and
/// checks that the stream decryptor agrees exactly with the one-shot opener and the
/// random-access reader.
pub fn piece_stream(data: &[u8]) {
    let (points, ciphertext) = split_points(data);
    let key = PieceKey::from_bytes(FUZZ_PIECE_KEY);
    let (s, p) = (Suite::XWing, Purpose::MailPiece);

    let one_shot = piece::open(s, p, &key, ciphertext);

    let mut dec = PieceDecryptor::new(s, p, &key);
    let mut streamed = Vec::new();
    let mut last = 0;
    let mut result = Ok(());
    for point in points.into_iter().chain([ciphertext.len()]) {
        if let Some(part) = ciphertext.get(last..point) {
            result = result.and_then(|()| dec.push(part, &mut streamed));
        }
        last = point;
    }
    let streamed_result = result.and_then(|()| dec.finish(&mut streamed));
    match (&one_shot, &streamed_result) {
        (Ok(o), Ok(d)) => {
            assert_eq!(
                o.plaintext, streamed,
                "stream and one-shot plaintexts differ"
            );
            assert_eq!(o.digest, *d, "stream and one-shot digests differ");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "stream and one-shot errors differ"),
        _ => panic!("stream and one-shot disagree on success"),
    }

    // Random access must accept exactly the chunks of an accepted piece.
    if let (Ok(opened), Some(header)) = (&one_shot, ciphertext.get(..HEADER_LEN)) {
        let reader = PieceReader::new(s, p, &key, header, ciphertext.len() as u64);
        let reader = reader.unwrap_or_else(|e| panic!("reader refused an opened piece: {e}"));
        let mut joined = Vec::new();
        for i in 0..reader.chunk_count() {
            let range = reader
                .chunk_range(i)
                .unwrap_or_else(|e| panic!("range {i}: {e}"));
            let bytes = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(a, b)| ciphertext.get(a..b))
                .unwrap_or_else(|| panic!("range {i} outside the ciphertext"));
            let chunk = reader
                .open_chunk(i, bytes)
                .unwrap_or_else(|e| panic!("chunk {i}: {e}"));
            joined.extend_from_slice(&chunk);
        }
        assert_eq!(
            joined, opened.plaintext,
            "random access differs from one-shot"
        );
    }
}

/// Seals fuzzer bytes as a piece (first byte picks suite and purpose), opens it in
/// fuzzer-derived parts, and requires the exact plaintext back.
pub fn piece_round_trip(data: &[u8]) {
    let Some((&selector, plaintext)) = data.split_first() else {
        return;
    };
    let suite = if selector & 1 == 0 {
        Suite::XWing
    } else {
        Suite::X25519
    };
    let purpose = match (selector >> 1) % 3 {
        0 => Purpose::MailPiece,
        1 => Purpose::Manifest,
        _ => Purpose::UserData,
    };
    let key = PieceKey::from_bytes(FUZZ_PIECE_KEY);
    let sealed = crate::hazmat::seal_piece_with_nonce(
        suite,
        purpose,
        &key,
        PieceNonce([selector; 32]),
        plaintext,
    )
    .unwrap_or_else(|e| panic!("seal failed: {e}"));
    let step = usize::from(selector).max(1);
    let mut dec = PieceDecryptor::new(suite, purpose, &key);
    let mut out = Vec::new();
    for part in sealed.ciphertext.chunks(step) {
        dec.push(part, &mut out)
            .unwrap_or_else(|e| panic!("push failed: {e}"));
    }
    let digest = dec
        .finish(&mut out)
        .unwrap_or_else(|e| panic!("finish failed: {e}"));
    assert_eq!(out, plaintext);
    assert_eq!(digest, sealed.digest);
}

// ---------------------------------------------------------------------------------------
// A fixed world of keys, so targets can open what the seed corpus holds.

use alloc::string::{String, ToString};
use alloc::vec;

use crate::account::backup::RecoveryCode;
use crate::account::devices::{SeedWrap, open_seed_wrap, wrap_seed};
use crate::account::escrow::{
    AccountDomain, EscrowContext, EscrowWrap, enrollment_terms, open_escrow_wrap,
    wrap_escrow_device,
};
use crate::account::userdata::{UserDataBinding, open_user_data, seal_user_data};
use crate::hazmat::XofRng;
use crate::identity::{self, ChainState};
use crate::keys::{DeviceId, DevicePublic, DeviceSecret, PukPublic, PukSecret, PukSeed, UserId};
use crate::mail::envelope::{Copy, Envelope, LinkCopy, RecipientKind, RoutingHeader, WireBox};
use crate::mail::link::open_link_copy;
use crate::mail::open::{Mailbox, open_copy};
use crate::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use crate::mail::server::{link_copy, split_envelope, validate_copy, validate_envelope};
use crate::wire;

/// Fixed users, devices and chains (suite X25519, for speed), all derived from constant seeds.
pub struct FuzzWorld {
    /// The sender.
    pub alice: UserId,
    /// Alice's PUK.
    pub alice_puk: PukSecret,
    /// Alice's device.
    pub alice_device: DeviceSecret,
    /// Alice's chain: her device, her PUK, `alice@example.com`.
    pub alice_chain: ChainState,
    /// A To recipient.
    pub bob: UserId,
    /// Bob's PUK.
    pub bob_puk: PukSecret,
    /// Bob's device (target of seed wraps).
    pub bob_device: DeviceSecret,
    /// Bob's second device (approver of seed wraps).
    pub bob_laptop: DeviceSecret,
    /// Bob's chain: both devices and the escrow device.
    pub bob_chain: ChainState,
    /// The links of Bob's chain.
    pub bob_links: Vec<Vec<u8>>,
    /// A BCC recipient.
    pub carol: UserId,
    /// Carol's PUK.
    pub carol_puk: PukSecret,
    /// Carol's chain.
    pub carol_chain: ChainState,
    /// The EA group's PUK.
    pub ea_puk: PukSecret,
    /// The EA group's chain.
    pub ea_chain: ChainState,
    /// The escrow administrator's device.
    pub ea_device: DeviceSecret,
    /// The escrow device of Bob.
    pub escrow_device: DeviceSecret,
}

const FUZZ_SUITE: Suite = Suite::X25519;

/// The links of a one-device chain.
fn root_chain(user: UserId, device: &DeviceSecret, puk: &PukSecret, address: &str) -> Vec<u8> {
    identity::root(FUZZ_SUITE, user, device, puk.public(), &[address], 1)
        .unwrap_or_else(|e| panic!("fixed root: {e}"))
}

impl FuzzWorld {
    /// The world, built once per process: targets run millions of inputs, and building keys
    /// and chains for each would be nearly all their time. It is deterministic, so sharing it
    /// changes nothing but speed.
    pub fn shared() -> &'static FuzzWorld {
        static WORLD: std::sync::OnceLock<FuzzWorld> = std::sync::OnceLock::new();
        WORLD.get_or_init(FuzzWorld::new)
    }

    /// The world (deterministic).
    pub fn new() -> Self {
        let puk =
            |u: UserId, s: u8| PukSecret::derive(FUZZ_SUITE, u, 1, PukSeed::from_bytes([s; 32]));
        let dev = |d: u8| DeviceSecret::from_seed(FUZZ_SUITE, DeviceId::new([d; 16]), &[d; 32]);
        let (alice, bob, carol, ea) = (
            UserId::new([1; 16]),
            UserId::new([2; 16]),
            UserId::new([3; 16]),
            UserId::new([0xea; 16]),
        );
        let ok = |p: Result<PukSecret, Error>| p.unwrap_or_else(|e| panic!("fixed PUK: {e}"));
        let verified = |links: &[Vec<u8>]| {
            ChainState::verify(links).unwrap_or_else(|e| panic!("fixed chain: {e}"))
        };
        let (alice_puk, bob_puk, carol_puk, ea_puk) = (
            ok(puk(alice, 11)),
            ok(puk(bob, 12)),
            ok(puk(carol, 13)),
            ok(puk(ea, 14)),
        );
        let (alice_device, bob_device, bob_laptop, carol_device, ea_device, escrow_device) =
            (dev(21), dev(22), dev(23), dev(25), dev(26), dev(24));
        let alice_chain = verified(&[root_chain(
            alice,
            &alice_device,
            &alice_puk,
            "alice@example.com",
        )]);
        let carol_chain = verified(&[root_chain(
            carol,
            &carol_device,
            &carol_puk,
            "carol@example.com",
        )]);
        let ea_chain = verified(&[root_chain(ea, &ea_device, &ea_puk, "admins@example.com")]);
        // Bob: his phone, his laptop, and an escrow device the administrators co-signed.
        let mut bob_links = alloc::vec![root_chain(bob, &bob_device, &bob_puk, "bob@example.com")];
        let link = |draft: Result<identity::LinkDraft, Error>, by: &[&DeviceSecret]| {
            let mut d = draft.unwrap_or_else(|e| panic!("fixed draft: {e}"));
            for s in by {
                d.sign(s).unwrap_or_else(|e| panic!("fixed signature: {e}"));
            }
            d.finish().unwrap_or_else(|e| panic!("fixed link: {e}"))
        };
        let chain = verified(&bob_links);
        bob_links.push(link(
            chain.propose_add_device(bob_device.id(), bob_laptop.public(), None, 2),
            &[&bob_device, &bob_laptop],
        ));
        let chain = verified(&bob_links);
        let ctx = EscrowContext {
            account: crate::wire::Fixed([7; 16]),
            domain: AccountDomain::Custom("example.com"),
            member: bob,
            member_address: "bob@example.com",
            ea_chain: &ea_chain,
        };
        let terms = enrollment_terms(&ctx, ea_device.public())
            .unwrap_or_else(|e| panic!("fixed terms: {e}"));
        bob_links.push(link(
            chain.propose_escrow_device(bob_device.id(), escrow_device.public(), terms, None, 3),
            &[&bob_device, &escrow_device, &ea_device],
        ));
        let bob_chain = verified(&bob_links);
        FuzzWorld {
            alice,
            alice_puk,
            alice_device,
            alice_chain,
            bob,
            bob_puk,
            bob_device,
            bob_laptop,
            bob_chain,
            bob_links,
            carol,
            carol_puk,
            carol_chain,
            ea_puk,
            ea_chain,
            ea_device,
            escrow_device,
        }
    }

    /// Every chain of the world, as a directory.
    pub fn chains(&self) -> [&ChainState; 4] {
        [
            &self.alice_chain,
            &self.bob_chain,
            &self.carol_chain,
            &self.ea_chain,
        ]
    }

    fn escrow_context(&self) -> EscrowContext<'_> {
        EscrowContext {
            account: crate::wire::Fixed([7; 16]),
            domain: AccountDomain::Custom("example.com"),
            member: self.bob,
            member_address: "bob@example.com",
            ea_chain: &self.ea_chain,
        }
    }

    /// A deterministic E2E mail from Alice to Bob (To) and Carol (BCC) with two pieces.
    pub fn sample_mail(&self, seed: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
        let mut rng = XofRng::new(seed);
        let sender = SenderIdentity {
            address: "alice@example.com",
            puk: &self.alice_puk,
            device: &self.alice_device,
            chain: &self.alice_chain,
        };
        let build = || -> Result<(Vec<u8>, Vec<Vec<u8>>), Error> {
            let mut s = MailSealer::new(FUZZ_SUITE, sender, "<fuzz@example.com>", 1)?
                .to(RecipientKey::from_chain(
                    "bob@example.com",
                    &self.bob_chain,
                )?)
                .bcc(RecipientKey::from_chain(
                    "carol@example.com",
                    &self.carol_chain,
                )?)
                .bcc_text("carol@example.com");
            let body = s.add_piece(b"Subject: fuzz\r\n\r\nbody", &mut rng)?;
            let att = s.add_piece(&[0x5a; 70_000], &mut rng)?;
            Ok((s.seal(&mut rng)?, vec![body, att]))
        };
        build().unwrap_or_else(|e| panic!("sample mail: {e}"))
    }
}

impl Default for FuzzWorld {
    fn default() -> Self {
        Self::new()
    }
}

/// Every wire type: if `data` decodes (selector in the first byte), encoding it again gives
/// `data` exactly.
pub fn decode_round_trip(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    fn rt<T: serde::Serialize + serde::de::DeserializeOwned>(bytes: &[u8]) {
        if let Ok(v) = wire::decode::<T>(bytes, 1 << 24, crate::error::Limit::EnvelopeSize) {
            assert_eq!(
                wire::encode(&v),
                bytes,
                "decode then encode changed the bytes"
            );
        }
    }
    match selector % 13 {
        0 => {
            if let Ok((h, _)) = RoutingHeader::parse(bytes) {
                assert_eq!(h.encode(), bytes);
            }
        }
        1 => {
            if let Ok(e) = Envelope::parse(bytes) {
                assert_eq!(e.encode(), bytes);
            }
        }
        2 => {
            if let Ok(c) = Copy::parse(bytes) {
                assert_eq!(c.encode(), bytes);
            }
        }
        3 => {
            if let Ok(c) = LinkCopy::parse(bytes) {
                assert_eq!(c.encode(), bytes);
            }
        }
        4 => rt::<WireBox>(bytes),
        5 => rt::<SeedWrap>(bytes),
        6 => rt::<Vec<SeedWrap>>(bytes),
        7 => rt::<EscrowWrap>(bytes),
        8 => rt::<crate::identity::link::LinkWire>(bytes),
        9 => rt::<crate::account::userdata::UserDataWire>(bytes),
        10 => rt::<crate::mail::envelope::manifest::ManifestWire>(bytes),
        11 => rt::<crate::mail::envelope::sender_record::SenderRecord>(bytes),
        _ => {
            if let Ok(d) = DevicePublic::from_cbor(bytes) {
                assert_eq!(d.to_cbor(), bytes);
            }
            if let Ok(p) = PukPublic::from_cbor(bytes) {
                assert_eq!(p.to_cbor(), bytes);
            }
        }
    }
}

/// Server validation and splitting without keys: the first byte gives the number of piece
/// lengths (u32 little-endian each) that follow; the rest is an envelope or a copy. Whatever
/// validates must split, and every copy of a valid envelope must validate.
pub fn server_validate(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 4);
    let (lens, bytes) = rest.split_at((n * 4).min(rest.len()));
    let lengths: Vec<u64> = lens
        .chunks_exact(4)
        .map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    let _ = validate_copy(bytes, &lengths);
    let _ = link_copy(bytes);
    if let Ok(info) = validate_envelope(bytes, &lengths) {
        let copies =
            split_envelope(bytes).unwrap_or_else(|e| panic!("valid envelope did not split: {e}"));
        assert_eq!(copies.len(), info.boxes.len());
        for c in copies {
            validate_copy(&c.copy, &lengths)
                .unwrap_or_else(|e| panic!("a copy of a valid envelope: {e}"));
        }
    }
}

/// Every open path under the fixed world's keys; the first byte selects it. Nothing may
/// panic; what opens must be self-consistent.
pub fn open_paths(data: &[u8]) {
    let _ = open_path(data);
}

/// [`open_paths`], saying whether the selected path opened (the seed corpus must).
pub fn open_path(data: &[u8]) -> bool {
    let Some((&selector, bytes)) = data.split_first() else {
        return false;
    };
    let w = FuzzWorld::shared();
    let chains = w.chains();
    match selector % 8 {
        0 => {
            let mb = Mailbox::new(&w.bob_chain, [&w.bob_puk]).without_key_transparency();
            open_copy(bytes, &mb, &chains)
                .map(|o| crate::mail::footer::classify(&o, true))
                .is_ok()
        }
        1 => {
            let mb = Mailbox::new(&w.alice_chain, [&w.alice_puk]).without_key_transparency();
            let opened = open_copy(bytes, &mb, &chains);
            if let Ok(o) = &opened {
                assert!(o.sent_record().is_some() == (o.recipient_kind() == RecipientKind::Sender));
            }
            opened.is_ok()
        }
        2 => {
            let fragment = "ms1".to_string() + &"ab".repeat(64);
            open_link_copy(bytes, &fragment, 0).is_ok()
        }
        3 => match open_seed_wrap(bytes, &w.bob_device, &w.bob_chain, Some(&w.ea_chain)) {
            Ok(s) => {
                assert_eq!(s.puk.public().user, w.bob);
                true
            }
            Err(_) => false,
        },
        4 => match open_escrow_wrap(bytes, core::slice::from_ref(&w.ea_puk), &w.bob_chain) {
            Ok(d) => {
                assert_eq!(d.public(), w.escrow_device.public());
                true
            }
            Err(_) => false,
        },
        5 => match crate::identity::decode_segment(bytes).and_then(|l| ChainState::verify(&l)) {
            Ok(chain) => {
                // A chain that verifies re-verifies to the same state from its own links.
                assert_eq!(chain.user(), w.bob);
                true
            }
            Err(_) => false,
        },
        6 => {
            let binding = UserDataBinding {
                data_type: "label",
                message_id: Some("<fuzz@example.com>"),
                version: Some(1),
            };
            open_user_data(
                bytes,
                &w.bob,
                core::slice::from_ref(&w.bob_puk),
                &binding,
                Some(1),
            )
            .is_ok()
        }
        _ => {
            if let Ok(text) = core::str::from_utf8(bytes)
                && let Ok(code) = RecoveryCode::parse(text)
            {
                let again = RecoveryCode::parse(code.expose_text())
                    .unwrap_or_else(|e| panic!("re-parse: {e}"));
                assert_eq!(again.expose_text(), code.expose_text());
                return true;
            }
            false
        }
    }
}

/// Valid inputs for [`open_paths`], one per selector, for the seed corpus.
pub fn open_paths_seeds() -> Vec<(String, Vec<u8>)> {
    let w = FuzzWorld::new();
    let mut rng = XofRng::new(b"open paths seeds");
    let (env, _) = w.sample_mail(b"seed");
    let copies = split_envelope(&env).unwrap_or_default();
    let copy_for = |u: UserId| {
        copies
            .iter()
            .find(|c| c.user == u)
            .map(|c| c.copy.clone())
            .unwrap_or_default()
    };
    let with = |sel: u8, b: Vec<u8>| {
        let mut v = vec![sel];
        v.extend_from_slice(&b);
        v
    };
    let mut out = vec![
        ("copy_bob".into(), with(0, copy_for(w.bob))),
        ("copy_alice".into(), with(1, copy_for(w.alice))),
    ];
    let puk = &w.bob_puk;
    // Bob's seed, wrapped to his phone by his laptop (both in his chain).
    if let Ok(b) = wrap_seed(puk, w.bob, w.bob_device.public(), &w.bob_laptop, &mut rng) {
        out.push(("seed_wrap".into(), with(3, b)));
    }
    let ctx = w.escrow_context();
    if let Ok(b) = wrap_escrow_device(&ctx, &w.escrow_device, &w.bob_device, &mut rng) {
        out.push(("escrow_wrap".into(), with(4, b)));
    }
    out.push((
        "chain".into(),
        with(5, crate::identity::encode_segment(&w.bob_links)),
    ));
    let binding = UserDataBinding {
        data_type: "label",
        message_id: Some("<fuzz@example.com>"),
        version: Some(1),
    };
    if let Ok(b) = seal_user_data(puk, &binding, b"Important", &mut rng) {
        out.push(("user_data".into(), with(6, b)));
    }
    let code = RecoveryCode::generate(&mut rng);
    out.push((
        "recovery_code".into(),
        with(7, code.expose_text().as_bytes().to_vec()),
    ));
    out
}

/// Structure-aware: starts from a valid copy of the fixed mail, applies fuzzer-chosen
/// mutations (byte flips, truncation, insertion, one field taken from another mail), and
/// requires that opening either fails or gives exactly the original content.
pub fn mutate_mail(data: &[u8]) {
    let w = FuzzWorld::shared();
    let (env, pieces) = w.sample_mail(b"mutate A");
    let (env_b, pieces_b) = w.sample_mail(b"mutate B");
    let copy_of = |e: &[u8], u: UserId| {
        split_envelope(e)
            .ok()
            .and_then(|cs| cs.into_iter().find(|c| c.user == u))
            .map(|c| c.copy)
            .unwrap_or_default()
    };
    let original = copy_of(&env, w.bob);
    let other = copy_of(&env_b, w.bob);
    let mut copy = original.clone();
    let mut pieces_used: Vec<Vec<u8>> = pieces.clone();
    for op in data.chunks(4) {
        let (kind, a, b, c) = match op {
            [k, a, b, c] => (*k, *a, *b, *c),
            _ => break,
        };
        let at = usize::from(u16::from_le_bytes([a, b]));
        match kind % 5 {
            0 => {
                if let Some(len) = copy.len().checked_sub(1)
                    && let Some(byte) = copy.get_mut(at % (len + 1))
                {
                    *byte ^= c.max(1);
                }
            }
            1 => copy.truncate(at % (copy.len() + 1)),
            2 => copy.insert(at % (copy.len() + 1), c),
            3 => {
                // One field from the other mail's copy.
                if let (Ok(mut x), Ok(y)) = (Copy::parse(&copy), Copy::parse(&other)) {
                    match c % 4 {
                        0 => x.header = y.header,
                        1 => x.manifest = y.manifest,
                        2 => x.bcc_commitment = y.bcc_commitment,
                        _ => x.recipient_box = y.recipient_box,
                    }
                    copy = x.encode();
                }
                break;
            }
            _ => {
                // A piece from the other mail.
                let i = usize::from(c % 2);
                if let (Some(p), Some(q)) = (pieces_used.get_mut(i), pieces_b.get(i)) {
                    p.clone_from(q);
                }
            }
        }
    }
    let mb = Mailbox::new(&w.bob_chain, [&w.bob_puk]).without_key_transparency();
    if let Ok(opened) = open_copy(&copy, &mb, &w.chains()) {
        for (i, (used, genuine)) in pieces_used.iter().zip(&pieces).enumerate() {
            if let Ok(plaintext) = opened.open_piece(i, used) {
                let expected = crate::piece::open(
                    FUZZ_SUITE,
                    crate::piece::Purpose::MailPiece,
                    &manifest_key(&opened, i),
                    genuine,
                )
                .map(|o| o.plaintext)
                .unwrap_or_default();
                assert_eq!(
                    plaintext, expected,
                    "a mutated mail opened to other content"
                );
                assert_eq!(used, genuine, "a substituted piece opened");
            }
        }
        assert_eq!(opened.header().message_id, "<fuzz@example.com>");
    }
}

fn manifest_key(opened: &crate::mail::open::OpenedMail, i: usize) -> PieceKey {
    opened
        .manifest
        .pieces
        .get(i)
        .map(|e| PieceKey::from_bytes(*e.key.expose_secret()))
        .unwrap_or_else(|| PieceKey::from_bytes([0; 32]))
}

/// Random access to one chunk: 8 bytes of claimed total length, 8 of chunk index, then the
/// header and the chunk bytes.
pub fn piece_reader(data: &[u8]) {
    if data.len() < 16 + HEADER_LEN {
        return;
    }
    let (len, rest) = data.split_at(8);
    let (idx, rest) = rest.split_at(8);
    let (header, chunk) = rest.split_at(HEADER_LEN);
    let total = u64::from_le_bytes(len.try_into().unwrap_or([0; 8]));
    let index = u64::from_le_bytes(idx.try_into().unwrap_or([0; 8]));
    let key = PieceKey::from_bytes(FUZZ_PIECE_KEY);
    if let Ok(reader) = PieceReader::new(Suite::XWing, Purpose::MailPiece, &key, header, total) {
        let _ = reader.chunk_range(index);
        if let Ok(pt) = reader.open_chunk(index, chunk) {
            assert!(pt.len() + TAG_LEN == chunk.len());
        }
    }
}

/// Seeds for [`piece_reader`]: every chunk of a valid 3-chunk piece under the fuzz key.
pub fn piece_reader_seeds() -> Vec<(String, Vec<u8>)> {
    let key = PieceKey::from_bytes(FUZZ_PIECE_KEY);
    let pt = vec![0x33u8; 2 * 65536 + 100];
    let Ok(sealed) = crate::hazmat::seal_piece_with_nonce(
        Suite::XWing,
        Purpose::MailPiece,
        &key,
        PieceNonce([2; 32]),
        &pt,
    ) else {
        return Vec::new();
    };
    let ct = sealed.ciphertext;
    let Ok(reader) = PieceReader::new(
        Suite::XWing,
        Purpose::MailPiece,
        &key,
        &ct[..HEADER_LEN],
        ct.len() as u64,
    ) else {
        return Vec::new();
    };
    // The first (full) and the last (short, final) chunk: the middle one adds nothing new.
    [0, reader.chunk_count().saturating_sub(1)]
        .into_iter()
        .filter_map(|i| {
            let r = reader.chunk_range(i).ok()?;
            let mut seed = (ct.len() as u64).to_le_bytes().to_vec();
            seed.extend_from_slice(&i.to_le_bytes());
            seed.extend_from_slice(&ct[..HEADER_LEN]);
            seed.extend_from_slice(
                ct.get(usize::try_from(r.start).ok()?..usize::try_from(r.end).ok()?)?,
            );
            Some((alloc::format!("chunk_{i}"), seed))
        })
        .collect()
}

/// A named seed input.
pub type Seed = (String, Vec<u8>);

/// Seeds for [`decode_round_trip`] and [`server_validate`]: every wire type, valid.
pub fn wire_seeds() -> (Vec<Seed>, Vec<Seed>) {
    let w = FuzzWorld::new();
    let (env, pieces) = w.sample_mail(b"wire seeds");
    let with = |sel: u8, b: &[u8]| {
        let mut v = vec![sel];
        v.extend_from_slice(b);
        v
    };
    let mut decode = Vec::new();
    let mut validate = Vec::new();
    if let Ok(e) = Envelope::parse(&env) {
        decode.push(("header".into(), with(0, &e.header.0)));
        decode.push(("envelope".into(), with(1, &env)));
        if let Some(b) = e.boxes.first() {
            decode.push(("box".into(), with(4, &wire::encode(b))));
        }
    }
    let mut lens = vec![pieces.len() as u8];
    for p in &pieces {
        lens.extend_from_slice(&(p.len() as u32).to_le_bytes());
    }
    let mut v = lens.clone();
    v.extend_from_slice(&env);
    validate.push(("envelope".into(), v));
    if let Ok(copies) = split_envelope(&env) {
        for (i, c) in copies.iter().enumerate() {
            decode.push((alloc::format!("copy_{i}"), with(2, &c.copy)));
            let mut v = lens.clone();
            v.extend_from_slice(&c.copy);
            validate.push((alloc::format!("copy_{i}"), v));
        }
    }
    for (name, seed) in open_paths_seeds() {
        let sel = match name.as_str() {
            "seed_wrap" => 5,
            "escrow_wrap" => 7,
            "enrollment" => 8,
            "user_data" => 9,
            _ => continue,
        };
        decode.push((name, with(sel, seed.get(1..).unwrap_or_default())));
    }
    decode.push((
        "device_public".into(),
        with(12, &w.alice_device.public().to_cbor()),
    ));
    decode.push((
        "puk_public".into(),
        with(12, &w.alice_puk.public().to_cbor()),
    ));
    (decode, validate)
}
