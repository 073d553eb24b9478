//! The running agent as one service: its store, scheduler, run context, plugins and access
//! (accounts, tokens, sessions), and keeping the scheduler in step with the store.

use std::sync::Arc;

use chrono::Utc;

use skopos_core::model::Monitor;
use skopos_core::plan::{compile_stored, compile_stored_monitor, compile_stored_window};
use skopos_engine::RunContext;
use skopos_plugin_host::PluginHost;
use skopos_telemetry::Telemetry;

use crate::access::{Access, EnvAllow};
use crate::error::ServiceError;
use crate::notify::Notifications;
use crate::operations::Operations;
use crate::scheduler::{AlertSink, ScheduledMonitor, Scheduler};
use crate::store::{RunRecord, Store, Stored};
use crate::token::Token;

pub struct Agent {
    pub store: Arc<Store>,
    pub scheduler: Scheduler,
    pub context: Arc<RunContext>,
    /// Where runs, the scheduler and plugins are measured, when export is on.
    pub telemetry: Option<Arc<Telemetry>>,
    /// Who may do what: the bootstrap token, accounts, API tokens, console sessions.
    pub access: Access,
    /// The environment variables definitions may read; `context.env` holds only those.
    pub env_allow: EnvAllow,
    /// Session cookies are `Secure`: the agent's public address is https.
    pub secure_cookies: bool,
    /// Single sign-on with an OpenID provider, when set up.
    pub sso: Option<crate::access::Sso>,
    /// The plugin host (built-in plugins and `--plugins DIR`).
    pub plugins: Option<Arc<PluginHost>>,
    /// The primary this agent follows (`--primary`): its definitions come from there.
    pub primary: Option<url::Url>,
    /// Maintenance windows and silences in force.
    pub operations: Arc<Operations>,
    /// The agent's public address (`--public-url`), for links and ping URLs.
    pub public_url: Option<String>,
    /// Status pages as last built.
    pub pages: crate::status_page::PageViews,
}

/// What an agent is made of; `skopos serve` fills it from its flags, tests with what they need.
pub struct AgentParts {
    pub store: Arc<Store>,
    /// The environment, region and assertion plugins runs use (its instrumentation is set
    /// from `telemetry`).
    pub context: RunContext,
    pub telemetry: Option<Arc<Telemetry>>,
    /// The bootstrap token: the first admin's.
    pub token: Token,
    pub plugins: Option<Arc<PluginHost>>,
    pub primary: Option<url::Url>,
    /// The agent's public address, for links to runs in alerts.
    pub public_url: Option<String>,
    /// The environment variables definitions may read (`--env-allow`).
    pub env_allow: EnvAllow,
    /// Single sign-on (`--oidc-issuer` and the rest).
    pub sso: Option<crate::access::SsoSettings>,
}

impl Agent {
    /// The one place an agent is wired: notifications (a follower's runs alert at its
    /// primary, which sees every region), the scheduler, and every stored monitor scheduled.
    /// The scheduler's loop is not started: spawn `agent.scheduler.clone().run()`.
    pub fn start(parts: AgentParts) -> Result<Arc<Agent>, ServiceError> {
        let AgentParts { store, mut context, telemetry, token, plugins, primary, public_url, env_allow, sso } = parts;
        let sso = sso.map(crate::access::Sso::new);
        // Runs and notifier settings see only what definitions may read.
        context.env.retain(|name, _| env_allow.allows(name));
        if let Some(telemetry) = &telemetry {
            context.instrumentation = Some(telemetry.clone());
        }
        let context = Arc::new(context);
        let secure_cookies = public_url.as_deref().is_some_and(|url| url.starts_with("https://"));
        let alerts: AlertSink = if primary.is_some() {
            Arc::new(|_, _| {})
        } else {
            Arc::new(Notifications::new(store.clone(), context.env.clone(), plugins.clone(), public_url.clone())).sink()
        };
        let operations = Arc::new(Operations::default());
        let scheduler = Scheduler::new(store.clone(), context.clone(), telemetry.clone(), alerts, operations.clone());
        let access = Access::load(store.clone(), token)?;
        let agent = Arc::new(Agent {
            store,
            scheduler,
            context,
            telemetry,
            access,
            env_allow,
            secure_cookies,
            sso,
            plugins,
            primary,
            operations,
            public_url,
            pages: Default::default(),
        });
        agent.load_windows()?;
        agent.load_silences()?;
        agent.schedule_all()?;
        Ok(agent)
    }

    /// Hands a stored monitor to the scheduler, with its collections compiled (or takes a
    /// paused one off it).
    pub fn schedule(&self, stored: &Stored<Monitor>) -> Result<(), ServiceError> {
        // Pings go to the primary, which watches heartbeats for every region.
        let pinged_elsewhere = stored.spec.is_heartbeat() && self.primary.is_some();
        if stored.spec.paused || pinged_elsewhere {
            self.scheduler.remove(&stored.id);
            return Ok(());
        }
        let monitor = compile_stored_monitor(&stored.spec).map_err(ServiceError::Invalid)?;
        let mut collections = Vec::new();
        for name in &monitor.collections {
            let collection =
                self.store.collections.get(name)?.ok_or_else(|| ServiceError::not_found("collection", name))?;
            let plan = compile_stored(&collection.spec).map_err(ServiceError::Invalid)?;
            collections.push((collection.id, Arc::new(plan)));
        }
        self.scheduler.set(ScheduledMonitor { id: stored.id.clone(), monitor, collections })?;
        Ok(())
    }

    /// Re-reads every monitor (after a collection changed, and at start-up). A monitor that
    /// cannot be scheduled is reported and left out, so one bad definition stops no others.
    pub fn schedule_all(&self) -> Result<(), ServiceError> {
        for monitor in self.store.monitors.list()? {
            if let Err(error) = self.schedule(&monitor) {
                skopos_core::log_line!("skopos: monitor `{}` is not scheduled: {}", monitor.spec.name, error);
                self.scheduler.remove(&monitor.id);
            }
        }
        Ok(())
    }

    /// Makes a heartbeat monitor a new ping key, which replaces its old one at once; the key
    /// is returned to be shown once (only its digest is kept).
    pub fn issue_ping_key(&self, stored: &Stored<Monitor>) -> Result<String, ServiceError> {
        if !stored.spec.is_heartbeat() {
            let message = format!("`{}` is not a heartbeat monitor: it is run, not pinged", stored.spec.name);
            return Err(ServiceError::Conflict(message));
        }
        let key = crate::secret::random_key();
        let key_digest = crate::secret::digest(&key);
        self.store.set_ping_key(&stored.id, &key_digest)?;
        self.store.flush()?;
        self.scheduler.set_ping_key(&stored.id, key_digest);
        Ok(key)
    }

    /// Reads the maintenance windows anew (after one changed, and at start-up). A window that
    /// does not compile is reported and left out.
    pub fn load_windows(&self) -> Result<(), ServiceError> {
        let mut windows = Vec::new();
        for stored in self.store.windows.list()? {
            match compile_stored_window(&stored.spec) {
                Ok(window) => windows.push(window),
                Err(problems) => {
                    let problem = problems.first().map(ToString::to_string).unwrap_or_default();
                    skopos_core::log_line!("skopos: window `{}` is left out: {problem}", stored.spec.name);
                }
            }
        }
        self.operations.set_windows(windows);
        self.scheduler.operations_changed();
        Ok(())
    }

    /// Reads the silences anew (after one was made or ended, and at start-up).
    pub fn load_silences(&self) -> Result<(), ServiceError> {
        self.operations.set_silences(self.store.silences(Utc::now())?);
        self.scheduler.operations_changed();
        Ok(())
    }

    /// Runs a stored collection now and stores the run; `observer` sees each step's report as
    /// soon as it is known.
    pub async fn run_now(
        &self,
        key: &str,
        observer: &mut dyn skopos_engine::StepObserver,
    ) -> Result<RunRecord, ServiceError> {
        let stored = self.store.collections.get(key)?.ok_or_else(|| ServiceError::not_found("collection", key))?;
        let plan = compile_stored(&stored.spec).map_err(ServiceError::Invalid)?;
        let started_at = Utc::now();
        let report = skopos_engine::run_collection_observed(&plan, &self.context, None, observer).await;
        let record =
            RunRecord::new((&stored.id, &stored.spec.name), started_at, self.context.region.clone(), Some(report));
        let stored = self.store.insert_run(record)?;
        self.store.durable().await?;
        Ok(stored)
    }

    /// A follower's definitions are its primary's: changes are made there.
    pub fn writable(&self) -> Result<(), ServiceError> {
        match &self.primary {
            Some(primary) => Err(ServiceError::Conflict(format!(
                "this agent follows {primary} and mirrors its collections and monitors; change them there"
            ))),
            None => Ok(()),
        }
    }

    /// Records a change in the audit log, made by `who`.
    pub fn audit(
        &self,
        who: &crate::access::Principal,
        action: &str,
        target: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) {
        let entry = crate::store::AuditRecord::new(&who.user, &who.via.describe(), action, target, who.address.clone());
        self.audit_record(crate::store::AuditRecord { before, after, ..entry });
    }

    /// Adds an entry to the audit log. A failed write is logged, not returned: what it
    /// describes has happened.
    pub fn audit_record(&self, record: crate::store::AuditRecord) {
        if let Err(error) = self.store.insert_audit(&record) {
            skopos_core::log_line!("skopos: the audit log could not take `{}`: {error}", record.action);
        }
    }

    /// The monitors that run a collection, by name.
    pub fn monitors_using(&self, collection: &str) -> Result<Vec<String>, ServiceError> {
        Ok(self
            .store
            .monitors
            .list()?
            .into_iter()
            .filter(|m| m.spec.collections.iter().any(|c| c == collection))
            .map(|m| m.spec.name)
            .collect())
    }
}
