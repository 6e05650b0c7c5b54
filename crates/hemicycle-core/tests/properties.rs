//! Properties of the outcome engine, the quorum and replay, over generated rules, tallies
//! and command sequences.

mod common;

use common::*;
use hemicycle_core::ids::{BlocId, GroupId};
use hemicycle_core::model::{Candidate, Choice, DivisionMethod, MotionKind, Question, SittingKind};
use hemicycle_core::outcome::{check_quorum, decide, DivisionFacts, Outcome, Side, Tally, Verdict};
use hemicycle_core::rules::{
    Base, ChamberSize, DecisionRule, Fraction, QuorumCheckPoint, QuorumCount, QuorumFailure,
    QuorumRule, Threshold, ThresholdKind, TieRule,
};
use hemicycle_core::state::SittingStatus;
use hemicycle_core::{decode, encode, Actor, Command, RefusalKind, State};
use indexmap::IndexMap;
use proptest::prelude::*;

// --- Generators ------------------------------------------------------------------------------

fn any_fraction() -> impl Strategy<Value = Fraction> {
    (1u32..=12).prop_flat_map(|denominator| {
        (0..=denominator).prop_map(move |numerator| Fraction::new(numerator, denominator).unwrap())
    })
}

/// A fraction of at least one half; often exactly one half, where ties are decisive.
fn majority_fraction() -> impl Strategy<Value = Fraction> {
    prop_oneof![
        Just(Fraction::HALF),
        (1u32..=12).prop_flat_map(|denominator| {
            (denominator.div_ceil(2)..=denominator)
                .prop_map(move |numerator| Fraction::new(numerator, denominator).unwrap())
        }),
    ]
}

fn any_base() -> impl Strategy<Value = Base> {
    prop_oneof![
        Just(Base::VotesCast),
        Just(Base::VotesCastAndAbstentions),
        Just(Base::Present),
        Just(Base::Members),
        Just(Base::Seats),
    ]
}

fn fraction_threshold(
    fraction: impl Strategy<Value = Fraction>,
) -> impl Strategy<Value = Threshold> {
    (fraction, any_base(), any::<bool>()).prop_map(|(fraction, base, more_than)| {
        if more_than {
            Threshold::more_than(fraction, base)
        } else {
            Threshold::at_least(fraction, base)
        }
    })
}

fn group() -> GroupId {
    GroupId::Bloc(BlocId::new("g").unwrap())
}

/// Any further requirement: a fixed number, any fraction of any base, or any fraction
/// within the group.
fn further_requirement() -> impl Strategy<Value = Threshold> {
    prop_oneof![
        (0u32..60).prop_map(Threshold::fixed),
        fraction_threshold(any_fraction()),
        fraction_threshold(any_fraction()).prop_map(|mut threshold| {
            threshold.within = Some(group());
            threshold
        }),
    ]
}

fn any_tie_rule() -> impl Strategy<Value = TieRule> {
    prop_oneof![
        Just(TieRule::Fails),
        Just(TieRule::CastingVote),
        Just(TieRule::ChairSide)
    ]
}

fn any_side() -> impl Strategy<Value = Option<Side>> {
    prop_oneof![Just(None), Just(Some(Side::Yes)), Just(Some(Side::No))]
}

fn quorum_threshold() -> impl Strategy<Value = Threshold> {
    prop_oneof![
        (0u32..200).prop_map(Threshold::fixed),
        (
            any_fraction(),
            prop_oneof![Just(Base::Seats), Just(Base::Members)],
            any::<bool>()
        )
            .prop_map(|(fraction, base, more_than)| if more_than {
                Threshold::more_than(fraction, base)
            } else {
                Threshold::at_least(fraction, base)
            }),
    ]
}

fn any_quorum_rule() -> impl Strategy<Value = QuorumRule> {
    (quorum_threshold(), any::<bool>(), 0u32..6).prop_map(
        |(required, taking_part, counted_extra)| QuorumRule {
            required,
            counted: if taking_part {
                QuorumCount::TakingPart
            } else {
                QuorumCount::Present
            },
            counted_extra,
            counted_extra_label: None,
            checked: vec![QuorumCheckPoint::EveryVote],
            when_not_met: QuorumFailure::StandOver,
        },
    )
}

/// A recorded division: seats ≥ members ≥ present ≥ ballots, the group's ballots a part
/// of the whole, its members present between its ballots and its ballots plus the
/// present members who did not vote.
#[derive(Debug, Clone)]
struct Division {
    sizes: ChamberSize,
    present: u32,
    tally: Tally,
    group_present: u32,
    group_tally: Tally,
}

impl Division {
    fn taking_part(&self) -> u32 {
        self.tally.ballots()
    }
    fn not_voting(&self) -> u32 {
        self.present - self.taking_part()
    }
    fn group_not_voting(&self) -> u32 {
        self.group_present - self.group_tally.ballots()
    }
}

fn tally(yes: u32, no: u32, abstain: u32) -> Tally {
    Tally {
        yes,
        no,
        abstain,
        candidates: IndexMap::new(),
    }
}

/// A share in percent: mostly large, sometimes anything.
fn share() -> impl Strategy<Value = u32> {
    prop_oneof![3 => 50u32..=100, 1 => 0u32..=100]
}

fn part(whole: u32, percent: u32) -> u32 {
    whole * percent / 100
}

/// Divisions leaning towards adoption, so that the property below has adopted motions
/// to work on; every consistent division can still be generated.
fn any_division() -> impl Strategy<Value = Division> {
    (
        (1u32..=60, 0u32..=5, share(), share()),
        (share(), 0u32..=100, prop::bool::weighted(0.25)),
        (0u32..=100, 0u32..=100, 0u32..=100, 0u32..=100),
    )
        .prop_map(
            |(
                (seats, vacant, present_share, ballot_share),
                (yes_share, no_share, tied),
                group_shares,
            )| {
                let members = seats - vacant.min(seats - 1);
                let present = part(members, present_share);
                let ballots = part(present, ballot_share);
                // A quarter of the divisions are tied, where the tie rules matter.
                let (yes, no) = if tied {
                    let each = part(ballots / 2, yes_share);
                    (each, each)
                } else {
                    let yes = part(ballots, yes_share);
                    (yes, part(ballots - yes, no_share))
                };
                let abstain = ballots - yes - no;
                let (group_yes, group_no, group_abstain, group_not_voting) = group_shares;
                let group_tally = tally(
                    part(yes, group_yes),
                    part(no, group_no),
                    part(abstain, group_abstain),
                );
                Division {
                    sizes: ChamberSize { seats, members },
                    present,
                    tally: tally(yes, no, abstain),
                    group_present: group_tally.ballots()
                        + part(present - ballots, group_not_voting),
                    group_tally,
                }
            },
        )
}

/// Who turns into a yes voter.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mover {
    NotVoting,
    Abstaining,
    VotingNo,
}

#[derive(Debug, Clone)]
struct Facts {
    rule: DecisionRule,
    quorum: Option<QuorumRule>,
    tie: TieRule,
    division: Division,
    chair_side: Option<Side>,
    casting_vote: Option<Side>,
}

impl Facts {
    fn outcome(&self) -> Outcome {
        let mut groups = IndexMap::new();
        groups.insert(
            group(),
            (
                self.division.group_present,
                self.division.group_tally.clone(),
            ),
        );
        decide(&DivisionFacts {
            decision: &decision("generated"),
            rule: &self.rule,
            quorum: self.quorum.as_ref(),
            tie: self.tie,
            sizes: self.division.sizes,
            present: self.division.present,
            taking_part: self.division.taking_part(),
            tally: &self.division.tally,
            groups: &groups,
            chair_side: self.chair_side,
            casting_vote: self.casting_vote,
        })
    }

    /// How many members of each kind could turn into a yes voter.
    fn movers(&self) -> Vec<(Mover, bool)> {
        let division = &self.division;
        [
            (Mover::NotVoting, true, division.group_not_voting()),
            (
                Mover::NotVoting,
                false,
                division.not_voting() - division.group_not_voting(),
            ),
            (Mover::Abstaining, true, division.group_tally.abstain),
            (
                Mover::Abstaining,
                false,
                division.tally.abstain - division.group_tally.abstain,
            ),
            (Mover::VotingNo, true, division.group_tally.no),
            (
                Mover::VotingNo,
                false,
                division.tally.no - division.group_tally.no,
            ),
        ]
        .into_iter()
        .filter(|(_, _, available)| *available > 0)
        .map(|(from, in_group, _)| (from, in_group))
        .collect()
    }

    /// One member, inside the group or not, turns into a yes voter. If `is_chair` and
    /// the presiding officer's ballot allows it (none, abstain or no, as the mover's),
    /// the mover is the presiding officer. `None` if there is no such member.
    fn one_more_yes(&self, from: Mover, in_group: bool, is_chair: bool) -> Option<Facts> {
        if !self.movers().contains(&(from, in_group)) {
            return None;
        }
        let mut after = self.clone();
        let division = &mut after.division;
        let mut tallies = vec![&mut division.tally];
        if in_group {
            tallies.push(&mut division.group_tally);
        }
        for tally in tallies {
            match from {
                Mover::NotVoting => {}
                Mover::Abstaining => tally.abstain -= 1,
                Mover::VotingNo => tally.no -= 1,
            }
            tally.yes += 1;
        }
        if is_chair {
            // The presiding officer's own ballot: before, none, an abstention or no.
            let before = match from {
                Mover::VotingNo => Some(Side::No),
                Mover::NotVoting | Mover::Abstaining => None,
            };
            if self.chair_side == before {
                after.chair_side = Some(Side::Yes);
            }
        }
        Some(after)
    }
}

fn any_facts() -> impl Strategy<Value = Facts> {
    (
        fraction_threshold(majority_fraction()),
        prop::collection::vec(further_requirement(), 0..3),
        any::<usize>(),
        prop::option::of(any_quorum_rule()),
        any_tie_rule(),
        any_division(),
        any_side(),
        any_side(),
    )
        .prop_map(
            |(majority, mut further, position, quorum, tie, division, chair_side, casting_vote)| {
                further.insert(position % (further.len() + 1), majority);
                Facts {
                    rule: DecisionRule {
                        label: None,
                        requirements: further,
                        election: false,
                        plurality: false,
                        runoff: None,
                    },
                    quorum,
                    tie,
                    division,
                    chair_side,
                    casting_vote,
                }
            },
        )
}

/// Facts, with the member who turns into a yes voter, and the facts after.
fn facts_and_one_more_yes() -> impl Strategy<Value = (Facts, Facts)> {
    (any_facts(), any::<prop::sample::Index>(), any::<bool>()).prop_filter_map(
        "nobody who could vote yes",
        |(facts, index, is_chair)| {
            let movers = facts.movers();
            if movers.is_empty() {
                return None;
            }
            let (from, in_group) = movers[index.index(movers.len())];
            let after = facts.one_more_yes(from, in_group, is_chair)?;
            Some((facts, after))
        },
    )
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Failures are shrunk and printed; nothing is written next to the sources.
        failure_persistence: None,
        max_global_rejects: 100_000,
        ..ProptestConfig::default()
    }
}

// --- (a) One more vote in favour never defeats an adopted motion ------------------------------

proptest! {
    #![proptest_config(config(2000))]

    /// For a motion whose rule has at least one requirement, not restricted to a group,
    /// that is a fraction of at least one half (more than or at least) of any base, with
    /// up to two further requirements of any kind (a fixed number, any fraction of any
    /// base, any fraction within a group), any tie rule, any presiding officer's ballot
    /// and casting vote and any quorum rule, in a division where ballots ≤ present ≤
    /// members ≤ seats: if the motion is adopted, it stays adopted when one more member
    /// votes in favour — a present member who had not voted, an abstainer or a member
    /// who had voted no, inside the group or outside it, the presiding officer or not
    /// (the casting vote given stays as it was).
    ///
    /// The precondition is needed: see
    /// `without_a_majority_requirement_one_more_yes_can_defeat_a_motion`.
    #[test]
    fn one_more_yes_never_defeats_an_adopted_motion((facts, after) in facts_and_one_more_yes()) {
        let before = facts.outcome();
        prop_assume!(before.verdict == Verdict::Adopted);
        let outcome = after.outcome();
        prop_assert_eq!(
            &outcome.verdict,
            &Verdict::Adopted,
            "before: {}\nafter: {}",
            before.explanation(),
            outcome.explanation()
        );
    }

    /// Requirement by requirement, not only the verdict: under any rule of the generator,
    /// whatever the tie, one more vote in favour (from a non-voter, an abstainer or a no)
    /// keeps every requirement that was met, met, and a decided question decided.
    #[test]
    fn one_more_yes_keeps_every_requirement_met((facts, after) in facts_and_one_more_yes()) {
        let before = facts.outcome();
        let outcome = after.outcome();
        prop_assume!(before.verdict != Verdict::NotDecided);
        prop_assert_ne!(&outcome.verdict, &Verdict::NotDecided);
        for (earlier, later) in before.requirements.iter().zip(&outcome.requirements) {
            prop_assert!(!earlier.met || later.met, "{:?} then {:?}", earlier, later);
        }
    }
}

#[test]
fn without_a_majority_requirement_one_more_yes_can_defeat_a_motion() {
    // "More than a third of the votes cast": 4 for, 5 against is adopted (4 > 3); one
    // more vote in favour makes a tie, and a tie is lost.
    let facts = Facts {
        rule: DecisionRule {
            label: None,
            requirements: vec![Threshold::more_than(
                Fraction::new(1, 3).unwrap(),
                Base::VotesCast,
            )],
            election: false,
            plurality: false,
            runoff: None,
        },
        quorum: None,
        tie: TieRule::Fails,
        division: Division {
            sizes: ChamberSize {
                seats: 20,
                members: 20,
            },
            present: 12,
            tally: tally(4, 5, 0),
            group_present: 0,
            group_tally: Tally::default(),
        },
        chair_side: None,
        casting_vote: None,
    };
    assert_eq!(facts.outcome().verdict, Verdict::Adopted);
    let after = facts.one_more_yes(Mover::NotVoting, false, false).unwrap();
    assert_eq!(after.outcome().verdict, Verdict::Rejected);
}

// --- (b) The quorum -------------------------------------------------------------------------------

/// ⌊b·n/d⌋ + 1 and ⌈b·n/d⌉, in 128 bits, capped at u32::MAX.
fn hand_required(kind: ThresholdKind, base: u32) -> u32 {
    let exact = |fraction: Fraction| {
        (
            u128::from(base) * u128::from(fraction.numerator),
            u128::from(fraction.denominator),
        )
    };
    let required = match kind {
        ThresholdKind::Fixed(count) => u128::from(count),
        ThresholdKind::MoreThan(fraction, _) => {
            let (product, denominator) = exact(fraction);
            product / denominator + 1
        }
        ThresholdKind::AtLeast(fraction, _) => {
            let (product, denominator) = exact(fraction);
            product / denominator + u128::from(product % denominator != 0)
        }
    };
    u32::try_from(required).unwrap_or(u32::MAX)
}

fn any_u32_fraction() -> impl Strategy<Value = Fraction> {
    prop_oneof![
        any_fraction(),
        (1u32..).prop_flat_map(|denominator| {
            (0..=denominator)
                .prop_map(move |numerator| Fraction::new(numerator, denominator).unwrap())
        }),
        Just(Fraction::new(u32::MAX, u32::MAX).unwrap()),
        Just(Fraction::new(u32::MAX - 1, u32::MAX).unwrap()),
    ]
}

fn any_u32() -> impl Strategy<Value = u32> {
    prop_oneof![any::<u32>(), 0u32..1000, (u32::MAX - 1000)..=u32::MAX]
}

proptest! {
    #![proptest_config(config(2000))]

    /// `Threshold::required` is the hand formula, for every u32 base and fraction: no
    /// overflow, no rounding error.
    #[test]
    fn required_is_the_hand_formula(
        fraction in any_u32_fraction(),
        base in any_u32(),
        fixed in any_u32(),
    ) {
        for kind in [
            ThresholdKind::MoreThan(fraction, Base::Seats),
            ThresholdKind::AtLeast(fraction, Base::Seats),
            ThresholdKind::Fixed(fixed),
        ] {
            let required = Threshold::required(kind, base);
            prop_assert_eq!(required, hand_required(kind, base), "{:?} of {}", kind, base);
            // And it is the least count that satisfies the threshold, checked exactly.
            if let ThresholdKind::MoreThan(fraction, _) | ThresholdKind::AtLeast(fraction, _) = kind {
                let satisfies = |count: u32| {
                    let left = u128::from(count) * u128::from(fraction.denominator);
                    let right = u128::from(base) * u128::from(fraction.numerator);
                    if matches!(kind, ThresholdKind::MoreThan(..)) { left > right } else { left >= right }
                };
                // (More than all of u32::MAX cannot be reached in u32: capped.)
                if required < u32::MAX || satisfies(u32::MAX) {
                    prop_assert!(satisfies(required));
                }
                if required > 0 {
                    prop_assert!(!satisfies(required - 1));
                }
            }
        }
    }

    /// A quorum check counts the right members, requires the hand formula's number of the
    /// seats or members, and is met exactly when the count (with the extra members at a
    /// division) reaches it; its sentence never underflows.
    #[test]
    fn quorum_is_met_exactly_when_the_count_reaches_the_requirement(
        required in prop_oneof![
            any_u32().prop_map(Threshold::fixed),
            (any_u32_fraction(), prop_oneof![Just(Base::Seats), Just(Base::Members)], any::<bool>())
                .prop_map(|(fraction, base, more_than)| if more_than {
                    Threshold::more_than(fraction, base)
                } else {
                    Threshold::at_least(fraction, base)
                }),
        ],
        taking_part_counted in any::<bool>(),
        counted_extra in any_u32(),
        seats in any_u32(),
        members in any_u32(),
        present in any_u32(),
        taking_part in prop::option::of(any_u32()),
    ) {
        let rule = QuorumRule {
            required: required.clone(),
            counted: if taking_part_counted { QuorumCount::TakingPart } else { QuorumCount::Present },
            counted_extra,
            counted_extra_label: None,
            checked: vec![QuorumCheckPoint::EveryVote],
            when_not_met: QuorumFailure::StandOver,
        };
        let sizes = ChamberSize { seats, members };
        let report = check_quorum(&rule, &sizes, present, taking_part);
        let kind = required.kind().unwrap();
        let base = match kind {
            ThresholdKind::Fixed(_) => 0,
            ThresholdKind::MoreThan(_, Base::Seats) | ThresholdKind::AtLeast(_, Base::Seats) => seats,
            _ => members,
        };
        prop_assert_eq!(report.required, hand_required(kind, base));
        let (counted, extra) = match (taking_part_counted, taking_part) {
            (true, Some(taking_part)) => (taking_part, counted_extra),
            _ => (present, 0),
        };
        prop_assert_eq!((report.counted, report.counted_extra), (counted, extra));
        prop_assert_eq!(report.counted_taking_part, taking_part_counted && taking_part.is_some());
        let total = u64::from(counted) + u64::from(extra);
        // The total saturates at u32::MAX, as does the requirement: compare capped.
        prop_assert_eq!(report.met, total.min(u64::from(u32::MAX)) >= u64::from(report.required));
        let sentence = report.sentence();
        prop_assert!(sentence.starts_with("Quorum: "));
        let verdict_word = if report.met { "— met" } else { "short." };
        prop_assert!(sentence.contains(verdict_word), "{}", sentence);
    }
}

// --- (c) Any sequence of commands replays to the same state --------------------------------------

const PEOPLE: [&str; 8] = ["a1", "a2", "a3", "b1", "b2", "c1", "c2", "zz"];
const BLOCS: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

#[derive(Debug, Clone)]
enum Step {
    CheckIn(usize, usize),
    CheckOut(usize, usize),
    Excuse(usize),
    Boycott(usize),
    Open(Option<usize>),
    Suspend,
    Resume,
    CloseSitting,
    Convene,
    CheckQuorum,
    Table(bool),
    OpenDivision(usize, usize),
    Ballot(usize, usize, usize),
    Participate(usize, usize),
    EnterTally(u32, u32, u32, Option<u32>),
    Close(Option<Side>),
    ChangeBloc(usize, usize, u32),
    Depart(usize),
    Send(u32),
    Withdraw(usize),
}

fn any_step() -> impl Strategy<Value = Step> {
    let person = 0..PEOPLE.len();
    // Mostly members acting for themselves; sometimes for another, or another role.
    let actor = || prop_oneof![3 => Just(0usize), 1 => 0usize..5];
    prop_oneof![
        4 => (person.clone(), actor()).prop_map(|(m, a)| Step::CheckIn(m, a)),
        2 => (person.clone(), actor()).prop_map(|(m, a)| Step::CheckOut(m, a)),
        1 => person.clone().prop_map(Step::Excuse),
        1 => (0..BLOCS.len()).prop_map(Step::Boycott),
        2 => prop::option::of(person.clone()).prop_map(Step::Open),
        1 => Just(Step::Suspend),
        2 => Just(Step::Resume),
        1 => Just(Step::CloseSitting),
        1 => Just(Step::Convene),
        2 => Just(Step::CheckQuorum),
        2 => any::<bool>().prop_map(Step::Table),
        5 => (0usize..6, prop_oneof![3 => Just(0usize), 1 => 1usize..3])
            .prop_map(|(q, method)| Step::OpenDivision(q, method)),
        20 => (person.clone(), 0usize..5, actor()).prop_map(|(m, c, a)| Step::Ballot(m, c, a)),
        4 => (person.clone(), 0usize..2).prop_map(|(m, a)| Step::Participate(m, a)),
        3 => (0u32..5, 0u32..5, 0u32..3, prop::option::of(0u32..8))
            .prop_map(|(y, n, a, t)| Step::EnterTally(y, n, a, t)),
        2 => any_side().prop_map(Step::Close),
        1 => (person.clone(), 0..BLOCS.len() + 1, 0u32..400)
            .prop_map(|(m, b, d)| Step::ChangeBloc(m, b, d)),
        1 => person.prop_map(Step::Depart),
        1 => (0u32..30).prop_map(Step::Send),
        1 => (0usize..12).prop_map(Step::Withdraw),
    ]
}

fn any_orders() -> impl Strategy<Value = hemicycle_core::rules::StandingOrders> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::option::of(30u32..600),
        any_tie_rule(),
        prop_oneof![
            Just(QuorumFailure::Suspend),
            Just(QuorumFailure::Adjourn),
            Just(QuorumFailure::StandOver)
        ],
        prop::sample::subsequence(
            vec![
                QuorumCheckPoint::Opening,
                QuorumCheckPoint::EveryVote,
                QuorumCheckPoint::OnRequest,
            ],
            1..=3,
        ),
        prop_oneof![
            Just(Threshold::more_than(Fraction::HALF, Base::Seats)),
            Just(Threshold::fixed(3)),
            Just(Threshold::at_least(
                Fraction::new(1, 3).unwrap(),
                Base::Members
            )),
        ],
    )
        .prop_map(
            |(changes, presence, timer, tie, when_not_met, checked, quorum)| {
                let mut orders = standing_orders();
                orders.voting.ballot_changes_allowed = changes;
                orders.voting.presence_required = presence;
                orders.voting.timer_seconds = timer;
                orders.voting.tie = tie;
                orders.quorum.when_not_met = when_not_met;
                orders.quorum.checked = checked;
                orders.quorum.required = quorum;
                let mut within = Threshold::more_than(Fraction::HALF, Base::VotesCast);
                within.within = Some(GroupId::Bloc(bloc("alpha")));
                orders.decisions.insert(
                    decision("consensual"),
                    DecisionRule {
                        label: None,
                        requirements: vec![
                            Threshold::more_than(Fraction::HALF, Base::VotesCast),
                            within,
                        ],
                        election: false,
                        plurality: false,
                        runoff: None,
                    },
                );
                orders
            },
        )
}

/// Drives a chamber through `steps`, checking after each command that a refusal changed
/// nothing and that nobody without a seat is counted present.
struct Driver {
    chamber: Chamber,
    sittings: u32,
    divisions: u32,
    motions: u32,
}

impl Driver {
    fn sitting(&self) -> hemicycle_core::ids::SittingId {
        sitting(&format!("s{}", self.sittings))
    }
    fn division(&self) -> hemicycle_core::ids::DivisionId {
        division(&format!("d{}", self.divisions.max(1)))
    }
    /// Whether the latest division is an election.
    fn election_open(&self) -> bool {
        self.chamber
            .state
            .divisions
            .get(&self.division())
            .is_some_and(|division| matches!(division.question, Question::Election { .. }))
    }

    fn actor(&self, person: usize, pick: usize) -> Actor {
        match pick {
            0 => as_member(PEOPLE[person]),
            1 => as_member(PEOPLE[(person + 1) % PEOPLE.len()]),
            2 => Actor::System,
            3 => clerk(),
            _ => speaker(),
        }
    }

    fn command(&self, step: &Step) -> (Actor, Command) {
        let the_sitting = self.sitting();
        match *step {
            Step::CheckIn(m, a) => (
                self.actor(m, a),
                Command::CheckIn {
                    sitting: the_sitting,
                    member: member(PEOPLE[m]),
                },
            ),
            Step::CheckOut(m, a) => (
                self.actor(m, a),
                Command::CheckOut {
                    sitting: the_sitting,
                    member: member(PEOPLE[m]),
                },
            ),
            Step::Excuse(m) => (
                clerk(),
                Command::ExcuseAbsence {
                    sitting: the_sitting,
                    member: member(PEOPLE[m]),
                    reason: "ill".into(),
                },
            ),
            Step::Boycott(b) => (
                clerk(),
                Command::DeclareBoycott {
                    sitting: the_sitting,
                    bloc: bloc(BLOCS[b]),
                    statement: None,
                },
            ),
            Step::Open(officer) => (
                speaker(),
                Command::OpenSitting {
                    sitting: the_sitting,
                    presiding_officer: officer.map(|m| member(PEOPLE[m])),
                },
            ),
            Step::Suspend => (
                speaker(),
                Command::SuspendSitting {
                    sitting: the_sitting,
                    reason: "disorder".into(),
                },
            ),
            Step::Resume => (
                speaker(),
                Command::ResumeSitting {
                    sitting: the_sitting,
                },
            ),
            Step::CloseSitting => (
                speaker(),
                Command::CloseSitting {
                    sitting: the_sitting,
                    reason: None,
                },
            ),
            Step::Convene => (
                clerk(),
                Command::ConveneSitting {
                    sitting: sitting(&format!("s{}", self.sittings + 1)),
                    kind: SittingKind::Ordinary,
                    title: "Sitting".into(),
                    scheduled_for: self.chamber.now + chrono::Duration::days(1),
                    agenda: vec![],
                    requested_by: None,
                },
            ),
            Step::CheckQuorum => (
                speaker(),
                Command::CheckQuorum {
                    sitting: the_sitting,
                },
            ),
            Step::Table(consensual) => (
                clerk(),
                Command::TableMotion {
                    motion: motion(&format!("m{}", self.motions + 1)),
                    kind: MotionKind::Resolution {
                        binding: true,
                        addressed_to: Some("the Government".into()),
                    },
                    title: "Resolution".into(),
                    text: "Resolved.".into(),
                    sponsors: vec![hemicycle_core::model::Sponsor::Member(member("a1"))],
                    decision: consensual.then(|| decision("consensual")),
                },
            ),
            Step::OpenDivision(question, method) => {
                let question = if question < 4 {
                    Question::Motion {
                        motion: motion(&format!("m{}", question + 1)),
                    }
                } else {
                    Question::Election {
                        office: "Speaker".into(),
                        candidates: ["x", "y"]
                            .iter()
                            .map(|name| Candidate {
                                id: candidate(name),
                                name: name.to_uppercase(),
                            })
                            .collect(),
                    }
                };
                let decision = match (&question, question_rule(method)) {
                    (Question::Election { .. }, rule) => Some(decision(rule)),
                    _ => None,
                };
                (
                    speaker(),
                    Command::OpenDivision {
                        division: division(&format!("d{}", self.divisions + 1)),
                        sitting: the_sitting,
                        question,
                        method: [
                            DivisionMethod::Recorded,
                            DivisionMethod::Secret,
                            DivisionMethod::ShowOfHands,
                        ][method],
                        decision,
                    },
                )
            }
            Step::Ballot(m, choice, a) => (
                self.actor(m, a),
                Command::CastBallot {
                    division: self.division(),
                    member: member(PEOPLE[m]),
                    // Mostly a choice that fits the question; the last one does not.
                    choice: if self.election_open() {
                        [
                            Choice::Candidate(candidate("x")),
                            Choice::Candidate(candidate("y")),
                            Choice::Candidate(candidate("x")),
                            Choice::Abstain,
                            Choice::Yes,
                        ][choice]
                            .clone()
                    } else {
                        [
                            Choice::Yes,
                            Choice::No,
                            Choice::Yes,
                            Choice::Abstain,
                            Choice::Candidate(candidate("x")),
                        ][choice]
                            .clone()
                    },
                },
            ),
            Step::Participate(m, a) => (
                self.actor(m, a),
                Command::RecordParticipation {
                    division: self.division(),
                    member: member(PEOPLE[m]),
                },
            ),
            Step::EnterTally(yes, no, abstain, taking_part) => {
                let election = self.election_open();
                let mut tally = Tally {
                    yes,
                    no,
                    abstain,
                    candidates: IndexMap::new(),
                };
                if election {
                    tally.candidates.insert(candidate("x"), yes);
                    tally.candidates.insert(candidate("y"), no);
                    tally.yes = 0;
                    tally.no = 0;
                }
                (
                    clerk(),
                    Command::EnterTally {
                        division: self.division(),
                        tally,
                        taking_part,
                    },
                )
            }
            Step::Close(casting_vote) => (
                speaker(),
                Command::CloseDivision {
                    division: self.division(),
                    casting_vote,
                },
            ),
            Step::ChangeBloc(m, b, day) => (
                clerk(),
                Command::ChangeBloc {
                    member: member(PEOPLE[m]),
                    bloc: BLOCS.get(b).map(|id| bloc(id)),
                    on: date(SINCE) + chrono::Duration::days(i64::from(day)),
                },
            ),
            Step::Depart(m) => (
                clerk(),
                Command::DepartMember {
                    member: member(PEOPLE[m]),
                    reason: "resigned".into(),
                    on: date("2020-01-05"),
                },
            ),
            Step::Send(day) => (
                clerk(),
                Command::SendResolution {
                    motion: motion(&format!("m{}", (day % 4) + 1)),
                    to: "the Government".into(),
                    on: date("2020-01-05") + chrono::Duration::days(i64::from(day)),
                    response_due: Some(date("2020-03-01")),
                },
            ),
            Step::Withdraw(m) => (
                clerk(),
                Command::WithdrawMotion {
                    motion: motion(&format!("m{}", m + 1)),
                },
            ),
        }
    }

    fn step(&mut self, step: &Step, seconds: i64) -> Result<(), TestCaseError> {
        self.chamber.advance(seconds);
        let (actor, command) = self.command(step);
        // A member acting for someone else is always forbidden, whatever else is wrong.
        let impersonating = matches!(
            (&actor, target_of(&command)),
            (Actor::Member(acting), Some(target)) if acting != target
        );
        let before = self.chamber.state.clone();
        let result = self.chamber.run(actor, command.clone());
        if impersonating {
            prop_assert!(
                matches!(&result, Err(refusal) if refusal.kind == RefusalKind::Forbidden),
                "{} for another member gave {:?}",
                command.name(),
                result
            );
        }
        match result {
            Ok(events) => {
                prop_assert!(!events.is_empty(), "{} gave no events", command.name());
                match step {
                    Step::Convene => self.sittings += 1,
                    Step::OpenDivision(..) => self.divisions += 1,
                    Step::Table(_) => self.motions += 1,
                    _ => {}
                }
            }
            Err(refusal) => {
                prop_assert!(
                    self.chamber.state == before,
                    "{} was refused ({}) but the state changed",
                    command.name(),
                    refusal
                );
            }
        }
        // Nobody without a seat is counted present at a sitting not yet closed.
        let state = &self.chamber.state;
        for sitting in state
            .sittings
            .values()
            .filter(|sitting| sitting.status != SittingStatus::Closed)
        {
            for (member_id, attendance) in &sitting.attendance {
                prop_assert!(
                    !attendance.present_now || state.members[member_id].is_sitting(),
                    "{} is counted present at {} without a seat",
                    member_id,
                    sitting.id
                );
            }
            prop_assert!(sitting.present_count() <= state.size().members);
        }
        Ok(())
    }
}

/// The member a command acts for, if it is one members may give.
fn target_of(command: &Command) -> Option<&hemicycle_core::ids::MemberId> {
    match command {
        Command::CheckIn { member, .. }
        | Command::CheckOut { member, .. }
        | Command::CastBallot { member, .. }
        | Command::RecordParticipation { member, .. } => Some(member),
        _ => None,
    }
}

/// The election rule for a generated election: the majority rule or its run-off.
fn question_rule(method: usize) -> &'static str {
    if method % 2 == 0 {
        "president"
    } else {
        "runoff"
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// Any sequence of commands, legal or not, by the right actors or not: refusals change
    /// nothing, every accepted command's events apply (`execute` panics otherwise), and
    /// the journal — encoded, decoded and replayed into a fresh state with the same times
    /// and actors — rebuilds an equal state.
    #[test]
    fn any_command_sequence_replays_to_an_equal_state(
        orders in any_orders(),
        checked_in in prop::collection::vec(prop::bool::weighted(0.8), MEMBERS.len()),
        open_first in prop::bool::weighted(0.8),
        officer in prop::option::of(0..PEOPLE.len()),
        // Mostly a few seconds between commands, sometimes long enough for a vote timer.
        steps in prop::collection::vec(
            (any_step(), prop_oneof![4 => 0i64..15, 1 => 0i64..400]),
            1..120,
        ),
    ) {
        let mut driver = Driver {
            chamber: Chamber::with(orders),
            sittings: 1,
            divisions: 0,
            motions: 0,
        };
        for _ in 0..3 {
            driver.step(&Step::Table(false), 0)?;
        }
        driver.step(&Step::Table(true), 0)?;
        // Most runs start from a sitting under way (if the quorum allows it).
        for (person, _) in checked_in.iter().enumerate().filter(|(_, in_)| **in_) {
            driver.step(&Step::CheckIn(person, 0), 0)?;
        }
        if open_first {
            driver.step(&Step::Open(officer), 0)?;
        }
        for (step, seconds) in &steps {
            driver.step(step, *seconds)?;
        }

        let mut replayed = State::new();
        for (at, actor, event) in &driver.chamber.journal {
            let bytes = encode(event);
            let decoded = decode(&bytes).map_err(|error| TestCaseError::fail(error.to_string()))?;
            prop_assert_eq!(&decoded, event);
            prop_assert_eq!(encode(&decoded), bytes);
            replayed
                .apply(*at, actor, &decoded)
                .map_err(|error| TestCaseError::fail(error.to_string()))?;
        }
        prop_assert!(replayed == driver.chamber.state, "the replayed state differs");
    }
}
