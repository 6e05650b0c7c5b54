//! The scenario parser (`hemicycle_scenario::parse_scenario`) on any text, and, when a
//! scenario parses, its set-up and steps expanded and run on a fresh state as
//! `hemicycle run` would: no panic anywhere, and every accepted command's events
//! survive the wire format and apply.

#![no_main]

use hemicycle_core::State;
use hemicycle_fuzz::{execute_checked, MAX_COMMANDS_PER_INPUT};
use hemicycle_scenario::parse_scenario;
use libfuzzer_sys::fuzz_target;

/// The one standing-orders file a fuzzed scenario may name.
const STANDING_ORDERS_FILE: &str = "standing-orders.toml";

fuzz_target!(|bytes: &[u8]| {
    let Ok(source) = std::str::from_utf8(bytes) else {
        return;
    };
    let read_relative = |name: &str| {
        if name == STANDING_ORDERS_FILE {
            Ok(hemicycle_scenario::PRESETS[1].2.to_owned())
        } else {
            Err(format!("no file {name} beside a fuzzed scenario"))
        }
    };
    let Ok(scenario) = parse_scenario(source, "fuzzed.toml", &read_relative) else {
        return;
    };
    let Ok(setup) = scenario.setup() else {
        return;
    };
    let mut state = State::new();
    let mut budget = MAX_COMMANDS_PER_INPUT;
    for planned in setup.iter().take(budget) {
        execute_checked(&mut state, &planned.context, &planned.command);
    }
    budget = budget.saturating_sub(setup.len());
    for step in &scenario.steps {
        if budget == 0 {
            break;
        }
        // A step that does not expand is refused with its line, as in `hemicycle run`.
        let Ok(planned) = scenario.commands(step, &state) else {
            continue;
        };
        for planned in planned.iter().take(budget) {
            execute_checked(&mut state, &planned.context, &planned.command);
        }
        budget = budget.saturating_sub(planned.len());
    }
});
