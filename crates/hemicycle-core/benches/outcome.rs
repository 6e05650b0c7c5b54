//! The outcome of a division of a 10,000-member chamber:
//!
//! - `outcome/decide`: the outcome engine alone, `outcome::decide`, on the
//!   division's facts (counts already taken);
//! - `outcome/close_division`: what closing the division costs the core,
//!   `State::decide` of `CloseDivision`: the tally counted from the 10,000
//!   ballots, the tie check and the outcome with its explanation.
//!
//! The chamber (10 blocs, every member present, 6 in 10 voting yes, 3 no, 1
//! abstaining) is built through `State::execute` before timing.

use std::time::Duration;

use chrono::{DateTime, NaiveDate};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hemicycle_core::ids::{BlocId, DecisionId, DivisionId, MemberId, MotionId, SittingId};
use hemicycle_core::model::{
    BlocKind, Choice, DivisionMethod, MotionKind, Question, SittingKind, Sponsor,
};
use hemicycle_core::outcome::{decide, DivisionFacts, Verdict};
use hemicycle_core::rules::{
    Base, DecisionRule, Fraction, QuorumCheckPoint, QuorumCount, QuorumFailure, QuorumRule,
    StandingOrders, Threshold, TieRule, VotingRules,
};
use hemicycle_core::{Actor, Command, Context, Event, State};

const MEMBERS: usize = 10_000;
const BLOCS: usize = 10;

fn standing_orders() -> StandingOrders {
    let mut decisions = indexmap::IndexMap::new();
    decisions.insert(
        DecisionId::new("ordinary").expect("an id"),
        DecisionRule {
            label: None,
            // A majority of the votes cast, and of the members present.
            requirements: vec![
                Threshold::more_than(Fraction::HALF, Base::VotesCast),
                Threshold::more_than(Fraction::HALF, Base::Present),
            ],
            election: false,
            plurality: false,
            runoff: None,
        },
    );
    StandingOrders {
        quorum: QuorumRule {
            required: Threshold::more_than(Fraction::HALF, Base::Seats),
            counted: QuorumCount::Present,
            counted_extra: 0,
            counted_extra_label: None,
            checked: vec![QuorumCheckPoint::Opening, QuorumCheckPoint::EveryVote],
            when_not_met: QuorumFailure::Suspend,
        },
        voting: VotingRules {
            ballot_changes_allowed: false,
            presence_required: true,
            timer_seconds: None,
            tie: TieRule::Fails,
        },
        default_decision: DecisionId::new("ordinary").expect("an id"),
        decisions,
    }
}

/// A state with a 10,000-member chamber and division `d1` open, every
/// member's ballot cast.
fn chamber_with_ballots() -> State {
    let mut state = State::new();
    let at = DateTime::parse_from_rfc3339("2020-01-05T16:00:00+03:00").expect("a time");
    let run = |state: &mut State, actor: Actor, command: Command| {
        let name = command.name();
        state
            .execute(&Context { at, actor }, &command)
            .unwrap_or_else(|refusal| panic!("{name} was refused: {refusal}"));
    };
    let clerk = Actor::Clerk("secretariat".into());
    let speaker = Actor::PresidingOfficer("speaker".into());
    run(
        &mut state,
        Actor::System,
        Command::EstablishChamber {
            name: "Large chamber".into(),
            seats: MEMBERS as u32,
            standing_orders: standing_orders(),
        },
    );
    let bloc = |index: usize| BlocId::new(format!("bloc-{index}")).expect("an id");
    for index in 0..BLOCS {
        run(
            &mut state,
            clerk.clone(),
            Command::RegisterBloc {
                bloc: bloc(index),
                name: format!("Bloc number {index}"),
                short_name: None,
                kind: BlocKind::Party,
                colour: None,
            },
        );
    }
    let members: Vec<MemberId> = (0..MEMBERS)
        .map(|index| MemberId::new(format!("m{index:05}")).expect("an id"))
        .collect();
    let since = NaiveDate::from_ymd_opt(2019, 1, 1).expect("a date");
    for (index, member) in members.iter().enumerate() {
        run(
            &mut state,
            clerk.clone(),
            Command::AdmitMember {
                member: member.clone(),
                name: format!("Member number {index}"),
                constituency: None,
                bloc: Some(bloc(index % BLOCS)),
                on: since,
            },
        );
    }
    let sitting = SittingId::new("s1").expect("an id");
    run(
        &mut state,
        clerk.clone(),
        Command::ConveneSitting {
            sitting: sitting.clone(),
            kind: SittingKind::Ordinary,
            title: "Ordinary sitting".into(),
            scheduled_for: at,
            agenda: vec![],
            requested_by: None,
        },
    );
    for member in &members {
        run(
            &mut state,
            Actor::Member(member.clone()),
            Command::CheckIn {
                sitting: sitting.clone(),
                member: member.clone(),
            },
        );
    }
    run(
        &mut state,
        speaker.clone(),
        Command::OpenSitting {
            sitting: sitting.clone(),
            presiding_officer: None,
        },
    );
    let motion = MotionId::new("r1").expect("an id");
    run(
        &mut state,
        clerk,
        Command::TableMotion {
            motion: motion.clone(),
            kind: MotionKind::Bill,
            title: "A bill".into(),
            text: "Be it enacted.".into(),
            sponsors: vec![Sponsor::Bloc(bloc(0))],
            decision: None,
        },
    );
    let division = DivisionId::new("d1").expect("an id");
    run(
        &mut state,
        speaker,
        Command::OpenDivision {
            division: division.clone(),
            sitting,
            question: Question::Motion { motion },
            method: DivisionMethod::Recorded,
            decision: None,
        },
    );
    for (index, member) in members.iter().enumerate() {
        let choice = match index % 10 {
            0..=5 => Choice::Yes,
            6..=8 => Choice::No,
            _ => Choice::Abstain,
        };
        run(
            &mut state,
            Actor::Member(member.clone()),
            Command::CastBallot {
                division: division.clone(),
                member: member.clone(),
                choice,
            },
        );
    }
    state
}

fn outcome(criterion: &mut Criterion) {
    let state = chamber_with_ballots();
    let division_id = DivisionId::new("d1").expect("an id");
    let division = &state.divisions[&division_id];
    let tally = division.tally();
    assert_eq!(tally.ballots() as usize, MEMBERS);
    let rules = standing_orders();
    let decision = rules.default_decision.clone();
    let groups = indexmap::IndexMap::new();
    let facts = DivisionFacts {
        decision: &decision,
        rule: &rules.decisions[&decision],
        quorum: Some(&rules.quorum),
        tie: rules.voting.tie,
        sizes: state.size(),
        present: MEMBERS as u32,
        taking_part: MEMBERS as u32,
        tally: &tally,
        groups: &groups,
        chair_side: None,
        casting_vote: None,
    };
    assert_eq!(decide(&facts).verdict, Verdict::Adopted);

    let close = Command::CloseDivision {
        division: division_id,
        casting_vote: None,
    };
    let context = Context {
        at: DateTime::parse_from_rfc3339("2020-01-05T17:00:00+03:00").expect("a time"),
        actor: Actor::PresidingOfficer("speaker".into()),
    };
    let events = state.decide(&context, &close).expect("the division closes");
    assert!(matches!(
        events.last(),
        Some(Event::DivisionClosed { outcome, .. }) if outcome.verdict == Verdict::Adopted
    ));

    let mut group = criterion.benchmark_group("outcome");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("decide/10000 members", |bench| {
        bench.iter(|| decide(black_box(&facts)))
    });
    group.bench_function("close_division/10000 members", |bench| {
        bench.iter(|| state.decide(black_box(&context), black_box(&close)))
    });
    group.finish();
}

criterion_group!(benches, outcome);
criterion_main!(benches);
