//! The agent's JSON API under `/api/v1` (warp), behind a bearer token, and `/healthz`.
//! Collections and monitors are addressed by id or by name.

mod agent;
mod auth;
mod error;
mod handlers;

pub use agent::Agent;
pub use auth::Token;
pub use error::ApiError;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

/// Largest request body accepted.
const MAX_BODY_BYTES: u64 = 1 << 20;

#[derive(Debug)]
struct Unauthorized;
impl warp::reject::Reject for Unauthorized {}

/// Every route, ready for `warp::serve` (or `warp::test` in tests).
pub fn routes(agent: Arc<Agent>) -> BoxedFilter<(Response,)> {
    let with_agent = warp::any().map(move || agent.clone());
    let authorized = with_agent.clone().and(warp::header::optional::<String>("authorization")).and_then(
        |agent: Arc<Agent>, header: Option<String>| async move {
            if agent.token.accepts(header.as_deref()) { Ok(agent) } else { Err(warp::reject::custom(Unauthorized)) }
        },
    );
    let body = warp::body::content_length_limit(MAX_BODY_BYTES).and(warp::body::bytes());

    let healthz = warp::path!("healthz")
        .and(warp::get())
        .map(|| warp::reply::json(&serde_json::json!({"status": "ok"})).into_response());

    let collections = warp::path!("api" / "v1" / "collections");
    let collection = warp::path!("api" / "v1" / "collections" / String);
    let monitors = warp::path!("api" / "v1" / "monitors");
    let monitor = warp::path!("api" / "v1" / "monitors" / String);
    let a = authorized.clone();

    let routes = collections
        .and(warp::get())
        .and(a.clone())
        .map(|agent: Arc<Agent>| respond(handlers::list_collections(&agent)))
        .or(collections
            .and(warp::post())
            .and(a.clone())
            .and(body)
            .map(|agent: Arc<Agent>, body: Bytes| respond(handlers::create_collection(&agent, &body))))
        .unify()
        .or(collection
            .and(warp::get())
            .and(a.clone())
            .map(|key: String, agent: Arc<Agent>| respond(handlers::get_collection(&agent, &decode(&key)))))
        .unify()
        .or(collection.and(warp::put()).and(a.clone()).and(body).map(|key: String, agent: Arc<Agent>, body: Bytes| {
            respond(handlers::put_collection(&agent, &decode(&key), &body))
        }))
        .unify()
        .or(collection
            .and(warp::delete())
            .and(a.clone())
            .map(|key: String, agent: Arc<Agent>| respond(handlers::delete_collection(&agent, &decode(&key)))))
        .unify()
        .or(warp::path!("api" / "v1" / "collections" / String / "run").and(warp::post()).and(a.clone()).and_then(
            |key: String, agent: Arc<Agent>| async move {
                Ok::<_, Infallible>(respond(handlers::run_collection(agent, decode(&key)).await))
            },
        ))
        .unify()
        .or(monitors.and(warp::get()).and(a.clone()).map(|agent: Arc<Agent>| respond(handlers::list_monitors(&agent))))
        .unify()
        .or(monitors
            .and(warp::post())
            .and(a.clone())
            .and(body)
            .map(|agent: Arc<Agent>, body: Bytes| respond(handlers::create_monitor(&agent, &body))))
        .unify()
        .or(monitor
            .and(warp::get())
            .and(a.clone())
            .map(|key: String, agent: Arc<Agent>| respond(handlers::get_monitor(&agent, &decode(&key)))))
        .unify()
        .or(monitor.and(warp::put()).and(a.clone()).and(body).map(|key: String, agent: Arc<Agent>, body: Bytes| {
            respond(handlers::put_monitor(&agent, &decode(&key), &body))
        }))
        .unify()
        .or(monitor
            .and(warp::delete())
            .and(a.clone())
            .map(|key: String, agent: Arc<Agent>| respond(handlers::delete_monitor(&agent, &decode(&key)))))
        .unify()
        .or(warp::path!("api" / "v1" / "monitors" / String / "status")
            .and(warp::get())
            .and(a.clone())
            .map(|key: String, agent: Arc<Agent>| respond(handlers::monitor_status(&agent, &decode(&key)))))
        .unify()
        .or(warp::path!("api" / "v1" / "runs")
            .and(warp::get())
            .and(a.clone())
            .and(warp::query::<HashMap<String, String>>())
            .map(|agent: Arc<Agent>, params: HashMap<String, String>| respond(handlers::list_runs(&agent, &params))))
        .unify()
        .or(warp::path!("api" / "v1" / "runs" / String)
            .and(warp::get())
            .and(a)
            .map(|id: String, agent: Arc<Agent>| respond(handlers::get_run(&agent, &id))))
        .unify();
    healthz.or(routes).unify().recover(rejection).unify().boxed()
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
    } else if rejection.is_not_found() {
        (StatusCode::NOT_FOUND, "no such route".to_string())
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (StatusCode::METHOD_NOT_ALLOWED, "method not allowed here".to_string())
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        (StatusCode::PAYLOAD_TOO_LARGE, format!("request bodies are limited to {MAX_BODY_BYTES} bytes"))
    } else {
        (StatusCode::BAD_REQUEST, format!("bad request: {rejection:?}"))
    };
    Ok(ApiError::new(status, message).into_response())
}
