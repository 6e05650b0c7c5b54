//! The storage contract on PostgreSQL, and what only a database server
//! shared by several writers can show: racing appends, notifications, the
//! writers' lock, migrations, and lost connections.
//!
//! Every test gets a fresh schema, dropped afterwards (see
//! `common/postgres.rs`); without a reachable server each test prints
//! "PostgreSQL suite NOT RUN: …" and passes, unless `CI=true` or
//! `HEMICYCLE_REQUIRE_POSTGRES=1`.
//!
//! The contract's checks come from `tests/contract.rs`, compiled here as a
//! module (so its SQLite tests run in this binary too).

#[path = "contract.rs"]
mod contract;

#[path = "common/postgres.rs"]
mod postgres_server;

use std::sync::{mpsc, Barrier};
use std::time::Duration;

use hemicycle_journal::log as transparency;
use hemicycle_journal::postgres::{PostgresStorage, SCHEMA_VERSION};
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{
    verify, ChangeListener, Hash, Head, Journal, NewEvent, Storage, StorageError, StoredCheckpoint,
    StoredRecord,
};
use hemicycle_log::{Frontier, MemoryTree, SignerKey, Subtree, TreeHash};
use postgres_server::{admin_client, TestSchema};

/// A PostgreSQL store in a schema of its own, dropped after the store.
struct SchemaStore {
    // Declared first so that its connection closes before the schema goes.
    storage: PostgresStorage,
    _schema: TestSchema,
}

impl SchemaStore {
    fn create() -> SchemaStore {
        let schema = TestSchema::create().expect("the server answered a moment ago");
        SchemaStore {
            storage: PostgresStorage::connect(schema.url()).expect("open a journal"),
            _schema: schema,
        }
    }
}

impl Storage for SchemaStore {
    fn head(&self) -> Result<Option<Head>, StorageError> {
        self.storage.head()
    }

    fn append_with_checkpoint(
        &mut self,
        records: &[StoredRecord],
        checkpoint: Option<&StoredCheckpoint>,
    ) -> Result<(), StorageError> {
        self.storage.append_with_checkpoint(records, checkpoint)
    }

    fn subtree_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<TreeHash>, StorageError> {
        self.storage.subtree_hashes(subtrees)
    }

    fn checkpoints(
        &self,
        from_tree_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StorageError> {
        self.storage.checkpoints(from_tree_size, limit)
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StorageError> {
        self.storage.latest_checkpoint()
    }

    fn read(&self, from_sequence: u64, limit: usize) -> Result<Vec<StoredRecord>, StorageError> {
        self.storage.read(from_sequence, limit)
    }

    fn len(&self) -> Result<u64, StorageError> {
        self.storage.len()
    }

    fn lock_writers(&mut self) -> Result<(), StorageError> {
        self.storage.lock_writers()
    }

    fn unlock_writers(&mut self) -> Result<(), StorageError> {
        self.storage.unlock_writers()
    }

    fn open_reader(&self) -> Result<Option<Box<dyn Storage>>, StorageError> {
        self.storage.open_reader()
    }

    fn open_change_listener(&self) -> Result<Option<Box<dyn ChangeListener>>, StorageError> {
        self.storage.open_change_listener()
    }
}

fn new_store() -> Box<dyn Storage> {
    Box::new(SchemaStore::create())
}

/// A fresh schema and a function opening connections to the journal in it.
fn shared_store() -> Box<dyn Fn() -> Box<dyn Storage>> {
    let schema = TestSchema::create().expect("the server answered a moment ago");
    Box::new(move || -> Box<dyn Storage> {
        Box::new(PostgresStorage::connect(schema.url()).expect("open a journal"))
    })
}

/// Whether the server can be reached (printing why not, or failing when
/// it is required).
fn server_reachable() -> bool {
    TestSchema::create().is_some()
}

/// One `#[test]` per check of the contract suite, each on fresh stores.
macro_rules! postgres_contract {
    ($($check:ident),* $(,)?) => {
        mod postgres_contract {
            use super::*;
            $(
                #[test]
                fn $check() {
                    if server_reachable() {
                        contract::$check(&new_store);
                    }
                }
            )*
        }
    };
}

postgres_contract!(
    empty_store_has_nothing,
    append_then_read_returns_exactly_what_was_stored,
    records_are_opaque,
    first_append_must_start_at_one,
    append_must_continue_from_the_head,
    non_consecutive_batch_is_refused_whole,
    empty_batch_stores_nothing,
    reads_are_ascending_from_any_point,
    read_limit_is_bounded,
    batch_limits_are_enforced,
    large_records_are_read_in_bounded_pages,
    the_merkle_tree_follows_every_append,
    checkpoints_are_stored_with_the_events_they_cover,
);

/// One `#[test]` per multi-connection check.
macro_rules! postgres_shared_store_contract {
    ($($check:ident),* $(,)?) => {
        mod postgres_shared_store_contract {
            use super::*;
            $(
                #[test]
                fn $check() {
                    if server_reachable() {
                        contract::$check(&*shared_store());
                    }
                }
            )*
        }
    };
}

postgres_shared_store_contract!(
    appends_are_seen_by_other_connections,
    a_writer_with_a_stale_head_gets_a_conflict,
    reopening_keeps_everything,
);

/// The suites' own entry points, so that a check added to them later runs
/// on PostgreSQL without touching this file.
#[test]
fn whole_suites_pass_on_postgres() {
    if server_reachable() {
        contract::run_contract_suite(new_store);
        contract::run_shared_store_suite(shared_store);
    }
}

fn record(sequence: u64, text: &str) -> StoredRecord {
    let canonical_bytes = format!("record {sequence}: {text}").into_bytes();
    StoredRecord {
        sequence,
        hash: Hash::of(&canonical_bytes),
        canonical_bytes,
    }
}

fn records(first: u64, count: u64) -> Vec<StoredRecord> {
    (first..first + count)
        .map(|sequence| record(sequence, "ours"))
        .collect()
}

fn checkpoint_of(stored: &[StoredRecord], note: &str) -> StoredCheckpoint {
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

/// A valid event whose payload mentions `number`.
fn event(number: u64) -> NewEvent {
    NewEvent {
        recorded_at: format!("2020-01-05T16:{:02}:00+03:00", number % 60),
        actor: format!("member:sairoon-{number}"),
        payload: format!(r#"{{"type":"vote_cast","division":{number},"choice":"yes"}}"#)
            .into_bytes(),
    }
}

fn all_records(storage: &dyn Storage) -> Vec<StoredRecord> {
    let mut found = Vec::new();
    loop {
        let from = found
            .last()
            .map_or(1, |last: &StoredRecord| last.sequence + 1);
        let page = storage.read(from, 1000).unwrap();
        if page.is_empty() {
            return found;
        }
        found.extend(page);
    }
}

/// The stored tree's root equals the root of a tree built in memory from
/// the stored records.
fn assert_tree_matches_records(storage: &dyn Storage) {
    let stored = all_records(storage);
    let tree = MemoryTree::from_entries(stored.iter().map(|record| &record.canonical_bytes));
    let size = stored.len() as u64;
    if size > 0 {
        assert_eq!(
            transparency::root(storage, size).unwrap(),
            hemicycle_log::root(&tree, size).unwrap()
        );
    }
}

fn count_rows(schema: &mut TestSchema, table: &str) -> i64 {
    let statement = format!("SELECT count(*) FROM {}.{table}", schema.name());
    schema.admin().query_one(&statement, &[]).unwrap().get(0)
}

#[test]
fn racing_writers_one_wins_the_other_gets_a_conflict_and_nothing_is_duplicated() {
    const ROUNDS: u64 = 60;
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let barrier = Barrier::new(2);
    let outcomes: Vec<Vec<Result<(), StorageError>>> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..2)
            .map(|writer| {
                let mut storage = PostgresStorage::connect(schema.url()).unwrap();
                let barrier = &barrier;
                scope.spawn(move || {
                    let mut outcomes = Vec::new();
                    for round in 0..ROUNDS {
                        // Both start a round after both finished the last,
                        // so both see the same head and race for the next.
                        barrier.wait();
                        let head = storage.head().unwrap().map_or(0, |head| head.sequence);
                        assert_eq!(head, round);
                        barrier.wait();
                        let mine = record(round + 1, &format!("writer {writer}"));
                        outcomes.push(storage.append(&[mine]));
                    }
                    outcomes
                })
            })
            .collect();
        writers
            .into_iter()
            .map(|writer| writer.join().unwrap())
            .collect()
    });
    let reader = PostgresStorage::connect(schema.url()).unwrap();
    let stored = all_records(&reader);
    assert_eq!(stored.len() as u64, ROUNDS);
    for round in 0..ROUNDS as usize {
        let sequence = round as u64 + 1;
        let results = [&outcomes[0][round], &outcomes[1][round]];
        let winners: Vec<usize> = (0..2).filter(|&writer| results[writer].is_ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let loser = 1 - winners[0];
        assert!(
            matches!(
                results[loser],
                Err(StorageError::Conflict { expected, found })
                    if *expected == sequence + 1 && *found == sequence
            ),
            "round {round}: {:?}",
            results[loser]
        );
        assert_eq!(
            stored[round],
            record(sequence, &format!("writer {}", winners[0]))
        );
    }
    assert_tree_matches_records(&reader);
    verify_tree_rows(&reader, ROUNDS);
}

/// Every complete subtree of the stored tree is there, and no more.
fn verify_tree_rows(storage: &dyn Storage, size: u64) {
    let mut subtrees = Vec::new();
    for level in 0..64u8 {
        let count = size >> level;
        if count == 0 {
            break;
        }
        subtrees.extend((0..count).map(|index| Subtree { level, index }));
    }
    for chunk in subtrees.chunks(1000) {
        storage.subtree_hashes(chunk).unwrap();
    }
}

#[test]
fn an_insert_racing_inside_the_transaction_becomes_a_conflict_and_stores_nothing() {
    let Some(mut schema) = TestSchema::create() else {
        return;
    };
    let mut storage = PostgresStorage::connect(schema.url()).unwrap();
    storage.append(&records(1, 3)).unwrap();
    let process_id = storage.backend_process_id().unwrap();
    // Another writer has inserted event 4 but not committed yet: our append
    // reads head 3, and its insert of event 4 waits on theirs.
    let theirs = record(4, "theirs");
    let mut other = admin_client(schema.url()).unwrap();
    let mut transaction = other.transaction().unwrap();
    transaction
        .execute(
            "INSERT INTO journal_events (sequence, canonical_bytes, hash) VALUES (4, $1, $2)",
            &[&theirs.canonical_bytes, &theirs.hash.as_bytes().as_slice()],
        )
        .unwrap();
    let tree_rows_before = count_rows(&mut schema, "journal_tree_hashes");
    let outcome = std::thread::scope(|scope| {
        let appending = scope.spawn(move || {
            let outcome = storage.append(&records(4, 2));
            (outcome, storage)
        });
        schema.wait_until_blocked(process_id);
        transaction.commit().unwrap();
        appending.join().unwrap()
    });
    let (outcome, storage) = outcome;
    assert!(
        matches!(
            outcome,
            Err(StorageError::Conflict {
                expected: 5,
                found: 4
            })
        ),
        "{outcome:?}"
    );
    assert_eq!(storage.read(4, 10).unwrap(), vec![theirs]);
    assert_eq!(
        count_rows(&mut schema, "journal_tree_hashes"),
        tree_rows_before,
        "none of our subtrees was stored"
    );
}

#[test]
fn a_listener_hears_another_handle_append_only_when_it_commits() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let mut writer = PostgresStorage::connect(schema.url()).unwrap();
    let reader = PostgresStorage::connect(schema.url()).unwrap();
    let mut listener = reader
        .open_change_listener()
        .unwrap()
        .expect("PostgreSQL stores can be listened to");
    assert_eq!(listener.wait(0).unwrap(), None);
    writer.append(&records(1, 2)).unwrap();
    assert_eq!(listener.wait(30_000).unwrap(), Some(2));
    writer.append(&records(3, 1)).unwrap();
    assert_eq!(listener.wait(30_000).unwrap(), Some(3));
    // A checkpoint alone is an append too.
    let checkpoint = checkpoint_of(&records(1, 3), "three\n");
    writer
        .append_with_checkpoint(&[], Some(&checkpoint))
        .unwrap();
    assert_eq!(listener.wait(30_000).unwrap(), Some(3));
    // Refused appends notify nothing.
    assert!(writer.append(&records(2, 1)).is_err());
    let wrong = checkpoint_of(&records(1, 3), "wrong size\n");
    assert!(writer
        .append_with_checkpoint(&records(4, 1), Some(&wrong))
        .is_err());
    assert_eq!(listener.wait(200).unwrap(), None);
    // A burst is reported once, at its furthest sequence.
    writer.append(&records(4, 1)).unwrap();
    writer.append(&records(5, 1)).unwrap();
    let mut heard = Vec::new();
    while heard.last() != Some(&5) {
        heard.push(listener.wait(30_000).unwrap().expect("a notification"));
    }
    assert!(heard == [5] || heard == [4, 5], "{heard:?}");
}

#[test]
fn the_writers_lock_excludes_a_second_handle_until_released() {
    let Some(mut schema) = TestSchema::create() else {
        return;
    };
    let Some(other_schema) = TestSchema::create() else {
        return;
    };
    let mut first = PostgresStorage::connect(schema.url()).unwrap();
    let mut second = PostgresStorage::connect(schema.url()).unwrap();
    let second_process = second.backend_process_id().unwrap();
    first.lock_writers().unwrap();
    // A journal in another schema has a lock of its own.
    let mut elsewhere = PostgresStorage::connect(other_schema.url()).unwrap();
    elsewhere.lock_writers().unwrap();
    elsewhere.unlock_writers().unwrap();
    let (taken, taken_signal) = mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            second.lock_writers().unwrap();
            taken.send(()).unwrap();
            second.append(&records(1, 1)).unwrap();
            second.unlock_writers().unwrap();
        });
        schema.wait_until_blocked(second_process);
        assert!(
            taken_signal.try_recv().is_err(),
            "the second handle took the lock while the first held it"
        );
        first.unlock_writers().unwrap();
        taken_signal
            .recv_timeout(Duration::from_secs(30))
            .expect("the second handle takes the lock once it is released");
    });
    assert_eq!(first.len().unwrap(), 1);
    // Releasing a lock not held is harmless.
    first.unlock_writers().unwrap();
}

#[test]
fn migrations_run_once_and_a_newer_schema_is_refused() {
    let Some(mut schema) = TestSchema::create() else {
        return;
    };
    let stored = records(1, 5);
    PostgresStorage::connect(schema.url())
        .unwrap()
        .append(&stored)
        .unwrap();
    for _ in 0..3 {
        let reopened = PostgresStorage::connect(schema.url()).unwrap();
        assert_eq!(reopened.read(1, 10).unwrap(), stored);
    }
    let migrations_table = format!("{}.journal_schema_migrations", schema.name());
    let versions: Vec<i32> = schema
        .admin()
        .query(
            &format!("SELECT version FROM {migrations_table} ORDER BY version"),
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, (1..=SCHEMA_VERSION as i32).collect::<Vec<_>>());

    let newer = SCHEMA_VERSION as i32 + 1;
    schema
        .admin()
        .execute(
            &format!("INSERT INTO {migrations_table} (version, description) VALUES ($1, 'from the future')"),
            &[&newer],
        )
        .unwrap();
    let error = PostgresStorage::connect(schema.url()).unwrap_err();
    assert!(
        matches!(&error, StorageError::UnknownFormatVersion { found, supported }
            if *found == newer.to_string() && *supported == SCHEMA_VERSION),
        "{error:?}"
    );
}

#[test]
fn tables_that_are_not_a_journal_are_refused() {
    let Some(mut schema) = TestSchema::create() else {
        return;
    };
    let statement = format!("CREATE TABLE {}.journal_events (id INTEGER)", schema.name());
    schema.admin().batch_execute(&statement).unwrap();
    let error = PostgresStorage::connect(schema.url()).unwrap_err();
    assert!(
        matches!(&error, StorageError::NotAJournal { reason } if reason.contains("journal_events")),
        "{error:?}"
    );
}

#[test]
fn stored_rows_cannot_be_updated_deleted_or_truncated() {
    let Some(mut schema) = TestSchema::create() else {
        return;
    };
    let mut storage = PostgresStorage::connect(schema.url()).unwrap();
    storage
        .append_with_checkpoint(
            &records(1, 2),
            Some(&checkpoint_of(&records(1, 2), "two\n")),
        )
        .unwrap();
    let name = schema.name().to_owned();
    for statement in [
        format!("UPDATE {name}.journal_events SET canonical_bytes = 'x'"),
        format!("DELETE FROM {name}.journal_events"),
        format!("TRUNCATE {name}.journal_events"),
        format!("UPDATE {name}.journal_tree_hashes SET hash = hash"),
        format!("DELETE FROM {name}.journal_tree_hashes"),
        format!("TRUNCATE {name}.journal_tree_hashes"),
        format!("UPDATE {name}.journal_checkpoints SET note = ''"),
        format!("DELETE FROM {name}.journal_checkpoints"),
        format!("TRUNCATE {name}.journal_checkpoints"),
    ] {
        let error = schema.admin().batch_execute(&statement).unwrap_err();
        let message = error.as_db_error().map(|error| error.message().to_owned());
        assert!(
            message
                .as_deref()
                .is_some_and(|message| message.contains("append-only")),
            "{statement}: {error}"
        );
    }
    assert_eq!(storage.read(1, 10).unwrap(), records(1, 2));
}

#[test]
fn a_terminated_session_gives_a_clear_error_then_the_next_call_reconnects() {
    let Some(mut schema) = TestSchema::create() else {
        return;
    };
    let mut storage = PostgresStorage::connect(schema.url()).unwrap();
    storage.append(&records(1, 2)).unwrap();
    let process_id = storage.backend_process_id().unwrap();
    schema.terminate_session(process_id);
    let error = storage.head().unwrap_err();
    assert!(
        matches!(
            &error,
            StorageError::Backend {
                operation: "reading the head",
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("connection to PostgreSQL was lost")
            // Then the cause, which depends on what the client saw first:
            // the server's farewell, a reset, or a closed socket.
            && message.contains("reconnects: "),
        "{message}"
    );
    assert_eq!(storage.head().unwrap().unwrap().sequence, 2);
    assert_ne!(storage.backend_process_id().unwrap(), process_id);
    storage.append(&records(3, 1)).unwrap();

    // An append lost halfway (its events and subtrees inserted, then the
    // session killed while it waits for the checkpoints table) leaves nothing.
    let process_id = storage.backend_process_id().unwrap();
    let mut blocker = admin_client(schema.url()).unwrap();
    let mut blocking = blocker.transaction().unwrap();
    blocking
        .batch_execute("LOCK TABLE journal_checkpoints IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let tree_rows_before = count_rows(&mut schema, "journal_tree_hashes");
    let batch = records(4, 3);
    let checkpoint = checkpoint_of(&records(1, 6), "six\n");
    let outcome = std::thread::scope(|scope| {
        let appending = scope.spawn(|| storage.append_with_checkpoint(&batch, Some(&checkpoint)));
        schema.wait_until_blocked(process_id);
        schema.terminate_session(process_id);
        appending.join().unwrap()
    });
    blocking.rollback().unwrap();
    let error = outcome.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("connection to PostgreSQL was lost"),
        "{error}"
    );
    assert_eq!(storage.len().unwrap(), 3);
    assert_eq!(
        count_rows(&mut schema, "journal_tree_hashes"),
        tree_rows_before
    );
    assert_eq!(storage.latest_checkpoint().unwrap(), None);
    storage
        .append_with_checkpoint(&batch, Some(&checkpoint))
        .unwrap();
    assert_eq!(storage.latest_checkpoint().unwrap(), Some(checkpoint));
    assert_tree_matches_records(&storage);
}

#[test]
fn a_listener_reports_a_lost_connection_once_then_listens_again() {
    let Some(mut schema) = TestSchema::create() else {
        return;
    };
    let mut writer = PostgresStorage::connect(schema.url()).unwrap();
    let mut listener = writer.open_change_listener().unwrap().unwrap();
    let listening = format!("LISTEN {}", writer.notify_channel());
    let process_id: i32 = schema
        .admin()
        .query_one(
            "SELECT pid FROM pg_stat_activity WHERE query = $1",
            &[&listening],
        )
        .unwrap()
        .get(0);
    schema.terminate_session(process_id);
    let error = listener.wait(30_000).unwrap_err();
    assert!(
        matches!(
            &error,
            StorageError::Backend {
                operation: "waiting for changes",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("reconnect"), "{error}");
    // The next call reconnects and listens again.
    assert_eq!(listener.wait(0).unwrap(), None);
    writer.append(&records(1, 4)).unwrap();
    assert_eq!(listener.wait(30_000).unwrap(), Some(4));
}

#[test]
fn an_unreachable_server_is_a_clear_error_without_the_password() {
    let url = "postgres://clerk:hunter2@127.0.0.1:1/chamber?connect_timeout=5";
    let error = PostgresStorage::connect(url).unwrap_err();
    assert!(matches!(error, StorageError::Open { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("cannot open journal storage at")
            && message.contains("postgres://clerk:***@127.0.0.1:1/chamber")
            && message.contains("error connecting to server: Connection refused"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    assert!(!format!("{error:?}").contains("hunter2"));
    // Through the URL-driven entry point too.
    let error = hemicycle_journal::open(url).map(drop).unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[test]
fn the_same_events_give_the_same_tree_proofs_and_checkpoints_as_sqlite() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let key = SignerKey::from_seed("test.example/chamber", [42; 32]).unwrap();
    let mut sqlite = Journal::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    let mut postgres = Journal::open(PostgresStorage::connect(schema.url()).unwrap()).unwrap();
    let mut number = 1;
    for batch in [1u64, 4, 9, 16, 3, 30] {
        let events: Vec<_> = (number..number + batch).map(event).collect();
        number += batch;
        let (_, from_sqlite) = sqlite.append_signed(events.clone(), &key).unwrap();
        let (_, from_postgres) = postgres.append_signed(events, &key).unwrap();
        assert_eq!(from_sqlite, from_postgres);
    }
    let size = number - 1;
    let (sqlite, postgres) = (sqlite.storage(), postgres.storage());
    assert_eq!(all_records(postgres), all_records(sqlite));
    assert_eq!(
        postgres.checkpoints(0, 100).unwrap(),
        sqlite.checkpoints(0, 100).unwrap()
    );
    for tree_size in [1, 2, 5, 14, 30, 33, size] {
        for index in [0, tree_size / 2, tree_size - 1] {
            assert_eq!(
                transparency::inclusion(postgres, index, tree_size)
                    .unwrap()
                    .to_json(),
                transparency::inclusion(sqlite, index, tree_size)
                    .unwrap()
                    .to_json()
            );
        }
        assert_eq!(
            transparency::consistency(postgres, 1, tree_size)
                .unwrap()
                .to_json(),
            transparency::consistency(sqlite, 1, tree_size)
                .unwrap()
                .to_json()
        );
    }
    assert_eq!(verify(postgres).unwrap(), verify(sqlite).unwrap());
}

#[test]
fn readers_share_the_store() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let mut writer = PostgresStorage::connect(schema.url()).unwrap();
    let reader = writer.open_reader().unwrap().expect("a second connection");
    writer.append(&records(1, 3)).unwrap();
    assert_eq!(reader.read(1, 10).unwrap(), records(1, 3));
}

#[test]
fn waiting_for_the_writers_lock_is_bounded() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let mut first = PostgresStorage::connect(schema.url()).unwrap();
    // A lock timeout given in the URL is kept (the default is a minute).
    let impatient = format!("{}%20-clock_timeout%3D200", schema.url());
    let mut second = PostgresStorage::connect(&impatient).unwrap();
    first.lock_writers().unwrap();
    let error = second.lock_writers().unwrap_err();
    assert!(
        matches!(
            &error,
            StorageError::Backend {
                operation: "taking the writers' lock",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("writers' lock was not free"),
        "{error}"
    );
    // The lock only lets writers take turns: appending never needs it.
    second.append(&records(1, 1)).unwrap();
    first.unlock_writers().unwrap();
    second.lock_writers().unwrap();
    second.unlock_writers().unwrap();
}
