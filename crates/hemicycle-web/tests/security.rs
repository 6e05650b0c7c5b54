//! Security checks of the server from the outside, on the real router:
//!
//! (a) every state-changing route is either in the authorization matrix of
//!     `tests/api.rs` or open to everyone by design (`common/routes.rs`);
//! (b) auth sessions cannot be fixed by an attacker, and end at sign-out;
//! (c) cross-site requests are refused on every state-changing route, and change nothing;
//! (d) guessing passwords and PINs is limited, and the lockout holds the right ones too;
//! (e) path-like parameters never reach a file: `..`, encoded dots, absolute paths, NUL;
//! (f) bodies over 64 KiB are refused with 413 on every POST route, and change nothing.
//!
//! The routes are read from the router's own source and confirmed by asking the router,
//! so that a route added later is checked without anyone remembering to list it here.

mod common;
#[path = "common/routes.rs"]
mod routes;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use common::{fixture, Call, Caller, Fixture, Reply, Stage, CLERK, CLERK_PASSWORD, OFFICER};
use hemicycle_web::api::COMMAND_NAMES;
use serde_json::{json, Value};

/// The router (the API, nested under `/api`) and the pages' routes.
const ROUTER_SOURCE: &str = include_str!("../src/lib.rs");
const SITE_SOURCE: &str = include_str!("../src/site.rs");

const STATE_CHANGING: [&str; 4] = ["POST", "PUT", "PATCH", "DELETE"];
/// Methods a route may name in the source; `any` and `on` would hide which ones apply.
const ROUTING_METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// The limit on request bodies, as the server documents it.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

// ---- Routes ------------------------------------------------------------------------------------

/// A route as written in the router: method (upper case) and path template.
type Route = (String, String);

/// The end of the call that opens at `open` (an opening parenthesis), skipping string literals.
fn closing_parenthesis(source: &str, open: usize) -> usize {
    let bytes = source.as_bytes();
    assert_eq!(bytes[open], b'(', "not an opening parenthesis");
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (index, &byte) in bytes.iter().enumerate().skip(open) {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return index;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses after byte {open} of the router's source");
}

/// Every `.route("PATH", METHOD(..).METHOD(..))` in `source`, with `prefix` before PATH.
fn routes_in(source: &str, prefix: &str, origin: &str) -> Vec<Route> {
    let mut routes = Vec::new();
    for (start, _) in source.match_indices(".route(") {
        let open = start + ".route".len();
        let close = closing_parenthesis(source, open);
        let call = &source[open + 1..close];
        let call = call.trim_start();
        let path = call
            .strip_prefix('"')
            .and_then(|rest| rest.split_once('"'))
            .map(|(path, _)| path)
            .unwrap_or_else(|| panic!("{origin}: a route whose path is not a literal: {call}"));
        let handlers = &call[path.len() + 2..];
        for construct in ["any(", "on(", "any_service(", "on_service("] {
            let used = handlers
                .match_indices(construct)
                .any(|(at, _)| at == 0 || !handlers.as_bytes()[at - 1].is_ascii_alphanumeric());
            assert!(
                !used,
                "{origin}: route {path} uses `{construct}`; teach tests/security.rs which methods it serves"
            );
        }
        let mut methods = BTreeSet::new();
        for method in ROUTING_METHODS {
            let call = format!("{method}(");
            for (at, _) in handlers.match_indices(&call) {
                let before = handlers[..at].chars().next_back();
                // `get(` or `.post(`, not `forget(` or `target(`.
                if before.is_none_or(|character| !character.is_alphanumeric() && character != '_') {
                    methods.insert(method.to_uppercase());
                }
            }
        }
        assert!(
            !methods.is_empty(),
            "{origin}: route {path} names no method"
        );
        for method in methods {
            routes.push((method, format!("{prefix}{path}")));
        }
    }
    routes
}

/// Every route the router's source declares.
fn declared_routes() -> BTreeSet<Route> {
    // The API is built as `let api = Router::new()…;` and nested under /api; the pages'
    // routes are merged at the top. Any other way of adding routes must be taught here.
    let api_start = ROUTER_SOURCE
        .find("let api = Router::new()")
        .expect("the API router is built as `let api = Router::new()`");
    let api_end = api_start
        + ROUTER_SOURCE[api_start..]
            .find(";\n")
            .expect("the API router's statement ends");
    let api = &ROUTER_SOURCE[api_start..api_end];
    let rest = ROUTER_SOURCE[..api_start].to_owned() + &ROUTER_SOURCE[api_end..];
    assert!(
        !rest.contains(".route("),
        "src/lib.rs declares routes outside the API router; teach tests/security.rs"
    );
    let joins: Vec<&str> = [".nest(", ".merge(", ".nest_service(", ".route_service("]
        .into_iter()
        .filter(|join| ROUTER_SOURCE.contains(join) || SITE_SOURCE.contains(join))
        .collect();
    assert_eq!(
        joins,
        [".nest(", ".merge("],
        "the router joins routers in a new way; teach tests/security.rs"
    );
    assert_eq!(
        ROUTER_SOURCE.matches(".nest(").count() + ROUTER_SOURCE.matches(".merge(").count(),
        2,
        "the router joins other routers than the API and the pages; teach tests/security.rs"
    );
    assert!(ROUTER_SOURCE.contains(".nest(\"/api\", api)"));
    assert!(ROUTER_SOURCE.contains(".merge(site::routes())"));
    assert!(
        !SITE_SOURCE.contains(".nest(") && !SITE_SOURCE.contains(".merge("),
        "the pages' router joins other routers; teach tests/security.rs"
    );
    let mut routes: BTreeSet<Route> = routes_in(api, "/api", "src/lib.rs").into_iter().collect();
    routes.extend(routes_in(SITE_SOURCE, "", "src/site.rs"));
    routes
}

/// A concrete path for a template, for asking the router whether it serves a method.
fn probe_path(template: &str) -> String {
    if template == "/api/commands/{name}" {
        return "/api/commands/check_in".into();
    }
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "probe"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The concrete state-changing requests a route stands for: one per command name for
/// the commands' route.
fn concrete_paths(template: &str) -> Vec<String> {
    if template == "/api/commands/{name}" {
        return COMMAND_NAMES
            .iter()
            .map(|name| format!("/api/commands/{name}"))
            .collect();
    }
    // Only the account deletion takes a parameter among the other state-changing routes;
    // m5 has an account in every fixture.
    vec![template.replace("{username}", "m5")]
}

/// The paths and methods of the OpenAPI document.
async fn documented_routes(fixture: &Fixture) -> BTreeSet<Route> {
    let reply = Call::get("/api/openapi.json").send(fixture).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let document = reply.json();
    let paths = document["paths"].as_object().expect("paths");
    let mut routes = BTreeSet::new();
    for (path, item) in paths {
        // The document has a path per command; the router, one route for them all.
        let path = match path.strip_prefix("/api/commands/") {
            Some(name) if COMMAND_NAMES.contains(&name) => "/api/commands/{name}".to_owned(),
            _ => path.clone(),
        };
        for method in item.as_object().expect("a path item").keys() {
            let method = method.to_uppercase();
            if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
                routes.insert((method, path.clone()));
            }
        }
    }
    routes
}

/// The state-changing routes the router really serves, checked against its source:
/// every template the source or the OpenAPI document names is asked each
/// state-changing method, without a cookie (so nothing can change); anything but 405
/// means the route takes that method.
async fn served_state_changing_routes(fixture: &Fixture) -> BTreeSet<Route> {
    let declared = declared_routes();
    let documented = documented_routes(fixture).await;
    let undeclared: Vec<&Route> = documented.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "the OpenAPI document names routes the router's source does not declare: {undeclared:?}"
    );
    let templates: BTreeSet<&String> = declared.iter().map(|(_, path)| path).collect();
    let mut served = BTreeSet::new();
    let mut disagreements = Vec::new();
    for template in templates {
        for method in STATE_CHANGING {
            let reply = Call::new(method.parse().expect("a method"), &probe_path(template))
                .send(fixture)
                .await;
            let serves = reply.status != StatusCode::METHOD_NOT_ALLOWED;
            let route = (method.to_owned(), template.clone());
            if serves != declared.contains(&route) {
                disagreements.push(format!(
                    "{method} {template}: the router answers {}, the source {}",
                    reply.status,
                    if declared.contains(&route) {
                        "declares it"
                    } else {
                        "does not declare it"
                    }
                ));
            }
            if serves {
                served.insert(route);
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "reading the router's source went wrong: {disagreements:#?}"
    );
    assert!(
        served.len() >= 8,
        "too few state-changing routes found: {served:?}"
    );
    served
}

#[tokio::test]
async fn every_state_changing_route_is_in_the_authorization_matrix_or_open_by_design() {
    let fixture = fixture(Stage::Roster);
    let served = served_state_changing_routes(&fixture).await;
    let listed: BTreeSet<Route> = routes::AUTHORIZATION_MATRIX
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .chain(
            routes::OPEN_TO_EVERYONE
                .iter()
                .map(|(method, path, _)| ((*method).to_owned(), (*path).to_owned())),
        )
        .collect();
    let unlisted: Vec<&Route> = served.difference(&listed).collect();
    let stale: Vec<&Route> = listed.difference(&served).collect();
    assert!(
        unlisted.is_empty(),
        "state-changing routes with no row in the authorization matrix of tests/api.rs \
         (add a row there and the route to AUTHORIZATION_MATRIX in tests/common/routes.rs, \
         or to OPEN_TO_EVERYONE with the reason): {unlisted:?}"
    );
    assert!(
        stale.is_empty(),
        "tests/common/routes.rs lists routes the router does not serve: {stale:?}"
    );
}

#[test]
fn route_templates_match_only_their_own_paths() {
    assert!(routes::matches_template(
        "/api/accounts/{username}",
        "/api/accounts/m5"
    ));
    assert!(!routes::matches_template(
        "/api/accounts/{username}",
        "/api/accounts/"
    ));
    assert!(!routes::matches_template(
        "/api/accounts/{username}",
        "/api/accounts/m5/more"
    ));
    assert!(!routes::matches_template(
        "/api/accounts",
        "/api/accounts/member-login"
    ));
    routes::assert_matrix_rows([
        ("POST", "/api/commands/check_in"),
        ("POST", "/api/commands/cast_ballot"),
        ("POST", "/api/accounts"),
        ("POST", "/api/accounts/member-login"),
        ("DELETE", "/api/accounts/m5"),
        ("POST", "/api/demo/replay-step"),
        ("POST", "/api/demo/replay"),
    ]);
    let missing_a_row = std::panic::catch_unwind(|| {
        routes::assert_matrix_rows([("POST", "/api/commands/check_in")]);
    });
    assert!(
        missing_a_row.is_err(),
        "a listed route without a row passes"
    );
}

// ---- Helpers -----------------------------------------------------------------------------------

/// What a request may not change: the journal, the accounts, and whether the caller's
/// auth session still works.
struct Snapshot {
    journal_length: u64,
    accounts: Vec<hemicycle_accounts::Account>,
}

async fn snapshot(fixture: &Fixture) -> Snapshot {
    Snapshot {
        journal_length: fixture.journal_length().await,
        accounts: fixture.accounts(),
    }
}

/// What changed since `before`, in words; empty if nothing did.
async fn changes_since(fixture: &Fixture, before: &Snapshot, cookie: Option<&str>) -> Vec<String> {
    let mut changes = Vec::new();
    let length = fixture.journal_length().await;
    if length != before.journal_length {
        changes.push(format!(
            "the journal grew from {} to {length} events",
            before.journal_length
        ));
    }
    if fixture.accounts() != before.accounts {
        changes.push("the accounts changed".into());
    }
    if cookie.is_some() && !signed_in(fixture, cookie).await {
        changes.push("the caller's auth session ended".into());
    }
    changes
}

async fn signed_in(fixture: &Fixture, cookie: Option<&str>) -> bool {
    let reply = Call::get("/api/auth/me").cookie(cookie).send(fixture).await;
    reply.status == StatusCode::OK
}

/// The account signed in with `cookie`, from `/api/auth/me`.
async fn who_is(fixture: &Fixture, cookie: &str) -> Option<Value> {
    let reply = Call::get("/api/auth/me")
        .cookie(Some(cookie))
        .send(fixture)
        .await;
    (reply.status == StatusCode::OK).then(|| reply.json())
}

fn cookie_value(cookie: &str) -> &str {
    cookie.split_once('=').map_or("", |(_, value)| value)
}

/// Which fixture and caller a state-changing route is tried with: the demonstration's
/// routes need the demonstration and its presiding officer; the others a clerk.
fn caller_for(path: &str) -> (Stage, Caller) {
    if path.starts_with("/api/demo/") {
        (Stage::Demo, Caller::Officer)
    } else {
        (Stage::Roster, Caller::Clerk)
    }
}

/// Fixtures by stage, each with a signed-in caller, built once per test.
struct Servers {
    fixtures: BTreeMap<&'static str, (Fixture, Option<String>)>,
}

impl Servers {
    async fn new() -> Servers {
        let mut fixtures = BTreeMap::new();
        for (name, stage, caller) in [
            ("roster", Stage::Roster, Caller::Clerk),
            ("demo", Stage::Demo, Caller::Officer),
        ] {
            let fixture = tokio::task::spawn_blocking(move || fixture(stage))
                .await
                .expect("the fixture is built");
            let cookie = fixture.sign_in(&caller).await;
            fixtures.insert(name, (fixture, cookie));
        }
        Servers { fixtures }
    }

    fn for_path(&mut self, path: &str) -> &mut (Fixture, Option<String>) {
        let name = match caller_for(path).0 {
            Stage::Demo => "demo",
            _ => "roster",
        };
        self.fixtures.get_mut(name).expect("a fixture")
    }

    /// Signs the caller in again (after a route that ended their auth session).
    async fn sign_in_again(&mut self, path: &str) {
        let caller = caller_for(path).1;
        let (fixture, cookie) = self.for_path(path);
        *cookie = fixture.sign_in(&caller).await;
    }
}

// ---- (b) Session fixation and sign-out ---------------------------------------------------------

#[tokio::test]
async fn a_cookie_planted_before_sign_in_is_replaced_and_ends() {
    let fixture = fixture(Stage::Roster);
    // A value the attacker made up.
    let planted = "hemicycle_auth=attacker-chose-this-value-0123456789";
    let reply = Call::post("/api/auth/sign-in")
        .cookie(Some(planted))
        .json(&json!({"username": CLERK, "password": CLERK_PASSWORD}))
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let issued = reply.auth_cookie().expect("sign-in sets the cookie");
    assert_ne!(cookie_value(&issued), cookie_value(planted));
    assert!(!cookie_value(&issued).is_empty());
    assert_eq!(who_is(&fixture, planted).await, None);
    assert_eq!(
        who_is(&fixture, &issued).await.expect("signed in")["username"],
        CLERK
    );

    // A real token of the attacker's own (member m2), planted in the clerk's browser:
    // after the clerk signs in it is neither the clerk's nor the attacker's any more.
    let attacker = fixture
        .sign_in(&Caller::Member("m2".into()))
        .await
        .expect("the attacker's cookie");
    for (path, body) in [
        (
            "/api/auth/sign-in",
            json!({"username": CLERK, "password": CLERK_PASSWORD}),
        ),
        ("/api/auth/member-sign-in", {
            let (code, pin) = fixture.logins["m1"].clone();
            json!({"code": code, "pin": pin})
        }),
    ] {
        let planted = if path.ends_with("member-sign-in") {
            fixture
                .sign_in(&Caller::Member("m3".into()))
                .await
                .expect("another attacker cookie")
        } else {
            attacker.clone()
        };
        let reply = Call::post(path)
            .cookie(Some(&planted))
            .json(&body)
            .send(&fixture)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
        let issued = reply.auth_cookie().expect("sign-in sets the cookie");
        assert_ne!(issued, planted, "{path} kept the planted token");
        assert_eq!(who_is(&fixture, &planted).await, None, "{path}");
        let length = fixture.journal_length().await;
        let reply = fixture
            .command(
                Some(&planted),
                "check_in",
                &json!({"sitting": "sitting-1", "member": "m5"}),
            )
            .await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
        assert_eq!(fixture.journal_length().await, length);
    }
}

#[tokio::test]
async fn a_token_from_before_sign_out_does_not_work_after_it() {
    let fixture = fixture(Stage::Roster);
    for caller in [Caller::Clerk, Caller::Officer, Caller::Member("m5".into())] {
        let cookie = fixture.sign_in(&caller).await.expect("a cookie");
        // A second auth session of the same account, in another browser.
        let other = fixture.sign_in(&caller).await.expect("a cookie");
        assert!(signed_in(&fixture, Some(&cookie)).await);
        let reply = Call::post("/api/auth/sign-out")
            .cookie(Some(&cookie))
            .send(&fixture)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{caller:?}: {}", reply.text());
        let cleared = reply.header("set-cookie").expect("the cookie is cleared");
        assert!(cleared.contains("Max-Age=0"), "{cleared}");

        assert_eq!(who_is(&fixture, &cookie).await, None, "{caller:?}");
        let length = fixture.journal_length().await;
        let reply = fixture
            .command(
                Some(&cookie),
                "check_in",
                &json!({"sitting": "sitting-1", "member": "m5"}),
            )
            .await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
        assert_eq!(fixture.journal_length().await, length);
        for page in ["/clerk", "/officer", "/member"] {
            let reply = Call::get(page).cookie(Some(&cookie)).send(&fixture).await;
            assert!(
                reply.status.is_redirection() && reply.header("location") == Some("/sign-in"),
                "{caller:?} {page} after sign-out: {} {:?}",
                reply.status,
                reply.header("location")
            );
        }
        // Signing out again with the old token is not a way back in.
        let reply = Call::post("/api/auth/sign-out")
            .cookie(Some(&cookie))
            .send(&fixture)
            .await;
        assert!(reply
            .auth_cookie()
            .is_none_or(|set| cookie_value(&set).is_empty()));
        assert_eq!(who_is(&fixture, &cookie).await, None);
        // The other browser's auth session is its own.
        assert!(signed_in(&fixture, Some(&other)).await, "{caller:?}");
    }
}

// ---- (c) Cross-site requests -------------------------------------------------------------------

/// Headers a page of another site makes a browser send.
const CROSS_SITE: [&[(&str, &str)]; 6] = [
    &[("origin", "https://evil.example")],
    &[("sec-fetch-site", "cross-site")],
    &[
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ],
    // A sibling site (another subdomain) is another origin all the same.
    &[("sec-fetch-site", "same-site")],
    // Sandboxed frames and some redirects send an opaque origin.
    &[("origin", "null")],
    // A header claiming the same origin does not outweigh an Origin that is not ours.
    &[
        ("sec-fetch-site", "same-origin"),
        ("origin", "https://evil.example"),
    ],
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_changing_route_refuses_other_sites_and_changes_nothing() {
    let mut servers = Servers::new().await;
    let served = served_state_changing_routes(&servers.for_path("/api").0).await;
    let mut failures = Vec::new();
    let mut requests = 0;
    for (method, template) in &served {
        for path in concrete_paths(template) {
            for headers in CROSS_SITE {
                let (fixture, cookie) = servers.for_path(&path);
                let before = snapshot(fixture).await;
                let mut call =
                    Call::new(method.parse().expect("a method"), &path).cookie(cookie.as_deref());
                for &(name, value) in headers {
                    call = call.header(name, value);
                }
                // A body the route would take from our own site, where it reads one.
                if method == "POST" {
                    call = call.json(&cross_site_body(&path));
                }
                let reply = call.send(fixture).await;
                requests += 1;
                let refused = reply.status == StatusCode::FORBIDDEN
                    && common::error_shape_problem(&reply).is_none()
                    && reply.json()["error"]["message"]
                        .as_str()
                        .is_some_and(|message| message.contains("cross-site request refused"));
                let changes = changes_since(fixture, &before, cookie.as_deref()).await;
                if !refused || !changes.is_empty() {
                    failures.push(format!(
                        "{method} {path} with {headers:?}: {} {}; {changes:?}",
                        reply.status,
                        reply.text()
                    ));
                    servers.sign_in_again(&path).await;
                }
            }
        }
    }
    assert!(requests > 200, "only {requests} requests were tried");
    assert!(failures.is_empty(), "{failures:#?}");

    // The same request from our own pages goes through: the cookie was good all along.
    let (fixture, cookie) = servers.for_path("/api/commands/check_in");
    let length = fixture.journal_length().await;
    let reply = Call::post("/api/commands/check_in")
        .cookie(cookie.as_deref())
        .header("sec-fetch-site", "same-origin")
        .header("origin", &format!("http://{}", common::HOST))
        .json(&cross_site_body("/api/commands/check_in"))
        .send(fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(fixture.journal_length().await, length + 1);
}

/// A body the route accepts from the roster stage, where one is easy to write; an empty
/// object otherwise (the guard must refuse before the body is read anyway).
fn cross_site_body(path: &str) -> Value {
    match path {
        "/api/commands/check_in" => json!({"sitting": "sitting-1", "member": "m5"}),
        "/api/commands/register_bloc" => {
            json!({"bloc": "gamma", "name": "Gamma", "kind": "group"})
        }
        "/api/auth/sign-in" => json!({"username": CLERK, "password": CLERK_PASSWORD}),
        "/api/accounts" => json!({
            "username": "intruder",
            "display_name": "Intruder",
            "role": "clerk",
            "password": "a-long-enough-password",
        }),
        "/api/accounts/member-login" => json!({"member": "m5"}),
        "/api/demo/replay" => json!({"interval_ms": 1000}),
        _ => json!({}),
    }
}

// ---- (d) Guessing credentials ------------------------------------------------------------------

/// Asserts a 429 with a Retry-After in whole seconds, within the 15-minute window, and no cookie.
#[track_caller]
fn assert_locked_out(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{what}: {}",
        reply.text()
    );
    common::assert_error_shape(reply);
    let retry_after: u64 = reply
        .header("retry-after")
        .unwrap_or_else(|| panic!("{what}: no Retry-After"))
        .parse()
        .unwrap_or_else(|error| panic!("{what}: Retry-After is not seconds: {error}"));
    assert!(
        (1..=15 * 60).contains(&retry_after),
        "{what}: {retry_after}"
    );
    assert!(
        reply.header("set-cookie").is_none(),
        "{what}: a cookie was set"
    );
}

fn password_attempt(password: &str, address: [u8; 4]) -> Call {
    Call::post("/api/auth/sign-in")
        .client_address(address)
        .json(&json!({"username": CLERK, "password": password}))
}

#[tokio::test]
async fn guessing_a_password_locks_the_account_even_for_the_right_password() {
    let fixture = fixture(Stage::Roster);
    // Five wrong passwords from one address; then a sixth is not even checked.
    for attempt in 0..5 {
        let reply = password_attempt(&format!("guess-number-{attempt}"), [198, 51, 100, 7])
            .send(&fixture)
            .await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let reply = password_attempt("guess-number-5", [198, 51, 100, 7])
        .send(&fixture)
        .await;
    assert_locked_out(&reply, "sixth wrong password");
    // The right password is refused during the lockout, from that address and any other.
    for address in [[198, 51, 100, 7], [203, 0, 113, 9]] {
        let reply = password_attempt(CLERK_PASSWORD, address)
            .send(&fixture)
            .await;
        assert_locked_out(&reply, &format!("right password from {address:?}"));
    }
    // Another account from a fresh address is not held up by this one's lockout.
    let reply = Call::post("/api/auth/sign-in")
        .client_address([203, 0, 113, 10])
        .json(&json!({"username": OFFICER, "password": common::OFFICER_PASSWORD}))
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn guessing_a_pin_locks_the_login_code_even_for_the_right_pin() {
    let fixture = fixture(Stage::Roster);
    let (code, pin) = fixture.logins["m1"].clone();
    let wrong_pins: Vec<String> = (0..6u32)
        .map(|index| {
            format!(
                "{:06}",
                (pin.parse::<u32>().expect("a numeric PIN") + 1 + index) % 1_000_000
            )
        })
        .collect();
    // Each guess from another address: the code itself is what is limited.
    for (index, wrong) in wrong_pins.iter().take(5).enumerate() {
        let reply = Call::post("/api/auth/member-sign-in")
            .client_address([192, 0, 2, 10 + u8::try_from(index).expect("small")])
            .json(&json!({"code": code, "pin": wrong}))
            .send(&fixture)
            .await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let reply = Call::post("/api/auth/member-sign-in")
        .client_address([192, 0, 2, 20])
        .json(&json!({"code": code, "pin": wrong_pins[5]}))
        .send(&fixture)
        .await;
    assert_locked_out(&reply, "sixth wrong PIN");
    // The right PIN is refused too, however the code is written (lower case, dashes).
    let lower_with_dashes: String = code
        .to_lowercase()
        .chars()
        .enumerate()
        .flat_map(|(index, character)| {
            (index > 0 && index % 4 == 0)
                .then_some('-')
                .into_iter()
                .chain([character])
        })
        .collect();
    for (written, address) in [
        (&code, [192, 0, 2, 21]),
        (&lower_with_dashes, [192, 0, 2, 22]),
    ] {
        let reply = Call::post("/api/auth/member-sign-in")
            .client_address(address)
            .json(&json!({"code": written, "pin": pin}))
            .send(&fixture)
            .await;
        assert_locked_out(
            &reply,
            &format!("right PIN with the code written {written}"),
        );
    }
    // Another member is not held up.
    let (other_code, other_pin) = fixture.logins["m2"].clone();
    let reply = Call::post("/api/auth/member-sign-in")
        .client_address([192, 0, 2, 23])
        .json(&json!({"code": other_code, "pin": other_pin}))
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn guessing_across_accounts_from_one_address_locks_the_address() {
    let fixture = fixture(Stage::Roster);
    let address = [198, 51, 100, 99];
    for attempt in 0..5 {
        let reply = Call::post("/api/auth/sign-in")
            .client_address(address)
            .json(&json!({"username": format!("someone-{attempt}"), "password": "a-guessed-password"}))
            .send(&fixture)
            .await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let reply = password_attempt(CLERK_PASSWORD, address)
        .send(&fixture)
        .await;
    assert_locked_out(&reply, "the right password from a guessing address");
    let (code, pin) = fixture.logins["m1"].clone();
    let reply = Call::post("/api/auth/member-sign-in")
        .client_address(address)
        .json(&json!({"code": code, "pin": pin}))
        .send(&fixture)
        .await;
    assert_locked_out(&reply, "a member's right PIN from a guessing address");
    // The clerk, elsewhere, is not locked out by someone else's guessing.
    let reply = password_attempt(CLERK_PASSWORD, [198, 51, 100, 100])
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

// ---- (e) Path traversal ------------------------------------------------------------------------

/// Path segments that try to leave the place a parameter names, each as sent on the wire.
const TRAVERSALS: [&str; 16] = [
    "..",
    "%2e%2e",
    "%2E%2E",
    "..%2f..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fCargo.toml",
    "..%5c..%5cCargo.toml",
    "%252e%252e%252fCargo.toml",
    "%c0%ae%c0%ae%2fCargo.toml",
    "%2fetc%2fpasswd",
    "%2Fetc%2Fpasswd.xml",
    "C:%5cWindows%5cwin.ini",
    "%00",
    "hemicycle.css%00",
    "sitting-1%00.xml",
    "..%00.svg",
    "src%2flib.rs",
];

/// Whole paths that try the same with the separators left raw.
const RAW_TRAVERSALS: [&str; 3] = ["../../Cargo.toml", "/etc/passwd", "./../src/lib.rs"];

/// Text that appears in files outside what the server serves.
const OUTSIDE_FILES: [&str; 5] = [
    "root:",
    "[package]",
    "[workspace]",
    "pub fn router",
    "[fonts]",
];

fn with_parameter(template: &str, segment: &str) -> String {
    let mut replaced = false;
    template
        .split('/')
        .map(|part| {
            if part.starts_with('{') && !replaced {
                replaced = true;
                segment.to_owned()
            } else if part.starts_with('{') {
                "x".to_owned()
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn path_parameters_never_reach_a_file() {
    let fixture = fixture(Stage::Voting);
    let clerk = fixture.sign_in(&Caller::Clerk).await;
    let routes: Vec<Route> = declared_routes()
        .into_iter()
        .filter(|(_, path)| path.contains('{'))
        .collect();
    // Static files, exports and pictures at least, and every other route with a parameter.
    for expected in [
        "/static/{name}",
        "/api/export/akn/{file}",
        "/api/analysis/pictures/{name}",
    ] {
        assert!(
            routes.iter().any(|(_, path)| path == expected),
            "{expected} is not among {routes:?}"
        );
    }
    let before = snapshot(&fixture).await;
    let mut failures = Vec::new();
    let mut tried = 0;
    for (method, template) in &routes {
        let mut paths: Vec<String> = TRAVERSALS
            .iter()
            .map(|segment| with_parameter(template, segment))
            .collect();
        // The extensions a route expects, after the traversal.
        for suffix in [".xml", ".svg", ".css"] {
            paths.push(with_parameter(
                template,
                &format!("..%2f..%2fCargo.toml{suffix}"),
            ));
        }
        paths.extend(
            RAW_TRAVERSALS
                .iter()
                .map(|raw| with_parameter(template, raw)),
        );
        for path in paths {
            let mut call =
                Call::new(method.parse().expect("a method"), &path).cookie(clerk.as_deref());
            if method == "POST" {
                call = call.json(&json!({}));
            }
            let reply = call.send(&fixture).await;
            tried += 1;
            let text = reply.text();
            let leaked = OUTSIDE_FILES.iter().find(|marker| text.contains(*marker));
            let refused = [StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND].contains(&reply.status);
            if !refused || leaked.is_some() {
                failures.push(format!(
                    "{method} {path}: {} (leaked {leaked:?}) {}",
                    reply.status,
                    text.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    assert!(tried > 100, "only {tried} requests were tried");
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(changes_since(&fixture, &before, clerk.as_deref())
        .await
        .is_empty());

    // The same routes with a proper parameter do serve: the refusals above were not blanket.
    for path in [
        "/static/hemicycle.css",
        "/api/export/akn/sitting-1.xml",
        "/api/analysis/pictures/attendance.svg?sitting=sitting-1",
    ] {
        let reply = Call::get(path).send(&fixture).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
    }
}

// ---- (f) Oversized bodies ----------------------------------------------------------------------

/// A JSON object just over the limit, or far over it.
fn oversized_body(bytes: usize) -> Bytes {
    // `{"text":""}` is 11 bytes; the filler makes up the rest.
    let filler = "x".repeat(bytes - 11);
    let body = format!("{{\"text\":\"{filler}\"}}");
    assert_eq!(body.len(), bytes);
    assert!(body.len() > BODY_LIMIT_BYTES);
    Bytes::from(body)
}

/// A POST whose body comes in 8 KiB pieces, with no Content-Length, as a client
/// streaming it would send it.
fn streamed_post(path: &str, cookie: Option<&str>, body: &Bytes) -> Request<Body> {
    let pieces: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(8 * 1024)
        .map(|piece| Ok(Bytes::copy_from_slice(piece)))
        .collect();
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::HOST, common::HOST)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let mut request = request
        .body(Body::from_stream(futures_util::stream::iter(pieces)))
        .expect("a request");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 40_000))));
    assert!(request.headers().get(header::CONTENT_LENGTH).is_none());
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_64_kib_get_413_on_every_post_route_and_change_nothing() {
    let mut servers = Servers::new().await;
    let served = served_state_changing_routes(&servers.for_path("/api").0).await;
    let posts: Vec<&String> = served
        .iter()
        .filter(|(method, _)| method == "POST")
        .map(|(_, path)| path)
        .collect();
    let mut failures = Vec::new();
    let mut tried = 0;
    for template in posts {
        for path in concrete_paths(template) {
            for (size, streamed) in [
                (BODY_LIMIT_BYTES + 1, false),
                (16 * BODY_LIMIT_BYTES, false),
                // Sent in pieces without a Content-Length: the limit holds while reading.
                (BODY_LIMIT_BYTES + 1, true),
            ] {
                let (fixture, cookie) = servers.for_path(&path);
                let before = snapshot(fixture).await;
                let body = oversized_body(size);
                let reply = if streamed {
                    let request = streamed_post(&path, cookie.as_deref(), &body);
                    common::send(&fixture.router, request).await
                } else {
                    Call::post(&path)
                        .cookie(cookie.as_deref())
                        .body(body)
                        .send(fixture)
                        .await
                };
                tried += 1;
                let too_large = reply.status == StatusCode::PAYLOAD_TOO_LARGE
                    && common::error_shape_problem(&reply).is_none();
                let changes = changes_since(fixture, &before, cookie.as_deref()).await;
                if !too_large || !changes.is_empty() {
                    failures.push(format!(
                        "POST {path} with {size} bytes{}: {} {}; {changes:?}",
                        if streamed { " in pieces" } else { "" },
                        reply.status,
                        reply.text().chars().take(200).collect::<String>()
                    ));
                    servers.sign_in_again(&path).await;
                }
            }
        }
    }
    assert!(tried > 100, "only {tried} requests were tried");
    assert!(failures.is_empty(), "{failures:#?}");
}
