//! Who does something. Every event in the journal names its actor.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{IdentifierError, MemberId};

/// The role under which something was done, and by whom.
///
/// Written on the wire as `system`, `clerk:NAME`, `officer:NAME` or `member:ID`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Actor {
    /// hemicycle itself (establishing a chamber, importing data).
    System,
    /// A clerk: keeps the roster, the motions and the register.
    Clerk(String),
    /// The presiding officer (Speaker, President, chair) running a sitting.
    PresidingOfficer(String),
    /// A member acting for themselves.
    Member(MemberId),
}

/// The role of an [`Actor`], without the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    System,
    Clerk,
    PresidingOfficer,
    Member,
}

impl Role {
    pub fn in_words(self) -> &'static str {
        match self {
            Role::System => "the system",
            Role::Clerk => "a clerk",
            Role::PresidingOfficer => "the presiding officer",
            Role::Member => "a member",
        }
    }
}

impl Actor {
    pub fn role(&self) -> Role {
        match self {
            Actor::System => Role::System,
            Actor::Clerk(_) => Role::Clerk,
            Actor::PresidingOfficer(_) => Role::PresidingOfficer,
            Actor::Member(_) => Role::Member,
        }
    }

    /// Parses the wire form.
    pub fn parse(text: &str) -> Result<Self, ActorError> {
        if text == "system" {
            return Ok(Actor::System);
        }
        let (role, name) = text
            .split_once(':')
            .ok_or_else(|| ActorError::Form(text.to_owned()))?;
        let checked_name = || {
            MemberId::new(name)
                .map(String::from)
                .map_err(|error| ActorError::Name(text.to_owned(), error))
        };
        match role {
            "clerk" => Ok(Actor::Clerk(checked_name()?)),
            "officer" => Ok(Actor::PresidingOfficer(checked_name()?)),
            "member" => {
                Ok(Actor::Member(MemberId::new(name).map_err(|error| {
                    ActorError::Name(text.to_owned(), error)
                })?))
            }
            _ => Err(ActorError::Form(text.to_owned())),
        }
    }
}

/// Why a string does not name an actor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActorError {
    #[error("\"{0}\" is not an actor: write system, clerk:NAME, officer:NAME or member:ID")]
    Form(String),
    #[error("actor \"{0}\": {1}")]
    Name(String, IdentifierError),
}

impl fmt::Display for Actor {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::System => formatter.write_str("system"),
            Actor::Clerk(name) => write!(formatter, "clerk:{name}"),
            Actor::PresidingOfficer(name) => write!(formatter, "officer:{name}"),
            Actor::Member(member) => write!(formatter, "member:{member}"),
        }
    }
}

/// The wire form as a regular expression (ECMA 262): `system`, or `clerk:`, `officer:` or
/// `member:` followed by an identifier (see [`crate::ids::IDENTIFIER_PATTERN`]).
pub const ACTOR_PATTERN: &str = "^(system|(clerk|officer|member):[a-z0-9][a-z0-9._-]{0,63})$";

/// On the wire, a string: exactly what [`Actor::parse`] accepts.
#[cfg(feature = "json-schema")]
impl schemars::JsonSchema for Actor {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Actor".into()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        concat!(module_path!(), "::Actor").into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": ACTOR_PATTERN,
            "description": "Who acts: `system`, `clerk:NAME`, `officer:NAME` or `member:ID`, \
                where NAME and ID are identifiers (lower-case letters a-z, digits, '-', '_' \
                and '.', starting with a letter or digit, at most 64 characters).",
            "examples": ["system", "clerk:amina", "officer:speaker", "member:sairoon-12"],
        })
    }
}

impl TryFrom<String> for Actor {
    type Error = ActorError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Actor::parse(&text)
    }
}

impl From<Actor> for String {
    fn from(actor: Actor) -> String {
        actor.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in [
            "system",
            "clerk:amina",
            "officer:speaker",
            "member:sairoon-12",
        ] {
            assert_eq!(Actor::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn refuses_unknown_forms() {
        assert!(matches!(Actor::parse("king:x"), Err(ActorError::Form(_))));
        assert!(matches!(Actor::parse("clerk"), Err(ActorError::Form(_))));
        assert!(matches!(
            Actor::parse("member:Bad Id"),
            Err(ActorError::Name(..))
        ));
    }
}
