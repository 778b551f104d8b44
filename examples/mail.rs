//! An end-to-end encrypted mail, from sealing to every party opening its own copy.
//!
//! Every user has a chain of signed links (SPEC.md §12) that says which devices, keys and
//! addresses are theirs; each client verifies the chains it uses. Alice has two devices (a
//! laptop and a phone): the laptop approves the phone in her chain and hands it her per-user
//! key in a seed wrap. From the laptop she writes to Bob (To) and Carol (CC), with Dave in BCC,
//! and attaches a file. The server splits the envelope into per-recipient copies without any
//! key; each party opens its own. Alice's phone opens her Sent copy and verifies the BCC line
//! and the whole recipient list.
//!
//! Run with `cargo run --example mail`.

use mailseal::Suite;
use mailseal::account::devices::{open_seed_wrap, wrap_seed};
use mailseal::identity::{self, ChainState};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use mailseal::mail::open::{Mailbox, open_copy};
use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use mailseal::mail::server::split_envelope;
use rand_core::SeedableRng;

fn main() -> Result<(), mailseal::Error> {
    // The crate owns no RNG and no clock: the caller passes both in.
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    let now = 1_764_374_400; // seconds since the epoch, from the caller's clock
    let suite = Suite::default();
    println!("suite: {}", suite.name());

    // Alice: her laptop makes her chain's root; it then approves her phone, which co-signs
    // its own addition, and wraps her per-user key (PUK) to the phone.
    let alice = UserId::new(*b"alice-user-id-01");
    let alice_puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
    let laptop = DeviceSecret::generate(suite, DeviceId::new(*b"alice-laptop-001"), &mut rng);
    let phone = DeviceSecret::generate(suite, DeviceId::new(*b"alice-phone-0001"), &mut rng);
    let root = identity::root(
        suite,
        alice,
        &laptop,
        alice_puk.public(),
        &["alice@example.com"],
        now,
    )?;
    let mut add_phone =
        ChainState::verify(&[&root])?.propose_add_device(laptop.id(), phone.public(), None, now)?;
    add_phone.sign(&laptop)?;
    add_phone.sign(&phone)?;
    let alice_links = vec![root, add_phone.finish()?];
    let alice_chain = ChainState::verify(&alice_links)?;
    let wrap = wrap_seed(&alice_puk, alice, phone.public(), &laptop, &mut rng)?;
    let phone_puk = open_seed_wrap(&wrap, &phone, &alice_chain, None)?.puk;
    assert_eq!(phone_puk.public(), alice_puk.public());
    println!(
        "Alice's chain: {} links, security code {}",
        alice_chain.tail().seq,
        alice_chain.security_code()
    );

    // Bob, Carol and Dave, each with one device and a chain. Alice's client verifies their
    // chains (as the server serves them) before sealing to the keys they name.
    let mut user =
        |n: u8, address: &str| -> Result<(UserId, PukSecret, ChainState), mailseal::Error> {
            let id = UserId::new([n; 16]);
            let puk = PukSecret::generate(suite, id, 1, &mut rng)?;
            let device = DeviceSecret::generate(suite, DeviceId::new([n ^ 0x80; 16]), &mut rng);
            let root = identity::root(suite, id, &device, puk.public(), &[address], now)?;
            Ok((id, puk, ChainState::verify(&[root])?))
        };
    let (bob, bob_puk, bob_chain) = user(0xb0, "bob@example.com")?;
    let (carol, carol_puk, carol_chain) = user(0xca, "carol@example.com")?;
    let (dave, dave_puk, dave_chain) = user(0xda, "dave@example.com")?;

    // Seal on the laptop.
    let sender = SenderIdentity {
        address: "alice@example.com",
        puk: &alice_puk,
        device: &laptop,
        chain: &alice_chain,
    };
    let mut mail = MailSealer::new(suite, sender, "<q3-plan@example.com>", now)?
        .to(RecipientKey::from_chain("bob@example.com", &bob_chain)?)
        .cc(RecipientKey::from_chain("carol@example.com", &carol_chain)?)
        .bcc(RecipientKey::from_chain("dave@example.com", &dave_chain)?)
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

    // Every recipient opens with its own chain and Alice's, which its client verified.
    let senders = [&alice_chain];
    for (name, user, puk, chain) in [
        ("Bob", bob, &bob_puk, &bob_chain),
        ("Carol", carol, &carol_puk, &carol_chain),
        ("Dave", dave, &dave_puk, &dave_chain),
    ] {
        let opened = open_copy(copy_of(user), &Mailbox::new(chain, [puk]), &senders)?;
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
        &Mailbox::new(&alice_chain, [&phone_puk]),
        &senders,
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
        &Mailbox::new(&carol_chain, [&carol_puk]),
        &senders,
    ) {
        Ok(_) => panic!("a forged copy opened"),
        Err(e) => println!("Carol's copy with Bob's box in it: rejected ({e})"),
    }
    Ok(())
}
