//! The command line as a user meets it: verify catches tampering and names the event,
//! bad input gets a clear error, journals are never overwritten.

mod common;

use std::path::Path;

use common::{drop_event_triggers, hemicycle, hex_bytes, sha256_hex, text};

/// Opens the journal file directly, as someone tampering with it would.
fn tamper(path: &Path) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open(path).unwrap();
    drop_event_triggers(&connection);
    connection
}

fn demo_journal() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let output = hemicycle(directory.path(), &["demo", "-o", "record.txt"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    directory
}

const DEMO_URL: &str = "sqlite://hemicycle-demo.db";

#[test]
fn verify_passes_on_an_untouched_journal() {
    let directory = demo_journal();
    let output = hemicycle(directory.path(), &["verify", "--database", DEMO_URL]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).starts_with("journal intact: "),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn verify_names_an_altered_event() {
    let directory = demo_journal();
    let connection = tamper(&directory.path().join("hemicycle-demo.db"));
    // Turn one ballot into a "no": a quiet change of the record.
    let (sequence, bytes): (i64, Vec<u8>) = connection
        .query_row(
            "SELECT sequence, canonical_bytes FROM events WHERE instr(canonical_bytes, '\"choice\":\"yes\"') > 0 ORDER BY sequence LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let altered = String::from_utf8(bytes)
        .unwrap()
        .replace("\"choice\":\"yes\"", "\"choice\":\"no\"");
    connection
        .execute(
            "UPDATE events SET canonical_bytes = ?1 WHERE sequence = ?2",
            rusqlite::params![altered.into_bytes(), sequence],
        )
        .unwrap();
    drop(connection);
    let output = hemicycle(directory.path(), &["verify", "--database", DEMO_URL]);
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(message.contains(&format!("event {sequence}")), "{message}");
    assert!(message.contains("journal is NOT intact"), "{message}");
    // The record refuses to print from a tampered journal.
    let output = hemicycle(directory.path(), &["record", "--database", DEMO_URL]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains(&format!("{sequence}")),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn verify_names_a_removed_event() {
    let directory = demo_journal();
    let connection = tamper(&directory.path().join("hemicycle-demo.db"));
    connection
        .execute("DELETE FROM events WHERE sequence = 500", [])
        .unwrap();
    drop(connection);
    let output = hemicycle(directory.path(), &["verify", "--database", DEMO_URL]);
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(message.contains("500"), "{message}");
}

#[test]
fn verify_catches_a_rehashed_forgery_that_says_something_impossible() {
    // Someone rewrites an outcome to "rejected" and recomputes every hash after it: the
    // chain is then intact, but the recorded outcome is not what the standing orders give.
    let directory = demo_journal();
    let path = directory.path().join("hemicycle-demo.db");
    let connection = tamper(&path);
    let rows: Vec<(i64, Vec<u8>)> = connection
        .prepare("SELECT sequence, canonical_bytes FROM events ORDER BY sequence")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut previous = "0".repeat(64);
    let mut forged_at = None;
    for (sequence, bytes) in rows {
        let mut body = String::from_utf8(bytes).unwrap();
        if body.contains("\"type\":\"DivisionClosed\"") {
            body = body.replace("\"verdict\":\"adopted\"", "\"verdict\":\"rejected\"");
            forged_at = Some(sequence);
        }
        let start = body.find("\"previous_hash\":\"").unwrap() + 17;
        body.replace_range(start..start + 64, &previous);
        let hash = sha256_hex(body.as_bytes());
        connection
            .execute(
                "UPDATE events SET canonical_bytes = ?1, hash = ?2 WHERE sequence = ?3",
                rusqlite::params![body.into_bytes(), hex_bytes(&hash), sequence],
            )
            .unwrap();
        previous = hash;
    }
    drop(connection);
    let forged_at = forged_at.expect("the demo closes a division");
    let output = hemicycle(directory.path(), &["verify", "--database", DEMO_URL]);
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(
        message.contains(&format!("event {forged_at} cannot be replayed")),
        "{message}"
    );
    assert!(
        message.contains("differs from what the standing orders give"),
        "{message}"
    );
}

#[test]
fn a_journal_is_never_overwritten() {
    let directory = tempfile::tempdir().unwrap();
    let first = hemicycle(directory.path(), &["init", "--preset", "uk-commons"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stdout).contains("House of Commons of the United Kingdom (650 seats)"));
    let second = hemicycle(directory.path(), &["init", "--preset", "iraq"]);
    assert!(!second.status.success());
    assert!(
        text(&second.stderr).contains("already holds 1 events"),
        "{}",
        text(&second.stderr)
    );
}

#[test]
fn init_reads_a_standing_orders_file_and_reports_its_errors() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("orders.toml"),
        "default_decision = \"ordinary\"\n[chamber]\nname = \"Town council\"\nseats = 31\n[quorum]\nrequired = { more_than = \"1/2\", of = \"seats\" }\nchecked = [\"opening\"]\nwhen_not_met = \"adjourn\"\n[voting]\ntie = \"casting_vote\"\n[decisions.ordinary]\nrequirements = [{ more_than = \"1/2\", of = \"votes_kast\" }]\n",
    )
    .unwrap();
    let output = hemicycle(
        directory.path(),
        &["init", "--standing-orders", "orders.toml"],
    );
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(message.contains("orders.toml:12"), "{message}");
    assert!(message.contains("votes_kast"), "{message}");
    std::fs::write(
        directory.path().join("orders.toml"),
        std::fs::read_to_string(directory.path().join("orders.toml"))
            .unwrap()
            .replace("votes_kast", "votes_cast"),
    )
    .unwrap();
    let output = hemicycle(
        directory.path(),
        &["init", "--standing-orders", "orders.toml"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("Town council (31 seats)"));
}

#[test]
fn missing_files_get_clear_errors() {
    let directory = tempfile::tempdir().unwrap();
    let output = hemicycle(directory.path(), &["record"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("no journal at hemicycle.db"),
        "{}",
        text(&output.stderr)
    );
    let output = hemicycle(directory.path(), &["replay", "nowhere.toml"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("reading scenario nowhere.toml"),
        "{}",
        text(&output.stderr)
    );
    let output = hemicycle(
        directory.path(),
        &["verify", "--database", "postgres://localhost/x"],
    );
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("postgres"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn record_prints_a_chosen_sitting_with_its_roll_call() {
    let directory = demo_journal();
    let output = hemicycle(
        directory.path(),
        &[
            "record",
            "--database",
            DEMO_URL,
            "--sitting",
            "2020-01-05",
            "--roll-call",
            "--chart",
            "chart.svg",
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let record = text(&output.stdout);
    assert!(record.contains("Sairoon, seat 54"), "{record}");
    assert!(record.contains("present, not voting"), "{record}");
    assert!(record.contains("boycotting"), "{record}");
    assert!(directory.path().join("chart.svg").exists());
    let output = hemicycle(
        directory.path(),
        &["record", "--database", DEMO_URL, "--sitting", "1999-01-01"],
    );
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("no sitting 1999-01-01; the sittings are: 2020-01-05"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn the_follow_up_register_shows_where_each_resolution_stands() {
    let directory = demo_journal();
    let output = hemicycle(
        directory.path(),
        &["register", "--database", DEMO_URL, "--as-of", "2020-02-01"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let register = text(&output.stdout);
    assert!(
        register.starts_with("FOLLOW-UP REGISTER (as of 2020-02-01)"),
        "{register}"
    );
    assert!(
        register.contains("NOTICE: Illustration, not a record"),
        "{register}"
    );
    assert!(
        register.contains(
            "foreign-forces — Resolution on ending the presence of foreign forces in Iraq"
        ),
        "{register}"
    );
    assert!(
        register.contains("Status: sent, awaiting response."),
        "{register}"
    );
    let output = hemicycle(
        directory.path(),
        &["register", "--database", DEMO_URL, "--as-of", "soon"],
    );
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("--as-of"),
        "{}",
        text(&output.stderr)
    );
}
