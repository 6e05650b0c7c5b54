//! Signing in: checking credentials against the store, and issuing members' logins.

use std::fmt;

use crate::account::{Account, AccountRole};
use crate::credential::{generate_login_code, generate_pin, login_code_digest, CredentialHasher};
use crate::store::{AccountError, AccountStore};
use crate::username::Username;

/// A member's new login, to be handed to the member once and then forgotten: only its
/// digest and hash are kept (in the [`Account`] returned beside it).
///
/// `Debug` hides both values so that a stray log line does not leak them.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedLogin {
    /// Goes into the login link; [`LOGIN_CODE_LENGTH`](crate::LOGIN_CODE_LENGTH)
    /// characters of [`LOGIN_CODE_ALPHABET`](crate::LOGIN_CODE_ALPHABET).
    pub login_code: String,
    /// Told to the member; [`PIN_LENGTH`](crate::PIN_LENGTH) digits.
    pub pin: String,
}

impl fmt::Debug for IssuedLogin {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("IssuedLogin")
            .field("login_code", &"<hidden>")
            .field("pin", &"<hidden>")
            .finish()
    }
}

/// Draws a new login code and PIN for a member's account and returns the account with
/// their digest and hash in place of any earlier ones, and the login to hand over.
///
/// Nothing is stored: the caller writes the account ([`AccountStore::create`] for a new
/// account, [`AccountStore::replace`] for an existing one), and, when reissuing, ends the
/// member's auth sessions ([`AuthSessions::destroy_all_for`](crate::AuthSessions::destroy_all_for)),
/// since whoever held the old link may be signed in. A password the account has is kept.
pub fn issue_member_login(
    hasher: &CredentialHasher,
    account: &Account,
) -> Result<(Account, IssuedLogin), AccountError> {
    if !matches!(account.role, AccountRole::Member(_)) {
        return Err(AccountError::NotAMember(account.username.clone()));
    }
    let login_code = generate_login_code()?;
    let pin = generate_pin()?;
    let mut updated = account.clone();
    updated.login_code_digest = Some(login_code_digest(&login_code)?);
    updated.pin_hash = Some(hasher.hash_pin(&pin)?);
    updated.check().map_err(|problem| AccountError::Invalid {
        username: updated.username.clone(),
        problem,
    })?;
    Ok((updated, IssuedLogin { login_code, pin }))
}

/// Signs in with a username and password: the account if both are right, `None` if
/// anything is wrong (unknown or malformed username, no password set, wrong password),
/// without saying which, and in about the same time whichever it is.
///
/// Errors are for the store failing or a stored hash being unreadable. The caller checks
/// the [`LoginLimiter`](crate::LoginLimiter) before and reports the outcome to it after.
pub fn sign_in_with_password(
    store: &dyn AccountStore,
    hasher: &CredentialHasher,
    username: &str,
    password: &str,
) -> Result<Option<Account>, AccountError> {
    let account = match Username::new(username) {
        Ok(username) => store.find(&username)?,
        Err(_) => None,
    };
    let Some((account, hash)) =
        account.and_then(|account| Some((account.clone(), account.password_hash?)))
    else {
        hasher.verify_against_dummy(password)?;
        return Ok(None);
    };
    Ok(hasher.verify(&hash, password)?.then_some(account))
}

/// Signs in with a member's login code (from the link) and PIN: the account if both are
/// right, `None` if anything is wrong (malformed or unknown code, no PIN set, wrong PIN),
/// without saying which, and in about the same time whichever it is.
///
/// Errors are for the store failing or a stored hash being unreadable. The caller checks
/// the [`LoginLimiter`](crate::LoginLimiter) before (keyed by the login code and by the
/// client's address) and reports the outcome to it after.
pub fn sign_in_with_login_code(
    store: &dyn AccountStore,
    hasher: &CredentialHasher,
    login_code: &str,
    pin: &str,
) -> Result<Option<Account>, AccountError> {
    let account = match login_code_digest(login_code) {
        Ok(digest) => store.find_by_login_code_digest(&digest)?,
        Err(_) => None,
    };
    // Only members sign in this way; a store keeps codes only for them, but the check is
    // cheap and the consequence of a mistake (a clerk's powers by PIN) is not.
    let account = account.filter(|account| matches!(account.role, AccountRole::Member(_)));
    let Some((account, hash)) =
        account.and_then(|account| Some((account.clone(), account.pin_hash?)))
    else {
        hasher.verify_against_dummy(pin)?;
        return Ok(None);
    };
    Ok(hasher.verify(&hash, pin)?.then_some(account))
}

#[cfg(test)]
mod tests {
    use hemicycle_core::ids::MemberId;

    use super::*;
    use crate::credential::{Argon2Cost, LOGIN_CODE_LENGTH, PIN_LENGTH};
    use crate::memory::MemoryAccountStore;

    fn hasher() -> CredentialHasher {
        CredentialHasher::new(Argon2Cost::FAST_FOR_TESTS).unwrap()
    }

    fn clerk_with_password(hasher: &CredentialHasher) -> Account {
        let mut amina = Account::new(
            Username::new("amina").unwrap(),
            "Amina",
            AccountRole::Clerk,
            0,
        )
        .unwrap();
        amina.password_hash = Some(hasher.hash_password("correct horse battery").unwrap());
        amina
    }

    fn member() -> Account {
        Account::new(
            Username::new("hassan").unwrap(),
            "Hassan",
            AccountRole::Member(MemberId::new("sairoon-12").unwrap()),
            0,
        )
        .unwrap()
    }

    #[test]
    fn password_sign_in_accepts_only_the_right_password() {
        let hasher = hasher();
        let mut store = MemoryAccountStore::new();
        let amina = clerk_with_password(&hasher);
        store.create(&amina).unwrap();
        store
            .create(
                &Account::new(
                    Username::new("zaid").unwrap(),
                    "Zaid",
                    AccountRole::Clerk,
                    0,
                )
                .unwrap(),
            )
            .unwrap();

        let sign_in = |username: &str, password: &str| {
            sign_in_with_password(&store, &hasher, username, password).unwrap()
        };
        assert_eq!(sign_in("amina", "correct horse battery"), Some(amina));
        assert_eq!(sign_in("amina", "wrong horse battery"), None);
        assert_eq!(sign_in("amina", ""), None);
        assert_eq!(sign_in("nobody", "correct horse battery"), None);
        assert_eq!(sign_in("Not A Username", "correct horse battery"), None);
        // An account without a password cannot sign in with one.
        assert_eq!(sign_in("zaid", "correct horse battery"), None);
    }

    #[test]
    fn a_tampered_stored_hash_is_an_error() {
        let hasher = hasher();
        let mut store = MemoryAccountStore::new();
        let mut amina = clerk_with_password(&hasher);
        amina.password_hash = Some("$argon2id$v=19$m=8,t=1,p=1$!!!$???".to_owned());
        store.create(&amina).unwrap();
        assert!(matches!(
            sign_in_with_password(&store, &hasher, "amina", "correct horse battery"),
            Err(AccountError::Credential(_))
        ));
    }

    #[test]
    fn issued_logins_sign_in_and_wrong_pins_do_not() {
        let hasher = hasher();
        let mut store = MemoryAccountStore::new();
        let (hassan, issued) = issue_member_login(&hasher, &member()).unwrap();
        assert_eq!(issued.login_code.len(), LOGIN_CODE_LENGTH);
        assert_eq!(issued.pin.len(), PIN_LENGTH);
        assert_eq!(
            hassan.login_code_digest,
            Some(login_code_digest(&issued.login_code).unwrap())
        );
        // The PIN is stored hashed, not as is.
        let pin_hash = hassan.pin_hash.clone().unwrap();
        assert!(pin_hash.starts_with("$argon2id$"), "{pin_hash}");
        assert!(hasher.verify(&pin_hash, &issued.pin).unwrap());
        store.create(&hassan).unwrap();

        let sign_in =
            |code: &str, pin: &str| sign_in_with_login_code(&store, &hasher, code, pin).unwrap();
        assert_eq!(sign_in(&issued.login_code, &issued.pin), Some(hassan));
        // Typed in lower case with hyphens, the code still works.
        let typed = issued.login_code.to_lowercase();
        let typed = format!("{}-{}", &typed[..10], &typed[10..]);
        assert!(sign_in(&typed, &issued.pin).is_some());

        let wrong_pin = if issued.pin == "000000" {
            "000001"
        } else {
            "000000"
        };
        assert_eq!(sign_in(&issued.login_code, wrong_pin), None);
        assert_eq!(sign_in(&issued.login_code, ""), None);
        let other_code = generate_login_code().unwrap();
        assert_eq!(sign_in(&other_code, &issued.pin), None);
        assert_eq!(sign_in("not a code", &issued.pin), None);
        assert_eq!(sign_in(&"x".repeat(100_000), &"1".repeat(100_000)), None);
    }

    #[test]
    fn only_members_are_issued_logins() {
        let hasher = hasher();
        let amina = clerk_with_password(&hasher);
        assert!(matches!(
            issue_member_login(&hasher, &amina),
            Err(AccountError::NotAMember(username)) if username.as_str() == "amina"
        ));
        // Reissuing keeps everything but the code and PIN.
        let (first, _) = issue_member_login(&hasher, &member()).unwrap();
        let (second, _) = issue_member_login(&hasher, &first).unwrap();
        assert_ne!(first.login_code_digest, second.login_code_digest);
        assert_ne!(first.pin_hash, second.pin_hash);
        assert_eq!(
            (first.username, first.role, first.display_name),
            (second.username, second.role, second.display_name)
        );
    }

    #[test]
    fn a_clerk_given_a_code_still_cannot_sign_in_by_pin() {
        let hasher = hasher();
        let mut store = MemoryAccountStore::new();
        let mut amina = clerk_with_password(&hasher);
        let code = generate_login_code().unwrap();
        amina.login_code_digest = Some(login_code_digest(&code).unwrap());
        amina.pin_hash = Some(hasher.hash_pin("123456").unwrap());
        store.create(&amina).unwrap();
        assert_eq!(
            sign_in_with_login_code(&store, &hasher, &code, "123456").unwrap(),
            None
        );
    }

    #[test]
    fn issued_logins_do_not_show_in_debug() {
        let issued = IssuedLogin {
            login_code: "7K3QW9ZD2MX4HNB0R8TV".to_owned(),
            pin: "123456".to_owned(),
        };
        let shown = format!("{issued:?}");
        assert!(
            !shown.contains("7K3QW") && !shown.contains("123456"),
            "{shown}"
        );
    }
}
