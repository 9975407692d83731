//! shuttle's `ReplayScheduler`, checked decision by decision against the model it replays.
//!
//! shuttle's replay panics with a message when a schedule does not fit the model ("schedule
//! ended early", "scheduled task is not runnable", …), and says nothing when the model finishes
//! with decisions left over. [`Replaying`] checks each decision before shuttle sees it and stops
//! a mismatch with a typed [`Stale`] payload; [`Replaying::left`] tells, after the run, how many
//! decisions were not taken. A replay of a handle is exact or it is stale, never a near miss.

use std::cell::Cell;
use std::rc::Rc;

use shuttle::scheduler::{ReplayScheduler, Schedule, Scheduler, Task, TaskId};
use shuttle_engine::scheduler::ScheduleStep;

use crate::stale::Stale;

/// Replays `schedule` exactly, or stops the execution with a [`Stale`] payload.
pub(super) struct Replaying {
    inner: ReplayScheduler,
    steps: Vec<ScheduleStep>,
    // invariant: `taken.get() <= steps.len()`.
    taken: Rc<Cell<usize>>,
}

impl Replaying {
    pub(super) fn new(schedule: Schedule) -> Self {
        let steps = schedule.steps.clone();
        Self { inner: ReplayScheduler::new_from_schedule(schedule), steps, taken: Rc::default() }
    }

    /// A counter of the decisions taken, to read after the scheduler has gone into a `Runner`.
    pub(super) fn taken(&self) -> Rc<Cell<usize>> {
        Rc::clone(&self.taken)
    }

    /// Why the next decision, which must be of the kind `is_task` says, cannot be taken; `None`
    /// when it can.
    fn mismatch(&self, is_task: bool) -> Option<Stale> {
        let at = self.taken.get();
        match self.steps.get(at) {
            None => Some(Stale::EndedEarly { taken: at as u64 }),
            Some(ScheduleStep::Task(_)) if !is_task => Some(Stale::WrongKind { at: at as u64 + 1 }),
            Some(ScheduleStep::Random) if is_task => Some(Stale::WrongKind { at: at as u64 + 1 }),
            Some(_) => None,
        }
    }
}

impl Scheduler for Replaying {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.inner.new_execution()
    }

    fn next_task(&mut self, runnable: &[&Task], current: Option<TaskId>, is_yielding: bool) -> Option<TaskId> {
        if let Some(stale) = self.mismatch(true) {
            std::panic::panic_any(stale);
        }
        let at = self.taken.get();
        if let Some(ScheduleStep::Task(task)) = self.steps.get(at) {
            if !runnable.iter().any(|t| t.id() == *task) {
                let runnable = runnable.iter().map(|t| usize::from(t.id())).collect();
                std::panic::panic_any(Stale::NotRunnable { at: at as u64 + 1, task: usize::from(*task), runnable });
            }
        }
        self.taken.set(at + 1);
        self.inner.next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        if let Some(stale) = self.mismatch(false) {
            std::panic::panic_any(stale);
        }
        self.taken.set(self.taken.get() + 1);
        self.inner.next_u64()
    }
}
