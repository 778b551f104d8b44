//! Chains: the lifecycle, and one test named after each attack on the directory, each failing
//! if its check is removed.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::*;
use crate::error::{Field, Limit, Malformed};
use crate::keys::{DeviceId, DevicePublic, DeviceSecret, PukSecret, UserId};
use crate::suite::Suite;

const SUITE: Suite = Suite::X25519;

/// A user with a chain under construction: the links so far and every device made.
pub(crate) struct Account {
    pub(crate) user: UserId,
    pub(crate) links: Vec<Vec<u8>>,
    pub(crate) state: ChainState,
    pub(crate) puks: Vec<PukSecret>,
    pub(crate) r: ChaCha20Rng,
}

pub(crate) fn device(n: u8, r: &mut ChaCha20Rng) -> DeviceSecret {
    DeviceSecret::generate(SUITE, DeviceId::new([n; 16]), r)
}

impl Account {
    /// A chain whose root device is `first`.
    pub(crate) fn new(user: u8, first: &DeviceSecret, address: &str, seed: u8) -> Account {
        let mut r = ChaCha20Rng::from_seed([seed; 32]);
        let user = UserId::new([user; 16]);
        let puk = PukSecret::generate(SUITE, user, 1, &mut r).unwrap();
        let root = root(SUITE, user, first, puk.public(), &[address], 1).unwrap();
        let state = ChainState::verify(&[&root]).unwrap();
        Account {
            user,
            links: vec![root],
            state,
            puks: vec![puk],
            r,
        }
    }

    /// The next PUK generation (not yet in the chain).
    pub(crate) fn next_puk(&mut self) -> PukSecret {
        let g = self.puks.last().unwrap().generation() + 1;
        PukSecret::generate(SUITE, self.user, g, &mut self.r).unwrap()
    }

    /// Appends a link, which must verify.
    pub(crate) fn push(&mut self, link: Vec<u8>) {
        self.state = self.state.extend(&[&link]).unwrap();
        self.links.push(link);
    }

    /// What appending `link` gives.
    pub(crate) fn try_push(&self, link: &[u8]) -> Result<ChainState, Error> {
        self.state.extend(&[link])
    }

    pub(crate) fn signed(&self, mut draft: LinkDraft, by: &[&DeviceSecret]) -> Vec<u8> {
        for d in by {
            draft.sign(d).unwrap();
        }
        draft.finish().unwrap()
    }

    pub(crate) fn add_device(&mut self, approver: &DeviceSecret, new: &DeviceSecret) {
        let draft = self
            .state
            .propose_add_device(approver.id(), new.public(), None, 2)
            .unwrap();
        let link = self.signed(draft, &[approver, new]);
        self.push(link);
    }
}

fn chain_err(e: ChainError) -> Option<Error> {
    Some(Error::Chain(e))
}

/// Escrow administrators: their own chain, and the terms a member's escrow link records.
pub(crate) struct Administrators {
    pub(crate) account: Account,
    pub(crate) device: DeviceSecret,
}

impl Administrators {
    pub(crate) fn new(r: &mut ChaCha20Rng) -> Administrators {
        let device = device(0xa1, r);
        let account = Account::new(0xea, &device, "admins@example.com", 77);
        Administrators { account, device }
    }

    pub(crate) fn terms(&self) -> EscrowTerms {
        let puk = self.account.state.current_puk();
        EscrowTerms {
            account: [3; 16],
            domain: "example.com".into(),
            ea_group: self.account.user,
            ea_generation: puk.generation,
            ea_key_fingerprint: puk.mail_key.fingerprint(),
            ea_chain: self.account.state.tail(),
            ea_device: self.device.id(),
            ea_device_key: self.device.public().verifying_key,
        }
    }
}

#[test]
fn lifecycle_root_add_backup_escrow_revoke_rotate_disable() {
    let mut r = ChaCha20Rng::from_seed([1; 32]);
    let laptop = device(1, &mut r);
    let phone = device(2, &mut r);
    let backup = device(3, &mut r);
    let escrow = device(4, &mut r);
    let admins = Administrators::new(&mut r);
    let mut alice = Account::new(1, &laptop, "alice@example.com", 10);
    alice.add_device(&laptop, &phone);

    let draft = alice
        .state
        .propose_backup_device(laptop.id(), backup.public(), None, 3)
        .unwrap();
    let link = alice.signed(draft, &[&laptop, &backup]);
    alice.push(link);

    let g2 = alice.next_puk();
    let draft = alice
        .state
        .propose_escrow_device(
            phone.id(),
            escrow.public(),
            admins.terms(),
            Some(g2.public()),
            4,
        )
        .unwrap();
    let link = alice.signed(draft, &[&phone, &escrow, &admins.device]);
    alice.push(link);
    alice.puks.push(g2);
    let enrolled = alice.state.escrow().unwrap().clone();
    assert_eq!(enrolled.escrow_device, escrow.id());
    assert_eq!(enrolled.terms.ea_group, admins.account.user);
    enrolled
        .check_administrators(&admins.account.state)
        .unwrap();

    let g3 = alice.next_puk();
    let draft = alice
        .state
        .propose_revoke(laptop.id(), phone.id(), g3.public(), 5)
        .unwrap();
    let link = alice.signed(draft, &[&laptop]);
    alice.push(link);
    alice.puks.push(g3);
    assert!(!alice.state.device(&phone.id()).unwrap().is_active());
    assert!(alice.state.device(&phone.id()).unwrap().was_active_at(4));

    let g4 = alice.next_puk();
    let draft = alice
        .state
        .propose_disable_escrow(laptop.id(), g4.public(), 6)
        .unwrap();
    let link = alice.signed(draft, &[&laptop]);
    alice.push(link);
    alice.puks.push(g4);
    assert!(alice.state.escrow().is_none());
    assert_eq!(alice.state.escrow_history().len(), 1);
    assert_eq!(alice.state.current_puk().generation, 4);
    assert_eq!(alice.state.generation_at(4), 2);
    let addresses = alice
        .state
        .server_addresses(&["alice@example.com", "a@example.com"], 7);
    alice.push(addresses);
    assert!(alice.state.has_address("A@example.com"));
    assert_eq!(alice.state.address_history().len(), 2);

    // The whole chain verifies from its root, and as an encoded segment.
    let again = ChainState::verify(&alice.links).unwrap();
    assert_eq!(again, alice.state);
    let segment = encode_segment(&alice.links);
    assert_eq!(ChainState::verify_segment(&segment).unwrap(), alice.state);
    // Extending from a cached prefix gives the same state.
    let cached = ChainState::verify(&alice.links[..3]).unwrap();
    assert_eq!(cached.update(&alice.links).unwrap(), alice.state);
}

#[test]
fn forged_chain_with_an_extra_device_is_refused() {
    // The server makes up a device and adds it with a signature of its own choosing.
    let mut r = ChaCha20Rng::from_seed([2; 32]);
    let laptop = device(1, &mut r);
    let servers = device(9, &mut r);
    let alice = Account::new(1, &laptop, "alice@example.com", 11);
    // Approved by a device that is not in the chain.
    let draft = alice
        .state
        .propose_add_device(servers.id(), servers.public(), None, 2)
        .unwrap();
    let forged = alice.signed(draft, &[&servers, &servers]);
    assert_eq!(
        alice.try_push(&forged).err(),
        chain_err(ChainError::SignerNotActive { seq: 2 })
    );
    // Naming the laptop as approver without its signature.
    let mut draft = alice
        .state
        .propose_add_device(laptop.id(), servers.public(), None, 2)
        .unwrap();
    draft.sign(&servers).unwrap();
    draft.add_signature(laptop.id(), [7; 64]).unwrap();
    assert_eq!(
        alice.try_push(&draft.finish().unwrap()).err(),
        chain_err(ChainError::BadSignature { seq: 2 })
    );
    // Unsigned, as the server inserts address changes.
    let draft = alice
        .state
        .propose_add_device(laptop.id(), servers.public(), None, 2)
        .unwrap();
    let unsigned = super::link::LinkWire {
        body: crate::wire::Bytes(draft.body().to_vec()),
        signatures: Vec::new(),
    };
    assert_eq!(
        alice.try_push(&crate::wire::encode(&unsigned)).err(),
        chain_err(ChainError::Signatures { seq: 2 })
    );
}

#[test]
fn stale_chain_hiding_a_revocation_is_refused() {
    let mut r = ChaCha20Rng::from_seed([3; 32]);
    let laptop = device(1, &mut r);
    let stolen = device(2, &mut r);
    let mut alice = Account::new(1, &laptop, "alice@example.com", 12);
    alice.add_device(&laptop, &stolen);
    let g2 = alice.next_puk();
    let draft = alice
        .state
        .propose_revoke(laptop.id(), stolen.id(), g2.public(), 3)
        .unwrap();
    let link = alice.signed(draft, &[&laptop]);
    alice.push(link);
    // Bob's client verified the chain with the revocation; the server now serves the chain
    // as it was before it.
    let bobs_view = alice.state.clone();
    assert_eq!(
        bobs_view.update(&alice.links[..2]).err(),
        chain_err(ChainError::Rollback { have: 3, served: 2 })
    );
    assert!(!bobs_view.device(&stolen.id()).unwrap().is_active());
    // Shorter and different at a position Bob has seen: the fork is what it shows (§12.5,
    // fork before rollback).
    let other = alice.state.server_addresses(&["alice@evil.example"], 2);
    assert_eq!(
        bobs_view.update(&[alice.links[0].clone(), other]).err(),
        chain_err(ChainError::Fork { seq: 2 })
    );
}

#[test]
fn fork_served_to_two_clients_is_caught_by_their_security_codes() {
    let mut r = ChaCha20Rng::from_seed([4; 32]);
    let laptop = device(1, &mut r);
    let phone = device(2, &mut r);
    let mut real = Account::new(1, &laptop, "alice@example.com", 13);
    let mut forked = Account::new(1, &laptop, "alice@example.com", 13);
    real.add_device(&laptop, &phone);
    // The fork: at link 2 the second client is shown another address list.
    forked.push(forked.state.server_addresses(&["alice@evil.example"], 2));
    assert_ne!(real.state.security_code(), forked.state.security_code());
    let bob = Account::new(2, &device(20, &mut r), "bob@example.com", 14);
    assert_ne!(
        pair_security_code(&real.state, &bob.state),
        pair_security_code(&bob.state, &forked.state)
    );
    assert_eq!(
        pair_security_code(&real.state, &bob.state),
        pair_security_code(&bob.state, &real.state),
        "a pair's code is the same from both sides"
    );
    // Trust on first use: each client refuses the other's view, naming the fork.
    assert_eq!(
        real.state.update(&forked.links).err(),
        chain_err(ChainError::Fork { seq: 2 })
    );
    assert_eq!(
        forked.state.update(&real.links).err(),
        chain_err(ChainError::Fork { seq: 2 })
    );
    let code = alloc::format!("{}", real.state.security_code());
    assert_eq!(code.len(), 35);
    assert!(
        code.split(' ')
            .all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit()))
    );
}

#[test]
fn tails_and_security_codes_read_back_from_their_text_forms() {
    let mut r = ChaCha20Rng::from_seed([41; 32]);
    let laptop = device(1, &mut r);
    let alice = Account::new(1, &laptop, "alice@example.com", 13);
    let bob = Account::new(2, &device(20, &mut r), "bob@example.com", 14);
    let text_form = || Some(Error::from(Malformed::Field(Field::TextForm)));

    // A code read aloud or scanned compares equal to the computed one, spaces or not.
    let code = pair_security_code(&alice.state, &bob.state);
    assert_eq!(code.to_string().parse::<SecurityCode>().unwrap(), code);
    assert_eq!(code.digits().parse::<SecurityCode>().unwrap(), code);
    let other = alice.state.security_code();
    assert_ne!(other.to_string().parse::<SecurityCode>().unwrap(), code);
    for bad in [
        &code.digits()[1..],
        "1".repeat(31).as_str(),
        &code.digits().replacen(|_| true, "x", 1),
    ] {
        assert_eq!(bad.parse::<SecurityCode>().err(), text_form(), "{bad}");
    }
    assert_eq!(
        serde_json::to_string(&code).unwrap(),
        alloc::format!("\"{code}\"")
    );

    // A tail: `seq:hash`, read back exactly; JSON carries the text, CBOR the wire map.
    let tail = alice.state.tail();
    let text = tail.to_string();
    assert_eq!(text.parse::<ChainTail>().unwrap(), tail);
    assert_eq!(text.to_uppercase().parse::<ChainTail>().unwrap(), tail);
    assert_eq!(
        serde_json::from_str::<ChainTail>(&serde_json::to_string(&tail).unwrap()).unwrap(),
        tail
    );
    let cbor = crate::wire::encode(&tail);
    assert_eq!(cbor.first(), Some(&0xa2), "a two-entry map on the wire");
    let hash = text.split_once(':').unwrap().1;
    for bad in [
        alloc::format!("01:{hash}"),
        alloc::format!("+1:{hash}"),
        alloc::format!("1:{}", &hash[1..]),
        alloc::format!("1 {hash}"),
        alloc::format!("1:{hash}:"),
        alloc::format!("18446744073709551616:{hash}"),
    ] {
        assert_eq!(bad.parse::<ChainTail>().err(), text_form(), "{bad}");
    }
    assert_eq!(
        alloc::format!("0:{hash}").parse::<ChainTail>().err(),
        Some(Malformed::Field(Field::ChainTail).into())
    );
}

#[test]
fn link_replayed_from_another_users_chain_is_refused() {
    let mut r = ChaCha20Rng::from_seed([5; 32]);
    let a1 = device(1, &mut r);
    let b1 = device(11, &mut r);
    let b2 = device(12, &mut r);
    let alice = Account::new(1, &a1, "alice@example.com", 15);
    let mut bob = Account::new(2, &b1, "bob@example.com", 16);
    bob.add_device(&b1, &b2);
    assert_eq!(
        alice.try_push(&bob.links[1]).err(),
        chain_err(ChainError::OtherUser { seq: 2 })
    );
}

#[test]
fn link_signed_by_a_revoked_device_is_refused() {
    let mut r = ChaCha20Rng::from_seed([6; 32]);
    let laptop = device(1, &mut r);
    let stolen = device(2, &mut r);
    let mut alice = Account::new(1, &laptop, "alice@example.com", 17);
    alice.add_device(&laptop, &stolen);
    let g2 = alice.next_puk();
    let draft = alice
        .state
        .propose_revoke(laptop.id(), stolen.id(), g2.public(), 3)
        .unwrap();
    let link = alice.signed(draft, &[&laptop]);
    alice.push(link);
    alice.puks.push(g2);
    // The thief rotates the PUK to a key it chose.
    let g3 = alice.next_puk();
    let draft = alice
        .state
        .propose_rotation(stolen.id(), g3.public(), 4)
        .unwrap();
    let link = alice.signed(draft, &[&stolen]);
    assert_eq!(
        alice.try_push(&link).err(),
        chain_err(ChainError::SignerNotActive { seq: 4 })
    );
    // Revoking it twice is not admissible either.
    let draft = alice
        .state
        .propose_revoke(laptop.id(), stolen.id(), g3.public(), 4)
        .unwrap();
    let link = alice.signed(draft, &[&laptop]);
    assert_eq!(
        alice.try_push(&link).err(),
        chain_err(ChainError::DeviceNotActive { seq: 4 })
    );
}

#[test]
fn escrow_or_backup_device_approving_a_new_device_is_refused() {
    let mut r = ChaCha20Rng::from_seed([7; 32]);
    let laptop = device(1, &mut r);
    let backup = device(3, &mut r);
    let escrow = device(4, &mut r);
    let newcomer = device(5, &mut r);
    let admins = Administrators::new(&mut r);
    let mut alice = Account::new(1, &laptop, "alice@example.com", 18);
    let draft = alice
        .state
        .propose_backup_device(laptop.id(), backup.public(), None, 2)
        .unwrap();
    let link = alice.signed(draft, &[&laptop, &backup]);
    alice.push(link);
    let draft = alice
        .state
        .propose_escrow_device(laptop.id(), escrow.public(), admins.terms(), None, 3)
        .unwrap();
    let link = alice.signed(draft, &[&laptop, &escrow, &admins.device]);
    alice.push(link);
    for approver in [&backup, &escrow] {
        let draft = alice
            .state
            .propose_add_device(approver.id(), newcomer.public(), None, 4)
            .unwrap();
        let link = alice.signed(draft, &[approver, &newcomer]);
        assert_eq!(
            alice.try_push(&link).err(),
            chain_err(ChainError::RoleMayNot { seq: 4 })
        );
    }
    // Nor may the escrow device turn escrow off, or a plain revocation remove it.
    let g2 = alice.next_puk();
    let draft = alice
        .state
        .propose_disable_escrow(escrow.id(), g2.public(), 4)
        .unwrap();
    let link = alice.signed(draft, &[&escrow]);
    assert_eq!(
        alice.try_push(&link).err(),
        chain_err(ChainError::RoleMayNot { seq: 4 })
    );
    let draft = alice
        .state
        .propose_revoke(laptop.id(), escrow.id(), g2.public(), 4)
        .unwrap();
    let link = alice.signed(draft, &[&laptop]);
    assert_eq!(
        alice.try_push(&link).err(),
        chain_err(ChainError::Escrow { seq: 4 })
    );
    assert_eq!(
        alice
            .try_push(&alice.state.server_revoke(escrow.id(), 4))
            .err(),
        chain_err(ChainError::Escrow { seq: 4 })
    );
    // A recovery while the laptop is active is refused, even by the backup device.
    let draft = alice
        .state
        .propose_recovery(backup.id(), newcomer.public(), None, g2.public(), 4)
        .unwrap();
    let link = alice.signed(draft, &[&backup, &newcomer]);
    assert_eq!(
        alice.try_push(&link).err(),
        chain_err(ChainError::Recovery { seq: 4 })
    );
}

#[test]
fn recovery_by_backup_or_escrow_device_once_every_device_is_gone() {
    let mut r = ChaCha20Rng::from_seed([8; 32]);
    let laptop = device(1, &mut r);
    let backup = device(3, &mut r);
    let escrow = device(4, &mut r);
    let replacement = device(5, &mut r);
    let admins = Administrators::new(&mut r);
    let mut alice = Account::new(1, &laptop, "alice@example.com", 19);
    for (d, terms) in [(&backup, None), (&escrow, Some(admins.terms()))] {
        let draft = match terms {
            None => alice
                .state
                .propose_backup_device(laptop.id(), d.public(), None, 2),
            Some(t) => alice
                .state
                .propose_escrow_device(laptop.id(), d.public(), t, None, 2),
        }
        .unwrap();
        let mut signers = vec![&laptop, d];
        if d.id() == escrow.id() {
            signers.push(&admins.device);
        }
        let link = alice.signed(draft, &signers);
        alice.push(link);
    }
    // The laptop is lost; the user revokes it on the web page.
    let revoked = alice.state.server_revoke(laptop.id(), 4);
    alice.push(revoked);
    assert!(alice.state.rotation_due());
    assert!(!alice.state.has_active_device());
    let g2 = alice.next_puk();
    // The escrow device alone cannot recover: an administrator must co-sign.
    let draft = alice
        .state
        .propose_recovery(escrow.id(), replacement.public(), None, g2.public(), 5)
        .unwrap();
    let link = alice.signed(draft, &[&escrow, &replacement]);
    assert_eq!(
        alice.try_push(&link).err(),
        chain_err(ChainError::Recovery { seq: 5 })
    );
    let cosigner = RecoveryCosigner {
        device: admins.device.id(),
        key: admins.device.public().verifying_key,
        ea_chain: admins.account.state.tail(),
    };
    let draft = alice
        .state
        .propose_recovery(
            escrow.id(),
            replacement.public(),
            Some(cosigner),
            g2.public(),
            5,
        )
        .unwrap();
    let escrow_recovery = alice.signed(draft, &[&escrow, &replacement, &admins.device]);
    assert!(alice.try_push(&escrow_recovery).is_ok());
    // The backup device recovers on its own (the user typed the code).
    let draft = alice
        .state
        .propose_recovery(backup.id(), replacement.public(), None, g2.public(), 5)
        .unwrap();
    let link = alice.signed(draft, &[&backup, &replacement]);
    alice.push(link);
    assert!(alice.state.has_active_device());
    assert!(!alice.state.rotation_due(), "the recovery rotated the PUK");
}

#[test]
fn inadmissible_and_malformed_links_are_refused() {
    let mut r = ChaCha20Rng::from_seed([9; 32]);
    let laptop = device(1, &mut r);
    let phone = device(2, &mut r);
    let mut alice = Account::new(1, &laptop, "alice@example.com", 20);
    // Reusing the laptop's id, or its keys, for a new device.
    let impostor = DeviceSecret::generate(SUITE, laptop.id(), &mut r);
    let draft = alice
        .state
        .propose_add_device(laptop.id(), impostor.public(), None, 2)
        .unwrap();
    let link = alice.signed(draft, &[&laptop, &impostor]);
    assert_eq!(
        alice.try_push(&link).err(),
        chain_err(ChainError::Reused { seq: 2 })
    );
    let same_keys = DeviceSecret::from_seed(SUITE, DeviceId::new([42; 16]), laptop.expose_seed());
    let draft = alice
        .state
        .propose_add_device(laptop.id(), same_keys.public(), None, 2)
        .unwrap();
    let link = alice.signed(draft, &[&laptop, &same_keys]);
    assert_eq!(
        alice.try_push(&link).err(),
        chain_err(ChainError::Reused { seq: 2 })
    );
    // A PUK generation that skips one.
    let mut skip = alice.next_puk();
    skip = PukSecret::generate(SUITE, alice.user, skip.generation() + 1, &mut alice.r).unwrap();
    let draft = alice
        .state
        .propose_rotation(laptop.id(), skip.public(), 2)
        .unwrap();
    let link = alice.signed(draft, &[&laptop]);
    assert_eq!(
        alice.try_push(&link).err(),
        chain_err(ChainError::Generation { seq: 2 })
    );
    // A gap: link 3 on a chain of 1.
    alice.add_device(&laptop, &phone);
    let g2 = alice.next_puk();
    let draft = alice
        .state
        .propose_rotation(laptop.id(), g2.public(), 3)
        .unwrap();
    let link3 = alice.signed(draft, &[&laptop]);
    let short = ChainState::verify(&alice.links[..1]).unwrap();
    assert_eq!(
        short.extend(&[&link3]).err(),
        chain_err(ChainError::Sequence { seq: 3 })
    );
    // No root, or a second root.
    assert_eq!(
        ChainState::verify(&alice.links[1..]).err(),
        chain_err(ChainError::NotRoot { seq: 2 })
    );
    assert_eq!(
        alice.try_push(&alice.links[0]).err(),
        chain_err(ChainError::Sequence { seq: 1 })
    );
    // Oversized and lenient encodings.
    let mut big = alice.links[1].clone();
    big.resize(MAX_LINK_LEN + 1, 0);
    assert_eq!(alice.try_push(&big).err(), Some(Limit::LinkSize.into()));
    let mut trailing = link3.clone();
    trailing.push(0);
    assert!(matches!(
        alice.try_push(&trailing).err(),
        Some(Error::Malformed(_))
    ));
    assert!(alice.try_push(&link3).is_ok());
    // Every flipped byte of a valid link is refused.
    for i in 0..link3.len() {
        let mut bad = link3.clone();
        bad[i] ^= 0x01;
        assert!(alice.try_push(&bad).is_err(), "byte {i}");
    }
}

#[test]
fn escrow_terms_are_checked_against_the_administrators_chain() {
    let mut r = ChaCha20Rng::from_seed([10; 32]);
    let laptop = device(1, &mut r);
    let escrow = device(4, &mut r);
    let mut admins = Administrators::new(&mut r);
    let mut alice = Account::new(1, &laptop, "alice@example.com", 21);
    let mut terms = admins.terms();
    terms.ea_generation = 9;
    let draft = alice
        .state
        .propose_escrow_device(laptop.id(), escrow.public(), terms, None, 2)
        .unwrap();
    let link = alice.signed(draft, &[&laptop, &escrow, &admins.device]);
    alice.push(link);
    let enrolled = alice.state.escrow().unwrap();
    assert_eq!(
        enrolled.check_administrators(&admins.account.state).err(),
        chain_err(ChainError::Escrow { seq: 2 })
    );
    // Terms naming a position of the administrators' chain that the client has not seen.
    let other = device(0xa2, &mut r);
    let admin_device =
        DeviceSecret::from_seed(SUITE, admins.device.id(), admins.device.expose_seed());
    admins.account.add_device(&admin_device, &other);
    let old_view = ChainState::verify(&admins.account.links[..1]).unwrap();
    let b1 = device(11, &mut r);
    let bob_escrow = device(12, &mut r);
    let mut bob = Account::new(2, &b1, "bob@example.com", 22);
    let draft = bob
        .state
        .propose_escrow_device(b1.id(), bob_escrow.public(), admins.terms(), None, 2)
        .unwrap();
    let link = bob.signed(draft, &[&b1, &bob_escrow, &admins.device]);
    bob.push(link);
    let enrolled = bob.state.escrow().unwrap();
    assert_eq!(
        enrolled.check_administrators(&old_view).err(),
        chain_err(ChainError::Behind {
            user: *admins.account.user.as_bytes(),
            have: 1,
            need: 2
        })
    );
    enrolled
        .check_administrators(&admins.account.state)
        .unwrap();
}

/// SPEC.md §12.6: each recorded term against the administrators' chain — the position's hash,
/// the co-signing device (role, status at that position, key) and the EA key's fingerprint.
#[test]
fn escrow_terms_that_disagree_with_the_administrators_chain_are_refused() {
    let mut r = ChaCha20Rng::from_seed([11; 32]);
    let admins = Administrators::new(&mut r);
    // Enrolls Alice's escrow device under `terms`, co-signed by `cosigner` (whose id and key
    // the terms must name for the link itself to verify), and checks the terms.
    let check = |terms: EscrowTerms, cosigner: &DeviceSecret, r: &mut ChaCha20Rng| {
        let laptop = device(1, r);
        let escrow = device(4, r);
        let mut alice = Account::new(1, &laptop, "alice@example.com", 23);
        let draft = alice
            .state
            .propose_escrow_device(laptop.id(), escrow.public(), terms, None, 2)
            .unwrap();
        let link = alice.signed(draft, &[&laptop, &escrow, cosigner]);
        alice.push(link);
        let enrolled = alice.state.escrow().unwrap().clone();
        enrolled.check_administrators(&admins.account.state)
    };
    assert_eq!(check(admins.terms(), &admins.device, &mut r), Ok(()));
    // Another hash at the position the administrator saw: a fork of their chain.
    let mut forked = admins.terms();
    forked.ea_chain.hash[0] ^= 1;
    assert_eq!(
        check(forked, &admins.device, &mut r).err(),
        chain_err(ChainError::Fork { seq: 1 })
    );
    let escrow_err = chain_err(ChainError::Escrow { seq: 2 });
    // Another group.
    let mut other_group = admins.terms();
    other_group.ea_group = UserId::new([0xee; 16]);
    assert_eq!(check(other_group, &admins.device, &mut r).err(), escrow_err);
    // The administrator's device id with another key.
    let impostor = DeviceSecret::generate(SUITE, admins.device.id(), &mut r);
    let mut other_key = admins.terms();
    other_key.ea_device_key = impostor.public().verifying_key;
    assert_eq!(check(other_key, &impostor, &mut r).err(), escrow_err);
    // A device their chain does not list.
    let stranger = device(0x56, &mut r);
    let mut unknown_device = admins.terms();
    unknown_device.ea_device = stranger.id();
    unknown_device.ea_device_key = stranger.public().verifying_key;
    assert_eq!(check(unknown_device, &stranger, &mut r).err(), escrow_err);
    // Another EA key fingerprint.
    let mut other_fingerprint = admins.terms();
    other_fingerprint.ea_key_fingerprint[0] ^= 1;
    assert_eq!(
        check(other_fingerprint, &admins.device, &mut r).err(),
        escrow_err
    );
}

/// The co-signing device must be an ordinary device active at the position it signed
/// against: a backup device of the administrators', or one revoked by then, is refused.
#[test]
fn escrow_terms_cosigned_by_an_administrators_backup_or_revoked_device_are_refused() {
    let mut r = ChaCha20Rng::from_seed([12; 32]);
    let mut admins = Administrators::new(&mut r);
    let admin_device =
        DeviceSecret::from_seed(SUITE, admins.device.id(), admins.device.expose_seed());
    let backup = device(0xa3, &mut r);
    let draft = admins
        .account
        .state
        .propose_backup_device(admin_device.id(), backup.public(), None, 2)
        .unwrap();
    let link = admins.account.signed(draft, &[&admin_device, &backup]);
    admins.account.push(link);
    let second = device(0xa4, &mut r);
    admins.account.add_device(&admin_device, &second);
    let g2 = admins.account.next_puk();
    let draft = admins
        .account
        .state
        .propose_revoke(admin_device.id(), second.id(), g2.public(), 4)
        .unwrap();
    let link = admins.account.signed(draft, &[&admin_device]);
    admins.account.push(link);
    admins.account.puks.push(g2);
    for (signer, seq) in [(&backup, 4), (&second, 4)] {
        let mut terms = admins.terms();
        terms.ea_device = signer.id();
        terms.ea_device_key = signer.public().verifying_key;
        terms.ea_chain = ChainTail {
            seq,
            hash: admins.account.state.hash_at(seq).unwrap(),
        };
        let laptop = device(1, &mut r);
        let escrow = device(4, &mut r);
        let mut alice = Account::new(1, &laptop, "alice@example.com", 24);
        let draft = alice
            .state
            .propose_escrow_device(laptop.id(), escrow.public(), terms, None, 2)
            .unwrap();
        let link = alice.signed(draft, &[&laptop, &escrow, signer]);
        alice.push(link);
        let enrolled = alice.state.escrow().unwrap();
        assert_eq!(
            enrolled.check_administrators(&admins.account.state).err(),
            chain_err(ChainError::Escrow { seq: 2 })
        );
    }
}

/// SPEC.md §12.7, recomputed here from the formula: the digest, the 30 digits (first 16
/// bytes big-endian, modulo 10^30, leading zeros), six groups of five, and the pair code over
/// the lower user id first, whatever the argument order.
#[test]
fn security_codes_follow_the_formula() {
    let mut r = ChaCha20Rng::from_seed([13; 32]);
    let a = Account::new(1, &device(1, &mut r), "a@example.com", 31);
    let b = Account::new(2, &device(2, &mut r), "b@example.com", 32);
    let input = |c: &ChainState| {
        let t = c.tail();
        let mut v = SUITE.id_bytes().to_vec();
        v.extend_from_slice(c.user().as_bytes());
        v.extend_from_slice(&t.seq.to_be_bytes());
        v.extend_from_slice(&t.hash);
        v
    };
    let digits = |d: &[u8; 32]| {
        let n = u128::from_be_bytes(d[..16].try_into().unwrap()) % 10u128.pow(30);
        alloc::format!("{n:030}")
    };
    let single = blake3::derive_key("mailseal v1 security code", &input(&a.state));
    assert_eq!(a.state.fingerprint(), single);
    let code = a.state.security_code();
    assert_eq!(code.digits(), digits(&single));
    let grouped: Vec<&str> = code
        .digits()
        .as_bytes()
        .chunks(5)
        .map(|c| core::str::from_utf8(c).unwrap())
        .collect();
    assert_eq!(alloc::format!("{code}"), grouped.join(" "));
    assert_eq!(
        alloc::format!("{code:?}"),
        alloc::format!("SecurityCode({code})")
    );
    let pair_input = [input(&a.state), input(&b.state)].concat();
    let pair = blake3::derive_key("mailseal v1 pair security code", &pair_input);
    assert_eq!(
        pair_security_code(&b.state, &a.state).digits(),
        digits(&pair)
    );
    assert_eq!(
        pair_security_code(&a.state, &b.state).digits(),
        digits(&pair)
    );
}

/// A segment may be up to [`MAX_CHAIN_SEGMENT_LEN`] bytes; one byte more is refused before
/// it is decoded.
#[test]
fn segments_are_bounded_by_their_length_limit() {
    let links: Vec<Vec<u8>> = (0..300).map(|i| vec![i as u8; 8000]).collect();
    let segment = encode_segment(&links);
    assert!(segment.len() > 2 * 1024 * 1024);
    assert_eq!(decode_segment(&segment).map(|l| l.len()), Ok(300));
    let too_long = vec![0u8; MAX_CHAIN_SEGMENT_LEN + 1];
    assert_eq!(
        decode_segment(&too_long).err(),
        Some(Limit::ChainLength.into())
    );
}

/// SPEC.md §12.3: an address list holds 1 to 32 addresses, none twice with ASCII case
/// ignored; the server's address change is refused otherwise.
#[test]
fn address_lists_hold_one_to_thirty_two_distinct_addresses() {
    let mut r = ChaCha20Rng::from_seed([14; 32]);
    let alice = Account::new(1, &device(1, &mut r), "alice@example.com", 33);
    let change = |list: &[&str]| alice.try_push(&alice.state.server_addresses(list, 2));
    let names: Vec<String> = (0..=MAX_ADDRESSES)
        .map(|i| alloc::format!("a{i}@example.com"))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let refused = chain_err(ChainError::Addresses { seq: 2 });
    assert_eq!(change(&[]).err(), refused);
    assert_eq!(change(&refs).err(), refused, "33 addresses");
    let full = change(&refs[..MAX_ADDRESSES]).unwrap();
    assert_eq!(full.addresses().len(), MAX_ADDRESSES);
    assert_eq!(
        change(&["alice@example.com", "Alice@Example.com"]).err(),
        refused
    );
    assert!(full.has_address("A0@EXAMPLE.COM"));
}

/// A root re-encoded after `edit` changed its body or payload, signed by `device`.
fn forged_root(
    device: &DeviceSecret,
    puk: &PukSecret,
    edit: impl FnOnce(&mut link::BodyWire, &mut link::RootWire),
) -> Vec<u8> {
    let honest = root(
        SUITE,
        UserId::new([1; 16]),
        device,
        puk.public(),
        &["a@example.com"],
        1,
    )
    .unwrap();
    let l: link::LinkWire = crate::wire::decode(&honest, MAX_LINK_LEN, Limit::LinkSize).unwrap();
    let mut body: link::BodyWire =
        crate::wire::decode(&l.body.0, MAX_LINK_LEN, Limit::LinkSize).unwrap();
    let mut payload: link::RootWire =
        crate::wire::decode(&body.payload.0, MAX_LINK_LEN, Limit::LinkSize).unwrap();
    edit(&mut body, &mut payload);
    body.payload = crate::wire::Bytes(crate::wire::encode(&payload));
    let body = crate::wire::encode(&body);
    let signed = [link::SIGNATURE_LABEL, &body].concat();
    crate::wire::encode(&link::LinkWire {
        body: crate::wire::Bytes(body),
        signatures: vec![link::SignatureWire {
            device: device.id(),
            signature: crate::wire::Fixed(device.sign(&signed)),
        }],
    })
}

/// SPEC.md §12.4: the root is link 1 with no previous hash, its device ordinary and its PUK
/// generation 1; each of these alone is refused.
#[test]
fn a_root_out_of_place_or_of_the_wrong_kind_is_refused() {
    let mut r = ChaCha20Rng::from_seed([15; 32]);
    let laptop = device(1, &mut r);
    let puk = PukSecret::generate(SUITE, UserId::new([1; 16]), 1, &mut r).unwrap();
    let verify = |l: Vec<u8>| ChainState::verify(&[l]).err();
    assert_eq!(verify(forged_root(&laptop, &puk, |_, _| {})), None);
    assert_eq!(
        verify(forged_root(&laptop, &puk, |b, _| b.seq = 2)),
        chain_err(ChainError::NotRoot { seq: 2 })
    );
    assert_eq!(
        verify(forged_root(&laptop, &puk, |b, _| b.prev =
            Some(crate::wire::Fixed([3; 32])))),
        chain_err(ChainError::NotRoot { seq: 1 })
    );
    assert_eq!(
        verify(forged_root(&laptop, &puk, |_, p| p.device.role =
            DeviceRole::Backup as u8)),
        chain_err(ChainError::RoleMayNot { seq: 1 })
    );
    assert_eq!(
        verify(forged_root(&laptop, &puk, |_, p| p.puk.generation = 2)),
        chain_err(ChainError::RoleMayNot { seq: 1 })
    );
}

/// A segment holds at most [`MAX_CHAIN_LINKS`] links.
#[test]
fn segments_hold_at_most_the_chain_length_limit() {
    let limit = usize::try_from(MAX_CHAIN_LINKS).unwrap();
    let empty: Vec<Vec<u8>> = vec![Vec::new(); limit];
    let segment = encode_segment(&empty);
    assert_eq!(decode_segment(&segment).map(|l| l.len()), Ok(limit));
    let one_more: Vec<Vec<u8>> = vec![Vec::new(); limit + 1];
    assert_eq!(
        decode_segment(&encode_segment(&one_more)).err(),
        Some(Limit::ChainLength.into())
    );
    // A segment at the length limit of nothing but empty links (0x40): 16 M claimed links,
    // refused by count. Read with the count capped, it holds at most one link past the limit
    // in memory (`Reader::array`), not a list entry per claimed link.
    let count = MAX_CHAIN_SEGMENT_LEN - 5;
    let mut flood = vec![0x9a];
    flood.extend_from_slice(&u32::try_from(count).unwrap().to_be_bytes());
    flood.resize(MAX_CHAIN_SEGMENT_LEN, 0x40);
    assert_eq!(
        decode_segment(&flood).err(),
        Some(Limit::ChainLength.into())
    );
}

/// SPEC.md §12.4 *every add*: the verifying key alone, or the encryption key alone, already in
/// the chain is reuse, whatever the device id.
#[test]
fn a_device_reusing_one_key_of_another_is_refused() {
    let mut r = ChaCha20Rng::from_seed([16; 32]);
    let laptop = device(1, &mut r);
    let other = device(2, &mut r);
    let alice = Account::new(1, &laptop, "alice@example.com", 34);
    let try_add = |public: DevicePublic, signer: &DeviceSecret| {
        let draft = alice
            .state
            .propose_add_device(laptop.id(), &public, None, 2)
            .unwrap();
        alice.try_push(&alice.signed(draft, &[&laptop, signer]))
    };
    // The laptop's signing key under a new id, with a fresh encryption key.
    let same_signing =
        DeviceSecret::from_seed(SUITE, DeviceId::new([42; 16]), laptop.expose_seed());
    let public = DevicePublic {
        encryption_key: other.public().encryption_key.clone(),
        ..same_signing.public().clone()
    };
    assert_eq!(
        try_add(public, &same_signing).err(),
        chain_err(ChainError::Reused { seq: 2 })
    );
    // A new signing key with the laptop's encryption key.
    let public = DevicePublic {
        encryption_key: laptop.public().encryption_key.clone(),
        ..other.public().clone()
    };
    assert_eq!(
        try_add(public, &other).err(),
        chain_err(ChainError::Reused { seq: 2 })
    );
    // Both fresh: added.
    assert!(try_add(other.public().clone(), &other).is_ok());
}

/// A chain holds at most [`MAX_CHAIN_LINKS`] links: the last one allowed verifies, the next
/// is refused. (The server's address changes are unsigned, so 65,536 links build quickly;
/// verifying them takes about 17 s in a debug build, so `.ci/run` runs this test on its own.)
#[test]
#[ignore = "slow in debug builds: .ci/run runs it with --ignored"]
fn a_chain_stops_at_its_link_limit() {
    let mut r = ChaCha20Rng::from_seed([17; 32]);
    let laptop = device(1, &mut r);
    let alice = Account::new(1, &laptop, "alice@example.com", 35);
    let mut links = alice.links.clone();
    let mut prev = link::link_hash(&links[0]);
    let change = |seq: u64, prev: [u8; 32]| {
        let payload = crate::wire::encode(&link::AddressesWire {
            addresses: vec![alloc::format!("a{}@example.com", seq % 2)],
        });
        let body = crate::wire::encode(&link::BodyWire {
            payload: crate::wire::Bytes(payload),
            kind: LinkType::ChangeAddresses.code(),
            prev: Some(crate::wire::Fixed(prev)),
            seq,
            suite: SUITE.id(),
            time: 2,
            user: alice.user,
            version: link::LINK_VERSION,
        });
        crate::wire::encode(&link::LinkWire {
            body: crate::wire::Bytes(body),
            signatures: Vec::new(),
        })
    };
    for seq in 2..=MAX_CHAIN_LINKS {
        let l = change(seq, prev);
        prev = link::link_hash(&l);
        links.push(l);
    }
    let full = ChainState::verify(&links).unwrap();
    assert_eq!(full.tail().seq, MAX_CHAIN_LINKS);
    assert_eq!(
        full.extend(&[change(MAX_CHAIN_LINKS + 1, prev)]).err(),
        Some(Limit::ChainLength.into())
    );
}
