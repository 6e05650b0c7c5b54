//! Seat layout and group assignment.

use hemicycle_chart::{
    assign_seats, layout, row_count, ChartError, Layout, MAX_SEATS, OUTER_RADIUS_UNITS,
};
use proptest::prelude::*;

/// Allowed floating-point slack, in SVG user units.
const TOLERANCE_UNITS: f64 = 1e-9;

/// The closest pair of seats, found by sweeping seats sorted by x, so large
/// layouts stay fast: returns (distance between centres, indices).
fn closest_pair(layout: &Layout) -> Option<(f64, usize, usize)> {
    let mut order: Vec<usize> = (0..layout.seats.len()).collect();
    order.sort_by(|&a, &b| layout.seats[a].x.total_cmp(&layout.seats[b].x));
    let mut best: Option<(f64, usize, usize)> = None;
    for (position, &first) in order.iter().enumerate() {
        for &second in &order[position + 1..] {
            let dx = layout.seats[second].x - layout.seats[first].x;
            if best.is_some_and(|(distance, _, _)| dx > distance) {
                break;
            }
            let dy = layout.seats[second].y - layout.seats[first].y;
            let distance = dx.hypot(dy);
            if best.is_none_or(|(closest, _, _)| distance < closest) {
                best = Some((distance, first, second));
            }
        }
    }
    best
}

fn assert_no_overlap(layout: &Layout) {
    if let Some((distance, first, second)) = closest_pair(layout) {
        assert!(
            distance >= 2.0 * layout.seat_radius - TOLERANCE_UNITS,
            "{} seats: seats {first} and {second} are {distance} apart, radius {}",
            layout.seats.len(),
            layout.seat_radius
        );
    }
}

fn assert_ordered_by_angle(layout: &Layout) {
    for (index, pair) in layout.seats.windows(2).enumerate() {
        let (left, right) = (pair[0], pair[1]);
        assert!(
            left.angle_radians > right.angle_radians
                || (left.angle_radians == right.angle_radians && left.row <= right.row),
            "seat {index} ({left:?}) comes before seat {} ({right:?})",
            index + 1
        );
    }
}

fn assert_within_bounds(layout: &Layout) {
    let radius = layout.seat_radius;
    for seat in &layout.seats {
        assert!(seat.x - radius >= -TOLERANCE_UNITS, "{seat:?}");
        assert!(
            seat.x + radius <= layout.width + TOLERANCE_UNITS,
            "{seat:?}"
        );
        assert!(seat.y - radius >= -TOLERANCE_UNITS, "{seat:?}");
        assert!(
            seat.y + radius <= layout.height + TOLERANCE_UNITS,
            "{seat:?}"
        );
        assert!(seat.row < layout.rows, "{seat:?}");
        assert!(
            (0.0..=std::f64::consts::PI).contains(&seat.angle_radians),
            "{seat:?}"
        );
    }
}

#[test]
fn seat_count_is_exact_for_many_sizes() {
    for total in [
        0, 1, 2, 3, 5, 11, 12, 40, 100, 329, 435, 650, 705, 1000, 5000, MAX_SEATS,
    ] {
        let chart = layout(total).unwrap();
        assert_eq!(chart.seats.len(), total, "{total} seats");
        assert_eq!(chart.rows, row_count(total).unwrap());
    }
}

#[test]
fn row_counts_match_the_documented_rule() {
    // The fewest rows whose capacity reaches the seat count; 8 rows hold at
    // most 272 seats and 9 rows 348, so 329 seats take 9 rows.
    let expected = [
        (0, 0),
        (1, 1),
        (2, 2),
        (11, 2),
        (12, 3),
        (40, 4),
        (272, 8),
        (273, 9),
        (329, 9),
        (348, 9),
        (349, 10),
        (435, 11),
        (650, 13),
        (705, 13),
        (1000, 15),
        (MAX_SEATS, 47),
    ];
    for (total, rows) in expected {
        assert_eq!(row_count(total).unwrap(), rows, "{total} seats");
    }
}

#[test]
fn rows_never_shrink_as_seats_grow() {
    let mut previous = 0;
    for total in 0..=3000 {
        let rows = row_count(total).unwrap();
        assert!(
            rows >= previous,
            "{total} seats: {rows} rows after {previous}"
        );
        previous = rows;
    }
}

#[test]
fn every_row_is_used_and_outer_rows_hold_more_seats() {
    for total in [40, 329, 435, 650, 705, 1000] {
        let chart = layout(total).unwrap();
        let mut per_row = vec![0_usize; chart.rows];
        for seat in &chart.seats {
            per_row[seat.row] += 1;
        }
        assert!(
            per_row
                .windows(2)
                .all(|pair| 0 < pair[0] && pair[0] < pair[1]),
            "{total} seats: {per_row:?}"
        );
    }
}

#[test]
fn a_single_seat_sits_in_the_middle() {
    let chart = layout(1).unwrap();
    let seat = chart.seats[0];
    assert!((seat.x - chart.width / 2.0).abs() < TOLERANCE_UNITS);
    assert!((seat.angle_radians - std::f64::consts::FRAC_PI_2).abs() < TOLERANCE_UNITS);
    assert_within_bounds(&chart);
}

#[test]
fn no_seats_give_an_empty_layout_of_the_usual_size() {
    let chart = layout(0).unwrap();
    assert!(chart.seats.is_empty());
    assert_eq!(chart.rows, 0);
    assert_eq!(chart.seat_radius, 0.0);
    assert_eq!(chart.width, 2.0 * OUTER_RADIUS_UNITS);
    assert_eq!(chart.height, OUTER_RADIUS_UNITS);
}

#[test]
fn too_many_seats_are_refused() {
    for total in [MAX_SEATS + 1, 1_000_000, usize::MAX] {
        let expected = ChartError::TooManySeats {
            requested: total,
            maximum: MAX_SEATS,
        };
        assert_eq!(layout(total), Err(expected.clone()));
        assert_eq!(row_count(total), Err(expected));
    }
}

#[test]
fn layout_is_deterministic() {
    for total in [1, 7, 329, 1000] {
        assert_eq!(layout(total).unwrap(), layout(total).unwrap());
    }
}

#[test]
fn large_layouts_do_not_overlap_and_stay_in_bounds() {
    for total in [2000, 3000, 5000, 7777, MAX_SEATS] {
        let chart = layout(total).unwrap();
        assert_no_overlap(&chart);
        assert_ordered_by_angle(&chart);
        assert_within_bounds(&chart);
    }
}

proptest! {
    #[test]
    fn seats_never_overlap(total in 1_usize..=1500) {
        assert_no_overlap(&layout(total).unwrap());
    }

    #[test]
    fn seats_are_ordered_by_non_increasing_angle(total in 0_usize..=1500) {
        assert_ordered_by_angle(&layout(total).unwrap());
    }

    #[test]
    fn seats_lie_within_the_width_and_height(total in 0_usize..=1500) {
        assert_within_bounds(&layout(total).unwrap());
    }

    #[test]
    fn groups_form_contiguous_wedges_in_order(
        sizes in proptest::collection::vec(0_usize..=120, 0..12)
    ) {
        let total: usize = sizes.iter().sum();
        let chart = layout(total).unwrap();
        let assigned = assign_seats(&chart, &sizes).unwrap();
        prop_assert_eq!(assigned.len(), total);

        // Seats keep the layout's left-to-right order and group indices
        // never go back: each group is one contiguous run, in order.
        for (assigned_seat, position) in assigned.iter().zip(&chart.seats) {
            prop_assert_eq!(assigned_seat.position, *position);
        }
        for pair in assigned.windows(2) {
            let (left, right) = (pair[0], pair[1]);
            prop_assert!(
                right.group_index > left.group_index
                    || (right.group_index == left.group_index
                        && right.index_in_group == left.index_in_group + 1)
            );
        }

        // Counts per group are what was asked, numbered from 0.
        let mut counts = vec![0_usize; sizes.len()];
        for seat in &assigned {
            prop_assert_eq!(seat.index_in_group, counts[seat.group_index]);
            counts[seat.group_index] += 1;
        }
        prop_assert_eq!(&counts, &sizes);

        // Wedges: every seat of a group is at least as far left (larger
        // angle) as every seat of any later group.
        let mut smallest_angle_so_far = f64::INFINITY;
        for group in 0..sizes.len() {
            let angles: Vec<f64> = assigned
                .iter()
                .filter(|seat| seat.group_index == group)
                .map(|seat| seat.position.angle_radians)
                .collect();
            if let Some(largest) = angles.iter().copied().reduce(f64::max) {
                prop_assert!(largest <= smallest_angle_so_far);
                smallest_angle_so_far = angles.iter().copied().fold(f64::INFINITY, f64::min);
            }
        }
    }
}

#[test]
fn groups_of_a_real_chamber_get_their_seats() {
    // 329 seats split among a few blocs, including an empty one.
    let sizes = [73, 54, 0, 48, 33, 121];
    let chart = layout(sizes.iter().sum()).unwrap();
    let assigned = assign_seats(&chart, &sizes).unwrap();
    for (group, &size) in sizes.iter().enumerate() {
        let count = assigned
            .iter()
            .filter(|seat| seat.group_index == group)
            .count();
        assert_eq!(count, size, "group {group}");
    }
    assert_eq!(assigned.first().map(|seat| seat.group_index), Some(0));
    assert_eq!(assigned.last().map(|seat| seat.group_index), Some(5));
}

#[test]
fn group_sizes_must_add_up_to_the_layout() {
    let chart = layout(10).unwrap();
    assert_eq!(
        assign_seats(&chart, &[4, 5]),
        Err(ChartError::SeatCountMismatch {
            layout_seats: 10,
            group_seats: 9
        })
    );
    assert_eq!(
        assign_seats(&chart, &[usize::MAX, 2]),
        Err(ChartError::SeatCountMismatch {
            layout_seats: 10,
            group_seats: usize::MAX
        })
    );
    assert_eq!(assign_seats(&layout(0).unwrap(), &[]), Ok(Vec::new()));
}
