//! A journal of the shape real sittings produce, for benchmarks: a chamber of 329
//! members in eight blocs (the Iraqi preset's standing orders), then sitting after
//! sitting, each with its check-ins, an opening, twenty recorded divisions (motion
//! tabled, division opened, a ballot from every present member, division closed) and a
//! closing. About 97% of the events are ballots.
//!
//! Every command goes through `State::execute`, so the events are exactly those the
//! engine would record, and they replay cleanly: `Chamber::open` applies and re-checks
//! each one. Shared by `examples/replay_bench.rs` and `benches/replay.rs` through
//! `#[path]`, so both measure the same journal.

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat};
use hemicycle_core::ids::{BlocId, DivisionId, MemberId, MotionId, SittingId};
use hemicycle_core::model::{
    BlocKind, Choice, DivisionMethod, MotionKind, Question, SittingKind, Sponsor,
};
use hemicycle_core::{Actor, Command, Context, State};
use hemicycle_journal::NewEvent;

/// Blocs in the generated chamber.
const BLOC_COUNT: usize = 8;
/// Recorded divisions in each generated sitting.
const DIVISIONS_PER_SITTING: usize = 20;
/// One member in this many stays away from each sitting (a realistic attendance).
const ABSENT_ONE_IN: usize = 20;

/// Makes the events of a chamber and its sittings, a batch at a time.
pub struct SittingJournal {
    state: State,
    now: DateTime<chrono::FixedOffset>,
    members: Vec<MemberId>,
    speaker: Actor,
    clerk: Actor,
    sitting_number: usize,
    division_number: usize,
    /// Events made but not yet handed out.
    pending: Vec<NewEvent>,
}

impl SittingJournal {
    /// A generator whose first events establish the chamber and admit its members.
    pub fn new() -> SittingJournal {
        let rules = hemicycle_scenario::preset("iraq").expect("the iraq preset is valid");
        let mut journal = SittingJournal {
            state: State::new(),
            now: DateTime::parse_from_rfc3339("2020-01-05T09:00:00+03:00")
                .expect("a valid timestamp"),
            members: Vec::new(),
            speaker: Actor::PresidingOfficer("speaker".into()),
            clerk: Actor::Clerk("secretariat".into()),
            sitting_number: 0,
            division_number: 0,
            pending: Vec::new(),
        };
        let seats = rules.seats;
        journal.run(
            Actor::System,
            Command::EstablishChamber {
                name: rules.name,
                seats,
                standing_orders: rules.standing_orders,
            },
        );
        let since = NaiveDate::from_ymd_opt(2018, 5, 12).expect("a valid date");
        for bloc in 0..BLOC_COUNT {
            journal.run(
                journal.clerk.clone(),
                Command::RegisterBloc {
                    bloc: bloc_id(bloc),
                    name: format!("Bloc number {bloc}"),
                    short_name: None,
                    kind: BlocKind::List,
                    colour: None,
                },
            );
        }
        for index in 0..seats as usize {
            let member = MemberId::new(format!("m{index:03}")).expect("a valid member id");
            journal.run(
                journal.clerk.clone(),
                Command::AdmitMember {
                    member: member.clone(),
                    name: format!("Member number {index}"),
                    constituency: None,
                    bloc: Some(bloc_id(index % BLOC_COUNT)),
                    on: since,
                },
            );
            journal.members.push(member);
        }
        journal
    }

    /// The next `count` events (fewer only if `count` is 0).
    pub fn next_batch(&mut self, count: usize) -> Vec<NewEvent> {
        while self.pending.len() < count {
            self.add_sitting();
        }
        let rest = self.pending.split_off(count);
        std::mem::replace(&mut self.pending, rest)
    }

    fn run(&mut self, actor: Actor, command: Command) {
        self.now += Duration::seconds(1);
        let context = Context {
            at: self.now,
            actor,
        };
        let events = self
            .state
            .execute(&context, &command)
            .unwrap_or_else(|refusal| panic!("{} was refused: {refusal}", command.name()));
        let recorded_at = context.at.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        let actor = context.actor.to_string();
        self.pending.extend(events.iter().map(|event| NewEvent {
            recorded_at: recorded_at.clone(),
            actor: actor.clone(),
            payload: hemicycle_core::encode(event),
        }));
    }

    fn add_sitting(&mut self) {
        self.sitting_number += 1;
        let sitting = SittingId::new(format!("s{}", self.sitting_number)).expect("a valid id");
        let scheduled_for = self.now + Duration::hours(1);
        self.run(
            self.clerk.clone(),
            Command::ConveneSitting {
                sitting: sitting.clone(),
                kind: SittingKind::Ordinary,
                title: format!("Ordinary sitting number {}", self.sitting_number),
                scheduled_for,
                agenda: vec![],
                requested_by: None,
            },
        );
        self.now = scheduled_for;
        let members = self.members.clone();
        let present: Vec<&MemberId> = members
            .iter()
            .enumerate()
            .filter(|(index, _)| (index + self.sitting_number) % ABSENT_ONE_IN != 0)
            .map(|(_, member)| member)
            .collect();
        for member in &present {
            self.run(
                Actor::Member((*member).clone()),
                Command::CheckIn {
                    sitting: sitting.clone(),
                    member: (*member).clone(),
                },
            );
        }
        self.run(
            self.speaker.clone(),
            Command::OpenSitting {
                sitting: sitting.clone(),
                presiding_officer: None,
            },
        );
        for _ in 0..DIVISIONS_PER_SITTING {
            self.division_number += 1;
            let number = self.division_number;
            let motion = MotionId::new(format!("r{number}")).expect("a valid id");
            let division = DivisionId::new(format!("d{number}")).expect("a valid id");
            self.run(
                self.clerk.clone(),
                Command::TableMotion {
                    motion: motion.clone(),
                    kind: MotionKind::Resolution {
                        binding: true,
                        addressed_to: None,
                    },
                    title: format!("Resolution number {number}"),
                    text: "The Council resolves that the matter be referred to committee.".into(),
                    sponsors: vec![Sponsor::Bloc(bloc_id(number % BLOC_COUNT))],
                    decision: None,
                },
            );
            self.run(
                self.speaker.clone(),
                Command::OpenDivision {
                    division: division.clone(),
                    sitting: sitting.clone(),
                    question: Question::Motion { motion },
                    method: DivisionMethod::Recorded,
                    decision: None,
                },
            );
            for (index, member) in present.iter().enumerate() {
                // Six in ten yes, three no, one abstains: never a tie, so no casting
                // vote is needed.
                let choice = match (index * 7 + number) % 10 {
                    0..=5 => Choice::Yes,
                    6..=8 => Choice::No,
                    _ => Choice::Abstain,
                };
                self.run(
                    Actor::Member((*member).clone()),
                    Command::CastBallot {
                        division: division.clone(),
                        member: (*member).clone(),
                        choice,
                    },
                );
            }
            self.run(
                self.speaker.clone(),
                Command::CloseDivision {
                    division,
                    casting_vote: None,
                },
            );
        }
        self.run(
            self.speaker.clone(),
            Command::CloseSitting {
                sitting,
                reason: None,
            },
        );
    }
}

fn bloc_id(index: usize) -> BlocId {
    BlocId::new(format!("bloc-{index}")).expect("a valid bloc id")
}
