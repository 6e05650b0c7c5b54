//! Downloads in the published standards: the roster and every division as
//! Popolo JSON, and a sitting as an Akoma Ntoso `debate`. The documents are
//! built by the interop crate; this module only serves them.

use axum::extract::State as AxumState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use hemicycle_core::ids::SittingId;
use hemicycle_interop::akn::AknOptions;

use crate::body::ApiPath;
use crate::error::ApiError;
use crate::server::AppState;

fn export_error(error: hemicycle_interop::ExportError) -> ApiError {
    match error {
        hemicycle_interop::ExportError::NoChamber => ApiError::not_found(error.to_string()),
        other => ApiError::internal(format!("the export failed: {other}")),
    }
}

pub async fn popolo(AxumState(shared): AxumState<AppState>) -> Result<Response, ApiError> {
    let worker = shared.clone();
    let bytes =
        tokio::task::spawn_blocking(move || worker.read(hemicycle_interop::popolo::export_popolo))
            .await
            .map_err(|error| ApiError::internal(error.to_string()))?
            .map_err(export_error)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"popolo.json\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/export/akn/{sitting}.xml`
pub async fn akn(
    AxumState(shared): AxumState<AppState>,
    ApiPath(file): ApiPath<String>,
) -> Result<Response, ApiError> {
    let name = file.strip_suffix(".xml").unwrap_or(&file).to_owned();
    let sitting =
        SittingId::new(&name).map_err(|_| ApiError::not_found(format!("no sitting \"{name}\"")))?;
    let worker = shared.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        worker.read(|state| {
            let record = state
                .sittings
                .get(&sitting)
                .ok_or_else(|| ApiError::not_found(format!("no sitting \"{sitting}\"")))?;
            hemicycle_interop::akn::export_sitting(state, record, &AknOptions::default())
                .map_err(export_error)
        })
    })
    .await
    .map_err(|error| ApiError::internal(error.to_string()))??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/akn+xml"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"debate.xml\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
