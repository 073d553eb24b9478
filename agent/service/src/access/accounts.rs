//! Managing accounts and tokens: each change written to the store (and flushed) before the
//! in-memory copy that requests are checked against changes.

use chrono::{Duration, Utc};
use serde::Serialize;

use super::{Access, FIRST_ADMIN, Permission, Principal, Role, Via, passwords};
use crate::secret::{digest, hex};
use crate::sessions::SignedIn;
use crate::store::{Invite, StoreError, TokenRecord, UserRecord};

/// How long a one-time link to set a password works.
pub const INVITE_LIFETIME_HOURS: i64 = 72;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("no {kind} `{key}`")]
    NotFound { kind: &'static str, key: String },
    /// The principal may not do this; `permission` is the one it lacks, when one does.
    #[error("{message}")]
    Forbidden { permission: Option<Permission>, message: String },
    /// A request field is wrong.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    Conflict(String),
    /// A sign-in that failed: the same words whatever was wrong.
    #[error("that user name and password do not match an account")]
    SignIn,
    #[error("that is not the agent's bootstrap token")]
    NotBootstrap,
    /// The password was right; the account also needs a code from its authenticator app.
    #[error("enter the code from your authenticator app (or a recovery code)")]
    SecondFactorNeeded,
    /// Too many failed sign-ins for this account or from this address.
    #[error("too many failed sign-ins; try again in {} s", .0.as_secs() + 1)]
    TooMany(std::time::Duration),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, message: impl Into<String>) -> AccessError {
    AccessError::Invalid { field, message: message.into() }
}

/// A token to make: `POST /api/v1/tokens`, `skopos token create`.
pub struct NewToken {
    pub name: String,
    pub role: Role,
    /// Required for (and only for) a `follower` token.
    pub region: Option<String>,
    pub expires_in: Option<std::time::Duration>,
}

/// An account as the API shows it: never its password hash or invite.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub has_password: bool,
    /// Signs in with a second factor (a code from an authenticator app).
    pub totp: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_expires_at: Option<chrono::DateTime<Utc>>,
    pub created_at: chrono::DateTime<Utc>,
}

impl From<&UserRecord> for UserView {
    fn from(user: &UserRecord) -> UserView {
        UserView {
            name: user.name.clone(),
            role: user.role,
            disabled: user.disabled,
            has_password: user.password.is_some(),
            totp: user.totp.is_some(),
            invite_expires_at: user.invite.as_ref().map(|invite| invite.expires_at),
            created_at: user.created_at,
        }
    }
}

/// A name for a user or token: 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
pub(super) fn check_name(field: &'static str, name: &str) -> Result<(), AccessError> {
    let fits = (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if fits { Ok(()) } else { Err(invalid(field, "1 to 64 letters, digits, `.`, `_`, `-` or `@`")) }
}

fn secret(prefix: &str) -> String {
    format!("{prefix}{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

impl Access {
    /// Makes a token for `by`, returning it with its secret (shown this once).
    pub fn create_token(&self, by: &Principal, new: NewToken) -> Result<(TokenRecord, String), AccessError> {
        check_name("name", &new.name)?;
        if matches!(by.via, Via::Token { .. }) && !by.allows(Permission::ManageAccess) {
            return Err(AccessError::Forbidden {
                permission: Some(Permission::ManageAccess),
                message: "an API token cannot make tokens unless it is an admin's".into(),
            });
        }
        if !by.role.covers(new.role) {
            let message = format!("a {} cannot make a {} token", by.role.as_str(), new.role.as_str());
            return Err(AccessError::Forbidden { permission: None, message });
        }
        match (&new.region, new.role) {
            (None, Role::Follower) => return Err(invalid("region", "a follower token is bound to one region")),
            (Some(_), role) if role != Role::Follower => {
                return Err(invalid("region", "only a follower token is bound to a region"));
            }
            _ => {}
        }
        if self.read().tokens.values().any(|token| token.owner == by.user && token.name == new.name) {
            return Err(AccessError::Conflict(format!("you already have a token named `{}`", new.name)));
        }
        let expires_at = match new.expires_in {
            Some(lifetime) => {
                let lifetime = Duration::from_std(lifetime).map_err(|_| invalid("expires_in", "too long"))?;
                Some(Utc::now().checked_add_signed(lifetime).ok_or_else(|| invalid("expires_in", "too long"))?)
            }
            None => None,
        };
        let secret = secret("skt_");
        let record = TokenRecord {
            id: format!("tok_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            name: new.name,
            role: new.role,
            region: new.region,
            sha256: hex(&digest(&secret)),
            owner: by.user.clone(),
            created_at: Utc::now(),
            expires_at,
            last_used_at: None,
        };
        self.store.put_token(&record)?;
        self.store.flush()?;
        self.write().tokens.insert(record.sha256.clone(), record.clone());
        Ok((record, secret))
    }

    /// The tokens `by` may see: every token for an admin, else their own; oldest first.
    pub fn tokens(&self, by: &Principal) -> Vec<TokenRecord> {
        let all = by.allows(Permission::ManageAccess);
        let mut tokens: Vec<TokenRecord> =
            self.read().tokens.values().filter(|token| all || token.owner == by.user).cloned().collect();
        tokens.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        tokens
    }

    /// Revokes a token at once. Someone else's token is "not found" to a non-admin.
    pub fn revoke_token(&self, by: &Principal, id: &str) -> Result<TokenRecord, AccessError> {
        let not_found = || AccessError::NotFound { kind: "token", key: id.to_string() };
        let token = self.tokens(by).into_iter().find(|token| token.id == id).ok_or_else(not_found)?;
        self.store.remove_token(id)?;
        self.store.flush()?;
        self.write().tokens.remove(&token.sha256);
        Ok(token)
    }

    pub fn users(&self) -> Vec<UserView> {
        let mut users: Vec<UserView> = self.read().users.values().map(UserView::from).collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        users
    }

    /// Adds an account with no password, and returns it with the one-time code that sets one.
    pub fn add_user(&self, name: &str, role: Role) -> Result<(UserView, String), AccessError> {
        check_name("name", name)?;
        if role == Role::Follower {
            return Err(invalid("role", "`follower` is for tokens, not people"));
        }
        if self.read().users.contains_key(name) {
            return Err(AccessError::Conflict(format!("there is already a user named `{name}`")));
        }
        let user = UserRecord::new(name, role);
        self.save_user(user)?;
        let code = self.invite(name)?;
        Ok((UserView::from(&self.read().users[name]), code))
    }

    /// A new one-time code for `name` to set their password (the old one stops working).
    pub fn invite(&self, name: &str) -> Result<String, AccessError> {
        let mut user = self.user(name)?;
        let code = secret("inv_");
        let expires_at = Utc::now() + Duration::hours(INVITE_LIFETIME_HOURS);
        user.invite = Some(Invite { sha256: hex(&digest(&code)), expires_at });
        self.save_user(user)?;
        Ok(code)
    }

    /// Sets the password of the user a live one-time code belongs to; the code is used up.
    pub fn accept_invite(&self, code: &str, password: &str) -> Result<String, AccessError> {
        let hash = hex(&digest(code.trim()));
        let now = Utc::now();
        let found = self
            .read()
            .users
            .values()
            .find(|user| user.invite.as_ref().is_some_and(|invite| invite.sha256 == hash && invite.expires_at > now))
            .cloned();
        let mut user = found.ok_or_else(|| invalid("code", "this link is unknown, used or expired"))?;
        user.password = Some(passwords::hash(password).map_err(|message| invalid("password", message))?);
        user.invite = None;
        let name = user.name.clone();
        self.save_user(user)?;
        Ok(name)
    }

    /// Changes a user's role or disables (enables) them. Disabling ends their sessions and
    /// stops their tokens at once. The last enabled admin stays one.
    pub fn update_user(&self, name: &str, role: Option<Role>, disabled: Option<bool>) -> Result<UserView, AccessError> {
        let mut user = self.user(name)?;
        if role == Some(Role::Follower) {
            return Err(invalid("role", "`follower` is for tokens, not people"));
        }
        user.role = role.unwrap_or(user.role);
        user.disabled = disabled.unwrap_or(user.disabled);
        if user.disabled || user.role != Role::Admin {
            self.keep_an_admin(name)?;
        }
        if user.disabled {
            self.sessions.close_user(name);
        }
        let view = UserView::from(&user);
        self.save_user(user)?;
        Ok(view)
    }

    /// Removes a user, their tokens and their sessions. The last enabled admin stays.
    pub fn remove_user(&self, name: &str) -> Result<(), AccessError> {
        self.user(name)?;
        self.keep_an_admin(name)?;
        self.store.remove_user(name)?;
        self.store.flush()?;
        let mut accounts = self.write();
        accounts.users.remove(name);
        accounts.tokens.retain(|_, token| token.owner != name);
        drop(accounts);
        self.sessions.close_user(name);
        Ok(())
    }

    /// Opens a console session for a user whose password matches. Whatever is wrong (no such
    /// user, no password yet, disabled, wrong password), the answer and the time are the same.
    /// Failed sign-ins are limited per account and per address: past the limit, the answer is
    /// [`AccessError::TooMany`] before any password is checked.
    ///
    /// An account with a second factor needs `code` too: without one, the answer (after the
    /// password matched) is [`AccessError::SecondFactorNeeded`]; a wrong one is a failure.
    pub fn sign_in_with_password(
        &self,
        name: &str,
        password: &str,
        code: Option<&str>,
        address: Option<&str>,
    ) -> Result<SignedIn, AccessError> {
        let from = address.unwrap_or("unknown");
        self.limits.account.check(name).and(self.limits.address.check(from)).map_err(AccessError::TooMany)?;
        let user = self.read().users.get(name).cloned();
        let stored = user.as_ref().and_then(|user| user.password.as_deref());
        let matches = passwords::verify(password, stored);
        let refused = || {
            self.limits.account.fail(name);
            self.limits.address.fail(from);
            AccessError::SignIn
        };
        let mut user = match user {
            Some(user) if matches && !user.disabled => user,
            _ => return Err(refused()),
        };
        if let Some(mut factor) = user.totp.take() {
            let Some(code) = code else { return Err(AccessError::SecondFactorNeeded) };
            if !factor.accept(code, super::totp::now()) {
                return Err(refused());
            }
            user.totp = Some(factor);
            self.save_user(user.clone())?;
        }
        Ok(self.sessions.open(&user.name, address))
    }

    /// The signed-in principal's account, for `GET /api/v1/session`.
    pub fn user_view(&self, name: &str) -> Option<UserView> {
        self.read().users.get(name).map(UserView::from)
    }

    pub(super) fn user(&self, name: &str) -> Result<UserRecord, AccessError> {
        self.read().users.get(name).cloned().ok_or_else(|| AccessError::NotFound { kind: "user", key: name.into() })
    }

    pub(super) fn save_user(&self, user: UserRecord) -> Result<(), AccessError> {
        self.store.put_user(&user)?;
        self.store.flush()?;
        self.write().users.insert(user.name.clone(), user);
        Ok(())
    }

    /// Refuses a change that would leave no enabled admin besides `changed`.
    fn keep_an_admin(&self, changed: &str) -> Result<(), AccessError> {
        let others = self.read().users.values().any(|u| u.name != changed && u.role == Role::Admin && !u.disabled);
        let was_admin = self.read().users.get(changed).is_some_and(|u| u.role == Role::Admin && !u.disabled);
        if was_admin && !others {
            return Err(AccessError::Conflict(format!(
                "`{changed}` is the last enabled admin; make another admin first (the bootstrap token is `{FIRST_ADMIN}`'s)"
            )));
        }
        Ok(())
    }
}
