//! The scenario file: a sitting (or several) written by hand as a sequence of steps.
//!
//! A scenario names its chamber's standing orders (a preset or a file), its blocs and
//! members, and then steps: each step is one action at one moment, by one actor. Bulk
//! actions (check in a bloc, a bloc votes yes) are written with selectors and expanded
//! against the chamber's state when the step runs, so that a clerk can write
//! `yes = ["bloc:sairoon", "bloc:nasr:14"]` instead of 68 lines.

use indexmap::IndexMap;
use serde::Deserialize;

use hemicycle_core::ids::{
    BlocId, CandidateId, CoalitionId, CommunicationId, DecisionId, DivisionId, MemberId, MotionId,
    SittingId,
};
use hemicycle_core::model::{
    AgendaItem, BlocKind, Candidate, Choice, Date, DivisionMethod, FollowUpConclusion, MotionKind,
    Question, SittingKind, Sponsor, Timestamp,
};
use hemicycle_core::outcome::{Side, Tally};
use hemicycle_core::{Actor, Command, Context, State};

use crate::error::{from_toml, line_of, FormatError};
use crate::standing_orders::{parse_standing_orders, preset, ChamberRules};

/// Limits that keep a scenario file's expansion bounded.
pub const STEPS_MAX: usize = 100_000;
pub const GENERATED_MEMBERS_PER_BLOC_MAX: u32 = 10_000;

/// A parsed scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub origin: String,
    pub title: String,
    /// A notice attached to the record, e.g. that an allocation is illustrative.
    pub notice: Option<String>,
    pub sources: Vec<String>,
    pub chamber: ChamberRules,
    pub established_at: Timestamp,
    pub since: Date,
    pub clerk: Actor,
    pub presiding_officer: Actor,
    pub blocs: Vec<BlocSpec>,
    pub coalitions: Vec<CoalitionSpec>,
    pub members: Vec<MemberSpec>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlocSpec {
    pub id: BlocId,
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    pub kind: BlocKind,
    #[serde(default)]
    pub colour: Option<String>,
    /// Members to generate for this bloc, named "NAME, seat N" with ids "ID-N".
    #[serde(default)]
    pub seats: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoalitionSpec {
    pub id: CoalitionId,
    pub name: String,
    pub blocs: Vec<BlocId>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    pub id: MemberId,
    pub name: String,
    #[serde(default)]
    pub bloc: Option<BlocId>,
    #[serde(default)]
    pub constituency: Option<String>,
}

/// One step: an action at a moment, by an actor.
#[derive(Debug, Clone)]
pub struct Step {
    /// Position in the file, for errors.
    pub number: usize,
    pub line: usize,
    pub at: Timestamp,
    pub actor: Option<Actor>,
    pub action: Action,
}

/// Members chosen by selectors: `member:ID`, `bloc:ID` (every eligible member of the
/// bloc) or `bloc:ID:N` (the first N eligible members, in roster order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Member(MemberId),
    Bloc(BlocId, Option<u32>),
}

impl Selector {
    fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let problem = |detail: String| {
            format!("selector \"{text}\": {detail}; write member:ID, bloc:ID or bloc:ID:COUNT")
        };
        match parts.as_slice() {
            ["member", id] => MemberId::new(*id)
                .map(Selector::Member)
                .map_err(|error| problem(error.to_string())),
            ["bloc", id] => BlocId::new(*id)
                .map(|bloc| Selector::Bloc(bloc, None))
                .map_err(|error| problem(error.to_string())),
            ["bloc", id, count] => {
                let bloc = BlocId::new(*id).map_err(|error| problem(error.to_string()))?;
                let count: u32 = count
                    .parse()
                    .map_err(|_| problem(format!("\"{count}\" is not a count")))?;
                Ok(Selector::Bloc(bloc, Some(count)))
            }
            _ => Err(problem("not a selector".into())),
        }
    }
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum Action {
    /// One command, as written (boxed: commands are large next to the other actions).
    Command(Box<Command>),
    /// Check in (or out) the selected members.
    CheckIn {
        sitting: SittingId,
        members: Vec<Selector>,
    },
    CheckOut {
        sitting: SittingId,
        members: Vec<Selector>,
    },
    Excuse {
        sitting: SittingId,
        members: Vec<Selector>,
        reason: String,
    },
    /// The selected members cast these ballots, each as themselves.
    Vote {
        division: DivisionId,
        ballots: Vec<(Choice, Vec<Selector>)>,
    },
    /// The selected members take part in a secret ballot.
    TakePart {
        division: DivisionId,
        members: Vec<Selector>,
    },
}

// ---- the file as written -------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    scenario: ScenarioSection,
    chamber: ChamberSection,
    #[serde(default, rename = "bloc")]
    blocs: Vec<BlocSpec>,
    #[serde(default, rename = "coalition")]
    coalitions: Vec<CoalitionSpec>,
    #[serde(default, rename = "member")]
    members: Vec<MemberSpec>,
    #[serde(default, rename = "step")]
    steps: Vec<toml::Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioSection {
    title: String,
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChamberSection {
    /// A preset name, or a standing-orders file relative to the scenario.
    standing_orders: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    seats: Option<u32>,
    established: toml::value::Datetime,
    /// The day memberships of the initial roster start.
    since: toml::value::Datetime,
    #[serde(default = "default_clerk")]
    clerk: String,
    #[serde(default = "default_presiding_officer")]
    presiding_officer: String,
}

fn default_clerk() -> String {
    "clerk:clerk".into()
}

fn default_presiding_officer() -> String {
    "officer:chair".into()
}

#[derive(Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
enum StepBody {
    RegisterBloc(BlocSpec),
    AdmitMember {
        member: MemberId,
        name: String,
        #[serde(default)]
        constituency: Option<String>,
        #[serde(default)]
        bloc: Option<BlocId>,
        on: Moment,
    },
    ChangeBloc {
        member: MemberId,
        #[serde(default)]
        bloc: Option<BlocId>,
        on: Moment,
    },
    FormCoalition(CoalitionSpec),
    ConveneSitting {
        sitting: SittingId,
        kind: SittingKind,
        title: String,
        #[serde(default)]
        scheduled_for: Option<Moment>,
        #[serde(default)]
        agenda: Vec<AgendaItem>,
        #[serde(default)]
        requested_by: Option<String>,
    },
    TableMotion {
        motion: MotionId,
        kind: MotionKindName,
        #[serde(default)]
        binding: Option<bool>,
        #[serde(default)]
        addressed_to: Option<String>,
        title: String,
        text: String,
        sponsors: Vec<String>,
        #[serde(default)]
        decision: Option<DecisionId>,
    },
    WithdrawMotion {
        motion: MotionId,
    },
    AttachNotice {
        #[serde(default)]
        sitting: Option<SittingId>,
        text: String,
    },
    DeclareBoycott {
        sitting: SittingId,
        bloc: BlocId,
        #[serde(default)]
        statement: Option<String>,
    },
    CheckIn {
        sitting: SittingId,
        members: Vec<String>,
    },
    CheckOut {
        sitting: SittingId,
        members: Vec<String>,
    },
    ExcuseAbsence {
        sitting: SittingId,
        members: Vec<String>,
        reason: String,
    },
    OpenSitting {
        sitting: SittingId,
        #[serde(default)]
        presiding_officer: Option<MemberId>,
    },
    SuspendSitting {
        sitting: SittingId,
        reason: String,
    },
    ResumeSitting {
        sitting: SittingId,
    },
    CloseSitting {
        sitting: SittingId,
        #[serde(default)]
        reason: Option<String>,
    },
    CheckQuorum {
        sitting: SittingId,
    },
    ReadCommunication {
        sitting: SittingId,
        communication: CommunicationId,
        from: String,
        #[serde(default)]
        on_behalf_of: Option<BlocId>,
        subject: String,
        text: String,
    },
    OpenDivision {
        division: DivisionId,
        sitting: SittingId,
        #[serde(default)]
        motion: Option<MotionId>,
        #[serde(default)]
        office: Option<String>,
        #[serde(default)]
        candidates: Vec<Candidate>,
        method: DivisionMethod,
        #[serde(default)]
        decision: Option<DecisionId>,
    },
    Vote {
        division: DivisionId,
        #[serde(default)]
        yes: Vec<String>,
        #[serde(default)]
        no: Vec<String>,
        #[serde(default)]
        abstain: Vec<String>,
        /// Votes for candidates: candidate id → selectors.
        #[serde(default)]
        candidates: IndexMap<CandidateId, Vec<String>>,
    },
    TakePart {
        division: DivisionId,
        members: Vec<String>,
    },
    EnterTally {
        division: DivisionId,
        #[serde(default)]
        yes: u32,
        #[serde(default)]
        no: u32,
        #[serde(default)]
        abstain: u32,
        #[serde(default)]
        candidates: IndexMap<CandidateId, u32>,
        #[serde(default)]
        taking_part: Option<u32>,
    },
    CloseDivision {
        division: DivisionId,
        #[serde(default)]
        casting_vote: Option<Side>,
    },
    SendResolution {
        motion: MotionId,
        to: String,
        on: Moment,
        #[serde(default)]
        response_due: Option<Moment>,
    },
    RecordResponse {
        motion: MotionId,
        on: Moment,
        summary: String,
    },
    ConcludeFollowUp {
        motion: MotionId,
        conclusion: FollowUpConclusion,
        on: Moment,
        note: String,
    },
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum MotionKindName {
    Resolution,
    Bill,
    Procedural,
}

/// A TOML date or date-time inside a step. Steps are read through `toml::Value`, which
/// hands date-times on as text, so both forms are accepted and parsed here.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum Moment {
    Datetime(toml::value::Datetime),
    Text(String),
}

impl Moment {
    fn datetime(&self) -> Result<toml::value::Datetime, String> {
        match self {
            Moment::Datetime(value) => Ok(*value),
            Moment::Text(text) => text
                .parse()
                .map_err(|_| format!("\"{text}\" is not a date like 2020-01-05 or a moment like 2020-01-05T16:25:00+03:00")),
        }
    }
}

fn moment_timestamp(value: &Moment) -> Result<Timestamp, String> {
    parse_timestamp(&value.datetime()?)
}

fn moment_date(value: &Moment) -> Result<Date, String> {
    parse_date(&value.datetime()?)
}

fn parse_timestamp(value: &toml::value::Datetime) -> Result<Timestamp, String> {
    if value.offset.is_none() || value.time.is_none() {
        return Err(format!(
            "{value} needs a date, a time and an offset, like 2020-01-05T16:25:00+03:00"
        ));
    }
    chrono::DateTime::parse_from_rfc3339(&value.to_string())
        .map_err(|error| format!("{value} is not a valid moment: {error}"))
}

fn parse_date(value: &toml::value::Datetime) -> Result<Date, String> {
    match (value.date, value.time) {
        (Some(date), None) => Date::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .ok_or_else(|| format!("{value} is not a valid date")),
        _ => Err(format!("{value} should be a date alone, like 2020-01-05")),
    }
}

/// Reads a scenario. `read_relative` loads a standing-orders file named relative to the
/// scenario (the caller does the I/O; this crate does none).
pub fn parse_scenario(
    source: &str,
    origin: &str,
    read_relative: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Scenario, FormatError> {
    let file: ScenarioFile =
        toml::from_str(source).map_err(|error| from_toml(origin, source, &error))?;
    let at_line = |line: usize, field: &str, message: String| FormatError {
        origin: origin.to_owned(),
        line: Some(line),
        field: Some(field.to_owned()),
        message,
    };
    let line_of_key = |key: &str| {
        source
            .lines()
            .position(|line| line.trim_start().starts_with(key))
            .map_or(1, |index| index + 1)
    };
    let chamber_source = &file.chamber.standing_orders;
    let mut chamber = if chamber_source.ends_with(".toml") {
        let text = read_relative(chamber_source).map_err(|message| {
            at_line(
                line_of_key("standing_orders"),
                "chamber.standing_orders",
                message,
            )
        })?;
        parse_standing_orders(&text, chamber_source)?
    } else {
        preset(chamber_source).map_err(|error| {
            at_line(
                line_of_key("standing_orders"),
                "chamber.standing_orders",
                error.message,
            )
        })?
    };
    if let Some(name) = file.chamber.name {
        chamber.name = name;
    }
    if let Some(seats) = file.chamber.seats {
        chamber.seats = seats;
    }
    let established_at = parse_timestamp(&file.chamber.established)
        .map_err(|message| at_line(line_of_key("established"), "chamber.established", message))?;
    let since = parse_date(&file.chamber.since)
        .map_err(|message| at_line(line_of_key("since"), "chamber.since", message))?;
    let clerk = Actor::parse(&file.chamber.clerk)
        .map_err(|error| at_line(line_of_key("clerk"), "chamber.clerk", error.to_string()))?;
    let presiding_officer = Actor::parse(&file.chamber.presiding_officer).map_err(|error| {
        at_line(
            line_of_key("presiding_officer"),
            "chamber.presiding_officer",
            error.to_string(),
        )
    })?;
    for bloc in &file.blocs {
        if bloc
            .seats
            .is_some_and(|seats| seats > GENERATED_MEMBERS_PER_BLOC_MAX)
        {
            return Err(at_line(
                line_of_key(&format!("id = \"{}\"", bloc.id)),
                "bloc.seats",
                format!("at most {GENERATED_MEMBERS_PER_BLOC_MAX} members are generated per bloc"),
            ));
        }
    }
    if file.steps.len() > STEPS_MAX {
        return Err(at_line(
            1,
            "step",
            format!("a scenario has at most {STEPS_MAX} steps"),
        ));
    }
    let mut steps = Vec::with_capacity(file.steps.len());
    let mut previous_at = established_at;
    for (index, spanned) in file.steps.into_iter().enumerate() {
        let line = line_of(source, spanned.span().start);
        let number = index + 1;
        let field = |name: &str| format!("step[{number}].{name}");
        let mut table = spanned.into_inner();
        let at = match table.remove("at") {
            None => previous_at,
            Some(toml::Value::Datetime(value)) => {
                parse_timestamp(&value).map_err(|message| at_line(line, &field("at"), message))?
            }
            Some(other) => {
                return Err(at_line(
                    line,
                    &field("at"),
                    format!("{other} is not a moment like 2020-01-05T16:25:00+03:00 (write it without quotes)"),
                ))
            }
        };
        if at < previous_at {
            return Err(at_line(
                line,
                &field("at"),
                format!(
                    "steps go forward in time: {at} is before the previous step's {previous_at}"
                ),
            ));
        }
        previous_at = at;
        let actor = match table.remove("by") {
            None => None,
            Some(toml::Value::String(text)) => Some(
                Actor::parse(&text)
                    .map_err(|error| at_line(line, &field("by"), error.to_string()))?,
            ),
            Some(other) => {
                return Err(at_line(
                    line,
                    &field("by"),
                    format!("{other} is not an actor"),
                ))
            }
        };
        let action_name = table
            .get("do")
            .and_then(|value| value.as_str())
            .map(str::to_owned)
            .ok_or_else(|| {
                at_line(
                    line,
                    &field("do"),
                    "every step needs `do = \"ACTION\"`".into(),
                )
            })?;
        let body: StepBody =
            toml::Value::Table(table)
                .try_into()
                .map_err(|error: toml::de::Error| {
                    at_line(
                        line,
                        &format!("step[{number}] (do = \"{action_name}\")"),
                        error.message().trim().to_owned(),
                    )
                })?;
        let action = convert(body).map_err(|message| {
            at_line(
                line,
                &format!("step[{number}] (do = \"{action_name}\")"),
                message,
            )
        })?;
        steps.push(Step {
            number,
            line,
            at,
            actor,
            action,
        });
    }
    Ok(Scenario {
        origin: origin.to_owned(),
        title: file.scenario.title,
        notice: file.scenario.notice,
        sources: file.scenario.sources,
        chamber,
        established_at,
        since,
        clerk,
        presiding_officer,
        blocs: file.blocs,
        coalitions: file.coalitions,
        members: file.members,
        steps,
    })
}

fn selectors(texts: &[String]) -> Result<Vec<Selector>, String> {
    texts.iter().map(|text| Selector::parse(text)).collect()
}

fn convert(body: StepBody) -> Result<Action, String> {
    let command = match body {
        StepBody::RegisterBloc(bloc) => {
            if bloc.seats.is_some() {
                return Err("`seats` generates members only in the roster ([[bloc]]); admit members with admit_member".into());
            }
            Command::RegisterBloc {
                bloc: bloc.id,
                name: bloc.name,
                short_name: bloc.short_name,
                kind: bloc.kind,
                colour: bloc.colour,
            }
        }
        StepBody::AdmitMember {
            member,
            name,
            constituency,
            bloc,
            on,
        } => Command::AdmitMember {
            member,
            name,
            constituency,
            bloc,
            on: moment_date(&on)?,
        },
        StepBody::ChangeBloc { member, bloc, on } => Command::ChangeBloc {
            member,
            bloc,
            on: moment_date(&on)?,
        },
        StepBody::FormCoalition(coalition) => Command::FormCoalition {
            coalition: coalition.id,
            name: coalition.name,
            blocs: coalition.blocs,
        },
        StepBody::ConveneSitting {
            sitting,
            kind,
            title,
            scheduled_for,
            agenda,
            requested_by,
        } => Command::ConveneSitting {
            sitting,
            kind,
            title,
            // Filled in with the step's moment when absent; see `commands`.
            scheduled_for: match scheduled_for {
                Some(value) => moment_timestamp(&value)?,
                None => Timestamp::MIN_UTC.fixed_offset(),
            },
            agenda,
            requested_by,
        },
        StepBody::TableMotion {
            motion,
            kind,
            binding,
            addressed_to,
            title,
            text,
            sponsors,
            decision,
        } => {
            let kind = match kind {
                MotionKindName::Resolution => MotionKind::Resolution {
                    binding: binding.unwrap_or(false),
                    addressed_to,
                },
                other => {
                    if binding.is_some() || addressed_to.is_some() {
                        return Err("`binding` and `addressed_to` apply to resolutions only".into());
                    }
                    match other {
                        MotionKindName::Bill => MotionKind::Bill,
                        _ => MotionKind::Procedural,
                    }
                }
            };
            let sponsors = sponsors
                .iter()
                .map(|text| match Selector::parse(text)? {
                    Selector::Member(member) => Ok(Sponsor::Member(member)),
                    Selector::Bloc(bloc, None) => Ok(Sponsor::Bloc(bloc)),
                    Selector::Bloc(_, Some(_)) => Err(format!(
                        "sponsor \"{text}\": a sponsor is a member:ID or a bloc:ID"
                    )),
                })
                .collect::<Result<Vec<_>, String>>()?;
            Command::TableMotion {
                motion,
                kind,
                title,
                text,
                sponsors,
                decision,
            }
        }
        StepBody::WithdrawMotion { motion } => Command::WithdrawMotion { motion },
        StepBody::AttachNotice { sitting, text } => Command::AttachNotice { sitting, text },
        StepBody::DeclareBoycott {
            sitting,
            bloc,
            statement,
        } => Command::DeclareBoycott {
            sitting,
            bloc,
            statement,
        },
        StepBody::CheckIn { sitting, members } => {
            return Ok(Action::CheckIn {
                sitting,
                members: selectors(&members)?,
            })
        }
        StepBody::CheckOut { sitting, members } => {
            return Ok(Action::CheckOut {
                sitting,
                members: selectors(&members)?,
            })
        }
        StepBody::ExcuseAbsence {
            sitting,
            members,
            reason,
        } => {
            return Ok(Action::Excuse {
                sitting,
                members: selectors(&members)?,
                reason,
            })
        }
        StepBody::OpenSitting {
            sitting,
            presiding_officer,
        } => Command::OpenSitting {
            sitting,
            presiding_officer,
        },
        StepBody::SuspendSitting { sitting, reason } => Command::SuspendSitting { sitting, reason },
        StepBody::ResumeSitting { sitting } => Command::ResumeSitting { sitting },
        StepBody::CloseSitting { sitting, reason } => Command::CloseSitting { sitting, reason },
        StepBody::CheckQuorum { sitting } => Command::CheckQuorum { sitting },
        StepBody::ReadCommunication {
            sitting,
            communication,
            from,
            on_behalf_of,
            subject,
            text,
        } => Command::ReadCommunication {
            sitting,
            communication,
            from,
            on_behalf_of,
            subject,
            text,
        },
        StepBody::OpenDivision {
            division,
            sitting,
            motion,
            office,
            candidates,
            method,
            decision,
        } => {
            let question = match (motion, office) {
                (Some(motion), None) if candidates.is_empty() => Question::Motion { motion },
                (None, Some(office)) => Question::Election { office, candidates },
                (Some(_), None) => return Err("`candidates` belong to an election (`office`), not a motion".into()),
                _ => return Err("give either `motion` (a vote on a motion) or `office` and `candidates` (an election)".into()),
            };
            Command::OpenDivision {
                division,
                sitting,
                question,
                method,
                decision,
            }
        }
        StepBody::Vote {
            division,
            yes,
            no,
            abstain,
            candidates,
        } => {
            let mut ballots = vec![
                (Choice::Yes, selectors(&yes)?),
                (Choice::No, selectors(&no)?),
                (Choice::Abstain, selectors(&abstain)?),
            ];
            for (candidate, members) in candidates {
                ballots.push((Choice::Candidate(candidate), selectors(&members)?));
            }
            ballots.retain(|(_, members)| !members.is_empty());
            return Ok(Action::Vote { division, ballots });
        }
        StepBody::TakePart { division, members } => {
            return Ok(Action::TakePart {
                division,
                members: selectors(&members)?,
            })
        }
        StepBody::EnterTally {
            division,
            yes,
            no,
            abstain,
            candidates,
            taking_part,
        } => Command::EnterTally {
            division,
            tally: Tally {
                yes,
                no,
                abstain,
                candidates,
            },
            taking_part,
        },
        StepBody::CloseDivision {
            division,
            casting_vote,
        } => Command::CloseDivision {
            division,
            casting_vote,
        },
        StepBody::SendResolution {
            motion,
            to,
            on,
            response_due,
        } => Command::SendResolution {
            motion,
            to,
            on: moment_date(&on)?,
            response_due: response_due.as_ref().map(moment_date).transpose()?,
        },
        StepBody::RecordResponse {
            motion,
            on,
            summary,
        } => Command::RecordResponse {
            motion,
            on: moment_date(&on)?,
            summary,
        },
        StepBody::ConcludeFollowUp {
            motion,
            conclusion,
            on,
            note,
        } => Command::ConcludeFollowUp {
            motion,
            conclusion,
            on: moment_date(&on)?,
            note,
        },
    };
    Ok(Action::Command(Box::new(command)))
}

/// A command to run, with where it came from.
#[derive(Debug, Clone)]
pub struct Planned {
    pub context: Context,
    pub command: Command,
}

impl Scenario {
    /// The commands that set up the chamber: establish it, attach the notice, register
    /// blocs, admit members (generated and named), form coalitions.
    pub fn setup(&self) -> Result<Vec<Planned>, FormatError> {
        let at = self.established_at;
        let plan = |command: Command| Planned {
            context: Context {
                at,
                actor: if matches!(command, Command::EstablishChamber { .. }) {
                    Actor::System
                } else {
                    self.clerk.clone()
                },
            },
            command,
        };
        let mut commands = vec![plan(Command::EstablishChamber {
            name: self.chamber.name.clone(),
            seats: self.chamber.seats,
            standing_orders: self.chamber.standing_orders.clone(),
        })];
        if let Some(notice) = &self.notice {
            commands.push(plan(Command::AttachNotice {
                sitting: None,
                text: notice.clone(),
            }));
        }
        for bloc in &self.blocs {
            commands.push(plan(Command::RegisterBloc {
                bloc: bloc.id.clone(),
                name: bloc.name.clone(),
                short_name: bloc.short_name.clone(),
                kind: bloc.kind,
                colour: bloc.colour.clone(),
            }));
        }
        for bloc in &self.blocs {
            for seat in 1..=bloc.seats.unwrap_or(0) {
                let member =
                    MemberId::new(format!("{}-{seat}", bloc.id)).map_err(|error| FormatError {
                        origin: self.origin.clone(),
                        line: None,
                        field: Some(format!("bloc {}", bloc.id)),
                        message: format!("cannot name generated members: {error}"),
                    })?;
                let label = bloc.short_name.as_deref().unwrap_or(&bloc.name);
                commands.push(plan(Command::AdmitMember {
                    member,
                    name: format!("{label}, seat {seat}"),
                    constituency: None,
                    bloc: Some(bloc.id.clone()),
                    on: self.since,
                }));
            }
        }
        for member in &self.members {
            commands.push(plan(Command::AdmitMember {
                member: member.id.clone(),
                name: member.name.clone(),
                constituency: member.constituency.clone(),
                bloc: member.bloc.clone(),
                on: self.since,
            }));
        }
        for coalition in &self.coalitions {
            commands.push(plan(Command::FormCoalition {
                coalition: coalition.id.clone(),
                name: coalition.name.clone(),
                blocs: coalition.blocs.clone(),
            }));
        }
        Ok(commands)
    }

    /// The commands of one step, expanded against the state as it is when the step runs.
    pub fn commands(&self, step: &Step, state: &State) -> Result<Vec<Planned>, FormatError> {
        let fail = |message: String| FormatError {
            origin: self.origin.clone(),
            line: Some(step.line),
            field: Some(format!("step[{}]", step.number)),
            message,
        };
        let context = |default: &Actor| Context {
            at: step.at,
            actor: step.actor.clone().unwrap_or_else(|| default.clone()),
        };
        let clerk = context(&self.clerk);
        let sitting_record = |sitting: &SittingId| {
            state
                .sittings
                .get(sitting)
                .ok_or_else(|| format!("no sitting {sitting}"))
        };
        let member_context = |member: &MemberId| Context {
            at: step.at,
            actor: step
                .actor
                .clone()
                .unwrap_or_else(|| Actor::Member(member.clone())),
        };
        let plans = match &step.action {
            Action::Command(command) => {
                let mut command = (**command).clone();
                if let Command::ConveneSitting { scheduled_for, .. } = &mut command {
                    if *scheduled_for == Timestamp::MIN_UTC.fixed_offset() {
                        *scheduled_for = step.at;
                    }
                }
                let roles = command.permitted_roles();
                let default_actor = if !roles.contains(&hemicycle_core::Role::Clerk)
                    && roles.contains(&hemicycle_core::Role::PresidingOfficer)
                {
                    &self.presiding_officer
                } else {
                    &self.clerk
                };
                vec![Planned {
                    context: context(default_actor),
                    command,
                }]
            }
            Action::CheckIn { sitting, members } => {
                let record = sitting_record(sitting).map_err(&fail)?;
                select(state, members, |member| !record.is_present(member))
                    .map_err(&fail)?
                    .into_iter()
                    .map(|member| Planned {
                        context: clerk.clone(),
                        command: Command::CheckIn {
                            sitting: sitting.clone(),
                            member,
                        },
                    })
                    .collect()
            }
            Action::CheckOut { sitting, members } => {
                let record = sitting_record(sitting).map_err(&fail)?;
                select(state, members, |member| record.is_present(member))
                    .map_err(&fail)?
                    .into_iter()
                    .map(|member| Planned {
                        context: clerk.clone(),
                        command: Command::CheckOut {
                            sitting: sitting.clone(),
                            member,
                        },
                    })
                    .collect()
            }
            Action::Excuse {
                sitting,
                members,
                reason,
            } => {
                let record = sitting_record(sitting).map_err(&fail)?;
                let not_yet_excused = |member: &MemberId| {
                    record
                        .attendance
                        .get(member)
                        .is_none_or(|attendance| attendance.excused.is_none())
                };
                select(state, members, |member| {
                    !record.is_present(member) && not_yet_excused(member)
                })
                .map_err(&fail)?
                .into_iter()
                .map(|member| Planned {
                    context: clerk.clone(),
                    command: Command::ExcuseAbsence {
                        sitting: sitting.clone(),
                        member,
                        reason: reason.clone(),
                    },
                })
                .collect()
            }
            Action::Vote { division, ballots } => {
                let division_record = state
                    .divisions
                    .get(division)
                    .ok_or_else(|| fail(format!("no division {division}")))?;
                let sitting_record = &state.sittings[&division_record.sitting];
                let may_vote = |member: &MemberId| {
                    sitting_record.is_present(member) || !presence_required(state)
                };
                let mut plans = Vec::new();
                let mut chosen_here: Vec<MemberId> = Vec::new();
                for (choice, members) in ballots {
                    let chosen = select(state, members, |member| {
                        may_vote(member)
                            && !division_record.ballots.contains_key(member)
                            && !chosen_here.contains(member)
                    })
                    .map_err(&fail)?;
                    for member in chosen {
                        chosen_here.push(member.clone());
                        plans.push(Planned {
                            context: member_context(&member),
                            command: Command::CastBallot {
                                division: division.clone(),
                                member,
                                choice: choice.clone(),
                            },
                        });
                    }
                }
                plans
            }
            Action::TakePart { division, members } => {
                let division_record = state
                    .divisions
                    .get(division)
                    .ok_or_else(|| fail(format!("no division {division}")))?;
                let sitting_record = &state.sittings[&division_record.sitting];
                let chosen = select(state, members, |member| {
                    (sitting_record.is_present(member) || !presence_required(state))
                        && !division_record.participants.contains(member)
                })
                .map_err(&fail)?;
                chosen
                    .into_iter()
                    .map(|member| Planned {
                        context: member_context(&member),
                        command: Command::RecordParticipation {
                            division: division.clone(),
                            member,
                        },
                    })
                    .collect()
            }
        };
        Ok(plans)
    }
}

/// Whether the standing orders make members check in before they vote. Where they do
/// not, a bloc selector in a vote picks every member of the bloc who has not voted.
fn presence_required(state: &State) -> bool {
    state
        .chamber
        .as_ref()
        .is_none_or(|chamber| chamber.standing_orders.voting.presence_required)
}

/// Expands selectors into members, in roster order, each at most once.
/// `eligible` says which members a bloc selector may pick.
fn select(
    state: &State,
    selectors: &[Selector],
    eligible: impl Fn(&MemberId) -> bool,
) -> Result<Vec<MemberId>, String> {
    let mut chosen: Vec<MemberId> = Vec::new();
    for selector in selectors {
        match selector {
            Selector::Member(member) => {
                if !state.members.contains_key(member) {
                    return Err(format!("member:{member}: no such member"));
                }
                if chosen.contains(member) {
                    return Err(format!("member:{member} is selected twice"));
                }
                chosen.push(member.clone());
            }
            Selector::Bloc(bloc, count) => {
                if !state.blocs.contains_key(bloc) {
                    return Err(format!("bloc:{bloc}: no such bloc"));
                }
                let candidates: Vec<MemberId> = state
                    .sitting_members()
                    .filter(|member| member.current_bloc() == Some(bloc))
                    .map(|member| member.id.clone())
                    .filter(|member| eligible(member) && !chosen.contains(member))
                    .collect();
                let wanted = count.map_or(candidates.len(), |count| count as usize);
                if wanted > candidates.len() {
                    return Err(format!(
                        "bloc:{bloc}:{wanted} asks for {wanted} members of bloc {bloc}, but only {} are eligible",
                        candidates.len()
                    ));
                }
                chosen.extend(candidates.into_iter().take(wanted));
            }
        }
    }
    Ok(chosen)
}
