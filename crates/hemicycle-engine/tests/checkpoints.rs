//! Signed checkpoints from the engine: with a signing key, the demo leaves a
//! signed checkpoint at the end of every batch that closes a division or a
//! sitting, each consistent with the one before (checked with the RFC 9162
//! verifiers against roots recomputed from the events); without a key
//! nothing is signed; and an earlier checkpoint the journal contradicts
//! makes the engine refuse to sign, appending nothing.

use hemicycle_core::{decode, Command, Context, Event};
use hemicycle_engine::{Chamber, EngineError};
use hemicycle_journal::log::{self as transparency, LogError};
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{
    Head, JournalError, Storage, StorageError, StoredCheckpoint, StoredRecord,
};
use hemicycle_log::{
    leaf_hash, verify_consistency, verify_inclusion, Checkpoint, MemoryTree, SignerKey, Subtree,
    TreeHash,
};
use hemicycle_scenario::{parse_scenario, Action, Scenario, DEMO_SCENARIO, DEMO_SCENARIO_NAME};

fn demo() -> Scenario {
    parse_scenario(DEMO_SCENARIO, DEMO_SCENARIO_NAME, &|_| Err(String::new())).unwrap()
}

fn key() -> SignerKey {
    SignerKey::from_seed("test.example/council-of-representatives", [5; 32]).unwrap()
}

fn signing_chamber() -> Chamber<SqliteStorage> {
    let mut chamber = Chamber::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    chamber.set_signer(key());
    chamber
}

/// The batches `run_scenario` runs: the set-up, then one per step.
fn batches<S: Storage>(
    scenario: &Scenario,
    chamber: &Chamber<S>,
    step: usize,
) -> Vec<(Context, Command)> {
    if step == 0 {
        scenario.setup().unwrap()
    } else {
        scenario
            .commands(&scenario.steps[step - 1], chamber.state())
            .unwrap()
    }
    .into_iter()
    .map(|planned| (planned.context, planned.command))
    .collect()
}

/// Runs batches `0 .. until` (0 is the set-up, `i` is step `i − 1`) exactly as
/// `run_scenario` does, and returns the journal's size after each.
fn run_batches<S: Storage>(
    scenario: &Scenario,
    chamber: &mut Chamber<S>,
    until: usize,
) -> Vec<u64> {
    let mut ends = Vec::new();
    for batch in 0..until {
        let commands = batches(scenario, chamber, batch);
        chamber.execute_batch(&commands).unwrap();
        ends.push(chamber.journal().len());
    }
    ends
}

/// The batch number of the demo's step that closes its division.
fn close_division_batch(scenario: &Scenario) -> usize {
    1 + scenario
        .steps
        .iter()
        .position(|step| {
            matches!(&step.action, Action::Command(command)
                if matches!(**command, Command::CloseDivision { .. }))
        })
        .expect("the demo closes a division")
}

fn entries(storage: &dyn Storage) -> Vec<Vec<u8>> {
    let mut entries = Vec::new();
    loop {
        let page = storage.read(entries.len() as u64 + 1, 1000).unwrap();
        if page.is_empty() {
            return entries;
        }
        entries.extend(page.into_iter().map(|record| record.canonical_bytes));
    }
}

fn all_checkpoints(storage: &dyn Storage) -> Vec<StoredCheckpoint> {
    storage.checkpoints(0, 1000).unwrap()
}

/// Whether entry `bytes` holds a DivisionClosed or SittingClosed event.
fn is_close(bytes: &[u8]) -> bool {
    let envelope = hemicycle_journal::Envelope::parse(bytes).unwrap();
    matches!(
        decode(&envelope.payload).unwrap(),
        Event::DivisionClosed { .. } | Event::SittingClosed { .. }
    )
}

#[test]
fn every_division_and_sitting_close_is_covered_by_a_signed_checkpoint() {
    let scenario = demo();
    // The real path.
    let mut chamber = signing_chamber();
    chamber.run_scenario(&scenario).unwrap();
    // The same, batch by batch, to know where each batch ends; it must sign
    // exactly the same checkpoints (signatures are deterministic).
    let mut by_batches = signing_chamber();
    let batch_ends = run_batches(&scenario, &mut by_batches, scenario.steps.len() + 1);

    let storage = chamber.journal().storage();
    let checkpoints = all_checkpoints(storage);
    assert_eq!(checkpoints, all_checkpoints(by_batches.journal().storage()));
    assert_eq!(*batch_ends.last().unwrap(), chamber.journal().len());

    let entries = entries(storage);
    assert_eq!(entries.len() as u64, chamber.journal().len());
    let tree = MemoryTree::from_entries(&entries);
    let closes: Vec<u64> = (0..entries.len() as u64)
        .filter(|&index| is_close(&entries[index as usize]))
        .collect();
    let divisions = closes
        .iter()
        .filter(|&&index| {
            let envelope = hemicycle_journal::Envelope::parse(&entries[index as usize]).unwrap();
            matches!(
                decode(&envelope.payload).unwrap(),
                Event::DivisionClosed { .. }
            )
        })
        .count();
    assert_eq!(
        (divisions, closes.len() - divisions),
        (1, 1),
        "the demo closes one division and one sitting"
    );
    assert!(!checkpoints.is_empty());

    // Every checkpoint is signed by the key, says what is stored, and its
    // root is the RFC 6962 root of the first tree_size events.
    let verifier = key().verifier();
    let mut signed_roots = Vec::new();
    for checkpoint in &checkpoints {
        let signed = Checkpoint::open(checkpoint.note.as_bytes(), &verifier)
            .unwrap()
            .checkpoint;
        assert_eq!(signed.origin, key().name());
        assert_eq!(signed.tree_size, checkpoint.tree_size);
        assert_eq!(signed.root_hash, checkpoint.root_hash);
        assert_eq!(
            signed.root_hash,
            hemicycle_log::root(&tree, signed.tree_size).unwrap()
        );
        signed_roots.push((signed.tree_size, signed.root_hash));
    }

    // Sizes strictly increase and each checkpoint is consistent with the
    // one before; the proof does not also fit other roots.
    for pair in signed_roots.windows(2) {
        let ((from, from_root), (to, to_root)) = (pair[0], pair[1]);
        assert!(from < to, "checkpoint sizes {from} then {to}");
        let proof = transparency::consistency(storage, from, to)
            .unwrap()
            .decode()
            .unwrap();
        assert_eq!(
            proof,
            hemicycle_log::consistency_proof(&tree, from, to).unwrap()
        );
        verify_consistency(from, to, &proof, &from_root, &to_root).unwrap();
        verify_consistency(from, to, &proof, &to_root, &from_root).unwrap_err();
    }

    // Each close is included in a checkpoint, and the first checkpoint that
    // includes it is the one signed at the end of its batch.
    for &index in &closes {
        let batch_end = *batch_ends.iter().find(|&&end| end > index).unwrap();
        let (size, root) = *signed_roots
            .iter()
            .find(|(size, _)| *size > index)
            .unwrap_or_else(|| panic!("no checkpoint covers the close at index {index}"));
        assert_eq!(size, batch_end, "the close at index {index}");
        let (leaf, proof) = transparency::inclusion(storage, index, size)
            .unwrap()
            .decode()
            .unwrap();
        assert_eq!(leaf, leaf_hash(&entries[index as usize]));
        verify_inclusion(&leaf, index, size, &proof, &root).unwrap();
        let receipt = transparency::receipt(storage, index + 1).unwrap();
        assert_eq!(
            receipt.verify(&verifier).unwrap().entry,
            entries[index as usize]
        );
    }

    // And nothing else is signed: every checkpoint ends a batch with a close.
    for (size, _) in &signed_roots {
        let batch = batch_ends.iter().position(|end| end == size).unwrap();
        let start = if batch == 0 { 0 } else { batch_ends[batch - 1] };
        assert!(
            (start..*size).any(|index| closes.contains(&index)),
            "checkpoint of size {size} ends a batch without a close"
        );
    }
}

#[test]
fn without_a_key_no_checkpoint_is_written() {
    let mut chamber = Chamber::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    chamber.run_scenario(&demo()).unwrap();
    assert!(matches!(
        chamber.sign_checkpoint(),
        Err(EngineError::NoSigningKey)
    ));
    let storage = chamber.journal().storage();
    assert!(!chamber.journal().is_empty());
    assert_eq!(all_checkpoints(storage), Vec::new());
    assert_eq!(storage.latest_checkpoint().unwrap(), None);
    // The same run with a key records the same events: signing adds none.
    let mut signed = signing_chamber();
    signed.run_scenario(&demo()).unwrap();
    assert!(!all_checkpoints(signed.journal().storage()).is_empty());
    assert_eq!(entries(storage), entries(signed.journal().storage()));
}

/// A checkpoint of `size` signed by the chamber's key over `root`.
fn signed_checkpoint(size: u64, stored_root: TreeHash, signed_root: TreeHash) -> StoredCheckpoint {
    StoredCheckpoint {
        tree_size: size,
        root_hash: stored_root,
        note: Checkpoint {
            origin: key().name().to_owned(),
            tree_size: size,
            root_hash: signed_root,
            extensions: Vec::new(),
        }
        .sign(&key())
        .unwrap(),
    }
}

/// Runs the batch that closes the demo's division and checks that the
/// engine refused to sign and recorded nothing; returns the refusal.
fn closing_is_refused<S: Storage>(
    scenario: &Scenario,
    chamber: &mut Chamber<S>,
    forged: &StoredCheckpoint,
) -> String {
    let length = chamber.journal().len();
    let stored = chamber.journal().storage().len().unwrap();
    let state = chamber.state().clone();
    let commands = batches(scenario, chamber, close_division_batch(scenario));
    assert!(commands
        .iter()
        .any(|(_, command)| matches!(command, Command::CloseDivision { .. })));
    let (_, error) = chamber.execute_batch(&commands).unwrap_err();
    let reason = match error {
        EngineError::Journal(JournalError::Checkpoint(LogError::InconsistentCheckpoint {
            reason,
        })) => reason,
        other => panic!("expected a refusal to sign, got {other:?}"),
    };
    assert_eq!(chamber.journal().len(), length);
    assert_eq!(chamber.journal().storage().len().unwrap(), stored);
    assert_eq!(chamber.state(), &state);
    assert!(chamber.state().divisions.values().all(|d| d.is_open()));
    assert_eq!(
        chamber
            .journal()
            .storage()
            .latest_checkpoint()
            .unwrap()
            .as_ref(),
        Some(forged)
    );
    reason
}

#[test]
fn a_stored_checkpoint_whose_signed_root_differs_stops_signing() {
    // A real journal file holding a checkpoint whose stored row matches the
    // tree but whose signed note (what witnesses hold) has another root.
    let scenario = demo();
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("journal.db");
    let until = close_division_batch(&scenario);
    let forged = {
        let mut chamber = Chamber::open(SqliteStorage::open(&path).unwrap()).unwrap();
        chamber.set_signer(key());
        run_batches(&scenario, &mut chamber, until);
        assert_eq!(all_checkpoints(chamber.journal().storage()), Vec::new());
        let size = chamber.journal().len();
        let root = transparency::root(chamber.journal().storage(), size).unwrap();
        let mut other_root = root;
        other_root[0] ^= 1;
        signed_checkpoint(size, root, other_root)
    };
    let mut storage = SqliteStorage::open(&path).unwrap();
    storage.append_with_checkpoint(&[], Some(&forged)).unwrap();
    drop(storage);

    let mut chamber = Chamber::open(SqliteStorage::open(&path).unwrap()).unwrap();
    chamber.set_signer(key());
    let reason = closing_is_refused(&scenario, &mut chamber, &forged);
    assert!(
        reason.contains("does not match its own signed note"),
        "{reason}"
    );

    // The same batch goes through without a key (nothing to sign), so the
    // refusal above came from the checkpoint alone.
    let mut unsigned = Chamber::open(SqliteStorage::open(&path).unwrap()).unwrap();
    let commands = batches(&scenario, &unsigned, until);
    unsigned.execute_batch(&commands).unwrap();
}

/// A storage that shows one extra, forged signed checkpoint beside the real
/// ones: what a journal whose history was rewritten after a checkpoint was
/// signed looks like (the SQLite backend itself refuses to store a
/// checkpoint whose root is not its tree's, so it cannot be forged through
/// it).
struct WithForgedCheckpoint {
    inner: SqliteStorage,
    forged: StoredCheckpoint,
}

impl Storage for WithForgedCheckpoint {
    fn head(&self) -> Result<Option<Head>, StorageError> {
        self.inner.head()
    }

    fn append_with_checkpoint(
        &mut self,
        records: &[StoredRecord],
        checkpoint: Option<&StoredCheckpoint>,
    ) -> Result<(), StorageError> {
        self.inner.append_with_checkpoint(records, checkpoint)
    }

    fn subtree_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<TreeHash>, StorageError> {
        self.inner.subtree_hashes(subtrees)
    }

    fn checkpoints(
        &self,
        from_tree_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StorageError> {
        let mut checkpoints = self.inner.checkpoints(from_tree_size, limit)?;
        if self.forged.tree_size >= from_tree_size {
            checkpoints.push(self.forged.clone());
            checkpoints.sort_by_key(|checkpoint| checkpoint.tree_size);
            checkpoints.truncate(limit);
        }
        Ok(checkpoints)
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StorageError> {
        Ok(self
            .inner
            .latest_checkpoint()?
            .into_iter()
            .chain([self.forged.clone()])
            .max_by_key(|checkpoint| checkpoint.tree_size))
    }

    fn read(&self, from_sequence: u64, limit: usize) -> Result<Vec<StoredRecord>, StorageError> {
        self.inner.read(from_sequence, limit)
    }

    fn len(&self) -> Result<u64, StorageError> {
        self.inner.len()
    }
}

#[test]
fn an_earlier_checkpoint_of_another_history_stops_signing() {
    let scenario = demo();
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("journal.db");
    let until = close_division_batch(&scenario);
    // The journal up to the close, and the checkpoint a different history
    // of the same length had: the same events with the last one rewritten.
    let forged = {
        let mut chamber = Chamber::open(SqliteStorage::open(&path).unwrap()).unwrap();
        run_batches(&scenario, &mut chamber, until);
        let storage = chamber.journal().storage();
        let mut rewritten = entries(storage);
        rewritten.last_mut().unwrap().push(b' ');
        let other_root = MemoryTree::from_entries(&rewritten).root();
        let size = chamber.journal().len();
        assert_ne!(other_root, transparency::root(storage, size).unwrap());
        signed_checkpoint(size, other_root, other_root)
    };
    let storage = WithForgedCheckpoint {
        inner: SqliteStorage::open(&path).unwrap(),
        forged: forged.clone(),
    };
    let mut chamber = Chamber::open(storage).unwrap();
    chamber.set_signer(key());
    let reason = closing_is_refused(&scenario, &mut chamber, &forged);
    assert!(
        reason.contains(&format!(
            "is not consistent with the checkpoint of size {} signed before",
            forged.tree_size
        )),
        "{reason}"
    );
    // Signing on demand is refused too, and appends nothing.
    let length = chamber.journal().len();
    assert!(matches!(
        chamber.sign_checkpoint(),
        Err(EngineError::Journal(JournalError::Checkpoint(
            LogError::InconsistentCheckpoint { .. }
        )))
    ));
    assert_eq!(chamber.journal().storage().len().unwrap(), length);
    assert_eq!(
        chamber
            .journal()
            .storage()
            .inner
            .checkpoints(0, 10)
            .unwrap(),
        Vec::new()
    );
}

#[test]
fn the_state_knows_which_event_closed_each_division_and_recorded_each_ballot() {
    let mut chamber = signing_chamber();
    chamber.run_scenario(&demo()).expect("the demo runs");
    let state = chamber.state().clone();
    let event_at = |sequence: u64| {
        let envelope = chamber
            .journal()
            .events_from(sequence)
            .expect("reading the journal")
            .next()
            .expect("an event at that sequence")
            .expect("a readable event");
        assert_eq!(envelope.sequence, sequence);
        decode(&envelope.payload).expect("an event of ours")
    };
    let mut ballots = 0;
    for division in state.divisions.values() {
        let closed = division
            .closed
            .as_ref()
            .expect("every demo division closes");
        match event_at(closed.event_sequence) {
            Event::DivisionClosed { division: id, .. } => assert_eq!(id, division.id),
            other => panic!("event {} is {other:?}", closed.event_sequence),
        }
        for (member, sequence) in &division.ballot_events {
            match event_at(*sequence) {
                Event::BallotCast {
                    division: id,
                    member: by,
                    ..
                } => {
                    assert_eq!(id, division.id);
                    assert_eq!(&by, member);
                }
                other => panic!("event {sequence} is {other:?}"),
            }
            ballots += 1;
        }
        assert_eq!(division.ballot_events.len(), division.ballots.len());
    }
    assert_eq!(ballots, 170, "the 170 recorded ballots of 5 January 2020");
}
