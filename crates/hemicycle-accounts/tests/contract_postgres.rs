//! The account store contract, and what only a shared database can show, against a real
//! PostgreSQL server.
//!
//! The server is at `HEMICYCLE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). Each test works in a fresh schema of its
//! own, `hemicycle_test_<random>`, selected through the URL's `search_path` option and
//! dropped afterwards. When the server cannot be reached, the tests say so on standard
//! error and pass, unless `CI=true` or `HEMICYCLE_REQUIRE_POSTGRES=1`, when they fail.

use std::cell::RefCell;
use std::sync::Barrier;

use hemicycle_accounts::contract::run_account_store_contract;
use hemicycle_accounts::{
    issue_member_login, open_account_store, sign_in_with_login_code, Account, AccountError,
    AccountRole, AccountStore, Argon2Cost, CredentialHasher, PostgresAccountStore, PostgresError,
    Username, MAX_ACCOUNTS, POSTGRES_FORMAT_VERSION,
};
use hemicycle_core::ids::MemberId;
use postgres::{Client, NoTls};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server's URL, without a schema.
fn server_url() -> String {
    std::env::var("HEMICYCLE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

fn postgres_required() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
        || std::env::var("HEMICYCLE_REQUIRE_POSTGRES").is_ok_and(|value| value == "1")
}

/// `url` with one more query parameter.
fn with_parameter(url: &str, parameter: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{parameter}")
}

/// A fresh schema, dropped with everything in it when the guard is dropped.
struct TestSchema {
    server_url: String,
    name: String,
}

impl TestSchema {
    /// A new schema, or `None` (after saying why) when the server cannot be reached and
    /// is not required.
    fn create() -> Option<TestSchema> {
        let server_url = server_url();
        let mut client = match Client::connect(&server_url, NoTls) {
            Ok(client) => client,
            Err(error) => {
                let reason = describe(&error);
                if postgres_required() {
                    panic!("PostgreSQL is required (CI or HEMICYCLE_REQUIRE_POSTGRES) but cannot connect to {server_url}: {reason}");
                }
                eprintln!("PostgreSQL suite NOT RUN: cannot connect to {server_url}: {reason}");
                return None;
            }
        };
        let mut random = [0_u8; 8];
        getrandom::fill(&mut random).expect("the operating system gives random bytes");
        let name = format!("hemicycle_test_{}", hex::encode(random));
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap_or_else(|error| panic!("creating schema {name}: {}", describe(&error)));
        Some(TestSchema { server_url, name })
    }

    /// The URL of a store in this schema.
    fn url(&self) -> String {
        with_parameter(
            &self.server_url,
            &format!("options=-csearch_path%3D{}", self.name),
        )
    }

    /// The URL of a store in this schema whose connections carry `application_name`.
    fn url_named(&self, application_name: &str) -> String {
        with_parameter(&self.url(), &format!("application_name={application_name}"))
    }

    fn open(&self) -> PostgresAccountStore {
        PostgresAccountStore::open(&self.url())
            .unwrap_or_else(|error| panic!("opening a store in {}: {error}", self.name))
    }

    /// A plain connection to the schema, to look behind the store's back.
    fn client(&self) -> Client {
        Client::connect(&self.url(), NoTls)
            .unwrap_or_else(|error| panic!("connecting to {}: {}", self.name, describe(&error)))
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let dropped = Client::connect(&self.server_url, NoTls).and_then(|mut client| {
            client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name))
        });
        if let Err(error) = dropped {
            eprintln!(
                "could not drop test schema {}: {}",
                self.name,
                describe(&error)
            );
        }
    }
}

/// A `postgres::Error` with its causes (its own message leaves them out).
fn describe(error: &postgres::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        text.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    text
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

fn member(name: &str, member: &str) -> Account {
    Account::new(
        Username::new(name).unwrap(),
        format!("Member {name}"),
        AccountRole::Member(MemberId::new(member).unwrap()),
        1_578_230_700_000,
    )
    .unwrap()
}

/// The names of the tables in the schema, sorted.
fn tables(client: &mut Client, schema: &str) -> Vec<String> {
    client
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = $1 ORDER BY table_name",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[test]
fn passes_the_contract() {
    if TestSchema::create().is_none() {
        return;
    }
    // Each check gets a store in a schema of its own; all are dropped at the end, or
    // while unwinding from a failed check.
    let schemas = RefCell::new(Vec::new());
    run_account_store_contract(|| {
        let schema = TestSchema::create().expect("the server answered a moment ago");
        let store = schema.open();
        schemas.borrow_mut().push(schema);
        store
    });
    assert_eq!(schemas.borrow().len(), 10, "one schema per contract check");
}

#[test]
fn two_handles_on_one_schema_see_each_others_writes() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let hasher = CredentialHasher::new(Argon2Cost::FAST_FOR_TESTS).unwrap();
    let mut first = schema.open();
    let mut second = schema.open();

    // An account added through one signs in through the other.
    let (hassan, login) = issue_member_login(&hasher, &member("hassan", "sairoon-12")).unwrap();
    first.create(&hassan).unwrap();
    let signed_in = sign_in_with_login_code(&second, &hasher, &login.login_code, &login.pin)
        .unwrap()
        .expect("the login issued through the first handle signs in through the second");
    assert_eq!(signed_in.actor().to_string(), "member:sairoon-12");

    // A reissue through the second replaces the code the first finds.
    let (hassan, reissued) = issue_member_login(&hasher, &hassan).unwrap();
    second.replace(&hassan).unwrap();
    assert_eq!(
        sign_in_with_login_code(&first, &hasher, &login.login_code, &login.pin).unwrap(),
        None
    );
    assert!(
        sign_in_with_login_code(&first, &hasher, &reissued.login_code, &reissued.pin)
            .unwrap()
            .is_some()
    );

    // Uniqueness holds across handles, and a delete through one is seen by the other.
    assert!(matches!(
        second.create(&member("hassan2", "sairoon-12")),
        Err(AccountError::MemberHasAccount { username, .. }) if username.as_str() == "hassan"
    ));
    second.create(&clerk("amina")).unwrap();
    assert!(matches!(
        first.create(&clerk("amina")),
        Err(AccountError::UsernameTaken(_))
    ));
    assert!(first.delete(&Username::new("amina").unwrap()).unwrap());
    assert_eq!(second.find(&Username::new("amina").unwrap()).unwrap(), None);
    assert_eq!(first.list().unwrap(), second.list().unwrap());
    assert_eq!(second.count().unwrap(), 1);
}

#[test]
fn concurrent_writers_on_one_schema_keep_a_member_to_one_account() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    const WRITERS: usize = 4;
    let mut stores: Vec<PostgresAccountStore> = (0..WRITERS).map(|_| schema.open()).collect();
    let start = Barrier::new(WRITERS);
    let results: Vec<Result<(), AccountError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = stores
            .iter_mut()
            .enumerate()
            .map(|(index, store)| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    store.create(&member(&format!("claimant-{index}"), "sairoon-1"))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    let created = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(created, 1, "{results:?}");
    for result in &results {
        assert!(
            matches!(result, Ok(()) | Err(AccountError::MemberHasAccount { .. })),
            "{result:?}"
        );
    }
    assert_eq!(stores[0].count().unwrap(), 1);
}

#[test]
fn migrations_run_once_and_leave_other_tables_alone() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let mut client = schema.client();
    // Stand-in for the journal's tables in the same schema.
    client
        .batch_execute(
            "CREATE TABLE journal_meta (key TEXT PRIMARY KEY, value TEXT);
             CREATE TABLE events (sequence BIGINT PRIMARY KEY);
             INSERT INTO events VALUES (1);",
        )
        .unwrap();

    // Nodes starting together: each opens, one migrates, none fails.
    const NODES: usize = 4;
    let start = Barrier::new(NODES);
    let stores: Vec<PostgresAccountStore> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..NODES)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    schema.open()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    let mut store = stores.into_iter().next().unwrap();
    store.create(&clerk("amina")).unwrap();
    drop(store);
    let reopened = schema.open();
    assert_eq!(reopened.list().unwrap(), vec![clerk("amina")]);

    assert_eq!(
        tables(&mut client, &schema.name),
        ["accounts", "accounts_migrations", "events", "journal_meta"]
    );
    let versions: Vec<i32> = client
        .query(
            "SELECT version FROM accounts_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let expected: Vec<i32> = (1..=i32::try_from(POSTGRES_FORMAT_VERSION).unwrap()).collect();
    assert_eq!(versions, expected);
    let events: i64 = client
        .query_one("SELECT count(*) FROM events", &[])
        .unwrap()
        .get(0);
    assert_eq!(events, 1);
}

#[test]
fn a_schema_from_a_newer_build_is_refused() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    drop(schema.open());
    let newer = i32::try_from(POSTGRES_FORMAT_VERSION + 1).unwrap();
    schema
        .client()
        .execute(
            "INSERT INTO accounts_migrations (version, description) VALUES ($1, 'from the future')",
            &[&newer],
        )
        .unwrap();
    let refused = PostgresAccountStore::open(&schema.url());
    assert!(
        matches!(
            &refused,
            Err(AccountError::UnknownFormatVersion { found, supported })
                if *found == newer.to_string() && *supported == POSTGRES_FORMAT_VERSION
        ),
        "{refused:?}"
    );
}

#[test]
fn a_lost_connection_is_reported_then_reopened() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let application_name = format!("{}_store", schema.name);
    let mut store = PostgresAccountStore::open(&schema.url_named(&application_name)).unwrap();
    store.create(&clerk("amina")).unwrap();

    // The server ends the store's session, as a restart or a failover would.
    let mut admin = schema.client();
    // In the select list, so that only the filtered rows are terminated (a condition's
    // parts may be evaluated in any order).
    let terminated: Vec<bool> = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&application_name],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(terminated, [true], "the store holds one connection");
    // Termination is asynchronous: wait (a bounded number of times) until it is done.
    let mut gone = false;
    for _ in 0..500 {
        let remaining: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&application_name],
            )
            .unwrap()
            .get(0);
        if remaining == 0 {
            gone = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(gone, "the server did not end the session");

    let lost = store.find(&Username::new("amina").unwrap());
    let Err(error) = lost else {
        panic!("a call on a terminated connection succeeded: {lost:?}");
    };
    assert!(
        matches!(
            &error,
            AccountError::Postgres(PostgresError::ConnectionLost { .. })
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("lost the connection to the account database while finding an account (the next call connects again): "),
        "{message}"
    );
    // The next calls connect again, reads and writes alike.
    assert_eq!(
        store.find(&Username::new("amina").unwrap()).unwrap(),
        Some(clerk("amina"))
    );
    store.create(&clerk("zaid")).unwrap();
    assert_eq!(store.count().unwrap(), 2);
}

#[test]
fn a_store_called_and_dropped_inside_an_async_runtime_does_not_panic() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let url = schema.url();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // As the web server would if it called the store from a request handler.
    let listed = runtime.block_on(async move {
        let mut store = open_account_store(&url).unwrap();
        store.create(&clerk("amina")).unwrap();
        let listed = store.list().unwrap();
        drop(store);
        listed
    });
    assert_eq!(listed, vec![clerk("amina")]);
}

#[test]
fn holds_at_most_max_accounts() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let mut store = schema.open();
    // Filled in one statement: creating them one by one would take minutes.
    let limit = i64::try_from(MAX_ACCOUNTS).unwrap();
    schema
        .client()
        .execute(
            "INSERT INTO accounts (username, display_name, role, created_at_ms) \
             SELECT 'clerk-' || i, 'Clerk', 'clerk', 0 FROM generate_series(1, $1::bigint) AS i",
            &[&limit],
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
    assert_eq!(store.count().unwrap(), MAX_ACCOUNTS);
}

#[test]
fn a_corrupt_row_is_reported_not_trusted() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let mut store = schema.open();
    store.create(&clerk("amina")).unwrap();
    let mut client = schema.client();
    client
        .execute(
            "UPDATE accounts SET username = 'Not Valid' WHERE username = 'amina'",
            &[],
        )
        .unwrap();
    let listed = store.list();
    assert!(
        matches!(&listed, Err(AccountError::Corrupt { reason }) if reason.contains("Not Valid")),
        "{listed:?}"
    );
    client
        .execute(
            "UPDATE accounts SET username = 'amina', display_name = '' WHERE username = 'Not Valid'",
            &[],
        )
        .unwrap();
    assert!(matches!(
        store.find(&Username::new("amina").unwrap()),
        Err(AccountError::Corrupt { .. })
    ));
}

#[test]
fn the_table_refuses_what_the_store_would() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    drop(schema.open());
    let mut client = schema.client();
    // A member id for a clerk, a member without one, an unknown role, a short digest,
    // a negative creation time.
    for values in [
        "('a', 'A', 'clerk', 'm', NULL, NULL, NULL, 0)",
        "('a', 'A', 'member', NULL, NULL, NULL, NULL, 0)",
        "('a', 'A', 'king', NULL, NULL, NULL, NULL, 0)",
        "('a', 'A', 'clerk', NULL, NULL, NULL, 'short', 0)",
        "('a', 'A', 'clerk', NULL, NULL, NULL, NULL, -1)",
    ] {
        let inserted = client.execute(
            &format!(
                "INSERT INTO accounts (username, display_name, role, member_id, password_hash, \
                 pin_hash, login_code_digest, created_at_ms) VALUES {values}"
            ),
            &[],
        );
        assert!(inserted.is_err(), "{values}");
    }
}

#[test]
fn a_schema_that_does_not_exist_is_a_clear_error() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let url = with_parameter(
        &schema.server_url,
        &format!("options=-csearch_path%3D{}_missing", schema.name),
    );
    let refused = PostgresAccountStore::open(&url);
    let Err(error) = refused else {
        panic!("a store opened in a schema that does not exist");
    };
    let message = error.to_string();
    assert!(
        message.contains("no schema has been selected to create in"),
        "{message}"
    );
}
