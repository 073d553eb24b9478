//! What the agent does, for the observability stack users already have: a trace per
//! collection run (a span per step, the step's W3C `traceparent` sent to the API under test)
//! and metrics on runs, steps and the scheduler. OTLP export is off unless an endpoint is
//! configured (`--otlp-endpoint` or the standard `OTEL_EXPORTER_OTLP_*` variables) and runs on
//! a small runtime of its own, so neither the scheduler nor `skopos run`'s threads ever wait on
//! a collector. The agent also keeps the metrics for `GET /metrics` (Prometheus text).

mod trace;

pub use trace::RunSpan;

use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Gauge, Histogram, MeterProvider};
use opentelemetry::trace::TracerProvider;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;

/// How OTLP travels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Protocol {
    /// Protobuf over HTTP POSTs (`http/protobuf`, port 4318).
    #[default]
    HttpProtobuf,
    /// gRPC (`grpc`, port 4317), plaintext HTTP/2.
    Grpc,
}

impl std::str::FromStr for Protocol {
    type Err = TelemetryError;

    /// The values of `OTEL_EXPORTER_OTLP_PROTOCOL`; `http/json` is not built in.
    fn from_str(text: &str) -> Result<Protocol, TelemetryError> {
        match text {
            "http/protobuf" => Ok(Protocol::HttpProtobuf),
            "grpc" => Ok(Protocol::Grpc),
            other => Err(TelemetryError::Protocol(other.to_string())),
        }
    }
}

/// Where to export, and what the agent is.
#[derive(Debug, Clone, Default)]
pub struct TelemetryOptions {
    /// Base URL of the receiver (`http://collector:4318`, or `http://collector:4317` for gRPC);
    /// over HTTP, `/v1/traces` and `/v1/metrics` are appended. Without it, the
    /// `OTEL_EXPORTER_OTLP_*` variables decide.
    pub endpoint: Option<String>,
    pub protocol: Protocol,
    /// How often metrics are sent (default 60 s, or `OTEL_METRIC_EXPORT_INTERVAL`).
    pub metrics_interval: Option<Duration>,
    /// `skopos.region` on every span and metric.
    pub region: Option<String>,
    /// Keep metrics for a Prometheus scrape (`skopos serve`), export or not.
    pub prometheus: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("telemetry: OTLP protocol `{0}` is not built in; use http/protobuf (port 4318) or grpc (port 4317)")]
    Protocol(String),
    #[error("telemetry: {0}")]
    Exporter(String),
}

fn exporter_error(error: impl std::fmt::Display) -> TelemetryError {
    TelemetryError::Exporter(error.to_string())
}

/// The export pipeline and the instruments the runner records into.
pub struct Telemetry {
    tracer_provider: SdkTracerProvider,
    meter_provider: SdkMeterProvider,
    tracer: opentelemetry_sdk::trace::Tracer,
    pub(crate) instruments: Instruments,
    pub(crate) region: Option<String>,
    /// Spans are exported (and steps send `traceparent`).
    pub(crate) exports_traces: bool,
    registry: Option<prometheus::Registry>,
    /// Drives the exporters; dropped last.
    runtime: Option<tokio::runtime::Runtime>,
}

pub(crate) struct Instruments {
    pub run_duration: Histogram<f64>,
    pub step_duration: Histogram<f64>,
    pub runs: Counter<u64>,
    pub up: Gauge<i64>,
    pub scheduler_lag: Histogram<f64>,
    pub plugin_duration: Histogram<f64>,
    pub plugin_errors: Counter<u64>,
}

/// Histogram buckets for durations in seconds (the SDK's defaults suit milliseconds).
const SECONDS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

fn configured(options: &TelemetryOptions) -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    if std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.eq_ignore_ascii_case("true")) {
        return false;
    }
    options.endpoint.is_some()
        || ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]
            .iter()
            .any(|name| set(name))
}

impl Telemetry {
    /// Starts what `options` ask for; `Ok(None)` when that is nothing.
    pub fn start(options: &TelemetryOptions) -> Result<Option<Telemetry>, TelemetryError> {
        let otlp = configured(options);
        if !otlp && !options.prometheus {
            return Ok(None);
        }
        let resource = resource(options.region.as_deref());
        let mut tracer_provider = SdkTracerProvider::builder().with_resource(resource.clone());
        let mut meter_provider = SdkMeterProvider::builder().with_resource(resource);
        let registry = options.prometheus.then(prometheus::Registry::new);
        if let Some(registry) = &registry {
            let reader = opentelemetry_prometheus::exporter()
                .with_registry(registry.clone())
                .without_target_info()
                .build()
                .map_err(exporter_error)?;
            meter_provider = meter_provider.with_reader(reader);
        }
        let runtime = match otlp {
            true => Some(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("skopos-telemetry")
                    .enable_all()
                    .build()
                    .map_err(exporter_error)?,
            ),
            false => None,
        };
        // The exporters start their tasks on the telemetry runtime as they are built.
        let entered = runtime.as_ref().map(|runtime| runtime.enter());
        if otlp {
            let (processor, reader) = otlp_pipeline(options)?;
            tracer_provider = tracer_provider.with_span_processor(processor);
            meter_provider = meter_provider.with_reader(reader);
        } else {
            // Metrics only: spans are not even recorded.
            tracer_provider = tracer_provider.with_sampler(opentelemetry_sdk::trace::Sampler::AlwaysOff);
        }
        let (tracer_provider, meter_provider) = (tracer_provider.build(), meter_provider.build());
        drop(entered);
        let meter = meter_provider.meter("skopos");
        let instruments = Instruments {
            run_duration: meter
                .f64_histogram("skopos.collection.duration")
                .with_unit("s")
                .with_boundaries(SECONDS.to_vec())
                .with_description("Duration of a collection run")
                .build(),
            step_duration: meter
                .f64_histogram("skopos.step.duration")
                .with_unit("s")
                .with_boundaries(SECONDS.to_vec())
                .with_description("Duration of a step: request sent to last body byte")
                .build(),
            runs: meter.u64_counter("skopos.runs").with_description("Collection runs by outcome").build(),
            up: meter
                .i64_gauge("skopos.up")
                .with_description("1 when a collection's last run passed, 0 when it failed")
                .build(),
            scheduler_lag: meter
                .f64_histogram("skopos.scheduler.lag")
                .with_unit("s")
                .with_boundaries(SECONDS.to_vec())
                .with_description("From the time a monitor was due to the time it fired")
                .build(),
            plugin_duration: meter
                .f64_histogram("skopos.plugin.duration")
                .with_unit("s")
                .with_boundaries(SECONDS.to_vec())
                .with_description("A Wasm plugin call, instantiation included")
                .build(),
            plugin_errors: meter
                .u64_counter("skopos.plugin.errors")
                .with_description("Plugin calls that trapped, timed out, ran out of memory or returned an error")
                .build(),
        };
        Ok(Some(Telemetry {
            tracer: tracer_provider.tracer("skopos"),
            tracer_provider,
            meter_provider,
            instruments,
            region: options.region.clone(),
            exports_traces: otlp,
            registry,
            runtime,
        }))
    }

    /// The metrics in Prometheus' text format, when kept for scraping.
    pub fn prometheus_text(&self) -> Option<String> {
        use prometheus::Encoder;
        let registry = self.registry.as_ref()?;
        let mut text = Vec::new();
        prometheus::TextEncoder::new().encode(&registry.gather(), &mut text).ok()?;
        String::from_utf8(text).ok()
    }

    /// Starts the trace of one collection run.
    pub fn run_span(&self, collection: &str, monitor: Option<&str>) -> RunSpan<'_> {
        RunSpan::start(self, collection, monitor)
    }

    /// A plugin call took `took` and succeeded or not.
    pub fn plugin_call(&self, plugin: &str, kind: &str, took: Duration, succeeded: bool) {
        let mut labels = vec![
            KeyValue::new("skopos.plugin", plugin.to_string()),
            KeyValue::new("skopos.plugin.kind", kind.to_string()),
        ];
        if let Some(region) = &self.region {
            labels.push(KeyValue::new("skopos.region", region.clone()));
        }
        self.instruments.plugin_duration.record(took.as_secs_f64(), &labels);
        if !succeeded {
            self.instruments.plugin_errors.add(1, &labels);
        }
    }

    /// A monitor fired `lag` after it was due.
    pub fn scheduler_lag(&self, monitor: &str, lag: chrono::TimeDelta) {
        let mut labels = vec![KeyValue::new("skopos.monitor", monitor.to_string())];
        if let Some(region) = &self.region {
            labels.push(KeyValue::new("skopos.region", region.clone()));
        }
        let seconds = lag.num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6;
        self.instruments.scheduler_lag.record(seconds.max(0.0), &labels);
    }

    /// The attributes every metric point of a collection carries.
    pub(crate) fn labels(&self, collection: &str, monitor: Option<&str>) -> Vec<KeyValue> {
        let mut labels = vec![KeyValue::new("skopos.collection", collection.to_string())];
        if let Some(monitor) = monitor {
            labels.push(KeyValue::new("skopos.monitor", monitor.to_string()));
        }
        if let Some(region) = &self.region {
            labels.push(KeyValue::new("skopos.region", region.clone()));
        }
        labels
    }

    /// Sends what is still buffered and stops the exporters (at shutdown, and at the end of
    /// `skopos run`). Blocks: call it outside async tasks (or through `spawn_blocking`).
    pub fn shutdown(&self) {
        if let Err(error) = self.tracer_provider.force_flush() {
            skopos_core::log_line!("skopos: telemetry: traces not all sent: {error}");
        }
        if let Err(error) = self.meter_provider.force_flush() {
            skopos_core::log_line!("skopos: telemetry: metrics not all sent: {error}");
        }
        let _ = self.tracer_provider.shutdown();
        let _ = self.meter_provider.shutdown();
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        // The last holder may be an async task: a runtime may only be stopped in the background there.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

type OtlpPipeline = (
    opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor<opentelemetry_sdk::runtime::Tokio>,
    opentelemetry_sdk::metrics::periodic_reader_with_async_runtime::PeriodicReader<opentelemetry_otlp::MetricExporter>,
);

/// The OTLP span and metric exporters; call inside the telemetry runtime.
fn otlp_pipeline(options: &TelemetryOptions) -> Result<OtlpPipeline, TelemetryError> {
    let timeout = Duration::from_secs(10);
    let (spans, metrics) = match options.protocol {
        Protocol::HttpProtobuf => {
            let endpoint = |signal: &str| {
                options.endpoint.as_ref().map(|base| format!("{}/v1/{signal}", base.trim_end_matches('/')))
            };
            let mut spans = opentelemetry_otlp::SpanExporter::builder().with_http().with_timeout(timeout);
            if let Some(url) = endpoint("traces") {
                spans = spans.with_endpoint(url);
            }
            let mut metrics = opentelemetry_otlp::MetricExporter::builder().with_http().with_timeout(timeout);
            if let Some(url) = endpoint("metrics") {
                metrics = metrics.with_endpoint(url);
            }
            (spans.build(), metrics.build())
        }
        Protocol::Grpc => {
            let mut spans = opentelemetry_otlp::SpanExporter::builder().with_tonic().with_timeout(timeout);
            let mut metrics = opentelemetry_otlp::MetricExporter::builder().with_tonic().with_timeout(timeout);
            if let Some(url) = &options.endpoint {
                spans = spans.with_endpoint(url.clone());
                metrics = metrics.with_endpoint(url.clone());
            }
            (spans.build(), metrics.build())
        }
    };
    let processor = opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor::builder(
        spans.map_err(exporter_error)?,
        opentelemetry_sdk::runtime::Tokio,
    )
    .build();
    let mut reader = opentelemetry_sdk::metrics::periodic_reader_with_async_runtime::PeriodicReader::builder(
        metrics.map_err(exporter_error)?,
        opentelemetry_sdk::runtime::Tokio,
    );
    if let Some(interval) = options.metrics_interval {
        reader = reader.with_interval(interval);
    }
    Ok((processor, reader.build()))
}

fn resource(region: Option<&str>) -> Resource {
    let mut attributes = vec![KeyValue::new("service.version", env!("CARGO_PKG_VERSION"))];
    if let Some(region) = region {
        attributes.push(KeyValue::new("skopos.region", region.to_string()));
    }
    if let Ok(host) = hostname() {
        attributes.push(KeyValue::new("host.name", host));
    }
    Resource::builder().with_service_name("skopos-agent").with_attributes(attributes).build()
}

fn hostname() -> std::io::Result<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|name| name.trim().to_string())
}
