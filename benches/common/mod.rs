//! The same-run, interleaved measurement every bench uses: contenders run one after another
//! in each round, so machine noise hits all of them alike, and ratios pair samples taken in
//! the same round.
//!
//! A sample is the CPU time of the measuring thread, not wall time: on a shared machine
//! (other builds and fuzzers on the same two cores) the time the scheduler gives to other
//! processes would otherwise land in whichever sample was running.

use std::time::Duration;

/// The calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// A named closure to time.
pub type Contender<'a> = (&'a str, Box<dyn FnMut() + 'a>);

/// Runs every contender once per round, in turn, `iters` times per sample.
pub fn run_interleaved(
    mut contenders: Vec<Contender>,
    iters: usize,
    rounds: usize,
) -> Vec<Vec<Duration>> {
    let mut times = vec![Vec::with_capacity(rounds); contenders.len()];
    for (_, f) in contenders.iter_mut() {
        f(); // warm up caches and lazy CPU feature detection
    }
    for _ in 0..rounds {
        for (i, (_, f)) in contenders.iter_mut().enumerate() {
            let start = thread_time();
            for _ in 0..iters {
                f();
            }
            times[i].push(thread_time() - start);
        }
    }
    times
}

pub fn median(samples: &[Duration]) -> Duration {
    let mut s = samples.to_vec();
    s.sort_unstable();
    s[s.len() / 2]
}

/// Median over rounds of reference/ours, pairing samples taken in the same round.
pub fn median_ratio(reference: &[Duration], ours: &[Duration]) -> f64 {
    let mut r: Vec<f64> = reference
        .iter()
        .zip(ours)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    r.sort_by(f64::total_cmp);
    r[r.len() / 2]
}

/// User `n` of a mail bench: user id `[n; 16]`, device id `[n ^ 0x80; 16]`, keys from `rng`.
#[allow(dead_code)] // the piece and chain benches seal no mail
pub fn user(
    suite: mailseal::Suite,
    n: u8,
    address: &str,
    rng: &mut rand_chacha::ChaCha20Rng,
) -> mailseal::hazmat::TestUser {
    use mailseal::keys::{DeviceId, UserId};
    mailseal::hazmat::TestUser::generate(
        suite,
        UserId::new([n; 16]),
        address,
        DeviceId::new([n ^ 0x80; 16]),
        rng,
    )
    .expect("user")
}

/// `user`'s copy of `envelope`, as the server splits it.
#[allow(dead_code)] // the piece and chain benches seal no mail
pub fn copy_for(envelope: &[u8], user: mailseal::keys::UserId) -> Vec<u8> {
    mailseal::mail::server::split_envelope(envelope)
        .expect("split")
        .into_iter()
        .find(|c| c.user == user)
        .expect("a copy for the user")
        .copy
}
