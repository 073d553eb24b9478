use std::process::ExitCode;

fn main() -> ExitCode {
    skopos::cli::main()
}
