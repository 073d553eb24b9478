//! Status pages and incidents over HTTP: `/api/v1/status-pages` (defined like windows) and
//! `/api/v1/incidents` (listed, posted by hand for a page, updated, deleted).

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use serde::Deserialize;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;

use super::error::ApiError;
use super::guard::Guard;
use super::handlers::{Reply_, json, no_content, read, read_body, replaced, spec_of};
use super::{MAX_BODY_BYTES, decode, off_async, read_limited};
use skopos_core::document::{child_index, child_key};
use skopos_core::model::StatusPage;
use skopos_core::plan::compile_status_page;
use skopos_service::Agent;
use skopos_service::access::Principal;
use skopos_service::store::{Impact, Incident, IncidentStatus, IncidentUpdate};

type Agent_ = Arc<Agent>;
type Who = Principal;

pub fn routes(guard: &Guard) -> Vec<BoxedFilter<(Response,)>> {
    let body = || warp::body::stream().and_then(|chunks| read_limited(chunks, MAX_BODY_BYTES)).boxed();
    let page = || warp::path!("api" / "v1" / "status-pages" / String).map(|key: String| decode(&key)).boxed();
    let incident = || warp::path!("api" / "v1" / "incidents" / String).map(|key: String| decode(&key)).boxed();
    vec![
        warp::path!("api" / "v1" / "status-pages")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/status-pages"))
            .then(|agent: Agent_, _: Who| off_async(move || json(StatusCode::OK, &agent.store.status_pages.list()?)))
            .boxed(),
        warp::path!("api" / "v1" / "status-pages")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/status-pages"))
            .and(body())
            .then(|agent: Agent_, who: Who, body: Bytes| off_async(move || put_page(&agent, &who, None, &body)))
            .boxed(),
        page()
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/status-pages/{key}"))
            .then(|key: String, agent: Agent_, _: Who| {
                off_async(move || {
                    let stored =
                        agent.store.status_pages.get(&key)?.ok_or_else(|| ApiError::not_found("status page", &key))?;
                    json(StatusCode::OK, &stored)
                })
            })
            .boxed(),
        page()
            .and(warp::put())
            .and(guard.needs("PUT", "/api/v1/status-pages/{key}"))
            .and(body())
            .then(|key: String, agent: Agent_, who: Who, body: Bytes| {
                off_async(move || put_page(&agent, &who, Some(&key), &body))
            })
            .boxed(),
        page()
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/status-pages/{key}"))
            .then(|key: String, agent: Agent_, who: Who| off_async(move || delete_page(&agent, &who, &key)))
            .boxed(),
        warp::path!("api" / "v1" / "incidents")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/incidents"))
            .and(warp::query::<HashMap<String, String>>())
            .then(|agent: Agent_, _: Who, query: HashMap<String, String>| {
                off_async(move || list_incidents(&agent, &query))
            })
            .boxed(),
        warp::path!("api" / "v1" / "incidents")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/incidents"))
            .and(body())
            .then(|agent: Agent_, who: Who, body: Bytes| off_async(move || create_incident(&agent, &who, &body)))
            .boxed(),
        incident()
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/incidents/{id}"))
            .then(|id: String, agent: Agent_, _: Who| {
                off_async(move || {
                    let found = agent.store.incident(&id)?.ok_or_else(|| ApiError::not_found("incident", &id))?;
                    json(StatusCode::OK, &found)
                })
            })
            .boxed(),
        incident()
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/incidents/{id}"))
            .then(|id: String, agent: Agent_, who: Who| {
                off_async(move || {
                    let gone = agent.store.delete_incident(&id)?.ok_or_else(|| ApiError::not_found("incident", &id))?;
                    agent.audit(&who, "incident.delete", &gone.id, serde_json::to_value(&gone).ok(), None);
                    agent.store.flush()?;
                    no_content()
                })
            })
            .boxed(),
        warp::path!("api" / "v1" / "incidents" / String / "updates")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/incidents/{id}/updates"))
            .and(body())
            .then(|id: String, agent: Agent_, who: Who, body: Bytes| {
                off_async(move || add_update(&agent, &who, &decode(&id), &body))
            })
            .boxed(),
    ]
}

/// Creates (`key` none) or replaces a status page; its monitors must exist, its slug and
/// hosts must be its own.
fn put_page(agent: &Agent, who: &Principal, key: Option<&str>, body: &Bytes) -> Reply_ {
    agent.writable()?;
    let (document, page): (_, StatusPage) = read_body(body)?;
    compile_status_page(&document, &page).map_err(ApiError::invalid)?;
    let mut problems = Vec::new();
    for (index, group) in page.status_page.groups.iter().enumerate() {
        for (at, name) in group.monitors.iter().enumerate() {
            if agent.store.monitors.get(name)?.is_none() {
                let field = child_index(&child_key(&child_index("status_page.groups", index), "monitors"), at);
                problems.push(document.problem(&field, format!("no monitor `{name}`")));
            }
        }
    }
    let existing = replaced(&agent.store.status_pages, "status page", key, &page.name)?;
    for other in agent.store.status_pages.list()? {
        if existing.as_ref().is_some_and(|e| e.id == other.id) || other.spec.name == page.name {
            continue;
        }
        let theirs = &other.spec.status_page;
        if theirs.slug == page.status_page.slug {
            problems.push(document.problem("status_page.slug", format!("`{}` already has this slug", other.spec.name)));
        }
        for (index, host) in page.status_page.hosts.iter().enumerate() {
            if theirs.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
                let message = format!("`{}` is already served for `{host}`", other.spec.name);
                problems.push(document.problem(&child_index("status_page.hosts", index), message));
            }
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let stored = agent.store.status_pages.put(existing.as_ref().map(|e| e.id.as_str()), page)?;
    let (action, before) = match &existing {
        Some(existing) => ("status_page.update", spec_of(existing)),
        None => ("status_page.create", None),
    };
    agent.audit(who, action, &stored.spec.name, before, spec_of(&stored));
    agent.store.flush()?;
    json(if existing.is_some() { StatusCode::OK } else { StatusCode::CREATED }, &stored)
}

fn delete_page(agent: &Agent, who: &Principal, key: &str) -> Reply_ {
    agent.writable()?;
    let existing = agent.store.status_pages.get(key)?.ok_or_else(|| ApiError::not_found("status page", key))?;
    agent.store.status_pages.delete(&existing.id)?;
    agent.audit(who, "status_page.delete", &existing.spec.name, spec_of(&existing), None);
    agent.store.flush()?;
    no_content()
}

/// `?page=SLUG` (those shown there), `?open=true`, `?limit=N` (default 100).
fn list_incidents(agent: &Agent, query: &HashMap<String, String>) -> Reply_ {
    let limit = match query.get("limit") {
        Some(text) => text.parse().map_err(|_| ApiError::at_field(StatusCode::BAD_REQUEST, "limit", "a count"))?,
        None => 100,
    };
    let open_only = query.get("open").is_some_and(|v| v == "true");
    let shown = match query.get("page") {
        Some(slug) => {
            let view = agent.pages.get(agent, slug)?.ok_or_else(|| ApiError::not_found("status page", slug))?;
            Some((slug.clone(), view.names.keys().cloned().collect::<Vec<_>>()))
        }
        None => None,
    };
    let incidents = agent.store.incidents(limit, |incident| {
        let on_page = shown
            .as_ref()
            .is_none_or(|(slug, names)| incident.shows_on(slug, &names.iter().map(String::as_str).collect::<Vec<_>>()));
        on_page && (!open_only || incident.is_open())
    })?;
    json(StatusCode::OK, &incidents)
}

/// `POST /api/v1/incidents`: `{page, title, status?, impact?, message, monitors?}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewIncident {
    page: String,
    title: String,
    #[serde(default = "investigating")]
    status: IncidentStatus,
    #[serde(default = "minor")]
    impact: Impact,
    message: String,
    #[serde(default)]
    monitors: Vec<String>,
}

fn investigating() -> IncidentStatus {
    IncidentStatus::Investigating
}

fn minor() -> Impact {
    Impact::Minor
}

fn unprocessable(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::at_field(StatusCode::UNPROCESSABLE_ENTITY, field, message)
}

fn create_incident(agent: &Agent, who: &Principal, body: &Bytes) -> Reply_ {
    let new: NewIncident = read(body, "an incident: {page, title, message, status?, impact?, monitors?}")?;
    let page = agent.store.status_pages.list()?.into_iter().find(|p| p.spec.status_page.slug == new.page);
    let page = page.ok_or_else(|| unprocessable("page", format!("no status page with the slug `{}`", new.page)))?;
    if new.title.trim().is_empty() {
        return Err(unprocessable("title", "an incident needs a title"));
    }
    if new.message.trim().is_empty() {
        return Err(unprocessable("message", "say what is going on: an incident needs a `message`"));
    }
    for (index, name) in new.monitors.iter().enumerate() {
        if agent.store.monitors.get(name)?.is_none() {
            return Err(unprocessable(&format!("monitors[{index}]"), format!("no monitor `{name}`")));
        }
    }
    let first = IncidentUpdate { at: Utc::now(), status: new.status, message: new.message, by: Some(who.user.clone()) };
    let mut incident = Incident::new(new.title, new.impact, first);
    incident.page = Some(page.spec.status_page.slug);
    incident.monitors = new.monitors;
    agent.store.put_incident(&incident)?;
    agent.audit(who, "incident.create", &incident.id, None, serde_json::to_value(&incident).ok());
    agent.store.flush()?;
    json(StatusCode::CREATED, &incident)
}

/// `POST /api/v1/incidents/{id}/updates`: `{status, message}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUpdate {
    status: IncidentStatus,
    message: String,
}

fn add_update(agent: &Agent, who: &Principal, id: &str, body: &Bytes) -> Reply_ {
    let new: NewUpdate = read(body, "an update: {status: investigating|identified|monitoring|resolved, message}")?;
    if new.message.trim().is_empty() {
        return Err(unprocessable("message", "an update needs a `message`"));
    }
    let mut incident = agent.store.incident(id)?.ok_or_else(|| ApiError::not_found("incident", id))?;
    let before = serde_json::to_value(&incident).ok();
    incident.push(IncidentUpdate {
        at: Utc::now(),
        status: new.status,
        message: new.message,
        by: Some(who.user.clone()),
    });
    if !incident.is_open() && incident.page.is_none() {
        // Resolved by hand: the monitor's next trouble opens a new one.
        for monitor in &incident.monitors {
            if agent.store.open_incident_of(monitor)?.is_some_and(|open| open.id == incident.id) {
                agent.store.set_open_incident_of(monitor, None)?;
            }
        }
    }
    agent.store.put_incident(&incident)?;
    agent.audit(who, "incident.update", &incident.id, before, serde_json::to_value(&incident).ok());
    agent.store.flush()?;
    json(StatusCode::OK, &incident)
}
