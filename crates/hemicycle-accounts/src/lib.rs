//! Who may sign in to hemicycle's server, and how.
//!
//! This crate knows accounts, credentials, auth sessions and login rate limits, but not
//! HTTP: the web layer turns requests into calls here and keeps the cookies and routes.
//! Nothing here reads a clock: every function that needs the time takes `now_ms`,
//! milliseconds since the Unix epoch, so tests control time.
//!
//! # Accounts and roles
//!
//! An [`Account`] has a [`Username`] (a slug with the same rules as a
//! [`MemberId`](hemicycle_core::ids::MemberId), so that it can name an
//! [`Actor`](hemicycle_core::Actor)), a display name and an [`AccountRole`]: a clerk, a
//! presiding officer, or a member, who acts as exactly one `MemberId`. A member has at most
//! one account. The public needs no account. Accounts are kept by an [`AccountStore`]:
//! [`MemoryAccountStore`], [`SqliteAccountStore`] (tables `accounts` and
//! `accounts_meta`, beside the journal's tables in the same file) or
//! [`PostgresAccountStore`] (tables `accounts` and `accounts_migrations`, in a database
//! that several server nodes share); [`open_account_store`] picks one from a URL.
//!
//! # Signing in
//!
//! Clerks and presiding officers sign in with a username and a password of 10 to 256
//! characters, stored as an Argon2id hash in a PHC string ([`CredentialHasher`], cost
//! [`Argon2Cost::RECOMMENDED`], OWASP's m = 19 MiB, t = 2, p = 1).
//!
//! Members sign in on their phones, where typing a username and a long password is slow
//! and error-prone, so the design is a login link plus a PIN:
//!
//! 1. The clerk issues the member a login with [`issue_member_login`]. It draws a
//!    **login code** of 20 characters of Crockford's base 32 (100 random bits; no `I`,
//!    `L`, `O` or `U`, so it survives being read aloud or retyped) and a **PIN** of 6
//!    digits, both uniformly at random from the operating system.
//! 2. The code goes into a link (say `https://…/login/7K3Q…`), handed to the member with
//!    the PIN; both are shown once and never stored. Issuing again replaces both, so a lost
//!    phone or a leaked link is dealt with by reissuing (and by ending the member's auth
//!    sessions with [`AuthSessions::destroy_all_for`]).
//! 3. The member opens the link and types the PIN; [`sign_in_with_login_code`] finds the
//!    account by the code and checks the PIN.
//!
//! What is stored: the **SHA-256 of the login code** ([`login_code_digest`]) and the
//! **Argon2id hash of the PIN**. The code carries 100 bits of entropy, so a fast digest
//! cannot be reversed by guessing and lets the store look the account up by code; a slow,
//! salted hash would make that lookup impossible. The PIN, with only a million values, is
//! hashed slowly, but its real protection is elsewhere: guessing it online needs the code
//! (two factors: something in the link, something told), and [`LoginLimiter`] allows only
//! a few failures per code and per client address in each window. Someone who steals the
//! database gets neither a code nor a usable PIN hash without the code.
//!
//! Whatever the credential, a wrong username, code, password or PIN all give the same
//! answer (`Ok(None)`), and an unknown username or code still costs one Argon2id
//! verification, so responses do not tell which accounts exist.
//!
//! # After signing in
//!
//! A successful sign-in becomes an **auth session** (never just "session": a sitting is a
//! meeting of the chamber). [`AuthSessions`] hands out a random token for the cookie and
//! keeps only its SHA-256, with an inactivity timeout, an absolute lifetime and caps on the
//! number of live auth sessions, overall and per account.
//!
//! # Example: a member signs in
//!
//! ```
//! use hemicycle_accounts::{
//!     issue_member_login, sign_in_with_login_code, Account, AccountRole, AccountStore,
//!     Argon2Cost, AuthSessions, CredentialHasher, LoginLimiter, MemoryAccountStore, Username,
//! };
//! use hemicycle_core::ids::MemberId;
//!
//! // Argon2Cost::RECOMMENDED on a server.
//! let hasher = CredentialHasher::new(Argon2Cost::FAST_FOR_TESTS)?;
//! let mut store = MemoryAccountStore::new();
//! let mut sessions = AuthSessions::default();
//! let mut limiter = LoginLimiter::default();
//!
//! // The clerk creates the member's account and hands over the link and the PIN.
//! let member_id = MemberId::new("sairoon-12")?;
//! let account = Account::new(Username::new("hassan")?, "Hassan", AccountRole::Member(member_id), 0)?;
//! let (account, login) = issue_member_login(&hasher, &account)?;
//! store.create(&account)?;
//!
//! // The member opens the link and types the PIN.
//! let now_ms = 1_578_230_700_000;
//! let key = format!("code:{}", login.login_code);
//! limiter.check(&key, now_ms)?;
//! let signed_in = sign_in_with_login_code(&store, &hasher, &login.login_code, &login.pin)?;
//! let Some(signed_in) = signed_in else {
//!     limiter.record_failure(&key, now_ms);
//!     panic!("the issued login is right");
//! };
//! limiter.record_success(&key);
//! let token = sessions.create(signed_in.username.clone(), now_ms)?;
//!
//! // Each later request carries the token in a cookie.
//! let username = sessions.authenticate(token.as_str(), now_ms + 60_000);
//! assert_eq!(username, Some(signed_in.username.clone()));
//! assert_eq!(signed_in.actor().to_string(), "member:sairoon-12");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod account;
mod auth_session;
pub mod contract;
mod credential;
mod limiter;
mod memory;
mod open;
mod postgres;
mod sign_in;
mod sqlite;
mod store;
mod username;

pub use crate::postgres::redact_url;
pub use crate::postgres::{
    PostgresAccountStore, PostgresError, APPLICATION_NAME, CONNECT_TIMEOUT_MS, LOCK_TIMEOUT_MS,
    POSTGRES_FORMAT_VERSION, STATEMENT_TIMEOUT_MS, TCP_USER_TIMEOUT_MS,
};
pub use account::{Account, AccountInvalid, AccountRole, DISPLAY_NAME_LENGTH_MAX};
pub use auth_session::{
    AuthSessionError, AuthSessionSettings, AuthSessionToken, AuthSessions, AUTH_SESSION_TOKEN_BYTES,
};
pub use credential::{
    check_password_rules, check_pin_rules, generate_login_code, generate_pin, login_code_digest,
    normalize_login_code, Argon2Cost, CredentialError, CredentialHasher,
    CANDIDATE_LENGTH_MAX_BYTES, HASH_LENGTH_MAX_BYTES, LOGIN_CODE_ALPHABET, LOGIN_CODE_LENGTH,
    PASSWORD_LENGTH_MAX, PASSWORD_LENGTH_MIN, PIN_LENGTH, PIN_LENGTH_MAX, PIN_LENGTH_MIN,
};
pub use limiter::{LoginLimiter, LoginLimiterSettings, RetryAfter};
pub use memory::MemoryAccountStore;
pub use open::open_account_store;
pub use sign_in::{
    issue_member_login, sign_in_with_login_code, sign_in_with_password, IssuedLogin,
};
pub use sqlite::{SqliteAccountStore, BUSY_TIMEOUT_MS, FORMAT_VERSION};
pub use store::{AccountError, AccountStore, MAX_ACCOUNTS};
pub use username::{Username, UsernameError, USERNAME_LENGTH_MAX};

/// Why settings for [`AuthSessions`] or [`LoginLimiter`] were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("{setting} must be greater than zero")]
    Zero { setting: &'static str },
    #[error("{setting} is {value}, more than the limit of {max}")]
    TooLarge {
        setting: &'static str,
        value: u64,
        max: u64,
    },
}

/// Checks that a setting is positive and at most `max`.
fn check_setting(setting: &'static str, value: u64, max: u64) -> Result<(), SettingsError> {
    if value == 0 {
        return Err(SettingsError::Zero { setting });
    }
    if value > max {
        return Err(SettingsError::TooLarge {
            setting,
            value,
            max,
        });
    }
    Ok(())
}
