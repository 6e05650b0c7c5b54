//! The record of a sitting, read from the chamber's state: attendance by bloc with
//! boycotts, quorum checks, communications, divisions with their outcome and
//! explanation, and the follow-up register — as plain text, and as a seat chart.
//!
//! Pure: it reads a [`State`] and returns strings.

use std::fmt::Write as _;

use indexmap::IndexMap;

use hemicycle_chart::{Chart, Group, SeatStyle};
use hemicycle_core::ids::{BlocId, SittingId};
use hemicycle_core::model::{Choice, Date, Presence, Question, SittingKind, Sponsor, Timestamp};
use hemicycle_core::state::{Division, FollowUp, Member, Proceeding, Sitting};
use hemicycle_core::State;

/// What cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("no chamber has been established in this journal")]
    NoChamber,
    #[error("no sitting {0}; the sittings are: {1}")]
    NoSitting(SittingId, String),
    #[error("the journal holds no sitting yet")]
    NoSittings,
    #[error("seat chart: {0}")]
    Chart(#[from] hemicycle_chart::ChartError),
}

/// How much to print.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordOptions {
    /// List every member's ballot, grouped by bloc, under each recorded division.
    pub roll_call: bool,
}

const NO_BLOC: &str = "(no bloc)";

fn time(at: &Timestamp) -> String {
    at.format("%H:%M").to_string()
}

fn bloc_label(state: &State, bloc: Option<&BlocId>) -> String {
    match bloc.and_then(|bloc| state.blocs.get(bloc)) {
        Some(bloc) => bloc.label().to_owned(),
        None => NO_BLOC.to_owned(),
    }
}

/// Members who held a seat on the sitting's date, grouped by the bloc they belonged to then,
/// blocs in the order they were registered.
fn members_by_bloc<'a>(
    state: &'a State,
    sitting: &Sitting,
) -> IndexMap<Option<BlocId>, Vec<&'a Member>> {
    let date = sitting.date();
    let mut groups: IndexMap<Option<BlocId>, Vec<&Member>> = state
        .blocs
        .keys()
        .map(|bloc| (Some(bloc.clone()), Vec::new()))
        .collect();
    for member in state.sitting_members() {
        groups
            .entry(member.bloc_on(date).cloned())
            .or_default()
            .push(member);
    }
    groups.retain(|_, members| !members.is_empty());
    groups
}

/// Resolves which sitting to show: the one named, or the latest.
pub fn choose_sitting<'a>(
    state: &'a State,
    sitting: Option<&SittingId>,
) -> Result<&'a Sitting, RecordError> {
    match sitting {
        Some(id) => state.sittings.get(id).ok_or_else(|| {
            RecordError::NoSitting(
                id.clone(),
                state
                    .sittings
                    .keys()
                    .map(|id| id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        }),
        None => state
            .sittings
            .values()
            .last()
            .ok_or(RecordError::NoSittings),
    }
}

fn write_notices(out: &mut String, state: &State, sitting: &Sitting) {
    for notice in state.notices.iter().chain(&sitting.notices) {
        let _ = writeln!(out, "NOTICE: {notice}");
        let _ = writeln!(out);
    }
}

/// The printed record of one sitting.
pub fn sitting_record(
    state: &State,
    sitting: &Sitting,
    options: RecordOptions,
) -> Result<String, RecordError> {
    let chamber = state.chamber.as_ref().ok_or(RecordError::NoChamber)?;
    let mut out = String::new();
    let _ = writeln!(out, "{}", chamber.name.to_uppercase());
    let kind = match sitting.kind {
        SittingKind::Ordinary => "Ordinary sitting",
        SittingKind::Extraordinary => "Extraordinary sitting",
    };
    let _ = writeln!(out, "{kind} {} — {}", sitting.id, sitting.title);
    let _ = writeln!(
        out,
        "Convened for {}; status: {}.",
        sitting.scheduled_for.format("%Y-%m-%d %H:%M (UTC%:z)"),
        sitting.status.in_words()
    );
    if let Some(requested_by) = &sitting.requested_by {
        let _ = writeln!(out, "Requested by: {requested_by}.");
    }
    let _ = writeln!(out);
    write_notices(&mut out, state, sitting);

    if !sitting.agenda.is_empty() {
        let _ = writeln!(out, "AGENDA");
        for (index, item) in sitting.agenda.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}", index + 1, item.title);
        }
        let _ = writeln!(out);
    }

    write_attendance(&mut out, state, sitting);
    write_proceedings(&mut out, state, sitting, options);
    write_follow_ups(&mut out, state, sitting);
    if !state.notices.is_empty() || !sitting.notices.is_empty() {
        let _ = writeln!(out, "(This record carries the notice printed at its head.)");
        let _ = writeln!(out);
    }
    Ok(out)
}

fn write_attendance(out: &mut String, state: &State, sitting: &Sitting) {
    let size = state.size();
    let _ = writeln!(
        out,
        "ATTENDANCE ({} seats, {} members)",
        size.seats, size.members
    );
    let _ = writeln!(
        out,
        "  {:<22} {:>5} {:>8} {:>7} {:>8} {:>11}",
        "Bloc", "Seats", "Present", "Absent", "Excused", "Boycotting"
    );
    let mut totals = [0usize; 5];
    for (bloc, members) in members_by_bloc(state, sitting) {
        let mut counts = [members.len(), 0, 0, 0, 0];
        for member in &members {
            let index = match state.presence(sitting, member) {
                Presence::Present => 1,
                Presence::Absent => 2,
                Presence::Excused => 3,
                Presence::Boycotting => 4,
            };
            counts[index] += 1;
        }
        for (total, count) in totals.iter_mut().zip(counts) {
            *total += count;
        }
        let _ = writeln!(
            out,
            "  {:<22} {:>5} {:>8} {:>7} {:>8} {:>11}",
            bloc_label(state, bloc.as_ref()),
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            counts[4]
        );
    }
    let _ = writeln!(
        out,
        "  {:<22} {:>5} {:>8} {:>7} {:>8} {:>11}",
        "Total", totals[0], totals[1], totals[2], totals[3], totals[4]
    );
    let vacant = size.seats.saturating_sub(size.members);
    if vacant > 0 {
        let _ = writeln!(out, "  Vacant seats: {vacant}");
    }
    if !sitting.boycotts.is_empty() {
        let _ = writeln!(out, "  Boycotts declared:");
        for (bloc, statement) in &sitting.boycotts {
            let name = state
                .blocs
                .get(bloc)
                .map_or_else(|| bloc.to_string(), |bloc| bloc.name.clone());
            match statement {
                Some(statement) => {
                    let _ = writeln!(out, "    - {name}: \"{statement}\"");
                }
                None => {
                    let _ = writeln!(out, "    - {name}");
                }
            }
        }
    }
    let _ = writeln!(out);
}

fn write_proceedings(out: &mut String, state: &State, sitting: &Sitting, options: RecordOptions) {
    let _ = writeln!(out, "PROCEEDINGS");
    if sitting.proceedings.is_empty() {
        let _ = writeln!(out, "  (none yet)");
    }
    for proceeding in &sitting.proceedings {
        match proceeding {
            Proceeding::Opened { at } => {
                let presiding = sitting
                    .presiding_officer
                    .as_ref()
                    .and_then(|member| state.members.get(member))
                    .map(|member| format!(", {} presiding", member.name))
                    .unwrap_or_default();
                let _ = writeln!(out, "  {}  The sitting opened{presiding}.", time(at));
            }
            Proceeding::Suspended { at, reason } => {
                let _ = writeln!(out, "  {}  The sitting was suspended: {reason}.", time(at));
            }
            Proceeding::Resumed { at } => {
                let _ = writeln!(out, "  {}  The sitting resumed.", time(at));
            }
            Proceeding::Closed { at, reason } => {
                let reason = reason
                    .as_ref()
                    .map(|reason| format!(": {reason}"))
                    .unwrap_or_default();
                let _ = writeln!(out, "  {}  The sitting closed{reason}.", time(at));
            }
            Proceeding::QuorumChecked { index } => {
                let check = &sitting.quorum_checks[*index];
                let occasion = match check.occasion {
                    hemicycle_core::outcome::QuorumOccasion::Opening => "at the opening",
                    hemicycle_core::outcome::QuorumOccasion::Division => "at a division",
                    hemicycle_core::outcome::QuorumOccasion::Request => "on request",
                };
                let _ = writeln!(
                    out,
                    "  {}  Quorum checked {occasion}. {}",
                    time(&check.at),
                    check.report.sentence()
                );
            }
            Proceeding::BoycottDeclared { at, bloc } => {
                let _ = writeln!(
                    out,
                    "  {}  {} declared a boycott of the sitting.",
                    time(at),
                    bloc_label(state, Some(bloc))
                );
            }
            Proceeding::CommunicationRead { communication } => {
                if let Some(communication) = state.communications.get(communication) {
                    let on_behalf = communication
                        .on_behalf_of
                        .as_ref()
                        .map(|bloc| format!(" (on behalf of {})", bloc_label(state, Some(bloc))))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "  {}  A communication was read into the record: from {}{on_behalf} — \"{}\".",
                        time(&communication.at),
                        communication.from,
                        communication.subject
                    );
                    for line in communication.text.lines() {
                        let _ = writeln!(out, "         {line}");
                    }
                }
            }
            Proceeding::DivisionHeld { division } => {
                if let Some(division) = state.divisions.get(division) {
                    write_division(out, state, sitting, division, options);
                }
            }
        }
    }
    let _ = writeln!(out);
}

fn write_division(
    out: &mut String,
    state: &State,
    sitting: &Sitting,
    division: &Division,
    options: RecordOptions,
) {
    let question = match &division.question {
        Question::Motion { motion } => match state.motions.get(motion) {
            Some(motion) => {
                let sponsors: Vec<String> = motion
                    .sponsors
                    .iter()
                    .map(|sponsor| match sponsor {
                        Sponsor::Bloc(bloc) => bloc_label(state, Some(bloc)),
                        Sponsor::Member(member) => state
                            .members
                            .get(member)
                            .map_or_else(|| member.to_string(), |member| member.name.clone()),
                    })
                    .collect();
                format!(
                    "{} ({}, put forward by {})",
                    motion.title,
                    motion.kind.in_words(),
                    sponsors.join(", ")
                )
            }
            None => motion.to_string(),
        },
        Question::Election { office, candidates } => {
            let names: Vec<String> = candidates
                .iter()
                .map(|candidate| format!("{} ({})", candidate.name, candidate.id))
                .collect();
            format!("Election of {office}; candidates: {}", names.join(", "))
        }
    };
    let _ = writeln!(
        out,
        "  {}  Division {} ({}) on: {question}",
        time(&division.opened_at),
        division.id,
        division.method.in_words()
    );
    if let Some(closes_at) = division.closes_at {
        let _ = writeln!(
            out,
            "         Vote timer: closes at {}.",
            closes_at.format("%H:%M:%S")
        );
    }
    let Some(closed) = &division.closed else {
        let tally = division.tally();
        let _ = writeln!(
            out,
            "         Open: {} in favour, {} against, {} abstaining so far ({} taking part).",
            tally.yes,
            tally.no,
            tally.abstain,
            division.taking_part()
        );
        return;
    };
    if division.method == hemicycle_core::model::DivisionMethod::Recorded {
        write_division_by_bloc(out, state, sitting, division, options);
    }
    let outcome = &closed.outcome;
    let _ = writeln!(
        out,
        "         Tally: {}",
        closed_tally_in_words(state, closed, |candidate| candidate.to_string())
    );
    let _ = writeln!(
        out,
        "  {}  Division {} closed. Result: {}.",
        time(&closed.at),
        division.id,
        outcome.verdict.in_words().to_uppercase()
    );
    let _ = writeln!(out, "         {}", outcome.explanation());
}

fn write_division_by_bloc(
    out: &mut String,
    state: &State,
    sitting: &Sitting,
    division: &Division,
    options: RecordOptions,
) {
    let closed = division.closed.as_ref().expect("closed divisions only");
    let choices: Vec<Choice> = match &division.question {
        Question::Motion { .. } => vec![Choice::Yes, Choice::No, Choice::Abstain],
        Question::Election { candidates, .. } => candidates
            .iter()
            .map(|candidate| Choice::Candidate(candidate.id.clone()))
            .chain([Choice::Abstain])
            .collect(),
    };
    let mut header = format!("         {:<22}", "By bloc");
    for choice in &choices {
        let _ = write!(header, " {:>8}", choice_heading(choice));
    }
    let _ = write!(header, " {:>10} {:>7}", "Not voting", "Absent");
    let _ = writeln!(out, "{header}");
    for (bloc, members) in members_by_bloc(state, sitting) {
        let mut line = format!("         {:<22}", bloc_label(state, bloc.as_ref()));
        for choice in &choices {
            let count = members
                .iter()
                .filter(|member| division.ballots.get(&member.id) == Some(choice))
                .count();
            let _ = write!(line, " {count:>8}");
        }
        let not_voting = members
            .iter()
            .filter(|member| {
                closed.present.contains(&member.id) && !division.ballots.contains_key(&member.id)
            })
            .count();
        let absent = members
            .iter()
            .filter(|member| {
                !closed.present.contains(&member.id) && !division.ballots.contains_key(&member.id)
            })
            .count();
        let _ = writeln!(line, " {not_voting:>10} {absent:>7}");
        out.push_str(&line);
        if options.roll_call {
            for member in &members {
                let vote = match division.ballots.get(&member.id) {
                    Some(choice) => choice.in_words(),
                    None if closed.present.contains(&member.id) => "present, not voting".into(),
                    None => state.presence(sitting, member).in_words().into(),
                };
                let _ = writeln!(out, "             {:<40} {vote}", member.name);
            }
        }
    }
}

fn choice_heading(choice: &Choice) -> String {
    match choice {
        Choice::Yes => "Yes".into(),
        Choice::No => "No".into(),
        Choice::Abstain => "Abstain".into(),
        Choice::Candidate(candidate) => candidate.to_string(),
    }
}

/// A closed division's count in words: the votes (per candidate in an
/// election, each named by `candidate_label`), who took part, who was present
/// without taking part, and who was absent. Ends with a full stop.
pub fn closed_tally_in_words(
    state: &State,
    closed: &hemicycle_core::state::ClosedDivision,
    candidate_label: impl Fn(&hemicycle_core::ids::CandidateId) -> String,
) -> String {
    let outcome = &closed.outcome;
    let present = u32::try_from(closed.present.len()).unwrap_or(u32::MAX);
    let tally = &outcome.tally;
    let votes = if tally.candidates.is_empty() {
        format!(
            "{} in favour, {} against, {} abstaining",
            tally.yes, tally.no, tally.abstain
        )
    } else {
        let per_candidate: Vec<String> = tally
            .candidates
            .iter()
            .map(|(candidate, votes)| format!("{} {votes}", candidate_label(candidate)))
            .collect();
        format!(
            "{}, {} abstaining or blank",
            per_candidate.join(", "),
            tally.abstain
        )
    };
    format!(
        "{votes}; {} taking part; {} present not taking part; {} absent.",
        outcome.taking_part,
        present.saturating_sub(outcome.taking_part),
        state.size().members.saturating_sub(present)
    )
}

/// The follow-ups of resolutions decided in a division of `sitting`.
pub fn follow_ups_decided_in<'a>(
    state: &'a State,
    sitting: &Sitting,
) -> Vec<&'a hemicycle_core::state::FollowUp> {
    state
        .follow_ups
        .values()
        .filter(|follow_up| {
            state.motions.get(&follow_up.motion).is_some_and(|motion| {
                motion.divisions.iter().any(|division| {
                    state
                        .divisions
                        .get(division)
                        .is_some_and(|d| d.sitting == sitting.id)
                })
            })
        })
        .collect()
}

fn write_follow_ups(out: &mut String, state: &State, sitting: &Sitting) {
    let decided_here = follow_ups_decided_in(state, sitting);
    if decided_here.is_empty() {
        return;
    }
    let _ = writeln!(out, "FOLLOW-UP REGISTER");
    let today = sitting
        .closed_at
        .or(sitting.opened_at)
        .unwrap_or(sitting.scheduled_for)
        .date_naive();
    for follow_up in decided_here {
        write_follow_up(out, state, follow_up, today);
    }
    let _ = writeln!(out);
}

/// One entry of the follow-up register, as seen on `today`.
fn write_follow_up(out: &mut String, state: &State, follow_up: &FollowUp, today: Date) {
    let title = state
        .motions
        .get(&follow_up.motion)
        .map_or("", |motion| motion.title.as_str());
    let _ = writeln!(out, "  {} — {title}", follow_up.motion);
    let _ = writeln!(
        out,
        "    Addressed to {}; adopted {}.",
        follow_up.addressed_to, follow_up.adopted_on
    );
    if let Some((on, to)) = &follow_up.sent {
        let due = follow_up
            .response_due
            .map(|due| format!("; response due {due}"))
            .unwrap_or_default();
        let _ = writeln!(out, "    Sent {on} to {to}{due}.");
    }
    if let Some((on, summary)) = &follow_up.response {
        let _ = writeln!(out, "    Response received {on}: {summary}");
    }
    if let Some((_, on, note)) = &follow_up.conclusion {
        let _ = writeln!(out, "    Concluded {on}: {note}");
    }
    let _ = writeln!(out, "    Status: {}.", follow_up.view_on(today).in_words());
}

/// The follow-up register of the whole chamber as seen on `today`.
pub fn follow_up_register(state: &State, today: Date) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "FOLLOW-UP REGISTER (as of {today})");
    let _ = writeln!(out);
    for notice in &state.notices {
        let _ = writeln!(out, "NOTICE: {notice}");
        let _ = writeln!(out);
    }
    if state.follow_ups.is_empty() {
        let _ = writeln!(out, "  (no resolutions addressed outside the chamber)");
    }
    for follow_up in state.follow_ups.values() {
        write_follow_up(&mut out, state, follow_up, today);
    }
    out
}

/// The seat chart of a sitting: each bloc a wedge, absent members hollow.
pub fn seat_chart(state: &State, sitting: &Sitting) -> Result<String, RecordError> {
    let chamber = state.chamber.as_ref().ok_or(RecordError::NoChamber)?;
    let mut groups = Vec::new();
    let mut present_total = 0;
    for (bloc, members) in members_by_bloc(state, sitting) {
        let record = bloc.as_ref().and_then(|bloc| state.blocs.get(bloc));
        let colour = record
            .and_then(|bloc| bloc.colour.clone())
            .unwrap_or_else(|| "#9e9e9e".to_owned());
        let label = record.map_or_else(|| NO_BLOC.to_owned(), |bloc| bloc.name.clone());
        let mut seats: Vec<SeatStyle> = members
            .iter()
            .map(|member| {
                if state.presence(sitting, member) == Presence::Present {
                    SeatStyle::Filled
                } else {
                    SeatStyle::Hollow
                }
            })
            .collect();
        // Present members first within each wedge, so the wedge reads as a block.
        seats.sort_by_key(|style| !style.is_present());
        let present = seats.iter().filter(|style| style.is_present()).count();
        present_total += present;
        let label = match bloc.as_ref() {
            Some(bloc) if sitting.boycotts.contains_key(bloc) => {
                format!("{label} (boycott declared)")
            }
            _ => label,
        };
        groups.push(Group::new(label, colour, seats));
    }
    let size = state.size();
    let vacant = size.seats.saturating_sub(size.members) as usize;
    if vacant > 0 {
        let mut group = Group::new("Vacant", "#9e9e9e", vec![SeatStyle::Hollow; vacant]);
        group.legend = Some(format!("Vacant — {vacant} seats"));
        groups.push(group);
    }
    let quorum = state
        .quorum_now(sitting)
        .map(|report| format!(" Quorum {} required.", report.required))
        .unwrap_or_default();
    let chart = Chart {
        title: chamber.name.clone(),
        subtitle: Some(format!(
            "{} (sitting {}): {present_total} of {} seats present.{quorum} Hollow seats: absent.",
            sitting.title, sitting.id, size.seats
        )),
        groups,
        caption: state.notices.first().or(sitting.notices.first()).cloned(),
    };
    Ok(hemicycle_chart::render_svg(&chart)?)
}
