//! Running a model under shuttle's schedulers, and taking the failing execution's schedule.
//!
//! shuttle's `Runner` stops at the first failing execution and re-raises its panic. The harness
//! wraps the chosen scheduler in [`Budgeted`], which counts executions against the budget and
//! notices when an exhaustive scheduler has nothing left; replays and the fewest-preemptions
//! searches wrap it in [`Counting`] too. The failing execution's schedule is shuttle's own record
//! of it (`CurrentSchedule`), read as a value right after the run, never text scraped from
//! shuttle's output.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, Schedule, Scheduler, Task, TaskId, UrwRandomScheduler,
};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use shuttle_engine::runtime::execution::CurrentSchedule;

use super::bounded::{is_preemption, Bounded, Shared};
use super::executions::Executions;
use super::replaying::Replaying;
use super::{Exploration, Model, Run, Strategy};
use crate::handle::Replay;
use crate::record;
use crate::runtime::{self, Runtime};
use crate::stale::Stale;
use crate::trace::{EventKind, Trace};
use crate::verdict::Verdict;

/// The state [`Budgeted`] shares with the explorer, which cannot reach into the `Runner`.
#[derive(Default)]
struct Progress {
    budget: u64,
    started: Cell<u64>,
    completed: Cell<bool>,
}

/// Wraps a scheduler: enforces the budget, and notices when an exhaustive one has nothing left.
///
/// Each decision passes straight through. The schedule is not written down here: shuttle keeps
/// the current execution's schedule itself (`CurrentSchedule`, on the OS thread that runs the
/// `Runner`, until the next execution starts), and [`run_with`] reads the failing one from
/// there. Nor are preemptions counted while exploring: the failing execution's count comes from
/// its replay ([`Counting`]). Writing every decision down a second time, and checking each for
/// a preemption, cost more per step than the rest of the harness (measured with callgrind).
struct Budgeted<S> {
    inner: S,
    progress: Rc<Progress>,
}

impl<S: Scheduler> Scheduler for Budgeted<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        let p = &self.progress;
        let next = self.inner.new_execution();
        match next {
            None => p.completed.set(true),
            Some(_) if p.started.get() >= p.budget => return None,
            Some(_) => p.started.set(p.started.get() + 1),
        }
        next
    }

    #[inline]
    fn next_task(&mut self, runnable: &[&Task], current: Option<TaskId>, is_yielding: bool) -> Option<TaskId> {
        self.inner.next_task(runnable, current, is_yielding)
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}

/// Wraps a scheduler: counts the current execution's preemptions (see
/// [`super::bounded::is_preemption`]), and in a traced replay marks each in the trace. For the
/// runs whose every failure's count matters: a replay, and the searches for the fewest
/// preemptions.
struct Counting<S> {
    inner: S,
    preemptions: Rc<Cell<usize>>,
}

impl<S> Counting<S> {
    fn new(inner: S) -> Self {
        Self { inner, preemptions: Rc::default() }
    }

    /// The count, to read after the scheduler has gone into a `Runner`.
    fn count(&self) -> Rc<Cell<usize>> {
        Rc::clone(&self.preemptions)
    }
}

impl<S: Scheduler> Scheduler for Counting<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.preemptions.set(0);
        self.inner.new_execution()
    }

    fn next_task(&mut self, runnable: &[&Task], current: Option<TaskId>, is_yielding: bool) -> Option<TaskId> {
        let next = self.inner.next_task(runnable, current, is_yielding);
        if let Some(task) = next {
            if is_preemption(runnable, current, is_yielding, task) {
                self.preemptions.set(self.preemptions.get() + 1);
                if runtime::recording() {
                    traced_preemption(runnable, current, task);
                }
            }
        }
        next
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}

/// In a traced replay, the trace shows where a preemption fell: the actor switched away from,
/// and the one that runs next. Out of line: exploration never records.
#[cold]
fn traced_preemption(runnable: &[&Task], current: Option<TaskId>, task: TaskId) {
    let name = |id| runnable.iter().find(|t| t.id() == id).map(|t| runtime::actor_name(t.name().as_deref()));
    if let (Some(from), Some(next)) = (current.and_then(name), name(task)) {
        record::push_event(from, String::new(), EventKind::Preempted { next });
    }
}

/// shuttle's own bound on an execution's scheduling decisions: a backstop behind the harness's
/// step limit, which counts facade operations. No execution within `step_limit` takes more.
fn max_steps(step_limit: u64) -> usize {
    usize::try_from(step_limit.saturating_mul(4).max(1_000)).unwrap_or(usize::MAX)
}

fn config(step_limit: u64) -> Config {
    let mut config = Config::new();
    // The harness owns its output and its replay handles.
    config.failure_persistence = FailurePersistence::None;
    config.max_steps = MaxSteps::FailAfter(max_steps(step_limit));
    config.silence_warnings = true;
    config
}

/// What running a scheduler to its end (or first failure) gave.
struct Ran {
    started: u64,
    completed: bool,
    reached_window: u64,
    failure: Option<(Verdict, Schedule)>,
    trace: Trace,
}

/// Runs `model` under `scheduler` within `limits`' budget and step limit (its strategy is the
/// caller's business: the scheduler is given); with `record`, the first execution is traced.
fn run_with<S: Scheduler + 'static>(model: &Model, scheduler: S, limits: &Exploration, record: bool) -> Ran {
    let progress = Rc::new(Progress { budget: limits.budget, ..Progress::default() });
    let budgeted = Budgeted { inner: scheduler, progress: Rc::clone(&progress) };
    let runs = Executions::new(model, limits.step_limit, record.then_some(1));
    let _scope = runtime::enter(Runtime::Shuttle);
    let runner = Runner::new(budgeted, config(limits.step_limit));
    let each = runs.each();
    let result = super::quiet::catch(record, || runner.run(each));
    // The failing execution's schedule, as shuttle recorded it; nothing has run on this thread
    // since that execution failed.
    let failure = result.err().map(|payload| (Verdict::from_panic(payload.as_ref()), CurrentSchedule::get_schedule()));
    let (reached_window, trace) = runs.finish(failure.is_some());
    Ran { started: progress.started.get(), completed: progress.completed.get(), reached_window, failure, trace }
}

/// Explores `model` with the shuttle scheduler `strategy` names.
pub(super) fn run(model: &Model, exploration: &Exploration) -> Run {
    let iterations = usize::try_from(exploration.budget).unwrap_or(usize::MAX);
    let e = exploration;
    // Each arm names the settings it hands the scheduler, from the same values: reports print
    // what ran, not what a scenario asked for.
    let (settings, ran) = match e.strategy {
        Strategy::Random { seed } => {
            (Strategy::Random { seed }, run_with(model, RandomScheduler::new_from_seed(seed, iterations), e, false))
        }
        // Note the order: `PctScheduler::new_from_seed(seed, depth, iterations)`.
        Strategy::Pct { seed, depth } => (
            Strategy::Pct { seed, depth },
            run_with(model, PctScheduler::new_from_seed(seed, depth, iterations), e, false),
        ),
        Strategy::Urw { seed } => {
            (Strategy::Urw { seed }, run_with(model, UrwRandomScheduler::new_from_seed(seed, iterations), e, false))
        }
        Strategy::Dfs => (Strategy::Dfs, run_with(model, DfsScheduler::new(None, false), e, false)),
        Strategy::Loom { .. } | Strategy::Threads => {
            unreachable!("not a shuttle scheduler: {}", e.strategy)
        }
    };
    let failed = ran.failure.is_some();
    Run {
        executions: ran.started,
        completed: ran.completed && !failed,
        reached_window: ran.reached_window,
        first_failure: failed.then_some(ran.started),
        failures: u64::from(failed),
        ran: settings,
        failure: ran.failure.map(|(verdict, schedule)| {
            let replay = crate::schedule::encode(&schedule).map(|schedule| Replay::Shuttle { schedule });
            (verdict, replay)
        }),
    }
}

/// Replays one encoded schedule with the trace recorder on; also says its preemptions. A
/// schedule that does not fit the model, decisions left over included, is `stale`.
pub(super) fn replay(model: &Model, schedule: &str, step_limit: u64) -> (Verdict, Trace, u64) {
    let schedule = match crate::schedule::decode_at_most(schedule, max_steps(step_limit)) {
        Ok(s) => s,
        Err(error) => return (Verdict::Stale { reason: Stale::Unreadable { error } }, Trace::default(), 0),
    };
    let total = schedule.steps.len();
    let replaying = Replaying::new(schedule);
    let taken = replaying.taken();
    let counting = Counting::new(replaying);
    let preemptions = counting.count();
    let once = Exploration::new(Strategy::Dfs, 1).with_step_limit(step_limit);
    let ran = run_with(model, counting, &once, true);
    let verdict = match ran.failure {
        Some((v, _)) if v.stale().is_some() => v,
        _ if taken.get() < total => {
            let (taken, left) = (taken.get() as u64, (total - taken.get()) as u64);
            Verdict::Stale { reason: Stale::LeftOver { taken, left } }
        }
        Some((v, _)) => v,
        None => Verdict::Holds,
    };
    (verdict, ran.trace, preemptions.get() as u64)
}

/// Whether `found` is the same failure as `wanted`: the same verdict, and for a violation the
/// same invariant (its values may differ).
fn same_failure(found: &Verdict, wanted: &Verdict) -> bool {
    match (found, wanted) {
        (Verdict::Violated(a), Verdict::Violated(b)) => a.invariant == b.invariant,
        _ => found.name() == wanted.name(),
    }
}

/// Searches bounds 0, 1, … `max_bound` for an execution that fails as `wanted` does; returns
/// its schedule and preemption count, or `None` when none was found within `limits`' budget
/// of executions (then no claim of minimality can be made).
pub(super) fn minimize(
    model: &Model,
    wanted: &Verdict,
    max_bound: usize,
    limits: &Exploration,
) -> Option<(String, u64)> {
    let (budget, mut spent) = (limits.budget, 0);
    for bound in 0..=max_bound {
        let search = Shared(Rc::new(RefCell::new(Bounded::new(bound))));
        loop {
            let left = Exploration { budget: budget.saturating_sub(spent), ..limits.clone() };
            let counting = Counting::new(search.clone());
            let preemptions = counting.count();
            let ran = run_with(model, counting, &left, false);
            spent += ran.started;
            match ran.failure {
                Some((found, schedule)) if same_failure(&found, wanted) => {
                    return crate::schedule::encode(&schedule).map(|s| (s, preemptions.get() as u64));
                }
                // Another failure: the search goes on past it.
                Some(_) if spent < budget => continue,
                Some(_) => return None,
                None if ran.completed => break,
                None => return None,
            }
        }
    }
    None
}

/// Every execution of `model` that fails as `wanted` does, with its preemptions, found by
/// shuttle's own unreduced DFS (independent of [`Bounded`]) going on past each failure; `None`
/// when `limits`' budget runs out first.
pub(super) fn failing_preemptions(model: &Model, wanted: &Verdict, limits: &Exploration) -> Option<Vec<u64>> {
    let search = Shared(Rc::new(RefCell::new(DfsScheduler::new(None, false))));
    let (budget, mut spent, mut found) = (limits.budget, 0, Vec::new());
    loop {
        let left = Exploration { budget: budget.saturating_sub(spent), ..limits.clone() };
        let counting = Counting::new(search.clone());
        let preemptions = counting.count();
        let ran = run_with(model, counting, &left, false);
        spent += ran.started;
        match ran.failure {
            Some((f, _)) if same_failure(&f, wanted) => found.push(preemptions.get() as u64),
            Some(_) => {}
            None if ran.completed => return Some(found),
            None => return None,
        }
        if spent >= budget {
            return None;
        }
    }
}
