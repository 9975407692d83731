//! Standard output as the command line uses it: a closed reader is a quiet exit, a failed
//! write is an error.
//!
//! When the reader of the output goes away (`racecheck run | head`), the program ends at once
//! with the shell's code for SIGPIPE, [`CLOSED_PIPE`], and prints nothing more: not an error
//! worth a message, never a success either (a report nobody read has met no expectation). Any
//! other failed write (`> /dev/full`) is an error, exit 2. A standard output that is closed
//! before the program starts (`>&-`) is refused up front: Rust's standard library would
//! otherwise drop every write to it silently.

use std::io::Write as _;
use std::os::fd::AsFd as _;

/// The exit status of a program whose reader went away: the shell's code for SIGPIPE.
pub const CLOSED_PIPE: u8 = 141;

/// Ends the program after a failed write to standard output.
fn failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(i32::from(CLOSED_PIPE));
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(2);
}

/// Writes `text` to standard output, or ends the program as the module says.
pub fn write(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()) {
        failed(&e);
    }
}

/// Flushes standard output, or ends the program as the module says.
pub fn flush() {
    if let Err(e) = std::io::stdout().lock().flush() {
        failed(&e);
    }
}

/// Whether standard output is open at all.
///
/// A program started with its standard output closed finds `/dev/null` there, opened
/// read-write by Rust's runtime (a shell's `> /dev/null` opens it write-only): that is a closed
/// output, and the report would be lost.
pub fn is_open() -> bool {
    std::io::stdout().as_fd().try_clone_to_owned().is_ok() && !reopened_by_runtime()
}

#[cfg(target_os = "linux")]
fn reopened_by_runtime() -> bool {
    const ACCESS_MODE: u32 = 0o3;
    const READ_WRITE: u32 = 0o2;
    let null = std::fs::read_link("/proc/self/fd/1").is_ok_and(|p| p == std::path::Path::new("/dev/null"));
    let flags = std::fs::read_to_string("/proc/self/fdinfo/1").ok().and_then(|info| {
        let line = info.lines().find_map(|l| l.strip_prefix("flags:"))?;
        u32::from_str_radix(line.trim(), 8).ok()
    });
    null && flags.is_some_and(|f| f & ACCESS_MODE == READ_WRITE)
}

#[cfg(not(target_os = "linux"))]
fn reopened_by_runtime() -> bool {
    false
}

/// `println!` to standard output, through [`write`].
macro_rules! out {
    () => { $crate::cli::out::write("\n") };
    ($($t:tt)*) => {{ $crate::cli::out::write(&format!($($t)*)); $crate::cli::out::write("\n"); }};
}

/// `print!` to standard output, through [`write`].
macro_rules! outp {
    ($($t:tt)*) => { $crate::cli::out::write(&format!($($t)*)) };
}

pub(crate) use {out, outp};
