//! Crash test: `hemicycle serve` is killed with SIGKILL at a random moment while many
//! clients cast ballots at full speed, then restarted, again and again. After every kill:
//! every ballot acknowledged (HTTP 200) is in the journal, under the sequence it was
//! acknowledged with; no refused ballot is; `hemicycle verify` (chain, replay and signed
//! checkpoints) passes; two replays of the journal give the same state; and the restarted
//! server serves that state.
//!
//! The moment of each kill comes from a seeded generator; the seed is printed, and
//! `HEMICYCLE_CRASH_SEED=N` replays the same kill points (the interleaving of the clients
//! still varies). `HEMICYCLE_CRASH_CYCLES=N` sets the number of kills (default 20).
//!
//! The chamber and its accounts are prepared in-process with the library calls the CLI
//! makes (`hemicycle account member-login` is `hemicycle_web::auth::issue_login`), but
//! with Argon2's cheapest cost: sign-in verifies a PIN at the cost stored in its hash, so
//! the 200 sign-ins after each restart stay fast. The server runs with
//! `--argon2-cost fast` too, so that nothing it hashes slows the test.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use hemicycle_accounts::{
    AccountRole, AccountStore, Argon2Cost, CredentialHasher, SqliteAccountStore, Username,
};
use hemicycle_core::ids::{DivisionId, MemberId};
use hemicycle_core::model::Choice;
use hemicycle_core::{decode, Actor, Context, Event, State};
use hemicycle_engine::Chamber;
use hemicycle_journal::Storage;
use serde_json::{json, Value};

use common::{hemicycle, text};

/// Members of the chamber; the first `MEMBERS_PRESENT` are checked in, the others try
/// to vote and are refused.
const MEMBERS: usize = 200;
const MEMBERS_PRESENT: usize = 190;
/// Concurrent clients casting ballots.
const CLIENTS: usize = 12;
const DEFAULT_CYCLES: u64 = 20;
const MAX_CYCLES: u64 = 1_000;
const OFFICER: &str = "speaker";
const OFFICER_PASSWORD: &str = "crash-test-speaker-password";
const SITTING: &str = "sitting-1";
/// How long one HTTP exchange may take before the test calls the server stuck.
const REQUEST_TIMEOUT_MS: u64 = 20_000;
/// How long the server may take to say where it listens.
const START_TIMEOUT_MS: u64 = 30_000;
/// Largest response body read.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Most header lines in one response.
const MAX_HEADER_LINES: usize = 100;
/// One in this many acknowledged ballots is followed by the same member's attempt to
/// change it, which the standing orders refuse.
const CHANGE_ATTEMPT_ONE_IN: u64 = 8;

// ---- A seeded generator (SplitMix64): reproducible kill points without a dependency.

struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        value ^ (value >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "an empty range");
        self.next() % bound
    }
}

fn environment_number(name: &str, default: u64, range: std::ops::RangeInclusive<u64>) -> u64 {
    match std::env::var(name) {
        Err(_) => default,
        Ok(value) => {
            let number: u64 = value.trim().parse().unwrap_or_else(|error| {
                panic!("environment variable {name}={value:?}: not a whole number ({error})")
            });
            assert!(
                range.contains(&number),
                "environment variable {name}={number}: must be from {} to {}",
                range.start(),
                range.end()
            );
            number
        }
    }
}

// ---- A small HTTP/1.1 client over one keep-alive connection (blocking, for threads).

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "a {} response is not JSON ({error}): {}",
                self.status,
                text(&self.body)
            )
        })
    }

    /// The `hemicycle_auth=…` pair a sign-in sets.
    fn auth_cookie(&self) -> String {
        let set_cookie = self
            .header("set-cookie")
            .unwrap_or_else(|| panic!("no cookie set: {}", text(&self.body)));
        let pair = set_cookie.split(';').next().unwrap_or("").trim();
        assert!(pair.starts_with("hemicycle_auth="), "cookie {set_cookie}");
        pair.to_owned()
    }
}

struct Client {
    address: SocketAddr,
    connection: Option<BufReader<TcpStream>>,
}

impl Client {
    fn new(address: SocketAddr) -> Client {
        Client {
            address,
            connection: None,
        }
    }

    /// One request; on any transport error the connection is dropped and the error returned.
    fn send(
        &mut self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<&Value>,
    ) -> std::io::Result<Reply> {
        let result = self.exchange(method, path, cookie, body);
        match &result {
            Ok(reply)
                if reply
                    .header("connection")
                    .is_some_and(|value| value.eq_ignore_ascii_case("close")) =>
            {
                self.connection = None
            }
            Ok(_) => {}
            Err(_) => self.connection = None,
        }
        result
    }

    fn exchange(
        &mut self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<&Value>,
    ) -> std::io::Result<Reply> {
        if self.connection.is_none() {
            let stream = TcpStream::connect_timeout(
                &self.address,
                Duration::from_millis(REQUEST_TIMEOUT_MS),
            )?;
            stream.set_read_timeout(Some(Duration::from_millis(REQUEST_TIMEOUT_MS)))?;
            stream.set_write_timeout(Some(Duration::from_millis(REQUEST_TIMEOUT_MS)))?;
            stream.set_nodelay(true)?;
            self.connection = Some(BufReader::new(stream));
        }
        let connection = self.connection.as_mut().expect("connected above");
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.address,
            body.len()
        );
        if !body.is_empty() {
            request.push_str("Content-Type: application/json\r\n");
        }
        if let Some(cookie) = cookie {
            request.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        connection.get_mut().write_all(request.as_bytes())?;
        read_reply(connection)
    }
}

fn protocol_error(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

fn read_line(reader: &mut BufReader<TcpStream>) -> std::io::Result<String> {
    let mut line = String::new();
    // A line longer than this is not HTTP from our server.
    let read = reader.by_ref().take(16 * 1024).read_line(&mut line)?;
    if read == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn read_reply(reader: &mut BufReader<TcpStream>) -> std::io::Result<Reply> {
    let status_line = read_line(reader)?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| protocol_error(format!("status line {status_line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADER_LINES {
            return Err(protocol_error(format!(
                "more than {MAX_HEADER_LINES} headers"
            )));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| protocol_error(format!("header line {line:?}")))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    };
    let mut body = Vec::new();
    if find("transfer-encoding").is_some_and(|value| value.eq_ignore_ascii_case("chunked")) {
        loop {
            let size_line = read_line(reader)?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| protocol_error(format!("chunk size {size_line:?}")))?;
            if body.len() + size > MAX_BODY_BYTES {
                return Err(protocol_error(format!(
                    "a body over {MAX_BODY_BYTES} bytes"
                )));
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            read_line(reader)?;
            if size == 0 {
                break;
            }
        }
    } else {
        let length: usize = match find("content-length") {
            Some(value) => value
                .parse()
                .map_err(|_| protocol_error(format!("content-length {value:?}")))?,
            None => 0,
        };
        if length > MAX_BODY_BYTES {
            return Err(protocol_error(format!("a body of {length} bytes")));
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

// ---- The chamber.

fn member_id(index: usize) -> String {
    format!("member-{index:03}")
}

fn division_id(cycle: u64) -> String {
    format!("division-{cycle}")
}

fn motion_id(cycle: u64) -> String {
    format!("motion-{cycle}")
}

fn journal_url(directory: &Path) -> String {
    format!("sqlite://{}", directory.join("journal.db").display())
}

fn open_chamber(directory: &Path) -> Chamber<Box<dyn Storage>> {
    let storage = hemicycle_journal::open(&journal_url(directory)).expect("the journal opens");
    Chamber::open(storage).expect("the journal replays")
}

/// Login codes and PINs, by member.
type Logins = BTreeMap<String, (String, String)>;

/// Establishes the chamber with the binary (which writes its signing key beside the
/// journal), then admits the members, tables a motion per cycle, convenes and opens a
/// sitting with most members checked in, and issues the accounts. Returns the logins
/// and the verifier key.
fn prepare(directory: &Path, cycles: u64) -> (Logins, String) {
    let init = hemicycle(
        directory,
        &[
            "init",
            "--preset",
            "iraq",
            "--seats",
            &MEMBERS.to_string(),
            "--name",
            "Crash Test Chamber",
            "--database",
            "sqlite://journal.db",
        ],
    );
    assert!(init.status.success(), "init: {}", text(&init.stderr));
    let init_output = text(&init.stdout);
    let verifier_key = init_output
        .lines()
        .find_map(|line| line.strip_prefix("Verifier key: "))
        .unwrap_or_else(|| panic!("init printed no verifier key: {init_output}"))
        .trim()
        .to_owned();

    let mut chamber = open_chamber(directory);
    let mut commands = Vec::new();
    let mut add = |name: &str, body: Value| {
        let command = hemicycle_web::api::parse_command(name, body.to_string().as_bytes())
            .unwrap_or_else(|error| panic!("{name} {body}: {}", error.message));
        let context = Context {
            at: hemicycle_web::server::now(),
            actor: Actor::System,
        };
        commands.push((context, command));
    };
    for (bloc, name) in [("red", "The Red Party"), ("blue", "The Blue Party")] {
        add(
            "register_bloc",
            json!({"bloc": bloc, "name": name, "kind": "party"}),
        );
    }
    for index in 1..=MEMBERS {
        add(
            "admit_member",
            json!({
                "member": member_id(index),
                "name": format!("Member {index}"),
                "bloc": if index % 2 == 0 { "red" } else { "blue" },
                "on": "2024-01-01",
            }),
        );
    }
    for cycle in 1..=cycles {
        add(
            "table_motion",
            json!({
                "motion": motion_id(cycle),
                "kind": {"kind": "bill"},
                "title": format!("Bill number {cycle}"),
                "text": "Be it enacted.",
                "sponsors": [{"bloc": "red"}],
            }),
        );
    }
    add(
        "convene_sitting",
        json!({
            "sitting": SITTING,
            "kind": "ordinary",
            "title": "The crash-test sitting",
            "scheduled_for": hemicycle_web::server::now().to_rfc3339(),
            "agenda": [{"title": "Bill number 1", "motion": motion_id(1)}],
        }),
    );
    for index in 1..=MEMBERS_PRESENT {
        add(
            "check_in",
            json!({"sitting": SITTING, "member": member_id(index)}),
        );
    }
    add("open_sitting", json!({"sitting": SITTING}));
    chamber
        .execute_batch(&commands)
        .unwrap_or_else(|(index, error)| panic!("preparing, command {index}: {error}"));
    drop(chamber);

    // The journal's file first, then the accounts beside it, as `hemicycle account` does.
    let hasher = CredentialHasher::new(Argon2Cost::FAST_FOR_TESTS).expect("a hasher");
    let mut store =
        SqliteAccountStore::open(directory.join("journal.db")).expect("the accounts open");
    let officer = hemicycle_web::auth::new_staff_account(
        &hasher,
        Username::new(OFFICER).expect("a username"),
        Some("The Speaker".to_owned()),
        AccountRole::PresidingOfficer,
        OFFICER_PASSWORD,
        hemicycle_web::auth::now_ms(),
    )
    .unwrap_or_else(|error| panic!("the officer's account: {}", error.message));
    store
        .create(&officer)
        .expect("the officer's account is stored");
    let mut logins = Logins::new();
    for index in 1..=MEMBERS {
        let member = member_id(index);
        let issued = hemicycle_web::auth::issue_login(
            &mut store,
            &hasher,
            &MemberId::new(&member).expect("a member id"),
            &format!("Member {index}"),
            hemicycle_web::auth::now_ms(),
        )
        .unwrap_or_else(|error| panic!("the login of {member}: {}", error.message));
        logins.insert(member, (issued.login_code, issued.pin));
    }
    (logins, verifier_key)
}

// ---- The server.

struct Server {
    child: Child,
    address: SocketAddr,
    log: PathBuf,
}

impl Server {
    fn start(directory: &Path, cycle: u64) -> Server {
        let log = directory.join(format!("server-{cycle}.log"));
        let log_file = std::fs::File::create(&log).expect("a log file");
        let mut child = Process::new(env!("CARGO_BIN_EXE_hemicycle"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database",
                &journal_url(directory),
                "--argon2-cost",
                "fast",
            ])
            .current_dir(directory)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("the server starts");
        // The server prints where it listens once it does: port 0 lets the system pick
        // a free port, so parallel tests never collide.
        let stdout = child.stdout.take().expect("a pipe");
        let (sender, receiver) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next();
            let _ = sender.send(first);
            // Keep reading so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match receiver.recv_timeout(Duration::from_millis(START_TIMEOUT_MS)) {
            Ok(Some(Ok(line))) => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the server did not say where it listens ({other:?}); its log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        let address: SocketAddr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|address| address.parse().ok())
            .unwrap_or_else(|| panic!("no address in the server's first line {line:?}"));
        Server {
            child,
            address,
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Never leave a server behind a failed assertion.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sign_in_officer(client: &mut Client) -> String {
    let reply = client
        .send(
            "POST",
            "/api/auth/sign-in",
            None,
            Some(&json!({"username": OFFICER, "password": OFFICER_PASSWORD})),
        )
        .expect("the officer signs in");
    assert_eq!(reply.status, 200, "officer sign-in: {}", text(&reply.body));
    reply.auth_cookie()
}

fn command(client: &mut Client, cookie: &str, name: &str, body: &Value) -> Reply {
    client
        .send(
            "POST",
            &format!("/api/commands/{name}"),
            Some(cookie),
            Some(body),
        )
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

// ---- Ballots and what became of them.

#[derive(Debug, Clone)]
enum Outcome {
    /// HTTP 200, with the journal sequence of the ballot's event.
    Acknowledged { sequence: u64 },
    /// An HTTP error: the command was refused.
    Refused { status: u16, message: String },
    /// The connection broke once the server was being killed: either may be true.
    InDoubt,
}

#[derive(Debug, Clone)]
struct Ballot {
    division: String,
    member: String,
    choice: Choice,
    outcome: Outcome,
}

fn choice_word(choice: &Choice) -> &'static str {
    match choice {
        Choice::Yes => "yes",
        Choice::No => "no",
        Choice::Abstain => "abstain",
        Choice::Candidate(_) => unreachable!("no elections here"),
    }
}

fn random_choice(random: &mut Random) -> Choice {
    [Choice::Yes, Choice::No, Choice::Abstain][random.below(3) as usize].clone()
}

/// What the clients share with the killer.
struct Traffic {
    acknowledged: AtomicU64,
    killing: AtomicBool,
    ballots: Mutex<Vec<Ballot>>,
}

/// One client: signs its members in, then casts each one's ballot as fast as the server
/// answers, sometimes followed by an attempt to change it.
fn run_client(
    address: SocketAddr,
    members: Vec<(String, String, String)>,
    division: String,
    seed: u64,
    traffic: Arc<Traffic>,
) {
    let mut random = Random(seed);
    let mut client = Client::new(address);
    let mut cookies = Vec::new();
    for (member, code, pin) in members {
        if traffic.killing.load(Ordering::SeqCst) {
            return;
        }
        match client.send(
            "POST",
            "/api/auth/member-sign-in",
            None,
            Some(&json!({"code": code, "pin": pin})),
        ) {
            Ok(reply) => {
                assert_eq!(
                    reply.status,
                    200,
                    "{member} signs in: {}",
                    text(&reply.body)
                );
                cookies.push((member, reply.auth_cookie()));
            }
            Err(error) => {
                assert!(
                    traffic.killing.load(Ordering::SeqCst),
                    "{member}'s sign-in failed while the server was up: {error}"
                );
                return;
            }
        }
    }
    for (member, cookie) in cookies {
        let mut choice = random_choice(&mut random);
        let mut attempts = 0;
        loop {
            attempts += 1;
            if traffic.killing.load(Ordering::SeqCst) {
                return;
            }
            let body =
                json!({"division": division, "member": member, "choice": choice_word(&choice)});
            let outcome = match client.send(
                "POST",
                "/api/commands/cast_ballot",
                Some(&cookie),
                Some(&body),
            ) {
                Ok(reply) if reply.status == 200 => {
                    let sequence = reply.json()["sequence"]
                        .as_u64()
                        .unwrap_or_else(|| panic!("no sequence: {}", text(&reply.body)));
                    traffic.acknowledged.fetch_add(1, Ordering::SeqCst);
                    Outcome::Acknowledged { sequence }
                }
                Ok(reply) => {
                    assert!(
                        (400..500).contains(&reply.status),
                        "{member}'s ballot: {} {}\n",
                        reply.status,
                        text(&reply.body)
                    );
                    Outcome::Refused {
                        status: reply.status,
                        message: text(&reply.body),
                    }
                }
                Err(error) => {
                    assert!(
                        traffic.killing.load(Ordering::SeqCst),
                        "{member}'s ballot failed while the server was up: {error}"
                    );
                    Outcome::InDoubt
                }
            };
            let acknowledged = matches!(outcome, Outcome::Acknowledged { .. });
            traffic.ballots.lock().unwrap().push(Ballot {
                division: division.clone(),
                member: member.clone(),
                choice: choice.clone(),
                outcome,
            });
            if !(acknowledged && attempts == 1 && random.below(CHANGE_ATTEMPT_ONE_IN) == 0) {
                break;
            }
            // A second ballot with another choice: the standing orders refuse it.
            choice = match choice {
                Choice::Yes => Choice::No,
                _ => Choice::Yes,
            };
        }
    }
}

// ---- The checks after a kill.

#[derive(Debug, Default)]
struct Totals {
    acknowledged: u64,
    refused: u64,
    in_doubt: u64,
    in_doubt_recorded: u64,
}

/// Every acknowledged ballot is in the journal under its sequence; no refused one is;
/// two replays agree. Returns the state.
fn check_journal(directory: &Path, ballots: &[Ballot], totals: &mut Totals) -> State {
    let first = open_chamber(directory);
    let second = open_chamber(directory);
    assert!(
        first.state() == second.state(),
        "two replays of the journal differ"
    );
    let state = first.state();
    for ballot in ballots {
        let division = state
            .divisions
            .get(&DivisionId::new(&ballot.division).unwrap())
            .unwrap_or_else(|| panic!("division {} is not in the journal", ballot.division));
        let recorded = division
            .ballots
            .get(&MemberId::new(&ballot.member).unwrap());
        match &ballot.outcome {
            Outcome::Acknowledged { sequence } => {
                assert_eq!(
                    recorded,
                    Some(&ballot.choice),
                    "{ballot:?} was acknowledged, but the journal holds {recorded:?}"
                );
                let envelope = first
                    .journal()
                    .events_from(*sequence)
                    .expect("the journal reads")
                    .next()
                    .unwrap_or_else(|| panic!("{ballot:?}: no event {sequence}"))
                    .expect("the chain holds");
                match decode(&envelope.payload).expect("the event decodes") {
                    Event::BallotCast {
                        division,
                        member,
                        choice,
                    } => {
                        assert_eq!(division.to_string(), ballot.division, "event {sequence}");
                        assert_eq!(member.to_string(), ballot.member, "event {sequence}");
                        assert_eq!(choice, ballot.choice, "event {sequence}");
                    }
                    other => panic!("{ballot:?}: event {sequence} is {other:?}"),
                }
                totals.acknowledged += 1;
            }
            Outcome::Refused { status, message } => {
                assert_ne!(
                    recorded,
                    Some(&ballot.choice),
                    "{ballot:?} was refused ({status} {message}), yet the journal holds it"
                );
                totals.refused += 1;
            }
            Outcome::InDoubt => {
                totals.in_doubt += 1;
                if recorded == Some(&ballot.choice) {
                    totals.in_doubt_recorded += 1;
                }
            }
        }
    }
    state.clone()
}

fn verify_with_binary(directory: &Path, verifier_key: &str) {
    let output = hemicycle(
        directory,
        &[
            "verify",
            "--database",
            "sqlite://journal.db",
            "--key",
            verifier_key,
        ],
    );
    assert!(
        output.status.success(),
        "hemicycle verify failed after a kill:\n{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// The restarted server serves the replayed state: the journal's length and each
/// division's ballots.
fn check_server_reads(client: &mut Client, state: &State, journal_length: u64, cycle: u64) {
    let reply = client
        .send("GET", "/api/journal?limit=1", None, None)
        .expect("the journal is read");
    assert_eq!(reply.status, 200, "{}", text(&reply.body));
    assert_eq!(reply.json()["length"].as_u64(), Some(journal_length));
    for earlier in 1..cycle {
        let Some(division) = state
            .divisions
            .get(&DivisionId::new(division_id(earlier)).unwrap())
        else {
            continue;
        };
        let reply = client
            .send(
                "GET",
                &format!("/api/divisions/{}", division_id(earlier)),
                None,
                None,
            )
            .expect("a division is read");
        assert_eq!(reply.status, 200, "{}", text(&reply.body));
        let served = reply.json()["ballots"].clone();
        let replayed: serde_json::Map<String, Value> = division
            .ballots
            .iter()
            .map(|(member, choice)| (member.to_string(), json!(choice_word(choice))))
            .collect();
        assert_eq!(
            served,
            Value::Object(replayed),
            "division {earlier}: the server's ballots differ from a replay"
        );
    }
}

#[test]
fn ballots_survive_the_server_being_killed() {
    let seed = match std::env::var("HEMICYCLE_CRASH_SEED") {
        Ok(_) => environment_number("HEMICYCLE_CRASH_SEED", 0, 0..=u64::MAX),
        Err(_) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos());
            // The low bits vary most; any 64 of them make a seed.
            nanos as u64
        }
    };
    let cycles = environment_number("HEMICYCLE_CRASH_CYCLES", DEFAULT_CYCLES, 1..=MAX_CYCLES);
    println!("crash test: seed {seed} (HEMICYCLE_CRASH_SEED={seed} repeats the kill points), {cycles} cycles");
    let mut random = Random(seed);
    let started = Instant::now();

    let directory = tempfile::tempdir().expect("a temporary directory");
    let directory = directory.path();
    let (logins, verifier_key) = prepare(directory, cycles);
    let mut totals = Totals::default();
    let mut state = open_chamber(directory).state().clone();
    let mut journal_length = open_chamber(directory).journal().len();

    for cycle in 1..=cycles {
        let server = Server::start(directory, cycle);
        let mut officer_client = Client::new(server.address);
        check_server_reads(&mut officer_client, &state, journal_length, cycle);
        let officer = sign_in_officer(&mut officer_client);
        // The division of the cycle before may still be open (the kill came first).
        if let Some(open) = state
            .sittings
            .get(&hemicycle_core::ids::SittingId::new(SITTING).unwrap())
            .and_then(|sitting| sitting.open_division.clone())
        {
            let reply = command(
                &mut officer_client,
                &officer,
                "close_division",
                &json!({"division": open.to_string()}),
            );
            assert_eq!(reply.status, 200, "closing {open}: {}", text(&reply.body));
        }
        let division = division_id(cycle);
        let reply = command(
            &mut officer_client,
            &officer,
            "open_division",
            &json!({
                "division": division,
                "sitting": SITTING,
                "question": {"kind": "motion", "motion": motion_id(cycle)},
                "method": "recorded",
            }),
        );
        assert_eq!(
            reply.status,
            200,
            "opening {division}: {}",
            text(&reply.body)
        );

        // The kill comes once this many ballots are acknowledged (or, if the clients
        // finish first, when they do), after a random pause of up to 2 ms.
        let kill_after = random.below(MEMBERS_PRESENT as u64);
        let pause_us = random.below(2_000);
        let traffic = Arc::new(Traffic {
            acknowledged: AtomicU64::new(0),
            killing: AtomicBool::new(false),
            ballots: Mutex::new(Vec::new()),
        });
        let mut order: Vec<usize> = (1..=MEMBERS).collect();
        for index in (1..order.len()).rev() {
            order.swap(index, random.below(index as u64 + 1) as usize);
        }
        let mut shares: Vec<Vec<(String, String, String)>> = vec![Vec::new(); CLIENTS];
        for (position, index) in order.into_iter().enumerate() {
            let member = member_id(index);
            let (code, pin) = logins[&member].clone();
            shares[position % CLIENTS].push((member, code, pin));
        }
        let clients: Vec<_> = shares
            .into_iter()
            .map(|members| {
                let traffic = traffic.clone();
                let division = division.clone();
                let client_seed = random.next();
                let address = server.address;
                thread::spawn(move || run_client(address, members, division, client_seed, traffic))
            })
            .collect();
        while traffic.acknowledged.load(Ordering::SeqCst) < kill_after
            && !clients.iter().all(|client| client.is_finished())
        {
            thread::sleep(Duration::from_micros(100));
        }
        thread::sleep(Duration::from_micros(pause_us));
        traffic.killing.store(true, Ordering::SeqCst);
        let mut server = server;
        server.child.kill().expect("SIGKILL");
        let status = server.child.wait().expect("the server is reaped");
        assert!(
            !status.success(),
            "the server was killed, yet exited cleanly: {status}\n{}",
            server.log()
        );
        for client in clients {
            if let Err(panic) = client.join() {
                std::panic::resume_unwind(panic);
            }
        }
        let ballots = std::mem::take(&mut *traffic.ballots.lock().unwrap());

        verify_with_binary(directory, &verifier_key);
        state = check_journal(directory, &ballots, &mut totals);
        journal_length = open_chamber(directory).journal().len();
        drop(server);
    }
    // The last restart serves what the last kill left.
    let server = Server::start(directory, cycles + 1);
    check_server_reads(
        &mut Client::new(server.address),
        &state,
        journal_length,
        cycles + 1,
    );
    drop(server);

    println!(
        "crash test: {cycles} cycles (kills) in {:.1} s; {} acknowledged ballots checked in the \
         journal, {} refused ballots checked absent, {} in doubt at the kill ({} of them \
         recorded); journal of {journal_length} events verified after every kill",
        started.elapsed().as_secs_f64(),
        totals.acknowledged,
        totals.refused,
        totals.in_doubt,
        totals.in_doubt_recorded,
    );
    assert!(totals.acknowledged > 0, "no ballot was acknowledged");
    assert!(totals.refused > 0, "no ballot was refused");
}
