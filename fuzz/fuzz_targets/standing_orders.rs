//! The standing-orders parser (`hemicycle_scenario::parse_standing_orders`) on any text,
//! and, when the rules parse and validate, what runs on them: a chamber established
//! with them, and the outcome engine under every decision rule over a grid of chamber
//! sizes, attendances and tallies at the edges (nobody, one, a half, everybody): no
//! panic, no overflow, an outcome whatever the numbers.

#![no_main]

use hemicycle_core::ids::{CandidateId, GroupId};
use hemicycle_core::outcome::{check_quorum, decide, DivisionFacts, Side, Tally};
use hemicycle_core::rules::{ChamberSize, TieRule};
use hemicycle_core::{Actor, Command, Context};
use hemicycle_fuzz::{demo_moments, execute_checked};
use hemicycle_scenario::parse_standing_orders;
use indexmap::IndexMap;
use libfuzzer_sys::fuzz_target;

/// Attendances at the edges of what can happen among `members` members.
fn edge_counts(members: u32) -> [u32; 5] {
    [
        0,
        1.min(members),
        members / 2,
        (members / 2 + 1).min(members),
        members,
    ]
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(source) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(rules) = parse_standing_orders(source, "fuzzed.toml") else {
        return;
    };
    // The parser validated the rules: the core must then accept them too.
    let moment = &demo_moments()[0];
    let mut state = moment.state.clone();
    let context = Context {
        at: moment.at,
        actor: Actor::System,
    };
    let establish = Command::EstablishChamber {
        name: rules.name.clone(),
        seats: rules.seats,
        standing_orders: rules.standing_orders.clone(),
    };
    assert!(
        execute_checked(&mut state, &context, &establish).is_some(),
        "standing orders the parser accepted were refused by the core: {:?}",
        state.decide(&context, &establish).err()
    );

    let orders = &rules.standing_orders;
    let candidate = CandidateId::new("candidate-a".to_owned()).expect("a valid identifier");
    for (decision, rule) in &orders.decisions {
        for members in [rules.seats, rules.seats / 2, 0] {
            let sizes = ChamberSize {
                seats: rules.seats,
                members,
            };
            let _ = rule.describe(&sizes);
            for present in edge_counts(members) {
                let _ = check_quorum(&orders.quorum, &sizes, present, Some(present / 2));
                for (yes, no) in [(present, 0), (present / 2, present / 2), (1, 1), (0, 0)] {
                    let mut candidates = IndexMap::new();
                    if rule.election {
                        candidates.insert(candidate.clone(), yes);
                    }
                    let tally = Tally {
                        yes,
                        no,
                        abstain: present.saturating_sub(yes.saturating_add(no)),
                        candidates,
                    };
                    // Each group named by a requirement holds half of everyone.
                    let group_tally = Tally {
                        yes: tally.yes / 2,
                        no: tally.no / 2,
                        abstain: tally.abstain / 2,
                        candidates: IndexMap::new(),
                    };
                    let mut groups: IndexMap<GroupId, (u32, Tally)> = IndexMap::new();
                    for requirement in &rule.requirements {
                        if let Some(group) = &requirement.within {
                            groups.insert(group.clone(), (present / 2, group_tally.clone()));
                        }
                    }
                    for tie in [TieRule::Fails, TieRule::CastingVote, TieRule::ChairSide] {
                        let outcome = decide(&DivisionFacts {
                            decision,
                            rule,
                            quorum: Some(&orders.quorum),
                            tie,
                            sizes,
                            present,
                            taking_part: present,
                            tally: &tally,
                            groups: &groups,
                            chair_side: Some(Side::Yes),
                            casting_vote: Some(Side::No),
                        });
                        assert_eq!(&outcome.decision, decision);
                    }
                }
            }
        }
    }
});
