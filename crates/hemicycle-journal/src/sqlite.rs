//! The SQLite storage backend.
//!
//! Schema (format version 1):
//! - `events(sequence INTEGER PRIMARY KEY, canonical_bytes BLOB, hash BLOB)`,
//!   a STRICT table, with triggers that abort any `UPDATE` or `DELETE` so
//!   that ordinary SQL (or a bug) cannot rewrite history. Someone with the
//!   file can still drop the triggers: that is what the hash chain and
//!   [`verify`](crate::verify) are for.
//! - `journal_meta(key TEXT PRIMARY KEY, value TEXT)` holding
//!   `format_version`, checked on every open.
//!
//! Connections run in WAL mode with `synchronous=FULL`, so a committed
//! append has reached the disk before [`Storage::append`] returns, and with a
//! busy timeout so that several processes can share one file.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::hash::Hash;
use crate::limits::MAX_READ_BYTES;
use crate::storage::{check_batch, check_read_limit, Head, Storage, StorageError, StoredRecord};

/// The on-disk format this build reads and writes. Bump it (with a
/// migration) whenever the schema or the canonical byte format changes.
pub const FORMAT_VERSION: u32 = 1;

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

/// A journal stored in one SQLite database.
#[derive(Debug)]
pub struct SqliteStorage {
    connection: Connection,
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
        SqliteStorage::with_connection(connection)
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
        Ok(SqliteStorage { connection })
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
            .execute(
                "INSERT INTO journal_meta (key, value) VALUES ('format_version', ?1)",
                params![FORMAT_VERSION.to_string()],
            )
            .map_err(backend("creating the schema"))?;
    }
    transaction.commit().map_err(backend("creating the schema"))
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
    fn head(&self) -> Result<Option<Head>, StorageError> {
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

    fn append(&mut self, records: &[StoredRecord]) -> Result<(), StorageError> {
        check_batch(records)?;
        let Some(first) = records.first() else {
            return Ok(());
        };
        // Refuse a batch the table cannot hold before taking the write lock.
        let last_sequence = first.sequence.checked_add(records.len() as u64 - 1);
        to_column(last_sequence.unwrap_or(u64::MAX))?;
        // IMMEDIATE takes the write lock before reading the head, so the
        // check below and the inserts are one atomic step even with other
        // processes writing to the same file.
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend("starting an append"))?;
        let stored_last: Option<i64> = transaction
            .query_row("SELECT max(sequence) FROM events", [], |row| row.get(0))
            .map_err(backend("reading the head"))?;
        let expected = match stored_last {
            None => 1,
            Some(last) => from_column(last)?.saturating_add(1),
        };
        if first.sequence != expected {
            // Dropping the transaction rolls it back; nothing was written.
            return Err(StorageError::Conflict {
                expected,
                found: first.sequence,
            });
        }
        {
            let mut insert = transaction
                .prepare_cached(
                    "INSERT INTO events (sequence, canonical_bytes, hash) VALUES (?1, ?2, ?3)",
                )
                .map_err(backend("appending events"))?;
            for record in records {
                insert
                    .execute(params![
                        to_column(record.sequence)?,
                        record.canonical_bytes,
                        record.hash.as_bytes().as_slice()
                    ])
                    .map_err(backend("appending events"))?;
            }
        }
        transaction
            .commit()
            .map_err(backend("committing an append"))
    }

    fn read(&self, from_sequence: u64, limit: usize) -> Result<Vec<StoredRecord>, StorageError> {
        check_read_limit(limit)?;
        // Rowids never exceed i64::MAX, so a start beyond it reads nothing.
        let Ok(from) = i64::try_from(from_sequence) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut statement = self
            .connection
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

    fn len(&self) -> Result<u64, StorageError> {
        let count: i64 = self
            .connection
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
            .map_err(backend("counting events"))?;
        // count(*) is never negative.
        Ok(u64::try_from(count).unwrap_or(0))
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
