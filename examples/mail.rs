//! An end-to-end encrypted mail, from sealing to every party opening its own copy.
//!
//! Alice has two devices (a laptop and a phone) sharing her per-user key. From the laptop she
//! writes to Bob (To) and Carol (CC), with Dave in BCC, and attaches a file. The server splits
//! the envelope into per-recipient copies without any key; each party opens its own. Alice's
//! phone opens her Sent copy and verifies the BCC line and the whole recipient list.
//!
//! Run with `cargo run --example mail`.

use mailseal::Suite;
use mailseal::keys::{DeviceId, DeviceSecret, DeviceStatus, PukSecret, PukSeed, UserId};
use mailseal::mail::open::{Mailbox, VouchedDevice, open_copy};
use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use mailseal::mail::server::split_envelope;
use rand_core::SeedableRng;

fn main() -> Result<(), mailseal::Error> {
    // The crate owns no RNG and no clock: the caller passes both in.
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    let now = 1_764_374_400; // seconds since the epoch, from the caller's clock
    let suite = Suite::default();
    println!("suite: {}", suite.name());

    // Alice: one PUK shared by two devices. (Issue 4's seed wraps carry the seed between
    // devices; here the phone derives the same PUK from the same seed bytes.)
    let alice = UserId::new(*b"alice-user-id-01");
    let alice_puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
    let phone_puk = PukSecret::derive(
        suite,
        alice,
        1,
        PukSeed::from_bytes(*alice_puk.seed().expose_secret()),
    )?;
    assert_eq!(phone_puk.public(), alice_puk.public());
    let laptop = DeviceSecret::generate(suite, DeviceId::new(*b"alice-laptop-001"), &mut rng);
    let phone = DeviceSecret::generate(suite, DeviceId::new(*b"alice-phone-0001"), &mut rng);

    // Recipients and their current PUKs, as the key directory authenticated them.
    let (bob, carol, dave) = (
        UserId::new([0xb0; 16]),
        UserId::new([0xca; 16]),
        UserId::new([0xda; 16]),
    );
    let bob_puk = PukSecret::generate(suite, bob, 1, &mut rng)?;
    let carol_puk = PukSecret::generate(suite, carol, 3, &mut rng)?;
    let dave_puk = PukSecret::generate(suite, dave, 1, &mut rng)?;

    // Seal on the laptop.
    let sender = SenderIdentity {
        address: "alice@example.com",
        puk: &alice_puk,
        device: &laptop,
    };
    let mut mail = MailSealer::new(suite, sender, "<q3-plan@example.com>", now)?
        .to(RecipientKey::new(
            "bob@example.com",
            bob_puk.public().clone(),
        ))
        .cc(RecipientKey::new(
            "carol@example.com",
            carol_puk.public().clone(),
        ))
        .bcc(RecipientKey::new(
            "dave@example.com",
            dave_puk.public().clone(),
        ))
        .bcc_text("dave@example.com");
    let body =
        b"Subject: Q3 plan\r\nTo: bob@example.com\r\nCc: carol@example.com\r\n\r\nPlan attached.";
    let body_ct = mail.add_piece(body, &mut rng)?;
    // The attachment goes through the incremental sealer: constant memory for any size.
    let attachment: Vec<u8> = (0..300_000u32).map(|i| (i % 241) as u8).collect();
    let mut piece = mail.begin_piece(&mut rng);
    let mut attachment_ct = Vec::new();
    for part in attachment.chunks(50_000) {
        piece.push(part, &mut attachment_ct)?;
    }
    let finished = piece.finish(&mut attachment_ct)?;
    println!(
        "attachment: {} bytes sealed into {} (digest {:?})",
        attachment.len(),
        finished.ciphertext_len(),
        finished.digest()
    );
    mail.attach(finished)?;
    let envelope = mail.seal(&mut rng)?;
    println!(
        "envelope: {} bytes, uploaded once with the two piece ciphertexts",
        envelope.len()
    );

    // The server splits it into copies, with no key.
    let copies = split_envelope(&envelope)?;
    for c in &copies {
        println!(
            "  copy for {:<20} {:?}, {} bytes",
            c.address,
            c.kind,
            c.copy.len()
        );
    }
    let copy_of = |user: UserId| &copies.iter().find(|c| c.user == user).expect("copy").copy;

    // Every recipient's directory vouches for Alice's laptop.
    let vouched = [VouchedDevice {
        user: alice,
        device: laptop.id(),
        verifying_key: laptop.public().verifying_key,
        status: DeviceStatus::Active,
    }];
    for (name, user, puk) in [
        ("Bob", bob, &bob_puk),
        ("Carol", carol, &carol_puk),
        ("Dave", dave, &dave_puk),
    ] {
        let opened = open_copy(
            copy_of(user),
            &Mailbox::new(user, std::slice::from_ref(puk)),
            &vouched,
        )?;
        let text = opened.open_piece(0, &body_ct)?;
        let file = opened.open_piece(1, &attachment_ct)?;
        assert_eq!(text, body);
        assert_eq!(file, attachment);
        let header = opened.header();
        let named: Vec<&str> = header
            .to
            .iter()
            .chain(&header.cc)
            .map(|p| p.address.as_str())
            .collect();
        println!(
            "{name:<5} opened as {:?}: sender {:?}, E2E flag {}, header names {:?}, attachment {} bytes",
            opened.recipient_kind(),
            opened.sender_status(),
            opened.e2e_flag(),
            named,
            file.len()
        );
    }

    // Alice's phone opens the Sent copy: the BCC line and the full list are verified.
    let sent = open_copy(
        copy_of(alice),
        &Mailbox::new(alice, std::slice::from_ref(&phone_puk)),
        &vouched,
    )?;
    let record = sent
        .sent_record()
        .expect("the Sent copy carries the sender record");
    println!(
        "Alice's phone ({:?}) opened the Sent copy: BCC {:?}",
        phone.id(),
        record.bcc
    );
    for r in &record.recipients {
        println!(
            "  signed recipient: {:<20} {:?} (PUK generation {})",
            r.address, r.kind, r.generation
        );
    }

    // A server that swaps Bob's box into Carol's copy gets nothing.
    let mut forged = mailseal::mail::envelope::Copy::parse(copy_of(carol))?;
    forged.recipient_box = mailseal::mail::envelope::Copy::parse(copy_of(bob))?.recipient_box;
    match open_copy(
        &forged.encode(),
        &Mailbox::new(carol, std::slice::from_ref(&carol_puk)),
        &vouched,
    ) {
        Ok(_) => panic!("a forged copy opened"),
        Err(e) => println!("Carol's copy with Bob's box in it: rejected ({e})"),
    }
    Ok(())
}
