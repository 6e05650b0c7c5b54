//! Signed notes, keys, checkpoints and receipts: formats, strict parsing,
//! and that any tampering is refused.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hemicycle_log::checkpoint::{decode_hash, encode_hash};
use hemicycle_log::note::{self, key_id, NoteError};
use hemicycle_log::{
    inclusion_proof, Checkpoint, CheckpointError, MemoryTree, Receipt, ReceiptError, SignerKey,
    VerifierKey,
};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

const ORIGIN: &str = "parliament.example/chamber";

fn signer(seed_byte: u8) -> SignerKey {
    SignerKey::from_seed(ORIGIN, [seed_byte; 32]).unwrap()
}

fn checkpoint(tree: &MemoryTree) -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.to_owned(),
        tree_size: tree.size(),
        root_hash: tree.root(),
        extensions: Vec::new(),
    }
}

#[test]
fn key_id_is_the_first_four_bytes_of_the_spec_hash() {
    let key = signer(7);
    let public = key.verifier().public_key_bytes();
    let mut hasher = Sha256::new();
    hasher.update(ORIGIN.as_bytes());
    hasher.update([0x0a, 0x01]);
    hasher.update(public);
    let digest = hasher.finalize();
    let expected = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    assert_eq!(key.key_id(), expected);
    assert_eq!(key_id(ORIGIN, &public), expected);
}

#[test]
fn keys_round_trip_in_the_sumdb_formats() {
    let key = signer(1);
    let verifier = key.verifier();
    let line = verifier.to_string();
    let parts: Vec<&str> = line.split('+').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], ORIGIN);
    assert_eq!(parts[1], format!("{:08x}", key.key_id()));
    let decoded = STANDARD.decode(parts[2]).unwrap();
    assert_eq!(decoded[0], 0x01);
    assert_eq!(&decoded[1..], verifier.public_key_bytes());
    assert_eq!(VerifierKey::parse(&line).unwrap(), verifier);

    let secret = key.to_secret_text();
    assert!(secret.starts_with("PRIVATE+KEY+parliament.example/chamber+"));
    let reread = SignerKey::parse(&secret).unwrap();
    assert_eq!(reread.verifier(), verifier);
    // The secret never shows in debug output.
    let debug = format!("{key:?}");
    assert!(
        !debug.contains(secret.rsplit('+').next().unwrap()),
        "{debug}"
    );
}

#[test]
fn malformed_keys_are_refused() {
    let line = signer(1).verifier().to_string();
    let (name_and_id, key) = line.rsplit_once('+').unwrap();
    let wrong_id = format!("{ORIGIN}+00000000+{key}");
    for bad in [
        String::new(),
        "name".to_owned(),
        format!("{name_and_id}+"),
        format!("{line}+extra"),
        format!("{name_and_id}+{key}+"),
        wrong_id,
        format!("{ORIGIN}+1234+{key}"),
        format!("{ORIGIN}+zzzzzzzz+{key}"),
        format!("has space+{}", &line[ORIGIN.len() + 1..]),
        format!("{name_and_id}+{}", STANDARD.encode([0x02; 33])),
        format!("{name_and_id}+{}", STANDARD.encode([0x01; 20])),
        format!("{name_and_id}+{}", &key[..key.len() - 1]),
    ] {
        assert!(VerifierKey::parse(&bad).is_err(), "{bad:?} was accepted");
    }
    assert!(matches!(
        VerifierKey::parse(&format!("{ORIGIN}+00000000+{key}")),
        Err(NoteError::KeyIdMismatch { .. })
    ));
    assert!(SignerKey::parse(&line).is_err());
    assert!(SignerKey::from_seed("a+b", [0; 32]).is_err());
    assert!(SignerKey::from_seed("", [0; 32]).is_err());
}

#[test]
fn a_signed_checkpoint_has_the_c2sp_shape_and_opens() {
    let tree = MemoryTree::from_entries([b"a".as_slice(), b"b", b"c"]);
    let key = signer(3);
    let note_text = checkpoint(&tree).sign(&key).unwrap();
    let lines: Vec<&str> = note_text.split('\n').collect();
    assert_eq!(lines[0], ORIGIN);
    assert_eq!(lines[1], "3");
    assert_eq!(decode_hash(lines[2]).unwrap(), tree.root());
    assert_eq!(lines[3], "");
    assert!(lines[4].starts_with(&format!("\u{2014} {ORIGIN} ")));
    let signature = STANDARD
        .decode(lines[4].rsplit(' ').next().unwrap())
        .unwrap();
    assert_eq!(signature.len(), 4 + 64);
    assert_eq!(signature[..4], key.key_id().to_be_bytes());
    assert_eq!(lines[5], "");
    assert_eq!(lines.len(), 6);

    let opened = Checkpoint::open(note_text.as_bytes(), &key.verifier()).unwrap();
    assert_eq!(opened.checkpoint, checkpoint(&tree));
    assert_eq!(opened.note.verified_by, vec![ORIGIN.to_owned()]);
}

#[test]
fn unknown_signatures_are_ignored_but_never_count() {
    let tree = MemoryTree::from_entries([b"a".as_slice()]);
    let ours = signer(3);
    let witness = SignerKey::from_seed("witness.example/w1", [9; 32]).unwrap();
    let text = checkpoint(&tree).to_text().unwrap();
    let ours_signed = ours.sign(&text).unwrap();
    let witness_line = witness.sign(&text).unwrap()[text.len() + 1..].to_owned();

    // Ours plus a witness's cosignature: verifies, the witness is listed as unknown.
    let both = format!("{ours_signed}{witness_line}");
    let opened = note::open(both.as_bytes(), &[ours.verifier()]).unwrap();
    assert_eq!(opened.verified_by, vec![ORIGIN.to_owned()]);
    assert_eq!(
        opened.unknown_signers,
        vec!["witness.example/w1".to_owned()]
    );

    // Only a stranger's signature: refused.
    let only_witness = witness.sign(&text).unwrap();
    assert!(matches!(
        note::open(only_witness.as_bytes(), &[ours.verifier()]),
        Err(NoteError::NoKnownSignature { .. })
    ));
    // A stranger using our name (different key, so different ID): ignored,
    // and alone it does not verify.
    let impostor = SignerKey::from_seed(ORIGIN, [4; 32]).unwrap();
    let impostor_signed = impostor.sign(&text).unwrap();
    assert!(note::open(impostor_signed.as_bytes(), &[ours.verifier()]).is_err());
    // Our name and ID with a bad signature: refused outright.
    let impostor_line = &impostor_signed[text.len() + 1..];
    let encoded = impostor_line.rsplit(' ').next().unwrap().trim_end();
    let mut bytes = STANDARD.decode(encoded).unwrap();
    bytes[..4].copy_from_slice(&ours.key_id().to_be_bytes());
    let forged = format!("{text}\n\u{2014} {ORIGIN} {}\n", STANDARD.encode(bytes));
    assert!(matches!(
        note::open(forged.as_bytes(), &[ours.verifier()]),
        Err(NoteError::InvalidSignature { .. })
    ));
    let with_forged = format!("{ours_signed}{}", &forged[text.len() + 1..]);
    assert!(note::open(with_forged.as_bytes(), &[ours.verifier()]).is_err());
    // Our signature twice: refused as an extra signature.
    let twice = format!("{ours_signed}{}", &ours_signed[text.len() + 1..]);
    assert!(matches!(
        note::open(twice.as_bytes(), &[ours.verifier()]),
        Err(NoteError::DuplicateSignature { .. })
    ));
}

#[test]
fn malformed_notes_and_checkpoints_are_refused() {
    let tree = MemoryTree::from_entries([b"a".as_slice(), b"b"]);
    let key = signer(3);
    let good = checkpoint(&tree).sign(&key).unwrap();
    let verifier = key.verifier();
    let root = encode_hash(&tree.root());
    let resign = |text: &str| key.sign(text).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (good.replace('\n', "\r\n"), "carriage returns"),
        (good.trim_end().to_owned(), "no final newline"),
        (good.replacen("\n\n", "\n", 1), "no blank line"),
        (good.replace('\u{2014}', "-"), "hyphen instead of em dash"),
        (format!("{good}garbage\n"), "a line that is not a signature"),
        (
            good[..good.find('\u{2014}').unwrap()].to_owned(),
            "no signatures",
        ),
        (resign(&format!("{ORIGIN}\n02\n{root}\n")), "leading zero"),
        (resign(&format!("{ORIGIN}\n-2\n{root}\n")), "negative size"),
        (
            resign(&format!("{ORIGIN}\n2\n{}\n", &root[..root.len() - 1])),
            "bad base64",
        ),
        (
            resign(&format!("{ORIGIN}\n2\n{}\n", STANDARD.encode([0u8; 31]))),
            "short hash",
        ),
        (resign(&format!("{ORIGIN}\n2\n")), "two lines"),
        (
            resign(&format!("{ORIGIN}\n99999999999999999999999\n{root}\n")),
            "size overflow",
        ),
        (
            resign(&format!("{ORIGIN}\n2\n{root}\n\nextension\n")),
            "empty line",
        ),
        (
            SignerKey::from_seed("other.example/log", [3; 32])
                .unwrap()
                .sign(&format!("other.example/log\n2\n{root}\n"))
                .unwrap(),
            "other log",
        ),
        (
            String::from_utf8_lossy(&[0xff, 0xfe]).into_owned(),
            "not a note",
        ),
    ];
    for (text, what) in cases {
        let result = Checkpoint::open(text.as_bytes(), &verifier);
        assert!(result.is_err(), "{what}: accepted");
    }
    assert!(Checkpoint::open(&[0xff, b'\n', b'\n'], &verifier).is_err());
    // Extension lines are allowed and kept.
    let extended = resign(&format!("{ORIGIN}\n2\n{root}\nsitting 2020-01-05\n"));
    let opened = Checkpoint::open(extended.as_bytes(), &verifier).unwrap();
    assert_eq!(opened.checkpoint.extensions, vec!["sitting 2020-01-05"]);
    assert!(matches!(
        Checkpoint::parse("a\nb\nc\n"),
        Err(CheckpointError::Malformed { .. })
    ));
}

fn receipt_for(tree: &MemoryTree, data: &[Vec<u8>], index: u64, key: &SignerKey) -> Receipt {
    Receipt {
        entry: Some(data[index as usize].clone()),
        index,
        proof: inclusion_proof(tree, index, tree.size()).unwrap(),
        checkpoint_note: checkpoint(tree).sign(key).unwrap(),
    }
}

#[test]
fn a_receipt_is_a_tlog_proof_and_round_trips() {
    let data: Vec<Vec<u8>> = (0..11)
        .map(|i| format!("ballot {i}").into_bytes())
        .collect();
    let tree = MemoryTree::from_entries(&data);
    let key = signer(5);
    let receipt = receipt_for(&tree, &data, 6, &key);
    let text = receipt.to_text();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
    assert!(text.contains("\nindex 6\n"));
    let parsed = Receipt::parse(&text).unwrap();
    assert_eq!(parsed, receipt);
    let verified = parsed.verify(&key.verifier()).unwrap();
    assert_eq!(verified.entry, data[6]);
    assert_eq!(verified.index, 6);
    assert_eq!(verified.checkpoint.tree_size, 11);
    // Another key does not verify it.
    assert!(receipt.verify(&signer(6).verifier()).is_err());
    // A receipt without its entry proves nothing.
    let mut without = receipt.clone();
    without.entry = None;
    assert!(matches!(
        Receipt::parse(&without.to_text())
            .unwrap()
            .verify(&key.verifier()),
        Err(ReceiptError::NoEntry)
    ));
}

#[test]
fn malformed_receipts_are_refused() {
    let data: Vec<Vec<u8>> = (0..5).map(|i| format!("ballot {i}").into_bytes()).collect();
    let tree = MemoryTree::from_entries(&data);
    let key = signer(5);
    let text = receipt_for(&tree, &data, 2, &key).to_text();
    for (bad, what) in [
        (text.replacen("tlog-proof@v1", "tlog-proof@v2", 1), "header"),
        (text.replacen("index 2", "index 02", 1), "leading zero"),
        (text.replacen("index 2", "index two", 1), "index word"),
        (text.replacen("index 2", "index 3", 1), "other index"),
        (
            text.replacen("index 2", "index 99", 1),
            "index out of range",
        ),
        (text.replacen("\n\n", "\n", 1), "no blank line"),
        (
            text[..text.find("\n\n").unwrap() + 2].to_owned(),
            "no checkpoint",
        ),
        (String::new(), "empty"),
    ] {
        let result = Receipt::parse(&bad).and_then(|receipt| receipt.verify(&key.verifier()));
        assert!(result.is_err(), "{what}: accepted");
    }
    // One proof line dropped, or one added.
    let lines: Vec<&str> = text.split('\n').collect();
    let mut shorter = lines.clone();
    shorter.remove(3);
    assert!(Receipt::parse(&shorter.join("\n"))
        .unwrap()
        .verify(&key.verifier())
        .is_err());
    let mut longer = lines.clone();
    longer.insert(3, lines[3]);
    assert!(Receipt::parse(&longer.join("\n"))
        .unwrap()
        .verify(&key.verifier())
        .is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Flipping any bit of a receipt's entry, proof, checkpoint root or
    /// signature makes it fail.
    #[test]
    fn any_flipped_bit_in_a_receipt_fails(
        size in 1u64..200,
        index_seed in any::<u64>(),
        part in 0usize..4,
        position in any::<usize>(),
        bit in 0u8..8,
    ) {
        let data: Vec<Vec<u8>> = (0..size).map(|i| format!("ballot {i}").into_bytes()).collect();
        let tree = MemoryTree::from_entries(&data);
        let key = signer(5);
        let index = index_seed % size;
        let mut receipt = receipt_for(&tree, &data, index, &key);
        prop_assert!(receipt.verify(&key.verifier()).is_ok());
        match part {
            0 => {
                let entry = receipt.entry.as_mut().unwrap();
                let at = position % entry.len();
                entry[at] ^= 1 << bit;
            }
            1 => {
                prop_assume!(!receipt.proof.is_empty());
                let at = position % receipt.proof.len();
                receipt.proof[at][(position / 7) % 32] ^= 1 << bit;
            }
            2 => {
                let mut root = tree.root();
                root[position % 32] ^= 1 << bit;
                let mut changed = checkpoint(&tree);
                changed.root_hash = root;
                // Same signature, altered root line.
                let signed = receipt.checkpoint_note.clone();
                let signature_block = &signed[signed.find("\n\n").unwrap()..];
                receipt.checkpoint_note = format!(
                    "{}{}",
                    changed.to_text().unwrap().trim_end_matches('\n'),
                    signature_block
                );
            }
            _ => {
                let signed = receipt.checkpoint_note.clone();
                let (head, line) = signed.trim_end().rsplit_once(' ').unwrap();
                let mut signature = STANDARD.decode(line).unwrap();
                let at = 4 + position % (signature.len() - 4);
                signature[at] ^= 1 << bit;
                receipt.checkpoint_note = format!("{head} {}\n", STANDARD.encode(signature));
            }
        }
        prop_assert!(receipt.verify(&key.verifier()).is_err());
    }
}

#[test]
fn keys_whose_base64_contains_plus_signs_round_trip() {
    let mut with_plus = 0;
    for seed in 0..64u8 {
        let key = SignerKey::from_seed(ORIGIN, [seed; 32]).unwrap();
        let secret = key.to_secret_text();
        let public = key.verifier().to_string();
        if public.matches('+').count() > 2 || secret.matches('+').count() > 4 {
            with_plus += 1;
        }
        assert_eq!(
            SignerKey::parse(&secret).unwrap().verifier(),
            key.verifier()
        );
        assert_eq!(VerifierKey::parse(&public).unwrap(), key.verifier());
    }
    assert!(with_plus > 0, "no key exercised a '+' in base64");
}
