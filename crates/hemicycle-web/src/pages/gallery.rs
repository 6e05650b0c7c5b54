//! The public gallery: what a wall display in the chamber, or a phone in the
//! public gallery, shows of the sitting in progress.

use std::fmt::Write as _;

use hemicycle_core::ids::SittingId;
use hemicycle_core::State;

use super::html::{document, escape, Page, Scripts};
use super::widgets::{
    boycott_panel, chart_figure, division_panel, grouping_date, notices, quorum_panel,
    sitting_panel,
};
use super::PageContext;
use crate::live::LiveSnapshot;

pub fn gallery(state: &State, snapshot: &LiveSnapshot, context: &PageContext) -> String {
    let chamber = state
        .chamber
        .as_ref()
        .map_or("hemicycle", |chamber| chamber.name.as_str());
    let sitting = snapshot
        .sitting
        .as_ref()
        .and_then(|sitting| SittingId::new(&sitting.id).ok())
        .and_then(|id| state.sittings.get(&id));
    let date = grouping_date(state, snapshot, context.today);
    let mut main = String::new();
    let _ = writeln!(
        main,
        "<header class=\"page-header\"><h1><bdi dir=\"auto\">{}</bdi></h1>\
         <p class=\"connection\" data-live=\"connection\" data-testid=\"connection\" aria-live=\"polite\">Connecting to the live record…</p></header>",
        escape(chamber)
    );
    main.push_str(&notices(state, sitting));
    main.push_str("<div class=\"gallery-layout\">\n<div class=\"gallery-chart\">\n");
    main.push_str(&chart_figure(state, snapshot, date, "chart"));
    main.push_str("</div>\n<div class=\"gallery-panels\" aria-live=\"polite\">\n");
    main.push_str(&sitting_panel(snapshot, "h2"));
    main.push_str(&quorum_panel(snapshot));
    main.push_str(&division_panel(state, snapshot, None));
    main.push_str(&boycott_panel(snapshot));
    if let Some(sitting) = &snapshot.sitting {
        let _ = writeln!(
            main,
            "<p class=\"record-link\"><a href=\"/record/sittings/{}\">The record of this sitting</a></p>",
            escape(&sitting.id)
        );
    }
    main.push_str("</div>\n</div>\n");
    document(
        &Page {
            title: format!("Gallery — {chamber}"),
            context,
            kind: "gallery",
            scripts: Scripts::Live,
            body_attributes: String::new(),
        },
        &main,
    )
}
