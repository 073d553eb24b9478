//! The bootstrap token, named API tokens, and people's accounts: the routes under
//! `/api/v1/token`, `/tokens`, `/users` and `/invites`.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;

use super::error::{ApiError, conflict};
use super::guard::Guard;
use super::handlers::{Reply_, json, no_content, read};
use super::{MAX_BODY_BYTES, decode, off_async, read_limited};
use skopos_service::Agent;
use skopos_service::access::{NewToken, Principal, Role};
use skopos_service::store::{AuditRecord, TokenRecord};
use skopos_service::token::RotateError;

type Agent_ = Arc<Agent>;
type Who = Principal;

pub fn routes(guard: &Guard, with_agent: &BoxedFilter<(Agent_,)>) -> Vec<BoxedFilter<(Response,)>> {
    let body = || warp::body::stream().and_then(|chunks| read_limited(chunks, MAX_BODY_BYTES)).boxed();
    vec![
        warp::path!("api" / "v1" / "invites" / String)
            .and(warp::post())
            .and(with_agent.clone())
            .and(warp::addr::remote())
            .and(body())
            .then(|code: String, agent: Agent_, remote: Option<SocketAddr>, body: Bytes| {
                off_async(move || accept_invite(&agent, &decode(&code), &body, remote))
            })
            .boxed(),
        warp::path!("api" / "v1" / "token")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/token"))
            .then(|agent: Agent_, who: Who| off_async(move || rotate_bootstrap(&agent, &who)))
            .boxed(),
        warp::path!("api" / "v1" / "tokens")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/tokens"))
            .then(|agent: Agent_, who: Who| off_async(move || list_tokens(&agent, &who)))
            .boxed(),
        warp::path!("api" / "v1" / "tokens")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/tokens"))
            .and(body())
            .then(|agent: Agent_, who: Who, body: Bytes| off_async(move || create_token(&agent, &who, &body)))
            .boxed(),
        warp::path!("api" / "v1" / "tokens" / String)
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/tokens/{id}"))
            .then(|id: String, agent: Agent_, who: Who| {
                off_async(move || {
                    let revoked = agent.access.revoke_token(&who, &decode(&id))?;
                    agent.audit(&who, "token.revoke", &format!("{} ({})", revoked.name, revoked.id), None, None);
                    no_content()
                })
            })
            .boxed(),
        warp::path!("api" / "v1" / "users")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/users"))
            .then(|agent: Agent_, _: Who| {
                off_async(move || json(StatusCode::OK, &serde_json::json!({ "users": agent.access.users() })))
            })
            .boxed(),
        warp::path!("api" / "v1" / "users")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/users"))
            .and(body())
            .then(|agent: Agent_, who: Who, body: Bytes| off_async(move || add_user(&agent, &who, &body)))
            .boxed(),
        warp::path!("api" / "v1" / "users" / String)
            .and(warp::patch())
            .and(guard.needs("PATCH", "/api/v1/users/{name}"))
            .and(body())
            .then(|name: String, agent: Agent_, who: Who, body: Bytes| {
                off_async(move || update_user(&agent, &who, &decode(&name), &body))
            })
            .boxed(),
        warp::path!("api" / "v1" / "users" / String)
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/users/{name}"))
            .then(|name: String, agent: Agent_, who: Who| {
                off_async(move || {
                    let name = decode(&name);
                    let before = agent.access.user_view(&name).and_then(|user| serde_json::to_value(user).ok());
                    agent.access.remove_user(&name)?;
                    agent.audit(&who, "user.remove", &name, before, None);
                    no_content()
                })
            })
            .boxed(),
        warp::path!("api" / "v1" / "users" / String / "invite")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/users/{name}/invite"))
            .then(|name: String, agent: Agent_, who: Who| {
                off_async(move || {
                    let name = decode(&name);
                    let code = agent.access.invite(&name)?;
                    agent.audit(&who, "user.invite", &name, None, None);
                    json(StatusCode::OK, &Invited { user: name, invite: invite_link(&code), code })
                })
            })
            .boxed(),
    ]
}

/// The path of the console page that sets a password with a one-time code (the CLI puts the
/// agent's address in front).
fn invite_link(code: &str) -> String {
    format!("/#/invite/{code}")
}

#[derive(Serialize)]
struct Invited {
    user: String,
    /// The console path that sets the password: shown once.
    invite: String,
    code: String,
}

/// `POST /api/v1/token`: a new bootstrap token, shown once; the old one stops working.
fn rotate_bootstrap(agent: &Agent, who: &Principal) -> Reply_ {
    let token = agent.access.rotate_bootstrap().map_err(|error| match error {
        RotateError::FromEnvironment => conflict(error.to_string()),
        RotateError::Store(error) => error.into(),
    })?;
    agent.audit(who, "token.rotate_bootstrap", "", None, None);
    json(StatusCode::OK, &serde_json::json!({ "token": token }))
}

/// A token as listed: everything but its hash.
#[derive(Serialize)]
struct TokenView<'a> {
    id: &'a str,
    name: &'a str,
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    owner: &'a str,
    created_at: chrono::DateTime<chrono::Utc>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl<'a> From<&'a TokenRecord> for TokenView<'a> {
    fn from(token: &'a TokenRecord) -> TokenView<'a> {
        TokenView {
            id: &token.id,
            name: &token.name,
            role: token.role,
            region: token.region.as_deref(),
            owner: &token.owner,
            created_at: token.created_at,
            expires_at: token.expires_at,
            last_used_at: token.last_used_at,
        }
    }
}

fn list_tokens(agent: &Agent, who: &Principal) -> Reply_ {
    let tokens = agent.access.tokens(who);
    json(StatusCode::OK, &serde_json::json!({ "tokens": tokens.iter().map(TokenView::from).collect::<Vec<_>>() }))
}

/// `POST /api/v1/tokens` with `{name, role, expires_in?, region?}`: the token, shown once.
fn create_token(agent: &Agent, who: &Principal, body: &Bytes) -> Reply_ {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Create {
        name: String,
        role: Role,
        /// `90d`, `12h`, `30m`...
        #[serde(default)]
        expires_in: Option<String>,
        #[serde(default)]
        region: Option<String>,
    }
    let create: Create = read(body, r#"{"name", "role", "expires_in"?: "90d", "region"?}"#)?;
    let expires_in = match create.expires_in.as_deref().map(str::trim) {
        Some(text) => Some(humantime::parse_duration(text).map_err(|e| {
            ApiError::at_field(StatusCode::UNPROCESSABLE_ENTITY, "expires_in", format!("`{text}`: {e} (e.g. 90d, 12h)"))
        })?),
        None => None,
    };
    let new = NewToken { name: create.name, role: create.role, region: create.region, expires_in };
    let (record, secret) = agent.access.create_token(who, new)?;
    let made = serde_json::to_value(TokenView::from(&record)).ok();
    agent.audit(who, "token.create", &format!("{} ({})", record.name, record.id), None, made);
    let mut view = serde_json::to_value(TokenView::from(&record)).unwrap_or_default();
    view["token"] = serde_json::Value::String(secret);
    json(StatusCode::CREATED, &view)
}

/// `POST /api/v1/users` with `{name, role}`: the account, and the one-time link that sets its
/// password.
fn add_user(agent: &Agent, who: &Principal, body: &Bytes) -> Reply_ {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Add {
        name: String,
        role: Role,
    }
    let add: Add = read(body, r#"{"name", "role"}"#)?;
    let (user, code) = agent.access.add_user(add.name.trim(), add.role)?;
    agent.audit(who, "user.add", &user.name, None, serde_json::to_value(&user).ok());
    json(StatusCode::CREATED, &serde_json::json!({ "user": user, "invite": invite_link(&code), "code": code }))
}

/// `PATCH /api/v1/users/{name}` with `{role?, disabled?}`.
fn update_user(agent: &Agent, who: &Principal, name: &str, body: &Bytes) -> Reply_ {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Update {
        #[serde(default)]
        role: Option<Role>,
        #[serde(default)]
        disabled: Option<bool>,
    }
    let update: Update = read(body, r#"{"role"?, "disabled"?}"#)?;
    let before = agent.access.user_view(name).and_then(|user| serde_json::to_value(user).ok());
    let after = agent.access.update_user(name, update.role, update.disabled)?;
    let action = match (update.disabled, after.disabled) {
        (Some(true), _) => "user.disable",
        (Some(false), _) => "user.enable",
        _ => "user.update",
    };
    agent.audit(who, action, name, before, serde_json::to_value(&after).ok());
    json(StatusCode::OK, &after)
}

/// `POST /api/v1/invites/{code}` with `{password}`: sets the password of the account the
/// one-time code was made for.
fn accept_invite(agent: &Agent, code: &str, body: &Bytes, remote: Option<SocketAddr>) -> Reply_ {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Accept {
        password: String,
    }
    let accept: Accept = read(body, r#"{"password"}"#)?;
    let user = agent.access.accept_invite(code, &accept.password)?;
    let from = remote.map(|address| address.ip().to_string());
    agent.audit_record(AuditRecord::new(&user, "one-time link", "user.set_password", &user, from));
    json(StatusCode::OK, &serde_json::json!({ "user": user }))
}
