//! Mail across the language boundary: sealed by the Rust crate and opened by the JavaScript
//! package, and the reverse. The Node test `test/interop.test.mjs` runs it; the two sides
//! exchange plain files in a directory:
//!
//! | file | what |
//! |---|---|
//! | `suite` | `xwing` or `x25519` |
//! | `alice.chain`, `bob.chain` | each user's chain as one segment (SPEC.md §12.2) |
//! | `bob.puk` | the 32-byte seed of Bob's PUK, generation 1 (the reader's secret) |
//! | `envelope` | the sealed envelope |
//! | `piece-N`, `plain-N` | each piece's ciphertext and its expected plaintext |
//!
//! `cargo run -p mailseal-wasm --example interop -- seal <dir> <suite>` writes a mail from
//! Alice to Bob; `... -- open <dir>` opens Bob's copy of the mail in `<dir>`, checks every
//! piece and the footer, and prints `opened: ...` (exit status 1 on any failure).
//!
//! `... -- log <dir> <step>...` plays the service's key-transparency log (SPEC.md §14, the
//! crate's in-memory log and three witnesses) for `test/transparency.test.mjs`. Each step is
//! a comma-separated list of chain segment files in `<dir>` (`alice.chain,bob.chain`), each
//! published as a log entry; after each step the log signs a checkpoint and the witnesses
//! cosign it. It writes `policy.json` (`{origin, logKey, witnesses: [{name, key}],
//! threshold}`, keys in hex), `checkpoint-N` (the cosigned note after step N, from 1) and
//! `consistency-N` (the proof from checkpoint N - 1 to N, empty for the first), and for
//! each chain file `F` published: `F.index` (decimal), `F.entry`, and `F.inclusion-N` (its
//! inclusion proof under checkpoint N, for each checkpoint that includes it).
//!
//! `... -- piece <suite> <purpose label> <key> <nonce> <length>` writes to standard output
//! the piece a vector of `test-vectors/piece*.json` names (hex key and nonce, the pattern
//! plaintext `i mod 251` of that length), sealed under its published nonce with the crate's
//! `hazmat` entry point: the package has no way to choose a nonce, so the vector test gets
//! those ciphertexts from here and opens them through the package.

use std::fs;
use std::io::Write;
use std::path::Path;

use mailseal::Suite;
use mailseal::identity::{self, ChainState, decode_segment, encode_segment};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, PukSeed, UserId};
use mailseal::mail::footer::{Footer, classify};
use mailseal::mail::open::{Mailbox, open_copy};
use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use mailseal::mail::server::split_envelope;
use mailseal::piece::{PieceKey, PieceNonce};
use mailseal::transparency::log::{MemoryLog, MemoryWitness};
use rand_core::SeedableRng;

type Failure = Box<dyn std::error::Error>;

const NOW: u64 = 1_764_374_400;

fn suite_named(name: &str) -> Result<Suite, Failure> {
    // `xwing` is MAILSEAL-XWING-…, `x25519` MAILSEAL-X25519-… (SPEC.md §2.3).
    let infix = format!("-{}-", name.to_ascii_uppercase());
    Suite::ALL
        .into_iter()
        .find(|s| s.name().contains(&infix))
        .ok_or_else(|| format!("unknown suite {name}").into())
}

/// A user with a root-only chain, from seeds derived from `n`.
fn user(suite: Suite, n: u8, address: &str) -> Result<(PukSecret, DeviceSecret, Vec<u8>), Failure> {
    let id = UserId::new([n; 16]);
    let puk = PukSecret::derive(suite, id, 1, PukSeed::from_bytes([n ^ 0x5a; 32]))?;
    let device = DeviceSecret::from_seed(suite, DeviceId::new([n ^ 0x80; 16]), &[n ^ 0xa5; 32]);
    let root = identity::root(suite, id, &device, puk.public(), &[address], NOW)?;
    Ok((puk, device, root))
}

fn attachment() -> Vec<u8> {
    (0..200_000u32).map(|i| (i % 251) as u8).collect()
}

fn seal(dir: &Path, suite_name: &str) -> Result<(), Failure> {
    let suite = suite_named(suite_name)?;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([17; 32]);
    let (alice_puk, laptop, alice_root) = user(suite, 1, "alice@example.com")?;
    let (bob_puk, _, bob_root) = user(suite, 2, "bob@example.com")?;
    let alice_chain = ChainState::verify(&[&alice_root])?;
    let bob_chain = ChainState::verify(&[&bob_root])?;
    let sender = SenderIdentity {
        address: "alice@example.com",
        puk: &alice_puk,
        device: &laptop,
        chain: &alice_chain,
    };
    let mut mail = MailSealer::new(suite, sender, "<from-rust@example.com>", NOW)?
        .to(RecipientKey::from_chain("bob@example.com", &bob_chain)?);
    let body = b"Subject: from Rust\r\n\r\nSealed by the crate.".to_vec();
    let pieces = [body, attachment()];
    for (i, p) in pieces.iter().enumerate() {
        let ct = mail.add_piece(p, &mut rng)?;
        fs::write(dir.join(format!("piece-{i}")), ct)?;
        fs::write(dir.join(format!("plain-{i}")), p)?;
    }
    fs::write(dir.join("envelope"), mail.seal(&mut rng)?)?;
    fs::write(dir.join("suite"), suite_name)?;
    fs::write(dir.join("alice.chain"), encode_segment(&[alice_root]))?;
    fs::write(dir.join("bob.chain"), encode_segment(&[bob_root]))?;
    fs::write(dir.join("bob.puk"), bob_puk.seed().expose_secret())?;
    println!(
        "sealed: {} pieces to bob@example.com ({suite_name})",
        pieces.len()
    );
    Ok(())
}

fn open(dir: &Path) -> Result<(), Failure> {
    let suite = suite_named(fs::read_to_string(dir.join("suite"))?.trim())?;
    let alice_chain = ChainState::verify(&decode_segment(&fs::read(dir.join("alice.chain"))?)?)?;
    let bob_chain = ChainState::verify(&decode_segment(&fs::read(dir.join("bob.chain"))?)?)?;
    let seed: [u8; 32] = fs::read(dir.join("bob.puk"))?
        .try_into()
        .map_err(|_| "bob.puk is not 32 bytes")?;
    let bob_puk = PukSecret::derive(suite, bob_chain.user(), 1, PukSeed::from_bytes(seed))?;
    let copies = split_envelope(&fs::read(dir.join("envelope"))?)?;
    let copy = &copies
        .iter()
        .find(|c| c.user == bob_chain.user())
        .ok_or("no copy for Bob")?
        .copy;
    let opened = open_copy(
        copy,
        &Mailbox::new(&bob_chain, [&bob_puk]).without_key_transparency(),
        &[&alice_chain],
    )?;
    for i in 0..opened.piece_count() {
        let plain = opened.open_piece(i, &fs::read(dir.join(format!("piece-{i}")))?)?;
        if plain != fs::read(dir.join(format!("plain-{i}")))? {
            return Err(format!("piece {i} differs from plain-{i}").into());
        }
    }
    let c = classify(&opened, true);
    if c.footer != Footer::E2eEncrypted {
        return Err(format!("footer {} ({:?})", c.footer, c.reasons).into());
    }
    println!(
        "opened: {} pieces from {} ({}), footer \"{}\"",
        opened.piece_count(),
        opened.header().sender.address,
        opened.sender_status().code(),
        c.footer
    );
    Ok(())
}

/// Lowercase hexadecimal.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 bytes from 64 hexadecimal digits.
fn unhex32(text: &str) -> Result<[u8; 32], Failure> {
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| {
            let pair = text.get(i..i + 2).ok_or("an odd number of hex digits")?;
            u8::from_str_radix(pair, 16).map_err(Failure::from)
        })
        .collect::<Result<Vec<u8>, Failure>>()?;
    bytes.try_into().map_err(|_| "not 32 bytes".into())
}

const LOG_ORIGIN: &str = "mail.example.com/log";

/// The service's log: publishes the chains of each step, then checkpoints and cosigns.
fn log(dir: &Path, steps: &[&str]) -> Result<(), Failure> {
    let mut log = MemoryLog::new(LOG_ORIGIN, [0x10; 32])?;
    let mut witnesses = (0..3u8)
        .map(|i| {
            let name = format!("witness{i}.example.org");
            MemoryWitness::new(&name, [0x20 + i; 32], LOG_ORIGIN, log.verifying_key())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut published = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        let before = witnesses.first().map_or(0, MemoryWitness::size);
        for file in step.split(',') {
            let chain = ChainState::verify(&decode_segment(&fs::read(dir.join(file))?)?)?;
            published.push((file, log.publish(&chain)?));
        }
        let mut note = log.checkpoint();
        for w in &mut witnesses {
            note = w.cosign(&note, &log.consistency_from(w.size()), NOW)?;
        }
        fs::write(dir.join(format!("checkpoint-{}", n + 1)), note)?;
        fs::write(
            dir.join(format!("consistency-{}", n + 1)),
            log.consistency_from(before),
        )?;
        for (file, index) in &published {
            fs::write(dir.join(format!("{file}.index")), index.to_string())?;
            fs::write(dir.join(format!("{file}.entry")), log.entry(*index)?)?;
            fs::write(
                dir.join(format!("{file}.inclusion-{}", n + 1)),
                log.inclusion(*index)?,
            )?;
        }
    }
    let witnesses: Vec<String> = witnesses
        .iter()
        .map(|w| {
            let id = w.identity();
            format!(
                r#"{{"name":"{}","key":"{}"}}"#,
                id.name,
                hex(&id.key.to_bytes())
            )
        })
        .collect();
    fs::write(
        dir.join("policy.json"),
        format!(
            r#"{{"origin":"{LOG_ORIGIN}","logKey":"{}","witnesses":[{}],"threshold":2}}"#,
            hex(&log.verifying_key().to_bytes()),
            witnesses.join(",")
        ),
    )?;
    println!("log: {} entries, {} checkpoints", log.size(), steps.len());
    Ok(())
}

/// A piece under a given nonce, to standard output.
fn piece(suite: &str, label: &str, key: &str, nonce: &str, length: &str) -> Result<(), Failure> {
    let purpose = mailseal::piece::Purpose::from_label(label).ok_or("unknown purpose label")?;
    let plaintext: Vec<u8> = (0..length.parse::<u32>()?)
        .map(|i| (i % 251) as u8)
        .collect();
    let sealed = mailseal::hazmat::seal_piece_with_nonce(
        suite_named(suite)?,
        purpose,
        &PieceKey::from_bytes(unhex32(key)?),
        PieceNonce(unhex32(nonce)?),
        &plaintext,
    )?;
    std::io::stdout().write_all(&sealed.ciphertext)?;
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["seal", dir, suite] => seal(Path::new(dir), suite),
        ["open", dir] => open(Path::new(dir)),
        ["log", dir, ref steps @ ..] if !steps.is_empty() => log(Path::new(dir), steps),
        ["piece", suite, purpose, key, nonce, length] => piece(suite, purpose, key, nonce, length),
        _ => Err(concat!(
            "usage: interop seal <dir> <xwing|x25519> | open <dir> | log <dir> <step>... ",
            "| piece <suite> <purpose> <key> <nonce> <length>"
        )
        .into()),
    };
    if let Err(e) = result {
        eprintln!("interop failed: {e}");
        std::process::exit(1);
    }
}
