//! Tests of sealing, splitting and opening whole mails. Each defence has a named test that
//! fails when the defence is removed.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::error::{AuthFailure, Error, Field, Malformed};
use crate::identity::{self, ChainState};
use crate::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use crate::mail::envelope::sender_record::SenderRecord;
use crate::mail::envelope::{Copy, Envelope, RecipientKind};
use crate::mail::open::{Mailbox, OpenedMail, SenderStatus, open_copy};
use crate::mail::seal::{Message, RecipientKey, SealedMail, SenderIdentity, seal_mail};
use crate::mail::server::{RecipientCopy, split_envelope};
use crate::piece::{self, PieceKey, Purpose};
use crate::suite::Suite;

struct User {
    id: UserId,
    address: String,
    puks: Vec<PukSecret>,
    device: DeviceSecret,
    chain: ChainState,
}

impl User {
    fn new(n: u8, suite: Suite, rng: &mut ChaCha20Rng) -> User {
        let id = UserId::new([n; 16]);
        let address = format!("user{n}@example.com");
        let puks = vec![PukSecret::generate(suite, id, 1, rng).unwrap()];
        let device = DeviceSecret::generate(suite, DeviceId::new([n ^ 0x80; 16]), rng);
        let root = identity::root(suite, id, &device, puks[0].public(), &[&address], 1).unwrap();
        User {
            id,
            address,
            puks,
            device,
            chain: ChainState::verify(&[root]).unwrap(),
        }
    }

    fn key(&self) -> RecipientKey {
        RecipientKey::from_chain(self.address.clone(), &self.chain).unwrap()
    }

    fn sender(&self) -> SenderIdentity<'_> {
        SenderIdentity {
            address: &self.address,
            puk: self.puks.last().unwrap(),
            device: &self.device,
            chain: &self.chain,
        }
    }

    fn mailbox(&self) -> Mailbox<'_> {
        Mailbox::new(&self.chain, &self.puks).without_key_transparency()
    }

    fn open(&self, copy: &[u8], sender: &User) -> Result<OpenedMail, Error> {
        open_copy(copy, &self.mailbox(), &[&sender.chain])
    }
}

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

fn message<'p>(to: &[&User], cc: &[&User], bcc: &[&User], pieces: Vec<&'p [u8]>) -> Message<'p> {
    Message {
        message_id: "<m1@example.com>".into(),
        timestamp: 1_700_000_000,
        to: to.iter().map(|u| u.key()).collect(),
        cc: cc.iter().map(|u| u.key()).collect(),
        bcc: bcc.iter().map(|u| u.key()).collect(),
        bcc_text: bcc
            .iter()
            .map(|u| u.address.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        pieces,
        ..Message::default()
    }
}

fn copy_for<'c>(copies: &'c [RecipientCopy], user: &User) -> &'c [u8] {
    &copies
        .iter()
        .find(|c| c.user == user.id)
        .expect("a copy for the user")
        .copy
}

fn sealed(
    sender: &User,
    msg: &Message<'_>,
    r: &mut ChaCha20Rng,
) -> (SealedMail, Vec<RecipientCopy>) {
    let mail = seal_mail(
        sender.device.public().encryption_key.suite(),
        sender.sender(),
        msg,
        r,
    )
    .unwrap();
    let copies = split_envelope(&mail.envelope).unwrap();
    (mail, copies)
}

fn check_all_open(
    sender: &User,
    users: &[(&User, RecipientKind)],
    msg: &Message<'_>,
    mail: &SealedMail,
    copies: &[RecipientCopy],
) {
    for (u, kind) in users {
        let opened = u.open(copy_for(copies, u), sender).unwrap();
        assert_eq!(opened.recipient_kind(), *kind);
        assert_eq!(opened.sender_status(), SenderStatus::VerifiedActiveDevice);
        assert!(opened.e2e_flag());
        assert_eq!(opened.piece_count(), msg.pieces.len());
        for (i, p) in msg.pieces.iter().enumerate() {
            assert_eq!(opened.open_piece(i, &mail.pieces[i]).unwrap(), *p);
        }
    }
}

/// To, CC, BCC and pieces of one round-trip case.
type Case<'a> = (Vec<&'a User>, Vec<&'a User>, Vec<&'a User>, Vec<&'a [u8]>);

#[test]
fn round_trips_across_suites_recipient_mixes_and_attachments() {
    for suite in Suite::ALL {
        let mut r = rng(1);
        let users: Vec<User> = (1..=6).map(|n| User::new(n, suite, &mut r)).collect();
        let [alice, bob, carol, dave, erin, frank] = &users[..] else {
            unreachable!()
        };
        let big = vec![7u8; 200_000];
        let cases: Vec<Case> = vec![
            (vec![bob], vec![], vec![], vec![b"body only"]),
            (vec![bob, carol], vec![], vec![], vec![b"body", b"att1"]),
            (vec![bob], vec![carol], vec![dave], vec![b"body", b"", &big]),
            (
                vec![],
                vec![],
                vec![bob, carol],
                vec![b"b", b"1", b"2", b"3", b"4", b"5"],
            ),
            (
                vec![bob, carol],
                vec![dave, erin],
                vec![frank],
                vec![b"b", &big, b"x"],
            ),
        ];
        for (to, cc, bcc, pieces) in cases {
            let msg = message(&to, &cc, &bcc, pieces);
            let (mail, copies) = sealed(alice, &msg, &mut r);
            assert_eq!(copies.len(), 1 + to.len() + cc.len() + bcc.len());
            let mut who: Vec<(&User, RecipientKind)> = vec![(alice, RecipientKind::Sender)];
            who.extend(to.iter().map(|u| (*u, RecipientKind::To)));
            who.extend(cc.iter().map(|u| (*u, RecipientKind::Cc)));
            who.extend(bcc.iter().map(|u| (*u, RecipientKind::Bcc)));
            check_all_open(alice, &who, &msg, &mail, &copies);
            let sent = alice.open(copy_for(&copies, alice), alice).unwrap();
            let record = sent
                .sent_record()
                .expect("the sender's copy has its record");
            assert_eq!(record.bcc, msg.bcc_text);
            assert_eq!(record.recipients.len(), who.len());
        }
    }
}

#[test]
fn fifty_recipients_each_open_their_own_copy() {
    let mut r = rng(2);
    let suite = Suite::X25519;
    let alice = User::new(200, suite, &mut r);
    let others: Vec<User> = (0..49).map(|n| User::new(n, suite, &mut r)).collect();
    let to: Vec<&User> = others[..20].iter().collect();
    let cc: Vec<&User> = others[20..40].iter().collect();
    let bcc: Vec<&User> = others[40..].iter().collect();
    let msg = message(&to, &cc, &bcc, vec![b"hello all"]);
    let (mail, copies) = sealed(&alice, &msg, &mut r);
    assert_eq!(copies.len(), 50);
    for u in &others {
        let opened = u.open(copy_for(&copies, u), &alice).unwrap();
        assert_eq!(opened.open_piece(0, &mail.pieces[0]).unwrap(), b"hello all");
        // Nobody can open someone else's copy.
        let other = &others[(others.iter().position(|o| o.id == u.id).unwrap() + 1) % others.len()];
        assert_eq!(
            other.open(copy_for(&copies, u), &alice).err(),
            Some(Error::NotARecipient)
        );
    }
}

#[test]
fn a_users_second_device_and_older_generations_open_too() {
    let mut r = rng(3);
    let suite = Suite::XWing;
    let alice = User::new(1, suite, &mut r);
    let mut bob = User::new(2, suite, &mut r);
    let msg = message(&[&bob], &[], &[], vec![b"to gen 1"]);
    let (mail, copies) = sealed(&alice, &msg, &mut r);
    // Bob rotates to generation 2; his copy of the gen-1 mail still opens with the old seed,
    // derived afresh as a second device would from the wrapped seed.
    let seed = *bob.puks[0].seed().expose_secret();
    bob.puks
        .push(PukSecret::generate(suite, bob.id, 2, &mut r).unwrap());
    let second_device_puks =
        vec![PukSecret::derive(suite, bob.id, 1, crate::keys::PukSeed::from_bytes(seed)).unwrap()];
    let opened = open_copy(
        copy_for(&copies, &bob),
        &Mailbox::new(&bob.chain, &second_device_puks).without_key_transparency(),
        &[&alice.chain],
    )
    .unwrap();
    assert_eq!(opened.open_piece(0, &mail.pieces[0]).unwrap(), b"to gen 1");
    assert!(bob.open(copy_for(&copies, &bob), &alice).is_ok());
}

#[test]
fn drafts_are_sealed_to_the_senders_own_puk_only() {
    let mut r = rng(4);
    let alice = User::new(1, Suite::X25519, &mut r);
    let mut draft =
        crate::mail::seal::MailSealer::new(Suite::X25519, alice.sender(), "<d@example.com>", 1)
            .unwrap();
    let body = draft.add_piece(b"draft text", &mut r).unwrap();
    let envelope = draft.seal_draft(&mut r).unwrap();
    let copies = split_envelope(&envelope).unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(Envelope::parse(&envelope).unwrap().boxes.len(), 1);
    let opened = alice.open(&copies[0].copy, &alice).unwrap();
    assert_eq!(opened.open_piece(0, &body).unwrap(), b"draft text");
}

/// A small mail to flip, truncate and extend byte by byte.
fn small_mail(suite: Suite) -> (User, User, Vec<u8>) {
    let mut r = rng(5);
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let msg = message(&[&bob], &[], &[], vec![b"x"]);
    let (_, copies) = sealed(&alice, &msg, &mut r);
    let copy = copy_for(&copies, &bob).to_vec();
    (alice, bob, copy)
}

#[test]
fn every_byte_of_a_copy_flipped_is_an_error() {
    let (alice, bob, copy) = small_mail(Suite::X25519);
    assert!(bob.open(&copy, &alice).is_ok());
    for i in 0..copy.len() {
        let mut bad = copy.clone();
        bad[i] ^= 0x01;
        assert!(
            bob.open(&bad, &alice).is_err(),
            "byte {i} flipped still opened"
        );
    }
}

#[test]
fn every_truncation_and_extension_of_a_copy_is_an_error() {
    let (alice, bob, copy) = small_mail(Suite::X25519);
    for len in 0..copy.len() {
        assert!(
            bob.open(&copy[..len], &alice).is_err(),
            "truncated to {len}"
        );
    }
    for extra in [&[0u8][..], &[0xf6], &[0x00, 0x00]] {
        let mut longer = copy.clone();
        longer.extend_from_slice(extra);
        assert_eq!(
            bob.open(&longer, &alice).err(),
            Some(Error::Malformed(Malformed::Cbor(
                crate::error::CborError::TrailingBytes
            )))
        );
    }
}

#[test]
fn box_moved_into_another_message_is_rejected() {
    let mut r = rng(6);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let (_, copies_a) = sealed(&alice, &message(&[&bob], &[], &[], vec![b"first"]), &mut r);
    let (_, copies_b) = sealed(&alice, &message(&[&bob], &[], &[], vec![b"second"]), &mut r);
    let mut b = Copy::parse(copy_for(&copies_b, &bob)).unwrap();
    b.recipient_box = Copy::parse(copy_for(&copies_a, &bob))
        .unwrap()
        .recipient_box;
    assert_eq!(
        bob.open(&b.encode(), &alice).err(),
        Some(AuthFailure::RecipientBox.into())
    );
}

#[test]
fn header_swapped_into_another_copy_is_rejected() {
    let mut r = rng(7);
    let suite = Suite::XWing;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let (_, copies_a) = sealed(&alice, &message(&[&bob], &[], &[], vec![b"first"]), &mut r);
    let mut msg = message(&[&bob], &[], &[], vec![b"other"]);
    msg.message_id = "<m2@example.com>".into();
    let (_, copies_b) = sealed(&alice, &msg, &mut r);
    let mut a = Copy::parse(copy_for(&copies_a, &bob)).unwrap();
    a.header = Copy::parse(copy_for(&copies_b, &bob)).unwrap().header;
    assert_eq!(
        bob.open(&a.encode(), &alice).err(),
        Some(AuthFailure::RecipientBox.into())
    );
    let mut a = Copy::parse(copy_for(&copies_a, &bob)).unwrap();
    a.manifest = Copy::parse(copy_for(&copies_b, &bob)).unwrap().manifest;
    assert_eq!(
        bob.open(&a.encode(), &alice).err(),
        Some(AuthFailure::RecipientBox.into())
    );
}

#[test]
fn co_recipient_reencrypting_under_the_piece_key_is_rejected_by_the_digest() {
    let mut r = rng(8);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let carol = User::new(3, suite, &mut r);
    let msg = message(&[&bob, &carol], &[], &[], vec![b"pay Bob 10 "]);
    let (mail, copies) = sealed(&alice, &msg, &mut r);
    // Bob knows the piece key from his manifest and makes a same-length forgery under it.
    let bobs = bob.open(copy_for(&copies, &bob), &alice).unwrap();
    let key = PieceKey::from_bytes(*bobs.manifest.pieces[0].key.expose_secret());
    let forged = piece::seal(suite, Purpose::MailPiece, &key, &mut r, b"pay Bob 999")
        .unwrap()
        .ciphertext;
    assert_eq!(forged.len(), mail.pieces[0].len());
    let carols = carol.open(copy_for(&copies, &carol), &alice).unwrap();
    assert_eq!(
        carols.open_piece(0, &forged).err(),
        Some(AuthFailure::PieceDigest.into())
    );
    assert_eq!(
        carols.open_piece(0, &mail.pieces[0]).unwrap(),
        b"pay Bob 10 "
    );
}

/// A three-chunk attachment from Alice to Bob and Carol, and Bob's forgery of it under the
/// piece key he knows: same length, same header, other content.
fn attachment_and_co_recipient_forgery() -> (User, User, SealedMail, Vec<RecipientCopy>, Vec<u8>) {
    let mut r = rng(41);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let carol = User::new(3, suite, &mut r);
    let attachment = vec![0x11u8; 2 * piece::CHUNK_SIZE + 100];
    let msg = message(
        &[&bob, &carol],
        &[],
        &[],
        vec![b"see attached", &attachment],
    );
    let (mail, copies) = sealed(&alice, &msg, &mut r);
    let bobs = bob.open(copy_for(&copies, &bob), &alice).unwrap();
    let key = PieceKey::from_bytes(*bobs.manifest.pieces[1].key.expose_secret());
    let nonce: [u8; 32] = mail.pieces[1][..32].try_into().unwrap();
    let forged = piece::seal_with_nonce(
        suite,
        Purpose::MailPiece,
        &key,
        crate::piece::PieceNonce(nonce),
        &vec![0x99u8; attachment.len()],
    )
    .unwrap()
    .ciphertext;
    assert_eq!(forged[..64], mail.pieces[1][..64], "same header");
    (alice, carol, mail, copies, forged)
}

#[test]
fn streamed_attachment_is_checked_against_the_manifest_at_finish() {
    let (alice, carol, mail, copies, forged) = attachment_and_co_recipient_forgery();
    let carols = carol.open(copy_for(&copies, &carol), &alice).unwrap();
    let stream = |ct: &[u8]| {
        let mut dec = carols.piece_decryptor(1)?;
        let mut out = Vec::new();
        for part in ct.chunks(5000) {
            dec.push(part, &mut out)?;
        }
        dec.finish(&mut out).map(|()| out)
    };
    assert_eq!(
        stream(&mail.pieces[1]).unwrap().len(),
        2 * piece::CHUNK_SIZE + 100
    );
    // Bob's forgery authenticates under the piece key, but not against the manifest.
    assert_eq!(stream(&forged).err(), Some(AuthFailure::PieceDigest.into()));
    // Cut short, or longer than the header says: refused.
    let cut = &mail.pieces[1][..mail.pieces[1].len() - piece::CHUNK_SIZE];
    assert_eq!(
        stream(cut).err(),
        Some(Malformed::PieceSize { index: 1 }.into())
    );
    let mut longer = mail.pieces[1].clone();
    longer.push(0);
    let mut dec = carols.piece_decryptor(1).unwrap();
    assert_eq!(
        dec.push(&longer, &mut Vec::new()).err(),
        Some(Malformed::PieceSize { index: 1 }.into())
    );
    assert_eq!(
        dec.push(b"", &mut Vec::new()).err(),
        Some(crate::error::Misuse::StreamFailed.into())
    );
}

#[test]
fn verified_streaming_releases_no_byte_a_co_recipient_substituted() {
    let (alice, carol, mail, copies, forged) = attachment_and_co_recipient_forgery();
    let carols = carol.open(copy_for(&copies, &carol), &alice).unwrap();
    // The server cuts the tag list out of the stored piece without any key.
    let tags = piece::tag_list(&mail.pieces[1]).unwrap();
    let mut dec = carols.verified_piece_decryptor(1, &tags).unwrap();
    let mut out = Vec::new();
    for part in mail.pieces[1].chunks(7000) {
        dec.push(part, &mut out).unwrap();
    }
    dec.finish().unwrap();
    assert_eq!(out, vec![0x11u8; 2 * piece::CHUNK_SIZE + 100]);

    // Bob's forgery: not one byte comes out, at the first chunk.
    let mut dec = carols.verified_piece_decryptor(1, &tags).unwrap();
    let mut out = Vec::new();
    assert_eq!(
        dec.push(&forged, &mut out).err(),
        Some(AuthFailure::Chunk { index: 0 }.into())
    );
    assert!(out.is_empty());
    // A tag list of the forgery does not match the manifest's digest.
    assert_eq!(
        carols
            .verified_piece_decryptor(1, &piece::tag_list(&forged).unwrap())
            .err(),
        Some(AuthFailure::PieceDigest.into())
    );
    // A truncated download releases only authentic chunks, and finish says it is incomplete.
    let mut dec = carols.verified_piece_decryptor(1, &tags).unwrap();
    let mut out = Vec::new();
    dec.push(&mail.pieces[1][..64 + piece::FULL_CHUNK_LEN + 10], &mut out)
        .unwrap();
    assert_eq!(out, vec![0x11u8; piece::CHUNK_SIZE]);
    assert_eq!(dec.finish().err(), Some(Malformed::PieceTruncated.into()));
    // Random access: the forged middle chunk is refused, the real one opens.
    let reader = carols.verified_piece_reader(1, &tags).unwrap();
    let range = reader.chunk_range(1).unwrap();
    let (a, b) = (range.start as usize, range.end as usize);
    assert_eq!(
        reader.open_chunk(1, &forged[a..b]).err(),
        Some(AuthFailure::Chunk { index: 1 }.into())
    );
    assert_eq!(
        reader.open_chunk(1, &mail.pieces[1][a..b]).unwrap(),
        vec![0x11u8; piece::CHUNK_SIZE]
    );
}

#[test]
fn piece_crafted_under_another_key_fails_at_the_commitment() {
    let mut r = rng(9);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let (mail, copies) = sealed(
        &alice,
        &message(&[&bob], &[], &[], vec![b"genuine"]),
        &mut r,
    );
    let other = PieceKey::generate(&mut r);
    let crafted = piece::seal(suite, Purpose::MailPiece, &other, &mut r, b"crafted")
        .unwrap()
        .ciphertext;
    assert_eq!(crafted.len(), mail.pieces[0].len());
    let opened = bob.open(copy_for(&copies, &bob), &alice).unwrap();
    assert_eq!(
        opened.open_piece(0, &crafted).err(),
        Some(AuthFailure::KeyCommitment.into())
    );
}

/// Re-encrypts the sender record of `alice`'s copy after `edit`.
fn edit_sender_record(alice: &User, copy: &[u8], edit: impl FnOnce(&mut SenderRecord)) -> Vec<u8> {
    let mut c = Copy::parse(copy).unwrap();
    let (_, suite) = crate::mail::envelope::RoutingHeader::parse(&c.header.0).unwrap();
    let key = sender_record_key_of(alice, &c, suite);
    let mut record = SenderRecord::open(suite, &key, &c.sender_record.as_ref().unwrap().0).unwrap();
    edit(&mut record);
    let mut r = rng(99);
    c.sender_record = Some(crate::wire::Bytes(
        record.seal(suite, &key, &mut r).unwrap(),
    ));
    c.encode()
}

/// The key of the sender record in `alice`'s own copy (SPEC.md §6.2).
fn sender_record_key_of(alice: &User, c: &Copy, suite: Suite) -> PieceKey {
    let (_, digest) = open_box(alice, alice, c, suite);
    let puk = alice.puks.last().unwrap();
    crate::mail::envelope::build::sender_record_key(puk, &digest)
}

fn message_key_of(user: &User, sender: &User, c: &Copy, suite: Suite) -> PieceKey {
    open_box(user, sender, c, suite).0
}

/// Opens `user`'s box in copy `c` of `sender`'s mail by hand: its message key and its
/// recipient digest.
fn open_box(user: &User, sender: &User, c: &Copy, suite: Suite) -> (PieceKey, [u8; 32]) {
    use crate::mail::envelope::digest::{
        DigestInput, RecipientEntry, box_info, header_hash, recipient_digest,
    };
    let (header, _) = crate::mail::envelope::RoutingHeader::parse(&c.header.0).unwrap();
    let b = &c.recipient_box;
    let puk = user
        .puks
        .iter()
        .find(|p| p.generation() == b.generation)
        .unwrap();
    let manifest_digest = piece::digest(suite, Purpose::Manifest, &c.manifest.0).unwrap();
    let fp = puk.public().mail_key.fingerprint();
    let d = recipient_digest(&DigestInput {
        suite,
        header_hash: &header_hash(&c.header.0),
        sender: crate::mail::envelope::digest::SenderBinding::signed(
            header.sender.user.as_ref().unwrap(),
            header.sender.device.as_ref().unwrap(),
            &sender.device.public().verifying_key,
            header.sender.chain.unwrap(),
        ),
        recipient: RecipientEntry {
            address: &b.address,
            user: &b.user,
            generation: b.generation,
            kind: RecipientKind::from_code(b.kind).unwrap(),
            key_fingerprint: &fp,
            tail: b.tail.as_ref(),
        },
        manifest_digest: &manifest_digest,
        bcc_commitment: &c.bcc_commitment.0,
    });
    // The sender's own box is symmetric (SPEC.md §6.4); every other box is HPKE.
    let pt = if b.kind == RecipientKind::Sender.code() {
        let key = crate::mail::envelope::build::self_box_key(puk, &d);
        piece::open(suite, Purpose::SelfBox, &key, &b.ciphertext.0)
            .unwrap()
            .plaintext
    } else {
        crate::keys::kem::open(
            puk.mail_secret(),
            &b.enc.0,
            &box_info(suite),
            &d,
            &b.ciphertext.0,
        )
        .unwrap()
        .to_vec()
    };
    let inner = crate::mail::envelope::recipient_box::BoxPlaintext::decode(&pt).unwrap();
    (PieceKey::from_bytes(inner.message_key), d)
}

#[test]
fn bcc_list_stays_closed_to_recipients_who_know_the_message_key() {
    // Bob knows the message key (his box carries it) and may obtain the stored envelope,
    // sender record included: it must not open under anything he holds (SPEC.md §6.2).
    let mut r = rng(40);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let dave = User::new(4, suite, &mut r);
    let msg = message(&[&bob], &[], &[&dave], vec![b"body"]);
    let (mail, copies) = sealed(&alice, &msg, &mut r);
    let envelope = Envelope::parse(&mail.envelope).unwrap();
    let record = &envelope.sender_record.as_ref().unwrap().0;
    let bobs = Copy::parse(copy_for(&copies, &bob)).unwrap();
    let mk = message_key_of(&bob, &alice, &bobs, suite);
    assert_eq!(
        SenderRecord::open(suite, &mk, record).err(),
        Some(AuthFailure::RecipientList.into())
    );
    // Only the sender's own user opens it, and it names Dave.
    let own = Copy::parse(copy_for(&copies, &alice)).unwrap();
    let key = sender_record_key_of(&alice, &own, suite);
    let opened = SenderRecord::open(suite, &key, record).unwrap();
    assert!(opened.bcc.contains(&dave.address));
}

#[test]
fn recipient_removed_from_or_added_to_the_senders_copy_is_detected() {
    let mut r = rng(10);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let carol = User::new(3, suite, &mut r);
    let msg = message(&[&bob], &[], &[&carol], vec![b"body"]);
    let (_, copies) = sealed(&alice, &msg, &mut r);
    let own = copy_for(&copies, &alice);
    assert!(alice.open(own, &alice).is_ok());

    let removed = edit_sender_record(&alice, own, |rec| {
        rec.recipients
            .retain(|e| e.kind != RecipientKind::Bcc.code())
    });
    assert_eq!(
        alice.open(&removed, &alice).err(),
        Some(AuthFailure::RecipientList.into())
    );

    let added = edit_sender_record(&alice, own, |rec| {
        let mut extra = rec.recipients.last().unwrap().clone();
        extra.user = UserId::new([77; 16]);
        extra.address = "mallory@example.com".into();
        extra.position = (extra.position + 1) % 1024;
        rec.recipients.push(extra);
    });
    assert_eq!(
        alice.open(&added, &alice).err(),
        Some(AuthFailure::RecipientList.into())
    );

    let bcc_changed = edit_sender_record(&alice, own, |rec| {
        rec.bcc = "someone-else@example.com".into()
    });
    assert_eq!(
        alice.open(&bcc_changed, &alice).err(),
        Some(AuthFailure::BccCommitment.into())
    );
}

#[test]
fn unknown_signer_is_rejected_and_revoked_signer_is_reported() {
    let mut r = rng(11);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let mallory = User::new(3, suite, &mut r);
    let (_, copies) = sealed(&alice, &message(&[&bob], &[], &[], vec![b"hi"]), &mut r);
    let copy = copy_for(&copies, &bob);

    // No chain for the sender at all, or only another user's.
    let none: [&ChainState; 0] = [];
    assert_eq!(
        open_copy(copy, &bob.mailbox(), &none).err(),
        Some(AuthFailure::UnknownSigner.into())
    );
    assert_eq!(
        open_copy(copy, &bob.mailbox(), &[&mallory.chain]).err(),
        Some(AuthFailure::UnknownSigner.into())
    );
    // A chain for Alice in which her device id has another key: not the chain the mail
    // binds, which Bob is told (a fork), and the box would not open under that key anyway.
    let fake = DeviceSecret::from_seed(suite, alice.device.id(), mallory.device.expose_seed());
    let forged_root = identity::root(
        suite,
        alice.id,
        &fake,
        alice.puks[0].public(),
        &[&alice.address],
        1,
    )
    .unwrap();
    let forged = ChainState::verify(&[forged_root]).unwrap();
    assert_eq!(
        open_copy(copy, &bob.mailbox(), &[&forged]).err(),
        Some(identity::ChainError::Fork { seq: 1 }.into())
    );
    // A view of Alice's chain that has not reached the tail the mail binds: fetch more.
    let later_alice = {
        let mut a = User::new(1, suite, &mut rng(11));
        a.chain = a
            .chain
            .extend(&[a.chain.server_addresses(&[&a.address], 2)])
            .unwrap();
        a
    };
    let (_, newer) = sealed(
        &later_alice,
        &message(&[&bob], &[], &[], vec![b"hi"]),
        &mut r,
    );
    assert_eq!(
        open_copy(copy_for(&newer, &bob), &bob.mailbox(), &[&alice.chain]).err(),
        Some(
            identity::ChainError::Behind {
                user: *alice.id.as_bytes(),
                have: 1,
                need: 2
            }
            .into()
        )
    );

    // Alice's device revoked since (by the server, from a web page): reported revoked.
    let revoked = alice
        .chain
        .extend(&[alice.chain.server_revoke(alice.device.id(), 2)])
        .unwrap();
    let opened = open_copy(copy, &bob.mailbox(), &[&revoked]).unwrap();
    assert_eq!(opened.sender_status(), SenderStatus::RevokedDevice);
}

#[test]
fn signature_by_another_key_over_the_same_tree_is_rejected() {
    // Mallory seals "as Alice's device id" with her own signing key, in a chain she made up.
    let mut r = rng(12);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let mallory = User::new(3, suite, &mut r);
    let fake_device =
        DeviceSecret::from_seed(suite, alice.device.id(), mallory.device.expose_seed());
    let puk = PukSecret::derive(
        suite,
        alice.id,
        1,
        crate::keys::PukSeed::from_bytes(*alice.puks[0].seed().expose_secret()),
    )
    .unwrap();
    let root = identity::root(
        suite,
        alice.id,
        &fake_device,
        puk.public(),
        &[&alice.address],
        1,
    )
    .unwrap();
    let forger = User {
        id: alice.id,
        address: alice.address.clone(),
        puks: vec![puk],
        device: fake_device,
        chain: ChainState::verify(&[root]).unwrap(),
    };
    let (_, copies) = sealed(
        &forger,
        &message(&[&bob], &[], &[], vec![b"forged"]),
        &mut r,
    );
    // Bob holds Alice's real chain: the mail binds another one (a fork) ...
    assert_eq!(
        bob.open(copy_for(&copies, &bob), &alice).err(),
        Some(identity::ChainError::Fork { seq: 1 }.into())
    );
    // ... and, at that position, under Alice's real key the box does not even open.
    let mut c = Copy::parse(copy_for(&copies, &bob)).unwrap();
    let (mut h, _) = crate::mail::envelope::RoutingHeader::parse(&c.header.0).unwrap();
    h.sender.chain = Some(alice.chain.tail());
    c.header = crate::wire::Bytes(h.encode());
    assert_eq!(
        bob.open(&c.encode(), &alice).err(),
        Some(AuthFailure::RecipientBox.into())
    );
}

#[test]
fn bcc_recipients_are_invisible_in_other_copies() {
    let mut r = rng(13);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let carol = User::new(3, suite, &mut r);
    let dave = User::new(4, suite, &mut r);
    let (_, with_bcc) = sealed(
        &alice,
        &message(&[&bob], &[&carol], &[&dave], vec![b"body"]),
        &mut r,
    );
    let (_, without) = sealed(
        &alice,
        &message(&[&bob], &[&carol], &[], vec![b"body"]),
        &mut r,
    );
    for u in [&bob, &carol] {
        let copy = copy_for(&with_bcc, u);
        let contains = |needle: &[u8]| copy.windows(needle.len()).any(|w| w == needle);
        assert!(
            !contains(dave.address.as_bytes()),
            "BCC address visible to {}",
            u.address
        );
        assert!(
            !contains(dave.id.as_bytes()),
            "BCC user id visible to {}",
            u.address
        );
        assert_eq!(
            copy.len(),
            copy_for(&without, u).len(),
            "copy size reveals BCC"
        );
        let opened = u.open(copy, &alice).unwrap();
        assert!(opened.sent_record().is_none());
        assert!(
            opened
                .header()
                .to
                .iter()
                .chain(&opened.header().cc)
                .all(|p| p.user != Some(dave.id))
        );
    }
    // Dave's own copy names him BCC, and opens.
    let opened = dave.open(copy_for(&with_bcc, &dave), &alice).unwrap();
    assert_eq!(opened.recipient_kind(), RecipientKind::Bcc);
}

#[test]
fn server_split_rejects_inconsistent_envelopes() {
    let mut r = rng(14);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let carol = User::new(3, suite, &mut r);
    let (mail, _) = sealed(
        &alice,
        &message(&[&bob], &[&carol], &[], vec![b"body"]),
        &mut r,
    );
    let env = Envelope::parse(&mail.envelope).unwrap();
    let set = Some(Error::Malformed(Malformed::Field(Field::RecipientSet)));

    let mut dropped = env.clone();
    dropped.boxes.remove(1);
    assert_eq!(split_envelope(&dropped.encode()).err(), set);

    let mut doubled = env.clone();
    doubled.boxes.push(env.boxes[1].clone());
    assert_eq!(split_envelope(&doubled.encode()).err(), set);

    let mut relabelled = env.clone();
    relabelled.boxes[1].kind = RecipientKind::Bcc.code();
    assert_eq!(split_envelope(&relabelled.encode()).err(), set);

    let mut no_sender_first = env.clone();
    no_sender_first.boxes.swap(0, 1);
    assert_eq!(split_envelope(&no_sender_first.encode()).err(), set);
}

#[test]
fn relabelled_box_kind_is_rejected_by_the_recipient() {
    let mut r = rng(15);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let carol = User::new(3, suite, &mut r);
    let (_, copies) = sealed(
        &alice,
        &message(&[&bob], &[], &[&carol], vec![b"body"]),
        &mut r,
    );
    // The server presents Carol's BCC box as a To box with a header naming her.
    let mut c = Copy::parse(copy_for(&copies, &carol)).unwrap();
    c.recipient_box.kind = RecipientKind::To.code();
    assert!(carol.open(&c.encode(), &alice).is_err());
}

/// Re-encodes a copy with one map edited as a generic CBOR value, to present lenient or
/// non-canonical encodings of otherwise valid content.
fn cbor_edit(
    bytes: &[u8],
    edit: impl FnOnce(&mut Vec<(ciborium::Value, ciborium::Value)>),
) -> Vec<u8> {
    let mut v: ciborium::Value = ciborium::from_reader(bytes).unwrap();
    if let ciborium::Value::Map(m) = &mut v {
        edit(m);
    }
    let mut out = Vec::new();
    ciborium::into_writer(&v, &mut out).unwrap();
    out
}

#[test]
fn lenient_cbor_encodings_of_a_valid_copy_are_rejected() {
    use crate::error::CborError;
    let (alice, bob, copy) = small_mail(Suite::X25519);
    let cbor = |e| Some(Error::Malformed(Malformed::Cbor(e)));

    let duplicate = cbor_edit(&copy, |m| {
        let first = m[0].clone();
        m.push(first);
    });
    assert_eq!(bob.open(&duplicate, &alice).err(), cbor(CborError::Schema));

    let unknown = cbor_edit(&copy, |m| m.push(("zz".into(), 1.into())));
    assert_eq!(bob.open(&unknown, &alice).err(), cbor(CborError::Schema));

    let missing = cbor_edit(&copy, |m| {
        m.remove(0);
    });
    assert_eq!(bob.open(&missing, &alice).err(), cbor(CborError::Schema));

    let reordered = cbor_edit(&copy, |m| m.swap(0, 1));
    assert_eq!(
        bob.open(&reordered, &alice).err(),
        cbor(CborError::NotCanonical)
    );

    // The same map with its length in a two-byte head.
    let mut non_minimal = vec![0xb8, copy[0] & 0x1f];
    non_minimal.extend_from_slice(&copy[1..]);
    assert_eq!(
        bob.open(&non_minimal, &alice).err(),
        cbor(CborError::NonMinimal)
    );

    let mut indefinite = vec![0xbf];
    indefinite.extend_from_slice(&copy[1..]);
    indefinite.push(0xff);
    assert_eq!(
        bob.open(&indefinite, &alice).err(),
        cbor(CborError::IndefiniteLength)
    );

    let mut tagged = vec![0xd8, 0x18];
    tagged.extend_from_slice(&copy);
    assert_eq!(bob.open(&tagged, &alice).err(), cbor(CborError::Tag));
}

#[test]
fn oversized_inputs_fail_on_the_limit_before_parsing() {
    let (alice, bob, _) = small_mail(Suite::X25519);
    let huge = vec![0u8; crate::mail::envelope::MAX_ENVELOPE_LEN + 1];
    assert_eq!(
        bob.open(&huge, &alice).err(),
        Some(Error::LimitExceeded(crate::error::Limit::EnvelopeSize))
    );
}

#[test]
fn large_attachment_seals_incrementally_and_reports_digest_and_size() {
    let mut r = rng(16);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let mut sealer =
        crate::mail::seal::MailSealer::new(suite, alice.sender(), "<big@example.com>", 1)
            .unwrap()
            .to(bob.key());
    let body = sealer.add_piece(b"see attachment", &mut r).unwrap();
    // Stream 1 MiB + 3 bytes through in odd-sized parts, draining the output as we go, as a
    // client writing to disk or network would.
    let mut piece_sealer = sealer.begin_piece(&mut r);
    let mut stored = Vec::new();
    let mut out = Vec::new();
    let part = vec![0xabu8; 10_007];
    let mut total = 0usize;
    while total < (1 << 20) + 3 {
        let n = part.len().min((1 << 20) + 3 - total);
        piece_sealer.push(&part[..n], &mut out).unwrap();
        assert!(
            out.len() <= piece::FULL_CHUNK_LEN + piece::HEADER_LEN + n,
            "output is drained per push"
        );
        stored.append(&mut out);
        total += n;
    }
    let finished = piece_sealer.finish(&mut out).unwrap();
    stored.append(&mut out);
    assert_eq!(finished.ciphertext_len(), stored.len() as u64);
    assert_eq!(
        finished.digest(),
        piece::digest(suite, Purpose::MailPiece, &stored).unwrap()
    );
    sealer.attach(finished).unwrap();
    let envelope = sealer.seal(&mut r).unwrap();
    let copies = split_envelope(&envelope).unwrap();
    let opened = bob.open(copy_for(&copies, &bob), &alice).unwrap();
    assert_eq!(opened.open_piece(0, &body).unwrap(), b"see attachment");
    assert_eq!(
        opened.open_piece(1, &stored).unwrap(),
        vec![0xab; (1 << 20) + 3]
    );
    assert_eq!(opened.header().piece_sizes[1], stored.len() as u64);
    // The wrong length for a piece is caught before decrypting.
    assert_eq!(
        opened.open_piece(1, &stored[..stored.len() - 1]).err(),
        Some(Error::Malformed(Malformed::PieceSize { index: 1 }))
    );
}

/// Every map in `v` has its keys in RFC 8949 §4.2.1 order (bytewise order of their encodings).
fn assert_deterministic_key_order(v: &ciborium::Value) {
    match v {
        ciborium::Value::Map(m) => {
            let keys: Vec<Vec<u8>> = m
                .iter()
                .map(|(k, _)| {
                    let mut b = Vec::new();
                    ciborium::into_writer(k, &mut b).unwrap();
                    b
                })
                .collect();
            assert!(
                keys.windows(2).all(|w| w[0] < w[1]),
                "map keys out of order: {keys:02x?}"
            );
            m.iter()
                .for_each(|(_, v)| assert_deterministic_key_order(v));
        }
        ciborium::Value::Array(a) => a.iter().for_each(assert_deterministic_key_order),
        ciborium::Value::Bytes(b) => {
            // Embedded CBOR (the header) follows the same rule.
            if let Ok(inner @ ciborium::Value::Map(_)) =
                ciborium::from_reader::<ciborium::Value, _>(&b[..])
            {
                assert_deterministic_key_order(&inner);
            }
        }
        _ => {}
    }
}

#[test]
fn encodings_follow_rfc8949_deterministic_key_order() {
    let mut r = rng(17);
    let suite = Suite::X25519;
    let alice = User::new(1, suite, &mut r);
    let bob = User::new(2, suite, &mut r);
    let carol = User::new(3, suite, &mut r);
    let (mail, copies) = sealed(
        &alice,
        &message(&[&bob], &[&carol], &[], vec![b"x"]),
        &mut r,
    );
    let env: ciborium::Value = ciborium::from_reader(&mail.envelope[..]).unwrap();
    assert_deterministic_key_order(&env);
    for c in &copies {
        let v: ciborium::Value = ciborium::from_reader(&c.copy[..]).unwrap();
        assert_deterministic_key_order(&v);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Random mail, random mutation (flip, truncation, insertion, a field or a piece taken
    /// from another mail): opening fails, or gives back exactly what was sealed.
    #[test]
    fn mutated_mail_never_opens_to_other_content(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000),
        op in 0u8..5,
        pos in proptest::prelude::any::<usize>(),
        val in 1u8..=255,
        seed in proptest::prelude::any::<u8>(),
    ) {
        let mut r = rng(seed);
        let suite = Suite::X25519;
        let alice = User::new(1, suite, &mut r);
        let bob = User::new(2, suite, &mut r);
        let (mail_a, copies_a) = sealed(&alice, &message(&[&bob], &[], &[], vec![&body]), &mut r);
        let (mail_b, copies_b) = sealed(&alice, &message(&[&bob], &[], &[], vec![b"other mail"]), &mut r);
        let mut copy = copy_for(&copies_a, &bob).to_vec();
        let mut piece = mail_a.pieces[0].clone();
        match op {
            0 => { let i = pos % copy.len(); copy[i] ^= val; }
            1 => copy.truncate(pos % copy.len()),
            2 => copy.insert(pos % (copy.len() + 1), val),
            3 => {
                let mut c = Copy::parse(&copy).unwrap();
                let o = Copy::parse(copy_for(&copies_b, &bob)).unwrap();
                match val % 4 {
                    0 => c.header = o.header,
                    1 => c.manifest = o.manifest,
                    2 => c.bcc_commitment = o.bcc_commitment,
                    _ => c.recipient_box = o.recipient_box,
                }
                copy = c.encode();
            }
            _ => piece.clone_from(&mail_b.pieces[0]),
        }
        if let Ok(opened) = bob.open(&copy, &alice) {
            match opened.open_piece(0, &piece) {
                Ok(plaintext) => proptest::prop_assert_eq!(plaintext, body),
                Err(_) => proptest::prop_assert!(op == 4, "only a substituted piece may fail here"),
            }
        }
    }
}
