//! Usernames: the names accounts sign in with.

use std::fmt;

use hemicycle_core::ids::{MemberId, IDENTIFIER_LENGTH_MAX};
use serde::{Deserialize, Serialize};

/// The longest username, in characters (all ASCII, so also in bytes).
pub const USERNAME_LENGTH_MAX: usize = 64;

// A clerk's or presiding officer's username becomes the name in their `Actor`, which the
// core checks with the identifier rules; a longer username could not be written down.
const _: () = assert!(USERNAME_LENGTH_MAX == IDENTIFIER_LENGTH_MAX);

/// The name an account signs in with: 1 to 64 characters of lower-case `a`–`z`, digits,
/// `-`, `_` and `.`, starting with a letter or digit.
///
/// These are the rules of hemicycle's identifiers
/// ([`MemberId`](hemicycle_core::ids::MemberId) and friends), so every username is valid
/// as the name of a clerk or presiding officer in an [`Actor`](hemicycle_core::Actor).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

/// What is wrong with a would-be username.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("a username cannot be empty")]
    Empty,
    #[error("a username has at most {USERNAME_LENGTH_MAX} characters; this one has {length}")]
    TooLong { length: usize },
    #[error("a username must start with a lower-case letter a-z or a digit, not {character:?}")]
    InvalidFirstCharacter { character: char },
    #[error(
        "a username may only contain lower-case letters a-z, digits, '-', '_' and '.'; \
         {character:?} (character {position}) is not allowed"
    )]
    InvalidCharacter {
        character: char,
        /// 1-based, counted in characters.
        position: usize,
    },
}

impl Username {
    /// Checks `text` and wraps it.
    pub fn new(text: impl Into<String>) -> Result<Username, UsernameError> {
        let text = text.into();
        check(&text)?;
        // The whole point of these rules: the core must accept the name too.
        assert!(
            MemberId::new(text.as_str()).is_ok(),
            "username {text:?} passed the username rules but not the identifier rules"
        );
        Ok(Username(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check(text: &str) -> Result<(), UsernameError> {
    let mut characters = text.chars();
    let Some(first) = characters.next() else {
        return Err(UsernameError::Empty);
    };
    let length = text.chars().count();
    if length > USERNAME_LENGTH_MAX {
        return Err(UsernameError::TooLong { length });
    }
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Err(UsernameError::InvalidFirstCharacter { character: first });
    }
    for (index, character) in text.chars().enumerate() {
        let allowed = character.is_ascii_lowercase()
            || character.is_ascii_digit()
            || matches!(character, '-' | '_' | '.');
        if !allowed {
            return Err(UsernameError::InvalidCharacter {
                character,
                position: index + 1,
            });
        }
    }
    Ok(())
}

impl fmt::Display for Username {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::str::FromStr for Username {
    type Err = UsernameError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Username::new(text)
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Username::new(text)
    }
}

impl From<Username> for String {
    fn from(username: Username) -> String {
        username.0
    }
}

#[cfg(test)]
mod tests {
    use hemicycle_core::Actor;

    use super::*;

    #[test]
    fn accepts_slugs() {
        for good in ["amina", "clerk-2", "a.b_c", "0", &"x".repeat(64)] {
            let username = Username::new(good).unwrap();
            assert_eq!(username.as_str(), good);
            // Valid as an actor name, both ways.
            let actor = Actor::Clerk(username.to_string());
            assert_eq!(Actor::parse(&actor.to_string()).unwrap(), actor);
        }
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(Username::new(""), Err(UsernameError::Empty));
        assert_eq!(
            Username::new("a".repeat(65)),
            Err(UsernameError::TooLong { length: 65 })
        );
        assert_eq!(
            Username::new("-amina"),
            Err(UsernameError::InvalidFirstCharacter { character: '-' })
        );
        assert_eq!(
            Username::new("Amina"),
            Err(UsernameError::InvalidFirstCharacter { character: 'A' })
        );
        assert_eq!(
            Username::new("ami na"),
            Err(UsernameError::InvalidCharacter {
                character: ' ',
                position: 4
            })
        );
        assert_eq!(
            Username::new("amína"),
            Err(UsernameError::InvalidCharacter {
                character: 'í',
                position: 3
            })
        );
        let message = Username::new("amiNa").unwrap_err().to_string();
        assert!(message.contains("'N' (character 4)"), "{message}");
        // Length is counted in characters, not bytes.
        assert!(matches!(
            Username::new("é".repeat(40)),
            Err(UsernameError::InvalidFirstCharacter { .. })
        ));
    }

    #[test]
    fn every_username_rule_matches_the_identifier_rules() {
        // Every single character, at the start and after a letter, is accepted by both
        // rules or by neither.
        for code in 0u32..0x250 {
            let Some(character) = char::from_u32(code) else {
                continue;
            };
            for text in [character.to_string(), format!("a{character}")] {
                assert_eq!(
                    Username::new(text.as_str()).is_ok(),
                    MemberId::new(text.as_str()).is_ok(),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn deserialising_checks() {
        let username: Username = serde_json::from_str("\"amina\"").unwrap();
        assert_eq!(username.as_str(), "amina");
        assert!(serde_json::from_str::<Username>("\"Not OK\"").is_err());
    }
}
