//! Tampering with a real SQLite journal file, as someone holding the file
//! could: each change must be caught by `verify` (naming the first bad
//! event) and by replay.

mod common;

use common::{
    event, fill, overwrite_bytes, overwrite_consistently, overwrite_hash, stored_bytes,
    stored_hash, tamper_connection, TempSqlite,
};
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{
    verify, verify_against, ChainBreak, ChainProblem, Envelope, Hash, Journal, JournalError,
    NewEvent, Storage, VerifyError,
};
use proptest::prelude::*;
use rusqlite::{params, Connection};

/// A journal file with events 1..=`count` and the journal still open on it,
/// as a running server would have it while someone edits the file.
fn journal_file(count: u64) -> (TempSqlite, Journal<SqliteStorage>) {
    let file = TempSqlite::new();
    let mut journal = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
    fill(&mut journal, count, 4);
    assert_eq!(verify(&file.storage).unwrap().events, count);
    (file, journal)
}

fn first_break(file: &TempSqlite) -> ChainBreak {
    match verify(&file.storage) {
        Err(VerifyError::Broken(chain_break)) => chain_break,
        other => panic!("verify should report a break, got {other:?}"),
    }
}

/// Replay must fail too, at the same event.
fn assert_replay_fails_at(journal: &Journal<SqliteStorage>, sequence: u64) {
    let result: Result<Vec<Envelope>, JournalError> = journal.events_from(1).unwrap().collect();
    match result {
        Err(JournalError::Broken(chain_break)) => assert_eq!(chain_break.sequence, sequence),
        other => panic!("replay should fail at event {sequence}, got {other:?}"),
    }
}

/// Makes `bytes` (JSON text) say something else without changing length.
fn flip_aye_to_nay(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .replace("\"aye\"", "\"nay\"")
        .into_bytes()
}

#[test]
fn altering_a_payload_byte_is_caught() {
    let (file, journal) = journal_file(10);
    let connection = tamper_connection(&file.path);
    let altered = flip_aye_to_nay(&stored_bytes(&connection, 5));
    overwrite_bytes(&connection, 5, &altered);

    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 5);
    assert_eq!(chain_break.problem, ChainProblem::Altered);
    assert_eq!(
        chain_break.to_string(),
        "event 5: stored hash does not match its contents (altered)"
    );
    assert_replay_fails_at(&journal, 5);
}

#[test]
fn altering_a_payload_and_its_hash_is_caught_at_the_next_event() {
    let (file, journal) = journal_file(10);
    let connection = tamper_connection(&file.path);
    let altered = flip_aye_to_nay(&stored_bytes(&connection, 5));
    overwrite_consistently(&connection, 5, &altered);

    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 6);
    assert_eq!(chain_break.problem, ChainProblem::PreviousHashMismatch);
    assert!(
        chain_break
            .to_string()
            .starts_with("event 6: its previous_hash does not match event 5's hash"),
        "{chain_break}"
    );
    assert_replay_fails_at(&journal, 6);
}

#[test]
fn altering_a_stored_hash_is_caught() {
    let (file, journal) = journal_file(10);
    let connection = tamper_connection(&file.path);
    let mut hash = stored_hash(&connection, 4);
    hash[31] ^= 1;
    overwrite_hash(&connection, 4, &hash);

    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 4);
    assert_eq!(chain_break.problem, ChainProblem::Altered);
    assert_replay_fails_at(&journal, 4);
}

#[test]
fn deleting_a_row_is_caught() {
    let (file, journal) = journal_file(10);
    tamper_connection(&file.path)
        .execute("DELETE FROM events WHERE sequence = 6", [])
        .unwrap();

    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 6);
    assert_eq!(chain_break.problem, ChainProblem::SequenceGap { found: 7 });
    assert_eq!(
        chain_break.to_string(),
        "sequence gap: expected event 6, found 7 (events removed)"
    );
    assert_replay_fails_at(&journal, 6);
}

#[test]
fn deleting_the_first_rows_is_caught() {
    let (file, journal) = journal_file(10);
    tamper_connection(&file.path)
        .execute("DELETE FROM events WHERE sequence <= 2", [])
        .unwrap();
    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 1);
    assert_eq!(chain_break.problem, ChainProblem::SequenceGap { found: 3 });
    assert_replay_fails_at(&journal, 1);
}

#[test]
fn deleting_a_row_and_renumbering_the_rest_is_caught() {
    let (file, journal) = journal_file(10);
    let connection = tamper_connection(&file.path);
    connection
        .execute_batch(
            "DELETE FROM events WHERE sequence = 6;
             UPDATE events SET sequence = sequence + 1000 WHERE sequence > 6;
             UPDATE events SET sequence = sequence - 1001 WHERE sequence > 1000;",
        )
        .unwrap();
    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 6);
    assert_eq!(
        chain_break.problem,
        ChainProblem::SequenceMismatch { inside: 7 }
    );
    assert_eq!(
        chain_break.to_string(),
        "event 6: its contents say it is event 7 (events were moved or reordered)"
    );
    assert_replay_fails_at(&journal, 6);
}

/// Moves events `from..` one place up, leaving `from` free.
fn make_room(connection: &Connection, from: u64) {
    connection
        .execute(
            "UPDATE events SET sequence = sequence + 1000 WHERE sequence >= ?1",
            params![from as i64],
        )
        .unwrap();
    connection
        .execute(
            "UPDATE events SET sequence = sequence - 999 WHERE sequence > 1000",
            [],
        )
        .unwrap();
}

fn insert_row(connection: &Connection, sequence: u64, bytes: &[u8], hash: &Hash) {
    connection
        .execute(
            "INSERT INTO events (sequence, canonical_bytes, hash) VALUES (?1, ?2, ?3)",
            params![sequence as i64, bytes, hash.as_bytes().as_slice()],
        )
        .unwrap();
}

fn forged_event() -> NewEvent {
    NewEvent {
        recorded_at: "2020-01-05T16:30:00+03:00".to_owned(),
        actor: "clerk:amina".to_owned(),
        payload: br#"{"type":"vote_cast","division":5,"choice":"nay"}"#.to_vec(),
    }
}

#[test]
fn inserting_a_forged_row_is_caught() {
    let (file, journal) = journal_file(10);
    let connection = tamper_connection(&file.path);
    // A careful forger: a well-formed event 5 chained to event 4 with a
    // correct hash. Event 5 itself is indistinguishable from a real one, but
    // the displaced original (now stored as 6) still says it is event 5.
    let event_4_hash = Hash::try_from(stored_hash(&connection, 4).as_slice()).unwrap();
    let forged = Envelope::new(5, event_4_hash, forged_event()).unwrap();
    make_room(&connection, 5);
    insert_row(&connection, 5, &forged.canonical_bytes(), &forged.hash);

    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 6);
    assert_eq!(
        chain_break.problem,
        ChainProblem::SequenceMismatch { inside: 5 }
    );
    assert_replay_fails_at(&journal, 6);
}

#[test]
fn inserting_a_forged_row_that_does_not_chain_is_caught_at_that_row() {
    let (file, journal) = journal_file(10);
    let connection = tamper_connection(&file.path);
    let forged = Envelope::new(5, Hash::ZERO, forged_event()).unwrap();
    make_room(&connection, 5);
    insert_row(&connection, 5, &forged.canonical_bytes(), &forged.hash);

    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 5);
    assert_eq!(chain_break.problem, ChainProblem::PreviousHashMismatch);
    assert_replay_fails_at(&journal, 5);
}

#[test]
fn appending_a_forged_row_that_does_not_chain_is_caught() {
    let (file, _journal) = journal_file(10);
    let connection = tamper_connection(&file.path);
    let event_9_hash = Hash::try_from(stored_hash(&connection, 9).as_slice()).unwrap();
    let forged = Envelope::new(11, event_9_hash, forged_event()).unwrap();
    insert_row(&connection, 11, &forged.canonical_bytes(), &forged.hash);

    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 11);
    assert_eq!(chain_break.problem, ChainProblem::PreviousHashMismatch);
}

fn swap_rows(connection: &Connection, left: u64, right: u64) {
    let (left_bytes, left_hash) = (
        stored_bytes(connection, left),
        stored_hash(connection, left),
    );
    let (right_bytes, right_hash) = (
        stored_bytes(connection, right),
        stored_hash(connection, right),
    );
    overwrite_bytes(connection, left, &right_bytes);
    overwrite_hash(connection, left, &right_hash);
    overwrite_bytes(connection, right, &left_bytes);
    overwrite_hash(connection, right, &left_hash);
}

#[test]
fn swapping_two_rows_is_caught() {
    let (file, journal) = journal_file(10);
    swap_rows(&tamper_connection(&file.path), 3, 7);
    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 3);
    assert_eq!(
        chain_break.problem,
        ChainProblem::SequenceMismatch { inside: 7 }
    );
    assert_replay_fails_at(&journal, 3);
}

#[test]
fn swapping_two_events_with_renumbered_contents_is_caught() {
    let (file, journal) = journal_file(10);
    let connection = tamper_connection(&file.path);
    // The forger also rewrites the sequence inside each event and
    // recomputes the hashes, but cannot fix the links without rewriting
    // everything after.
    let third = Envelope::parse(&stored_bytes(&connection, 3)).unwrap();
    let seventh = Envelope::parse(&stored_bytes(&connection, 7)).unwrap();
    let renumber = |envelope: &Envelope, sequence: u64| {
        Envelope {
            sequence,
            ..envelope.clone()
        }
        .canonical_bytes()
    };
    overwrite_consistently(&connection, 3, &renumber(&seventh, 3));
    overwrite_consistently(&connection, 7, &renumber(&third, 7));
    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 3);
    assert_eq!(chain_break.problem, ChainProblem::PreviousHashMismatch);
    assert_replay_fails_at(&journal, 3);
}

#[test]
fn an_unreadable_row_is_reported_after_earlier_problems() {
    let (file, journal) = journal_file(10);
    let connection = tamper_connection(&file.path);
    overwrite_hash(&connection, 8, &[0; 31]);
    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 8);
    assert!(
        matches!(&chain_break.problem, ChainProblem::Unreadable { reason } if reason.contains("31 bytes")),
        "{chain_break:?}"
    );
    assert_replay_fails_at(&journal, 8);

    // An earlier problem in the same page is still the one reported.
    let altered = flip_aye_to_nay(&stored_bytes(&connection, 3));
    overwrite_bytes(&connection, 3, &altered);
    assert_eq!(first_break(&file).sequence, 3);
}

#[test]
fn invalid_canonical_bytes_with_a_matching_hash_are_caught() {
    let (file, journal) = journal_file(10);
    let connection = tamper_connection(&file.path);
    let spaced = String::from_utf8(stored_bytes(&connection, 2))
        .unwrap()
        .replacen(',', ", ", 1);
    overwrite_consistently(&connection, 2, spaced.as_bytes());
    let chain_break = first_break(&file);
    assert_eq!(chain_break.sequence, 2);
    assert!(
        chain_break
            .to_string()
            .starts_with("event 2: canonical bytes are not valid: "),
        "{chain_break}"
    );
    assert_replay_fails_at(&journal, 2);
}

#[test]
fn a_complete_rewrite_or_truncation_is_caught_against_a_trusted_head() {
    let (file, _journal) = journal_file(10);
    let trusted = file.storage.head().unwrap().unwrap();
    assert!(verify_against(&file.storage, &trusted).is_ok());

    // Truncation: internally consistent, so only the trusted head shows it.
    tamper_connection(&file.path)
        .execute("DELETE FROM events WHERE sequence > 8", [])
        .unwrap();
    assert_eq!(verify(&file.storage).unwrap().events, 8);
    match verify_against(&file.storage, &trusted) {
        Err(VerifyError::Broken(chain_break)) => {
            assert_eq!(chain_break.sequence, 9);
            assert_eq!(chain_break.problem, ChainProblem::MissingFromEnd);
        }
        other => panic!("unexpected {other:?}"),
    }

    // A full rewrite from event 1 with every hash recomputed.
    let (file, _journal) = journal_file(10);
    let trusted = file.storage.head().unwrap().unwrap();
    let connection = tamper_connection(&file.path);
    connection.execute("DELETE FROM events", []).unwrap();
    // A forger rebuilds the Merkle tree too, so the store is self-consistent.
    connection.execute("DELETE FROM tree_hashes", []).unwrap();
    let mut forger = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
    let mut rewritten: Vec<NewEvent> = (1..=10).map(event).collect();
    rewritten[0] = forged_event();
    forger.append(rewritten).unwrap();
    assert_eq!(verify(&file.storage).unwrap().events, 10);
    match verify_against(&file.storage, &trusted) {
        Err(VerifyError::Broken(chain_break)) => {
            assert_eq!(chain_break.sequence, 10);
            assert!(matches!(
                chain_break.problem,
                ChainProblem::AnchorMismatch { .. }
            ));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn an_intact_journal_reports_its_size_and_head() {
    let (file, journal) = journal_file(7);
    let report = verify(&file.storage).unwrap();
    assert_eq!(report.events, 7);
    assert_eq!(report.head, journal.head());
    assert_eq!(
        report.to_string(),
        format!(
            "journal intact: 7 events, head hash {}",
            journal.head().unwrap().hash
        )
    );
    let empty = TempSqlite::new();
    let report = verify(&empty.storage).unwrap();
    assert_eq!((report.events, report.head), (0, None));
}

/// A random payload: a JSON object with random keys and values, written
/// compactly by serde_json as the domain would.
fn payload_strategy() -> impl Strategy<Value = Vec<u8>> {
    let value = prop_oneof![
        any::<i64>().prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
        "\\PC{0,24}".prop_map(serde_json::Value::from),
    ];
    proptest::collection::btree_map("[a-z_]{1,10}", value, 0..6).prop_map(|fields| {
        serde_json::to_vec(&fields.into_iter().collect::<serde_json::Map<_, _>>()).unwrap()
    })
}

#[derive(Debug, Clone, Copy)]
enum Target {
    CanonicalBytes,
    Hash,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Any single-byte change anywhere in any stored event (its canonical
    /// bytes or its stored hash) is caught by verify, at that event, and by
    /// replay.
    #[test]
    fn any_single_byte_change_is_caught(
        payloads in proptest::collection::vec(payload_strategy(), 1..24),
        batch_size in 1usize..6,
        pick in any::<proptest::sample::Index>(),
        offset in any::<proptest::sample::Index>(),
        flip in 1u8..=255,
        target in prop_oneof![Just(Target::CanonicalBytes), Just(Target::Hash)],
    ) {
        let file = TempSqlite::new();
        let mut journal = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
        let events: Vec<NewEvent> = payloads
            .into_iter()
            .enumerate()
            .map(|(index, payload)| NewEvent { payload, ..event(index as u64 + 1) })
            .collect();
        for batch in events.chunks(batch_size) {
            journal.append(batch.to_vec()).unwrap();
        }
        prop_assert_eq!(verify(&file.storage).unwrap().events, events.len() as u64);

        let sequence = pick.index(events.len()) as u64 + 1;
        let connection = tamper_connection(&file.path);
        match target {
            Target::CanonicalBytes => {
                let mut bytes = stored_bytes(&connection, sequence);
                let position = offset.index(bytes.len());
                bytes[position] ^= flip;
                overwrite_bytes(&connection, sequence, &bytes);
            }
            Target::Hash => {
                let mut hash = stored_hash(&connection, sequence);
                hash[offset.index(32)] ^= flip;
                overwrite_hash(&connection, sequence, &hash);
            }
        }

        match verify(&file.storage) {
            Err(VerifyError::Broken(chain_break)) => {
                prop_assert_eq!(chain_break.sequence, sequence);
                prop_assert_eq!(chain_break.problem, ChainProblem::Altered);
            }
            other => prop_assert!(false, "verify missed the change: {:?}", other),
        }
        let replayed: Result<Vec<Envelope>, JournalError> = journal.events_from(1).unwrap().collect();
        prop_assert!(
            matches!(&replayed, Err(JournalError::Broken(chain_break)) if chain_break.sequence == sequence),
            "replay missed the change: {:?}", replayed.map(|envelopes| envelopes.len())
        );
        // A journal opened after the change refuses either to open (the
        // head itself was changed) or to replay.
        match Journal::open(SqliteStorage::open(&file.path).unwrap()) {
            Err(JournalError::Broken(chain_break)) => prop_assert_eq!(chain_break.sequence, sequence),
            Err(other) => prop_assert!(false, "unexpected error {:?}", other),
            Ok(reopened) => {
                let replayed: Result<Vec<Envelope>, JournalError> = reopened.events_from(1).unwrap().collect();
                prop_assert!(replayed.is_err());
            }
        }
    }
}
