//! The SQLite storage backend.
//!
//! Schema (format version 1):
//! - `events(sequence INTEGER PRIMARY KEY, canonical_bytes BLOB, hash BLOB)`,
//!   a STRICT table, with triggers that abort any `UPDATE` or `DELETE` so
//!   that ordinary SQL (or a bug) cannot rewrite history. Someone with the
//!   file can still drop the triggers: that is what the hash chain and
//!   [`verify`](crate::verify) are for.
//! - `tree_hashes(level, node_index, hash)`: the hash of every complete
//!   subtree of the RFC 6962 Merkle tree over the events (leaf `i` is event
//!   `i + 1`), written in the transaction that appends the event completing
//!   it; about two rows per event, so that any root or proof is about 2·64
//!   key lookups, whatever the journal's size.
//! - `checkpoints(tree_size, root_hash, note)`: the signed checkpoints,
//!   written in the transaction of the events they cover.
//! - `journal_meta(key TEXT PRIMARY KEY, value TEXT)` holding
//!   `format_version`, checked on every open. Version 1 journals (events
//!   only) are migrated to version 2 on open by building their tree.
//!
//! All three data tables refuse `UPDATE` and `DELETE` through triggers.
//!
//! Connections run in WAL mode with `synchronous=FULL`, so a committed
//! append has reached the disk before [`Storage::append`] returns, and with a
//! busy timeout so that several processes can share one file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hemicycle_log::{leaf_hash, Frontier, Subtree, TreeHash};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::fault::{ConnectionFaults, FaultInjector, FaultPoint};
use crate::hash::Hash;
use crate::limits::MAX_READ_BYTES;
use crate::storage::{
    check_append, check_read_limit, check_subtree_read, checkpoint_from_columns, Head, Storage,
    StorageError, StoredCheckpoint, StoredRecord,
};

/// The on-disk format this build reads and writes. Bump it (with a
/// migration) whenever the schema or the canonical byte format changes.
pub const FORMAT_VERSION: u32 = 2;

/// Events read per page while migrating a version 1 journal.
const MIGRATION_PAGE_RECORDS: usize = 1000;

/// How long a connection waits for another writer's lock before giving up.
pub const BUSY_TIMEOUT_MS: u64 = 5_000;

const SCHEMA: &str = "
CREATE TABLE journal_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE events (
    sequence INTEGER PRIMARY KEY CHECK (sequence >= 1),
    canonical_bytes BLOB NOT NULL,
    hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'journal events are append-only: UPDATE is not allowed');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'journal events are append-only: DELETE is not allowed');
END;
";

/// The tables added by format version 2.
const TREE_SCHEMA: &str = "
CREATE TABLE tree_hashes (
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
    node_index INTEGER NOT NULL CHECK (node_index >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, node_index)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER tree_hashes_no_update BEFORE UPDATE ON tree_hashes
BEGIN
    SELECT RAISE(ABORT, 'the Merkle tree is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER tree_hashes_no_delete BEFORE DELETE ON tree_hashes
BEGIN
    SELECT RAISE(ABORT, 'the Merkle tree is append-only: DELETE is not allowed');
END;
CREATE TABLE checkpoints (
    tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 0),
    root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
    note TEXT NOT NULL
) STRICT;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'signed checkpoints are append-only: UPDATE is not allowed');
END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'signed checkpoints are append-only: DELETE is not allowed');
END;
";

/// A journal stored in one SQLite database.
#[derive(Debug)]
pub struct SqliteStorage {
    connection: Connection,
    /// The file, for opening readers on it; `None` in memory.
    path: Option<PathBuf>,
    /// Inert unless a test arms it (see [`crate::fault`]).
    faults: ConnectionFaults,
}

impl SqliteStorage {
    /// Opens the journal file at `path`, creating the file and its schema
    /// if absent. The parent directory must exist. Refuses a database that
    /// holds other tables but no journal, and a journal whose format version
    /// is not [`FORMAT_VERSION`].
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStorage, StorageError> {
        let path = path.as_ref();
        let open_error = |source: rusqlite::Error| StorageError::Open {
            path: path.to_path_buf(),
            source: Box::new(source),
        };
        let connection = Connection::open(path).map_err(open_error)?;
        configure(&connection).map_err(open_error)?;
        let mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(open_error)?;
        // WAL lets readers (verification, replay) run while a writer
        // appends. SQLite can refuse it, e.g. on some network file systems.
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Open {
                path: path.to_path_buf(),
                source: format!(
                    "SQLite could not switch the database to WAL mode (it stayed in {mode:?} mode)"
                )
                .into(),
            });
        }
        let mut storage = SqliteStorage::with_connection(connection)?;
        storage.path = Some(path.to_path_buf());
        Ok(storage)
    }

    /// A private, empty in-memory journal (for tests; nothing is durable).
    pub fn open_in_memory() -> Result<SqliteStorage, StorageError> {
        let connection =
            Connection::open_in_memory().map_err(backend("opening an in-memory database"))?;
        configure(&connection).map_err(backend("configuring the database"))?;
        SqliteStorage::with_connection(connection)
    }

    fn with_connection(mut connection: Connection) -> Result<SqliteStorage, StorageError> {
        prepare_schema(&mut connection)?;
        Ok(SqliteStorage {
            connection,
            path: None,
            faults: ConnectionFaults::default(),
        })
    }

    /// This handle's fault injector (see [`crate::fault`]); readers opened
    /// from it have their own.
    pub fn fault_injector(&self) -> FaultInjector {
        self.faults.injector().clone()
    }
}

fn configure(connection: &Connection) -> Result<(), rusqlite::Error> {
    connection.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))?;
    // A tampered file could carry schema objects that call functions with
    // side effects; do not trust them.
    connection.pragma_update(None, "trusted_schema", false)?;
    // FULL: in WAL mode this syncs the log on every commit, which is what
    // makes a returned append durable across power loss.
    connection.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// Creates the schema in an empty database, or checks an existing one. Done
/// in an IMMEDIATE transaction so two processes opening a new file at once
/// cannot both create it.
fn prepare_schema(connection: &mut Connection) -> Result<(), StorageError> {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend("checking the schema"))?;
    let has_meta: bool = transaction
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal_meta')",
            [],
            |row| row.get(0),
        )
        .map_err(backend("checking the schema"))?;
    if has_meta {
        let version: Option<String> = transaction
            .query_row(
                "SELECT value FROM journal_meta WHERE key = 'format_version'",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(backend("reading the format version"))?;
        match version {
            None => {
                return Err(StorageError::NotAJournal {
                    reason: "the journal_meta table has no format_version".to_owned(),
                })
            }
            Some(version) if version == "1" => migrate_from_version_1(&transaction)?,
            Some(version) if version != FORMAT_VERSION.to_string() => {
                return Err(StorageError::UnknownFormatVersion {
                    found: version,
                    supported: FORMAT_VERSION,
                })
            }
            Some(_) => {}
        }
        let has_events: bool = transaction
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events')",
                [],
                |row| row.get(0),
            )
            .map_err(backend("checking the schema"))?;
        if !has_events {
            return Err(StorageError::NotAJournal {
                reason: "the events table is missing".to_owned(),
            });
        }
    } else {
        let other_tables: i64 = transaction
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                [],
                |row| row.get(0),
            )
            .map_err(backend("checking the schema"))?;
        if other_tables > 0 {
            return Err(StorageError::NotAJournal {
                reason: format!(
                    "the database already holds {other_tables} other table(s) and no journal"
                ),
            });
        }
        transaction
            .execute_batch(SCHEMA)
            .map_err(backend("creating the schema"))?;
        transaction
            .execute_batch(TREE_SCHEMA)
            .map_err(backend("creating the schema"))?;
        transaction
            .execute(
                "INSERT INTO journal_meta (key, value) VALUES ('format_version', ?1)",
                params![FORMAT_VERSION.to_string()],
            )
            .map_err(backend("creating the schema"))?;
    }
    transaction.commit().map_err(backend("creating the schema"))
}

/// Adds the Merkle tree to a version 1 journal: creates the tables and
/// hashes every stored event into the tree, all inside the caller's
/// transaction, then records version 2.
fn migrate_from_version_1(transaction: &Transaction<'_>) -> Result<(), StorageError> {
    transaction
        .execute_batch(TREE_SCHEMA)
        .map_err(backend("migrating to format version 2"))?;
    let mut frontier = Frontier::new();
    loop {
        let records = read_records(
            transaction,
            frontier.size().saturating_add(1),
            MIGRATION_PAGE_RECORDS,
        )?;
        if records.is_empty() {
            break;
        }
        for record in &records {
            // The tree covers events 1, 2, 3, … in order; a gap cannot be
            // hashed into it. `verify` names such a gap; the migration stops.
            if record.sequence != frontier.size() + 1 {
                return Err(StorageError::CorruptRecord {
                    sequence: i64::try_from(record.sequence).unwrap_or(i64::MAX),
                    reason: format!(
                        "cannot build the Merkle tree: expected event {}, found event {}",
                        frontier.size() + 1,
                        record.sequence
                    ),
                });
            }
            insert_tree_hashes(transaction, &mut frontier, record, None)?;
        }
    }
    transaction
        .execute(
            "UPDATE journal_meta SET value = ?1 WHERE key = 'format_version'",
            params![FORMAT_VERSION.to_string()],
        )
        .map_err(backend("migrating to format version 2"))?;
    Ok(())
}

/// Hashes one record into the tree and stores every subtree it completes.
fn insert_tree_hashes(
    transaction: &Transaction<'_>,
    frontier: &mut Frontier,
    record: &StoredRecord,
    faults: Option<&FaultInjector>,
) -> Result<(), StorageError> {
    let completed = frontier
        .push(leaf_hash(&record.canonical_bytes))
        .map_err(|_| StorageError::SequenceOutOfRange {
            sequence: record.sequence,
        })?;
    let mut insert = transaction
        .prepare_cached("INSERT INTO tree_hashes (level, node_index, hash) VALUES (?1, ?2, ?3)")
        .map_err(backend("storing the Merkle tree"))?;
    for (subtree, hash) in completed {
        if let Some(faults) = faults {
            faults.check(FaultPoint::Write, "storing the Merkle tree")?;
        }
        insert
            .execute(params![
                subtree.level,
                to_column(subtree.index)?,
                hash.as_slice()
            ])
            .map_err(backend("storing the Merkle tree"))?;
    }
    Ok(())
}

/// Looks up stored subtree hashes, one indexed lookup each.
fn lookup_subtrees(
    connection: &Connection,
    subtrees: &[Subtree],
) -> Result<Vec<TreeHash>, StorageError> {
    let mut select = connection
        .prepare_cached("SELECT hash FROM tree_hashes WHERE level = ?1 AND node_index = ?2")
        .map_err(backend("reading the Merkle tree"))?;
    let mut hashes = Vec::with_capacity(subtrees.len());
    for subtree in subtrees {
        let missing = || StorageError::TreeIncomplete {
            level: subtree.level,
            index: subtree.index,
        };
        let stored: Option<Vec<u8>> = select
            .query_row(params![subtree.level, to_column(subtree.index)?], |row| {
                row.get(0)
            })
            .optional()
            .map_err(backend("reading the Merkle tree"))?;
        let bytes = stored.ok_or_else(missing)?;
        hashes.push(TreeHash::try_from(bytes.as_slice()).map_err(|_| missing())?);
    }
    Ok(hashes)
}

fn stored_event_count(connection: &Connection) -> Result<u64, StorageError> {
    let last: Option<i64> = connection
        .query_row("SELECT max(sequence) FROM events", [], |row| row.get(0))
        .map_err(backend("reading the head"))?;
    match last {
        None => Ok(0),
        Some(last) => from_column(last),
    }
}

fn checkpoint_from_row(row: &rusqlite::Row<'_>) -> Result<StoredCheckpoint, StorageError> {
    let tree_size: i64 = row.get(0).map_err(backend("reading checkpoints"))?;
    checkpoint_from_columns(
        tree_size,
        row.get(1).map_err(|error| error.to_string()),
        row.get(2).map_err(|error| error.to_string()),
    )
}

/// Wraps a rusqlite error with what was being done, keeping rusqlite's
/// types out of the public API.
fn backend(operation: &'static str) -> impl Fn(rusqlite::Error) -> StorageError {
    move |source| StorageError::Backend {
        operation,
        source: Box::new(source),
    }
}

fn to_column(sequence: u64) -> Result<i64, StorageError> {
    i64::try_from(sequence).map_err(|_| StorageError::SequenceOutOfRange { sequence })
}

fn from_column(sequence: i64) -> Result<u64, StorageError> {
    u64::try_from(sequence)
        .ok()
        .filter(|sequence| *sequence >= 1)
        .ok_or_else(|| StorageError::CorruptRecord {
            sequence,
            reason: "the sequence column is not a positive number".to_owned(),
        })
}

fn hash_from_column(sequence: i64, value: ValueRef<'_>) -> Result<Hash, StorageError> {
    match value {
        ValueRef::Blob(bytes) => Hash::try_from(bytes).map_err(|_| StorageError::CorruptRecord {
            sequence,
            reason: format!("the stored hash is {} bytes long, not 32", bytes.len()),
        }),
        other => Err(StorageError::CorruptRecord {
            sequence,
            reason: format!(
                "the stored hash is a {:?} value, not a blob",
                other.data_type()
            ),
        }),
    }
}

fn bytes_from_column(sequence: i64, value: ValueRef<'_>) -> Result<Vec<u8>, StorageError> {
    match value {
        // A foreign writer (or a table rebuilt without STRICT) may have
        // stored text; its bytes are still the record, so keep them and let
        // verification judge them.
        ValueRef::Blob(bytes) | ValueRef::Text(bytes) => Ok(bytes.to_vec()),
        other => Err(StorageError::CorruptRecord {
            sequence,
            reason: format!(
                "the canonical bytes are a {:?} value, not a blob",
                other.data_type()
            ),
        }),
    }
}

impl Storage for SqliteStorage {
    fn open_reader(&self) -> Result<Option<Box<dyn Storage>>, StorageError> {
        match &self.path {
            Some(path) => Ok(Some(Box::new(SqliteStorage::open(path)?))),
            None => Ok(None),
        }
    }

    /// Another process (a second server on the same file) may append to a
    /// file; a private in-memory journal has no other writer.
    fn open_change_listener(
        &self,
    ) -> Result<Option<Box<dyn crate::storage::ChangeListener>>, StorageError> {
        match &self.path {
            Some(path) => Ok(Some(Box::new(SqliteChangeListener::open(path)?))),
            None => Ok(None),
        }
    }

    fn head(&self) -> Result<Option<Head>, StorageError> {
        self.faults
            .injector()
            .check(FaultPoint::Read, "reading the head")?;
        let mut statement = self
            .connection
            .prepare_cached("SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1")
            .map_err(backend("reading the head"))?;
        let mut rows = statement.query([]).map_err(backend("reading the head"))?;
        let Some(row) = rows.next().map_err(backend("reading the head"))? else {
            return Ok(None);
        };
        let stored_sequence: i64 = row.get(0).map_err(backend("reading the head"))?;
        let hash = hash_from_column(
            stored_sequence,
            row.get_ref(1).map_err(backend("reading the head"))?,
        )?;
        Ok(Some(Head {
            sequence: from_column(stored_sequence)?,
            hash,
        }))
    }

    fn append_with_checkpoint(
        &mut self,
        records: &[StoredRecord],
        checkpoint: Option<&StoredCheckpoint>,
    ) -> Result<(), StorageError> {
        if !check_append(records, checkpoint)? {
            return Ok(());
        }
        self.faults.sync_disk_limit(&self.connection)?;
        let faults = self.faults.injector();
        // IMMEDIATE takes the write lock before reading the head, so the
        // check below and the inserts are one atomic step even with other
        // processes writing to the same file.
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend("starting an append"))?;
        faults.check(FaultPoint::Read, "reading the head")?;
        let stored_last: Option<i64> = transaction
            .query_row("SELECT max(sequence) FROM events", [], |row| row.get(0))
            .map_err(backend("reading the head"))?;
        let expected = match stored_last {
            None => 1,
            Some(last) => from_column(last)?.saturating_add(1),
        };
        if let Some(first) = records.first() {
            if first.sequence != expected {
                // Dropping the transaction rolls it back; nothing was written.
                return Err(StorageError::Conflict {
                    expected,
                    found: first.sequence,
                });
            }
        }
        let stored_count = expected - 1;
        faults.check(FaultPoint::Read, "reading the Merkle tree")?;
        let mut frontier = Frontier::from_hashes(
            stored_count,
            lookup_subtrees(&transaction, &Frontier::pieces(stored_count))?,
        )
        .map_err(|_| StorageError::TreeIncomplete {
            level: 0,
            index: stored_count,
        })?;
        {
            let mut insert = transaction
                .prepare_cached(
                    "INSERT INTO events (sequence, canonical_bytes, hash) VALUES (?1, ?2, ?3)",
                )
                .map_err(backend("appending events"))?;
            for record in records {
                faults.check(FaultPoint::Write, "appending events")?;
                insert
                    .execute(params![
                        to_column(record.sequence)?,
                        record.canonical_bytes,
                        record.hash.as_bytes().as_slice()
                    ])
                    .map_err(backend("appending events"))?;
                insert_tree_hashes(&transaction, &mut frontier, record, Some(faults))?;
            }
        }
        if let Some(checkpoint) = checkpoint {
            if checkpoint.tree_size != frontier.size() {
                return Err(StorageError::CheckpointNotAtHead {
                    tree_size: checkpoint.tree_size,
                    head: frontier.size(),
                });
            }
            if checkpoint.root_hash != frontier.root() {
                return Err(StorageError::CheckpointRootMismatch {
                    tree_size: checkpoint.tree_size,
                });
            }
            faults.check(FaultPoint::Read, "reading checkpoints")?;
            let latest: Option<i64> = transaction
                .query_row("SELECT max(tree_size) FROM checkpoints", [], |row| {
                    row.get(0)
                })
                .map_err(backend("reading checkpoints"))?;
            if let Some(latest) = latest {
                let latest = u64::try_from(latest).unwrap_or(u64::MAX);
                if checkpoint.tree_size <= latest {
                    return Err(StorageError::CheckpointNotNewer {
                        tree_size: checkpoint.tree_size,
                        latest,
                    });
                }
            }
            faults.check(FaultPoint::Write, "storing a checkpoint")?;
            transaction
                .execute(
                    "INSERT INTO checkpoints (tree_size, root_hash, note) VALUES (?1, ?2, ?3)",
                    params![
                        to_column(checkpoint.tree_size)?,
                        checkpoint.root_hash.as_slice(),
                        checkpoint.note
                    ],
                )
                .map_err(backend("storing a checkpoint"))?;
        }
        // Where the log reaches the disk: a failure here rolls back.
        faults.check(FaultPoint::Commit, "committing an append")?;
        transaction
            .commit()
            .map_err(backend("committing an append"))
    }

    fn read(&self, from_sequence: u64, limit: usize) -> Result<Vec<StoredRecord>, StorageError> {
        check_read_limit(limit)?;
        self.faults
            .injector()
            .check(FaultPoint::Read, "reading events")?;
        read_records(&self.connection, from_sequence, limit)
    }

    fn len(&self) -> Result<u64, StorageError> {
        self.faults
            .injector()
            .check(FaultPoint::Read, "counting events")?;
        let count: i64 = self
            .connection
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
            .map_err(backend("counting events"))?;
        // count(*) is never negative.
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn subtree_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<TreeHash>, StorageError> {
        self.faults
            .injector()
            .check(FaultPoint::Read, "reading the Merkle tree")?;
        check_subtree_read(subtrees, stored_event_count(&self.connection)?)?;
        lookup_subtrees(&self.connection, subtrees)
    }

    fn checkpoints(
        &self,
        from_tree_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StorageError> {
        check_read_limit(limit)?;
        self.faults
            .injector()
            .check(FaultPoint::Read, "reading checkpoints")?;
        let Ok(from) = i64::try_from(from_tree_size) else {
            return Ok(Vec::new());
        };
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT tree_size, root_hash, note FROM checkpoints WHERE tree_size >= ?1 ORDER BY tree_size LIMIT ?2",
            )
            .map_err(backend("reading checkpoints"))?;
        let limit_column = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = statement
            .query(params![from, limit_column])
            .map_err(backend("reading checkpoints"))?;
        let mut checkpoints = Vec::new();
        while let Some(row) = rows.next().map_err(backend("reading checkpoints"))? {
            checkpoints.push(checkpoint_from_row(row)?);
        }
        Ok(checkpoints)
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StorageError> {
        self.faults
            .injector()
            .check(FaultPoint::Read, "reading checkpoints")?;
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT tree_size, root_hash, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1",
            )
            .map_err(backend("reading checkpoints"))?;
        let mut rows = statement
            .query([])
            .map_err(backend("reading checkpoints"))?;
        match rows.next().map_err(backend("reading checkpoints"))? {
            Some(row) => Ok(Some(checkpoint_from_row(row)?)),
            None => Ok(None),
        }
    }
}

/// Reads up to `limit` records from `from_sequence` on, within the byte
/// budget of one read.
fn read_records(
    connection: &Connection,
    from_sequence: u64,
    limit: usize,
) -> Result<Vec<StoredRecord>, StorageError> {
    // Rowids never exceed i64::MAX, so a start beyond it reads nothing.
    let Ok(from) = i64::try_from(from_sequence) else {
        return Ok(Vec::new());
    };
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut statement = connection
        .prepare_cached(
            "SELECT sequence, canonical_bytes, hash FROM events WHERE sequence >= ?1 ORDER BY sequence LIMIT ?2",
        )
        .map_err(backend("reading events"))?;
    let limit_column = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut rows = statement
        .query(params![from, limit_column])
        .map_err(backend("reading events"))?;
    let mut records = Vec::new();
    let mut total_bytes = 0usize;
    while let Some(row) = rows.next().map_err(backend("reading events"))? {
        let stored_sequence: i64 = row.get(0).map_err(backend("reading events"))?;
        let canonical_bytes = bytes_from_column(
            stored_sequence,
            row.get_ref(1).map_err(backend("reading events"))?,
        )?;
        // Keep a page's memory bounded: stop before exceeding the byte
        // budget, but always return at least one record so readers make
        // progress.
        total_bytes = total_bytes.saturating_add(canonical_bytes.len());
        if !records.is_empty() && total_bytes > MAX_READ_BYTES {
            break;
        }
        let hash = hash_from_column(
            stored_sequence,
            row.get_ref(2).map_err(backend("reading events"))?,
        )?;
        records.push(StoredRecord {
            sequence: from_column(stored_sequence)?,
            canonical_bytes,
            hash,
        });
    }
    Ok(records)
}

/// How often a [`SqliteChangeListener`] looks at the file. SQLite has no
/// notifications between processes; `PRAGMA data_version` is one cheap read.
pub const CHANGE_POLL_INTERVAL_MS: u64 = 50;

/// Notices commits to a journal file by any connection, by polling SQLite's
/// `data_version` on a connection of its own.
pub struct SqliteChangeListener {
    connection: Connection,
    data_version: i64,
}

impl SqliteChangeListener {
    fn open(path: &Path) -> Result<SqliteChangeListener, StorageError> {
        let open_error = |source: rusqlite::Error| StorageError::Open {
            path: path.to_path_buf(),
            source: Box::new(source),
        };
        let connection = Connection::open(path).map_err(open_error)?;
        configure(&connection).map_err(open_error)?;
        let data_version = read_data_version(&connection)?;
        Ok(SqliteChangeListener {
            connection,
            data_version,
        })
    }
}

fn read_data_version(connection: &Connection) -> Result<i64, StorageError> {
    connection
        .pragma_query_value(None, "data_version", |row| row.get(0))
        .map_err(backend("reading the data version"))
}

impl crate::storage::ChangeListener for SqliteChangeListener {
    fn wait(&mut self, timeout_ms: u64) -> Result<Option<u64>, StorageError> {
        let deadline = std::time::Instant::now() + Duration::from_millis(timeout_ms);
        loop {
            let data_version = read_data_version(&self.connection)?;
            if data_version != self.data_version {
                self.data_version = data_version;
                let head: Option<i64> = self
                    .connection
                    .query_row("SELECT max(sequence) FROM events", [], |row| row.get(0))
                    .map_err(backend("reading the head"))?;
                return Ok(Some(head.map_or(0, |head| head.max(0) as u64)));
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(CHANGE_POLL_INTERVAL_MS).min(deadline - now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_connections_are_wal_and_fully_synchronous() {
        let directory = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(directory.path().join("journal.db")).unwrap();
        let mode: String = storage
            .connection
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        // 2 is FULL.
        let synchronous: i64 = storage
            .connection
            .pragma_query_value(None, "synchronous", |row| row.get(0))
            .unwrap();
        assert_eq!(synchronous, 2);
        let busy_timeout: i64 = storage
            .connection
            .pragma_query_value(None, "busy_timeout", |row| row.get(0))
            .unwrap();
        assert_eq!(busy_timeout, BUSY_TIMEOUT_MS as i64);
    }

    #[test]
    fn triggers_refuse_update_and_delete() {
        let mut storage = SqliteStorage::open_in_memory().unwrap();
        storage
            .append(&[StoredRecord {
                sequence: 1,
                canonical_bytes: b"{}".to_vec(),
                hash: Hash::ZERO,
            }])
            .unwrap();
        let update = storage
            .connection
            .execute("UPDATE events SET canonical_bytes = x'00'", [])
            .unwrap_err();
        assert!(update.to_string().contains("append-only"), "{update}");
        let delete = storage
            .connection
            .execute("DELETE FROM events", [])
            .unwrap_err();
        assert!(delete.to_string().contains("append-only"), "{delete}");
        assert_eq!(storage.len().unwrap(), 1);
    }
}
