//! The Popolo importer (`hemicycle_interop::popolo::plan_popolo_import`) on any bytes,
//! into an empty journal (establishing a chamber under a preset) and into the
//! demonstration chamber after its set-up. When an import is planned:
//! - its commands run in order on the same starting state, each accepted (they were
//!   decided on a scratch copy as they were planned), their events surviving the wire
//!   format;
//! - importing the same file again plans nothing (re-imports change nothing);
//! - the chamber exports to Popolo, and re-importing that export plans nothing.

#![no_main]

use std::sync::OnceLock;

use hemicycle_core::model::Timestamp;
use hemicycle_core::State;
use hemicycle_fuzz::{demo_moments, execute_checked, MAX_COMMANDS_PER_INPUT};
use hemicycle_interop::popolo::{export_popolo, plan_popolo_import};
use hemicycle_interop::NewChamber;
use libfuzzer_sys::fuzz_target;

fn new_chamber() -> &'static NewChamber {
    static CHAMBER: OnceLock<NewChamber> = OnceLock::new();
    CHAMBER.get_or_init(|| {
        let preset = hemicycle_scenario::preset("iraq").expect("the iraq preset loads");
        NewChamber {
            standing_orders: preset.standing_orders,
            default_name: preset.name,
            default_seats: preset.seats,
            name: None,
            seats: None,
        }
    })
}

/// When the import happens: after every event of the demonstration.
fn import_time() -> Timestamp {
    chrono::DateTime::parse_from_rfc3339("2024-05-01T10:00:00+00:00").expect("a valid moment")
}

fn import_into(base: &State, bytes: &[u8], new_chamber: Option<&NewChamber>) {
    let at = import_time();
    let Ok(plan) = plan_popolo_import(base, bytes, "fuzzed.json", at, new_chamber) else {
        return;
    };
    if plan.commands.len() > MAX_COMMANDS_PER_INPUT {
        return;
    }
    let mut state = base.clone();
    for (index, (context, command)) in plan.commands.iter().enumerate() {
        assert!(
            execute_checked(&mut state, context, command).is_some(),
            "planned command {index} ({}, from {}) is refused when the plan runs: {:?}",
            command.name(),
            plan.origin(index),
            state.decide(context, command).err()
        );
    }
    let again = plan_popolo_import(&state, bytes, "fuzzed.json", at, new_chamber)
        .unwrap_or_else(|error| panic!("a file that imported cannot be imported again: {error}"));
    assert!(
        again.is_empty(),
        "re-importing the same file plans {} more commands, from {:?}",
        again.commands.len(),
        again.origins
    );
    let exported = export_popolo(&state)
        .unwrap_or_else(|error| panic!("the imported chamber does not export: {error}"));
    let from_export = plan_popolo_import(&state, exported.as_slice(), "export.json", at, None)
        .unwrap_or_else(|error| panic!("our own export does not import: {error}"));
    assert!(
        from_export.is_empty(),
        "re-importing the chamber's own export plans {} commands, from {:?}",
        from_export.commands.len(),
        from_export.origins
    );
}

fuzz_target!(|bytes: &[u8]| {
    import_into(&State::new(), bytes, Some(new_chamber()));
    import_into(&demo_moments()[1].state, bytes, None);
});
