//! Stable slugs for identifiers that are not slugs.
//!
//! hemicycle's identifiers are `[a-z0-9][a-z0-9._-]*`, at most 64 bytes. An original id
//! that already is one is kept. Any other is transliterated to ASCII — Latin letters
//! lose their accents by a table of the common ones, Arabic letters are written with a
//! simple one-letter-each table, anything else becomes `-` — and followed by the first
//! 10 hexadecimal digits of the original's SHA-256, so that two different originals
//! never share a slug (`ائتلاف_دولة_القانون` → `aatlaf-dwlt-alqanwn-1145d3ea5c`).

use hemicycle_core::ids::IDENTIFIER_LENGTH_MAX;
use sha2::{Digest, Sha256};

/// Hexadecimal digits of the hash appended to a transliterated slug.
const HASH_DIGITS: usize = 10;
/// Longest transliterated part, leaving room for `-` and the hash.
const READABLE_LENGTH_MAX: usize = 40;

fn is_slug(text: &str) -> bool {
    hemicycle_core::ids::MemberId::new(text).is_ok()
}

fn transliterate(character: char) -> Option<&'static str> {
    let text = match character {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
            "a"
        }
        'ç' | 'Ç' | 'č' | 'Č' | 'ć' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'š' | 'Š' | 'ś' => "s",
        'ž' | 'Ž' | 'ź' | 'ż' => "z",
        'ß' => "ss",
        'ł' | 'Ł' => "l",
        // Arabic, one Latin letter or two for each letter; short vowels are not written.
        'ا' | 'أ' | 'إ' | 'آ' | 'ى' | 'ء' | 'ئ' | 'ؤ' => "a",
        'ب' => "b",
        'ت' | 'ة' | 'ط' => "t",
        'ث' => "th",
        'ج' => "j",
        'ح' | 'ه' | 'ھ' | 'ە' => "h",
        'خ' => "kh",
        'د' | 'ض' => "d",
        'ذ' | 'ظ' => "dh",
        'ر' | 'ڕ' => "r",
        'ز' | 'ژ' => "z",
        'س' | 'ص' => "s",
        'ش' => "sh",
        'ع' => "a",
        'غ' => "gh",
        'ف' | 'ڤ' => "f",
        'ق' => "q",
        'ك' | 'ک' | 'گ' => "k",
        'ل' | 'ڵ' => "l",
        'م' => "m",
        'ن' => "n",
        'و' | 'ۆ' | 'ۇ' => "w",
        'ي' | 'ی' | 'ې' | 'ێ' => "y",
        'پ' => "p",
        'چ' => "ch",
        _ => return None,
    };
    Some(text)
}

/// `original` transliterated to ASCII, lower case, words joined by `-`, at most 40 bytes.
pub fn readable(original: &str) -> String {
    let mut out = String::new();
    for character in original.chars() {
        if character.is_ascii_alphanumeric() {
            out.push(character.to_ascii_lowercase());
        } else if let Some(latin) = transliterate(character) {
            out.push_str(latin);
        } else if !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= READABLE_LENGTH_MAX {
            break;
        }
    }
    out.truncate(READABLE_LENGTH_MAX);
    out.trim_matches('-').to_owned()
}

/// The slug for `original`: itself if it is one, otherwise its transliteration and a
/// hash. `fallback` starts a slug whose transliteration is empty (e.g. `bloc`).
pub fn derive(original: &str, fallback: &str) -> String {
    if is_slug(original) {
        return original.to_owned();
    }
    let digest = Sha256::digest(original.as_bytes());
    let hash: String = digest
        .iter()
        .flat_map(|byte| [byte >> 4, byte & 0x0f])
        .take(HASH_DIGITS)
        .map(|nibble| char::from_digit(u32::from(nibble), 16).unwrap_or('0'))
        .collect();
    let readable = readable(original);
    let stem = if readable.is_empty() {
        fallback.to_owned()
    } else {
        readable
    };
    let slug = format!("{stem}-{hash}");
    debug_assert!(slug.len() <= IDENTIFIER_LENGTH_MAX);
    slug
}

/// `slug`, or `slug-2`, `slug-3`… — the first that `taken` does not hold.
pub fn unique(slug: String, taken: impl Fn(&str) -> bool) -> String {
    if !taken(&slug) {
        return slug;
    }
    let base: String = slug.chars().take(IDENTIFIER_LENGTH_MAX - 8).collect();
    (2u32..)
        .map(|number| format!("{base}-{number}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_kept() {
        assert_eq!(
            derive("007245b7-3440-4a5b-b20c-7dd1b434b11d", "member"),
            "007245b7-3440-4a5b-b20c-7dd1b434b11d"
        );
    }

    #[test]
    fn others_are_transliterated_and_hashed() {
        let slug = derive("ائتلاف_دولة_القانون", "bloc");
        assert!(slug.starts_with("aatlaf-dwlt-alqanwn-"), "{slug}");
        assert!(is_slug(&slug));
        let other = derive("term/2014", "occasion");
        assert!(other.starts_with("term-2014-"), "{other}");
        assert_ne!(derive("term/2014", "x"), derive("term-2014/", "x"));
        let backslashes = derive("يه_كيتي\\\\\\\\الاتحاد", "bloc");
        assert!(is_slug(&backslashes), "{backslashes}");
        let chinese = derive("立法會", "bloc");
        assert!(chinese.starts_with("bloc-"), "{chinese}");
        assert!(is_slug(&chinese));
    }

    #[test]
    fn long_originals_stay_within_the_limit() {
        let slug = derive(&"Ä".repeat(500), "member");
        assert!(slug.len() <= IDENTIFIER_LENGTH_MAX);
        assert!(is_slug(&slug));
    }

    #[test]
    fn unique_adds_a_number() {
        let taken = ["a", "a-2"];
        assert_eq!(unique("a".into(), |slug| taken.contains(&slug)), "a-3");
        assert_eq!(unique("b".into(), |slug| taken.contains(&slug)), "b");
    }
}
