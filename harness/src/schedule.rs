//! A compact, one-line text form of a shuttle schedule, for replay handles.
//!
//! shuttle's own encoding wraps lines every 76 characters and panics on malformed input, so the
//! harness writes its own: `<seed in hex>.<steps>`, where each step is a letter (`a` for task 0,
//! `b` for task 1, … `z` for task 25; `R` for a random-data choice), and a run of one step is
//! written once followed by its length: `a3b` is `a a a b`. Decoding never panics: a malformed
//! string is a [`ScheduleError`] that says what was expected. A short string can stand for a
//! long schedule (`0.a9999999`), so decoding checks the length before it allocates: at most
//! [`MAX_STEPS`], and a replay asks for no more than its step limit allows.

use std::fmt;

use serde::{Deserialize, Serialize};

use shuttle::scheduler::{Schedule, TaskId};
use shuttle_engine::scheduler::ScheduleStep;

/// The most tasks a handle can name. The models have a handful of threads.
pub const MAX_TASKS: usize = 26;

/// The most steps a decoded schedule may have: a bound on what a typo can make us allocate.
pub const MAX_STEPS: usize = 10_000_000;

/// Writes `schedule` in the handle form; `None` when it names a task beyond [`MAX_TASKS`].
pub fn encode(schedule: &Schedule) -> Option<String> {
    let mut out = format!("{:x}.", schedule.seed);
    let mut steps = schedule.steps.iter().map(symbol).peekable();
    while let Some(sym) = steps.next() {
        let sym = sym?;
        let mut run = 1usize;
        while steps.peek() == Some(&Some(sym)) {
            steps.next();
            run += 1;
        }
        out.push(sym);
        if run > 1 {
            out.push_str(&run.to_string());
        }
    }
    Some(out)
}

fn symbol(step: &ScheduleStep) -> Option<char> {
    match step {
        ScheduleStep::Random => Some('R'),
        ScheduleStep::Task(t) => {
            let id = usize::from(*t);
            (id < MAX_TASKS).then(|| char::from(b'a' + id as u8))
        }
    }
}

/// Why a schedule string could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ScheduleError {
    /// There is no `.` between the seed and the steps.
    NoSeed,
    /// The seed is not a hexadecimal `u64`.
    BadSeed {
        /// The text where the seed was expected.
        seed: String,
    },
    /// A character that is neither a task letter, `R` nor a count.
    BadStep {
        /// The character.
        found: char,
    },
    /// A count is 0, or too large to be a count.
    BadCount,
    /// The steps add up to more than `max`: more than any execution within the step limit takes
    /// (or [`MAX_STEPS`]), and more than is worth allocating.
    TooLong {
        /// The most steps allowed.
        max: usize,
    },
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSeed => f.write_str("expected `<seed>.<steps>`"),
            Self::BadSeed { seed } => write!(f, "the seed `{seed}` is not a hex u64"),
            Self::BadStep { found } => write!(f, "unexpected `{found}` in the steps; expected a-z, R or a count"),
            Self::BadCount => f.write_str("a count is 0 or too large"),
            Self::TooLong { max } => write!(f, "more than {max} steps"),
        }
    }
}

impl std::error::Error for ScheduleError {}

/// Reads a schedule written by [`encode`], of at most [`MAX_STEPS`] steps.
pub fn decode(text: &str) -> Result<Schedule, ScheduleError> {
    decode_at_most(text, MAX_STEPS)
}

/// Reads a schedule written by [`encode`], of at most `max` steps (and [`MAX_STEPS`]); the
/// length is checked before anything is allocated for the steps.
pub fn decode_at_most(text: &str, max: usize) -> Result<Schedule, ScheduleError> {
    let (seed, runs) = parse(text, max.min(MAX_STEPS))?;
    let mut schedule = Schedule::new(seed);
    schedule.steps.reserve_exact(runs.iter().map(|(_, n)| n).sum());
    for (step, run) in runs {
        schedule.steps.extend(std::iter::repeat_n(step, run));
    }
    Ok(schedule)
}

/// Checks that `text` is a schedule of at most [`MAX_STEPS`] steps, without allocating them.
pub fn check(text: &str) -> Result<(), ScheduleError> {
    parse(text, MAX_STEPS).map(drop)
}

/// The seed and the runs of steps of `text`, which must add up to at most `max` steps.
fn parse(text: &str, max: usize) -> Result<(u64, Vec<(ScheduleStep, usize)>), ScheduleError> {
    let (seed, steps) = text.split_once('.').ok_or(ScheduleError::NoSeed)?;
    let seed = u64::from_str_radix(seed, 16).map_err(|_| ScheduleError::BadSeed { seed: seed.to_owned() })?;
    let (mut runs, mut total) = (Vec::new(), 0usize);
    let mut chars = steps.chars().peekable();
    while let Some(c) = chars.next() {
        let step = match c {
            'R' => ScheduleStep::Random,
            'a'..='z' => ScheduleStep::Task(TaskId::from(usize::from(c as u8 - b'a'))),
            found => return Err(ScheduleError::BadStep { found }),
        };
        let mut count = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            count.push(*d);
            chars.next();
        }
        let run = if count.is_empty() { 1 } else { count.parse::<usize>().map_err(|_| ScheduleError::BadCount)? };
        if run == 0 {
            return Err(ScheduleError::BadCount);
        }
        if run > max - total {
            return Err(ScheduleError::TooLong { max });
        }
        total += run;
        runs.push((step, run));
    }
    Ok((seed, runs))
}
