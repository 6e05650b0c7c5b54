//! The journal's wire format and replay: events decoded from their bytes rebuild the
//! same state, the bytes are canonical, and forged events are caught on replay.

mod common;

use common::*;
use hemicycle_core::event::{DecodeError, EVENT_VERSION};
use hemicycle_core::ids::{CoalitionId, CommunicationId};
use hemicycle_core::model::{
    AgendaItem, Choice, DivisionMethod, FollowUpConclusion, Question, SittingKind,
};
use hemicycle_core::outcome::{Side, Tally, Verdict};
use hemicycle_core::rules::TieRule;
use hemicycle_core::{decode, encode, Actor, Command, Event, State};

/// A run touching most kinds of event: roster, coalition, notices, two sittings with
/// attendance, a boycott, a communication, recorded, secret and show-of-hands divisions,
/// a tie, quorum checks, a suspension, amended standing orders, the follow-up register
/// and a departure.
fn full_run() -> Chamber {
    let mut orders = standing_orders();
    orders.voting.tie = TieRule::CastingVote;
    orders.voting.timer_seconds = Some(300);
    let mut chamber = Chamber::with(orders.clone());
    chamber.ok(
        clerk(),
        Command::FormCoalition {
            coalition: CoalitionId::new("government").unwrap(),
            name: "Government coalition".into(),
            blocs: vec![bloc("alpha"), bloc("beta")],
        },
    );
    chamber.ok(
        clerk(),
        Command::JoinCoalition {
            coalition: CoalitionId::new("government").unwrap(),
            bloc: bloc("gamma"),
        },
    );
    chamber.ok(
        clerk(),
        Command::LeaveCoalition {
            coalition: CoalitionId::new("government").unwrap(),
            bloc: bloc("beta"),
        },
    );
    chamber.ok(
        clerk(),
        Command::AttachNotice {
            sitting: Some(sitting("s1")),
            text: "Illustration, not a record.".into(),
        },
    );
    chamber.ok(
        clerk(),
        Command::ChangeBloc {
            member: member("c2"),
            bloc: Some(bloc("beta")),
            on: date("2019-06-01"),
        },
    );
    chamber.ok(
        clerk(),
        Command::DeclareBoycott {
            sitting: sitting("s1"),
            bloc: bloc("gamma"),
            statement: Some("We will not attend.".into()),
        },
    );
    for id in ["a1", "a2", "a3", "b1"] {
        chamber.check_in(id);
        chamber.advance(30);
    }
    chamber.ok(
        clerk(),
        Command::CheckIn {
            sitting: sitting("s1"),
            member: member("c2"),
        },
    );
    chamber.ok(
        clerk(),
        Command::ExcuseAbsence {
            sitting: sitting("s1"),
            member: member("b2"),
            reason: "abroad".into(),
        },
    );
    chamber.now = time("2020-01-05T16:25:00+03:00");
    chamber.ok(
        speaker(),
        Command::OpenSitting {
            sitting: sitting("s1"),
            presiding_officer: Some(member("a1")),
        },
    );
    chamber.ok(
        speaker(),
        Command::ReadCommunication {
            sitting: sitting("s1"),
            communication: CommunicationId::new("letter-1").unwrap(),
            from: "A party leader".into(),
            on_behalf_of: Some(bloc("alpha")),
            subject: "The resolution".into(),
            text: "It is insufficient.".into(),
        },
    );
    chamber.table("m1", Some("the Government"));
    chamber.table("m2", None);
    chamber.table("m3", None);

    // A recorded division on a resolution to the government.
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    for (id, choice) in [
        ("a1", Choice::Yes),
        ("a2", Choice::Yes),
        ("a3", Choice::Yes),
        ("b1", Choice::No),
        ("c2", Choice::Abstain),
    ] {
        chamber.advance(7);
        chamber.vote("d1", id, choice);
    }
    chamber.advance(60);
    chamber.close("d1");

    // A tie, decided by a casting vote.
    chamber.open_division("d2", "m2", DivisionMethod::Recorded);
    chamber.vote("d2", "a1", Choice::Yes);
    chamber.vote("d2", "b1", Choice::No);
    chamber.ok(
        speaker(),
        Command::CloseDivision {
            division: division("d2"),
            casting_vote: Some(Side::No),
        },
    );

    // A secret ballot election.
    chamber.ok(
        speaker(),
        Command::OpenDivision {
            division: division("d3"),
            sitting: sitting("s1"),
            question: Question::Election {
                office: "Deputy Speaker".into(),
                candidates: vec![
                    hemicycle_core::model::Candidate {
                        id: candidate("x"),
                        name: "X".into(),
                    },
                    hemicycle_core::model::Candidate {
                        id: candidate("y"),
                        name: "Y".into(),
                    },
                ],
            },
            method: DivisionMethod::Secret,
            decision: Some(decision("president")),
        },
    );
    for id in ["a1", "a2", "a3", "b1", "c2"] {
        chamber.ok(
            as_member(id),
            Command::RecordParticipation {
                division: division("d3"),
                member: member(id),
            },
        );
    }
    let mut election_tally = Tally::default();
    election_tally.candidates.insert(candidate("y"), 1);
    election_tally.candidates.insert(candidate("x"), 4);
    chamber.ok(
        clerk(),
        Command::EnterTally {
            division: division("d3"),
            tally: election_tally,
            taking_part: None,
        },
    );
    chamber.close("d3");

    // A show of hands, then the quorum lost and the sitting suspended and resumed.
    chamber.open_division("d4", "m3", DivisionMethod::ShowOfHands);
    chamber.ok(
        clerk(),
        Command::EnterTally {
            division: division("d4"),
            tally: Tally {
                yes: 2,
                no: 2,
                abstain: 0,
                candidates: Default::default(),
            },
            taking_part: Some(5),
        },
    );
    chamber.ok(
        speaker(),
        Command::CloseDivision {
            division: division("d4"),
            casting_vote: Some(Side::Yes),
        },
    );
    chamber.check_out("a3");
    chamber.ok(
        speaker(),
        Command::CheckQuorum {
            sitting: sitting("s1"),
        },
    );
    chamber.check_in("a3");
    chamber.ok(
        speaker(),
        Command::ResumeSitting {
            sitting: sitting("s1"),
        },
    );
    chamber.ok(
        speaker(),
        Command::CloseSitting {
            sitting: sitting("s1"),
            reason: None,
        },
    );

    // The register, a departure, amended standing orders, a withdrawn motion.
    chamber.ok(
        clerk(),
        Command::SendResolution {
            motion: motion("m1"),
            to: "Prime Minister".into(),
            on: date("2020-01-06"),
            response_due: Some(date("2020-02-05")),
        },
    );
    chamber.ok(
        clerk(),
        Command::RecordResponse {
            motion: motion("m1"),
            on: date("2020-02-10"),
            summary: "Noted.".into(),
        },
    );
    chamber.ok(
        clerk(),
        Command::ConcludeFollowUp {
            motion: motion("m1"),
            conclusion: FollowUpConclusion::Rejected,
            on: date("2020-03-01"),
            note: "Not acted on.".into(),
        },
    );
    chamber.ok(
        clerk(),
        Command::DepartMember {
            member: member("c1"),
            reason: "resigned".into(),
            on: date("2020-02-01"),
        },
    );
    orders.voting.ballot_changes_allowed = true;
    chamber.ok(
        Actor::System,
        Command::AmendStandingOrders {
            standing_orders: orders,
        },
    );
    chamber.table("m4", None);
    chamber.ok(
        clerk(),
        Command::WithdrawMotion {
            motion: motion("m4"),
        },
    );
    chamber.ok(
        clerk(),
        Command::ConveneSitting {
            sitting: sitting("s2"),
            kind: SittingKind::Ordinary,
            title: "Ordinary sitting".into(),
            scheduled_for: time("2020-02-02T10:00:00+03:00"),
            agenda: vec![AgendaItem {
                title: "Nothing".into(),
                motion: None,
            }],
            requested_by: Some("the Speaker".into()),
        },
    );
    chamber
}

fn replay_bytes(journal: &[(hemicycle_core::model::Timestamp, Actor, Vec<u8>)]) -> State {
    let mut state = State::new();
    for (at, actor, bytes) in journal {
        let event = decode(bytes).unwrap_or_else(|error| panic!("decoding failed: {error}"));
        state
            .apply(*at, actor, &event)
            .unwrap_or_else(|error| panic!("replay failed: {error}"));
    }
    state
}

#[test]
fn the_full_run_did_what_it_says() {
    // Guard the fixture, so that the replay tests below replay something substantial.
    let chamber = full_run();
    let state = &chamber.state;
    let outcome = |id: &str| {
        state.divisions[&division(id)]
            .closed
            .as_ref()
            .unwrap()
            .outcome
            .verdict
            .clone()
    };
    assert_eq!(outcome("d1"), Verdict::Adopted);
    assert_eq!(outcome("d2"), Verdict::Rejected);
    assert_eq!(
        outcome("d3"),
        Verdict::Elected {
            candidate: candidate("x")
        }
    );
    assert_eq!(outcome("d4"), Verdict::Adopted);
    let mut kinds: Vec<&str> = chamber
        .journal
        .iter()
        .map(|(_, _, event)| event.type_name())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), 32, "event kinds covered: {kinds:?}");
}

#[test]
fn replaying_the_decoded_journal_rebuilds_an_equal_state() {
    let chamber = full_run();
    let bytes: Vec<_> = chamber
        .journal
        .iter()
        .map(|(at, actor, event)| (*at, actor.clone(), encode(event)))
        .collect();
    let replayed = replay_bytes(&bytes);
    assert_eq!(replayed, chamber.state);
    assert_eq!(replayed.events_applied, chamber.journal.len() as u64);
    // Replaying directly from the events gives the same.
    assert_eq!(chamber.replayed(), chamber.state);
}

#[test]
fn replay_at_other_times_gives_another_state() {
    // The state depends on the envelope's time (opening time, sitting date, timers):
    // the equality above is not vacuous.
    let chamber = full_run();
    let mut state = State::new();
    for (at, actor, event) in &chamber.journal {
        let later = *at + chrono::Duration::hours(1);
        state.apply(later, actor, event).unwrap();
    }
    assert_ne!(state, chamber.state);
}

#[test]
fn encoding_is_canonical() {
    let chamber = full_run();
    for (_, _, event) in &chamber.journal {
        let bytes = encode(event);
        let prefix = format!("{{\"v\":{EVENT_VERSION},\"type\":\"{}\"", event.type_name());
        assert!(bytes.starts_with(prefix.as_bytes()));
        let decoded = decode(&bytes).unwrap();
        assert_eq!(&decoded, event);
        assert_eq!(encode(&decoded), bytes);
    }
}

#[test]
fn the_wire_form_of_an_event_is_fixed() {
    assert_eq!(
        encode(&Event::MotionWithdrawn {
            motion: motion("m1")
        }),
        br#"{"v":1,"type":"MotionWithdrawn","motion":"m1"}"#
    );
    assert_eq!(
        encode(&Event::SittingOpened {
            sitting: sitting("s1"),
            presiding_officer: None,
        }),
        br#"{"v":1,"type":"SittingOpened","sitting":"s1"}"#
    );
    assert_eq!(
        encode(&Event::BallotCast {
            division: division("d1"),
            member: member("a1"),
            choice: Choice::Candidate(candidate("x")),
        }),
        br#"{"v":1,"type":"BallotCast","division":"d1","member":"a1","choice":{"candidate":"x"}}"#
    );
}

#[test]
fn decode_refuses_what_this_code_did_not_write() {
    let refused = |bytes: &[u8]| decode(bytes).expect_err(&String::from_utf8_lossy(bytes));
    assert!(matches!(
        refused(br#"{"v":2,"type":"MotionWithdrawn","motion":"m1"}"#),
        DecodeError::UnknownVersion(2)
    ));
    assert!(matches!(
        refused(br#"{"v":0,"type":"MotionWithdrawn","motion":"m1"}"#),
        DecodeError::UnknownVersion(0)
    ));
    // An extra field, a field spelt out that is normally left out, another order,
    // other spacing: all re-encode differently.
    for bytes in [
        &br#"{"v":1,"type":"MotionWithdrawn","motion":"m1","extra":1}"#[..],
        br#"{"v":1,"type":"SittingOpened","sitting":"s1","presiding_officer":null}"#,
        br#"{"type":"MotionWithdrawn","v":1,"motion":"m1"}"#,
        br#"{"v":1,"motion":"m1","type":"MotionWithdrawn"}"#,
        br#"{"v":1, "type":"MotionWithdrawn","motion":"m1"}"#,
        b"{\"v\":1,\"type\":\"MotionWithdrawn\",\"motion\":\"m1\"}\n",
    ] {
        assert!(
            matches!(refused(bytes), DecodeError::NotCanonical),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
    // Not JSON, or no version.
    for bytes in [
        &b"garbage"[..],
        b"",
        b"\xff\xfe",
        br#"{"type":"MotionWithdrawn","motion":"m1"}"#,
        br#"{"v":"1","type":"MotionWithdrawn","motion":"m1"}"#,
        br#"[]"#,
        br#"{"v":1,"type":"MotionWithdrawn","motion":"m1""#,
    ] {
        assert!(
            matches!(refused(bytes), DecodeError::Version(_)),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
    // A version we read, but not an event.
    for bytes in [
        &br#"{"v":1,"type":"Coronation","motion":"m1"}"#[..],
        br#"{"v":1,"type":"MotionWithdrawn"}"#,
        br#"{"v":1,"type":"MotionWithdrawn","motion":"Not An Id"}"#,
        // serde reads a struct from a sequence too: `[1]` has version 1, and is no event.
        br#"[1]"#,
    ] {
        assert!(
            matches!(refused(bytes), DecodeError::Body(_)),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// An unknown field inside a nested object is refused as anywhere else: the nested types
/// that commands share with events refuse unknown fields (the error names the field)
/// where before only the canonical round trip caught them. Valid events are unchanged.
#[test]
fn decode_refuses_unknown_fields_in_nested_objects() {
    let refused = |bytes: &[u8]| decode(bytes).expect_err(&String::from_utf8_lossy(bytes));
    for (bytes, field) in [
        (
            &br#"{"v":1,"type":"MotionTabled","motion":"m1","kind":{"kind":"resolution","binding":true,"to":"x"},"title":"T","text":"T","sponsors":[],"decision":"ordinary"}"#[..],
            "to",
        ),
        (
            br#"{"v":1,"type":"SittingConvened","sitting":"s1","kind":"ordinary","title":"T","scheduled_for":"2020-01-05T16:00:00+03:00","agenda":[{"title":"A","extra":1}]}"#,
            "extra",
        ),
        (
            br#"{"v":1,"type":"TallyEntered","division":"d1","tally":{"yes":1,"no":0,"abstain":0,"blank":2}}"#,
            "blank",
        ),
        (
            br#"{"v":1,"type":"MemberDetailsRecorded","member":"m1","details":{"given_name":"A","nick":"B"}}"#,
            "nick",
        ),
    ] {
        let error = refused(bytes);
        assert!(
            matches!(&error, DecodeError::Body(inner) if inner.to_string().contains(&format!("unknown field `{field}`"))),
            "{error}"
        );
    }
    // Serde ignores other fields in an internally tagged enum's unit variant; the
    // canonical round trip still refuses them.
    assert!(matches!(
        refused(br#"{"v":1,"type":"MotionTabled","motion":"m1","kind":{"kind":"bill","x":1},"title":"T","text":"T","sponsors":[],"decision":"ordinary"}"#),
        DecodeError::NotCanonical
    ));
}

/// The journal up to (not including) the first event matching `find`, replayed.
fn replayed_until(chamber: &Chamber, find: impl Fn(&Event) -> bool) -> (State, usize) {
    let index = chamber
        .journal
        .iter()
        .position(|(_, _, event)| find(event))
        .expect("the event is in the journal");
    let mut state = State::new();
    for (at, actor, event) in &chamber.journal[..index] {
        state.apply(*at, actor, event).unwrap();
    }
    (state, index)
}

#[test]
fn a_forged_division_outcome_is_refused_on_replay() {
    let chamber = full_run();
    let (mut state, index) = replayed_until(
        &chamber,
        |event| matches!(event, Event::DivisionClosed { division: d, .. } if *d == division("d1")),
    );
    let (at, actor, genuine) = chamber.journal[index].clone();
    let Event::DivisionClosed {
        division: d,
        casting_vote,
        outcome,
    } = genuine.clone()
    else {
        unreachable!()
    };
    let forge = |change: &dyn Fn(&mut hemicycle_core::outcome::Outcome)| {
        let mut outcome = outcome.clone();
        change(&mut outcome);
        Event::DivisionClosed {
            division: d.clone(),
            casting_vote,
            outcome,
        }
    };
    let forgeries = [
        forge(&|outcome| outcome.verdict = Verdict::Rejected),
        forge(&|outcome| outcome.tally.yes += 10),
        forge(&|outcome| outcome.requirements[0].required = 1),
        forge(&|outcome| outcome.present -= 1),
        forge(&|outcome| outcome.quorum = None),
    ];
    let before = state.clone();
    for forged in forgeries {
        let error = state.apply(at, &actor, &forged).unwrap_err();
        assert_eq!(error.event_type, "DivisionClosed");
        assert!(
            error
                .message
                .contains("differs from what the standing orders give"),
            "{error}"
        );
        assert_eq!(state, before);
        // Its bytes are canonical: only replay can catch it.
        assert_eq!(decode(&encode(&forged)).unwrap(), forged);
    }
    state.apply(at, &actor, &genuine).unwrap();
}

#[test]
fn a_forged_casting_vote_is_refused_on_replay() {
    let chamber = full_run();
    let (mut state, index) = replayed_until(
        &chamber,
        |event| matches!(event, Event::DivisionClosed { division: d, .. } if *d == division("d2")),
    );
    let (at, actor, genuine) = chamber.journal[index].clone();
    let Event::DivisionClosed {
        division: d,
        casting_vote,
        outcome,
    } = genuine.clone()
    else {
        unreachable!()
    };
    assert_eq!(casting_vote, Some(Side::No));
    assert_eq!(outcome.verdict, Verdict::Rejected);
    let before = state.clone();
    for forged_vote in [Some(Side::Yes), None] {
        let forged = Event::DivisionClosed {
            division: d.clone(),
            casting_vote: forged_vote,
            outcome: outcome.clone(),
        };
        // With no casting vote the tie is lost all the same, but the recorded outcome
        // names the casting vote against: it differs too.
        let error = state.apply(at, &actor, &forged).unwrap_err();
        assert_eq!(error.event_type, "DivisionClosed");
        assert_eq!(state, before);
    }
    state.apply(at, &actor, &genuine).unwrap();
}

#[test]
fn a_forged_quorum_check_is_refused_on_replay() {
    let chamber = full_run();
    let (mut state, index) = replayed_until(&chamber, |event| {
        matches!(event, Event::QuorumChecked { .. })
    });
    let (at, actor, genuine) = chamber.journal[index].clone();
    let Event::QuorumChecked {
        sitting: s,
        occasion,
        report,
    } = genuine.clone()
    else {
        unreachable!()
    };
    assert!(report.met);
    let before = state.clone();
    for change in [
        (|report: &mut hemicycle_core::outcome::QuorumReport| report.counted += 1)
            as fn(&mut hemicycle_core::outcome::QuorumReport),
        |report| report.required -= 1,
        |report| report.met = false,
        |report| report.label = "a smaller quorum".into(),
        // Met, with nobody counted: the error's sentence must not underflow.
        |report| report.counted = 0,
    ] {
        let mut forged_report = report.clone();
        change(&mut forged_report);
        let forged = Event::QuorumChecked {
            sitting: s.clone(),
            occasion,
            report: forged_report,
        };
        let error = state.apply(at, &actor, &forged).unwrap_err();
        assert_eq!(error.event_type, "QuorumChecked");
        assert_eq!(state, before);
    }
    state.apply(at, &actor, &genuine).unwrap();
}

#[test]
fn events_that_cannot_follow_the_state_are_refused_and_change_nothing() {
    let chamber = full_run();
    let (at, actor, first) = chamber.journal[0].clone();
    // Nothing before the chamber is established.
    let mut empty = State::new();
    let error = empty
        .apply(
            at,
            &actor,
            &Event::MotionWithdrawn {
                motion: motion("m1"),
            },
        )
        .unwrap_err();
    assert_eq!(error.event_type, "MotionWithdrawn");
    assert_eq!(empty, State::new());

    let mut state = chamber.replayed();
    let before = state.clone();
    let bad = [
        first,
        Event::BallotCast {
            division: division("d1"),
            member: member("a1"),
            choice: Choice::No,
        },
        Event::MemberCheckedIn {
            sitting: sitting("s2"),
            member: member("c1"),
        },
        Event::SittingOpened {
            sitting: sitting("s9"),
            presiding_officer: None,
        },
        Event::ResponseReceived {
            motion: motion("m2"),
            on: date("2020-01-01"),
            summary: "?".into(),
        },
        // A division on a motion, in a sitting that does not exist.
        Event::DivisionOpened {
            division: division("d9"),
            sitting: sitting("s9"),
            question: Question::Motion {
                motion: motion("m2"),
            },
            method: DivisionMethod::Recorded,
            decision: decision("ordinary"),
            closes_at: None,
        },
    ];
    for event in bad {
        let error = state.apply(at, &actor, &event).unwrap_err();
        assert_eq!(error.event_type, event.type_name());
        assert!(
            state == before,
            "{} was refused ({error}) but changed the state",
            event.type_name()
        );
    }
}
