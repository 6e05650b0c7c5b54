//! The journal's envelope parser (`hemicycle_journal::Envelope::parse`), which reads
//! every stored event back, on any bytes. What it accepts must be exactly the canonical
//! bytes of the envelope it returns, with the hash of those bytes, and must be what
//! `Envelope::new` makes of the same fields.

#![no_main]

use hemicycle_journal::{Envelope, Hash, NewEvent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(envelope) = Envelope::parse(bytes) else {
        return;
    };
    assert_eq!(
        envelope.canonical_bytes(),
        bytes,
        "an accepted envelope is not in canonical form"
    );
    assert_eq!(
        envelope.hash,
        Hash::of(bytes),
        "the hash is not of the bytes"
    );
    assert_eq!(envelope.compute_hash(), envelope.hash);
    let rebuilt = Envelope::new(
        envelope.sequence,
        envelope.previous_hash,
        NewEvent {
            recorded_at: envelope.recorded_at.clone(),
            actor: envelope.actor.clone(),
            payload: envelope.payload.clone(),
        },
    )
    .unwrap_or_else(|error| {
        panic!("a parsed envelope's fields are refused for a new event: {error}")
    });
    assert_eq!(
        rebuilt, envelope,
        "Envelope::new and Envelope::parse disagree"
    );
});
