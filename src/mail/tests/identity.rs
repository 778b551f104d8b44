//! Mail read through the identity layer (SPEC.md §6.9, §11, §12): the attacks on the
//! directory that reach the footer, each named after what it tries. A modified client skips
//! the sender's own checks ([`MailSealer::rogue`]); the reader must catch it alone.

use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::error::{Error, Misuse};
use crate::hazmat::TestUser;
use crate::identity::ChainState;
use crate::identity::tests::{Account, Administrators, device};
use crate::keys::{DeviceId, DeviceSecret, UserId};
use crate::mail::envelope::RecipientKind;
use crate::mail::footer::{
    Caution, DirectoryEntry, Footer, MailContext, Plan, PlanNote, PlannedRecipient, RefusalReason,
    SenderState, ServerEncryptedReason, classify, plan,
};
use crate::mail::open::{Mailbox, OpenedMail, SenderStatus, open_copy};
use crate::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use crate::mail::server::split_envelope;
use crate::suite::Suite;

const SUITE: Suite = Suite::X25519;

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

fn bob(r: &mut ChaCha20Rng) -> TestUser {
    TestUser::generate(
        SUITE,
        UserId::new([0xb0; 16]),
        "bob@example.com",
        DeviceId::new([0xb1; 16]),
        r,
    )
    .unwrap()
}

fn alice(r: &mut ChaCha20Rng) -> TestUser {
    TestUser::generate(
        SUITE,
        UserId::new([0xa0; 16]),
        "alice@example.com",
        DeviceId::new([0xa1; 16]),
        r,
    )
    .unwrap()
}

/// A member whose chain has a laptop (its root) and whatever the test adds.
fn member(r: &mut ChaCha20Rng) -> (Account, DeviceSecret) {
    let laptop = device(0x31, r);
    (
        Account::new(0x30, &laptop, "member@example.com", 0x30),
        laptop,
    )
}

/// Seals one piece to `to` with `sealer`, and returns `to`'s copy.
fn copy_for(mut sealer: MailSealer<'_>, to: &TestUser, r: &mut ChaCha20Rng) -> Vec<u8> {
    sealer = sealer.to(to.key());
    sealer.add_piece(b"hello", r).unwrap();
    let envelope = sealer.seal(r).unwrap();
    split_envelope(&envelope)
        .unwrap()
        .into_iter()
        .find(|c| c.user == to.id)
        .unwrap()
        .copy
}

fn opened_by(reader: &TestUser, copy: &[u8], sender: &ChainState) -> OpenedMail {
    open_copy(
        copy,
        &reader.mailbox().without_key_transparency(),
        &[sender],
    )
    .unwrap()
}

/// `device`, a virtual device of the member's chain, signs mail to Bob. The member's client
/// refuses; a rogue one seals; Bob sees `status` and Server Encrypted for `reason` alone.
fn virtual_device_signs_mail(
    member: &Account,
    device: &DeviceSecret,
    status: SenderStatus,
    reason: ServerEncryptedReason,
    r: &mut ChaCha20Rng,
) {
    let bob = bob(r);
    let signer = || SenderIdentity {
        address: "member@example.com",
        puk: &member.puks[0],
        device,
        chain: &member.state,
    };
    assert_eq!(
        MailSealer::new(SUITE, signer(), "<virtual@example.com>", 4).err(),
        Some(Misuse::SenderDeviceNotActive.into())
    );
    let sealer = MailSealer::rogue(SUITE, signer(), "<virtual@example.com>", 4);
    let opened = opened_by(&bob, &copy_for(sealer, &bob, r), &member.state);
    assert_eq!(opened.sender_status(), status);
    let c = classify(&opened, true);
    assert_eq!(c.footer, Footer::ServerEncrypted);
    assert_eq!(c.reasons, vec![reason]);
}

/// Issue 13, attack 2: whoever holds the escrow device's seed (the administrators) signs mail
/// as the member. It never shows "verified active device".
#[test]
fn mail_signed_with_the_escrow_device_is_not_e2e() {
    let mut r = rng(81);
    let admins = Administrators::new(&mut r);
    let (mut member, laptop) = member(&mut r);
    let escrow = device(0x32, &mut r);
    let draft = member
        .state
        .propose_escrow_device(laptop.id(), escrow.public(), admins.terms(), None, 3)
        .unwrap();
    let link = member.signed(draft, &[&laptop, &escrow, &admins.device]);
    member.push(link);
    virtual_device_signs_mail(
        &member,
        &escrow,
        SenderStatus::EscrowDevice,
        ServerEncryptedReason::SignedByEscrowDevice,
        &mut r,
    );
}

/// The same for the backup (recovery code) device: it may recover a chain, never sign mail.
#[test]
fn mail_signed_with_the_backup_device_is_not_e2e() {
    let mut r = rng(82);
    let (mut member, laptop) = member(&mut r);
    let backup = device(0x33, &mut r);
    let draft = member
        .state
        .propose_backup_device(laptop.id(), backup.public(), None, 3)
        .unwrap();
    let link = member.signed(draft, &[&laptop, &backup]);
    member.push(link);
    virtual_device_signs_mail(
        &member,
        &backup,
        SenderStatus::BackupDevice,
        ServerEncryptedReason::SignedByBackupDevice,
        &mut r,
    );
}

/// Issue 13, attack 3: a legitimate user signs mail "From: ceo@example.com" with her own
/// device. Her client refuses; a reader sees a verified signature but not the sender's
/// address, and shows Server Encrypted.
#[test]
fn from_address_that_is_not_the_signers_is_not_e2e() {
    let mut r = rng(83);
    let (member, laptop) = member(&mut r);
    let bob = bob(&mut r);
    let as_ceo = || SenderIdentity {
        address: "ceo@example.com",
        puk: &member.puks[0],
        device: &laptop,
        chain: &member.state,
    };
    assert_eq!(
        MailSealer::new(SUITE, as_ceo(), "<ceo@example.com>", 4).err(),
        Some(Misuse::SenderAddressNotInChain.into())
    );
    let sealer = MailSealer::rogue(SUITE, as_ceo(), "<ceo@example.com>", 4);
    let opened = opened_by(&bob, &copy_for(sealer, &bob, &mut r), &member.state);
    assert_eq!(opened.sender_status(), SenderStatus::VerifiedActiveDevice);
    assert!(!opened.from_is_senders());
    let c = classify(&opened, true);
    assert_eq!(c.footer, Footer::ServerEncrypted);
    assert_eq!(c.reasons, vec![ServerEncryptedReason::FromNotTheSenders]);
}

/// A sender that names the reader's current chain position but seals to an older key
/// generation (one a device revoked at the rotation may hold): the reader is told.
#[test]
fn mail_sealed_to_an_older_generation_than_the_bound_tail_carries_a_caution() {
    let mut r = rng(84);
    let (mut reader, laptop) = member(&mut r);
    let next = reader.next_puk();
    let draft = reader
        .state
        .propose_rotation(laptop.id(), next.public(), 2)
        .unwrap();
    let link = reader.signed(draft, &[&laptop]);
    reader.push(link);
    reader.puks.push(next);
    let alice = alice(&mut r);
    let open = |key: RecipientKey, r: &mut ChaCha20Rng| {
        let mut sealer = MailSealer::new(SUITE, alice.sender(), "<old@example.com>", 5)
            .unwrap()
            .to(key);
        sealer.add_piece(b"hello", r).unwrap();
        let envelope = sealer.seal(r).unwrap();
        let copy = split_envelope(&envelope)
            .unwrap()
            .into_iter()
            .find(|c| c.user == reader.user)
            .unwrap()
            .copy;
        let mailbox = Mailbox::new(&reader.state, &reader.puks).without_key_transparency();
        classify(&open_copy(&copy, &mailbox, &[&alice.chain]).unwrap(), true)
    };
    // Sealed as the chain says: no caution.
    let current = RecipientKey::from_chain("member@example.com", &reader.state).unwrap();
    let c = open(current.clone(), &mut r);
    assert_eq!(
        (c.footer, c.cautions),
        (Footer::E2eEncrypted, vec![Caution::SenderNotCheckedInLog])
    );
    // Generation 1 under the tail where generation 2 is current.
    let older = RecipientKey {
        puk: reader.puks[0].public().clone(),
        ..current
    };
    let c = open(older, &mut r);
    assert_eq!(c.footer, Footer::E2eEncrypted);
    assert_eq!(
        c.cautions,
        vec![Caution::SenderNotCheckedInLog, Caution::OlderKeyGeneration]
    );
}

/// Issue 13, attack 5 (planner side): the sender is told, before sending, that a recipient's
/// mailbox is escrowed and that a recipient's key is due for rotation; an address the chain
/// does not list, and a sender whose own chain must rotate, are refused.
#[test]
fn planner_tells_the_sender_what_the_recipients_chains_say() {
    let mut r = rng(85);
    let admins = Administrators::new(&mut r);
    let (mut escrowed, laptop) = member(&mut r);
    let escrow = device(0x32, &mut r);
    let draft = escrowed
        .state
        .propose_escrow_device(laptop.id(), escrow.public(), admins.terms(), None, 3)
        .unwrap();
    let link = escrowed.signed(draft, &[&laptop, &escrow, &admins.device]);
    escrowed.push(link);
    // Carol: two devices, one revoked by the server without a rotation.
    let carol_laptop = device(0x41, &mut r);
    let carol_phone = device(0x42, &mut r);
    let mut carol = Account::new(0x40, &carol_laptop, "carol@example.com", 0x40);
    carol.add_device(&carol_laptop, &carol_phone);
    let revoke = carol.state.server_revoke(carol_phone.id(), 3);
    carol.push(revoke);
    assert!(carol.state.rotation_due());

    let alice = alice(&mut r);
    let sender = SenderState {
        chain: Some(&alice.chain),
        device: alice.device.id(),
        server: None,
    };
    let to = |address: &str, chain| PlannedRecipient {
        address: address.into(),
        kind: RecipientKind::To,
        entry: DirectoryEntry::User(chain),
    };
    let recipients = [
        to("member@example.com", &escrowed.state),
        to("carol@example.com", &carol.state),
    ];
    match plan(&sender, &recipients, MailContext::Personal) {
        Plan::E2e { recipients, notes } => {
            assert_eq!(recipients.len(), 2);
            assert_eq!(
                notes,
                vec![
                    PlanNote::Escrowed {
                        address: "member@example.com".into(),
                        ea_group: admins.account.user,
                    },
                    PlanNote::RecipientNotPublished("member@example.com".into()),
                    PlanNote::KeyRotationDue("carol@example.com".into()),
                    PlanNote::RecipientNotPublished("carol@example.com".into()),
                ]
            );
        }
        other => panic!("expected E2E, got {other:?}"),
    }
    // The member's chain does not list this address.
    let wrong = [to("ceo@example.com", &escrowed.state)];
    match plan(&sender, &wrong, MailContext::Personal) {
        Plan::Refuse { reasons } => assert_eq!(
            reasons,
            vec![RefusalReason::AddressNotTheUsers("ceo@example.com".into())]
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Carol herself, on her laptop, must rotate before she sends.
    let carol_sends = SenderState {
        chain: Some(&carol.state),
        device: carol_laptop.id(),
        server: None,
    };
    match plan(&carol_sends, &recipients[..1], MailContext::Personal) {
        Plan::Refuse { reasons } => {
            assert_eq!(reasons, vec![RefusalReason::SenderMustRotate])
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// What a reader's chain view decides is an error, not a footer, when it cannot tell.
#[test]
fn a_reader_behind_its_own_chain_is_asked_to_fetch_more() {
    let mut r = rng(86);
    let (mut reader, laptop) = member(&mut r);
    let stale = reader.state.clone();
    let phone = device(0x34, &mut r);
    reader.add_device(&laptop, &phone);
    let alice = alice(&mut r);
    // Alice seals against the reader's chain at position 2.
    let key = RecipientKey::from_chain("member@example.com", &reader.state).unwrap();
    let mut sealer = MailSealer::new(SUITE, alice.sender(), "<behind@example.com>", 5)
        .unwrap()
        .to(key);
    sealer.add_piece(b"hello", &mut r).unwrap();
    let envelope = sealer.seal(&mut r).unwrap();
    let copy = split_envelope(&envelope)
        .unwrap()
        .into_iter()
        .find(|c| c.user == reader.user)
        .unwrap()
        .copy;
    // The reader's device still holds the chain at position 1.
    let err = open_copy(
        &copy,
        &Mailbox::new(&stale, &reader.puks).without_key_transparency(),
        &[&alice.chain],
    )
    .err();
    assert_eq!(
        err,
        Some(Error::Chain(crate::identity::ChainError::Behind {
            user: *reader.user.as_bytes(),
            have: 1,
            need: 2,
        }))
    );
    // Updated, it opens.
    let updated = stale.update(&reader.links).unwrap();
    let opened = open_copy(
        &copy,
        &Mailbox::new(&updated, &reader.puks).without_key_transparency(),
        &[&alice.chain],
    );
    assert_eq!(
        opened.map(|o| classify(&o, true).footer).ok(),
        Some(Footer::E2eEncrypted)
    );
}

/// Every directory form finds the sender's chain: a slice of chains, of references, an array,
/// a map by user, and a reference to any of them; a directory without it is an unknown signer.
#[test]
fn every_directory_form_finds_the_senders_chain() {
    use alloc::collections::BTreeMap;

    use crate::error::AuthFailure;
    use crate::mail::open::ChainDirectory;

    let mut r = rng(87);
    let alice = alice(&mut r);
    let bob = bob(&mut r);
    let stranger = TestUser::generate(
        SUITE,
        UserId::new([0x55; 16]),
        "x@example.com",
        DeviceId::new([0x56; 16]),
        &mut r,
    )
    .unwrap();
    let sealer = MailSealer::new(SUITE, alice.sender(), "<dir@example.com>", 5).unwrap();
    let copy = copy_for(sealer, &bob, &mut r);
    let opens = |directory: &dyn Fn(&[u8]) -> Result<OpenedMail, Error>| {
        directory(&copy).map(|o| o.sender_status())
    };
    let owned = vec![stranger.chain.clone(), alice.chain.clone()];
    let map: BTreeMap<UserId, ChainState> = owned.iter().map(|c| (c.user(), c.clone())).collect();
    let ok = Ok(SenderStatus::VerifiedActiveDevice);
    assert_eq!(
        opens(&|c| open_copy(c, &bob.mailbox(), owned.as_slice())),
        ok
    );
    assert_eq!(opens(&|c| open_copy(c, &bob.mailbox(), &map)), ok);
    assert_eq!(opens(&|c| open_copy(c, &bob.mailbox(), &&map)), ok);
    assert_eq!(
        opens(&|c| open_copy(c, &bob.mailbox(), &[&stranger.chain, &alice.chain])),
        ok
    );
    assert!(map.chain(&alice.id).is_some() && owned.as_slice().chain(&bob.id).is_none());
    let without: BTreeMap<UserId, ChainState> = [(stranger.id, stranger.chain.clone())]
        .into_iter()
        .collect();
    assert_eq!(
        opens(&|c| open_copy(c, &bob.mailbox(), &without)),
        Err(AuthFailure::UnknownSigner.into())
    );
    assert_eq!(
        opens(&|c| open_copy(c, &bob.mailbox(), &owned[..1])),
        Err(AuthFailure::UnknownSigner.into())
    );
}
