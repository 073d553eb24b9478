//! Operating monitors over HTTP: maintenance windows (`/api/v1/windows`, defined like
//! monitors), silences (`/api/v1/silences`), heartbeat ping keys, and the public ping URLs
//! (`/ping/{key}`, `/start`, `/fail`).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};

use super::error::ApiError;
use super::guard::Guard;
use super::handlers::{PingKey, Reply_, json, no_content, read, read_body, replaced, spec_of};
use super::{MAX_BODY_BYTES, decode, off_async, read_limited};
use skopos_core::document::child_index;
use skopos_core::model::{Monitor, Window};
use skopos_core::plan::{WindowPlan, compile_window};
use skopos_service::Agent;
use skopos_service::access::Principal;
use skopos_service::heartbeat::{Ping, PingError};
use skopos_service::scheduler::PingRefused;
use skopos_service::store::{Silence, Stored};

type Agent_ = Arc<Agent>;
type Who = Principal;

/// A ping's body is read up to this much; the first 10 KiB are kept.
const MAX_PING_BYTES: u64 = 64 << 10;

pub fn routes(guard: &Guard, with_agent: &BoxedFilter<(Agent_,)>) -> Vec<BoxedFilter<(Response,)>> {
    let body = || warp::body::stream().and_then(|chunks| read_limited(chunks, MAX_BODY_BYTES)).boxed();
    let window = || warp::path!("api" / "v1" / "windows" / String).map(|key: String| decode(&key)).boxed();
    let host = || warp::header::optional::<String>("host").boxed();
    let mut routes = vec![
        warp::path!("api" / "v1" / "windows")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/windows"))
            .then(|agent: Agent_, _: Who| off_async(move || list_windows(&agent)))
            .boxed(),
        warp::path!("api" / "v1" / "windows")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/windows"))
            .and(body())
            .then(|agent: Agent_, who: Who, body: Bytes| off_async(move || put_window(&agent, &who, None, &body)))
            .boxed(),
        window()
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/windows/{key}"))
            .then(|key: String, agent: Agent_, _: Who| {
                off_async(move || {
                    let stored = agent.store.windows.get(&key)?.ok_or_else(|| ApiError::not_found("window", &key))?;
                    json(StatusCode::OK, &stored)
                })
            })
            .boxed(),
        window()
            .and(warp::put())
            .and(guard.needs("PUT", "/api/v1/windows/{key}"))
            .and(body())
            .then(|key: String, agent: Agent_, who: Who, body: Bytes| {
                off_async(move || put_window(&agent, &who, Some(&key), &body))
            })
            .boxed(),
        window()
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/windows/{key}"))
            .then(|key: String, agent: Agent_, who: Who| off_async(move || delete_window(&agent, &who, &key)))
            .boxed(),
        warp::path!("api" / "v1" / "silences")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/silences"))
            .then(|agent: Agent_, _: Who| off_async(move || json(StatusCode::OK, &agent.store.silences(Utc::now())?)))
            .boxed(),
        warp::path!("api" / "v1" / "silences")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/silences"))
            .and(body())
            .then(|agent: Agent_, who: Who, body: Bytes| off_async(move || create_silence(&agent, &who, &body)))
            .boxed(),
        warp::path!("api" / "v1" / "silences" / String)
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/silences/{id}"))
            .then(|id: String, agent: Agent_, who: Who| off_async(move || end_silence(&agent, &who, &decode(&id))))
            .boxed(),
        warp::path!("api" / "v1" / "monitors" / String / "ping-key")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/monitors/{key}/ping-key"))
            .and(host())
            .then(|key: String, agent: Agent_, who: Who, host: Option<String>| {
                off_async(move || rotate_ping_key(&agent, &who, &decode(&key), host.as_deref()))
            })
            .boxed(),
    ];
    for (suffix, ping) in [("", Ping::Success), ("start", Ping::Start), ("fail", Ping::Fail)] {
        let path = warp::path("ping").and(warp::path::param::<String>());
        let path = if suffix.is_empty() {
            path.and(warp::path::end()).boxed()
        } else {
            path.and(warp::path(suffix)).and(warp::path::end()).boxed()
        };
        routes.push(
            path.and(warp::get().or(warp::post()).unify().or(warp::head()).unify())
                .and(with_agent.clone())
                .and(warp::addr::remote())
                .and(warp::body::stream().and_then(|chunks| read_limited(chunks, MAX_PING_BYTES)))
                .then(move |key: String, agent: Agent_, remote: Option<SocketAddr>, body: Bytes| async move {
                    let address = remote.map(|a| a.ip().to_string()).unwrap_or_default();
                    let taken = tokio::task::spawn_blocking(move || agent.scheduler.ping(&key, ping, &body, &address));
                    match taken.await {
                        Ok(Ok(())) => warp::reply::with_header("OK\n", "content-type", "text/plain").into_response(),
                        Ok(Err(refused)) => ping_refused(refused).into_response(),
                        Err(_) => {
                            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the ping was cancelled").into_response()
                        }
                    }
                })
                .boxed(),
        );
    }
    routes
}

fn ping_refused(refused: PingRefused) -> ApiError {
    match refused {
        PingRefused::Ping(PingError::UnknownKey) => {
            ApiError::new(StatusCode::NOT_FOUND, PingError::UnknownKey.to_string())
        }
        PingRefused::Ping(PingError::Limited(wait)) => ApiError::too_many(wait, "too many pings"),
        PingRefused::Store(error) => error.into(),
    }
}

/// A window as listed: its definition, and the occurrence now going on or coming next.
#[derive(Serialize)]
struct ListedWindow {
    #[serde(flatten)]
    stored: Stored<Window>,
    /// The occurrence going on now.
    active: Option<Occurrence>,
    /// The next occurrence to start.
    next: Option<Occurrence>,
}

#[derive(Serialize)]
struct Occurrence {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

fn list_windows(agent: &Agent) -> Reply_ {
    let now = Utc::now();
    let plans = agent.operations.windows();
    let listed: Vec<ListedWindow> = agent
        .store
        .windows
        .list()?
        .into_iter()
        .map(|stored| {
            let plan: Option<&WindowPlan> = plans.iter().find(|p| p.name == stored.spec.name);
            let occurrence = |(start, end)| Occurrence { start, end };
            ListedWindow {
                active: plan.and_then(|p| p.active_at(now)).map(occurrence),
                next: plan.and_then(|p| p.upcoming(now, 1).into_iter().next()).map(occurrence),
                stored,
            }
        })
        .collect();
    json(StatusCode::OK, &listed)
}

/// Creates (`key` none) or replaces a window; its monitors must exist.
fn put_window(agent: &Agent, who: &Principal, key: Option<&str>, body: &Bytes) -> Reply_ {
    agent.writable()?;
    let (document, window): (_, Window) = read_body(body)?;
    compile_window(&document, window.clone()).map_err(ApiError::invalid)?;
    let mut problems = Vec::new();
    for (index, name) in window.monitors.iter().enumerate() {
        if agent.store.monitors.get(name)?.is_none() {
            problems.push(document.problem(&child_index("monitors", index), format!("no monitor `{name}`")));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let existing = replaced(&agent.store.windows, "window", key, &window.name)?;
    let stored = agent.store.windows.put(existing.as_ref().map(|e| e.id.as_str()), window)?;
    let (action, before) = match &existing {
        Some(existing) => ("window.update", spec_of(existing)),
        None => ("window.create", None),
    };
    agent.audit(who, action, &stored.spec.name, before, spec_of(&stored));
    agent.store.flush()?;
    agent.load_windows()?;
    json(if existing.is_some() { StatusCode::OK } else { StatusCode::CREATED }, &stored)
}

fn delete_window(agent: &Agent, who: &Principal, key: &str) -> Reply_ {
    agent.writable()?;
    let existing = agent.store.windows.get(key)?.ok_or_else(|| ApiError::not_found("window", key))?;
    agent.store.windows.delete(&existing.id)?;
    agent.audit(who, "window.delete", &existing.spec.name, spec_of(&existing), None);
    agent.store.flush()?;
    agent.load_windows()?;
    no_content()
}

/// `POST /api/v1/silences`: `{monitors?, tags?, until | for, comment}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSilence {
    #[serde(default)]
    monitors: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    until: Option<DateTime<Utc>>,
    #[serde(rename = "for")]
    lasting: Option<String>,
    comment: String,
}

fn create_silence(agent: &Agent, who: &Principal, body: &Bytes) -> Reply_ {
    let new: NewSilence = read(body, "a silence: {monitors?, tags?, until | for, comment}")?;
    let unprocessable =
        |field: &str, message: String| ApiError::at_field(StatusCode::UNPROCESSABLE_ENTITY, field, message);
    if new.monitors.is_empty() && new.tags.is_empty() {
        return Err(unprocessable("monitors", "a silence names `monitors`, `tags` or both".into()));
    }
    for (index, name) in new.monitors.iter().enumerate() {
        if agent.store.monitors.get(name)?.is_none() {
            return Err(unprocessable(&format!("monitors[{index}]"), format!("no monitor `{name}`")));
        }
    }
    if new.comment.trim().is_empty() {
        return Err(unprocessable("comment", "say why: a silence needs a `comment`".into()));
    }
    let now = Utc::now();
    let until = match (new.until, &new.lasting) {
        (Some(until), None) => until,
        (None, Some(lasting)) => {
            let lasting = skopos_core::schedule::parse_duration(lasting).map_err(|m| unprocessable("for", m))?;
            now + TimeDelta::from_std(lasting).map_err(|_| unprocessable("for", "too long".into()))?
        }
        _ => return Err(unprocessable("until", "give `until` (RFC 3339) or `for` (such as 1h), not both".into())),
    };
    if until <= now {
        return Err(unprocessable("until", "the silence would be over already".into()));
    }
    let silence = Silence {
        id: Silence::new_id(),
        monitors: new.monitors,
        tags: new.tags,
        starts_at: now,
        until,
        comment: new.comment,
        created_by: who.user.clone(),
    };
    agent.store.insert_silence(&silence)?;
    agent.audit(who, "silence.create", &silence.id, None, serde_json::to_value(&silence).ok());
    agent.store.flush()?;
    agent.load_silences()?;
    json(StatusCode::CREATED, &silence)
}

fn end_silence(agent: &Agent, who: &Principal, id: &str) -> Reply_ {
    let ended = agent.store.delete_silence(id)?.ok_or_else(|| ApiError::not_found("silence", id))?;
    agent.audit(who, "silence.end", &ended.id, serde_json::to_value(&ended).ok(), None);
    agent.store.flush()?;
    agent.load_silences()?;
    no_content()
}

fn rotate_ping_key(agent: &Agent, who: &Principal, key: &str, host: Option<&str>) -> Reply_ {
    let stored: Stored<Monitor> = agent.store.monitors.get(key)?.ok_or_else(|| ApiError::not_found("monitor", key))?;
    let ping_key = agent.issue_ping_key(&stored)?;
    agent.audit(who, "monitor.ping_key", &stored.spec.name, None, None);
    json(StatusCode::OK, &PingKey::new(agent, host, &ping_key))
}
