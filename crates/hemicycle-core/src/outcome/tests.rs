//! The outcome engine against decisions taken by real chambers: every number and the
//! whole explanation a clerk reads out are checked.

use indexmap::IndexMap;

use super::*;
use crate::ids::{BlocId, CandidateId, DecisionId, GroupId};
use crate::rules::{
    Base, ChamberSize, DecisionRule, Fraction, QuorumCheckPoint, QuorumCount, QuorumFailure,
    QuorumRule, Threshold, TieRule,
};

fn decision(name: &str) -> DecisionId {
    DecisionId::new(name).unwrap()
}

fn candidate(name: &str) -> CandidateId {
    CandidateId::new(name).unwrap()
}

fn fraction(numerator: u32, denominator: u32) -> Fraction {
    Fraction::new(numerator, denominator).unwrap()
}

fn motion_rule(requirements: Vec<Threshold>) -> DecisionRule {
    DecisionRule {
        label: None,
        requirements,
        election: false,
        plurality: false,
        runoff: None,
    }
}

fn quorum(required: Threshold) -> QuorumRule {
    QuorumRule {
        required,
        counted: QuorumCount::Present,
        counted_extra: 0,
        counted_extra_label: None,
        checked: vec![QuorumCheckPoint::Opening, QuorumCheckPoint::EveryVote],
        when_not_met: QuorumFailure::StandOver,
    }
}

fn yes_no(yes: u32, no: u32, abstain: u32) -> Tally {
    Tally {
        yes,
        no,
        abstain,
        candidates: IndexMap::new(),
    }
}

fn votes_for(candidates: &[(&str, u32)], abstain: u32) -> Tally {
    Tally {
        yes: 0,
        no: 0,
        abstain,
        candidates: candidates
            .iter()
            .map(|(name, votes)| (candidate(name), *votes))
            .collect(),
    }
}

/// The facts of one division, owned, so that each test states only what it is about.
struct Case {
    decision: DecisionId,
    rule: DecisionRule,
    quorum: Option<QuorumRule>,
    tie: TieRule,
    sizes: ChamberSize,
    present: u32,
    taking_part: u32,
    tally: Tally,
    groups: IndexMap<GroupId, (u32, Tally)>,
    chair_side: Option<Side>,
    casting_vote: Option<Side>,
}

impl Case {
    /// A division in which everyone present took part.
    fn new(rule: DecisionRule, seats: u32, tally: Tally) -> Self {
        let taking_part = tally.ballots();
        Case {
            decision: decision("ordinary"),
            rule,
            quorum: None,
            tie: TieRule::Fails,
            sizes: ChamberSize {
                seats,
                members: seats,
            },
            present: taking_part,
            taking_part,
            tally,
            groups: IndexMap::new(),
            chair_side: None,
            casting_vote: None,
        }
    }

    fn outcome(&self) -> Outcome {
        decide(&DivisionFacts {
            decision: &self.decision,
            rule: &self.rule,
            quorum: self.quorum.as_ref(),
            tie: self.tie,
            sizes: self.sizes,
            present: self.present,
            taking_part: self.taking_part,
            tally: &self.tally,
            groups: &self.groups,
            chair_side: self.chair_side,
            casting_vote: self.casting_vote,
        })
    }
}

// --- Iraq, Council of Representatives, 5 January 2020 -------------------------------

/// 329 seats; quorum an absolute majority of the seats; an ordinary decision is a simple
/// majority of the members present. 172 present, 170 in favour, 2 not voting.
fn iraq_2020() -> Case {
    let mut case = Case::new(
        motion_rule(vec![Threshold::more_than(Fraction::HALF, Base::Present)]),
        329,
        yes_no(170, 0, 0),
    );
    case.quorum = Some(quorum(Threshold::more_than(Fraction::HALF, Base::Seats)));
    case.present = 172;
    case.taking_part = 170;
    case.tie = TieRule::ChairSide;
    case
}

#[test]
fn iraq_2020_resolution_is_adopted_with_every_number() {
    let outcome = iraq_2020().outcome();
    assert_eq!(outcome.verdict, Verdict::Adopted);
    assert_eq!(outcome.decision, decision("ordinary"));
    assert_eq!(outcome.decision_label, "simple majority of members present");
    assert_eq!(outcome.present, 172);
    assert_eq!(outcome.taking_part, 170);
    assert_eq!(outcome.tally, yes_no(170, 0, 0));
    assert_eq!(outcome.tie, None);
    assert_eq!(outcome.leading_candidate, None);
    assert_eq!(
        outcome.quorum,
        Some(QuorumReport {
            counted: 172,
            counted_extra: 0,
            required: 165,
            met: true,
            label: "absolute majority of 329".into(),
            counted_taking_part: false,
        })
    );
    assert_eq!(
        outcome.requirements,
        vec![RequirementReport {
            label: "simple majority of members present".into(),
            within: None,
            base: Some(Base::Present),
            base_count: 172,
            required: 87,
            achieved: 170,
            met: true,
        }]
    );
}

#[test]
fn iraq_2020_explanation_is_read_out_in_full() {
    assert_eq!(
        iraq_2020().outcome().explanation(),
        "Quorum: 172 present, 165 required (absolute majority of 329) — met with 7 to spare. \
         Majority: 170 in favour of 172 present, 87 required (simple majority of members present) — adopted."
    );
}

#[test]
fn iraq_2020_majority_is_of_those_present_not_of_those_voting() {
    // 86 in favour of 172 present fails although nobody voted against: members present
    // who do not vote count against a majority of those present.
    let mut case = iraq_2020();
    case.tally = yes_no(86, 0, 0);
    case.taking_part = 86;
    let outcome = case.outcome();
    assert_eq!(outcome.requirements[0].required, 87);
    assert_eq!(outcome.requirements[0].base_count, 172);
    assert!(!outcome.requirements[0].met);
    assert_eq!(outcome.verdict, Verdict::Rejected);
    case.tally = yes_no(87, 0, 0);
    assert_eq!(case.outcome().verdict, Verdict::Adopted);
}

#[test]
fn iraq_2020_without_quorum_is_not_decided() {
    // 164 present of 329 seats: one short of an absolute majority.
    let mut case = iraq_2020();
    case.present = 164;
    case.taking_part = 164;
    case.tally = yes_no(164, 0, 0);
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::NotDecided);
    assert!(outcome.requirements.is_empty());
    assert_eq!(
        outcome.explanation(),
        "Quorum: 164 present, 165 required (absolute majority of 329) — not met, 1 short. \
         The question is not decided."
    );
    // Exactly the quorum, and one over it.
    case.present = 165;
    assert!(case
        .outcome()
        .explanation()
        .starts_with("Quorum: 165 present, 165 required (absolute majority of 329) — met exactly, with none to spare."));
    case.present = 166;
    assert!(case.outcome().explanation().starts_with(
        "Quorum: 166 present, 165 required (absolute majority of 329) — met with 1 to spare."
    ));
}

// --- Iraq, election of the President of the Republic, 2 October 2018 -----------------

/// The President is elected by two thirds of the seats (Constitution, art. 70); failing
/// that, the two leading candidates go to a run-off decided by the most votes.
fn iraq_presidential_rules() -> (DecisionRule, DecisionRule) {
    let first_round = DecisionRule {
        label: None,
        requirements: vec![Threshold::at_least(fraction(2, 3), Base::Seats)],
        election: true,
        plurality: false,
        runoff: Some(decision("president-runoff")),
    };
    let runoff = DecisionRule {
        label: None,
        requirements: vec![],
        election: true,
        plurality: true,
        runoff: None,
    };
    (first_round, runoff)
}

#[test]
fn iraq_2018_first_round_without_two_thirds_goes_to_a_runoff_between_the_top_two() {
    let (first_round, _) = iraq_presidential_rules();
    // Salih led Hussein 165 to 90; the third candidate and the blank ballots are an
    // illustration. Candidates are listed out of order to check the ranking.
    let mut case = Case::new(
        first_round,
        329,
        votes_for(
            &[
                ("fuad-hussein", 90),
                ("candidate-c", 5),
                ("barham-salih", 165),
            ],
            10,
        ),
    );
    case.decision = decision("president");
    case.quorum = Some(quorum(Threshold::more_than(Fraction::HALF, Base::Seats)));
    let outcome = case.outcome();
    assert_eq!(outcome.leading_candidate, Some(candidate("barham-salih")));
    assert_eq!(
        outcome.requirements,
        vec![RequirementReport {
            label: "two thirds of all 329 seats".into(),
            within: None,
            base: Some(Base::Seats),
            base_count: 329,
            required: 220,
            achieved: 165,
            met: false,
        }]
    );
    assert_eq!(
        outcome.verdict,
        Verdict::RunOff {
            candidates: vec![candidate("barham-salih"), candidate("fuad-hussein")],
            decision: decision("president-runoff"),
        }
    );
    assert_eq!(
        outcome.explanation(),
        "Quorum: 270 present, 165 required (absolute majority of 329) — met with 105 to spare. \
         Majority: 165 for barham-salih of 329 seats, 220 required (two thirds of all 329 seats) \
         — no candidate elected; run-off between barham-salih and fuad-hussein."
    );
}

#[test]
fn iraq_2018_two_thirds_of_the_seats_elects_in_the_first_round() {
    let (first_round, _) = iraq_presidential_rules();
    let mut case = Case::new(
        first_round.clone(),
        329,
        votes_for(&[("barham-salih", 220), ("fuad-hussein", 50)], 0),
    );
    assert_eq!(
        case.outcome().verdict,
        Verdict::Elected {
            candidate: candidate("barham-salih")
        }
    );
    // One vote short of 220 is not enough, however far ahead the leader is.
    case.tally = votes_for(&[("barham-salih", 219), ("fuad-hussein", 22)], 0);
    assert!(matches!(case.outcome().verdict, Verdict::RunOff { .. }));
}

#[test]
fn iraq_2018_runoff_elects_salih_by_plurality() {
    let (_, runoff) = iraq_presidential_rules();
    // Run-off: Salih 219, Hussein 22 (the blank ballots are an illustration).
    let mut case = Case::new(
        runoff,
        329,
        votes_for(&[("barham-salih", 219), ("fuad-hussein", 22)], 31),
    );
    case.decision = decision("president-runoff");
    let outcome = case.outcome();
    assert_eq!(
        outcome.verdict,
        Verdict::Elected {
            candidate: candidate("barham-salih")
        }
    );
    assert!(outcome.requirements.is_empty());
    assert_eq!(outcome.decision_label, "most votes");
    assert_eq!(
        outcome.explanation(),
        "Votes: barham-salih 219, fuad-hussein 22; 31 abstaining or blank; 272 present, 272 taking part. \
         Result (most votes): barham-salih elected."
    );
}

#[test]
fn a_plurality_runoff_tied_at_the_top_elects_nobody() {
    let (_, runoff) = iraq_presidential_rules();
    let case = Case::new(
        runoff,
        329,
        votes_for(&[("barham-salih", 120), ("fuad-hussein", 120)], 0),
    );
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::NotElected);
    assert_eq!(outcome.verdict.in_words(), "no candidate elected");
}

#[test]
fn an_election_without_votes_for_anyone_elects_nobody() {
    let (_, runoff) = iraq_presidential_rules();
    let case = Case::new(
        runoff,
        329,
        votes_for(&[("barham-salih", 0), ("fuad-hussein", 0)], 12),
    );
    assert_eq!(case.outcome().verdict, Verdict::NotElected);
}

// --- United Kingdom, House of Commons, 3 April 2019 ----------------------------------

/// Questions are decided by a majority of those voting; the Speaker has a casting vote;
/// forty members must take part in a division, the four tellers and the occupant of the
/// chair being counted (SO No. 41), checked at every division.
fn commons(tally: Tally) -> Case {
    let mut case = Case::new(
        motion_rule(vec![Threshold::more_than(Fraction::HALF, Base::VotesCast)]),
        650,
        tally,
    );
    case.tie = TieRule::CastingVote;
    case.quorum = Some(QuorumRule {
        required: Threshold::fixed(40),
        counted: QuorumCount::TakingPart,
        counted_extra: 5,
        counted_extra_label: Some("the four tellers and the occupant of the chair".into()),
        checked: vec![QuorumCheckPoint::EveryVote],
        when_not_met: QuorumFailure::StandOver,
    });
    case
}

#[test]
fn commons_benn_amendment_tie_is_lost_on_the_speakers_casting_vote() {
    let mut case = commons(yes_no(310, 310, 0));
    case.casting_vote = Some(Side::No);
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert_eq!(
        outcome.tie,
        Some(TieReport {
            rule: TieRule::CastingVote,
            prevailing: Some(Side::No),
        })
    );
    assert_eq!(
        outcome.quorum,
        Some(QuorumReport {
            counted: 620,
            counted_extra: 5,
            required: 40,
            met: true,
            label: "40 members".into(),
            counted_taking_part: true,
        })
    );
    assert_eq!(
        outcome.explanation(),
        "Quorum: 620 taking part (with 5 more counted under the standing orders: 625), 40 required (40 members) \
         — met with 585 to spare. \
         Votes: 310 in favour, 310 against, 0 abstaining; 620 present, 620 taking part. \
         Tie: 310 for, 310 against; the presiding officer gave a casting vote against — rejected."
    );
}

#[test]
fn commons_casting_vote_in_favour_carries_a_tie() {
    let mut case = commons(yes_no(310, 310, 0));
    case.casting_vote = Some(Side::Yes);
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::Adopted);
    assert!(outcome.explanation().ends_with(
        "Tie: 310 for, 310 against; the presiding officer gave a casting vote in favour — adopted."
    ));
    case.casting_vote = None;
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert!(outcome
        .explanation()
        .ends_with("Tie: 310 for, 310 against; no casting vote was given — rejected."));
}

#[test]
fn commons_division_with_thirty_taking_part_is_not_decided() {
    // 30 taking part, with the tellers and the chair 35: five short of forty.
    let mut case = commons(yes_no(20, 10, 0));
    case.present = 120;
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::NotDecided);
    let quorum = outcome.quorum.as_ref().unwrap();
    assert_eq!(
        (
            quorum.counted,
            quorum.counted_extra,
            quorum.total(),
            quorum.required,
            quorum.met
        ),
        (30, 5, 35, 40, false)
    );
    assert!(outcome.requirements.is_empty());
    assert_eq!(
        outcome.explanation(),
        "Quorum: 30 taking part (with 5 more counted under the standing orders: 35), 40 required (40 members) \
         — not met, 5 short. The question is not decided."
    );
    // 35 taking part and 5 counted besides make exactly forty.
    case.tally = yes_no(20, 15, 0);
    case.taking_part = 35;
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::Adopted);
    assert!(outcome.quorum.unwrap().met);
}

#[test]
fn commons_withdrawal_bill_third_reading_carried_by_one() {
    // European Union (Withdrawal) (No. 5) Bill, third reading: 313 to 312.
    let outcome = commons(yes_no(313, 312, 0)).outcome();
    assert_eq!(outcome.verdict, Verdict::Adopted);
    assert_eq!(
        outcome.requirements,
        vec![RequirementReport {
            label: "majority of votes cast".into(),
            within: None,
            base: Some(Base::VotesCast),
            base_count: 625,
            required: 313,
            achieved: 313,
            met: true,
        }]
    );
    assert_eq!(
        outcome.explanation(),
        "Quorum: 625 taking part (with 5 more counted under the standing orders: 630), 40 required (40 members) \
         — met with 590 to spare. \
         Majority: 313 in favour of 625 votes cast, 313 required (majority of votes cast) — adopted."
    );
    // The other way round it fails.
    assert_eq!(
        commons(yes_no(312, 313, 0)).outcome().verdict,
        Verdict::Rejected
    );
}

// --- United States, House of Representatives, 10 October 2002 -------------------------

#[test]
fn us_house_iraq_war_resolution_adopted_by_majority_of_votes_cast() {
    // H.J.Res. 114: 296 yeas, 133 nays. Quorum: a majority of the 435 members.
    let mut case = Case::new(
        motion_rule(vec![Threshold::more_than(Fraction::HALF, Base::VotesCast)]),
        435,
        yes_no(296, 133, 0),
    );
    case.quorum = Some(quorum(Threshold::more_than(Fraction::HALF, Base::Members)));
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::Adopted);
    let quorum = outcome.quorum.as_ref().unwrap();
    assert_eq!(
        (quorum.counted, quorum.required, quorum.met),
        (429, 218, true)
    );
    assert_eq!(outcome.requirements[0].base_count, 429);
    assert_eq!(outcome.requirements[0].required, 215);
    assert_eq!(
        outcome.explanation(),
        "Quorum: 429 present, 218 required (absolute majority of the 435 members) — met with 211 to spare. \
         Majority: 296 in favour of 429 votes cast, 215 required (majority of votes cast) — adopted."
    );
}

// --- European Parliament, motion of censure, 27 November 2014 ------------------------

/// Rule: two thirds of the votes cast, representing a majority of the component members
/// (TFEU art. 234); quorum one third of the members.
fn censure(tally: Tally) -> Case {
    let mut case = Case::new(
        motion_rule(vec![
            Threshold::at_least(fraction(2, 3), Base::VotesCast),
            Threshold::more_than(Fraction::HALF, Base::Members),
        ]),
        751,
        tally,
    );
    case.decision = decision("censure");
    case.quorum = Some(quorum(Threshold::at_least(fraction(1, 3), Base::Members)));
    case
}

#[test]
fn european_parliament_censure_of_the_juncker_commission_is_rejected() {
    // 101 for, 461 against, 88 abstentions.
    let outcome = censure(yes_no(101, 461, 88)).outcome();
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert_eq!(
        outcome.decision_label,
        "two thirds of votes cast and absolute majority of the 751 members"
    );
    assert_eq!(
        outcome.requirements,
        vec![
            RequirementReport {
                label: "two thirds of votes cast".into(),
                within: None,
                base: Some(Base::VotesCast),
                // 101 + 461: the 88 abstentions are not votes cast.
                base_count: 562,
                required: 375,
                achieved: 101,
                met: false,
            },
            RequirementReport {
                label: "absolute majority of the 751 members".into(),
                within: None,
                base: Some(Base::Members),
                base_count: 751,
                required: 376,
                achieved: 101,
                met: false,
            },
        ]
    );
    assert_eq!(
        outcome.explanation(),
        "Quorum: 650 present, 251 required (one third of all members (751)) — met with 399 to spare. \
         Requirement 1 of 2: 101 in favour of 562 votes cast, 375 required (two thirds of votes cast) — not met. \
         Requirement 2 of 2: 101 in favour of 751 members, 376 required (absolute majority of the 751 members) — not met. \
         Result: rejected."
    );
}

#[test]
fn censure_needs_both_requirements() {
    // Two thirds of the votes cast, but short of a majority of the members: 375 of 562
    // would do for the first requirement, not for the second.
    let outcome = censure(yes_no(375, 187, 88)).outcome();
    assert_eq!(
        outcome
            .requirements
            .iter()
            .map(|report| (report.required, report.met))
            .collect::<Vec<_>>(),
        vec![(375, true), (376, false)]
    );
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert!(outcome.explanation().contains(
        "Requirement 1 of 2: 375 in favour of 562 votes cast, 375 required (two thirds of votes cast) — met."
    ));
    // 376 of 564 is two thirds (376) and a majority of the members.
    let outcome = censure(yes_no(376, 188, 0)).outcome();
    assert_eq!(outcome.requirements[0].required, 376);
    assert_eq!(outcome.verdict, Verdict::Adopted);
    assert!(outcome.explanation().ends_with("Result: adopted."));
}

#[test]
fn abstentions_count_only_in_the_base_that_includes_them() {
    let rule = |base| motion_rule(vec![Threshold::more_than(Fraction::HALF, base)]);
    let tally = yes_no(300, 250, 100);
    let votes_cast = Case::new(rule(Base::VotesCast), 751, tally.clone()).outcome();
    assert_eq!(votes_cast.requirements[0].base_count, 550);
    assert_eq!(votes_cast.requirements[0].required, 276);
    assert_eq!(votes_cast.verdict, Verdict::Adopted);
    let with_abstentions =
        Case::new(rule(Base::VotesCastAndAbstentions), 751, tally.clone()).outcome();
    assert_eq!(with_abstentions.requirements[0].base_count, 650);
    assert_eq!(with_abstentions.requirements[0].required, 326);
    assert_eq!(with_abstentions.verdict, Verdict::Rejected);
    assert_eq!(
        with_abstentions.explanation(),
        "Majority: 300 in favour of 650 votes cast and abstentions, 326 required \
         (majority of votes cast, abstentions included) — rejected."
    );
}

// --- Tie rules ---------------------------------------------------------------------------

fn simple_majority_tie(tie: TieRule) -> Case {
    let mut case = Case::new(
        motion_rule(vec![Threshold::more_than(Fraction::HALF, Base::VotesCast)]),
        100,
        yes_no(40, 40, 3),
    );
    case.tie = tie;
    case
}

#[test]
fn a_tie_fails_under_the_fails_rule_whatever_the_chair_does() {
    let mut case = simple_majority_tie(TieRule::Fails);
    for chair in [None, Some(Side::Yes), Some(Side::No)] {
        case.chair_side = chair;
        let outcome = case.outcome();
        assert_eq!(outcome.verdict, Verdict::Rejected, "chair {chair:?}");
        assert_eq!(
            outcome.tie,
            Some(TieReport {
                rule: TieRule::Fails,
                prevailing: None
            })
        );
        assert_eq!(
            outcome.explanation(),
            "Votes: 40 in favour, 40 against, 3 abstaining; 83 present, 83 taking part. \
             Tie: 40 for, 40 against; under the standing orders a tie is lost — rejected."
        );
    }
}

#[test]
fn a_tie_goes_the_chairs_way_under_the_chair_side_rule() {
    let mut case = simple_majority_tie(TieRule::ChairSide);
    case.chair_side = Some(Side::Yes);
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::Adopted);
    assert!(outcome.explanation().ends_with(
        "Tie: 40 for, 40 against; the side the presiding officer voted with prevails: in favour — adopted."
    ));

    case.chair_side = Some(Side::No);
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert!(outcome.explanation().ends_with(
        "Tie: 40 for, 40 against; the side the presiding officer voted with prevails: against — rejected."
    ));

    case.chair_side = None;
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert_eq!(
        outcome.tie,
        Some(TieReport {
            rule: TieRule::ChairSide,
            prevailing: None
        })
    );
    assert!(outcome.explanation().ends_with(
        "Tie: 40 for, 40 against; the presiding officer did not vote, so the tie is lost — rejected."
    ));
}

#[test]
fn the_chairs_side_carries_a_tie_that_one_vote_more_would_carry() {
    // Iraq: 86 to 86 with all 172 present voting; the Speaker voted in favour. One vote
    // more would make 87, a simple majority of those present.
    let mut case = iraq_2020();
    case.tally = yes_no(86, 86, 0);
    case.taking_part = 172;
    case.chair_side = Some(Side::Yes);
    assert_eq!(case.outcome().verdict, Verdict::Adopted);
}

#[test]
fn a_tie_break_cannot_carry_a_motion_short_of_its_other_requirements() {
    // Iraq: 80 to 80 with 12 abstaining among 172 present. Whichever way the tie is
    // broken, 80 (or 81) is short of the 87 a majority of those present needs.
    let mut case = iraq_2020();
    case.tally = yes_no(80, 80, 12);
    case.taking_part = 172;
    case.chair_side = Some(Side::Yes);
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert!(outcome.explanation().ends_with(
        "Majority: 80 in favour of 172 present, 87 required (simple majority of members present) — rejected."
    ));

    // A censure motion tied 300 to 300 is nowhere near two thirds of the votes cast,
    // nor a majority of the 751 members: a casting vote in favour cannot carry it.
    let mut case = censure(yes_no(300, 300, 0));
    case.tie = TieRule::CastingVote;
    case.casting_vote = Some(Side::Yes);
    let outcome = case.outcome();
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert_eq!(
        outcome
            .requirements
            .iter()
            .map(|report| (report.required, report.met))
            .collect::<Vec<_>>(),
        vec![(400, false), (376, false)]
    );
    case.tie = TieRule::ChairSide;
    case.casting_vote = None;
    case.chair_side = Some(Side::Yes);
    assert_eq!(case.outcome().verdict, Verdict::Rejected);
}

#[test]
fn no_votes_either_way_is_not_a_tie() {
    let mut case = simple_majority_tie(TieRule::CastingVote);
    case.tally = yes_no(0, 0, 10);
    case.casting_vote = Some(Side::Yes);
    let outcome = case.outcome();
    assert_eq!(outcome.tie, None);
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert_eq!(outcome.requirements[0].required, 1);
}

// --- Separate majorities within a group ------------------------------------------------

fn kdp() -> GroupId {
    GroupId::Bloc(BlocId::new("kdp").unwrap())
}

fn with_separate_majority(group_tally: Tally, group_present: u32) -> Case {
    let mut within = Threshold::more_than(Fraction::HALF, Base::VotesCast);
    within.within = Some(kdp());
    let mut case = Case::new(
        motion_rule(vec![
            Threshold::more_than(Fraction::HALF, Base::VotesCast),
            within,
        ]),
        329,
        yes_no(180, 100, 10),
    );
    case.groups.insert(kdp(), (group_present, group_tally));
    case
}

#[test]
fn a_separate_majority_within_a_bloc_can_fail_while_the_overall_majority_passes() {
    let outcome = with_separate_majority(yes_no(10, 15, 0), 25).outcome();
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert_eq!(
        outcome.requirements,
        vec![
            RequirementReport {
                label: "majority of votes cast".into(),
                within: None,
                base: Some(Base::VotesCast),
                base_count: 280,
                required: 141,
                achieved: 180,
                met: true,
            },
            RequirementReport {
                label: "majority of votes cast, within bloc kdp".into(),
                within: Some(kdp()),
                base: Some(Base::VotesCast),
                base_count: 25,
                required: 13,
                achieved: 10,
                met: false,
            },
        ]
    );
    assert_eq!(
        outcome.explanation(),
        "Requirement 1 of 2: 180 in favour of 280 votes cast, 141 required (majority of votes cast) — met. \
         Requirement 2 of 2: 10 in favour of 25 votes cast, 13 required (majority of votes cast, within bloc kdp) — not met. \
         Result: rejected."
    );
    // With the bloc's majority, the motion is carried.
    assert_eq!(
        with_separate_majority(yes_no(13, 12, 0), 25)
            .outcome()
            .verdict,
        Verdict::Adopted
    );
}

#[test]
fn a_separate_majority_of_those_present_uses_the_groups_own_presence() {
    let mut within = Threshold::more_than(Fraction::HALF, Base::Present);
    within.within = Some(kdp());
    let mut case = Case::new(
        motion_rule(vec![
            Threshold::more_than(Fraction::HALF, Base::Present),
            within,
        ]),
        329,
        yes_no(200, 20, 0),
    );
    // 12 of the bloc's 25 members present voted yes: 12 is not more than half of 25.
    case.groups.insert(kdp(), (25, yes_no(12, 0, 0)));
    let outcome = case.outcome();
    assert_eq!(
        (
            outcome.requirements[1].base_count,
            outcome.requirements[1].required
        ),
        (25, 13)
    );
    assert_eq!(outcome.verdict, Verdict::Rejected);
}

#[test]
fn a_group_with_nobody_in_it_cannot_give_a_majority() {
    let mut within = Threshold::more_than(Fraction::HALF, Base::VotesCast);
    within.within = Some(kdp());
    let case = Case::new(motion_rule(vec![within]), 329, yes_no(200, 20, 0));
    let outcome = case.outcome();
    assert_eq!(outcome.requirements[0].achieved, 0);
    assert_eq!(outcome.verdict, Verdict::Rejected);
}

// --- The quorum on its own -----------------------------------------------------------

#[test]
fn quorum_counts_those_taking_part_only_at_a_division() {
    let rule = commons(Tally::default()).quorum.unwrap();
    let sizes = ChamberSize {
        seats: 650,
        members: 648,
    };
    // Outside a division, members present are counted and the tellers are not.
    let report = check_quorum(&rule, &sizes, 38, None);
    assert_eq!(
        report,
        QuorumReport {
            counted: 38,
            counted_extra: 0,
            required: 40,
            met: false,
            label: "40 members".into(),
            counted_taking_part: false,
        }
    );
    assert_eq!(
        report.sentence(),
        "Quorum: 38 present, 40 required (40 members) — not met, 2 short."
    );
    // At a division, 35 taking part and 5 counted besides make 40.
    let report = check_quorum(&rule, &sizes, 38, Some(35));
    assert_eq!((report.counted, report.total(), report.met), (35, 40, true));
    assert_eq!(
        report.sentence(),
        "Quorum: 35 taking part (with 5 more counted under the standing orders: 40), 40 required (40 members) \
         — met exactly, with none to spare."
    );
}

#[test]
fn quorum_of_members_ignores_vacant_seats_and_quorum_of_seats_does_not() {
    let sizes = ChamberSize {
        seats: 329,
        members: 320,
    };
    let of_seats = quorum(Threshold::more_than(Fraction::HALF, Base::Seats));
    let of_members = quorum(Threshold::more_than(Fraction::HALF, Base::Members));
    assert_eq!(check_quorum(&of_seats, &sizes, 161, None).required, 165);
    assert_eq!(check_quorum(&of_members, &sizes, 161, None).required, 161);
    assert!(check_quorum(&of_members, &sizes, 161, None).met);
    assert!(!check_quorum(&of_seats, &sizes, 161, None).met);
    assert_eq!(
        check_quorum(&of_members, &sizes, 161, None).sentence(),
        "Quorum: 161 present, 161 required (absolute majority of the 320 members) — met exactly, with none to spare."
    );
}

#[test]
fn a_label_from_the_standing_orders_replaces_the_generated_words() {
    let mut required = Threshold::more_than(Fraction::HALF, Base::Seats);
    required.label = Some("an absolute majority of the members (Constitution, art. 59)".into());
    let report = check_quorum(
        &quorum(required),
        &ChamberSize {
            seats: 329,
            members: 329,
        },
        172,
        None,
    );
    assert_eq!(
        report.sentence(),
        "Quorum: 172 present, 165 required (an absolute majority of the members (Constitution, art. 59)) — met with 7 to spare."
    );
}

#[test]
fn outcomes_survive_a_json_round_trip() {
    for outcome in [
        iraq_2020().outcome(),
        censure(yes_no(101, 461, 88)).outcome(),
        {
            let mut case = commons(yes_no(310, 310, 0));
            case.casting_vote = Some(Side::No);
            case.outcome()
        },
    ] {
        let json = serde_json::to_string(&outcome).unwrap();
        assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), outcome);
    }
}
