//! Scripts' hand-over to the plugin that runs them: the Wasm plugin host implements
//! [`ScriptPlugins`]; the engine only knows this trait. A call carries the step's scripts, its
//! request (and response), and the run's variable scopes; the outcome carries the request as
//! the scripts left it, the scopes, and the tests they recorded.

use std::collections::BTreeMap;
use std::pin::Pin;

use serde_json::{Map, Value};

/// The scopes a run's scripts share, by name: `globals`, `environment`, `collection`, `local`.
pub type Scopes = BTreeMap<String, Map<String, Value>>;

/// Where `@{{vars.NAME}}` looks in a collection with scripts, nearest first (Postman's
/// `pm.variables` order).
pub const SCOPE_ORDER: [&str; 4] = ["local", "environment", "collection", "globals"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    BeforeRequest,
    AfterResponse,
}

/// One script, named for where it came from (`collection`, `step 'login'`).
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScriptRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScriptResponse {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub time_ms: f64,
}

impl ScriptResponse {
    /// `response` as scripts see it: its reason phrase, and its headers and body as text.
    pub fn of(response: &crate::response::Response) -> ScriptResponse {
        let reason = http::StatusCode::from_u16(response.status).ok().and_then(|status| status.canonical_reason());
        ScriptResponse {
            status: response.status,
            reason: reason.unwrap_or("").to_string(),
            headers: header_pairs(&response.headers),
            body: String::from_utf8_lossy(&response.body).into_owned(),
            time_ms: response.latency.as_secs_f64() * 1000.0,
        }
    }
}

/// Headers as scripts see them: in order, each value as text.
pub fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| (name.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect()
}

#[derive(Debug, Clone)]
pub struct ScriptCall {
    pub phase: Phase,
    pub scripts: Vec<Source>,
    pub request: ScriptRequest,
    pub response: Option<ScriptResponse>,
    pub scopes: Scopes,
    pub collection: String,
    pub step: String,
    /// The hosts `pm.sendRequest` may reach.
    pub hosts: Vec<String>,
}

/// A test a script recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptTest {
    pub name: String,
    pub passed: bool,
    pub skipped: bool,
    pub message: Option<String>,
}

/// A script that threw or was stopped: the ones after it did not run.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptError {
    pub source: String,
    pub message: String,
    pub line: Option<u32>,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "the {} script, line {line}: {}", self.source, self.message),
            None => write!(f, "the {} script: {}", self.source, self.message),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScriptOutcome {
    pub request: ScriptRequest,
    pub scopes: Scopes,
    pub tests: Vec<ScriptTest>,
    pub error: Option<ScriptError>,
    pub console: Vec<String>,
}

/// The outcome, or why the plugin could not run the scripts (not loaded, crashed, stopped at
/// its deadline or memory cap).
pub type ScriptFuture<'a> = Pin<Box<dyn Future<Output = Result<ScriptOutcome, String>> + Send + 'a>>;

pub trait ScriptPlugins: Send + Sync {
    /// Runs `call` with the script plugin `plugin`. Calls with the same `isolation` (a
    /// collection) may share a plugin instance; calls with different ones never do.
    fn run_scripts<'a>(&'a self, plugin: &'a str, isolation: &'a str, call: ScriptCall) -> ScriptFuture<'a>;

    /// Whether a script plugin of this name is loaded (`validate` asks).
    fn has_script_plugin(&self, plugin: &str) -> bool;
}

/// Until a plugin host is configured: every script plugin is missing.
pub struct NoScripts;

impl ScriptPlugins for NoScripts {
    fn run_scripts<'a>(&'a self, plugin: &'a str, _: &'a str, _: ScriptCall) -> ScriptFuture<'a> {
        Box::pin(std::future::ready(Err(format!("no script plugin named `{plugin}` is loaded"))))
    }

    fn has_script_plugin(&self, _: &str) -> bool {
        false
    }
}
