//! Single sign-on routes: whether it is set up, the start (a `302` to the OpenID provider) and
//! the callback the provider sends the browser back to.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;

use super::error::ApiError;
use super::sessions::set_cookie;
use skopos_service::Agent;
use skopos_service::access::SsoError;
use skopos_service::sessions as session;
use skopos_service::store::AuditRecord;

type Agent_ = Arc<Agent>;

pub fn routes(with_agent: &BoxedFilter<(Agent_,)>) -> Vec<BoxedFilter<(Response,)>> {
    vec![
        warp::path!("api" / "v1" / "sso")
            .and(warp::get())
            .and(with_agent.clone())
            .map(|agent: Agent_| {
                use warp::Reply;
                warp::reply::json(&serde_json::json!({ "enabled": agent.sso.is_some() })).into_response()
            })
            .boxed(),
        warp::path!("api" / "v1" / "sso" / "start")
            .and(warp::get())
            .and(with_agent.clone())
            .then(|agent: Agent_| async move {
                let Some(sso) = &agent.sso else { return ApiError::from(SsoError::Off).into_response() };
                match sso.start().await {
                    Ok(url) => redirect(&url),
                    Err(error) => ApiError::from(error).into_response(),
                }
            })
            .boxed(),
        warp::path!("api" / "v1" / "sso" / "callback")
            .and(warp::get())
            .and(with_agent.clone())
            .and(warp::query::<HashMap<String, String>>())
            .and(warp::addr::remote())
            .then(|agent: Agent_, query: HashMap<String, String>, remote: Option<SocketAddr>| async move {
                sso_callback(agent, query, remote).await
            })
            .boxed(),
    ]
}

/// A `302` to `location`.
fn redirect(location: &str) -> Response {
    warp::http::Response::builder()
        .status(StatusCode::FOUND)
        .header(warp::http::header::LOCATION, location)
        .body(Default::default())
        .unwrap_or_default()
}

/// `GET /api/v1/sso/callback?code=&state=`: the provider sends the browser back here. Signed
/// in, it goes on to the console with its session cookie; refused, to the sign-in page with
/// why.
async fn sso_callback(agent: Agent_, query: HashMap<String, String>, remote: Option<SocketAddr>) -> Response {
    let address = remote.map(|address| address.ip().to_string());
    let outcome = async {
        let sso = agent.sso.as_ref().ok_or(SsoError::Off)?;
        if let Some(error) = query.get("error") {
            let detail = query.get("error_description").map_or(String::new(), |d| format!(": {d}"));
            return Err(SsoError::Provider(format!("{error}{detail}")));
        }
        let (code, state) =
            (query.get("code").cloned().unwrap_or_default(), query.get("state").cloned().unwrap_or_default());
        let claims = sso.claims(&code, &state).await?;
        let (signing_in, address) = (agent.clone(), address.clone());
        tokio::task::spawn_blocking(move || {
            let settings = &signing_in.sso.as_ref().ok_or(SsoError::Off)?.settings;
            signing_in.access.sign_in_with_claims(settings, &claims, address.as_deref())
        })
        .await
        .map_err(|e| SsoError::Provider(e.to_string()))?
    }
    .await;
    let (user, action) = match &outcome {
        Ok((user, _)) => (user.clone(), "session.sign_in"),
        Err(SsoError::NoRole(user) | SsoError::Disabled(user)) => (user.clone(), "session.sign_in_failed"),
        Err(_) => (String::new(), "session.sign_in_failed"),
    };
    let target = match &outcome {
        Err(error) => error.to_string(),
        Ok(_) => String::new(),
    };
    let record = AuditRecord::new(&user, "single sign-on", action, &target, address);
    let auditing = agent.clone();
    let _ = tokio::task::spawn_blocking(move || auditing.audit_record(record)).await;
    match outcome {
        Ok((_, signed_in)) => {
            let mut reply = redirect("/#/dashboard");
            set_cookie(&mut reply, &session::set_cookie(Some(&signed_in.cookie), agent.secure_cookies));
            reply
        }
        Err(error) => {
            let why = percent_encoding::utf8_percent_encode(&error.to_string(), percent_encoding::NON_ALPHANUMERIC)
                .to_string();
            redirect(&format!("/#/sign-in?sso_error={why}"))
        }
    }
}
