//! SVG drawing.

mod support;

use hemicycle_chart::{render_svg, Chart, ChartError, Group, SeatStyle, MAX_SEATS};
use support::{parse, Element};

fn chart_of(groups: Vec<Group>) -> Chart {
    Chart {
        title: "Council of Representatives".to_owned(),
        subtitle: Some("Sitting of 3 March".to_owned()),
        groups,
        caption: Some("Illustrative allocation, not a record".to_owned()),
    }
}

fn render_and_parse(chart: &Chart) -> (String, Element) {
    let svg = render_svg(chart).expect("chart renders");
    let root = parse(&svg).unwrap_or_else(|error| panic!("not well-formed: {error}\n{svg}"));
    (svg, root)
}

/// The `<circle>` elements that are seats, in document order.
fn seats(root: &Element) -> Vec<&Element> {
    root.descendants()
        .into_iter()
        .filter(|element| element.name == "circle")
        .filter(|element| {
            element
                .attribute("class")
                .is_some_and(|class| class.split(' ').any(|word| word == "seat"))
        })
        .collect()
}

fn tooltip(seat: &Element) -> String {
    seat.child_elements()
        .find(|child| child.name == "title")
        .map(Element::text)
        .unwrap_or_default()
}

fn element_with_class<'a>(root: &'a Element, class: &str) -> Option<&'a Element> {
    root.descendants()
        .into_iter()
        .find(|element| element.attribute("class") == Some(class))
}

#[test]
fn the_xml_checker_works() {
    // The checker lives in tests/support; make sure it can say no.
    let good = "<?xml version=\"1.0\"?>\n<a x=\"1 &amp; 2\" y='&#x41;'><b/>t&lt;<c>&#65;</c></a>\n";
    let root = parse(good).unwrap();
    assert_eq!(root.attribute("x"), Some("1 & 2"));
    assert_eq!(root.attribute("y"), Some("A"));
    assert_eq!(root.text(), "t<A");
    for bad in [
        "<a>",
        "<a></b>",
        "<a x=1/>",
        "<a x=\"1\" x=\"2\"/>",
        "<a>&nbsp;</a>",
        "<a>&amp</a>",
        "<a>a < b</a>",
        "<a x=\"<\"/>",
        "<a/><b/>",
        "<a>\u{1}</a>",
        "<a>&#1;</a>",
        "<a b=\"1\"c=\"2\"/>",
    ] {
        assert!(parse(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn output_is_a_standalone_svg_document_with_a_view_box() {
    let (svg, root) = render_and_parse(&chart_of(vec![Group::filled("A", "#1f77b4", 5).unwrap()]));
    assert!(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\""));
    assert_eq!(root.name, "svg");
    assert_eq!(root.attribute("xmlns"), Some("http://www.w3.org/2000/svg"));
    assert_eq!(root.attribute("version"), Some("1.1"));
    let view_box: Vec<f64> = root
        .attribute("viewBox")
        .expect("viewBox")
        .split(' ')
        .map(|number| number.parse().unwrap())
        .collect();
    assert_eq!(view_box.len(), 4);
    assert_eq!(&view_box[..2], &[0.0, 0.0]);
    assert_eq!(
        root.attribute("width").map(str::parse::<f64>),
        Some(Ok(view_box[2]))
    );
    assert_eq!(
        root.attribute("height").map(str::parse::<f64>),
        Some(Ok(view_box[3]))
    );
}

#[test]
fn one_circle_per_seat_in_seat_order_for_many_charts() {
    let group_sizes: [&[usize]; 7] = [
        &[1],
        &[2],
        &[1, 1, 1],
        &[40],
        &[73, 54, 48, 33, 121],
        &[0, 435, 0],
        &[200, 300, 150, 55],
    ];
    for sizes in group_sizes {
        let groups = sizes
            .iter()
            .enumerate()
            .map(|(index, &size)| Group::filled(format!("Group {index}"), "#123456", size).unwrap())
            .collect();
        let (svg, root) = render_and_parse(&chart_of(groups));
        let total: usize = sizes.iter().sum();
        let seat_circles = seats(&root);
        assert_eq!(seat_circles.len(), total, "{sizes:?}");
        // Every <circle> is a seat: legend swatches are rectangles.
        assert_eq!(svg.matches("<circle").count(), total, "{sizes:?}");
        // Seats come group by group, left to right, numbered within groups.
        let mut expected = Vec::new();
        for (group, &size) in sizes.iter().enumerate() {
            for seat in 1..=size {
                expected.push((
                    format!("seat group-{group} filled"),
                    format!("Group {group} — seat {seat}"),
                ));
            }
        }
        let actual: Vec<(String, String)> = seat_circles
            .iter()
            .map(|seat| (seat.attribute("class").unwrap().to_owned(), tooltip(seat)))
            .collect();
        assert_eq!(actual, expected, "{sizes:?}");
    }
}

#[test]
fn the_largest_allowed_chart_renders() {
    let (_, root) = render_and_parse(&chart_of(vec![
        Group::filled("A", "#111111", MAX_SEATS / 2).unwrap(),
        Group::filled("B", "#222222", MAX_SEATS / 2).unwrap(),
    ]));
    assert_eq!(seats(&root).len(), MAX_SEATS);
}

#[test]
fn markup_characters_in_text_are_escaped() {
    let nasty = "Tom & Jerry <script>alert('x')</script> \"quoted\"";
    let mut group = Group::filled(nasty, "#1f77b4", 2).unwrap();
    group.seats[1] = SeatStyle::Hollow;
    let mut chart = chart_of(vec![group, Group::filled("B&B", "#000", 1).unwrap()]);
    chart.title = format!("Title {nasty}");
    chart.subtitle = Some(format!("Subtitle {nasty}"));
    chart.caption = Some(format!("Caption {nasty}"));
    chart.groups[1].legend = Some(format!("Legend {nasty}"));

    let (svg, root) = render_and_parse(&chart);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(!svg.contains("& "), "{svg}");
    assert!(svg.contains(
        "Tom &amp; Jerry &lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &quot;quoted&quot;"
    ));

    // After parsing, every piece of text is exactly what was given.
    let seat_circles = seats(&root);
    assert_eq!(tooltip(seat_circles[0]), format!("{nasty} — seat 1"));
    assert_eq!(
        tooltip(seat_circles[1]),
        format!("{nasty} — seat 2 (absent)")
    );
    assert_eq!(tooltip(seat_circles[2]), "B&B — seat 1");
    let text_of = |class: &str| element_with_class(&root, class).map(Element::text);
    assert_eq!(text_of("title"), Some(format!("Title {nasty}")));
    assert_eq!(text_of("subtitle"), Some(format!("Subtitle {nasty}")));
    assert_eq!(text_of("caption"), Some(format!("Caption {nasty}")));
    assert_eq!(
        text_of("legend-entry group-0"),
        Some(format!("{nasty} — 2 seats, 1 present"))
    );
    assert_eq!(
        text_of("legend-entry group-1"),
        Some(format!("Legend {nasty}"))
    );
    let document_title = root.child_elements().find(|child| child.name == "title");
    assert_eq!(
        document_title.map(Element::text),
        Some(format!("Title {nasty}"))
    );
}

#[test]
fn characters_xml_forbids_are_replaced_not_emitted() {
    let chart = chart_of(vec![Group::filled(
        "bell\u{7}null\u{0}end\u{FFFF}",
        "#abc",
        1,
    )
    .unwrap()]);
    let (_, root) = render_and_parse(&chart);
    assert_eq!(
        tooltip(seats(&root)[0]),
        "bell\u{FFFD}null\u{FFFD}end\u{FFFD} — seat 1"
    );
}

#[test]
fn right_to_left_names_are_kept_intact_and_marked() {
    let arabic = "تحالف الفتح";
    let kurdish = "پارتی دیموکراتی کوردستان";
    let mut chart = chart_of(vec![
        Group::filled(arabic, "#2ca02c", 2).unwrap(),
        Group::filled(kurdish, "#ff7f0e", 1).unwrap(),
        Group::filled("State of Law", "#9467bd", 1).unwrap(),
    ]);
    chart.title = "مجلس النواب".to_owned();
    let (svg, root) = render_and_parse(&chart);
    assert!(svg.contains(arabic) && svg.contains(kurdish));

    // Legend: the name is its own right-to-left run, the counts stay outside.
    let legend = element_with_class(&root, "legend-entry group-0").unwrap();
    let text = legend
        .child_elements()
        .find(|child| child.name == "text")
        .unwrap();
    let name_run = text
        .child_elements()
        .find(|child| child.name == "tspan")
        .unwrap();
    assert_eq!(name_run.text(), arabic);
    assert_eq!(name_run.attribute("direction"), Some("rtl"));
    assert_eq!(name_run.attribute("unicode-bidi"), Some("embed"));
    assert_eq!(text.text(), format!("{arabic} — 2 seats, 2 present"));
    let latin = element_with_class(&root, "legend-entry group-2").unwrap();
    let latin_run = latin
        .descendants()
        .into_iter()
        .find(|child| child.name == "tspan")
        .unwrap();
    assert_eq!(latin_run.attribute("direction"), None);

    // Title: right-to-left as a whole.
    let title = element_with_class(&root, "title").unwrap();
    assert_eq!(title.attribute("direction"), Some("rtl"));
    assert_eq!(title.text(), "مجلس النواب");

    // Tooltips: the name is isolated so it cannot reorder "— seat 1".
    assert_eq!(
        tooltip(seats(&root)[2]),
        format!("\u{2068}{kurdish}\u{2069} — seat 1")
    );
    assert_eq!(tooltip(seats(&root)[3]), "State of Law — seat 1");
}

#[test]
fn hollow_seats_are_rings_and_filled_seats_are_discs() {
    let group = Group::new(
        "Sairoon",
        "#1f77b4",
        vec![
            SeatStyle::Filled,
            SeatStyle::Hollow,
            SeatStyle::Colour("#00ff00".to_owned()),
        ],
    );
    let (_, root) = render_and_parse(&chart_of(vec![group]));
    let seat_circles = seats(&root);
    let [filled, hollow, coloured] = seat_circles.as_slice() else {
        panic!("expected three seats");
    };

    assert_eq!(filled.attribute("class"), Some("seat group-0 filled"));
    assert_eq!(filled.attribute("fill"), Some("#1f77b4"));
    assert_eq!(filled.attribute("stroke"), None);

    assert_eq!(hollow.attribute("class"), Some("seat group-0 hollow"));
    assert_eq!(hollow.attribute("fill"), Some("#ffffff"));
    assert_eq!(hollow.attribute("stroke"), Some("#1f77b4"));
    let stroke_width: f64 = hollow.attribute("stroke-width").unwrap().parse().unwrap();
    assert!(stroke_width > 0.0);
    // The ring's outer edge lines up with a filled seat's edge.
    let radius = |seat: &Element| seat.attribute("r").unwrap().parse::<f64>().unwrap();
    assert!((radius(hollow) + stroke_width / 2.0 - radius(filled)).abs() < 0.011);
    assert_eq!(tooltip(hollow), "Sairoon — seat 2 (absent)");

    assert_eq!(coloured.attribute("class"), Some("seat group-0 coloured"));
    assert_eq!(coloured.attribute("fill"), Some("#00ff00"));
    assert_eq!(tooltip(coloured), "Sairoon — seat 3");

    let legend = element_with_class(&root, "legend-entry group-0").unwrap();
    assert_eq!(legend.text(), "Sairoon — 3 seats, 2 present");
}

#[test]
fn legend_counts_seats_and_present_members() {
    let mut seats_of_group = vec![SeatStyle::Filled; 54];
    seats_of_group[10] = SeatStyle::Hollow;
    let mut chart = chart_of(vec![
        Group::new("Sairoon", "#1f77b4", seats_of_group),
        Group::filled("Independent", "#7f7f7f", 1).unwrap(),
        Group::filled("Vacant", "#cccccc", 0).unwrap(),
        Group::filled("Custom", "#d62728", 3).unwrap(),
    ]);
    chart.groups[3].legend = Some("Custom 3 (all present)".to_owned());
    let (_, root) = render_and_parse(&chart);
    let legend_lines: Vec<String> = element_with_class(&root, "legend")
        .unwrap()
        .child_elements()
        .map(Element::text)
        .collect();
    assert_eq!(
        legend_lines,
        [
            "Sairoon — 54 seats, 53 present",
            "Independent — 1 seat, 1 present",
            "Vacant — 0 seats, 0 present",
            "Custom 3 (all present)",
        ]
    );
    assert_eq!(
        chart.groups[0].legend_text(),
        "Sairoon — 54 seats, 53 present"
    );
    assert_eq!(chart.groups[0].present_count(), 53);
}

#[test]
fn optional_texts_are_left_out_when_missing_or_empty() {
    let mut chart = chart_of(vec![Group::filled("A", "#1f77b4", 3).unwrap()]);
    let (_, root) = render_and_parse(&chart);
    for class in ["title", "subtitle", "caption"] {
        assert!(element_with_class(&root, class).is_some(), "{class}");
    }
    chart.title = String::new();
    chart.subtitle = None;
    chart.caption = Some(String::new());
    let (svg, root) = render_and_parse(&chart);
    for class in ["title", "subtitle", "caption"] {
        assert!(element_with_class(&root, class).is_none(), "{class}");
    }
    assert!(!svg.contains("<title></title>"));
    assert_eq!(seats(&root).len(), 3);
}

#[test]
fn an_empty_chart_is_drawn_without_seats() {
    // No groups at all: titles only.
    let (_, root) = render_and_parse(&chart_of(Vec::new()));
    assert!(seats(&root).is_empty());
    assert!(element_with_class(&root, "legend").is_none());
    assert!(element_with_class(&root, "title").is_some());

    // Groups with no seats: no seats, but the legend lists them.
    let (_, root) = render_and_parse(&chart_of(vec![
        Group::filled("Nobody", "#000000", 0).unwrap()
    ]));
    assert!(seats(&root).is_empty());
    assert_eq!(
        element_with_class(&root, "legend-entry group-0").map(Element::text),
        Some("Nobody — 0 seats, 0 present".to_owned())
    );

    // A default chart has nothing at all and is still a valid document.
    let (_, root) = render_and_parse(&Chart::default());
    assert_eq!(root.name, "svg");
}

#[test]
fn output_is_deterministic() {
    let build = || {
        let mut seats_of_group = vec![SeatStyle::Filled; 120];
        seats_of_group[7] = SeatStyle::Hollow;
        chart_of(vec![
            Group::new("Sairoon", "#1f77b4", seats_of_group),
            Group::filled("تحالف الفتح", "#2ca02c", 209).unwrap(),
        ])
    };
    assert_eq!(render_svg(&build()).unwrap(), render_svg(&build()).unwrap());
}

#[test]
fn invalid_colours_are_refused() {
    for colour in [
        "",
        "red",
        "#12",
        "#1234",
        "#gggggg",
        "1f77b4",
        "#fff\" onload=\"x",
    ] {
        let chart = chart_of(vec![
            Group::filled("Fine", "#000", 1).unwrap(),
            Group::filled("Broken", colour, 1).unwrap(),
        ]);
        assert_eq!(
            render_svg(&chart),
            Err(ChartError::InvalidGroupColour {
                group_index: 1,
                label: "Broken".to_owned(),
                colour: colour.to_owned(),
            })
        );
    }
    let chart = chart_of(vec![Group::new(
        "Voters",
        "#000000",
        vec![SeatStyle::Filled, SeatStyle::Colour("green".to_owned())],
    )]);
    assert_eq!(
        render_svg(&chart),
        Err(ChartError::InvalidSeatColour {
            group_index: 0,
            label: "Voters".to_owned(),
            seat_number: 2,
            colour: "green".to_owned(),
        })
    );
    // A group with no seats still needs a valid colour: it shows in the legend.
    let chart = chart_of(vec![Group::filled("Empty", "nope", 0).unwrap()]);
    assert!(matches!(
        render_svg(&chart),
        Err(ChartError::InvalidGroupColour { .. })
    ));
}

#[test]
fn too_many_seats_are_refused() {
    let chart = chart_of(vec![
        Group::filled("A", "#000000", MAX_SEATS).unwrap(),
        Group::filled("B", "#ffffff", 1).unwrap(),
    ]);
    assert_eq!(
        render_svg(&chart),
        Err(ChartError::TooManySeats {
            requested: MAX_SEATS + 1,
            maximum: MAX_SEATS
        })
    );
    assert_eq!(
        Group::filled("Huge", "#000000", usize::MAX),
        Err(ChartError::TooManySeats {
            requested: usize::MAX,
            maximum: MAX_SEATS
        })
    );
    let message = render_svg(&chart).unwrap_err().to_string();
    assert_eq!(
        message,
        "a chart holds at most 10000 seats, but 10001 were asked for"
    );
}

/// The exact bytes for a tiny chart, so that any change to the output is
/// noticed and reviewed. Update deliberately when the drawing changes.
const TINY_CHART_SVG: &str = r##"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="432.00" height="333.00" viewBox="0 0 432.00 333.00" font-family="sans-serif">
<title>Tiny</title>
<rect class="background" x="0" y="0" width="432.00" height="333.00" fill="#ffffff"/>
<text class="title" x="216.00" y="36.00" text-anchor="middle" font-size="20.00" font-weight="bold">Tiny</text>
<g class="seats">
<circle class="seat group-0 filled" cx="52.70" cy="212.67" r="26.67" fill="#1f77b4"><title>A — seat 1</title></circle>
<circle class="seat group-0 filled" cx="216.00" cy="146.00" r="26.67" fill="#1f77b4"><title>A — seat 2</title></circle>
<circle class="seat group-1 hollow" cx="379.30" cy="212.67" r="22.00" fill="#ffffff" stroke="#d62728" stroke-width="9.33"><title>B — seat 1 (absent)</title></circle>
</g>
<g class="legend">
<g class="legend-entry group-0"><rect x="16.00" y="260.00" width="12.00" height="12.00" fill="#1f77b4"/><text x="34.00" y="270.55" font-size="13.00"><tspan>A</tspan> — 2 seats, 2 present</text></g>
<g class="legend-entry group-1"><rect x="16.00" y="280.00" width="12.00" height="12.00" fill="#d62728"/><text x="34.00" y="290.55" font-size="13.00"><tspan>B</tspan> — 1 seat, 0 present</text></g>
</g>
<text class="caption" x="216.00" y="317.00" text-anchor="middle" font-size="11.00" font-style="italic" fill="#444444">Illustrative</text>
</svg>
"##;

#[test]
fn a_tiny_chart_renders_to_the_exact_expected_bytes() {
    let chart = Chart {
        title: "Tiny".to_owned(),
        subtitle: None,
        groups: vec![
            Group::filled("A", "#1f77b4", 2).unwrap(),
            Group::new("B", "#d62728", vec![SeatStyle::Hollow]),
        ],
        caption: Some("Illustrative".to_owned()),
    };
    assert_eq!(render_svg(&chart).unwrap(), TINY_CHART_SVG);
}

#[test]
fn long_texts_wrap_onto_lines_and_read_back_whole() {
    let long = "An extraordinary sitting on a long subject whose title would never fit on one line of a seat chart";
    let mut chart = chart_of(vec![Group::filled("A", "#1f77b4", 20).unwrap()]);
    chart.title = long.to_owned();
    chart.caption = Some(long.repeat(3));
    let (svg, root) = render_and_parse(&chart);
    assert!(svg.matches("<tspan x=").count() >= 4, "{svg}");
    let text_of = |class: &str| element_with_class(&root, class).map(Element::text);
    assert_eq!(text_of("title"), Some(long.to_owned()));
    assert_eq!(text_of("caption"), Some(long.repeat(3)));
}

#[test]
fn the_drawing_widens_for_a_long_legend_and_keeps_the_hemicycle_centred() {
    let short = render_and_parse(&chart_of(vec![Group::filled("A", "#1f77b4", 10).unwrap()])).0;
    let long_label =
        "A very long bloc name that needs far more room than the hemicycle is wide, really";
    let long = render_and_parse(&chart_of(vec![
        Group::filled(long_label, "#1f77b4", 10).unwrap()
    ]))
    .0;
    let width_of = |svg: &str| -> f64 {
        let start = svg.find("width=\"").unwrap() + 7;
        svg[start..].split('"').next().unwrap().parse().unwrap()
    };
    assert!(width_of(&long) > width_of(&short), "{long}");
}
