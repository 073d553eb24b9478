//! People's accounts and API tokens. Passwords are kept as argon2id hashes and tokens as
//! SHA-256 hashes (hex), never as themselves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, from_json, to_json};
use crate::access::{Role, SecondFactor};

/// A person's account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub disabled: bool,
    /// The argon2id hash of the password (PHC string); `None` until one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The SHA-256 (hex) of the one-time code that sets the password, and until when it works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<Invite>,
    /// The second factor, once confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<SecondFactor>,
    /// A second factor's secret while it is being set up (until a code confirms it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_pending: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl UserRecord {
    /// A new, enabled account with no password or second factor yet.
    pub fn new(name: &str, role: Role) -> UserRecord {
        UserRecord {
            name: name.to_string(),
            role,
            disabled: false,
            password: None,
            invite: None,
            totp: None,
            totp_pending: None,
            created_at: Utc::now(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invite {
    pub sha256: String,
    pub expires_at: DateTime<Utc>,
}

/// A named API token. Its secret is shown once, when it is made; only its hash is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// The one region a `follower` token may send runs for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// SHA-256 of the token, hex.
    pub sha256: String,
    /// The user who made it: it stops working when they are disabled or removed.
    pub owner: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
}

impl Store {
    pub fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.users.iter().map(|entry| from_json(&entry?.1)).collect()
    }

    pub fn user(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        self.users.get(name)?.map(|bytes| from_json(&bytes)).transpose()
    }

    pub fn put_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        self.users.insert(user.name.as_bytes(), to_json(user))?;
        Ok(())
    }

    /// Removes a user and every token they made.
    pub fn remove_user(&self, name: &str) -> Result<(), StoreError> {
        for token in self.tokens()?.into_iter().filter(|token| token.owner == name) {
            self.tokens.remove(token.id.as_bytes())?;
        }
        self.users.remove(name)?;
        Ok(())
    }

    pub fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.tokens.iter().map(|entry| from_json(&entry?.1)).collect()
    }

    pub fn put_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        self.tokens.insert(token.id.as_bytes(), to_json(token))?;
        Ok(())
    }

    pub fn remove_token(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.tokens.remove(id)?.is_some())
    }
}
