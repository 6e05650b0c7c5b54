//! Storage faults: every write, every commit and every read of a sitting fails in turn,
//! and the disk fills up at every command. Each time, the command that hit the fault is
//! refused with a storage error; the journal holds exactly the events of the commands
//! acknowledged before it and verifies; the chamber's state is a clean replay of the
//! journal; and once the fault is cleared the same command succeeds and the sitting ends
//! exactly as it does without faults (the same journal, byte for byte, and the same
//! signed checkpoints).
//!
//! Faults come from the SQLite backend's own seam (`hemicycle_journal::fault`); a full
//! disk is SQLite's real `SQLITE_FULL`, from a page cap at the database's current size.

use hemicycle_core::{Command, Context, State};
use hemicycle_engine::{replay_one, Chamber, EngineError};
use hemicycle_journal::fault::{
    injected_fault, is_disk_full, FaultCounts, FaultInjector, FaultPlan, FaultPoint,
};
use hemicycle_journal::log::LogError;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_journal::{verify, Head, JournalError, Storage, StorageError, StoredCheckpoint};
use hemicycle_log::SignerKey;
use hemicycle_scenario::{parse_scenario, Scenario, DEMO_SCENARIO, DEMO_SCENARIO_NAME};

/// A small sitting of a few dozen commands: two blocs, a boycott, check-ins, a
/// communication, two recorded divisions (each closing one signs a checkpoint), the
/// sitting's close (another checkpoint) and a resolution sent.
const SMALL_SITTING: &str = r##"
[scenario]
title = "A small sitting, invented for the fault-injection tests"
notice = "Invented for a test: no real chamber sat like this."

[chamber]
standing_orders = "iraq"
seats = 9
established = 2024-03-01T09:00:00+01:00
since = 2024-03-01
clerk = "clerk:desk"
presiding_officer = "officer:chair"

[[bloc]]
id = "north"
name = "Northern List"
short_name = "North"
kind = "list"
colour = "#1f77b4"
seats = 5

[[bloc]]
id = "south"
name = "Southern Party"
kind = "party"
colour = "#d62728"
seats = 4

[[step]]
at = 2024-03-04T09:00:00+01:00
do = "table_motion"
motion = "budget"
kind = "bill"
title = "The budget bill"
text = "Be it enacted."
sponsors = ["bloc:north"]

[[step]]
do = "table_motion"
motion = "inquiry"
kind = "resolution"
binding = false
addressed_to = "the Ministry of Works"
title = "On the state of the bridges"
text = "The chamber asks the Ministry to report on the bridges."
sponsors = ["bloc:south"]

[[step]]
do = "convene_sitting"
sitting = "2024-03-05"
kind = "ordinary"
title = "Ordinary sitting"
scheduled_for = 2024-03-05T10:00:00+01:00
agenda = [
  { title = "The budget bill", motion = "budget" },
  { title = "The bridges", motion = "inquiry" },
]

[[step]]
at = 2024-03-05T09:30:00+01:00
do = "declare_boycott"
sitting = "2024-03-05"
bloc = "south"
statement = "The Southern Party stays away from the budget."

[[step]]
at = 2024-03-05T09:50:00+01:00
do = "check_in"
sitting = "2024-03-05"
members = ["bloc:north", "bloc:south:2"]

[[step]]
at = 2024-03-05T10:00:00+01:00
do = "open_sitting"
sitting = "2024-03-05"

[[step]]
at = 2024-03-05T10:10:00+01:00
do = "read_communication"
sitting = "2024-03-05"
communication = "minister-letter"
from = "The Minister of Works"
subject = "The bridges"
text = "The Ministry will report within a month."

[[step]]
at = 2024-03-05T10:30:00+01:00
do = "open_division"
division = "budget-vote"
sitting = "2024-03-05"
motion = "budget"
method = "recorded"

[[step]]
do = "vote"
division = "budget-vote"
yes = ["bloc:north:4"]
no = ["bloc:south"]
abstain = ["bloc:north"]

[[step]]
at = 2024-03-05T10:40:00+01:00
do = "close_division"
division = "budget-vote"

[[step]]
at = 2024-03-05T11:00:00+01:00
do = "open_division"
division = "inquiry-vote"
sitting = "2024-03-05"
motion = "inquiry"
method = "recorded"

[[step]]
do = "vote"
division = "inquiry-vote"
yes = ["bloc:north", "bloc:south"]

[[step]]
at = 2024-03-05T11:10:00+01:00
do = "close_division"
division = "inquiry-vote"

[[step]]
at = 2024-03-05T11:30:00+01:00
do = "close_sitting"
sitting = "2024-03-05"

[[step]]
do = "send_resolution"
motion = "inquiry"
to = "the Ministry of Works"
on = 2024-03-06
"##;

fn small_sitting() -> Scenario {
    parse_scenario(SMALL_SITTING, "small-sitting.toml", &|name| {
        Err(format!("the small sitting reads no file, not {name}"))
    })
    .expect("the small sitting parses")
}

fn iraq_sitting() -> Scenario {
    parse_scenario(DEMO_SCENARIO, DEMO_SCENARIO_NAME, &|name| {
        Err(format!("the demo scenario reads no file, not {name}"))
    })
    .expect("the demo scenario parses")
}

fn signer() -> SignerKey {
    SignerKey::from_seed("test.example/faults", [9; 32]).expect("a signing key")
}

fn chamber_on(storage: SqliteStorage) -> Chamber<SqliteStorage> {
    let mut chamber = Chamber::open(storage).expect("the chamber opens");
    chamber.set_signer(signer());
    chamber
}

fn injector(chamber: &Chamber<SqliteStorage>) -> FaultInjector {
    chamber.journal().storage().fault_injector()
}

/// The storage error behind an engine error, if the engine failed because its storage did.
fn storage_failure(error: &EngineError) -> Option<&StorageError> {
    match error {
        EngineError::Journal(JournalError::Storage(error))
        | EngineError::Journal(JournalError::Checkpoint(LogError::Storage(error))) => Some(error),
        _ => None,
    }
}

/// Every command of a sitting, and what a fault-free run of them leaves after each.
struct Reference {
    commands: Vec<(Context, Command)>,
    /// The states before each command and after the last (`commands.len() + 1`), or
    /// only the last when a sitting is too large to keep them all.
    states: Vec<State>,
    /// The journal's head before each command and after the last.
    heads: Vec<Option<Head>>,
    /// The steps each command passes at each fault point.
    counts: Vec<FaultCounts>,
    checkpoints: Vec<StoredCheckpoint>,
}

impl Reference {
    fn events_before(&self, command: usize) -> u64 {
        self.heads[command].map_or(0, |head| head.sequence)
    }

    fn total(&self, point: FaultPoint) -> u64 {
        self.counts.iter().map(|counts| counts.at(point)).sum()
    }

    /// The command during which the `nth` step at `point` falls.
    fn command_of(&self, point: FaultPoint, nth: u64) -> usize {
        let mut passed = 0;
        for (index, counts) in self.counts.iter().enumerate() {
            passed += counts.at(point);
            if passed >= nth {
                return index;
            }
        }
        panic!("the sitting passes only {passed} {point} steps, not {nth}")
    }
}

/// Plans a scenario's commands one by one (each step against the state it runs in) and
/// runs them without faults, counting each command's steps at every fault point.
fn reference_run(scenario: &Scenario, storage: SqliteStorage, keep_states: bool) -> Reference {
    let mut chamber = chamber_on(storage);
    let faults = injector(&chamber);
    let mut reference = Reference {
        commands: Vec::new(),
        states: vec![chamber.state().clone()],
        heads: vec![chamber.journal().storage().head().unwrap()],
        counts: Vec::new(),
        checkpoints: Vec::new(),
    };
    let mut run = |chamber: &mut Chamber<SqliteStorage>, context: Context, command: Command| {
        faults.arm(FaultPlan::Count);
        let result = chamber.execute(&context, &command);
        reference.counts.push(faults.disarm());
        if let Err(error) = result {
            panic!("{} refused without faults: {error}", command.name());
        }
        if keep_states {
            reference.states.push(chamber.state().clone());
        }
        reference
            .heads
            .push(chamber.journal().storage().head().unwrap());
        reference.commands.push((context, command));
    };
    for planned in scenario.setup().expect("the set-up plans") {
        run(&mut chamber, planned.context, planned.command);
    }
    for step in &scenario.steps {
        let planned = scenario
            .commands(step, chamber.state())
            .expect("the step plans");
        for planned in planned {
            run(&mut chamber, planned.context, planned.command);
        }
    }
    if !keep_states {
        reference.states = vec![chamber.state().clone()];
    }
    reference.checkpoints = chamber.journal().storage().checkpoints(0, 1000).unwrap();
    assert!(
        reference.checkpoints.len() >= 2,
        "the sitting signs checkpoints"
    );
    reference
}

/// How a faulted command must have failed.
#[derive(Debug, Clone, Copy)]
enum Expected {
    Injected(FaultPoint),
    DiskFull,
}

/// What the chamber must look like after a command was refused by a fault.
struct Intact<'a> {
    /// The state a fault-free run had before the command.
    state_before: &'a State,
    /// A clean replay of the journal as it is now.
    clean_replay: &'a State,
    /// Whether to verify the whole journal (the head and length are always checked).
    verify_all: bool,
}

/// The checks after the command `failed` was refused by a fault, once the fault is
/// cleared: the refusal is the storage's, the journal holds exactly the events of the
/// commands before it (the same head as the fault-free run's) and verifies, and the
/// state is a clean replay of the journal and the state a fault-free run had then.
fn assert_refused_and_intact(
    chamber: &Chamber<SqliteStorage>,
    reference: &Reference,
    failed: usize,
    error: &EngineError,
    expected: Expected,
    intact: Intact<'_>,
) {
    let name = reference.commands[failed].1.name();
    let storage_error = storage_failure(error)
        .unwrap_or_else(|| panic!("command {failed} ({name}) failed, but not in storage: {error}"));
    match expected {
        Expected::Injected(point) => {
            let fault = injected_fault(storage_error).unwrap_or_else(|| {
                panic!("command {failed} ({name}): not the injected fault: {storage_error}")
            });
            assert_eq!(fault.point, point, "command {failed} ({name})");
        }
        Expected::DiskFull => assert!(
            is_disk_full(storage_error),
            "command {failed} ({name}): not SQLITE_FULL: {storage_error}"
        ),
    }
    let storage = chamber.journal().storage();
    let expected_events = reference.events_before(failed);
    assert_eq!(
        storage.head().unwrap(),
        reference.heads[failed],
        "command {failed} ({name}) was refused, yet the journal's head moved"
    );
    assert_eq!(storage.len().unwrap(), expected_events, "command {failed}");
    if intact.verify_all {
        let report = verify(storage).unwrap_or_else(|error| panic!("command {failed}: {error}"));
        assert_eq!(report.events, expected_events, "command {failed}");
    }
    assert!(
        chamber.state() == intact.clean_replay,
        "command {failed} ({name}): the state is not a clean replay of the journal"
    );
    assert!(
        chamber.state() == intact.state_before,
        "command {failed} ({name}): the state is not the fault-free state before it"
    );
}

/// A fresh state folded from the journal's stored events, the chain checked again.
fn clean_replay(chamber: &Chamber<SqliteStorage>) -> State {
    let mut state = State::new();
    for envelope in chamber
        .journal()
        .events_from(1)
        .expect("the journal replays")
    {
        replay_one(&mut state, &envelope.expect("the chain holds")).expect("the event replays");
    }
    state
}

/// The checks at the end of a sitting run through faults: it ends as the fault-free run did.
fn assert_same_ending(chamber: &Chamber<SqliteStorage>, reference: &Reference, what: &str) {
    let storage = chamber.journal().storage();
    assert_eq!(
        storage.head().unwrap(),
        *reference.heads.last().unwrap(),
        "{what}: the journal differs from the fault-free one"
    );
    assert_eq!(
        chamber.state(),
        reference.states.last().unwrap(),
        "{what}: the final state differs from the fault-free one"
    );
    assert_eq!(
        storage.checkpoints(0, 1000).unwrap(),
        reference.checkpoints,
        "{what}: the signed checkpoints differ from the fault-free ones"
    );
    let report = verify(storage).unwrap_or_else(|error| panic!("{what}: {error}"));
    assert_eq!(
        Some(report.events),
        storage.head().unwrap().map(|head| head.sequence)
    );
}

fn execute(chamber: &mut Chamber<SqliteStorage>, reference: &Reference, command: usize) {
    let (context, command_value) = &reference.commands[command];
    if let Err(error) = chamber.execute(context, command_value) {
        panic!(
            "command {command} ({}) failed without a fault: {error}",
            command_value.name()
        );
    }
}

/// Runs the sitting from the start on a fresh journal with `plan` armed from
/// `armed_before` on, expecting the first failure at command `expected_failure` (or none
/// when `None`); checks it, clears the fault, runs that command again and the rest of the
/// sitting, and checks the ending. Returns the command that failed.
fn trial(
    reference: &Reference,
    plan: FaultPlan,
    armed_before: usize,
    expected_failure: Option<usize>,
    expected: Expected,
) -> Option<usize> {
    let mut chamber = chamber_on(SqliteStorage::open_in_memory().unwrap());
    let faults = injector(&chamber);
    let mut failed = None;
    for command in 0..reference.commands.len() {
        if command == armed_before {
            faults.arm(plan);
        }
        let (context, command_value) = &reference.commands[command];
        match chamber.execute(context, command_value) {
            Ok(_) => {}
            Err(error) => {
                faults.disarm();
                if let Some(expected_failure) = expected_failure {
                    assert_eq!(
                        command,
                        expected_failure,
                        "{plan:?}: command {command} ({}) failed ({error}), not command {expected_failure}",
                        command_value.name()
                    );
                }
                assert_refused_and_intact(
                    &chamber,
                    reference,
                    command,
                    &error,
                    expected,
                    Intact {
                        state_before: &reference.states[command],
                        clean_replay: &clean_replay(&chamber),
                        verify_all: true,
                    },
                );
                // The same command, once the fault is cleared, succeeds.
                execute(&mut chamber, reference, command);
                failed = Some(command);
                for rest in command + 1..reference.commands.len() {
                    execute(&mut chamber, reference, rest);
                }
                break;
            }
        }
    }
    faults.disarm();
    if let Some(expected_failure) = expected_failure {
        assert_eq!(
            failed,
            Some(expected_failure),
            "{plan:?}: no command failed"
        );
    }
    assert_same_ending(&chamber, reference, &format!("{plan:?}"));
    failed
}

/// Every write, commit and read of a small sitting fails in turn, on a fresh journal each
/// time, with the fault armed from the start; then the disk fills up at each command.
#[test]
fn every_fault_point_of_a_small_sitting() {
    let reference = reference_run(
        &small_sitting(),
        SqliteStorage::open_in_memory().unwrap(),
        true,
    );
    let commands = reference.commands.len();
    assert!(commands >= 30, "a few dozen commands, not {commands}");
    let mut tried = 0u64;
    for point in FaultPoint::ALL {
        let total = reference.total(point);
        assert!(total >= commands as u64, "{point}: only {total} steps");
        for nth in 1..=total {
            let plan = FaultPlan::FailFrom { point, nth };
            trial(
                &reference,
                plan,
                0,
                Some(reference.command_of(point, nth)),
                Expected::Injected(point),
            );
            tried += 1;
        }
    }
    let mut disk_full_refusals = 0;
    for command in 0..commands {
        let failed = trial(
            &reference,
            FaultPlan::DiskFull,
            command,
            None,
            Expected::DiskFull,
        );
        if let Some(failed) = failed {
            assert!(failed >= command, "a command before the disk filled failed");
            disk_full_refusals += 1;
        }
        tried += 1;
    }
    // Small events often fit in a page already allocated, so a full disk refuses only
    // the command that needs a new page; but every command of the sitting cannot fit.
    assert!(
        disk_full_refusals > 0,
        "the full disk never refused a command"
    );
    println!(
        "small sitting: {commands} commands; {tried} fault points tried \
         ({} writes, {} commits, {} reads, disk full at {commands} commands, \
         {disk_full_refusals} of them refused a command)",
        reference.total(FaultPoint::Write),
        reference.total(FaultPoint::Commit),
        reference.total(FaultPoint::Read),
    );
}

/// Folds into `replayed` the events stored after the ones it holds, read back from the
/// journal with the chain checked: a clean replay, kept up to date one command at a time.
fn catch_up_replay(
    chamber: &Chamber<SqliteStorage>,
    replayed: &mut State,
    replayed_events: &mut u64,
) {
    let stored = chamber.journal().storage().len().unwrap();
    if stored == *replayed_events {
        return;
    }
    for envelope in chamber
        .journal()
        .events_from(*replayed_events + 1)
        .expect("the journal replays")
    {
        replay_one(replayed, &envelope.expect("the chain holds")).expect("the event replays");
        *replayed_events += 1;
    }
    assert_eq!(
        *replayed_events, stored,
        "the replay read every stored event"
    );
}

/// The demonstration's sitting (Iraq, 5 January 2020: 329 members, about 700 commands)
/// on a journal file (WAL, `synchronous=FULL`), run once. Before each command succeeds,
/// each of its writes, its commit and each of its reads fail in turn, and then the disk
/// fills up. Since the commands before a fault run without one, each failure is the
/// one a run armed from the start at that step would meet; the file sees every rollback
/// a real failure would cause. Then the finished journal is reopened with each read of
/// the replay failing in turn.
#[test]
fn every_fault_point_of_the_iraq_sitting_on_a_file() {
    let scenario = iraq_sitting();
    let reference = reference_run(&scenario, SqliteStorage::open_in_memory().unwrap(), false);
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("journal.db");
    let mut chamber = chamber_on(SqliteStorage::open(&path).unwrap());
    let faults = injector(&chamber);
    let mut replayed = State::new();
    let mut replayed_events = 0u64;
    let mut tried = 0u64;
    let mut disk_full_refusals = 0u64;
    for command in 0..reference.commands.len() {
        let (context, command_value) = &reference.commands[command];
        let state_before = chamber.state().clone();
        let refused = |chamber: &Chamber<SqliteStorage>,
                       error: &EngineError,
                       expected: Expected,
                       replayed: &mut State,
                       replayed_events: &mut u64| {
            catch_up_replay(chamber, replayed, replayed_events);
            assert_refused_and_intact(
                chamber,
                &reference,
                command,
                error,
                expected,
                Intact {
                    state_before: &state_before,
                    clean_replay: replayed,
                    verify_all: false,
                },
            );
        };
        for point in FaultPoint::ALL {
            for nth in 1..=reference.counts[command].at(point) {
                faults.arm(FaultPlan::FailFrom { point, nth });
                let result = chamber.execute(context, command_value);
                faults.disarm();
                let Err(error) = result else {
                    panic!(
                        "command {command} ({}) succeeded with its {point} {nth} failing",
                        command_value.name()
                    );
                };
                refused(
                    &chamber,
                    &error,
                    Expected::Injected(point),
                    &mut replayed,
                    &mut replayed_events,
                );
                tried += 1;
            }
        }
        faults.arm(FaultPlan::DiskFull);
        let result = chamber.execute(context, command_value);
        faults.disarm();
        tried += 1;
        if let Err(error) = result {
            refused(
                &chamber,
                &error,
                Expected::DiskFull,
                &mut replayed,
                &mut replayed_events,
            );
            disk_full_refusals += 1;
            // Once the disk has room again, the command that found it full succeeds.
            execute(&mut chamber, &reference, command);
        }
        assert_eq!(
            chamber.journal().storage().head().unwrap(),
            reference.heads[command + 1],
            "command {command} ({}) recorded other events than without faults",
            command_value.name()
        );
    }
    assert!(
        disk_full_refusals > 0,
        "the full disk never refused a command"
    );
    assert_same_ending(&chamber, &reference, "the Iraq sitting");
    catch_up_replay(&chamber, &mut replayed, &mut replayed_events);
    assert!(
        &replayed == chamber.state(),
        "the final state is a clean replay"
    );
    drop(chamber);

    // Reopening: each read of the replay fails in turn, until the open needs no more.
    let mut open_reads = 0;
    let reopened = loop {
        assert!(open_reads < 10_000, "the open never ends");
        let storage = SqliteStorage::open(&path).unwrap();
        let faults = storage.fault_injector();
        open_reads += 1;
        faults.arm(FaultPlan::FailFrom {
            point: FaultPoint::Read,
            nth: open_reads,
        });
        match Chamber::open(storage) {
            Ok(chamber) => break chamber,
            Err(error) => {
                let storage_error = storage_failure(&error)
                    .unwrap_or_else(|| panic!("open with read {open_reads} failing: {error}"));
                assert!(
                    injected_fault(storage_error).is_some(),
                    "open with read {open_reads} failing: {storage_error}"
                );
                tried += 1;
            }
        }
    };
    assert!(open_reads > 2, "the open reads the head and the events");
    assert!(reopened.state() == reference.states.last().unwrap());
    println!(
        "Iraq sitting: {} commands; {tried} fault points tried ({} writes, {} commits, \
         {} reads, disk full at {} commands, {disk_full_refusals} of them refused a command, \
         {} reads failing at reopening)",
        reference.commands.len(),
        reference.total(FaultPoint::Write),
        reference.total(FaultPoint::Commit),
        reference.total(FaultPoint::Read),
        reference.commands.len(),
        open_reads - 1,
    );
}
