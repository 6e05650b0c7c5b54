//! Roll-call CSV in the Voteview layout (<https://voteview.com/data>), in and out.
//!
//! Three files, as Voteview publishes them (`HSall_members.csv`, `HSall_votes.csv`,
//! `HSall_rollcalls.csv`, or any slice of them); columns are found by their header,
//! others are ignored:
//!
//! | file | columns read |
//! |---|---|
//! | members | `congress`, `chamber`, `icpsr`, `bioname`, `party_code`; optional `state_abbrev`, `district_code`, `born`, `died`, `party_name` (ours) |
//! | votes | `congress`, `chamber`, `rollnumber`, `icpsr`, `cast_code` |
//! | roll calls | `congress`, `chamber`, `rollnumber`, `date`; optional `yea_count`, `nay_count`, `vote_result`, `vote_question`, `vote_desc` |
//!
//! Cast codes, as Voteview defines them, and what they are recorded as:
//!
//! | code | Voteview | recorded as |
//! |---|---|---|
//! | 0 | not a member of the chamber when the question was voted | nothing (no vote row) |
//! | 1, 2, 3 | yea, paired yea, announced yea | yes |
//! | 4, 5, 6 | announced nay, paired nay, nay | no |
//! | 7, 8 | present | abstain |
//! | 9 | not voting | not voting |
//!
//! (Voteview's `yea_count` and `nay_count` count pairs and announcements the same way.)
//! On export: yes 1, no 6, abstain 7, not voting and absent 9.
//!
//! # Import
//!
//! The members and roll-call files are small and read whole; the votes file, which may
//! hold millions of rows, is streamed (a `csv` reader over a `BufRead`) and must be
//! grouped by congress in ascending order, as Voteview publishes it. Each congress is one
//! all-or-nothing transaction (a congress too large for one journal batch —
//! `hemicycle_journal::limits::MAX_BATCH_EVENTS` events, `MAX_BATCH_BYTES` bytes — is
//! split into parts of at most [`BATCH_COMMANDS_MAX`] commands and
//! [`BATCH_VOTES_MAX`] votes): an error stops the import with the congresses before it
//! recorded, and running the same import again records only what is missing, because
//! everything is matched — members on their ICPSR number (identifier scheme `icpsr`),
//! parties on their code (`voteview_party`), roll calls on `CONGRESS-CHAMBER-ROLLNUMBER`
//! (`voteview`).
//!
//! The roster follows the congresses: a member is admitted at the start of the first
//! congress they served in (4 March before the 74th congress, 3 January since) on behalf
//! of their party (a bloc `party-CODE`), moves bloc when their party changes, and departs
//! after their last congress in the file, unless that is the file's last congress. A new
//! chamber gets at least as many seats as members ever sit at once under that rule.
//! Each roll call is one recorded division, `CHAMBER-LETTER CONGRESS - ROLLNUMBER`
//! (`h116-23`), with its date, question, result and yea and nay counts as published.
//!
//! A file that has both chambers needs a choice (`chamber`); rows of the presidency
//! (`President`) are left out unless chosen.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, Write};

use chrono::NaiveDate;
use csv::{ByteRecord, StringRecord};

use hemicycle_core::history::{
    ExternalIdentifier, MemberDetails, RecordedCounts, RecordedOption, Subject,
};
use hemicycle_core::ids::{BlocId, DivisionId, MemberId};
use hemicycle_core::model::{BlocKind, Date, Timestamp};
use hemicycle_core::{Command, State};

use crate::error::{ExportError, ImportError, ImportReport};
use crate::plan::{ImportPlan, NewChamber, Planner};
use crate::slug;

/// Most commands in one transaction of a Voteview import.
pub const BATCH_COMMANDS_MAX: usize = 20_000;
/// Most individual votes in one transaction of a Voteview import (a vote is about
/// 25 bytes of journal: 1,000,000 votes stay well under the 64 MiB batch limit).
pub const BATCH_VOTES_MAX: usize = 1_000_000;
/// Most rows read from the members or roll-call file.
pub const SMALL_FILE_ROWS_MAX: usize = 2_000_000;

pub const ICPSR_SCHEME: &str = "icpsr";
pub const PARTY_SCHEME: &str = "voteview_party";
pub const ROLL_CALL_SCHEME: &str = "voteview";

/// One file to read: its name for errors, and its contents.
pub struct Source<R> {
    pub origin: String,
    pub reader: R,
}

/// What to import and how.
pub struct VoteviewImport<M, V, R> {
    pub members: Source<M>,
    pub votes: Source<V>,
    pub rollcalls: Source<R>,
    /// `House`, `Senate` (or `President`): required when the files hold several.
    pub chamber: Option<String>,
    /// When the import happens.
    pub at: Timestamp,
    /// The chamber to establish when the journal is empty.
    pub new_chamber: Option<NewChamber>,
}

/// How far the votes file has been read.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub rows: u64,
    pub bytes: u64,
}

fn file_error(origin: &str, message: impl Into<String>) -> ImportError {
    ImportError::File {
        origin: origin.to_owned(),
        message: message.into(),
    }
}

/// A CSV file's columns by name.
struct Columns {
    origin: String,
    names: Vec<String>,
}

impl Columns {
    fn new(origin: &str, header: &StringRecord) -> Self {
        Self {
            origin: origin.to_owned(),
            names: header.iter().map(|name| name.trim().to_owned()).collect(),
        }
    }

    fn required(&self, name: &str) -> Result<usize, ImportError> {
        self.optional(name).ok_or_else(|| {
            file_error(
                &self.origin,
                format!(
                    "has no column \"{name}\" (its header: {})",
                    self.names.join(",")
                ),
            )
        })
    }

    fn optional(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|column| column == name)
    }
}

fn csv_error(origin: &str, line: u64, column: &str, message: impl Into<String>) -> ImportError {
    ImportError::Csv {
        origin: origin.to_owned(),
        line,
        column: column.to_owned(),
        message: message.into(),
    }
}

fn read_error(origin: &str, error: &csv::Error) -> ImportError {
    match error.position() {
        Some(position) => csv_error(origin, position.line(), "-", error.to_string()),
        None => file_error(origin, error.to_string()),
    }
}

/// Opens a CSV file and reads its header.
fn open_csv<R: std::io::Read>(
    source: Source<R>,
    buffer_bytes: Option<usize>,
) -> Result<(String, csv::Reader<R>, Columns), ImportError> {
    let origin = source.origin;
    let mut builder = csv::ReaderBuilder::new();
    builder.flexible(true);
    if let Some(bytes) = buffer_bytes {
        builder.buffer_capacity(bytes);
    }
    let mut reader = builder.from_reader(source.reader);
    let header = reader
        .headers()
        .map_err(|error| read_error(&origin, &error))?
        .clone();
    let columns = Columns::new(&origin, &header);
    Ok((origin, reader, columns))
}

/// Reads the next row of a file that is held whole (members, roll calls), refusing one
/// longer than [`SMALL_FILE_ROWS_MAX`] rows.
fn next_small_row<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    record: &mut ByteRecord,
    origin: &str,
    rows: &mut usize,
) -> Result<bool, ImportError> {
    if !reader
        .read_byte_record(record)
        .map_err(|error| read_error(origin, &error))?
    {
        return Ok(false);
    }
    *rows += 1;
    if *rows > SMALL_FILE_ROWS_MAX {
        return Err(file_error(
            origin,
            format!("has more than {SMALL_FILE_ROWS_MAX} rows"),
        ));
    }
    Ok(true)
}

/// A whole number in a cell, or an error naming the file, line and column.
fn whole_number(
    origin: &str,
    record: &ByteRecord,
    line: u64,
    index: usize,
    name: &str,
) -> Result<u32, ImportError> {
    number(field(record, index)).ok_or_else(|| {
        csv_error(
            origin,
            line,
            name,
            format!("\"{}\" is not a whole number", text(field(record, index))),
        )
    })
}

fn field(record: &ByteRecord, index: usize) -> &[u8] {
    record.get(index).unwrap_or_default()
}

/// A whole number in a CSV cell: `12`, or `12.0` as R writes numbers.
fn number(bytes: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    let text = text.strip_suffix(".0").unwrap_or(text);
    text.parse().ok()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

/// The first day of a congress: 4 March of its first year before the 74th, 3 January since.
pub fn congress_start(congress: u32) -> Option<Date> {
    let year = 1787 + 2 * i32::try_from(congress).ok()?;
    if congress < 74 {
        NaiveDate::from_ymd_opt(year, 3, 4)
    } else {
        NaiveDate::from_ymd_opt(year, 1, 3)
    }
}

/// The name of a party known by its Voteview code, for the common ones.
fn party_name(code: u32) -> String {
    match code {
        100 => "Democratic Party".into(),
        200 => "Republican Party".into(),
        328 => "Independent".into(),
        29 => "Whig Party".into(),
        13 => "Democratic-Republican Party".into(),
        1 => "Federalist Party".into(),
        other => format!("Party {other}"),
    }
}

/// The option a cast code is recorded as; `None` for 0 (not a member then).
pub fn option_of_cast_code(code: u32) -> Result<Option<RecordedOption>, String> {
    Ok(Some(match code {
        0 => return Ok(None),
        1..=3 => RecordedOption::Yes,
        4..=6 => RecordedOption::No,
        7 | 8 => RecordedOption::Abstain,
        9 => RecordedOption::NotVoting,
        other => return Err(format!("cast code {other} is not one of 0 to 9")),
    }))
}

pub fn cast_code_of(option: RecordedOption) -> u8 {
    match option {
        RecordedOption::Yes => 1,
        RecordedOption::No => 6,
        RecordedOption::Abstain => 7,
        RecordedOption::Absent | RecordedOption::NotVoting => 9,
    }
}

#[derive(Debug, Clone)]
struct MemberRow {
    name: String,
    party: u32,
    party_name: Option<String>,
    constituency: Option<String>,
    born: Option<String>,
    died: Option<String>,
}

#[derive(Debug, Clone)]
struct RollCall {
    date: Date,
    yea: Option<u32>,
    nay: Option<u32>,
    result: Option<String>,
    question: String,
}

struct ChamberFilter {
    chosen: Option<String>,
    seen: BTreeSet<String>,
}

impl ChamberFilter {
    fn keep(&mut self, chamber: &[u8]) -> bool {
        let chamber = String::from_utf8_lossy(chamber);
        let chamber = chamber.trim();
        match &self.chosen {
            Some(chosen) => chosen.eq_ignore_ascii_case(chamber),
            None => {
                if chamber == "President" {
                    return false;
                }
                if !self.seen.contains(chamber) {
                    self.seen.insert(chamber.to_owned());
                }
                true
            }
        }
    }

    fn check(&self, origin: &str) -> Result<(), ImportError> {
        if self.chosen.is_none() && self.seen.len() > 1 {
            let seen: Vec<&str> = self.seen.iter().map(String::as_str).collect();
            return Err(file_error(
                origin,
                format!(
                    "holds several chambers ({}); choose one (--chamber NAME)",
                    seen.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn name(&self) -> String {
        self.chosen
            .clone()
            .or_else(|| self.seen.iter().next().cloned())
            .unwrap_or_else(|| "House".into())
    }
}

/// Members by congress and ICPSR number.
fn read_members(
    source: Source<impl BufRead>,
    filter: &mut ChamberFilter,
) -> Result<BTreeMap<u32, BTreeMap<u32, MemberRow>>, ImportError> {
    let (origin, mut reader, columns) = open_csv(source, None)?;
    let congress_column = columns.required("congress")?;
    let chamber_column = columns.required("chamber")?;
    let icpsr_column = columns.required("icpsr")?;
    let name_column = columns.required("bioname")?;
    let party_column = columns.required("party_code")?;
    let state_column = columns.optional("state_abbrev");
    let district_column = columns.optional("district_code");
    let born_column = columns.optional("born");
    let died_column = columns.optional("died");
    let party_name_column = columns.optional("party_name");
    let mut members: BTreeMap<u32, BTreeMap<u32, MemberRow>> = BTreeMap::new();
    let mut record = ByteRecord::new();
    let mut rows = 0usize;
    while next_small_row(&mut reader, &mut record, &origin, &mut rows)? {
        let line = record.position().map_or(0, |position| position.line());
        if !filter.keep(field(&record, chamber_column)) {
            continue;
        }
        let whole = |index: usize, name: &str| whole_number(&origin, &record, line, index, name);
        let congress = whole(congress_column, "congress")?;
        let icpsr = whole(icpsr_column, "icpsr")?;
        let party = whole(party_column, "party_code")?;
        let name = text(field(&record, name_column));
        if name.is_empty() {
            return Err(csv_error(&origin, line, "bioname", "a member needs a name"));
        }
        let year = |column: Option<usize>| {
            column
                .and_then(|index| number(field(&record, index)))
                .filter(|year| (1000..=9999).contains(year))
                .map(|year| year.to_string())
        };
        let state = state_column.map(|index| text(field(&record, index)));
        let district = district_column.and_then(|index| number(field(&record, index)));
        let constituency = match (state, district) {
            (Some(state), Some(district)) if !state.is_empty() && district > 0 => {
                Some(format!("{state}-{district}"))
            }
            (Some(state), _) if !state.is_empty() => Some(state),
            _ => None,
        };
        let row = MemberRow {
            name,
            party,
            party_name: party_name_column
                .map(|index| text(field(&record, index)))
                .filter(|name| !name.is_empty()),
            constituency,
            born: year(born_column),
            died: year(died_column),
        };
        members.entry(congress).or_default().insert(icpsr, row);
    }
    filter.check(&origin)?;
    Ok(members)
}

fn read_rollcalls(
    source: Source<impl BufRead>,
    filter: &mut ChamberFilter,
) -> Result<BTreeMap<u32, BTreeMap<u32, RollCall>>, ImportError> {
    let (origin, mut reader, columns) = open_csv(source, None)?;
    let congress_column = columns.required("congress")?;
    let chamber_column = columns.required("chamber")?;
    let number_column = columns.required("rollnumber")?;
    let date_column = columns.required("date")?;
    let yea_column = columns.optional("yea_count");
    let nay_column = columns.optional("nay_count");
    let result_column = columns.optional("vote_result");
    let question_column = columns.optional("vote_question");
    let description_column = columns.optional("vote_desc");
    let mut rollcalls: BTreeMap<u32, BTreeMap<u32, RollCall>> = BTreeMap::new();
    let mut record = ByteRecord::new();
    let mut rows = 0usize;
    while next_small_row(&mut reader, &mut record, &origin, &mut rows)? {
        let line = record.position().map_or(0, |position| position.line());
        if !filter.keep(field(&record, chamber_column)) {
            continue;
        }
        let whole = |index: usize, name: &str| whole_number(&origin, &record, line, index, name);
        let congress = whole(congress_column, "congress")?;
        let rollnumber = whole(number_column, "rollnumber")?;
        let date_text = text(field(&record, date_column));
        let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").map_err(|_| {
            csv_error(
                &origin,
                line,
                "date",
                format!("\"{date_text}\" is not a date like 2002-10-10"),
            )
        })?;
        let optional_text = |column: Option<usize>| {
            column
                .map(|index| text(field(&record, index)))
                .filter(|text| !text.is_empty() && text != "NA")
        };
        let count = |column: Option<usize>| column.and_then(|index| number(field(&record, index)));
        let question = match (
            optional_text(question_column),
            optional_text(description_column),
        ) {
            (Some(question), Some(description)) => format!("{question}: {description}"),
            (Some(text), None) | (None, Some(text)) => text,
            (None, None) => format!("Roll call {rollnumber} of congress {congress}"),
        };
        let rollcall = RollCall {
            date,
            yea: count(yea_column),
            nay: count(nay_column),
            result: optional_text(result_column),
            question,
        };
        if rollcalls
            .entry(congress)
            .or_default()
            .insert(rollnumber, rollcall)
            .is_some()
        {
            return Err(csv_error(
                &origin,
                line,
                "rollnumber",
                format!("roll call {rollnumber} of congress {congress} is listed twice"),
            ));
        }
    }
    filter.check(&origin)?;
    Ok(rollcalls)
}

/// Reads the votes of one congress at a time from the stream.
struct VoteStream<R> {
    origin: String,
    reader: csv::Reader<R>,
    record: ByteRecord,
    pending: bool,
    finished: bool,
    congress_column: usize,
    chamber_column: usize,
    number_column: usize,
    icpsr_column: usize,
    cast_column: usize,
    last_congress: Option<u32>,
    rows: u64,
}

/// One vote row, kept small: the member's position in the congress's roster.
type Votes = BTreeMap<u32, Vec<(u32, RecordedOption, u64)>>;

impl<R: std::io::Read> VoteStream<R> {
    fn new(source: Source<R>) -> Result<Self, ImportError> {
        // A large buffer: the votes file is read in one pass of millions of rows.
        let (origin, reader, columns) = open_csv(source, Some(1 << 20))?;
        Ok(Self {
            congress_column: columns.required("congress")?,
            chamber_column: columns.required("chamber")?,
            number_column: columns.required("rollnumber")?,
            icpsr_column: columns.required("icpsr")?,
            cast_column: columns.required("cast_code")?,
            origin,
            reader,
            record: ByteRecord::new(),
            pending: false,
            finished: false,
            last_congress: None,
            rows: 0,
        })
    }

    fn line(&self) -> u64 {
        self.record.position().map_or(0, |position| position.line())
    }

    fn whole(&self, index: usize, name: &str) -> Result<u32, ImportError> {
        number(field(&self.record, index)).ok_or_else(|| {
            csv_error(
                &self.origin,
                self.line(),
                name,
                format!(
                    "\"{}\" is not a whole number",
                    text(field(&self.record, index))
                ),
            )
        })
    }

    /// The votes of `congress`, as (rollnumber → [(icpsr, option, line)]).
    fn congress(
        &mut self,
        congress: u32,
        filter: &mut ChamberFilter,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Votes, ImportError> {
        let mut votes: Votes = BTreeMap::new();
        loop {
            if !self.pending {
                if self.finished {
                    break;
                }
                let more = self
                    .reader
                    .read_byte_record(&mut self.record)
                    .map_err(|error| read_error(&self.origin, &error))?;
                if !more {
                    self.finished = true;
                    break;
                }
                self.rows += 1;
                if self.rows % 65_536 == 0 {
                    progress(Progress {
                        rows: self.rows,
                        bytes: self.record.position().map_or(0, |position| position.byte()),
                    });
                }
                if !filter.keep(field(&self.record, self.chamber_column)) {
                    continue;
                }
                self.pending = true;
            }
            let row_congress = self.whole(self.congress_column, "congress")?;
            if self.last_congress.is_some_and(|last| row_congress < last) {
                return Err(csv_error(
                    &self.origin,
                    self.line(),
                    "congress",
                    format!(
                        "congress {row_congress} after congress {}: the votes must be grouped by congress in ascending order, as Voteview publishes them",
                        self.last_congress.unwrap_or_default()
                    ),
                ));
            }
            if row_congress > congress {
                break;
            }
            if row_congress < congress {
                return Err(csv_error(
                    &self.origin,
                    self.line(),
                    "congress",
                    format!("congress {row_congress} has no members in the members file"),
                ));
            }
            self.last_congress = Some(row_congress);
            self.pending = false;
            let rollnumber = self.whole(self.number_column, "rollnumber")?;
            let icpsr = self.whole(self.icpsr_column, "icpsr")?;
            let code = self.whole(self.cast_column, "cast_code")?;
            let option = option_of_cast_code(code)
                .map_err(|message| csv_error(&self.origin, self.line(), "cast_code", message))?;
            if let Some(option) = option {
                votes
                    .entry(rollnumber)
                    .or_default()
                    .push((icpsr, option, self.line()));
            }
        }
        Ok(votes)
    }

    /// The congress of the next row not yet consumed, if any.
    fn next_congress(&self) -> Option<u32> {
        if self.pending {
            number(field(&self.record, self.congress_column))
        } else {
            None
        }
    }
}

fn find_member(state: &State, icpsr: u32) -> Option<MemberId> {
    match state.subject_with_identifier("member", ICPSR_SCHEME, &icpsr.to_string()) {
        Some(Subject::Member(member)) => Some(member.clone()),
        _ => None,
    }
}

fn find_bloc(state: &State, code: u32) -> Option<BlocId> {
    match state.subject_with_identifier("bloc", PARTY_SCHEME, &code.to_string()) {
        Some(Subject::Bloc(bloc)) => Some(bloc.clone()),
        _ => None,
    }
}

fn roll_call_key(congress: u32, chamber: &str, rollnumber: u32) -> String {
    format!("{congress}-{chamber}-{rollnumber}")
}

/// Imports a Voteview history: one transaction per congress, each handed to
/// `run_batch` (which runs it with `Chamber::execute_batch` and returns the error's
/// words if it fails). `state` is a copy of the chamber's state, kept in step with the
/// batches run; `progress` is told how far the votes file has been read.
pub fn import_voteview<M: BufRead, V: BufRead, R: BufRead>(
    state: State,
    import: VoteviewImport<M, V, R>,
    progress: &mut dyn FnMut(Progress),
    run_batch: &mut dyn FnMut(&ImportPlan) -> Result<(), String>,
) -> Result<ImportReport, ImportError> {
    let mut filter = ChamberFilter {
        chosen: import.chamber.clone(),
        seen: BTreeSet::new(),
    };
    let members_origin = import.members.origin.clone();
    let members = read_members(import.members, &mut filter)?;
    let rollcalls = read_rollcalls(import.rollcalls, &mut filter)?;
    let chamber_name = filter.name();
    let letter = chamber_name
        .chars()
        .next()
        .map_or('x', |first| first.to_ascii_lowercase());
    let mut votes = VoteStream::new(import.votes)?;

    // First and last congress of each member, and the most members sitting at once.
    let mut span: HashMap<u32, (u32, u32)> = HashMap::new();
    for (congress, roster) in &members {
        for icpsr in roster.keys() {
            let entry = span.entry(*icpsr).or_insert((*congress, *congress));
            entry.1 = *congress;
        }
    }
    let final_congress = members.keys().next_back().copied();
    let congresses: BTreeSet<u32> = members.keys().chain(rollcalls.keys()).copied().collect();
    let peak = congresses
        .iter()
        .map(|congress| {
            span.values()
                .filter(|(first, last)| first <= congress && congress <= last)
                .count()
        })
        .max()
        .unwrap_or(0);
    let peak = u32::try_from(peak).unwrap_or(u32::MAX);

    let mut planner = Planner::owning(state, import.at);
    let origin_of = |congress: u32| format!("{members_origin}: congress {congress}");
    if planner.scratch.chamber.is_none() {
        let Some(new_chamber) = &import.new_chamber else {
            return Err(file_error(
                &members_origin,
                "the journal is empty: name the standing orders of the new chamber (--preset NAME)",
            ));
        };
        let seats = new_chamber
            .seats
            .unwrap_or(new_chamber.default_seats)
            .max(peak);
        planner.run(
            members_origin.clone(),
            Command::EstablishChamber {
                name: new_chamber
                    .name
                    .clone()
                    .unwrap_or_else(|| new_chamber.default_name.clone()),
                seats,
                standing_orders: new_chamber.standing_orders.clone(),
            },
        )?;
        planner.report().kind("chamber").added += 1;
    } else {
        let seats = planner
            .scratch
            .chamber
            .as_ref()
            .map_or(0, |chamber| chamber.seats);
        let sitting_elsewhere = planner
            .scratch
            .sitting_members()
            .filter(|member| {
                planner
                    .scratch
                    .identifier_under(&Subject::Member(member.id.clone()), ICPSR_SCHEME)
                    .is_none()
            })
            .count();
        let needed = peak.saturating_add(u32::try_from(sitting_elsewhere).unwrap_or(u32::MAX));
        if needed > seats {
            return Err(file_error(
                &members_origin,
                format!(
                    "up to {peak} of these members sit at once (besides {sitting_elsewhere} members already sitting), and the chamber has {seats} seats"
                ),
            ));
        }
    }

    for congress in congresses {
        let roster = members.get(&congress).cloned().unwrap_or_default();
        // Congress 0 is not a US congress (hemicycle's own divisions): it starts on the
        // day of its first roll call.
        let first_roll_call = rollcalls
            .get(&congress)
            .and_then(|rollcalls| rollcalls.values().map(|rollcall| rollcall.date).min());
        let start = match (congress, first_roll_call) {
            (0, Some(date)) => Some(date),
            _ => congress_start(congress),
        }
        .ok_or_else(|| {
            file_error(
                &members_origin,
                format!("congress {congress} is out of range"),
            )
        })?;
        let origin = origin_of(congress);
        // The members of this congress: admitted, or moved to their party's bloc.
        let mut member_ids: HashMap<u32, MemberId> = HashMap::with_capacity(roster.len());
        for (icpsr, row) in &roster {
            let code = row.party;
            let bloc = match find_bloc(&planner.scratch, code) {
                Some(bloc) => bloc,
                None => {
                    let slug = slug::unique(format!("party-{code}"), |slug| {
                        BlocId::new(slug)
                            .map_or(true, |bloc| planner.scratch.blocs.contains_key(&bloc))
                    });
                    let bloc = BlocId::new(slug)
                        .map_err(|error| file_error(&members_origin, error.to_string()))?;
                    planner.run(
                        origin.clone(),
                        Command::RegisterBloc {
                            bloc: bloc.clone(),
                            name: row.party_name.clone().unwrap_or_else(|| party_name(code)),
                            short_name: None,
                            kind: BlocKind::Party,
                            colour: None,
                        },
                    )?;
                    planner.run(
                        origin.clone(),
                        Command::RecordIdentifiers {
                            subject: Subject::Bloc(bloc.clone()),
                            identifiers: vec![ExternalIdentifier {
                                scheme: PARTY_SCHEME.into(),
                                identifier: code.to_string(),
                            }],
                        },
                    )?;
                    planner.report().kind("parties").added += 1;
                    bloc
                }
            };
            match find_member(&planner.scratch, *icpsr) {
                Some(member) => {
                    let record = &planner.scratch.members[&member];
                    // A roster that already runs past this congress is not rewritten.
                    let later_known = record
                        .memberships
                        .last()
                        .is_some_and(|membership| membership.from > start);
                    if record.is_sitting() && !later_known && record.current_bloc() != Some(&bloc) {
                        let on = start;
                        planner.run(
                            origin.clone(),
                            Command::ChangeBloc {
                                member: member.clone(),
                                bloc: Some(bloc),
                                on,
                            },
                        )?;
                        planner.report().kind("members").changed += 1;
                    } else {
                        planner.report().kind("members").unchanged += 1;
                    }
                    member_ids.insert(*icpsr, member);
                }
                None => {
                    let readable = slug::readable(&row.name);
                    let stem = if readable.is_empty() {
                        "member".to_owned()
                    } else {
                        readable
                    };
                    let slug = slug::unique(format!("{stem}-{icpsr}"), |slug| {
                        MemberId::new(slug)
                            .map_or(true, |member| planner.scratch.members.contains_key(&member))
                    });
                    let member = MemberId::new(slug)
                        .map_err(|error| file_error(&members_origin, error.to_string()))?;
                    planner.run(
                        origin.clone(),
                        Command::AdmitMember {
                            member: member.clone(),
                            name: row.name.clone(),
                            constituency: row.constituency.clone(),
                            bloc: Some(bloc),
                            on: start,
                        },
                    )?;
                    planner.run(
                        origin.clone(),
                        Command::RecordIdentifiers {
                            subject: Subject::Member(member.clone()),
                            identifiers: vec![ExternalIdentifier {
                                scheme: ICPSR_SCHEME.into(),
                                identifier: icpsr.to_string(),
                            }],
                        },
                    )?;
                    if row.born.is_some() || row.died.is_some() {
                        planner.run(
                            origin.clone(),
                            Command::RecordMemberDetails {
                                member: member.clone(),
                                details: MemberDetails {
                                    birth_date: row.born.clone(),
                                    death_date: row.died.clone(),
                                    ..MemberDetails::default()
                                },
                            },
                        )?;
                    }
                    planner.report().kind("members").added += 1;
                    member_ids.insert(*icpsr, member);
                }
            }
        }
        planner.report().kind("members").read += roster.len() as u64;

        // The roll calls of this congress, with their votes from the stream.
        let mut congress_votes = if votes.next_congress().is_some_and(|next| next > congress) {
            BTreeMap::new()
        } else {
            votes.congress(congress, &mut filter, progress)?
        };
        let empty = BTreeMap::new();
        let congress_rollcalls = rollcalls.get(&congress).unwrap_or(&empty);
        if let Some((rollnumber, rows)) = congress_votes
            .iter()
            .find(|(rollnumber, _)| !congress_rollcalls.contains_key(rollnumber))
        {
            return Err(csv_error(
                &votes.origin,
                rows[0].2,
                "rollnumber",
                format!("no roll call {rollnumber} of congress {congress} in the roll-call file"),
            ));
        }
        let mut votes_in_batch = 0usize;
        for (rollnumber, rollcall) in congress_rollcalls {
            let rows = congress_votes.remove(rollnumber).unwrap_or_default();
            planner.report().kind("roll calls").read += 1;
            planner.report().kind("votes").read += rows.len() as u64;
            let key = roll_call_key(congress, &chamber_name, *rollnumber);
            if planner
                .scratch
                .subject_with_identifier("division", ROLL_CALL_SCHEME, &key)
                .is_some()
            {
                planner.report().kind("roll calls").unchanged += 1;
                planner.report().kind("votes").unchanged += rows.len() as u64;
                continue;
            }
            let mut recorded = Vec::with_capacity(rows.len());
            let mut seen = HashMap::with_capacity(rows.len());
            for (icpsr, option, line) in rows {
                let member = member_ids.get(&icpsr).ok_or_else(|| {
                    csv_error(
                        &votes.origin,
                        line,
                        "icpsr",
                        format!("no member {icpsr} in congress {congress} in the members file"),
                    )
                })?;
                if let Some(first) = seen.insert(icpsr, line) {
                    return Err(csv_error(
                        &votes.origin,
                        line,
                        "icpsr",
                        format!(
                            "member {icpsr} already voted in roll call {rollnumber} (line {first})"
                        ),
                    ));
                }
                recorded.push((member.clone(), option));
            }
            let slug = slug::unique(format!("{letter}{congress}-{rollnumber}"), |slug| {
                DivisionId::new(slug).map_or(true, |division| {
                    planner.scratch.subject_exists(&Subject::Division(division))
                })
            });
            let division = DivisionId::new(slug)
                .map_err(|error| file_error(&members_origin, error.to_string()))?;
            let vote_count = recorded.len();
            planner.run(
                format!("{origin}, roll call {rollnumber}"),
                Command::RecordDivision {
                    division: division.clone(),
                    on: rollcall.date,
                    at: None,
                    question: rollcall.question.clone(),
                    motion: None,
                    result: rollcall.result.clone(),
                    counts: RecordedCounts {
                        yes: rollcall.yea,
                        no: rollcall.nay,
                        ..RecordedCounts::default()
                    },
                    votes: recorded,
                },
            )?;
            planner.run(
                origin.clone(),
                Command::RecordIdentifiers {
                    subject: Subject::Division(division),
                    identifiers: vec![ExternalIdentifier {
                        scheme: ROLL_CALL_SCHEME.into(),
                        identifier: key,
                    }],
                },
            )?;
            planner.report().kind("roll calls").added += 1;
            planner.report().kind("votes").added += vote_count as u64;
            votes_in_batch += vote_count;
            if planner.plan.commands.len() >= BATCH_COMMANDS_MAX
                || votes_in_batch >= BATCH_VOTES_MAX
            {
                let plan = planner.take();
                run_batch(&plan).map_err(|message| ImportError::Refused {
                    at: origin.clone(),
                    message,
                })?;
                planner.report().kind("transactions").added += 1;
                carry_report(&mut planner, plan.report);
                votes_in_batch = 0;
            }
        }

        // Members who served last in this congress leave, unless it is the last one.
        if Some(congress) != final_congress {
            for icpsr in roster.keys() {
                if span.get(icpsr).is_some_and(|(_, last)| *last == congress) {
                    let member = &member_ids[icpsr];
                    if planner.scratch.members[member].is_sitting() {
                        planner.run(
                            origin.clone(),
                            Command::DepartMember {
                                member: member.clone(),
                                reason: format!("served until the end of congress {congress}"),
                                on: congress_start(congress + 1).unwrap_or(start),
                            },
                        )?;
                    }
                }
            }
        }
        if !planner.plan.is_empty() {
            let plan = planner.take();
            run_batch(&plan).map_err(|message| ImportError::Refused {
                at: origin.clone(),
                message,
            })?;
            planner.report().kind("transactions").added += 1;
            carry_report(&mut planner, plan.report);
        }
    }
    if let Some(congress) = votes.next_congress() {
        return Err(csv_error(
            &votes.origin,
            votes.line(),
            "congress",
            format!("congress {congress} has no members in the members file"),
        ));
    }
    // Anything left unread is of a congress that nothing else names.
    let leftover = votes.congress(u32::MAX, &mut filter, progress)?;
    if let Some(rows) = leftover.values().next() {
        return Err(csv_error(
            &votes.origin,
            rows[0].2,
            "congress",
            "a congress that has no members in the members file",
        ));
    }
    progress(Progress {
        rows: votes.rows,
        bytes: votes.reader.position().byte(),
    });
    Ok(planner.plan.report)
}

/// Keeps the counts of a plan handed over in the planner's running report.
fn carry_report(planner: &mut Planner, report: ImportReport) {
    let running = planner.report();
    for (kind, counts) in report.kinds {
        let total = running.kind(&kind);
        total.read += counts.read;
        total.added += counts.added;
        total.changed += counts.changed;
        total.unchanged += counts.unchanged;
        total.skipped += counts.skipped;
    }
    running.notes.extend(report.notes);
}

/// The three files of a Voteview export.
#[derive(Debug, Clone, Default)]
pub struct VoteviewFiles {
    pub members: Vec<u8>,
    pub votes: Vec<u8>,
    pub rollcalls: Vec<u8>,
}

/// Where a division stands in Voteview's numbering.
struct Numbered<'a> {
    congress: u32,
    chamber: String,
    rollnumber: u32,
    date: Date,
    question: String,
    result: Option<String>,
    counts: RecordedCounts,
    votes: Vec<(&'a MemberId, RecordedOption)>,
}

/// The chamber's divisions in the Voteview layout: members (`icpsr`: the member's ICPSR
/// number if imported from Voteview, otherwise 9,000,000 plus their place on the roll),
/// votes and roll calls. Our own divisions are congress 0, numbered in order.
pub fn export_voteview(state: &State) -> Result<VoteviewFiles, ExportError> {
    let chamber = state.chamber.as_ref().ok_or(ExportError::NoChamber)?;
    let icpsr_of = |member: &MemberId| -> u32 {
        state
            .identifier_under(&Subject::Member(member.clone()), ICPSR_SCHEME)
            .and_then(|icpsr| icpsr.parse().ok())
            .unwrap_or_else(|| {
                let place = state.members.get_index_of(member).unwrap_or(0);
                9_000_000 + u32::try_from(place).unwrap_or(0) + 1
            })
    };
    let party_of = |bloc: &BlocId| -> u32 {
        state
            .identifier_under(&Subject::Bloc(bloc.clone()), PARTY_SCHEME)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| {
                let place = state.blocs.get_index_of(bloc).unwrap_or(0);
                9_000 + u32::try_from(place).unwrap_or(0) + 1
            })
    };
    let mut numbered: Vec<Numbered<'_>> = Vec::new();
    let mut own = 0u32;
    for division in state.divisions.values() {
        if matches!(
            division.question,
            hemicycle_core::model::Question::Election { .. }
        ) || division.method != hemicycle_core::model::DivisionMethod::Recorded
        {
            continue;
        }
        own += 1;
        let tally = division.tally();
        let votes = division
            .ballots
            .iter()
            .filter_map(|(member, choice)| {
                let option = match choice {
                    hemicycle_core::model::Choice::Yes => RecordedOption::Yes,
                    hemicycle_core::model::Choice::No => RecordedOption::No,
                    hemicycle_core::model::Choice::Abstain => RecordedOption::Abstain,
                    hemicycle_core::model::Choice::Candidate(_) => return None,
                };
                Some((member, option))
            })
            .collect();
        let question = match &division.question {
            hemicycle_core::model::Question::Motion { motion } => state
                .motions
                .get(motion)
                .map_or_else(|| motion.to_string(), |motion| motion.title.clone()),
            hemicycle_core::model::Question::Election { office, .. } => office.clone(),
        };
        numbered.push(Numbered {
            congress: 0,
            chamber: chamber.name.clone(),
            rollnumber: own,
            date: state
                .sittings
                .get(&division.sitting)
                .map_or_else(|| division.opened_at.date_naive(), |sitting| sitting.date()),
            question,
            result: division
                .closed
                .as_ref()
                .map(|closed| closed.outcome.verdict.in_words()),
            counts: RecordedCounts {
                yes: Some(tally.yes),
                no: Some(tally.no),
                ..RecordedCounts::default()
            },
            votes,
        });
    }
    for division in state.recorded_divisions.values() {
        let key = state.identifier_under(&Subject::Division(division.id.clone()), ROLL_CALL_SCHEME);
        let parsed = key.and_then(|key| {
            let mut parts = key.splitn(3, '-');
            let congress = parts.next()?.parse().ok()?;
            let chamber = parts.next()?.to_owned();
            let rollnumber = parts.next()?.parse().ok()?;
            Some((congress, chamber, rollnumber))
        });
        let (congress, chamber_name, rollnumber) = match parsed {
            Some(parsed) => parsed,
            None => {
                own += 1;
                (0, chamber.name.clone(), own)
            }
        };
        numbered.push(Numbered {
            congress,
            chamber: chamber_name,
            rollnumber,
            date: division.on,
            question: division.question.clone(),
            result: division.result.clone(),
            counts: division.counts,
            votes: division
                .votes
                .iter()
                .map(|(member, option)| (member, *option))
                .collect(),
        });
    }
    numbered.sort_by_key(|division| division.congress);

    let mut files = VoteviewFiles::default();
    {
        let mut rollcalls = csv::Writer::from_writer(&mut files.rollcalls);
        rollcalls.write_record([
            "congress",
            "chamber",
            "rollnumber",
            "date",
            "yea_count",
            "nay_count",
            "vote_result",
            "vote_question",
            "vote_desc",
        ])?;
        let mut votes = csv::Writer::from_writer(&mut files.votes);
        votes.write_record(["congress", "chamber", "rollnumber", "icpsr", "cast_code"])?;
        let mut members_by_congress: BTreeMap<(u32, String), BTreeSet<usize>> = BTreeMap::new();
        for division in &numbered {
            let count = |option| {
                division
                    .counts
                    .get(option)
                    .map(|value: u32| value.to_string())
            };
            rollcalls.write_record([
                division.congress.to_string(),
                division.chamber.clone(),
                division.rollnumber.to_string(),
                division.date.format("%Y-%m-%d").to_string(),
                count(RecordedOption::Yes).unwrap_or_default(),
                count(RecordedOption::No).unwrap_or_default(),
                division.result.clone().unwrap_or_default(),
                String::new(),
                division.question.clone(),
            ])?;
            let roster = members_by_congress
                .entry((division.congress, division.chamber.clone()))
                .or_default();
            for (member, option) in &division.votes {
                roster.insert(state.members.get_index_of(*member).unwrap_or(0));
                votes.write_record([
                    division.congress.to_string(),
                    division.chamber.clone(),
                    division.rollnumber.to_string(),
                    icpsr_of(member).to_string(),
                    cast_code_of(*option).to_string(),
                ])?;
            }
        }
        if members_by_congress.is_empty() {
            members_by_congress.insert(
                (0, chamber.name.clone()),
                (0..state.members.len()).collect(),
            );
        }
        let mut members = csv::Writer::from_writer(&mut files.members);
        members.write_record([
            "congress",
            "chamber",
            "icpsr",
            "state_abbrev",
            "party_code",
            "bioname",
            "born",
            "died",
            "party_name",
            "hemicycle_id",
        ])?;
        for ((congress, chamber_name), places) in &members_by_congress {
            for place in places {
                let Some((id, member)) = state.members.get_index(*place) else {
                    continue;
                };
                let date = numbered
                    .iter()
                    .find(|division| division.congress == *congress)
                    .map(|division| division.date);
                let bloc = date
                    .and_then(|date| member.bloc_on(date))
                    .or_else(|| member.current_bloc())
                    .or_else(|| member.memberships.last().map(|membership| &membership.bloc));
                let details = state.member_details.get(id);
                let year = |date: Option<&String>| {
                    date.map(|date| date.chars().take(4).collect::<String>())
                        .unwrap_or_default()
                };
                members.write_record([
                    congress.to_string(),
                    chamber_name.clone(),
                    icpsr_of(id).to_string(),
                    member.constituency.clone().unwrap_or_default(),
                    bloc.map(|bloc| party_of(bloc).to_string())
                        .unwrap_or_default(),
                    member.name.clone(),
                    year(details.and_then(|details| details.birth_date.as_ref())),
                    year(details.and_then(|details| details.death_date.as_ref())),
                    bloc.and_then(|bloc| state.blocs.get(bloc))
                        .map(|bloc| bloc.name.clone())
                        .unwrap_or_default(),
                    id.to_string(),
                ])?;
            }
        }
        members.flush()?;
        votes.flush()?;
        rollcalls.flush()?;
    }
    Ok(files)
}

/// Writes the three files of a Voteview export.
pub fn write_voteview(
    state: &State,
    members: &mut impl Write,
    votes: &mut impl Write,
    rollcalls: &mut impl Write,
) -> Result<(), ExportError> {
    let files = export_voteview(state)?;
    members.write_all(&files.members)?;
    votes.write_all(&files.votes)?;
    rollcalls.write_all(&files.rollcalls)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_codes_map_as_documented() {
        let expected = [
            (0, None),
            (1, Some(RecordedOption::Yes)),
            (2, Some(RecordedOption::Yes)),
            (3, Some(RecordedOption::Yes)),
            (4, Some(RecordedOption::No)),
            (5, Some(RecordedOption::No)),
            (6, Some(RecordedOption::No)),
            (7, Some(RecordedOption::Abstain)),
            (8, Some(RecordedOption::Abstain)),
            (9, Some(RecordedOption::NotVoting)),
        ];
        for (code, option) in expected {
            assert_eq!(option_of_cast_code(code), Ok(option), "{code}");
        }
        assert!(option_of_cast_code(10).is_err());
        for option in RecordedOption::ALL {
            let back = option_of_cast_code(u32::from(cast_code_of(option))).expect("a code");
            let expected = if option == RecordedOption::Absent {
                RecordedOption::NotVoting
            } else {
                option
            };
            assert_eq!(back, Some(expected));
        }
    }

    #[test]
    fn congresses_start_on_their_day() {
        assert_eq!(congress_start(1), NaiveDate::from_ymd_opt(1789, 3, 4));
        assert_eq!(congress_start(107), NaiveDate::from_ymd_opt(2001, 1, 3));
    }

    #[test]
    fn numbers_as_r_writes_them() {
        assert_eq!(number(b"12"), Some(12));
        assert_eq!(number(b"12.0"), Some(12));
        assert_eq!(number(b"x"), None);
    }
}
