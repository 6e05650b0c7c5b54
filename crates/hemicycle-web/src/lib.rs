//! hemicycle's server: the JSON API, the live stream and the pages.
//!
//! This is the only crate that knows HTTP and HTML. It runs commands through
//! the engine (which knows the journal, not SQL) and never decides anything
//! itself: who may do what, and what a vote's outcome is, are the core's.

pub mod analysis;
pub mod api;
pub mod auth;
pub mod body;
pub mod demo;
pub mod error;
pub mod exports;
pub mod live;
pub mod openapi;
pub mod pages;
pub mod server;
pub mod site;
pub mod stream;
pub mod transparency;

use std::sync::OnceLock;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use tower_http::trace::TraceLayer;

pub use server::{AppState, ServerConfig, Shared};

use crate::error::ApiError;

/// The OpenAPI document, built once.
fn openapi_document() -> &'static serde_json::Value {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    DOCUMENT.get_or_init(openapi::document)
}

async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi_document().clone())
}

async fn api_not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no route {method} {}", uri.path()))
}

/// Headers every response carries: no framing, no sniffing, scripts only from
/// our own origin (the pages have no inline script), no referrer leaks.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Every route of the server.
pub fn router(shared: AppState) -> Router {
    let api = Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/commands/{name}", post(api::run_command))
        .route("/chamber", get(api::chamber))
        .route("/members", get(api::members))
        .route("/members/{id}", get(api::member))
        .route("/blocs", get(api::blocs))
        .route("/sittings", get(api::sittings))
        .route("/sittings/{id}", get(api::sitting))
        .route("/motions", get(api::motions))
        .route("/divisions", get(api::divisions))
        .route("/divisions/{id}", get(api::division))
        .route("/register", get(api::register))
        .route("/journal", get(api::journal))
        .route("/live", get(stream::live))
        .route("/live/snapshot", get(stream::live_snapshot))
        .route("/analysis/attendance", get(analysis::attendance_report))
        .route("/analysis/quorum", get(analysis::quorum_report))
        .route("/analysis/cohesion", get(analysis::cohesion_report))
        .route("/analysis/power", get(analysis::power_report))
        .route("/analysis/ideal-points", get(analysis::ideal_points_report))
        .route("/analysis/pictures/{name}", get(analysis::picture_file))
        .route("/export/popolo.json", get(exports::popolo))
        .route("/export/akn/{file}", get(exports::akn))
        .route("/log/checkpoint", get(transparency::checkpoint))
        .route("/log/key", get(transparency::verifier_key))
        .route("/log/receipt", get(transparency::receipt))
        .route("/log/inclusion", get(transparency::inclusion))
        .route("/log/consistency", get(transparency::consistency))
        .route("/log/entries", get(transparency::entries))
        .route("/auth/sign-in", post(auth::sign_in))
        .route("/auth/member-sign-in", post(auth::member_sign_in))
        .route("/auth/sign-out", post(auth::sign_out))
        .route("/auth/me", get(auth::me))
        .route(
            "/accounts",
            get(auth::list_accounts).post(auth::create_account),
        )
        .route("/accounts/member-login", post(auth::issue_member_login))
        .route("/accounts/{username}", delete(auth::delete_account))
        .route("/demo/status", get(demo::status))
        .route("/demo/replay-step", post(demo::replay_step))
        .route("/demo/replay", post(demo::replay))
        .fallback(api_not_found)
        .method_not_allowed_fallback(|method: Method| async move {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("this route does not take {method}"),
            )
            .into_response()
        });
    Router::new()
        .nest("/api", api)
        .merge(site::routes())
        .layer(DefaultBodyLimit::max(body::MAX_REQUEST_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            auth::cross_site_guard,
        ))
        .layer(middleware::from_fn(security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(shared)
}

/// Serves until `shutdown` resolves, then ends the live streams and lets
/// requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shared: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let closing = shared.clone();
    axum::serve(
        listener,
        router(shared).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        // Live streams never end by themselves; end them so shutdown completes.
        closing.begin_shutdown();
    })
    .await
}
