//! Hemicycle seat charts: seat layout in concentric semicircular rows (the
//! method of Wikipedia's parliament diagrams) and drawing as SVG: a standalone
//! document ([`render_svg`]) or an element for a web page whose seats carry
//! their member and state ([`render_svg_element`]).
//!
//! The crate is pure: no I/O, no randomness, no clock. The same input always
//! gives the same layout and the same SVG bytes. Nothing panics on any
//! input; problems are reported as [`ChartError`]. A chart holds at most
//! [`MAX_SEATS`] seats.
//!
//! ```
//! use hemicycle_chart::{render_svg, Chart, Group, SeatStyle};
//!
//! let chart = Chart {
//!     title: "Council of Representatives".to_owned(),
//!     subtitle: Some("Sitting of 3 March".to_owned()),
//!     groups: vec![
//!         Group::filled("Sairoon", "#1f77b4", 54)?,
//!         Group::new("Fatah", "#ff7f0e", vec![SeatStyle::Filled, SeatStyle::Hollow]),
//!     ],
//!     caption: Some("Illustrative allocation, not a record".to_owned()),
//! };
//! let svg = render_svg(&chart)?;
//! assert_eq!(svg.matches("<circle").count(), 56);
//! # Ok::<(), hemicycle_chart::ChartError>(())
//! ```

mod error;
mod inline;
mod layout;
mod render;
mod text;

pub use error::ChartError;
pub use inline::{render_svg_element, InlineOptions, SeatData};
pub use layout::{
    assign_seats, layout, row_count, AssignedSeat, Layout, SeatPosition, MAX_SEATS,
    OUTER_RADIUS_UNITS, SEAT_DIAMETER_PER_ROW_PITCH,
};
pub use render::{render_svg, Chart, Group, SeatStyle};
