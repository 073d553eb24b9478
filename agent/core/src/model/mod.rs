//! The collection file format as data: what users write, as serde reads it.
//! Field names and meanings follow `shared/spec/collections.md`.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::filter::Filter;

pub use crate::predicate::{Op, OpName, Predicate};

mod grpc;
mod monitor;
mod probe;
mod script;
mod status_page;
mod websocket;
mod window;

pub use grpc::Grpc;
pub use monitor::{HeartbeatSpec, MessageTemplate, Monitor, Notifier, ScheduleSpec, TransitionKind};
pub use probe::Probe;
pub use script::{CollectionScript, Scripts, StepScript};
pub use status_page::{BadgeAccess, Slo, StatusGroup, StatusPage, StatusPageSpec};
pub use websocket::{MessageMatch, Receive, WebSocket};
pub use window::{Window, WindowMode, WindowTime, selects};

/// Default whole-request timeout when neither the step nor `defaults` sets one.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// Default cap on a response body; a larger body is a step error.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;
/// Redirects a followed request takes when neither the step nor `defaults` says (Postman's
/// number); `max_redirects` may raise it to `REDIRECTS_LIMIT` (Hurl and curl take 50).
pub const DEFAULT_MAX_REDIRECTS: u32 = 10;
pub const REDIRECTS_LIMIT: u32 = 100;

/// An ordered list of steps run in sequence.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    /// Unique within an agent.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Referenced as `@{{vars.NAME}}`; `--var K=V` overrides.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub variables: Map<String, Value>,
    #[serde(default)]
    pub defaults: Defaults,
    /// Scripts run around every step, and the scopes scripts keep variables in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<CollectionScript>,
    pub steps: Vec<Step>,
}

/// Settings applied to every step unless the step sets its own.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Whole request, connection to last body byte (default 30000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub headers: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Tls::is_default")]
    pub tls: Tls,
    /// Largest response body accepted, after decompression (default 10 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
    /// Follow 3xx redirects (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_redirects: Option<bool>,
    /// The most redirects a followed request takes before its step fails (default 10, at most
    /// 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_redirects: Option<u32>,
    /// Send cookies that responses set back on later steps and redirects (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookies: Option<bool>,
    /// Keep running later steps after a step's assertion fails (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_on_failure: Option<bool>,
    /// Keep running later steps after a step gets no response (a connection refused, a
    /// timeout), as Postman does (default false: the collection stops there). A later step
    /// that refers to that step's response then fails on the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_after_error: Option<bool>,
    /// Send a W3C `traceparent` header with each step when the agent exports traces, so the
    /// API under test joins the check's trace (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<bool>,
}

/// TLS options; file paths are relative to the collection file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq, Hash, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// Extra PEM root certificates trusted besides the system and Mozilla roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Accept any server certificate (testing only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure: bool,
    /// PEM client certificate chain for mutual TLS, with `client_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<PathBuf>,
}

impl Tls {
    pub fn is_default(&self) -> bool {
        *self == Tls::default()
    }
}

/// One exchange and the checks on what came back: exactly one of `request` (HTTP, or gRPC
/// with `request.grpc`), `websocket` or `probe`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["request"]}, {"required": ["websocket"]}, {"required": ["probe"]}]))]
pub struct Step {
    /// Optional; every step is also `stepN` (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebSocket>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<Probe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    #[serde(default)]
    pub assert: Vec<Assertion>,
    /// Values cut out of the response for later steps (`@{{STEP.captures.NAME}}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<Capture>,
    /// Overrides `defaults.timeout_ms` for this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Scripts run before the request and after the response (Postman's JavaScript).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<StepScript>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// GET when omitted.
    #[serde(default = "default_method")]
    pub method: String,
    pub url: String,
    /// Appended to the URL, URL-encoded. A list value repeats the parameter.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub query: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub headers: Map<String, Value>,
    /// Cookies sent with this request only, beside those of the run's cookie jar (a `Cookie`
    /// header replaces the jar's; these add to them).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub cookies: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// Overrides `defaults.follow_redirects`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_redirects: Option<bool>,
    /// Overrides `defaults.max_redirects`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_redirects: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,
    /// Makes the request a unary gRPC call (`url` is then the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<Grpc>,
}

fn default_method() -> String {
    "GET".to_string()
}

/// A request body: at most one of `json`, `text`, `form`, `multipart` or `graphql`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Body {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Map<String, Value>>,
    /// `multipart/form-data`: each field is text, or a file part
    /// `{file: PATH, content_type: TYPE}` (the path relative to the collection file; the type
    /// `application/octet-stream` when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipart: Option<Map<String, Value>>,
    /// A GraphQL operation, sent as JSON (`{"query", "variables", "operationName"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graphql: Option<GraphQl>,
}

/// A GraphQL request over HTTP, as the GraphQL-over-HTTP convention sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphQl {
    pub query: String,
    /// References work in its strings as in a `json` body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
}

/// Request authentication.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    Basic {
        user: String,
        password: String,
    },
    Bearer(String),
    /// Token fetched once per run from `token_url` and reused by every step that names the
    /// same token URL, client and scope.
    Oauth2ClientCredentials {
        token_url: String,
        client_id: String,
        client_secret: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
    },
    /// Mutual TLS with a PEM certificate chain and key (paths relative to the file).
    ClientCert {
        cert: PathBuf,
        key: PathBuf,
    },
}

/// Retrying a step's request; every attempt is recorded in the report.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Total attempts, the first included.
    pub attempts: u32,
    #[serde(default = "default_retry_delay")]
    pub delay_ms: u64,
    #[serde(default)]
    pub backoff: Backoff,
    /// What is retried: request errors always; `status` adds 5xx responses, `assertions`
    /// responses whose assertions fail.
    #[serde(default = "default_retry_on")]
    pub on: Vec<RetryOn>,
}

fn default_retry_delay() -> u64 {
    500
}

fn default_retry_on() -> Vec<RetryOn> {
    vec![RetryOn::Error]
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Backoff {
    #[default]
    Constant,
    Linear,
    Exponential,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetryOn {
    Error,
    Status,
    /// A response whose assertions fail: polling until they pass (each attempt is judged;
    /// the report holds the last).
    Assertions,
}

/// A check on the response.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    /// Shown in reports instead of the generated description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub source: AssertionSource,
    /// Header name, body path (dot path or JSONPath), or certificate field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// An operator, or a negated name (`ne`, `not_in`, `not_contains`, `not_exists`).
    pub op: OpName,
    /// Negates `op`: the assertion passes when the operator fails on a value it could
    /// compare (a missing or mistyped value still fails).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not: bool,
    /// The expected value; `value: null` is the value `null` (`eq null`), not "no value".
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// With `op: plugin`, the assertion plugin to call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// Applied in order to the value read before it is compared (`[{regex: "id=(\\d+)"}, to_int]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
    /// `warn`: failing it makes the step `degraded`, not failed.
    #[serde(default, skip_serializing_if = "Severity::is_fail")]
    pub severity: Severity,
}

/// How much a failed assertion matters.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The step fails (the default).
    #[default]
    Fail,
    /// The step is `degraded`: a warning, not an outage.
    Warn,
}

impl Severity {
    pub fn is_fail(&self) -> bool {
        *self == Severity::Fail
    }
}

/// A value cut out of a step's response for later steps, `@{{STEP.captures.NAME}}`: read as
/// an assertion reads its `source` and `property`, then through its `filters`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    /// Letters, digits, `_` and `-`; unique within the step.
    pub name: String,
    pub source: AssertionSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// A field that is present, even as `null`, is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

impl Assertion {
    /// What it checks: `op`, negated by its name or by `not` (not both: see `assert::Check`).
    pub fn predicate(&self) -> Predicate {
        let predicate = self.op.predicate();
        if self.not { predicate.negate() } else { predicate }
    }
}

/// What part of the response an assertion looks at (its `source`).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssertionSource {
    Status,
    /// Milliseconds from sending the request to the last body byte.
    Latency,
    Header,
    Body,
    /// Response body bytes after decompression.
    Size,
    Certificate,
    /// A cookie the response sets: `property` is `NAME` (its value) or `NAME[Attribute]`.
    Cookie,
    /// A value this step captured: `property` is the capture's name.
    Capture,
    /// A gRPC step's status: its code (`0`, or by name, `OK`); `property: message` is its
    /// message.
    GrpcStatus,
    /// A test a step's script recorded (`pm.test`): only in reports, never written in a file.
    Script,
}

impl AssertionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AssertionSource::Status => "status",
            AssertionSource::Latency => "latency",
            AssertionSource::Header => "header",
            AssertionSource::Body => "body",
            AssertionSource::Size => "size",
            AssertionSource::Certificate => "certificate",
            AssertionSource::Cookie => "cookie",
            AssertionSource::Capture => "capture",
            AssertionSource::GrpcStatus => "grpc_status",
            AssertionSource::Script => "script",
        }
    }
}
