//! The transparency log over a journal: proofs from stored subtrees match
//! an in-memory tree, signed appends refuse inconsistent checkpoints, a
//! version 1 journal gains its tree on open, and a witness catches a
//! rewritten history.

mod common;

use common::{event, fill, tamper_connection, TempSqlite};
use hemicycle_journal::log as transparency;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{parse_witness_file, verify_log, Journal, LogVerifyError, Storage};
use hemicycle_log::api::{ConsistencyBody, InclusionBody};
use hemicycle_log::{Checkpoint, MemoryTree, Receipt, SignerKey};

fn key() -> SignerKey {
    SignerKey::from_seed("test.example/chamber", [42; 32]).unwrap()
}

fn entries_of(storage: &dyn Storage) -> Vec<Vec<u8>> {
    let mut entries = Vec::new();
    let mut from = 1;
    loop {
        let page = storage.read(from, 1000).unwrap();
        let Some(last) = page.last() else {
            return entries;
        };
        from = last.sequence + 1;
        entries.extend(page.into_iter().map(|record| record.canonical_bytes));
    }
}

#[test]
fn proofs_from_storage_match_an_independent_tree() {
    let mut journal = Journal::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    fill(&mut journal, 77, 9);
    let storage = journal.storage();
    let tree = MemoryTree::from_entries(entries_of(storage));
    for size in [1u64, 2, 3, 8, 33, 64, 77] {
        assert_eq!(
            transparency::root(storage, size).unwrap(),
            hemicycle_log::root(&tree, size).unwrap()
        );
        for index in [0, size / 2, size - 1] {
            let body = transparency::inclusion(storage, index, size).unwrap();
            let expected = hemicycle_log::inclusion_proof(&tree, index, size).unwrap();
            let (leaf, proof) = InclusionBody::from_json(&body.to_json())
                .unwrap()
                .decode()
                .unwrap();
            assert_eq!(proof, expected);
            assert_eq!(leaf, tree.leaves()[index as usize]);
        }
        let body = transparency::consistency(storage, 1, size).unwrap();
        let proof = ConsistencyBody::from_json(&body.to_json())
            .unwrap()
            .decode()
            .unwrap();
        assert_eq!(
            proof,
            hemicycle_log::consistency_proof(&tree, 1, size).unwrap()
        );
    }
    // Out of range and limits: clear errors.
    assert!(transparency::inclusion(storage, 77, 77).is_err());
    assert!(transparency::inclusion(storage, 0, 78).is_err());
    assert!(transparency::consistency(storage, 5, 4).is_err());
    assert!(transparency::consistency(storage, 0, 4).is_err());
    assert!(transparency::entries(storage, 0, 1001).is_err());
    assert!(transparency::entries(storage, 5, 5).is_err());
    assert!(transparency::entries(storage, 70, 78).is_err());
    let entries = transparency::entries(storage, 3, 6).unwrap();
    assert_eq!(entries.entries.len(), 3);
    assert!(entries.to_json().starts_with("{\"entries\":[\""));
}

#[test]
fn signed_appends_store_checkpoints_and_receipts_verify() {
    let mut journal = Journal::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    let signer = key();
    fill(&mut journal, 5, 5);
    let (_, first) = journal.append_signed(vec![event(6)], &signer).unwrap();
    let first = first.unwrap();
    assert_eq!(first.tree_size, 6);
    fill(&mut journal, 3, 3);
    let second = journal.sign_checkpoint(&signer).unwrap();
    assert_eq!(second.tree_size, 9);
    // Signing again without new events returns the same checkpoint.
    assert_eq!(journal.sign_checkpoint(&signer).unwrap(), second);
    let opened = Checkpoint::open(second.note.as_bytes(), &signer.verifier()).unwrap();
    assert_eq!(opened.checkpoint.root_hash, second.root_hash);

    // Event 4 is first included by the checkpoint of size 6.
    let receipt = transparency::receipt(journal.storage(), 4).unwrap();
    let verified = Receipt::parse(&receipt.to_text())
        .unwrap()
        .verify(&signer.verifier())
        .unwrap();
    assert_eq!(verified.index, 3);
    assert_eq!(verified.checkpoint.tree_size, 6);
    assert!(transparency::receipt(journal.storage(), 10).is_err());
    assert!(transparency::receipt(journal.storage(), 0).is_err());
}

#[test]
fn a_checkpoint_inconsistent_with_the_last_one_is_never_signed() {
    let file = TempSqlite::new();
    let signer = key();
    {
        let mut journal = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
        fill(&mut journal, 8, 8);
        journal.sign_checkpoint(&signer).unwrap();
    }
    // Someone rewrites a stored subtree hash (as a rewritten history would).
    tamper_connection(&file.path)
        .execute(
            "UPDATE tree_hashes SET hash = zeroblob(32) WHERE level = 3 AND node_index = 0",
            [],
        )
        .unwrap();
    let mut journal = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
    let error = journal.append_signed(vec![event(9)], &signer).unwrap_err();
    assert!(error.to_string().contains("refusing to sign"), "{error}");
    assert_eq!(journal.storage().len().unwrap(), 8, "nothing was appended");
}

#[test]
fn a_version_1_journal_gains_its_tree_on_open() {
    let file = TempSqlite::new();
    {
        let mut journal = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
        fill(&mut journal, 20, 7);
    }
    let expected = transparency::root(&file.storage, 20).unwrap();
    let connection = tamper_connection(&file.path);
    connection
        .execute_batch(
            "DROP TABLE tree_hashes; DROP TABLE checkpoints;
             UPDATE journal_meta SET value = '1' WHERE key = 'format_version';",
        )
        .unwrap();
    drop(connection);
    let reopened = SqliteStorage::open(&file.path).unwrap();
    assert_eq!(transparency::root(&reopened, 20).unwrap(), expected);
}

#[test]
fn a_witness_catches_a_rewrite_and_a_fork() {
    let file = TempSqlite::new();
    let signer = key();
    let mut witness_text = String::new();
    {
        let mut journal = Journal::open(SqliteStorage::open(&file.path).unwrap()).unwrap();
        fill(&mut journal, 10, 10);
        witness_text.push_str(&journal.sign_checkpoint(&signer).unwrap().note);
        fill(&mut journal, 5, 5);
        witness_text.push('\n');
        witness_text.push_str(&journal.sign_checkpoint(&signer).unwrap().note);
    }
    let witness = parse_witness_file(&witness_text, &signer.verifier()).unwrap();
    assert_eq!(witness.len(), 2);
    let report = verify_log(&file.storage, &signer.verifier(), &witness).unwrap();
    assert_eq!(report.events, 15);
    assert_eq!(report.witness_checkpoints, 2);
    assert!(report.consistency_proofs >= 2);

    // A witness file signed by someone else is refused.
    let stranger = SignerKey::from_seed("test.example/chamber", [7; 32]).unwrap();
    assert!(parse_witness_file(&witness_text, &stranger.verifier()).is_err());

    // A fork: the same key signed another tree of size 10.
    let fork = Checkpoint {
        origin: signer.name().to_owned(),
        tree_size: 10,
        root_hash: [9; 32],
        extensions: Vec::new(),
    }
    .sign(&signer)
    .unwrap();
    let forked = parse_witness_file(&format!("{witness_text}{fork}"), &signer.verifier()).unwrap();
    match verify_log(&file.storage, &signer.verifier(), &forked) {
        Err(LogVerifyError::Divergence(message)) => {
            assert!(message.contains("forked"), "{message}")
        }
        other => panic!("unexpected {other:?}"),
    }
}
