//! hemicycle's transparency log, as pure functions: no I/O, no clock.
//!
//! - [`tree`]: the RFC 6962 / RFC 9162 Merkle tree over the journal's
//!   events — leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖
//!   right) — its roots, inclusion and consistency proofs generated from a
//!   [`NodeSource`] of stored complete subtrees, and the [`Frontier`] that
//!   grows the tree one leaf at a time;
//! - [`proof`]: verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2;
//! - [`note`]: C2SP signed notes with Ed25519, verifier and signer keys in
//!   the formats of Go's `sumdb/note`;
//! - [`checkpoint`]: C2SP tlog-checkpoint texts;
//! - [`receipt`]: C2SP tlog-proof files carrying the entry, checkable
//!   offline with the public key alone;
//! - [`api`]: the exact JSON bodies of the public log API.
//!
//! In hemicycle, entry `i` (from 0) is the canonical bytes of the journal's
//! event `i + 1`.

pub mod api;
pub mod checkpoint;
pub mod note;
pub mod proof;
pub mod receipt;
pub mod tree;

pub use checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
pub use note::{NoteError, SignerKey, VerifierKey};
pub use proof::{verify_consistency, verify_inclusion, ProofError};
pub use receipt::{Receipt, ReceiptError, VerifiedReceipt};
pub use tree::{
    consistency_proof, empty_root, inclusion_proof, leaf_hash, node_hash, root, Frontier,
    MemoryTree, NodeSource, Subtree, TreeError, TreeHash,
};
