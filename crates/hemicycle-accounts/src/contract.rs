//! The account store contract: what every [`AccountStore`] backend must do.
//!
//! Each check is a plain function taking a fresh, empty store, and panics (like a test)
//! when the store breaks the contract. [`run_account_store_contract`] runs them all; a
//! new backend calls it from one test. Checks that only some backends can make
//! (persistence across reopening, the cap on accounts filled in bulk) live beside the
//! backend.

use hemicycle_core::ids::MemberId;

use crate::account::{Account, AccountRole};
use crate::credential::{login_code_digest, Argon2Cost, CredentialHasher};
use crate::sign_in::{issue_member_login, sign_in_with_login_code};
use crate::store::{AccountError, AccountStore};
use crate::username::Username;

/// One check of the contract, given a fresh, empty store.
pub type Check = fn(&mut dyn AccountStore);

/// Runs every check, each on a new store from `make`.
pub fn run_account_store_contract<S: AccountStore>(make: impl Fn() -> S) {
    let checks: [(&str, Check); 10] = [
        ("empty_store_has_nothing", empty_store_has_nothing),
        (
            "created_accounts_are_found_as_written",
            created_accounts_are_found_as_written,
        ),
        ("a_username_is_taken_once", a_username_is_taken_once),
        (
            "a_member_has_at_most_one_account",
            a_member_has_at_most_one_account,
        ),
        (
            "accounts_are_found_by_login_code_digest",
            accounts_are_found_by_login_code_digest,
        ),
        (
            "replace_changes_an_existing_account",
            replace_changes_an_existing_account,
        ),
        ("list_is_ordered_by_username", list_is_ordered_by_username),
        ("delete_removes_and_frees", delete_removes_and_frees),
        ("invalid_accounts_are_refused", invalid_accounts_are_refused),
        (
            "reissuing_a_login_replaces_code_and_pin",
            reissuing_a_login_replaces_code_and_pin,
        ),
    ];
    for (name, check) in checks {
        let mut store = make();
        // Name the failing check: the panic message of the assertion alone may not.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&mut store)));
        if let Err(panic) = outcome {
            eprintln!("account store contract check {name} failed");
            std::panic::resume_unwind(panic);
        }
    }
}

fn username(text: &str) -> Username {
    Username::new(text).expect("valid username")
}

fn member_id(text: &str) -> MemberId {
    MemberId::new(text).expect("valid member id")
}

fn clerk(name: &str) -> Account {
    Account::new(
        username(name),
        format!("Clerk {name}"),
        AccountRole::Clerk,
        1_000,
    )
    .expect("valid account")
}

fn member(name: &str, member: &str) -> Account {
    Account::new(
        username(name),
        format!("Member {name}"),
        AccountRole::Member(member_id(member)),
        2_000,
    )
    .expect("valid account")
}

/// A digest-shaped string made of one repeated hex digit.
fn digest(digit: char) -> String {
    digit.to_string().repeat(64)
}

const SOME_HASH: &str = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";

pub fn empty_store_has_nothing(store: &mut dyn AccountStore) {
    assert_eq!(store.count().unwrap(), 0);
    assert_eq!(store.list().unwrap(), vec![]);
    assert_eq!(store.find(&username("amina")).unwrap(), None);
    assert_eq!(store.find_by_login_code_digest(&digest('a')).unwrap(), None);
    assert_eq!(store.find_by_member(&member_id("sairoon-1")).unwrap(), None);
    assert!(!store.delete(&username("amina")).unwrap());
}

pub fn created_accounts_are_found_as_written(store: &mut dyn AccountStore) {
    let mut amina = clerk("amina");
    amina.password_hash = Some(SOME_HASH.to_owned());
    amina.display_name = "Amina Hassan — كاتبة".to_owned();
    let speaker = Account::new(
        username("speaker"),
        "The Speaker",
        AccountRole::PresidingOfficer,
        u64::try_from(i64::MAX).unwrap(),
    )
    .unwrap();
    let mut hassan = member("hassan", "sairoon-12");
    hassan.pin_hash = Some(SOME_HASH.to_owned());
    hassan.login_code_digest = Some(digest('0'));
    for account in [&amina, &speaker, &hassan] {
        store.create(account).unwrap();
    }
    assert_eq!(store.count().unwrap(), 3);
    for account in [&amina, &speaker, &hassan] {
        assert_eq!(
            store.find(&account.username).unwrap().as_ref(),
            Some(account)
        );
    }
    assert_eq!(
        store.find_by_member(&member_id("sairoon-12")).unwrap(),
        Some(hassan)
    );
    assert_eq!(store.find(&username("nobody")).unwrap(), None);
}

pub fn a_username_is_taken_once(store: &mut dyn AccountStore) {
    store.create(&clerk("amina")).unwrap();
    let mut again = member("amina", "sairoon-1");
    again.display_name = "Someone else".to_owned();
    assert!(matches!(
        store.create(&again),
        Err(AccountError::UsernameTaken(taken)) if taken.as_str() == "amina"
    ));
    assert_eq!(store.count().unwrap(), 1);
    assert_eq!(
        store.find(&username("amina")).unwrap(),
        Some(clerk("amina"))
    );
    // The refused account's member was not claimed.
    assert_eq!(store.find_by_member(&member_id("sairoon-1")).unwrap(), None);
}

pub fn a_member_has_at_most_one_account(store: &mut dyn AccountStore) {
    store.create(&member("hassan", "sairoon-12")).unwrap();
    let refused = store.create(&member("hassan2", "sairoon-12"));
    assert!(
        matches!(
            &refused,
            Err(AccountError::MemberHasAccount { member, username })
                if member.as_str() == "sairoon-12" && username.as_str() == "hassan"
        ),
        "{refused:?}"
    );
    assert_eq!(store.count().unwrap(), 1);
    // Nor can another account be turned into that member.
    store.create(&clerk("amina")).unwrap();
    assert!(matches!(
        store.replace(&member("amina", "sairoon-12")),
        Err(AccountError::MemberHasAccount { .. })
    ));
    assert_eq!(
        store.find(&username("amina")).unwrap(),
        Some(clerk("amina"))
    );
    // The member's own account may be replaced, keeping the member.
    let mut renamed = member("hassan", "sairoon-12");
    renamed.display_name = "Hassan Ali".to_owned();
    store.replace(&renamed).unwrap();
    assert_eq!(
        store.find_by_member(&member_id("sairoon-12")).unwrap(),
        Some(renamed)
    );
    // Other members are free; clerks have no member and do not collide with each other.
    store.create(&member("layla", "sairoon-13")).unwrap();
    store.create(&clerk("zaid")).unwrap();
    assert_eq!(store.count().unwrap(), 4);
}

pub fn accounts_are_found_by_login_code_digest(store: &mut dyn AccountStore) {
    let mut hassan = member("hassan", "sairoon-12");
    hassan.login_code_digest = Some(digest('a'));
    let mut layla = member("layla", "sairoon-13");
    layla.login_code_digest = Some(digest('b'));
    store.create(&hassan).unwrap();
    store.create(&layla).unwrap();
    store.create(&member("omar", "sairoon-14")).unwrap();
    assert_eq!(
        store.find_by_login_code_digest(&digest('a')).unwrap(),
        Some(hassan.clone())
    );
    assert_eq!(
        store.find_by_login_code_digest(&digest('b')).unwrap(),
        Some(layla)
    );
    assert_eq!(store.find_by_login_code_digest(&digest('c')).unwrap(), None);
    assert_eq!(store.find_by_login_code_digest("").unwrap(), None);
    // A digest belongs to one account.
    let mut omar = member("omar", "sairoon-14");
    omar.login_code_digest = Some(digest('a'));
    assert!(matches!(
        store.replace(&omar),
        Err(AccountError::LoginCodeInUse)
    ));
    let mut zaid = member("zaid", "sairoon-15");
    zaid.login_code_digest = Some(digest('a'));
    assert!(matches!(
        store.create(&zaid),
        Err(AccountError::LoginCodeInUse)
    ));
    assert_eq!(store.count().unwrap(), 3);
    // A new code replaces the old one, which then finds nothing.
    hassan.login_code_digest = Some(digest('d'));
    store.replace(&hassan).unwrap();
    assert_eq!(store.find_by_login_code_digest(&digest('a')).unwrap(), None);
    assert_eq!(
        store.find_by_login_code_digest(&digest('d')).unwrap(),
        Some(hassan)
    );
}

pub fn replace_changes_an_existing_account(store: &mut dyn AccountStore) {
    assert!(matches!(
        store.replace(&clerk("amina")),
        Err(AccountError::NotFound(missing)) if missing.as_str() == "amina"
    ));
    assert_eq!(store.count().unwrap(), 0);
    store.create(&clerk("amina")).unwrap();
    // Every field but the username may change, the role included.
    let mut changed = member("amina", "sairoon-1");
    changed.display_name = "Amina, now a member".to_owned();
    changed.pin_hash = Some(SOME_HASH.to_owned());
    changed.login_code_digest = Some(digest('e'));
    changed.created_at_ms = 5;
    store.replace(&changed).unwrap();
    assert_eq!(store.find(&username("amina")).unwrap(), Some(changed));
    // And back: the member is released.
    store.replace(&clerk("amina")).unwrap();
    assert_eq!(
        store.find(&username("amina")).unwrap(),
        Some(clerk("amina"))
    );
    assert_eq!(store.find_by_member(&member_id("sairoon-1")).unwrap(), None);
    assert_eq!(store.find_by_login_code_digest(&digest('e')).unwrap(), None);
    assert_eq!(store.count().unwrap(), 1);
}

pub fn list_is_ordered_by_username(store: &mut dyn AccountStore) {
    let names = ["zaid", "amina", "m.y", "m-y", "m_y", "0clerk", "layla"];
    for name in names {
        store.create(&clerk(name)).unwrap();
    }
    let listed: Vec<String> = store
        .list()
        .unwrap()
        .into_iter()
        .map(|account| account.username.to_string())
        .collect();
    let mut expected: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(store.count().unwrap(), names.len());
}

pub fn delete_removes_and_frees(store: &mut dyn AccountStore) {
    let mut hassan = member("hassan", "sairoon-12");
    hassan.login_code_digest = Some(digest('f'));
    store.create(&hassan).unwrap();
    store.create(&clerk("amina")).unwrap();
    assert!(store.delete(&username("hassan")).unwrap());
    assert!(!store.delete(&username("hassan")).unwrap());
    assert_eq!(store.find(&username("hassan")).unwrap(), None);
    assert_eq!(store.find_by_login_code_digest(&digest('f')).unwrap(), None);
    assert_eq!(
        store.find_by_member(&member_id("sairoon-12")).unwrap(),
        None
    );
    assert_eq!(store.count().unwrap(), 1);
    // The username, member and code are free again.
    let mut again = member("hassan", "sairoon-12");
    again.login_code_digest = Some(digest('f'));
    store.create(&again).unwrap();
    assert_eq!(store.count().unwrap(), 2);
}

pub fn invalid_accounts_are_refused(store: &mut dyn AccountStore) {
    let mut blank = clerk("amina");
    blank.display_name = " ".to_owned();
    assert!(matches!(
        store.create(&blank),
        Err(AccountError::Invalid { .. })
    ));
    let mut bad_digest = member("hassan", "sairoon-12");
    bad_digest.login_code_digest = Some("not a digest".to_owned());
    assert!(matches!(
        store.create(&bad_digest),
        Err(AccountError::Invalid { .. })
    ));
    assert_eq!(store.count().unwrap(), 0);
    store.create(&clerk("amina")).unwrap();
    assert!(matches!(
        store.replace(&blank),
        Err(AccountError::Invalid { .. })
    ));
    assert_eq!(
        store.find(&username("amina")).unwrap(),
        Some(clerk("amina"))
    );
}

pub fn reissuing_a_login_replaces_code_and_pin(store: &mut dyn AccountStore) {
    let hasher = CredentialHasher::new(Argon2Cost::FAST_FOR_TESTS).unwrap();
    let (hassan, first) = issue_member_login(&hasher, &member("hassan", "sairoon-12")).unwrap();
    store.create(&hassan).unwrap();
    let signed_in = sign_in_with_login_code(&*store, &hasher, &first.login_code, &first.pin)
        .unwrap()
        .expect("the issued code and PIN sign in");
    assert_eq!(signed_in.username.as_str(), "hassan");

    let (hassan, second) = issue_member_login(&hasher, &hassan).unwrap();
    assert_ne!(first.login_code, second.login_code);
    store.replace(&hassan).unwrap();
    assert_eq!(
        store
            .find_by_login_code_digest(&login_code_digest(&first.login_code).unwrap())
            .unwrap(),
        None
    );
    assert_eq!(
        sign_in_with_login_code(&*store, &hasher, &first.login_code, &first.pin).unwrap(),
        None
    );
    // The new code with the old PIN fails, unless the PINs happen to match (1 in 10^6).
    if first.pin != second.pin {
        assert_eq!(
            sign_in_with_login_code(&*store, &hasher, &second.login_code, &first.pin).unwrap(),
            None
        );
    }
    assert_eq!(
        sign_in_with_login_code(&*store, &hasher, &second.login_code, &second.pin)
            .unwrap()
            .map(|account| account.username),
        Some(username("hassan"))
    );
    assert_eq!(store.count().unwrap(), 1);
}
