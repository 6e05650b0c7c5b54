//! What the fuzz targets share: a fixed signing key, the demonstration chamber at
//! every step of its sitting, and helpers that run commands the way the engine does.
//!
//! Everything here is built once per process (the targets run millions of inputs), and
//! every check that a target makes on an accepted input panics with what went wrong, so
//! that libFuzzer reports it as a crash with the input that caused it.

use std::sync::OnceLock;

use hemicycle_core::model::Timestamp;
use hemicycle_core::{Actor, Command, Context, Event, State};
use hemicycle_log::{SignerKey, VerifierKey};
use hemicycle_scenario::{parse_scenario, Scenario, DEMO_SCENARIO, DEMO_SCENARIO_NAME};

/// The log name of the fuzzing key. Fuzz-only: it signs nothing outside these targets.
pub const LOG_NAME: &str = "fuzz.hemicycle.example/chamber";

/// The seed of the fuzzing key: fixed, so that the committed corpus's signatures verify.
const FUZZ_KEY_SEED: [u8; 32] = [7; 32];

/// Most commands one fuzz input may run through the core: a scenario or an import that
/// asks for more is cut there (the limit keeps each input well under the time limit; the
/// real limits of the formats are far larger and are exercised by the crates' tests).
pub const MAX_COMMANDS_PER_INPUT: usize = 2_000;

/// The fuzzing signer key.
pub fn signer() -> &'static SignerKey {
    static KEY: OnceLock<SignerKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SignerKey::from_seed(LOG_NAME, FUZZ_KEY_SEED).expect("the fuzzing key name is valid")
    })
}

/// The fuzzing verifier key.
pub fn verifier() -> &'static VerifierKey {
    static KEY: OnceLock<VerifierKey> = OnceLock::new();
    KEY.get_or_init(|| signer().verifier())
}

/// The demonstration scenario, parsed.
pub fn demo_scenario() -> &'static Scenario {
    static SCENARIO: OnceLock<Scenario> = OnceLock::new();
    SCENARIO.get_or_init(|| {
        parse_scenario(DEMO_SCENARIO, DEMO_SCENARIO_NAME, &|name| {
            Err(format!("the demo reads no file, not even {name}"))
        })
        .expect("the demo scenario parses")
    })
}

/// One moment of the demonstration: the state, and the time of the next step.
pub struct DemoMoment {
    pub state: State,
    pub at: Timestamp,
}

/// The demonstration chamber before anything (empty), after its set-up, and after
/// each step of its sitting: the states a command body can meet on the server.
pub fn demo_moments() -> &'static [DemoMoment] {
    static MOMENTS: OnceLock<Vec<DemoMoment>> = OnceLock::new();
    MOMENTS.get_or_init(|| {
        let scenario = demo_scenario();
        let mut state = State::new();
        let mut moments = vec![DemoMoment {
            state: state.clone(),
            at: scenario.established_at,
        }];
        for planned in scenario.setup().expect("the demo sets up") {
            state
                .execute(&planned.context, &planned.command)
                .unwrap_or_else(|refusal| panic!("demo set-up refused: {refusal}"));
        }
        for step in &scenario.steps {
            moments.push(DemoMoment {
                state: state.clone(),
                at: step.at,
            });
            for planned in scenario.commands(step, &state).expect("demo step expands") {
                state
                    .execute(&planned.context, &planned.command)
                    .unwrap_or_else(|refusal| panic!("demo step refused: {refusal}"));
            }
        }
        let last = scenario
            .steps
            .last()
            .map_or(scenario.established_at, |step| step.at);
        moments.push(DemoMoment { state, at: last });
        moments
    })
}

/// Decides `command`; when accepted, checks that every event survives the journal's
/// wire format (`decode(encode(e)) == e`) and applies it, as the engine does: an event
/// just decided must apply. Returns the events, or `None` when refused.
pub fn execute_checked(
    state: &mut State,
    context: &Context,
    command: &Command,
) -> Option<Vec<Event>> {
    let events = state.decide(context, command).ok()?;
    for event in &events {
        check_wire_round_trip(event);
        if let Err(error) = state.apply(context.at, &context.actor, event) {
            panic!(
                "{} was accepted but its event {} does not apply: {error}",
                command.name(),
                event.type_name()
            );
        }
    }
    Some(events)
}

/// An event must read back from its own bytes exactly.
pub fn check_wire_round_trip(event: &Event) {
    let bytes = hemicycle_core::encode(event);
    match hemicycle_core::decode(&bytes) {
        Ok(decoded) => assert_eq!(
            &decoded,
            event,
            "event {} changed through its wire format",
            event.type_name()
        ),
        Err(error) => panic!(
            "event {} does not decode from its own encoding: {error}; bytes: {}",
            event.type_name(),
            String::from_utf8_lossy(&bytes)
        ),
    }
}

/// The actor a signed-in account of each role would be: `selector` chooses the role; a
/// member acts as `member` when it names one of the chamber's members (a member may act
/// only for themselves, so that is the interesting case), else as the first member.
pub fn actor_for(selector: u8, state: &State, member: Option<&str>) -> Actor {
    match selector % 3 {
        0 => Actor::Clerk("secretariat".to_owned()),
        1 => Actor::PresidingOfficer("speaker".to_owned()),
        _ => {
            let named = member.and_then(|wanted| {
                state
                    .members
                    .keys()
                    .find(|id| id.as_str() == wanted)
                    .cloned()
            });
            match named.or_else(|| state.members.keys().next().cloned()) {
                Some(id) => Actor::Member(id),
                None => Actor::Clerk("secretariat".to_owned()),
            }
        }
    }
}
