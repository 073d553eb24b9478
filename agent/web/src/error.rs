//! One error type for the API, turned into a JSON reply in one place, and the one place the
//! service's domain errors become HTTP statuses.

use serde::Serialize;
use warp::Reply;
use warp::http::StatusCode;
use warp::reply::Response;

use skopos_core::document::Diagnostic;
use skopos_service::ServiceError;
use skopos_service::access::{AccessError, Permission, Role, SsoError};
use skopos_service::store::StoreError;

/// `{"error": "...", "field": "steps[0].request.url", "line": 7, "column": 12}`.
#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: String,
    /// The field path at fault in the request body, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Every problem, when the body had several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ApiError>,
    /// The permission a refused principal lacks (403).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<Permission>,
    /// Seconds to wait before trying again (429), also sent as `Retry-After`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            field: None,
            line: None,
            column: None,
            problems: Vec::new(),
            permission: None,
            retry_after: None,
        }
    }

    /// An error naming the request's field (or query parameter) at fault.
    pub fn at_field(status: StatusCode, field: &str, error: impl Into<String>) -> ApiError {
        ApiError { field: Some(field.to_string()), ..ApiError::new(status, error) }
    }

    /// 403 naming the permission the role lacks.
    pub fn forbidden(role: Role, permission: Permission) -> ApiError {
        let message = format!("the {} role lacks the `{}` permission", role.as_str(), permission.as_str());
        ApiError { permission: Some(permission), ..ApiError::new(StatusCode::FORBIDDEN, message) }
    }

    /// 429: wait `wait` before trying again.
    pub fn too_many(wait: std::time::Duration, message: &str) -> ApiError {
        let seconds = u32::try_from(wait.as_secs() + 1).unwrap_or(u32::MAX);
        ApiError { retry_after: Some(seconds), ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, message) }
    }

    pub fn not_found(what: &str, key: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("no {what} `{key}`"))
    }

    /// 422 naming the first problem's field; with several, `problems` lists them all.
    pub fn invalid(problems: Vec<Diagnostic>) -> ApiError {
        let mut all: Vec<ApiError> = problems.into_iter().map(ApiError::from_diagnostic).collect();
        if all.is_empty() {
            return ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid request body");
        }
        let first = &all[0];
        let mut error = ApiError {
            status: first.status,
            error: first.error.clone(),
            field: first.field.clone(),
            line: first.line,
            column: first.column,
            problems: Vec::new(),
            permission: None,
            retry_after: None,
        };
        if all.len() > 1 {
            error.problems = std::mem::take(&mut all);
        }
        error
    }

    fn from_diagnostic(diagnostic: Diagnostic) -> ApiError {
        let message = match diagnostic.hint {
            Some(hint) => format!("{} ({hint})", diagnostic.message),
            None => diagnostic.message,
        };
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: message,
            field: (!diagnostic.path.is_empty()).then_some(diagnostic.path),
            line: Some(diagnostic.location.line),
            column: Some(diagnostic.location.column),
            problems: Vec::new(),
            permission: None,
            retry_after: None,
        }
    }

    pub fn into_response(self) -> Response {
        let status = self.status;
        let retry_after = self.retry_after;
        let mut reply = warp::reply::with_status(warp::reply::json(&self), status).into_response();
        if let Some(seconds) = retry_after {
            reply.headers_mut().insert(warp::http::header::RETRY_AFTER, seconds.into());
        }
        reply
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound { kind, key } => ApiError::not_found(kind, &key),
            StoreError::NameTaken { .. } => ApiError::new(StatusCode::CONFLICT, error.to_string()),
            StoreError::Disk(_) => ApiError::new(StatusCode::INSUFFICIENT_STORAGE, error.to_string()),
            other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        match error {
            ServiceError::NotFound { kind, key } => ApiError::not_found(kind, &key),
            ServiceError::Invalid(problems) => ApiError::invalid(problems),
            ServiceError::Conflict(message) => conflict(message),
            ServiceError::Store(error) => error.into(),
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(error: AccessError) -> ApiError {
        match error {
            AccessError::NotFound { kind, key } => ApiError::not_found(kind, &key),
            AccessError::Forbidden { permission, message } => {
                ApiError { permission, ..ApiError::new(StatusCode::FORBIDDEN, message) }
            }
            AccessError::Invalid { field, message } => {
                ApiError::at_field(StatusCode::UNPROCESSABLE_ENTITY, field, message)
            }
            AccessError::Conflict(message) => conflict(message),
            AccessError::SignIn | AccessError::NotBootstrap => {
                ApiError::new(StatusCode::UNAUTHORIZED, error.to_string())
            }
            AccessError::TooMany(wait) => ApiError::too_many(wait, &error.to_string()),
            AccessError::SecondFactorNeeded => ApiError::at_field(StatusCode::UNAUTHORIZED, "code", error.to_string()),
            AccessError::Store(error) => error.into(),
        }
    }
}

impl From<SsoError> for ApiError {
    fn from(error: SsoError) -> ApiError {
        match error {
            SsoError::Off => ApiError::new(StatusCode::NOT_FOUND, error.to_string()),
            SsoError::Provider(_) => ApiError::new(StatusCode::BAD_GATEWAY, error.to_string()),
            SsoError::Access(error) => error.into(),
            other => ApiError::new(StatusCode::UNAUTHORIZED, other.to_string()),
        }
    }
}

/// 409: the request conflicts with the agent's state.
pub fn conflict(message: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, message)
}
