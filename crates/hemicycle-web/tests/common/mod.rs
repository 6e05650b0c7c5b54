//! Fixtures for the API tests: a chamber at a chosen stage, built by running
//! commands as the system through the engine (their bodies written as the API
//! takes them), the staff and member accounts, and helpers to send requests
//! to the server in-process and sign in through its real routes.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use hemicycle_accounts::{
    Account, AccountRole, AccountStore, Argon2Cost, CredentialHasher, MemoryAccountStore, Username,
};
use hemicycle_core::ids::MemberId;
use hemicycle_core::{Actor, Context};
use hemicycle_engine::Chamber;
use hemicycle_journal::Storage;
use hemicycle_web::demo::DemoScript;
use hemicycle_web::{AppState, ServerConfig, Shared};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

pub const CLERK: &str = "clerk";
pub const CLERK_PASSWORD: &str = "clerk-password-long";
pub const OFFICER: &str = "speaker";
pub const OFFICER_PASSWORD: &str = "speaker-password-long";
/// The members of the fixture chamber: alpha m1 m2 m3, beta m4 m5.
pub const MEMBERS: [(&str, &str, &str); 5] = [
    ("m1", "Member One", "alpha"),
    ("m2", "Member Two", "alpha"),
    ("m3", "Member Three", "alpha"),
    ("m4", "Member Four", "beta"),
    ("m5", "Member Five", "beta"),
];
/// The host the in-process requests say they are sent to.
pub const HOST: &str = "127.0.0.1";

/// How far the fixture chamber has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// No chamber; the accounts exist.
    Empty,
    /// Blocs, members, a coalition, motion-0 adopted in the closed sitting-0,
    /// motion-1 tabled, sitting-1 convened with m1..m4 checked in.
    Roster,
    /// sitting-1 opened.
    Open,
    /// sitting-1 suspended.
    Suspended,
    /// division-1 (recorded) on motion-1 open.
    Voting,
    /// division-1 (secret) on motion-1 open.
    SecretVoting,
    /// motion-0's resolution sent to the Government.
    Sent,
    /// The demonstration chamber, with its replay script.
    Demo,
}

/// Who sends a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Nobody,
    Clerk,
    Officer,
    Member(String),
}

/// One server on a fresh journal and account store.
pub struct Fixture {
    pub shared: AppState,
    pub router: Router,
    /// The members who have a login, with their login code and PIN.
    pub logins: BTreeMap<String, (String, String)>,
    /// Members of the demonstration chamber that have logins (Demo stage only).
    pub demo_members: Vec<String>,
    _directory: TempDir,
}

pub fn config() -> ServerConfig {
    ServerConfig {
        argon2_cost: Argon2Cost::FAST_FOR_TESTS,
        ..ServerConfig::default()
    }
}

/// The `iraq` preset's standing orders, as JSON; ballots cannot be changed.
pub fn standing_orders() -> Value {
    let mut rules = hemicycle_scenario::preset("iraq")
        .expect("the iraq preset loads")
        .standing_orders;
    rules.voting.ballot_changes_allowed = false;
    serde_json::to_value(rules).expect("standing orders serialise")
}

/// Today, as the server dates things (resolutions are adopted on the day the
/// division closes).
pub fn today() -> String {
    hemicycle_web::server::now().date_naive().to_string()
}

/// Runs a command as the system, its body written as `POST /api/commands/{name}` takes it.
pub fn system(chamber: &mut Chamber<Box<dyn Storage>>, name: &str, body: Value) {
    let command = hemicycle_web::api::parse_command(name, body.to_string().as_bytes())
        .unwrap_or_else(|error| panic!("fixture {name} {body}: {}", error.message));
    let context = Context {
        at: hemicycle_web::server::now(),
        actor: Actor::System,
    };
    chamber
        .execute(&context, &command)
        .unwrap_or_else(|error| panic!("fixture {name} {body}: {error}"));
}

fn open_chamber(directory: &TempDir) -> Chamber<Box<dyn Storage>> {
    let url = format!("sqlite://{}", directory.path().join("journal.db").display());
    let storage = hemicycle_journal::open(&url).expect("the journal opens");
    Chamber::open(storage).expect("the chamber opens")
}

fn roster(chamber: &mut Chamber<Box<dyn Storage>>) {
    system(
        chamber,
        "establish_chamber",
        json!({"name": "Test Chamber", "seats": 7, "standing_orders": standing_orders()}),
    );
    system(
        chamber,
        "register_bloc",
        json!({"bloc": "alpha", "name": "Alpha", "kind": "party", "colour": "#1f77b4"}),
    );
    system(
        chamber,
        "register_bloc",
        json!({"bloc": "beta", "name": "Beta", "short_name": "B", "kind": "list"}),
    );
    for (member, name, bloc) in MEMBERS {
        system(
            chamber,
            "admit_member",
            json!({"member": member, "name": name, "bloc": bloc, "on": "2020-01-01"}),
        );
    }
    system(
        chamber,
        "form_coalition",
        json!({"coalition": "coal", "name": "The Coalition", "blocs": ["alpha"]}),
    );
    system(
        chamber,
        "table_motion",
        json!({
            "motion": "motion-0",
            "kind": {"kind": "resolution", "binding": false, "addressed_to": "the Government"},
            "title": "On the withdrawal of foreign troops",
            "text": "The Council calls on the Government to act.",
            "sponsors": [{"bloc": "alpha"}],
        }),
    );
    system(
        chamber,
        "convene_sitting",
        json!({
            "sitting": "sitting-0",
            "kind": "ordinary",
            "title": "First sitting",
            "scheduled_for": "2020-01-05T16:00:00+03:00",
            "agenda": [{"title": "The resolution", "motion": "motion-0"}],
        }),
    );
    for member in ["m1", "m2", "m3", "m4"] {
        system(
            chamber,
            "check_in",
            json!({"sitting": "sitting-0", "member": member}),
        );
    }
    system(chamber, "open_sitting", json!({"sitting": "sitting-0"}));
    system(
        chamber,
        "open_division",
        json!({
            "division": "division-0",
            "sitting": "sitting-0",
            "question": {"kind": "motion", "motion": "motion-0"},
            "method": "recorded",
        }),
    );
    for member in ["m1", "m2", "m3", "m4"] {
        system(
            chamber,
            "cast_ballot",
            json!({"division": "division-0", "member": member, "choice": "yes"}),
        );
    }
    system(chamber, "close_division", json!({"division": "division-0"}));
    system(chamber, "close_sitting", json!({"sitting": "sitting-0"}));
    system(
        chamber,
        "table_motion",
        json!({
            "motion": "motion-1",
            "kind": {"kind": "bill"},
            "title": "The budget bill",
            "text": "Be it enacted.",
            "sponsors": [{"member": "m4"}],
        }),
    );
    system(
        chamber,
        "convene_sitting",
        json!({
            "sitting": "sitting-1",
            "kind": "extraordinary",
            "title": "Second sitting",
            "scheduled_for": "2020-01-06T16:00:00+03:00",
            "agenda": [{"title": "The budget", "motion": "motion-1"}],
            "requested_by": "the Government",
        }),
    );
    for member in ["m1", "m2", "m3", "m4"] {
        system(
            chamber,
            "check_in",
            json!({"sitting": "sitting-1", "member": member}),
        );
    }
}

fn open_division_1(chamber: &mut Chamber<Box<dyn Storage>>, method: &str) {
    system(
        chamber,
        "open_division",
        json!({
            "division": "division-1",
            "sitting": "sitting-1",
            "question": {"kind": "motion", "motion": "motion-1"},
            "method": method,
        }),
    );
}

/// Brings the chamber to `stage` (anything but Demo).
pub fn build_stage(chamber: &mut Chamber<Box<dyn Storage>>, stage: Stage) {
    if stage == Stage::Empty {
        return;
    }
    roster(chamber);
    match stage {
        Stage::Empty | Stage::Roster | Stage::Demo => {}
        Stage::Sent => system(
            chamber,
            "send_resolution",
            json!({"motion": "motion-0", "to": "the Government", "on": today()}),
        ),
        Stage::Open | Stage::Suspended | Stage::Voting | Stage::SecretVoting => {
            system(chamber, "open_sitting", json!({"sitting": "sitting-1"}));
            match stage {
                Stage::Suspended => system(
                    chamber,
                    "suspend_sitting",
                    json!({"sitting": "sitting-1", "reason": "A recess"}),
                ),
                Stage::Voting => open_division_1(chamber, "recorded"),
                Stage::SecretVoting => open_division_1(chamber, "secret"),
                _ => {}
            }
        }
    }
}

fn staff(hasher: &CredentialHasher, store: &mut dyn AccountStore) {
    for (username, name, role, password) in [
        (CLERK, "The Clerk", AccountRole::Clerk, CLERK_PASSWORD),
        (
            OFFICER,
            "The Speaker",
            AccountRole::PresidingOfficer,
            OFFICER_PASSWORD,
        ),
    ] {
        let account = hemicycle_web::auth::new_staff_account(
            hasher,
            Username::new(username).expect("a username"),
            Some(name.to_owned()),
            role,
            password,
            hemicycle_web::auth::now_ms(),
        )
        .unwrap_or_else(|error| panic!("staff account {username}: {}", error.message));
        store.create(&account).expect("the staff account is stored");
    }
}

fn issue(
    hasher: &CredentialHasher,
    store: &mut dyn AccountStore,
    member: &str,
    name: &str,
) -> (String, String) {
    let issued = hemicycle_web::auth::issue_login(
        store,
        hasher,
        &MemberId::new(member).expect("a member id"),
        name,
        hemicycle_web::auth::now_ms(),
    )
    .unwrap_or_else(|error| panic!("login for {member}: {}", error.message));
    (issued.login_code, issued.pin)
}

/// A fresh server with the chamber at `stage`, a clerk, a presiding officer
/// and logins for the members (m1..m5, or two of the demonstration's).
pub fn fixture(stage: Stage) -> Fixture {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let mut chamber = open_chamber(&directory);
    let hasher = CredentialHasher::new(Argon2Cost::FAST_FOR_TESTS).expect("a hasher");
    let mut store = MemoryAccountStore::new();
    staff(&hasher, &mut store);
    let mut logins = BTreeMap::new();
    let mut demo_members = Vec::new();
    let demo: Option<DemoScript> = if stage == Stage::Demo {
        let scenario = hemicycle_scenario::parse_scenario(
            hemicycle_scenario::DEMO_SCENARIO,
            hemicycle_scenario::DEMO_SCENARIO_NAME,
            &|name| Err(format!("no file {name} in the tests")),
        )
        .expect("the demonstration scenario parses");
        let script =
            hemicycle_web::demo::prepare(&mut chamber, scenario).expect("the demonstration");
        let members: Vec<(String, String)> = chamber
            .state()
            .sitting_members()
            .take(2)
            .map(|member| (member.id.to_string(), member.name.clone()))
            .collect();
        for (member, name) in members {
            logins.insert(member.clone(), issue(&hasher, &mut store, &member, &name));
            demo_members.push(member);
        }
        Some(script)
    } else {
        build_stage(&mut chamber, stage);
        for (member, name, _) in MEMBERS {
            logins.insert(member.to_owned(), issue(&hasher, &mut store, member, name));
        }
        None
    };
    let shared = Shared::new(chamber, Box::new(store), demo, config());
    let router = hemicycle_web::router(shared.clone());
    Fixture {
        shared,
        router,
        logins,
        demo_members,
        _directory: directory,
    }
}

// ---- Requests ----------------------------------------------------------------

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "the body of a {} response is not JSON ({error}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The `hemicycle_auth` cookie set by this response, as `name=value`.
    pub fn auth_cookie(&self) -> Option<String> {
        let set_cookie = self.header("set-cookie")?;
        let pair = set_cookie.split(';').next()?.trim();
        pair.starts_with("hemicycle_auth=").then(|| pair.to_owned())
    }

    /// Asserts the API's error shape: JSON `{"error":{"code","message"}}`, with
    /// the status and code expected; returns the message.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: &str) -> String {
        assert_eq!(self.status, status, "{}", self.text());
        assert_error_shape(self);
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "{body}");
        body["error"]["message"]
            .as_str()
            .expect("a message")
            .to_owned()
    }
}

/// What is wrong with an error response's shape, if anything: it must be JSON
/// `{"error":{"code","message"}}` and nothing else.
pub fn error_shape_problem(reply: &Reply) -> Option<String> {
    if !(reply.status.is_client_error() || reply.status.is_server_error()) {
        return Some(format!("not an error: {}", reply.status));
    }
    if reply.header("content-type") != Some("application/json") {
        return Some(format!(
            "content type {:?} of a {} response: {}",
            reply.header("content-type"),
            reply.status,
            reply.text()
        ));
    }
    let Ok(body) = serde_json::from_slice::<Value>(&reply.body) else {
        return Some(format!("not JSON: {}", reply.text()));
    };
    let well_formed = body.as_object().is_some_and(|object| object.len() == 1)
        && body["error"].as_object().is_some_and(|error| {
            error.len() == 2
                && error.get("code").is_some_and(Value::is_string)
                && error
                    .get("message")
                    .and_then(Value::as_str)
                    .is_some_and(|message| !message.is_empty())
        });
    (!well_formed).then(|| format!("not the error shape: {body}"))
}

/// Asserts that an error response is JSON with the `{"error":{"code","message"}}` shape.
#[track_caller]
pub fn assert_error_shape(reply: &Reply) {
    if let Some(problem) = error_shape_problem(reply) {
        panic!("{problem}");
    }
}

/// A request under construction.
pub struct Call {
    request: Request<Body>,
}

impl Call {
    pub fn new(method: Method, path: &str) -> Call {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, HOST)
            .body(Body::empty())
            .expect("a request");
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 40_000))));
        Call { request }
    }

    pub fn get(path: &str) -> Call {
        Call::new(Method::GET, path)
    }

    pub fn post(path: &str) -> Call {
        Call::new(Method::POST, path)
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Call {
        self.request
            .headers_mut()
            .insert(name, value.parse().expect("a header value"));
        self
    }

    /// Sends the auth cookie (`name=value`), if any.
    pub fn cookie(self, cookie: Option<&str>) -> Call {
        match cookie {
            Some(cookie) => self.header("cookie", cookie),
            None => self,
        }
    }

    pub fn body(mut self, bytes: impl Into<Bytes>) -> Call {
        *self.request.body_mut() = Body::from(bytes.into());
        self.header("content-type", "application/json")
    }

    pub fn json(self, value: &Value) -> Call {
        self.body(value.to_string())
    }

    /// The client's address, for the sign-in limits.
    pub fn client_address(mut self, address: [u8; 4]) -> Call {
        self.request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((address, 40_000))));
        self
    }

    pub async fn send(self, fixture: &Fixture) -> Reply {
        send(&fixture.router, self.request).await
    }

    /// Sends it to any server's router (e.g. one of several nodes).
    pub async fn send_to(self, router: &Router) -> Reply {
        send(router, self.request).await
    }
}

pub async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("the body is read").to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

impl Fixture {
    /// Signs in through the real routes; the auth cookie (`name=value`), or
    /// `None` for nobody.
    pub async fn sign_in(&self, caller: &Caller) -> Option<String> {
        let reply = match caller {
            Caller::Nobody => return None,
            Caller::Clerk => {
                Call::post("/api/auth/sign-in")
                    .json(&json!({"username": CLERK, "password": CLERK_PASSWORD}))
                    .send(self)
                    .await
            }
            Caller::Officer => {
                Call::post("/api/auth/sign-in")
                    .json(&json!({"username": OFFICER, "password": OFFICER_PASSWORD}))
                    .send(self)
                    .await
            }
            Caller::Member(member) => {
                let (code, pin) = self
                    .logins
                    .get(member)
                    .unwrap_or_else(|| panic!("no login for {member}"));
                Call::post("/api/auth/member-sign-in")
                    .json(&json!({"code": code, "pin": pin}))
                    .send(self)
                    .await
            }
        };
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "sign-in of {caller:?}: {}",
            reply.text()
        );
        Some(reply.auth_cookie().expect("sign-in sets the auth cookie"))
    }

    /// The journal's length, as `GET /api/journal?limit=1` gives it.
    pub async fn journal_length(&self) -> u64 {
        let reply = Call::get("/api/journal?limit=1").send(self).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json()["length"].as_u64().expect("a length")
    }

    /// Every account as stored, credentials included.
    pub fn accounts(&self) -> Vec<Account> {
        hemicycle_web::server::lock(&self.shared.accounts)
            .list()
            .expect("the accounts are listed")
    }

    /// Posts a command as `cookie`.
    pub async fn command(&self, cookie: Option<&str>, name: &str, body: &Value) -> Reply {
        Call::post(&format!("/api/commands/{name}"))
            .cookie(cookie)
            .json(body)
            .send(self)
            .await
    }
}
