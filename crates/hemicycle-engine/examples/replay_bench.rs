//! How fast a chamber reopens: builds a SQLite journal of N events of the shape real
//! sittings produce (mostly ballots; see `support/sittings.rs`) in a temporary
//! directory, through the journal's ordinary batch append, then times
//!
//! - the journal's own replay, `Journal::events_from(1)` read to the end (every hash,
//!   chain link, sequence and envelope checked), and
//! - `Chamber::open`, which does the same and folds every event into the state,
//!   checking each one against it again,
//!
//! and deletes the directory. The targets: replay at 500,000 events per second or
//! more, and a journal of 10 million events reopened in under 30 seconds.
//!
//! ```sh
//! cargo run --release -p hemicycle-engine --example replay_bench -- 10000000 3
//! ```
//! Arguments: events (default 1,000,000), timed runs of each replay (default 3).
//! `KEEP_JOURNAL=PATH` builds (or reuses, if the file exists) the journal at PATH and
//! keeps it, so that profiling runs need not build it again.

#[path = "support/sittings.rs"]
mod sittings;

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use hemicycle_engine::Chamber;
use hemicycle_journal::limits::MAX_BATCH_EVENTS;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::Journal;

/// Most events this example builds, so a typing slip cannot fill the disk.
const MAX_EVENTS: u64 = 100_000_000;
/// Most timed runs.
const MAX_RUNS: usize = 100;

fn main() -> Result<(), Box<dyn Error>> {
    let mut arguments = std::env::args().skip(1);
    let events: u64 = match arguments.next() {
        Some(text) => text
            .parse()
            .map_err(|error| format!("events {text:?}: {error}"))?,
        None => 1_000_000,
    };
    let runs: usize = match arguments.next() {
        Some(text) => text
            .parse()
            .map_err(|error| format!("runs {text:?}: {error}"))?,
        None => 3,
    };
    if events == 0 || events > MAX_EVENTS {
        return Err(format!("events must be 1 to {MAX_EVENTS}, not {events}").into());
    }
    if runs == 0 || runs > MAX_RUNS {
        return Err(format!("runs must be 1 to {MAX_RUNS}, not {runs}").into());
    }

    let temporary = tempfile::tempdir()?;
    let path = match std::env::var_os("KEEP_JOURNAL") {
        Some(path) => PathBuf::from(path),
        None => temporary.path().join("journal.db"),
    };
    if path.exists() {
        println!("reusing {}", path.display());
    } else {
        build(&path, events)?;
    }
    let stored = Journal::open(SqliteStorage::open(&path)?)?.len();
    if stored != events {
        return Err(format!("{} holds {stored} events, not {events}", path.display()).into());
    }
    let file_bytes = std::fs::metadata(&path)?.len();
    println!(
        "journal: {events} events, {:.1} MB",
        file_bytes as f64 / 1e6
    );

    for run in 1..=runs {
        let started = Clocks::now();
        let journal = Journal::open(SqliteStorage::open(&path)?)?;
        let mut replayed = 0u64;
        for envelope in journal.events_from(1)? {
            envelope?;
            replayed += 1;
        }
        let elapsed = started.elapsed();
        assert_eq!(replayed, events, "the replay visits every event");
        report(
            &format!("run {run}: Journal::events_from(1)"),
            events,
            elapsed,
        );
    }
    for run in 1..=runs {
        let started = Clocks::now();
        let chamber = Chamber::open(SqliteStorage::open(&path)?)?;
        let elapsed = started.elapsed();
        assert_eq!(
            chamber.state().events_applied,
            events,
            "the state is a fold over every event"
        );
        report(&format!("run {run}: Chamber::open"), events, elapsed);
        drop(chamber);
    }
    println!("peak resident memory: {}", peak_memory());
    Ok(())
}

/// Appends `events` events in batches of the largest size the journal takes.
fn build(path: &std::path::Path, events: u64) -> Result<(), Box<dyn Error>> {
    let started = Instant::now();
    let mut generator = sittings::SittingJournal::new();
    let mut journal = Journal::open(SqliteStorage::open(path)?)?;
    let mut generating_seconds = 0.0;
    let mut left = events;
    while left > 0 {
        let count = left.min(MAX_BATCH_EVENTS as u64);
        let generating = Instant::now();
        let batch = generator.next_batch(count as usize);
        generating_seconds += generating.elapsed().as_secs_f64();
        journal.append(batch)?;
        left -= count;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "build: {events} events in {seconds:.1} s ({:.1} s of it deciding the commands), {:.0} events/s",
        generating_seconds,
        events as f64 / seconds
    );
    Ok(())
}

/// Wall time, and the CPU time of the whole process and of this thread. On
/// a shared machine the wall time depends on the load; this thread's CPU
/// time is the part that cannot run in parallel (reading and folding), so
/// on an idle machine with two cores the wall time is about the larger of
/// it and half the process's CPU time.
struct Clocks {
    wall: Instant,
    process_cpu_seconds: f64,
    thread_cpu_seconds: f64,
}

struct Elapsed {
    wall_seconds: f64,
    process_cpu_seconds: f64,
    thread_cpu_seconds: f64,
}

impl Clocks {
    fn now() -> Clocks {
        Clocks {
            wall: Instant::now(),
            process_cpu_seconds: cpu_seconds("/proc/self/stat"),
            thread_cpu_seconds: cpu_seconds("/proc/thread-self/stat"),
        }
    }

    fn elapsed(&self) -> Elapsed {
        Elapsed {
            wall_seconds: self.wall.elapsed().as_secs_f64(),
            process_cpu_seconds: cpu_seconds("/proc/self/stat") - self.process_cpu_seconds,
            thread_cpu_seconds: cpu_seconds("/proc/thread-self/stat") - self.thread_cpu_seconds,
        }
    }
}

/// User plus system time from a Linux `stat` file, in seconds (the kernel
/// counts them in hundredths of a second there); 0 where there is none.
fn cpu_seconds(stat_path: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(stat_path) else {
        return 0.0;
    };
    // The command name (field 2) may hold spaces; the fields after it do not.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the file (utime, stime) are 11 and 12 after the name.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&index| fields.get(index)?.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}

fn report(what: &str, events: u64, elapsed: Elapsed) {
    println!(
        "{what}: {:.2} s wall, {:.0} events/s; CPU {:.2} s in all, {:.2} s on the reading thread ({:.0} events per reading-thread second)",
        elapsed.wall_seconds,
        events as f64 / elapsed.wall_seconds,
        elapsed.process_cpu_seconds,
        elapsed.thread_cpu_seconds,
        events as f64 / elapsed.thread_cpu_seconds.max(0.01),
    );
}

/// The process's peak resident set size, as Linux reports it (or "unknown").
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .map(|line| line.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
