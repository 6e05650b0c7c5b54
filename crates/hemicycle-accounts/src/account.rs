//! Accounts: who may sign in, as what, with which credentials.

use std::fmt;

use hemicycle_core::ids::MemberId;
use hemicycle_core::Actor;
use serde::{Deserialize, Serialize};

use crate::credential::HASH_LENGTH_MAX_BYTES;
use crate::username::Username;

/// The longest display name, in characters (the limit on names everywhere in hemicycle).
pub const DISPLAY_NAME_LENGTH_MAX: usize = 200;

/// What an account may do once signed in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// Keeps the roster, the motions and the register.
    Clerk,
    /// Runs sittings.
    PresidingOfficer,
    /// Acts as exactly this member, and no other.
    Member(MemberId),
}

/// One account.
///
/// The credentials are stored only as hashes: `password_hash` and `pin_hash` are Argon2id
/// PHC strings (see [`CredentialHasher`](crate::CredentialHasher)), `login_code_digest` is
/// the lower-case hex SHA-256 of a member's login code (see
/// [`login_code_digest`](crate::login_code_digest)). An account without any credential
/// exists but cannot sign in.
///
/// `Debug` shows whether each credential is set, not the hashes, so that accounts can be
/// logged without handing out material for offline guessing.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub username: Username,
    /// How the account is shown to people, e.g. "Amina Hassan (clerk)".
    pub display_name: String,
    pub role: AccountRole,
    /// Argon2id PHC string of the password (clerks and presiding officers).
    pub password_hash: Option<String>,
    /// Argon2id PHC string of the PIN (members).
    pub pin_hash: Option<String>,
    /// Lower-case hex SHA-256 of the login code (members); unique among accounts.
    pub login_code_digest: Option<String>,
    /// When the account was created, in milliseconds since the Unix epoch.
    pub created_at_ms: u64,
}

/// Why an account's fields are not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountInvalid {
    #[error("the display name cannot be empty or blank")]
    DisplayNameEmpty,
    #[error(
        "the display name has {length} characters, more than the limit of {DISPLAY_NAME_LENGTH_MAX}"
    )]
    DisplayNameTooLong { length: usize },
    #[error("the display name cannot contain control characters such as line breaks")]
    DisplayNameControlCharacter,
    #[error(
        "the {field} is {length} bytes long, more than the limit of {HASH_LENGTH_MAX_BYTES} bytes"
    )]
    HashTooLong { field: &'static str, length: usize },
    #[error("the {field} is not a PHC string (printable ASCII starting with '$')")]
    HashNotPhc { field: &'static str },
    #[error("the login code digest must be 64 lower-case hexadecimal digits (a SHA-256)")]
    MalformedLoginCodeDigest,
    #[error("the creation time {created_at_ms} ms is out of range")]
    CreatedAtOutOfRange { created_at_ms: u64 },
}

/// The latest creation time accepted: the largest value a 64-bit signed integer holds,
/// so that every store (SQLite's integers are signed) keeps it exactly.
const CREATED_AT_MAX_MS: u64 = i64::MAX as u64;

impl Account {
    /// An account without credentials, checked.
    pub fn new(
        username: Username,
        display_name: impl Into<String>,
        role: AccountRole,
        created_at_ms: u64,
    ) -> Result<Account, AccountInvalid> {
        let account = Account {
            username,
            display_name: display_name.into(),
            role,
            password_hash: None,
            pin_hash: None,
            login_code_digest: None,
            created_at_ms,
        };
        account.check()?;
        Ok(account)
    }

    /// Who the account acts as in the journal.
    pub fn actor(&self) -> Actor {
        match &self.role {
            AccountRole::Clerk => Actor::Clerk(self.username.to_string()),
            AccountRole::PresidingOfficer => Actor::PresidingOfficer(self.username.to_string()),
            AccountRole::Member(member) => Actor::Member(member.clone()),
        }
    }

    /// The member this account acts as, if it is a member's account.
    pub fn member(&self) -> Option<&MemberId> {
        match &self.role {
            AccountRole::Member(member) => Some(member),
            AccountRole::Clerk | AccountRole::PresidingOfficer => None,
        }
    }

    /// Checks every field's bounds and form. Stores call this before writing, so that
    /// whatever they hold is within bounds.
    pub fn check(&self) -> Result<(), AccountInvalid> {
        let display_name_length = self.display_name.chars().count();
        if self.display_name.trim().is_empty() {
            return Err(AccountInvalid::DisplayNameEmpty);
        }
        if display_name_length > DISPLAY_NAME_LENGTH_MAX {
            return Err(AccountInvalid::DisplayNameTooLong {
                length: display_name_length,
            });
        }
        if self.display_name.chars().any(char::is_control) {
            return Err(AccountInvalid::DisplayNameControlCharacter);
        }
        check_hash("password hash", self.password_hash.as_deref())?;
        check_hash("PIN hash", self.pin_hash.as_deref())?;
        if let Some(digest) = &self.login_code_digest {
            let well_formed = digest.len() == 64
                && digest
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
            if !well_formed {
                return Err(AccountInvalid::MalformedLoginCodeDigest);
            }
        }
        if self.created_at_ms > CREATED_AT_MAX_MS {
            return Err(AccountInvalid::CreatedAtOutOfRange {
                created_at_ms: self.created_at_ms,
            });
        }
        Ok(())
    }
}

/// Checks the outward form of a stored hash; whether it parses is checked when it is used.
fn check_hash(field: &'static str, hash: Option<&str>) -> Result<(), AccountInvalid> {
    let Some(hash) = hash else {
        return Ok(());
    };
    if hash.len() > HASH_LENGTH_MAX_BYTES {
        return Err(AccountInvalid::HashTooLong {
            field,
            length: hash.len(),
        });
    }
    if !hash.starts_with('$') || !hash.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err(AccountInvalid::HashNotPhc { field });
    }
    Ok(())
}

impl fmt::Debug for Account {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |credential: &Option<String>| match credential {
            Some(_) => "set",
            None => "none",
        };
        formatter
            .debug_struct("Account")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("password_hash", &shown(&self.password_hash))
            .field("pin_hash", &shown(&self.pin_hash))
            .field("login_code_digest", &shown(&self.login_code_digest))
            .field("created_at_ms", &self.created_at_ms)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn username(text: &str) -> Username {
        Username::new(text).unwrap()
    }

    #[test]
    fn actors_follow_the_role() {
        let clerk = Account::new(username("amina"), "Amina", AccountRole::Clerk, 0).unwrap();
        assert_eq!(clerk.actor(), Actor::Clerk("amina".to_owned()));
        assert_eq!(clerk.actor().to_string(), "clerk:amina");
        assert_eq!(clerk.member(), None);

        let officer = Account::new(
            username("speaker"),
            "The Speaker",
            AccountRole::PresidingOfficer,
            0,
        )
        .unwrap();
        assert_eq!(officer.actor().to_string(), "officer:speaker");

        let member_id = MemberId::new("sairoon-12").unwrap();
        // The username need not be the member id: the member id decides the actor.
        let member = Account::new(
            username("hassan"),
            "Hassan",
            AccountRole::Member(member_id.clone()),
            0,
        )
        .unwrap();
        assert_eq!(member.actor(), Actor::Member(member_id.clone()));
        assert_eq!(member.member(), Some(&member_id));
        assert_eq!(
            Actor::parse(&member.actor().to_string()),
            Ok(member.actor())
        );
    }

    #[test]
    fn fields_are_bounded() {
        let account = |display_name: &str| {
            Account::new(username("amina"), display_name, AccountRole::Clerk, 0)
        };
        assert_eq!(account("  "), Err(AccountInvalid::DisplayNameEmpty));
        assert_eq!(
            account(&"é".repeat(201)),
            Err(AccountInvalid::DisplayNameTooLong { length: 201 })
        );
        assert!(account(&"é".repeat(200)).is_ok());
        assert_eq!(
            account("Amina\nHassan"),
            Err(AccountInvalid::DisplayNameControlCharacter)
        );

        let mut good = account("Amina").unwrap();
        good.password_hash = Some("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA".to_owned());
        good.login_code_digest = Some("ab".repeat(32));
        assert_eq!(good.check(), Ok(()));

        let mut bad = good.clone();
        bad.login_code_digest = Some("AB".repeat(32));
        assert_eq!(bad.check(), Err(AccountInvalid::MalformedLoginCodeDigest));
        let mut bad = good.clone();
        bad.pin_hash = Some("plain text".to_owned());
        assert_eq!(
            bad.check(),
            Err(AccountInvalid::HashNotPhc { field: "PIN hash" })
        );
        let mut bad = good.clone();
        bad.password_hash = Some(format!("${}", "a".repeat(HASH_LENGTH_MAX_BYTES)));
        assert!(matches!(
            bad.check(),
            Err(AccountInvalid::HashTooLong {
                field: "password hash",
                ..
            })
        ));
        let mut bad = good;
        bad.created_at_ms = u64::MAX;
        assert!(matches!(
            bad.check(),
            Err(AccountInvalid::CreatedAtOutOfRange { .. })
        ));
    }

    #[test]
    fn debug_hides_the_hashes() {
        let mut account = Account::new(username("amina"), "Amina", AccountRole::Clerk, 0).unwrap();
        account.password_hash = Some("$argon2id$secret-looking".to_owned());
        let shown = format!("{account:?}");
        assert!(!shown.contains("secret-looking"), "{shown}");
        assert!(shown.contains("password_hash: \"set\""), "{shown}");
    }
}
