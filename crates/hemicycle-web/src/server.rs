//! The server's shared state: the chamber, the accounts, the auth sessions and
//! the live hub, and the one path by which a command changes the chamber.
//!
//! One thread, the *committer*, owns the chamber. Handlers queue commands to
//! it (a bounded queue: when it is full the server answers 503 with
//! `Retry-After` instead of queueing without bound) and await its answer.
//! The committer takes every command waiting, decides them in order and
//! writes the accepted ones in one journal transaction — one fsync for the
//! group (group commit) — and answers each only once that write is durable.
//! Reads never wait for a write: pages and the API read the chamber's
//! committed state, and the journal through a reader handle of their own.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use hemicycle_accounts::{
    AccountStore, Argon2Cost, AuthSessionSettings, AuthSessions, LoginLimiter,
};
use hemicycle_core::{Actor, Command, Context, State};
use hemicycle_engine::{Chamber, CommittedState, EngineError};
use hemicycle_journal::{ChangeListener, Envelope, Journal, JournalError, Storage, StorageError};
use tokio::sync::{broadcast, oneshot};

use crate::demo::DemoScript;
use crate::error::ApiError;
use crate::live::{snapshot, LiveSnapshot};

/// How many live messages wait for a slow subscriber before it is told to
/// start again from a fresh snapshot. The chamber never waits for a viewer.
pub const LIVE_QUEUE_MESSAGES: usize = 256;

/// The most live-stream subscribers served at once; beyond it a viewer is
/// asked to come back later (503), so viewers cannot exhaust the server.
pub const DEFAULT_MAX_LIVE_SUBSCRIBERS: usize = 20_000;

/// The most commands waiting for the committer; beyond it a command is
/// refused with 503 and `Retry-After` rather than queued without bound.
pub const DEFAULT_MAX_QUEUED_COMMANDS: usize = 4_096;

/// The most commands decided and written in one group (one transaction,
/// one fsync). Bounds the events of one append far below the journal's
/// batch limits, and the wait of the last command in a group.
pub const MAX_GROUP_COMMANDS: usize = 1_024;

/// Live pages are sent a change at most this often; changes in between are
/// coalesced into one update (a viewer sees every seat's latest state, not
/// every step). The first change after a quiet spell goes out at once.
pub const DEFAULT_LIVE_PUBLISH_INTERVAL_MS: u64 = 100;

/// With many viewers, changes are coalesced for longer: this much per
/// viewer (10,000 viewers: half a second between seat updates). Outcomes
/// are never held back (see `Job::is_urgent`).
pub const PUBLISH_DELAY_PER_VIEWER_US: u64 = 50;

/// With other nodes writing to the same journal, how often the committer
/// looks for their events even without a notification (one may be lost, for
/// instance while the listener reconnects).
pub const CATCH_UP_POLL_MS: u64 = 1_000;

/// What the server is told at start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Add `Secure` to cookies (the server is reached over TLS, e.g. behind a
    /// proxy). Also added per request when the proxy says `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
    pub argon2_cost: Argon2Cost,
    pub max_live_subscribers: usize,
    /// The most commands waiting for the chamber (see [`DEFAULT_MAX_QUEUED_COMMANDS`]).
    pub max_queued_commands: usize,
    /// See [`DEFAULT_LIVE_PUBLISH_INTERVAL_MS`].
    pub live_publish_interval_ms: u64,
    /// Auth sessions end after this long without a request.
    pub inactivity_timeout_ms: u64,
    /// The address members' login links point to, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            secure_cookies: false,
            argon2_cost: Argon2Cost::RECOMMENDED,
            max_live_subscribers: DEFAULT_MAX_LIVE_SUBSCRIBERS,
            max_queued_commands: DEFAULT_MAX_QUEUED_COMMANDS,
            live_publish_interval_ms: DEFAULT_LIVE_PUBLISH_INTERVAL_MS,
            inactivity_timeout_ms: 30 * 60 * 1000,
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

/// A message on the live stream, serialized once for every subscriber.
#[derive(Debug, Clone)]
pub enum LiveMessage {
    Update {
        /// The journal sequence the update brings a page to.
        sequence: u64,
        /// The [`LiveUpdate`](crate::live::LiveUpdate) as an SSE `update` event.
        frame: Bytes,
    },
}

/// The latest snapshot, with its JSON and its SSE `snapshot` event (sent to
/// each new subscriber as is).
#[derive(Debug, Clone)]
pub struct PublishedSnapshot {
    pub snapshot: Arc<LiveSnapshot>,
    pub json: Arc<str>,
    pub frame: Bytes,
}

impl PublishedSnapshot {
    fn new(snapshot: LiveSnapshot) -> PublishedSnapshot {
        let json: Arc<str> = serde_json::to_string(&snapshot)
            .expect("a live snapshot is plain data and serializes")
            .into();
        let frame = crate::stream::frame("snapshot", snapshot.sequence, &json);
        PublishedSnapshot {
            snapshot: Arc::new(snapshot),
            json,
            frame,
        }
    }
}

pub struct LiveHub {
    sender: broadcast::Sender<LiveMessage>,
    latest: RwLock<PublishedSnapshot>,
    subscribers: AtomicUsize,
    max_subscribers: usize,
}

impl LiveHub {
    fn latest(&self) -> PublishedSnapshot {
        self.latest
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Publishes what changed since the last publication. Only the
    /// committer calls it, so updates go out in journal order.
    fn publish(&self, committed: &CommittedState) {
        let now = PublishedSnapshot::new(committed.read(snapshot));
        let update = now.snapshot.changes_since(&self.latest().snapshot);
        // Replace the snapshot before sending, so a subscriber that lags
        // behind this update is resynchronised with a snapshot holding it.
        *self
            .latest
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = now;
        if let Some(update) = update {
            let json =
                serde_json::to_string(&update).expect("a live update is plain data and serializes");
            // No subscriber is not an error: nobody is watching.
            let _ = self.sender.send(LiveMessage::Update {
                sequence: update.sequence,
                frame: crate::stream::frame("update", update.sequence, &json),
            });
        }
    }
}

/// A place on the live stream; dropping it frees the place.
pub struct LiveSubscription {
    pub receiver: broadcast::Receiver<LiveMessage>,
    pub closing: tokio::sync::watch::Receiver<bool>,
    pub snapshot: PublishedSnapshot,
    hub: Arc<LiveHub>,
}

impl LiveSubscription {
    /// The latest snapshot, for a subscriber that fell behind.
    pub fn latest(&self) -> PublishedSnapshot {
        self.hub.latest()
    }
}

impl Drop for LiveSubscription {
    fn drop(&mut self) {
        self.hub.subscribers.fetch_sub(1, Ordering::SeqCst);
    }
}

type CommandReply = oneshot::Sender<Result<Vec<Envelope>, ApiError>>;
type JournalRead = Box<dyn FnOnce(&Journal<Box<dyn Storage>>) + Send>;

/// Work for the committer.
enum Job {
    /// One command, grouped with the others waiting.
    Command {
        context: Context,
        /// Boxed: commands vary in size, and the queue holds many jobs.
        command: Box<Command>,
        /// Record it at the time it is decided (commands from handlers), so
        /// that the journal's times follow its order; a replayed script
        /// keeps its own times.
        stamp_when_decided: bool,
        reply: CommandReply,
    },
    /// Several commands as one all-or-nothing batch (the demo's steps).
    Batch {
        commands: Vec<(Context, Command)>,
        reply: CommandReply,
    },
    /// Fold in what other nodes appended.
    CatchUp,
    /// A read of the journal, when there is no reader handle.
    ReadJournal(JournalRead),
}

impl Job {
    /// Whether the live pages should hear of it at once rather than with
    /// the next coalesced update: a division opening or closing, a result,
    /// a sitting opening or closing. Seats can wait; outcomes cannot.
    fn is_urgent(&self) -> bool {
        let command = match self {
            Job::Command { command, .. } => &**command,
            Job::Batch { .. } => return true,
            // Other nodes' changes come with the next coalesced update.
            Job::CatchUp | Job::ReadJournal(_) => return false,
        };
        matches!(
            command,
            Command::OpenDivision { .. }
                | Command::CloseDivision { .. }
                | Command::EnterTally { .. }
                | Command::OpenSitting { .. }
                | Command::CloseSitting { .. }
                | Command::SuspendSitting { .. }
                | Command::ResumeSitting { .. }
        )
    }
}

pub struct Shared {
    committed: CommittedState,
    /// The journal's length as of the committer's last write or catch-up.
    journal_length: Arc<AtomicU64>,
    verifier_key: Option<String>,
    jobs: SyncSender<Job>,
    /// A journal handle of its own for reads (proofs, pages of events), so
    /// they never wait for a write; `None` for a private in-memory journal,
    /// whose reads go through the committer.
    reader: Option<Mutex<Journal<Box<dyn Storage>>>>,
    pub accounts: Mutex<Box<dyn AccountStore>>,
    pub auth_sessions: Mutex<AuthSessions>,
    pub login_limiter: Mutex<LoginLimiter>,
    live: Arc<LiveHub>,
    pub demo: Mutex<Option<DemoScript>>,
    pub config: ServerConfig,
    /// Becomes `true` when the server is shutting down; live streams end then.
    closing: tokio::sync::watch::Sender<bool>,
    /// Tells the change listener's thread to end.
    stopping: Arc<AtomicBool>,
}

pub type AppState = Arc<Shared>;

/// Locks a mutex, carrying on if a thread panicked while holding it: every
/// structure behind our locks is left consistent between statements (the
/// chamber's state only changes after its journal append succeeded).
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open a reader on the journal: {0}")]
    Reader(#[source] JournalError),
    #[error("cannot listen for other nodes' changes to the journal: {0}")]
    Listener(#[source] StorageError),
    #[error("cannot start the committer thread: {0}")]
    Thread(#[source] std::io::Error),
}

impl Shared {
    /// Starts the committer (and, when other nodes may write to the same
    /// journal, a thread listening for their changes) and returns the state
    /// the handlers share.
    ///
    /// # Panics
    /// If the threads cannot start or the journal's reader cannot open; use
    /// [`Shared::start`] to handle those.
    pub fn new(
        chamber: Chamber<Box<dyn Storage>>,
        accounts: Box<dyn AccountStore>,
        demo: Option<DemoScript>,
        config: ServerConfig,
    ) -> AppState {
        Shared::start(chamber, accounts, demo, config).expect("the server starts")
    }

    /// Like [`Shared::new`], returning an error instead of panicking.
    pub fn start(
        chamber: Chamber<Box<dyn Storage>>,
        accounts: Box<dyn AccountStore>,
        demo: Option<DemoScript>,
        config: ServerConfig,
    ) -> Result<AppState, StartError> {
        let committed = chamber.committed();
        let first = PublishedSnapshot::new(committed.read(snapshot));
        let (sender, _) = broadcast::channel(LIVE_QUEUE_MESSAGES);
        let live = Arc::new(LiveHub {
            sender,
            latest: RwLock::new(first),
            subscribers: AtomicUsize::new(0),
            max_subscribers: config.max_live_subscribers,
        });
        let storage = chamber.journal().storage();
        let reader = match storage
            .open_reader()
            .map_err(|error| StartError::Reader(error.into()))?
        {
            Some(reader) => Some(Mutex::new(
                Journal::open(reader).map_err(StartError::Reader)?,
            )),
            None => None,
        };
        let listener = storage
            .open_change_listener()
            .map_err(StartError::Listener)?;
        let journal_length = Arc::new(AtomicU64::new(chamber.journal().len()));
        let verifier_key = chamber.verifier_key();
        let (jobs, queue) = mpsc::sync_channel(config.max_queued_commands.max(1));
        let stopping = Arc::new(AtomicBool::new(false));
        let catch_up_queued = Arc::new(AtomicBool::new(false));
        let committer = Committer {
            chamber,
            queue,
            live: live.clone(),
            journal_length: journal_length.clone(),
            publish_interval: Duration::from_millis(config.live_publish_interval_ms),
            other_writers: listener.is_some(),
            catch_up_queued: catch_up_queued.clone(),
        };
        std::thread::Builder::new()
            .name("hemicycle-committer".to_owned())
            .spawn(move || committer.run())
            .map_err(StartError::Thread)?;
        if let Some(listener) = listener {
            let jobs = jobs.clone();
            let stopping = stopping.clone();
            std::thread::Builder::new()
                .name("hemicycle-listener".to_owned())
                .spawn(move || listen(listener, jobs, stopping, catch_up_queued))
                .map_err(StartError::Thread)?;
        }
        Ok(Arc::new(Shared {
            committed,
            journal_length,
            verifier_key,
            jobs,
            reader,
            accounts: Mutex::new(accounts),
            auth_sessions: Mutex::new(
                AuthSessions::new(AuthSessionSettings {
                    inactivity_timeout_ms: config.inactivity_timeout_ms,
                    ..AuthSessionSettings::default()
                })
                .unwrap_or_default(),
            ),
            login_limiter: Mutex::new(LoginLimiter::default()),
            live,
            demo: Mutex::new(demo),
            config,
            closing: tokio::sync::watch::Sender::new(false),
            stopping,
        }))
    }

    /// Reads the committed state. Keep `read` short: a committed group
    /// waits for it before it is shown.
    pub fn read<T>(&self, read: impl FnOnce(&State) -> T) -> T {
        self.committed.read(read)
    }

    /// The journal's length as of the last write or catch-up.
    pub fn journal_length(&self) -> u64 {
        self.journal_length.load(Ordering::SeqCst)
    }

    /// The public half of the chamber's checkpoint signing key.
    pub fn verifier_key(&self) -> Option<String> {
        self.verifier_key.clone()
    }

    /// Reads the journal on a blocking thread, through the reader handle
    /// (or the committer, for an in-memory journal).
    pub async fn read_journal<T: Send + 'static>(
        self: &Arc<Self>,
        read: impl FnOnce(&Journal<Box<dyn Storage>>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.reader.is_some() {
            let shared = self.clone();
            return tokio::task::spawn_blocking(move || {
                let reader = shared.reader.as_ref().expect("checked above");
                read(&lock(reader))
            })
            .await
            .map_err(|error| ApiError::internal(format!("reading the journal: {error}")));
        }
        let (reply, answer) = oneshot::channel();
        self.submit(Job::ReadJournal(Box::new(move |journal| {
            // The reader may have gone away; nothing to do then.
            let _ = reply.send(read(journal));
        })))?;
        answer
            .await
            .map_err(|_| ApiError::internal("the chamber stopped before reading the journal"))
    }

    fn submit(&self, job: Job) -> Result<(), ApiError> {
        self.jobs.try_send(job).map_err(|error| match error {
            TrySendError::Full(_) => ApiError {
                retry_after_seconds: Some(1),
                ..ApiError::unavailable(format!(
                    "the chamber is busy: {} commands are waiting; try again in a second",
                    self.config.max_queued_commands
                ))
            },
            TrySendError::Disconnected(_) => {
                ApiError::internal("the chamber has stopped; the command was not recorded")
            }
        })
    }

    /// Runs one command: queues it for the committer and waits for the
    /// durable outcome.
    pub async fn execute_command(
        &self,
        context: Context,
        command: Command,
    ) -> Result<Vec<Envelope>, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Command {
            context,
            command: Box::new(command),
            stamp_when_decided: true,
            reply,
        })?;
        answer.await.map_err(|_| chamber_stopped())?
    }

    /// Runs commands as one all-or-nothing batch and waits for the outcome.
    /// Blocking: call from a blocking thread.
    pub fn execute_blocking(
        &self,
        commands: &[(Context, Command)],
    ) -> Result<Vec<Envelope>, ApiError> {
        let (reply, answer) = oneshot::channel();
        let job = match commands {
            [(context, command)] => Job::Command {
                context: context.clone(),
                command: Box::new(command.clone()),
                stamp_when_decided: false,
                reply,
            },
            _ => Job::Batch {
                commands: commands.to_vec(),
                reply,
            },
        };
        self.submit(job)?;
        answer.blocking_recv().map_err(|_| chamber_stopped())?
    }

    pub fn latest_snapshot(&self) -> Arc<LiveSnapshot> {
        self.live.latest().snapshot
    }

    /// The latest snapshot as JSON.
    pub fn latest_snapshot_json(&self) -> Arc<str> {
        self.live.latest().json
    }

    /// Takes a place on the live stream, or refuses when all are taken.
    pub fn subscribe(&self) -> Result<LiveSubscription, ApiError> {
        let taken = self.live.subscribers.fetch_add(1, Ordering::SeqCst);
        if taken >= self.live.max_subscribers {
            self.live.subscribers.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError {
                retry_after_seconds: Some(10),
                ..ApiError::unavailable(format!(
                    "the live stream is serving its limit of {} viewers; try again shortly",
                    self.live.max_subscribers
                ))
            });
        }
        // Subscribe before reading the snapshot, so no update falls between them;
        // updates the snapshot already holds are skipped by sequence.
        let receiver = self.live.sender.subscribe();
        Ok(LiveSubscription {
            receiver,
            closing: self.closing(),
            snapshot: self.live.latest(),
            hub: self.live.clone(),
        })
    }

    /// Ends every live stream (at shutdown).
    pub fn begin_shutdown(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves when the server begins shutting down.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn live_subscriber_count(&self) -> usize {
        self.live.subscribers.load(Ordering::SeqCst)
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The committer ends when the last sender (ours) is gone; the
        // listener holds a sender too, so tell it to end.
        self.stopping.store(true, Ordering::SeqCst);
        // A storage client may block when it closes (the synchronous
        // PostgreSQL client does), and this may run on an async task.
        if let Some(reader) = self.reader.take() {
            let _ = std::thread::Builder::new()
                .name("hemicycle-reader-close".to_owned())
                .spawn(move || drop(reader));
        }
    }
}

fn chamber_stopped() -> ApiError {
    ApiError::internal("the chamber stopped before answering; the command may not be recorded")
}

/// The answer to every command of a group that could not be written.
fn not_recorded(error: &EngineError) -> ApiError {
    tracing::error!(%error, "commands not recorded");
    match error {
        EngineError::Journal(_) => ApiError {
            retry_after_seconds: Some(1),
            ..ApiError::unavailable(format!("the command was not recorded: {error}"))
        },
        other => ApiError::internal(format!("the command was not recorded: {other}")),
    }
}

/// The thread that owns the chamber.
struct Committer {
    chamber: Chamber<Box<dyn Storage>>,
    queue: mpsc::Receiver<Job>,
    live: Arc<LiveHub>,
    journal_length: Arc<AtomicU64>,
    publish_interval: Duration,
    /// Whether other nodes may append to the journal.
    other_writers: bool,
    catch_up_queued: Arc<AtomicBool>,
}

impl Committer {
    /// How long changes are coalesced before the live pages are sent them:
    /// the configured interval, longer with many viewers (every update is
    /// written to each of them), so that the gallery never starves the chamber.
    fn publish_interval(&self) -> Duration {
        let viewers = self.live.subscribers.load(Ordering::Relaxed) as u64;
        self.publish_interval.max(Duration::from_micros(
            viewers.saturating_mul(PUBLISH_DELAY_PER_VIEWER_US),
        ))
    }

    fn run(mut self) {
        let mut unpublished = false;
        let mut last_published: Option<Instant> = None;
        loop {
            let wait = if unpublished {
                last_published.map_or(Duration::ZERO, |at| {
                    self.publish_interval().saturating_sub(at.elapsed())
                })
            } else if self.other_writers {
                Duration::from_millis(CATCH_UP_POLL_MS)
            } else {
                Duration::from_secs(3600)
            };
            let mut jobs = Vec::new();
            match self.queue.recv_timeout(wait) {
                Ok(job) => jobs.push(job),
                Err(RecvTimeoutError::Timeout) => {
                    if self.other_writers && !unpublished {
                        jobs.push(Job::CatchUp);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
            while jobs.len() < MAX_GROUP_COMMANDS {
                match self.queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            let urgent = jobs.iter().any(Job::is_urgent);
            if self.run_jobs(jobs) {
                unpublished = true;
            }
            let due =
                urgent || last_published.is_none_or(|at| at.elapsed() >= self.publish_interval());
            if unpublished && due {
                self.live.publish(&self.chamber.committed());
                last_published = Some(Instant::now());
                unpublished = false;
            }
        }
    }

    /// Runs jobs in the order they came, grouping consecutive commands.
    /// Returns whether the journal grew.
    fn run_jobs(&mut self, jobs: Vec<Job>) -> bool {
        let before = self.chamber.journal().len();
        let mut group: Vec<(Context, Command)> = Vec::new();
        let mut replies: Vec<CommandReply> = Vec::new();
        for job in jobs {
            match job {
                Job::Command {
                    mut context,
                    command,
                    stamp_when_decided,
                    reply,
                } => {
                    if stamp_when_decided {
                        context.at = now();
                    }
                    group.push((context, *command));
                    replies.push(reply);
                }
                other => {
                    self.run_group(&mut group, &mut replies);
                    self.run_other(other);
                }
            }
        }
        self.run_group(&mut group, &mut replies);
        self.chamber.journal().len() != before
    }

    fn note_journal_length(&self) {
        self.journal_length
            .store(self.chamber.journal().len(), Ordering::SeqCst);
    }

    fn run_group(&mut self, group: &mut Vec<(Context, Command)>, replies: &mut Vec<CommandReply>) {
        if group.is_empty() {
            return;
        }
        let result = self.chamber.execute_group(group);
        // Before any answer, so a caller that reads the length next sees its own write.
        self.note_journal_length();
        match result {
            Ok(outcomes) => {
                assert_eq!(outcomes.len(), replies.len(), "one outcome per command");
                for (outcome, reply) in outcomes.into_iter().zip(replies.drain(..)) {
                    // A caller that gave up is not an error.
                    let _ = reply.send(outcome.map_err(ApiError::from));
                }
            }
            Err(error) => {
                let answer = not_recorded(&error);
                for reply in replies.drain(..) {
                    let _ = reply.send(Err(answer.clone()));
                }
            }
        }
        group.clear();
    }

    fn run_other(&mut self, job: Job) {
        match job {
            Job::Command { .. } => unreachable!("commands are grouped"),
            Job::Batch { commands, reply } => {
                let outcome =
                    self.chamber
                        .execute_batch(&commands)
                        .map_err(|(_, error)| match error {
                            EngineError::Refused(refusal) => ApiError::from(refusal),
                            other => not_recorded(&other),
                        });
                self.note_journal_length();
                let _ = reply.send(outcome);
            }
            Job::CatchUp => {
                self.catch_up_queued.store(false, Ordering::SeqCst);
                if let Err(error) = self.chamber.catch_up() {
                    tracing::warn!(%error, "cannot catch up with the journal; will try again");
                }
                self.note_journal_length();
            }
            Job::ReadJournal(read) => read(self.chamber.journal()),
        }
    }
}

/// Wakes the committer when another node appends, and at least every
/// [`CATCH_UP_POLL_MS`]; ends when the server does.
fn listen(
    mut listener: Box<dyn ChangeListener>,
    jobs: SyncSender<Job>,
    stopping: Arc<AtomicBool>,
    catch_up_queued: Arc<AtomicBool>,
) {
    while !stopping.load(Ordering::SeqCst) {
        match listener.wait(CATCH_UP_POLL_MS) {
            Ok(Some(_)) => {
                // One catch-up waiting is enough: it reads everything new.
                if !catch_up_queued.swap(true, Ordering::SeqCst) {
                    match jobs.try_send(Job::CatchUp) {
                        Ok(()) => {}
                        // A full queue means commands are running, and
                        // every group catches up first.
                        Err(TrySendError::Full(_)) => {
                            catch_up_queued.store(false, Ordering::SeqCst)
                        }
                        Err(TrySendError::Disconnected(_)) => return,
                    }
                }
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "lost the journal's change notifications; reconnecting");
                std::thread::sleep(Duration::from_millis(CATCH_UP_POLL_MS));
            }
        }
    }
}

/// The time commands are recorded at: the server's clock, with its offset.
pub fn now() -> hemicycle_core::model::Timestamp {
    chrono::Local::now().fixed_offset()
}

/// Runs a command for `actor` through the committer.
pub async fn execute(
    shared: &AppState,
    actor: Actor,
    command: Command,
) -> Result<Vec<Envelope>, ApiError> {
    let context = Context { at: now(), actor };
    shared.execute_command(context, command).await
}
