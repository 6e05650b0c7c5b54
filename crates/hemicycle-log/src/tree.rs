//! The Merkle tree of RFC 6962 / RFC 9162 §2.1: hashing, roots, and proof
//! generation from stored complete subtrees.
//!
//! Leaves are numbered from 0. A [`Subtree`] is a complete, aligned subtree:
//! level `l` and index `k` cover the leaves `k·2ˡ .. (k+1)·2ˡ`. Every hash a
//! proof needs is either such a subtree or the root of a run of them, so a
//! store that keeps every complete subtree's hash (written once, when its
//! last leaf is appended, and never changed) answers any root or proof with
//! at most about 2·64 lookups, whatever the tree's size.

use sha2::{Digest, Sha256};
use thiserror::Error;

/// A SHA-256 hash in the tree: a leaf hash, a node hash, or a root.
pub type TreeHash = [u8; 32];

/// The largest level a subtree can have: a tree holds at most `u64::MAX`
/// leaves, so no complete subtree has more than 2⁶³.
pub const MAX_LEVEL: u8 = 63;

/// RFC 6962 leaf hash: SHA-256(0x00 ‖ entry).
pub fn leaf_hash(entry: &[u8]) -> TreeHash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &TreeHash, right: &TreeHash) -> TreeHash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing (RFC 9162 §2.1.1).
pub fn empty_root() -> TreeHash {
    Sha256::digest([]).into()
}

/// A complete, aligned subtree: `level` and `index` cover the leaves
/// `index·2^level .. (index+1)·2^level`. Level 0 is a single leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subtree {
    /// Height above the leaves: 0 for a leaf.
    pub level: u8,
    /// Position among the subtrees of that level, from the left.
    pub index: u64,
}

impl Subtree {
    /// The first leaf it covers.
    pub fn first_leaf(&self) -> u64 {
        self.index << self.level
    }

    /// The number of leaves it covers.
    pub fn leaves(&self) -> u64 {
        1u64 << self.level
    }
}

/// Gives the hashes of complete subtrees; the journal implements it over its
/// stored subtree hashes, tests over a list of leaves.
pub trait NodeSource {
    /// The source's own failure (a storage error, a missing hash).
    type Error: std::error::Error + Send + Sync + 'static;

    /// The hashes of `subtrees`, in the same order. Callers only ask for
    /// subtrees that lie inside a tree the source holds.
    fn subtree_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<TreeHash>, Self::Error>;
}

/// Why a root or a proof could not be produced.
#[derive(Debug, Error)]
pub enum TreeError<E: std::error::Error + 'static> {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is out of range for a tree of size {tree_size} (indexes run from 0 to size − 1)")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree's size.
        tree_size: u64,
    },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error("no consistency proof from tree size {from} to the smaller size {to}")]
    SizesReversed {
        /// The first (older) size.
        from: u64,
        /// The second (newer) size.
        to: u64,
    },
    /// RFC 9162 defines consistency proofs only from a non-empty tree.
    #[error("no consistency proof from the empty tree: every tree extends it")]
    FromEmptyTree,
    /// The tree asked for is larger than the one the source holds.
    #[error("tree size {asked} is larger than the log, which holds {available} entries")]
    BeyondLog {
        /// The size asked for.
        asked: u64,
        /// The size available.
        available: u64,
    },
    /// The source returned a different number of hashes than asked for.
    #[error("the node source returned {returned} hashes for {asked} subtrees")]
    SourceMiscounted {
        /// Hashes asked for.
        asked: usize,
        /// Hashes returned.
        returned: usize,
    },
    /// The node source failed.
    #[error(transparent)]
    Source(E),
}

/// The largest power of two strictly less than `size` (`size` ≥ 2).
fn split_point(size: u64) -> u64 {
    debug_assert!(size >= 2);
    1u64 << (63 - (size - 1).leading_zeros())
}

/// The complete subtrees that make up the leaves `start .. end`, left to
/// right, largest first. Only meaningful for ranges that are subtrees of the
/// RFC tree (which is every range this module produces): then each piece is
/// aligned.
pub fn decompose(start: u64, end: u64) -> Vec<Subtree> {
    let mut pieces = Vec::new();
    let mut position = start;
    let remaining = end.saturating_sub(start);
    for level in (0..=MAX_LEVEL).rev() {
        if remaining & (1u64 << level) != 0 {
            pieces.push(Subtree {
                level,
                index: position >> level,
            });
            position += 1u64 << level;
        }
    }
    pieces
}

/// The leaf ranges whose roots form the inclusion proof of `index` in the
/// tree of the leaves `start .. end`, in proof order (RFC 9162 §2.1.3.1:
/// from the leaf's sibling up to the root's child).
fn inclusion_ranges(index: u64, start: u64, end: u64, ranges: &mut Vec<(u64, u64)>) {
    if end - start <= 1 {
        return;
    }
    let middle = start + split_point(end - start);
    if index < middle {
        inclusion_ranges(index, start, middle, ranges);
        ranges.push((middle, end));
    } else {
        inclusion_ranges(index, middle, end, ranges);
        ranges.push((start, middle));
    }
}

/// The leaf ranges whose roots form the consistency proof (RFC 9162
/// §2.1.4.1, SUBPROOF) for the first `old_size` leaves of `start .. end`.
/// `complete` says whether that old tree is one the verifier already has
/// the root of (so its root is left out).
fn consistency_ranges(
    old_size: u64,
    start: u64,
    end: u64,
    complete: bool,
    ranges: &mut Vec<(u64, u64)>,
) {
    let size = end - start;
    if old_size == size {
        if !complete {
            ranges.push((start, end));
        }
        return;
    }
    let middle = start + split_point(size);
    if start + old_size <= middle {
        consistency_ranges(old_size, start, middle, complete, ranges);
        ranges.push((middle, end));
    } else {
        consistency_ranges(old_size - (middle - start), middle, end, false, ranges);
        ranges.push((start, middle));
    }
}

/// The number of hashes in the inclusion proof of `index` in a tree of
/// `tree_size` leaves (`index < tree_size`).
pub fn inclusion_proof_length(index: u64, tree_size: u64) -> usize {
    let mut ranges = Vec::new();
    inclusion_ranges(index, 0, tree_size, &mut ranges);
    ranges.len()
}

/// The number of hashes in the consistency proof from `from` to `to`
/// leaves (`0 < from ≤ to`).
pub fn consistency_proof_length(from: u64, to: u64) -> usize {
    let mut ranges = Vec::new();
    consistency_ranges(from, 0, to, true, &mut ranges);
    ranges.len()
}

/// Root of a run of complete subtrees, left to right: RFC 6962 combines the
/// smaller trees on the right first.
fn fold_pieces(hashes: &[TreeHash]) -> TreeHash {
    let mut pieces = hashes.iter().rev();
    let Some(last) = pieces.next() else {
        return empty_root();
    };
    pieces.fold(*last, |right, left| node_hash(left, &right))
}

/// Fetches every subtree of every range in one call to the source, then
/// returns each range's root.
fn range_roots<S: NodeSource>(
    source: &S,
    ranges: &[(u64, u64)],
) -> Result<Vec<TreeHash>, TreeError<S::Error>> {
    let pieces: Vec<Vec<Subtree>> = ranges
        .iter()
        .map(|&(start, end)| decompose(start, end))
        .collect();
    let wanted: Vec<Subtree> = pieces.iter().flatten().copied().collect();
    if wanted.is_empty() {
        return Ok(ranges.iter().map(|_| empty_root()).collect());
    }
    let hashes = source.subtree_hashes(&wanted).map_err(TreeError::Source)?;
    if hashes.len() != wanted.len() {
        return Err(TreeError::SourceMiscounted {
            asked: wanted.len(),
            returned: hashes.len(),
        });
    }
    let mut roots = Vec::with_capacity(ranges.len());
    let mut offset = 0;
    for range_pieces in &pieces {
        roots.push(fold_pieces(&hashes[offset..offset + range_pieces.len()]));
        offset += range_pieces.len();
    }
    Ok(roots)
}

/// The root of the tree of the first `tree_size` leaves (the empty root for 0).
pub fn root<S: NodeSource>(source: &S, tree_size: u64) -> Result<TreeHash, TreeError<S::Error>> {
    let roots = range_roots(source, &[(0, tree_size)])?;
    Ok(roots[0])
}

/// The inclusion proof of leaf `index` in the tree of the first `tree_size`
/// leaves (RFC 9162 §2.1.3.1).
pub fn inclusion_proof<S: NodeSource>(
    source: &S,
    index: u64,
    tree_size: u64,
) -> Result<Vec<TreeHash>, TreeError<S::Error>> {
    if index >= tree_size {
        return Err(TreeError::IndexOutOfRange { index, tree_size });
    }
    let mut ranges = Vec::new();
    inclusion_ranges(index, 0, tree_size, &mut ranges);
    range_roots(source, &ranges)
}

/// The consistency proof from the tree of the first `from` leaves to the
/// tree of the first `to` leaves (RFC 9162 §2.1.4.1); empty when they are
/// equal.
pub fn consistency_proof<S: NodeSource>(
    source: &S,
    from: u64,
    to: u64,
) -> Result<Vec<TreeHash>, TreeError<S::Error>> {
    if from > to {
        return Err(TreeError::SizesReversed { from, to });
    }
    if from == 0 {
        return Err(TreeError::FromEmptyTree);
    }
    let mut ranges = Vec::new();
    consistency_ranges(from, 0, to, true, &mut ranges);
    range_roots(source, &ranges)
}

/// The right edge of a growing tree: the roots of the complete subtrees
/// that make up its leaves, largest first. Enough to append leaves and get
/// the root without reading anything else.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    /// One hash per set bit of `size`, from the highest bit down.
    hashes: Vec<TreeHash>,
}

/// Why a frontier cannot be built from the given parts.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrontierError {
    /// A tree of this size is made of a different number of subtrees.
    #[error("a tree of {tree_size} leaves is made of {expected} complete subtrees, not {found}")]
    WrongPieceCount {
        /// The tree size.
        tree_size: u64,
        /// Subtrees a tree of that size has.
        expected: usize,
        /// Hashes given.
        found: usize,
    },
    /// The tree already holds `u64::MAX` leaves.
    #[error("the tree is full: it cannot hold more than {} leaves", u64::MAX)]
    Full,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// The subtrees whose hashes make up the frontier of a tree of
    /// `tree_size` leaves, largest first.
    pub fn pieces(tree_size: u64) -> Vec<Subtree> {
        decompose(0, tree_size)
    }

    /// A frontier from the hashes of [`Frontier::pieces`]`(tree_size)`.
    pub fn from_hashes(tree_size: u64, hashes: Vec<TreeHash>) -> Result<Frontier, FrontierError> {
        let expected = tree_size.count_ones() as usize;
        if hashes.len() != expected {
            return Err(FrontierError::WrongPieceCount {
                tree_size,
                expected,
                found: hashes.len(),
            });
        }
        Ok(Frontier {
            size: tree_size,
            hashes,
        })
    }

    /// Reads the frontier of the first `tree_size` leaves from a source.
    pub fn load<S: NodeSource>(
        source: &S,
        tree_size: u64,
    ) -> Result<Frontier, TreeError<S::Error>> {
        let pieces = Frontier::pieces(tree_size);
        if pieces.is_empty() {
            return Ok(Frontier::new());
        }
        let hashes = source.subtree_hashes(&pieces).map_err(TreeError::Source)?;
        if hashes.len() != pieces.len() {
            return Err(TreeError::SourceMiscounted {
                asked: pieces.len(),
                returned: hashes.len(),
            });
        }
        Ok(Frontier {
            size: tree_size,
            hashes,
        })
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree's root.
    pub fn root(&self) -> TreeHash {
        fold_pieces(&self.hashes)
    }

    /// Appends a leaf given its leaf hash, and returns every subtree this
    /// completes (the leaf itself first, then each parent up), with its
    /// hash: exactly what a store must add to keep every complete subtree.
    pub fn push(&mut self, leaf: TreeHash) -> Result<Vec<(Subtree, TreeHash)>, FrontierError> {
        let index = self.size;
        let next_size = index.checked_add(1).ok_or(FrontierError::Full)?;
        let mut completed = vec![(Subtree { level: 0, index }, leaf)];
        let mut hash = leaf;
        let mut level = 0u8;
        // Each set low bit of the old size is a subtree of the same height
        // waiting on the left: merge until a clear bit.
        while index & (1u64 << level) != 0 {
            // The frontier holds one hash per set bit, so this never runs dry.
            let Some(left) = self.hashes.pop() else {
                break;
            };
            hash = node_hash(&left, &hash);
            level += 1;
            completed.push((
                Subtree {
                    level,
                    index: index >> level,
                },
                hash,
            ));
        }
        self.hashes.push(hash);
        self.size = next_size;
        Ok(completed)
    }
}

/// A [`NodeSource`] over leaf hashes held in memory, computing each subtree
/// on demand. For tests and small tools; a log should store its subtrees.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    leaves: Vec<TreeHash>,
    /// Every complete subtree, keyed by (level, index).
    subtrees: std::collections::HashMap<Subtree, TreeHash>,
    frontier: Frontier,
}

/// A subtree asked of a [`MemoryTree`] that it does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("no complete subtree at level {level}, index {index} in a tree of {tree_size} leaves")]
pub struct MissingSubtree {
    /// The level asked for.
    pub level: u8,
    /// The index asked for.
    pub index: u64,
    /// The tree's size.
    pub tree_size: u64,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// A tree of these entries (hashed as leaves).
    pub fn from_entries<E: AsRef<[u8]>>(entries: impl IntoIterator<Item = E>) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for entry in entries {
            tree.push_leaf(leaf_hash(entry.as_ref()));
        }
        tree
    }

    /// Appends a leaf hash.
    pub fn push_leaf(&mut self, leaf: TreeHash) {
        // A memory tree cannot reach u64::MAX leaves.
        if let Ok(completed) = self.frontier.push(leaf) {
            self.leaves.push(leaf);
            self.subtrees.extend(completed);
        }
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The current root.
    pub fn root(&self) -> TreeHash {
        self.frontier.root()
    }

    /// The leaf hashes.
    pub fn leaves(&self) -> &[TreeHash] {
        &self.leaves
    }
}

impl NodeSource for MemoryTree {
    type Error = MissingSubtree;

    fn subtree_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<TreeHash>, MissingSubtree> {
        subtrees
            .iter()
            .map(|subtree| {
                self.subtrees.get(subtree).copied().ok_or(MissingSubtree {
                    level: subtree.level,
                    index: subtree.index,
                    tree_size: self.size(),
                })
            })
            .collect()
    }
}
