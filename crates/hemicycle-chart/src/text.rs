//! Text helpers: XML escaping, colour checks, number formatting and
//! right-to-left detection.

/// Escapes text for use in XML character data or a quoted attribute value.
///
/// The five markup characters become entities. Characters that XML 1.0 does
/// not allow at all, even as references (most C0 controls, U+FFFE, U+FFFF),
/// become U+FFFD REPLACEMENT CHARACTER, so any label still yields a
/// well-formed document. Everything else, including Arabic, Kurdish or
/// Hebrew letters and bidi controls, is kept as UTF-8.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(character),
            '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => escaped.push('\u{FFFD}'),
            _ => escaped.push(character),
        }
    }
    escaped
}

/// Whether `colour` is `#rgb` or `#rrggbb` in hex digits.
///
/// Only these forms are accepted: they are understood by every SVG viewer
/// and cannot smuggle markup or CSS into an attribute.
pub(crate) fn is_valid_colour(colour: &str) -> bool {
    match colour.strip_prefix('#') {
        Some(digits) => {
            (digits.len() == 3 || digits.len() == 6)
                && digits.bytes().all(|byte| byte.is_ascii_hexdigit())
        }
        None => false,
    }
}

/// Formats a coordinate or length with two decimals, so the output is the
/// same bytes on every run and platform; never prints `-0.00`.
pub(crate) fn number(value: f64) -> String {
    let formatted = format!("{value:.2}");
    if formatted == "-0.00" {
        "0.00".to_owned()
    } else {
        formatted
    }
}

/// Whether a character belongs to a right-to-left script (Hebrew, Arabic —
/// which Kurdish Sorani and Persian use — Syriac, Thaana, N'Ko and their
/// supplements and presentation forms).
fn is_right_to_left_letter(character: char) -> bool {
    matches!(
        character,
        '\u{0590}'..='\u{08FF}'
            | '\u{FB1D}'..='\u{FDFF}'
            | '\u{FE70}'..='\u{FEFF}'
            | '\u{10800}'..='\u{10FFF}'
            | '\u{1E800}'..='\u{1EFFF}'
    ) && character.is_alphabetic()
}

/// Whether the first strongly directional character of `text` is
/// right-to-left (the rule Unicode's bidi algorithm uses to pick a
/// paragraph's direction). Digits, spaces and punctuation are skipped.
pub(crate) fn starts_right_to_left(text: &str) -> bool {
    text.chars()
        .find(|character| character.is_alphabetic())
        .is_some_and(is_right_to_left_letter)
}

/// Whether `text` holds any right-to-left letter.
pub(crate) fn has_right_to_left(text: &str) -> bool {
    text.chars().any(is_right_to_left_letter)
}

/// Wraps text that holds right-to-left letters in a FIRST STRONG ISOLATE …
/// POP DIRECTIONAL ISOLATE pair, so that in a plain-text string such as a
/// tooltip ("name — seat 12") the name keeps its own direction and does not
/// reorder the numbers and words around it. Left-to-right text is returned
/// unchanged, so ordinary output carries no invisible characters.
pub(crate) fn isolate(text: &str) -> String {
    if has_right_to_left(text) {
        format!("\u{2068}{text}\u{2069}")
    } else {
        text.to_owned()
    }
}

/// SVG presentation attributes (with a leading space) that make a text run
/// right-to-left when it starts with a right-to-left letter, else nothing.
///
/// SVG 1.1 honours `direction` only with `unicode-bidi` set to `embed` or
/// `bidi-override`; `embed` keeps digits and Latin words inside the run in
/// their own order.
pub(crate) fn direction_attributes(text: &str) -> &'static str {
    if starts_right_to_left(text) {
        " direction=\"rtl\" unicode-bidi=\"embed\""
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_replaces_forbidden_characters() {
        assert_eq!(
            escape("a<b>&\"c\"'d'\u{1}\u{FFFF}\t"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\u{FFFD}\u{FFFD}\t"
        );
        assert_eq!(escape("سائرون"), "سائرون");
    }

    #[test]
    fn accepts_only_hex_colours() {
        for good in ["#fff", "#1f77b4", "#ABCDEF"] {
            assert!(is_valid_colour(good), "{good}");
        }
        for bad in [
            "",
            "#",
            "red",
            "#12",
            "#1234",
            "#12345g",
            "1f77b4",
            "#1f77b4\"",
            "#ｆｆｆ",
        ] {
            assert!(!is_valid_colour(bad), "{bad}");
        }
    }

    #[test]
    fn numbers_have_two_decimals_and_no_negative_zero() {
        assert_eq!(number(1.0), "1.00");
        assert_eq!(number(2.345_6), "2.35");
        assert_eq!(number(-0.001), "0.00");
        assert_eq!(number(-1.5), "-1.50");
    }

    #[test]
    fn detects_right_to_left_text() {
        assert!(starts_right_to_left("سائرون"));
        assert!(starts_right_to_left("2 پارتی"));
        assert!(starts_right_to_left("עבודה"));
        assert!(!starts_right_to_left("Sairoon (سائرون)"));
        assert!(!starts_right_to_left("123"));
        assert!(has_right_to_left("Sairoon (سائرون)"));
        assert_eq!(isolate("Sairoon"), "Sairoon");
        assert_eq!(isolate("سائرون"), "\u{2068}سائرون\u{2069}");
    }
}
