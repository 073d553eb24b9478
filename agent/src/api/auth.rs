//! The API's bearer token: `SKOPOS_TOKEN` when set, otherwise made on first start, printed
//! once, and kept only as a SHA-256 hash.

use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};

const SETTING: &str = "api_token_sha256";

#[derive(Clone)]
pub struct Token {
    sha256: Vec<u8>,
}

impl Token {
    /// The token to check requests against, and a newly made token to show the user once.
    pub fn load(store: &Store, from_env: Option<String>) -> Result<(Token, Option<String>), StoreError> {
        if let Some(token) = from_env.filter(|t| !t.is_empty()) {
            return Ok((Token { sha256: digest(&token) }, None));
        }
        if let Some(sha256) = store.setting(SETTING)? {
            return Ok((Token { sha256 }, None));
        }
        let token = format!("sk_{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        store.set_setting(SETTING, &digest(&token))?;
        store.flush()?;
        Ok((Token { sha256: digest(&token) }, Some(token)))
    }

    /// Whether an `Authorization` header carries the token.
    pub fn accepts(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|token| digest(token.trim()) == self.sha256)
    }
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
