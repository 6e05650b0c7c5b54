//! A 1,000-seat chart: the rows-of-arcs layout alone, the seats handed to
//! eight groups as wedges, and the whole SVG drawing (layout included).

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hemicycle_chart::{assign_seats, layout, render_svg, Chart, Group};

const SEATS: usize = 1_000;
/// Group sizes adding up to [`SEATS`], large to small like a real chamber.
const GROUP_SEATS: [usize; 8] = [312, 248, 160, 110, 70, 50, 30, 20];
const COLOURS: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
];

fn chart() -> Chart {
    Chart {
        title: "A chamber of 1,000 seats".into(),
        subtitle: Some("Eight groups".into()),
        groups: GROUP_SEATS
            .iter()
            .zip(COLOURS)
            .enumerate()
            .map(|(index, (&seats, colour))| {
                Group::filled(format!("Group {index}"), colour, seats).expect("a valid group")
            })
            .collect(),
        caption: None,
    }
}

fn seat_chart(criterion: &mut Criterion) {
    assert_eq!(GROUP_SEATS.iter().sum::<usize>(), SEATS);
    let seats = layout(SEATS).expect("a layout");
    assert_eq!(seats.seats.len(), SEATS);
    let chart = chart();
    let svg = render_svg(&chart).expect("a drawing");
    assert_eq!(svg.matches("<circle").count(), SEATS);

    let mut group = criterion.benchmark_group("seat_chart");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("layout/1000 seats", |bench| {
        bench.iter(|| layout(black_box(SEATS)).expect("a layout"))
    });
    group.bench_function("assign_seats/1000 seats", |bench| {
        bench.iter(|| assign_seats(black_box(&seats), black_box(&GROUP_SEATS)).expect("assigned"))
    });
    group.bench_function("render_svg/1000 seats", |bench| {
        bench.iter(|| render_svg(black_box(&chart)).expect("a drawing"))
    });
    group.finish();
}

criterion_group!(benches, seat_chart);
criterion_main!(benches);
