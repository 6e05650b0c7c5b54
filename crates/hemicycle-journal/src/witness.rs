//! Verifying the whole journal against checkpoints seen earlier by a
//! witness (a journalist, a member, another institution): every event's
//! hash and chain, the stored Merkle tree against the events, every stored
//! and witnessed checkpoint's signature and root, and a consistency proof
//! from each witnessed checkpoint to the next and to today's tree.

use std::fmt;

use hemicycle_log::{
    empty_root, leaf_hash, verify_consistency, Checkpoint, CheckpointError, Frontier, Subtree,
    TreeHash, VerifierKey,
};
use thiserror::Error;

use crate::chain::{ChainBreak, ChainChecker, CursorError, RecordCursor};
use crate::limits::{MAX_READ_RECORDS, MAX_WITNESS_CHECKPOINTS, REPLAY_PAGE_RECORDS};
use crate::log::StoredTree;
use crate::storage::{Storage, StorageError, StoredCheckpoint};

/// Largest witness file accepted.
pub const MAX_WITNESS_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Subtree hashes compared per storage read while verifying the tree.
const TREE_CHECK_BATCH: usize = 512;

/// A checkpoint from a witness's file, with its signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessCheckpoint {
    /// Its position in the file, from 1.
    pub position: usize,
    /// The line it starts on.
    pub line: usize,
    /// The tree head.
    pub checkpoint: Checkpoint,
}

impl fmt::Display for WitnessCheckpoint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "witness checkpoint #{} (line {}, tree size {}, root {})",
            self.position,
            self.line,
            self.checkpoint.tree_size,
            hemicycle_log::checkpoint::encode_hash(&self.checkpoint.root_hash)
        )
    }
}

/// Why a witness file cannot be used.
#[derive(Debug, Error)]
pub enum WitnessError {
    /// The file is too large or holds too many checkpoints.
    #[error("the witness file is too large: {reason}")]
    TooLarge {
        /// Which limit.
        reason: String,
    },
    /// A checkpoint in it is malformed or its signature does not verify.
    #[error("witness checkpoint #{position} (line {line}): {source}")]
    Checkpoint {
        /// Its position, from 1.
        position: usize,
        /// Its first line.
        line: usize,
        /// What is wrong.
        #[source]
        source: CheckpointError,
    },
    /// The file holds no checkpoint.
    #[error("the witness file holds no checkpoint")]
    Empty,
}

/// Reads a witness file: signed checkpoints one after another (blank lines
/// between them are allowed, so plain concatenation works). Each must be
/// signed by `key` (its other signatures, such as the witness's own
/// cosignature, are ignored) and name `key`'s log as its origin.
pub fn parse_witness_file(
    text: &str,
    key: &VerifierKey,
) -> Result<Vec<WitnessCheckpoint>, WitnessError> {
    if text.len() > MAX_WITNESS_FILE_BYTES {
        return Err(WitnessError::TooLarge {
            reason: format!("more than {MAX_WITNESS_FILE_BYTES} bytes"),
        });
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut found = Vec::new();
    let mut position = 0usize;
    while position < lines.len() {
        if lines[position].trim_end_matches('\n').is_empty() {
            position += 1;
            continue;
        }
        let start = position;
        // The note text runs to the first blank line; its signatures are
        // the lines after it that start with an em dash.
        while position < lines.len() && !lines[position].trim_end_matches('\n').is_empty() {
            position += 1;
        }
        position += 1;
        while position < lines.len() && lines[position].starts_with('\u{2014}') {
            position += 1;
        }
        let note: String = lines[start..position.min(lines.len())].concat();
        if found.len() == MAX_WITNESS_CHECKPOINTS {
            return Err(WitnessError::TooLarge {
                reason: format!("more than {MAX_WITNESS_CHECKPOINTS} checkpoints"),
            });
        }
        let number = found.len() + 1;
        let opened =
            Checkpoint::open(note.as_bytes(), key).map_err(|source| WitnessError::Checkpoint {
                position: number,
                line: start + 1,
                source,
            })?;
        found.push(WitnessCheckpoint {
            position: number,
            line: start + 1,
            checkpoint: opened.checkpoint,
        });
    }
    if found.is_empty() {
        return Err(WitnessError::Empty);
    }
    Ok(found)
}

/// What a successful log verification checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogReport {
    /// Events checked (the tree size).
    pub events: u64,
    /// Today's root.
    pub root: TreeHash,
    /// Stored subtree hashes compared with the events.
    pub subtrees: u64,
    /// Stored signed checkpoints checked.
    pub stored_checkpoints: u64,
    /// Witness checkpoints matched.
    pub witness_checkpoints: u64,
    /// Consistency proofs generated and verified.
    pub consistency_proofs: u64,
}

impl fmt::Display for LogReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "log consistent: {} events, root {}; {} stored subtree hashes match the events; \
             {} signed checkpoints in the journal and {} witness checkpoints verified; \
             {} consistency proofs verified",
            self.events,
            hemicycle_log::checkpoint::encode_hash(&self.root),
            self.subtrees,
            self.stored_checkpoints,
            self.witness_checkpoints,
            self.consistency_proofs
        )
    }
}

/// Why the log does not verify.
#[derive(Debug, Error)]
pub enum LogVerifyError {
    /// The event chain itself is broken.
    #[error("journal is NOT intact: {0}")]
    Broken(ChainBreak),
    /// The log diverges from what was signed or witnessed.
    #[error("log is NOT consistent: {0}")]
    Divergence(String),
    /// The storage could not be read.
    #[error("could not verify the log: {0}")]
    Storage(#[from] StorageError),
}

fn diverged(message: String) -> LogVerifyError {
    LogVerifyError::Divergence(message)
}

fn b64(hash: &TreeHash) -> String {
    hemicycle_log::checkpoint::encode_hash(hash)
}

/// The last size at which the journal was seen to agree with a signed root.
#[derive(Clone)]
struct Agreement {
    tree_size: u64,
    what: String,
}

/// Verifies the whole journal and its log against `witness` checkpoints
/// (already parsed and signature-checked by [`parse_witness_file`]), and
/// every stored checkpoint against `key`. Stops at the first divergence and
/// says where it lies.
pub fn verify_log(
    storage: &dyn Storage,
    key: &VerifierKey,
    witness: &[WitnessCheckpoint],
) -> Result<LogReport, LogVerifyError> {
    let mut sorted: Vec<&WitnessCheckpoint> = witness.iter().collect();
    sorted.sort_by_key(|entry| (entry.checkpoint.tree_size, entry.position));
    for pair in sorted.windows(2) {
        let (first, second) = (pair[0], pair[1]);
        if first.checkpoint.tree_size == second.checkpoint.tree_size
            && first.checkpoint.root_hash != second.checkpoint.root_hash
        {
            return Err(diverged(format!(
                "the chamber's key signed two different trees of size {}: {first} and {second} \
                 (the log forked: it showed different histories to different people)",
                first.checkpoint.tree_size
            )));
        }
    }

    let mut report = LogReport {
        events: 0,
        root: empty_root(),
        subtrees: 0,
        stored_checkpoints: 0,
        witness_checkpoints: 0,
        consistency_proofs: 0,
    };
    let mut agreement = Agreement {
        tree_size: 0,
        what: "the empty tree".to_owned(),
    };
    let mut next_witness = 0usize;
    let mut stored = StoredCheckpoints::new(storage);
    let mut frontier = Frontier::new();
    let mut pending: Vec<(Subtree, TreeHash)> = Vec::new();

    // Checks at size 0 happen before the first event.
    check_size(
        &frontier,
        &sorted,
        &mut next_witness,
        &mut stored,
        key,
        &mut agreement,
        &mut report,
    )?;

    let mut checker = ChainChecker::from_start();
    let mut cursor = RecordCursor::new(storage, 1, REPLAY_PAGE_RECORDS);
    while let Some(next) = cursor.next_record() {
        let record = match next {
            Ok(record) => record,
            Err(CursorError::Break(chain_break)) => {
                return Err(LogVerifyError::Broken(chain_break))
            }
            Err(CursorError::Storage(error)) => return Err(error.into()),
        };
        checker.check(&record).map_err(LogVerifyError::Broken)?;
        let completed = frontier
            .push(leaf_hash(&record.canonical_bytes))
            .map_err(|error| diverged(error.to_string()))?;
        pending.extend(completed);
        if pending.len() >= TREE_CHECK_BATCH {
            compare_subtrees(storage, &mut pending, &mut report)?;
        }
        check_size(
            &frontier,
            &sorted,
            &mut next_witness,
            &mut stored,
            key,
            &mut agreement,
            &mut report,
        )?;
    }
    compare_subtrees(storage, &mut pending, &mut report)?;
    report.events = frontier.size();
    report.root = frontier.root();

    if let Some(beyond) = sorted.get(next_witness) {
        return Err(diverged(format!(
            "{beyond} covers {} events, but the journal holds only {}: events {} to {} were removed \
             (the journal was truncated; it last agreed with a signed tree at size {}, {})",
            beyond.checkpoint.tree_size,
            report.events,
            report.events + 1,
            beyond.checkpoint.tree_size,
            agreement.tree_size,
            agreement.what
        )));
    }
    if let Some(extra) = stored.next()? {
        return Err(diverged(format!(
            "the journal stores a signed checkpoint of size {} but holds only {} events \
             (events were removed from the end)",
            extra.tree_size, report.events
        )));
    }

    // Prove each witnessed tree consistent with the next one and the last
    // with today's tree, with proofs from the stored tree (checked above
    // against the events), as any outside verifier would.
    let tree = StoredTree::new(storage);
    let mut heads: Vec<(u64, TreeHash, String)> = sorted
        .iter()
        .map(|entry| {
            (
                entry.checkpoint.tree_size,
                entry.checkpoint.root_hash,
                entry.to_string(),
            )
        })
        .collect();
    heads.extend(stored.verified.iter().map(|(tree_size, root)| {
        (
            *tree_size,
            *root,
            format!("the journal's signed checkpoint of size {tree_size}"),
        )
    }));
    heads.sort_by_key(|(tree_size, _, _)| *tree_size);
    heads.push((report.events, report.root, "today's tree".to_owned()));
    for pair in heads.windows(2) {
        let ((from, from_root, from_name), (to, to_root, to_name)) = (&pair[0], &pair[1]);
        if *from == 0 {
            continue;
        }
        let proof = hemicycle_log::consistency_proof(&tree, *from, *to).map_err(|error| {
            diverged(format!(
                "no consistency proof from {from_name} to {to_name}: {error}"
            ))
        })?;
        verify_consistency(*from, *to, &proof, from_root, to_root).map_err(|error| {
            diverged(format!(
                "{to_name} is not consistent with {from_name}: {error}"
            ))
        })?;
        report.consistency_proofs += 1;
    }
    Ok(report)
}

/// Compares subtree hashes computed from the events with the stored ones.
fn compare_subtrees(
    storage: &dyn Storage,
    pending: &mut Vec<(Subtree, TreeHash)>,
    report: &mut LogReport,
) -> Result<(), LogVerifyError> {
    if pending.is_empty() {
        return Ok(());
    }
    let subtrees: Vec<Subtree> = pending.iter().map(|(subtree, _)| *subtree).collect();
    let stored = storage.subtree_hashes(&subtrees)?;
    for ((subtree, computed), stored) in pending.iter().zip(stored) {
        if *computed != stored {
            return Err(diverged(format!(
                "the stored Merkle tree disagrees with the events at level {}, index {} \
                 (events {} to {}): the tree table was altered, so proofs served from it would be false",
                subtree.level,
                subtree.index,
                subtree.first_leaf() + 1,
                subtree.first_leaf() + subtree.leaves()
            )));
        }
    }
    report.subtrees += pending.len() as u64;
    pending.clear();
    Ok(())
}

/// Checks every witnessed and stored checkpoint of the frontier's size.
fn check_size(
    frontier: &Frontier,
    sorted: &[&WitnessCheckpoint],
    next_witness: &mut usize,
    stored: &mut StoredCheckpoints<'_>,
    key: &VerifierKey,
    agreement: &mut Agreement,
    report: &mut LogReport,
) -> Result<(), LogVerifyError> {
    let size = frontier.size();
    let mut root = None;
    let mut root_now = || *root.get_or_insert_with(|| frontier.root());
    while let Some(entry) = sorted.get(*next_witness) {
        if entry.checkpoint.tree_size != size {
            break;
        }
        let ours = root_now();
        if ours != entry.checkpoint.root_hash {
            return Err(diverged(format!(
                "at tree size {size} the journal's root is {} but {entry} was signed with root {}: \
                 history was rewritten between tree size {} ({}) and {size} — at least one of events {} to {size} \
                 was altered, inserted or removed",
                b64(&ours),
                b64(&entry.checkpoint.root_hash),
                agreement.tree_size,
                agreement.what,
                agreement.tree_size + 1
            )));
        }
        *agreement = Agreement {
            tree_size: size,
            what: entry.to_string(),
        };
        report.witness_checkpoints += 1;
        *next_witness += 1;
    }
    while let Some(checkpoint) = stored.peek()? {
        if checkpoint.tree_size > size {
            break;
        }
        let checkpoint = stored.next()?.unwrap_or(checkpoint);
        if checkpoint.tree_size < size {
            // Only reachable for a store whose checkpoints skip sizes we
            // passed: cannot happen in ascending order, kept for safety.
            return Err(diverged(format!(
                "stored checkpoint of size {} was not reached in order",
                checkpoint.tree_size
            )));
        }
        let opened = Checkpoint::open(checkpoint.note.as_bytes(), key).map_err(|error| {
            diverged(format!(
                "the journal's stored checkpoint of size {size} does not verify with the key {}: {error}",
                key.name()
            ))
        })?;
        let ours = root_now();
        if opened.checkpoint.tree_size != size
            || opened.checkpoint.root_hash != ours
            || checkpoint.root_hash != ours
        {
            return Err(diverged(format!(
                "the journal's stored checkpoint of size {size} signed root {} but the events give {}: \
                 history was rewritten after it was signed — at least one of events {} to {size} changed",
                b64(&opened.checkpoint.root_hash),
                b64(&ours),
                agreement.tree_size + 1
            )));
        }
        *agreement = Agreement {
            tree_size: size,
            what: "the journal's own signed checkpoint".to_owned(),
        };
        stored.verified.push((size, ours));
        report.stored_checkpoints += 1;
    }
    Ok(())
}

/// The stored checkpoints in ascending size, a page at a time.
struct StoredCheckpoints<'a> {
    storage: &'a dyn Storage,
    buffer: std::collections::VecDeque<StoredCheckpoint>,
    next_from: u64,
    finished: bool,
    /// The size and root of each checkpoint checked so far.
    verified: Vec<(u64, TreeHash)>,
}

impl<'a> StoredCheckpoints<'a> {
    fn new(storage: &'a dyn Storage) -> StoredCheckpoints<'a> {
        StoredCheckpoints {
            storage,
            buffer: std::collections::VecDeque::new(),
            next_from: 0,
            finished: false,
            verified: Vec::new(),
        }
    }

    fn fill(&mut self) -> Result<(), StorageError> {
        if self.buffer.is_empty() && !self.finished {
            let page = self.storage.checkpoints(self.next_from, MAX_READ_RECORDS)?;
            match page.last() {
                None => self.finished = true,
                Some(last) => match last.tree_size.checked_add(1) {
                    Some(next) => self.next_from = next,
                    None => self.finished = true,
                },
            }
            self.buffer.extend(page);
        }
        Ok(())
    }

    fn peek(&mut self) -> Result<Option<StoredCheckpoint>, StorageError> {
        self.fill()?;
        Ok(self.buffer.front().cloned())
    }

    fn next(&mut self) -> Result<Option<StoredCheckpoint>, StorageError> {
        self.fill()?;
        Ok(self.buffer.pop_front())
    }
}
