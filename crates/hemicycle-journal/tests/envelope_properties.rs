//! Properties of the canonical byte encoding over random envelopes.

use hemicycle_journal::{Envelope, Hash, NewEvent};
use proptest::prelude::*;

fn recorded_at_strategy() -> impl Strategy<Value = String> {
    (
        1900u32..2100,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
        prop_oneof![
            Just(String::new()),
            "[0-9]{1,9}".prop_map(|digits| format!(".{digits}"))
        ],
        prop_oneof![
            Just("Z".to_owned()),
            (0u32..24, 0u32..60, any::<bool>()).prop_map(|(hour, minute, east)| format!(
                "{}{hour:02}:{minute:02}",
                if east { '+' } else { '-' }
            ))
        ],
    )
        .prop_map(|(year, month, day, hour, minute, second, fraction, offset)| {
            format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{offset}")
        })
}

fn payload_strategy() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |number| number.is_finite())
            .prop_map(serde_json::Value::from),
        any::<String>().prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    });
    proptest::collection::btree_map(any::<String>(), value, 0..5)
        .prop_map(|map| serde_json::Value::Object(map.into_iter().collect()))
}

prop_compose! {
    fn envelope_strategy()(
        sequence in 1u64..,
        recorded_at in recorded_at_strategy(),
        actor in "[^\\p{Cc}]{1,50}",
        previous_hash in any::<[u8; 32]>(),
        payload in payload_strategy(),
    ) -> Envelope {
        Envelope::new(
            sequence,
            Hash::from_bytes(previous_hash),
            NewEvent { recorded_at, actor, payload: serde_json::to_vec(&payload).unwrap() },
        )
        .expect("generated events are valid")
    }
}

proptest! {
    /// Canonical bytes parse back to the same envelope, and the hash is
    /// SHA-256 of them.
    #[test]
    fn canonical_bytes_round_trip(envelope in envelope_strategy()) {
        let bytes = envelope.canonical_bytes();
        prop_assert_eq!(Hash::of(&bytes), envelope.hash);
        prop_assert_eq!(Envelope::parse(&bytes).unwrap(), envelope);
    }

    /// Canonical bytes are ordinary JSON holding the envelope's values,
    /// checked with serde_json independently of this crate's parser.
    #[test]
    fn canonical_bytes_are_json_with_the_right_values(envelope in envelope_strategy()) {
        let value: serde_json::Value = serde_json::from_slice(&envelope.canonical_bytes()).unwrap();
        prop_assert_eq!(&value["sequence"], &serde_json::json!(envelope.sequence));
        prop_assert_eq!(&value["recorded_at"], &serde_json::json!(envelope.recorded_at));
        prop_assert_eq!(&value["actor"], &serde_json::json!(envelope.actor));
        prop_assert_eq!(&value["previous_hash"], &serde_json::json!(envelope.previous_hash.to_hex()));
        let payload: serde_json::Value = serde_json::from_slice(&envelope.payload).unwrap();
        prop_assert_eq!(&value["payload"], &payload);
        prop_assert_eq!(value.as_object().unwrap().len(), 5);
    }

    /// Whitespace anywhere outside strings makes the bytes non-canonical.
    #[test]
    fn whitespace_is_refused(envelope in envelope_strategy(), at in any::<proptest::sample::Index>(), space in prop_oneof![Just(b' '), Just(b'\n'), Just(b'\t')]) {
        let bytes = envelope.canonical_bytes();
        // Only positions right after a structural character, which are
        // outside strings whatever the payload holds.
        let structural: Vec<usize> = (0..bytes.len())
            .filter(|&position| matches!(bytes[position], b'{' | b'}' | b',' | b':'))
            .filter(|&position| outside_strings(&bytes, position))
            .map(|position| position + 1)
            .collect();
        let position = structural[at.index(structural.len())];
        let mut spaced = bytes.clone();
        spaced.insert(position, space);
        prop_assert!(Envelope::parse(&spaced).is_err());
    }
}

/// Whether `position` in JSON text `bytes` lies outside any string.
fn outside_strings(bytes: &[u8], position: usize) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    for &byte in &bytes[..position] {
        if escaped {
            escaped = false;
        } else if in_string && byte == b'\\' {
            escaped = true;
        } else if byte == b'"' {
            in_string = !in_string;
        }
    }
    !in_string
}
