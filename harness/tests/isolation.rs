//! A child process runs no longer than its wall-clock limit, and no longer than its parent.
//!
//! The test binary is its own child: [`child`] serves a job when `run_in_child` started it (its
//! last argument is then a job), and [`parent`] starts such a child when a test asks it to.
//! Started by a plain `cargo test`, both do nothing.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::isolate::{self, Job};
use harness::{Exploration, Model, Strategy, Verdict};

/// Set (to a folder) in a [`parent`] started by a test: the folder where its child writes its pid.
const PIDS: &str = "RACECHECK_TEST_PIDS";

/// A model that never ends and never makes a facade operation: no step limit can stop it.
fn spins_outside_the_facade() -> Model {
    Model::new("selftest/spin-std", || loop {
        std::thread::sleep(Duration::from_millis(5));
    })
}

/// The arguments that make this test binary run [`child`] and nothing else.
fn child_args() -> Vec<String> {
    ["isolation::child", "--exact", "--nocapture", "--test-threads=1"].map(String::from).to_vec()
}

fn program() -> PathBuf {
    std::env::current_exe().expect("the test binary")
}

#[test]
fn child() {
    let Some(job) = std::env::args().next_back().and_then(|a| Job::from_arg(&a).ok()) else {
        return;
    };
    if let Some(dir) = std::env::var_os(PIDS) {
        let me = PathBuf::from(dir).join(format!("child-of-{}", std::os::unix::process::parent_id()));
        std::fs::write(me, std::process::id().to_string()).expect("write the pid");
    }
    isolate::serve(&spins_outside_the_facade(), &job);
}

#[test]
fn parent() {
    if std::env::var_os(PIDS).is_none() {
        return;
    }
    // It never ends by itself: the test kills this process while it waits.
    let job = Job::Explore(Exploration::new(Strategy::Random { seed: 1 }, 1));
    let _ = isolate::run_in_child(&program(), &child_args(), &job);
}

#[test]
fn an_exploration_that_spins_outside_the_facade_ends_as_a_timeout() {
    let job = Job::Explore(Exploration::new(Strategy::Random { seed: 1 }, 1).with_timeout_secs(1));
    let started = Instant::now();
    let o = isolate::run_in_child(&program(), &child_args(), &job);
    assert_eq!(o.verdict, Verdict::Timeout { seconds: 1 }, "{o:?}");
    assert_eq!((o.verdict.name(), o.verdict.is_failure()), ("timeout", true));
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

/// Whether process `pid` is still running (a zombie waiting for its reaper is not).
fn running(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

fn within(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

#[cfg(target_os = "linux")]
#[test]
fn a_child_exits_when_its_parent_is_killed() {
    let dir = std::env::temp_dir().join(format!("racecheck-lifeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let mut parent = Command::new(program())
        .args(["isolation::parent", "--exact", "--nocapture", "--test-threads=1"])
        .env(PIDS, &dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the parent");
    let pid_file = dir.join(format!("child-of-{}", parent.id()));
    assert!(within(Duration::from_secs(30), || pid_file.exists()), "the child never started");
    let pid: u32 = std::fs::read_to_string(&pid_file).expect("the pid").trim().parse().expect("a pid");
    assert!(running(pid), "the child runs while its parent waits");
    parent.kill().expect("kill the parent");
    parent.wait().expect("reap the parent");
    assert!(within(Duration::from_secs(5), || !running(pid)), "child {pid} outlived its killed parent");
    let _ = std::fs::remove_dir_all(&dir);
}
