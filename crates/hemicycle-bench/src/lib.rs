//! hemicycle's load generator: a whole chamber voting at once, watched live by a
//! gallery, against a running server on this machine.
//!
//! The run, phase by phase, each under its own deadline:
//!
//! 1. the clerk and the presiding officer sign in;
//! 2. the clerk admits N members, tables a motion and convenes a sitting;
//! 3. the clerk issues every member a login code and PIN, and every member signs in;
//! 4. M viewers open the live stream (`/api/live`) and receive their first snapshot;
//! 5. every member checks in, the officer opens the sitting and a recorded division;
//! 6. every member votes, C requests in flight at a time;
//! 7. the officer closes the division; each viewer notes when the outcome reaches it;
//! 8. the officer closes the sitting.
//!
//! Requests go through C keep-alive connections, each with one request in flight,
//! so C is exactly the number in flight. Every job is accounted for: answered,
//! refused (counted by kind), or not sent because its phase's deadline passed.

pub mod http;
pub mod latency;
pub mod process;
pub mod report;
pub mod sse;
pub mod viewer;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::http::{Connection, Reply, RequestError};
use crate::latency::summarize;
use crate::process::{Process, ProcessSample};
use crate::report::{
    BallotReport, BenchReport, OutcomeReport, PhaseReport, ServerReport, ViewerReport,
};
use crate::viewer::{ViewerPlan, ViewerProgress, ViewerResult};

/// The most members a run admits: the most seats a chamber has.
pub const MEMBERS_MAX: usize = 100_000;
/// The most gallery viewers a run opens.
pub const VIEWERS_MAX: usize = 100_000;
/// The most requests in flight.
pub const CONCURRENCY_MAX: usize = 4_096;
/// The longest deadline of one phase.
pub const PHASE_TIME_LIMIT_MAX: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest run label; ids built from it stay far below the 64-byte limit.
pub const RUN_LABEL_LENGTH_MAX: usize = 24;
/// How many error messages a report quotes (all are counted).
const ERROR_EXAMPLES_MAX: usize = 10;
/// How often the run looks at the viewers' progress while it waits for them.
const VIEWER_POLL_INTERVAL: Duration = Duration::from_millis(2);

/// A staff account to sign in with.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// The server, on a loopback address (see [`http::parse_loopback_url`]).
    pub server: SocketAddr,
    pub members: usize,
    pub viewers: usize,
    /// Requests in flight at once (and viewers connecting at once).
    pub concurrency: usize,
    pub clerk: Credentials,
    pub officer: Credentials,
    /// The deadline of each phase.
    pub phase_time_limit: Duration,
    /// The server's process, to measure its CPU time and memory (when it runs here
    /// and we know it).
    pub server_pid: Option<u32>,
    /// Prefixes every id the run creates, so that runs against one server do not
    /// collide: lower-case letters, digits and `-`.
    pub run_label: String,
    /// Told when each phase starts and ends (to show progress on a long run).
    pub progress: Option<fn(Progress<'_>)>,
}

/// Where a run is.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    Started(&'static str),
    Finished(&'a PhaseReport),
}

/// A configuration that cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ConfigError {
    pub field: &'static str,
    pub problem: String,
}

impl BenchConfig {
    /// Checks every limit; the error names the setting.
    pub fn check(&self) -> Result<(), ConfigError> {
        let refuse = |field: &'static str, problem: String| Err(ConfigError { field, problem });
        if !self.server.ip().is_loopback() {
            return refuse(
                "--server",
                format!("{} is not a loopback address", self.server.ip()),
            );
        }
        if !(1..=MEMBERS_MAX).contains(&self.members) {
            return refuse(
                "--members",
                format!(
                    "{} is not between 1 and {MEMBERS_MAX} (the most seats a chamber has)",
                    self.members
                ),
            );
        }
        if self.viewers > VIEWERS_MAX {
            return refuse(
                "--viewers",
                format!("{} is more than {VIEWERS_MAX}", self.viewers),
            );
        }
        if !(1..=CONCURRENCY_MAX).contains(&self.concurrency) {
            return refuse(
                "--concurrency",
                format!(
                    "{} is not between 1 and {CONCURRENCY_MAX}",
                    self.concurrency
                ),
            );
        }
        if self.phase_time_limit.is_zero() || self.phase_time_limit > PHASE_TIME_LIMIT_MAX {
            return refuse(
                "--time-limit-s",
                format!(
                    "{} s is not between 1 s and {} s",
                    self.phase_time_limit.as_secs(),
                    PHASE_TIME_LIMIT_MAX.as_secs()
                ),
            );
        }
        let label_ok = !self.run_label.is_empty()
            && self.run_label.len() <= RUN_LABEL_LENGTH_MAX
            && self.run_label.starts_with(|c: char| c.is_ascii_lowercase())
            && self
                .run_label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !label_ok {
            return refuse(
                "run label",
                format!(
                    "\"{}\" is not 1 to {RUN_LABEL_LENGTH_MAX} lower-case letters, digits and '-', starting with a letter",
                    self.run_label
                ),
            );
        }
        Ok(())
    }
}

/// The ids the run creates.
struct Names {
    motion: String,
    sitting: String,
    division: String,
    label: String,
}

impl Names {
    fn new(label: &str) -> Names {
        Names {
            motion: format!("{label}-motion"),
            sitting: format!("{label}-sitting"),
            division: format!("{label}-division"),
            label: label.to_owned(),
        }
    }

    fn member(&self, index: usize) -> String {
        format!("{}-m{index:06}", self.label)
    }
}

/// The ballot of member `index`: six yes, three no, one abstention in every ten,
/// so that the motion is adopted.
pub fn choice_of(index: usize) -> &'static str {
    match index % 10 {
        0..=5 => "yes",
        6..=8 => "no",
        _ => "abstain",
    }
}

/// Errors counted by kind, with the first few messages quoted.
#[derive(Debug, Default)]
struct Errors {
    counts: BTreeMap<String, u64>,
    examples: Vec<String>,
}

impl Errors {
    fn record(&mut self, phase: &str, kind: &str, message: &str) {
        *self.counts.entry(format!("{phase}: {kind}")).or_default() += 1;
        if self.examples.len() < ERROR_EXAMPLES_MAX {
            self.examples.push(format!("{phase}: {message}"));
        }
    }

    fn record_request(&mut self, phase: &str, error: &RequestError) {
        self.record(phase, &error.kind(), &error.to_string());
    }

    fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// One request of a phase.
struct Job {
    method: Method,
    path: String,
    cookie: Option<Arc<str>>,
    body: Option<Bytes>,
}

impl Job {
    fn post(path: impl Into<String>, cookie: Option<Arc<str>>, body: &Value) -> Job {
        Job {
            method: Method::POST,
            path: path.into(),
            cookie,
            body: Some(Bytes::from(body.to_string())),
        }
    }

    fn command(name: &str, cookie: &Arc<str>, body: &Value) -> Job {
        Job::post(format!("/api/commands/{name}"), Some(cookie.clone()), body)
    }
}

/// Every job's result, by index, with its latency when it was sent.
struct PoolOutcome {
    results: Vec<(usize, Result<Reply, RequestError>, Option<Duration>)>,
    wall_time: Duration,
}

/// Runs `count` jobs over `concurrency` connections, each job planned when its
/// turn comes; jobs whose turn comes after `deadline` are not sent.
async fn run_pool(
    address: SocketAddr,
    count: usize,
    concurrency: usize,
    deadline: Instant,
    plan: Arc<dyn Fn(usize) -> Option<Job> + Send + Sync>,
) -> PoolOutcome {
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.min(count) {
        let next = next.clone();
        let plan = plan.clone();
        workers.spawn(async move {
            let mut results = Vec::new();
            let mut connection: Option<Connection> = None;
            loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                if index >= count {
                    break;
                }
                let Some(job) = plan(index) else {
                    continue;
                };
                if Instant::now() >= deadline {
                    results.push((index, Err(RequestError::Deadline), None));
                    continue;
                }
                if connection.is_none() {
                    let deadline = tokio::time::Instant::from_std(deadline);
                    match tokio::time::timeout_at(deadline, Connection::open(address)).await {
                        Ok(Ok(opened)) => connection = Some(opened),
                        Ok(Err(error)) => {
                            results.push((index, Err(error), None));
                            continue;
                        }
                        Err(_) => {
                            results.push((index, Err(RequestError::Deadline), None));
                            continue;
                        }
                    }
                }
                let open = connection.as_mut().expect("connected above");
                let sent_at = Instant::now();
                let answer = tokio::time::timeout_at(
                    tokio::time::Instant::from_std(deadline),
                    open.send(job.method, &job.path, job.cookie.as_deref(), job.body),
                )
                .await
                .unwrap_or(Err(RequestError::Deadline));
                let latency = sent_at.elapsed();
                if let Err(error) = &answer {
                    if !error.connection_is_usable() {
                        connection = None;
                    }
                }
                results.push((index, answer, Some(latency)));
            }
            results
        });
    }
    let mut results = Vec::with_capacity(count);
    while let Some(finished) = workers.join_next().await {
        // A worker only panics on a bug; its jobs then count as not answered.
        if let Ok(worker_results) = finished {
            results.extend(worker_results);
        }
    }
    results.sort_unstable_by_key(|(index, _, _)| *index);
    PoolOutcome {
        results,
        wall_time: started.elapsed(),
    }
}

/// The running state of a benchmark.
struct Run<'a> {
    config: &'a BenchConfig,
    names: Names,
    errors: Errors,
    phases: Vec<PhaseReport>,
    server_first: Option<ProcessSample>,
}

/// A phase that could not go on, ending the run.
#[derive(Debug)]
struct Abort(String);

fn sample(process: Option<Process>) -> Option<ProcessSample> {
    process.and_then(|process| process.sample().ok())
}

impl Run<'_> {
    fn server(&self) -> Option<Process> {
        self.config.server_pid.map(Process::Id)
    }

    fn start(&self, name: &'static str) {
        if let Some(progress) = self.config.progress {
            progress(Progress::Started(name));
        }
    }

    fn finish(&mut self, phase: PhaseReport) {
        if let Some(progress) = self.config.progress {
            progress(Progress::Finished(&phase));
        }
        self.phases.push(phase);
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.config.phase_time_limit
    }

    /// Runs one pool phase and records its report; returns the results by index.
    async fn pool_phase(
        &mut self,
        name: &'static str,
        count: usize,
        plan: Arc<dyn Fn(usize) -> Option<Job> + Send + Sync>,
    ) -> Vec<(usize, Result<Reply, RequestError>, Option<Duration>)> {
        self.start(name);
        let server_before = sample(self.server());
        let bench_before = sample(Some(Process::Current));
        let outcome = run_pool(
            self.config.server,
            count,
            self.config.concurrency,
            self.deadline(),
            plan,
        )
        .await;
        let mut latencies = Vec::with_capacity(outcome.results.len());
        let mut succeeded = 0;
        for (_, answer, latency) in &outcome.results {
            match answer {
                Ok(_) => {
                    succeeded += 1;
                    latencies.extend(*latency);
                }
                Err(error) => self.errors.record_request(name, error),
            }
        }
        self.finish(PhaseReport::new(
            name,
            outcome.results.len(),
            succeeded,
            outcome.wall_time,
            summarize(latencies),
            cpu_between(server_before, sample(self.server())),
            cpu_between(bench_before, sample(Some(Process::Current))),
        ));
        outcome.results
    }

    /// One request on a fresh connection, as its own phase.
    async fn single(&mut self, name: &'static str, job: Job) -> Result<Reply, Abort> {
        let results = self
            .pool_phase(name, 1, Arc::new(move |_| Some(clone_job(&job))))
            .await;
        match results.into_iter().next() {
            Some((_, Ok(reply), _)) => Ok(reply),
            Some((_, Err(error), _)) => Err(Abort(format!("{name}: {error}"))),
            None => Err(Abort(format!("{name}: the request was not sent"))),
        }
    }

    async fn sign_in_staff(
        &mut self,
        name: &'static str,
        who: &Credentials,
    ) -> Result<Arc<str>, Abort> {
        let job = Job::post(
            "/api/auth/sign-in",
            None,
            &json!({"username": who.username, "password": who.password}),
        );
        let reply = self.single(name, job).await?;
        reply
            .auth_cookie
            .map(Arc::from)
            .ok_or_else(|| Abort(format!("{name}: the sign-in set no auth cookie")))
    }
}

fn clone_job(job: &Job) -> Job {
    Job {
        method: job.method.clone(),
        path: job.path.clone(),
        cookie: job.cookie.clone(),
        body: job.body.clone(),
    }
}

fn cpu_between(before: Option<ProcessSample>, after: Option<ProcessSample>) -> Option<f64> {
    Some(after?.cpu_seconds - before?.cpu_seconds)
}

fn json_body(reply: &Reply, what: &'static str) -> Result<Value, RequestError> {
    serde_json::from_slice(&reply.body).map_err(|error| RequestError::UnexpectedReply {
        what,
        detail: error.to_string(),
    })
}

/// Runs the benchmark. Configuration errors are returned; everything that goes
/// wrong once the run has started is counted in the report, which is always given.
pub async fn run(config: &BenchConfig) -> Result<BenchReport, ConfigError> {
    config.check()?;
    let mut run = Run {
        config,
        names: Names::new(&config.run_label),
        errors: Errors::default(),
        phases: Vec::new(),
        server_first: None,
    };
    run.server_first = sample(run.server());
    let (stop_sender, stop) = watch::channel(false);
    let progress = Arc::new(ViewerProgress::default());
    let mut viewers = JoinSet::new();
    let mut outcome = OutcomeReport::default();
    let mut ballots = BallotReport::default();
    let aborted = steps(
        &mut run,
        &stop,
        &progress,
        &mut viewers,
        &mut outcome,
        &mut ballots,
    )
    .await
    .err();
    // Every viewer stops now, whatever happened.
    stop_sender.send_replace(true);
    let mut viewer_results = Vec::with_capacity(config.viewers);
    while let Some(finished) = viewers.join_next().await {
        match finished {
            Ok(result) => viewer_results.push(result),
            Err(error) => run
                .errors
                .record("viewers", "viewer_task_failed", &error.to_string()),
        }
    }
    let viewer_report =
        summarize_viewers(&mut run, &viewer_results, &mut outcome, aborted.is_some());
    if let Some(Abort(reason)) = &aborted {
        run.errors.record("run", "aborted", reason);
    }
    let server = run.server().and_then(|process| {
        let last = process.sample().ok()?;
        Some(ServerReport {
            pid: config.server_pid.unwrap_or_default(),
            cpu_seconds: last.cpu_seconds,
            cpu_seconds_during_run: cpu_between(run.server_first, Some(last)),
            peak_memory_kib: last.peak_memory_kib,
        })
    });
    let error_total = run.errors.total();
    Ok(BenchReport {
        run_label: config.run_label.clone(),
        members: config.members,
        viewers_requested: config.viewers,
        concurrency: config.concurrency,
        phase_time_limit_s: config.phase_time_limit.as_secs_f64(),
        division: run.names.division.clone(),
        phases: run.phases,
        ballots,
        outcome,
        viewers: viewer_report,
        server,
        bench_process: sample(Some(Process::Current)),
        file_limit: None,
        errors: run.errors.counts,
        error_total,
        error_examples: run.errors.examples,
        aborted: aborted.map(|Abort(reason)| reason),
    })
}

/// The run's phases up to the closing of the division and the wait for viewers.
async fn steps(
    run: &mut Run<'_>,
    stop: &watch::Receiver<bool>,
    progress: &Arc<ViewerProgress>,
    viewers: &mut JoinSet<ViewerResult>,
    outcome: &mut OutcomeReport,
    ballots: &mut BallotReport,
) -> Result<(), Abort> {
    let config = run.config;
    let members = config.members;
    let clerk = run.sign_in_staff("clerk signs in", &config.clerk).await?;
    let officer = run
        .sign_in_staff("presiding officer signs in", &config.officer)
        .await?;

    // The chamber must exist (`hemicycle init`) and have room for the members.
    let chamber = run
        .single(
            "read chamber",
            Job {
                method: Method::GET,
                path: "/api/chamber".to_owned(),
                cookie: None,
                body: None,
            },
        )
        .await
        .map_err(|Abort(reason)| {
            Abort(format!(
                "{reason} (the server needs an established chamber: `hemicycle init`)"
            ))
        })?;
    let chamber = json_body(&chamber, "the chamber").map_err(|error| Abort(error.to_string()))?;
    let seats = chamber["seats"].as_u64().unwrap_or(0);
    let seated = chamber["members"].as_u64().unwrap_or(0);
    if seated + members as u64 > seats {
        return Err(Abort(format!(
            "the chamber has {seats} seats and {seated} members: {members} more do not fit"
        )));
    }

    // Admit the members.
    let label = run.names.label.clone();
    let admit = {
        let clerk = clerk.clone();
        let label = label.clone();
        Arc::new(move |index: usize| {
            let member = Names::new(&label).member(index);
            Some(Job::command(
                "admit_member",
                &clerk,
                &json!({"member": member, "name": format!("Bench Member {index}"), "on": "2024-01-01"}),
            ))
        })
    };
    let admitted = run.pool_phase("admit members", members, admit).await;
    let admitted: Vec<bool> = admitted
        .iter()
        .map(|(_, answer, _)| answer.is_ok())
        .collect();
    let Some(sponsor) = admitted.iter().position(|admitted| *admitted) else {
        return Err(Abort("no member was admitted".to_owned()));
    };

    run.single(
        "table motion",
        Job::command(
            "table_motion",
            &clerk,
            &json!({
                "motion": run.names.motion,
                "kind": {"kind": "bill"},
                "title": "The load-test bill",
                "text": "Be it enacted that this chamber can take ten thousand votes at once.",
                "sponsors": [{"member": run.names.member(sponsor)}],
            }),
        ),
    )
    .await?;
    run.single(
        "convene sitting",
        Job::command(
            "convene_sitting",
            &clerk,
            &json!({
                "sitting": run.names.sitting,
                "kind": "ordinary",
                "title": "Load-test sitting",
                "scheduled_for": "2024-01-01T10:00:00+00:00",
                "agenda": [{"title": "The load-test bill", "motion": run.names.motion}],
            }),
        ),
    )
    .await?;

    // Issue logins.
    let admitted = Arc::new(admitted);
    let issue = {
        let clerk = clerk.clone();
        let label = label.clone();
        let admitted = admitted.clone();
        Arc::new(move |index: usize| {
            admitted[index].then(|| {
                Job::post(
                    "/api/accounts/member-login",
                    Some(clerk.clone()),
                    &json!({"member": Names::new(&label).member(index)}),
                )
            })
        })
    };
    let issued = run.pool_phase("issue member logins", members, issue).await;
    let mut logins: Vec<Option<(String, String)>> = vec![None; members];
    for (index, answer, _) in issued {
        let Ok(reply) = answer else { continue };
        let login = json_body(&reply, "the login").ok().and_then(|body| {
            Some((
                body["login_code"].as_str()?.to_owned(),
                body["pin"].as_str()?.to_owned(),
            ))
        });
        match login {
            Some(login) => logins[index] = Some(login),
            None => run.errors.record(
                "issue member logins",
                "unexpected_reply",
                "a login without its code or PIN",
            ),
        }
    }

    // Sign every member in.
    let logins = Arc::new(logins);
    let sign_in = {
        let logins = logins.clone();
        Arc::new(move |index: usize| {
            logins[index].as_ref().map(|(code, pin)| {
                Job::post(
                    "/api/auth/member-sign-in",
                    None,
                    &json!({"code": code, "pin": pin}),
                )
            })
        })
    };
    let signed_in = run.pool_phase("sign in members", members, sign_in).await;
    let mut cookies: Vec<Option<Arc<str>>> = vec![None; members];
    for (index, answer, _) in signed_in {
        let Ok(reply) = answer else { continue };
        match reply.auth_cookie {
            Some(cookie) => cookies[index] = Some(Arc::from(cookie)),
            None => run.errors.record(
                "sign in members",
                "no_auth_cookie",
                "a member's sign-in set no auth cookie",
            ),
        }
    }
    let cookies = Arc::new(cookies);

    // Open the gallery.
    connect_viewers(run, stop, progress, viewers).await;

    // Everyone checks in; then the sitting opens (its quorum is checked at opening).
    let check_in = {
        let cookies = cookies.clone();
        let label = label.clone();
        let sitting = run.names.sitting.clone();
        Arc::new(move |index: usize| {
            cookies[index].as_ref().map(|cookie| {
                Job::command(
                    "check_in",
                    cookie,
                    &json!({"sitting": sitting, "member": Names::new(&label).member(index)}),
                )
            })
        })
    };
    run.pool_phase("members check in", members, check_in).await;
    run.single(
        "open sitting",
        Job::command(
            "open_sitting",
            &officer,
            &json!({"sitting": run.names.sitting}),
        ),
    )
    .await?;
    run.single(
        "open division",
        Job::command(
            "open_division",
            &officer,
            &json!({
                "division": run.names.division,
                "sitting": run.names.sitting,
                "question": {"kind": "motion", "motion": run.names.motion},
                "method": "recorded",
            }),
        ),
    )
    .await?;

    // The vote.
    let vote = {
        let cookies = cookies.clone();
        let label = label.clone();
        let division = run.names.division.clone();
        Arc::new(move |index: usize| {
            cookies[index].as_ref().map(|cookie| {
                Job::command(
                    "cast_ballot",
                    cookie,
                    &json!({
                        "division": division,
                        "member": Names::new(&label).member(index),
                        "choice": choice_of(index),
                    }),
                )
            })
        })
    };
    let voted = run.pool_phase("vote", members, vote).await;
    let phase = run.phases.last().expect("the vote's phase was recorded");
    ballots.acknowledged = phase.succeeded;
    ballots.per_second = phase.per_second;
    ballots.wall_time_s = phase.wall_time_s;
    ballots.latency = phase.latency;
    ballots.server_cpu_seconds = phase.server_cpu_seconds;
    drop(voted);

    // The close, and the outcome's way to every viewer.
    let close = Job::command(
        "close_division",
        &officer,
        &json!({"division": run.names.division}),
    );
    let close_sent_at = Instant::now();
    run.single("close division", close).await?;
    let close_acknowledged_at = Instant::now();
    outcome.close_latency_ms = Some(millis(close_acknowledged_at - close_sent_at));
    outcome.acknowledged_at = Some(close_acknowledged_at);
    wait_for_outcome(run, progress).await;

    // What the server recorded.
    let division = run
        .single(
            "read division",
            Job {
                method: Method::GET,
                path: format!("/api/divisions/{}", run.names.division),
                cookie: None,
                body: None,
            },
        )
        .await?;
    let division =
        json_body(&division, "the division").map_err(|error| Abort(error.to_string()))?;
    ballots.recorded_by_server = division["ballots"]
        .as_object()
        .map_or(0, serde_json::Map::len);
    outcome.verdict = division["outcome"]["verdict"].as_str().map(str::to_owned);
    if ballots.recorded_by_server != ballots.acknowledged {
        run.errors.record(
            "read division",
            "ballots_mismatch",
            &format!(
                "{} ballots acknowledged, {} recorded",
                ballots.acknowledged, ballots.recorded_by_server
            ),
        );
    }

    run.single(
        "close sitting",
        Job::command(
            "close_sitting",
            &officer,
            &json!({"sitting": run.names.sitting}),
        ),
    )
    .await?;
    Ok(())
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Starts every viewer and waits until each has its first snapshot or failed.
async fn connect_viewers(
    run: &mut Run<'_>,
    stop: &watch::Receiver<bool>,
    progress: &Arc<ViewerProgress>,
    viewers: &mut JoinSet<ViewerResult>,
) {
    let count = run.config.viewers;
    run.start("viewers connect");
    let server_before = sample(run.server());
    let bench_before = sample(Some(Process::Current));
    let started = Instant::now();
    let deadline = run.deadline();
    let plan = ViewerPlan {
        address: run.config.server,
        division: Arc::from(run.names.division.as_str()),
        connecting: Arc::new(Semaphore::new(run.config.concurrency)),
        progress: progress.clone(),
    };
    for _ in 0..count {
        viewers.spawn(viewer::watch(plan.clone(), stop.clone()));
    }
    while Instant::now() < deadline {
        let settled =
            progress.connected.load(Ordering::SeqCst) + progress.failed.load(Ordering::SeqCst);
        if settled >= count {
            break;
        }
        tokio::time::sleep(VIEWER_POLL_INTERVAL).await;
    }
    let connected = progress.connected.load(Ordering::SeqCst);
    run.finish(PhaseReport::new(
        "viewers connect",
        count,
        connected,
        started.elapsed(),
        None,
        cpu_between(server_before, sample(run.server())),
        cpu_between(bench_before, sample(Some(Process::Current))),
    ));
}

/// Waits until every connected viewer has seen the outcome, or has failed, or the
/// deadline passes.
async fn wait_for_outcome(run: &mut Run<'_>, progress: &Arc<ViewerProgress>) {
    run.start("outcome reaches viewers");
    let server_before = sample(run.server());
    let bench_before = sample(Some(Process::Current));
    let started = Instant::now();
    let deadline = run.deadline();
    let expected = progress.connected.load(Ordering::SeqCst);
    while Instant::now() < deadline {
        let settled =
            progress.saw_outcome.load(Ordering::SeqCst) + progress.failed.load(Ordering::SeqCst);
        if settled >= expected {
            break;
        }
        tokio::time::sleep(VIEWER_POLL_INTERVAL).await;
    }
    run.finish(PhaseReport::new(
        "outcome reaches viewers",
        expected,
        progress.saw_outcome.load(Ordering::SeqCst),
        started.elapsed(),
        None,
        cpu_between(server_before, sample(run.server())),
        cpu_between(bench_before, sample(Some(Process::Current))),
    ));
}

/// Counts the viewers' results and errors, and the outcome's delays.
fn summarize_viewers(
    run: &mut Run<'_>,
    results: &[ViewerResult],
    outcome: &mut OutcomeReport,
    aborted: bool,
) -> ViewerReport {
    let mut report = ViewerReport {
        requested: run.config.viewers,
        ..ViewerReport::default()
    };
    let mut delays = Vec::new();
    for result in results {
        report.connected += usize::from(result.connected);
        report.resyncs += result.resyncs;
        report.events += result.events;
        report.bytes += result.bytes;
        if let Some((kind, message)) = &result.error {
            run.errors.record("viewers", kind, message);
            continue;
        }
        match (result.outcome_seen_at, outcome.acknowledged_at) {
            (Some(seen_at), Some(acknowledged_at)) => {
                report.saw_outcome += 1;
                if seen_at < acknowledged_at {
                    outcome.seen_before_acknowledgment += 1;
                }
                delays.push(seen_at.saturating_duration_since(acknowledged_at));
            }
            // A run that stopped early has already said why.
            _ if aborted => {}
            _ if result.connected => run.errors.record(
                "viewers",
                "viewer_missed_outcome",
                "a viewer did not see the outcome before the deadline",
            ),
            _ => run.errors.record(
                "viewers",
                "viewer_not_connected",
                "a viewer got no snapshot before the deadline",
            ),
        }
        if let (Some(verdict), Some(expected)) = (&result.verdict, &outcome.verdict) {
            if verdict != expected {
                run.errors.record(
                    "viewers",
                    "viewer_wrong_verdict",
                    &format!("a viewer saw \"{verdict}\", the record says \"{expected}\""),
                );
            }
        }
    }
    outcome.viewers_saw_outcome = report.saw_outcome;
    outcome.delay = summarize(delays);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> BenchConfig {
        let staff = |name: &str| Credentials {
            username: name.to_owned(),
            password: "a-long-password".to_owned(),
        };
        BenchConfig {
            server: SocketAddr::from(([127, 0, 0, 1], 8080)),
            members: 10,
            viewers: 10,
            concurrency: 4,
            clerk: staff("clerk"),
            officer: staff("speaker"),
            phase_time_limit: Duration::from_secs(60),
            server_pid: None,
            run_label: "bench-test1".to_owned(),
            progress: None,
        }
    }

    #[test]
    fn a_good_configuration_passes_and_each_limit_names_its_setting() {
        assert_eq!(config().check(), Ok(()));
        let refused = |change: fn(&mut BenchConfig)| {
            let mut config = config();
            change(&mut config);
            config.check().unwrap_err().field
        };
        assert_eq!(
            refused(|config| config.server = SocketAddr::from(([10, 0, 0, 1], 80))),
            "--server"
        );
        assert_eq!(refused(|config| config.members = 0), "--members");
        assert_eq!(
            refused(|config| config.members = MEMBERS_MAX + 1),
            "--members"
        );
        assert_eq!(
            refused(|config| config.viewers = VIEWERS_MAX + 1),
            "--viewers"
        );
        assert_eq!(refused(|config| config.concurrency = 0), "--concurrency");
        assert_eq!(
            refused(|config| config.phase_time_limit = Duration::ZERO),
            "--time-limit-s"
        );
        assert_eq!(
            refused(|config| config.run_label = "Bench".to_owned()),
            "run label"
        );
        assert_eq!(
            refused(|config| config.run_label = "b".repeat(RUN_LABEL_LENGTH_MAX + 1)),
            "run label"
        );
    }

    #[test]
    fn six_in_ten_vote_yes_so_the_motion_is_adopted() {
        let mut counts = BTreeMap::new();
        for index in 0..1000 {
            *counts.entry(choice_of(index)).or_insert(0) += 1;
        }
        assert_eq!(counts["yes"], 600);
        assert_eq!(counts["no"], 300);
        assert_eq!(counts["abstain"], 100);
    }

    #[test]
    fn member_ids_are_valid_identifiers_of_the_run() {
        let names = Names::new("bench-abc123");
        assert_eq!(names.member(42), "bench-abc123-m000042");
        let longest = Names::new(&"b".repeat(RUN_LABEL_LENGTH_MAX)).member(MEMBERS_MAX - 1);
        assert!(longest.len() <= 64, "{longest}");
    }
}
