//! What the CLI tests share: real artifacts made with the library (or read from the
//! published vectors), a scratch directory outside the repository, and running the binary.

#![allow(dead_code)] // each test file uses part of it

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mailseal::Suite;
use mailseal::account::devices::{wrap_seed, wrap_seeds};
use mailseal::account::userdata::{UserDataBinding, seal_user_data};
use mailseal::identity::{self, ChainState};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use mailseal::mail::envelope::Envelope;
use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use mailseal::mail::server::{RecipientCopy, split_envelope};
use mailseal::piece::{self, PieceKey, Purpose, SealedPiece};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::Value;

pub const MESSAGE_ID: &str = "<hello@example.com>";

/// Alice (two devices) mails Bob; every other structure made from the same keys.
pub struct World {
    pub envelope: Vec<u8>,
    pub header: Vec<u8>,
    pub body: Vec<u8>,
    pub copies: Vec<RecipientCopy>,
    pub root: Vec<u8>,
    pub add_device: Vec<u8>,
    pub segment: Vec<u8>,
    pub chain: ChainState,
    pub laptop: DeviceSecret,
    pub phone: DeviceSecret,
    pub device_record: Vec<u8>,
    pub puk_record: Vec<u8>,
    pub seed_wrap: Vec<u8>,
    pub batch: Vec<u8>,
    pub user_data: Vec<u8>,
    pub piece: SealedPiece,
}

pub fn world() -> World {
    let suite = Suite::X25519;
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let alice = UserId::new([1; 16]);
    let laptop = DeviceSecret::generate(suite, DeviceId::new([3; 16]), &mut rng);
    let phone = DeviceSecret::generate(suite, DeviceId::new([5; 16]), &mut rng);
    let puk = PukSecret::generate(suite, alice, 1, &mut rng).expect("puk");
    let root = identity::root(
        suite,
        alice,
        &laptop,
        puk.public(),
        &["alice@example.com"],
        100,
    )
    .expect("root");
    let first = ChainState::verify(&[&root]).expect("root verifies");
    let mut draft = first
        .propose_add_device(laptop.id(), phone.public(), None, 101)
        .expect("draft");
    draft.sign(&laptop).expect("sign");
    draft.sign(&phone).expect("sign");
    let add_device = draft.finish().expect("link");
    let chain = first.extend(&[&add_device]).expect("extends");
    let segment = identity::encode_segment(&[&root, &add_device]);

    let bob = UserId::new([2; 16]);
    let bob_puk = PukSecret::generate(suite, bob, 1, &mut rng).expect("puk");
    let bob_phone = DeviceSecret::generate(suite, DeviceId::new([4; 16]), &mut rng);
    let bob_root = identity::root(
        suite,
        bob,
        &bob_phone,
        bob_puk.public(),
        &["bob@example.com"],
        100,
    )
    .expect("root");
    let bob_chain = ChainState::verify(&[&bob_root]).expect("verifies");

    let sender = SenderIdentity {
        address: "alice@example.com",
        puk: &puk,
        device: &laptop,
        chain: &chain,
    };
    let mut mail = MailSealer::new(suite, sender, MESSAGE_ID, 1_764_374_400)
        .expect("sealer")
        .to(RecipientKey::from_chain("bob@example.com", &bob_chain).expect("key"));
    let body = mail.add_piece(b"Hello Bob", &mut rng).expect("piece");
    let envelope = mail.seal(&mut rng).expect("seal");
    let copies = split_envelope(&envelope).expect("split");
    let header = Envelope::parse(&envelope).expect("parse").header.0;

    let binding = UserDataBinding {
        data_type: "label",
        message_id: Some(MESSAGE_ID),
        version: Some(3),
    };
    let key = PieceKey::generate(&mut rng);
    World {
        header,
        body,
        copies,
        root,
        add_device,
        segment,
        device_record: laptop.public().to_cbor(),
        puk_record: puk.public().to_cbor(),
        seed_wrap: wrap_seed(&puk, alice, phone.public(), &laptop, &mut rng).expect("wrap"),
        batch: wrap_seeds(
            std::slice::from_ref(&puk),
            alice,
            phone.public(),
            &laptop,
            &mut rng,
        )
        .expect("batch"),
        user_data: seal_user_data(&puk, &binding, b"Projects", &mut rng).expect("user data"),
        piece: piece::seal(suite, Purpose::MailPiece, &key, &mut rng, &[0x5a; 70_000])
            .expect("piece"),
        envelope,
        chain,
        laptop,
        phone,
    }
}

/// A byte string from a published vector file: `case`'s value at `path` (a JSON pointer).
pub fn vector(file: &str, case: &str, pointer: &str) -> Vec<u8> {
    let path = repo().join("test-vectors").join(file);
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("vector file")).expect("JSON");
    let case = doc["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["name"] == case))
        .unwrap_or_else(|| panic!("{file} has no case {case}"));
    let hex = case
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{case} has no {pointer}"));
    unhex(hex)
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A scratch directory outside the repository, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("mailseal-cli-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    /// Writes `bytes` to `name` and returns its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("write");
        path.to_string_lossy().into_owned()
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the binary.
pub fn mailseal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailseal"))
        .args(args)
        .output()
        .expect("run mailseal")
}

/// Runs the binary with `stdin` as its standard input.
pub fn mailseal_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailseal"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mailseal");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// The JSON a command printed, and its exit code.
pub fn json(out: &Output) -> (Value, i32) {
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}

/// `mailseal inspect` of `bytes`, written to a scratch file.
pub fn inspect(scratch: &Scratch, name: &str, bytes: &[u8]) -> (Value, i32) {
    let path = scratch.file(name, bytes);
    json(&mailseal(&["inspect", &path]))
}

/// The check of an inspect report that failed.
pub fn failed_check(report: &Value) -> &Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["result"] == "failed"))
        .unwrap_or_else(|| panic!("no check failed: {report:#}"))
}

/// The check of an inspect report made by `by` (the library function's path).
pub fn check_by<'a>(report: &'a Value, by: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|checks| {
            checks
                .iter()
                .find(|c| c["by"].as_str().is_some_and(|b| b.starts_with(by)))
        })
        .unwrap_or_else(|| panic!("no check by {by}: {report:#}"))
}
