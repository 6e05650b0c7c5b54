//! The JSON API from the outside: who may change what, how bad input is
//! answered, auth sessions, the reads and the live stream.
//!
//! Every test drives the real router (in-process, or over TCP for the live
//! stream) on a fresh journal and account store; see `common` for the fixtures.

mod common;
#[path = "common/routes.rs"]
mod routes;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::{
    fixture, today, Call, Caller, Stage, CLERK, CLERK_PASSWORD, OFFICER, OFFICER_PASSWORD,
};
use futures_util::StreamExt;
use hemicycle_core::Role;
use hemicycle_web::api::COMMAND_NAMES;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// ---- 1. The authorization matrix -----------------------------------------------

/// A caller, as a column of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Nobody,
    Clerk,
    Officer,
    /// The member the command names, acting for themselves.
    TheMember,
    /// Another member.
    AnotherMember,
}

const COLUMNS: [Column; 5] = [
    Column::Nobody,
    Column::Clerk,
    Column::Officer,
    Column::TheMember,
    Column::AnotherMember,
];

impl Column {
    fn heading(self) -> &'static str {
        match self {
            Column::Nobody => "nobody",
            Column::Clerk => "clerk",
            Column::Officer => "officer",
            Column::TheMember => "the member",
            Column::AnotherMember => "another",
        }
    }
}

/// What a row changes when it succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Journal,
    Accounts,
}

/// A state-changing route with a body valid for it at its stage.
#[derive(Debug, Clone)]
struct Row {
    label: String,
    method: Method,
    path: String,
    body: Option<Value>,
    stage: Stage,
    /// The member the request names, if any (and if that member can sign in).
    named: Option<&'static str>,
    allowed: Vec<Column>,
    effect: Effect,
}

/// Every command: the stage that makes it valid, the member it names, its body.
fn command_table() -> Vec<(&'static str, Stage, Option<&'static str>, Value)> {
    let today = today();
    vec![
        (
            "establish_chamber",
            Stage::Empty,
            None,
            json!({"name": "A Chamber", "seats": 7, "standing_orders": common::standing_orders()}),
        ),
        (
            "amend_standing_orders",
            Stage::Roster,
            None,
            json!({"standing_orders": common::standing_orders()}),
        ),
        (
            "attach_notice",
            Stage::Roster,
            None,
            json!({"sitting": "sitting-1", "text": "The sitting starts at four."}),
        ),
        (
            "register_bloc",
            Stage::Roster,
            None,
            json!({"bloc": "gamma", "name": "Gamma", "kind": "group"}),
        ),
        (
            "form_coalition",
            Stage::Roster,
            None,
            json!({"coalition": "coal-2", "name": "Opposition", "blocs": ["beta"]}),
        ),
        (
            "join_coalition",
            Stage::Roster,
            None,
            json!({"coalition": "coal", "bloc": "beta"}),
        ),
        (
            "leave_coalition",
            Stage::Roster,
            None,
            json!({"coalition": "coal", "bloc": "alpha"}),
        ),
        (
            "admit_member",
            Stage::Roster,
            // m6 has no account yet: no one can act as them.
            None,
            json!({"member": "m6", "name": "Member Six", "bloc": "beta", "on": "2020-02-01"}),
        ),
        (
            "depart_member",
            Stage::Roster,
            Some("m5"),
            json!({"member": "m5", "reason": "Resigned", "on": "2020-02-01"}),
        ),
        (
            "change_bloc",
            Stage::Roster,
            Some("m5"),
            json!({"member": "m5", "bloc": "alpha", "on": "2020-02-01"}),
        ),
        (
            "convene_sitting",
            Stage::Roster,
            None,
            json!({
                "sitting": "sitting-2",
                "kind": "ordinary",
                "title": "Third sitting",
                "scheduled_for": "2020-01-07T10:00:00+03:00",
                "agenda": [],
            }),
        ),
        (
            "open_sitting",
            Stage::Roster,
            None,
            json!({"sitting": "sitting-1"}),
        ),
        (
            "suspend_sitting",
            Stage::Open,
            None,
            json!({"sitting": "sitting-1", "reason": "Disorder"}),
        ),
        (
            "resume_sitting",
            Stage::Suspended,
            None,
            json!({"sitting": "sitting-1"}),
        ),
        (
            "close_sitting",
            Stage::Open,
            None,
            json!({"sitting": "sitting-1", "reason": "Business done"}),
        ),
        (
            "check_in",
            Stage::Roster,
            Some("m5"),
            json!({"sitting": "sitting-1", "member": "m5"}),
        ),
        (
            "check_out",
            Stage::Roster,
            Some("m1"),
            json!({"sitting": "sitting-1", "member": "m1"}),
        ),
        (
            "excuse_absence",
            Stage::Roster,
            Some("m5"),
            json!({"sitting": "sitting-1", "member": "m5", "reason": "Ill"}),
        ),
        (
            "declare_boycott",
            Stage::Roster,
            None,
            json!({"sitting": "sitting-1", "bloc": "beta", "statement": "We stay away."}),
        ),
        (
            "check_quorum",
            Stage::Open,
            None,
            json!({"sitting": "sitting-1"}),
        ),
        (
            "table_motion",
            Stage::Roster,
            Some("m1"),
            json!({
                "motion": "motion-2",
                "kind": {"kind": "procedural"},
                "title": "Closure",
                "text": "That the question be now put.",
                "sponsors": [{"member": "m1"}],
            }),
        ),
        (
            "withdraw_motion",
            Stage::Roster,
            None,
            json!({"motion": "motion-1"}),
        ),
        (
            "read_communication",
            Stage::Open,
            None,
            json!({
                "sitting": "sitting-1",
                "communication": "comm-1",
                "from": "The Prime Minister",
                "on_behalf_of": "alpha",
                "subject": "A letter",
                "text": "The Government resigns.",
            }),
        ),
        (
            "open_division",
            Stage::Open,
            None,
            json!({
                "division": "division-1",
                "sitting": "sitting-1",
                "question": {"kind": "motion", "motion": "motion-1"},
                "method": "recorded",
            }),
        ),
        (
            "cast_ballot",
            Stage::Voting,
            Some("m1"),
            json!({"division": "division-1", "member": "m1", "choice": "yes"}),
        ),
        (
            "record_participation",
            Stage::SecretVoting,
            Some("m1"),
            json!({"division": "division-1", "member": "m1"}),
        ),
        (
            "enter_tally",
            Stage::SecretVoting,
            None,
            json!({"division": "division-1", "tally": {"yes": 0, "no": 0, "abstain": 0}}),
        ),
        (
            "close_division",
            Stage::Voting,
            None,
            json!({"division": "division-1"}),
        ),
        (
            "send_resolution",
            Stage::Roster,
            None,
            json!({"motion": "motion-0", "to": "the Government", "on": today, "response_due": "2099-12-31"}),
        ),
        (
            "record_response",
            Stage::Sent,
            None,
            json!({"motion": "motion-0", "on": today, "summary": "The Government agrees."}),
        ),
        (
            "conclude_follow_up",
            Stage::Sent,
            None,
            json!({"motion": "motion-0", "conclusion": "implemented", "on": today, "note": "Done."}),
        ),
        (
            "record_identifiers",
            Stage::Roster,
            Some("m1"),
            json!({
                "subject": {"member": "m1"},
                "identifiers": [{"scheme": "wikidata", "identifier": "Q42"}],
            }),
        ),
        (
            "record_member_details",
            Stage::Roster,
            Some("m1"),
            json!({"member": "m1", "details": {"given_name": "One", "birth_date": "1974-03"}}),
        ),
        (
            "rename_member",
            Stage::Roster,
            Some("m1"),
            json!({"member": "m1", "name": "Member Uno"}),
        ),
        (
            "record_occasion",
            Stage::Roster,
            None,
            json!({"occasion": "election-2018", "name": "General election", "start": "2018-05-12"}),
        ),
        (
            "record_motion",
            Stage::Roster,
            None,
            json!({"motion": "hist-1", "title": "An old motion", "text": "As published.", "result": "pass"}),
        ),
        (
            "record_division",
            Stage::Roster,
            Some("m1"),
            json!({
                "division": "hist-division-1",
                "on": "2019-06-01",
                "question": "That the bill be read a second time",
                "result": "pass",
                "counts": {"yes": 1},
                "votes": [["m1", "yes"]],
            }),
        ),
    ]
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for (name, stage, named, body) in command_table() {
        let command = hemicycle_web::api::parse_command(name, body.to_string().as_bytes())
            .unwrap_or_else(|error| panic!("{name}: {}", error.message));
        let allowed = command
            .permitted_roles()
            .iter()
            .filter_map(|role| match role {
                Role::System => None,
                Role::Clerk => Some(Column::Clerk),
                Role::PresidingOfficer => Some(Column::Officer),
                Role::Member => named.map(|_| Column::TheMember),
            })
            .collect();
        rows.push(Row {
            label: name.to_owned(),
            method: Method::POST,
            path: format!("/api/commands/{name}"),
            body: Some(body),
            stage,
            named,
            allowed,
            effect: Effect::Journal,
        });
    }
    rows.push(Row {
        label: "POST /api/accounts".into(),
        method: Method::POST,
        path: "/api/accounts".into(),
        body: Some(json!({
            "username": "second-clerk",
            "display_name": "Second Clerk",
            "role": "clerk",
            "password": "a-long-enough-password",
        })),
        stage: Stage::Roster,
        named: None,
        allowed: vec![Column::Clerk],
        effect: Effect::Accounts,
    });
    rows.push(Row {
        label: "POST /api/accounts/member-login".into(),
        method: Method::POST,
        path: "/api/accounts/member-login".into(),
        body: Some(json!({"member": "m5"})),
        stage: Stage::Roster,
        named: Some("m5"),
        allowed: vec![Column::Clerk],
        effect: Effect::Accounts,
    });
    rows.push(Row {
        label: "DELETE /api/accounts/{username}".into(),
        method: Method::DELETE,
        path: "/api/accounts/m5".into(),
        body: None,
        stage: Stage::Roster,
        named: Some("m5"),
        allowed: vec![Column::Clerk],
        effect: Effect::Accounts,
    });
    rows.push(Row {
        label: "POST /api/demo/replay-step".into(),
        method: Method::POST,
        path: "/api/demo/replay-step".into(),
        body: None,
        stage: Stage::Demo,
        named: None,
        allowed: vec![Column::Officer],
        effect: Effect::Journal,
    });
    rows.push(Row {
        label: "POST /api/demo/replay".into(),
        method: Method::POST,
        path: "/api/demo/replay".into(),
        body: Some(json!({"interval_ms": 60_000})),
        stage: Stage::Demo,
        named: None,
        allowed: vec![Column::Officer],
        effect: Effect::Journal,
    });
    rows
}

/// What one cell of the matrix found.
#[derive(Debug)]
struct Cell {
    expected: Option<StatusCode>,
    status: Option<StatusCode>,
    journal_changed: bool,
    accounts_changed: bool,
    /// What is wrong with the error body, if anything.
    shape_problem: Option<String>,
    message: String,
}

impl Cell {
    fn not_applicable() -> Cell {
        Cell {
            expected: None,
            status: None,
            journal_changed: false,
            accounts_changed: false,
            shape_problem: None,
            message: String::new(),
        }
    }

    fn ok(&self, effect: Effect) -> bool {
        let Some(expected) = self.expected else {
            return true;
        };
        if self.status != Some(expected) || self.shape_problem.is_some() {
            return false;
        }
        if expected == StatusCode::OK {
            // It did what it says: the command was recorded, or the account changed.
            match effect {
                Effect::Journal => self.journal_changed,
                Effect::Accounts => self.accounts_changed && !self.journal_changed,
            }
        } else {
            !self.journal_changed && !self.accounts_changed
        }
    }

    fn show(&self, effect: Effect) -> String {
        let (Some(expected), Some(status)) = (self.expected, self.status) else {
            return "-".into();
        };
        let mut shown = status.as_u16().to_string();
        if status != expected {
            write!(shown, "!={}", expected.as_u16()).ok();
        }
        if !self.ok(effect) {
            if self.journal_changed {
                shown.push_str(" J");
            }
            if self.accounts_changed {
                shown.push_str(" A");
            }
            if self.shape_problem.is_some() {
                shown.push_str(" S");
            }
            shown.push_str(" ✗");
        }
        shown
    }
}

async fn run_cell(row: Row, column: Column) -> Cell {
    if column == Column::TheMember && row.named.is_none() {
        return Cell::not_applicable();
    }
    let expected = if column == Column::Nobody {
        StatusCode::UNAUTHORIZED
    } else if row.allowed.contains(&column) {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    let stage = row.stage;
    let fixture = tokio::task::spawn_blocking(move || fixture(stage))
        .await
        .expect("the fixture is built");
    let caller = match column {
        Column::Nobody => Caller::Nobody,
        Column::Clerk => Caller::Clerk,
        Column::Officer => Caller::Officer,
        Column::TheMember => Caller::Member(row.named.unwrap_or_default().to_owned()),
        Column::AnotherMember if row.stage == Stage::Demo => {
            Caller::Member(fixture.demo_members[0].clone())
        }
        Column::AnotherMember if row.named == Some("m1") => Caller::Member("m2".to_owned()),
        Column::AnotherMember => Caller::Member("m1".to_owned()),
    };
    let cookie = fixture.sign_in(&caller).await;
    let journal_before = fixture.journal_length().await;
    let accounts_before = fixture.accounts();
    let mut call = Call::new(row.method.clone(), &row.path).cookie(cookie.as_deref());
    if let Some(body) = &row.body {
        call = call.json(body);
    }
    let reply = call.send(&fixture).await;
    let shape_problem = if reply.status == StatusCode::OK {
        None
    } else {
        common::error_shape_problem(&reply)
    };
    let journal_after = fixture.journal_length().await;
    let accounts_after = fixture.accounts();
    Cell {
        expected: Some(expected),
        status: Some(reply.status),
        journal_changed: journal_after != journal_before,
        accounts_changed: accounts_after != accounts_before,
        message: shape_problem.clone().unwrap_or_else(|| reply.text()),
        shape_problem,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_state_changing_route_admits_exactly_the_callers_it_should() {
    let started = Instant::now();
    let rows = rows();
    routes::assert_matrix_rows(
        rows.iter()
            .map(|row| (row.method.as_str(), row.path.as_str())),
    );
    let covered: BTreeSet<&str> = rows
        .iter()
        .filter(|row| row.path.starts_with("/api/commands/"))
        .map(|row| row.label.as_str())
        .collect();
    let known: BTreeSet<&str> = COMMAND_NAMES.iter().copied().collect();
    assert_eq!(covered, known, "the matrix must cover every command");
    assert_eq!(covered.len(), COMMAND_NAMES.len(), "each command once");

    let cells: Vec<(usize, usize)> = (0..rows.len())
        .flat_map(|row| (0..COLUMNS.len()).map(move |column| (row, column)))
        .collect();
    let results: Vec<((usize, usize), Cell)> = futures_util::stream::iter(cells)
        .map(|(row, column)| {
            let row_value = rows[row].clone();
            async move {
                let cell = tokio::spawn(run_cell(row_value, COLUMNS[column]))
                    .await
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()));
                ((row, column), cell)
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut grid: Vec<Vec<Option<Cell>>> = rows
        .iter()
        .map(|_| COLUMNS.iter().map(|_| None).collect())
        .collect();
    for ((row, column), cell) in results {
        grid[row][column] = Some(cell);
    }

    let mut table = String::new();
    let mut failures = String::new();
    writeln!(
        table,
        "{:<34} {:<10} {:<10} {:<10} {:<10} {:<10}",
        "route",
        COLUMNS[0].heading(),
        COLUMNS[1].heading(),
        COLUMNS[2].heading(),
        COLUMNS[3].heading(),
        COLUMNS[4].heading()
    )
    .ok();
    for (row, cells) in rows.iter().zip(&grid) {
        write!(table, "{:<34}", row.label).ok();
        for (column, cell) in COLUMNS.iter().zip(cells) {
            let cell = cell.as_ref().expect("every cell ran");
            write!(table, " {:<10}", cell.show(row.effect)).ok();
            if !cell.ok(row.effect) {
                writeln!(
                    failures,
                    "{} as {}: {}",
                    row.label,
                    column.heading(),
                    cell.message
                )
                .ok();
            }
        }
        table.push('\n');
    }
    let cell_count = grid
        .iter()
        .flatten()
        .flatten()
        .filter(|cell| cell.expected.is_some())
        .count();
    eprintln!(
        "authorization matrix: {} rows, {cell_count} cells in {:.1?}",
        rows.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "the authorization matrix has wrong cells (J: journal changed, A: accounts changed, S: not the JSON error shape)\n{table}\n{failures}"
    );
}

// ---- 2. Bad input ---------------------------------------------------------------

#[tokio::test]
async fn malformed_bodies_are_refused_saying_where() {
    let fixture = fixture(Stage::Roster);
    let clerk = fixture.sign_in(&Caller::Clerk).await;
    let clerk = clerk.as_deref();
    let length = fixture.journal_length().await;

    let reply = Call::post("/api/commands/check_in")
        .cookie(clerk)
        .body("{\"sitting\": \"sitting-1\",\n \"member\": }")
        .send(&fixture)
        .await;
    let message = reply.assert_error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("column"), "{message}");

    let reply = fixture
        .command(
            clerk,
            "check_in",
            &json!({"sitting": "sitting-1", "member": "m5", "reason": "late"}),
        )
        .await;
    let message = reply.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(message.contains("reason"), "{message}");

    let reply = Call::post("/api/commands/check_in")
        .cookie(clerk)
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::BAD_REQUEST, "bad_request");

    let reply = fixture
        .command(clerk, "check_in", &json!(["sitting-1", "m5"]))
        .await;
    reply.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");

    let reply = fixture
        .command(
            clerk,
            "check_in",
            &json!({"command": "check_in", "sitting": "sitting-1", "member": "m5"}),
        )
        .await;
    let message = reply.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(message.contains("command"), "{message}");

    let reply = fixture.command(clerk, "dissolve_chamber", &json!({})).await;
    let message = reply.assert_error(StatusCode::NOT_FOUND, "not_found");
    assert!(message.contains("dissolve_chamber"), "{message}");

    let notice = "x".repeat(hemicycle_web::body::MAX_REQUEST_BODY_BYTES + 1);
    let reply = fixture
        .command(
            clerk,
            "attach_notice",
            &json!({"sitting": "sitting-1", "text": notice}),
        )
        .await;
    reply.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    assert_eq!(fixture.journal_length().await, length);
}

/// A field of the wrong type is named by its JSON path, at the top of the body
/// and inside nested objects.
#[tokio::test]
async fn a_field_of_the_wrong_type_is_named_by_its_path() {
    let fixture = fixture(Stage::Open);
    let officer = fixture.sign_in(&Caller::Officer).await;
    let clerk = fixture.sign_in(&Caller::Clerk).await;
    let length = fixture.journal_length().await;
    let cases = [
        (
            clerk.as_deref(),
            "check_in",
            json!({"sitting": "sitting-1", "member": 5}),
            "member",
        ),
        (
            officer.as_deref(),
            "open_division",
            json!({
                "division": "division-1",
                "sitting": "sitting-1",
                "question": {"kind": "motion", "motion": 5},
                "method": "recorded",
            }),
            "question.motion",
        ),
        (
            clerk.as_deref(),
            "convene_sitting",
            json!({
                "sitting": "sitting-2",
                "kind": "ordinary",
                "title": "T",
                "scheduled_for": "2020-01-07T10:00:00+03:00",
                "agenda": [{"title": 7}],
            }),
            "agenda[0].title",
        ),
    ];
    let mut failures = Vec::new();
    for (cookie, name, body, path) in cases {
        let reply = fixture.command(cookie, name, &body).await;
        let message = reply.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        if !message.contains(path) {
            failures.push(format!("{name}: expected the path {path} in: {message}"));
        }
    }
    assert_eq!(fixture.journal_length().await, length);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn votes_that_the_rules_refuse_are_not_recorded() {
    let fixture = fixture(Stage::Voting);
    let m1 = fixture.sign_in(&Caller::Member("m1".into())).await;
    let m1 = m1.as_deref();

    // A vote in a closed division.
    let length = fixture.journal_length().await;
    let reply = fixture
        .command(
            m1,
            "cast_ballot",
            &json!({"division": "division-0", "member": "m1", "choice": "no"}),
        )
        .await;
    reply.assert_error(StatusCode::CONFLICT, "conflict");
    assert_eq!(fixture.journal_length().await, length);

    // A member voting for another member.
    let reply = fixture
        .command(
            m1,
            "cast_ballot",
            &json!({"division": "division-1", "member": "m2", "choice": "yes"}),
        )
        .await;
    reply.assert_error(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(fixture.journal_length().await, length);

    // A second vote, when ballots cannot be changed.
    let reply = fixture
        .command(
            m1,
            "cast_ballot",
            &json!({"division": "division-1", "member": "m1", "choice": "yes"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let length = fixture.journal_length().await;
    let reply = fixture
        .command(
            m1,
            "cast_ballot",
            &json!({"division": "division-1", "member": "m1", "choice": "no"}),
        )
        .await;
    let message = reply.assert_error(StatusCode::CONFLICT, "conflict");
    assert!(message.contains("changed"), "{message}");
    assert_eq!(fixture.journal_length().await, length);
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_same_origin_ones_pass() {
    let fixture = fixture(Stage::Roster);
    let clerk = fixture.sign_in(&Caller::Clerk).await;
    let body = json!({"sitting": "sitting-1", "member": "m5"});
    let length = fixture.journal_length().await;

    let reply = Call::post("/api/commands/check_in")
        .cookie(clerk.as_deref())
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::FORBIDDEN, "forbidden");

    let reply = Call::post("/api/commands/check_in")
        .cookie(clerk.as_deref())
        .header("origin", "http://evil.example")
        .json(&body)
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::FORBIDDEN, "forbidden");

    // Signing in from another site is refused too (no login CSRF).
    let reply = Call::post("/api/auth/sign-in")
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"username": CLERK, "password": CLERK_PASSWORD}))
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(fixture.journal_length().await, length);

    let reply = Call::post("/api/commands/check_in")
        .cookie(clerk.as_deref())
        .header("sec-fetch-site", "same-origin")
        .header("origin", &format!("http://{}", common::HOST))
        .json(&body)
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(fixture.journal_length().await, length + 1);
}

#[tokio::test]
async fn unknown_things_are_404_with_the_json_error_body() {
    let fixture = fixture(Stage::Roster);
    for path in [
        "/api/members/nobody",
        "/api/sittings/sitting-9",
        "/api/sittings/Not%20An%20Id",
        "/api/divisions/division-9",
        "/api/no-such-route",
        "/api/commands",
    ] {
        let reply = Call::get(path).send(&fixture).await;
        reply.assert_error(StatusCode::NOT_FOUND, "not_found");
    }
    let empty = common::fixture(Stage::Empty);
    let reply = Call::get("/api/chamber").send(&empty).await;
    reply.assert_error(StatusCode::NOT_FOUND, "not_found");
    let reply = Call::get("/api/demo/status").send(&fixture).await;
    reply.assert_error(StatusCode::NOT_FOUND, "not_found");
    let reply = Call::get("/api/commands/check_in").send(&fixture).await;
    reply.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let reply = Call::get("/api/journal?limit=0").send(&fixture).await;
    reply.assert_error(StatusCode::BAD_REQUEST, "bad_request");
    let reply = Call::get("/api/journal?limit=many").send(&fixture).await;
    reply.assert_error(StatusCode::BAD_REQUEST, "bad_request");
    // Past the end: an empty page (found by schemathesis, which once got a 500 here).
    let reply = Call::get("/api/journal?from=1362922345&limit=325")
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let page = reply.json();
    assert_eq!(page["entries"], json!([]), "{page}");
    assert_eq!(page["next_from"], Value::Null, "{page}");
    assert!(
        page["length"].as_u64().is_some_and(|length| length > 0),
        "{page}"
    );
}

/// A path segment that is not UTF-8 once percent-decoded is rejected by the
/// path extractor before the handler runs: that error must still be the API's.
#[tokio::test]
async fn undecodable_path_segments_get_the_json_error_body() {
    let fixture = fixture(Stage::Roster);
    let clerk = fixture.sign_in(&Caller::Clerk).await;
    let mut failures = Vec::new();
    for call in [
        Call::get("/api/members/%FF"),
        Call::get("/api/sittings/%FF"),
        Call::get("/api/divisions/%FF"),
        Call::new(Method::DELETE, "/api/accounts/%FF").cookie(clerk.as_deref()),
        Call::post("/api/commands/%FF")
            .cookie(clerk.as_deref())
            .json(&json!({})),
    ] {
        let reply = call.send(&fixture).await;
        let json = reply.header("content-type") == Some("application/json")
            && serde_json::from_slice::<Value>(&reply.body)
                .is_ok_and(|body| body["error"]["code"].is_string());
        if !reply.status.is_client_error() || !json {
            failures.push(format!(
                "{} {:?}: {}",
                reply.status,
                reply.header("content-type"),
                reply.text()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---- 3. Auth sessions -------------------------------------------------------------

#[tokio::test]
async fn sign_in_sets_a_strict_cookie_and_rotates_it() {
    let fixture = fixture(Stage::Roster);
    let credentials = json!({"username": CLERK, "password": CLERK_PASSWORD});

    let reply = Call::post("/api/auth/sign-in")
        .json(&credentials)
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["role"], "clerk");
    let set_cookie = reply.header("set-cookie").expect("a cookie").to_owned();
    let attributes: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
    assert!(attributes[0].starts_with("hemicycle_auth="), "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            attributes.contains(&attribute),
            "{attribute} in {set_cookie}"
        );
    }
    assert!(!attributes.contains(&"Secure"), "{set_cookie}");
    let first = reply.auth_cookie().expect("the auth cookie");

    let reply = Call::get("/api/auth/me")
        .cookie(Some(&first))
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["username"], CLERK);

    // Behind a TLS proxy the cookie is Secure; signing in again rotates the token.
    let reply = Call::post("/api/auth/sign-in")
        .cookie(Some(&first))
        .header("x-forwarded-proto", "https")
        .json(&credentials)
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let set_cookie = reply.header("set-cookie").expect("a cookie").to_owned();
    assert!(
        set_cookie
            .split(';')
            .any(|attribute| attribute.trim() == "Secure"),
        "{set_cookie}"
    );
    let second = reply.auth_cookie().expect("the auth cookie");
    assert_ne!(first, second);
    let reply = Call::get("/api/auth/me")
        .cookie(Some(&first))
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let reply = Call::get("/api/auth/me")
        .cookie(Some(&second))
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    // Signing out ends the auth session and clears the cookie.
    let reply = Call::post("/api/auth/sign-out")
        .cookie(Some(&second))
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let cleared = reply.header("set-cookie").expect("a cookie").to_owned();
    assert!(cleared.starts_with("hemicycle_auth=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let reply = Call::get("/api/auth/me")
        .cookie(Some(&second))
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let reply = fixture
        .command(
            Some(&second),
            "check_in",
            &json!({"sitting": "sitting-1", "member": "m5"}),
        )
        .await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn wrong_credentials_are_refused_and_then_limited() {
    let fixture = fixture(Stage::Roster);
    let reply = Call::post("/api/auth/sign-in")
        .json(&json!({"username": CLERK, "password": "not-the-password"}))
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(reply.header("set-cookie").is_none());
    let reply = Call::post("/api/auth/sign-in")
        .json(&json!({"username": "nobody-here", "password": "not-the-password"}))
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");

    // A member's code with a wrong PIN.
    let (code, pin) = fixture.logins["m1"].clone();
    let wrong_pin: String = pin
        .chars()
        .map(|digit| if digit == '0' { '1' } else { '0' })
        .collect();
    let reply = Call::post("/api/auth/member-sign-in")
        .client_address([198, 51, 100, 1])
        .json(&json!({"code": code, "pin": wrong_pin}))
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");

    // Five failures for one account, each from another address: the sixth
    // attempt waits, even with the right password.
    let limited = common::fixture(Stage::Empty);
    for attempt in 0..5u8 {
        let reply = Call::post("/api/auth/sign-in")
            .client_address([203, 0, 113, attempt])
            .json(&json!({"username": CLERK, "password": format!("wrong-password-{attempt}")}))
            .send(&limited)
            .await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let reply = Call::post("/api/auth/sign-in")
        .client_address([203, 0, 113, 100])
        .json(&json!({"username": CLERK, "password": CLERK_PASSWORD}))
        .send(&limited)
        .await;
    reply.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    let retry_after: u64 = reply
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry_after > 0);
    assert!(reply.header("set-cookie").is_none());
    // Another account is not held up.
    let reply = Call::post("/api/auth/sign-in")
        .client_address([203, 0, 113, 101])
        .json(&json!({"username": OFFICER, "password": OFFICER_PASSWORD}))
        .send(&limited)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn reissuing_a_members_login_ends_their_auth_sessions() {
    let fixture = fixture(Stage::Roster);
    let member = fixture.sign_in(&Caller::Member("m1".into())).await;
    let reply = Call::get("/api/auth/me")
        .cookie(member.as_deref())
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["member"], "m1");
    assert_eq!(reply.json()["role"], "member");

    let clerk = fixture.sign_in(&Caller::Clerk).await;
    let reply = Call::post("/api/accounts/member-login")
        .cookie(clerk.as_deref())
        .json(&json!({"member": "m1"}))
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let issued = reply.json();
    let code = issued["login_code"].as_str().expect("a code").to_owned();
    let pin = issued["pin"].as_str().expect("a PIN").to_owned();
    assert!(
        issued["login_url"]
            .as_str()
            .is_some_and(|url| url.ends_with(&code)),
        "{issued}"
    );

    let reply = Call::get("/api/auth/me")
        .cookie(member.as_deref())
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // The old code no longer works; the new one does.
    let (old_code, old_pin) = fixture.logins["m1"].clone();
    let reply = Call::post("/api/auth/member-sign-in")
        .json(&json!({"code": old_code, "pin": old_pin}))
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let reply = Call::post("/api/auth/member-sign-in")
        .json(&json!({"code": code, "pin": pin}))
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // The clerk's own auth session is untouched.
    let reply = Call::get("/api/auth/me")
        .cookie(clerk.as_deref())
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    // Deleting an account ends its auth sessions too.
    let m2 = fixture.sign_in(&Caller::Member("m2".into())).await;
    let reply = Call::new(Method::DELETE, "/api/accounts/m2")
        .cookie(clerk.as_deref())
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = Call::get("/api/auth/me")
        .cookie(m2.as_deref())
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

// ---- 4. Reads ------------------------------------------------------------------------

#[tokio::test]
async fn the_openapi_document_describes_every_route_tested() {
    let fixture = fixture(Stage::Empty);
    let reply = Call::get("/api/openapi.json").send(&fixture).await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = reply.json();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().expect("paths");
    let mut missing = Vec::new();
    let mut expect = |path: String, method: &str| {
        if paths.get(&path).and_then(|item| item.get(method)).is_none() {
            missing.push(format!("{method} {path}"));
        }
    };
    for name in COMMAND_NAMES {
        expect(format!("/api/commands/{name}"), "post");
    }
    for (method, path) in [
        ("post", "/api/accounts"),
        ("get", "/api/accounts"),
        ("post", "/api/accounts/member-login"),
        ("delete", "/api/accounts/{username}"),
        ("post", "/api/demo/replay-step"),
        ("get", "/api/demo/status"),
        ("post", "/api/auth/sign-in"),
        ("post", "/api/auth/member-sign-in"),
        ("post", "/api/auth/sign-out"),
        ("get", "/api/auth/me"),
        ("get", "/api/chamber"),
        ("get", "/api/members/{id}"),
        ("get", "/api/sittings/{id}"),
        ("get", "/api/divisions/{id}"),
        ("get", "/api/journal"),
        ("get", "/api/live"),
        ("get", "/api/live/snapshot"),
    ] {
        expect(path.to_owned(), method);
    }
    assert!(
        missing.is_empty(),
        "not in the OpenAPI document: {missing:#?}"
    );
}

#[tokio::test]
async fn reads_show_ballots_and_who_did_what() {
    let fixture = fixture(Stage::Voting);

    let reply = Call::get("/api/divisions/division-0").send(&fixture).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let division = reply.json();
    assert_eq!(
        division["ballots"],
        json!({"m1": "yes", "m2": "yes", "m3": "yes", "m4": "yes"})
    );
    assert_eq!(division["open"], false);
    assert_eq!(division["outcome"]["verdict"], "adopted");

    let reply = Call::get("/api/live/snapshot").send(&fixture).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["seats"]["m1"], "pending");

    let journal_before = fixture.journal_length().await;
    let m1 = fixture.sign_in(&Caller::Member("m1".into())).await;
    let reply = fixture
        .command(
            m1.as_deref(),
            "cast_ballot",
            &json!({"division": "division-1", "member": "m1", "choice": "yes"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["command"], "cast_ballot");
    assert_eq!(reply.json()["sequence"], journal_before + 1);

    let reply = Call::get("/api/live/snapshot").send(&fixture).await;
    let snapshot = reply.json();
    assert_eq!(snapshot["seats"]["m1"], "yes", "{snapshot}");
    assert_eq!(snapshot["seats"]["m2"], "pending", "{snapshot}");
    assert_eq!(snapshot["sequence"], journal_before + 1);

    // The clerk and the presiding officer act in turn.
    let clerk = fixture.sign_in(&Caller::Clerk).await;
    let officer = fixture.sign_in(&Caller::Officer).await;
    let reply = fixture
        .command(
            officer.as_deref(),
            "close_division",
            &json!({"division": "division-1"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = fixture
        .command(
            clerk.as_deref(),
            "attach_notice",
            &json!({"text": "The division is closed."}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    let reply = Call::get(&format!("/api/journal?from={}", journal_before + 1))
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let journal = reply.json();
    let entries: Vec<(String, String)> = journal["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| {
            (
                entry["event"]["type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                entry["actor"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let actor_of = |event_type: &str| {
        entries
            .iter()
            .find(|(found, _)| found == event_type)
            .map(|(_, actor)| actor.as_str())
    };
    assert_eq!(actor_of("BallotCast"), Some("member:m1"), "{entries:?}");
    assert_eq!(
        actor_of("DivisionClosed"),
        Some(format!("officer:{OFFICER}").as_str()),
        "{entries:?}"
    );
    assert_eq!(
        actor_of("NoticeAttached"),
        Some(format!("clerk:{CLERK}").as_str()),
        "{entries:?}"
    );
    // What the fixture did was done by the system.
    let reply = Call::get("/api/journal?limit=1").send(&fixture).await;
    assert_eq!(reply.json()["entries"][0]["actor"], "system");

    let reply = Call::get("/api/divisions/division-1").send(&fixture).await;
    let division = reply.json();
    assert_eq!(division["ballots"], json!({"m1": "yes"}));
    assert_eq!(division["open"], false);
}

// ---- 5. The live stream ---------------------------------------------------------------

/// A response read by hand over TCP.
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(found, _)| found.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

fn request_text(
    address: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&Value>,
) -> String {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\n");
    if let Some(cookie) = cookie {
        write!(text, "Cookie: {cookie}\r\n").ok();
    }
    match body {
        Some(body) => {
            let body = body.to_string();
            write!(
                text,
                "Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .ok();
        }
        None => text.push_str("Connection: close\r\n\r\n"),
    }
    text
}

/// A response's status line and headers, and where its body starts.
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
    body_start: usize,
}

/// Splits a response head from what follows it.
fn parse_head(bytes: &[u8]) -> Option<Head> {
    let end = bytes.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Some(Head {
        status,
        headers,
        body_start: end + 4,
    })
}

/// Sends one request on its own connection and reads the whole response.
async fn raw_request(
    address: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&Value>,
) -> RawResponse {
    let mut stream = TcpStream::connect(address).await.expect("connects");
    stream
        .write_all(request_text(address, method, path, cookie, body).as_bytes())
        .await
        .expect("writes");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("reads");
    let Head {
        status,
        headers,
        body_start: start,
    } = parse_head(&bytes).expect("a response head");
    let mut response = RawResponse {
        status,
        headers,
        body: Vec::new(),
    };
    let rest = &bytes[start..];
    response.body = if response
        .header("transfer-encoding")
        .is_some_and(|value| value.eq_ignore_ascii_case("chunked"))
    {
        let mut decoder = Chunked::default();
        decoder.feed(rest);
        decoder.decoded
    } else {
        rest.to_vec()
    };
    response
}

/// A decoder of `Transfer-Encoding: chunked`, fed as bytes arrive.
#[derive(Default)]
struct Chunked {
    pending: Vec<u8>,
    decoded: Vec<u8>,
    finished: bool,
}

impl Chunked {
    fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        loop {
            let Some(line_end) = self.pending.windows(2).position(|window| window == b"\r\n")
            else {
                return;
            };
            let size_text = String::from_utf8_lossy(&self.pending[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .unwrap_or_else(|_| panic!("a chunk size, not {size_text:?}"));
            if size == 0 {
                self.finished = true;
                self.pending.clear();
                return;
            }
            let needed = line_end + 2 + size + 2;
            if self.pending.len() < needed {
                return;
            }
            self.decoded
                .extend_from_slice(&self.pending[line_end + 2..line_end + 2 + size]);
            self.pending.drain(..needed);
        }
    }
}

/// A Server-Sent Event.
#[derive(Debug)]
struct SseEvent {
    event: String,
    data: Value,
}

/// A live stream, read event by event.
struct LiveStream {
    stream: TcpStream,
    chunks: Chunked,
    consumed: usize,
}

impl LiveStream {
    async fn open(address: SocketAddr) -> LiveStream {
        let mut stream = TcpStream::connect(address).await.expect("connects");
        let request = format!(
            "GET /api/live HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.expect("writes");
        let mut head = Vec::new();
        let mut buffer = [0u8; 4096];
        let Head {
            status,
            headers,
            body_start: start,
        } = loop {
            let read = stream.read(&mut buffer).await.expect("reads");
            assert!(read > 0, "the live stream closed before its head");
            head.extend_from_slice(&buffer[..read]);
            if let Some(parsed) = parse_head(&head) {
                break parsed;
            }
        };
        assert_eq!(status, 200);
        let header = |name: &str| {
            headers
                .iter()
                .find(|(found, _)| found.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.clone())
        };
        assert_eq!(
            header("content-type").as_deref(),
            Some("text/event-stream"),
            "{headers:?}"
        );
        assert_eq!(
            header("transfer-encoding").as_deref(),
            Some("chunked"),
            "{headers:?}"
        );
        let mut chunks = Chunked::default();
        chunks.feed(&head[start..]);
        LiveStream {
            stream,
            chunks,
            consumed: 0,
        }
    }

    /// The next event, or `None` when the stream ends.
    async fn next_event(&mut self) -> Option<SseEvent> {
        let mut buffer = [0u8; 8192];
        loop {
            let unread = &self.chunks.decoded[self.consumed..];
            if let Some(end) = unread.windows(2).position(|window| window == b"\n\n") {
                let text = String::from_utf8_lossy(&unread[..end]).into_owned();
                self.consumed += end + 2;
                let mut event = String::from("message");
                let mut data = String::new();
                for line in text.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        event = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.strip_prefix(' ').unwrap_or(value));
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                let data = serde_json::from_str(&data)
                    .unwrap_or_else(|error| panic!("event data is JSON ({error}): {data}"));
                return Some(SseEvent { event, data });
            }
            if self.chunks.finished {
                return None;
            }
            let read = self.stream.read(&mut buffer).await.ok()?;
            if read == 0 {
                return None;
            }
            self.chunks.feed(&buffer[..read]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_shows_a_ballot_within_a_second_and_ends_at_shutdown() {
    let fixture = tokio::task::spawn_blocking(|| fixture(Stage::Voting))
        .await
        .expect("the fixture");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(hemicycle_web::serve(
        listener,
        fixture.shared.clone(),
        async move {
            let _ = stopped.await;
        },
    ));

    let mut live = LiveStream::open(address).await;
    let first = tokio::time::timeout(Duration::from_secs(5), live.next_event())
        .await
        .expect("the snapshot comes at once")
        .expect("an event");
    assert_eq!(first.event, "snapshot");
    assert_eq!(first.data["seats"]["m1"], "pending", "{}", first.data);
    assert_eq!(first.data["division"]["id"], "division-1", "{}", first.data);

    let (code, pin) = fixture.logins["m1"].clone();
    let signed_in = raw_request(
        address,
        "POST",
        "/api/auth/member-sign-in",
        None,
        Some(&json!({"code": code, "pin": pin})),
    )
    .await;
    assert_eq!(
        signed_in.status,
        200,
        "{}",
        String::from_utf8_lossy(&signed_in.body)
    );
    let cookie = signed_in
        .header("set-cookie")
        .and_then(|value| value.split(';').next())
        .expect("the auth cookie")
        .to_owned();
    let voted = raw_request(
        address,
        "POST",
        "/api/commands/cast_ballot",
        Some(&cookie),
        Some(&json!({"division": "division-1", "member": "m1", "choice": "yes"})),
    )
    .await;
    assert_eq!(
        voted.status,
        200,
        "{}",
        String::from_utf8_lossy(&voted.body)
    );
    let voted_at = Instant::now();

    let update = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            let event = live.next_event().await.expect("the stream goes on");
            if event.event == "update" && event.data["seats"]["m1"] == "yes" {
                return event;
            }
        }
    })
    .await
    .expect("the update arrives within a second");
    eprintln!("live update after {:?}", voted_at.elapsed());
    assert_eq!(
        update.data["division"]["tally"]["yes"], 1,
        "{}",
        update.data
    );

    stop.send(()).expect("the server is running");
    let ended = tokio::time::timeout(Duration::from_secs(5), live.next_event())
        .await
        .expect("the live stream ends at shutdown");
    assert!(ended.is_none(), "no more events after shutdown: {ended:?}");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server finishes at shutdown")
        .expect("the server task did not panic")
        .expect("the server stopped cleanly");
    assert_eq!(fixture.shared.live_subscriber_count(), 0);
}

#[tokio::test]
async fn the_record_downloads_in_the_published_standards() {
    let fixture = fixture(Stage::Roster);
    let reply = Call::get("/api/export/popolo.json").send(&fixture).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let popolo = reply.json();
    let persons = popolo["persons"].as_array().expect("persons");
    assert_eq!(persons.len(), 5, "the five members of the fixture");
    assert!(
        popolo["vote_events"].as_array().is_some_and(|events| events
            .iter()
            .any(|event| event["id"]
                .as_str()
                .is_some_and(|id| id.contains("division-0")))),
        "division-0 is exported as a vote event: {popolo}"
    );

    let reply = Call::get("/api/export/akn/sitting-0.xml")
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/akn+xml"));
    let xml = reply.text();
    assert!(xml.contains("<akomaNtoso"), "{xml}");
    assert!(xml.contains("<debate"), "{xml}");

    let reply = Call::get("/api/export/akn/sitting-9.xml")
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::NOT_FOUND, "not_found");
    let empty = common::fixture(Stage::Empty);
    let reply = Call::get("/api/export/popolo.json").send(&empty).await;
    reply.assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn the_demonstration_replayed_is_explained_in_words_numbers_and_pictures() {
    let fixture = fixture(Stage::Demo);
    let officer = fixture.sign_in(&Caller::Officer).await;
    // Replay the whole sitting through the officer's own route.
    let mut steps = 0;
    loop {
        let reply = Call::post("/api/demo/replay-step")
            .cookie(officer.as_deref())
            .send(&fixture)
            .await;
        if reply.status == StatusCode::CONFLICT {
            break;
        }
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        steps += 1;
        assert!(steps < 100, "the demonstration never ends");
    }
    assert!(steps > 5, "{steps} steps replayed");

    let reply = Call::get("/api/analysis/quorum?sitting=2020-01-05")
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let quorum = reply.json();
    assert_eq!(quorum["sitting"]["present"], 172);
    assert_eq!(quorum["sitting"]["margin"], 8);
    let sentences = quorum["sitting"]["sentences"].to_string();
    assert!(
        sentences.contains("8 more absences would have broken the quorum."),
        "{sentences}"
    );
    assert!(
        quorum["chamber"]["quorum_denial"]["blocs"].is_array(),
        "{quorum}"
    );

    let reply = Call::get("/api/analysis/attendance?sitting=2020-01-05")
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let attendance = reply.json();
    let present: u64 = attendance["blocs"]
        .as_array()
        .expect("blocs")
        .iter()
        .map(|bloc| bloc["presence"]["present"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(present, 172);

    let reply = Call::get("/api/analysis/cohesion?sitting=2020-01-05")
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["divisions"].as_array().map(Vec::len), Some(1));

    let reply = Call::get("/api/analysis/power").send(&fixture).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let shares: f64 = reply.json()["majority"]["power"]["banzhaf_normalised"]
        .as_array()
        .expect("normalised Banzhaf")
        .iter()
        .filter_map(Value::as_f64)
        .sum();
    assert!(
        (shares - 1.0).abs() < 1e-9,
        "normalised Banzhaf sums to {shares}"
    );

    for picture in [
        "attendance.svg",
        "cohesion.svg",
        "agreement.svg",
        "quorum-power.svg",
        "majority-power.svg",
    ] {
        let reply = Call::get(&format!(
            "/api/analysis/pictures/{picture}?sitting=2020-01-05"
        ))
        .send(&fixture)
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{picture}: {}", reply.text());
        assert_eq!(reply.header("content-type"), Some("image/svg+xml"));
        assert!(reply.text().contains("<svg"), "{picture}");
    }
    let reply = Call::get("/api/analysis/pictures/nothing.svg")
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::NOT_FOUND, "not_found");
    let reply = Call::get("/api/analysis/quorum?sitting=no-such-sitting")
        .send(&fixture)
        .await;
    reply.assert_error(StatusCode::NOT_FOUND, "not_found");

    let reply = Call::get("/record/sittings/2020-01-05/analysis")
        .send(&fixture)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let page = reply.text();
    assert!(
        page.contains("8 more absences would have broken the quorum."),
        "the page says it in words"
    );
    for section in [
        "analysis-quorum",
        "analysis-attendance",
        "analysis-cohesion",
        "analysis-power",
    ] {
        assert!(
            page.contains(&format!("data-testid=\"{section}\"")),
            "{section}"
        );
    }
    assert!(page.contains("/api/analysis/pictures/attendance.svg?sitting=2020-01-05"));
    let record = Call::get("/record/sittings/2020-01-05")
        .send(&fixture)
        .await
        .text();
    assert!(record.contains("/record/sittings/2020-01-05/analysis"));
}

/// The demonstration run to its end with a signing key, served.
fn signed_demo() -> (axum::Router, hemicycle_web::AppState, tempfile::TempDir) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", directory.path().join("signed.db").display());
    let mut chamber =
        hemicycle_engine::Chamber::open(hemicycle_journal::open(&url).expect("journal"))
            .expect("open");
    chamber.set_signer(
        hemicycle_log::SignerKey::from_seed("test.example/council", [9; 32]).expect("a key"),
    );
    let scenario = hemicycle_scenario::parse_scenario(
        hemicycle_scenario::DEMO_SCENARIO,
        hemicycle_scenario::DEMO_SCENARIO_NAME,
        &|name| Err(format!("no file {name} in the tests")),
    )
    .expect("the demonstration scenario parses");
    chamber
        .run_scenario(&scenario)
        .expect("the demonstration runs");
    let shared = hemicycle_web::Shared::new(
        chamber,
        Box::new(hemicycle_accounts::MemoryAccountStore::new()),
        None,
        common::config(),
    );
    (hemicycle_web::router(shared.clone()), shared, directory)
}

#[tokio::test]
async fn receipts_and_the_checkpoint_prove_the_record_offline() {
    let (router, shared, _directory) = signed_demo();
    let get = |path: String| {
        let router = router.clone();
        async move {
            common::send(
                &router,
                axum::http::Request::get(path)
                    .header("host", "127.0.0.1")
                    .body(axum::body::Body::empty())
                    .expect("a request"),
            )
            .await
        }
    };
    let key = get("/api/log/key".into()).await;
    assert_eq!(key.status, StatusCode::OK);
    let key = hemicycle_log::VerifierKey::parse(key.text().trim()).expect("a verifier key");

    // A member's ballot: the receipt verifies with the public key alone, and
    // its entry is that member's ballot.
    let (member, sequence) = shared.read(|state| {
        let division = state.divisions.values().next().expect("a division");
        let (member, sequence) = division.ballot_events.first().expect("a ballot");
        (member.to_string(), *sequence)
    });
    let reply = get(format!("/api/log/receipt?member={member}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let verified =
        hemicycle_log::receipt::verify_receipt(&reply.text(), &key).expect("the receipt verifies");
    assert_eq!(verified.index, sequence - 1);
    let entry = String::from_utf8(verified.entry).expect("UTF-8");
    assert!(entry.contains("\"type\":\"BallotCast\""), "{entry}");
    assert!(
        entry.contains(&format!("\"member\":\"{member}\"")),
        "{entry}"
    );

    // The division's result, linked from the record page.
    let closing = shared.read(|state| {
        state
            .divisions
            .values()
            .next()
            .and_then(|division| division.closed.as_ref())
            .expect("closed")
            .event_sequence
    });
    let page = get("/record/sittings/2020-01-05".into()).await.text();
    let link = format!("/api/log/receipt?sequence={closing}");
    assert!(
        page.contains(&link),
        "the record links the result to its proof"
    );
    assert!(page.contains("data-testid=\"checkpoint\""));
    let note = get("/api/log/checkpoint".into()).await.text();
    let note_line = note.lines().next().expect("the origin line").to_owned();
    assert!(page.contains(&note_line), "the record shows the checkpoint");
    let reply = get(link).await;
    let verified = hemicycle_log::receipt::verify_receipt(&reply.text(), &key).expect("verifies");
    assert!(String::from_utf8_lossy(&verified.entry).contains("\"type\":\"DivisionClosed\""));

    // A receipt whose entry is changed (another event's bytes) is caught.
    let text = reply.text();
    let other_entry =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, entry.as_bytes());
    let extra_line = text
        .lines()
        .find(|line| line.starts_with("extra "))
        .expect("the entry line")
        .to_owned();
    let tampered = text.replacen(&extra_line, &format!("extra {other_entry}"), 1);
    assert_ne!(tampered, text);
    assert!(hemicycle_log::receipt::verify_receipt(&tampered, &key).is_err());

    for (path, status) in [
        ("/api/log/receipt?member=nobody", StatusCode::NOT_FOUND),
        ("/api/log/receipt?sequence=999999", StatusCode::NOT_FOUND),
        ("/api/log/receipt", StatusCode::BAD_REQUEST),
        (
            "/api/log/receipt?sequence=1&member=x",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let reply = get(path.into()).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.text());
        common::assert_error_shape(&reply);
    }
}
