//! JSON Schemas (draft 2020-12, the dialect of OpenAPI 3.1) of the commands' request bodies,
//! for the web API's OpenAPI document. Only with the `json-schema` feature.
//!
//! The JSON API takes a command as `POST /api/commands/{name}`, `name` being
//! [`Command::name`], with the command's fields as the body: the body is the command's wire
//! form without its `command` tag. [`command_schemas`] gives the schema of that body for
//! every command, and the definitions they refer to:
//!
//! ```
//! let schemas = hemicycle_core::schema::command_schemas("#/components/schemas");
//! // Every `$ref` reads `#/components/schemas/NAME`: put the definitions there…
//! let components = serde_json::json!({ "schemas": schemas.definitions });
//! // …and each body schema under its operation's `requestBody`.
//! let check_in = &schemas.commands["check_in"];
//! assert_eq!(check_in["required"], serde_json::json!(["sitting", "member"]));
//! assert_eq!(check_in["properties"]["member"]["$ref"], "#/components/schemas/MemberId");
//! # let _ = components;
//! ```
//!
//! The schemas say what deserialising accepts, field by field: types, required and
//! optional fields (an `Option` field may be left out or `null`), no other fields
//! (`additionalProperties: false`), identifiers (pattern and length), fractions, and
//! integers within `u32`. They do not say what [`crate::State::decide`] checks against
//! the chamber (that a member exists, names' and texts' lengths, that a threshold uses
//! exactly one of `fixed`, `more_than` or `at_least`…): a body the schema accepts may
//! still be refused, with a reason.
//!
//! Serde also reads a few other spellings, which the schemas leave out on purpose rather
//! than advertise: a struct written as an array of its fields in order (`["Title", "m1"]`
//! for an agenda item), a unit variant of an externally tagged enum as a map to `null`
//! (`{"yes": null}` for the choice `"yes"`), and the relaxed RFC 3339 that chrono reads
//! (a space for `T`, an offset without its colon). The other way round, JSON Schema counts
//! `9.0` as an integer where serde refuses it.

use indexmap::IndexMap;
use schemars::generate::SchemaSettings;
use schemars::transform::{transform_subschemas, Transform};
use schemars::{JsonSchema, Schema};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::command::Command;

/// The name of the tag field of a [`Command`] on the wire, which the API path carries.
pub const COMMAND_TAG: &str = "command";

/// The request-body schemas of the commands, and the definitions they refer to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandSchemas {
    /// For each command name ([`Command::name`]), in the order of [`Command`]'s variants:
    /// the JSON Schema of the request body, an object with the command's fields and
    /// without the `command` tag.
    pub commands: IndexMap<String, Value>,
    /// The schemas the command schemas refer to with `$ref`, by name (`MemberId`,
    /// `StandingOrders`, `Fraction`…), to be put at the definitions path.
    pub definitions: Map<String, Value>,
}

/// The JSON Schema (2020-12) of every command's request body, and the shared definitions.
///
/// `definitions_path` is the JSON pointer where the caller puts
/// [`CommandSchemas::definitions`], as [`SchemaSettings::definitions_path`] takes it: a
/// leading `#` and a trailing `/` are ignored. Every `$ref` reads `#{definitions_path}/NAME`:
/// with `"#/components/schemas"` (OpenAPI 3.1), `#/components/schemas/MemberId`; with
/// `"#/$defs"`, the definitions can go in a standalone schema's `$defs`.
pub fn command_schemas(definitions_path: &str) -> CommandSchemas {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|settings| settings.definitions_path = definitions_path.to_owned().into())
        .with_transform(U32Maximum)
        .into_generator();
    let mut command = Command::json_schema(&mut generator);
    let variants = command
        .get_mut("oneOf")
        .and_then(Value::as_array_mut)
        .expect("an internally tagged enum's schema is a oneOf of its variants");
    let mut commands = IndexMap::with_capacity(variants.len());
    for variant in variants.iter_mut() {
        let (name, body) = without_tag(variant.take());
        let mut body = Schema::try_from(body).expect("a variant's schema is an object");
        for transform in generator.transforms_mut() {
            transform.transform(&mut body);
        }
        commands.insert(name, body.to_value());
    }
    CommandSchemas {
        commands,
        definitions: generator.take_definitions(true),
    }
}

/// Splits a variant's schema into the command's name (its tag's `const`) and the schema
/// without the tag.
fn without_tag(mut variant: Value) -> (String, Value) {
    let object = variant
        .as_object_mut()
        .expect("a struct variant's schema is an object");
    let tag = object
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .and_then(|properties| properties.remove(COMMAND_TAG))
        .expect("every variant's schema has the command tag as a property");
    let name = tag
        .get("const")
        .and_then(Value::as_str)
        .expect("the command tag's schema is a const string")
        .to_owned();
    let required = object
        .get_mut("required")
        .and_then(Value::as_array_mut)
        .expect("the command tag is required");
    required.retain(|field| field != COMMAND_TAG);
    if required.is_empty() {
        object.remove("required");
    }
    (name, variant)
}

/// Adds `maximum: 4294967295` to the schema of every `u32` (schemars writes only
/// `minimum: 0` and `format: uint32`, a format validators do not check).
#[derive(Debug, Clone, Copy)]
struct U32Maximum;

impl Transform for U32Maximum {
    fn transform(&mut self, schema: &mut Schema) {
        if schema.get("format").and_then(Value::as_str) == Some("uint32") {
            if let Some(object) = schema.as_object_mut() {
                object
                    .entry("maximum")
                    .or_insert_with(|| Value::from(u32::MAX));
            }
        }
        transform_subschemas(self, schema);
    }
}

/// For an internally tagged enum with `deny_unknown_fields`: serde refuses other fields in
/// struct variants, but ignores them in unit variants (the tag alone). The derived schema
/// says `additionalProperties: false` for both; this removes it from the unit variants.
pub(crate) fn unit_variants_take_any_fields(schema: &mut Schema) {
    let Some(variants) = schema.get_mut("oneOf").and_then(Value::as_array_mut) else {
        return;
    };
    for variant in variants.iter_mut().filter_map(Value::as_object_mut) {
        let tag_only = variant
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|properties| {
                properties.len() == 1 && properties.values().all(|tag| tag.get("const").is_some())
            });
        if tag_only {
            variant.remove("additionalProperties");
        }
    }
}
