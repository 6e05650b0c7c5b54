//! `Chamber::open` over a SQLite journal of 100,000 events of the shape real
//! sittings produce (mostly ballots; see `examples/support/sittings.rs`):
//! the chain checked and every event folded into the state and checked
//! against it again. Throughput in events per second.
//! `examples/replay_bench.rs` measures the same at any size (10 million).

#[path = "../examples/support/sittings.rs"]
mod sittings;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hemicycle_engine::Chamber;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::Journal;

const EVENTS: usize = 100_000;

fn replay(criterion: &mut Criterion) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("journal.db");
    {
        let mut generator = sittings::SittingJournal::new();
        let mut journal = Journal::open(SqliteStorage::open(&path).expect("open")).expect("open");
        for _ in 0..EVENTS / 10_000 {
            journal
                .append(generator.next_batch(10_000))
                .expect("append");
        }
    }
    let mut group = criterion.benchmark_group("replay");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("chamber_open", |bench| {
        bench.iter(|| {
            let chamber = Chamber::open(SqliteStorage::open(&path).expect("open")).expect("open");
            assert_eq!(chamber.state().events_applied, EVENTS as u64);
            chamber
        })
    });
    group.finish();
}

criterion_group!(benches, replay);
criterion_main!(benches);
