//! The per-user-key and escrow lifecycle on Uma's chain, printing what each party can and
//! cannot read.
//!
//! Uma has devices D1 and D2. She receives mail; D1 approves a new device D3 in her chain,
//! and D3 reads it; D1 revokes D2, rotating her PUK in the same link, so mail sent after that
//! is out of D2's reach. Her account (on its own domain) turns escrow on: an escrow device
//! joins her chain, co-signed by an escrow administrator, and every client that reads her
//! chain sees it. She loses D1 and D3; an administrator recovers her onto D4, which reads all
//! her old mail; the administrator reads one mail for legal discovery. Escrow is turned off,
//! and the administrator cannot read mail sent afterwards.
//!
//! Run with `cargo run --example escrow`.

use mailseal::Suite;
use mailseal::account::devices::{
    RotationCause, open_seed_wrap, open_seed_wraps, rotate, wrap_seed, wrap_seed_cosigned,
    wrap_seeds,
};
use mailseal::account::escrow::{
    AccountDomain, EscrowContext, enrollment_terms, open_escrow_wrap, wrap_escrow_device,
};
use mailseal::identity::{self, ChainState, LinkDraft, RecoveryCosigner};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, PukSeed, UserId};
use mailseal::mail::open::{Mailbox, open_copy};
use mailseal::mail::seal::{Message, RecipientKey, SenderIdentity, seal_mail};
use mailseal::mail::server::split_envelope;
use mailseal::wire::Fixed;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SUITE: Suite = Suite::XWing;
const NOW: u64 = 1_764_374_400;

struct Mail {
    name: &'static str,
    copy: Vec<u8>,
    body: Vec<u8>,
}

fn copy_of(p: &PukSecret) -> PukSecret {
    let seed = PukSeed::from_bytes(*p.seed().expose_secret());
    PukSecret::derive(p.suite(), p.public().user, p.generation(), seed).expect("derive")
}

/// Signs a draft with every device it needs and appends it to `chain`.
fn append(
    chain: &ChainState,
    mut draft: LinkDraft,
    by: &[&DeviceSecret],
) -> Result<ChainState, mailseal::Error> {
    for d in by {
        draft.sign(d)?;
    }
    chain.extend(&[draft.finish()?])
}

/// Can someone holding `puks` read `mail` in Uma's mailbox? Prints and returns the answer.
fn try_read(
    who: &str,
    mail: &Mail,
    uma: &ChainState,
    puks: &[PukSecret],
    alice: &ChainState,
) -> bool {
    let text = open_copy(&mail.copy, &Mailbox::new(uma, puks), &[alice])
        .and_then(|opened| opened.open_piece(0, &mail.body));
    match text {
        Ok(t) => {
            println!(
                "  {who:<28} reads {}: {:?}",
                mail.name,
                String::from_utf8_lossy(&t)
            );
            true
        }
        Err(e) => {
            println!("  {who:<28} cannot read {} ({e})", mail.name);
            false
        }
    }
}

fn main() -> Result<(), mailseal::Error> {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let dev =
        |n: u8, rng: &mut ChaCha20Rng| DeviceSecret::generate(SUITE, DeviceId::new([n; 16]), rng);

    // Alice sends Uma mail throughout, to the key Uma's chain names at the time.
    let alice = UserId::new([0xa1; 16]);
    let alice_puk = PukSecret::generate(SUITE, alice, 1, &mut rng)?;
    let alice_dev = dev(0xa1, &mut rng);
    let alice_chain = ChainState::verify(&[identity::root(
        SUITE,
        alice,
        &alice_dev,
        alice_puk.public(),
        &["alice@example.com"],
        NOW,
    )?])?;
    let send =
        |name: &'static str, text: &'static [u8], uma: &ChainState, rng: &mut ChaCha20Rng| {
            let msg = Message {
                message_id: format!("<{name}@example.com>"),
                timestamp: NOW,
                to: vec![RecipientKey::from_chain("uma@example.com", uma).expect("key")],
                pieces: vec![text],
                ..Message::default()
            };
            let sender = SenderIdentity {
                address: "alice@example.com",
                puk: &alice_puk,
                device: &alice_dev,
                chain: &alice_chain,
            };
            let sealed = seal_mail(SUITE, sender, &msg, rng).expect("seal");
            let copy = split_envelope(&sealed.envelope)
                .expect("split")
                .remove(1)
                .copy;
            Mail {
                name,
                copy,
                body: sealed.pieces.into_iter().next().expect("body"),
            }
        };

    let uma = UserId::new([0x55; 16]);
    let (d1, d2, d3, d4) = (
        dev(1, &mut rng),
        dev(2, &mut rng),
        dev(3, &mut rng),
        dev(4, &mut rng),
    );

    println!(
        "1. Uma's chain: D1 (root) approves D2; they share PUK generation 1; Alice sends mail 1."
    );
    let gen1 = PukSecret::generate(SUITE, uma, 1, &mut rng)?;
    let root = identity::root(SUITE, uma, &d1, gen1.public(), &["uma@example.com"], NOW)?;
    let chain = ChainState::verify(&[root])?;
    let chain = append(
        &chain,
        chain.propose_add_device(d1.id(), d2.public(), None, NOW)?,
        &[&d1, &d2],
    )?;
    let to_d2 = wrap_seed(&gen1, uma, d2.public(), &d1, &mut rng)?;
    let d2_puks = vec![open_seed_wrap(&to_d2, &d2, &chain, None)?.puk];
    let mut d1_puks = vec![gen1];
    let mail1 = send("mail 1", b"the Q3 numbers", &chain, &mut rng);
    try_read("D1", &mail1, &chain, &d1_puks, &alice_chain);
    try_read("D2", &mail1, &chain, &d2_puks, &alice_chain);

    println!("2. D1 approves D3 in the chain and hands it every generation it holds.");
    let chain = append(
        &chain,
        chain.propose_add_device(d1.id(), d3.public(), None, NOW)?,
        &[&d1, &d3],
    )?;
    let batch = wrap_seeds(&d1_puks, uma, d3.public(), &d1, &mut rng)?;
    let mut d3_puks: Vec<PukSecret> = open_seed_wraps(&batch, &d3, &chain, None)?
        .into_iter()
        .map(|s| s.puk)
        .collect();
    try_read("D3", &mail1, &chain, &d3_puks, &alice_chain);

    println!(
        "3. D1 revokes D2; the same link rotates the PUK to generation 2, wrapped to D1 and D3 only."
    );
    let rotation = rotate(&chain, &d1, RotationCause::Revoke(d2.id()), NOW, &mut rng)?;
    let chain = chain.extend(&[&rotation.link])?;
    for (id, wrap) in &rotation.wraps {
        if *id == d3.id() {
            d3_puks.push(open_seed_wrap(wrap, &d3, &chain, None)?.puk);
        }
    }
    d1_puks.push(rotation.puk);
    let mail2 = send("mail 2", b"the reorg plan", &chain, &mut rng);
    try_read("D3", &mail2, &chain, &d3_puks, &alice_chain);
    try_read("D2 (revoked)", &mail2, &chain, &d2_puks, &alice_chain);

    println!("4. The account (custom domain example.com) turns escrow on for Uma.");
    let ea_group = UserId::new([0xea; 16]);
    let ea_device = dev(0xe0, &mut rng);
    let ea_puks = vec![PukSecret::generate(SUITE, ea_group, 1, &mut rng)?];
    let ea_chain = ChainState::verify(&[identity::root(
        SUITE,
        ea_group,
        &ea_device,
        ea_puks[0].public(),
        &["admins@example.com"],
        NOW,
    )?])?;
    let ctx = EscrowContext {
        account: Fixed([0xac; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: uma,
        member_address: "uma@example.com",
        ea_chain: &ea_chain,
    };
    let shared = EscrowContext {
        domain: AccountDomain::Shared("zmail.com"),
        ..ctx.clone()
    };
    let escrow_dev = dev(0xee, &mut rng);
    if let Err(e) = wrap_escrow_device(&shared, &escrow_dev, &d1, &mut rng) {
        println!("  escrow on the shared domain zmail.com is refused ({e})");
    }
    let terms = enrollment_terms(&ctx, ea_device.public())?;
    let chain = append(
        &chain,
        chain.propose_escrow_device(d1.id(), escrow_dev.public(), terms, None, NOW)?,
        &[&d1, &escrow_dev, &ea_device],
    )?;
    let enrolled = chain.escrow().expect("escrow on");
    enrolled.check_administrators(&ea_chain)?;
    println!(
        "  Uma's chain discloses it to every client: domain {}, EA group {:?} (generation {}), since link {}",
        enrolled.terms.domain,
        enrolled.terms.ea_group,
        enrolled.terms.ea_generation,
        enrolled.enabled_at
    );
    let escrow_wrap = wrap_escrow_device(&ctx, &escrow_dev, &d1, &mut rng)?;
    let to_escrow = wrap_seeds(&d1_puks, uma, escrow_dev.public(), &d1, &mut rng)?;

    println!(
        "5. Uma loses D1 and D3 (revoked on the web page). An administrator recovers her onto D4."
    );
    let chain = chain.extend(&[chain.server_revoke(d1.id(), NOW)])?;
    let chain = chain.extend(&[chain.server_revoke(d3.id(), NOW)])?;
    let unlocked = open_escrow_wrap(&escrow_wrap, &ea_puks, &chain)?;
    let seeds = open_seed_wraps(&to_escrow, &unlocked, &chain, None)?;
    let gen3 = PukSecret::generate(SUITE, uma, 3, &mut rng)?;
    let cosigner = RecoveryCosigner {
        device: ea_device.id(),
        key: ea_device.public().verifying_key,
        ea_chain: ea_chain.tail(),
    };
    let chain = append(
        &chain,
        chain.propose_recovery(
            escrow_dev.id(),
            d4.public(),
            Some(cosigner),
            gen3.public(),
            NOW,
        )?,
        &[&unlocked, &d4, &ea_device],
    )?;
    let mut d4_puks = Vec::new();
    for s in &seeds {
        let rewrap = wrap_seed_cosigned(
            &s.puk,
            uma,
            d4.public(),
            &unlocked,
            ea_group,
            &ea_device,
            &mut rng,
        )?;
        let got = open_seed_wrap(&rewrap, &d4, &chain, Some(&ea_chain))?;
        println!(
            "  D4 received generation {} from the escrow device, co-signed by EA device {:?}",
            got.puk.generation(),
            got.cosigner.as_ref().map(|c| c.public.id)
        );
        d4_puks.push(got.puk);
    }
    d4_puks.push(gen3);
    try_read("D4", &mail1, &chain, &d4_puks, &alice_chain);
    try_read("D4", &mail2, &chain, &d4_puks, &alice_chain);

    println!("6. Legal discovery: the administrator reads mail 2 without Uma.");
    let ea_view: Vec<PukSecret> = seeds.iter().map(|s| copy_of(&s.puk)).collect();
    try_read(
        "escrow administrator",
        &mail2,
        &chain,
        &ea_view,
        &alice_chain,
    );

    println!("7. D4 turns escrow off: one link revokes the escrow device and rotates the PUK.");
    let rotation = rotate(&chain, &d4, RotationCause::DisableEscrow, NOW, &mut rng)?;
    let chain = chain.extend(&[&rotation.link])?;
    println!("  mailbox escrowed now: {}", chain.escrow().is_some());
    let mail3 = send("mail 3", b"after escrow", &chain, &mut rng);
    d4_puks.push(rotation.puk);
    try_read("D4", &mail3, &chain, &d4_puks, &alice_chain);
    let ea_reads = try_read(
        "escrow administrator",
        &mail3,
        &chain,
        &ea_view,
        &alice_chain,
    );
    assert!(
        !ea_reads,
        "escrow off: later mail must be out of the administrators' reach"
    );
    Ok(())
}
