//! Builds the first-party plugins in `../plugins` for `wasm32-wasip2` (adding that target
//! with rustup when it is missing) and writes the list the binary embeds: every plugin
//! folder with a `plugin.yaml` manifest. Test fixtures (`plugins/fixtures/`) are built but
//! not embedded; tests find them in `SKOPOS_BUILT_PLUGINS`.
//!
//! Each embedded plugin is also precompiled here, with the engine settings the agent runs
//! them with (`src/compile_settings.rs`), and asked what it is (`describe`), so the agent
//! starts without compiling or instantiating anything and maps a plugin's machine code when
//! it is first used. Not when cross-compiling (the code is for this machine's CPU), nor with
//! `SKOPOS_SKIP_PRECOMPILE`: then the agent compiles at start and caches, as before.

#[path = "src/compile_settings.rs"]
mod compile_settings;

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
    println!("cargo:rerun-if-env-changed=SKOPOS_SKIP_PRECOMPILE");

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
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let precompiler = Precompiler::new();
    let entries: String = embedded
        .iter()
        .map(|(name, wasm, manifest)| {
            let bytes = std::fs::read(wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
            let digest: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            let precompiled = match &precompiler {
                Some(precompiler) => {
                    let (code, described) = precompiler.precompile(name, &bytes);
                    let file = out_dir.join(format!("{name}.cwasm"));
                    std::fs::write(&file, code).unwrap();
                    format!("Some((include_bytes!({:?}), {described:?}))", file.display())
                }
                None => "None".to_string(),
            };
            format!(
                "    BuiltIn {{ name: {name:?}, wasm: include_bytes!({:?}), manifest: include_str!({:?}), digest: {digest:?}, precompiled: {precompiled} }},\n",
                wasm.display(),
                manifest.display()
            )
        })
        .collect();
    let out = out_dir.join("embedded_plugins.rs");
    let code = format!("/// Each first-party plugin.\nstatic PLUGINS: &[BuiltIn] = &[\n{entries}];\n");
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

/// Compiles plugins for this machine with the agent's engine settings, and asks each what it
/// is.
struct Precompiler {
    engine: wasmtime::Engine,
}

impl Precompiler {
    fn new() -> Option<Precompiler> {
        let cross = std::env::var("TARGET").ok() != std::env::var("HOST").ok();
        if cross || std::env::var_os("SKOPOS_SKIP_PRECOMPILE").is_some() {
            return None;
        }
        let mut settings = compile_settings::settings();
        settings.allocation_strategy(wasmtime::InstanceAllocationStrategy::OnDemand);
        Some(Precompiler { engine: wasmtime::Engine::new(&settings).expect("a wasmtime engine") })
    }

    /// The machine code, and `{"name", "version", "config_schema"}` as `describe` says with
    /// the `contract` version it was built against.
    #[allow(unsafe_code)] // mapping the code just compiled: see the SAFETY note
    fn precompile(&self, name: &str, wasm: &[u8]) -> (Vec<u8>, String) {
        let code = self.engine.precompile_component(wasm).unwrap_or_else(|e| panic!("precompiling {name}: {e:#}"));
        // SAFETY: the bytes were just made by `precompile_component` of this engine.
        let component = unsafe { wasmtime::component::Component::deserialize(&self.engine, &code) }
            .unwrap_or_else(|e| panic!("mapping {name}: {e:#}"));
        let mut linker = wasmtime::component::Linker::<()>::new(&self.engine);
        // `describe` needs none of the plugin's imports: each is a trap if called.
        linker.define_unknown_imports_as_traps(&component).unwrap();
        let mut store = wasmtime::Store::new(&self.engine, ());
        store.set_epoch_deadline(1);
        let instance = linker.instantiate(&mut store, &component).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        let describe = instance.get_func(&mut store, "describe").unwrap_or_else(|| panic!("{name}: no `describe`"));
        let mut results = [wasmtime::component::Val::Bool(false)];
        describe.call(&mut store, &[], &mut results).unwrap_or_else(|e| panic!("{name}: describe: {e:#}"));
        let wasmtime::component::Val::Record(fields) = &results[0] else { panic!("{name}: describe: not a record") };
        let field = |wanted: &str| match fields.iter().find(|(field, _)| field == wanted) {
            Some((_, wasmtime::component::Val::String(text))) => text.clone(),
            _ => panic!("{name}: describe: no `{wanted}`"),
        };
        let contract = component
            .component_type()
            .imports(&self.engine)
            .find_map(|(import, _)| Some(import.strip_prefix("skopos:plugin/")?.split_once('@')?.1.to_string()));
        let described = serde_json::json!({
            "name": field("name"),
            "version": field("version"),
            "config_schema": field("config-schema"),
            "contract": contract.unwrap_or_else(|| panic!("{name}: imports no skopos:plugin interface")),
        });
        (code, described.to_string())
    }
}
