//! Journal behaviour: chaining, atomic batches, conflicts, replay, reopening
//! and the format version check.

mod common;

use common::{event, fill, tamper_connection, TempSqlite};
use hemicycle_journal::limits::{MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_PAYLOAD_BYTES};
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{
    open, verify, ChainProblem, Envelope, EventError, Hash, Head, Journal, JournalError, NewEvent,
    ReplayError, Storage, StorageError, StoredRecord,
};
use rusqlite::{params, Connection};

fn memory_journal() -> Journal<SqliteStorage> {
    Journal::open(SqliteStorage::open_in_memory().unwrap()).unwrap()
}

fn replay_all<S: Storage>(journal: &Journal<S>, from: u64) -> Result<Vec<Envelope>, JournalError> {
    journal.events_from(from)?.collect()
}

#[test]
fn events_are_numbered_and_chained() {
    let mut journal = memory_journal();
    assert_eq!(journal.head(), None);
    assert!(journal.is_empty());
    let first = journal.append(vec![event(1), event(2), event(3)]).unwrap();
    let second = journal.append(vec![event(4), event(5)]).unwrap();
    let all: Vec<Envelope> = first.into_iter().chain(second).collect();

    let mut previous = Hash::ZERO;
    for (index, envelope) in all.iter().enumerate() {
        assert_eq!(envelope.sequence, index as u64 + 1);
        assert_eq!(envelope.previous_hash, previous);
        assert_eq!(envelope.hash, Hash::of(&envelope.canonical_bytes()));
        assert_eq!(envelope.payload, event(index as u64 + 1).payload);
        previous = envelope.hash;
    }
    let head = Head {
        sequence: 5,
        hash: previous,
    };
    assert_eq!(journal.head(), Some(head));
    assert_eq!(journal.len(), 5);
    assert_eq!(journal.storage().head().unwrap(), Some(head));
    let stored = journal.storage().read(1, 10).unwrap();
    for (record, envelope) in stored.iter().zip(&all) {
        assert_eq!(record.canonical_bytes, envelope.canonical_bytes());
        assert_eq!(record.hash, envelope.hash);
    }
    assert_eq!(replay_all(&journal, 1).unwrap(), all);
}

#[test]
fn a_batch_with_one_invalid_event_appends_nothing() {
    let mut journal = memory_journal();
    journal.append(vec![event(1)]).unwrap();
    let head = journal.head();

    let mut bad = event(3);
    bad.payload = b"{\"a\": 1}".to_vec();
    let error = journal.append(vec![event(2), bad, event(4)]).unwrap_err();
    assert!(
        matches!(
            error,
            JournalError::InvalidEvent {
                index: 1,
                source: EventError::PayloadNotCompact { .. }
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("event 1 of the batch"),
        "{error}"
    );

    let mut bad_actor = event(2);
    bad_actor.actor = String::new();
    assert!(matches!(
        journal.append(vec![bad_actor]),
        Err(JournalError::InvalidEvent {
            index: 0,
            source: EventError::ActorEmpty
        })
    ));

    assert_eq!(journal.head(), head);
    assert_eq!(journal.storage().len().unwrap(), 1);
    let appended = journal.append(vec![event(2)]).unwrap();
    assert_eq!(appended[0].sequence, 2);
    assert_eq!(verify(journal.storage()).unwrap().events, 2);
}

#[test]
fn an_empty_batch_appends_nothing() {
    let mut journal = memory_journal();
    assert_eq!(journal.append(vec![]).unwrap(), vec![]);
    assert!(journal.is_empty());
}

#[test]
fn oversized_batches_are_refused() {
    let mut journal = memory_journal();
    let too_many = (1..=MAX_BATCH_EVENTS as u64 + 1).map(event).collect();
    assert!(matches!(
        journal.append(too_many),
        Err(JournalError::BatchTooLarge { .. })
    ));
    let filler = "x".repeat(MAX_PAYLOAD_BYTES - 8);
    let big = NewEvent {
        payload: format!("{{\"a\":\"{filler}\"}}").into_bytes(),
        ..event(1)
    };
    assert!(matches!(
        journal.append(vec![big.clone(); MAX_BATCH_BYTES / MAX_PAYLOAD_BYTES + 1]),
        Err(JournalError::BatchTooManyBytes { .. })
    ));
    assert!(journal.storage().is_empty().unwrap());
    journal.append(vec![big; 2]).unwrap();
    assert_eq!(journal.len(), 2);
}

#[test]
fn storage_refuses_a_batch_that_does_not_start_after_the_head() {
    let mut journal = memory_journal();
    fill(&mut journal, 3, 3);
    let mut storage = journal.into_storage();
    let envelope = Envelope::new(7, Hash::ZERO, event(7)).unwrap();
    let record = StoredRecord {
        sequence: 7,
        canonical_bytes: envelope.canonical_bytes(),
        hash: envelope.hash,
    };
    let error = storage.append(&[record]).unwrap_err();
    assert!(
        matches!(
            error,
            StorageError::Conflict {
                expected: 4,
                found: 7
            }
        ),
        "{error:?}"
    );
    assert_eq!(storage.len().unwrap(), 3);
}

#[test]
fn two_writers_on_one_file_conflict_and_the_loser_can_retry() {
    let file = TempSqlite::new();
    let mut first = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
    let mut second = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
    first.append(vec![event(1), event(2)]).unwrap();

    // `second` still believes the journal is empty.
    let error = second.append(vec![event(100)]).unwrap_err();
    assert!(error.is_conflict(), "{error:?}");
    assert!(matches!(
        error,
        JournalError::Storage(StorageError::Conflict {
            expected: 3,
            found: 1
        })
    ));
    // Its head did not move: it catches up (visiting the winner's events,
    // which a chamber folds into its state), then a retry chains onto them.
    assert_eq!(second.head(), None);
    let mut caught = Vec::new();
    let visited = second
        .catch_up(|envelope| {
            caught.push(envelope.sequence);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap();
    assert_eq!(visited, 2);
    assert_eq!(caught, vec![1, 2]);
    assert_eq!(second.head(), first.head());
    let retried = second.append(vec![event(100)]).unwrap();
    assert_eq!(retried[0].sequence, 3);
    assert_eq!(retried[0].previous_hash, first.head().unwrap().hash);
    assert_eq!(verify(&file.storage).unwrap().events, 3);
}

#[test]
fn replay_visits_every_event_in_order_across_pages() {
    let mut journal = memory_journal();
    fill(&mut journal, 600, 250);
    let mut sequences = Vec::new();
    let visited = journal
        .replay(1, |envelope| {
            sequences.push(envelope.sequence);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap();
    assert_eq!(visited, 600);
    assert_eq!(sequences, (1..=600).collect::<Vec<_>>());
    assert_eq!(verify(journal.storage()).unwrap().events, 600);
}

#[test]
fn replay_from_the_middle_and_the_edges() {
    let mut journal = memory_journal();
    fill(&mut journal, 10, 4);
    let tail = replay_all(&journal, 7).unwrap();
    assert_eq!(
        tail.iter()
            .map(|envelope| envelope.sequence)
            .collect::<Vec<_>>(),
        vec![7, 8, 9, 10]
    );
    assert_eq!(replay_all(&journal, 10).unwrap().len(), 1);
    assert_eq!(replay_all(&journal, 11).unwrap(), vec![]);
    assert!(matches!(
        replay_all(&journal, 12),
        Err(JournalError::ReplayBeyondEnd { from: 12, last: 10 })
    ));
    assert!(matches!(
        replay_all(&journal, 0),
        Err(JournalError::ReplayFromZero)
    ));
    assert_eq!(replay_all(&memory_journal(), 1).unwrap(), vec![]);
}

#[test]
fn a_visitor_error_stops_the_replay() {
    let mut journal = memory_journal();
    fill(&mut journal, 5, 5);
    let mut seen = 0;
    let result = journal.replay(1, |envelope| {
        seen += 1;
        if envelope.sequence == 3 {
            Err("stop here")
        } else {
            Ok(())
        }
    });
    assert!(matches!(result, Err(ReplayError::Visitor("stop here"))));
    assert_eq!(seen, 3);
}

#[test]
fn replay_notices_events_removed_from_the_end() {
    let file = TempSqlite::new();
    let mut journal = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
    fill(&mut journal, 6, 6);
    tamper_connection(&file.path)
        .execute("DELETE FROM events WHERE sequence >= 5", [])
        .unwrap();
    let error = replay_all(&journal, 1).unwrap_err();
    match error {
        JournalError::Broken(chain_break) => {
            assert_eq!(chain_break.sequence, 5);
            assert_eq!(chain_break.problem, ChainProblem::MissingFromEnd);
            assert_eq!(
                chain_break.to_string(),
                "expected event 5, found the end of the journal (events removed from the end)"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn reopening_a_file_gives_the_same_head_and_continues_the_chain() {
    let file = TempSqlite::new();
    let head = {
        let mut journal = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
        fill(&mut journal, 12, 5);
        journal.head().unwrap()
    };
    let mut reopened = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
    assert_eq!(reopened.head(), Some(head));
    assert_eq!(reopened.len(), 12);
    let next = reopened.append(vec![event(13)]).unwrap();
    assert_eq!(next[0].sequence, 13);
    assert_eq!(next[0].previous_hash, head.hash);
    let url = format!("sqlite://{}", file.path.display());
    assert_eq!(verify(open(&url).unwrap().as_ref()).unwrap().events, 13);
}

#[test]
fn opening_by_url() {
    let mut journal = Journal::open(open("sqlite::memory:").unwrap()).unwrap();
    journal.append(vec![event(1)]).unwrap();
    assert_eq!(journal.len(), 1);

    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("by-url.db");
    assert!(!path.exists());
    let storage = open(&format!("sqlite://{}", path.display())).unwrap();
    assert!(path.exists());
    assert!(storage.is_empty().unwrap());

    let error = open("mysql://clerk@localhost/hemicycle").err().unwrap();
    assert!(
        matches!(&error, StorageError::UnsupportedBackend { scheme } if scheme == "mysql"),
        "{error:?}"
    );
    assert!(error.to_string().contains("\"mysql\""), "{error}");
}

fn set_meta(path: &std::path::Path, sql: &str, value: &str) {
    Connection::open(path)
        .unwrap()
        .execute(sql, params![value])
        .unwrap();
}

#[test]
fn an_unknown_format_version_is_refused() {
    let file = TempSqlite::new();
    set_meta(
        &file.path,
        "UPDATE journal_meta SET value = ?1 WHERE key = 'format_version'",
        "3",
    );
    let error = SqliteStorage::open(&file.path).unwrap_err();
    assert!(
        matches!(
            &error,
            StorageError::UnknownFormatVersion { found, supported: 2 } if found == "3"
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("format version \"3\""),
        "{error}"
    );
}

#[test]
fn a_missing_format_version_is_refused() {
    let file = TempSqlite::new();
    set_meta(
        &file.path,
        "DELETE FROM journal_meta WHERE key = ?1",
        "format_version",
    );
    assert!(matches!(
        SqliteStorage::open(&file.path),
        Err(StorageError::NotAJournal { .. })
    ));
}

#[test]
fn a_database_of_something_else_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("other.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE members (id INTEGER PRIMARY KEY);")
        .unwrap();
    let error = SqliteStorage::open(&path).unwrap_err();
    assert!(
        matches!(error, StorageError::NotAJournal { .. }),
        "{error:?}"
    );

    let garbage = directory.path().join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 4096]).unwrap();
    assert!(matches!(
        SqliteStorage::open(&garbage),
        Err(StorageError::Open { .. })
    ));
}

#[test]
fn opening_refuses_to_chain_onto_a_tampered_head() {
    let file = TempSqlite::new();
    {
        let mut journal = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
        fill(&mut journal, 4, 4);
    }
    tamper_connection(&file.path)
        .execute(
            "UPDATE events SET hash = zeroblob(32) WHERE sequence = 4",
            [],
        )
        .unwrap();
    match Journal::open(SqliteStorage::open(&file.path).unwrap()) {
        Err(JournalError::Broken(chain_break)) => {
            assert_eq!(chain_break.sequence, 4);
            assert_eq!(chain_break.problem, ChainProblem::Altered);
        }
        other => panic!("unexpected {:?}", other.err()),
    }
}
