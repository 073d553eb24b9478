//! What compiled plugin code depends on, in one place: `build.rs` includes this file to
//! precompile the built-in plugins with exactly the settings the agent runs them with, so
//! they map without compiling. (The allocation strategy is not part of it.)

/// The engine settings compiled code depends on.
pub fn settings() -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    config
}
