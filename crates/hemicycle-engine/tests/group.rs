//! Group commit and several writers on one journal: each command of a group
//! is decided against the ones before it and only the accepted ones are
//! written (in one append); two chambers on one journal file see each
//! other's events before they decide, so a member cannot vote twice through
//! two of them and a division's result counts the ballots cast through both.

use hemicycle_core::{Command, Context, RefusalKind};
use hemicycle_engine::Chamber;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::Storage;
use hemicycle_scenario::{parse_scenario, Action, Scenario, DEMO_SCENARIO, DEMO_SCENARIO_NAME};

fn demo() -> Scenario {
    parse_scenario(DEMO_SCENARIO, DEMO_SCENARIO_NAME, &|_| Err(String::new())).unwrap()
}

fn planned<S: Storage>(
    scenario: &Scenario,
    chamber: &Chamber<S>,
    step: usize,
) -> Vec<(Context, Command)> {
    scenario
        .commands(&scenario.steps[step], chamber.state())
        .unwrap()
        .into_iter()
        .map(|planned| (planned.context, planned.command))
        .collect()
}

fn step_of(scenario: &Scenario, wanted: fn(&Command) -> bool) -> usize {
    scenario
        .steps
        .iter()
        .position(|step| matches!(&step.action, Action::Command(command) if wanted(command)))
        .expect("the demo has the step")
}

/// Runs the demo up to (not including) the step that closes its division,
/// and returns that step's index; the ballots are left to the caller.
fn up_to_the_ballots<S: Storage>(scenario: &Scenario, chamber: &mut Chamber<S>) -> usize {
    let setup: Vec<_> = scenario
        .setup()
        .unwrap()
        .into_iter()
        .map(|planned| (planned.context, planned.command))
        .collect();
    chamber.execute_batch(&setup).unwrap();
    let open = step_of(scenario, |command| {
        matches!(command, Command::OpenDivision { .. })
    });
    for step in 0..=open {
        let commands = planned(scenario, chamber, step);
        chamber.execute_batch(&commands).unwrap();
    }
    open + 1
}

/// Every ballot the demo casts, as single commands.
fn ballots<S: Storage>(
    scenario: &Scenario,
    chamber: &Chamber<S>,
    first: usize,
) -> Vec<(Context, Command)> {
    let close = step_of(scenario, |command| {
        matches!(command, Command::CloseDivision { .. })
    });
    let mut ballots = Vec::new();
    for step in first..close {
        ballots.extend(
            planned(scenario, chamber, step)
                .into_iter()
                .filter(|(_, command)| matches!(command, Command::CastBallot { .. })),
        );
    }
    assert!(ballots.len() > 100, "the demo casts many ballots");
    ballots
}

#[test]
fn a_group_writes_its_accepted_commands_once_and_refuses_the_rest_alone() {
    let scenario = demo();
    let mut chamber = Chamber::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    let first = up_to_the_ballots(&scenario, &mut chamber);
    let ballots = ballots(&scenario, &chamber, first);
    let before = chamber.journal().len();

    // The second ballot of the same member, inside the same group, is
    // refused because the first one is already decided.
    let group = vec![ballots[0].clone(), ballots[0].clone(), ballots[1].clone()];
    let outcomes = chamber.execute_group(&group).unwrap();
    assert_eq!(outcomes.len(), 3);
    let first_envelopes = outcomes[0].as_ref().expect("the first ballot is accepted");
    let refusal = outcomes[1]
        .as_ref()
        .expect_err("a second ballot is refused");
    assert_eq!(refusal.kind, RefusalKind::Conflict, "{refusal}");
    let third_envelopes = outcomes[2]
        .as_ref()
        .expect("another member's ballot is accepted");
    assert_eq!(first_envelopes.len(), 1);
    assert_eq!(third_envelopes.len(), 1);
    assert_eq!(first_envelopes[0].sequence, before + 1);
    assert_eq!(third_envelopes[0].sequence, before + 2);
    assert_eq!(chamber.journal().len(), before + 2);
    assert_eq!(
        chamber.committed().read(|state| state.clone()),
        *chamber.state()
    );

    // A group of refusals writes nothing.
    let outcomes = chamber
        .execute_group(&[ballots[0].clone(), ballots[1].clone()])
        .unwrap();
    assert!(outcomes.iter().all(Result::is_err));
    assert_eq!(chamber.journal().len(), before + 2);

    // The rest in one group: all accepted, in one append.
    let rest = &ballots[2..];
    let outcomes = chamber.execute_group(rest).unwrap();
    assert!(outcomes.iter().all(Result::is_ok));
    assert_eq!(chamber.journal().len(), before + 2 + rest.len() as u64);
    assert_eq!(
        chamber.committed().read(|state| state.clone()),
        *chamber.state()
    );
}

#[test]
fn two_chambers_on_one_journal_decide_against_each_others_events() {
    let scenario = demo();
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("journal.db");
    let mut north = Chamber::open(SqliteStorage::open(&path).unwrap()).unwrap();
    let first = up_to_the_ballots(&scenario, &mut north);
    let mut south = Chamber::open(SqliteStorage::open(&path).unwrap()).unwrap();
    assert_eq!(south.state(), north.state());
    let ballots = ballots(&scenario, &north, first);

    // Alternate the ballots between the two chambers, and try each one
    // again through the other: the repeat is always refused.
    for (index, ballot) in ballots.iter().enumerate() {
        let (here, there) = if index % 2 == 0 {
            (&mut north, &mut south)
        } else {
            (&mut south, &mut north)
        };
        let accepted = here.execute_group(std::slice::from_ref(ballot)).unwrap();
        assert!(accepted[0].is_ok(), "ballot {index}: {:?}", accepted[0]);
        let repeated = there.execute_group(std::slice::from_ref(ballot)).unwrap();
        let refusal = repeated[0]
            .as_ref()
            .expect_err("a second ballot through the other chamber");
        assert_eq!(refusal.kind, RefusalKind::Conflict, "{refusal}");
    }

    // The division is closed through one chamber; its result counts every
    // ballot, whichever chamber took it.
    let close = step_of(&scenario, |command| {
        matches!(command, Command::CloseDivision { .. })
    });
    let commands = planned(&scenario, &north, close);
    north.execute_batch(&commands).unwrap();
    south.catch_up().unwrap();
    assert_eq!(south.state(), north.state());
    let reopened = Chamber::open(SqliteStorage::open(&path).unwrap()).unwrap();
    assert_eq!(reopened.state(), north.state());
    let division = north
        .state()
        .divisions
        .values()
        .next_back()
        .expect("a division");
    assert_eq!(
        division.ballots.len(),
        ballots.len(),
        "every ballot, through either chamber, is counted once"
    );

    // A ballot after the close, through the chamber that did not close it,
    // is refused: it catches up before deciding.
    let late = south.execute_group(&ballots[..1]).unwrap();
    assert!(late[0].is_err());
}
