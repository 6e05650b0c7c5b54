//! Connect-or-skip for tests against a PostgreSQL server, each in a fresh
//! schema of its own that is dropped afterwards. Other crates' PostgreSQL
//! tests can copy this file as it is.
//!
//! The server comes from `HEMICYCLE_TEST_POSTGRES_URL` (default
//! [`DEFAULT_SERVER_URL`]). When it cannot be reached, a test prints one
//! line, "PostgreSQL suite NOT RUN: cannot connect to URL: REASON", and
//! passes, unless `CI=true` or `HEMICYCLE_REQUIRE_POSTGRES=1`, where it
//! fails with that reason.
//!
//! ```ignore
//! let Some(schema) = TestSchema::create() else { return };
//! let storage = PostgresStorage::connect(schema.url())?;
//! ```
#![allow(dead_code)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use postgres::{Client, Config, NoTls};

/// The server tests use when `HEMICYCLE_TEST_POSTGRES_URL` is not set.
pub const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// How long the reachability probe waits for the server.
const PROBE_TIMEOUT_MS: u64 = 5_000;

/// The server's URL, from the environment or the default.
pub fn server_url() -> String {
    std::env::var("HEMICYCLE_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned())
}

/// Whether a missing server must fail the tests rather than skip them.
pub fn postgres_required() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
        || std::env::var("HEMICYCLE_REQUIRE_POSTGRES").is_ok_and(|value| value == "1")
}

/// A URL for messages: the password, if any, hidden.
fn shown(url: &str) -> String {
    hemicycle_journal::postgres::PostgresUrl::parse(url)
        .map(|url| url.masked())
        .unwrap_or_else(|_| "(an unparsable URL)".to_owned())
}

/// Connects to the server for administration (creating and dropping
/// schemas, terminating sessions).
pub fn admin_client(url: &str) -> Result<Client, String> {
    let mut config = Config::from_str(url).map_err(|error| describe(&error))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_millis(PROBE_TIMEOUT_MS));
    }
    config.connect(NoTls).map_err(|error| describe(&error))
}

/// An error and its causes, on one line (the `postgres` crate's own
/// message names only the kind of failure).
pub fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(&format!(": {error}"));
        cause = error.source();
    }
    text
}

/// A new schema name nobody else uses: `hemicycle_test_` and 16 random hex
/// digits.
fn fresh_schema_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    hasher.write_u128(now.as_nanos());
    format!("hemicycle_test_{:016x}", hasher.finish())
}

/// `url` with a query parameter setting the search path to `schema`.
pub fn url_with_search_path(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-csearch_path%3D{schema}")
}

/// A schema created for one test and dropped (with everything in it) when
/// this guard goes, even if the test panics.
pub struct TestSchema {
    name: String,
    server_url: String,
    url: String,
    admin: Client,
}

impl TestSchema {
    /// Creates a fresh schema, or returns `None` (after printing why) when
    /// the server cannot be reached and is not required.
    pub fn create() -> Option<TestSchema> {
        let server_url = server_url();
        let mut admin = match admin_client(&server_url) {
            Ok(client) => client,
            Err(reason) => {
                let message = format!(
                    "PostgreSQL suite NOT RUN: cannot connect to {}: {reason}",
                    shown(&server_url)
                );
                if postgres_required() {
                    panic!("{message} (CI=true or HEMICYCLE_REQUIRE_POSTGRES=1 requires it)");
                }
                eprintln!("{message}");
                return None;
            }
        };
        let name = fresh_schema_name();
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap_or_else(|error| {
                panic!("creating the test schema {name}: {}", describe(&error))
            });
        let url = url_with_search_path(&server_url, &name);
        Some(TestSchema {
            name,
            server_url,
            url,
            admin,
        })
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A storage URL whose search path is this schema.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's URL, without the search path.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// A connection for administering the test (its search path is the
    /// server's default: qualify names with [`TestSchema::name`]).
    pub fn admin(&mut self) -> &mut Client {
        if self.admin.is_closed() {
            self.admin = admin_client(&self.server_url).expect("reconnect the admin connection");
        }
        &mut self.admin
    }

    /// Ends another session, as a server restart would, and waits until it
    /// is gone.
    pub fn terminate_session(&mut self, process_id: i32) {
        let terminated: bool = self
            .admin()
            .query_one("SELECT pg_terminate_backend($1)", &[&process_id])
            .expect("terminate a session")
            .get(0);
        assert!(terminated, "session {process_id} was not terminated");
        self.wait_for(process_id, "end", |state| state.is_none());
    }

    /// Waits until session `process_id` is blocked waiting for a lock.
    pub fn wait_until_blocked(&mut self, process_id: i32) {
        self.wait_for(process_id, "block on a lock", |state| {
            state.is_some_and(|wait_event_type| wait_event_type.as_deref() == Some("Lock"))
        });
    }

    /// Polls `pg_stat_activity` until `done` holds of the session's wait
    /// event type (`None`: no such session), for at most 30 seconds.
    fn wait_for(
        &mut self,
        process_id: i32,
        what: &str,
        done: impl Fn(Option<Option<String>>) -> bool,
    ) {
        let start = std::time::Instant::now();
        loop {
            let state: Option<Option<String>> = self
                .admin()
                .query_opt(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1",
                    &[&process_id],
                )
                .expect("read pg_stat_activity")
                .map(|row| row.get(0));
            if done(state) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "session {process_id} did not {what} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let statement = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        let dropped = match self.admin.is_closed() {
            false => self
                .admin
                .batch_execute(&statement)
                .map_err(|error| describe(&error)),
            true => admin_client(&self.server_url).and_then(|mut client| {
                client
                    .batch_execute(&statement)
                    .map_err(|error| describe(&error))
            }),
        };
        if let Err(error) = dropped {
            eprintln!("could not drop the test schema {}: {error}", self.name);
        }
    }
}
