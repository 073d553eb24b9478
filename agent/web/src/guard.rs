//! Authentication and the permission check, in one place for every route: a request becomes
//! a [`Principal`] (bearer token or console session), and a route built with [`Guard::needs`]
//! goes ahead only when that principal's role grants what [`crate::rules`] says it needs.

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::{Filter, Rejection};

use skopos_service::Agent;
use skopos_service::access::{Permission, Principal, Role};
use skopos_service::sessions::{self as session, Refusal};

#[derive(Debug)]
pub struct Unauthorized;
impl warp::reject::Reject for Unauthorized {}

#[derive(Debug)]
pub struct MissingCsrf;
impl warp::reject::Reject for MissingCsrf {}

/// An address that offered too many wrong tokens: refused for this long.
#[derive(Debug)]
pub struct TooMany(pub std::time::Duration);
impl warp::reject::Reject for TooMany {}

/// A principal whose role lacks the route's permission.
#[derive(Debug)]
pub struct Forbidden {
    pub role: Role,
    pub permission: Permission,
}
impl warp::reject::Reject for Forbidden {}

/// What a request offers to say who it is.
struct Credentials {
    bearer: Option<String>,
    cookie: Option<String>,
    method: warp::http::Method,
    csrf: Option<String>,
}

fn credentials() -> impl Filter<Extract = (Credentials,), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and(warp::cookie::optional::<String>(session::COOKIE))
        .and(warp::method())
        .and(warp::header::optional::<String>("x-csrf-token"))
        .map(|bearer, cookie, method, csrf| Credentials { bearer, cookie, method, csrf })
}

/// Builds guarded routes for one agent.
#[derive(Clone)]
pub struct Guard {
    authenticated: BoxedFilter<(Arc<Agent>, Principal)>,
}

impl Guard {
    pub fn new(agent: Arc<Agent>) -> Guard {
        let authenticated = warp::any()
            .map(move || agent.clone())
            .and(credentials())
            .and(warp::addr::remote())
            .and_then(|agent: Arc<Agent>, offered: Credentials, remote: Option<std::net::SocketAddr>| async move {
                let Credentials { bearer, cookie, method, csrf } = offered;
                let address = remote.map(|address| address.ip().to_string());
                let access = &agent.access;
                match access.authenticate(
                    bearer.as_deref(),
                    cookie.as_deref(),
                    &method,
                    csrf.as_deref(),
                    address.as_deref(),
                ) {
                    Ok(mut principal) => {
                        principal.address = address;
                        Ok((agent, principal))
                    }
                    Err(Refusal::Csrf) => Err(warp::reject::custom(MissingCsrf)),
                    Err(Refusal::Unauthorized) => Err(warp::reject::custom(Unauthorized)),
                    Err(Refusal::TooMany(wait)) => Err(warp::reject::custom(TooMany(wait))),
                }
            })
            .untuple_one()
            .boxed();
        Guard { authenticated }
    }

    /// The agent and the principal, for the route `method path`, when the principal holds
    /// the permission [`crate::rules::ROUTES`] gives that route.
    pub fn needs(&self, method: &'static str, path: &'static str) -> BoxedFilter<(Arc<Agent>, Principal)> {
        let permission = crate::rules::permission(method, path);
        self.authenticated
            .clone()
            .and_then(move |agent: Arc<Agent>, principal: Principal| async move {
                if principal.allows(permission) {
                    Ok::<_, Rejection>((agent, principal))
                } else {
                    Err(warp::reject::custom(Forbidden { role: principal.role, permission }))
                }
            })
            .untuple_one()
            .boxed()
    }
}
