//! `racecheck soak` and `racecheck merge`: a shard of a deep search, and the shards put back
//! together into one judged report (see `crate::soak` and `crate::merge`).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use harness::isolate::{self, Job};

use super::out::outp;
use super::{bad, jobs, program, Format};
use crate::run::Runner;
use crate::Registry;

/// What `racecheck soak` was asked to do.
pub(super) struct SoakOptions {
    pub ids: Vec<String>,
    pub seeds: std::ops::Range<u64>,
    pub worlds: u32,
    pub shard: (u32, u32),
    pub out: Option<PathBuf>,
    pub jobs: Option<u64>,
}

/// Reads `--seeds`: `A..B` (B excluded, as in Rust) or `A..=B`, with at least one seed.
pub(super) fn seeds(text: &str) -> Result<std::ops::Range<u64>, String> {
    let expected = "expected A..B (B excluded) or A..=B, like 1..1000";
    let (a, b, inclusive) = if let Some((a, b)) = text.split_once("..=") {
        (a, b, true)
    } else if let Some((a, b)) = text.split_once("..") {
        (a, b, false)
    } else {
        return Err(format!("`{text}`: {expected}"));
    };
    let num = |s: &str| s.trim().parse::<u64>().map_err(|_| format!("`{text}`: {expected}"));
    let (a, b) = (num(a)?, num(b)?);
    let end =
        if inclusive { b.checked_add(1).ok_or_else(|| format!("`{text}`: the last seed is too large"))? } else { b };
    if a >= end {
        return Err(format!("`{text}` has no seed; {expected}"));
    }
    Ok(a..end)
}

/// Reads `--shard K/N`, 1 ≤ K ≤ N.
pub(super) fn shard(text: &str) -> Result<(u32, u32), String> {
    let expected = "expected K/N with 1 <= K <= N, like 2/8";
    let (k, n) = text.split_once('/').ok_or_else(|| format!("`{text}`: {expected}"))?;
    let (k, n) = (k.trim().parse::<u32>(), n.trim().parse::<u32>());
    match (k, n) {
        (Ok(k), Ok(n)) if (1..=n).contains(&k) => Ok((k, n)),
        _ => Err(format!("`{text}`: {expected}")),
    }
}

/// The progress bar (a terminal only) and the final line (always), on standard error.
struct Progress {
    tty: bool,
    start: Instant,
    total: usize,
    done: usize,
    executions: u64,
    failing: usize,
}

impl Progress {
    fn tick(&mut self, o: &harness::Outcome) {
        self.done += 1;
        self.executions += o.executions;
        self.failing += usize::from(o.verdict.is_failure());
        if self.tty {
            eprint!(
                "\r[{}/{}] explorations, {:.0} executions/s, {} failing   ",
                self.done,
                self.total,
                self.rate(),
                self.failing
            );
        }
    }

    fn rate(&self) -> f64 {
        self.executions as f64 / self.start.elapsed().as_secs_f64().max(1e-9)
    }

    fn finish(&self, shard: (u32, u32)) {
        if self.tty {
            eprint!("\r{:78}\r", "");
        }
        eprintln!(
            "racecheck soak: shard {}/{}: {} exploration(s), {} executions, {} failing, in {:.1} s ({:.0} executions/s)",
            shard.0,
            shard.1,
            self.done,
            self.executions,
            self.failing,
            self.start.elapsed().as_secs_f64(),
            self.rate()
        );
    }
}

pub(super) fn soak(registry: &Registry, dir: &Path, o: &SoakOptions) -> Result<ExitCode> {
    let mut all = super::run::load(registry, dir, &o.ids)?;
    if o.ids.is_empty() {
        // The committed generated worlds are the gate's; a soak draws its own.
        all.retain(|s| !s.path.parent().is_some_and(|p| p.ends_with("fuzz")));
    }
    let (params, items) = crate::soak::plan(registry, &mut all, o.seeds.clone(), o.worlds);
    if items.is_empty() {
        return Err(bad("nothing to soak: the scenarios selected have no random, pct or urw scheduler"));
    }
    let mine = crate::soak::shard(items, o.shard.0, o.shard.1);
    let runner = Runner { program: program()?, jobs: jobs(o.jobs) };
    let mut progress = Progress {
        tty: std::io::stderr().is_terminal(),
        start: Instant::now(),
        total: mine.len(),
        done: 0,
        executions: 0,
        failing: 0,
    };
    let done = crate::soak::run(&runner, &mine, |outcome| progress.tick(outcome));
    progress.finish(o.shard);
    let file = crate::soak::ShardFile {
        format: crate::soak::FORMAT.to_owned(),
        soak: params,
        shards: o.shard.1,
        shard: o.shard.0,
        items: done,
    };
    let text = file.to_json();
    match &o.out {
        Some(path) => std::fs::write(path, text).map_err(|e| bad(format!("cannot write {}: {e}", path.display())))?,
        None => outp!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn merge(dir: &Path, files: &[PathBuf], format: Format) -> Result<ExitCode> {
    let mut read = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let text = std::fs::read_to_string(f).map_err(|e| bad(format!("{name}: cannot read: {e}")))?;
        read.push((name.clone(), crate::merge::parse(&name, &text).map_err(bad)?));
    }
    let merged = crate::merge::merge(read).map_err(bad)?;
    match format {
        Format::Text => outp!("{}", crate::soakreport::text(&merged)),
        Format::Json => outp!("{}", crate::soakreport::json(&merged)),
        Format::Junit => outp!("{}", crate::soakreport::junit(&merged)),
    }
    for w in crate::regress::write(&merged, dir).map_err(bad)? {
        match w {
            crate::regress::Wrote::New(p) => eprintln!("wrote regression scenario {}", p.display()),
            crate::regress::Wrote::Exists(p) => eprintln!("regression scenario {} exists: left as it is", p.display()),
        }
    }
    let contradicted = merged.judged().iter().any(crate::merge::Judged::contradicts);
    Ok(if contradicted { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Serves one exploration of a generated world for a parent `racecheck soak`.
pub(super) fn world_child(
    registry: &Registry,
    race: &str,
    id: &str,
    variant: &str,
    params: &str,
    job: &str,
) -> Result<ExitCode> {
    let race = registry.find(race).ok_or_else(|| bad(format!("unknown race `{race}`")))?;
    let params: toml::Table = toml::from_str(params).map_err(|e| bad(format!("malformed world: {e}")))?;
    let job = Job::from_arg(job).map_err(|e| bad(e.to_string()))?;
    let model = race.model(&format!("{id}/{variant}"), variant, &params).map_err(|e| bad(e.to_string()))?;
    isolate::serve(&model, &job);
    Ok(ExitCode::SUCCESS)
}
