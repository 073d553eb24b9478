//! Running collections: steps strictly in order inside a collection, collections in
//! parallel up to a limit.

mod auth;
mod connect;
mod cookies;
mod decode;
mod grpc;
mod http;
mod probe;
mod request;
mod retry;
mod script;
mod step;
mod tls;
mod websocket;

pub use auth::TokenCache;
pub use decode::decode_body;
pub use http::{Connections, Incoming, Outgoing, SendOptions};
pub use tls::TlsConfigs;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use skopos_core::assert::{AssertionPlugins, AssertionResult, NoPlugins};
use skopos_core::interpolate::Secrets;
use skopos_core::plan::Plan;
use skopos_core::probe::{NoProbes, ProbePlugins};
use skopos_core::report::{CollectionReport, StepError, StepReport, StepStatus};
use skopos_core::response::Response;
use skopos_core::script::{NoScripts, ScriptPlugins};

/// What every collection of a run shares.
pub struct RunContext {
    /// The environment `@{{env.NAME}}` reads (a snapshot, so a run sees one consistent set).
    pub env: HashMap<String, String>,
    pub tls: Arc<TlsConfigs>,
    pub tokens: TokenCache,
    pub plugins: Arc<dyn AssertionPlugins>,
    /// Where `probe` steps are run.
    pub probes: Arc<dyn ProbePlugins>,
    /// Where steps' scripts are run.
    pub scripts: Arc<dyn ScriptPlugins>,
    /// Where runs are traced and measured, when export is on.
    pub instrumentation: Option<Arc<dyn Instrumentation>>,
    /// The region of this agent (`--region`): on stored runs and alerts.
    pub region: Option<String>,
}

impl RunContext {
    pub fn new(env: HashMap<String, String>) -> RunContext {
        RunContext {
            env,
            tls: Arc::default(),
            tokens: TokenCache::default(),
            plugins: Arc::new(NoPlugins),
            probes: Arc::new(NoProbes),
            scripts: Arc::new(NoScripts),
            instrumentation: None,
            region: None,
        }
    }
}

/// Runs every plan, at most `concurrency` at once; reports come back in the order of `plans`.
/// `on_done` is called as each collection finishes (for progress output).
///
/// One single-threaded runtime per core, each taking the next collection from a shared queue
/// when it has a free slot: a step and its connection then always run on the same thread, so
/// a request costs no cross-thread wake-ups (the main cost of a multi-threaded runtime for
/// this ping-pong work).
pub fn run_all(
    plans: Vec<Arc<Plan>>,
    context: Arc<RunContext>,
    concurrency: usize,
    on_done: Arc<dyn Fn(&CollectionReport) + Send + Sync>,
) -> Vec<CollectionReport> {
    let count = plans.len();
    let concurrency = concurrency.clamp(1, count.max(1));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(concurrency);
    let queue = Mutex::new(plans.into_iter().enumerate());
    let reports: Mutex<Vec<Option<CollectionReport>>> = Mutex::new((0..count).map(|_| None).collect());
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let slots = concurrency / threads + usize::from(thread < concurrency % threads);
            let (queue, reports, context, on_done) = (&queue, &reports, &context, &on_done);
            scope.spawn(move || {
                let runtime =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
                runtime.block_on(async {
                    let slot = || async {
                        loop {
                            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                            let Some((index, plan)) = next else { break };
                            let report = run_collection(&plan, context).await;
                            on_done(&report);
                            reports.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(report);
                        }
                    };
                    futures_util::future::join_all((0..slots).map(|_| slot())).await;
                });
            });
        }
    });
    reports.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().flatten().collect()
}

/// Sees a collection's steps as they run: the console streams them, telemetry traces them.
pub trait StepObserver: Send {
    /// Step `index` (0-based) is about to be sent; a value returned is sent as its W3C
    /// `traceparent` header (when the collection allows it).
    fn step_starting(&mut self, _index: usize) -> Option<String> {
        None
    }

    /// A step's report, as soon as it is known (skipped steps too).
    fn step_finished(&mut self, report: &StepReport);
}

/// Sees runs as they happen, to trace and measure them: telemetry implements it, so the
/// engine knows nothing of how.
pub trait Instrumentation: Send + Sync {
    /// A run of `collection` begins (for `monitor`, when a monitor runs it).
    fn run_started(&self, collection: &str, monitor: Option<&str>) -> Box<dyn RunInstrument + '_>;
}

/// One run's instrument: told of each step, then of the whole run.
pub trait RunInstrument: Send {
    /// Step `index` (0-based) is about to be sent; a value returned goes out as its W3C
    /// `traceparent` header (when the collection allows it).
    fn step_starting(&mut self, index: usize) -> Option<String>;

    fn step_finished(&mut self, report: &StepReport);

    fn run_finished(self: Box<Self>, report: &CollectionReport);
}

/// Passes steps to the caller's observer and to the run's instrument.
struct Instrumented<'a, 'b> {
    run: Box<dyn RunInstrument + 'a>,
    inner: &'b mut dyn StepObserver,
}

impl StepObserver for Instrumented<'_, '_> {
    fn step_starting(&mut self, index: usize) -> Option<String> {
        let traceparent = self.run.step_starting(index);
        self.inner.step_starting(index);
        traceparent
    }

    fn step_finished(&mut self, report: &StepReport) {
        self.run.step_finished(report);
        self.inner.step_finished(report);
    }
}

/// An observer that only wants each step's report.
pub struct OnStep<F>(pub F);

impl<F: FnMut(&StepReport) + Send> StepObserver for OnStep<F> {
    fn step_finished(&mut self, report: &StepReport) {
        (self.0)(report)
    }
}

/// Runs one collection's steps in order. A failed assertion fails its step and (unless
/// `continue_on_failure: false`) the next step still runs; a step that gets no response
/// stops the collection and the steps after it are reported as skipped.
pub async fn run_collection(plan: &Plan, context: &RunContext) -> CollectionReport {
    run_collection_observed(plan, context, None, &mut OnStep(|_: &StepReport| {})).await
}

/// [`run_collection`] for `monitor` (when a monitor runs it), telling `observer` about each
/// step as it starts and finishes, and instrumented when the context has instrumentation.
pub async fn run_collection_observed(
    plan: &Plan,
    context: &RunContext,
    monitor: Option<&str>,
    observer: &mut dyn StepObserver,
) -> CollectionReport {
    let Some(instrumentation) = &context.instrumentation else {
        return run_steps(plan, context, observer).await;
    };
    let mut instrumented = Instrumented { run: instrumentation.run_started(&plan.name, monitor), inner: observer };
    let report = run_steps(plan, context, &mut instrumented).await;
    instrumented.run.run_finished(&report);
    report
}

async fn run_steps(plan: &Plan, context: &RunContext, observer: &mut dyn StepObserver) -> CollectionReport {
    let started_at = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    let start = Instant::now();
    let mut connections = Connections::new(context.tls.clone(), plan.cookies);
    let mut secrets = Secrets::default();
    let mut scripts = script::ScriptRun::new(plan, context, &mut secrets);
    let mut responses: Vec<Option<Response>> = Vec::with_capacity(plan.steps.len());
    let mut reports = Vec::with_capacity(plan.steps.len());
    let mut stopped = false;
    for (index, step) in plan.steps.iter().enumerate() {
        if stopped {
            let skipped = StepReport::skipped(index + 1, step.name.clone());
            observer.step_finished(&skipped);
            reports.push(skipped);
            continue;
        }
        let traceparent = observer.step_starting(index).filter(|_| plan.traceparent);
        let run = step::StepRun { connections: &mut connections, secrets: &mut secrets, scripts: scripts.as_mut() };
        let (report, response) = step::run_step(plan, index, context, run, &responses, traceparent).await;
        if response.is_none() {
            stopped = !plan.continue_after_error;
        }
        responses.push(response);
        // Let go of responses no later step refers to: a long collection keeps only what
        // it still needs.
        for &earlier in &plan.release_after[index] {
            if let Some(response) = responses.get_mut(earlier) {
                *response = None;
            }
        }
        if report.status == StepStatus::Failed && !plan.continue_on_failure {
            stopped = true;
        }
        observer.step_finished(&report);
        reports.push(report);
    }
    CollectionReport {
        name: plan.name.clone(),
        file: plan.file.display().to_string(),
        passed: reports.iter().all(|r| matches!(r.status, StepStatus::Passed | StepStatus::Degraded)),
        degraded: reports.iter().any(|r| r.status == StepStatus::Degraded),
        started_at,
        duration_ms: start.elapsed().as_secs_f64() * 1000.0,
        steps: reports,
    }
}

/// What an assertion saw and expected can hold a secret the server echoed back.
pub(crate) fn mask_assertion(assertion: &mut AssertionResult, secrets: &Secrets) {
    // A script's test may be named with a value it read.
    if let Some(name) = &assertion.name {
        assertion.name = Some(secrets.mask(name).into_owned());
    }
    if let Some(message) = &assertion.message {
        assertion.message = Some(secrets.mask(message).into_owned());
    }
    for value in [&mut assertion.actual, &mut assertion.expected].into_iter().flatten() {
        secrets.mask_value(value);
    }
}

pub(crate) fn mask_error(error: &StepError, secrets: &Secrets) -> StepError {
    StepError::new(error.kind, secrets.mask(&error.message))
}
