//! The vocabulary of the chamber, shared by commands, events and the state.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::{BlocId, CandidateId, MemberId, MotionId};

/// A moment, with the chamber's local offset kept (a sitting opens at 16:25 Baghdad time).
pub type Timestamp = DateTime<FixedOffset>;

/// A calendar date (memberships, follow-up deadlines).
pub type Date = NaiveDate;

/// What kind of bloc: how members are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum BlocKind {
    /// A political party.
    Party,
    /// An electoral list or alliance that won seats together.
    List,
    /// A parliamentary group formed inside the chamber.
    Group,
    /// Members who belong to no bloc, or hold reserved (e.g. minority-quota) seats.
    Other,
}

/// Ordinary sittings follow the calendar; extraordinary ones are called for a purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum SittingKind {
    Ordinary,
    Extraordinary,
}

/// A member's attendance at a sitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Present,
    Absent,
    Excused,
    /// Absent, and the member's bloc declared a boycott of the sitting.
    Boycotting,
}

impl Presence {
    pub fn in_words(self) -> &'static str {
        match self {
            Presence::Present => "present",
            Presence::Absent => "absent",
            Presence::Excused => "excused",
            Presence::Boycotting => "boycotting",
        }
    }
}

/// What a motion is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Serde ignores fields beside `kind` in the unit variants (`bill`, `procedural`) of an
// internally tagged enum, `deny_unknown_fields` or not: the schema must say so too.
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "json-schema",
    schemars(transform = crate::schema::unit_variants_take_any_fields)
)]
pub enum MotionKind {
    /// A resolution: binding or not, possibly addressed to someone (e.g. the government).
    Resolution {
        binding: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        addressed_to: Option<String>,
    },
    Bill,
    /// A motion on procedure (closure, adjournment, suspension of a rule…).
    Procedural,
}

impl MotionKind {
    pub fn in_words(&self) -> String {
        match self {
            MotionKind::Resolution {
                binding,
                addressed_to,
            } => {
                let binding = if *binding { "binding" } else { "non-binding" };
                match addressed_to {
                    Some(to) => format!("{binding} resolution addressed to {to}"),
                    None => format!("{binding} resolution"),
                }
            }
            MotionKind::Bill => "bill".into(),
            MotionKind::Procedural => "procedural motion".into(),
        }
    }
}

/// Who puts a motion forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum Sponsor {
    Member(MemberId),
    Bloc(BlocId),
}

/// A member's ballot in a recorded division.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum Choice {
    Yes,
    No,
    Abstain,
    /// A vote for a candidate, in an election.
    Candidate(CandidateId),
}

impl Choice {
    pub fn in_words(&self) -> String {
        match self {
            Choice::Yes => "yes".into(),
            Choice::No => "no".into(),
            Choice::Abstain => "abstain".into(),
            Choice::Candidate(candidate) => format!("for {candidate}"),
        }
    }
}

/// How the chamber votes on a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum DivisionMethod {
    /// Each member's ballot is recorded by name.
    Recorded,
    /// Who took part is recorded; how each voted is not. The tellers enter the count.
    Secret,
    /// A vote by show of hands, whose count the clerk enters.
    ShowOfHands,
}

impl DivisionMethod {
    pub fn in_words(self) -> &'static str {
        match self {
            DivisionMethod::Recorded => "recorded division",
            DivisionMethod::Secret => "secret ballot",
            DivisionMethod::ShowOfHands => "show of hands",
        }
    }
}

/// A candidate in an election.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Candidate {
    pub id: CandidateId,
    pub name: String,
}

/// The question a division decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum Question {
    /// That the motion be adopted.
    Motion { motion: MotionId },
    /// The election of someone to an office.
    Election {
        office: String,
        candidates: Vec<Candidate>,
    },
}

/// An item of a sitting's agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct AgendaItem {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion: Option<MotionId>,
}

/// Where a resolution addressed to the government stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    /// Adopted, not yet transmitted.
    Adopted,
    /// Transmitted; awaiting a response.
    Sent,
    ResponseReceived,
    Implemented,
    Rejected,
}

/// How a follow-up ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum FollowUpConclusion {
    Implemented,
    Rejected,
}
