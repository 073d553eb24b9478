//! Sending a step's request under its timeout, again as its `retry` allows, recording every
//! attempt.

use std::time::Duration;

use super::http::{Connections, Incoming, Outgoing, SendOptions};
use super::mask_error;
use skopos_core::interpolate::Secrets;
use skopos_core::model::{Backoff, Retry, RetryOn};
use skopos_core::plan::PlannedStep;
use skopos_core::report::{Attempt, ErrorKind, StepError, Timings};

/// The last attempt's outcome; `attempts` gets one entry per try.
pub async fn send(
    step: &PlannedStep,
    connections: &mut Connections,
    outgoing: &Outgoing,
    options: SendOptions<'_>,
    secrets: &Secrets,
    attempts: &mut Vec<Attempt>,
) -> Result<Incoming, (StepError, Timings)> {
    let max_attempts = step.retry.as_ref().map_or(1, |r| r.attempts.max(1));
    // Attempts made before (a response whose assertions failed) count too.
    let mut attempt = attempts.len() as u32;
    loop {
        attempt += 1;
        let outcome = match tokio::time::timeout(step.timeout, connections.send(outgoing, options)).await {
            Ok(outcome) => outcome,
            Err(_) => {
                let phase = connections.abandon();
                let message =
                    format!("no complete response within {} ms (timed out {phase})", step.timeout.as_millis());
                let timings = Timings { total_ms: step.timeout.as_secs_f64() * 1000.0, ..Timings::default() };
                Err((StepError::new(ErrorKind::Timeout, message), timings))
            }
        };
        attempts.push(match &outcome {
            Ok(incoming) => Attempt {
                attempt,
                status: Some(incoming.status.as_u16()),
                error: None,
                timings: Some(incoming.timings),
            },
            Err((error, timings)) => {
                Attempt { attempt, status: None, error: Some(mask_error(error, secrets)), timings: Some(*timings) }
            }
        });
        let Some(retry) = &step.retry else { return outcome };
        let retryable = match &outcome {
            Err(_) => true,
            Ok(incoming) => incoming.status.is_server_error() && retry.on.contains(&RetryOn::Status),
        };
        if !retryable || attempt >= max_attempts {
            return outcome;
        }
        pause(retry, attempt).await;
    }
}

/// Whether a response whose assertions failed is tried again: `on: [assertions]` and attempts
/// left.
pub fn again_for_assertions(step: &PlannedStep, attempts: usize) -> Option<&Retry> {
    step.retry
        .as_ref()
        .filter(|retry| retry.on.contains(&RetryOn::Assertions) && (attempts as u32) < retry.attempts.max(1))
}

/// The wait after attempt number `attempt`, by the retry's backoff.
pub async fn pause(retry: &Retry, attempt: u32) {
    let factor = match retry.backoff {
        Backoff::Constant => 1,
        Backoff::Linear => u64::from(attempt),
        Backoff::Exponential => 1u64 << attempt.saturating_sub(1).min(16),
    };
    tokio::time::sleep(Duration::from_millis(retry.delay_ms.saturating_mul(factor))).await;
}
