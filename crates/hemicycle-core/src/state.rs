//! The chamber's state: a fold over journal events.
//!
//! [`State::apply`] is the only way state changes. It checks each event against the
//! state before applying it (an event that refers to something unknown, or whose
//! recorded quorum or outcome differs from what the rules give, is a replay error),
//! so a journal that verifies but says something impossible is caught on replay.

use indexmap::{IndexMap, IndexSet};

use crate::actor::Actor;
use crate::event::Event;
use crate::history::{
    ExternalIdentifier, MemberDetails, Occasion, RecordedDivision, RecordedMotion, Subject,
};
use crate::ids::{
    BlocId, CandidateId, CoalitionId, CommunicationId, DecisionId, DivisionId, GroupId, MemberId,
    MotionId, OccasionId, SittingId,
};
use crate::model::{
    AgendaItem, BlocKind, Choice, Date, DivisionMethod, FollowUpConclusion, FollowUpStatus,
    MotionKind, Presence, Question, SittingKind, Sponsor, Timestamp,
};
use crate::outcome::{
    check_quorum, decide, DivisionFacts, Outcome, QuorumOccasion, QuorumReport, Side, Tally,
    Verdict,
};
use crate::rules::{ChamberSize, StandingOrders};

#[derive(Debug, Clone, PartialEq)]
pub struct Chamber {
    pub name: String,
    pub seats: u32,
    pub standing_orders: StandingOrders,
    pub established_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bloc {
    pub id: BlocId,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: BlocKind,
    pub colour: Option<String>,
}

impl Bloc {
    /// How the bloc is named in tables: its short name, else its name.
    pub fn label(&self) -> &str {
        self.short_name.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Coalition {
    pub id: CoalitionId,
    pub name: String,
    pub blocs: IndexSet<BlocId>,
}

/// A member's belonging to a bloc over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub bloc: BlocId,
    pub from: Date,
    /// The last day, if the membership has ended.
    pub until: Option<Date>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub constituency: Option<String>,
    pub departed: Option<String>,
    pub memberships: Vec<Membership>,
}

impl Member {
    /// Whether the member holds a seat now.
    pub fn is_sitting(&self) -> bool {
        self.departed.is_none()
    }

    pub fn current_bloc(&self) -> Option<&BlocId> {
        self.memberships
            .last()
            .filter(|membership| membership.until.is_none())
            .map(|membership| &membership.bloc)
    }

    /// The bloc the member belonged to on `date`.
    pub fn bloc_on(&self, date: Date) -> Option<&BlocId> {
        self.memberships
            .iter()
            .rev()
            .find(|membership| {
                membership.from <= date && membership.until.is_none_or(|until| date <= until)
            })
            .map(|membership| &membership.bloc)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SittingStatus {
    Convened,
    Open,
    Suspended,
    Closed,
}

impl SittingStatus {
    pub fn in_words(self) -> &'static str {
        match self {
            SittingStatus::Convened => "convened",
            SittingStatus::Open => "open",
            SittingStatus::Suspended => "suspended",
            SittingStatus::Closed => "closed",
        }
    }
}

/// One member's attendance record at one sitting.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemberAttendance {
    pub present_now: bool,
    pub first_checked_in_at: Option<Timestamp>,
    pub last_checked_out_at: Option<Timestamp>,
    pub excused: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuorumCheck {
    pub at: Timestamp,
    pub occasion: QuorumOccasion,
    pub report: QuorumReport,
}

/// Something said or done in a sitting, in order, for the record.
#[derive(Debug, Clone, PartialEq)]
pub enum Proceeding {
    Opened {
        at: Timestamp,
    },
    Suspended {
        at: Timestamp,
        reason: String,
    },
    Resumed {
        at: Timestamp,
    },
    Closed {
        at: Timestamp,
        reason: Option<String>,
    },
    QuorumChecked {
        index: usize,
    },
    BoycottDeclared {
        at: Timestamp,
        bloc: BlocId,
    },
    CommunicationRead {
        communication: CommunicationId,
    },
    DivisionHeld {
        division: DivisionId,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sitting {
    pub id: SittingId,
    pub kind: SittingKind,
    pub title: String,
    pub scheduled_for: Timestamp,
    pub agenda: Vec<AgendaItem>,
    pub requested_by: Option<String>,
    pub status: SittingStatus,
    pub opened_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub presiding_officer: Option<MemberId>,
    pub attendance: IndexMap<MemberId, MemberAttendance>,
    pub boycotts: IndexMap<BlocId, Option<String>>,
    pub quorum_checks: Vec<QuorumCheck>,
    pub proceedings: Vec<Proceeding>,
    pub open_division: Option<DivisionId>,
    pub notices: Vec<String>,
}

impl Sitting {
    pub fn present_count(&self) -> u32 {
        count(
            self.attendance
                .values()
                .filter(|attendance| attendance.present_now),
        )
    }

    pub fn is_present(&self, member: &MemberId) -> bool {
        self.attendance
            .get(member)
            .is_some_and(|attendance| attendance.present_now)
    }

    pub fn date(&self) -> Date {
        self.opened_at.unwrap_or(self.scheduled_for).date_naive()
    }
}

/// A motion's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MotionStatus {
    Tabled,
    Adopted,
    Rejected,
    Withdrawn,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Motion {
    pub id: MotionId,
    pub kind: MotionKind,
    pub title: String,
    pub text: String,
    pub sponsors: Vec<Sponsor>,
    pub decision: DecisionId,
    pub tabled_at: Timestamp,
    pub status: MotionStatus,
    pub divisions: Vec<DivisionId>,
}

/// The closing facts of a division.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedDivision {
    pub at: Timestamp,
    pub outcome: Outcome,
    pub casting_vote: Option<Side>,
    /// Members present when the division closed, for the record.
    pub present: IndexSet<MemberId>,
    /// The journal sequence of the event that closed it: the state is a fold
    /// over the whole journal from event 1, so it is the count of events
    /// applied before it, plus one. Proofs of the result start from it.
    pub event_sequence: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Division {
    pub id: DivisionId,
    pub sitting: SittingId,
    pub question: Question,
    pub method: DivisionMethod,
    pub decision: DecisionId,
    pub opened_at: Timestamp,
    pub closes_at: Option<Timestamp>,
    /// Recorded ballots, by member (a changed ballot replaces the earlier one).
    pub ballots: IndexMap<MemberId, Choice>,
    /// The journal sequence of each member's recorded ballot (the latest, where
    /// a ballot may be changed), for the member's receipt.
    pub ballot_events: IndexMap<MemberId, u64>,
    /// Members who took part in a secret ballot.
    pub participants: IndexSet<MemberId>,
    /// The count entered by the tellers or the clerk (secret ballot, show of hands).
    pub entered_tally: Option<(Tally, Option<u32>)>,
    pub closed: Option<ClosedDivision>,
}

impl Division {
    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }

    /// The running tally: from recorded ballots, or as entered.
    pub fn tally(&self) -> Tally {
        match self.method {
            DivisionMethod::Recorded => tally_of(self.ballots.values(), &self.question),
            DivisionMethod::Secret | DivisionMethod::ShowOfHands => self
                .entered_tally
                .as_ref()
                .map(|(tally, _)| tally.clone())
                .unwrap_or_else(|| empty_tally(&self.question)),
        }
    }

    /// How many members took part.
    pub fn taking_part(&self) -> u32 {
        match self.method {
            DivisionMethod::Recorded => count(self.ballots.keys()),
            DivisionMethod::Secret => count(self.participants.iter()),
            DivisionMethod::ShowOfHands => self
                .entered_tally
                .as_ref()
                .map(|(tally, taking_part)| taking_part.unwrap_or_else(|| tally.ballots()))
                .unwrap_or(0),
        }
    }
}

fn empty_tally(question: &Question) -> Tally {
    let mut tally = Tally::default();
    if let Question::Election { candidates, .. } = question {
        for candidate in candidates {
            tally.candidates.insert(candidate.id.clone(), 0);
        }
    }
    tally
}

fn tally_of<'a>(ballots: impl Iterator<Item = &'a Choice>, question: &Question) -> Tally {
    let mut tally = empty_tally(question);
    for choice in ballots {
        match choice {
            Choice::Yes => tally.yes += 1,
            Choice::No => tally.no += 1,
            Choice::Abstain => tally.abstain += 1,
            Choice::Candidate(candidate) => {
                *tally.candidates.entry(candidate.clone()).or_insert(0) += 1
            }
        }
    }
    tally
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Communication {
    pub id: CommunicationId,
    pub sitting: SittingId,
    pub at: Timestamp,
    pub from: String,
    pub on_behalf_of: Option<BlocId>,
    pub subject: String,
    pub text: String,
}

/// A resolution addressed to someone outside the chamber, followed up until it is answered.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub motion: MotionId,
    pub addressed_to: String,
    pub adopted_on: Date,
    pub status: FollowUpStatus,
    pub sent: Option<(Date, String)>,
    pub response_due: Option<Date>,
    pub response: Option<(Date, String)>,
    pub conclusion: Option<(FollowUpConclusion, Date, String)>,
}

/// The status of a follow-up as seen on a given day, which adds "overdue".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpView {
    Status(FollowUpStatus),
    /// Sent, no response, and the response was due before the day asked about.
    Overdue {
        due: Date,
    },
}

impl FollowUp {
    pub fn view_on(&self, today: Date) -> FollowUpView {
        match (self.status, self.response_due) {
            (FollowUpStatus::Sent, Some(due)) if due < today => FollowUpView::Overdue { due },
            (status, _) => FollowUpView::Status(status),
        }
    }
}

impl FollowUpView {
    pub fn in_words(self) -> String {
        match self {
            FollowUpView::Status(FollowUpStatus::Adopted) => "adopted, not yet sent".into(),
            FollowUpView::Status(FollowUpStatus::Sent) => "sent, awaiting response".into(),
            FollowUpView::Status(FollowUpStatus::ResponseReceived) => "response received".into(),
            FollowUpView::Status(FollowUpStatus::Implemented) => "implemented".into(),
            FollowUpView::Status(FollowUpStatus::Rejected) => "rejected".into(),
            FollowUpView::Overdue { due } => format!("overdue (response was due {due})"),
        }
    }
}

/// An event that cannot be applied to the state it follows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{event_type}: {message}")]
pub struct ReplayError {
    pub event_type: &'static str,
    pub message: String,
}

/// Everything the chamber knows, rebuilt from its journal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub chamber: Option<Chamber>,
    pub blocs: IndexMap<BlocId, Bloc>,
    pub coalitions: IndexMap<CoalitionId, Coalition>,
    pub members: IndexMap<MemberId, Member>,
    pub sittings: IndexMap<SittingId, Sitting>,
    pub motions: IndexMap<MotionId, Motion>,
    pub divisions: IndexMap<DivisionId, Division>,
    pub communications: IndexMap<CommunicationId, Communication>,
    pub follow_ups: IndexMap<MotionId, FollowUp>,
    /// Notices attached to the record of the whole chamber.
    pub notices: Vec<String>,
    /// Number of events applied.
    pub events_applied: u64,
    /// Identifiers issued by other systems, per subject (see [`crate::history`]).
    pub identifiers: IndexMap<Subject, Vec<ExternalIdentifier>>,
    /// Who holds each identifier: (kind of subject, scheme, identifier) → subject.
    pub identifier_owners: IndexMap<(String, String, String), Subject>,
    /// Members' personal details, as last recorded.
    pub member_details: IndexMap<MemberId, MemberDetails>,
    /// Occasions outside the sittings (elections, legislative periods).
    pub occasions: IndexMap<OccasionId, Occasion>,
    /// Historical motions, as recorded by a source.
    pub recorded_motions: IndexMap<MotionId, RecordedMotion>,
    /// Historical divisions, as recorded by a source; never recomputed.
    pub recorded_divisions: IndexMap<DivisionId, RecordedDivision>,
}

impl State {
    pub fn new() -> Self {
        Self::default()
    }

    /// The chamber's size now.
    pub fn size(&self) -> ChamberSize {
        ChamberSize {
            seats: self.chamber.as_ref().map_or(0, |chamber| chamber.seats),
            members: count(self.members.values().filter(|member| member.is_sitting())),
        }
    }

    pub fn sitting_members(&self) -> impl Iterator<Item = &Member> {
        self.members.values().filter(|member| member.is_sitting())
    }

    /// The sitting that is open or suspended, if any.
    pub fn current_sitting(&self) -> Option<&Sitting> {
        self.sittings.values().find(|sitting| {
            matches!(
                sitting.status,
                SittingStatus::Open | SittingStatus::Suspended
            )
        })
    }

    /// Whether `member` belongs to `group` on `date`.
    pub fn in_group(&self, member: &Member, group: &GroupId, date: Date) -> bool {
        let Some(bloc) = member.bloc_on(date) else {
            return false;
        };
        match group {
            GroupId::Bloc(group_bloc) => bloc == group_bloc,
            GroupId::Coalition(coalition) => self
                .coalitions
                .get(coalition)
                .is_some_and(|coalition| coalition.blocs.contains(bloc)),
        }
    }

    /// A member's attendance at a sitting, boycotts taken into account.
    pub fn presence(&self, sitting: &Sitting, member: &Member) -> Presence {
        match sitting.attendance.get(&member.id) {
            Some(attendance) if attendance.first_checked_in_at.is_some() => Presence::Present,
            Some(attendance) if attendance.excused.is_some() => Presence::Excused,
            _ => match member.bloc_on(sitting.date()) {
                Some(bloc) if sitting.boycotts.contains_key(bloc) => Presence::Boycotting,
                _ => Presence::Absent,
            },
        }
    }

    /// A quorum check of the sitting now.
    pub fn quorum_now(&self, sitting: &Sitting) -> Option<QuorumReport> {
        let chamber = self.chamber.as_ref()?;
        Some(check_quorum(
            &chamber.standing_orders.quorum,
            &self.size(),
            sitting.present_count(),
            None,
        ))
    }

    /// The outcome of a division if it closed now, with the given casting vote.
    pub fn outcome_now(&self, division: &Division, casting_vote: Option<Side>) -> Option<Outcome> {
        let chamber = self.chamber.as_ref()?;
        let rules = &chamber.standing_orders;
        let rule = rules.decisions.get(&division.decision)?;
        let sitting = self.sittings.get(&division.sitting)?;
        let tally = division.tally();
        let date = sitting.date();
        let mut groups: IndexMap<GroupId, (u32, Tally)> = IndexMap::new();
        for requirement in &rule.requirements {
            let Some(group) = &requirement.within else {
                continue;
            };
            let in_group: Vec<&Member> = self
                .members
                .values()
                .filter(|member| member.is_sitting() && self.in_group(member, group, date))
                .collect();
            let present = count(
                in_group
                    .iter()
                    .filter(|member| sitting.is_present(&member.id)),
            );
            let group_tally = tally_of(
                in_group
                    .iter()
                    .filter_map(|member| division.ballots.get(&member.id)),
                &division.question,
            );
            groups.insert(group.clone(), (present, group_tally));
        }
        let chair_side = sitting
            .presiding_officer
            .as_ref()
            .and_then(|officer| division.ballots.get(officer))
            .and_then(|choice| match choice {
                Choice::Yes => Some(Side::Yes),
                Choice::No => Some(Side::No),
                _ => None,
            });
        let at_every_vote = rules
            .quorum
            .checked
            .contains(&crate::rules::QuorumCheckPoint::EveryVote);
        Some(decide(&DivisionFacts {
            decision: &division.decision,
            rule,
            quorum: at_every_vote.then_some(&rules.quorum),
            tie: rules.voting.tie,
            sizes: self.size(),
            present: sitting.present_count(),
            taking_part: division.taking_part(),
            tally: &tally,
            groups: &groups,
            chair_side,
            casting_vote,
        }))
    }

    /// Applies one event. `at` and `actor` come from the event's journal envelope.
    pub fn apply(
        &mut self,
        at: Timestamp,
        actor: &Actor,
        event: &Event,
    ) -> Result<(), ReplayError> {
        let _ = actor;
        let fail = |message: String| ReplayError {
            event_type: event.type_name(),
            message,
        };
        if self.chamber.is_none() && !matches!(event, Event::ChamberEstablished { .. }) {
            return Err(fail("no chamber has been established yet".into()));
        }
        match event {
            Event::ChamberEstablished {
                name,
                seats,
                standing_orders,
            } => {
                if self.chamber.is_some() {
                    return Err(fail("the chamber is already established".into()));
                }
                standing_orders
                    .validate()
                    .map_err(|error| fail(format!("invalid standing orders: {error}")))?;
                self.chamber = Some(Chamber {
                    name: name.clone(),
                    seats: *seats,
                    standing_orders: standing_orders.clone(),
                    established_at: at,
                });
            }
            Event::StandingOrdersAmended { standing_orders } => {
                standing_orders
                    .validate()
                    .map_err(|error| fail(format!("invalid standing orders: {error}")))?;
                self.chamber_mut().standing_orders = standing_orders.clone();
            }
            Event::NoticeAttached { sitting, text } => match sitting {
                Some(sitting) => self
                    .sitting_mut(sitting)
                    .map_err(fail)?
                    .notices
                    .push(text.clone()),
                None => self.notices.push(text.clone()),
            },
            Event::BlocRegistered {
                bloc,
                name,
                short_name,
                kind,
                colour,
            } => {
                if self.blocs.contains_key(bloc) {
                    return Err(fail(format!("bloc {bloc} is already registered")));
                }
                self.blocs.insert(
                    bloc.clone(),
                    Bloc {
                        id: bloc.clone(),
                        name: name.clone(),
                        short_name: short_name.clone(),
                        kind: *kind,
                        colour: colour.clone(),
                    },
                );
            }
            Event::CoalitionFormed {
                coalition,
                name,
                blocs,
            } => {
                if self.coalitions.contains_key(coalition) {
                    return Err(fail(format!("coalition {coalition} already exists")));
                }
                for bloc in blocs {
                    self.expect_bloc(bloc).map_err(fail)?;
                }
                self.coalitions.insert(
                    coalition.clone(),
                    Coalition {
                        id: coalition.clone(),
                        name: name.clone(),
                        blocs: blocs.iter().cloned().collect(),
                    },
                );
            }
            Event::BlocJoinedCoalition { coalition, bloc } => {
                self.expect_bloc(bloc).map_err(fail)?;
                let coalition = self
                    .coalitions
                    .get_mut(coalition)
                    .ok_or_else(|| fail(format!("no coalition {coalition}")))?;
                coalition.blocs.insert(bloc.clone());
            }
            Event::BlocLeftCoalition { coalition, bloc } => {
                let coalition = self
                    .coalitions
                    .get_mut(coalition)
                    .ok_or_else(|| fail(format!("no coalition {coalition}")))?;
                if !coalition.blocs.shift_remove(bloc) {
                    return Err(fail(format!(
                        "bloc {bloc} is not in coalition {}",
                        coalition.id
                    )));
                }
            }
            Event::MemberAdmitted {
                member,
                name,
                constituency,
            } => {
                if self.members.contains_key(member) {
                    return Err(fail(format!("member {member} was already admitted")));
                }
                self.members.insert(
                    member.clone(),
                    Member {
                        id: member.clone(),
                        name: name.clone(),
                        constituency: constituency.clone(),
                        departed: None,
                        memberships: Vec::new(),
                    },
                );
            }
            Event::MemberDeparted { member, reason } => {
                let member = self.member_mut(member).map_err(fail)?;
                member.departed = Some(reason.clone());
            }
            Event::MembershipStarted { member, bloc, on } => {
                self.expect_bloc(bloc).map_err(fail)?;
                let member = self.member_mut(member).map_err(fail)?;
                if member.current_bloc().is_some() {
                    return Err(fail(format!(
                        "member {} already belongs to a bloc; the membership must end first",
                        member.id
                    )));
                }
                member.memberships.push(Membership {
                    bloc: bloc.clone(),
                    from: *on,
                    until: None,
                });
            }
            Event::MembershipEnded { member, bloc, on } => {
                let member_id = member;
                let member = self.member_mut(member).map_err(fail)?;
                let current = member
                    .memberships
                    .last_mut()
                    .filter(|membership| membership.until.is_none() && &membership.bloc == bloc)
                    .ok_or_else(|| fail(format!("member {member_id} is not in bloc {bloc}")))?;
                current.until = Some(*on);
            }
            Event::SittingConvened {
                sitting,
                kind,
                title,
                scheduled_for,
                agenda,
                requested_by,
            } => {
                if self.sittings.contains_key(sitting) {
                    return Err(fail(format!("sitting {sitting} already exists")));
                }
                self.sittings.insert(
                    sitting.clone(),
                    Sitting {
                        id: sitting.clone(),
                        kind: *kind,
                        title: title.clone(),
                        scheduled_for: *scheduled_for,
                        agenda: agenda.clone(),
                        requested_by: requested_by.clone(),
                        status: SittingStatus::Convened,
                        opened_at: None,
                        closed_at: None,
                        presiding_officer: None,
                        attendance: IndexMap::new(),
                        boycotts: IndexMap::new(),
                        quorum_checks: Vec::new(),
                        proceedings: Vec::new(),
                        open_division: None,
                        notices: Vec::new(),
                    },
                );
            }
            Event::SittingOpened {
                sitting,
                presiding_officer,
            } => {
                let sitting = self.sitting_mut(sitting).map_err(fail)?;
                if sitting.status != SittingStatus::Convened {
                    return Err(fail(format!(
                        "sitting {} is {}",
                        sitting.id,
                        sitting.status.in_words()
                    )));
                }
                sitting.status = SittingStatus::Open;
                sitting.opened_at = Some(at);
                sitting.presiding_officer = presiding_officer.clone();
                sitting.proceedings.push(Proceeding::Opened { at });
            }
            Event::SittingSuspended { sitting, reason } => {
                let sitting = self.sitting_mut(sitting).map_err(fail)?;
                if sitting.status != SittingStatus::Open {
                    return Err(fail(format!("sitting {} is not open", sitting.id)));
                }
                sitting.status = SittingStatus::Suspended;
                sitting.proceedings.push(Proceeding::Suspended {
                    at,
                    reason: reason.clone(),
                });
            }
            Event::SittingResumed { sitting } => {
                let sitting = self.sitting_mut(sitting).map_err(fail)?;
                if sitting.status != SittingStatus::Suspended {
                    return Err(fail(format!("sitting {} is not suspended", sitting.id)));
                }
                sitting.status = SittingStatus::Open;
                sitting.proceedings.push(Proceeding::Resumed { at });
            }
            Event::SittingClosed { sitting, reason } => {
                let sitting = self.sitting_mut(sitting).map_err(fail)?;
                if !matches!(
                    sitting.status,
                    SittingStatus::Open | SittingStatus::Suspended
                ) {
                    return Err(fail(format!("sitting {} is not open", sitting.id)));
                }
                if let Some(division) = &sitting.open_division {
                    return Err(fail(format!("division {division} is still open")));
                }
                sitting.status = SittingStatus::Closed;
                sitting.closed_at = Some(at);
                sitting.proceedings.push(Proceeding::Closed {
                    at,
                    reason: reason.clone(),
                });
            }
            Event::MemberCheckedIn { sitting, member } => {
                self.expect_sitting_member(member).map_err(fail)?;
                let sitting = self.sitting_mut(sitting).map_err(fail)?;
                let attendance = sitting.attendance.entry(member.clone()).or_default();
                if attendance.present_now {
                    return Err(fail(format!("member {member} is already checked in")));
                }
                attendance.present_now = true;
                attendance.excused = None;
                attendance.first_checked_in_at.get_or_insert(at);
            }
            Event::MemberCheckedOut { sitting, member } => {
                let sitting = self.sitting_mut(sitting).map_err(fail)?;
                let attendance = sitting
                    .attendance
                    .get_mut(member)
                    .filter(|attendance| attendance.present_now)
                    .ok_or_else(|| fail(format!("member {member} is not checked in")))?;
                attendance.present_now = false;
                attendance.last_checked_out_at = Some(at);
            }
            Event::AbsenceExcused {
                sitting,
                member,
                reason,
            } => {
                self.expect_sitting_member(member).map_err(fail)?;
                let sitting = self.sitting_mut(sitting).map_err(fail)?;
                let attendance = sitting.attendance.entry(member.clone()).or_default();
                if attendance.present_now {
                    return Err(fail(format!("member {member} is present")));
                }
                attendance.excused = Some(reason.clone());
            }
            Event::BoycottDeclared {
                sitting,
                bloc,
                statement,
            } => {
                self.expect_bloc(bloc).map_err(fail)?;
                let sitting = self.sitting_mut(sitting).map_err(fail)?;
                if sitting
                    .boycotts
                    .insert(bloc.clone(), statement.clone())
                    .is_some()
                {
                    return Err(fail(format!("bloc {bloc} already declared a boycott")));
                }
                sitting.proceedings.push(Proceeding::BoycottDeclared {
                    at,
                    bloc: bloc.clone(),
                });
            }
            Event::QuorumChecked {
                sitting,
                occasion,
                report,
            } => {
                let recomputed = {
                    let sitting = self
                        .sittings
                        .get(sitting)
                        .ok_or_else(|| fail(format!("no sitting {sitting}")))?;
                    self.quorum_now(sitting)
                };
                if recomputed.as_ref() != Some(report) {
                    return Err(fail(format!(
                        "the recorded quorum check ({}) differs from what the standing orders give ({})",
                        report.sentence(),
                        recomputed.map_or_else(|| "nothing".into(), |report| report.sentence())
                    )));
                }
                let sitting = self.sitting_mut(sitting).map_err(fail)?;
                sitting.quorum_checks.push(QuorumCheck {
                    at,
                    occasion: *occasion,
                    report: report.clone(),
                });
                sitting.proceedings.push(Proceeding::QuorumChecked {
                    index: sitting.quorum_checks.len() - 1,
                });
            }
            Event::MotionTabled {
                motion,
                kind,
                title,
                text,
                sponsors,
                decision,
            } => {
                if self.motions.contains_key(motion) {
                    return Err(fail(format!("motion {motion} was already tabled")));
                }
                if !self
                    .chamber_ref()
                    .standing_orders
                    .decisions
                    .contains_key(decision)
                {
                    return Err(fail(format!("no decision rule {decision}")));
                }
                self.motions.insert(
                    motion.clone(),
                    Motion {
                        id: motion.clone(),
                        kind: kind.clone(),
                        title: title.clone(),
                        text: text.clone(),
                        sponsors: sponsors.clone(),
                        decision: decision.clone(),
                        tabled_at: at,
                        status: MotionStatus::Tabled,
                        divisions: Vec::new(),
                    },
                );
            }
            Event::MotionWithdrawn { motion } => {
                let motion = self
                    .motions
                    .get_mut(motion)
                    .ok_or_else(|| fail(format!("no motion {motion}")))?;
                motion.status = MotionStatus::Withdrawn;
            }
            Event::CommunicationRead {
                sitting,
                communication,
                from,
                on_behalf_of,
                subject,
                text,
            } => {
                if self.communications.contains_key(communication) {
                    return Err(fail(format!(
                        "communication {communication} was already read"
                    )));
                }
                let sitting_record = self.sitting_mut(sitting).map_err(fail)?;
                sitting_record
                    .proceedings
                    .push(Proceeding::CommunicationRead {
                        communication: communication.clone(),
                    });
                self.communications.insert(
                    communication.clone(),
                    Communication {
                        id: communication.clone(),
                        sitting: sitting.clone(),
                        at,
                        from: from.clone(),
                        on_behalf_of: on_behalf_of.clone(),
                        subject: subject.clone(),
                        text: text.clone(),
                    },
                );
            }
            Event::DivisionOpened {
                division,
                sitting,
                question,
                method,
                decision,
                closes_at,
            } => {
                if self.divisions.contains_key(division) {
                    return Err(fail(format!("division {division} already exists")));
                }
                if let Question::Motion { motion } = question {
                    if !self.motions.contains_key(motion) {
                        return Err(fail(format!("no motion {motion}")));
                    }
                }
                let sitting_record = self.sitting_mut(sitting).map_err(fail)?;
                if let Some(open) = &sitting_record.open_division {
                    return Err(fail(format!("division {open} is still open")));
                }
                // Checked before anything changes, so that a refused event changes nothing.
                if let Question::Motion { motion } = question {
                    self.motions
                        .get_mut(motion)
                        .expect("checked above")
                        .divisions
                        .push(division.clone());
                }
                let sitting_record = self.sitting_mut(sitting).map_err(fail)?;
                sitting_record.open_division = Some(division.clone());
                sitting_record.proceedings.push(Proceeding::DivisionHeld {
                    division: division.clone(),
                });
                self.divisions.insert(
                    division.clone(),
                    Division {
                        id: division.clone(),
                        sitting: sitting.clone(),
                        question: question.clone(),
                        method: *method,
                        decision: decision.clone(),
                        opened_at: at,
                        closes_at: *closes_at,
                        ballots: IndexMap::new(),
                        ballot_events: IndexMap::new(),
                        participants: IndexSet::new(),
                        entered_tally: None,
                        closed: None,
                    },
                );
            }
            Event::BallotCast {
                division,
                member,
                choice,
            } => {
                self.expect_sitting_member(member).map_err(fail)?;
                let sequence = self.events_applied + 1;
                let division = self.open_division_mut(division).map_err(fail)?;
                division.ballots.insert(member.clone(), choice.clone());
                division.ballot_events.insert(member.clone(), sequence);
            }
            Event::ParticipationRecorded { division, member } => {
                self.expect_sitting_member(member).map_err(fail)?;
                let division = self.open_division_mut(division).map_err(fail)?;
                if !division.participants.insert(member.clone()) {
                    return Err(fail(format!("member {member} already took part")));
                }
            }
            Event::TallyEntered {
                division,
                tally,
                taking_part,
            } => {
                let division = self.open_division_mut(division).map_err(fail)?;
                division.entered_tally = Some((tally.clone(), *taking_part));
            }
            Event::DivisionClosed {
                division,
                casting_vote,
                outcome,
            } => {
                let record = self
                    .divisions
                    .get(division)
                    .filter(|division| division.is_open())
                    .ok_or_else(|| fail(format!("no open division {division}")))?;
                let recomputed = self.outcome_now(record, *casting_vote);
                if recomputed.as_ref() != Some(outcome) {
                    return Err(fail(format!(
                        "the recorded outcome of division {division} differs from what the standing orders give"
                    )));
                }
                let sitting_id = record.sitting.clone();
                let question = record.question.clone();
                let sitting = self.sitting_mut(&sitting_id).map_err(fail)?;
                sitting.open_division = None;
                let present: IndexSet<MemberId> = sitting
                    .attendance
                    .iter()
                    .filter(|(_, attendance)| attendance.present_now)
                    .map(|(member, _)| member.clone())
                    .collect();
                let date = sitting.date();
                if let Question::Motion { motion } = &question {
                    let motion = self
                        .motions
                        .get_mut(motion)
                        .ok_or_else(|| fail(format!("no motion {motion}")))?;
                    match outcome.verdict {
                        Verdict::Adopted => motion.status = MotionStatus::Adopted,
                        Verdict::Rejected => motion.status = MotionStatus::Rejected,
                        // Not decided: the motion stands over, still tabled.
                        _ => {}
                    }
                    if let (
                        Verdict::Adopted,
                        MotionKind::Resolution {
                            addressed_to: Some(to),
                            ..
                        },
                    ) = (&outcome.verdict, &motion.kind)
                    {
                        self.follow_ups.insert(
                            motion.id.clone(),
                            FollowUp {
                                motion: motion.id.clone(),
                                addressed_to: to.clone(),
                                adopted_on: date,
                                status: FollowUpStatus::Adopted,
                                sent: None,
                                response_due: None,
                                response: None,
                                conclusion: None,
                            },
                        );
                    }
                }
                let record = self
                    .divisions
                    .get_mut(division)
                    .expect("the division was found above");
                record.closed = Some(ClosedDivision {
                    at,
                    outcome: outcome.clone(),
                    casting_vote: *casting_vote,
                    present,
                    event_sequence: self.events_applied + 1,
                });
            }
            Event::ResolutionSent {
                motion,
                to,
                on,
                response_due,
            } => {
                let follow_up = self.follow_up_mut(motion).map_err(fail)?;
                follow_up.status = FollowUpStatus::Sent;
                follow_up.sent = Some((*on, to.clone()));
                follow_up.response_due = *response_due;
            }
            Event::ResponseReceived {
                motion,
                on,
                summary,
            } => {
                let follow_up = self.follow_up_mut(motion).map_err(fail)?;
                follow_up.status = FollowUpStatus::ResponseReceived;
                follow_up.response = Some((*on, summary.clone()));
            }
            Event::FollowUpConcluded {
                motion,
                conclusion,
                on,
                note,
            } => {
                let follow_up = self.follow_up_mut(motion).map_err(fail)?;
                follow_up.status = match conclusion {
                    FollowUpConclusion::Implemented => FollowUpStatus::Implemented,
                    FollowUpConclusion::Rejected => FollowUpStatus::Rejected,
                };
                follow_up.conclusion = Some((*conclusion, *on, note.clone()));
            }
            Event::IdentifiersRecorded { .. }
            | Event::MemberDetailsRecorded { .. }
            | Event::MemberRenamed { .. }
            | Event::OccasionRecorded { .. }
            | Event::MotionRecorded { .. }
            | Event::DivisionRecorded { .. } => self.apply_history(event).map_err(fail)?,
        }
        self.events_applied += 1;
        Ok(())
    }

    fn chamber_ref(&self) -> &Chamber {
        self.chamber.as_ref().expect("checked at the top of apply")
    }

    fn chamber_mut(&mut self) -> &mut Chamber {
        self.chamber.as_mut().expect("checked at the top of apply")
    }

    fn expect_bloc(&self, bloc: &BlocId) -> Result<(), String> {
        if self.blocs.contains_key(bloc) {
            Ok(())
        } else {
            Err(format!("no bloc {bloc}"))
        }
    }

    fn expect_sitting_member(&self, member: &MemberId) -> Result<(), String> {
        match self.members.get(member) {
            Some(record) if record.is_sitting() => Ok(()),
            Some(_) => Err(format!("member {member} no longer holds a seat")),
            None => Err(format!("no member {member}")),
        }
    }

    fn member_mut(&mut self, member: &MemberId) -> Result<&mut Member, String> {
        self.members
            .get_mut(member)
            .ok_or_else(|| format!("no member {member}"))
    }

    fn sitting_mut(&mut self, sitting: &SittingId) -> Result<&mut Sitting, String> {
        self.sittings
            .get_mut(sitting)
            .ok_or_else(|| format!("no sitting {sitting}"))
    }

    fn open_division_mut(&mut self, division: &DivisionId) -> Result<&mut Division, String> {
        self.divisions
            .get_mut(division)
            .filter(|division| division.is_open())
            .ok_or_else(|| format!("no open division {division}"))
    }

    fn follow_up_mut(&mut self, motion: &MotionId) -> Result<&mut FollowUp, String> {
        self.follow_ups
            .get_mut(motion)
            .ok_or_else(|| format!("motion {motion} has no follow-up entry"))
    }

    /// The candidates of an election division.
    pub fn candidates(division: &Division) -> &[crate::model::Candidate] {
        match &division.question {
            Question::Election { candidates, .. } => candidates,
            Question::Motion { .. } => &[],
        }
    }

    /// Whether `candidate` stands in `division`.
    pub fn stands(division: &Division, candidate: &CandidateId) -> bool {
        Self::candidates(division)
            .iter()
            .any(|standing| &standing.id == candidate)
    }
}
