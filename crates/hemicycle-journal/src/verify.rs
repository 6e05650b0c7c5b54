//! Whole-journal verification, independent of any [`Journal`](crate::Journal).

use std::fmt;

use thiserror::Error;

use crate::chain::{ChainBreak, ChainChecker, ChainProblem, CursorError, RecordCursor};
use crate::limits::REPLAY_PAGE_RECORDS;
use crate::storage::{Head, Storage, StorageError};

/// The result of verifying an intact journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyReport {
    /// How many events were checked (all of them).
    pub events: u64,
    /// The last event, or `None` for an empty journal.
    pub head: Option<Head>,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.head {
            None => formatter.write_str("journal intact: no events"),
            Some(head) => write!(
                formatter,
                "journal intact: {} events, head hash {}",
                self.events, head.hash
            ),
        }
    }
}

/// Why verification failed.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// The journal was tampered with or is corrupt; this names the FIRST bad
    /// event.
    #[error("journal is NOT intact: {0}")]
    Broken(ChainBreak),
    /// The storage could not be read, so nothing can be concluded.
    #[error("could not verify the journal: {0}")]
    Storage(#[from] StorageError),
}

impl VerifyError {
    /// The first break found, if the journal was readable but not intact.
    pub fn chain_break(&self) -> Option<&ChainBreak> {
        match self {
            VerifyError::Broken(chain_break) => Some(chain_break),
            VerifyError::Storage(_) => None,
        }
    }
}

/// Checks every stored event from event 1 to the end: each stored hash is
/// the SHA-256 of its canonical bytes, the bytes are canonical and name the
/// sequence they are stored under, sequences have no gaps, and every
/// `previous_hash` is the hash of the event before (zero for event 1).
///
/// This catches any altered, removed, inserted or reordered event and any
/// altered hash, EXCEPT events removed from the end or a wholesale rewrite
/// with every hash recomputed: nothing inside the store can tell those from
/// a genuine shorter or different journal. To catch them, keep a head
/// somewhere else (published, signed, or held by another node) and use
/// [`verify_against`].
pub fn verify(storage: &dyn Storage) -> Result<VerifyReport, VerifyError> {
    walk(storage, None)
}

/// Like [`verify`], and also checks that the event at `trusted.sequence`
/// still exists with hash `trusted.hash`: a head recorded earlier (and kept
/// outside the store) then proves no event up to it was removed or rewritten.
pub fn verify_against(storage: &dyn Storage, trusted: &Head) -> Result<VerifyReport, VerifyError> {
    walk(storage, Some(trusted))
}

fn walk(storage: &dyn Storage, trusted: Option<&Head>) -> Result<VerifyReport, VerifyError> {
    let mut checker = ChainChecker::from_start();
    let mut cursor = RecordCursor::new(storage, 1, REPLAY_PAGE_RECORDS);
    let mut head = None;
    let mut events = 0u64;
    while let Some(next) = cursor.next_record() {
        let record = match next {
            Ok(record) => record,
            Err(CursorError::Break(chain_break)) => return Err(VerifyError::Broken(chain_break)),
            Err(CursorError::Storage(error)) => return Err(error.into()),
        };
        let envelope = checker.check(&record).map_err(VerifyError::Broken)?;
        if let Some(trusted) = trusted {
            if envelope.sequence == trusted.sequence && envelope.hash != trusted.hash {
                return Err(VerifyError::Broken(ChainBreak::new(
                    envelope.sequence,
                    ChainProblem::AnchorMismatch {
                        expected: trusted.hash,
                        found: envelope.hash,
                    },
                )));
            }
        }
        events += 1;
        head = Some(Head {
            sequence: envelope.sequence,
            hash: envelope.hash,
        });
    }
    if let Some(trusted) = trusted {
        if events < trusted.sequence {
            return Err(VerifyError::Broken(ChainBreak::new(
                events + 1,
                ChainProblem::MissingFromEnd,
            )));
        }
    }
    Ok(VerifyReport { events, head })
}
