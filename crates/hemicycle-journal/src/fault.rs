//! Fault injection: a seam through which a test makes a storage backend's
//! Nth write, commit or read fail, or fills its disk, to check that every
//! failure leaves the journal and whoever folds it exactly as they were.
//!
//! Every [`SqliteStorage`](crate::sqlite::SqliteStorage) carries a
//! [`FaultInjector`], always compiled in and inert until a test arms it with
//! a [`FaultPlan`]: while disarmed, each hook costs one relaxed atomic load.
//! The backend consults it
//! - at each write statement ([`FaultPoint::Write`]: an event insert, a
//!   Merkle subtree insert, a checkpoint insert),
//! - just before `COMMIT` ([`FaultPoint::Commit`], where the log is synced
//!   to disk),
//! - at each read ([`FaultPoint::Read`]: the head, events, subtree hashes,
//!   checkpoints, the count, and the reads an append makes inside its
//!   transaction).
//!
//! An injected failure is an I/O-style [`StorageError::Backend`] whose
//! source is an [`InjectedFault`]; the backend returns it exactly as it
//! returns a real failure at that step, so the open transaction is rolled
//! back and nothing of the append is stored.
//!
//! A full disk is not imitated: [`FaultPlan::DiskFull`] caps the database
//! at the pages it holds (SQLite's `max_page_count`), so that the first
//! write needing a new page gets SQLite's own `SQLITE_FULL`, through the
//! same error path a real full disk takes. Writes that fit in pages already
//! allocated still succeed, as they would on a real full disk.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, ErrorCode};
use thiserror::Error;

use crate::storage::StorageError;

/// A kind of step at which a backend consults its injector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultPoint {
    /// One statement writing a row: an event, a subtree hash, a checkpoint.
    Write,
    /// The commit of an append, where the backend makes it durable.
    Commit,
    /// One read of stored data.
    Read,
}

impl FaultPoint {
    /// Every kind of point, for sweeping tests.
    pub const ALL: [FaultPoint; 3] = [FaultPoint::Write, FaultPoint::Commit, FaultPoint::Read];

    fn index(self) -> usize {
        match self {
            FaultPoint::Write => 0,
            FaultPoint::Commit => 1,
            FaultPoint::Read => 2,
        }
    }
}

impl fmt::Display for FaultPoint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            FaultPoint::Write => "write",
            FaultPoint::Commit => "commit",
            FaultPoint::Read => "read",
        })
    }
}

/// What an armed injector does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPlan {
    /// Nothing fails; the injector only counts the points passed (to learn
    /// how many points a run has, before sweeping them).
    Count,
    /// The `nth` step at `point` after arming (counting from 1) fails, and
    /// so does every later step at that point until the injector is
    /// disarmed, as a failed disk stays failed.
    FailFrom {
        /// Which kind of step.
        point: FaultPoint,
        /// Which one, from 1.
        nth: u64,
    },
    /// Only the `nth` step at `point` after arming (from 1) fails: a
    /// transient error.
    FailOnce {
        /// Which kind of step.
        point: FaultPoint,
        /// Which one, from 1.
        nth: u64,
    },
    /// The database may not grow by a single page (see the module docs).
    DiskFull,
}

impl FaultPlan {
    /// The point and the ordinal a failing plan aims at.
    fn target(self) -> Option<(FaultPoint, u64)> {
        match self {
            FaultPlan::FailFrom { point, nth } | FaultPlan::FailOnce { point, nth } => {
                Some((point, nth))
            }
            FaultPlan::Count | FaultPlan::DiskFull => None,
        }
    }
}

/// How many steps of each kind a backend passed since its injector was
/// armed (failed ones included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Write statements.
    pub writes: u64,
    /// Commits.
    pub commits: u64,
    /// Reads.
    pub reads: u64,
}

impl FaultCounts {
    /// The count for one kind of point.
    pub fn at(&self, point: FaultPoint) -> u64 {
        match point {
            FaultPoint::Write => self.writes,
            FaultPoint::Commit => self.commits,
            FaultPoint::Read => self.reads,
        }
    }

    fn bump(&mut self, point: FaultPoint) -> u64 {
        let count = match point {
            FaultPoint::Write => &mut self.writes,
            FaultPoint::Commit => &mut self.commits,
            FaultPoint::Read => &mut self.reads,
        };
        // Saturating: a counter this large means nothing new anyway.
        *count = count.saturating_add(1);
        *count
    }
}

/// The failure an injector puts in place of a real one: the source of the
/// [`StorageError::Backend`] a backend returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error(
    "injected fault: {point} number {ordinal} since the fault plan was armed failed \
     (a test's fault plan, not a real device error)"
)]
pub struct InjectedFault {
    /// The kind of step that failed.
    pub point: FaultPoint,
    /// Which one it was, counting from 1 since arming.
    pub ordinal: u64,
}

/// The armed plan and what happened under it.
#[derive(Debug, Default)]
struct Armed {
    plan: Option<FaultPlan>,
    counts: FaultCounts,
    /// Failures injected under the plan, by [`FaultPoint::index`].
    injected: [u64; 3],
}

#[derive(Debug, Default)]
struct Shared {
    /// Whether a plan is armed: the one thing a disarmed hook reads.
    armed: AtomicBool,
    plan: Mutex<Armed>,
}

/// A handle on a backend's fault plan. Clones share one plan, so a test
/// keeps a clone while the storage it came from is owned by a journal.
#[derive(Debug, Clone, Default)]
pub struct FaultInjector {
    shared: Arc<Shared>,
}

impl FaultInjector {
    /// An inert injector.
    pub fn new() -> FaultInjector {
        FaultInjector::default()
    }

    fn lock(&self) -> MutexGuard<'_, Armed> {
        // The guarded data is a few counters, consistent between
        // statements; a panic elsewhere cannot leave it half-written.
        self.shared
            .plan
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Arms `plan` in place of any earlier one, with every count at zero.
    ///
    /// # Panics
    /// If a failing plan aims at step 0: steps are counted from 1.
    pub fn arm(&self, plan: FaultPlan) {
        if let Some((point, nth)) = plan.target() {
            assert!(nth >= 1, "fault plans count {point} steps from 1, not 0");
        }
        let mut armed = self.lock();
        *armed = Armed {
            plan: Some(plan),
            ..Armed::default()
        };
        self.shared.armed.store(true, Ordering::SeqCst);
    }

    /// Disarms the injector (a full disk gets its room back at the next
    /// append) and returns the counts passed while it was armed.
    pub fn disarm(&self) -> FaultCounts {
        let mut armed = self.lock();
        self.shared.armed.store(false, Ordering::SeqCst);
        let counts = armed.counts;
        *armed = Armed::default();
        counts
    }

    /// The plan armed now, if any.
    pub fn plan(&self) -> Option<FaultPlan> {
        self.lock().plan
    }

    /// The steps passed since arming.
    pub fn counts(&self) -> FaultCounts {
        self.lock().counts
    }

    /// How many failures have been injected at `point` since arming (a
    /// full disk's failures are SQLite's own, not counted here).
    pub fn injected(&self, point: FaultPoint) -> u64 {
        self.lock().injected[point.index()]
    }

    /// Whether a full disk is armed.
    pub fn disk_is_full(&self) -> bool {
        self.shared.armed.load(Ordering::Relaxed)
            && matches!(self.lock().plan, Some(FaultPlan::DiskFull))
    }

    /// Called by a backend at a step of kind `point` while `operation`
    /// (words for [`StorageError::Backend`]): counts the step when armed,
    /// and fails it when the plan says so.
    pub fn check(&self, point: FaultPoint, operation: &'static str) -> Result<(), StorageError> {
        if !self.shared.armed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut armed = self.lock();
        let ordinal = armed.counts.bump(point);
        let fails = match armed.plan {
            Some(FaultPlan::FailFrom { point: target, nth }) => target == point && ordinal >= nth,
            Some(FaultPlan::FailOnce { point: target, nth }) => target == point && ordinal == nth,
            Some(FaultPlan::Count | FaultPlan::DiskFull) | None => false,
        };
        if !fails {
            return Ok(());
        }
        let injected = &mut armed.injected[point.index()];
        *injected = injected.saturating_add(1);
        Err(StorageError::Backend {
            operation,
            source: Box::new(InjectedFault { point, ordinal }),
        })
    }
}

/// The injected fault behind a storage error, if it is one.
pub fn injected_fault(error: &StorageError) -> Option<&InjectedFault> {
    match error {
        StorageError::Backend { source, .. } => source.downcast_ref::<InjectedFault>(),
        _ => None,
    }
}

/// Whether a storage error is SQLite's "database or disk is full".
pub fn is_disk_full(error: &StorageError) -> bool {
    let source = match error {
        StorageError::Backend { source, .. } | StorageError::Open { source, .. } => source,
        _ => return false,
    };
    source
        .downcast_ref::<rusqlite::Error>()
        .and_then(rusqlite::Error::sqlite_error_code)
        == Some(ErrorCode::DiskFull)
}

/// One SQLite connection's side of its injector: the page cap a full disk
/// put on it, to lift when the disk is "emptied".
#[derive(Debug, Default)]
pub(crate) struct ConnectionFaults {
    injector: FaultInjector,
    /// `max_page_count` as it was before a full disk capped it; `Some`
    /// while the cap is in place.
    saved_max_page_count: Option<i64>,
}

impl ConnectionFaults {
    pub(crate) fn injector(&self) -> &FaultInjector {
        &self.injector
    }

    /// Before an append: caps the database at its current size if a full
    /// disk is armed, or lifts the cap once it is disarmed.
    pub(crate) fn sync_disk_limit(&mut self, connection: &Connection) -> Result<(), StorageError> {
        let wanted = self.injector.disk_is_full();
        match (wanted, self.saved_max_page_count) {
            (true, None) => {
                let failed = backend("filling the disk (fault injection)");
                let previous: i64 = connection
                    .pragma_query_value(None, "max_page_count", |row| row.get(0))
                    .map_err(&failed)?;
                let pages: i64 = connection
                    .pragma_query_value(None, "page_count", |row| row.get(0))
                    .map_err(&failed)?;
                // SQLite never lowers the cap below the pages in use, so this
                // is "no page more than now".
                let capped: i64 = connection
                    .pragma_update_and_check(None, "max_page_count", pages, |row| row.get(0))
                    .map_err(&failed)?;
                assert_eq!(capped, pages, "the page cap is the current size");
                self.saved_max_page_count = Some(previous);
            }
            (false, Some(previous)) => {
                let restored: i64 = connection
                    .pragma_update_and_check(None, "max_page_count", previous, |row| row.get(0))
                    .map_err(backend("emptying the disk (fault injection)"))?;
                assert_eq!(restored, previous, "the page cap is lifted");
                self.saved_max_page_count = None;
            }
            (true, Some(_)) | (false, None) => {}
        }
        Ok(())
    }
}

fn backend(operation: &'static str) -> impl Fn(rusqlite::Error) -> StorageError {
    move |source| StorageError::Backend {
        operation,
        source: Box::new(source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disarmed_injector_neither_counts_nor_fails() {
        let injector = FaultInjector::new();
        for point in FaultPoint::ALL {
            injector.check(point, "testing").unwrap();
        }
        assert_eq!(injector.counts(), FaultCounts::default());
        assert_eq!(injector.plan(), None);
    }

    #[test]
    fn fail_from_fails_the_nth_step_and_every_later_one_until_disarmed() {
        let injector = FaultInjector::new();
        let clone = injector.clone();
        clone.arm(FaultPlan::FailFrom {
            point: FaultPoint::Write,
            nth: 3,
        });
        injector.check(FaultPoint::Write, "writing").unwrap();
        injector.check(FaultPoint::Read, "reading").unwrap();
        injector.check(FaultPoint::Write, "writing").unwrap();
        let error = injector.check(FaultPoint::Write, "writing").unwrap_err();
        assert_eq!(
            injected_fault(&error),
            Some(&InjectedFault {
                point: FaultPoint::Write,
                ordinal: 3
            })
        );
        assert!(error.to_string().contains("while writing"), "{error}");
        assert!(injector.check(FaultPoint::Write, "writing").is_err());
        injector.check(FaultPoint::Commit, "committing").unwrap();
        assert_eq!(clone.injected(FaultPoint::Write), 2);
        let counts = clone.disarm();
        assert_eq!(
            counts,
            FaultCounts {
                writes: 4,
                commits: 1,
                reads: 1
            }
        );
        injector.check(FaultPoint::Write, "writing").unwrap();
    }

    #[test]
    fn fail_once_fails_only_the_nth_step() {
        let injector = FaultInjector::new();
        injector.arm(FaultPlan::FailOnce {
            point: FaultPoint::Read,
            nth: 1,
        });
        assert!(injector.check(FaultPoint::Read, "reading").is_err());
        injector.check(FaultPoint::Read, "reading").unwrap();
        assert_eq!(injector.injected(FaultPoint::Read), 1);
        assert_eq!(injector.counts().reads, 2);
    }

    #[test]
    #[should_panic(expected = "from 1")]
    fn steps_are_counted_from_one() {
        FaultInjector::new().arm(FaultPlan::FailFrom {
            point: FaultPoint::Commit,
            nth: 0,
        });
    }

    #[test]
    fn a_full_disk_caps_the_pages_and_gives_them_back() {
        let connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (zeroblob(100));")
            .unwrap();
        let mut faults = ConnectionFaults::default();
        let original: i64 = connection
            .pragma_query_value(None, "max_page_count", |row| row.get(0))
            .unwrap();
        faults.injector().arm(FaultPlan::DiskFull);
        faults.sync_disk_limit(&connection).unwrap();
        let error = connection
            .execute("INSERT INTO t VALUES (zeroblob(100000))", [])
            .unwrap_err();
        assert!(is_disk_full(&StorageError::Backend {
            operation: "testing",
            source: Box::new(error),
        }));
        faults.injector().disarm();
        faults.sync_disk_limit(&connection).unwrap();
        let lifted: i64 = connection
            .pragma_query_value(None, "max_page_count", |row| row.get(0))
            .unwrap();
        assert_eq!(lifted, original);
        connection
            .execute("INSERT INTO t VALUES (zeroblob(100000))", [])
            .unwrap();
    }
}
