//! Popolo JSON (<https://www.popoloproject.com>), version 1.0.1, in and out.
//!
//! The document is the layout EveryPolitician publishes: one object with the arrays
//! `persons`, `organizations`, `memberships`, `events`, `motions`, `vote_events` (and
//! optionally `areas`, `posts`, `votes`).
//!
//! | Popolo | hemicycle |
//! |---|---|
//! | organization `classification: legislature` | the chamber (name, `seats`) |
//! | organization `party`, `political party` / `list`, `electoral list` / `parliamentary group`, `group`, `faction`, `caucus` / `other` | a bloc of that kind (`other_names` noted `short name` → short name; `colour`, an extension, → colour) |
//! | organization `coalition` | a coalition; its blocs are memberships whose `member` is an organization |
//! | other organizations (committees, governments…) | skipped, counted |
//! | person with a membership of the legislature | a member; details kept (names, gender, dates as written, email, image, links, sources) |
//! | membership of the legislature | the seat: `on_behalf_of_id` is the bloc, `start_date` (else the `legislative_period_id` event's start) the day it starts, `end_date` of the last one a departure; the area's name (else the post's label) is the constituency |
//! | event | an occasion (election, legislative period, our sittings on export) |
//! | motion | a recorded motion (`text`, `classification`, `requirement`, `result`; `title`, an extension) |
//! | vote event | a recorded division: the date (`start_date`, or `date`, an extension, when only the day is known), question (the motion's title or text), `result`, `counts` without a group, and `votes` |
//!
//! Vote options are `yes`, `no`, `abstain`, `absent` and `not voting`; any other
//! individual option is an error. Counts by group and `group_results` are derived data
//! and are not imported; counts of other options (e.g. candidates) are ignored.
//!
//! On export our live divisions become vote events with the chamber's own result
//! (`pass`, `fail`, `not decided`, `elected: …`), counts, counts and `group_results`
//! per bloc, and every member's option: their ballot, `not voting` if present without
//! one, `absent` otherwise. Elections and secret ballots carry counts only (an
//! individual vote for a candidate is not a Popolo option).

mod export;
mod import;

pub use export::{export_popolo, write_popolo};
pub use import::{plan_popolo_import, POPOLO_BYTES_MAX};
