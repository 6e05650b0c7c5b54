//! hemicycle's append-only, SHA-256 hash-chained event journal.
//!
//! The journal knows nothing about parliaments: an event's payload is an
//! opaque JSON object produced by the domain. Each event is wrapped in an
//! [`Envelope`] that gives it a sequence number and chains it to the event
//! before by hash, so that changing, removing, inserting or reordering any
//! stored event is detected by [`verify`] and by [`Journal::replay`].
//!
//! ```
//! use hemicycle_journal::{open, verify, Journal, NewEvent};
//!
//! let mut journal = Journal::open(open("sqlite::memory:")?)?;
//! let appended = journal.append(vec![NewEvent {
//!     recorded_at: "2020-01-05T16:25:00+03:00".to_owned(),
//!     actor: "clerk:amina".to_owned(),
//!     payload: br#"{"type":"sitting_opened"}"#.to_vec(),
//! }])?;
//! assert_eq!(appended[0].sequence, 1);
//! let report = verify(journal.storage().as_ref())?;
//! assert_eq!(report.events, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Wire format (format version 1)
//!
//! This is the format that is hashed, stored and (later) put in Merkle
//! trees. It must never change without bumping
//! [`sqlite::FORMAT_VERSION`].
//!
//! ## Envelope fields
//!
//! | field           | type       | rule |
//! |-----------------|------------|------|
//! | `sequence`      | `u64`      | 1, 2, 3, … with no gaps |
//! | `recorded_at`   | string     | RFC 3339, supplied by the caller, kept verbatim (see below) |
//! | `actor`         | string     | 1 to 200 bytes of UTF-8, no control characters, e.g. `clerk:amina`, `member:sairoon-12`, `system` |
//! | `previous_hash` | 32 bytes   | the previous event's hash; all zeros for event 1 |
//! | `payload`       | JSON object| compact, at most 1 MiB (see below) |
//!
//! `recorded_at` must match `YYYY-MM-DDTHH:MM:SS[.F](Z|+HH:MM|-HH:MM)`,
//! where `F` is 1 to 9 digits, `T` and `Z` are upper case, the date exists
//! in the Gregorian calendar, hours are 00–23, minutes 00–59 and seconds
//! 00–60 (a leap second). Example: `2020-01-05T16:25:00+03:00`.
//!
//! ## Canonical bytes
//!
//! The canonical bytes of an envelope are exactly
//!
//! ```text
//! {"sequence":N,"recorded_at":R,"actor":A,"previous_hash":"H","payload":P}
//! ```
//!
//! with no whitespace anywhere, where
//! - `N` is the sequence in decimal, without sign or leading zeros;
//! - `R` and `A` are JSON strings escaped exactly as `serde_json` escapes
//!   them: `"` and `\` are backslash-escaped, control characters use
//!   `\b \f \n \r \t` or `\u00XX` with lower-case hex, and everything else
//!   (including `/` and non-ASCII, written as raw UTF-8) is written as is;
//! - `H` is the 64 lower-case hexadecimal digits of `previous_hash`;
//! - `P` is the payload bytes, verbatim.
//!
//! The event's hash is SHA-256 of its canonical bytes. (A later Merkle tree
//! over the journal uses leaves SHA-256(0x00 ‖ canonical bytes), RFC 6962,
//! which is why storage keeps the canonical bytes exactly.)
//!
//! Known answer: event 1 at `2020-01-05T16:25:00+03:00` by `clerk:amina`
//! with payload `{"type":"sitting_opened","sitting":"2020-01-05"}` has the
//! canonical bytes
//! `{"sequence":1,"recorded_at":"2020-01-05T16:25:00+03:00","actor":"clerk:amina","previous_hash":"0000000000000000000000000000000000000000000000000000000000000000","payload":{"type":"sitting_opened","sitting":"2020-01-05"}}`
//! and the hash
//! `6601368bf0adb94054dca3b7627e1c46b160f60da74db983b8dd94c14d87bbd4`.
//!
//! ## Payload rules
//!
//! A payload is accepted only if it is at most [`limits::MAX_PAYLOAD_BYTES`]
//! bytes of UTF-8 JSON, its top level is an object, no object in it repeats
//! a key, and writing the parsed value back out with `serde_json` (compact,
//! keys in the order they appear) gives back the very same bytes. So there
//! is exactly one accepted encoding of any payload: no whitespace, string
//! escapes as `serde_json` writes them (`\u00e9` is refused, `é` accepted),
//! numbers as `serde_json` writes them (`1e3` and `1.50` are refused).
//! Key order is NOT normalised: it is part of the payload, kept as the
//! domain wrote it; `serde_json::to_vec` of a Rust struct or of a
//! `serde_json::Value` always produces an accepted payload.
//!
//! [`Envelope::parse`] applies all these rules to stored bytes and also
//! requires them to equal the canonical bytes of the parsed envelope, byte
//! for byte.
//!
//! # Storage
//!
//! Backends implement [`Storage`], one module each ([`sqlite`] and
//! [`postgres`]), and store [`StoredRecord`]s: the sequence, the canonical
//! bytes and the hash, with the Merkle tree's subtrees and the checkpoints.
//! [`open`] picks a backend from a URL (`sqlite://PATH`, `sqlite::memory:`,
//! `postgres://USER@HOST/DATABASE`; see [`StorageUrl`]). Both backends keep
//! the same tree, so the same events give the same roots and proofs.
//!
//! The PostgreSQL backend lets several nodes share one journal: appends
//! racing for a sequence number are settled by its primary key (one wins,
//! the others get [`StorageError::Conflict`]), a writers' lock lets them
//! take turns, and each append notifies listeners
//! ([`Storage::open_change_listener`]). Its client is synchronous: call it
//! from threads, never from inside an async task.

mod chain;
mod event;
pub mod fault;
mod hash;
mod journal;
mod json;
pub mod log;
pub mod postgres;
pub mod sqlite;
mod storage;
mod timestamp;
mod verify;
mod witness;

pub use chain::{ChainBreak, ChainProblem};
pub use event::{Envelope, EventError, NewEvent, ParseError};
pub use hash::{Hash, HashHexError};
pub use journal::{Journal, JournalError, PreparedReplay, Replay, ReplayError};
pub use log::LogError;
pub use storage::{
    open, ChangeListener, Head, Storage, StorageError, StorageUrl, StoredCheckpoint, StoredRecord,
};
pub use verify::{verify, verify_against, VerifyError, VerifyReport};
pub use witness::{
    parse_witness_file, verify_log, LogReport, LogVerifyError, WitnessCheckpoint, WitnessError,
};

/// Every bound the journal enforces, in one place.
pub mod limits {
    /// Largest accepted payload: 1 MiB.
    pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
    /// Longest accepted actor.
    pub const MAX_ACTOR_BYTES: usize = 200;
    /// Longest accepted `recorded_at`.
    pub const MAX_RECORDED_AT_BYTES: usize = crate::timestamp::MAX_RECORDED_AT_BYTES;
    /// Largest canonical bytes of one event: the payload limit plus room for
    /// the other fields at their limits (under 1 KiB even with every actor
    /// byte escaped).
    pub const MAX_CANONICAL_BYTES: usize = MAX_PAYLOAD_BYTES + 4096;
    /// Most events in one append. Large enough for an all-or-nothing import of a big
    /// chamber's roster (a 10,000-seat congress is about 20,000 events).
    pub const MAX_BATCH_EVENTS: usize = 50_000;
    /// Most canonical bytes in one append: 16 MiB.
    pub const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;
    /// Most records one storage read may ask for.
    pub const MAX_READ_RECORDS: usize = 1000;
    /// Roughly the most canonical bytes one storage read returns: 16 MiB
    /// (a read always returns at least one record if any exists).
    pub const MAX_READ_BYTES: usize = 16 * 1024 * 1024;
    /// Records per storage read during replay and verification: the most a
    /// read may ask for, as each read is a query with a fixed cost (SQLite
    /// prepares the statement again when its bound start changes).
    pub const REPLAY_PAGE_RECORDS: usize = MAX_READ_RECORDS;
    /// Most subtree hashes one storage read may ask for (a proof needs at
    /// most about 130).
    pub const MAX_SUBTREES_PER_READ: usize = 1000;
    /// Largest stored checkpoint note.
    pub const MAX_CHECKPOINT_NOTE_BYTES: usize = hemicycle_log::note::MAX_NOTE_BYTES;
    /// Most entries one log entries call returns.
    pub const MAX_LOG_ENTRIES_PER_CALL: u64 = hemicycle_log::api::MAX_ENTRIES_PER_CALL;
    /// Most checkpoints a witness file may hold.
    pub const MAX_WITNESS_CHECKPOINTS: usize = 10_000;
}
