//! Skopos: an API monitoring agent. See `docs/ARCHITECTURE.md` for how data flows.

pub mod assert;
pub mod interpolate;
pub mod model;
pub mod path;
pub mod plan;
pub mod response;
pub mod source;
