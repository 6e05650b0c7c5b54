//! The transparency log's parsers of signed text (`hemicycle_log::note` and
//! `checkpoint`) on any bytes: signed notes, opened against the fuzzing key;
//! checkpoints, alone and signed; verifier and signer key lines. What is accepted must
//! print back to the same text, and any text the key signs must open again with the
//! same verdict as the checkpoint parser gives on it.

#![no_main]

use hemicycle_fuzz::{signer, verifier};
use hemicycle_log::note::{self, Note, MAX_NOTE_BYTES};
use hemicycle_log::{Checkpoint, SignerKey, VerifierKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = Note::parse(bytes);
    let opened = note::open(bytes, std::slice::from_ref(verifier()));
    let signed_checkpoint = Checkpoint::open(bytes, verifier());
    if let Ok(signed) = &signed_checkpoint {
        assert!(opened.is_ok(), "a checkpoint opened but its note did not");
        assert_eq!(signed.checkpoint.origin, verifier().name());
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(key) = VerifierKey::parse(text) {
        assert_eq!(
            key.to_string(),
            text.trim_end_matches(['\n', '\r']),
            "a verifier key does not print back as written"
        );
    }
    if let Ok(key) = SignerKey::parse(text) {
        assert_eq!(key.to_secret_text(), text.trim_end_matches(['\n', '\r']));
    }
    let parsed = Checkpoint::parse(text);
    if let Ok(checkpoint) = &parsed {
        let printed = checkpoint
            .to_text()
            .unwrap_or_else(|error| panic!("a parsed checkpoint cannot be printed: {error}"));
        assert_eq!(printed, text, "a checkpoint does not print back as written");
    }
    // Whatever text the key agrees to sign must open again, with the checkpoint verdict
    // the parser gives on the text alone.
    let Ok(note_text) = signer().sign(text) else {
        return;
    };
    if note_text.len() > MAX_NOTE_BYTES {
        return;
    }
    let reopened = note::open(note_text.as_bytes(), std::slice::from_ref(verifier()))
        .unwrap_or_else(|error| panic!("a note just signed does not open: {error}"));
    assert_eq!(reopened.text, text);
    let as_checkpoint = Checkpoint::open(note_text.as_bytes(), verifier());
    match (&parsed, &as_checkpoint) {
        (Ok(checkpoint), Ok(signed)) => assert_eq!(&signed.checkpoint, checkpoint),
        (Ok(checkpoint), Err(error)) => assert!(
            checkpoint.origin != verifier().name(),
            "a signed checkpoint of our origin does not open: {error}"
        ),
        (Err(error), Ok(_)) => {
            panic!("a signed checkpoint opened although its text does not parse: {error}")
        }
        (Err(_), Err(_)) => {}
    }
});
