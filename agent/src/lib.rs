//! Skopos: an API monitoring agent. See `docs/ARCHITECTURE.md` for how data flows.

/// A line on standard error, where the agent logs. Unlike `eprintln!` it does not panic when
/// stderr is closed: the agent goes on without its log.
#[macro_export]
macro_rules! log_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod alert;
pub mod api;
pub mod assert;
pub mod cli;
pub mod console;
pub mod import;
pub mod interpolate;
pub mod model;
pub mod notify;
pub mod path;
pub mod plan;
pub mod plugins;
pub mod predicate;
pub mod region;
pub mod report;
pub mod response;
pub mod runner;
pub mod schedule;
pub mod source;
pub mod store;
pub mod telemetry;
