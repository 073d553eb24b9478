//! The layout holds: no two modules of a crate import each other (directly or round a loop),
//! and the core stays free of I/O runtimes. Cargo already forbids cycles between crates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src`, by module path (`assert::ops`; the crate root is `""`).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("lib" | "main" | "mod")) {
                parts.pop();
            }
            found.insert(parts.join("::"), path);
        }
    }
    found
}

/// Which modules each module uses through `crate::` and `super::` paths, outside its tests.
fn imports(modules: &BTreeMap<String, PathBuf>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges = BTreeMap::new();
    for (module, file) in modules {
        let text = std::fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let parent = module.rsplit_once("::").map_or("", |(parent, _)| parent);
        let mut used = BTreeSet::new();
        for (prefix, base) in [("crate::", String::new()), ("super::", parent.to_string())] {
            for (at, _) in code.match_indices(prefix) {
                if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let path: Vec<&str> = code[at + prefix.len()..]
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .next()
                    .unwrap_or_default()
                    .split("::")
                    .collect();
                let target = (1..=path.len())
                    .rev()
                    .map(|k| {
                        [base.as_str()]
                            .into_iter()
                            .chain(path[..k].iter().copied())
                            .filter(|s| !s.is_empty())
                            .collect::<Vec<_>>()
                            .join("::")
                    })
                    .find(|candidate| modules.contains_key(candidate));
                if let Some(target) = target
                    && target != *module
                    && !module.starts_with(&format!("{target}::"))
                    && !target.is_empty()
                {
                    used.insert(target);
                }
            }
        }
        edges.insert(module.clone(), used);
    }
    edges
}

/// A loop of imports, if there is one.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| m == at) {
            let mut found = path[start..].to_vec();
            found.push(at.to_string());
            return Some(found);
        }
        if !done.insert(at.to_string()) {
            return None;
        }
        path.push(at.to_string());
        for next in edges.get(at).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|module| visit(module, edges, &mut Vec::new(), &mut done))
}

fn crates() -> Vec<PathBuf> {
    let agent = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut crates: Vec<PathBuf> = std::fs::read_dir(agent)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    crates.push(agent.to_path_buf());
    crates
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let crates = crates();
    assert!(crates.len() >= 8, "{crates:?}");
    for krate in crates {
        let edges = imports(&modules(&krate.join("src")));
        assert!(!edges.is_empty(), "{}", krate.display());
        if let Some(found) = cycle(&edges) {
            panic!("{}: modules import each other: {}", krate.display(), found.join(" → "));
        }
    }
}

#[test]
fn the_cycle_check_finds_a_loop() {
    let edges: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .into_iter()
        .map(|(from, to)| (from.to_string(), BTreeSet::from([to.to_string()])))
        .collect();
    assert_eq!(cycle(&edges).unwrap(), ["a", "b", "c", "a"]);
    let acyclic: BTreeMap<String, BTreeSet<String>> =
        [("a", "b")].into_iter().map(|(f, t)| (f.to_string(), BTreeSet::from([t.to_string()]))).collect();
    assert_eq!(cycle(&acyclic), None);
}

/// The core has no I/O runtime: no tokio, hyper, wasmtime, warp or sled.
#[test]
fn the_core_depends_on_no_runtime() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("core/Cargo.toml")).unwrap();
    let dependencies = manifest.split("[dev-dependencies]").next().unwrap_or_default();
    for runtime in ["tokio", "hyper", "wasmtime", "warp", "sled", "skopos-"] {
        assert!(!dependencies.lines().any(|line| line.starts_with(runtime)), "skopos-core depends on {runtime}");
    }
}
