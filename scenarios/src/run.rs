//! Running scenarios: every variant under every scheduler of the portfolio, each exploration in
//! a child process, several at once, the results always in the same order.

use std::path::PathBuf;
use std::sync::Mutex;

use harness::isolate::{self, Job};
use harness::{Exploration, Outcome};

use crate::expect::Expected;
use crate::scenario::{Scenario, Scheduled};

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
    /// What this scheduler alone must conclude for this variant, if the scenario says.
    pub expect: Option<Expected>,
    /// What it found.
    pub outcome: Outcome,
}

impl Cell {
    /// Whether the cell counts for its variant's verdict: the real-threads baseline never does.
    pub fn counts(&self) -> bool {
        self.exploration.strategy != harness::Strategy::Threads
    }

    /// What this exploration alone concluded, as a scenario spells it.
    pub fn concluded(&self) -> Expected {
        Expected::of([&self.outcome]).expect("one outcome always concludes")
    }
}

/// One expectation checked: a variant's over the portfolio, or one scheduler's own.
#[derive(Clone, Debug)]
pub struct Check<'c> {
    /// The variant.
    pub variant: &'static str,
    /// The scheduler whose own result was checked; `None` for the variant's verdict.
    pub cell: Option<&'c Cell>,
    /// What was expected.
    pub expected: Expected,
    /// What was found.
    pub actual: Expected,
}

impl Check<'_> {
    /// Whether the expectation was met.
    pub fn met(&self) -> bool {
        self.expected == self.actual
    }
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
    /// The cells of `variant` that count for its verdict.
    fn counted<'b>(&'b self, variant: &'b str) -> impl Iterator<Item = &'b Cell> + 'b {
        self.cells.iter().filter(move |c| c.variant == variant && c.counts())
    }

    /// The verdict of `variant` over the whole portfolio (see [`Expected::of`]); `None` when no
    /// scheduler that counts ran it.
    pub fn verdict(&self, variant: &str) -> Option<Expected> {
        Expected::of(self.counted(variant).map(|c| &c.outcome))
    }

    /// Each variant run (under a scheduler that counts) with its expected and actual verdict.
    pub fn expectations(&self) -> Vec<(&'static str, Expected, Expected)> {
        self.scenario.expect.iter().filter_map(|(v, e)| Some((*v, *e, self.verdict(v)?))).collect()
    }

    /// Every expectation this run checked: each variant's verdict, then each scheduler's own.
    pub fn checks(&self) -> Vec<Check<'_>> {
        let variants = self.expectations().into_iter().map(|(variant, expected, actual)| Check {
            variant,
            cell: None,
            expected,
            actual,
        });
        let own = self.cells.iter().filter_map(|c| {
            let expected = c.expect?;
            Some(Check { variant: c.variant, cell: Some(c), expected, actual: c.concluded() })
        });
        variants.chain(own).collect()
    }

    /// Whether every expectation checked was met.
    pub fn ok(&self) -> bool {
        self.checks().iter().all(Check::met)
    }
}

/// What to run of one scenario.
#[derive(Debug)]
pub struct Plan<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The variants to run.
    pub variants: Vec<&'static str>,
    /// The schedulers to run them under, with their own expectations.
    pub schedulers: Vec<Scheduled>,
}

impl<'a> Plan<'a> {
    /// Every variant of `scenario` under its own portfolio.
    pub fn whole(scenario: &'a Scenario) -> Self {
        Self { scenario, variants: scenario.race.variants().to_vec(), schedulers: scenario.schedulers.clone() }
    }
}

/// How many expectations `runs` checked, and how many of them were met.
pub fn tally(runs: &[ScenarioRun<'_>]) -> (usize, usize) {
    let checks: Vec<Check<'_>> = runs.iter().flat_map(ScenarioRun::checks).collect();
    (checks.len(), checks.iter().filter(|c| c.met()).count())
}

/// The arguments that make a child of `racecheck` serve one exploration of a scenario variant.
pub fn child_args(scenario: &Scenario, variant: &str) -> Vec<String> {
    vec!["__child".into(), scenario.path.display().to_string(), variant.into()]
}

/// Runs `work(i)` for every `i` in `0..count`, `jobs` at once, calling `each` with each result as
/// it comes in; the results in index order, whatever order they finished in.
pub fn in_parallel<T: Send>(
    jobs: usize,
    count: usize,
    work: impl Fn(usize) -> T + Sync,
    mut each: impl FnMut(&T) + Send,
) -> Vec<T> {
    let next = Mutex::new(0usize);
    let done: Mutex<Vec<Option<T>>> = Mutex::new((0..count).map(|_| None).collect());
    let each = Mutex::new(&mut each);
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                let index = {
                    let mut n = next.lock().expect("the work counter");
                    *n += 1;
                    *n - 1
                };
                if index >= count {
                    break;
                }
                let result = work(index);
                (each.lock().expect("the progress callback"))(&result);
                done.lock().expect("the results")[index] = Some(result);
            });
        }
    });
    done.into_inner().expect("the results").into_iter().map(|r| r.expect("every job ran")).collect()
}

/// Runs every plan, `runner.jobs` children at once; results in plan order.
pub fn run<'a>(
    runner: &Runner,
    plans: &[Plan<'a>],
    mut progress: impl FnMut(usize, usize) + Send,
) -> Vec<ScenarioRun<'a>> {
    let work: Vec<(usize, &'static str, &Scheduled)> = plans
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.variants.iter().flat_map(move |v| p.schedulers.iter().map(move |e| (i, *v, e))))
        .collect();
    let total = work.len();
    let mut finished = 0;
    let outcomes = in_parallel(
        runner.jobs,
        total,
        |index| {
            let (plan, variant, scheduled) = work[index];
            let job = Job::Explore(scheduled.exploration.clone());
            isolate::run_in_child(&runner.program, &child_args(plans[plan].scenario, variant), &job)
        },
        |_| {
            finished += 1;
            progress(finished, total);
        },
    );
    let mut outcomes = outcomes.into_iter();
    let mut runs: Vec<ScenarioRun<'a>> =
        plans.iter().map(|p| ScenarioRun { scenario: p.scenario, cells: Vec::new() }).collect();
    for (plan, variant, scheduled) in work {
        let outcome = outcomes.next().expect("every exploration ran");
        let expect = scheduled.expect.iter().find(|(v, _)| *v == variant).map(|(_, e)| *e);
        runs[plan].cells.push(Cell { variant, exploration: scheduled.exploration.clone(), expect, outcome });
    }
    runs
}
