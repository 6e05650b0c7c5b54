//! Signing in and out, the auth-session cookie, the accounts API, and the
//! guard against cross-site requests.
//!
//! - The cookie `hemicycle_auth` holds a random token; it is `HttpOnly`,
//!   `SameSite=Strict`, `Path=/`, and `Secure` when the server is reached over
//!   TLS. A new token is issued at every sign-in (the old one is ended) and the
//!   token is ended at sign-out; an auth session also ends after a period
//!   without requests.
//! - Every state-changing request (anything but GET, HEAD, OPTIONS) must come
//!   from our own site: a browser's `Sec-Fetch-Site` must be `same-origin` (or
//!   `none`, typed by the user), and an `Origin` header must name this host.
//!   Requests without either header come from programs, not browsers, and a
//!   program cannot ride a browser's cookie.
//! - Failed sign-ins are limited per account (or login code) and per client
//!   address.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State as AxumState};

use crate::body::ApiPath;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hemicycle_accounts::{
    Account, AccountError, AccountRole, AccountStore, CredentialHasher, IssuedLogin, Username,
};
use hemicycle_core::ids::MemberId;
use hemicycle_core::Actor;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::body;
use crate::error::ApiError;
use crate::pages::AccountView;
use crate::server::{lock, AppState};

pub const AUTH_COOKIE: &str = "hemicycle_auth";

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

fn account_error(error: AccountError) -> ApiError {
    match error {
        AccountError::UsernameTaken(_)
        | AccountError::MemberHasAccount { .. }
        | AccountError::LoginCodeInUse => ApiError::conflict(error.to_string()),
        AccountError::NotFound(_) => ApiError::not_found(error.to_string()),
        AccountError::TooManyAccounts => ApiError::conflict(error.to_string()),
        AccountError::Invalid { .. }
        | AccountError::NotAMember(_)
        | AccountError::Credential(_) => ApiError::invalid(error.to_string()),
        other => {
            tracing::error!(error = %other, "account storage");
            ApiError::internal(format!(
                "the accounts could not be read or written: {other}"
            ))
        }
    }
}

/// The token in the request's auth cookie, if any.
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == AUTH_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// Whether cookies must be `Secure`: configured, or a proxy says the user came over HTTPS.
fn secure(shared: &AppState, headers: &HeaderMap) -> bool {
    shared.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

fn cookie(
    shared: &AppState,
    headers: &HeaderMap,
    token: &str,
    max_age_seconds: u64,
) -> HeaderValue {
    let secure = if secure(shared, headers) {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{AUTH_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_seconds}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("hemicycle_auth=; Max-Age=0; Path=/"))
}

/// The signed-in account of a request, looked up from its auth cookie.
fn signed_in(shared: &AppState, headers: &HeaderMap) -> Result<Option<Account>, ApiError> {
    let Some(token) = cookie_token(headers) else {
        return Ok(None);
    };
    let username = lock(&shared.auth_sessions).authenticate(&token, now_ms());
    let Some(username) = username else {
        return Ok(None);
    };
    lock(&shared.accounts)
        .find(&username)
        .map_err(account_error)
}

/// A request from a signed-in account; 401 otherwise.
pub struct SignedInAccount(pub Account);

impl SignedInAccount {
    pub fn actor(&self) -> Actor {
        self.0.actor()
    }
}

impl FromRequestParts<AppState> for SignedInAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, shared: &AppState) -> Result<Self, ApiError> {
        signed_in(shared, &parts.headers)?
            .map(SignedInAccount)
            .ok_or_else(|| {
                ApiError::unauthorized("sign in first: this needs a clerk's, the presiding officer's or a member's account")
            })
    }
}

/// The signed-in account, if any (pages show themselves to everyone).
pub struct CurrentAccount(pub Option<Account>);

impl FromRequestParts<AppState> for CurrentAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, shared: &AppState) -> Result<Self, ApiError> {
        Ok(CurrentAccount(
            signed_in(shared, &parts.headers).unwrap_or(None),
        ))
    }
}

fn client_address(parts_extensions: &axum::http::Extensions) -> String {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string())
}

/// Refuses cross-site state-changing requests (see the module docs).
pub async fn cross_site_guard(
    AxumState(_shared): AxumState<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("");
        if site != "same-origin" && site != "none" {
            return ApiError::forbidden(format!(
                "cross-site request refused: Sec-Fetch-Site is \"{site}\"; state-changing requests must come from this site's own pages"
            ))
            .into_response();
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let host = headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .unwrap_or("");
        let origin_host = origin
            .split_once("://")
            .map_or("", |(_, rest)| rest.trim_end_matches('/'));
        if origin == "null" || origin_host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
            return ApiError::forbidden(format!(
                "cross-site request refused: Origin \"{origin}\" is not this server ({host})"
            ))
            .into_response();
        }
    }
    next.run(request).await
}

#[derive(Debug, Serialize)]
pub struct SignedInBody {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub member: Option<String>,
}

pub fn role_word(role: &AccountRole) -> &'static str {
    match role {
        AccountRole::Clerk => "clerk",
        AccountRole::PresidingOfficer => "presiding_officer",
        AccountRole::Member(_) => "member",
    }
}

fn signed_in_body(account: &Account) -> SignedInBody {
    SignedInBody {
        username: account.username.to_string(),
        display_name: account.display_name.clone(),
        role: role_word(&account.role),
        member: account.member().map(ToString::to_string),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSignInRequest {
    pub code: String,
    pub pin: String,
}

enum Credentials {
    Password { username: String, password: String },
    LoginCode { code: String, pin: String },
}

/// Checks credentials under the rate limits and, on success, starts a new auth session.
async fn start_auth_session(
    shared: AppState,
    request_parts: RequestFacts,
    credentials: Credentials,
) -> Result<Response, ApiError> {
    let limited_key = match &credentials {
        Credentials::Password { username, .. } => format!("account:{}", username.to_lowercase()),
        Credentials::LoginCode { code, .. } => format!(
            "code:{}",
            hemicycle_accounts::normalize_login_code(code).unwrap_or_else(|_| code.clone())
        ),
    };
    let address_key = format!("address:{}", request_parts.address);
    let now = now_ms();
    {
        let limiter = lock(&shared.login_limiter);
        for key in [&limited_key, &address_key] {
            if let Err(retry) = limiter.check(key, now) {
                let seconds = retry.retry_after_ms.div_ceil(1000).max(1);
                return Err(ApiError::too_many_requests(
                    format!("too many failed sign-ins; try again in {seconds} seconds"),
                    seconds,
                ));
            }
        }
    }
    let worker = shared.clone();
    // Argon2id is slow on purpose: keep it off the async threads.
    let found = tokio::task::spawn_blocking(move || {
        let hasher = CredentialHasher::new(worker.config.argon2_cost)
            .map_err(|error| ApiError::internal(error.to_string()))?;
        let store = lock(&worker.accounts);
        match credentials {
            Credentials::Password { username, password } => {
                hemicycle_accounts::sign_in_with_password(&**store, &hasher, &username, &password)
            }
            Credentials::LoginCode { code, pin } => {
                hemicycle_accounts::sign_in_with_login_code(&**store, &hasher, &code, &pin)
            }
        }
        .map_err(account_error)
    })
    .await
    .map_err(|error| ApiError::internal(error.to_string()))??;
    let Some(account) = found else {
        let mut limiter = lock(&shared.login_limiter);
        limiter.record_failure(&limited_key, now);
        limiter.record_failure(&address_key, now);
        tracing::warn!(address = %request_parts.address, "failed sign-in");
        return Err(ApiError::unauthorized(
            "the sign-in details are not right; check them and try again",
        ));
    };
    {
        let mut limiter = lock(&shared.login_limiter);
        limiter.record_success(&limited_key);
    }
    let token = {
        let mut sessions = lock(&shared.auth_sessions);
        // Rotation: whatever auth session the browser had ends here.
        if let Some(previous) = &request_parts.previous_token {
            sessions.destroy(previous);
        }
        sessions
            .create(account.username.clone(), now)
            .map_err(|error| ApiError::unavailable(error.to_string()))?
    };
    tracing::info!(account = %account.username, "signed in");
    let max_age_seconds = shared.config.inactivity_timeout_ms / 1000;
    let mut response = Json(signed_in_body(&account)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(
            &shared,
            &request_parts.headers,
            token.as_str(),
            max_age_seconds,
        ),
    );
    Ok(response)
}

/// What a sign-in needs from the request besides its body.
pub struct RequestFacts {
    address: String,
    previous_token: Option<String>,
    headers: HeaderMap,
}

impl FromRequestParts<AppState> for RequestFacts {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _shared: &AppState) -> Result<Self, ApiError> {
        Ok(RequestFacts {
            address: client_address(&parts.extensions),
            previous_token: cookie_token(&parts.headers),
            headers: parts.headers.clone(),
        })
    }
}

pub async fn sign_in(
    AxumState(shared): AxumState<AppState>,
    facts: RequestFacts,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: SignInRequest = body::parse(body)?;
    start_auth_session(
        shared,
        facts,
        Credentials::Password {
            username: request.username,
            password: request.password,
        },
    )
    .await
}

pub async fn member_sign_in(
    AxumState(shared): AxumState<AppState>,
    facts: RequestFacts,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: MemberSignInRequest = body::parse(body)?;
    start_auth_session(
        shared,
        facts,
        Credentials::LoginCode {
            code: request.code,
            pin: request.pin,
        },
    )
    .await
}

pub async fn sign_out(
    AxumState(shared): AxumState<AppState>,
    facts: RequestFacts,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    // No body is expected, but one over the limit is refused like anywhere else.
    crate::body::body_bytes(body)?;
    let Some(token) = &facts.previous_token else {
        return Err(ApiError::unauthorized("not signed in"));
    };
    lock(&shared.auth_sessions).destroy(token);
    let mut response = Json(json!({ "signed_out": true })).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(&shared, &facts.headers, "", 0));
    Ok(response)
}

pub async fn me(account: SignedInAccount) -> Json<SignedInBody> {
    Json(signed_in_body(&account.0))
}

// ---- Accounts (clerks) ---------------------------------------------------------

fn require_clerk(account: &SignedInAccount) -> Result<(), ApiError> {
    if account.0.role == AccountRole::Clerk {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "only a clerk manages accounts; {} is signed in as {}",
            account.0.username,
            role_word(&account.0.role).replace('_', " ")
        )))
    }
}

pub fn account_views(shared: &AppState) -> Vec<AccountView> {
    lock(&shared.accounts)
        .list()
        .unwrap_or_default()
        .into_iter()
        .map(|account| AccountView {
            username: account.username.to_string(),
            display_name: account.display_name.clone(),
            role: role_word(&account.role).to_owned(),
            member: account.member().map(ToString::to_string),
            has_login_code: account.login_code_digest.is_some(),
        })
        .collect()
}

pub async fn list_accounts(
    AxumState(shared): AxumState<AppState>,
    account: SignedInAccount,
) -> Result<Json<Value>, ApiError> {
    require_clerk(&account)?;
    let views = account_views(&shared);
    Ok(Json(Value::Array(
        views
            .into_iter()
            .map(|view| {
                json!({
                    "username": view.username,
                    "display_name": view.display_name,
                    "role": view.role,
                    "member": view.member,
                    "has_login_code": view.has_login_code,
                })
            })
            .collect(),
    )))
}

/// A clerk's or presiding officer's account with its password, checked.
pub fn new_staff_account(
    hasher: &CredentialHasher,
    username: Username,
    display_name: Option<String>,
    role: AccountRole,
    password: &str,
    now_ms: u64,
) -> Result<Account, ApiError> {
    if matches!(role, AccountRole::Member(_)) {
        return Err(ApiError::invalid(
            "members sign in with a login code; issue one with /api/accounts/member-login",
        ));
    }
    hemicycle_accounts::check_password_rules(password)
        .map_err(|error| ApiError::invalid(format!("request body, at password: {error}")))?;
    let display_name = display_name.unwrap_or_else(|| username.to_string());
    let mut account = Account::new(username, display_name, role, now_ms)
        .map_err(|error| ApiError::invalid(error.to_string()))?;
    account.password_hash = Some(
        hasher
            .hash_password(password)
            .map_err(|error| ApiError::invalid(error.to_string()))?,
    );
    Ok(account)
}

/// Issues (or reissues) a member's login code and PIN, creating the member's
/// account (named by the member id) if there is none.
pub fn issue_login(
    store: &mut dyn AccountStore,
    hasher: &CredentialHasher,
    member: &MemberId,
    member_name: &str,
    now_ms: u64,
) -> Result<IssuedLogin, ApiError> {
    let existing = store.find_by_member(member).map_err(account_error)?;
    let (account, created) = match existing {
        Some(account) => (account, false),
        None => {
            let username = Username::new(member.to_string())
                .map_err(|error| ApiError::invalid(error.to_string()))?;
            let account = Account::new(
                username,
                member_name
                    .chars()
                    .take(hemicycle_accounts::DISPLAY_NAME_LENGTH_MAX)
                    .collect::<String>(),
                AccountRole::Member(member.clone()),
                now_ms,
            )
            .map_err(|error| ApiError::invalid(error.to_string()))?;
            (account, true)
        }
    };
    let (account, issued) =
        hemicycle_accounts::issue_member_login(hasher, &account).map_err(account_error)?;
    if created {
        store.create(&account).map_err(account_error)?;
    } else {
        store.replace(&account).map_err(account_error)?;
    }
    Ok(issued)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountRequest {
    pub username: String,
    pub display_name: String,
    /// `clerk` or `presiding_officer`.
    pub role: String,
    pub password: String,
}

pub async fn create_account(
    AxumState(shared): AxumState<AppState>,
    account: SignedInAccount,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    require_clerk(&account)?;
    let request: CreateAccountRequest = body::parse(body)?;
    let role = match request.role.as_str() {
        "clerk" => AccountRole::Clerk,
        "presiding_officer" => AccountRole::PresidingOfficer,
        other => {
            return Err(ApiError::invalid(format!(
                "request body, at role: \"{other}\" is not clerk or presiding_officer (members get a login code instead)"
            )))
        }
    };
    let username = Username::new(request.username.clone())
        .map_err(|error| ApiError::invalid(format!("request body, at username: {error}")))?;
    let worker = shared.clone();
    let created = tokio::task::spawn_blocking(move || {
        let hasher = CredentialHasher::new(worker.config.argon2_cost)
            .map_err(|error| ApiError::internal(error.to_string()))?;
        let new = new_staff_account(
            &hasher,
            username,
            Some(request.display_name),
            role,
            &request.password,
            now_ms(),
        )?;
        lock(&worker.accounts).create(&new).map_err(account_error)?;
        Ok::<_, ApiError>(new)
    })
    .await
    .map_err(|error| ApiError::internal(error.to_string()))??;
    tracing::info!(account = %created.username, by = %account.0.username, "account created");
    Ok(Json(json!({
        "username": created.username.to_string(),
        "display_name": created.display_name,
        "role": role_word(&created.role),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberLoginRequest {
    pub member: String,
}

pub async fn issue_member_login(
    AxumState(shared): AxumState<AppState>,
    account: SignedInAccount,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    require_clerk(&account)?;
    let request: MemberLoginRequest = body::parse(body)?;
    let member = MemberId::new(&request.member)
        .map_err(|error| ApiError::invalid(format!("request body, at member: {error}")))?;
    let name = shared
        .read(|state| {
            state
                .members
                .get(&member)
                .filter(|record| record.is_sitting())
                .map(|record| record.name.clone())
        })
        .ok_or_else(|| ApiError::not_found(format!("no sitting member \"{member}\"")))?;
    let worker = shared.clone();
    let issued_for = member.clone();
    let issued = tokio::task::spawn_blocking(move || {
        let hasher = CredentialHasher::new(worker.config.argon2_cost)
            .map_err(|error| ApiError::internal(error.to_string()))?;
        let mut store = lock(&worker.accounts);
        let issued = issue_login(&mut **store, &hasher, &issued_for, &name, now_ms())?;
        let username = store
            .find_by_member(&issued_for)
            .map_err(account_error)?
            .map(|account| account.username);
        Ok::<_, ApiError>((issued, username))
    })
    .await
    .map_err(|error| ApiError::internal(error.to_string()))??;
    let (issued, username) = issued;
    // A reissued login ends the member's auth sessions (a lost phone, a leaked link).
    if let Some(username) = &username {
        lock(&shared.auth_sessions).destroy_all_for(username);
    }
    tracing::info!(member = %member, by = %account.0.username, "member login issued");
    let login_url = format!(
        "{}/sign-in#code={}",
        shared.config.public_url.trim_end_matches('/'),
        issued.login_code
    );
    Ok(Json(json!({
        "username": username.map(|username| username.to_string()),
        "member": member.to_string(),
        "login_code": issued.login_code,
        "login_url": login_url,
        "pin": issued.pin,
    })))
}

pub async fn delete_account(
    AxumState(shared): AxumState<AppState>,
    account: SignedInAccount,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    require_clerk(&account)?;
    let username = Username::new(username.clone())
        .map_err(|_| ApiError::not_found(format!("no account \"{username}\"")))?;
    if username == account.0.username {
        return Err(ApiError::conflict(
            "a clerk cannot delete their own account while signed in with it",
        ));
    }
    let deleted = lock(&shared.accounts)
        .delete(&username)
        .map_err(account_error)?;
    if !deleted {
        return Err(ApiError::not_found(format!("no account \"{username}\"")));
    }
    lock(&shared.auth_sessions).destroy_all_for(&username);
    tracing::info!(account = %username, by = %account.0.username, "account deleted");
    Ok(Json(json!({ "deleted": username.to_string() })))
}
