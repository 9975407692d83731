//! Scenario files: `scenarios/<id>.toml`, read and checked with errors that name file and line.
//!
//! ```toml
//! race = "reentry"                   # the race the scenario runs (see `racecheck list`)
//! step_limit = 20000                 # optional: facade operations per execution
//! timeout_secs = 600                 # optional: wall-clock seconds per exploration (verdict `timeout`)
//! notes = ["No dfs: ..."]            # optional: what the report says about the scenario
//!
//! [params]                           # the race's own parameters (its module documents them)
//! ticks = ["99.50"]
//!
//! [[schedulers]]                     # the portfolio, run for every variant, in this order
//! scheduler = "pct"                  # random | pct | urw | dfs | loom
//! depth = 3                          # pct only
//! seed = 1                           # random, pct, urw
//! budget = 2000                      # at most this many executions
//! expect = { before = "violated" }   # optional: what this scheduler alone must conclude
//!
//! [expect]                           # the expected verdict of every variant: the gate
//! before = "violated"
//! ```
//!
//! Unknown keys, unknown races, variants, schedulers or verdicts are errors, each with the
//! file, the line and what was expected.
//!
//! A scheduler's own `expect` pins the scheduler, not just the variant: a variant's verdict is
//! the union over the portfolio, so a scheduler that silently stopped finding its bug would
//! leave it unchanged while another scheduler still finds it. With `expect`, it turns the gate red.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use harness::{Exploration, Race, Strategy};
use serde::Deserialize;
use toml::Spanned;

use crate::expect::Expected;

/// The schedulers, as scenario files and `--scheduler` spell them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scheduler {
    /// shuttle's random scheduler, from a seed.
    Random,
    /// shuttle's PCT, from a seed, with a bug depth.
    Pct,
    /// shuttle's uniform random walk, from a seed.
    Urw,
    /// shuttle's exhaustive DFS.
    Dfs,
    /// loom's exhaustive search, with an optional preemption bound.
    Loom,
    /// Real OS threads: the baseline, never part of a scenario.
    Threads,
}

impl Scheduler {
    /// The scheduler called `name`, as a scenario file or the command line spells it.
    pub fn from_name(name: &str) -> Option<Self> {
        <Self as clap::ValueEnum>::from_str(name, false).ok()
    }

    /// The scheduler's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Pct => "pct",
            Self::Urw => "urw",
            Self::Dfs => "dfs",
            Self::Loom => "loom",
            Self::Threads => "threads",
        }
    }

    /// The scheduler with its default settings: seed `seed`, PCT depth 3, loom bounded at 3.
    pub fn strategy(self, seed: u64) -> Strategy {
        match self {
            Self::Random => Strategy::Random { seed },
            Self::Pct => Strategy::Pct { seed, depth: 3 },
            Self::Urw => Strategy::Urw { seed },
            Self::Dfs => Strategy::Dfs,
            Self::Loom => Strategy::Loom { preemption_bound: Some(3) },
            Self::Threads => Strategy::Threads,
        }
    }

    /// Whether `strategy` is this scheduler.
    pub fn runs(self, strategy: &Strategy) -> bool {
        strategy.name() == self.name()
    }
}

/// One scheduler of a scenario's portfolio, with what it alone must conclude.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    /// The scheduler and its budget.
    pub exploration: Exploration,
    /// What this scheduler alone must conclude, per variant (may be empty).
    pub expect: Vec<(&'static str, Expected)>,
}

/// A checked scenario.
pub struct Scenario {
    /// The file stem: `reentry` for `scenarios/reentry.toml`.
    pub id: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// The race it runs.
    pub race: &'static dyn Race,
    /// The race's parameters.
    pub params: toml::Table,
    /// The portfolio of schedulers, in order.
    pub schedulers: Vec<Scheduled>,
    /// Facade operations per execution, for every exploration of the scenario.
    pub step_limit: u64,
    /// Wall-clock seconds per exploration, for every exploration of the scenario.
    pub timeout_secs: u64,
    /// The expected verdict of each variant, in the race's variant order.
    pub expect: Vec<(&'static str, Expected)>,
    /// What the report should say about the scenario itself (a scheduler left out, and why).
    pub notes: Vec<String>,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario").field("id", &self.id).field("race", &self.race.id()).finish_non_exhaustive()
    }
}

/// A scenario file that cannot be used: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file.
    pub path: PathBuf,
    /// The line (from 1), when the error has one.
    pub line: Option<usize>,
    /// What was wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    race: Spanned<String>,
    #[serde(default)]
    step_limit: Option<u64>,
    #[serde(default)]
    timeout_secs: Option<u64>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    params: Option<Spanned<toml::Table>>,
    schedulers: Vec<Spanned<RawScheduler>>,
    expect: Spanned<BTreeMap<String, Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScheduler {
    scheduler: Spanned<String>,
    budget: u64,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    depth: Option<usize>,
    #[serde(default)]
    preemption_bound: Option<usize>,
    #[serde(default)]
    expect: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
}

/// Reads and checks the scenario at `path`, resolving its race with `find`.
pub fn load(path: &Path, find: impl Fn(&str) -> Option<&'static dyn Race>) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        path: path.to_owned(),
        line: None,
        message: format!("cannot read the file: {e}"),
    })?;
    parse(path, &text, find)
}

/// Checks the scenario text `text` read from `path`.
pub fn parse(
    path: &Path,
    text: &str,
    find: impl Fn(&str) -> Option<&'static dyn Race>,
) -> Result<Scenario, ScenarioError> {
    let at = |offset: usize, message: String| ScenarioError {
        path: path.to_owned(),
        line: Some(text[..offset.min(text.len())].matches('\n').count() + 1),
        message,
    };
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let message = e.message().to_owned();
        match e.span() {
            Some(span) => at(span.start, message),
            None => ScenarioError { path: path.to_owned(), line: None, message },
        }
    })?;
    let id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let race = find(raw.race.get_ref()).ok_or_else(|| {
        at(raw.race.span().start, format!("unknown race `{}`; `racecheck list` shows the races", raw.race.get_ref()))
    })?;
    let step_limit = raw.step_limit.unwrap_or(harness::explore::DEFAULT_STEP_LIMIT);
    if !(100..=MAX_STEP_LIMIT).contains(&step_limit) {
        return Err(at(
            0,
            format!("`step_limit = {step_limit}` is out of range; expected 100 to {MAX_STEP_LIMIT} facade operations"),
        ));
    }
    let timeout_secs = raw.timeout_secs.unwrap_or(harness::explore::DEFAULT_TIMEOUT_SECS);
    if !(1..=MAX_TIMEOUT_SECS).contains(&timeout_secs) {
        return Err(at(
            0,
            format!("`timeout_secs = {timeout_secs}` is out of range; expected 1 to {MAX_TIMEOUT_SECS} seconds"),
        ));
    }
    let mut schedulers = Vec::new();
    for s in &raw.schedulers {
        let mut e = exploration(s.get_ref()).map_err(|(m, key_line)| {
            at(if key_line { s.get_ref().scheduler.span().start } else { s.span().start }, m)
        })?;
        e.step_limit = step_limit;
        e.timeout_secs = timeout_secs;
        if matches!(e.strategy, Strategy::Loom { .. }) && race.threads() + 1 > harness::explore::LOOM_MAX_THREADS {
            return Err(at(
                s.span().start,
                format!(
                    "loom allows at most {} threads; race `{}` needs {}",
                    harness::explore::LOOM_MAX_THREADS,
                    race.id(),
                    race.threads() + 1
                ),
            ));
        }
        let expect = match &s.get_ref().expect {
            Some(table) => verdicts(race, table.get_ref(), &at)?,
            None => Vec::new(),
        };
        schedulers.push(Scheduled { exploration: e, expect });
    }
    if schedulers.is_empty() {
        return Err(at(0, "no [[schedulers]]: a scenario needs at least one".into()));
    }
    let expect = verdicts(race, raw.expect.get_ref(), &at)?;
    if let Some(missing) = race.variants().iter().find(|v| !expect.iter().any(|(k, _)| k == *v)) {
        return Err(at(raw.expect.span().start, format!("[expect] has no verdict for variant `{missing}`")));
    }
    let (params, params_at) = match raw.params {
        Some(p) => (p.get_ref().clone(), p.span().start),
        None => (toml::Table::new(), 0),
    };
    if let Some((key, len)) = longest_list(&params).filter(|(_, len)| *len > MAX_PARAM_LIST) {
        return Err(at(
            params_at,
            format!("[params]: `{key}` has {len} entries; a world this large is refused (at most {MAX_PARAM_LIST})"),
        ));
    }
    // Build one model now, so that bad parameters are reported here, with the file and line.
    race.model(&format!("{id}/{}", race.variants()[0]), race.variants()[0], &params)
        .map_err(|e| at(params_at, format!("[params]: {e}")))?;
    Ok(Scenario {
        id,
        path: path.to_owned(),
        race,
        params,
        schedulers,
        step_limit,
        timeout_secs,
        expect,
        notes: raw.notes,
    })
}

/// A table of `variant = "verdict"`, checked against the race, in the race's variant order.
fn verdicts(
    race: &'static dyn Race,
    table: &BTreeMap<String, Spanned<String>>,
    at: &impl Fn(usize, String) -> ScenarioError,
) -> Result<Vec<(&'static str, Expected)>, ScenarioError> {
    let mut expect = Vec::new();
    for (variant, verdict) in table {
        let Some(known) = race.variants().iter().find(|v| **v == variant.as_str()) else {
            return Err(at(
                verdict.span().start,
                format!(
                    "race `{}` has no variant `{variant}`; expected one of: {}",
                    race.id(),
                    race.variants().join(", ")
                ),
            ));
        };
        let Some(expected) = Expected::from_name(verdict.get_ref()) else {
            return Err(at(
                verdict.span().start,
                format!("unknown verdict `{}`; expected one of: {}", verdict.get_ref(), Expected::names()),
            ));
        };
        expect.push((*known, expected));
    }
    expect.sort_by_key(|(v, _)| race.variants().iter().position(|k| k == v));
    Ok(expect)
}

/// The exploration `s` asks for; on an error, the message and whether it is about the
/// `scheduler` key itself (else about the whole entry).
fn exploration(s: &RawScheduler) -> Result<Exploration, (String, bool)> {
    let name = s.scheduler.get_ref().as_str();
    let scheduler = match Scheduler::from_name(name) {
        Some(Scheduler::Threads) => {
            let why = "`threads` is a baseline, never part of a scenario: ask for it with `--scheduler threads`";
            return Err((why.into(), true));
        }
        Some(known) => known,
        None => {
            return Err((format!("unknown scheduler `{name}`; expected one of: random, pct, urw, dfs, loom"), true))
        }
    };
    let allowed: &[&str] = match scheduler {
        Scheduler::Random | Scheduler::Urw => &["seed"],
        Scheduler::Pct => &["seed", "depth"],
        Scheduler::Loom => &["preemption_bound"],
        Scheduler::Dfs | Scheduler::Threads => &[],
    };
    let entry = |m: String| (m, false);
    for (key, given) in
        [("seed", s.seed.is_some()), ("depth", s.depth.is_some()), ("preemption_bound", s.preemption_bound.is_some())]
    {
        if given && !allowed.contains(&key) {
            let takes: String = allowed.iter().map(|a| format!(", {a}")).collect();
            return Err(entry(format!("scheduler `{name}` takes no `{key}`; it takes: budget{takes}")));
        }
    }
    let need = |v: Option<u64>, key: &str| v.ok_or_else(|| entry(format!("scheduler `{name}` needs `{key}`")));
    let mut strategy = scheduler.strategy(0);
    match &mut strategy {
        Strategy::Random { seed } | Strategy::Urw { seed } => *seed = need(s.seed, "seed")?,
        Strategy::Pct { seed, depth } => {
            *seed = need(s.seed, "seed")?;
            *depth = s
                .depth
                .filter(|d| *d >= 1)
                .ok_or_else(|| entry("scheduler `pct` needs `depth` of 1 or more".into()))?;
        }
        Strategy::Loom { preemption_bound } => *preemption_bound = s.preemption_bound,
        Strategy::Dfs | Strategy::Threads => {}
    }
    let budget = check_budget(s.budget).map_err(entry)?;
    Ok(Exploration::new(strategy, budget))
}

/// The most facade operations one execution may be given.
pub const MAX_STEP_LIMIT: u64 = 10_000_000;

/// The most wall-clock seconds one exploration may be given (a day).
pub const MAX_TIMEOUT_SECS: u64 = 86_400;

/// The most entries a list in `[params]` may have (ticks, exits, workers, …): every entry is
/// an event every execution plays, and the models' worlds are small on purpose.
pub const MAX_PARAM_LIST: usize = 256;

/// The longest list in `table`, nested tables included: its key and its length.
fn longest_list(table: &toml::Table) -> Option<(String, usize)> {
    table
        .iter()
        .filter_map(|(key, value)| match value {
            toml::Value::Array(a) => Some((key.clone(), a.len())),
            toml::Value::Table(t) => longest_list(t),
            _ => None,
        })
        .max_by_key(|(_, len)| *len)
}

/// The most executions one exploration may be given.
pub const MAX_BUDGET: u64 = 100_000_000;

/// Checks an exploration's budget, wherever it comes from: at least 1, at most [`MAX_BUDGET`].
pub fn check_budget(budget: u64) -> Result<u64, String> {
    if (1..=MAX_BUDGET).contains(&budget) {
        Ok(budget)
    } else {
        Err(format!("`budget = {budget}` is out of range; expected 1 to {MAX_BUDGET} executions"))
    }
}

/// Every scenario file in `dir` (`*.toml` but `Cargo.toml`), sorted by name.
pub fn files(dir: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ScenarioError {
        path: dir.to_owned(),
        line: None,
        message: format!("cannot read the scenario folder: {e}"),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.file_name().is_some_and(|n| n != "Cargo.toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Every scenario file of the gate: those in `dir`, then the committed generated worlds in
/// `dir/fuzz/` (run forever, like the scenarios).
pub fn all_files(dir: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
    let mut all = files(dir)?;
    let fuzzed = dir.join("fuzz");
    if fuzzed.is_dir() {
        all.extend(files(&fuzzed)?);
    }
    Ok(all)
}
