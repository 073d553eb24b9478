//! `skopos run` and `skopos validate`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, files};
use skopos_core::assert::Check;
use skopos_core::document::Document;
use skopos_core::plan::{Exchange, Plan};
use skopos_core::report::{CollectionReport, RunReport, junit, text};
use skopos_engine::{RunContext, run_all};
use skopos_plugin_host::{HostOptions, PluginHost, cache};

#[derive(Args)]
pub struct RunArgs {
    /// Collection files, or folders whose .yaml/.yml/.json files are run.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the JSON report (see docs/report.md) here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Set or override `vars.K` (repeatable).
    #[arg(long = "var", value_name = "K=V", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// How many collections run at the same time.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Exit 1 when a collection is degraded (a `warn` assertion failed), not only when one
    /// failed.
    #[arg(long)]
    strict: bool,
    /// Print only failing collections and the summary.
    #[arg(long, short)]
    quiet: bool,
    /// Load more Wasm plugins (`NAME.wasm` with its manifest `NAME.yaml`) from this folder;
    /// the built-in ones are always there.
    #[arg(long, value_name = "DIR")]
    plugins: Option<PathBuf>,
    #[command(flatten)]
    telemetry: super::TelemetryArgs,
}

pub fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not K=V")),
    }
}

pub fn validate(
    paths: &[PathBuf],
    vars: &[(String, String)],
    plugin_dir: Option<&Path>,
    env_allow: Option<&skopos_service::access::EnvAllow>,
) -> u8 {
    let mut loaded = files::load(paths, vars);
    if let Some(allow) = env_allow {
        let files =
            loaded.plans.iter().map(|plan| plan.file.clone()).chain(loaded.monitors.iter().map(|m| m.file.clone()));
        loaded.problems.extend(files.collect::<Vec<_>>().iter().flat_map(|file| env_problems(file, allow)));
    }
    for problem in &loaded.problems {
        eprintln!("{problem}");
    }
    if !loaded.problems.is_empty() {
        eprintln!("{} problem(s) found", loaded.problems.len());
        return EXIT_INVALID;
    }
    match plugins_for(&loaded.plans, plugin_dir) {
        Ok(Some(plugins)) if refused_by_plugins(&loaded.plans, &plugins, "") => return EXIT_INVALID,
        Ok(_) => {}
        Err(problem) => {
            eprintln!("skopos: {problem}");
            return EXIT_INVALID;
        }
    }
    let steps: usize = loaded.plans.iter().map(|p| p.steps.len()).sum();
    println!("{} collection(s), {steps} step(s), {} monitor(s): valid", loaded.plans.len(), loaded.monitors.len());
    EXIT_OK
}

/// Each `@{{env.NAME}}` in `file` that an agent with the allow list `allow` would refuse.
fn env_problems(file: &Path, allow: &skopos_service::access::EnvAllow) -> Vec<skopos_core::document::Diagnostic> {
    let Ok(document) = Document::read(file) else { return Vec::new() };
    skopos_core::interpolate::env_references(&document.value)
        .into_iter()
        .filter(|(_, name)| !allow.allows(name))
        .map(|(at, name)| document.problem(&at, allow.refusal(&name)))
        .collect()
}

/// The plugin host, loaded only when a collection uses a plugin or more were asked for.
fn plugins_for(plans: &[Arc<Plan>], dir: Option<&Path>) -> Result<Option<Arc<PluginHost>>, String> {
    let steps = || plans.iter().flat_map(|plan| &plan.steps);
    let uses_plugins = steps().flat_map(|step| &step.checks).any(Check::uses_plugin)
        || steps().any(|step| matches!(step.exchange, Exchange::Probe(_)))
        || plans.iter().any(|plan| plan.scripting.is_some());
    if !uses_plugins && dir.is_none() {
        return Ok(None);
    }
    let options = HostOptions { cache_dir: cache::default_dir(), ..HostOptions::default() };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(super::load_plugins(dir.as_slice(), options)).map(Some)
}

/// Prints what the plugins refuse in the collections' plugin assertions (a `value` their
/// settings schema does not accept); whether there was any.
fn refused_by_plugins(plans: &[Arc<Plan>], plugins: &PluginHost, consequence: &str) -> bool {
    let mut count = 0;
    for plan in plans {
        let Ok(mut document) = Document::read(&plan.file) else { continue };
        let mut problems = plugins.check_plan(plan);
        if plan.scripting.is_some()
            && let Ok(collection) = document.deserialize::<skopos_core::model::Collection>()
        {
            problems.extend(plugins.check_scripts_now(&collection));
        }
        if problems.is_empty() {
            continue;
        }
        for (at, message) in problems {
            eprintln!("{}", document.problem(&at, message));
            count += 1;
        }
    }
    if count > 0 {
        let consequence = if consequence.is_empty() { String::new() } else { format!("; {consequence}") };
        eprintln!("{count} problem(s) found{consequence}");
    }
    count > 0
}

pub fn run(args: RunArgs) -> u8 {
    let loaded = files::load(&args.paths, &args.vars);
    if !loaded.problems.is_empty() {
        for problem in &loaded.problems {
            eprintln!("{problem}");
        }
        eprintln!("{} problem(s) found; nothing was run", loaded.problems.len());
        return EXIT_INVALID;
    }
    for monitor in &loaded.monitors {
        eprintln!(
            "{}: monitor `{}` is for `skopos serve`; `skopos run` runs collections, so it is passed over",
            monitor.file.display(),
            monitor.name
        );
    }
    if loaded.plans.is_empty() {
        eprintln!("no collections to run");
        return EXIT_INVALID;
    }
    let color = std::io::stdout().is_terminal();
    let palette = Arc::new(text::Palette::new(color));
    let progress = (std::io::stderr().is_terminal() && loaded.plans.len() > 1).then(|| {
        let bar = ProgressBar::new(loaded.plans.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} collections {elapsed}").expect("valid template"),
        );
        bar
    });
    let quiet = args.quiet;
    let printer = {
        let (palette, progress) = (palette.clone(), progress.clone());
        move |report: &CollectionReport| {
            if quiet && report.outcome() == skopos_core::report::Outcome::Passed {
            } else if let Some(bar) = &progress {
                bar.suspend(|| print!("{}", text::collection(report, &palette)));
            } else {
                print!("{}", text::collection(report, &palette));
            }
            if let Some(bar) = &progress {
                bar.inc(1);
            }
        }
    };
    let mut context = RunContext::new(std::env::vars().collect());
    match plugins_for(&loaded.plans, args.plugins.as_deref()) {
        Ok(Some(plugins)) => {
            if refused_by_plugins(&loaded.plans, &plugins, "nothing was run") {
                return EXIT_INVALID;
            }
            context.plugins = plugins.clone();
            context.probes = plugins.clone();
            context.scripts = plugins;
        }
        Ok(None) => {}
        Err(problem) => {
            eprintln!("skopos: {problem}");
            return EXIT_INVALID;
        }
    }
    let telemetry = match args.telemetry.start(false) {
        Ok(telemetry) => telemetry,
        Err(problem) => {
            eprintln!("skopos: {problem}");
            return EXIT_INVALID;
        }
    };
    if let Some(telemetry) = &telemetry {
        context.instrumentation = Some(telemetry.clone());
    }
    let context = Arc::new(context);
    let reports = run_all(loaded.plans, context, args.concurrency, Arc::new(printer));
    if let Some(telemetry) = telemetry {
        telemetry.shutdown();
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let report = RunReport::new(reports);
    let passed = if args.strict { report.passed_strictly() } else { report.passed() };
    let mut code = if passed { EXIT_OK } else { EXIT_FAILED };
    if let Some(path) = &args.json {
        let written = std::fs::File::create(path).map_err(|e| e.to_string()).and_then(|file| {
            serde_json::to_writer_pretty(std::io::BufWriter::new(file), &report).map_err(|e| e.to_string())
        });
        if let Err(err) = written {
            eprintln!("cannot write {}: {err}", path.display());
            code = EXIT_FAILED;
        }
    }
    if let Some(path) = &args.junit {
        let written = std::fs::File::create(path)
            .map_err(|e| e.to_string())
            .and_then(|file| junit::write(&report, std::io::BufWriter::new(file)).map_err(|e| e.to_string()));
        if let Err(err) = written {
            eprintln!("cannot write {}: {err}", path.display());
            code = EXIT_FAILED;
        }
    }
    println!("{}", report.summary.in_words());
    code
}
