//! A shuttle scheduler that enumerates, depth first, every execution with at most `bound`
//! preemptions: the search behind the minimal counterexample.
//!
//! A preemption is a switch away from a thread that could have gone on running (it was runnable
//! and did not yield). Switches at a thread's end, or when it blocks, are free. Searching bound 0,
//! then 1, then 2 … (iterative preemption bounding, as in CHESS) finds a failing execution with
//! the fewest preemptions there are: each bound is searched to the end before the next. No
//! reduction, so it is for the small bounds that real concurrency bugs need (usually 1 or 2).
//!
//! The scheduler is shared ([`Shared`]) so a search can go on past an execution that failed in
//! another way than the one being minimised: shuttle's `Runner` stops at every failure.

use std::cell::RefCell;
use std::rc::Rc;

use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};

/// Whether switching from `current` to `next` is a preemption.
pub(super) fn is_preemption(runnable: &[&Task], current: Option<TaskId>, is_yielding: bool, next: TaskId) -> bool {
    match current {
        Some(c) => c != next && !is_yielding && runnable.iter().any(|t| t.id() == c),
        None => false,
    }
}

/// One scheduling decision: the choices there were, and which one this execution takes.
#[derive(Debug)]
struct Level {
    // invariant: `options` is never empty, and `index < options.len()`.
    options: Vec<TaskId>,
    index: usize,
}

/// The preemption-bounded depth-first search.
#[derive(Debug)]
pub(super) struct Bounded {
    bound: usize,
    levels: Vec<Level>,
    /// Decisions taken so far in the current execution.
    steps: usize,
    /// Preemptions so far in the current execution.
    preemptions: usize,
    started: bool,
}

impl Bounded {
    pub(super) fn new(bound: usize) -> Self {
        Self { bound, levels: Vec::new(), steps: 0, preemptions: 0, started: false }
    }
}

impl Scheduler for Bounded {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started {
            // Backtrack: the deepest decision with an untried choice takes its next one.
            loop {
                let level = self.levels.last_mut()?;
                if level.index + 1 < level.options.len() {
                    level.index += 1;
                    break;
                }
                self.levels.pop();
            }
        }
        self.started = true;
        self.steps = 0;
        self.preemptions = 0;
        Some(Schedule::new(0))
    }

    fn next_task(&mut self, runnable: &[&Task], current: Option<TaskId>, is_yielding: bool) -> Option<TaskId> {
        if self.steps == self.levels.len() {
            let mut ids: Vec<TaskId> = runnable.iter().map(|t| t.id()).collect();
            ids.sort();
            let options = match current.filter(|c| !is_yielding && ids.contains(c)) {
                // Running on is free; anything else is a preemption, allowed while under the bound.
                Some(c) if self.preemptions >= self.bound => vec![c],
                Some(c) => std::iter::once(c).chain(ids.into_iter().filter(|t| *t != c)).collect(),
                None => ids,
            };
            self.levels.push(Level { options, index: 0 });
        }
        let level = &self.levels[self.steps];
        let next = level.options[level.index];
        self.steps += 1;
        if is_preemption(runnable, current, is_yielding, next) {
            self.preemptions += 1;
        }
        Some(next)
    }

    fn next_u64(&mut self) -> u64 {
        // Models draw no random data (the facade offers none); a constant keeps replays exact.
        0
    }
}

/// A search shared between the explorer and successive `Runner`s (shuttle's `Runner` stops at
/// every failure; the search goes on past it).
#[derive(Debug)]
pub(super) struct Shared<S>(pub(super) Rc<RefCell<S>>);

impl<S> Clone for Shared<S> {
    fn clone(&self) -> Self {
        Self(Rc::clone(&self.0))
    }
}

impl<S: Scheduler> Scheduler for Shared<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.0.borrow_mut().new_execution()
    }

    fn next_task(&mut self, runnable: &[&Task], current: Option<TaskId>, is_yielding: bool) -> Option<TaskId> {
        self.0.borrow_mut().next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.0.borrow_mut().next_u64()
    }
}
