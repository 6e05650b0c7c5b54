//! The pages' routes: who is looking, what they may see, and the static files.
//! The HTML itself is built in [`crate::pages`].

use axum::extract::{Path, State as AxumState};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use hemicycle_accounts::AccountRole;
use hemicycle_core::ids::SittingId;

use crate::auth::{account_views, CurrentAccount};
use crate::pages::{self, PageContext, SignedIn, SignedInRole};
use crate::server::{lock, now, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(gallery))
        .route("/gallery", get(gallery))
        .route("/sign-in", get(sign_in))
        .route("/member", get(member_console))
        .route("/officer", get(officer_console))
        .route("/clerk", get(clerk_desk))
        .route("/record", get(record_index))
        .route("/record/sittings/{id}", get(record_sitting))
        .route("/record/sittings/{id}/analysis", get(sitting_analysis))
        .route("/record/register", get(record_register))
        .route("/static/{name}", get(static_file))
        .fallback(not_found)
}

fn context(shared: &AppState, account: &CurrentAccount) -> PageContext {
    PageContext {
        signed_in: account.0.as_ref().map(|account| SignedIn {
            username: account.username.to_string(),
            display_name: account.display_name.clone(),
            role: match &account.role {
                AccountRole::Clerk => SignedInRole::Clerk,
                AccountRole::PresidingOfficer => SignedInRole::PresidingOfficer,
                AccountRole::Member(member) => SignedInRole::Member(member.clone()),
            },
        }),
        demo: lock(&shared.demo).is_some(),
        today: now().date_naive(),
    }
}

/// Pages are never cached: they show a chamber that changes.
fn page(html: String) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

fn message(context: &PageContext, status: StatusCode, title: &str, text: &str) -> Response {
    (status, page(pages::message_page(context, title, text))).into_response()
}

async fn gallery(AxumState(shared): AxumState<AppState>, account: CurrentAccount) -> Response {
    let context = context(&shared, &account);
    let snapshot = shared.latest_snapshot();
    page(shared.read(|state| pages::gallery(state, &snapshot, &context)))
}

async fn sign_in(AxumState(shared): AxumState<AppState>, account: CurrentAccount) -> Response {
    let context = context(&shared, &account);
    page(pages::sign_in(&context, None))
}

fn to_sign_in() -> Response {
    Redirect::to("/sign-in").into_response()
}

async fn member_console(
    AxumState(shared): AxumState<AppState>,
    account: CurrentAccount,
) -> Response {
    let context = context(&shared, &account);
    let Some(signed_in) = account.0.as_ref() else {
        return to_sign_in();
    };
    let AccountRole::Member(member) = &signed_in.role else {
        return message(
            &context,
            StatusCode::FORBIDDEN,
            "Members only",
            "The member console is for members; sign in with your login code and PIN.",
        );
    };
    let snapshot = shared.latest_snapshot();
    page(shared.read(|state| pages::member_console(state, &snapshot, &context, member)))
}

async fn officer_console(
    AxumState(shared): AxumState<AppState>,
    account: CurrentAccount,
) -> Response {
    let context = context(&shared, &account);
    match account.0.as_ref().map(|account| &account.role) {
        None => to_sign_in(),
        Some(AccountRole::PresidingOfficer) => {
            let snapshot = shared.latest_snapshot();
            page(shared.read(|state| pages::officer_console(state, &snapshot, &context)))
        }
        Some(_) => message(
            &context,
            StatusCode::FORBIDDEN,
            "Presiding officer only",
            "The presiding officer's console is for the presiding officer.",
        ),
    }
}

async fn clerk_desk(AxumState(shared): AxumState<AppState>, account: CurrentAccount) -> Response {
    let context = context(&shared, &account);
    match account.0.as_ref().map(|account| &account.role) {
        None => to_sign_in(),
        Some(AccountRole::Clerk) => {
            let accounts = account_views(&shared);
            page(shared.read(|state| pages::clerk_desk(state, &context, &accounts)))
        }
        Some(_) => message(
            &context,
            StatusCode::FORBIDDEN,
            "Clerks only",
            "The clerk's desk is for clerks.",
        ),
    }
}

async fn record_index(AxumState(shared): AxumState<AppState>, account: CurrentAccount) -> Response {
    let context = context(&shared, &account);
    page(shared.read(|state| pages::record_index(state, &context)))
}

async fn record_sitting(
    AxumState(shared): AxumState<AppState>,
    account: CurrentAccount,
    Path(id): Path<String>,
) -> Response {
    let context = context(&shared, &account);
    let checkpoint = crate::transparency::latest_note(&shared).await;
    let rendered = SittingId::new(&id).ok().and_then(|id| {
        shared.read(|state| pages::record_sitting(state, &context, &id, checkpoint.as_deref()))
    });
    match rendered {
        Some(html) => page(html),
        None => message(
            &context,
            StatusCode::NOT_FOUND,
            "No such sitting",
            &format!("There is no sitting \"{id}\" in the record."),
        ),
    }
}

async fn sitting_analysis(
    AxumState(shared): AxumState<AppState>,
    account: CurrentAccount,
    Path(id): Path<String>,
) -> Response {
    let context = context(&shared, &account);
    let rendered = SittingId::new(&id)
        .ok()
        .and_then(|id| shared.read(|state| pages::sitting_analysis(state, &context, &id)));
    match rendered {
        Some(html) => page(html),
        None => message(
            &context,
            StatusCode::NOT_FOUND,
            "No such sitting",
            &format!("There is no sitting \"{id}\" in the record."),
        ),
    }
}

async fn record_register(
    AxumState(shared): AxumState<AppState>,
    account: CurrentAccount,
) -> Response {
    let context = context(&shared, &account);
    page(shared.read(|state| pages::record_register(state, &context)))
}

async fn not_found(AxumState(shared): AxumState<AppState>, account: CurrentAccount) -> Response {
    let context = context(&shared, &account);
    message(
        &context,
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no page at this address.",
    )
}

/// The static files, compiled in: the server is one binary with nothing to deploy beside it.
const STATIC_FILES: &[(&str, &str, &str)] = &[
    (
        "hemicycle.css",
        "text/css; charset=utf-8",
        include_str!("../static/hemicycle.css"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/live.js"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/console.js"),
    ),
];

async fn static_file(Path(name): Path<String>) -> Response {
    match STATIC_FILES.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, text)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *text,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
