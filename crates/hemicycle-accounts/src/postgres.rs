//! Accounts in PostgreSQL, for several server nodes sharing one database.
//!
//! The tables live in the first schema of the connection's `search_path`, beside the
//! journal's when both are opened from the same URL; their names start with `accounts`
//! so that they never meet the journal's:
//! - `accounts`: the same columns and checks as the SQLite table (see the `sqlite`
//!   module), with the username compared byte by byte (`COLLATE "C"`), so that
//!   [`AccountStore::list`] is ordered as Rust orders strings, whatever the database's
//!   locale.
//! - `accounts_migrations(version, description, applied_at)`: which of the embedded
//!   migrations ([`POSTGRES_FORMAT_VERSION`] of them) the schema has had. It is this
//!   store's own version table, so the journal's versioning never collides with it.
//!
//! Migrations run at open, in one transaction under an advisory lock held for the
//! transaction, so that nodes starting together cannot both apply them. A schema migrated
//! by a newer build is refused rather than written to.
//!
//! Every write is one transaction that first locks the `accounts` table against other
//! writers (readers are not blocked): its uniqueness and capacity checks and its write
//! see the same table, as with SQLite's IMMEDIATE transactions, even when the writers are
//! different nodes.
//!
//! # Connection loss
//!
//! A store holds one connection. When it is lost (the server restarted, the network
//! failed), the call that notices fails with [`PostgresError::ConnectionLost`] and the
//! connection is dropped; the next call connects again (and checks the migrations again).
//! Nothing is retried behind the caller's back: a write whose commit was interrupted may
//! or may not have been saved, and only the caller can decide to look.
//!
//! # Not from an async task
//!
//! This store uses the synchronous `postgres` client, which drives its connection with a
//! Tokio runtime of its own. Such a runtime cannot be entered from an async task (Tokio
//! panics), so the client must not be called from one. Call the store from ordinary
//! threads, or from `tokio::task::spawn_blocking` in a server. As a safety net, a call
//! made on a thread inside a Tokio runtime is moved to a short-lived thread of its own
//! (and so is dropping the connection): it still blocks the calling worker for the
//! round trip, like any blocking call, but it does not panic.

use std::error::Error as _;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use ::postgres::error::SqlState;
use ::postgres::{Client, Config, NoTls, Row, Transaction};
use hemicycle_core::ids::MemberId;

use crate::account::{Account, AccountRole};
use crate::store::{check_account, AccountError, AccountStore, MAX_ACCOUNTS};
use crate::username::Username;

/// The number of embedded migrations: the version of the account tables this build reads
/// and writes.
pub const POSTGRES_FORMAT_VERSION: u32 = 1;

/// How long connecting may take, unless the URL sets `connect_timeout`.
pub const CONNECT_TIMEOUT_MS: u64 = 5_000;

/// How long one statement may run before the server cancels it.
pub const STATEMENT_TIMEOUT_MS: u64 = 10_000;

/// How long a write waits for another writer's lock on the accounts (as long as a SQLite
/// connection waits for the database's, [`BUSY_TIMEOUT_MS`](crate::BUSY_TIMEOUT_MS)).
pub const LOCK_TIMEOUT_MS: u64 = crate::BUSY_TIMEOUT_MS;

/// How long unacknowledged data may wait on a connection before the operating system
/// declares it dead, unless the URL sets `tcp_user_timeout`: a server that vanished
/// without closing the connection is noticed after this, not after hours.
pub const TCP_USER_TIMEOUT_MS: u64 = 15_000;

/// The `application_name` a connection reports, unless the URL sets one, so that an
/// operator can tell the accounts' connections apart in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "hemicycle-accounts";

struct Migration {
    version: u32,
    description: &'static str,
    sql: &'static str,
}

/// Applied in order; never edited once released (a change is a new migration).
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "accounts table",
    sql: "
CREATE TABLE accounts (
    username TEXT COLLATE \"C\" NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('clerk', 'presiding_officer', 'member')),
    member_id TEXT COLLATE \"C\" CHECK (length(member_id) BETWEEN 1 AND 64),
    password_hash TEXT,
    pin_hash TEXT,
    login_code_digest TEXT COLLATE \"C\" CHECK (length(login_code_digest) = 64),
    created_at_ms BIGINT NOT NULL CHECK (created_at_ms >= 0),
    CONSTRAINT accounts_pkey PRIMARY KEY (username),
    CONSTRAINT accounts_member_id_key UNIQUE (member_id),
    CONSTRAINT accounts_login_code_digest_key UNIQUE (login_code_digest),
    CHECK ((role = 'member') = (member_id IS NOT NULL))
);
",
}];

const _: () = assert!(MIGRATIONS.len() == POSTGRES_FORMAT_VERSION as usize);

const CREATE_MIGRATIONS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS accounts_migrations (
    version INTEGER PRIMARY KEY CHECK (version > 0),
    description TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// One lock per schema: nodes sharing a schema migrate one at a time, while stores in
/// different schemas (tests) do not wait for each other.
const LOCK_FOR_MIGRATIONS: &str = "SELECT pg_advisory_xact_lock(\
     hashtext('hemicycle-accounts-migrations ' || coalesce(current_schema(), '')))";

/// The columns, in the order [`read_account`] reads them.
const COLUMNS: &str = "username, display_name, role, member_id, password_hash, pin_hash, \
                       login_code_digest, created_at_ms";

/// Why the PostgreSQL account store failed; carried by [`AccountError::Postgres`].
///
/// Each message spells out the whole cause (a `postgres::Error` alone says only "db
/// error"), so the error it came from is kept in `error`, for its SQLSTATE, rather than
/// offered again as the source. URLs in these messages have their password replaced by
/// `***`.
#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    #[error("invalid PostgreSQL URL {url}: {reason}")]
    InvalidUrl {
        url: String,
        reason: String,
        error: ::postgres::Error,
    },
    #[error("cannot connect to the account database at {url}: {reason}")]
    Connect {
        url: String,
        reason: String,
        error: ::postgres::Error,
    },
    #[error(
        "lost the connection to the account database while {operation} \
         (the next call connects again): {reason}"
    )]
    ConnectionLost {
        operation: &'static str,
        reason: String,
        error: ::postgres::Error,
    },
    #[error("account database error while {operation}: {reason}")]
    Query {
        operation: &'static str,
        reason: String,
        error: ::postgres::Error,
    },
    #[error("cannot start a thread to reach the account database while {operation}: {error}")]
    Thread {
        operation: &'static str,
        error: std::io::Error,
    },
}

/// An [`AccountStore`] in a PostgreSQL database, which several server nodes may share.
///
/// Must not be called from an async task; see the [module documentation](self).
pub struct PostgresAccountStore {
    config: Config,
    /// The URL with its password hidden, for messages.
    display_url: String,
    /// `None` after the connection was lost, until the next call connects again. A mutex
    /// because reads take `&self` but the client needs `&mut`.
    client: Mutex<Option<Client>>,
}

impl std::fmt::Debug for PostgresAccountStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the config: it holds the password.
        formatter
            .debug_struct("PostgresAccountStore")
            .field("url", &self.display_url)
            .finish_non_exhaustive()
    }
}

impl PostgresAccountStore {
    /// Connects to the database at `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`,
    /// with optional parameters such as `?options=-csearch_path%3DSCHEMA`), creating or
    /// migrating the account tables. TLS is not supported: the connection is plain TCP
    /// (or a Unix socket), so keep the database on a trusted network.
    pub fn open(url: &str) -> Result<PostgresAccountStore, AccountError> {
        let display_url = redact_url(url);
        let mut config: Config =
            url.parse()
                .map_err(|error: ::postgres::Error| PostgresError::InvalidUrl {
                    url: display_url.clone(),
                    reason: describe(&error),
                    error,
                })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_millis(CONNECT_TIMEOUT_MS));
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(Duration::from_millis(TCP_USER_TIMEOUT_MS));
        }
        if config.get_application_name().is_none() {
            config.application_name(APPLICATION_NAME);
        }
        let store = PostgresAccountStore {
            config,
            display_url,
            client: Mutex::new(None),
        };
        off_runtime("connecting", || {
            let client = store.connect()?;
            *store.lock_client() = Some(client);
            Ok(())
        })?;
        Ok(store)
    }

    /// The URL the store was opened with, its password hidden.
    pub fn display_url(&self) -> &str {
        &self.display_url
    }

    /// A new connection, set up, with the tables migrated.
    fn connect(&self) -> Result<Client, AccountError> {
        let mut client = self
            .config
            .connect(NoTls)
            .map_err(|error| PostgresError::Connect {
                url: self.display_url.clone(),
                reason: describe(&error),
                error,
            })?;
        // Limits for every statement of the session: a stuck query or a writer holding
        // the lock fails the call instead of hanging the server.
        client
            .batch_execute(&format!(
                "SET statement_timeout = {STATEMENT_TIMEOUT_MS}; \
                 SET lock_timeout = {LOCK_TIMEOUT_MS}; \
                 SET idle_in_transaction_session_timeout = {STATEMENT_TIMEOUT_MS}"
            ))
            .map_err(failed("setting up the connection"))?;
        prepare_schema(&mut client)?;
        Ok(client)
    }

    /// The connection slot, even if a thread panicked while holding it; the connection it
    /// held is then dropped, since it may be in the middle of anything.
    fn lock_client(&self) -> MutexGuard<'_, Option<Client>> {
        match self.client.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                self.client.clear_poison();
                let mut guard = poisoned.into_inner();
                *guard = None;
                guard
            }
        }
    }

    /// Runs `body` on the connection, connecting first if there is none, and forgets the
    /// connection if `body` found it lost.
    fn with_client<T: Send>(
        &self,
        operation: &'static str,
        body: impl FnOnce(&mut Client) -> Result<T, AccountError> + Send,
    ) -> Result<T, AccountError> {
        off_runtime(operation, || {
            let mut slot = self.lock_client();
            let client = match &mut *slot {
                Some(client) => client,
                empty => empty.insert(self.connect()?),
            };
            let result = body(client);
            let lost = matches!(
                result,
                Err(AccountError::Postgres(PostgresError::ConnectionLost { .. }))
            );
            if lost || client.is_closed() {
                *slot = None;
            }
            result
        })
    }

    /// Runs `body` in one transaction holding the write lock on the accounts.
    fn write<T: Send>(
        &mut self,
        operation: &'static str,
        body: impl FnOnce(&mut Transaction<'_>) -> Result<T, AccountError> + Send,
    ) -> Result<T, AccountError> {
        self.with_client(operation, |client| {
            let mut transaction = client.transaction().map_err(failed(operation))?;
            // SHARE ROW EXCLUSIVE conflicts with itself and with every write, not with
            // reads: one writer at a time, across all nodes.
            transaction
                .batch_execute("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE")
                .map_err(failed(operation))?;
            let value = body(&mut transaction)?;
            transaction.commit().map_err(failed(
                "committing (the change may or may not have been saved)",
            ))?;
            Ok(value)
        })
    }

    fn find_where(
        &self,
        column: &'static str,
        value: &str,
        operation: &'static str,
    ) -> Result<Option<Account>, AccountError> {
        self.with_client(operation, |client| {
            let row = client
                .query_opt(
                    &format!("SELECT {COLUMNS} FROM accounts WHERE {column} = $1"),
                    &[&value],
                )
                .map_err(failed(operation))?;
            row.as_ref().map(read_account).transpose()
        })
    }
}

impl Drop for PostgresAccountStore {
    fn drop(&mut self) {
        let client = match self.client.get_mut() {
            Ok(slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        let Some(client) = client else {
            return;
        };
        if !inside_runtime() {
            drop(client);
            return;
        }
        // Dropping the client closes its connection through its own runtime, which Tokio
        // forbids on a runtime's thread.
        let parked = Mutex::new(Some(client));
        let closed = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("hemicycle-accounts-close".to_owned())
                .spawn_scoped(scope, || {
                    let client = parked.lock().ok().and_then(|mut slot| slot.take());
                    drop(client);
                })
                .map(|handle| handle.join().is_ok())
                .unwrap_or(false)
        });
        if !closed {
            // No thread to close it on: leaking the connection beats a panic; the server
            // ends the session when the process exits.
            let client = match parked.into_inner() {
                Ok(client) => client,
                Err(poisoned) => poisoned.into_inner(),
            };
            std::mem::forget(client);
        }
    }
}

/// Whether this thread is inside a Tokio runtime, where the synchronous client panics.
fn inside_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

/// Runs `body` here, or on a short-lived thread when this thread is inside a Tokio
/// runtime (see the module documentation).
fn off_runtime<T: Send>(
    operation: &'static str,
    body: impl FnOnce() -> Result<T, AccountError> + Send,
) -> Result<T, AccountError> {
    if !inside_runtime() {
        return body();
    }
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("hemicycle-accounts".to_owned())
            .spawn_scoped(scope, body)
            .map_err(|error| PostgresError::Thread { operation, error })?;
        // A panic in `body` is the caller's to see, as if it had run here.
        handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Creates the migrations table if absent, refuses a schema from a newer build, and
/// applies the missing migrations, all in one transaction.
fn prepare_schema(client: &mut Client) -> Result<(), AccountError> {
    let operation = "checking the account tables";
    let mut transaction = client.transaction().map_err(failed(operation))?;
    transaction
        .batch_execute(LOCK_FOR_MIGRATIONS)
        .map_err(failed(operation))?;
    transaction
        .batch_execute(CREATE_MIGRATIONS_TABLE)
        .map_err(failed("creating the account migrations table"))?;
    let applied: Vec<i32> = transaction
        .query(
            "SELECT version FROM accounts_migrations ORDER BY version",
            &[],
        )
        .map_err(failed(operation))?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()
        .map_err(failed(operation))?;
    if let Some(&newest) = applied.last() {
        if i64::from(newest) > i64::from(POSTGRES_FORMAT_VERSION) {
            return Err(AccountError::UnknownFormatVersion {
                found: newest.to_string(),
                supported: POSTGRES_FORMAT_VERSION,
            });
        }
    }
    // Migrations are applied in order, each once: anything else was written by hand.
    let in_order = applied
        .iter()
        .zip(1..)
        .all(|(&version, expected)| version == expected);
    if !in_order {
        return Err(AccountError::Corrupt {
            reason: format!(
                "accounts_migrations lists versions {applied:?}, not 1 to {} in order",
                applied.len()
            ),
        });
    }
    for migration in &MIGRATIONS[applied.len()..] {
        let operation = "applying an account migration";
        transaction
            .batch_execute(migration.sql)
            .map_err(failed(operation))?;
        let version = i32::try_from(migration.version).map_err(|_| AccountError::Corrupt {
            reason: format!("migration version {} is too large", migration.version),
        })?;
        transaction
            .execute(
                "INSERT INTO accounts_migrations (version, description) VALUES ($1, $2)",
                &[&version, &migration.description],
            )
            .map_err(failed(operation))?;
    }
    transaction.commit().map_err(failed(operation))
}

/// The error's message with its causes, which `postgres::Error`'s own message leaves out
/// (it says only "db error").
fn describe(error: &::postgres::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string().replace('\n', "; "));
        cause = inner.source();
    }
    text
}

/// Whether the connection cannot be used after this error.
fn connection_is_lost(error: &::postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    let mut cause = error.source();
    while let Some(inner) = cause {
        if inner.is::<std::io::Error>() {
            return true;
        }
        cause = inner.source();
    }
    match error.as_db_error() {
        // FATAL and PANIC end the session; class 08 is a connection exception; 57P01 to
        // 57P03 are the server shutting down or not yet accepting connections.
        Some(db_error) => {
            matches!(db_error.severity(), "FATAL" | "PANIC")
                || db_error.code().code().starts_with("08")
                || [
                    SqlState::ADMIN_SHUTDOWN,
                    SqlState::CRASH_SHUTDOWN,
                    SqlState::CANNOT_CONNECT_NOW,
                ]
                .contains(db_error.code())
        }
        None => false,
    }
}

fn failed(operation: &'static str) -> impl Fn(::postgres::Error) -> AccountError {
    move |error| {
        let reason = describe(&error);
        let failure = if connection_is_lost(&error) {
            PostgresError::ConnectionLost {
                operation,
                reason,
                error,
            }
        } else {
            PostgresError::Query {
                operation,
                reason,
                error,
            }
        };
        AccountError::Postgres(failure)
    }
}

/// Hides the password of a connection URL (`user:PASSWORD@host`, `password=PASSWORD`).
pub fn redact_url(url: &str) -> String {
    let mut redacted = url.to_owned();
    if let Some(scheme_end) = redacted.find("://") {
        let authority_start = scheme_end + 3;
        let authority_end = redacted[authority_start..]
            .find(['/', '?', '#'])
            .map_or(redacted.len(), |offset| authority_start + offset);
        let authority = &redacted[authority_start..authority_end];
        if let Some(at) = authority.rfind('@') {
            if let Some(colon) = authority[..at].find(':') {
                redacted.replace_range(authority_start + colon + 1..authority_start + at, "***");
            }
        }
    }
    // As a URL parameter or a key=value pair; the value ends at `&`, `#` or white space.
    let mut searched = 0;
    while let Some(offset) = redacted[searched..].to_ascii_lowercase().find("password=") {
        let start = searched + offset;
        let value_start = start + "password=".len();
        let begins_a_key = start == 0 || redacted[..start].ends_with(['?', '&', ' ', '\t', '\n']);
        let value_end = redacted[value_start..]
            .find(['&', '#', ' ', '\t', '\n'])
            .map_or(redacted.len(), |offset| value_start + offset);
        if begins_a_key && value_end > value_start {
            redacted.replace_range(value_start..value_end, "***");
            searched = value_start + 3;
        } else {
            searched = value_start;
        }
    }
    redacted
}

fn role_column(role: &AccountRole) -> (&'static str, Option<&str>) {
    match role {
        AccountRole::Clerk => ("clerk", None),
        AccountRole::PresidingOfficer => ("presiding_officer", None),
        AccountRole::Member(member) => ("member", Some(member.as_str())),
    }
}

fn created_at_column(account: &Account) -> Result<i64, AccountError> {
    // Account::check bounds it to i64::MAX, and every write checks first.
    i64::try_from(account.created_at_ms).map_err(|_| AccountError::Invalid {
        username: account.username.clone(),
        problem: crate::AccountInvalid::CreatedAtOutOfRange {
            created_at_ms: account.created_at_ms,
        },
    })
}

/// Reads the row as it was written; anything that does not make a valid account is
/// reported as corrupt rather than trusted.
fn read_account(row: &Row) -> Result<Account, AccountError> {
    let operation = "reading an account";
    let username: String = row.try_get(0).map_err(failed(operation))?;
    let display_name: String = row.try_get(1).map_err(failed(operation))?;
    let role: String = row.try_get(2).map_err(failed(operation))?;
    let member_id: Option<String> = row.try_get(3).map_err(failed(operation))?;
    let password_hash: Option<String> = row.try_get(4).map_err(failed(operation))?;
    let pin_hash: Option<String> = row.try_get(5).map_err(failed(operation))?;
    let login_code_digest: Option<String> = row.try_get(6).map_err(failed(operation))?;
    let created_at_ms: i64 = row.try_get(7).map_err(failed(operation))?;
    let corrupt = |reason: String| AccountError::Corrupt {
        reason: format!("account {username:?}: {reason}"),
    };
    let role = match (role.as_str(), member_id) {
        ("clerk", None) => AccountRole::Clerk,
        ("presiding_officer", None) => AccountRole::PresidingOfficer,
        ("member", Some(member)) => {
            AccountRole::Member(MemberId::new(member).map_err(|error| corrupt(error.to_string()))?)
        }
        (role, _) => {
            return Err(corrupt(format!(
                "role {role:?} with a member id that does not fit it"
            )))
        }
    };
    let account = Account {
        username: Username::new(username.as_str()).map_err(|error| corrupt(error.to_string()))?,
        display_name,
        role,
        password_hash,
        pin_hash,
        login_code_digest,
        created_at_ms: u64::try_from(created_at_ms)
            .map_err(|_| corrupt(format!("negative creation time {created_at_ms}")))?,
    };
    account
        .check()
        .map_err(|problem| corrupt(problem.to_string()))?;
    Ok(account)
}

/// Turns a violated unique constraint into the store's own refusal. The table lock makes
/// these unreachable through this store; they guard against other writers.
fn unique_violation(
    error: ::postgres::Error,
    account: &Account,
    operation: &'static str,
) -> AccountError {
    if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        match error
            .as_db_error()
            .and_then(|db_error| db_error.constraint())
        {
            Some("accounts_pkey") => return AccountError::UsernameTaken(account.username.clone()),
            Some("accounts_login_code_digest_key") => return AccountError::LoginCodeInUse,
            _ => {}
        }
    }
    failed(operation)(error)
}

/// Refuses `account` if its member or login code digest belongs to an account with another
/// username.
fn check_unique(transaction: &mut Transaction<'_>, account: &Account) -> Result<(), AccountError> {
    let operation = "checking that the account is unique";
    if let Some(member) = account.member() {
        let owner = transaction
            .query_opt(
                "SELECT username FROM accounts WHERE member_id = $1 AND username <> $2",
                &[&member.as_str(), &account.username.as_str()],
            )
            .map_err(failed(operation))?;
        if let Some(owner) = owner {
            let owner: String = owner.try_get(0).map_err(failed(operation))?;
            return Err(AccountError::MemberHasAccount {
                member: member.clone(),
                username: Username::new(owner.as_str()).map_err(|error| AccountError::Corrupt {
                    reason: format!("account {owner:?}: {error}"),
                })?,
            });
        }
    }
    if let Some(digest) = &account.login_code_digest {
        let taken: bool = transaction
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM accounts WHERE login_code_digest = $1 AND username <> $2)",
                &[digest, &account.username.as_str()],
            )
            .and_then(|row| row.try_get(0))
            .map_err(failed(operation))?;
        if taken {
            return Err(AccountError::LoginCodeInUse);
        }
    }
    Ok(())
}

fn count_accounts(client: &mut impl ::postgres::GenericClient) -> Result<usize, AccountError> {
    let operation = "counting accounts";
    let count: i64 = client
        .query_one("SELECT count(*) FROM accounts", &[])
        .and_then(|row| row.try_get(0))
        .map_err(failed(operation))?;
    usize::try_from(count).map_err(|_| AccountError::Corrupt {
        reason: format!("negative account count {count}"),
    })
}

impl AccountStore for PostgresAccountStore {
    fn create(&mut self, account: &Account) -> Result<(), AccountError> {
        check_account(account)?;
        let created_at_ms = created_at_column(account)?;
        let operation = "creating an account";
        self.write(operation, |transaction| {
            let exists: bool = transaction
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM accounts WHERE username = $1)",
                    &[&account.username.as_str()],
                )
                .and_then(|row| row.try_get(0))
                .map_err(failed(operation))?;
            if exists {
                return Err(AccountError::UsernameTaken(account.username.clone()));
            }
            check_unique(transaction, account)?;
            if count_accounts(transaction)? >= MAX_ACCOUNTS {
                return Err(AccountError::TooManyAccounts);
            }
            let (role, member_id) = role_column(&account.role);
            let inserted = transaction
                .execute(
                    &format!(
                        "INSERT INTO accounts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    ),
                    &[
                        &account.username.as_str(),
                        &account.display_name,
                        &role,
                        &member_id,
                        &account.password_hash,
                        &account.pin_hash,
                        &account.login_code_digest,
                        &created_at_ms,
                    ],
                )
                .map_err(|error| unique_violation(error, account, operation))?;
            assert_eq!(inserted, 1, "one INSERT of VALUES adds one row");
            Ok(())
        })
    }

    fn replace(&mut self, account: &Account) -> Result<(), AccountError> {
        check_account(account)?;
        let created_at_ms = created_at_column(account)?;
        let operation = "replacing an account";
        self.write(operation, |transaction| {
            check_unique(transaction, account)?;
            let (role, member_id) = role_column(&account.role);
            let changed = transaction
                .execute(
                    "UPDATE accounts SET display_name = $2, role = $3, member_id = $4, \
                     password_hash = $5, pin_hash = $6, login_code_digest = $7, \
                     created_at_ms = $8 WHERE username = $1",
                    &[
                        &account.username.as_str(),
                        &account.display_name,
                        &role,
                        &member_id,
                        &account.password_hash,
                        &account.pin_hash,
                        &account.login_code_digest,
                        &created_at_ms,
                    ],
                )
                .map_err(|error| unique_violation(error, account, operation))?;
            assert!(changed <= 1, "username is the primary key");
            if changed == 0 {
                return Err(AccountError::NotFound(account.username.clone()));
            }
            Ok(())
        })
    }

    fn find(&self, username: &Username) -> Result<Option<Account>, AccountError> {
        self.find_where("username", username.as_str(), "finding an account")
    }

    fn find_by_login_code_digest(&self, digest: &str) -> Result<Option<Account>, AccountError> {
        self.find_where(
            "login_code_digest",
            digest,
            "finding an account by login code",
        )
    }

    fn find_by_member(&self, member: &MemberId) -> Result<Option<Account>, AccountError> {
        self.find_where("member_id", member.as_str(), "finding a member's account")
    }

    fn list(&self) -> Result<Vec<Account>, AccountError> {
        let operation = "listing accounts";
        let limit = i64::try_from(MAX_ACCOUNTS).map_err(|_| AccountError::TooManyAccounts)?;
        self.with_client(operation, |client| {
            let rows = client
                .query(
                    &format!("SELECT {COLUMNS} FROM accounts ORDER BY username LIMIT $1"),
                    &[&limit],
                )
                .map_err(failed(operation))?;
            rows.iter().map(read_account).collect()
        })
    }

    fn delete(&mut self, username: &Username) -> Result<bool, AccountError> {
        let operation = "deleting an account";
        self.write(operation, |transaction| {
            let deleted = transaction
                .execute(
                    "DELETE FROM accounts WHERE username = $1",
                    &[&username.as_str()],
                )
                .map_err(failed(operation))?;
            assert!(deleted <= 1, "username is the primary key");
            Ok(deleted == 1)
        })
    }

    fn count(&self) -> Result<usize, AccountError> {
        self.with_client("counting accounts", count_accounts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_urls() {
        for (url, expected) in [
            (
                "postgres://hemicycle:s3cret@db.example:5432/parliament",
                "postgres://hemicycle:***@db.example:5432/parliament",
            ),
            (
                "postgresql://hemicycle:p@ss:word@db/parliament?sslmode=disable",
                "postgresql://hemicycle:***@db/parliament?sslmode=disable",
            ),
            (
                "postgres://db/parliament?user=hemicycle&password=s3cret&options=-c%20x",
                "postgres://db/parliament?user=hemicycle&password=***&options=-c%20x",
            ),
            (
                "host=db user=hemicycle password=s3cret dbname=parliament",
                "host=db user=hemicycle password=*** dbname=parliament",
            ),
            (
                "postgres://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dx",
                "postgres://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dx",
            ),
            // Not a parameter named password: left alone.
            (
                "postgres://db/x?old_password=kept",
                "postgres://db/x?old_password=kept",
            ),
        ] {
            assert_eq!(redact_url(url), expected, "{url}");
        }
    }

    #[test]
    fn migrations_are_numbered_from_one_in_order() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1);
            assert!(!migration.description.trim().is_empty());
        }
        assert_eq!(
            MIGRATIONS.last().map(|migration| migration.version),
            Some(POSTGRES_FORMAT_VERSION)
        );
    }

    #[test]
    fn a_malformed_url_is_refused_without_its_password() {
        let error = PostgresAccountStore::open("postgres://user:s3cret@host:notaport/db")
            .expect_err("the port is not a number");
        let message = error.to_string();
        assert!(matches!(
            error,
            AccountError::Postgres(PostgresError::InvalidUrl { .. })
        ));
        assert!(message.contains("user:***@host:notaport/db"), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
    }

    #[test]
    fn an_unreachable_server_is_a_connect_error_naming_the_url() {
        // Port 1 on the loopback: nothing listens there, so the refusal is immediate.
        let error = PostgresAccountStore::open("postgres://user:s3cret@127.0.0.1:1/db")
            .expect_err("nothing listens on port 1");
        let message = error.to_string();
        assert!(
            matches!(error, AccountError::Postgres(PostgresError::Connect { .. })),
            "{error:?}"
        );
        assert!(
            message.starts_with(
                "cannot connect to the account database at postgres://user:***@127.0.0.1:1/db: "
            ),
            "{message}"
        );
        // The cause is spelled out, not just "error connecting to server".
        assert!(
            message.len() > "error connecting to server".len() + 80,
            "{message}"
        );
    }
}
