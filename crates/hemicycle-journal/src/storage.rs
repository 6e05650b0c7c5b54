//! The storage backend trait and what every backend shares.
//!
//! A backend stores [`StoredRecord`]s and nothing else: it never parses
//! canonical bytes nor recomputes hashes (that is the journal's and
//! [`verify`](crate::verify)'s job), so a tampered or corrupt record comes
//! back exactly as it is stored and can be reported precisely. What a backend
//! does guarantee is listed on [`Storage`]; the contract test suite in
//! `tests/contract.rs` checks every backend against that list.

use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use hemicycle_log::{Subtree, TreeHash};
use thiserror::Error;

use crate::hash::Hash;
use crate::limits::{
    MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_CANONICAL_BYTES, MAX_CHECKPOINT_NOTE_BYTES,
    MAX_READ_RECORDS, MAX_SUBTREES_PER_READ,
};
use crate::postgres::{PostgresStorage, PostgresUrl};
use crate::sqlite::SqliteStorage;

/// One event exactly as stored: the sequence column, the canonical bytes and
/// the hash column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The sequence number the record is stored under.
    pub sequence: u64,
    /// The envelope's canonical bytes.
    pub canonical_bytes: Vec<u8>,
    /// The stored hash (SHA-256 of `canonical_bytes` if untampered).
    pub hash: Hash,
}

/// A signed checkpoint as stored: the tree size and root it covers (as the
/// backend computed them when it stored it) and the signed note, verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// The number of events (leaves) it covers.
    pub tree_size: u64,
    /// The Merkle root of those events.
    pub root_hash: TreeHash,
    /// The C2SP signed note.
    pub note: String,
}

/// The last stored event: its sequence number and its stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Head {
    /// Sequence number of the last event.
    pub sequence: u64,
    /// Hash of the last event.
    pub hash: Hash,
}

impl fmt::Display for Head {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "event {} ({})", self.sequence, self.hash)
    }
}

/// A failure of a storage backend.
#[derive(Debug, Error)]
pub enum StorageError {
    /// The batch does not start right after the stored head. Another writer
    /// appended first, or the caller's idea of the head is stale; nothing
    /// was stored.
    #[error(
        "append conflict: the next event must be number {expected}, but the batch starts at {found} \
         (another writer appended first, or the head seen by the caller is out of date); nothing was stored"
    )]
    Conflict {
        /// The sequence number the batch had to start at (head + 1).
        expected: u64,
        /// The sequence number it started at.
        found: u64,
    },
    /// Sequence numbers inside one batch are not consecutive.
    #[error(
        "batch is not consecutive: record {position} has sequence {found}, expected {expected}"
    )]
    NonContiguousBatch {
        /// Index of the offending record in the batch.
        position: usize,
        /// The sequence it should have had.
        expected: u64,
        /// The sequence it had.
        found: u64,
    },
    /// More records than [`MAX_BATCH_EVENTS`] in one append.
    #[error("batch of {records} records is more than the limit of {max}")]
    BatchTooLarge {
        /// Records in the batch.
        records: usize,
        /// The limit.
        max: usize,
    },
    /// More canonical bytes than [`MAX_BATCH_BYTES`] in one append.
    #[error("batch of {bytes} bytes is more than the limit of {max} bytes")]
    BatchTooManyBytes {
        /// Total canonical bytes in the batch.
        bytes: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// One record is larger than [`MAX_CANONICAL_BYTES`].
    #[error("record {sequence} is {bytes} bytes long, more than the limit of {max} bytes")]
    RecordTooLarge {
        /// The record's sequence.
        sequence: u64,
        /// Its length in bytes.
        bytes: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// A read asked for more than [`MAX_READ_RECORDS`] records.
    #[error("a read of {limit} records is more than the limit of {max}")]
    ReadLimitTooLarge {
        /// The requested number of records.
        limit: usize,
        /// The limit.
        max: usize,
    },
    /// The backend cannot represent this sequence number.
    #[error("sequence {sequence} is out of the range this storage backend can hold")]
    SequenceOutOfRange {
        /// The sequence number.
        sequence: u64,
    },
    /// A stored row cannot even be turned into a [`StoredRecord`] (for
    /// example its hash is not 32 bytes), which only tampering or a foreign
    /// writer can cause.
    #[error("stored record {sequence} is unreadable: {reason}")]
    CorruptRecord {
        /// The sequence column as stored (may be out of range).
        sequence: i64,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL names a backend this build does not have.
    #[error(
        "unsupported storage backend {scheme:?}: this build supports sqlite (sqlite://PATH or sqlite::memory:) \
         and postgres (postgres://USER@HOST/DATABASE or postgresql://USER@HOST/DATABASE)"
    )]
    UnsupportedBackend {
        /// The URL's scheme, e.g. `postgres`.
        scheme: String,
    },
    /// The URL is malformed.
    #[error("invalid storage URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The database exists but is not a journal.
    #[error("not a hemicycle journal: {reason}")]
    NotAJournal {
        /// Why not.
        reason: String,
    },
    /// The journal's format version is not one this build understands.
    #[error(
        "journal format version {found:?} is not supported by this build, which reads version {supported}; \
         use a matching version of hemicycle"
    )]
    UnknownFormatVersion {
        /// The version found in the store.
        found: String,
        /// The version this build reads and writes.
        supported: u32,
    },
    /// The store could not be opened.
    #[error("cannot open journal storage at {path:?}: {source}")]
    Open {
        /// Where.
        path: PathBuf,
        /// The backend's error.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// A complete subtree's hash is not stored: the store was written
    /// without its Merkle tree or the tree was tampered with.
    #[error(
        "the Merkle tree is incomplete: no hash stored for the subtree at level {level}, index {index} \
         (the tree table was altered, or the events were written without it)"
    )]
    TreeIncomplete {
        /// The subtree's level.
        level: u8,
        /// The subtree's index.
        index: u64,
    },
    /// A subtree was asked for that the stored tree cannot hold yet.
    #[error("no subtree at level {level}, index {index} in a tree of {tree_size} leaves")]
    SubtreeOutOfRange {
        /// The level.
        level: u8,
        /// The index.
        index: u64,
        /// The stored tree's size.
        tree_size: u64,
    },
    /// A read asked for more subtree hashes than [`MAX_SUBTREES_PER_READ`].
    #[error("a read of {count} subtree hashes is more than the limit of {max}")]
    TooManySubtrees {
        /// How many were asked for.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A checkpoint must cover exactly the events stored once its batch is in.
    #[error(
        "the checkpoint covers {tree_size} events but the journal holds {head} after this append; nothing was stored"
    )]
    CheckpointNotAtHead {
        /// The checkpoint's tree size.
        tree_size: u64,
        /// The number of events after the append.
        head: u64,
    },
    /// A checkpoint's root is not the root of the stored tree.
    #[error("the checkpoint's root hash is not the root of the stored tree of size {tree_size}; nothing was stored")]
    CheckpointRootMismatch {
        /// The tree size.
        tree_size: u64,
    },
    /// A checkpoint must cover more events than the latest stored one.
    #[error(
        "a checkpoint of tree size {tree_size} cannot follow the stored checkpoint of size {latest}; nothing was stored"
    )]
    CheckpointNotNewer {
        /// The new checkpoint's size.
        tree_size: u64,
        /// The latest stored checkpoint's size.
        latest: u64,
    },
    /// A checkpoint note longer than [`MAX_CHECKPOINT_NOTE_BYTES`].
    #[error("a checkpoint note of {bytes} bytes is more than the limit of {max} bytes")]
    CheckpointTooLarge {
        /// Its length in bytes.
        bytes: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// A stored checkpoint row cannot be read back.
    #[error("stored checkpoint of tree size {tree_size} is unreadable: {reason}")]
    CorruptCheckpoint {
        /// The tree size column as stored.
        tree_size: i64,
        /// What is wrong with it.
        reason: String,
    },
    /// Any other failure reported by the backend.
    #[error("journal storage failed while {operation}: {source}")]
    Backend {
        /// What the backend was doing, e.g. "appending events".
        operation: &'static str,
        /// The backend's error.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}

/// A place to keep the journal's records.
///
/// Every backend must:
/// - return records exactly as appended (bytes and hash untouched);
/// - make [`append`](Storage::append) atomic and durable: when it returns
///   `Ok` every record is stored and survives a crash; when it returns an
///   error none is;
/// - refuse, with [`StorageError::Conflict`] and storing nothing, a batch
///   whose first sequence is not the stored head's sequence + 1 (1 when
///   empty), deciding this atomically with the write so that several
///   writers on one store can never both succeed;
/// - refuse batches that are not consecutive or exceed the limits in
///   [`limits`](crate::limits);
/// - return reads in ascending sequence order;
/// - keep the RFC 6962 Merkle tree over the stored canonical bytes (leaf
///   `sequence − 1`): store the hash of every complete subtree in the same
///   transaction as the record that completes it, and return them from
///   [`subtree_hashes`](Storage::subtree_hashes);
/// - store a checkpoint only with the append that brings the journal to its
///   tree size, only if its root is the stored tree's root and its size
///   exceeds the latest stored checkpoint's, in the same transaction.
///
/// A backend never parses canonical bytes nor checks the event hash chain
/// (that is the journal's and [`verify`](crate::verify)'s job), so a
/// tampered record comes back exactly as stored; it only hashes the bytes
/// into the tree.
pub trait Storage: Send {
    /// The last stored record's sequence and hash, or `None` when empty.
    fn head(&self) -> Result<Option<Head>, StorageError>;

    /// Stores `records` atomically and durably; see the trait docs. An
    /// empty slice stores nothing and succeeds.
    fn append(&mut self, records: &[StoredRecord]) -> Result<(), StorageError> {
        self.append_with_checkpoint(records, None)
    }

    /// Stores `records`, their Merkle subtrees and, if given, a checkpoint
    /// of the tree they complete, all in one atomic, durable transaction.
    /// With no records, stores just the checkpoint (of the current tree).
    fn append_with_checkpoint(
        &mut self,
        records: &[StoredRecord],
        checkpoint: Option<&StoredCheckpoint>,
    ) -> Result<(), StorageError>;

    /// The hashes of these complete subtrees of the stored tree, in order
    /// (at most [`MAX_SUBTREES_PER_READ`]). A subtree beyond the stored
    /// events is refused with [`StorageError::SubtreeOutOfRange`], a missing
    /// one with [`StorageError::TreeIncomplete`].
    fn subtree_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<TreeHash>, StorageError>;

    /// Up to `limit` stored checkpoints with `tree_size >= from_tree_size`,
    /// by ascending tree size (`limit` at most [`MAX_READ_RECORDS`]).
    fn checkpoints(
        &self,
        from_tree_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StorageError>;

    /// The stored checkpoint with the largest tree size.
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StorageError>;

    /// Up to `limit` records with `sequence >= from_sequence`, ascending.
    ///
    /// May return fewer than `limit` even when more exist (backends stop at
    /// [`MAX_READ_BYTES`](crate::limits::MAX_READ_BYTES) of canonical
    /// bytes), but never none when one exists; an empty result means there
    /// is nothing at or after `from_sequence`. `limit` above
    /// [`MAX_READ_RECORDS`] is refused.
    fn read(&self, from_sequence: u64, limit: usize) -> Result<Vec<StoredRecord>, StorageError>;

    /// The number of stored records.
    fn len(&self) -> Result<u64, StorageError>;

    /// Whether no record is stored.
    fn is_empty(&self) -> Result<bool, StorageError> {
        Ok(self.len()? == 0)
    }

    /// Takes the store-wide writers' lock, waiting for it: while one
    /// handle holds it, no other handle (in this process or another) that
    /// also takes it can append. A writer takes it before it reads what
    /// others appended and decides its own events, so that writers on
    /// several nodes take turns instead of conflicting. Correctness never
    /// rests on it (the conflict check in `append` does); a backend with a
    /// single writer may leave it a no-op. Released by
    /// [`unlock_writers`](Storage::unlock_writers), or when the handle's
    /// connection ends.
    fn lock_writers(&mut self) -> Result<(), StorageError> {
        Ok(())
    }

    /// Releases the writers' lock taken by [`lock_writers`](Storage::lock_writers).
    fn unlock_writers(&mut self) -> Result<(), StorageError> {
        Ok(())
    }

    /// Opens another handle on the same store (its own connection), for
    /// reading while this one writes. `None` when the store cannot be
    /// shared (a private in-memory database).
    fn open_reader(&self) -> Result<Option<Box<dyn Storage>>, StorageError> {
        Ok(None)
    }

    /// Opens a listener that wakes when any writer (on any node) appends to
    /// this store. `None` when only this process can write to it, so there
    /// is nothing to listen for.
    fn open_change_listener(&self) -> Result<Option<Box<dyn ChangeListener>>, StorageError> {
        Ok(None)
    }
}

/// Wakes when the store may have grown. A listener may wake without a
/// change and may miss changes (for instance across a reconnect), so its
/// user must still catch up from the journal after every wake and now and
/// then without one.
pub trait ChangeListener: Send {
    /// Waits up to `timeout_ms` for a change. `Ok(Some(sequence))` after a
    /// writer reported reaching `sequence`, `Ok(None)` on timeout. An error
    /// means the connection was lost: the listener reconnects on the next call.
    fn wait(&mut self, timeout_ms: u64) -> Result<Option<u64>, StorageError>;
}

impl<T: Storage + ?Sized> Storage for Box<T> {
    fn head(&self) -> Result<Option<Head>, StorageError> {
        (**self).head()
    }

    fn append(&mut self, records: &[StoredRecord]) -> Result<(), StorageError> {
        (**self).append(records)
    }

    fn append_with_checkpoint(
        &mut self,
        records: &[StoredRecord],
        checkpoint: Option<&StoredCheckpoint>,
    ) -> Result<(), StorageError> {
        (**self).append_with_checkpoint(records, checkpoint)
    }

    fn subtree_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<TreeHash>, StorageError> {
        (**self).subtree_hashes(subtrees)
    }

    fn checkpoints(
        &self,
        from_tree_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StorageError> {
        (**self).checkpoints(from_tree_size, limit)
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StorageError> {
        (**self).latest_checkpoint()
    }

    fn read(&self, from_sequence: u64, limit: usize) -> Result<Vec<StoredRecord>, StorageError> {
        (**self).read(from_sequence, limit)
    }

    fn len(&self) -> Result<u64, StorageError> {
        (**self).len()
    }

    fn is_empty(&self) -> Result<bool, StorageError> {
        (**self).is_empty()
    }

    fn lock_writers(&mut self) -> Result<(), StorageError> {
        (**self).lock_writers()
    }

    fn unlock_writers(&mut self) -> Result<(), StorageError> {
        (**self).unlock_writers()
    }

    fn open_reader(&self) -> Result<Option<Box<dyn Storage>>, StorageError> {
        (**self).open_reader()
    }

    fn open_change_listener(&self) -> Result<Option<Box<dyn ChangeListener>>, StorageError> {
        (**self).open_change_listener()
    }
}

/// The checks every backend makes on a batch before touching the store:
/// size limits and consecutive sequence numbers. (The check against the
/// stored head must happen inside the backend's write transaction.)
pub(crate) fn check_batch(records: &[StoredRecord]) -> Result<(), StorageError> {
    if records.len() > MAX_BATCH_EVENTS {
        return Err(StorageError::BatchTooLarge {
            records: records.len(),
            max: MAX_BATCH_EVENTS,
        });
    }
    let mut total_bytes = 0usize;
    let mut expected = records.first().map_or(0, |first| first.sequence);
    for (position, record) in records.iter().enumerate() {
        if record.sequence != expected {
            return Err(StorageError::NonContiguousBatch {
                position,
                expected,
                found: record.sequence,
            });
        }
        if record.canonical_bytes.len() > MAX_CANONICAL_BYTES {
            return Err(StorageError::RecordTooLarge {
                sequence: record.sequence,
                bytes: record.canonical_bytes.len(),
                max: MAX_CANONICAL_BYTES,
            });
        }
        total_bytes = total_bytes.saturating_add(record.canonical_bytes.len());
        expected = expected.wrapping_add(1);
    }
    if total_bytes > MAX_BATCH_BYTES {
        return Err(StorageError::BatchTooManyBytes {
            bytes: total_bytes,
            max: MAX_BATCH_BYTES,
        });
    }
    Ok(())
}

/// The checks every backend makes before an append's transaction: the batch,
/// the checkpoint, and that every sequence fits a signed 64-bit column (both
/// backends store it so). Returns `false` when there is nothing to store.
pub(crate) fn check_append(
    records: &[StoredRecord],
    checkpoint: Option<&StoredCheckpoint>,
) -> Result<bool, StorageError> {
    check_batch(records)?;
    if let Some(checkpoint) = checkpoint {
        check_checkpoint(checkpoint)?;
    }
    if records.is_empty() && checkpoint.is_none() {
        return Ok(false);
    }
    if let Some(first) = records.first() {
        // Refuse a batch the table cannot hold before starting a transaction.
        let last_sequence = first.sequence.saturating_add(records.len() as u64 - 1);
        if i64::try_from(last_sequence).is_err() {
            return Err(StorageError::SequenceOutOfRange {
                sequence: last_sequence,
            });
        }
    }
    Ok(true)
}

/// A stored checkpoint from its columns as a backend read them: the tree
/// size, and the root hash and the note, or why each could not be read.
pub(crate) fn checkpoint_from_columns(
    tree_size: i64,
    root: Result<Vec<u8>, String>,
    note: Result<String, String>,
) -> Result<StoredCheckpoint, StorageError> {
    let corrupt = |reason: String| StorageError::CorruptCheckpoint { tree_size, reason };
    let root = root.map_err(|error| corrupt(format!("its root hash is unreadable: {error}")))?;
    let note = note.map_err(|error| corrupt(format!("its note is unreadable: {error}")))?;
    Ok(StoredCheckpoint {
        tree_size: u64::try_from(tree_size)
            .map_err(|_| corrupt("its tree size is negative".to_owned()))?,
        root_hash: TreeHash::try_from(root.as_slice())
            .map_err(|_| corrupt(format!("its root hash is {} bytes long", root.len())))?,
        note,
    })
}

/// The checks every backend makes on a subtree read: the count, and that
/// every subtree lies inside a tree of `tree_size` leaves.
pub(crate) fn check_subtree_read(subtrees: &[Subtree], tree_size: u64) -> Result<(), StorageError> {
    if subtrees.len() > MAX_SUBTREES_PER_READ {
        return Err(StorageError::TooManySubtrees {
            count: subtrees.len(),
            max: MAX_SUBTREES_PER_READ,
        });
    }
    for subtree in subtrees {
        let end = (subtree.index.checked_add(1))
            .and_then(|next| next.checked_mul(subtree.leaves()))
            .filter(|_| subtree.level <= hemicycle_log::tree::MAX_LEVEL);
        if end.is_none_or(|end| end > tree_size) {
            return Err(StorageError::SubtreeOutOfRange {
                level: subtree.level,
                index: subtree.index,
                tree_size,
            });
        }
    }
    Ok(())
}

/// The checks every backend makes on a checkpoint before its transaction.
pub(crate) fn check_checkpoint(checkpoint: &StoredCheckpoint) -> Result<(), StorageError> {
    if checkpoint.note.len() > MAX_CHECKPOINT_NOTE_BYTES {
        return Err(StorageError::CheckpointTooLarge {
            bytes: checkpoint.note.len(),
            max: MAX_CHECKPOINT_NOTE_BYTES,
        });
    }
    Ok(())
}

/// The check every backend makes on a read's `limit`.
pub(crate) fn check_read_limit(limit: usize) -> Result<(), StorageError> {
    if limit > MAX_READ_RECORDS {
        return Err(StorageError::ReadLimitTooLarge {
            limit,
            max: MAX_READ_RECORDS,
        });
    }
    Ok(())
}

/// Where a journal lives, as parsed from a storage URL.
///
/// Accepted forms:
/// - `sqlite://PATH`: a SQLite file; `sqlite://journal.db` and
///   `sqlite://data/journal.db` are relative to the working directory,
///   `sqlite:///srv/journal.db` is absolute (three slashes);
/// - `sqlite::memory:`: a private in-memory SQLite database (tests);
/// - `postgres://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE[?PARAMETERS]` or the
///   same with `postgresql://`: a PostgreSQL database (which must exist),
///   handed to the `postgres` crate as a connection string, parameters
///   included: `?options=-csearch_path%3Dchamber` keeps the journal's tables
///   in the schema `chamber`, `?connect_timeout=5` sets a connect timeout in
///   seconds. See [`PostgresStorage`](crate::postgres::PostgresStorage).
///
/// For SQLite, query strings and fragments (`?`, `#`) are refused rather
/// than silently becoming part of a file name. Other schemes are refused
/// with [`StorageError::UnsupportedBackend`].
///
/// `Display` (and `Debug`) never show a PostgreSQL password: it is replaced
/// by `***`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    /// A SQLite database file.
    SqliteFile(PathBuf),
    /// A private in-memory SQLite database.
    SqliteMemory,
    /// A PostgreSQL database.
    Postgres(PostgresUrl),
}

impl StorageUrl {
    /// Parses a storage URL; see the type docs for the accepted forms.
    pub fn parse(url: &str) -> Result<StorageUrl, StorageError> {
        let invalid = |reason| StorageError::InvalidUrl {
            url: url.to_owned(),
            reason,
        };
        if url == "sqlite::memory:" {
            return Ok(StorageUrl::SqliteMemory);
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(invalid("the path after sqlite:// is empty"));
            }
            if path.contains(['?', '#']) {
                return Err(invalid("query strings and fragments are not supported"));
            }
            return Ok(StorageUrl::SqliteFile(PathBuf::from(path)));
        }
        match url.split_once(':') {
            Some(("sqlite", _)) => Err(invalid("expected sqlite://PATH or sqlite::memory:")),
            Some(("postgres" | "postgresql", _)) => {
                Ok(StorageUrl::Postgres(PostgresUrl::parse(url)?))
            }
            Some((scheme, _)) if is_scheme(scheme) => Err(StorageError::UnsupportedBackend {
                scheme: scheme.to_owned(),
            }),
            _ => Err(invalid("expected a URL such as sqlite://journal.db")),
        }
    }

    /// Opens (creating if absent) the storage this URL names.
    pub fn open(&self) -> Result<Box<dyn Storage>, StorageError> {
        Ok(match self {
            StorageUrl::SqliteFile(path) => Box::new(SqliteStorage::open(path)?),
            StorageUrl::SqliteMemory => Box::new(SqliteStorage::open_in_memory()?),
            StorageUrl::Postgres(url) => Box::new(PostgresStorage::open(url)?),
        })
    }
}

/// RFC 3986 scheme syntax: a letter, then letters, digits, `+`, `-`, `.`.
fn is_scheme(text: &str) -> bool {
    let mut characters = text.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && characters
            .all(|character| character.is_ascii_alphanumeric() || "+-.".contains(character))
}

impl FromStr for StorageUrl {
    type Err = StorageError;

    fn from_str(url: &str) -> Result<StorageUrl, StorageError> {
        StorageUrl::parse(url)
    }
}

impl fmt::Display for StorageUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageUrl::SqliteFile(path) => write!(formatter, "sqlite://{}", path.display()),
            StorageUrl::SqliteMemory => formatter.write_str("sqlite::memory:"),
            StorageUrl::Postgres(url) => url.fmt(formatter),
        }
    }
}

/// Opens the storage named by `url` (see [`StorageUrl`]), creating it if
/// absent (for PostgreSQL: the journal's tables, in an existing database).
/// Other schemes, e.g. `mysql://`, are refused with
/// [`StorageError::UnsupportedBackend`] naming the scheme.
pub fn open(url: &str) -> Result<Box<dyn Storage>, StorageError> {
    StorageUrl::parse(url)?.open()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_urls() {
        assert_eq!(
            StorageUrl::parse("sqlite::memory:").unwrap(),
            StorageUrl::SqliteMemory
        );
        assert_eq!(
            StorageUrl::parse("sqlite://data/journal.db").unwrap(),
            StorageUrl::SqliteFile(PathBuf::from("data/journal.db"))
        );
        assert_eq!(
            StorageUrl::parse("sqlite:///srv/journal.db").unwrap(),
            StorageUrl::SqliteFile(PathBuf::from("/srv/journal.db"))
        );
        let url = StorageUrl::parse("sqlite://journal.db").unwrap();
        assert_eq!(url.to_string(), "sqlite://journal.db");
        assert_eq!("sqlite://journal.db".parse::<StorageUrl>().unwrap(), url);
    }

    #[test]
    fn parses_postgres_urls() {
        for url in [
            "postgres://user@host/db",
            "postgresql://host:5433/db",
            "postgres://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dhemicycle_x",
        ] {
            let parsed = StorageUrl::parse(url).unwrap();
            let StorageUrl::Postgres(postgres) = &parsed else {
                panic!("{url} parsed as {parsed:?}");
            };
            assert_eq!(postgres.connection_string(), url);
            assert_eq!(parsed.to_string(), url);
        }
    }

    #[test]
    fn postgres_passwords_are_never_displayed() {
        let url = StorageUrl::parse("postgres://clerk:hunter2@db.example/chamber").unwrap();
        assert_eq!(url.to_string(), "postgres://clerk:***@db.example/chamber");
        assert!(!format!("{url:?}").contains("hunter2"));
        let StorageUrl::Postgres(postgres) = &url else {
            panic!("{url:?}");
        };
        assert_eq!(
            postgres.connection_string(),
            "postgres://clerk:hunter2@db.example/chamber"
        );
        let error = StorageUrl::parse("postgres://clerk:hunter2@db.example/chamber#x").unwrap_err();
        assert!(
            matches!(error, StorageError::InvalidUrl { .. }),
            "{error:?}"
        );
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn refuses_other_schemes_by_name() {
        for (url, scheme) in [("mysql://host/db", "mysql"), ("redis://host", "redis")] {
            let error = StorageUrl::parse(url).unwrap_err();
            assert!(
                matches!(&error, StorageError::UnsupportedBackend { scheme: found } if found == scheme),
                "{error:?}"
            );
            let message = error.to_string();
            assert!(message.contains(scheme), "{message}");
            // The message lists what is supported.
            assert!(message.contains("sqlite://PATH"), "{message}");
            assert!(message.contains("postgres://"), "{message}");
        }
    }

    #[test]
    fn refuses_malformed_urls() {
        for url in [
            "",
            "journal.db",
            "sqlite://",
            "sqlite:journal.db",
            "sqlite://journal.db?mode=rwc",
            "sqlite://journal.db#x",
            "sqlite::memory",
            "1x://a",
            "postgres:db",
            "postgresql://",
            "postgres://host/db#x",
        ] {
            assert!(
                matches!(StorageUrl::parse(url), Err(StorageError::InvalidUrl { .. })),
                "{url:?} was accepted"
            );
        }
    }

    #[test]
    fn batch_checks() {
        let record = |sequence| StoredRecord {
            sequence,
            canonical_bytes: b"{}".to_vec(),
            hash: Hash::ZERO,
        };
        assert!(check_batch(&[]).is_ok());
        assert!(check_batch(&[record(4), record(5), record(6)]).is_ok());
        assert!(matches!(
            check_batch(&[record(4), record(6)]),
            Err(StorageError::NonContiguousBatch {
                position: 1,
                expected: 5,
                found: 6
            })
        ));
        let too_many: Vec<_> = (1..=MAX_BATCH_EVENTS as u64 + 1).map(record).collect();
        assert!(matches!(
            check_batch(&too_many),
            Err(StorageError::BatchTooLarge { .. })
        ));
        assert!(check_read_limit(MAX_READ_RECORDS).is_ok());
        assert!(matches!(
            check_read_limit(MAX_READ_RECORDS + 1),
            Err(StorageError::ReadLimitTooLarge { .. })
        ));
    }
}
