//! The storage contract: what every [`Storage`] backend must do.
//!
//! Each check is a plain function taking a factory of fresh, empty stores.
//! `storage_contract!` turns the whole list into one `#[test]` per check for
//! a backend, and `shared_store_contract!` adds the checks that need several
//! connections to one store (files, database servers). A new backend (the
//! PostgreSQL one, for instance) adds one invocation of each macro below.

mod common;

use hemicycle_journal::limits::MAX_SUBTREES_PER_READ;
use hemicycle_journal::limits::{
    MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_CANONICAL_BYTES, MAX_READ_BYTES, MAX_READ_RECORDS,
};
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{Hash, Head, Storage, StorageError, StoredCheckpoint, StoredRecord};
use hemicycle_log::{Frontier, MemoryTree, NodeSource, Subtree};

type Make<'a> = &'a dyn Fn() -> Box<dyn Storage>;

/// Records `first..first + count` with distinct opaque bytes.
fn records(first: u64, count: u64) -> Vec<StoredRecord> {
    (first..first + count)
        .map(|sequence| sized_record(sequence, 40 + (sequence as usize % 7)))
        .collect()
}

fn sized_record(sequence: u64, length: usize) -> StoredRecord {
    let mut canonical_bytes = format!("record {sequence}:").into_bytes();
    canonical_bytes.resize(length.max(canonical_bytes.len()), b'.');
    let hash = Hash::of(&canonical_bytes);
    StoredRecord {
        sequence,
        canonical_bytes,
        hash,
    }
}

fn head_of(records: &[StoredRecord]) -> Option<Head> {
    records.last().map(|record| Head {
        sequence: record.sequence,
        hash: record.hash,
    })
}

fn all(storage: &dyn Storage) -> Vec<StoredRecord> {
    let mut found = Vec::new();
    let mut from = 1;
    loop {
        let page = storage.read(from, MAX_READ_RECORDS).expect("read");
        let Some(last) = page.last() else {
            return found;
        };
        from = last.sequence + 1;
        found.extend(page);
    }
}

pub fn empty_store_has_nothing(make: Make) {
    let storage = make();
    assert_eq!(storage.head().unwrap(), None);
    assert_eq!(storage.len().unwrap(), 0);
    assert!(storage.is_empty().unwrap());
    assert_eq!(storage.read(1, 10).unwrap(), vec![]);
}

pub fn append_then_read_returns_exactly_what_was_stored(make: Make) {
    let mut storage = make();
    let first = records(1, 3);
    let second = records(4, 2);
    storage.append(&first).unwrap();
    storage.append(&second).unwrap();
    let expected: Vec<_> = first.into_iter().chain(second).collect();
    assert_eq!(storage.read(1, 100).unwrap(), expected);
    assert_eq!(storage.head().unwrap(), head_of(&expected));
    assert_eq!(storage.len().unwrap(), 5);
    assert!(!storage.is_empty().unwrap());
}

pub fn records_are_opaque(make: Make) {
    // A backend must not interpret or check what it stores: tamper evidence
    // depends on getting the stored bytes back exactly.
    let mut storage = make();
    let record = StoredRecord {
        sequence: 1,
        canonical_bytes: vec![0, 255, b'"', b'\\', 0xc3, 0x28, b'\n'],
        hash: Hash::from_bytes([7; 32]),
    };
    storage.append(std::slice::from_ref(&record)).unwrap();
    assert_eq!(storage.read(1, 1).unwrap(), vec![record]);
}

pub fn first_append_must_start_at_one(make: Make) {
    let mut storage = make();
    for start in [0, 2, 100] {
        match storage.append(&records(start, 2)) {
            Err(StorageError::Conflict { expected: 1, found }) => assert_eq!(found, start),
            other => panic!("append starting at {start} gave {other:?}"),
        }
    }
    assert_eq!(storage.len().unwrap(), 0);
}

pub fn append_must_continue_from_the_head(make: Make) {
    let mut storage = make();
    storage.append(&records(1, 3)).unwrap();
    for start in [1, 3, 5, 1000] {
        match storage.append(&records(start, 2)) {
            Err(StorageError::Conflict { expected: 4, found }) => assert_eq!(found, start),
            other => panic!("append starting at {start} gave {other:?}"),
        }
    }
    assert_eq!(storage.read(1, 100).unwrap(), records(1, 3));
    storage.append(&records(4, 1)).unwrap();
    assert_eq!(storage.len().unwrap(), 4);
}

pub fn non_consecutive_batch_is_refused_whole(make: Make) {
    let mut storage = make();
    let mut batch = records(1, 4);
    batch[2] = sized_record(4, 40);
    assert!(matches!(
        storage.append(&batch),
        Err(StorageError::NonContiguousBatch {
            position: 2,
            expected: 3,
            found: 4
        })
    ));
    let mut repeated = records(1, 2);
    repeated.push(records(2, 1).remove(0));
    assert!(matches!(
        storage.append(&repeated),
        Err(StorageError::NonContiguousBatch { position: 2, .. })
    ));
    assert_eq!(storage.len().unwrap(), 0);
    assert_eq!(storage.head().unwrap(), None);
}

pub fn empty_batch_stores_nothing(make: Make) {
    let mut storage = make();
    storage.append(&[]).unwrap();
    assert_eq!(storage.len().unwrap(), 0);
    storage.append(&records(1, 1)).unwrap();
    storage.append(&[]).unwrap();
    assert_eq!(storage.len().unwrap(), 1);
}

pub fn reads_are_ascending_from_any_point(make: Make) {
    let mut storage = make();
    let stored = records(1, 30);
    storage.append(&stored[..10]).unwrap();
    storage.append(&stored[10..]).unwrap();
    assert_eq!(storage.read(1, 5).unwrap(), stored[..5].to_vec());
    assert_eq!(storage.read(12, 5).unwrap(), stored[11..16].to_vec());
    assert_eq!(storage.read(28, 100).unwrap(), stored[27..].to_vec());
    assert_eq!(storage.read(30, 1).unwrap(), stored[29..].to_vec());
    assert_eq!(storage.read(31, 10).unwrap(), vec![]);
    assert_eq!(storage.read(u64::MAX, 10).unwrap(), vec![]);
    assert_eq!(storage.read(1, 0).unwrap(), vec![]);
    // Sequence 0 is never stored; reading from it starts at the beginning.
    assert_eq!(storage.read(0, 2).unwrap(), stored[..2].to_vec());
    assert_eq!(all(storage.as_ref()), stored);
}

pub fn read_limit_is_bounded(make: Make) {
    let storage = make();
    assert!(storage.read(1, MAX_READ_RECORDS).is_ok());
    assert!(matches!(
        storage.read(1, MAX_READ_RECORDS + 1),
        Err(StorageError::ReadLimitTooLarge { .. })
    ));
}

pub fn batch_limits_are_enforced(make: Make) {
    let mut storage = make();
    let too_many = records(1, MAX_BATCH_EVENTS as u64 + 1);
    assert!(matches!(
        storage.append(&too_many),
        Err(StorageError::BatchTooLarge { .. })
    ));
    let too_big = vec![sized_record(1, MAX_CANONICAL_BYTES + 1)];
    assert!(matches!(
        storage.append(&too_big),
        Err(StorageError::RecordTooLarge { sequence: 1, .. })
    ));
    let count = (MAX_BATCH_BYTES / MAX_CANONICAL_BYTES + 1) as u64;
    let too_many_bytes: Vec<_> = (1..=count)
        .map(|sequence| sized_record(sequence, MAX_CANONICAL_BYTES))
        .collect();
    assert!(matches!(
        storage.append(&too_many_bytes),
        Err(StorageError::BatchTooManyBytes { .. })
    ));
    assert_eq!(storage.len().unwrap(), 0);
    storage
        .append(&records(1, MAX_BATCH_EVENTS as u64))
        .unwrap();
    assert_eq!(storage.len().unwrap(), MAX_BATCH_EVENTS as u64);
}

pub fn large_records_are_read_in_bounded_pages(make: Make) {
    let mut storage = make();
    let count = (MAX_READ_BYTES / MAX_CANONICAL_BYTES + 3) as u64;
    let stored: Vec<_> = (1..=count)
        .map(|sequence| sized_record(sequence, MAX_CANONICAL_BYTES))
        .collect();
    for chunk in stored.chunks(MAX_BATCH_BYTES / MAX_CANONICAL_BYTES) {
        storage.append(chunk).unwrap();
    }
    let page = storage.read(1, MAX_READ_RECORDS).unwrap();
    assert!(!page.is_empty());
    let page_bytes: usize = page.iter().map(|record| record.canonical_bytes.len()).sum();
    assert!(page_bytes <= MAX_READ_BYTES, "page of {page_bytes} bytes");
    assert_eq!(page, stored[..page.len()].to_vec());
    assert_eq!(all(storage.as_ref()), stored);
}

/// Every complete subtree of a tree of `size` leaves.
fn all_subtrees(size: u64) -> Vec<Subtree> {
    let mut subtrees = Vec::new();
    for level in 0..64u8 {
        let count = size >> level;
        if count == 0 {
            break;
        }
        subtrees.extend((0..count).map(|index| Subtree { level, index }));
    }
    subtrees
}

pub fn the_merkle_tree_follows_every_append(make: Make) {
    let mut storage = make();
    let stored = records(1, 45);
    let mut appended = 0usize;
    for batch in [1usize, 2, 5, 8, 13, 16] {
        storage.append(&stored[appended..appended + batch]).unwrap();
        appended += batch;
        let expected = MemoryTree::from_entries(
            stored[..appended]
                .iter()
                .map(|record| record.canonical_bytes.clone()),
        );
        let subtrees = all_subtrees(appended as u64);
        assert_eq!(
            storage.subtree_hashes(&subtrees).unwrap(),
            expected.subtree_hashes(&subtrees).unwrap(),
            "after {appended} records"
        );
    }
    // Out of range, too many: refused, never answered with a guess.
    assert!(matches!(
        storage.subtree_hashes(&[Subtree {
            level: 0,
            index: 45
        }]),
        Err(StorageError::SubtreeOutOfRange { .. })
    ));
    assert!(matches!(
        storage.subtree_hashes(&[Subtree { level: 6, index: 0 }]),
        Err(StorageError::SubtreeOutOfRange { .. })
    ));
    assert!(matches!(
        storage.subtree_hashes(&[Subtree {
            level: 63,
            index: u64::MAX
        }]),
        Err(StorageError::SubtreeOutOfRange { .. })
    ));
    let too_many = vec![Subtree { level: 0, index: 0 }; MAX_SUBTREES_PER_READ + 1];
    assert!(matches!(
        storage.subtree_hashes(&too_many),
        Err(StorageError::TooManySubtrees { .. })
    ));
}

fn checkpoint_for(stored: &[StoredRecord], note: &str) -> StoredCheckpoint {
    let mut frontier = Frontier::new();
    for record in stored {
        frontier
            .push(hemicycle_log::leaf_hash(&record.canonical_bytes))
            .unwrap();
    }
    StoredCheckpoint {
        tree_size: stored.len() as u64,
        root_hash: frontier.root(),
        note: note.to_owned(),
    }
}

pub fn checkpoints_are_stored_with_the_events_they_cover(make: Make) {
    let mut storage = make();
    let stored = records(1, 10);
    storage.append(&stored[..4]).unwrap();
    // A checkpoint of another size, or another root: refused, and the
    // events of its batch are not stored either.
    let wrong_size = checkpoint_for(&stored[..5], "a");
    assert!(matches!(
        storage.append_with_checkpoint(&stored[4..6], Some(&wrong_size)),
        Err(StorageError::CheckpointNotAtHead {
            tree_size: 5,
            head: 6
        })
    ));
    let mut wrong_root = checkpoint_for(&stored[..6], "b");
    wrong_root.root_hash[0] ^= 1;
    assert!(matches!(
        storage.append_with_checkpoint(&stored[4..6], Some(&wrong_root)),
        Err(StorageError::CheckpointRootMismatch { tree_size: 6 })
    ));
    assert_eq!(storage.len().unwrap(), 4);
    assert_eq!(storage.latest_checkpoint().unwrap(), None);

    let six = checkpoint_for(&stored[..6], "note of six\n");
    storage
        .append_with_checkpoint(&stored[4..6], Some(&six))
        .unwrap();
    assert_eq!(storage.len().unwrap(), 6);
    assert_eq!(storage.latest_checkpoint().unwrap(), Some(six.clone()));
    // Again at the same size: refused.
    assert!(matches!(
        storage.append_with_checkpoint(&[], Some(&six)),
        Err(StorageError::CheckpointNotNewer {
            tree_size: 6,
            latest: 6
        })
    ));
    // A checkpoint alone, of the events as they are.
    storage.append(&stored[6..9]).unwrap();
    let nine = checkpoint_for(&stored[..9], "note of nine\n");
    storage.append_with_checkpoint(&[], Some(&nine)).unwrap();
    assert_eq!(
        storage.checkpoints(0, 10).unwrap(),
        vec![six.clone(), nine.clone()]
    );
    assert_eq!(storage.checkpoints(7, 10).unwrap(), vec![nine.clone()]);
    assert_eq!(storage.checkpoints(0, 1).unwrap(), vec![six]);
    assert_eq!(storage.checkpoints(10, 10).unwrap(), vec![]);
    assert!(matches!(
        storage.checkpoints(0, MAX_READ_RECORDS + 1),
        Err(StorageError::ReadLimitTooLarge { .. })
    ));
    assert_eq!(storage.latest_checkpoint().unwrap(), Some(nine));
}

/// Runs every single-connection check against stores made by `make`.
pub fn run_contract_suite(make: impl Fn() -> Box<dyn Storage>) {
    let make: Make = &make;
    empty_store_has_nothing(make);
    append_then_read_returns_exactly_what_was_stored(make);
    records_are_opaque(make);
    first_append_must_start_at_one(make);
    append_must_continue_from_the_head(make);
    non_consecutive_batch_is_refused_whole(make);
    empty_batch_stores_nothing(make);
    reads_are_ascending_from_any_point(make);
    read_limit_is_bounded(make);
    batch_limits_are_enforced(make);
    large_records_are_read_in_bounded_pages(make);
    the_merkle_tree_follows_every_append(make);
    checkpoints_are_stored_with_the_events_they_cover(make);
}

/// Opens new connections to one store.
type Connect<'a> = &'a dyn Fn() -> Box<dyn Storage>;

pub fn appends_are_seen_by_other_connections(connect: Connect) {
    let mut writer = connect();
    let reader = connect();
    writer.append(&records(1, 3)).unwrap();
    assert_eq!(reader.read(1, 10).unwrap(), records(1, 3));
    assert_eq!(reader.head().unwrap(), head_of(&records(1, 3)));
}

pub fn a_writer_with_a_stale_head_gets_a_conflict(connect: Connect) {
    let mut first = connect();
    let mut second = connect();
    first.append(&records(1, 2)).unwrap();
    second.append(&records(3, 1)).unwrap();
    // Both saw head 3 and try to write event 4 with different contents: only
    // one may win.
    let mut theirs = records(4, 1);
    theirs[0] = sized_record(4, 99);
    first.append(&records(4, 2)).unwrap();
    assert!(matches!(
        second.append(&theirs),
        Err(StorageError::Conflict {
            expected: 6,
            found: 4
        })
    ));
    assert_eq!(second.read(1, 10).unwrap(), records(1, 5));
}

pub fn reopening_keeps_everything(connect: Connect) {
    let stored = records(1, 7);
    {
        let mut storage = connect();
        storage.append(&stored[..4]).unwrap();
        storage.append(&stored[4..]).unwrap();
    }
    let reopened = connect();
    assert_eq!(reopened.head().unwrap(), head_of(&stored));
    assert_eq!(reopened.len().unwrap(), 7);
    assert_eq!(reopened.read(1, 10).unwrap(), stored);
}

/// Runs every multi-connection check. `new_store` makes a fresh, empty store
/// and returns a function that opens connections to it.
pub fn run_shared_store_suite(new_store: impl Fn() -> Box<dyn Fn() -> Box<dyn Storage>>) {
    appends_are_seen_by_other_connections(&*new_store());
    a_writer_with_a_stale_head_gets_a_conflict(&*new_store());
    reopening_keeps_everything(&*new_store());
}

/// One `#[test]` per single-connection check, for one backend.
macro_rules! storage_contract {
    ($backend:ident, $make:expr) => {
        mod $backend {
            use super::*;

            fn make() -> Box<dyn Storage> {
                ($make)()
            }

            #[test]
            fn empty_store_has_nothing() {
                super::empty_store_has_nothing(&make);
            }
            #[test]
            fn append_then_read_returns_exactly_what_was_stored() {
                super::append_then_read_returns_exactly_what_was_stored(&make);
            }
            #[test]
            fn records_are_opaque() {
                super::records_are_opaque(&make);
            }
            #[test]
            fn first_append_must_start_at_one() {
                super::first_append_must_start_at_one(&make);
            }
            #[test]
            fn append_must_continue_from_the_head() {
                super::append_must_continue_from_the_head(&make);
            }
            #[test]
            fn non_consecutive_batch_is_refused_whole() {
                super::non_consecutive_batch_is_refused_whole(&make);
            }
            #[test]
            fn empty_batch_stores_nothing() {
                super::empty_batch_stores_nothing(&make);
            }
            #[test]
            fn reads_are_ascending_from_any_point() {
                super::reads_are_ascending_from_any_point(&make);
            }
            #[test]
            fn read_limit_is_bounded() {
                super::read_limit_is_bounded(&make);
            }
            #[test]
            fn batch_limits_are_enforced() {
                super::batch_limits_are_enforced(&make);
            }
            #[test]
            fn large_records_are_read_in_bounded_pages() {
                super::large_records_are_read_in_bounded_pages(&make);
            }
            #[test]
            fn the_merkle_tree_follows_every_append() {
                super::the_merkle_tree_follows_every_append(&make);
            }
            #[test]
            fn checkpoints_are_stored_with_the_events_they_cover() {
                super::checkpoints_are_stored_with_the_events_they_cover(&make);
            }
        }
    };
}

/// One `#[test]` per multi-connection check, for one backend.
macro_rules! shared_store_contract {
    ($backend:ident, $new_store:expr) => {
        mod $backend {
            use super::*;

            fn connect() -> Box<dyn Fn() -> Box<dyn Storage>> {
                ($new_store)()
            }

            #[test]
            fn appends_are_seen_by_other_connections() {
                super::appends_are_seen_by_other_connections(&*connect());
            }
            #[test]
            fn a_writer_with_a_stale_head_gets_a_conflict() {
                super::a_writer_with_a_stale_head_gets_a_conflict(&*connect());
            }
            #[test]
            fn reopening_keeps_everything() {
                super::reopening_keeps_everything(&*connect());
            }
        }
    };
}

storage_contract!(sqlite_file, || -> Box<dyn Storage> {
    Box::new(common::TempSqlite::new())
});

storage_contract!(sqlite_memory, || -> Box<dyn Storage> {
    Box::new(SqliteStorage::open_in_memory().unwrap())
});

/// A new SQLite file; the directory lives as long as the opener does.
fn sqlite_file_store() -> Box<dyn Fn() -> Box<dyn Storage>> {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("shared.db");
    Box::new(move || -> Box<dyn Storage> {
        let _keep_directory_alive = &directory;
        Box::new(SqliteStorage::open(&path).unwrap())
    })
}

shared_store_contract!(sqlite_file_shared, sqlite_file_store);

/// The all-in-one entry points, so a backend without the macros (or a quick
/// manual run) can use them; also keeps them compiled and exercised.
#[test]
fn whole_suites_pass_on_sqlite() {
    run_contract_suite(|| Box::new(SqliteStorage::open_in_memory().unwrap()));
    run_shared_store_suite(sqlite_file_store);
}
