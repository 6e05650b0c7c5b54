//! The transparency log's proof parsers on any text: the API's inclusion and
//! consistency bodies (`hemicycle_log::api`), decoded and verified by the RFC 9162
//! algorithms, and receipts (`hemicycle_log::receipt`), parsed and verified against the
//! fuzzing key. What parses must print back to the same text; verification may refuse
//! but never panic.

#![no_main]

use hemicycle_fuzz::verifier;
use hemicycle_log::api::{ConsistencyBody, InclusionBody};
use hemicycle_log::{empty_root, verify_consistency, verify_inclusion, Receipt};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    // Any root will do: the point is that the algorithms run on any numbers and hashes.
    let root = empty_root();
    if let Ok(body) = InclusionBody::from_json(text) {
        assert_eq!(
            InclusionBody::from_json(&body.to_json()).as_ref(),
            Ok(&body),
            "an inclusion body does not survive its own JSON"
        );
        if let Ok((leaf, proof)) = body.decode() {
            let _ = verify_inclusion(&leaf, body.index, body.tree_size, &proof, &root);
            // A proof whose last step is the root it leads to: exercises the whole path.
            if let Some(last) = proof.last() {
                let _ = verify_inclusion(&leaf, body.index, body.tree_size, &proof, last);
            }
        }
    }
    if let Ok(body) = ConsistencyBody::from_json(text) {
        assert_eq!(
            ConsistencyBody::from_json(&body.to_json()).as_ref(),
            Ok(&body),
            "a consistency body does not survive its own JSON"
        );
        if let Ok(proof) = body.decode() {
            let _ = verify_consistency(body.from, body.to, &proof, &root, &root);
            if let (Some(first), Some(last)) = (proof.first(), proof.last()) {
                let _ = verify_consistency(body.from, body.to, &proof, first, last);
            }
        }
    }
    if let Ok(receipt) = Receipt::parse(text) {
        assert_eq!(
            receipt.to_text(),
            text,
            "a receipt does not print back as written"
        );
        let _ = receipt.verify(verifier());
    }
});
