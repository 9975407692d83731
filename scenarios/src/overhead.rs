//! The harness against bare shuttle: the measurement behind the overhead benchmark
//! (`benches/overhead.rs`) and the last section of `racecheck perf`.
//!
//! Three runs of the re-entry race's `correct-fix` under shuttle's random scheduler, from the
//! same seeds: the model written directly against shuttle ([`crate::direct`]) on shuttle's own
//! `Runner` ("bare"); that same bare model under `harness::explore` ("explorer": what the
//! explorer alone adds — its scheduler wrapper and per-execution record); and the race's model
//! through the harness, facade and simulated world included ("harness").
//!
//! Each round runs the three back to back, in an order that rotates from round to round, and
//! yields one ratio per side against the bare run of the same round. The figure is the median
//! of those per-round ratios: on a shared machine whose speed drifts within a run, a ratio of
//! neighbours moves far less than the ratio of two separate medians (measured here: 0.88 to 0.96
//! from one 7-round run to the next with separate medians).

use std::time::Instant;

use harness::{Exploration, Model, Strategy};

/// The three runs' seconds in each round: (bare, explorer, harness).
#[derive(Clone, Debug)]
pub struct Overhead {
    /// Executions per run.
    pub executions: u64,
    /// Seconds per run, one triple per round.
    pub rounds: Vec<[f64; 3]>,
}

/// The sides of a round, in the order of [`Overhead::rounds`]' triples.
const BARE: usize = 0;
const EXPLORER: usize = 1;
const HARNESS: usize = 2;

impl Overhead {
    /// Measures `rounds` rounds of `executions` executions each, after one warm-up round of a
    /// thousand. `model` is the re-entry race's `correct-fix` (see the module docs).
    pub fn measure(model: &Model, executions: u64, rounds: u64) -> Self {
        let run = |side: usize, n: u64, seed: u64| match side {
            BARE => bare(n, seed),
            EXPLORER => explorer(n, seed),
            _ => harnessed(model, n, seed),
        };
        for side in [BARE, EXPLORER, HARNESS] {
            run(side, 1_000, 99);
        }
        let rounds = (0..rounds)
            .map(|round| {
                let mut seconds = [0.0; 3];
                for k in 0..3 {
                    let side = (k + round as usize) % 3;
                    seconds[side] = run(side, executions, round + 1);
                }
                seconds
            })
            .collect();
        Self { executions, rounds }
    }

    /// Executions per second of the bare run, the median over rounds.
    pub fn bare_rate(&self) -> f64 {
        self.rate(BARE)
    }

    /// Executions per second of the bare model under the explorer, the median over rounds.
    pub fn explorer_rate(&self) -> f64 {
        self.rate(EXPLORER)
    }

    /// Executions per second through the harness, the median over rounds.
    pub fn harness_rate(&self) -> f64 {
        self.rate(HARNESS)
    }

    /// The harness's throughput against bare shuttle's: the median of the rounds' ratios.
    pub fn ratio(&self) -> f64 {
        self.ratio_of(HARNESS)
    }

    /// The explorer's throughput (on the bare model) against bare shuttle's, likewise.
    pub fn explorer_ratio(&self) -> f64 {
        self.ratio_of(EXPLORER)
    }

    /// The lowest and highest of the rounds' harness ratios.
    pub fn ratio_range(&self) -> (f64, f64) {
        let ratios = self.ratios(HARNESS);
        (ratios.first().copied().unwrap_or(0.0), ratios.last().copied().unwrap_or(0.0))
    }

    fn rate(&self, side: usize) -> f64 {
        self.executions as f64 / median(self.rounds.iter().map(|r| r[side]).collect()).max(1e-12)
    }

    fn ratio_of(&self, side: usize) -> f64 {
        median(self.ratios(side))
    }

    /// One side's ratios (its throughput over the bare run's, the same round), sorted.
    fn ratios(&self, side: usize) -> Vec<f64> {
        let mut ratios: Vec<f64> = self.rounds.iter().map(|r| r[BARE] / r[side].max(1e-12)).collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    }
}

// One function a side, never inlined, so that callgrind can count each alone:
// `--toggle-collect='scenarios::overhead::harnessed'` (or `bare`, `explorer`).

#[inline(never)]
fn bare(executions: u64, seed: u64) -> f64 {
    crate::direct::time(usize::try_from(executions).unwrap_or(usize::MAX), seed)
}

#[inline(never)]
fn explorer(executions: u64, seed: u64) -> f64 {
    explore(&Model::new("direct", crate::direct::execution), executions, seed)
}

#[inline(never)]
fn harnessed(model: &Model, executions: u64, seed: u64) -> f64 {
    explore(model, executions, seed)
}

/// Seconds that `model` takes for `executions` executions from `seed` under `harness::explore`;
/// the model must hold throughout (it is the `correct-fix`), or the measurement means nothing.
fn explore(model: &Model, executions: u64, seed: u64) -> f64 {
    let start = Instant::now();
    let o = harness::explore(model, &Exploration::new(Strategy::Random { seed }, executions));
    assert_eq!((o.verdict.name(), o.executions), ("holds", executions), "the overhead model must hold");
    start.elapsed().as_secs_f64()
}

/// The median of `v` (the upper one for an even count); 0 for none.
pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(rounds: Vec<[f64; 3]>) -> Overhead {
        Overhead { executions: 100, rounds }
    }

    #[test]
    fn the_ratio_is_the_median_of_each_rounds_own_ratio() {
        // Round 2 ran on a machine twice as slow for all three: per-round ratios ignore it,
        // separate medians would not.
        let o = measured(vec![[1.0, 1.1, 1.25], [2.0, 2.2, 2.5], [1.0, 1.0, 1.0]]);
        assert!((o.ratio() - 0.8).abs() < 1e-9, "{}", o.ratio());
        assert!((o.explorer_ratio() - 1.0 / 1.1).abs() < 1e-9, "{}", o.explorer_ratio());
        assert_eq!(o.ratio_range(), (0.8, 1.0));
        assert!((o.bare_rate() - 100.0).abs() < 1e-9);
        assert!((o.harness_rate() - 80.0).abs() < 1e-9);
    }

    #[test]
    fn nothing_measured_is_zero_not_a_panic() {
        let o = measured(Vec::new());
        assert_eq!((o.ratio(), o.ratio_range()), (0.0, (0.0, 0.0)));
    }
}
