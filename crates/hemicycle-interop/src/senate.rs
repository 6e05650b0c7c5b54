//! The one-vote Senate table: one row per senator, as in
//! `us-senate-2002-iraq-use-of-force.csv` (the roll call of 11 October 2002 on the
//! authorisation of force against Iraq, 77–23).
//!
//! Column mapping (columns are found by their header; others are ignored):
//!
//! | column | meaning | recorded as |
//! |---|---|---|
//! | (first, unnamed) | row number | nothing |
//! | `y` | 1 aye, 0 nay (`NA` or empty: did not vote) | the member's option: yes, no, not voting |
//! | `name` | `SURNAME (P ST)`: party letter and state | the member's name `SURNAME`, and their bloc: `R` Republican, `D` Democratic, `I` or `Indep` Independent (any other letter: a bloc of that letter); the whole cell is kept as the identifier `us-senate-csv` |
//! | `state.name` (else `state.abb`) | the senator's state | the constituency |
//! | `rep` | `TRUE` for a Republican | checked against the party letter |
//! | `gorevote` | Gore's share of the state's vote in 2000 | nothing |
//!
//! The file has no date, question or result: the caller gives the date and the question
//! ([`SenateVote`]); the result is left unrecorded and the counts are those of the rows.
//! Members are admitted on the day of the vote; the division's identifier is
//! `senate-DATE` unless given. Re-importing the same file records nothing.

use std::collections::HashMap;
use std::io::Read;

use csv::StringRecord;

use hemicycle_core::history::{ExternalIdentifier, RecordedCounts, RecordedOption, Subject};
use hemicycle_core::ids::{BlocId, DivisionId, MemberId};
use hemicycle_core::model::{BlocKind, Date, Timestamp};
use hemicycle_core::{Command, State};

use crate::error::ImportError;
use crate::plan::{ImportPlan, NewChamber, Planner};
use crate::slug;

pub const SENATE_SCHEME: &str = "us-senate-csv";
/// Most rows read: far more senators than any senate has.
pub const SENATE_ROWS_MAX: usize = 10_000;

/// The vote the table records, which the file itself does not say.
pub struct SenateVote {
    pub date: Date,
    pub question: String,
    pub division: Option<DivisionId>,
}

fn csv_error(origin: &str, line: u64, column: &str, message: impl Into<String>) -> ImportError {
    ImportError::Csv {
        origin: origin.to_owned(),
        line,
        column: column.to_owned(),
        message: message.into(),
    }
}

/// The bloc of a party token: its identifier, name and short name.
fn party(letter: &str) -> (String, String, String) {
    match letter {
        "R" => ("republican".into(), "Republican Party".into(), "R".into()),
        "D" => ("democratic".into(), "Democratic Party".into(), "D".into()),
        // The 2002 table writes Jeffords as "JEFFORDS (Indep VT)".
        "I" | "Indep" => ("independent".into(), "Independent".into(), "I".into()),
        other => (
            format!("party-{}", slug::readable(other)),
            format!("Party {other}"),
            other.to_owned(),
        ),
    }
}

/// `SESSIONS (R AL)` → (`SESSIONS`, `R`, `AL`).
fn split_name(cell: &str) -> Option<(&str, &str, &str)> {
    let (name, rest) = cell.split_once('(')?;
    let inside = rest.strip_suffix(')')?;
    let (party, state) = inside.trim().split_once(' ')?;
    Some((name.trim(), party.trim(), state.trim()))
}

/// Plans importing the Senate table as one recorded division and its roster.
pub fn plan_senate_import(
    state: &State,
    reader: impl Read,
    origin: &str,
    vote: &SenateVote,
    at: Timestamp,
    new_chamber: Option<&NewChamber>,
) -> Result<ImportPlan, ImportError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(reader);
    let header = reader
        .headers()
        .map_err(|error| ImportError::File {
            origin: origin.to_owned(),
            message: error.to_string(),
        })?
        .clone();
    let column = |name: &str| header.iter().position(|column| column.trim() == name);
    let missing = |name: &str| ImportError::File {
        origin: origin.to_owned(),
        message: format!(
            "has no column \"{name}\" (its header: {})",
            header.iter().collect::<Vec<_>>().join(",")
        ),
    };
    let vote_column = column("y").ok_or_else(|| missing("y"))?;
    let name_column = column("name").ok_or_else(|| missing("name"))?;
    let state_column = column("state.name")
        .or_else(|| column("state.abb"))
        .ok_or_else(|| missing("state.name"))?;
    let republican_column = column("rep");

    let mut planner = Planner::new(state, at);
    if planner.scratch.chamber.is_none() {
        let Some(new_chamber) = new_chamber else {
            return Err(ImportError::File {
                origin: origin.to_owned(),
                message: "the journal is empty: name the standing orders of the new chamber (--preset NAME)".into(),
            });
        };
        planner.run(
            origin.to_owned(),
            Command::EstablishChamber {
                name: new_chamber
                    .name
                    .clone()
                    .unwrap_or_else(|| new_chamber.default_name.clone()),
                seats: new_chamber.seats.unwrap_or(new_chamber.default_seats),
                standing_orders: new_chamber.standing_orders.clone(),
            },
        )?;
        planner.report().kind("chamber").added += 1;
    }
    let division = match &vote.division {
        Some(division) => division.clone(),
        None => DivisionId::new(format!("senate-{}", vote.date.format("%Y-%m-%d"))).map_err(
            |error| ImportError::File {
                origin: origin.to_owned(),
                message: error.to_string(),
            },
        )?,
    };
    let division_exists = planner
        .scratch
        .subject_exists(&Subject::Division(division.clone()));

    let mut votes = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = StringRecord::new();
    let mut rows = 0usize;
    while reader
        .read_record(&mut record)
        .map_err(|error| match error.position() {
            Some(position) => csv_error(origin, position.line(), "-", error.to_string()),
            None => ImportError::File {
                origin: origin.to_owned(),
                message: error.to_string(),
            },
        })?
    {
        rows += 1;
        if rows > SENATE_ROWS_MAX {
            return Err(ImportError::File {
                origin: origin.to_owned(),
                message: format!("has more than {SENATE_ROWS_MAX} rows"),
            });
        }
        let line = record.position().map_or(0, |position| position.line());
        let at_line = format!("{origin}:{line}");
        let cell = |index: usize| record.get(index).unwrap_or_default().trim();
        let name_cell = cell(name_column);
        let (name, letter, state_code) = split_name(name_cell).ok_or_else(|| {
            csv_error(
                origin,
                line,
                "name",
                format!("\"{name_cell}\" is not like \"SESSIONS (R AL)\""),
            )
        })?;
        if let Some(first) = seen.insert(name_cell.to_owned(), line) {
            return Err(csv_error(
                origin,
                line,
                "name",
                format!("\"{name_cell}\" is listed twice (line {first})"),
            ));
        }
        let option = match cell(vote_column) {
            "1" => RecordedOption::Yes,
            "0" => RecordedOption::No,
            "" | "NA" => RecordedOption::NotVoting,
            other => {
                return Err(csv_error(
                    origin,
                    line,
                    "y",
                    format!("\"{other}\" is not 1 (aye), 0 (nay) or NA"),
                ))
            }
        };
        if let Some(index) = republican_column {
            let republican = match cell(index) {
                "TRUE" | "1" => true,
                "FALSE" | "0" => false,
                other => {
                    return Err(csv_error(
                        origin,
                        line,
                        "rep",
                        format!("\"{other}\" is not TRUE or FALSE"),
                    ))
                }
            };
            if republican != (letter == "R") {
                return Err(csv_error(
                    origin,
                    line,
                    "rep",
                    format!("says {republican}, but the party in \"{name_cell}\" is {letter}"),
                ));
            }
        }
        let (bloc_slug, bloc_name, short_name) = party(letter);
        let bloc = BlocId::new(bloc_slug)
            .map_err(|error| csv_error(origin, line, "name", error.to_string()))?;
        if !planner.scratch.blocs.contains_key(&bloc) {
            planner.run(
                at_line.clone(),
                Command::RegisterBloc {
                    bloc: bloc.clone(),
                    name: bloc_name,
                    short_name: Some(short_name),
                    kind: BlocKind::Party,
                    colour: None,
                },
            )?;
            planner.report().kind("parties").added += 1;
        }
        planner.report().kind("senators").read += 1;
        let existing =
            match planner
                .scratch
                .subject_with_identifier("member", SENATE_SCHEME, name_cell)
            {
                Some(Subject::Member(member)) => Some(member.clone()),
                _ => None,
            };
        let member = match existing {
            Some(member) => {
                planner.report().kind("senators").unchanged += 1;
                member
            }
            None => {
                let readable = slug::readable(&format!("{name} {state_code}"));
                let slug = slug::unique(readable, |slug| {
                    MemberId::new(slug)
                        .map_or(true, |member| planner.scratch.members.contains_key(&member))
                });
                let member = MemberId::new(slug)
                    .map_err(|error| csv_error(origin, line, "name", error.to_string()))?;
                planner.run(
                    at_line.clone(),
                    Command::AdmitMember {
                        member: member.clone(),
                        name: name.to_owned(),
                        constituency: Some(cell(state_column).to_owned())
                            .filter(|state| !state.is_empty()),
                        bloc: Some(bloc),
                        on: vote.date,
                    },
                )?;
                planner.run(
                    at_line.clone(),
                    Command::RecordIdentifiers {
                        subject: Subject::Member(member.clone()),
                        identifiers: vec![ExternalIdentifier {
                            scheme: SENATE_SCHEME.into(),
                            identifier: name_cell.to_owned(),
                        }],
                    },
                )?;
                planner.report().kind("senators").added += 1;
                member
            }
        };
        votes.push((member, option));
    }
    planner.report().kind("votes").read += votes.len() as u64;
    if division_exists {
        planner.report().kind("votes").unchanged += votes.len() as u64;
        planner.report().kind("divisions").unchanged += 1;
    } else {
        let mut counts = RecordedCounts::default();
        for option in [
            RecordedOption::Yes,
            RecordedOption::No,
            RecordedOption::NotVoting,
        ] {
            let value = votes.iter().filter(|(_, held)| *held == option).count();
            counts.set(option, u32::try_from(value).unwrap_or(u32::MAX));
        }
        planner.report().kind("votes").added += votes.len() as u64;
        planner.run(
            origin.to_owned(),
            Command::RecordDivision {
                division,
                on: vote.date,
                at: None,
                question: vote.question.clone(),
                motion: None,
                result: None,
                counts,
                votes,
            },
        )?;
        planner.report().kind("divisions").added += 1;
    }
    Ok(planner.take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_surname_party_and_state() {
        assert_eq!(split_name("SESSIONS (R AL)"), Some(("SESSIONS", "R", "AL")));
        assert_eq!(split_name("JEFFORDS (I VT)"), Some(("JEFFORDS", "I", "VT")));
        assert_eq!(split_name("NOBODY"), None);
        assert_eq!(
            split_name("JEFFORDS (Indep VT)"),
            Some(("JEFFORDS", "Indep", "VT"))
        );
    }

    #[test]
    fn indep_and_i_are_both_the_independent_bloc() {
        let independent = (
            "independent".to_owned(),
            "Independent".to_owned(),
            "I".to_owned(),
        );
        assert_eq!(party("I"), independent);
        assert_eq!(party("Indep"), independent);
        assert_eq!(party("R").0, "republican");
        assert_eq!(party("D").0, "democratic");
        assert_eq!(party("G").0, "party-g");
    }
}
