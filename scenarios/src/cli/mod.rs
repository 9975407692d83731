//! The `racecheck` command line, as a library: a binary is one call to [`main`] with its
//! [`Registry`] of races. This repository's `racecheck` passes [`crate::registry()`]; a crate of
//! its own races passes its own, and gets the same commands, reports and exit codes over them:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     scenarios::cli::main(&scenarios::registry())
//! }
//! ```
//!
//! Every exploration runs in a child process of the same program (see `harness::isolate`), which
//! is why the registry is an argument of `main` and not of each command: the child is started
//! with the same `main` and the same registry.
//!
//! Exit codes: 0 when at least one expectation was checked and every one was met; 1 when an
//! expectation failed; 2 for bad input, and for a selection that checked nothing; 141 when the
//! reader of the output went away. Every error is one line on standard error, naming what was
//! expected. Libraries return typed errors; this module alone gives them context and an exit
//! code.

pub(crate) mod out;

mod fuzz;
mod perf;
mod prove;
mod replay;
mod run;
mod soak;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use harness::isolate::{self, Job};

use self::out::out;
use crate::scenario::{self, Scheduler, MAX_BUDGET};
use crate::Registry;

/// The most explorations at once `--jobs` accepts.
pub const MAX_JOBS: u64 = 1024;

#[derive(Parser)]
#[command(name = "racecheck", version, about = "Deterministic race-condition checks for trading systems")]
struct Cli {
    /// The folder of scenario files (default: `scenarios/` in the current folder or the nearest
    /// parent that has one).
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

/// Reads a scheduler name, with the error scenario files give.
fn scheduler(name: &str) -> Result<Scheduler, String> {
    Scheduler::from_name(name)
        .ok_or_else(|| format!("unknown scheduler `{name}`; expected one of: random, pct, urw, dfs, loom, threads"))
}

#[derive(Subcommand)]
enum Command {
    /// List the races and their variants.
    List,
    /// Run scenarios (all of them by default, and every committed generated world under
    /// `fuzz/`) and check every expectation.
    Run {
        /// Scenario ids (file stems under the scenario folder or its `fuzz/`); all when none is given.
        scenario: Vec<String>,
        /// Only these variants.
        #[arg(long = "variant", value_name = "VARIANT")]
        variants: Vec<String>,
        /// Only these schedulers: random, pct, urw, dfs, loom, threads (the real-threads baseline).
        #[arg(long = "scheduler", value_name = "SCHEDULER", value_parser = scheduler)]
        schedulers: Vec<Scheduler>,
        /// Executions per exploration, instead of the scenario's budgets.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_BUDGET))]
        budget: Option<u64>,
        /// Seed of random, pct and urw, instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Wall-clock seconds per exploration, instead of the scenario's `timeout_secs`.
        #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=scenario::MAX_TIMEOUT_SECS))]
        timeout: Option<u64>,
        /// Explorations at once (default: the number of cores).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_JOBS))]
        jobs: Option<u64>,
        /// Output: the text reports, JSON (schema: scenarios/schema/report.schema.json) or JUnit XML.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run every scenario and print the summary table kept as `reports/README.md`.
    Summary {
        /// Explorations at once (default: the number of cores).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_JOBS))]
        jobs: Option<u64>,
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
        /// The race (any of `racecheck list`).
        race: String,
        /// The variant to explore.
        #[arg(long, default_value = "before")]
        variant: String,
        /// How many worlds.
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        cases: u32,
        /// The seed of the world generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// PCT executions per world.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        budget: u64,
        /// PCT's depth.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=16))]
        depth: u64,
        /// Rewrite the world's scenario file if it exists (its diff is yours to review).
        #[arg(long)]
        force: bool,
        #[arg(long, hide = true)]
        in_child: bool,
    },
    /// Prove a race over every world of its space up to a size: each variant explored
    /// exhaustively in each world (loom unbounded, else loom bounded at 3, else DFS); prints the
    /// worlds covered and how, or the smallest failing world with its replay handle (written as
    /// a scenario under `<scenarios>/fuzz/`). Exit code 1 when a variant expected to hold fails.
    Prove {
        /// A race (its default parameters under the space), or a scenario id (its parameters).
        target: String,
        /// Only this variant; then any failure is exit code 1.
        #[arg(long)]
        variant: Option<String>,
        /// The largest world size (default: the race's, about a minute on two cores).
        #[arg(long, value_parser = clap::value_parser!(u64).range(0..=64))]
        size: Option<u64>,
        /// Explorations at once (default: the number of cores).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_JOBS))]
        jobs: Option<u64>,
    },
    #[command(name = "__prove-child", hide = true)]
    ProveChild { race: String, id: String, variant: String, world: String, job: String },
    /// Scaffold a new race: its model file, its scenario file and its registry line.
    New {
        /// The race id: lowercase words joined by `-`, like `stale-cancel`.
        race: String,
    },
    /// A deep search: every scenario (all by default) × variant × randomized scheduler of its
    /// portfolio (random, pct, urw) × seed, and with `--worlds N`, N generated worlds per race
    /// and seed; or shard K of N of it (item index modulo N, over the canonical sorted item
    /// list). Writes every outcome as JSON for `racecheck merge`; the judgement is merge's.
    Soak {
        /// Scenario ids; all (but the committed worlds under `fuzz/`) when none is given.
        scenario: Vec<String>,
        /// The seeds: `A..B` (B excluded) or `A..=B`.
        #[arg(long, value_parser = soak::seeds)]
        seeds: std::ops::Range<u64>,
        /// Generated worlds per race with a world generator, per seed.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000))]
        worlds: u32,
        /// Run shard K of N only.
        #[arg(long, value_name = "K/N", value_parser = soak::shard, default_value = "1/1")]
        shard: (u32, u32),
        /// Write the JSON here (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Explorations at once (default: the number of cores).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_JOBS))]
        jobs: Option<u64>,
    },
    /// Merge the shard files of one soak into its report: the same bytes as the soak run
    /// unsharded, whatever the shards and their order. Exit 1 when a variant contradicts its
    /// expectation at some seed: expected `holds`, `holds-sampled` or `vacuous` and a seed's
    /// random/pct/urw found a failure; or expected a failure and a seed's portfolio concluded
    /// anything else. A generated world contradicts only when a variant that every scenario of
    /// its race in the soak expects not to fail fails on it (a fix some scenario pins as failing
    /// is known to fail in some worlds); it is then written as a regression scenario under
    /// `<scenarios>/fuzz/` (never over an existing file). Exit 2 for missing, duplicated or
    /// foreign shards.
    Merge {
        /// The shard files `racecheck soak` wrote.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output: text, JSON or JUnit XML.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Measure and print the performance report kept as `reports/PERFORMANCE.md` (timings vary
    /// from run to run: never part of the gate).
    Perf {
        /// Smaller exhaustive budgets and overhead rounds (the file says which mode made it).
        #[arg(long)]
        quick: bool,
    },
    #[command(name = "__world", hide = true)]
    World { race: String, id: String, variant: String, params: String, job: String },
    #[command(name = "__child", hide = true)]
    Child { path: PathBuf, variant: String, job: String },
}

/// A bad input: exit code 2, with its one-line message.
#[derive(Debug)]
pub(crate) struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// A bad input, as an error.
pub(crate) fn bad(message: impl Into<String>) -> anyhow::Error {
    BadInput(message.into()).into()
}

/// At most this many characters of a message are shown: input is quoted, never echoed whole.
const MAX_MESSAGE: usize = 400;

/// `message` on one line, at most [`MAX_MESSAGE`] characters.
pub(crate) fn one_line(message: &str) -> String {
    let joined: Vec<&str> = message.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let line = joined.join("; ");
    if line.chars().count() <= MAX_MESSAGE {
        line
    } else {
        let cut: String = line.chars().take(MAX_MESSAGE).collect();
        format!("{cut}… (cut)")
    }
}

/// Parses `args` (the program name first) as the command line would, without running anything:
/// `Err` with the one-line message a user would see. For the parser fuzz target.
pub fn check_args(args: impl IntoIterator<Item = OsString>) -> Result<(), String> {
    Cli::try_parse_from(args).map(|_| ()).map_err(|e| {
        let text = e.render().to_string();
        one_line(text.lines().next().unwrap_or_default())
    })
}

/// Runs the command line over the races of `registry`, on the program's own arguments.
pub fn main(registry: &Registry) -> ExitCode {
    main_from(registry, std::env::args_os())
}

/// Runs the command line over the races of `registry`, on `args` (the program name first).
pub fn main_from(registry: &Registry, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e),
    };
    if !out::is_open() {
        eprintln!("error: standard output is closed; the report would be lost");
        return ExitCode::from(2);
    }
    let code = match dispatch(cli, registry) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            ExitCode::from(2)
        }
    };
    out::flush();
    code
}

/// Help and version go to standard output (exit 0); any other argument error is one line.
fn clap_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("bad arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("error: {}; `racecheck --help` shows the usage", one_line(first));
            ExitCode::from(2)
        }
    }
}

/// The scenario folder: `--scenarios`, else `scenarios/` in the current folder or the nearest
/// parent that has one (as cargo finds `Cargo.toml`). Never a folder fixed when the program
/// was built: run elsewhere, the program must not write into its own source tree.
fn scenario_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = given {
        if !dir.is_dir() {
            return Err(bad(format!("--scenarios {}: not a folder", dir.display())));
        }
        return Ok(dir);
    }
    let here = std::env::current_dir().map_err(|e| bad(format!("cannot read the current folder: {e}")))?;
    here.ancestors()
        .map(|a| a.join("scenarios"))
        .find(|d| d.is_dir())
        .ok_or_else(|| bad("no `scenarios/` folder here or in any parent folder; pass --scenarios DIR"))
}

fn dispatch(cli: Cli, registry: &Registry) -> Result<ExitCode> {
    if let Command::List = cli.command {
        list(registry);
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Child { path, variant, job } = cli.command {
        return child(registry, &path, &variant, &job);
    }
    if let Command::World { race, id, variant, params, job } = cli.command {
        return soak::world_child(registry, &race, &id, &variant, &params, &job);
    }
    if let Command::ProveChild { race, id, variant, world, job } = cli.command {
        return prove::child(registry, &race, &id, &variant, &world, &job);
    }
    let dir = scenario_dir(cli.scenarios)?;
    match cli.command {
        Command::Run { scenario, variants, schedulers, budget, seed, timeout, jobs, format } => {
            let options = run::RunOptions { ids: scenario, variants, schedulers, budget, seed, timeout, jobs, format };
            run::run(registry, &dir, &options)
        }
        Command::Summary { jobs } => run::summary(registry, &dir, jobs),
        Command::Replay { handle, loom_checkpoint, as_found, svg, step } => {
            let options = replay::ReplayOptions { loom_checkpoint, as_found, svg, step };
            replay::replay(registry, &dir, &handle, &options)
        }
        Command::Fuzz { race, variant, cases, seed, budget, depth, force, in_child } => {
            let Some(found) = registry.find(&race) else {
                return Err(bad(format!("unknown race `{race}`; expected one of: {}", registry.with_worlds())));
            };
            let Some(space) = registry.space(&race).cloned() else {
                return Err(bad(format!(
                    "race `{race}` has no world generator; expected one of: {}",
                    registry.with_worlds()
                )));
            };
            let depth = usize::try_from(depth).map_err(|_| bad("--depth is too large"))?;
            let f = crate::fuzz::Fuzz { race: found, space, variant, cases, seed, budget, depth, force };
            if in_child {
                fuzz::fuzz(&dir, &f)
            } else {
                fuzz::in_child()
            }
        }
        Command::Prove { target, variant, size, jobs } => {
            let size = size.map(|s| usize::try_from(s).unwrap_or(usize::MAX));
            prove::prove(registry, &dir, &prove::ProveOptions { target, variant, size, jobs })
        }
        Command::New { race } => new(registry, &dir, &race),
        Command::Soak { scenario, seeds, worlds, shard, out, jobs } => {
            soak::soak(registry, &dir, &soak::SoakOptions { ids: scenario, seeds, worlds, shard, out, jobs })
        }
        Command::Merge { files, format } => soak::merge(&dir, &files, format),
        Command::Perf { quick } => perf::perf(registry, &dir, quick),
        Command::List | Command::Child { .. } | Command::World { .. } | Command::ProveChild { .. } => {
            unreachable!("handled above")
        }
    }
}

fn list(registry: &Registry) {
    for race in registry.races() {
        out!("{:<24} {}", race.id(), race.title());
        out!("{:<24} source: {}", "", race.source());
        out!("{:<24} variants: {}", "", race.variants().join(", "));
        out!("{:<24} runtime: {}", "", race.runtime());
    }
}

fn new(registry: &Registry, dir: &Path, race: &str) -> Result<ExitCode> {
    let root = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let made = crate::scaffold::new_race(registry, &root, dir, race).map_err(bad)?;
    out!("wrote {}", made.model.display());
    out!("wrote {}", made.scenario.display());
    out!("added two lines to {}", made.registry.display());
    out!("next: follow racecheck's models/GUIDE.md; `racecheck run {race}` stops at the [expect] verdicts to decide");
    Ok(ExitCode::SUCCESS)
}

/// Serves one exploration for a parent `racecheck` (see `harness::isolate`).
fn child(registry: &Registry, path: &Path, variant: &str, job: &str) -> Result<ExitCode> {
    let scenario = scenario::load(path, |id| registry.find(id)).map_err(|e| bad(e.to_string()))?;
    let job = Job::from_arg(job).map_err(|e| bad(e.to_string()))?;
    let target = format!("{}/{variant}", scenario.id);
    let model = scenario.race.model(&target, variant, &scenario.params).map_err(|e| bad(e.to_string()))?;
    isolate::serve(&model, &job);
    Ok(ExitCode::SUCCESS)
}

/// The program itself, to start children of.
fn program() -> Result<PathBuf> {
    std::env::current_exe().map_err(|e| bad(format!("cannot find the racecheck executable: {e}")))
}

/// How many explorations at once: `jobs`, else the number of cores.
fn jobs(jobs: Option<u64>) -> usize {
    jobs.and_then(|j| usize::try_from(j).ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}
