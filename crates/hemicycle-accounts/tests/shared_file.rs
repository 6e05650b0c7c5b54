//! The account tables live in the journal's SQLite file: neither may disturb the other.

use hemicycle_accounts::{
    issue_member_login, sign_in_with_login_code, Account, AccountRole, AccountStore, Argon2Cost,
    CredentialHasher, SqliteAccountStore, Username,
};
use hemicycle_core::ids::MemberId;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{verify, Journal, NewEvent};

fn event(sitting: &str) -> NewEvent {
    NewEvent {
        recorded_at: "2020-01-05T16:25:00+03:00".to_owned(),
        actor: "clerk:amina".to_owned(),
        payload: format!(r#"{{"type":"sitting_opened","sitting":"{sitting}"}}"#).into_bytes(),
    }
}

#[test]
fn accounts_and_journal_share_one_file() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("hemicycle.db");
    let hasher = CredentialHasher::new(Argon2Cost::FAST_FOR_TESTS).unwrap();

    // The journal first (it refuses a new file that already holds other tables), then
    // the accounts, each on its own connection, writing in turn.
    let mut journal = Journal::open(SqliteStorage::open(&path).unwrap()).unwrap();
    journal.append(vec![event("2020-01-05")]).unwrap();
    let mut accounts = SqliteAccountStore::open(&path).unwrap();
    let member = Account::new(
        Username::new("hassan").unwrap(),
        "Hassan",
        AccountRole::Member(MemberId::new("sairoon-12").unwrap()),
        1_578_230_700_000,
    )
    .unwrap();
    let (member, login) = issue_member_login(&hasher, &member).unwrap();
    accounts.create(&member).unwrap();
    journal.append(vec![event("2020-01-06")]).unwrap();
    drop(journal);
    drop(accounts);

    // Reopened in either order, both find what they wrote, and the chain is intact.
    let accounts = SqliteAccountStore::open(&path).unwrap();
    let storage = SqliteStorage::open(&path).unwrap();
    assert_eq!(verify(&storage).unwrap().events, 2);
    assert_eq!(Journal::open(storage).unwrap().len(), 2);
    let signed_in = sign_in_with_login_code(&accounts, &hasher, &login.login_code, &login.pin)
        .unwrap()
        .expect("the issued login signs in after reopening");
    assert_eq!(signed_in.actor().to_string(), "member:sairoon-12");
}
