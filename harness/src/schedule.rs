//! A compact, one-line text form of a shuttle schedule, for replay handles.
//!
//! shuttle's own encoding wraps lines every 76 characters and panics on malformed input, so the
//! harness writes its own: `<seed in hex>.<steps>`, where each step is a letter (`a` for task 0,
//! `b` for task 1, … `z` for task 25; `R` for a random-data choice), and a run of one step is
//! written once followed by its length: `a3b` is `a a a b`. Decoding never panics: a malformed
//! string is an error that says what was expected.

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

/// Reads a schedule written by [`encode`].
pub fn decode(text: &str) -> Result<Schedule, String> {
    let (seed, steps) = text.split_once('.').ok_or("expected `<seed>.<steps>`")?;
    let seed = u64::from_str_radix(seed, 16).map_err(|_| format!("the seed `{seed}` is not a hex u64"))?;
    let mut schedule = Schedule::new(seed);
    let mut chars = steps.chars().peekable();
    while let Some(c) = chars.next() {
        let step = match c {
            'R' => ScheduleStep::Random,
            'a'..='z' => ScheduleStep::Task(TaskId::from(usize::from(c as u8 - b'a'))),
            other => return Err(format!("unexpected `{other}` in the steps; expected a-z, R or a count")),
        };
        let mut count = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            count.push(*d);
            chars.next();
        }
        let run = if count.is_empty() { 1 } else { count.parse::<usize>().map_err(|_| "a count is too large")? };
        if run == 0 || run > MAX_STEPS - schedule.steps.len() {
            return Err(format!("a run of {run} steps is out of range (1 to {MAX_STEPS} steps in all)"));
        }
        schedule.steps.extend(std::iter::repeat_n(step, run));
    }
    Ok(schedule)
}
