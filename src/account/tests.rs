//! The per-user-key and escrow lifecycle, and tamper tests of every wrap, record and blob.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::account::backup::{RecoveryCode, backup_device};
use crate::account::devices::{
    SeedWrap, open_seed_wrap, open_seed_wraps, rotate, wrap_seed, wrap_seed_cosigned, wrap_seeds,
};
use crate::account::escrow::{
    AccountDomain, EscrowContext, enrollment_record, open_escrow_wrap, verify_enrollment,
    wrap_escrow_device,
};
use crate::account::userdata::{UserDataBinding, open_user_data, seal_user_data};
use crate::error::{AuthFailure, Error, Malformed};
use crate::keys::{DeviceId, DevicePublic, DeviceSecret, DeviceStatus, PukSecret, UserId};
use crate::mail::open::{Mailbox, VouchedDevice, open_copy};
use crate::mail::seal::{Message, RecipientKey, SealedMail, SenderIdentity, seal_mail};
use crate::mail::server::split_envelope;
use crate::suite::Suite;
use crate::wire::{self, Fixed};

const SUITE: Suite = Suite::X25519;

fn vouch(user: UserId, d: &DeviceSecret, status: DeviceStatus) -> VouchedDevice {
    VouchedDevice {
        user,
        device: d.id(),
        verifying_key: d.public().verifying_key,
        status,
    }
}

fn device(n: u8, r: &mut ChaCha20Rng) -> DeviceSecret {
    DeviceSecret::generate(SUITE, DeviceId::new([n; 16]), r)
}

/// Alice (a sender with one device) mails `to` at its current PUK and returns the mail and
/// the recipient's copy.
fn mail_to(
    alice: &(UserId, PukSecret, DeviceSecret),
    to: UserId,
    to_puk: &PukSecret,
    text: &'static [u8],
    r: &mut ChaCha20Rng,
) -> (SealedMail, Vec<u8>) {
    let msg = Message {
        message_id: "<lifecycle@example.com>".into(),
        timestamp: 1,
        to: vec![RecipientKey::new(
            "member@example.com",
            to_puk.public().clone(),
        )],
        pieces: vec![text],
        ..Message::default()
    };
    let sender = SenderIdentity {
        address: "alice@example.com",
        puk: &alice.1,
        device: &alice.2,
    };
    let mail = seal_mail(SUITE, sender, &msg, r).unwrap();
    let copy = split_envelope(&mail.envelope)
        .unwrap()
        .into_iter()
        .find(|c| c.user == to)
        .unwrap()
        .copy;
    (mail, copy)
}

fn reads(
    copy: &[u8],
    mail: &SealedMail,
    user: &UserId,
    puks: &[PukSecret],
    alice: &(UserId, PukSecret, DeviceSecret),
) -> Option<Vec<u8>> {
    let opened = open_copy(
        copy,
        &Mailbox::new(*user, puks),
        &[vouch(alice.0, &alice.2, DeviceStatus::Active)],
    )
    .ok()?;
    opened.open_piece(0, &mail.pieces[0]).ok()
}

/// What another holder of the same seed derives (PukSecret has no Clone, on purpose).
fn copy_puk(p: &PukSecret) -> PukSecret {
    let seed = crate::keys::PukSeed::from_bytes(*p.seed().expose_secret());
    PukSecret::derive(p.suite(), p.public().user, p.generation(), seed).unwrap()
}

/// Alice, who sends the mail the tests open: her user id, PUK and device.
fn sender(r: &mut ChaCha20Rng) -> (UserId, PukSecret, DeviceSecret) {
    let id = UserId::new([0xa1; 16]);
    (
        id,
        PukSecret::generate(SUITE, id, 1, r).unwrap(),
        device(0xa1, r),
    )
}

#[test]
fn per_user_key_and_escrow_lifecycle() {
    let mut r = ChaCha20Rng::from_seed([21; 32]);
    let alice = sender(&mut r);

    // The member U with devices D1 and D2, sharing PUK generation 1.
    let u = UserId::new([0x55; 16]);
    let (d1, d2, d3) = (device(1, &mut r), device(2, &mut r), device(3, &mut r));
    let gen1 = PukSecret::generate(SUITE, u, 1, &mut r).unwrap();
    let d2_wrap = wrap_seed(&gen1, u, d2.public(), &d1, &mut r).unwrap();
    let mut u_devices = vec![
        vouch(u, &d1, DeviceStatus::Active),
        vouch(u, &d2, DeviceStatus::Active),
    ];
    let d2_puks: Vec<PukSecret> = vec![open_seed_wrap(&d2_wrap, &d2, &u, &u_devices).unwrap().puk];
    let mut d1_puks = vec![gen1];

    // U receives mail 1 at generation 1; both devices read it.
    let (mail1, copy1) = mail_to(&alice, u, &d1_puks[0], b"mail one", &mut r);
    assert_eq!(
        reads(&copy1, &mail1, &u, &d1_puks, &alice).as_deref(),
        Some(&b"mail one"[..])
    );
    assert_eq!(
        reads(&copy1, &mail1, &u, &d2_puks, &alice).as_deref(),
        Some(&b"mail one"[..])
    );

    // D1 approves D3 with every generation it knows; D3 reads mail 1.
    let batch = wrap_seeds(&d1_puks, u, d3.public(), &d1, &mut r).unwrap();
    u_devices.push(vouch(u, &d3, DeviceStatus::Active));
    let d3_puks: Vec<PukSecret> = open_seed_wraps(&batch, &d3, &u, &u_devices)
        .unwrap()
        .into_iter()
        .map(|s| s.puk)
        .collect();
    assert_eq!(
        reads(&copy1, &mail1, &u, &d3_puks, &alice).as_deref(),
        Some(&b"mail one"[..])
    );

    // D2 is revoked: generation 2 goes to D1 and D3 only.
    let devices: Vec<(DevicePublic, DeviceStatus)> = vec![
        (d1.public().clone(), DeviceStatus::Active),
        (d2.public().clone(), DeviceStatus::Revoked),
        (d3.public().clone(), DeviceStatus::Active),
    ];
    let rotation = rotate(SUITE, u, 1, &devices, &d1, &mut r).unwrap();
    assert_eq!(rotation.wraps.len(), 2);
    assert!(
        rotation.wraps.iter().all(|(id, _)| *id != d2.id()),
        "never wrapped to a revoked device"
    );
    u_devices[1].status = DeviceStatus::Revoked;
    let d3_wrap = &rotation
        .wraps
        .iter()
        .find(|(id, _)| *id == d3.id())
        .unwrap()
        .1;
    let mut d3_puks = d3_puks;
    d3_puks.push(open_seed_wrap(d3_wrap, &d3, &u, &u_devices).unwrap().puk);
    d1_puks.push(rotation.puk);
    // D2 cannot open a wrap meant for D3.
    assert_eq!(
        open_seed_wrap(d3_wrap, &d2, &u, &u_devices).err(),
        Some(Error::NotARecipient)
    );

    // Mail 2, sealed to generation 2: D2's keys cannot open it.
    let (mail2, copy2) = mail_to(&alice, u, &d1_puks[1], b"mail two", &mut r);
    assert_eq!(reads(&copy2, &mail2, &u, &d2_puks, &alice), None);
    assert_eq!(
        reads(&copy2, &mail2, &u, &d3_puks, &alice).as_deref(),
        Some(&b"mail two"[..])
    );

    // Escrow: the EA group G (its own PUK, on an EA device) and U's escrow device E.
    let ea_user = UserId::new([0xea; 16]);
    let ea_device = device(0xe0, &mut r);
    let ea_puks = vec![PukSecret::generate(SUITE, ea_user, 1, &mut r).unwrap()];
    let account = Fixed([0xac; 16]);
    let ctx = EscrowContext {
        account,
        domain: AccountDomain::Custom("example.com"),
        member: u,
        member_address: "member@example.com",
        ea_group: ea_puks[0].public(),
    };
    let escrow = device(0xee, &mut r);
    let escrow_wrap = wrap_escrow_device(&ctx, &escrow, &d1, &mut r).unwrap();
    let record = enrollment_record(&ctx, escrow.public(), true, 100, &d1).unwrap();
    let disclosure = verify_enrollment(&record, "member@example.com", &u_devices).unwrap();
    assert!(disclosure.enabled);
    assert_eq!(
        (disclosure.ea_group, disclosure.domain.as_str()),
        (ea_user, "example.com")
    );
    u_devices.push(vouch(u, &escrow, DeviceStatus::Active));
    let to_escrow = wrap_seeds(&d1_puks, u, escrow.public(), &d1, &mut r).unwrap();
    // Escrow is refused on the shared domain.
    let shared = EscrowContext {
        domain: AccountDomain::Shared("zmail.com"),
        ..ctx.clone()
    };
    assert!(wrap_escrow_device(&shared, &escrow, &d1, &mut r).is_err());

    // U loses D1 and D3. An EA recovers U onto D4.
    let d4 = device(4, &mut r);
    let unlocked = open_escrow_wrap(&escrow_wrap, &ea_puks, &u_devices).unwrap();
    assert_eq!(unlocked.public(), escrow.public());
    let seeds = open_seed_wraps(&to_escrow, &unlocked, &u, &u_devices).unwrap();
    let ea_vouched = vouch(ea_user, &ea_device, DeviceStatus::Active);
    let mut d4_puks = Vec::new();
    for s in &seeds {
        let rewrap = wrap_seed_cosigned(
            &s.puk,
            u,
            d4.public(),
            &unlocked,
            ea_user,
            &ea_device,
            &mut r,
        )
        .unwrap();
        let mut directory = u_devices.clone();
        directory.push(ea_vouched.clone());
        let got = open_seed_wrap(&rewrap, &d4, &u, &directory).unwrap();
        assert_eq!(got.cosigner.as_ref().map(|c| c.user), Some(ea_user));
        d4_puks.push(got.puk);
    }
    assert_eq!(
        reads(&copy1, &mail1, &u, &d4_puks, &alice).as_deref(),
        Some(&b"mail one"[..])
    );
    assert_eq!(
        reads(&copy2, &mail2, &u, &d4_puks, &alice).as_deref(),
        Some(&b"mail two"[..])
    );

    // Discovery: the EA reads mail 2 with what it unwrapped, without U.
    let ea_view: Vec<PukSecret> = seeds.iter().map(|s| copy_puk(&s.puk)).collect();
    assert_eq!(
        reads(&copy2, &mail2, &u, &ea_view, &alice).as_deref(),
        Some(&b"mail two"[..])
    );

    // Escrow disabled: the record says so, E is revoked, and generation 3 skips it.
    let off = enrollment_record(&ctx, escrow.public(), false, 200, &d4).map(|_| ());
    assert!(off.is_ok());
    let devices: Vec<(DevicePublic, DeviceStatus)> = vec![
        (d4.public().clone(), DeviceStatus::Active),
        (escrow.public().clone(), DeviceStatus::Revoked),
    ];
    let rotation = rotate(SUITE, u, 2, &devices, &d4, &mut r).unwrap();
    assert!(rotation.wraps.iter().all(|(id, _)| *id != escrow.id()));
    let (mail3, copy3) = mail_to(&alice, u, &rotation.puk, b"mail three", &mut r);
    assert_eq!(
        reads(&copy3, &mail3, &u, &ea_view, &alice),
        None,
        "the EA cannot read mail after escrow is off"
    );
    assert_eq!(
        reads(
            &copy3,
            &mail3,
            &u,
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
    let u = UserId::new([1; 16]);
    let d1 = device(1, &mut r);
    let puks = vec![
        PukSecret::generate(SUITE, u, 1, &mut r).unwrap(),
        PukSecret::generate(SUITE, u, 2, &mut r).unwrap(),
    ];
    let code = RecoveryCode::generate(&mut r);
    let backup_id = DeviceId::new([0xbb; 16]);
    let backup = backup_device(SUITE, &code, backup_id);
    let batch = wrap_seeds(&puks, u, backup.public(), &d1, &mut r).unwrap();
    // Later, on a new machine, the user types the code.
    let typed = RecoveryCode::parse(&String::from(code.expose_text()).to_lowercase()).unwrap();
    let again = backup_device(SUITE, &typed, backup_id);
    let got = open_seed_wraps(&batch, &again, &u, &[vouch(u, &d1, DeviceStatus::Active)]).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].puk.public(), puks[1].public());
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
fn every_wrap_record_and_blob_rejects_every_flipped_byte() {
    let mut r = ChaCha20Rng::from_seed([23; 32]);
    let u = UserId::new([1; 16]);
    let (d1, d2, ea_device) = (device(1, &mut r), device(2, &mut r), device(9, &mut r));
    let vouched = vec![vouch(u, &d1, DeviceStatus::Active)];
    let puk = PukSecret::generate(SUITE, u, 1, &mut r).unwrap();

    let wrap = wrap_seed(&puk, u, d2.public(), &d1, &mut r).unwrap();
    every_byte_flip_fails(
        &wrap,
        |b| open_seed_wrap(b, &d2, &u, &vouched).is_ok(),
        "seed wrap",
    );

    let ea_user = UserId::new([0xea; 16]);
    let ea_puks = vec![PukSecret::generate(SUITE, ea_user, 1, &mut r).unwrap()];
    let cosigned =
        wrap_seed_cosigned(&puk, u, d2.public(), &d1, ea_user, &ea_device, &mut r).unwrap();
    let mut with_ea = vouched.clone();
    with_ea.push(vouch(ea_user, &ea_device, DeviceStatus::Active));
    every_byte_flip_fails(
        &cosigned,
        |b| open_seed_wrap(b, &d2, &u, &with_ea).is_ok(),
        "cosigned wrap",
    );

    let ctx = EscrowContext {
        account: Fixed([3; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: u,
        member_address: "m@example.com",
        ea_group: ea_puks[0].public(),
    };
    let escrow = device(0xee, &mut r);
    let ew = wrap_escrow_device(&ctx, &escrow, &d1, &mut r).unwrap();
    every_byte_flip_fails(
        &ew,
        |b| open_escrow_wrap(b, &ea_puks, &vouched).is_ok(),
        "escrow wrap",
    );

    let rec = enrollment_record(&ctx, escrow.public(), true, 5, &d1).unwrap();
    let genuine = verify_enrollment(&rec, "m@example.com", &vouched).unwrap();
    // A flipped byte may still parse and verify only if it changed nothing disclosed: it must not.
    every_byte_flip_fails(
        &rec,
        |b| verify_enrollment(b, "m@example.com", &vouched).is_ok_and(|d| d == genuine),
        "enrollment",
    );
    every_byte_flip_fails(
        &rec,
        |b| verify_enrollment(b, "m@example.com", &vouched).is_ok(),
        "enrollment (any)",
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
        |b| open_user_data(b, &u, &puks, &binding, Some(4)).is_ok(),
        "user data",
    );
}

#[test]
fn seed_wraps_replayed_to_another_device_user_or_generation_are_rejected() {
    let mut r = ChaCha20Rng::from_seed([24; 32]);
    let u = UserId::new([1; 16]);
    let v = UserId::new([2; 16]);
    let (d1, d2, d3) = (device(1, &mut r), device(2, &mut r), device(3, &mut r));
    let vouched = vec![vouch(u, &d1, DeviceStatus::Active)];
    let puk = PukSecret::generate(SUITE, u, 1, &mut r).unwrap();
    let bytes = wrap_seed(&puk, u, d2.public(), &d1, &mut r).unwrap();
    let w: SeedWrap = wire::decode(&bytes, 1 << 20, crate::error::Limit::WrapSize).unwrap();

    // Another device: addressed elsewhere, and relabelling the target breaks the context.
    assert_eq!(
        open_seed_wrap(&bytes, &d3, &u, &vouched).err(),
        Some(Error::NotARecipient)
    );
    let mut retargeted = w.clone();
    retargeted.target = d3.id();
    assert!(open_seed_wrap(&wire::encode(&retargeted), &d3, &u, &vouched).is_err());

    // Another user.
    assert_eq!(
        open_seed_wrap(&bytes, &d2, &v, &vouched).err(),
        Some(Error::NotARecipient)
    );
    let mut other_user = w.clone();
    other_user.user = v;
    let other_vouched = vec![vouch(u, &d1, DeviceStatus::Active)];
    assert_eq!(
        open_seed_wrap(&wire::encode(&other_user), &d2, &v, &other_vouched).err(),
        Some(AuthFailure::Signature.into())
    );

    // Another generation.
    let mut other_gen = w.clone();
    other_gen.generation = 2;
    assert_eq!(
        open_seed_wrap(&wire::encode(&other_gen), &d2, &u, &vouched).err(),
        Some(AuthFailure::Signature.into())
    );

    // The approver not vouched for.
    assert_eq!(
        open_seed_wrap(&bytes, &d2, &u, &[]).err(),
        Some(AuthFailure::UnknownSigner.into())
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

#[test]
fn mail_opened_from_an_escrowed_mailbox_reports_it() {
    let mut r = ChaCha20Rng::from_seed([26; 32]);
    let alice = sender(&mut r);
    let alice_id = alice.0;
    let u = UserId::new([0x55; 16]);
    let d1 = device(1, &mut r);
    let puks = vec![PukSecret::generate(SUITE, u, 1, &mut r).unwrap()];
    let ea_puk = PukSecret::generate(SUITE, UserId::new([0xea; 16]), 1, &mut r).unwrap();
    let ctx = EscrowContext {
        account: Fixed([1; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: u,
        member_address: "member@example.com",
        ea_group: ea_puk.public(),
    };
    let escrow = device(0xee, &mut r);
    let directory = vec![vouch(u, &d1, DeviceStatus::Active)];
    let on = verify_enrollment(
        &enrollment_record(&ctx, escrow.public(), true, 1, &d1).unwrap(),
        "member@example.com",
        &directory,
    )
    .unwrap();
    let off = verify_enrollment(
        &enrollment_record(&ctx, escrow.public(), false, 2, &d1).unwrap(),
        "member@example.com",
        &directory,
    )
    .unwrap();
    // The custom-domain rule holds when verifying, too: the member is not on the record's
    // domain, so the record discloses nothing and is refused.
    assert_eq!(
        verify_enrollment(
            &enrollment_record(&ctx, escrow.public(), true, 1, &d1).unwrap(),
            "member@elsewhere.example",
            &directory,
        )
        .err(),
        Some(crate::error::Misuse::EscrowNeedsCustomDomain.into())
    );
    let (_, copy) = mail_to(&alice, u, &puks[0], b"hello", &mut r);
    let senders = [vouch(alice.0, &alice.2, DeviceStatus::Active)];

    let opened = open_copy(&copy, &Mailbox::new(u, &puks).with_escrow(&on), &senders).unwrap();
    assert_eq!(opened.mailbox_escrow(), Some(&on));
    let opened = open_copy(&copy, &Mailbox::new(u, &puks).with_escrow(&off), &senders).unwrap();
    assert_eq!(
        opened.mailbox_escrow(),
        None,
        "escrow turned off is not reported as on"
    );
    let opened = open_copy(&copy, &Mailbox::new(u, &puks), &senders).unwrap();
    assert_eq!(opened.mailbox_escrow(), None);
    // A record for someone else's mailbox is the caller's mistake, not a silent pass.
    let other = crate::account::escrow::EscrowDisclosure {
        member: alice_id,
        ..on.clone()
    };
    assert_eq!(
        open_copy(&copy, &Mailbox::new(u, &puks).with_escrow(&other), &senders).err(),
        Some(Error::Misuse(crate::error::Misuse::EscrowRecordMismatch))
    );
}
