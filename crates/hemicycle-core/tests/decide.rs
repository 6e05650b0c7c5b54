//! Commands against the state: what is refused (and that a refusal changes nothing), and
//! what the accepted ones do.

mod common;

use common::*;
use hemicycle_core::event::Event;
use hemicycle_core::ids::GroupId;
use hemicycle_core::model::{
    Choice, DivisionMethod, FollowUpConclusion, FollowUpStatus, Presence, Question, SittingKind,
};
use hemicycle_core::outcome::{QuorumOccasion, Side, Tally, TieReport, Verdict};
use hemicycle_core::rules::{
    Base, DecisionRule, Fraction, QuorumCheckPoint, QuorumFailure, Threshold, TieRule,
};
use hemicycle_core::state::{FollowUpView, MotionStatus, SittingStatus};
use hemicycle_core::{Actor, Command, RefusalKind, State};

fn tally(yes: u32, no: u32, abstain: u32) -> Tally {
    Tally {
        yes,
        no,
        abstain,
        candidates: Default::default(),
    }
}

fn outcome_of(chamber: &Chamber, id: &str) -> hemicycle_core::outcome::Outcome {
    chamber.state.divisions[&division(id)]
        .closed
        .as_ref()
        .expect("the division is closed")
        .outcome
        .clone()
}

// --- Establishing and roles --------------------------------------------------------------

#[test]
fn nothing_happens_before_the_chamber_is_established() {
    let mut chamber = Chamber::empty("2019-01-01T09:00:00+03:00");
    let refusal = chamber.refused(
        clerk(),
        Command::ConveneSitting {
            sitting: sitting("s1"),
            kind: SittingKind::Ordinary,
            title: "Sitting".into(),
            scheduled_for: time("2019-01-02T10:00:00+03:00"),
            agenda: vec![],
            requested_by: None,
        },
        RefusalKind::Conflict,
    );
    assert_eq!(refusal.message, "no chamber has been established yet");
    // A member cannot establish a chamber, and invalid standing orders are refused.
    chamber.refused(
        as_member("a1"),
        Command::EstablishChamber {
            name: "Test Chamber".into(),
            seats: 9,
            standing_orders: standing_orders(),
        },
        RefusalKind::Forbidden,
    );
    let mut orders = standing_orders();
    orders.default_decision = decision("president");
    let refusal = chamber.refused(
        Actor::System,
        Command::EstablishChamber {
            name: "Test Chamber".into(),
            seats: 9,
            standing_orders: orders,
        },
        RefusalKind::Invalid,
    );
    assert!(refusal.message.contains("default_decision"), "{refusal}");
}

#[test]
fn roles_are_enforced() {
    let mut chamber = Chamber::open();
    let refusal = chamber.refused(
        clerk(),
        Command::OpenDivision {
            division: division("d1"),
            sitting: sitting("s1"),
            question: Question::Motion {
                motion: motion("m1"),
            },
            method: DivisionMethod::Recorded,
            decision: None,
        },
        RefusalKind::Forbidden,
    );
    assert_eq!(refusal.message, "A clerk may not open division");
    chamber.refused(
        as_member("a1"),
        Command::SuspendSitting {
            sitting: sitting("s1"),
            reason: "lunch".into(),
        },
        RefusalKind::Forbidden,
    );
    chamber.refused(
        as_member("a1"),
        Command::WithdrawMotion {
            motion: motion("m1"),
        },
        RefusalKind::Forbidden,
    );
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    let refusal = chamber.refused(
        speaker(),
        ballot("d1", "a1", Choice::Yes),
        RefusalKind::Forbidden,
    );
    assert_eq!(refusal.message, "The presiding officer may not cast ballot");
    chamber.refused(
        clerk(),
        Command::CloseDivision {
            division: division("d1"),
            casting_vote: None,
        },
        RefusalKind::Forbidden,
    );
}

#[test]
fn the_roster_is_bounded_by_the_seats() {
    let mut chamber = Chamber::new();
    assert_eq!(chamber.state.size().members, 7);
    for id in ["d1", "d2"] {
        chamber.ok(
            clerk(),
            Command::AdmitMember {
                member: member(id),
                name: format!("Member {id}"),
                constituency: None,
                bloc: None,
                on: date("2020-01-01"),
            },
        );
    }
    let refusal = chamber.refused(
        clerk(),
        Command::AdmitMember {
            member: member("d3"),
            name: "Member d3".into(),
            constituency: None,
            bloc: None,
            on: date("2020-01-01"),
        },
        RefusalKind::Conflict,
    );
    assert!(
        refusal.message.contains("all 9 seats are filled"),
        "{refusal}"
    );
    chamber.refused(
        clerk(),
        Command::AdmitMember {
            member: member("a1"),
            name: "Again".into(),
            constituency: None,
            bloc: None,
            on: date("2020-01-01"),
        },
        RefusalKind::Conflict,
    );
}

// --- Opening a sitting ---------------------------------------------------------------------

#[test]
fn a_sitting_opens_only_with_a_quorum() {
    let mut chamber = Chamber::new();
    for id in ["a1", "a2", "a3", "b1"] {
        chamber.check_in(id);
    }
    let open = Command::OpenSitting {
        sitting: sitting("s1"),
        presiding_officer: None,
    };
    let refusal = chamber.refused(speaker(), open.clone(), RefusalKind::Conflict);
    assert_eq!(
        refusal.message,
        "the sitting cannot open without a quorum. \
         Quorum: 4 present, 5 required (absolute majority of 9) — not met, 1 short."
    );
    assert_eq!(
        chamber.state.sittings[&sitting("s1")].status,
        SittingStatus::Convened
    );

    chamber.check_in("b2");
    chamber.now = time("2020-01-05T16:25:00+03:00");
    let events = chamber.ok(speaker(), open.clone());
    assert_eq!(types(&events), ["QuorumChecked", "SittingOpened"]);
    let Event::QuorumChecked {
        occasion, report, ..
    } = &events[0]
    else {
        unreachable!()
    };
    assert_eq!(*occasion, QuorumOccasion::Opening);
    assert_eq!((report.counted, report.required, report.met), (5, 5, true));
    let sitting_record = &chamber.state.sittings[&sitting("s1")];
    assert_eq!(sitting_record.status, SittingStatus::Open);
    assert_eq!(sitting_record.opened_at, Some(chamber.now));
    assert_eq!(sitting_record.quorum_checks.len(), 1);
    assert_eq!(sitting_record.present_count(), 5);
    // Not twice.
    chamber.refused(speaker(), open, RefusalKind::Conflict);
}

#[test]
fn without_a_check_at_the_opening_a_sitting_opens_with_anyone_present() {
    let mut orders = standing_orders();
    orders.quorum.checked = vec![QuorumCheckPoint::EveryVote];
    let mut chamber = Chamber::with(orders);
    let events = chamber.ok(
        speaker(),
        Command::OpenSitting {
            sitting: sitting("s1"),
            presiding_officer: None,
        },
    );
    assert_eq!(types(&events), ["SittingOpened"]);
}

// --- Ballots ---------------------------------------------------------------------------------

#[test]
fn a_ballot_cannot_be_cast_twice_when_changes_are_not_allowed() {
    let mut chamber = Chamber::open();
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    chamber.vote("d1", "a1", Choice::Yes);
    let refusal = chamber.refused(
        as_member("a1"),
        ballot("d1", "a1", Choice::No),
        RefusalKind::Conflict,
    );
    assert!(
        refusal
            .message
            .contains("the standing orders do not allow a ballot to be changed"),
        "{refusal}"
    );
    let refusal = chamber.refused(
        as_member("a1"),
        ballot("d1", "a1", Choice::Yes),
        RefusalKind::Conflict,
    );
    assert_eq!(
        refusal.message,
        "member a1 has already voted yes in division d1"
    );
    assert_eq!(
        chamber.state.divisions[&division("d1")].tally(),
        tally(1, 0, 0)
    );
}

#[test]
fn a_ballot_can_be_changed_when_the_standing_orders_allow_it() {
    let mut orders = standing_orders();
    orders.voting.ballot_changes_allowed = true;
    let mut chamber = Chamber::open_with(orders);
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    chamber.vote("d1", "a1", Choice::Yes);
    chamber.vote("d1", "a1", Choice::No);
    chamber.vote("d1", "a2", Choice::Yes);
    let record = &chamber.state.divisions[&division("d1")];
    assert_eq!(record.ballots[&member("a1")], Choice::No);
    assert_eq!(record.tally(), tally(1, 1, 0));
    assert_eq!(record.taking_part(), 2);
    // The same ballot again is not a change.
    chamber.refused(
        as_member("a1"),
        ballot("d1", "a1", Choice::No),
        RefusalKind::Conflict,
    );
}

#[test]
fn no_ballot_on_a_closed_or_unknown_division() {
    let mut chamber = Chamber::open();
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    for id in ["a1", "a2", "a3"] {
        chamber.vote("d1", id, Choice::Yes);
    }
    chamber.vote("d1", "b1", Choice::No);
    let events = chamber.close("d1");
    assert_eq!(types(&events), ["DivisionClosed"]);
    assert_eq!(outcome_of(&chamber, "d1").verdict, Verdict::Adopted);
    assert_eq!(
        chamber.state.motions[&motion("m1")].status,
        MotionStatus::Adopted
    );
    let refusal = chamber.refused(
        as_member("b2"),
        ballot("d1", "b2", Choice::No),
        RefusalKind::Conflict,
    );
    assert_eq!(refusal.message, "division d1 is closed");
    chamber.refused(
        speaker(),
        Command::CloseDivision {
            division: division("d1"),
            casting_vote: None,
        },
        RefusalKind::Conflict,
    );
    chamber.refused(
        as_member("b2"),
        ballot("d9", "b2", Choice::No),
        RefusalKind::NotFound,
    );
    // A decided motion cannot be put again.
    chamber.refused(
        speaker(),
        Command::OpenDivision {
            division: division("d2"),
            sitting: sitting("s1"),
            question: Question::Motion {
                motion: motion("m1"),
            },
            method: DivisionMethod::Recorded,
            decision: None,
        },
        RefusalKind::Conflict,
    );
}

#[test]
fn only_members_vote_and_each_only_for_themselves() {
    let mut chamber = Chamber::open();
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    // Not a member, whether the system or someone calling themselves a member asks.
    let refusal = chamber.refused(
        Actor::System,
        ballot("d1", "zz", Choice::Yes),
        RefusalKind::NotFound,
    );
    assert_eq!(refusal.message, "no member zz");
    chamber.refused(
        as_member("zz"),
        ballot("d1", "zz", Choice::Yes),
        RefusalKind::NotFound,
    );
    // A member for another member.
    let refusal = chamber.refused(
        as_member("a1"),
        ballot("d1", "a2", Choice::Yes),
        RefusalKind::Forbidden,
    );
    assert_eq!(
        refusal.message,
        "member a1 may act only for themselves, not for member a2"
    );
    chamber.refused(
        as_member("a1"),
        Command::CheckIn {
            sitting: sitting("s1"),
            member: member("c1"),
        },
        RefusalKind::Forbidden,
    );
    // The system (an import, the voting console) may record a member's ballot.
    chamber.ok(Actor::System, ballot("d1", "a2", Choice::Yes));
    assert_eq!(
        chamber.state.divisions[&division("d1")].ballots[&member("a2")],
        Choice::Yes
    );
}

#[test]
fn a_member_must_be_checked_in_to_vote_when_presence_is_required() {
    let mut chamber = Chamber::open();
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    let refusal = chamber.refused(
        as_member("c1"),
        ballot("d1", "c1", Choice::No),
        RefusalKind::Conflict,
    );
    assert_eq!(
        refusal.message,
        "member c1 is not checked in at sitting s1; only members present may vote"
    );
    chamber.check_in("c1");
    chamber.vote("d1", "c1", Choice::No);
    // Checked out, no longer.
    chamber.check_out("b2");
    chamber.refused(
        as_member("b2"),
        ballot("d1", "b2", Choice::No),
        RefusalKind::Conflict,
    );
}

#[test]
fn a_member_may_vote_from_anywhere_when_presence_is_not_required() {
    let mut orders = standing_orders();
    orders.voting.presence_required = false;
    let mut chamber = Chamber::open_with(orders);
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    chamber.vote("d1", "c1", Choice::No);
    let record = &chamber.state.divisions[&division("d1")];
    assert_eq!(record.tally(), tally(0, 1, 0));
    // Taking part shows presence.
    assert!(chamber.state.sittings[&sitting("s1")].is_present(&member("c1")));
}

#[test]
fn the_vote_timer_closes_the_ballot() {
    let mut orders = standing_orders();
    orders.voting.timer_seconds = Some(60);
    let mut chamber = Chamber::open_with(orders);
    chamber.now = time("2020-01-05T16:30:00+03:00");
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    assert_eq!(
        chamber.state.divisions[&division("d1")].closes_at,
        Some(time("2020-01-05T16:31:00+03:00"))
    );
    chamber.advance(59);
    chamber.vote("d1", "a1", Choice::Yes);
    chamber.advance(1);
    chamber.vote("d1", "a2", Choice::Yes);
    chamber.advance(1);
    let refusal = chamber.refused(
        as_member("a3"),
        ballot("d1", "a3", Choice::Yes),
        RefusalKind::Conflict,
    );
    assert_eq!(
        refusal.message,
        "the vote timer of division d1 ran out at 16:31:00"
    );
    // The presiding officer still closes the division, on the ballots cast in time.
    chamber.close("d1");
    assert_eq!(outcome_of(&chamber, "d1").tally, tally(2, 0, 0));
}

// --- Elections ---------------------------------------------------------------------------------

#[test]
fn an_election_takes_votes_for_candidates_not_yes_or_no() {
    let mut chamber = Chamber::open();
    chamber.check_in("c1");
    chamber.open_election("d1", "president", &["x", "y"]);
    for choice in [Choice::Yes, Choice::No] {
        let refusal = chamber.refused(
            as_member("a1"),
            ballot("d1", "a1", choice),
            RefusalKind::Invalid,
        );
        assert_eq!(
            refusal.message,
            "division d1 is an election: vote for a candidate or abstain"
        );
    }
    let refusal = chamber.refused(
        as_member("a1"),
        ballot("d1", "a1", Choice::Candidate(candidate("z"))),
        RefusalKind::Invalid,
    );
    assert_eq!(refusal.message, "z is not a candidate in division d1");
    for (id, choice) in [
        ("a1", Choice::Candidate(candidate("x"))),
        ("a2", Choice::Candidate(candidate("x"))),
        ("a3", Choice::Candidate(candidate("x"))),
        ("b1", Choice::Candidate(candidate("y"))),
        ("b2", Choice::Abstain),
        ("c1", Choice::Candidate(candidate("y"))),
    ] {
        chamber.vote("d1", id, choice);
    }
    chamber.close("d1");
    // 3 of 7 members is short of the 4 a majority of the members needs.
    let outcome = outcome_of(&chamber, "d1");
    assert_eq!(outcome.requirements[0].required, 4);
    assert_eq!(
        outcome.verdict,
        Verdict::RunOff {
            candidates: vec![candidate("x"), candidate("y")],
            decision: decision("runoff"),
        }
    );
    chamber.open_election("d2", "runoff", &["x", "y"]);
    chamber.vote("d2", "a1", Choice::Candidate(candidate("x")));
    chamber.vote("d2", "b1", Choice::Candidate(candidate("y")));
    chamber.vote("d2", "b2", Choice::Candidate(candidate("x")));
    chamber.close("d2");
    assert_eq!(
        outcome_of(&chamber, "d2").verdict,
        Verdict::Elected {
            candidate: candidate("x")
        }
    );
}

#[test]
fn an_election_must_name_an_election_rule_and_a_motion_takes_no_candidates() {
    let mut chamber = Chamber::open();
    let election = |rule: Option<&str>, candidates: Vec<&str>| Command::OpenDivision {
        division: division("d1"),
        sitting: sitting("s1"),
        question: Question::Election {
            office: "President".into(),
            candidates: candidates
                .into_iter()
                .map(|name| hemicycle_core::model::Candidate {
                    id: candidate(name),
                    name: name.to_uppercase(),
                })
                .collect(),
        },
        method: DivisionMethod::Recorded,
        decision: rule.map(decision),
    };
    chamber.refused(speaker(), election(None, vec!["x"]), RefusalKind::Invalid);
    chamber.refused(
        speaker(),
        election(Some("ordinary"), vec!["x"]),
        RefusalKind::Invalid,
    );
    chamber.refused(
        speaker(),
        election(Some("nope"), vec!["x"]),
        RefusalKind::NotFound,
    );
    chamber.refused(
        speaker(),
        election(Some("president"), vec![]),
        RefusalKind::Invalid,
    );
    chamber.refused(
        speaker(),
        election(Some("president"), vec!["x", "x"]),
        RefusalKind::Invalid,
    );
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    let refusal = chamber.refused(
        as_member("a1"),
        ballot("d1", "a1", Choice::Candidate(candidate("x"))),
        RefusalKind::Invalid,
    );
    assert_eq!(
        refusal.message,
        "division d1 is on a motion: vote yes, no or abstain"
    );
}

// --- Secret ballots and shows of hands ------------------------------------------------------------

#[test]
fn a_secret_ballot_records_who_took_part_and_only_the_count() {
    let mut chamber = Chamber::open();
    chamber.open_division("d1", "m1", DivisionMethod::Secret);
    chamber.refused(
        as_member("a1"),
        ballot("d1", "a1", Choice::Yes),
        RefusalKind::Conflict,
    );
    for id in ["a1", "a2", "b1"] {
        let events = chamber.ok(
            as_member(id),
            Command::RecordParticipation {
                division: division("d1"),
                member: member(id),
            },
        );
        assert_eq!(types(&events), ["ParticipationRecorded"]);
    }
    let participate = |id: &str| Command::RecordParticipation {
        division: division("d1"),
        member: member(id),
    };
    chamber.refused(as_member("a1"), participate("a1"), RefusalKind::Conflict);
    chamber.refused(as_member("c1"), participate("c1"), RefusalKind::Conflict);
    chamber.refused(as_member("a2"), participate("a3"), RefusalKind::Forbidden);
    // The count must be entered before the division closes.
    let refusal = chamber.refused(
        speaker(),
        Command::CloseDivision {
            division: division("d1"),
            casting_vote: None,
        },
        RefusalKind::Conflict,
    );
    assert_eq!(
        refusal.message,
        "the count of division d1 (secret ballot) must be entered before it closes"
    );
    let enter = |tally: Tally, taking_part: Option<u32>| Command::EnterTally {
        division: division("d1"),
        tally,
        taking_part,
    };
    // More ballots than members who took part.
    let refusal = chamber.refused(clerk(), enter(tally(2, 1, 1), None), RefusalKind::Invalid);
    assert_eq!(
        refusal.message,
        "the tally counts 4 ballots, more than the 3 members recorded as taking part"
    );
    // Who took part is what was recorded, not what the tellers say.
    chamber.refused(
        clerk(),
        enter(tally(2, 1, 0), Some(3)),
        RefusalKind::Invalid,
    );
    let mut with_candidates = tally(2, 1, 0);
    with_candidates.candidates.insert(candidate("x"), 0);
    chamber.refused(clerk(), enter(with_candidates, None), RefusalKind::Invalid);
    // A count below the participants is fine: a spoilt ballot is no vote.
    chamber.ok(clerk(), enter(tally(1, 1, 0), None));
    chamber.refused(clerk(), enter(tally(1, 1, 0), None), RefusalKind::Conflict);
    chamber.close("d1");

    let record = &chamber.state.divisions[&division("d1")];
    assert!(record.ballots.is_empty());
    assert_eq!(record.participants.len(), 3);
    let outcome = outcome_of(&chamber, "d1");
    assert_eq!(outcome.tally, tally(1, 1, 0));
    assert_eq!(outcome.taking_part, 3);
    // Nothing in the journal says how anyone voted.
    assert!(!chamber
        .journal
        .iter()
        .any(|(_, _, event)| matches!(event, Event::BallotCast { .. })));
}

#[test]
fn a_show_of_hands_takes_the_clerks_count() {
    let mut chamber = Chamber::open();
    chamber.open_division("d1", "m1", DivisionMethod::ShowOfHands);
    chamber.refused(
        as_member("a1"),
        Command::RecordParticipation {
            division: division("d1"),
            member: member("a1"),
        },
        RefusalKind::Conflict,
    );
    let enter = |tally: Tally, taking_part: Option<u32>| Command::EnterTally {
        division: division("d1"),
        tally,
        taking_part,
    };
    // Five present: six hands cannot be counted, nor fewer taking part than hands, nor
    // more taking part than present.
    chamber.refused(clerk(), enter(tally(4, 2, 0), None), RefusalKind::Invalid);
    chamber.refused(
        clerk(),
        enter(tally(3, 1, 0), Some(3)),
        RefusalKind::Invalid,
    );
    chamber.refused(
        clerk(),
        enter(tally(3, 1, 0), Some(6)),
        RefusalKind::Invalid,
    );
    chamber.ok(clerk(), enter(tally(3, 1, 0), None));
    chamber.close("d1");
    let outcome = outcome_of(&chamber, "d1");
    assert_eq!(outcome.tally, tally(3, 1, 0));
    assert_eq!(outcome.taking_part, 4);
    assert_eq!(outcome.present, 5);
    assert_eq!(outcome.verdict, Verdict::Adopted);
}

#[test]
fn a_recorded_division_takes_no_entered_count() {
    let mut chamber = Chamber::open();
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    chamber.refused(
        clerk(),
        Command::EnterTally {
            division: division("d1"),
            tally: tally(5, 0, 0),
            taking_part: None,
        },
        RefusalKind::Conflict,
    );
}

// --- Quorum checks on request --------------------------------------------------------------

fn quorum_lost(when_not_met: QuorumFailure) -> Chamber {
    let mut orders = standing_orders();
    orders.quorum.when_not_met = when_not_met;
    let mut chamber = Chamber::open_with(orders);
    chamber.check_out("b2");
    chamber
}

fn check_quorum() -> Command {
    Command::CheckQuorum {
        sitting: sitting("s1"),
    }
}

#[test]
fn a_quorum_check_on_request_with_the_quorum_present_changes_nothing_else() {
    let mut chamber = Chamber::open();
    let events = chamber.ok(speaker(), check_quorum());
    assert_eq!(types(&events), ["QuorumChecked"]);
    let sitting_record = &chamber.state.sittings[&sitting("s1")];
    assert_eq!(sitting_record.status, SittingStatus::Open);
    let last = sitting_record.quorum_checks.last().unwrap();
    assert_eq!(last.occasion, QuorumOccasion::Request);
    assert!(last.report.met);
}

#[test]
fn a_failed_quorum_check_suspends_the_sitting() {
    let mut chamber = quorum_lost(QuorumFailure::Suspend);
    let events = chamber.ok(speaker(), check_quorum());
    assert_eq!(types(&events), ["QuorumChecked", "SittingSuspended"]);
    let Event::SittingSuspended { reason, .. } = &events[1] else {
        unreachable!()
    };
    assert_eq!(
        reason,
        "quorum not present (Quorum: 4 present, 5 required (absolute majority of 9) — not met, 1 short.)"
    );
    assert_eq!(
        chamber.state.sittings[&sitting("s1")].status,
        SittingStatus::Suspended
    );
    // Nothing is put to the vote while suspended.
    chamber.refused(
        speaker(),
        Command::OpenDivision {
            division: division("d1"),
            sitting: sitting("s1"),
            question: Question::Motion {
                motion: motion("m1"),
            },
            method: DivisionMethod::Recorded,
            decision: None,
        },
        RefusalKind::Conflict,
    );
    chamber.check_in("c1");
    chamber.ok(
        speaker(),
        Command::ResumeSitting {
            sitting: sitting("s1"),
        },
    );
    assert_eq!(
        chamber.state.sittings[&sitting("s1")].status,
        SittingStatus::Open
    );
}

#[test]
fn a_failed_quorum_check_adjourns_the_sitting() {
    let mut chamber = quorum_lost(QuorumFailure::Adjourn);
    let events = chamber.ok(speaker(), check_quorum());
    assert_eq!(types(&events), ["QuorumChecked", "SittingClosed"]);
    let sitting_record = &chamber.state.sittings[&sitting("s1")];
    assert_eq!(sitting_record.status, SittingStatus::Closed);
    assert_eq!(sitting_record.closed_at, Some(chamber.now));
    chamber.refused(speaker(), check_quorum(), RefusalKind::Conflict);
}

#[test]
fn a_failed_quorum_check_leaves_business_standing_over() {
    let mut chamber = quorum_lost(QuorumFailure::StandOver);
    let events = chamber.ok(speaker(), check_quorum());
    assert_eq!(types(&events), ["QuorumChecked"]);
    let checks = &chamber.state.sittings[&sitting("s1")].quorum_checks;
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[1].occasion, QuorumOccasion::Request);
    assert!(!checks[1].report.met);
    assert_eq!(
        chamber.state.sittings[&sitting("s1")].status,
        SittingStatus::Open
    );
    // The sitting goes on, but a division without a quorum decides nothing.
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    for id in ["a1", "a2", "a3", "b1"] {
        chamber.vote("d1", id, Choice::Yes);
    }
    let events = chamber.close("d1");
    assert_eq!(types(&events), ["DivisionClosed"]);
    assert_eq!(outcome_of(&chamber, "d1").verdict, Verdict::NotDecided);
    assert_eq!(
        chamber.state.motions[&motion("m1")].status,
        MotionStatus::Tabled
    );
    // The motion may be put again once the quorum is back.
    chamber.check_in("c1");
    chamber.open_division("d2", "m1", DivisionMethod::Recorded);
    chamber.vote("d2", "c1", Choice::Yes);
    chamber.close("d2");
    assert_eq!(outcome_of(&chamber, "d2").verdict, Verdict::Adopted);
    assert_eq!(
        chamber.state.motions[&motion("m1")].divisions,
        vec![division("d1"), division("d2")]
    );
}

#[test]
fn a_division_without_a_quorum_suspends_the_sitting_when_the_rules_say_so() {
    let mut chamber = Chamber::open();
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    chamber.vote("d1", "a1", Choice::Yes);
    chamber.check_out("b2");
    let events = chamber.close("d1");
    assert_eq!(types(&events), ["DivisionClosed", "SittingSuspended"]);
    assert_eq!(outcome_of(&chamber, "d1").verdict, Verdict::NotDecided);
    assert_eq!(
        chamber.state.sittings[&sitting("s1")].status,
        SittingStatus::Suspended
    );
}

#[test]
fn a_quorum_check_on_request_needs_the_standing_orders_to_provide_for_it() {
    let mut orders = standing_orders();
    orders.quorum.checked = vec![QuorumCheckPoint::Opening];
    let mut chamber = Chamber::open_with(orders);
    chamber.refused(speaker(), check_quorum(), RefusalKind::Conflict);
}

// --- Ties ---------------------------------------------------------------------------------------

fn tied(tie: TieRule, presiding_officer: Option<&str>) -> Chamber {
    let mut orders = standing_orders();
    orders.voting.tie = tie;
    let mut chamber = Chamber::with(orders);
    for id in ["a1", "a2", "a3", "b1", "b2"] {
        chamber.check_in(id);
    }
    chamber.ok(
        speaker(),
        Command::OpenSitting {
            sitting: sitting("s1"),
            presiding_officer: presiding_officer.map(member),
        },
    );
    chamber.table("m1", None);
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    chamber.vote("d1", "a1", Choice::Yes);
    chamber.vote("d1", "a2", Choice::Yes);
    chamber.vote("d1", "b1", Choice::No);
    chamber.vote("d1", "b2", Choice::No);
    chamber.vote("d1", "a3", Choice::Abstain);
    chamber
}

fn close_with(casting_vote: Option<Side>) -> Command {
    Command::CloseDivision {
        division: division("d1"),
        casting_vote,
    }
}

#[test]
fn a_tie_under_the_casting_vote_rule_needs_the_casting_vote() {
    let mut chamber = tied(TieRule::CastingVote, None);
    let refusal = chamber.refused(speaker(), close_with(None), RefusalKind::Conflict);
    assert_eq!(
        refusal.message,
        "division d1 is tied at 2 to 2: the presiding officer must give a casting vote"
    );
    let events = chamber.ok(speaker(), close_with(Some(Side::No)));
    assert_eq!(types(&events), ["DivisionClosed"]);
    let outcome = outcome_of(&chamber, "d1");
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert_eq!(
        outcome.tie,
        Some(TieReport {
            rule: TieRule::CastingVote,
            prevailing: Some(Side::No)
        })
    );
    assert_eq!(
        chamber.state.divisions[&division("d1")]
            .closed
            .as_ref()
            .unwrap()
            .casting_vote,
        Some(Side::No)
    );
}

#[test]
fn a_casting_vote_is_refused_off_a_tie_or_without_the_rule() {
    let mut chamber = tied(TieRule::CastingVote, None);
    chamber.check_in("c1");
    chamber.vote("d1", "c1", Choice::Yes);
    let refusal = chamber.refused(speaker(), close_with(Some(Side::Yes)), RefusalKind::Invalid);
    assert_eq!(
        refusal.message,
        "a casting vote is only given on a decisive tie; division d1 stands at 3 to 2"
    );
    let mut chamber = tied(TieRule::Fails, None);
    chamber.refused(speaker(), close_with(Some(Side::Yes)), RefusalKind::Invalid);
    chamber.ok(speaker(), close_with(None));
    assert_eq!(outcome_of(&chamber, "d1").verdict, Verdict::Rejected);
}

#[test]
fn under_the_chair_side_rule_the_presiding_members_ballot_decides_a_tie() {
    // a1 presides and voted yes.
    let mut chamber = tied(TieRule::ChairSide, Some("a1"));
    chamber.close("d1");
    let outcome = outcome_of(&chamber, "d1");
    assert_eq!(outcome.verdict, Verdict::Adopted);
    assert_eq!(outcome.tie.unwrap().prevailing, Some(Side::Yes));
    // b1 presides and voted no.
    let mut chamber = tied(TieRule::ChairSide, Some("b1"));
    chamber.close("d1");
    assert_eq!(outcome_of(&chamber, "d1").verdict, Verdict::Rejected);
    // a3 presides and abstained.
    let mut chamber = tied(TieRule::ChairSide, Some("a3"));
    chamber.close("d1");
    let outcome = outcome_of(&chamber, "d1");
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert_eq!(outcome.tie.unwrap().prevailing, None);
}

// --- Separate majorities --------------------------------------------------------------------------

#[test]
fn a_separate_majority_within_a_bloc_is_counted_from_its_members_ballots() {
    let mut orders = standing_orders();
    let mut within = Threshold::more_than(Fraction::HALF, Base::VotesCast);
    within.within = Some(GroupId::Bloc(bloc("gamma")));
    orders.decisions.insert(
        decision("consensual"),
        DecisionRule {
            label: None,
            requirements: vec![
                Threshold::more_than(Fraction::HALF, Base::VotesCast),
                within,
            ],
            election: false,
            plurality: false,
            runoff: None,
        },
    );
    let mut chamber = Chamber::open_with(orders);
    chamber.check_in("c1");
    chamber.check_in("c2");
    chamber.ok(
        clerk(),
        Command::TableMotion {
            motion: motion("m2"),
            kind: hemicycle_core::model::MotionKind::Bill,
            title: "A bill".into(),
            text: "Be it enacted.".into(),
            sponsors: vec![hemicycle_core::model::Sponsor::Member(member("a1"))],
            decision: Some(decision("consensual")),
        },
    );
    // Only a recorded division shows how the bloc voted.
    chamber.refused(
        speaker(),
        Command::OpenDivision {
            division: division("d1"),
            sitting: sitting("s1"),
            question: Question::Motion {
                motion: motion("m2"),
            },
            method: DivisionMethod::Secret,
            decision: None,
        },
        RefusalKind::Invalid,
    );
    chamber.open_division("d1", "m2", DivisionMethod::Recorded);
    for id in ["a1", "a2", "a3", "b1", "b2"] {
        chamber.vote("d1", id, Choice::Yes);
    }
    chamber.vote("d1", "c1", Choice::No);
    chamber.vote("d1", "c2", Choice::Abstain);
    chamber.close("d1");
    let outcome = outcome_of(&chamber, "d1");
    assert_eq!(outcome.verdict, Verdict::Rejected);
    let group = &outcome.requirements[1];
    assert_eq!(
        (group.base_count, group.required, group.achieved, group.met),
        (1, 1, 0, false)
    );
    assert!(outcome.requirements[0].met);
}

// --- Follow-up register -----------------------------------------------------------------------

#[test]
fn an_adopted_resolution_to_the_government_is_followed_up() {
    let mut chamber = Chamber::open();
    chamber.table("m2", Some("the Government"));
    chamber.open_division("d1", "m2", DivisionMethod::Recorded);
    for id in ["a1", "a2", "a3"] {
        chamber.vote("d1", id, Choice::Yes);
    }
    chamber.close("d1");
    let follow_up = chamber.state.follow_ups[&motion("m2")].clone();
    assert_eq!(follow_up.status, FollowUpStatus::Adopted);
    assert_eq!(follow_up.addressed_to, "the Government");
    assert_eq!(follow_up.adopted_on, date("2020-01-05"));
    assert_eq!(
        follow_up.view_on(date("2021-01-01")),
        FollowUpView::Status(FollowUpStatus::Adopted)
    );

    let respond = |on: &str| Command::RecordResponse {
        motion: motion("m2"),
        on: date(on),
        summary: "The Government will consider it.".into(),
    };
    let send = |on: &str, due: Option<&str>| Command::SendResolution {
        motion: motion("m2"),
        to: "Prime Minister's Office".into(),
        on: date(on),
        response_due: due.map(date),
    };
    chamber.refused(clerk(), respond("2020-01-10"), RefusalKind::Conflict);
    chamber.refused(clerk(), send("2020-01-04", None), RefusalKind::Invalid);
    chamber.refused(
        clerk(),
        send("2020-01-06", Some("2020-01-05")),
        RefusalKind::Invalid,
    );
    chamber.ok(clerk(), send("2020-01-06", Some("2020-02-05")));
    let follow_up = &chamber.state.follow_ups[&motion("m2")];
    assert_eq!(follow_up.status, FollowUpStatus::Sent);
    assert_eq!(
        follow_up.sent,
        Some((date("2020-01-06"), "Prime Minister's Office".into()))
    );
    assert_eq!(
        follow_up.view_on(date("2020-02-05")),
        FollowUpView::Status(FollowUpStatus::Sent)
    );
    let overdue = follow_up.view_on(date("2020-02-06"));
    assert_eq!(
        overdue,
        FollowUpView::Overdue {
            due: date("2020-02-05")
        }
    );
    assert_eq!(overdue.in_words(), "overdue (response was due 2020-02-05)");
    chamber.refused(clerk(), send("2020-01-07", None), RefusalKind::Conflict);

    chamber.refused(clerk(), respond("2020-01-05"), RefusalKind::Invalid);
    chamber.ok(clerk(), respond("2020-03-01"));
    let follow_up = &chamber.state.follow_ups[&motion("m2")];
    assert_eq!(follow_up.status, FollowUpStatus::ResponseReceived);
    assert_eq!(
        follow_up.view_on(date("2020-03-02")),
        FollowUpView::Status(FollowUpStatus::ResponseReceived)
    );

    let conclude = Command::ConcludeFollowUp {
        motion: motion("m2"),
        conclusion: FollowUpConclusion::Implemented,
        on: date("2020-06-01"),
        note: "Carried out.".into(),
    };
    chamber.ok(clerk(), conclude.clone());
    let follow_up = &chamber.state.follow_ups[&motion("m2")];
    assert_eq!(follow_up.status, FollowUpStatus::Implemented);
    assert_eq!(
        follow_up.conclusion,
        Some((
            FollowUpConclusion::Implemented,
            date("2020-06-01"),
            "Carried out.".into()
        ))
    );
    chamber.refused(clerk(), conclude, RefusalKind::Conflict);
}

#[test]
fn only_adopted_resolutions_addressed_outside_are_followed_up() {
    let mut chamber = Chamber::open();
    chamber.table("m2", Some("the Government"));
    // m1 is addressed to nobody; m2 is rejected.
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    chamber.vote("d1", "a1", Choice::Yes);
    chamber.close("d1");
    chamber.open_division("d2", "m2", DivisionMethod::Recorded);
    chamber.vote("d2", "a1", Choice::No);
    chamber.close("d2");
    assert_eq!(
        chamber.state.motions[&motion("m2")].status,
        MotionStatus::Rejected
    );
    assert!(chamber.state.follow_ups.is_empty());
    for id in ["m1", "m2"] {
        chamber.refused(
            clerk(),
            Command::SendResolution {
                motion: motion(id),
                to: "the Government".into(),
                on: date("2020-01-06"),
                response_due: None,
            },
            RefusalKind::Conflict,
        );
    }
    chamber.refused(
        clerk(),
        Command::SendResolution {
            motion: motion("m9"),
            to: "the Government".into(),
            on: date("2020-01-06"),
            response_due: None,
        },
        RefusalKind::NotFound,
    );
}

// --- Attendance, boycotts and blocs over time -------------------------------------------------

fn boycott(sitting_id: &str, bloc_id: &str) -> Command {
    Command::DeclareBoycott {
        sitting: sitting(sitting_id),
        bloc: bloc(bloc_id),
        statement: Some("We will not attend.".into()),
    }
}

#[test]
fn an_absent_member_of_a_boycotting_bloc_is_boycotting_and_a_present_one_is_present() {
    let mut chamber = Chamber::new();
    chamber.ok(clerk(), boycott("s1", "gamma"));
    chamber.refused(clerk(), boycott("s1", "gamma"), RefusalKind::Conflict);
    chamber.refused(clerk(), boycott("s1", "delta"), RefusalKind::NotFound);
    for id in ["a1", "a2", "a3", "b1", "c2"] {
        chamber.check_in(id);
    }
    chamber.ok(
        speaker(),
        Command::OpenSitting {
            sitting: sitting("s1"),
            presiding_officer: None,
        },
    );
    let excuse = |id: &str| Command::ExcuseAbsence {
        sitting: sitting("s1"),
        member: member(id),
        reason: "ill".into(),
    };
    chamber.refused(clerk(), excuse("a3"), RefusalKind::Conflict);
    chamber.ok(clerk(), excuse("b2"));
    // c2 came, then left: she attended the sitting.
    chamber.check_out("c2");

    let presence = |state: &State, id: &str| {
        state.presence(&state.sittings[&sitting("s1")], &state.members[&member(id)])
    };
    assert_eq!(presence(&chamber.state, "c1"), Presence::Boycotting);
    assert_eq!(presence(&chamber.state, "c2"), Presence::Present);
    assert_eq!(presence(&chamber.state, "a1"), Presence::Present);
    assert_eq!(presence(&chamber.state, "b2"), Presence::Excused);
    assert_eq!(Presence::Boycotting.in_words(), "boycotting");
    // A boycott changes nobody's count: 4 present now (c2 left).
    assert_eq!(chamber.state.sittings[&sitting("s1")].present_count(), 4);
}

#[test]
fn absence_without_a_boycott_is_absence() {
    let mut chamber = Chamber::open();
    let state = &chamber.state;
    let s1 = &state.sittings[&sitting("s1")];
    assert_eq!(
        state.presence(s1, &state.members[&member("c1")]),
        Presence::Absent
    );
    chamber.ok(clerk(), boycott("s1", "beta"));
    let state = &chamber.state;
    let s1 = &state.sittings[&sitting("s1")];
    // Beta's members are present; gamma's are absent, not boycotting.
    assert_eq!(
        state.presence(s1, &state.members[&member("b1")]),
        Presence::Present
    );
    assert_eq!(
        state.presence(s1, &state.members[&member("c1")]),
        Presence::Absent
    );
}

#[test]
fn bloc_membership_is_dated_and_boycotts_follow_it() {
    let mut chamber = Chamber::new();
    let change = |bloc_id: Option<&str>, on: &str| Command::ChangeBloc {
        member: member("c2"),
        bloc: bloc_id.map(bloc),
        on: date(on),
    };
    chamber.refused(
        clerk(),
        change(Some("gamma"), "2020-01-10"),
        RefusalKind::Conflict,
    );
    chamber.refused(
        clerk(),
        change(Some("delta"), "2020-01-10"),
        RefusalKind::NotFound,
    );
    chamber.refused(
        clerk(),
        change(Some("alpha"), "2018-12-31"),
        RefusalKind::Invalid,
    );
    let events = chamber.ok(clerk(), change(Some("alpha"), "2020-01-10"));
    assert_eq!(types(&events), ["MembershipEnded", "MembershipStarted"]);

    let c2 = chamber.state.members[&member("c2")].clone();
    assert_eq!(c2.current_bloc(), Some(&bloc("alpha")));
    assert_eq!(c2.bloc_on(date("2018-12-31")), None);
    assert_eq!(c2.bloc_on(date(SINCE)), Some(&bloc("gamma")));
    assert_eq!(c2.bloc_on(date("2020-01-09")), Some(&bloc("gamma")));
    assert_eq!(c2.bloc_on(date("2020-01-10")), Some(&bloc("alpha")));
    assert_eq!(c2.bloc_on(date("2021-01-01")), Some(&bloc("alpha")));

    // Gamma boycotts s1 (5 January) and s2 (12 January).
    chamber.ok(
        clerk(),
        Command::ConveneSitting {
            sitting: sitting("s2"),
            kind: SittingKind::Ordinary,
            title: "Ordinary sitting".into(),
            scheduled_for: time("2020-01-12T10:00:00+03:00"),
            agenda: vec![],
            requested_by: None,
        },
    );
    chamber.ok(clerk(), boycott("s1", "gamma"));
    chamber.ok(clerk(), boycott("s2", "gamma"));
    let state = &chamber.state;
    let (s1, s2) = (
        &state.sittings[&sitting("s1")],
        &state.sittings[&sitting("s2")],
    );
    let (c1, c2) = (&state.members[&member("c1")], &state.members[&member("c2")]);
    assert_eq!(state.presence(s1, c2), Presence::Boycotting);
    assert_eq!(state.presence(s2, c2), Presence::Absent);
    assert_eq!(state.presence(s2, c1), Presence::Boycotting);
    let gamma = GroupId::Bloc(bloc("gamma"));
    assert!(state.in_group(c2, &gamma, s1.date()));
    assert!(!state.in_group(c2, &gamma, s2.date()));

    // Leaving every bloc.
    chamber.ok(clerk(), change(None, "2020-02-01"));
    chamber.refused(clerk(), change(None, "2020-02-02"), RefusalKind::Conflict);
    let c2 = &chamber.state.members[&member("c2")];
    assert_eq!(c2.current_bloc(), None);
    assert_eq!(c2.bloc_on(date("2020-02-01")), Some(&bloc("alpha")));
    assert_eq!(c2.bloc_on(date("2020-02-02")), None);
}

#[test]
fn a_member_present_at_a_sitting_cannot_depart() {
    let mut chamber = Chamber::new();
    let depart = |id: &str| Command::DepartMember {
        member: member(id),
        reason: "resigned".into(),
        on: date("2020-01-05"),
    };
    // Checked in before the sitting opens: the departed member would still be counted
    // present, and make up the quorum at the opening.
    chamber.check_in("c1");
    let refusal = chamber.refused(clerk(), depart("c1"), RefusalKind::Conflict);
    assert_eq!(
        refusal.message,
        "member c1 is checked in at sitting s1; check them out first"
    );
    chamber.check_out("c1");
    let events = chamber.ok(clerk(), depart("c1"));
    assert_eq!(types(&events), ["MembershipEnded", "MemberDeparted"]);
    assert_eq!(chamber.state.size().members, 6);
    assert_eq!(chamber.state.sittings[&sitting("s1")].present_count(), 0);
    chamber.refused(clerk(), depart("c1"), RefusalKind::Conflict);
    chamber.refused(
        as_member("c1"),
        Command::CheckIn {
            sitting: sitting("s1"),
            member: member("c1"),
        },
        RefusalKind::Conflict,
    );
    // Once the sitting is open, the same.
    for id in ["a1", "a2", "a3", "b1", "b2"] {
        chamber.check_in(id);
    }
    chamber.ok(
        speaker(),
        Command::OpenSitting {
            sitting: sitting("s1"),
            presiding_officer: None,
        },
    );
    chamber.refused(clerk(), depart("a1"), RefusalKind::Conflict);
}
