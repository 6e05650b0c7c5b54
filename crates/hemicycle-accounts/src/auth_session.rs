//! Auth sessions: who is signed in, behind which token.
//!
//! (A *sitting* is a meeting of the chamber; a login is an *auth session*.)

use std::collections::HashMap;
use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::username::Username;
use crate::{check_setting, SettingsError};

/// Random bytes in a token: 256 bits, beyond any guessing.
pub const AUTH_SESSION_TOKEN_BYTES: usize = 32;

/// The length of a token's text: base64url without padding of 32 bytes.
const TOKEN_TEXT_LENGTH: usize = (AUTH_SESSION_TOKEN_BYTES * 4).div_ceil(3);
const _: () = assert!(TOKEN_TEXT_LENGTH == 43);

/// The longest any timeout may be set: a year.
const TIMEOUT_MAX_MS: u64 = 365 * 24 * 60 * 60 * 1000;
/// The most live auth sessions that may be allowed.
const CAPACITY_MAX: u64 = 10_000_000;

/// How long auth sessions live and how many there may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthSessionSettings {
    /// An auth session not used for this long ends. Default 30 minutes.
    pub inactivity_timeout_ms: u64,
    /// An auth session ends this long after it began, however busy. Default 12 hours:
    /// a long sitting, and no more.
    pub absolute_lifetime_ms: u64,
    /// The most live auth sessions in all. Default 100,000.
    pub max_auth_sessions: usize,
    /// The most live auth sessions of one account (phones, laptops, a second browser);
    /// signing in once more ends the least recently used one. Default 16. Without it, one
    /// account signing in over and over could fill the whole table and keep everyone
    /// else out.
    pub max_auth_sessions_per_account: usize,
}

impl Default for AuthSessionSettings {
    fn default() -> Self {
        AuthSessionSettings {
            inactivity_timeout_ms: 30 * 60 * 1000,
            absolute_lifetime_ms: 12 * 60 * 60 * 1000,
            max_auth_sessions: 100_000,
            max_auth_sessions_per_account: 16,
        }
    }
}

impl AuthSessionSettings {
    fn check(&self) -> Result<(), SettingsError> {
        check_setting(
            "inactivity_timeout_ms",
            self.inactivity_timeout_ms,
            TIMEOUT_MAX_MS,
        )?;
        check_setting(
            "absolute_lifetime_ms",
            self.absolute_lifetime_ms,
            TIMEOUT_MAX_MS,
        )?;
        check_setting(
            "max_auth_sessions",
            self.max_auth_sessions as u64,
            CAPACITY_MAX,
        )?;
        check_setting(
            "max_auth_sessions_per_account",
            self.max_auth_sessions_per_account as u64,
            self.max_auth_sessions as u64,
        )
    }
}

/// The secret that proves an auth session: 32 random bytes as base64url without padding
/// (43 characters), for a cookie. Only its SHA-256 is kept by [`AuthSessions`].
///
/// `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthSessionToken(String);

impl AuthSessionToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthSessionToken {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("AuthSessionToken(<hidden>)")
    }
}

/// Why an auth session could not begin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthSessionError {
    #[error(
        "the server already has {limit} people signed in, the most it allows; try again later"
    )]
    TooMany { limit: usize },
    #[error("the operating system's random number generator failed: {reason}")]
    Randomness { reason: String },
}

type TokenDigest = [u8; 32];

#[derive(Debug)]
struct Entry {
    username: Username,
    created_at_ms: u64,
    last_seen_ms: u64,
}

impl Entry {
    fn is_expired(&self, settings: &AuthSessionSettings, now_ms: u64) -> bool {
        // saturating_sub: a clock that steps back does not end (or extend) anything.
        now_ms.saturating_sub(self.last_seen_ms) >= settings.inactivity_timeout_ms
            || now_ms.saturating_sub(self.created_at_ms) >= settings.absolute_lifetime_ms
    }
}

/// The live auth sessions, in memory (a restart signs everyone out).
///
/// Methods take `&mut self`; a server shares one behind a mutex. Times are milliseconds
/// from any fixed origin (the Unix epoch, say), passed in by the caller.
#[derive(Debug)]
pub struct AuthSessions {
    settings: AuthSessionSettings,
    /// Keyed by the SHA-256 of the token, so that a memory dump yields no usable token.
    entries: HashMap<TokenDigest, Entry>,
    /// The token digests of each account, for the per-account cap and
    /// [`AuthSessions::destroy_all_for`]; in step with `entries`.
    by_username: HashMap<Username, Vec<TokenDigest>>,
}

impl Default for AuthSessions {
    fn default() -> Self {
        AuthSessions::new(AuthSessionSettings::default()).expect("default settings are valid")
    }
}

impl AuthSessions {
    pub fn new(settings: AuthSessionSettings) -> Result<AuthSessions, SettingsError> {
        settings.check()?;
        Ok(AuthSessions {
            settings,
            entries: HashMap::new(),
            by_username: HashMap::new(),
        })
    }

    pub fn settings(&self) -> &AuthSessionSettings {
        &self.settings
    }

    /// Begins an auth session for `username` (who has just signed in) and returns its
    /// token.
    ///
    /// If the account already has [`AuthSessionSettings::max_auth_sessions_per_account`],
    /// its least recently used one ends. If the server is full, expired auth sessions are
    /// cleared first, and if none are, the new one is refused.
    pub fn create(
        &mut self,
        username: Username,
        now_ms: u64,
    ) -> Result<AuthSessionToken, AuthSessionError> {
        self.make_room_for(&username, now_ms)?;
        let mut bytes = [0u8; AUTH_SESSION_TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(|error| AuthSessionError::Randomness {
            reason: error.to_string(),
        })?;
        let digest: TokenDigest = Sha256::digest(bytes).into();
        let entry = Entry {
            username: username.clone(),
            created_at_ms: now_ms,
            last_seen_ms: now_ms,
        };
        // 256 random bits: a collision means the random source is broken.
        assert!(
            self.entries.insert(digest, entry).is_none(),
            "two auth session tokens collided"
        );
        self.by_username.entry(username).or_default().push(digest);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        debug_assert_eq!(token.len(), TOKEN_TEXT_LENGTH);
        Ok(AuthSessionToken(token))
    }

    fn make_room_for(&mut self, username: &Username, now_ms: u64) -> Result<(), AuthSessionError> {
        let digests = self.by_username.get(username).cloned().unwrap_or_default();
        let mut live = Vec::with_capacity(digests.len());
        for digest in digests {
            let entry = &self.entries[&digest];
            if entry.is_expired(&self.settings, now_ms) {
                self.remove(&digest);
            } else {
                live.push((entry.last_seen_ms, digest));
            }
        }
        if live.len() >= self.settings.max_auth_sessions_per_account {
            live.sort_unstable();
            let excess = live.len() + 1 - self.settings.max_auth_sessions_per_account;
            for (_, digest) in &live[..excess] {
                self.remove(digest);
            }
        }
        if self.entries.len() >= self.settings.max_auth_sessions {
            self.remove_expired(now_ms);
        }
        if self.entries.len() >= self.settings.max_auth_sessions {
            return Err(AuthSessionError::TooMany {
                limit: self.settings.max_auth_sessions,
            });
        }
        Ok(())
    }

    /// Whose auth session `token` is, if it is live; using it counts as activity. An
    /// expired auth session is ended here. Anything that is not a token is `None`.
    pub fn authenticate(&mut self, token: &str, now_ms: u64) -> Option<Username> {
        let digest = digest_of(token)?;
        let entry = self.entries.get_mut(&digest)?;
        if entry.is_expired(&self.settings, now_ms) {
            self.remove(&digest);
            return None;
        }
        entry.last_seen_ms = entry.last_seen_ms.max(now_ms);
        Some(entry.username.clone())
    }

    /// Ends the auth session of `token` (signing out); whether there was one.
    pub fn destroy(&mut self, token: &str) -> bool {
        digest_of(token).is_some_and(|digest| self.remove(&digest))
    }

    /// Ends every auth session of `username`: when the account is deleted, its password
    /// changed or its login reissued. Returns how many ended.
    pub fn destroy_all_for(&mut self, username: &Username) -> usize {
        let digests = self.by_username.remove(username).unwrap_or_default();
        for digest in &digests {
            let removed = self.entries.remove(digest);
            debug_assert!(removed.is_some(), "index and entries out of step");
        }
        digests.len()
    }

    /// Ends every expired auth session; returns how many. [`AuthSessions::create`] does
    /// this when the table is full, but a server may also call it now and then to free
    /// memory sooner.
    pub fn remove_expired(&mut self, now_ms: u64) -> usize {
        let expired: Vec<TokenDigest> = self
            .entries
            .iter()
            .filter(|(_, entry)| entry.is_expired(&self.settings, now_ms))
            .map(|(digest, _)| *digest)
            .collect();
        for digest in &expired {
            self.remove(digest);
        }
        expired.len()
    }

    /// The number of auth sessions held, including expired ones not yet cleared.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn remove(&mut self, digest: &TokenDigest) -> bool {
        let Some(entry) = self.entries.remove(digest) else {
            return false;
        };
        let digests = self
            .by_username
            .get_mut(&entry.username)
            .expect("every auth session is indexed by username");
        digests.retain(|indexed| indexed != digest);
        if digests.is_empty() {
            self.by_username.remove(&entry.username);
        }
        true
    }
}

/// The digest under which a token is kept, if `token` has a token's form.
fn digest_of(token: &str) -> Option<TokenDigest> {
    if token.len() != TOKEN_TEXT_LENGTH {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    if bytes.len() != AUTH_SESSION_TOKEN_BYTES {
        return None;
    }
    Some(Sha256::digest(&bytes).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE_MS: u64 = 60 * 1000;
    const HOUR_MS: u64 = 60 * MINUTE_MS;

    fn username(text: &str) -> Username {
        Username::new(text).unwrap()
    }

    #[test]
    fn a_token_authenticates_its_account_until_destroyed() {
        let mut sessions = AuthSessions::default();
        let token = sessions.create(username("amina"), 0).unwrap();
        assert_eq!(token.as_str().len(), 43);
        assert!(token
            .as_str()
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'));
        assert_eq!(
            sessions.authenticate(token.as_str(), 1),
            Some(username("amina"))
        );
        assert!(sessions.destroy(token.as_str()));
        assert!(!sessions.destroy(token.as_str()));
        assert_eq!(sessions.authenticate(token.as_str(), 2), None);
        assert!(sessions.is_empty());
    }

    #[test]
    fn tokens_are_kept_only_as_digests() {
        let mut sessions = AuthSessions::default();
        let token = sessions.create(username("amina"), 0).unwrap();
        let bytes = URL_SAFE_NO_PAD.decode(token.as_str()).unwrap();
        assert!(!sessions.entries.contains_key(bytes.as_slice()));
        let digest: TokenDigest = Sha256::digest(&bytes).into();
        assert!(sessions.entries.contains_key(&digest));
        assert!(!format!("{sessions:?}").contains(token.as_str()));
        assert!(!format!("{token:?}").contains(token.as_str()));
    }

    #[test]
    fn garbage_and_near_misses_do_not_authenticate() {
        let mut sessions = AuthSessions::default();
        let token = sessions.create(username("amina"), 0).unwrap();
        let mut altered: Vec<char> = token.as_str().chars().collect();
        altered[0] = if altered[0] == 'A' { 'B' } else { 'A' };
        let altered: String = altered.into_iter().collect();
        for bad in [
            "",
            "x",
            altered.as_str(),
            &token.as_str()[1..],
            &format!("{}=", token.as_str()),
            &"!".repeat(43),
            &"A".repeat(10_000),
        ] {
            assert_eq!(sessions.authenticate(bad, 1), None, "{bad:?}");
        }
        assert_eq!(
            sessions.authenticate(token.as_str(), 1),
            Some(username("amina"))
        );
    }

    #[test]
    fn inactivity_ends_an_auth_session_and_activity_keeps_it() {
        let mut sessions = AuthSessions::default();
        let token = sessions.create(username("amina"), 0).unwrap();
        // Used every 29 minutes for 5 hours: still live.
        let mut now = 0;
        while now < 5 * HOUR_MS {
            now += 29 * MINUTE_MS;
            assert_eq!(
                sessions.authenticate(token.as_str(), now),
                Some(username("amina")),
                "{now}"
            );
        }
        // Then 30 minutes idle: over, and removed.
        assert_eq!(
            sessions.authenticate(token.as_str(), now + 30 * MINUTE_MS),
            None
        );
        assert!(sessions.is_empty());
        // One millisecond short of the timeout is still live.
        let token = sessions.create(username("amina"), 0).unwrap();
        assert!(sessions
            .authenticate(token.as_str(), 30 * MINUTE_MS - 1)
            .is_some());
    }

    #[test]
    fn the_absolute_lifetime_ends_even_a_busy_auth_session() {
        let mut sessions = AuthSessions::default();
        let token = sessions.create(username("amina"), 1_000).unwrap();
        let mut now = 1_000;
        while now + 10 * MINUTE_MS < 1_000 + 12 * HOUR_MS {
            now += 10 * MINUTE_MS;
            assert!(
                sessions.authenticate(token.as_str(), now).is_some(),
                "{now}"
            );
        }
        assert_eq!(
            sessions.authenticate(token.as_str(), 1_000 + 12 * HOUR_MS),
            None
        );
    }

    #[test]
    fn a_clock_stepping_back_neither_ends_nor_extends() {
        let mut sessions = AuthSessions::default();
        let token = sessions.create(username("amina"), 10 * MINUTE_MS).unwrap();
        assert!(sessions.authenticate(token.as_str(), 0).is_some());
        // last seen stays at 10 minutes, not 0.
        assert!(sessions
            .authenticate(token.as_str(), 39 * MINUTE_MS)
            .is_some());
        assert!(sessions
            .authenticate(token.as_str(), 69 * MINUTE_MS + 1)
            .is_none());
    }

    #[test]
    fn a_new_token_after_signing_in_again_replaces_the_old() {
        let mut sessions = AuthSessions::default();
        let old = sessions.create(username("amina"), 0).unwrap();
        // Signing in again: a fresh token, and the old one destroyed.
        let new = sessions.create(username("amina"), 5).unwrap();
        assert_ne!(old, new);
        assert!(sessions.destroy(old.as_str()));
        assert_eq!(sessions.authenticate(old.as_str(), 6), None);
        assert_eq!(
            sessions.authenticate(new.as_str(), 6),
            Some(username("amina"))
        );
    }

    #[test]
    fn destroying_all_of_an_account_leaves_the_others() {
        let mut sessions = AuthSessions::default();
        let phone = sessions.create(username("amina"), 0).unwrap();
        let laptop = sessions.create(username("amina"), 0).unwrap();
        let other = sessions.create(username("zaid"), 0).unwrap();
        assert_eq!(sessions.destroy_all_for(&username("amina")), 2);
        assert_eq!(sessions.destroy_all_for(&username("amina")), 0);
        assert_eq!(sessions.authenticate(phone.as_str(), 1), None);
        assert_eq!(sessions.authenticate(laptop.as_str(), 1), None);
        assert_eq!(
            sessions.authenticate(other.as_str(), 1),
            Some(username("zaid"))
        );
        assert_eq!(sessions.len(), 1);
    }

    #[test]
    fn a_full_table_clears_expired_auth_sessions_then_refuses() {
        let mut sessions = AuthSessions::new(AuthSessionSettings {
            max_auth_sessions: 3,
            max_auth_sessions_per_account: 3,
            ..AuthSessionSettings::default()
        })
        .unwrap();
        let early = sessions.create(username("a"), 0).unwrap();
        sessions.create(username("b"), 20 * MINUTE_MS).unwrap();
        sessions.create(username("c"), 20 * MINUTE_MS).unwrap();
        assert_eq!(
            sessions.create(username("d"), 25 * MINUTE_MS),
            Err(AuthSessionError::TooMany { limit: 3 })
        );
        // At 30 minutes the first has expired, making room.
        let late = sessions.create(username("d"), 30 * MINUTE_MS).unwrap();
        assert_eq!(sessions.len(), 3);
        assert_eq!(sessions.authenticate(early.as_str(), 30 * MINUTE_MS), None);
        assert_eq!(
            sessions.authenticate(late.as_str(), 30 * MINUTE_MS),
            Some(username("d"))
        );
        assert_eq!(
            sessions.create(username("e"), 31 * MINUTE_MS),
            Err(AuthSessionError::TooMany { limit: 3 })
        );
    }

    #[test]
    fn one_account_cannot_hold_more_than_its_share() {
        let mut sessions = AuthSessions::new(AuthSessionSettings {
            max_auth_sessions_per_account: 2,
            ..AuthSessionSettings::default()
        })
        .unwrap();
        let first = sessions.create(username("amina"), 0).unwrap();
        let second = sessions.create(username("amina"), 1).unwrap();
        // first is used later than second, so second is the least recently used.
        assert!(sessions.authenticate(first.as_str(), 2).is_some());
        let third = sessions.create(username("amina"), 3).unwrap();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions.authenticate(second.as_str(), 4), None);
        assert!(sessions.authenticate(first.as_str(), 4).is_some());
        assert!(sessions.authenticate(third.as_str(), 4).is_some());
        for now in 5..100 {
            sessions.create(username("amina"), now).unwrap();
        }
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions.by_username[&username("amina")].len(), 2);
    }

    #[test]
    fn remove_expired_frees_memory_and_the_index() {
        let mut sessions = AuthSessions::default();
        sessions.create(username("amina"), 0).unwrap();
        let kept = sessions.create(username("zaid"), 20 * MINUTE_MS).unwrap();
        assert_eq!(sessions.remove_expired(40 * MINUTE_MS), 1);
        assert_eq!(sessions.len(), 1);
        assert!(!sessions.by_username.contains_key(&username("amina")));
        assert!(sessions
            .authenticate(kept.as_str(), 40 * MINUTE_MS)
            .is_some());
    }

    #[test]
    fn settings_are_checked() {
        let zero = AuthSessionSettings {
            inactivity_timeout_ms: 0,
            ..AuthSessionSettings::default()
        };
        assert_eq!(
            AuthSessions::new(zero).unwrap_err(),
            SettingsError::Zero {
                setting: "inactivity_timeout_ms"
            }
        );
        let per_account_above_total = AuthSessionSettings {
            max_auth_sessions: 10,
            max_auth_sessions_per_account: 11,
            ..AuthSessionSettings::default()
        };
        assert!(matches!(
            AuthSessions::new(per_account_above_total),
            Err(SettingsError::TooLarge { .. })
        ));
    }
}
