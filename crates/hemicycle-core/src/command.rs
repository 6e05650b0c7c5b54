//! Commands: what someone asks the chamber to do. A command is validated against the
//! current state and either refused, with a reason, or turned into events.

use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::history::{ExternalIdentifier, MemberDetails, RecordedCounts, RecordedOption, Subject};
use crate::ids::{
    BlocId, CoalitionId, CommunicationId, DecisionId, DivisionId, MemberId, MotionId, OccasionId,
    SittingId,
};
use crate::model::{
    AgendaItem, BlocKind, Choice, Date, DivisionMethod, FollowUpConclusion, MotionKind, Question,
    SittingKind, Sponsor, Timestamp,
};
use crate::outcome::{Side, Tally};
use crate::rules::StandingOrders;

/// Who asks, and when. The core has no clock: time always comes with the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub at: Timestamp,
    pub actor: Actor,
}

/// Everything that can be asked of the chamber.
///
/// On the wire, an object whose `command` field names the command ([`Command::name`]) and
/// whose other fields are the variant's: `{"command":"check_in","sitting":"s1","member":"m1"}`.
/// A field that is not the command's is refused, naming the field. An absent `Option`
/// field is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    EstablishChamber {
        name: String,
        seats: u32,
        standing_orders: StandingOrders,
    },
    AmendStandingOrders {
        standing_orders: StandingOrders,
    },
    AttachNotice {
        sitting: Option<SittingId>,
        text: String,
    },
    RegisterBloc {
        bloc: BlocId,
        name: String,
        short_name: Option<String>,
        kind: BlocKind,
        colour: Option<String>,
    },
    FormCoalition {
        coalition: CoalitionId,
        name: String,
        blocs: Vec<BlocId>,
    },
    JoinCoalition {
        coalition: CoalitionId,
        bloc: BlocId,
    },
    LeaveCoalition {
        coalition: CoalitionId,
        bloc: BlocId,
    },
    /// Admits a member to a seat, optionally as a member of a bloc from `on`.
    AdmitMember {
        member: MemberId,
        name: String,
        constituency: Option<String>,
        bloc: Option<BlocId>,
        on: Date,
    },
    DepartMember {
        member: MemberId,
        reason: String,
        on: Date,
    },
    /// Moves a member to another bloc (or to none) from `on`.
    ChangeBloc {
        member: MemberId,
        bloc: Option<BlocId>,
        on: Date,
    },
    ConveneSitting {
        sitting: SittingId,
        kind: SittingKind,
        title: String,
        scheduled_for: Timestamp,
        agenda: Vec<AgendaItem>,
        requested_by: Option<String>,
    },
    OpenSitting {
        sitting: SittingId,
        presiding_officer: Option<MemberId>,
    },
    SuspendSitting {
        sitting: SittingId,
        reason: String,
    },
    ResumeSitting {
        sitting: SittingId,
    },
    CloseSitting {
        sitting: SittingId,
        reason: Option<String>,
    },
    CheckIn {
        sitting: SittingId,
        member: MemberId,
    },
    CheckOut {
        sitting: SittingId,
        member: MemberId,
    },
    ExcuseAbsence {
        sitting: SittingId,
        member: MemberId,
        reason: String,
    },
    DeclareBoycott {
        sitting: SittingId,
        bloc: BlocId,
        statement: Option<String>,
    },
    CheckQuorum {
        sitting: SittingId,
    },
    TableMotion {
        motion: MotionId,
        kind: MotionKind,
        title: String,
        text: String,
        sponsors: Vec<Sponsor>,
        decision: Option<DecisionId>,
    },
    WithdrawMotion {
        motion: MotionId,
    },
    ReadCommunication {
        sitting: SittingId,
        communication: CommunicationId,
        from: String,
        on_behalf_of: Option<BlocId>,
        subject: String,
        text: String,
    },
    OpenDivision {
        division: DivisionId,
        sitting: SittingId,
        question: Question,
        method: DivisionMethod,
        /// The decision rule; for a motion, the motion's own rule when absent.
        decision: Option<DecisionId>,
    },
    CastBallot {
        division: DivisionId,
        member: MemberId,
        choice: Choice,
    },
    RecordParticipation {
        division: DivisionId,
        member: MemberId,
    },
    EnterTally {
        division: DivisionId,
        tally: Tally,
        taking_part: Option<u32>,
    },
    CloseDivision {
        division: DivisionId,
        casting_vote: Option<Side>,
    },
    SendResolution {
        motion: MotionId,
        to: String,
        on: Date,
        response_due: Option<Date>,
    },
    RecordResponse {
        motion: MotionId,
        on: Date,
        summary: String,
    },
    ConcludeFollowUp {
        motion: MotionId,
        conclusion: FollowUpConclusion,
        on: Date,
        note: String,
    },
    /// Records identifiers another system issued for a subject (see [`crate::history`]).
    RecordIdentifiers {
        subject: Subject,
        identifiers: Vec<ExternalIdentifier>,
    },
    RecordMemberDetails {
        member: MemberId,
        details: MemberDetails,
    },
    RenameMember {
        member: MemberId,
        name: String,
    },
    RecordOccasion {
        occasion: OccasionId,
        name: String,
        classification: Option<String>,
        start: Option<String>,
        end: Option<String>,
    },
    RecordMotion {
        motion: MotionId,
        title: String,
        text: String,
        classification: Option<String>,
        requirement: Option<String>,
        result: Option<String>,
        on: Option<Date>,
    },
    /// Records a historical division as published: not run, not recomputed.
    RecordDivision {
        division: DivisionId,
        on: Date,
        at: Option<Timestamp>,
        question: String,
        motion: Option<MotionId>,
        result: Option<String>,
        counts: RecordedCounts,
        votes: Vec<(MemberId, RecordedOption)>,
    },
}

impl Command {
    /// The command's name, as written in scenario files and API paths.
    pub fn name(&self) -> &'static str {
        match self {
            Command::EstablishChamber { .. } => "establish_chamber",
            Command::AmendStandingOrders { .. } => "amend_standing_orders",
            Command::AttachNotice { .. } => "attach_notice",
            Command::RegisterBloc { .. } => "register_bloc",
            Command::FormCoalition { .. } => "form_coalition",
            Command::JoinCoalition { .. } => "join_coalition",
            Command::LeaveCoalition { .. } => "leave_coalition",
            Command::AdmitMember { .. } => "admit_member",
            Command::DepartMember { .. } => "depart_member",
            Command::ChangeBloc { .. } => "change_bloc",
            Command::ConveneSitting { .. } => "convene_sitting",
            Command::OpenSitting { .. } => "open_sitting",
            Command::SuspendSitting { .. } => "suspend_sitting",
            Command::ResumeSitting { .. } => "resume_sitting",
            Command::CloseSitting { .. } => "close_sitting",
            Command::CheckIn { .. } => "check_in",
            Command::CheckOut { .. } => "check_out",
            Command::ExcuseAbsence { .. } => "excuse_absence",
            Command::DeclareBoycott { .. } => "declare_boycott",
            Command::CheckQuorum { .. } => "check_quorum",
            Command::TableMotion { .. } => "table_motion",
            Command::WithdrawMotion { .. } => "withdraw_motion",
            Command::ReadCommunication { .. } => "read_communication",
            Command::OpenDivision { .. } => "open_division",
            Command::CastBallot { .. } => "cast_ballot",
            Command::RecordParticipation { .. } => "record_participation",
            Command::EnterTally { .. } => "enter_tally",
            Command::CloseDivision { .. } => "close_division",
            Command::SendResolution { .. } => "send_resolution",
            Command::RecordResponse { .. } => "record_response",
            Command::ConcludeFollowUp { .. } => "conclude_follow_up",
            Command::RecordIdentifiers { .. } => "record_identifiers",
            Command::RecordMemberDetails { .. } => "record_member_details",
            Command::RenameMember { .. } => "rename_member",
            Command::RecordOccasion { .. } => "record_occasion",
            Command::RecordMotion { .. } => "record_motion",
            Command::RecordDivision { .. } => "record_division",
        }
    }

    /// The roles that may give this command. Members may further act only for themselves.
    pub fn permitted_roles(&self) -> &'static [Role] {
        use Role::{Clerk, Member, PresidingOfficer, System};
        match self {
            Command::EstablishChamber { .. }
            | Command::AmendStandingOrders { .. }
            | Command::AttachNotice { .. }
            | Command::RegisterBloc { .. }
            | Command::FormCoalition { .. }
            | Command::JoinCoalition { .. }
            | Command::LeaveCoalition { .. }
            | Command::AdmitMember { .. }
            | Command::DepartMember { .. }
            | Command::ChangeBloc { .. }
            | Command::ConveneSitting { .. }
            | Command::ExcuseAbsence { .. }
            | Command::DeclareBoycott { .. }
            | Command::TableMotion { .. }
            | Command::WithdrawMotion { .. }
            | Command::EnterTally { .. }
            | Command::SendResolution { .. }
            | Command::RecordResponse { .. }
            | Command::ConcludeFollowUp { .. }
            | Command::RecordIdentifiers { .. }
            | Command::RecordMemberDetails { .. }
            | Command::RenameMember { .. }
            | Command::RecordOccasion { .. }
            | Command::RecordMotion { .. }
            | Command::RecordDivision { .. } => &[System, Clerk],
            Command::OpenSitting { .. }
            | Command::SuspendSitting { .. }
            | Command::ResumeSitting { .. }
            | Command::CloseSitting { .. }
            | Command::CheckQuorum { .. }
            | Command::ReadCommunication { .. }
            | Command::OpenDivision { .. }
            | Command::CloseDivision { .. } => &[System, PresidingOfficer],
            // Attendance is taken by members themselves, by the clerk or by the chair's roll call.
            Command::CheckIn { .. } | Command::CheckOut { .. } => {
                &[System, Clerk, PresidingOfficer, Member]
            }
            Command::CastBallot { .. } | Command::RecordParticipation { .. } => &[System, Member],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Command, String> {
        serde_json::from_str(json).map_err(|error| error.to_string())
    }

    #[test]
    fn a_field_that_is_not_the_commands_is_refused_by_name() {
        let error = parse(r#"{"command":"check_in","sitting":"s1","member":"m1","reason":"x"}"#)
            .unwrap_err();
        assert!(error.contains("unknown field `reason`"), "{error}");
        assert!(error.contains("expected `sitting` or `member`"), "{error}");
        let error =
            parse(r#"{"command":"resume_sitting","sitting":"s1","sitting_id":"s1"}"#).unwrap_err();
        assert!(error.contains("unknown field `sitting_id`"), "{error}");
    }

    #[test]
    fn fields_of_nested_objects_are_checked_too() {
        let error = parse(
            r#"{"command":"convene_sitting","sitting":"s1","kind":"ordinary","title":"T",
                "scheduled_for":"2020-01-05T16:00:00+03:00","agenda":[{"title":"A","motoin":"m1"}]}"#,
        )
        .unwrap_err();
        assert!(error.contains("unknown field `motoin`"), "{error}");
        let error = parse(
            r#"{"command":"table_motion","motion":"m1","title":"T","text":"T","sponsors":[],
                "kind":{"kind":"resolution","binding":true,"adressed_to":"the government"}}"#,
        )
        .unwrap_err();
        assert!(error.contains("unknown field `adressed_to`"), "{error}");
        let error = parse(
            r#"{"command":"enter_tally","division":"d1","tally":{"yes":1,"no":2,"abstain":0,"blank":3}}"#,
        )
        .unwrap_err();
        assert!(error.contains("unknown field `blank`"), "{error}");
    }

    #[test]
    fn absent_optional_fields_are_none_and_required_ones_are_named() {
        assert_eq!(
            parse(r#"{"command":"close_sitting","sitting":"s1"}"#),
            Ok(Command::CloseSitting {
                sitting: crate::ids::SittingId::new("s1").unwrap(),
                reason: None,
            })
        );
        let error = parse(r#"{"command":"check_in","sitting":"s1"}"#).unwrap_err();
        assert!(error.contains("missing field `member`"), "{error}");
    }

    /// What the web API does with `POST /api/commands/{name}`: the tag goes in beside
    /// the body's fields, in any place.
    #[test]
    fn the_tag_may_come_anywhere() {
        assert_eq!(
            parse(r#"{"sitting":"s1","command":"check_quorum"}"#),
            Ok(Command::CheckQuorum {
                sitting: crate::ids::SittingId::new("s1").unwrap(),
            })
        );
    }
}
