//! C2SP tlog-checkpoint: the note text of a signed tree head.
//!
//! ```text
//! ORIGIN
//! TREE SIZE (decimal, no leading zeros)
//! ROOT HASH (standard base64 of 32 bytes)
//! [EXTENSION LINE]…
//! ```

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use thiserror::Error;

use crate::note::{self, NoteError, SignerKey, VerifiedNote, VerifierKey};
use crate::tree::TreeHash;

/// Most extension lines accepted in a checkpoint.
pub const MAX_EXTENSION_LINES: usize = 16;

/// Longest accepted origin or extension line.
pub const MAX_LINE_BYTES: usize = 1024;

/// Why a checkpoint is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckpointError {
    /// The text breaks the checkpoint format.
    #[error("malformed checkpoint: {reason}")]
    Malformed {
        /// What is wrong, naming the line.
        reason: String,
    },
    /// The signed note around it is malformed or does not verify.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The checkpoint is signed by the right key but names another log.
    #[error("the checkpoint is for the log {found:?}, not {expected:?}")]
    WrongOrigin {
        /// The origin expected (the key's name).
        expected: String,
        /// The origin found.
        found: String,
    },
}

fn malformed(reason: impl Into<String>) -> CheckpointError {
    CheckpointError::Malformed {
        reason: reason.into(),
    }
}

/// A tree head: which log, how many entries, and the root over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `example.org/chamber`.
    pub origin: String,
    /// The number of leaves.
    pub tree_size: u64,
    /// The RFC 6962 root of those leaves.
    pub root_hash: TreeHash,
    /// Optional extension lines (opaque; NOT RECOMMENDED by the spec).
    pub extensions: Vec<String>,
}

fn check_line(what: &str, line: &str) -> Result<(), CheckpointError> {
    if line.is_empty() {
        return Err(malformed(format!("the {what} is empty")));
    }
    if line.len() > MAX_LINE_BYTES {
        return Err(malformed(format!(
            "the {what} is longer than {MAX_LINE_BYTES} bytes"
        )));
    }
    if line.chars().any(|character| character.is_control()) {
        return Err(malformed(format!(
            "the {what} contains a newline or another control character"
        )));
    }
    Ok(())
}

impl Checkpoint {
    /// The note text: the lines, each ending in a newline.
    pub fn to_text(&self) -> Result<String, CheckpointError> {
        check_line("origin", &self.origin)?;
        if self.extensions.len() > MAX_EXTENSION_LINES {
            return Err(malformed(format!(
                "more than {MAX_EXTENSION_LINES} extension lines"
            )));
        }
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.tree_size,
            STANDARD.encode(self.root_hash)
        );
        for extension in &self.extensions {
            check_line("extension line", extension)?;
            text.push_str(extension);
            text.push('\n');
        }
        Ok(text)
    }

    /// Parses a checkpoint's note text strictly.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| malformed("the text does not end with a newline"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(malformed(format!(
                "expected at least 3 lines (origin, tree size, root hash), found {}",
                lines.len()
            )));
        }
        if lines.len() > 3 + MAX_EXTENSION_LINES {
            return Err(malformed(format!(
                "more than {MAX_EXTENSION_LINES} extension lines"
            )));
        }
        let origin = lines[0];
        check_line("origin (line 1)", origin)?;
        let size_text = lines[1];
        let well_formed_size = !size_text.is_empty()
            && size_text.bytes().all(|byte| byte.is_ascii_digit())
            && (size_text == "0" || !size_text.starts_with('0'));
        if !well_formed_size {
            return Err(malformed(format!(
                "line 2: the tree size {:?} is not a decimal number without leading zeros",
                cut(size_text)
            )));
        }
        let tree_size: u64 = size_text.parse().map_err(|_| {
            malformed(format!(
                "line 2: the tree size {:?} is too large",
                cut(size_text)
            ))
        })?;
        let root_hash = decode_hash(lines[2])
            .map_err(|reason| malformed(format!("line 3: the root hash {reason}")))?;
        let mut extensions = Vec::new();
        for (offset, extension) in lines[3..].iter().enumerate() {
            check_line(&format!("extension line (line {})", offset + 4), extension)?;
            extensions.push((*extension).to_owned());
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            tree_size,
            root_hash,
            extensions,
        })
    }

    /// Signs this checkpoint with `signer`, whose name must be the origin.
    pub fn sign(&self, signer: &SignerKey) -> Result<String, CheckpointError> {
        if signer.name() != self.origin {
            return Err(CheckpointError::WrongOrigin {
                expected: signer.name().to_owned(),
                found: self.origin.clone(),
            });
        }
        Ok(signer.sign(&self.to_text()?)?)
    }

    /// Opens a signed checkpoint: the note must verify with `key` (other
    /// signatures, e.g. witnesses' cosignatures, are ignored) and the origin
    /// must be the key's name.
    pub fn open(note_bytes: &[u8], key: &VerifierKey) -> Result<SignedCheckpoint, CheckpointError> {
        let verified = note::open(note_bytes, std::slice::from_ref(key))?;
        let checkpoint = Checkpoint::parse(&verified.text)?;
        if checkpoint.origin != key.name() {
            return Err(CheckpointError::WrongOrigin {
                expected: key.name().to_owned(),
                found: checkpoint.origin,
            });
        }
        Ok(SignedCheckpoint {
            checkpoint,
            note: verified,
        })
    }
}

/// A checkpoint whose signature has been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The tree head.
    pub checkpoint: Checkpoint,
    /// The verified note it came in.
    pub note: VerifiedNote,
}

fn cut(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Decodes a hash written in strict standard base64.
pub fn decode_hash(text: &str) -> Result<TreeHash, String> {
    let bytes = note::decode_base64(text)
        .ok_or_else(|| format!("{:?} is not standard base64", cut(text)))?;
    <TreeHash>::try_from(bytes.as_slice())
        .map_err(|_| format!("is {} bytes long, not 32", bytes.len()))
}

/// Encodes a hash in standard base64.
pub fn encode_hash(hash: &TreeHash) -> String {
    STANDARD.encode(hash)
}
