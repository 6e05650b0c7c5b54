//! What the live pages show, as data: a snapshot of the sitting in focus (its
//! attendance, quorum and division) and the difference between two snapshots.
//!
//! The server sends a [`LiveSnapshot`] when a page connects to the live stream
//! and a [`LiveUpdate`] after each change; the pages' script applies both the
//! same way (seats are merged, the panels replaced). Diffing snapshots instead
//! of translating each event keeps one definition of what a seat shows.

use std::collections::BTreeMap;

use hemicycle_core::ids::MemberId;
use hemicycle_core::model::{Choice, DivisionMethod, Presence, Question, SittingKind};
use hemicycle_core::state::{Division, Sitting, SittingStatus};
use hemicycle_core::State;
use serde::Serialize;

/// What one seat shows, as a word the page's style sheet colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatState {
    /// No sitting in focus, or the member has not come.
    Absent,
    Present,
    Excused,
    /// The member's bloc declared a boycott and the member stayed away.
    Boycotting,
    /// Present while a division is open, no ballot yet.
    Pending,
    Yes,
    No,
    Abstain,
    /// Took part in a secret ballot, or chose a candidate in an election:
    /// the choice is not shown on the seat.
    Voted,
}

impl SeatState {
    /// The seat's state in one letter, for updates that carry every seat
    /// (see [`LiveUpdate::seat_letters`]); `static/live.js` reads them back.
    pub fn letter(self) -> char {
        match self {
            SeatState::Absent => 'a',
            SeatState::Present => 'p',
            SeatState::Excused => 'e',
            SeatState::Boycotting => 'b',
            SeatState::Pending => 'w',
            SeatState::Yes => 'y',
            SeatState::No => 'n',
            SeatState::Abstain => 'x',
            SeatState::Voted => 'v',
        }
    }
}

/// An update that changes more seats than this carries every seat as one
/// letter instead of a map of the changed ones: opening a division in a
/// chamber of 10,000 changes every seat, and the map's member ids would be
/// 25 times larger for each of thousands of viewers.
pub const SEAT_LETTERS_ABOVE_CHANGES: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveQuorum {
    pub required: u32,
    pub counted: u32,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveSitting {
    pub id: String,
    pub title: String,
    /// `ordinary` or `extraordinary`.
    pub kind: &'static str,
    /// `convened`, `open`, `suspended` or `closed`.
    pub status: &'static str,
    pub present: u32,
    pub seats: u32,
    pub members: u32,
    pub quorum: Option<LiveQuorum>,
    /// Blocs that declared a boycott, by label.
    pub boycotts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveTally {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    /// Votes per candidate, for elections (candidate id → votes).
    pub candidates: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveOutcome {
    /// The verdict in a word (`adopted`, `rejected`, `elected`, …).
    pub verdict: String,
    /// The explanation a clerk would read out.
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveDivision {
    pub id: String,
    pub sitting: String,
    /// The question in words (the motion's title, or the election's office).
    pub title: String,
    /// The motion put to the vote, if the question is a motion.
    pub motion: Option<String>,
    /// `recorded`, `secret` or `show_of_hands`.
    pub method: &'static str,
    pub open: bool,
    pub tally: LiveTally,
    pub taking_part: u32,
    pub ballot_changes_allowed: bool,
    /// When the vote timer runs out (RFC 3339), if the standing orders set one.
    pub closes_at: Option<String>,
    pub outcome: Option<LiveOutcome>,
}

/// Everything a live page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveSnapshot {
    /// The journal sequence this snapshot reflects (the SSE event id).
    pub sequence: u64,
    pub sitting: Option<LiveSitting>,
    pub division: Option<LiveDivision>,
    /// Every sitting member's seat, by member id.
    pub seats: BTreeMap<String, SeatState>,
}

/// A change: the panels as they are now, and only the seats that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveUpdate {
    pub sequence: u64,
    pub sitting: Option<LiveSitting>,
    pub division: Option<LiveDivision>,
    /// The seats that changed, when they are few (else empty).
    pub seats: BTreeMap<String, SeatState>,
    /// When many seats changed and the members are those of the page's
    /// last snapshot or update: every seat's [letter](SeatState::letter),
    /// in the order of the member ids sorted (byte order; ids are ASCII).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat_letters: Option<String>,
}

impl LiveSnapshot {
    /// What changed from `earlier` to `self`, or `None` when nothing a page
    /// shows did.
    pub fn changes_since(&self, earlier: &LiveSnapshot) -> Option<LiveUpdate> {
        let seats: BTreeMap<String, SeatState> = self
            .seats
            .iter()
            .filter(|(member, seat)| earlier.seats.get(*member) != Some(seat))
            .map(|(member, seat)| (member.clone(), *seat))
            .collect();
        let unchanged = seats.is_empty()
            && self.sitting == earlier.sitting
            && self.division == earlier.division
            && self.seats.len() == earlier.seats.len();
        if unchanged {
            return None;
        }
        let same_members = self.seats.len() == earlier.seats.len()
            && self
                .seats
                .keys()
                .all(|member| earlier.seats.contains_key(member));
        if seats.len() > SEAT_LETTERS_ABOVE_CHANGES && same_members {
            return Some(LiveUpdate {
                sequence: self.sequence,
                sitting: self.sitting.clone(),
                division: self.division.clone(),
                seats: BTreeMap::new(),
                seat_letters: Some(self.seats.values().map(|seat| seat.letter()).collect()),
            });
        }
        Some(LiveUpdate {
            sequence: self.sequence,
            sitting: self.sitting.clone(),
            division: self.division.clone(),
            seats,
            seat_letters: None,
        })
    }
}

/// The sitting the live pages follow: the one open or suspended; else the
/// next one convened; else the last one held.
pub fn sitting_in_focus(state: &State) -> Option<&Sitting> {
    state
        .current_sitting()
        .or_else(|| {
            state
                .sittings
                .values()
                .filter(|sitting| sitting.status == SittingStatus::Convened)
                .min_by_key(|sitting| sitting.scheduled_for)
        })
        .or_else(|| state.sittings.values().last())
}

/// The division the live pages follow: the sitting's open division, else the
/// last one it held.
pub fn division_in_focus<'a>(state: &'a State, sitting: &Sitting) -> Option<&'a Division> {
    if let Some(open) = &sitting.open_division {
        return state.divisions.get(open);
    }
    state
        .divisions
        .values()
        .rev()
        .find(|division| division.sitting == sitting.id)
}

pub fn snapshot(state: &State) -> LiveSnapshot {
    let sitting = sitting_in_focus(state);
    let division = sitting.and_then(|sitting| division_in_focus(state, sitting));
    let seats = state
        .sitting_members()
        .map(|member| {
            let seat = match sitting {
                None => SeatState::Absent,
                Some(sitting) => seat_state(state, sitting, division, &member.id),
            };
            (member.id.to_string(), seat)
        })
        .collect();
    LiveSnapshot {
        sequence: state.events_applied,
        sitting: sitting.map(|sitting| live_sitting(state, sitting)),
        division: division.map(|division| live_division(state, division)),
        seats,
    }
}

fn seat_state(
    state: &State,
    sitting: &Sitting,
    division: Option<&Division>,
    member: &MemberId,
) -> SeatState {
    if let Some(division) = division {
        if let Some(choice) = division.ballots.get(member) {
            return match choice {
                Choice::Yes => SeatState::Yes,
                Choice::No => SeatState::No,
                Choice::Abstain => SeatState::Abstain,
                Choice::Candidate(_) => SeatState::Voted,
            };
        }
        if division.participants.contains(member) {
            return SeatState::Voted;
        }
    }
    let Some(record) = state.members.get(member) else {
        return SeatState::Absent;
    };
    // The record's presence counts anyone who came at all; a seat shows who is
    // in the chamber now, as the quorum counts them.
    let presence = match state.presence(sitting, record) {
        Presence::Present if !sitting.is_present(member) => Presence::Absent,
        presence => presence,
    };
    match presence {
        Presence::Present => match division {
            Some(division)
                if division.is_open() && division.method != DivisionMethod::ShowOfHands =>
            {
                SeatState::Pending
            }
            _ => SeatState::Present,
        },
        Presence::Absent => SeatState::Absent,
        Presence::Excused => SeatState::Excused,
        Presence::Boycotting => SeatState::Boycotting,
    }
}

fn live_sitting(state: &State, sitting: &Sitting) -> LiveSitting {
    let size = state.size();
    let quorum = state.quorum_now(sitting).map(|report| LiveQuorum {
        required: report.required,
        counted: report.counted,
        met: report.met,
    });
    LiveSitting {
        id: sitting.id.to_string(),
        title: sitting.title.clone(),
        kind: match sitting.kind {
            SittingKind::Ordinary => "ordinary",
            SittingKind::Extraordinary => "extraordinary",
        },
        status: sitting.status.in_words(),
        present: sitting.present_count(),
        seats: size.seats,
        members: size.members,
        quorum,
        boycotts: sitting
            .boycotts
            .keys()
            .map(|bloc| {
                state
                    .blocs
                    .get(bloc)
                    .map_or_else(|| bloc.to_string(), |record| record.label().to_owned())
            })
            .collect(),
    }
}

/// The question put, in words.
pub fn question_title(state: &State, question: &Question) -> String {
    match question {
        Question::Motion { motion } => state
            .motions
            .get(motion)
            .map_or_else(|| motion.to_string(), |record| record.title.clone()),
        Question::Election { office, .. } => format!("Election: {office}"),
    }
}

pub fn method_word(method: DivisionMethod) -> &'static str {
    match method {
        DivisionMethod::Recorded => "recorded",
        DivisionMethod::Secret => "secret",
        DivisionMethod::ShowOfHands => "show_of_hands",
    }
}

fn live_division(state: &State, division: &Division) -> LiveDivision {
    let tally = division.tally();
    let ballot_changes_allowed = state
        .chamber
        .as_ref()
        .is_some_and(|chamber| chamber.standing_orders.voting.ballot_changes_allowed);
    LiveDivision {
        id: division.id.to_string(),
        sitting: division.sitting.to_string(),
        title: question_title(state, &division.question),
        motion: match &division.question {
            Question::Motion { motion } => Some(motion.to_string()),
            Question::Election { .. } => None,
        },
        method: method_word(division.method),
        open: division.is_open(),
        tally: LiveTally {
            yes: tally.yes,
            no: tally.no,
            abstain: tally.abstain,
            candidates: tally
                .candidates
                .iter()
                .map(|(candidate, votes)| (candidate.to_string(), *votes))
                .collect(),
        },
        taking_part: division.taking_part(),
        ballot_changes_allowed,
        closes_at: division.closes_at.map(|at| at.to_rfc3339()),
        outcome: division.closed.as_ref().map(|closed| LiveOutcome {
            verdict: closed.outcome.verdict.in_words().to_owned(),
            explanation: closed.outcome.explanation(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seats(count: usize, seat: SeatState) -> LiveSnapshot {
        LiveSnapshot {
            sequence: 1,
            sitting: None,
            division: None,
            seats: (0..count)
                .map(|index| (format!("m{index:05}"), seat))
                .collect(),
        }
    }

    #[test]
    fn few_changes_name_their_seats_and_many_send_every_seat_as_a_letter() {
        let before = seats(1_000, SeatState::Present);
        let mut few = before.clone();
        few.sequence = 2;
        few.seats.insert("m00007".to_owned(), SeatState::Yes);
        let update = few.changes_since(&before).expect("a change");
        assert_eq!(update.seats.len(), 1);
        assert_eq!(update.seats["m00007"], SeatState::Yes);
        assert_eq!(update.seat_letters, None);

        let mut many = seats(1_000, SeatState::Pending);
        many.sequence = 3;
        many.seats.insert("m00002".to_owned(), SeatState::No);
        let update = many.changes_since(&before).expect("a change");
        assert!(update.seats.is_empty());
        let letters = update.seat_letters.expect("every seat as a letter");
        assert_eq!(letters.len(), 1_000);
        assert!(letters.starts_with("wwnw"), "{}", &letters[..8]);

        // Other members than before: the changed seats by name, never letters
        // the page could not place.
        let mut other = seats(1_001, SeatState::Pending);
        other.sequence = 4;
        let update = other.changes_since(&before).expect("a change");
        assert_eq!(update.seat_letters, None);
        assert_eq!(update.seats.len(), 1_001);
    }
}
