//! Accounts in SQLite, in the same file as the journal.
//!
//! Schema (format version 1), in tables whose names start with `account` so that they
//! never meet the journal's (`events`, `tree_hashes`, `checkpoints`, `journal_meta`):
//! - `accounts(username PRIMARY KEY, display_name, role, member_id UNIQUE,
//!   password_hash, pin_hash, login_code_digest UNIQUE, created_at_ms)`, a STRICT table
//!   whose checks repeat the store's invariants (a role among three, a member id exactly
//!   for members, a 64-digit digest), so that a bug elsewhere cannot break them.
//! - `accounts_meta(key PRIMARY KEY, value)` holding `format_version`, checked on open.
//!
//! Connections run in WAL mode with `synchronous=FULL` and a busy timeout, like the
//! journal's, so that both can share one file from several connections. Every write is
//! one IMMEDIATE transaction: its checks and its write see the same database.

use std::path::Path;
use std::time::Duration;

use hemicycle_core::ids::MemberId;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

use crate::account::{Account, AccountRole};
use crate::store::{check_account, AccountError, AccountStore, MAX_ACCOUNTS};
use crate::username::Username;

/// The version of the account tables this build reads and writes. Bump it (with a
/// migration) whenever the tables change.
pub const FORMAT_VERSION: u32 = 1;

/// How long a connection waits for another writer's lock before giving up (the journal's
/// connections wait as long).
pub const BUSY_TIMEOUT_MS: u64 = 5_000;

const SCHEMA: &str = "
CREATE TABLE accounts_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE accounts (
    username TEXT PRIMARY KEY NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('clerk', 'presiding_officer', 'member')),
    member_id TEXT UNIQUE CHECK (length(member_id) BETWEEN 1 AND 64),
    password_hash TEXT,
    pin_hash TEXT,
    login_code_digest TEXT UNIQUE CHECK (length(login_code_digest) = 64),
    created_at_ms INTEGER NOT NULL CHECK (created_at_ms >= 0),
    CHECK ((role = 'member') = (member_id IS NOT NULL))
) STRICT;
";

/// The columns, in the order [`read_account`] reads them.
const COLUMNS: &str = "username, display_name, role, member_id, password_hash, pin_hash, \
                       login_code_digest, created_at_ms";

/// An [`AccountStore`] in one SQLite database.
#[derive(Debug)]
pub struct SqliteAccountStore {
    connection: Connection,
}

impl SqliteAccountStore {
    /// Opens the database file at `path`, creating it and the account tables if absent.
    /// The parent directory must exist.
    ///
    /// When the file is shared with the journal, open the journal first: the journal
    /// refuses a file that already holds other tables but no journal, so a new file must
    /// get its journal tables before the account tables.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteAccountStore, AccountError> {
        let path = path.as_ref();
        let open_error = |source: Box<dyn std::error::Error + Send + Sync>| AccountError::Open {
            path: path.to_path_buf(),
            source,
        };
        let connection = Connection::open(path).map_err(|error| open_error(error.into()))?;
        configure(&connection).map_err(|error| open_error(error.into()))?;
        let mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(|error| open_error(error.into()))?;
        // WAL lets the web layer read accounts while the journal appends. SQLite can
        // refuse it, e.g. on some network file systems.
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(open_error(
                format!(
                    "SQLite could not switch the database to WAL mode (it stayed in {mode:?} mode)"
                )
                .into(),
            ));
        }
        SqliteAccountStore::with_connection(connection)
    }

    /// A private, empty in-memory store (for tests; nothing is durable).
    pub fn in_memory() -> Result<SqliteAccountStore, AccountError> {
        let connection =
            Connection::open_in_memory().map_err(database("opening an in-memory database"))?;
        configure(&connection).map_err(database("configuring the database"))?;
        SqliteAccountStore::with_connection(connection)
    }

    fn with_connection(mut connection: Connection) -> Result<SqliteAccountStore, AccountError> {
        prepare_schema(&mut connection)?;
        Ok(SqliteAccountStore { connection })
    }

    fn write<T>(
        &mut self,
        operation: &'static str,
        body: impl FnOnce(&Transaction<'_>) -> Result<T, AccountError>,
    ) -> Result<T, AccountError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database(operation))?;
        let value = body(&transaction)?;
        transaction.commit().map_err(database(operation))?;
        Ok(value)
    }

    fn find_where(
        &self,
        condition: &str,
        value: &str,
        operation: &'static str,
    ) -> Result<Option<Account>, AccountError> {
        find_where(&self.connection, condition, value, operation)
    }
}

fn configure(connection: &Connection) -> Result<(), rusqlite::Error> {
    connection.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))?;
    // A tampered file could carry schema objects that call functions with side effects;
    // do not trust them.
    connection.pragma_update(None, "trusted_schema", false)?;
    // FULL: in WAL mode this syncs the log on every commit, so that a reissued login or
    // a deleted account stays so after a power cut.
    connection.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// Creates the tables in a database without them, or checks their version. IMMEDIATE, so
/// that two processes opening one file at once cannot both create them.
fn prepare_schema(connection: &mut Connection) -> Result<(), AccountError> {
    let operation = "checking the account tables";
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(database(operation))?;
    let has_meta: bool = transaction
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accounts_meta')",
            [],
            |row| row.get(0),
        )
        .map_err(database(operation))?;
    if has_meta {
        let version: Option<String> = transaction
            .query_row(
                "SELECT value FROM accounts_meta WHERE key = 'format_version'",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(database("reading the account tables' format version"))?;
        let version = version.unwrap_or_else(|| "none".to_owned());
        if version != FORMAT_VERSION.to_string() {
            return Err(AccountError::UnknownFormatVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
    } else {
        let operation = "creating the account tables";
        transaction
            .execute_batch(SCHEMA)
            .map_err(database(operation))?;
        transaction
            .execute(
                "INSERT INTO accounts_meta (key, value) VALUES ('format_version', ?1)",
                params![FORMAT_VERSION.to_string()],
            )
            .map_err(database(operation))?;
    }
    transaction.commit().map_err(database(operation))
}

fn database(operation: &'static str) -> impl Fn(rusqlite::Error) -> AccountError {
    move |source| AccountError::Database { operation, source }
}

fn role_column(role: &AccountRole) -> (&'static str, Option<&str>) {
    match role {
        AccountRole::Clerk => ("clerk", None),
        AccountRole::PresidingOfficer => ("presiding_officer", None),
        AccountRole::Member(member) => ("member", Some(member.as_str())),
    }
}

/// Reads the row as it was written; anything that does not make a valid account is
/// reported as corrupt rather than trusted.
fn read_account(row: &Row<'_>) -> Result<Result<Account, AccountError>, rusqlite::Error> {
    let username: String = row.get(0)?;
    let role: String = row.get(2)?;
    let member_id: Option<String> = row.get(3)?;
    let created_at_ms: i64 = row.get(7)?;
    let display_name: String = row.get(1)?;
    let password_hash: Option<String> = row.get(4)?;
    let pin_hash: Option<String> = row.get(5)?;
    let login_code_digest: Option<String> = row.get(6)?;
    let corrupt = |reason: String| AccountError::Corrupt {
        reason: format!("account {username:?}: {reason}"),
    };
    let build = || -> Result<Account, AccountError> {
        let role = match (role.as_str(), member_id) {
            ("clerk", None) => AccountRole::Clerk,
            ("presiding_officer", None) => AccountRole::PresidingOfficer,
            ("member", Some(member)) => AccountRole::Member(
                MemberId::new(member).map_err(|error| corrupt(error.to_string()))?,
            ),
            (role, _) => {
                return Err(corrupt(format!(
                    "role {role:?} with a member id that does not fit it"
                )))
            }
        };
        let account = Account {
            username: Username::new(username.as_str())
                .map_err(|error| corrupt(error.to_string()))?,
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
    };
    Ok(build())
}

fn find_where(
    connection: &Connection,
    condition: &str,
    value: &str,
    operation: &'static str,
) -> Result<Option<Account>, AccountError> {
    let found = connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM accounts WHERE {condition} = ?1"),
            params![value],
            read_account,
        )
        .optional()
        .map_err(database(operation))?;
    found.transpose()
}

/// Refuses `account` if its member or login code digest belongs to an account with another
/// username.
fn check_unique(transaction: &Transaction<'_>, account: &Account) -> Result<(), AccountError> {
    let operation = "checking that the account is unique";
    if let Some(member) = account.member() {
        let owner: Option<String> = transaction
            .query_row(
                "SELECT username FROM accounts WHERE member_id = ?1 AND username <> ?2",
                params![member.as_str(), account.username.as_str()],
                |row| row.get(0),
            )
            .optional()
            .map_err(database(operation))?;
        if let Some(owner) = owner {
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
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM accounts WHERE login_code_digest = ?1 AND username <> ?2)",
                params![digest, account.username.as_str()],
                |row| row.get(0),
            )
            .map_err(database(operation))?;
        if taken {
            return Err(AccountError::LoginCodeInUse);
        }
    }
    Ok(())
}

fn created_at_column(account: &Account) -> i64 {
    // Account::check bounds it to i64::MAX, and every write checks first.
    i64::try_from(account.created_at_ms).expect("checked creation time fits an i64")
}

impl AccountStore for SqliteAccountStore {
    fn create(&mut self, account: &Account) -> Result<(), AccountError> {
        check_account(account)?;
        self.write("creating an account", |transaction| {
            let operation = "creating an account";
            let exists: bool = transaction
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM accounts WHERE username = ?1)",
                    params![account.username.as_str()],
                    |row| row.get(0),
                )
                .map_err(database(operation))?;
            if exists {
                return Err(AccountError::UsernameTaken(account.username.clone()));
            }
            check_unique(transaction, account)?;
            let count: i64 = transaction
                .query_row("SELECT count(*) FROM accounts", [], |row| row.get(0))
                .map_err(database(operation))?;
            if usize::try_from(count).map_or(true, |count| count >= MAX_ACCOUNTS) {
                return Err(AccountError::TooManyAccounts);
            }
            let (role, member_id) = role_column(&account.role);
            transaction
                .execute(
                    &format!(
                        "INSERT INTO accounts ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                    ),
                    params![
                        account.username.as_str(),
                        account.display_name,
                        role,
                        member_id,
                        account.password_hash,
                        account.pin_hash,
                        account.login_code_digest,
                        created_at_column(account),
                    ],
                )
                .map_err(database(operation))?;
            Ok(())
        })
    }

    fn replace(&mut self, account: &Account) -> Result<(), AccountError> {
        check_account(account)?;
        self.write("replacing an account", |transaction| {
            check_unique(transaction, account)?;
            let (role, member_id) = role_column(&account.role);
            let changed = transaction
                .execute(
                    "UPDATE accounts SET display_name = ?2, role = ?3, member_id = ?4, \
                     password_hash = ?5, pin_hash = ?6, login_code_digest = ?7, created_at_ms = ?8 \
                     WHERE username = ?1",
                    params![
                        account.username.as_str(),
                        account.display_name,
                        role,
                        member_id,
                        account.password_hash,
                        account.pin_hash,
                        account.login_code_digest,
                        created_at_column(account),
                    ],
                )
                .map_err(database("replacing an account"))?;
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
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT {COLUMNS} FROM accounts ORDER BY username LIMIT ?1"
            ))
            .map_err(database(operation))?;
        let limit = i64::try_from(MAX_ACCOUNTS).expect("MAX_ACCOUNTS fits an i64");
        let rows = statement
            .query_map(params![limit], read_account)
            .map_err(database(operation))?;
        let mut accounts = Vec::new();
        for row in rows {
            accounts.push(row.map_err(database(operation))??);
        }
        Ok(accounts)
    }

    fn delete(&mut self, username: &Username) -> Result<bool, AccountError> {
        self.write("deleting an account", |transaction| {
            let deleted = transaction
                .execute(
                    "DELETE FROM accounts WHERE username = ?1",
                    params![username.as_str()],
                )
                .map_err(database("deleting an account"))?;
            assert!(deleted <= 1, "username is the primary key");
            Ok(deleted == 1)
        })
    }

    fn count(&self) -> Result<usize, AccountError> {
        let count: i64 = self
            .connection
            .query_row("SELECT count(*) FROM accounts", [], |row| row.get(0))
            .map_err(database("counting accounts"))?;
        usize::try_from(count).map_err(|_| AccountError::Corrupt {
            reason: format!("negative account count {count}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::run_account_store_contract;

    #[test]
    fn passes_the_contract_in_memory() {
        run_account_store_contract(|| SqliteAccountStore::in_memory().unwrap());
    }

    #[test]
    fn passes_the_contract_in_a_file() {
        let directory = tempfile::tempdir().unwrap();
        let counter = std::cell::Cell::new(0);
        run_account_store_contract(|| {
            counter.set(counter.get() + 1);
            let path = directory
                .path()
                .join(format!("accounts-{}.db", counter.get()));
            SqliteAccountStore::open(path).unwrap()
        });
    }

    fn clerk(name: &str) -> Account {
        Account::new(
            Username::new(name).unwrap(),
            format!("Clerk {name}"),
            AccountRole::Clerk,
            1_578_230_700_000,
        )
        .unwrap()
    }

    #[test]
    fn accounts_survive_reopening() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("hemicycle.db");
        let mut member = Account::new(
            Username::new("hassan").unwrap(),
            "Hassan",
            AccountRole::Member(MemberId::new("sairoon-12").unwrap()),
            7,
        )
        .unwrap();
        member.login_code_digest = Some("0f".repeat(32));
        member.pin_hash = Some("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA".to_owned());
        {
            let mut store = SqliteAccountStore::open(&path).unwrap();
            store.create(&clerk("amina")).unwrap();
            store.create(&member).unwrap();
            store.create(&clerk("zaid")).unwrap();
            assert!(store.delete(&Username::new("zaid").unwrap()).unwrap());
        }
        let store = SqliteAccountStore::open(&path).unwrap();
        assert_eq!(store.list().unwrap(), vec![clerk("amina"), member.clone()]);
        assert_eq!(
            store.find_by_login_code_digest(&"0f".repeat(32)).unwrap(),
            Some(member)
        );
    }

    #[test]
    fn shares_a_file_with_the_journal_when_opened_after_it() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("hemicycle.db");
        // Stand-in for the journal's tables (this crate does not depend on the journal):
        // another owner's tables in the file are left alone.
        {
            let connection = Connection::open(&path).unwrap();
            connection
                .execute_batch(
                    "CREATE TABLE journal_meta (key TEXT PRIMARY KEY, value TEXT);
                     CREATE TABLE events (sequence INTEGER PRIMARY KEY);
                     INSERT INTO events VALUES (1);",
                )
                .unwrap();
        }
        let mut store = SqliteAccountStore::open(&path).unwrap();
        store.create(&clerk("amina")).unwrap();
        drop(store);
        let connection = Connection::open(&path).unwrap();
        let tables: Vec<String> = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            tables,
            ["accounts", "accounts_meta", "events", "journal_meta"]
        );
        let events: i64 = connection
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
            .unwrap();
        assert_eq!(events, 1);
    }

    #[test]
    fn refuses_an_unknown_format_version() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("hemicycle.db");
        drop(SqliteAccountStore::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .execute(
                "UPDATE accounts_meta SET value = '99' WHERE key = 'format_version'",
                [],
            )
            .unwrap();
        assert!(matches!(
            SqliteAccountStore::open(&path),
            Err(AccountError::UnknownFormatVersion { found, supported: 1 }) if found == "99"
        ));
    }

    #[test]
    fn a_corrupt_row_is_reported_not_trusted() {
        let mut store = SqliteAccountStore::in_memory().unwrap();
        store.create(&clerk("amina")).unwrap();
        store
            .connection
            .execute(
                "UPDATE accounts SET username = 'Not Valid' WHERE username = 'amina'",
                [],
            )
            .unwrap();
        assert!(matches!(store.list(), Err(AccountError::Corrupt { .. })));
        store
            .connection
            .execute(
                "UPDATE accounts SET username = 'amina', display_name = '' WHERE username = 'Not Valid'",
                [],
            )
            .unwrap();
        assert!(matches!(
            store.find(&Username::new("amina").unwrap()),
            Err(AccountError::Corrupt { .. })
        ));
    }

    #[test]
    fn holds_at_most_max_accounts() {
        let mut store = SqliteAccountStore::in_memory().unwrap();
        // Filled in one statement: creating them one by one would take minutes.
        store
            .connection
            .execute(
                &format!(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
                     INSERT INTO accounts ({COLUMNS}) \
                     SELECT 'clerk-' || i, 'Clerk', 'clerk', NULL, NULL, NULL, NULL, 0 FROM n"
                ),
                params![i64::try_from(MAX_ACCOUNTS).unwrap()],
            )
            .unwrap();
        assert_eq!(store.count().unwrap(), MAX_ACCOUNTS);
        assert!(matches!(
            store.create(&clerk("one-more")),
            Err(AccountError::TooManyAccounts)
        ));
        assert_eq!(store.list().unwrap().len(), MAX_ACCOUNTS);
        assert!(store.delete(&Username::new("clerk-1").unwrap()).unwrap());
        store.create(&clerk("one-more")).unwrap();
    }

    #[test]
    fn the_table_refuses_what_the_store_would() {
        let store = SqliteAccountStore::in_memory().unwrap();
        // A member id for a clerk, a member without one, an unknown role.
        for values in [
            "('a', 'A', 'clerk', 'm', NULL, NULL, NULL, 0)",
            "('a', 'A', 'member', NULL, NULL, NULL, NULL, 0)",
            "('a', 'A', 'king', NULL, NULL, NULL, NULL, 0)",
            "('a', 'A', 'clerk', NULL, NULL, NULL, 'short', 0)",
        ] {
            assert!(
                store
                    .connection
                    .execute(
                        &format!("INSERT INTO accounts ({COLUMNS}) VALUES {values}"),
                        []
                    )
                    .is_err(),
                "{values}"
            );
        }
    }
}
