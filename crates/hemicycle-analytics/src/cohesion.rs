//! Cohesion: how united each bloc votes.
//!
//! - Rice index |Y − N| / (Y + N): 1 when a bloc votes as one, 0 when split evenly;
//!   abstentions ignored.
//! - Agreement index of Hix, Noury and Roland (3·max(Y, N, A) − (Y + N + A)) /
//!   (2·(Y + N + A)): abstention is a third option; members who did not vote are left
//!   out.
//! - Loyalty: the share of a member's votes that match their bloc's plurality position
//!   (the member's own vote included, as in Hix, Noury and Roland); the other votes are
//!   defections. A bloc whose top options tie has no position on that division.
//! - Agreement matrix: for two blocs, the share of the divisions in which both had a
//!   position where those positions were the same.
//!
//! Recorded divisions on motions only: elections have no yes/no sides and secret
//! ballots and shows of hands record no names. Historical divisions (imported, kept as
//! recorded: [`State::recorded_divisions`]) dated within a period are measured too, in
//! date order with the sittings: their members are those the source lists, each in the
//! bloc they belonged to on the division's date; absent and not voting are non-voters. An index with nothing to measure (a
//! bloc with no votes in a division) is `None`, never NaN.

use std::collections::BTreeSet;

use hemicycle_core::history::RecordedOption;
use hemicycle_core::ids::BlocId;
use hemicycle_core::model::{Choice, Date, DivisionMethod, Question};
use hemicycle_core::state::{Member, Sitting};
use hemicycle_core::State;
use indexmap::IndexMap;
use serde::Serialize;

use crate::attendance::{
    bloc_label, covered_by, members_of_sitting, notices, scope_in_words, share, Covered, Scope,
};
use crate::error::AnalyticsError;

/// At most this many defections are listed per member (all are counted).
pub const MAX_DEFECTIONS_LISTED: usize = 50;

/// Rice index |Y − N| / (Y + N); `None` when nobody voted yes or no.
pub fn rice_index(yes: u32, no: u32) -> Option<f64> {
    let cast = u64::from(yes) + u64::from(no);
    (cast > 0).then(|| u64::from(yes).abs_diff(u64::from(no)) as f64 / cast as f64)
}

/// Agreement index (3·max(Y, N, A) − (Y + N + A)) / (2·(Y + N + A)); `None` when
/// nobody voted.
pub fn agreement_index(yes: u32, no: u32, abstain: u32) -> Option<f64> {
    let total = u64::from(yes) + u64::from(no) + u64::from(abstain);
    let largest = u64::from(yes.max(no).max(abstain));
    (total > 0).then(|| (3 * largest - total) as f64 / (2 * total) as f64)
}

/// A position on a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Yes,
    No,
    Abstain,
}

impl Position {
    fn of(choice: &Choice) -> Option<Self> {
        match choice {
            Choice::Yes => Some(Position::Yes),
            Choice::No => Some(Position::No),
            Choice::Abstain => Some(Position::Abstain),
            Choice::Candidate(_) => None,
        }
    }

    /// The position of a vote in a historical division; none for absent or not voting.
    fn recorded(option: RecordedOption) -> Option<Self> {
        match option {
            RecordedOption::Yes => Some(Position::Yes),
            RecordedOption::No => Some(Position::No),
            RecordedOption::Abstain => Some(Position::Abstain),
            RecordedOption::Absent | RecordedOption::NotVoting => None,
        }
    }

    pub fn in_words(self) -> &'static str {
        match self {
            Position::Yes => "yes",
            Position::No => "no",
            Position::Abstain => "abstain",
        }
    }
}

/// A bloc's votes in one division.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct BlocVotes {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    /// Members of the bloc who did not vote (absent, or present and silent).
    pub not_voting: u32,
    pub rice: Option<f64>,
    pub agreement: Option<f64>,
    /// The option most of the bloc's voters chose; `None` on a tie or with no votes.
    pub position: Option<Position>,
}

impl BlocVotes {
    fn finish(&mut self) {
        self.rice = rice_index(self.yes, self.no);
        self.agreement = agreement_index(self.yes, self.no, self.abstain);
        self.position = plurality(self.yes, self.no, self.abstain);
    }
}

/// The option with strictly the most votes.
pub fn plurality(yes: u32, no: u32, abstain: u32) -> Option<Position> {
    let options = [
        (Position::Yes, yes),
        (Position::No, no),
        (Position::Abstain, abstain),
    ];
    let largest = yes.max(no).max(abstain);
    let mut leaders = options.iter().filter(|(_, votes)| *votes == largest);
    match (leaders.next(), leaders.next()) {
        (Some((position, votes)), None) if *votes > 0 => Some(*position),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DivisionCohesion {
    pub division: String,
    /// The sitting it was held in; none for a historical division (imported, kept as
    /// recorded), which belongs to no sitting of this chamber.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sitting: Option<String>,
    pub date: Date,
    pub title: String,
    /// By bloc label, in roster order.
    pub blocs: Vec<(String, BlocVotes)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlocCohesion {
    pub bloc: Option<String>,
    pub name: String,
    /// Members of the bloc over the period (distinct).
    pub members: u32,
    /// Divisions in which the bloc cast at least one yes or no (the Rice average's base).
    pub divisions_with_rice: u32,
    pub mean_rice: Option<f64>,
    /// Divisions in which the bloc cast at least one vote.
    pub divisions_with_votes: u32,
    pub mean_agreement: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberLoyalty {
    pub member: String,
    pub name: String,
    pub bloc: Option<String>,
    /// Votes cast in divisions where the member's bloc had a position.
    pub votes_counted: u32,
    pub with_bloc: u32,
    pub defections: u32,
    pub loyalty: Option<f64>,
    /// The divisions of the first [`MAX_DEFECTIONS_LISTED`] defections.
    pub defected_in: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementMatrix {
    pub blocs: Vec<String>,
    /// shares[a][b]: share of the compared divisions with the same position.
    pub shares: Vec<Vec<Option<f64>>>,
    /// compared[a][b]: divisions in which both blocs had a position.
    pub compared: Vec<Vec<u32>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohesionReport {
    pub scope: String,
    pub divisions: Vec<DivisionCohesion>,
    pub blocs: Vec<BlocCohesion>,
    pub members: Vec<MemberLoyalty>,
    pub agreement: AgreementMatrix,
    /// Divisions in scope that were not measured, with why.
    pub left_out: Vec<String>,
    pub notices: Vec<String>,
}

/// One member's vote in a division being measured, with their bloc that day.
type Voter<'a> = (&'a Member, Option<&'a BlocId>, Option<Position>);

/// Everything measured so far, division by division.
struct Tally {
    order: IndexMap<Option<BlocId>, usize>,
    divisions: Vec<DivisionCohesion>,
    votes_by_division: Vec<Vec<BlocVotes>>,
    loyalty: IndexMap<String, MemberLoyalty>,
    bloc_members: IndexMap<Option<BlocId>, BTreeSet<String>>,
}

impl Tally {
    /// Counts a member (and their bloc) as in scope.
    fn count_member(&mut self, member: &Member, bloc: Option<&BlocId>) {
        if !self.order.contains_key(&bloc.cloned()) {
            let next = self.order.len();
            self.order.insert(bloc.cloned(), next);
        }
        self.bloc_members
            .entry(bloc.cloned())
            .or_default()
            .insert(member.id.to_string());
    }

    /// Measures one division: `voters` are the members it counts (all already counted
    /// in scope), each with their bloc and vote.
    fn measure(&mut self, state: &State, mut division: DivisionCohesion, voters: &[Voter<'_>]) {
        let order = &self.order;
        let mut votes = vec![BlocVotes::default(); order.len()];
        for (_, bloc, own) in voters {
            let slot = &mut votes[order[&bloc.cloned()]];
            match own {
                Some(Position::Yes) => slot.yes += 1,
                Some(Position::No) => slot.no += 1,
                Some(Position::Abstain) => slot.abstain += 1,
                None => slot.not_voting += 1,
            }
        }
        for slot in &mut votes {
            slot.finish();
        }
        for (member, bloc, own) in voters {
            let Some(own) = own else {
                continue;
            };
            let Some(position) = votes[order[&bloc.cloned()]].position else {
                continue;
            };
            let entry = self
                .loyalty
                .entry(member.id.to_string())
                .or_insert_with(|| MemberLoyalty {
                    member: member.id.to_string(),
                    name: member.name.clone(),
                    bloc: None,
                    votes_counted: 0,
                    with_bloc: 0,
                    defections: 0,
                    loyalty: None,
                    defected_in: Vec::new(),
                });
            entry.bloc = bloc.map(|bloc| bloc.to_string());
            entry.votes_counted += 1;
            if *own == position {
                entry.with_bloc += 1;
            } else {
                entry.defections += 1;
                if entry.defected_in.len() < MAX_DEFECTIONS_LISTED {
                    entry.defected_in.push(division.division.clone());
                }
            }
        }
        division.blocs = order
            .keys()
            .zip(&votes)
            .filter(|(_, slot)| slot.yes + slot.no + slot.abstain + slot.not_voting > 0)
            .map(|(bloc, slot)| (bloc_label(state, bloc.as_ref()), *slot))
            .collect();
        self.divisions.push(division);
        self.votes_by_division.push(votes);
    }
}

pub fn cohesion(state: &State, scope: &Scope) -> Result<CohesionReport, AnalyticsError> {
    let covered = covered_by(state, scope)?;
    let sittings: Vec<&Sitting> = covered
        .iter()
        .filter_map(|covered| match covered {
            Covered::Sitting(sitting) => Some(*sitting),
            Covered::Recorded(_) => None,
        })
        .collect();
    let mut tally = Tally {
        order: state
            .blocs
            .keys()
            .cloned()
            .enumerate()
            .map(|(index, bloc)| (Some(bloc), index))
            .collect(),
        divisions: Vec::new(),
        votes_by_division: Vec::new(),
        loyalty: IndexMap::new(),
        bloc_members: IndexMap::new(),
    };
    let mut left_out = Vec::new();
    for covered in &covered {
        let sitting = match covered {
            Covered::Sitting(sitting) => sitting,
            Covered::Recorded(recorded) => {
                // Every member the source lists, with their bloc on the day.
                let voters: Vec<Voter<'_>> = recorded
                    .votes
                    .iter()
                    .filter_map(|(member, option)| {
                        let member = state.members.get(member)?;
                        Some((
                            member,
                            member.bloc_on(recorded.on),
                            Position::recorded(*option),
                        ))
                    })
                    .collect();
                for (member, bloc, _) in &voters {
                    tally.count_member(member, *bloc);
                }
                let division = DivisionCohesion {
                    division: recorded.id.to_string(),
                    sitting: None,
                    date: recorded.on,
                    title: recorded.question.clone(),
                    blocs: Vec::new(),
                };
                tally.measure(state, division, &voters);
                continue;
            }
        };
        let members = members_of_sitting(state, sitting);
        for (member, bloc) in &members {
            tally.count_member(member, *bloc);
        }
        for division in state
            .divisions
            .values()
            .filter(|division| division.sitting == sitting.id && division.closed.is_some())
        {
            let title = match &division.question {
                Question::Motion { motion } => state
                    .motions
                    .get(motion)
                    .map_or_else(|| motion.to_string(), |motion| motion.title.clone()),
                Question::Election { office, .. } => {
                    left_out.push(format!("{}: an election ({office})", division.id));
                    continue;
                }
            };
            if division.method != DivisionMethod::Recorded {
                left_out.push(format!(
                    "{}: a {}, which records no names",
                    division.id,
                    division.method.in_words()
                ));
                continue;
            }
            let voters: Vec<Voter<'_>> = members
                .iter()
                .map(|(member, bloc)| {
                    (
                        *member,
                        *bloc,
                        division.ballots.get(&member.id).and_then(Position::of),
                    )
                })
                .collect();
            let measured = DivisionCohesion {
                division: division.id.to_string(),
                sitting: Some(sitting.id.to_string()),
                date: sitting.date(),
                title,
                blocs: Vec::new(),
            };
            tally.measure(state, measured, &voters);
        }
    }
    let Tally {
        order,
        divisions,
        votes_by_division,
        loyalty,
        bloc_members,
    } = tally;
    // Blocs that had members in scope, in roster order.
    let present_blocs: Vec<(Option<BlocId>, usize)> = order
        .iter()
        .filter(|(bloc, _)| bloc_members.contains_key(*bloc))
        .map(|(bloc, index)| (bloc.clone(), *index))
        .collect();
    let blocs = present_blocs
        .iter()
        .map(|(bloc, index)| {
            let (mut rice_sum, mut rice_count, mut agreement_sum, mut agreement_count) =
                (0.0, 0u32, 0.0, 0u32);
            for slot in votes_by_division
                .iter()
                .filter_map(|votes| votes.get(*index))
            {
                if let Some(rice) = slot.rice {
                    rice_sum += rice;
                    rice_count += 1;
                }
                if let Some(agreement) = slot.agreement {
                    agreement_sum += agreement;
                    agreement_count += 1;
                }
            }
            BlocCohesion {
                bloc: bloc.as_ref().map(|bloc| bloc.to_string()),
                name: bloc_label(state, bloc.as_ref()),
                members: bloc_members.get(bloc).map_or(0, |members| {
                    u32::try_from(members.len()).unwrap_or(u32::MAX)
                }),
                divisions_with_rice: rice_count,
                mean_rice: (rice_count > 0).then(|| rice_sum / f64::from(rice_count)),
                divisions_with_votes: agreement_count,
                mean_agreement: (agreement_count > 0)
                    .then(|| agreement_sum / f64::from(agreement_count)),
            }
        })
        .collect();
    let size = present_blocs.len();
    let mut compared = vec![vec![0u32; size]; size];
    let mut same = vec![vec![0u32; size]; size];
    for votes in &votes_by_division {
        for (a, (_, index_a)) in present_blocs.iter().enumerate() {
            for (b, (_, index_b)) in present_blocs.iter().enumerate() {
                let position_a = votes.get(*index_a).and_then(|slot| slot.position);
                let position_b = votes.get(*index_b).and_then(|slot| slot.position);
                if let (Some(position_a), Some(position_b)) = (position_a, position_b) {
                    compared[a][b] += 1;
                    if position_a == position_b {
                        same[a][b] += 1;
                    }
                }
            }
        }
    }
    let shares = same
        .iter()
        .zip(&compared)
        .map(|(same, compared)| {
            same.iter()
                .zip(compared)
                .map(|(same, compared)| share(*same, *compared))
                .collect()
        })
        .collect();
    let mut members: Vec<MemberLoyalty> = loyalty.into_values().collect();
    for member in &mut members {
        member.loyalty = share(member.with_bloc, member.votes_counted);
    }
    Ok(CohesionReport {
        scope: scope_in_words(scope),
        divisions,
        blocs,
        members,
        agreement: AgreementMatrix {
            blocs: present_blocs
                .iter()
                .map(|(bloc, _)| bloc_label(state, bloc.as_ref()))
                .collect(),
            shares,
            compared,
        },
        left_out,
        notices: notices(state, &sittings),
    })
}
