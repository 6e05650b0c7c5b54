//! Choosing the account store from a database URL, the same URL as the journal's.

use crate::postgres::{redact_url, PostgresAccountStore};
use crate::sqlite::SqliteAccountStore;
use crate::store::{AccountError, AccountStore};

/// Opens the account store a database URL names, creating its tables if absent:
///
/// - `sqlite://PATH`: the SQLite file at `PATH` (relative to the working directory;
///   `sqlite:///srv/hemicycle.db` is absolute), which the journal, opened first, shares;
/// - `sqlite::memory:`: a private in-memory SQLite database (tests; nothing is kept);
/// - `postgres://…` or `postgresql://…`: a PostgreSQL database, which several server
///   nodes may share (see [`PostgresAccountStore`], which must not be called from an
///   async task).
///
/// These are the journal's URL forms, so that one `--database` names both. Any other
/// scheme is refused with [`AccountError::UnsupportedUrl`].
pub fn open_account_store(url: &str) -> Result<Box<dyn AccountStore>, AccountError> {
    let unsupported = |reason| AccountError::UnsupportedUrl {
        url: redact_url(url),
        reason,
    };
    if url == "sqlite::memory:" {
        return Ok(Box::new(SqliteAccountStore::in_memory()?));
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(unsupported("the path after sqlite:// is empty"));
        }
        // As the journal does: a query or fragment is not silently part of a file name.
        if path.contains(['?', '#']) {
            return Err(unsupported(
                "query strings and fragments are not supported in sqlite:// URLs",
            ));
        }
        return Ok(Box::new(SqliteAccountStore::open(path)?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Box::new(PostgresAccountStore::open(url)?));
    }
    Err(unsupported(
        "expected sqlite://PATH, sqlite::memory: or postgres://USER@HOST/DATABASE",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Account, AccountRole, Username};

    #[test]
    fn sqlite_urls_open_sqlite_stores() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("hemicycle.db");
        let url = format!("sqlite://{}", path.display());
        let clerk = Account::new(
            Username::new("amina").unwrap(),
            "Amina",
            AccountRole::Clerk,
            0,
        )
        .unwrap();
        open_account_store(&url).unwrap().create(&clerk).unwrap();
        // The account is in the file: another store on the same URL finds it.
        let reopened = open_account_store(&url).unwrap();
        assert_eq!(reopened.find(&clerk.username).unwrap(), Some(clerk));
        assert!(SqliteAccountStore::open(&path).unwrap().count().unwrap() == 1);

        let mut memory = open_account_store("sqlite::memory:").unwrap();
        assert_eq!(memory.count().unwrap(), 0);
        assert!(!memory.delete(&Username::new("amina").unwrap()).unwrap());
    }

    #[test]
    fn other_urls_are_refused_naming_the_url() {
        for (url, reason) in [
            ("sqlite://", "empty"),
            ("sqlite://hemicycle.db?mode=ro", "query strings"),
            (
                "mysql://root:s3cret@localhost/hemicycle",
                "expected sqlite://PATH",
            ),
            ("hemicycle.db", "expected sqlite://PATH"),
            ("", "expected sqlite://PATH"),
        ] {
            let Err(error) = open_account_store(url) else {
                panic!("{url} was accepted");
            };
            assert!(
                matches!(&error, AccountError::UnsupportedUrl { reason: found, .. } if found.contains(reason)),
                "{url}: {error:?}"
            );
            assert!(!error.to_string().contains("s3cret"), "{error}");
        }
        let Err(error) = open_account_store("mysql://root:s3cret@localhost/hemicycle") else {
            panic!("mysql was accepted");
        };
        assert!(
            error
                .to_string()
                .contains("\"mysql://root:***@localhost/hemicycle\""),
            "{error}"
        );
    }

    #[test]
    fn postgres_urls_open_postgres_stores() {
        // Nothing listens on port 1: the error shows the PostgreSQL store was chosen.
        for url in [
            "postgres://hemicycle@127.0.0.1:1/hemicycle",
            "postgresql://hemicycle@127.0.0.1:1/hemicycle",
        ] {
            let Err(error) = open_account_store(url) else {
                panic!("nothing listens on port 1");
            };
            assert!(
                matches!(
                    error,
                    AccountError::Postgres(crate::PostgresError::Connect { .. })
                ),
                "{url}: {error:?}"
            );
        }
    }
}
