//! `racecheck run` and `racecheck summary`: the scenarios, narrowed and overridden by the
//! command line, their reports, and the exit code of the gate.

use std::io::IsTerminal as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use harness::{Exploration, Strategy};

use super::out::{out, outp};
use super::{bad, jobs, program, Format};
use crate::run::{self, Plan, Runner, ScenarioRun};
use crate::scenario::{self, Scenario, Scheduled, Scheduler};
use crate::Registry;

/// What `racecheck run` was asked to do.
pub(super) struct RunOptions {
    pub ids: Vec<String>,
    pub variants: Vec<String>,
    pub schedulers: Vec<Scheduler>,
    pub budget: Option<u64>,
    pub seed: Option<u64>,
    pub timeout: Option<u64>,
    pub jobs: Option<u64>,
    pub format: Format,
}

/// Every scenario of `dir` and of its `fuzz/` (the committed generated worlds), or those called
/// `ids`, loaded and checked against the races of `registry`.
pub(super) fn load(registry: &Registry, dir: &Path, ids: &[String]) -> Result<Vec<Scenario>> {
    let files = scenario::all_files(dir).map_err(|e| bad(e.to_string()))?;
    let stem = |f: &Path| f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let known: Vec<String> = files.iter().map(|f| stem(f)).collect();
    for id in ids {
        if !known.contains(id) {
            return Err(bad(format!("unknown scenario `{id}`; expected one of: {}", known.join(", "))));
        }
    }
    files
        .iter()
        .filter(|f| ids.is_empty() || ids.contains(&stem(f)))
        .map(|f| scenario::load(f, |id| registry.find(id)).map_err(|e| bad(e.to_string())))
        .collect()
}

/// The scenario's portfolio, narrowed to `schedulers` and overridden by `budget` and `seed`. A
/// scheduler the file does not have runs with its defaults and the scenario's step limit. A
/// scheduler whose settings the command line changed keeps no expectation of its own: it is
/// no longer the scheduler the scenario pinned.
fn portfolio(s: &Scenario, options: &RunOptions) -> Vec<Scheduled> {
    let mut chosen: Vec<Scheduled> = Vec::new();
    if options.schedulers.is_empty() {
        chosen.extend(s.schedulers.iter().cloned());
    }
    for name in &options.schedulers {
        let from_file: Vec<Scheduled> =
            s.schedulers.iter().filter(|e| name.runs(&e.exploration.strategy)).cloned().collect();
        if from_file.is_empty() {
            let mut e = Exploration::new(name.strategy(options.seed.unwrap_or(1)), options.budget.unwrap_or(1000));
            e.step_limit = s.step_limit;
            e.timeout_secs = s.timeout_secs;
            chosen.push(Scheduled { exploration: e, expect: Vec::new() });
        } else {
            chosen.extend(from_file);
        }
    }
    for e in &mut chosen {
        if let Some(seconds) = options.timeout {
            e.exploration.timeout_secs = seconds;
        }
        if let Some(b) = options.budget {
            // `--budget` bounds every search of the run, the minimiser's included.
            e.exploration.minimize_budget = e.exploration.minimize_budget.min(b);
            if e.exploration.budget != b {
                e.exploration.budget = b;
                e.expect.clear();
            }
        }
        if let Some(new) = options.seed {
            match &mut e.exploration.strategy {
                Strategy::Random { seed } | Strategy::Urw { seed } | Strategy::Pct { seed, .. } if *seed != new => {
                    *seed = new;
                    e.expect.clear();
                }
                _ => {}
            }
        }
    }
    chosen
}

pub(super) fn run(registry: &Registry, dir: &Path, options: &RunOptions) -> Result<ExitCode> {
    let all = load(registry, dir, &options.ids)?;
    for v in &options.variants {
        if !all.iter().any(|s| s.race.variants().contains(&v.as_str())) {
            let known: std::collections::BTreeSet<&str> =
                all.iter().flat_map(|s| s.race.variants().iter().copied()).collect();
            return Err(bad(format!(
                "unknown variant `{v}`; expected one of: {}",
                known.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let mut plans = Vec::new();
    for s in &all {
        let chosen: Vec<&'static str> = s
            .race
            .variants()
            .iter()
            .copied()
            .filter(|v| options.variants.is_empty() || options.variants.iter().any(|w| w == v))
            .collect();
        if !chosen.is_empty() {
            plans.push(Plan { scenario: s, variants: chosen, schedulers: portfolio(s, options) });
        }
    }
    let runner = Runner { program: program()?, jobs: jobs(options.jobs) };
    let tty = std::io::stderr().is_terminal();
    let runs = run::run(&runner, &plans, |done, total| {
        if tty {
            eprint!("\r[{done}/{total}] explorations");
            if done == total {
                eprint!("\r{:40}\r", "");
            }
        }
    });
    match options.format {
        Format::Json => outp!("{}", crate::export::json(&runs)),
        Format::Junit => outp!("{}", crate::export::junit(&runs)),
        Format::Text => print_text(registry, &runs),
    }
    Ok(verdict(&runs, options.format == Format::Text))
}

/// The exit code of a run: 0 when at least one expectation was checked and all were met, 1
/// when one failed, 2 when nothing was checked (said in one line: green must mean "checked").
fn verdict(runs: &[ScenarioRun<'_>], text: bool) -> ExitCode {
    let (checked, met) = run::tally(runs);
    if checked == 0 {
        eprintln!(
            "error: nothing was checked: {} scenario(s) selected, no expectation decided (the real-threads baseline decides none)",
            runs.len()
        );
        return ExitCode::from(2);
    }
    if met < checked {
        if text {
            let failed: Vec<&str> = runs.iter().filter(|r| !r.ok()).map(|r| r.scenario.id.as_str()).collect();
            out!("racecheck: expectations failed in: {}", failed.join(", "));
        }
        return ExitCode::from(1);
    }
    if text {
        out!("racecheck: {} scenario(s), {checked} expectation(s), every one met", runs.len());
    }
    ExitCode::SUCCESS
}

fn print_text(registry: &Registry, runs: &[ScenarioRun<'_>]) {
    for (i, r) in runs.iter().enumerate() {
        if i > 0 {
            out!("\n{}", "=".repeat(78));
        }
        outp!("{}", crate::report::render(r, registry));
    }
    out!();
}

pub(super) fn summary(registry: &Registry, dir: &Path, jobs_wanted: Option<u64>) -> Result<ExitCode> {
    let all = load(registry, dir, &[])?;
    let plans: Vec<Plan<'_>> = all.iter().map(Plan::whole).collect();
    let runs = run::run(&Runner { program: program()?, jobs: jobs(jobs_wanted) }, &plans, |_, _| {});
    outp!("{}", crate::summary::render(&runs));
    Ok(verdict(&runs, false))
}
