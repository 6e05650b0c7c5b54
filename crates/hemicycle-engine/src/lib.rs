//! The engine joins the pure core to the journal: it replays the journal into a
//! [`State`] when a chamber is opened, and runs each command as decide → append →
//! apply, so that the state only ever reflects what is durably recorded.
//!
//! It knows neither SQL (the journal's [`Storage`] trait hides the backend) nor HTTP.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use hemicycle_core::{decode, encode, Actor, Command, Context, Event, Refusal, State};
use std::sync::{Arc, RwLock};

use hemicycle_journal::{
    Envelope, Journal, JournalError, NewEvent, ReplayError, Storage, StoredCheckpoint,
};
use hemicycle_log::SignerKey;
use hemicycle_scenario::{FormatError, Scenario};

/// Why the engine could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("refused: {0}")]
    Refused(Refusal),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("event {sequence} cannot be replayed: {message}")]
    Replay { sequence: u64, message: String },
    #[error(transparent)]
    Scenario(#[from] FormatError),
    #[error("no checkpoint signing key is configured for this chamber")]
    NoSigningKey,
    #[error("{origin}:{line}: step[{step}]: {command} refused: {refusal}")]
    StepRefused {
        origin: String,
        line: usize,
        step: usize,
        command: String,
        refusal: Refusal,
    },
}

/// How many times a group is decided again after another writer appended
/// first. Writers that take the storage's writers' lock never conflict, so
/// this only matters for a writer that does not (or a lock that was lost).
const MAX_CONFLICT_RETRIES: usize = 8;

/// What the journal holds, folded: the chamber's state as of its last
/// durable append. Shared with readers (the web layer's pages and reads),
/// who read it while the chamber decides and writes the next group; they
/// only wait for the moment a committed group's events are applied to it.
#[derive(Debug, Clone, Default)]
pub struct CommittedState {
    inner: Arc<RwLock<State>>,
}

impl CommittedState {
    /// Runs `read` on the committed state. Keep it short: the chamber waits
    /// for it before it can show a newly committed group.
    pub fn read<T>(&self, read: impl FnOnce(&State) -> T) -> T {
        read(
            &self
                .inner
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        // A panic while applying committed events is a bug caught by the
        // assertions there; the state is replaced wholesale on recovery.
        self.inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A chamber backed by a journal.
///
/// It keeps two copies of the state: the working state, in which commands
/// are decided one after another, and the [`CommittedState`], which only
/// ever holds what the journal durably holds. They are equal except while a
/// group of commands is being decided and appended; when the append fails,
/// the working state is put back from the committed one.
pub struct Chamber<S: Storage> {
    journal: Journal<S>,
    state: State,
    committed: CommittedState,
    /// The chamber's checkpoint signing key, if configured: a checkpoint is
    /// then signed, in the same transaction, after every batch that closes a
    /// division or a sitting.
    signer: Option<SignerKey>,
}

/// Whether a batch's events call for a signed checkpoint: a division's
/// result or a sitting's end is what people will later want to prove.
fn closes_division_or_sitting(events: &[Event]) -> bool {
    events.iter().any(|event| {
        matches!(
            event,
            Event::DivisionClosed { .. } | Event::SittingClosed { .. }
        )
    })
}

/// One command's outcome within a group: its events as recorded, or why the
/// core refused it.
pub type GroupOutcome = Result<Vec<Envelope>, Refusal>;

/// The events one accepted command of a group produced, with its context.
struct Decided {
    context: Context,
    events: Vec<Event>,
}

impl<S: Storage> Chamber<S> {
    /// Opens a journal and replays every event into a fresh state, checking the hash
    /// chain and each event against the state again as it goes.
    pub fn open(storage: S) -> Result<Self, EngineError> {
        let journal = Journal::open(storage)?;
        let mut state = State::new();
        // Events are decoded on the journal's checking threads, while this
        // one applies the events before them.
        for item in journal.events_prepared_from(1, decode_envelope)? {
            let (envelope, decoded) = item?;
            apply_decoded(&mut state, &envelope, decoded)?;
        }
        let committed = CommittedState {
            inner: Arc::new(RwLock::new(state.clone())),
        };
        Ok(Self {
            journal,
            state,
            committed,
            signer: None,
        })
    }

    /// Signs checkpoints with `signer` from now on (see [`Chamber`]).
    pub fn set_signer(&mut self, signer: SignerKey) {
        self.signer = Some(signer);
    }

    /// The public half of the signing key, in the note verifier-key format.
    pub fn verifier_key(&self) -> Option<String> {
        self.signer
            .as_ref()
            .map(|signer| signer.verifier().to_string())
    }

    /// Signs a checkpoint of the journal as it is now, if it is not signed
    /// already, and returns the latest checkpoint.
    pub fn sign_checkpoint(&mut self) -> Result<StoredCheckpoint, EngineError> {
        let signer = self.signer.as_ref().ok_or(EngineError::NoSigningKey)?;
        Ok(self.journal.sign_checkpoint(signer)?)
    }

    /// Appends, signing a checkpoint when the events close a division or a
    /// sitting and a key is configured.
    fn append(
        &mut self,
        events: &[Event],
        new_events: Vec<NewEvent>,
    ) -> Result<Vec<Envelope>, JournalError> {
        match &self.signer {
            Some(signer) if closes_division_or_sitting(events) => {
                Ok(self.journal.append_signed(new_events, signer)?.0)
            }
            _ => self.journal.append(new_events),
        }
    }

    /// The working state. Between commands it equals the committed state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// A handle on the committed state, for readers on other threads.
    pub fn committed(&self) -> CommittedState {
        self.committed.clone()
    }

    pub fn journal(&self) -> &Journal<S> {
        &self.journal
    }

    /// Folds into both states the events other writers (other server nodes)
    /// appended since this chamber last read or wrote the journal, checking
    /// the chain and each event as on replay. Returns those events.
    pub fn catch_up(&mut self) -> Result<Vec<Envelope>, EngineError> {
        let mut caught = Vec::new();
        let mut failure = None;
        let result =
            self.journal
                .catch_up(|envelope| match replay_one(&mut self.state, envelope) {
                    Ok(()) => {
                        caught.push(envelope.clone());
                        Ok(())
                    }
                    Err(error) => {
                        failure = Some(error);
                        Err(())
                    }
                });
        if !caught.is_empty() {
            let mut committed = self.committed.write();
            for envelope in &caught {
                replay_one(&mut committed, envelope)
                    .expect("an event the working state accepted applies to the committed state");
            }
        }
        match (result, failure) {
            (_, Some(error)) => Err(error),
            (Err(ReplayError::Journal(error)), None) => Err(error.into()),
            (Err(ReplayError::Visitor(())), None) => unreachable!("a visitor error is recorded"),
            (Ok(_), None) => Ok(caught),
        }
    }

    /// Decides one command, appends its events durably, then applies them.
    /// A refused command leaves the journal and the state unchanged.
    pub fn execute(
        &mut self,
        context: &Context,
        command: &Command,
    ) -> Result<Vec<Envelope>, EngineError> {
        let commands = [(context.clone(), command.clone())];
        let mut outcomes = self.execute_group(&commands)?;
        assert_eq!(outcomes.len(), 1, "one outcome per command");
        outcomes.remove(0).map_err(EngineError::Refused)
    }

    /// Group commit: decides each command in turn (each against the state
    /// the accepted ones before it left), then appends the events of every
    /// accepted command in one transaction — one durable write for the
    /// group. Returns each command's outcome, in order. A refusal concerns
    /// only its own command. When the append fails, no command of the
    /// group is recorded (the error is returned and the state is as
    /// before), so a caller acknowledges a command only on `Ok(Ok(_))`.
    ///
    /// Holds the storage's writers' lock throughout, and first folds in
    /// what other writers appended, so that with several server nodes every
    /// command is decided against the whole journal.
    pub fn execute_group(
        &mut self,
        commands: &[(Context, Command)],
    ) -> Result<Vec<GroupOutcome>, EngineError> {
        self.journal
            .storage_mut()
            .lock_writers()
            .map_err(JournalError::from)?;
        let result = self.execute_group_locked(commands, false);
        let unlocked = self.journal.storage_mut().unlock_writers();
        let outcomes = result?;
        unlocked.map_err(JournalError::from)?;
        Ok(outcomes)
    }

    fn execute_group_locked(
        &mut self,
        commands: &[(Context, Command)],
        all_or_nothing: bool,
    ) -> Result<Vec<GroupOutcome>, EngineError> {
        let mut attempt = 0;
        loop {
            self.catch_up()?;
            let mut decided: Vec<Result<Decided, Refusal>> = Vec::with_capacity(commands.len());
            for (context, command) in commands {
                match self.state.execute(context, command) {
                    Ok(events) => decided.push(Ok(Decided {
                        context: context.clone(),
                        events,
                    })),
                    Err(refusal) => {
                        if all_or_nothing {
                            self.restore_working_state();
                            let mut outcomes: Vec<GroupOutcome> =
                                decided.into_iter().map(|_| Ok(Vec::new())).collect();
                            outcomes.push(Err(refusal));
                            return Ok(outcomes);
                        }
                        decided.push(Err(refusal));
                    }
                }
            }
            let all_events: Vec<Event> = decided
                .iter()
                .flatten()
                .flat_map(|accepted| accepted.events.iter().cloned())
                .collect();
            if all_events.is_empty() {
                return Ok(decided
                    .into_iter()
                    .map(|outcome| outcome.map(|_| Vec::new()))
                    .collect());
            }
            let new_events = decided
                .iter()
                .flatten()
                .flat_map(|accepted| to_new_events(&accepted.context, &accepted.events))
                .collect();
            match self.append(&all_events, new_events) {
                Ok(envelopes) => return Ok(self.commit(decided, envelopes)),
                Err(error) => {
                    self.restore_working_state();
                    if error.is_conflict() && attempt < MAX_CONFLICT_RETRIES {
                        attempt += 1;
                        continue;
                    }
                    return Err(error.into());
                }
            }
        }
    }

    /// After a durable append: applies the group's events to the committed
    /// state and hands each command its envelopes.
    fn commit(
        &mut self,
        decided: Vec<Result<Decided, Refusal>>,
        envelopes: Vec<Envelope>,
    ) -> Vec<GroupOutcome> {
        let mut remaining = envelopes.into_iter();
        let mut committed = self.committed.write();
        let outcomes = decided
            .into_iter()
            .map(|outcome| {
                outcome.map(|accepted| {
                    let mine: Vec<Envelope> =
                        remaining.by_ref().take(accepted.events.len()).collect();
                    assert_eq!(mine.len(), accepted.events.len(), "an envelope per event");
                    for (event, envelope) in accepted.events.iter().zip(&mine) {
                        assert_eq!(
                            committed.events_applied + 1,
                            envelope.sequence,
                            "the committed state is one event behind each recorded event"
                        );
                        committed
                            .apply(accepted.context.at, &accepted.context.actor, event)
                            .expect("an event the working state accepted applies to the committed state");
                    }
                    mine
                })
            })
            .collect();
        assert!(
            remaining.next().is_none(),
            "every envelope belongs to a command"
        );
        assert_eq!(
            committed.events_applied, self.state.events_applied,
            "the committed state has caught up with the working state"
        );
        outcomes
    }

    /// Puts the working state back to what the journal holds, after a group
    /// that was not recorded.
    fn restore_working_state(&mut self) {
        self.state = self.committed.read(State::clone);
    }

    /// Runs several commands as one all-or-nothing batch, in one journal transaction:
    /// each is decided against the state left by the ones before it. If any is refused,
    /// or the append fails, nothing is recorded and the state is as before.
    pub fn execute_batch(
        &mut self,
        commands: &[(Context, Command)],
    ) -> Result<Vec<Envelope>, (usize, EngineError)> {
        let last = commands.len().saturating_sub(1);
        self.journal
            .storage_mut()
            .lock_writers()
            .map_err(|error| (0, EngineError::Journal(error.into())))?;
        let result = self.execute_group_locked(commands, true);
        let unlocked = self.journal.storage_mut().unlock_writers();
        let outcomes = result.map_err(|error| (last, error))?;
        unlocked.map_err(|error| (last, EngineError::Journal(error.into())))?;
        let mut envelopes = Vec::new();
        for (index, outcome) in outcomes.into_iter().enumerate() {
            match outcome {
                Ok(mine) => envelopes.extend(mine),
                Err(refusal) => return Err((index, EngineError::Refused(refusal))),
            }
        }
        Ok(envelopes)
    }

    /// Runs a scenario: its set-up as one batch, then each step as one batch.
    pub fn run_scenario(&mut self, scenario: &Scenario) -> Result<(), EngineError> {
        let setup: Vec<(Context, Command)> = scenario
            .setup()?
            .into_iter()
            .map(|planned| (planned.context, planned.command))
            .collect();
        self.execute_batch(&setup)
            .map_err(|(index, error)| match error {
                EngineError::Refused(refusal) => EngineError::StepRefused {
                    origin: scenario.origin.clone(),
                    line: 1,
                    step: 0,
                    command: setup[index].1.name().to_owned(),
                    refusal,
                },
                other => other,
            })?;
        for step in &scenario.steps {
            let planned: Vec<(Context, Command)> = scenario
                .commands(step, &self.state)?
                .into_iter()
                .map(|planned| (planned.context, planned.command))
                .collect();
            self.execute_batch(&planned)
                .map_err(|(index, error)| match error {
                    EngineError::Refused(refusal) => EngineError::StepRefused {
                        origin: scenario.origin.clone(),
                        line: step.line,
                        step: step.number,
                        command: planned[index].1.name().to_owned(),
                        refusal,
                    },
                    other => other,
                })?;
        }
        Ok(())
    }
}

fn to_new_events(context: &Context, events: &[Event]) -> Vec<NewEvent> {
    let recorded_at = context.at.to_rfc3339_opts(SecondsFormat::AutoSi, false);
    events
        .iter()
        .map(|event| NewEvent {
            recorded_at: recorded_at.clone(),
            actor: context.actor.to_string(),
            payload: encode(event),
        })
        .collect()
}

/// Applies one journal envelope to the state, checking that it is an event of ours.
pub fn replay_one(state: &mut State, envelope: &Envelope) -> Result<(), EngineError> {
    apply_decoded(state, envelope, decode_envelope(envelope))
}

/// An envelope's time, actor and event, or why they cannot be read.
type Decoded = Result<(DateTime<FixedOffset>, Actor, Event), String>;

/// Reads an envelope's fields as the core's types; needs no state, so replay
/// runs it on the journal's checking threads.
fn decode_envelope(envelope: &Envelope) -> Decoded {
    let at = DateTime::parse_from_rfc3339(&envelope.recorded_at)
        .map_err(|error| format!("recorded_at \"{}\": {error}", envelope.recorded_at))?;
    let actor = Actor::parse(&envelope.actor).map_err(|error| error.to_string())?;
    let event = decode(&envelope.payload).map_err(|error| error.to_string())?;
    Ok((at, actor, event))
}

/// Applies a decoded envelope to the state.
fn apply_decoded(
    state: &mut State,
    envelope: &Envelope,
    decoded: Decoded,
) -> Result<(), EngineError> {
    let fail = |message: String| EngineError::Replay {
        sequence: envelope.sequence,
        message,
    };
    let (at, actor, event) = decoded.map_err(fail)?;
    state
        .apply(at, &actor, &event)
        .map_err(|error| fail(error.to_string()))
}
