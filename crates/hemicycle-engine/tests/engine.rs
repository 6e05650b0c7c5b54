//! The engine: commands are decided, appended durably, then applied; refused commands
//! and failed steps leave the journal and the state as they were; reopening a journal
//! reproduces the state exactly.

use chrono::DateTime;
use hemicycle_core::ids::{DivisionId, MemberId};
use hemicycle_core::model::Choice;
use hemicycle_core::outcome::Verdict;
use hemicycle_core::{Actor, Command, Context, RefusalKind};
use hemicycle_engine::{Chamber, EngineError};
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_scenario::{parse_scenario, Scenario, DEMO_SCENARIO, DEMO_SCENARIO_NAME};

fn demo() -> Scenario {
    parse_scenario(DEMO_SCENARIO, DEMO_SCENARIO_NAME, &|_| Err(String::new())).unwrap()
}

#[test]
fn the_demo_reproduces_the_public_totals() {
    let mut chamber = Chamber::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    chamber.run_scenario(&demo()).unwrap();
    let state = chamber.state();
    let sitting = state.sittings.values().next().unwrap();
    assert_eq!(sitting.present_count(), 172);
    assert_eq!(state.size().members, 329);
    let division = state.divisions.values().next().unwrap();
    let outcome = &division.closed.as_ref().unwrap().outcome;
    assert_eq!(outcome.verdict, Verdict::Adopted);
    assert_eq!(outcome.tally.yes, 170);
    assert_eq!(outcome.present, 172);
    assert_eq!(outcome.quorum.as_ref().unwrap().required, 165);
    assert_eq!(outcome.requirements[0].required, 87);
    let boycotting: usize = sitting.boycotts.len();
    assert_eq!(boycotting, 4);
}

#[test]
fn reopening_a_journal_reproduces_the_state() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("journal.db");
    let state = {
        let mut chamber = Chamber::open(SqliteStorage::open(&path).unwrap()).unwrap();
        chamber.run_scenario(&demo()).unwrap();
        chamber.state().clone()
    };
    let reopened = Chamber::open(SqliteStorage::open(&path).unwrap()).unwrap();
    assert_eq!(reopened.state(), &state);
    assert_eq!(reopened.journal().len(), state.events_applied);
}

fn vote(member: &str, choice: Choice) -> (Context, Command) {
    let member = MemberId::new(member).unwrap();
    (
        Context {
            at: DateTime::parse_from_rfc3339("2020-01-05T17:05:00+03:00").unwrap(),
            actor: Actor::Member(member.clone()),
        },
        Command::CastBallot {
            division: DivisionId::new("test-vote").unwrap(),
            member,
            choice,
        },
    )
}

/// The demo up to an open division on a fresh motion, for refusal tests.
fn chamber_with_open_division() -> Chamber<SqliteStorage> {
    let mut scenario = demo();
    // Stop before the real division so the sitting is open and no vote has been held.
    let open_at = scenario
        .steps
        .iter()
        .position(|step| {
            matches!(&step.action, hemicycle_scenario::Action::Command(command)
                if matches!(**command, Command::OpenDivision { .. }))
        })
        .unwrap();
    scenario.steps.truncate(open_at);
    let mut chamber = Chamber::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    chamber.run_scenario(&scenario).unwrap();
    let officer = Context {
        at: DateTime::parse_from_rfc3339("2020-01-05T17:00:00+03:00").unwrap(),
        actor: Actor::PresidingOfficer("speaker".into()),
    };
    chamber
        .execute(
            &officer,
            &Command::OpenDivision {
                division: DivisionId::new("test-vote").unwrap(),
                sitting: "2020-01-05".parse().unwrap(),
                question: hemicycle_core::model::Question::Motion {
                    motion: "foreign-forces".parse().unwrap(),
                },
                method: hemicycle_core::model::DivisionMethod::Recorded,
                decision: None,
            },
        )
        .unwrap();
    chamber
}

#[test]
fn a_refused_command_changes_nothing() {
    let mut chamber = chamber_with_open_division();
    let (context, command) = vote("sairoon-1", Choice::Yes);
    chamber.execute(&context, &command).unwrap();
    let length = chamber.journal().len();
    let state = chamber.state().clone();
    // Voting twice, when the standing orders do not allow changes.
    let (context, command) = vote("sairoon-1", Choice::No);
    match chamber.execute(&context, &command) {
        Err(EngineError::Refused(refusal)) => {
            assert_eq!(refusal.kind, RefusalKind::Conflict);
            assert!(refusal.message.contains("already voted yes"), "{refusal}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A member of a boycotting bloc who is not present.
    let (context, command) = vote("kdp-1", Choice::No);
    assert!(matches!(
        chamber.execute(&context, &command),
        Err(EngineError::Refused(_))
    ));
    // Someone who is not a member.
    let (context, command) = vote("nobody", Choice::Yes);
    assert!(matches!(
        chamber.execute(&context, &command),
        Err(EngineError::Refused(_))
    ));
    assert_eq!(chamber.journal().len(), length);
    assert_eq!(chamber.state(), &state);
}

#[test]
fn a_batch_is_all_or_nothing() {
    let mut chamber = chamber_with_open_division();
    let length = chamber.journal().len();
    let state = chamber.state().clone();
    let batch = vec![
        vote("sairoon-1", Choice::Yes),
        vote("sairoon-2", Choice::Yes),
        vote("sairoon-1", Choice::No),
    ];
    let (index, error) = chamber.execute_batch(&batch).unwrap_err();
    assert_eq!(index, 2);
    assert!(matches!(error, EngineError::Refused(_)));
    assert_eq!(chamber.journal().len(), length);
    assert_eq!(chamber.state(), &state);
    chamber.execute_batch(&batch[..2]).unwrap();
    assert_eq!(chamber.journal().len(), length + 2);
}

#[test]
fn a_refused_step_names_its_line_and_leaves_the_journal_as_before_it() {
    let source = DEMO_SCENARIO.replace(
        "\"bloc:wataniya\", \"bloc:minorities\", \"bloc:other-lists:3\",",
        "\"bloc:wataniya\", \"bloc:minorities\", \"bloc:other-lists:3\", \"member:kdp-1\",",
    );
    let scenario = parse_scenario(&source, "broken.toml", &|_| Err(String::new())).unwrap();
    let mut chamber = Chamber::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    let error = chamber.run_scenario(&scenario).unwrap_err();
    let text = error.to_string();
    let line = source
        .lines()
        .position(|line| line.contains("do = \"vote\""))
        .unwrap();
    assert!(
        text.starts_with(&format!("broken.toml:{line}: step[")),
        "{text}"
    );
    assert!(
        text.contains("cast_ballot refused: member kdp-1 is not checked in"),
        "{text}"
    );
    // Nothing of the failed step was recorded: no ballot at all in the division.
    let division = chamber.state().divisions.values().next().unwrap();
    assert!(division.ballots.is_empty());
    assert!(division.is_open());
}
