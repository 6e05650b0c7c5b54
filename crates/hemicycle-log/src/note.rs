//! C2SP signed notes with Ed25519 signatures, and the key formats of Go's
//! `golang.org/x/mod/sumdb/note`:
//!
//! - verifier key: `NAME+KEYID+BASE64(0x01 ‖ 32-byte public key)`;
//! - signer key: `PRIVATE+KEY+NAME+KEYID+BASE64(0x01 ‖ 32-byte seed)`;
//!
//! where KEYID is 8 hexadecimal digits of the key ID, the first 4 bytes
//! (big-endian) of SHA-256(NAME ‖ 0x0A ‖ 0x01 ‖ public key).
//!
//! A signed note is its text (ending in a newline), a blank line, then one
//! or more lines `— NAME BASE64(KEYID ‖ SIGNATURE)`.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The signature type byte of Ed25519 in signed notes.
pub const ED25519_TYPE: u8 = 0x01;

/// Largest accepted note, text and signatures together: room for well over
/// the 16 signatures the spec says verifiers must accept, even post-quantum
/// ones of nearly 5 kB.
pub const MAX_NOTE_BYTES: usize = 256 * 1024;

/// Most signature lines accepted in one note.
pub const MAX_SIGNATURES: usize = 100;

/// Longest accepted key name.
pub const MAX_NAME_BYTES: usize = 255;

const SIGNATURE_PREFIX: &str = "\u{2014} ";
const SIGNER_PREFIX: &str = "PRIVATE+KEY+";

/// Why a key, a note or a signature is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoteError {
    /// A key name is empty, too long, or has a space, a `+` or a control
    /// character.
    #[error("invalid key name {name:?}: {reason}")]
    InvalidName {
        /// The name, cut to a bounded length.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A key line is not in the expected format.
    #[error("malformed {kind} key: {reason}")]
    MalformedKey {
        /// "verifier" or "signer".
        kind: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A key's ID is not the one its name and public key give.
    #[error(
        "{kind} key {name:?} claims key ID {claimed:08x}, but its name and key give {computed:08x}"
    )]
    KeyIdMismatch {
        /// "verifier" or "signer".
        kind: &'static str,
        /// The key name.
        name: String,
        /// The ID written in the key.
        claimed: u32,
        /// The ID computed from the name and key.
        computed: u32,
    },
    /// The note is not well formed.
    #[error("malformed signed note: {reason}")]
    MalformedNote {
        /// What is wrong with it.
        reason: String,
    },
    /// A signature by a known key does not verify.
    #[error("the signature by {name} (key ID {key_id:08x}) is invalid: the note was altered or not signed by that key")]
    InvalidSignature {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// A known key signed the note more than once.
    #[error("the note carries more than one signature by {name} (key ID {key_id:08x})")]
    DuplicateSignature {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// No signature by a known key.
    #[error(
        "the note is not signed by any known key (known: {known}; found signatures by: {found})"
    )]
    NoKnownSignature {
        /// The known key names.
        known: String,
        /// The names on the signature lines.
        found: String,
    },
    /// The note text cannot be signed (not a text a note can hold).
    #[error("cannot sign this text: {reason}")]
    Unsignable {
        /// Why not.
        reason: &'static str,
    },
}

/// Checks a key name against the signed-note rules.
pub fn check_name(name: &str) -> Result<(), NoteError> {
    let invalid = |reason| NoteError::InvalidName {
        name: name.chars().take(80).collect(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("it is empty"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(invalid("it is longer than 255 bytes"));
    }
    if name.chars().any(char::is_whitespace) {
        return Err(invalid("it contains a space"));
    }
    if name.contains('+') {
        return Err(invalid("it contains a plus sign"));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("it contains a control character"));
    }
    Ok(())
}

/// The key ID of an Ed25519 key: the first 4 bytes, big-endian, of
/// SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
pub fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ED25519_TYPE]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Parses the `NAME+KEYID+BASE64` tail shared by both key formats.
fn parse_key_parts(kind: &'static str, text: &str) -> Result<(String, u32, [u8; 32]), NoteError> {
    let malformed = |reason: &str| NoteError::MalformedKey {
        kind,
        reason: reason.to_owned(),
    };
    let text = text.trim_end_matches(['\n', '\r']);
    // Base64 may itself contain '+', so only the first two separate parts.
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(key_base64)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "expected NAME+KEYID+BASE64 (three parts separated by '+')",
        ));
    };
    check_name(name)?;
    if id_hex.len() != 8 || !id_hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(malformed("the key ID must be 8 hexadecimal digits"));
    }
    let claimed =
        u32::from_str_radix(id_hex, 16).map_err(|_| malformed("the key ID is not hexadecimal"))?;
    let bytes = decode_base64(key_base64).ok_or_else(|| malformed("the key is not base64"))?;
    let [algorithm, key @ ..] = bytes.as_slice() else {
        return Err(malformed("the key is empty"));
    };
    if *algorithm != ED25519_TYPE {
        return Err(malformed(&format!(
            "unsupported signature type 0x{algorithm:02x}; only Ed25519 (0x01) is supported"
        )));
    }
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| malformed("an Ed25519 key is 32 bytes after its type byte"))?;
    Ok((name.to_owned(), claimed, key))
}

/// Strict standard base64: padding required and the encoding must be the
/// canonical one (so one value has one spelling).
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(text).ok()?;
    (STANDARD.encode(&bytes) == text).then_some(bytes)
}

/// A public key that checks signatures: the verifier key of signed notes.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    public_key: VerifyingKey,
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "VerifierKey({self})")
    }
}

impl VerifierKey {
    /// Parses `NAME+KEYID+BASE64(0x01 ‖ public key)`, checking the key ID.
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let (name, claimed, key) = parse_key_parts("verifier", text)?;
        let computed = key_id(&name, &key);
        if claimed != computed {
            return Err(NoteError::KeyIdMismatch {
                kind: "verifier",
                name,
                claimed,
                computed,
            });
        }
        let public_key = VerifyingKey::from_bytes(&key).map_err(|_| NoteError::MalformedKey {
            kind: "verifier",
            reason: "the 32 bytes are not an Ed25519 public key".to_owned(),
        })?;
        Ok(VerifierKey {
            name,
            key_id: computed,
            public_key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The raw Ed25519 public key.
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.public_key.to_bytes()
    }

    fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        self.public_key.verify_strict(text, &signature).is_ok()
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut encoded = vec![ED25519_TYPE];
        encoded.extend_from_slice(self.public_key.as_bytes());
        write!(
            formatter,
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(encoded)
        )
    }
}

/// A private key that signs notes. Its `Debug` never shows the secret, and it
/// has no `Display`: the secret form comes only from
/// [`SignerKey::to_secret_text`].
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    key_id: u32,
    signing_key: SigningKey,
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "SignerKey({}+{:08x}, secret not shown)",
            self.name, self.key_id
        )
    }
}

impl SignerKey {
    /// A key from 32 random bytes (the Ed25519 seed). The caller draws them
    /// from the operating system: this crate does no I/O.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<SignerKey, NoteError> {
        check_name(name)?;
        let signing_key = SigningKey::from_bytes(&seed);
        let key_id = key_id(name, signing_key.verifying_key().as_bytes());
        Ok(SignerKey {
            name: name.to_owned(),
            key_id,
            signing_key,
        })
    }

    /// Parses `PRIVATE+KEY+NAME+KEYID+BASE64(0x01 ‖ seed)`, checking the key
    /// ID against the public key the seed gives.
    pub fn parse(text: &str) -> Result<SignerKey, NoteError> {
        let rest = text
            .strip_prefix(SIGNER_PREFIX)
            .ok_or_else(|| NoteError::MalformedKey {
                kind: "signer",
                reason: "it must start with PRIVATE+KEY+".to_owned(),
            })?;
        let (name, claimed, seed) = parse_key_parts("signer", rest)?;
        let key = SignerKey::from_seed(&name, seed)?;
        if key.key_id != claimed {
            return Err(NoteError::KeyIdMismatch {
                kind: "signer",
                name,
                claimed,
                computed: key.key_id,
            });
        }
        Ok(key)
    }

    /// The secret key line, to be written to an owner-only file and nowhere
    /// else.
    pub fn to_secret_text(&self) -> String {
        let mut encoded = vec![ED25519_TYPE];
        encoded.extend_from_slice(self.signing_key.as_bytes());
        format!(
            "{SIGNER_PREFIX}{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(encoded)
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            public_key: self.signing_key.verifying_key(),
        }
    }

    /// Signs `text` and returns the whole signed note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text).map_err(|reason| NoteError::Unsignable { reason })?;
        let signature = self.signing_key.sign(text.as_bytes());
        let mut bytes = self.key_id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{text}\n{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(bytes)
        ))
    }
}

/// What a note's text must be: UTF-8 (a `&str` is), ending in a newline,
/// without control characters other than newline.
fn check_text(text: &str) -> Result<(), &'static str> {
    if !text.ends_with('\n') {
        return Err("a note's text must end with a newline");
    }
    if text
        .chars()
        .any(|character| character.is_ascii_control() && character != '\n')
    {
        return Err("a note may not contain control characters other than newline");
    }
    if text.len() > MAX_NOTE_BYTES {
        return Err("the text is longer than a note may be");
    }
    Ok(())
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name on the line.
    pub name: String,
    /// The key ID (first 4 bytes of the signature field).
    pub key_id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

/// A signed note split into its text and signature lines, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text, with its final newline.
    pub text: String,
    /// Every signature line, in order.
    pub signatures: Vec<NoteSignature>,
}

impl Note {
    /// Splits a signed note strictly: UTF-8, no control characters but
    /// newline, text and signatures separated by the last blank line, at
    /// least one and at most [`MAX_SIGNATURES`] well-formed signature lines.
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        let malformed = |reason: &str| NoteError::MalformedNote {
            reason: reason.to_owned(),
        };
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(malformed(&format!(
                "it is {} bytes long, more than the limit of {MAX_NOTE_BYTES} bytes",
                bytes.len()
            )));
        }
        let message = std::str::from_utf8(bytes).map_err(|_| malformed("it is not UTF-8"))?;
        if message
            .chars()
            .any(|character| character.is_ascii_control() && character != '\n')
        {
            return Err(malformed(
                "it contains a control character other than newline (a carriage return?)",
            ));
        }
        let split = message.rfind("\n\n").ok_or_else(|| {
            malformed("there is no blank line between the text and the signatures")
        })?;
        let text = &message[..=split];
        let signature_block = &message[split + 2..];
        if signature_block.is_empty() {
            return Err(malformed("there are no signature lines"));
        }
        if !signature_block.ends_with('\n') {
            return Err(malformed(
                "the last signature line does not end with a newline",
            ));
        }
        let lines: Vec<&str> = signature_block[..signature_block.len() - 1]
            .split('\n')
            .collect();
        if lines.len() > MAX_SIGNATURES {
            return Err(malformed(&format!(
                "it has {} signatures, more than the limit of {MAX_SIGNATURES}",
                lines.len()
            )));
        }
        let mut signatures = Vec::with_capacity(lines.len());
        for (number, line) in lines.iter().enumerate() {
            let line_error =
                |reason: &str| malformed(&format!("signature line {}: {reason}", number + 1));
            let rest = line
                .strip_prefix(SIGNATURE_PREFIX)
                .ok_or_else(|| line_error("it does not start with an em dash and a space"))?;
            let (name, encoded) = rest
                .split_once(' ')
                .ok_or_else(|| line_error("expected a key name, a space and a base64 signature"))?;
            check_name(name).map_err(|error| line_error(&error.to_string()))?;
            let decoded =
                decode_base64(encoded).ok_or_else(|| line_error("the signature is not base64"))?;
            if decoded.len() < 5 {
                return Err(line_error(
                    "the signature is shorter than a key ID and one byte",
                ));
            }
            signatures.push(NoteSignature {
                name: name.to_owned(),
                key_id: u32::from_be_bytes([decoded[0], decoded[1], decoded[2], decoded[3]]),
                signature: decoded[4..].to_vec(),
            });
        }
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }
}

/// A note whose signature by at least one known key verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    /// The note text, with its final newline.
    pub text: String,
    /// The names of the known keys whose signatures verified.
    pub verified_by: Vec<String>,
    /// Signature lines by keys not among the known ones (ignored, as the
    /// spec requires: they are NOT verified).
    pub unknown_signers: Vec<String>,
}

/// Parses and verifies a signed note against the known keys. A signature
/// line whose name AND key ID match a known key must verify (otherwise the
/// whole note is refused), a known key may sign only once, lines by other
/// keys are ignored and never counted, and at least one known key must
/// have signed.
pub fn open(bytes: &[u8], known: &[VerifierKey]) -> Result<VerifiedNote, NoteError> {
    let note = Note::parse(bytes)?;
    let mut verified_by: Vec<String> = Vec::new();
    let mut verified_ids: Vec<(String, u32)> = Vec::new();
    let mut unknown_signers = Vec::new();
    for signature in &note.signatures {
        let key = known
            .iter()
            .find(|key| key.name == signature.name && key.key_id == signature.key_id);
        let Some(key) = key else {
            unknown_signers.push(signature.name.clone());
            continue;
        };
        let identity = (key.name.clone(), key.key_id);
        if verified_ids.contains(&identity) {
            return Err(NoteError::DuplicateSignature {
                name: key.name.clone(),
                key_id: key.key_id,
            });
        }
        if !key.verify(note.text.as_bytes(), &signature.signature) {
            return Err(NoteError::InvalidSignature {
                name: key.name.clone(),
                key_id: key.key_id,
            });
        }
        verified_ids.push(identity);
        verified_by.push(key.name.clone());
    }
    if verified_by.is_empty() {
        return Err(NoteError::NoKnownSignature {
            known: known
                .iter()
                .map(|key| format!("{}+{:08x}", key.name, key.key_id))
                .collect::<Vec<_>>()
                .join(", "),
            found: note
                .signatures
                .iter()
                .map(|signature| format!("{}+{:08x}", signature.name, signature.key_id))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(VerifiedNote {
        text: note.text,
        verified_by,
        unknown_signers,
    })
}
