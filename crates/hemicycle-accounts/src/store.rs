//! Where accounts are kept.

use std::path::PathBuf;

use hemicycle_core::ids::MemberId;

use crate::account::{Account, AccountInvalid};
use crate::credential::CredentialError;
use crate::username::Username;

/// The most accounts a store holds. A chamber has at most 100,000 seats, and a
/// member has at most one account, so this is room for every member plus staff of a
/// chamber of any size hemicycle allows; it also bounds [`AccountStore::list`].
pub const MAX_ACCOUNTS: usize = 100_000;

/// Keeps accounts. Every backend passes [`crate::contract::run_account_store_contract`].
///
/// Invariants every backend keeps: usernames are unique; a member has at most one
/// account (unique on the member id); a login code digest belongs to at most one account;
/// at most [`MAX_ACCOUNTS`] accounts; every stored account passed [`Account::check`].
pub trait AccountStore: Send {
    /// Adds a new account. Refused if the username, the member or the login code digest
    /// is already taken, or the store is full.
    fn create(&mut self, account: &Account) -> Result<(), AccountError>;

    /// Replaces the account with the same username (to change its role, display name or
    /// credentials). Refused if there is no such account, or if its new member or login
    /// code digest belongs to another account.
    fn replace(&mut self, account: &Account) -> Result<(), AccountError>;

    fn find(&self, username: &Username) -> Result<Option<Account>, AccountError>;

    /// The account whose login code has this digest (see
    /// [`login_code_digest`](crate::login_code_digest)).
    fn find_by_login_code_digest(&self, digest: &str) -> Result<Option<Account>, AccountError>;

    /// The account of this member, if there is one.
    fn find_by_member(&self, member: &MemberId) -> Result<Option<Account>, AccountError>;

    /// Every account, ordered by username (at most [`MAX_ACCOUNTS`]).
    fn list(&self) -> Result<Vec<Account>, AccountError>;

    /// Removes an account; whether there was one. The caller also ends its auth sessions
    /// ([`AuthSessions::destroy_all_for`](crate::AuthSessions::destroy_all_for)).
    fn delete(&mut self, username: &Username) -> Result<bool, AccountError>;

    fn count(&self) -> Result<usize, AccountError>;
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("there is already an account named {0}")]
    UsernameTaken(Username),
    #[error("member {member} already has an account, {username}; a member has at most one")]
    MemberHasAccount {
        member: MemberId,
        username: Username,
    },
    #[error("that login code already belongs to another account; issue a new one")]
    LoginCodeInUse,
    #[error("there is no account named {0}")]
    NotFound(Username),
    #[error("there are already {MAX_ACCOUNTS} accounts, the most hemicycle keeps")]
    TooManyAccounts,
    #[error("account {username}: {problem}")]
    Invalid {
        username: Username,
        problem: AccountInvalid,
    },
    #[error("account {0} is not a member's account; only members sign in with a login code")]
    NotAMember(Username),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    #[error("cannot open the account database at {path:?}: {source}")]
    Open {
        path: PathBuf,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("account database error while {operation}: {source}")]
    Database {
        operation: &'static str,
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Postgres(#[from] crate::postgres::PostgresError),
    #[error("unsupported account database URL {url:?}: {reason}")]
    UnsupportedUrl { url: String, reason: &'static str },
    #[error("the account database holds an unreadable row: {reason}")]
    Corrupt { reason: String },
    #[error(
        "the account tables have format version {found:?}, but this build reads version {supported}"
    )]
    UnknownFormatVersion { found: String, supported: u32 },
}

/// Checks an account before a store writes it.
pub(crate) fn check_account(account: &Account) -> Result<(), AccountError> {
    account.check().map_err(|problem| AccountError::Invalid {
        username: account.username.clone(),
        problem,
    })
}
