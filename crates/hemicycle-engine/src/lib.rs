//! The engine joins the pure core to the journal: it replays the journal into a
//! [`State`] when a chamber is opened, and runs each command as decide → append →
//! apply, so that the state only ever reflects what is durably recorded.
//!
//! It knows neither SQL (the journal's [`Storage`] trait hides the backend) nor HTTP.

use chrono::{DateTime, SecondsFormat};
use hemicycle_core::{decode, encode, Actor, Command, Context, Event, Refusal, State};
use hemicycle_journal::{Envelope, Journal, JournalError, NewEvent, Storage, StoredCheckpoint};
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

/// A chamber backed by a journal.
pub struct Chamber<S: Storage> {
    journal: Journal<S>,
    state: State,
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

impl<S: Storage> Chamber<S> {
    /// Opens a journal and replays every event into a fresh state, checking the hash
    /// chain and each event against the state again as it goes.
    pub fn open(storage: S) -> Result<Self, EngineError> {
        let journal = Journal::open(storage)?;
        let mut state = State::new();
        for envelope in journal.events_from(1)? {
            let envelope = envelope?;
            replay_one(&mut state, &envelope)?;
        }
        Ok(Self {
            journal,
            state,
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

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn journal(&self) -> &Journal<S> {
        &self.journal
    }

    /// Decides one command, appends its events durably, then applies them.
    /// A refused command leaves the journal and the state unchanged.
    pub fn execute(
        &mut self,
        context: &Context,
        command: &Command,
    ) -> Result<Vec<Envelope>, EngineError> {
        let events = self
            .state
            .decide(context, command)
            .map_err(EngineError::Refused)?;
        let envelopes = self.append(&events, to_new_events(context, &events))?;
        for (event, envelope) in events.iter().zip(&envelopes) {
            self.state
                .apply(context.at, &context.actor, event)
                .map_err(|error| EngineError::Replay {
                    sequence: envelope.sequence,
                    message: error.to_string(),
                })?;
        }
        Ok(envelopes)
    }

    /// Runs several commands as one all-or-nothing batch, in one journal transaction:
    /// each is decided against the state left by the ones before it. If any is refused,
    /// or the append fails, nothing is recorded and the state is as before.
    pub fn execute_batch(
        &mut self,
        commands: &[(Context, Command)],
    ) -> Result<Vec<Envelope>, (usize, EngineError)> {
        let before = self.state.clone();
        let mut new_events = Vec::new();
        let mut all_events = Vec::new();
        for (index, (context, command)) in commands.iter().enumerate() {
            match self.state.execute(context, command) {
                Ok(events) => {
                    new_events.extend(to_new_events(context, &events));
                    all_events.extend(events);
                }
                Err(refusal) => {
                    self.state = before;
                    return Err((index, EngineError::Refused(refusal)));
                }
            }
        }
        if new_events.is_empty() {
            return Ok(Vec::new());
        }
        self.append(&all_events, new_events).map_err(|error| {
            self.state = before;
            (
                commands.len().saturating_sub(1),
                EngineError::Journal(error),
            )
        })
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
    let fail = |message: String| EngineError::Replay {
        sequence: envelope.sequence,
        message,
    };
    let at = DateTime::parse_from_rfc3339(&envelope.recorded_at)
        .map_err(|error| fail(format!("recorded_at \"{}\": {error}", envelope.recorded_at)))?;
    let actor = Actor::parse(&envelope.actor).map_err(|error| fail(error.to_string()))?;
    let event = decode(&envelope.payload).map_err(|error| fail(error.to_string()))?;
    state
        .apply(at, &actor, &event)
        .map_err(|error| fail(error.to_string()))
}
