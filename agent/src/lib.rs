//! The `skopos` binary: the command line over the layer crates (see `docs/ARCHITECTURE.md`).

pub mod cli;
