//! The outcome engine: a pure function from the rules, the chamber's size, attendance
//! and the tally to an [`Outcome`] whose every number can be reproduced by hand, and
//! the sentences a clerk reads out.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::ids::{CandidateId, DecisionId, GroupId};
use crate::rules::{
    Base, ChamberSize, DecisionRule, QuorumCount, QuorumRule, Threshold, ThresholdKind, TieRule,
};

/// The counted votes of one division (or of one group within it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Tally {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    /// Votes per candidate, in an election.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub candidates: IndexMap<CandidateId, u32>,
}

impl Tally {
    /// Votes for a side or a candidate (abstentions excluded).
    pub fn votes_cast(&self) -> u32 {
        self.yes.saturating_add(self.no).saturating_add(
            self.candidates
                .values()
                .fold(0u32, |sum, votes| sum.saturating_add(*votes)),
        )
    }

    pub fn ballots(&self) -> u32 {
        self.votes_cast().saturating_add(self.abstain)
    }
}

/// One of the two sides of a yes/no question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub enum Side {
    Yes,
    No,
}

/// Where the quorum was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuorumOccasion {
    Opening,
    Division,
    Request,
}

/// A quorum check, with its numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumReport {
    /// Members counted (present, or taking part in a division), before any extra.
    pub counted: u32,
    /// Members counted besides them (tellers, the chair), per the standing orders.
    #[serde(default)]
    pub counted_extra: u32,
    pub required: u32,
    pub met: bool,
    pub label: String,
    pub counted_taking_part: bool,
}

impl QuorumReport {
    pub fn total(&self) -> u32 {
        self.counted.saturating_add(self.counted_extra)
    }

    /// "Quorum: 172 present, 165 required (absolute majority of 329) — met with 7 to spare."
    pub fn sentence(&self) -> String {
        let counted = if self.counted_taking_part {
            format!("{} taking part", self.counted)
        } else {
            format!("{} present", self.counted)
        };
        let counted = if self.counted_extra > 0 {
            format!(
                "{counted} (with {} more counted under the standing orders: {})",
                self.counted_extra,
                self.total()
            )
        } else {
            counted
        };
        // A report read from a forged or damaged journal may claim a verdict its numbers
        // contradict; the sentence then says both, for the replay error that quotes it.
        let verdict = match (self.met, self.total().checked_sub(self.required)) {
            (true, Some(0)) => "met exactly, with none to spare".to_owned(),
            (true, Some(1)) => "met with 1 to spare".to_owned(),
            (true, Some(spare)) => format!("met with {spare} to spare"),
            (true, None) => format!("met, although {} short", self.required - self.total()),
            (false, None) => format!("not met, {} short", self.required - self.total()),
            (false, Some(spare)) => format!("not met, although {spare} to spare"),
        };
        format!(
            "Quorum: {counted}, {} required ({}) — {verdict}.",
            self.required, self.label
        )
    }
}

/// Computes a quorum check.
pub fn check_quorum(
    rule: &QuorumRule,
    sizes: &ChamberSize,
    present: u32,
    taking_part: Option<u32>,
) -> QuorumReport {
    let (counted, counted_taking_part) = match (rule.counted, taking_part) {
        (QuorumCount::TakingPart, Some(taking_part)) => (taking_part, true),
        _ => (present, false),
    };
    let counted_extra = if counted_taking_part {
        rule.counted_extra
    } else {
        0
    };
    let kind = rule
        .required
        .kind()
        .expect("standing orders are validated before use");
    let required = Threshold::required(kind, base_size(kind, sizes, 0, &Tally::default()));
    let total = counted.saturating_add(counted_extra);
    QuorumReport {
        counted,
        counted_extra,
        required,
        met: total >= required,
        label: rule.required.describe(sizes),
        counted_taking_part,
    }
}

fn base_size(kind: ThresholdKind, sizes: &ChamberSize, present: u32, tally: &Tally) -> u32 {
    match kind {
        ThresholdKind::Fixed(_) => 0,
        ThresholdKind::MoreThan(_, base) | ThresholdKind::AtLeast(_, base) => match base {
            Base::VotesCast => tally.votes_cast(),
            Base::VotesCastAndAbstentions => tally.ballots(),
            Base::Present => present,
            Base::Members => sizes.members,
            Base::Seats => sizes.seats,
        },
    }
}

fn base_of(kind: ThresholdKind) -> Option<Base> {
    match kind {
        ThresholdKind::Fixed(_) => None,
        ThresholdKind::MoreThan(_, base) | ThresholdKind::AtLeast(_, base) => Some(base),
    }
}

/// One requirement of a decision rule, measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementReport {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<GroupId>,
    /// What the requirement is a share of, and its size (none for a fixed number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Base>,
    pub base_count: u32,
    pub required: u32,
    /// Votes in favour (or for the candidate).
    pub achieved: u32,
    pub met: bool,
}

impl RequirementReport {
    fn sentence(&self, in_favour: &str) -> String {
        let of_base = match self.base {
            Some(base) => format!(" of {}", base.count_in_words(self.base_count)),
            None => String::new(),
        };
        format!(
            "{} {in_favour}{of_base}, {} required ({})",
            self.achieved, self.required, self.label
        )
    }
}

/// How a tie was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieReport {
    pub rule: TieRule,
    /// The side that prevailed, if any (none when the rule says the motion fails
    /// or the presiding officer did not vote).
    pub prevailing: Option<Side>,
}

/// The verdict on a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    Adopted,
    Rejected,
    /// The quorum failed at the vote: the question is not decided.
    NotDecided,
    Elected {
        candidate: CandidateId,
    },
    /// No candidate met the requirements: a run-off between the two leading candidates.
    RunOff {
        candidates: Vec<CandidateId>,
        decision: DecisionId,
    },
    NotElected,
}

impl Verdict {
    pub fn in_words(&self) -> String {
        match self {
            Verdict::Adopted => "adopted".into(),
            Verdict::Rejected => "rejected".into(),
            Verdict::NotDecided => "not decided".into(),
            Verdict::Elected { candidate } => format!("{candidate} elected"),
            Verdict::RunOff { candidates, .. } => {
                let names: Vec<&str> = candidates.iter().map(CandidateId::as_str).collect();
                format!(
                    "no candidate elected; run-off between {}",
                    names.join(" and ")
                )
            }
            Verdict::NotElected => "no candidate elected".into(),
        }
    }
}

/// The complete outcome of a division: what was counted, what was required, the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub decision: DecisionId,
    pub decision_label: String,
    pub tally: Tally,
    pub present: u32,
    pub taking_part: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<QuorumReport>,
    pub requirements: Vec<RequirementReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tie: Option<TieReport>,
    /// In an election, the candidate measured against the requirements (the leader).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leading_candidate: Option<CandidateId>,
    pub verdict: Verdict,
}

/// What the outcome engine needs to know about one division.
#[derive(Debug, Clone)]
pub struct DivisionFacts<'a> {
    pub decision: &'a DecisionId,
    pub rule: &'a DecisionRule,
    pub quorum: Option<&'a QuorumRule>,
    pub tie: TieRule,
    pub sizes: ChamberSize,
    pub present: u32,
    pub taking_part: u32,
    pub tally: &'a Tally,
    /// Tallies inside the groups named by `within` requirements, with their present counts.
    pub groups: &'a IndexMap<GroupId, (u32, Tally)>,
    /// How the presiding officer voted, for [`TieRule::ChairSide`].
    pub chair_side: Option<Side>,
    /// The presiding officer's casting vote, for [`TieRule::CastingVote`].
    pub casting_vote: Option<Side>,
}

/// Decides a division. Pure: the same facts always give the same outcome.
pub fn decide(facts: &DivisionFacts<'_>) -> Outcome {
    let quorum = facts
        .quorum
        .map(|rule| check_quorum(rule, &facts.sizes, facts.present, Some(facts.taking_part)));
    let mut outcome = Outcome {
        decision: facts.decision.clone(),
        decision_label: facts.rule.describe(&facts.sizes),
        tally: facts.tally.clone(),
        present: facts.present,
        taking_part: facts.taking_part,
        quorum,
        requirements: Vec::new(),
        tie: None,
        leading_candidate: None,
        verdict: Verdict::NotDecided,
    };
    if outcome.quorum.as_ref().is_some_and(|quorum| !quorum.met) {
        return outcome;
    }
    if facts.rule.election {
        decide_election(facts, &mut outcome);
    } else {
        decide_motion(facts, &mut outcome);
    }
    outcome
}

fn measure(
    requirement: &Threshold,
    sizes: &ChamberSize,
    present: u32,
    tally: &Tally,
    achieved: u32,
) -> RequirementReport {
    let kind = requirement
        .kind()
        .expect("standing orders are validated before use");
    let base_count = base_size(kind, sizes, present, tally);
    let required = Threshold::required(kind, base_count);
    RequirementReport {
        label: requirement.describe(sizes),
        within: requirement.within.clone(),
        base: base_of(kind),
        base_count,
        required,
        achieved,
        met: achieved >= required,
    }
}

fn decide_motion(facts: &DivisionFacts<'_>, outcome: &mut Outcome) {
    let empty = Tally::default();
    for requirement in &facts.rule.requirements {
        let (present, tally) = match &requirement.within {
            Some(group) => facts
                .groups
                .get(group)
                .map(|(present, tally)| (*present, tally))
                .unwrap_or((0, &empty)),
            None => (facts.present, facts.tally),
        };
        outcome.requirements.push(measure(
            requirement,
            &facts.sizes,
            present,
            tally,
            tally.yes,
        ));
    }
    let all_met = outcome.requirements.iter().all(|report| report.met);
    let is_tie = facts.tally.yes == facts.tally.no && facts.tally.yes > 0;
    // A tie-break is worth one vote: a tie matters only if one more vote in favour would
    // carry the motion. Otherwise (a two-thirds rule, a majority of all members) the
    // motion fails on its requirements, whichever way the tie is broken.
    let decisive = is_tie && {
        let mut broken = facts.tally.clone();
        broken.yes = broken.yes.saturating_add(1);
        facts
            .rule
            .requirements
            .iter()
            .zip(&outcome.requirements)
            .all(|(requirement, report)| match requirement.within {
                Some(_) => report.met,
                None => {
                    measure(
                        requirement,
                        &facts.sizes,
                        facts.present,
                        &broken,
                        broken.yes,
                    )
                    .met
                }
            })
    };
    if decisive {
        let prevailing = match facts.tie {
            TieRule::Fails => None,
            TieRule::CastingVote => facts.casting_vote,
            TieRule::ChairSide => facts.chair_side,
        };
        outcome.tie = Some(TieReport {
            rule: facts.tie,
            prevailing,
        });
        // A tie is settled by the tie rule alone: a casting vote for the motion carries it,
        // anything else leaves it rejected.
        outcome.verdict = if prevailing == Some(Side::Yes) {
            Verdict::Adopted
        } else {
            Verdict::Rejected
        };
        return;
    }
    outcome.verdict = if all_met {
        Verdict::Adopted
    } else {
        Verdict::Rejected
    };
}

fn decide_election(facts: &DivisionFacts<'_>, outcome: &mut Outcome) {
    let mut ranked: Vec<(&CandidateId, u32)> = facts
        .tally
        .candidates
        .iter()
        .map(|(candidate, votes)| (candidate, *votes))
        .collect();
    // Most votes first; equal votes keep the order in which candidates were listed.
    ranked.sort_by_key(|(_, votes)| std::cmp::Reverse(*votes));
    let Some(&(leader, leader_votes)) = ranked.first() else {
        outcome.verdict = Verdict::NotElected;
        return;
    };
    outcome.leading_candidate = Some(leader.clone());
    for requirement in &facts.rule.requirements {
        outcome.requirements.push(measure(
            requirement,
            &facts.sizes,
            facts.present,
            facts.tally,
            leader_votes,
        ));
    }
    let all_met = outcome.requirements.iter().all(|report| report.met);
    let leader_alone = ranked.get(1).is_none_or(|second| second.1 < leader_votes);
    outcome.verdict = if all_met && leader_votes > 0 && (leader_alone || !facts.rule.plurality) {
        Verdict::Elected {
            candidate: leader.clone(),
        }
    } else if let (Some(runoff), true) = (&facts.rule.runoff, ranked.len() >= 2) {
        Verdict::RunOff {
            candidates: ranked
                .iter()
                .take(2)
                .map(|(candidate, _)| (*candidate).clone())
                .collect(),
            decision: runoff.clone(),
        }
    } else {
        Verdict::NotElected
    };
}

impl Outcome {
    /// The explanation a clerk reads out, e.g. "Quorum: 172 present, 165 required
    /// (absolute majority of 329) — met with 7 to spare. Majority: 170 in favour of 172
    /// present, 87 required (simple majority of members present) — adopted."
    pub fn explanation(&self) -> String {
        let mut sentences = Vec::new();
        if let Some(quorum) = &self.quorum {
            sentences.push(quorum.sentence());
            if !quorum.met {
                sentences.push("The question is not decided.".into());
                return sentences.join(" ");
            }
        }
        let counts = if self.tally.candidates.is_empty() {
            format!(
                "Votes: {} in favour, {} against, {} abstaining; {} present, {} taking part.",
                self.tally.yes, self.tally.no, self.tally.abstain, self.present, self.taking_part
            )
        } else {
            let per_candidate: Vec<String> = self
                .tally
                .candidates
                .iter()
                .map(|(candidate, votes)| format!("{candidate} {votes}"))
                .collect();
            format!(
                "Votes: {}; {} abstaining or blank; {} present, {} taking part.",
                per_candidate.join(", "),
                self.tally.abstain,
                self.present,
                self.taking_part
            )
        };
        if let Some(tie) = &self.tie {
            sentences.push(counts);
            let how = match (tie.rule, tie.prevailing) {
                (TieRule::Fails, _) => "under the standing orders a tie is lost".to_owned(),
                (TieRule::CastingVote, Some(side)) => {
                    format!(
                        "the presiding officer gave a casting vote {}",
                        side_words(side)
                    )
                }
                (TieRule::CastingVote, None) => "no casting vote was given".to_owned(),
                (TieRule::ChairSide, Some(side)) => format!(
                    "the side the presiding officer voted with prevails: {}",
                    side_words(side)
                ),
                (TieRule::ChairSide, None) => {
                    "the presiding officer did not vote, so the tie is lost".to_owned()
                }
            };
            sentences.push(format!(
                "Tie: {} for, {} against; {how} — {}.",
                self.tally.yes,
                self.tally.no,
                self.verdict.in_words()
            ));
            return sentences.join(" ");
        }
        let in_favour = match &self.leading_candidate {
            Some(candidate) => format!("for {candidate}"),
            None => "in favour".to_owned(),
        };
        match self.requirements.as_slice() {
            [] => {
                sentences.push(counts);
                sentences.push(format!(
                    "Result ({}): {}.",
                    self.decision_label,
                    self.verdict.in_words()
                ));
            }
            [single] => sentences.push(format!(
                "Majority: {} — {}.",
                single.sentence(&in_favour),
                self.verdict.in_words()
            )),
            several => {
                for (index, requirement) in several.iter().enumerate() {
                    sentences.push(format!(
                        "Requirement {} of {}: {} — {}.",
                        index + 1,
                        several.len(),
                        requirement.sentence(&in_favour),
                        if requirement.met { "met" } else { "not met" }
                    ));
                }
                sentences.push(format!("Result: {}.", self.verdict.in_words()));
            }
        }
        sentences.join(" ")
    }
}

fn side_words(side: Side) -> &'static str {
    match side {
        Side::Yes => "in favour",
        Side::No => "against",
    }
}

#[cfg(test)]
mod tests;
