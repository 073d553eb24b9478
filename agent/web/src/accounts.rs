//! Signing in and out, the bootstrap token, named API tokens, and people's accounts: the
//! routes under `/api/v1/session`, `/token`, `/tokens`, `/users` and `/invites`.

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
use super::handlers::{Reply_, json};
use super::{MAX_BODY_BYTES, decode, off_async, read_limited};
use skopos_service::Agent;
use skopos_service::access::{AccessError, NewToken, Permission, Principal, Role, Via};
use skopos_service::sessions as session;
use skopos_service::store::{AuditRecord, TokenRecord};
use skopos_service::token::RotateError;

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

fn no_content() -> Reply_ {
    Ok(warp::http::Response::builder().status(StatusCode::NO_CONTENT).body(Default::default()).unwrap_or_default())
}

/// A JSON request body, or a 422 naming the field serde found wrong.
fn read<T: serde::de::DeserializeOwned>(body: &Bytes, expected: &str) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        let message = format!("expected {expected}: {}", error.into_inner());
        ApiError::at_field(StatusCode::UNPROCESSABLE_ENTITY, &field, message)
    })
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
    agent.audit_record(AuditRecord {
        at: chrono::Utc::now(),
        user,
        via: via.into(),
        action: action.into(),
        target: String::new(),
        from: address,
        before: None,
        after: None,
    });
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

fn set_cookie(reply: &mut Response, value: &str) {
    if let Ok(value) = warp::http::HeaderValue::from_str(value) {
        reply.headers_mut().append(warp::http::header::SET_COOKIE, value);
    }
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
    agent.audit_record(AuditRecord {
        at: chrono::Utc::now(),
        user: user.clone(),
        via: "one-time link".into(),
        action: "user.set_password".into(),
        target: user.clone(),
        from: remote.map(|address| address.ip().to_string()),
        before: None,
        after: None,
    });
    json(StatusCode::OK, &serde_json::json!({ "user": user }))
}
