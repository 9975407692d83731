//! `my-bot`: racecheck's command line (`list`, `run`, `replay`, `fuzz`, `prove`, `new`, …) over
//! this crate's races.

fn main() -> std::process::ExitCode {
    scenarios::cli::main(&my_bot::registry())
}
