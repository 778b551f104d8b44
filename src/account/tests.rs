//! The per-user-key and escrow lifecycle on verified chains, the attacks on the directory
//! that chains stop, and tamper tests of every wrap and blob.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::account::backup::{RecoveryCode, backup_device};
use crate::account::devices::{
    RotationCause, SeedWrap, open_seed_wrap, open_seed_wraps, rotate, wrap_seed,
    wrap_seed_cosigned, wrap_seeds,
};
use crate::account::escrow::{
    AccountDomain, EscrowContext, enrollment_terms, open_escrow_wrap, wrap_escrow_device,
};
use crate::account::userdata::{UserDataBinding, open_user_data, seal_user_data};
use crate::error::{AuthFailure, ChainError, Error, Malformed};
use crate::identity::tests::{Account, Administrators, device};
use crate::identity::{ChainState, RecoveryCosigner};
use crate::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use crate::mail::open::{Mailbox, open_copy};
use crate::mail::seal::{Message, RecipientKey, SealedMail, SenderIdentity, seal_mail};
use crate::mail::server::split_envelope;
use crate::suite::Suite;
use crate::wire::{self, Fixed};

const SUITE: Suite = Suite::X25519;

/// Alice, who sends the mail the tests open: her chain and device.
struct Sender {
    account: Account,
    device: DeviceSecret,
}

fn sender(r: &mut ChaCha20Rng) -> Sender {
    let device = device(0xa1, r);
    Sender {
        account: Account::new(0xa1, &device, "alice@example.com", 0xa1),
        device,
    }
}

/// Alice mails the member at the current PUK its chain names; returns the mail and the
/// member's copy.
fn mail_to(
    alice: &Sender,
    member: &ChainState,
    text: &'static [u8],
    r: &mut ChaCha20Rng,
) -> (SealedMail, Vec<u8>) {
    let msg = Message {
        message_id: "<lifecycle@example.com>".into(),
        timestamp: 1,
        to: vec![RecipientKey::from_chain("member@example.com", member).unwrap()],
        pieces: vec![text],
        ..Message::default()
    };
    let sender = SenderIdentity {
        address: "alice@example.com",
        puk: alice.account.puks.last().unwrap(),
        device: &alice.device,
        chain: &alice.account.state,
    };
    let mail = seal_mail(SUITE, sender, &msg, r).unwrap();
    let copy = split_envelope(&mail.envelope)
        .unwrap()
        .into_iter()
        .find(|c| c.user == member.user())
        .unwrap()
        .copy;
    (mail, copy)
}

fn reads(
    copy: &[u8],
    mail: &SealedMail,
    member: &ChainState,
    puks: &[PukSecret],
    alice: &Sender,
) -> Option<Vec<u8>> {
    let opened = open_copy(
        copy,
        &Mailbox::new(member, puks).without_key_transparency(),
        &[&alice.account.state],
    )
    .ok()?;
    opened.open_piece(0, &mail.pieces[0]).ok()
}

/// What another holder of the same seed derives (PukSecret has no Clone, on purpose).
fn copy_puk(p: &PukSecret) -> PukSecret {
    let seed = crate::keys::PukSeed::from_bytes(*p.seed().expose_secret());
    PukSecret::derive(p.suite(), p.public().user, p.generation(), seed).unwrap()
}

/// The escrow context of the member `u`, for the administrators `admins`.
fn escrow_context(u: UserId, admins: &Administrators) -> EscrowContext<'_> {
    EscrowContext {
        account: Fixed([0xac; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: u,
        member_address: "member@example.com",
        ea_chain: &admins.account.state,
    }
}

/// Enrolls `escrow` in the member's chain, approved by `approver`, co-signed by the
/// administrator.
fn enroll(
    member: &mut Account,
    approver: &DeviceSecret,
    escrow: &DeviceSecret,
    admins: &Administrators,
) {
    let ctx = escrow_context(member.user, admins);
    let terms = enrollment_terms(&ctx, admins.device.public()).unwrap();
    let draft = member
        .state
        .propose_escrow_device(approver.id(), escrow.public(), terms, None, 10)
        .unwrap();
    let link = member.signed(draft, &[approver, escrow, &admins.device]);
    member.push(link);
}

#[test]
fn per_user_key_and_escrow_lifecycle() {
    let mut r = ChaCha20Rng::from_seed([21; 32]);
    let alice = sender(&mut r);

    // The member U with devices D1 and D2 in its chain, sharing PUK generation 1.
    let (d1, d2, d3) = (device(1, &mut r), device(2, &mut r), device(3, &mut r));
    let mut u = Account::new(0x55, &d1, "member@example.com", 0x55);
    u.add_device(&d1, &d2);
    let d2_wrap = wrap_seed(&u.puks[0], u.user, d2.public(), &d1, &mut r).unwrap();
    let d2_puks = vec![open_seed_wrap(&d2_wrap, &d2, &u.state, None).unwrap().puk];
    let mut d1_puks = vec![copy_puk(&u.puks[0])];

    // U receives mail 1 at generation 1; both devices read it.
    let (mail1, copy1) = mail_to(&alice, &u.state, b"mail one", &mut r);
    assert_eq!(
        reads(&copy1, &mail1, &u.state, &d1_puks, &alice).as_deref(),
        Some(&b"mail one"[..])
    );
    assert_eq!(
        reads(&copy1, &mail1, &u.state, &d2_puks, &alice).as_deref(),
        Some(&b"mail one"[..])
    );

    // D1 approves D3 in the chain and hands it every generation it knows; D3 reads mail 1.
    u.add_device(&d1, &d3);
    let batch = wrap_seeds(&d1_puks, u.user, d3.public(), &d1, &mut r).unwrap();
    let d3_puks: Vec<PukSecret> = open_seed_wraps(&batch, &d3, &u.state, None)
        .unwrap()
        .into_iter()
        .map(|s| s.puk)
        .collect();
    assert_eq!(
        reads(&copy1, &mail1, &u.state, &d3_puks, &alice).as_deref(),
        Some(&b"mail one"[..])
    );

    // D1 revokes D2: the same link rotates to generation 2, wrapped to D1 and D3 only.
    let rotation = rotate(&u.state, &d1, RotationCause::Revoke(d2.id()), 5, &mut r).unwrap();
    assert_eq!(rotation.wraps.len(), 2);
    assert!(
        rotation.wraps.iter().all(|(id, _)| *id != d2.id()),
        "never wrapped to a revoked device"
    );
    u.push(rotation.link.clone());
    let d3_wrap = &rotation
        .wraps
        .iter()
        .find(|(id, _)| *id == d3.id())
        .unwrap()
        .1;
    let mut d3_puks = d3_puks;
    d3_puks.push(open_seed_wrap(d3_wrap, &d3, &u.state, None).unwrap().puk);
    d1_puks.push(copy_puk(&rotation.puk));
    u.puks.push(rotation.puk);
    // D2 cannot open a wrap meant for D3.
    assert_eq!(
        open_seed_wrap(d3_wrap, &d2, &u.state, None).err(),
        Some(Error::NotARecipient)
    );

    // Mail 2, sealed to generation 2: D2's keys cannot open it.
    let (mail2, copy2) = mail_to(&alice, &u.state, b"mail two", &mut r);
    assert_eq!(reads(&copy2, &mail2, &u.state, &d2_puks, &alice), None);
    assert_eq!(
        reads(&copy2, &mail2, &u.state, &d3_puks, &alice).as_deref(),
        Some(&b"mail two"[..])
    );

    // Escrow: the administrators' group (its own chain and PUK) co-signs U's escrow device.
    let admins = Administrators::new(&mut r);
    let ea_puks = vec![copy_puk(admins.account.puks.last().unwrap())];
    let escrow = device(0xee, &mut r);
    enroll(&mut u, &d1, &escrow, &admins);
    let enrolled = u.state.escrow().unwrap();
    assert_eq!(enrolled.terms.ea_group, admins.account.user);
    assert_eq!(enrolled.terms.domain, "example.com");
    enrolled
        .check_administrators(&admins.account.state)
        .unwrap();
    let ctx = escrow_context(u.user, &admins);
    let escrow_wrap = wrap_escrow_device(&ctx, &escrow, &d1, &mut r).unwrap();
    let to_escrow = wrap_seeds(&d1_puks, u.user, escrow.public(), &d1, &mut r).unwrap();
    // Escrow is refused on the shared domain.
    let shared = EscrowContext {
        domain: AccountDomain::Shared("zmail.com"),
        ..ctx.clone()
    };
    assert!(wrap_escrow_device(&shared, &escrow, &d1, &mut r).is_err());

    // U loses D1 and D3 and revokes them on the web page. An EA recovers U onto D4.
    for lost in [&d1, &d3] {
        let link = u.state.server_revoke(lost.id(), 11);
        u.push(link);
    }
    assert!(!u.state.has_active_device());
    let d4 = device(4, &mut r);
    let unlocked = open_escrow_wrap(&escrow_wrap, &ea_puks, &u.state).unwrap();
    assert_eq!(unlocked.public(), escrow.public());
    let seeds = open_seed_wraps(&to_escrow, &unlocked, &u.state, None).unwrap();
    let g3 = u.next_puk();
    let cosigner = RecoveryCosigner {
        device: admins.device.id(),
        key: admins.device.public().verifying_key,
        ea_chain: admins.account.state.tail(),
    };
    let draft = u
        .state
        .propose_recovery(escrow.id(), d4.public(), Some(cosigner), g3.public(), 12)
        .unwrap();
    let link = u.signed(draft, &[&unlocked, &d4, &admins.device]);
    u.push(link);
    let mut d4_puks = Vec::new();
    for s in &seeds {
        let rewrap = wrap_seed_cosigned(
            &s.puk,
            u.user,
            d4.public(),
            &unlocked,
            admins.account.user,
            &admins.device,
            &mut r,
        )
        .unwrap();
        let got = open_seed_wrap(&rewrap, &d4, &u.state, Some(&admins.account.state)).unwrap();
        assert_eq!(
            got.cosigner.as_ref().map(|c| c.public.id),
            Some(admins.device.id())
        );
        // Without the administrators' chain, an escrow device's wrap is not accepted.
        assert!(open_seed_wrap(&rewrap, &d4, &u.state, None).is_err());
        d4_puks.push(got.puk);
    }
    d4_puks.push(copy_puk(&g3));
    u.puks.push(g3);
    assert_eq!(
        reads(&copy1, &mail1, &u.state, &d4_puks, &alice).as_deref(),
        Some(&b"mail one"[..])
    );
    assert_eq!(
        reads(&copy2, &mail2, &u.state, &d4_puks, &alice).as_deref(),
        Some(&b"mail two"[..])
    );

    // Discovery: the EA reads mail 2 with what it unwrapped, without U.
    let ea_view: Vec<PukSecret> = seeds.iter().map(|s| copy_puk(&s.puk)).collect();
    assert_eq!(
        reads(&copy2, &mail2, &u.state, &ea_view, &alice).as_deref(),
        Some(&b"mail two"[..])
    );

    // Escrow disabled by D4: the escrow device is revoked, and the next generation skips it.
    let rotation = rotate(&u.state, &d4, RotationCause::DisableEscrow, 13, &mut r).unwrap();
    assert!(rotation.wraps.iter().all(|(id, _)| *id != escrow.id()));
    u.push(rotation.link.clone());
    assert!(u.state.escrow().is_none());
    let (mail3, copy3) = mail_to(&alice, &u.state, b"mail three", &mut r);
    assert_eq!(
        reads(&copy3, &mail3, &u.state, &ea_view, &alice),
        None,
        "the EA cannot read mail after escrow is off"
    );
    assert_eq!(
        reads(
            &copy3,
            &mail3,
            &u.state,
            core::slice::from_ref(&rotation.puk),
            &alice
        )
        .as_deref(),
        Some(&b"mail three"[..])
    );
}

#[test]
fn backup_code_device_recovers_the_seeds_wrapped_to_it() {
    let mut r = ChaCha20Rng::from_seed([22; 32]);
    let d1 = device(1, &mut r);
    let mut u = Account::new(1, &d1, "member@example.com", 22);
    let g2 = u.next_puk();
    let draft = u.state.propose_rotation(d1.id(), g2.public(), 2).unwrap();
    let link = u.signed(draft, &[&d1]);
    u.push(link);
    u.puks.push(g2);
    let code = RecoveryCode::generate(&mut r);
    let backup_id = DeviceId::new([0xbb; 16]);
    let backup = backup_device(SUITE, &code, backup_id);
    let draft = u
        .state
        .propose_backup_device(d1.id(), backup.public(), None, 3)
        .unwrap();
    let link = u.signed(draft, &[&d1, &backup]);
    u.push(link);
    let batch = wrap_seeds(&u.puks, u.user, backup.public(), &d1, &mut r).unwrap();
    // Later, on a new machine, the user types the code.
    let typed = RecoveryCode::parse(&String::from(code.expose_text()).to_lowercase()).unwrap();
    let again = backup_device(SUITE, &typed, backup_id);
    let got = open_seed_wraps(&batch, &again, &u.state, None).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].puk.public(), u.puks[1].public());
}

/// Flips every byte of `bytes` and requires `open` to fail each time.
fn every_byte_flip_fails(bytes: &[u8], open: impl Fn(&[u8]) -> bool, what: &str) {
    assert!(open(bytes), "{what}: the untouched bytes must open");
    for i in 0..bytes.len() {
        let mut bad = bytes.to_vec();
        bad[i] ^= 0x01;
        assert!(!open(&bad), "{what}: byte {i} flipped still opened");
    }
}

#[test]
fn every_wrap_and_blob_rejects_every_flipped_byte() {
    let mut r = ChaCha20Rng::from_seed([23; 32]);
    let (d1, d2) = (device(1, &mut r), device(2, &mut r));
    let mut u = Account::new(1, &d1, "member@example.com", 23);
    u.add_device(&d1, &d2);
    let admins = Administrators::new(&mut r);
    let escrow = device(0xee, &mut r);
    enroll(&mut u, &d1, &escrow, &admins);
    let puk = copy_puk(&u.puks[0]);

    let wrap = wrap_seed(&puk, u.user, d2.public(), &d1, &mut r).unwrap();
    every_byte_flip_fails(
        &wrap,
        |b| open_seed_wrap(b, &d2, &u.state, None).is_ok(),
        "seed wrap",
    );
    let cosigned = wrap_seed_cosigned(
        &puk,
        u.user,
        d2.public(),
        &escrow,
        admins.account.user,
        &admins.device,
        &mut r,
    )
    .unwrap();
    every_byte_flip_fails(
        &cosigned,
        |b| open_seed_wrap(b, &d2, &u.state, Some(&admins.account.state)).is_ok(),
        "cosigned wrap",
    );

    let ea_puks = vec![copy_puk(admins.account.puks.last().unwrap())];
    let ew = wrap_escrow_device(&escrow_context(u.user, &admins), &escrow, &d1, &mut r).unwrap();
    every_byte_flip_fails(
        &ew,
        |b| open_escrow_wrap(b, &ea_puks, &u.state).is_ok(),
        "escrow wrap",
    );

    let binding = UserDataBinding {
        data_type: "label",
        message_id: Some("<m@example.com>"),
        version: Some(4),
    };
    let blob = seal_user_data(&puk, &binding, b"Travel", &mut r).unwrap();
    let puks = vec![puk];
    every_byte_flip_fails(
        &blob,
        |b| open_user_data(b, &u.user, &puks, &binding, Some(4)).is_ok(),
        "user data",
    );
}

#[test]
fn seed_wraps_replayed_to_another_device_user_or_generation_are_rejected() {
    let mut r = ChaCha20Rng::from_seed([24; 32]);
    let (d1, d2, d3, v1) = (
        device(1, &mut r),
        device(2, &mut r),
        device(3, &mut r),
        device(9, &mut r),
    );
    let mut u = Account::new(1, &d1, "member@example.com", 24);
    u.add_device(&d1, &d2);
    let v = Account::new(2, &v1, "other@example.com", 25);
    let puk = copy_puk(&u.puks[0]);
    let bytes = wrap_seed(&puk, u.user, d2.public(), &d1, &mut r).unwrap();
    let w: SeedWrap = wire::decode(&bytes, 1 << 20, crate::error::Limit::WrapSize).unwrap();

    // Another device: addressed elsewhere, and relabelling the target breaks the context.
    assert_eq!(
        open_seed_wrap(&bytes, &d3, &u.state, None).err(),
        Some(Error::NotARecipient)
    );
    let mut retargeted = w.clone();
    retargeted.target = d3.id();
    assert!(open_seed_wrap(&wire::encode(&retargeted), &d3, &u.state, None).is_err());

    // Another user.
    assert_eq!(
        open_seed_wrap(&bytes, &d2, &v.state, None).err(),
        Some(Error::NotARecipient)
    );
    let mut other_user = w.clone();
    other_user.user = v.user;
    other_user.approver_user = v.user;
    assert_eq!(
        open_seed_wrap(&wire::encode(&other_user), &d2, &v.state, None).err(),
        Some(AuthFailure::UnknownSigner.into())
    );

    // Another generation, which the chain does not have.
    let mut other_gen = w.clone();
    other_gen.generation = 2;
    assert_eq!(
        open_seed_wrap(&wire::encode(&other_gen), &d2, &u.state, None).err(),
        Some(AuthFailure::Wrap.into())
    );
}

// ---- The attacks on the directory that chains stop (issue: verified identity) -----------

#[test]
fn seed_wrap_from_another_users_device_or_a_revoked_device_is_refused() {
    // Attack 4: an approver of another user, or a revoked one, hands over a seed it chose.
    let mut r = ChaCha20Rng::from_seed([26; 32]);
    let (d1, d2, stolen, mallory_device) = (
        device(1, &mut r),
        device(2, &mut r),
        device(3, &mut r),
        device(9, &mut r),
    );
    let mut u = Account::new(1, &d1, "member@example.com", 26);
    u.add_device(&d1, &d2);
    u.add_device(&d1, &stolen);
    let mallory = Account::new(2, &mallory_device, "mallory@example.com", 27);
    // Mallory's device approves a seed "for U, generation 1": not a device of U's chain.
    let chosen = PukSecret::generate(SUITE, u.user, 1, &mut r).unwrap();
    let by_mallory =
        wrap_seed(&chosen, mallory.user, d2.public(), &mallory_device, &mut r).unwrap();
    assert_eq!(
        open_seed_wrap(&by_mallory, &d2, &u.state, None).err(),
        Some(AuthFailure::UnknownSigner.into())
    );
    // A device of U that wraps a seed it chose: the seed is not the chain's generation 1.
    let chosen_by_d1 = wrap_seed(&chosen, u.user, d2.public(), &d1, &mut r).unwrap();
    assert_eq!(
        open_seed_wrap(&chosen_by_d1, &d2, &u.state, None).err(),
        Some(AuthFailure::Wrap.into())
    );
    // The stolen laptop is revoked; generation 2 comes after. It cannot hand out generation 2.
    let rotation = rotate(&u.state, &d1, RotationCause::Revoke(stolen.id()), 4, &mut r).unwrap();
    u.push(rotation.link.clone());
    let from_thief = wrap_seed(&rotation.puk, u.user, d2.public(), &stolen, &mut r).unwrap();
    assert_eq!(
        open_seed_wrap(&from_thief, &d2, &u.state, None).err(),
        Some(AuthFailure::UnknownSigner.into())
    );
    // What the rotation itself wrapped to D2 opens.
    let genuine = &rotation
        .wraps
        .iter()
        .find(|(d, _)| *d == d2.id())
        .unwrap()
        .1;
    assert!(open_seed_wrap(genuine, &d2, &u.state, None).is_ok());
}

#[test]
fn escrow_turned_off_by_the_escrow_device_or_a_revoked_device_is_refused() {
    // Attack 1: the administrators (holding the escrow device) or a stolen, revoked device
    // turn escrow "off" while the administrators keep reading. In the chain, only an active
    // ordinary device may; the disclosure stays.
    let mut r = ChaCha20Rng::from_seed([28; 32]);
    let (d1, stolen) = (device(1, &mut r), device(2, &mut r));
    let mut u = Account::new(1, &d1, "member@example.com", 28);
    u.add_device(&d1, &stolen);
    let admins = Administrators::new(&mut r);
    let escrow = device(0xee, &mut r);
    enroll(&mut u, &d1, &escrow, &admins);
    let g = u.next_puk();
    let draft = u
        .state
        .propose_disable_escrow(escrow.id(), g.public(), 11)
        .unwrap();
    let by_escrow = u.signed(draft, &[&escrow]);
    assert_eq!(
        u.try_push(&by_escrow).err(),
        Some(ChainError::RoleMayNot { seq: 4 }.into())
    );
    let rotation = rotate(
        &u.state,
        &d1,
        RotationCause::Revoke(stolen.id()),
        11,
        &mut r,
    )
    .unwrap();
    u.push(rotation.link);
    let g = u.next_puk();
    let draft = u
        .state
        .propose_disable_escrow(stolen.id(), g.public(), 12)
        .unwrap();
    let by_thief = u.signed(draft, &[&stolen]);
    assert_eq!(
        u.try_push(&by_thief).err(),
        Some(ChainError::SignerNotActive { seq: 5 }.into())
    );
    // A server that withholds the enrollment must serve a chain without the link, which a
    // client that saw it refuses; the mailbox's own chain still discloses escrow.
    assert!(u.state.escrow().is_some());
    assert_eq!(
        u.state.update(&u.links[..2]).err(),
        Some(ChainError::Rollback { have: 4, served: 2 }.into())
    );
}

#[test]
fn escrow_wrap_signed_by_a_device_not_of_the_members_chain_is_refused() {
    // Attack 5: an escrow wrap must come from an ordinary device of the member's chain and
    // carry exactly the escrow device the chain enrolled.
    let mut r = ChaCha20Rng::from_seed([29; 32]);
    let (d1, outsider) = (device(1, &mut r), device(7, &mut r));
    let mut u = Account::new(1, &d1, "member@example.com", 29);
    let admins = Administrators::new(&mut r);
    let escrow = device(0xee, &mut r);
    let ea_puks = vec![copy_puk(admins.account.puks.last().unwrap())];
    let ctx = escrow_context(u.user, &admins);
    // Before enrollment, no wrap opens.
    let early = wrap_escrow_device(&ctx, &escrow, &d1, &mut r).unwrap();
    assert_eq!(
        open_escrow_wrap(&early, &ea_puks, &u.state).err(),
        Some(AuthFailure::Wrap.into())
    );
    enroll(&mut u, &d1, &escrow, &admins);
    assert!(open_escrow_wrap(&early, &ea_puks, &u.state).is_ok());
    let by_outsider = wrap_escrow_device(&ctx, &escrow, &outsider, &mut r).unwrap();
    assert_eq!(
        open_escrow_wrap(&by_outsider, &ea_puks, &u.state).err(),
        Some(AuthFailure::UnknownSigner.into())
    );
    // Another device passed off as the escrow device.
    let impostor = DeviceSecret::generate(SUITE, escrow.id(), &mut r);
    let swapped = wrap_escrow_device(&ctx, &impostor, &d1, &mut r).unwrap();
    assert_eq!(
        open_escrow_wrap(&swapped, &ea_puks, &u.state).err(),
        Some(AuthFailure::Wrap.into())
    );
}

#[test]
fn escrow_needs_the_members_address_on_the_custom_domain() {
    // SPEC.md §8.1, on verification too: an enrollment for another domain is refused.
    let mut r = ChaCha20Rng::from_seed([30; 32]);
    let d1 = device(1, &mut r);
    let u = Account::new(1, &d1, "member@elsewhere.example", 30);
    let admins = Administrators::new(&mut r);
    let escrow = device(0xee, &mut r);
    let ctx = escrow_context(u.user, &admins);
    let terms = enrollment_terms(&ctx, admins.device.public()).unwrap();
    let draft = u
        .state
        .propose_escrow_device(d1.id(), escrow.public(), terms, None, 2)
        .unwrap();
    let link = u.signed(draft, &[&d1, &escrow, &admins.device]);
    assert_eq!(
        u.try_push(&link).err(),
        Some(ChainError::Escrow { seq: 2 }.into())
    );
}

#[test]
fn user_data_cannot_move_between_messages_types_users_or_roll_back() {
    let mut r = ChaCha20Rng::from_seed([25; 32]);
    let u = UserId::new([1; 16]);
    let puks = vec![PukSecret::generate(SUITE, u, 1, &mut r).unwrap()];
    let on_m1 = UserDataBinding {
        data_type: "label",
        message_id: Some("<m1@example.com>"),
        version: Some(7),
    };
    let blob = seal_user_data(&puks[0], &on_m1, b"Important", &mut r).unwrap();
    assert_eq!(
        open_user_data(&blob, &u, &puks, &on_m1, Some(7)).unwrap(),
        b"Important"
    );
    let on_m2 = UserDataBinding {
        message_id: Some("<m2@example.com>"),
        ..on_m1
    };
    assert_eq!(
        open_user_data(&blob, &u, &puks, &on_m2, None).err(),
        Some(AuthFailure::UserData.into())
    );
    let as_folder = UserDataBinding {
        data_type: "folder",
        message_id: None,
        ..on_m1
    };
    assert_eq!(
        open_user_data(&blob, &u, &puks, &as_folder, None).err(),
        Some(AuthFailure::UserData.into())
    );
    assert_eq!(
        open_user_data(&blob, &UserId::new([2; 16]), &puks, &on_m1, None).err(),
        Some(AuthFailure::UserData.into())
    );
    // The client remembers version 8: the server's replay of version 7 is caught.
    assert_eq!(
        open_user_data(&blob, &u, &puks, &on_m1, Some(8)).err(),
        Some(AuthFailure::Rollback.into())
    );
    // Opening validates the binding exactly as sealing does.
    for bad in [
        UserDataBinding {
            data_type: "",
            ..on_m1
        },
        UserDataBinding {
            data_type: &"t".repeat(300),
            ..on_m1
        },
    ] {
        assert_eq!(
            open_user_data(&blob, &u, &puks, &bad, None).err(),
            Some(Malformed::Field(crate::error::Field::UserDataType).into())
        );
    }
    let bad_mid = UserDataBinding {
        message_id: Some("<m1@example.com>\n"),
        ..on_m1
    };
    assert_eq!(
        open_user_data(&blob, &u, &puks, &bad_mid, None).err(),
        Some(Malformed::Field(crate::error::Field::MessageId).into())
    );
}

/// SPEC.md §9: `min_version` stops replays, not a holder of an old generation, who can seal
/// any version under it. After the rotation that removed that holder the client re-seals and
/// accepts only the new generation: the forgery is then not for it.
#[test]
fn user_data_forged_under_an_old_generation_is_refused_once_only_new_ones_are_accepted() {
    let mut r = ChaCha20Rng::from_seed([26; 32]);
    let u = UserId::new([1; 16]);
    let (g1, g2) = (
        PukSecret::generate(SUITE, u, 1, &mut r).unwrap(),
        PukSecret::generate(SUITE, u, 2, &mut r).unwrap(),
    );
    let settings = |version| UserDataBinding {
        data_type: "settings",
        message_id: None,
        version: Some(version),
    };
    // The revoked device still holds generation 1 and forges the newest version there.
    let forged = seal_user_data(&g1, &settings(u64::MAX), b"forward to eve", &mut r).unwrap();
    // Accepting every generation held, the version check alone lets it through.
    assert!(open_user_data(&forged, &u, [&g1, &g2], &settings(0), Some(43)).is_ok());
    // The client re-sealed under generation 2 and accepts only it from now on.
    let resealed = seal_user_data(&g2, &settings(43), b"keep", &mut r).unwrap();
    assert_eq!(
        open_user_data(&resealed, &u, [&g2], &settings(0), Some(43)).unwrap(),
        b"keep"
    );
    assert_eq!(
        open_user_data(&forged, &u, [&g2], &settings(0), Some(43)).err(),
        Some(Error::NotARecipient)
    );
}

#[test]
fn mail_opened_from_an_escrowed_mailbox_reports_it() {
    let mut r = ChaCha20Rng::from_seed([26; 32]);
    let alice = sender(&mut r);
    let d1 = device(1, &mut r);
    let mut u = Account::new(0x55, &d1, "member@example.com", 31);
    let (mail, copy) = mail_to(&alice, &u.state, b"hello", &mut r);
    let opened = open_copy(
        &copy,
        &Mailbox::new(&u.state, &u.puks).without_key_transparency(),
        &[&alice.account.state],
    )
    .unwrap();
    assert_eq!(opened.mailbox_escrow(), None);
    // Escrow on: the mailbox's own chain discloses it on every mail it opens.
    let admins = Administrators::new(&mut r);
    let escrow = device(0xee, &mut r);
    enroll(&mut u, &d1, &escrow, &admins);
    let opened = open_copy(
        &copy,
        &Mailbox::new(&u.state, &u.puks).without_key_transparency(),
        &[&alice.account.state],
    )
    .unwrap();
    assert_eq!(
        opened.mailbox_escrow().map(|e| e.terms.ea_group),
        Some(admins.account.user)
    );
    assert_eq!(opened.open_piece(0, &mail.pieces[0]).unwrap(), b"hello");
    // Turned off: no longer reported.
    let rotation = rotate(&u.state, &d1, RotationCause::DisableEscrow, 12, &mut r).unwrap();
    u.push(rotation.link);
    u.puks.push(rotation.puk);
    let opened = open_copy(
        &copy,
        &Mailbox::new(&u.state, &u.puks).without_key_transparency(),
        &[&alice.account.state],
    )
    .unwrap();
    assert_eq!(opened.mailbox_escrow(), None);
}
