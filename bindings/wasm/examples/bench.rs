//! The native side of the package's measurements (`bench/run.mjs` runs it beside the same
//! work in Node and prints ratios): piece-cipher throughput, and sealing and opening a 1 KiB
//! mail to 10 recipients, in each suite. Prints one JSON object.
//!
//! `cargo run --release -p mailseal-wasm --example bench` (`MAILSEAL_BENCH_QUICK=1` for a short run).

use std::time::{Duration, Instant};

use mailseal::Suite;
use mailseal::identity::{self, ChainState};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use mailseal::mail::open::{Mailbox, open_copy};
use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
use mailseal::mail::server::split_envelope;
use mailseal::piece::{self, PieceKey, Purpose};
use rand_core::SeedableRng;

type Rng = rand_chacha::ChaCha20Rng;

/// Median seconds per call of `f`, over batches run for about `budget`.
fn per_call(budget: Duration, mut f: impl FnMut()) -> f64 {
    f();
    let start = Instant::now();
    let mut samples = Vec::new();
    while start.elapsed() < budget || samples.len() < 5 {
        let t = Instant::now();
        f();
        samples.push(t.elapsed().as_secs_f64());
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

struct User {
    puk: PukSecret,
    device: DeviceSecret,
    chain: ChainState,
    address: String,
}

fn user(suite: Suite, n: u8, rng: &mut Rng) -> User {
    let id = UserId::new([n; 16]);
    let address = format!("user{n}@example.com");
    let puk = PukSecret::generate(suite, id, 1, rng).expect("puk");
    let device = DeviceSecret::generate(suite, DeviceId::new([n ^ 0x80; 16]), rng);
    let root =
        identity::root(suite, id, &device, puk.public(), &[address.as_str()], 1).expect("root");
    User {
        chain: ChainState::verify(&[root]).expect("chain"),
        puk,
        device,
        address,
    }
}

fn main() {
    let quick = std::env::var_os("MAILSEAL_BENCH_QUICK").is_some();
    let budget = Duration::from_millis(if quick { 200 } else { 1500 });
    let mut rng = Rng::from_seed([5; 32]);
    let mut out = Vec::new();

    // The piece cipher, one 16 MiB piece at a time (suite-independent but for its label).
    let size = 16 << 20;
    let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let key = PieceKey::generate(&mut rng);
    let sealed =
        piece::seal(Suite::X25519, Purpose::MailPiece, &key, &mut rng, &data).expect("seal");
    let seal_s = per_call(budget, || {
        let s =
            piece::seal(Suite::X25519, Purpose::MailPiece, &key, &mut rng, &data).expect("seal");
        std::hint::black_box(s);
    });
    let open_s = per_call(budget, || {
        let o =
            piece::open(Suite::X25519, Purpose::MailPiece, &key, &sealed.ciphertext).expect("open");
        std::hint::black_box(o);
    });
    let mib = size as f64 / 1048576.0;
    out.push(format!("\"piece_seal_mib_s\": {:.1}", mib / seal_s));
    out.push(format!("\"piece_open_mib_s\": {:.1}", mib / open_s));

    // A 1 KiB mail from Alice to 10 recipients; the open is one recipient's copy and body.
    for suite in Suite::ALL {
        let name = if suite == Suite::X25519 {
            "x25519"
        } else {
            "xwing"
        };
        let alice = user(suite, 1, &mut rng);
        let recipients: Vec<User> = (2..12).map(|n| user(suite, n, &mut rng)).collect();
        let body = vec![b'x'; 1024];
        let seal = |rng: &mut Rng| {
            let sender = SenderIdentity {
                address: &alice.address,
                puk: &alice.puk,
                device: &alice.device,
                chain: &alice.chain,
            };
            let mut m = MailSealer::new(suite, sender, "<bench@example.com>", 1).expect("sealer");
            for r in &recipients {
                m = m.to(RecipientKey::from_chain(r.address.clone(), &r.chain).expect("key"));
            }
            let ct = m.add_piece(&body, rng).expect("piece");
            (m.seal(rng).expect("seal"), ct)
        };
        let seal_s = per_call(budget, || {
            std::hint::black_box(seal(&mut rng));
        });
        let (envelope, ct) = seal(&mut rng);
        let bob = &recipients[0];
        let copy = split_envelope(&envelope)
            .expect("split")
            .into_iter()
            .find(|c| c.user == bob.chain.user())
            .expect("copy")
            .copy;
        let open_s = per_call(budget, || {
            let opened = open_copy(
                &copy,
                &Mailbox::new(&bob.chain, [&bob.puk]),
                &[&alice.chain],
            )
            .expect("open");
            std::hint::black_box(opened.open_piece(0, &ct).expect("body"));
        });
        out.push(format!("\"mail10_seal_ms_{name}\": {:.3}", seal_s * 1e3));
        out.push(format!("\"mail10_open_ms_{name}\": {:.3}", open_s * 1e3));
    }
    println!("{{{}}}", out.join(", "));
}
