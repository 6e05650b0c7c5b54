//! A small, strict XML well-formedness checker for the tests, so the crate
//! needs no XML library. It covers what the renderer may emit: an XML
//! declaration, elements, attributes in double or single quotes, character
//! data, the five predefined entities and character references. Anything
//! else (comments, CDATA, DTDs, processing instructions after the start) is
//! refused, which is fine: the renderer emits none of them.

#![allow(dead_code)] // each test file uses a different part of it

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    /// Attribute values with references resolved, in document order.
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// This element and all elements below it, in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut found = vec![self];
        for child in &self.children {
            if let Node::Element(element) = child {
                found.extend(element.descendants());
            }
        }
        found
    }

    /// All character data below this element, references resolved.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for child in &self.children {
            match child {
                Node::Text(data) => text.push_str(data),
                Node::Element(element) => text.push_str(&element.text()),
            }
        }
        text
    }

    pub fn child_elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|child| match child {
            Node::Element(element) => Some(element),
            Node::Text(_) => None,
        })
    }
}

struct Parser<'a> {
    input: &'a str,
    position: usize,
}

fn is_name_start(character: char) -> bool {
    character.is_ascii_alphabetic() || character == '_' || character == ':'
}

fn is_name_character(character: char) -> bool {
    is_name_start(character) || character.is_ascii_digit() || character == '-' || character == '.'
}

fn is_xml_character(character: char) -> bool {
    matches!(character, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{D7FF}').contains(&character)
        || ('\u{E000}'..='\u{FFFD}').contains(&character)
        || character >= '\u{10000}'
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.input[self.position..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn error<T>(&self, message: &str) -> Result<T, String> {
        Err(format!("{message} at byte {}: {:?}", self.position, {
            let rest = self.rest();
            let end = rest
                .char_indices()
                .nth(40)
                .map_or(rest.len(), |(index, _)| index);
            &rest[..end]
        }))
    }

    fn skip_whitespace(&mut self) {
        while let Some(character) = self.peek() {
            if matches!(character, ' ' | '\t' | '\n' | '\r') {
                self.position += 1;
            } else {
                break;
            }
        }
    }

    fn expect(&mut self, literal: &str) -> Result<(), String> {
        if self.rest().starts_with(literal) {
            self.position += literal.len();
            Ok(())
        } else {
            self.error(&format!("expected {literal:?}"))
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let start = self.position;
        match self.peek() {
            Some(character) if is_name_start(character) => self.position += 1,
            _ => return self.error("expected a name"),
        }
        while let Some(character) = self.peek() {
            if is_name_character(character) {
                self.position += character.len_utf8();
            } else {
                break;
            }
        }
        Ok(self.input[start..self.position].to_owned())
    }

    /// Reads character data or an attribute value up to `stop`, resolving
    /// references and refusing raw `<` and characters XML forbids.
    fn character_data(&mut self, stop: char) -> Result<String, String> {
        let mut data = String::new();
        while let Some(character) = self.peek() {
            if character == stop {
                break;
            }
            if !is_xml_character(character) {
                return self.error("character not allowed in XML");
            }
            match character {
                '<' => return self.error("raw '<' in data"),
                '&' => data.push(self.reference()?),
                _ => {
                    data.push(character);
                    self.position += character.len_utf8();
                }
            }
        }
        Ok(data)
    }

    fn reference(&mut self) -> Result<char, String> {
        self.expect("&")?;
        let Some(length) = self.rest().find(';') else {
            return self.error("unterminated reference");
        };
        let body = &self.rest()[..length];
        let resolved = match body {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let code = if let Some(hex) = body.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(decimal) = body.strip_prefix('#') {
                    decimal.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .filter(|&character| is_xml_character(character))
            }
        };
        match resolved {
            Some(character) => {
                self.position += length + 1;
                Ok(character)
            }
            None => self.error("unknown or invalid reference"),
        }
    }

    fn element(&mut self) -> Result<Element, String> {
        self.expect("<")?;
        let name = self.name()?;
        let mut attributes: Vec<(String, String)> = Vec::new();
        loop {
            let had_space = matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r'));
            self.skip_whitespace();
            match self.peek() {
                Some('/') => {
                    self.expect("/>")?;
                    return Ok(Element {
                        name,
                        attributes,
                        children: Vec::new(),
                    });
                }
                Some('>') => {
                    self.position += 1;
                    break;
                }
                Some(_) if had_space => {
                    let key = self.name()?;
                    if attributes.iter().any(|(existing, _)| *existing == key) {
                        return self.error("duplicate attribute");
                    }
                    self.skip_whitespace();
                    self.expect("=")?;
                    self.skip_whitespace();
                    let quote = match self.peek() {
                        Some(quote @ ('"' | '\'')) => quote,
                        _ => return self.error("attribute value not quoted"),
                    };
                    self.position += 1;
                    let value = self.character_data(quote)?;
                    self.expect(&quote.to_string())?;
                    attributes.push((key, value));
                }
                _ => return self.error("malformed start tag"),
            }
        }
        let mut children = Vec::new();
        loop {
            if self.rest().starts_with("</") {
                self.position += 2;
                let closing = self.name()?;
                if closing != name {
                    return self.error(&format!("</{closing}> closes <{name}>"));
                }
                self.skip_whitespace();
                self.expect(">")?;
                return Ok(Element {
                    name,
                    attributes,
                    children,
                });
            }
            match self.peek() {
                None => return self.error(&format!("<{name}> never closed")),
                Some('<') => children.push(Node::Element(self.element()?)),
                Some(_) => {
                    let text = self.character_data('<')?;
                    children.push(Node::Text(text));
                }
            }
        }
    }
}

/// Parses `input` as a whole XML document and returns its root element, or
/// says why it is not well-formed.
pub fn parse(input: &str) -> Result<Element, String> {
    let mut parser = Parser { input, position: 0 };
    if parser.rest().starts_with("<?xml") {
        let Some(end) = parser.rest().find("?>") else {
            return parser.error("unterminated XML declaration");
        };
        parser.position += end + 2;
    }
    parser.skip_whitespace();
    let root = parser.element()?;
    parser.skip_whitespace();
    if parser.position != input.len() {
        return parser.error("content after the root element");
    }
    Ok(root)
}
