//! Probe steps: the target and settings rendered, handed to the probe plugin, and its result
//! read as a response.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Version};
use url::Url;

use super::RunContext;
use super::connect::ms;
use super::request::reference_error;
use super::step::Arrived;
use skopos_core::interpolate::Scope;
use skopos_core::plan::{PlannedProbe, PlannedStep};
use skopos_core::probe::ProbeCall;
use skopos_core::report::{Attempt, ErrorKind, SentRequest, StepError, StepReport, Timings};
use skopos_core::response::Response;

/// Runs the probe; the report gets what was asked (as its request) and the attempt.
pub async fn run(
    step: &PlannedStep,
    planned: &PlannedProbe,
    context: &RunContext,
    scope: &mut Scope<'_>,
    report: &mut StepReport,
) -> Result<Arrived, (StepError, Timings)> {
    let fail = |error| (reference_error(error, step), Timings::default());
    let target = scope.render(&planned.target).map_err(fail)?.into_owned();
    let config = scope.render_json(&planned.config).map_err(fail)?;
    report.request = Some(SentRequest {
        method: "PROBE".into(),
        url: scope.secrets.mask(&format!("{}:{target}", planned.plugin)).into_owned(),
        headers: Vec::new(),
        body: Some(scope.secrets.mask(&config.to_string()).into_owned()),
    });
    let call = ProbeCall { plugin: &planned.plugin, target: &target, config: &config, timeout: step.timeout };
    let attempts = step.retry.as_ref().map_or(1, |retry| retry.attempts.max(1));
    let (outcome, timings) = loop {
        let start = Instant::now();
        let outcome = match tokio::time::timeout(step.timeout, context.probes.probe(call)).await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(why)) => Err(StepError::new(ErrorKind::Probe, format!("probe `{}`: {why}", planned.plugin))),
            Err(_) => Err(StepError::new(
                ErrorKind::Timeout,
                format!("probe `{}` gave no answer within {} ms", planned.plugin, step.timeout.as_millis()),
            )),
        };
        let timings = Timings { total_ms: ms(start), ..Timings::default() };
        let (status, error) = match &outcome {
            Ok(result) => (u16::try_from(result.status).ok(), None),
            Err(error) => (None, Some(error.clone())),
        };
        let attempt = report.attempts.len() as u32 + 1;
        report.attempts.push(Attempt { attempt, status, error, timings: Some(timings) });
        // A probe that could not make its check is tried again as `retry` allows.
        match (&outcome, &step.retry) {
            (Err(_), Some(retry)) if attempt < attempts => super::retry::pause(retry, attempt).await,
            _ => break (outcome, timings),
        }
    };
    let result = outcome.map_err(|error| (error, timings))?;
    // The phases the plugin timed are headers (`x-probe-connect-ms`), so a step can check them.
    let mut headers = HeaderMap::new();
    for (phase, millis) in &result.timings {
        let name = format!("x-probe-{}-ms", phase.to_ascii_lowercase());
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(&format!("{millis:.3}"))) {
            headers.insert(name, value);
        }
    }
    let url = Url::parse(&format!("probe:{}", planned.plugin)).expect("a probe URL parses");
    let body = Bytes::from(serde_json::to_vec(&result.body).expect("JSON values serialize"));
    let status = u16::try_from(result.status).unwrap_or(u16::MAX);
    let response = Response::new(status, headers, body, Duration::from_secs_f64(timings.total_ms / 1000.0), None);
    Ok(Arrived { response, version: Version::HTTP_11, url, timings })
}
