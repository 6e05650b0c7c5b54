//! `hemicycle migrate`: a journal copied SQLite → PostgreSQL → SQLite comes
//! back byte for byte (events, Merkle tree, signed checkpoints) and verifies;
//! a non-empty destination and a tampered source are refused.
//!
//! The PostgreSQL round trip needs a server (see the journal crate's
//! `tests/common/postgres.rs`: without one it prints "PostgreSQL suite NOT
//! RUN" and passes, unless `CI=true` or `HEMICYCLE_REQUIRE_POSTGRES=1`).

mod common;

#[path = "../../hemicycle-journal/tests/common/postgres.rs"]
mod postgres_server;

use std::path::Path;

use common::{drop_event_triggers, hemicycle, text};
use postgres_server::TestSchema;
use rusqlite::{params, Connection};

const DEMO_URL: &str = "sqlite://hemicycle-demo.db";

fn succeed(directory: &Path, arguments: &[&str]) -> String {
    let output = hemicycle(directory, arguments);
    assert!(
        output.status.success(),
        "{arguments:?}: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn fail(directory: &Path, arguments: &[&str]) -> String {
    let output = hemicycle(directory, arguments);
    assert!(
        !output.status.success(),
        "{arguments:?} succeeded: {}",
        text(&output.stdout)
    );
    text(&output.stderr)
}

/// A directory holding the demo's journal (signed checkpoints included).
fn demo() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    succeed(directory.path(), &["demo", "-o", "record.txt"]);
    directory
}

type Events = Vec<(i64, Vec<u8>, Vec<u8>)>;
type Subtrees = Vec<(i64, i64, Vec<u8>)>;
type Checkpoints = Vec<(i64, Vec<u8>, String)>;

/// Every stored row of a SQLite journal, read directly: events, the
/// Merkle tree's subtrees and the checkpoints.
fn stored_rows(path: &Path) -> (Events, Subtrees, Checkpoints) {
    let connection = Connection::open(path).unwrap();
    let events = connection
        .prepare("SELECT sequence, canonical_bytes, hash FROM events ORDER BY sequence")
        .unwrap()
        .query_map(params![], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<Events, _>>()
        .unwrap();
    let tree = connection
        .prepare("SELECT level, node_index, hash FROM tree_hashes ORDER BY level, node_index")
        .unwrap()
        .query_map(params![], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<Subtrees, _>>()
        .unwrap();
    let checkpoints = connection
        .prepare("SELECT tree_size, root_hash, note FROM checkpoints ORDER BY tree_size")
        .unwrap()
        .query_map(params![], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<Checkpoints, _>>()
        .unwrap();
    (events, tree, checkpoints)
}

/// The numbers in "Copied N events and K checkpoints from …".
fn copied_counts(summary: &str) -> (u64, u64) {
    let words: Vec<&str> = summary.split_whitespace().collect();
    assert_eq!(words[0], "Copied", "{summary}");
    (words[1].parse().unwrap(), words[4].parse().unwrap())
}

#[test]
fn a_journal_goes_to_postgres_and_back_byte_for_byte() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let directory = demo();
    let directory = directory.path();
    let postgres = schema.url();

    let summary = succeed(
        directory,
        &["migrate", "--from", DEMO_URL, "--to", postgres],
    );
    assert_eq!(summary.lines().count(), 1, "{summary}");
    let (events, checkpoints) = copied_counts(&summary);
    let (source_events, _, source_checkpoints) = stored_rows(&directory.join("hemicycle-demo.db"));
    assert_eq!(events, source_events.len() as u64);
    assert_eq!(checkpoints, source_checkpoints.len() as u64);
    assert!(checkpoints > 0, "the demo signs checkpoints");
    assert!(summary.contains("chain verified"), "{summary}");
    assert!(succeed(directory, &["verify", "--database", postgres]).contains("journal intact"));

    succeed(
        directory,
        &["migrate", "--from", postgres, "--to", "sqlite://copy.db"],
    );
    let verifier = succeed(directory, &["log", "key", "--database", DEMO_URL]);
    let output = succeed(
        directory,
        &[
            "verify",
            "--database",
            "sqlite://copy.db",
            "--key",
            verifier.trim(),
        ],
    );
    assert!(output.contains("journal intact"), "{output}");
    assert_eq!(
        stored_rows(&directory.join("copy.db")),
        stored_rows(&directory.join("hemicycle-demo.db"))
    );

    // Neither destination is written twice.
    for destination in [postgres, "sqlite://copy.db"] {
        let error = fail(
            directory,
            &["migrate", "--from", DEMO_URL, "--to", destination],
        );
        assert!(error.contains("is not empty"), "{error}");
    }
}

#[test]
fn a_copy_between_sqlite_files_is_identical() {
    let directory = demo();
    let directory = directory.path();
    let summary = succeed(
        directory,
        &["migrate", "--from", DEMO_URL, "--to", "sqlite://copy.db"],
    );
    assert!(summary.starts_with("Copied "), "{summary}");
    assert_eq!(
        stored_rows(&directory.join("copy.db")),
        stored_rows(&directory.join("hemicycle-demo.db"))
    );
    succeed(directory, &["verify", "--database", "sqlite://copy.db"]);
}

#[test]
fn a_tampered_source_is_not_copied() {
    let directory = demo();
    let directory = directory.path();
    let connection = Connection::open(directory.join("hemicycle-demo.db")).unwrap();
    drop_event_triggers(&connection);
    connection
        .execute(
            "UPDATE events SET canonical_bytes = CAST(replace(CAST(canonical_bytes AS TEXT), 'yes', 'no') AS BLOB) \
             WHERE sequence = (SELECT max(sequence) FROM events WHERE CAST(canonical_bytes AS TEXT) LIKE '%yes%')",
            params![],
        )
        .unwrap();
    let error = fail(
        directory,
        &["migrate", "--from", DEMO_URL, "--to", "sqlite://copy.db"],
    );
    assert!(error.contains("verifying the source journal"), "{error}");
    assert!(error.contains("NOT intact"), "{error}");
    assert!(!directory.join("copy.db").exists());
}

#[test]
fn a_missing_source_and_a_password_are_handled() {
    let directory = tempfile::tempdir().unwrap();
    let error = fail(
        directory.path(),
        &[
            "migrate",
            "--from",
            "sqlite://nowhere.db",
            "--to",
            "sqlite://copy.db",
        ],
    );
    assert!(error.contains("no journal at nowhere.db"), "{error}");
    let error = fail(
        directory.path(),
        &[
            "migrate",
            "--from",
            "postgres://clerk:hunter2@127.0.0.1:1/chamber?connect_timeout=5",
            "--to",
            "sqlite://copy.db",
        ],
    );
    assert!(
        error.contains("postgres://clerk:***@127.0.0.1:1/chamber"),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "{error}");
    // The cause is said once.
    assert_eq!(error.matches("Connection refused").count(), 1, "{error}");
    let error = fail(
        directory.path(),
        &[
            "migrate",
            "--from",
            "postgres://clerk:hunter2@db.example/chamber#fragment",
            "--to",
            "sqlite://copy.db",
        ],
    );
    assert!(error.contains("reading --from"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
}
