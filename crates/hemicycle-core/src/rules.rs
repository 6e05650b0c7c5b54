//! Standing orders as data: the quorum, the voting rules and the named decision rules.
//!
//! These types are both the wire format carried by journal events and the shape of a
//! chamber's standing-orders TOML file. [`StandingOrders::validate`] turns a loosely
//! shaped file into rules whose every combination is meaningful; events only ever
//! carry validated rules.

use std::fmt;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::ids::{DecisionId, GroupId};

/// A fraction such as 1/2, 2/3 or 3/5, written `"2/3"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Fraction {
    pub numerator: u32,
    pub denominator: u32,
}

impl Fraction {
    pub const HALF: Fraction = Fraction {
        numerator: 1,
        denominator: 2,
    };

    pub fn new(numerator: u32, denominator: u32) -> Result<Self, RulesError> {
        if denominator == 0 || numerator > denominator {
            return Err(RulesError::new(
                "fraction",
                format!("{numerator}/{denominator} is not a fraction between 0 and 1"),
            ));
        }
        Ok(Self {
            numerator,
            denominator,
        })
    }

    /// The fraction in words, as a clerk would say it.
    pub fn in_words(&self) -> String {
        match (self.numerator, self.denominator) {
            (1, 2) => "half".into(),
            (1, 3) => "one third".into(),
            (2, 3) => "two thirds".into(),
            (1, 4) => "one quarter".into(),
            (3, 4) => "three quarters".into(),
            (3, 5) => "three fifths".into(),
            (1, 1) => "all".into(),
            (n, d) => format!("{n}/{d}"),
        }
    }
}

impl TryFrom<String> for Fraction {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let invalid = || format!("\"{text}\" is not a fraction like \"1/2\" or \"2/3\"");
        let (numerator, denominator) = text.split_once('/').ok_or_else(invalid)?;
        let numerator: u32 = numerator.trim().parse().map_err(|_| invalid())?;
        let denominator: u32 = denominator.trim().parse().map_err(|_| invalid())?;
        Fraction::new(numerator, denominator).map_err(|error| error.message)
    }
}

/// The wire form of a fraction as a regular expression (ECMA 262), exactly the syntax
/// `Fraction::try_from(String)` reads: two unsigned integers (an optional `+`, then
/// digits) around a `/`, each with optional white space around it; the denominator is not
/// zero. That the numerator is at most the denominator, and that both fit in 32 bits,
/// is checked too but not expressed here. Written back as `n/d`.
pub const FRACTION_PATTERN: &str = r"^\s*\+?[0-9]+\s*/\s*\+?0*[1-9][0-9]*\s*$";

/// On the wire, a string `"n/d"` (see [`FRACTION_PATTERN`]).
#[cfg(feature = "json-schema")]
impl schemars::JsonSchema for Fraction {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Fraction".into()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        concat!(module_path!(), "::Fraction").into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": FRACTION_PATTERN,
            "description": "A fraction between 0 and 1 written `n/d`, such as `1/2` or `2/3`: \
                the numerator at most the denominator, the denominator not zero, both \
                32-bit unsigned integers.",
            "examples": ["1/2", "2/3", "3/5"],
        })
    }
}

impl From<Fraction> for String {
    fn from(fraction: Fraction) -> String {
        fraction.to_string()
    }
}

impl fmt::Display for Fraction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}/{}", self.numerator, self.denominator)
    }
}

/// What a threshold is a fraction of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum Base {
    /// Votes for and against; abstentions are not counted.
    VotesCast,
    /// Votes for and against, and abstentions.
    VotesCastAndAbstentions,
    /// Members present in the sitting.
    Present,
    /// Members currently holding a seat (vacant seats not counted).
    Members,
    /// All seats of the chamber, vacant or not.
    Seats,
}

impl Base {
    /// "172 present", "329 seats": a count of this base, in words.
    pub fn count_in_words(self, count: u32) -> String {
        match self {
            Base::VotesCast => format!("{count} votes cast"),
            Base::VotesCastAndAbstentions => format!("{count} votes cast and abstentions"),
            Base::Present => format!("{count} present"),
            Base::Members => format!("{count} members"),
            Base::Seats => format!("{count} seats"),
        }
    }
}

/// A number that must be reached: a fixed count, or a fraction of a base.
///
/// Written in TOML as `{ fixed = 40 }`, `{ more_than = "1/2", of = "present" }` or
/// `{ at_least = "2/3", of = "seats" }`; `within = { bloc = "kdp" }` restricts a
/// majority requirement to the members of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Threshold {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_than: Option<Fraction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<Fraction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<Base>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<GroupId>,
    /// The words a clerk reads out for this threshold; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// The meaning of a validated [`Threshold`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdKind {
    Fixed(u32),
    MoreThan(Fraction, Base),
    AtLeast(Fraction, Base),
}

impl Threshold {
    pub fn more_than(fraction: Fraction, of: Base) -> Self {
        Threshold {
            fixed: None,
            more_than: Some(fraction),
            at_least: None,
            of: Some(of),
            within: None,
            label: None,
        }
    }

    pub fn at_least(fraction: Fraction, of: Base) -> Self {
        Threshold {
            at_least: Some(fraction),
            more_than: None,
            ..Self::more_than(fraction, of)
        }
    }

    pub fn fixed(count: u32) -> Self {
        Threshold {
            fixed: Some(count),
            more_than: None,
            at_least: None,
            of: None,
            within: None,
            label: None,
        }
    }

    /// Checks that exactly one way of setting the threshold is used, with a base where one is needed.
    pub fn kind(&self) -> Result<ThresholdKind, String> {
        match (self.fixed, self.more_than, self.at_least, self.of) {
            (Some(count), None, None, None) => Ok(ThresholdKind::Fixed(count)),
            (Some(_), None, None, Some(_)) => {
                Err("a fixed threshold takes no `of`: remove `of` or use `more_than`/`at_least`".into())
            }
            (None, Some(fraction), None, Some(base)) => Ok(ThresholdKind::MoreThan(fraction, base)),
            (None, None, Some(fraction), Some(base)) => Ok(ThresholdKind::AtLeast(fraction, base)),
            (None, Some(_), None, None) | (None, None, Some(_), None) => Err(
                "a fraction needs `of`: one of votes_cast, votes_cast_and_abstentions, present, members, seats".into(),
            ),
            (None, None, None, _) => Err("give one of `fixed`, `more_than` or `at_least`".into()),
            _ => Err("give only one of `fixed`, `more_than` or `at_least`".into()),
        }
    }

    /// The smallest count that satisfies the threshold, given the size of its base.
    ///
    /// `more_than n/d of b` needs the smallest k with k·d > b·n, i.e. ⌊b·n/d⌋ + 1;
    /// `at_least n/d of b` needs the smallest k with k·d ≥ b·n, i.e. ⌈b·n/d⌉.
    /// Computed in 64 bits so that no base up to u32::MAX overflows.
    pub fn required(kind: ThresholdKind, base_count: u32) -> u32 {
        match kind {
            ThresholdKind::Fixed(count) => count,
            ThresholdKind::MoreThan(fraction, _) => {
                let product = u64::from(base_count) * u64::from(fraction.numerator);
                let required = product / u64::from(fraction.denominator) + 1;
                u32::try_from(required).unwrap_or(u32::MAX)
            }
            ThresholdKind::AtLeast(fraction, _) => {
                let product = u64::from(base_count) * u64::from(fraction.numerator);
                let required = product.div_ceil(u64::from(fraction.denominator));
                u32::try_from(required).unwrap_or(u32::MAX)
            }
        }
    }

    /// The words for this threshold, e.g. "simple majority of members present".
    pub fn describe(&self, sizes: &ChamberSize) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let Ok(kind) = self.kind() else {
            return "an invalid threshold".into();
        };
        let words = match kind {
            ThresholdKind::Fixed(count) => format!("{count} members"),
            ThresholdKind::MoreThan(fraction, base) if fraction == Fraction::HALF => match base {
                Base::VotesCast => "majority of votes cast".into(),
                Base::VotesCastAndAbstentions => {
                    "majority of votes cast, abstentions included".into()
                }
                Base::Present => "simple majority of members present".into(),
                Base::Members => format!("absolute majority of the {} members", sizes.members),
                Base::Seats => format!("absolute majority of {}", sizes.seats),
            },
            ThresholdKind::MoreThan(fraction, base) => {
                format!(
                    "more than {} of {}",
                    fraction.in_words(),
                    base_noun(base, sizes)
                )
            }
            ThresholdKind::AtLeast(fraction, base) => {
                format!("{} of {}", fraction.in_words(), base_noun(base, sizes))
            }
        };
        match &self.within {
            Some(group) => format!("{words}, within {group}"),
            None => words,
        }
    }
}

fn base_noun(base: Base, sizes: &ChamberSize) -> String {
    match base {
        Base::VotesCast => "votes cast".into(),
        Base::VotesCastAndAbstentions => "votes cast and abstentions".into(),
        Base::Present => "members present".into(),
        Base::Members => format!("all members ({})", sizes.members),
        Base::Seats => format!("all {} seats", sizes.seats),
    }
}

/// How big the chamber is at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChamberSize {
    /// Seats of the chamber, vacant or not.
    pub seats: u32,
    /// Members currently holding a seat.
    pub members: u32,
}

/// Who is counted for the quorum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum QuorumCount {
    /// Members present in the sitting.
    #[default]
    Present,
    /// At a division, the members taking part in it (UK Commons: "forty needed in a division");
    /// at other checks, the members present.
    TakingPart,
}

/// When the quorum is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum QuorumCheckPoint {
    Opening,
    EveryVote,
    OnRequest,
}

/// What happens when a quorum check fails in an open sitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum QuorumFailure {
    /// The sitting is suspended until the quorum is restored.
    Suspend,
    /// The sitting is adjourned (closed).
    Adjourn,
    /// The business (the question before the chamber) stands over to a later sitting.
    StandOver,
}

/// The quorum rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct QuorumRule {
    pub required: Threshold,
    #[serde(default)]
    pub counted: QuorumCount,
    /// Members counted besides those present or voting, e.g. the 4 tellers and the
    /// occupant of the chair in the UK House of Commons.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub counted_extra: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted_extra_label: Option<String>,
    pub checked: Vec<QuorumCheckPoint>,
    pub when_not_met: QuorumFailure,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// How a tie (as many votes for as against) is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum TieRule {
    /// The motion fails.
    #[default]
    Fails,
    /// The presiding officer gives a casting vote when closing the division.
    CastingVote,
    /// The side the presiding officer voted with prevails (Iraq, bylaws art. 23).
    ChairSide,
}

/// Rules that apply to every division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct VotingRules {
    /// Whether a member may change a recorded ballot while the division is open.
    #[serde(default, skip_serializing_if = "is_false")]
    pub ballot_changes_allowed: bool,
    /// Whether a member must be checked in as present to vote.
    #[serde(default = "default_true")]
    pub presence_required: bool,
    /// How long a division stays open for ballots, in seconds; none means until closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timer_seconds: Option<u32>,
    #[serde(default)]
    pub tie: TieRule,
}

fn default_true() -> bool {
    true
}

/// A named decision rule: what a question needs to be carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct DecisionRule {
    /// The words for the whole rule; generated from the requirements when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Every requirement must hold (e.g. 2/3 of votes cast AND a majority of all members).
    #[serde(default)]
    pub requirements: Vec<Threshold>,
    /// An election between candidates rather than a yes/no question.
    #[serde(default, skip_serializing_if = "is_false")]
    pub election: bool,
    /// In an election, the candidate with the most votes wins (once the requirements hold).
    #[serde(default, skip_serializing_if = "is_false")]
    pub plurality: bool,
    /// In an election where no candidate meets the requirements, the rule of the run-off
    /// between the two leading candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runoff: Option<DecisionId>,
}

impl DecisionRule {
    pub fn describe(&self, sizes: &ChamberSize) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let parts: Vec<String> = self
            .requirements
            .iter()
            .map(|requirement| requirement.describe(sizes))
            .collect();
        match (parts.is_empty(), self.plurality) {
            (true, _) => "most votes".into(),
            (false, true) => format!("most votes, with {}", parts.join(" and ")),
            (false, false) => parts.join(" and "),
        }
    }
}

/// The standing orders of a chamber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct StandingOrders {
    pub quorum: QuorumRule,
    pub voting: VotingRules,
    /// The decision rule used when a motion names none.
    pub default_decision: DecisionId,
    pub decisions: IndexMap<DecisionId, DecisionRule>,
}

/// A rule that does not make sense, with the dotted path of the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RulesError {
    pub field: String,
    pub message: String,
}

impl RulesError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Limits that keep standing orders small enough to reason about.
pub const DECISION_RULES_MAX: usize = 64;
pub const REQUIREMENTS_PER_DECISION_MAX: usize = 8;
pub const LABEL_LENGTH_MAX: usize = 200;

impl StandingOrders {
    /// Checks every rule; the first problem found is returned with its field path.
    pub fn validate(&self) -> Result<(), RulesError> {
        let quorum_kind = self
            .quorum
            .required
            .kind()
            .map_err(|message| RulesError::new("quorum.required", message))?;
        match quorum_kind {
            ThresholdKind::MoreThan(_, base) | ThresholdKind::AtLeast(_, base)
                if !matches!(base, Base::Seats | Base::Members) =>
            {
                return Err(RulesError::new(
                    "quorum.required.of",
                    "a quorum is a share of the seats or of the members: use `seats` or `members`",
                ));
            }
            _ => {}
        }
        if self.quorum.required.within.is_some() {
            return Err(RulesError::new(
                "quorum.required.within",
                "a quorum cannot be restricted to a group",
            ));
        }
        if self.quorum.checked.is_empty() {
            return Err(RulesError::new(
                "quorum.checked",
                "say when the quorum is checked: any of opening, every_vote, on_request",
            ));
        }
        check_label(
            "quorum.required.label",
            self.quorum.required.label.as_deref(),
        )?;
        check_label(
            "quorum.counted_extra_label",
            self.quorum.counted_extra_label.as_deref(),
        )?;
        if self.voting.timer_seconds == Some(0) {
            return Err(RulesError::new(
                "voting.timer_seconds",
                "a vote timer of 0 seconds would close every division at once; leave it out for no timer",
            ));
        }
        if self.decisions.is_empty() {
            return Err(RulesError::new(
                "decisions",
                "at least one decision rule is needed",
            ));
        }
        if self.decisions.len() > DECISION_RULES_MAX {
            return Err(RulesError::new(
                "decisions",
                format!("at most {DECISION_RULES_MAX} decision rules are allowed"),
            ));
        }
        if !self.decisions.contains_key(&self.default_decision) {
            return Err(RulesError::new(
                "default_decision",
                format!(
                    "no decision rule named \"{}\" in [decisions]",
                    self.default_decision
                ),
            ));
        }
        if self.decisions[&self.default_decision].election {
            return Err(RulesError::new(
                "default_decision",
                "the default decision rule must be for motions, not an election",
            ));
        }
        for (name, rule) in &self.decisions {
            let path = format!("decisions.{name}");
            check_label(&format!("{path}.label"), rule.label.as_deref())?;
            if rule.requirements.len() > REQUIREMENTS_PER_DECISION_MAX {
                return Err(RulesError::new(
                    format!("{path}.requirements"),
                    format!("at most {REQUIREMENTS_PER_DECISION_MAX} requirements are allowed"),
                ));
            }
            if rule.requirements.is_empty() && !rule.plurality {
                return Err(RulesError::new(
                    format!("{path}.requirements"),
                    "give at least one requirement (or `plurality = true` for an election)",
                ));
            }
            if rule.plurality && !rule.election {
                return Err(RulesError::new(
                    format!("{path}.plurality"),
                    "`plurality` only applies to elections: add `election = true`",
                ));
            }
            if let Some(runoff) = &rule.runoff {
                if !rule.election {
                    return Err(RulesError::new(
                        format!("{path}.runoff"),
                        "a run-off only applies to elections: add `election = true`",
                    ));
                }
                match self.decisions.get(runoff) {
                    None => {
                        return Err(RulesError::new(
                            format!("{path}.runoff"),
                            format!("no decision rule named \"{runoff}\" in [decisions]"),
                        ))
                    }
                    Some(runoff_rule) if !runoff_rule.election => {
                        return Err(RulesError::new(
                            format!("{path}.runoff"),
                            format!("the run-off rule \"{runoff}\" must itself be an election"),
                        ))
                    }
                    Some(_) => {}
                }
            }
            for (index, requirement) in rule.requirements.iter().enumerate() {
                let requirement_path = format!("{path}.requirements[{index}]");
                requirement
                    .kind()
                    .map_err(|message| RulesError::new(&requirement_path, message))?;
                check_label(
                    &format!("{requirement_path}.label"),
                    requirement.label.as_deref(),
                )?;
                if rule.election && requirement.within.is_some() {
                    return Err(RulesError::new(
                        format!("{requirement_path}.within"),
                        "a separate majority within a group applies to motions, not elections",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The decision rule named `decision`, or the default one.
    pub fn decision(&self, decision: Option<&DecisionId>) -> Option<(&DecisionId, &DecisionRule)> {
        let name = decision.unwrap_or(&self.default_decision);
        self.decisions.get_key_value(name)
    }
}

fn check_label(field: &str, label: Option<&str>) -> Result<(), RulesError> {
    match label {
        Some(text) if text.trim().is_empty() => {
            Err(RulesError::new(field, "a label cannot be empty"))
        }
        Some(text) if text.len() > LABEL_LENGTH_MAX => Err(RulesError::new(
            field,
            format!("a label is at most {LABEL_LENGTH_MAX} bytes"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fraction(text: &str) -> Fraction {
        Fraction::try_from(text.to_owned()).unwrap()
    }

    #[test]
    fn required_counts_match_the_hand_computation() {
        let half = fraction("1/2");
        let two_thirds = fraction("2/3");
        // Absolute majority of 329 is 165; simple majority of 172 present is 87.
        assert_eq!(
            Threshold::required(ThresholdKind::MoreThan(half, Base::Seats), 329),
            165
        );
        assert_eq!(
            Threshold::required(ThresholdKind::MoreThan(half, Base::Present), 172),
            87
        );
        // Two thirds of 329 is 219.33…, so 220 members are needed to elect the President.
        assert_eq!(
            Threshold::required(ThresholdKind::AtLeast(two_thirds, Base::Seats), 329),
            220
        );
        // Two thirds of 300 is exactly 200.
        assert_eq!(
            Threshold::required(ThresholdKind::AtLeast(two_thirds, Base::Seats), 300),
            200
        );
        // US House: a majority of 435 is 218.
        assert_eq!(
            Threshold::required(ThresholdKind::MoreThan(half, Base::Members), 435),
            218
        );
        // No overflow at the largest base.
        assert_eq!(
            Threshold::required(ThresholdKind::MoreThan(half, Base::Seats), u32::MAX),
            u32::MAX / 2 + 1
        );
    }

    #[test]
    fn fractions_are_checked() {
        assert!(Fraction::try_from("3/2".to_owned()).is_err());
        assert!(Fraction::try_from("1/0".to_owned()).is_err());
        assert!(Fraction::try_from("half".to_owned()).is_err());
        assert_eq!(fraction(" 3 / 5 "), Fraction::new(3, 5).unwrap());
    }

    #[test]
    fn thresholds_need_exactly_one_form() {
        let mut threshold = Threshold::fixed(40);
        assert_eq!(threshold.kind(), Ok(ThresholdKind::Fixed(40)));
        threshold.more_than = Some(Fraction::HALF);
        assert!(threshold.kind().is_err());
        let fraction_without_base = Threshold {
            of: None,
            ..Threshold::more_than(Fraction::HALF, Base::Present)
        };
        assert!(fraction_without_base
            .kind()
            .unwrap_err()
            .contains("needs `of`"));
    }
}
