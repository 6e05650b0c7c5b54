//! Quorum analysis: how close a sitting came to losing its quorum, which blocs' absence
//! would have broken it, and — for the chamber in general — which coalitions of blocs
//! can deny the quorum by staying away, with their power in that game and in the
//! majority game.
//!
//! Members "present" at a sitting are those who checked in at some point (the
//! attendance the record shows). The number required is the one recorded at the
//! sitting's first quorum check, or computed from the standing orders when none was
//! recorded. Where the standing orders count members *taking part in a division*
//! (e.g. the UK Commons), the same arithmetic is a statement about attendance only,
//! and the report says so.

use hemicycle_core::ids::{BlocId, SittingId};
use hemicycle_core::model::{Date, Presence};
use hemicycle_core::outcome::check_quorum;
use hemicycle_core::rules::{Base, QuorumCount, Threshold};
use hemicycle_core::State;
use indexmap::IndexMap;
use serde::Serialize;

use crate::attendance::{bloc_label, members_of_sitting, notices};
use crate::error::AnalyticsError;
use crate::power::{minimal_winning_coalitions, power_indices, Method, PowerIndices, WeightedGame};

/// At most this many minimal sets of blocs are listed.
pub const MAX_MINIMAL_SETS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlocPresent {
    pub bloc: Option<String>,
    pub name: String,
    /// Members of the bloc on the sitting's date.
    pub members: u32,
    pub present: u32,
    pub boycott_declared: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SittingQuorum {
    pub sitting: String,
    pub date: Date,
    pub present: u32,
    pub required: u32,
    pub met: bool,
    /// How many more absences would have broken the quorum: present − required + 1
    /// (0 when it was not met).
    pub margin: u32,
    /// The standing orders count members taking part in a division, not those present.
    pub counts_taking_part: bool,
    pub blocs: Vec<BlocPresent>,
    /// Blocs whose present members alone number at least the margin.
    pub could_break_alone: Vec<String>,
    /// Every minimal set of blocs whose present members number at least the margin
    /// (leaving out any one bloc of a set would no longer be enough).
    pub minimal_sets: Vec<Vec<String>>,
    /// The list of minimal sets was cut at [`MAX_MINIMAL_SETS`].
    pub truncated: bool,
    pub sentences: Vec<String>,
    pub notices: Vec<String>,
}

/// The quorum analysis of one sitting.
pub fn sitting_quorum(state: &State, sitting: &SittingId) -> Result<SittingQuorum, AnalyticsError> {
    let chamber = state.chamber.as_ref().ok_or(AnalyticsError::NoChamber)?;
    let sitting = state
        .sittings
        .get(sitting)
        .ok_or_else(|| AnalyticsError::NoSitting(sitting.to_string()))?;
    let rule = &chamber.standing_orders.quorum;
    let mut blocs: IndexMap<Option<BlocId>, BlocPresent> = IndexMap::new();
    for (member, bloc) in members_of_sitting(state, sitting) {
        let entry = blocs.entry(bloc.cloned()).or_insert_with(|| BlocPresent {
            bloc: bloc.map(|bloc| bloc.to_string()),
            name: bloc_label(state, bloc),
            members: 0,
            present: 0,
            boycott_declared: bloc.is_some_and(|bloc| sitting.boycotts.contains_key(bloc)),
        });
        entry.members += 1;
        if state.presence(sitting, member) == Presence::Present {
            entry.present += 1;
        }
    }
    let present: u32 = blocs.values().map(|bloc| bloc.present).sum();
    let required = sitting
        .quorum_checks
        .first()
        .map(|check| check.report.required)
        .unwrap_or_else(|| check_quorum(rule, &state.size(), present, None).required);
    let met = present >= required;
    let margin = if met { present - required + 1 } else { 0 };
    let blocs: Vec<BlocPresent> = blocs.into_values().collect();
    let present_blocs: Vec<&BlocPresent> = blocs.iter().filter(|bloc| bloc.present > 0).collect();
    let mut could_break_alone = Vec::new();
    let mut minimal_sets: Vec<Vec<String>> = Vec::new();
    let mut truncated = false;
    if met {
        could_break_alone = present_blocs
            .iter()
            .filter(|bloc| bloc.present >= margin)
            .map(|bloc| format!("{} ({} present)", bloc.name, bloc.present))
            .collect();
        let weights: Vec<u64> = present_blocs
            .iter()
            .map(|bloc| u64::from(bloc.present))
            .collect();
        if let Ok(game) = WeightedGame::new(u64::from(margin), weights) {
            let (sets, cut) = minimal_winning_coalitions(&game, MAX_MINIMAL_SETS);
            truncated = cut;
            minimal_sets = sets
                .into_iter()
                .map(|set| {
                    set.into_iter()
                        .map(|index| present_blocs[index].name.clone())
                        .collect()
                })
                .collect();
        }
    }
    let named = if sitting.id.as_str() == sitting.date().to_string() {
        String::new()
    } else {
        format!(" ({})", sitting.id)
    };
    let mut sentences = vec![format!(
        "{present} members were present at the sitting of {}{named}; the quorum was {required}.",
        sitting.date()
    )];
    if met {
        let more = if margin == 1 { "absence" } else { "absences" };
        sentences.push(format!(
            "{margin} more {more} would have broken the quorum."
        ));
        if could_break_alone.is_empty() {
            sentences.push("No present bloc could have broken it alone.".to_owned());
        } else {
            sentences.push(format!(
                "Present blocs that could have broken it alone by staying away: {}.",
                could_break_alone.join(", ")
            ));
        }
        let combinations: Vec<String> = minimal_sets
            .iter()
            .filter(|set| set.len() > 1)
            .map(|set| set.join(" + "))
            .collect();
        if !combinations.is_empty() {
            sentences.push(format!(
                "Smallest combinations of other present blocs that could have done it together: {}{}.",
                combinations.join("; "),
                if truncated { "; and more" } else { "" }
            ));
        }
    } else {
        sentences.push(format!(
            "The quorum was not met: {} more members were needed.",
            required - present
        ));
    }
    if rule.counted == QuorumCount::TakingPart {
        sentences.push(
            "Note: these standing orders count members taking part in a division, not those present; the figures above are about attendance."
                .to_owned(),
        );
    }
    Ok(SittingQuorum {
        sitting: sitting.id.to_string(),
        date: sitting.date(),
        present,
        required,
        met,
        margin,
        counts_taking_part: rule.counted == QuorumCount::TakingPart,
        blocs,
        could_break_alone,
        minimal_sets,
        truncated,
        sentences,
        notices: notices(state, &[sitting]),
    })
}

/// A game among the chamber's blocs, weighted by their members now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlocGame {
    /// What winning means here, in words.
    pub description: String,
    pub quota: u64,
    pub blocs: Vec<String>,
    pub weights: Vec<u64>,
    /// Minimal winning coalitions, by bloc name.
    pub minimal_coalitions: Vec<Vec<String>>,
    pub truncated: bool,
    pub power: PowerIndices,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChamberGames {
    pub members: u32,
    pub seats: u32,
    pub quorum_required: u32,
    /// Blocs as players, members as weights: a coalition wins by staying away when
    /// the others cannot make the quorum ([members − quorum + 1; weights]). `None`
    /// when nobody can deny it, or it can never be met.
    pub quorum_denial: Option<BlocGame>,
    /// The default decision with every member present and voting. `None` when the
    /// standing orders' default decision is not a plain majority.
    pub majority: Option<BlocGame>,
    pub sentences: Vec<String>,
}

/// The chamber's blocs (members now, by current bloc) as players.
fn bloc_weights(state: &State) -> (Vec<String>, Vec<u64>) {
    let mut weights: IndexMap<Option<BlocId>, u64> = state
        .blocs
        .keys()
        .map(|bloc| (Some(bloc.clone()), 0))
        .collect();
    for member in state.sitting_members() {
        *weights.entry(member.current_bloc().cloned()).or_default() += 1;
    }
    weights.retain(|_, weight| *weight > 0);
    weights
        .into_iter()
        .map(|(bloc, weight)| (bloc_label(state, bloc.as_ref()), weight))
        .unzip()
}

fn bloc_game(
    description: String,
    quota: u64,
    blocs: &[String],
    weights: &[u64],
) -> Result<BlocGame, AnalyticsError> {
    let game = WeightedGame::new(quota, weights.to_vec())?;
    let (coalitions, truncated) = minimal_winning_coalitions(&game, MAX_MINIMAL_SETS);
    Ok(BlocGame {
        description,
        quota,
        blocs: blocs.to_vec(),
        weights: weights.to_vec(),
        minimal_coalitions: coalitions
            .into_iter()
            .map(|set| set.into_iter().map(|index| blocs[index].clone()).collect())
            .collect(),
        truncated,
        power: power_indices(&game, Method::Auto)?,
    })
}

/// The quorum-denial and majority games of the chamber as it stands.
pub fn chamber_games(state: &State) -> Result<ChamberGames, AnalyticsError> {
    let chamber = state.chamber.as_ref().ok_or(AnalyticsError::NoChamber)?;
    let size = state.size();
    let (blocs, weights) = bloc_weights(state);
    let members: u64 = weights.iter().sum();
    let rules = &chamber.standing_orders;
    let required = check_quorum(&rules.quorum, &size, 0, None).required;
    let mut sentences = Vec::new();
    let quorum_denial = if members < u64::from(required) {
        sentences.push(format!(
            "The quorum ({required}) cannot be met even with all {members} members present."
        ));
        None
    } else if required == 0 {
        sentences.push("The quorum is 0: it cannot be denied.".to_owned());
        None
    } else {
        let quota = members - u64::from(required) + 1;
        sentences.push(format!(
            "With {members} members and a quorum of {required}, blocs holding {quota} members between them can deny the quorum by staying away."
        ));
        Some(bloc_game(
            format!("deny the quorum: {quota} of {members} members stay away"),
            quota,
            &blocs,
            &weights,
        )?)
    };
    let majority = match majority_quota(state, u32::try_from(members).unwrap_or(u32::MAX)) {
        Some(quota) if quota >= 1 && quota <= members => {
            sentences.push(format!(
                "With every member present and voting, the default decision needs {quota} votes."
            ));
            Some(bloc_game(
                format!("carry the default decision: {quota} of {members} votes"),
                quota,
                &blocs,
                &weights,
            )?)
        }
        _ => None,
    };
    Ok(ChamberGames {
        members: u32::try_from(members).unwrap_or(u32::MAX),
        seats: size.seats,
        quorum_required: required,
        quorum_denial,
        majority,
        sentences,
    })
}

/// The votes the default decision needs with every member present and voting: the
/// largest of its chamber-wide requirements. `None` for elections or no requirement.
fn majority_quota(state: &State, members: u32) -> Option<u64> {
    let chamber = state.chamber.as_ref()?;
    let (_, rule) = chamber.standing_orders.decision(None)?;
    if rule.election || rule.plurality {
        return None;
    }
    rule.requirements
        .iter()
        .filter(|requirement| requirement.within.is_none())
        .filter_map(|requirement| {
            let kind = requirement.kind().ok()?;
            let base = match requirement.of {
                Some(Base::Seats) => chamber.seats,
                _ => members,
            };
            Some(u64::from(Threshold::required(kind, base)))
        })
        .max()
}
