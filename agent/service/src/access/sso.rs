//! Single sign-on with OpenID Connect: the authorization code flow with PKCE, against any
//! certified provider (`openidconnect`, discovery from the issuer). The user's role comes from
//! a claim (`groups` by default) through the operator's mapping (`skopos-admins=admin,*=viewer`,
//! the first matching entry wins); an account is made at the first sign-in and its role
//! follows the provider's at every sign-in. Requests to the provider go through the agent's
//! own HTTP client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;
use tokio::sync::OnceCell;

use super::{Access, AccessError, Role};
use crate::store::UserRecord;

/// The operator's single sign-on settings (`skopos serve --oidc-...`).
#[derive(Debug, Clone)]
pub struct SsoSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: `{public URL}/api/v1/sso/callback`.
    pub redirect_url: String,
    /// The claim the role is read from (`groups`): a string or a list of strings.
    pub role_claim: String,
    /// `(claim value, role)`, in order; a value `*` matches anyone.
    pub roles: Vec<(String, Role)>,
}

impl SsoSettings {
    /// Reads `skopos-admins=admin,skopos-devs=editor,*=viewer`.
    pub fn parse_roles(text: &str) -> Result<Vec<(String, Role)>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let (value, role) = entry.split_once('=').ok_or_else(|| format!("`{entry}`: expected VALUE=ROLE"))?;
                let role = Role::parse(role.trim())
                    .filter(|role| *role != Role::Follower)
                    .ok_or_else(|| format!("`{entry}`: the role is one of admin, editor, runner, viewer"))?;
                Ok((value.trim().to_string(), role))
            })
            .collect()
    }

    /// The role `claims` map to, if any entry matches.
    pub fn role_for(&self, claims: &Value) -> Option<Role> {
        let values: Vec<&str> = match &claims[&self.role_claim] {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        self.roles.iter().find(|(value, _)| value == "*" || values.contains(&value.as_str())).map(|(_, role)| *role)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("single sign-on is not set up on this agent")]
    Off,
    #[error("the OpenID provider: {0}")]
    Provider(String),
    #[error("this sign-in link is unknown or expired; start again")]
    UnknownState,
    #[error("the provider's answer does not check out: {0}")]
    Invalid(String),
    #[error("the provider gives `{0}` no role on this agent")]
    NoRole(String),
    #[error("the account `{0}` is disabled")]
    Disabled(String),
    #[error(transparent)]
    Access(#[from] AccessError),
}

/// A sign-in under way: what the callback needs to finish it.
struct Pending {
    verifier: PkceCodeVerifier,
    nonce: Nonce,
    started: Instant,
}

/// How long a browser has at the provider before its sign-in link expires.
const PENDING_FOR: Duration = Duration::from_secs(600);
/// Most sign-ins under way at once: a flood of starts cannot grow the agent.
const MAX_PENDING: usize = 10_000;

pub struct Sso {
    pub settings: SsoSettings,
    metadata: OnceCell<CoreProviderMetadata>,
    pending: Mutex<HashMap<String, Pending>>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// One request to the provider, with the agent's own HTTP client.
async fn http(request: openidconnect::HttpRequest) -> Result<openidconnect::HttpResponse, HttpError> {
    use skopos_engine::{Connections, Outgoing, SendOptions, TlsConfigs};
    let (parts, body) = request.into_parts();
    let url = url::Url::parse(&parts.uri.to_string()).map_err(|e| HttpError(e.to_string()))?;
    let outgoing = Outgoing { method: parts.method, url, headers: parts.headers, body: body.into() };
    let mut connections = Connections::new(Arc::new(TlsConfigs::default()), false);
    let options = SendOptions {
        tls: &Default::default(),
        follow_redirects: false,
        max_redirects: 0,
        max_body_bytes: 1 << 20,
        http2_only: false,
    };
    let incoming = connections.send(&outgoing, options).await.map_err(|(e, _)| HttpError(e.message))?;
    let mut response = http::Response::builder().status(incoming.status);
    for (name, value) in &incoming.headers {
        response = response.header(name, value);
    }
    response.body(incoming.body.to_vec()).map_err(|e| HttpError(e.to_string()))
}

/// An error with its causes: `Request failed: connection refused`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

impl Sso {
    pub fn new(settings: SsoSettings) -> Sso {
        Sso { settings, metadata: OnceCell::new(), pending: Mutex::default() }
    }

    /// The provider's metadata, discovered from the issuer once.
    async fn metadata(&self) -> Result<&CoreProviderMetadata, SsoError> {
        self.metadata
            .get_or_try_init(|| async {
                let issuer =
                    IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| SsoError::Provider(e.to_string()))?;
                CoreProviderMetadata::discover_async(issuer, &http).await.map_err(|e| SsoError::Provider(chain(&e)))
            })
            .await
    }

    fn client(
        &self,
        metadata: &CoreProviderMetadata,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        SsoError,
    > {
        let redirect =
            RedirectUrl::new(self.settings.redirect_url.clone()).map_err(|e| SsoError::Provider(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            self.settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Where to send the browser to sign in at the provider.
    pub async fn start(&self) -> Result<String, SsoError> {
        let client = self.client(self.metadata().await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in ["profile", "email", self.settings.role_claim.as_str()] {
            request = request.add_scope(Scope::new(scope.to_string()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|_, p| p.started.elapsed() < PENDING_FOR);
        if pending.len() >= MAX_PENDING {
            return Err(SsoError::Provider("too many sign-ins under way; try again shortly".into()));
        }
        pending.insert(state.secret().clone(), Pending { verifier, nonce, started: Instant::now() });
        Ok(url.to_string())
    }

    /// Finishes a sign-in at the provider: the verified ID token's claims.
    pub async fn claims(&self, code: &str, state: &str) -> Result<Value, SsoError> {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(state);
        let pending = pending.filter(|p| p.started.elapsed() < PENDING_FOR).ok_or(SsoError::UnknownState)?;
        let client = self.client(self.metadata().await?)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SsoError::Provider(e.to_string()))?
            .set_pkce_verifier(pending.verifier)
            .request_async(&http)
            .await
            .map_err(|e| SsoError::Provider(chain(&e)))?;
        let id_token = response.id_token().ok_or_else(|| SsoError::Invalid("no ID token".into()))?;
        // Signature, issuer, audience, expiry and nonce checked here...
        id_token.claims(&client.id_token_verifier(), &pending.nonce).map_err(|e| SsoError::Invalid(e.to_string()))?;
        // ... so its payload, read as JSON, holds claims the provider vouches for (the role
        // claim is not one of the standard ones the crate types).
        let payload = id_token.to_string().split('.').nth(1).map(str::to_string).unwrap_or_default();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|e| SsoError::Invalid(e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| SsoError::Invalid(e.to_string()))
    }
}

impl Access {
    /// Finishes a single sign-on with the claims the provider vouched for ([`Sso::claims`]):
    /// makes the account at its first sign-in (or brings its role in line with the
    /// provider's), and opens a session; returns it with the user's name. It writes to the
    /// store: call it off the async workers.
    pub fn sign_in_with_claims(
        &self,
        settings: &SsoSettings,
        claims: &Value,
        address: Option<&str>,
    ) -> Result<(String, crate::sessions::SignedIn), SsoError> {
        let name = ["preferred_username", "email", "sub"]
            .iter()
            .find_map(|claim| claims[*claim].as_str())
            .unwrap_or_default()
            .to_string();
        let role = settings.role_for(claims).ok_or_else(|| SsoError::NoRole(name.clone()))?;
        let user = match self.user(&name) {
            Ok(user) if user.disabled => return Err(SsoError::Disabled(name)),
            Ok(user) => UserRecord { role, ..user },
            Err(_) => {
                super::accounts::check_name("name", &name)?;
                UserRecord::new(&name, role)
            }
        };
        self.save_user(user)?;
        Ok((name.clone(), self.sessions.open(&name, address)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn roles_come_from_a_claim_through_the_first_matching_entry() {
        let roles = SsoSettings::parse_roles("skopos-admins=admin, skopos-devs=editor").unwrap();
        let settings = SsoSettings {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: None,
            redirect_url: String::new(),
            role_claim: "groups".into(),
            roles,
        };
        assert_eq!(settings.role_for(&json!({"groups": ["x", "skopos-devs"]})), Some(Role::Editor));
        assert_eq!(settings.role_for(&json!({"groups": "skopos-admins"})), Some(Role::Admin));
        assert_eq!(settings.role_for(&json!({"groups": ["x"]})), None);
        let anyone = SsoSettings { roles: SsoSettings::parse_roles("a=admin,*=viewer").unwrap(), ..settings };
        assert_eq!(anyone.role_for(&json!({})), Some(Role::Viewer));
        assert!(SsoSettings::parse_roles("x=follower").unwrap_err().contains("admin, editor"));
        assert!(SsoSettings::parse_roles("nonsense").is_err());
    }
}
