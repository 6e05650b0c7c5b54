//! A vote matrix for ideal-point estimation: members, divisions, and who voted yea or
//! nay in each. Missing votes (absent, abstaining, not yet a member) are simply not
//! stored, so a long history with changing membership stays small.
//!
//! Three ways in:
//! - [`VoteMatrix::from_wide_csv`]: one row per division, one column per member,
//!   cells `1`, `0`, `NA` or empty (the layout of the Supreme Court file).
//! - [`VoteMatrix::from_state`]: a chamber's recorded divisions on motions (yes is
//!   yea, no is nay, abstentions and absences are missing), members labelled by bloc,
//!   with the historical divisions imported into it (Popolo, Voteview, the Senate
//!   table) dated within the scope.
//! - [`VoteMatrixBuilder`]: one vote at a time, by name. A Voteview history feeds
//!   it directly: each row of a Voteview votes file (rollnumber, icpsr, cast_code)
//!   becomes `add_vote(rollnumber, icpsr, …)` with cast codes 1–3 yea and 4–6 nay
//!   (7–9, present or not voting, are missing), and the members file gives each
//!   icpsr a name and party through [`VoteMatrixBuilder::add_member`].

use hemicycle_core::history::RecordedOption;
use hemicycle_core::model::{Choice, DivisionMethod, Question};
use hemicycle_core::State;
use indexmap::IndexMap;
use serde::Serialize;

use crate::attendance::{bloc_label, covered_by, members_of_sitting, Covered, Scope};
use crate::error::AnalyticsError;

/// At most this many members (columns).
pub const MAX_MEMBERS: usize = 100_000;
/// At most this many divisions (rows).
pub const MAX_DIVISIONS: usize = 1_000_000;
/// At most this many recorded votes (8 bytes each in the estimator's working copy).
pub const MAX_VOTES: usize = 100_000_000;
/// At most this many bytes of text in a vote file.
pub const MAX_FILE_BYTES: usize = 512 * 1024 * 1024;

/// A recorded vote on a yes/no question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    Yea,
    Nay,
}

/// Divisions × members, stored by division (compressed sparse rows).
#[derive(Debug, Clone, PartialEq)]
pub struct VoteMatrix {
    members: Vec<String>,
    groups: Vec<Option<String>>,
    divisions: Vec<String>,
    /// Division d's votes are `voters[starts[d]..starts[d + 1]]`.
    starts: Vec<usize>,
    voters: Vec<u32>,
    yeas: Vec<bool>,
}

impl VoteMatrix {
    pub fn members(&self) -> &[String] {
        &self.members
    }

    /// Each member's group (e.g. bloc or party), if known.
    pub fn groups(&self) -> &[Option<String>] {
        &self.groups
    }

    pub fn divisions(&self) -> &[String] {
        &self.divisions
    }

    pub fn vote_count(&self) -> usize {
        self.voters.len()
    }

    /// The votes of division `division`: (member index, yea?).
    pub fn division_votes(&self, division: usize) -> impl Iterator<Item = (usize, bool)> + '_ {
        let range = self.starts[division]..self.starts[division + 1];
        self.voters[range.clone()]
            .iter()
            .zip(&self.yeas[range])
            .map(|(voter, yea)| (*voter as usize, *yea))
    }

    pub(crate) fn starts(&self) -> &[usize] {
        &self.starts
    }

    pub(crate) fn voters(&self) -> &[u32] {
        &self.voters
    }

    pub(crate) fn yeas(&self) -> &[bool] {
        &self.yeas
    }

    /// Reads a wide matrix: a header row naming the members after a first cell (the
    /// division label's column), then one row per division.
    pub fn from_wide_csv(text: &str, origin: &str) -> Result<Self, AnalyticsError> {
        if text.len() > MAX_FILE_BYTES {
            return Err(AnalyticsError::VotesTooLarge(format!(
                "{origin} is more than {MAX_FILE_BYTES} bytes"
            )));
        }
        let bad = |line: usize, message: String| AnalyticsError::BadVoteFile {
            origin: origin.to_owned(),
            line,
            message,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty());
        let Some((_, header)) = lines.next() else {
            return Err(AnalyticsError::EmptyVotes(format!(
                "{origin} has no header row"
            )));
        };
        let header = split_csv_line(header).map_err(|message| bad(1, message))?;
        if header.len() < 2 {
            return Err(bad(
                1,
                "the header needs a label column and at least one member".into(),
            ));
        }
        let mut builder = VoteMatrixBuilder::default();
        let mut columns = Vec::with_capacity(header.len() - 1);
        for name in &header[1..] {
            if builder.members.contains_key(name.as_str()) {
                return Err(bad(1, format!("member {name:?} appears twice")));
            }
            columns.push(
                builder
                    .add_member(name, None)
                    .map_err(|error| bad(1, error.to_string()))?,
            );
        }
        for (index, line) in lines {
            let number = index + 1;
            let cells = split_csv_line(line).map_err(|message| bad(number, message))?;
            if cells.len() != header.len() {
                return Err(bad(
                    number,
                    format!("{} cells, but the header has {}", cells.len(), header.len()),
                ));
            }
            let division = builder
                .add_division(&cells[0])
                .map_err(|error| bad(number, error.to_string()))?;
            for (cell, member) in cells[1..].iter().zip(&columns) {
                let vote = match cell.trim() {
                    "1" => Vote::Yea,
                    "0" => Vote::Nay,
                    "NA" | "" | "." => continue,
                    other => {
                        return Err(bad(
                            number,
                            format!("{other:?} is not a vote: use 1, 0, NA or leave it empty"),
                        ))
                    }
                };
                builder
                    .add_vote_by_index(division, *member, vote)
                    .map_err(|error| bad(number, error.to_string()))?;
            }
        }
        builder.build()
    }

    /// The recorded divisions on motions in scope, and the historical divisions
    /// (imported, kept as recorded) dated within it, in date order. A historical
    /// division's yes is yea and its no nay; its voters are labelled by their bloc on
    /// its date when not already labelled.
    pub fn from_state(state: &State, scope: &Scope) -> Result<Self, AnalyticsError> {
        let mut builder = VoteMatrixBuilder::default();
        for covered in covered_by(state, scope)? {
            let sitting = match covered {
                Covered::Sitting(sitting) => sitting,
                Covered::Recorded(recorded) => {
                    let row = builder.add_division(recorded.id.as_str())?;
                    for (member, option) in &recorded.votes {
                        // Everyone listed is a column, as every member of a sitting is.
                        let column = match builder.members.get(member.as_str()) {
                            Some(column) => *column,
                            None => {
                                let bloc = state
                                    .members
                                    .get(member)
                                    .and_then(|record| record.bloc_on(recorded.on));
                                builder.add_member(
                                    member.as_str(),
                                    bloc.map(|bloc| bloc_label(state, Some(bloc))),
                                )?
                            }
                        };
                        let vote = match option {
                            RecordedOption::Yes => Vote::Yea,
                            RecordedOption::No => Vote::Nay,
                            _ => continue,
                        };
                        builder.add_vote_by_index(row, column, vote)?;
                    }
                    continue;
                }
            };
            let members = members_of_sitting(state, sitting);
            for (member, bloc) in &members {
                if !builder.members.contains_key(member.id.as_str()) {
                    builder.add_member(member.id.as_str(), Some(bloc_label(state, *bloc)))?;
                }
            }
            for division in state.divisions.values().filter(|division| {
                division.sitting == sitting.id
                    && division.closed.is_some()
                    && division.method == DivisionMethod::Recorded
                    && matches!(division.question, Question::Motion { .. })
            }) {
                let row = builder.add_division(division.id.as_str())?;
                for (member, choice) in &division.ballots {
                    let vote = match choice {
                        Choice::Yes => Vote::Yea,
                        Choice::No => Vote::Nay,
                        _ => continue,
                    };
                    let column = match builder.members.get(member.as_str()) {
                        Some(column) => *column,
                        None => builder.add_member(member.as_str(), None)?,
                    };
                    builder.add_vote_by_index(row, column, vote)?;
                }
            }
        }
        builder.build()
    }
}

/// Splits one CSV line; quoted cells may hold commas and doubled quotes.
fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut characters = line.trim_end_matches('\r').chars().peekable();
    while let Some(character) = characters.next() {
        match (character, quoted) {
            ('"', true) if characters.peek() == Some(&'"') => {
                cell.push('"');
                characters.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cell.is_empty() => quoted = true,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (other, _) => cell.push(other),
        }
    }
    if quoted {
        return Err("a quoted cell is not closed".into());
    }
    cells.push(cell);
    Ok(cells)
}

/// Builds a [`VoteMatrix`] one member, division and vote at a time.
#[derive(Debug, Default)]
pub struct VoteMatrixBuilder {
    members: IndexMap<String, usize>,
    groups: Vec<Option<String>>,
    divisions: IndexMap<String, Vec<(u32, bool)>>,
    votes: usize,
}

impl VoteMatrixBuilder {
    /// Adds a member (or sets the group of one already added); returns its column.
    pub fn add_member(
        &mut self,
        name: &str,
        group: Option<String>,
    ) -> Result<usize, AnalyticsError> {
        if let Some(column) = self.members.get(name) {
            if group.is_some() {
                self.groups[*column] = group;
            }
            return Ok(*column);
        }
        if self.members.len() >= MAX_MEMBERS {
            return Err(AnalyticsError::VotesTooLarge(format!(
                "more than {MAX_MEMBERS} members"
            )));
        }
        self.members.insert(name.to_owned(), self.groups.len());
        self.groups.push(group);
        Ok(self.groups.len() - 1)
    }

    /// Adds a division (or finds one already added); returns its row.
    pub fn add_division(&mut self, name: &str) -> Result<usize, AnalyticsError> {
        if let Some(row) = self.divisions.get_index_of(name) {
            return Ok(row);
        }
        if self.divisions.len() >= MAX_DIVISIONS {
            return Err(AnalyticsError::VotesTooLarge(format!(
                "more than {MAX_DIVISIONS} divisions"
            )));
        }
        self.divisions.insert(name.to_owned(), Vec::new());
        Ok(self.divisions.len() - 1)
    }

    /// Records a vote by names, adding the member and the division as needed. A
    /// second vote by the same member in the same division replaces the first.
    pub fn add_vote(
        &mut self,
        division: &str,
        member: &str,
        vote: Vote,
    ) -> Result<(), AnalyticsError> {
        let column = self.add_member(member, None)?;
        let row = self.add_division(division)?;
        self.add_vote_by_index(row, column, vote)
    }

    pub(crate) fn add_vote_by_index(
        &mut self,
        row: usize,
        column: usize,
        vote: Vote,
    ) -> Result<(), AnalyticsError> {
        let voter = u32::try_from(column)
            .map_err(|_| AnalyticsError::VotesTooLarge("member index".into()))?;
        let Some((_, votes)) = self.divisions.get_index_mut(row) else {
            return Err(AnalyticsError::VotesTooLarge(format!("no division {row}")));
        };
        let yea = vote == Vote::Yea;
        // Repeated votes are resolved in `build` (the last one stands), which keeps
        // adding a vote O(1).
        if self.votes >= MAX_VOTES {
            return Err(AnalyticsError::VotesTooLarge(format!(
                "more than {MAX_VOTES} votes"
            )));
        }
        votes.push((voter, yea));
        self.votes += 1;
        Ok(())
    }

    pub fn build(self) -> Result<VoteMatrix, AnalyticsError> {
        if self.members.is_empty() {
            return Err(AnalyticsError::EmptyVotes("no members".into()));
        }
        if self.divisions.is_empty() {
            return Err(AnalyticsError::EmptyVotes("no divisions".into()));
        }
        let mut starts = Vec::with_capacity(self.divisions.len() + 1);
        let mut voters = Vec::with_capacity(self.votes);
        let mut yeas = Vec::with_capacity(self.votes);
        let mut division_names = Vec::with_capacity(self.divisions.len());
        for (name, mut votes) in self.divisions {
            starts.push(voters.len());
            division_names.push(name);
            // Stable: for a member who voted twice, the later vote comes last.
            votes.sort_by_key(|(voter, _)| *voter);
            for (index, (voter, yea)) in votes.iter().enumerate() {
                let replaced_later = votes.get(index + 1).is_some_and(|(next, _)| next == voter);
                if !replaced_later {
                    voters.push(*voter);
                    yeas.push(*yea);
                }
            }
        }
        starts.push(voters.len());
        Ok(VoteMatrix {
            members: self.members.into_keys().collect(),
            groups: self.groups,
            divisions: division_names,
            starts,
            voters,
            yeas,
        })
    }
}
