//! Attendance and boycotts: per member and per bloc, per sitting and over a period,
//! with participation in divisions.
//!
//! A member counts for a sitting when they belonged to a bloc on its date, or when
//! they are in its attendance list; their bloc is the one they belonged to that day.
//! Sittings still only convened with nobody checked in (not held yet) are left out.
//! Participation counts recorded divisions (a ballot by name) and secret ballots
//! (recorded participation); a show of hands records no names and is left out.
//! Historical divisions (imported, kept as recorded) dated within a period count for
//! participation only: every member the source lists could take part, and took part
//! with a yes, no or abstention; they record no sitting, so no presence.

use hemicycle_core::history::{RecordedDivision, RecordedOption};
use hemicycle_core::ids::{BlocId, SittingId};
use hemicycle_core::model::{Date, DivisionMethod, Presence};
use hemicycle_core::state::{Division, Member, Sitting, SittingStatus};
use hemicycle_core::State;
use indexmap::IndexMap;
use serde::Serialize;

use crate::error::AnalyticsError;

/// The label used for members who belonged to no bloc.
pub const NO_BLOC: &str = "No bloc";

/// A span of dates, both ends included; an open end means "no limit".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl Period {
    pub fn contains(&self, date: Date) -> bool {
        self.from.is_none_or(|from| from <= date) && self.to.is_none_or(|to| date <= to)
    }

    pub fn in_words(&self) -> String {
        match (self.from, self.to) {
            (None, None) => "all sittings".to_owned(),
            (Some(from), None) => format!("sittings from {from}"),
            (None, Some(to)) => format!("sittings up to {to}"),
            (Some(from), Some(to)) => format!("sittings from {from} to {to}"),
        }
    }
}

/// Which sittings an analysis covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Sitting(SittingId),
    Period(Period),
}

/// Counts of member-sittings by presence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PresenceCounts {
    pub present: u32,
    pub absent: u32,
    pub excused: u32,
    pub boycotting: u32,
}

impl PresenceCounts {
    pub fn add(&mut self, presence: Presence) {
        let slot = match presence {
            Presence::Present => &mut self.present,
            Presence::Absent => &mut self.absent,
            Presence::Excused => &mut self.excused,
            Presence::Boycotting => &mut self.boycotting,
        };
        *slot = slot.saturating_add(1);
    }

    pub fn total(&self) -> u32 {
        self.present
            .saturating_add(self.absent)
            .saturating_add(self.excused)
            .saturating_add(self.boycotting)
    }

    /// Share present; `None` when nobody was expected.
    pub fn presence_rate(&self) -> Option<f64> {
        share(self.present, self.total())
    }
}

/// `part / whole`, or `None` for an empty whole (never NaN).
pub fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// Divisions a member could take part in, and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Participation {
    pub divisions: u32,
    pub taken_part: u32,
}

impl Participation {
    pub fn rate(&self) -> Option<f64> {
        share(self.taken_part, self.divisions)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberAttendance {
    pub member: String,
    pub name: String,
    /// The member's bloc at the last sitting covered.
    pub bloc: Option<String>,
    pub presence: PresenceCounts,
    pub participation: Participation,
    pub participation_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlocAttendance {
    pub bloc: Option<String>,
    pub name: String,
    /// Sittings whose boycott the bloc declared.
    pub boycotts_declared: u32,
    /// Member-sittings.
    pub presence: PresenceCounts,
    pub presence_rate: Option<f64>,
    /// Member-divisions.
    pub participation: Participation,
    pub participation_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SittingAttendance {
    pub sitting: String,
    pub date: Date,
    pub title: String,
    pub presence: PresenceCounts,
    pub boycotting_blocs: Vec<String>,
    pub divisions: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttendanceReport {
    pub scope: String,
    pub sittings: Vec<SittingAttendance>,
    pub blocs: Vec<BlocAttendance>,
    pub members: Vec<MemberAttendance>,
    pub totals: PresenceCounts,
    /// Notices of the record (e.g. "illustration, not a record"), repeated on every output.
    pub notices: Vec<String>,
}

/// The sittings a scope covers, in the order they were convened.
pub fn sittings_in<'a>(
    state: &'a State,
    scope: &Scope,
) -> Result<Vec<&'a Sitting>, AnalyticsError> {
    match scope {
        Scope::Sitting(id) => state
            .sittings
            .get(id)
            .map(|sitting| vec![sitting])
            .ok_or_else(|| AnalyticsError::NoSitting(id.to_string())),
        Scope::Period(period) => {
            let chosen: Vec<&Sitting> = state
                .sittings
                .values()
                .filter(|sitting| was_held(sitting) && period.contains(sitting.date()))
                .collect();
            if chosen.is_empty() {
                return Err(AnalyticsError::NoSittings(format!(
                    " ({})",
                    period.in_words()
                )));
            }
            Ok(chosen)
        }
    }
}

/// The historical divisions (imported, kept as recorded) a scope covers, by date: those
/// dated within a period; none for a single sitting, since they belong to no sitting.
pub fn recorded_in<'a>(state: &'a State, scope: &Scope) -> Vec<&'a RecordedDivision> {
    match scope {
        Scope::Sitting(_) => Vec::new(),
        Scope::Period(period) => {
            let mut chosen: Vec<&RecordedDivision> = state
                .recorded_divisions
                .values()
                .filter(|division| period.contains(division.on))
                .collect();
            // Stable: divisions of one day keep the order they were recorded in.
            chosen.sort_by_key(|division| division.on);
            chosen
        }
    }
}

/// Something a scope covers: a sitting of the chamber, or a historical division.
#[derive(Debug, Clone, Copy)]
pub enum Covered<'a> {
    Sitting(&'a Sitting),
    Recorded(&'a RecordedDivision),
}

/// The sittings and the historical divisions a scope covers, in date order (a
/// historical division comes before the sittings of later dates, after those of its
/// own). A period with neither is [`AnalyticsError::NoSittings`].
pub fn covered_by<'a>(state: &'a State, scope: &Scope) -> Result<Vec<Covered<'a>>, AnalyticsError> {
    let recorded = recorded_in(state, scope);
    let sittings = match sittings_in(state, scope) {
        Ok(sittings) => sittings,
        Err(AnalyticsError::NoSittings(_)) if !recorded.is_empty() => Vec::new(),
        Err(error) => return Err(error),
    };
    let mut all = Vec::with_capacity(sittings.len() + recorded.len());
    let mut recorded = recorded.into_iter().peekable();
    for sitting in sittings {
        while let Some(division) = recorded.next_if(|division| division.on < sitting.date()) {
            all.push(Covered::Recorded(division));
        }
        all.push(Covered::Sitting(sitting));
    }
    all.extend(recorded.map(Covered::Recorded));
    Ok(all)
}

/// Whether a recorded option is taking part: a yes, no or abstention.
pub fn recorded_taking_part(option: RecordedOption) -> bool {
    matches!(
        option,
        RecordedOption::Yes | RecordedOption::No | RecordedOption::Abstain
    )
}

fn was_held(sitting: &Sitting) -> bool {
    sitting.status != SittingStatus::Convened || !sitting.attendance.is_empty()
}

pub fn scope_in_words(scope: &Scope) -> String {
    match scope {
        Scope::Sitting(id) => format!("sitting {id}"),
        Scope::Period(period) => period.in_words(),
    }
}

/// The members a sitting counts, with their bloc on its date.
pub fn members_of_sitting<'a>(
    state: &'a State,
    sitting: &Sitting,
) -> Vec<(&'a Member, Option<&'a BlocId>)> {
    let date = sitting.date();
    state
        .members
        .values()
        .filter_map(|member| {
            let bloc = member.bloc_on(date);
            (bloc.is_some() || sitting.attendance.contains_key(&member.id))
                .then_some((member, bloc))
        })
        .collect()
}

/// The divisions held in a sitting that record who took part.
pub fn divisions_naming_participants<'a>(state: &'a State, sitting: &Sitting) -> Vec<&'a Division> {
    state
        .divisions
        .values()
        .filter(|division| {
            division.sitting == sitting.id
                && division.closed.is_some()
                && division.method != DivisionMethod::ShowOfHands
        })
        .collect()
}

fn took_part(division: &Division, member: &Member) -> bool {
    match division.method {
        DivisionMethod::Recorded => division.ballots.contains_key(&member.id),
        DivisionMethod::Secret => division.participants.contains(&member.id),
        DivisionMethod::ShowOfHands => false,
    }
}

/// A bloc's short name, else its name; [`NO_BLOC`] for none.
pub fn bloc_label(state: &State, bloc: Option<&BlocId>) -> String {
    match bloc.and_then(|bloc| state.blocs.get(bloc)) {
        Some(record) => record.label().to_owned(),
        None => bloc.map_or_else(|| NO_BLOC.to_owned(), |bloc| bloc.to_string()),
    }
}

/// The blocs in roster order, then "no bloc" if anyone had none.
fn bloc_order(state: &State) -> Vec<Option<BlocId>> {
    state.blocs.keys().cloned().map(Some).collect()
}

pub fn attendance(state: &State, scope: &Scope) -> Result<AttendanceReport, AnalyticsError> {
    let covered = covered_by(state, scope)?;
    let sittings: Vec<&Sitting> = covered
        .iter()
        .filter_map(|covered| match covered {
            Covered::Sitting(sitting) => Some(*sitting),
            Covered::Recorded(_) => None,
        })
        .collect();
    let mut members: IndexMap<String, MemberAttendance> = IndexMap::new();
    let mut blocs: IndexMap<Option<BlocId>, BlocAttendance> = bloc_order(state)
        .into_iter()
        .map(|bloc| {
            let record = empty_bloc(state, bloc.as_ref());
            (bloc, record)
        })
        .collect();
    let mut summaries = Vec::new();
    let mut totals = PresenceCounts::default();
    for covered in &covered {
        let sitting = match covered {
            Covered::Sitting(sitting) => sitting,
            Covered::Recorded(recorded) => {
                // Participation only: a historical division records no sitting's
                // attendance. Everyone the source lists could take part.
                for (member, option) in &recorded.votes {
                    let Some(member) = state.members.get(member) else {
                        continue;
                    };
                    let bloc = member.bloc_on(recorded.on);
                    let voted = u32::from(recorded_taking_part(*option));
                    let entry = members
                        .entry(member.id.to_string())
                        .or_insert_with(|| empty_member(member));
                    entry.bloc = bloc.map(|bloc| bloc.to_string());
                    entry.participation.divisions += 1;
                    entry.participation.taken_part += voted;
                    let bloc_entry = blocs
                        .entry(bloc.cloned())
                        .or_insert_with(|| empty_bloc(state, bloc));
                    bloc_entry.participation.divisions += 1;
                    bloc_entry.participation.taken_part += voted;
                }
                continue;
            }
        };
        let divisions = divisions_naming_participants(state, sitting);
        let mut presence_here = PresenceCounts::default();
        for (member, bloc) in members_of_sitting(state, sitting) {
            let presence = state.presence(sitting, member);
            presence_here.add(presence);
            let voted = count(
                divisions
                    .iter()
                    .filter(|division| took_part(division, member)),
            );
            let held = count(divisions.iter());
            let entry = members
                .entry(member.id.to_string())
                .or_insert_with(|| empty_member(member));
            entry.bloc = bloc.map(|bloc| bloc.to_string());
            entry.presence.add(presence);
            entry.participation.divisions += held;
            entry.participation.taken_part += voted;
            let bloc_entry = blocs
                .entry(bloc.cloned())
                .or_insert_with(|| empty_bloc(state, bloc));
            bloc_entry.presence.add(presence);
            bloc_entry.participation.divisions += held;
            bloc_entry.participation.taken_part += voted;
        }
        for bloc in sitting.boycotts.keys() {
            if let Some(entry) = blocs.get_mut(&Some(bloc.clone())) {
                entry.boycotts_declared += 1;
            }
        }
        totals.present += presence_here.present;
        totals.absent += presence_here.absent;
        totals.excused += presence_here.excused;
        totals.boycotting += presence_here.boycotting;
        summaries.push(SittingAttendance {
            sitting: sitting.id.to_string(),
            date: sitting.date(),
            title: sitting.title.clone(),
            presence: presence_here,
            boycotting_blocs: sitting
                .boycotts
                .keys()
                .map(|bloc| bloc_label(state, Some(bloc)))
                .collect(),
            divisions: count(divisions.iter()),
        });
    }
    let mut members: Vec<MemberAttendance> = members.into_values().collect();
    for member in &mut members {
        member.participation_rate = member.participation.rate();
    }
    let blocs = blocs
        .into_values()
        .filter(|bloc| bloc.presence.total() > 0 || bloc.participation.divisions > 0)
        .map(|mut bloc| {
            bloc.presence_rate = bloc.presence.presence_rate();
            bloc.participation_rate = bloc.participation.rate();
            bloc
        })
        .collect();
    Ok(AttendanceReport {
        scope: scope_in_words(scope),
        sittings: summaries,
        blocs,
        members,
        totals,
        notices: notices(state, &sittings),
    })
}

fn empty_member(member: &Member) -> MemberAttendance {
    MemberAttendance {
        member: member.id.to_string(),
        name: member.name.clone(),
        bloc: None,
        presence: PresenceCounts::default(),
        participation: Participation::default(),
        participation_rate: None,
    }
}

fn empty_bloc(state: &State, bloc: Option<&BlocId>) -> BlocAttendance {
    BlocAttendance {
        bloc: bloc.map(|bloc| bloc.to_string()),
        name: bloc_label(state, bloc),
        boycotts_declared: 0,
        presence: PresenceCounts::default(),
        presence_rate: None,
        participation: Participation::default(),
        participation_rate: None,
    }
}

/// The chamber's and the sittings' notices, without repeats.
pub fn notices(state: &State, sittings: &[&Sitting]) -> Vec<String> {
    let mut all: Vec<String> = state.notices.clone();
    for sitting in sittings {
        for notice in &sitting.notices {
            if !all.contains(notice) {
                all.push(notice.clone());
            }
        }
    }
    all
}

pub(crate) fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}
