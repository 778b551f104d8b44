//! The footer in every scenario: what the planner says before sending, and what each
//! recipient's footer says after opening, with reasons.
//!
//! Run with `cargo run --example footer`.

use mailseal::account::escrow::{
    AccountDomain, EscrowContext, enrollment_record, verify_enrollment,
};
use mailseal::keys::{DeviceId, DeviceSecret, DeviceStatus, PukSecret, UserId};
use mailseal::mail::envelope::{Copy, Origin, Party, RecipientKind, RoutingHeader};
use mailseal::mail::footer::{
    DirectoryEntry, MailContext, Plan, PlannedRecipient, SenderState, classify, plan,
};
use mailseal::mail::link::open_link_copy;
use mailseal::mail::open::{Mailbox, OpenedMail, VouchedDevice, open_copy};
use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use mailseal::mail::server::{InboundMail, link_copy, reseal_held, seal_inbound, split_envelope};
use mailseal::wire::{Bytes, Fixed};
use mailseal::{Error, Suite};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SUITE: Suite = Suite::XWing;

struct User {
    id: UserId,
    address: String,
    puk: PukSecret,
    device: DeviceSecret,
}

impl User {
    fn new(n: u8, name: &str, rng: &mut ChaCha20Rng) -> User {
        let id = UserId::new([n; 16]);
        User {
            id,
            address: format!("{name}@example.com"),
            puk: PukSecret::generate(SUITE, id, 1, rng).expect("puk"),
            device: DeviceSecret::generate(SUITE, DeviceId::new([n ^ 0x40; 16]), rng),
        }
    }
    fn key(&self) -> RecipientKey {
        RecipientKey::new(self.address.clone(), self.puk.public().clone())
    }
    fn vouched(&self) -> VouchedDevice {
        VouchedDevice {
            user: self.id,
            device: self.device.id(),
            verifying_key: self.device.public().verifying_key,
            status: DeviceStatus::Active,
        }
    }
    fn mailbox(&self) -> Mailbox<'_> {
        Mailbox::new(self.id, std::slice::from_ref(&self.puk))
    }
}

fn show_plan(p: &Plan) {
    match p {
        Plan::E2e { .. } => println!("  planner: E2E"),
        Plan::NotE2e { reasons, .. } => println!("  planner: not E2E because {reasons:?}"),
        Plan::Refuse { reasons } => println!("  planner: refuse because {reasons:?}"),
        _ => println!("  planner: {p:?}"),
    }
}

fn show(who: &str, opened: Result<OpenedMail, Error>, known_contact: bool) {
    match opened {
        Ok(o) => {
            let c = classify(&o, known_contact);
            print!("  {who:<10} sees {:?}", c.footer);
            if !c.reasons.is_empty() {
                print!(", because {:?}", c.reasons);
            }
            print!("; sender {:?}", c.sender);
            if let Some(caution) = c.caution {
                print!("; caution {caution:?}");
            }
            if let Some(e) = &c.escrow {
                print!(
                    "; escrowed mailbox (domain {}, EA group {:?})",
                    e.domain, e.ea_group
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
    let state = SenderState {
        puk: Some(alice.puk.public().clone()),
        active_device: true,
        server: Some(server.key()),
    };
    let sender = || SenderIdentity {
        address: &alice.address,
        puk: &alice.puk,
        device: &alice.device,
    };
    let to_bob = PlannedRecipient {
        address: bob.address.clone(),
        kind: RecipientKind::To,
        entry: DirectoryEntry::ActiveUser(bob.puk.public().clone()),
    };
    let seal_plan = |p: &Plan, rng: &mut ChaCha20Rng| -> Result<Vec<u8>, Error> {
        let mut s = p.apply(MailSealer::new(
            SUITE,
            sender(),
            "<footer@example.com>",
            1_764_374_400,
        )?)?;
        s.add_piece(b"Subject: hello\r\n\r\nHello!", rng)?;
        s.seal(rng)
    };

    println!("1. E2E between users (Alice to Bob)");
    let p = plan(&state, std::slice::from_ref(&to_bob), MailContext::Personal);
    show_plan(&p);
    let env = seal_plan(&p, &mut rng)?;
    show(
        "Bob",
        open_copy(&copy_of(&env, &bob.id), &bob.mailbox(), &[alice.vouched()]),
        true,
    );
    show(
        "Bob (Alice not in his contacts)",
        open_copy(&copy_of(&env, &bob.id), &bob.mailbox(), &[alice.vouched()]),
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
        open_copy(&copy_of(&env, &bob.id), &bob.mailbox(), &[alice.vouched()]),
        true,
    );

    println!("3. From an external sender (sealed by the server on arrival)");
    let inbound = InboundMail {
        origin: Origin::InboundExternal,
        sender_address: "eve@elsewhere.example".into(),
        sender_user: None,
        message_id: "<in@elsewhere.example>".into(),
        timestamp: 1_764_374_400,
        to: vec![Party {
            address: bob.address.clone(),
            user: Some(bob.id),
        }],
        cc: vec![],
        recipients: vec![bob.key()],
        pieces: vec![b"Subject: offer\r\n\r\nBuy now"],
    };
    let sealed = seal_inbound(SUITE, &inbound, &mut rng)?;
    show(
        "Bob",
        open_copy(&copy_of(&sealed.envelope, &bob.id), &bob.mailbox(), &[]),
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
        open_copy(&copy_of(&sealed.envelope, &bob.id), &bob.mailbox(), &[]),
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
        sender(),
        "<welcome@example.com>",
        1_764_374_400,
    )?)?;
    let body = s.add_piece(b"Welcome aboard", &mut rng)?;
    let env = s.seal(&mut rng)?;
    let held = open_copy(
        &copy_of(&env, &server.id),
        &server.mailbox(),
        &[alice.vouched()],
    )?;
    let resealed = reseal_held(&held, &[&body], newbie.key(), &mut rng)?;
    show(
        "newbie",
        open_copy(
            &copy_of(&resealed.envelope, &newbie.id),
            &newbie.mailbox(),
            &[],
        ),
        true,
    );
    let revoked = PlannedRecipient {
        address: "gone@example.com".into(),
        kind: RecipientKind::To,
        entry: DirectoryEntry::AllDevicesRevoked(UserId::new([7; 16])),
    };
    println!("   and to a user whose devices are all revoked:");
    show_plan(&plan(&state, &[revoked], MailContext::Personal));

    println!("6. Access-restricted external mail (link with the key in its fragment)");
    let mut s = MailSealer::new(SUITE, sender(), "<restricted@example.com>", 1_764_374_400)?
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

    println!("7. From an escrowed mailbox (Bob's account has escrow on)");
    let ea = PukSecret::generate(SUITE, UserId::new([0xea; 16]), 1, &mut rng)?;
    let ctx = EscrowContext {
        account: Fixed([1; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: bob.id,
        member_address: &bob.address,
        ea_group: ea.public(),
    };
    let escrow_dev = DeviceSecret::generate(SUITE, DeviceId::new([0xee; 16]), &mut rng);
    let record = enrollment_record(&ctx, escrow_dev.public(), true, 1_764_374_400, &bob.device)?;
    let disclosure = verify_enrollment(&record, &bob.address, &[bob.vouched()])?;
    let env = seal_plan(
        &plan(&state, std::slice::from_ref(&to_bob), MailContext::Personal),
        &mut rng,
    )?;
    let mailbox = bob.mailbox().with_escrow(&disclosure);
    show(
        "Bob",
        open_copy(&copy_of(&env, &bob.id), &mailbox, &[alice.vouched()]),
        true,
    );

    println!("8. A server spoof attempt: external mail relabelled as signed by Alice's device");
    let sealed = seal_inbound(SUITE, &inbound, &mut rng)?;
    let mut c = Copy::parse(&copy_of(&sealed.envelope, &bob.id))?;
    let (mut h, _) = RoutingHeader::parse(&c.header.0)?;
    h.origin = Origin::SenderDevice.code();
    h.sender.user = Some(alice.id);
    h.sender.device = Some(alice.device.id());
    c.header = Bytes(h.encode());
    show(
        "Bob",
        open_copy(&c.encode(), &bob.mailbox(), &[alice.vouched()]),
        true,
    );
    Ok(())
}
