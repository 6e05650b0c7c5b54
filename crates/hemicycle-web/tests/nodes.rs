//! Several server nodes on one journal: what one node records reaches the
//! live pages of the other, and commands stay linearizable across nodes.
//!
//! The race test runs many trials of members voting through both nodes while
//! the presiding officer closes the division through one of them, and checks
//! that each recorded result holds exactly the ballots the nodes acknowledged,
//! that no ballot sent after the close was acknowledged is accepted, and that
//! both nodes and a fresh replay of the journal end in the same state.
//!
//! Every test runs on a SQLite file shared by two nodes, and on PostgreSQL
//! when it can be reached (`HEMICYCLE_TEST_POSTGRES_URL`, by default the
//! local server's `test` database; each run in a fresh schema, dropped after).
//! Without PostgreSQL the PostgreSQL part says plainly that it did not run,
//! unless `CI=true` or `HEMICYCLE_REQUIRE_POSTGRES=1`, which make it fail.
//! `HEMICYCLE_RACE_TRIALS` sets the number of trials (default 1,000) and
//! `HEMICYCLE_RACE_SEED` replays a run.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::Router;
use hemicycle_accounts::{AccountRole, Argon2Cost, CredentialHasher, MemoryAccountStore, Username};
use hemicycle_core::ids::{DivisionId, MemberId};
use hemicycle_core::{Actor, Context, State};
use hemicycle_engine::Chamber;
use hemicycle_journal::Storage;
use hemicycle_web::{AppState, Shared};
use serde_json::{json, Value};

use common::{Call, CLERK, CLERK_PASSWORD, OFFICER, OFFICER_PASSWORD};

/// Members voting in each trial.
const VOTERS: usize = 12;

fn trials() -> usize {
    std::env::var("HEMICYCLE_RACE_TRIALS")
        .ok()
        .map(|text| text.parse().expect("HEMICYCLE_RACE_TRIALS is a number"))
        .unwrap_or(1_000)
}

fn voter(index: usize) -> String {
    format!("voter-{index:02}")
}

/// A small, seeded random number generator (xorshift64*), so that a failing
/// run can be replayed from its printed seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

fn seed() -> u64 {
    std::env::var("HEMICYCLE_RACE_SEED")
        .ok()
        .map(|text| text.parse().expect("HEMICYCLE_RACE_SEED is a number"))
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_nanos() as u64
                | 1
        })
}

/// Runs commands as the system, in one all-or-nothing batch.
fn batch(chamber: &mut Chamber<Box<dyn Storage>>, commands: Vec<(&str, Value)>) {
    let planned: Vec<_> = commands
        .into_iter()
        .map(|(name, body)| {
            let command = hemicycle_web::api::parse_command(name, body.to_string().as_bytes())
                .unwrap_or_else(|error| panic!("{name} {body}: {}", error.message));
            let context = Context {
                at: hemicycle_web::server::now(),
                actor: Actor::System,
            };
            (context, command)
        })
        .collect();
    chamber
        .execute_batch(&planned)
        .unwrap_or_else(|(index, error)| panic!("set-up command {index}: {error}"));
}

/// A chamber of [`VOTERS`] members, all checked in to an open sitting, and a
/// motion for each trial.
fn prepare(url: &str, trials: usize) {
    let mut chamber = Chamber::open(hemicycle_journal::open(url).expect("the journal opens"))
        .expect("the chamber opens");
    let mut commands = vec![
        (
            "establish_chamber",
            json!({"name": "Race Chamber", "seats": VOTERS, "standing_orders": common::standing_orders()}),
        ),
        (
            "register_bloc",
            json!({"bloc": "alpha", "name": "Alpha", "kind": "party"}),
        ),
    ];
    for index in 0..VOTERS {
        commands.push((
            "admit_member",
            json!({"member": voter(index), "name": format!("Voter {index}"), "bloc": "alpha", "on": "2020-01-01"}),
        ));
    }
    commands.push((
        "convene_sitting",
        json!({"sitting": "sitting-1", "kind": "ordinary", "title": "The race",
               "scheduled_for": "2020-01-05T16:00:00+03:00", "agenda": [{"title": "Motions"}]}),
    ));
    for index in 0..VOTERS {
        commands.push((
            "check_in",
            json!({"sitting": "sitting-1", "member": voter(index)}),
        ));
    }
    commands.push(("open_sitting", json!({"sitting": "sitting-1"})));
    batch(&mut chamber, commands);
    // The motions, in batches well under the journal's batch limits.
    for first in (0..trials).step_by(500) {
        let motions = (first..trials.min(first + 500))
            .map(|trial| {
                (
                    "table_motion",
                    json!({"motion": format!("motion-{trial}"), "kind": {"kind": "bill"},
                           "title": format!("Bill {trial}"), "text": "Be it enacted.",
                           "sponsors": [{"bloc": "alpha"}]}),
                )
            })
            .collect();
        batch(&mut chamber, motions);
    }
}

/// One server node: its own chamber handle on the journal, its own accounts
/// (auth sessions are per node), and the signed-in cookies.
struct Node {
    shared: AppState,
    router: Router,
    officer: String,
    members: Vec<String>,
}

/// Runs blocking work (the synchronous PostgreSQL client must not run on an
/// async task's thread).
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(work)
}

async fn start_node(url: &str) -> Node {
    let chamber = blocking(|| {
        Chamber::open(hemicycle_journal::open(url).expect("the journal opens"))
            .expect("the chamber opens")
    });
    let hasher = CredentialHasher::new(Argon2Cost::FAST_FOR_TESTS).expect("a hasher");
    let mut store = MemoryAccountStore::new();
    for (username, role, password) in [
        (CLERK, AccountRole::Clerk, CLERK_PASSWORD),
        (OFFICER, AccountRole::PresidingOfficer, OFFICER_PASSWORD),
    ] {
        let account = hemicycle_web::auth::new_staff_account(
            &hasher,
            Username::new(username).expect("a username"),
            None,
            role,
            password,
            hemicycle_web::auth::now_ms(),
        )
        .unwrap_or_else(|error| panic!("{}", error.message));
        hemicycle_accounts::AccountStore::create(&mut store, &account).expect("stored");
    }
    let logins: Vec<(String, String)> = (0..VOTERS)
        .map(|index| {
            let issued = hemicycle_web::auth::issue_login(
                &mut store,
                &hasher,
                &MemberId::new(voter(index)).expect("a member id"),
                &format!("Voter {index}"),
                hemicycle_web::auth::now_ms(),
            )
            .unwrap_or_else(|error| panic!("{}", error.message));
            (issued.login_code, issued.pin)
        })
        .collect();
    let shared = blocking(|| Shared::new(chamber, Box::new(store), None, common::config()));
    let router = hemicycle_web::router(shared.clone());
    let officer = sign_in(
        &router,
        "/api/auth/sign-in",
        json!({"username": OFFICER, "password": OFFICER_PASSWORD}),
    )
    .await;
    let mut members = Vec::new();
    for (code, pin) in logins {
        members.push(
            sign_in(
                &router,
                "/api/auth/member-sign-in",
                json!({"code": code, "pin": pin}),
            )
            .await,
        );
    }
    Node {
        shared,
        router,
        officer,
        members,
    }
}

async fn sign_in(router: &Router, path: &str, body: Value) -> String {
    let reply = Call::post(path).json(&body).send_to(router).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.auth_cookie().expect("an auth cookie")
}

async fn command(router: &Router, cookie: &str, name: &str, body: Value) -> StatusCode {
    let reply = Call::post(&format!("/api/commands/{name}"))
        .cookie(Some(cookie))
        .header("sec-fetch-site", "same-origin")
        .json(&body)
        .send_to(router)
        .await;
    assert!(
        reply.status == StatusCode::OK || reply.status == StatusCode::CONFLICT,
        "{name}: {} {}",
        reply.status,
        reply.text()
    );
    reply.status
}

/// Waits until `node` has caught up with `length` events (it learns of the
/// other node's writes by notification, or by polling at least every second).
async fn caught_up(node: &Node, length: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while node.shared.journal_length() < length {
        assert!(
            Instant::now() < deadline,
            "the node did not catch up with the journal in 10 s ({} of {length} events)",
            node.shared.journal_length()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn state_of(node: &Node) -> State {
    node.shared.read(State::clone)
}

/// One trial: open a division through `north`, every voter votes through a
/// node chosen at random after a random delay, while the officer closes it
/// through `north` after a random delay.
async fn trial(number: usize, nodes: &[Node; 2], random: &mut Random) {
    let division = format!("race-{number}");
    let north = &nodes[0];
    let status = command(
        &north.router,
        &north.officer,
        "open_division",
        json!({"division": division, "sitting": "sitting-1",
               "question": {"kind": "motion", "motion": format!("motion-{number}")},
               "method": "recorded"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "trial {number}: the division opens");

    let mut ballots = Vec::new();
    for index in 0..VOTERS {
        let node = random.below(2) as usize;
        let delay = Duration::from_micros(random.below(3_000));
        let choice = if random.below(2) == 0 { "yes" } else { "no" };
        let router = nodes[node].router.clone();
        let cookie = nodes[node].members[index].clone();
        let body = json!({"division": division, "member": voter(index), "choice": choice});
        ballots.push(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let sent = Instant::now();
            let status = command(&router, &cookie, "cast_ballot", body).await;
            (index, sent, status)
        }));
    }
    let close_delay = Duration::from_micros(random.below(3_000));
    let router = north.router.clone();
    let officer = north.officer.clone();
    let close_body = json!({"division": division});
    let close = tokio::spawn(async move {
        tokio::time::sleep(close_delay).await;
        let status = command(&router, &officer, "close_division", close_body).await;
        (status, Instant::now())
    });
    let (close_status, closed_at) = close.await.expect("the close task");
    assert_eq!(
        close_status,
        StatusCode::OK,
        "trial {number}: the division closes"
    );
    let mut acknowledged = BTreeSet::new();
    for ballot in ballots {
        let (index, sent, status) = ballot.await.expect("a ballot task");
        if status == StatusCode::OK {
            assert!(
                sent <= closed_at,
                "trial {number}: {} was accepted though sent after the close was acknowledged",
                voter(index)
            );
            acknowledged.insert(voter(index));
        }
    }
    // North closed the division, so its state holds every ballot recorded
    // before the close, through either node.
    let id = DivisionId::new(&division).expect("a division id");
    let recorded: BTreeSet<String> = north.shared.read(|state| {
        let record = state.divisions.get(&id).expect("the division exists");
        assert!(!record.is_open(), "trial {number}: the division is closed");
        record.ballots.keys().map(ToString::to_string).collect()
    });
    assert_eq!(
        recorded, acknowledged,
        "trial {number}: the recorded ballots are exactly the acknowledged ones"
    );
}

async fn race(url: &str, label: &str) {
    let trials = trials();
    let seed = seed();
    eprintln!(
        "race on {label}: {trials} trials, seed {seed} (HEMICYCLE_RACE_SEED={seed} replays it)"
    );
    blocking(|| prepare(url, trials));
    let nodes = [start_node(url).await, start_node(url).await];
    let mut random = Random(seed);
    let started = Instant::now();
    for number in 0..trials {
        trial(number, &nodes, &mut random).await;
    }
    let elapsed = started.elapsed();
    let length = nodes[0]
        .shared
        .journal_length()
        .max(nodes[1].shared.journal_length());
    caught_up(&nodes[0], length).await;
    caught_up(&nodes[1], length).await;
    let north = state_of(&nodes[0]);
    assert_eq!(state_of(&nodes[1]), north, "both nodes hold the same state");
    blocking(|| {
        let replayed = Chamber::open(hemicycle_journal::open(url).expect("the journal opens"))
            .expect("the journal replays");
        assert_eq!(
            *replayed.state(),
            north,
            "a fresh replay gives the same state"
        );
        hemicycle_journal::verify(replayed.journal().storage()).expect("the journal verifies");
    });
    blocking(|| drop(nodes));
    eprintln!(
        "race on {label}: {trials} trials held in {:.1} s ({} events)",
        elapsed.as_secs_f64(),
        length
    );
}

/// A change made through one node reaches the other node's live stream.
async fn live_across_nodes(url: &str, label: &str) {
    blocking(|| prepare(url, 1));
    let nodes = [start_node(url).await, start_node(url).await];
    let mut subscription = nodes[1]
        .shared
        .subscribe()
        .expect("a place on the live stream");
    let sent = Instant::now();
    let status = command(
        &nodes[0].router,
        &nodes[0].officer,
        "open_division",
        json!({"division": "live-1", "sitting": "sitting-1",
               "question": {"kind": "motion", "motion": "motion-0"}, "method": "recorded"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Ten seconds only guards against a hang; the time taken is printed.
    let message = tokio::time::timeout(Duration::from_secs(10), subscription.receiver.recv())
        .await
        .expect("the other node's live stream hears of the change")
        .expect("a live message");
    let hemicycle_web::server::LiveMessage::Update { frame, .. } = message;
    let frame = String::from_utf8(frame.to_vec()).expect("an SSE frame is text");
    let data = frame
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .expect("the frame has data");
    let update: Value = serde_json::from_str(data).expect("an update is JSON");
    assert_eq!(update["division"]["id"], "live-1", "{update}");
    assert_eq!(update["division"]["open"], true, "{update}");
    eprintln!(
        "live on {label}: the other node's viewers saw the division open after {} ms",
        sent.elapsed().as_millis()
    );
    drop(subscription);
    blocking(|| drop(nodes));
}

// ---- Backends -----------------------------------------------------------------

fn sqlite_url(directory: &tempfile::TempDir) -> String {
    format!("sqlite://{}", directory.path().join("journal.db").display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_sqlite_file_race_without_losing_a_ballot() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    race(&sqlite_url(&directory), "SQLite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_sqlite_file_show_each_others_changes_live() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    live_across_nodes(&sqlite_url(&directory), "SQLite").await;
}

/// A fresh schema on the test PostgreSQL server, dropped when done; `None`
/// (after saying why) when the server cannot be reached and is not required.
struct PostgresSchema {
    admin_url: String,
    schema: String,
}

impl PostgresSchema {
    fn create() -> Option<PostgresSchema> {
        let admin_url = std::env::var("HEMICYCLE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let required = std::env::var("CI").is_ok_and(|value| value == "true")
            || std::env::var("HEMICYCLE_REQUIRE_POSTGRES").is_ok_and(|value| value == "1");
        let mut client = match postgres::Client::connect(&admin_url, postgres::NoTls) {
            Ok(client) => client,
            Err(error) if !required => {
                eprintln!("PostgreSQL suite NOT RUN: cannot connect to {admin_url}: {error}");
                return None;
            }
            Err(error) => {
                panic!("PostgreSQL is required here but cannot be reached at {admin_url}: {error}")
            }
        };
        let schema = format!("hemicycle_test_nodes_{}", seed() % 1_000_000_007);
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("the test schema is created");
        Some(PostgresSchema { admin_url, schema })
    }

    fn url(&self) -> String {
        let separator = if self.admin_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{separator}options=-csearch_path%3D{}",
            self.admin_url, self.schema
        )
    }
}

impl Drop for PostgresSchema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_postgresql_race_without_losing_a_ballot() {
    let Some(schema) = blocking(PostgresSchema::create) else {
        return;
    };
    race(&schema.url(), "PostgreSQL").await;
    blocking(|| drop(schema));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_postgresql_show_each_others_changes_live() {
    let Some(schema) = blocking(PostgresSchema::create) else {
        return;
    };
    live_across_nodes(&schema.url(), "PostgreSQL").await;
    blocking(|| drop(schema));
}
