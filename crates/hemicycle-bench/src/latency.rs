//! Latency summaries: exact percentiles over every sample, kept in a sorted vector
//! (a run holds at most a few hundred thousand samples, so exactness is cheap).

use std::time::Duration;

use serde::Serialize;

/// The percentiles a report gives, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatencySummary {
    pub samples: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The sample at percentile `percent` by the nearest-rank method: the smallest sample
/// with at least `percent`% of all samples at or below it.
fn nearest_rank(sorted: &[Duration], percent: u32) -> Duration {
    assert!(!sorted.is_empty(), "a percentile of no samples");
    assert!((1..=100).contains(&percent), "percentile {percent}");
    let count = sorted.len();
    // ceil(percent × count / 100), at least 1.
    let rank = (usize::try_from(percent).unwrap_or(100) * count).div_ceil(100);
    sorted[rank.max(1) - 1]
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Summarises `samples`; `None` when there are none.
pub fn summarize(mut samples: Vec<Duration>) -> Option<LatencySummary> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    Some(LatencySummary {
        samples: samples.len(),
        p50_ms: milliseconds(nearest_rank(&samples, 50)),
        p90_ms: milliseconds(nearest_rank(&samples, 90)),
        p99_ms: milliseconds(nearest_rank(&samples, 99)),
        max_ms: milliseconds(*samples.last().expect("not empty")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_over_all_samples() {
        // 1..=100 ms, shuffled: p50 is 50 ms, p90 90 ms, p99 99 ms, max 100 ms.
        let samples: Vec<Duration> = (1..=100u64)
            .map(|index| Duration::from_millis((index * 37) % 100 + 1))
            .collect();
        let summary = summarize(samples).expect("samples");
        assert_eq!(summary.samples, 100);
        assert_eq!(summary.p50_ms, 50.0);
        assert_eq!(summary.p90_ms, 90.0);
        assert_eq!(summary.p99_ms, 99.0);
        assert_eq!(summary.max_ms, 100.0);
    }

    #[test]
    fn one_sample_is_every_percentile_and_none_is_no_summary() {
        let summary = summarize(vec![Duration::from_micros(1500)]).expect("a sample");
        assert_eq!(summary.p50_ms, 1.5);
        assert_eq!(summary.p99_ms, 1.5);
        assert_eq!(summary.max_ms, 1.5);
        assert_eq!(summarize(Vec::new()), None);
    }

    #[test]
    fn a_slow_tail_shows_in_p99_and_max_only() {
        let mut samples = vec![Duration::from_millis(2); 990];
        samples.extend(vec![Duration::from_millis(400); 10]);
        let summary = summarize(samples).expect("samples");
        assert_eq!(summary.p50_ms, 2.0);
        assert_eq!(summary.p90_ms, 2.0);
        assert_eq!(summary.p99_ms, 2.0);
        assert_eq!(summary.max_ms, 400.0);
    }
}
