//! Every scenario shipped in `scenarios/` replays through the command line into a fresh
//! journal, prints the record kept in its snapshot, and leaves a journal that verifies.
//! The real decisions are also checked fact by fact against their published numbers, so
//! a changed snapshot cannot quietly change a verdict.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

const DATABASE: &str = "sqlite://journal.db";

fn hemicycle<I, S>(directory: &Path, arguments: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_hemicycle"))
        .args(arguments)
        .current_dir(directory)
        .output()
        .expect("run hemicycle")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("hemicycle prints UTF-8")
}

fn scenarios_directory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// The scenario files, by name without `.toml`, in order.
fn scenario_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(scenarios_directory())
        .expect("read scenarios/")
        .map(|entry| entry.expect("read scenarios/").path())
        .filter(|path| path.extension() == Some(OsStr::new("toml")))
        .map(|path| {
            path.file_stem()
                .and_then(OsStr::to_str)
                .expect("a scenario file name in UTF-8")
                .to_owned()
        })
        .collect();
    names.sort();
    names
}

/// Checks that the journal in `directory` verifies.
fn assert_verifies(directory: &Path) {
    let output = hemicycle(directory, ["verify", "--database", DATABASE]);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "verify failed: {}{stdout}",
        text(&output.stderr)
    );
    assert!(stdout.starts_with("journal intact: "), "{stdout}");
    assert!(
        stdout.contains("Every event replays against the standing orders."),
        "{stdout}"
    );
}

/// Replays `scenarios/NAME.toml` into a new journal in a temporary directory, checks that
/// the journal verifies, and returns the printed record.
fn replay(name: &str) -> String {
    let directory: TempDir = tempfile::tempdir().expect("a temporary directory");
    let scenario = scenarios_directory().join(format!("{name}.toml"));
    let output = hemicycle(
        directory.path(),
        [
            OsStr::new("replay"),
            scenario.as_os_str(),
            OsStr::new("--database"),
            OsStr::new(DATABASE),
        ],
    );
    assert!(
        output.status.success(),
        "replay of {name} failed: {}",
        text(&output.stderr)
    );
    assert!(
        directory.path().join("journal.db").exists(),
        "replay of {name} wrote no journal"
    );
    assert_verifies(directory.path());
    text(&output.stdout)
}

/// The part of a record about one division: from its opening line to the explanation
/// printed after it closed.
fn division<'a>(record: &'a str, id: &str) -> &'a str {
    let opened = format!("Division {id} (");
    let closed = format!("Division {id} closed.");
    let start = record
        .find(&opened)
        .unwrap_or_else(|| panic!("no division {id} in the record:\n{record}"));
    let close = start
        + record[start..]
            .find(&closed)
            .unwrap_or_else(|| panic!("division {id} never closed:\n{record}"));
    // The closing line, then the explanation on the next line.
    let mut end = close;
    for _ in 0..2 {
        end += record[end..]
            .find('\n')
            .map_or(record.len() - end, |at| at + 1);
    }
    &record[start..end]
}

/// `text` with every run of whitespace made one space, to read table rows.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected to find\n  {needle}\nin\n{haystack}"
    );
}

#[test]
fn every_scenario_replays_verifies_and_matches_its_snapshot() {
    let names = scenario_names();
    for expected in [
        "iraq-2020-01-05",
        "iraq-2018-10-02-president",
        "uk-commons-2019-04-03",
        "us-house-2002-10-10",
        "european-parliament-2014-11-27",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "scenarios/{expected}.toml is missing; found {names:?}"
        );
    }
    for name in &names {
        let record = replay(name);
        assert!(
            record.contains("(This record carries the notice printed at its head.)"),
            "scenario {name} prints no notice saying what is illustrative"
        );
        insta::assert_snapshot!(name.as_str(), record);
    }
}

#[test]
fn iraq_2020_01_05_quorum_and_resolution() {
    let record = replay("iraq-2020-01-05");
    assert_contains(
        &record,
        "172 present, 165 required (absolute majority of 329) — met with 7 to spare",
    );
    let vote = division(&record, "foreign-forces-vote");
    assert_contains(vote, "Tally: 170 in favour, 0 against, 0 abstaining; 170 taking part; 2 present not taking part; 157 absent.");
    assert_contains(vote, "Result: ADOPTED.");
    assert_contains(
        vote,
        "170 in favour of 172 present, 87 required (simple majority of members present) — adopted",
    );
}

#[test]
fn iraq_2018_president_first_round_goes_to_a_run_off() {
    let record = replay("iraq-2018-10-02-president");
    let first = division(&record, "president-round-1");
    assert_contains(first, "(secret ballot)");
    for count in [
        "salih 165",
        "hussein 90",
        "abdulwahid 18",
        "30 abstaining or blank",
        "303 taking part",
    ] {
        assert_contains(first, count);
    }
    assert_contains(
        first,
        "Result: NO CANDIDATE ELECTED; RUN-OFF BETWEEN SALIH AND HUSSEIN.",
    );
    assert_contains(
        first,
        "Majority: 165 for salih of 329 seats, 220 required (two thirds of all 329 seats) — no candidate elected; run-off between salih and hussein.",
    );
}

#[test]
fn iraq_2018_president_run_off_elects_salih() {
    let record = replay("iraq-2018-10-02-president");
    let runoff = division(&record, "president-runoff");
    assert_contains(runoff, "(secret ballot)");
    for count in [
        "salih 219",
        "hussein 22",
        "31 abstaining or blank",
        "272 taking part",
    ] {
        assert_contains(runoff, count);
    }
    assert!(!runoff.contains("abdulwahid"), "{runoff}");
    assert_contains(runoff, "Result: SALIH ELECTED.");
    assert_contains(runoff, "Result (most votes in the run-off): salih elected.");
}

#[test]
fn uk_commons_2019_04_03_benn_amendment_tie_and_casting_vote() {
    let record = replay("uk-commons-2019-04-03");
    let benn = division(&record, "benn-amendment-division");
    assert_contains(
        benn,
        "Tally: 310 in favour, 310 against, 0 abstaining; 620 taking part;",
    );
    assert_contains(benn, "Result: REJECTED.");
    assert_contains(
        benn,
        "Tie: 310 for, 310 against; the presiding officer gave a casting vote against — rejected.",
    );
}

#[test]
fn uk_commons_2019_04_03_third_reading_carried_by_one() {
    let record = replay("uk-commons-2019-04-03");
    let third_reading = division(&record, "withdrawal-no5-third-reading");
    assert_contains(
        third_reading,
        "Tally: 313 in favour, 312 against, 0 abstaining; 625 taking part;",
    );
    assert_contains(third_reading, "Result: ADOPTED.");
    assert_contains(
        third_reading,
        "Majority: 313 in favour of 625 votes cast, 313 required (majority of votes cast) — adopted.",
    );
}

#[test]
fn us_house_2002_10_10_roll_call_455() {
    let record = replay("us-house-2002-10-10");
    assert_contains(&record, "ATTENDANCE (435 seats, 432 members)");
    assert_contains(&record, "Vacant seats: 3");
    let vote = division(&record, "roll-call-455");
    assert_contains(
        vote,
        "Tally: 296 in favour, 133 against, 0 abstaining; 429 taking part; 0 present not taking part; 3 absent.",
    );
    assert_contains(vote, "Result: ADOPTED.");
    assert_contains(
        vote,
        "Majority: 296 in favour of 429 votes cast, 215 required (majority of votes cast) — adopted.",
    );
    // The party split as published: yes, no, abstain, not voting, absent.
    let rows = squeezed(vote);
    for row in [
        "Republicans 215 6 0 0 2",
        "Democrats 81 126 0 0 1",
        "Independent 0 1 0 0 0",
    ] {
        assert_contains(&rows, row);
    }
}

#[test]
fn european_parliament_2014_11_27_censure_rejected() {
    let record = replay("european-parliament-2014-11-27");
    assert_contains(&record, "ATTENDANCE (751 seats, 751 members)");
    let vote = division(&record, "censure-vote");
    assert_contains(
        vote,
        "Tally: 101 in favour, 461 against, 88 abstaining; 650 taking part;",
    );
    assert_contains(vote, "Result: REJECTED.");
    assert_contains(
        vote,
        "Requirement 1 of 2: 101 in favour of 562 votes cast, 375 required (two thirds of votes cast) — not met.",
    );
    assert_contains(
        vote,
        "Requirement 2 of 2: 101 in favour of 751 members, 376 required (majority of the component Members) — not met.",
    );
}

#[test]
fn demo_prints_the_record_and_writes_its_chart_and_journal() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let output = hemicycle(directory.path(), ["demo"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let record = text(&output.stdout);
    assert_contains(&record, "COUNCIL OF REPRESENTATIVES OF IRAQ");
    assert_contains(
        &record,
        "172 present, 165 required (absolute majority of 329) — met with 7 to spare",
    );
    assert_contains(
        &record,
        "170 in favour of 172 present, 87 required (simple majority of members present) — adopted",
    );
    // The demo is the 5 January 2020 scenario: the same record as replaying the file.
    assert_eq!(record, replay("iraq-2020-01-05"));

    let chart = fs::read_to_string(directory.path().join("hemicycle-demo.svg"))
        .expect("the demo writes hemicycle-demo.svg");
    assert_eq!(chart.matches("<circle class=\"seat").count(), 329);
    assert!(directory.path().join("hemicycle-demo.db").exists());
    let output = hemicycle(
        directory.path(),
        ["verify", "--database", "sqlite://hemicycle-demo.db"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
}
