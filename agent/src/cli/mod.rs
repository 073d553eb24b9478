//! The `skopos` command line.

mod apply;
pub(crate) mod client;
mod export;
mod files;
mod import;
mod plugin;
mod plugin_script;
mod run;
mod scaffold;
mod serve;
mod silence;
mod storage;
mod token;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code: every collection passed / the files are valid.
pub const EXIT_OK: u8 = 0;
/// Exit code: a check failed or a request errored.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: invalid input, nothing was run.
pub const EXIT_INVALID: u8 = 2;

#[derive(Parser)]
#[command(name = "skopos", version, about = "API monitoring: multi-step HTTP checks, on a schedule or in CI")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run collection files now (collections in parallel) and report per step.
    Run(run::RunArgs),
    /// The agent: scheduler, store, alerts, JSON API and web console; or a follower of a primary.
    Serve(Box<serve::ServeArgs>),
    /// Create or update collections, monitors and maintenance windows in a running agent from files.
    Apply(apply::ApplyArgs),
    /// Write a running agent's collections and monitors to a folder as files.
    Export(export::ExportArgs),
    /// Make collection files from Postman collections or curl command lines.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Mute monitors for a while with a comment (they keep running), list silences, end one.
    Silence(silence::SilenceArgs),
    /// Named API tokens (create, list, revoke), or replace the bootstrap token.
    Token(token::TokenArgs),
    /// People's accounts: add (printing a one-time link to set the password), list, disable...
    #[command(subcommand)]
    User(user::UserCommand),
    /// List the plugins, or try one against a sample alert or response.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Parse and check files without running them.
    Validate {
        /// Files, or folders whose .yaml/.yml/.json files are read.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Set or override `vars.K` (repeatable).
        #[arg(long = "var", value_name = "K=V", value_parser = run::parse_var)]
        vars: Vec<(String, String)>,
        /// Also load the Wasm plugins in this folder, to check the assertions that use them.
        #[arg(long, value_name = "DIR")]
        plugins: Option<PathBuf>,
        /// Check `@{{env.NAME}}` against an agent's allow list (its `--env-allow` patterns):
        /// what that agent would refuse is a problem here (`SKOPOS_*` always is).
        #[arg(long, value_name = "PATTERNS")]
        env_allow: Vec<String>,
    },
}

/// The built-in plugins, then those in each of `dirs` in order (a plugin there replaces one
/// of the same name before it). A plugin that cannot load is reported and left out; an
/// unreadable folder is an error.
async fn load_plugins(
    dirs: &[&std::path::Path],
    options: skopos_plugin_host::HostOptions,
) -> Result<std::sync::Arc<skopos_plugin_host::PluginHost>, String> {
    use skopos_plugin_host::{Added, PluginHost, embedded};
    let mut host = PluginHost::new(options)?;
    let mut sources = embedded().map_err(|e| e.to_string())?;
    for dir in dirs {
        let (found, problems) = PluginHost::sources_in(dir).map_err(|e| e.to_string())?;
        for problem in problems {
            eprintln!("skopos: {problem} (left out)");
        }
        sources.extend(found);
    }
    for outcome in host.add_all(sources).await {
        match outcome {
            Ok((info, _)) if info.source == "built-in" => {}
            Ok((info, added)) => {
                let replaced = match added {
                    Added::Replaced(old) => format!(", replacing the one from {old}"),
                    Added::New => String::new(),
                };
                eprintln!(
                    "skopos: loaded {} plugin `{}` {} from {}{replaced}",
                    info.kind.as_str(),
                    info.name,
                    info.version,
                    info.source
                );
            }
            Err(problem) => eprintln!("skopos: {problem} (left out)"),
        }
    }
    Ok(std::sync::Arc::new(host))
}

/// Telemetry flags shared by `run` and `serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct TelemetryArgs {
    /// Export traces and metrics over OTLP/HTTP to this receiver (`http://collector:4318`).
    /// Without it, the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (and per-signal) variables apply;
    /// with neither, nothing is exported.
    #[arg(long, value_name = "URL")]
    otlp_endpoint: Option<String>,
    /// `http/protobuf` (port 4318, the default) or `grpc` (port 4317, plaintext).
    #[arg(long, env = "OTEL_EXPORTER_OTLP_PROTOCOL", value_name = "PROTOCOL", default_value = "http/protobuf")]
    otlp_protocol: String,
    /// The region this agent runs in: on stored runs, alerts, and every span and metric.
    #[arg(long, env = "SKOPOS_REGION")]
    region: Option<String>,
}

impl TelemetryArgs {
    pub fn region(&self) -> Option<String> {
        self.region.clone()
    }

    /// Starts export when configured; `prometheus` keeps metrics for `GET /metrics` too.
    fn start(&self, prometheus: bool) -> Result<Option<std::sync::Arc<skopos_telemetry::Telemetry>>, String> {
        let interval = std::env::var("OTEL_METRIC_EXPORT_INTERVAL")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map(std::time::Duration::from_millis);
        let options = skopos_telemetry::TelemetryOptions {
            endpoint: self.otlp_endpoint.clone(),
            protocol: self.otlp_protocol.parse().map_err(|e: skopos_telemetry::TelemetryError| e.to_string())?,
            metrics_interval: interval,
            region: self.region.clone(),
            prometheus,
        };
        let telemetry = skopos_telemetry::Telemetry::start(&options).map_err(|e| e.to_string())?;
        Ok(telemetry.map(std::sync::Arc::new))
    }
}

pub fn main() -> ExitCode {
    if std::env::args_os().nth(1).is_some_and(|command| command == "serve") {
        serve::prefer_small_pages();
    }
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Serve(args) => serve::serve(*args),
        Command::Apply(args) => apply::apply(args),
        Command::Export(args) => export::export(args),
        Command::Import(command) => import::import(command),
        Command::Silence(args) => silence::silence(args),
        Command::Token(args) => token::token(args),
        Command::User(command) => user::user(command),
        Command::Plugin(command) => plugin::plugin(command),
        Command::Validate { paths, vars, plugins, env_allow } => {
            let allow = (!env_allow.is_empty()).then(|| skopos_service::access::EnvAllow::new(&env_allow));
            run::validate(&paths, &vars, plugins.as_deref(), allow.as_ref())
        }
    };
    ExitCode::from(code)
}
