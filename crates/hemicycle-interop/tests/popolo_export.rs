//! The Popolo export validates against the official Popolo schemas (draft-03), with a
//! real validator (Python's jsonschema), for every scenario of the repository.

mod common;

use hemicycle_interop::popolo::export_popolo;

#[test]
fn every_scenario_exports_valid_popolo() {
    for scenario in common::SCENARIOS {
        let state = common::scenario_chamber(scenario).state().clone();
        let bytes = export_popolo(&state).expect("export");
        let (valid, output) = common::validate_popolo(&bytes);
        assert!(valid, "{scenario}: {output}");
        assert!(output.contains(" 0 errors"), "{scenario}: {output}");
    }
}

#[test]
fn the_validator_catches_an_invalid_document() {
    // A count whose value is text, and a person whose birth date is not a date: the
    // test is only worth something if the validator refuses these.
    let invalid = br#"{"persons":[{"id":"x","name":"X","birth_date":"19 May"}],
        "vote_events":[{"id":"v","counts":[{"option":"yes","value":"three"}]}]}"#;
    let (valid, output) = common::validate_popolo(invalid);
    assert!(!valid, "{output}");
    assert!(output.contains("persons[0].birth_date"), "{output}");
    assert!(
        output.contains("vote_events[0].counts[0].value"),
        "{output}"
    );
}

#[test]
fn the_demo_export_holds_the_roster_and_the_division() {
    let state = common::demo_state();
    let bytes = export_popolo(&state).expect("export");
    let document: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let persons = document["persons"].as_array().expect("persons");
    assert_eq!(persons.len(), state.members.len());
    let organizations = document["organizations"].as_array().expect("organizations");
    assert_eq!(organizations[0]["classification"], "legislature");
    assert_eq!(organizations[0]["seats"], 329);
    let vote_event = &document["vote_events"][0];
    assert_eq!(vote_event["result"], "pass");
    let votes = vote_event["votes"].as_array().expect("votes");
    assert_eq!(votes.len(), state.sitting_members().count());
    let yes = vote_event["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .find(|count| count["option"] == "yes" && count.get("group_id").is_none())
        .expect("a yes count");
    let division = state.divisions.values().next().expect("a division");
    assert_eq!(yes["value"], division.tally().yes);
    assert!(!vote_event["group_results"]
        .as_array()
        .expect("groups")
        .is_empty());
}
