//! The benchmark's report: as data (serialised to JSON with `--json`) and as text.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::latency::LatencySummary;
use crate::process::{FileLimit, ProcessSample};

/// One phase of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseReport {
    pub name: &'static str,
    /// Requests (or viewers) the phase had to get through.
    pub requests: usize,
    pub succeeded: usize,
    pub wall_time_s: f64,
    /// Successes per second of wall time.
    pub per_second: f64,
    pub latency: Option<LatencySummary>,
    /// The server's CPU time during the phase, when its process is known.
    pub server_cpu_seconds: Option<f64>,
    /// The load generator's own CPU time during the phase (it shares the machine).
    pub bench_cpu_seconds: Option<f64>,
}

impl PhaseReport {
    pub fn new(
        name: &'static str,
        requests: usize,
        succeeded: usize,
        wall_time: Duration,
        latency: Option<LatencySummary>,
        server_cpu_seconds: Option<f64>,
        bench_cpu_seconds: Option<f64>,
    ) -> PhaseReport {
        let wall_time_s = wall_time.as_secs_f64();
        PhaseReport {
            name,
            requests,
            succeeded,
            wall_time_s,
            per_second: if wall_time_s > 0.0 {
                succeeded as f64 / wall_time_s
            } else {
                0.0
            },
            latency,
            server_cpu_seconds,
            bench_cpu_seconds,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BallotReport {
    /// Ballots the server acknowledged (2xx).
    pub acknowledged: usize,
    /// Ballots in the division as the server reads it back after the close.
    pub recorded_by_server: usize,
    pub per_second: f64,
    pub wall_time_s: f64,
    pub latency: Option<LatencySummary>,
    pub server_cpu_seconds: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OutcomeReport {
    /// The verdict as the server records it.
    pub verdict: Option<String>,
    /// How long the close took to be acknowledged.
    pub close_latency_ms: Option<f64>,
    pub viewers_saw_outcome: usize,
    /// Time from the close's acknowledgment to the outcome reaching each viewer
    /// (zero for a viewer that had it before the acknowledgment arrived).
    pub delay: Option<LatencySummary>,
    /// Viewers whose outcome arrived before the close's acknowledgment did.
    pub seen_before_acknowledgment: usize,
    #[serde(skip)]
    pub acknowledged_at: Option<Instant>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ViewerReport {
    pub requested: usize,
    /// Viewers that received their first snapshot.
    pub connected: usize,
    pub saw_outcome: usize,
    /// Fresh snapshots sent to viewers that fell behind the live queue.
    pub resyncs: u64,
    pub events: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerReport {
    pub pid: u32,
    /// CPU time since the server started (its start-up included).
    pub cpu_seconds: f64,
    /// CPU time from the run's start to its end.
    pub cpu_seconds_during_run: Option<f64>,
    /// The server's peak resident memory (`VmHWM`).
    pub peak_memory_kib: u64,
}

/// Everything a run measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchReport {
    pub run_label: String,
    pub members: usize,
    pub viewers_requested: usize,
    pub concurrency: usize,
    pub phase_time_limit_s: f64,
    pub division: String,
    pub phases: Vec<PhaseReport>,
    pub ballots: BallotReport,
    pub outcome: OutcomeReport,
    pub viewers: ViewerReport,
    pub server: Option<ServerReport>,
    pub bench_process: Option<ProcessSample>,
    /// The load generator's open-file limit, when the caller raised it.
    pub file_limit: Option<FileLimit>,
    /// Errors by `phase: kind`; a good run has none.
    pub errors: BTreeMap<String, u64>,
    pub error_total: u64,
    /// The first few error messages.
    pub error_examples: Vec<String>,
    /// Why the run stopped early, if it did.
    pub aborted: Option<String>,
}

fn optional_seconds(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |seconds| format!("{seconds:.2}"))
}

fn latency_line(latency: Option<&LatencySummary>) -> String {
    latency.map_or_else(
        || "-".to_owned(),
        |latency| {
            format!(
                "p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                latency.p50_ms, latency.p90_ms, latency.p99_ms, latency.max_ms
            )
        },
    )
}

impl fmt::Display for BenchReport {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            out,
            "hemicycle bench: {} members, {} viewers, {} requests in flight, {} s per phase (run {})",
            self.members,
            self.viewers_requested,
            self.concurrency,
            self.phase_time_limit_s,
            self.run_label
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "{:<28} {:>9} {:>9} {:>9} {:>10} {:>9} {:>9}  latency",
            "phase", "requests", "ok", "wall s", "per s", "server s", "bench s"
        )?;
        for phase in &self.phases {
            writeln!(
                out,
                "{:<28} {:>9} {:>9} {:>9.2} {:>10.1} {:>9} {:>9}  {}",
                phase.name,
                phase.requests,
                phase.succeeded,
                phase.wall_time_s,
                phase.per_second,
                optional_seconds(phase.server_cpu_seconds),
                optional_seconds(phase.bench_cpu_seconds),
                latency_line(phase.latency.as_ref()),
            )?;
        }
        writeln!(out)?;
        writeln!(
            out,
            "Ballots: {} acknowledged, {} recorded by the server, {:.1} per second over {:.2} s",
            self.ballots.acknowledged,
            self.ballots.recorded_by_server,
            self.ballots.per_second,
            self.ballots.wall_time_s
        )?;
        writeln!(
            out,
            "Ballot latency: {}",
            latency_line(self.ballots.latency.as_ref())
        )?;
        writeln!(
            out,
            "Outcome: {}; the close acknowledged in {}; reached {} of {} connected viewers",
            self.outcome.verdict.as_deref().unwrap_or("none recorded"),
            self.outcome
                .close_latency_ms
                .map_or_else(|| "-".to_owned(), |ms| format!("{ms:.1} ms")),
            self.outcome.viewers_saw_outcome,
            self.viewers.connected
        )?;
        if let Some(delay) = &self.outcome.delay {
            writeln!(
                out,
                "Outcome after the close's acknowledgment: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} viewers had it before the acknowledgment)",
                delay.p50_ms, delay.p99_ms, delay.max_ms, self.outcome.seen_before_acknowledgment
            )?;
        }
        writeln!(
            out,
            "Viewers: {} of {} connected; {} events, {:.1} MB received; {} fresh snapshots after falling behind",
            self.viewers.connected,
            self.viewers.requested,
            self.viewers.events,
            self.viewers.bytes as f64 / 1e6,
            self.viewers.resyncs
        )?;
        match &self.server {
            Some(server) => writeln!(
                out,
                "Server (pid {}): {:.2} s CPU during the run ({:.2} s since start), peak memory {:.1} MiB",
                server.pid,
                server.cpu_seconds_during_run.unwrap_or(server.cpu_seconds),
                server.cpu_seconds,
                server.peak_memory_kib as f64 / 1024.0
            )?,
            None => writeln!(out, "Server: not measured (its process is not known)")?,
        }
        if let Some(bench) = &self.bench_process {
            writeln!(
                out,
                "Load generator: {:.2} s CPU, peak memory {:.1} MiB",
                bench.cpu_seconds,
                bench.peak_memory_kib as f64 / 1024.0
            )?;
        }
        if let Some(limit) = &self.file_limit {
            writeln!(
                out,
                "Open-file limit: {} (raised from {}; hard limit {})",
                limit.now, limit.before, limit.hard
            )?;
        }
        if self.error_total == 0 {
            writeln!(out, "Errors: none")?;
        } else {
            writeln!(out, "Errors: {}", self.error_total)?;
            for (kind, count) in &self.errors {
                writeln!(out, "  {count:>8}  {kind}")?;
            }
            for example in &self.error_examples {
                writeln!(out, "  e.g. {example}")?;
            }
        }
        if let Some(reason) = &self.aborted {
            writeln!(out, "The run stopped early: {reason}")?;
        }
        Ok(())
    }
}
