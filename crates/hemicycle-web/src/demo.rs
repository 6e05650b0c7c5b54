//! The demonstration: the 5 January 2020 sitting, ready to replay step by step
//! from the officer's console, or to run live from the consoles instead.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State as AxumState;
use axum::Json;
use hemicycle_core::{Command, Context};
use hemicycle_engine::Chamber;
use hemicycle_journal::Storage;
use hemicycle_scenario::{Action, Scenario};
use serde::{Deserialize, Serialize};

use crate::auth::SignedInAccount;
use crate::body;
use crate::error::ApiError;
use crate::server::{lock, AppState};

/// The slowest and fastest replay pace the API accepts.
pub const REPLAY_INTERVAL_MS_RANGE: std::ops::RangeInclusive<u64> = 100..=60_000;

/// A scenario's remaining steps.
#[derive(Debug, Clone)]
pub struct DemoScript {
    pub scenario: Scenario,
    /// The index in `scenario.steps` of the next step to replay.
    pub next_step: usize,
    /// Whether a timed replay is running (so a second one is not started).
    pub replaying: bool,
}

#[derive(Debug, Serialize)]
pub struct DemoStatus {
    /// 1-based number of the next step, or `total_steps + 1` when done.
    pub next_step: usize,
    pub total_steps: usize,
    /// The next step in words, or `None` when done.
    pub next: Option<String>,
    pub replaying: bool,
}

/// A step in a few words, for the officer's console.
pub fn describe(action: &Action) -> String {
    match action {
        Action::Command(command) => command.name().replace('_', " "),
        Action::CheckIn { members, .. } => {
            format!("check in {} group(s) of members", members.len())
        }
        Action::CheckOut { members, .. } => {
            format!("check out {} group(s) of members", members.len())
        }
        Action::Excuse { members, .. } => format!("excuse {} group(s) of members", members.len()),
        Action::Vote { ballots, .. } => format!("members vote ({} choices)", ballots.len()),
        Action::TakePart { members, .. } => {
            format!("members take part ({} group(s))", members.len())
        }
    }
}

impl DemoScript {
    pub fn status(&self) -> DemoStatus {
        DemoStatus {
            next_step: self.next_step + 1,
            total_steps: self.scenario.steps.len(),
            next: self
                .scenario
                .steps
                .get(self.next_step)
                .map(|step| describe(&step.action)),
            replaying: self.replaying,
        }
    }
}

/// Prepares a fresh demo chamber: the scenario's set-up and every step up to
/// the convening of the sitting, so the sitting itself is left to run.
pub fn prepare(
    chamber: &mut Chamber<Box<dyn Storage>>,
    scenario: Scenario,
) -> Result<DemoScript, hemicycle_engine::EngineError> {
    let setup: Vec<(Context, Command)> = scenario
        .setup()?
        .into_iter()
        .map(|planned| (planned.context, planned.command))
        .collect();
    chamber.execute_batch(&setup).map_err(|(_, error)| error)?;
    let mut next_step = 0;
    for step in &scenario.steps {
        let convenes = matches!(&step.action, Action::Command(command)
            if matches!(**command, Command::ConveneSitting { .. }));
        let planned: Vec<(Context, Command)> = scenario
            .commands(step, chamber.state())?
            .into_iter()
            .map(|planned| (planned.context, planned.command))
            .collect();
        chamber
            .execute_batch(&planned)
            .map_err(|(_, error)| error)?;
        next_step += 1;
        if convenes {
            break;
        }
    }
    Ok(DemoScript {
        scenario,
        next_step,
        replaying: false,
    })
}

fn require_demo_officer(shared: &AppState, account: &SignedInAccount) -> Result<(), ApiError> {
    if lock(&shared.demo).is_none() {
        return Err(ApiError::not_found(
            "this server is not running the demonstration",
        ));
    }
    if account.actor().role() != hemicycle_core::Role::PresidingOfficer {
        return Err(ApiError::forbidden(
            "only the presiding officer replays the demonstration",
        ));
    }
    Ok(())
}

/// Replays the next step; `Ok(false)` when there is none left.
fn replay_next(shared: &AppState) -> Result<bool, ApiError> {
    let (scenario, index) = {
        let demo = lock(&shared.demo);
        let Some(script) = demo.as_ref() else {
            return Ok(false);
        };
        if script.next_step >= script.scenario.steps.len() {
            return Ok(false);
        }
        (script.scenario.clone(), script.next_step)
    };
    let step = &scenario.steps[index];
    let planned = shared
        .read(|state| scenario.commands(step, state))
        .map_err(|error| ApiError::conflict(error.to_string()))?;
    let commands: Vec<(Context, Command)> = planned
        .into_iter()
        .map(|planned| (planned.context, planned.command))
        .collect();
    shared
        .execute_blocking(&commands)
        .map_err(|error| ApiError {
            message: format!(
                "step {} ({}) cannot be replayed: {}",
                index + 1,
                describe(&step.action),
                error.message
            ),
            ..error
        })?;
    if let Some(script) = lock(&shared.demo).as_mut() {
        script.next_step = index + 1;
    }
    Ok(true)
}

pub async fn status(AxumState(shared): AxumState<AppState>) -> Result<Json<DemoStatus>, ApiError> {
    lock(&shared.demo)
        .as_ref()
        .map(|script| Json(script.status()))
        .ok_or_else(|| ApiError::not_found("this server is not running the demonstration"))
}

pub async fn replay_step(
    AxumState(shared): AxumState<AppState>,
    account: SignedInAccount,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DemoStatus>, ApiError> {
    // No body is expected, but one over the limit is refused like anywhere else.
    body::body_bytes(body)?;
    require_demo_officer(&shared, &account)?;
    if lock(&shared.demo)
        .as_ref()
        .is_some_and(|script| script.replaying)
    {
        return Err(ApiError::conflict("a replay is already running"));
    }
    let worker = shared.clone();
    let replayed = tokio::task::spawn_blocking(move || replay_next(&worker))
        .await
        .map_err(|error| ApiError::internal(error.to_string()))??;
    if !replayed {
        return Err(ApiError::conflict("every step has been replayed"));
    }
    status(AxumState(shared)).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    pub interval_ms: u64,
}

/// Replays the remaining steps at a pace, in the background.
pub async fn replay(
    AxumState(shared): AxumState<AppState>,
    account: SignedInAccount,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DemoStatus>, ApiError> {
    require_demo_officer(&shared, &account)?;
    let request: ReplayRequest = body::parse(body)?;
    if !REPLAY_INTERVAL_MS_RANGE.contains(&request.interval_ms) {
        return Err(ApiError::invalid(format!(
            "request body, at interval_ms: must be between {} and {}",
            REPLAY_INTERVAL_MS_RANGE.start(),
            REPLAY_INTERVAL_MS_RANGE.end()
        )));
    }
    {
        let mut demo = lock(&shared.demo);
        let script = demo
            .as_mut()
            .ok_or_else(|| ApiError::not_found("this server is not running the demonstration"))?;
        if script.replaying {
            return Err(ApiError::conflict("a replay is already running"));
        }
        if script.next_step >= script.scenario.steps.len() {
            return Err(ApiError::conflict("every step has been replayed"));
        }
        script.replaying = true;
    }
    // The first step is replayed before answering, so the caller sees the
    // replay under way; the rest follow at the pace asked for.
    let first_worker = shared.clone();
    let first = tokio::task::spawn_blocking(move || replay_next(&first_worker))
        .await
        .map_err(|error| ApiError::internal(error.to_string()))
        .and_then(|outcome| outcome);
    if let Err(error) = first {
        if let Some(script) = lock(&shared.demo).as_mut() {
            script.replaying = false;
        }
        return Err(error);
    }
    let worker = shared.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(request.interval_ms)).await;
            let step_worker = worker.clone();
            let outcome = tokio::task::spawn_blocking(move || replay_next(&step_worker)).await;
            match outcome {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => break,
                Ok(Err(error)) => {
                    tracing::warn!(error = %error.message, "demo replay stopped");
                    break;
                }
                Err(error) => {
                    tracing::error!(%error, "demo replay task failed");
                    break;
                }
            }
        }
        if let Some(script) = lock(&worker.demo).as_mut() {
            script.replaying = false;
        }
    });
    status(AxumState(shared)).await
}
