//! A small XML writer: elements, attributes and text, escaped; nothing else.

use std::fmt::Write as _;

/// Escapes text for an attribute value or element content. Characters XML 1.0 does
/// not allow (most control characters) are left out.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(character),
            character if (character as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            character => out.push(character),
        }
    }
    out
}

/// Writes indented XML into a string.
pub(crate) struct XmlWriter {
    out: String,
    open: Vec<&'static str>,
}

impl XmlWriter {
    pub fn new() -> Self {
        Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }

    fn start(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.indent();
        let _ = write!(self.out, "<{name}");
        for (key, value) in attributes {
            let _ = write!(self.out, " {key}=\"{}\"", escape(value));
        }
    }

    /// Opens an element that will hold other elements.
    pub fn open(&mut self, name: &'static str, attributes: &[(&str, &str)]) {
        self.start(name, attributes);
        self.out.push_str(">\n");
        self.open.push(name);
    }

    pub fn close(&mut self) {
        if let Some(name) = self.open.pop() {
            self.indent();
            let _ = writeln!(self.out, "</{name}>");
        }
    }

    /// An element without content.
    pub fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start(name, attributes);
        self.out.push_str("/>\n");
    }

    /// An element holding text only.
    pub fn text(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.start(name, attributes);
        let _ = writeln!(self.out, ">{}</{name}>", escape(text));
    }

    /// An element holding mixed content already written as XML by [`inline`].
    pub fn mixed(&mut self, name: &str, attributes: &[(&str, &str)], content: &str) {
        self.start(name, attributes);
        let _ = writeln!(self.out, ">{content}</{name}>");
    }

    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

/// An inline element as XML text, for [`XmlWriter::mixed`].
pub(crate) fn inline(name: &str, attributes: &[(&str, &str)], text: &str) -> String {
    let mut out = format!("<{name}");
    for (key, value) in attributes {
        let _ = write!(out, " {key}=\"{}\"", escape(value));
    }
    let _ = write!(out, ">{}</{name}>", escape(text));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;\n"
        );
    }

    #[test]
    fn writes_nested_elements() {
        let mut writer = XmlWriter::new();
        writer.open("a", &[("x", "1")]);
        writer.text("b", &[], "t<");
        writer.empty("c", &[]);
        let xml = writer.finish();
        assert!(
            xml.ends_with("<a x=\"1\">\n  <b>t&lt;</b>\n  <c/>\n</a>\n"),
            "{xml}"
        );
    }
}
