//! The journal's speed on a real SQLite file (WAL, `synchronous=FULL`) in a
//! temporary directory:
//!
//! - `append/ours/N`: `Journal::append` of batches of N ballot-like events,
//!   one transaction (one fsync) per batch: validation, hash chain, Merkle
//!   subtree rows;
//! - `append/raw/N`: the ceiling, plain rusqlite inserts of the same rows
//!   (the same canonical bytes, hashes and subtree rows, computed before the
//!   clock starts) into the same tables, with the same pragmas and one
//!   transaction per batch of N. ours ÷ raw per N is what the journal costs
//!   above SQLite itself;
//! - `replay/events_from`: `Journal::events_from(1)` read to the end over a
//!   journal of 100,000 ballot-like events (every hash, link, sequence and
//!   envelope checked).
//!
//! Throughput is reported in events per second.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{Envelope, Hash, Journal, NewEvent};
use hemicycle_log::{leaf_hash, Frontier};
use rusqlite::{params, Connection, TransactionBehavior};

/// Events per transaction compared; 1 is an fsync per event.
const BATCH_SIZES: [usize; 4] = [1, 64, 256, 1024];
/// Events in the journal the replay benchmark reads.
const REPLAY_EVENTS: usize = 100_000;
/// Members voting in each division of the generated ballots.
const MEMBERS: usize = 329;

/// The `index`-th ballot of a run of divisions, shaped as the core encodes a
/// `BallotCast` event, cast by the member it names.
fn ballot(index: usize) -> NewEvent {
    let member = index % MEMBERS;
    let division = index / MEMBERS + 1;
    let choice = ["yes", "no", "abstain"][(index * 7) % 10 % 3];
    let seconds = index % 60;
    let minutes = index / 60 % 60;
    NewEvent {
        recorded_at: format!("2020-01-05T10:{minutes:02}:{seconds:02}+03:00"),
        actor: format!("member:m{member:03}"),
        payload: format!(
            r#"{{"v":1,"type":"BallotCast","division":"d{division}","member":"m{member:03}","choice":"{choice}"}}"#
        )
        .into_bytes(),
    }
}

fn append(criterion: &mut Criterion) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let mut group = criterion.benchmark_group("append");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    group.warm_up_time(Duration::from_secs(1));
    for batch_size in BATCH_SIZES {
        group.throughput(Throughput::Elements(batch_size as u64));

        let path = directory.path().join(format!("ours-{batch_size}.db"));
        let mut journal = Journal::open(SqliteStorage::open(&path).expect("open")).expect("open");
        let mut next = 0usize;
        group.bench_function(BenchmarkId::new("ours", batch_size), |bench| {
            bench.iter_custom(|iterations| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iterations {
                    let events: Vec<NewEvent> = (next..next + batch_size).map(ballot).collect();
                    next += batch_size;
                    let started = Instant::now();
                    let appended = journal.append(events).expect("append");
                    elapsed += started.elapsed();
                    assert_eq!(appended.len(), batch_size);
                }
                elapsed
            })
        });

        let path = directory.path().join(format!("raw-{batch_size}.db"));
        let mut raw = RawJournal::new(&path);
        group.bench_function(BenchmarkId::new("raw", batch_size), |bench| {
            bench.iter_custom(|iterations| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iterations {
                    let rows = raw.prepare(batch_size);
                    let started = Instant::now();
                    raw.insert(&rows);
                    elapsed += started.elapsed();
                }
                elapsed
            })
        });
    }
    group.finish();
}

/// The rows of one batch, computed before timing.
struct RawRows {
    events: Vec<(i64, Vec<u8>, Hash)>,
    tree: Vec<(u8, i64, [u8; 32])>,
}

/// The same tables the SQLite backend writes, filled with plain inserts.
struct RawJournal {
    connection: Connection,
    frontier: Frontier,
    previous_hash: Hash,
}

impl RawJournal {
    fn new(path: &Path) -> RawJournal {
        // The backend creates the schema (tables, triggers, WAL mode, which
        // the file keeps); the raw connection then writes to it directly.
        drop(SqliteStorage::open(path).expect("create the schema"));
        let connection = Connection::open(path).expect("open");
        connection
            .pragma_update(None, "synchronous", "FULL")
            .expect("synchronous");
        connection
            .pragma_update(None, "trusted_schema", false)
            .expect("trusted_schema");
        let mode: String = connection
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .expect("journal_mode");
        assert_eq!(
            mode, "wal",
            "the raw file is in WAL mode like the journal's"
        );
        RawJournal {
            connection,
            frontier: Frontier::new(),
            previous_hash: Hash::ZERO,
        }
    }

    fn prepare(&mut self, count: usize) -> RawRows {
        let mut rows = RawRows {
            events: Vec::with_capacity(count),
            tree: Vec::new(),
        };
        for _ in 0..count {
            let sequence = self.frontier.size() + 1;
            let envelope =
                Envelope::new(sequence, self.previous_hash, ballot(sequence as usize - 1))
                    .expect("a valid event");
            let bytes = envelope.canonical_bytes();
            self.previous_hash = envelope.hash;
            for (subtree, hash) in self.frontier.push(leaf_hash(&bytes)).expect("push") {
                rows.tree.push((
                    subtree.level,
                    i64::try_from(subtree.index).expect("index"),
                    hash,
                ));
            }
            rows.events.push((
                i64::try_from(sequence).expect("sequence"),
                bytes,
                envelope.hash,
            ));
        }
        rows
    }

    fn insert(&mut self, rows: &RawRows) {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .expect("begin");
        {
            let mut events = transaction
                .prepare_cached(
                    "INSERT INTO events (sequence, canonical_bytes, hash) VALUES (?1, ?2, ?3)",
                )
                .expect("prepare");
            for (sequence, bytes, hash) in &rows.events {
                events
                    .execute(params![sequence, bytes, hash.as_bytes().as_slice()])
                    .expect("insert an event");
            }
            let mut tree = transaction
                .prepare_cached(
                    "INSERT INTO tree_hashes (level, node_index, hash) VALUES (?1, ?2, ?3)",
                )
                .expect("prepare");
            for (level, index, hash) in &rows.tree {
                tree.execute(params![level, index, hash.as_slice()])
                    .expect("insert a subtree hash");
            }
        }
        transaction.commit().expect("commit");
    }
}

fn replay(criterion: &mut Criterion) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("replay.db");
    {
        let mut journal = Journal::open(SqliteStorage::open(&path).expect("open")).expect("open");
        for start in (0..REPLAY_EVENTS).step_by(10_000) {
            journal
                .append((start..start + 10_000).map(ballot).collect())
                .expect("append");
        }
    }
    let journal = Journal::open(SqliteStorage::open(&path).expect("open")).expect("open");
    assert_eq!(journal.len(), REPLAY_EVENTS as u64);
    let mut group = criterion.benchmark_group("replay");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(REPLAY_EVENTS as u64));
    group.bench_function("events_from", |bench| {
        bench.iter(|| {
            let mut count = 0usize;
            for envelope in journal.events_from(1).expect("replay") {
                envelope.expect("an intact event");
                count += 1;
            }
            assert_eq!(count, REPLAY_EVENTS);
        })
    });
    group.finish();
}

criterion_group!(benches, append, replay);
criterion_main!(benches);
