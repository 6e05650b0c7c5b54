//! Errors that say what is wrong and where: file, line, field.

use std::fmt;

/// A file that cannot be read as standing orders or as a scenario.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FormatError {
    /// The file's name as the user gave it (or `preset NAME`).
    pub origin: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The field at fault, as a dotted path (e.g. `quorum.required`, `step[4].choice`).
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(formatter, ":{line}")?;
        }
        write!(formatter, ": ")?;
        if let Some(field) = &self.field {
            write!(formatter, "{field}: ")?;
        }
        write!(formatter, "{}", self.message)
    }
}

/// The 1-based line of a byte offset.
pub fn line_of(source: &str, offset: usize) -> usize {
    let offset = offset.min(source.len());
    source.as_bytes()[..offset]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

/// Turns a TOML parse or type error into a [`FormatError`] with its line.
pub fn from_toml(origin: &str, source: &str, error: &toml::de::Error) -> FormatError {
    FormatError {
        origin: origin.to_owned(),
        line: error.span().map(|span| line_of(source, span.start)),
        field: None,
        message: error.message().trim().to_owned(),
    }
}

/// Finds the line where a dotted field path (`decisions.censure.requirements[1]`) is
/// written, by looking for each part in turn as a table header or a key. A best effort:
/// validation errors name the field in any case.
pub fn locate(source: &str, path: &str) -> Option<usize> {
    let parts: Vec<&str> = path
        .split('.')
        .map(|part| part.split('[').next().unwrap_or(part))
        .filter(|part| !part.is_empty())
        .collect();
    let lines: Vec<&str> = source.lines().collect();
    let mut found = None;
    let mut start = 0;
    let mut header = String::new();
    for part in parts {
        header = if header.is_empty() {
            part.to_owned()
        } else {
            format!("{header}.{part}")
        };
        let position = lines.iter().enumerate().skip(start).position(|(_, line)| {
            let trimmed = line.trim_start();
            trimmed.starts_with(&format!("[{header}]"))
                || trimmed.starts_with(&format!("[[{header}]]"))
                || trimmed.starts_with(&format!("{part} "))
                || trimmed.starts_with(&format!("{part}="))
                || trimmed.contains(&format!("{{ {part} "))
                || trimmed.contains(&format!(", {part} "))
        });
        match position {
            Some(offset) => {
                start += offset;
                found = Some(start + 1);
            }
            None => break,
        }
    }
    found
}
