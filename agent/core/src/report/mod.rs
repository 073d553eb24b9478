//! The results of a run as data: what `--json` writes (schema in `docs/report.md`), what the
//! terminal and JUnit outputs are made from.

pub mod junit;
pub mod text;

use serde::{Deserialize, Serialize};

use crate::assert::AssertionResult;

/// Everything one `skopos run` did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    pub summary: Summary,
    pub collections: Vec<CollectionReport>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub collections: PassFail,
    pub steps: StepCounts,
    pub assertions: PassFail,
}

/// Collections or assertions by outcome; `degraded` counts collections with a degraded step
/// and failed `warn` assertions.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PassFail {
    pub passed: usize,
    #[serde(default)]
    pub degraded: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct StepCounts {
    pub passed: usize,
    #[serde(default)]
    pub degraded: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// A run's, a step's or a monitor's result in three words: degraded is not down.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    #[default]
    Passed,
    /// Only `warn` assertions failed.
    Degraded,
    Failed,
}

impl CollectionReport {
    /// The step that failed first, or else the first degraded one: what alerts and run
    /// summaries point at.
    pub fn first_failed_step(&self) -> Option<&StepReport> {
        let first = |status| self.steps.iter().find(|step| step.status == status);
        first(StepStatus::Failed).or_else(|| first(StepStatus::Degraded))
    }

    /// Failed if a step failed, else degraded if a step is degraded, else passed.
    pub fn outcome(&self) -> Outcome {
        match (self.passed, self.degraded) {
            (false, _) => Outcome::Failed,
            (true, true) => Outcome::Degraded,
            (true, false) => Outcome::Passed,
        }
    }
}

impl RunReport {
    pub fn new(collections: Vec<CollectionReport>) -> RunReport {
        let mut summary = Summary::default();
        for collection in &collections {
            count(&mut summary.collections, collection.outcome());
            for step in &collection.steps {
                match step.status {
                    StepStatus::Passed => summary.steps.passed += 1,
                    StepStatus::Degraded => summary.steps.degraded += 1,
                    StepStatus::Failed => summary.steps.failed += 1,
                    StepStatus::Skipped => summary.steps.skipped += 1,
                }
                for assertion in &step.assertions {
                    let outcome = match (assertion.passed, assertion.severity) {
                        (true, _) => Outcome::Passed,
                        (false, crate::model::Severity::Warn) => Outcome::Degraded,
                        (false, crate::model::Severity::Fail) => Outcome::Failed,
                    };
                    count(&mut summary.assertions, outcome);
                }
            }
        }
        RunReport { summary, collections }
    }

    pub fn passed(&self) -> bool {
        self.summary.collections.failed == 0
    }

    /// Passed, with no degraded collection either (`skopos run --strict`).
    pub fn passed_strictly(&self) -> bool {
        self.passed() && self.summary.collections.degraded == 0
    }
}

fn count(tally: &mut PassFail, outcome: Outcome) {
    match outcome {
        Outcome::Passed => tally.passed += 1,
        Outcome::Degraded => tally.degraded += 1,
        Outcome::Failed => tally.failed += 1,
    }
}

impl Summary {
    /// The summary in words, the last line `skopos run` prints.
    pub fn in_words(&self) -> String {
        let Summary { collections: c, steps: s, assertions: a } = self;
        let degraded = |n: usize| if n > 0 { format!(", {n} degraded") } else { String::new() };
        format!(
            "collections: {} passed{}, {} failed; steps: {} passed{}, {} failed, {} skipped; assertions: {} passed{}, {} failed",
            c.passed,
            degraded(c.degraded),
            c.failed,
            s.passed,
            degraded(s.degraded),
            s.failed,
            s.skipped,
            a.passed,
            degraded(a.degraded),
            a.failed
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CollectionReport {
    pub name: String,
    pub file: String,
    /// No step failed (a degraded run passed, with warnings).
    pub passed: bool,
    /// A step is degraded: only `warn` assertions failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub degraded: bool,
    /// RFC 3339 time the collection started.
    pub started_at: String,
    pub duration_ms: f64,
    pub steps: Vec<StepReport>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Passed,
    /// Only `warn` assertions failed.
    Degraded,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepReport {
    /// 1-based position.
    pub index: usize,
    pub name: Option<String>,
    pub status: StepStatus,
    /// Why the step could not complete (request error, unresolvable reference), if so.
    pub error: Option<StepError>,
    /// The request as sent (last attempt), with secrets masked.
    pub request: Option<SentRequest>,
    pub response: Option<ReceivedResponse>,
    pub timings: Option<Timings>,
    /// Every attempt, the last one included; more than one only with `retry`.
    pub attempts: Vec<Attempt>,
    pub assertions: Vec<AssertionResult>,
    /// Something the reader should look at beside the assertions: the `errors` a GraphQL
    /// response carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl StepReport {
    pub fn skipped(index: usize, name: Option<String>) -> StepReport {
        StepReport {
            index,
            name,
            status: StepStatus::Skipped,
            error: None,
            request: None,
            response: None,
            timings: None,
            attempts: Vec::new(),
            assertions: Vec::new(),
            note: None,
        }
    }

    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("step {} '{name}'", self.index),
            None => format!("step {}", self.index),
        }
    }
}

/// A failure class, so that alerts and reports can say what kind of trouble it was.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A `@{{...}}` reference could not be resolved.
    Reference,
    /// The request could not be built (bad URL after interpolation, bad header value).
    InvalidRequest,
    Dns,
    Connect,
    Tls,
    Timeout,
    BodyTooLarge,
    /// The server broke the connection or spoke invalid HTTP.
    Protocol,
    /// Fetching an OAuth2 token failed.
    Auth,
    /// A heartbeat monitor's job said it failed, or did not ping in time.
    Heartbeat,
    /// A probe plugin could not make its check (refused, unreachable, not granted, failed).
    Probe,
    /// A step's before-request script threw, was stopped, or its plugin failed.
    Script,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StepError {
    pub kind: ErrorKind,
    pub message: String,
}

impl StepError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> StepError {
        StepError { kind, message: message.into() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceivedResponse {
    pub status: u16,
    /// `HTTP/1.1` or `HTTP/2`.
    pub version: String,
    pub headers: Vec<(String, String)>,
    /// The first 64 KiB of the decoded body, as text.
    pub body: String,
    pub body_bytes: usize,
    pub body_truncated: bool,
    /// The URL that answered, after redirects.
    pub url: String,
}

/// Where the time went, in milliseconds. DNS, connect and TLS are 0 on a reused connection.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Timings {
    pub dns_ms: f64,
    pub connect_ms: f64,
    pub tls_ms: f64,
    /// From the request being sent to the first byte of the response.
    pub first_byte_ms: f64,
    /// From the start of the step's request to the last body byte, redirects included.
    pub total_ms: f64,
    pub reused_connection: bool,
    pub redirects: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attempt {
    pub attempt: u32,
    pub status: Option<u16>,
    pub error: Option<StepError>,
    pub timings: Option<Timings>,
}
