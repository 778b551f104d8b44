//! Targets for the decoders and openers that each deserve a fuzzer of their own: link copies
//! with their fragments, user-data blobs, recovery codes, seed-wrap batches and the verified
//! piece stream (tag lists).

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::{FUZZ_PIECE_KEY, FuzzWorld, Seed, split_points};
use crate::account::backup::RecoveryCode;
use crate::account::devices::{SeedWrap, open_seed_wraps, wrap_seeds};
use crate::account::userdata::{UserDataBinding, open_user_data, seal_user_data};
use crate::hazmat::XofRng;
use crate::keys::{PukSecret, PukSeed};
use crate::mail::envelope::RecipientKind;
use crate::mail::link::open_link_copy;
use crate::mail::seal::{MailSealer, SenderIdentity};
use crate::mail::server::link_copy;
use crate::piece::{self, PieceKey, Purpose, VerifiedPieceDecryptor};
use crate::suite::Suite;
use crate::wire;

/// The expiry of the seed link mail; the target reads its clock from the input.
const LINK_EXPIRY: u64 = 1_000;

/// Access-restricted mail: a fragment length byte, the fragment, two bytes of clock, then the
/// link copy. Whatever opens must open its body piece's digest-checked entry, and be
/// Server Encrypted.
pub fn link_copy_target(data: &[u8]) {
    let Some((&len, rest)) = data.split_first() else {
        return;
    };
    let (fragment, rest) = rest.split_at(usize::from(len).min(rest.len()));
    let (clock, copy) = rest.split_at(2.min(rest.len()));
    let now = u64::from(u16::from_le_bytes([
        clock.first().copied().unwrap_or(0),
        clock.get(1).copied().unwrap_or(0),
    ]));
    let Ok(fragment) = core::str::from_utf8(fragment) else {
        return;
    };
    if let Ok(opened) = open_link_copy(copy, fragment, now) {
        assert!(
            now <= opened.header().expiry.unwrap_or(0),
            "expired link opened"
        );
        assert_eq!(opened.recipient_kind(), RecipientKind::Link);
        let c = crate::mail::footer::classify(&opened, true);
        assert_eq!(c.footer, crate::mail::footer::Footer::ServerEncrypted);
        assert!(opened.piece_digest(0).is_ok());
    }
}

/// Seeds: a valid link copy with its fragment, before and at the expiry.
pub fn link_copy_seeds() -> Vec<Seed> {
    let w = FuzzWorld::new();
    let mut rng = XofRng::new(b"link seeds");
    let sender = SenderIdentity {
        address: "alice@example.com",
        puk: &w.alice_puk,
        device: &w.alice_device,
        chain: &w.alice_chain,
    };
    let sealed = (|| {
        let mut s = MailSealer::new(Suite::X25519, sender, "<link@example.com>", 1)?
            .external(RecipientKind::To, "dan@elsewhere.example")
            .access_restricted(LINK_EXPIRY);
        s.add_piece(b"linked body", &mut rng)?;
        s.seal_restricted(&mut rng)
    })();
    let Ok((envelope, fragment)) = sealed else {
        return Vec::new();
    };
    let Ok(Some(copy)) = link_copy(&envelope) else {
        return Vec::new();
    };
    [(0u16, "early"), (LINK_EXPIRY as u16, "at_expiry")]
        .into_iter()
        .map(|(now, name)| {
            let text = fragment.expose_text().as_bytes();
            let mut seed = vec![text.len() as u8];
            seed.extend_from_slice(text);
            seed.extend_from_slice(&now.to_le_bytes());
            seed.extend_from_slice(&copy);
            (String::from(name), seed)
        })
        .collect()
}

/// The bindings the user-data target opens under; the first input byte picks one and a
/// minimum version.
fn user_data_binding(selector: u8) -> UserDataBinding<'static> {
    match selector % 3 {
        0 => UserDataBinding {
            data_type: "label",
            message_id: Some("<fuzz@example.com>"),
            version: Some(1),
        },
        1 => UserDataBinding {
            data_type: "folder",
            message_id: None,
            version: None,
        },
        _ => UserDataBinding {
            data_type: "setting:theme",
            message_id: None,
            version: Some(u64::MAX),
        },
    }
}

/// A user-data blob opened as Bob under a fuzzer-chosen binding and minimum version: what
/// opens decodes canonically and re-seals to a blob that opens to the same plaintext.
pub fn user_data_target(data: &[u8]) {
    let Some((&selector, blob)) = data.split_first() else {
        return;
    };
    let w = FuzzWorld::shared();
    let binding = user_data_binding(selector);
    let min_version = (selector & 0x80 != 0).then_some(u64::from(selector & 0x0f));
    let puks = core::slice::from_ref(&w.bob_puk);
    if let Ok(plaintext) = open_user_data(blob, &w.bob, puks, &binding, min_version) {
        let mut rng = XofRng::new(blob);
        let resealed = seal_user_data(&w.bob_puk, &binding, &plaintext, &mut rng)
            .unwrap_or_else(|e| panic!("re-seal: {e}"));
        let again = open_user_data(&resealed, &w.bob, puks, &binding, None)
            .unwrap_or_else(|e| panic!("re-open: {e}"));
        assert_eq!(again, plaintext);
    }
}

/// Seeds: a valid blob for each binding.
pub fn user_data_seeds() -> Vec<Seed> {
    let w = FuzzWorld::new();
    let mut rng = XofRng::new(b"user data seeds");
    (0u8..3)
        .filter_map(|selector| {
            let b = user_data_binding(selector);
            let blob = seal_user_data(&w.bob_puk, &b, b"Projects/Q3", &mut rng).ok()?;
            let mut seed = vec![selector];
            seed.extend_from_slice(&blob);
            Some((alloc::format!("binding_{selector}"), seed))
        })
        .collect()
}

/// Typed recovery codes: what parses re-parses from its canonical text to the same device,
/// and reads the same after the reader's normalisation (case, separators, O/I/L).
pub fn recovery_code_target(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(code) = RecoveryCode::parse(text) else {
        return;
    };
    let again = RecoveryCode::parse(code.expose_text()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.expose_text(), code.expose_text());
    let normalised: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    let canonical: String = code.expose_text().chars().filter(|c| *c != '-').collect();
    assert_eq!(normalised, canonical, "two spellings of one code differ");
    let id = crate::keys::DeviceId::new([0xbb; 16]);
    assert_eq!(
        crate::account::backup::backup_device(Suite::X25519, &code, id).public(),
        crate::account::backup::backup_device(Suite::X25519, &again, id).public()
    );
}

/// Seeds: valid codes, shown and typed loosely.
pub fn recovery_code_seeds() -> Vec<Seed> {
    let mut rng = XofRng::new(b"recovery seeds");
    (0..3)
        .map(|i| {
            let code = RecoveryCode::generate(&mut rng);
            let text = match i {
                0 => String::from(code.expose_text()),
                1 => code.expose_text().to_lowercase().replace('-', " "),
                _ => code.expose_text().replace('0', "o").replace('1', "l"),
            };
            (alloc::format!("code_{i}"), text.into_bytes())
        })
        .collect()
}

/// A seed-wrap batch opened on Bob's device: every opened seed is Bob's, of the generation
/// its wrap names, and whatever decodes re-encodes to the same bytes.
pub fn seed_wrap_batch_target(data: &[u8]) {
    let w = FuzzWorld::shared();
    if let Ok(wraps) =
        wire::decode::<Vec<SeedWrap>>(data, usize::MAX, crate::error::Limit::WrapSize)
    {
        assert_eq!(wire::encode(&wraps), data, "batch re-encodes differently");
    }
    if let Ok(seeds) = open_seed_wraps(data, &w.bob_device, &w.bob_chain, None) {
        for s in &seeds {
            assert_eq!(s.puk.public().user, w.bob);
        }
    }
}

/// Seeds: a batch of Bob's PUK, approved by Bob's laptop for his phone.
pub fn seed_wrap_batch_seeds() -> Vec<Seed> {
    let w = FuzzWorld::new();
    let mut rng = XofRng::new(b"batch seeds");
    let puks: Vec<PukSecret> = (1u32..=1)
        .filter_map(|g| {
            PukSecret::derive(Suite::X25519, w.bob, g, PukSeed::from_bytes([12; 32])).ok()
        })
        .collect();
    wrap_seeds(&puks, w.bob, w.bob_device.public(), &w.bob_laptop, &mut rng)
        .map(|batch| vec![(String::from("three_generations"), batch)])
        .unwrap_or_default()
}

/// Verified streaming: the fuzzer's bytes are the ciphertext (with split points); the tag
/// list and the digest are computed from them without the key, as a server and a manifest
/// would. The verified stream must agree exactly with the one-shot opener, and a tag list
/// with one byte changed (the last input byte picks it) must be refused up front.
pub fn verified_piece_target(data: &[u8]) {
    let (points, ciphertext) = split_points(data);
    let (s, p) = (Suite::XWing, Purpose::MailPiece);
    let key = PieceKey::from_bytes(FUZZ_PIECE_KEY);
    let (Ok(list), Ok(digest)) = (piece::tag_list(ciphertext), piece::digest(s, p, ciphertext))
    else {
        return;
    };
    let len = ciphertext.len() as u64;
    let one_shot = piece::open_expecting(s, p, &key, ciphertext, &digest);
    let verified =
        VerifiedPieceDecryptor::new(s, p, &key, &list, len, &digest).and_then(|mut d| {
            let mut out = Vec::new();
            let mut last = 0;
            for point in points.iter().copied().chain([ciphertext.len()]) {
                if let Some(part) = ciphertext.get(last..point) {
                    d.push(part, &mut out)?;
                }
                last = point;
            }
            d.finish().map(|()| out)
        });
    match (&one_shot, &verified) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "verified and one-shot plaintexts differ"),
        (Err(_), Err(_)) => {}
        _ => panic!("verified and one-shot disagree: {one_shot:?} vs {verified:?}"),
    }
    if let Some(&pick) = ciphertext.last() {
        let mut forged = list.clone();
        let at = usize::from(pick) % forged.len();
        if let Some(b) = forged.get_mut(at) {
            *b ^= 1;
        }
        assert!(
            VerifiedPieceDecryptor::new(s, p, &key, &forged, len, &digest).is_err(),
            "a changed tag list was vouched for"
        );
    }
}
