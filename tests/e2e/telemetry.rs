//! OTLP export, checked by a real OTLP receiver (OTLP/HTTP, and gRPC over HTTP/2 with its
//! message framing and trailers) that decodes the protobuf payloads with the OpenTelemetry
//! proto types: the run's trace (root and step spans, parent links, HTTP attributes, failed
//! assertions as events), the `traceparent` the API under test received, the resource, and
//! the run metrics.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

use crate::{Files, server, unique};

/// What an OTLP/HTTP receiver got, decoded.
#[derive(Default)]
pub(crate) struct Received {
    traces: Vec<ExportTraceServiceRequest>,
    metrics: Vec<ExportMetricsServiceRequest>,
    /// Export requests that came over gRPC.
    grpc: usize,
    /// Requests that were not protobuf on the OTLP paths (the test fails on any).
    wrong: Vec<String>,
}

impl Received {
    /// Everything received, as text (to search for what must not be there).
    pub(crate) fn all_text(&self) -> String {
        format!("{:?}{:?}", self.traces, self.metrics)
    }

    /// Every span received, in every export.
    pub(crate) fn spans(&self) -> Vec<&Span> {
        self.traces.iter().flat_map(|r| &r.resource_spans).flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans).collect()
    }
}

const GRPC_TRACES: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
const GRPC_METRICS: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

/// The protobuf in a gRPC request body: one uncompressed message, a 0 flag and its length
/// (4 bytes, big-endian) first.
fn grpc_message(body: &[u8]) -> Option<Bytes> {
    let (&compressed, rest) = body.split_first()?;
    let length = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    (compressed == 0 && rest.len() == 4 + length).then(|| Bytes::copy_from_slice(&rest[4..]))
}

type ReplyBody = http_body_util::combinators::WithTrailers<
    Full<Bytes>,
    std::future::Ready<Option<Result<hyper::HeaderMap, std::convert::Infallible>>>,
>;

/// An OTLP/HTTP answer, or a gRPC one: an empty `Export*ServiceResponse` and `grpc-status: 0`.
fn reply(grpc: bool) -> hyper::Response<ReplyBody> {
    if !grpc {
        return hyper::Response::new(Full::new(Bytes::new()).with_trailers(std::future::ready(None)));
    }
    let mut trailers = hyper::HeaderMap::new();
    trailers.insert("grpc-status", "0".parse().unwrap());
    let body = Full::new(Bytes::from_static(&[0, 0, 0, 0, 0])).with_trailers(std::future::ready(Some(Ok(trailers))));
    hyper::Response::builder().header("content-type", "application/grpc").body(body).unwrap()
}

pub(crate) fn receiver() -> (SocketAddr, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let state = received.clone();
    let address = skopos_test_support::serve(move |request: hyper::Request<Bytes>| {
        let state = state.clone();
        async move {
            let path = request.uri().path().to_string();
            let kind = request.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string());
            let body = request.into_body();
            let mut state = state.lock().unwrap();
            let grpc = kind.as_deref() == Some("application/grpc");
            let message = if grpc { grpc_message(&body) } else { Some(body) };
            match (path.as_str(), kind.as_deref(), message) {
                ("/v1/traces", Some("application/x-protobuf"), Some(body)) => {
                    state.traces.push(ExportTraceServiceRequest::decode(body).unwrap())
                }
                ("/v1/metrics", Some("application/x-protobuf"), Some(body)) => {
                    state.metrics.push(ExportMetricsServiceRequest::decode(body).unwrap())
                }
                (GRPC_TRACES, Some("application/grpc"), Some(body)) => {
                    state.grpc += 1;
                    state.traces.push(ExportTraceServiceRequest::decode(body).unwrap())
                }
                (GRPC_METRICS, Some("application/grpc"), Some(body)) => {
                    state.grpc += 1;
                    state.metrics.push(ExportMetricsServiceRequest::decode(body).unwrap())
                }
                _ => state.wrong.push(format!("{path} {kind:?}")),
            }
            reply(grpc).map(BodyExt::boxed)
        }
    });
    (address, received)
}

fn text(value: &Option<AnyValue>) -> String {
    match value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(n)) => n.to_string(),
        Some(any_value::Value::DoubleValue(n)) => n.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        other => format!("{other:?}"),
    }
}

fn attributes(list: &[KeyValue]) -> HashMap<String, String> {
    list.iter().map(|kv| (kv.key.clone(), text(&kv.value))).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_run_exports_its_trace_and_metrics_over_otlp_and_the_api_joins_the_trace() {
    let (otlp, received) = receiver();
    let key = unique("otlp");
    let base = server().base();
    let files = Files::new();
    files.write(
        "traced.yaml",
        &format!(
            r#"name: traced
steps:
  - name: hook
    request: {{ method: POST, url: "{base}/hook/{key}", body: {{ json: {{ n: 1 }} }} }}
    assert: [{{ source: status, op: eq, value: 200 }}]
  - name: home
    request: {{ url: "{base}/slow/1" }}
    assert: [{{ source: status, op: eq, value: 201 }}]
"#
        ),
    );
    let endpoint = format!("http://{otlp}");
    let outcome = files.run(&["traced.yaml", "--otlp-endpoint", &endpoint, "--region", "eu-west"], &[]);
    assert_eq!(outcome.code, 1, "step 2 fails: {}{}", outcome.stdout, outcome.stderr);

    let received = received.lock().unwrap();
    assert!(received.wrong.is_empty(), "{:?}", received.wrong);
    let resources: Vec<_> = received.traces.iter().flat_map(|r| &r.resource_spans).collect();
    let resource = attributes(&resources[0].resource.as_ref().unwrap().attributes);
    assert_eq!(resource["service.name"], "skopos-agent", "{resource:?}");
    assert_eq!(resource["skopos.region"], "eu-west");
    assert!(resource.contains_key("service.version"));
    let spans: Vec<&Span> = resources.iter().flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans).collect();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    let root = spans.iter().find(|s| s.name == "collection traced").expect("a root span");
    assert!(root.parent_span_id.is_empty());
    assert_eq!(attributes(&root.attributes)["skopos.result"], "failed");
    let steps: Vec<&&Span> = spans.iter().filter(|s| s.parent_span_id == root.span_id).collect();
    assert_eq!(steps.len(), 2, "both steps are children of the run");
    assert!(steps.iter().all(|s| s.trace_id == root.trace_id));
    let hook = steps.iter().find(|s| s.name == "POST").expect("the POST step's span");
    let hook_attributes = attributes(&hook.attributes);
    assert_eq!(hook_attributes["http.request.method"], "POST");
    assert_eq!(hook_attributes["http.response.status_code"], "200");
    assert_eq!(hook_attributes["url.full"], format!("{base}/hook/{key}"));

    // The API under test received the step span's context.
    let traceparent = &server().received(&key)[0].headers["traceparent"];
    assert_eq!(*traceparent, format!("00-{}-{}-01", hex(&root.trace_id), hex(&hook.span_id)));

    // The failed assertion is an event with expected and actual.
    let home = steps.iter().find(|s| s.name == "GET").expect("the GET step's span");
    let event = home.events.iter().find(|e| e.name == "assertion failed").expect("a failed assertion event");
    let event = attributes(&event.attributes);
    assert_eq!(
        (event["skopos.assertion.expected"].as_str(), event["skopos.assertion.actual"].as_str()),
        ("201", "200")
    );

    // Metrics: one failed run of `traced` from region eu-west.
    let metrics: Vec<_> = received
        .metrics
        .iter()
        .flat_map(|r| &r.resource_metrics)
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .collect();
    let runs = metrics.iter().find(|m| m.name == "skopos.runs").expect("the runs counter");
    let Some(opentelemetry_proto::tonic::metrics::v1::metric::Data::Sum(sum)) = &runs.data else {
        panic!("skopos.runs is a sum: {runs:?}")
    };
    let point = &sum.data_points[0];
    let labels = attributes(&point.attributes);
    assert_eq!((labels["skopos.collection"].as_str(), labels["skopos.outcome"].as_str()), ("traced", "failed"));
    assert_eq!(labels["skopos.region"], "eu-west");
    let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
    for name in ["skopos.collection.duration", "skopos.step.duration", "skopos.up"] {
        assert!(names.contains(&name), "{name} among {names:?}");
    }
}

#[test]
fn otlp_can_travel_over_grpc() {
    let (otlp, received) = receiver();
    let base = server().base();
    let files = Files::new();
    files.write(
        "grpc.yaml",
        &format!("name: over grpc\nsteps:\n  - request: {{ url: \"{base}/slow/1\" }}\n    assert: [{{ source: status, op: eq, value: 200 }}]\n"),
    );
    let endpoint = format!("http://{otlp}");
    let outcome = files.run(&["grpc.yaml", "--otlp-endpoint", &endpoint], &[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
    assert_eq!(outcome.code, 0, "{}{}", outcome.stdout, outcome.stderr);
    let received = received.lock().unwrap();
    assert!(received.wrong.is_empty(), "{:?}", received.wrong);
    assert_eq!(received.grpc, received.traces.len() + received.metrics.len(), "every export came over gRPC");
    let spans = received.spans();
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"collection over grpc") && names.contains(&"GET"), "{names:?}");
    assert!(!received.metrics.is_empty(), "the run's metrics, sent when skopos run ends");

    // A protocol that is not built in is refused before anything runs.
    let outcome =
        files.run(&["grpc.yaml", "--otlp-endpoint", &endpoint], &[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]);
    assert_ne!(outcome.code, 0);
    assert!(outcome.stderr.contains("`http/json` is not built in"), "{}", outcome.stderr);
}

#[test]
fn a_collection_can_keep_traceparent_out_of_its_requests() {
    let (otlp, received) = receiver();
    let key = unique("no-traceparent");
    let base = server().base();
    let files = Files::new();
    files.write(
        "quiet.yaml",
        &format!(
            "name: quiet\ndefaults: {{ traceparent: false }}\nsteps:\n  - request: {{ method: POST, url: \"{base}/hook/{key}\" }}\n"
        ),
    );
    let outcome = files.run(&["quiet.yaml", "--otlp-endpoint", &format!("http://{otlp}")], &[]);
    assert_eq!(outcome.code, 0, "{}{}", outcome.stdout, outcome.stderr);
    assert!(!server().received(&key)[0].headers.contains_key("traceparent"));
    assert_eq!(received.lock().unwrap().traces.iter().map(|t| t.resource_spans.len()).sum::<usize>(), 1);
}

#[test]
fn the_agent_exports_its_monitors_runs_with_the_standard_environment_variables() {
    let (otlp, received) = receiver();
    let data = tempfile::tempdir().unwrap();
    let endpoint = format!("http://{otlp}");
    let agent = crate::agent::Agent::start_with(
        data.path(),
        &["--region", "us-east"],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "200"),
        ],
    );
    let collection =
        serde_json::json!({"name": "watched", "steps": [{"request": {"url": format!("{}/slow/1", server().base())}}]});
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection)).0, 201);
    let monitor = serde_json::json!({"name": "every-second", "schedule": {"every": "1s"}, "collections": ["watched"]});
    assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    crate::agent::wait_until("a monitor's run span at the receiver", || {
        let received = received.lock().unwrap();
        received.spans().into_iter().any(|span| {
            span.name == "collection watched"
                && attributes(&span.attributes).get("skopos.monitor").map(String::as_str) == Some("every-second")
        })
    });
    crate::agent::wait_until("the scheduler's lag at the receiver", || {
        let received = received.lock().unwrap();
        let mut metrics = received.metrics.iter().flat_map(|r| &r.resource_metrics).flat_map(|r| &r.scope_metrics);
        metrics.any(|s| s.metrics.iter().any(|m| m.name == "skopos.scheduler.lag"))
    });
    let received = received.lock().unwrap();
    let resource = attributes(&received.traces[0].resource_spans[0].resource.as_ref().unwrap().attributes);
    assert_eq!(resource["skopos.region"], "us-east");
    assert!(received.wrong.is_empty(), "{:?}", received.wrong);
}

#[test]
fn the_agent_serves_its_metrics_in_prometheus_text_format_to_token_holders() {
    let data = tempfile::tempdir().unwrap();
    let agent = crate::agent::Agent::start_with(data.path(), &["--region", "ap-south"], &[]);
    let collection = serde_json::json!({"name": "scraped", "steps": [
        {"name": "home", "request": {"url": format!("{}/count/{}", server().base(), unique("scraped"))},
         "assert": [{"source": "status", "op": "eq", "value": 200},
                    {"source": "body", "op": "plugin", "plugin": "json-schema", "value": {"schema": {"required": ["n"]}}}]}]});
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection)).0, 201);
    for _ in 0..2 {
        assert_eq!(agent.api("POST", "/api/v1/collections/scraped/run", None).0, 200);
    }
    // A plugin call that errs (its schema is not a JSON Schema).
    let erring = serde_json::json!({"name": "erring", "steps": [
        {"request": {"url": format!("{}/count/{}", server().base(), unique("erring"))},
         "assert": [{"source": "body", "op": "plugin", "plugin": "json-schema", "value": {"schema": {"type": 12}}}]}]});
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(erring)).0, 201);
    assert_eq!(agent.api("POST", "/api/v1/collections/erring/run", None).0, 200);
    // Runs carry the agent's region, and can be listed by it.
    let (_, runs) = agent.api("GET", "/api/v1/runs?collection=scraped&region=ap-south", None);
    assert_eq!(runs["runs"].as_array().unwrap().len(), 2, "{runs}");
    assert_eq!(runs["runs"][0]["region"], "ap-south");
    let (_, elsewhere) = agent.api("GET", "/api/v1/runs?collection=scraped&region=eu", None);
    assert_eq!(elsewhere["runs"].as_array().unwrap().len(), 0, "{elsewhere}");

    assert_eq!(agent.text("/metrics", None).0, 401);
    let (status, text) = agent.text("/metrics", Some(crate::agent::TOKEN));
    assert_eq!(status, 200);
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let runs = scrape
        .samples
        .iter()
        .find(|s| s.metric == "skopos_runs_total" && s.labels.get("skopos_collection") == Some("scraped"))
        .unwrap_or_else(|| panic!("skopos_runs_total for scraped in:\n{text}"));
    assert_eq!(runs.value, prometheus_parse::Value::Counter(2.0), "{text}");
    assert_eq!(runs.labels.get("skopos_outcome"), Some("passed"));
    assert_eq!(runs.labels.get("skopos_region"), Some("ap-south"));
    let steps = scrape
        .samples
        .iter()
        .find(|s| s.metric == "skopos_step_duration_seconds" && s.labels.get("skopos_collection") == Some("scraped"))
        .unwrap_or_else(|| panic!("the step histogram in:\n{text}"));
    let prometheus_parse::Value::Histogram(buckets) = &steps.value else { panic!("{steps:?}") };
    assert_eq!(buckets.last().map(|b| b.count), Some(2.0), "two steps counted in the +Inf bucket: {text}");
    let up = |collection: &str| {
        let sample = scrape
            .samples
            .iter()
            .find(|s| s.metric == "skopos_up" && s.labels.get("skopos_collection") == Some(collection));
        sample.map(|s| s.value.clone())
    };
    assert_eq!(
        (up("scraped"), up("erring")),
        (Some(prometheus_parse::Value::Gauge(1.0)), Some(prometheus_parse::Value::Gauge(0.0)))
    );
    let plugin = |metric: &str| {
        let sample =
            scrape.samples.iter().find(|s| s.metric == metric && s.labels.get("skopos_plugin") == Some("json-schema"));
        sample.unwrap_or_else(|| panic!("{metric} for json-schema in:\n{text}")).value.clone()
    };
    let prometheus_parse::Value::Histogram(calls) = plugin("skopos_plugin_duration_seconds") else { panic!() };
    assert_eq!(calls.last().map(|b| b.count), Some(3.0), "three plugin calls: {text}");
    assert_eq!(plugin("skopos_plugin_errors_total"), prometheus_parse::Value::Counter(1.0));
    assert!(text.contains("le=\"0.01\""), "buckets in seconds, not the SDK's millisecond ones: {text}");
}
