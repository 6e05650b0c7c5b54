//! Events as callers submit them ([`NewEvent`]) and as the journal records
//! them ([`Envelope`]), with the canonical byte encoding that is hashed.

use thiserror::Error;

use crate::hash::Hash;
use crate::json::{self, JsonValue};
use crate::limits::{MAX_ACTOR_BYTES, MAX_CANONICAL_BYTES, MAX_PAYLOAD_BYTES};
use crate::timestamp;

/// An event as submitted to [`Journal::append`](crate::Journal::append),
/// before the journal gives it a sequence number and chains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// RFC 3339 timestamp chosen by the caller, kept verbatim.
    pub recorded_at: String,
    /// Who caused the event, e.g. `clerk:amina` or `system`.
    pub actor: String,
    /// A compact JSON object produced by the domain (see the crate docs for
    /// the exact rules).
    pub payload: Vec<u8>,
}

/// A recorded event: a [`NewEvent`] plus its place in the chain.
///
/// `hash` is always SHA-256 of [`Envelope::canonical_bytes`] for envelopes
/// made by this crate; the fields are public so callers can read them
/// freely, and [`Envelope::parse`] rebuilds an envelope from stored bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Position in the journal: 1, 2, 3, … with no gaps.
    pub sequence: u64,
    /// RFC 3339 timestamp supplied by the caller, verbatim.
    pub recorded_at: String,
    /// Who caused the event.
    pub actor: String,
    /// Hash of the previous event; [`Hash::ZERO`] for event 1.
    pub previous_hash: Hash,
    /// The compact JSON object, verbatim.
    pub payload: Vec<u8>,
    /// SHA-256 of the canonical bytes.
    pub hash: Hash,
}

/// Why an event's fields are not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    /// Sequences start at 1.
    #[error("sequence 0 is not valid: events are numbered from 1")]
    SequenceZero,
    /// `recorded_at` is not in the accepted RFC 3339 profile.
    #[error("recorded_at {value:?} is not an RFC 3339 timestamp: {reason}")]
    RecordedAtInvalid {
        /// The offending value, cut to a bounded length.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `actor` is the empty string.
    #[error("actor must not be empty")]
    ActorEmpty,
    /// `actor` is longer than [`MAX_ACTOR_BYTES`].
    #[error("actor is {length} bytes long; the limit is {max} bytes")]
    ActorTooLong {
        /// Its length in bytes.
        length: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// `actor` contains a control character (newline, tab, …).
    #[error("actor contains a control character at byte {position}")]
    ActorControlCharacter {
        /// Byte offset of the first control character.
        position: usize,
    },
    /// The payload is larger than [`MAX_PAYLOAD_BYTES`].
    #[error("payload is {length} bytes long; the limit is {max} bytes")]
    PayloadTooLarge {
        /// Its length in bytes.
        length: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The payload is not valid JSON (or repeats a key).
    #[error("payload is not valid JSON: {reason}")]
    PayloadNotJson {
        /// The parser's explanation.
        reason: String,
    },
    /// The payload is JSON but not an object.
    #[error("payload must be a JSON object, but it is {found}")]
    PayloadNotObject {
        /// The kind of JSON value found.
        found: &'static str,
    },
    /// The payload is a JSON object but not in its one accepted encoding.
    #[error(
        "payload is not in compact form (first difference at byte {position}): \
         write it with serde_json::to_vec, without whitespace, with numbers and \
         string escapes exactly as serde_json writes them"
    )]
    PayloadNotCompact {
        /// Byte offset of the first difference from the compact re-encoding.
        position: usize,
    },
}

/// Why bytes are not the canonical bytes of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// Longer than [`MAX_CANONICAL_BYTES`].
    #[error("{length} bytes is more than the limit of {max} bytes")]
    TooLarge {
        /// Length in bytes.
        length: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// Not JSON at all.
    #[error("not valid JSON: {reason}")]
    NotJson {
        /// The parser's explanation.
        reason: String,
    },
    /// Not the five expected fields in the expected order.
    #[error(
        "expected exactly the fields sequence, recorded_at, actor, previous_hash, payload \
         in that order, found {found}"
    )]
    WrongFields {
        /// A description of what was found.
        found: String,
    },
    /// A field has the wrong JSON type or an impossible value.
    #[error("field {field} is not valid: {reason}")]
    InvalidField {
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A field breaks one of the rules applied to new events.
    #[error(transparent)]
    Event(#[from] EventError),
    /// Everything parses, but the bytes are not the one canonical encoding
    /// (whitespace, escapes, or hex case differ).
    #[error("the bytes are not in canonical form (first difference at byte {position})")]
    NotCanonical {
        /// Byte offset of the first difference from the canonical encoding.
        position: usize,
    },
}

impl Envelope {
    /// Validates `event` and makes the envelope at `sequence`, chained to
    /// `previous_hash`, with its hash computed.
    pub fn new(
        sequence: u64,
        previous_hash: Hash,
        event: NewEvent,
    ) -> Result<Envelope, EventError> {
        Envelope::new_with_canonical_bytes(sequence, previous_hash, event)
            .map(|(envelope, _)| envelope)
    }

    /// Like [`Envelope::new`], also returning the canonical bytes so the
    /// journal does not encode every event twice.
    pub(crate) fn new_with_canonical_bytes(
        sequence: u64,
        previous_hash: Hash,
        event: NewEvent,
    ) -> Result<(Envelope, Vec<u8>), EventError> {
        if sequence == 0 {
            return Err(EventError::SequenceZero);
        }
        check_recorded_at(&event.recorded_at)?;
        check_actor(&event.actor)?;
        check_payload(&event.payload)?;
        let bytes = encode(
            sequence,
            &event.recorded_at,
            &event.actor,
            &previous_hash,
            &event.payload,
        );
        let envelope = Envelope {
            sequence,
            recorded_at: event.recorded_at,
            actor: event.actor,
            previous_hash,
            payload: event.payload,
            hash: Hash::of(&bytes),
        };
        Ok((envelope, bytes))
    }

    /// The exact bytes that are hashed and stored; see the crate docs.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        encode(
            self.sequence,
            &self.recorded_at,
            &self.actor,
            &self.previous_hash,
            &self.payload,
        )
    }

    /// SHA-256 of this envelope's canonical bytes, computed afresh (unlike
    /// the `hash` field, which is whatever was set).
    pub fn compute_hash(&self) -> Hash {
        Hash::of(&self.canonical_bytes())
    }

    /// Rebuilds an envelope from canonical bytes, strictly: the bytes must be
    /// exactly what [`Envelope::canonical_bytes`] would produce for valid
    /// fields, byte for byte. `hash` is set to SHA-256 of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, ParseError> {
        Envelope::parse_with_hash(bytes, Hash::of(bytes))
    }

    /// Like [`Envelope::parse`], for a caller that has just computed (and
    /// checked) `hash`, the SHA-256 of `bytes`, so replay hashes each event
    /// once, not twice.
    pub(crate) fn parse_with_hash(bytes: &[u8], hash: Hash) -> Result<Envelope, ParseError> {
        debug_assert_eq!(
            hash,
            Hash::of(bytes),
            "the hash given is the hash of the bytes"
        );
        if bytes.len() <= MAX_CANONICAL_BYTES {
            if let Some(envelope) = fast::parse(bytes, hash) {
                return Ok(envelope);
            }
        }
        // Anything the fast path is not sure of (escapes, floats, errors of
        // every kind) goes through the general parser, which decides and
        // words every error exactly as before.
        Envelope::parse_general(bytes, hash)
    }

    /// The general parser: reads the whole envelope as JSON, checks every
    /// field, re-encodes it and compares, byte for byte.
    fn parse_general(bytes: &[u8], hash: Hash) -> Result<Envelope, ParseError> {
        if bytes.len() > MAX_CANONICAL_BYTES {
            return Err(ParseError::TooLarge {
                length: bytes.len(),
                max: MAX_CANONICAL_BYTES,
            });
        }
        let value = json::parse(bytes).map_err(|error| ParseError::NotJson {
            reason: error.to_string(),
        })?;
        let JsonValue::Object(fields) = value else {
            return Err(ParseError::WrongFields {
                found: value.kind().to_owned(),
            });
        };
        let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
        if names
            != [
                "sequence",
                "recorded_at",
                "actor",
                "previous_hash",
                "payload",
            ]
        {
            return Err(ParseError::WrongFields {
                found: format!("{names:?}"),
            });
        }
        let mut values = fields.into_iter().map(|(_, value)| value);
        // The field names were checked above, so each `next` yields a value;
        // the fallbacks only keep this free of unwraps.
        let mut next = || values.next().unwrap_or(JsonValue::Null);
        let sequence = match next() {
            JsonValue::Unsigned(sequence) if sequence >= 1 => sequence,
            other => {
                return Err(ParseError::InvalidField {
                    field: "sequence",
                    reason: format!(
                        "must be a whole number of at least 1, found {}",
                        other.kind()
                    ),
                })
            }
        };
        let recorded_at = expect_string(next(), "recorded_at")?;
        let actor = expect_string(next(), "actor")?;
        let previous_hash_hex = expect_string(next(), "previous_hash")?;
        let previous_hash =
            Hash::from_hex(&previous_hash_hex).map_err(|error| ParseError::InvalidField {
                field: "previous_hash",
                reason: error.to_string(),
            })?;
        let payload_value = next();
        if !matches!(payload_value, JsonValue::Object(_)) {
            return Err(EventError::PayloadNotObject {
                found: payload_value.kind(),
            }
            .into());
        }
        let payload =
            payload_value
                .to_compact_bytes()
                .map_err(|error| ParseError::InvalidField {
                    field: "payload",
                    reason: error.to_string(),
                })?;

        check_recorded_at(&recorded_at)?;
        check_actor(&actor)?;
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(EventError::PayloadTooLarge {
                length: payload.len(),
                max: MAX_PAYLOAD_BYTES,
            }
            .into());
        }

        let envelope = Envelope {
            sequence,
            recorded_at,
            actor,
            previous_hash,
            payload,
            hash,
        };
        // Re-encoding and comparing catches every non-canonical spelling at
        // once (whitespace, escapes, hex case, number forms) and so
        // guarantees one encoding per envelope.
        let canonical = envelope.canonical_bytes();
        if canonical != bytes {
            return Err(ParseError::NotCanonical {
                position: first_difference(&canonical, bytes),
            });
        }
        Ok(envelope)
    }
}

fn expect_string(value: JsonValue, field: &'static str) -> Result<String, ParseError> {
    match value {
        JsonValue::String(text) => Ok(text),
        other => Err(ParseError::InvalidField {
            field,
            reason: format!("must be a string, found {}", other.kind()),
        }),
    }
}

/// Writes the canonical bytes. Kept as the only encoder so that appending,
/// [`Envelope::canonical_bytes`] and [`Envelope::parse`] cannot disagree.
fn encode(
    sequence: u64,
    recorded_at: &str,
    actor: &str,
    previous_hash: &Hash,
    payload: &[u8],
) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(payload.len() + recorded_at.len() + 2 * actor.len() + 160);
    bytes.extend_from_slice(b"{\"sequence\":");
    write_decimal(&mut bytes, sequence);
    bytes.extend_from_slice(b",\"recorded_at\":");
    write_json_string(&mut bytes, recorded_at);
    bytes.extend_from_slice(b",\"actor\":");
    write_json_string(&mut bytes, actor);
    bytes.extend_from_slice(b",\"previous_hash\":\"");
    previous_hash.write_lower_hex(&mut bytes);
    bytes.extend_from_slice(b"\",\"payload\":");
    bytes.extend_from_slice(payload);
    bytes.push(b'}');
    bytes
}

/// Appends `number` in decimal, without sign or leading zeros (as
/// `to_string` writes it, without allocating a `String` for every event).
fn write_decimal(bytes: &mut Vec<u8>, number: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = number;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    bytes.extend_from_slice(&digits[start..]);
}

/// Appends `text` as a JSON string escaped exactly as serde_json escapes it
/// (the wire format promises serde_json's escaping, so serde_json does it).
fn write_json_string(bytes: &mut Vec<u8>, text: &str) {
    // Serialising a `str` into a `Vec<u8>` has no failure path: the writer
    // cannot fail and strings need no fallible conversion.
    serde_json::to_writer(&mut *bytes, text).expect("serialising a str into memory cannot fail");
}

fn check_recorded_at(recorded_at: &str) -> Result<(), EventError> {
    timestamp::check_rfc3339(recorded_at).map_err(|reason| EventError::RecordedAtInvalid {
        value: bounded_prefix(recorded_at, timestamp::MAX_RECORDED_AT_BYTES + 5),
        reason,
    })
}

fn check_actor(actor: &str) -> Result<(), EventError> {
    if actor.is_empty() {
        return Err(EventError::ActorEmpty);
    }
    if actor.len() > MAX_ACTOR_BYTES {
        return Err(EventError::ActorTooLong {
            length: actor.len(),
            max: MAX_ACTOR_BYTES,
        });
    }
    // Control characters (newlines above all) would let an actor name forge
    // extra lines in any text rendering of the record.
    if let Some((position, _)) = actor
        .char_indices()
        .find(|(_, character)| character.is_control())
    {
        return Err(EventError::ActorControlCharacter { position });
    }
    Ok(())
}

/// Checks the payload rules: at most [`MAX_PAYLOAD_BYTES`], a JSON object
/// without repeated keys, and byte-identical to its compact serde_json
/// re-encoding.
pub(crate) fn check_payload(payload: &[u8]) -> Result<(), EventError> {
    if payload.len() <= MAX_PAYLOAD_BYTES && fast::is_compact_object(payload) {
        return Ok(());
    }
    check_payload_general(payload)
}

/// [`check_payload`] by the general route: parse, re-encode, compare. Decides
/// every case the fast path leaves open, and words every error.
fn check_payload_general(payload: &[u8]) -> Result<(), EventError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(EventError::PayloadTooLarge {
            length: payload.len(),
            max: MAX_PAYLOAD_BYTES,
        });
    }
    let value = json::parse(payload).map_err(|error| EventError::PayloadNotJson {
        reason: error.to_string(),
    })?;
    if !matches!(value, JsonValue::Object(_)) {
        return Err(EventError::PayloadNotObject {
            found: value.kind(),
        });
    }
    let compact = value
        .to_compact_bytes()
        .map_err(|error| EventError::PayloadNotJson {
            reason: error.to_string(),
        })?;
    if compact != payload {
        return Err(EventError::PayloadNotCompact {
            position: first_difference(&compact, payload),
        });
    }
    Ok(())
}

fn first_difference(left: &[u8], right: &[u8]) -> usize {
    left.iter()
        .zip(right)
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| left.len().min(right.len()))
}

/// At most `max_bytes` of `text`, cut on a character boundary, so that error
/// messages stay small however large the bad input was.
fn bounded_prefix(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Fast paths for the checks made on every event appended or replayed.
///
/// Each answers only when it is certain, and only ever "this is canonical":
/// `None` or `false` means "not sure", and the caller then runs the general
/// check (parse, re-encode, compare), which decides and words the error. So
/// these paths can make a check faster but never change its answer. They
/// are certain for the spellings serde_json writes and nothing else: strings
/// without any escape or control character, whole numbers without sign
/// games, `true`, `false`, `null`, objects and arrays without whitespace.
mod fast {
    use super::{check_actor, check_recorded_at, Envelope};
    use crate::hash::Hash;
    use crate::limits::MAX_PAYLOAD_BYTES;

    /// Deeper nesting is left to the general check (serde_json's own
    /// recursion limit is 128, and refuses deeper payloads).
    const MAX_DEPTH: usize = 100;
    /// Keys of one object checked for repeats pairwise; larger objects are
    /// sorted instead.
    const PAIRWISE_KEYS_MAX: usize = 16;

    /// Reads canonical envelope bytes when they use only the spellings this
    /// module is certain of. The result is the envelope the general parser
    /// would return: every field passes the same checks, and the bytes are
    /// exactly what [`super::encode`] writes for it (the caller's tests
    /// check that on every case they try).
    pub(super) fn parse(bytes: &[u8], hash: Hash) -> Option<Envelope> {
        let mut reader = Reader::new(bytes);
        reader.literal(b"{\"sequence\":")?;
        let sequence = reader.unsigned()?;
        if sequence == 0 {
            return None;
        }
        reader.literal(b",\"recorded_at\":")?;
        let recorded_at = reader.plain_string()?;
        reader.literal(b",\"actor\":")?;
        let actor = reader.plain_string()?;
        reader.literal(b",\"previous_hash\":\"")?;
        let previous_hash = Hash::from_lower_hex(reader.take(64)?)?;
        reader.literal(b"\",\"payload\":")?;
        let (closing, _) = bytes.split_last()?;
        if *closing != b'}' {
            return None;
        }
        let payload = bytes.get(reader.position..bytes.len() - 1)?;
        if payload.len() > MAX_PAYLOAD_BYTES || !is_compact_object(payload) {
            return None;
        }
        let recorded_at = std::str::from_utf8(recorded_at).ok()?;
        let actor = std::str::from_utf8(actor).ok()?;
        check_recorded_at(recorded_at).ok()?;
        check_actor(actor).ok()?;
        Some(Envelope {
            sequence,
            recorded_at: recorded_at.to_owned(),
            actor: actor.to_owned(),
            previous_hash,
            payload: payload.to_vec(),
            hash,
        })
    }

    /// Whether `payload` is certainly a JSON object in its one compact
    /// encoding, without repeated keys: what `check_payload` accepts.
    pub(super) fn is_compact_object(payload: &[u8]) -> bool {
        // Valid UTF-8 throughout means every string between two quotes is
        // too, as quotes are ASCII.
        if std::str::from_utf8(payload).is_err() || payload.first() != Some(&b'{') {
            return false;
        }
        let mut reader = Reader::new(payload);
        reader.value(0).is_some() && reader.position == payload.len()
    }

    struct Reader<'a> {
        bytes: &'a [u8],
        position: usize,
    }

    impl<'a> Reader<'a> {
        fn new(bytes: &'a [u8]) -> Reader<'a> {
            Reader { bytes, position: 0 }
        }

        fn peek(&self) -> Option<u8> {
            self.bytes.get(self.position).copied()
        }

        fn take(&mut self, count: usize) -> Option<&'a [u8]> {
            let taken = self
                .bytes
                .get(self.position..self.position.checked_add(count)?)?;
            self.position += count;
            Some(taken)
        }

        fn literal(&mut self, expected: &[u8]) -> Option<()> {
            (self.take(expected.len())? == expected).then_some(())
        }

        /// A whole number as serde_json writes a `u64`: no sign, no leading
        /// zero, no fraction or exponent (the caller's next expected byte
        /// refuses those), and small enough not to become a float.
        fn unsigned(&mut self) -> Option<u64> {
            let start = self.position;
            let mut value = 0u64;
            while let Some(digit @ b'0'..=b'9') = self.peek() {
                value = value
                    .checked_mul(10)?
                    .checked_add(u64::from(digit - b'0'))?;
                self.position += 1;
            }
            let digits = self.position - start;
            let leading_zero = digits > 1 && self.bytes[start] == b'0';
            (digits > 0 && !leading_zero).then_some(value)
        }

        /// A string with no escape and no control character, which
        /// serde_json writes verbatim between its quotes. Returns the bytes
        /// between the quotes.
        fn plain_string(&mut self) -> Option<&'a [u8]> {
            self.literal(b"\"")?;
            let rest = self.bytes.get(self.position..)?;
            let length = rest
                .iter()
                .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
            if rest[length] != b'"' {
                return None;
            }
            self.position += length + 1;
            Some(&rest[..length])
        }

        fn value(&mut self, depth: usize) -> Option<()> {
            if depth > MAX_DEPTH {
                return None;
            }
            match self.peek()? {
                b'{' => self.object(depth + 1),
                b'[' => self.array(depth + 1),
                b'"' => self.plain_string().map(|_| ()),
                b't' => self.literal(b"true"),
                b'f' => self.literal(b"false"),
                b'n' => self.literal(b"null"),
                b'-' => {
                    self.position += 1;
                    // A negative number must fit an i64 to stay a whole
                    // number; "-0" is not how serde_json writes zero.
                    let magnitude = self.unsigned()?;
                    (magnitude != 0 && magnitude <= i64::MAX as u64).then_some(())
                }
                b'0'..=b'9' => self.unsigned().map(|_| ()),
                _ => None,
            }
        }

        fn array(&mut self, depth: usize) -> Option<()> {
            self.literal(b"[")?;
            if self.peek()? == b']' {
                self.position += 1;
                return Some(());
            }
            loop {
                self.value(depth)?;
                match self.take(1)? {
                    b"," => continue,
                    b"]" => return Some(()),
                    _ => return None,
                }
            }
        }

        fn object(&mut self, depth: usize) -> Option<()> {
            self.literal(b"{")?;
            if self.peek()? == b'}' {
                self.position += 1;
                return Some(());
            }
            let mut few: [&[u8]; PAIRWISE_KEYS_MAX] = [&[]; PAIRWISE_KEYS_MAX];
            let mut count = 0usize;
            let mut many: Vec<&[u8]> = Vec::new();
            loop {
                // Keys have no escapes, so equal keys are equal bytes.
                let key = self.plain_string()?;
                if count < PAIRWISE_KEYS_MAX {
                    if few[..count].contains(&key) {
                        return None;
                    }
                    few[count] = key;
                } else {
                    if many.is_empty() {
                        many.extend_from_slice(&few);
                    }
                    many.push(key);
                }
                count += 1;
                self.literal(b":")?;
                self.value(depth)?;
                match self.take(1)? {
                    b"," => continue,
                    b"}" => break,
                    _ => return None,
                }
            }
            if !many.is_empty() {
                many.sort_unstable();
                if many.windows(2).any(|pair| pair[0] == pair[1]) {
                    return None;
                }
            }
            Some(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(payload: &str) -> NewEvent {
        NewEvent {
            recorded_at: "2020-01-05T16:25:00+03:00".to_owned(),
            actor: "clerk:amina".to_owned(),
            payload: payload.as_bytes().to_vec(),
        }
    }

    /// Known answer: the expected bytes are written out by hand and their
    /// SHA-256 was computed outside Rust, with
    /// `printf '%s' '<the bytes>' | sha256sum`.
    #[test]
    fn canonical_bytes_known_answer() {
        let envelope = Envelope::new(
            1,
            Hash::ZERO,
            event(r#"{"type":"sitting_opened","sitting":"2020-01-05"}"#),
        )
        .unwrap();
        let expected = concat!(
            r#"{"sequence":1,"recorded_at":"2020-01-05T16:25:00+03:00","actor":"clerk:amina","#,
            r#""previous_hash":"0000000000000000000000000000000000000000000000000000000000000000","#,
            r#""payload":{"type":"sitting_opened","sitting":"2020-01-05"}}"#
        );
        assert_eq!(
            String::from_utf8(envelope.canonical_bytes()).unwrap(),
            expected
        );
        assert_eq!(
            envelope.hash.to_hex(),
            "6601368bf0adb94054dca3b7627e1c46b160f60da74db983b8dd94c14d87bbd4"
        );
    }

    /// Known answer with escaping: a quote and a backslash in the actor are
    /// escaped as serde_json does, non-ASCII is written as raw UTF-8, and
    /// the previous hash is written in lower case.
    #[test]
    fn canonical_bytes_known_answer_with_escapes() {
        let previous_hash = Hash::from_hex(&"AB".repeat(32)).unwrap();
        let envelope = Envelope::new(
            57,
            previous_hash,
            NewEvent {
                recorded_at: "2020-01-05T13:25:00.25Z".to_owned(),
                actor: "member:zoë \"the whip\" \\ 12".to_owned(),
                payload: r#"{"text":"line\nbreak é","n":-1.5,"list":[true,null]}"#
                    .as_bytes()
                    .to_vec(),
            },
        )
        .unwrap();
        let expected = concat!(
            r#"{"sequence":57,"recorded_at":"2020-01-05T13:25:00.25Z","#,
            r#""actor":"member:zoë \"the whip\" \\ 12","#,
            r#""previous_hash":"abababababababababababababababababababababababababababababababab","#,
            r#""payload":{"text":"line\nbreak é","n":-1.5,"list":[true,null]}}"#
        );
        assert_eq!(
            String::from_utf8(envelope.canonical_bytes()).unwrap(),
            expected
        );
        assert_eq!(
            envelope.hash.to_hex(),
            "13bc935b5ea83fda91c73de5cc5d0f20037c3fb615737da6d7af0002883726e1"
        );
    }

    #[test]
    fn parse_round_trips() {
        let envelope =
            Envelope::new(3, Hash::of(b"x"), event(r#"{"b":[1,2],"a":{"c":"é"}}"#)).unwrap();
        assert_eq!(Envelope::parse(&envelope.canonical_bytes()), Ok(envelope));
    }

    #[test]
    fn parse_refuses_every_non_canonical_spelling() {
        let envelope = Envelope::new(3, Hash::of(b"x"), event(r#"{"a":1}"#)).unwrap();
        let good = String::from_utf8(envelope.canonical_bytes()).unwrap();
        let hex = envelope.previous_hash.to_hex();
        let variants = [
            good.replacen(',', ", ", 1),
            format!("{good}\n"),
            format!(" {good}"),
            good.replace(&hex, &hex.to_uppercase()),
            good.replace("clerk:amina", "clerk\\u003aamina"),
            good.replace("\"sequence\":3", "\"sequence\":3.0"),
            good.replace("\"sequence\":3", "\"sequence\":0"),
            good.replace("\"sequence\":3", "\"sequence\":\"3\""),
            good.replace("{\"a\":1}", "{\"a\": 1}"),
            good.replace("{\"a\":1}", "[1]"),
            good.replace("{\"sequence\":3,", "{\"sequence\":3,\"extra\":1,"),
            good.replace(",\"actor\":\"clerk:amina\"", ""),
            good.replace(
                "\"recorded_at\":\"2020-01-05T16:25:00+03:00\",\"actor\":\"clerk:amina\"",
                "\"actor\":\"clerk:amina\",\"recorded_at\":\"2020-01-05T16:25:00+03:00\"",
            ),
            good.replace("16:25:00", "16:25"),
            good.replace("clerk:amina", ""),
            good.replace(&hex, &hex[..62]),
            good.replace("{\"sequence\":3,", "{\"sequence\":3,\"sequence\":3,"),
        ];
        for variant in variants {
            assert_ne!(variant, good);
            assert!(
                Envelope::parse(variant.as_bytes()).is_err(),
                "accepted {variant}"
            );
        }
    }

    #[test]
    fn hash_is_sha256_of_canonical_bytes() {
        let envelope = Envelope::new(9, Hash::of(b"y"), event("{}")).unwrap();
        assert_eq!(envelope.hash, Hash::of(&envelope.canonical_bytes()));
        assert_eq!(envelope.hash, envelope.compute_hash());
    }

    type IsExpected = fn(&EventError) -> bool;

    #[test]
    fn payload_validation_errors() {
        let cases: [(&[u8], IsExpected); 9] = [
            (b"", |e| matches!(e, EventError::PayloadNotJson { .. })),
            (b"{", |e| matches!(e, EventError::PayloadNotJson { .. })),
            (b"[1,2]", |e| {
                matches!(e, EventError::PayloadNotObject { found: "an array" })
            }),
            (b"\"text\"", |e| {
                matches!(e, EventError::PayloadNotObject { found: "a string" })
            }),
            (b"{\"a\": 1}", |e| {
                matches!(e, EventError::PayloadNotCompact { position: 5 })
            }),
            (b"{\"a\":1} ", |e| {
                matches!(e, EventError::PayloadNotCompact { position: 7 })
            }),
            (b"{\"a\":1e3}", |e| {
                matches!(e, EventError::PayloadNotCompact { .. })
            }),
            (b"{\"a\":\"\\u00e9\"}", |e| {
                matches!(e, EventError::PayloadNotCompact { .. })
            }),
            (b"{\"a\":1,\"a\":2}", |e| {
                matches!(e, EventError::PayloadNotJson { .. })
            }),
        ];
        for (payload, is_expected) in cases {
            let error = check_payload(payload).unwrap_err();
            assert!(
                is_expected(&error),
                "{:?} gave {error:?}",
                String::from_utf8_lossy(payload)
            );
        }
        let invalid_utf8 = b"{\"a\":\"\xff\"}";
        assert!(matches!(
            check_payload(invalid_utf8),
            Err(EventError::PayloadNotJson { .. })
        ));
    }

    #[test]
    fn payload_size_limit() {
        let filler = "x".repeat(MAX_PAYLOAD_BYTES - 8);
        let at_limit = format!("{{\"a\":\"{filler}\"}}");
        assert_eq!(at_limit.len(), MAX_PAYLOAD_BYTES);
        assert_eq!(check_payload(at_limit.as_bytes()), Ok(()));
        let over_limit = format!("{{\"a\":\"{filler}x\"}}");
        assert_eq!(
            check_payload(over_limit.as_bytes()),
            Err(EventError::PayloadTooLarge {
                length: MAX_PAYLOAD_BYTES + 1,
                max: MAX_PAYLOAD_BYTES
            })
        );
    }

    #[test]
    fn actor_and_timestamp_validation_errors() {
        let mut bad = event("{}");
        bad.actor.clear();
        assert_eq!(
            Envelope::new(1, Hash::ZERO, bad),
            Err(EventError::ActorEmpty)
        );

        let mut bad = event("{}");
        bad.actor = "a".repeat(MAX_ACTOR_BYTES + 1);
        assert!(matches!(
            Envelope::new(1, Hash::ZERO, bad),
            Err(EventError::ActorTooLong {
                length: 201,
                max: 200
            })
        ));

        let mut bad = event("{}");
        bad.actor = "clerk:amina\nsystem".to_owned();
        assert_eq!(
            Envelope::new(1, Hash::ZERO, bad),
            Err(EventError::ActorControlCharacter { position: 11 })
        );

        let mut bad = event("{}");
        bad.recorded_at = "yesterday".to_owned();
        assert!(matches!(
            Envelope::new(1, Hash::ZERO, bad),
            Err(EventError::RecordedAtInvalid { .. })
        ));

        let mut bad = event("{}");
        bad.recorded_at = "9".repeat(10_000);
        match Envelope::new(1, Hash::ZERO, bad) {
            Err(EventError::RecordedAtInvalid { value, .. }) => assert!(value.len() < 100),
            other => panic!("unexpected {other:?}"),
        }

        assert_eq!(
            Envelope::new(0, Hash::ZERO, event("{}")),
            Err(EventError::SequenceZero)
        );

        let mut ok = event("{}");
        ok.actor = "a".repeat(MAX_ACTOR_BYTES);
        assert!(Envelope::new(1, Hash::ZERO, ok).is_ok());
    }

    /// Payloads the fast check must accept (so replay of ordinary events
    /// takes it) and that the general check accepts too.
    const FAST_PAYLOADS: &[&str] = &[
        "{}",
        r#"{"v":1,"type":"BallotCast","division":"d1","member":"m001","choice":"yes"}"#,
        r#"{"a":[],"b":{},"c":[1,-2,0,18446744073709551615,-9223372036854775807],"d":null}"#,
        r#"{"t":true,"f":false,"nested":{"x":[{"y":[[]]}]},"é":"zoë / 東京"}"#,
        r#"{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17}"#,
    ];

    /// Payloads the fast check must leave to the general one: some are
    /// canonical (escapes, floats), some not, and the general check decides.
    const SLOW_PAYLOADS: &[&str] = &[
        r#"{"a":"line\nbreak"}"#,
        r#"{"a":"quote \" inside"}"#,
        r#"{"a":1.5}"#,
        r#"{"a":-0}"#,
        r#"{"a":-9223372036854775808}"#,
        r#"{"a":18446744073709551616}"#,
        r#"{"a":01}"#,
        r#"{"a":1e3}"#,
        r#"{"a": 1}"#,
        r#"{"a":1} "#,
        r#"{"a":1,"a":2}"#,
        r#"{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k0":17}"#,
        r#"{"a":tru}"#,
        r#"{"a":[1,]}"#,
        r#"{"a":1,}"#,
        r#"[1,2]"#,
        r#""text""#,
        r#"{"a":"\u00e9"}"#,
        "{\"a\":\"tab\there\"}",
    ];

    #[test]
    fn fast_payload_check_accepts_ordinary_payloads_and_agrees_with_the_general_one() {
        for payload in FAST_PAYLOADS {
            assert!(fast::is_compact_object(payload.as_bytes()), "{payload}");
            assert_eq!(
                check_payload_general(payload.as_bytes()),
                Ok(()),
                "{payload}"
            );
        }
        for payload in SLOW_PAYLOADS {
            assert!(!fast::is_compact_object(payload.as_bytes()), "{payload}");
            // The public check still decides, through the general route.
            assert_eq!(
                check_payload(payload.as_bytes()),
                check_payload_general(payload.as_bytes()),
                "{payload}"
            );
        }
        let deep = format!("{}{{}}{}", "{\"a\":".repeat(120), "}".repeat(120));
        assert_eq!(check_payload_general(deep.as_bytes()), Ok(()));
        assert!(!fast::is_compact_object(deep.as_bytes()));
        assert!(!fast::is_compact_object(b"{\"a\":\"\xff\"}"));
    }

    #[test]
    fn fast_envelope_parse_gives_what_the_general_parser_gives() {
        for payload in FAST_PAYLOADS {
            let envelope = Envelope::new(12_345, Hash::of(b"x"), event(payload)).unwrap();
            let bytes = envelope.canonical_bytes();
            let hash = Hash::of(&bytes);
            assert_eq!(
                fast::parse(&bytes, hash).as_ref(),
                Some(&envelope),
                "{payload}"
            );
            assert_eq!(Envelope::parse_general(&bytes, hash), Ok(envelope));
        }
        // Escapes in the actor are left to the general parser, which reads them.
        let mut escaped = event("{}");
        escaped.actor = "member:zoë \"the whip\"".to_owned();
        let envelope = Envelope::new(1, Hash::ZERO, escaped).unwrap();
        let bytes = envelope.canonical_bytes();
        assert_eq!(fast::parse(&bytes, Hash::of(&bytes)), None);
        assert_eq!(Envelope::parse(&bytes), Ok(envelope));
    }

    proptest::proptest! {
        /// Whatever bytes it is given, the fast path never accepts what the
        /// general one refuses, and never reads an envelope differently.
        #[test]
        fn fast_paths_never_accept_what_the_general_ones_refuse(
            payload_index in 0..FAST_PAYLOADS.len(),
            position in 0usize..10_000,
            replacement in proptest::prelude::any::<u8>(),
            operation in 0u8..3,
        ) {
            let envelope = Envelope::new(77, Hash::of(b"y"), event(FAST_PAYLOADS[payload_index])).unwrap();
            for target in [envelope.canonical_bytes(), envelope.payload.clone()] {
                let mut bytes = target;
                let position = position % (bytes.len() + 1);
                match operation {
                    0 if position < bytes.len() => bytes[position] = replacement,
                    1 if position < bytes.len() => {
                        bytes.remove(position);
                    }
                    _ => bytes.insert(position, replacement),
                }
                if fast::is_compact_object(&bytes) {
                    proptest::prop_assert_eq!(check_payload_general(&bytes), Ok(()));
                }
                let hash = Hash::of(&bytes);
                if let Some(fast_envelope) = fast::parse(&bytes, hash) {
                    proptest::prop_assert_eq!(Envelope::parse_general(&bytes, hash), Ok(fast_envelope));
                }
            }
        }
    }

    /// The largest possible envelope still fits the canonical-bytes limit
    /// that storage backends enforce.
    #[test]
    fn worst_case_envelope_fits_the_canonical_limit() {
        let filler = "x".repeat(MAX_PAYLOAD_BYTES - 8);
        let envelope = Envelope::new(
            u64::MAX,
            Hash::ZERO,
            NewEvent {
                recorded_at: "2020-01-05T13:25:00.123456789+03:00".to_owned(),
                actor: "\"".repeat(MAX_ACTOR_BYTES),
                payload: format!("{{\"a\":\"{filler}\"}}").into_bytes(),
            },
        )
        .unwrap();
        assert!(envelope.canonical_bytes().len() <= MAX_CANONICAL_BYTES);
        assert_eq!(Envelope::parse(&envelope.canonical_bytes()), Ok(envelope));
    }
}
