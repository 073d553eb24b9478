//! A step's scripts around its request: the run's variable scopes, the before-request
//! scripts (which may change the request and the variables), and the after-response scripts
//! (whose tests join the step's assertions).

use std::collections::BTreeSet;

use http::{HeaderName, HeaderValue, Method};
use serde_json::{Map, Value};

use skopos_core::assert::AssertionResult;
use skopos_core::interpolate::{Scope, Secrets, Template, variable_key};
use skopos_core::model::{AssertionSource, Op};
use skopos_core::plan::{Plan, PlannedScripts, PlannedStep};
use skopos_core::report::{ErrorKind, StepError};
use skopos_core::response::Response;
use skopos_core::script::{
    Phase, SCOPE_ORDER, Scopes, ScriptCall, ScriptOutcome, ScriptRequest, ScriptResponse, header_pairs,
};

use super::RunContext;
use super::http::Outgoing;

/// What a run's scripts share: the variable scopes, and the hosts the run has called.
pub struct ScriptRun {
    pub scopes: Scopes,
    hosts: BTreeSet<String>,
    plugin: String,
    /// Which instances the plugin may share: this collection's.
    isolation: String,
}

impl ScriptRun {
    /// The starting scopes of `plan`'s run, `@{{env.NAME}}` in their strings resolved.
    pub fn new(plan: &Plan, context: &RunContext, secrets: &mut Secrets) -> Option<ScriptRun> {
        let scripting = plan.scripting.as_ref()?;
        let mut scopes = scripting.scopes(&plan.variables);
        let mut scope = Scope { vars: &plan.variables, env: &context.env, responses: &[], names: &plan.names, secrets };
        for values in scopes.values_mut() {
            for value in values.values_mut() {
                if let Value::String(text) = value
                    && text.contains("@{{")
                    && let Ok(template) = Template::parse(text)
                    && let Ok(rendered) = scope.render(&template)
                {
                    *text = rendered.into_owned();
                }
            }
        }
        let isolation = format!("{}\u{0}{}", plan.file.display(), plan.name);
        Some(ScriptRun { scopes, hosts: BTreeSet::new(), plugin: scripting.plugin.clone(), isolation })
    }

    /// The variables `@{{vars.NAME}}` reads: each name from its nearest scope. A name with
    /// characters a reference cannot hold (`fo/o`) is also there as importers write it, with
    /// each of them as `_` (`fo_o`).
    pub fn variables(&self) -> Map<String, Value> {
        let mut view = Map::new();
        for scope in SCOPE_ORDER.iter().rev() {
            for (name, value) in self.scopes.get(*scope).into_iter().flatten() {
                let key = variable_key(name);
                if key != *name {
                    view.insert(key, value.clone());
                }
                view.insert(name.clone(), value.clone());
            }
        }
        view
    }

    async fn call(
        &mut self,
        context: &RunContext,
        plan: &Plan,
        planned: &PlannedScripts,
        phase: Phase,
        request: ScriptRequest,
        response: Option<ScriptResponse>,
    ) -> Result<ScriptOutcome, String> {
        let scripts = match phase {
            Phase::BeforeRequest => planned.before.clone(),
            Phase::AfterResponse => planned.after.clone(),
        };
        let call = ScriptCall {
            phase,
            scripts,
            request,
            response,
            scopes: self.scopes.clone(),
            collection: plan.name.clone(),
            step: planned.request_name.clone(),
            hosts: self.hosts.iter().cloned().collect(),
        };
        let outcome = context.scripts.run_scripts(&self.plugin, &self.isolation, call).await?;
        self.scopes = outcome.scopes.clone();
        Ok(outcome)
    }
}

/// The step's request in a collection with scripts: a variable no scope holds (its
/// before-request scripts may set it) is written as Postman writes it, `{{name}}`. True when
/// one was: the request is then rendered again after the scripts.
pub fn render_before_scripts(
    step: &PlannedStep,
    vars: &Map<String, Value>,
    scope: &mut Scope,
) -> Result<(super::request::Rendered, bool), StepError> {
    let mut shown = vars.clone();
    loop {
        let mut attempt = Scope {
            vars: &shown,
            env: scope.env,
            responses: scope.responses,
            names: scope.names,
            secrets: &mut *scope.secrets,
        };
        match super::request::render(step, &mut attempt) {
            Err(error) if error.kind == ErrorKind::Reference => {
                let missing = missing_variable(&error.message).filter(|name| !shown.contains_key(name));
                match missing {
                    Some(name) => shown.insert(name.clone(), Value::String(format!("{{{{{name}}}}}"))),
                    None => return Err(error),
                };
            }
            rendered => return rendered.map(|rendered| (rendered, shown.len() > vars.len())),
        }
    }
}

/// `a` from a reference error about `@{{vars.a}}`.
fn missing_variable(message: &str) -> Option<String> {
    let (_, rest) = message.split_once("`@{{vars.")?;
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
    (!name.is_empty()).then_some(name)
}

/// The request as scripts see it.
pub fn script_request(outgoing: &Outgoing) -> ScriptRequest {
    ScriptRequest {
        method: outgoing.method.to_string(),
        url: outgoing.url.to_string(),
        headers: header_pairs(&outgoing.headers),
        body: (!outgoing.body.is_empty()).then(|| String::from_utf8_lossy(&outgoing.body).into_owned()),
    }
}

/// The request as it went out, for after-response scripts: with its `Host`.
pub fn sent_request(outgoing: &Outgoing) -> ScriptRequest {
    let mut request = script_request(outgoing);
    if !request.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host"))
        && let Some(host) = outgoing.url.host_str()
    {
        let host = match outgoing.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        request.headers.push(("host".to_string(), host));
    }
    request
}

/// Runs the step's before-request scripts on `outgoing`. `Ok(true)` when they changed a
/// variable (the request is then rendered again, and [`apply`] puts the scripts' own changes
/// on it).
pub async fn before(
    run: &mut ScriptRun,
    context: &RunContext,
    plan: &Plan,
    planned: &PlannedScripts,
    outgoing: &Outgoing,
) -> Result<Prepared, StepError> {
    if let Some(host) = outgoing.url.host_str() {
        run.hosts.insert(host.to_string());
    }
    let given = script_request(outgoing);
    let scopes_before = run.scopes.clone();
    let outcome = run
        .call(context, plan, planned, Phase::BeforeRequest, given.clone(), None)
        .await
        .map_err(|message| StepError::new(ErrorKind::Script, format!("the script plugin: {message}")))?;
    if let Some(error) = &outcome.error {
        return Err(StepError::new(ErrorKind::Script, error.to_string()));
    }
    let variables_changed = run.scopes != scopes_before;
    let tests = test_results(outcome.tests);
    Ok(Prepared { given, changed: outcome.request, variables_changed, tests })
}

/// What a step's before-request scripts did.
pub struct Prepared {
    /// The request as the scripts were given it, and as they left it.
    pub given: ScriptRequest,
    pub changed: ScriptRequest,
    pub variables_changed: bool,
    /// The tests they recorded (`pm.test` may be called before the request too).
    pub tests: Vec<AssertionResult>,
}

fn test_result(name: String, passed: bool, message: Option<String>) -> AssertionResult {
    AssertionResult {
        name: Some(name),
        source: AssertionSource::Script,
        property: None,
        op: Op::Plugin.into(),
        not: false,
        expected: None,
        actual: None,
        passed,
        message,
        severity: Default::default(),
    }
}

/// The tests that ran (not those skipped with `pm.test.skip`), as assertion results.
fn test_results(tests: Vec<skopos_core::script::ScriptTest>) -> Vec<AssertionResult> {
    tests
        .into_iter()
        .filter(|test| !test.skipped)
        .map(|test| test_result(test.name, test.passed, test.message))
        .collect()
}

/// Puts on `outgoing` what the scripts changed between `given` and `changed`.
pub fn apply(outgoing: &mut Outgoing, given: &ScriptRequest, changed: &ScriptRequest) -> Result<(), StepError> {
    let invalid = |what: String| StepError::new(ErrorKind::Script, format!("the script set {what}"));
    if changed.method != given.method {
        outgoing.method = Method::from_bytes(changed.method.as_bytes())
            .map_err(|_| invalid(format!("the method `{}`, which is not one", changed.method)))?;
    }
    if changed.url != given.url {
        outgoing.url = url::Url::parse(&changed.url)
            .map_err(|e| invalid(format!("the URL `{}`, which is not valid: {e}", changed.url)))?;
    }
    if changed.headers != given.headers {
        for (name, _) in
            given.headers.iter().filter(|(name, _)| !changed.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)))
        {
            outgoing.headers.remove(name.as_str());
        }
        for (name, value) in changed.headers.iter().filter(|header| !given.headers.contains(header)) {
            let header =
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid(format!("the header name `{name}`")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| invalid(format!("header `{name}` to a value that cannot be sent")))?;
            outgoing.headers.insert(header, value);
        }
    }
    if changed.body != given.body {
        outgoing.body = changed.body.clone().unwrap_or_default().into();
    }
    Ok(())
}

/// Runs the step's after-response scripts: their tests as assertion results (a script that
/// threw as a failed one).
pub async fn after(
    run: &mut ScriptRun,
    context: &RunContext,
    plan: &Plan,
    step: &PlannedStep,
    planned: &PlannedScripts,
    sent: ScriptRequest,
    response: Option<&Response>,
) -> Vec<AssertionResult> {
    if let Some(host) = url::Url::parse(&sent.url).ok().and_then(|url| url.host_str().map(str::to_string)) {
        run.hosts.insert(host);
    }
    let given = response.map(ScriptResponse::of);
    match run.call(context, plan, planned, Phase::AfterResponse, sent, given).await {
        Err(message) => {
            vec![test_result(
                format!("the {} script", step.label),
                false,
                Some(format!("the script plugin: {message}")),
            )]
        }
        Ok(outcome) => {
            let mut results = test_results(outcome.tests);
            if let Some(error) = outcome.error {
                let at = error.line.map(|line| format!("line {line}: ")).unwrap_or_default();
                let message = Some(format!("{at}{}", error.message));
                results.push(test_result(format!("the {} script", error.source), false, message));
            }
            results
        }
    }
}
