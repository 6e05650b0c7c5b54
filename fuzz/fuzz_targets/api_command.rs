//! The JSON API's command bodies: `POST /api/commands/{name}` with any body reaches
//! `hemicycle_web::api::parse_command`, then the core's decision for the signed-in
//! account, then the journal's wire format and the fold, then the live pages' snapshot.
//!
//! Input layout: byte 0 chooses the moment of the demonstration the chamber is at,
//! byte 1 the account's role (clerk, presiding officer, member: the member named by the
//! body's `member` field when there is one), byte 2 the command's name; the rest is the
//! body, at most the server's 64 KiB.

#![no_main]

use hemicycle_core::Context;
use hemicycle_fuzz::{actor_for, demo_moments, execute_checked};
use hemicycle_web::api::{parse_command, COMMAND_NAMES};
use hemicycle_web::body::MAX_REQUEST_BODY_BYTES;
use hemicycle_web::live::snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let [moment_choice, role_choice, name_choice, body @ ..] = bytes else {
        return;
    };
    if body.len() > MAX_REQUEST_BODY_BYTES {
        return;
    }
    let moments = demo_moments();
    let moment = &moments[usize::from(*moment_choice) % moments.len()];
    let name = COMMAND_NAMES[usize::from(*name_choice) % COMMAND_NAMES.len()];
    let Ok(command) = parse_command(name, body) else {
        return;
    };
    assert_eq!(
        command.name(),
        name,
        "the body chose another command than the path"
    );
    let member = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("member")?.as_str().map(str::to_owned));
    let context = Context {
        at: moment.at,
        actor: actor_for(*role_choice, &moment.state, member.as_deref()),
    };
    let mut state = moment.state.clone();
    if execute_checked(&mut state, &context, &command).is_some() {
        // What the server does after each accepted command: publish what changed.
        let before = snapshot(&moment.state);
        let after = snapshot(&state);
        let _ = after.changes_since(&before);
    }
});
