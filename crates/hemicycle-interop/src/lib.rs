//! hemicycle's data in and out in the published standards.
//!
//! - **Popolo JSON** ([`popolo`]): the roster (persons, organizations — the chamber, blocs,
//!   coalitions —, memberships), occasions (Popolo events), motions and vote events, in
//!   and out. Exports validate against the Popolo 1.0.1 JSON Schemas (draft-03).
//! - **Akoma Ntoso XML** ([`akn`]): the record of one sitting as a `debate` document,
//!   out. Validates against the OASIS Akoma Ntoso 3.0 XSD.
//! - **Voteview roll-call CSV** ([`voteview`]): members, votes and roll calls in the
//!   layout of `HSall_members.csv`, `HSall_votes.csv` and `HSall_rollcalls.csv`, in and
//!   out, streaming; and the one-vote Senate table ([`senate`]), in.
//!
//! # Imports
//!
//! An import is *planned* against the chamber's state: every command it needs is decided
//! and applied on a scratch copy of the state as it is planned, so a refusal is reported
//! against the JSON path or CSV line it came from. The caller then runs the plan with
//! `hemicycle_engine::Chamber::execute_batch`, as one all-or-nothing transaction (a
//! Voteview history larger than one journal batch is one transaction per congress, see
//! [`voteview`]). Nothing is written here: this crate reads from the `Read`/`BufRead`
//! it is given and writes to the `Write` it is given; only the binary opens files.
//!
//! Re-importing the same file plans nothing. Objects are matched on their original id,
//! kept as the identifier `{scheme: "popolo", identifier: ID}` (our identifiers are
//! slugs, `[a-z0-9][a-z0-9._-]*`, and real ids are not: Arabic text, UUIDs, slashes),
//! and on every identifier they carry; a newer file plans only the differences (new
//! members, blocs, occasions, motions and divisions; changed names, details and bloc
//! memberships; departures; new identifiers).
//!
//! Slugs are derived from the original id ([`slug::derive`]): kept as is when already a
//! slug, otherwise transliterated to ASCII (Arabic letters have a table) with a hash of
//! the original appended, so two different ids never meet on one slug. An exported
//! object also carries `{scheme: "hemicycle", identifier: SLUG}`, which an import uses
//! as the slug.
//!
//! Historical divisions (Popolo vote events, Voteview roll calls, the Senate table) are
//! recorded as published — date, question, result and counts as given, and every
//! member's option (yes, no, abstain, absent, not voting) — one event per division, and
//! never recomputed by the outcome engine: our standing orders did not produce them.

pub mod akn;
mod error;
mod json;
mod plan;
pub mod popolo;
pub mod senate;
pub mod slug;
pub mod voteview;
mod xml;

pub use error::{ExportError, ImportError, ImportReport, KindCounts};
pub use plan::{ImportPlan, NewChamber};

/// The scheme under which an imported object's original id is kept.
pub const POPOLO_SCHEME: &str = "popolo";
/// The scheme under which an export names our own identifier of an object.
pub const HEMICYCLE_SCHEME: &str = "hemicycle";
