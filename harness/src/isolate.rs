//! Explorations in a child process, so that one model cannot take a whole run down.
//!
//! loom aborts the process on a deadlock (after printing the stuck threads), and a deadlock on
//! real threads never ends. The command line therefore runs each exploration as a child of
//! itself: [`run_in_child`] starts the program with a [`Job`] as JSON, and the child calls
//! [`serve`], which runs the job and prints the [`Outcome`] as one line prefixed by
//! [`OUTCOME_PREFIX`]. On a loom deadlock, the child's panic hook prints the outcome before
//! loom aborts: the verdict, the execution number (the replay handle) and, in a replay, the
//! trace up to the point where every thread was blocked.
//!
//! A child never outlives its parent, and never runs past its job's wall-clock limit
//! ([`Exploration::timeout_secs`]; a replay gets [`explore::DEFAULT_TIMEOUT_SECS`]): the parent
//! kills it then, and the outcome is `timeout`. See `isolate/process.rs` for how, without `unsafe`, and
//! `harness/DESIGN.md`, "Isolation".
//!
//! The child's stderr (shuttle's and loom's own chatter) is kept only when the child dies
//! without an outcome, and then only on the terminal, never in an outcome. `LOOM_*`, `SHUTTLE_*`
//! and `PROPTEST_*` variables are removed from the child's environment: a handle must mean the
//! same execution everywhere.

mod process;

use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub use process::{watch_parent, PARENT_GONE};

use serde::{Deserialize, Serialize};

use crate::explore::{self, Exploration, Model, Outcome, Run, Strategy};
use crate::handle::{Handle, Replay};
use crate::trace::Trace;
use crate::verdict::{self, Verdict};

/// Marks the line of a child's stdout that carries its outcome.
pub const OUTCOME_PREFIX: &str = "racecheck-outcome ";

/// What a child process is asked to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Job {
    /// Explore the model.
    Explore(Exploration),
    /// Replay one execution, with its trace.
    Replay {
        /// The execution.
        handle: Handle,
        /// The step limit it ran with.
        step_limit: u64,
        /// Also search the same failure with the fewest preemptions.
        #[serde(default)]
        minimize: bool,
    },
    /// Write loom's checkpoint file for a loom handle's execution, and check it.
    LoomCheckpoint {
        /// The execution.
        handle: Handle,
        /// The step limit it ran with.
        step_limit: u64,
        /// Where to write the checkpoint.
        path: std::path::PathBuf,
    },
}

impl Job {
    /// The execution the job replays, if it is a replay.
    pub fn handle(&self) -> Option<&Handle> {
        match self {
            Job::Replay { handle, .. } | Job::LoomCheckpoint { handle, .. } => Some(handle),
            Job::Explore(_) => None,
        }
    }

    /// The wall-clock limit of the job, in seconds.
    pub fn timeout_secs(&self) -> u64 {
        match self {
            Job::Explore(exploration) => exploration.timeout_secs,
            Job::Replay { .. } | Job::LoomCheckpoint { .. } => explore::DEFAULT_TIMEOUT_SECS,
        }
    }

    /// The job as the one argument a child takes.
    pub fn to_arg(&self) -> String {
        serde_json::to_string(self).expect("a job always serializes")
    }

    /// Reads the argument written by [`Job::to_arg`].
    pub fn from_arg(arg: &str) -> Result<Self, JobError> {
        serde_json::from_str(arg).map_err(|e| JobError::Malformed { message: e.to_string() })
    }
}

/// Why a child could not read its job.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobError {
    /// The argument is not a job written by [`Job::to_arg`].
    Malformed {
        /// What the JSON reader said.
        message: String,
    },
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed { message } => write!(f, "malformed job: {message}"),
        }
    }
}

impl std::error::Error for JobError {}

/// The environment variables that would change what a scheduler library does: loom's, shuttle's
/// (`SHUTTLE_RANDOM_SEED` replaces every seed) and proptest's (`PROPTEST_*` change shrinking).
pub const LIBRARY_ENV: &[&str] = &["LOOM_", "SHUTTLE_", "PROPTEST_"];

/// Removes [`LIBRARY_ENV`] from a child's environment: a handle or a seed must mean the same
/// execution everywhere.
pub fn scrub_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if LIBRARY_ENV.iter().any(|prefix| key.to_string_lossy().starts_with(prefix)) {
            cmd.env_remove(key);
        }
    }
}

/// Runs `program args… <job>` and reads the outcome it prints; kills it, and returns a
/// `timeout` outcome, once the job's wall-clock limit has passed.
///
/// The program must call [`serve`] (which watches its stdin: the child exits when this process
/// goes away, even killed).
pub fn run_in_child(program: &Path, args: &[String], job: &Job) -> Outcome {
    let mut cmd = Command::new(program);
    cmd.args(args).arg(job.to_arg());
    scrub_env(&mut cmd);
    // The child's stderr is kept only for a child that dies without an outcome, and then only
    // its last lines: a backtrace there is noise, and symbolizing one costs a child that reports
    // a model's panic more than its search.
    cmd.env_remove("RUST_BACKTRACE");
    let seconds = job.timeout_secs();
    let (status, stdout, stderr) = match process::run(&mut cmd, Duration::from_secs(seconds)) {
        Ok(process::Ended::Exited { status, stdout, stderr }) => (status, stdout, stderr),
        Ok(process::Ended::TimedOut) => return Outcome::aborted(Verdict::Timeout { seconds }, job.handle().cloned()),
        Err(e) => return crashed(job, format!("cannot start {}: {e}", program.display())),
    };
    let stdout = String::from_utf8_lossy(&stdout);
    let outcome =
        stdout.lines().rev().find_map(|l| l.strip_prefix(OUTCOME_PREFIX)).map(serde_json::from_str::<Outcome>);
    match outcome {
        Some(Ok(outcome)) => outcome,
        Some(Err(e)) => crashed(job, format!("the child printed a malformed outcome: {e}")),
        None => {
            let stderr = String::from_utf8_lossy(&stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            crashed(job, format!("the child process ended ({status}) without an outcome: {}", tail.join(" | ")))
        }
    }
}

fn crashed(job: &Job, message: String) -> Outcome {
    Outcome::aborted(Verdict::ModelPanic { message }, job.handle().cloned())
}

fn print_outcome(outcome: &Outcome) {
    let line = serde_json::to_string(outcome).expect("an outcome always serializes");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{OUTCOME_PREFIX}{line}");
    let _ = out.flush();
}

/// The child's side: runs `job` on `model`, prints the outcome, and returns. The process exits
/// early if its stdin reaches its end: the parent that started it is gone ([`watch_parent`]).
pub fn serve(model: &Model, job: &Job) {
    watch_parent();
    let previous = std::panic::take_hook();
    let hooked = model.clone();
    let asked = match job {
        Job::Explore(exploration) => Some(exploration.clone()),
        _ => None,
    };
    std::panic::set_hook(Box::new(move |info| {
        // loom is about to abort the process: say where it was first.
        let message = verdict::panic_message(info.payload());
        if let (true, Some(progress)) = (verdict::is_deadlock_message(&message), explore::loom_progress()) {
            print_outcome(&loom_deadlock(&hooked, asked.as_ref(), progress, message));
        }
        previous(info);
    }));
    let outcome = match job {
        Job::Explore(exploration) => explore::explore(model, exploration),
        Job::Replay { handle, step_limit, minimize } => {
            let (verdict, trace, preemptions) = explore::replay_counted(model, handle, *step_limit);
            let bound = explore::minimize_bound(&handle.replay, preemptions);
            let minimal = (*minimize && verdict.is_failure())
                .then(|| explore::minimize(model, &verdict, bound, *step_limit))
                .flatten();
            Outcome { minimal, ..Outcome::replayed(handle.clone(), verdict, Some(trace), preemptions) }
        }
        Job::LoomCheckpoint { handle, step_limit, path } => {
            let verdict = explore::write_loom_checkpoint(model, handle, *step_limit, path)
                .unwrap_or_else(|e| Verdict::ModelPanic { message: e.to_string() });
            Outcome::replayed(handle.clone(), verdict, None, None)
        }
    };
    print_outcome(&outcome);
}

/// The outcome of a loom search that is about to abort the process on a deadlock: the verdict,
/// the execution number (the replay handle) and, in a replay, the trace up to the point where
/// every thread was blocked.
fn loom_deadlock(
    model: &Model,
    asked: Option<&Exploration>,
    progress: explore::LoomProgress,
    details: String,
) -> Outcome {
    let execution = progress.execution;
    let run = Run {
        executions: execution,
        completed: false,
        reached_window: progress.reached_window,
        failure: Some((
            Verdict::Deadlock { details },
            Some(Replay::Loom { preemption_bound: progress.preemption_bound, execution }),
        )),
        first_failure: Some(execution),
        failures: 1,
        ran: Strategy::Loom { preemption_bound: progress.preemption_bound },
    };
    let exploration = asked.cloned().unwrap_or_else(|| Exploration::new(run.ran.clone(), execution));
    let trace = crate::runtime::with_execution(crate::runtime::Execution::events).unwrap_or_default();
    Outcome {
        trace: (!trace.is_empty()).then_some(Trace { events: trace }),
        ..Outcome::from_run(model, &exploration, run)
    }
}
