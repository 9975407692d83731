//! Helpers the command-line tests share: run `racecheck` on a scenario folder, read its output,
//! make a fresh temporary folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `racecheck --scenarios <dir> <args>`, run to completion.
pub fn racecheck_on(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_racecheck"))
        .arg("--scenarios")
        .arg(dir)
        .args(args)
        .output()
        .expect("racecheck runs")
}

/// Its standard output, as text.
pub fn stdout_text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// An empty folder `racecheck-<prefix>-<name>-<pid>` under the system's temporary folder.
pub fn fresh_dir(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("racecheck-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}
