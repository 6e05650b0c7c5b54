//! The 32-byte SHA-256 digest that chains events together.

use std::fmt;

use sha2::{Digest, Sha256};
use thiserror::Error;

/// A SHA-256 digest.
///
/// Displayed (and written into canonical bytes) as 64 lowercase hexadecimal
/// characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash([u8; 32]);

/// Why a hexadecimal string is not a [`Hash`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HashHexError {
    /// The string is not exactly 64 characters long.
    #[error("a hash in hexadecimal must be 64 characters long, got {length}")]
    WrongLength {
        /// The length that was given, in bytes.
        length: usize,
    },
    /// A character is not a hexadecimal digit.
    #[error("a hash in hexadecimal has a character that is not a hexadecimal digit at position {position}")]
    NotHexadecimal {
        /// Byte offset of the first offending character.
        position: usize,
    },
}

impl Hash {
    /// The all-zero hash: the `previous_hash` of event 1.
    pub const ZERO: Hash = Hash([0; 32]);

    /// Wraps raw digest bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Hash {
        Hash(bytes)
    }

    /// The raw digest bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// SHA-256 of `data`.
    pub fn of(data: &[u8]) -> Hash {
        Hash(Sha256::digest(data).into())
    }

    /// Parses 64 hexadecimal characters. Upper-case digits are accepted here
    /// (this is also meant for hashes typed or pasted by people); canonical
    /// bytes only ever contain the lower-case form, which
    /// [`Envelope::parse`](crate::Envelope::parse) checks separately.
    pub fn from_hex(text: &str) -> Result<Hash, HashHexError> {
        if text.len() != 64 {
            return Err(HashHexError::WrongLength { length: text.len() });
        }
        if let Some(position) = text.bytes().position(|byte| !byte.is_ascii_hexdigit()) {
            return Err(HashHexError::NotHexadecimal { position });
        }
        let mut bytes = [0u8; 32];
        // Every character was checked above, so decoding cannot fail; the
        // error arm is kept only to avoid an unwrap.
        hex::decode_to_slice(text, &mut bytes)
            .map_err(|_| HashHexError::NotHexadecimal { position: 0 })?;
        Ok(Hash(bytes))
    }

    /// The 64 lowercase hexadecimal characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads exactly 64 lower-case hexadecimal digits, the only spelling
    /// canonical bytes allow; `None` for anything else (including upper
    /// case, which [`Hash::from_hex`] accepts from people).
    pub(crate) fn from_lower_hex(text: &[u8]) -> Option<Hash> {
        if text.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        // Every digit is looked up and the invalid ones are noted in one
        // flag, with no early exit: a straight loop the compiler unrolls.
        let mut invalid = 0u8;
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            let high = LOWER_HEX_VALUES[usize::from(pair[0])];
            let low = LOWER_HEX_VALUES[usize::from(pair[1])];
            invalid |= (high | low) & NOT_LOWER_HEX;
            *byte = (high << 4) | (low & 0x0f);
        }
        (invalid == 0).then_some(Hash(bytes))
    }

    /// Appends the 64 lower-case hexadecimal digits to `out`, without the
    /// intermediate `String` of [`Hash::to_hex`] (this runs for every event
    /// appended).
    pub(crate) fn write_lower_hex(&self, out: &mut Vec<u8>) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        out.reserve(64);
        for byte in self.0 {
            out.push(DIGITS[usize::from(byte >> 4)]);
            out.push(DIGITS[usize::from(byte & 0x0f)]);
        }
    }
}

/// Marks a byte that is not a lower-case hexadecimal digit in
/// [`LOWER_HEX_VALUES`].
const NOT_LOWER_HEX: u8 = 0x80;

/// The value of each byte as a lower-case hexadecimal digit, or
/// [`NOT_LOWER_HEX`].
const LOWER_HEX_VALUES: [u8; 256] = {
    let mut values = [NOT_LOWER_HEX; 256];
    let mut digit = 0;
    while digit < 16 {
        values[b"0123456789abcdef"[digit] as usize] = digit as u8;
        digit += 1;
    }
    values
};

impl fmt::Display for Hash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Hash({})", self.to_hex())
    }
}

impl From<[u8; 32]> for Hash {
    fn from(bytes: [u8; 32]) -> Hash {
        Hash(bytes)
    }
}

impl TryFrom<&[u8]> for Hash {
    type Error = std::array::TryFromSliceError;

    fn try_from(bytes: &[u8]) -> Result<Hash, Self::Error> {
        Ok(Hash(<[u8; 32]>::try_from(bytes)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input_is_the_known_value() {
        assert_eq!(
            Hash::of(b"").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn zero_hash_displays_as_64_zeros() {
        assert_eq!(Hash::ZERO.to_string(), "0".repeat(64));
    }

    #[test]
    fn hex_round_trips_and_accepts_upper_case() {
        let hash = Hash::of(b"abc");
        assert_eq!(Hash::from_hex(&hash.to_hex()), Ok(hash));
        assert_eq!(Hash::from_hex(&hash.to_hex().to_uppercase()), Ok(hash));
    }

    #[test]
    fn lower_hex_round_trips_and_refuses_every_other_spelling() {
        let hash = Hash::of(b"abc");
        let mut written = Vec::new();
        hash.write_lower_hex(&mut written);
        assert_eq!(written, hash.to_hex().into_bytes());
        assert_eq!(Hash::from_lower_hex(&written), Some(hash));
        assert_eq!(
            Hash::from_lower_hex(hash.to_hex().to_uppercase().as_bytes()),
            None
        );
        assert_eq!(Hash::from_lower_hex(&written[..62]), None);
        let mut not_hex = written.clone();
        not_hex[5] = b'g';
        assert_eq!(Hash::from_lower_hex(&not_hex), None);
        for digit in 0..=255u8 {
            let expected = (digit as char).is_ascii_hexdigit() && !digit.is_ascii_uppercase();
            let text = [digit; 64];
            assert_eq!(
                Hash::from_lower_hex(&text).is_some(),
                expected,
                "digit {digit}"
            );
        }
    }

    #[test]
    fn hex_refuses_wrong_length_and_non_hex() {
        assert_eq!(
            Hash::from_hex("abc"),
            Err(HashHexError::WrongLength { length: 3 })
        );
        let mut text = "0".repeat(64);
        text.replace_range(10..11, "g");
        assert_eq!(
            Hash::from_hex(&text),
            Err(HashHexError::NotHexadecimal { position: 10 })
        );
    }
}
