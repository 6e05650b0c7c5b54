//! hemicycle's hand-writable file formats.
//!
//! - Standing orders: a chamber's rules as TOML ([`parse_standing_orders`]), with presets
//!   for real chambers ([`PRESETS`]).
//! - Scenarios: a chamber's roster and a sequence of sitting actions as TOML
//!   ([`parse_scenario`]), expanded into core commands step by step.
//!
//! This crate does no I/O: callers pass file contents in. Errors carry the file, the
//! line and the field ([`FormatError`]).

mod error;
mod scenario;
mod standing_orders;

pub use error::FormatError;
pub use scenario::{
    parse_scenario, Action, BlocSpec, CoalitionSpec, MemberSpec, Planned, Scenario, Selector, Step,
};
pub use standing_orders::{parse_standing_orders, preset, ChamberRules, PRESETS};

/// The built-in demonstration: the extraordinary sitting of Iraq's Council of
/// Representatives on 5 January 2020.
pub const DEMO_SCENARIO: &str = include_str!("../../../scenarios/iraq-2020-01-05.toml");

/// The file name the demo scenario is known by in errors and records.
pub const DEMO_SCENARIO_NAME: &str = "scenarios/iraq-2020-01-05.toml";
