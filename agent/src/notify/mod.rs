//! Delivering alert events. Every event is written as one JSON line on standard error, then
//! sent through each of the monitor's `notify` entries, and each delivery is recorded in the
//! store's notification log. `webhook` is built in; the other notifiers (`slack`,
//! `pagerduty`, `email`, ...) are plugins, and until a plugin of that name is loaded the
//! delivery is logged as failed with that reason.

mod webhook;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::alert::AlertEvent;
use crate::interpolate::{Scope, Secrets, Template};
use crate::model::Notifier;
use crate::schedule::AlertSink;
use crate::source::{child_index, child_key};
use crate::store::{Delivery, NotificationRecord, Store};

pub use webhook::WebhookSettings;

pub struct Notifications {
    store: Arc<Store>,
    /// What `@{{env.NAME}}` in notifier settings reads.
    env: HashMap<String, String>,
}

impl Notifications {
    pub fn new(store: Arc<Store>, env: HashMap<String, String>) -> Notifications {
        Notifications { store, env }
    }

    /// The scheduler's alert sink: logs at once, delivers in the background.
    pub fn sink(self: Arc<Self>) -> AlertSink {
        Arc::new(move |event: AlertEvent, notifiers: &[Notifier]| {
            eprintln!("{}", serde_json::json!({"event": "alert", "summary": event.summary(), "alert": event}));
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
        for (index, notifier) in notifiers.iter().enumerate() {
            let mut secrets = Secrets::default();
            let (attempts, result) = match self.settings(&notifier.config, &mut secrets) {
                Err(problem) => (0, Err(problem)),
                Ok(config) => self.send(event, &notifier.plugin, config).await,
            };
            let record = NotificationRecord {
                sent_at: chrono::Utc::now(),
                alert: event.clone(),
                notifier: notifier.plugin.clone(),
                notifier_index: index,
                delivery: if result.is_ok() { Delivery::Delivered } else { Delivery::Failed },
                attempts,
                error: result.err().map(|error| secrets.mask(&error).into_owned()),
            };
            if let Some(error) = &record.error {
                eprintln!("skopos: notifier {index} (`{}`) of `{}`: {error}", record.notifier, event.monitor);
            }
            if let Err(err) = self.store.insert_notification(&record) {
                eprintln!("skopos: cannot record a notification of `{}`: {err}", event.monitor);
            }
        }
    }

    /// How many attempts were made, and the outcome.
    async fn send(&self, event: &AlertEvent, plugin: &str, config: Map<String, Value>) -> (u32, Result<(), String>) {
        match plugin {
            "webhook" => match WebhookSettings::from_config(config) {
                Ok(settings) => webhook::deliver(&settings, event).await,
                Err(problem) => (0, Err(problem)),
            },
            other => (0, Err(format!("no notifier plugin `{other}` is loaded"))),
        }
    }

    /// The notifier's settings with `@{{env.NAME}}` resolved in every string, however deep;
    /// the values it used become secrets, masked wherever an error might repeat them.
    fn settings(&self, config: &Map<String, Value>, secrets: &mut Secrets) -> Result<Map<String, Value>, String> {
        let vars = Map::new();
        let mut scope = Scope { vars: &vars, env: &self.env, responses: &[], names: &[], secrets };
        config.iter().map(|(key, value)| Ok((key.clone(), resolve(&mut scope, key, value)?))).collect()
    }
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
