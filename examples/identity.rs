//! Identity: Ivy's chain from its root to a revocation, and every attack on it refused.
//!
//! The server serves each user's chain of signed links (SPEC.md §12); clients verify it from
//! the root and keep what they verified. Ivy's laptop makes the root; it approves her phone
//! and a backup (recovery-code) device; her account turns escrow on (an escrow device that an
//! administrator co-signs); she revokes the phone. Then the server, a thief and an
//! administrator each try something, and each is refused with a typed reason.
//!
//! Run with `cargo run --example identity`.

use mailseal::Suite;
use mailseal::account::devices::wrap_seed;
use mailseal::account::devices::{RotationCause, open_seed_wrap, rotate};
use mailseal::account::escrow::{AccountDomain, EscrowContext, enrollment_terms};
use mailseal::identity::{self, ChainState, LinkDraft, pair_security_code};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use mailseal::mail::envelope::RecipientKind;
use mailseal::mail::footer::{
    DirectoryEntry, MailContext, Plan, PlannedRecipient, SenderState, plan,
};
use mailseal::mail::seal::{MailSealer, SenderIdentity};
use mailseal::wire::Fixed;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SUITE: Suite = Suite::X25519;
const NOW: u64 = 1_764_374_400;

/// Signs a draft with every device it needs; returns the link bytes.
fn signed(mut draft: LinkDraft, by: &[&DeviceSecret]) -> Result<Vec<u8>, mailseal::Error> {
    for d in by {
        draft.sign(d)?;
    }
    draft.finish()
}

/// Prints a refusal, and fails the example if the attempt was accepted.
fn refused<T>(what: &str, outcome: Result<T, mailseal::Error>) -> Result<(), String> {
    match outcome {
        Err(e) => {
            println!("  refused: {what}\n           ({e})");
            Ok(())
        }
        Ok(_) => Err(format!("accepted: {what}")),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = ChaCha20Rng::from_seed([21; 32]);
    let dev =
        |n: u8, rng: &mut ChaCha20Rng| DeviceSecret::generate(SUITE, DeviceId::new([n; 16]), rng);
    let ivy = UserId::new(*b"ivy-user-id-0001");
    let (laptop, phone, backup, escrow) = (
        dev(1, &mut rng),
        dev(2, &mut rng),
        dev(3, &mut rng),
        dev(4, &mut rng),
    );

    println!("1. The root: Ivy's laptop, her first per-user key, her address.");
    let gen1 = PukSecret::generate(SUITE, ivy, 1, &mut rng)?;
    let mut links = vec![identity::root(
        SUITE,
        ivy,
        &laptop,
        gen1.public(),
        &["ivy@example.com"],
        NOW,
    )?];
    let mut chain = ChainState::verify(&links)?;
    println!("   security code {}", chain.security_code());

    println!("2. The laptop approves the phone; the phone co-signs its own addition.");
    let link = signed(
        chain.propose_add_device(laptop.id(), phone.public(), None, NOW)?,
        &[&laptop, &phone],
    )?;
    chain = chain.extend(&[&link])?;
    links.push(link);
    let to_phone = wrap_seed(&gen1, ivy, phone.public(), &laptop, &mut rng)?;
    let phone_gen1 = open_seed_wrap(&to_phone, &phone, &chain, None)?;
    println!(
        "   the phone holds generation {} from an approver the chain lists",
        phone_gen1.puk.generation()
    );

    println!("3. A backup device, whose seed a recovery code gives (SPEC.md §7.4).");
    let link = signed(
        chain.propose_backup_device(laptop.id(), backup.public(), None, NOW)?,
        &[&laptop, &backup],
    )?;
    chain = chain.extend(&[&link])?;
    links.push(link);

    println!("4. Escrow on: the administrators' chain, and an escrow device they co-sign.");
    let admin = dev(0xea, &mut rng);
    let ea_group = UserId::new(*b"escrow-admins-01");
    let ea_puk = PukSecret::generate(SUITE, ea_group, 1, &mut rng)?;
    let ea_chain = ChainState::verify(&[identity::root(
        SUITE,
        ea_group,
        &admin,
        ea_puk.public(),
        &["escrow-admins@example.com"],
        NOW,
    )?])?;
    let context = EscrowContext {
        account: Fixed([0xac; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: ivy,
        member_address: "ivy@example.com",
        ea_chain: &ea_chain,
    };
    let terms = enrollment_terms(&context, admin.public())?;
    let link = signed(
        chain.propose_escrow_device(laptop.id(), escrow.public(), terms, None, NOW)?,
        &[&laptop, &escrow, &admin],
    )?;
    chain = chain.extend(&[&link])?;
    links.push(link);
    let enrollment = chain.escrow().ok_or("escrow should be on")?;
    enrollment.check_administrators(&ea_chain)?;
    println!(
        "   every client that reads Ivy's chain sees escrow on since link {}",
        enrollment.enabled_at
    );

    println!("5. The laptop revokes the phone, rotating Ivy's key in the same link.");
    let rotation = rotate(
        &chain,
        &laptop,
        RotationCause::Revoke(phone.id()),
        NOW,
        &mut rng,
    )?;
    chain = chain.extend(&[&rotation.link])?;
    links.push(rotation.link.clone());
    println!(
        "   generation {} wrapped to {} devices (not the phone); {} links; code {}",
        rotation.puk.generation(),
        rotation.wraps.len(),
        chain.tail().seq,
        chain.security_code()
    );
    // Bob's client has verified Ivy's chain up to here.
    let bobs_view = chain.clone();

    println!("\nAttacks:");
    let servers = dev(0x66, &mut rng);
    let newcomer = dev(0x77, &mut rng);

    // The server adds a device of its own, naming the laptop as approver.
    let mut draft = chain.propose_add_device(laptop.id(), servers.public(), None, NOW)?;
    draft.add_signature(laptop.id(), [0; 64])?;
    draft.sign(&servers)?;
    refused(
        "the server adds its own device to Ivy's chain",
        chain.extend(&[draft.finish()?]),
    )?;

    // The server serves Bob the chain as it was before the revocation.
    refused(
        "the server hides the phone's revocation from a client that saw it",
        bobs_view.update(&links[..4]),
    )?;

    // The server shows another client a different link 5 (another address list).
    let fork_link = ChainState::verify(&links[..4])?.server_addresses(&["ivy@evil.example"], NOW);
    let mut forked = links[..4].to_vec();
    forked.push(fork_link);
    println!(
        "  a forked view shows another security code: {}",
        ChainState::verify(&forked)?.security_code()
    );
    refused(
        "a forked chain served to a client that saw the real one",
        bobs_view.update(&forked),
    )?;

    // A link of another user's chain replayed into Ivy's.
    let other = UserId::new(*b"mallory-user-id1");
    let m1 = dev(0x90, &mut rng);
    let m_puk = PukSecret::generate(SUITE, other, 1, &mut rng)?;
    let m_chain = ChainState::verify(&[identity::root(
        SUITE,
        other,
        &m1,
        m_puk.public(),
        &["mallory@example.com"],
        NOW,
    )?])?;
    let m_link = signed(
        m_chain.propose_add_device(m1.id(), newcomer.public(), None, NOW)?,
        &[&m1, &newcomer],
    )?;
    refused(
        "a link from Mallory's chain replayed into Ivy's",
        chain.extend(&[m_link]),
    )?;

    // The thief who stole the phone approves a device of its own.
    refused(
        "the revoked phone approves a new device",
        chain.extend(&[signed(
            chain.propose_add_device(phone.id(), newcomer.public(), None, NOW)?,
            &[&phone, &newcomer],
        )?]),
    )?;

    // The backup and escrow devices may not approve devices.
    for (name, device) in [("backup", &backup), ("escrow", &escrow)] {
        refused(
            &format!("the {name} device approves a new device"),
            chain.extend(&[signed(
                chain.propose_add_device(device.id(), newcomer.public(), None, NOW)?,
                &[device, &newcomer],
            )?]),
        )?;
    }

    // An administrator (who holds the escrow device's seed) turns escrow off to hide it.
    let g3 = PukSecret::generate(SUITE, ivy, 3, &mut rng)?;
    refused(
        "the escrow device turns escrow off",
        chain.extend(&[signed(
            chain.propose_disable_escrow(escrow.id(), g3.public(), NOW)?,
            &[&escrow],
        )?]),
    )?;

    // Mail signed by the escrow device, or from an address that is not Ivy's.
    let as_device = |device: &'static str| -> Result<(), mailseal::Error> {
        let (d, address) = match device {
            "escrow" => (&escrow, "ivy@example.com"),
            _ => (&laptop, "ceo@example.com"),
        };
        let sender = SenderIdentity {
            address,
            puk: &rotation.puk,
            device: d,
            chain: &chain,
        };
        MailSealer::new(SUITE, sender, "<attack@example.com>", NOW).map(|_| ())
    };
    refused("Ivy's escrow device seals mail", as_device("escrow"))?;
    refused(
        "Ivy's laptop seals mail From ceo@example.com",
        as_device("ceo"),
    )?;

    // The revoked phone hands a seed of its choosing to a new device as "generation 2".
    let fake = PukSecret::generate(SUITE, ivy, 2, &mut rng)?;
    let wrap = wrap_seed(&fake, ivy, newcomer.public(), &phone, &mut rng)?;
    refused(
        "the revoked phone wraps a generation it never held",
        open_seed_wrap(&wrap, &newcomer, &chain, None),
    )?;

    println!("\nWhat a sender to Ivy is told before sending:");
    let bob = UserId::new(*b"bob-user-id-0001");
    let bob_dev = dev(0xb0, &mut rng);
    let bob_puk = PukSecret::generate(SUITE, bob, 1, &mut rng)?;
    let bob_chain = ChainState::verify(&[identity::root(
        SUITE,
        bob,
        &bob_dev,
        bob_puk.public(),
        &["bob@example.com"],
        NOW,
    )?])?;
    let sender = SenderState {
        chain: Some(&bob_chain),
        device: bob_dev.id(),
        server: None,
    };
    let to_ivy = PlannedRecipient {
        address: "ivy@example.com".into(),
        kind: RecipientKind::To,
        entry: DirectoryEntry::User(&bobs_view),
    };
    match plan(&sender, &[to_ivy], MailContext::Personal) {
        Plan::E2e { notes, .. } => println!("  E2E, with notes: {notes:?}"),
        other => return Err(format!("expected E2E, got {other:?}").into()),
    }
    println!(
        "  Bob and Ivy compare the pair code {}",
        pair_security_code(&bob_chain, &chain)
    );
    Ok(())
}
