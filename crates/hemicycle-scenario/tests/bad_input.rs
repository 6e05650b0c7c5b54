//! A malformed scenario is refused with the file, the line and the field at fault.

use hemicycle_scenario::{parse_scenario, FormatError, DEMO_SCENARIO, DEMO_SCENARIO_NAME};

const HEAD: &str = r#"[scenario]
title = "Test"

[chamber]
standing_orders = "iraq"
established = 2020-01-01T10:00:00+03:00
since = 2020-01-01

[[bloc]]
id = "a"
name = "A"
kind = "party"
seats = 3
"#;

fn parse(source: &str) -> Result<hemicycle_scenario::Scenario, FormatError> {
    parse_scenario(source, "test.toml", &|name| {
        Err(format!("cannot read {name}"))
    })
}

fn error_of(steps: &str) -> FormatError {
    parse(&format!("{HEAD}{steps}")).expect_err("should be refused")
}

fn line_of(needle: &str, steps: &str) -> usize {
    let source = format!("{HEAD}{steps}");
    source
        .lines()
        .position(|line| line.contains(needle))
        .expect("needle present")
        + 1
}

#[test]
fn the_demo_scenario_parses() {
    let scenario =
        parse_scenario(DEMO_SCENARIO, DEMO_SCENARIO_NAME, &|_| Err(String::new())).unwrap();
    assert_eq!(scenario.chamber.seats, 329);
    assert!(scenario
        .notice
        .as_deref()
        .unwrap()
        .starts_with("Illustration, not a record"));
}

#[test]
fn an_unknown_action_names_its_step_and_line() {
    let steps = "\n[[step]]\nat = 2020-01-05T10:00:00+03:00\ndo = \"dance\"\nsitting = \"s\"\n";
    let error = error_of(steps);
    assert_eq!(error.line, Some(line_of("[[step]]", steps)), "{error}");
    assert_eq!(error.field.as_deref(), Some("step[1] (do = \"dance\")"));
    assert!(error.message.contains("unknown variant `dance`"), "{error}");
    assert!(error.to_string().starts_with("test.toml:"), "{error}");
}

#[test]
fn a_missing_action_is_named() {
    let error = error_of("\n[[step]]\nat = 2020-01-05T10:00:00+03:00\nsitting = \"s\"\n");
    assert_eq!(error.field.as_deref(), Some("step[1].do"));
    assert!(error.message.contains("needs `do"), "{error}");
}

#[test]
fn an_unknown_field_in_a_step_is_refused() {
    let error = error_of("\n[[step]]\nat = 2020-01-05T10:00:00+03:00\ndo = \"close_sitting\"\nsitting = \"s\"\nreasn = \"typo\"\n");
    assert!(error.message.contains("unknown field `reasn`"), "{error}");
}

#[test]
fn a_bad_selector_says_how_to_write_one() {
    let steps = "\n[[step]]\nat = 2020-01-05T10:00:00+03:00\ndo = \"check_in\"\nsitting = \"s\"\nmembers = [\"party:a\"]\n";
    let error = error_of(steps);
    assert!(error.message.contains("selector \"party:a\""), "{error}");
    assert!(
        error
            .message
            .contains("member:ID, bloc:ID or bloc:ID:COUNT"),
        "{error}"
    );
}

#[test]
fn time_cannot_go_backwards() {
    let steps = "\n[[step]]\nat = 2020-01-05T10:00:00+03:00\ndo = \"check_quorum\"\nsitting = \"s\"\n\n[[step]]\nat = 2020-01-05T09:00:00+03:00\ndo = \"check_quorum\"\nsitting = \"s\"\n";
    let error = error_of(steps);
    assert_eq!(error.field.as_deref(), Some("step[2].at"));
    assert!(
        error.message.contains("steps go forward in time"),
        "{error}"
    );
    assert_eq!(error.line, Some(line_of("09:00:00", steps) - 1), "{error}");
}

#[test]
fn a_moment_needs_an_offset() {
    let error =
        error_of("\n[[step]]\nat = 2020-01-05T10:00:00\ndo = \"check_quorum\"\nsitting = \"s\"\n");
    assert_eq!(error.field.as_deref(), Some("step[1].at"));
    assert!(error.message.contains("offset"), "{error}");
}

#[test]
fn a_date_must_be_a_date() {
    let error = error_of("\n[[step]]\nat = 2020-01-05T10:00:00+03:00\ndo = \"send_resolution\"\nmotion = \"m\"\nto = \"x\"\non = \"next tuesday\"\n");
    assert!(
        error.message.contains("\"next tuesday\" is not a date"),
        "{error}"
    );
}

#[test]
fn an_unknown_preset_lists_the_presets() {
    let source = HEAD.replace(
        "standing_orders = \"iraq\"",
        "standing_orders = \"atlantis\"",
    );
    let error = parse(&source).unwrap_err();
    assert_eq!(error.field.as_deref(), Some("chamber.standing_orders"));
    assert_eq!(error.line, Some(5));
    assert!(
        error
            .message
            .contains("iraq, uk-commons, us-house, european-parliament"),
        "{error}"
    );
}

#[test]
fn an_unreadable_standing_orders_file_is_reported() {
    let source = HEAD.replace(
        "standing_orders = \"iraq\"",
        "standing_orders = \"orders.toml\"",
    );
    let error = parse(&source).unwrap_err();
    assert!(error.message.contains("cannot read orders.toml"), "{error}");
}

#[test]
fn a_toml_syntax_error_has_its_line() {
    let error = parse(&format!("{HEAD}\n[[step]\n")).unwrap_err();
    assert_eq!(error.line, Some(HEAD.lines().count() + 2), "{error}");
}

#[test]
fn a_bad_identifier_is_refused() {
    let error = parse(&HEAD.replace("id = \"a\"", "id = \"Not An Id\"")).unwrap_err();
    assert!(
        error
            .message
            .contains("may only contain lower-case letters"),
        "{error}"
    );
    assert_eq!(error.line, Some(10), "{error}");
}
