//! SVG badges in the shields.io look (the `shields` crate measures text as shields.io does):
//! `/badge/{monitor}/status.svg`, `uptime.svg?window=24h|7d|30d|90d` and `latency.svg`.
//! Public when the monitor has `badge: public` or is on a status page; otherwise they need
//! a token that may read results, like the API.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use shields::{BadgeParams, BadgeStyle, render_badge_svg};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

use super::error::ApiError;
use super::guard::Guard;
use super::status::health_now;
use super::{decode, off_async};
use skopos_service::Agent;
use skopos_service::access::Principal;
use skopos_service::status_page::{collection_ids, is_public};
use skopos_service::store::uptime_over;

type Agent_ = Arc<Agent>;

fn uptime_color(share: f64) -> &'static str {
    match share * 100.0 {
        p if p >= 99.9 => "brightgreen",
        p if p >= 99.0 => "green",
        p if p >= 97.0 => "yellowgreen",
        p if p >= 95.0 => "yellow",
        p if p >= 90.0 => "orange",
        _ => "red",
    }
}

/// The badge's label, message and colour.
fn badge_text(
    agent: &Agent,
    key: &str,
    file: &str,
    window: Option<&str>,
) -> Result<(String, String, &'static str), ApiError> {
    let stored = agent.store.monitors.get(key)?.ok_or_else(|| ApiError::not_found("monitor", key))?;
    let now = Utc::now();
    let name = stored.spec.shown_name().to_string();
    let ids = collection_ids(&agent.store, &stored)?;
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    match file {
        "status.svg" => {
            let (words, color) = match health_now(agent, &stored)? {
                "down" => ("down", "red"),
                "degraded" => ("degraded", "yellow"),
                "maintenance" => ("maintenance", "blueviolet"),
                "paused" => ("paused", "lightgrey"),
                _ => ("up", "brightgreen"),
            };
            Ok((name, words.into(), color))
        }
        "uptime.svg" => {
            let window = window.unwrap_or("24h");
            let uptime = match window {
                "24h" => agent.store.recent(&ids, now, 24)?.uptime,
                "7d" => agent.store.recent(&ids, now, 24 * 7)?.uptime,
                "30d" => uptime_over(&agent.store.day_bars(&ids, now, 30)?),
                "90d" => uptime_over(&agent.store.day_bars(&ids, now, 90)?),
                other => {
                    let message = format!("`window` is 24h, 7d, 30d or 90d, not `{other}`");
                    return Err(ApiError::at_field(StatusCode::BAD_REQUEST, "window", message));
                }
            };
            let label = format!("uptime {window}");
            Ok(match uptime {
                Some(share) => (label, format!("{:.2}%", (share * 10_000.0).floor() / 100.0), uptime_color(share)),
                None => (label, "no data".into(), "lightgrey"),
            })
        }
        "latency.svg" => Ok(match agent.store.recent(&ids, now, 24)?.mean_ms {
            Some(ms) => ("latency 24h".into(), format!("{ms:.0} ms"), "blue"),
            None => ("latency 24h".into(), "no data".into(), "lightgrey"),
        }),
        other => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no badge `{other}`: status.svg, uptime.svg or latency.svg"),
        )),
    }
}

fn badge(
    agent: &Agent,
    key: &str,
    file: &str,
    query: &HashMap<String, String>,
    public: bool,
    etag: Option<&str>,
) -> Response {
    let (label, message, color) = match badge_text(agent, key, file, query.get("window").map(String::as_str)) {
        Ok(text) => text,
        Err(error) => return error.into_response(),
    };
    let svg = render_badge_svg(&BadgeParams {
        style: BadgeStyle::Flat,
        label: Some(&label),
        message: Some(&message),
        label_color: None,
        message_color: Some(color),
        link: None,
        extra_link: None,
        logo: None,
        logo_color: None,
    });
    let tag = crate::etag::of(svg.as_bytes());
    let mut reply = crate::etag::reply(svg.into(), &tag, etag);
    let headers = reply.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml; charset=utf-8"));
    let cache = if public { "public, max-age=60" } else { "private, max-age=60" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    reply
}

pub fn routes(guard: &Guard, with_agent: &BoxedFilter<(Agent_,)>) -> Vec<BoxedFilter<(Response,)>> {
    let path = || warp::path!("badge" / String / String).and(warp::get()).boxed();
    let query = || warp::query::<HashMap<String, String>>().boxed();
    let etag = || warp::header::optional::<String>("if-none-match").boxed();
    // A public monitor's badge, to anyone; otherwise this route steps aside for the guarded one.
    let public = path()
        .and(with_agent.clone())
        .and_then(|key: String, file: String, agent: Agent_| async move {
            let key = decode(&key);
            let check = agent.clone();
            let name = key.clone();
            let public = tokio::task::spawn_blocking(move || {
                check.store.monitors.get(&name).ok().flatten().is_some_and(|m| is_public(&check.store, &m).unwrap_or(false))
            });
            match public.await {
                Ok(true) => Ok((key, file, agent)),
                _ => Err(warp::reject::not_found()),
            }
        })
        .untuple_one()
        .and(query())
        .and(etag())
        .then(|key: String, file: String, agent: Agent_, query: HashMap<String, String>, etag: Option<String>| async move {
            tokio::task::spawn_blocking(move || badge(&agent, &key, &file, &query, true, etag.as_deref()))
                .await
                .unwrap_or_else(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "cancelled").into_response())
        })
        .boxed();
    let guarded = path()
        .and(guard.needs("GET", "/badge/{monitor}/{file}"))
        .and(query())
        .and(etag())
        .then(
            |key: String,
             file: String,
             agent: Agent_,
             _: Principal,
             query: HashMap<String, String>,
             etag: Option<String>| {
                off_async(move || Ok(badge(&agent, &decode(&key), &file, &query, false, etag.as_deref())))
            },
        )
        .boxed();
    vec![public, guarded]
}
