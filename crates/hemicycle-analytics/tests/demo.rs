//! Attendance, quorum and cohesion on the demo: the sitting of 5 January 2020.

use hemicycle_analytics::attendance::{attendance, Period, Scope};
use hemicycle_analytics::cohesion::{agreement_index, cohesion, plurality, rice_index, Position};
use hemicycle_analytics::quorum::{chamber_games, sitting_quorum};
use hemicycle_analytics::AnalyticsError;
use hemicycle_core::ids::SittingId;
use hemicycle_core::State;
use hemicycle_engine::Chamber;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_scenario::{parse_scenario, DEMO_SCENARIO, DEMO_SCENARIO_NAME};

fn demo_state() -> State {
    let scenario =
        parse_scenario(DEMO_SCENARIO, DEMO_SCENARIO_NAME, &|_| Err(String::new())).unwrap();
    let mut chamber = Chamber::open(SqliteStorage::open_in_memory().unwrap()).unwrap();
    chamber.run_scenario(&scenario).unwrap();
    chamber.state().clone()
}

fn sitting() -> SittingId {
    SittingId::new("2020-01-05").unwrap()
}

#[test]
fn the_demo_quorum_had_eight_absences_to_spare_and_five_blocs_could_break_it_alone() {
    let state = demo_state();
    let report = sitting_quorum(&state, &sitting()).unwrap();
    assert_eq!(
        (report.present, report.required, report.margin),
        (172, 165, 8)
    );
    assert!(report.met);
    assert_eq!(
        report.could_break_alone,
        [
            "Sairoon (54 present)",
            "Fatah (48 present)",
            "Nasr (14 present)",
            "State of Law (25 present)",
            "Hikma (19 present)"
        ]
    );
    let mut sets = report.minimal_sets.clone();
    sets.sort();
    let expected: Vec<Vec<&str>> = vec![
        vec!["Fatah"],
        vec!["Hikma"],
        vec!["Nasr"],
        vec!["Other lists", "Minorities"],
        vec!["Other lists", "Wataniya"],
        vec!["Sairoon"],
        vec!["State of Law"],
    ];
    assert_eq!(sets, expected);
    let text = report.sentences.join(" ");
    assert!(
        text.contains("8 more absences would have broken the quorum"),
        "{text}"
    );
    assert!(text.contains("Sairoon (54 present)"), "{text}");
    assert!(
        !report.notices.is_empty(),
        "the illustration notice travels with the analysis"
    );
}

#[test]
fn the_demo_attendance_shows_the_boycotts() {
    let state = demo_state();
    let report = attendance(&state, &Scope::Sitting(sitting())).unwrap();
    assert_eq!(report.totals.present, 172);
    assert_eq!(report.totals.total(), 329);
    let kdp = report.blocs.iter().find(|bloc| bloc.name == "KDP").unwrap();
    assert_eq!(kdp.presence.boycotting, 25);
    assert_eq!(kdp.boycotts_declared, 1);
    assert_eq!(kdp.participation_rate, Some(0.0));
    let sairoon = report
        .blocs
        .iter()
        .find(|bloc| bloc.name == "Sairoon")
        .unwrap();
    assert_eq!(sairoon.presence.present, 54);
    assert_eq!(sairoon.participation_rate, Some(1.0));
    let wataniya = report
        .blocs
        .iter()
        .find(|bloc| bloc.name == "Wataniya")
        .unwrap();
    assert_eq!(
        (wataniya.presence.present, wataniya.presence.absent),
        (4, 17)
    );
    let boycotting: u32 = report
        .blocs
        .iter()
        .map(|bloc| bloc.presence.boycotting)
        .sum();
    assert_eq!(boycotting, 25 + 18 + 7 + 40);
    assert_eq!(report.members.len(), 329);
    let period = attendance(&state, &Scope::Period(Period::default())).unwrap();
    assert_eq!(period.totals, report.totals);
}

#[test]
fn a_period_with_no_sittings_and_an_unknown_sitting_are_clear_errors() {
    let state = demo_state();
    let later = Period {
        from: Some("2021-01-01".parse().unwrap()),
        to: None,
    };
    assert!(matches!(
        attendance(&state, &Scope::Period(later)),
        Err(AnalyticsError::NoSittings(_))
    ));
    assert!(matches!(
        sitting_quorum(&state, &SittingId::new("nope").unwrap()),
        Err(AnalyticsError::NoSitting(_))
    ));
    assert_eq!(
        attendance(&State::new(), &Scope::Period(Period::default())),
        Err(AnalyticsError::NoSittings(" (all sittings)".to_owned()))
    );
    assert_eq!(chamber_games(&State::new()), Err(AnalyticsError::NoChamber));
}

#[test]
fn the_demo_cohesion_is_perfect_among_voters_and_the_matrix_is_symmetric() {
    let state = demo_state();
    let report = cohesion(&state, &Scope::Period(Period::default())).unwrap();
    assert_eq!(report.divisions.len(), 1);
    let other = report
        .blocs
        .iter()
        .find(|bloc| bloc.name == "Other lists")
        .unwrap();
    // Other lists: 3 yes, 18 not voting.
    assert_eq!(other.mean_rice, Some(1.0));
    let kdp = report.blocs.iter().find(|bloc| bloc.name == "KDP").unwrap();
    assert_eq!(
        kdp.mean_rice, None,
        "a bloc with no votes has no Rice index"
    );
    assert_eq!(kdp.divisions_with_rice, 0);
    let matrix = &report.agreement;
    let fatah = matrix
        .blocs
        .iter()
        .position(|name| name == "Fatah")
        .unwrap();
    let sairoon = matrix
        .blocs
        .iter()
        .position(|name| name == "Sairoon")
        .unwrap();
    let kurdish = matrix.blocs.iter().position(|name| name == "KDP").unwrap();
    assert_eq!(matrix.shares[fatah][sairoon], Some(1.0));
    assert_eq!(matrix.shares[fatah][kurdish], None);
    for a in 0..matrix.blocs.len() {
        for b in 0..matrix.blocs.len() {
            assert_eq!(matrix.shares[a][b], matrix.shares[b][a]);
        }
    }
    assert!(report
        .members
        .iter()
        .all(|member| member.loyalty == Some(1.0)));
    assert_eq!(report.members.len(), 170);
}

#[test]
fn the_indices_on_hand_computed_cases() {
    assert_eq!(rice_index(10, 0), Some(1.0));
    assert_eq!(rice_index(5, 5), Some(0.0));
    assert_eq!(rice_index(3, 1), Some(0.5));
    assert_eq!(rice_index(0, 0), None);
    assert_eq!(agreement_index(10, 0, 0), Some(1.0));
    assert_eq!(agreement_index(0, 0, 0), None);
    // An even three-way split is 0: (3·2 − 6) / 12.
    assert_eq!(agreement_index(2, 2, 2), Some(0.0));
    // (3·6 − 10) / 20 = 0.4.
    assert_eq!(agreement_index(6, 3, 1), Some(0.4));
    assert_eq!(
        agreement_index(1, 0, 0),
        Some(1.0),
        "a bloc of one is united"
    );
    assert_eq!(plurality(3, 3, 1), None);
    assert_eq!(plurality(0, 0, 0), None);
    assert_eq!(plurality(1, 3, 3), None);
    assert_eq!(plurality(1, 3, 2), Some(Position::No));
}

#[test]
fn the_demo_chamber_games_name_the_coalitions_that_can_deny_the_quorum() {
    let state = demo_state();
    let games = chamber_games(&state).unwrap();
    assert_eq!((games.members, games.quorum_required), (329, 165));
    let denial = games.quorum_denial.as_ref().unwrap();
    assert_eq!(denial.quota, 329 - 165 + 1);
    let total: f64 = denial.power.shapley_shubik.iter().sum();
    assert!((total - 1.0).abs() < 1e-12);
    assert!(denial
        .minimal_coalitions
        .iter()
        .all(|coalition| coalition.len() >= 3));
    let majority = games.majority.as_ref().unwrap();
    assert_eq!(
        majority.quota, 165,
        "simple majority of 329 members present"
    );
    // Sairoon, the largest bloc, has the most power in both games.
    let sairoon = majority
        .blocs
        .iter()
        .position(|name| name == "Sairoon")
        .unwrap();
    let largest = majority
        .power
        .banzhaf_normalised
        .iter()
        .cloned()
        .fold(0.0, f64::max);
    assert_eq!(majority.power.banzhaf_normalised[sairoon], largest);
}
