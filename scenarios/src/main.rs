//! `racecheck`: run the race scenarios, replay a finding, list the races.
//!
//! Exit codes: 0 every expectation met, 1 an expectation failed, 2 bad input.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Parser, Subcommand};
use harness::isolate::{self, Job};
use harness::{Exploration, Handle, Strategy};
use scenarios::run::{self, Plan, Runner};
use scenarios::{report, scenario};

/// The exit status of a program whose reader went away (a closed pipe, as after `| head`): the
/// shell's code for SIGPIPE. Never 0: a run whose report nobody read has not met its expectations.
const CLOSED_PIPE: i32 = 141;

/// `println!` to stdout that ends the program with [`CLOSED_PIPE`] when stdout is gone: a closed
/// pipe is not an error worth a panic.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(CLOSED_PIPE);
        }
    }};
}

/// `print!` to stdout, as [`out!`].
macro_rules! outp {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if write!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(CLOSED_PIPE);
        }
    }};
}

#[derive(Parser)]
#[command(name = "racecheck", version, about = "Deterministic race-condition checks for trading systems")]
struct Cli {
    /// The folder of scenario files.
    #[arg(long, global = true, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// What `racecheck run` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Junit,
}

#[derive(Subcommand)]
enum Command {
    /// List the races and their variants.
    List,
    /// Run scenarios (all of them by default) and check every variant's expected verdict.
    Run {
        /// Scenario ids (file stems under the scenario folder); all when none is given.
        scenario: Vec<String>,
        /// Only these variants.
        #[arg(long = "variant", value_name = "VARIANT")]
        variants: Vec<String>,
        /// Only these schedulers: random, pct, urw, dfs, loom, threads (the real-threads baseline).
        #[arg(long = "scheduler", value_name = "SCHEDULER")]
        schedulers: Vec<String>,
        /// Executions per exploration, instead of the scenario's budgets.
        #[arg(long)]
        budget: Option<u64>,
        /// Seed of random, pct and urw, instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Explorations at once (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Output: the text reports, JSON (schema: scenarios/schema/report.schema.json) or JUnit XML.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run every scenario and print the summary table kept as `reports/README.md`.
    Summary {
        /// Explorations at once (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Reproduce one execution from its replay handle, and print its trace.
    Replay {
        /// The handle, as a report prints it: `<scenario>/<variant>/shuttle:…` or `…/loom:…`.
        handle: String,
        /// For a loom handle: also write loom's own checkpoint file of the execution here (a loom
        /// search started from it with `LOOM_CHECKPOINT_FILE` fails on its first execution).
        #[arg(long, value_name = "FILE")]
        loom_checkpoint: Option<PathBuf>,
        /// Show the handle's own execution, not the same failure with the fewest preemptions.
        #[arg(long)]
        as_found: bool,
        /// Also write the trace shown as an SVG swimlane diagram to FILE.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Show the trace one step at a time, waiting for Enter between steps.
        #[arg(long)]
        step: bool,
    },
    /// Generate worlds (proptest) and explore each (PCT); shrink a failure to the smallest world
    /// and the fewest preemptions, and write it as a scenario under `<scenarios>/fuzz/`.
    /// Exit code 1 when a world fails.
    Fuzz {
        /// The race: reentry, double-exit or cooldown-bypass.
        race: String,
        /// The variant to explore.
        #[arg(long, default_value = "before")]
        variant: String,
        /// How many worlds.
        #[arg(long, default_value_t = 64)]
        cases: u32,
        /// The seed of the world generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// PCT executions per world.
        #[arg(long, default_value_t = 200)]
        budget: u64,
        /// PCT's depth.
        #[arg(long, default_value_t = 3)]
        depth: usize,
        #[arg(long, hide = true)]
        in_child: bool,
    },
    /// Scaffold a new race: its model file, its scenario file and its registry line.
    New {
        /// The race id: lowercase words joined by `-`, like `stale-cancel`.
        race: String,
    },
    #[command(name = "__child", hide = true)]
    Child { path: PathBuf, variant: String, job: String },
}

/// A bad input: exit code 2.
#[derive(Debug)]
struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn bad(message: impl Into<String>) -> anyhow::Error {
    BadInput(message.into()).into()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) if e.is::<BadInput>() => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    let dir = cli.scenarios.unwrap_or_else(scenarios::default_dir);
    match cli.command {
        Command::List => {
            list();
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { scenario, variants, schedulers, budget, seed, jobs, format } => {
            run(&dir, &RunOptions { ids: scenario, variants, schedulers, budget, seed, jobs, format })
        }
        Command::Replay { handle, loom_checkpoint, as_found, svg, step } => {
            replay(&dir, &handle, &ReplayOptions { loom_checkpoint, as_found, svg, step })
        }
        Command::Summary { jobs } => {
            let all = load_all(&dir, &[])?;
            let plans: Vec<Plan<'_>> = all
                .iter()
                .map(|s| Plan {
                    scenario: s,
                    variants: s.race.variants().to_vec(),
                    explorations: s.explorations.clone(),
                })
                .collect();
            let runs = run::run(&runner(jobs)?, &plans, |_, _| {});
            outp!("{}", scenarios::summary::render(&runs));
            Ok(if runs.iter().all(run::ScenarioRun::ok) { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Fuzz { race, variant, cases, seed, budget, depth, in_child } => {
            let Some(found) = scenarios::find_race(&race) else {
                return Err(bad(format!(
                    "unknown race `{race}`; expected one of: {}",
                    models::worlds::RACES.join(", ")
                )));
            };
            if budget == 0 || depth == 0 {
                return Err(bad("--budget and --depth must be at least 1"));
            }
            let f = scenarios::fuzz::Fuzz { race: found, variant, cases, seed, budget, depth };
            if in_child {
                fuzz(&dir, &f)
            } else {
                fuzz_in_child()
            }
        }
        Command::New { race } => {
            let root = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let made = scenarios::scaffold::new_race(&root, &race).map_err(bad)?;
            out!("wrote {}", made.model.display());
            out!("wrote {}", made.scenario.display());
            out!("added one line to {}", made.registry.display());
            out!("next: follow models/GUIDE.md; `racecheck run {race}` stops at the [expect] verdicts to decide");
            Ok(ExitCode::SUCCESS)
        }
        Command::Child { path, variant, job } => {
            let scenario = scenario::load(&path, scenarios::find_race).map_err(|e| bad(e.to_string()))?;
            let job = Job::from_arg(&job).map_err(|e| bad(e.to_string()))?;
            let target = format!("{}/{variant}", scenario.id);
            let model = scenario.race.model(&target, &variant, &scenario.params).map_err(|e| bad(e.to_string()))?;
            isolate::serve(&model, &job);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn list() {
    for race in scenarios::races() {
        out!("{:<24} {}", race.id(), race.title());
        out!("{:<24} source: {}", "", race.source());
        out!("{:<24} variants: {}", "", race.variants().join(", "));
    }
}

fn load_all(dir: &std::path::Path, ids: &[String]) -> Result<Vec<scenario::Scenario>> {
    let files = scenario::files(dir).map_err(|e| bad(e.to_string()))?;
    let known: Vec<String> =
        files.iter().filter_map(|f| f.file_stem()).map(|s| s.to_string_lossy().into_owned()).collect();
    for id in ids {
        if !known.contains(id) {
            return Err(bad(format!("unknown scenario `{id}`; expected one of: {}", known.join(", "))));
        }
    }
    files
        .iter()
        .filter(|f| ids.is_empty() || f.file_stem().is_some_and(|s| ids.iter().any(|i| s == i.as_str())))
        .map(|f| scenario::load(f, scenarios::find_race).map_err(|e| bad(e.to_string())))
        .collect()
}

fn default_strategy(name: &str, seed: Option<u64>) -> Result<Strategy> {
    let seed = seed.unwrap_or(1);
    Ok(match name {
        "random" => Strategy::Random { seed },
        "pct" => Strategy::Pct { seed, depth: 3 },
        "urw" => Strategy::Urw { seed },
        "dfs" => Strategy::Dfs,
        "loom" => Strategy::Loom { preemption_bound: Some(3) },
        "threads" => Strategy::Threads,
        other => {
            bail!(bad(format!("unknown scheduler `{other}`; expected one of: random, pct, urw, dfs, loom, threads")))
        }
    })
}

/// The scenario's portfolio, narrowed and overridden by the command line.
fn portfolio(
    s: &scenario::Scenario,
    schedulers: &[String],
    budget: Option<u64>,
    seed: Option<u64>,
) -> Result<Vec<Exploration>> {
    let mut chosen: Vec<Exploration> = Vec::new();
    if schedulers.is_empty() {
        chosen.extend(s.explorations.iter().cloned());
    }
    for name in schedulers {
        let strategy = default_strategy(name, seed)?;
        let from_file: Vec<Exploration> =
            s.explorations.iter().filter(|e| e.strategy.name() == name).cloned().collect();
        if from_file.is_empty() {
            chosen.push(Exploration::new(strategy, budget.unwrap_or(1000)));
        } else {
            chosen.extend(from_file);
        }
    }
    for e in &mut chosen {
        if let Some(b) = budget {
            e.budget = b;
        }
        if let Some(new) = seed {
            match &mut e.strategy {
                Strategy::Random { seed } | Strategy::Urw { seed } | Strategy::Pct { seed, .. } => *seed = new,
                _ => {}
            }
        }
    }
    if budget == Some(0) {
        return Err(bad("--budget must be at least 1"));
    }
    Ok(chosen)
}

/// What `racecheck run` was asked to do.
struct RunOptions {
    ids: Vec<String>,
    variants: Vec<String>,
    schedulers: Vec<String>,
    budget: Option<u64>,
    seed: Option<u64>,
    jobs: Option<usize>,
    format: Format,
}

fn run(dir: &std::path::Path, options: &RunOptions) -> Result<ExitCode> {
    let RunOptions { ids, variants, schedulers, budget, seed, jobs, format } = options;
    let (budget, seed, jobs) = (*budget, *seed, *jobs);
    let all = load_all(dir, ids)?;
    let mut plans = Vec::new();
    for s in &all {
        for v in variants {
            if !all.iter().any(|s| s.race.variants().contains(&v.as_str())) {
                let known: std::collections::BTreeSet<&str> =
                    all.iter().flat_map(|s| s.race.variants().iter().copied()).collect();
                return Err(bad(format!(
                    "unknown variant `{v}`; expected one of: {}",
                    known.into_iter().collect::<Vec<_>>().join(", ")
                )));
            }
        }
        let chosen: Vec<&'static str> = s
            .race
            .variants()
            .iter()
            .copied()
            .filter(|v| variants.is_empty() || variants.iter().any(|w| w == v))
            .collect();
        if chosen.is_empty() {
            continue;
        }
        plans.push(Plan { scenario: s, variants: chosen, explorations: portfolio(s, schedulers, budget, seed)? });
    }
    let runner = runner(jobs)?;
    let tty = std::io::stderr().is_terminal();
    let runs = run::run(&runner, &plans, |done, total| {
        if tty {
            eprint!("\r[{done}/{total}] explorations");
            if done == total {
                eprint!("\r{:40}\r", "");
            }
        }
    });
    let ok = runs.iter().all(run::ScenarioRun::ok);
    match format {
        Format::Json => outp!("{}", scenarios::export::json(&runs)),
        Format::Junit => outp!("{}", scenarios::export::junit(&runs)),
        Format::Text => print_text(&runs),
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_text(runs: &[run::ScenarioRun<'_>]) {
    let mut failed = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        if i > 0 {
            out!("\n{}", "=".repeat(78));
        }
        outp!("{}", report::render(r));
        if !r.ok() {
            failed.push(r.scenario.id.clone());
        }
    }
    out!();
    if failed.is_empty() {
        out!("racecheck: {} scenario(s), every expectation met", runs.len());
    } else {
        out!("racecheck: expectations failed in: {}", failed.join(", "));
    }
}

/// Runs the fuzzer in a child of this program: thousands of failing executions make shuttle
/// print to stderr, and the harness owns its output. The child's stdout passes through; its
/// stderr is shown only if it dies without an answer.
fn fuzz_in_child() -> Result<ExitCode> {
    let program = std::env::current_exe().context("cannot find the racecheck executable")?;
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    args.push("--in-child".into());
    let mut cmd = std::process::Command::new(program);
    isolate::scrub_env(&mut cmd);
    let child = cmd
        .args(args)
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::piped())
        .output()
        .context("cannot start the fuzzer")?;
    match child.status.code() {
        Some(code @ 0..=2) => {
            if code == 2 {
                eprint!(
                    "{}",
                    String::from_utf8_lossy(&child.stderr)
                        .lines()
                        .filter(|l| l.starts_with("error:"))
                        .map(|l| format!("{l}\n"))
                        .collect::<String>()
                );
            }
            Ok(ExitCode::from(code as u8))
        }
        _ => {
            let stderr = String::from_utf8_lossy(&child.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
            bail!("the fuzzer died ({}): {}", child.status, tail.into_iter().rev().collect::<Vec<_>>().join(" | "))
        }
    }
}

fn fuzz(dir: &std::path::Path, f: &scenarios::fuzz::Fuzz) -> Result<ExitCode> {
    out!(
        "fuzz {} (variant {}): {} worlds from seed {}, pct(depth={}) x {} executions each",
        f.race.id(),
        f.variant,
        f.cases,
        f.seed,
        f.depth,
        f.budget
    );
    let Some(found) = scenarios::fuzz::run(f, dir).map_err(bad)? else {
        out!("no world failed");
        return Ok(ExitCode::SUCCESS);
    };
    let o = &found.outcome;
    out!("found: {}", o.verdict);
    out!("shrunk world ({}):", found.scenario.display());
    for line in toml::to_string(&found.world).unwrap_or_default().lines() {
        out!("  {line}");
    }
    if let Some(h) = &o.handle {
        let count = o.preemptions.map_or_else(String::new, |p| format!(", {p} preemptions"));
        out!("as found (execution {}{count}): racecheck replay {h}", o.first_failure.unwrap_or(0));
    }
    let (label, trace) = match &o.minimal {
        Some(m) => {
            out!("minimal schedule ({} preemptions): racecheck replay {}", m.preemptions, m.handle);
            ("trace (fewest preemptions)", Some(&m.trace))
        }
        None => ("trace (as found)", o.trace.as_ref()),
    };
    if let Some(trace) = trace {
        out!("{label}:\n{}", trace.render());
    }
    Ok(ExitCode::from(1))
}

fn runner(jobs: Option<usize>) -> Result<Runner> {
    let program = std::env::current_exe().context("cannot find the racecheck executable")?;
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    Ok(Runner { program, jobs })
}

/// How `racecheck replay` shows what it replays.
struct ReplayOptions {
    loom_checkpoint: Option<PathBuf>,
    as_found: bool,
    svg: Option<PathBuf>,
    step: bool,
}

fn replay(dir: &std::path::Path, text: &str, options: &ReplayOptions) -> Result<ExitCode> {
    let ReplayOptions { loom_checkpoint, as_found, .. } = options;
    let (loom_checkpoint, as_found) = (loom_checkpoint.clone(), *as_found);
    let handle: Handle = text.parse().map_err(|e: harness::handle::HandleError| bad(e.to_string()))?;
    if loom_checkpoint.is_some() && !matches!(handle.replay, harness::Replay::Loom { .. }) {
        return Err(bad("--loom-checkpoint needs a loom handle (`<scenario>/<variant>/loom:<bound>:<execution>`)"));
    }
    let (id, variant) = handle.target.split_once('/').ok_or_else(|| anyhow!("the handle has no variant"))?;
    let fuzzed = dir.join("fuzz");
    let from = if !dir.join(format!("{id}.toml")).is_file() && fuzzed.join(format!("{id}.toml")).is_file() {
        fuzzed.as_path()
    } else {
        dir
    };
    let all = load_all(from, &[id.to_owned()])?;
    let s = &all[0];
    s.race.check_variant(variant).map_err(|e| bad(e.to_string()))?;
    let step_limit = s.explorations.first().map_or(harness::explore::DEFAULT_STEP_LIMIT, |e| e.step_limit);
    let job = Job::Replay { handle: handle.clone(), step_limit, minimize: !as_found };
    let program = std::env::current_exe().context("cannot find the racecheck executable")?;
    let outcome = isolate::run_in_child(&program, &run::child_args(s, variant), &job);
    out!("replay of {handle}");
    out!("race `{}` ({}), variant {variant}", s.race.id(), s.race.source());
    out!("verdict: {}", outcome.verdict);
    let own = outcome.preemptions.map_or_else(|| "not counted under loom".to_owned(), |p| p.to_string());
    let (shown, shown_handle, shown_preemptions) = match &outcome.minimal {
        Some(m) if m.handle == handle => {
            out!("preemptions: {} (no execution with fewer fails this way)", m.preemptions);
            out!("trace:");
            (Some(&m.trace), &m.handle, Some(m.preemptions))
        }
        Some(m) => {
            out!("preemptions: {own} as found; the same failure with the fewest, {}:", m.preemptions);
            out!("  racecheck replay {}", m.handle);
            out!("  (`--as-found` shows the handle's own execution)");
            out!("trace (fewest preemptions):");
            (Some(&m.trace), &m.handle, Some(m.preemptions))
        }
        None => {
            out!("preemptions: {own}");
            out!("trace:");
            (outcome.trace.as_ref(), &handle, outcome.preemptions)
        }
    };
    if let Some(trace) = shown {
        if options.step {
            step_through(trace)?;
        } else {
            out!("{}", trace.render());
        }
        if let Some(path) = &options.svg {
            let title = format!("{} / {variant}: {}", s.id, outcome.verdict);
            let count = shown_preemptions.map_or_else(String::new, |p| format!(" ({p} preemptions)"));
            let svg = harness::svg::render(trace, &title, &format!("racecheck replay {shown_handle}{count}"));
            std::fs::write(path, svg).with_context(|| format!("cannot write {}", path.display()))?;
            out!("picture: {}", path.display());
        }
    }
    if let Some(path) = loom_checkpoint {
        let path = std::path::absolute(&path).unwrap_or(path);
        let job = Job::LoomCheckpoint { handle: handle.clone(), step_limit, path: path.clone() };
        let written = isolate::run_in_child(&runner(Some(1))?.program, &run::child_args(s, variant), &job);
        if written.verdict != outcome.verdict {
            out!("loom checkpoint: not written: {}", written.verdict);
            return Ok(ExitCode::from(1));
        }
        out!("loom checkpoint: {} (a loom search started from it fails on its first execution)", path.display());
    }
    Ok(replay_exit(&outcome.verdict))
}

/// A replay reproduced a finding (0), found nothing (1), or did not match the scenario at all —
/// the handle is stale or for another model (2, with the reason).
fn replay_exit(verdict: &harness::Verdict) -> ExitCode {
    match verdict {
        harness::Verdict::Stale { reason } => {
            eprintln!("error: the handle does not reproduce an execution of this scenario ({reason}); was the scenario or the model changed?");
            ExitCode::from(2)
        }
        v if v.is_failure() => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}

/// Prints the trace one step at a time: the header, then a step each time Enter is pressed
/// (`q` then Enter stops). Without a terminal it prints every step, one after the other.
fn step_through(trace: &harness::Trace) -> Result<()> {
    use std::io::{BufRead as _, Write as _};
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
            std::io::stdout().flush()?;
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
