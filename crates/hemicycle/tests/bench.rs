//! `hemicycle bench` end to end, small: it starts its own server (this binary as a
//! child `hemicycle serve`), runs every phase, and reports in JSON.

use std::process::Command;

use serde_json::Value;

fn hemicycle_bench(arguments: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hemicycle"))
        .arg("bench")
        .args(arguments)
        .output()
        .expect("run hemicycle bench")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_small_chamber_votes_and_every_viewer_sees_the_outcome() {
    let output = hemicycle_bench(&[
        "--members",
        "200",
        "--viewers",
        "50",
        "--concurrency",
        "32",
        "--time-limit-s",
        "120",
        "--json",
    ]);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(
        output.status.success(),
        "hemicycle bench failed ({}):\n{stderr}\n{stdout}",
        output.status
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("the report is not JSON ({error}):\n{stdout}"));

    assert_eq!(report["error_total"], 0, "{report:#}");
    assert_eq!(report["errors"], serde_json::json!({}), "{report:#}");
    assert_eq!(report["aborted"], Value::Null, "{report:#}");

    // Every member's ballot was acknowledged, and the server recorded each.
    assert_eq!(report["members"], 200);
    assert_eq!(report["ballots"]["acknowledged"], 200, "{report:#}");
    assert_eq!(report["ballots"]["recorded_by_server"], 200, "{report:#}");
    assert!(
        report["ballots"]["per_second"].as_f64().unwrap() > 0.0,
        "{report:#}"
    );
    let latency = &report["ballots"]["latency"];
    assert_eq!(latency["samples"], 200, "{report:#}");
    let percentiles: Vec<f64> = ["p50_ms", "p90_ms", "p99_ms", "max_ms"]
        .iter()
        .map(|name| latency[name].as_f64().expect("a percentile"))
        .collect();
    assert!(
        percentiles.windows(2).all(|pair| pair[0] <= pair[1]),
        "percentiles in order: {percentiles:?}"
    );

    // Six in ten vote yes: adopted, as the server records and every viewer sees.
    assert_eq!(report["outcome"]["verdict"], "adopted", "{report:#}");
    assert_eq!(report["viewers"]["requested"], 50);
    assert_eq!(report["viewers"]["connected"], 50, "{report:#}");
    assert_eq!(report["viewers"]["saw_outcome"], 50, "{report:#}");
    assert_eq!(report["outcome"]["viewers_saw_outcome"], 50, "{report:#}");
    assert_eq!(report["outcome"]["delay"]["samples"], 50, "{report:#}");

    // Each phase got through all its requests.
    let phases = report["phases"].as_array().expect("phases");
    for name in [
        "admit members",
        "issue member logins",
        "sign in members",
        "members check in",
        "vote",
    ] {
        let phase = phases
            .iter()
            .find(|phase| phase["name"] == name)
            .unwrap_or_else(|| panic!("no phase {name}: {report:#}"));
        assert_eq!(phase["requests"], 200, "{name}");
        assert_eq!(phase["succeeded"], 200, "{name}");
    }

    // The server ran as a separate process and was measured.
    let server = &report["server"];
    assert!(server["pid"].as_u64().unwrap() > 0, "{report:#}");
    assert!(server["cpu_seconds"].as_f64().unwrap() > 0.0, "{report:#}");
    assert!(
        server["peak_memory_kib"].as_u64().unwrap() > 1024,
        "{report:#}"
    );
    assert_ne!(
        server["pid"].as_u64(),
        Some(u64::from(std::process::id())),
        "the server is not the test"
    );
}

#[test]
fn a_server_that_is_not_on_this_machine_is_refused() {
    let output = hemicycle_bench(&[
        "--server",
        "http://192.0.2.10:8080",
        "--clerk",
        "clerk",
        "--clerk-password",
        "clerk-password-long",
        "--officer",
        "speaker",
        "--officer-password",
        "speaker-password-long",
    ]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("192.0.2.10 is not a loopback address"),
        "{stderr}"
    );
}

#[test]
fn a_server_needs_staff_credentials_and_limits_are_checked() {
    let output = hemicycle_bench(&["--server", "http://127.0.0.1:9"]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("--server needs --clerk"), "{stderr}");

    let output = hemicycle_bench(&["--members", "0"]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("--members: 0 is not between 1"), "{stderr}");
}
