//! The `skopos` binary: the command line over the layer crates (see `docs/ARCHITECTURE.md`).

#[cfg(test)]
mod architecture;
pub mod cli;
