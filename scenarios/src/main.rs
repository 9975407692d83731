//! `racecheck`: run the race scenarios, replay a finding, list the races (see
//! [`scenarios::cli`]), over this repository's registry of races.

fn main() -> std::process::ExitCode {
    scenarios::cli::main(&scenarios::registry())
}
