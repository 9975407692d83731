//! The recorder: how a model's `tracing` events become the [`Trace`](crate::trace::Trace) of an execution.
//!
//! Models emit ordinary `tracing` events (`tracing::info!(...)`, at `INFO` or above). While the
//! harness replays a failing execution it installs [`Recorder`], which appends every such event
//! to the execution, with the name of the thread that emitted it. Events of the scheduler
//! libraries themselves are left out. Exploration runs without a recorder, so searching costs
//! nothing for traces; the trace is taken once, from the replay of the execution that failed.
//!
//! A call to a [`crate::sync::Service`] marks the events its caller emits meanwhile as the
//! service's answers (`in_service`). The marks live in the execution's own record
//! (`runtime::Execution`), so a new execution starts with none.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Level, Metadata, Subscriber};

use crate::runtime;
use crate::trace::{Event, EventKind};

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
    let actor = runtime::current_actor();
    let service =
        runtime::with_execution(|e| runtime::lock(&e.calls).iter().rev().find(|(a, _)| *a == actor).map(|(_, s)| *s))
            .flatten();
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

/// Marks the events the calling actor emits while `f` runs as the answers of `service`.
pub(crate) fn in_service<R>(service: &'static str, f: impl FnOnce() -> R) -> R {
    // `f` is called in one place only: it is the service's body, inlined here, and a second
    // copy for the recording case made every call's code twice as large.
    let _mark = runtime::recording().then(|| Mark::new(service));
    f()
}

/// The mark of a service call under way in a recorded execution; ends the call's mark when
/// dropped, even when the call unwinds (a failing execution torn down mid-call).
struct Mark(String);

impl Mark {
    #[cold]
    #[inline(never)]
    fn new(service: &'static str) -> Self {
        let actor = runtime::current_actor();
        runtime::with_execution(|e| runtime::lock(&e.calls).push((actor.clone(), service)));
        Self(actor)
    }
}

impl Drop for Mark {
    fn drop(&mut self) {
        runtime::with_execution(|e| {
            let mut calls = runtime::lock(&e.calls);
            if let Some(i) = calls.iter().rposition(|(a, _)| *a == self.0) {
                calls.remove(i);
            }
        });
    }
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
