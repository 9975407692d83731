//! `racecheck`: run the race scenarios, replay a finding, list the races (see
//! [`scenarios::cli`]).

fn main() -> std::process::ExitCode {
    scenarios::cli::main()
}
