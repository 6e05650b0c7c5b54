//! The standing-orders file: a chamber's name, its seats and its rules, in TOML.

use indexmap::IndexMap;
use serde::Deserialize;

use hemicycle_core::ids::DecisionId;
use hemicycle_core::rules::{DecisionRule, QuorumRule, StandingOrders, VotingRules};

use crate::error::{from_toml, locate, FormatError};

/// A chamber as a standing-orders file describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChamberRules {
    pub name: String,
    pub seats: u32,
    pub standing_orders: StandingOrders,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChamberSection {
    name: String,
    seats: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StandingOrdersFile {
    chamber: ChamberSection,
    quorum: QuorumRule,
    voting: VotingRules,
    default_decision: DecisionId,
    decisions: IndexMap<DecisionId, DecisionRule>,
}

/// The presets shipped with hemicycle: name, one-line description, TOML source.
pub const PRESETS: &[(&str, &str, &str)] = &[
    (
        "iraq",
        "Council of Representatives of Iraq: 329 seats, quorum 165, simple majority of members present",
        include_str!("../presets/iraq.toml"),
    ),
    (
        "uk-commons",
        "UK House of Commons: 40 needed in a division, majority of votes cast, Speaker's casting vote",
        include_str!("../presets/uk-commons.toml"),
    ),
    (
        "us-house",
        "US House of Representatives: quorum 218 of 435, majority of votes cast",
        include_str!("../presets/us-house.toml"),
    ),
    (
        "european-parliament",
        "European Parliament: quorum one third, majority of votes cast, censure by two thirds and a majority of members",
        include_str!("../presets/european-parliament.toml"),
    ),
];

/// Reads a standing-orders file. `origin` names it in errors.
pub fn parse_standing_orders(source: &str, origin: &str) -> Result<ChamberRules, FormatError> {
    let file: StandingOrdersFile =
        toml::from_str(source).map_err(|error| from_toml(origin, source, &error))?;
    let standing_orders = StandingOrders {
        quorum: file.quorum,
        voting: file.voting,
        default_decision: file.default_decision,
        decisions: file.decisions,
    };
    standing_orders.validate().map_err(|error| FormatError {
        origin: origin.to_owned(),
        line: locate(source, &error.field),
        field: Some(error.field.clone()),
        message: error.message.clone(),
    })?;
    let name = file.chamber.name.trim().to_owned();
    if name.is_empty() {
        return Err(FormatError {
            origin: origin.to_owned(),
            line: locate(source, "chamber.name"),
            field: Some("chamber.name".into()),
            message: "the chamber needs a name".into(),
        });
    }
    if file.chamber.seats == 0 {
        return Err(FormatError {
            origin: origin.to_owned(),
            line: locate(source, "chamber.seats"),
            field: Some("chamber.seats".into()),
            message: "a chamber has at least one seat".into(),
        });
    }
    Ok(ChamberRules {
        name,
        seats: file.chamber.seats,
        standing_orders,
    })
}

/// Loads a preset by name.
pub fn preset(name: &str) -> Result<ChamberRules, FormatError> {
    let (_, _, source) = PRESETS
        .iter()
        .find(|(preset_name, _, _)| *preset_name == name)
        .ok_or_else(|| FormatError {
            origin: format!("preset {name}"),
            line: None,
            field: None,
            message: format!(
                "no such preset; the presets are: {}",
                PRESETS
                    .iter()
                    .map(|(name, _, _)| *name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
    parse_standing_orders(source, &format!("preset {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_loads() {
        for (name, _, _) in PRESETS {
            let rules = preset(name).unwrap_or_else(|error| panic!("{error}"));
            assert!(rules.seats > 0);
        }
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let source = "default_decision = \"ordinary\"\n[chamber]\nname = \"X\"\nseats = 10\n[quorum]\nrequired = { more_than = \"1/2\" }\nchecked = [\"opening\"]\nwhen_not_met = \"suspend\"\n[voting]\n[decisions.ordinary]\nrequirements = [{ more_than = \"1/2\", of = \"votes_cast\" }]\n";
        let error = parse_standing_orders(source, "x.toml").unwrap_err();
        assert_eq!(error.line, Some(6), "{error}");
        assert_eq!(error.field.as_deref(), Some("quorum.required"));
        assert!(
            error
                .to_string()
                .starts_with("x.toml:6: quorum.required: a fraction needs `of`"),
            "{error}"
        );
    }

    #[test]
    fn unknown_fields_are_refused_with_their_line() {
        let source = include_str!("../presets/iraq.toml").replace(
            "tie = \"chair_side\"",
            "tie = \"chair_side\"\ncasting = true",
        );
        let error = parse_standing_orders(&source, "iraq.toml").unwrap_err();
        let line = source
            .lines()
            .position(|line| line.starts_with("casting"))
            .unwrap()
            + 1;
        assert_eq!(error.line, Some(line), "{error}");
        assert!(error.message.contains("unknown field `casting`"), "{error}");
    }

    #[test]
    fn bad_values_are_refused() {
        let source = include_str!("../presets/iraq.toml").replace("\"2/3\"", "\"4/3\"");
        let error = parse_standing_orders(&source, "iraq.toml").unwrap_err();
        assert!(error.message.contains("4/3"), "{error}");
        assert!(error.line.is_some());
    }
}
