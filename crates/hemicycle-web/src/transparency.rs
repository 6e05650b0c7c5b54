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
        LogError::NoCheckpoint { .. } => ApiError::not_found(error.to_string()),
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
    tokio::task::spawn_blocking(move || {
        shared.read_chamber(|chamber| read(&**chamber.journal().storage()))
    })
    .await
    .map_err(|error| ApiError::internal(error.to_string()))?
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
        .read_chamber(|chamber| chamber.verifier_key())
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
