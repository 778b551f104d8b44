//! The same-run, interleaved measurement every bench uses: contenders run one after another
//! in each round, so machine noise hits all of them alike, and ratios pair samples taken in
//! the same round.

use std::time::{Duration, Instant};

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
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            times[i].push(start.elapsed());
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
