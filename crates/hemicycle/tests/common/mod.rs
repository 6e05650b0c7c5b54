//! Helpers shared by the command-line tests: running the binary, and tampering with a
//! journal file the way someone outside hemicycle would.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `hemicycle` with `arguments` in `directory`.
pub fn hemicycle(directory: &Path, arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hemicycle"))
        .args(arguments)
        .current_dir(directory)
        .output()
        .expect("run hemicycle")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Drops the triggers that make the events table append-only, as a forger would.
pub fn drop_event_triggers(connection: &rusqlite::Connection) {
    connection
        .execute_batch(
            "DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;",
        )
        .unwrap();
}

/// SHA-256 in lower-case hex, computed by coreutils' sha256sum so that these tests do
/// not rely on our own hashing.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::io::Write as _;
    let mut child = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    text(&output.stdout)[..64].to_owned()
}

pub fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(&hex[index..index + 2], 16).unwrap())
        .collect()
}
