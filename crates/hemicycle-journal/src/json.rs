//! An order-preserving JSON value, used only to check that bytes are in the
//! one encoding the journal accepts.
//!
//! `serde_json::Value` is not used for this on purpose: whether its objects
//! keep key order depends on the `preserve_order` cargo feature, which any
//! other crate in a build can switch on. A wire-format check must not change
//! meaning with the dependency graph, so this module keeps keys in the order
//! they were written, always.
//!
//! serde_json's `arbitrary_precision` feature must stay off in the
//! workspace: it hands numbers to deserializers as a special one-key map,
//! which this module would re-encode differently, so every payload with a
//! number would be refused (loudly: the known-answer tests would fail).

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonValue {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    String(String),
    Array(Vec<JsonValue>),
    /// Keys in the order they appeared; duplicates are refused when reading.
    Object(Vec<(String, JsonValue)>),
}

impl JsonValue {
    /// A short English name of the kind of value, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            JsonValue::Null => "null",
            JsonValue::Bool(_) => "a boolean",
            JsonValue::Unsigned(_) | JsonValue::Signed(_) | JsonValue::Float(_) => "a number",
            JsonValue::String(_) => "a string",
            JsonValue::Array(_) => "an array",
            JsonValue::Object(_) => "an object",
        }
    }

    /// The compact serde_json encoding of this value.
    pub(crate) fn to_compact_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }
}

/// Reads `bytes` as JSON with serde_json's parser (including its nesting
/// limit, which keeps hostile input from exhausting the stack). Callers write
/// the value back out with [`JsonValue::to_compact_bytes`] and compare, to
/// decide whether the input was already in its one accepted encoding.
pub(crate) fn parse(bytes: &[u8]) -> Result<JsonValue, serde_json::Error> {
    serde_json::from_slice(bytes)
}

impl Serialize for JsonValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            JsonValue::Null => serializer.serialize_unit(),
            JsonValue::Bool(value) => serializer.serialize_bool(*value),
            JsonValue::Unsigned(value) => serializer.serialize_u64(*value),
            JsonValue::Signed(value) => serializer.serialize_i64(*value),
            JsonValue::Float(value) => serializer.serialize_f64(*value),
            JsonValue::String(value) => serializer.serialize_str(value),
            JsonValue::Array(items) => {
                let mut sequence = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    sequence.serialize_element(item)?;
                }
                sequence.end()
            }
            JsonValue::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonValue, D::Error> {
        deserializer.deserialize_any(JsonValueVisitor)
    }
}

struct JsonValueVisitor;

impl<'de> Visitor<'de> for JsonValueVisitor {
    type Value = JsonValue;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<JsonValue, E> {
        Ok(JsonValue::Null)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<JsonValue, E> {
        Ok(JsonValue::Bool(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<JsonValue, E> {
        Ok(JsonValue::Unsigned(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<JsonValue, E> {
        Ok(JsonValue::Signed(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<JsonValue, E> {
        Ok(JsonValue::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<JsonValue, E> {
        Ok(JsonValue::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<JsonValue, E> {
        Ok(JsonValue::String(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<JsonValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element()? {
            items.push(item);
        }
        Ok(JsonValue::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<JsonValue, A::Error> {
        let mut entries = Vec::new();
        // Duplicate keys would make the meaning of a payload depend on which
        // reader looks at it (first wins, last wins, error), so they are
        // refused outright.
        let mut seen = BTreeSet::new();
        while let Some(key) = access.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
            }
            let value = access.next_value()?;
            entries.push((key, value));
        }
        Ok(JsonValue::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> Option<String> {
        let value = parse(text.as_bytes()).ok()?;
        Some(String::from_utf8(value.to_compact_bytes().ok()?).expect("serde_json writes UTF-8"))
    }

    #[test]
    fn key_order_is_kept() {
        assert_eq!(
            round_trip(r#"{"b":1,"a":2}"#).as_deref(),
            Some(r#"{"b":1,"a":2}"#)
        );
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let error = parse(br#"{"a":1,"a":2}"#).unwrap_err();
        assert!(error.to_string().contains("duplicate key"), "{error}");
    }

    #[test]
    fn numbers_keep_their_kind() {
        assert_eq!(
            round_trip(r#"[0,-1,1.5,18446744073709551615]"#).as_deref(),
            Some("[0,-1,1.5,18446744073709551615]")
        );
        // Non-canonical spellings re-encode differently, which is what lets
        // callers detect them.
        assert_eq!(round_trip("1E2").as_deref(), Some("100.0"));
        assert_ne!(round_trip("-0").as_deref(), Some("-0"));
        assert_eq!(round_trip("1.50").as_deref(), Some("1.5"));
    }
}
