//! Pieces several pages show: the seat chart, the sitting, quorum and division
//! panels, the legends and the notices.
//!
//! What `live.js` keeps current is marked: `data-live="NAME"` (text or
//! attributes it rewrites), `data-member="ID"` with `data-state` (seats and roll
//! rows), and `data-show-when="CONDITIONS"` (shown when every condition holds;
//! see [`condition`], which `live.js` mirrors).

use std::fmt::Write as _;

use hemicycle_chart::{render_svg_element, Chart, Group, InlineOptions, SeatData, SeatStyle};
use hemicycle_core::ids::BlocId;
use hemicycle_core::model::{Date, Question};
use hemicycle_core::state::{Bloc, Member, Sitting};
use hemicycle_core::State;

use super::html::{escape, is_colour, name};
use crate::live::{LiveDivision, LiveSnapshot, SeatState};

/// The colour of members of no bloc, and of vacant seats.
pub const NO_BLOC_COLOUR: &str = "#9e9e9e";
pub const NO_BLOC: &str = "(no bloc)";

/// The state word of a seat, as serialized (and as the style sheet knows it).
pub fn seat_word(state: SeatState) -> &'static str {
    match state {
        SeatState::Absent => "absent",
        SeatState::Present => "present",
        SeatState::Excused => "excused",
        SeatState::Boycotting => "boycotting",
        SeatState::Pending => "pending",
        SeatState::Yes => "yes",
        SeatState::No => "no",
        SeatState::Abstain => "abstain",
        SeatState::Voted => "voted",
    }
}

/// A seat's state for people (`live.js` has the same table).
pub fn state_in_words(word: &str) -> &'static str {
    match word {
        "present" => "present",
        "excused" => "excused",
        "boycotting" => "boycotting",
        "pending" => "present, not yet voted",
        "yes" => "voted yes",
        "no" => "voted no",
        "abstain" => "abstained",
        "voted" => "voted",
        _ => "absent",
    }
}

/// Whether a seat state word means the member is in the chamber.
pub fn is_present_word(word: &str) -> bool {
    matches!(
        word,
        "present" | "pending" | "yes" | "no" | "abstain" | "voted"
    )
}

/// The seat state word of a member in a snapshot (absent when not listed).
pub fn seat_of<'a>(snapshot: &'a LiveSnapshot, member: &str) -> &'a str {
    snapshot
        .seats
        .get(member)
        .map_or("absent", |seat| seat_word(*seat))
}

/// The label of a bloc (short name, else name), or "(no bloc)".
pub fn bloc_label(state: &State, bloc: Option<&BlocId>) -> String {
    bloc.and_then(|bloc| state.blocs.get(bloc))
        .map_or_else(|| NO_BLOC.to_owned(), |bloc| bloc.label().to_owned())
}

pub fn bloc_colour(bloc: Option<&Bloc>) -> &str {
    bloc.and_then(|bloc| bloc.colour.as_deref())
        .filter(|colour| is_colour(colour))
        .unwrap_or(NO_BLOC_COLOUR)
}

/// Sitting members grouped by the bloc they belonged to on `date`: blocs in the
/// order they were registered (empty ones left out), members of no bloc last.
pub struct BlocGroup<'a> {
    pub bloc: Option<&'a Bloc>,
    pub members: Vec<&'a Member>,
}

pub fn members_by_bloc(state: &State, date: Date) -> Vec<BlocGroup<'_>> {
    let mut groups: Vec<BlocGroup<'_>> = state
        .blocs
        .values()
        .map(|bloc| BlocGroup {
            bloc: Some(bloc),
            members: Vec::new(),
        })
        .collect();
    let mut no_bloc = BlocGroup {
        bloc: None,
        members: Vec::new(),
    };
    for member in state.sitting_members() {
        let group = member
            .bloc_on(date)
            .and_then(|bloc| state.blocs.get_index_of(bloc))
            .and_then(|index| groups.get_mut(index))
            .unwrap_or(&mut no_bloc);
        group.members.push(member);
    }
    groups.push(no_bloc);
    groups.retain(|group| !group.members.is_empty());
    groups
}

impl BlocGroup<'_> {
    pub fn label(&self) -> &str {
        self.bloc.map_or(NO_BLOC, Bloc::label)
    }
}

/// The date whose blocs the live pages group members by: the sitting's, else today.
pub fn grouping_date(state: &State, snapshot: &LiveSnapshot, today: Date) -> Date {
    snapshot
        .sitting
        .as_ref()
        .and_then(|sitting| {
            hemicycle_core::ids::SittingId::new(&sitting.id)
                .ok()
                .and_then(|id| state.sittings.get(&id))
        })
        .map_or(today, Sitting::date)
}

/// Whether one condition of `data-show-when` holds. `live.js` evaluates the same
/// words; `me` is the member whose console this is.
pub fn condition(snapshot: &LiveSnapshot, me: Option<&str>, word: &str) -> bool {
    if let Some(negated) = word.strip_prefix('!') {
        return !condition(snapshot, me, negated);
    }
    let sitting = snapshot.sitting.as_ref();
    let division = snapshot.division.as_ref();
    let my_seat = me.map(|me| seat_of(snapshot, me));
    match word {
        "sitting" => sitting.is_some(),
        "sitting-convened" | "sitting-open" | "sitting-suspended" | "sitting-closed" => {
            sitting.is_some_and(|sitting| word.ends_with(sitting.status))
        }
        "sitting-live" => {
            sitting.is_some_and(|sitting| matches!(sitting.status, "open" | "suspended"))
        }
        "boycotts" => sitting.is_some_and(|sitting| !sitting.boycotts.is_empty()),
        "division" => division.is_some(),
        "division-open" => division.is_some_and(|division| division.open),
        "division-closed" => division.is_some_and(|division| !division.open),
        "motion" => division.is_some_and(|division| division.motion.is_some()),
        "election" => division.is_some_and(|division| division.motion.is_none()),
        "recorded" | "secret" | "show_of_hands" => {
            division.is_some_and(|division| division.method == word)
        }
        "changes-allowed" => division.is_some_and(|division| division.ballot_changes_allowed),
        "me-present" => my_seat.is_some_and(is_present_word),
        "me-voted" => {
            my_seat.is_some_and(|seat| matches!(seat, "yes" | "no" | "abstain" | "voted"))
        }
        _ => false,
    }
}

/// ` data-show-when="…"`, with ` hidden` when the conditions do not all hold now.
pub fn show_when(snapshot: &LiveSnapshot, me: Option<&str>, conditions: &str) -> String {
    let shown = conditions
        .split_whitespace()
        .all(|word| condition(snapshot, me, word));
    format!(
        " data-show-when=\"{}\"{}",
        escape(conditions),
        if shown { "" } else { " hidden" }
    )
}

/// The seat chart of the chamber as an inline `<svg>`: one wedge per bloc, each
/// seat carrying its member and state for the style sheet and `live.js`.
pub fn seat_chart(state: &State, snapshot: &LiveSnapshot, date: Date, id: &str) -> String {
    let groups = members_by_bloc(state, date);
    let mut chart = Chart::default();
    let mut seat_data = Vec::new();
    let mut members = 0usize;
    for group in &groups {
        let label = group.label();
        let mut styles = Vec::with_capacity(group.members.len());
        let mut data = Vec::with_capacity(group.members.len());
        for member in &group.members {
            let word = seat_of(snapshot, member.id.as_str());
            styles.push(if is_present_word(word) {
                SeatStyle::Filled
            } else {
                SeatStyle::Hollow
            });
            data.push(SeatData {
                member: Some(member.id.to_string()),
                state: Some(word.to_owned()),
                tooltip: Some(format!(
                    "\u{2068}{}\u{2069} — \u{2068}{label}\u{2069}: {}",
                    member.name,
                    state_in_words(word)
                )),
            });
        }
        members += group.members.len();
        chart
            .groups
            .push(Group::new(label, bloc_colour(group.bloc), styles));
        seat_data.push(data);
    }
    let vacant = (state.size().seats as usize).saturating_sub(members);
    if vacant > 0 {
        chart.groups.push(Group::new(
            "Vacant",
            NO_BLOC_COLOUR,
            vec![SeatStyle::Hollow; vacant],
        ));
        seat_data.push(vec![
            SeatData {
                member: None,
                state: Some("vacant".to_owned()),
                tooltip: Some("Vacant seat".to_owned()),
            };
            vacant
        ]);
    }
    let options = InlineOptions {
        id: Some(id.to_owned()),
        class: Some("hemicycle".to_owned()),
        label: Some(format!(
            "Seat chart: {} seats, one per member, in wedges by bloc; the legend explains the colours",
            members + vacant
        )),
        text: false,
        seats: seat_data,
    };
    match render_svg_element(&chart, &options) {
        Ok(svg) => svg,
        Err(error) => format!(
            "<p class=\"chart-error\">The seat chart cannot be drawn: {}</p>",
            escape(&error.to_string())
        ),
    }
}

/// The chart in its figure, with the bloc legend and the legend of seat states.
pub fn chart_figure(state: &State, snapshot: &LiveSnapshot, date: Date, id: &str) -> String {
    let division = match &snapshot.division {
        None => "none",
        Some(division) if division.open => "open",
        Some(_) => "closed",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<figure class=\"chart\" data-testid=\"seat-chart\" data-live=\"chart\" data-division=\"{division}\">"
    );
    out.push_str(&seat_chart(state, snapshot, date, id));
    out.push_str("\n<figcaption>\n");
    out.push_str(&bloc_legend(state, snapshot, date, id));
    out.push_str(&state_legend());
    out.push_str("</figcaption>\n</figure>\n");
    out
}

/// One line per bloc: its colour, its name, how many of its members are present.
fn bloc_legend(state: &State, snapshot: &LiveSnapshot, date: Date, chart_id: &str) -> String {
    let mut out = format!(
        "<ul class=\"legend blocs\" data-testid=\"bloc-legend\" data-chart=\"{}\">\n",
        escape(chart_id)
    );
    for (index, group) in members_by_bloc(state, date).iter().enumerate() {
        let colour = bloc_colour(group.bloc);
        let present = group
            .members
            .iter()
            .filter(|member| is_present_word(seat_of(snapshot, member.id.as_str())))
            .count();
        let full_name = group.bloc.map_or(NO_BLOC, |bloc| bloc.name.as_str());
        let _ = writeln!(
            out,
            "<li data-group=\"{index}\" title=\"{}\">{} {} <span class=\"legend-count\"><span data-live=\"group-present\">{present}</span> present of {}</span></li>",
            escape(full_name),
            swatch(colour, "present"),
            name(group.label()),
            group.members.len()
        );
    }
    out.push_str("</ul>\n");
    out
}

/// A small disc drawn as a seat in the given state (so the style sheet colours it alike).
fn swatch(colour: &str, state: &str) -> String {
    format!(
        "<svg class=\"swatch\" viewBox=\"0 0 12 12\" aria-hidden=\"true\"><circle class=\"seat\" data-state=\"{state}\" cx=\"6\" cy=\"6\" r=\"4.6\" fill=\"{colour}\" stroke=\"{colour}\" stroke-width=\"1.8\" color=\"{colour}\"/></svg>"
    )
}

/// The states a seat can show, in words: colours are never the only sign.
fn state_legend() -> String {
    let mut out = String::from("<ul class=\"legend states\" data-testid=\"state-legend\">\n");
    for (state, words) in [
        ("present", "present (bloc colour)"),
        ("absent", "absent (ring)"),
        ("boycotting", "boycotting (dashed ring)"),
        ("excused", "excused (dotted ring)"),
        ("pending", "present, not yet voted (pale)"),
        ("yes", "yes"),
        ("no", "no"),
        ("abstain", "abstain"),
        ("voted", "voted (secret ballot or election)"),
    ] {
        let _ = writeln!(
            out,
            "<li class=\"state-{state}\">{} {words}</li>",
            swatch("#757575", state)
        );
    }
    out.push_str("</ul>\n");
    out
}

/// The sitting in focus: title, kind, status, presence.
pub fn sitting_panel(snapshot: &LiveSnapshot, heading: &str) -> String {
    let mut out = String::new();
    match &snapshot.sitting {
        None => {
            out.push_str("<section class=\"panel sitting\" data-testid=\"sitting\">\n");
            let _ = writeln!(
                out,
                "<{heading} data-live=\"sitting-title\">No sitting yet</{heading}>"
            );
            out.push_str(
                "<p>No sitting has been convened. <span data-live=\"sitting-status\" data-testid=\"sitting-status\" data-status=\"none\">none</span></p>\n",
            );
        }
        Some(sitting) => {
            out.push_str("<section class=\"panel sitting\" data-testid=\"sitting\">\n");
            let _ = writeln!(
                out,
                "<{heading} class=\"sitting-title\"><bdi dir=\"auto\" data-live=\"sitting-title\">{}</bdi></{heading}>",
                escape(&sitting.title)
            );
            let _ = writeln!(
                out,
                "<p class=\"sitting-facts\">Sitting <span data-live=\"sitting-id\">{}</span> · <span data-live=\"sitting-kind\">{}</span> · \
                 <strong class=\"status\" data-live=\"sitting-status\" data-testid=\"sitting-status\" data-status=\"{}\">{}</strong></p>",
                escape(&sitting.id),
                sitting.kind,
                sitting.status,
                sitting.status
            );
            let _ = writeln!(
                out,
                "<p class=\"presence\"><strong data-live=\"present\" data-testid=\"present-count\">{}</strong> present of {} members ({} seats)</p>",
                sitting.present, sitting.members, sitting.seats
            );
        }
    }
    out.push_str("</section>\n");
    out
}

/// The quorum in words and as a gauge: present against required.
pub fn quorum_panel(snapshot: &LiveSnapshot) -> String {
    let sitting = snapshot.sitting.as_ref();
    let quorum = sitting.and_then(|sitting| sitting.quorum.as_ref());
    let seats = sitting.map_or(0, |sitting| sitting.seats).max(1);
    let (counted, required, met) = quorum.map_or((0, 0, false), |quorum| {
        (quorum.counted, quorum.required, quorum.met)
    });
    let verdict = quorum_verdict(counted, required, met);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<section class=\"panel quorum\" data-testid=\"quorum-gauge\" data-live=\"quorum\" data-met=\"{met}\"{}>",
        if quorum.is_some() { "" } else { " hidden" }
    );
    out.push_str("<h2>Quorum</h2>\n");
    let _ = writeln!(
        out,
        "<svg class=\"gauge\" data-live=\"gauge\" viewBox=\"0 0 {seats} 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">\
         <rect class=\"gauge-track\" x=\"0\" y=\"0\" width=\"{seats}\" height=\"10\"/>\
         <rect class=\"gauge-fill\" data-live=\"gauge-fill\" x=\"0\" y=\"0\" width=\"{}\" height=\"10\"/>\
         <line class=\"gauge-mark\" data-live=\"gauge-mark\" x1=\"{required}\" y1=\"0\" x2=\"{required}\" y2=\"10\" vector-effect=\"non-scaling-stroke\"/></svg>",
        counted.min(seats)
    );
    let _ = writeln!(
        out,
        "<p class=\"gauge-text\"><strong data-live=\"quorum-counted\" data-testid=\"quorum-counted\">{counted}</strong> present, \
         <strong data-live=\"quorum-required\" data-testid=\"quorum-required\">{required}</strong> required — \
         <strong class=\"verdict\" data-live=\"quorum-verdict\" data-testid=\"quorum-verdict\">{verdict}</strong></p>"
    );
    out.push_str("</section>\n");
    out
}

/// "met with 7 to spare", "met exactly", "not met, 3 short" (`live.js` says the same).
pub fn quorum_verdict(counted: u32, required: u32, met: bool) -> String {
    if met {
        match counted.saturating_sub(required) {
            0 => "quorum met exactly".to_owned(),
            spare => format!("quorum met, {spare} to spare"),
        }
    } else {
        format!("quorum not met, {} short", required.saturating_sub(counted))
    }
}

/// The boycotts declared for the sitting in focus.
pub fn boycott_panel(snapshot: &LiveSnapshot) -> String {
    let boycotts = snapshot
        .sitting
        .as_ref()
        .map(|sitting| sitting.boycotts.as_slice())
        .unwrap_or_default();
    let mut out = String::from("<section class=\"panel boycotts\">\n<h2>Boycotts declared</h2>\n");
    out.push_str("<ul class=\"boycott-list\" data-live=\"boycotts\" data-testid=\"boycotts\">\n");
    for bloc in boycotts {
        let _ = writeln!(out, "<li>{}</li>", name(bloc));
    }
    out.push_str("</ul>\n");
    let _ = writeln!(
        out,
        "<p class=\"none\" data-live=\"no-boycotts\"{}>None declared.</p>",
        if boycotts.is_empty() { "" } else { " hidden" }
    );
    out.push_str("</section>\n");
    out
}

/// The candidates of the division in focus, by id, with their names.
pub fn candidate_names(state: &State, division: &LiveDivision) -> Vec<(String, String)> {
    let from_state = hemicycle_core::ids::DivisionId::new(&division.id)
        .ok()
        .and_then(|id| state.divisions.get(&id))
        .map(|record| match &record.question {
            Question::Election { candidates, .. } => candidates
                .iter()
                .map(|candidate| (candidate.id.to_string(), candidate.name.clone()))
                .collect(),
            Question::Motion { .. } => Vec::new(),
        });
    from_state.unwrap_or_else(|| {
        division
            .tally
            .candidates
            .keys()
            .map(|id| (id.clone(), id.clone()))
            .collect()
    })
}

/// The division in focus: its question, method, status, timer, tally and outcome.
pub fn division_panel(state: &State, snapshot: &LiveSnapshot, me: Option<&str>) -> String {
    let division = snapshot.division.as_ref();
    let pending = snapshot
        .seats
        .values()
        .filter(|seat| **seat == SeatState::Pending)
        .count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<p class=\"no-division\"{}>No division has been held in this sitting yet.</p>",
        show_when(snapshot, me, "!division")
    );
    let _ = writeln!(
        out,
        "<section class=\"panel division\" data-live=\"division\" data-testid=\"division\" data-division-id=\"{}\"{}>",
        escape(division.map_or("", |division| division.id.as_str())),
        show_when(snapshot, me, "division")
    );
    out.push_str("<h2>Division</h2>\n");
    let title = division.map_or("", |division| division.title.as_str());
    let _ = writeln!(
        out,
        "<p class=\"division-title\"><bdi dir=\"auto\" data-live=\"division-title\" data-testid=\"division-title\">{}</bdi></p>",
        escape(title)
    );
    let method = division.map_or("recorded", |division| division.method);
    let status = match division {
        Some(division) if division.open => "open",
        Some(_) => "closed",
        None => "",
    };
    let closes_at = division
        .and_then(|division| division.closes_at.as_deref())
        .filter(|_| status == "open")
        .unwrap_or("");
    let _ = writeln!(
        out,
        "<p class=\"division-facts\"><span data-live=\"division-method\">{}</span> · <strong class=\"status\" data-live=\"division-status\" data-testid=\"division-status\" data-status=\"{status}\">{status}</strong> \
         <span class=\"timer\" data-live=\"division-timer\" data-testid=\"division-timer\" data-closes-at=\"{}\"></span></p>",
        method_in_words(method),
        escape(closes_at)
    );
    let tally = division.map(|division| &division.tally);
    out.push_str("<dl class=\"tally\" data-testid=\"tally\">\n");
    let _ = writeln!(
        out,
        "<div class=\"tally-yes\"{}><dt>Yes</dt><dd data-live=\"tally-yes\" data-testid=\"tally-yes\">{}</dd></div>",
        show_when(snapshot, me, "motion"),
        tally.map_or(0, |tally| tally.yes)
    );
    let _ = writeln!(
        out,
        "<div class=\"tally-no\"{}><dt>No</dt><dd data-live=\"tally-no\" data-testid=\"tally-no\">{}</dd></div>",
        show_when(snapshot, me, "motion"),
        tally.map_or(0, |tally| tally.no)
    );
    let _ = writeln!(
        out,
        "<div class=\"tally-abstain\"><dt>Abstain</dt><dd data-live=\"tally-abstain\" data-testid=\"tally-abstain\">{}</dd></div>",
        tally.map_or(0, |tally| tally.abstain)
    );
    let _ = writeln!(
        out,
        "<div class=\"tally-pending\"{}><dt>Not yet voted</dt><dd data-live=\"tally-pending\" data-testid=\"tally-pending\">{pending}</dd></div>",
        show_when(snapshot, me, "division-open !show_of_hands")
    );
    let _ = writeln!(
        out,
        "<div class=\"tally-taking-part\"><dt>Taking part</dt><dd data-live=\"tally-taking-part\" data-testid=\"tally-taking-part\">{}</dd></div>",
        division.map_or(0, |division| division.taking_part)
    );
    out.push_str("</dl>\n");
    let _ = writeln!(
        out,
        "<ol class=\"candidates\" data-live=\"tally-candidates\" data-testid=\"tally-candidates\"{}>",
        show_when(snapshot, me, "election")
    );
    if let Some(division) = division {
        for (id, candidate) in candidate_names(state, division) {
            let votes = division.tally.candidates.get(&id).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "<li data-candidate=\"{}\" data-name=\"{}\">{} <strong data-votes>{votes}</strong></li>",
                escape(&id),
                escape(&candidate),
                name(&candidate)
            );
        }
    }
    out.push_str("</ol>\n");
    let _ = writeln!(
        out,
        "<p class=\"counted-by-tellers\"{}>The count is entered by the tellers when the ballot ends.</p>",
        show_when(snapshot, me, "division-open !recorded")
    );
    let outcome = division.and_then(|division| division.outcome.as_ref());
    let _ = writeln!(
        out,
        "<div class=\"outcome\" data-testid=\"outcome\"{}>",
        show_when(snapshot, me, "division-closed")
    );
    let verdict = outcome.map_or("", |outcome| outcome.verdict.as_str());
    let _ = writeln!(
        out,
        "<p class=\"verdict\">Result: <strong data-live=\"outcome-verdict\" data-testid=\"outcome-verdict\" data-verdict=\"{}\">{}</strong></p>",
        escape(verdict),
        escape(verdict)
    );
    let _ = writeln!(
        out,
        "<p class=\"explanation\" data-live=\"outcome-explanation\" data-testid=\"outcome-explanation\">{}</p>",
        escape(outcome.map_or("", |outcome| outcome.explanation.as_str()))
    );
    out.push_str("</div>\n</section>\n");
    out
}

pub fn method_in_words(method: &str) -> &'static str {
    match method {
        "secret" => "secret ballot",
        "show_of_hands" => "show of hands",
        _ => "recorded division",
    }
}

/// The notices attached to the chamber's record and to the sitting (a
/// demonstration's "illustration, not a record" among them).
pub fn notices(state: &State, sitting: Option<&Sitting>) -> String {
    let mut out = String::new();
    let sitting_notices = sitting
        .map(|sitting| sitting.notices.as_slice())
        .unwrap_or_default();
    for notice in state.notices.iter().chain(sitting_notices) {
        let _ = writeln!(
            out,
            "<aside class=\"notice\" role=\"note\" data-testid=\"notice\"><strong>Notice:</strong> <span dir=\"auto\">{}</span></aside>",
            escape(notice)
        );
    }
    out
}
