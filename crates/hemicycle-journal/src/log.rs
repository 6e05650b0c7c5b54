//! The transparency log over the journal: roots, proofs, entries,
//! checkpoints and receipts read from storage, and the signing of
//! checkpoints in the same transaction as the events they cover.
//!
//! Entry `i` (from 0) is the canonical bytes of event `i + 1`. Every answer
//! comes in the exact shape of the public log API (see
//! [`hemicycle_log::api`]), so a web layer only has to serve it.

use std::collections::HashMap;

use hemicycle_log::api::{ConsistencyBody, EntriesBody, InclusionBody};
use hemicycle_log::note::Note;
use hemicycle_log::{
    verify_consistency, Checkpoint, CheckpointError, NodeSource, ProofError, Receipt, SignerKey,
    Subtree, TreeError, TreeHash,
};
use thiserror::Error;

use crate::limits::{MAX_LOG_ENTRIES_PER_CALL, MAX_READ_RECORDS};
use crate::storage::{Storage, StorageError, StoredCheckpoint};

/// Why a log answer could not be given.
#[derive(Debug, Error)]
pub enum LogError {
    /// The storage failed, or its tree is incomplete.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The request is outside the log (an index or size too large, sizes
    /// reversed, a proof from the empty tree).
    #[error(transparent)]
    Tree(TreeError<StorageError>),
    /// An entries range that is empty, reversed or too long.
    #[error("invalid entries range {start}..{end}: {reason}")]
    InvalidRange {
        /// The first index.
        start: u64,
        /// One past the last index.
        end: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// No signed checkpoint covers what was asked.
    #[error(
        "no signed checkpoint covers {what} yet (sign one with `hemicycle log checkpoint --sign`)"
    )]
    NoCheckpoint {
        /// What was asked, in words.
        what: String,
    },
    /// The event asked for does not exist.
    #[error("the journal holds {events} events; there is no event {sequence}")]
    NoSuchEvent {
        /// The sequence asked for.
        sequence: u64,
        /// Events in the journal.
        events: u64,
    },
    /// Signing would contradict the latest signed checkpoint.
    #[error("refusing to sign: {reason}")]
    InconsistentCheckpoint {
        /// Why.
        reason: String,
    },
    /// A checkpoint could not be made or read.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

impl From<TreeError<StorageError>> for LogError {
    fn from(error: TreeError<StorageError>) -> LogError {
        match error {
            TreeError::Source(error) => LogError::Storage(error),
            other => LogError::Tree(other),
        }
    }
}

/// The stored tree as a [`NodeSource`].
pub struct StoredTree<'a> {
    storage: &'a dyn Storage,
}

impl<'a> StoredTree<'a> {
    /// The tree of `storage`.
    pub fn new(storage: &'a dyn Storage) -> StoredTree<'a> {
        StoredTree { storage }
    }
}

impl NodeSource for StoredTree<'_> {
    type Error = StorageError;

    fn subtree_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<TreeHash>, StorageError> {
        self.storage.subtree_hashes(subtrees)
    }
}

/// The stored tree plus subtrees completed by a batch not stored yet.
struct ExtendedTree<'a> {
    stored: StoredTree<'a>,
    stored_size: u64,
    added: HashMap<Subtree, TreeHash>,
}

impl NodeSource for ExtendedTree<'_> {
    type Error = StorageError;

    fn subtree_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<TreeHash>, StorageError> {
        let is_stored = |subtree: &Subtree| {
            subtree
                .index
                .checked_add(1)
                .and_then(|next| next.checked_mul(subtree.leaves()))
                .is_some_and(|end| end <= self.stored_size)
        };
        let stored: Vec<Subtree> = subtrees.iter().copied().filter(is_stored).collect();
        let mut stored_hashes = self.stored.subtree_hashes(&stored)?.into_iter();
        subtrees
            .iter()
            .map(|subtree| {
                let found = if is_stored(subtree) {
                    stored_hashes.next()
                } else {
                    self.added.get(subtree).copied()
                };
                found.ok_or(StorageError::TreeIncomplete {
                    level: subtree.level,
                    index: subtree.index,
                })
            })
            .collect()
    }
}

/// The number of entries in the log (events in the journal).
pub fn tree_size(storage: &dyn Storage) -> Result<u64, LogError> {
    Ok(storage.head()?.map_or(0, |head| head.sequence))
}

fn check_size(storage: &dyn Storage, size: u64) -> Result<u64, LogError> {
    let available = tree_size(storage)?;
    if size > available {
        return Err(LogError::Tree(TreeError::BeyondLog {
            asked: size,
            available,
        }));
    }
    Ok(available)
}

/// The root of the first `size` entries.
pub fn root(storage: &dyn Storage, size: u64) -> Result<TreeHash, LogError> {
    check_size(storage, size)?;
    Ok(hemicycle_log::root(&StoredTree::new(storage), size)?)
}

/// `GET /api/log/inclusion?index=I&size=N`.
pub fn inclusion(storage: &dyn Storage, index: u64, size: u64) -> Result<InclusionBody, LogError> {
    check_size(storage, size)?;
    let tree = StoredTree::new(storage);
    let proof = hemicycle_log::inclusion_proof(&tree, index, size)?;
    let leaf = tree.subtree_hashes(&[Subtree { level: 0, index }])?;
    Ok(InclusionBody::new(index, size, &leaf[0], &proof))
}

/// `GET /api/log/consistency?from=M&to=N`.
pub fn consistency(storage: &dyn Storage, from: u64, to: u64) -> Result<ConsistencyBody, LogError> {
    check_size(storage, to)?;
    let proof = hemicycle_log::consistency_proof(&StoredTree::new(storage), from, to)?;
    Ok(ConsistencyBody::new(from, to, &proof))
}

/// `GET /api/log/entries?start=S&end=E`: entries `start .. end` (end
/// exclusive), at most [`MAX_LOG_ENTRIES_PER_CALL`].
pub fn entries(storage: &dyn Storage, start: u64, end: u64) -> Result<EntriesBody, LogError> {
    let invalid = |reason: String| LogError::InvalidRange { start, end, reason };
    if end <= start {
        return Err(invalid("the end must be greater than the start".to_owned()));
    }
    if end - start > MAX_LOG_ENTRIES_PER_CALL {
        return Err(invalid(format!(
            "at most {MAX_LOG_ENTRIES_PER_CALL} entries per call"
        )));
    }
    let available = tree_size(storage)?;
    if end > available {
        return Err(invalid(format!("the log holds {available} entries")));
    }
    let mut found = Vec::with_capacity((end - start) as usize);
    let mut next_sequence = start + 1;
    while next_sequence <= end {
        let wanted = ((end + 1 - next_sequence) as usize).min(MAX_READ_RECORDS);
        let page = storage.read(next_sequence, wanted)?;
        if page.is_empty() {
            break;
        }
        for record in page {
            if record.sequence != next_sequence || record.sequence > end {
                break;
            }
            found.push(record.canonical_bytes);
            next_sequence += 1;
        }
        if found.len() as u64 != next_sequence - start - 1 {
            break;
        }
    }
    if found.len() as u64 != end - start {
        return Err(LogError::Storage(StorageError::CorruptRecord {
            sequence: i64::try_from(next_sequence).unwrap_or(i64::MAX),
            reason: "the events are not stored contiguously".to_owned(),
        }));
    }
    Ok(EntriesBody::new(found))
}

/// `GET /api/log/checkpoint`: the latest signed checkpoint note.
pub fn latest_checkpoint(storage: &dyn Storage) -> Result<StoredCheckpoint, LogError> {
    storage.latest_checkpoint()?.ok_or(LogError::NoCheckpoint {
        what: "the log".to_owned(),
    })
}

/// The first signed checkpoint whose tree includes entry `index`.
pub fn first_checkpoint_including(
    storage: &dyn Storage,
    index: u64,
) -> Result<StoredCheckpoint, LogError> {
    let covering = storage.checkpoints(index.saturating_add(1), 1)?;
    covering.into_iter().next().ok_or(LogError::NoCheckpoint {
        what: format!("entry {index} (event {})", index.saturating_add(1)),
    })
}

/// A receipt for event `sequence`: its canonical bytes, its index, the
/// first signed checkpoint that includes it and the inclusion proof against
/// that checkpoint.
pub fn receipt(storage: &dyn Storage, sequence: u64) -> Result<Receipt, LogError> {
    let events = tree_size(storage)?;
    if sequence == 0 || sequence > events {
        return Err(LogError::NoSuchEvent { sequence, events });
    }
    let index = sequence - 1;
    let record = storage
        .read(sequence, 1)?
        .into_iter()
        .next()
        .filter(|record| record.sequence == sequence)
        .ok_or(LogError::NoSuchEvent { sequence, events })?;
    let checkpoint = first_checkpoint_including(storage, index)?;
    let proof =
        hemicycle_log::inclusion_proof(&StoredTree::new(storage), index, checkpoint.tree_size)?;
    Ok(Receipt {
        entry: Some(record.canonical_bytes),
        index,
        proof,
        checkpoint_note: checkpoint.note,
    })
}

/// What a signed append is about to store: the checkpoint for the tree the
/// new leaves make, after checking it is consistent with the latest one.
pub(crate) fn prepare_checkpoint(
    storage: &dyn Storage,
    stored_size: u64,
    new_leaves: &[TreeHash],
    signer: &SignerKey,
) -> Result<Option<StoredCheckpoint>, LogError> {
    let stored = StoredTree::new(storage);
    let mut frontier = hemicycle_log::Frontier::load(&stored, stored_size)?;
    let mut added = HashMap::new();
    for leaf in new_leaves {
        let completed = frontier
            .push(*leaf)
            .map_err(|error| LogError::InconsistentCheckpoint {
                reason: error.to_string(),
            })?;
        added.extend(completed);
    }
    let tree_size = frontier.size();
    let root = frontier.root();
    if let Some(latest) = storage.latest_checkpoint()? {
        let signed = Note::parse(latest.note.as_bytes())
            .map_err(CheckpointError::from)
            .and_then(|note| Checkpoint::parse(&note.text))?;
        if signed.tree_size != latest.tree_size || signed.root_hash != latest.root_hash {
            return Err(LogError::InconsistentCheckpoint {
                reason: format!(
                    "the stored checkpoint of size {} does not match its own signed note",
                    latest.tree_size
                ),
            });
        }
        if latest.tree_size == tree_size {
            if latest.root_hash == root {
                // Already signed: nothing new to sign.
                return Ok(None);
            }
            return Err(LogError::InconsistentCheckpoint {
                reason: format!(
                    "a checkpoint of size {tree_size} with another root was signed before"
                ),
            });
        }
        let extended = ExtendedTree {
            stored,
            stored_size,
            added,
        };
        let proof = hemicycle_log::consistency_proof(&extended, latest.tree_size, tree_size)?;
        verify_consistency(
            latest.tree_size,
            tree_size,
            &proof,
            &signed.root_hash,
            &root,
        )
        .map_err(|error: ProofError| LogError::InconsistentCheckpoint {
            reason: format!(
                "the tree of size {tree_size} is not consistent with the checkpoint of size {} signed before: {error}",
                latest.tree_size
            ),
        })?;
    }
    let note = Checkpoint {
        origin: signer.name().to_owned(),
        tree_size,
        root_hash: root,
        extensions: Vec::new(),
    }
    .sign(signer)?;
    Ok(Some(StoredCheckpoint {
        tree_size,
        root_hash: root,
        note,
    }))
}
