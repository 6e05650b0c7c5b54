//! hemicycle's domain core: the chamber, its roster and blocs, sittings and attendance,
//! motions, divisions and ballots, standing orders and the outcome engine, and the
//! follow-up register.
//!
//! The core is pure: no I/O, no clock, no async. A [`Command`] is checked against the
//! [`State`] by [`State::decide`], which refuses it with a [`Refusal`] or returns
//! [`Event`]s; the state changes only by [`State::apply`], a fold over events.
//!
//! With the `json-schema` feature, the commands and every type they hold implement
//! `schemars::JsonSchema`, and `schema::command_schemas` gives the JSON Schemas of the
//! web API's request bodies.

pub mod actor;
pub mod command;
mod decide;
pub mod event;
pub mod history;
pub mod ids;
pub mod model;
pub mod outcome;
pub mod rules;
#[cfg(feature = "json-schema")]
pub mod schema;
pub mod state;

pub use actor::{Actor, Role};
pub use command::{Command, Context};
pub use decide::{Refusal, RefusalKind};
pub use event::{decode, encode, Event};
pub use state::State;
