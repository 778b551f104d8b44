//! Key transparency (SPEC.md §14): the attacks a log and its witnesses are there to catch.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::log::{MemoryLog, MemoryWitness};
use super::{LogEntry, LogPolicy, MonitorFinding, TransparencyError, TransparencyView};
use crate::error::{ChainError, Error};
use crate::identity::ChainTail;
use crate::identity::tests::{Account, device};

const ORIGIN: &str = "mail.example.com/log";

fn err(e: TransparencyError) -> Option<Error> {
    Some(e.into())
}

struct World {
    log: MemoryLog,
    witnesses: Vec<MemoryWitness>,
    alice: Account,
    bob: Account,
    laptop: crate::keys::DeviceSecret,
}

impl World {
    fn new(seed: u8) -> World {
        let mut r = ChaCha20Rng::from_seed([seed; 32]);
        let laptop = device(1, &mut r);
        let alice = Account::new(1, &laptop, "alice@example.com", seed);
        let bob = Account::new(
            2,
            &device(2, &mut r),
            "bob@example.com",
            seed.wrapping_add(1),
        );
        let log = MemoryLog::new(ORIGIN, [seed; 32]).unwrap();
        let witnesses = (0..3)
            .map(|i| {
                let name = alloc::format!("witness{i}.example.org");
                MemoryWitness::new(&name, [0x40 + i; 32], ORIGIN, log.verifying_key()).unwrap()
            })
            .collect();
        World {
            log,
            witnesses,
            alice,
            bob,
            laptop,
        }
    }

    /// The log's current checkpoint, cosigned by the first `n` witnesses.
    fn witnessed(&mut self, n: usize, time: u64) -> Vec<u8> {
        let mut note = self.log.checkpoint();
        for w in self.witnesses.iter_mut().take(n) {
            let proof = self.log.consistency_from(w.size());
            let cosigned = w.cosign(&note, &proof, time).unwrap();
            note = cosigned;
        }
        note
    }

    /// A client trusting the three witnesses with a threshold of two.
    fn client(&self) -> TransparencyView {
        let ids = self.witnesses.iter().map(MemoryWitness::identity).collect();
        TransparencyView::new(LogPolicy::new(ORIGIN, self.log.verifying_key(), ids, 2).unwrap())
    }
}

#[test]
fn a_published_tail_verifies_under_a_witnessed_checkpoint() {
    let mut w = World::new(1);
    let a = w.log.publish(&w.alice.state).unwrap();
    let b = w.log.publish(&w.bob.state).unwrap();
    let note = w.witnessed(2, 10);
    let mut client = w.client();
    client.update(&note, &[]).unwrap();
    for (chain, index) in [(&w.alice.state, a), (&w.bob.state, b)] {
        let p = client
            .verify_published(
                chain,
                index,
                &w.log.entry(index).unwrap(),
                &w.log.inclusion(index).unwrap(),
            )
            .unwrap();
        assert_eq!(
            (p.index, p.seq, p.checkpoint_size),
            (index, chain.tail().seq, 2)
        );
    }
    // Bob's entry is not Alice's.
    assert_eq!(
        client
            .verify_published(
                &w.alice.state,
                b,
                &w.log.entry(b).unwrap(),
                &w.log.inclusion(b).unwrap()
            )
            .err(),
        err(TransparencyError::EntryMismatch)
    );
}

#[test]
fn a_checkpoint_without_enough_witnesses_or_from_another_log_is_refused() {
    let mut w = World::new(2);
    w.log.publish(&w.alice.state).unwrap();
    let mut client = w.client();
    // Signed by the log alone, or cosigned by one witness of the two required.
    assert_eq!(
        client.update(&w.log.checkpoint(), &[]).err(),
        err(TransparencyError::Witnesses)
    );
    assert_eq!(
        client.update(&w.witnessed(1, 10), &[]).err(),
        err(TransparencyError::Witnesses)
    );
    // A log that names itself as ours, with another key.
    let mut impostor = MemoryLog::new(ORIGIN, [0xee; 32]).unwrap();
    impostor.publish(&w.alice.state).unwrap();
    assert_eq!(
        client.update(&impostor.checkpoint(), &[]).err(),
        err(TransparencyError::LogSignature)
    );
    // Another origin.
    let other = MemoryLog::new("other.example.com/log", [2; 32]).unwrap();
    assert_eq!(
        client.update(&other.checkpoint(), &[]).err(),
        err(TransparencyError::OtherLog)
    );
    assert!(client.checkpoint().is_none(), "nothing refused is held");
    // A policy that trusts the log alone cannot catch a split view: refused, as are names
    // that cannot stand in a signature line.
    let misuse = Some(Error::from(crate::error::Misuse::InvalidLogSetup));
    let key = w.log.verifying_key();
    let witness = w.witnesses[0].identity();
    assert_eq!(LogPolicy::new(ORIGIN, key, vec![], 0).err(), misuse);
    assert_eq!(
        LogPolicy::new(ORIGIN, key, vec![witness.clone()], 2).err(),
        misuse
    );
    for bad in ["", "two words", "a+b", "line\nbreak"] {
        assert_eq!(
            LogPolicy::new(bad, key, vec![witness.clone()], 1).err(),
            misuse
        );
        let named = super::WitnessIdentity {
            name: bad.into(),
            ..witness.clone()
        };
        assert_eq!(LogPolicy::new(ORIGIN, key, vec![named], 1).err(), misuse);
        assert!(MemoryLog::new(bad, [1; 32]).is_err());
    }
    assert!(LogPolicy::new(ORIGIN, key, vec![witness], 1).is_ok());
}

#[test]
fn equivocation_a_forged_chain_shown_to_one_client_is_caught() {
    // The service shows Bob's client a forged chain for Alice (a root on a device of its
    // own). It must put that chain's tail in a log the witnesses cosign.
    let mut w = World::new(3);
    let mut r = ChaCha20Rng::from_seed([33; 32]);
    let forged = Account::new(1, &device(66, &mut r), "alice@example.com", 99);
    let real_index = w.log.publish(&w.alice.state).unwrap();
    let note = w.witnessed(3, 10);

    // (a) A second log, holding the forged tail, under the same origin and key: every
    //     witness that cosigned the first refuses it (not an extension: a fork).
    let mut split = MemoryLog::new(ORIGIN, [3; 32]).unwrap();
    split.publish(&forged.state).unwrap();
    for witness in &mut w.witnesses {
        assert_eq!(
            witness.cosign(&split.checkpoint(), &[], 11).err(),
            err(TransparencyError::Fork)
        );
    }
    // So Bob's client, holding the witnessed checkpoint, cannot find the forged tail in it.
    let mut bobs = w.client();
    bobs.update(&note, &[]).unwrap();
    assert_eq!(
        bobs.verify_published(
            &forged.state,
            0,
            &split.entry(0).unwrap(),
            &split.inclusion(0).unwrap()
        )
        .err(),
        err(TransparencyError::NotIncluded)
    );
    // (b) The forged tail appended to the real log instead: Bob accepts it, but Alice's own
    //     client, monitoring her user, finds a tail off her chain.
    let forged_index = w.log.append(&LogEntry {
        user: w.alice.user,
        suite: forged.state.suite(),
        tail: forged.state.tail(),
        addresses: LogEntry::for_chain(&forged.state, None).addresses,
        previous: Some(real_index),
    });
    let note = w.witnessed(3, 12);
    let mut alices = w.client();
    alices.update(&note, &[]).unwrap();
    assert_eq!(
        alices
            .monitor(&w.alice.state, &w.log.history(&w.alice.user).unwrap())
            .err(),
        Some(ChainError::Fork { seq: 1 }.into())
    );
    assert_eq!(forged_index, 1);
}

#[test]
fn a_rollback_to_an_older_checkpoint_is_refused() {
    let mut w = World::new(4);
    w.log.publish(&w.alice.state).unwrap();
    let old = w.witnessed(2, 10);
    w.log.publish(&w.bob.state).unwrap();
    let new = w.witnessed(2, 11);
    let mut client = w.client();
    client.update(&old, &[]).unwrap();
    client.update(&new, &w.log.consistency_from(1)).unwrap();
    assert_eq!(
        client.update(&old, &[]).err(),
        err(TransparencyError::Rollback)
    );
    assert_eq!(client.checkpoint().map(|c| c.size), Some(2));
    // A proof that does not connect the two is a fork.
    let mut fresh = w.client();
    fresh.update(&old, &[]).unwrap();
    assert_eq!(
        fresh.update(&new, &[0; 32]).err(),
        err(TransparencyError::Fork)
    );
}

#[test]
fn a_tail_absent_from_the_log_is_never_published() {
    let mut w = World::new(5);
    w.log.publish(&w.alice.state).unwrap();
    let mut client = w.client();
    assert_eq!(
        client
            .verify_published(
                &w.alice.state,
                0,
                &w.log.entry(0).unwrap(),
                &w.log.inclusion(0).unwrap()
            )
            .err(),
        err(TransparencyError::NoCheckpoint)
    );
    let note = w.witnessed(2, 10);
    client.update(&note, &[]).unwrap();
    // Bob's tail, never published, offered with Alice's proof.
    let bobs = LogEntry::for_chain(&w.bob.state, None);
    assert_eq!(
        client
            .verify_published(
                &w.bob.state,
                0,
                &bobs.encode(),
                &w.log.inclusion(0).unwrap()
            )
            .err(),
        err(TransparencyError::NotIncluded)
    );
    // An index past the tree.
    assert_eq!(
        client
            .verify_published(&w.alice.state, 5, &w.log.entry(0).unwrap(), &[])
            .err(),
        err(TransparencyError::NotIncluded)
    );
}

#[test]
fn self_monitoring_shows_a_device_added_behind_the_users_back() {
    let mut w = World::new(6);
    let client_view = w.alice.state.clone();
    w.log.publish(&w.alice.state).unwrap();
    // A device Alice's client never approved joins her chain (say, approved with a stolen
    // laptop), and the service publishes the new tail.
    let mut r = ChaCha20Rng::from_seed([66; 32]);
    let intruder = device(77, &mut r);
    let laptop = crate::keys::DeviceSecret::from_seed(
        w.laptop.public().encryption_key.suite(),
        w.laptop.id(),
        w.laptop.expose_seed(),
    );
    w.alice.add_device(&laptop, &intruder);
    w.log.publish(&w.alice.state).unwrap();
    let note = w.witnessed(2, 10);
    let mut client = w.client();
    client.update(&note, &[]).unwrap();
    let history = w.log.history(&w.alice.user).unwrap();
    assert_eq!(history.len(), 2);
    let seq = w.alice.state.tail().seq;
    assert_eq!(
        client.monitor(&client_view, &history).unwrap(),
        MonitorFinding::Ahead { seq }
    );
    // Fetching the links shows the device the client did not add.
    let updated = client_view.update(&w.alice.links).unwrap();
    assert!(updated.device(&intruder.id()).is_some());
    assert!(client_view.device(&intruder.id()).is_none());
    assert_eq!(
        client.monitor(&updated, &history).unwrap(),
        MonitorFinding::Consistent
    );
    // A history cut short (the service hides the first entry) is refused.
    assert_eq!(
        client.monitor(&updated, &history[..1]).err(),
        err(TransparencyError::EntryMismatch)
    );
}

#[test]
fn checkpoint_notes_are_read_strictly() {
    let mut w = World::new(7);
    w.log.publish(&w.alice.state).unwrap();
    let note = w.witnessed(2, 10);
    let mut client = w.client();
    let text = core::str::from_utf8(&note).unwrap();
    for bad in [
        text.replace('\n', "\r\n"),
        text.replacen("\n\n", "\n", 1),
        text.replacen(ORIGIN, "", 1),
        text.replacen("\n1\n", "\n01\n", 1),
        alloc::format!("{text}\u{2014} x AAAA=\n"),
        alloc::string::String::from(text.trim_end()),
    ] {
        assert!(client.update(bad.as_bytes(), &[]).is_err(), "{bad:?}");
    }
    client.update(&note, &[]).unwrap();
    // Entries are canonical and bounded.
    let tail = ChainTail {
        seq: 0,
        hash: [0; 32],
    };
    let zero = LogEntry {
        user: w.alice.user,
        suite: w.alice.state.suite(),
        tail,
        addresses: vec![],
        previous: None,
    };
    assert!(LogEntry::parse(&zero.encode()).is_err());
    assert!(LogEntry::parse(&[0u8; 300]).is_err());
}

/// SPEC.md §4.1 stage 3: a missing nullable key is *schema*, as any missing key is; an
/// extra one too. (Serde alone would read a missing `p` as null and the re-encoding would
/// call the input *not canonical*.)
#[test]
fn an_entry_missing_its_nullable_key_is_a_schema_error() {
    use crate::error::{CborError, Malformed};
    let entry = LogEntry {
        user: crate::keys::UserId::new([1; 16]),
        suite: crate::Suite::X25519,
        tail: ChainTail {
            seq: 1,
            hash: [2; 32],
        },
        addresses: vec![[3; 32]],
        previous: None,
    };
    let bytes = entry.encode();
    assert!(LogEntry::parse(&bytes).is_ok());
    let mut map: ciborium::Value = ciborium::from_reader(bytes.as_slice()).unwrap();
    let ciborium::Value::Map(pairs) = &mut map else {
        panic!("an entry is a map")
    };
    pairs.retain(|(k, _)| k.as_text() != Some("p"));
    let mut missing = Vec::new();
    ciborium::into_writer(&map, &mut missing).unwrap();
    assert_eq!(
        LogEntry::parse(&missing).err(),
        Some(Error::Malformed(Malformed::Cbor(CborError::Schema)))
    );
}

#[test]
fn a_sender_absent_from_the_log_is_never_e2e_and_never_silently_e2e() {
    use crate::hazmat::TestUser;
    use crate::keys::{DeviceId, UserId};
    use crate::mail::footer::{
        Caution, DirectoryEntry, Footer, MailContext, Plan, PlanNote, PlannedRecipient,
        SenderState, ServerEncryptedReason, classify, plan,
    };
    use crate::mail::open::open_copy;
    use crate::mail::seal::MailSealer;
    use crate::mail::server::split_envelope;
    use crate::transparency::{Publication, PublishedChains};

    let mut r = ChaCha20Rng::from_seed([8; 32]);
    let suite = crate::Suite::X25519;
    let user = |n: u8, name: &str, r: &mut ChaCha20Rng| {
        TestUser::generate(
            suite,
            UserId::new([n; 16]),
            &alloc::format!("{name}@example.com"),
            DeviceId::new([n; 16]),
            r,
        )
        .unwrap()
    };
    let (alice, bob) = (user(1, "alice", &mut r), user(2, "bob", &mut r));
    let mut mail = MailSealer::new(suite, alice.sender(), "<kt@example.com>", 5)
        .unwrap()
        .to(bob.key());
    mail.add_piece(b"hello", &mut r).unwrap();
    let envelope = mail.seal(&mut r).unwrap();
    let copy = split_envelope(&envelope)
        .unwrap()
        .into_iter()
        .find(|c| c.user == bob.id)
        .unwrap()
        .copy;

    let mut log = MemoryLog::new(ORIGIN, [8; 32]).unwrap();
    let mut witness =
        MemoryWitness::new("w.example.org", [9; 32], ORIGIN, log.verifying_key()).unwrap();
    let index = log.publish(&alice.chain).unwrap();
    let note = witness.cosign(&log.checkpoint(), &[], 1).unwrap();
    let policy = LogPolicy::new(ORIGIN, log.verifying_key(), vec![witness.identity()], 1).unwrap();
    let mut view = TransparencyView::new(policy);
    view.update(&note, &[]).unwrap();

    let strict = bob.mailbox();
    let footer_with_any = |dir: &dyn crate::mail::open::ChainDirectory| {
        let opened = open_copy(&copy, &strict, dir).unwrap();
        (classify(&opened, true), opened.sender_publication())
    };
    let footer_with = |dir: &PublishedChains| footer_with_any(dir);
    // Alice's chain held without a proof: Server Encrypted, and the footer says why.
    let mut unproven = PublishedChains::new();
    unproven.add_unpublished(alice.chain.clone()).unwrap();
    let (c, p) = footer_with(&unproven);
    assert_eq!(
        (c.footer, c.reasons),
        (
            Footer::ServerEncrypted,
            vec![ServerEncryptedReason::SenderNotPublished]
        )
    );
    assert_eq!(p, Some(Publication::NotShown));
    // A plain list of chains cannot show publication either.
    let opened = open_copy(&copy, &strict, &[&alice.chain]).unwrap();
    assert_eq!(classify(&opened, true).footer, Footer::ServerEncrypted);
    // With the proof: E2E Encrypted.
    let mut proven = PublishedChains::new();
    proven
        .add_published(
            &view,
            alice.chain.clone(),
            index,
            &log.entry(index).unwrap(),
            &log.inclusion(index).unwrap(),
        )
        .unwrap();
    let (c, p) = footer_with(&proven);
    assert_eq!(
        (c.footer, c.reasons.len(), c.cautions),
        (Footer::E2eEncrypted, 0, vec![])
    );
    assert!(matches!(p, Some(Publication::Published(t)) if t.index == index));
    // Bob's own tail is not Alice's: it cannot stand in for hers.
    let mut wrong = PublishedChains::new();
    assert!(
        wrong
            .add_published(
                &view,
                bob.chain.clone(),
                index,
                &log.entry(index).unwrap(),
                &log.inclusion(index).unwrap()
            )
            .is_err()
    );
    // A reader that follows no log may show E2E, never silently: the caution says the keys
    // were not checked. With a proof, the same reader needs no caution.
    let lenient = bob.mailbox().without_key_transparency();
    let c = classify(&open_copy(&copy, &lenient, &[&alice.chain]).unwrap(), true);
    assert_eq!(
        (c.footer, c.reasons.len(), c.cautions),
        (
            Footer::E2eEncrypted,
            0,
            vec![Caution::SenderNotCheckedInLog]
        )
    );
    let c = classify(&open_copy(&copy, &lenient, &proven).unwrap(), true);
    assert_eq!((c.footer, c.cautions), (Footer::E2eEncrypted, vec![]));

    // Before sending, the same holds for the recipient: Bob writing to Alice is told when
    // her chain came without a proof (the server may have shown him a forged one).
    let notes = |entry: DirectoryEntry<'_>| {
        let sender = SenderState {
            chain: Some(&bob.chain),
            device: bob.device.id(),
            server: None,
        };
        let to = PlannedRecipient {
            address: "alice@example.com".into(),
            kind: crate::mail::envelope::RecipientKind::To,
            entry,
        };
        match plan(&sender, &[to], MailContext::Personal) {
            Plan::E2e { notes, .. } => notes,
            other => panic!("expected E2E, got {other:?}"),
        }
    };
    fn entry<'a>(dir: &'a PublishedChains, user: &UserId) -> DirectoryEntry<'a> {
        DirectoryEntry::from_directory(dir, user).unwrap()
    }
    assert!(
        matches!(entry(&proven, &alice.id), DirectoryEntry::PublishedUser(_, t) if t.index == index)
    );
    assert_eq!(notes(entry(&proven, &alice.id)), vec![]);
    let not_shown = vec![PlanNote::RecipientNotPublished("alice@example.com".into())];
    assert_eq!(notes(entry(&unproven, &alice.id)), not_shown);
    let plain = [&alice.chain];
    assert_eq!(
        notes(DirectoryEntry::from_directory(&plain, &alice.id).unwrap()),
        not_shown
    );
    assert!(DirectoryEntry::from_directory(&proven, &bob.id).is_none());
    // A proof of an older position does not vouch for the chain's current tail.
    let older = crate::transparency::PublishedTail {
        seq: 0,
        ..match entry(&proven, &alice.id) {
            DirectoryEntry::PublishedUser(_, t) => t,
            _ => unreachable!(),
        }
    };
    assert_eq!(
        notes(DirectoryEntry::PublishedUser(&alice.chain, older)),
        not_shown
    );
    // Nor when opening: a directory of the caller's own making that vouches with a proof of
    // another position shows nothing about the chain it gives (§11.2 condition 6).
    struct Vouching<'a>(
        &'a crate::identity::ChainState,
        crate::transparency::PublishedTail,
    );
    impl crate::mail::open::ChainDirectory for Vouching<'_> {
        fn chain(&self, user: &UserId) -> Option<&crate::identity::ChainState> {
            (self.0.user() == *user).then_some(self.0)
        }
        fn publication(&self, _: &UserId) -> Publication {
            Publication::Published(self.1)
        }
    }
    let (c, p) = footer_with_any(&Vouching(&alice.chain, older));
    assert_eq!(
        (c.footer, c.reasons, p),
        (
            Footer::ServerEncrypted,
            vec![ServerEncryptedReason::SenderNotPublished],
            Some(Publication::NotShown)
        )
    );
    let current = match entry(&proven, &alice.id) {
        DirectoryEntry::PublishedUser(_, t) => t,
        _ => unreachable!(),
    };
    let (c, _) = footer_with_any(&Vouching(&alice.chain, current));
    assert_eq!(c.footer, Footer::E2eEncrypted);
}

#[test]
fn an_entry_must_publish_exactly_the_chains_addresses() {
    // A log entry for Alice's tail that leaves out an address (or adds one) does not publish
    // her address bindings: refused, so a client never trusts an unpublished binding.
    let mut w = World::new(9);
    let mut entry = LogEntry::for_chain(&w.alice.state, None);
    assert_eq!(
        entry.addresses,
        vec![super::address_hash("Alice@Example.com")]
    );
    entry.addresses = vec![super::address_hash("mallory@example.com")];
    let index = w.log.append(&entry);
    let note = w.witnessed(2, 10);
    let mut client = w.client();
    client.update(&note, &[]).unwrap();
    assert_eq!(
        client
            .verify_published(
                &w.alice.state,
                index,
                &w.log.entry(index).unwrap(),
                &w.log.inclusion(index).unwrap()
            )
            .err(),
        err(TransparencyError::EntryMismatch)
    );
    // Hashes out of order are not canonical.
    let mut two = LogEntry::for_chain(&w.bob.state, None);
    two.addresses = vec![[2; 32], [1; 32]];
    assert!(LogEntry::parse(&two.encode()).is_err());
}

// ---- Interoperability with the signed-note ecosystem (c2sp.org/signed-note) ----------------
// Published values from outside this crate: the Go reference implementation's example key and
// note (golang.org/x/mod/sumdb/note), and signed tree heads of the Go checksum database
// (sum.golang.org), a production log whose checkpoints other implementations verify.

/// `name+hex id+base64(type || key)`: a verifier key as Go prints it.
fn go_verifier_key(vkey: &str) -> (&str, [u8; 4], Vec<u8>) {
    use base64ct::Encoding;
    let mut parts = vkey.splitn(3, '+');
    let (name, id, key) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let id = u32::from_str_radix(id, 16).unwrap().to_be_bytes();
    (name, id, base64ct::Base64::decode_vec(key).unwrap())
}

fn ed25519_key(raw: &[u8]) -> crate::keys::VerifyingKey {
    assert_eq!(raw[0], 0x01, "Ed25519 note keys are type 0x01");
    crate::keys::VerifyingKey::from_bytes(&raw[1..].try_into().unwrap()).unwrap()
}

const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n\n\
                       \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn the_go_reference_note_parses_verifies_and_is_reproduced_byte_for_byte() {
    use super::note::{Note, log_key_id};
    use base64ct::Encoding;
    use ed25519_dalek::Signer;
    let (name, id, raw) =
        go_verifier_key("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    let key = ed25519_key(&raw);
    // Our key id is the published one.
    assert_eq!(log_key_id(name, &key), id);
    // Our parser reads the note as Go wrote it, and the signature verifies over its text.
    let note = Note::parse(GO_NOTE.as_bytes()).unwrap();
    assert_eq!(note.text, GO_TEXT);
    let [line] = note.signatures.as_slice() else {
        panic!("one signature line")
    };
    assert_eq!((line.name.as_str(), line.key_id), (name, id));
    let sig: [u8; 64] = line.rest.as_slice().try_into().unwrap();
    assert!(key.verify_strict(GO_TEXT.as_bytes(), &sig));
    assert!(!key.verify_strict(GO_TEXT.replace("problem", "Problem").as_bytes(), &sig));
    // Signing the text with the published private key gives Go's note byte for byte (Ed25519
    // is deterministic): the log's signature lines are what Go's verifiers expect.
    let private =
        base64ct::Base64::decode_vec("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz").unwrap();
    let signer = ed25519_dalek::SigningKey::from_bytes(private[1..].try_into().unwrap());
    assert_eq!(signer.verifying_key().to_bytes(), key.to_bytes());
    let ours = alloc::format!(
        "{GO_TEXT}\n{}",
        Note::line(name, id, &signer.sign(GO_TEXT.as_bytes()).to_bytes())
    );
    assert_eq!(ours, GO_NOTE);
}

#[test]
fn signed_tree_heads_of_the_go_checksum_database_parse_and_verify() {
    use super::note::{Note, log_key_id};
    let (name, id, raw) =
        go_verifier_key("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8");
    let key = ed25519_key(&raw);
    assert_eq!(log_key_id(name, &key), id);
    for (checkpoint, size, root) in [
        (
            "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n\
             \u{2014} sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n",
            6_476_701,
            "99bf102d022cd19d323f90acb6aea0ba3f3ba1759e0bd80433ca158a49a6f569",
        ),
        (
            "go.sum database tree\n65209736\n5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=\n\n\
             \u{2014} sum.golang.org Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/R3cVtYspg3dxXABkGZZKdsQ8=\n",
            65_209_736,
            "e7eb86163c7ac41646f22a75fb08bbeeffa0af06e186e908af11144bc3d7bd1a",
        ),
    ] {
        let note = Note::parse(checkpoint.as_bytes()).unwrap();
        let (origin, got_size, got_root) = super::checkpoint_body(&note.text).unwrap();
        assert_eq!(
            (origin, got_size, hex(&got_root)),
            ("go.sum database tree", size, String::from(root))
        );
        let line = &note.signatures[0];
        assert_eq!((line.name.as_str(), line.key_id), (name, id));
        let sig: [u8; 64] = line.rest.as_slice().try_into().unwrap();
        assert!(key.verify_strict(note.text.as_bytes(), &sig));
        // The same head at another size is not what the log signed.
        let moved = note
            .text
            .replacen(&alloc::format!("\n{size}\n"), "\n1\n", 1);
        assert!(!key.verify_strict(moved.as_bytes(), &sig));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
}

// ---- Every byte of a note counts (what mutation testing asked for) --------------------------

/// A note's text and its signature lines, each `(name, decoded bytes)`.
fn split_note(note: &[u8]) -> (String, Vec<(String, Vec<u8>)>) {
    use base64ct::Encoding;
    let all = core::str::from_utf8(note).unwrap();
    let (text, sigs) = all.split_once("\n\n").unwrap();
    let lines = sigs
        .lines()
        .map(|l| {
            let (name, b64) = l
                .strip_prefix("\u{2014} ")
                .unwrap()
                .split_once(' ')
                .unwrap();
            (name.into(), base64ct::Base64::decode_vec(b64).unwrap())
        })
        .collect();
    (alloc::format!("{text}\n"), lines)
}

fn join_note(text: &str, lines: &[(String, Vec<u8>)]) -> Vec<u8> {
    use base64ct::Encoding;
    let mut note = alloc::format!("{text}\n");
    for (name, raw) in lines {
        note.push_str(&alloc::format!(
            "\u{2014} {name} {}\n",
            base64ct::Base64::encode_string(raw)
        ));
    }
    note.into_bytes()
}

#[test]
fn every_signature_is_verified_not_only_its_name_and_key_id() {
    use sha2::{Digest, Sha256};
    let mut w = World::new(21);
    w.log.publish(&w.alice.state).unwrap();
    let note = w.witnessed(2, 10);
    let (text, lines) = split_note(&note);
    assert_eq!(lines.len(), 3, "the log's line and two cosignatures");
    // Key ids are C2SP's: SHA-256(name || "\n" || type || key)[:4], type 0x01 for the log's
    // Ed25519 signature and 0x04 for a cosignature/v1.
    let id = |name: &str, kind: u8, key: &[u8; 32]| {
        let d = Sha256::new()
            .chain_update(name.as_bytes())
            .chain_update(b"\n")
            .chain_update([kind])
            .chain_update(key)
            .finalize();
        [d[0], d[1], d[2], d[3]]
    };
    assert_eq!(
        lines[0].1[..4],
        id(ORIGIN, 0x01, &w.log.verifying_key().to_bytes())
    );
    for (line, witness) in lines[1..].iter().zip(&w.witnesses) {
        let me = witness.identity();
        assert_eq!(line.0, me.name);
        assert_eq!(line.1[..4], id(&me.name, 0x04, &me.key.to_bytes()));
        assert_eq!(line.1[4..12], 10u64.to_be_bytes(), "the cosignature's time");
    }
    let changed = |line: usize, byte: usize| {
        let mut l = lines.clone();
        l[line].1[byte] ^= 1;
        join_note(&text, &l)
    };
    // The log's signature, one bit off (name and key id intact).
    assert_eq!(
        w.client().update(&changed(0, 20), &[]).err(),
        err(TransparencyError::LogSignature)
    );
    // A cosignature one bit off, or its time, or its key id (its signature intact): that
    // witness does not count, and one is not enough.
    for byte in [40, 11, 0] {
        assert_eq!(
            w.client().update(&changed(1, byte), &[]).err(),
            err(TransparencyError::Witnesses),
            "byte {byte}"
        );
    }
    // A cosignature line under another witness's name.
    let mut renamed = lines.clone();
    renamed[1].0 = w.witnesses[2].identity().name;
    assert_eq!(
        w.client().update(&join_note(&text, &renamed), &[]).err(),
        err(TransparencyError::Witnesses)
    );
    w.client().update(&join_note(&text, &lines), &[]).unwrap();
}

#[test]
fn a_note_may_be_exactly_the_size_limit_and_not_a_byte_more() {
    let mut w = World::new(22);
    w.log.publish(&w.alice.state).unwrap();
    let note = w.witnessed(2, 10);
    // Signature lines of keys the client does not know are ignored: pad with them.
    let padded = |len: usize| {
        let mut n = note.clone();
        let line = |name: &str| alloc::format!("\u{2014} {name} AAAAAAAAAAAA\n");
        while len - n.len() > 200 {
            n.extend_from_slice(line("padding").as_bytes());
        }
        let last = len - n.len() - line("").len();
        n.extend_from_slice(line(&"x".repeat(last)).as_bytes());
        assert_eq!(n.len(), len);
        n
    };
    // SPEC.md §14.2: 16 KiB, at most.
    let held = w.client().update(&padded(16_384), &[]).unwrap();
    assert_eq!(held.size, 1);
    assert_eq!(
        w.client().update(&padded(16_385), &[]).err(),
        err(TransparencyError::Checkpoint)
    );
}

#[test]
fn notes_that_break_the_signed_note_syntax_are_checkpoint_errors() {
    let mut w = World::new(23);
    w.log.publish(&w.alice.state).unwrap();
    let note = w.witnessed(2, 10);
    let text = core::str::from_utf8(&note).unwrap();
    for bad in [
        // An empty line before the origin.
        alloc::format!("\n{text}"),
        // A signature line without a name, or with a carriage return in its name.
        alloc::format!("{text}\u{2014}  AAAAAAAAAAAA\n"),
        alloc::format!("{text}\u{2014} x\r AAAAAAAAAAAA\n"),
        // Without the final newline.
        String::from(text.strip_suffix('\n').unwrap()),
        // A signature too short for a key id.
        alloc::format!("{text}\u{2014} x AAA=\n"),
    ] {
        assert_eq!(
            w.client().update(bad.as_bytes(), &[]).err(),
            err(TransparencyError::Checkpoint),
            "{bad:?}"
        );
    }
}

/// SPEC.md §14.2: a size above 2^63 is a syntax error, found before any signature: proofs
/// over such a tree would overflow the Merkle library's node indices (it panics there).
#[test]
fn a_checkpoint_larger_than_two_to_the_sixty_three_is_refused_as_syntax() {
    let mut w = World::new(29);
    w.log.publish(&w.alice.state).unwrap();
    let note = w.witnessed(2, 10);
    let text = core::str::from_utf8(&note).unwrap();
    let sized = |n: u64| text.replacen("\n1\n", &alloc::format!("\n{n}\n"), 1);
    // At the limit the syntax holds and the (now wrong) log signature is what fails.
    assert_eq!(
        w.client().update(sized(1 << 63).as_bytes(), &[]).err(),
        err(TransparencyError::LogSignature)
    );
    for n in [(1 << 63) + 1, u64::MAX] {
        assert_eq!(
            w.client().update(sized(n).as_bytes(), &[]).err(),
            err(TransparencyError::Checkpoint),
            "{n}"
        );
    }
}

/// SPEC.md §14.3: thresholds count distinct witnesses, so a policy may not name one twice.
#[test]
fn a_policy_naming_a_witness_twice_is_refused() {
    let w = World::new(31);
    let first = w.witnesses[0].identity();
    let mut renamed = w.witnesses[1].identity();
    renamed.name = first.name.clone();
    let mut same_key = w.witnesses[1].identity();
    same_key.key = first.key;
    for twice in [
        vec![first.clone(), first.clone()],
        vec![first.clone(), renamed],
        vec![first.clone(), same_key],
    ] {
        assert_eq!(
            LogPolicy::new(ORIGIN, w.log.verifying_key(), twice, 2).err(),
            Some(crate::error::Misuse::InvalidLogSetup.into())
        );
    }
    let distinct = vec![first, w.witnesses[1].identity()];
    assert!(LogPolicy::new(ORIGIN, w.log.verifying_key(), distinct, 2).is_ok());
}

#[test]
fn a_log_of_many_entries_proves_with_long_proofs_from_an_empty_start() {
    let mut w = World::new(24);
    assert_eq!(w.log.origin(), ORIGIN);
    // A client that first saw the empty log.
    let empty = w.witnessed(2, 5);
    let mut client = w.client();
    assert_eq!(client.update(&empty, &[]).unwrap().size, 0);
    let alice = w.log.publish(&w.alice.state).unwrap();
    for i in 1..=40u64 {
        assert_eq!(w.log.append_raw(vec![i as u8; 8]), i);
    }
    assert_eq!(w.log.size(), 41);
    let note = w.witnessed(2, 6);
    assert_eq!(w.witnesses[0].size(), 41);
    // From the empty tree no consistency proof is needed.
    assert_eq!(client.update(&note, &[]).unwrap().size, 41);
    // Six hashes (192 bytes) prove the first entry among 41.
    let inclusion = w.log.inclusion(alice).unwrap();
    assert_eq!(inclusion.len(), 6 * 32);
    let p = client
        .verify_published(
            &w.alice.state,
            alice,
            &w.log.entry(alice).unwrap(),
            &inclusion,
        )
        .unwrap();
    assert_eq!(p.checkpoint_size, 41);
    // And a client that held size 1 follows with a proof of several hashes.
    let mut w2 = World::new(24);
    w2.log.publish(&w2.alice.state).unwrap();
    let first = w2.witnessed(2, 5);
    let mut follower = w2.client();
    follower.update(&first, &[]).unwrap();
    for i in 1..=40u64 {
        w2.log.append_raw(vec![i as u8; 8]);
    }
    let proof = w2.log.consistency_from(1);
    assert!(proof.len() > 3 * 32);
    let next = w2.witnessed(2, 6);
    assert_eq!(follower.update(&next, &proof).unwrap().size, 41);
}

#[test]
fn monitoring_follows_every_back_pointer_and_reads_only_the_users_entries() {
    let mut w = World::new(25);
    let first = w.log.publish(&w.alice.state).unwrap();
    let bobs = w.log.publish(&w.bob.state).unwrap();
    let second = w.log.publish(&w.alice.state).unwrap();
    let third = w.log.publish(&w.alice.state).unwrap();
    let note = w.witnessed(2, 10);
    let mut client = w.client();
    client.update(&note, &[]).unwrap();
    let at = |i: u64| (i, w.log.entry(i).unwrap(), w.log.inclusion(i).unwrap());
    assert_eq!(
        client
            .monitor(&w.alice.state, &[at(third), at(second), at(first)])
            .unwrap(),
        MonitorFinding::Consistent
    );
    // An entry skipped: the newest names `second` as its previous one, not `first`.
    assert_eq!(
        client
            .monitor(&w.alice.state, &[at(third), at(first)])
            .err(),
        err(TransparencyError::EntryMismatch)
    );
    // Bob's entry served as Alice's history.
    assert_eq!(
        client.monitor(&w.alice.state, &[at(bobs)]).err(),
        err(TransparencyError::EntryMismatch)
    );
}

#[test]
fn transparency_errors_have_their_classes_and_their_own_sentences() {
    use TransparencyError as T;
    let all = [
        (T::Checkpoint, "transparency/checkpoint"),
        (T::OtherLog, "transparency/other_log"),
        (T::LogSignature, "transparency/log_signature"),
        (T::Witnesses, "transparency/witnesses"),
        (T::Rollback, "transparency/rollback"),
        (T::Fork, "transparency/fork"),
        (T::NotIncluded, "transparency/not_included"),
        (T::EntryMismatch, "transparency/entry_mismatch"),
        (T::NoCheckpoint, "transparency/no_checkpoint"),
    ];
    let mut sentences = Vec::new();
    for (e, class) in all {
        assert_eq!(Error::from(e).class(), class);
        let sentence = alloc::format!("{e}");
        assert!(
            sentence.len() > 10 && !sentence.contains(class),
            "{sentence}"
        );
        sentences.push(sentence);
    }
    sentences.sort();
    sentences.dedup();
    assert_eq!(sentences.len(), all.len());
}

/// SPEC.md §12.5 in a directory: a held chain is replaced only by a view that extends it.
/// Without that, a server serving the older chain (with the log entry that published it back
/// then) would undo a revocation the reader has seen, and a stolen device's mail would show
/// E2E again.
#[test]
fn a_directory_never_takes_back_a_revocation_it_has_seen() {
    use crate::account::devices::{RotationCause, rotate};
    use crate::hazmat::TestUser;
    use crate::keys::{DeviceId, DeviceSecret, UserId};
    use crate::mail::footer::{Footer, classify};
    use crate::mail::open::open_copy;
    use crate::mail::seal::{MailSealer, SenderIdentity};
    use crate::mail::server::split_envelope;
    use crate::transparency::PublishedChains;

    let mut r = ChaCha20Rng::from_seed([12; 32]);
    let suite = crate::Suite::X25519;
    let user = |n: u8, address: &str, r: &mut ChaCha20Rng| {
        TestUser::generate(
            suite,
            UserId::new([n; 16]),
            address,
            DeviceId::new([n; 16]),
            r,
        )
        .unwrap()
    };
    let (alice, bob) = (
        user(1, "alice@example.com", &mut r),
        user(2, "bob@example.com", &mut r),
    );
    // v2 adds a device that is then stolen; v3 revokes it. The log published both.
    let stolen = DeviceSecret::generate(suite, DeviceId::new([0x33; 16]), &mut r);
    let mut draft = alice
        .chain
        .propose_add_device(alice.device.id(), stolen.public(), None, 2)
        .unwrap();
    draft.sign(&alice.device).unwrap();
    draft.sign(&stolen).unwrap();
    let v2 = alice.chain.extend(&[draft.finish().unwrap()]).unwrap();
    let revoke = rotate(
        &v2,
        &alice.device,
        RotationCause::Revoke(stolen.id()),
        3,
        &mut r,
    )
    .unwrap();
    let v3 = v2.extend(&[&revoke.link]).unwrap();
    let mut log = MemoryLog::new(ORIGIN, [7; 32]).unwrap();
    let mut witness =
        MemoryWitness::new("w.example.org", [8; 32], ORIGIN, log.verifying_key()).unwrap();
    let (i2, i3) = (log.publish(&v2).unwrap(), log.publish(&v3).unwrap());
    let note = witness.cosign(&log.checkpoint(), &[], 100).unwrap();
    let policy = LogPolicy::new(ORIGIN, log.verifying_key(), vec![witness.identity()], 1).unwrap();
    let mut view = TransparencyView::new(policy);
    view.update(&note, &[]).unwrap();

    // The thief seals as of v2, where its device is active.
    let thief = SenderIdentity {
        address: "alice@example.com",
        puk: &alice.puk,
        device: &stolen,
        chain: &v2,
    };
    let mut mail = MailSealer::new(suite, thief, "<t@example.com>", 4)
        .unwrap()
        .to(bob.key());
    mail.add_piece(b"send the money", &mut r).unwrap();
    let copy = split_envelope(&mail.seal(&mut r).unwrap())
        .unwrap()
        .into_iter()
        .find(|c| c.user == bob.id)
        .unwrap()
        .copy;

    let mut dir = PublishedChains::new();
    let published = |i: u64| (log.entry(i).unwrap(), log.inclusion(i).unwrap());
    let (e3, p3) = published(i3);
    dir.add_published(&view, v3.clone(), i3, &e3, &p3).unwrap();
    let footer = |dir: &PublishedChains| {
        classify(&open_copy(&copy, &bob.mailbox(), dir).unwrap(), true).footer
    };
    assert_eq!(footer(&dir), Footer::ServerEncrypted);
    // The older view, with its own genuine entry, or without a proof: refused, nothing held
    // changes.
    let (e2, p2) = published(i2);
    let rolled_back = Some(Error::from(ChainError::Rollback { have: 3, served: 2 }));
    assert_eq!(
        dir.add_published(&view, v2.clone(), i2, &e2, &p2).err(),
        rolled_back
    );
    assert_eq!(dir.add_unpublished(v2.clone()).err(), rolled_back);
    assert_eq!(footer(&dir), Footer::ServerEncrypted);
    // A view that extends it is taken; a deliberate reset goes through `remove`.
    dir.add_published(&view, v3.clone(), i3, &e3, &p3).unwrap();
    assert_eq!(dir.remove(&alice.id), Some(v3));
    dir.add_unpublished(v2).unwrap();
}
