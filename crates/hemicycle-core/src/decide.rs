//! Validating commands against the state: each is refused with a reason, or becomes events.

use std::fmt;

use crate::actor::Actor;
use crate::command::{Command, Context};
use crate::event::Event;
use crate::ids::{BlocId, DivisionId, MemberId, MotionId, SittingId};
use crate::model::FollowUpStatus;
use crate::model::{Choice, DivisionMethod, MotionKind, Question, Sponsor};
use crate::outcome::{QuorumOccasion, Side, Tally, Verdict};
use crate::rules::{QuorumCheckPoint, QuorumFailure, TieRule};
use crate::state::{Division, FollowUp, MotionStatus, Sitting, SittingStatus, State};

/// Limits on what a command may carry, so that no single event grows without bound.
pub const NAME_LENGTH_MAX: usize = 200;
pub const TEXT_LENGTH_MAX: usize = 100_000;
pub const AGENDA_ITEMS_MAX: usize = 200;
pub const SPONSORS_MAX: usize = 1_000;
pub const CANDIDATES_MAX: usize = 100;
pub const COALITION_BLOCS_MAX: usize = 200;
pub const SEATS_MAX: u32 = 100_000;

/// What kind of refusal, so that callers (the web layer) can choose a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The actor's role may not give this command (or a member acted for someone else).
    Forbidden,
    /// Something named by the command does not exist.
    NotFound,
    /// The command conflicts with the current state (division closed, already voted…).
    Conflict,
    /// The command's content is invalid in itself (empty name, bad colour…).
    Invalid,
}

/// A command refused, with a sentence saying why. The journal is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Refusal {
    pub kind: RefusalKind,
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

fn forbidden(message: impl Into<String>) -> Refusal {
    Refusal {
        kind: RefusalKind::Forbidden,
        message: message.into(),
    }
}
fn not_found(message: impl Into<String>) -> Refusal {
    Refusal {
        kind: RefusalKind::NotFound,
        message: message.into(),
    }
}
fn conflict(message: impl Into<String>) -> Refusal {
    Refusal {
        kind: RefusalKind::Conflict,
        message: message.into(),
    }
}
fn invalid(message: impl Into<String>) -> Refusal {
    Refusal {
        kind: RefusalKind::Invalid,
        message: message.into(),
    }
}

fn check_text(field: &str, text: &str, maximum: usize) -> Result<(), Refusal> {
    if text.trim().is_empty() {
        return Err(invalid(format!("{field} cannot be empty")));
    }
    if text.len() > maximum {
        return Err(invalid(format!("{field} is longer than {maximum} bytes")));
    }
    Ok(())
}

fn check_optional_text(field: &str, text: Option<&String>, maximum: usize) -> Result<(), Refusal> {
    text.map_or(Ok(()), |text| check_text(field, text, maximum))
}

fn check_colour(colour: &str) -> Result<(), Refusal> {
    let valid = colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
    if valid {
        Ok(())
    } else {
        Err(invalid(format!(
            "colour \"{colour}\" is not a colour like #1f77b4"
        )))
    }
}

impl State {
    /// Validates `command` against the current state and returns the events it causes.
    /// Nothing changes: the caller appends the events to the journal, then applies them.
    pub fn decide(&self, context: &Context, command: &Command) -> Result<Vec<Event>, Refusal> {
        let role = context.actor.role();
        if !command.permitted_roles().contains(&role) {
            return Err(forbidden(format!(
                "{} may not {}",
                capitalised(role.in_words()),
                command.name().replace('_', " ")
            )));
        }
        if self.chamber.is_none() && !matches!(command, Command::EstablishChamber { .. }) {
            return Err(conflict("no chamber has been established yet"));
        }
        self.decide_permitted(context, command)
    }

    /// Decides and applies at once, for tests and tools that hold no journal.
    pub fn execute(&mut self, context: &Context, command: &Command) -> Result<Vec<Event>, Refusal> {
        let events = self.decide(context, command)?;
        for event in &events {
            self.apply(context.at, &context.actor, event)
                .unwrap_or_else(|error| panic!("an event just decided must apply: {error}"));
        }
        Ok(events)
    }

    fn decide_permitted(
        &self,
        context: &Context,
        command: &Command,
    ) -> Result<Vec<Event>, Refusal> {
        match command {
            Command::EstablishChamber {
                name,
                seats,
                standing_orders,
            } => {
                if self.chamber.is_some() {
                    return Err(conflict("the chamber is already established"));
                }
                check_text("the chamber's name", name, NAME_LENGTH_MAX)?;
                if *seats == 0 || *seats > SEATS_MAX {
                    return Err(invalid(format!(
                        "a chamber has between 1 and {SEATS_MAX} seats, not {seats}"
                    )));
                }
                standing_orders
                    .validate()
                    .map_err(|error| invalid(format!("standing orders: {error}")))?;
                Ok(vec![Event::ChamberEstablished {
                    name: name.clone(),
                    seats: *seats,
                    standing_orders: standing_orders.clone(),
                }])
            }
            Command::AmendStandingOrders { standing_orders } => {
                standing_orders
                    .validate()
                    .map_err(|error| invalid(format!("standing orders: {error}")))?;
                if let Some(division) = self.divisions.values().find(|division| division.is_open())
                {
                    return Err(conflict(format!(
                        "division {} is open; standing orders cannot change during a vote",
                        division.id
                    )));
                }
                for motion in self.motions.values() {
                    if motion.status == MotionStatus::Tabled
                        && !standing_orders.decisions.contains_key(&motion.decision)
                    {
                        return Err(conflict(format!(
                            "motion {} uses decision rule \"{}\", which the amended standing orders lack",
                            motion.id, motion.decision
                        )));
                    }
                }
                Ok(vec![Event::StandingOrdersAmended {
                    standing_orders: standing_orders.clone(),
                }])
            }
            Command::AttachNotice { sitting, text } => {
                if let Some(sitting) = sitting {
                    self.sitting(sitting)?;
                }
                check_text("the notice", text, TEXT_LENGTH_MAX)?;
                Ok(vec![Event::NoticeAttached {
                    sitting: sitting.clone(),
                    text: text.clone(),
                }])
            }
            Command::RegisterBloc {
                bloc,
                name,
                short_name,
                kind,
                colour,
            } => {
                if self.blocs.contains_key(bloc) {
                    return Err(conflict(format!("bloc {bloc} is already registered")));
                }
                check_text("the bloc's name", name, NAME_LENGTH_MAX)?;
                check_optional_text(
                    "the bloc's short name",
                    short_name.as_ref(),
                    NAME_LENGTH_MAX,
                )?;
                if let Some(colour) = colour {
                    check_colour(colour)?;
                }
                Ok(vec![Event::BlocRegistered {
                    bloc: bloc.clone(),
                    name: name.clone(),
                    short_name: short_name.clone(),
                    kind: *kind,
                    colour: colour.clone(),
                }])
            }
            Command::FormCoalition {
                coalition,
                name,
                blocs,
            } => {
                if self.coalitions.contains_key(coalition) {
                    return Err(conflict(format!("coalition {coalition} already exists")));
                }
                check_text("the coalition's name", name, NAME_LENGTH_MAX)?;
                if blocs.len() > COALITION_BLOCS_MAX {
                    return Err(invalid(format!(
                        "a coalition has at most {COALITION_BLOCS_MAX} blocs"
                    )));
                }
                for (index, bloc) in blocs.iter().enumerate() {
                    self.bloc_exists(bloc)?;
                    if blocs[..index].contains(bloc) {
                        return Err(invalid(format!("bloc {bloc} is listed twice")));
                    }
                }
                Ok(vec![Event::CoalitionFormed {
                    coalition: coalition.clone(),
                    name: name.clone(),
                    blocs: blocs.clone(),
                }])
            }
            Command::JoinCoalition { coalition, bloc } => {
                self.bloc_exists(bloc)?;
                let record = self
                    .coalitions
                    .get(coalition)
                    .ok_or_else(|| not_found(format!("no coalition {coalition}")))?;
                if record.blocs.contains(bloc) {
                    return Err(conflict(format!(
                        "bloc {bloc} is already in coalition {coalition}"
                    )));
                }
                Ok(vec![Event::BlocJoinedCoalition {
                    coalition: coalition.clone(),
                    bloc: bloc.clone(),
                }])
            }
            Command::LeaveCoalition { coalition, bloc } => {
                let record = self
                    .coalitions
                    .get(coalition)
                    .ok_or_else(|| not_found(format!("no coalition {coalition}")))?;
                if !record.blocs.contains(bloc) {
                    return Err(conflict(format!(
                        "bloc {bloc} is not in coalition {coalition}"
                    )));
                }
                Ok(vec![Event::BlocLeftCoalition {
                    coalition: coalition.clone(),
                    bloc: bloc.clone(),
                }])
            }
            Command::AdmitMember {
                member,
                name,
                constituency,
                bloc,
                on,
            } => {
                if self.members.contains_key(member) {
                    return Err(conflict(format!("member {member} was already admitted")));
                }
                check_text("the member's name", name, NAME_LENGTH_MAX)?;
                check_optional_text("the constituency", constituency.as_ref(), NAME_LENGTH_MAX)?;
                let size = self.size();
                if size.members >= size.seats {
                    return Err(conflict(format!(
                        "all {} seats are filled; a member must depart before another is admitted",
                        size.seats
                    )));
                }
                let mut events = vec![Event::MemberAdmitted {
                    member: member.clone(),
                    name: name.clone(),
                    constituency: constituency.clone(),
                }];
                if let Some(bloc) = bloc {
                    self.bloc_exists(bloc)?;
                    events.push(Event::MembershipStarted {
                        member: member.clone(),
                        bloc: bloc.clone(),
                        on: *on,
                    });
                }
                Ok(events)
            }
            Command::DepartMember { member, reason, on } => {
                let record = self.sitting_member(member)?;
                check_text("the reason", reason, NAME_LENGTH_MAX)?;
                // Members check in before a sitting opens, too: any sitting not yet closed.
                if let Some(sitting) = self.sittings.values().find(|sitting| {
                    sitting.status != SittingStatus::Closed && sitting.is_present(member)
                }) {
                    return Err(conflict(format!(
                        "member {member} is checked in at sitting {}; check them out first",
                        sitting.id
                    )));
                }
                let mut events = Vec::new();
                if let Some(bloc) = record.current_bloc() {
                    events.push(Event::MembershipEnded {
                        member: member.clone(),
                        bloc: bloc.clone(),
                        on: *on,
                    });
                }
                events.push(Event::MemberDeparted {
                    member: member.clone(),
                    reason: reason.clone(),
                });
                Ok(events)
            }
            Command::ChangeBloc { member, bloc, on } => {
                let record = self.sitting_member(member)?;
                if let Some(bloc) = bloc {
                    self.bloc_exists(bloc)?;
                }
                let current = record
                    .memberships
                    .last()
                    .filter(|membership| membership.until.is_none());
                if current.map(|membership| &membership.bloc) == bloc.as_ref() {
                    return Err(conflict(match bloc {
                        Some(bloc) => format!("member {member} already belongs to bloc {bloc}"),
                        None => format!("member {member} belongs to no bloc"),
                    }));
                }
                let mut events = Vec::new();
                if let Some(current) = current {
                    if *on < current.from {
                        return Err(invalid(format!(
                            "member {member} joined bloc {} on {}; a change cannot take effect earlier, on {on}",
                            current.bloc, current.from
                        )));
                    }
                    events.push(Event::MembershipEnded {
                        member: member.clone(),
                        bloc: current.bloc.clone(),
                        on: *on,
                    });
                }
                if let Some(bloc) = bloc {
                    events.push(Event::MembershipStarted {
                        member: member.clone(),
                        bloc: bloc.clone(),
                        on: *on,
                    });
                }
                Ok(events)
            }
            Command::ConveneSitting {
                sitting,
                kind,
                title,
                scheduled_for,
                agenda,
                requested_by,
            } => {
                if self.sittings.contains_key(sitting) {
                    return Err(conflict(format!("sitting {sitting} already exists")));
                }
                check_text("the sitting's title", title, NAME_LENGTH_MAX)?;
                check_optional_text("requested by", requested_by.as_ref(), NAME_LENGTH_MAX)?;
                if agenda.len() > AGENDA_ITEMS_MAX {
                    return Err(invalid(format!(
                        "an agenda has at most {AGENDA_ITEMS_MAX} items"
                    )));
                }
                for (index, item) in agenda.iter().enumerate() {
                    check_text(
                        &format!("agenda item {}", index + 1),
                        &item.title,
                        NAME_LENGTH_MAX,
                    )?;
                    if let Some(motion) = &item.motion {
                        self.motion(motion)?;
                    }
                }
                Ok(vec![Event::SittingConvened {
                    sitting: sitting.clone(),
                    kind: *kind,
                    title: title.clone(),
                    scheduled_for: *scheduled_for,
                    agenda: agenda.clone(),
                    requested_by: requested_by.clone(),
                }])
            }
            Command::OpenSitting {
                sitting,
                presiding_officer,
            } => {
                let record = self.sitting(sitting)?;
                if record.status != SittingStatus::Convened {
                    return Err(conflict(format!(
                        "sitting {sitting} is {}; only a convened sitting can be opened",
                        record.status.in_words()
                    )));
                }
                if let Some(current) = self.current_sitting() {
                    return Err(conflict(format!(
                        "sitting {} is still {}; close it before opening another",
                        current.id,
                        current.status.in_words()
                    )));
                }
                if let Some(officer) = presiding_officer {
                    self.sitting_member(officer)?;
                }
                let mut events = Vec::new();
                if self
                    .rules()
                    .quorum
                    .checked
                    .contains(&QuorumCheckPoint::Opening)
                {
                    let report = self.quorum_now(record).expect("the chamber exists");
                    if !report.met {
                        return Err(conflict(format!(
                            "the sitting cannot open without a quorum. {}",
                            report.sentence()
                        )));
                    }
                    events.push(Event::QuorumChecked {
                        sitting: sitting.clone(),
                        occasion: QuorumOccasion::Opening,
                        report,
                    });
                }
                events.push(Event::SittingOpened {
                    sitting: sitting.clone(),
                    presiding_officer: presiding_officer.clone(),
                });
                Ok(events)
            }
            Command::SuspendSitting { sitting, reason } => {
                let record = self.sitting(sitting)?;
                check_text("the reason", reason, NAME_LENGTH_MAX)?;
                if record.status != SittingStatus::Open {
                    return Err(conflict(format!(
                        "sitting {sitting} is {}; only an open sitting can be suspended",
                        record.status.in_words()
                    )));
                }
                if let Some(division) = &record.open_division {
                    return Err(conflict(format!(
                        "division {division} is open; close it before suspending the sitting"
                    )));
                }
                Ok(vec![Event::SittingSuspended {
                    sitting: sitting.clone(),
                    reason: reason.clone(),
                }])
            }
            Command::ResumeSitting { sitting } => {
                let record = self.sitting(sitting)?;
                if record.status != SittingStatus::Suspended {
                    return Err(conflict(format!(
                        "sitting {sitting} is {}, not suspended",
                        record.status.in_words()
                    )));
                }
                Ok(vec![Event::SittingResumed {
                    sitting: sitting.clone(),
                }])
            }
            Command::CloseSitting { sitting, reason } => {
                let record = self.sitting(sitting)?;
                check_optional_text("the reason", reason.as_ref(), NAME_LENGTH_MAX)?;
                if !matches!(
                    record.status,
                    SittingStatus::Open | SittingStatus::Suspended
                ) {
                    return Err(conflict(format!(
                        "sitting {sitting} is {}; only an open or suspended sitting can be closed",
                        record.status.in_words()
                    )));
                }
                if let Some(division) = &record.open_division {
                    return Err(conflict(format!(
                        "division {division} is still open; close it before closing the sitting"
                    )));
                }
                Ok(vec![Event::SittingClosed {
                    sitting: sitting.clone(),
                    reason: reason.clone(),
                }])
            }
            Command::CheckIn { sitting, member } => {
                self.acting_for(&context.actor, member)?;
                let record = self.sitting(sitting)?;
                self.sitting_member(member)?;
                if record.status == SittingStatus::Closed {
                    return Err(conflict(format!("sitting {sitting} is closed")));
                }
                if record.is_present(member) {
                    return Err(conflict(format!(
                        "member {member} is already checked in at sitting {sitting}"
                    )));
                }
                Ok(vec![Event::MemberCheckedIn {
                    sitting: sitting.clone(),
                    member: member.clone(),
                }])
            }
            Command::CheckOut { sitting, member } => {
                self.acting_for(&context.actor, member)?;
                let record = self.sitting(sitting)?;
                self.member_exists(member)?;
                // A closed sitting's attendance is part of its record: final, as for check-in.
                if record.status == SittingStatus::Closed {
                    return Err(conflict(format!("sitting {sitting} is closed")));
                }
                if !record.is_present(member) {
                    return Err(conflict(format!(
                        "member {member} is not checked in at sitting {sitting}"
                    )));
                }
                Ok(vec![Event::MemberCheckedOut {
                    sitting: sitting.clone(),
                    member: member.clone(),
                }])
            }
            Command::ExcuseAbsence {
                sitting,
                member,
                reason,
            } => {
                let record = self.sitting(sitting)?;
                self.sitting_member(member)?;
                check_text("the reason", reason, NAME_LENGTH_MAX)?;
                if record.is_present(member) {
                    return Err(conflict(format!(
                        "member {member} is checked in at sitting {sitting}; a present member cannot be excused"
                    )));
                }
                Ok(vec![Event::AbsenceExcused {
                    sitting: sitting.clone(),
                    member: member.clone(),
                    reason: reason.clone(),
                }])
            }
            Command::DeclareBoycott {
                sitting,
                bloc,
                statement,
            } => {
                let record = self.sitting(sitting)?;
                self.bloc_exists(bloc)?;
                check_optional_text("the statement", statement.as_ref(), TEXT_LENGTH_MAX)?;
                if record.status == SittingStatus::Closed {
                    return Err(conflict(format!("sitting {sitting} is closed")));
                }
                if record.boycotts.contains_key(bloc) {
                    return Err(conflict(format!(
                        "bloc {bloc} has already declared a boycott of sitting {sitting}"
                    )));
                }
                Ok(vec![Event::BoycottDeclared {
                    sitting: sitting.clone(),
                    bloc: bloc.clone(),
                    statement: statement.clone(),
                }])
            }
            Command::CheckQuorum { sitting } => {
                let record = self.sitting(sitting)?;
                if record.status == SittingStatus::Closed {
                    return Err(conflict(format!("sitting {sitting} is closed")));
                }
                if !self
                    .rules()
                    .quorum
                    .checked
                    .contains(&QuorumCheckPoint::OnRequest)
                {
                    return Err(conflict(
                        "the standing orders do not provide for a quorum check on request",
                    ));
                }
                let report = self.quorum_now(record).expect("the chamber exists");
                let met = report.met;
                let mut events = vec![Event::QuorumChecked {
                    sitting: sitting.clone(),
                    occasion: QuorumOccasion::Request,
                    report: report.clone(),
                }];
                if !met && record.status == SittingStatus::Open && record.open_division.is_none() {
                    let reason = format!("quorum not present ({})", report.sentence());
                    match self.rules().quorum.when_not_met {
                        QuorumFailure::Suspend => events.push(Event::SittingSuspended {
                            sitting: sitting.clone(),
                            reason,
                        }),
                        QuorumFailure::Adjourn => events.push(Event::SittingClosed {
                            sitting: sitting.clone(),
                            reason: Some(reason),
                        }),
                        // Business stands over: nothing is decided while the quorum is absent,
                        // which each division's own quorum check enforces.
                        QuorumFailure::StandOver => {}
                    }
                }
                Ok(events)
            }
            Command::TableMotion {
                motion,
                kind,
                title,
                text,
                sponsors,
                decision,
            } => {
                if self.motions.contains_key(motion) {
                    return Err(conflict(format!("motion {motion} was already tabled")));
                }
                check_text("the motion's title", title, NAME_LENGTH_MAX)?;
                check_text("the motion's text", text, TEXT_LENGTH_MAX)?;
                if let MotionKind::Resolution {
                    addressed_to: Some(to),
                    ..
                } = kind
                {
                    check_text("addressed to", to, NAME_LENGTH_MAX)?;
                }
                if sponsors.is_empty() {
                    return Err(invalid(
                        "a motion needs at least one sponsor (a member or a bloc)",
                    ));
                }
                if sponsors.len() > SPONSORS_MAX {
                    return Err(invalid(format!(
                        "a motion has at most {SPONSORS_MAX} sponsors"
                    )));
                }
                for sponsor in sponsors {
                    match sponsor {
                        Sponsor::Member(member) => self.member_exists(member)?,
                        Sponsor::Bloc(bloc) => self.bloc_exists(bloc)?,
                    }
                }
                let (decision, rule) =
                    self.rules().decision(decision.as_ref()).ok_or_else(|| {
                        not_found(format!(
                            "the standing orders have no decision rule \"{}\"",
                            decision.as_ref().map_or("", |decision| decision.as_str())
                        ))
                    })?;
                if rule.election {
                    return Err(invalid(format!(
                        "decision rule \"{decision}\" is for elections, not motions"
                    )));
                }
                Ok(vec![Event::MotionTabled {
                    motion: motion.clone(),
                    kind: kind.clone(),
                    title: title.clone(),
                    text: text.clone(),
                    sponsors: sponsors.clone(),
                    decision: decision.clone(),
                }])
            }
            Command::WithdrawMotion { motion } => {
                let record = self.motion(motion)?;
                if record.status != MotionStatus::Tabled {
                    return Err(conflict(format!(
                        "motion {motion} has already been decided or withdrawn"
                    )));
                }
                if record
                    .divisions
                    .iter()
                    .any(|division| self.divisions[division].is_open())
                {
                    return Err(conflict(format!("motion {motion} is being voted on")));
                }
                Ok(vec![Event::MotionWithdrawn {
                    motion: motion.clone(),
                }])
            }
            Command::ReadCommunication {
                sitting,
                communication,
                from,
                on_behalf_of,
                subject,
                text,
            } => {
                let record = self.sitting(sitting)?;
                if self.communications.contains_key(communication) {
                    return Err(conflict(format!(
                        "communication {communication} was already read"
                    )));
                }
                if record.status != SittingStatus::Open {
                    return Err(conflict(format!(
                        "sitting {sitting} is {}; communications are read in an open sitting",
                        record.status.in_words()
                    )));
                }
                check_text("from", from, NAME_LENGTH_MAX)?;
                check_text("the subject", subject, NAME_LENGTH_MAX)?;
                check_text("the text", text, TEXT_LENGTH_MAX)?;
                if let Some(bloc) = on_behalf_of {
                    self.bloc_exists(bloc)?;
                }
                Ok(vec![Event::CommunicationRead {
                    sitting: sitting.clone(),
                    communication: communication.clone(),
                    from: from.clone(),
                    on_behalf_of: on_behalf_of.clone(),
                    subject: subject.clone(),
                    text: text.clone(),
                }])
            }
            Command::OpenDivision {
                division,
                sitting,
                question,
                method,
                decision,
            } => self.decide_open_division(
                context,
                division,
                sitting,
                question,
                *method,
                decision.as_ref(),
            ),
            Command::CastBallot {
                division,
                member,
                choice,
            } => {
                self.acting_for(&context.actor, member)?;
                let record = self.open_division(division)?;
                self.sitting_member(member)?;
                if record.method != DivisionMethod::Recorded {
                    return Err(conflict(format!(
                        "division {division} is a {}; members do not cast recorded ballots in it",
                        record.method.in_words()
                    )));
                }
                self.check_timer(record, context)?;
                self.check_may_vote(record, member)?;
                check_choice(record, choice)?;
                if let Some(previous) = record.ballots.get(member) {
                    if previous == choice {
                        return Err(conflict(format!(
                            "member {member} has already voted {} in division {division}",
                            choice.in_words()
                        )));
                    }
                    if !self.rules().voting.ballot_changes_allowed {
                        return Err(conflict(format!(
                            "member {member} has already voted {} in division {division}, and the standing orders do not allow a ballot to be changed",
                            previous.in_words()
                        )));
                    }
                }
                let mut events = self.presence_shown_by_voting(record, member);
                events.push(Event::BallotCast {
                    division: division.clone(),
                    member: member.clone(),
                    choice: choice.clone(),
                });
                Ok(events)
            }
            Command::RecordParticipation { division, member } => {
                self.acting_for(&context.actor, member)?;
                let record = self.open_division(division)?;
                self.sitting_member(member)?;
                if record.method != DivisionMethod::Secret {
                    return Err(conflict(format!(
                        "division {division} is a {}, not a secret ballot",
                        record.method.in_words()
                    )));
                }
                self.check_timer(record, context)?;
                self.check_may_vote(record, member)?;
                if record.participants.contains(member) {
                    return Err(conflict(format!(
                        "member {member} has already taken part in division {division}"
                    )));
                }
                let mut events = self.presence_shown_by_voting(record, member);
                events.push(Event::ParticipationRecorded {
                    division: division.clone(),
                    member: member.clone(),
                });
                Ok(events)
            }
            Command::EnterTally {
                division,
                tally,
                taking_part,
            } => {
                let record = self.open_division(division)?;
                if record.method == DivisionMethod::Recorded {
                    return Err(conflict(format!(
                        "division {division} is a recorded division; its tally comes from the ballots"
                    )));
                }
                if record.entered_tally.is_some() {
                    return Err(conflict(format!(
                        "the tally of division {division} has already been entered"
                    )));
                }
                check_tally(record, tally)?;
                let sitting = self.sitting(&record.sitting)?;
                let present = sitting.present_count();
                let (limit, limit_words) = match record.method {
                    DivisionMethod::Secret => (
                        u32::try_from(record.participants.len()).unwrap_or(u32::MAX),
                        "members recorded as taking part",
                    ),
                    _ => (present, "members present"),
                };
                if tally.ballots() > limit {
                    return Err(invalid(format!(
                        "the tally counts {} ballots, more than the {limit} {limit_words}",
                        tally.ballots()
                    )));
                }
                if let Some(taking_part) = taking_part {
                    if *taking_part < tally.ballots() || *taking_part > present {
                        return Err(invalid(format!(
                            "{taking_part} taking part is impossible with {} ballots counted and {present} present",
                            tally.ballots()
                        )));
                    }
                    if record.method == DivisionMethod::Secret {
                        return Err(invalid(
                            "in a secret ballot, those taking part are the members recorded as taking part",
                        ));
                    }
                }
                Ok(vec![Event::TallyEntered {
                    division: division.clone(),
                    tally: tally.clone(),
                    taking_part: *taking_part,
                }])
            }
            Command::CloseDivision {
                division,
                casting_vote,
            } => self.decide_close_division(division, *casting_vote),
            Command::SendResolution {
                motion,
                to,
                on,
                response_due,
            } => {
                let follow_up = self.follow_up(motion)?;
                check_text("addressed to", to, NAME_LENGTH_MAX)?;
                if follow_up.status != FollowUpStatus::Adopted {
                    return Err(conflict(format!(
                        "resolution {motion} has already been sent"
                    )));
                }
                if *on < follow_up.adopted_on {
                    return Err(invalid(format!(
                        "resolution {motion} was adopted on {}; it cannot be sent earlier, on {on}",
                        follow_up.adopted_on
                    )));
                }
                if response_due.is_some_and(|due| due < *on) {
                    return Err(invalid(
                        "the response cannot be due before the resolution is sent",
                    ));
                }
                Ok(vec![Event::ResolutionSent {
                    motion: motion.clone(),
                    to: to.clone(),
                    on: *on,
                    response_due: *response_due,
                }])
            }
            Command::RecordResponse {
                motion,
                on,
                summary,
            } => {
                let follow_up = self.follow_up(motion)?;
                check_text("the summary", summary, TEXT_LENGTH_MAX)?;
                if follow_up.status != FollowUpStatus::Sent {
                    return Err(conflict(format!(
                        "resolution {motion} is not awaiting a response"
                    )));
                }
                if follow_up
                    .sent
                    .as_ref()
                    .is_some_and(|(sent_on, _)| on < sent_on)
                {
                    return Err(invalid(
                        "a response cannot arrive before the resolution was sent",
                    ));
                }
                Ok(vec![Event::ResponseReceived {
                    motion: motion.clone(),
                    on: *on,
                    summary: summary.clone(),
                }])
            }
            Command::ConcludeFollowUp {
                motion,
                conclusion,
                on,
                note,
            } => {
                let follow_up = self.follow_up(motion)?;
                check_text("the note", note, TEXT_LENGTH_MAX)?;
                if !matches!(
                    follow_up.status,
                    FollowUpStatus::Sent | FollowUpStatus::ResponseReceived
                ) {
                    return Err(conflict(format!(
                        "resolution {motion} must have been sent, and not yet concluded"
                    )));
                }
                Ok(vec![Event::FollowUpConcluded {
                    motion: motion.clone(),
                    conclusion: *conclusion,
                    on: *on,
                    note: note.clone(),
                }])
            }
            Command::RecordIdentifiers { .. }
            | Command::RecordMemberDetails { .. }
            | Command::RenameMember { .. }
            | Command::RecordOccasion { .. }
            | Command::RecordMotion { .. }
            | Command::RecordDivision { .. } => self.decide_history(command),
        }
    }

    fn decide_open_division(
        &self,
        context: &Context,
        division: &DivisionId,
        sitting: &SittingId,
        question: &Question,
        method: DivisionMethod,
        decision: Option<&crate::ids::DecisionId>,
    ) -> Result<Vec<Event>, Refusal> {
        if self.divisions.contains_key(division) {
            return Err(conflict(format!("division {division} already exists")));
        }
        let record = self.sitting(sitting)?;
        if record.status != SittingStatus::Open {
            return Err(conflict(format!(
                "sitting {sitting} is {}; divisions are held in an open sitting",
                record.status.in_words()
            )));
        }
        if let Some(open) = &record.open_division {
            return Err(conflict(format!("division {open} is still open")));
        }
        let rules = self.rules();
        let decision = match question {
            Question::Motion { motion } => {
                let motion_record = self.motion(motion)?;
                if motion_record.status != MotionStatus::Tabled {
                    return Err(conflict(format!(
                        "motion {motion} has already been decided or withdrawn"
                    )));
                }
                if decision.is_some_and(|decision| decision != &motion_record.decision) {
                    return Err(invalid(format!(
                        "motion {motion} is decided under rule \"{}\", as tabled",
                        motion_record.decision
                    )));
                }
                motion_record.decision.clone()
            }
            Question::Election { office, candidates } => {
                check_text("the office", office, NAME_LENGTH_MAX)?;
                if candidates.is_empty() || candidates.len() > CANDIDATES_MAX {
                    return Err(invalid(format!(
                        "an election needs between 1 and {CANDIDATES_MAX} candidates"
                    )));
                }
                for (index, candidate) in candidates.iter().enumerate() {
                    check_text("a candidate's name", &candidate.name, NAME_LENGTH_MAX)?;
                    if candidates[..index]
                        .iter()
                        .any(|other| other.id == candidate.id)
                    {
                        return Err(invalid(format!(
                            "candidate {} is listed twice",
                            candidate.id
                        )));
                    }
                }
                let decision = decision.ok_or_else(|| {
                    invalid("an election must name its decision rule from the standing orders")
                })?;
                let rule = rules.decisions.get(decision).ok_or_else(|| {
                    not_found(format!(
                        "the standing orders have no decision rule \"{decision}\""
                    ))
                })?;
                if !rule.election {
                    return Err(invalid(format!(
                        "decision rule \"{decision}\" is for motions, not elections"
                    )));
                }
                decision.clone()
            }
        };
        let rule = &rules.decisions[&decision];
        if method != DivisionMethod::Recorded
            && rule
                .requirements
                .iter()
                .any(|requirement| requirement.within.is_some())
        {
            return Err(invalid(format!(
                "decision rule \"{decision}\" needs a separate majority within a group, which only a recorded division can show"
            )));
        }
        let closes_at = rules
            .voting
            .timer_seconds
            .map(|seconds| context.at + chrono::Duration::seconds(i64::from(seconds)));
        Ok(vec![Event::DivisionOpened {
            division: division.clone(),
            sitting: sitting.clone(),
            question: question.clone(),
            method,
            decision,
            closes_at,
        }])
    }

    fn decide_close_division(
        &self,
        division: &DivisionId,
        casting_vote: Option<Side>,
    ) -> Result<Vec<Event>, Refusal> {
        let record = self.open_division(division)?;
        if record.method != DivisionMethod::Recorded && record.entered_tally.is_none() {
            return Err(conflict(format!(
                "the count of division {division} ({}) must be entered before it closes",
                record.method.in_words()
            )));
        }
        let tally = record.tally();
        // A tie matters only when it is decisive: when one more vote in favour would carry
        // the motion. The outcome engine reports a tie only then.
        let decisive_tie = self
            .outcome_now(record, None)
            .is_some_and(|outcome| outcome.tie.is_some());
        let tie_rule = self.rules().voting.tie;
        match (casting_vote, decisive_tie, tie_rule) {
            (Some(_), false, _) => {
                return Err(invalid(format!(
                    "a casting vote is only given on a decisive tie; division {division} stands at {} to {}",
                    tally.yes, tally.no
                )))
            }
            (Some(_), true, rule) if rule != TieRule::CastingVote => {
                return Err(invalid(
                    "the standing orders give the presiding officer no casting vote",
                ))
            }
            (None, true, TieRule::CastingVote) => {
                return Err(conflict(format!(
                    "division {division} is tied at {} to {}: the presiding officer must give a casting vote",
                    tally.yes, tally.no
                )))
            }
            _ => {}
        }
        let outcome = self
            .outcome_now(record, casting_vote)
            .ok_or_else(|| conflict(format!("division {division} cannot be decided")))?;
        let mut events = vec![Event::DivisionClosed {
            division: division.clone(),
            casting_vote,
            outcome: outcome.clone(),
        }];
        if outcome.verdict == Verdict::NotDecided {
            let sitting = record.sitting.clone();
            let reason = outcome
                .quorum
                .as_ref()
                .map(|quorum| format!("quorum not present at the division ({})", quorum.sentence()))
                .unwrap_or_default();
            match self.rules().quorum.when_not_met {
                QuorumFailure::Suspend => events.push(Event::SittingSuspended { sitting, reason }),
                QuorumFailure::Adjourn => events.push(Event::SittingClosed {
                    sitting,
                    reason: Some(reason),
                }),
                QuorumFailure::StandOver => {}
            }
        }
        Ok(events)
    }

    fn rules(&self) -> &crate::rules::StandingOrders {
        &self
            .chamber
            .as_ref()
            .expect("checked in decide")
            .standing_orders
    }

    fn acting_for(&self, actor: &Actor, member: &MemberId) -> Result<(), Refusal> {
        match actor {
            Actor::Member(acting) if acting != member => Err(forbidden(format!(
                "member {acting} may act only for themselves, not for member {member}"
            ))),
            _ => Ok(()),
        }
    }

    fn check_timer(&self, division: &Division, context: &Context) -> Result<(), Refusal> {
        match division.closes_at {
            Some(closes_at) if context.at > closes_at => Err(conflict(format!(
                "the vote timer of division {} ran out at {}",
                division.id,
                closes_at.format("%H:%M:%S")
            ))),
            _ => Ok(()),
        }
    }

    fn check_may_vote(&self, division: &Division, member: &MemberId) -> Result<(), Refusal> {
        if self.rules().voting.presence_required {
            let sitting = self.sitting(&division.sitting)?;
            if !sitting.is_present(member) {
                return Err(conflict(format!(
                    "member {member} is not checked in at sitting {}; only members present may vote",
                    sitting.id
                )));
            }
        }
        Ok(())
    }

    /// Where members need not check in to vote (the Commons' division lobbies), taking
    /// part in a division shows presence: the member is checked in with the ballot.
    fn presence_shown_by_voting(&self, division: &Division, member: &MemberId) -> Vec<Event> {
        let present = self
            .sittings
            .get(&division.sitting)
            .is_some_and(|sitting| sitting.is_present(member));
        if present {
            Vec::new()
        } else {
            vec![Event::MemberCheckedIn {
                sitting: division.sitting.clone(),
                member: member.clone(),
            }]
        }
    }

    fn member_exists(&self, member: &MemberId) -> Result<(), Refusal> {
        if self.members.contains_key(member) {
            Ok(())
        } else {
            Err(not_found(format!("no member {member}")))
        }
    }

    fn sitting_member(&self, member: &MemberId) -> Result<&crate::state::Member, Refusal> {
        match self.members.get(member) {
            Some(record) if record.is_sitting() => Ok(record),
            Some(_) => Err(conflict(format!("{member} no longer holds a seat"))),
            None => Err(not_found(format!("no member {member}"))),
        }
    }

    fn bloc_exists(&self, bloc: &BlocId) -> Result<(), Refusal> {
        if self.blocs.contains_key(bloc) {
            Ok(())
        } else {
            Err(not_found(format!("no bloc {bloc}")))
        }
    }

    fn sitting(&self, sitting: &SittingId) -> Result<&Sitting, Refusal> {
        self.sittings
            .get(sitting)
            .ok_or_else(|| not_found(format!("no sitting {sitting}")))
    }

    fn motion(&self, motion: &MotionId) -> Result<&crate::state::Motion, Refusal> {
        self.motions
            .get(motion)
            .ok_or_else(|| not_found(format!("no motion {motion}")))
    }

    fn open_division(&self, division: &DivisionId) -> Result<&Division, Refusal> {
        match self.divisions.get(division) {
            Some(record) if record.is_open() => Ok(record),
            Some(_) => Err(conflict(format!("division {division} is closed"))),
            None => Err(not_found(format!("no division {division}"))),
        }
    }

    fn follow_up(&self, motion: &MotionId) -> Result<&FollowUp, Refusal> {
        self.motion(motion)?;
        self.follow_ups.get(motion).ok_or_else(|| {
            conflict(format!(
                "motion {motion} is not an adopted resolution addressed outside the chamber"
            ))
        })
    }
}

fn check_choice(division: &Division, choice: &Choice) -> Result<(), Refusal> {
    match (&division.question, choice) {
        (Question::Motion { .. }, Choice::Candidate(_)) => Err(invalid(format!(
            "division {} is on a motion: vote yes, no or abstain",
            division.id
        ))),
        (Question::Election { .. }, Choice::Yes | Choice::No) => Err(invalid(format!(
            "division {} is an election: vote for a candidate or abstain",
            division.id
        ))),
        (Question::Election { .. }, Choice::Candidate(candidate))
            if !State::stands(division, candidate) =>
        {
            Err(invalid(format!(
                "{candidate} is not a candidate in division {}",
                division.id
            )))
        }
        _ => Ok(()),
    }
}

fn check_tally(division: &Division, tally: &Tally) -> Result<(), Refusal> {
    match &division.question {
        Question::Motion { .. } if !tally.candidates.is_empty() => Err(invalid(
            "a tally on a motion counts yes, no and abstain, not candidates",
        )),
        Question::Election { .. } if tally.yes > 0 || tally.no > 0 => Err(invalid(
            "a tally in an election counts votes per candidate and abstentions, not yes or no",
        )),
        Question::Election { .. } => {
            match tally
                .candidates
                .keys()
                .find(|candidate| !State::stands(division, candidate))
            {
                Some(candidate) => Err(invalid(format!(
                    "{candidate} is not a candidate in division {}",
                    division.id
                ))),
                None => Ok(()),
            }
        }
        Question::Motion { .. } => Ok(()),
    }
}

fn capitalised(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}
