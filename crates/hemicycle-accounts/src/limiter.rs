//! Login rate limiting: a few failed sign-ins per key per window, then a wait.

use std::collections::{HashMap, VecDeque};

use sha2::{Digest, Sha256};

use crate::{check_setting, SettingsError};

/// The longest window that may be set: a day.
const WINDOW_MAX_MS: u64 = 24 * 60 * 60 * 1000;
/// The most failures per window that may be allowed.
const FAILURES_MAX: u64 = 1_000;
/// The most keys that may be tracked.
const KEYS_MAX: u64 = 10_000_000;
/// When the table is full of live keys, this fraction of it (the keys whose last failure
/// is oldest) is dropped at once, so that a flood of new keys costs one scan per hundred
/// keys rather than one per key.
const EVICTION_FRACTION: usize = 100;

/// How many failures are allowed, over how long, and how many keys are tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimiterSettings {
    /// Failures allowed within one window; the next attempt waits. Default 5.
    pub max_failures: u32,
    /// The sliding window, in milliseconds. Default 15 minutes.
    pub window_ms: u64,
    /// The most keys tracked at once. Default 100,000. When full, keys whose failures
    /// have all left the window are dropped, then those whose last failure is oldest.
    pub max_keys: usize,
}

impl Default for LoginLimiterSettings {
    fn default() -> Self {
        LoginLimiterSettings {
            max_failures: 5,
            window_ms: 15 * 60 * 1000,
            max_keys: 100_000,
        }
    }
}

/// A refusal: too many failures for this key lately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many failed sign-ins; try again in {} seconds", retry_after_ms.div_ceil(1000))]
pub struct RetryAfter {
    /// How long until one more attempt is allowed (at least 1 ms).
    pub retry_after_ms: u64,
}

/// The failures of one key: the times of the latest `max_failures`, oldest first, never
/// decreasing.
#[derive(Debug, Default)]
struct Failures {
    times_ms: VecDeque<u64>,
}

impl Failures {
    fn newest_ms(&self) -> Option<u64> {
        self.times_ms.back().copied()
    }
}

/// Counts failed sign-ins per key in a sliding window.
///
/// The web layer keeps one limiter and uses several keys per attempt, prefixed so that
/// they cannot collide: the username or login code tried (`user:amina`,
/// `code:7K3Q…`), which bounds guessing against one account from anywhere, and the
/// client's address (`address:192.0.2.7`), which bounds one client guessing across
/// accounts. For each attempt: [`LoginLimiter::check`] every key, and if any refuses,
/// answer "retry after" without checking the credentials and without recording a
/// failure; otherwise check the credentials, then [`LoginLimiter::record_failure`] or
/// [`LoginLimiter::record_success`] on every key.
///
/// Keys are kept as SHA-256 digests: every key costs the same memory, and the login codes
/// people tried are not kept. Methods that change it take `&mut self`; a server shares
/// one behind a mutex.
#[derive(Debug)]
pub struct LoginLimiter {
    settings: LoginLimiterSettings,
    keys: HashMap<[u8; 32], Failures>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter::new(LoginLimiterSettings::default()).expect("default settings are valid")
    }
}

impl LoginLimiter {
    pub fn new(settings: LoginLimiterSettings) -> Result<LoginLimiter, SettingsError> {
        check_setting(
            "max_failures",
            u64::from(settings.max_failures),
            FAILURES_MAX,
        )?;
        check_setting("window_ms", settings.window_ms, WINDOW_MAX_MS)?;
        check_setting("max_keys", settings.max_keys as u64, KEYS_MAX)?;
        Ok(LoginLimiter {
            settings,
            keys: HashMap::new(),
        })
    }

    pub fn settings(&self) -> &LoginLimiterSettings {
        &self.settings
    }

    /// Whether `key` may attempt a sign-in now.
    pub fn check(&self, key: &str, now_ms: u64) -> Result<(), RetryAfter> {
        let Some(failures) = self.keys.get(&digest_of(key)) else {
            return Ok(());
        };
        let window_ms = self.settings.window_ms;
        let in_window = |time_ms: &&u64| now_ms.saturating_sub(**time_ms) < window_ms;
        let count = failures.times_ms.iter().filter(in_window).count();
        if count < self.settings.max_failures as usize {
            return Ok(());
        }
        // Only the latest max_failures are kept, so all of them are in the window; the
        // oldest leaves it first, and then one attempt is allowed again.
        let oldest_ms = *failures.times_ms.iter().find(in_window).expect("count > 0");
        let retry_after_ms = (oldest_ms + window_ms).saturating_sub(now_ms).max(1);
        Err(RetryAfter { retry_after_ms })
    }

    /// Counts a failed sign-in against `key`.
    pub fn record_failure(&mut self, key: &str, now_ms: u64) {
        let digest = digest_of(key);
        if !self.keys.contains_key(&digest) && self.keys.len() >= self.settings.max_keys {
            self.make_room(now_ms);
        }
        let failures = self.keys.entry(digest).or_default();
        // Never decreasing, so that the front is the oldest even if the clock steps back.
        let time_ms = failures
            .newest_ms()
            .map_or(now_ms, |newest| newest.max(now_ms));
        failures.times_ms.push_back(time_ms);
        if failures.times_ms.len() > self.settings.max_failures as usize {
            failures.times_ms.pop_front();
        }
        assert!(failures.times_ms.len() <= self.settings.max_failures as usize);
        assert!(self.keys.len() <= self.settings.max_keys);
    }

    /// Forgets `key`'s failures after a successful sign-in.
    pub fn record_success(&mut self, key: &str) {
        self.keys.remove(&digest_of(key));
    }

    /// Drops every key whose failures have all left the window; returns how many.
    pub fn remove_expired(&mut self, now_ms: u64) -> usize {
        let before = self.keys.len();
        let window_ms = self.settings.window_ms;
        self.keys.retain(|_, failures| {
            failures
                .newest_ms()
                .is_some_and(|newest| now_ms.saturating_sub(newest) < window_ms)
        });
        before - self.keys.len()
    }

    /// The number of keys tracked.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Frees at least one slot: expired keys first, else the keys whose last failure is
    /// oldest. Dropping a live key forgets its failures, which an attacker with many
    /// addresses could use; the per-account keys still bound guessing against one account
    /// unless the table is flooded, and the cap is what keeps memory bounded.
    fn make_room(&mut self, now_ms: u64) {
        if self.remove_expired(now_ms) > 0 {
            return;
        }
        let mut by_age: Vec<(u64, [u8; 32])> = self
            .keys
            .iter()
            .map(|(digest, failures)| (failures.newest_ms().unwrap_or(0), *digest))
            .collect();
        let evicted = (self.settings.max_keys / EVICTION_FRACTION).clamp(1, by_age.len());
        if evicted < by_age.len() {
            by_age.select_nth_unstable(evicted - 1);
        }
        for (_, digest) in &by_age[..evicted] {
            self.keys.remove(digest);
        }
    }
}

fn digest_of(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE_MS: u64 = 60 * 1000;

    #[test]
    fn five_failures_then_a_wait_until_the_window_slides() {
        let mut limiter = LoginLimiter::default();
        for minute in 0..5 {
            assert_eq!(limiter.check("user:amina", minute * MINUTE_MS), Ok(()));
            limiter.record_failure("user:amina", minute * MINUTE_MS);
        }
        // Failures at minutes 0..=4: blocked until the first leaves the window at 15.
        assert_eq!(
            limiter.check("user:amina", 5 * MINUTE_MS),
            Err(RetryAfter {
                retry_after_ms: 10 * MINUTE_MS
            })
        );
        assert_eq!(
            limiter.check("user:amina", 15 * MINUTE_MS - 1),
            Err(RetryAfter { retry_after_ms: 1 })
        );
        // One attempt allowed at minute 15; failing it blocks again until minute 16.
        assert_eq!(limiter.check("user:amina", 15 * MINUTE_MS), Ok(()));
        limiter.record_failure("user:amina", 15 * MINUTE_MS);
        assert_eq!(
            limiter.check("user:amina", 15 * MINUTE_MS),
            Err(RetryAfter {
                retry_after_ms: MINUTE_MS
            })
        );
        // Other keys are unaffected.
        assert_eq!(limiter.check("user:zaid", 15 * MINUTE_MS), Ok(()));
        assert_eq!(limiter.check("address:192.0.2.7", 15 * MINUTE_MS), Ok(()));
    }

    #[test]
    fn failures_spread_out_never_block() {
        let mut limiter = LoginLimiter::default();
        // One failure every 4 minutes: at most 4 in any 15-minute window.
        for step in 0..100 {
            let now = step * 4 * MINUTE_MS;
            assert_eq!(limiter.check("user:amina", now), Ok(()), "{step}");
            limiter.record_failure("user:amina", now);
        }
    }

    #[test]
    fn a_success_clears_the_key() {
        let mut limiter = LoginLimiter::default();
        for _ in 0..4 {
            limiter.record_failure("user:amina", 0);
        }
        limiter.record_success("user:amina");
        assert!(limiter.is_empty());
        // Four more failures are allowed again before a block.
        for _ in 0..4 {
            limiter.record_failure("user:amina", 1);
        }
        assert_eq!(limiter.check("user:amina", 1), Ok(()));
        limiter.record_failure("user:amina", 1);
        assert!(limiter.check("user:amina", 1).is_err());
    }

    #[test]
    fn retry_after_reads_in_seconds() {
        let message = RetryAfter {
            retry_after_ms: 90_001,
        }
        .to_string();
        assert_eq!(message, "too many failed sign-ins; try again in 91 seconds");
    }

    #[test]
    fn memory_is_bounded_expired_keys_first() {
        let mut limiter = LoginLimiter::new(LoginLimiterSettings {
            max_keys: 3,
            ..LoginLimiterSettings::default()
        })
        .unwrap();
        limiter.record_failure("old", 0);
        limiter.record_failure("b", 10 * MINUTE_MS);
        limiter.record_failure("c", 10 * MINUTE_MS);
        // At 16 minutes "old" has left the window: it makes room.
        limiter.record_failure("d", 16 * MINUTE_MS);
        assert_eq!(limiter.len(), 3);
        // Full of live keys: the one whose last failure is oldest goes ("b" or "c" at 10
        // minutes, not "d").
        for _ in 0..5 {
            limiter.record_failure("d", 16 * MINUTE_MS);
        }
        limiter.record_failure("e", 17 * MINUTE_MS);
        assert_eq!(limiter.len(), 3);
        assert!(limiter.check("d", 17 * MINUTE_MS).is_err());
        for index in 0..1_000 {
            limiter.record_failure(&format!("flood-{index}"), 18 * MINUTE_MS);
            assert!(limiter.len() <= 3);
        }
    }

    #[test]
    fn a_large_table_evicts_in_batches() {
        let mut limiter = LoginLimiter::new(LoginLimiterSettings {
            max_keys: 1_000,
            ..LoginLimiterSettings::default()
        })
        .unwrap();
        for index in 0..1_000u64 {
            limiter.record_failure(&format!("key-{index}"), index);
        }
        assert_eq!(limiter.len(), 1_000);
        limiter.record_failure("new", 2_000);
        // The 10 oldest went at once; the newest stayed.
        assert_eq!(limiter.len(), 991);
        for _ in 0..4 {
            limiter.record_failure("key-999", 2_000);
        }
        assert!(limiter.check("key-999", 2_000).is_err());
        // key-0 was forgotten: four more failures do not block it.
        for _ in 0..4 {
            limiter.record_failure("key-0", 2_000);
        }
        assert_eq!(limiter.check("key-0", 2_000), Ok(()));
    }

    #[test]
    fn expired_keys_can_be_swept() {
        let mut limiter = LoginLimiter::default();
        limiter.record_failure("a", 0);
        limiter.record_failure("b", 10 * MINUTE_MS);
        assert_eq!(limiter.remove_expired(15 * MINUTE_MS), 1);
        assert_eq!(limiter.len(), 1);
    }

    #[test]
    fn settings_are_checked() {
        assert_eq!(
            LoginLimiter::new(LoginLimiterSettings {
                max_failures: 0,
                ..LoginLimiterSettings::default()
            })
            .unwrap_err(),
            SettingsError::Zero {
                setting: "max_failures"
            }
        );
        assert!(matches!(
            LoginLimiter::new(LoginLimiterSettings {
                window_ms: u64::MAX,
                ..LoginLimiterSettings::default()
            }),
            Err(SettingsError::TooLarge { .. })
        ));
    }
}
