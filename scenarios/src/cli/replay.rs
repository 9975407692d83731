//! `racecheck replay`: one execution from its handle, its verdict and its trace, shown as the
//! fewest-preemptions counterexample unless asked for the execution as found.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use harness::isolate::{self, Job};
use harness::Handle;

use super::out::{out, outp};
use super::{bad, program};
use crate::{run, Registry};

/// How `racecheck replay` shows what it replays.
pub(super) struct ReplayOptions {
    pub loom_checkpoint: Option<PathBuf>,
    pub as_found: bool,
    pub svg: Option<PathBuf>,
    pub step: bool,
}

pub(super) fn replay(registry: &Registry, dir: &Path, text: &str, options: &ReplayOptions) -> Result<ExitCode> {
    let ReplayOptions { loom_checkpoint, as_found, .. } = options;
    let (loom_checkpoint, as_found) = (loom_checkpoint.clone(), *as_found);
    let handle: Handle = text.parse().map_err(|e: harness::handle::HandleError| bad(e.to_string()))?;
    if loom_checkpoint.is_some() && !matches!(handle.replay, harness::Replay::Loom { .. }) {
        return Err(bad("--loom-checkpoint needs a loom handle (`<scenario>/<variant>/loom:<bound>:<execution>`)"));
    }
    if let Some(path) = &loom_checkpoint {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !parent.is_dir() {
            return Err(bad(format!(
                "--loom-checkpoint {}: the folder {} does not exist",
                path.display(),
                parent.display()
            )));
        }
    }
    let (id, variant) = handle.target.split_once('/').ok_or_else(|| bad("the handle has no variant"))?;
    let all = super::run::load(registry, dir, &[id.to_owned()])?;
    let s = &all[0];
    s.race.check_variant(variant).map_err(|e| bad(e.to_string()))?;
    let step_limit = s.step_limit;
    let job = Job::Replay { handle: handle.clone(), step_limit, minimize: !as_found };
    let outcome = isolate::run_in_child(&program()?, &run::child_args(s, variant), &job);
    if let harness::Verdict::Stale { reason } = &outcome.verdict {
        return Err(bad(format!(
            "the handle does not reproduce an execution of this scenario ({reason}); was the scenario or the model changed?"
        )));
    }
    out!("replay of {handle}");
    out!("race `{}` ({}), variant {variant}", s.race.id(), s.race.source());
    out!("verdict: {}", outcome.verdict);
    let own = outcome.preemptions.map_or_else(|| "not counted under loom".to_owned(), |p| p.to_string());
    let view = outcome.shown(false);
    match (&outcome.minimal, &view) {
        (Some(m), _) if m.handle == handle => {
            out!("preemptions: {} (no execution with fewer fails this way)", m.preemptions);
            out!("trace:");
        }
        (Some(m), Some(view)) => {
            out!("preemptions: {own} as found; the same failure with the fewest, {}:", m.preemptions);
            out!("  racecheck replay {}", m.handle);
            out!("  (`--as-found` shows the handle's own execution)");
            if view.verdict != &outcome.verdict {
                out!("which fails with: {}", view.verdict);
            }
            out!("trace (fewest preemptions):");
        }
        _ => {
            out!("preemptions: {own}");
            out!("trace:");
        }
    }
    if let Some(view) = view {
        if options.step {
            step_through(view.trace)?;
        } else {
            out!("{}", view.trace.render());
        }
        if let Some(path) = &options.svg {
            let title = format!("{} / {variant}: {}", s.id, view.verdict);
            let count = view.preemptions.map_or_else(String::new, |p| format!(" ({p} preemptions)"));
            let svg = harness::svg::render(view.trace, &title, &format!("racecheck replay {}{count}", view.handle));
            std::fs::write(path, svg).with_context(|| format!("cannot write {}", path.display()))?;
            out!("picture: {}", path.display());
        }
    }
    if let Some(path) = loom_checkpoint {
        let path = std::path::absolute(&path).unwrap_or(path);
        let job = Job::LoomCheckpoint { handle: handle.clone(), step_limit, path: path.clone() };
        let written = isolate::run_in_child(&program()?, &run::child_args(s, variant), &job);
        if written.verdict != outcome.verdict {
            out!("loom checkpoint: not written: {}", written.verdict);
            return Ok(ExitCode::from(1));
        }
        out!("loom checkpoint: {} (a loom search started from it fails on its first execution)", path.display());
    }
    Ok(replay_exit(&outcome.verdict))
}

/// A replay reproduced a finding (0), or found nothing (1); a stale handle is an error before
/// anything is printed (see [`replay`]).
fn replay_exit(verdict: &harness::Verdict) -> ExitCode {
    if verdict.is_failure() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Prints the trace one step at a time: the header, then a step each time Enter is pressed
/// (`q` then Enter stops). Without a terminal it prints every step, one after the other.
fn step_through(trace: &harness::Trace) -> Result<()> {
    use std::io::BufRead as _;
    let text = trace.render();
    let mut lines = text.lines().peekable();
    if let Some(header) = lines.next() {
        out!("{header}");
    }
    let interactive = std::io::stdin().is_terminal();
    let stdin = std::io::stdin();
    let mut input = stdin.lock().lines();
    while let Some(line) = lines.next() {
        out!("{line}");
        // A step's wrapped continuation lines belong to it.
        while lines.peek().is_some_and(|l| l.starts_with("    ") && !l.starts_with("    1")) {
            if let Some(more) = lines.next() {
                out!("{more}");
            }
        }
        if interactive && lines.peek().is_some() {
            outp!("-- Enter: next step, q: stop -- ");
            super::out::flush();
            match input.next() {
                Some(Ok(answer)) if answer.trim() == "q" => break,
                Some(Ok(_)) => {}
                _ => break,
            }
        }
    }
    out!();
    Ok(())
}
