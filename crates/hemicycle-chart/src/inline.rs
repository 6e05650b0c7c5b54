//! Drawing a chart as an `<svg>` element to place inside an HTML page.
//!
//! A page that shows a chamber live needs more than [`crate::render_svg`]'s
//! picture: it must find each seat again to restyle it as members arrive and
//! vote. [`render_svg_element`] draws the same wedges (same layout, same seat
//! order), without the XML prolog, and lets each seat carry the member it
//! stands for (`data-member`) and a state word (`data-state`) for a style
//! sheet or a script to act on.

use std::fmt::Write as _;

use crate::error::ChartError;
use crate::render::{draw, Chart};
use crate::text::{escape, number};

/// What a page needs to know about one seat.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeatData {
    /// Written as the seat's `data-member` attribute (escaped).
    pub member: Option<String>,
    /// Written as the seat's `data-state` attribute (escaped).
    pub state: Option<String>,
    /// The tooltip, instead of "label — seat N": escaped, otherwise written as
    /// given (isolate right-to-left names in it with U+2068 … U+2069 if it mixes
    /// directions).
    pub tooltip: Option<String>,
}

/// How to draw an inline chart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InlineOptions {
    /// The `<svg>` element's `id`.
    pub id: Option<String>,
    /// The `<svg>` element's `class`.
    pub class: Option<String>,
    /// What the chart shows, for screen readers: written as `aria-label`, with
    /// `role="img"`.
    pub label: Option<String>,
    /// Draw the title, subtitle, legend and caption too, as [`crate::render_svg`]
    /// does; `false` draws the seats alone (the page writes its own headings and
    /// legend).
    pub text: bool,
    /// Per-seat data: `seats[g][i]` goes with `chart.groups[g].seats[i]`. Either
    /// empty (no data) or one entry for every seat of every group.
    pub seats: Vec<Vec<SeatData>>,
}

/// Draws `chart` as an `<svg>` element for an HTML page: no XML prolog, no fixed
/// size (a `viewBox` only, so the page's style sheet sizes it), the seats in the
/// same wedges and order as [`crate::render_svg`].
///
/// Each seat is a `<circle class="seat group-K STYLE">` with its tooltip, the
/// `data-member` and `data-state` attributes of its [`SeatData`], and the
/// group's colour three times: as `fill` (or white when hollow) and `stroke`,
/// so the chart reads right without a style sheet, and as `color`, so a style
/// sheet can give a seat back its group's colour with `currentColor` after
/// painting it otherwise (for example `[data-state="absent"] { fill: #fff }`
/// for a ring, `[data-state="present"] { fill: currentColor }` for a disc).
///
/// # Errors
///
/// As [`crate::render_svg`], and [`ChartError::SeatDataMismatch`] when
/// [`InlineOptions::seats`] is neither empty nor one entry per seat.
pub fn render_svg_element(chart: &Chart, options: &InlineOptions) -> Result<String, ChartError> {
    let drawing = draw(chart, Some(options))?;
    let (width, height) = (number(drawing.width), number(drawing.height));
    let mut element = String::with_capacity(drawing.body.len() + 512);
    let _ = write!(
        element,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\""
    );
    if let Some(id) = &options.id {
        let _ = write!(element, " id=\"{}\"", escape(id));
    }
    if let Some(class) = &options.class {
        let _ = write!(element, " class=\"{}\"", escape(class));
    }
    if let Some(label) = &options.label {
        let _ = write!(element, " role=\"img\" aria-label=\"{}\"", escape(label));
    }
    element.push_str(" font-family=\"sans-serif\">\n");
    if options.text && !chart.title.is_empty() {
        let _ = writeln!(element, "<title>{}</title>", escape(&chart.title));
    }
    element.push_str(&drawing.body);
    element.push_str("</svg>");
    Ok(element)
}
