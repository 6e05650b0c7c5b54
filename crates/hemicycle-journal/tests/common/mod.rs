//! Helpers shared by the integration tests.
//!
//! Each test file compiles this module separately and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{
    Hash, Head, Journal, NewEvent, Storage, StorageError, StoredCheckpoint, StoredRecord,
};
use hemicycle_log::{Subtree, TreeHash};
use rusqlite::{params, Connection};
use tempfile::TempDir;

/// A SQLite journal file in its own temporary directory, removed on drop.
pub struct TempSqlite {
    // Declared first so the connection closes before the directory goes.
    pub storage: SqliteStorage,
    pub path: PathBuf,
    _directory: TempDir,
}

impl TempSqlite {
    pub fn new() -> TempSqlite {
        let directory = tempfile::tempdir().expect("create a temporary directory");
        let path = directory.path().join("journal.db");
        let storage = SqliteStorage::open(&path).expect("open a new journal file");
        TempSqlite {
            storage,
            path,
            _directory: directory,
        }
    }
}

impl Storage for TempSqlite {
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
}

/// A valid event whose payload mentions `number`.
pub fn event(number: u64) -> NewEvent {
    NewEvent {
        recorded_at: format!("2020-01-05T16:{:02}:00+03:00", number % 60),
        actor: format!("member:sairoon-{number}"),
        payload: format!(r#"{{"type":"vote_cast","division":{number},"choice":"aye"}}"#)
            .into_bytes(),
    }
}

/// Appends events numbered `1..=count`, in batches of at most `batch`.
pub fn fill<S: Storage>(journal: &mut Journal<S>, count: u64, batch: u64) {
    let mut number = 1;
    while number <= count {
        let end = (number + batch - 1).min(count);
        journal
            .append((number..=end).map(event).collect())
            .expect("append valid events");
        number = end + 1;
    }
}

/// A second, raw connection to a journal file, as an attacker with the file
/// would have: the append-only triggers are dropped and CHECK constraints
/// ignored, so any row can be rewritten.
pub fn tamper_connection(path: &Path) -> Connection {
    let connection = Connection::open(path).expect("open the journal file directly");
    connection
        .execute_batch(
            "PRAGMA ignore_check_constraints = ON;
             DROP TRIGGER IF EXISTS events_no_update;
             DROP TRIGGER IF EXISTS events_no_delete;
             DROP TRIGGER IF EXISTS tree_hashes_no_update;
             DROP TRIGGER IF EXISTS tree_hashes_no_delete;
             DROP TRIGGER IF EXISTS checkpoints_no_update;
             DROP TRIGGER IF EXISTS checkpoints_no_delete;",
        )
        .expect("drop the append-only triggers");
    connection
}

pub fn stored_bytes(connection: &Connection, sequence: u64) -> Vec<u8> {
    connection
        .query_row(
            "SELECT canonical_bytes FROM events WHERE sequence = ?1",
            params![sequence as i64],
            |row| row.get(0),
        )
        .expect("read stored bytes")
}

pub fn stored_hash(connection: &Connection, sequence: u64) -> Vec<u8> {
    connection
        .query_row(
            "SELECT hash FROM events WHERE sequence = ?1",
            params![sequence as i64],
            |row| row.get(0),
        )
        .expect("read stored hash")
}

pub fn overwrite_bytes(connection: &Connection, sequence: u64, bytes: &[u8]) {
    let changed = connection
        .execute(
            "UPDATE events SET canonical_bytes = ?1 WHERE sequence = ?2",
            params![bytes, sequence as i64],
        )
        .expect("overwrite stored bytes");
    assert_eq!(changed, 1);
}

pub fn overwrite_hash(connection: &Connection, sequence: u64, hash: &[u8]) {
    let changed = connection
        .execute(
            "UPDATE events SET hash = ?1 WHERE sequence = ?2",
            params![hash, sequence as i64],
        )
        .expect("overwrite stored hash");
    assert_eq!(changed, 1);
}

/// Rewrites one row completely, with a hash that matches its new bytes.
pub fn overwrite_consistently(connection: &Connection, sequence: u64, bytes: &[u8]) {
    overwrite_bytes(connection, sequence, bytes);
    overwrite_hash(connection, sequence, Hash::of(bytes).as_bytes());
}
