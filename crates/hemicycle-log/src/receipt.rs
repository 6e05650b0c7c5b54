//! Receipts: a C2SP `tlog-proof` (`c2sp.org/tlog-proof@v1`) whose extra
//! data is the entry itself, so that one file proves, offline and with only
//! the log's public key, that this exact entry is in the signed log.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra BASE64(entry)
//! index N
//! BASE64(hash)            (the inclusion proof, leaf's sibling first)
//! …
//!
//! SIGNED CHECKPOINT       (verbatim)
//! ```

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use thiserror::Error;

use crate::checkpoint::{decode_hash, encode_hash, Checkpoint, CheckpointError};
use crate::note::{self, VerifierKey, MAX_NOTE_BYTES};
use crate::proof::{verify_inclusion, ProofError, MAX_PROOF_HASHES};
use crate::tree::{leaf_hash, TreeHash};

/// The first line of every receipt.
pub const RECEIPT_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Largest entry a receipt may carry: an event's canonical bytes are at
/// most a little over 1 MiB.
pub const MAX_ENTRY_BYTES: usize = 2 * 1024 * 1024;

/// Why a receipt is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptError {
    /// The text breaks the format.
    #[error("malformed receipt: {reason}")]
    Malformed {
        /// What is wrong, naming the line.
        reason: String,
    },
    /// The receipt carries no entry (no `extra` line).
    #[error("the receipt carries no entry (no extra line), so there is nothing to check")]
    NoEntry,
    /// The checkpoint does not verify.
    #[error("the receipt's checkpoint is not valid")]
    Checkpoint(#[from] CheckpointError),
    /// The inclusion proof does not verify.
    #[error("the entry is NOT proven to be in the log")]
    Proof(#[from] ProofError),
}

fn malformed(reason: impl Into<String>) -> ReceiptError {
    ReceiptError::Malformed {
        reason: reason.into(),
    }
}

/// A receipt's parts, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The entry (the `extra` data), if present.
    pub entry: Option<Vec<u8>>,
    /// The entry's zero-based index in the log.
    pub index: u64,
    /// The inclusion proof, from the leaf's sibling up.
    pub proof: Vec<TreeHash>,
    /// The signed checkpoint, verbatim.
    pub checkpoint_note: String,
}

/// A receipt whose checkpoint signature and inclusion proof verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The entry, proven to be leaf `index` of the checkpoint's tree.
    pub entry: Vec<u8>,
    /// Its index.
    pub index: u64,
    /// The checkpoint that includes it.
    pub checkpoint: Checkpoint,
}

impl Receipt {
    /// The receipt's text.
    pub fn to_text(&self) -> String {
        let mut text = format!("{RECEIPT_HEADER}\n");
        if let Some(entry) = &self.entry {
            text.push_str(&format!("extra {}\n", STANDARD.encode(entry)));
        }
        text.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            text.push_str(&encode_hash(hash));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint_note);
        text
    }

    /// Parses a receipt strictly.
    pub fn parse(text: &str) -> Result<Receipt, ReceiptError> {
        if text.len() > MAX_ENTRY_BYTES * 2 + MAX_NOTE_BYTES {
            return Err(malformed("the file is far larger than any receipt"));
        }
        let mut rest = text;
        let mut line_number = 0usize;
        let mut next_line = |rest: &mut &str| -> Option<(usize, String)> {
            let (line, after) = rest.split_once('\n')?;
            *rest = after;
            line_number += 1;
            Some((line_number, line.to_owned()))
        };
        let (_, header) = next_line(&mut rest).ok_or_else(|| malformed("the file is empty"))?;
        if header != RECEIPT_HEADER {
            return Err(malformed(format!(
                "line 1 must be {RECEIPT_HEADER:?}, found {:?}",
                header.chars().take(60).collect::<String>()
            )));
        }
        let (mut number, mut line) =
            next_line(&mut rest).ok_or_else(|| malformed("the file ends after line 1"))?;
        let mut entry = None;
        if let Some(encoded) = line.strip_prefix("extra ") {
            let decoded = note::decode_base64(encoded)
                .ok_or_else(|| malformed(format!("line {number}: the extra data is not base64")))?;
            if decoded.len() > MAX_ENTRY_BYTES {
                return Err(malformed(format!("line {number}: the entry is too large")));
            }
            entry = Some(decoded);
            (number, line) = next_line(&mut rest)
                .ok_or_else(|| malformed(format!("the file ends after line {number}")))?;
        }
        let index_text = line
            .strip_prefix("index ")
            .ok_or_else(|| malformed(format!("line {number}: expected \"index N\"")))?;
        let well_formed = !index_text.is_empty()
            && index_text.bytes().all(|byte| byte.is_ascii_digit())
            && (index_text == "0" || !index_text.starts_with('0'));
        if !well_formed {
            return Err(malformed(format!(
                "line {number}: the index is not a decimal number without leading zeros"
            )));
        }
        let index: u64 = index_text
            .parse()
            .map_err(|_| malformed(format!("line {number}: the index is too large")))?;
        let mut proof = Vec::new();
        loop {
            let (number, line) = next_line(&mut rest).ok_or_else(|| {
                malformed("the file ends before the blank line that precedes the checkpoint")
            })?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(malformed(format!(
                    "line {number}: more than {MAX_PROOF_HASHES} proof hashes"
                )));
            }
            proof.push(
                decode_hash(&line).map_err(|reason| {
                    malformed(format!("line {number}: the proof hash {reason}"))
                })?,
            );
        }
        if rest.is_empty() {
            return Err(malformed("the checkpoint is missing after the blank line"));
        }
        Ok(Receipt {
            entry,
            index,
            proof,
            checkpoint_note: rest.to_owned(),
        })
    }

    /// Verifies the checkpoint's signature with `key` and the inclusion of
    /// the entry at `index` in the checkpoint's tree.
    pub fn verify(&self, key: &VerifierKey) -> Result<VerifiedReceipt, ReceiptError> {
        let entry = self.entry.as_ref().ok_or(ReceiptError::NoEntry)?;
        let signed = Checkpoint::open(self.checkpoint_note.as_bytes(), key)?;
        let checkpoint = signed.checkpoint;
        verify_inclusion(
            &leaf_hash(entry),
            self.index,
            checkpoint.tree_size,
            &self.proof,
            &checkpoint.root_hash,
        )?;
        Ok(VerifiedReceipt {
            entry: entry.clone(),
            index: self.index,
            checkpoint,
        })
    }
}

/// Parses and verifies a receipt in one step.
pub fn verify_receipt(text: &str, key: &VerifierKey) -> Result<VerifiedReceipt, ReceiptError> {
    Receipt::parse(text)?.verify(key)
}
