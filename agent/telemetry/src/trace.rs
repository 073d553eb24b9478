//! A collection run as a trace: the root span is the run, each step a client span (HTTP
//! semantic conventions) whose id goes out in the step's `traceparent`, failed assertions are
//! span events with expected and actual. Metrics are recorded as the spans end.

use std::time::Instant;

use opentelemetry::trace::{Span, SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};

use super::Telemetry;
use skopos_core::report::{CollectionReport, Outcome, StepReport, StepStatus};
use skopos_engine::{Instrumentation, RunInstrument};

/// The trace of one run in progress.
pub struct RunSpan<'a> {
    telemetry: &'a Telemetry,
    root: Context,
    step: Option<(usize, opentelemetry_sdk::trace::Span)>,
    labels: Vec<KeyValue>,
    started: Instant,
}

impl Instrumentation for Telemetry {
    fn run_started(&self, collection: &str, monitor: Option<&str>) -> Box<dyn RunInstrument + '_> {
        Box::new(self.run_span(collection, monitor))
    }
}

impl RunInstrument for RunSpan<'_> {
    fn step_starting(&mut self, index: usize) -> Option<String> {
        let header = RunSpan::step_starting(self, index);
        self.telemetry.exports_traces.then_some(header)
    }

    fn step_finished(&mut self, report: &StepReport) {
        RunSpan::step_finished(self, report)
    }

    fn run_finished(self: Box<Self>, report: &CollectionReport) {
        self.finish(report)
    }
}

impl<'a> RunSpan<'a> {
    pub(super) fn start(telemetry: &'a Telemetry, collection: &str, monitor: Option<&str>) -> RunSpan<'a> {
        let labels = telemetry.labels(collection, monitor);
        let span = telemetry
            .tracer
            .span_builder(format!("collection {collection}"))
            .with_kind(SpanKind::Internal)
            .with_attributes(labels.clone())
            .start(&telemetry.tracer);
        RunSpan { telemetry, root: Context::new().with_span(span), step: None, labels, started: Instant::now() }
    }

    /// Starts step `index`'s span; returns its W3C `traceparent`.
    pub fn step_starting(&mut self, index: usize) -> String {
        let span = self
            .telemetry
            .tracer
            .span_builder("HTTP")
            .with_kind(SpanKind::Client)
            .with_attributes([KeyValue::new("skopos.step.index", index as i64 + 1)])
            .start_with_context(&self.telemetry.tracer, &self.root);
        let context = span.span_context().clone();
        self.step = Some((index, span));
        format!("00-{}-{}-{:02x}", context.trace_id(), context.span_id(), context.trace_flags().to_u8())
    }

    pub fn step_finished(&mut self, report: &StepReport) {
        let started = self.step.take().filter(|(index, _)| index + 1 == report.index);
        let Some((_, mut span)) = started else {
            // Never sent (skipped after an earlier step stopped the run).
            let event = vec![KeyValue::new("skopos.step.index", report.index as i64)];
            self.root.span().add_event("step skipped", event);
            return;
        };
        let mut attributes = vec![KeyValue::new("skopos.step.status", status(report.status))];
        if let Some(name) = &report.name {
            attributes.push(KeyValue::new("skopos.step.name", name.clone()));
        }
        if let Some(request) = &report.request {
            span.update_name(request.method.clone());
            attributes.push(KeyValue::new("http.request.method", request.method.clone()));
            attributes.push(KeyValue::new("url.full", request.url.clone()));
        }
        if let Some(response) = &report.response {
            attributes.push(KeyValue::new("http.response.status_code", i64::from(response.status)));
        }
        if let Some(timings) = &report.timings {
            for (phase, ms) in [
                ("dns", timings.dns_ms),
                ("connect", timings.connect_ms),
                ("tls", timings.tls_ms),
                ("first_byte", timings.first_byte_ms),
                ("total", timings.total_ms),
            ] {
                attributes.push(KeyValue::new(format!("skopos.timing.{phase}_ms"), ms));
            }
            let mut labels = self.labels.clone();
            labels.push(KeyValue::new(
                "skopos.step",
                report.name.clone().unwrap_or_else(|| format!("step{}", report.index)),
            ));
            labels.push(KeyValue::new("skopos.outcome", status(report.status)));
            self.telemetry.instruments.step_duration.record(timings.total_ms / 1000.0, &labels);
        }
        span.set_attributes(attributes);
        for failed in report.assertions.iter().filter(|a| !a.passed) {
            let json = |value: &Option<serde_json::Value>| value.as_ref().map_or("null".to_string(), |v| v.to_string());
            span.add_event(
                "assertion failed",
                vec![
                    KeyValue::new("skopos.assertion", failed.subject()),
                    KeyValue::new("skopos.assertion.op", failed.op.as_str()),
                    KeyValue::new("skopos.assertion.expected", json(&failed.expected)),
                    KeyValue::new("skopos.assertion.actual", json(&failed.actual)),
                    KeyValue::new("skopos.assertion.message", failed.message.clone().unwrap_or_default()),
                ],
            );
        }
        if let Some(error) = &report.error {
            let kind = serde_json::to_value(error.kind).ok().and_then(|v| v.as_str().map(str::to_string));
            span.set_attribute(KeyValue::new("error.type", kind.unwrap_or_default()));
            span.set_status(Status::error(error.message.clone()));
        } else if report.status == StepStatus::Failed {
            span.set_status(Status::error("assertion failed"));
        }
        span.end();
    }

    /// Ends the run's span with its result, and records the run's metrics.
    pub fn finish(self, report: &CollectionReport) {
        let outcome = match report.outcome() {
            Outcome::Passed => "passed",
            Outcome::Degraded => "degraded",
            Outcome::Failed => "failed",
        };
        let span = self.root.span();
        span.set_attribute(KeyValue::new("skopos.result", outcome));
        span.set_attribute(KeyValue::new("skopos.steps", report.steps.len() as i64));
        if !report.passed {
            span.set_status(Status::error("the collection failed"));
        }
        span.end();
        let instruments = &self.telemetry.instruments;
        instruments.run_duration.record(self.started.elapsed().as_secs_f64(), &self.labels);
        instruments.up.record(i64::from(report.passed), &self.labels);
        let mut labels = self.labels;
        labels.push(KeyValue::new("skopos.outcome", outcome));
        instruments.runs.add(1, &labels);
    }
}

fn status(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Passed => "passed",
        StepStatus::Degraded => "degraded",
        StepStatus::Failed => "failed",
        StepStatus::Skipped => "skipped",
    }
}
