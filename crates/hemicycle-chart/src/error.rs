//! The one error type of the crate.

use thiserror::Error;

/// Everything that can go wrong while laying out or drawing a chart.
///
/// Every public function returns this instead of panicking, so a caller can
/// show a message for a malformed chart rather than crash a page or a report.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChartError {
    /// More seats than [`crate::MAX_SEATS`] were asked for.
    ///
    /// The limit keeps the work and the SVG size bounded and keeps seats big
    /// enough to see; no real chamber comes near it.
    #[error("a chart holds at most {maximum} seats, but {requested} were asked for")]
    TooManySeats {
        /// How many seats were asked for (saturated at `usize::MAX` if the
        /// group sizes overflowed when added up).
        requested: usize,
        /// The limit, [`crate::MAX_SEATS`].
        maximum: usize,
    },

    /// A group's colour is not a `#rgb` or `#rrggbb` hex colour.
    #[error("group {group_index} ({label:?}) has colour {colour:?}; expected #rgb or #rrggbb")]
    InvalidGroupColour {
        /// Position of the group in [`crate::Chart::groups`], from 0.
        group_index: usize,
        /// The group's label, to help find it.
        label: String,
        /// The colour as given.
        colour: String,
    },

    /// A per-seat colour override is not a `#rgb` or `#rrggbb` hex colour.
    #[error(
        "seat {seat_number} of group {group_index} ({label:?}) has colour {colour:?}; \
         expected #rgb or #rrggbb"
    )]
    InvalidSeatColour {
        /// Position of the group in [`crate::Chart::groups`], from 0.
        group_index: usize,
        /// The group's label, to help find it.
        label: String,
        /// The seat's number within its group, from 1 (as in the tooltips).
        seat_number: usize,
        /// The colour as given.
        colour: String,
    },

    /// The group sizes given to [`crate::assign_seats`] do not add up to the
    /// number of seats in the layout.
    #[error("the groups hold {group_seats} seats but the layout has {layout_seats}")]
    SeatCountMismatch {
        /// Seats in the layout.
        layout_seats: usize,
        /// Seats in the groups, added up (saturated at `usize::MAX`).
        group_seats: usize,
    },

    /// The per-seat data of an inline chart does not give one entry per seat
    /// (see [`crate::InlineOptions::seats`]).
    #[error("group {group_index} ({label:?}) has {seats} seats but {given} seat data entries")]
    SeatDataMismatch {
        /// Position of the group in [`crate::Chart::groups`], from 0 (past the
        /// last group when more groups of data than groups were given).
        group_index: usize,
        /// The group's label, to help find it (empty past the last group).
        label: String,
        /// Seats in the group.
        seats: usize,
        /// Seat data entries given for it.
        given: usize,
    },
}
