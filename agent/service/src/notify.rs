//! Delivering alert events. Every event is written as one JSON line on standard error, then
//! sent through each of the monitor's `notify` entries (notifier plugins: `webhook`, `slack`,
//! `pagerduty`, `email`, ... built in, more with `--plugins`), and each delivery is recorded
//! in the store's notification log. A delivery the plugin says is worth retrying (a 5xx, a
//! timeout) is tried three times in all, 1 s then 2 s apart.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::scheduler::AlertSink;
use crate::store::{Delivery, NotificationRecord, Store};
use skopos_core::alert::{AlertEvent, MessageText, template};
use skopos_core::document::{child_index, child_key};
use skopos_core::interpolate::{Scope, Secrets, Template};
use skopos_core::model::Notifier;
use skopos_plugin_host::{DeliveryError, PluginHost};

const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

pub struct Notifications {
    store: Arc<Store>,
    /// What `@{{env.NAME}}` in notifier settings reads.
    env: HashMap<String, String>,
    plugins: Option<Arc<PluginHost>>,
    /// The agent's address as people reach it (`--public-url`), for links to runs.
    public_url: Option<String>,
}

impl Notifications {
    pub fn new(
        store: Arc<Store>,
        env: HashMap<String, String>,
        plugins: Option<Arc<PluginHost>>,
        public_url: Option<String>,
    ) -> Notifications {
        Notifications { store, env, plugins, public_url }
    }

    /// The scheduler's alert sink: logs at once, delivers in the background.
    pub fn sink(self: Arc<Self>) -> AlertSink {
        Arc::new(move |event: AlertEvent, notifiers: &[Notifier]| {
            skopos_core::log_line!(
                "{}",
                serde_json::json!({"event": "alert", "summary": event.summary(), "alert": event})
            );
            if notifiers.is_empty() {
                return;
            }
            let this = self.clone();
            let notifiers = notifiers.to_vec();
            tokio::spawn(async move {
                this.deliver(&event, &notifiers).await;
            });
        })
    }

    /// Sends `event` through every notifier, one after the other, and records each outcome.
    pub async fn deliver(&self, event: &AlertEvent, notifiers: &[Notifier]) {
        let link = self.run_link(event);
        for (index, notifier) in notifiers.iter().enumerate() {
            let mut secrets = Secrets::default();
            let (custom_text, template_error) = match &notifier.template {
                None => (None, None),
                Some(template) => match template::render(template, event, link.as_deref()) {
                    Ok(text) => (Some(text), None),
                    // A template never blocks an alert: the default text goes out instead.
                    Err(error) => (None, Some(format!("template {error}; the default text was sent"))),
                },
            };
            if let Some(problem) = &template_error {
                skopos_core::log_line!(
                    "skopos: notifier {index} (`{}`) of `{}`: {problem}",
                    notifier.plugin,
                    event.monitor
                );
            }
            let (attempts, result) = match self.settings(&notifier.config, &mut secrets) {
                Err(problem) => (0, Err(problem)),
                Ok(config) => self.send(event, &notifier.plugin, &config, link.clone(), custom_text.as_ref()).await,
            };
            let record = NotificationRecord {
                sent_at: chrono::Utc::now(),
                alert: event.clone(),
                notifier: notifier.plugin.clone(),
                notifier_index: index,
                delivery: if result.is_ok() { Delivery::Delivered } else { Delivery::Failed },
                attempts,
                error: result.err().map(|error| secrets.mask(&error).into_owned()),
                template_error,
            };
            if let Some(error) = &record.error {
                skopos_core::log_line!(
                    "skopos: notifier {index} (`{}`) of `{}`: {error}",
                    record.notifier,
                    event.monitor
                );
            }
            if let Err(err) = self.store.insert_notification(&record) {
                skopos_core::log_line!("skopos: cannot record a notification of `{}`: {err}", event.monitor);
            }
        }
    }

    /// How many attempts were made, and the outcome.
    async fn send(
        &self,
        event: &AlertEvent,
        plugin: &str,
        config: &Map<String, Value>,
        link: Option<String>,
        custom_text: Option<&MessageText>,
    ) -> (u32, Result<(), String>) {
        let Some(host) = self.plugins.as_ref().filter(|host| host.has_notifier(plugin)) else {
            return (0, Err(format!("no notifier plugin `{plugin}` is loaded")));
        };
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match host.deliver(plugin, event, config, link.clone(), custom_text).await {
                Ok(()) => return (attempt, Ok(())),
                Err(DeliveryError { message, retry }) if !retry || attempt == ATTEMPTS => {
                    return (attempt, Err(message));
                }
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
            }
        }
    }

    /// Where people can see the alert's run, when the agent knows its public address.
    fn run_link(&self, event: &AlertEvent) -> Option<String> {
        self.public_url.as_ref().map(|base| format!("{}/api/v1/runs/{}", base.trim_end_matches('/'), event.run_id))
    }

    fn settings(&self, config: &Map<String, Value>, secrets: &mut Secrets) -> Result<Map<String, Value>, String> {
        settings(config, &self.env, secrets)
    }
}

/// A notifier's settings with `@{{env.NAME}}` resolved in every string, however deep; the
/// values it used become secrets, masked wherever an error might repeat them.
pub fn settings(
    config: &Map<String, Value>,
    env: &HashMap<String, String>,
    secrets: &mut Secrets,
) -> Result<Map<String, Value>, String> {
    let vars = Map::new();
    let mut scope = Scope { vars: &vars, env, responses: &[], names: &[], secrets };
    config.iter().map(|(key, value)| Ok((key.clone(), resolve(&mut scope, key, value)?))).collect()
}

/// `value` with its templates rendered; `path` names it in errors (`config.headers.Authorization`).
fn resolve(scope: &mut Scope, path: &str, value: &Value) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) => {
            let template = Template::parse(text).map_err(|e| format!("config.{path}: {e}"))?;
            Value::String(scope.render(&template).map_err(|e| format!("config.{path}: {e}"))?.into_owned())
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| resolve(scope, &child_index(path, i), item))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| Ok((key.clone(), resolve(scope, &child_key(path, key), item)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}
