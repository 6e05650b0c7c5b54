//! Seat layout: concentric semicircular rows, as in Wikipedia's parliament
//! ("arch") diagrams.
//!
//! # Geometry
//!
//! The hemicycle is half of an annulus whose inner radius is half of its
//! outer radius. With `rows` rows and the outer radius taken as 1:
//!
//! * rows are a constant distance apart, the *row pitch*
//!   `1 / (2 × rows − 1)`;
//! * the innermost row lies on the inner arc (radius ½) and the outermost row
//!   lies half a pitch inside the outer arc, so no seat pokes out of it;
//! * seats in a row are spread evenly over the row's arc, and neighbouring
//!   seats' centres are never closer than one row pitch, so seats are spaced
//!   the same way along a row as across rows;
//! * the two end seats of a row sit half a pitch above the base line (the
//!   cut of the annulus), so no seat pokes below it; a row holding a single
//!   seat puts it in the middle, at 90°;
//! * a seat is a disc whose diameter is [`SEAT_DIAMETER_PER_ROW_PITCH`] of
//!   the row pitch, which leaves a visible gap between neighbours.
//!
//! Because centres in one row are at least a pitch apart and rows are a pitch
//! apart, no two seats can overlap, whatever the seat count.
//!
//! # Row rule
//!
//! The chart uses the fewest rows whose combined capacity (the most seats
//! each row can hold under the spacing rule above) reaches the seat count.
//! Seats are then shared out among the rows in proportion to each row's
//! capacity, by largest remainders. A row's capacity is its usable arc
//! length divided by the pitch, so it is (up to the two end seats) in
//! proportion to the row's radius: outer rows hold more seats, and every row
//! is filled to about the same fraction, which keeps the spacing even across
//! the whole chart. For example 329 seats use 9 rows (8 rows hold at most
//! 272 seats, 9 rows hold 348), 435 seats use 11 rows (10 rows hold 434)
//! and 650 seats use 13 rows.
//!
//! # Order
//!
//! Seats are returned ordered by angle, from the left end of the arc (180°)
//! to the right end (0°), ties broken by row (inner first). Handing seats to
//! groups in that order makes each group a wedge, left to right.

use std::cmp::Ordering;
use std::f64::consts::{FRAC_PI_2, PI};

use crate::error::ChartError;

/// The most seats a chart may hold.
///
/// Above this, seats become too small to see at any sensible size and the
/// SVG grows to megabytes; the largest real chamber has about 3,000 seats.
pub const MAX_SEATS: usize = 10_000;

/// Radius of the outer edge of the hemicycle, in SVG user units.
///
/// The layout is [`OUTER_RADIUS_UNITS`] × 2 wide and [`OUTER_RADIUS_UNITS`]
/// high; a viewer scales it through the `viewBox` anyway.
pub const OUTER_RADIUS_UNITS: f64 = 200.0;

/// Seat diameter as a fraction of the row pitch; the rest is the gap that
/// keeps neighbouring seats visibly apart.
pub const SEAT_DIAMETER_PER_ROW_PITCH: f64 = 0.8;

/// Radius of the inner (empty) arc as a fraction of the outer radius.
const INNER_RADIUS_FRACTION: f64 = 0.5;

/// Where one seat's centre is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeatPosition {
    /// Horizontal position of the centre, from the left edge of the layout,
    /// in SVG user units.
    pub x: f64,
    /// Vertical position of the centre, from the top edge of the layout,
    /// growing downwards as in SVG, in SVG user units.
    pub y: f64,
    /// Row of the seat, 0 being the innermost row.
    pub row: usize,
    /// Angle of the seat seen from the centre of the hemicycle: π at the
    /// left end of the arc, π/2 at the top, 0 at the right end.
    pub angle_radians: f64,
}

/// Seat positions for a whole chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Every seat, ordered by non-increasing angle (left to right), ties
    /// broken by row, inner first.
    pub seats: Vec<SeatPosition>,
    /// Radius of each seat's disc, in SVG user units (0 when there are no
    /// seats).
    pub seat_radius: f64,
    /// Width of the layout, in SVG user units: twice the outer radius.
    pub width: f64,
    /// Height of the layout, in SVG user units: the outer radius. The centre
    /// of the hemicycle is at (`width` / 2, `height`).
    pub height: f64,
    /// Number of rows (concentric arcs); 0 when there are no seats.
    pub rows: usize,
}

/// One row's geometry on a hemicycle of outer radius 1.
struct Row {
    /// Radius of the arc the seat centres lie on.
    radius: f64,
    /// Angle of the right-hand end seat; the left-hand one is at π minus it.
    end_angle_radians: f64,
    /// Most seats that fit on the arc at least one row pitch apart.
    capacity: usize,
}

/// Distance between neighbouring rows for a given row count, on a
/// hemicycle of outer radius 1.
fn row_pitch(rows: usize) -> f64 {
    // The innermost row is on the inner arc and the outermost row half a
    // pitch inside the outer arc: inner + (rows − 1 + ½) × pitch = 1.
    (1.0 - INNER_RADIUS_FRACTION) / (rows as f64 - 0.5)
}

fn rows_geometry(rows: usize) -> Vec<Row> {
    let pitch = row_pitch(rows);
    (0..rows)
        .map(|index| {
            let radius = INNER_RADIUS_FRACTION + index as f64 * pitch;
            // Half the angle a chord of one pitch spans on this arc. The end
            // seats are lifted by this angle so their centres are half a
            // pitch above the base line. Clamped because the ratio reaches
            // exactly 1 for a single row, and rounding must not push it past.
            let half_step_radians = (pitch / (2.0 * radius)).min(1.0).asin();
            let usable_radians = PI - 2.0 * half_step_radians;
            // Neighbours need an angular step of at least twice the half
            // step for their chord to be at least one pitch.
            let gaps = if half_step_radians > 0.0 {
                (usable_radians / (2.0 * half_step_radians)).floor()
            } else {
                0.0
            };
            // `gaps` is finite and small here; `as` saturates regardless.
            let capacity = gaps.max(0.0) as usize + 1;
            Row {
                radius,
                end_angle_radians: half_step_radians,
                capacity,
            }
        })
        .collect()
}

fn capacity(rows: usize) -> usize {
    rows_geometry(rows).iter().map(|row| row.capacity).sum()
}

/// The number of rows [`layout`] uses for `total_seats` seats: the fewest
/// rows that can hold them all.
///
/// Returns 0 for 0 seats. For example 1 seat → 1 row, 2 to 11 seats → 2 rows,
/// 329 → 9, 650 → 13, 10,000 → 47.
///
/// # Errors
///
/// [`ChartError::TooManySeats`] above [`MAX_SEATS`].
pub fn row_count(total_seats: usize) -> Result<usize, ChartError> {
    check_seat_limit(total_seats)?;
    if total_seats == 0 {
        return Ok(0);
    }
    // Every row holds at least one seat, so `total_seats` rows always
    // suffice and the search ends.
    Ok((1..=total_seats)
        .find(|&rows| capacity(rows) >= total_seats)
        .unwrap_or(total_seats))
}

pub(crate) fn check_seat_limit(total_seats: usize) -> Result<(), ChartError> {
    if total_seats > MAX_SEATS {
        return Err(ChartError::TooManySeats {
            requested: total_seats,
            maximum: MAX_SEATS,
        });
    }
    Ok(())
}

/// Shares `total_seats` among rows in proportion to their capacities, by
/// largest remainders, ties going to the outer row (it has more room).
///
/// No row gets more than its capacity: a row's exact share is at most its
/// capacity, and a row is rounded up only when its share has a fractional
/// part, i.e. is below its capacity.
fn seats_per_row(rows: &[Row], total_seats: usize) -> Vec<usize> {
    let total_capacity: usize = rows.iter().map(|row| row.capacity).sum();
    if total_capacity == 0 {
        return vec![0; rows.len()];
    }
    // Integer arithmetic keeps the split exact and deterministic; both
    // factors are at most a little above MAX_SEATS, so nothing overflows.
    let mut counts = Vec::with_capacity(rows.len());
    let mut remainders = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let product = total_seats * row.capacity;
        counts.push(product / total_capacity);
        remainders.push((product % total_capacity, index));
    }
    let handed_out: usize = counts.iter().sum();
    let left_over = total_seats.saturating_sub(handed_out);
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    for &(_, index) in remainders.iter().take(left_over) {
        counts[index] += 1;
    }
    counts
}

/// Lays out `total_seats` seats in concentric semicircular rows.
///
/// Deterministic: the same count always gives the same positions. The
/// result has exactly `total_seats` seats, ordered left to right (see the
/// [module documentation](self)), and no two seats overlap. Zero seats give
/// an empty layout of the usual size, so an empty chamber can still be drawn.
///
/// # Errors
///
/// [`ChartError::TooManySeats`] above [`MAX_SEATS`].
pub fn layout(total_seats: usize) -> Result<Layout, ChartError> {
    let rows = row_count(total_seats)?;
    let width = 2.0 * OUTER_RADIUS_UNITS;
    let height = OUTER_RADIUS_UNITS;
    if rows == 0 {
        return Ok(Layout {
            seats: Vec::new(),
            seat_radius: 0.0,
            width,
            height,
            rows: 0,
        });
    }

    let geometry = rows_geometry(rows);
    let counts = seats_per_row(&geometry, total_seats);
    let centre_x = width / 2.0;
    let centre_y = height;

    let mut seats = Vec::with_capacity(total_seats);
    for (row_index, (row, &count)) in geometry.iter().zip(&counts).enumerate() {
        for seat_index in 0..count {
            let angle_radians = if count == 1 {
                FRAC_PI_2
            } else {
                let usable_radians = PI - 2.0 * row.end_angle_radians;
                let step_radians = usable_radians / (count - 1) as f64;
                PI - row.end_angle_radians - seat_index as f64 * step_radians
            };
            let radius_units = row.radius * OUTER_RADIUS_UNITS;
            seats.push(SeatPosition {
                x: centre_x + radius_units * angle_radians.cos(),
                y: centre_y - radius_units * angle_radians.sin(),
                row: row_index,
                angle_radians,
            });
        }
    }
    seats.sort_by(|a, b| match b.angle_radians.total_cmp(&a.angle_radians) {
        Ordering::Equal => a.row.cmp(&b.row),
        other => other,
    });

    Ok(Layout {
        seats,
        seat_radius: SEAT_DIAMETER_PER_ROW_PITCH * row_pitch(rows) * OUTER_RADIUS_UNITS / 2.0,
        width,
        height,
        rows,
    })
}

/// One seat of a [`Layout`] handed to a group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AssignedSeat {
    /// Where the seat is.
    pub position: SeatPosition,
    /// Which group holds it: an index into the group sizes given to
    /// [`assign_seats`] (or into [`crate::Chart::groups`]).
    pub group_index: usize,
    /// Which of the group's seats it is, from 0, in left-to-right order.
    pub index_in_group: usize,
}

/// Hands the seats of `layout`, in its left-to-right order, to groups of the
/// given sizes in turn, so that each group forms a wedge and the groups run
/// from left to right in the order given.
///
/// Groups of size 0 get no seat and are simply skipped.
///
/// # Errors
///
/// [`ChartError::SeatCountMismatch`] if the sizes do not add up to the
/// number of seats in `layout`.
pub fn assign_seats(
    layout: &Layout,
    group_seat_counts: &[usize],
) -> Result<Vec<AssignedSeat>, ChartError> {
    let group_seats = group_seat_counts
        .iter()
        .try_fold(0_usize, |sum, &count| sum.checked_add(count))
        .unwrap_or(usize::MAX);
    if group_seats != layout.seats.len() {
        return Err(ChartError::SeatCountMismatch {
            layout_seats: layout.seats.len(),
            group_seats,
        });
    }
    let owners = group_seat_counts
        .iter()
        .enumerate()
        .flat_map(|(group_index, &count)| {
            (0..count).map(move |index_in_group| (group_index, index_in_group))
        });
    Ok(layout
        .seats
        .iter()
        .zip(owners)
        .map(|(&position, (group_index, index_in_group))| AssignedSeat {
            position,
            group_index,
            index_in_group,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_grows_with_rows() {
        let capacities: Vec<usize> = (1..=60).map(capacity).collect();
        assert!(capacities.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(capacities[0], 1, "one row holds a single, centred seat");
    }

    #[test]
    fn rows_get_their_largest_remainder_share_within_capacity() {
        for total in 1..=2_000 {
            let rows = row_count(total).unwrap();
            let geometry = rows_geometry(rows);
            let counts = seats_per_row(&geometry, total);
            assert_eq!(counts.iter().sum::<usize>(), total);
            let total_capacity: usize = geometry.iter().map(|row| row.capacity).sum();
            // Each row gets its exact share rounded down or up, and every
            // row rounded up had a remainder at least as large as every row
            // rounded down.
            let mut smallest_rounded_up = usize::MAX;
            let mut largest_rounded_down = 0;
            for (row, &count) in geometry.iter().zip(&counts) {
                assert!(
                    count <= row.capacity,
                    "{total} seats: {count} > {}",
                    row.capacity
                );
                let product = total * row.capacity;
                let (share, remainder) = (product / total_capacity, product % total_capacity);
                if count == share + 1 {
                    smallest_rounded_up = smallest_rounded_up.min(remainder);
                } else {
                    assert_eq!(count, share, "{total} seats");
                    largest_rounded_down = largest_rounded_down.max(remainder);
                }
            }
            if smallest_rounded_up != usize::MAX {
                assert!(smallest_rounded_up >= largest_rounded_down, "{total} seats");
            }
        }
    }
}
