//! `hemicycle import …` and `hemicycle export …` end to end, on the real shared files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn hemicycle(directory: &Path, arguments: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_hemicycle"))
        .current_dir(directory)
        .args(arguments)
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn shared(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(file);
    assert!(
        path.exists(),
        "the shared material is missing: expected {}",
        path.display()
    );
    path.display().to_string()
}

#[test]
fn popolo_in_and_out_and_akoma_ntoso_out() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let here = directory.path();
    let iraq = shared("data/everypolitician-iraq-majlis.json");
    let (ok, _, error) = hemicycle(here, &["import", "popolo", &iraq]);
    assert!(!ok);
    assert!(error.contains("--preset"), "{error}");
    let (ok, output, error) = hemicycle(here, &["import", "popolo", &iraq, "--preset", "iraq"]);
    assert!(ok, "{error}");
    assert!(output.contains("persons: 328 read, 328 added"), "{output}");
    let (ok, output, error) = hemicycle(here, &["import", "popolo", &iraq]);
    assert!(ok, "{error}");
    assert!(output.contains("nothing new"), "{output}");
    let (ok, _, error) = hemicycle(here, &["export", "popolo", "-o", "out.json"]);
    assert!(ok, "{error}");
    let exported = std::fs::read_to_string(here.join("out.json")).expect("export written");
    assert!(
        exported.contains("عبدالھادي"),
        "Arabic names are written as they are"
    );
    let (ok, _, error) = hemicycle(here, &["verify"]);
    assert!(ok, "{error}");

    let (ok, _, error) = hemicycle(here, &["demo"]);
    assert!(ok, "{error}");
    let (ok, xml, error) = hemicycle(
        here,
        &[
            "export",
            "akn",
            "--database",
            "sqlite://hemicycle-demo.db",
            "--country",
            "iq",
        ],
    );
    assert!(ok, "{error}");
    assert!(xml.contains("<debate name=\"sitting\">"), "{xml}");
}

#[test]
fn the_senate_table_in_and_voteview_out() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let here = directory.path();
    let senate = shared("data/us-senate-2002-iraq-use-of-force.csv");
    let arguments = [
        "import",
        "senate-csv",
        &senate,
        "--date",
        "2002-10-11",
        "--question",
        "H.J.Res. 114",
        "--preset",
        "us-house",
        "--name",
        "United States Senate",
        "--seats",
        "100",
    ];
    let (ok, output, error) = hemicycle(here, &arguments);
    assert!(ok, "{error}");
    assert!(output.contains("senators: 100 read, 100 added"), "{output}");
    let (ok, _, error) = hemicycle(here, &["export", "voteview", "--dir", "out"]);
    assert!(ok, "{error}");
    let votes = std::fs::read_to_string(here.join("out/votes.csv")).expect("votes.csv");
    assert_eq!(votes.lines().count(), 101);
    let (ok, output, error) = hemicycle(
        here,
        &[
            "import",
            "voteview",
            "--members",
            "out/members.csv",
            "--votes",
            "out/votes.csv",
            "--rollcalls",
            "out/rollcalls.csv",
            "--preset",
            "us-house",
            "--database",
            "sqlite://copy.db",
        ],
    );
    assert!(ok, "{error}");
    assert!(output.contains("votes: 100 read, 100 added"), "{output}");
}
