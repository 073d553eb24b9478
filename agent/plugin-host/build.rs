//! Builds the first-party plugins in `../plugins` for `wasm32-wasip2` (adding that target
//! with rustup when it is missing) and writes the list the binary embeds: every plugin
//! folder with a `plugin.yaml` manifest. Test fixtures (`plugins/fixtures/`) are built but
//! not embedded; tests find them in `SKOPOS_BUILT_PLUGINS`.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let plugins = root.join("plugins");
    for path in ["plugins/Cargo.toml", "plugins/Cargo.lock", "sdk", "wit"] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    let first_party = members(&plugins);
    for member in first_party.iter().chain(members(&plugins.join("fixtures")).iter()) {
        println!("cargo:rerun-if-changed={}", member.display());
    }
    println!("cargo:rerun-if-env-changed=SKOPOS_SKIP_PLUGINS");

    let built = plugins.join("target").join(TARGET).join("release");
    println!("cargo:rustc-env=SKOPOS_BUILT_PLUGINS={}", built.display());
    let embedded: Vec<(String, PathBuf, PathBuf)> = if std::env::var_os("SKOPOS_SKIP_PLUGINS").is_some() {
        println!("cargo:warning=SKOPOS_SKIP_PLUGINS is set: the binary embeds no plugins");
        Vec::new()
    } else {
        build(&plugins);
        first_party
            .iter()
            .filter(|member| member.join("plugin.yaml").is_file())
            .map(|member| {
                let name = member.file_name().unwrap().to_string_lossy().into_owned();
                let wasm = built.join(format!("{}.wasm", name.replace('-', "_")));
                (name, wasm, member.join("plugin.yaml"))
            })
            .collect()
    };
    let entries: String = embedded
        .iter()
        .map(|(name, wasm, manifest)| {
            let bytes = std::fs::read(wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
            let digest: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            format!(
                "    ({name:?}, include_bytes!({:?}), include_str!({:?}), {digest:?}),\n",
                wasm.display(),
                manifest.display()
            )
        })
        .collect();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("embedded_plugins.rs");
    let code = format!(
        "/// (name, component, manifest, SHA-256 of the component) of each first-party plugin.\npub static PLUGINS: &[(&str, &[u8], &str, &str)] = &[\n{entries}];\n"
    );
    std::fs::write(out, code).unwrap();
}

/// The crate folders directly under `dir`.
fn members(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).filter(|p| p.join("Cargo.toml").is_file()).collect())
        .unwrap_or_default();
    found.sort();
    found
}

fn build(plugins: &Path) {
    if !target_installed() {
        let added = Command::new("rustup").args(["target", "add", TARGET]).status();
        if !added.is_ok_and(|status| status.success()) {
            panic!(
                "the {TARGET} target is missing and `rustup target add {TARGET}` failed; install it, or set SKOPOS_SKIP_PLUGINS=1 to build without plugins"
            );
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["build", "--release", "--target", TARGET, "--manifest-path"]).arg(plugins.join("Cargo.toml"));
    // The outer build's settings are for the host, not for the plugins.
    for inherited in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        command.env_remove(inherited);
    }
    let status = command.status().expect("cannot run cargo to build plugins/");
    assert!(status.success(), "building the plugins in {} failed", plugins.display());
}

fn target_installed() -> bool {
    let sysroot = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    sysroot.is_some_and(|root| root.join("lib/rustlib").join(TARGET).is_dir())
}
