use hemicycle_chart::*;
#[test]
fn print() {
    let chart = Chart {
        title: "Tiny".into(),
        subtitle: None,
        groups: vec![
            Group::filled("A", "#1f77b4", 2).unwrap(),
            Group::new("B", "#d62728", vec![SeatStyle::Hollow]),
        ],
        caption: Some("Illustrative".into()),
    };
    println!("{}", render_svg(&chart).unwrap());
    let mut seats = vec![SeatStyle::Filled; 60];
    for i in (0..60).step_by(7) {
        seats[i] = SeatStyle::Hollow;
    }
    seats[3] = SeatStyle::Colour("#00aa00".into());
    let big = Chart {
        title: "Council of Representatives & <Co>".into(),
        subtitle: Some("Sitting of 3 March".into()),
        groups: vec![
            Group::new("Sairoon", "#1f77b4", seats),
            Group::filled("تحالف الفتح", "#2ca02c", 48).unwrap(),
            Group::filled("پارتی دیموکراتی کوردستان", "#ff7f0e", 31).unwrap(),
            Group::filled("State of Law", "#9467bd", 33).unwrap(),
            Group::filled("Others", "#8c564b", 157).unwrap(),
        ],
        caption: Some("Illustrative allocation, not a record".into()),
    };
    std::fs::write(
        std::env::temp_dir().join("chartout/big.svg"),
        render_svg(&big).unwrap(),
    )
    .unwrap();
}
