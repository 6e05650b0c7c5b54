//! Builders shared by the integration tests: identifiers, actors, standing orders and a
//! small chamber driven through `State::execute`, with every event kept for replay.

#![allow(dead_code)]

use chrono::{DateTime, Duration, NaiveDate};
use hemicycle_core::ids::{
    BlocId, CandidateId, DecisionId, DivisionId, MemberId, MotionId, SittingId,
};
use hemicycle_core::model::{
    BlocKind, Candidate, Choice, Date, DivisionMethod, MotionKind, Question, SittingKind, Sponsor,
    Timestamp,
};
use hemicycle_core::rules::{
    Base, DecisionRule, Fraction, QuorumCheckPoint, QuorumCount, QuorumFailure, QuorumRule,
    StandingOrders, Threshold, TieRule, VotingRules,
};
use hemicycle_core::{Actor, Command, Context, Event, Refusal, RefusalKind, State};

pub fn member(id: &str) -> MemberId {
    MemberId::new(id).unwrap()
}
pub fn bloc(id: &str) -> BlocId {
    BlocId::new(id).unwrap()
}
pub fn sitting(id: &str) -> SittingId {
    SittingId::new(id).unwrap()
}
pub fn motion(id: &str) -> MotionId {
    MotionId::new(id).unwrap()
}
pub fn division(id: &str) -> DivisionId {
    DivisionId::new(id).unwrap()
}
pub fn decision(id: &str) -> DecisionId {
    DecisionId::new(id).unwrap()
}
pub fn candidate(id: &str) -> CandidateId {
    CandidateId::new(id).unwrap()
}

pub fn date(text: &str) -> Date {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A moment, e.g. `time("2020-01-05T16:25:00+03:00")`.
pub fn time(text: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(text).unwrap()
}

pub fn clerk() -> Actor {
    Actor::Clerk("secretariat".into())
}
pub fn speaker() -> Actor {
    Actor::PresidingOfficer("speaker".into())
}
pub fn as_member(id: &str) -> Actor {
    Actor::Member(member(id))
}

/// Standing orders for the test chamber: quorum more than half of the seats (5 of 9),
/// checked at the opening, at every vote and on request; ordinary motions by a majority
/// of votes cast; a president elected by a majority of the members, with a plurality
/// run-off.
pub fn standing_orders() -> StandingOrders {
    let mut decisions = indexmap::IndexMap::new();
    decisions.insert(
        decision("ordinary"),
        DecisionRule {
            label: None,
            requirements: vec![Threshold::more_than(Fraction::HALF, Base::VotesCast)],
            election: false,
            plurality: false,
            runoff: None,
        },
    );
    decisions.insert(
        decision("president"),
        DecisionRule {
            label: None,
            requirements: vec![Threshold::more_than(Fraction::HALF, Base::Members)],
            election: true,
            plurality: false,
            runoff: Some(decision("runoff")),
        },
    );
    decisions.insert(
        decision("runoff"),
        DecisionRule {
            label: None,
            requirements: vec![],
            election: true,
            plurality: true,
            runoff: None,
        },
    );
    StandingOrders {
        quorum: QuorumRule {
            required: Threshold::more_than(Fraction::HALF, Base::Seats),
            counted: QuorumCount::Present,
            counted_extra: 0,
            counted_extra_label: None,
            checked: vec![
                QuorumCheckPoint::Opening,
                QuorumCheckPoint::EveryVote,
                QuorumCheckPoint::OnRequest,
            ],
            when_not_met: QuorumFailure::Suspend,
        },
        voting: VotingRules {
            ballot_changes_allowed: false,
            presence_required: true,
            timer_seconds: None,
            tie: TieRule::Fails,
        },
        default_decision: decision("ordinary"),
        decisions,
    }
}

/// The members of the test chamber, by bloc: alpha a1–a3, beta b1–b2, gamma c1–c2.
/// Two of the nine seats are vacant.
pub const MEMBERS: [(&str, &str); 7] = [
    ("a1", "alpha"),
    ("a2", "alpha"),
    ("a3", "alpha"),
    ("b1", "beta"),
    ("b2", "beta"),
    ("c1", "gamma"),
    ("c2", "gamma"),
];
pub const SEATS: u32 = 9;
/// The day the roster takes effect.
pub const SINCE: &str = "2019-01-01";

/// A chamber driven through `State::execute` at a clock the test moves, keeping every
/// event with its time and actor, as a journal would.
pub struct Chamber {
    pub state: State,
    pub now: Timestamp,
    pub journal: Vec<(Timestamp, Actor, Event)>,
}

impl Chamber {
    /// An empty state, nothing established.
    pub fn empty(now: &str) -> Self {
        Chamber {
            state: State::new(),
            now: time(now),
            journal: Vec::new(),
        }
    }

    /// The test chamber with the given standing orders, its blocs and members, and
    /// sitting `s1` convened for 5 January 2020 (nobody checked in yet).
    pub fn with(standing_orders: StandingOrders) -> Self {
        let mut chamber = Chamber::empty("2019-01-01T09:00:00+03:00");
        chamber.ok(
            Actor::System,
            Command::EstablishChamber {
                name: "Test Chamber".into(),
                seats: SEATS,
                standing_orders,
            },
        );
        for id in ["alpha", "beta", "gamma"] {
            chamber.ok(
                clerk(),
                Command::RegisterBloc {
                    bloc: bloc(id),
                    name: format!("The {id} bloc"),
                    short_name: None,
                    kind: BlocKind::List,
                    colour: None,
                },
            );
        }
        for (id, bloc_id) in MEMBERS {
            chamber.ok(
                clerk(),
                Command::AdmitMember {
                    member: member(id),
                    name: format!("Member {id}"),
                    constituency: None,
                    bloc: Some(bloc(bloc_id)),
                    on: date(SINCE),
                },
            );
        }
        chamber.now = time("2020-01-05T10:00:00+03:00");
        chamber.ok(
            clerk(),
            Command::ConveneSitting {
                sitting: sitting("s1"),
                kind: SittingKind::Extraordinary,
                title: "Extraordinary sitting".into(),
                scheduled_for: time("2020-01-05T15:00:00+03:00"),
                agenda: vec![],
                requested_by: None,
            },
        );
        chamber.now = time("2020-01-05T15:00:00+03:00");
        chamber
    }

    /// The test chamber under [`standing_orders`].
    pub fn new() -> Self {
        Chamber::with(standing_orders())
    }

    /// The test chamber with sitting `s1` open: a1–a3, b1–b2 checked in (5 of 9 seats,
    /// exactly the quorum), the speaker presiding, motion `m1` tabled.
    pub fn open_with(standing_orders: StandingOrders) -> Self {
        let mut chamber = Chamber::with(standing_orders);
        for id in ["a1", "a2", "a3", "b1", "b2"] {
            chamber.check_in(id);
        }
        chamber.ok(
            speaker(),
            Command::OpenSitting {
                sitting: sitting("s1"),
                presiding_officer: None,
            },
        );
        chamber.table("m1", None);
        chamber
    }

    pub fn open() -> Self {
        Chamber::open_with(standing_orders())
    }

    pub fn context(&self, actor: Actor) -> Context {
        Context {
            at: self.now,
            actor,
        }
    }

    pub fn advance(&mut self, seconds: i64) {
        self.now += Duration::seconds(seconds);
    }

    /// Executes a command at the current time; on success keeps its events.
    pub fn run(&mut self, actor: Actor, command: Command) -> Result<Vec<Event>, Refusal> {
        let context = self.context(actor.clone());
        let events = self.state.execute(&context, &command)?;
        for event in &events {
            self.journal.push((self.now, actor.clone(), event.clone()));
        }
        Ok(events)
    }

    /// Executes a command that must succeed.
    #[track_caller]
    pub fn ok(&mut self, actor: Actor, command: Command) -> Vec<Event> {
        let name = command.name();
        self.run(actor, command)
            .unwrap_or_else(|refusal| panic!("{name} was refused: {refusal}"))
    }

    /// Executes a command that must be refused with `kind`, and checks that nothing changed.
    #[track_caller]
    pub fn refused(&mut self, actor: Actor, command: Command, kind: RefusalKind) -> Refusal {
        let before = self.state.clone();
        let journal_length = self.journal.len();
        let name = command.name();
        let refusal = match self.run(actor, command) {
            Ok(events) => panic!("{name} was accepted, giving {events:?}"),
            Err(refusal) => refusal,
        };
        assert_eq!(refusal.kind, kind, "{name}: {refusal}");
        assert!(
            self.state == before,
            "{name} was refused ({refusal}) but the state changed"
        );
        assert_eq!(self.journal.len(), journal_length);
        refusal
    }

    pub fn check_in(&mut self, id: &str) -> Vec<Event> {
        self.ok(
            as_member(id),
            Command::CheckIn {
                sitting: sitting("s1"),
                member: member(id),
            },
        )
    }

    pub fn check_out(&mut self, id: &str) -> Vec<Event> {
        self.ok(
            as_member(id),
            Command::CheckOut {
                sitting: sitting("s1"),
                member: member(id),
            },
        )
    }

    /// Tables a resolution (addressed to `addressed_to`, if given) under the default rule.
    pub fn table(&mut self, id: &str, addressed_to: Option<&str>) -> Vec<Event> {
        self.ok(
            clerk(),
            Command::TableMotion {
                motion: motion(id),
                kind: MotionKind::Resolution {
                    binding: false,
                    addressed_to: addressed_to.map(str::to_owned),
                },
                title: format!("Resolution {id}"),
                text: "The chamber resolves.".into(),
                sponsors: vec![Sponsor::Bloc(bloc("alpha"))],
                decision: None,
            },
        )
    }

    pub fn open_division(&mut self, id: &str, on_motion: &str, method: DivisionMethod) {
        self.ok(
            speaker(),
            Command::OpenDivision {
                division: division(id),
                sitting: sitting("s1"),
                question: Question::Motion {
                    motion: motion(on_motion),
                },
                method,
                decision: None,
            },
        );
    }

    pub fn open_election(&mut self, id: &str, rule: &str, candidates: &[&str]) {
        self.ok(
            speaker(),
            Command::OpenDivision {
                division: division(id),
                sitting: sitting("s1"),
                question: Question::Election {
                    office: "President".into(),
                    candidates: candidates
                        .iter()
                        .map(|name| Candidate {
                            id: candidate(name),
                            name: format!("Candidate {name}"),
                        })
                        .collect(),
                },
                method: DivisionMethod::Recorded,
                decision: Some(decision(rule)),
            },
        );
    }

    pub fn vote(&mut self, division_id: &str, id: &str, choice: Choice) -> Vec<Event> {
        self.ok(as_member(id), ballot(division_id, id, choice))
    }

    pub fn close(&mut self, division_id: &str) -> Vec<Event> {
        self.ok(
            speaker(),
            Command::CloseDivision {
                division: division(division_id),
                casting_vote: None,
            },
        )
    }

    /// Replays the journal into a fresh state.
    pub fn replayed(&self) -> State {
        let mut state = State::new();
        for (at, actor, event) in &self.journal {
            state
                .apply(*at, actor, event)
                .unwrap_or_else(|error| panic!("replay failed: {error}"));
        }
        state
    }
}

pub fn ballot(division_id: &str, id: &str, choice: Choice) -> Command {
    Command::CastBallot {
        division: division(division_id),
        member: member(id),
        choice,
    }
}

/// The type names of events, to compare sequences briefly.
pub fn types(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::type_name).collect()
}
