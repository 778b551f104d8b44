//! The footer in every scenario: what the planner says before sending, and what each
//! recipient's footer says after opening, with reasons. Every user is known through the
//! chain its client verified (SPEC.md §12), and a sender's chain counts for E2E only with the
//! proof that the service's key-transparency log publishes it (SPEC.md §14, §11.2).
//!
//! Run with `cargo run --example footer`.

use mailseal::account::escrow::{AccountDomain, EscrowContext, enrollment_terms};
use mailseal::identity::{self, ChainState};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use mailseal::mail::envelope::{Copy, Origin, Party, RecipientKind, RoutingHeader};
use mailseal::mail::footer::{
    DirectoryEntry, MailContext, Plan, PlannedRecipient, SenderState, classify, plan,
};
use mailseal::mail::link::open_link_copy;
use mailseal::mail::open::{Mailbox, OpenedMail, open_copy};
use mailseal::mail::report::{report, verify_report};
use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use mailseal::mail::server::{InboundMail, link_copy, reseal_held, seal_inbound, split_envelope};
use mailseal::transparency::log::{MemoryLog, MemoryWitness};
use mailseal::transparency::{LogPolicy, PublishedChains, TransparencyView};
use mailseal::wire::{Bytes, Fixed};
use mailseal::{Error, Suite};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SUITE: Suite = Suite::XWing;
const NOW: u64 = 1_764_374_400;
const LOG: &str = "mail.example.com/log";

struct User {
    id: UserId,
    address: String,
    puk: PukSecret,
    device: DeviceSecret,
    chain: ChainState,
}

impl User {
    fn new(n: u8, name: &str, rng: &mut ChaCha20Rng) -> User {
        let id = UserId::new([n; 16]);
        let address = format!("{name}@example.com");
        let puk = PukSecret::generate(SUITE, id, 1, rng).expect("puk");
        let device = DeviceSecret::generate(SUITE, DeviceId::new([n ^ 0x40; 16]), rng);
        let root =
            identity::root(SUITE, id, &device, puk.public(), &[&address], NOW).expect("root");
        User {
            id,
            address,
            puk,
            device,
            chain: ChainState::verify(&[root]).expect("chain"),
        }
    }
    fn key(&self) -> RecipientKey {
        RecipientKey::from_chain(self.address.clone(), &self.chain).expect("key")
    }
    fn mailbox(&self) -> Mailbox<'_> {
        Mailbox::new(&self.chain, [&self.puk])
    }
    fn sender(&self) -> SenderIdentity<'_> {
        SenderIdentity {
            address: &self.address,
            puk: &self.puk,
            device: &self.device,
            chain: &self.chain,
        }
    }
}

/// The service's key-transparency log with one witness, and Bob's client's view of it.
struct KeyLog {
    log: MemoryLog,
    witness: MemoryWitness,
    view: TransparencyView,
}

impl KeyLog {
    fn new() -> Result<KeyLog, Error> {
        let log = MemoryLog::new(LOG, [0x10; 32])?;
        let witness =
            MemoryWitness::new("witness.example.org", [0x20; 32], LOG, log.verifying_key())?;
        let policy = LogPolicy::new(LOG, log.verifying_key(), vec![witness.identity()], 1)?;
        Ok(KeyLog {
            log,
            witness,
            view: TransparencyView::new(policy),
        })
    }

    /// The service publishes `chains`; the witness cosigns; Bob's client takes the new
    /// checkpoint and keeps each chain with the proof that its tail is in the log.
    fn publish(&mut self, chains: &[&ChainState]) -> Result<PublishedChains, Error> {
        let held = self.view.checkpoint().map_or(0, |c| c.size);
        let indices = chains
            .iter()
            .map(|c| self.log.publish(c))
            .collect::<Result<Vec<_>, Error>>()?;
        let proof = self.log.consistency_from(self.witness.size());
        let note = self.witness.cosign(&self.log.checkpoint(), &proof, NOW)?;
        self.view.update(&note, &self.log.consistency_from(held))?;
        let mut directory = PublishedChains::new();
        for (chain, index) in chains.iter().zip(indices) {
            let (entry, inclusion) = (self.log.entry(index)?, self.log.inclusion(index)?);
            directory.add_published(&self.view, (*chain).clone(), index, &entry, &inclusion)?;
        }
        Ok(directory)
    }
}

/// Each item on its own line, in the product's words.
fn lines<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(|i| format!("\n      - {i}")).collect()
}

fn show_plan(p: &Plan) {
    match p {
        Plan::E2e { notes, .. } => println!("  planner: E2E{}", lines(notes)),
        Plan::NotE2e { reasons, notes, .. } => println!(
            "  planner: not E2E (the server gets a copy){}{}",
            lines(reasons),
            lines(notes)
        ),
        Plan::Refuse { reasons } => println!("  planner: cannot send{}", lines(reasons)),
        _ => println!("  planner: a plan this example does not know"),
    }
}

fn show(who: &str, opened: Result<OpenedMail, Error>, known_contact: bool) {
    match opened {
        Ok(o) => {
            let c = classify(&o, known_contact);
            print!(
                "  {who:<10} sees \"{}\" (sender: {})",
                c.footer,
                c.sender.code()
            );
            print!("{}{}", lines(&c.reasons), lines(&c.cautions));
            if let Some(e) = &c.escrow {
                print!(
                    "\n      - your mailbox is escrowed to the administrators of {}",
                    e.terms.domain
                );
            }
            println!();
        }
        Err(e) => println!("  {who:<10} rejects the mail: {e}"),
    }
}

fn copy_of(envelope: &[u8], user: &UserId) -> Vec<u8> {
    split_envelope(envelope)
        .expect("split")
        .into_iter()
        .find(|c| c.user == *user)
        .expect("copy")
        .copy
}

fn main() -> Result<(), Error> {
    let mut rng = ChaCha20Rng::from_seed([11; 32]);
    let alice = User::new(1, "alice", &mut rng);
    let bob = User::new(2, "bob", &mut rng);
    let server = User::new(0x5e, "mail-server", &mut rng);
    let newbie = User::new(9, "newbie", &mut rng);
    let server_key = RecipientKey::server(server.address.clone(), server.puk.public().clone());
    let state = SenderState {
        chain: Some(&alice.chain),
        device: alice.device.id(),
        server: Some(server_key.clone()),
    };
    let seal_plan = |p: &Plan, rng: &mut ChaCha20Rng| -> Result<Vec<u8>, Error> {
        let mut s = p.apply(MailSealer::new(
            SUITE,
            alice.sender(),
            "<footer@example.com>",
            NOW,
        )?)?;
        s.add_piece(b"Subject: hello\r\n\r\nHello!", rng)?;
        s.seal(rng)
    };
    // Each client holds the other's chain with the proof that the log publishes it (one view
    // stands for both clients here).
    let mut key_log = KeyLog::new()?;
    let senders = key_log.publish(&[&alice.chain, &bob.chain])?;
    let published = |dir, user| DirectoryEntry::from_directory(dir, user).expect("held");

    println!("1. E2E between users (Alice to Bob)");
    let to_bob = PlannedRecipient {
        address: bob.address.clone(),
        kind: RecipientKind::To,
        entry: published(&senders, &bob.id),
    };
    let p = plan(&state, std::slice::from_ref(&to_bob), MailContext::Personal);
    show_plan(&p);
    let env = seal_plan(&p, &mut rng)?;
    show(
        "Bob",
        open_copy(&copy_of(&env, &bob.id), &bob.mailbox(), &senders),
        true,
    );
    show(
        "Bob (Alice not in his contacts)",
        open_copy(&copy_of(&env, &bob.id), &bob.mailbox(), &senders),
        false,
    );

    println!("2. To an external address (Alice to Bob, CC dan@elsewhere.example)");
    let external = PlannedRecipient {
        address: "dan@elsewhere.example".into(),
        kind: RecipientKind::Cc,
        entry: DirectoryEntry::External,
    };
    let p = plan(&state, &[to_bob.clone(), external], MailContext::Personal);
    show_plan(&p);
    let env = seal_plan(&p, &mut rng)?;
    show(
        "Bob",
        open_copy(&copy_of(&env, &bob.id), &bob.mailbox(), &senders),
        true,
    );

    println!("3. From an external sender (sealed by the server on arrival)");
    let inbound = InboundMail {
        origin: Origin::InboundExternal,
        sender_address: "eve@elsewhere.example".into(),
        sender_user: None,
        message_id: "<in@elsewhere.example>".into(),
        timestamp: NOW,
        to: vec![Party {
            address: bob.address.clone(),
            user: Some(bob.id),
        }],
        cc: vec![],
        recipients: vec![bob.key()],
        pieces: vec![b"Subject: offer\r\n\r\nBuy now"],
    };
    let sealed = seal_inbound(SUITE, &inbound, &mut rng)?;
    let no_senders: [&ChainState; 0] = [];
    show(
        "Bob",
        open_copy(
            &copy_of(&sealed.envelope, &bob.id),
            &bob.mailbox(),
            &no_senders,
        ),
        true,
    );

    println!("4. To a mailing list (Alice to team@example.com; the server fans it out)");
    let list = PlannedRecipient {
        address: "team@example.com".into(),
        kind: RecipientKind::To,
        entry: DirectoryEntry::MailingList,
    };
    show_plan(&plan(&state, &[list], MailContext::Personal));
    let fan_out = InboundMail {
        origin: Origin::MailingList,
        sender_address: alice.address.clone(),
        sender_user: Some(alice.id),
        to: vec![Party {
            address: "team@example.com".into(),
            user: None,
        }],
        ..inbound.clone()
    };
    let sealed = seal_inbound(SUITE, &fan_out, &mut rng)?;
    show(
        "Bob",
        open_copy(
            &copy_of(&sealed.envelope, &bob.id),
            &bob.mailbox(),
            &no_senders,
        ),
        true,
    );

    println!("5. To a pre-provisioned user (no device yet)");
    let pre = PlannedRecipient {
        address: newbie.address.clone(),
        kind: RecipientKind::To,
        entry: DirectoryEntry::PreProvisionedUser(newbie.id),
    };
    let p = plan(&state, &[pre], MailContext::Personal);
    show_plan(&p);
    let mut s = p.apply(MailSealer::new(
        SUITE,
        alice.sender(),
        "<welcome@example.com>",
        NOW,
    )?)?;
    let body = s.add_piece(b"Welcome aboard", &mut rng)?;
    let env = s.seal(&mut rng)?;
    let held = open_copy(
        &copy_of(&env, &server.id),
        &Mailbox::server(server.id, [&server.puk]),
        &senders,
    )?;
    // The newcomer's first device makes a chain; the server re-seals to its first PUK.
    let resealed = reseal_held(&held, &[&body], newbie.key(), &mut rng)?;
    show(
        "newbie",
        open_copy(
            &copy_of(&resealed.envelope, &newbie.id),
            &newbie.mailbox(),
            &no_senders,
        ),
        true,
    );
    println!("   and to a user whose devices are all revoked:");
    let gone = User::new(7, "gone", &mut rng);
    let gone_chain = gone
        .chain
        .extend(&[gone.chain.server_revoke(gone.device.id(), NOW)])?;
    let revoked = PlannedRecipient {
        address: gone.address.clone(),
        kind: RecipientKind::To,
        entry: DirectoryEntry::User(&gone_chain),
    };
    show_plan(&plan(&state, &[revoked], MailContext::Personal));

    println!("6. Access-restricted external mail (link with the key in its fragment)");
    let mut s = MailSealer::new(SUITE, alice.sender(), "<restricted@example.com>", NOW)?
        .external(RecipientKind::To, "dan@elsewhere.example")
        .access_restricted(1_764_979_200);
    let body = s.add_piece(b"Contract draft", &mut rng)?;
    let (env, fragment) = s.seal_restricted(&mut rng)?;
    let lc = link_copy(&env)?.expect("link copy");
    println!(
        "  link: https://mail.example.com/r/<id>#{}…",
        &fragment.expose_text()[..16]
    );
    let opened = open_link_copy(&lc, fragment.expose_text(), 1_764_400_000)?;
    assert_eq!(opened.open_piece(0, &body)?, b"Contract draft");
    show("Dan", Ok(opened), true);
    show(
        "Dan later",
        open_link_copy(&lc, fragment.expose_text(), 1_765_000_000),
        true,
    );

    println!("7. To and from an escrowed mailbox (Bob's account turns escrow on)");
    let admins = User::new(0xea, "admins", &mut rng);
    let ctx = EscrowContext {
        account: Fixed([1; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: bob.id,
        member_address: &bob.address,
        ea_chain: &admins.chain,
    };
    let escrow_dev = DeviceSecret::generate(SUITE, DeviceId::new([0xee; 16]), &mut rng);
    let terms = enrollment_terms(&ctx, admins.device.public())?;
    let mut draft =
        bob.chain
            .propose_escrow_device(bob.device.id(), escrow_dev.public(), terms, None, NOW)?;
    for d in [&bob.device, &escrow_dev, &admins.device] {
        draft.sign(d)?;
    }
    let bob_escrowed = bob.chain.extend(&[draft.finish()?])?;
    let escrowed_published = key_log.publish(&[&bob_escrowed])?;
    let to_escrowed_bob = PlannedRecipient {
        entry: published(&escrowed_published, &bob.id),
        ..to_bob
    };
    let p = plan(
        &state,
        std::slice::from_ref(&to_escrowed_bob),
        MailContext::Personal,
    );
    show_plan(&p);
    let env = seal_plan(&p, &mut rng)?;
    let escrowed_mailbox = Mailbox::new(&bob_escrowed, [&bob.puk]);
    show(
        "Bob",
        open_copy(&copy_of(&env, &bob.id), &escrowed_mailbox, &senders),
        true,
    );

    println!("8. A server spoof attempt: external mail relabelled as signed by Alice's device");
    let sealed = seal_inbound(SUITE, &inbound, &mut rng)?;
    let mut c = Copy::parse(&copy_of(&sealed.envelope, &bob.id))?;
    let (mut h, _) = RoutingHeader::parse(&c.header.0)?;
    h.origin = Origin::SenderDevice;
    h.sender.user = Some(alice.id);
    h.sender.device = Some(alice.device.id());
    h.sender.chain = Some(alice.chain.tail());
    c.header = Bytes(h.encode());
    c.recipient_box.tail = Some(bob.chain.tail());
    show(
        "Bob",
        open_copy(&c.encode(), &bob.mailbox(), &senders),
        true,
    );

    println!("9. Alice writes From: ceo@example.com, an address her chain does not list");
    let ceo = SenderIdentity {
        address: "ceo@example.com",
        ..alice.sender()
    };
    match MailSealer::new(SUITE, ceo, "<ceo@example.com>", NOW) {
        Ok(_) => panic!("sealed as an address that is not hers"),
        Err(e) => println!("  Alice's client refuses to seal it: {e}"),
    }
    let mut s = MailSealer::new(SUITE, alice.sender(), "<ceo@example.com>", NOW)?.to(bob.key());
    s.add_piece(b"Wire the money", &mut rng)?;
    let env = s.seal(&mut rng)?;
    let mut c = Copy::parse(&copy_of(&env, &bob.id))?;
    let (mut h, _) = RoutingHeader::parse(&c.header.0)?;
    h.sender.address = "ceo@example.com".into();
    c.header = Bytes(h.encode());
    println!("   a server that edits the From address breaks the box:");
    show(
        "Bob",
        open_copy(&c.encode(), &bob.mailbox(), &senders),
        true,
    );
    println!("   the service assigns addresses: once her chain lists it, every client sees so:");
    let ceo_chain = alice.chain.extend(&[alice
        .chain
        .server_addresses(&["alice@example.com", "ceo@example.com"], NOW)])?;
    let ceo = SenderIdentity {
        address: "ceo@example.com",
        chain: &ceo_chain,
        ..alice.sender()
    };
    let mut s = MailSealer::new(SUITE, ceo, "<ceo2@example.com>", NOW)?.to(bob.key());
    s.add_piece(b"Wire the money", &mut rng)?;
    let env = s.seal(&mut rng)?;
    show(
        "Bob (old view of Alice)",
        open_copy(&copy_of(&env, &bob.id), &bob.mailbox(), &senders),
        true,
    );
    show(
        "Bob (updated view, before the log shows it)",
        open_copy(&copy_of(&env, &bob.id), &bob.mailbox(), &[&ceo_chain]),
        true,
    );
    show(
        "Bob (updated view, published)",
        open_copy(
            &copy_of(&env, &bob.id),
            &bob.mailbox(),
            &key_log.publish(&[&ceo_chain])?,
        ),
        true,
    );
    println!(
        "   Alice's address history as her chain records it: {:?}",
        ceo_chain
            .address_history()
            .iter()
            .map(|a| &a.addresses)
            .collect::<Vec<_>>()
    );

    println!("10. Bob reports an unwanted E2E mail to the service (abuse report, SPEC.md §13)");
    let mut spam =
        MailSealer::new(SUITE, alice.sender(), "<prize@example.com>", NOW)?.to(bob.key());
    let body = spam.add_piece(b"Subject: you won\r\n\r\nClick here", &mut rng)?;
    let attachment = spam.add_piece(b"a photo Bob keeps private", &mut rng)?;
    let env = spam.seal(&mut rng)?;
    let opened = open_copy(&copy_of(&env, &bob.id), &bob.mailbox(), &senders)?;
    let made = report(&opened, &[0], &bob.device, NOW + 3600)?;
    println!(
        "   Bob discloses the body only: a report of {} bytes, signed by his device",
        made.len()
    );
    // The service, which holds the stored ciphertexts and both verified chains:
    let v = verify_report(&made, &alice.chain, &bob.chain, &[&body])?;
    println!(
        "   verified: sent by {} (device {}, {}) at {} to {} ({:?}); {} of {} pieces disclosed: {:?}",
        v.from,
        v.sender_device,
        v.sender_status.code(),
        v.sent_at,
        v.recipient,
        v.recipient_kind,
        v.pieces.len(),
        v.piece_count,
        String::from_utf8_lossy(&v.pieces[0].plaintext),
    );
    let mut altered = body.clone();
    altered[100] ^= 1;
    println!(
        "   a report whose body was altered: {}",
        verify_report(&made, &alice.chain, &bob.chain, &[&altered])
            .err()
            .map_or("accepted (a bug)".to_string(), |e| e.to_string())
    );
    println!(
        "   the same report submitted by another user: {}",
        verify_report(&made, &alice.chain, &server.chain, &[&body])
            .err()
            .map_or("accepted (a bug)".to_string(), |e| e.to_string())
    );
    let _ = attachment;
    Ok(())
}
