//! Replay handles and schedule strings survive the trip through text (quickcheck).
//!
//! A handle is what an auditor copies out of a report and pastes into `racecheck replay`: its
//! text must read back as exactly the execution it names, for every schedule the harness can
//! record, and text that is not a handle must be an error, never a panic.

use harness::schedule::{decode, encode, MAX_TASKS};
use harness::{Handle, Replay};
use quickcheck::{Arbitrary, Gen, QuickCheck};
use shuttle::scheduler::{Schedule, TaskId};
use shuttle_engine::scheduler::ScheduleStep;

/// Any schedule the harness can encode: up to [`MAX_TASKS`] tasks, random-data steps, long runs.
#[derive(Clone, Debug)]
struct AnySchedule(Schedule);

impl Arbitrary for AnySchedule {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut schedule = Schedule::new(u64::arbitrary(g));
        for _ in 0..usize::arbitrary(g) % 40 {
            // Mostly the first three tasks, as models have a handful of threads; any of them.
            let step = match u8::arbitrary(g) % (MAX_TASKS as u8 + 1) {
                26 => ScheduleStep::Random,
                task if bool::arbitrary(g) => ScheduleStep::Task(TaskId::from(usize::from(task))),
                task => ScheduleStep::Task(TaskId::from(usize::from(task % 3))),
            };
            // Runs of one step, as schedules have them: 1 to 300 steps long.
            let run = 1 + usize::from(u16::arbitrary(g) % 300) * usize::from(bool::arbitrary(g));
            schedule.steps.extend(std::iter::repeat_n(step, run));
        }
        Self(schedule)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let seed = self.0.seed;
        let steps = self.0.steps.clone();
        Box::new((0..steps.len()).rev().map(move |n| AnySchedule(Schedule { seed, steps: steps[..n].to_vec() })))
    }
}

/// A target segment: any text without `/`, never empty.
fn segment(g: &mut Gen) -> String {
    let text: String = String::arbitrary(g).chars().filter(|&c| c != '/').collect();
    if text.is_empty() {
        "x".to_owned()
    } else {
        text
    }
}

/// Any handle the harness can print: a shuttle schedule or a loom execution, on any target.
#[derive(Clone, Debug)]
struct AnyHandle(Handle);

impl Arbitrary for AnyHandle {
    fn arbitrary(g: &mut Gen) -> Self {
        let target = format!("{}/{}", segment(g), segment(g));
        let replay = if bool::arbitrary(g) {
            let schedule = encode(&AnySchedule::arbitrary(g).0).expect("at most MAX_TASKS tasks");
            Replay::Shuttle { schedule }
        } else {
            let preemption_bound = Option::<u8>::arbitrary(g).map(usize::from);
            Replay::Loom { preemption_bound, execution: u64::arbitrary(g).max(1) }
        };
        Self(Handle { target, replay })
    }
}

/// Text made mostly of the characters handles and schedules are written in, to reach deep into
/// the parsers, with a few others.
#[derive(Clone, Debug)]
struct HandleLikeText(String);

impl Arbitrary for HandleLikeText {
    fn arbitrary(g: &mut Gen) -> Self {
        const ALPHABET: &[char] = &[
            'a', 'b', 'c', 'z', 'R', '0', '1', '9', 'f', '.', ':', '/', '-', 's', 'h', 'u', 't', 'l', 'e', 'r', 'o',
            'm', '{', ' ', 'é',
        ];
        let len = usize::arbitrary(g) % 32;
        Self((0..len).map(|_| *g.choose(ALPHABET).expect("not empty")).collect())
    }
}

fn checks(n: u64) -> QuickCheck {
    QuickCheck::new().tests(n).max_tests(n * 10)
}

#[test]
fn a_schedule_decodes_to_what_was_encoded() {
    fn prop(schedule: AnySchedule) -> bool {
        let text = encode(&schedule.0).expect("at most MAX_TASKS tasks");
        decode(&text) == Ok(schedule.0)
    }
    checks(2_000).quickcheck(prop as fn(AnySchedule) -> bool);
}

#[test]
fn a_schedule_string_is_one_line_of_plain_characters() {
    fn prop(schedule: AnySchedule) -> bool {
        let text = encode(&schedule.0).expect("at most MAX_TASKS tasks");
        text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
    }
    checks(1_000).quickcheck(prop as fn(AnySchedule) -> bool);
}

#[test]
fn a_handle_reads_back_as_the_handle_it_prints() {
    fn prop(handle: AnyHandle) -> bool {
        handle.0.to_string().parse::<Handle>() == Ok(handle.0)
    }
    checks(2_000).quickcheck(prop as fn(AnyHandle) -> bool);
}

#[test]
fn a_handle_survives_json() {
    fn prop(handle: AnyHandle) -> bool {
        let json = serde_json::to_string(&handle.0).expect("serialises");
        serde_json::from_str::<Handle>(&json).ok() == Some(handle.0)
    }
    checks(1_000).quickcheck(prop as fn(AnyHandle) -> bool);
}

#[test]
fn decoding_any_text_never_panics() {
    fn prop(text: String, like: HandleLikeText) -> bool {
        for text in [text.as_str(), like.0.as_str()] {
            // Whatever it returns, it returns: an error for text that is not a schedule or handle.
            let _ = decode(text);
            let _ = text.parse::<Handle>();
        }
        true
    }
    checks(5_000).quickcheck(prop as fn(String, HandleLikeText) -> bool);
}

#[test]
fn text_that_reads_as_a_handle_prints_as_itself() {
    fn prop(like: HandleLikeText) -> bool {
        // Every handle text that parses is canonical except for the run-length form of a
        // schedule (`a1` and `a` are one step), so compare what the parsed handles mean.
        match like.0.parse::<Handle>() {
            Ok(handle) => handle.to_string().parse::<Handle>().is_ok_and(|again| same(&again, &handle)),
            Err(_) => true,
        }
    }
    checks(5_000).quickcheck(prop as fn(HandleLikeText) -> bool);
}

/// Two handles name the same execution: same target, and the same schedule or loom execution.
fn same(a: &Handle, b: &Handle) -> bool {
    a.target == b.target
        && match (&a.replay, &b.replay) {
            (Replay::Shuttle { schedule: x }, Replay::Shuttle { schedule: y }) => decode(x) == decode(y),
            (x, y) => x == y,
        }
}

#[test]
fn decoding_a_huge_run_is_an_error_not_a_panic() {
    for text in ["0.ab18446744073709551615", "0.a9999999999999999999999", "0.a10000000b1"] {
        assert!(harness::schedule::decode(text).is_err(), "{text}");
        let handle = format!("reentry/before/shuttle:{text}");
        assert!(handle.parse::<harness::Handle>().is_err(), "{handle}");
    }
}
