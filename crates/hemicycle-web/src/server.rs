//! The server's shared state: the chamber, the accounts, the auth sessions and
//! the live hub, and the one path by which a command changes the chamber.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use hemicycle_accounts::{
    AccountStore, Argon2Cost, AuthSessionSettings, AuthSessions, LoginLimiter,
};
use hemicycle_core::{Actor, Command, Context, State};
use hemicycle_engine::Chamber;
use hemicycle_journal::{Envelope, Storage};
use tokio::sync::broadcast;

use crate::demo::DemoScript;
use crate::error::ApiError;
use crate::live::{snapshot, LiveSnapshot, LiveUpdate};

/// How many live messages wait for a slow subscriber before it is told to
/// start again from a fresh snapshot. The chamber never waits for a viewer.
pub const LIVE_QUEUE_MESSAGES: usize = 256;

/// The most live-stream subscribers served at once; beyond it a viewer is
/// asked to come back later (503), so viewers cannot exhaust the server.
pub const DEFAULT_MAX_LIVE_SUBSCRIBERS: usize = 20_000;

/// What the server is told at start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Add `Secure` to cookies (the server is reached over TLS, e.g. behind a
    /// proxy). Also added per request when the proxy says `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
    pub argon2_cost: Argon2Cost,
    pub max_live_subscribers: usize,
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
            inactivity_timeout_ms: 30 * 60 * 1000,
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

/// A message on the live stream.
#[derive(Debug, Clone)]
pub enum LiveMessage {
    Update(Arc<LiveUpdate>),
}

pub struct LiveHub {
    sender: broadcast::Sender<LiveMessage>,
    latest: RwLock<Arc<LiveSnapshot>>,
    subscribers: AtomicUsize,
    max_subscribers: usize,
}

/// A place on the live stream; dropping it frees the place.
pub struct LiveSubscription {
    pub receiver: broadcast::Receiver<LiveMessage>,
    pub closing: tokio::sync::watch::Receiver<bool>,
    pub snapshot: Arc<LiveSnapshot>,
    hub: Arc<Shared>,
}

impl LiveSubscription {
    /// The latest snapshot, for a subscriber that fell behind.
    pub fn latest(&self) -> Arc<LiveSnapshot> {
        self.hub.latest_snapshot()
    }
}

impl Drop for LiveSubscription {
    fn drop(&mut self) {
        self.hub.live.subscribers.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct Shared {
    chamber: Mutex<Chamber<Box<dyn Storage>>>,
    pub accounts: Mutex<Box<dyn AccountStore>>,
    pub auth_sessions: Mutex<AuthSessions>,
    pub login_limiter: Mutex<LoginLimiter>,
    pub live: LiveHub,
    pub demo: Mutex<Option<DemoScript>>,
    pub config: ServerConfig,
    /// Becomes `true` when the server is shutting down; live streams end then.
    closing: tokio::sync::watch::Sender<bool>,
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

impl Shared {
    pub fn new(
        chamber: Chamber<Box<dyn Storage>>,
        accounts: Box<dyn AccountStore>,
        demo: Option<DemoScript>,
        config: ServerConfig,
    ) -> AppState {
        let first = Arc::new(snapshot(chamber.state()));
        let (sender, _) = broadcast::channel(LIVE_QUEUE_MESSAGES);
        Arc::new(Shared {
            chamber: Mutex::new(chamber),
            accounts: Mutex::new(accounts),
            auth_sessions: Mutex::new(
                AuthSessions::new(AuthSessionSettings {
                    inactivity_timeout_ms: config.inactivity_timeout_ms,
                    ..AuthSessionSettings::default()
                })
                .unwrap_or_default(),
            ),
            login_limiter: Mutex::new(LoginLimiter::default()),
            live: LiveHub {
                sender,
                latest: RwLock::new(first),
                subscribers: AtomicUsize::new(0),
                max_subscribers: config.max_live_subscribers,
            },
            demo: Mutex::new(demo),
            config,
            closing: tokio::sync::watch::Sender::new(false),
        })
    }

    /// Reads the state under the chamber's lock. Keep `read` short: commands wait.
    pub fn read<T>(&self, read: impl FnOnce(&State) -> T) -> T {
        read(lock(&self.chamber).state())
    }

    /// Reads the chamber (state and journal) under its lock.
    pub fn read_chamber<T>(&self, read: impl FnOnce(&Chamber<Box<dyn Storage>>) -> T) -> T {
        read(&lock(&self.chamber))
    }

    /// Runs commands as one all-or-nothing batch, then tells the live pages.
    /// Blocking (journal I/O): call from a blocking thread.
    pub fn execute_blocking(
        &self,
        commands: &[(Context, Command)],
    ) -> Result<Vec<Envelope>, ApiError> {
        let mut chamber = lock(&self.chamber);
        let envelopes = match commands {
            [(context, command)] => chamber.execute(context, command)?,
            _ => chamber
                .execute_batch(commands)
                .map_err(|(_, error)| ApiError::from(error))?,
        };
        if !envelopes.is_empty() {
            self.publish(chamber.state());
        }
        Ok(envelopes)
    }

    /// Publishes what changed on the live pages. Called with the chamber
    /// locked, so updates go out in journal order.
    fn publish(&self, state: &State) {
        let now = Arc::new(snapshot(state));
        let mut latest = self
            .live
            .latest
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(update) = now.changes_since(&latest) {
            // No subscriber is not an error: nobody is watching.
            let _ = self.live.sender.send(LiveMessage::Update(Arc::new(update)));
        }
        *latest = now;
    }

    pub fn latest_snapshot(&self) -> Arc<LiveSnapshot> {
        self.live
            .latest
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Takes a place on the live stream, or refuses when all are taken.
    pub fn subscribe(self: &Arc<Self>) -> Result<LiveSubscription, ApiError> {
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
            snapshot: self.latest_snapshot(),
            hub: self.clone(),
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

/// The time commands are recorded at: the server's clock, with its offset.
pub fn now() -> hemicycle_core::model::Timestamp {
    chrono::Local::now().fixed_offset()
}

/// Runs a command for `actor` on a blocking thread.
pub async fn execute(
    shared: &AppState,
    actor: Actor,
    command: Command,
) -> Result<Vec<Envelope>, ApiError> {
    let shared = shared.clone();
    tokio::task::spawn_blocking(move || {
        let context = Context { at: now(), actor };
        shared.execute_blocking(&[(context, command)])
    })
    .await
    .map_err(|error| ApiError::internal(format!("the command's task failed: {error}")))?
}
