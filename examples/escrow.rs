//! The per-user-key and escrow lifecycle, printing what each party can and cannot read.
//!
//! Uma has devices D1 and D2. She receives mail; D1 approves a new device D3, which reads it;
//! D2 is revoked and her PUK rotates; mail sent after that is out of D2's reach. Her account
//! (on its own domain) turns escrow on. She loses D1 and D3; an escrow administrator recovers
//! her onto D4, which reads all her old mail; the administrator reads one mail for legal
//! discovery. Escrow is turned off, and the administrator cannot read mail sent afterwards.
//!
//! Run with `cargo run --example escrow`.

use mailseal::Suite;
use mailseal::account::devices::{
    open_seed_wrap, open_seed_wraps, rotate, wrap_seed, wrap_seed_cosigned, wrap_seeds,
};
use mailseal::account::escrow::{
    AccountDomain, EscrowContext, enrollment_record, open_escrow_wrap, verify_enrollment,
    wrap_escrow_device,
};
use mailseal::keys::{DeviceId, DeviceSecret, DeviceStatus, PukSecret, PukSeed, UserId};
use mailseal::mail::open::{Mailbox, VouchedDevice, open_copy};
use mailseal::mail::seal::{Message, RecipientKey, SenderIdentity, seal_mail};
use mailseal::mail::server::split_envelope;
use mailseal::wire::Fixed;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SUITE: Suite = Suite::XWing;

struct Mail {
    name: &'static str,
    copy: Vec<u8>,
    body: Vec<u8>,
}

fn vouch(user: UserId, d: &DeviceSecret, status: DeviceStatus) -> VouchedDevice {
    VouchedDevice {
        user,
        device: d.id(),
        verifying_key: d.public().verifying_key,
        status,
    }
}

fn copy_of(p: &PukSecret) -> PukSecret {
    let seed = PukSeed::from_bytes(*p.seed().expose_secret());
    PukSecret::derive(p.suite(), p.public().user, p.generation(), seed).expect("derive")
}

/// Can someone holding `puks` read `mail`? Prints and returns the answer.
fn try_read(
    who: &str,
    mail: &Mail,
    uma: &UserId,
    puks: &[PukSecret],
    sender: &VouchedDevice,
) -> bool {
    let text = open_copy(
        &mail.copy,
        &Mailbox::new(*uma, puks),
        std::slice::from_ref(sender),
    )
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

    // Alice sends Uma mail throughout.
    let alice = UserId::new([0xa1; 16]);
    let alice_puk = PukSecret::generate(SUITE, alice, 1, &mut rng)?;
    let alice_dev = dev(0xa1, &mut rng);
    let alice_vouched = vouch(alice, &alice_dev, DeviceStatus::Active);
    let send = |name: &'static str, text: &'static [u8], to: &PukSecret, rng: &mut ChaCha20Rng| {
        let msg = Message {
            message_id: format!("<{name}@example.com>"),
            timestamp: 1_764_374_400,
            to: vec![RecipientKey::new("uma@example.com", to.public().clone())],
            pieces: vec![text],
            ..Message::default()
        };
        let sender = SenderIdentity {
            address: "alice@example.com",
            puk: &alice_puk,
            device: &alice_dev,
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
    let mut directory = vec![
        vouch(uma, &d1, DeviceStatus::Active),
        vouch(uma, &d2, DeviceStatus::Active),
    ];

    println!("1. Uma has D1 and D2 sharing PUK generation 1; Alice sends mail 1.");
    let gen1 = PukSecret::generate(SUITE, uma, 1, &mut rng)?;
    let to_d2 = wrap_seed(&gen1, uma, d2.public(), &d1, &mut rng)?;
    let d2_puks = vec![open_seed_wrap(&to_d2, &d2, &uma, &directory)?.puk];
    let mut d1_puks = vec![gen1];
    let mail1 = send("mail 1", b"the Q3 numbers", &d1_puks[0], &mut rng);
    try_read("D1", &mail1, &uma, &d1_puks, &alice_vouched);
    try_read("D2", &mail1, &uma, &d2_puks, &alice_vouched);

    println!("2. D1 approves D3 with every generation it holds.");
    directory.push(vouch(uma, &d3, DeviceStatus::Active));
    let batch = wrap_seeds(&d1_puks, uma, d3.public(), &d1, &mut rng)?;
    let mut d3_puks: Vec<PukSecret> = open_seed_wraps(&batch, &d3, &uma, &directory)?
        .into_iter()
        .map(|s| s.puk)
        .collect();
    try_read("D3", &mail1, &uma, &d3_puks, &alice_vouched);

    println!(
        "3. D2 is revoked; the PUK rotates to generation 2 for D1 and D3 only; Alice sends mail 2."
    );
    directory[1].status = DeviceStatus::Revoked;
    let devices = [
        (d1.public().clone(), DeviceStatus::Active),
        (d2.public().clone(), DeviceStatus::Revoked),
        (d3.public().clone(), DeviceStatus::Active),
    ];
    let rotation = rotate(SUITE, uma, 1, &devices, &d1, &mut rng)?;
    for (id, wrap) in &rotation.wraps {
        if *id == d3.id() {
            d3_puks.push(open_seed_wrap(wrap, &d3, &uma, &directory)?.puk);
        }
    }
    d1_puks.push(rotation.puk);
    let mail2 = send("mail 2", b"the reorg plan", &d1_puks[1], &mut rng);
    try_read("D3", &mail2, &uma, &d3_puks, &alice_vouched);
    try_read("D2 (revoked)", &mail2, &uma, &d2_puks, &alice_vouched);

    println!("4. The account (custom domain example.com) turns escrow on for Uma.");
    let ea_group = UserId::new([0xea; 16]);
    let ea_device = dev(0xe0, &mut rng);
    let ea_puks = vec![PukSecret::generate(SUITE, ea_group, 1, &mut rng)?];
    let ctx = EscrowContext {
        account: Fixed([0xac; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: uma,
        member_address: "uma@example.com",
        ea_group: ea_puks[0].public(),
    };
    let shared = EscrowContext {
        domain: AccountDomain::Shared("zmail.com"),
        ..ctx.clone()
    };
    let escrow_dev = dev(0xee, &mut rng);
    if let Err(e) = wrap_escrow_device(&shared, &escrow_dev, &d1, &mut rng) {
        println!("  escrow on the shared domain zmail.com is refused ({e})");
    }
    let escrow_wrap = wrap_escrow_device(&ctx, &escrow_dev, &d1, &mut rng)?;
    let record = enrollment_record(&ctx, escrow_dev.public(), true, 1_764_374_400, &d1)?;
    let disclosure = verify_enrollment(&record, "uma@example.com", &directory)?;
    println!(
        "  disclosure any client can verify: mailbox escrowed = {}, domain {}, EA group {:?} (generation {})",
        disclosure.enabled, disclosure.domain, disclosure.ea_group, disclosure.ea_generation
    );
    directory.push(vouch(uma, &escrow_dev, DeviceStatus::Active));
    let to_escrow = wrap_seeds(&d1_puks, uma, escrow_dev.public(), &d1, &mut rng)?;

    println!("5. Uma loses D1 and D3. An escrow administrator recovers her onto D4.");
    let unlocked = open_escrow_wrap(&escrow_wrap, &ea_puks, &directory)?;
    let seeds = open_seed_wraps(&to_escrow, &unlocked, &uma, &directory)?;
    let mut d4_directory = directory.clone();
    d4_directory.push(vouch(ea_group, &ea_device, DeviceStatus::Active));
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
        let got = open_seed_wrap(&rewrap, &d4, &uma, &d4_directory)?;
        println!(
            "  D4 received generation {} from the escrow device, co-signed by EA device {:?}",
            got.puk.generation(),
            got.cosigner.as_ref().map(|c| c.device)
        );
        d4_puks.push(got.puk);
    }
    try_read("D4", &mail1, &uma, &d4_puks, &alice_vouched);
    try_read("D4", &mail2, &uma, &d4_puks, &alice_vouched);

    println!("6. Legal discovery: the administrator reads mail 2 without Uma.");
    let ea_view: Vec<PukSecret> = seeds.iter().map(|s| copy_of(&s.puk)).collect();
    try_read(
        "escrow administrator",
        &mail2,
        &uma,
        &ea_view,
        &alice_vouched,
    );

    println!("7. Escrow is turned off: a new record, the escrow device revoked, the PUK rotated.");
    let off = enrollment_record(&ctx, escrow_dev.public(), false, 1_764_460_800, &d4)?;
    let mut directory = d4_directory;
    directory.push(vouch(uma, &d4, DeviceStatus::Active));
    println!(
        "  disclosure now: mailbox escrowed = {}",
        verify_enrollment(&off, "uma@example.com", &directory)?.enabled
    );
    let devices = [
        (d4.public().clone(), DeviceStatus::Active),
        (escrow_dev.public().clone(), DeviceStatus::Revoked),
    ];
    let rotation = rotate(SUITE, uma, 2, &devices, &d4, &mut rng)?;
    let mail3 = send("mail 3", b"after escrow", &rotation.puk, &mut rng);
    d4_puks.push(rotation.puk);
    try_read("D4", &mail3, &uma, &d4_puks, &alice_vouched);
    let ea_reads = try_read(
        "escrow administrator",
        &mail3,
        &uma,
        &ea_view,
        &alice_vouched,
    );
    assert!(
        !ea_reads,
        "escrow off: later mail must be out of the administrators' reach"
    );
    Ok(())
}
