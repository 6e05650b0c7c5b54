//! The Akoma Ntoso export of every sitting of every scenario validates against the
//! OASIS Akoma Ntoso 3.0 schema with xmllint.

mod common;

use hemicycle_interop::akn::{export_sitting, AknOptions};

#[test]
fn every_sitting_of_every_scenario_validates() {
    for scenario in common::SCENARIOS {
        let chamber = common::scenario_chamber(scenario);
        let state = chamber.state();
        assert!(!state.sittings.is_empty(), "{scenario} has a sitting");
        for sitting in state.sittings.values() {
            let bytes = export_sitting(state, sitting, &AknOptions::default()).expect("export");
            let (valid, output) = common::validate_akoma_ntoso(&bytes);
            assert!(valid, "{scenario}, sitting {}: {output}", sitting.id);
        }
    }
}

#[test]
fn xmllint_catches_a_misplaced_vote() {
    // A <voting> in the debate body instead of meta/analysis/parliamentary: the test is
    // only worth something if the schema check refuses it.
    let state = common::demo_state();
    let sitting = state.sittings.values().next().expect("a sitting");
    let bytes = export_sitting(&state, sitting, &AknOptions::default()).expect("export");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let broken = text.replacen(
        "<rollCall eId=\"rollCall\">",
        "<voting eId=\"misplaced\"/><rollCall eId=\"rollCall\">",
        1,
    );
    let (valid, output) = common::validate_akoma_ntoso(broken.as_bytes());
    assert!(!valid, "{output}");
}

#[test]
fn the_demo_sitting_record_holds_what_the_issue_lists() {
    let state = common::demo_state();
    let sitting = state.sittings.values().next().expect("a sitting");
    let options = AknOptions {
        country: "iq".into(),
        language: "eng".into(),
    };
    let text = String::from_utf8(export_sitting(&state, sitting, &options).expect("export"))
        .expect("UTF-8");
    for expected in [
        "<FRBRthis value=\"/akn/iq/debate/2020-01-05/",
        "<quorumVerification eId=\"quorum_1\" outcome=\"#met\">",
        "<voting eId=\"voting_",
        "<count value=\"170\" refersTo=\"#yes\"/>",
        "<TLCPerson eId=\"member-",
        "<TLCOrganization eId=\"bloc-sairoon\"",
        "<rollCall eId=\"rollCall\">",
        "<debateSection eId=\"dbsect_1\" name=\"agendaItem\">",
        "<communication eId=\"communication_",
        "<question eId=\"dvs_",
        "<vote by=\"#member-",
        "choice=\"#yes\"",
        "<outcome refersTo=\"#adopted\">Adopted</outcome>",
        "سائرون",
    ] {
        assert!(text.contains(expected), "missing {expected}");
    }
    let votes = text.matches("<vote by=").count();
    let division = state.divisions.values().next().expect("a division");
    assert_eq!(votes, division.ballots.len());
}
