//! The JSON API: one route per command (`POST /api/commands/{name}`) and the reads.
//!
//! Commands are the core's own [`Command`] values: the body is the command's
//! fields, the path its name. Who gives the command is the signed-in account,
//! never the body; the core decides whether that role may.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State as AxumState};

use crate::body::ApiPath;
use axum::Json;
use hemicycle_core::ids::{DivisionId, SittingId};
use hemicycle_core::model::{Choice, Presence};
use hemicycle_core::state::{Division, FollowUp, Sitting};
use hemicycle_core::{Command, State};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::SignedInAccount;
use crate::body;
use crate::error::ApiError;
use crate::live::{method_word, question_title};
use crate::server::{execute, AppState};

/// Every command the API takes, by name, in the core's order.
pub const COMMAND_NAMES: &[&str] = &[
    "establish_chamber",
    "amend_standing_orders",
    "attach_notice",
    "register_bloc",
    "form_coalition",
    "join_coalition",
    "leave_coalition",
    "admit_member",
    "depart_member",
    "change_bloc",
    "convene_sitting",
    "open_sitting",
    "suspend_sitting",
    "resume_sitting",
    "close_sitting",
    "check_in",
    "check_out",
    "excuse_absence",
    "declare_boycott",
    "check_quorum",
    "table_motion",
    "withdraw_motion",
    "read_communication",
    "open_division",
    "cast_ballot",
    "record_participation",
    "enter_tally",
    "close_division",
    "send_resolution",
    "record_response",
    "conclude_follow_up",
    "record_identifiers",
    "record_member_details",
    "rename_member",
    "record_occasion",
    "record_motion",
    "record_division",
];

/// The most journal entries one page of `/api/journal` returns.
pub const MAX_JOURNAL_PAGE: u64 = 1_000;

#[derive(Debug, Serialize)]
pub struct RecordedEvent {
    pub sequence: u64,
    #[serde(rename = "type")]
    pub event_type: String,
}

#[derive(Debug, Serialize)]
pub struct CommandAccepted {
    pub command: &'static str,
    /// The journal sequence of the last event recorded.
    pub sequence: u64,
    pub events: Vec<RecordedEvent>,
}

/// Parses a command body for the command named in the path.
pub fn parse_command(name: &str, bytes: &[u8]) -> Result<Command, ApiError> {
    let Some(name) = COMMAND_NAMES.iter().find(|known| **known == name) else {
        return Err(ApiError::not_found(format!(
            "there is no command named \"{name}\"; see /api/openapi.json"
        )));
    };
    let mut value = body::json_value(bytes)?;
    let Value::Object(fields) = &mut value else {
        return Err(ApiError::invalid(
            "request body: a JSON object holding the command's fields is expected",
        ));
    };
    if fields.contains_key("command") {
        return Err(ApiError::invalid(
            "request body, at command: the command is named by the path, not the body",
        ));
    }
    fields.insert("command".to_owned(), Value::String((*name).to_owned()));
    let located = serde_path_to_error::deserialize::<_, Command>(value.clone());
    match located {
        Ok(command) => {
            debug_assert_eq!(command.name(), *name);
            Ok(command)
        }
        Err(error) => {
            // Serde reads a tagged enum's fields from a buffer and loses their
            // path; find the field the schema refuses, so the caller learns where.
            let mut path = error.path().to_string();
            if path.is_empty() || path == "." {
                path = first_field_off_schema(name, &value).unwrap_or_default();
            }
            let inner = error.into_inner();
            Err(if path.is_empty() {
                ApiError::invalid(format!("request body: {inner}"))
            } else {
                ApiError::invalid(format!("request body, at {path}: {inner}"))
            })
        }
    }
}

/// The command schemas, as the OpenAPI document publishes them.
fn schemas() -> &'static hemicycle_core::schema::CommandSchemas {
    static SCHEMAS: std::sync::OnceLock<hemicycle_core::schema::CommandSchemas> =
        std::sync::OnceLock::new();
    SCHEMAS.get_or_init(|| hemicycle_core::schema::command_schemas(crate::openapi::SCHEMAS_PATH))
}

/// The path of the first field of a command body whose JSON type its schema
/// does not allow, if any.
fn first_field_off_schema(name: &str, body: &Value) -> Option<String> {
    let schemas = schemas();
    let schema = schemas.commands.get(name)?;
    let Value::Object(fields) = body else {
        return None;
    };
    let properties = schema.get("properties")?.as_object()?;
    fields
        .iter()
        .filter(|(field, _)| field.as_str() != "command")
        .find_map(|(field, value)| {
            let field_schema = properties.get(field)?;
            off_schema(field_schema, value, field.clone(), &schemas.definitions, 0)
        })
}

/// How deep `off_schema` follows nested schemas; command bodies are shallow.
const SCHEMA_DEPTH_MAX: usize = 16;

fn off_schema(
    schema: &Value,
    value: &Value,
    path: String,
    definitions: &serde_json::Map<String, Value>,
    depth: usize,
) -> Option<String> {
    if depth > SCHEMA_DEPTH_MAX {
        return None;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next()?;
        return off_schema(definitions.get(name)?, value, path, definitions, depth + 1);
    }
    for combinator in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(combinator).and_then(Value::as_array) {
            // The deepest refusal among the branches names the field most
            // precisely (the branch whose tag matched got furthest).
            let mut deepest: Option<String> = None;
            for branch in branches {
                match off_schema(branch, value, path.clone(), definitions, depth + 1) {
                    None => return None,
                    Some(found) => {
                        if deepest.as_ref().is_none_or(|best| found.len() > best.len()) {
                            deepest = Some(found);
                        }
                    }
                }
            }
            return deepest.or(Some(path));
        }
    }
    if schema
        .get("const")
        .is_some_and(|constant| constant != value)
    {
        return Some(path);
    }
    if let Some(types) = schema.get("type") {
        let allowed = |word: &str| match types {
            Value::String(single) => single == word,
            Value::Array(many) => many.iter().any(|each| each == word),
            _ => true,
        };
        let fits = match value {
            Value::Null => allowed("null"),
            Value::Bool(_) => allowed("boolean"),
            Value::Number(number) => {
                allowed("number") || (allowed("integer") && (number.is_u64() || number.is_i64()))
            }
            Value::String(_) => allowed("string"),
            Value::Array(_) => allowed("array"),
            Value::Object(_) => allowed("object"),
        };
        if !fits {
            return Some(path);
        }
    }
    match value {
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object)?;
            fields.iter().find_map(|(field, inner)| {
                let inner_schema = properties.get(field)?;
                off_schema(
                    inner_schema,
                    inner,
                    format!("{path}.{field}"),
                    definitions,
                    depth + 1,
                )
            })
        }
        Value::Array(items) => {
            let item_schema = schema.get("items")?;
            items.iter().enumerate().find_map(|(index, item)| {
                off_schema(
                    item_schema,
                    item,
                    format!("{path}[{index}]"),
                    definitions,
                    depth + 1,
                )
            })
        }
        _ => None,
    }
}

pub async fn run_command(
    AxumState(shared): AxumState<AppState>,
    account: SignedInAccount,
    ApiPath(name): ApiPath<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<CommandAccepted>, ApiError> {
    let bytes = body::body_bytes(body)?;
    let command = parse_command(&name, &bytes)?;
    let command_name = command.name();
    let envelopes = execute(&shared, account.actor(), command).await?;
    tracing::info!(
        command = command_name,
        actor = %account.actor(),
        events = envelopes.len(),
        "command recorded"
    );
    let events = envelopes
        .iter()
        .map(|envelope| RecordedEvent {
            sequence: envelope.sequence,
            event_type: serde_json::from_slice::<Value>(&envelope.payload)
                .ok()
                .and_then(|payload| payload.get("type")?.as_str().map(str::to_owned))
                .unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let sequence = events
        .last()
        .map_or_else(|| shared.journal_length(), |event| event.sequence);
    Ok(Json(CommandAccepted {
        command: command_name,
        sequence,
        events,
    }))
}

// ---- Reads -------------------------------------------------------------------

fn require_chamber(state: &State) -> Result<&hemicycle_core::state::Chamber, ApiError> {
    state
        .chamber
        .as_ref()
        .ok_or_else(|| ApiError::not_found("no chamber has been established yet"))
}

pub async fn chamber(AxumState(shared): AxumState<AppState>) -> Result<Json<Value>, ApiError> {
    shared.read(|state| {
        let chamber = require_chamber(state)?;
        let size = state.size();
        Ok(Json(json!({
            "name": chamber.name,
            "seats": chamber.seats,
            "members": size.members,
            "established_at": chamber.established_at.to_rfc3339(),
            "standing_orders": chamber.standing_orders,
            "events": state.events_applied,
        })))
    })
}

fn member_json(state: &State, member: &hemicycle_core::state::Member) -> Value {
    json!({
        "id": member.id,
        "name": member.name,
        "constituency": member.constituency,
        "bloc": member.current_bloc(),
        "sitting": member.is_sitting(),
        "departed": member.departed,
        "memberships": member.memberships.iter().map(|membership| json!({
            "bloc": membership.bloc,
            "from": membership.from,
            "until": membership.until,
        })).collect::<Vec<_>>(),
        "identifiers": state
            .identifiers
            .get(&hemicycle_core::history::Subject::Member(member.id.clone()))
            .cloned()
            .unwrap_or_default(),
    })
}

pub async fn members(AxumState(shared): AxumState<AppState>) -> Json<Value> {
    shared.read(|state| {
        Json(Value::Array(
            state
                .members
                .values()
                .map(|member| member_json(state, member))
                .collect(),
        ))
    })
}

pub async fn member(
    AxumState(shared): AxumState<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    shared.read(|state| {
        state
            .members
            .values()
            .find(|member| member.id.as_str() == id)
            .map(|member| Json(member_json(state, member)))
            .ok_or_else(|| ApiError::not_found(format!("no member \"{id}\"")))
    })
}

pub async fn blocs(AxumState(shared): AxumState<AppState>) -> Json<Value> {
    shared.read(|state| {
        Json(Value::Array(
            state
                .blocs
                .values()
                .map(|bloc| {
                    let seats = state
                        .sitting_members()
                        .filter(|member| member.current_bloc() == Some(&bloc.id))
                        .count();
                    json!({
                        "id": bloc.id,
                        "name": bloc.name,
                        "short_name": bloc.short_name,
                        "kind": bloc.kind,
                        "colour": bloc.colour,
                        "members": seats,
                        "coalitions": state.coalitions.values()
                            .filter(|coalition| coalition.blocs.contains(&bloc.id))
                            .map(|coalition| coalition.id.to_string())
                            .collect::<Vec<_>>(),
                    })
                })
                .collect(),
        ))
    })
}

fn sitting_summary(state: &State, sitting: &Sitting) -> Value {
    json!({
        "id": sitting.id,
        "title": sitting.title,
        "kind": sitting.kind,
        "status": sitting.status.in_words(),
        "scheduled_for": sitting.scheduled_for.to_rfc3339(),
        "opened_at": sitting.opened_at.map(|at| at.to_rfc3339()),
        "closed_at": sitting.closed_at.map(|at| at.to_rfc3339()),
        "present": sitting.present_count(),
        "divisions": state.divisions.values()
            .filter(|division| division.sitting == sitting.id)
            .map(|division| division.id.to_string())
            .collect::<Vec<_>>(),
    })
}

pub async fn sittings(AxumState(shared): AxumState<AppState>) -> Json<Value> {
    shared.read(|state| {
        Json(Value::Array(
            state
                .sittings
                .values()
                .map(|sitting| sitting_summary(state, sitting))
                .collect(),
        ))
    })
}

fn presence_word(presence: Presence) -> &'static str {
    match presence {
        Presence::Present => "present",
        Presence::Absent => "absent",
        Presence::Excused => "excused",
        Presence::Boycotting => "boycotting",
    }
}

pub async fn sitting(
    AxumState(shared): AxumState<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let id = SittingId::new(&id).map_err(|error| ApiError::not_found(error.to_string()))?;
    shared.read(|state| {
        let sitting = state
            .sittings
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("no sitting \"{id}\"")))?;
        let mut summary = sitting_summary(state, sitting);
        let attendance: serde_json::Map<String, Value> = state
            .sitting_members()
            .map(|member| {
                (
                    member.id.to_string(),
                    Value::from(presence_word(state.presence(sitting, member))),
                )
            })
            .collect();
        summary["agenda"] = json!(sitting.agenda);
        summary["requested_by"] = json!(sitting.requested_by);
        summary["attendance"] = Value::Object(attendance);
        summary["boycotts"] = json!(sitting.boycotts);
        summary["quorum"] = json!(state.quorum_now(sitting));
        summary["quorum_checks"] = json!(sitting
            .quorum_checks
            .iter()
            .map(|check| json!({
                "at": check.at.to_rfc3339(),
                "occasion": check.occasion,
                "report": check.report,
            }))
            .collect::<Vec<_>>());
        summary["communications"] = json!(state
            .communications
            .values()
            .filter(|communication| communication.sitting == sitting.id)
            .map(|communication| json!({
                "id": communication.id,
                "at": communication.at.to_rfc3339(),
                "from": communication.from,
                "on_behalf_of": communication.on_behalf_of,
                "subject": communication.subject,
                "text": communication.text,
            }))
            .collect::<Vec<_>>());
        summary["notices"] = json!(sitting.notices);
        Ok(Json(summary))
    })
}

fn choice_json(choice: &Choice) -> Value {
    serde_json::to_value(choice).unwrap_or(Value::Null)
}

fn division_json(state: &State, division: &Division) -> Value {
    let recorded = division.method == hemicycle_core::model::DivisionMethod::Recorded;
    json!({
        "id": division.id,
        "sitting": division.sitting,
        "question": division.question,
        "title": question_title(state, &division.question),
        "method": method_word(division.method),
        "decision": division.decision,
        "opened_at": division.opened_at.to_rfc3339(),
        "closes_at": division.closes_at.map(|at| at.to_rfc3339()),
        "open": division.is_open(),
        "tally": division.tally(),
        "taking_part": division.taking_part(),
        // Who voted how is public only for a recorded division; a secret
        // ballot shows who took part, never a choice.
        "ballots": if recorded {
            Value::Object(division.ballots.iter()
                .map(|(member, choice)| (member.to_string(), choice_json(choice)))
                .collect())
        } else { Value::Null },
        "participants": division.participants,
        "outcome": division.closed.as_ref().map(|closed| json!({
            "at": closed.at.to_rfc3339(),
            "verdict": closed.outcome.verdict.in_words(),
            "explanation": closed.outcome.explanation(),
            "outcome": closed.outcome,
        })),
    })
}

pub async fn divisions(AxumState(shared): AxumState<AppState>) -> Json<Value> {
    shared.read(|state| {
        Json(Value::Array(
            state
                .divisions
                .values()
                .map(|division| {
                    json!({
                        "id": division.id,
                        "sitting": division.sitting,
                        "title": question_title(state, &division.question),
                        "method": method_word(division.method),
                        "open": division.is_open(),
                        "tally": division.tally(),
                        "verdict": division.closed.as_ref()
                            .map(|closed| closed.outcome.verdict.in_words()),
                    })
                })
                .collect(),
        ))
    })
}

pub async fn division(
    AxumState(shared): AxumState<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let id = DivisionId::new(&id).map_err(|error| ApiError::not_found(error.to_string()))?;
    shared.read(|state| {
        state
            .divisions
            .get(&id)
            .map(|division| Json(division_json(state, division)))
            .ok_or_else(|| ApiError::not_found(format!("no division \"{id}\"")))
    })
}

pub async fn motions(AxumState(shared): AxumState<AppState>) -> Json<Value> {
    shared.read(|state| {
        Json(Value::Array(
            state
                .motions
                .values()
                .map(|motion| {
                    json!({
                        "id": motion.id,
                        "kind": motion.kind,
                        "title": motion.title,
                        "text": motion.text,
                        "sponsors": motion.sponsors,
                        "decision": motion.decision,
                        "tabled_at": motion.tabled_at.to_rfc3339(),
                        "status": format!("{:?}", motion.status).to_lowercase(),
                        "divisions": motion.divisions,
                    })
                })
                .collect(),
        ))
    })
}

fn follow_up_json(follow_up: &FollowUp, today: hemicycle_core::model::Date) -> Value {
    json!({
        "motion": follow_up.motion,
        "addressed_to": follow_up.addressed_to,
        "adopted_on": follow_up.adopted_on,
        "status": follow_up.view_on(today).in_words(),
        "sent": follow_up.sent.as_ref().map(|(on, to)| json!({"on": on, "to": to})),
        "response_due": follow_up.response_due,
        "response": follow_up.response.as_ref().map(|(on, summary)| json!({"on": on, "summary": summary})),
        "conclusion": follow_up.conclusion.as_ref().map(|(conclusion, on, note)| json!({
            "conclusion": conclusion, "on": on, "note": note,
        })),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterQuery {
    /// The day to judge deadlines by; default today.
    pub as_of: Option<hemicycle_core::model::Date>,
}

pub async fn register(
    AxumState(shared): AxumState<AppState>,
    query: Result<Query<RegisterQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let today = query
        .as_of
        .unwrap_or_else(|| crate::server::now().date_naive());
    Ok(shared.read(|state| {
        Json(Value::Array(
            state
                .follow_ups
                .values()
                .map(|follow_up| follow_up_json(follow_up, today))
                .collect(),
        ))
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalQuery {
    /// The first sequence to return (default 1).
    pub from: Option<u64>,
    /// How many (default and most [`MAX_JOURNAL_PAGE`]).
    pub limit: Option<u64>,
}

/// The journal itself, page by page: each event as recorded, with its hash.
pub async fn journal(
    AxumState(shared): AxumState<AppState>,
    query: Result<Query<JournalQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let from = query.from.unwrap_or(1).max(1);
    let limit = query.limit.unwrap_or(MAX_JOURNAL_PAGE);
    if limit == 0 || limit > MAX_JOURNAL_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_JOURNAL_PAGE}"
        )));
    }
    let length = shared.journal_length();
    if from > length {
        // Past the end is an empty page, not an error: the journal may grow there.
        return Ok(Json(
            json!({ "length": length, "entries": [], "next_from": null }),
        ));
    }
    shared
        .read_journal(move |journal| {
            let mut entries = Vec::new();
            let iterator = journal
                .events_from(from)
                .map_err(|error| ApiError::internal(format!("reading the journal: {error}")))?;
            for envelope in iterator.take(usize::try_from(limit).unwrap_or(usize::MAX)) {
                let envelope = envelope
                    .map_err(|error| ApiError::internal(format!("reading the journal: {error}")))?;
                if envelope.sequence > length {
                    break;
                }
                let payload: Value =
                    serde_json::from_slice(&envelope.payload).unwrap_or(Value::Null);
                entries.push(json!({
                    "sequence": envelope.sequence,
                    "recorded_at": envelope.recorded_at,
                    "actor": envelope.actor,
                    "previous_hash": envelope.previous_hash.to_string(),
                    "hash": envelope.hash.to_string(),
                    "event": payload,
                }));
            }
            let next = entries
                .last()
                .and_then(|entry| entry["sequence"].as_u64())
                .filter(|last| *last < length)
                .map(|last| last + 1);
            Ok(Json(json!({
                "length": length,
                "entries": entries,
                "next_from": next,
            })))
        })
        .await?
}
