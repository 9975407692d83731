//! A trace as a picture: a self-contained SVG swimlane diagram.
//!
//! One lane per actor and one per outside system (broker, lock store, database), time going
//! down, one row a step. A step is a dot on its actor's lane; a call to an outside system is an
//! arrow from the actor to the system; a preemption is a dashed red line where the scheduler
//! switched away from a thread that could have gone on; the violation is the highlighted last
//! row. The text of every step is written out to the right of the lanes, so nothing overlaps.
//! No scripts, fonts or images from outside: the file renders anywhere, and the same trace
//! always gives the same bytes.

use std::fmt::Write as _;

use crate::trace::{EventKind, Trace};

const LANE: usize = 120;
const ROW: usize = 26;
const LEFT: usize = 44;
const TOP: usize = 92;
const CHAR: usize = 7;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Renders `trace` with `title` (and `subtitle`, e.g. the replay handle) above it.
pub fn render(trace: &Trace, title: &str, subtitle: &str) -> String {
    let actors = trace.actors();
    let mut services: Vec<&str> = Vec::new();
    for e in &trace.events {
        if let EventKind::Call { service } = &e.kind {
            if !services.contains(&service.as_str()) {
                services.push(service);
            }
        }
    }
    let lanes: Vec<(&str, bool)> =
        actors.iter().map(|a| (*a, false)).chain(services.iter().map(|s| (*s, true))).collect();
    let x = |name: &str, service: bool| {
        let i = lanes.iter().position(|(n, s)| *n == name && *s == service).unwrap_or(0);
        LEFT + LANE / 2 + i * LANE
    };
    let text_x = LEFT + lanes.len() * LANE + 16;
    let label = |e: &crate::trace::Event| match &e.kind {
        EventKind::Step => format!("{}: {}", e.actor, e.text),
        EventKind::Call { service } => {
            let text = e.text.strip_prefix(&format!("{service}: ")).unwrap_or(&e.text);
            format!("{} -> {service}: {text}", e.actor)
        }
        EventKind::Preempted { next } => format!("{} preempted; {next} runs", e.actor),
        EventKind::Violation => format!("VIOLATION: {}", e.text),
    };
    let longest = trace.events.iter().map(|e| label(e).chars().count()).max().unwrap_or(0);
    let heading = title.chars().count().max(subtitle.chars().count());
    let width = (text_x + longest * CHAR + 24).max(LEFT + heading * CHAR + 24);
    let bottom = TOP + trace.events.len() * ROW + 16;
    let height = bottom + 30;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#2b5d9b"/></marker></defs>"##
    );
    let _ = writeln!(svg, r##"<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>"##);
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="22" font-size="15" font-weight="bold" fill="#111111">{}</text>"##,
        escape(title)
    );
    let _ = writeln!(svg, r##"<text x="{LEFT}" y="40" fill="#555555">{}</text>"##, escape(subtitle));
    for (name, service) in &lanes {
        let cx = x(name, *service);
        let (fill, stroke) = if *service { ("#e8f0fb", "#2b5d9b") } else { ("#f3f3f3", "#444444") };
        let _ = writeln!(
            svg,
            r##"<rect x="{}" y="52" width="{}" height="24" rx="4" fill="{fill}" stroke="{stroke}"/><text x="{cx}" y="68" text-anchor="middle" font-weight="bold" fill="{stroke}">{}</text>"##,
            cx - LANE / 2 + 8,
            LANE - 16,
            escape(name)
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{cx}" y1="76" x2="{cx}" y2="{bottom}" stroke="{stroke}" stroke-dasharray="3,4" stroke-width="1"/>"##
        );
    }
    for (i, e) in trace.events.iter().enumerate() {
        let y = TOP + i * ROW + ROW / 2;
        let ax = x(&e.actor, false);
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#888888">{}</text>"##,
            LEFT - 8,
            y + 4,
            i + 1
        );
        let color = match &e.kind {
            EventKind::Step => {
                let _ = writeln!(svg, r##"<circle cx="{ax}" cy="{y}" r="5" fill="#444444"/>"##);
                "#222222"
            }
            EventKind::Call { service } => {
                let sx = x(service, true);
                let _ = writeln!(
                    svg,
                    r##"<circle cx="{ax}" cy="{y}" r="4" fill="#2b5d9b"/><line x1="{ax}" y1="{y}" x2="{}" y2="{y}" stroke="#2b5d9b" stroke-width="1.5" marker-end="url(#arrow)"/><circle cx="{sx}" cy="{y}" r="5" fill="#ffffff" stroke="#2b5d9b" stroke-width="2"/>"##,
                    if sx > ax { sx - 6 } else { sx + 6 }
                );
                "#2b5d9b"
            }
            EventKind::Preempted { next } => {
                let nx = x(next, false);
                let _ = writeln!(
                    svg,
                    r##"<line x1="{LEFT}" y1="{y}" x2="{}" y2="{y}" stroke="#d97706" stroke-width="1.5" stroke-dasharray="6,3"/><path d="M{ax},{} l-6,-10 h12 z" fill="#d97706"/><circle cx="{nx}" cy="{y}" r="4" fill="#d97706"/>"##,
                    text_x - 8,
                    y + 2
                );
                "#b45309"
            }
            EventKind::Violation => {
                let _ = writeln!(
                    svg,
                    r##"<rect x="4" y="{}" width="{}" height="{}" fill="#fde2e2" stroke="#c81e1e" stroke-width="1.5" rx="3"/><circle cx="{ax}" cy="{y}" r="7" fill="#c81e1e"/>"##,
                    y - ROW / 2 + 2,
                    width - 8,
                    ROW - 4
                );
                "#c81e1e"
            }
        };
        let weight = if e.kind == EventKind::Violation { " font-weight=\"bold\"" } else { "" };
        let _ =
            writeln!(svg, r##"<text x="{text_x}" y="{}" fill="{color}"{weight}>{}</text>"##, y + 4, escape(&label(e)));
    }
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="{}" fill="#777777">dot: a step; blue arrow: a call to an outside system; orange dashes: a preemption; red: the violation</text>"##,
        bottom + 18
    );
    svg.push_str("</svg>\n");
    svg
}
