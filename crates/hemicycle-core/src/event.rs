//! Journal events: the versioned wire format of everything that happens.
//!
//! An event, once released, is never changed. A new need gets a new event type, or a
//! new version of the envelope (`"v"`), and [`decode`] keeps reading every version ever
//! written. Encoding is deterministic: fields in declaration order, no maps with
//! unordered keys, compact JSON — so the bytes hashed by the journal are reproducible.

use serde::{Deserialize, Serialize};

use crate::history::{ExternalIdentifier, MemberDetails, RecordedCounts, RecordedOption, Subject};
use crate::ids::{
    BlocId, CoalitionId, CommunicationId, DecisionId, DivisionId, MemberId, MotionId, OccasionId,
    SittingId,
};
use crate::model::{
    AgendaItem, BlocKind, Choice, Date, DivisionMethod, FollowUpConclusion, MotionKind, Question,
    SittingKind, Sponsor, Timestamp,
};
use crate::outcome::{Outcome, QuorumOccasion, QuorumReport, Side, Tally};
use crate::rules::StandingOrders;

/// The wire version written by this code.
pub const EVENT_VERSION: u32 = 1;

/// Everything that can happen to a chamber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    ChamberEstablished {
        name: String,
        seats: u32,
        standing_orders: StandingOrders,
    },
    StandingOrdersAmended {
        standing_orders: StandingOrders,
    },
    /// A notice the clerk attaches to the record: of the chamber, or of one sitting
    /// (e.g. that an attendance allocation is an illustration, not a record).
    NoticeAttached {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sitting: Option<SittingId>,
        text: String,
    },
    BlocRegistered {
        bloc: BlocId,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        short_name: Option<String>,
        kind: BlocKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        colour: Option<String>,
    },
    CoalitionFormed {
        coalition: CoalitionId,
        name: String,
        blocs: Vec<BlocId>,
    },
    BlocJoinedCoalition {
        coalition: CoalitionId,
        bloc: BlocId,
    },
    BlocLeftCoalition {
        coalition: CoalitionId,
        bloc: BlocId,
    },
    MemberAdmitted {
        member: MemberId,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        constituency: Option<String>,
    },
    MemberDeparted {
        member: MemberId,
        reason: String,
    },
    MembershipStarted {
        member: MemberId,
        bloc: BlocId,
        on: Date,
    },
    MembershipEnded {
        member: MemberId,
        bloc: BlocId,
        on: Date,
    },
    SittingConvened {
        sitting: SittingId,
        kind: SittingKind,
        title: String,
        scheduled_for: Timestamp,
        agenda: Vec<AgendaItem>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requested_by: Option<String>,
    },
    SittingOpened {
        sitting: SittingId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        presiding_officer: Option<MemberId>,
    },
    SittingSuspended {
        sitting: SittingId,
        reason: String,
    },
    SittingResumed {
        sitting: SittingId,
    },
    SittingClosed {
        sitting: SittingId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    MemberCheckedIn {
        sitting: SittingId,
        member: MemberId,
    },
    MemberCheckedOut {
        sitting: SittingId,
        member: MemberId,
    },
    AbsenceExcused {
        sitting: SittingId,
        member: MemberId,
        reason: String,
    },
    BoycottDeclared {
        sitting: SittingId,
        bloc: BlocId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        statement: Option<String>,
    },
    /// A quorum check and its result, recomputed and compared on replay.
    QuorumChecked {
        sitting: SittingId,
        occasion: QuorumOccasion,
        report: QuorumReport,
    },
    MotionTabled {
        motion: MotionId,
        kind: MotionKind,
        title: String,
        text: String,
        sponsors: Vec<Sponsor>,
        decision: DecisionId,
    },
    MotionWithdrawn {
        motion: MotionId,
    },
    CommunicationRead {
        sitting: SittingId,
        communication: CommunicationId,
        from: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<BlocId>,
        subject: String,
        text: String,
    },
    DivisionOpened {
        division: DivisionId,
        sitting: SittingId,
        question: Question,
        method: DivisionMethod,
        decision: DecisionId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        closes_at: Option<Timestamp>,
    },
    BallotCast {
        division: DivisionId,
        member: MemberId,
        choice: Choice,
    },
    /// In a secret ballot: the member took part; how they voted is not recorded.
    ParticipationRecorded {
        division: DivisionId,
        member: MemberId,
    },
    /// The count of a secret ballot or a show of hands, entered by the tellers or the clerk.
    TallyEntered {
        division: DivisionId,
        tally: Tally,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        taking_part: Option<u32>,
    },
    /// The division closed; its outcome is recomputed and compared on replay.
    DivisionClosed {
        division: DivisionId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        casting_vote: Option<Side>,
        outcome: Outcome,
    },
    ResolutionSent {
        motion: MotionId,
        to: String,
        on: Date,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        response_due: Option<Date>,
    },
    ResponseReceived {
        motion: MotionId,
        on: Date,
        summary: String,
    },
    FollowUpConcluded {
        motion: MotionId,
        conclusion: FollowUpConclusion,
        on: Date,
        note: String,
    },
    /// Identifiers another system issued for a subject, added to those it holds.
    IdentifiersRecorded {
        subject: Subject,
        identifiers: Vec<ExternalIdentifier>,
    },
    /// A member's personal details as a source gives them, replacing any recorded before.
    MemberDetailsRecorded {
        member: MemberId,
        details: MemberDetails,
    },
    /// A member's name as it is now written (e.g. corrected by a newer roster).
    MemberRenamed {
        member: MemberId,
        name: String,
    },
    /// An occasion outside the sittings, kept for reference (an election, a term).
    OccasionRecorded {
        occasion: OccasionId,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        classification: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end: Option<String>,
    },
    /// A historical motion, as a source recorded it.
    MotionRecorded {
        motion: MotionId,
        title: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        classification: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requirement: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on: Option<Date>,
    },
    /// A historical division with its result, counts and every recorded vote, as a
    /// source published them. Not recomputed on replay: these standing orders did not
    /// produce it.
    DivisionRecorded {
        division: DivisionId,
        on: Date,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<Timestamp>,
        question: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        motion: Option<MotionId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<String>,
        counts: RecordedCounts,
        votes: Vec<(MemberId, RecordedOption)>,
    },
}

impl Event {
    /// The event's type name on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::ChamberEstablished { .. } => "ChamberEstablished",
            Event::StandingOrdersAmended { .. } => "StandingOrdersAmended",
            Event::NoticeAttached { .. } => "NoticeAttached",
            Event::BlocRegistered { .. } => "BlocRegistered",
            Event::CoalitionFormed { .. } => "CoalitionFormed",
            Event::BlocJoinedCoalition { .. } => "BlocJoinedCoalition",
            Event::BlocLeftCoalition { .. } => "BlocLeftCoalition",
            Event::MemberAdmitted { .. } => "MemberAdmitted",
            Event::MemberDeparted { .. } => "MemberDeparted",
            Event::MembershipStarted { .. } => "MembershipStarted",
            Event::MembershipEnded { .. } => "MembershipEnded",
            Event::SittingConvened { .. } => "SittingConvened",
            Event::SittingOpened { .. } => "SittingOpened",
            Event::SittingSuspended { .. } => "SittingSuspended",
            Event::SittingResumed { .. } => "SittingResumed",
            Event::SittingClosed { .. } => "SittingClosed",
            Event::MemberCheckedIn { .. } => "MemberCheckedIn",
            Event::MemberCheckedOut { .. } => "MemberCheckedOut",
            Event::AbsenceExcused { .. } => "AbsenceExcused",
            Event::BoycottDeclared { .. } => "BoycottDeclared",
            Event::QuorumChecked { .. } => "QuorumChecked",
            Event::MotionTabled { .. } => "MotionTabled",
            Event::MotionWithdrawn { .. } => "MotionWithdrawn",
            Event::CommunicationRead { .. } => "CommunicationRead",
            Event::DivisionOpened { .. } => "DivisionOpened",
            Event::BallotCast { .. } => "BallotCast",
            Event::ParticipationRecorded { .. } => "ParticipationRecorded",
            Event::TallyEntered { .. } => "TallyEntered",
            Event::DivisionClosed { .. } => "DivisionClosed",
            Event::ResolutionSent { .. } => "ResolutionSent",
            Event::ResponseReceived { .. } => "ResponseReceived",
            Event::FollowUpConcluded { .. } => "FollowUpConcluded",
            Event::IdentifiersRecorded { .. } => "IdentifiersRecorded",
            Event::MemberDetailsRecorded { .. } => "MemberDetailsRecorded",
            Event::MemberRenamed { .. } => "MemberRenamed",
            Event::OccasionRecorded { .. } => "OccasionRecorded",
            Event::MotionRecorded { .. } => "MotionRecorded",
            Event::DivisionRecorded { .. } => "DivisionRecorded",
        }
    }
}

/// Why stored bytes are not an event this code can read.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("event has no readable version field \"v\": {0}")]
    Version(serde_json::Error),
    #[error("event version {0} is newer than this hemicycle understands (up to {EVENT_VERSION})")]
    UnknownVersion(u32),
    #[error("event is not a valid version-{EVENT_VERSION} event: {0}")]
    Body(serde_json::Error),
    #[error("event is not in canonical form (re-encoding it gives different bytes): an unknown field, or bytes not written by hemicycle")]
    NotCanonical,
}

/// Encodes an event as compact JSON: `{"v":1,"type":"…",…}`.
pub fn encode(event: &Event) -> Vec<u8> {
    let body =
        serde_json::to_vec(event).expect("events always serialise: no maps with non-string keys");
    debug_assert!(body.starts_with(b"{\"type\":"));
    let mut bytes = Vec::with_capacity(body.len() + 8);
    bytes.extend_from_slice(b"{\"v\":");
    bytes.extend_from_slice(EVENT_VERSION.to_string().as_bytes());
    bytes.push(b',');
    bytes.extend_from_slice(&body[1..]);
    bytes
}

#[derive(Deserialize)]
struct VersionOnly {
    v: u32,
}

/// Decodes any version of an event ever written.
pub fn decode(bytes: &[u8]) -> Result<Event, DecodeError> {
    let VersionOnly { v } = serde_json::from_slice(bytes).map_err(DecodeError::Version)?;
    match v {
        1 => decode_version_1(bytes),
        other => Err(DecodeError::UnknownVersion(other)),
    }
}

fn decode_version_1(bytes: &[u8]) -> Result<Event, DecodeError> {
    // The "v" field is not part of `Event` and is skipped by serde; any other field
    // that is not ours is caught by the canonical round trip below.
    let event: Event = serde_json::from_slice(bytes).map_err(DecodeError::Body)?;
    if encode(&event) != bytes {
        return Err(DecodeError::NotCanonical);
    }
    Ok(event)
}
