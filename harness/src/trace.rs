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

/// One thing an actor did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The thread that did it: the actor's name.
    pub actor: String,
    /// What it did, with the values it saw, as the model wrote it.
    pub text: String,
}

/// The events of one execution, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// Every recorded event; the step number of an event is its index plus one.
    pub events: Vec<Event>,
}

impl Trace {
    /// Renders the trace for people: one numbered step a line, the actor, what it did.
    pub fn render(&self) -> String {
        let width = self.events.iter().map(|e| e.actor.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (i, e) in self.events.iter().enumerate() {
            let _ = writeln!(out, "{:>4}  {:<width$}  {}", i + 1, e.actor, e.text);
        }
        out
    }
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
pub(crate) fn push(text: String) {
    runtime::with_execution(|e| {
        if let Some(events) = runtime::lock(&e.events).as_mut() {
            events.push(Event { actor: thread::current_name(), text });
        }
    });
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
