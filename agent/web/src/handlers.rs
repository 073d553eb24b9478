//! Request handlers: collections, monitors, runs. Each returns a JSON reply or an
//! [`ApiError`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use warp::Reply;
use warp::http::StatusCode;
use warp::reply::Response;

use super::error::{ApiError, conflict};
use skopos_core::document::{Document, child_index, child_key};
use skopos_core::model::{Collection, Monitor};
use skopos_core::plan::{compile, compile_monitor, find_cycle};
use skopos_service::Agent;
use skopos_service::access::{Permission, Principal};
use skopos_service::store::{Definitions, Named, RunQuery, RunRecord, RunStatus, Stored};

pub type Reply_ = Result<Response, ApiError>;

pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply_ {
    Ok(warp::reply::with_status(warp::reply::json(value), status).into_response())
}

pub(crate) fn no_content() -> Reply_ {
    Ok(warp::http::Response::builder().status(StatusCode::NO_CONTENT).body(Default::default()).unwrap_or_default())
}

/// A JSON request body, or a 422 naming the field serde found wrong.
pub(crate) fn read<T: serde::de::DeserializeOwned>(body: &Bytes, expected: &str) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        let message = format!("expected {expected}: {}", error.into_inner());
        ApiError::at_field(StatusCode::UNPROCESSABLE_ENTITY, &field, message)
    })
}

/// Parses a request body, keeping the document to locate later problems in.
pub(crate) fn read_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<(Document, T), ApiError> {
    let text = String::from_utf8_lossy(body).into_owned();
    let mut document = Document::parse(Path::new("request body.json"), text).map_err(|d| ApiError::invalid(vec![d]))?;
    let spec = document.deserialize().map_err(|d| ApiError::invalid(vec![d]))?;
    Ok((document, spec))
}

/// Each `@{{env.NAME}}` in a request body that this agent does not let definitions read, as a
/// problem at its field: saved, it would hand the agent's environment to whoever edits it.
fn env_problems(agent: &Agent, document: &Document, body: &Bytes) -> Result<(), ApiError> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else { return Ok(()) };
    let problems: Vec<_> = skopos_core::interpolate::env_references(&value)
        .into_iter()
        .filter(|(_, name)| !agent.env_allow.allows(name))
        .map(|(at, name)| document.problem(&at, agent.env_allow.refusal(&name)))
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(ApiError::invalid(problems)) }
}

/// Reads and checks a request body as a collection, its plugin assertions' values included.
fn collection_body(agent: &Agent, body: &Bytes) -> Result<Collection, ApiError> {
    let (document, collection): (_, Collection) = read_body(body)?;
    let plan = compile(&document, collection.clone(), &serde_json::Map::new()).map_err(ApiError::invalid)?;
    env_problems(agent, &document, body)?;
    if let Some(plugins) = &agent.plugins {
        let problems: Vec<_> = plugins
            .check_plan(&plan)
            .into_iter()
            .chain(plugins.check_scripts_now(&collection))
            .map(|(at, message)| document.problem(&at, message))
            .collect();
        if !problems.is_empty() {
            return Err(ApiError::invalid(problems));
        }
    }
    Ok(collection)
}

/// Reads and checks a request body as a monitor whose collections exist.
fn monitor_body(agent: &Agent, body: &Bytes) -> Result<Monitor, ApiError> {
    let (document, monitor): (_, Monitor) = read_body(body)?;
    compile_monitor(&document, monitor.clone()).map_err(ApiError::invalid)?;
    env_problems(agent, &document, body)?;
    let mut problems = Vec::new();
    let others = agent.store.monitors.list()?.into_iter().filter(|m| m.spec.name != monitor.name);
    let others: Vec<(String, Vec<String>)> = others.map(|m| (m.spec.name, m.spec.depends_on)).collect();
    let graph = others.iter().map(|(name, deps)| (name.as_str(), deps.as_slice()));
    if let Some(cycle) = find_cycle(graph.chain([(monitor.name.as_str(), monitor.depends_on.as_slice())])) {
        let message = format!("dependencies go round in a circle: {}", cycle.join(" → "));
        problems.push(document.problem("depends_on", message));
    }
    for (index, name) in monitor.collections.iter().enumerate() {
        if agent.store.collections.get(name)?.is_none() {
            problems.push(document.problem(&child_index("collections", index), format!("no collection `{name}`")));
        }
    }
    if let Some(plugins) = &agent.plugins {
        for (index, notifier) in monitor.notify.iter().enumerate() {
            for (path, message) in plugins.check_notifier(&notifier.plugin, &notifier.config) {
                let at = child_key(&child_index("notify", index), &path);
                problems.push(document.problem(&at, format!("`{}`: {message}", notifier.plugin)));
            }
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    Ok(monitor)
}

/// A definition as the audit log keeps it: its file-format spec.
pub(crate) fn spec_of<T: Serialize>(stored: &Stored<T>) -> Option<serde_json::Value> {
    serde_json::to_value(&stored.spec).ok()
}

/// Where a monitor's alerts go is an editor's to change (`notifier_settings`): a runner (CI)
/// may apply a monitor whose `notify` entries stay as they are.
fn may_set_notifiers(
    who: &Principal,
    before: &[skopos_core::model::Notifier],
    after: &Monitor,
) -> Result<(), ApiError> {
    let same = serde_json::to_value(before).ok() == serde_json::to_value(&after.notify).ok();
    if same || who.allows(Permission::NotifierSettings) {
        Ok(())
    } else {
        Err(ApiError::forbidden(who.role, Permission::NotifierSettings))
    }
}

/// Every collection, each with a summary of its latest run (`last_run`: id, status, start,
/// duration; absent when it never ran) and its recent health (`stats`), so a list needs one
/// request.
pub fn list_collections(agent: &Agent) -> Reply_ {
    let mut listed = Vec::new();
    let now = Utc::now();
    for stored in agent.store.collections.list()? {
        let stats = agent.store.collection_stats(&stored.id, now)?;
        let query = RunQuery { collection_id: Some(stored.id.clone()), limit: 1, ..RunQuery::default() };
        let last = agent.store.runs(&query)?.runs.into_iter().next();
        let mut item = serde_json::to_value(&stored)
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        if let (Some(run), Some(fields)) = (last, item.as_object_mut()) {
            let summary = serde_json::json!({"id": run.id, "status": run.status, "started_at": run.started_at, "duration_ms": run.duration_ms});
            fields.insert("last_run".into(), summary);
        }
        if let Some(fields) = item.as_object_mut() {
            fields.insert("stats".into(), serde_json::json!(stats));
        }
        listed.push(item);
    }
    json(StatusCode::OK, &listed)
}

/// What a request for a definition of `kind` named `name` replaces: for a PUT (`key`), the one
/// it names (404 without one); for a POST, none, refused with 409 when one has that name.
pub(crate) fn replaced<T>(
    definitions: &Definitions<T>,
    kind: &str,
    key: Option<&str>,
    name: &str,
) -> Result<Option<Stored<T>>, ApiError>
where
    T: Named + Serialize + serde::de::DeserializeOwned + Clone,
{
    match key {
        Some(key) => Ok(Some(definitions.get(key)?.ok_or_else(|| ApiError::not_found(kind, key))?)),
        None => match definitions.get(name)? {
            Some(existing) => {
                Err(conflict(format!("a {kind} named `{name}` exists (`{}`); PUT to change it", existing.id)))
            }
            None => Ok(None),
        },
    }
}

pub fn create_collection(agent: &Agent, who: &Principal, body: &Bytes) -> Reply_ {
    agent.writable()?;
    let collection = collection_body(agent, body)?;
    replaced(&agent.store.collections, "collection", None, &collection.name)?;
    let stored = agent.store.collections.put(None, collection)?;
    agent.audit(who, "collection.create", &stored.spec.name, None, spec_of(&stored));
    agent.store.flush()?;
    json(StatusCode::CREATED, &stored)
}

pub fn get_collection(agent: &Agent, key: &str) -> Reply_ {
    let stored = agent.store.collections.get(key)?.ok_or_else(|| ApiError::not_found("collection", key))?;
    json(StatusCode::OK, &stored)
}

pub fn put_collection(agent: &Agent, who: &Principal, key: &str, body: &Bytes) -> Reply_ {
    agent.writable()?;
    let existing = agent.store.collections.get(key)?.ok_or_else(|| ApiError::not_found("collection", key))?;
    let collection = collection_body(agent, body)?;
    let renamed = existing.spec.name != collection.name;
    if renamed && let Some(monitor) = agent.monitors_using(&existing.spec.name)?.first() {
        return Err(conflict(format!("monitor `{monitor}` runs `{}`; change the monitor first", existing.spec.name)));
    }
    let stored = agent.store.collections.put(Some(&existing.id), collection)?;
    agent.audit(who, "collection.update", &stored.spec.name, spec_of(&existing), spec_of(&stored));
    agent.store.flush()?;
    agent.schedule_all()?;
    json(StatusCode::OK, &stored)
}

pub fn delete_collection(agent: &Agent, who: &Principal, key: &str) -> Reply_ {
    agent.writable()?;
    let existing = agent.store.collections.get(key)?.ok_or_else(|| ApiError::not_found("collection", key))?;
    if let Some(monitor) = agent.monitors_using(&existing.spec.name)?.first() {
        return Err(conflict(format!("monitor `{monitor}` runs `{}`; change the monitor first", existing.spec.name)));
    }
    agent.store.collections.delete(&existing.id)?;
    agent.audit(who, "collection.delete", &existing.spec.name, spec_of(&existing), None);
    agent.store.flush()?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn run_collection(agent: Arc<Agent>, key: String) -> Reply_ {
    let run = agent.run_now(&key, &mut skopos_engine::OnStep(|_: &skopos_core::report::StepReport| {})).await?;
    json(StatusCode::OK, &run)
}

/// `POST /api/v1/collections/{key}/run?stream=true`: the run as server-sent events while it
/// goes: `step` with each step's report as it finishes, then `done` with the stored run (or
/// `error` with `{error}`).
pub fn run_collection_streamed(agent: Arc<Agent>, key: String) -> Reply_ {
    use warp::sse::Event;
    agent.store.collections.get(&key)?.ok_or_else(|| ApiError::not_found("collection", &key))?;
    let (events, mut receiver) = tokio::sync::mpsc::unbounded_channel::<Event>();
    tokio::spawn(async move {
        let steps = events.clone();
        let mut on_step = move |step: &skopos_core::report::StepReport| {
            if let Ok(event) = Event::default().event("step").json_data(step) {
                let _ = steps.send(event);
            }
        };
        let last = match agent.run_now(&key, &mut skopos_engine::OnStep(&mut on_step)).await {
            Ok(run) => Event::default().event("done").json_data(&run),
            Err(error) => Event::default().event("error").json_data(serde_json::json!({ "error": error.to_string() })),
        };
        if let Ok(event) = last {
            let _ = events.send(event);
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| {
        receiver.poll_recv(cx).map(|event| event.map(Ok::<_, std::convert::Infallible>))
    });
    Ok(warp::sse::reply(stream).into_response())
}

pub fn create_monitor(agent: &Agent, who: &Principal, body: &Bytes, host: Option<&str>) -> Reply_ {
    agent.writable()?;
    let monitor = monitor_body(agent, body)?;
    may_set_notifiers(who, &[], &monitor)?;
    replaced(&agent.store.monitors, "monitor", None, &monitor.name)?;
    let stored = agent.store.monitors.put(None, monitor)?;
    agent.audit(who, "monitor.create", &stored.spec.name, None, spec_of(&stored));
    agent.store.flush()?;
    agent.schedule(&stored)?;
    with_ping_key(agent, host, StatusCode::CREATED, &stored)
}

/// The ping URL of a key: under the agent's public address, or else the `Host` asked for.
fn ping_url(agent: &Agent, host: Option<&str>, key: &str) -> String {
    let base = match (&agent.public_url, host) {
        (Some(public), _) => public.trim_end_matches('/').to_string(),
        (None, Some(host)) => format!("http://{host}"),
        (None, None) => String::new(),
    };
    format!("{base}/ping/{key}")
}

#[derive(Serialize)]
pub(crate) struct PingKey {
    pub ping_url: String,
    /// A line for a crontab: the job's command, then its ping.
    pub curl: String,
}

impl PingKey {
    pub(crate) fn new(agent: &Agent, host: Option<&str>, key: &str) -> PingKey {
        let ping_url = ping_url(agent, host, key);
        PingKey { curl: format!("curl -fsS -m 10 --retry 5 -o /dev/null {ping_url}"), ping_url }
    }
}

/// The stored monitor as the reply; a heartbeat monitor without a ping key gets one, and
/// the reply its `ping_url` and `curl` line, shown this once.
fn with_ping_key(agent: &Agent, host: Option<&str>, status: StatusCode, stored: &Stored<Monitor>) -> Reply_ {
    let mut reply =
        serde_json::to_value(stored).map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if stored.spec.is_heartbeat() && agent.primary.is_none() && agent.store.ping_key_of(&stored.id)?.is_none() {
        let key = agent.issue_ping_key(stored)?;
        let ping = PingKey::new(agent, host, &key);
        if let Some(fields) = reply.as_object_mut() {
            fields.insert("ping_url".into(), ping.ping_url.into());
            fields.insert("curl".into(), ping.curl.into());
        }
    }
    json(status, &reply)
}

pub fn get_monitor(agent: &Agent, key: &str) -> Reply_ {
    let stored = agent.store.monitors.get(key)?.ok_or_else(|| ApiError::not_found("monitor", key))?;
    json(StatusCode::OK, &stored)
}

pub fn put_monitor(agent: &Agent, who: &Principal, key: &str, body: &Bytes, host: Option<&str>) -> Reply_ {
    agent.writable()?;
    let existing = agent.store.monitors.get(key)?.ok_or_else(|| ApiError::not_found("monitor", key))?;
    let monitor = monitor_body(agent, body)?;
    may_set_notifiers(who, &existing.spec.notify, &monitor)?;
    let stored = agent.store.monitors.put(Some(&existing.id), monitor)?;
    let action = match (existing.spec.paused, stored.spec.paused) {
        (false, true) => "monitor.pause",
        (true, false) => "monitor.resume",
        _ => "monitor.update",
    };
    agent.audit(who, action, &stored.spec.name, spec_of(&existing), spec_of(&stored));
    agent.store.flush()?;
    agent.schedule(&stored)?;
    with_ping_key(agent, host, StatusCode::OK, &stored)
}

pub fn delete_monitor(agent: &Agent, who: &Principal, key: &str) -> Reply_ {
    agent.writable()?;
    let existing = agent.store.monitors.get(key)?.ok_or_else(|| ApiError::not_found("monitor", key))?;
    agent.scheduler.remove(&existing.id);
    agent.store.monitors.delete(&existing.id)?;
    agent.store.clear_status(&existing.id)?;
    agent.audit(who, "monitor.delete", &existing.spec.name, spec_of(&existing), None);
    agent.store.flush()?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/schedule/preview` with a schedule (`{every}` or `{cron, tz}`, `jitter`): its
/// next five fire times, for forms that show them as the user types. `?monitor=NAME` applies
/// that monitor's jitter offset.
pub fn preview_schedule(body: &Bytes, params: &HashMap<String, String>) -> Reply_ {
    let (document, spec): (_, skopos_core::model::ScheduleSpec) = read_body(body)?;
    let key = params.get("monitor").map_or("", String::as_str);
    let schedule = skopos_core::schedule::Schedule::parse(&spec, key)
        .map_err(|err| ApiError::invalid(vec![document.problem(err.field, err.message)]))?;
    let mut next = Vec::new();
    let mut after = Utc::now();
    while next.len() < 5 {
        let Some(at) = schedule.next_after(after) else { break };
        next.push(at);
        after = at;
    }
    json(StatusCode::OK, &serde_json::json!({ "next": next }))
}

/// A 400 naming the query parameter at fault.
fn time_param(name: &str, value: &str) -> Result<DateTime<Utc>, ApiError> {
    Ok(DateTime::parse_from_rfc3339(value)
        .map_err(|_| bad(name, format!("`{value}` is not an RFC 3339 time like 2026-11-24T10:00:00Z")))?
        .with_timezone(&Utc))
}

fn bad(field: &str, message: String) -> ApiError {
    ApiError::at_field(StatusCode::BAD_REQUEST, field, message)
}

fn limit(value: &str) -> Result<usize, ApiError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| bad("limit", format!("`{value}` is not a number from 1 to 1000")))
}

/// A monitor's id from its id or name; an unknown one is kept (it matches nothing).
fn monitor_id(agent: &Agent, key: &str) -> Result<String, ApiError> {
    Ok(agent.store.monitors.get(key)?.map_or_else(|| key.to_string(), |m| m.id))
}

/// `GET /api/v1/runs?collection=&monitor=&status=&since=&until=&limit=&cursor=`, newest first.
pub fn list_runs(agent: &Agent, params: &HashMap<String, String>) -> Reply_ {
    let mut query = RunQuery { limit: 50, ..RunQuery::default() };
    let mut summaries = false;
    for (name, value) in params {
        match name.as_str() {
            "collection" => {
                let found = agent.store.collections.get(value)?;
                query.collection_id = Some(found.map_or_else(|| value.clone(), |c| c.id));
            }
            "monitor" => query.monitor_id = Some(monitor_id(agent, value)?),
            "status" => {
                query.status = Some(match value.as_str() {
                    "passed" => RunStatus::Passed,
                    "degraded" => RunStatus::Degraded,
                    "failed" => RunStatus::Failed,
                    "skipped" => RunStatus::Skipped,
                    _ => return Err(bad(name, format!("`{value}` is not passed, degraded, failed or skipped"))),
                })
            }
            "since" | "until" => {
                let time = time_param(name, value)?;
                if name == "since" { query.since = Some(time) } else { query.until = Some(time) }
            }
            "limit" => query.limit = limit(value)?,
            "cursor" => query.cursor = Some(value.clone()),
            "region" => query.region = Some(value.clone()),
            "summary" => summaries = value == "true" || value == "1",
            other => return Err(bad(other, format!("unknown parameter `{other}`"))),
        }
    }
    let page = agent.store.runs(&query)?;
    if summaries {
        let runs: Vec<_> = page.runs.into_iter().map(run_summary).collect();
        return json(StatusCode::OK, &serde_json::json!({"runs": runs, "next_cursor": page.next_cursor}));
    }
    json(StatusCode::OK, &serde_json::json!({"runs": page.runs, "next_cursor": page.next_cursor}))
}

/// A run without its report, plus `failure`: the first step that failed (`index`, `name`,
/// `message`), for lists of many runs.
fn run_summary(mut run: RunRecord) -> serde_json::Value {
    let report = run.report.take();
    let failure = report.as_ref().and_then(|report| report.first_failed_step()).map(|step| {
        let message = match &step.error {
            Some(error) => error.message.clone(),
            None => step.assertions.iter().find(|a| !a.passed).and_then(|a| a.message.clone()).unwrap_or_default(),
        };
        serde_json::json!({"index": step.index, "name": step.name, "message": message})
    });
    let mut value = serde_json::json!(run);
    if let Some(fields) = value.as_object_mut() {
        fields.remove("report");
        fields.insert("failure".into(), failure.unwrap_or(serde_json::Value::Null));
    }
    value
}

pub fn get_run(agent: &Agent, id: &str) -> Reply_ {
    let run = agent.store.run(id)?.ok_or_else(|| ApiError::not_found("run", id))?;
    json(StatusCode::OK, &run)
}

/// The notification log, newest first: `monitor` (id or name) and `limit` (default 50).
pub fn list_notifications(agent: &Agent, params: &HashMap<String, String>) -> Reply_ {
    let (mut monitor, mut count) = (None, 50);
    for (name, value) in params {
        match name.as_str() {
            "monitor" => monitor = Some(monitor_id(agent, value)?),
            "limit" => count = limit(value)?,
            other => return Err(bad(other, format!("unknown parameter `{other}`"))),
        }
    }
    json(StatusCode::OK, &serde_json::json!({"notifications": agent.store.notifications(monitor.as_deref(), count)?}))
}

/// `GET /api/v1/audit?user=&action=&since=&until=&limit=`: the audit log, newest first.
pub fn list_audit(agent: &Agent, params: &HashMap<String, String>) -> Reply_ {
    let mut query = skopos_service::store::AuditQuery { limit: 50, ..Default::default() };
    for (name, value) in params {
        match name.as_str() {
            "user" => query.user = Some(value.clone()),
            "action" => query.action = Some(value.clone()),
            "since" => query.since = Some(time_param(name, value)?),
            "until" => query.until = Some(time_param(name, value)?),
            "limit" => query.limit = limit(value)?,
            other => return Err(bad(other, format!("unknown parameter `{other}`"))),
        }
    }
    json(StatusCode::OK, &serde_json::json!({ "entries": agent.store.audit(&query)? }))
}

/// `GET /api/v1/plugins`: loaded plugins with their kind, version, settings schema and health.
pub fn list_plugins(agent: &Agent) -> Reply_ {
    let plugins = agent.plugins.as_ref().map(|host| host.status()).unwrap_or_default();
    json(StatusCode::OK, &serde_json::json!({ "plugins": plugins }))
}
