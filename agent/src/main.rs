use std::process::ExitCode;

/// mimalloc: a run keeps every step's report, and glibc's per-thread arenas grow by many small
/// `mprotect` calls; mimalloc cut CPU per step measurably (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    skopos::cli::main()
}
