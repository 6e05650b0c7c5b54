//! Checking stored records against the hash chain, shared by
//! [`Journal::replay`](crate::Journal::replay) and [`verify`](crate::verify)
//! so both apply exactly the same rules and give the same messages.

use std::collections::VecDeque;

use thiserror::Error;

use crate::event::Envelope;
use crate::hash::Hash;
use crate::storage::{Storage, StorageError, StoredRecord};

/// The first place where a journal's chain is broken: which event, and why.
///
/// Its `Display` is a plain-English sentence meant for a clerk or an auditor.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}", describe(*sequence, problem))]
pub struct ChainBreak {
    /// The event the problem is reported at. For a gap this is the missing
    /// sequence number that was expected.
    pub sequence: u64,
    /// What is wrong.
    pub problem: ChainProblem,
}

/// What is wrong at a [`ChainBreak`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// SHA-256 of the stored canonical bytes is not the stored hash: the
    /// bytes or the hash were changed.
    Altered,
    /// The event's `previous_hash` is not the hash of the event before it
    /// (or not zero for event 1).
    PreviousHashMismatch,
    /// The next stored event has a higher sequence than expected.
    SequenceGap {
        /// The sequence found instead.
        found: u64,
    },
    /// The next stored event has a lower sequence than expected (only a
    /// misbehaving backend can return this).
    SequenceOutOfOrder {
        /// The sequence found instead.
        found: u64,
    },
    /// The canonical bytes name a different sequence than the one the
    /// record is stored under.
    SequenceMismatch {
        /// The sequence inside the canonical bytes.
        inside: u64,
    },
    /// The stored bytes are not valid canonical bytes of an envelope.
    InvalidCanonicalBytes {
        /// Why not.
        reason: String,
    },
    /// The stored record cannot be read at all.
    Unreadable {
        /// Why not.
        reason: String,
    },
    /// The store ends before this event, which was known to exist.
    MissingFromEnd,
    /// The event's hash is not the one a trusted head recorded for it.
    AnchorMismatch {
        /// The hash the trusted head recorded.
        expected: Hash,
        /// The hash stored now.
        found: Hash,
    },
}

fn describe(sequence: u64, problem: &ChainProblem) -> String {
    match problem {
        ChainProblem::Altered => {
            format!("event {sequence}: stored hash does not match its contents (altered)")
        }
        ChainProblem::PreviousHashMismatch if sequence <= 1 => "event 1: its previous_hash is not all zeros, \
             so it was not the first event (events were removed or inserted before it)"
            .to_owned(),
        ChainProblem::PreviousHashMismatch => format!(
            "event {sequence}: its previous_hash does not match event {}'s hash \
             (event {} was altered, or an event was removed, inserted or reordered before it)",
            sequence - 1,
            sequence - 1
        ),
        ChainProblem::SequenceGap { found } => {
            format!("sequence gap: expected event {sequence}, found {found} (events removed)")
        }
        ChainProblem::SequenceOutOfOrder { found } => format!(
            "sequence out of order: expected event {sequence}, found {found} (events duplicated or reordered)"
        ),
        ChainProblem::SequenceMismatch { inside } => format!(
            "event {sequence}: its contents say it is event {inside} (events were moved or reordered)"
        ),
        ChainProblem::InvalidCanonicalBytes { reason } => {
            format!("event {sequence}: canonical bytes are not valid: {reason}")
        }
        ChainProblem::Unreadable { reason } => {
            format!("event {sequence}: stored record is unreadable: {reason}")
        }
        ChainProblem::MissingFromEnd => format!(
            "expected event {sequence}, found the end of the journal (events removed from the end)"
        ),
        ChainProblem::AnchorMismatch { expected, found } => format!(
            "event {sequence}: its hash {found} is not the trusted hash {expected} recorded for it \
             earlier (the journal was rewritten up to this event)"
        ),
    }
}

impl ChainBreak {
    pub(crate) fn new(sequence: u64, problem: ChainProblem) -> ChainBreak {
        ChainBreak { sequence, problem }
    }
}

/// Checks what one record says about itself: its hash matches its bytes,
/// the bytes are canonical, and they name the sequence it is stored under.
pub(crate) fn check_record(record: &StoredRecord) -> Result<Envelope, ChainBreak> {
    let sequence = record.sequence;
    // The hash is compared first: tampering usually also breaks parsing, and
    // "altered" is the more useful report.
    if Hash::of(&record.canonical_bytes) != record.hash {
        return Err(ChainBreak::new(sequence, ChainProblem::Altered));
    }
    let envelope = Envelope::parse(&record.canonical_bytes).map_err(|error| {
        ChainBreak::new(
            sequence,
            ChainProblem::InvalidCanonicalBytes {
                reason: error.to_string(),
            },
        )
    })?;
    if envelope.sequence != sequence {
        return Err(ChainBreak::new(
            sequence,
            ChainProblem::SequenceMismatch {
                inside: envelope.sequence,
            },
        ));
    }
    Ok(envelope)
}

/// Walks records in order, checking each one and its link to the one
/// before.
#[derive(Debug)]
pub(crate) struct ChainChecker {
    expected_sequence: u64,
    previous_hash: Hash,
}

impl ChainChecker {
    /// A checker for a walk from event 1.
    pub(crate) fn from_start() -> ChainChecker {
        ChainChecker {
            expected_sequence: 1,
            previous_hash: Hash::ZERO,
        }
    }

    /// A checker for a walk that starts right after `previous`, whose own
    /// record has already been checked.
    pub(crate) fn after(previous_sequence: u64, previous_hash: Hash) -> ChainChecker {
        ChainChecker {
            expected_sequence: previous_sequence.saturating_add(1),
            previous_hash,
        }
    }

    /// The sequence the next record must have.
    pub(crate) fn expected_sequence(&self) -> u64 {
        self.expected_sequence
    }

    pub(crate) fn check(&mut self, record: &StoredRecord) -> Result<Envelope, ChainBreak> {
        let expected = self.expected_sequence;
        if record.sequence > expected {
            return Err(ChainBreak::new(
                expected,
                ChainProblem::SequenceGap {
                    found: record.sequence,
                },
            ));
        }
        if record.sequence < expected {
            return Err(ChainBreak::new(
                expected,
                ChainProblem::SequenceOutOfOrder {
                    found: record.sequence,
                },
            ));
        }
        let envelope = check_record(record)?;
        if envelope.previous_hash != self.previous_hash {
            return Err(ChainBreak::new(
                expected,
                ChainProblem::PreviousHashMismatch,
            ));
        }
        self.expected_sequence = expected.saturating_add(1);
        self.previous_hash = envelope.hash;
        Ok(envelope)
    }
}

/// What went wrong while reading records in order.
#[derive(Debug)]
pub(crate) enum CursorError {
    /// A record could not be decoded by the backend, reported as a chain
    /// break at that record (or at the gap before it).
    Break(ChainBreak),
    Storage(StorageError),
}

/// Reads records in ascending order, a page at a time.
///
/// When a page fails because one record in it is unreadable, the cursor
/// falls back to reading that page one record at a time, so every readable
/// record before the bad one is still checked and the FIRST problem is the
/// one reported.
pub(crate) struct RecordCursor<'a> {
    storage: &'a dyn Storage,
    next_from: u64,
    page_records: usize,
    buffer: VecDeque<StoredRecord>,
    single_reads_left: usize,
    finished: bool,
}

impl<'a> RecordCursor<'a> {
    pub(crate) fn new(
        storage: &'a dyn Storage,
        from_sequence: u64,
        page_records: usize,
    ) -> RecordCursor<'a> {
        RecordCursor {
            storage,
            next_from: from_sequence,
            page_records: page_records.max(1),
            buffer: VecDeque::new(),
            single_reads_left: 0,
            finished: false,
        }
    }

    pub(crate) fn next_record(&mut self) -> Option<Result<StoredRecord, CursorError>> {
        if self.buffer.is_empty() && !self.finished {
            if let Err(error) = self.fill() {
                self.finished = true;
                return Some(Err(error));
            }
        }
        self.buffer.pop_front().map(Ok)
    }

    fn fill(&mut self) -> Result<(), CursorError> {
        loop {
            let limit = if self.single_reads_left > 0 {
                1
            } else {
                self.page_records
            };
            match self.storage.read(self.next_from, limit) {
                Ok(page) => {
                    self.single_reads_left = self.single_reads_left.saturating_sub(1);
                    match page.last() {
                        None => self.finished = true,
                        Some(last)
                            if last.sequence >= self.next_from && last.sequence < u64::MAX =>
                        {
                            self.next_from = last.sequence + 1;
                        }
                        // A backend that goes backwards (or reaches the last
                        // possible sequence) gets no further reads; the chain
                        // checker reports what it returned.
                        Some(_) => self.finished = true,
                    }
                    self.buffer.extend(page);
                    return Ok(());
                }
                Err(StorageError::CorruptRecord { .. }) if limit > 1 => {
                    self.single_reads_left = self.page_records;
                }
                Err(StorageError::CorruptRecord { sequence, reason }) => {
                    let sequence = u64::try_from(sequence).unwrap_or(self.next_from);
                    // Records are read in order and the walk stops at the
                    // first problem, so `next_from` is the event the chain
                    // expects next: an unreadable record further on means
                    // events are missing before it, which is the first
                    // problem.
                    let problem = if sequence > self.next_from {
                        ChainBreak::new(
                            self.next_from,
                            ChainProblem::SequenceGap { found: sequence },
                        )
                    } else {
                        ChainBreak::new(sequence, ChainProblem::Unreadable { reason })
                    };
                    return Err(CursorError::Break(problem));
                }
                Err(error) => return Err(CursorError::Storage(error)),
            }
        }
    }
}
