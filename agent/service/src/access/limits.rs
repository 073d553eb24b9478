//! Rate limits on guessing: failed sign-ins per account and per address, and requests with a
//! wrong token per address. Each key has a bucket that failures empty and time refills; an
//! empty bucket refuses (429) before any password or token is checked. Buckets live in memory
//! and are capped in number, so a flood of addresses or names cannot grow the agent.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most buckets kept per limit; past it, full (idle) ones go first, then the oldest.
const MAX_KEYS: usize = 10_000;

pub struct Limit {
    /// Failures allowed in a burst.
    capacity: f64,
    /// Failures forgiven per second.
    refill: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Limit {
    /// `burst` failures at once, then one per `every`.
    pub fn new(burst: u32, every: Duration) -> Limit {
        Limit { capacity: f64::from(burst), refill: 1.0 / every.as_secs_f64(), buckets: Mutex::default() }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * self.refill).min(self.capacity)
    }

    /// `Err(wait)` while `key` has no failure left.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match buckets.get(key).map(|bucket| self.refilled(*bucket, now)) {
            Some(tokens) if tokens < 1.0 => Err(Duration::from_secs_f64((1.0 - tokens) / self.refill)),
            _ => Ok(()),
        }
    }

    /// Counts a failure against `key`.
    pub fn fail(&self, key: &str) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let capacity = self.capacity;
            buckets.retain(|_, bucket| {
                (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * self.refill) < capacity
            });
            if buckets.len() >= MAX_KEYS
                && let Some(oldest) = buckets.iter().min_by_key(|(_, bucket)| bucket.at).map(|(key, _)| key.clone())
            {
                buckets.remove(&oldest);
            }
        }
        let tokens = buckets.get(key).map_or(self.capacity, |bucket| self.refilled(*bucket, now));
        buckets.insert(key.to_string(), Bucket { tokens: (tokens - 1.0).max(0.0), at: now });
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// The agent's limits.
pub struct Limits {
    /// Failed sign-ins per account: 10, then one per minute.
    pub account: Limit,
    /// Failed sign-ins per address: 30, then one every 20 s.
    pub address: Limit,
    /// Requests with an unknown, expired or revoked token per address: 60, then one a second.
    pub token: Limit,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            account: Limit::new(10, Duration::from_secs(60)),
            address: Limit::new(30, Duration::from_secs(20)),
            token: Limit::new(60, Duration::from_secs(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_empty_a_bucket_time_refills_it_and_keys_are_capped() {
        let limit = Limit::new(3, Duration::from_millis(100));
        for _ in 0..3 {
            assert!(limit.check("alice").is_ok());
            limit.fail("alice");
        }
        let wait = limit.check("alice").unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(limit.check("bob").is_ok(), "one key's failures cost no other");
        std::thread::sleep(Duration::from_millis(120));
        assert!(limit.check("alice").is_ok(), "refilled");
        for n in 0..(MAX_KEYS + 50) {
            limit.fail(&format!("address-{n}"));
        }
        assert!(limit.len() <= MAX_KEYS, "{}", limit.len());
    }
}
