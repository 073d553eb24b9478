//! The agent's JSON API under `/api/v1` (warp), and `/healthz`. Every route but the public
//! ones is guarded ([`guard`]) by the permission [`rules::ROUTES`] gives it. Collections and
//! monitors are addressed by id or by name.

mod accounts;
mod badges;
pub mod console;
mod dashboard;
mod error;
mod etag;
mod guard;
mod handlers;
mod operations;
mod public;
mod regions;
mod reports;
pub mod rules;
mod sessions;
mod sso;
mod status;
mod status_pages;

pub use error::ApiError;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use guard::{Forbidden, Guard, MissingCsrf, TooMany, Unauthorized};
use skopos_service::Agent;
use skopos_service::access::Principal;

/// The API described for people and tools, served without a token at `/api/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Largest request body accepted.
const MAX_BODY_BYTES: u64 = 1 << 20;
/// Largest batch of runs a follower may send at once.
const MAX_RUNS_BODY_BYTES: u64 = 64 << 20;

#[derive(Debug)]
struct TooLarge(u64);
impl warp::reject::Reject for TooLarge {}

#[derive(Debug)]
struct UnreadableBody;
impl warp::reject::Reject for UnreadableBody {}

/// Runs a handler on tokio's blocking pool: handlers read and write the store, and a write
/// waits for sled's flush (an fsync), which must not hold an async worker.
async fn off_async<F>(handler: F) -> Response
where
    F: FnOnce() -> handlers::Reply_ + Send + 'static,
{
    match tokio::task::spawn_blocking(handler).await {
        Ok(reply) => respond(reply),
        Err(_) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the request was cancelled").into_response(),
    }
}

/// A request body of at most `limit` bytes, with or without `Content-Length` (chunked
/// bodies too), read no further than the limit.
async fn read_limited<S, B>(mut chunks: S, limit: u64) -> Result<Bytes, Rejection>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>> + Unpin,
    B: bytes::Buf,
{
    use futures_util::StreamExt;
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| warp::reject::custom(UnreadableBody))?;
        if body.len() + chunk.remaining() > limit as usize {
            return Err(warp::reject::custom(TooLarge(limit)));
        }
        bytes::BufMut::put(&mut body, chunk);
    }
    Ok(body.freeze())
}

/// Every route, ready for `warp::serve` (or `warp::test` in tests).
///
/// Each route is boxed before they are joined: a long chain of warp's `or` makes a type
/// deep enough to take the compiler many minutes.
pub fn routes(agent: Arc<Agent>) -> BoxedFilter<(Response,)> {
    let guard = Guard::new(agent.clone());
    let with_agent = warp::any().map(move || agent.clone()).boxed();
    let body = || warp::body::stream().and_then(|chunks| read_limited(chunks, MAX_BODY_BYTES)).boxed();
    let collection = || warp::path!("api" / "v1" / "collections" / String).map(|key: String| decode(&key)).boxed();
    let monitor = || warp::path!("api" / "v1" / "monitors" / String).map(|key: String| decode(&key)).boxed();
    type Agent_ = Arc<Agent>;
    type Who = Principal;

    // A page's own host gets the page at `/`, before the console.
    let mut routes: Vec<BoxedFilter<(Response,)>> = public::routes(&with_agent);
    routes.extend([
        crate::console::routes(),
        warp::path!("healthz")
            .and(warp::get())
            .map(|| warp::reply::json(&serde_json::json!({"status": "ok"})).into_response())
            .boxed(),
        warp::path!("metrics")
            .and(warp::get())
            .and(guard.needs("GET", "/metrics"))
            .map(|agent: Agent_, _: Who| {
                let text = agent.telemetry.as_ref().and_then(|t| t.prometheus_text()).unwrap_or_default();
                warp::reply::with_header(text, "content-type", "text/plain; version=0.0.4").into_response()
            })
            .boxed(),
        warp::path!("api" / "v1" / "openapi.json")
            .and(warp::get())
            .map(|| warp::reply::with_header(OPENAPI, "content-type", "application/json").into_response())
            .boxed(),
        warp::path!("api" / "v1" / "schema" / String)
            .and(warp::get())
            .map(|file: String| {
                let schema = match file.as_str() {
                    "collection.json" => skopos_core::schema::collection(),
                    "monitor.json" => skopos_core::schema::monitor(),
                    "window.json" => skopos_core::schema::window(),
                    _ => return ApiError::new(StatusCode::NOT_FOUND, "no such schema").into_response(),
                };
                warp::reply::with_header(warp::reply::json(&schema), "cache-control", "no-cache").into_response()
            })
            .boxed(),
        warp::path!("api" / "v1" / "collections")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/collections"))
            .then(|agent: Agent_, _: Who| off_async(move || handlers::list_collections(&agent)))
            .boxed(),
        warp::path!("api" / "v1" / "collections")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/collections"))
            .and(body())
            .then(|agent: Agent_, who: Who, body: Bytes| {
                off_async(move || handlers::create_collection(&agent, &who, &body))
            })
            .boxed(),
        collection()
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/collections/{key}"))
            .then(|key: String, agent: Agent_, _: Who| off_async(move || handlers::get_collection(&agent, &key)))
            .boxed(),
        collection()
            .and(warp::put())
            .and(guard.needs("PUT", "/api/v1/collections/{key}"))
            .and(body())
            .then(|key: String, agent: Agent_, who: Who, body: Bytes| {
                off_async(move || handlers::put_collection(&agent, &who, &key, &body))
            })
            .boxed(),
        collection()
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/collections/{key}"))
            .then(|key: String, agent: Agent_, who: Who| {
                off_async(move || handlers::delete_collection(&agent, &who, &key))
            })
            .boxed(),
        warp::path!("api" / "v1" / "collections" / String / "run")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/collections/{key}/run"))
            .and(warp::query::<HashMap<String, String>>())
            .and_then(|key: String, agent: Agent_, _: Who, query: HashMap<String, String>| async move {
                let key = decode(&key);
                let reply = match query.get("stream").map(String::as_str) {
                    Some("true" | "1") => handlers::run_collection_streamed(agent, key),
                    _ => handlers::run_collection(agent, key).await,
                };
                Ok::<_, Infallible>(respond(reply))
            })
            .boxed(),
        warp::path!("api" / "v1" / "monitors")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/monitors"))
            .then(|agent: Agent_, _: Who| off_async(move || status::list_monitors(&agent)))
            .boxed(),
        warp::path!("api" / "v1" / "monitors")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/monitors"))
            .and(body())
            .and(warp::header::optional::<String>("host"))
            .then(|agent: Agent_, who: Who, body: Bytes, host: Option<String>| {
                off_async(move || handlers::create_monitor(&agent, &who, &body, host.as_deref()))
            })
            .boxed(),
        monitor()
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/monitors/{key}"))
            .then(|key: String, agent: Agent_, _: Who| off_async(move || handlers::get_monitor(&agent, &key)))
            .boxed(),
        monitor()
            .and(warp::put())
            .and(guard.needs("PUT", "/api/v1/monitors/{key}"))
            .and(body())
            .and(warp::header::optional::<String>("host"))
            .then(|key: String, agent: Agent_, who: Who, body: Bytes, host: Option<String>| {
                off_async(move || handlers::put_monitor(&agent, &who, &key, &body, host.as_deref()))
            })
            .boxed(),
        monitor()
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/monitors/{key}"))
            .then(|key: String, agent: Agent_, who: Who| {
                off_async(move || handlers::delete_monitor(&agent, &who, &key))
            })
            .boxed(),
        warp::path!("api" / "v1" / "monitors" / String / "status")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/monitors/{key}/status"))
            .then(|key: String, agent: Agent_, _: Who| off_async(move || status::monitor_status(&agent, &decode(&key))))
            .boxed(),
        warp::path!("api" / "v1" / "schedule" / "preview")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/schedule/preview"))
            .and(body())
            .and(warp::query::<HashMap<String, String>>())
            .then(|_: Agent_, _: Who, body: Bytes, params: HashMap<String, String>| {
                off_async(move || handlers::preview_schedule(&body, &params))
            })
            .boxed(),
        warp::path!("api" / "v1" / "runs")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/runs"))
            .and(warp::query::<HashMap<String, String>>())
            .then(|agent: Agent_, _: Who, params: HashMap<String, String>| {
                off_async(move || handlers::list_runs(&agent, &params))
            })
            .boxed(),
        warp::path!("api" / "v1" / "runs" / String)
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/runs/{id}"))
            .then(|id: String, agent: Agent_, _: Who| off_async(move || handlers::get_run(&agent, &id)))
            .boxed(),
        warp::path!("api" / "v1" / "notifications")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/notifications"))
            .and(warp::query::<HashMap<String, String>>())
            .then(|agent: Agent_, _: Who, params: HashMap<String, String>| {
                off_async(move || handlers::list_notifications(&agent, &params))
            })
            .boxed(),
        warp::path!("api" / "v1" / "audit")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/audit"))
            .and(warp::query::<HashMap<String, String>>())
            .then(|agent: Agent_, _: Who, params: HashMap<String, String>| {
                off_async(move || handlers::list_audit(&agent, &params))
            })
            .boxed(),
        warp::path!("api" / "v1" / "plugins")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/plugins"))
            .then(|agent: Agent_, _: Who| off_async(move || handlers::list_plugins(&agent)))
            .boxed(),
        warp::path!("api" / "v1" / "plugins" / String / "files")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/plugins/{key}/files"))
            .then(|name: String, agent: Agent_, _: Who| {
                off_async(move || regions::plugin_files(&agent, &decode(&name)))
            })
            .boxed(),
        warp::path!("api" / "v1" / "definitions")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/definitions"))
            .and(warp::header::optional::<String>("if-none-match"))
            .then(|agent: Agent_, _: Who, etag: Option<String>| {
                off_async(move || regions::definitions(&agent, etag.as_deref()))
            })
            .boxed(),
        warp::path!("api" / "v1" / "regions")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/regions"))
            .then(|agent: Agent_, _: Who| off_async(move || regions::matrix(&agent)))
            .boxed(),
        warp::path!("api" / "v1" / "regions" / String / "runs")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/regions/{region}/runs"))
            .and(warp::body::stream().and_then(|chunks| read_limited(chunks, MAX_RUNS_BODY_BYTES)))
            .then(|region: String, agent: Agent_, who: Who, body: Bytes| {
                off_async(move || regions::receive_runs(&agent, &who, &decode(&region), &body))
            })
            .boxed(),
    ]);
    routes.extend(accounts::routes(&guard, &with_agent));
    routes.extend(sessions::routes(&guard, &with_agent));
    routes.extend(sso::routes(&with_agent));
    routes.extend(operations::routes(&guard, &with_agent));
    routes.extend(status_pages::routes(&guard));
    routes.extend(badges::routes(&guard, &with_agent));
    routes.push(
        warp::path!("api" / "v1" / "dashboard")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/dashboard"))
            .then(|agent: Agent_, _: Who| off_async(move || dashboard::dashboard(&agent)))
            .boxed(),
    );
    routes.push(
        warp::path!("api" / "v1" / "reports" / "uptime")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/reports/uptime"))
            .and(warp::query::<HashMap<String, String>>())
            .and(warp::header::optional::<String>("accept"))
            .then(|agent: Agent_, _: Who, query: HashMap<String, String>, accept: Option<String>| {
                off_async(move || reports::uptime(&agent, &query, accept.as_deref()))
            })
            .boxed(),
    );
    let joined = routes.into_iter().reduce(|all, route| all.or(route).unify().boxed()).expect("there are routes");
    joined.recover(rejection).unify().boxed()
}

fn respond(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(ApiError::into_response)
}

/// Path segments arrive percent-encoded (`checkout%20flow`).
fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

async fn rejection(rejection: Rejection) -> Result<Response, Infallible> {
    let (status, message) = if rejection.find::<Unauthorized>().is_some() {
        (StatusCode::UNAUTHORIZED, "a bearer token is required (Authorization: Bearer $SKOPOS_TOKEN)".to_string())
    } else if let Some(Forbidden { role, permission }) = rejection.find::<Forbidden>() {
        return Ok(ApiError::forbidden(*role, *permission).into_response());
    } else if let Some(TooMany(wait)) = rejection.find::<TooMany>() {
        return Ok(ApiError::too_many(*wait, "too many requests with a wrong token from this address").into_response());
    } else if rejection.find::<MissingCsrf>().is_some() {
        let message = "a signed-in browser must send the session's X-CSRF-Token to change anything";
        (StatusCode::FORBIDDEN, message.to_string())
    } else if let Some(TooLarge(limit)) = rejection.find::<TooLarge>() {
        (StatusCode::PAYLOAD_TOO_LARGE, format!("request bodies are limited to {limit} bytes"))
    } else if rejection.find::<UnreadableBody>().is_some() {
        (StatusCode::BAD_REQUEST, "the request body could not be read".to_string())
    } else if rejection.is_not_found() {
        (StatusCode::NOT_FOUND, "no such route".to_string())
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (StatusCode::METHOD_NOT_ALLOWED, "method not allowed here".to_string())
    } else {
        (StatusCode::BAD_REQUEST, format!("bad request: {rejection:?}"))
    };
    Ok(ApiError::new(status, message).into_response())
}

#[cfg(test)]
mod access_tests;
#[cfg(test)]
mod tests;
