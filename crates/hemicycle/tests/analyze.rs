//! `hemicycle analyze …` end to end: on the demo journal, on a weighted game, and on
//! the Supreme Court vote matrix.

use std::path::{Path, PathBuf};
use std::process::Command;

fn hemicycle(directory: &Path, arguments: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_hemicycle"))
        .args(arguments)
        .current_dir(directory)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn demo_journal() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let (ok, _, error) = hemicycle(directory.path(), &["demo", "-o", "record.txt"]);
    assert!(ok, "{error}");
    directory
}

const DEMO: &str = "--database=sqlite://hemicycle-demo.db";

#[test]
fn quorum_says_in_words_how_close_the_demo_came() {
    let directory = demo_journal();
    let (ok, text, error) = hemicycle(
        directory.path(),
        &[
            "analyze",
            "quorum",
            DEMO,
            "--svg",
            "power.svg",
            "--png",
            "power.png",
        ],
    );
    assert!(ok, "{error}");
    assert!(
        text.contains("8 more absences would have broken the quorum."),
        "{text}"
    );
    assert!(
        text.contains("Sairoon (54 present), Fatah (48 present)"),
        "{text}"
    );
    assert!(
        text.contains("NOTICE: Illustration, not a record"),
        "{text}"
    );
    assert!(directory.path().join("power.svg").exists());
    assert!(std::fs::read(directory.path().join("power.png"))
        .unwrap()
        .starts_with(b"\x89PNG"));
    let (ok, json, _) = hemicycle(directory.path(), &["analyze", "quorum", DEMO, "--json"]);
    assert!(ok);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["sitting"]["margin"], 8);
}

#[test]
fn attendance_and_cohesion_print_tables_and_draw_pictures() {
    let directory = demo_journal();
    let (ok, text, error) = hemicycle(
        directory.path(),
        &["analyze", "attendance", DEMO, "--svg", "attendance.svg"],
    );
    assert!(ok, "{error}");
    assert!(text.contains("KDP"), "{text}");
    let svg = std::fs::read_to_string(directory.path().join("attendance.svg")).unwrap();
    assert_eq!(svg.matches("<circle").count(), 329);
    let (ok, text, error) = hemicycle(
        directory.path(),
        &[
            "analyze",
            "cohesion",
            DEMO,
            "--members",
            "--svg",
            "cohesion.svg",
            "--matrix-svg",
            "matrix.svg",
        ],
    );
    assert!(ok, "{error}");
    assert!(text.contains("Agreement matrix"), "{text}");
    assert!(directory.path().join("matrix.svg").exists());
    let (ok, json, _) = hemicycle(directory.path(), &["analyze", "attendance", DEMO, "--json"]);
    assert!(ok);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["totals"]["present"], 172);
}

#[test]
fn power_of_the_textbook_game_and_refusals() {
    let directory = tempfile::tempdir().unwrap();
    let (ok, text, error) = hemicycle(
        directory.path(),
        &[
            "analyze",
            "power",
            "--quota",
            "6",
            "--weights",
            "4,3,2,1",
            "--names",
            "A,B,C,D",
        ],
    );
    assert!(ok, "{error}");
    assert!(text.contains("5/12"), "{text}");
    assert!(text.contains("0.416666666667"), "{text}");
    let (ok, json, _) = hemicycle(
        directory.path(),
        &[
            "analyze",
            "power",
            "--quota",
            "6",
            "--weights",
            "4,3,2,1",
            "--json",
            "--method",
            "fast",
        ],
    );
    assert!(ok);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let shapley = value["indices"]["shapley_shubik"][0].as_f64().unwrap();
    assert!((shapley - 5.0 / 12.0).abs() < 1e-12);
    let (ok, _, error) = hemicycle(
        directory.path(),
        &["analyze", "power", "--quota", "11", "--weights", "4,3,2,1"],
    );
    assert!(!ok);
    assert!(error.contains("nobody can win"), "{error}");
    let (ok, _, error) = hemicycle(directory.path(), &["analyze", "quorum"]);
    assert!(!ok);
    assert!(error.contains("no journal"), "{error}");
}

#[test]
fn ideal_points_of_the_supreme_court_file() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/us-supreme-court-2000-term.csv");
    assert!(
        file.exists(),
        "the shared data file {} is needed by this test",
        file.display()
    );
    let directory = tempfile::tempdir().unwrap();
    let file = file.to_string_lossy().into_owned();
    let (ok, text, error) = hemicycle(
        directory.path(),
        &[
            "analyze",
            "ideal-points",
            &file,
            "--reference",
            "Scalia",
            "--svg",
            "points.svg",
        ],
    );
    assert!(ok, "{error}");
    assert!(text.contains("Converged"), "{text}");
    // The table is sorted by position: the liberal justices first, Scalia on the positive side.
    let order: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| {
            [
                "Stevens",
                "Ginsburg",
                "Souter",
                "Breyer",
                "Scalia",
                "Thomas",
                "Rehnquist",
            ]
            .contains(name)
        })
        .collect();
    let last_liberal = order
        .iter()
        .rposition(|name| ["Stevens", "Ginsburg", "Souter", "Breyer"].contains(name))
        .unwrap();
    let first_conservative = order
        .iter()
        .position(|name| ["Scalia", "Thomas", "Rehnquist"].contains(name))
        .unwrap();
    assert!(last_liberal < first_conservative, "{order:?}");
    assert!(directory.path().join("points.svg").exists());
}

#[test]
fn cohesion_and_ideal_points_of_an_imported_senate_roll_call() {
    let directory = tempfile::tempdir().unwrap();
    let here = directory.path();
    let senate = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/us-senate-2002-iraq-use-of-force.csv");
    assert!(senate.exists(), "missing {}", senate.display());
    let senate = senate.display().to_string();
    let (ok, _, error) = hemicycle(
        here,
        &[
            "import",
            "senate-csv",
            &senate,
            "--date",
            "2002-10-11",
            "--question",
            "H.J.Res. 114",
            "--preset",
            "us-house",
            "--seats",
            "100",
        ],
    );
    assert!(ok, "{error}");
    // The journal holds no sittings, only the imported division: it is measured.
    let (ok, json, error) = hemicycle(here, &["analyze", "cohesion", "--json"]);
    assert!(ok, "{error}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["divisions"].as_array().unwrap().len(), 1);
    let blocs = value["divisions"][0]["blocs"].as_array().unwrap();
    let split = |label: &str| {
        let votes = &blocs
            .iter()
            .find(|bloc| bloc[0] == label)
            .unwrap_or_else(|| panic!("no {label} in {blocs:?}"))[1];
        (votes["yes"].clone(), votes["no"].clone())
    };
    assert_eq!(split("R"), (48.into(), 1.into()));
    assert_eq!(split("D"), (29.into(), 21.into()));
    assert_eq!(split("I"), (0.into(), 1.into()));
    let (ok, text, error) = hemicycle(here, &["analyze", "ideal-points", "--json"]);
    assert!(ok, "{error}");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let members = value["members"].as_array().unwrap();
    assert_eq!(members.len(), 100);
    let jeffords = members
        .iter()
        .find(|member| member["member"] == "jeffords-vt")
        .unwrap_or_else(|| panic!("no Jeffords in {members:?}"));
    assert_eq!(jeffords["group"], "I");
    assert_eq!(jeffords["votes"], 1);
}
