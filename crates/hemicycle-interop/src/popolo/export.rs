//! The Popolo export: the whole chamber as one document.

use std::io::Write;

use chrono::SecondsFormat;
use serde::Serialize;

use hemicycle_core::history::{RecordedCounts, RecordedOption, Subject};
use hemicycle_core::model::{BlocKind, Choice, DivisionMethod, Question, Sponsor, Timestamp};
use hemicycle_core::outcome::Verdict;
use hemicycle_core::state::{Division, MotionStatus};
use hemicycle_core::State;

use crate::error::ExportError;
use crate::{HEMICYCLE_SCHEME, POPOLO_SCHEME};

#[derive(Serialize)]
struct Document {
    persons: Vec<Person>,
    organizations: Vec<Organization>,
    memberships: Vec<Membership>,
    events: Vec<Event>,
    motions: Vec<Motion>,
    vote_events: Vec<VoteEvent>,
}

#[derive(Serialize)]
struct Identifier {
    identifier: String,
    scheme: String,
}

#[derive(Serialize)]
struct Link {
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Serialize)]
struct OtherName {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Serialize)]
struct Person {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    honorific_prefix: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    other_names: Vec<OtherName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    death_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    identifiers: Vec<Identifier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sources: Vec<Link>,
}

#[derive(Serialize)]
struct Organization {
    id: String,
    name: String,
    classification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    seats: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    other_names: Vec<OtherName>,
    /// An extension: the bloc's colour on seat charts.
    #[serde(skip_serializing_if = "Option::is_none")]
    colour: Option<String>,
    identifiers: Vec<Identifier>,
}

#[derive(Serialize)]
struct MemberOrganization {
    #[serde(rename = "@type")]
    kind: &'static str,
    id: String,
}

#[derive(Serialize)]
struct Area {
    name: String,
}

#[derive(Serialize)]
struct Membership {
    #[serde(skip_serializing_if = "Option::is_none")]
    person_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<MemberOrganization>,
    organization_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_behalf_of_id: Option<String>,
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    area: Option<Area>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
}

#[derive(Serialize)]
struct Event {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    classification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
    identifiers: Vec<Identifier>,
}

#[derive(Serialize)]
struct Motion {
    id: String,
    organization_id: String,
    /// An extension: the motion's title.
    title: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    classification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    creator_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requirement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<String>,
    /// An extension: identifiers, as persons and organizations have them.
    identifiers: Vec<Identifier>,
}

#[derive(Serialize)]
struct Count {
    option: String,
    value: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<String>,
}

#[derive(Serialize)]
struct GroupResult {
    group_id: String,
    result: &'static str,
}

#[derive(Serialize)]
struct Vote {
    voter_id: String,
    option: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<String>,
}

#[derive(Serialize)]
struct VoteEvent {
    id: String,
    organization_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    legislative_session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    motion_id: Option<String>,
    /// An extension: the question put, in words.
    question: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    classification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
    /// An extension: the day, for a division whose time was not recorded (`start_date`
    /// is a date-time in Popolo).
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<String>,
    group_results: Vec<GroupResult>,
    counts: Vec<Count>,
    votes: Vec<Vote>,
    /// An extension: identifiers, as persons and organizations have them.
    identifiers: Vec<Identifier>,
}

fn time(at: &Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The id an object is exported under: its original Popolo id if it was imported,
/// otherwise our own identifier.
fn popolo_id(state: &State, subject: &Subject, ours: &str) -> String {
    state
        .identifier_under(subject, POPOLO_SCHEME)
        .map_or_else(|| ours.to_owned(), str::to_owned)
}

fn identifiers(state: &State, subject: &Subject, ours: Option<&str>) -> Vec<Identifier> {
    let mut list: Vec<Identifier> = state
        .identifiers_of(subject)
        .iter()
        .filter(|identifier| identifier.scheme != POPOLO_SCHEME)
        .map(|identifier| Identifier {
            identifier: identifier.identifier.clone(),
            scheme: identifier.scheme.clone(),
        })
        .collect();
    if let Some(ours) = ours {
        list.push(Identifier {
            identifier: ours.to_owned(),
            scheme: HEMICYCLE_SCHEME.to_owned(),
        });
    }
    list
}

fn links(links: &[hemicycle_core::history::Link]) -> Vec<Link> {
    links
        .iter()
        .map(|link| Link {
            url: link.url.clone(),
            note: link.note.clone(),
        })
        .collect()
}

pub(crate) fn bloc_classification(kind: BlocKind) -> &'static str {
    match kind {
        BlocKind::Party => "party",
        BlocKind::List => "electoral list",
        BlocKind::Group => "parliamentary group",
        BlocKind::Other => "other",
    }
}

/// Ids of the exported objects, computed once.
struct Ids {
    chamber: String,
}

impl Ids {
    fn member(state: &State, member: &hemicycle_core::ids::MemberId) -> String {
        popolo_id(state, &Subject::Member(member.clone()), member.as_str())
    }
    fn bloc(state: &State, bloc: &hemicycle_core::ids::BlocId) -> String {
        popolo_id(state, &Subject::Bloc(bloc.clone()), bloc.as_str())
    }
}

fn group_result(yes: u32, no: u32) -> &'static str {
    match yes.cmp(&no) {
        std::cmp::Ordering::Greater => "pass",
        std::cmp::Ordering::Less => "fail",
        std::cmp::Ordering::Equal => "tie",
    }
}

/// Counts per option, and per bloc with the bloc's result, from individual votes.
fn tallies(
    state: &State,
    date: hemicycle_core::model::Date,
    votes: &[(hemicycle_core::ids::MemberId, RecordedOption)],
    counts: &mut Vec<Count>,
    group_results: &mut Vec<GroupResult>,
) {
    let mut by_bloc: indexmap::IndexMap<hemicycle_core::ids::BlocId, [u32; 5]> =
        indexmap::IndexMap::new();
    for (member, option) in votes {
        let bloc = state
            .members
            .get(member)
            .and_then(|record| record.bloc_on(date).or_else(|| record.current_bloc()));
        if let Some(bloc) = bloc {
            let slot = RecordedOption::ALL
                .iter()
                .position(|candidate| candidate == option)
                .unwrap_or(0);
            by_bloc.entry(bloc.clone()).or_default()[slot] += 1;
        }
    }
    for (bloc, numbers) in &by_bloc {
        let group_id = Ids::bloc(state, bloc);
        group_results.push(GroupResult {
            group_id: group_id.clone(),
            result: group_result(numbers[0], numbers[1]),
        });
        for (option, value) in RecordedOption::ALL.iter().zip(numbers) {
            counts.push(Count {
                option: option.popolo().to_owned(),
                value: *value,
                group_id: Some(group_id.clone()),
            });
        }
    }
}

fn live_vote_event(state: &State, ids: &Ids, division: &Division) -> VoteEvent {
    let sitting = state.sittings.get(&division.sitting);
    let date = sitting.map_or_else(|| division.opened_at.date_naive(), |sitting| sitting.date());
    let (motion_id, question) = match &division.question {
        Question::Motion { motion } => (
            Some(popolo_id(
                state,
                &Subject::Motion(motion.clone()),
                motion.as_str(),
            )),
            state
                .motions
                .get(motion)
                .map_or_else(|| motion.to_string(), |record| record.title.clone()),
        ),
        Question::Election { office, .. } => (None, format!("Election: {office}")),
    };
    let mut counts = Vec::new();
    let mut group_results = Vec::new();
    let mut votes = Vec::new();
    let tally = division.tally();
    let election = matches!(division.question, Question::Election { .. });
    if let Question::Election { candidates, .. } = &division.question {
        for candidate in candidates {
            counts.push(Count {
                option: format!("for {}", candidate.name),
                value: tally.candidates.get(&candidate.id).copied().unwrap_or(0),
                group_id: None,
            });
        }
        counts.push(Count {
            option: "abstain".into(),
            value: tally.abstain,
            group_id: None,
        });
    }
    if division.method == DivisionMethod::Recorded && !election {
        let present = division.closed.as_ref().map(|closed| &closed.present);
        let mut recorded = Vec::new();
        for (member, choice) in &division.ballots {
            let option = match choice {
                Choice::Yes => RecordedOption::Yes,
                Choice::No => RecordedOption::No,
                Choice::Abstain | Choice::Candidate(_) => RecordedOption::Abstain,
            };
            recorded.push((member.clone(), option));
        }
        for member in state.sitting_members() {
            if division.ballots.contains_key(&member.id) {
                continue;
            }
            let was_present = present.is_some_and(|present| present.contains(&member.id))
                || sitting.is_some_and(|sitting| sitting.is_present(&member.id));
            let option = if was_present {
                RecordedOption::NotVoting
            } else {
                RecordedOption::Absent
            };
            recorded.push((member.id.clone(), option));
        }
        let mut totals = RecordedCounts::default();
        for option in RecordedOption::ALL {
            let value = recorded.iter().filter(|(_, held)| *held == option).count();
            totals.set(option, u32::try_from(value).unwrap_or(u32::MAX));
        }
        for option in RecordedOption::ALL {
            counts.push(Count {
                option: option.popolo().to_owned(),
                value: totals.get(option).unwrap_or(0),
                group_id: None,
            });
        }
        tallies(state, date, &recorded, &mut counts, &mut group_results);
        for (member, option) in &recorded {
            let group_id = state
                .members
                .get(member)
                .and_then(|record| record.bloc_on(date))
                .map(|bloc| Ids::bloc(state, bloc));
            votes.push(Vote {
                voter_id: Ids::member(state, member),
                option: option.popolo(),
                group_id,
            });
        }
    } else if !election {
        for (option, value) in [
            (RecordedOption::Yes, tally.yes),
            (RecordedOption::No, tally.no),
            (RecordedOption::Abstain, tally.abstain),
        ] {
            counts.push(Count {
                option: option.popolo().to_owned(),
                value,
                group_id: None,
            });
        }
    }
    let result = division
        .closed
        .as_ref()
        .map(|closed| match &closed.outcome.verdict {
            Verdict::Adopted => "pass".to_owned(),
            Verdict::Rejected => "fail".to_owned(),
            other => other.in_words(),
        });
    VoteEvent {
        id: popolo_id(
            state,
            &Subject::Division(division.id.clone()),
            division.id.as_str(),
        ),
        organization_id: ids.chamber.clone(),
        legislative_session_id: Some(division.sitting.to_string()),
        motion_id,
        question,
        classification: Some(division.method.in_words().to_owned()),
        start_date: Some(time(&division.opened_at)),
        end_date: division.closed.as_ref().map(|closed| time(&closed.at)),
        date: None,
        result,
        group_results,
        counts,
        votes,
        identifiers: identifiers(
            state,
            &Subject::Division(division.id.clone()),
            Some(division.id.as_str()),
        ),
    }
}

fn recorded_vote_event(
    state: &State,
    ids: &Ids,
    division: &hemicycle_core::history::RecordedDivision,
) -> VoteEvent {
    let subject = Subject::Division(division.id.clone());
    let mut counts: Vec<Count> = RecordedOption::ALL
        .iter()
        .filter_map(|option| {
            division.counts.get(*option).map(|value| Count {
                option: option.popolo().to_owned(),
                value,
                group_id: None,
            })
        })
        .collect();
    let mut group_results = Vec::new();
    tallies(
        state,
        division.on,
        &division.votes,
        &mut counts,
        &mut group_results,
    );
    let votes = division
        .votes
        .iter()
        .map(|(member, option)| Vote {
            voter_id: Ids::member(state, member),
            option: option.popolo(),
            group_id: state
                .members
                .get(member)
                .and_then(|record| record.bloc_on(division.on))
                .map(|bloc| Ids::bloc(state, bloc)),
        })
        .collect();
    VoteEvent {
        id: popolo_id(state, &subject, division.id.as_str()),
        organization_id: ids.chamber.clone(),
        legislative_session_id: None,
        motion_id: division
            .motion
            .as_ref()
            .map(|motion| popolo_id(state, &Subject::Motion(motion.clone()), motion.as_str())),
        question: division.question.clone(),
        classification: Some("recorded division (imported)".into()),
        start_date: division.at.as_ref().map(time),
        end_date: None,
        date: division
            .at
            .is_none()
            .then(|| division.on.format("%Y-%m-%d").to_string()),
        result: division.result.clone(),
        group_results,
        counts,
        votes,
        identifiers: identifiers(state, &subject, Some(division.id.as_str())),
    }
}

fn document(state: &State) -> Result<Document, ExportError> {
    let chamber = state.chamber.as_ref().ok_or(ExportError::NoChamber)?;
    let ids = Ids {
        chamber: popolo_id(state, &Subject::Chamber, "chamber"),
    };
    let mut organizations = vec![Organization {
        id: ids.chamber.clone(),
        name: chamber.name.clone(),
        classification: "legislature".into(),
        seats: Some(chamber.seats),
        other_names: Vec::new(),
        colour: None,
        identifiers: identifiers(state, &Subject::Chamber, None),
    }];
    for bloc in state.blocs.values() {
        let subject = Subject::Bloc(bloc.id.clone());
        organizations.push(Organization {
            id: Ids::bloc(state, &bloc.id),
            name: bloc.name.clone(),
            classification: bloc_classification(bloc.kind).into(),
            seats: None,
            other_names: bloc
                .short_name
                .iter()
                .map(|short_name| OtherName {
                    name: short_name.clone(),
                    note: Some("short name".into()),
                })
                .collect(),
            colour: bloc.colour.clone(),
            identifiers: identifiers(state, &subject, Some(bloc.id.as_str())),
        });
    }
    let mut memberships = Vec::new();
    for coalition in state.coalitions.values() {
        let subject = Subject::Coalition(coalition.id.clone());
        let id = popolo_id(state, &subject, coalition.id.as_str());
        organizations.push(Organization {
            id: id.clone(),
            name: coalition.name.clone(),
            classification: "coalition".into(),
            seats: None,
            other_names: Vec::new(),
            colour: None,
            identifiers: identifiers(state, &subject, Some(coalition.id.as_str())),
        });
        for bloc in &coalition.blocs {
            memberships.push(Membership {
                person_id: None,
                member: Some(MemberOrganization {
                    kind: "Organization",
                    id: Ids::bloc(state, bloc),
                }),
                organization_id: id.clone(),
                on_behalf_of_id: None,
                role: "member",
                area: None,
                start_date: None,
                end_date: None,
            });
        }
    }
    let mut persons = Vec::new();
    for member in state.members.values() {
        let subject = Subject::Member(member.id.clone());
        let details = state
            .member_details
            .get(&member.id)
            .cloned()
            .unwrap_or_default();
        let person_id = Ids::member(state, &member.id);
        persons.push(Person {
            id: person_id.clone(),
            name: member.name.clone(),
            given_name: details.given_name,
            family_name: details.family_name,
            sort_name: details.sort_name,
            honorific_prefix: details.honorific_prefix,
            other_names: details
                .other_names
                .into_iter()
                .map(|name| OtherName { name, note: None })
                .collect(),
            gender: details.gender,
            birth_date: details.birth_date,
            death_date: details.death_date,
            email: details.email,
            image: details.image,
            identifiers: identifiers(state, &subject, Some(member.id.as_str())),
            links: links(&details.links),
            sources: links(&details.sources),
        });
        let area = || {
            member
                .constituency
                .as_ref()
                .map(|name| Area { name: name.clone() })
        };
        if member.memberships.is_empty() {
            memberships.push(Membership {
                person_id: Some(person_id.clone()),
                member: None,
                organization_id: ids.chamber.clone(),
                on_behalf_of_id: None,
                role: "member",
                area: area(),
                start_date: Some(chamber.established_at.format("%Y-%m-%d").to_string()),
                end_date: None,
            });
        }
        for period in &member.memberships {
            memberships.push(Membership {
                person_id: Some(person_id.clone()),
                member: None,
                organization_id: ids.chamber.clone(),
                on_behalf_of_id: Some(Ids::bloc(state, &period.bloc)),
                role: "member",
                area: area(),
                start_date: Some(period.from.format("%Y-%m-%d").to_string()),
                end_date: period
                    .until
                    .map(|until| until.format("%Y-%m-%d").to_string()),
            });
        }
        // A member still sitting whose last bloc membership has ended sits without a
        // bloc from that day; without this seat an import would read a departure.
        let bloc_left_on = member.memberships.last().and_then(|period| period.until);
        if let (true, Some(left_on)) = (member.is_sitting(), bloc_left_on) {
            memberships.push(Membership {
                person_id: Some(person_id.clone()),
                member: None,
                organization_id: ids.chamber.clone(),
                on_behalf_of_id: None,
                role: "member",
                area: area(),
                start_date: Some(left_on.format("%Y-%m-%d").to_string()),
                end_date: None,
            });
        }
    }
    let mut events = Vec::new();
    for occasion in state.occasions.values() {
        let subject = Subject::Occasion(occasion.id.clone());
        events.push(Event {
            id: popolo_id(state, &subject, occasion.id.as_str()),
            name: occasion.name.clone(),
            classification: occasion.classification.clone(),
            organization_id: None,
            start_date: occasion.start.clone(),
            end_date: occasion.end.clone(),
            identifiers: identifiers(state, &subject, Some(occasion.id.as_str())),
        });
    }
    for sitting in state.sittings.values() {
        let subject = Subject::Sitting(sitting.id.clone());
        events.push(Event {
            id: sitting.id.to_string(),
            name: sitting.title.clone(),
            classification: Some("sitting".into()),
            organization_id: Some(ids.chamber.clone()),
            start_date: Some(time(&sitting.opened_at.unwrap_or(sitting.scheduled_for))),
            end_date: sitting.closed_at.as_ref().map(time),
            identifiers: identifiers(state, &subject, Some(sitting.id.as_str())),
        });
    }
    let size = state.size();
    let mut motions = Vec::new();
    for motion in state.motions.values() {
        let subject = Subject::Motion(motion.id.clone());
        let requirement = chamber
            .standing_orders
            .decisions
            .get(&motion.decision)
            .map(|rule| rule.describe(&size));
        let result = match motion.status {
            MotionStatus::Tabled => "pending",
            MotionStatus::Adopted => "pass",
            MotionStatus::Rejected => "fail",
            MotionStatus::Withdrawn => "withdrawn",
        };
        let creator_id = motion.sponsors.iter().find_map(|sponsor| match sponsor {
            Sponsor::Member(member) => Some(Ids::member(state, member)),
            Sponsor::Bloc(_) => None,
        });
        motions.push(Motion {
            id: popolo_id(state, &subject, motion.id.as_str()),
            organization_id: ids.chamber.clone(),
            title: motion.title.clone(),
            text: motion.text.clone(),
            classification: Some(motion.kind.in_words()),
            creator_id,
            date: Some(time(&motion.tabled_at)),
            requirement,
            result: Some(result.into()),
            identifiers: identifiers(state, &subject, Some(motion.id.as_str())),
        });
    }
    for motion in state.recorded_motions.values() {
        let subject = Subject::Motion(motion.id.clone());
        motions.push(Motion {
            id: popolo_id(state, &subject, motion.id.as_str()),
            organization_id: ids.chamber.clone(),
            title: motion.title.clone(),
            text: motion.text.clone(),
            classification: motion.classification.clone(),
            creator_id: None,
            date: None,
            requirement: motion.requirement.clone(),
            result: motion.result.clone(),
            identifiers: identifiers(state, &subject, Some(motion.id.as_str())),
        });
    }
    let mut vote_events: Vec<VoteEvent> = state
        .divisions
        .values()
        .map(|division| live_vote_event(state, &ids, division))
        .collect();
    vote_events.extend(
        state
            .recorded_divisions
            .values()
            .map(|division| recorded_vote_event(state, &ids, division)),
    );
    Ok(Document {
        persons,
        organizations,
        memberships,
        events,
        motions,
        vote_events,
    })
}

/// Writes the chamber as a Popolo document (pretty-printed JSON, UTF-8).
pub fn write_popolo(state: &State, writer: impl Write) -> Result<(), ExportError> {
    let document = document(state)?;
    serde_json::to_writer_pretty(writer, &document)
        .map_err(|error| ExportError::Write(std::io::Error::other(error)))
}

/// The chamber as a Popolo document, as bytes (for a file or an HTTP response).
pub fn export_popolo(state: &State) -> Result<Vec<u8>, ExportError> {
    let mut bytes = Vec::new();
    write_popolo(state, &mut bytes)?;
    bytes.push(b'\n');
    Ok(bytes)
}
