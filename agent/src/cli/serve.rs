//! `skopos serve`: the agent. Store, scheduler and JSON API in one process.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::{EXIT_FAILED, EXIT_OK};
use skopos_engine::RunContext;
use skopos_plugin_host::{HostOptions, Mailer, cache};
use skopos_service::region::FollowOptions;
use skopos_service::store::Store;
use skopos_service::{Agent, AgentParts, Token};

/// A line on standard output (the token, the address) that does not panic when nobody reads
/// it any more: an agent restarted in place may have outlived its first reader.
macro_rules! announce {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Args)]
pub struct ServeArgs {
    /// The data folder (created when missing).
    #[arg(long, default_value = "./skopos-data")]
    data: PathBuf,
    /// Where the API listens; port 0 picks a free one (printed at start).
    #[arg(long, default_value = "127.0.0.1:7070")]
    listen: SocketAddr,
    /// Delete runs older than this (`30d`, `12h`, ...).
    #[arg(long, default_value = "30d", value_parser = parse_period)]
    retention: std::time::Duration,
    /// Delete audit log entries older than this.
    #[arg(long, default_value = "400d", value_parser = parse_period)]
    audit_retention: std::time::Duration,
    /// Keep at most this many runs per collection.
    #[arg(long, default_value_t = 10_000)]
    keep_runs: usize,
    /// The store's page cache in MiB: more keeps more history in memory for the console.
    #[arg(long, env = "SKOPOS_STORE_CACHE_MIB", default_value_t = skopos_service::store::DEFAULT_CACHE_BYTES >> 20)]
    store_cache_mib: u64,
    /// Load more Wasm plugins (`NAME.wasm` with its manifest `NAME.yaml`) from this folder;
    /// the built-in ones are always there, and a plugin here replaces one of the same name.
    #[arg(long, value_name = "DIR")]
    plugins: Option<PathBuf>,
    /// The SMTP server the `email` notifier sends through: `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://...:465` (TLS), `smtp://host:25` (plain, for a local relay).
    #[arg(long, env = "SKOPOS_SMTP_URL", value_name = "URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Trust only this CA (PEM) for the SMTP server's certificate: a relay with a private CA.
    #[arg(long, value_name = "FILE")]
    smtp_ca_file: Option<PathBuf>,
    /// The sender of alert emails.
    #[arg(long, env = "SKOPOS_SMTP_FROM", default_value = "Skopos <skopos@localhost>")]
    smtp_from: String,
    /// The agent's address as people reach it (`https://skopos.example.com`), for links in alerts.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// How often old runs are looked for and deleted.
    #[arg(long, default_value = "1m", value_parser = parse_period)]
    prune_every: std::time::Duration,
    /// Follow a primary agent (`https://skopos.example.com`): mirror its collections and
    /// monitors, run them here, and send every run there. Needs `--region` and `--primary-token`.
    #[arg(long, env = "SKOPOS_PRIMARY", value_name = "URL")]
    primary: Option<url::Url>,
    /// The primary's API token.
    #[arg(long, env = "SKOPOS_PRIMARY_TOKEN", value_name = "TOKEN", hide_env_values = true, requires = "primary")]
    primary_token: Option<String>,
    /// The environment variables definitions may read as `@{{env.NAME}}`: patterns, `*` for any
    /// run of characters (`SHOP_*,SLACK_WEBHOOK`; repeatable). Without it, any variable;
    /// never the agent's own `SKOPOS_*`.
    #[arg(long, env = "SKOPOS_ENV_ALLOW", value_name = "PATTERNS")]
    env_allow: Vec<String>,
    /// Single sign-on: the OpenID provider's issuer URL (its discovery document is at
    /// `ISSUER/.well-known/openid-configuration`).
    #[arg(long, env = "SKOPOS_OIDC_ISSUER", value_name = "URL", requires_all = ["oidc_client_id", "oidc_roles"])]
    oidc_issuer: Option<String>,
    /// The agent's client id at the provider.
    #[arg(long, env = "SKOPOS_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// The agent's client secret at the provider (a confidential client).
    #[arg(long, env = "SKOPOS_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<String>,
    /// The ID token claim the role is read from.
    #[arg(long, env = "SKOPOS_OIDC_ROLE_CLAIM", default_value = "groups")]
    oidc_role_claim: String,
    /// Claim value to role, first match wins, `*` for anyone: `skopos-admins=admin,*=viewer`.
    #[arg(long, env = "SKOPOS_OIDC_ROLES", value_name = "VALUE=ROLE,...")]
    oidc_roles: Option<String>,
    /// How often a follower reads the primary's definitions.
    #[arg(long, default_value = "5s", value_parser = parse_period, requires = "primary")]
    sync_every: std::time::Duration,
    #[command(flatten)]
    telemetry: super::TelemetryArgs,
}

fn parse_period(text: &str) -> Result<std::time::Duration, String> {
    skopos_core::schedule::parse_duration(text)
}

/// The allocator asks for transparent huge pages, which suit a short `skopos run`; in a
/// long-lived agent they hold 2 MiB for every touched 4 KiB (idle RSS 48 MiB instead of 12).
/// Called first thing in `main`, before the allocator has touched much.
pub fn prefer_small_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

pub fn serve(args: ServeArgs) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("skopos: cannot start: {err}");
            return EXIT_FAILED;
        }
    };
    match runtime.block_on(start(args)) {
        Ok(()) => EXIT_OK,
        Err(err) => {
            eprintln!("skopos: {err}");
            EXIT_FAILED
        }
    }
}

/// How to follow the primary, when `--primary` is given.
fn follow_options(args: &ServeArgs) -> Result<Option<FollowOptions>, String> {
    let Some(primary) = args.primary.clone() else { return Ok(None) };
    let region = args.telemetry.region().ok_or("a follower needs its --region (or SKOPOS_REGION)")?;
    skopos_service::region::check_region_name(&region)?;
    let token = args
        .primary_token
        .clone()
        .ok_or("a follower needs the primary's token: --primary-token or SKOPOS_PRIMARY_TOKEN")?;
    Ok(Some(FollowOptions { primary, token, region, sync_every: args.sync_every }))
}

async fn start(args: ServeArgs) -> Result<(), String> {
    let following = follow_options(&args)?;
    let store = Arc::new(
        Store::open_with_cache(&args.data, args.store_cache_mib << 20)
            .map_err(|e| format!("cannot open {}: {e}", args.data.display()))?,
    );
    let (token, new_token) = Token::load(&store, std::env::var("SKOPOS_TOKEN").ok()).map_err(|e| e.to_string())?;
    if let Some(new_token) = new_token {
        announce!("skopos: API token (shown once; set SKOPOS_TOKEN to choose your own): {new_token}");
    }
    let mut context = RunContext::new(std::env::vars().collect());
    let telemetry = args.telemetry.start(true)?;
    context.region = args.telemetry.region();
    let ca = args.smtp_ca_file.as_ref().map(|file| std::fs::read(file).map_err(|e| format!("{}: {e}", file.display())));
    let ca = ca.transpose()?;
    let mailer = args.smtp_url.as_deref().map(|url| Mailer::new(url, &args.smtp_from, ca.as_deref())).transpose()?;
    let options = HostOptions {
        cache_dir: cache::default_dir_in(&args.data),
        mailer: mailer.map(Arc::new),
        telemetry: telemetry.clone(),
        ..HostOptions::default()
    };
    let pulled = args.data.join("plugins-from-primary");
    if let Some(following) = &following {
        match skopos_service::region::pull_plugins(following, &pulled).await {
            Ok(count) => skopos_core::log_line!("skopos: {count} added plugin(s) from the primary"),
            Err(error) => {
                skopos_core::log_line!("skopos: cannot take the primary's plugins ({error}); using those taken before")
            }
        }
    }
    let mut plugin_dirs: Vec<&std::path::Path> = Vec::new();
    if following.is_some() && pulled.is_dir() {
        plugin_dirs.push(&pulled);
    }
    plugin_dirs.extend(args.plugins.as_deref());
    let plugins = super::load_plugins(&plugin_dirs, options).await?;
    context.plugins = plugins.clone();
    context.probes = plugins.clone();
    context.scripts = plugins.clone();
    let parts = AgentParts {
        store,
        context,
        telemetry,
        token,
        plugins: Some(plugins),
        primary: following.as_ref().map(|f| f.primary.clone()),
        public_url: args.public_url.clone(),
        env_allow: skopos_service::access::EnvAllow::new(&args.env_allow),
        sso: sso_settings(&args)?,
    };
    let agent = Agent::start(parts).map_err(|e| e.to_string())?;
    tokio::spawn(agent.scheduler.clone().run());
    if let Some(options) = following {
        announce!("skopos: following {} as region `{}`", options.primary, options.region);
        skopos_service::region::follow(agent.clone(), options);
    }
    let retention = Retention { runs: args.retention, audit: args.audit_retention, keep_runs: args.keep_runs };
    tokio::spawn(prune(agent.store.clone(), retention, args.prune_every));

    let telemetry = agent.telemetry.clone();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(super::storage::watch(agent.store.clone(), args.data.clone(), address));
    if std::env::var_os(super::storage::RESTARTED).is_some() {
        skopos_core::log_line!("skopos: restarted; the store is open and stores runs again");
    }
    announce!("skopos: listening on http://{address} (data in {})", args.data.display());
    warp::serve(skopos_web::routes(agent))
        .incoming(listener)
        .graceful(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .run()
        .await;
    if let Some(telemetry) = telemetry {
        let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    }
    Ok(())
}

/// Deletes old runs (and notification log entries) every `--prune-every`, in small batches on the blocking pool, so the scheduler
/// and the API never wait on a large clean-up.
/// Single sign-on, when `--oidc-issuer` is given; the provider sends browsers back to the
/// public URL (or the listening address).
fn sso_settings(args: &ServeArgs) -> Result<Option<skopos_service::access::SsoSettings>, String> {
    let Some(issuer) = args.oidc_issuer.clone() else { return Ok(None) };
    let roles = skopos_service::access::SsoSettings::parse_roles(args.oidc_roles.as_deref().unwrap_or_default())
        .map_err(|e| format!("--oidc-roles: {e}"))?;
    let base = args.public_url.clone().unwrap_or_else(|| format!("http://{}", args.listen));
    Ok(Some(skopos_service::access::SsoSettings {
        issuer,
        client_id: args.oidc_client_id.clone().unwrap_or_default(),
        client_secret: args.oidc_client_secret.clone(),
        redirect_url: format!("{}/api/v1/sso/callback", base.trim_end_matches('/')),
        role_claim: args.oidc_role_claim.clone(),
        roles,
    }))
}

/// How long runs and the logs are kept.
struct Retention {
    runs: std::time::Duration,
    audit: std::time::Duration,
    keep_runs: usize,
}

/// When a retention ends: everything before it goes.
fn cutoff(retention: std::time::Duration) -> chrono::DateTime<chrono::Utc> {
    let age = chrono::TimeDelta::from_std(retention).unwrap_or(chrono::TimeDelta::MAX);
    chrono::Utc::now().checked_sub_signed(age).unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
}

async fn prune(store: Arc<Store>, retention: Retention, every: std::time::Duration) {
    let keep_runs = retention.keep_runs;
    const BATCH: usize = 500;
    loop {
        let (cutoff, audit_cutoff) = (cutoff(retention.runs), cutoff(retention.audit));
        loop {
            let store = store.clone();
            match tokio::task::spawn_blocking(move || store.prune(cutoff, keep_runs, BATCH)).await {
                Ok(Ok(deleted)) if deleted == BATCH => tokio::task::yield_now().await,
                Ok(Ok(_)) => break,
                Ok(Err(err)) => {
                    skopos_core::log_line!("skopos: pruning old runs failed: {err}");
                    break;
                }
                Err(_) => break,
            }
        }
        let logs = store.clone();
        if let Ok(Err(err)) = tokio::task::spawn_blocking(move || logs.prune_notifications(cutoff)).await {
            skopos_core::log_line!("skopos: pruning the notification log failed: {err}");
        }
        let logs = store.clone();
        if let Ok(Err(err)) = tokio::task::spawn_blocking(move || logs.prune_audit(audit_cutoff)).await {
            skopos_core::log_line!("skopos: pruning the audit log failed: {err}");
        }
        tokio::time::sleep(every).await;
    }
}
