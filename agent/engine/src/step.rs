//! Running one step, whatever its kind, and judging what came back by its checks.

use std::time::Duration;

use http::Version;
use url::Url;

use skopos_core::assert::AssertionResult;
use skopos_core::interpolate::{Scope, Secrets};
use skopos_core::model::AssertionSource;
use skopos_core::plan::{Exchange, Plan, PlannedBody, PlannedStep};
use skopos_core::report::{StepError, StepReport, StepStatus, Timings};
use skopos_core::response::Response;

use super::http::{Connections, Incoming, SendOptions};
use super::{RunContext, grpc, mask_assertion, mask_error, probe, request, retry, script, websocket};

/// Runs step `index` of `plan`: its report, and its response for later steps (`None` when
/// the step got no response, which stops the collection unless `continue_after_error`).
pub async fn run_step(
    plan: &Plan,
    index: usize,
    context: &RunContext,
    run: StepRun<'_>,
    responses: &[Option<Response>],
    traceparent: Option<String>,
) -> (StepReport, Option<Response>) {
    let StepRun { connections, secrets, mut scripts } = run;
    let step = &plan.steps[index];
    let mut report = StepReport::skipped(index + 1, step.name.clone());
    report.status = StepStatus::Failed;
    let mut view = scripts.as_ref().map(|run| run.variables());
    let vars = view.as_ref().unwrap_or(&plan.variables);
    let mut scope = Scope { vars, env: &context.env, responses, names: &plan.names, secrets };
    if let Exchange::Probe(planned) = &step.exchange {
        let outcome = probe::run(step, planned, context, &mut scope, &mut report).await;
        return judge(step, context, secrets, report, outcome).await;
    }
    let mut placeholders = false;
    let rendered = match scripts.is_some() {
        // In a collection with scripts, a variable no scope holds (yet) is sent as Postman
        // sends it, `{{name}}`; a step's before-request scripts may set it, and the request is
        // rendered again after them.
        true => script::render_before_scripts(step, vars, &mut scope).map(|(rendered, shown)| {
            placeholders = shown;
            rendered
        }),
        false => request::render(step, &mut scope),
    };
    let mut rendered = match rendered {
        Ok(rendered) => rendered,
        Err(error) => {
            report.error = Some(error);
            return (report, None);
        }
    };
    let messages = match &step.exchange {
        Exchange::WebSocket(planned) => match websocket::render_messages(step, planned, &mut scope) {
            Ok(messages) => messages,
            Err(error) => {
                report.error = Some(error);
                return (report, None);
            }
        },
        _ => Vec::new(),
    };
    if let (Some(run), Some(planned)) = (scripts.as_deref_mut(), &step.script)
        && !planned.before.is_empty()
    {
        let outgoing = Before { run, planned, responses, placeholders };
        match outgoing.prepare(plan, step, context, secrets, &mut rendered).await {
            Ok((changed, tests)) => {
                view = changed.or(view);
                report.assertions.extend(tests);
            }
            Err(error) => {
                report.error = Some(mask_error(&error, secrets));
                return (report, None);
            }
        }
    }
    let vars = view.as_ref().unwrap_or(&plan.variables);
    if let Some(grant) = rendered.oauth2.take() {
        match context.tokens.token(&grant, step, &context.tls).await {
            Ok(token) => {
                secrets.add(&token);
                request::set_bearer(&mut rendered.outgoing, &token);
            }
            Err(error) => {
                report.request = Some(request::recorded(&rendered, secrets));
                report.error = Some(error);
                return (report, None);
            }
        }
    }
    // A gRPC call's message, encoded for its method (found by reflection, asked with the
    // call's own metadata, when no `.proto` file gave it), and the method's reply type.
    let mut scope = Scope { vars, env: &context.env, responses, names: &plan.names, secrets };
    let call = match &step.exchange {
        Exchange::Grpc(planned) => {
            match grpc::prepare(step, planned, &mut rendered.outgoing, &mut scope, connections).await {
                Ok(call) => Some(call),
                Err(error) => {
                    report.request = Some(request::recorded(&rendered, secrets));
                    report.error = Some(mask_error(&error, secrets));
                    return (report, None);
                }
            }
        }
        _ => None,
    };
    if matches!(step.exchange, Exchange::WebSocket(_)) {
        // Content codings do not apply to an upgrade: not sent, so not recorded either.
        rendered.outgoing.headers.remove(::http::header::ACCEPT_ENCODING);
    }
    connections.add_cookies(&mut rendered.outgoing, &rendered.cookies);
    if let Some(value) = traceparent.and_then(|v| ::http::HeaderValue::from_str(&v).ok()) {
        rendered.outgoing.headers.insert("traceparent", value);
    }
    let mut recorded = request::recorded(&rendered, secrets);
    if let Some(call) = &call {
        recorded.body = Some(secrets.mask(&call.shown).into_owned());
    }
    report.request = Some(recorded);

    if let Exchange::WebSocket(planned) = &step.exchange {
        let (tls, attempts) = (connections.tls(), &mut report.attempts);
        let outcome =
            websocket::run(step, planned, &rendered.outgoing, messages, tls, plan.max_body_bytes, attempts).await;
        return judge(step, context, secrets, report, outcome.map(Arrived::from)).await;
    }
    let options = SendOptions {
        tls: &step.tls,
        follow_redirects: step.follow_redirects,
        max_redirects: step.max_redirects,
        max_body_bytes: plan.max_body_bytes,
        http2_only: call.is_some(),
    };
    loop {
        let outcome = retry::send(step, connections, &rendered.outgoing, options, secrets, &mut report.attempts).await;
        let outcome = match &call {
            Some(call) => outcome.and_then(|incoming| grpc::receive(incoming, call)),
            None => outcome,
        };
        let (mut report_now, response) =
            judge(step, context, secrets, report.clone(), outcome.map(Arrived::from)).await;
        // A step that got no response still runs its after-response scripts when the run goes
        // on past it (as Postman does): they see no response.
        let goes_on = response.is_some() || plan.continue_after_error;
        if let (Some(run), Some(planned), true) = (scripts.as_deref_mut(), &step.script, goes_on)
            && !planned.after.is_empty()
        {
            let sent = script::sent_request(&rendered.outgoing);
            let mut tests = script::after(run, context, plan, step, planned, sent, response.as_ref()).await;
            for test in &mut tests {
                mask_assertion(test, secrets);
            }
            report_now.assertions.extend(tests);
            if report_now.error.is_none() {
                report_now.status = status_of(&report_now.assertions);
            }
        }
        let failed = report_now.status == StepStatus::Failed && response.is_some();
        // `report` holds every attempt so far (`send` adds to it); each judgement starts from it.
        match retry::again_for_assertions(step, report.attempts.len()).filter(|_| failed) {
            Some(retry) => retry::pause(retry, report.attempts.len() as u32).await,
            None => return (report_now, response),
        }
    }
}

/// What came back, whatever the step's kind: the response its checks read, and how it came.
pub struct Arrived {
    pub response: Response,
    pub version: Version,
    pub url: Url,
    pub timings: Timings,
}

impl From<Incoming> for Arrived {
    fn from(incoming: Incoming) -> Arrived {
        let mut response = Response::new(
            incoming.status.as_u16(),
            incoming.headers,
            incoming.body,
            Duration::from_secs_f64(incoming.timings.total_ms / 1000.0),
            incoming.certificate,
        );
        response.grpc_status = incoming.grpc_status;
        Arrived { response, version: incoming.version, url: incoming.url, timings: incoming.timings }
    }
}

/// The step's report once `outcome` is in: its response with captures, judged by its checks.
async fn judge(
    step: &PlannedStep,
    context: &RunContext,
    secrets: &Secrets,
    mut report: StepReport,
    outcome: Result<Arrived, (StepError, Timings)>,
) -> (StepReport, Option<Response>) {
    match outcome {
        Err((error, timings)) => {
            report.timings = Some(timings);
            report.error = Some(mask_error(&error, secrets));
            (report, None)
        }
        Ok(Arrived { mut response, version, url, timings }) => {
            report.timings = Some(timings);
            let captures =
                step.captures.iter().map(|capture| (capture.name.clone(), capture.read(&response))).collect();
            response.captures = captures;
            for check in &step.checks {
                report.assertions.push(check.evaluate(&response, context.plugins.as_ref()).await);
            }
            for assertion in &mut report.assertions {
                explain_grpc_status(assertion, &response);
                mask_assertion(assertion, secrets);
            }
            let passed = report.assertions.iter().all(|a| a.passed);
            report.status = status_of(&report.assertions);
            if matches!(step.body, PlannedBody::GraphQl(_)) {
                report.note = graphql_errors(&response).map(|note| secrets.mask(&note).into_owned());
            }
            let body_chars = if passed { request::PASSED_STEP_BODY_CHARS } else { request::FAILED_STEP_BODY_CHARS };
            report.response = Some(request::received(&response, version, &url, secrets, body_chars));
            (report, Some(response))
        }
    }
}

/// A step's before-request scripts, about to run on its rendered request.
struct Before<'a> {
    run: &'a mut script::ScriptRun,
    planned: &'a skopos_core::plan::PlannedScripts,
    responses: &'a [Option<Response>],
    /// The request was rendered with `{{name}}` for variables not set yet.
    placeholders: bool,
}

impl Before<'_> {
    /// Runs the scripts and puts their changes on `rendered`, rendering it again when they
    /// changed a variable (then the new variables are returned), with the tests they recorded.
    async fn prepare(
        self,
        plan: &Plan,
        step: &PlannedStep,
        context: &RunContext,
        secrets: &mut Secrets,
        rendered: &mut request::Rendered,
    ) -> Result<(Option<serde_json::Map<String, serde_json::Value>>, Vec<AssertionResult>), StepError> {
        let prepared = script::before(self.run, context, plan, self.planned, &rendered.outgoing).await?;
        let mut view = None;
        if prepared.variables_changed || self.placeholders {
            let vars = view.insert(self.run.variables());
            let mut scope = Scope { vars, env: &context.env, responses: self.responses, names: &plan.names, secrets };
            *rendered = script::render_before_scripts(step, vars, &mut scope)?.0;
        }
        script::apply(&mut rendered.outgoing, &prepared.given, &prepared.changed)?;
        Ok((view, prepared.tests))
    }
}

/// Passed when every assertion passed, degraded when only `warn` ones failed.
fn status_of(assertions: &[AssertionResult]) -> StepStatus {
    if assertions.iter().all(|a| a.passed) {
        StepStatus::Passed
    } else if assertions.iter().any(|a| a.fails_step()) {
        StepStatus::Failed
    } else {
        StepStatus::Degraded
    }
}

/// What a step's run works with beyond the plan: the connections, the secrets seen so far,
/// and the scripts' scopes when the collection has scripts.
pub struct StepRun<'a> {
    pub connections: &'a mut Connections,
    pub secrets: &'a mut Secrets,
    pub scripts: Option<&'a mut script::ScriptRun>,
}

/// A failed check of a gRPC status code says which status came, in words.
fn explain_grpc_status(assertion: &mut AssertionResult, response: &Response) {
    let Some(status) = &response.grpc_status else { return };
    if assertion.passed || assertion.source != AssertionSource::GrpcStatus || assertion.property.is_some() {
        return;
    }
    if let Some(message) = &mut assertion.message {
        message.push_str(&format!(" ({}: {})", status.name(), status.message));
    }
}

/// A GraphQL response that carries `errors` (often beside a 200 and partial `data`), in
/// words: the first messages, with where in the body to look.
fn graphql_errors(response: &Response) -> Option<String> {
    let errors = response.json()?.get("errors")?.as_array().filter(|errors| !errors.is_empty())?;
    let messages: Vec<String> = errors
        .iter()
        .take(3)
        .map(|error| match (error.get("message").and_then(|m| m.as_str()), error.get("path")) {
            (Some(message), Some(path)) => format!("{message} (at {path})"),
            (Some(message), None) => message.to_string(),
            (None, _) => error.to_string(),
        })
        .collect();
    let more = if errors.len() > 3 { format!("; and {} more", errors.len() - 3) } else { String::new() };
    Some(format!(
        "the GraphQL response carries {} error(s) in `errors` (check them with `{{source: body, property: errors, op: not_exists}}`): {}{more}",
        errors.len(),
        messages.join("; ")
    ))
}
