//! Who may do what: the bootstrap admin token, people's accounts (passwords), named API tokens
//! scoped to a role, and console sessions; every request is turned into a [`Principal`] here,
//! and each route's rule is checked against its [`Role`] in the web layer, in one place.
//!
//! Accounts and tokens are read from the store once and kept in memory, so checking a request
//! costs a hash and a map look-up; every change is written through to the store.

mod accounts;
mod env_allow;
mod limits;
mod passwords;
mod role;
mod second_factor;
mod sso;
mod totp;

pub use accounts::{AccessError, NewToken, UserView};
pub use env_allow::EnvAllow;
pub use limits::Limit;
pub use role::{Permission, Role};
pub use sso::{Sso, SsoError, SsoSettings};
pub use totp::{SecondFactor, code_at as totp_code_at};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use chrono::Utc;

use crate::secret::{digest, hex};
use crate::sessions::{Refusal, Sessions, SignedIn};
use crate::store::{Store, StoreError, TokenRecord, UserRecord};
use crate::token::{RotateError, Token};

/// The account the bootstrap token (printed at first start, or `SKOPOS_TOKEN`) belongs to.
pub const FIRST_ADMIN: &str = "admin";

/// Who made a request, and with what.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The user: the account signed in, or the owner of the token used.
    pub user: String,
    pub via: Via,
    pub role: Role,
    /// The region a follower token may send runs for.
    pub region: Option<String>,
    /// The address the request came from (set by the web layer), for the audit log.
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    /// The bootstrap token.
    Bootstrap,
    /// A console session.
    Session,
    /// A named API token.
    Token { id: String, name: String },
}

impl Via {
    /// `session`, `bootstrap token` or `token NAME`.
    pub fn describe(&self) -> String {
        match self {
            Via::Session => "session".into(),
            Via::Bootstrap => "bootstrap token".into(),
            Via::Token { name, .. } => format!("token {name}"),
        }
    }
}

impl Principal {
    pub fn allows(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }

    /// Who, as errors name them: `alice`, or `alice (token ci)`.
    pub fn describe(&self) -> String {
        match &self.via {
            Via::Session => self.user.clone(),
            _ => format!("{} ({})", self.user, self.via.describe()),
        }
    }
}

/// Accounts and tokens as the store holds them, kept in memory for checking requests.
#[derive(Default)]
struct Accounts {
    users: HashMap<String, UserRecord>,
    /// Tokens by the hex SHA-256 of their secret.
    tokens: HashMap<String, TokenRecord>,
}

pub struct Access {
    store: Arc<Store>,
    bootstrap: Token,
    pub sessions: Sessions,
    limits: limits::Limits,
    accounts: RwLock<Accounts>,
    /// When each token's last use was last written to the store (at most once a minute).
    use_written: Mutex<HashMap<String, Instant>>,
}

impl Access {
    /// Reads accounts and tokens; a store without any account (a first start, or a data
    /// folder from before accounts) gets [`FIRST_ADMIN`], whose token the bootstrap token is.
    pub fn load(store: Arc<Store>, bootstrap: Token) -> Result<Access, StoreError> {
        let mut users = store.users()?;
        if users.is_empty() {
            let admin = UserRecord::new(FIRST_ADMIN, Role::Admin);
            store.put_user(&admin)?;
            store.flush()?;
            users.push(admin);
        }
        let accounts = Accounts {
            users: users.into_iter().map(|user| (user.name.clone(), user)).collect(),
            tokens: store.tokens()?.into_iter().map(|token| (token.sha256.clone(), token)).collect(),
        };
        Ok(Access {
            store,
            bootstrap,
            sessions: Sessions::default(),
            limits: limits::Limits::default(),
            accounts: RwLock::new(accounts),
            use_written: Mutex::default(),
        })
    }

    /// The principal behind a request from `address`: a bearer token (bootstrap or named),
    /// else a console session cookie (whose changes must carry its CSRF token). An address
    /// that keeps offering wrong tokens is refused for a while before any is checked.
    pub fn authenticate(
        &self,
        authorization: Option<&str>,
        cookie: Option<&str>,
        method: &http::Method,
        csrf: Option<&str>,
        address: Option<&str>,
    ) -> Result<Principal, Refusal> {
        if let Some(offered) = authorization.and_then(|value| value.strip_prefix("Bearer ")).map(str::trim) {
            let address = address.unwrap_or("unknown");
            self.limits.token.check(address).map_err(Refusal::TooMany)?;
            return self.bearer(offered).ok_or_else(|| {
                self.limits.token.fail(address);
                Refusal::Unauthorized
            });
        }
        let user = self.sessions.admit(cookie, method, csrf)?;
        self.enabled_user(&user)
            .map(|role| Principal { user, via: Via::Session, role, region: None, address: None })
            .ok_or(Refusal::Unauthorized)
    }

    /// The principal a bearer token stands for, if it is live.
    pub fn bearer(&self, offered: &str) -> Option<Principal> {
        // One hash, checked against the bootstrap token's and then the named tokens'.
        let sha256 = digest(offered);
        if self.bootstrap.has_digest(&sha256) {
            let role = self.enabled_user(FIRST_ADMIN)?;
            return Some(Principal {
                user: FIRST_ADMIN.into(),
                via: Via::Bootstrap,
                role,
                region: None,
                address: None,
            });
        }
        let hash = hex(&sha256);
        let token = self.read().tokens.get(&hash).cloned()?;
        if token.expires_at.is_some_and(|expires| expires <= Utc::now()) {
            return None;
        }
        // A token never grants more than its owner has now.
        let owner_role = self.enabled_user(&token.owner)?;
        if !owner_role.covers(token.role) {
            return None;
        }
        self.note_use(&token);
        let via = Via::Token { id: token.id.clone(), name: token.name.clone() };
        Some(Principal { user: token.owner, via, role: token.role, region: token.region, address: None })
    }

    /// The role of an account that exists and is not disabled.
    fn enabled_user(&self, name: &str) -> Option<Role> {
        self.read().users.get(name).filter(|user| !user.disabled).map(|user| user.role)
    }

    /// Records a token's last use, writing it to the store at most once a minute per token.
    fn note_use(&self, token: &TokenRecord) {
        let mut written = self.use_written.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if written.get(&token.id).is_some_and(|at| now.duration_since(*at).as_secs() < 60) {
            return;
        }
        written.insert(token.id.clone(), now);
        drop(written);
        let mut accounts = self.write();
        if let Some(stored) = accounts.tokens.get_mut(&token.sha256) {
            stored.last_used_at = Some(Utc::now());
            // Not flushed: a lost last-use time costs nothing, and the next flush takes it.
            let _ = self.store.put_token(stored);
        }
    }

    /// Signs a browser in with the bootstrap token, as [`FIRST_ADMIN`]. (Named API tokens are
    /// for programs: they open no console session.)
    pub fn sign_in_with_token(&self, offered: &str, address: Option<&str>) -> Result<SignedIn, AccessError> {
        let from = address.unwrap_or("unknown");
        self.limits.address.check(from).map_err(AccessError::TooMany)?;
        match self.bearer(offered).filter(|p| p.via == Via::Bootstrap) {
            Some(principal) => Ok(self.sessions.open(&principal.user, address)),
            None => {
                self.limits.address.fail(from);
                Err(AccessError::NotBootstrap)
            }
        }
    }

    /// Replaces the bootstrap token; every console session ends.
    pub fn rotate_bootstrap(&self) -> Result<String, RotateError> {
        let token = self.bootstrap.rotate(&self.store)?;
        self.sessions.close_all();
        Ok(token)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Accounts> {
        self.accounts.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Accounts> {
        self.accounts.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests;
