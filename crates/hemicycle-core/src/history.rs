//! What a chamber learns from outside rather than lives through: identifiers issued by
//! other systems, members' personal details, and the historical record — occasions
//! (elections, legislative periods), motions and divisions — as published elsewhere
//! (Popolo, Voteview, a clerk's table).
//!
//! Historical divisions are kept **as recorded**: their result and counts are the ones
//! published, never recomputed by the outcome engine, because this chamber's standing
//! orders did not produce them. They live apart from the divisions hemicycle runs
//! ([`State::recorded_divisions`], not [`State::divisions`]).

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::decide::{Refusal, RefusalKind, NAME_LENGTH_MAX, TEXT_LENGTH_MAX};
use crate::event::Event;
use crate::ids::{BlocId, CoalitionId, DivisionId, MemberId, MotionId, OccasionId, SittingId};
use crate::model::{Date, Timestamp};
use crate::state::State;

/// The longest scheme, identifier, URL or detail accepted, in bytes.
pub const DETAIL_LENGTH_MAX: usize = 1_000;
/// Most identifiers one subject may hold.
pub const IDENTIFIERS_PER_SUBJECT_MAX: usize = 100;
/// Most other names, links or sources of one member.
pub const DETAIL_ITEMS_MAX: usize = 100;
/// Most individual votes in one recorded division. With compact member identifiers the
/// event stays under the journal's 1 MiB payload limit (10,000 × at most ~90 bytes).
pub const RECORDED_VOTES_MAX: usize = 10_000;

/// Something hemicycle keeps external identifiers for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum Subject {
    Chamber,
    Member(MemberId),
    Bloc(BlocId),
    Coalition(CoalitionId),
    Motion(MotionId),
    Division(DivisionId),
    Sitting(SittingId),
    Occasion(OccasionId),
}

impl Subject {
    /// The kind of subject, in words; identifiers are unique within a kind.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Subject::Chamber => "chamber",
            Subject::Member(_) => "member",
            Subject::Bloc(_) => "bloc",
            Subject::Coalition(_) => "coalition",
            Subject::Motion(_) => "motion",
            Subject::Division(_) => "division",
            Subject::Sitting(_) => "sitting",
            Subject::Occasion(_) => "occasion",
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Chamber => formatter.write_str("the chamber"),
            Subject::Member(id) => write!(formatter, "member {id}"),
            Subject::Bloc(id) => write!(formatter, "bloc {id}"),
            Subject::Coalition(id) => write!(formatter, "coalition {id}"),
            Subject::Motion(id) => write!(formatter, "motion {id}"),
            Subject::Division(id) => write!(formatter, "division {id}"),
            Subject::Sitting(id) => write!(formatter, "sitting {id}"),
            Subject::Occasion(id) => write!(formatter, "occasion {id}"),
        }
    }
}

/// An identifier issued by another system: `{scheme: "wikidata", identifier: "Q1973075"}`.
/// The original Popolo `id` of an imported object is kept under the scheme `popolo`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct ExternalIdentifier {
    pub scheme: String,
    pub identifier: String,
}

/// A URL with an optional note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Link {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A member's personal details, as given by the source. Dates are kept as written,
/// which may be partial (`"1974"`, `"1974-03"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct MemberDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub death_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Link>,
}

impl MemberDetails {
    pub fn is_empty(&self) -> bool {
        self == &MemberDetails::default()
    }
}

/// Something that happened outside the chamber's sittings and is kept for reference:
/// an election, a legislative period (Popolo's `Event`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occasion {
    pub id: OccasionId,
    pub name: String,
    pub classification: Option<String>,
    /// As written by the source: a partial date, a date, or a date and time.
    pub start: Option<String>,
    pub end: Option<String>,
}

/// A historical motion, as recorded by the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedMotion {
    pub id: MotionId,
    pub title: String,
    pub text: String,
    pub classification: Option<String>,
    pub requirement: Option<String>,
    pub result: Option<String>,
    pub on: Option<Date>,
}

/// How a member is recorded in a historical division (Popolo's vote options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum RecordedOption {
    Yes,
    No,
    Abstain,
    Absent,
    NotVoting,
}

impl RecordedOption {
    pub const ALL: [RecordedOption; 5] = [
        RecordedOption::Yes,
        RecordedOption::No,
        RecordedOption::Abstain,
        RecordedOption::Absent,
        RecordedOption::NotVoting,
    ];

    /// The option as Popolo writes it: `yes`, `no`, `abstain`, `absent`, `not voting`.
    pub fn popolo(self) -> &'static str {
        match self {
            RecordedOption::Yes => "yes",
            RecordedOption::No => "no",
            RecordedOption::Abstain => "abstain",
            RecordedOption::Absent => "absent",
            RecordedOption::NotVoting => "not voting",
        }
    }

    pub fn from_popolo(text: &str) -> Option<Self> {
        RecordedOption::ALL
            .into_iter()
            .find(|option| option.popolo() == text)
    }
}

/// The counts a source published for a division, each as given (absent when not given).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct RecordedCounts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abstain: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_voting: Option<u32>,
}

impl RecordedCounts {
    pub fn get(&self, option: RecordedOption) -> Option<u32> {
        match option {
            RecordedOption::Yes => self.yes,
            RecordedOption::No => self.no,
            RecordedOption::Abstain => self.abstain,
            RecordedOption::Absent => self.absent,
            RecordedOption::NotVoting => self.not_voting,
        }
    }

    pub fn set(&mut self, option: RecordedOption, value: u32) {
        let slot = match option {
            RecordedOption::Yes => &mut self.yes,
            RecordedOption::No => &mut self.no,
            RecordedOption::Abstain => &mut self.abstain,
            RecordedOption::Absent => &mut self.absent,
            RecordedOption::NotVoting => &mut self.not_voting,
        };
        *slot = Some(value);
    }
}

/// A historical division, as recorded by the source: not run, and not recomputed, here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedDivision {
    pub id: DivisionId,
    pub on: Date,
    pub at: Option<Timestamp>,
    pub question: String,
    pub motion: Option<MotionId>,
    /// The result as the source words it (`pass`, `fail`, `Passed`, `Agreed to`…).
    pub result: Option<String>,
    pub counts: RecordedCounts,
    /// Each member's recorded option, in the source's order.
    pub votes: Vec<(MemberId, RecordedOption)>,
}

impl RecordedDivision {
    /// Counts of the individual votes held, per option.
    pub fn counted(&self, option: RecordedOption) -> u32 {
        let count = self
            .votes
            .iter()
            .filter(|(_, recorded)| *recorded == option)
            .count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }
}

/// Whether `text` is a date as Popolo writes it: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`,
/// with a month and day that exist.
pub fn is_partial_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let digits = |part: &str, length: usize| {
        part.len() == length && part.chars().all(|c| c.is_ascii_digit())
    };
    match parts.as_slice() {
        [year] => digits(year, 4),
        [year, month] => {
            digits(year, 4) && digits(month, 2) && (1..=12).contains(&month.parse().unwrap_or(0))
        }
        [year, month, day] => {
            digits(year, 4)
                && digits(month, 2)
                && digits(day, 2)
                && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
        }
        _ => false,
    }
}

/// Checks the texts of identifiers, details, occasions and recorded divisions.
pub(crate) fn check_detail(field: &str, text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("{field} cannot be empty"));
    }
    if text.len() > DETAIL_LENGTH_MAX {
        return Err(format!("{field} is longer than {DETAIL_LENGTH_MAX} bytes"));
    }
    Ok(())
}

pub(crate) fn check_member_details(details: &MemberDetails) -> Result<(), String> {
    let optional = [
        ("given name", &details.given_name),
        ("family name", &details.family_name),
        ("sort name", &details.sort_name),
        ("honorific prefix", &details.honorific_prefix),
        ("gender", &details.gender),
        ("email", &details.email),
        ("image", &details.image),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            check_detail(field, value)?;
        }
    }
    for (field, date) in [
        ("birth date", &details.birth_date),
        ("death date", &details.death_date),
    ] {
        if let Some(date) = date {
            if !is_partial_date(date) {
                return Err(format!(
                    "{field} \"{date}\" is not a date like 1974, 1974-03 or 1974-03-21"
                ));
            }
        }
    }
    if details.other_names.len() > DETAIL_ITEMS_MAX
        || details.links.len() > DETAIL_ITEMS_MAX
        || details.sources.len() > DETAIL_ITEMS_MAX
    {
        return Err(format!(
            "a member has at most {DETAIL_ITEMS_MAX} other names, links and sources each"
        ));
    }
    for name in &details.other_names {
        check_detail("another name", name)?;
    }
    for link in details.links.iter().chain(&details.sources) {
        check_detail("a link's URL", &link.url)?;
        if let Some(note) = &link.note {
            check_detail("a link's note", note)?;
        }
    }
    Ok(())
}

impl State {
    /// Whether `subject` exists in the state.
    pub fn subject_exists(&self, subject: &Subject) -> bool {
        match subject {
            Subject::Chamber => self.chamber.is_some(),
            Subject::Member(id) => self.members.contains_key(id),
            Subject::Bloc(id) => self.blocs.contains_key(id),
            Subject::Coalition(id) => self.coalitions.contains_key(id),
            Subject::Motion(id) => {
                self.motions.contains_key(id) || self.recorded_motions.contains_key(id)
            }
            Subject::Division(id) => {
                self.divisions.contains_key(id) || self.recorded_divisions.contains_key(id)
            }
            Subject::Sitting(id) => self.sittings.contains_key(id),
            Subject::Occasion(id) => self.occasions.contains_key(id),
        }
    }

    /// The subject of kind `kind` (see [`Subject::kind_name`]) holding an identifier.
    pub fn subject_with_identifier(
        &self,
        kind: &str,
        scheme: &str,
        identifier: &str,
    ) -> Option<&Subject> {
        self.identifier_owners
            .get(&(kind.to_owned(), scheme.to_owned(), identifier.to_owned()))
    }

    /// The identifiers recorded for a subject.
    pub fn identifiers_of(&self, subject: &Subject) -> &[ExternalIdentifier] {
        self.identifiers.get(subject).map_or(&[], Vec::as_slice)
    }

    /// The identifier of `subject` under `scheme`, if any.
    pub fn identifier_under(&self, subject: &Subject, scheme: &str) -> Option<&str> {
        self.identifiers_of(subject)
            .iter()
            .find(|identifier| identifier.scheme == scheme)
            .map(|identifier| identifier.identifier.as_str())
    }

    pub(crate) fn check_identifiers(
        &self,
        subject: &Subject,
        identifiers: &[ExternalIdentifier],
    ) -> Result<(), String> {
        if !self.subject_exists(subject) {
            return Err(format!("no {subject}"));
        }
        if identifiers.is_empty() {
            return Err("no identifiers to record".into());
        }
        let held = self.identifiers_of(subject);
        if held.len() + identifiers.len() > IDENTIFIERS_PER_SUBJECT_MAX {
            return Err(format!(
                "{subject} would hold more than {IDENTIFIERS_PER_SUBJECT_MAX} identifiers"
            ));
        }
        let mut seen = HashSet::new();
        for identifier in identifiers {
            check_detail("an identifier's scheme", &identifier.scheme)?;
            check_detail("an identifier", &identifier.identifier)?;
            if !seen.insert(identifier) || held.contains(identifier) {
                return Err(format!(
                    "{subject} already holds identifier {}:{}",
                    identifier.scheme, identifier.identifier
                ));
            }
            if let Some(owner) = self.subject_with_identifier(
                subject.kind_name(),
                &identifier.scheme,
                &identifier.identifier,
            ) {
                return Err(format!(
                    "identifier {}:{} already belongs to {owner}",
                    identifier.scheme, identifier.identifier
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn check_recorded_division(
        &self,
        division: &DivisionId,
        question: &str,
        motion: Option<&MotionId>,
        result: Option<&String>,
        votes: &[(MemberId, RecordedOption)],
    ) -> Result<(), String> {
        if self.divisions.contains_key(division) || self.recorded_divisions.contains_key(division) {
            return Err(format!("division {division} already exists"));
        }
        check_detail("the question", question)?;
        if question.len() > crate::decide::TEXT_LENGTH_MAX {
            return Err(format!(
                "the question is longer than {} bytes",
                crate::decide::TEXT_LENGTH_MAX
            ));
        }
        if let Some(result) = result {
            check_detail("the result", result)?;
        }
        if let Some(motion) = motion {
            if !self.motions.contains_key(motion) && !self.recorded_motions.contains_key(motion) {
                return Err(format!("no motion {motion}"));
            }
        }
        if votes.len() > RECORDED_VOTES_MAX {
            return Err(format!(
                "a recorded division holds at most {RECORDED_VOTES_MAX} votes"
            ));
        }
        let mut seen = HashSet::with_capacity(votes.len());
        for (member, _) in votes {
            if !self.members.contains_key(member) {
                return Err(format!("no member {member}"));
            }
            if !seen.insert(member) {
                return Err(format!("member {member} is recorded twice"));
            }
        }
        Ok(())
    }
}

fn check_name(field: &str, text: &str, maximum: usize) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("{field} cannot be empty"));
    }
    if text.len() > maximum {
        return Err(format!("{field} is longer than {maximum} bytes"));
    }
    Ok(())
}

fn check_optional(field: &str, text: Option<&String>) -> Result<(), String> {
    text.map_or(Ok(()), |text| check_detail(field, text))
}

impl State {
    /// Checks an event of this module against the state; `Ok` means it may be applied.
    /// Shared by `decide` (before appending) and `apply` (again on replay).
    fn check_history_event(&self, event: &Event) -> Result<(), (RefusalKind, String)> {
        let invalid = |message: String| (RefusalKind::Invalid, message);
        match event {
            Event::IdentifiersRecorded {
                subject,
                identifiers,
            } => {
                if !self.subject_exists(subject) {
                    return Err((RefusalKind::NotFound, format!("no {subject}")));
                }
                self.check_identifiers(subject, identifiers)
                    .map_err(|message| (RefusalKind::Conflict, message))
            }
            Event::MemberDetailsRecorded { member, details } => {
                if !self.members.contains_key(member) {
                    return Err((RefusalKind::NotFound, format!("no member {member}")));
                }
                check_member_details(details).map_err(invalid)
            }
            Event::MemberRenamed { member, name } => {
                if !self.members.contains_key(member) {
                    return Err((RefusalKind::NotFound, format!("no member {member}")));
                }
                check_name("the member's name", name, NAME_LENGTH_MAX).map_err(invalid)
            }
            Event::OccasionRecorded {
                occasion,
                name,
                classification,
                start,
                end,
            } => {
                if self.occasions.contains_key(occasion) {
                    return Err((
                        RefusalKind::Conflict,
                        format!("occasion {occasion} was already recorded"),
                    ));
                }
                check_name("the occasion's name", name, NAME_LENGTH_MAX).map_err(invalid)?;
                check_optional("the classification", classification.as_ref()).map_err(invalid)?;
                check_optional("the start", start.as_ref()).map_err(invalid)?;
                check_optional("the end", end.as_ref()).map_err(invalid)
            }
            Event::MotionRecorded {
                motion,
                title,
                text,
                classification,
                requirement,
                result,
                on: _,
            } => {
                if self.motions.contains_key(motion) || self.recorded_motions.contains_key(motion) {
                    return Err((
                        RefusalKind::Conflict,
                        format!("motion {motion} already exists"),
                    ));
                }
                check_name("the motion's title", title, NAME_LENGTH_MAX).map_err(invalid)?;
                check_name("the motion's text", text, TEXT_LENGTH_MAX).map_err(invalid)?;
                check_optional("the classification", classification.as_ref()).map_err(invalid)?;
                check_optional("the requirement", requirement.as_ref()).map_err(invalid)?;
                check_optional("the result", result.as_ref()).map_err(invalid)
            }
            Event::DivisionRecorded {
                division,
                question,
                motion,
                result,
                votes,
                ..
            } => self
                .check_recorded_division(
                    division,
                    question,
                    motion.as_ref(),
                    result.as_ref(),
                    votes,
                )
                .map_err(|message| (RefusalKind::Conflict, message)),
            _ => Ok(()),
        }
    }

    /// Decides the commands of this module.
    pub(crate) fn decide_history(&self, command: &Command) -> Result<Vec<Event>, Refusal> {
        let event = match command.clone() {
            Command::RecordIdentifiers {
                subject,
                identifiers,
            } => Event::IdentifiersRecorded {
                subject,
                identifiers,
            },
            Command::RecordMemberDetails { member, details } => {
                Event::MemberDetailsRecorded { member, details }
            }
            Command::RenameMember { member, name } => Event::MemberRenamed { member, name },
            Command::RecordOccasion {
                occasion,
                name,
                classification,
                start,
                end,
            } => Event::OccasionRecorded {
                occasion,
                name,
                classification,
                start,
                end,
            },
            Command::RecordMotion {
                motion,
                title,
                text,
                classification,
                requirement,
                result,
                on,
            } => Event::MotionRecorded {
                motion,
                title,
                text,
                classification,
                requirement,
                result,
                on,
            },
            Command::RecordDivision {
                division,
                on,
                at,
                question,
                motion,
                result,
                counts,
                votes,
            } => Event::DivisionRecorded {
                division,
                on,
                at,
                question,
                motion,
                result,
                counts,
                votes,
            },
            other => {
                return Err(Refusal {
                    kind: RefusalKind::Invalid,
                    message: format!("{} is not a command about history", other.name()),
                })
            }
        };
        self.check_history_event(&event)
            .map_err(|(kind, message)| Refusal { kind, message })?;
        Ok(vec![event])
    }

    /// Applies the events of this module, checking each against the state again.
    pub(crate) fn apply_history(&mut self, event: &Event) -> Result<(), String> {
        self.check_history_event(event)
            .map_err(|(_, message)| message)?;
        match event {
            Event::IdentifiersRecorded {
                subject,
                identifiers,
            } => {
                for identifier in identifiers {
                    self.identifier_owners.insert(
                        (
                            subject.kind_name().to_owned(),
                            identifier.scheme.clone(),
                            identifier.identifier.clone(),
                        ),
                        subject.clone(),
                    );
                }
                self.identifiers
                    .entry(subject.clone())
                    .or_default()
                    .extend(identifiers.iter().cloned());
            }
            Event::MemberDetailsRecorded { member, details } => {
                self.member_details.insert(member.clone(), details.clone());
            }
            Event::MemberRenamed { member, name } => {
                if let Some(record) = self.members.get_mut(member) {
                    record.name = name.clone();
                }
            }
            Event::OccasionRecorded {
                occasion,
                name,
                classification,
                start,
                end,
            } => {
                self.occasions.insert(
                    occasion.clone(),
                    Occasion {
                        id: occasion.clone(),
                        name: name.clone(),
                        classification: classification.clone(),
                        start: start.clone(),
                        end: end.clone(),
                    },
                );
            }
            Event::MotionRecorded {
                motion,
                title,
                text,
                classification,
                requirement,
                result,
                on,
            } => {
                self.recorded_motions.insert(
                    motion.clone(),
                    RecordedMotion {
                        id: motion.clone(),
                        title: title.clone(),
                        text: text.clone(),
                        classification: classification.clone(),
                        requirement: requirement.clone(),
                        result: result.clone(),
                        on: *on,
                    },
                );
            }
            Event::DivisionRecorded {
                division,
                on,
                at,
                question,
                motion,
                result,
                counts,
                votes,
            } => {
                self.recorded_divisions.insert(
                    division.clone(),
                    RecordedDivision {
                        id: division.clone(),
                        on: *on,
                        at: *at,
                        question: question.clone(),
                        motion: motion.clone(),
                        result: result.clone(),
                        counts: *counts,
                        votes: votes.clone(),
                    },
                );
            }
            _ => {
                return Err(format!(
                    "{} is not an event about history",
                    event.type_name()
                ))
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates() {
        for good in ["1974", "1974-03", "1974-03-21", "2000-02-29"] {
            assert!(is_partial_date(good), "{good}");
        }
        for bad in [
            "74",
            "1974-13",
            "1974-3",
            "2001-02-29",
            "1974-03-21T10:00",
            "",
            "abcd",
        ] {
            assert!(!is_partial_date(bad), "{bad}");
        }
    }

    #[test]
    fn options_round_trip_popolo_words() {
        for option in RecordedOption::ALL {
            assert_eq!(RecordedOption::from_popolo(option.popolo()), Some(option));
        }
        assert_eq!(RecordedOption::from_popolo("paired"), None);
    }
}
