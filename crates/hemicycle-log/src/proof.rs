//! Proof verification, exactly as RFC 9162 §2.1.3.2 (inclusion) and
//! §2.1.4.2 (consistency) describe it, step by step. The expected number of
//! hashes is checked first only to give a precise error; the algorithms
//! alone would also reject a proof of the wrong length.

use thiserror::Error;

use crate::tree::{consistency_proof_length, inclusion_proof_length, node_hash, TreeHash};

/// Most hashes any proof can hold: a tree of at most 2⁶⁴ − 1 leaves is at
/// most 64 levels deep, and a consistency proof may add the old root.
pub const MAX_PROOF_HASHES: usize = 65;

/// Why a proof does not verify. Every failure is an error: there is no
/// "unverified but fine" outcome.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is out of range for a tree of size {tree_size}")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The tree size.
        tree_size: u64,
    },
    /// The proof has the wrong number of hashes for these sizes.
    #[error("the proof has {found} hashes; a valid proof for {what} has exactly {expected}")]
    WrongLength {
        /// Hashes in the proof.
        found: usize,
        /// Hashes a valid proof has.
        expected: usize,
        /// What the proof is for, in words.
        what: String,
    },
    /// The proof does not lead to the expected root.
    #[error("the proof does not lead to the expected root hash: {what}")]
    RootMismatch {
        /// Which root disagrees, in words.
        what: &'static str,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("tree size {from} is larger than tree size {to}: a log never shrinks")]
    SizesReversed {
        /// The older size.
        from: u64,
        /// The newer size.
        to: u64,
    },
    /// Two trees of the same size with different roots.
    #[error("two different root hashes for the same tree size {tree_size}: the log forked")]
    SameSizeDifferentRoots {
        /// The size.
        tree_size: u64,
    },
    /// A consistency proof from the empty tree with a root other than the
    /// empty root.
    #[error("a tree of size 0 must have the empty root SHA-256(\"\")")]
    EmptyTreeRoot,
}

/// Verifies that `leaf_hash` is the leaf at `index` in the tree of
/// `tree_size` leaves whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &TreeHash,
    index: u64,
    tree_size: u64,
    proof: &[TreeHash],
    root: &TreeHash,
) -> Result<(), ProofError> {
    // Step 1.
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index, tree_size });
    }
    let expected = inclusion_proof_length(index, tree_size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            found: proof.len(),
            expected,
            what: format!("leaf {index} in a tree of size {tree_size}"),
        });
    }
    // Steps 2 and 3.
    let mut first_number = index;
    let mut second_number = tree_size - 1;
    let mut result = *leaf_hash;
    // Step 4.
    for sibling in proof {
        if second_number == 0 {
            return Err(ProofError::RootMismatch {
                what: "the proof is longer than the path to the root",
            });
        }
        if first_number & 1 == 1 || first_number == second_number {
            result = node_hash(sibling, &result);
            if first_number & 1 == 0 {
                while first_number & 1 == 0 && first_number != 0 {
                    first_number >>= 1;
                    second_number >>= 1;
                }
            }
        } else {
            result = node_hash(&result, sibling);
        }
        first_number >>= 1;
        second_number >>= 1;
    }
    // Step 5.
    if second_number != 0 {
        return Err(ProofError::RootMismatch {
            what: "the proof is shorter than the path to the root",
        });
    }
    if result != *root {
        return Err(ProofError::RootMismatch {
            what: "the recomputed root differs from the tree's root",
        });
    }
    Ok(())
}

/// Verifies that the tree of `to` leaves with root `to_root` extends the
/// tree of `from` leaves with root `from_root` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots. From the empty tree,
/// only the empty root and an empty proof are accepted: every tree extends
/// it, and RFC 9162 defines no proof for it.
pub fn verify_consistency(
    from: u64,
    to: u64,
    proof: &[TreeHash],
    from_root: &TreeHash,
    to_root: &TreeHash,
) -> Result<(), ProofError> {
    if from > to {
        return Err(ProofError::SizesReversed { from, to });
    }
    if from == 0 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                found: proof.len(),
                expected: 0,
                what: "consistency from the empty tree".to_owned(),
            });
        }
        if *from_root != crate::tree::empty_root() {
            return Err(ProofError::EmptyTreeRoot);
        }
        return Ok(());
    }
    if from == to {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                found: proof.len(),
                expected: 0,
                what: format!("consistency of tree size {from} with itself"),
            });
        }
        if from_root != to_root {
            return Err(ProofError::SameSizeDifferentRoots { tree_size: from });
        }
        return Ok(());
    }
    let expected = consistency_proof_length(from, to);
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            found: proof.len(),
            expected,
            what: format!("consistency from tree size {from} to {to}"),
        });
    }
    // Step 1: an empty proof between different sizes proves nothing.
    if proof.is_empty() {
        return Err(ProofError::WrongLength {
            found: 0,
            expected: 1,
            what: format!("consistency from tree size {from} to {to}"),
        });
    }
    // Step 2: when the old tree is a complete subtree its root is the
    // first hash of the path, and the proof leaves it out.
    let mut path: Vec<&TreeHash> = Vec::with_capacity(proof.len() + 1);
    if from.is_power_of_two() {
        path.push(from_root);
    }
    path.extend(proof);
    // Step 3.
    let mut first_number = from - 1;
    let mut second_number = to - 1;
    // Step 4.
    while first_number & 1 == 1 {
        first_number >>= 1;
        second_number >>= 1;
    }
    // Step 5.
    let mut first_result = *path[0];
    let mut second_result = *path[0];
    // Step 6.
    for value in &path[1..] {
        if second_number == 0 {
            return Err(ProofError::RootMismatch {
                what: "the proof is longer than the path to the new root",
            });
        }
        if first_number & 1 == 1 || first_number == second_number {
            first_result = node_hash(value, &first_result);
            second_result = node_hash(value, &second_result);
            if first_number & 1 == 0 {
                while first_number & 1 == 0 && first_number != 0 {
                    first_number >>= 1;
                    second_number >>= 1;
                }
            }
        } else {
            second_result = node_hash(&second_result, value);
        }
        first_number >>= 1;
        second_number >>= 1;
    }
    // Step 7.
    if second_number != 0 {
        return Err(ProofError::RootMismatch {
            what: "the proof is shorter than the path to the new root",
        });
    }
    if first_result != *from_root {
        return Err(ProofError::RootMismatch {
            what: "the recomputed old root differs from the older tree's root",
        });
    }
    if second_result != *to_root {
        return Err(ProofError::RootMismatch {
            what: "the recomputed new root differs from the newer tree's root",
        });
    }
    Ok(())
}
