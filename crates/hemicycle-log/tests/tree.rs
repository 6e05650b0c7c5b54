//! Known answers and properties of the Merkle tree and its proofs.
//!
//! Expected values are computed here independently, by the naive recursive
//! definitions of RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 over the raw
//! entries, and compared with what the library generates from stored
//! subtrees and what its verifier accepts.

use hemicycle_log::tree::{consistency_proof_length, inclusion_proof_length, MemoryTree};
use hemicycle_log::{
    consistency_proof, empty_root, inclusion_proof, leaf_hash, root, verify_consistency,
    verify_inclusion, Frontier, ProofError, TreeHash,
};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

fn sha256(parts: &[&[u8]]) -> TreeHash {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// MTH(D[n]) by the RFC's recursive definition.
fn naive_root(entries: &[Vec<u8>]) -> TreeHash {
    match entries.len() {
        0 => sha256(&[]),
        1 => sha256(&[&[0], &entries[0]]),
        n => {
            let k = largest_power_of_two_below(n);
            sha256(&[&[1], &naive_root(&entries[..k]), &naive_root(&entries[k..])])
        }
    }
}

fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// PATH(m, D[n]).
fn naive_path(m: usize, entries: &[Vec<u8>]) -> Vec<TreeHash> {
    let n = entries.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = largest_power_of_two_below(n);
    if m < k {
        let mut path = naive_path(m, &entries[..k]);
        path.push(naive_root(&entries[k..]));
        path
    } else {
        let mut path = naive_path(m - k, &entries[k..]);
        path.push(naive_root(&entries[..k]));
        path
    }
}

/// SUBPROOF(m, D[n], b).
fn naive_subproof(m: usize, entries: &[Vec<u8>], complete: bool) -> Vec<TreeHash> {
    let n = entries.len();
    if m == n {
        return if complete {
            Vec::new()
        } else {
            vec![naive_root(entries)]
        };
    }
    let k = largest_power_of_two_below(n);
    if m <= k {
        let mut proof = naive_subproof(m, &entries[..k], complete);
        proof.push(naive_root(&entries[k..]));
        proof
    } else {
        let mut proof = naive_subproof(m - k, &entries[k..], false);
        proof.push(naive_root(&entries[..k]));
        proof
    }
}

fn entries(count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|index| format!("entry {index}").into_bytes())
        .collect()
}

#[test]
fn hashing_is_rfc_6962() {
    // Independently: SHA-256 of the empty string, of 0x00, of 0x00‖"abc".
    assert_eq!(
        hex(&empty_root()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        hex(&leaf_hash(b"")),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    );
    assert_eq!(leaf_hash(b"abc"), sha256(&[&[0], b"abc"]));
}

fn hex(hash: &TreeHash) -> String {
    hash.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn roots_and_every_proof_match_the_definitions_for_sizes_1_to_70() {
    for size in 0..=70usize {
        let data = entries(size);
        let tree = MemoryTree::from_entries(&data);
        let expected_root = naive_root(&data);
        assert_eq!(tree.root(), expected_root, "root of {size}");
        assert_eq!(root(&tree, size as u64).unwrap(), expected_root);
        for smaller in 0..=size {
            assert_eq!(
                root(&tree, smaller as u64).unwrap(),
                naive_root(&data[..smaller]),
                "root of the first {smaller} of {size}"
            );
        }
        for index in 0..size {
            let proof = inclusion_proof(&tree, index as u64, size as u64).unwrap();
            assert_eq!(proof, naive_path(index, &data), "path {index} in {size}");
            assert_eq!(
                proof.len(),
                inclusion_proof_length(index as u64, size as u64)
            );
            verify_inclusion(
                &leaf_hash(&data[index]),
                index as u64,
                size as u64,
                &proof,
                &expected_root,
            )
            .unwrap();
        }
        for from in 1..=size {
            let proof = consistency_proof(&tree, from as u64, size as u64).unwrap();
            assert_eq!(
                proof,
                naive_subproof(from, &data, true),
                "consistency {from} → {size}"
            );
            assert_eq!(
                proof.len(),
                consistency_proof_length(from as u64, size as u64)
            );
            verify_consistency(
                from as u64,
                size as u64,
                &proof,
                &naive_root(&data[..from]),
                &expected_root,
            )
            .unwrap();
        }
    }
}

/// The eight-leaf tree of RFC 9162 §2.1.5 (and RFC 6962 §2.1.3): the shape
/// of the proofs the RFC spells out, by the names it gives the nodes.
#[test]
fn rfc_examples_for_seven_leaves() {
    let data = entries(7);
    let tree = MemoryTree::from_entries(&data);
    let leaf = |index: usize| leaf_hash(&data[index]);
    let pair = |left: usize| hemicycle_log::node_hash(&leaf(left), &leaf(left + 1));
    let g = pair(0);
    let h = pair(2);
    let i = pair(4);
    let k = hemicycle_log::node_hash(&g, &h);
    let j = leaf(6);
    let l = hemicycle_log::node_hash(&i, &j);
    // Inclusion of b is [a, h, l]; of d is [c, g, l]; of e is [f, j, k].
    assert_eq!(inclusion_proof(&tree, 1, 7).unwrap(), vec![leaf(0), h, l]);
    assert_eq!(inclusion_proof(&tree, 3, 7).unwrap(), vec![leaf(2), g, l]);
    assert_eq!(inclusion_proof(&tree, 4, 7).unwrap(), vec![leaf(5), j, k]);
    // Consistency 3 → 7 is [c, d, g, l]; 4 → 7 is [l]; 6 → 7 is [i, j, k].
    assert_eq!(
        consistency_proof(&tree, 3, 7).unwrap(),
        vec![leaf(2), leaf(3), g, l]
    );
    assert_eq!(consistency_proof(&tree, 4, 7).unwrap(), vec![l]);
    assert_eq!(consistency_proof(&tree, 6, 7).unwrap(), vec![i, j, k]);
}

#[test]
fn proofs_that_must_be_rejected() {
    let data = entries(8);
    let tree = MemoryTree::from_entries(&data);
    let root8 = tree.root();
    let proof = inclusion_proof(&tree, 2, 8).unwrap();
    let leaf = leaf_hash(&data[2]);
    // Wrong index, wrong size, wrong leaf, truncated, extended, reordered.
    assert!(verify_inclusion(&leaf, 3, 8, &proof, &root8).is_err());
    // (An inclusion proof alone does not bind the size when the path has
    // the same shape — index 2 gives the same path in trees of 5 to 8
    // leaves — which is why the size comes from the signed checkpoint.)
    assert!(verify_inclusion(&leaf, 2, 4, &proof, &root8).is_err());
    assert!(verify_inclusion(&leaf, 2, 9, &proof, &root8).is_err());
    assert!(verify_inclusion(&leaf_hash(b"x"), 2, 8, &proof, &root8).is_err());
    assert!(matches!(
        verify_inclusion(&leaf, 2, 8, &proof[..2], &root8),
        Err(ProofError::WrongLength {
            found: 2,
            expected: 3,
            ..
        })
    ));
    let mut longer = proof.clone();
    longer.push(root8);
    assert!(matches!(
        verify_inclusion(&leaf, 2, 8, &longer, &root8),
        Err(ProofError::WrongLength { .. })
    ));
    let mut swapped = proof.clone();
    swapped.swap(0, 1);
    assert!(verify_inclusion(&leaf, 2, 8, &swapped, &root8).is_err());
    // Out of range.
    assert!(matches!(
        verify_inclusion(&leaf, 8, 8, &[], &root8),
        Err(ProofError::IndexOutOfRange {
            index: 8,
            tree_size: 8
        })
    ));
    assert!(matches!(
        verify_inclusion(&leaf, 0, 0, &[], &root8),
        Err(ProofError::IndexOutOfRange { .. })
    ));
    // A tree of one leaf: the root is the leaf and the proof is empty.
    assert!(verify_inclusion(&leaf, 0, 1, &[], &leaf).is_ok());
    assert!(verify_inclusion(&leaf, 0, 1, &[leaf], &leaf).is_err());

    let root5 = root(&tree, 5).unwrap();
    let consistency = consistency_proof(&tree, 5, 8).unwrap();
    assert!(verify_consistency(5, 8, &consistency, &root5, &root8).is_ok());
    assert!(verify_consistency(5, 8, &consistency, &root8, &root5).is_err());
    assert!(verify_consistency(4, 8, &consistency, &root5, &root8).is_err());
    assert!(verify_consistency(5, 16, &consistency, &root5, &root8).is_err());
    assert!(verify_consistency(5, 8, &[], &root5, &root8).is_err());
    assert!(verify_consistency(5, 8, &consistency[1..], &root5, &root8).is_err());
    assert!(matches!(
        verify_consistency(8, 5, &[], &root8, &root5),
        Err(ProofError::SizesReversed { from: 8, to: 5 })
    ));
    assert!(matches!(
        verify_consistency(8, 8, &[], &root8, &root5),
        Err(ProofError::SameSizeDifferentRoots { tree_size: 8 })
    ));
    assert!(verify_consistency(8, 8, &[], &root8, &root8).is_ok());
    assert!(verify_consistency(8, 8, &[root8], &root8, &root8).is_err());
    assert!(verify_consistency(0, 8, &[], &empty_root(), &root8).is_ok());
    assert!(verify_consistency(0, 8, &[], &root5, &root8).is_err());
    // Generation refuses what has no proof.
    assert!(inclusion_proof(&tree, 8, 8).is_err());
    assert!(consistency_proof(&tree, 0, 8).is_err());
    assert!(consistency_proof(&tree, 9, 8).is_err());
    assert!(consistency_proof(&tree, 5, 9).is_err());
}

#[test]
fn a_frontier_reloaded_from_stored_subtrees_continues_the_same_tree() {
    let data = entries(300);
    let tree = MemoryTree::from_entries(&data);
    for size in [0u64, 1, 2, 3, 7, 8, 100, 255, 256, 299] {
        let mut frontier =
            Frontier::load(&MemoryTree::from_entries(&data[..size as usize]), size).unwrap();
        for entry in &data[size as usize..] {
            frontier.push(leaf_hash(entry)).unwrap();
        }
        assert_eq!(frontier.root(), tree.root(), "reloaded at {size}");
        assert_eq!(frontier.size(), 300);
    }
}

/// Flips one bit of one hash among `hashes`.
fn flip(hashes: &mut [TreeHash], which: usize, bit: usize) {
    let position = which % hashes.len();
    hashes[position][(bit / 8) % 32] ^= 1 << (bit % 8);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_inclusion_proof_verifies_and_any_flipped_bit_fails(
        size in 1u64..2000,
        index_seed in any::<u64>(),
        which in any::<usize>(),
        bit in 0usize..256,
        entry_byte in any::<usize>(),
    ) {
        let data = entries(size as usize);
        let tree = MemoryTree::from_entries(&data);
        let index = index_seed % size;
        let proof = inclusion_proof(&tree, index, size).unwrap();
        let entry = &data[index as usize];
        let root = tree.root();
        prop_assert!(verify_inclusion(&leaf_hash(entry), index, size, &proof, &root).is_ok());

        if !proof.is_empty() {
            let mut bad = proof.clone();
            flip(&mut bad, which, bit);
            prop_assert!(verify_inclusion(&leaf_hash(entry), index, size, &bad, &root).is_err());
        }
        let mut bad_root = [root];
        flip(&mut bad_root, 0, bit);
        prop_assert!(verify_inclusion(&leaf_hash(entry), index, size, &proof, &bad_root[0]).is_err());
        let mut bad_entry = entry.clone();
        let position = entry_byte % bad_entry.len();
        bad_entry[position] ^= 1 << (bit % 8);
        prop_assert!(verify_inclusion(&leaf_hash(&bad_entry), index, size, &proof, &root).is_err());
    }

    #[test]
    fn every_consistency_proof_verifies_and_any_flipped_bit_fails(
        to in 1u64..2000,
        from_seed in any::<u64>(),
        which in any::<usize>(),
        bit in 0usize..256,
    ) {
        let from = from_seed % to + 1;
        let data = entries(to as usize);
        let tree = MemoryTree::from_entries(&data);
        let from_root = root(&tree, from).unwrap();
        let to_root = tree.root();
        let proof = consistency_proof(&tree, from, to).unwrap();
        prop_assert!(verify_consistency(from, to, &proof, &from_root, &to_root).is_ok());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            flip(&mut bad, which, bit);
            prop_assert!(verify_consistency(from, to, &bad, &from_root, &to_root).is_err());
        }
        let mut bad_roots = [from_root, to_root];
        flip(&mut bad_roots, 0, bit);
        prop_assert!(verify_consistency(from, to, &proof, &bad_roots[0], &to_root).is_err());
        let mut bad_roots = [from_root, to_root];
        flip(&mut bad_roots, 1, bit);
        prop_assert!(verify_consistency(from, to, &proof, &from_root, &bad_roots[1]).is_err());
    }

    #[test]
    fn proofs_never_verify_for_other_sizes_or_indexes(
        size in 2u64..300,
        index_seed in any::<u64>(),
        other_seed in any::<u64>(),
    ) {
        let data = entries(size as usize);
        let tree = MemoryTree::from_entries(&data);
        let index = index_seed % size;
        let other = other_seed % size;
        prop_assume!(other != index);
        let proof = inclusion_proof(&tree, index, size).unwrap();
        let leaf = leaf_hash(&data[index as usize]);
        prop_assert!(verify_inclusion(&leaf, other, size, &proof, &tree.root()).is_err());
    }
}
