//! Skopos: an API monitoring agent. See `docs/ARCHITECTURE.md` for how data flows.

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
pub mod region;
pub mod report;
pub mod response;
pub mod runner;
pub mod schedule;
pub mod source;
pub mod store;
pub mod telemetry;
