//! The child process itself: started with a lifeline, stopped at its deadline, gone with its parent.
//!
//! The workspace forbids `unsafe`, so there is no `prctl(PR_SET_PDEATHSIG)`; the lifeline is a
//! pipe instead. The parent starts the child with its stdin a pipe and keeps the writing end open
//! for as long as it waits, writing nothing. The child ([`watch_parent`]) reads its stdin on a
//! thread of its own and exits as soon as the read says end of file: the parent closed the pipe,
//! or died — the kernel closes a dead process's pipes, after `SIGKILL` too. So a `racecheck`
//! killed mid-run leaves no exploration running behind it.
//!
//! The parent also gives the child a wall-clock deadline ([`run`]): past it, the child is killed
//! and the caller learns it timed out. This is the one deliberate use of the wall clock on a path
//! that reaches a report, and all it can produce is a `timeout` verdict.

use std::io::Read as _;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The exit code of a child whose parent went away.
pub const PARENT_GONE: i32 = 3;

/// What a child process left behind.
pub(super) enum Ended {
    /// It exited by itself.
    Exited {
        /// How.
        status: ExitStatus,
        /// All it wrote to stdout.
        stdout: Vec<u8>,
        /// All it wrote to stderr.
        stderr: Vec<u8>,
    },
    /// It was still running at its deadline, and was killed.
    TimedOut,
}

/// Runs `cmd` to its end, or kills it once `limit` has passed; holds its lifeline meanwhile.
pub(super) fn run(cmd: &mut Command, limit: Duration) -> std::io::Result<Ended> {
    let deadline = Instant::now() + limit;
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    // The child lives while this end is open (see `watch_parent`); it is never written to.
    let lifeline = child.stdin.take();
    let (done, eof) = mpsc::channel();
    let stdout = drain(child.stdout.take(), Some(done));
    let stderr = drain(child.stderr.take(), None);
    // The child closes its stdout when it exits: wait for that without polling, then for the exit.
    let _ = eof.recv_timeout(deadline.saturating_duration_since(Instant::now()));
    let status = wait_until(&mut child, deadline)?;
    drop(lifeline);
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        return Ok(Ended::TimedOut);
    };
    Ok(Ended::Exited { status, stdout: join(stdout), stderr: join(stderr) })
}

/// Reads `pipe` to its end on a thread; says so on `done`.
fn drain(pipe: Option<impl std::io::Read + Send + 'static>, done: Option<mpsc::Sender<()>>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        if let Some(done) = done {
            let _ = done.send(());
        }
        bytes
    })
}

fn join(reader: JoinHandle<Vec<u8>>) -> Vec<u8> {
    reader.join().unwrap_or_default()
}

/// The child's exit status, or `None` if it is still running at `deadline`.
fn wait_until(child: &mut Child, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(5)));
    }
}

/// The child's side of the lifeline: exits the process with [`PARENT_GONE`] as soon as stdin
/// reaches its end (see the module docs). Call it once, first thing, in a child that
/// [`super::run_in_child`] started.
pub fn watch_parent() {
    let watcher = std::thread::Builder::new().name("racecheck-lifeline".into()).spawn(|| {
        let mut stdin = std::io::stdin();
        let mut buffer = [0u8; 64];
        loop {
            match stdin.read(&mut buffer) {
                Ok(0) | Err(_) => std::process::exit(PARENT_GONE),
                Ok(_) => {}
            }
        }
    });
    // Without the watcher the child still works; it only outlives a killed parent.
    drop(watcher);
}
