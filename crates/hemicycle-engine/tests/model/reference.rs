//! A reference model of the chamber: attendance, recorded divisions on motions, and
//! their outcomes under one simple-majority rule with a quorum.
//!
//! It is written from the rules as a clerk would state them, not from the core's code,
//! so that the two can be compared. Everything is small, explicit and slow on purpose.
//!
//! Simplifications (the generator in `model.rs` never leaves this space):
//! - the roster is fixed: no admissions, departures or blocs; no boycotts or excuses;
//! - every division is a recorded division on a motion (no elections, secret ballots,
//!   shows of hands or tellers' counts), under the default decision rule, with no timer;
//! - the decision rule is "more than half of the votes cast" (abstentions not counted),
//!   a tie is lost, and the presiding officer has no casting vote;
//! - the quorum is a number of members present, checked when a sitting opens and when a
//!   division closes; when it fails at a division the question is not decided, and the
//!   sitting carries on, is suspended or is closed, as the standing orders say;
//! - no quorum check on request, no communications, no notices, no follow-up register.
//!
//! Where several things are wrong with a command, the model names the first of: who
//! asks (role, then acting for someone else), then what the command acts on, then the
//! state it finds. The comparison in `model.rs` checks the kind of refusal as well as
//! the refusal itself.

use std::collections::{BTreeMap, BTreeSet};

pub use hemicycle_core::RefusalKind as Refused;

/// Who asks. Indexes are into the person and actor pools of the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// hemicycle itself: may give every command.
    System,
    Clerk(usize),
    Officer(usize),
    /// Someone acting as the member with this name (who may not hold a seat at all).
    Member(&'static str),
}

/// A ballot as the model knows it. `Candidate` is always wrong: divisions are on motions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ballot {
    Yes,
    No,
    Abstain,
    Candidate,
}

/// What someone asks of the chamber, in the model's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    OpenSitting {
        sitting: &'static str,
    },
    SuspendSitting {
        sitting: &'static str,
    },
    ResumeSitting {
        sitting: &'static str,
    },
    CloseSitting {
        sitting: &'static str,
    },
    CheckIn {
        sitting: &'static str,
        member: &'static str,
    },
    CheckOut {
        sitting: &'static str,
        member: &'static str,
    },
    OpenDivision {
        division: &'static str,
        sitting: &'static str,
        motion: &'static str,
    },
    CastBallot {
        division: &'static str,
        member: &'static str,
        ballot: Ballot,
    },
    CloseDivision {
        division: &'static str,
        casting_vote: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SittingStatus {
    Convened,
    Open,
    Suspended,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MotionStatus {
    Tabled,
    Adopted,
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Adopted,
    Rejected,
    NotDecided,
}

/// What the model says a division came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    pub present: u32,
    pub taking_part: u32,
    pub quorum_met: bool,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sitting {
    pub status: SittingStatus,
    pub present: BTreeSet<&'static str>,
    pub open_division: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    pub sitting: &'static str,
    pub motion: &'static str,
    pub ballots: BTreeMap<&'static str, Ballot>,
    pub outcome: Option<Outcome>,
}

/// The standing orders the model knows about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Members who must be present for the chamber to open or to decide.
    pub quorum: u32,
    pub ballot_changes_allowed: bool,
    /// Whether only members checked in may vote; otherwise voting checks a member in.
    pub presence_required: bool,
    /// What happens to the sitting when the quorum fails at a division.
    pub without_quorum: WithoutQuorum,
}

/// What a sitting does when a division finds no quorum present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithoutQuorum {
    /// The question stands over; the sitting carries on.
    CarryOn,
    Suspend,
    /// The sitting is closed.
    Adjourn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub rules: Rules,
    pub members: BTreeSet<&'static str>,
    pub sittings: BTreeMap<&'static str, Sitting>,
    pub motions: BTreeMap<&'static str, MotionStatus>,
    pub divisions: BTreeMap<&'static str, Division>,
}

impl Model {
    /// Members on the roll, sittings convened and motions tabled: nothing else yet.
    pub fn new(
        rules: Rules,
        members: &[&'static str],
        sittings: &[&'static str],
        motions: &[&'static str],
    ) -> Self {
        let convened = Sitting {
            status: SittingStatus::Convened,
            present: BTreeSet::new(),
            open_division: None,
        };
        Model {
            rules,
            members: members.iter().copied().collect(),
            sittings: sittings.iter().map(|&id| (id, convened.clone())).collect(),
            motions: motions
                .iter()
                .map(|&id| (id, MotionStatus::Tabled))
                .collect(),
            divisions: BTreeMap::new(),
        }
    }

    /// Checks `action` asked by `who`; if allowed, carries it out. On refusal nothing changes.
    /// A closed division's outcome is returned.
    pub fn step(&mut self, who: Who, action: &Action) -> Result<Option<Outcome>, Refused> {
        may_ask(who, action)?;
        match *action {
            Action::OpenSitting { sitting } => {
                let record = self.sitting(sitting)?;
                if record.status != SittingStatus::Convened {
                    return Err(Refused::Conflict);
                }
                let another_is_running = self.sittings.values().any(|other| {
                    matches!(other.status, SittingStatus::Open | SittingStatus::Suspended)
                });
                if another_is_running || !self.quorum_present(sitting) {
                    return Err(Refused::Conflict);
                }
                self.sitting_mut(sitting).status = SittingStatus::Open;
                Ok(None)
            }
            Action::SuspendSitting { sitting } => {
                let record = self.sitting(sitting)?;
                if record.status != SittingStatus::Open || record.open_division.is_some() {
                    return Err(Refused::Conflict);
                }
                self.sitting_mut(sitting).status = SittingStatus::Suspended;
                Ok(None)
            }
            Action::ResumeSitting { sitting } => {
                if self.sitting(sitting)?.status != SittingStatus::Suspended {
                    return Err(Refused::Conflict);
                }
                self.sitting_mut(sitting).status = SittingStatus::Open;
                Ok(None)
            }
            Action::CloseSitting { sitting } => {
                let record = self.sitting(sitting)?;
                let running = matches!(
                    record.status,
                    SittingStatus::Open | SittingStatus::Suspended
                );
                if !running || record.open_division.is_some() {
                    return Err(Refused::Conflict);
                }
                self.sitting_mut(sitting).status = SittingStatus::Closed;
                Ok(None)
            }
            // Attendance is taken from the convening of a sitting until it closes.
            Action::CheckIn { sitting, member } => {
                let record = self.sitting(sitting)?;
                self.member(member)?;
                if record.status == SittingStatus::Closed || record.present.contains(member) {
                    return Err(Refused::Conflict);
                }
                self.sitting_mut(sitting).present.insert(member);
                Ok(None)
            }
            Action::CheckOut { sitting, member } => {
                let record = self.sitting(sitting)?;
                self.member(member)?;
                if record.status == SittingStatus::Closed || !record.present.contains(member) {
                    return Err(Refused::Conflict);
                }
                self.sitting_mut(sitting).present.remove(member);
                Ok(None)
            }
            Action::OpenDivision {
                division,
                sitting,
                motion,
            } => {
                if self.divisions.contains_key(division) {
                    return Err(Refused::Conflict);
                }
                let record = self.sitting(sitting)?;
                if record.status != SittingStatus::Open || record.open_division.is_some() {
                    return Err(Refused::Conflict);
                }
                let status = self.motions.get(motion).ok_or(Refused::NotFound)?;
                if *status != MotionStatus::Tabled {
                    return Err(Refused::Conflict);
                }
                self.sitting_mut(sitting).open_division = Some(division);
                self.divisions.insert(
                    division,
                    Division {
                        sitting,
                        motion,
                        ballots: BTreeMap::new(),
                        outcome: None,
                    },
                );
                Ok(None)
            }
            Action::CastBallot {
                division,
                member,
                ballot,
            } => {
                let record = self.open_division(division)?;
                self.member(member)?;
                let sitting = record.sitting;
                let present = self.sittings[sitting].present.contains(member);
                if self.rules.presence_required && !present {
                    return Err(Refused::Conflict);
                }
                if ballot == Ballot::Candidate {
                    return Err(Refused::Invalid);
                }
                match record.ballots.get(member) {
                    Some(&previous) if previous == ballot => return Err(Refused::Conflict),
                    Some(_) if !self.rules.ballot_changes_allowed => return Err(Refused::Conflict),
                    _ => {}
                }
                // Voting where presence is not required shows presence.
                self.sitting_mut(sitting).present.insert(member);
                self.divisions
                    .get_mut(division)
                    .expect("found above")
                    .ballots
                    .insert(member, ballot);
                Ok(None)
            }
            Action::CloseDivision {
                division,
                casting_vote,
            } => {
                let record = self.open_division(division)?;
                // A tie is lost under these standing orders: there is never a casting vote.
                if casting_vote {
                    return Err(Refused::Invalid);
                }
                let sitting = record.sitting;
                let motion = record.motion;
                let outcome = self.outcome(record);
                match outcome.verdict {
                    Verdict::Adopted => self.motions.insert(motion, MotionStatus::Adopted),
                    Verdict::Rejected => self.motions.insert(motion, MotionStatus::Rejected),
                    Verdict::NotDecided => None,
                };
                let without_quorum = self.rules.without_quorum;
                let sitting_record = self.sitting_mut(sitting);
                sitting_record.open_division = None;
                if outcome.verdict == Verdict::NotDecided {
                    match without_quorum {
                        WithoutQuorum::CarryOn => {}
                        WithoutQuorum::Suspend => sitting_record.status = SittingStatus::Suspended,
                        WithoutQuorum::Adjourn => sitting_record.status = SittingStatus::Closed,
                    }
                }
                self.divisions
                    .get_mut(division)
                    .expect("found above")
                    .outcome = Some(outcome);
                Ok(Some(outcome))
            }
        }
    }

    /// The outcome if the division closed now: not decided without a quorum present;
    /// otherwise adopted with more votes for than against, rejected on a tie or fewer.
    fn outcome(&self, division: &Division) -> Outcome {
        let count = |wanted: Ballot| {
            let matching = division
                .ballots
                .values()
                .filter(|&&ballot| ballot == wanted);
            u32::try_from(matching.count()).expect("a handful of members")
        };
        let (yes, no, abstain) = (
            count(Ballot::Yes),
            count(Ballot::No),
            count(Ballot::Abstain),
        );
        let present = u32::try_from(self.sittings[division.sitting].present.len())
            .expect("a handful of members");
        let quorum_met = present >= self.rules.quorum;
        let verdict = if !quorum_met {
            Verdict::NotDecided
        } else if yes > no {
            Verdict::Adopted
        } else {
            Verdict::Rejected
        };
        Outcome {
            yes,
            no,
            abstain,
            present,
            taking_part: yes + no + abstain,
            quorum_met,
            verdict,
        }
    }

    fn quorum_present(&self, sitting: &str) -> bool {
        self.sittings[sitting].present.len() >= self.rules.quorum as usize
    }

    fn sitting(&self, sitting: &str) -> Result<&Sitting, Refused> {
        self.sittings.get(sitting).ok_or(Refused::NotFound)
    }

    fn sitting_mut(&mut self, sitting: &str) -> &mut Sitting {
        self.sittings
            .get_mut(sitting)
            .expect("checked by the caller")
    }

    fn member(&self, member: &str) -> Result<(), Refused> {
        if self.members.contains(member) {
            Ok(())
        } else {
            Err(Refused::NotFound)
        }
    }

    fn open_division(&self, division: &str) -> Result<&Division, Refused> {
        match self.divisions.get(division) {
            None => Err(Refused::NotFound),
            Some(record) if record.outcome.is_some() => Err(Refused::Conflict),
            Some(record) => Ok(record),
        }
    }
}

/// Who may ask for what: the presiding officer runs sittings and divisions; attendance
/// is taken by the clerk, the chair or members themselves; members cast their own
/// ballots; hemicycle itself may do anything. A member acts only for themselves.
fn may_ask(who: Who, action: &Action) -> Result<(), Refused> {
    let allowed = match action {
        Action::OpenSitting { .. }
        | Action::SuspendSitting { .. }
        | Action::ResumeSitting { .. }
        | Action::CloseSitting { .. }
        | Action::OpenDivision { .. }
        | Action::CloseDivision { .. } => matches!(who, Who::System | Who::Officer(_)),
        Action::CheckIn { .. } | Action::CheckOut { .. } => true,
        Action::CastBallot { .. } => matches!(who, Who::System | Who::Member(_)),
    };
    if !allowed {
        return Err(Refused::Forbidden);
    }
    let acted_for = match action {
        Action::CheckIn { member, .. }
        | Action::CheckOut { member, .. }
        | Action::CastBallot { member, .. } => Some(*member),
        _ => None,
    };
    match (who, acted_for) {
        (Who::Member(acting), Some(member)) if acting != member => Err(Refused::Forbidden),
        _ => Ok(()),
    }
}
