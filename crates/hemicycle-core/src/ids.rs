//! Identifiers of the things a chamber keeps: short, human-readable slugs.
//!
//! Identifiers appear in scenario files written by hand, in URLs and in the journal,
//! so they are restricted to a small, unambiguous alphabet and a bounded length.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest identifier accepted, in bytes. Bounded so that events stay small.
pub const IDENTIFIER_LENGTH_MAX: usize = 64;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("an identifier cannot be empty")]
    Empty,
    #[error("identifier \"{0}\" is longer than {IDENTIFIER_LENGTH_MAX} characters")]
    TooLong(String),
    #[error(
        "identifier \"{0}\" may only contain lower-case letters a-z, digits, '-', '_' and '.', and must start with a letter or digit"
    )]
    InvalidCharacter(String),
}

/// The rules every identifier follows, as a regular expression (ECMA 262, as JSON Schema
/// uses): a lower-case letter or digit, then up to 63 more of `a-z`, `0-9`, `-`, `_`, `.`.
/// All of these characters are ASCII, so 64 characters are [`IDENTIFIER_LENGTH_MAX`] bytes.
pub const IDENTIFIER_PATTERN: &str = "^[a-z0-9][a-z0-9._-]{0,63}$";

fn check(text: &str) -> Result<(), IdentifierError> {
    if text.is_empty() {
        return Err(IdentifierError::Empty);
    }
    if text.len() > IDENTIFIER_LENGTH_MAX {
        return Err(IdentifierError::TooLong(text.to_owned()));
    }
    let mut characters = text.chars();
    let first_ok = characters
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok = text
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err(IdentifierError::InvalidCharacter(text.to_owned()))
    }
}

macro_rules! identifier {
    ($(#[doc = $doc:literal])* $name:ident) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks `text` and wraps it.
            pub fn new(text: impl Into<String>) -> Result<Self, IdentifierError> {
                let text = text.into();
                check(&text)?;
                Ok(Self(text))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdentifierError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::new(text)
            }
        }

        impl From<$name> for String {
            fn from(identifier: $name) -> String {
                identifier.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdentifierError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::new(text)
            }
        }

        /// On the wire, a string checked as [`IDENTIFIER_PATTERN`] says.
        #[cfg(feature = "json-schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                identifier_schema(concat!($($doc, "\n"),*))
            }
        }
    };
}

/// The schema of every identifier type: a string of 1 to 64 characters matching
/// [`IDENTIFIER_PATTERN`], exactly what `check` accepts.
#[cfg(feature = "json-schema")]
fn identifier_schema(doc: &str) -> schemars::Schema {
    let description = format!(
        "{} An identifier: 1 to {IDENTIFIER_LENGTH_MAX} characters, lower-case letters a-z, \
         digits, '-', '_' and '.', starting with a letter or digit.",
        doc.trim()
    );
    schemars::json_schema!({
        "type": "string",
        "minLength": 1,
        "maxLength": IDENTIFIER_LENGTH_MAX,
        "pattern": IDENTIFIER_PATTERN,
        "description": description,
    })
}

identifier!(
    /// A member of the chamber (a person holding a seat).
    MemberId
);
identifier!(
    /// A bloc: a party, an electoral list or a parliamentary group.
    BlocId
);
identifier!(
    /// A coalition of blocs.
    CoalitionId
);
identifier!(
    /// A sitting: one meeting of the chamber.
    SittingId
);
identifier!(
    /// A motion: a resolution, a bill or a procedural motion.
    MotionId
);
identifier!(
    /// A division: one vote of the chamber on one question.
    DivisionId
);
identifier!(
    /// A communication read into the record (a letter, a statement).
    CommunicationId
);
identifier!(
    /// A candidate in an election held by the chamber.
    CandidateId
);
identifier!(
    /// A named decision rule of the standing orders (e.g. `ordinary`, `censure`).
    DecisionId
);
identifier!(
    /// An occasion outside the sittings kept for reference: an election, a legislative period.
    OccasionId
);

/// A group inside which a separate majority may be required: a bloc or a coalition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupId {
    Bloc(BlocId),
    Coalition(CoalitionId),
}

impl fmt::Display for GroupId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupId::Bloc(bloc) => write!(formatter, "bloc {bloc}"),
            GroupId::Coalition(coalition) => write!(formatter, "coalition {coalition}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs() {
        for good in ["sairoon", "sairoon-12", "2020-01-05", "a.b_c", "x"] {
            assert!(MemberId::new(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn refuses_bad_identifiers() {
        assert_eq!(MemberId::new(""), Err(IdentifierError::Empty));
        for bad in ["Sairoon", "-x", "a b", "سائرون", "a/b"] {
            assert!(
                matches!(
                    MemberId::new(bad),
                    Err(IdentifierError::InvalidCharacter(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            MemberId::new("a".repeat(65)),
            Err(IdentifierError::TooLong(_))
        ));
    }

    #[test]
    fn deserialising_checks() {
        assert!(serde_json::from_str::<BlocId>("\"ok\"").is_ok());
        assert!(serde_json::from_str::<BlocId>("\"Not OK\"").is_err());
    }
}
