//! A tally of runs (one collection's hour or day) and how it is stored: five counters, then a
//! latency histogram of `(bucket, count)` pairs in bucket order, so that sled's merge operator
//! adds two tallies without reading runs, and a p95 comes out of it.

use super::super::{RunRecord, RunStatus};

/// Each latency bucket is 10 % wider than the one before: a percentile read from the
/// histogram is within 5 % of the exact one.
const BUCKET_RATIO: f64 = 1.1;
const COUNTERS: usize = 24;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tally {
    pub passed: u32,
    pub failed: u32,
    pub duration_ms: f64,
    pub degraded: u32,
    pub maintenance: u32,
    /// `(bucket, runs)`, buckets ascending; see [`bucket_of`].
    pub latency: Vec<(u8, u32)>,
}

/// The bucket of a duration: bucket `b` holds `[1.1^b, 1.1^(b+1))` ms, bucket 0 everything below 1.1 ms.
fn bucket_of(duration_ms: f64) -> u8 {
    if duration_ms < BUCKET_RATIO {
        return 0;
    }
    (duration_ms.ln() / BUCKET_RATIO.ln()).floor().clamp(0.0, 255.0) as u8
}

/// The middle (geometric) of a bucket.
fn middle_of(bucket: u8) -> f64 {
    BUCKET_RATIO.powf(f64::from(bucket) + 0.5)
}

impl Tally {
    pub fn of(run: &RunRecord) -> Option<Tally> {
        if run.in_maintenance && run.status != RunStatus::Skipped {
            return Some(Tally { maintenance: 1, ..Tally::default() });
        }
        let mut tally =
            Tally { duration_ms: run.duration_ms, latency: vec![(bucket_of(run.duration_ms), 1)], ..Tally::default() };
        match run.status {
            RunStatus::Passed => tally.passed = 1,
            RunStatus::Degraded => tally.degraded = 1,
            RunStatus::Failed => tally.failed = 1,
            RunStatus::Skipped => return None,
        }
        Some(tally)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(COUNTERS + 5 * self.latency.len());
        bytes.extend_from_slice(&self.passed.to_be_bytes());
        bytes.extend_from_slice(&self.failed.to_be_bytes());
        bytes.extend_from_slice(&self.duration_ms.to_be_bytes());
        bytes.extend_from_slice(&self.degraded.to_be_bytes());
        bytes.extend_from_slice(&self.maintenance.to_be_bytes());
        for (bucket, count) in &self.latency {
            bytes.push(*bucket);
            bytes.extend_from_slice(&count.to_be_bytes());
        }
        bytes
    }

    /// Reads a stored tally; stores written before degraded runs and maintenance held the
    /// first 16 bytes only, and before the histogram the first 24.
    pub fn from_bytes(bytes: &[u8]) -> Tally {
        let count = |at: usize| bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_be_bytes);
        let sum = bytes.get(8..16).and_then(|b| b.try_into().ok()).map_or(0.0, f64::from_be_bytes);
        let latency = bytes
            .get(COUNTERS..)
            .unwrap_or_default()
            .chunks_exact(5)
            .map(|pair| (pair[0], u32::from_be_bytes([pair[1], pair[2], pair[3], pair[4]])))
            .collect();
        Tally {
            passed: count(0),
            failed: count(4),
            duration_ms: sum,
            degraded: count(16),
            maintenance: count(20),
            latency,
        }
    }

    pub fn add(&mut self, other: &Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.duration_ms += other.duration_ms;
        self.degraded += other.degraded;
        self.maintenance += other.maintenance;
        for &(bucket, count) in &other.latency {
            match self.latency.binary_search_by_key(&bucket, |(b, _)| *b) {
                Ok(at) => self.latency[at].1 += count,
                Err(at) => self.latency.insert(at, (bucket, count)),
            }
        }
    }

    /// The runs uptime counts: maintenance left out.
    pub fn runs(&self) -> u32 {
        self.passed + self.degraded + self.failed
    }

    /// Degraded is up.
    pub fn up(&self) -> u32 {
        self.passed + self.degraded
    }

    /// Share of runs up (0–1); none without runs.
    pub fn uptime(&self) -> Option<f64> {
        (self.runs() > 0).then(|| f64::from(self.up()) / f64::from(self.runs()))
    }

    pub fn mean_ms(&self) -> Option<f64> {
        (self.runs() > 0).then(|| self.duration_ms / f64::from(self.runs()))
    }

    /// The duration `quantile` (0–1) of the runs are at or below, from the histogram (within 5 %).
    pub fn percentile_ms(&self, quantile: f64) -> Option<f64> {
        let total: u64 = self.latency.iter().map(|(_, count)| u64::from(*count)).sum();
        if total == 0 {
            return None;
        }
        let rank = (quantile * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, count) in &self.latency {
            seen += u64::from(*count);
            if seen >= rank {
                return Some(middle_of(*bucket));
            }
        }
        self.latency.last().map(|(bucket, _)| middle_of(*bucket))
    }
}

/// sled merge operator: adds a tally to the stored one.
pub(super) fn merge_tally(_key: &[u8], old: Option<&[u8]>, new: &[u8]) -> Option<Vec<u8>> {
    let mut tally = old.map(Tally::from_bytes).unwrap_or_default();
    tally.add(&Tally::from_bytes(new));
    Some(tally.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_add_and_read_back_with_their_histograms() {
        let mut tally = Tally::default();
        for (ms, failed) in [(10.0, false), (20.0, false), (200.0, true), (12.0, false)] {
            let one = Tally {
                passed: u32::from(!failed),
                failed: u32::from(failed),
                duration_ms: ms,
                latency: vec![(bucket_of(ms), 1)],
                ..Tally::default()
            };
            tally = Tally::from_bytes(&merge_tally(b"k", Some(&tally.to_bytes()), &one.to_bytes()).unwrap());
        }
        assert_eq!((tally.passed, tally.failed, tally.runs()), (3, 1, 4));
        assert_eq!(tally.mean_ms(), Some(60.5));
        let p95 = tally.percentile_ms(0.95).unwrap();
        assert!((p95 - 200.0).abs() / 200.0 < 0.05, "{p95}");
        let p50 = tally.percentile_ms(0.5).unwrap();
        assert!((p50 - 12.0).abs() / 12.0 < 0.05, "{p50}");
    }

    #[test]
    fn a_tally_stored_before_the_histogram_still_reads() {
        let old = Tally { passed: 2, failed: 1, duration_ms: 30.0, ..Tally::default() }.to_bytes();
        assert_eq!(old.len(), COUNTERS);
        let read = Tally::from_bytes(&old[..16]);
        assert_eq!((read.passed, read.failed, read.degraded, read.percentile_ms(0.95)), (2, 1, 0, None));
    }

    #[test]
    fn percentiles_are_within_five_percent_over_the_range() {
        for ms in [1.5, 7.0, 95.0, 1_234.0, 29_000.0, 600_000.0] {
            let tally = Tally { passed: 1, latency: vec![(bucket_of(ms), 1)], ..Tally::default() };
            let read = tally.percentile_ms(0.95).unwrap();
            assert!((read - ms).abs() / ms <= 0.05, "{ms} read as {read}");
        }
    }
}
