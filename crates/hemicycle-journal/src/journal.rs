//! The journal: appends events to a storage backend with hash chaining, and
//! replays them with the chain checked again.

use thiserror::Error;

use crate::chain::{
    check_record, ChainBreak, ChainChecker, ChainProblem, CursorError, RecordCursor,
};
use crate::event::{Envelope, EventError, NewEvent};
use crate::hash::Hash;
use crate::limits::{MAX_BATCH_BYTES, MAX_BATCH_EVENTS, REPLAY_PAGE_RECORDS};
use crate::log::{prepare_checkpoint, LogError};
use crate::storage::{Head, Storage, StorageError, StoredCheckpoint, StoredRecord};
use hemicycle_log::{leaf_hash, SignerKey};

/// A failure of the journal.
#[derive(Debug, Error)]
pub enum JournalError {
    /// One event of a batch is invalid; nothing was appended.
    #[error(
        "event {index} of the batch (counting from 0) is invalid, nothing was appended: {source}"
    )]
    InvalidEvent {
        /// Index of the event in the submitted batch.
        index: usize,
        /// What is wrong with it.
        #[source]
        source: EventError,
    },
    /// More events than [`MAX_BATCH_EVENTS`] in one append.
    #[error("a batch of {events} events is more than the limit of {max}; nothing was appended")]
    BatchTooLarge {
        /// Events in the batch.
        events: usize,
        /// The limit.
        max: usize,
    },
    /// More canonical bytes than [`MAX_BATCH_BYTES`] in one append.
    #[error(
        "a batch of {bytes} bytes is more than the limit of {max} bytes; nothing was appended"
    )]
    BatchTooManyBytes {
        /// Total canonical bytes of the batch.
        bytes: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// No sequence number is left (the journal holds `u64::MAX` events).
    #[error("the journal is full: there is no sequence number after {last}")]
    SequenceExhausted {
        /// The last sequence number.
        last: u64,
    },
    /// Replays start at event 1 or later.
    #[error("replay must start at event 1 or later, not 0")]
    ReplayFromZero,
    /// A replay was asked to start past the end of the journal.
    #[error("cannot replay from event {from}: the journal ends at event {last}")]
    ReplayBeyondEnd {
        /// The requested start.
        from: u64,
        /// The last event stored.
        last: u64,
    },
    /// The stored chain is broken.
    #[error(transparent)]
    Broken(#[from] ChainBreak),
    /// The storage backend failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A checkpoint could not be signed (nothing was appended).
    #[error("cannot sign a checkpoint, nothing was appended: {0}")]
    Checkpoint(#[from] LogError),
}

impl JournalError {
    /// Whether this is an append conflict: another writer appended first.
    /// The journal's head is unchanged; the caller catches up with
    /// [`Journal::catch_up`] (applying what the other writer recorded),
    /// rebuilds its batch and tries again.
    pub fn is_conflict(&self) -> bool {
        matches!(self, JournalError::Storage(StorageError::Conflict { .. }))
    }
}

/// Why a replay stopped.
#[derive(Debug, Error)]
pub enum ReplayError<E> {
    /// The journal failed (including a broken chain).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The visitor returned an error.
    #[error("the replay visitor stopped: {0}")]
    Visitor(E),
}

/// The event journal over a storage backend.
///
/// It keeps in memory the head it has seen: the last event it appended or
/// read by [`Journal::catch_up`]. The head only moves forward through those
/// two, so a user folding events into a state always knows exactly which
/// events its state holds. When other writers share the store, the
/// backend's conflict check refuses an append built on a stale head.
#[derive(Debug)]
pub struct Journal<S: Storage> {
    storage: S,
    head: Option<Head>,
}

impl<S: Storage> Journal<S> {
    /// Opens a journal over `storage`, reading its head and checking that
    /// the last event is intact (so new events never chain onto a tampered
    /// event). This does not check the whole chain: use
    /// [`verify`](crate::verify) for that.
    pub fn open(storage: S) -> Result<Journal<S>, JournalError> {
        let head = read_checked_head(&storage)?;
        Ok(Journal { storage, head })
    }

    /// The last event as of opening or the last append by this journal.
    pub fn head(&self) -> Option<Head> {
        self.head
    }

    /// The number of events as of opening or the last append by this
    /// journal (the head's sequence, as sequences are contiguous).
    pub fn len(&self) -> u64 {
        self.head.map_or(0, |head| head.sequence)
    }

    /// Whether the journal had no events as of opening or the last append.
    pub fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// The storage backend.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The storage backend, for its writers' lock. Appending through it
    /// directly would leave this journal's head behind (the next append
    /// would be refused as a conflict until [`Journal::catch_up`]).
    pub fn storage_mut(&mut self) -> &mut S {
        &mut self.storage
    }

    /// Visits, in order and with the chain checked, the events other
    /// writers appended after this journal's head, moving the head past
    /// each one visited. Returns how many were visited. On an error the
    /// head stays after the last event visited successfully.
    pub fn catch_up<E>(
        &mut self,
        mut visit: impl FnMut(&Envelope) -> Result<(), E>,
    ) -> Result<u64, ReplayError<E>> {
        let stored = self.storage.head().map_err(JournalError::from)?;
        if stored.map(|head| head.sequence) <= self.head.map(|head| head.sequence) {
            return Ok(0);
        }
        let from = self.head.map_or(1, |head| head.sequence + 1);
        let mut visited = 0u64;
        let mut last = None;
        let result = (|| {
            for envelope in self.events_from(from)? {
                let envelope = envelope?;
                visit(&envelope).map_err(ReplayError::Visitor)?;
                last = Some(Head {
                    sequence: envelope.sequence,
                    hash: envelope.hash,
                });
                visited += 1;
            }
            Ok(())
        })();
        if let Some(last) = last {
            self.head = Some(last);
        }
        result.map(|()| visited)
    }

    /// Gives the storage backend back.
    pub fn into_storage(self) -> S {
        self.storage
    }

    /// Appends `events` as one atomic batch and returns their envelopes.
    ///
    /// Every event is validated first; if any is invalid, or the batch is
    /// over the limits, nothing is appended. On
    /// [`StorageError::Conflict`] (see [`JournalError::is_conflict`]) the
    /// caller catches up and retries. An empty batch appends nothing.
    pub fn append(&mut self, events: Vec<NewEvent>) -> Result<Vec<Envelope>, JournalError> {
        Ok(self.append_with(events, None)?.0)
    }

    /// Like [`Journal::append`], and also signs a checkpoint of the tree
    /// after the batch with `signer`, stored in the same transaction. Refuses
    /// (appending nothing) if that tree is not consistent with the latest
    /// signed checkpoint. Returns the new checkpoint, or `None` when the
    /// latest one already covers this exact tree.
    pub fn append_signed(
        &mut self,
        events: Vec<NewEvent>,
        signer: &SignerKey,
    ) -> Result<(Vec<Envelope>, Option<StoredCheckpoint>), JournalError> {
        self.append_with(events, Some(signer))
    }

    /// Signs a checkpoint of the journal as it is now (on demand) and
    /// returns it, or returns the latest one if it already covers every event.
    pub fn sign_checkpoint(
        &mut self,
        signer: &SignerKey,
    ) -> Result<StoredCheckpoint, JournalError> {
        match self.append_with(Vec::new(), Some(signer))?.1 {
            Some(checkpoint) => Ok(checkpoint),
            None => Ok(crate::log::latest_checkpoint(&self.storage)?),
        }
    }

    fn append_with(
        &mut self,
        events: Vec<NewEvent>,
        signer: Option<&SignerKey>,
    ) -> Result<(Vec<Envelope>, Option<StoredCheckpoint>), JournalError> {
        if events.is_empty() && signer.is_none() {
            return Ok((Vec::new(), None));
        }
        if events.len() > MAX_BATCH_EVENTS {
            return Err(JournalError::BatchTooLarge {
                events: events.len(),
                max: MAX_BATCH_EVENTS,
            });
        }
        let (mut next_sequence, mut previous_hash) = match self.head {
            None => (Some(1), Hash::ZERO),
            Some(head) => (head.sequence.checked_add(1), head.hash),
        };
        let mut envelopes = Vec::with_capacity(events.len());
        let mut records = Vec::with_capacity(events.len());
        let mut total_bytes = 0usize;
        for (index, event) in events.into_iter().enumerate() {
            let sequence =
                next_sequence.ok_or(JournalError::SequenceExhausted { last: u64::MAX })?;
            let (envelope, canonical_bytes) =
                Envelope::new_with_canonical_bytes(sequence, previous_hash, event)
                    .map_err(|source| JournalError::InvalidEvent { index, source })?;
            total_bytes = total_bytes.saturating_add(canonical_bytes.len());
            if total_bytes > MAX_BATCH_BYTES {
                return Err(JournalError::BatchTooManyBytes {
                    bytes: total_bytes,
                    max: MAX_BATCH_BYTES,
                });
            }
            previous_hash = envelope.hash;
            next_sequence = sequence.checked_add(1);
            records.push(StoredRecord {
                sequence,
                canonical_bytes,
                hash: envelope.hash,
            });
            envelopes.push(envelope);
        }
        self.assert_batch_is_chained(&envelopes, &records);

        let checkpoint = match signer {
            None => None,
            Some(signer) => {
                let leaves: Vec<_> = records
                    .iter()
                    .map(|record| leaf_hash(&record.canonical_bytes))
                    .collect();
                let stored_size = self.head.map_or(0, |head| head.sequence);
                let checkpoint = prepare_checkpoint(&self.storage, stored_size, &leaves, signer)?;
                if checkpoint.is_none() && records.is_empty() {
                    return Ok((Vec::new(), None));
                }
                checkpoint
            }
        };

        match self
            .storage
            .append_with_checkpoint(&records, checkpoint.as_ref())
        {
            Ok(()) => {
                if let Some(last) = envelopes.last() {
                    self.head = Some(Head {
                        sequence: last.sequence,
                        hash: last.hash,
                    });
                }
                Ok((envelopes, checkpoint))
            }
            // The head stays where it was: on a conflict the other writer's
            // events must be caught up (and folded) before appending again.
            Err(error) => Err(error.into()),
        }
    }

    /// The invariants of a batch built by [`Journal::append`]. A failure here
    /// is a bug in this crate, never bad input (all input was validated), so
    /// it stops before anything reaches storage.
    fn assert_batch_is_chained(&self, envelopes: &[Envelope], records: &[StoredRecord]) {
        let mut previous = self.head.map_or(Hash::ZERO, |head| head.hash);
        let first = self.head.map_or(1, |head| head.sequence + 1);
        for (offset, (envelope, record)) in envelopes.iter().zip(records).enumerate() {
            assert_eq!(
                envelope.sequence,
                first + offset as u64,
                "batch sequences are contiguous"
            );
            assert_eq!(
                envelope.previous_hash, previous,
                "each event chains to the one before"
            );
            assert_eq!(
                record.hash,
                Hash::of(&record.canonical_bytes),
                "stored hash is the hash of the bytes"
            );
            assert_eq!(
                Envelope::parse(&record.canonical_bytes).as_ref(),
                Ok(envelope),
                "canonical bytes parse back to the same envelope"
            );
            previous = envelope.hash;
        }
    }

    /// Iterates over the events from `from_sequence` on, checking the chain
    /// again as it reads (see [`Replay`]).
    pub fn events_from(&self, from_sequence: u64) -> Result<Replay<'_>, JournalError> {
        Ok(Replay {
            inner: self.events_prepared_from(from_sequence, |_| ())?,
        })
    }

    /// Like [`Journal::events_from`], and also runs `prepare` on each event
    /// once its own checks (hash, canonical bytes, sequence) have passed,
    /// on the thread that checked it (often not the caller's), and yields
    /// each envelope with its preparation. The chain link and order are
    /// still checked in order, on the caller's thread, before an event is
    /// yielded. A caller that decodes every event (the engine) decodes here
    /// in parallel with its own folding.
    pub fn events_prepared_from<T: Send + 'static>(
        &self,
        from_sequence: u64,
        prepare: fn(&Envelope) -> T,
    ) -> Result<PreparedReplay<'_, T>, JournalError> {
        if from_sequence == 0 {
            return Err(JournalError::ReplayFromZero);
        }
        let known_last = self.head.map_or(0, |head| head.sequence);
        let checker = if from_sequence == 1 {
            ChainChecker::from_start()
        } else {
            // The chain link of the first replayed event is checked against
            // the event before it, whose own integrity is checked here.
            let previous_sequence = from_sequence - 1;
            let previous = self.storage.read(previous_sequence, 1)?;
            match previous.first() {
                Some(record) if record.sequence == previous_sequence => {
                    check_record(record)?;
                    ChainChecker::after(previous_sequence, record.hash)
                }
                Some(record) => {
                    return Err(ChainBreak::new(
                        previous_sequence,
                        ChainProblem::SequenceGap {
                            found: record.sequence,
                        },
                    )
                    .into())
                }
                None if previous_sequence <= known_last => {
                    return Err(
                        ChainBreak::new(previous_sequence, ChainProblem::MissingFromEnd).into(),
                    )
                }
                None => {
                    return Err(JournalError::ReplayBeyondEnd {
                        from: from_sequence,
                        last: self.storage.head()?.map_or(0, |head| head.sequence),
                    })
                }
            }
        };
        Ok(PreparedReplay {
            cursor: RecordCursor::with_preparation(
                &self.storage,
                from_sequence,
                REPLAY_PAGE_RECORDS,
                prepare,
            ),
            checker,
            known_last,
            done: false,
        })
    }

    /// Calls `visit` with every event from `from_sequence` on, in order,
    /// checking the chain again as it reads: each event's hash must match
    /// its canonical bytes, sequences must be contiguous, each
    /// `previous_hash` must link to the event before, and the journal must
    /// not end before the head this journal knows. Stops at the first
    /// problem or visitor error. Returns the number of events visited.
    pub fn replay<E>(
        &self,
        from_sequence: u64,
        mut visit: impl FnMut(&Envelope) -> Result<(), E>,
    ) -> Result<u64, ReplayError<E>> {
        let mut visited = 0u64;
        for envelope in self.events_from(from_sequence)? {
            visit(&envelope?).map_err(ReplayError::Visitor)?;
            visited += 1;
        }
        Ok(visited)
    }
}

/// Reads the stored head and checks that its record is intact.
fn read_checked_head(storage: &dyn Storage) -> Result<Option<Head>, JournalError> {
    let Some(head) = storage.head()? else {
        return Ok(None);
    };
    let records = storage.read(head.sequence, 1)?;
    match records.first() {
        Some(record) if record.sequence == head.sequence => {
            check_record(record)?;
            Ok(Some(head))
        }
        // The head vanished between the two reads (another writer cannot
        // remove events, so only tampering does this).
        _ => Err(ChainBreak::new(head.sequence, ChainProblem::MissingFromEnd).into()),
    }
}

/// An iterator over envelopes that checks the hash chain as it goes; made
/// by [`Journal::events_from`]. After the first error it yields nothing.
pub struct Replay<'a> {
    inner: PreparedReplay<'a, ()>,
}

impl Iterator for Replay<'_> {
    type Item = Result<Envelope, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner
            .next()
            .map(|result| result.map(|(envelope, ())| envelope))
    }
}

/// An iterator over envelopes and their preparations that checks the hash
/// chain as it goes; made by [`Journal::events_prepared_from`]. After the
/// first error it yields nothing.
pub struct PreparedReplay<'a, T> {
    cursor: RecordCursor<'a, T>,
    checker: ChainChecker,
    /// The last sequence the journal knew of when the replay started; a
    /// store that ends earlier has lost events.
    known_last: u64,
    done: bool,
}

impl<T: Send + 'static> Iterator for PreparedReplay<'_, T> {
    type Item = Result<(Envelope, T), JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = match self.cursor.next_record() {
            Some(Ok(record)) => self
                .checker
                .check_prepared(&record)
                .map_err(JournalError::from),
            Some(Err(CursorError::Break(chain_break))) => Err(chain_break.into()),
            Some(Err(CursorError::Storage(error))) => Err(error.into()),
            None => {
                self.done = true;
                let expected = self.checker.expected_sequence();
                if expected <= self.known_last {
                    return Some(Err(
                        ChainBreak::new(expected, ChainProblem::MissingFromEnd).into()
                    ));
                }
                return None;
            }
        };
        if result.is_err() {
            self.done = true;
        }
        Some(result)
    }
}
