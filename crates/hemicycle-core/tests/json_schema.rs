//! The JSON Schemas of the commands' request bodies (feature `json-schema`) against what
//! serde really reads: every command validates, every schema-required field is required
//! by serde and no other, and bodies serde refuses fail validation.

#![cfg(feature = "json-schema")]

mod common;

use std::collections::BTreeSet;

use common::*;
use hemicycle_core::history::{
    ExternalIdentifier, Link, MemberDetails, RecordedCounts, RecordedOption, Subject,
};
use hemicycle_core::ids::{
    BlocId, CoalitionId, CommunicationId, GroupId, MemberId, OccasionId, IDENTIFIER_PATTERN,
};
use hemicycle_core::model::{
    AgendaItem, BlocKind, Candidate, Choice, DivisionMethod, FollowUpConclusion, MotionKind,
    Question, SittingKind, Sponsor,
};
use hemicycle_core::outcome::{Side, Tally};
use hemicycle_core::rules::{
    Base, DecisionRule, Fraction, QuorumRule, StandingOrders, Threshold, TieRule, VotingRules,
};
use hemicycle_core::schema::{command_schemas, CommandSchemas, COMMAND_TAG};
use hemicycle_core::{Actor, Command};
use jsonschema::Validator;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

const DEFINITIONS: &str = "#/components/schemas";

fn schemas() -> CommandSchemas {
    command_schemas(DEFINITIONS)
}

/// A validator for `schema`, with the definitions where OpenAPI keeps them.
fn validator(schemas: &CommandSchemas, schema: &Value) -> Validator {
    let mut root = schema.clone();
    root["components"] = json!({ "schemas": schemas.definitions });
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|error| panic!("{error}: {root:#}"))
}

fn command_validator(schemas: &CommandSchemas, name: &str) -> Validator {
    let schema = schemas
        .commands
        .get(name)
        .unwrap_or_else(|| panic!("no schema for {name}"));
    validator(schemas, schema)
}

fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

/// The request body of a command: its wire form without the tag.
fn body(command: &Command) -> Value {
    let mut value = serde_json::to_value(command).unwrap();
    let tag = value.as_object_mut().unwrap().remove(COMMAND_TAG);
    assert_eq!(tag, Some(json!(command.name())));
    value
}

/// What the web API does with `POST /api/commands/{name}` and `body`.
fn from_body(name: &str, body: &Value) -> Result<Command, String> {
    let mut object = body.as_object().ok_or("the body is not an object")?.clone();
    object.insert(COMMAND_TAG.into(), json!(name));
    serde_json::from_value(Value::Object(object)).map_err(|error| error.to_string())
}

/// Standing orders using every field: a fixed and a group-restricted threshold, labels,
/// extra members counted for the quorum, a timer, elections with a run-off.
fn full_standing_orders() -> StandingOrders {
    let mut orders = standing_orders();
    orders.quorum = QuorumRule {
        counted_extra: 5,
        counted_extra_label: Some("the four tellers and the chair".into()),
        ..orders.quorum
    };
    orders.voting = VotingRules {
        ballot_changes_allowed: true,
        presence_required: false,
        timer_seconds: Some(300),
        tie: TieRule::ChairSide,
    };
    orders.decisions.insert(
        decision("constitutional"),
        DecisionRule {
            label: Some("two thirds of the seats, and a majority within the KDP".into()),
            requirements: vec![
                Threshold {
                    label: Some("two thirds of all seats".into()),
                    ..Threshold::at_least(Fraction::new(2, 3).unwrap(), Base::Seats)
                },
                Threshold {
                    within: Some(GroupId::Bloc(bloc("kdp"))),
                    ..Threshold::more_than(Fraction::HALF, Base::VotesCastAndAbstentions)
                },
                Threshold {
                    within: Some(GroupId::Coalition(CoalitionId::new("government").unwrap())),
                    ..Threshold::fixed(40)
                },
            ],
            election: false,
            plurality: false,
            runoff: None,
        },
    );
    orders
}

fn full_details() -> MemberDetails {
    MemberDetails {
        given_name: Some("Amina".into()),
        family_name: Some("Haddad".into()),
        sort_name: Some("Haddad, Amina".into()),
        honorific_prefix: Some("Dr".into()),
        other_names: vec!["Amina H.".into()],
        gender: Some("female".into()),
        birth_date: Some("1974-03".into()),
        death_date: Some("2040".into()),
        email: Some("amina@example.org".into()),
        image: Some("https://example.org/amina.jpg".into()),
        links: vec![Link {
            url: "https://example.org/amina".into(),
            note: Some("home page".into()),
        }],
        sources: vec![Link {
            url: "https://example.org/roster".into(),
            note: None,
        }],
    }
}

/// One value of every command, each optional field given and each list filled.
fn full_commands() -> Vec<Command> {
    let m1 = || motion("m1");
    let d1 = || division("d1");
    let s1 = || sitting("s1");
    vec![
        Command::EstablishChamber {
            name: "Council of Representatives".into(),
            seats: 329,
            standing_orders: full_standing_orders(),
        },
        Command::AmendStandingOrders {
            standing_orders: full_standing_orders(),
        },
        Command::AttachNotice {
            sitting: Some(s1()),
            text: "An illustration, not a record.".into(),
        },
        Command::RegisterBloc {
            bloc: bloc("sairoon"),
            name: "Sairoon".into(),
            short_name: Some("SA".into()),
            kind: BlocKind::List,
            colour: Some("#1f77b4".into()),
        },
        Command::FormCoalition {
            coalition: CoalitionId::new("government").unwrap(),
            name: "Government".into(),
            blocs: vec![bloc("sairoon"), bloc("fatah")],
        },
        Command::JoinCoalition {
            coalition: CoalitionId::new("government").unwrap(),
            bloc: bloc("kdp"),
        },
        Command::LeaveCoalition {
            coalition: CoalitionId::new("government").unwrap(),
            bloc: bloc("kdp"),
        },
        Command::AdmitMember {
            member: member("sairoon-12"),
            name: "Amina Haddad".into(),
            constituency: Some("Baghdad".into()),
            bloc: Some(bloc("sairoon")),
            on: date("2018-09-03"),
        },
        Command::DepartMember {
            member: member("sairoon-12"),
            reason: "resigned".into(),
            on: date("2019-01-01"),
        },
        Command::ChangeBloc {
            member: member("sairoon-12"),
            bloc: Some(bloc("fatah")),
            on: date("2019-02-01"),
        },
        Command::ConveneSitting {
            sitting: s1(),
            kind: SittingKind::Extraordinary,
            title: "Extraordinary sitting".into(),
            scheduled_for: time("2020-01-05T16:00:00+03:00"),
            agenda: vec![
                AgendaItem {
                    title: "Resolution on foreign troops".into(),
                    motion: Some(m1()),
                },
                AgendaItem {
                    title: "Any other business".into(),
                    motion: None,
                },
            ],
            requested_by: Some("the Prime Minister".into()),
        },
        Command::OpenSitting {
            sitting: s1(),
            presiding_officer: Some(member("speaker")),
        },
        Command::SuspendSitting {
            sitting: s1(),
            reason: "no quorum".into(),
        },
        Command::ResumeSitting { sitting: s1() },
        Command::CloseSitting {
            sitting: s1(),
            reason: Some("business done".into()),
        },
        Command::CheckIn {
            sitting: s1(),
            member: member("a1"),
        },
        Command::CheckOut {
            sitting: s1(),
            member: member("a1"),
        },
        Command::ExcuseAbsence {
            sitting: s1(),
            member: member("a2"),
            reason: "illness".into(),
        },
        Command::DeclareBoycott {
            sitting: s1(),
            bloc: bloc("kdp"),
            statement: Some("We do not take part.".into()),
        },
        Command::CheckQuorum { sitting: s1() },
        Command::TableMotion {
            motion: m1(),
            kind: MotionKind::Resolution {
                binding: false,
                addressed_to: Some("the government".into()),
            },
            title: "Foreign troops".into(),
            text: "The House calls on the government…".into(),
            sponsors: vec![Sponsor::Member(member("a1")), Sponsor::Bloc(bloc("fatah"))],
            decision: Some(decision("ordinary")),
        },
        Command::WithdrawMotion { motion: m1() },
        Command::ReadCommunication {
            sitting: s1(),
            communication: CommunicationId::new("letter-1").unwrap(),
            from: "The Prime Minister".into(),
            on_behalf_of: Some(bloc("kdp")),
            subject: "Troops".into(),
            text: "Dear Speaker…".into(),
        },
        Command::OpenDivision {
            division: d1(),
            sitting: s1(),
            question: Question::Election {
                office: "President".into(),
                candidates: vec![Candidate {
                    id: candidate("x"),
                    name: "X".into(),
                }],
            },
            method: DivisionMethod::Secret,
            decision: Some(decision("president")),
        },
        Command::CastBallot {
            division: d1(),
            member: member("a1"),
            choice: Choice::Candidate(candidate("x")),
        },
        Command::RecordParticipation {
            division: d1(),
            member: member("a1"),
        },
        Command::EnterTally {
            division: d1(),
            tally: Tally {
                yes: 0,
                no: 0,
                abstain: 3,
                candidates: [(candidate("x"), 170), (candidate("y"), u32::MAX)]
                    .into_iter()
                    .collect(),
            },
            taking_part: Some(173),
        },
        Command::CloseDivision {
            division: d1(),
            casting_vote: Some(Side::No),
        },
        Command::SendResolution {
            motion: m1(),
            to: "the government".into(),
            on: date("2020-01-06"),
            response_due: Some(date("2020-02-06")),
        },
        Command::RecordResponse {
            motion: m1(),
            on: date("2020-02-01"),
            summary: "Noted.".into(),
        },
        Command::ConcludeFollowUp {
            motion: m1(),
            conclusion: FollowUpConclusion::Rejected,
            on: date("2020-03-01"),
            note: "Not implemented.".into(),
        },
        Command::RecordIdentifiers {
            subject: Subject::Occasion(OccasionId::new("election-2018").unwrap()),
            identifiers: vec![ExternalIdentifier {
                scheme: "wikidata".into(),
                identifier: "Q1973075".into(),
            }],
        },
        Command::RecordMemberDetails {
            member: member("a1"),
            details: full_details(),
        },
        Command::RenameMember {
            member: member("a1"),
            name: "Amina Al-Haddad".into(),
        },
        Command::RecordOccasion {
            occasion: OccasionId::new("term-4").unwrap(),
            name: "Fourth term".into(),
            classification: Some("legislative period".into()),
            start: Some("2018".into()),
            end: Some("2021-10".into()),
        },
        Command::RecordMotion {
            motion: motion("h1"),
            title: "An old motion".into(),
            text: "That…".into(),
            classification: Some("bill".into()),
            requirement: Some("simple majority".into()),
            result: Some("pass".into()),
            on: Some(date("1999-05-04")),
        },
        Command::RecordDivision {
            division: division("h1-vote"),
            on: date("1999-05-04"),
            at: Some(time("1999-05-04T11:30:00-04:00")),
            question: "On passage".into(),
            motion: Some(motion("h1")),
            result: Some("Passed".into()),
            counts: RecordedCounts {
                yes: Some(2),
                no: Some(1),
                abstain: Some(0),
                absent: Some(1),
                not_voting: Some(1),
            },
            votes: RecordedOption::ALL
                .into_iter()
                .enumerate()
                .map(|(index, option)| (member(&format!("v{index}")), option))
                .collect(),
        },
    ]
}

/// The same commands with every `Option` `None`, every defaulted list empty, and the
/// other forms of the enums.
fn lean_commands() -> Vec<Command> {
    full_commands()
        .into_iter()
        .map(|command| match command {
            Command::EstablishChamber { name, seats, .. } => Command::EstablishChamber {
                name,
                seats,
                standing_orders: standing_orders(),
            },
            Command::AttachNotice { text, .. } => Command::AttachNotice {
                sitting: None,
                text,
            },
            Command::RegisterBloc {
                bloc, name, kind, ..
            } => Command::RegisterBloc {
                bloc,
                name,
                short_name: None,
                kind,
                colour: None,
            },
            Command::FormCoalition {
                coalition, name, ..
            } => Command::FormCoalition {
                coalition,
                name,
                blocs: vec![],
            },
            Command::AdmitMember {
                member, name, on, ..
            } => Command::AdmitMember {
                member,
                name,
                constituency: None,
                bloc: None,
                on,
            },
            Command::ChangeBloc { member, on, .. } => Command::ChangeBloc {
                member,
                bloc: None,
                on,
            },
            Command::ConveneSitting {
                sitting,
                title,
                scheduled_for,
                ..
            } => Command::ConveneSitting {
                sitting,
                kind: SittingKind::Ordinary,
                title,
                scheduled_for,
                agenda: vec![],
                requested_by: None,
            },
            Command::OpenSitting { sitting, .. } => Command::OpenSitting {
                sitting,
                presiding_officer: None,
            },
            Command::CloseSitting { sitting, .. } => Command::CloseSitting {
                sitting,
                reason: None,
            },
            Command::DeclareBoycott { sitting, bloc, .. } => Command::DeclareBoycott {
                sitting,
                bloc,
                statement: None,
            },
            Command::TableMotion {
                motion,
                title,
                text,
                ..
            } => Command::TableMotion {
                motion,
                kind: MotionKind::Bill,
                title,
                text,
                sponsors: vec![],
                decision: None,
            },
            Command::ReadCommunication {
                sitting,
                communication,
                from,
                subject,
                text,
                ..
            } => Command::ReadCommunication {
                sitting,
                communication,
                from,
                on_behalf_of: None,
                subject,
                text,
            },
            Command::OpenDivision {
                division, sitting, ..
            } => Command::OpenDivision {
                division,
                sitting,
                question: Question::Motion {
                    motion: motion("m1"),
                },
                method: DivisionMethod::ShowOfHands,
                decision: None,
            },
            Command::CastBallot {
                division, member, ..
            } => Command::CastBallot {
                division,
                member,
                choice: Choice::Abstain,
            },
            Command::EnterTally { division, .. } => Command::EnterTally {
                division,
                tally: Tally {
                    yes: 100,
                    no: 70,
                    abstain: 0,
                    candidates: Default::default(),
                },
                taking_part: None,
            },
            Command::CloseDivision { division, .. } => Command::CloseDivision {
                division,
                casting_vote: None,
            },
            Command::SendResolution { motion, to, on, .. } => Command::SendResolution {
                motion,
                to,
                on,
                response_due: None,
            },
            Command::RecordIdentifiers { identifiers, .. } => Command::RecordIdentifiers {
                subject: Subject::Chamber,
                identifiers,
            },
            Command::RecordMemberDetails { member, .. } => Command::RecordMemberDetails {
                member,
                details: MemberDetails::default(),
            },
            Command::RecordOccasion { occasion, name, .. } => Command::RecordOccasion {
                occasion,
                name,
                classification: None,
                start: None,
                end: None,
            },
            Command::RecordMotion {
                motion,
                title,
                text,
                ..
            } => Command::RecordMotion {
                motion,
                title,
                text,
                classification: None,
                requirement: None,
                result: None,
                on: None,
            },
            Command::RecordDivision {
                division,
                on,
                question,
                ..
            } => Command::RecordDivision {
                division,
                on,
                at: None,
                question,
                motion: None,
                result: None,
                counts: RecordedCounts::default(),
                votes: vec![],
            },
            other => other,
        })
        .collect()
}

/// Every variant of `Command`, so that a new one fails to compile here until it is added
/// to [`full_commands`] (which the tests check against the schemas' list of commands).
fn is_a_command(command: &Command) -> bool {
    match command {
        Command::EstablishChamber { .. }
        | Command::AmendStandingOrders { .. }
        | Command::AttachNotice { .. }
        | Command::RegisterBloc { .. }
        | Command::FormCoalition { .. }
        | Command::JoinCoalition { .. }
        | Command::LeaveCoalition { .. }
        | Command::AdmitMember { .. }
        | Command::DepartMember { .. }
        | Command::ChangeBloc { .. }
        | Command::ConveneSitting { .. }
        | Command::OpenSitting { .. }
        | Command::SuspendSitting { .. }
        | Command::ResumeSitting { .. }
        | Command::CloseSitting { .. }
        | Command::CheckIn { .. }
        | Command::CheckOut { .. }
        | Command::ExcuseAbsence { .. }
        | Command::DeclareBoycott { .. }
        | Command::CheckQuorum { .. }
        | Command::TableMotion { .. }
        | Command::WithdrawMotion { .. }
        | Command::ReadCommunication { .. }
        | Command::OpenDivision { .. }
        | Command::CastBallot { .. }
        | Command::RecordParticipation { .. }
        | Command::EnterTally { .. }
        | Command::CloseDivision { .. }
        | Command::SendResolution { .. }
        | Command::RecordResponse { .. }
        | Command::ConcludeFollowUp { .. }
        | Command::RecordIdentifiers { .. }
        | Command::RecordMemberDetails { .. }
        | Command::RenameMember { .. }
        | Command::RecordOccasion { .. }
        | Command::RecordMotion { .. }
        | Command::RecordDivision { .. } => true,
    }
}

#[test]
fn there_is_one_schema_and_one_sample_for_every_command() {
    let schemas = schemas();
    let names: Vec<&str> = full_commands()
        .iter()
        .inspect(|command| assert!(is_a_command(command)))
        .map(Command::name)
        .collect();
    let with_schema: Vec<&str> = schemas.commands.keys().map(String::as_str).collect();
    assert_eq!(names, with_schema, "samples and schemas, in variant order");
    let lean: Vec<&str> = lean_commands().iter().map(Command::name).collect();
    assert_eq!(lean, with_schema);
}

#[test]
fn the_schemas_are_valid_2020_12_schemas() {
    let schemas = schemas();
    for (name, schema) in schemas.commands.iter().chain(&schemas.definitions) {
        if let Err(error) = jsonschema::draft202012::meta::validate(schema) {
            panic!("{name}: {error}");
        }
    }
    for (name, schema) in &schemas.commands {
        assert_eq!(schema["type"], "object", "{name}");
        assert_eq!(schema["additionalProperties"], false, "{name}");
        assert!(schema["properties"].get(COMMAND_TAG).is_none(), "{name}");
    }
}

/// Every `$ref` under the given path, and every definition they name is there.
#[test]
fn references_point_into_the_definitions_path() {
    fn references(value: &Value, found: &mut BTreeSet<String>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(reference)) = object.get("$ref") {
                    found.insert(reference.clone());
                }
                object.values().for_each(|value| references(value, found));
            }
            Value::Array(values) => values.iter().for_each(|value| references(value, found)),
            _ => {}
        }
    }
    for (path, prefix) in [
        ("#/components/schemas", "#/components/schemas/"),
        ("/components/schemas/", "#/components/schemas/"),
        ("#/$defs", "#/$defs/"),
    ] {
        let schemas = command_schemas(path);
        let mut found = BTreeSet::new();
        references(&serde_json::to_value(&schemas).unwrap(), &mut found);
        assert!(!found.is_empty());
        for reference in &found {
            let name = reference
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("{reference} is not under {prefix}"));
            assert!(schemas.definitions.contains_key(name), "{reference}");
        }
    }
    let schemas = schemas();
    assert_eq!(
        schemas.commands["establish_chamber"]["properties"]["standing_orders"]["$ref"],
        "#/components/schemas/StandingOrders"
    );
}

#[test]
fn every_command_validates_against_its_schema_and_reads_back() {
    let schemas = schemas();
    for command in full_commands().into_iter().chain(lean_commands()) {
        let name = command.name();
        let validator = command_validator(&schemas, name);
        let body = body(&command);
        assert_eq!(
            errors(&validator, &body),
            Vec::<String>::new(),
            "{name}: {body:#}"
        );
        assert_eq!(from_body(name, &body).as_ref(), Ok(&command), "{name}");
        // Clients may leave out every `null` (an absent `Option` is `None`).
        let mut without_nulls = body.clone();
        without_nulls
            .as_object_mut()
            .unwrap()
            .retain(|_, value| !value.is_null());
        assert_eq!(
            errors(&validator, &without_nulls),
            Vec::<String>::new(),
            "{name}"
        );
        assert_eq!(from_body(name, &without_nulls), Ok(command), "{name}");
    }
}

/// For each command, a field is `required` in its schema exactly when serde refuses the
/// body without it.
#[test]
fn required_in_the_schema_is_required_by_serde() {
    let schemas = schemas();
    for command in full_commands() {
        let name = command.name();
        let schema = &schemas.commands[name];
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|field| field.as_str().unwrap())
            .collect();
        let body = body(&command);
        let properties = schema["properties"].as_object().unwrap();
        let fields: BTreeSet<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(
            fields,
            properties.keys().collect(),
            "{name}: every field given"
        );
        for field in properties.keys() {
            let mut without = body.clone();
            without.as_object_mut().unwrap().remove(field);
            let read = from_body(name, &without);
            if required.contains(field.as_str()) {
                let error = read.expect_err(field);
                assert!(
                    error.contains(&format!("missing field `{field}`")),
                    "{error}"
                );
            } else {
                assert!(read.is_ok(), "{name}.{field}: {read:?}");
            }
        }
    }
}

/// The same for the structs inside commands, read on their own.
#[test]
fn required_in_the_definitions_is_required_by_serde() {
    fn check<T: Serialize + DeserializeOwned>(schemas: &CommandSchemas, name: &str, value: T) {
        let schema = &schemas.definitions[name];
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|field| field.as_str().unwrap())
            .collect();
        let value = serde_json::to_value(value).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        let fields: BTreeSet<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(
            fields,
            properties.keys().collect(),
            "{name}: every field given"
        );
        assert!(validator(schemas, schema).is_valid(&value), "{name}");
        for field in properties.keys() {
            let mut without = value.clone();
            without.as_object_mut().unwrap().remove(field);
            let read = serde_json::from_value::<T>(without.clone());
            assert_eq!(
                read.is_err(),
                required.contains(field.as_str()),
                "{name}.{field}: {read:?}",
                read = read.err()
            );
            assert_eq!(
                validator(schemas, schema).is_valid(&without),
                !required.contains(field.as_str()),
                "{name}.{field}"
            );
        }
    }
    let schemas = schemas();
    let orders = full_standing_orders();
    let mut quorum = orders.quorum.clone();
    quorum.required.label = Some("five".into());
    check(&schemas, "StandingOrders", orders.clone());
    check(&schemas, "QuorumRule", quorum.clone());
    check(
        &schemas,
        "Threshold",
        // Every field at once: serde takes it, `StandingOrders::validate` would not.
        Threshold {
            fixed: Some(1),
            more_than: Some(Fraction::HALF),
            at_least: Some(Fraction::HALF),
            of: Some(Base::Members),
            within: Some(GroupId::Bloc(bloc("kdp"))),
            label: Some("all of them".into()),
        },
    );
    check(&schemas, "VotingRules", orders.voting.clone());
    check(
        &schemas,
        "DecisionRule",
        DecisionRule {
            label: Some("president".into()),
            requirements: vec![Threshold::fixed(3)],
            election: true,
            plurality: true,
            runoff: Some(decision("runoff")),
        },
    );
    check(
        &schemas,
        "AgendaItem",
        AgendaItem {
            title: "T".into(),
            motion: Some(motion("m1")),
        },
    );
    check(
        &schemas,
        "Candidate",
        Candidate {
            id: candidate("x"),
            name: "X".into(),
        },
    );
    check(
        &schemas,
        "Tally",
        Tally {
            yes: 1,
            no: 2,
            abstain: 3,
            candidates: [(candidate("x"), 4)].into_iter().collect(),
        },
    );
    check(&schemas, "MemberDetails", full_details());
    check(
        &schemas,
        "Link",
        Link {
            url: "u".into(),
            note: Some("n".into()),
        },
    );
    check(
        &schemas,
        "ExternalIdentifier",
        ExternalIdentifier {
            scheme: "s".into(),
            identifier: "i".into(),
        },
    );
    check(
        &schemas,
        "RecordedCounts",
        RecordedCounts {
            yes: Some(1),
            no: Some(1),
            abstain: Some(1),
            absent: Some(1),
            not_voting: Some(1),
        },
    );
}

/// Bodies serde refuses, each with the edit that breaks it: every one must fail
/// validation too.
#[test]
fn invalid_bodies_fail_validation() {
    let schemas = schemas();
    let samples = full_commands();
    let sample = |name: &str| body(samples.iter().find(|c| c.name() == name).unwrap());
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, &str, Edit)> = vec![
        ("establish_chamber", "wrong type", |b| {
            b["seats"] = json!("nine")
        }),
        ("establish_chamber", "negative", |b| b["seats"] = json!(-1)),
        ("establish_chamber", "beyond u32", |b| {
            b["seats"] = json!(4_294_967_296_u64)
        }),
        ("establish_chamber", "fraction", |b| b["seats"] = json!(1.5)),
        ("establish_chamber", "null for a required field", |b| {
            b["name"] = Value::Null
        }),
        ("check_in", "missing required field", |b| {
            b.as_object_mut().unwrap().remove("member");
        }),
        ("check_in", "unknown field", |b| b["reason"] = json!("late")),
        ("check_in", "bad slug", |b| b["member"] = json!("Bad Id")),
        ("check_in", "slug starting with a dash", |b| {
            b["member"] = json!("-a1")
        }),
        ("check_in", "empty slug", |b| b["member"] = json!("")),
        ("check_in", "slug too long", |b| {
            b["member"] = json!("a".repeat(65))
        }),
        ("check_in", "non-ASCII slug", |b| {
            b["member"] = json!("سائرون")
        }),
        ("attach_notice", "wrong type for an optional field", |b| {
            b["sitting"] = json!(7)
        }),
        ("convene_sitting", "unknown field in a list item", |b| {
            b["agenda"][0]["motoin"] = json!("m1")
        }),
        ("convene_sitting", "unknown enum value", |b| {
            b["kind"] = json!("emergency")
        }),
        ("convene_sitting", "not a list", |b| {
            b["agenda"] = json!({"title": "x"})
        }),
        ("table_motion", "unknown field in a tagged object", |b| {
            b["kind"]["adressed_to"] = json!("x")
        }),
        ("table_motion", "unknown tag", |b| {
            b["kind"] = json!({"kind": "decree"})
        }),
        ("table_motion", "sponsor of two kinds", |b| {
            b["sponsors"][0] = json!({"member": "a1", "bloc": "b1"})
        }),
        ("open_division", "missing field of a tagged object", |b| {
            b["question"] = json!({"kind": "motion"})
        }),
        ("cast_ballot", "unknown choice", |b| {
            b["choice"] = json!("maybe")
        }),
        ("cast_ballot", "bad candidate slug", |b| {
            b["choice"] = json!({"candidate": "X"})
        }),
        ("enter_tally", "missing field of a nested object", |b| {
            b["tally"].as_object_mut().unwrap().remove("abstain");
        }),
        ("enter_tally", "bad candidate key", |b| {
            b["tally"]["candidates"]["Not a slug"] = json!(1)
        }),
        ("enter_tally", "candidate votes beyond u32", |b| {
            b["tally"]["candidates"]["x"] = json!(4_294_967_296_u64)
        }),
        ("close_division", "unknown side", |b| {
            b["casting_vote"] = json!("abstain")
        }),
        ("record_identifiers", "subject of two kinds", |b| {
            b["subject"] = json!({"member": "a1", "bloc": "b1"})
        }),
        ("record_identifiers", "unknown subject", |b| {
            b["subject"] = json!("government")
        }),
        ("record_division", "short vote pair", |b| {
            b["votes"][0] = json!(["v0"])
        }),
        ("record_division", "long vote pair", |b| {
            b["votes"][0] = json!(["v0", "yes", "x"])
        }),
        ("record_division", "unknown option", |b| {
            b["votes"][0][1] = json!("paired")
        }),
        ("record_member_details", "unknown detail", |b| {
            b["details"]["nickname"] = json!("A")
        }),
        ("amend_standing_orders", "fraction in words", |b| {
            b["standing_orders"]["quorum"]["required"]["more_than"] = json!("half")
        }),
        ("amend_standing_orders", "zero denominator", |b| {
            b["standing_orders"]["quorum"]["required"]["more_than"] = json!("1/0")
        }),
        (
            "amend_standing_orders",
            "decision rule with a bad name",
            |b| b["standing_orders"]["decisions"]["Ordinary"] = json!({"requirements": []}),
        ),
        ("amend_standing_orders", "unknown threshold field", |b| {
            b["standing_orders"]["quorum"]["required"]["of_all"] = json!("seats")
        }),
        ("amend_standing_orders", "group of an unknown kind", |b| {
            b["standing_orders"]["decisions"]["constitutional"]["requirements"][1]["within"] =
                json!({"party": "kdp"})
        }),
        ("amend_standing_orders", "unknown base", |b| {
            b["standing_orders"]["quorum"]["required"]["of"] = json!("everyone")
        }),
        ("amend_standing_orders", "bad default", |b| {
            b["standing_orders"]["voting"]["tie"] = json!("coin")
        }),
        ("record_division", "not a date", |b| {
            b["on"] = json!("yesterday")
        }),
        ("convene_sitting", "not a date-time", |b| {
            b["scheduled_for"] = json!("2020-01-05")
        }),
    ];
    for (name, why, edit) in cases {
        let mut body = sample(name);
        edit(&mut body);
        let validator = command_validator(&schemas, name);
        assert!(
            !validator.is_valid(&body),
            "{name}, {why}: the schema accepts {body:#}"
        );
        assert!(
            from_body(name, &body).is_err(),
            "{name}, {why}: serde accepts {body:#}"
        );
    }
    // Not an object; and the tag, which the path carries, in the body.
    let validator = command_validator(&schemas, "check_quorum");
    for body in [json!([]), json!("s1"), json!(null)] {
        assert!(!validator.is_valid(&body), "{body}");
    }
    let mut body = sample("check_quorum");
    body[COMMAND_TAG] = json!("check_quorum");
    assert!(!validator.is_valid(&body));
}

/// Serde ignores other fields beside the tag in `bill` and `procedural` (unit variants of
/// an internally tagged enum); the schema says the same.
#[test]
fn unit_variants_of_motion_kinds_take_other_fields_as_serde_does() {
    let schemas = schemas();
    let validator = command_validator(&schemas, "table_motion");
    let bill = lean_commands()
        .into_iter()
        .find(|command| command.name() == "table_motion")
        .unwrap();
    let mut body = body(&bill);
    assert_eq!(body["kind"], json!({"kind": "bill"}));
    body["kind"]["binding"] = json!(true);
    assert!(validator.is_valid(&body));
    assert!(from_body("table_motion", &body).is_ok());
}

/// A validator for the schema of one definition.
fn definition_validator(schemas: &CommandSchemas, name: &str) -> Validator {
    validator(schemas, &json!({ "$ref": format!("{DEFINITIONS}/{name}") }))
}

#[test]
fn identifier_schemas_say_exactly_what_identifiers_accept() {
    let schemas = schemas();
    let long = |n: usize| "a".repeat(n);
    let texts: Vec<String> = [
        "a",
        "0",
        "sairoon-12",
        "2020-01-05",
        "a.b_c",
        "a-",
        "a.",
        "-a",
        "_a",
        ".a",
        "",
        "A",
        "aB",
        "a b",
        "a/b",
        "a\n",
        "\na",
        "é",
        "سائرون",
        "a\u{0}",
    ]
    .into_iter()
    .map(String::from)
    .chain([long(63), long(64), long(65), format!("0{}", long(63))])
    .collect();
    for name in [
        "MemberId",
        "BlocId",
        "DecisionId",
        "CandidateId",
        "OccasionId",
    ] {
        let validator = definition_validator(&schemas, name);
        for text in &texts {
            assert_eq!(
                validator.is_valid(&json!(text)),
                MemberId::new(text.as_str()).is_ok(),
                "{name}: {text:?}"
            );
        }
    }
    assert_eq!(
        schemas.definitions["BlocId"]["pattern"],
        json!(IDENTIFIER_PATTERN)
    );
    assert!(schemas.definitions["BlocId"]["description"]
        .as_str()
        .unwrap()
        .starts_with("A bloc: a party"));
    assert!(serde_json::from_value::<BlocId>(json!("Bad")).is_err());
}

#[test]
fn the_fraction_schema_says_what_fractions_accept() {
    let schemas = schemas();
    let validator = definition_validator(&schemas, "Fraction");
    let read = |text: &str| serde_json::from_value::<Fraction>(json!(text));
    // Read by serde, and by the schema.
    for text in [
        "1/2", "2/3", "0/1", "1/1", " 3 / 5 ", "\t1/2\n", "+1/+2", "01/02", "0/007",
    ] {
        assert!(read(text).is_ok(), "{text:?}");
        assert!(validator.is_valid(&json!(text)), "{text:?}");
    }
    // Refused by both.
    for text in [
        "", "1", "half", "1/0", "1/00", "1//2", "1/2/3", "-1/2", "1/-2", "1.5/2", "a/b", "1 1/2",
        "++1/2", "/2", "1/",
    ] {
        assert!(read(text).is_err(), "{text:?}");
        assert!(!validator.is_valid(&json!(text)), "{text:?}");
    }
    // Well formed, but out of range: refused by serde, beyond what a pattern says.
    for text in ["3/2", "4294967296/4294967297"] {
        assert!(read(text).is_err(), "{text:?}");
        assert!(validator.is_valid(&json!(text)), "{text:?}");
    }
}

#[test]
fn the_actor_schema_says_what_actors_accept() {
    let schema = schemars::SchemaGenerator::default()
        .into_root_schema_for::<Actor>()
        .to_value();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let long = "a".repeat(64);
    for text in [
        "system".to_owned(),
        "clerk:amina".into(),
        "officer:speaker".into(),
        "member:sairoon-12".into(),
        format!("member:{long}"),
        format!("member:{long}a"),
        "system:x".into(),
        "clerk".into(),
        "clerk:".into(),
        "clerk:Amina".into(),
        "king:x".into(),
        "member:a:b".into(),
        " system".into(),
        "System".into(),
    ] {
        assert_eq!(
            validator.is_valid(&json!(text)),
            Actor::parse(&text).is_ok(),
            "{text:?}"
        );
    }
}
