//! Where the build put the plugins of `plugins/`, test fixtures included (`agent/build.rs`).

use std::path::Path;

/// The folder holding every `.wasm` built from `plugins/`.
pub fn built_plugins() -> &'static Path {
    Path::new(env!("SKOPOS_BUILT_PLUGINS"))
}
