//! Checking stored records against the hash chain, shared by
//! [`Journal::replay`](crate::Journal::replay) and [`verify`](crate::verify)
//! so both apply exactly the same rules and give the same messages.

use std::cell::Cell;
use std::collections::VecDeque;
use std::ops::Deref;
use std::sync::mpsc::{sync_channel, Receiver};

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
    // The hash was just checked, so parsing need not compute it again.
    let envelope =
        Envelope::parse_with_hash(&record.canonical_bytes, record.hash).map_err(|error| {
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

/// Work a reader wants done on each intact envelope while it is still on
/// the checking thread (the engine decodes its events there), so that the
/// reader's own thread is left with only what must be done in order.
pub(crate) type Preparation<T> = fn(&Envelope) -> T;

/// A record read by a [`RecordCursor`], with what it says about itself
/// (the result of [`check_record`]) and the reader's [`Preparation`] of it
/// already worked out, often on another thread while the reader was busy
/// with the records before it.
///
/// It dereferences to the stored record. [`ChainChecker::check`] takes the
/// result out, so each record is checked once.
pub(crate) struct CheckedRecord<T = ()> {
    record: StoredRecord,
    /// `None` once taken by [`ChainChecker::check`].
    self_check: Cell<Option<SelfCheck<T>>>,
}

/// What a record says about itself, and its preparation if it is intact.
type SelfCheck<T> = Result<(Envelope, T), ChainBreak>;

impl<T> CheckedRecord<T> {
    fn new(record: StoredRecord, prepare: Preparation<T>) -> CheckedRecord<T> {
        let self_check = check_record(&record).map(|envelope| {
            let prepared = prepare(&envelope);
            (envelope, prepared)
        });
        CheckedRecord {
            record,
            self_check: Cell::new(Some(self_check)),
        }
    }

    fn take_self_check(&self) -> SelfCheck<T> {
        // Checking a record twice is a bug in this crate: each record read is
        // handed to the checker once, and the walk stops at the first error.
        self.self_check
            .take()
            .unwrap_or_else(|| panic!("record {} was checked twice", self.record.sequence))
    }
}

impl<T> Deref for CheckedRecord<T> {
    type Target = StoredRecord;

    fn deref(&self) -> &StoredRecord {
        &self.record
    }
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

    /// Checks the next record of the walk, in this order: its sequence is
    /// the one expected, it is intact and canonical and names that sequence
    /// ([`check_record`], done by the cursor), and it links to the record
    /// before. The order decides which problem is reported when several
    /// are present, so it is the same as when everything ran here.
    pub(crate) fn check(&mut self, record: &CheckedRecord) -> Result<Envelope, ChainBreak> {
        self.check_prepared(record).map(|(envelope, ())| envelope)
    }

    /// [`ChainChecker::check`], also giving the record's preparation.
    pub(crate) fn check_prepared<T>(
        &mut self,
        record: &CheckedRecord<T>,
    ) -> Result<(Envelope, T), ChainBreak> {
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
        let (envelope, prepared) = record.take_self_check()?;
        if envelope.previous_hash != self.previous_hash {
            return Err(ChainBreak::new(
                expected,
                ChainProblem::PreviousHashMismatch,
            ));
        }
        self.expected_sequence = expected.saturating_add(1);
        self.previous_hash = envelope.hash;
        Ok((envelope, prepared))
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

/// Pages read ahead of the one being handed out, each checked on the rayon
/// pool meanwhile. Two keep both cores busy (one reading and folding, one
/// checking) and bound the memory held to three pages of at most
/// [`MAX_READ_BYTES`](crate::limits::MAX_READ_BYTES) each.
const PAGES_AHEAD: usize = 2;

/// Pages smaller than this are checked where they are read: the hand-off to
/// another thread would cost more than it saves (a replay of a few new
/// events, a small journal).
const PARALLEL_CHECK_MIN_RECORDS: usize = 64;

/// A page read from storage, waiting to be handed out in order.
enum PendingPage<T> {
    /// Being checked on the rayon pool.
    Checking(Receiver<Vec<CheckedRecord<T>>>),
    /// Checked already, on this thread.
    Checked(Vec<CheckedRecord<T>>),
    /// Reading stopped here; the error is reported when the reader gets
    /// this far, after every record read before it.
    Failed(CursorError),
}

/// Reads records in ascending order, a page at a time, and checks what each
/// record says about itself ([`check_record`]: its hash and canonical bytes)
/// ahead of time: while the caller works through one page, the next pages
/// are read and checked on the rayon pool. The caller's [`ChainChecker`]
/// still sees every record in order and applies every check in order.
///
/// When a page fails because one record in it is unreadable, the cursor
/// falls back to reading that page one record at a time, so every readable
/// record before the bad one is still checked and the FIRST problem is the
/// one reported.
pub(crate) struct RecordCursor<'a, T = ()> {
    storage: &'a dyn Storage,
    next_from: u64,
    page_records: usize,
    prepare: Preparation<T>,
    buffer: VecDeque<CheckedRecord<T>>,
    pending: VecDeque<PendingPage<T>>,
    single_reads_left: usize,
    /// No more reads: the end, an error, or a backend going backwards.
    reads_finished: bool,
}

impl<'a> RecordCursor<'a> {
    /// A cursor from `from_sequence` on, reading `page_records` at a time.
    pub(crate) fn new(
        storage: &'a dyn Storage,
        from_sequence: u64,
        page_records: usize,
    ) -> RecordCursor<'a> {
        RecordCursor::with_preparation(storage, from_sequence, page_records, |_| ())
    }
}

impl<'a, T: Send + 'static> RecordCursor<'a, T> {
    /// Like [`RecordCursor::new`], also running `prepare` on each intact
    /// envelope as it is checked.
    pub(crate) fn with_preparation(
        storage: &'a dyn Storage,
        from_sequence: u64,
        page_records: usize,
        prepare: Preparation<T>,
    ) -> RecordCursor<'a, T> {
        RecordCursor {
            storage,
            next_from: from_sequence,
            page_records: page_records.max(1),
            prepare,
            buffer: VecDeque::new(),
            pending: VecDeque::new(),
            single_reads_left: 0,
            reads_finished: false,
        }
    }

    pub(crate) fn next_record(&mut self) -> Option<Result<CheckedRecord<T>, CursorError>> {
        while self.buffer.is_empty() {
            self.read_ahead();
            match self.pending.pop_front()? {
                PendingPage::Checked(page) => self.buffer.extend(page),
                PendingPage::Checking(receiver) => match receiver.recv() {
                    Ok(page) => self.buffer.extend(page),
                    // The checking task panicked (a bug, reported by rayon);
                    // never hand out a record that was not checked.
                    Err(_) => panic!("a page check stopped without a result"),
                },
                PendingPage::Failed(error) => {
                    self.pending.clear();
                    return Some(Err(error));
                }
            }
        }
        self.buffer.pop_front().map(Ok)
    }

    /// Reads pages until [`PAGES_AHEAD`] are waiting or reading is over, and
    /// starts checking each.
    fn read_ahead(&mut self) {
        let prepare = self.prepare;
        while self.pending.len() < PAGES_AHEAD && !self.reads_finished {
            match self.read_page() {
                Ok(page) if page.is_empty() => self.reads_finished = true,
                Ok(page) if page.len() < PARALLEL_CHECK_MIN_RECORDS => self
                    .pending
                    .push_back(PendingPage::Checked(check_page(page, prepare))),
                Ok(page) => {
                    let (sender, receiver) = sync_channel(1);
                    rayon::spawn(move || {
                        // The receiver is gone only if the walk stopped early;
                        // the result is then not needed.
                        let _ = sender.send(check_page(page, prepare));
                    });
                    self.pending.push_back(PendingPage::Checking(receiver));
                }
                Err(error) => {
                    self.reads_finished = true;
                    self.pending.push_back(PendingPage::Failed(error));
                }
            }
        }
    }

    /// Reads the next page (empty at the end).
    fn read_page(&mut self) -> Result<Vec<StoredRecord>, CursorError> {
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
                        None => self.reads_finished = true,
                        Some(last)
                            if last.sequence >= self.next_from && last.sequence < u64::MAX =>
                        {
                            self.next_from = last.sequence + 1;
                        }
                        // A backend that goes backwards (or reaches the last
                        // possible sequence) gets no further reads; the chain
                        // checker reports what it returned.
                        Some(_) => self.reads_finished = true,
                    }
                    return Ok(page);
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

/// Checks what every record of a page says about itself, and prepares the
/// intact ones.
fn check_page<T>(page: Vec<StoredRecord>, prepare: Preparation<T>) -> Vec<CheckedRecord<T>> {
    page.into_iter()
        .map(|record| CheckedRecord::new(record, prepare))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::NewEvent;
    use crate::sqlite::SqliteStorage;

    /// `count` chained records; `alter` may change each one's bytes after
    /// its hash was computed (so the stored hash no longer matches).
    fn records(count: u64, alter: impl Fn(u64, &mut Vec<u8>)) -> Vec<StoredRecord> {
        let mut previous_hash = Hash::ZERO;
        (1..=count)
            .map(|sequence| {
                let envelope = Envelope::new(
                    sequence,
                    previous_hash,
                    NewEvent {
                        recorded_at: "2020-01-05T16:25:00+03:00".to_owned(),
                        actor: "member:m001".to_owned(),
                        payload: format!(r#"{{"n":{sequence}}}"#).into_bytes(),
                    },
                )
                .unwrap();
                previous_hash = envelope.hash;
                let mut canonical_bytes = envelope.canonical_bytes();
                alter(sequence, &mut canonical_bytes);
                StoredRecord {
                    sequence,
                    canonical_bytes,
                    hash: envelope.hash,
                }
            })
            .collect()
    }

    fn stored(records: &[StoredRecord]) -> SqliteStorage {
        let mut storage = SqliteStorage::open_in_memory().unwrap();
        for chunk in records.chunks(1000) {
            storage.append(chunk).unwrap();
        }
        storage
    }

    /// Walks the whole store, returning the sequences handed out in order or
    /// the first break.
    fn walk(storage: &dyn Storage, page_records: usize) -> Result<Vec<u64>, ChainBreak> {
        let mut cursor = RecordCursor::new(storage, 1, page_records);
        let mut checker = ChainChecker::from_start();
        let mut sequences = Vec::new();
        while let Some(next) = cursor.next_record() {
            let record = match next {
                Ok(record) => record,
                Err(CursorError::Break(chain_break)) => return Err(chain_break),
                Err(CursorError::Storage(error)) => panic!("storage failed: {error}"),
            };
            sequences.push(checker.check(&record)?.sequence);
        }
        Ok(sequences)
    }

    #[test]
    fn pages_checked_ahead_are_handed_out_whole_and_in_order() {
        let storage = stored(&records(5_000, |_, _| {}));
        // Pages small enough to be checked where they are read, and large
        // enough to be checked on the rayon pool.
        for page_records in [7, PARALLEL_CHECK_MIN_RECORDS, 1000] {
            let sequences = walk(&storage, page_records).unwrap();
            assert_eq!(
                sequences,
                (1..=5_000).collect::<Vec<_>>(),
                "pages of {page_records}"
            );
        }
    }

    #[test]
    fn the_first_problem_is_reported_even_when_later_pages_were_checked_first() {
        // Event 2,500 is altered (its bytes no longer match its hash) and
        // event 4,000 names the wrong sequence inside; pages read ahead hold
        // both, and the earlier one must be the one reported.
        let storage = stored(&records(5_000, |sequence, bytes| match sequence {
            2_500 => {
                let last = bytes.len() - 3;
                bytes[last] = b'x';
            }
            4_000 => {
                let text = String::from_utf8(bytes.clone()).unwrap();
                *bytes = text.replacen("4000", "4001", 1).into_bytes();
            }
            _ => {}
        }));
        let chain_break = walk(&storage, 1000).unwrap_err();
        assert_eq!(chain_break, ChainBreak::new(2_500, ChainProblem::Altered));
    }
}
