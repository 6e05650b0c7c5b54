//! The witness file parser (`hemicycle_journal::parse_witness_file`): signed
//! checkpoints one after another, as a witness keeps them, read against the fuzzing
//! key. No panic; what is accepted is a non-empty list of checkpoints of the key's log,
//! numbered from 1 in file order, each on a line of the file.

#![no_main]

use hemicycle_fuzz::verifier;
use hemicycle_journal::parse_witness_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(checkpoints) = parse_witness_file(text, verifier()) else {
        return;
    };
    assert!(
        !checkpoints.is_empty(),
        "an accepted witness file holds a checkpoint"
    );
    let lines = text.lines().count().max(1);
    let mut previous_line = 0;
    for (index, witnessed) in checkpoints.iter().enumerate() {
        assert_eq!(witnessed.position, index + 1);
        assert!(witnessed.line > previous_line && witnessed.line <= lines);
        assert_eq!(witnessed.checkpoint.origin, verifier().name());
        previous_line = witnessed.line;
    }
});
