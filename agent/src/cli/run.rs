//! `skopos run` and `skopos validate`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, files};
use skopos_core::assert::Check;
use skopos_core::report::{CollectionReport, RunReport, junit, text};
use skopos_engine::{RunContext, run_all};
use skopos_plugin_host::{HostOptions, cache};

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

pub fn validate(paths: &[PathBuf], vars: &[(String, String)]) -> u8 {
    let loaded = files::load(paths, vars);
    for problem in &loaded.problems {
        eprintln!("{problem}");
    }
    if !loaded.problems.is_empty() {
        eprintln!("{} problem(s) found", loaded.problems.len());
        return EXIT_INVALID;
    }
    let steps: usize = loaded.plans.iter().map(|p| p.steps.len()).sum();
    println!("{} collection(s), {steps} step(s), {} monitor(s): valid", loaded.plans.len(), loaded.monitors.len());
    EXIT_OK
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
            if quiet && report.passed {
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
    let uses_plugins =
        loaded.plans.iter().flat_map(|plan| &plan.steps).flat_map(|step| &step.checks).any(Check::uses_plugin);
    if uses_plugins || args.plugins.is_some() {
        let options = HostOptions { cache_dir: cache::default_dir(), ..HostOptions::default() };
        let loading = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|runtime| runtime.block_on(super::load_plugins(args.plugins.as_deref().as_slice(), options)));
        match loading {
            Ok(plugins) => context.plugins = plugins,
            Err(problem) => {
                eprintln!("skopos: {problem}");
                return EXIT_INVALID;
            }
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
    let mut code = if report.passed() { EXIT_OK } else { EXIT_FAILED };
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
