//! `racecheck fuzz`, run in a child of the program: thousands of failing executions make
//! shuttle print to stderr, and the harness owns its output.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use harness::isolate;

use super::bad;
use super::out::{out, CLOSED_PIPE};

/// Runs the fuzzer in a child of this program: thousands of failing executions make shuttle
/// print to stderr, and the harness owns its output. The child's stdout passes through; its
/// stderr is shown only if it dies without an answer.
pub(super) fn in_child() -> Result<ExitCode> {
    let program = super::program()?;
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
    use std::os::unix::process::ExitStatusExt as _;
    const SIGPIPE: i32 = 13;
    if child.status.code() == Some(i32::from(CLOSED_PIPE)) || child.status.signal() == Some(SIGPIPE) {
        // The reader of the output went away: quiet, as everywhere else.
        return Ok(ExitCode::from(CLOSED_PIPE));
    }
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
            Ok(ExitCode::from(u8::try_from(code).unwrap_or(2)))
        }
        _ => {
            let stderr = String::from_utf8_lossy(&child.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
            bail!("the fuzzer died ({}): {}", child.status, tail.into_iter().rev().collect::<Vec<_>>().join(" | "))
        }
    }
}

pub(super) fn fuzz(dir: &Path, f: &crate::fuzz::Fuzz) -> Result<ExitCode> {
    out!(
        "fuzz {} (variant {}): {} worlds from seed {}, pct(depth={}) x {} executions each",
        f.race.id(),
        f.variant,
        f.cases,
        f.seed,
        f.depth,
        f.budget
    );
    let Some(found) = crate::fuzz::run(f, dir).map_err(bad)? else {
        out!("no world failed");
        return Ok(ExitCode::SUCCESS);
    };
    let o = &found.outcome;
    out!("found: {}", o.verdict);
    let file = found.scenario.display();
    match found.written {
        crate::fuzz::Written::New => out!("shrunk world (written to {file}):"),
        crate::fuzz::Written::Unchanged => out!("shrunk world (already in {file}):"),
        crate::fuzz::Written::Rewritten => out!("shrunk world (rewritten in {file}; review its diff):"),
        crate::fuzz::Written::Kept => {
            out!("shrunk world ({file} exists with other settings and was left as it is; --force rewrites it):")
        }
    }
    for line in toml::to_string(&found.world).unwrap_or_default().lines() {
        out!("  {line}");
    }
    if let Some(h) = &o.handle {
        let count = o.preemptions.map_or_else(String::new, |p| format!(", {p} preemptions"));
        out!("as found (execution {}{count}): racecheck replay {h}", o.first_failure.unwrap_or(0));
    }
    if let Some(m) = &o.minimal {
        out!("minimal schedule ({} preemptions): racecheck replay {}", m.preemptions, m.handle);
    }
    if let Some(view) = o.shown(false) {
        if view.verdict != &o.verdict {
            out!("which fails with: {}", view.verdict);
        }
        out!("trace ({}):\n{}", view.label(), view.trace.render());
    }
    Ok(ExitCode::from(1))
}
