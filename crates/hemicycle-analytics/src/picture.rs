//! Pictures of the analyses as standalone SVG documents, and PNG through `resvg`.
//!
//! - [`attendance_hemicycle`]: the sitting's hemicycle, each bloc a wedge, each seat
//!   coloured by attendance (drawn by `hemicycle-chart`).
//! - [`bars`]: horizontal bars with a value in [0, 1] each (cohesion per bloc,
//!   voting power).
//! - [`heatmap`]: the bloc-by-bloc agreement matrix.
//! - [`strip_plot`]: ideal points on one axis, one row per group, coloured by group.
//!
//! Deterministic: the same input gives the same bytes. All text is escaped. A picture
//! holds at most [`MAX_ITEMS`] bars, rows or points.

use std::fmt::Write as _;

use hemicycle_chart::{render_svg, Chart, Group, SeatStyle};
use hemicycle_core::model::Presence;
use hemicycle_core::state::Sitting;
use hemicycle_core::State;

use crate::attendance::{bloc_label, members_of_sitting};
use crate::error::AnalyticsError;
use crate::ideal_points::IdealPoints;

/// At most this many bars, matrix rows or points in one picture.
pub const MAX_ITEMS: usize = 20_000;
/// At most this many pixels on the longer side of a PNG.
pub const MAX_PNG_SIDE_PIXELS: u32 = 8_000;

const EXCUSED_COLOUR: &str = "#b0bec5";
const BOYCOTT_COLOUR: &str = "#212121";
const FONT: &str = "font-family=\"DejaVu Sans, Arial, sans-serif\"";
const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// Escapes text for SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}

fn too_many(count: usize) -> Result<(), AnalyticsError> {
    if count > MAX_ITEMS {
        Err(AnalyticsError::Picture(format!(
            "{count} items is more than the {MAX_ITEMS} a picture holds"
        )))
    } else {
        Ok(())
    }
}

/// The sitting's hemicycle: filled seats present, grey excused, black boycotting,
/// hollow absent.
pub fn attendance_hemicycle(state: &State, sitting: &Sitting) -> Result<String, AnalyticsError> {
    let chamber = state.chamber.as_ref().ok_or(AnalyticsError::NoChamber)?;
    // (label, colour, seats with their sort order)
    type Wedge = (String, String, Vec<(u8, SeatStyle)>);
    let mut groups: Vec<Wedge> = Vec::new();
    for (member, bloc) in members_of_sitting(state, sitting) {
        let label = bloc_label(state, bloc);
        let colour = bloc
            .and_then(|bloc| state.blocs.get(bloc))
            .and_then(|bloc| bloc.colour.clone())
            .unwrap_or_else(|| "#9e9e9e".to_owned());
        // Present first within each wedge, then excused, boycotting, absent.
        let seat = match state.presence(sitting, member) {
            Presence::Present => (0, SeatStyle::Filled),
            Presence::Excused => (1, SeatStyle::Colour(EXCUSED_COLOUR.to_owned())),
            Presence::Boycotting => (2, SeatStyle::Colour(BOYCOTT_COLOUR.to_owned())),
            Presence::Absent => (3, SeatStyle::Hollow),
        };
        match groups
            .iter_mut()
            .find(|(existing, _, _)| *existing == label)
        {
            Some((_, _, seats)) => seats.push(seat),
            None => groups.push((label, colour, vec![seat])),
        }
    }
    let groups = groups
        .into_iter()
        .map(|(label, colour, mut seats)| {
            seats.sort_by_key(|(order, _)| *order);
            let count = |wanted: u8| seats.iter().filter(|(order, _)| *order == wanted).count();
            let legend = format!(
                "{label} — {} seats: {} present, {} excused, {} boycotting, {} absent",
                seats.len(),
                count(0),
                count(1),
                count(2),
                count(3)
            );
            let mut group = Group::new(
                label,
                colour,
                seats.into_iter().map(|(_, seat)| seat).collect(),
            );
            group.legend = Some(legend);
            group
        })
        .collect();
    let chart = Chart {
        title: format!("{} — attendance", chamber.name),
        subtitle: Some(format!(
            "{} (sitting {}): filled present, grey excused, black boycotting, hollow absent.",
            sitting.title, sitting.id
        )),
        groups,
        caption: state.notices.first().or(sitting.notices.first()).cloned(),
    };
    render_svg(&chart).map_err(|error| AnalyticsError::Picture(error.to_string()))
}

/// One bar of a bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// In [0, 1]; `None` draws no bar and says "n/a".
    pub value: Option<f64>,
    /// `#rrggbb`; default: a palette colour.
    pub colour: Option<String>,
}

/// Horizontal bars with values in [0, 1] (shares, indices).
pub fn bars(title: &str, subtitle: &str, bars: &[Bar]) -> Result<String, AnalyticsError> {
    too_many(bars.len())?;
    let (left, bar_width, row) = (220.0, 420.0, 26.0);
    let top = 70.0;
    let height = top + row * bars.len() as f64 + 30.0;
    let width = left + bar_width + 90.0;
    let mut svg = header(width, height, title, subtitle);
    for (index, bar) in bars.iter().enumerate() {
        let y = top + row * index as f64;
        let colour = bar
            .colour
            .as_deref()
            .filter(|colour| is_colour(colour))
            .unwrap_or(PALETTE[index % PALETTE.len()]);
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"13\" {FONT}>{}</text>",
            left - 8.0,
            y + 17.0,
            escape(&bar.label)
        );
        match bar.value.filter(|value| value.is_finite()) {
            Some(value) => {
                let clamped = value.clamp(0.0, 1.0);
                let _ = write!(
                    svg,
                    "<rect x=\"{left}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>\
                     <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" {FONT}>{value:.3}</text>",
                    y + 4.0,
                    clamped * bar_width,
                    row - 8.0,
                    left + clamped * bar_width + 6.0,
                    y + 17.0
                );
            }
            None => {
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#757575\" {FONT}>n/a</text>",
                    left + 6.0,
                    y + 17.0
                );
            }
        }
    }
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#424242\"/></svg>",
        top,
        top + row * bars.len() as f64
    );
    Ok(svg)
}

/// A square matrix of shares in [0, 1] as a heatmap, white (0) to dark blue (1).
pub fn heatmap(
    title: &str,
    subtitle: &str,
    labels: &[String],
    shares: &[Vec<Option<f64>>],
) -> Result<String, AnalyticsError> {
    too_many(labels.len())?;
    let cell = 34.0;
    let left = 200.0;
    let top = 180.0;
    let size = labels.len() as f64;
    let mut svg = header(
        left + cell * size + 40.0,
        top + cell * size + 40.0,
        title,
        subtitle,
    );
    for (row, label) in labels.iter().enumerate() {
        let y = top + cell * row as f64;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" {FONT}>{}</text>",
            left - 6.0,
            y + cell / 2.0 + 4.0,
            escape(label)
        );
        let x = left + cell * row as f64 + cell / 2.0;
        let _ = write!(
            svg,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"12\" transform=\"rotate(-60 {x:.1} {:.1})\" {FONT}>{}</text>",
            top - 6.0,
            top - 6.0,
            escape(label)
        );
        for column in 0..labels.len() {
            let value = shares
                .get(row)
                .and_then(|values| values.get(column))
                .copied()
                .flatten()
                .filter(|value| value.is_finite());
            let x = left + cell * column as f64;
            let (fill, text) = match value {
                Some(value) => {
                    let value = value.clamp(0.0, 1.0);
                    // From white to #0d47a1.
                    let channel = |end: f64| (255.0 - (255.0 - end) * value).round() as u8;
                    (
                        format!(
                            "#{:02x}{:02x}{:02x}",
                            channel(13.0),
                            channel(71.0),
                            channel(161.0)
                        ),
                        format!("{:.0}", value * 100.0),
                    )
                }
                None => ("#eeeeee".to_owned(), "–".to_owned()),
            };
            let ink = if value.is_some_and(|value| value > 0.55) {
                "#ffffff"
            } else {
                "#212121"
            };
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\" stroke=\"#ffffff\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{ink}\" {FONT}>{text}</text>",
                x + cell / 2.0,
                y + cell / 2.0 + 4.0
            );
        }
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// Ideal points as a strip plot: one row per group, a dot per member. `colours` maps
/// group names to colours (others get palette colours).
pub fn strip_plot(
    title: &str,
    result: &IdealPoints,
    colours: &[(String, String)],
) -> Result<String, AnalyticsError> {
    too_many(result.members.len())?;
    let mut groups: Vec<String> = Vec::new();
    for member in &result.members {
        let group = member.group.clone().unwrap_or_else(|| "—".to_owned());
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    let finite = result
        .members
        .iter()
        .map(|member| member.position)
        .filter(|x| x.is_finite());
    let low = finite.clone().fold(f64::INFINITY, f64::min);
    let high = finite.fold(f64::NEG_INFINITY, f64::max);
    let (low, high) = if low.is_finite() && high > low {
        (low, high)
    } else {
        (-1.0, 1.0)
    };
    let (left, plot_width, row, top) = (180.0, 560.0, 34.0, 70.0);
    let labelled = result.members.len() <= 30;
    let height = top + row * groups.len() as f64 + 50.0;
    let subtitle = format!(
        "{} members; {} is on the positive side; {} iterations{}",
        result.members.len(),
        result.reference,
        result.iterations,
        if result.converged {
            ""
        } else {
            " (not converged)"
        }
    );
    let mut svg = header(left + plot_width + 40.0, height, title, &subtitle);
    let scale = |x: f64| left + (x - low) / (high - low) * plot_width;
    for (index, group) in groups.iter().enumerate() {
        let y = top + row * index as f64 + row / 2.0;
        let colour = colours
            .iter()
            .find(|(name, _)| name == group)
            .map(|(_, colour)| colour.as_str())
            .filter(|colour| is_colour(colour))
            .unwrap_or(PALETTE[index % PALETTE.len()]);
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" {FONT}>{}</text>\
             <line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e0e0e0\"/>",
            left - 8.0,
            y + 4.0,
            escape(group),
            left + plot_width
        );
        for member in result
            .members
            .iter()
            .filter(|member| member.group.clone().unwrap_or_else(|| "—".to_owned()) == *group)
        {
            if !member.position.is_finite() {
                continue;
            }
            let x = scale(member.position);
            let _ = write!(
                svg,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"{colour}\" fill-opacity=\"0.75\"><title>{}: {:.3}</title></circle>",
                escape(&member.member),
                member.position
            );
            if labelled {
                let _ = write!(
                    svg,
                    "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\" {FONT}>{}</text>",
                    y - 8.0,
                    escape(&member.member)
                );
            }
        }
    }
    let axis = top + row * groups.len() as f64 + 10.0;
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{axis:.1}\" x2=\"{:.1}\" y2=\"{axis:.1}\" stroke=\"#424242\"/>\
         <text x=\"{left}\" y=\"{:.1}\" font-size=\"11\" {FONT}>{low:.2}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\" {FONT}>{high:.2}</text></svg>",
        left + plot_width,
        axis + 16.0,
        left + plot_width,
        axis + 16.0
    );
    Ok(svg)
}

fn header(width: f64, height: f64, title: &str, subtitle: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
         <text x=\"20\" y=\"28\" font-size=\"18\" font-weight=\"bold\" {FONT}>{}</text>\
         <text x=\"20\" y=\"50\" font-size=\"12\" fill=\"#616161\" {FONT}>{}</text>",
        escape(title),
        escape(subtitle)
    )
}

fn is_colour(colour: &str) -> bool {
    let digits = colour.strip_prefix('#').unwrap_or("");
    (digits.len() == 3 || digits.len() == 6) && digits.chars().all(|c| c.is_ascii_hexdigit())
}

/// Renders an SVG document to PNG bytes, with the system's fonts for the text.
pub fn to_png(svg: &str) -> Result<Vec<u8>, AnalyticsError> {
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &options)
        .map_err(|error| AnalyticsError::Picture(error.to_string()))?;
    let size = tree.size().to_int_size();
    // Twice the SVG's size for print, within the limit.
    let longer = size.width().max(size.height()).max(1);
    let scale = (2.0f32).min(MAX_PNG_SIDE_PIXELS as f32 / longer as f32);
    let width = ((size.width() as f32 * scale).ceil() as u32).max(1);
    let height = ((size.height() as f32 * scale).ceil() as u32).max(1);
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| AnalyticsError::Picture(format!("cannot make a {width}×{height} image")))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|error| AnalyticsError::Picture(error.to_string()))
}

/// Voting power bars (normalised Banzhaf), one per player.
pub fn power_bars(
    title: &str,
    subtitle: &str,
    players: &[String],
    indices: &crate::power::PowerIndices,
) -> Result<String, AnalyticsError> {
    let power: Vec<Bar> = players
        .iter()
        .zip(&indices.banzhaf_normalised)
        .map(|(name, value)| Bar {
            label: name.clone(),
            value: Some(*value),
            colour: None,
        })
        .collect();
    bars(title, subtitle, &power)
}

/// Cohesion bars: each bloc's mean Agreement index, in the bloc's colour.
pub fn cohesion_bars(
    state: &State,
    report: &crate::cohesion::CohesionReport,
) -> Result<String, AnalyticsError> {
    let bars_of_blocs: Vec<Bar> = report
        .blocs
        .iter()
        .map(|bloc| Bar {
            label: bloc.name.clone(),
            value: bloc.mean_agreement,
            colour: state
                .blocs
                .values()
                .find(|record| Some(record.id.as_str()) == bloc.bloc.as_deref())
                .and_then(|record| record.colour.clone()),
        })
        .collect();
    bars(
        "Cohesion by bloc (mean Agreement index)",
        &report.scope,
        &bars_of_blocs,
    )
}

/// The bloc-by-bloc agreement matrix as a heatmap.
pub fn agreement_heatmap(
    report: &crate::cohesion::CohesionReport,
) -> Result<String, AnalyticsError> {
    heatmap(
        "Agreement between blocs",
        "share of divisions in which the two blocs' plurality positions match (%)",
        &report.agreement.blocs,
        &report.agreement.shares,
    )
}

/// Each bloc's colour, by label, for pictures that name blocs by label.
pub fn bloc_colours(state: &State) -> Vec<(String, String)> {
    state
        .blocs
        .values()
        .filter_map(|bloc| {
            bloc.colour
                .clone()
                .map(|colour| (bloc.label().to_owned(), colour))
        })
        .collect()
}
