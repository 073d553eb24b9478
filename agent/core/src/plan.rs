//! Compiling a collection file into a runnable plan, checking everything that can be checked
//! before a request is sent: operators, patterns, URLs, header names and every reference.

use std::path::{Path, PathBuf};
use std::time::Duration;

use http::{HeaderName, Method};
use serde_json::{Map, Value};

use crate::assert::Check;
use crate::document::{Diagnostic, Document, child_key};
use crate::interpolate::Template;
use crate::model::{self, Auth, Collection, Retry, Tls};

/// A collection ready to run.
#[derive(Debug)]
pub struct Plan {
    pub name: String,
    pub file: PathBuf,
    pub variables: Map<String, Value>,
    pub steps: Vec<PlannedStep>,
    /// Every step's name, by position (`None` when unnamed).
    pub names: Vec<Option<String>>,
    pub continue_on_failure: bool,
    /// Run later steps after a step that got no response.
    pub continue_after_error: bool,
    pub max_body_bytes: u64,
    /// Keep a cookie jar for the run (`defaults.cookies`, default true).
    pub cookies: bool,
    /// Send `traceparent` when the run is traced (`defaults.traceparent`, default true).
    pub traceparent: bool,
    /// For each step, the earlier steps whose responses no step after it refers to: the
    /// runner lets go of those once the step has run, so long collections stay small.
    pub release_after: Vec<Vec<usize>>,
    /// Present when the collection or a step has scripts: then `@{{vars.NAME}}` reads the
    /// run's scopes, which scripts change.
    pub scripting: Option<Scripting>,
}

#[derive(Debug)]
pub struct PlannedStep {
    pub name: Option<String>,
    /// `step 2 'cart'`, as messages name it.
    pub label: String,
    /// HTTP, gRPC, WebSocket or a probe: what the step exchanges.
    pub exchange: Exchange,
    pub method: Method,
    pub url: Template,
    pub query: Vec<(String, Template)>,
    pub headers: Vec<(HeaderName, Template)>,
    /// Cookies for this request only, added to the jar's.
    pub cookies: Vec<(String, Template)>,
    pub body: PlannedBody,
    pub auth: Option<PlannedAuth>,
    pub follow_redirects: bool,
    /// The most redirects followed before the step fails.
    pub max_redirects: u32,
    pub timeout: Duration,
    pub tls: Tls,
    pub retry: Option<Retry>,
    pub checks: Vec<Check>,
    /// Read from the response as soon as it arrives, for later steps.
    pub captures: Vec<PlannedCapture>,
    /// Its scripts and the collection's around them (HTTP steps only).
    pub script: Option<PlannedScripts>,
}

#[derive(Debug)]
pub enum PlannedAuth {
    Basic { user: Template, password: Template },
    Bearer(Template),
    OAuth2 { token_url: Template, client_id: Template, client_secret: Template, scope: Option<Template> },
}

/// Reads, parses and checks one collection file. `overrides` are `--var` values.
pub fn load(path: &Path, overrides: &Map<String, Value>) -> Result<Plan, Vec<Diagnostic>> {
    let mut document = Document::read(path).map_err(|d| vec![d])?;
    let collection: Collection = document.deserialize().map_err(|d| vec![d])?;
    compile(&document, collection, overrides)
}

/// Compiles a collection that came from the API or the store rather than a file; problems
/// are located in its pretty-printed JSON, named `NAME.json`.
pub fn compile_stored(collection: &Collection) -> Result<Plan, Vec<Diagnostic>> {
    let (document, collection) = stored_document(&collection.name, collection)?;
    compile(&document, collection, &Map::new())
}

/// Compiles a stored monitor (see [`compile_stored`]).
pub fn compile_stored_monitor(monitor: &crate::model::Monitor) -> Result<MonitorPlan, Vec<Diagnostic>> {
    let (document, monitor) = stored_document(&monitor.name, monitor)?;
    compile_monitor(&document, monitor)
}

/// Compiles a stored maintenance window (see [`compile_stored`]).
pub fn compile_stored_window(window: &crate::model::Window) -> Result<WindowPlan, Vec<Diagnostic>> {
    let (document, window) = stored_document(&window.name, window)?;
    compile_window(&document, window)
}

/// A stored definition as the document its problems are located in, and read back from it.
fn stored_document<T: serde::Serialize + serde::de::DeserializeOwned>(
    name: &str,
    spec: &T,
) -> Result<(Document, T), Vec<Diagnostic>> {
    let text = serde_json::to_string_pretty(spec).expect("definitions serialize");
    let mut document = Document::parse(Path::new(&format!("{name}.json")), text).map_err(|d| vec![d])?;
    let spec = document.deserialize().map_err(|d| vec![d])?;
    Ok((document, spec))
}

/// What a definition file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionKind {
    Collection,
    /// A top-level `schedule` or `heartbeat`.
    Monitor,
    /// A top-level `window`.
    Window,
    /// A top-level `status_page`.
    StatusPage,
}

/// What a parsed document defines, by its top-level keys.
pub fn kind_of(document: &Document) -> DefinitionKind {
    let has = |key: &str| document.value.get(key).is_some();
    if has("status_page") {
        DefinitionKind::StatusPage
    } else if has("window") {
        DefinitionKind::Window
    } else if has("schedule") || has("heartbeat") {
        DefinitionKind::Monitor
    } else {
        DefinitionKind::Collection
    }
}

pub fn compile(
    document: &Document,
    collection: Collection,
    overrides: &Map<String, Value>,
) -> Result<Plan, Vec<Diagnostic>> {
    let mut compiler = Compiler { document, problems: Vec::new(), last_use: Vec::new() };
    let plan = compiler.collection(collection, overrides);
    if compiler.problems.is_empty() { Ok(plan) } else { Err(compiler.problems) }
}

struct Compiler<'d> {
    document: &'d Document,
    problems: Vec<Diagnostic>,
    last_use: Vec<Option<usize>>,
}

/// What every step starts from before its own settings.
struct Inherited<'a> {
    defaults: &'a model::Defaults,
    headers: &'a [(HeaderName, Template)],
    /// `defaults.tls` with paths made relative to the file's folder.
    tls: &'a Tls,
    base_dir: &'a Path,
    script: Option<&'a model::CollectionScript>,
}

/// Where references in the step being compiled may point.
struct RefScope<'a> {
    /// The step being compiled; `None` in `defaults`, which apply to every step.
    position: Option<usize>,
    names: &'a [Option<String>],
    variables: &'a Map<String, Value>,
    /// Scripts may set any variable, so an undeclared one is looked up when the step runs.
    scripted: bool,
}

impl Compiler<'_> {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(self.document.problem(path, message));
    }

    fn collection(&mut self, collection: Collection, overrides: &Map<String, Value>) -> Plan {
        let defaults = &collection.defaults;
        if collection.name.trim().is_empty() {
            self.problem("name", "a collection needs a name");
        }
        if collection.steps.is_empty() {
            self.problem("steps", "a collection needs at least one step");
        }
        let mut variables = collection.variables.clone();
        variables.extend(overrides.clone());
        let scripting = script::scripting(collection.script.as_ref(), &collection.steps);
        let scripted = scripting.is_some();
        let names: Vec<Option<String>> = collection.steps.iter().map(|s| s.name.clone()).collect();
        self.last_use = vec![None; names.len()];
        self.check_names(&names);
        let base_dir = self.document.file.parent().map(Path::to_path_buf).unwrap_or_default();
        let tls = resolve_tls(&defaults.tls, &base_dir);
        self.check_max_redirects("defaults.max_redirects", defaults.max_redirects);
        let mut default_headers = Vec::new();
        for (name, value) in &defaults.headers {
            let path = child_key("defaults.headers", name);
            let scope = RefScope { position: None, names: &names, variables: &variables, scripted };
            if let Some(header) = self.header(&path, name, value, &scope) {
                default_headers.push(header);
            }
        }
        let inherited = Inherited {
            defaults,
            headers: &default_headers,
            tls: &tls,
            base_dir: &base_dir,
            script: collection.script.as_ref(),
        };
        let steps = collection
            .steps
            .into_iter()
            .enumerate()
            .map(|(index, step)| {
                let scope = RefScope { position: Some(index), names: &names, variables: &variables, scripted };
                self.step(index, step, &inherited, &scope)
            })
            .collect();
        Plan {
            name: collection.name,
            file: self.document.file.clone(),
            steps,
            names,
            variables,
            continue_on_failure: defaults.continue_on_failure.unwrap_or(true),
            continue_after_error: defaults.continue_after_error.unwrap_or(false),
            cookies: defaults.cookies.unwrap_or(true),
            traceparent: defaults.traceparent.unwrap_or(true),
            max_body_bytes: defaults.max_body_bytes.unwrap_or(model::DEFAULT_MAX_BODY_BYTES),
            release_after: references::release_after(&self.last_use),
            scripting,
        }
    }

    fn check_max_redirects(&mut self, path: &str, max_redirects: Option<u32>) {
        if max_redirects.is_some_and(|most| most > model::REDIRECTS_LIMIT) {
            self.problem(path, format!("at most {} redirects can be followed", model::REDIRECTS_LIMIT));
        }
    }

    fn header(&mut self, path: &str, name: &str, value: &Value, scope: &RefScope) -> Option<(HeaderName, Template)> {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| self.problem(path, format!("`{name}` is not a valid header name")))
            .ok()?;
        let text = self.scalar_text(path, value)?;
        Some((header, self.template(path, &text, scope)))
    }

    fn scalar_text(&mut self, path: &str, value: &Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
            _ => {
                self.problem(path, "expected a string, number or boolean");
                None
            }
        }
    }

    fn auth(&mut self, at: &str, auth: &Auth, scope: &RefScope, base_dir: &Path, tls: &mut Tls) -> Option<PlannedAuth> {
        let field = |compiler: &mut Self, name: &str, text: &str| compiler.template(&child_key(at, name), text, scope);
        Some(match auth {
            Auth::Basic { user, password } => PlannedAuth::Basic {
                user: field(self, "basic.user", user),
                password: field(self, "basic.password", password),
            },
            Auth::Bearer(token) => PlannedAuth::Bearer(field(self, "bearer", token)),
            Auth::Oauth2ClientCredentials { token_url, client_id, client_secret, scope: wanted } => {
                PlannedAuth::OAuth2 {
                    token_url: field(self, "oauth2_client_credentials.token_url", token_url),
                    client_id: field(self, "oauth2_client_credentials.client_id", client_id),
                    client_secret: field(self, "oauth2_client_credentials.client_secret", client_secret),
                    scope: wanted.as_deref().map(|s| field(self, "oauth2_client_credentials.scope", s)),
                }
            }
            Auth::ClientCert { cert, key } => {
                tls.client_cert = Some(base_dir.join(cert));
                tls.client_key = Some(base_dir.join(key));
                return None;
            }
        })
    }
}

fn resolve_tls(tls: &Tls, base_dir: &Path) -> Tls {
    Tls {
        ca_file: tls.ca_file.as_ref().map(|p| base_dir.join(p)),
        insecure: tls.insecure,
        client_cert: tls.client_cert.as_ref().map(|p| base_dir.join(p)),
        client_key: tls.client_key.as_ref().map(|p| base_dir.join(p)),
    }
}

mod body;
mod captures;
mod dependencies;
mod exchange;
mod grpc;
mod monitor;
mod references;
mod script;
mod status_page;
mod step;
mod window;

pub use body::{PlannedBody, PlannedPart};
pub use captures::PlannedCapture;
pub use exchange::{Exchange, PlannedMessage, PlannedProbe, PlannedWebSocket};
pub use grpc::{HEALTH_METHOD, HEALTH_PROTO, PlannedGrpc, find_method, health_pool, split_method};
pub use script::{DEFAULT_SCRIPT_PLUGIN, PlannedScripts, Scripting};

pub use dependencies::find_cycle;
pub use monitor::{DEFAULT_GRACE, Heartbeat, MonitorPlan, compile_monitor};
pub use status_page::{MAX_OBJECTIVE_DAYS, Objective, compile_status_page, objective};
pub use window::{WindowPlan, WindowTiming, compile_window};
#[cfg(test)]
mod tests;
