//! The transparency log on the command line: receipts verify offline and
//! refuse tampering; a witness's earlier checkpoints catch a truncated or
//! rewritten (and re-signed) history.

mod common;

use std::path::Path;

use common::{drop_event_triggers, hemicycle, hex_bytes, sha256_hex, text};

use hemicycle_log::{leaf_hash, Frontier};
use rusqlite::{params, Connection};

const DEMO_URL: &str = "sqlite://hemicycle-demo.db";

fn succeed(directory: &Path, arguments: &[&str]) -> String {
    let output = hemicycle(directory, arguments);
    assert!(
        output.status.success(),
        "{arguments:?}: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn demo() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    succeed(directory.path(), &["demo", "-o", "record.txt"]);
    directory
}

/// The first ballot in the demo's journal: (sequence, division, member).
fn first_ballot(path: &Path) -> (u64, String, String) {
    let connection = Connection::open(path).unwrap();
    let (sequence, bytes): (i64, Vec<u8>) = connection
        .query_row(
            "SELECT sequence, canonical_bytes FROM events
             WHERE CAST(canonical_bytes AS TEXT) LIKE '%\"type\":\"BallotCast\"%' ORDER BY sequence LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let body = String::from_utf8(bytes).unwrap();
    let field = |name: &str| {
        let start = body.find(&format!("\"{name}\":\"")).unwrap() + name.len() + 4;
        body[start..start + body[start..].find('"').unwrap()].to_owned()
    };
    (sequence as u64, field("division"), field("member"))
}

#[test]
fn the_demo_signs_checkpoints_with_an_owner_only_key() {
    let directory = demo();
    let key_file = directory.path().join("hemicycle-demo.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let checkpoint = succeed(
        directory.path(),
        &["log", "checkpoint", "--database", DEMO_URL],
    );
    let key = succeed(directory.path(), &["log", "key", "--database", DEMO_URL]);
    let key = hemicycle_log::VerifierKey::parse(key.trim()).unwrap();
    let opened = hemicycle_log::Checkpoint::open(checkpoint.as_bytes(), &key).unwrap();
    assert!(opened.checkpoint.tree_size > 1000);
    // Every division's close is covered by a checkpoint signed with its batch.
    let connection = Connection::open(directory.path().join("hemicycle-demo.db")).unwrap();
    let closes: Vec<i64> = connection
        .prepare(
            "SELECT sequence FROM events
             WHERE CAST(canonical_bytes AS TEXT) LIKE '%\"type\":\"DivisionClosed\"%'",
        )
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let signed: Vec<i64> = connection
        .prepare("SELECT tree_size FROM checkpoints")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!closes.is_empty());
    for close in closes {
        assert!(
            signed
                .iter()
                .any(|size| *size >= close && *size <= close + 1),
            "division closed at event {close}; checkpoints {signed:?}"
        );
    }
    // Nothing the demo prints reveals the secret key.
    let secret = std::fs::read_to_string(&key_file).unwrap();
    let secret_part = secret.trim().rsplit('+').next().unwrap().to_owned();
    let record = std::fs::read_to_string(directory.path().join("record.txt")).unwrap();
    assert!(!record.contains(&secret_part));
    // The API shapes.
    let inclusion = succeed(
        directory.path(),
        &[
            "log",
            "inclusion",
            "--index",
            "3",
            "--json",
            "--database",
            DEMO_URL,
        ],
    );
    let body = hemicycle_log::api::InclusionBody::from_json(inclusion.trim()).unwrap();
    let (leaf, proof) = body.decode().unwrap();
    hemicycle_log::verify_inclusion(
        &leaf,
        3,
        body.tree_size,
        &proof,
        &opened.checkpoint.root_hash,
    )
    .unwrap();
    let consistency = succeed(
        directory.path(),
        &[
            "log",
            "consistency",
            "--from",
            "7",
            "--json",
            "--database",
            DEMO_URL,
        ],
    );
    assert!(
        consistency.starts_with("{\"from\":7,\"to\":"),
        "{consistency}"
    );
    let entries = hemicycle(
        directory.path(),
        &[
            "log",
            "entries",
            "--start",
            "0",
            "--end",
            "1001",
            "--database",
            DEMO_URL,
        ],
    );
    assert!(!entries.status.success());
    assert!(
        text(&entries.stderr).contains("at most 1000"),
        "{}",
        text(&entries.stderr)
    );
}

#[test]
fn a_receipt_verifies_offline_and_tampering_is_refused() {
    let directory = demo();
    let (sequence, division, member) = first_ballot(&directory.path().join("hemicycle-demo.db"));
    succeed(
        directory.path(),
        &[
            "receipt",
            "--division",
            &division,
            "--member",
            &member,
            "-o",
            "ballot.tlog-proof",
            "--database",
            DEMO_URL,
        ],
    );
    let key = succeed(directory.path(), &["log", "key", "--database", DEMO_URL]);
    let key = key.trim();
    // Offline: only the receipt and the public key, in another directory.
    let elsewhere = tempfile::tempdir().unwrap();
    let receipt = std::fs::read_to_string(directory.path().join("ballot.tlog-proof")).unwrap();
    std::fs::write(elsewhere.path().join("ballot.tlog-proof"), &receipt).unwrap();
    let verified = succeed(
        elsewhere.path(),
        &[
            "verify-receipt",
            "ballot.tlog-proof",
            "--key",
            key,
            "--division",
            &division,
            "--member",
            &member,
        ],
    );
    assert!(
        verified.contains(&format!("event {sequence}")),
        "{verified}"
    );
    assert!(verified.starts_with("Receipt verified"), "{verified}");

    // Claiming another member is refused.
    let other = hemicycle(
        elsewhere.path(),
        &[
            "verify-receipt",
            "ballot.tlog-proof",
            "--key",
            key,
            "--member",
            "nobody",
        ],
    );
    assert!(!other.status.success());

    // Any change to the file is refused: the index, a proof hash, the entry.
    let lines: Vec<&str> = receipt.split('\n').collect();
    let mut tampered_files = Vec::new();
    let index_line = lines
        .iter()
        .position(|line| line.starts_with("index "))
        .unwrap();
    let mut changed = lines.clone();
    let other_index = format!("index {}", sequence);
    changed[index_line] = &other_index;
    tampered_files.push(changed.join("\n"));
    let mut changed = lines.clone();
    let flipped_hash = {
        let hash = lines[index_line + 1];
        let replacement = if hash.starts_with('A') { "B" } else { "A" };
        format!("{replacement}{}", &hash[1..])
    };
    changed[index_line + 1] = &flipped_hash;
    tampered_files.push(changed.join("\n"));
    let entry = {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let encoded = lines[1].strip_prefix("extra ").unwrap();
        let bytes = engine.decode(encoded).unwrap();
        let forged = String::from_utf8(bytes)
            .unwrap()
            .replacen("\"choice\":\"yes\"", "\"choice\":\"no\"", 1)
            .replacen("\"choice\":\"no\"", "\"choice\":\"abstain\"", 1);
        format!("extra {}", engine.encode(forged))
    };
    let mut changed = lines.clone();
    changed[1] = &entry;
    tampered_files.push(changed.join("\n"));
    for (number, tampered) in tampered_files.iter().enumerate() {
        let name = format!("tampered-{number}.tlog-proof");
        std::fs::write(elsewhere.path().join(&name), tampered).unwrap();
        let output = hemicycle(elsewhere.path(), &["verify-receipt", &name, "--key", key]);
        assert!(
            !output.status.success(),
            "tampered receipt {number} was accepted"
        );
        assert!(
            text(&output.stderr).contains("NOT valid"),
            "{}",
            text(&output.stderr)
        );
    }
}

/// Rebuilds the Merkle tree table from the events, as a forger with the file would
/// after rewriting them, and drops the stored checkpoints so the forger can re-sign.
fn rebuild_tree_and_drop_checkpoints(connection: &Connection) {
    connection
        .execute_batch(
            "DROP TRIGGER IF EXISTS tree_hashes_no_delete; DROP TRIGGER IF EXISTS checkpoints_no_delete;
             DELETE FROM tree_hashes; DELETE FROM checkpoints;",
        )
        .unwrap();
    let rows: Vec<Vec<u8>> = connection
        .prepare("SELECT canonical_bytes FROM events ORDER BY sequence")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut frontier = Frontier::new();
    for bytes in rows {
        for (subtree, hash) in frontier.push(leaf_hash(&bytes)).unwrap() {
            connection
                .execute(
                    "INSERT INTO tree_hashes (level, node_index, hash) VALUES (?1, ?2, ?3)",
                    params![subtree.level, subtree.index as i64, hash.as_slice()],
                )
                .unwrap();
        }
    }
}

fn witness_file(directory: &Path) {
    let checkpoint = succeed(directory, &["log", "checkpoint", "--database", DEMO_URL]);
    std::fs::write(directory.join("witness.txt"), checkpoint).unwrap();
    let passes = succeed(
        directory,
        &["verify", "--witness", "witness.txt", "--database", DEMO_URL],
    );
    assert!(passes.contains("log consistent"), "{passes}");
    assert!(
        passes.contains("1 witness checkpoints verified"),
        "{passes}"
    );
}

#[test]
fn a_witness_catches_a_truncated_and_re_signed_history() {
    let directory = demo();
    witness_file(directory.path());
    let connection = Connection::open(directory.path().join("hemicycle-demo.db")).unwrap();
    drop_event_triggers(&connection);
    connection
        .execute("DELETE FROM events WHERE sequence > 600", [])
        .unwrap();
    rebuild_tree_and_drop_checkpoints(&connection);
    drop(connection);
    // The forger holds the key file too, and signs the shorter log.
    succeed(
        directory.path(),
        &["log", "checkpoint", "--sign", "--database", DEMO_URL],
    );
    // Without the witness the store is self-consistent.
    let key = succeed(directory.path(), &["log", "key", "--database", DEMO_URL]);
    let alone = succeed(
        directory.path(),
        &["verify", "--key", key.trim(), "--database", DEMO_URL],
    );
    assert!(alone.contains("log consistent: 600 events"), "{alone}");

    let output = hemicycle(
        directory.path(),
        &["verify", "--witness", "witness.txt", "--database", DEMO_URL],
    );
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(message.contains("log is NOT consistent"), "{message}");
    assert!(
        message.contains("but the journal holds only 600: events 601 to"),
        "{message}"
    );
}

#[test]
fn a_witness_catches_a_rewritten_rehashed_and_re_signed_history() {
    let directory = demo();
    witness_file(directory.path());
    let path = directory.path().join("hemicycle-demo.db");
    let (sequence, _, _) = first_ballot(&path);
    let connection = Connection::open(&path).unwrap();
    drop_event_triggers(&connection);
    // Move one ballot's time by a second and recompute every event hash from there on.
    let rows: Vec<(i64, Vec<u8>)> = connection
        .prepare(
            "SELECT sequence, canonical_bytes FROM events WHERE sequence >= ?1 ORDER BY sequence",
        )
        .unwrap()
        .query_map([sequence as i64], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut previous: Option<String> = None;
    for (row_sequence, bytes) in rows {
        let mut body = String::from_utf8(bytes).unwrap();
        if row_sequence as u64 == sequence {
            let at = body.find("\"recorded_at\":\"").unwrap() + 15 + 18;
            let second = &body[at..at + 1];
            let replacement = if second == "1" { "2" } else { "1" };
            body.replace_range(at..at + 1, replacement);
        }
        if let Some(previous) = &previous {
            let start = body.find("\"previous_hash\":\"").unwrap() + 17;
            body.replace_range(start..start + 64, previous);
        }
        let envelope = sha256_hex(body.as_bytes());
        connection
            .execute(
                "UPDATE events SET canonical_bytes = ?1, hash = ?2 WHERE sequence = ?3",
                params![body.as_bytes(), hex_bytes(&envelope), row_sequence],
            )
            .unwrap();
        previous = Some(envelope);
    }
    rebuild_tree_and_drop_checkpoints(&connection);
    drop(connection);
    succeed(
        directory.path(),
        &["log", "checkpoint", "--sign", "--database", DEMO_URL],
    );

    let output = hemicycle(
        directory.path(),
        &["verify", "--witness", "witness.txt", "--database", DEMO_URL],
    );
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(message.contains("log is NOT consistent"), "{message}");
    assert!(message.contains("history was rewritten"), "{message}");
    assert!(message.contains("witness checkpoint #1"), "{message}");
}
