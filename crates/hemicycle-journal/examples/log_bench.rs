//! Measures the transparency log at scale: builds a SQLite journal of many
//! small synthetic events in a temporary directory (deleted at the end), then
//! times reopening it, signing checkpoints, inclusion proofs at the full size
//! and consistency proofs between random sizes (each proof is checked with
//! the RFC 9162 verifiers, outside the timed part), and whole-journal
//! verification.
//!
//! ```sh
//! cargo run --release -p hemicycle-journal --example log_bench -- [EVENTS] [PROOFS]
//! ```
//!
//! EVENTS defaults to 10,000,000 and PROOFS (of each kind) to 1,000. Set
//! `SKIP_VERIFY=1` to leave out the two whole-journal verifications. The
//! temporary directory is made under the system's temporary directory
//! (`TMPDIR`), which needs room for about 3.5 GB at 10 million events.

use std::error::Error;
use std::time::{Duration, Instant};

use hemicycle_journal::limits::MAX_BATCH_EVENTS;
use hemicycle_journal::log as transparency;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{verify, verify_log, Journal, NewEvent, Storage};
use hemicycle_log::{leaf_hash, verify_consistency, verify_inclusion, SignerKey};

/// A small deterministic generator (SplitMix64), so that runs ask for the
/// same proofs.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `low ..= high` (the bias is negligible here).
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

fn event(number: u64) -> NewEvent {
    NewEvent {
        recorded_at: "2026-11-29T12:00:00Z".to_owned(),
        actor: "system".to_owned(),
        payload: format!(r#"{{"n":{number}}}"#).into_bytes(),
    }
}

/// The process's CPU time (user + system) where `/proc/self/stat` exists
/// (Linux), in clock ticks of 10 ms; `None` elsewhere. Set against wall
/// time, it tells work from waiting for a core on a loaded machine.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// The CPU time spent since `before`, per operation, as a line to print.
fn cpu_per_operation(before: Option<f64>, operations: usize) -> String {
    match (before, cpu_seconds()) {
        (Some(before), Some(after)) => format!(
            "  CPU time of the timed loop: {:.3} ms per operation",
            (after - before) * 1000.0 / operations as f64
        ),
        _ => "  (CPU time not available on this system)".to_owned(),
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Prints p50, p99 and max of `times` in milliseconds.
fn summary(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |fraction: f64| times[((times.len() as f64 * fraction) as usize).min(times.len() - 1)];
    let total: Duration = times.iter().sum();
    println!(
        "{what}: {} timed, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms, mean {:.3} ms",
        times.len(),
        millis(at(0.50)),
        millis(at(0.99)),
        millis(times[times.len() - 1]),
        millis(total) / times.len() as f64,
    );
}

fn file_bytes(directory: &std::path::Path) -> u64 {
    std::fs::read_dir(directory)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| entry.metadata().ok())
                .map(|metadata| metadata.len())
                .sum()
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut arguments = std::env::args().skip(1);
    let events: u64 = arguments.next().map_or(Ok(10_000_000), |a| a.parse())?;
    let proofs: usize = arguments.next().map_or(Ok(1_000), |a| a.parse())?;
    let skip_verify = std::env::var_os("SKIP_VERIFY").is_some();
    if events < 2 || proofs == 0 {
        return Err("need at least 2 events and 1 proof".into());
    }
    let directory = tempfile::Builder::new()
        .prefix("hemicycle-log-bench")
        .tempdir()?;
    let path = directory.path().join("journal.db");
    println!("journal: {} (deleted at the end)", path.display());

    // Build, in the largest batches the journal accepts.
    let batch = MAX_BATCH_EVENTS as u64;
    let mut journal = Journal::open(SqliteStorage::open(&path)?)?;
    let started = Instant::now();
    let mut last_report = Instant::now();
    let mut number = 1;
    while number <= events {
        let end = (number + batch - 1).min(events);
        journal.append((number..=end).map(event).collect())?;
        number = end + 1;
        if last_report.elapsed() >= Duration::from_secs(30) || end == events {
            let elapsed = started.elapsed().as_secs_f64();
            println!(
                "  {end} events in {elapsed:.1} s ({:.0} events/s)",
                end as f64 / elapsed
            );
            last_report = Instant::now();
        }
    }
    let build = started.elapsed();
    println!(
        "build: {events} events in {:.1} s = {:.0} events appended per second, batches of {batch}; \
         files {:.2} GB",
        build.as_secs_f64(),
        events as f64 / build.as_secs_f64(),
        file_bytes(directory.path()) as f64 / 1e9,
    );
    drop(journal);

    // Reopening: Journal::open reads and checks the head only.
    let mut reopen_times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let journal = Journal::open(SqliteStorage::open(&path)?)?;
        reopen_times.push(started.elapsed());
        assert_eq!(journal.len(), events);
    }
    summary(
        "reopen (SqliteStorage::open + Journal::open)",
        &mut reopen_times,
    );
    let mut journal = Journal::open(SqliteStorage::open(&path)?)?;

    // Signing: the first checkpoint at the full size, then one event more
    // with a checkpoint proved consistent with that one (the engine's path).
    let signer = SignerKey::from_seed("bench.example/log", [7; 32])?;
    let started = Instant::now();
    let first = journal.sign_checkpoint(&signer)?;
    println!(
        "sign the first checkpoint at size {}: {:.3} ms",
        first.tree_size,
        millis(started.elapsed())
    );
    let started = Instant::now();
    let (_, second) = journal.append_signed(vec![event(events + 1)], &signer)?;
    let second = second.ok_or("no checkpoint signed")?;
    println!(
        "append 1 event + sign a checkpoint consistent with the previous one (size {}): {:.3} ms \
         (includes the fsync of the commit)",
        second.tree_size,
        millis(started.elapsed())
    );
    let size = second.tree_size;
    let storage = journal.storage();

    // Roots.
    let mut random = Random(20_261_129);
    let mut root_times = Vec::with_capacity(proofs);
    for _ in 0..proofs {
        let tree_size = random.between(1, size);
        let started = Instant::now();
        std::hint::black_box(transparency::root(storage, tree_size)?);
        root_times.push(started.elapsed());
    }
    summary("root of a random size", &mut root_times);
    let full_root = transparency::root(storage, size)?;
    assert_eq!(full_root, second.root_hash);

    // Inclusion proofs at the full size: all made (timed) first, then each
    // verified against the signed root and the stored entry.
    let indexes: Vec<u64> = (0..proofs).map(|_| random.between(0, size - 1)).collect();
    let mut inclusion_times = Vec::with_capacity(proofs);
    let mut bodies = Vec::with_capacity(proofs);
    let cpu = cpu_seconds();
    for &index in &indexes {
        let started = Instant::now();
        let body = transparency::inclusion(storage, index, size)?;
        inclusion_times.push(started.elapsed());
        bodies.push(body);
    }
    let cpu = cpu_per_operation(cpu, proofs);
    let mut hashes = 0usize;
    for (&index, body) in indexes.iter().zip(&bodies) {
        let (leaf, proof) = body.decode()?;
        let record = storage.read(index + 1, 1)?;
        assert_eq!(leaf, leaf_hash(&record[0].canonical_bytes), "leaf {index}");
        verify_inclusion(&leaf, index, size, &proof, &full_root)?;
        hashes += proof.len();
    }
    summary(
        &format!("inclusion proof at size {size} (random index)"),
        &mut inclusion_times,
    );
    println!("{cpu}");
    println!(
        "  {:.1} hashes per inclusion proof on average; all verified",
        hashes as f64 / proofs as f64
    );

    // Consistency proofs between random sizes, made (timed) then verified
    // against the roots of both sizes.
    let pairs: Vec<(u64, u64)> = (0..proofs)
        .map(|_| {
            let a = random.between(1, size);
            let b = random.between(1, size);
            (a.min(b), a.max(b))
        })
        .collect();
    let mut consistency_times = Vec::with_capacity(proofs);
    let mut bodies = Vec::with_capacity(proofs);
    let cpu = cpu_seconds();
    for &(from, to) in &pairs {
        let started = Instant::now();
        let body = transparency::consistency(storage, from, to)?;
        consistency_times.push(started.elapsed());
        bodies.push(body);
    }
    let cpu = cpu_per_operation(cpu, proofs);
    let mut hashes = 0usize;
    for (&(from, to), body) in pairs.iter().zip(&bodies) {
        let proof = body.decode()?;
        let from_root = transparency::root(storage, from)?;
        let to_root = transparency::root(storage, to)?;
        verify_consistency(from, to, &proof, &from_root, &to_root)?;
        hashes += proof.len();
    }
    summary(
        "consistency proof between random sizes",
        &mut consistency_times,
    );
    println!("{cpu}");
    println!(
        "  {:.1} hashes per consistency proof on average; all verified",
        hashes as f64 / proofs as f64
    );

    // Receipts: the first checkpoint including a random event, and the proof.
    let mut receipt_times = Vec::with_capacity(proofs);
    for _ in 0..proofs {
        let sequence = random.between(1, size);
        let started = Instant::now();
        std::hint::black_box(transparency::receipt(storage, sequence)?);
        receipt_times.push(started.elapsed());
    }
    summary("receipt for a random event", &mut receipt_times);

    if !skip_verify {
        let started = Instant::now();
        let report = verify(storage)?;
        let elapsed = started.elapsed();
        assert_eq!(report.events, size);
        println!(
            "hemicycle_journal::verify (hash chain of every event): {:.1} s = {:.0} events/s",
            elapsed.as_secs_f64(),
            size as f64 / elapsed.as_secs_f64()
        );
        let started = Instant::now();
        let report = verify_log(storage, &signer.verifier(), &[])?;
        let elapsed = started.elapsed();
        println!(
            "hemicycle_journal::verify_log (chain + every stored subtree + {} stored checkpoints): \
             {:.1} s = {:.0} events/s",
            report.stored_checkpoints,
            elapsed.as_secs_f64(),
            size as f64 / elapsed.as_secs_f64()
        );
    }

    drop(journal);
    let path_shown = directory.path().display().to_string();
    directory.close()?;
    println!("deleted {path_shown}");
    Ok(())
}
