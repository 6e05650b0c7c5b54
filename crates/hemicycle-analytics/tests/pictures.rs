//! Pictures: every kind is drawn, escapes its text, and converts to PNG.

use hemicycle_analytics::attendance::{Period, Scope};
use hemicycle_analytics::cohesion::cohesion;
use hemicycle_analytics::ideal_points::{ideal_points, simulate, IdealPointOptions};
use hemicycle_analytics::picture::{attendance_hemicycle, bars, heatmap, strip_plot, to_png, Bar};
use hemicycle_engine::Chamber;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_scenario::{parse_scenario, DEMO_SCENARIO, DEMO_SCENARIO_NAME};

fn demo_state() -> hemicycle_core::State {
    let scenario =
        parse_scenario(DEMO_SCENARIO, DEMO_SCENARIO_NAME, &|_| Err(String::new())).unwrap();
    let mut chamber = Chamber::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    chamber.run_scenario(&scenario).unwrap();
    chamber.state().clone()
}

#[test]
fn the_attendance_hemicycle_draws_every_seat_by_presence() {
    let state = demo_state();
    let sitting = state.sittings.values().next().unwrap();
    let svg = attendance_hemicycle(&state, sitting).unwrap();
    assert_eq!(svg.matches("<circle").count(), 329);
    assert!(svg.contains("KDP — 25 seats: 0 present, 0 excused, 25 boycotting, 0 absent"));
    assert!(svg.contains("Wataniya — 21 seats: 4 present, 0 excused, 0 boycotting, 17 absent"));
    assert!(svg.contains("Illustration, not a record"));
    let png = to_png(&svg).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn bars_heatmap_and_strip_plot_are_drawn_and_escaped() {
    let svg = bars(
        "Power <&>",
        "test",
        &[
            Bar {
                label: "A \"quoted\" bloc".into(),
                value: Some(0.5),
                colour: None,
            },
            Bar {
                label: "Nothing".into(),
                value: None,
                colour: Some("not a colour".into()),
            },
            Bar {
                label: "Too much".into(),
                value: Some(f64::NAN),
                colour: None,
            },
        ],
    )
    .unwrap();
    assert!(svg.contains("Power &lt;&amp;&gt;"));
    assert!(svg.contains("A &quot;quoted&quot; bloc"));
    assert_eq!(
        svg.matches("n/a").count(),
        2,
        "no value and NaN both say n/a"
    );
    assert!(!svg.contains("NaN"));
    assert_eq!(&to_png(&svg).unwrap()[..4], b"\x89PNG");

    let state = demo_state();
    let report = cohesion(&state, &Scope::Period(Period::default())).unwrap();
    let matrix = heatmap(
        "Agreement",
        "",
        &report.agreement.blocs,
        &report.agreement.shares,
    )
    .unwrap();
    let cells = report.agreement.blocs.len().pow(2);
    assert_eq!(matrix.matches("<rect x=").count(), cells);
    assert!(matrix.contains(">100<") && matrix.contains(">–<"));
    assert_eq!(&to_png(&matrix).unwrap()[..4], b"\x89PNG");

    let (votes, _) = simulate(20, 40, 0.0, 3).unwrap();
    let points = ideal_points(&votes, &IdealPointOptions::default()).unwrap();
    let strip = strip_plot(
        "Ideal points",
        &points,
        &[("group-0".into(), "#ff0000".into())],
    )
    .unwrap();
    assert_eq!(strip.matches("<circle").count(), 20);
    assert!(strip.contains("fill=\"#ff0000\""));
    assert_eq!(&to_png(&strip).unwrap()[..4], b"\x89PNG");
}
