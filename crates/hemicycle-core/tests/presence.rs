//! Voting where members need not check in, and casting votes on ties that decide nothing.

mod common;

use common::*;
use hemicycle_core::model::{Choice, DivisionMethod};
use hemicycle_core::outcome::{Side, Verdict};
use hemicycle_core::rules::{Base, Fraction, Threshold, TieRule};
use hemicycle_core::{Command, RefusalKind};

#[test]
fn where_presence_is_not_required_a_ballot_checks_the_member_in() {
    let mut orders = standing_orders();
    orders.voting.presence_required = false;
    let mut chamber = Chamber::open_with(orders);
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    // c1 never checked in: the ballot shows presence, as a division lobby does.
    let events = chamber.vote("d1", "c1", Choice::Yes);
    assert_eq!(types(&events), vec!["MemberCheckedIn", "BallotCast"]);
    assert!(chamber.state.sittings[&sitting("s1")].is_present(&member("c1")));
    // A member already present gets the ballot alone.
    let events = chamber.vote("d1", "a1", Choice::No);
    assert_eq!(types(&events), vec!["BallotCast"]);
    assert_eq!(chamber.replayed(), chamber.state);
}

#[test]
fn where_presence_is_required_an_absent_member_is_refused() {
    let mut chamber = Chamber::open();
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    let refusal = chamber.refused(
        as_member("c1"),
        ballot("d1", "c1", Choice::Yes),
        RefusalKind::Conflict,
    );
    assert!(refusal.message.contains("not checked in"), "{refusal}");
}

#[test]
fn a_casting_vote_is_asked_for_only_when_the_tie_decides() {
    // Ordinary motions need a majority of all 9 seats (5): a 2–2 tie cannot carry the
    // motion whatever the chair does, so no casting vote is asked for, and one is refused.
    let mut orders = standing_orders();
    orders.voting.tie = TieRule::CastingVote;
    orders.decisions[0].requirements = vec![Threshold::more_than(Fraction::HALF, Base::Seats)];
    let mut chamber = Chamber::open_with(orders.clone());
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    for (id, choice) in [
        ("a1", Choice::Yes),
        ("a2", Choice::Yes),
        ("b1", Choice::No),
        ("b2", Choice::No),
    ] {
        chamber.vote("d1", id, choice);
    }
    let refusal = chamber.refused(
        speaker(),
        Command::CloseDivision {
            division: division("d1"),
            casting_vote: Some(Side::Yes),
        },
        RefusalKind::Invalid,
    );
    assert!(
        refusal.message.contains("only given on a decisive tie"),
        "{refusal}"
    );
    let events = chamber.close("d1");
    let hemicycle_core::Event::DivisionClosed { outcome, .. } = &events[0] else {
        panic!("expected DivisionClosed, got {events:?}");
    };
    assert_eq!(outcome.verdict, Verdict::Rejected);
    assert!(outcome.tie.is_none());

    // Under a majority of votes cast, the same 2–2 tie is decisive: the chair must vote.
    orders.decisions[0].requirements = vec![Threshold::more_than(Fraction::HALF, Base::VotesCast)];
    let mut chamber = Chamber::open_with(orders);
    chamber.open_division("d1", "m1", DivisionMethod::Recorded);
    for (id, choice) in [
        ("a1", Choice::Yes),
        ("a2", Choice::Yes),
        ("b1", Choice::No),
        ("b2", Choice::No),
    ] {
        chamber.vote("d1", id, choice);
    }
    let close = |casting_vote| Command::CloseDivision {
        division: division("d1"),
        casting_vote,
    };
    let refusal = chamber.refused(speaker(), close(None), RefusalKind::Conflict);
    assert!(
        refusal.message.contains("must give a casting vote"),
        "{refusal}"
    );
    let events = chamber.ok(speaker(), close(Some(Side::Yes)));
    let hemicycle_core::Event::DivisionClosed { outcome, .. } = &events[0] else {
        panic!("expected DivisionClosed, got {events:?}");
    };
    assert_eq!(outcome.verdict, Verdict::Adopted);
}
