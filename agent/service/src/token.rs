//! The API's bearer token: `SKOPOS_TOKEN` when set, otherwise made on first start, printed
//! once, and kept only as a SHA-256 hash. `skopos token` (or `POST /api/v1/token`) replaces
//! a made token with a new one.

use std::sync::RwLock;

use crate::secret::digest;
use crate::store::{Store, StoreError};

const SETTING: &str = "api_token_sha256";

pub struct Token {
    sha256: RwLock<Vec<u8>>,
    /// Set from `SKOPOS_TOKEN`: the agent cannot rotate what the environment decides.
    from_env: bool,
}

/// Why a token could not be rotated.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("the agent's token comes from SKOPOS_TOKEN; change it there and restart the agent")]
    FromEnvironment,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Token {
    /// The token to check requests against, and a newly made token to show the user once.
    pub fn load(store: &Store, from_env: Option<String>) -> Result<(Token, Option<String>), StoreError> {
        if let Some(token) = from_env.filter(|t| !t.is_empty()) {
            return Ok((Token { sha256: RwLock::new(digest(&token)), from_env: true }, None));
        }
        if let Some(sha256) = store.setting(SETTING)? {
            return Ok((Token { sha256: RwLock::new(sha256), from_env: false }, None));
        }
        let token = Token::reset(store)?;
        Ok((Token { sha256: RwLock::new(digest(&token)), from_env: false }, Some(token)))
    }

    /// Makes a new token and stores its hash (on disk before this returns); the old one
    /// stops working. For a store no agent has open (`skopos token --data`).
    pub fn reset(store: &Store) -> Result<String, StoreError> {
        let token = format!("sk_{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        store.set_setting(SETTING, &digest(&token))?;
        store.flush()?;
        Ok(token)
    }

    /// [`Token::reset`] in a running agent: requests with the old token fail from now on.
    pub fn rotate(&self, store: &Store) -> Result<String, RotateError> {
        if self.from_env {
            return Err(RotateError::FromEnvironment);
        }
        let token = Token::reset(store)?;
        *self.sha256.write().unwrap_or_else(|e| e.into_inner()) = digest(&token);
        Ok(token)
    }

    /// Whether `offered` is the token.
    pub fn is(&self, offered: &str) -> bool {
        self.has_digest(&digest(offered))
    }

    /// Whether a token whose SHA-256 is `sha256` is this one.
    pub fn has_digest(&self, sha256: &[u8]) -> bool {
        // Both sides are hashes, so comparing them leaks nothing about the token.
        *sha256 == **self.sha256.read().unwrap_or_else(|e| e.into_inner())
    }
}
