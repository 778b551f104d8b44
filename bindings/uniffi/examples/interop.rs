//! The Rust side of the Python interop test (`tests/python/test_interop.py`): mail sealed by
//! the crate in Rust and opened through the Python bindings, and the reverse. The two sides
//! share a folder of plain files:
//!
//! | file | what |
//! |---|---|
//! | `suite` | `xwing` or `x25519` |
//! | `alice.chain`, `bob.chain` | each user's chain as one segment (SPEC.md §12.2) |
//! | `bob.puk` | the 32-byte seed of Bob's PUK, generation 1 (the reader's secret) |
//! | `envelope` | the sealed envelope |
//! | `piece-N`, `plain-N` | each piece's ciphertext and its expected plaintext |
//!
//! `cargo run -p mailseal-uniffi --example interop -- seal <dir> <suite>` writes a mail from
//! Alice to Bob (a body and a 300 kB attachment); `... -- open <dir>` opens Bob's copy,
//! checks every piece and the footer, and prints one `opened: …` line (exit status 1 on any
//! failure).
//!
//! `... -- piece <suite> <purpose label> <key> <nonce> <length>` writes to standard output
//! the piece a vector of `test-vectors/piece*.json` names (hex key and nonce, the pattern
//! plaintext of that length), sealed under its published nonce with the crate's `hazmat`
//! entry point: the bindings have no way to choose a nonce, so the Python vector test gets
//! those ciphertexts from here and opens them through the bindings.

use std::error::Error;
use std::fs;
use std::io::Write;
use std::path::Path;

use mailseal::Suite;
use mailseal::identity::{self, ChainState};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, PukSeed, UserId};
use mailseal::mail::{footer, open, seal, server};
use mailseal::piece;
use rand_core::SeedableRng;

type Outcome<T> = Result<T, Box<dyn Error>>;

const NOW: u64 = 1_764_374_400;

/// `xwing` or `x25519`, as the Python test names them.
fn parse_suite(name: &str) -> Outcome<Suite> {
    match name {
        "x25519" => Ok(Suite::X25519),
        "xwing" => Suite::ALL
            .into_iter()
            .find(|s| *s != Suite::X25519)
            .ok_or_else(|| "this build has no X-Wing".into()),
        other => Err(format!("unknown suite {other}").into()),
    }
}

struct Party {
    puk: PukSecret,
    device: DeviceSecret,
    root: Vec<u8>,
    chain: ChainState,
}

/// User `n` with seeds derived from `n` and a root-only chain naming `address`.
fn party(suite: Suite, n: u8, address: &str) -> Outcome<Party> {
    let user = UserId::new([n; 16]);
    let puk = PukSecret::derive(suite, user, 1, PukSeed::from_bytes([n.wrapping_mul(3); 32]))?;
    let device = DeviceSecret::from_seed(suite, DeviceId::new([n | 0x80; 16]), &[n ^ 0x3c; 32]);
    let root = identity::root(suite, user, &device, puk.public(), &[address], NOW)?;
    let chain = ChainState::verify(&[&root])?;
    Ok(Party {
        puk,
        device,
        root,
        chain,
    })
}

fn seal_mail(dir: &Path, suite_name: &str) -> Outcome<()> {
    let suite = parse_suite(suite_name)?;
    let alice = party(suite, 1, "alice@example.com")?;
    let bob = party(suite, 2, "bob@example.com")?;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([42; 32]);
    let sender = seal::SenderIdentity {
        address: "alice@example.com",
        puk: &alice.puk,
        device: &alice.device,
        chain: &alice.chain,
    };
    let mut mail = seal::MailSealer::new(suite, sender, "<from-rust@example.com>", NOW)?.to(
        seal::RecipientKey::from_chain("bob@example.com", &bob.chain)?,
    );
    let plains: [Vec<u8>; 2] = [
        b"Subject: from Rust\r\n\r\nSealed by the crate.".to_vec(),
        (0..300_000u32).map(|i| (i % 251) as u8).collect(),
    ];
    for (i, plain) in plains.iter().enumerate() {
        fs::write(
            dir.join(format!("piece-{i}")),
            mail.add_piece(plain, &mut rng)?,
        )?;
        fs::write(dir.join(format!("plain-{i}")), plain)?;
    }
    fs::write(dir.join("envelope"), mail.seal(&mut rng)?)?;
    fs::write(dir.join("suite"), suite_name)?;
    fs::write(
        dir.join("alice.chain"),
        identity::encode_segment(&[&alice.root]),
    )?;
    fs::write(
        dir.join("bob.chain"),
        identity::encode_segment(&[&bob.root]),
    )?;
    fs::write(dir.join("bob.puk"), bob.puk.seed().expose_secret())?;
    println!(
        "sealed: {} pieces to bob@example.com ({suite_name})",
        plains.len()
    );
    Ok(())
}

fn open_mail(dir: &Path) -> Outcome<()> {
    let read = |name: &str| fs::read(dir.join(name));
    let suite = parse_suite(String::from_utf8(read("suite")?)?.trim())?;
    let alice = ChainState::verify_segment(&read("alice.chain")?)?;
    let bob = ChainState::verify_segment(&read("bob.chain")?)?;
    let seed: [u8; 32] = read("bob.puk")?
        .try_into()
        .map_err(|_| "bob.puk must be 32 bytes")?;
    let puk = PukSecret::derive(suite, bob.user(), 1, PukSeed::from_bytes(seed))?;
    let copies = server::split_envelope(&read("envelope")?)?;
    let mine = copies
        .iter()
        .find(|c| c.user == bob.user())
        .ok_or("the envelope has no copy for Bob")?;
    let opened = open::open_copy(
        &mine.copy,
        &open::Mailbox::new(&bob, [&puk]).without_key_transparency(),
        &[&alice],
    )?;
    for i in 0..opened.piece_count() {
        if opened.open_piece(i, &read(&format!("piece-{i}"))?)? != read(&format!("plain-{i}"))? {
            return Err(format!("piece {i} is not plain-{i}").into());
        }
    }
    let verdict = footer::classify(&opened, true);
    if verdict.footer != footer::Footer::E2eEncrypted {
        return Err(format!("footer {} ({:?})", verdict.footer, verdict.reasons).into());
    }
    println!(
        "opened: {} pieces from {} ({}), footer \"{}\"",
        opened.piece_count(),
        opened.header().sender.address,
        opened.sender_status().code(),
        verdict.footer
    );
    Ok(())
}

/// A piece under a published nonce, to standard output.
fn seal_piece(suite: &str, purpose: &str, key: &str, nonce: &str, len: &str) -> Outcome<()> {
    let purpose = [
        piece::Purpose::MailPiece,
        piece::Purpose::Manifest,
        piece::Purpose::UserData,
        piece::Purpose::SenderRecord,
        piece::Purpose::LinkBox,
        piece::Purpose::SelfBox,
    ]
    .into_iter()
    .find(|p| p.label() == purpose.as_bytes())
    .ok_or("unknown purpose")?;
    let plaintext: Vec<u8> = (0..len.parse::<u32>()?).map(|i| (i % 251) as u8).collect();
    let sealed = mailseal::hazmat::seal_piece_with_nonce(
        parse_suite(suite)?,
        purpose,
        &piece::PieceKey::from_bytes(unhex32(key)?),
        piece::PieceNonce(unhex32(nonce)?),
        &plaintext,
    )?;
    std::io::stdout().write_all(&sealed.ciphertext)?;
    Ok(())
}

fn unhex32(text: &str) -> Outcome<[u8; 32]> {
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2).ok_or("odd hex")?, 16).map_err(Into::into))
        .collect::<Outcome<Vec<u8>>>()?;
    bytes.try_into().map_err(|_| "not 32 bytes".into())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["seal", dir, suite] => seal_mail(Path::new(dir), suite),
        ["open", dir] => open_mail(Path::new(dir)),
        ["piece", suite, purpose, key, nonce, len] => seal_piece(suite, purpose, key, nonce, len),
        _ => Err(
            "usage: interop seal <dir> <xwing|x25519> | open <dir> | piece <suite> <purpose> <key> <nonce> <length>"
                .into(),
        ),
    };
    if let Err(e) = outcome {
        eprintln!("interop: {e}");
        std::process::exit(1);
    }
}
