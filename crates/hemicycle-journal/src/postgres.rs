//! The PostgreSQL storage backend, for several hemicycle nodes sharing one
//! journal.
//!
//! Schema (migration version [`SCHEMA_VERSION`]), created in the first
//! schema of the connection's `search_path` (choose one with
//! `?options=-csearch_path%3DNAME` in the URL):
//! - `journal_events(sequence BIGINT PRIMARY KEY, canonical_bytes BYTEA,
//!   hash BYTEA)`: the primary key on `sequence` is what makes two writers
//!   racing for the same sequence number collide; the loser's whole
//!   transaction is rolled back and reported as [`StorageError::Conflict`].
//! - `journal_tree_hashes(level, node_index, hash)`: the hash of every
//!   complete subtree of the RFC 6962 Merkle tree, exactly as in the SQLite
//!   backend (same rows, so the same roots, proofs and checkpoints).
//! - `journal_checkpoints(tree_size, root_hash, note)`: the signed
//!   checkpoints.
//! - `journal_schema_migrations(version, description, applied_at)`: one row
//!   per migration applied. Migrations are embedded in this module and run
//!   at open, in one transaction under a transaction-level advisory lock
//!   (so two nodes opening a new database at once do not both create it); a
//!   database migrated by a newer build is refused with
//!   [`StorageError::UnknownFormatVersion`].
//!
//! The three data tables refuse `UPDATE`, `DELETE` and `TRUNCATE` through
//! triggers, as the SQLite ones do.
//!
//! Each append is one transaction: the records, their Merkle subtrees, the
//! optional checkpoint and a `NOTIFY` (delivered only on commit) on the
//! channel [`PostgresStorage::notify_channel`], whose payload is the new head
//! sequence in decimal. Commits wait for the server's `synchronous_commit`
//! setting; a session finding it `off` turns it `on`, since an acknowledged
//! append must survive a crash.
//!
//! # The writers' lock
//!
//! [`Storage::lock_writers`] takes the session-level advisory lock
//! `pg_advisory_lock(key)` with the fixed key
//! `WRITERS_LOCK_TAG << 32 | oid`, where [`WRITERS_LOCK_TAG`] is `0x68656d69`
//! ("hemi" in ASCII) and `oid` the object id of this store's
//! `journal_events` table, so that journals in different schemas of one
//! database do not wait for each other. It is released by
//! [`Storage::unlock_writers`] or when the session ends.
//!
//! # Threads, not async tasks
//!
//! The `postgres` crate is synchronous: each connection runs its own small
//! tokio runtime and blocks the calling thread. Calling it from inside an
//! async task panics ("Cannot start a runtime from within a runtime"), so
//! async callers must use dedicated threads or `spawn_blocking`.

use std::cell::RefCell;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use hemicycle_log::{leaf_hash, Frontier, Subtree, TreeHash};
use postgres::error::{Severity, SqlState};
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, NoTls, Row, Transaction};
use thiserror::Error;

use crate::hash::Hash;
use crate::limits::MAX_READ_BYTES;
use crate::storage::{
    check_append, check_read_limit, check_subtree_read, checkpoint_from_columns, ChangeListener,
    Head, Storage, StorageError, StoredCheckpoint, StoredRecord,
};

/// The newest schema migration this build knows; a database carrying a
/// newer one is refused.
pub const SCHEMA_VERSION: u32 = 1;

/// The high 32 bits of every advisory lock key this backend uses: "hemi".
pub const WRITERS_LOCK_TAG: i64 = 0x6865_6d69;

/// The key of the transaction-level advisory lock held while migrating
/// ("hemimigr"); one per database, since migrations are rare and short.
const MIGRATION_LOCK_KEY: i64 = 0x6865_6d69_6d69_6772;

/// The prefix of the channel appends are notified on; the store's
/// `journal_events` object id follows.
pub const NOTIFY_CHANNEL_PREFIX: &str = "hemicycle_journal_";

/// How long a connection attempt may take when the URL sets no
/// `connect_timeout`.
pub const CONNECT_TIMEOUT_MS: u64 = 10_000;

/// How long [`Storage::lock_writers`] (or any statement) waits for a lock
/// another session holds before it gives up with an error, when the server
/// sets no `lock_timeout`.
pub const WRITERS_LOCK_TIMEOUT_MS: u64 = 60_000;

/// The longest any one statement may run when the server sets no
/// `statement_timeout` (a full 64 MiB batch takes well under a second).
pub const STATEMENT_TIMEOUT_MS: u64 = 300_000;

/// The longest one [`ChangeListener::wait`] blocks, whatever it is asked:
/// a longer wait returns `None` after this long.
pub const MAX_LISTEN_WAIT_MS: u64 = 3_600_000;

/// Notifications taken in one wait after the first, to report the latest
/// sequence of a burst rather than wake once per append.
const MAX_NOTIFICATIONS_PER_WAIT: usize = 10_000;

/// TCP keepalive idle time, so that a listener on a silently dead
/// connection finds out in about a minute rather than two hours.
const KEEPALIVE_IDLE_MS: u64 = 30_000;

/// The migrations, in order: version, description, SQL.
const MIGRATIONS: &[(u32, &str, &str)] = &[(
    1,
    "events, Merkle subtrees and checkpoints, append-only",
    "
CREATE TABLE journal_events (
    sequence BIGINT PRIMARY KEY CHECK (sequence >= 1),
    canonical_bytes BYTEA NOT NULL,
    hash BYTEA NOT NULL CHECK (octet_length(hash) = 32)
);
CREATE TABLE journal_tree_hashes (
    level SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 63),
    node_index BIGINT NOT NULL CHECK (node_index >= 0),
    hash BYTEA NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, node_index)
);
CREATE TABLE journal_checkpoints (
    tree_size BIGINT PRIMARY KEY CHECK (tree_size >= 0),
    root_hash BYTEA NOT NULL CHECK (octet_length(root_hash) = 32),
    note TEXT NOT NULL
);
CREATE FUNCTION journal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: % is not allowed on %', TG_OP, TG_TABLE_NAME;
END
$$;
CREATE TRIGGER journal_events_append_only BEFORE UPDATE OR DELETE ON journal_events
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_events_no_truncate BEFORE TRUNCATE ON journal_events
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_tree_hashes_append_only BEFORE UPDATE OR DELETE ON journal_tree_hashes
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_tree_hashes_no_truncate BEFORE TRUNCATE ON journal_tree_hashes
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_checkpoints_append_only BEFORE UPDATE OR DELETE ON journal_checkpoints
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_checkpoints_no_truncate BEFORE TRUNCATE ON journal_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();
",
)];

const MIGRATIONS_TABLE: &str = "
CREATE TABLE journal_schema_migrations (
    version INTEGER PRIMARY KEY CHECK (version >= 1),
    description TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// Reads one page of records, stopping before the page's canonical bytes
/// exceed `$3` (but always returning the first record), so that a page of
/// large records is cut on the server and never fetched whole.
const READ_PAGE: &str = "
SELECT sequence, canonical_bytes, hash FROM (
    SELECT sequence, canonical_bytes, hash,
           sum(octet_length(canonical_bytes)) OVER (ORDER BY sequence) AS running_bytes,
           row_number() OVER (ORDER BY sequence) AS position
    FROM (
        SELECT sequence, canonical_bytes, hash FROM journal_events
        WHERE sequence >= $1 ORDER BY sequence LIMIT $2
    ) AS page
) AS sized
WHERE running_bytes <= $3 OR position = 1
ORDER BY sequence";

/// Looks up many subtree hashes in one round trip, in the order asked; a
/// missing subtree comes back as NULL.
const LOOKUP_SUBTREES: &str = "
SELECT wanted.level, wanted.node_index, stored.hash
FROM unnest($1::SMALLINT[], $2::BIGINT[]) WITH ORDINALITY AS wanted(level, node_index, position)
LEFT JOIN journal_tree_hashes AS stored
    ON stored.level = wanted.level AND stored.node_index = wanted.node_index
ORDER BY wanted.position";

/// A PostgreSQL connection URL (`postgres://…` or `postgresql://…`), kept
/// whole because it may carry a password. Its `Display` and `Debug` hide
/// the password, wherever it is given (`user:PASSWORD@` or `?password=`).
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    url: String,
}

impl PostgresUrl {
    /// Checks a `postgres://` or `postgresql://` URL: it must parse as a
    /// libpq-style connection URI (query parameters such as
    /// `options=-csearch_path%3Dname` included) and name a host.
    pub fn parse(url: &str) -> Result<PostgresUrl, StorageError> {
        let invalid = |reason| StorageError::InvalidUrl {
            url: mask_password(url),
            reason,
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(invalid(
                "expected postgres://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE[?PARAMETERS]",
            ));
        }
        if url.contains('#') {
            return Err(invalid("fragments (#) are not supported"));
        }
        let config = Config::from_str(url).map_err(|_| {
            invalid(
                "not a valid PostgreSQL connection URL \
                 (postgres://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE[?PARAMETERS], \
                 with special characters percent-encoded)",
            )
        })?;
        if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
            return Err(invalid(
                "no host: write one, e.g. postgres://USER@localhost/DATABASE",
            ));
        }
        Ok(PostgresUrl {
            url: url.to_owned(),
        })
    }

    /// The URL with its password replaced by `***`, for messages and logs.
    pub fn masked(&self) -> String {
        mask_password(&self.url)
    }

    /// The URL as given, password included: only for connecting.
    pub fn connection_string(&self) -> &str {
        &self.url
    }

    /// The connection settings, with this backend's defaults for what the
    /// URL leaves unset (connect timeout, application name, keepalives).
    fn config(&self) -> Config {
        // `parse` already checked that it parses.
        let mut config = Config::from_str(&self.url).unwrap_or_default();
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_millis(CONNECT_TIMEOUT_MS));
        }
        if config.get_application_name().is_none() {
            config.application_name("hemicycle");
        }
        if config.get_keepalives_idle() == Config::new().get_keepalives_idle() {
            config.keepalives_idle(Duration::from_millis(KEEPALIVE_IDLE_MS));
        }
        config
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.masked())
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_tuple("PostgresUrl")
            .field(&self.masked())
            .finish()
    }
}

/// Replaces the password of a connection URL, in the user information and
/// in a `password` query parameter, with `***`. Text that is not a URL is
/// cut after its scheme, since it cannot be told where a password would be.
pub(crate) fn mask_password(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Some((scheme, rest)) = url.split_once("://") else {
        return match url.split_once(':') {
            Some((scheme, _)) => format!("{scheme}:{HIDDEN}"),
            None => HIDDEN.to_owned(),
        };
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let mut masked = format!("{scheme}://");
    match authority.rsplit_once('@') {
        Some((user_information, hosts)) => {
            match user_information.split_once(':') {
                Some((user, _password)) => masked.push_str(&format!("{user}:{HIDDEN}")),
                None => masked.push_str(user_information),
            }
            masked.push('@');
            masked.push_str(hosts);
        }
        None => masked.push_str(authority),
    }
    match tail.split_once('?') {
        Some((path, query)) => {
            masked.push_str(path);
            masked.push('?');
            let parameters: Vec<String> = query
                .split('&')
                .map(|parameter| {
                    let key = parameter.split_once('=').map_or(parameter, |(key, _)| key);
                    if percent_decode(key).eq_ignore_ascii_case("password") {
                        format!("{key}={HIDDEN}")
                    } else {
                        parameter.to_owned()
                    }
                })
                .collect();
            masked.push_str(&parameters.join("&"));
        }
        None => masked.push_str(tail),
    }
    masked
}

/// Decodes `%XX` escapes (invalid ones are kept as they are), enough to
/// recognise a parameter name written with escapes.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut position = 0;
    while position < bytes.len() {
        let escaped = (bytes[position] == b'%')
            .then(|| text.get(position + 1..position + 3))
            .flatten()
            .and_then(|digits| u8::from_str_radix(digits, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                position += 3;
            }
            None => {
                decoded.push(bytes[position]);
                position += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Why a call failed, before it becomes a [`StorageError`]: database errors
/// are kept whole so that the caller can tell a lost connection apart.
enum Failure {
    Database {
        operation: &'static str,
        error: postgres::Error,
    },
    /// The COMMIT of an append failed: if the connection was lost, whether
    /// the append was stored is unknown.
    Commit(postgres::Error),
    Storage(StorageError),
}

impl From<StorageError> for Failure {
    fn from(error: StorageError) -> Failure {
        Failure::Storage(error)
    }
}

fn database(operation: &'static str) -> impl Fn(postgres::Error) -> Failure {
    move |error| Failure::Database { operation, error }
}

/// A `postgres` error shown with its causes: the crate's own message names
/// only the kind of failure ("db error"), its causes say what happened
/// ("ERROR: permission denied for schema …").
#[derive(Debug)]
pub struct PostgresError(postgres::Error);

impl PostgresError {
    /// The error as the `postgres` crate reported it.
    pub fn inner(&self) -> &postgres::Error {
        &self.0
    }
}

impl fmt::Display for PostgresError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.0)?;
        let mut cause = std::error::Error::source(&self.0);
        // Causes nest a few levels at most; the bound only guards the loop.
        for _ in 0..16 {
            let Some(error) = cause else { break };
            write!(formatter, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

// No `source`: the message already holds every cause, and a chain printer
// would repeat them.
impl std::error::Error for PostgresError {}

/// What went wrong with the connection, as a [`StorageError::Backend`]
/// source.
#[derive(Debug, Error)]
enum ConnectionProblem {
    #[error(
        "the connection to PostgreSQL was lost, nothing was changed by this call and the next call reconnects: {0}"
    )]
    Lost(PostgresError),
    #[error(
        "the connection to PostgreSQL was lost during COMMIT, so whether this append was stored is unknown \
         (read the head again before appending); the next call reconnects: {0}"
    )]
    CommitOutcomeUnknown(PostgresError),
    #[error("the PostgreSQL server closed the connection; the next call reconnects")]
    ServerHungUp,
    #[error("cannot reconnect to {url}: {source}")]
    Reconnect { url: String, source: PostgresError },
    #[error(
        "the writers' lock was not free within the lock timeout (another writer holds it): {0}"
    )]
    WritersLockTimeout(PostgresError),
}

/// Whether an error means the session is gone (the server ended it, the
/// socket closed), as opposed to an ordinary refusal of one statement.
fn connection_lost(error: &postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    match error.as_db_error() {
        Some(database_error) => {
            matches!(
                database_error.parsed_severity(),
                Some(Severity::Fatal | Severity::Panic)
            ) || matches!(&database_error.code().code()[..2], "08" | "57")
                && database_error.code() != &SqlState::QUERY_CANCELED
        }
        // Not an error the server sent: the socket failed, or something on
        // this side (a column of an unexpected type) that leaves it usable.
        None => {
            std::error::Error::source(error).is_some_and(|source| source.is::<std::io::Error>())
        }
    }
}

/// Opens a connection and makes its session safe for the journal.
fn connect(config: &Config) -> Result<Client, postgres::Error> {
    let mut client = config.connect(NoTls)?;
    let settings = client.query_one(
        "SELECT current_setting('synchronous_commit'), current_setting('statement_timeout'), \
         current_setting('lock_timeout')",
        &[],
    )?;
    let synchronous_commit: String = settings.try_get(0)?;
    let statement_timeout: String = settings.try_get(1)?;
    let lock_timeout: String = settings.try_get(2)?;
    // A returned append must be durable; `off` could lose it in a crash.
    if synchronous_commit == "off" {
        client.batch_execute("SET synchronous_commit = on")?;
    }
    if statement_timeout == "0" {
        client.batch_execute(&format!(
            "SET statement_timeout = '{STATEMENT_TIMEOUT_MS}ms'"
        ))?;
    }
    // Bounds the wait for the writers' lock, in one round trip per take.
    if lock_timeout == "0" {
        client.batch_execute(&format!("SET lock_timeout = '{WRITERS_LOCK_TIMEOUT_MS}ms'"))?;
    }
    Ok(client)
}

/// A journal stored in a PostgreSQL database; see the module docs for the
/// schema, the writers' lock and the notifications.
///
/// **Never call it from inside an async task**: the `postgres` client runs
/// its own tokio runtime and blocks the thread (inside a runtime it
/// panics). Use it from ordinary threads or through `spawn_blocking`.
///
/// After a lost connection (the server restarted, the session was
/// terminated), the failing call returns a [`StorageError::Backend`] saying
/// so and the next call opens a new connection. A session-level writers'
/// lock does not survive that: it ends with the session.
pub struct PostgresStorage {
    url: PostgresUrl,
    config: Config,
    /// `None` after the connection was lost, until the next call.
    client: RefCell<Option<Client>>,
    /// The object id of this store's `journal_events` table: names the
    /// notification channel and the writers' lock.
    store_id: u32,
}

impl fmt::Debug for PostgresStorage {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PostgresStorage")
            .field("url", &self.url)
            .field("store_id", &self.store_id)
            .finish_non_exhaustive()
    }
}

impl PostgresStorage {
    /// Connects to the database `url` names, creating the journal's tables
    /// (or applying missing migrations) if needed. The database must exist.
    /// Refuses a database whose tables look like a journal but carry no
    /// migration record, and one migrated by a newer build.
    pub fn open(url: &PostgresUrl) -> Result<PostgresStorage, StorageError> {
        let config = url.config();
        let open_error = |source: postgres::Error| StorageError::Open {
            path: PathBuf::from(url.masked()),
            source: Box::new(PostgresError(source)),
        };
        let mut client = connect(&config).map_err(open_error)?;
        migrate(&mut client)?;
        let store_id: u32 = client
            .query_one("SELECT 'journal_events'::regclass::oid", &[])
            .and_then(|row| row.try_get(0))
            .map_err(open_error)?;
        Ok(PostgresStorage {
            url: url.clone(),
            config,
            client: RefCell::new(Some(client)),
            store_id,
        })
    }

    /// Parses `url` (see [`PostgresUrl::parse`]) and opens it.
    pub fn connect(url: &str) -> Result<PostgresStorage, StorageError> {
        PostgresStorage::open(&PostgresUrl::parse(url)?)
    }

    /// The URL this storage was opened with.
    pub fn url(&self) -> &PostgresUrl {
        &self.url
    }

    /// The channel every append notifies, with the new head sequence as
    /// payload: `hemicycle_journal_` and the object id of the store's
    /// events table.
    pub fn notify_channel(&self) -> String {
        format!("{NOTIFY_CHANNEL_PREFIX}{}", self.store_id)
    }

    /// The advisory lock key of the writers' lock (see the module docs).
    pub fn writers_lock_key(&self) -> i64 {
        (WRITERS_LOCK_TAG << 32) | i64::from(self.store_id)
    }

    /// The server process id of this handle's current session, for
    /// diagnostics (`pg_stat_activity`) and tests.
    pub fn backend_process_id(&self) -> Result<i32, StorageError> {
        self.with_client(|client| {
            client
                .query_one("SELECT pg_backend_pid()", &[])
                .and_then(|row| row.try_get(0))
                .map_err(database("reading the backend process id"))
        })
    }

    /// Runs `work` on the connection, first reconnecting if it was lost,
    /// and forgets the connection when `work` finds it lost.
    fn with_client<T>(
        &self,
        work: impl FnOnce(&mut Client) -> Result<T, Failure>,
    ) -> Result<T, StorageError> {
        let mut slot = self.client.borrow_mut();
        if slot.as_ref().is_none_or(Client::is_closed) {
            *slot = None;
            let client = connect(&self.config).map_err(|source| StorageError::Backend {
                operation: "reconnecting",
                source: Box::new(ConnectionProblem::Reconnect {
                    url: self.url.masked(),
                    source: PostgresError(source),
                }),
            })?;
            *slot = Some(client);
        }
        let Some(client) = slot.as_mut() else {
            unreachable!("a connection was just made");
        };
        let failure = match work(client) {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        let closed = client.is_closed();
        let error = match failure {
            Failure::Storage(error) => {
                if closed {
                    *slot = None;
                }
                return Err(error);
            }
            Failure::Database { operation, error } => {
                if closed || connection_lost(&error) {
                    *slot = None;
                    StorageError::Backend {
                        operation,
                        source: Box::new(ConnectionProblem::Lost(PostgresError(error))),
                    }
                } else {
                    StorageError::Backend {
                        operation,
                        source: Box::new(PostgresError(error)),
                    }
                }
            }
            Failure::Commit(error) => {
                if closed || connection_lost(&error) {
                    *slot = None;
                    StorageError::Backend {
                        operation: "committing an append",
                        source: Box::new(ConnectionProblem::CommitOutcomeUnknown(PostgresError(
                            error,
                        ))),
                    }
                } else {
                    // The server answered the COMMIT with an error: it rolled
                    // the transaction back.
                    StorageError::Backend {
                        operation: "committing an append",
                        source: Box::new(PostgresError(error)),
                    }
                }
            }
        };
        Err(error)
    }
}

/// Creates the journal's tables or brings them to [`SCHEMA_VERSION`], in
/// one transaction under the migration lock.
fn migrate(client: &mut Client) -> Result<(), StorageError> {
    let step = |operation| {
        move |source: postgres::Error| StorageError::Backend {
            operation,
            source: Box::new(PostgresError(source)),
        }
    };
    let mut transaction = client.transaction().map_err(step("checking the schema"))?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_KEY])
        .map_err(step("waiting for the migration lock"))?;
    let exists = |transaction: &mut Transaction<'_>, table: &str| {
        transaction
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
            .and_then(|row| row.try_get::<_, bool>(0))
            .map_err(step("checking the schema"))
    };
    let current: Option<i32> = if exists(&mut transaction, "journal_schema_migrations")? {
        transaction
            .query_one("SELECT max(version) FROM journal_schema_migrations", &[])
            .and_then(|row| row.try_get(0))
            .map_err(step("reading the schema version"))?
    } else {
        transaction
            .batch_execute(MIGRATIONS_TABLE)
            .map_err(step("creating the migrations table"))?;
        None
    };
    let current = match current {
        Some(version) => u32::try_from(version).map_err(|_| StorageError::NotAJournal {
            reason: format!("journal_schema_migrations holds the version {version}"),
        })?,
        None => {
            if exists(&mut transaction, "journal_events")? {
                return Err(StorageError::NotAJournal {
                    reason: "a journal_events table exists but journal_schema_migrations records no migration"
                        .to_owned(),
                });
            }
            0
        }
    };
    if current > SCHEMA_VERSION {
        return Err(StorageError::UnknownFormatVersion {
            found: current.to_string(),
            supported: SCHEMA_VERSION,
        });
    }
    for (version, description, sql) in MIGRATIONS {
        if *version <= current {
            continue;
        }
        transaction
            .batch_execute(sql)
            .map_err(step("migrating the schema"))?;
        let version_column = i32::try_from(*version).expect("migration versions are small");
        transaction
            .execute(
                "INSERT INTO journal_schema_migrations (version, description) VALUES ($1, $2)",
                &[&version_column, description],
            )
            .map_err(step("migrating the schema"))?;
    }
    transaction.commit().map_err(step("migrating the schema"))
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

/// Reads one stored event row (sequence, canonical bytes, hash).
fn record_from_row(row: &Row) -> Result<StoredRecord, Failure> {
    let stored_sequence: i64 = row.try_get(0).map_err(database("reading events"))?;
    let corrupt = |reason: String| StorageError::CorruptRecord {
        sequence: stored_sequence,
        reason,
    };
    let canonical_bytes: Vec<u8> = row
        .try_get(1)
        .map_err(|error| corrupt(format!("the canonical bytes are unreadable: {error}")))?;
    let hash: Vec<u8> = row
        .try_get(2)
        .map_err(|error| corrupt(format!("the stored hash is unreadable: {error}")))?;
    let hash = Hash::try_from(hash.as_slice()).map_err(|_| {
        corrupt(format!(
            "the stored hash is {} bytes long, not 32",
            hash.len()
        ))
    })?;
    Ok(StoredRecord {
        sequence: from_column(stored_sequence)?,
        canonical_bytes,
        hash,
    })
}

fn checkpoint_from_row(row: &Row) -> Result<StoredCheckpoint, Failure> {
    let tree_size: i64 = row.try_get(0).map_err(database("reading checkpoints"))?;
    Ok(checkpoint_from_columns(
        tree_size,
        row.try_get(1).map_err(|error| error.to_string()),
        row.try_get(2).map_err(|error| error.to_string()),
    )?)
}

/// The number of events the tree covers: the last stored sequence.
fn stored_event_count(client: &mut impl postgres::GenericClient) -> Result<u64, Failure> {
    let last: Option<i64> = client
        .query_one("SELECT max(sequence) FROM journal_events", &[])
        .and_then(|row| row.try_get(0))
        .map_err(database("reading the head"))?;
    match last {
        None => Ok(0),
        Some(last) => Ok(from_column(last)?),
    }
}

/// Looks up stored subtree hashes in one query.
fn lookup_subtrees(
    client: &mut impl postgres::GenericClient,
    subtrees: &[Subtree],
) -> Result<Vec<TreeHash>, Failure> {
    if subtrees.is_empty() {
        return Ok(Vec::new());
    }
    let levels: Vec<i16> = subtrees
        .iter()
        .map(|subtree| i16::from(subtree.level))
        .collect();
    let indexes = subtrees
        .iter()
        .map(|subtree| to_column(subtree.index))
        .collect::<Result<Vec<i64>, _>>()?;
    let rows = client
        .query(LOOKUP_SUBTREES, &[&levels, &indexes])
        .map_err(database("reading the Merkle tree"))?;
    assert_eq!(rows.len(), subtrees.len(), "one row per subtree asked for");
    let mut hashes = Vec::with_capacity(subtrees.len());
    for (subtree, row) in subtrees.iter().zip(&rows) {
        let missing = || StorageError::TreeIncomplete {
            level: subtree.level,
            index: subtree.index,
        };
        let stored: Option<Vec<u8>> = row
            .try_get(2)
            .map_err(database("reading the Merkle tree"))?;
        let bytes = stored.ok_or_else(missing)?;
        hashes.push(TreeHash::try_from(bytes.as_slice()).map_err(|_| missing())?);
    }
    Ok(hashes)
}

/// Whether an error is the unique violation of one of these constraints.
fn violates(error: &postgres::Error, constraints: &[&str]) -> bool {
    error.as_db_error().is_some_and(|database_error| {
        database_error.code() == &SqlState::UNIQUE_VIOLATION
            && database_error
                .constraint()
                .is_some_and(|constraint| constraints.contains(&constraint))
    })
}

/// The constraints another writer's concurrent append makes ours violate.
const APPEND_RACE_CONSTRAINTS: &[&str] = &["journal_events_pkey", "journal_tree_hashes_pkey"];

impl PostgresStorage {
    /// The append transaction; see [`Storage::append_with_checkpoint`].
    fn append_in_transaction(
        &self,
        client: &mut Client,
        records: &[StoredRecord],
        checkpoint: Option<&StoredCheckpoint>,
    ) -> Result<(), Failure> {
        let mut transaction = client
            .transaction()
            .map_err(database("starting an append"))?;
        // Checked here, inside the transaction; a writer committing between
        // this read and the inserts below makes them violate the primary
        // key, which the caller turns into the same conflict.
        let stored_count = stored_event_count(&mut transaction)?;
        let expected = stored_count.saturating_add(1);
        if let Some(first) = records.first() {
            if first.sequence != expected {
                return Err(StorageError::Conflict {
                    expected,
                    found: first.sequence,
                }
                .into());
            }
        }
        let mut frontier = Frontier::from_hashes(
            stored_count,
            lookup_subtrees(&mut transaction, &Frontier::pieces(stored_count))?,
        )
        .map_err(|_| StorageError::TreeIncomplete {
            level: 0,
            index: stored_count,
        })?;
        if !records.is_empty() {
            let mut sequences = Vec::with_capacity(records.len());
            let mut bytes = Vec::with_capacity(records.len());
            let mut hashes = Vec::with_capacity(records.len());
            let mut tree_levels = Vec::with_capacity(records.len() * 2);
            let mut tree_indexes = Vec::with_capacity(records.len() * 2);
            let mut tree_hashes: Vec<Vec<u8>> = Vec::with_capacity(records.len() * 2);
            for record in records {
                sequences.push(to_column(record.sequence)?);
                bytes.push(record.canonical_bytes.as_slice());
                hashes.push(record.hash.as_bytes().as_slice());
                let completed =
                    frontier
                        .push(leaf_hash(&record.canonical_bytes))
                        .map_err(|_| StorageError::SequenceOutOfRange {
                            sequence: record.sequence,
                        })?;
                for (subtree, hash) in completed {
                    tree_levels.push(i16::from(subtree.level));
                    tree_indexes.push(to_column(subtree.index)?);
                    tree_hashes.push(hash.to_vec());
                }
            }
            // One statement per table, whatever the batch's size: arrays
            // unnested on the server rather than a round trip per row.
            transaction
                .execute(
                    "INSERT INTO journal_events (sequence, canonical_bytes, hash) \
                     SELECT * FROM unnest($1::BIGINT[], $2::BYTEA[], $3::BYTEA[])",
                    &[&sequences, &bytes, &hashes],
                )
                .map_err(database("appending events"))?;
            transaction
                .execute(
                    "INSERT INTO journal_tree_hashes (level, node_index, hash) \
                     SELECT * FROM unnest($1::SMALLINT[], $2::BIGINT[], $3::BYTEA[])",
                    &[&tree_levels, &tree_indexes, &tree_hashes],
                )
                .map_err(database("storing the Merkle tree"))?;
        }
        if let Some(checkpoint) = checkpoint {
            if checkpoint.tree_size != frontier.size() {
                return Err(StorageError::CheckpointNotAtHead {
                    tree_size: checkpoint.tree_size,
                    head: frontier.size(),
                }
                .into());
            }
            if checkpoint.root_hash != frontier.root() {
                return Err(StorageError::CheckpointRootMismatch {
                    tree_size: checkpoint.tree_size,
                }
                .into());
            }
            // Checkpoint writers take turns, so that "newer than the latest"
            // holds in commit order too (the lock ends with the transaction).
            transaction
                .batch_execute("LOCK TABLE journal_checkpoints IN SHARE ROW EXCLUSIVE MODE")
                .map_err(database("storing a checkpoint"))?;
            let latest: Option<i64> = transaction
                .query_one("SELECT max(tree_size) FROM journal_checkpoints", &[])
                .and_then(|row| row.try_get(0))
                .map_err(database("reading checkpoints"))?;
            if let Some(latest) = latest {
                let latest = u64::try_from(latest).unwrap_or(u64::MAX);
                if checkpoint.tree_size <= latest {
                    return Err(StorageError::CheckpointNotNewer {
                        tree_size: checkpoint.tree_size,
                        latest,
                    }
                    .into());
                }
            }
            transaction
                .execute(
                    "INSERT INTO journal_checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3)",
                    &[
                        &to_column(checkpoint.tree_size)?,
                        &checkpoint.root_hash.as_slice(),
                        &checkpoint.note,
                    ],
                )
                .map_err(database("storing a checkpoint"))?;
        }
        // Delivered to listeners only if and when the transaction commits.
        transaction
            .execute(
                "SELECT pg_notify($1, $2)",
                &[&self.notify_channel(), &frontier.size().to_string()],
            )
            .map_err(database("notifying listeners"))?;
        transaction.commit().map_err(Failure::Commit)
    }
}

impl Storage for PostgresStorage {
    fn head(&self) -> Result<Option<Head>, StorageError> {
        self.with_client(|client| {
            let row = client
                .query_opt(
                    "SELECT sequence, hash FROM journal_events ORDER BY sequence DESC LIMIT 1",
                    &[],
                )
                .map_err(database("reading the head"))?;
            let Some(row) = row else {
                return Ok(None);
            };
            let stored_sequence: i64 = row.try_get(0).map_err(database("reading the head"))?;
            let hash: Vec<u8> = row.try_get(1).map_err(database("reading the head"))?;
            let hash =
                Hash::try_from(hash.as_slice()).map_err(|_| StorageError::CorruptRecord {
                    sequence: stored_sequence,
                    reason: format!("the stored hash is {} bytes long, not 32", hash.len()),
                })?;
            Ok(Some(Head {
                sequence: from_column(stored_sequence)?,
                hash,
            }))
        })
    }

    fn append_with_checkpoint(
        &mut self,
        records: &[StoredRecord],
        checkpoint: Option<&StoredCheckpoint>,
    ) -> Result<(), StorageError> {
        if !check_append(records, checkpoint)? {
            return Ok(());
        }
        self.with_client(|client| {
            match self.append_in_transaction(client, records, checkpoint) {
                Err(Failure::Database { error, .. })
                    if violates(&error, APPEND_RACE_CONSTRAINTS) =>
                {
                    // Another writer stored these sequence numbers first; the
                    // transaction is rolled back. Say where the head is now.
                    let found = records.first().map_or(0, |first| first.sequence);
                    let expected = stored_event_count(client)
                        .map(|count| count.saturating_add(1))
                        .unwrap_or(found.saturating_add(1));
                    Err(StorageError::Conflict { expected, found }.into())
                }
                Err(Failure::Database { error, .. })
                    if violates(&error, &["journal_checkpoints_pkey"]) =>
                {
                    let tree_size = checkpoint.map_or(0, |checkpoint| checkpoint.tree_size);
                    Err(StorageError::CheckpointNotNewer {
                        tree_size,
                        latest: tree_size,
                    }
                    .into())
                }
                other => other,
            }
        })
    }

    fn subtree_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<TreeHash>, StorageError> {
        self.with_client(|client| {
            check_subtree_read(subtrees, stored_event_count(client)?)?;
            lookup_subtrees(client, subtrees)
        })
    }

    fn checkpoints(
        &self,
        from_tree_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StorageError> {
        check_read_limit(limit)?;
        let Ok(from) = i64::try_from(from_tree_size) else {
            return Ok(Vec::new());
        };
        let limit_column = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_client(|client| {
            client
                .query(
                    "SELECT tree_size, root_hash, note FROM journal_checkpoints \
                     WHERE tree_size >= $1 ORDER BY tree_size LIMIT $2",
                    &[&from, &limit_column],
                )
                .map_err(database("reading checkpoints"))?
                .iter()
                .map(checkpoint_from_row)
                .collect()
        })
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StorageError> {
        self.with_client(|client| {
            client
                .query_opt(
                    "SELECT tree_size, root_hash, note FROM journal_checkpoints \
                     ORDER BY tree_size DESC LIMIT 1",
                    &[],
                )
                .map_err(database("reading checkpoints"))?
                .as_ref()
                .map(checkpoint_from_row)
                .transpose()
        })
    }

    fn read(&self, from_sequence: u64, limit: usize) -> Result<Vec<StoredRecord>, StorageError> {
        check_read_limit(limit)?;
        // Sequences never exceed i64::MAX, so a start beyond it reads nothing.
        let Ok(from) = i64::try_from(from_sequence) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit_column = i64::try_from(limit).unwrap_or(i64::MAX);
        let budget_bytes = i64::try_from(MAX_READ_BYTES).unwrap_or(i64::MAX);
        self.with_client(|client| {
            client
                .query(READ_PAGE, &[&from, &limit_column, &budget_bytes])
                .map_err(database("reading events"))?
                .iter()
                .map(record_from_row)
                .collect()
        })
    }

    fn len(&self) -> Result<u64, StorageError> {
        self.with_client(|client| {
            let count: i64 = client
                .query_one("SELECT count(*) FROM journal_events", &[])
                .and_then(|row| row.try_get(0))
                .map_err(database("counting events"))?;
            // count(*) is never negative.
            Ok(u64::try_from(count).unwrap_or(0))
        })
    }

    fn lock_writers(&mut self) -> Result<(), StorageError> {
        let key = self.writers_lock_key();
        self.with_client(|client| {
            // Session-level: held until unlocked or the session ends. The
            // session's lock_timeout bounds the wait.
            match client.execute("SELECT pg_advisory_lock($1)", &[&key]) {
                Ok(_) => Ok(()),
                Err(error) if error.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
                    Err(StorageError::Backend {
                        operation: "taking the writers' lock",
                        source: Box::new(ConnectionProblem::WritersLockTimeout(PostgresError(
                            error,
                        ))),
                    }
                    .into())
                }
                Err(error) => Err(database("taking the writers' lock")(error)),
            }
        })
    }

    fn unlock_writers(&mut self) -> Result<(), StorageError> {
        let key = self.writers_lock_key();
        self.with_client(|client| {
            // `false` means this session does not hold it (for instance it
            // ended with a lost connection): it is released either way.
            client
                .query_one("SELECT pg_advisory_unlock($1)", &[&key])
                .map(drop)
                .map_err(database("releasing the writers' lock"))
        })
    }

    fn open_reader(&self) -> Result<Option<Box<dyn Storage>>, StorageError> {
        Ok(Some(Box::new(PostgresStorage::open(&self.url)?)))
    }

    fn open_change_listener(&self) -> Result<Option<Box<dyn ChangeListener>>, StorageError> {
        Ok(Some(Box::new(PostgresChangeListener::open(
            &self.url,
            self.notify_channel(),
        )?)))
    }
}

/// Listens, on its own connection, for the notifications appends send
/// (see [`PostgresStorage::notify_channel`]). Like [`PostgresStorage`], it
/// must not be used from inside an async task.
pub struct PostgresChangeListener {
    url: PostgresUrl,
    config: Config,
    channel: String,
    /// `None` after the connection was lost, until the next wait.
    client: Option<Client>,
}

impl fmt::Debug for PostgresChangeListener {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PostgresChangeListener")
            .field("url", &self.url)
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl PostgresChangeListener {
    /// Connects and starts listening on `channel` (an identifier made by
    /// [`PostgresStorage::notify_channel`]).
    fn open(url: &PostgresUrl, channel: String) -> Result<PostgresChangeListener, StorageError> {
        assert!(
            channel
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_'),
            "the channel is a plain identifier"
        );
        let config = url.config();
        let client = listen(&config, &channel).map_err(|source| StorageError::Open {
            path: PathBuf::from(url.masked()),
            source: Box::new(PostgresError(source)),
        })?;
        Ok(PostgresChangeListener {
            url: url.clone(),
            config,
            channel,
            client: Some(client),
        })
    }
}

fn listen(config: &Config, channel: &str) -> Result<Client, postgres::Error> {
    let mut client = connect(config)?;
    client.batch_execute(&format!("LISTEN {channel}"))?;
    Ok(client)
}

impl ChangeListener for PostgresChangeListener {
    fn wait(&mut self, timeout_ms: u64) -> Result<Option<u64>, StorageError> {
        let mut client = match self.client.take() {
            Some(client) if !client.is_closed() => client,
            _ => listen(&self.config, &self.channel).map_err(|source| StorageError::Backend {
                operation: "reconnecting the change listener",
                source: Box::new(ConnectionProblem::Reconnect {
                    url: self.url.masked(),
                    source: PostgresError(source),
                }),
            })?,
        };
        let deadline = Instant::now() + Duration::from_millis(timeout_ms.min(MAX_LISTEN_WAIT_MS));
        let outcome = wait_for_sequence(&mut client, deadline);
        // A lost connection is dropped here, and the next wait reconnects.
        if outcome.is_ok() && !client.is_closed() {
            self.client = Some(client);
        }
        outcome.map_err(|problem| StorageError::Backend {
            operation: "waiting for changes",
            source: Box::new(problem),
        })
    }
}

/// Waits until `deadline` for a notification whose payload is a sequence
/// number, and returns the largest of those that have arrived by then.
fn wait_for_sequence(
    client: &mut Client,
    deadline: Instant,
) -> Result<Option<u64>, ConnectionProblem> {
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let next = client.notifications().timeout_iter(remaining).next();
        let first = match next {
            Ok(Some(notification)) => notification,
            // The iterator also ends when the server hangs up.
            Ok(None) if client.is_closed() => return Err(ConnectionProblem::ServerHungUp),
            Ok(None) => return Ok(None),
            Err(error) => return Err(ConnectionProblem::Lost(PostgresError(error))),
        };
        // Take what else has arrived, and report the furthest sequence.
        let mut latest = first.payload().parse::<u64>().ok();
        let mut notifications = client.notifications();
        let mut burst = notifications.iter();
        for _ in 0..MAX_NOTIFICATIONS_PER_WAIT {
            match burst.next() {
                Ok(Some(notification)) => {
                    if let Ok(sequence) = notification.payload().parse::<u64>() {
                        latest = latest.max(Some(sequence));
                    }
                }
                // An error here is found by the next wait, on a closed
                // connection; this one has a sequence to report.
                Ok(None) | Err(_) => break,
            }
        }
        match latest {
            Some(sequence) => return Ok(Some(sequence)),
            // Only notifications someone else sent with another payload:
            // keep waiting out the time left.
            None if Instant::now() < deadline => continue,
            None => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_wherever_they_are() {
        for (url, masked) in [
            (
                "postgres://alice:s3cret@db.example:5432/journal",
                "postgres://alice:***@db.example:5432/journal",
            ),
            (
                "postgresql://alice:p%40ss@db/journal?options=-csearch_path%3Dx",
                "postgresql://alice:***@db/journal?options=-csearch_path%3Dx",
            ),
            (
                "postgres://alice@db/journal?password=s3cret&sslmode=disable",
                "postgres://alice@db/journal?password=***&sslmode=disable",
            ),
            (
                "postgres://db/journal?p%61ssword=s3cret",
                "postgres://db/journal?p%61ssword=***",
            ),
            ("postgres://alice@db/journal", "postgres://alice@db/journal"),
            ("postgres:alice:s3cret", "postgres:***"),
        ] {
            assert_eq!(mask_password(url), masked, "{url}");
            assert!(!mask_password(url).contains("s3cret"));
        }
    }

    #[test]
    fn urls_keep_the_password_for_connecting_only() {
        let url = PostgresUrl::parse("postgres://alice:s3cret@db/journal").unwrap();
        assert_eq!(
            url.connection_string(),
            "postgres://alice:s3cret@db/journal"
        );
        assert_eq!(url.to_string(), "postgres://alice:***@db/journal");
        assert!(!format!("{url:?}").contains("s3cret"));
    }

    #[test]
    fn malformed_postgres_urls_are_refused_without_the_password() {
        for url in [
            "postgres://alice:s3cret@db/journal#x",
            "postgres://alice:s3cret@db/journal?no_such_option=1",
            "postgres://alice:s3cret@/journal",
            "postgres:alice:s3cret",
        ] {
            let error = PostgresUrl::parse(url).unwrap_err();
            assert!(
                matches!(error, StorageError::InvalidUrl { .. }),
                "{url}: {error:?}"
            );
            assert!(!error.to_string().contains("s3cret"), "{error}");
        }
    }

    #[test]
    fn urls_carry_query_parameters_through() {
        let url = PostgresUrl::parse(
            "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dhemicycle_x",
        )
        .unwrap();
        let config = url.config();
        assert_eq!(config.get_options(), Some("-csearch_path=hemicycle_x"));
        assert_eq!(config.get_dbname(), Some("test"));
        assert_eq!(config.get_ports(), &[5432]);
        assert_eq!(
            config.get_connect_timeout(),
            Some(&Duration::from_millis(CONNECT_TIMEOUT_MS))
        );
        assert_eq!(config.get_application_name(), Some("hemicycle"));
    }

    #[test]
    fn lost_connections_are_told_apart_from_refusals() {
        // A closed socket has no SQLSTATE; a refused statement has one.
        let closed = Config::from_str("postgres://nobody@127.0.0.1:1/none")
            .unwrap()
            .connect_timeout(Duration::from_millis(200))
            .connect(NoTls)
            .err()
            .expect("nothing listens on port 1");
        assert!(connection_lost(&closed), "{closed}");
    }

    #[test]
    fn the_writers_lock_key_carries_the_tag_and_the_store() {
        let key = (WRITERS_LOCK_TAG << 32) | i64::from(u32::MAX);
        assert!(key > 0);
        assert_eq!(key >> 32, WRITERS_LOCK_TAG);
        assert_eq!(&(key >> 32).to_be_bytes()[4..], b"hemi");
        assert_eq!(&MIGRATION_LOCK_KEY.to_be_bytes(), b"hemimigr");
    }
}
