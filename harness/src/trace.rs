//! The trace of one execution: what each actor did, in the order it happened, and how it reads.
//!
//! A [`Trace`] is plain data: [`Event`]s with the actor that did each, serialisable so that a
//! child process can hand it back (see [`crate::isolate`]), and [`Trace::render`] turns it into
//! the per-actor columns reports show. How events get into a trace is [`crate::record`]'s
//! business; this module depends on nothing else in the harness.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// The name of an execution's main thread in traces.
pub const MAIN: &str = "main";

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
        if let Some(i) = actors.iter().position(|a| *a == MAIN) {
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
