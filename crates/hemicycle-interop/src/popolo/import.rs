//! The Popolo import: a document planned, object by object, into chamber commands.

use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, NaiveDate};
use serde_json::Value;

use hemicycle_core::history::{
    is_partial_date, ExternalIdentifier, Link, MemberDetails, RecordedCounts, RecordedOption,
    Subject,
};
use hemicycle_core::ids::{BlocId, CoalitionId, DivisionId, MemberId, MotionId, OccasionId};
use hemicycle_core::model::{BlocKind, Date, Timestamp};
use hemicycle_core::{Command, State};

use crate::error::ImportError;
use crate::json::{at, Node, PathError};
use crate::plan::{ImportPlan, NewChamber, Planner};
use crate::slug;
use crate::{HEMICYCLE_SCHEME, POPOLO_SCHEME};

/// The largest Popolo document read: 256 MiB.
pub const POPOLO_BYTES_MAX: u64 = 256 * 1024 * 1024;

/// What an organization is to the chamber, by its `classification`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Legislature,
    Bloc(BlocKind),
    Coalition,
    Other,
}

fn role_of(classification: Option<&str>) -> Role {
    let Some(classification) = classification else {
        return Role::Bloc(BlocKind::Other);
    };
    match classification.trim().to_lowercase().as_str() {
        "legislature" | "chamber" | "parliament" => Role::Legislature,
        "party" | "political party" => Role::Bloc(BlocKind::Party),
        "list" | "electoral list" | "alliance" => Role::Bloc(BlocKind::List),
        "parliamentary group" | "group" | "faction" | "caucus" | "bloc" => {
            Role::Bloc(BlocKind::Group)
        }
        "other" | "independent" => Role::Bloc(BlocKind::Other),
        "coalition" => Role::Coalition,
        _ => Role::Other,
    }
}

/// A date as Popolo writes one — `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a date and time —
/// as the first day it can mean.
fn first_day(text: &str) -> Option<Date> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.date_naive());
    }
    let day = text.get(..10).unwrap_or(text);
    if is_partial_date(day) {
        let padded = match day.len() {
            4 => format!("{day}-01-01"),
            7 => format!("{day}-01"),
            _ => day.to_owned(),
        };
        return NaiveDate::parse_from_str(&padded, "%Y-%m-%d").ok();
    }
    None
}

fn date_field(node: &Node<'_>, name: &str) -> Result<Option<Date>, PathError> {
    match node.text(name)? {
        None => Ok(None),
        Some(text) => first_day(text).map(Some).ok_or_else(|| {
            at(
                node.field_path(name),
                format!("\"{text}\" is not a date like 2014, 2014-07 or 2014-07-01"),
            )
        }),
    }
}

/// The object's identifiers: `identifiers` as given (a null scheme is `unspecified`).
fn listed_identifiers(node: &Node<'_>) -> Result<Vec<ExternalIdentifier>, PathError> {
    let mut list = Vec::new();
    for item in node.items("identifiers")? {
        let identifier = item.required_text("identifier")?;
        let scheme = item.text("scheme")?.unwrap_or("unspecified");
        list.push(ExternalIdentifier {
            scheme: scheme.to_owned(),
            identifier: identifier.to_owned(),
        });
    }
    Ok(list)
}

/// An object's id and identifiers, and the subject they match in the state, if any.
struct Matched {
    id: String,
    identifiers: Vec<ExternalIdentifier>,
    /// The slug named by a `hemicycle` identifier, if any.
    ours: Option<String>,
    existing: Option<Subject>,
}

fn match_object(scratch: &State, node: &Node<'_>, kind: &str) -> Result<Matched, PathError> {
    let id = node.required_text("id")?.to_owned();
    let listed = listed_identifiers(node)?;
    // An identifier of ours that is not a valid slug for the kind cannot name
    // anything of ours: it is ignored, so the object is matched (and, on a
    // re-import, found again) by its id like any other.
    let ours = listed
        .iter()
        .find(|identifier| identifier.scheme == HEMICYCLE_SCHEME)
        .map(|identifier| identifier.identifier.clone())
        .filter(|slug| subject_named(kind, slug).is_some());
    let identifiers: Vec<ExternalIdentifier> = listed
        .into_iter()
        .filter(|identifier| identifier.scheme != HEMICYCLE_SCHEME)
        .collect();
    let mut existing = scratch
        .subject_with_identifier(kind, POPOLO_SCHEME, &id)
        .cloned();
    for identifier in &identifiers {
        if existing.is_some() {
            break;
        }
        existing = scratch
            .subject_with_identifier(kind, &identifier.scheme, &identifier.identifier)
            .cloned();
    }
    if existing.is_none() {
        // Our own export names the object by our identifier: the same object, if it exists.
        let candidate = ours.clone().unwrap_or_else(|| id.clone());
        existing = subject_named(kind, &candidate).filter(|subject| {
            scratch.subject_exists(subject)
                && (ours.is_some() || scratch.identifiers_of(subject).is_empty())
        });
    }
    Ok(Matched {
        id,
        identifiers,
        ours,
        existing,
    })
}

/// The subject of a kind with a given slug (if the slug is one).
fn subject_named(kind: &str, slug: &str) -> Option<Subject> {
    Some(match kind {
        "member" => Subject::Member(MemberId::new(slug).ok()?),
        "bloc" => Subject::Bloc(BlocId::new(slug).ok()?),
        "coalition" => Subject::Coalition(CoalitionId::new(slug).ok()?),
        "motion" => Subject::Motion(MotionId::new(slug).ok()?),
        "division" => Subject::Division(DivisionId::new(slug).ok()?),
        "occasion" => Subject::Occasion(OccasionId::new(slug).ok()?),
        "sitting" => Subject::Sitting(hemicycle_core::ids::SittingId::new(slug).ok()?),
        _ => return None,
    })
}

/// The slug for a new object: our own identifier if the file carries one that is free,
/// otherwise one derived from its id, made unique.
fn new_slug(scratch: &State, matched: &Matched, kind: &str, fallback: &str) -> String {
    let free = |slug: &str| {
        subject_named(kind, slug).is_some_and(|subject| !scratch.subject_exists(&subject))
    };
    if let Some(ours) = &matched.ours {
        if free(ours) {
            return ours.clone();
        }
    }
    slug::unique(slug::derive(&matched.id, fallback), |slug| !free(slug))
}

/// Identifiers to record for `subject`: the original id (unless it is the slug itself)
/// and every listed identifier, less those already held.
fn identifiers_to_record(
    scratch: &State,
    subject: &Subject,
    slug: &str,
    matched: &Matched,
) -> Vec<ExternalIdentifier> {
    let mut wanted = Vec::new();
    if matched.id != slug {
        wanted.push(ExternalIdentifier {
            scheme: POPOLO_SCHEME.to_owned(),
            identifier: matched.id.clone(),
        });
    }
    wanted.extend(matched.identifiers.iter().cloned());
    let held = scratch.identifiers_of(subject);
    let mut out: Vec<ExternalIdentifier> = Vec::new();
    for identifier in wanted {
        let taken_elsewhere = scratch
            .subject_with_identifier(
                subject.kind_name(),
                &identifier.scheme,
                &identifier.identifier,
            )
            .is_some_and(|owner| owner != subject);
        if !held.contains(&identifier) && !out.contains(&identifier) && !taken_elsewhere {
            out.push(identifier);
        }
    }
    out
}

fn links(node: &Node<'_>, name: &str) -> Result<Vec<Link>, PathError> {
    node.items(name)?
        .iter()
        .map(|item| {
            Ok(Link {
                url: item.required_text("url")?.to_owned(),
                note: item.text("note")?.map(str::to_owned),
            })
        })
        .collect()
}

fn person_details(node: &Node<'_>) -> Result<MemberDetails, PathError> {
    let text = |name: &str| -> Result<Option<String>, PathError> {
        Ok(node.text(name)?.map(str::to_owned))
    };
    let partial = |name: &str| -> Result<Option<String>, PathError> {
        match node.text(name)? {
            Some(date) if !is_partial_date(date) => Err(at(
                node.field_path(name),
                format!("\"{date}\" is not a date like 1974, 1974-03 or 1974-03-21"),
            )),
            other => Ok(other.map(str::to_owned)),
        }
    };
    let mut other_names = Vec::new();
    for item in node.items("other_names")? {
        if let Some(name) = item.text("name")? {
            other_names.push(name.to_owned());
        }
    }
    Ok(MemberDetails {
        given_name: text("given_name")?,
        family_name: text("family_name")?,
        sort_name: text("sort_name")?,
        honorific_prefix: text("honorific_prefix")?,
        other_names,
        gender: text("gender")?,
        birth_date: partial("birth_date")?,
        death_date: partial("death_date")?,
        email: text("email")?,
        image: text("image")?,
        links: links(node, "links")?,
        sources: links(node, "sources")?,
    })
}

/// The first line of `text`, cut at `maximum` bytes on a character boundary.
fn title_from(text: &str, maximum: usize) -> String {
    let line = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or(text)
        .trim();
    if line.len() <= maximum {
        return line.to_owned();
    }
    let mut end = maximum.saturating_sub(3);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &line[..end])
}

struct Organization<'a> {
    role: Role,
    name: Option<&'a str>,
}

/// A membership of the legislature: a seat, perhaps on behalf of a bloc.
struct Seat<'a> {
    node: Node<'a>,
    bloc: Option<BlocId>,
    from: Date,
    until: Option<Date>,
    area: Option<String>,
}

/// Plans importing a Popolo document into the chamber whose state is `state`.
///
/// `origin` names the document in errors; `at` is when the import happens (the time of
/// every planned command); `new_chamber` is needed when the journal is empty.
pub fn plan_popolo_import(
    state: &State,
    reader: impl Read,
    origin: &str,
    at_time: Timestamp,
    new_chamber: Option<&NewChamber>,
) -> Result<ImportPlan, ImportError> {
    let mut bytes = Vec::new();
    reader
        .take(POPOLO_BYTES_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| ImportError::File {
            origin: origin.to_owned(),
            message: format!("cannot be read: {error}"),
        })?;
    if bytes.len() as u64 > POPOLO_BYTES_MAX {
        return Err(ImportError::File {
            origin: origin.to_owned(),
            message: format!("is larger than {POPOLO_BYTES_MAX} bytes"),
        });
    }
    let document: Value = serde_json::from_slice(&bytes).map_err(|error| ImportError::File {
        origin: origin.to_owned(),
        message: format!(
            "is not JSON: {error} (line {}, column {})",
            error.line(),
            error.column()
        ),
    })?;
    drop(bytes);
    let mut importer = Importer {
        planner: Planner::new(state, at_time),
        origin,
        original: state,
        claimed: std::collections::HashMap::new(),
    };
    importer.run(&document, new_chamber)?;
    Ok(importer.planner.take())
}

struct Importer<'o> {
    planner: Planner,
    origin: &'o str,
    /// The state before this file: an object of the file may match a subject
    /// of it, but never one that an earlier object of the same file created.
    original: &'o State,
    /// The subjects of the state matched so far, with the object that did:
    /// two objects of one file are never the same subject (else each import
    /// would undo the other's details, and re-importing would change things).
    claimed: std::collections::HashMap<Subject, String>,
}

impl Importer<'_> {
    /// Matches an object with a subject, refusing a file in which two objects
    /// are the same subject.
    fn matched(&mut self, node: &Node<'_>, kind: &str) -> Result<Matched, ImportError> {
        let matched = match_object(&self.planner.scratch, node, kind).map_err(|e| self.json(e))?;
        if kind == "chamber" {
            return Ok(matched);
        }
        if let Some(subject) = &matched.existing {
            let here = node.path();
            let earlier = if self.original.subject_exists(subject) {
                self.claimed.get(subject).cloned()
            } else {
                Some("an earlier object of this file".to_owned())
            };
            if let Some(earlier) = earlier {
                return Err(self.json(at(
                    here,
                    format!(
                        "this {kind} is the same as {earlier} (they share an id or identifier); each must be listed once"
                    ),
                )));
            }
            self.claimed.insert(subject.clone(), here);
        }
        Ok(matched)
    }

    fn json(&self, error: PathError) -> ImportError {
        ImportError::Json {
            origin: self.origin.to_owned(),
            path: error.path,
            message: error.message,
        }
    }

    fn command(&mut self, path: &str, command: Command) -> Result<(), ImportError> {
        let origin = format!("{}: {path}", self.origin);
        self.planner.run(origin, command)
    }

    fn record_identifiers(
        &mut self,
        path: &str,
        subject: &Subject,
        identifiers: Vec<ExternalIdentifier>,
    ) -> Result<bool, ImportError> {
        if identifiers.is_empty() {
            return Ok(false);
        }
        self.command(
            path,
            Command::RecordIdentifiers {
                subject: subject.clone(),
                identifiers,
            },
        )?;
        Ok(true)
    }

    fn run(
        &mut self,
        document: &Value,
        new_chamber: Option<&NewChamber>,
    ) -> Result<(), ImportError> {
        let root = Node::root(document);
        let organizations = root.items("organizations").map_err(|e| self.json(e))?;
        let persons = root.items("persons").map_err(|e| self.json(e))?;
        let memberships = root.items("memberships").map_err(|e| self.json(e))?;
        let events = root.items("events").map_err(|e| self.json(e))?;
        let motions = root.items("motions").map_err(|e| self.json(e))?;
        let vote_events = root.items("vote_events").map_err(|e| self.json(e))?;
        let loose_votes = root.items("votes").map_err(|e| self.json(e))?;
        let areas = root.items("areas").map_err(|e| self.json(e))?;

        // Index everything by id first, so that references can be checked in any order.
        let mut organization_index: HashMap<&str, Organization<'_>> = HashMap::new();
        let mut legislature: Option<(&str, Node<'_>)> = None;
        for node in &organizations {
            let id = node.required_text("id").map_err(|e| self.json(e))?;
            let classification = node.text("classification").map_err(|e| self.json(e))?;
            let role = role_of(classification);
            if role == Role::Legislature {
                if let Some((first, _)) = &legislature {
                    return Err(self.json(at(
                        node.field_path("classification"),
                        format!(
                            "a second legislature (the first is \"{first}\"); a journal keeps one chamber"
                        ),
                    )));
                }
                legislature = Some((id, node.clone()));
            }
            let name = node.text("name").map_err(|e| self.json(e))?;
            if organization_index
                .insert(id, Organization { role, name })
                .is_some()
            {
                return Err(self.json(at(node.field_path("id"), format!("duplicate id \"{id}\""))));
            }
        }
        let mut person_index: HashMap<&str, Node<'_>> = HashMap::new();
        for node in &persons {
            let id = node.required_text("id").map_err(|e| self.json(e))?;
            node.required_text("name").map_err(|e| self.json(e))?;
            if person_index.insert(id, node.clone()).is_some() {
                return Err(self.json(at(node.field_path("id"), format!("duplicate id \"{id}\""))));
            }
        }
        let mut event_index: HashMap<&str, Node<'_>> = HashMap::new();
        for node in &events {
            let id = node.required_text("id").map_err(|e| self.json(e))?;
            if event_index.insert(id, node.clone()).is_some() {
                return Err(self.json(at(node.field_path("id"), format!("duplicate id \"{id}\""))));
            }
        }
        let mut post_labels: HashMap<&str, &str> = HashMap::new();
        for node in &root.items("posts").map_err(|e| self.json(e))? {
            if let (Some(id), Some(label)) = (
                node.text("id").map_err(|e| self.json(e))?,
                node.text("label").map_err(|e| self.json(e))?,
            ) {
                post_labels.insert(id, label);
            }
        }
        let mut area_names: HashMap<&str, &str> = HashMap::new();
        for node in &areas {
            if let (Some(id), Some(name)) = (
                node.text("id").map_err(|e| self.json(e))?,
                node.text("name").map_err(|e| self.json(e))?,
            ) {
                area_names.insert(id, name);
            }
        }

        // The chamber.
        self.chamber(legislature.as_ref().map(|(_, node)| node), new_chamber)?;

        // Blocs, then coalitions.
        let mut bloc_of: HashMap<&str, BlocId> = HashMap::new();
        for node in &organizations {
            let id = node.required_text("id").map_err(|e| self.json(e))?;
            let organization = &organization_index[id];
            self.planner.report().kind("organizations").read += 1;
            match organization.role {
                Role::Legislature => {}
                Role::Bloc(kind) => {
                    let bloc = self.bloc(node, kind, organization.name)?;
                    bloc_of.insert(id, bloc);
                }
                Role::Coalition => {}
                Role::Other => self.planner.report().kind("organizations").skipped += 1,
            }
        }

        // Memberships: check every reference, then sort them into seats and coalitions.
        let mut seats: HashMap<&str, Vec<Seat<'_>>> = HashMap::new();
        let mut coalition_blocs: HashMap<&str, Vec<BlocId>> = HashMap::new();
        for node in &memberships {
            self.planner.report().kind("memberships").read += 1;
            let organization_id = node
                .required_text("organization_id")
                .map_err(|e| self.json(e))?;
            let Some(organization) = organization_index.get(organization_id) else {
                return Err(self.json(at(
                    node.field_path("organization_id"),
                    format!("no organization \"{organization_id}\""),
                )));
            };
            let person_id = node.text("person_id").map_err(|e| self.json(e))?;
            if let Some(person_id) = person_id {
                if !person_index.contains_key(person_id) {
                    return Err(self.json(at(
                        node.field_path("person_id"),
                        format!("no person \"{person_id}\""),
                    )));
                }
            }
            let on_behalf_of = node.text("on_behalf_of_id").map_err(|e| self.json(e))?;
            let bloc = match on_behalf_of {
                None => None,
                Some(bloc_id) => match organization_index.get(bloc_id) {
                    None => {
                        return Err(self.json(at(
                            node.field_path("on_behalf_of_id"),
                            format!("no organization \"{bloc_id}\""),
                        )))
                    }
                    Some(_) => match bloc_of.get(bloc_id) {
                        Some(bloc) => Some(bloc.clone()),
                        None => {
                            return Err(self.json(at(
                                node.field_path("on_behalf_of_id"),
                                format!(
                                    "organization \"{bloc_id}\" is not a party, list or group (its classification)"
                                ),
                            )))
                        }
                    },
                },
            };
            match (organization.role, person_id) {
                (Role::Legislature, Some(person_id)) => {
                    let from = match date_field(node, "start_date").map_err(|e| self.json(e))? {
                        Some(date) => date,
                        None => self.period_start(node, &event_index)?,
                    };
                    let until = date_field(node, "end_date").map_err(|e| self.json(e))?;
                    let post = node
                        .text("post_id")
                        .map_err(|e| self.json(e))?
                        .and_then(|id| post_labels.get(id).map(|label| (*label).to_owned()));
                    let area = match node.child("area").map_err(|e| self.json(e))? {
                        Some(area) => area
                            .text("name")
                            .map_err(|e| self.json(e))?
                            .map(str::to_owned),
                        None => node
                            .text("area_id")
                            .map_err(|e| self.json(e))?
                            .and_then(|id| area_names.get(id).map(|name| (*name).to_owned())),
                    };
                    seats.entry(person_id).or_default().push(Seat {
                        node: node.clone(),
                        bloc,
                        from,
                        until,
                        area: area.or(post),
                    });
                }
                (Role::Coalition, None) => {
                    let member = node.child("member").map_err(|e| self.json(e))?;
                    let member_id = match &member {
                        Some(member) => member.text("id").map_err(|e| self.json(e))?,
                        None => None,
                    };
                    match member_id.and_then(|id| bloc_of.get(id)) {
                        Some(bloc) => coalition_blocs
                            .entry(organization_id)
                            .or_default()
                            .push(bloc.clone()),
                        None => self.planner.report().kind("memberships").skipped += 1,
                    }
                }
                _ => self.planner.report().kind("memberships").skipped += 1,
            }
        }
        for node in &organizations {
            let id = node.required_text("id").map_err(|e| self.json(e))?;
            if organization_index[id].role == Role::Coalition {
                let blocs = coalition_blocs.remove(id).unwrap_or_default();
                self.coalition(node, blocs)?;
            }
        }

        // Occasions (Popolo events).
        for node in &events {
            self.occasion(node)?;
        }

        // Persons holding a seat become members.
        let mut member_of: HashMap<&str, MemberId> = HashMap::new();
        for node in &persons {
            let id = node.required_text("id").map_err(|e| self.json(e))?;
            self.planner.report().kind("persons").read += 1;
            let Some(mut periods) = seats.remove(id) else {
                self.planner.report().kind("persons").skipped += 1;
                continue;
            };
            periods.sort_by_key(|seat| seat.from);
            let member = self.person(node, &periods)?;
            member_of.insert(id, member);
        }

        // Motions and vote events.
        let mut motion_of: HashMap<&str, MotionId> = HashMap::new();
        for node in &motions {
            let id = node.required_text("id").map_err(|e| self.json(e))?;
            let motion = self.motion(node)?;
            if motion_of.insert(id, motion).is_some() {
                return Err(self.json(at(node.field_path("id"), format!("duplicate id \"{id}\""))));
            }
        }
        let mut loose: HashMap<&str, Vec<Node<'_>>> = HashMap::new();
        for node in &loose_votes {
            let vote_event = node
                .required_text("vote_event_id")
                .map_err(|e| self.json(e))?;
            loose.entry(vote_event).or_default().push(node.clone());
        }
        let mut seen_vote_events: HashMap<&str, String> = HashMap::new();
        for node in &vote_events {
            let id = node.required_text("id").map_err(|e| self.json(e))?;
            if let Some(first) = seen_vote_events.insert(id, node.path()) {
                return Err(self.json(at(
                    node.field_path("id"),
                    format!("duplicate id \"{id}\" (also {first})"),
                )));
            }
            let mut votes = node.items("votes").map_err(|e| self.json(e))?;
            votes.extend(loose.remove(id).unwrap_or_default());
            self.vote_event(node, &votes, &member_of, &person_index, &motion_of)?;
        }
        if let Some((vote_event, votes)) = loose.into_iter().next() {
            return Err(self.json(at(
                votes[0].field_path("vote_event_id"),
                format!("no vote event \"{vote_event}\""),
            )));
        }
        Ok(())
    }

    fn period_start(
        &self,
        node: &Node<'_>,
        events: &HashMap<&str, Node<'_>>,
    ) -> Result<Date, ImportError> {
        let missing = || {
            self.json(at(
                node.field_path("start_date"),
                "missing, and no legislative period (legislative_period_id) gives a start date",
            ))
        };
        let period = node
            .text("legislative_period_id")
            .map_err(|e| self.json(e))?
            .ok_or_else(missing)?;
        let event = events.get(period).ok_or_else(|| {
            self.json(at(
                node.field_path("legislative_period_id"),
                format!("no event \"{period}\""),
            ))
        })?;
        date_field(event, "start_date")
            .map_err(|e| self.json(e))?
            .ok_or_else(missing)
    }

    fn chamber(
        &mut self,
        legislature: Option<&Node<'_>>,
        new_chamber: Option<&NewChamber>,
    ) -> Result<(), ImportError> {
        let path = legislature.map_or_else(|| "(document)".to_owned(), Node::path);
        if self.planner.scratch.chamber.is_none() {
            let Some(new_chamber) = new_chamber else {
                return Err(ImportError::File {
                    origin: self.origin.to_owned(),
                    message: "the journal is empty: name the standing orders of the new chamber (--preset NAME)".into(),
                });
            };
            let (file_name, file_seats) = match legislature {
                Some(node) => (
                    node.text("name").map_err(|e| self.json(e))?,
                    node.count("seats").map_err(|e| self.json(e))?,
                ),
                None => (None, None),
            };
            let name = new_chamber
                .name
                .clone()
                .or(file_name.map(str::to_owned))
                .unwrap_or_else(|| new_chamber.default_name.clone());
            let seats = new_chamber
                .seats
                .or(file_seats)
                .unwrap_or(new_chamber.default_seats);
            self.command(
                &path,
                Command::EstablishChamber {
                    name,
                    seats,
                    standing_orders: new_chamber.standing_orders.clone(),
                },
            )?;
            self.planner.report().kind("chamber").added += 1;
        } else if legislature.is_some() {
            self.planner.report().kind("chamber").unchanged += 1;
        }
        if let Some(node) = legislature {
            let matched = self.matched(node, "chamber")?;
            let identifiers = identifiers_to_record(
                &self.planner.scratch,
                &Subject::Chamber,
                "chamber",
                &matched,
            );
            if self.record_identifiers(&path, &Subject::Chamber, identifiers)? {
                let counts = self.planner.report().kind("chamber");
                if counts.unchanged > 0 {
                    counts.unchanged -= 1;
                    counts.changed += 1;
                }
            }
        }
        Ok(())
    }

    fn bloc(
        &mut self,
        node: &Node<'_>,
        kind: BlocKind,
        name: Option<&str>,
    ) -> Result<BlocId, ImportError> {
        let path = node.path();
        let matched = self.matched(node, "bloc")?;
        let (bloc, is_new) = match &matched.existing {
            Some(Subject::Bloc(bloc)) => (bloc.clone(), false),
            _ => {
                let slug = new_slug(&self.planner.scratch, &matched, "bloc", "bloc");
                let bloc = BlocId::new(slug)
                    .map_err(|error| self.json(at(node.field_path("id"), error.to_string())))?;
                let name = name.ok_or_else(|| {
                    self.json(at(
                        node.field_path("name"),
                        "missing (a non-empty string is required)",
                    ))
                })?;
                let mut short_name = None;
                for other in node.items("other_names").map_err(|e| self.json(e))? {
                    if other.text("note").map_err(|e| self.json(e))? == Some("short name") {
                        short_name = other
                            .text("name")
                            .map_err(|e| self.json(e))?
                            .map(str::to_owned);
                    }
                }
                // Our own extension; a colour that is not #rrggbb is left out, not an error.
                let colour = node
                    .text("colour")
                    .map_err(|e| self.json(e))?
                    .filter(|colour| {
                        colour.len() == 7
                            && colour.starts_with('#')
                            && colour[1..].chars().all(|c| c.is_ascii_hexdigit())
                    })
                    .map(str::to_owned);
                self.command(
                    &path,
                    Command::RegisterBloc {
                        bloc: bloc.clone(),
                        name: name.to_owned(),
                        short_name,
                        kind,
                        colour,
                    },
                )?;
                (bloc, true)
            }
        };
        let subject = Subject::Bloc(bloc.clone());
        let identifiers =
            identifiers_to_record(&self.planner.scratch, &subject, bloc.as_str(), &matched);
        let changed = self.record_identifiers(&path, &subject, identifiers)?;
        if !is_new {
            if let (Some(name), Some(record)) = (name, self.planner.scratch.blocs.get(&bloc)) {
                if record.name != name {
                    let note = format!(
                        "{path}: the name differs from bloc {bloc}'s (\"{}\"); blocs are not renamed by an import",
                        record.name
                    );
                    self.planner.report().notes.push(note);
                }
            }
        }
        self.count("organizations", is_new, changed);
        Ok(bloc)
    }

    fn count(&mut self, kind: &str, is_new: bool, changed: bool) {
        let counts = self.planner.report().kind(kind);
        if is_new {
            counts.added += 1;
        } else if changed {
            counts.changed += 1;
        } else {
            counts.unchanged += 1;
        }
    }

    fn coalition(&mut self, node: &Node<'_>, blocs: Vec<BlocId>) -> Result<(), ImportError> {
        let path = node.path();
        let matched = self.matched(node, "coalition")?;
        let mut changed = false;
        let (coalition, is_new) = match &matched.existing {
            Some(Subject::Coalition(coalition)) => {
                let held = self.planner.scratch.coalitions[coalition].blocs.clone();
                for bloc in blocs.iter().filter(|bloc| !held.contains(*bloc)) {
                    self.command(
                        &path,
                        Command::JoinCoalition {
                            coalition: coalition.clone(),
                            bloc: bloc.clone(),
                        },
                    )?;
                    changed = true;
                }
                (coalition.clone(), false)
            }
            _ => {
                let slug = new_slug(&self.planner.scratch, &matched, "coalition", "coalition");
                let coalition = CoalitionId::new(slug)
                    .map_err(|error| self.json(at(node.field_path("id"), error.to_string())))?;
                let name = node.required_text("name").map_err(|e| self.json(e))?;
                let mut unique = Vec::new();
                for bloc in blocs {
                    if !unique.contains(&bloc) {
                        unique.push(bloc);
                    }
                }
                self.command(
                    &path,
                    Command::FormCoalition {
                        coalition: coalition.clone(),
                        name: name.to_owned(),
                        blocs: unique,
                    },
                )?;
                (coalition, true)
            }
        };
        let subject = Subject::Coalition(coalition.clone());
        let identifiers = identifiers_to_record(
            &self.planner.scratch,
            &subject,
            coalition.as_str(),
            &matched,
        );
        changed |= self.record_identifiers(&path, &subject, identifiers)?;
        self.count("organizations", is_new, changed);
        Ok(())
    }

    fn occasion(&mut self, node: &Node<'_>) -> Result<(), ImportError> {
        let path = node.path();
        self.planner.report().kind("events").read += 1;
        let classification = node.text("classification").map_err(|e| self.json(e))?;
        let matched = self.matched(node, "occasion")?;
        // Our own export lists the sittings as events: the same sittings, not occasions.
        if classification == Some("sitting") {
            let slug = matched.ours.clone().unwrap_or_else(|| matched.id.clone());
            if subject_named("sitting", &slug)
                .is_some_and(|subject| self.planner.scratch.subject_exists(&subject))
            {
                self.planner.report().kind("events").unchanged += 1;
                return Ok(());
            }
        }
        let (occasion, is_new) = match &matched.existing {
            Some(Subject::Occasion(occasion)) => (occasion.clone(), false),
            _ => {
                let slug = new_slug(&self.planner.scratch, &matched, "occasion", "occasion");
                let occasion = OccasionId::new(slug)
                    .map_err(|error| self.json(at(node.field_path("id"), error.to_string())))?;
                let name = node
                    .text("name")
                    .map_err(|e| self.json(e))?
                    .unwrap_or(matched.id.as_str())
                    .to_owned();
                let start = node.text("start_date").map_err(|e| self.json(e))?;
                let end = node.text("end_date").map_err(|e| self.json(e))?;
                for (field, value) in [("start_date", start), ("end_date", end)] {
                    if let Some(value) = value {
                        if first_day(value).is_none() {
                            return Err(self.json(at(
                                node.field_path(field),
                                format!("\"{value}\" is not a date or a date and time"),
                            )));
                        }
                    }
                }
                self.command(
                    &path,
                    Command::RecordOccasion {
                        occasion: occasion.clone(),
                        name,
                        classification: classification.map(str::to_owned),
                        start: start.map(str::to_owned),
                        end: end.map(str::to_owned),
                    },
                )?;
                (occasion, true)
            }
        };
        let subject = Subject::Occasion(occasion.clone());
        let identifiers =
            identifiers_to_record(&self.planner.scratch, &subject, occasion.as_str(), &matched);
        let changed = self.record_identifiers(&path, &subject, identifiers)?;
        self.count("events", is_new, changed);
        Ok(())
    }

    fn person(&mut self, node: &Node<'_>, seats: &[Seat<'_>]) -> Result<MemberId, ImportError> {
        let path = node.path();
        let matched = self.matched(node, "member")?;
        let name = node.required_text("name").map_err(|e| self.json(e))?;
        let details = person_details(node).map_err(|e| self.json(e))?;
        let first = &seats[0];
        let last = &seats[seats.len() - 1];
        let mut changed = false;
        let (member, is_new) = match &matched.existing {
            Some(Subject::Member(member)) => {
                let record = self.planner.scratch.members[member].clone();
                if record.name != name {
                    self.command(
                        &path,
                        Command::RenameMember {
                            member: member.clone(),
                            name: name.to_owned(),
                        },
                    )?;
                    changed = true;
                }
                if record.is_sitting() {
                    let current = record.current_bloc().cloned();
                    if current != last.bloc && last.until.is_none() {
                        let since = record
                            .memberships
                            .last()
                            .map_or(last.from, |membership| membership.from.max(last.from));
                        self.command(
                            &last.node.path(),
                            Command::ChangeBloc {
                                member: member.clone(),
                                bloc: last.bloc.clone(),
                                on: since,
                            },
                        )?;
                        changed = true;
                    }
                    if let Some(until) = last.until {
                        self.command(
                            &last.node.path(),
                            Command::DepartMember {
                                member: member.clone(),
                                reason: "membership ended".into(),
                                on: until,
                            },
                        )?;
                        changed = true;
                    }
                }
                (member.clone(), false)
            }
            _ => {
                let slug = new_slug(&self.planner.scratch, &matched, "member", "member");
                let member = MemberId::new(slug)
                    .map_err(|error| self.json(at(node.field_path("id"), error.to_string())))?;
                self.command(
                    &first.node.path(),
                    Command::AdmitMember {
                        member: member.clone(),
                        name: name.to_owned(),
                        constituency: first.area.clone(),
                        bloc: first.bloc.clone(),
                        on: first.from,
                    },
                )?;
                let mut current = first.bloc.clone();
                for (index, seat) in seats.iter().enumerate() {
                    let is_last = index + 1 == seats.len();
                    if index > 0 && seat.bloc != current {
                        self.command(
                            &seat.node.path(),
                            Command::ChangeBloc {
                                member: member.clone(),
                                bloc: seat.bloc.clone(),
                                on: seat.from,
                            },
                        )?;
                        current = seat.bloc.clone();
                    }
                    if let (Some(until), true) = (seat.until, is_last) {
                        self.command(
                            &seat.node.path(),
                            Command::DepartMember {
                                member: member.clone(),
                                reason: "membership ended".into(),
                                on: until,
                            },
                        )?;
                    }
                }
                (member, true)
            }
        };
        let held = self
            .planner
            .scratch
            .member_details
            .get(&member)
            .cloned()
            .unwrap_or_default();
        if held != details {
            self.command(
                &path,
                Command::RecordMemberDetails {
                    member: member.clone(),
                    details,
                },
            )?;
            changed |= !is_new;
        }
        let subject = Subject::Member(member.clone());
        let identifiers =
            identifiers_to_record(&self.planner.scratch, &subject, member.as_str(), &matched);
        changed |= self.record_identifiers(&path, &subject, identifiers)?;
        self.count("persons", is_new, changed);
        let counts = self.planner.report().kind("memberships");
        let seats_read = seats.len() as u64;
        if is_new {
            counts.added += seats_read;
        } else if changed {
            counts.changed += seats_read;
        } else {
            counts.unchanged += seats_read;
        }
        Ok(member)
    }

    fn motion(&mut self, node: &Node<'_>) -> Result<MotionId, ImportError> {
        let path = node.path();
        self.planner.report().kind("motions").read += 1;
        let matched = self.matched(node, "motion")?;
        let (motion, is_new) = match &matched.existing {
            Some(Subject::Motion(motion)) => (motion.clone(), false),
            _ => {
                let slug = new_slug(&self.planner.scratch, &matched, "motion", "motion");
                let motion = MotionId::new(slug)
                    .map_err(|error| self.json(at(node.field_path("id"), error.to_string())))?;
                let text = node.text("text").map_err(|e| self.json(e))?;
                let title = match node.text("title").map_err(|e| self.json(e))? {
                    Some(title) => title.to_owned(),
                    None => title_from(
                        text.or(node.text("identifier").map_err(|e| self.json(e))?)
                            .unwrap_or(matched.id.as_str()),
                        hemicycle_core::history::DETAIL_LENGTH_MAX.min(200),
                    ),
                };
                let on = date_field(node, "date").map_err(|e| self.json(e))?;
                let text = |name: &str| -> Result<Option<String>, ImportError> {
                    Ok(node
                        .text(name)
                        .map_err(|e| self.json(e))?
                        .map(str::to_owned))
                };
                self.command(
                    &path,
                    Command::RecordMotion {
                        motion: motion.clone(),
                        text: text("text")?.unwrap_or_else(|| title.clone()),
                        title,
                        classification: text("classification")?,
                        requirement: text("requirement")?,
                        result: text("result")?,
                        on,
                    },
                )?;
                (motion, true)
            }
        };
        let subject = Subject::Motion(motion.clone());
        let identifiers =
            identifiers_to_record(&self.planner.scratch, &subject, motion.as_str(), &matched);
        let changed = self.record_identifiers(&path, &subject, identifiers)?;
        self.count("motions", is_new, changed);
        Ok(motion)
    }

    fn vote_event(
        &mut self,
        node: &Node<'_>,
        votes: &[Node<'_>],
        member_of: &HashMap<&str, MemberId>,
        persons: &HashMap<&str, Node<'_>>,
        motion_of: &HashMap<&str, MotionId>,
    ) -> Result<(), ImportError> {
        let path = node.path();
        self.planner.report().kind("vote_events").read += 1;
        self.planner.report().kind("votes").read += votes.len() as u64;
        let matched = self.matched(node, "division")?;
        let (division, is_new) = match &matched.existing {
            Some(Subject::Division(division)) => (division.clone(), false),
            _ => {
                let slug = new_slug(&self.planner.scratch, &matched, "division", "division");
                let division = DivisionId::new(slug)
                    .map_err(|error| self.json(at(node.field_path("id"), error.to_string())))?;
                let start = node.text("start_date").map_err(|e| self.json(e))?;
                let at_time = start.and_then(|start| DateTime::parse_from_rfc3339(start).ok());
                let on = match (start, node.text("date").map_err(|e| self.json(e))?) {
                    (Some(start), _) => first_day(start).ok_or_else(|| {
                        self.json(at(
                            node.field_path("start_date"),
                            format!("\"{start}\" is not a date and time"),
                        ))
                    })?,
                    (None, Some(day)) => first_day(day).ok_or_else(|| {
                        self.json(at(
                            node.field_path("date"),
                            format!("\"{day}\" is not a date"),
                        ))
                    })?,
                    (None, None) => {
                        return Err(self.json(at(
                            node.field_path("start_date"),
                            "missing: a vote event needs its date",
                        )))
                    }
                };
                let motion = match node.text("motion_id").map_err(|e| self.json(e))? {
                    None => None,
                    Some(motion_id) => Some(
                        motion_of
                            .get(motion_id)
                            .cloned()
                            .or_else(|| {
                                self.planner
                                    .scratch
                                    .subject_with_identifier("motion", POPOLO_SCHEME, motion_id)
                                    .and_then(|subject| match subject {
                                        Subject::Motion(motion) => Some(motion.clone()),
                                        _ => None,
                                    })
                            })
                            .ok_or_else(|| {
                                self.json(at(
                                    node.field_path("motion_id"),
                                    format!("no motion \"{motion_id}\""),
                                ))
                            })?,
                    ),
                };
                let question = match node.text("question").map_err(|e| self.json(e))? {
                    Some(question) => question.to_owned(),
                    None => {
                        let embedded = match node.child("motion").map_err(|e| self.json(e))? {
                            Some(embedded) => embedded
                                .text("text")
                                .map_err(|e| self.json(e))?
                                .map(str::to_owned),
                            None => None,
                        };
                        motion
                            .as_ref()
                            .and_then(|motion| {
                                self.planner
                                    .scratch
                                    .recorded_motions
                                    .get(motion)
                                    .map(|record| record.title.clone())
                                    .or_else(|| {
                                        self.planner
                                            .scratch
                                            .motions
                                            .get(motion)
                                            .map(|record| record.title.clone())
                                    })
                            })
                            .or(embedded)
                            .unwrap_or_else(|| format!("Vote event {}", matched.id))
                    }
                };
                let mut counts = RecordedCounts::default();
                for count in node.items("counts").map_err(|e| self.json(e))? {
                    let option = count.required_text("option").map_err(|e| self.json(e))?;
                    let value = count
                        .count("value")
                        .map_err(|e| self.json(e))?
                        .ok_or_else(|| self.json(at(count.field_path("value"), "missing")))?;
                    let grouped = count.get("group_id").map_err(|e| self.json(e))?.is_some()
                        || count.get("group").map_err(|e| self.json(e))?.is_some();
                    // Counts by group are derived from the votes; other options (e.g. a
                    // candidate) have no place in a recorded division's counts.
                    if let (false, Some(option)) = (grouped, RecordedOption::from_popolo(option)) {
                        counts.set(option, value);
                    }
                }
                let mut recorded = Vec::with_capacity(votes.len());
                for vote in votes {
                    let voter = vote.required_text("voter_id").map_err(|e| self.json(e))?;
                    let member = member_of
                        .get(voter)
                        .cloned()
                        .or_else(|| {
                            self.planner
                                .scratch
                                .subject_with_identifier("member", POPOLO_SCHEME, voter)
                                .and_then(|subject| match subject {
                                    Subject::Member(member) => Some(member.clone()),
                                    _ => None,
                                })
                        })
                        .or_else(|| {
                            MemberId::new(voter)
                                .ok()
                                .filter(|member| self.planner.scratch.members.contains_key(member))
                        })
                        .ok_or_else(|| {
                            let message = if persons.contains_key(voter) {
                                format!("person \"{voter}\" holds no seat in the chamber")
                            } else {
                                format!("no person \"{voter}\"")
                            };
                            self.json(at(vote.field_path("voter_id"), message))
                        })?;
                    let option_text = vote.required_text("option").map_err(|e| self.json(e))?;
                    let option = RecordedOption::from_popolo(option_text).ok_or_else(|| {
                        self.json(at(
                            vote.field_path("option"),
                            format!(
                                "unknown option \"{option_text}\"; expected yes, no, abstain, absent or not voting"
                            ),
                        ))
                    })?;
                    recorded.push((member, option));
                }
                self.command(
                    &path,
                    Command::RecordDivision {
                        division: division.clone(),
                        on,
                        at: at_time,
                        question: title_from(&question, hemicycle_core::history::DETAIL_LENGTH_MAX),
                        motion,
                        result: node
                            .text("result")
                            .map_err(|e| self.json(e))?
                            .map(str::to_owned),
                        counts,
                        votes: recorded,
                    },
                )?;
                self.planner.report().kind("votes").added += votes.len() as u64;
                (division, true)
            }
        };
        let subject = Subject::Division(division.clone());
        let identifiers =
            identifiers_to_record(&self.planner.scratch, &subject, division.as_str(), &matched);
        let changed = self.record_identifiers(&path, &subject, identifiers)?;
        if !is_new {
            self.planner.report().kind("votes").unchanged += votes.len() as u64;
        }
        self.count("vote_events", is_new, changed);
        Ok(())
    }
}
