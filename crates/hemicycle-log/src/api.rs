//! The fixed shapes of the log's public API, as values that serialize to
//! exactly the bodies outside verifiers rely on:
//!
//! - `GET /api/log/inclusion?index=I&size=N` → [`InclusionBody`]
//! - `GET /api/log/consistency?from=M&to=N` → [`ConsistencyBody`]
//! - `GET /api/log/entries?start=S&end=E` → [`EntriesBody`] (end exclusive,
//!   at most [`MAX_ENTRIES_PER_CALL`])
//! - `GET /api/log/checkpoint` → the signed note, as `text/plain`
//! - `GET /api/log/key` → the verifier key line
//!
//! Hashes and entries are standard base64 of the raw bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::checkpoint::{decode_hash, encode_hash};
use crate::proof::MAX_PROOF_HASHES;
use crate::tree::TreeHash;

/// Most entries one call returns.
pub const MAX_ENTRIES_PER_CALL: u64 = 1000;

/// The body of an inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionBody {
    /// The leaf's zero-based index.
    pub index: u64,
    /// The size of the tree the proof is for.
    pub tree_size: u64,
    /// The leaf hash, base64.
    pub leaf_hash: String,
    /// The proof, base64, from the leaf's sibling up.
    pub hashes: Vec<String>,
}

/// The body of a consistency proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyBody {
    /// The older tree size.
    pub from: u64,
    /// The newer tree size.
    pub to: u64,
    /// The proof, base64.
    pub hashes: Vec<String>,
}

/// The body of an entries range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntriesBody {
    /// Each entry's bytes, base64, in index order.
    pub entries: Vec<String>,
}

/// Why a body cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BodyError {
    /// Not JSON of the expected shape.
    #[error("not a valid {what} body: {reason}")]
    Shape {
        /// Which body.
        what: &'static str,
        /// The parser's explanation.
        reason: String,
    },
    /// A hash is not base64 of 32 bytes.
    #[error("hash {position} of the {what} body {reason}")]
    Hash {
        /// Which body.
        what: &'static str,
        /// Which hash (0 is the leaf hash of an inclusion body, then the
        /// proof from 1 on).
        position: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// More hashes than any proof has.
    #[error("the {what} body has {found} hashes, more than any proof ({MAX_PROOF_HASHES})")]
    TooManyHashes {
        /// Which body.
        what: &'static str,
        /// How many.
        found: usize,
    },
}

fn encode_all(hashes: &[TreeHash]) -> Vec<String> {
    hashes.iter().map(encode_hash).collect()
}

fn decode_all(
    what: &'static str,
    hashes: &[String],
    first_position: usize,
) -> Result<Vec<TreeHash>, BodyError> {
    if hashes.len() > MAX_PROOF_HASHES {
        return Err(BodyError::TooManyHashes {
            what,
            found: hashes.len(),
        });
    }
    hashes
        .iter()
        .enumerate()
        .map(|(offset, text)| {
            decode_hash(text).map_err(|reason| BodyError::Hash {
                what,
                position: first_position + offset,
                reason,
            })
        })
        .collect()
}

impl InclusionBody {
    /// The body for a proof.
    pub fn new(
        index: u64,
        tree_size: u64,
        leaf_hash: &TreeHash,
        proof: &[TreeHash],
    ) -> InclusionBody {
        InclusionBody {
            index,
            tree_size,
            leaf_hash: encode_hash(leaf_hash),
            hashes: encode_all(proof),
        }
    }

    /// The JSON text served.
    pub fn to_json(&self) -> String {
        // Serializing plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a body back (a client's side), refusing anything malformed.
    pub fn from_json(text: &str) -> Result<InclusionBody, BodyError> {
        serde_json::from_str(text).map_err(|error| BodyError::Shape {
            what: "inclusion",
            reason: error.to_string(),
        })
    }

    /// The decoded leaf hash and proof.
    pub fn decode(&self) -> Result<(TreeHash, Vec<TreeHash>), BodyError> {
        let leaf = decode_all("inclusion", std::slice::from_ref(&self.leaf_hash), 0)?;
        let proof = decode_all("inclusion", &self.hashes, 1)?;
        Ok((leaf[0], proof))
    }
}

impl ConsistencyBody {
    /// The body for a proof.
    pub fn new(from: u64, to: u64, proof: &[TreeHash]) -> ConsistencyBody {
        ConsistencyBody {
            from,
            to,
            hashes: encode_all(proof),
        }
    }

    /// The JSON text served.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a body back, refusing anything malformed.
    pub fn from_json(text: &str) -> Result<ConsistencyBody, BodyError> {
        serde_json::from_str(text).map_err(|error| BodyError::Shape {
            what: "consistency",
            reason: error.to_string(),
        })
    }

    /// The decoded proof.
    pub fn decode(&self) -> Result<Vec<TreeHash>, BodyError> {
        decode_all("consistency", &self.hashes, 0)
    }
}

impl EntriesBody {
    /// The body for some entries.
    pub fn new<E: AsRef<[u8]>>(entries: impl IntoIterator<Item = E>) -> EntriesBody {
        EntriesBody {
            entries: entries
                .into_iter()
                .map(|entry| STANDARD.encode(entry.as_ref()))
                .collect(),
        }
    }

    /// The JSON text served.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
