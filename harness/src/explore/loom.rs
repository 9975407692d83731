//! Running a model under loom's exhaustive search.
//!
//! loom's search is deterministic, so "the n-th execution of a search with preemption bound b"
//! names one execution exactly: that is the replay handle. The harness counts executions itself
//! and stops the search at the budget with its own payload ([`BudgetSpent`]), which tells "the
//! budget ran out" apart from "the search completed" — loom's `max_permutations` cannot, and is
//! only checked every `checkpoint_interval` executions anyway.
//!
//! Every setting of loom's `Builder` is set here, none left to `LOOM_*` environment variables:
//! the same handle must mean the same execution on every machine.

use std::cell::Cell;
use std::panic;
use std::path::Path;

use super::executions::Executions;
use super::{Exploration, Model, Run, Strategy};
use crate::handle::Replay;
use crate::runtime::{self, Runtime};
use crate::stale::Stale;
use crate::trace::Trace;
use crate::verdict::Verdict;

/// The panic that ends a search whose budget is spent.
#[derive(Debug)]
struct BudgetSpent;

/// Whether `payload` is the panic that ends a search whose budget is spent.
pub(super) fn is_budget_spent(payload: &(dyn std::any::Any + Send)) -> bool {
    payload.is::<BudgetSpent>()
}

/// The most threads loom allows, the main thread included.
pub(crate) const MAX_THREADS: usize = 5;

thread_local! {
    /// The search under way on this thread, for [`crate::isolate`]'s deadlock report: loom
    /// aborts the process on a deadlock, so the harness has to say where it was from the hook.
    static PROGRESS: Cell<Option<Progress>> = const { Cell::new(None) };
}

/// Where a loom search is, for a report written from a panic hook.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Progress {
    /// The search's preemption bound.
    pub(crate) preemption_bound: Option<usize>,
    /// The execution under way, from 1.
    pub(crate) execution: u64,
    /// Executions before it that reached the model's race window.
    pub(crate) reached_window: u64,
}

/// Where the loom search running on this thread is.
pub(crate) fn progress() -> Option<Progress> {
    PROGRESS.with(Cell::get)
}

fn builder(preemption_bound: Option<usize>, step_limit: u64) -> loom::model::Builder {
    let mut b = loom::model::Builder::new();
    b.max_threads = MAX_THREADS;
    // The harness's step limit counts facade operations; loom's branch limit is a backstop.
    b.max_branches = usize::try_from(step_limit.saturating_mul(4).max(1_000)).unwrap_or(usize::MAX);
    b.max_permutations = None;
    b.max_duration = None;
    b.preemption_bound = preemption_bound;
    b.checkpoint_file = None;
    b.checkpoint_interval = usize::MAX;
    b.expect_explicit_explore = false;
    b.location = false;
    b.log = false;
    b
}

struct Searched {
    executions: u64,
    completed: bool,
    reached_window: u64,
    failure: Option<Verdict>,
    trace: Trace,
    /// The preemption bound loom's builder was given.
    preemption_bound: Option<usize>,
}

/// Where loom keeps its checkpoint, and whether it starts from one.
#[derive(Clone, Copy)]
enum Checkpoint<'a> {
    None,
    /// Write the path of every execution to the file (the failing one's stays).
    Write(&'a Path),
    /// Start from the path in the file.
    Read(&'a Path),
}

/// The preemption bound of a loom exploration.
fn preemption_bound(exploration: &Exploration) -> Option<usize> {
    match exploration.strategy {
        Strategy::Loom { preemption_bound } => preemption_bound,
        ref other => unreachable!("not a loom exploration: {other}"),
    }
}

/// A loom exploration of the first `execution` executions of a search with `preemption_bound`.
fn up_to(preemption_bound: Option<usize>, execution: u64, step_limit: u64) -> Exploration {
    Exploration::new(Strategy::Loom { preemption_bound }, execution).with_step_limit(step_limit)
}

/// Searches as `exploration` says; the `record_at`-th execution (from 1) records its trace.
fn search(model: &Model, exploration: &Exploration, record_at: Option<u64>) -> Searched {
    search_with(model, exploration, record_at, Checkpoint::None)
}

fn search_with(
    model: &Model,
    exploration: &Exploration,
    record_at: Option<u64>,
    checkpoint: Checkpoint<'_>,
) -> Searched {
    let (preemption_bound, budget, step_limit) =
        (preemption_bound(exploration), exploration.budget, exploration.step_limit);
    let runs = Executions::new(model, step_limit, record_at);
    let each = runs.each();
    let counted = runs.count_handle();
    let reached = runs.reached_handle();
    let body = move || {
        let n = counted.load(std::sync::atomic::Ordering::Relaxed) + 1;
        if n > budget {
            panic::panic_any(BudgetSpent);
        }
        let reached_window = reached.load(std::sync::atomic::Ordering::Relaxed);
        PROGRESS.with(|p| p.set(Some(Progress { preemption_bound, execution: n, reached_window })));
        each();
    };
    let _scope = runtime::enter(Runtime::Loom);
    let mut b = builder(preemption_bound, step_limit);
    let ran_bound = b.preemption_bound;
    match checkpoint {
        Checkpoint::None => {}
        Checkpoint::Write(path) => {
            b.checkpoint_file = Some(path.to_owned());
            b.checkpoint_interval = 1;
        }
        Checkpoint::Read(path) => b.checkpoint_file = Some(path.to_owned()),
    }
    let result = super::quiet::catch(record_at.is_some(), || b.check(body));
    PROGRESS.with(|p| p.set(None));
    let (executions, completed, failure) = match result {
        Ok(()) => (runs.count(), true, None),
        Err(payload) if payload.is::<BudgetSpent>() => (budget, false, None),
        Err(payload) => (runs.count(), false, Some(Verdict::from_panic(payload.as_ref()))),
    };
    let (reached_window, trace) = runs.finish(failure.is_some());
    Searched { executions, completed, reached_window, failure, trace, preemption_bound: ran_bound }
}

/// Explores `model` under loom.
pub(super) fn run(model: &Model, exploration: &Exploration) -> Run {
    let preemption_bound = preemption_bound(exploration);
    let s = search(model, exploration, None);
    let failed = s.failure.is_some();
    Run {
        executions: s.executions,
        completed: s.completed,
        reached_window: s.reached_window,
        first_failure: failed.then_some(s.executions),
        failures: u64::from(failed),
        failure: s.failure.map(|v| (v, Some(Replay::Loom { preemption_bound, execution: s.executions }))),
        ran: Strategy::Loom { preemption_bound: s.preemption_bound },
    }
}

/// Re-runs the search up to execution `execution`, recording that one's trace.
pub(super) fn replay(
    model: &Model,
    preemption_bound: Option<usize>,
    execution: u64,
    step_limit: u64,
) -> (Verdict, Trace) {
    let s = search(model, &up_to(preemption_bound, execution, step_limit), Some(execution));
    let verdict = match s.failure {
        Some(v) if s.executions == execution => v,
        Some(v) => {
            Verdict::Stale { reason: Stale::FailsEarlier { execution, failed: s.executions, verdict: v.to_string() } }
        }
        None if s.executions < execution => {
            Verdict::Stale { reason: Stale::NoSuchExecution { execution, executions: s.executions } }
        }
        None => Verdict::Holds,
    };
    (verdict, s.trace)
}

/// Why loom's checkpoint file for an execution could not be written or does not reproduce it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointError {
    /// Only a loom handle has a loom checkpoint.
    NotLoom,
    /// The file could not be replaced.
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        message: String,
    },
    /// The execution does not fail, so there is nothing to reproduce.
    NotFailing {
        /// The execution.
        execution: u64,
    },
    /// A search started from the file did not fail the same way on its first execution.
    Differs {
        /// What that search ended with (`None`: it held).
        found: Option<Verdict>,
        /// The execution's verdict.
        wanted: Verdict,
    },
}

impl std::fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotLoom => f.write_str("only a loom handle has a loom checkpoint"),
            Self::Io { path, message } => write!(f, "cannot replace {}: {message}", path.display()),
            Self::NotFailing { execution } => write!(f, "execution {execution} of the search does not fail"),
            Self::Differs { found, wanted } => {
                write!(f, "a search from the checkpoint ended {found:?}, not `{wanted}`")
            }
        }
    }
}

impl std::error::Error for CheckpointError {}

/// Writes loom's own checkpoint file for execution `execution` of the search to `path`, then
/// checks it: a loom search started from that file must fail on its first execution, with the
/// same verdict. Returns the verdict, or why the checkpoint does not reproduce it.
pub(super) fn write_checkpoint(
    model: &Model,
    preemption_bound: Option<usize>,
    execution: u64,
    step_limit: u64,
    path: &Path,
) -> Result<Verdict, CheckpointError> {
    // loom starts from an existing checkpoint file: start from scratch.
    if path.exists() {
        std::fs::remove_file(path)
            .map_err(|e| CheckpointError::Io { path: path.to_owned(), message: e.to_string() })?;
    }
    let written = search_with(model, &up_to(preemption_bound, execution, step_limit), None, Checkpoint::Write(path));
    let Some(verdict) = written.failure.filter(|_| written.executions == execution) else {
        return Err(CheckpointError::NotFailing { execution });
    };
    let reread = search_with(model, &up_to(preemption_bound, 1, step_limit), None, Checkpoint::Read(path));
    match reread.failure {
        Some(v) if v == verdict => Ok(verdict),
        found => Err(CheckpointError::Differs { found, wanted: verdict }),
    }
}
