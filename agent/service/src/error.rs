//! What the agent's service refuses, in domain terms; the web layer turns each into an HTTP
//! status in one place (`skopos_web::ApiError`).

use skopos_core::document::Diagnostic;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no {kind} `{key}`")]
    NotFound { kind: &'static str, key: String },
    /// A definition the agent refuses, with every problem (field path, line and column).
    #[error("{}", .0.first().map_or("invalid definition", |problem| problem.message.as_str()))]
    Invalid(Vec<Diagnostic>),
    /// The change cannot be made on this agent (a follower's definitions are its primary's).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    pub fn not_found(kind: &'static str, key: &str) -> ServiceError {
        ServiceError::NotFound { kind, key: key.to_string() }
    }
}
