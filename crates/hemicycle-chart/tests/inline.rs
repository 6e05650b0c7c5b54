//! Drawing a chart as an `<svg>` element for a web page.

mod support;

use hemicycle_chart::{
    render_svg, render_svg_element, Chart, ChartError, Group, InlineOptions, SeatData, SeatStyle,
};
use support::{parse, Element};

fn chart() -> Chart {
    Chart {
        title: "Council of Representatives".to_owned(),
        subtitle: Some("Sitting of 3 March".to_owned()),
        groups: vec![
            Group::new(
                "Sairoon — سائرون",
                "#2e7d32",
                vec![SeatStyle::Filled, SeatStyle::Hollow, SeatStyle::Filled],
            ),
            Group::new(
                "Fatah",
                "#f9a825",
                vec![SeatStyle::Colour("#0072b2".to_owned()), SeatStyle::Hollow],
            ),
        ],
        caption: Some("Illustrative allocation, not a record".to_owned()),
    }
}

fn data(member: &str, state: &str) -> SeatData {
    SeatData {
        member: Some(member.to_owned()),
        state: Some(state.to_owned()),
        tooltip: None,
    }
}

fn seat_data() -> Vec<Vec<SeatData>> {
    vec![
        vec![
            data("s-1", "present"),
            data("s-2", "absent"),
            SeatData {
                tooltip: Some("Name <3> — سائرون".to_owned()),
                ..data("s-3", "yes")
            },
        ],
        vec![data("f-1", "no"), data("f-2", "boycotting")],
    ]
}

fn seats(root: &Element) -> Vec<&Element> {
    root.descendants()
        .into_iter()
        .filter(|element| element.name == "circle")
        .collect()
}

fn tooltip(seat: &Element) -> String {
    seat.child_elements()
        .find(|child| child.name == "title")
        .map(Element::text)
        .unwrap_or_default()
}

#[test]
fn an_element_without_prolog_or_fixed_size_whose_seats_carry_member_and_state() {
    let options = InlineOptions {
        id: Some("chart".to_owned()),
        class: Some("hemicycle \"live\"".to_owned()),
        label: Some("Seats & states".to_owned()),
        text: false,
        seats: seat_data(),
    };
    let svg = render_svg_element(&chart(), &options).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
    assert!(svg.ends_with("</svg>"));
    let root = parse(&svg).unwrap_or_else(|error| panic!("not well-formed: {error}\n{svg}"));
    assert_eq!(root.attribute("width"), None);
    assert_eq!(root.attribute("height"), None);
    assert_eq!(root.attribute("id"), Some("chart"));
    assert_eq!(root.attribute("class"), Some("hemicycle \"live\""));
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(root.attribute("aria-label"), Some("Seats & states"));
    // Seats alone: no titles, legend or caption.
    assert!(!svg.contains("<text"));
    assert!(!svg.contains("Illustrative"));

    let circles = seats(&root);
    let found: Vec<(&str, &str, &str)> = circles
        .iter()
        .map(|seat| {
            (
                seat.attribute("data-member").unwrap(),
                seat.attribute("data-state").unwrap(),
                seat.attribute("class").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("s-1", "present", "seat group-0 filled"),
            ("s-2", "absent", "seat group-0 hollow"),
            ("s-3", "yes", "seat group-0 filled"),
            ("f-1", "no", "seat group-1 coloured"),
            ("f-2", "boycotting", "seat group-1 hollow"),
        ]
    );
    // Every seat knows its group's colour (for `currentColor`), and is drawn right
    // without a style sheet: discs filled, rings white inside, all the same size.
    let colours: Vec<(&str, &str, &str)> = circles
        .iter()
        .map(|seat| {
            (
                seat.attribute("color").unwrap(),
                seat.attribute("fill").unwrap(),
                seat.attribute("stroke").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        colours,
        [
            ("#2e7d32", "#2e7d32", "#2e7d32"),
            ("#2e7d32", "#ffffff", "#2e7d32"),
            ("#2e7d32", "#2e7d32", "#2e7d32"),
            ("#f9a825", "#0072b2", "#0072b2"),
            ("#f9a825", "#ffffff", "#f9a825"),
        ]
    );
    let radii: Vec<&str> = circles
        .iter()
        .map(|seat| seat.attribute("r").unwrap())
        .collect();
    assert!(radii.iter().all(|radius| *radius == radii[0]));
    assert_eq!(
        tooltip(circles[0]),
        "\u{2068}Sairoon — سائرون\u{2069} — seat 1"
    );
    assert_eq!(tooltip(circles[2]), "Name <3> — سائرون");
    assert!(svg.contains("Name &lt;3&gt;"));
}

#[test]
fn the_seats_stand_where_the_standalone_chart_puts_them() {
    let chart = chart();
    let standalone = parse(&render_svg(&chart).unwrap()).unwrap();
    let inline = parse(
        &render_svg_element(
            &chart,
            &InlineOptions {
                text: true,
                ..InlineOptions::default()
            },
        )
        .unwrap(),
    )
    .unwrap();
    let centres = |root: &Element| -> Vec<(String, String, String)> {
        seats(root)
            .iter()
            .map(|seat| {
                (
                    seat.attribute("class").unwrap().to_owned(),
                    seat.attribute("cx").unwrap().to_owned(),
                    seat.attribute("cy").unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(centres(&standalone), centres(&inline));
    assert_eq!(standalone.attribute("viewBox"), inline.attribute("viewBox"));
    // With text, the legend and caption are drawn as in the standalone chart.
    let inline_svg = render_svg_element(
        &chart,
        &InlineOptions {
            text: true,
            ..InlineOptions::default()
        },
    )
    .unwrap();
    assert!(inline_svg.contains("Illustrative allocation, not a record"));
    assert!(inline_svg.contains("<title>Council of Representatives</title>"));
    assert!(!inline_svg.contains("data-member"));
}

#[test]
fn seat_data_must_match_the_seats() {
    let mut short = seat_data();
    short[1].pop();
    assert_eq!(
        render_svg_element(
            &chart(),
            &InlineOptions {
                seats: short,
                ..InlineOptions::default()
            }
        ),
        Err(ChartError::SeatDataMismatch {
            group_index: 1,
            label: "Fatah".to_owned(),
            seats: 2,
            given: 1,
        })
    );
    let mut extra = seat_data();
    extra.push(vec![SeatData::default()]);
    assert_eq!(
        render_svg_element(
            &chart(),
            &InlineOptions {
                seats: extra,
                ..InlineOptions::default()
            }
        ),
        Err(ChartError::SeatDataMismatch {
            group_index: 2,
            label: String::new(),
            seats: 0,
            given: 1,
        })
    );
    // Bad colours are refused as by the standalone chart.
    let mut bad = chart();
    bad.groups[0].colour = "red".to_owned();
    assert!(matches!(
        render_svg_element(&bad, &InlineOptions::default()),
        Err(ChartError::InvalidGroupColour { .. })
    ));
}

#[test]
fn an_empty_chart_is_an_empty_element() {
    let svg = render_svg_element(&Chart::default(), &InlineOptions::default()).unwrap();
    let root = parse(&svg).unwrap();
    assert_eq!(root.name, "svg");
    assert!(seats(&root).is_empty());
}
