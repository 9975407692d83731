//! Running scenarios: every variant under every scheduler of the portfolio, each exploration in
//! a child process, several at once, the results always in the same order.

use std::path::PathBuf;
use std::sync::Mutex;

use harness::isolate::{self, Job};
use harness::{Exploration, Outcome};

use crate::scenario::Scenario;

/// How explorations are run.
#[derive(Clone, Debug)]
pub struct Runner {
    /// The `racecheck` executable, started as a child for each exploration.
    pub program: PathBuf,
    /// How many children at once.
    pub jobs: usize,
}

/// One exploration of one variant.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The variant.
    pub variant: &'static str,
    /// The scheduler and budget.
    pub exploration: Exploration,
    /// What it found.
    pub outcome: Outcome,
}

/// A scenario's results.
#[derive(Debug)]
pub struct ScenarioRun<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// One cell per variant × scheduler, variants in the race's order, schedulers in the file's.
    pub cells: Vec<Cell>,
}

impl ScenarioRun<'_> {
    /// The cells of `variant` that count for its verdict: the real-threads baseline never does.
    fn counted<'b>(&'b self, variant: &'b str) -> impl Iterator<Item = &'b Cell> + 'b {
        self.cells.iter().filter(move |c| c.variant == variant && c.exploration.strategy != harness::Strategy::Threads)
    }

    /// The verdict of `variant` over the whole portfolio: the first failure found; else `holds`
    /// when an exhaustive search (loom or DFS) covered everything and it held; else
    /// `holds-sampled` when only sampled or incomplete searches held (evidence, not proof); else
    /// `vacuous`.
    pub fn verdict(&self, variant: &str) -> &'static str {
        if let Some(failed) = self.counted(variant).find(|c| c.outcome.verdict.is_failure()) {
            return failed.outcome.verdict.name();
        }
        let held = |c: &&Cell| c.outcome.verdict == harness::Verdict::Holds;
        if self.counted(variant).filter(held).any(|c| c.outcome.coverage == harness::Coverage::Complete) {
            "holds"
        } else if self.counted(variant).any(|c| held(&c)) {
            "holds-sampled"
        } else {
            "vacuous"
        }
    }

    /// Each variant run (under a scheduler that counts) with its expected and actual verdict.
    pub fn expectations(&self) -> Vec<(&'static str, &str, &'static str)> {
        self.scenario
            .expect
            .iter()
            .filter(|(v, _)| self.counted(v).next().is_some())
            .map(|(v, e)| (*v, e.as_str(), self.verdict(v)))
            .collect()
    }

    /// Whether every variant run got its expected verdict.
    pub fn ok(&self) -> bool {
        self.expectations().iter().all(|(_, expected, actual)| expected == actual)
    }
}

/// What to run of one scenario.
#[derive(Debug)]
pub struct Plan<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The variants to run.
    pub variants: Vec<&'static str>,
    /// The schedulers to run them under.
    pub explorations: Vec<Exploration>,
}

/// The arguments that make a child of `racecheck` serve one exploration of a scenario variant.
pub fn child_args(scenario: &Scenario, variant: &str) -> Vec<String> {
    vec!["__child".into(), scenario.path.display().to_string(), variant.into()]
}

/// Runs every plan, `runner.jobs` children at once; results in plan order.
pub fn run<'a>(
    runner: &Runner,
    plans: &[Plan<'a>],
    mut progress: impl FnMut(usize, usize) + Send,
) -> Vec<ScenarioRun<'a>> {
    let work: Vec<(usize, &'static str, &Exploration)> = plans
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.variants.iter().flat_map(move |v| p.explorations.iter().map(move |e| (i, *v, e))))
        .collect();
    let total = work.len();
    let next = Mutex::new(0usize);
    let done: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; total]);
    let progress = Mutex::new(&mut progress);
    std::thread::scope(|s| {
        for _ in 0..runner.jobs.max(1) {
            s.spawn(|| loop {
                let index = {
                    let mut n = next.lock().expect("the work counter");
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some((plan, variant, exploration)) = work.get(index) else {
                    break;
                };
                let scenario = plans[*plan].scenario;
                let job = Job::Explore((*exploration).clone());
                let outcome = isolate::run_in_child(&runner.program, &child_args(scenario, variant), &job);
                let mut done = done.lock().expect("the results");
                done[index] = Some(outcome);
                let finished = done.iter().filter(|o| o.is_some()).count();
                (progress.lock().expect("the progress callback"))(finished, total);
            });
        }
    });
    let mut outcomes = done.into_inner().expect("the results").into_iter();
    let mut runs: Vec<ScenarioRun<'a>> =
        plans.iter().map(|p| ScenarioRun { scenario: p.scenario, cells: Vec::new() }).collect();
    for (plan, variant, exploration) in work {
        let outcome = outcomes.next().flatten().expect("every exploration ran");
        runs[plan].cells.push(Cell { variant, exploration: (*exploration).clone(), outcome });
    }
    runs
}
