//! The transparency log over HTTP. The shapes of these four routes are fixed
//! so that outside verifiers can rely on them:
//! `GET /api/log/checkpoint` (the signed note, text/plain),
//! `GET /api/log/inclusion?index=I&size=N`, `GET /api/log/consistency?from=M&to=N`,
//! `GET /api/log/entries?start=S&end=E`. The bodies are built by the journal crate.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State as AxumState};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hemicycle_journal::log::{self, LogError};
use serde::Deserialize;

use crate::error::ApiError;
use crate::server::AppState;

fn log_error(error: LogError) -> ApiError {
    match error {
        LogError::Storage(storage) => {
            tracing::error!(error = %storage, "reading the log");
            ApiError::internal(format!("reading the log: {storage}"))
        }
        LogError::NoCheckpoint { .. } | LogError::NoSuchEvent { .. } => {
            ApiError::not_found(error.to_string())
        }
        other => ApiError::bad_request(other.to_string()),
    }
}

fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(query)| query)
        .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
}

/// Runs a read of the log's storage on a blocking thread (it is SQL I/O).
async fn read_log<T: Send + 'static>(
    shared: AppState,
    read: impl FnOnce(&dyn hemicycle_journal::Storage) -> Result<T, LogError> + Send + 'static,
) -> Result<T, ApiError> {
    shared
        .read_journal(move |journal| read(&**journal.storage()))
        .await?
        .map_err(log_error)
}

pub async fn checkpoint(AxumState(shared): AxumState<AppState>) -> Result<Response, ApiError> {
    let checkpoint = read_log(shared, log::latest_checkpoint).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        checkpoint.note,
    )
        .into_response())
}

pub async fn verifier_key(AxumState(shared): AxumState<AppState>) -> Result<Response, ApiError> {
    let key = shared
        .verifier_key()
        .ok_or_else(|| ApiError::not_found("this server holds no checkpoint signing key"))?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{key}\n"),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    pub index: u64,
    pub size: u64,
}

pub async fn inclusion(
    AxumState(shared): AxumState<AppState>,
    request: Result<Query<InclusionQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let request = query(request)?;
    let body = read_log(shared, move |storage| {
        log::inclusion(storage, request.index, request.size)
    })
    .await?;
    Ok(Json(body).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: u64,
}

pub async fn consistency(
    AxumState(shared): AxumState<AppState>,
    request: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let request = query(request)?;
    let body = read_log(shared, move |storage| {
        log::consistency(storage, request.from, request.to)
    })
    .await?;
    Ok(Json(body).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    pub start: u64,
    pub end: u64,
}

pub async fn entries(
    AxumState(shared): AxumState<AppState>,
    request: Result<Query<EntriesQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let request = query(request)?;
    let body = read_log(shared, move |storage| {
        log::entries(storage, request.start, request.end)
    })
    .await?;
    Ok(Json(body).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptQuery {
    /// An event, by journal sequence (a division's result links to its own).
    pub sequence: Option<u64>,
    /// Or a member's ballot: the division and the member.
    pub division: Option<String>,
    pub member: Option<String>,
}

/// `GET /api/log/receipt?sequence=S`, `?member=M` (the member's latest recorded
/// ballot) or `?division=D&member=M`: a receipt (the
/// event, the first signed checkpoint including it and the inclusion proof),
/// checked offline with `hemicycle verify-receipt FILE --key KEY`.
pub async fn receipt(
    AxumState(shared): AxumState<AppState>,
    request: Result<Query<ReceiptQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let request = query(request)?;
    let sequence = match (request.sequence, &request.division, &request.member) {
        (Some(sequence), None, None) => sequence,
        (None, division, Some(member)) => shared.read(|state| {
            // A division named: the member's ballot in it; none: their latest ballot.
            state
                .divisions
                .values()
                .filter(|record| division.as_ref().is_none_or(|id| record.id.as_str() == id))
                .filter_map(|record| {
                    record
                        .ballot_events
                        .iter()
                        .find(|(by, _)| by.as_str() == member)
                        .map(|(_, sequence)| *sequence)
                })
                .max()
                .ok_or_else(|| {
                    ApiError::not_found(match division {
                        Some(division) => format!(
                            "no recorded ballot by member \"{member}\" in division \"{division}\""
                        ),
                        None => format!("no recorded ballot by member \"{member}\""),
                    })
                })
        })?,
        _ => {
            return Err(ApiError::bad_request(
                "give either sequence, or member (and optionally division)",
            ))
        }
    };
    let receipt = read_log(shared, move |storage| log::receipt(storage, sequence)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"receipt.txt\"",
            ),
        ],
        receipt.to_text(),
    )
        .into_response())
}

/// The latest signed checkpoint's note, if there is one (for the record pages).
pub async fn latest_note(shared: &AppState) -> Option<String> {
    read_log(shared.clone(), log::latest_checkpoint)
        .await
        .ok()
        .map(|checkpoint| checkpoint.note)
}
