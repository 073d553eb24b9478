//! The running agent's shared state, and keeping the scheduler in step with the store.

use std::sync::Arc;

use chrono::Utc;

use super::auth::Token;
use super::error::ApiError;
use crate::model::Monitor;
use crate::plan::{compile_stored, compile_stored_monitor};
use crate::runner::RunContext;
use crate::schedule::{ScheduledMonitor, Scheduler};
use crate::store::{RunRecord, RunStatus, Store, Stored};
use warp::http::StatusCode;

pub struct Agent {
    pub store: Arc<Store>,
    pub scheduler: Scheduler,
    pub context: Arc<RunContext>,
    pub token: Token,
    /// Loaded with `--plugins DIR`.
    pub plugins: Option<Arc<crate::plugins::PluginHost>>,
    /// The primary this agent follows (`--primary`): its definitions come from there.
    pub primary: Option<url::Url>,
}

impl Agent {
    /// Hands a stored monitor to the scheduler, with its collections compiled (or takes a
    /// paused one off it).
    pub fn schedule(&self, stored: &Stored<Monitor>) -> Result<(), ApiError> {
        if stored.spec.paused {
            self.scheduler.remove(&stored.id);
            return Ok(());
        }
        let monitor = compile_stored_monitor(&stored.spec).map_err(ApiError::invalid)?;
        let mut collections = Vec::new();
        for name in &monitor.collections {
            let collection =
                self.store.collections.get(name)?.ok_or_else(|| ApiError::not_found("collection", name))?;
            let plan = compile_stored(&collection.spec).map_err(ApiError::invalid)?;
            collections.push((collection.id, Arc::new(plan)));
        }
        self.scheduler.set(ScheduledMonitor { id: stored.id.clone(), monitor, collections })?;
        Ok(())
    }

    /// Re-reads every monitor (after a collection changed, and at start-up). A monitor that
    /// cannot be scheduled is reported and left out, so one bad definition stops no others.
    pub fn schedule_all(&self) -> Result<(), ApiError> {
        for monitor in self.store.monitors.list()? {
            if let Err(error) = self.schedule(&monitor) {
                crate::log_line!("skopos: monitor `{}` is not scheduled: {}", monitor.spec.name, error.error);
                self.scheduler.remove(&monitor.id);
            }
        }
        Ok(())
    }

    /// Runs a stored collection now and stores the run; `observer` sees each step's report as
    /// soon as it is known.
    pub async fn run_now(
        &self,
        key: &str,
        observer: &mut dyn crate::runner::StepObserver,
    ) -> Result<RunRecord, ApiError> {
        let stored = self.store.collections.get(key)?.ok_or_else(|| ApiError::not_found("collection", key))?;
        let plan = compile_stored(&stored.spec).map_err(ApiError::invalid)?;
        let started_at = Utc::now();
        let report = crate::runner::run_collection_observed(&plan, &self.context, None, observer).await;
        let record = RunRecord {
            id: String::new(),
            received_at: None,
            collection_id: stored.id,
            collection: stored.spec.name,
            monitor_id: None,
            monitor: None,
            status: if report.passed { RunStatus::Passed } else { RunStatus::Failed },
            started_at,
            due_at: None,
            region: self.context.region.clone(),
            duration_ms: report.duration_ms,
            report: Some(report),
        };
        let stored = self.store.insert_run(record)?;
        self.store.durable().await?;
        Ok(stored)
    }

    /// A follower's definitions are its primary's: changes are made there (409 here).
    pub fn writable(&self) -> Result<(), ApiError> {
        match &self.primary {
            Some(primary) => Err(conflict(format!(
                "this agent follows {primary} and mirrors its collections and monitors; change them there"
            ))),
            None => Ok(()),
        }
    }

    /// The monitors that run a collection, by name.
    pub fn monitors_using(&self, collection: &str) -> Result<Vec<String>, ApiError> {
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

pub fn conflict(message: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, message)
}
