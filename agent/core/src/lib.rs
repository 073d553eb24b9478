//! The core of Skopos, with no I/O runtime: the file format as data ([`model`], with the
//! assertion vocabulary in [`predicate`]), reading files with positions ([`document`]),
//! checking them before anything runs ([`plan`]), references ([`interpolate`]), paths
//! ([`path`]), judging responses ([`assert`]), reports ([`report`]), and the pure rules of
//! the agent: when monitors fire ([`schedule`]) and when they alert ([`alert`]).
//! See `docs/ARCHITECTURE.md` for how the crates fit together.

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
pub mod assert;
pub mod cookie;
pub mod document;
pub mod extract;
pub mod filter;
pub mod interpolate;
pub mod model;
pub mod path;
pub mod plan;
pub mod predicate;
pub mod probe;
pub mod report;
pub mod response;
pub mod schedule;
pub mod schema;
pub mod script;
pub mod xpath;
