//! Tests that pin the lines a mutation run showed no other test looks at (TESTING.md): the
//! footer's conditions, the planner's branches, the box kind against the header, the sender
//! record's checks, and a canonical-CBOR bound. Where the attack needs a sender that signs
//! what it likes, a test-only sealer below builds it from the crate's own parts.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use crate::error::{AuthFailure, Error, Field, Malformed};
use crate::identity::{self, ChainState};
use crate::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use crate::mail::envelope::build::{self, Parts, self_box_key, sender_record_key};
use crate::mail::envelope::digest::{
    DigestInput, RecipientEntry, SenderBinding, bcc_commitment, header_hash, recipient_digest,
};
use crate::mail::envelope::manifest::{Manifest, PieceEntry};
use crate::mail::envelope::recipient_box::BoxPlaintext;
use crate::mail::envelope::sender_record::{RecordEntry, SenderRecord};
use crate::mail::envelope::tree::{self, Tree};
use crate::mail::envelope::{
    Copy, FormatVersion, Origin, Party, RecipientKind, RoutingHeader, SenderParty, WireBox,
};
use crate::mail::footer::{
    DirectoryEntry, Footer, MailContext, Plan, PlannedRecipient, RefusalReason, SenderState,
    ServerEncryptedReason, classify, plan,
};
use crate::mail::open::{Mailbox, OpenedMail, open_copy};
use crate::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use crate::mail::server::split_envelope;
use crate::piece::{self, PieceDigest, PieceKey, Purpose};
use crate::suite::Suite;
use crate::wire::{Bytes, Fixed};

const SUITE: Suite = Suite::X25519;

struct Person {
    id: UserId,
    address: String,
    puk: PukSecret,
    device: DeviceSecret,
    chain: ChainState,
}

impl Person {
    fn new(n: u8, name: &str, r: &mut ChaCha20Rng) -> Person {
        let id = UserId::new([n; 16]);
        let address = alloc::format!("{name}@example.com");
        let puk = PukSecret::generate(SUITE, id, 1, r).unwrap();
        let device = DeviceSecret::generate(SUITE, DeviceId::new([n ^ 0x80; 16]), r);
        let root = identity::root(SUITE, id, &device, puk.public(), &[&address], 1).unwrap();
        Person {
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
    fn party(&self) -> Party {
        Party {
            address: self.address.clone(),
            user: Some(self.id),
        }
    }
    fn sender(&self) -> SenderIdentity<'_> {
        SenderIdentity {
            address: &self.address,
            puk: &self.puk,
            device: &self.device,
            chain: &self.chain,
        }
    }
    fn open(&self, copy: &[u8], sender: &Person) -> Result<OpenedMail, Error> {
        open_copy(
            copy,
            &Mailbox::new(&self.chain, [&self.puk]).without_key_transparency(),
            &[&sender.chain],
        )
    }
}

fn header(
    sender: &Person,
    to: Vec<Party>,
    cc: Vec<Party>,
    (piece_len, digest): (u64, PieceDigest),
) -> RoutingHeader {
    RoutingHeader {
        sender: SenderParty {
            address: sender.address.clone(),
            chain: Some(sender.chain.tail()),
            device: Some(sender.device.id()),
            user: Some(sender.id),
        },
        origin: Origin::SenderDevice,
        piece_sizes: vec![piece_len],
        piece_digests: vec![digest],
        suite: SUITE,
        timestamp: 1,
        version: FormatVersion::V1,
        expiry: None,
        cc,
        message_id: "<strength@example.com>".into(),
        to,
    }
}

fn one_piece(r: &mut ChaCha20Rng) -> (Vec<u8>, PieceEntry) {
    let key = PieceKey::generate(r);
    let sealed = piece::seal(SUITE, Purpose::MailPiece, &key, r, b"body").unwrap();
    (
        sealed.ciphertext,
        PieceEntry {
            key,
            digest: sealed.digest,
        },
    )
}

fn copy_of(envelope: &[u8], user: &UserId) -> Vec<u8> {
    split_envelope(envelope)
        .unwrap()
        .into_iter()
        .find(|c| c.user == *user)
        .unwrap()
        .copy
}

/// Alice's signed E2E mail to Bob (with her own box) under `header`, with one piece.
fn alice_to_bob(
    alice: &Person,
    bob: &Person,
    header: RoutingHeader,
    entry: PieceEntry,
    r: &mut ChaCha20Rng,
) -> Vec<u8> {
    let (envelope, _) = build::build(
        Parts {
            suite: SUITE,
            header,
            signer: Some(&alice.device),
            sender_puk: Some(&alice.puk),
            recipients: vec![
                (RecipientKind::Sender, alice.key()),
                (RecipientKind::To, bob.key()),
            ],
            pieces: vec![entry],
            e2e: true,
            bcc_text: String::new(),
            link: None,
            trace: None,
        },
        r,
    )
    .unwrap();
    envelope
}

// ---- Piece digests in the header --------------------------------------------------------

#[test]
fn a_signed_header_whose_piece_digest_is_not_the_manifests_is_refused() {
    // A sender that signs a header naming one piece digest and a manifest holding another:
    // a report of the piece would prove content the recipient never saw.
    let mut r = ChaCha20Rng::from_seed([59; 32]);
    let alice = Person::new(1, "alice", &mut r);
    let bob = Person::new(2, "bob", &mut r);
    let (ct, entry) = one_piece(&mut r);
    let h = header(
        &alice,
        vec![bob.party()],
        vec![],
        (ct.len() as u64, PieceDigest([9; 32])),
    );
    let envelope = alice_to_bob(&alice, &bob, h, entry, &mut r);
    assert_eq!(
        bob.open(&copy_of(&envelope, &bob.id), &alice).err(),
        Some(Malformed::ManifestMismatch.into())
    );
}

// ---- The footer -------------------------------------------------------------------------

#[test]
fn signed_e2e_flag_beside_an_external_party_is_still_server_encrypted() {
    // A buggy or malicious sender flags E2E although To names an external address.
    let mut r = ChaCha20Rng::from_seed([60; 32]);
    let alice = Person::new(1, "alice", &mut r);
    let bob = Person::new(2, "bob", &mut r);
    let (ct, entry) = one_piece(&mut r);
    let dan = Party {
        address: "dan@elsewhere.example".into(),
        user: None,
    };
    let h = header(
        &alice,
        vec![bob.party(), dan],
        vec![],
        (ct.len() as u64, entry.digest),
    );
    let envelope = alice_to_bob(&alice, &bob, h, entry, &mut r);
    // Server validation would refuse to split this (an external party and no server box),
    // so Bob's copy is cut out by hand, as a server that skips validation would.
    let env = crate::mail::envelope::Envelope::parse(&envelope).unwrap();
    let bobs = Copy {
        recipient_box: env.boxes.iter().find(|b| b.user == bob.id).unwrap().clone(),
        header: env.header.clone(),
        manifest: env.manifest.clone(),
        bcc_commitment: env.bcc_commitment,
        sender_record: None,
    }
    .encode();
    let opened = bob.open(&bobs, &alice).unwrap();
    assert!(opened.e2e_flag(), "the signed manifest does say E2E");
    let c = classify(&opened, true);
    assert_eq!(c.footer, Footer::ServerEncrypted);
    assert_eq!(c.reasons, vec![ServerEncryptedReason::External]);
}

// ---- The planner ------------------------------------------------------------------------

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
fn planner_branches_without_a_server_key_and_with_cc_and_bcc() {
    let mut r = ChaCha20Rng::from_seed([61; 32]);
    let alice = Person::new(1, "alice", &mut r);
    let bob = Person::new(2, "bob", &mut r);
    let carol = Person::new(3, "carol", &mut r);
    let dave = Person::new(4, "dave", &mut r);
    let no_server = SenderState {
        chain: Some(&alice.chain),
        device: alice.device.id(),
        server: None,
    };
    let users = [
        planned(
            &bob.address,
            RecipientKind::To,
            DirectoryEntry::User(&bob.chain),
        ),
        planned(
            &carol.address,
            RecipientKind::Cc,
            DirectoryEntry::User(&carol.chain),
        ),
        planned(
            &dave.address,
            RecipientKind::Bcc,
            DirectoryEntry::User(&dave.chain),
        ),
    ];
    // Every recipient an active user: E2E needs no server key.
    let e2e = plan(&no_server, &users, MailContext::Personal);
    assert!(e2e.is_e2e());
    // An external CC without a server key: refused, for that reason.
    let mut with_external = users.to_vec();
    with_external.push(planned(
        "x@elsewhere.example",
        RecipientKind::Cc,
        DirectoryEntry::External,
    ));
    match plan(&no_server, &with_external, MailContext::Personal) {
        Plan::Refuse { reasons } => assert_eq!(reasons, vec![RefusalReason::NoServerKey]),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // With the server's key it is a not-E2E plan, which says so.
    let with_server = SenderState {
        server: Some(RecipientKey::server(
            "server@example.com",
            alice.puk.public().clone(),
        )),
        ..no_server.clone()
    };
    let not_e2e = plan(&with_server, &with_external, MailContext::Personal);
    assert!(matches!(not_e2e, Plan::NotE2e { .. }));
    assert!(!not_e2e.is_e2e());
    assert!(!plan(&no_server, &with_external, MailContext::Personal).is_e2e());

    // Applying the E2E plan addresses each user as planned: To, CC and BCC boxes.
    let sealer = MailSealer::new(SUITE, alice.sender(), "<plan@example.com>", 1).unwrap();
    let mut sealer = e2e.apply(sealer).unwrap();
    sealer.add_piece(b"hi", &mut r).unwrap();
    let envelope = sealer.seal(&mut r).unwrap();
    let kinds: Vec<(UserId, RecipientKind)> = split_envelope(&envelope)
        .unwrap()
        .iter()
        .map(|c| (c.user, c.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (alice.id, RecipientKind::Sender),
            (bob.id, RecipientKind::To),
            (carol.id, RecipientKind::Cc),
            (dave.id, RecipientKind::Bcc),
        ]
    );
}

// ---- The box kind against the header (SPEC.md §6.9 step 3) --------------------------------

/// Alice mails Bob (To) and Carol (BCC); returns everyone and the envelope.
fn to_and_bcc() -> (Person, Person, Person, Vec<u8>) {
    let mut r = ChaCha20Rng::from_seed([62; 32]);
    let alice = Person::new(1, "alice", &mut r);
    let bob = Person::new(2, "bob", &mut r);
    let carol = Person::new(3, "carol", &mut r);
    let mut s = MailSealer::new(SUITE, alice.sender(), "<kinds@example.com>", 1)
        .unwrap()
        .to(bob.key())
        .bcc(carol.key());
    s.add_piece(b"hi", &mut r).unwrap();
    let envelope = s.seal(&mut r).unwrap();
    (alice, bob, carol, envelope)
}

fn edited(copy: &[u8], edit: impl FnOnce(&mut Copy, &mut RoutingHeader)) -> Vec<u8> {
    let mut c = Copy::parse(copy).unwrap();
    let (mut h, _) = RoutingHeader::parse(&c.header.0).unwrap();
    edit(&mut c, &mut h);
    c.header = Bytes(h.encode());
    c.encode()
}

/// Refused by the structural check, before any cryptography: `RecipientSet`, not a failed box.
fn refused_as_misplaced(opened: Result<OpenedMail, Error>) {
    assert_eq!(
        opened.err(),
        Some(Malformed::Field(Field::RecipientSet).into())
    );
}

#[test]
fn a_box_whose_kind_the_header_contradicts_is_refused_before_decryption() {
    let (alice, bob, carol, envelope) = to_and_bcc();
    let bobs = copy_of(&envelope, &bob.id);
    let carols = copy_of(&envelope, &carol.id);
    let alices = copy_of(&envelope, &alice.id);
    // A To box whose address is not the one the header names for that user.
    refused_as_misplaced(bob.open(
        &edited(&bobs, |c, _| {
            c.recipient_box.address = "bob@elsewhere.example".into()
        }),
        &alice,
    ));
    // Carol's BCC box while the header names her in CC.
    refused_as_misplaced(carol.open(&edited(&carols, |_, h| h.cc.push(carol.party())), &alice));
    // The sender's own box in mail presented as server-sealed.
    refused_as_misplaced(alice.open(
        &edited(&alices, |_, h| {
            h.origin = Origin::InboundExternal;
            h.sender.device = None;
            h.sender.chain = None;
        }),
        &alice,
    ));
    // A server-access box in mail presented as server-sealed.
    refused_as_misplaced(carol.open(
        &edited(&carols, |c, h| {
            c.recipient_box.kind = RecipientKind::ServerAccess.code();
            h.origin = Origin::InboundExternal;
            h.sender.device = None;
            h.sender.chain = None;
        }),
        &alice,
    ));
    // A To box for the sender's own user.
    refused_as_misplaced(bob.open(
        &edited(&bobs, |_, h| {
            h.sender.user = Some(bob.id);
        }),
        &alice,
    ));
    // A CC box for the sender's own user.
    let mut r = ChaCha20Rng::from_seed([65; 32]);
    let mut s = MailSealer::new(SUITE, alice.sender(), "<cc@example.com>", 1)
        .unwrap()
        .to(carol.key())
        .cc(bob.key());
    s.add_piece(b"hi", &mut r).unwrap();
    let bobs_cc = copy_of(&s.seal(&mut r).unwrap(), &bob.id);
    assert!(bob.open(&bobs_cc, &alice).is_ok());
    refused_as_misplaced(bob.open(
        &edited(&bobs_cc, |_, h| {
            h.sender.user = Some(bob.id);
        }),
        &alice,
    ));
}

/// Chain tails sit exactly where SPEC.md §6.1 and §6.4 put them, with positions from 1.
#[test]
fn chain_tails_out_of_place_are_refused_before_decryption() {
    let (alice, bob, carol, envelope) = to_and_bcc();
    let bobs = copy_of(&envelope, &bob.id);
    let carols = copy_of(&envelope, &carol.id);
    let tail_refused = Some(Malformed::Field(Field::ChainTail).into());
    // The header's sender tail at position 0.
    let zero = edited(&bobs, |_, h| {
        if let Some(t) = h.sender.chain.as_mut() {
            t.seq = 0;
        }
    });
    assert_eq!(bob.open(&zero, &alice).err(), tail_refused);
    // Device-signed mail whose header names no sender tail.
    let none = edited(&bobs, |_, h| h.sender.chain = None);
    assert_eq!(
        bob.open(&none, &alice).err(),
        Some(Malformed::Field(Field::Origin).into())
    );
    // A user's box without its tail, and a box tail at position 0.
    let untailed = edited(&carols, |c, _| c.recipient_box.tail = None);
    assert_eq!(carol.open(&untailed, &alice).err(), tail_refused);
    let zero_box = edited(&carols, |c, _| {
        if let Some(t) = c.recipient_box.tail.as_mut() {
            t.seq = 0;
        }
    });
    assert_eq!(carol.open(&zero_box, &alice).err(), tail_refused);
    // A tail on a box of server-sealed mail.
    let server_sealed = edited(&carols, |_, h| {
        h.origin = Origin::InboundExternal;
        h.sender.device = None;
        h.sender.chain = None;
    });
    assert_eq!(carol.open(&server_sealed, &alice).err(), tail_refused);
}

// ---- The sender record (SPEC.md §6.9 step 10) ---------------------------------------------

/// One entry of a forged sender record.
#[derive(Clone)]
struct Forged {
    kind: RecipientKind,
    who: usize,
    position: u16,
    salt: [u8; 32],
}

/// A test-only sealer that signs whatever recipient tree and record it is given: the tree is
/// built from exactly the record's entries (so the signature matches the record), and the
/// sender's own box sits at entry `own`. Returns the sender's own copy.
fn forge_sender_copy(
    people: &[&Person],
    header: RoutingHeader,
    entries: &[Forged],
    own: usize,
) -> Vec<u8> {
    let mut r = ChaCha20Rng::from_seed([63; 32]);
    let alice = people[0];
    let (_, entry) = one_piece(&mut r);
    let mut header = header;
    header.piece_digests = vec![entry.digest];
    let header_bytes = header.encode();
    let hh = header_hash(&header_bytes);
    let mk = PieceKey::generate(&mut r);
    let manifest = Manifest {
        e2e: true,
        pieces: vec![entry],
    }
    .seal(SUITE, &mk, &mut r)
    .unwrap();
    let mut bcc_key = [0u8; 32];
    r.fill_bytes(&mut bcc_key);
    let commitment = bcc_commitment(SUITE, &bcc_key, "");
    let sender = SenderBinding::signed(
        &alice.id,
        &alice.device.id(),
        &alice.device.public().verifying_key,
        alice.chain.tail(),
    );
    let digests: Vec<[u8; 32]> = entries
        .iter()
        .map(|e| {
            let p = people[e.who];
            recipient_digest(&DigestInput {
                suite: SUITE,
                header_hash: &hh,
                sender,
                recipient: RecipientEntry {
                    address: &p.address,
                    user: &p.id,
                    generation: 1,
                    kind: e.kind,
                    key_fingerprint: &p.puk.public().mail_key.fingerprint(),
                    tail: Some(&p.chain.tail()),
                },
                manifest_digest: &manifest.digest,
                bcc_commitment: &commitment,
            })
        })
        .collect();
    let mut tree_key = [0u8; 32];
    r.fill_bytes(&mut tree_key);
    let leaves = entries
        .iter()
        .zip(&digests)
        .map(|(e, d)| (usize::from(e.position), tree::leaf(&e.salt, d)))
        .collect();
    let tree = Tree::build(leaves, tree_key);
    let signature = alice
        .device
        .sign(&tree::signed_message(SUITE, &tree.root()));
    let own_entry = &entries[own];
    let plaintext = BoxPlaintext {
        signed: true,
        message_key: *mk.expose_secret(),
        salt: own_entry.salt,
        position: usize::from(own_entry.position),
        path: tree.path(usize::from(own_entry.position)),
        signature,
    }
    .encode();
    let box_ct = piece::seal(
        SUITE,
        Purpose::SelfBox,
        &self_box_key(&alice.puk, &digests[own]),
        &mut r,
        &plaintext,
    )
    .unwrap()
    .ciphertext;
    let record = SenderRecord {
        recipients: entries
            .iter()
            .map(|e| {
                let p = people[e.who];
                RecordEntry {
                    address: p.address.clone(),
                    key_fingerprint: Fixed(p.puk.public().mail_key.fingerprint()),
                    generation: 1,
                    position: e.position,
                    kind: e.kind.code(),
                    salt: Fixed(e.salt),
                    tail: Some(p.chain.tail()),
                    user: p.id,
                }
            })
            .collect(),
        bcc_key: Fixed(bcc_key),
        tree_key: Fixed(tree_key),
        bcc: String::new(),
    };
    let record_ct = record
        .seal(SUITE, &sender_record_key(&alice.puk, &digests[own]), &mut r)
        .unwrap();
    Copy {
        recipient_box: WireBox {
            address: alice.address.clone(),
            ciphertext: Bytes(box_ct),
            enc: Bytes(Vec::new()),
            generation: 1,
            kind: RecipientKind::Sender.code(),
            tail: Some(alice.chain.tail()),
            user: alice.id,
        },
        header: Bytes(header_bytes),
        manifest: Bytes(manifest.ciphertext),
        bcc_commitment: Fixed(commitment),
        sender_record: Some(Bytes(record_ct)),
    }
    .encode()
}

fn entry(kind: RecipientKind, who: usize, position: u16, salt: u8) -> Forged {
    Forged {
        kind,
        who,
        position,
        salt: [salt; 32],
    }
}

#[test]
fn a_signed_sender_record_that_lies_about_the_recipients_is_refused() {
    let mut r = ChaCha20Rng::from_seed([64; 32]);
    let alice = Person::new(1, "alice", &mut r);
    let bob = Person::new(2, "bob", &mut r);
    let mallory = Person::new(3, "mallory", &mut r);
    let people = [&alice, &bob, &mallory];
    let h = || header(&alice, vec![bob.party()], vec![], (0, PieceDigest([0; 32])));
    let own = entry(RecipientKind::Sender, 0, 10, 1);
    let to_bob = entry(RecipientKind::To, 1, 20, 2);
    // The honest record opens: the forger itself is sound.
    let honest = forge_sender_copy(&people, h(), &[own.clone(), to_bob.clone()], 0);
    let opened = alice.open(&honest, &alice).unwrap();
    assert_eq!(opened.sent_record().unwrap().recipients.len(), 2);

    let refused = |entries: &[Forged], header: RoutingHeader| {
        let copy = forge_sender_copy(&people, header, entries, 0);
        assert_eq!(
            alice.open(&copy, &alice).err(),
            Some(AuthFailure::RecipientList.into()),
            "entries at {:?}",
            entries.iter().map(|e| e.position).collect::<Vec<_>>()
        );
    };
    // An extra BCC "recipient" at a position past the tree: it would never be in the signed
    // root, yet the record would list it.
    refused(
        &[
            own.clone(),
            to_bob.clone(),
            entry(RecipientKind::Bcc, 2, 1500, 3),
        ],
        h(),
    );
    // Bob listed twice at one position. (Two different leaves at one position cannot both
    // sit in a consistent tree; two identical ones can, and only the position check sees it.)
    refused(&[own.clone(), to_bob.clone(), to_bob.clone()], h());
    // Two entries for the sender's own user.
    refused(
        &[
            own.clone(),
            to_bob.clone(),
            entry(RecipientKind::Sender, 0, 30, 4),
        ],
        h(),
    );
    // Bob is named in To but absent from the record, and the server has no box.
    refused(core::slice::from_ref(&own), h());
}

// ---- Canonical CBOR ---------------------------------------------------------------------

#[test]
fn a_map_that_ends_exactly_at_the_end_of_the_input_is_accepted() {
    // One pair of one-byte items: the pair count equals the bytes left after the head.
    assert_eq!(crate::wire::canonical::check(&[0xa1, 0x01, 0x02]), Ok(()));
    assert_eq!(
        crate::wire::canonical::check(&[0xa2, 0x01, 0x02, 0x03, 0x04]),
        Ok(())
    );
    assert!(crate::wire::canonical::check(&[0xa2, 0x01, 0x02, 0x03]).is_err());
}
