//! The core's event decoder (`hemicycle_core::decode`), which reads every payload of
//! the journal at replay, on any bytes; and each decoded event applied to the
//! demonstration chamber at several moments, as a replay of a forged journal would: the
//! decoder accepts only canonical bytes, and `State::apply` refuses what does not fit
//! the state rather than panicking.

#![no_main]

use hemicycle_core::{decode, encode, Actor};
use hemicycle_fuzz::demo_moments;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(event) = decode(bytes) else {
        return;
    };
    assert_eq!(
        encode(&event),
        bytes,
        "a decoded event re-encodes differently"
    );
    let moments = demo_moments();
    // The empty journal, the chamber after its set-up, the sitting under way, and after.
    for moment in [
        &moments[0],
        &moments[1],
        &moments[moments.len() / 2],
        &moments[moments.len() - 1],
    ] {
        let mut state = moment.state.clone();
        let _ = state.apply(moment.at, &Actor::System, &event);
    }
});
