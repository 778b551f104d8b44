//! Peak heap while sealing and opening a 256 MiB attachment incrementally.
//!
//! `cargo bench --bench memory` counts every allocation through a counting global allocator
//! and reports the peak of live heap bytes above the baseline, for:
//! - sealing: the attachment pushed through `PieceSealer` 64 KiB at a time, the ciphertext
//!   written to a temporary file as it comes, then the envelope sealed;
//! - opening: the copy opened, the ciphertext read back 64 KiB at a time through the piece
//!   decryptor, the plaintext checked and dropped as it comes, the digest compared.
//!
//! The target is a peak under 1 MiB plus one chunk (64 KiB). The plaintext source and the
//! I/O buffers (64 KiB each, allocated before measuring) are the bench's, not the crate's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use mailseal::Suite;
use mailseal::hazmat::TestUser;
use mailseal::keys::{DeviceId, UserId};
use mailseal::mail::open::open_copy;
use mailseal::mail::seal::MailSealer;
use mailseal::mail::server::split_envelope;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                - layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Resets the peak to the current live bytes and returns that baseline.
fn start_measuring() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

const SIZE: usize = 256 << 20;
const PART: usize = 64 << 10;

fn main() -> std::io::Result<()> {
    let suite = Suite::X25519;
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let user = |n: u8, address: &str, rng: &mut ChaCha20Rng| {
        TestUser::generate(
            suite,
            UserId::new([n; 16]),
            address,
            DeviceId::new([n ^ 0x80; 16]),
            rng,
        )
        .expect("user")
    };
    let alice = user(1, "alice@example.com", &mut rng);
    let bob = user(2, "bob@example.com", &mut rng);
    let path = std::env::temp_dir().join(format!("mailseal-memory-{}.bin", std::process::id()));

    // Buffers owned by the bench, allocated before measuring.
    let mut part = vec![0u8; PART];
    let mut out: Vec<u8> = Vec::with_capacity(2 * PART);
    let mut plain: Vec<u8> = Vec::with_capacity(2 * PART);
    let mut file = File::create(&path)?;

    let base = start_measuring();
    let mut mail = MailSealer::new(suite, alice.sender(), "<big@example.com>", 1)
        .expect("sealer")
        .to(bob.key());
    let mut piece = mail.begin_piece(&mut rng);
    for i in 0..SIZE / PART {
        part.fill(i as u8);
        piece.push(&part, &mut out).expect("push");
        file.write_all(&out)?;
        out.clear();
    }
    let finished = piece.finish(&mut out).expect("finish");
    file.write_all(&out)?;
    out.clear();
    mail.attach(finished).expect("attach");
    let envelope = mail.seal(&mut rng).expect("seal");
    let seal_peak = PEAK.load(Ordering::Relaxed) - base;
    drop(file);

    let copy = split_envelope(&envelope)
        .expect("split")
        .into_iter()
        .find(|c| c.user == bob.id)
        .expect("copy")
        .copy;
    let mut reader = BufReader::with_capacity(PART, File::open(&path)?);
    let base = start_measuring();
    let opened = open_copy(&copy, &bob.mailbox(), &[&alice.chain]).expect("open");
    let mut dec = opened.piece_decryptor(0).expect("decryptor");
    let mut seen = 0usize;
    loop {
        let n = reader.read(&mut part)?;
        if n == 0 {
            break;
        }
        dec.push(&part[..n], &mut plain).expect("push");
        seen += plain.len();
        plain.clear();
    }
    // `finish` checks the length and the piece digest against the signed manifest.
    dec.finish(&mut plain).expect("finish");
    seen += plain.len();
    assert_eq!(seen, SIZE);
    let open_peak = PEAK.load(Ordering::Relaxed) - base;
    std::fs::remove_file(&path)?;

    let budget = (1 << 20) + (64 << 10);
    println!(
        "peak heap above baseline while streaming a 256 MiB attachment (budget {budget} bytes):"
    );
    println!(
        "  seal: {seal_peak} bytes ({:.1} KiB) {}",
        seal_peak as f64 / 1024.0,
        verdict(seal_peak, budget)
    );
    println!(
        "  open: {open_peak} bytes ({:.1} KiB) {}",
        open_peak as f64 / 1024.0,
        verdict(open_peak, budget)
    );
    Ok(())
}

fn verdict(peak: usize, budget: usize) -> &'static str {
    if peak < budget {
        "within budget"
    } else {
        "OVER BUDGET"
    }
}
