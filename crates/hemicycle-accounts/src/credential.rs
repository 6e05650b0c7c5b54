//! Credentials: Argon2id hashes of passwords and PINs, and the generation of login codes
//! and PINs.

use std::sync::OnceLock;

use argon2::password_hash::{self, SaltString};
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    ARGON2ID_IDENT,
};
use sha2::{Digest, Sha256};

/// The shortest password, in characters.
pub const PASSWORD_LENGTH_MIN: usize = 10;
/// The longest password, in characters.
pub const PASSWORD_LENGTH_MAX: usize = 256;
/// The fewest digits in a PIN.
pub const PIN_LENGTH_MIN: usize = 4;
/// The most digits in a PIN.
pub const PIN_LENGTH_MAX: usize = 8;
/// The number of digits in a PIN drawn by [`generate_pin`].
pub const PIN_LENGTH: usize = 6;
/// The number of characters of a login code.
pub const LOGIN_CODE_LENGTH: usize = 20;
/// Crockford's base 32: digits and upper-case letters without `I`, `L`, `O` and `U`, which
/// are easily mistaken for `1`, `1`, `0` and `V` (or make words).
pub const LOGIN_CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The longest stored hash accepted, in bytes. An Argon2id PHC string at our costs is
/// about 100 bytes; the margin allows larger costs and outputs.
pub const HASH_LENGTH_MAX_BYTES: usize = 512;
/// The longest candidate password or PIN that is hashed at all, in bytes. Anything longer
/// cannot be a valid password (256 characters of at most 4 bytes each) and is refused
/// without spending time on it.
pub const CANDIDATE_LENGTH_MAX_BYTES: usize = PASSWORD_LENGTH_MAX * 4;

/// Random bytes in each salt (the length the `password-hash` crate recommends).
const SALT_BYTES: usize = 16;
/// The longest text that [`normalize_login_code`] looks at: a code with a separator
/// between every pair of characters still fits.
const LOGIN_CODE_INPUT_MAX_BYTES: usize = 64;
/// Rejection sampling for PINs draws again when a draw falls in the biased tail, which
/// happens with probability below 10^-3; after this many draws in a row something is wrong
/// with the random source.
const PIN_DRAWS_MAX: usize = 64;

// 20 characters of 5 bits each: the code carries 100 bits, enough that guessing one is
// hopeless, and enough that storing it with a fast digest is safe.
const _: () = assert!(LOGIN_CODE_LENGTH * 5 >= 100);

/// What Argon2id spends on each hash: memory in KiB, passes over it, and lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Cost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Argon2Cost {
    /// OWASP's recommended minimum for Argon2id: 19 MiB of memory, 2 iterations, 1 lane.
    /// About 20–50 ms per hash on a server core.
    pub const RECOMMENDED: Argon2Cost = Argon2Cost {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    /// The smallest cost Argon2 accepts (8 KiB, 1 iteration, 1 lane). **Only for tests**:
    /// it makes hashing almost free, and so makes guessing almost free too.
    pub const FAST_FOR_TESTS: Argon2Cost = Argon2Cost {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };

    /// The most memory a hash may take, whether we make it or verify it: a stored hash
    /// with a larger cost (a tampered row) would otherwise let one sign-in take the server
    /// down.
    pub const MEMORY_KIB_MAX: u32 = 256 * 1024;
    /// The most iterations, for the same reason.
    pub const ITERATIONS_MAX: u32 = 64;
    /// The most lanes, for the same reason.
    pub const PARALLELISM_MAX: u32 = 16;

    fn params(self) -> Result<Params, CredentialError> {
        if self.memory_kib > Argon2Cost::MEMORY_KIB_MAX
            || self.iterations > Argon2Cost::ITERATIONS_MAX
            || self.parallelism > Argon2Cost::PARALLELISM_MAX
        {
            return Err(CredentialError::CostOutOfBounds { cost: self });
        }
        Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|_| CredentialError::CostOutOfBounds { cost: self })
    }
}

/// Why a credential could not be made or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("a password needs at least {PASSWORD_LENGTH_MIN} characters; this one has {length}")]
    PasswordTooShort { length: usize },
    #[error("a password has at most {PASSWORD_LENGTH_MAX} characters; this one has {length}")]
    PasswordTooLong { length: usize },
    #[error("a PIN is {PIN_LENGTH_MIN} to {PIN_LENGTH_MAX} digits 0-9, and nothing else")]
    MalformedPin,
    #[error("a login code is {LOGIN_CODE_LENGTH} characters of 0-9 and A-Z without I, L, O and U")]
    MalformedLoginCode,
    #[error(
        "Argon2 cost m={} KiB, t={}, p={} is outside what this build accepts \
         (m from 8·p to {} KiB, t from 1 to {}, p from 1 to {})",
        cost.memory_kib, cost.iterations, cost.parallelism,
        Argon2Cost::MEMORY_KIB_MAX, Argon2Cost::ITERATIONS_MAX, Argon2Cost::PARALLELISM_MAX
    )]
    CostOutOfBounds { cost: Argon2Cost },
    #[error("the stored credential hash is malformed: {reason}")]
    MalformedHash { reason: String },
    #[error("the stored credential hash uses {found}, not argon2id version 19")]
    UnsupportedAlgorithm { found: String },
    #[error("hashing failed: {reason}")]
    Hashing { reason: String },
    #[error("the operating system's random number generator failed: {reason}")]
    Randomness { reason: String },
}

/// Hashes and verifies passwords and PINs with Argon2id at one [`Argon2Cost`].
///
/// Hashes are PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH`) with a fresh
/// 16-byte salt each. Verification uses the cost written in the stored hash, so hashes
/// made at an older cost still verify; [`CredentialHasher::needs_rehash`] tells when to
/// replace one after a successful sign-in.
#[derive(Debug)]
pub struct CredentialHasher {
    cost: Argon2Cost,
    argon2: Argon2<'static>,
    /// A hash of nothing anyone knows, made on first use, verified against when there is
    /// no account to check so that the answer takes as long as a real check.
    dummy_hash: OnceLock<String>,
}

impl CredentialHasher {
    pub fn new(cost: Argon2Cost) -> Result<CredentialHasher, CredentialError> {
        let params = cost.params()?;
        Ok(CredentialHasher {
            cost,
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            dummy_hash: OnceLock::new(),
        })
    }

    pub fn cost(&self) -> Argon2Cost {
        self.cost
    }

    /// Hashes a password that follows [`check_password_rules`].
    pub fn hash_password(&self, password: &str) -> Result<String, CredentialError> {
        check_password_rules(password)?;
        self.hash(password)
    }

    /// Hashes a PIN that follows [`check_pin_rules`].
    pub fn hash_pin(&self, pin: &str) -> Result<String, CredentialError> {
        check_pin_rules(pin)?;
        self.hash(pin)
    }

    fn hash(&self, secret: &str) -> Result<String, CredentialError> {
        let mut salt_bytes = [0u8; SALT_BYTES];
        fill_random(&mut salt_bytes)?;
        let salt = SaltString::encode_b64(&salt_bytes).map_err(hashing_error)?;
        let hash = self
            .argon2
            .hash_password(secret.as_bytes(), &salt)
            .map_err(hashing_error)?
            .to_string();
        assert!(
            hash.len() <= HASH_LENGTH_MAX_BYTES,
            "hash of {} bytes",
            hash.len()
        );
        Ok(hash)
    }

    /// Whether `candidate` is the password or PIN whose hash is `phc`.
    ///
    /// The comparison is constant-time (the argon2 crate's). A stored hash that does not
    /// parse, is not Argon2id version 19, or asks for more than
    /// [`Argon2Cost::MEMORY_KIB_MAX`] and friends is an error, not a mismatch: it means the
    /// store holds something it should not. A candidate longer than
    /// [`CANDIDATE_LENGTH_MAX_BYTES`] is a mismatch.
    pub fn verify(&self, phc: &str, candidate: &str) -> Result<bool, CredentialError> {
        let parsed = parse_stored_hash(phc)?;
        if candidate.len() > CANDIDATE_LENGTH_MAX_BYTES {
            return Ok(false);
        }
        match self.argon2.verify_password(candidate.as_bytes(), &parsed) {
            Ok(()) => Ok(true),
            Err(password_hash::Error::Password) => Ok(false),
            Err(error) => Err(hashing_error(error)),
        }
    }

    /// Spends as long as [`CredentialHasher::verify`] would on a real hash, and fails.
    /// Called when there is no account (or no credential) to check, so that an unknown
    /// username answers as slowly as a wrong password.
    pub fn verify_against_dummy(&self, candidate: &str) -> Result<bool, CredentialError> {
        let dummy = match self.dummy_hash.get() {
            Some(dummy) => dummy,
            None => {
                let mut secret = [0u8; 32];
                fill_random(&mut secret)?;
                // Nobody knows these 32 random bytes (hex, so that they are a valid
                // password), so no candidate matches.
                let dummy = self.hash(&hex::encode(secret))?;
                self.dummy_hash.get_or_init(|| dummy)
            }
        };
        let matched = self.verify(dummy, candidate)?;
        debug_assert!(!matched, "a candidate matched the dummy hash");
        Ok(false)
    }

    /// Whether a stored hash was made at another cost than this hasher's, and should be
    /// replaced by a fresh hash of the (just verified) password or PIN.
    pub fn needs_rehash(&self, phc: &str) -> Result<bool, CredentialError> {
        let parsed = parse_stored_hash(phc)?;
        let params = Params::try_from(&parsed).map_err(malformed)?;
        let stored = Argon2Cost {
            memory_kib: params.m_cost(),
            iterations: params.t_cost(),
            parallelism: params.p_cost(),
        };
        Ok(stored != self.cost)
    }
}

/// Parses a stored hash and checks that it is Argon2id v19 within our cost bounds.
fn parse_stored_hash(phc: &str) -> Result<PasswordHash<'_>, CredentialError> {
    if phc.len() > HASH_LENGTH_MAX_BYTES {
        return Err(CredentialError::MalformedHash {
            reason: format!(
                "{} bytes long, more than the limit of {HASH_LENGTH_MAX_BYTES}",
                phc.len()
            ),
        });
    }
    let parsed = PasswordHash::new(phc).map_err(malformed)?;
    if parsed.algorithm != ARGON2ID_IDENT || parsed.version != Some(Version::V0x13.into()) {
        let version = parsed.version.map_or_else(
            || "no version".to_owned(),
            |version| format!("version {version}"),
        );
        return Err(CredentialError::UnsupportedAlgorithm {
            found: format!("{} {version}", parsed.algorithm),
        });
    }
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err(CredentialError::MalformedHash {
            reason: "the salt or the hash is missing".to_owned(),
        });
    }
    let params = Params::try_from(&parsed).map_err(malformed)?;
    let cost = Argon2Cost {
        memory_kib: params.m_cost(),
        iterations: params.t_cost(),
        parallelism: params.p_cost(),
    };
    cost.params()?;
    Ok(parsed)
}

fn malformed(error: password_hash::Error) -> CredentialError {
    CredentialError::MalformedHash {
        reason: error.to_string(),
    }
}

fn hashing_error(error: password_hash::Error) -> CredentialError {
    CredentialError::Hashing {
        reason: error.to_string(),
    }
}

fn fill_random(bytes: &mut [u8]) -> Result<(), CredentialError> {
    getrandom::fill(bytes).map_err(|error| CredentialError::Randomness {
        reason: error.to_string(),
    })
}

/// Checks a new password: 10 to 256 characters. Passwords are compared exactly as typed,
/// byte for byte (no Unicode normalisation, no trimming).
pub fn check_password_rules(password: &str) -> Result<(), CredentialError> {
    let length = password.chars().count();
    if length < PASSWORD_LENGTH_MIN {
        return Err(CredentialError::PasswordTooShort { length });
    }
    if length > PASSWORD_LENGTH_MAX {
        return Err(CredentialError::PasswordTooLong { length });
    }
    Ok(())
}

/// Checks a PIN: 4 to 8 ASCII digits.
pub fn check_pin_rules(pin: &str) -> Result<(), CredentialError> {
    let well_formed = (PIN_LENGTH_MIN..=PIN_LENGTH_MAX).contains(&pin.len())
        && pin.bytes().all(|byte| byte.is_ascii_digit());
    if well_formed {
        Ok(())
    } else {
        Err(CredentialError::MalformedPin)
    }
}

/// Draws a login code: [`LOGIN_CODE_LENGTH`] characters of [`LOGIN_CODE_ALPHABET`], each
/// uniformly at random (100 bits in all).
pub fn generate_login_code() -> Result<String, CredentialError> {
    let mut bytes = [0u8; LOGIN_CODE_LENGTH];
    fill_random(&mut bytes)?;
    // The alphabet has 32 = 256 / 8 letters, so the low 5 bits of a uniform byte pick one
    // uniformly: no modulo bias.
    const _: () = assert!(LOGIN_CODE_ALPHABET.len() == 32);
    let code: String = bytes
        .iter()
        .map(|byte| char::from(LOGIN_CODE_ALPHABET[usize::from(byte & 0x1f)]))
        .collect();
    debug_assert_eq!(normalize_login_code(&code).as_deref(), Ok(code.as_str()));
    Ok(code)
}

/// Draws a PIN of [`PIN_LENGTH`] digits, uniformly among all 10^6 (leading zeros kept).
pub fn generate_pin() -> Result<String, CredentialError> {
    const PIN_VALUES: u32 = 10u32.pow(PIN_LENGTH as u32);
    // The largest multiple of PIN_VALUES that fits: draws at or above it are thrown away,
    // so every remainder is equally likely.
    const ACCEPTED_BELOW: u32 = u32::MAX - u32::MAX % PIN_VALUES;
    for _ in 0..PIN_DRAWS_MAX {
        let mut bytes = [0u8; 4];
        fill_random(&mut bytes)?;
        let draw = u32::from_le_bytes(bytes);
        if draw < ACCEPTED_BELOW {
            let pin = format!("{:0width$}", draw % PIN_VALUES, width = PIN_LENGTH);
            debug_assert!(check_pin_rules(&pin).is_ok());
            return Ok(pin);
        }
    }
    Err(CredentialError::Randomness {
        reason: format!("{PIN_DRAWS_MAX} draws in a row fell outside the accepted range"),
    })
}

/// The canonical form of a login code as a person or a link may give it: upper case, with
/// `I` and `L` read as `1`, `O` as `0`, and hyphens and spaces (used to group the
/// characters when reading a code out) ignored, as Crockford's base 32 prescribes.
pub fn normalize_login_code(text: &str) -> Result<String, CredentialError> {
    if text.len() > LOGIN_CODE_INPUT_MAX_BYTES {
        return Err(CredentialError::MalformedLoginCode);
    }
    let mut code = String::with_capacity(LOGIN_CODE_LENGTH);
    for character in text.chars() {
        let character = match character.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            other => other,
        };
        if !character.is_ascii() || !LOGIN_CODE_ALPHABET.contains(&(character as u8)) {
            return Err(CredentialError::MalformedLoginCode);
        }
        code.push(character);
    }
    if code.len() != LOGIN_CODE_LENGTH {
        return Err(CredentialError::MalformedLoginCode);
    }
    Ok(code)
}

/// The digest under which a login code is stored: the lower-case hex SHA-256 of its
/// canonical form (see [`normalize_login_code`]).
pub fn login_code_digest(code: &str) -> Result<String, CredentialError> {
    let code = normalize_login_code(code)?;
    Ok(hex::encode(Sha256::digest(code.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> CredentialHasher {
        CredentialHasher::new(Argon2Cost::FAST_FOR_TESTS).unwrap()
    }

    #[test]
    fn a_password_verifies_and_a_wrong_one_does_not() {
        let hasher = hasher();
        let hash = hasher.hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{hash}");
        assert!(hasher.verify(&hash, "correct horse battery").unwrap());
        assert!(!hasher.verify(&hash, "correct horse batterY").unwrap());
        assert!(!hasher.verify(&hash, "").unwrap());
        assert!(!hasher.verify(&hash, &"x".repeat(10_000)).unwrap());
        // A fresh salt each time.
        assert_ne!(hash, hasher.hash_password("correct horse battery").unwrap());
    }

    #[test]
    fn a_pin_verifies_and_a_wrong_one_does_not() {
        let hasher = hasher();
        let hash = hasher.hash_pin("012345").unwrap();
        assert!(hasher.verify(&hash, "012345").unwrap());
        assert!(!hasher.verify(&hash, "12345").unwrap());
        assert!(!hasher.verify(&hash, "012346").unwrap());
    }

    #[test]
    fn the_recommended_cost_hashes_at_that_cost() {
        let hasher = CredentialHasher::new(Argon2Cost::RECOMMENDED).unwrap();
        let hash = hasher.hash_password("correct horse battery").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher.verify(&hash, "correct horse battery").unwrap());
        // A hasher at another cost still verifies it, and says to rehash.
        let fast = hasher_at(Argon2Cost::FAST_FOR_TESTS);
        assert!(fast.verify(&hash, "correct horse battery").unwrap());
        assert!(fast.needs_rehash(&hash).unwrap());
        assert!(!hasher.needs_rehash(&hash).unwrap());
    }

    fn hasher_at(cost: Argon2Cost) -> CredentialHasher {
        CredentialHasher::new(cost).unwrap()
    }

    #[test]
    fn costs_are_bounded() {
        for cost in [
            Argon2Cost {
                memory_kib: 7,
                iterations: 1,
                parallelism: 1,
            },
            Argon2Cost {
                memory_kib: 8,
                iterations: 0,
                parallelism: 1,
            },
            Argon2Cost {
                memory_kib: Argon2Cost::MEMORY_KIB_MAX + 1,
                iterations: 1,
                parallelism: 1,
            },
            Argon2Cost {
                memory_kib: 64,
                iterations: 1,
                parallelism: 9,
            },
        ] {
            assert_eq!(
                CredentialHasher::new(cost).unwrap_err(),
                CredentialError::CostOutOfBounds { cost }
            );
        }
    }

    #[test]
    fn a_tampered_hash_is_an_error_not_a_panic() {
        let hasher = hasher();
        let hash = hasher.hash_password("correct horse battery").unwrap();
        let tampered = [
            String::new(),
            "not a hash".to_owned(),
            hash[..hash.len() / 2].to_owned(),
            hash.replace("argon2id", "argon2i"),
            hash.replace("v=19", "v=16"),
            hash.replace("m=8", "m=abc"),
            hash.replace("m=8", "m=4194304"),
            hash.replace("t=1", "t=1000"),
            hash.replace("$argon2id$", "$scrypt$"),
            // Salt and hash gone.
            hash.rsplitn(3, '$').nth(2).unwrap().to_owned(),
            format!("{hash}{}", "A".repeat(HASH_LENGTH_MAX_BYTES)),
        ];
        for phc in tampered {
            assert!(
                hasher.verify(&phc, "correct horse battery").is_err(),
                "{phc:?} was accepted"
            );
        }
    }

    #[test]
    fn a_changed_hash_output_is_a_mismatch() {
        let hasher = hasher();
        let hash = hasher.hash_password("correct horse battery").unwrap();
        // Change one character of the output (the last field) to another base64 digit.
        let (head, output) = hash.rsplit_once('$').unwrap();
        let mut output: Vec<char> = output.chars().collect();
        output[0] = if output[0] == 'A' { 'B' } else { 'A' };
        let changed = format!("{head}${}", output.into_iter().collect::<String>());
        assert!(!hasher.verify(&changed, "correct horse battery").unwrap());
    }

    #[test]
    fn password_rules() {
        assert_eq!(
            check_password_rules("short"),
            Err(CredentialError::PasswordTooShort { length: 5 })
        );
        // Counted in characters: ten two-byte characters are enough.
        assert_eq!(check_password_rules(&"é".repeat(10)), Ok(()));
        assert_eq!(check_password_rules(&"a".repeat(256)), Ok(()));
        assert_eq!(
            check_password_rules(&"a".repeat(257)),
            Err(CredentialError::PasswordTooLong { length: 257 })
        );
        assert_eq!(
            check_password_rules(&"a".repeat(1_000_000)),
            Err(CredentialError::PasswordTooLong { length: 1_000_000 })
        );
        let hasher = hasher();
        assert!(matches!(
            hasher.hash_password("123456789"),
            Err(CredentialError::PasswordTooShort { length: 9 })
        ));
    }

    #[test]
    fn pin_rules() {
        for good in ["0000", "123456", "01234567"] {
            assert_eq!(check_pin_rules(good), Ok(()), "{good}");
        }
        for bad in ["", "123", "123456789", "12a4", "１２３４", " 1234", "-123"] {
            assert_eq!(
                check_pin_rules(bad),
                Err(CredentialError::MalformedPin),
                "{bad}"
            );
        }
        assert_eq!(hasher().hash_pin("12"), Err(CredentialError::MalformedPin));
    }

    #[test]
    fn login_codes_have_the_right_length_and_alphabet() {
        let mut seen = [false; 32];
        for _ in 0..200 {
            let code = generate_login_code().unwrap();
            assert_eq!(code.len(), LOGIN_CODE_LENGTH);
            for byte in code.bytes() {
                let index = LOGIN_CODE_ALPHABET
                    .iter()
                    .position(|&letter| letter == byte)
                    .unwrap_or_else(|| panic!("{code} has {}", byte as char));
                seen[index] = true;
            }
            assert_eq!(normalize_login_code(&code).unwrap(), code);
        }
        // 4,000 draws from 32 letters: each letter is missed with probability ~10^-55.
        assert!(seen.iter().all(|&seen| seen), "{seen:?}");
        for excluded in ['I', 'L', 'O', 'U'] {
            assert!(!LOGIN_CODE_ALPHABET.contains(&(excluded as u8)));
        }
        assert_ne!(
            generate_login_code().unwrap(),
            generate_login_code().unwrap()
        );
    }

    #[test]
    fn login_codes_are_read_leniently_and_digested_canonically() {
        let code = "7K3QW9ZD2MX4HNB0R8TV";
        let digest = login_code_digest(code).unwrap();
        assert_eq!(digest.len(), 64);
        assert_eq!(digest, hex::encode(Sha256::digest(code.as_bytes())));
        for variant in [
            "7k3qw9zd2mx4hnb0r8tv",
            "7K3QW-9ZD2M-X4HNB-0R8TV",
            "7K3QW 9ZD2M X4HNB 0R8TV",
            "7K3QW9ZD2MX4HNBOR8TV",
        ] {
            assert_eq!(login_code_digest(variant).unwrap(), digest, "{variant}");
        }
        assert_eq!(
            normalize_login_code("7K3QW9ZD2MX4HNBLR8TI").unwrap(),
            "7K3QW9ZD2MX4HNB1R8T1"
        );
        for bad in [
            "",
            "7K3QW9ZD2MX4HNB0R8T",
            "7K3QW9ZD2MX4HNB0R8TVV",
            "7K3QW9ZD2MX4HNB0R8TU",
            "7K3QW9ZD2MX4HNB0R8T!",
            "7K3QW9ZD2MX4HNB0R8TÉ",
            &"-".repeat(100),
        ] {
            assert_eq!(
                login_code_digest(bad),
                Err(CredentialError::MalformedLoginCode),
                "{bad}"
            );
        }
    }

    #[test]
    fn pins_are_six_digits_and_every_digit_appears_everywhere() {
        let mut seen = [[0u32; 10]; PIN_LENGTH];
        let draws = 2_000;
        for _ in 0..draws {
            let pin = generate_pin().unwrap();
            assert_eq!(pin.len(), PIN_LENGTH);
            assert_eq!(check_pin_rules(&pin), Ok(()));
            for (position, digit) in pin.bytes().enumerate() {
                seen[position][usize::from(digit - b'0')] += 1;
            }
        }
        // Each position's digit is uniform: expected 200 of each of 10 digits. The bounds
        // are about 7 standard deviations out, so a fair generator fails them with
        // probability ~10^-11, while a generator that never draws a digit, or favours one
        // heavily, fails them.
        for (position, counts) in seen.iter().enumerate() {
            for (digit, &count) in counts.iter().enumerate() {
                assert!(
                    (100..=300).contains(&count),
                    "digit {digit} at position {position} appeared {count} times in {draws}"
                );
            }
        }
    }

    #[test]
    fn the_dummy_never_matches() {
        let hasher = hasher();
        assert!(!hasher.verify_against_dummy("anything at all").unwrap());
        assert!(!hasher.verify_against_dummy("").unwrap());
    }
}
