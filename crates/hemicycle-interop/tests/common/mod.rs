//! Shared by the integration tests: where `../shared` is, and chambers to export.

#![allow(dead_code)]

use std::path::PathBuf;

use hemicycle_core::State;
use hemicycle_engine::Chamber;
use hemicycle_journal::Storage;

/// The project's `../shared` folder; fails clearly when it is absent.
pub fn shared() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        path.is_dir(),
        "the shared material is missing: expected a folder at {} (../shared beside the project)",
        path.display()
    );
    path
}

/// A chamber with nothing in it, in memory.
pub fn empty_chamber() -> Chamber<Box<dyn Storage>> {
    Chamber::open(hemicycle_journal::open("sqlite::memory:").expect("in-memory journal"))
        .expect("empty journal opens")
}

/// The chamber after running a scenario of the repository's `scenarios/` folder.
pub fn scenario_chamber(file: &str) -> Chamber<Box<dyn Storage>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(file);
    let source = std::fs::read_to_string(&path).expect("scenario readable");
    let scenario = hemicycle_scenario::parse_scenario(&source, file, &|name| {
        Err(format!("no file {name} in tests"))
    })
    .expect("scenario parses");
    let mut chamber = empty_chamber();
    chamber.run_scenario(&scenario).expect("scenario runs");
    chamber
}

pub fn demo_state() -> State {
    scenario_chamber("iraq-2020-01-05.toml").state().clone()
}

pub const SCENARIOS: [&str; 5] = [
    "iraq-2020-01-05.toml",
    "iraq-2018-10-02-president.toml",
    "uk-commons-2019-04-03.toml",
    "us-house-2002-10-10.toml",
    "european-parliament-2014-11-27.toml",
];

/// Runs the Popolo schema validator script on `bytes`; returns its success and output.
pub fn validate_popolo(bytes: &[u8]) -> (bool, String) {
    let directory = tempfile::tempdir().expect("temporary directory");
    let document = directory.path().join("export.json");
    std::fs::write(&document, bytes).expect("write export");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/validate_popolo.py");
    let schemas = shared().join("standards/popolo/schemas");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .arg(&schemas)
        .arg(&document)
        .output()
        .expect("python3 runs (with the jsonschema package: pip install jsonschema)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Runs xmllint with the Akoma Ntoso schema on `bytes`; returns its success and output.
pub fn validate_akoma_ntoso(bytes: &[u8]) -> (bool, String) {
    let directory = tempfile::tempdir().expect("temporary directory");
    let document = directory.path().join("sitting.xml");
    std::fs::write(&document, bytes).expect("write export");
    let schema = shared().join("standards/akoma-ntoso/akomantoso30.xsd");
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&document)
        .output()
        .expect("xmllint runs (Debian package libxml2-utils)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}
