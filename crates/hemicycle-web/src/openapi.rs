//! The OpenAPI 3.1 document served at `/api/openapi.json`.
//!
//! Request schemas for commands come from the core's own types (the
//! `json-schema` feature), so the document cannot drift from what the API
//! accepts; the rest is written here, next to the routes it describes.

use serde_json::{json, Map, Value};

use crate::api::COMMAND_NAMES;

const SCHEMAS: &str = "#/components/schemas/";

/// Where the OpenAPI document keeps its schemas, as a JSON pointer.
pub const SCHEMAS_PATH: &str = "#/components/schemas";

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("{SCHEMAS}{name}") })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": reference("Error") } },
    })
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema } },
    })
}

fn json_body(schema: Value) -> Value {
    json!({
        "required": true,
        "content": { "application/json": { "schema": schema } },
    })
}

fn query_parameter(name: &str, description: &str, schema: Value, required: bool) -> Value {
    json!({ "name": name, "in": "query", "required": required, "description": description, "schema": schema })
}

fn path_parameter(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description,
            "schema": { "type": "string", "minLength": 1, "maxLength": 64 } })
}

/// A read anyone may make.
fn public_read(
    summary: &str,
    tag: &str,
    schema: Value,
    parameters: Vec<Value>,
    not_found: bool,
) -> Value {
    let mut responses = Map::new();
    responses.insert("200".into(), json_response("OK", schema));
    if !parameters.is_empty() {
        responses.insert(
            "400".into(),
            error_response("A query parameter is missing or malformed"),
        );
    }
    if not_found {
        responses.insert("404".into(), error_response("No such thing"));
    }
    json!({ "get": { "summary": summary, "tags": [tag], "parameters": parameters, "responses": responses } })
}

/// An action that needs a signed-in account.
fn action(
    summary: &str,
    tag: &str,
    request: Option<Value>,
    ok: Value,
    extra: &[(&str, &str)],
) -> Value {
    let mut responses = Map::new();
    responses.insert("200".into(), json_response("Done", ok));
    responses.insert("400".into(), error_response("The body is not JSON"));
    responses.insert("401".into(), error_response("Not signed in"));
    responses.insert(
        "403".into(),
        error_response("The account's role may not do this, or a cross-site request"),
    );
    responses.insert(
        "413".into(),
        error_response("The body is larger than the limit"),
    );
    responses.insert(
        "422".into(),
        error_response("A field is missing, of the wrong type, or unknown"),
    );
    for (code, description) in extra {
        responses.insert((*code).into(), error_response(description));
    }
    let mut operation = json!({ "summary": summary, "tags": [tag], "responses": responses,
                                "security": [{ "authSession": [] }] });
    if let Some(schema) = request {
        operation["requestBody"] = json_body(schema);
    }
    json!({ "post": operation })
}

fn any_object() -> Value {
    json!({ "type": "object" })
}

fn array_of_objects() -> Value {
    json!({ "type": "array", "items": { "type": "object" } })
}

/// Builds the whole document.
pub fn document() -> Value {
    let generated = hemicycle_core::schema::command_schemas(SCHEMAS_PATH);
    let command_bodies = generated.commands;
    let mut schemas: Map<String, Value> = generated.definitions;
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["error"],
            "properties": { "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": { "type": "string", "enum": [
                        "bad_request", "unauthorized", "forbidden", "not_found", "conflict",
                        "payload_too_large", "invalid", "too_many_requests", "unavailable", "internal"
                    ]},
                    "message": { "type": "string" }
                }
            }}
        }),
    );
    schemas.insert(
        "CommandAccepted".into(),
        json!({
            "type": "object",
            "required": ["command", "sequence", "events"],
            "properties": {
                "command": { "type": "string" },
                "sequence": { "type": "integer", "minimum": 0 },
                "events": { "type": "array", "items": {
                    "type": "object",
                    "required": ["sequence", "type"],
                    "properties": { "sequence": { "type": "integer" }, "type": { "type": "string" } }
                }}
            }
        }),
    );
    schemas.insert(
        "SignedIn".into(),
        json!({
            "type": "object",
            "required": ["username", "display_name", "role"],
            "properties": {
                "username": { "type": "string" },
                "display_name": { "type": "string" },
                "role": { "type": "string", "enum": ["clerk", "presiding_officer", "member"] },
                "member": { "type": ["string", "null"] }
            }
        }),
    );

    let mut paths = Map::new();
    for name in COMMAND_NAMES {
        let body = command_bodies
            .get(*name)
            .cloned()
            .unwrap_or_else(any_object);
        paths.insert(
            format!("/api/commands/{name}"),
            action(
                &format!("Command: {}", name.replace('_', " ")),
                "commands",
                Some(body),
                reference("CommandAccepted"),
                &[
                    ("404", "Something the command names does not exist"),
                    ("409", "The command conflicts with the chamber's state (e.g. the division is closed)"),
                ],
            ),
        );
    }

    let reads: [(&str, &str, Value, bool); 9] = [
        (
            "/api/chamber",
            "The chamber: name, seats, standing orders",
            any_object(),
            true,
        ),
        (
            "/api/members",
            "Every member, with blocs and memberships",
            array_of_objects(),
            false,
        ),
        ("/api/blocs", "Every bloc", array_of_objects(), false),
        ("/api/sittings", "Every sitting", array_of_objects(), false),
        ("/api/motions", "Every motion", array_of_objects(), false),
        (
            "/api/divisions",
            "Every division, in brief",
            array_of_objects(),
            false,
        ),
        (
            "/api/live/snapshot",
            "What the live pages show now",
            any_object(),
            false,
        ),
        (
            "/api/demo/status",
            "The demonstration's next step",
            any_object(),
            true,
        ),
        (
            "/api/auth/me",
            "The signed-in account",
            reference("SignedIn"),
            false,
        ),
    ];
    for (path, summary, schema, not_found) in reads {
        paths.insert(
            path.into(),
            public_read(summary, "reads", schema, vec![], not_found),
        );
    }
    if let Some(me) = paths.get_mut("/api/auth/me") {
        me["get"]["responses"]["401"] = error_response("Not signed in");
    }
    paths.insert(
        "/api/members/{id}".into(),
        public_read(
            "One member",
            "reads",
            any_object(),
            vec![path_parameter("id", "The member's id")],
            true,
        ),
    );
    paths.insert(
        "/api/sittings/{id}".into(),
        public_read(
            "One sitting: agenda, attendance, quorum, communications",
            "reads",
            any_object(),
            vec![path_parameter("id", "The sitting's id")],
            true,
        ),
    );
    paths.insert(
        "/api/divisions/{id}".into(),
        public_read(
            "One division: tally, ballots (recorded divisions only), outcome",
            "reads",
            any_object(),
            vec![path_parameter("id", "The division's id")],
            true,
        ),
    );
    paths.insert(
        "/api/register".into(),
        public_read(
            "The follow-up register",
            "reads",
            array_of_objects(),
            vec![query_parameter(
                "as_of",
                "The day to judge deadlines by (YYYY-MM-DD)",
                json!({"type": "string", "format": "date"}),
                false,
            )],
            false,
        ),
    );
    paths.insert(
        "/api/journal".into(),
        public_read(
            "The journal, page by page",
            "reads",
            any_object(),
            vec![
                query_parameter(
                    "from",
                    "First sequence",
                    json!({"type": "integer", "minimum": 0}),
                    false,
                ),
                query_parameter(
                    "limit",
                    "How many (at most 1000)",
                    json!({"type": "integer", "minimum": 1, "maximum": 1000}),
                    false,
                ),
            ],
            false,
        ),
    );
    paths.insert("/api/live".into(), json!({ "get": {
        "summary": "Live updates as Server-Sent Events: a `snapshot` event, then `update` events",
        "tags": ["reads"],
        "responses": {
            "200": { "description": "An event stream", "content": { "text/event-stream": { "schema": { "type": "string" } } } },
            "503": error_response("The stream serves its limit of viewers")
        }
    }}));
    let scope_parameters = || {
        vec![
            query_parameter(
                "sitting",
                "One sitting (overrides from/to)",
                json!({"type": "string"}),
                false,
            ),
            query_parameter(
                "from",
                "First day of the period (YYYY-MM-DD)",
                json!({"type": "string", "format": "date"}),
                false,
            ),
            query_parameter(
                "to",
                "Last day of the period (YYYY-MM-DD)",
                json!({"type": "string", "format": "date"}),
                false,
            ),
        ]
    };
    for (path, summary) in [
        ("/api/analysis/attendance", "Attendance and boycotts per member, bloc and sitting"),
        ("/api/analysis/quorum", "The quorum's margin, who could have broken it, and the quorum-denial game (the sitting given, else the latest)"),
        ("/api/analysis/cohesion", "Rice and Agreement indices per bloc, member loyalty, the agreement matrix"),
        ("/api/analysis/ideal-points", "One-dimensional ideal points of the members (EM, Imai–Lo–Olmsted)"),
    ] {
        let mut parameters = scope_parameters();
        if path.ends_with("ideal-points") {
            parameters.push(query_parameter("reference", "The member placed on the positive side", json!({"type": "string"}), false));
        }
        paths.insert(path.into(), public_read(summary, "analysis", any_object(), parameters, true));
    }
    paths.insert("/api/analysis/power".into(), public_read("Banzhaf and Shapley–Shubik power of the blocs: the majority game and the quorum-denial game", "analysis", any_object(), vec![], true));
    let mut picture_parameters = vec![json!({ "name": "name", "in": "path", "required": true,
        "description": "The picture", "schema": { "type": "string", "enum": crate::analysis::PICTURES } })];
    picture_parameters.extend(scope_parameters());
    paths.insert("/api/analysis/pictures/{name}".into(), json!({ "get": {
        "summary": "A picture of the analysis, as SVG", "tags": ["analysis"],
        "parameters": picture_parameters,
        "responses": { "200": { "description": "SVG", "content": { "image/svg+xml": { "schema": { "type": "string" } } } },
                       "400": error_response("A malformed query"),
                       "404": error_response("No such picture, sitting or chamber") } } }));
    paths.insert("/api/export/popolo.json".into(), json!({ "get": {
        "summary": "The roster and every division as Popolo JSON", "tags": ["exports"],
        "responses": { "200": { "description": "Popolo JSON", "content": { "application/json": { "schema": { "type": "object" } } } },
                       "404": error_response("No chamber yet") } } }));
    paths.insert("/api/export/akn/{file}".into(), json!({ "get": {
        "summary": "A sitting as an Akoma Ntoso debate (FILE is SITTING.xml)", "tags": ["exports"],
        "parameters": [path_parameter("file", "The sitting's id followed by .xml")],
        "responses": { "200": { "description": "Akoma Ntoso XML", "content": { "application/akn+xml": { "schema": { "type": "string" } } } },
                       "400": error_response("A malformed address"),
                       "404": error_response("No such sitting") } } }));
    let integer = json!({"type": "integer", "minimum": 0});
    paths.insert("/api/log/checkpoint".into(), json!({ "get": {
        "summary": "The latest signed checkpoint (C2SP signed note)", "tags": ["log"],
        "responses": { "200": { "description": "The note", "content": { "text/plain": { "schema": { "type": "string" } } } },
                       "404": error_response("No checkpoint yet") } } }));
    paths.insert("/api/log/key".into(), json!({ "get": {
        "summary": "The chamber's verifier key (note verifier-key format)", "tags": ["log"],
        "responses": { "200": { "description": "The key", "content": { "text/plain": { "schema": { "type": "string" } } } },
                       "404": error_response("No signing key") } } }));
    paths.insert(
        "/api/log/inclusion".into(),
        public_read(
            "Inclusion proof of an event in a tree",
            "log",
            any_object(),
            vec![
                query_parameter(
                    "index",
                    "The event's index (sequence − 1)",
                    integer.clone(),
                    true,
                ),
                query_parameter("size", "The tree size", integer.clone(), true),
            ],
            false,
        ),
    );
    paths.insert(
        "/api/log/consistency".into(),
        public_read(
            "Consistency proof between two tree sizes",
            "log",
            any_object(),
            vec![
                query_parameter("from", "The smaller size", integer.clone(), true),
                query_parameter("to", "The larger size", integer.clone(), true),
            ],
            false,
        ),
    );
    paths.insert(
        "/api/log/entries".into(),
        public_read(
            "Events' canonical bytes, base64",
            "log",
            any_object(),
            vec![
                query_parameter("start", "First index", integer.clone(), true),
                query_parameter("end", "One past the last index", integer, true),
            ],
            false,
        ),
    );

    let string = |max: u32| json!({ "type": "string", "minLength": 1, "maxLength": max });
    paths.insert("/api/auth/sign-in".into(), action("Sign in a clerk or presiding officer", "auth",
        Some(json!({ "type": "object", "additionalProperties": false, "required": ["username", "password"],
            "properties": { "username": string(64), "password": string(256) } })),
        reference("SignedIn"), &[("429", "Too many failed attempts; wait")]));
    paths.insert("/api/auth/member-sign-in".into(), action("Sign in a member with a login code and PIN", "auth",
        Some(json!({ "type": "object", "additionalProperties": false, "required": ["code", "pin"],
            "properties": { "code": string(64), "pin": string(8) } })),
        reference("SignedIn"), &[("429", "Too many failed attempts; wait")]));
    paths.insert(
        "/api/auth/sign-out".into(),
        action(
            "Sign out (ends the auth session)",
            "auth",
            None,
            any_object(),
            &[],
        ),
    );
    let mut accounts = action(
        "Create a clerk or presiding-officer account (clerk only)",
        "accounts",
        Some(json!({ "type": "object", "additionalProperties": false,
            "required": ["username", "display_name", "role", "password"],
            "properties": { "username": string(64), "display_name": string(200),
                "role": { "type": "string", "enum": ["clerk", "presiding_officer"] },
                "password": { "type": "string", "minLength": 10, "maxLength": 256 } } })),
        any_object(),
        &[("409", "The username is taken")],
    );
    accounts["get"] = json!({ "summary": "Every account (clerk only)", "tags": ["accounts"],
        "security": [{ "authSession": [] }],
        "responses": { "200": json_response("The accounts", array_of_objects()),
                       "401": error_response("Not signed in"), "403": error_response("Not a clerk") } });
    paths.insert("/api/accounts".into(), accounts);
    paths.insert(
        "/api/accounts/member-login".into(),
        action(
            "Issue a member's login code and PIN (clerk only); shown once",
            "accounts",
            Some(
                json!({ "type": "object", "additionalProperties": false, "required": ["member"],
            "properties": { "member": string(64) } }),
            ),
            any_object(),
            &[("404", "No such member")],
        ),
    );
    paths.insert("/api/accounts/{username}".into(), json!({ "delete": {
        "summary": "Delete an account and end its auth sessions (clerk only)", "tags": ["accounts"],
        "security": [{ "authSession": [] }],
        "parameters": [path_parameter("username", "The account")],
        "responses": { "200": json_response("Deleted", any_object()),
            "401": error_response("Not signed in"), "403": error_response("Not a clerk, or a cross-site request"),
            "404": error_response("No such account") } } }));
    paths.insert(
        "/api/demo/replay-step".into(),
        action(
            "Replay the demonstration's next step (presiding officer)",
            "demo",
            None,
            any_object(),
            &[
                ("404", "Not a demonstration server"),
                ("409", "Nothing left to replay, or a replay is running"),
            ],
        ),
    );
    paths.insert("/api/demo/replay".into(), action("Replay the rest of the demonstration at a pace (presiding officer)", "demo",
        Some(json!({ "type": "object", "additionalProperties": false, "required": ["interval_ms"],
            "properties": { "interval_ms": { "type": "integer", "minimum": 100, "maximum": 60000 } } })),
        any_object(), &[("404", "Not a demonstration server"), ("409", "Nothing left to replay, or a replay is running")]));

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "hemicycle",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Runs a chamber's sittings and votes. Every state-changing request needs a signed-in account (an auth session cookie) and must come from the same site.",
            "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" }
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "authSession": { "type": "apiKey", "in": "cookie", "name": crate::auth::AUTH_COOKIE } }
        }
    })
}
