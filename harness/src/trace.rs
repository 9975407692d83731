//! The trace of one execution: what each actor did, in the order it happened.
//!
//! Models emit ordinary `tracing` events (`tracing::info!(...)`, at `INFO` or above). While the
//! harness replays a failing execution it installs [`Recorder`], which appends every such event
//! to the execution, with the name of the thread that emitted it. Events of the scheduler
//! libraries themselves are left out. Exploration runs without a recorder, so searching costs
//! nothing for traces; the trace is taken once, from the replay of the execution that failed.

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Level, Metadata, Subscriber};

use crate::runtime;
use crate::sync::thread;

/// What kind of step an event is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EventKind {
    /// Something the actor read, decided or did.
    #[default]
    Step,
    /// What an outside system (a [`crate::sync::Service`]) did during a call by the actor.
    Call {
        /// The service's name (`broker`, `kv`, `db`).
        service: String,
    },
    /// The scheduler switched away from the actor while it could have gone on.
    Preempted {
        /// The actor that ran next.
        next: String,
    },
    /// An invariant broke.
    Violation,
}

/// One thing an actor did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The thread that did it: the actor's name.
    pub actor: String,
    /// What it did, with the values it saw, as the model wrote it.
    pub text: String,
    /// What kind of step it is.
    #[serde(default, flatten)]
    pub kind: EventKind,
}

/// The events of one execution, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// Every recorded event; the step number of an event is its index plus one.
    pub events: Vec<Event>,
}

impl Trace {
    /// The actors in the order they first act, the execution's main thread last.
    pub fn actors(&self) -> Vec<&str> {
        let mut actors: Vec<&str> = Vec::new();
        for e in &self.events {
            if !actors.contains(&e.actor.as_str()) {
                actors.push(&e.actor);
            }
        }
        if let Some(i) = actors.iter().position(|a| *a == thread::MAIN) {
            let main = actors.remove(i);
            actors.push(main);
        }
        actors
    }

    /// Renders the trace for people: numbered steps, one column per actor, calls to outside
    /// systems marked `->`, preemptions marked, and the violation with its values at the end.
    pub fn render(&self) -> String {
        let acting = |a: &&str| self.events.iter().any(|e| e.actor == *a && e.kind != EventKind::Violation);
        let actors: Vec<&str> = self.actors().into_iter().filter(acting).collect();
        let width = self.events.iter().map(|e| line(e).len()).max().unwrap_or(0).clamp(12, COLUMN);
        let mut out = String::new();
        let _ = write!(out, "step");
        for a in &actors {
            let _ = write!(out, "  {a:<width$}");
        }
        out = out.trim_end().to_owned();
        out.push('\n');
        for (i, e) in self.events.iter().enumerate() {
            if e.kind == EventKind::Violation {
                let _ = writeln!(out, "{:>4}  VIOLATION ({}): {}", i + 1, e.actor, e.text);
                continue;
            }
            let column = actors.iter().position(|a| *a == e.actor).unwrap_or(0);
            for (n, piece) in wrap(&line(e), width).iter().enumerate() {
                let step = if n == 0 { format!("{:>4}", i + 1) } else { "    ".to_owned() };
                let pad = column * (width + 2);
                let _ = writeln!(out, "{step}  {:pad$}{piece}", "");
            }
        }
        out
    }
}

/// The widest a trace column grows before its text wraps.
const COLUMN: usize = 44;

/// An event as it reads in its actor's column.
fn line(e: &Event) -> String {
    match &e.kind {
        EventKind::Step | EventKind::Violation => e.text.clone(),
        EventKind::Call { .. } => format!("-> {}", e.text),
        EventKind::Preempted { next } => format!("-- preempted: {next} runs --"),
    }
}

/// Splits `text` into lines of at most `width` characters, at spaces where it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let current = lines.last_mut().expect("never empty");
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(String::new());
        }
        let current = lines.last_mut().expect("never empty");
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines
}

fn is_library(target: &str) -> bool {
    ["shuttle", "loom", "generator", "harness::runtime"].iter().any(|lib| target.starts_with(lib))
}

/// Records model events into the current execution (see the module docs).
#[derive(Debug, Default)]
pub struct Recorder;

impl Subscriber for Recorder {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.enabled(meta) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        meta.is_event() && *meta.level() <= Level::INFO && !is_library(meta.target())
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = TextVisitor::default();
        event.record(&mut text);
        push(text.finish());
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Appends an event by the calling thread to the current execution, if it is being recorded.
/// Inside a [`crate::sync::Service`] call, the event is the service's answer.
pub(crate) fn push(text: String) {
    let actor = thread::current_name();
    let service = SERVICE.with(|s| s.borrow().iter().rev().find(|(a, _)| *a == actor).map(|(_, s)| *s));
    let kind = match service {
        Some(service) => EventKind::Call { service: service.to_owned() },
        None => EventKind::Step,
    };
    push_event(actor, text, kind);
}

/// Appends an event to the current execution, if it is being recorded.
pub(crate) fn push_event(actor: String, text: String, kind: EventKind) {
    runtime::with_execution(|e| {
        if runtime::recording() {
            runtime::lock(&e.events).push(Event { actor, text, kind });
        }
    });
}

thread_local! {
    /// The service calls under way in a recorded execution, by actor. Every task of a shuttle or
    /// loom execution runs on this one OS thread, and a call may itself contain a scheduling
    /// point (a service reading the simulated clock), so the call belongs to an actor, not to
    /// the thread.
    static SERVICE: std::cell::RefCell<Vec<(String, &'static str)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Marks the events the calling actor emits while `f` runs as the answers of `service`.
pub(crate) fn in_service<R>(service: &'static str, f: impl FnOnce() -> R) -> R {
    if !runtime::recording() {
        return f();
    }
    /// Ends the call's mark even when `f` unwinds (a failing execution torn down mid-call).
    struct Done(String);
    impl Drop for Done {
        fn drop(&mut self) {
            SERVICE.with(|s| {
                let mut calls = s.borrow_mut();
                if let Some(i) = calls.iter().rposition(|(a, _)| *a == self.0) {
                    calls.remove(i);
                }
            });
        }
    }
    let actor = thread::current_name();
    SERVICE.with(|s| s.borrow_mut().push((actor.clone(), service)));
    let _done = Done(actor);
    f()
}

/// Forgets every service call mark: a new execution starts with none.
pub(crate) fn reset() {
    SERVICE.with(|s| s.borrow_mut().clear());
}

/// Turns an event's fields into one line: the message first, then `name=value` pairs.
#[derive(Default)]
struct TextVisitor {
    message: String,
    fields: String,
}

impl TextVisitor {
    fn finish(self) -> String {
        match (self.message.is_empty(), self.fields.is_empty()) {
            (_, true) => self.message,
            (true, false) => self.fields,
            (false, false) => format!("{}  [{}]", self.message, self.fields),
        }
    }

    fn field(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if field.name() == "message" {
            let _ = self.message.write_fmt(value);
        } else {
            if !self.fields.is_empty() {
                self.fields.push_str(", ");
            }
            let _ = write!(self.fields, "{}={}", field.name(), value);
        }
    }
}

impl Visit for TextVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, format_args!("{value:?}"));
    }
}
