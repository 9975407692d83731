//! The parsers never panic: scenario files, replay handles and the command line's numbers,
//! fed mutated valid inputs and raw noise (proptest).
//!
//! A short run is part of the tests (`cargo test`); the long one is
//! `RACECHECK_PARSER_CASES=350000 cargo test -p scenarios --test tests parsers`
//! (three targets, so a little over 1,000,000 inputs in all). Each input must give a value or
//! a clean error — a panic fails the test with the smallest input that causes it.

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Inputs per target: `RACECHECK_PARSER_CASES`, else a quick 3,000.
fn cases() -> u32 {
    std::env::var("RACECHECK_PARSER_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3_000)
}

fn runner() -> TestRunner {
    let config = Config { cases: cases(), failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// A mutation of `seed`: some bytes replaced, inserted or removed, with pieces that matter to
/// the grammar (quotes, brackets, digits, huge numbers, newlines).
fn mutated(seed: &'static str) -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        "\"",
        "[",
        "]",
        "[[",
        "=",
        "\n",
        "0",
        "-1",
        "18446744073709551616",
        "99999999999999999999",
        ".",
        ":",
        "/",
        "{",
        "}",
        "#",
        "\\",
        "é",
        "\u{0}",
        "1e400",
        "\"\"\"",
        "inf",
        "nan",
        "z",
        "b",
        "a9999999999",
    ];
    let edits = prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, prop::sample::select(PIECES)), 0..6);
    edits.prop_map(move |edits| {
        let mut text = seed.to_owned();
        for (at, kind, piece) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            match kind {
                0 => text.insert_str(i, piece),
                1 => {
                    let mut end = (i + piece.len()).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(i..end, piece);
                }
                _ => {
                    let mut end = (i + 8).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(i..end, "");
                }
            }
        }
        text
    })
}

const SCENARIO: &str = include_str!("../reentry.toml");
const SELFTEST: &str = include_str!("../selftest.toml");
const WORLD: &str = include_str!("../fuzz/double-exit-87c15e74.toml");

#[test]
fn scenario_files_never_panic_the_parser() {
    let texts = prop_oneof![mutated(SCENARIO), mutated(SELFTEST), mutated(WORLD), ".{0,200}"];
    let registry = scenarios::registry();
    runner()
        .run(&texts, |text| {
            let _ = scenarios::scenario::parse(Path::new("fuzzed.toml"), &text, |id| registry.find(id));
            Ok(())
        })
        .expect("no scenario text panics the parser");
}

#[test]
fn replay_handles_never_panic_the_parser() {
    let handles = prop_oneof![
        mutated("reentry/documented-fix/shuttle:4f389ff37db47230.a3bc5b3cbc2bcb3a6"),
        mutated("reentry/documented-fix/loom:3:18"),
        mutated("selftest/spin/shuttle:0.a2000"),
        "[a-z0-9/:._-]{0,80}",
        ".{0,80}",
    ];
    runner()
        .run(&handles, |text| {
            if let Ok(handle) = text.parse::<harness::Handle>() {
                // What parses prints back to something that parses to the same handle.
                let again: harness::Handle = handle.to_string().parse().expect("a printed handle parses");
                prop_assert_eq!(again, handle);
            }
            Ok(())
        })
        .expect("no handle text panics the parser");
}

#[test]
fn command_line_numbers_never_panic_the_parser() {
    const WORDS: &[&str] = &[
        "run",
        "replay",
        "fuzz",
        "summary",
        "list",
        "new",
        "--budget",
        "--jobs",
        "--seed",
        "--depth",
        "--cases",
        "--scheduler",
        "--variant",
        "--format",
        "--scenarios",
        "reentry",
        "pct",
        "loom",
        "threads",
        "json",
        "0",
        "1",
        "-1",
        "18446744073709551615",
        "18446744073709551616",
        "4294967296",
        "1e9",
        "",
        "--",
        "=",
        "--budget=0",
        "--jobs=99999999999999999999",
    ];
    let args = prop::collection::vec(prop::sample::select(WORDS), 0..7);
    runner()
        .run(&args, |args| {
            let argv = std::iter::once("racecheck").chain(args.iter().copied()).map(std::ffi::OsString::from);
            if let Err(message) = scenarios::cli::check_args(argv) {
                prop_assert!(!message.contains('\n'), "a multi-line error: {}", message);
            }
            Ok(())
        })
        .expect("no argument list panics the parser");
}
