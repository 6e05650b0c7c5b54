//! The few HTML helpers the pages share: one escaping function, names isolated
//! for bidirectional text, and the document around each page.

use std::fmt::Write as _;

use super::{PageContext, SignedInRole};

/// Escapes text for HTML character data and for quoted attribute values: the
/// five characters that can end a text run or an attribute (`& < > " '`) become
/// character references. Control characters other than tab, line feed and
/// carriage return, which HTML does not allow, become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 8);
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '\t' | '\n' | '\r' => escaped.push(character),
            '\u{0}'..='\u{1F}' | '\u{7F}' => escaped.push('\u{FFFD}'),
            _ => escaped.push(character),
        }
    }
    escaped
}

/// A name (of a member, bloc, motion, sitting…) that may be written right to
/// left, isolated so that it takes its own direction without reordering the
/// text around it.
pub fn name(text: &str) -> String {
    format!("<bdi dir=\"auto\">{}</bdi>", escape(text))
}

/// Whether a colour is `#rgb` or `#rrggbb` (the only forms written into
/// attributes, so that a colour cannot carry markup).
pub fn is_colour(colour: &str) -> bool {
    colour.strip_prefix('#').is_some_and(|digits| {
        (digits.len() == 3 || digits.len() == 6) && digits.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Where `console.js` shows a refusal for a form that has no box of its own: at
/// the top of the page, kept in view while scrolling.
pub const PAGE_ERROR: &str =
    "<p class=\"form-error page-error\" role=\"alert\" data-testid=\"error\" hidden></p>\n";

/// Which scripts a page loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scripts {
    /// `console.js` only (sign-out, forms).
    Forms,
    /// `live.js` as well: the page follows the live stream.
    Live,
}

/// A page's frame.
pub struct Page<'a> {
    /// The `<title>`, before " — hemicycle".
    pub title: String,
    pub context: &'a PageContext,
    /// A word naming the page, written as `<body data-page>` (the scripts read it)
    /// and used to mark the current navigation link.
    pub kind: &'static str,
    pub scripts: Scripts,
    /// Extra attributes of `<body>`, already escaped, each with a leading space.
    pub body_attributes: String,
}

/// The complete HTML5 document of a page around `main` (the page's content, already HTML).
pub fn document(page: &Page<'_>, main: &str) -> String {
    let mut out = String::with_capacity(main.len() + 4096);
    out.push_str(
        "<!doctype html>\n<html lang=\"en\" dir=\"ltr\">\n<head>\n<meta charset=\"utf-8\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{} — hemicycle</title>", escape(&page.title));
    out.push_str("<link rel=\"stylesheet\" href=\"/static/hemicycle.css\">\n");
    out.push_str("<script src=\"/static/console.js\" defer></script>\n");
    if page.scripts == Scripts::Live {
        out.push_str("<script src=\"/static/live.js\" defer></script>\n");
    }
    out.push_str("</head>\n");
    let _ = writeln!(
        out,
        "<body data-page=\"{}\"{}>",
        page.kind, page.body_attributes
    );
    out.push_str("<a class=\"skip\" href=\"#main\">Skip to content</a>\n");
    write_navigation(&mut out, page);
    out.push_str("<div id=\"errors\" class=\"toast\" role=\"alert\" data-testid=\"error-box\" hidden></div>\n");
    out.push_str("<main id=\"main\">\n");
    out.push_str(main);
    out.push_str("</main>\n");
    out.push_str(
        "<footer class=\"site-footer\"><p>hemicycle — every change is an event in an append-only, \
         hash-chained journal. <a href=\"/api/log/checkpoint\">Signed checkpoint</a> · \
         <a href=\"/api/openapi.json\">API</a></p></footer>\n",
    );
    out.push_str("</body>\n</html>\n");
    out
}

fn write_navigation(out: &mut String, page: &Page<'_>) {
    let current = |kind: &str| {
        if kind == page.kind {
            " aria-current=\"page\""
        } else {
            ""
        }
    };
    out.push_str("<header class=\"site-header\">\n<nav aria-label=\"Main\">\n");
    out.push_str("<a class=\"brand\" href=\"/gallery\">hemicycle</a>\n<ul class=\"nav-links\">\n");
    let _ = writeln!(
        out,
        "<li><a href=\"/gallery\"{}>Gallery</a></li>",
        current("gallery")
    );
    let _ = writeln!(
        out,
        "<li><a href=\"/record\"{}>Record</a></li>",
        current("record")
    );
    if let Some(signed_in) = &page.context.signed_in {
        let (href, kind, label) = match signed_in.role {
            SignedInRole::Clerk => ("/clerk", "clerk", "Clerk’s desk"),
            SignedInRole::PresidingOfficer => ("/officer", "officer", "Chair’s console"),
            SignedInRole::Member(_) => ("/member", "member", "My console"),
        };
        let _ = writeln!(
            out,
            "<li><a href=\"{href}\"{}>{label}</a></li>",
            current(kind)
        );
    }
    out.push_str("</ul>\n<div class=\"account\">\n");
    match &page.context.signed_in {
        Some(signed_in) => {
            let _ = writeln!(
                out,
                "<span class=\"signed-in\" data-testid=\"signed-in\">Signed in as {}</span>",
                name(&signed_in.display_name)
            );
            out.push_str(
                "<form class=\"sign-out\" data-api=\"/api/auth/sign-out\" data-then=\"go:/gallery\">\
                 <button type=\"submit\" data-testid=\"sign-out\">Sign out</button></form>\n",
            );
        }
        None => {
            let _ = writeln!(
                out,
                "<a class=\"sign-in-link\" href=\"/sign-in\"{}>Sign in</a>",
                current("sign-in")
            );
        }
    }
    out.push_str("</div>\n</nav>\n</header>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_markup_characters() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(escape("سائرون\u{1}"), "سائرون\u{FFFD}");
        assert_eq!(name("تحالف الفتح"), "<bdi dir=\"auto\">تحالف الفتح</bdi>");
    }

    #[test]
    fn only_hex_colours_pass() {
        assert!(is_colour("#2e7d32") && is_colour("#fff"));
        assert!(!is_colour("red") && !is_colour("#2e7d32\" onload=\"x") && !is_colour("#12"));
    }
}
