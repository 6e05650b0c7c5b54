//! Accounts in memory, for tests and for servers that keep no accounts on disk.

use std::collections::{BTreeMap, HashMap};

use hemicycle_core::ids::MemberId;

use crate::account::Account;
use crate::store::{check_account, AccountError, AccountStore, MAX_ACCOUNTS};
use crate::username::Username;

/// An [`AccountStore`] in memory; lost when dropped.
#[derive(Debug, Default)]
pub struct MemoryAccountStore {
    /// Ordered by username, which is the order of [`AccountStore::list`].
    accounts: BTreeMap<Username, Account>,
    /// Indexes kept in step with `accounts`, for the unique lookups.
    by_member: HashMap<MemberId, Username>,
    by_login_code_digest: HashMap<String, Username>,
}

impl MemoryAccountStore {
    pub fn new() -> MemoryAccountStore {
        MemoryAccountStore::default()
    }

    /// Refuses `account` if its member or login code digest belongs to an account with
    /// another username.
    fn check_unique(&self, account: &Account) -> Result<(), AccountError> {
        if let Some(member) = account.member() {
            if let Some(owner) = self.by_member.get(member) {
                if *owner != account.username {
                    return Err(AccountError::MemberHasAccount {
                        member: member.clone(),
                        username: owner.clone(),
                    });
                }
            }
        }
        if let Some(digest) = &account.login_code_digest {
            if let Some(owner) = self.by_login_code_digest.get(digest) {
                if *owner != account.username {
                    return Err(AccountError::LoginCodeInUse);
                }
            }
        }
        Ok(())
    }

    fn index(&mut self, account: &Account) {
        if let Some(member) = account.member() {
            self.by_member
                .insert(member.clone(), account.username.clone());
        }
        if let Some(digest) = &account.login_code_digest {
            self.by_login_code_digest
                .insert(digest.clone(), account.username.clone());
        }
    }

    fn unindex(&mut self, account: &Account) {
        if let Some(member) = account.member() {
            self.by_member.remove(member);
        }
        if let Some(digest) = &account.login_code_digest {
            self.by_login_code_digest.remove(digest);
        }
    }

    /// Whether the indexes hold exactly what the accounts say (checked in tests; too slow
    /// to check on every write).
    #[cfg(test)]
    fn indexes_are_consistent(&self) -> bool {
        let members: HashMap<MemberId, Username> = self
            .accounts
            .values()
            .filter_map(|account| Some((account.member()?.clone(), account.username.clone())))
            .collect();
        let digests: HashMap<String, Username> = self
            .accounts
            .values()
            .filter_map(|account| {
                Some((account.login_code_digest.clone()?, account.username.clone()))
            })
            .collect();
        members == self.by_member && digests == self.by_login_code_digest
    }
}

impl AccountStore for MemoryAccountStore {
    fn create(&mut self, account: &Account) -> Result<(), AccountError> {
        check_account(account)?;
        if self.accounts.contains_key(&account.username) {
            return Err(AccountError::UsernameTaken(account.username.clone()));
        }
        self.check_unique(account)?;
        if self.accounts.len() >= MAX_ACCOUNTS {
            return Err(AccountError::TooManyAccounts);
        }
        self.index(account);
        self.accounts
            .insert(account.username.clone(), account.clone());
        Ok(())
    }

    fn replace(&mut self, account: &Account) -> Result<(), AccountError> {
        check_account(account)?;
        self.check_unique(account)?;
        let Some(old) = self.accounts.get(&account.username).cloned() else {
            return Err(AccountError::NotFound(account.username.clone()));
        };
        self.unindex(&old);
        self.index(account);
        self.accounts
            .insert(account.username.clone(), account.clone());
        Ok(())
    }

    fn find(&self, username: &Username) -> Result<Option<Account>, AccountError> {
        Ok(self.accounts.get(username).cloned())
    }

    fn find_by_login_code_digest(&self, digest: &str) -> Result<Option<Account>, AccountError> {
        Ok(self
            .by_login_code_digest
            .get(digest)
            .and_then(|username| self.accounts.get(username))
            .cloned())
    }

    fn find_by_member(&self, member: &MemberId) -> Result<Option<Account>, AccountError> {
        Ok(self
            .by_member
            .get(member)
            .and_then(|username| self.accounts.get(username))
            .cloned())
    }

    fn list(&self) -> Result<Vec<Account>, AccountError> {
        Ok(self.accounts.values().take(MAX_ACCOUNTS).cloned().collect())
    }

    fn delete(&mut self, username: &Username) -> Result<bool, AccountError> {
        let Some(old) = self.accounts.remove(username) else {
            return Ok(false);
        };
        self.unindex(&old);
        Ok(true)
    }

    fn count(&self) -> Result<usize, AccountError> {
        Ok(self.accounts.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::run_account_store_contract;

    #[test]
    fn passes_the_contract() {
        run_account_store_contract(MemoryAccountStore::new);
    }

    #[test]
    fn holds_at_most_max_accounts() {
        let mut store = MemoryAccountStore::new();
        let clerk = |index: usize| {
            Account::new(
                Username::new(format!("clerk-{index}")).unwrap(),
                "Clerk",
                crate::AccountRole::Clerk,
                0,
            )
            .unwrap()
        };
        for index in 0..MAX_ACCOUNTS {
            store.create(&clerk(index)).unwrap();
        }
        assert!(matches!(
            store.create(&clerk(MAX_ACCOUNTS)),
            Err(AccountError::TooManyAccounts)
        ));
        assert_eq!(store.list().unwrap().len(), MAX_ACCOUNTS);
        assert!(store.delete(&clerk(0).username).unwrap());
        store.create(&clerk(MAX_ACCOUNTS)).unwrap();
    }

    #[test]
    fn indexes_follow_every_change() {
        let mut store = MemoryAccountStore::new();
        let member = |name: &str, member: &str, digest: char| {
            let mut account = Account::new(
                Username::new(name).unwrap(),
                name,
                crate::AccountRole::Member(MemberId::new(member).unwrap()),
                0,
            )
            .unwrap();
            account.login_code_digest = Some(digest.to_string().repeat(64));
            account
        };
        store.create(&member("hassan", "sairoon-1", 'a')).unwrap();
        store.create(&member("layla", "sairoon-2", 'b')).unwrap();
        assert!(store.indexes_are_consistent());
        // Move hassan to another member and code: the old ones are free again.
        store.replace(&member("hassan", "sairoon-3", 'c')).unwrap();
        assert!(store.indexes_are_consistent());
        store.create(&member("omar", "sairoon-1", 'a')).unwrap();
        assert!(store.delete(&Username::new("layla").unwrap()).unwrap());
        assert!(store.indexes_are_consistent());
        assert_eq!(store.by_member.len(), 2);
    }
}
