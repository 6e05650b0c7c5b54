//! What happened, explained: the analytics crate's reports over HTTP, as JSON
//! and as pictures. The measures themselves are computed in
//! `hemicycle-analytics`; this module chooses the scope and serves the result.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State as AxumState};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hemicycle_analytics::attendance::{attendance, Period, Scope};
use hemicycle_analytics::cohesion::cohesion;
use hemicycle_analytics::ideal_points::{ideal_points, IdealPointOptions};
use hemicycle_analytics::picture;
use hemicycle_analytics::quorum::{chamber_games, sitting_quorum};
use hemicycle_analytics::votes::VoteMatrix;
use hemicycle_analytics::AnalyticsError;
use hemicycle_core::ids::SittingId;
use hemicycle_core::model::Date;
use hemicycle_core::State;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::body::ApiPath;
use crate::error::ApiError;
use crate::server::AppState;

/// The pictures served, by file name.
pub const PICTURES: &[&str] = &[
    "attendance.svg",
    "cohesion.svg",
    "agreement.svg",
    "quorum-power.svg",
    "majority-power.svg",
    "ideal-points.svg",
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeQuery {
    /// One sitting (overrides `from`/`to`).
    pub sitting: Option<String>,
    /// First day of the period.
    pub from: Option<Date>,
    /// Last day of the period.
    pub to: Option<Date>,
    /// For ideal points: the member placed on the positive side.
    pub reference: Option<String>,
}

impl ScopeQuery {
    fn sitting(&self) -> Result<Option<SittingId>, ApiError> {
        self.sitting
            .as_deref()
            .map(|id| {
                SittingId::new(id).map_err(|_| ApiError::not_found(format!("no sitting \"{id}\"")))
            })
            .transpose()
    }

    fn scope(&self) -> Result<Scope, ApiError> {
        Ok(match self.sitting()? {
            Some(sitting) => Scope::Sitting(sitting),
            None => Scope::Period(Period {
                from: self.from,
                to: self.to,
            }),
        })
    }
}

fn analytics_error(error: AnalyticsError) -> ApiError {
    match error {
        AnalyticsError::NoChamber
        | AnalyticsError::NoSitting(_)
        | AnalyticsError::NoSittings(_)
        | AnalyticsError::NoMember(_) => ApiError::not_found(error.to_string()),
        AnalyticsError::Picture(_) => ApiError::internal(error.to_string()),
        other => ApiError::invalid(other.to_string()),
    }
}

fn scope_query(query: Result<Query<ScopeQuery>, QueryRejection>) -> Result<ScopeQuery, ApiError> {
    query
        .map(|Query(query)| query)
        .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
}

/// Runs an analysis of the state on a blocking thread (some take a while).
async fn analyse<T: Send + 'static>(
    shared: AppState,
    work: impl FnOnce(&State) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || shared.read(work))
        .await
        .map_err(|error| ApiError::internal(error.to_string()))?
}

/// The sitting a quorum analysis is about: the one asked for, else the latest.
fn chosen_sitting(state: &State, asked: Option<&SittingId>) -> Result<SittingId, ApiError> {
    hemicycle_record::choose_sitting(state, asked)
        .map(|sitting| sitting.id.clone())
        .map_err(|error| ApiError::not_found(error.to_string()))
}

pub async fn attendance_report(
    AxumState(shared): AxumState<AppState>,
    query: Result<Query<ScopeQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let scope = scope_query(query)?.scope()?;
    analyse(shared, move |state| {
        let report = attendance(state, &scope).map_err(analytics_error)?;
        Ok(Json(json!(report)))
    })
    .await
}

pub async fn quorum_report(
    AxumState(shared): AxumState<AppState>,
    query: Result<Query<ScopeQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let asked = scope_query(query)?.sitting()?;
    analyse(shared, move |state| {
        let sitting = chosen_sitting(state, asked.as_ref())?;
        let report = sitting_quorum(state, &sitting).map_err(analytics_error)?;
        let games = chamber_games(state).map_err(analytics_error)?;
        Ok(Json(json!({ "sitting": report, "chamber": games })))
    })
    .await
}

pub async fn cohesion_report(
    AxumState(shared): AxumState<AppState>,
    query: Result<Query<ScopeQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let scope = scope_query(query)?.scope()?;
    analyse(shared, move |state| {
        let report = cohesion(state, &scope).map_err(analytics_error)?;
        Ok(Json(json!(report)))
    })
    .await
}

pub async fn power_report(AxumState(shared): AxumState<AppState>) -> Result<Json<Value>, ApiError> {
    analyse(shared, |state| {
        let games = chamber_games(state).map_err(analytics_error)?;
        Ok(Json(json!(games)))
    })
    .await
}

/// Fits ideal points: the vote matrix is read under the chamber's lock, the
/// model is fitted after it is released, so commands never wait for the fit.
async fn fit_ideal_points(
    shared: AppState,
    query: ScopeQuery,
) -> Result<
    (
        hemicycle_analytics::ideal_points::IdealPoints,
        Vec<(String, String)>,
    ),
    ApiError,
> {
    let scope = query.scope()?;
    let (matrix, colours) = analyse(shared, move |state| {
        let matrix = VoteMatrix::from_state(state, &scope).map_err(analytics_error)?;
        Ok((matrix, picture::bloc_colours(state)))
    })
    .await?;
    let options = IdealPointOptions {
        reference: query.reference,
        ..IdealPointOptions::default()
    };
    let result = tokio::task::spawn_blocking(move || ideal_points(&matrix, &options))
        .await
        .map_err(|error| ApiError::internal(error.to_string()))?
        .map_err(analytics_error)?;
    Ok((result, colours))
}

pub async fn ideal_points_report(
    AxumState(shared): AxumState<AppState>,
    query: Result<Query<ScopeQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let (result, _) = fit_ideal_points(shared, scope_query(query)?).await?;
    Ok(Json(json!(result)))
}

/// `GET /api/analysis/pictures/{name}` — one of [`PICTURES`], as SVG.
pub async fn picture_file(
    AxumState(shared): AxumState<AppState>,
    ApiPath(name): ApiPath<String>,
    query: Result<Query<ScopeQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = scope_query(query)?;
    let svg = match name.as_str() {
        "attendance.svg" => {
            let asked = query.sitting()?;
            analyse(shared, move |state| {
                let sitting = chosen_sitting(state, asked.as_ref())?;
                let record = &state.sittings[&sitting];
                picture::attendance_hemicycle(state, record).map_err(analytics_error)
            })
            .await?
        }
        "cohesion.svg" | "agreement.svg" => {
            let scope = query.scope()?;
            let agreement = name == "agreement.svg";
            analyse(shared, move |state| {
                let report = cohesion(state, &scope).map_err(analytics_error)?;
                if agreement {
                    picture::agreement_heatmap(&report)
                } else {
                    picture::cohesion_bars(state, &report)
                }
                .map_err(analytics_error)
            })
            .await?
        }
        "quorum-power.svg" | "majority-power.svg" => {
            let quorum = name == "quorum-power.svg";
            analyse(shared, move |state| {
                let games = chamber_games(state).map_err(analytics_error)?;
                let (game, title) = if quorum {
                    (
                        games.quorum_denial,
                        "Power to deny the quorum (normalised Banzhaf)",
                    )
                } else {
                    (games.majority, "Voting power (normalised Banzhaf)")
                };
                let game = game.ok_or_else(|| ApiError::not_found(games.sentences.join(" ")))?;
                picture::power_bars(title, &game.description, &game.blocs, &game.power)
                    .map_err(analytics_error)
            })
            .await?
        }
        "ideal-points.svg" => {
            let (result, colours) = fit_ideal_points(shared, query).await?;
            picture::strip_plot("Ideal points", &result, &colours).map_err(analytics_error)?
        }
        other => {
            return Err(ApiError::not_found(format!(
                "no picture \"{other}\"; there are {}",
                PICTURES.join(", ")
            )))
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        svg,
    )
        .into_response())
}
