//! The native side of the call-overhead measurement (`bench/run.sh`, results in
//! BENCHMARKS.md): the same work `bench/bench.py` does through the Python bindings, done by
//! the crate directly, with randomness from the operating system as the bindings take it.
//!
//! `cargo run --release -p mailseal-uniffi --example bench -- [rounds]` prints one JSON line
//! per measurement: the median over `rounds` samples of the calling thread's CPU time per
//! operation, with the system allocator (`ns`) and with the bindings' wiping allocator
//! (`wipe_ns`, src/wipe.rs), interleaved so that machine noise hits both alike.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mailseal::Suite;
use mailseal::identity::{self, ChainState};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use mailseal::mail::{footer, open, seal, server};
use mailseal::piece::{self, PieceKey, Purpose};
use rand_core::UnwrapErr;

#[allow(dead_code)]
mod wipe {
    // The bindings' own allocator (linking the crate would bring its global allocator).
    include!("../src/wipe_alloc.rs");
}
use wipe::WipingAllocator;

/// The system allocator, or the bindings' wiping one while `WIPE` is set.
struct Switch;

static WIPE: AtomicBool = AtomicBool::new(false);

// SAFETY: both allocators free with `dealloc` exactly what they allocate and neither keeps
// state, so a block allocated under one may be freed under the other (the wiping one only
// writes zeros first).
unsafe impl GlobalAlloc for Switch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received.
        unsafe {
            if WIPE.load(Ordering::Relaxed) {
                WipingAllocator.dealloc(ptr, layout)
            } else {
                System.dealloc(ptr, layout)
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: Switch = Switch;

const NOW: u64 = 1_764_374_400;

fn thread_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

struct User {
    address: String,
    puk: PukSecret,
    device: DeviceSecret,
    chain: ChainState,
}

fn user(suite: Suite, n: u8) -> User {
    let address = format!("user{n}@example.com");
    let puk = PukSecret::generate(suite, UserId::new([n; 16]), 1, &mut rng()).expect("puk");
    let device = DeviceSecret::generate(suite, DeviceId::new([n ^ 0x80; 16]), &mut rng());
    let root = identity::root(
        suite,
        UserId::new([n; 16]),
        &device,
        puk.public(),
        &[&address],
        NOW,
    )
    .expect("root");
    let chain = ChainState::verify(&[root]).expect("chain");
    User {
        address,
        puk,
        device,
        chain,
    }
}

/// Seals a 1 KiB mail from `users[0]` to the ten others.
fn seal_mail(suite: Suite, users: &[User], body: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let alice = &users[0];
    let sender = seal::SenderIdentity {
        address: &alice.address,
        puk: &alice.puk,
        device: &alice.device,
        chain: &alice.chain,
    };
    let mut mail =
        seal::MailSealer::new(suite, sender, "<bench@example.com>", NOW).expect("sealer");
    for u in &users[1..] {
        mail = mail.to(seal::RecipientKey::from_chain(u.address.clone(), &u.chain).expect("key"));
    }
    let piece = mail.add_piece(body, &mut rng()).expect("piece");
    (mail.seal(&mut rng()).expect("seal"), piece)
}

/// Median of `rounds` samples, with and without wiping, of `f` run `iters` times.
fn measure(name: &str, rounds: usize, iters: usize, mut f: impl FnMut()) {
    f();
    let (mut plain, mut wiped) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for (wipe, samples) in [(false, &mut plain), (true, &mut wiped)] {
            WIPE.store(wipe, Ordering::Relaxed);
            let start = thread_time();
            for _ in 0..iters {
                f();
            }
            samples.push((thread_time() - start).as_nanos() as f64 / iters as f64);
        }
    }
    WIPE.store(false, Ordering::Relaxed);
    let median = |s: &mut Vec<f64>| {
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    };
    println!(
        "{{\"op\": \"{name}\", \"ns\": {:.0}, \"wipe_ns\": {:.0}}}",
        median(&mut plain),
        median(&mut wiped)
    );
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(7, |r| r.parse().expect("rounds"));
    let body: Vec<u8> = (0..1024u32).map(|i| (i % 251) as u8).collect();
    let mib: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
    for suite in Suite::ALL {
        let short = if suite == Suite::X25519 {
            "x25519"
        } else {
            "xwing"
        };
        let users: Vec<User> = (1..=11).map(|n| user(suite, n)).collect();
        measure(&format!("seal_1k_to_10_{short}"), rounds, 20, || {
            black_box(seal_mail(suite, &users, &body));
        });
        let (envelope, piece) = seal_mail(suite, &users, &body);
        let bob = &users[1];
        let copy = server::split_envelope(&envelope)
            .expect("split")
            .into_iter()
            .find(|c| c.user == bob.chain.user())
            .expect("copy")
            .copy;
        measure(&format!("open_1k_of_10_{short}"), rounds, 50, || {
            let opened = open::open_copy(
                &copy,
                &open::Mailbox::new(&bob.chain, [&bob.puk]),
                &[&users[0].chain],
            )
            .expect("open");
            black_box(opened.open_piece(0, &piece).expect("piece"));
            black_box(footer::classify(&opened, true));
        });
    }
    let suite = Suite::default();
    let key = PieceKey::generate(&mut rng());
    measure("piece_seal_1m", rounds, 10, || {
        black_box(piece::seal(suite, Purpose::MailPiece, &key, &mut rng(), &mib).expect("seal"));
    });
    let sealed = piece::seal(suite, Purpose::MailPiece, &key, &mut rng(), &mib).expect("seal");
    measure("piece_open_1m", rounds, 10, || {
        black_box(piece::open(suite, Purpose::MailPiece, &key, &sealed.ciphertext).expect("open"));
    });
    measure("tag_list_1m", rounds, 200, || {
        black_box(piece::tag_list(&sealed.ciphertext).expect("tags"));
    });
}
