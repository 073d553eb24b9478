//! Probe steps' hand-over to the plugins that run them: the Wasm plugin host implements
//! [`ProbePlugins`]; the engine only knows this trait.

use std::pin::Pin;
use std::time::Duration;

use serde_json::Value;

/// What a probe plugin found, read by assertions and references as a response is.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    /// The protocol's own code where it has one (an SMTP reply, a DNS rcode), as the plugin
    /// documents; `0` otherwise.
    pub status: u32,
    /// What the plugin reports, as JSON: the step's body.
    pub body: Value,
    /// The phases the plugin timed (`connect`, `handshake`), in milliseconds.
    pub timings: Vec<(String, f64)>,
}

/// A probe's call: `target` and `config` as the step wrote them, after references.
#[derive(Debug, Clone, Copy)]
pub struct ProbeCall<'a> {
    pub plugin: &'a str,
    pub target: &'a str,
    pub config: &'a Value,
    /// The step's timeout: the plugin is stopped when it runs past it.
    pub timeout: Duration,
}

/// What [`ProbePlugins::probe`] returns: the result, or why the check could not be made
/// (refused, unreachable, not granted, the plugin failed).
pub type ProbeFuture<'a> = Pin<Box<dyn Future<Output = Result<ProbeResult, String>> + Send + 'a>>;

pub trait ProbePlugins: Send + Sync {
    fn probe<'a>(&'a self, call: ProbeCall<'a>) -> ProbeFuture<'a>;

    /// Whether a probe plugin of this name is loaded (`validate` asks).
    fn has_probe(&self, plugin: &str) -> bool;
}

/// Until a plugin host is configured: every probe plugin is missing.
pub struct NoProbes;

impl ProbePlugins for NoProbes {
    fn probe<'a>(&'a self, call: ProbeCall<'a>) -> ProbeFuture<'a> {
        Box::pin(std::future::ready(Err(format!("no probe plugin named `{}` is loaded", call.plugin))))
    }

    fn has_probe(&self, _: &str) -> bool {
        false
    }
}
