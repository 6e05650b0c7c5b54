//! Drawing a chart as a standalone SVG 1.1 document.

use std::fmt::Write as _;

use crate::error::ChartError;
use crate::inline::{InlineOptions, SeatData};
use crate::layout::{assign_seats, check_seat_limit, layout, AssignedSeat, Layout};
use crate::text::{direction_attributes, escape, is_valid_colour, isolate, number};

/// How one seat is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeatStyle {
    /// A present member: a disc in the group's colour.
    Filled,
    /// An absent member: a ring in the group's colour with a white centre.
    Hollow,
    /// A present member drawn in a colour of its own, for example to show
    /// how the member voted. Must be `#rgb` or `#rrggbb`, like group colours.
    Colour(String),
}

impl SeatStyle {
    /// Whether the seat stands for a member who is present (everything but
    /// [`SeatStyle::Hollow`]).
    pub fn is_present(&self) -> bool {
        !matches!(self, SeatStyle::Hollow)
    }

    /// The word used in the seat's `class` attribute.
    fn class_name(&self) -> &'static str {
        match self {
            SeatStyle::Filled => "filled",
            SeatStyle::Hollow => "hollow",
            SeatStyle::Colour(_) => "coloured",
        }
    }
}

/// A bloc of seats drawn together as one wedge, in one colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Name shown in the legend and the seat tooltips. Any text: it is
    /// escaped, and right-to-left names are marked as such.
    pub label: String,
    /// `#rgb` or `#rrggbb`; anything else is refused by [`render_svg`].
    pub colour: String,
    /// One entry per seat, in left-to-right order within the group's wedge;
    /// the tooltip of `seats[i]` says "seat i + 1".
    pub seats: Vec<SeatStyle>,
    /// Legend line to show instead of the computed one
    /// ("label — N seats, M present").
    pub legend: Option<String>,
}

impl Group {
    /// A group with the given seats and the computed legend line.
    pub fn new(label: impl Into<String>, colour: impl Into<String>, seats: Vec<SeatStyle>) -> Self {
        Group {
            label: label.into(),
            colour: colour.into(),
            seats,
            legend: None,
        }
    }

    /// A group of `seat_count` present members.
    ///
    /// # Errors
    ///
    /// [`ChartError::TooManySeats`] above [`crate::MAX_SEATS`], checked here
    /// so that a wild count fails instead of trying to allocate it.
    pub fn filled(
        label: impl Into<String>,
        colour: impl Into<String>,
        seat_count: usize,
    ) -> Result<Self, ChartError> {
        check_seat_limit(seat_count)?;
        Ok(Group::new(
            label,
            colour,
            vec![SeatStyle::Filled; seat_count],
        ))
    }

    /// How many of the group's seats stand for present members.
    pub fn present_count(&self) -> usize {
        self.seats.iter().filter(|seat| seat.is_present()).count()
    }

    /// The legend line: [`Group::legend`] if set, else
    /// "label — N seats, M present".
    pub fn legend_text(&self) -> String {
        match &self.legend {
            Some(legend) => legend.clone(),
            None => format!("{} — {}", self.label, self.counts_text()),
        }
    }

    /// "N seats, M present", with "seat" in the singular for one.
    fn counts_text(&self) -> String {
        let seats = self.seats.len();
        let noun = if seats == 1 { "seat" } else { "seats" };
        format!("{seats} {noun}, {} present", self.present_count())
    }
}

/// Everything drawn on one seat chart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chart {
    /// Heading above the hemicycle; also the document's `<title>`. Left out
    /// when empty.
    pub title: String,
    /// Smaller line under the title. Left out when `None` or empty.
    pub subtitle: Option<String>,
    /// The groups, drawn as wedges from left to right in this order.
    /// A chart with no groups, or only empty ones, is valid: it draws the
    /// titles, an empty hemicycle area and the legend (an empty chamber is a
    /// real state, e.g. before results are in).
    pub groups: Vec<Group>,
    /// Small print at the bottom, e.g. "Illustrative allocation, not a
    /// record". Left out when `None` or empty.
    pub caption: Option<String>,
}

/// Blank space around everything, in SVG user units.
const MARGIN_UNITS: f64 = 16.0;
const TITLE_FONT_SIZE_UNITS: f64 = 20.0;
const SUBTITLE_FONT_SIZE_UNITS: f64 = 14.0;
const LEGEND_FONT_SIZE_UNITS: f64 = 13.0;
const CAPTION_FONT_SIZE_UNITS: f64 = 11.0;
/// Space between consecutive blocks (title, subtitle, seats, legend, caption).
const GAP_UNITS: f64 = 10.0;
const LEGEND_LINE_HEIGHT_UNITS: f64 = 20.0;
const LEGEND_SWATCH_SIZE_UNITS: f64 = 12.0;
/// Width of the ring of an absent member's seat, as a fraction of the seat
/// radius: thick enough to show the colour, thin enough to read as hollow.
const HOLLOW_RING_PER_SEAT_RADIUS: f64 = 0.35;
const BACKGROUND_COLOUR: &str = "#ffffff";
const SECONDARY_TEXT_COLOUR: &str = "#444444";

/// Draws `chart` as a standalone SVG 1.1 document.
///
/// The document has, top to bottom: the title, the subtitle, the hemicycle,
/// the legend (one line per group, with a colour swatch) and the caption.
/// Each seat is a `<circle>` carrying a `<title>` tooltip
/// ("label — seat 12", or "label — seat 12 (absent)") and
/// `class="seat group-K STYLE"`, where K is the group's index in
/// [`Chart::groups`] and STYLE is `filled`, `hollow` or `coloured`, so a web
/// page can restyle seats with CSS or script. Circles appear in seat order,
/// left to right. Legend swatches are `<rect>`s, so the `<circle>` elements
/// are exactly the seats.
///
/// All text is XML-escaped; right-to-left text (Arabic, Kurdish, Hebrew…) is
/// kept intact as UTF-8 and marked with `direction="rtl"` and
/// `unicode-bidi="embed"`, and isolated with FSI/PDI inside tooltips.
/// Coordinates are printed with two decimals, so the same chart always gives
/// the same bytes.
///
/// # Errors
///
/// * [`ChartError::TooManySeats`] if the groups hold more than
///   [`crate::MAX_SEATS`] seats in all;
/// * [`ChartError::InvalidGroupColour`] or [`ChartError::InvalidSeatColour`]
///   for a colour that is not `#rgb` or `#rrggbb`.
pub fn render_svg(chart: &Chart) -> Result<String, ChartError> {
    let drawing = draw(chart, None)?;
    let (width, height) = (number(drawing.width), number(drawing.height));
    let mut document = String::with_capacity(drawing.body.len() + 512);
    document.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    // `writeln!` into a String cannot fail; the results are ignored below.
    let _ = writeln!(
        document,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{width}\" \
         height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\">"
    );
    if !chart.title.is_empty() {
        let _ = writeln!(document, "<title>{}</title>", escape(&chart.title));
    }
    let _ = writeln!(
        document,
        "<rect class=\"background\" x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" \
         fill=\"{BACKGROUND_COLOUR}\"/>"
    );
    document.push_str(&drawing.body);
    document.push_str("</svg>\n");
    Ok(document)
}

/// The inside of a chart's `<svg>` element and its size.
pub(crate) struct Drawing {
    pub(crate) body: String,
    pub(crate) width: f64,
    pub(crate) height: f64,
}

/// Lays out and draws everything inside the `<svg>` element: the texts (unless an
/// inline chart leaves them out), the seats and the legend. `inline` is `None` for
/// [`render_svg`], whose output must not change.
pub(crate) fn draw(chart: &Chart, inline: Option<&InlineOptions>) -> Result<Drawing, ChartError> {
    let total_seats = chart
        .groups
        .iter()
        .try_fold(0_usize, |sum, group| sum.checked_add(group.seats.len()))
        .unwrap_or(usize::MAX);
    check_seat_limit(total_seats)?;
    validate_colours(chart)?;
    if let Some(options) = inline {
        validate_seat_data(chart, &options.seats)?;
    }
    let with_text = inline.is_none_or(|options| options.text);

    let seat_layout = layout(total_seats)?;
    let group_seat_counts: Vec<usize> =
        chart.groups.iter().map(|group| group.seats.len()).collect();
    let assigned = assign_seats(&seat_layout, &group_seat_counts)?;

    // Widen the drawing when a legend line would not fit beside the hemicycle's width
    // (an average glyph is about 0.55 em wide), keeping the hemicycle centred.
    let legend_width = if with_text {
        chart
            .groups
            .iter()
            .map(|group| {
                LEGEND_SWATCH_SIZE_UNITS
                    + 6.0
                    + group.legend_text().chars().count() as f64 * LEGEND_FONT_SIZE_UNITS * 0.55
            })
            .fold(0.0_f64, f64::max)
    } else {
        0.0
    };
    let content_width = seat_layout.width.max(legend_width);
    let width = content_width + 2.0 * MARGIN_UNITS;
    let seats_left = MARGIN_UNITS + (content_width - seat_layout.width) / 2.0;
    let centre_x = width / 2.0;
    let mut body = String::new();
    let mut cursor_y = MARGIN_UNITS;

    if with_text && !chart.title.is_empty() {
        cursor_y += TITLE_FONT_SIZE_UNITS;
        let lines = write_centred_text(
            &mut body,
            "title",
            &chart.title,
            centre_x,
            cursor_y,
            TITLE_FONT_SIZE_UNITS,
            seat_layout.width,
            " font-weight=\"bold\"",
        );
        cursor_y += extra_lines_height(lines, TITLE_FONT_SIZE_UNITS) + GAP_UNITS;
    }
    if let Some(subtitle) = chart
        .subtitle
        .as_deref()
        .filter(|text| with_text && !text.is_empty())
    {
        cursor_y += SUBTITLE_FONT_SIZE_UNITS;
        let style = format!(" fill=\"{SECONDARY_TEXT_COLOUR}\"");
        let lines = write_centred_text(
            &mut body,
            "subtitle",
            subtitle,
            centre_x,
            cursor_y,
            SUBTITLE_FONT_SIZE_UNITS,
            seat_layout.width,
            &style,
        );
        cursor_y += extra_lines_height(lines, SUBTITLE_FONT_SIZE_UNITS) + GAP_UNITS;
    }

    let origin = (seats_left, cursor_y);
    match inline {
        None => write_seats(&mut body, chart, &seat_layout, &assigned, origin),
        Some(options) => write_inline_seats(
            &mut body,
            chart,
            &options.seats,
            &seat_layout,
            &assigned,
            origin,
        ),
    }
    cursor_y += seat_layout.height + GAP_UNITS;

    if with_text {
        cursor_y = write_legend(&mut body, chart, MARGIN_UNITS, cursor_y);
    }

    if let Some(caption) = chart
        .caption
        .as_deref()
        .filter(|text| with_text && !text.is_empty())
    {
        cursor_y += CAPTION_FONT_SIZE_UNITS;
        let style = format!(" font-style=\"italic\" fill=\"{SECONDARY_TEXT_COLOUR}\"");
        let lines = write_centred_text(
            &mut body,
            "caption",
            caption,
            centre_x,
            cursor_y,
            CAPTION_FONT_SIZE_UNITS,
            seat_layout.width,
            &style,
        );
        cursor_y += extra_lines_height(lines, CAPTION_FONT_SIZE_UNITS) + GAP_UNITS;
    }
    let height = cursor_y + MARGIN_UNITS - GAP_UNITS;
    Ok(Drawing {
        body,
        width,
        height,
    })
}

/// The height that lines after the first add.
fn extra_lines_height(lines: usize, font_size: f64) -> f64 {
    lines.saturating_sub(1) as f64 * font_size * LINE_SPACING_EM
}

fn validate_colours(chart: &Chart) -> Result<(), ChartError> {
    for (group_index, group) in chart.groups.iter().enumerate() {
        if !is_valid_colour(&group.colour) {
            return Err(ChartError::InvalidGroupColour {
                group_index,
                label: group.label.clone(),
                colour: group.colour.clone(),
            });
        }
        for (seat_index, seat) in group.seats.iter().enumerate() {
            if let SeatStyle::Colour(colour) = seat {
                if !is_valid_colour(colour) {
                    return Err(ChartError::InvalidSeatColour {
                        group_index,
                        label: group.label.clone(),
                        seat_number: seat_index + 1,
                        colour: colour.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Text centred on `centre_x`, first baseline at `baseline_y`, wrapped at word
/// boundaries so that no line is wider than `width` (estimated from the font size:
/// an average glyph is about 0.55 em wide). Returns the number of lines written.
#[allow(clippy::too_many_arguments)]
fn write_centred_text(
    output: &mut String,
    class: &str,
    text: &str,
    centre_x: f64,
    baseline_y: f64,
    font_size: f64,
    width: f64,
    extra_attributes: &str,
) -> usize {
    let characters_per_line = ((width / (font_size * 0.55)).floor() as usize).max(10);
    let lines = wrap(text, characters_per_line);
    if lines.len() <= 1 {
        let _ = writeln!(
            output,
            "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{}\"{extra_attributes}{}>{}</text>",
            number(centre_x),
            number(baseline_y),
            number(font_size),
            direction_attributes(text),
            escape(text),
        );
        return 1;
    }
    let _ = write!(
        output,
        "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{}\"{extra_attributes}{}>",
        number(centre_x),
        number(baseline_y),
        number(font_size),
        direction_attributes(text),
    );
    for (index, line) in lines.iter().enumerate() {
        let line_offset = if index == 0 {
            0.0
        } else {
            font_size * LINE_SPACING_EM
        };
        // Each line but the last keeps its trailing space, so that the text read back
        // from the document is the text given (with runs of white space folded).
        let separator = if index + 1 < lines.len() { " " } else { "" };
        let _ = write!(
            output,
            "<tspan x=\"{}\" dy=\"{}\">{}{separator}</tspan>",
            number(centre_x),
            number(line_offset),
            escape(line)
        );
    }
    output.push_str("</text>\n");
    lines.len()
}

/// Distance between wrapped lines, in ems.
const LINE_SPACING_EM: f64 = 1.25;

/// Greedy word wrap by character count (a word longer than a line stands alone).
fn wrap(text: &str, characters_per_line: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if !current.is_empty() && needed > characters_per_line {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The seat circles of [`render_svg`], with the layout's top-left corner at (`left`, `top`).
fn write_seats(
    output: &mut String,
    chart: &Chart,
    seat_layout: &Layout,
    assigned: &[AssignedSeat],
    (left, top): (f64, f64),
) {
    output.push_str("<g class=\"seats\">\n");
    let ring_width = seat_layout.seat_radius * HOLLOW_RING_PER_SEAT_RADIUS;
    for seat in assigned {
        // `assign_seats` only hands out indices of existing groups and seats;
        // `get` keeps this free of panics all the same.
        let Some(group) = chart.groups.get(seat.group_index) else {
            continue;
        };
        let Some(style) = group.seats.get(seat.index_in_group) else {
            continue;
        };
        let cx = number(left + seat.position.x);
        let cy = number(top + seat.position.y);
        let paint = match style {
            SeatStyle::Filled => format!(
                "r=\"{}\" fill=\"{}\"",
                number(seat_layout.seat_radius),
                group.colour
            ),
            SeatStyle::Colour(colour) => {
                format!(
                    "r=\"{}\" fill=\"{colour}\"",
                    number(seat_layout.seat_radius)
                )
            }
            // The stroke is centred on the circle's edge, so shrink the
            // circle by half the ring for its outside to match filled seats.
            SeatStyle::Hollow => format!(
                "r=\"{}\" fill=\"{BACKGROUND_COLOUR}\" stroke=\"{}\" stroke-width=\"{}\"",
                number(seat_layout.seat_radius - ring_width / 2.0),
                group.colour,
                number(ring_width)
            ),
        };
        let tooltip = seat_tooltip(group, style, seat.index_in_group);
        let _ = writeln!(
            output,
            "<circle class=\"seat group-{} {}\" cx=\"{cx}\" cy=\"{cy}\" {paint}><title>{}</title></circle>",
            seat.group_index,
            style.class_name(),
            escape(&tooltip),
        );
    }
    output.push_str("</g>\n");
}

/// "label — seat 12", or "label — seat 12 (absent)", the label isolated if right-to-left.
fn seat_tooltip(group: &Group, style: &SeatStyle, index_in_group: usize) -> String {
    let absent = if style.is_present() { "" } else { " (absent)" };
    format!(
        "{} — seat {}{absent}",
        isolate(&group.label),
        index_in_group + 1
    )
}

/// The seat circles of an inline chart: every seat is a disc of the seat radius
/// drawn as a circle shrunk by half a ring and stroked with a ring, so that a style
/// sheet can turn any seat into a ring (`fill`), a disc of another colour (`fill`
/// and `stroke`) or back into the group's colour (`currentColor`, from the `color`
/// attribute every seat carries), whatever it was drawn as.
fn write_inline_seats(
    output: &mut String,
    chart: &Chart,
    seat_data: &[Vec<SeatData>],
    seat_layout: &Layout,
    assigned: &[AssignedSeat],
    (left, top): (f64, f64),
) {
    output.push_str("<g class=\"seats\">\n");
    let ring_width = seat_layout.seat_radius * HOLLOW_RING_PER_SEAT_RADIUS;
    let radius = number(seat_layout.seat_radius - ring_width / 2.0);
    let ring_width = number(ring_width);
    for seat in assigned {
        let Some(group) = chart.groups.get(seat.group_index) else {
            continue;
        };
        let Some(style) = group.seats.get(seat.index_in_group) else {
            continue;
        };
        let data = seat_data
            .get(seat.group_index)
            .and_then(|seats| seats.get(seat.index_in_group));
        let (fill, stroke) = match style {
            SeatStyle::Filled => (group.colour.as_str(), group.colour.as_str()),
            SeatStyle::Hollow => (BACKGROUND_COLOUR, group.colour.as_str()),
            SeatStyle::Colour(colour) => (colour.as_str(), colour.as_str()),
        };
        let mut attributes = String::new();
        if let Some(member) = data.and_then(|data| data.member.as_deref()) {
            let _ = write!(attributes, " data-member=\"{}\"", escape(member));
        }
        if let Some(state) = data.and_then(|data| data.state.as_deref()) {
            let _ = write!(attributes, " data-state=\"{}\"", escape(state));
        }
        let tooltip = match data.and_then(|data| data.tooltip.as_deref()) {
            Some(tooltip) => tooltip.to_owned(),
            None => seat_tooltip(group, style, seat.index_in_group),
        };
        let _ = writeln!(
            output,
            "<circle class=\"seat group-{} {}\"{attributes} cx=\"{}\" cy=\"{}\" r=\"{radius}\" \
             fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{ring_width}\" color=\"{}\"><title>{}</title></circle>",
            seat.group_index,
            style.class_name(),
            number(left + seat.position.x),
            number(top + seat.position.y),
            group.colour,
            escape(&tooltip),
        );
    }
    output.push_str("</g>\n");
}

/// Refuses per-seat data that does not give one entry per seat of every group
/// (none at all is fine).
fn validate_seat_data(chart: &Chart, seat_data: &[Vec<SeatData>]) -> Result<(), ChartError> {
    if seat_data.is_empty() {
        return Ok(());
    }
    for group_index in 0..chart.groups.len().max(seat_data.len()) {
        let group = chart.groups.get(group_index);
        let seats = group.map_or(0, |group| group.seats.len());
        let given = seat_data.get(group_index).map_or(0, Vec::len);
        if seats != given {
            return Err(ChartError::SeatDataMismatch {
                group_index,
                label: group.map(|group| group.label.clone()).unwrap_or_default(),
                seats,
                given,
            });
        }
    }
    Ok(())
}

/// The legend, one line per group starting at `top`; returns the y below it.
fn write_legend(output: &mut String, chart: &Chart, left: f64, top: f64) -> f64 {
    if chart.groups.is_empty() {
        return top;
    }
    output.push_str("<g class=\"legend\">\n");
    let mut line_top = top;
    for (group_index, group) in chart.groups.iter().enumerate() {
        let swatch_top = line_top + (LEGEND_LINE_HEIGHT_UNITS - LEGEND_SWATCH_SIZE_UNITS) / 2.0;
        // Roughly centres the text's x-height on the swatch.
        let baseline = line_top + LEGEND_LINE_HEIGHT_UNITS / 2.0 + LEGEND_FONT_SIZE_UNITS * 0.35;
        let text_left = left + LEGEND_SWATCH_SIZE_UNITS + 6.0;
        let content = match &group.legend {
            Some(legend) => format!("{}>{}", direction_attributes(legend), escape(legend)),
            // The label gets its own run so that a right-to-left name does
            // not drag the counts after it into its direction.
            None => format!(
                "><tspan{}>{}</tspan> — {}",
                direction_attributes(&group.label),
                escape(&group.label),
                escape(&group.counts_text())
            ),
        };
        let _ = writeln!(
            output,
            "<g class=\"legend-entry group-{group_index}\"><rect x=\"{}\" y=\"{}\" width=\"{size}\" \
             height=\"{size}\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"{}\"{content}</text></g>",
            number(left),
            number(swatch_top),
            group.colour,
            number(text_left),
            number(baseline),
            number(LEGEND_FONT_SIZE_UNITS),
            size = number(LEGEND_SWATCH_SIZE_UNITS),
        );
        line_top += LEGEND_LINE_HEIGHT_UNITS;
    }
    output.push_str("</g>\n");
    line_top + GAP_UNITS
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_word_boundaries() {
        assert_eq!(
            wrap("one two three four", 9),
            vec!["one two", "three", "four"]
        );
        assert_eq!(wrap("short", 40), vec!["short"]);
        assert_eq!(wrap("", 40), Vec::<String>::new());
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            vec!["averyveryverylongword", "x"]
        );
    }
}
