//! Key transparency (SPEC.md §14), run in memory: a service publishes its users' chains in a
//! log, three witnesses cosign, and clients that need two cosignatures catch the service
//! showing a forged chain, rolling a client back, or adding a device behind a user's back.
//!
//! ```text
//! cargo run --example transparency
//! ```

use mailseal::identity::{self, ChainState};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use mailseal::mail::footer::classify;
use mailseal::mail::open::{Mailbox, open_copy};
use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use mailseal::mail::server::split_envelope;
use mailseal::transparency::log::{MemoryLog, MemoryWitness};
use mailseal::transparency::{LogPolicy, PublishedChains, TransparencyView};
use mailseal::{Error, Suite};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SUITE: Suite = Suite::XWing;
const ORIGIN: &str = "mail.example.com/log";
const NOW: u64 = 1_764_374_400;

struct User {
    id: UserId,
    address: String,
    puk: PukSecret,
    device: DeviceSecret,
    links: Vec<Vec<u8>>,
    chain: ChainState,
}

impl User {
    fn new(n: u8, name: &str, rng: &mut ChaCha20Rng) -> Result<User, Error> {
        let id = UserId::new([n; 16]);
        let address = format!("{name}@example.com");
        let puk = PukSecret::generate(SUITE, id, 1, rng)?;
        let device = DeviceSecret::generate(SUITE, DeviceId::new([n; 16]), rng);
        let root = identity::root(SUITE, id, &device, puk.public(), &[&address], NOW)?;
        let chain = ChainState::verify(&[&root])?;
        Ok(User {
            id,
            address,
            puk,
            device,
            links: vec![root],
            chain,
        })
    }
}

/// The log's checkpoint cosigned by every witness that agrees it extends what it saw.
fn witnessed(log: &MemoryLog, witnesses: &mut [MemoryWitness], time: u64) -> Vec<u8> {
    let mut note = log.checkpoint();
    for w in witnesses {
        match w.cosign(&note, &log.consistency_from(w.size()), time) {
            Ok(cosigned) => note = cosigned,
            Err(e) => println!("   witness refuses: {e}"),
        }
    }
    note
}

fn main() -> Result<(), Error> {
    let mut rng = ChaCha20Rng::from_seed([14; 32]);
    let mut alice = User::new(1, "alice", &mut rng)?;
    let bob = User::new(2, "bob", &mut rng)?;
    let mut log = MemoryLog::new(ORIGIN, [0x10; 32])?;
    let mut witnesses = (0..3)
        .map(|i| {
            MemoryWitness::new(
                &format!("witness{i}.example.org"),
                [0x20 + i; 32],
                ORIGIN,
                log.verifying_key(),
            )
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let policy = LogPolicy::new(
        ORIGIN,
        log.verifying_key(),
        witnesses.iter().map(MemoryWitness::identity).collect(),
        2,
    )?;

    println!("1. The service publishes Alice's and Bob's chains; the witnesses cosign.");
    let alice_at = log.publish(&alice.chain)?;
    log.publish(&bob.chain)?;
    let first = witnessed(&log, &mut witnesses, NOW);
    let mut bobs_view = TransparencyView::new(policy.clone());
    let held = bobs_view.update(&first, &[])?;
    println!(
        "   Bob's client holds checkpoint {} with {} entries",
        hex(&held.root[..8]),
        held.size
    );

    println!(
        "2. Bob's client trusts Alice's chain only with its proof, and reads her mail as E2E."
    );
    let mut directory = PublishedChains::new();
    directory.add_published(
        &bobs_view,
        alice.chain.clone(),
        alice_at,
        &log.entry(alice_at)?,
        &log.inclusion(alice_at)?,
    )?;
    let sender = SenderIdentity {
        address: &alice.address,
        puk: &alice.puk,
        device: &alice.device,
        chain: &alice.chain,
    };
    let mut mail = MailSealer::new(SUITE, sender, "<kt@example.com>", NOW)?
        .to(RecipientKey::from_chain(bob.address.clone(), &bob.chain)?);
    mail.add_piece(b"Subject: hi\r\n\r\nHello Bob", &mut rng)?;
    let envelope = mail.seal(&mut rng)?;
    let copy = split_envelope(&envelope)?
        .into_iter()
        .find(|c| c.user == bob.id)
        .map(|c| c.copy)
        .unwrap_or_default();
    let mailbox = Mailbox::new(&bob.chain, [&bob.puk]);
    let opened = open_copy(&copy, &mailbox, &directory)?;
    println!("   footer: {}", classify(&opened, true).footer);

    println!("3. The service shows Bob a forged chain for Alice (a device of its own).");
    let mut forged_rng = ChaCha20Rng::from_seed([66; 32]);
    let forged = User::new(1, "alice", &mut forged_rng)?;
    let mut split = MemoryLog::new(ORIGIN, [0x10; 32])?;
    split.publish(&forged.chain)?;
    let split_note = witnessed(&split, &mut witnesses, NOW + 60);
    println!(
        "   Bob's client: {}",
        bobs_view
            .update(&split_note, &[])
            .err()
            .map_or("accepted (a bug)".into(), |e| e.to_string())
    );
    println!(
        "   its proof from the split log against Bob's checkpoint: {}",
        bobs_view
            .verify_published(&forged.chain, 0, &split.entry(0)?, &split.inclusion(0)?)
            .err()
            .map_or("accepted (a bug)".into(), |e| e.to_string())
    );
    let mut unproven = PublishedChains::new();
    unproven.add_unpublished(forged.chain.clone())?;
    println!(
        "   Alice's mail opened with the forged chain as hers: {}",
        {
            let opened = open_copy(&copy, &mailbox, &unproven);
            opened.map_or_else(
                |e| e.to_string(),
                |o| {
                    let c = classify(&o, true);
                    format!(
                        "{} ({})",
                        c.footer,
                        c.reasons
                            .iter()
                            .map(|r| r.to_string())
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                },
            )
        }
    );

    println!(
        "4. Someone adds a device to Alice's chain with her stolen laptop; the log publishes it."
    );
    let intruder = DeviceSecret::generate(SUITE, DeviceId::new([0x66; 16]), &mut rng);
    let draft =
        alice
            .chain
            .propose_add_device(alice.device.id(), intruder.public(), None, NOW + 120)?;
    let link = signed(draft, &[&alice.device, &intruder])?;
    let alices_client_view = alice.chain.clone();
    alice.links.push(link);
    alice.chain = ChainState::verify(&alice.links)?;
    log.publish(&alice.chain)?;
    let second = witnessed(&log, &mut witnesses, NOW + 180);
    let mut alices_view = TransparencyView::new(policy.clone());
    alices_view.update(&second, &[])?;
    let finding = alices_view.monitor(&alices_client_view, &log.history(&alice.id)?)?;
    println!("   Alice's client monitoring her own entries finds: {finding:?}");
    let updated = alices_client_view.update(&alice.links)?;
    let new_devices: Vec<_> = updated
        .devices()
        .iter()
        .filter(|d| alices_client_view.device(&d.public.id).is_none())
        .map(|d| d.public.id.to_string())
        .collect();
    println!("   devices she did not add: {new_devices:?} (an alarm to show her)");

    println!("5. The service tries to roll Bob's client back to the first checkpoint.");
    bobs_view.update(&second, &log.consistency_from(held.size))?;
    println!(
        "   Bob's client: {}",
        bobs_view
            .update(&first, &[])
            .err()
            .map_or("accepted (a bug)".into(), |e| e.to_string())
    );
    Ok(())
}

fn signed(mut draft: identity::LinkDraft, by: &[&DeviceSecret]) -> Result<Vec<u8>, Error> {
    for d in by {
        draft.sign(d)?;
    }
    draft.finish()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
