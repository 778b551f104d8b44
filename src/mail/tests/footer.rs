//! The planner, the footer classification, the not-E2E paths, server validation, and the
//! spoofing table: every attack ends Server Encrypted or in an error, never E2E.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::account::escrow::{AccountDomain, EscrowContext, enrollment_terms};
use crate::error::{AuthFailure, Error, Field, Limit, Malformed, Misuse};
use crate::identity::{self, ChainState};
use crate::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use crate::mail::envelope::build::{self, Parts};
use crate::mail::envelope::digest::{
    DigestInput, RecipientEntry, SenderBinding, box_info, header_hash, recipient_digest,
};
use crate::mail::envelope::manifest::{Manifest, PieceEntry};
use crate::mail::envelope::recipient_box::BoxPlaintext;
use crate::mail::envelope::{
    Copy, Envelope, FormatVersion, Origin, Party, RecipientKind, RoutingHeader, SenderParty,
};
use crate::mail::footer::{
    Caution, DirectoryEntry, Footer, MailContext, NotE2eReason, Plan, PlannedRecipient,
    RefusalReason, SenderState, ServerEncryptedReason, classify,
};
use crate::mail::link::open_link_copy;
use crate::mail::open::{Mailbox, OpenedMail, SenderStatus, open_copy};
use crate::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use crate::mail::server::{
    HeldRecipient, InboundMail, link_copy, reseal_held, seal_inbound, split_envelope,
    validate_copy, validate_envelope,
};
use crate::piece::{self, PieceKey, Purpose};
use crate::suite::Suite;
use crate::wire::{Bytes, Fixed};

const SUITE: Suite = Suite::X25519;

struct Party2 {
    id: UserId,
    address: String,
    puk: PukSecret,
    device: DeviceSecret,
    chain: ChainState,
}

impl Party2 {
    fn new(n: u8, name: &str, r: &mut ChaCha20Rng) -> Self {
        let id = UserId::new([n; 16]);
        let address = alloc::format!("{name}@example.com");
        let puk = PukSecret::generate(SUITE, id, 1, r).unwrap();
        let device = DeviceSecret::generate(SUITE, DeviceId::new([n ^ 0x40; 16]), r);
        let root = identity::root(SUITE, id, &device, puk.public(), &[&address], 1).unwrap();
        Party2 {
            id,
            address,
            puk,
            device,
            chain: ChainState::verify(&[root]).unwrap(),
        }
    }
    fn key(&self) -> RecipientKey {
        RecipientKey::from_chain(self.address.clone(), &self.chain).unwrap()
    }
    /// This party's key as the server's (no chain).
    fn server_key(&self) -> RecipientKey {
        RecipientKey::server(self.address.clone(), self.puk.public().clone())
    }
    fn sender(&self) -> SenderIdentity<'_> {
        SenderIdentity {
            address: &self.address,
            puk: &self.puk,
            device: &self.device,
            chain: &self.chain,
        }
    }
    fn open(&self, copy: &[u8], senders: &[&ChainState]) -> Result<OpenedMail, Error> {
        open_copy(
            copy,
            &Mailbox::new(&self.chain, [&self.puk]).without_key_transparency(),
            senders,
        )
    }
    /// Opens as the server, through its own box (it has no chain of its own).
    fn open_as_server(&self, copy: &[u8], senders: &[&ChainState]) -> Result<OpenedMail, Error> {
        open_copy(
            copy,
            &Mailbox::server(self.id, [&self.puk]).without_key_transparency(),
            senders,
        )
    }
}

struct World {
    r: ChaCha20Rng,
    alice: Party2,
    bob: Party2,
    carol: Party2,
    /// The server's key, addressed like a user.
    server: Party2,
}

fn world(seed: u8) -> World {
    let mut r = ChaCha20Rng::from_seed([seed; 32]);
    let alice = Party2::new(1, "alice", &mut r);
    let bob = Party2::new(2, "bob", &mut r);
    let carol = Party2::new(3, "carol", &mut r);
    let server = Party2::new(0x5e, "server", &mut r);
    World {
        r,
        alice,
        bob,
        carol,
        server,
    }
}

fn copy_of(envelope: &[u8], user: &UserId) -> Vec<u8> {
    split_envelope(envelope)
        .unwrap()
        .into_iter()
        .find(|c| c.user == *user)
        .unwrap()
        .copy
}

/// An E2E mail from Alice to Bob and Carol: (envelope, body ciphertext).
fn e2e_mail(w: &mut World, body: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut s = MailSealer::new(SUITE, w.alice.sender(), "<e2e@example.com>", 10)
        .unwrap()
        .to(w.bob.key())
        .to(w.carol.key());
    let ct = s.add_piece(body, &mut w.r).unwrap();
    (s.seal(&mut w.r).unwrap(), ct)
}

/// Alice to Bob and an external address, giving the server access.
fn server_access_mail(w: &mut World) -> (Vec<u8>, Vec<u8>) {
    let mut s = MailSealer::new(SUITE, w.alice.sender(), "<ext@example.com>", 11)
        .unwrap()
        .to(w.bob.key())
        .external(RecipientKind::Cc, "dan@elsewhere.example")
        .server_access(w.server.server_key());
    let ct = s.add_piece(b"hello outside world", &mut w.r).unwrap();
    (s.seal(&mut w.r).unwrap(), ct)
}

fn inbound(w: &mut World, origin: Origin, e2e_flag: bool) -> (Vec<u8>, Vec<u8>) {
    if e2e_flag {
        // A server that sets the manifest flag on mail it sealed itself.
        let (ct, entry) = {
            let key = PieceKey::generate(&mut w.r);
            let sealed =
                piece::seal(SUITE, Purpose::MailPiece, &key, &mut w.r, b"list mail").unwrap();
            (
                sealed.ciphertext.clone(),
                PieceEntry {
                    key,
                    digest: sealed.digest,
                },
            )
        };
        let header = RoutingHeader {
            sender: SenderParty {
                address: "list@example.com".into(),
                chain: None,
                device: None,
                user: None,
            },
            origin,
            piece_sizes: vec![ct.len() as u64],
            piece_digests: vec![entry.digest],
            suite: SUITE,
            timestamp: 1,
            version: FormatVersion::V1,
            expiry: None,
            cc: vec![],
            message_id: "<list@example.com>".into(),
            to: vec![],
        };
        let (env, _) = build::build(
            Parts {
                suite: SUITE,
                header,
                signer: None,
                sender_puk: None,
                recipients: vec![(RecipientKind::Bcc, w.bob.key())],
                pieces: vec![entry],
                e2e: true,
                bcc_text: String::new(),
                link: None,
                trace: None,
            },
            &mut w.r,
        )
        .unwrap();
        return (env, ct);
    }
    let mail = InboundMail {
        origin,
        sender_address: "eve@elsewhere.example".into(),
        sender_user: None,
        message_id: "<in@elsewhere.example>".into(),
        timestamp: 12,
        to: vec![Party {
            address: w.bob.address.clone(),
            user: Some(w.bob.id),
        }],
        cc: vec![],
        recipients: vec![w.bob.key()],
        pieces: vec![b"from outside"],
    };
    let sealed = seal_inbound(SUITE, &mail, &mut w.r).unwrap();
    (sealed.envelope, sealed.pieces.into_iter().next().unwrap())
}

/// The message key of a copy, as its rightful recipient (or the server, for its own box)
/// recovers it: what a server holding a box could do with its knowledge.
fn message_key(holder: &Party2, copy: &[u8], sender: Option<&Party2>) -> PieceKey {
    let c = Copy::parse(copy).unwrap();
    let (_, suite) = RoutingHeader::parse(&c.header.0).unwrap();
    let b = &c.recipient_box;
    let md = piece::digest(suite, Purpose::Manifest, &c.manifest.0).unwrap();
    let fp = holder.puk.public().mail_key.fingerprint();
    let sender = match sender {
        Some(s) => SenderBinding::signed(
            &s.id,
            &s.device.id(),
            &s.device.public().verifying_key,
            s.chain.tail(),
        ),
        None => SenderBinding::UNSIGNED,
    };
    let hh = header_hash(&c.header.0);
    let d = recipient_digest(&DigestInput {
        suite,
        header_hash: &hh,
        sender,
        recipient: RecipientEntry {
            address: &b.address,
            user: &b.user,
            generation: b.generation,
            kind: RecipientKind::from_code(b.kind).unwrap(),
            key_fingerprint: &fp,
            tail: b.tail.as_ref(),
        },
        manifest_digest: &md,
        bcc_commitment: &c.bcc_commitment.0,
    });
    let pt = crate::keys::kem::open(
        holder.puk.mail_secret(),
        &b.enc.0,
        &box_info(suite),
        &d,
        &b.ciphertext.0,
    )
    .unwrap();
    PieceKey::from_bytes(BoxPlaintext::decode(&pt).unwrap().message_key)
}

fn edit_header(copy: &[u8], edit: impl FnOnce(&mut RoutingHeader)) -> Vec<u8> {
    let mut c = Copy::parse(copy).unwrap();
    let (mut h, _) = RoutingHeader::parse(&c.header.0).unwrap();
    edit(&mut h);
    c.header = Bytes(h.encode());
    c.encode()
}

/// A chain the server makes up for `who`, rooted in a device of its own.
fn forged_chain(who: &Party2, device: &DeviceSecret) -> ChainState {
    let root = identity::root(SUITE, who.id, device, who.puk.public(), &[&who.address], 1).unwrap();
    ChainState::verify(&[root]).unwrap()
}

#[test]
fn spoofing_table_never_ends_e2e() {
    type Attack = fn(&mut World) -> Result<OpenedMail, Error>;
    /// What each row must end in: the named error, or a Server Encrypted footer.
    #[derive(Debug)]
    enum Expect {
        Fails(Error),
        ServerEncrypted,
    }
    use Expect::{Fails, ServerEncrypted};
    let attacks: Vec<(&str, Attack, Expect)> = vec![
        (
            "server strips the signature (relabels the mail server-sealed)",
            |w| {
                let (env, _) = e2e_mail(w, b"signed");
                let copy = edit_header(&copy_of(&env, &w.bob.id), |h| {
                    h.origin = Origin::InboundExternal;
                    h.sender.device = None;
                    h.sender.chain = None;
                });
                // ... and the box's tail, which server-sealed boxes do not carry.
                let mut c = Copy::parse(&copy).unwrap();
                c.recipient_box.tail = None;
                w.bob.open(&c.encode(), &[&w.alice.chain])
            },
            Fails(AuthFailure::RecipientBox.into()),
        ),
        (
            "server flips the E2E flag of mail it has access to",
            |w| {
                let (env, _) = server_access_mail(w);
                let server_copy = copy_of(&env, &w.server.id);
                let mk = message_key(&w.server, &server_copy, Some(&w.alice));
                let opened = w
                    .server
                    .open_as_server(&server_copy, &[&w.alice.chain])
                    .unwrap();
                let entries = (0..opened.piece_count())
                    .map(|i| PieceEntry {
                        key: PieceKey::from_bytes(*opened.manifest.pieces[i].key.expose_secret()),
                        digest: opened.piece_digest(i).unwrap(),
                    })
                    .collect();
                let forged = Manifest {
                    e2e: true,
                    pieces: entries,
                }
                .seal(SUITE, &mk, &mut w.r)
                .unwrap();
                let mut c = Copy::parse(&copy_of(&env, &w.bob.id)).unwrap();
                c.manifest = Bytes(forged.ciphertext);
                w.bob.open(&c.encode(), &[&w.alice.chain])
            },
            Fails(AuthFailure::RecipientBox.into()),
        ),
        (
            "server re-seals server-sealed content under a box signed by an unvouched key",
            |w| {
                // The server has a device key of its own and claims to be Alice.
                let fake = DeviceSecret::generate(SUITE, DeviceId::new([0x77; 16]), &mut w.r);
                let forged = forged_chain(&w.alice, &fake);
                let sender = SenderIdentity {
                    address: &w.alice.address,
                    puk: &w.alice.puk,
                    device: &fake,
                    chain: &forged,
                };
                let mut s = MailSealer::new(SUITE, sender, "<spoof@example.com>", 1)
                    .unwrap()
                    .to(w.bob.key());
                s.add_piece(b"from outside, now 'signed'", &mut w.r)
                    .unwrap();
                let env = s.seal(&mut w.r).unwrap();
                w.bob.open(&copy_of(&env, &w.bob.id), &[&w.alice.chain])
            },
            Fails(identity::ChainError::Fork { seq: 1 }.into()),
        ),
        (
            "server signs with its key under Alice's device id",
            |w| {
                let fake = DeviceSecret::generate(SUITE, w.alice.device.id(), &mut w.r);
                let forged = forged_chain(&w.alice, &fake);
                let sender = SenderIdentity {
                    address: &w.alice.address,
                    puk: &w.alice.puk,
                    device: &fake,
                    chain: &forged,
                };
                let mut s = MailSealer::new(SUITE, sender, "<spoof2@example.com>", 1)
                    .unwrap()
                    .to(w.bob.key());
                s.add_piece(b"forged", &mut w.r).unwrap();
                let env = s.seal(&mut w.r).unwrap();
                w.bob.open(&copy_of(&env, &w.bob.id), &[&w.alice.chain])
            },
            Fails(identity::ChainError::Fork { seq: 1 }.into()),
        ),
        (
            "server replays a signed box from another E2E mail onto different content",
            |w| {
                let (a, _) = e2e_mail(w, b"first");
                let (b, _) = e2e_mail(w, b"second");
                let mut c = Copy::parse(&copy_of(&b, &w.bob.id)).unwrap();
                c.recipient_box = Copy::parse(&copy_of(&a, &w.bob.id)).unwrap().recipient_box;
                w.bob.open(&c.encode(), &[&w.alice.chain])
            },
            Fails(AuthFailure::RecipientBox.into()),
        ),
        (
            "server replaces the sender's device in the copy with another of her devices",
            |w| {
                let (env, _) = e2e_mail(w, b"signed");
                let other = DeviceSecret::generate(SUITE, DeviceId::new([0x99; 16]), &mut w.r);
                let copy = edit_header(&copy_of(&env, &w.bob.id), |h| {
                    h.sender.device = Some(other.id())
                });
                // Alice's chain (as Bob holds it) also lists that device.
                let mut draft = w
                    .alice
                    .chain
                    .propose_add_device(w.alice.device.id(), other.public(), None, 2)
                    .unwrap();
                draft.sign(&w.alice.device).unwrap();
                draft.sign(&other).unwrap();
                let also = w.alice.chain.extend(&[draft.finish().unwrap()]).unwrap();
                w.bob.open(&copy, &[&also])
            },
            // Alice's chain lists the device only after the tail the mail binds.
            Fails(AuthFailure::UnknownSigner.into()),
        ),
        (
            "server marks mailing-list mail E2E in a manifest it sealed",
            |w| {
                let (env, _) = inbound(w, Origin::MailingList, true);
                w.bob.open(&copy_of(&env, &w.bob.id), &[])
            },
            ServerEncrypted,
        ),
        (
            "server marks external mail as device-signed by Alice",
            |w| {
                let (env, _) = inbound(w, Origin::InboundExternal, false);
                let copy = edit_header(&copy_of(&env, &w.bob.id), |h| {
                    h.origin = Origin::SenderDevice;
                    h.sender.user = Some(w.alice.id);
                    h.sender.device = Some(w.alice.device.id());
                    h.sender.chain = Some(w.alice.chain.tail());
                });
                // The tails a device-signed box carries, as the real chains have them.
                let mut c = Copy::parse(&copy).unwrap();
                c.recipient_box.tail = Some(w.bob.chain.tail());
                w.bob.open(&c.encode(), &[&w.alice.chain])
            },
            Fails(AuthFailure::RecipientBox.into()),
        ),
        (
            "server moves Bob's box into a copy for Carol",
            |w| {
                let (env, _) = e2e_mail(w, b"for both");
                let mut c = Copy::parse(&copy_of(&env, &w.carol.id)).unwrap();
                let mut b = Copy::parse(&copy_of(&env, &w.bob.id))
                    .unwrap()
                    .recipient_box;
                b.user = w.carol.id;
                b.address = w.carol.address.clone();
                c.recipient_box = b;
                w.carol.open(&c.encode(), &[&w.alice.chain])
            },
            // The box binds Bob's chain tail, which is no position of Carol's chain.
            Fails(identity::ChainError::Fork { seq: 1 }.into()),
        ),
        (
            "server presents access-restricted mail as E2E",
            |w| {
                let mut s = MailSealer::new(SUITE, w.alice.sender(), "<link@example.com>", 1)
                    .unwrap()
                    .external(RecipientKind::To, "dan@elsewhere.example")
                    .access_restricted(1_000);
                s.add_piece(b"restricted", &mut w.r).unwrap();
                let (env, fragment) = s.seal_restricted(&mut w.r).unwrap();
                let lc = link_copy(&env).unwrap().unwrap();
                open_link_copy(&lc, fragment.expose_text(), 500)
            },
            ServerEncrypted,
        ),
    ];
    for (name, attack, expect) in attacks {
        let mut w = world(40);
        match (attack(&mut w), expect) {
            (Err(e), Fails(a)) => assert_eq!(e, a, "{name}"),
            (Ok(opened), ServerEncrypted) => {
                let c = classify(&opened, true);
                assert_eq!(c.footer, Footer::ServerEncrypted, "{name}: {c:?}");
                assert!(!c.reasons.is_empty(), "{name}");
            }
            (outcome, expect) => panic!(
                "{name}: expected {expect:?}, got {:?}",
                outcome.map(|o| classify(&o, true))
            ),
        }
    }
}

#[test]
fn genuine_e2e_mail_is_e2e_and_strangers_get_a_caution() {
    let mut w = world(41);
    let (env, body) = e2e_mail(&mut w, b"hi");
    let opened = w
        .bob
        .open(&copy_of(&env, &w.bob.id), &[&w.alice.chain])
        .unwrap();
    assert_eq!(opened.open_piece(0, &body).unwrap(), b"hi");
    let known = classify(&opened, true);
    assert_eq!(
        (known.footer, known.cautions.clone(), known.sender),
        (
            Footer::E2eEncrypted,
            vec![Caution::SenderNotCheckedInLog],
            SenderStatus::VerifiedActiveDevice
        )
    );
    let stranger = classify(&opened, false);
    assert_eq!(
        (stranger.footer, stranger.cautions),
        (
            Footer::E2eEncrypted,
            vec![Caution::UnknownSender, Caution::SenderNotCheckedInLog]
        )
    );
    // Signed by a device now revoked: not E2E.
    let revoked = w
        .alice
        .chain
        .extend(&[w.alice.chain.server_revoke(w.alice.device.id(), 2)])
        .unwrap();
    let opened = w.bob.open(&copy_of(&env, &w.bob.id), &[&revoked]).unwrap();
    let c = classify(&opened, true);
    assert_eq!(c.footer, Footer::ServerEncrypted);
    assert_eq!(c.reasons, vec![ServerEncryptedReason::RevokedSenderDevice]);

    // Signed by that device but binding a tail at or after its revocation: no honest sealer
    // makes this (it refuses an inactive device), so it is a forgery by whoever kept the
    // revoked key, and not the sender's (SPEC.md §6.9 step 5): unknown signer.
    let key = PieceKey::generate(&mut w.r);
    let sealed = piece::seal(SUITE, Purpose::MailPiece, &key, &mut w.r, b"forged").unwrap();
    let header = RoutingHeader {
        sender: SenderParty {
            address: w.alice.address.clone(),
            chain: Some(revoked.tail()),
            device: Some(w.alice.device.id()),
            user: Some(w.alice.id),
        },
        origin: Origin::SenderDevice,
        piece_sizes: vec![sealed.ciphertext.len() as u64],
        piece_digests: vec![sealed.digest],
        suite: SUITE,
        timestamp: 3,
        version: FormatVersion::V1,
        expiry: None,
        cc: vec![],
        message_id: "<after-revocation@example.com>".into(),
        to: vec![Party {
            address: w.bob.address.clone(),
            user: Some(w.bob.id),
        }],
    };
    let own = RecipientKey {
        address: w.alice.address.clone(),
        puk: w.alice.puk.public().clone(),
        tail: Some(revoked.tail()),
    };
    let (forged, _) = build::build(
        Parts {
            suite: SUITE,
            header,
            signer: Some(&w.alice.device),
            sender_puk: Some(&w.alice.puk),
            recipients: vec![
                (RecipientKind::Sender, own),
                (RecipientKind::To, w.bob.key()),
            ],
            pieces: vec![PieceEntry {
                key,
                digest: sealed.digest,
            }],
            e2e: true,
            bcc_text: String::new(),
            link: None,
            trace: None,
        },
        &mut w.r,
    )
    .unwrap();
    assert_eq!(
        w.bob.open(&copy_of(&forged, &w.bob.id), &[&revoked]).err(),
        Some(AuthFailure::UnknownSigner.into())
    );
}

#[test]
fn server_access_mail_is_server_encrypted_for_everyone_and_readable_by_the_server() {
    let mut w = world(42);
    let (env, body) = server_access_mail(&mut w);
    let info = validate_envelope(&env, &[body.len() as u64]).unwrap();
    assert_eq!(info.external, vec![String::from("dan@elsewhere.example")]);
    let bob = w
        .bob
        .open(&copy_of(&env, &w.bob.id), &[&w.alice.chain])
        .unwrap();
    let c = classify(&bob, true);
    assert_eq!(c.footer, Footer::ServerEncrypted);
    assert_eq!(
        c.reasons,
        vec![
            ServerEncryptedReason::External,
            ServerEncryptedReason::FlaggedNotE2eBySender
        ]
    );
    let server = w
        .server
        .open_as_server(&copy_of(&env, &w.server.id), &[&w.alice.chain])
        .unwrap();
    assert_eq!(server.recipient_kind(), RecipientKind::ServerAccess);
    assert_eq!(server.open_piece(0, &body).unwrap(), b"hello outside world");
}

#[test]
fn inbound_list_and_system_mail_is_unsigned_and_server_encrypted() {
    for origin in [Origin::InboundExternal, Origin::MailingList, Origin::System] {
        let mut w = world(43);
        let (env, body) = inbound(&mut w, origin, false);
        validate_envelope(&env, &[body.len() as u64]).unwrap();
        let opened = w.bob.open(&copy_of(&env, &w.bob.id), &[]).unwrap();
        assert_eq!(opened.open_piece(0, &body).unwrap(), b"from outside");
        let c = classify(&opened, true);
        assert_eq!(c.footer, Footer::ServerEncrypted);
        assert_eq!(c.sender, SenderStatus::Unsigned);
        // One reason per fact: where the mail came from (and, for a list, that its sender is
        // outside the service); never the redundant "unsigned" or "server sealed" beside it.
        let expected = match origin {
            Origin::InboundExternal => vec![ServerEncryptedReason::External],
            Origin::MailingList => vec![
                ServerEncryptedReason::MailingList,
                ServerEncryptedReason::External,
            ],
            other => vec![ServerEncryptedReason::ServerSealed(other)],
        };
        assert_eq!(c.reasons, expected, "{origin:?}");
    }
}

#[test]
fn held_mail_for_a_new_user_is_resealed_to_their_first_puk() {
    let mut w = world(44);
    let newbie = Party2::new(9, "newbie", &mut w.r);
    let mut s = MailSealer::new(SUITE, w.alice.sender(), "<welcome@example.com>", 1)
        .unwrap()
        .unprovisioned(RecipientKind::To, newbie.address.clone(), newbie.id)
        .server_access(w.server.server_key());
    let body = s.add_piece(b"welcome aboard", &mut w.r).unwrap();
    let env = s.seal(&mut w.r).unwrap();
    let info = validate_envelope(&env, &[body.len() as u64]).unwrap();
    assert_eq!(
        info.held_for,
        vec![HeldRecipient {
            address: newbie.address.clone(),
            user: newbie.id
        }]
    );
    let held = w
        .server
        .open_as_server(&copy_of(&env, &w.server.id), &[&w.alice.chain])
        .unwrap();
    let resealed = reseal_held(&held, &[&body], newbie.key(), &mut w.r).unwrap();
    let opened = newbie
        .open(&copy_of(&resealed.envelope, &newbie.id), &[])
        .unwrap();
    assert_eq!(
        opened.open_piece(0, &resealed.pieces[0]).unwrap(),
        b"welcome aboard"
    );
    let c = classify(&opened, true);
    assert_eq!(c.footer, Footer::ServerEncrypted);
    assert!(
        c.reasons
            .contains(&ServerEncryptedReason::ServerSealed(Origin::HeldForNewUser))
    );
}

#[test]
fn access_restricted_mail_opens_with_its_fragment_until_it_expires() {
    let mut w = world(45);
    let mut s = MailSealer::new(SUITE, w.alice.sender(), "<link@example.com>", 1)
        .unwrap()
        .external(RecipientKind::To, "dan@elsewhere.example")
        .access_restricted(1_000);
    let body = s.add_piece(b"for your eyes", &mut w.r).unwrap();
    let (env, fragment) = s.seal_restricted(&mut w.r).unwrap();
    let info = validate_envelope(&env, &[body.len() as u64]).unwrap();
    assert!(info.link_box && info.header.expiry == Some(1_000));
    let lc = link_copy(&env).unwrap().unwrap();
    let opened = open_link_copy(&lc, fragment.expose_text(), 999).unwrap();
    assert_eq!(opened.open_piece(0, &body).unwrap(), b"for your eyes");
    let c = classify(&opened, true);
    assert_eq!(c.footer, Footer::ServerEncrypted);
    assert!(c.reasons.contains(&ServerEncryptedReason::AccessRestricted));

    assert_eq!(
        open_link_copy(&lc, fragment.expose_text(), 1_001).err(),
        Some(AuthFailure::LinkExpired.into())
    );
    let mut wrong = String::from(fragment.expose_text());
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        open_link_copy(&lc, &wrong, 10).err(),
        Some(AuthFailure::LinkDigest.into())
    );
    assert_eq!(
        open_link_copy(&lc, "ms1zz", 10).err(),
        Some(Malformed::LinkFragment.into())
    );
    // Another mail's link copy under this fragment: the digest pins the content.
    let mut s2 = MailSealer::new(SUITE, w.alice.sender(), "<link2@example.com>", 1)
        .unwrap()
        .external(RecipientKind::To, "dan@elsewhere.example")
        .access_restricted(1_000);
    s2.add_piece(b"other", &mut w.r).unwrap();
    let (env2, _) = s2.seal_restricted(&mut w.r).unwrap();
    let lc2 = link_copy(&env2).unwrap().unwrap();
    assert_eq!(
        open_link_copy(&lc2, fragment.expose_text(), 10).err(),
        Some(AuthFailure::LinkDigest.into())
    );
}

#[test]
fn escrowed_mailbox_is_disclosed_in_the_classification() {
    let mut w = world(46);
    let admins_device = DeviceSecret::generate(SUITE, DeviceId::new([0xa1; 16]), &mut w.r);
    let ea_user = UserId::new([0xea; 16]);
    let ea = PukSecret::generate(SUITE, ea_user, 1, &mut w.r).unwrap();
    let ea_chain = ChainState::verify(&[identity::root(
        SUITE,
        ea_user,
        &admins_device,
        ea.public(),
        &["admins@example.com"],
        1,
    )
    .unwrap()])
    .unwrap();
    let ctx = EscrowContext {
        account: Fixed([1; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: w.bob.id,
        member_address: &w.bob.address.clone(),
        ea_chain: &ea_chain,
    };
    let escrow_dev = DeviceSecret::generate(SUITE, DeviceId::new([0xee; 16]), &mut w.r);
    let terms = enrollment_terms(&ctx, admins_device.public()).unwrap();
    let mut draft = w
        .bob
        .chain
        .propose_escrow_device(w.bob.device.id(), escrow_dev.public(), terms, None, 2)
        .unwrap();
    for d in [&w.bob.device, &escrow_dev, &admins_device] {
        draft.sign(d).unwrap();
    }
    w.bob.chain = w.bob.chain.extend(&[draft.finish().unwrap()]).unwrap();
    let (env, _) = e2e_mail(&mut w, b"hi");
    let opened = w
        .bob
        .open(&copy_of(&env, &w.bob.id), &[&w.alice.chain])
        .unwrap();
    let c = classify(&opened, true);
    assert_eq!(c.footer, Footer::E2eEncrypted);
    assert_eq!(c.escrow.map(|e| e.terms.ea_group), Some(ea_user));
    // Alice's mailbox is not escrowed: nothing said of the sender's.
    assert_eq!(
        (
            c.sender_escrow,
            c.cautions.contains(&Caution::SenderEscrowed)
        ),
        (None, false)
    );

    // Bob writes to Alice: his administrators can read his own copy, so Alice's footer says
    // so (SPEC.md §11.2), E2E still, with the caution.
    let bob_writes = |w: &mut World, id: &str| {
        let mut s = MailSealer::new(SUITE, w.bob.sender(), id, 10)
            .unwrap()
            .to(w.alice.key());
        s.add_piece(b"from bob", &mut w.r).unwrap();
        let env = s.seal(&mut w.r).unwrap();
        let opened = w
            .alice
            .open(&copy_of(&env, &w.alice.id), &[&w.bob.chain])
            .unwrap();
        classify(&opened, true)
    };
    let c = bob_writes(&mut w, "<escrowed@example.com>");
    assert_eq!(c.footer, Footer::E2eEncrypted);
    assert!(c.cautions.contains(&Caution::SenderEscrowed));
    assert_eq!(c.sender_escrow.map(|e| e.terms.ea_group), Some(ea_user));
    assert_eq!(Caution::SenderEscrowed.code(), "sender_escrowed");
    // Once Bob turned escrow off (the PUK rotates away from the escrow device), his new mail
    // carries no such caution: the escrow device never held the key his copy is sealed to.
    let off = crate::account::devices::rotate(
        &w.bob.chain,
        &w.bob.device,
        crate::account::devices::RotationCause::DisableEscrow,
        3,
        &mut w.r,
    )
    .unwrap();
    w.bob.chain = w.bob.chain.extend(&[&off.link]).unwrap();
    w.bob.puk = off.puk;
    let c = bob_writes(&mut w, "<after@example.com>");
    assert_eq!(c.footer, Footer::E2eEncrypted);
    assert_eq!(
        (
            c.sender_escrow,
            c.cautions.contains(&Caution::SenderEscrowed)
        ),
        (None, false)
    );
}

fn sender_state(w: &World) -> SenderState<'_> {
    SenderState {
        chain: Some(&w.alice.chain),
        device: w.alice.device.id(),
        server: Some(w.server.server_key()),
    }
}

fn planned<'a>(
    address: &str,
    kind: RecipientKind,
    entry: DirectoryEntry<'a>,
) -> PlannedRecipient<'a> {
    PlannedRecipient {
        address: address.into(),
        kind,
        entry,
    }
}

#[test]
fn planner_decides_e2e_not_e2e_with_every_reason_or_refuses() {
    let w = world(47);
    let bob = planned(
        &w.bob.address,
        RecipientKind::To,
        DirectoryEntry::User(&w.bob.chain),
    );
    let state = sender_state(&w);

    let p = crate::mail::footer::plan(&state, core::slice::from_ref(&bob), MailContext::Personal);
    assert!(p.is_e2e());

    let mixed = vec![
        bob.clone(),
        planned(
            "dan@elsewhere.example",
            RecipientKind::To,
            DirectoryEntry::External,
        ),
        planned(
            "team@example.com",
            RecipientKind::Cc,
            DirectoryEntry::MailingList,
        ),
        planned(
            "new@example.com",
            RecipientKind::Cc,
            DirectoryEntry::PreProvisionedUser(UserId::new([8; 16])),
        ),
        planned(
            "crm@example.com",
            RecipientKind::To,
            DirectoryEntry::ThirdPartyIntegration,
        ),
    ];
    match crate::mail::footer::plan(&state, &mixed, MailContext::Personal) {
        Plan::NotE2e { reasons, .. } => assert_eq!(
            reasons,
            vec![
                NotE2eReason::External("dan@elsewhere.example".into()),
                NotE2eReason::MailingList("team@example.com".into()),
                NotE2eReason::PreProvisioned("new@example.com".into()),
                NotE2eReason::ThirdPartyIntegration("crm@example.com".into()),
            ]
        ),
        other => panic!("expected NotE2e, got {other:?}"),
    }
    match crate::mail::footer::plan(&state, core::slice::from_ref(&bob), MailContext::Calendar) {
        Plan::NotE2e { reasons, .. } => assert_eq!(reasons, vec![NotE2eReason::CalendarMail]),
        other => panic!("expected NotE2e, got {other:?}"),
    }

    // Carol's only device was revoked (by the server): no one to read the mail.
    let carol_gone = w
        .carol
        .chain
        .extend(&[w.carol.chain.server_revoke(w.carol.device.id(), 2)])
        .unwrap();
    let revoked = planned(
        "carol@example.com",
        RecipientKind::To,
        DirectoryEntry::User(&carol_gone),
    );
    match crate::mail::footer::plan(&state, &[bob.clone(), revoked], MailContext::Personal) {
        Plan::Refuse { reasons } => assert_eq!(
            reasons,
            vec![RefusalReason::AllDevicesRevoked("carol@example.com".into())]
        ),
        other => panic!("expected Refuse, got {other:?}"),
    }
    let no_server = SenderState {
        server: None,
        ..state.clone()
    };
    match crate::mail::footer::plan(&no_server, &mixed, MailContext::Personal) {
        Plan::Refuse { reasons } => assert_eq!(reasons, vec![RefusalReason::NoServerKey]),
        other => panic!("expected Refuse, got {other:?}"),
    }
    let keyless = SenderState {
        chain: None,
        ..state.clone()
    };
    match crate::mail::footer::plan(&keyless, core::slice::from_ref(&bob), MailContext::Personal) {
        Plan::Refuse { reasons } => {
            assert_eq!(reasons, vec![RefusalReason::SenderHasNoKey])
        }
        other => panic!("expected Refuse, got {other:?}"),
    }
    // A sending device that is not in the sender's chain, or a sender who must rotate.
    let stranger_device = SenderState {
        device: DeviceId::new([0x77; 16]),
        ..state.clone()
    };
    let must_rotate_chain = w
        .alice
        .chain
        .extend(&[w.alice.chain.server_revoke(w.alice.device.id(), 2)])
        .unwrap();
    let must_rotate = SenderState {
        chain: Some(&must_rotate_chain),
        ..state
    };
    for (s, want) in [
        (stranger_device, vec![RefusalReason::SenderDeviceNotActive]),
        (
            must_rotate,
            vec![
                RefusalReason::SenderDeviceNotActive,
                RefusalReason::SenderMustRotate,
            ],
        ),
    ] {
        match crate::mail::footer::plan(&s, core::slice::from_ref(&bob), MailContext::Personal) {
            Plan::Refuse { reasons } => assert_eq!(reasons, want),
            other => panic!("expected Refuse, got {other:?}"),
        }
    }
}

#[test]
fn a_plan_applied_and_sealed_gets_the_footer_it_promised() {
    let w = world(48);
    let mut r = ChaCha20Rng::from_seed([48; 32]);
    let state = sender_state(&w);
    let bob = planned(
        &w.bob.address,
        RecipientKind::To,
        DirectoryEntry::User(&w.bob.chain),
    );
    let external = planned(
        "dan@elsewhere.example",
        RecipientKind::Cc,
        DirectoryEntry::External,
    );
    for (recipients, expected) in [
        (vec![bob.clone()], Footer::E2eEncrypted),
        (vec![bob, external], Footer::ServerEncrypted),
    ] {
        let p = crate::mail::footer::plan(&state, &recipients, MailContext::Personal);
        let sealer = MailSealer::new(SUITE, w.alice.sender(), "<planned@example.com>", 1).unwrap();
        let mut sealer = p.apply(sealer).unwrap();
        sealer.add_piece(b"planned", &mut r).unwrap();
        let env = sealer.seal(&mut r).unwrap();
        let opened = w
            .bob
            .open(&copy_of(&env, &w.bob.id), &[&w.alice.chain])
            .unwrap();
        assert_eq!(classify(&opened, true).footer, expected);
    }
}

#[test]
fn server_validation_checks_structure_and_piece_sizes_without_keys() {
    let mut w = world(49);
    let (env, body) = e2e_mail(&mut w, b"validated");
    let n = body.len() as u64;
    let info = validate_envelope(&env, &[n]).unwrap();
    assert_eq!(info.boxes.len(), 3);
    assert_eq!(info.header.message_id, "<e2e@example.com>");
    let size = |i| Some(Error::Malformed(Malformed::PieceSize { index: i }));
    assert_eq!(validate_envelope(&env, &[n + 1]).err(), size(0));
    assert_eq!(
        validate_envelope(&env, &[n, n]).err(),
        Some(Malformed::ManifestMismatch.into())
    );
    validate_copy(&copy_of(&env, &w.bob.id), &[n]).unwrap();
    assert_eq!(
        validate_copy(&copy_of(&env, &w.bob.id), &[n - 1]).err(),
        size(0)
    );

    let set = Some(Error::Malformed(Malformed::Field(Field::RecipientSet)));
    let base = Envelope::parse(&env).unwrap();
    let mut dropped = base.clone();
    dropped.boxes.remove(2);
    assert_eq!(validate_envelope(&dropped.encode(), &[n]).err(), set);
    let mut no_record = base.clone();
    no_record.sender_record = None;
    assert_eq!(validate_envelope(&no_record.encode(), &[n]).err(), set);
    let mut expiry = base.clone();
    let (mut h, _) = RoutingHeader::parse(&base.header.0).unwrap();
    h.expiry = Some(5);
    expiry.header = Bytes(h.encode());
    assert_eq!(
        validate_envelope(&expiry.encode(), &[n]).err(),
        Some(Error::Malformed(Malformed::Field(Field::Expiry)))
    );
    // Server-sealed list mail names the list (external) as received and boxes only members.
    let fan_out = InboundMail {
        origin: Origin::MailingList,
        sender_address: w.alice.address.clone(),
        sender_user: Some(w.alice.id),
        message_id: "<list@example.com>".into(),
        timestamp: 3,
        to: vec![Party {
            address: "team@example.com".into(),
            user: None,
        }],
        cc: vec![],
        recipients: vec![w.bob.key(), w.carol.key()],
        pieces: vec![b"to the team"],
    };
    let sealed = seal_inbound(SUITE, &fan_out, &mut w.r).unwrap();
    let info = validate_envelope(&sealed.envelope, &[sealed.pieces[0].len() as u64]).unwrap();
    assert_eq!(info.external, vec![String::from("team@example.com")]);
    assert!(info.boxes.iter().all(|b| b.kind == RecipientKind::Bcc));
    // A server-sealed envelope cannot carry a server box or a sender box.
    let (inb, ib) = inbound(&mut w, Origin::InboundExternal, false);
    let mut with_sender_record = Envelope::parse(&inb).unwrap();
    with_sender_record.sender_record = Some(Bytes(vec![0; 10]));
    assert_eq!(
        validate_envelope(&with_sender_record.encode(), &[ib.len() as u64]).err(),
        set
    );
}

#[test]
fn unsigned_box_under_a_signed_header_and_vice_versa_are_rejected() {
    let mut w = world(50);
    // Server-sealed envelope relabelled origin 0 with a vouched device: the digest changes.
    let (inb, _) = inbound(&mut w, Origin::InboundExternal, false);
    let copy = edit_header(&copy_of(&inb, &w.bob.id), |h| {
        h.origin = Origin::SenderDevice;
        h.sender.user = Some(w.alice.id);
        h.sender.device = Some(w.alice.device.id());
    });
    assert!(w.bob.open(&copy, &[&w.alice.chain]).is_err());
}

/// SPEC.md §11.3's stable names, one per decision, all distinct; and each has words for
/// people.
#[test]
fn stable_codes_are_the_specs_and_every_decision_has_words() {
    use alloc::string::ToString;

    use crate::mail::footer::{Caution, NotE2eReason, PlanNote, RefusalReason};
    let a = || String::from("a@example.com");
    let spec = include_str!("../../../SPEC.md");
    let start = spec.find("### 11.3 Stable names").unwrap();
    let end = spec.find("## 12. Identity").unwrap();
    let table = &spec[start..end];
    let mut seen = alloc::collections::BTreeSet::new();
    let mut check = |code: &str, words: String| {
        assert!(
            table.contains(&alloc::format!("`{code}`")),
            "{code} is not in SPEC §11.3"
        );
        assert!(!words.is_empty() && words != code, "{code} has no words");
        seen.insert(code.to_string());
    };
    for f in [Footer::E2eEncrypted, Footer::ServerEncrypted] {
        check(f.code(), f.to_string());
    }
    assert_eq!(Footer::E2eEncrypted.to_string(), "E2E Encrypted");
    assert_eq!(Footer::ServerEncrypted.to_string(), "Server Encrypted");
    for s in [
        SenderStatus::VerifiedActiveDevice,
        SenderStatus::RevokedDevice,
        SenderStatus::EscrowDevice,
        SenderStatus::BackupDevice,
        SenderStatus::Unsigned,
    ] {
        check(s.code(), alloc::format!("{s:?}"));
    }
    for r in [
        ServerEncryptedReason::Unsigned,
        ServerEncryptedReason::ServerSealed(Origin::System),
        ServerEncryptedReason::MailingList,
        ServerEncryptedReason::External,
        ServerEncryptedReason::FlaggedNotE2eBySender,
        ServerEncryptedReason::RevokedSenderDevice,
        ServerEncryptedReason::SignedByEscrowDevice,
        ServerEncryptedReason::SignedByBackupDevice,
        ServerEncryptedReason::FromNotTheSenders,
        ServerEncryptedReason::AccessRestricted,
    ] {
        check(r.code(), r.to_string());
    }
    for c in [Caution::UnknownSender, Caution::OlderKeyGeneration] {
        check(c.code(), c.to_string());
    }
    for r in [
        NotE2eReason::External(a()),
        NotE2eReason::PreProvisioned(a()),
        NotE2eReason::MailingList(a()),
        NotE2eReason::ThirdPartyIntegration(a()),
        NotE2eReason::SystemMail,
        NotE2eReason::CalendarMail,
    ] {
        assert_eq!(
            r.address().is_some(),
            r.to_string().contains("a@example.com")
        );
        check(r.code(), r.to_string());
    }
    for r in [
        RefusalReason::AllDevicesRevoked(a()),
        RefusalReason::AddressNotTheUsers(a()),
        RefusalReason::SenderHasNoKey,
        RefusalReason::SenderDeviceNotActive,
        RefusalReason::SenderMustRotate,
        RefusalReason::NoServerKey,
        RefusalReason::NonUserInBcc(a()),
    ] {
        assert_eq!(
            r.address().is_some(),
            r.to_string().contains("a@example.com")
        );
        check(r.code(), r.to_string());
    }
    for n in [
        PlanNote::Escrowed {
            address: a(),
            ea_group: UserId::new([1; 16]),
        },
        PlanNote::KeyRotationDue(a()),
    ] {
        assert_eq!(n.address(), "a@example.com");
        check(n.code(), n.to_string());
    }
    // Footer, status, reasons and cautions share no code except where the same fact is named
    // (`unsigned`, `external`, `mailing_list`).
    assert!(seen.len() >= 30, "{seen:?}");
}

/// SPEC.md §11.1: the planner checks what sealing will refuse (§6.8), so an E2E plan always
/// seals: no recipient, a user listed twice (under any addresses and kinds), a user of
/// another suite; and a chain failing both recipient checks gets both reasons.
#[test]
fn planner_refuses_what_sealing_would_refuse() {
    let w = world(48);
    let mut r = ChaCha20Rng::from_seed([49; 32]);
    let s = sender_state(&w);
    let reasons = |plan: Plan| match plan {
        Plan::Refuse { reasons } => reasons,
        other => panic!("not refused: {other:?}"),
    };
    assert_eq!(
        reasons(crate::mail::footer::plan(&s, &[], MailContext::Personal)),
        vec![RefusalReason::NoRecipients]
    );
    let bob = DirectoryEntry::User(&w.bob.chain);
    let twice = [
        planned("bob@example.com", RecipientKind::To, bob.clone()),
        planned("bob@example.com", RecipientKind::Bcc, bob.clone()),
    ];
    assert_eq!(
        reasons(crate::mail::footer::plan(&s, &twice, MailContext::Personal)),
        vec![RefusalReason::RecipientTwice("bob@example.com".into())]
    );
    // Writing to oneself beside others is fine: the sender's own box covers the sender.
    let alice = DirectoryEntry::User(&w.alice.chain);
    let with_self = [
        planned("alice@example.com", RecipientKind::To, alice),
        planned("bob@example.com", RecipientKind::To, bob.clone()),
    ];
    assert!(matches!(
        crate::mail::footer::plan(&s, &with_self, MailContext::Personal),
        Plan::E2e { .. }
    ));
    let other_suite = if SUITE == Suite::X25519 {
        Suite::XWing
    } else {
        Suite::X25519
    };
    let stranger = crate::hazmat::TestUser::generate(
        other_suite,
        UserId::new([0x77; 16]),
        "stranger@example.com",
        DeviceId::new([0x77; 16]),
        &mut r,
    )
    .unwrap();
    let mixed = [planned(
        "stranger@example.com",
        RecipientKind::To,
        DirectoryEntry::User(&stranger.chain),
    )];
    assert_eq!(
        reasons(crate::mail::footer::plan(&s, &mixed, MailContext::Personal)),
        vec![RefusalReason::RecipientOfAnotherSuite(
            "stranger@example.com".into()
        )]
    );
    // Both recipient checks fail: both reasons, the address first.
    let gone = w
        .carol
        .chain
        .extend(&[w.carol.chain.server_revoke(w.carol.device.id(), 2)])
        .unwrap();
    let both = [planned(
        "not-carol@example.com",
        RecipientKind::To,
        DirectoryEntry::User(&gone),
    )];
    assert_eq!(
        reasons(crate::mail::footer::plan(&s, &both, MailContext::Personal)),
        vec![
            RefusalReason::AddressNotTheUsers("not-carol@example.com".into()),
            RefusalReason::AllDevicesRevoked("not-carol@example.com".into()),
        ]
    );
    // What the planner calls E2E seals.
    if let Plan::E2e { recipients, .. } =
        crate::mail::footer::plan(&s, &with_self, MailContext::Personal)
    {
        let mut sealer = MailSealer::new(SUITE, w.alice.sender(), "<p@example.com>", 3).unwrap();
        for (kind, key) in recipients {
            sealer = match kind {
                RecipientKind::To => sealer.to(key),
                RecipientKind::Cc => sealer.cc(key),
                _ => sealer.bcc(key),
            };
        }
        sealer.add_piece(b"hi", &mut r).unwrap();
        sealer.seal(&mut r).unwrap();
    }
}

/// Sealers refuse what every reader would refuse (third review): a header past its limit,
/// an inbound box for the header's own sender user or under another spelling of a To
/// address, a key of generation 0 or a chain position 0.
#[test]
fn sealers_refuse_mail_their_readers_would_refuse() {
    let mut w = world(50);
    // 1023 external To addresses of 320 bytes: a header over 256 KiB.
    let long = |i: usize| alloc::format!("{i:04}{}@elsewhere.example", "x".repeat(298));
    let mut sealer = MailSealer::new(SUITE, w.alice.sender(), "<big@example.com>", 4).unwrap();
    for i in 0..1023 {
        sealer = sealer.external(RecipientKind::To, long(i));
    }
    let mut sealer = sealer.server_access(w.server.server_key());
    sealer.add_piece(b"hi", &mut w.r).unwrap();
    assert_eq!(sealer.seal(&mut w.r).err(), Some(Limit::HeaderSize.into()));
    // Inbound: the poster of a list who is also a member gets no box of its own mail.
    let inbound =
        |to: Vec<Party>, sender_user: Option<UserId>, keys: Vec<RecipientKey>| InboundMail {
            origin: Origin::MailingList,
            sender_address: "bob@example.com".into(),
            sender_user,
            message_id: "<list@example.com>".into(),
            timestamp: 12,
            to,
            cc: vec![],
            recipients: keys,
            pieces: vec![b"list mail"],
        };
    let bob_to = |address: &str| Party {
        address: address.into(),
        user: Some(w.bob.id),
    };
    let mail = inbound(vec![], Some(w.bob.id), vec![w.bob.key()]);
    assert_eq!(
        seal_inbound(SUITE, &mail, &mut w.r).err(),
        Some(Malformed::Field(Field::RecipientSet).into())
    );
    // A To box under another spelling of the header's address.
    let mail = inbound(vec![bob_to("Bob@Example.com")], None, vec![w.bob.key()]);
    assert_eq!(
        seal_inbound(SUITE, &mail, &mut w.r).err(),
        Some(Malformed::Field(Field::RecipientSet).into())
    );
    let mail = inbound(vec![bob_to("bob@example.com")], None, vec![w.bob.key()]);
    assert!(seal_inbound(SUITE, &mail, &mut w.r).is_ok());
    // Keys whose box validation would refuse.
    let mut zero_generation = w.server.server_key();
    zero_generation.puk.generation = 0;
    let mut zero_tail = w.bob.key();
    zero_tail.tail = zero_tail
        .tail
        .map(|t| crate::identity::ChainTail { seq: 0, ..t });
    for (key, err) in [
        (zero_generation, Field::Generation),
        (zero_tail, Field::ChainTail),
    ] {
        let s = MailSealer::new(SUITE, w.alice.sender(), "<k@example.com>", 5).unwrap();
        // The server's key (no chain) goes in as server access, a user's key as To.
        let mut s = match key.tail {
            None => s
                .to(w.bob.key())
                .external(RecipientKind::Cc, "dan@elsewhere.example")
                .server_access(key),
            Some(_) => s.to(key),
        };
        s.add_piece(b"hi", &mut w.r).unwrap();
        assert_eq!(s.seal(&mut w.r).err(), Some(Malformed::Field(err).into()));
    }
}

/// SPEC.md §6.8: what the inputs decide is refused before any randomness is drawn, the need
/// for server access included (it was found only after every piece was sealed).
#[test]
fn server_access_is_refused_before_anything_is_drawn() {
    let w = world(51);
    let message = crate::mail::seal::Message {
        message_id: "<ext@example.com>".into(),
        timestamp: 6,
        to: vec![w.bob.key()],
        external: vec![(RecipientKind::Cc, "dan@elsewhere.example".into())],
        pieces: vec![&[7u8; 100_000][..]],
        ..Default::default()
    };
    let mut empty = crate::hazmat::TapeRng::new(Vec::new());
    assert_eq!(
        crate::mail::seal::seal_mail(SUITE, w.alice.sender(), &message, &mut empty).err(),
        Some(Misuse::NeedsServerAccess.into())
    );
    assert!(!empty.overrun(), "randomness was drawn before the refusal");
    // Access-restricted mail: no pieces is refused before the link key is drawn.
    let mut empty = crate::hazmat::TapeRng::new(Vec::new());
    let restricted = MailSealer::new(SUITE, w.alice.sender(), "<r@example.com>", 7)
        .unwrap()
        .external(RecipientKind::To, "dan@elsewhere.example")
        .access_restricted(100);
    assert_eq!(
        restricted.seal_restricted(&mut empty).err(),
        Some(Misuse::NoPieces.into())
    );
    assert!(!empty.overrun());
}
