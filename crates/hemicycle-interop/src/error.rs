//! Errors and reports of imports and exports.

use std::fmt;

use indexmap::IndexMap;

/// Why an import was refused. Nothing is imported when any of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A JSON document is wrong at a path, e.g.
    /// `iraq.json: memberships[212].organization_id: no organization "party/xyz"`.
    #[error("{origin}: {path}: {message}")]
    Json {
        origin: String,
        path: String,
        message: String,
    },
    /// A CSV file is wrong at a line (1 is the header) and column.
    #[error("{origin}:{line}: column {column}: {message}")]
    Csv {
        origin: String,
        line: u64,
        column: String,
        message: String,
    },
    /// A file as a whole is wrong (unreadable, too large, missing a column).
    #[error("{origin}: {message}")]
    File { origin: String, message: String },
    /// The chamber refused a planned command; `at` says which object it came from.
    #[error("{at}: {message}")]
    Refused { at: String, message: String },
}

/// Why an export could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no chamber has been established in this journal")]
    NoChamber,
    #[error("no sitting {0}")]
    NoSitting(String),
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// What an import did to one kind of object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// Read from the file.
    pub read: u64,
    /// New to the chamber.
    pub added: u64,
    /// Known, with differences recorded.
    pub changed: u64,
    /// Known and the same.
    pub unchanged: u64,
    /// Read but not imported (e.g. organizations that are not blocs).
    pub skipped: u64,
}

/// Counts per kind of object, in the order first met, and notes for the reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub kinds: IndexMap<String, KindCounts>,
    pub notes: Vec<String>,
}

impl ImportReport {
    pub fn kind(&mut self, kind: &str) -> &mut KindCounts {
        self.kinds.entry(kind.to_owned()).or_default()
    }

    /// How many objects of a kind were read.
    pub fn read(&self, kind: &str) -> u64 {
        self.kinds.get(kind).map_or(0, |counts| counts.read)
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (kind, counts) in &self.kinds {
            write!(
                formatter,
                "{kind}: {} read, {} added, {} changed, {} unchanged",
                counts.read, counts.added, counts.changed, counts.unchanged
            )?;
            if counts.skipped > 0 {
                write!(formatter, ", {} skipped", counts.skipped)?;
            }
            writeln!(formatter)?;
        }
        for note in &self.notes {
            writeln!(formatter, "note: {note}")?;
        }
        Ok(())
    }
}
