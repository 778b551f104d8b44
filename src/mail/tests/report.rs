//! Abuse reports (SPEC.md §13): what a report proves, what it keeps back, and the reports a
//! cheating reporter cannot make.

use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::error::{AuthFailure, Error, Malformed, Misuse};
use crate::hazmat::TestUser;
use crate::keys::{DeviceId, UserId};
use crate::mail::envelope::{Origin, Party, RecipientKind};
use crate::mail::open::{OpenedMail, SenderStatus, open_copy};
use crate::mail::report::{Report, report, verify_report};
use crate::mail::seal::MailSealer;
use crate::mail::server::{InboundMail, seal_inbound, split_envelope};
use crate::suite::Suite;

const SUITE: Suite = Suite::X25519;

struct Scene {
    alice: TestUser,
    bob: TestUser,
    carol: TestUser,
    pieces: Vec<Vec<u8>>,
    envelope: Vec<u8>,
}

fn user(n: u8, name: &str, r: &mut ChaCha20Rng) -> TestUser {
    TestUser::generate(
        SUITE,
        UserId::new([n; 16]),
        &alloc::format!("{name}@example.com"),
        DeviceId::new([n ^ 0x80; 16]),
        r,
    )
    .unwrap()
}

/// Alice mails Bob (To) and Carol (BCC) a body and a private attachment.
fn scene(seed: u8) -> Scene {
    let mut r = ChaCha20Rng::from_seed([seed; 32]);
    let (alice, bob, carol) = (
        user(1, "alice", &mut r),
        user(2, "bob", &mut r),
        user(3, "carol", &mut r),
    );
    let mut mail = MailSealer::new(SUITE, alice.sender(), "<offer@example.com>", 1_700_000_000)
        .unwrap()
        .to(bob.key())
        .bcc(carol.key());
    let pieces = vec![
        mail.add_piece(b"You won a prize", &mut r).unwrap(),
        mail.add_piece(b"PRIVATE ATTACHMENT", &mut r).unwrap(),
    ];
    let envelope = mail.seal(&mut r).unwrap();
    Scene {
        alice,
        bob,
        carol,
        pieces,
        envelope,
    }
}

impl Scene {
    fn opened_by(&self, who: &TestUser) -> OpenedMail {
        let copy = split_envelope(&self.envelope)
            .unwrap()
            .into_iter()
            .find(|c| c.user == who.id)
            .unwrap()
            .copy;
        open_copy(&copy, &who.mailbox(), &[&self.alice.chain]).unwrap()
    }
}

#[test]
fn a_report_proves_the_sender_signed_exactly_the_disclosed_body() {
    let s = scene(1);
    let bytes = report(&s.opened_by(&s.bob), &[0], &s.bob.device, 1_700_000_100).unwrap();
    let v = verify_report(&bytes, &s.alice.chain, &s.bob.chain, &[&s.pieces[0]]).unwrap();
    assert_eq!(v.sender, s.alice.id);
    assert_eq!(v.sender_device, s.alice.device.id());
    assert_eq!(v.sender_status, SenderStatus::VerifiedActiveDevice);
    assert_eq!(
        (v.from.as_str(), v.from_is_senders),
        ("alice@example.com", true)
    );
    assert_eq!((v.sent_at, v.reported_at), (1_700_000_000, 1_700_000_100));
    assert_eq!(
        (v.recipient.as_str(), v.recipient_kind),
        ("bob@example.com", RecipientKind::To)
    );
    assert_eq!(
        (v.reporter, v.reporter_device),
        (s.bob.id, s.bob.device.id())
    );
    assert_eq!(v.piece_count, 2);
    assert_eq!(v.pieces.len(), 1);
    assert_eq!(
        (v.pieces[0].index, v.pieces[0].plaintext.as_slice()),
        (0, &b"You won a prize"[..])
    );
}

#[test]
fn a_report_keeps_back_the_undisclosed_pieces_the_message_key_and_the_bcc_list() {
    let s = scene(2);
    let opened = s.opened_by(&s.bob);
    let bytes = report(&opened, &[0], &s.bob.device, 1).unwrap();
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    // The attachment's key is not in it; nor is anything naming the BCC recipient.
    assert!(!contains(opened.piece_key(1).unwrap().expose_secret()));
    assert!(contains(opened.piece_key(0).unwrap().expose_secret()));
    assert!(!contains(s.carol.id.as_bytes()));
    assert!(!contains(b"carol@example.com"));
    // A BCC recipient's own report shows it was BCC, and nothing of Bob beyond the header.
    let carols = report(&s.opened_by(&s.carol), &[], &s.carol.device, 1).unwrap();
    let v = verify_report(&carols, &s.alice.chain, &s.carol.chain, &[]).unwrap();
    assert_eq!((v.recipient_kind, v.pieces.len()), (RecipientKind::Bcc, 0));
}

#[test]
fn a_reporter_cannot_alter_content_or_add_a_piece() {
    let s = scene(3);
    let bytes = report(&s.opened_by(&s.bob), &[0], &s.bob.device, 1).unwrap();
    let mut altered = s.pieces[0].clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    assert!(matches!(
        verify_report(&bytes, &s.alice.chain, &s.bob.chain, &[&altered]),
        Err(Error::Authentication(_))
    ));
    // The attachment's ciphertext offered as the body: not the body's length.
    assert_eq!(
        verify_report(&bytes, &s.alice.chain, &s.bob.chain, &[&s.pieces[1]]).err(),
        Some(Malformed::PieceSize { index: 0 }.into())
    );
    assert_eq!(
        report(&s.opened_by(&s.bob), &[2], &s.bob.device, 1).err(),
        Some(Misuse::PieceIndexOutOfRange { index: 2 }.into())
    );
}

#[test]
fn a_report_names_only_its_own_sender_and_reporter() {
    let s = scene(4);
    let bytes = report(&s.opened_by(&s.bob), &[0], &s.bob.device, 1).unwrap();
    // Another sender's chain: the signer is not its device.
    assert_eq!(
        verify_report(&bytes, &s.carol.chain, &s.bob.chain, &[&s.pieces[0]]).err(),
        Some(AuthFailure::UnknownSigner.into())
    );
    // Carol submits Bob's report as hers.
    assert_eq!(
        verify_report(&bytes, &s.alice.chain, &s.carol.chain, &[&s.pieces[0]]).err(),
        Some(Error::NotARecipient)
    );
    // Bob's copy reported with Carol's device.
    let forged = report(&s.opened_by(&s.bob), &[0], &s.carol.device, 1).unwrap();
    assert_eq!(
        verify_report(&forged, &s.alice.chain, &s.bob.chain, &[&s.pieces[0]]).err(),
        Some(AuthFailure::Reporter.into())
    );
    // Bob's own device, once his chain has revoked it, no longer speaks for him.
    let revoked = s
        .bob
        .chain
        .extend(&[s.bob.chain.server_revoke(s.bob.device.id(), 2)])
        .unwrap();
    assert_eq!(
        verify_report(&bytes, &s.alice.chain, &revoked, &[&s.pieces[0]]).err(),
        Some(AuthFailure::Reporter.into())
    );
    // A disclosed index is one of the mail's pieces before the service fetches anything:
    // the mail has two, so 1 parses and 2 does not.
    let at = |i| Report::parse(&crate::mail::report::with_first_index(&bytes, i));
    assert!(at(1).is_ok());
    assert_eq!(at(2).err(), Some(Malformed::ManifestMismatch.into()));
    // Any uint is an index (§4.1), so one past 16 bits is the same mismatch, not schema.
    assert_eq!(at(1 << 16).err(), Some(Malformed::ManifestMismatch.into()));
    assert_eq!(at(u64::MAX).err(), Some(Malformed::ManifestMismatch.into()));
    // The parsed report tells the service which ciphertexts to fetch, and who reports.
    let parsed = Report::parse(&bytes).unwrap();
    assert_eq!((parsed.disclosed(), parsed.reporter()), (vec![0], s.bob.id));
}

#[test]
fn server_sealed_mail_cannot_be_reported_as_signed() {
    let mut r = ChaCha20Rng::from_seed([5; 32]);
    let bob = user(2, "bob", &mut r);
    let inbound = InboundMail {
        origin: Origin::InboundExternal,
        sender_address: "eve@elsewhere.example".into(),
        sender_user: None,
        message_id: "<in@elsewhere.example>".into(),
        timestamp: 12,
        to: vec![Party {
            address: bob.address.clone(),
            user: Some(bob.id),
        }],
        cc: vec![],
        recipients: vec![bob.key()],
        pieces: vec![b"hello".as_slice()],
    };
    let sealed = seal_inbound(SUITE, &inbound, &mut r).unwrap();
    let copy = &split_envelope(&sealed.envelope).unwrap()[0].copy;
    let opened = open_copy(copy, &bob.mailbox(), &[&bob.chain]).unwrap();
    assert_eq!(
        report(&opened, &[0], &bob.device, 1).err(),
        Some(Misuse::ReportOfUnsignedMail.into())
    );
}

#[test]
fn a_mailbox_holds_keys_from_anywhere_and_lists_their_generations() {
    // Keys kept apart (before and after a rotation) go into one mailbox without moving.
    let mut r = ChaCha20Rng::from_seed([6; 32]);
    let bob = user(2, "bob", &mut r);
    let older = crate::keys::PukSecret::generate(SUITE, bob.id, 7, &mut r).unwrap();
    let mailbox =
        crate::mail::open::Mailbox::new(&bob.chain, [&older, &bob.puk]).without_key_transparency();
    assert_eq!(mailbox.generations().collect::<Vec<_>>(), vec![7, 1]);
    let none =
        crate::mail::open::Mailbox::new(&bob.chain, core::iter::empty()).without_key_transparency();
    assert_eq!(none.generations().count(), 0);
}

/// SPEC.md §13.2: only a recipient's copy can be reported; the sender's own copy is refused
/// when the report is made, not only when it is verified.
#[test]
fn the_senders_own_copy_cannot_be_reported() {
    let mut r = ChaCha20Rng::from_seed([6; 32]);
    let alice = user(1, "alice", &mut r);
    let bob = user(2, "bob", &mut r);
    let mut mail = MailSealer::new(SUITE, alice.sender(), "<own@example.com>", 1)
        .unwrap()
        .to(bob.key());
    mail.add_piece(b"hello", &mut r).unwrap();
    let envelope = mail.seal(&mut r).unwrap();
    let own = split_envelope(&envelope)
        .unwrap()
        .into_iter()
        .find(|c| c.user == alice.id)
        .unwrap()
        .copy;
    let opened = open_copy(
        &own,
        &alice.mailbox().without_key_transparency(),
        &[&alice.chain],
    )
    .unwrap();
    assert_eq!(
        report(&opened, &[0], &alice.device, 1).err(),
        Some(Misuse::ReportNotByRecipient.into())
    );
}
