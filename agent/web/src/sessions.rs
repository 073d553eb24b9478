//! Signing in and out (a password, with a second factor when set up, or the bootstrap
//! token), a person's own second factor, and the live sessions: the routes under
//! `/api/v1/session`, `/account/totp` and `/sessions`.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use serde::Deserialize;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;

use super::error::ApiError;
use super::guard::Guard;
use super::handlers::{Reply_, json, no_content, read};
use super::{MAX_BODY_BYTES, decode, off_async, read_limited};
use skopos_service::Agent;
use skopos_service::access::{AccessError, Permission, Principal, Role, Via};
use skopos_service::sessions as session;
use skopos_service::store::AuditRecord;

type Agent_ = Arc<Agent>;
type Who = Principal;

pub fn routes(guard: &Guard, with_agent: &BoxedFilter<(Agent_,)>) -> Vec<BoxedFilter<(Response,)>> {
    let body = || warp::body::stream().and_then(|chunks| read_limited(chunks, MAX_BODY_BYTES)).boxed();
    let cookie = || warp::cookie::optional::<String>(session::COOKIE).boxed();
    vec![
        warp::path!("api" / "v1" / "session")
            .and(warp::post())
            .and(with_agent.clone())
            .and(warp::header::optional::<String>("x-forwarded-proto"))
            .and(warp::addr::remote())
            .and(body())
            .then(|agent: Agent_, proto: Option<String>, remote: Option<SocketAddr>, body: Bytes| {
                off_async(move || sign_in(&agent, &body, proto.as_deref() == Some("https"), remote))
            })
            .boxed(),
        warp::path!("api" / "v1" / "session")
            .and(warp::get())
            .and(with_agent.clone())
            .and(cookie())
            .then(|agent: Agent_, cookie: Option<String>| off_async(move || session(&agent, cookie.as_deref())))
            .boxed(),
        warp::path!("api" / "v1" / "session")
            .and(warp::delete())
            .and(with_agent.clone())
            .and(cookie())
            .then(|agent: Agent_, cookie: Option<String>| off_async(move || sign_out(&agent, cookie.as_deref())))
            .boxed(),
        warp::path!("api" / "v1" / "account" / "totp")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/account/totp"))
            .then(|agent: Agent_, who: Who| {
                off_async(move || json(StatusCode::OK, &agent.access.start_totp(in_browser(&who)?)?))
            })
            .boxed(),
        warp::path!("api" / "v1" / "account" / "totp" / "confirm")
            .and(warp::post())
            .and(guard.needs("POST", "/api/v1/account/totp/confirm"))
            .and(body())
            .then(|agent: Agent_, who: Who, body: Bytes| {
                off_async(move || {
                    let code: Code = read(&body, r#"{"code"}"#)?;
                    let recovery = agent.access.confirm_totp(in_browser(&who)?, &code.code)?;
                    agent.audit(&who, "user.totp_on", &who.user, None, None);
                    json(StatusCode::OK, &serde_json::json!({ "recovery_codes": recovery }))
                })
            })
            .boxed(),
        warp::path!("api" / "v1" / "account" / "totp")
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/account/totp"))
            .and(body())
            .then(|agent: Agent_, who: Who, body: Bytes| {
                off_async(move || {
                    let code: Code = read(&body, r#"{"code"}"#)?;
                    agent.access.disable_totp(in_browser(&who)?, &code.code)?;
                    agent.audit(&who, "user.totp_off", &who.user, None, None);
                    no_content()
                })
            })
            .boxed(),
        warp::path!("api" / "v1" / "users" / String / "totp")
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/users/{name}/totp"))
            .then(|name: String, agent: Agent_, who: Who| {
                off_async(move || {
                    let name = decode(&name);
                    agent.access.reset_totp(&name)?;
                    agent.audit(&who, "user.totp_reset", &name, None, None);
                    no_content()
                })
            })
            .boxed(),
        warp::path!("api" / "v1" / "sessions")
            .and(warp::get())
            .and(guard.needs("GET", "/api/v1/sessions"))
            .and(warp::query::<std::collections::HashMap<String, String>>())
            .then(|agent: Agent_, who: Who, query: std::collections::HashMap<String, String>| {
                off_async(move || {
                    let user = whose(&who, query.get("user").map(String::as_str))?;
                    json(StatusCode::OK, &serde_json::json!({ "sessions": agent.access.sessions.list(user) }))
                })
            })
            .boxed(),
        warp::path!("api" / "v1" / "sessions" / String)
            .and(warp::delete())
            .and(guard.needs("DELETE", "/api/v1/sessions/{id}"))
            .then(|id: String, agent: Agent_, who: Who| {
                off_async(move || {
                    let mine = (!who.allows(Permission::ManageAccess)).then_some(who.user.as_str());
                    let id = decode(&id);
                    let ended =
                        agent.access.sessions.revoke(&id, mine).ok_or_else(|| ApiError::not_found("session", &id))?;
                    agent.audit(&who, "session.revoke", &format!("{ended} ({id})"), None, None);
                    no_content()
                })
            })
            .boxed(),
    ]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Code {
    code: String,
}

/// The account a person changes for themselves, from a signed-in browser (not with a token).
fn in_browser(who: &Principal) -> Result<&str, ApiError> {
    match who.via {
        Via::Session => Ok(&who.user),
        _ => Err(ApiError::new(StatusCode::FORBIDDEN, "a person's own account is changed from a signed-in browser")),
    }
}

/// Whose sessions a listing shows: one's own, or (for an admin) `user`'s or everyone's.
fn whose<'a>(who: &'a Principal, user: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    if who.allows(Permission::ManageAccess) {
        return Ok(user);
    }
    match user {
        Some(other) if other != who.user => Err(ApiError::forbidden(who.role, Permission::ManageAccess)),
        _ => Ok(Some(&who.user)),
    }
}

/// `POST /api/v1/session` with `{"user", "password"}` (or the bootstrap `{"token"}`): signs a
/// browser in, setting its session cookie; the reply carries the CSRF token changes must send.
fn sign_in(agent: &Agent, body: &Bytes, secure: bool, remote: Option<SocketAddr>) -> Reply_ {
    #[derive(Deserialize)]
    #[serde(untagged, deny_unknown_fields)]
    enum SignIn {
        Password {
            user: String,
            password: String,
            #[serde(default)]
            code: Option<String>,
        },
        Token {
            token: String,
        },
    }
    let offered: SignIn = read(body, r#"{"user": "...", "password": "..."} or {"token": "..."}"#)?;
    let address = remote.map(|address| address.ip().to_string());
    let (user, via, signed_in) = match offered {
        SignIn::Password { user, password, code } => {
            let user = user.trim().to_string();
            let signed_in = agent.access.sign_in_with_password(
                &user,
                &password,
                code.as_deref().filter(|c| !c.is_empty()),
                address.as_deref(),
            );
            (user, "password", signed_in)
        }
        SignIn::Token { token } => {
            let signed_in = agent.access.sign_in_with_token(token.trim(), address.as_deref());
            (skopos_service::access::FIRST_ADMIN.to_string(), "bootstrap token", signed_in)
        }
    };
    if let Err(needed @ AccessError::SecondFactorNeeded) = signed_in {
        return Err(needed.into());
    }
    let action = if signed_in.is_ok() { "session.sign_in" } else { "session.sign_in_failed" };
    agent.audit_record(AuditRecord::new(&user, via, action, "", address));
    let signed_in = signed_in?;
    let secure = secure || agent.secure_cookies;
    let mut reply = json(StatusCode::OK, &serde_json::json!({ "csrf": signed_in.csrf }))?;
    set_cookie(&mut reply, &session::set_cookie(Some(&signed_in.cookie), secure));
    Ok(reply)
}

/// `GET /api/v1/session`: whether this browser is signed in: its CSRF token, user, role, the
/// permissions the console shows pages by, and the roles its tokens may have.
fn session(agent: &Agent, cookie: Option<&str>) -> Reply_ {
    let live = cookie.and_then(|cookie| agent.access.sessions.live(cookie));
    let user = live.as_ref().and_then(|(user, _)| agent.access.user_view(user)).filter(|user| !user.disabled);
    match (live, user) {
        (Some((_, csrf)), Some(user)) => json(
            StatusCode::OK,
            &serde_json::json!({
                "csrf": csrf,
                "user": user.name,
                "role": user.role,
                "permissions": user.role.permissions(),
                "token_roles": Role::ALL.into_iter().filter(|role| user.role.covers(*role)).collect::<Vec<_>>(),
                "totp": user.totp,
                "env_allow": agent.env_allow.patterns(),
            }),
        ),
        _ => Err(ApiError::new(StatusCode::UNAUTHORIZED, "not signed in")),
    }
}

/// `DELETE /api/v1/session`: signs this browser out.
fn sign_out(agent: &Agent, cookie: Option<&str>) -> Reply_ {
    if let Some(cookie) = cookie {
        agent.access.sessions.close(cookie);
    }
    let mut reply = no_content()?;
    set_cookie(&mut reply, &session::set_cookie(None, false));
    Ok(reply)
}

pub(crate) fn set_cookie(reply: &mut Response, value: &str) {
    if let Ok(value) = warp::http::HeaderValue::from_str(value) {
        reply.headers_mut().append(warp::http::header::SET_COOKIE, value);
    }
}
