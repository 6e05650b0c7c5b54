//! The live consoles: a member's (check in, vote) and the presiding officer's
//! (run the sitting, the roll call, divisions, communications, the demo).
//!
//! Both follow the live stream (`live.js`) and send commands (`console.js`)
//! without reloading: the stream brings every change back, theirs included.

use std::fmt::Write as _;

use hemicycle_core::ids::{MemberId, SittingId};
use hemicycle_core::model::Choice;
use hemicycle_core::rules::TieRule;
use hemicycle_core::state::{MotionStatus, Sitting, SittingStatus};
use hemicycle_core::State;

use super::html::{document, escape, name, Page, Scripts, PAGE_ERROR};
use super::widgets::{
    bloc_label, boycott_panel, candidate_names, chart_figure, division_panel, grouping_date,
    is_present_word, members_by_bloc, notices, quorum_panel, seat_of, show_when, sitting_panel,
    state_in_words,
};
use super::PageContext;
use crate::live::LiveSnapshot;

/// The sitting the snapshot follows, from the state.
fn focus_sitting<'a>(state: &'a State, snapshot: &LiveSnapshot) -> Option<&'a Sitting> {
    snapshot
        .sitting
        .as_ref()
        .and_then(|sitting| SittingId::new(&sitting.id).ok())
        .and_then(|id| state.sittings.get(&id))
}

/// A hidden input holding the id of the sitting in focus, kept current by `live.js`.
fn sitting_input(snapshot: &LiveSnapshot) -> String {
    format!(
        "<input type=\"hidden\" name=\"sitting\" data-live-value=\"sitting-id\" value=\"{}\">",
        escape(
            snapshot
                .sitting
                .as_ref()
                .map_or("", |sitting| sitting.id.as_str())
        )
    )
}

/// A hidden input holding the id of the division in focus, kept current by `live.js`.
fn division_input(snapshot: &LiveSnapshot) -> String {
    format!(
        "<input type=\"hidden\" name=\"division\" data-live-value=\"division-id\" value=\"{}\">",
        escape(
            snapshot
                .division
                .as_ref()
                .map_or("", |division| division.id.as_str())
        )
    )
}

/// The smallest N such that no existing id is `prefix` followed by N or more.
fn next_index<'a>(existing: impl Iterator<Item = &'a str>, prefix: &str) -> u64 {
    existing
        .filter_map(|id| id.strip_prefix(prefix)?.parse::<u64>().ok())
        .max()
        .map_or(1, |highest| highest + 1)
}

/// A prefix for new identifiers of things in a sitting (`div-2020-01-05-`),
/// short enough to leave room for a number within the 64-byte limit.
fn id_prefix(kind: &str, sitting: &str) -> String {
    let mut sitting = sitting.to_owned();
    sitting.truncate(64 - kind.len() - 2 - 8);
    format!("{kind}-{sitting}-")
}

/// What a member's own ballot is, in words, from their seat state.
fn ballot_in_words(state: &State, snapshot: &LiveSnapshot, member: &MemberId) -> String {
    let seat = seat_of(snapshot, member.as_str());
    match seat {
        "yes" => "Yes".to_owned(),
        "no" => "No".to_owned(),
        "abstain" => "Abstain".to_owned(),
        "voted" => {
            // In an election, the member may see their own choice.
            let candidate = snapshot
                .division
                .as_ref()
                .and_then(|division| hemicycle_core::ids::DivisionId::new(&division.id).ok())
                .and_then(|id| state.divisions.get(&id))
                .and_then(|division| match division.ballots.get(member) {
                    Some(Choice::Candidate(candidate)) => State::candidates(division)
                        .iter()
                        .find(|standing| &standing.id == candidate)
                        .map(|standing| standing.name.clone()),
                    _ => None,
                });
            match candidate {
                Some(candidate) => format!("Voted for {candidate}"),
                None => "Voted".to_owned(),
            }
        }
        "pending" => "Not yet voted".to_owned(),
        _ if snapshot.division.is_some() => "Not voting".to_owned(),
        _ => "—".to_owned(),
    }
}

/// The sentence under the vote buttons (`live.js` writes the same ones).
fn ballot_note(snapshot: &LiveSnapshot, seat: &str) -> (&'static str, bool) {
    let Some(division) = snapshot.division.as_ref().filter(|division| division.open) else {
        return ("No division is open.", false);
    };
    let voted = matches!(seat, "yes" | "no" | "abstain" | "voted");
    match (voted, division.ballot_changes_allowed) {
        (true, false) => (
            "Your ballot is recorded. The standing orders do not allow it to be changed.",
            true,
        ),
        (true, true) => (
            "Your ballot is recorded. You may change it until the division closes.",
            false,
        ),
        (false, _) if division.method == "show_of_hands" => (
            "This vote is by show of hands: raise your hand; the clerk enters the count.",
            false,
        ),
        (false, _) if division.method == "secret" => (
            "Cast your secret ballot, then record that you took part.",
            false,
        ),
        (false, _) if !is_present_word(seat) => ("Check in to vote.", false),
        (false, _) => ("Choose your ballot.", false),
    }
}

pub fn member_console(
    state: &State,
    snapshot: &LiveSnapshot,
    context: &PageContext,
    member: &MemberId,
) -> String {
    let page = |title: String, main: &str| {
        document(
            &Page {
                title,
                context,
                kind: "member",
                scripts: Scripts::Live,
                body_attributes: format!(
                    " data-member=\"{}\" data-state=\"{}\"",
                    escape(member.as_str()),
                    seat_of(snapshot, member.as_str())
                ),
            },
            main,
        )
    };
    let Some(record) = state.members.get(member) else {
        let main = format!(
            "<section class=\"message\"><h1>No such member</h1><p>The account is for member {}, who is not on the roll.</p></section>\n",
            escape(member.as_str())
        );
        return page("Member console".to_owned(), &main);
    };
    let me = Some(member.as_str());
    let seat = seat_of(snapshot, member.as_str());
    let sitting = focus_sitting(state, snapshot);
    let mut main = String::new();

    let bloc = bloc_label(state, record.current_bloc());
    let _ = writeln!(
        main,
        "<header class=\"page-header member-header\"><h1 data-testid=\"member-name\">{}</h1>\
         <p>{}{}</p>\
         <p class=\"connection\" data-live=\"connection\" data-testid=\"connection\" aria-live=\"polite\">Connecting to the live record…</p></header>",
        name(&record.name),
        name(&bloc),
        record
            .constituency
            .as_deref()
            .map(|constituency| format!(" · {}", name(constituency)))
            .unwrap_or_default()
    );
    if record.departed.is_some() {
        main.push_str("<p class=\"notice\" role=\"note\">You no longer hold a seat.</p>\n");
    }
    main.push_str(PAGE_ERROR);
    // On a phone, the vote comes first; the notices last.
    main.push_str("<div class=\"console-layout member-layout\">\n<div class=\"column\">\n");

    // Attendance.
    let mut attendance = String::new();
    let member_input = format!(
        "<input type=\"hidden\" name=\"member\" value=\"{}\">",
        escape(member.as_str())
    );
    attendance.push_str("<section class=\"panel attendance\" data-testid=\"attendance\">\n<h2>Your attendance</h2>\n");
    let _ = writeln!(
        attendance,
        "<p>You are <strong data-presence-of=\"{}\" data-testid=\"my-presence\">{}</strong>.</p>",
        escape(member.as_str()),
        if is_present_word(seat) {
            "present"
        } else {
            state_in_words(seat)
        }
    );
    let _ = writeln!(
        attendance,
        "<form class=\"attendance-form\" data-command=\"check_in\" data-then=\"done\"{}>{}{}\
         <button type=\"submit\" class=\"big\" data-testid=\"check-in\">Check in</button></form>",
        show_when(snapshot, me, "sitting !sitting-closed !me-present"),
        sitting_input(snapshot),
        member_input
    );
    let _ = writeln!(
        attendance,
        "<form class=\"attendance-form\" data-command=\"check_out\" data-then=\"done\"{}>{}{}\
         <button type=\"submit\" class=\"big secondary\" data-testid=\"check-out\">Check out</button></form>",
        show_when(snapshot, me, "sitting !sitting-closed me-present"),
        sitting_input(snapshot),
        member_input
    );
    attendance.push_str("</section>\n");

    // The vote.
    let (note, locked) = ballot_note(snapshot, seat);
    let division_open = snapshot
        .division
        .as_ref()
        .is_some_and(|division| division.open);
    let buttons_disabled = !division_open || locked;
    main.push_str("<section class=\"panel vote\" data-testid=\"vote-panel\" aria-live=\"polite\">\n<h2>Your vote</h2>\n");
    let _ = writeln!(
        main,
        "<p class=\"receipt\"{}><a href=\"/api/log/receipt?member={}\" data-testid=\"receipt\">Download the receipt of your ballot</a> \
         — proof, checkable offline, that the record holds it as you cast it (available once the division closes and a checkpoint is signed).</p>",
        show_when(snapshot, me, "me-voted recorded"),
        escape(member.as_str())
    );
    let _ = writeln!(
        main,
        "<p class=\"my-ballot\">Your ballot: <strong data-live=\"my-ballot\" data-testid=\"my-ballot\">{}</strong></p>",
        escape(&ballot_in_words(state, snapshot, member))
    );
    let _ = writeln!(
        main,
        "<p class=\"ballot-note\" data-live=\"ballot-note\" data-testid=\"ballot-note\" data-locked=\"{locked}\">{note}</p>"
    );
    let disabled = |choice: &str| {
        if buttons_disabled || seat == choice {
            " disabled"
        } else {
            ""
        }
    };
    let pressed = |choice: &str| seat == choice;
    let _ = writeln!(
        main,
        "<form class=\"vote-buttons\" data-command=\"cast_ballot\" data-then=\"done\" data-testid=\"vote-form\"{}>{}{}",
        show_when(snapshot, me, "division-open recorded motion"),
        division_input(snapshot),
        member_input
    );
    for (choice, label) in [("yes", "Yes"), ("no", "No"), ("abstain", "Abstain")] {
        let _ = writeln!(
            main,
            "<button type=\"submit\" name=\"choice\" value=\"{choice}\" class=\"vote vote-{choice}\" data-vote=\"{choice}\" data-testid=\"vote-{choice}\" aria-pressed=\"{}\"{}>{label}</button>",
            pressed(choice),
            disabled(choice)
        );
    }
    main.push_str("</form>\n");
    let _ = writeln!(
        main,
        "<form class=\"vote-buttons candidates\" data-command=\"cast_ballot\" data-then=\"done\" data-testid=\"election-form\"{}>{}{}\
         <div class=\"candidate-buttons\" data-live=\"candidate-buttons\" data-division-id=\"{}\">",
        show_when(snapshot, me, "division-open recorded election"),
        division_input(snapshot),
        member_input,
        escape(snapshot.division.as_ref().map_or("", |division| division.id.as_str()))
    );
    if let Some(division) = snapshot
        .division
        .as_ref()
        .filter(|division| division.motion.is_none())
    {
        for (id, candidate) in candidate_names(state, division) {
            let _ = writeln!(
                main,
                "<button type=\"submit\" name=\"choice\" value=\"{}\" data-type=\"json\" class=\"vote vote-candidate\" data-vote=\"candidate\" data-testid=\"vote-candidate\"{}>{}</button>",
                escape(&format!("{{\"candidate\":\"{id}\"}}")),
                if buttons_disabled { " disabled" } else { "" },
                name(&candidate)
            );
        }
    }
    main.push_str("</div>\n");
    let _ = writeln!(
        main,
        "<button type=\"submit\" name=\"choice\" value=\"abstain\" class=\"vote vote-abstain\" data-vote=\"abstain\" data-testid=\"vote-blank\"{}>Abstain (blank ballot)</button></form>",
        if buttons_disabled { " disabled" } else { "" }
    );
    let _ = writeln!(
        main,
        "<form class=\"vote-buttons\" data-command=\"record_participation\" data-then=\"done\" data-testid=\"participation-form\"{}>{}{}\
         <button type=\"submit\" class=\"vote vote-voted\" data-vote=\"voted\" data-testid=\"take-part\"{}>I have cast my secret ballot</button></form>",
        show_when(snapshot, me, "division-open secret"),
        division_input(snapshot),
        member_input,
        if buttons_disabled || seat == "voted" { " disabled" } else { "" }
    );
    main.push_str("</section>\n");
    main.push_str(&attendance);
    main.push_str("</div>\n<div class=\"column\">\n");
    main.push_str(&division_panel(state, snapshot, me));
    main.push_str(&sitting_panel(snapshot, "h2"));
    main.push_str(&quorum_panel(snapshot));
    main.push_str("</div>\n</div>\n");
    main.push_str(&notices(state, sitting));
    page(format!("{} — member console", record.name), &main)
}

pub fn officer_console(state: &State, snapshot: &LiveSnapshot, context: &PageContext) -> String {
    let sitting = focus_sitting(state, snapshot);
    let date = grouping_date(state, snapshot, context.today);
    let mut main = String::new();
    main.push_str(
        "<header class=\"page-header\"><h1>Presiding officer’s console</h1>\
         <p class=\"connection\" data-live=\"connection\" data-testid=\"connection\" aria-live=\"polite\">Connecting to the live record…</p></header>\n",
    );
    main.push_str(&notices(state, sitting));
    main.push_str(PAGE_ERROR);
    main.push_str("<div class=\"console-layout officer-layout\">\n<div class=\"column\">\n");
    main.push_str(&sitting_panel(snapshot, "h2"));
    if context.demo {
        main.push_str(&demo_box());
    }
    main.push_str(&sittings_panel(state, snapshot));
    if let Some(sitting) = sitting {
        main.push_str(&agenda_panel(state, sitting));
    }
    main.push_str(&quorum_panel(snapshot));
    let _ = writeln!(
        main,
        "<form class=\"inline-form\" data-command=\"check_quorum\" data-then=\"done\"{}>{}\
         <button type=\"submit\" data-testid=\"check-quorum\">Check the quorum</button></form>",
        show_when(snapshot, None, "sitting-live"),
        sitting_input(snapshot)
    );
    main.push_str(&boycott_panel(snapshot));
    main.push_str(&communication_form(state, snapshot));
    main.push_str("</div>\n<div class=\"column\">\n");
    main.push_str(&division_panel(state, snapshot, None));
    main.push_str(&close_division_form(state, snapshot));
    main.push_str(&open_division_forms(state, snapshot, sitting));
    main.push_str(&chart_figure(state, snapshot, date, "chart"));
    main.push_str(&roll(state, snapshot, date));
    main.push_str("</div>\n</div>\n");
    document(
        &Page {
            title: "Presiding officer’s console".to_owned(),
            context,
            kind: "officer",
            scripts: Scripts::Live,
            body_attributes: String::new(),
        },
        &main,
    )
}

fn demo_box() -> String {
    String::from(
        "<section class=\"panel demo\" data-testid=\"demo\">\n<h2>Demo</h2>\n\
         <p>Replay the extraordinary sitting of 5 January 2020 step by step, or let it run; \
         every page follows it live.</p>\n\
         <p class=\"demo-status\" data-demo-status data-testid=\"demo-status\" aria-live=\"polite\">…</p>\n\
         <div class=\"button-row\">\
         <form data-api=\"/api/demo/replay-step\" data-then=\"demo-status\"><button type=\"submit\" data-testid=\"demo-step\">Replay next step</button></form>\
         <form data-api=\"/api/demo/replay\" data-body=\"{&quot;interval_ms&quot;:1500}\" data-then=\"demo-status\"><button type=\"submit\" data-testid=\"demo-replay\">Replay the rest of the sitting</button></form>\
         </div>\n</section>\n",
    )
}

/// The sittings not yet closed, with the chair's buttons. The sitting in focus
/// has all of them, shown by its live status; the others follow their status here.
fn sittings_panel(state: &State, snapshot: &LiveSnapshot) -> String {
    let focus = snapshot.sitting.as_ref().map(|sitting| sitting.id.as_str());
    let mut out = String::from(
        "<section class=\"panel sittings\" data-testid=\"sittings\">\n<h2>Sittings</h2>\n",
    );
    let mut listed = 0;
    for sitting in state.sittings.values() {
        let in_focus = focus == Some(sitting.id.as_str());
        if sitting.status == SittingStatus::Closed && !in_focus {
            continue;
        }
        listed += 1;
        let id = escape(sitting.id.as_str());
        let _ = writeln!(
            out,
            "<article class=\"sitting-item\" data-sitting=\"{id}\">\n<h3>{}</h3>\n<p>{id} · {} · scheduled for {} · <strong data-testid=\"sitting-item-status\"{}>{}</strong></p>",
            name(&sitting.title),
            match sitting.kind {
                hemicycle_core::model::SittingKind::Ordinary => "ordinary",
                hemicycle_core::model::SittingKind::Extraordinary => "extraordinary",
            },
            sitting.scheduled_for.format("%Y-%m-%d %H:%M"),
            if in_focus { " data-live=\"sitting-status\"" } else { "" },
            sitting.status.in_words()
        );
        let shown = |condition: &str, statuses: &[SittingStatus]| {
            if in_focus {
                show_when(snapshot, None, condition)
            } else if statuses.contains(&sitting.status) {
                String::new()
            } else {
                " hidden".to_owned()
            }
        };
        let hidden_sitting = format!("<input type=\"hidden\" name=\"sitting\" value=\"{id}\">");
        out.push_str("<div class=\"button-row\">\n");
        let _ = writeln!(
            out,
            "<form data-command=\"open_sitting\" data-then=\"done\"{}>{hidden_sitting}<button type=\"submit\" data-testid=\"open-sitting\">Open the sitting</button></form>",
            shown("sitting-convened", &[SittingStatus::Convened])
        );
        let _ = writeln!(
            out,
            "<form data-command=\"resume_sitting\" data-then=\"done\"{}>{hidden_sitting}<button type=\"submit\" data-testid=\"resume-sitting\">Resume</button></form>",
            shown("sitting-suspended", &[SittingStatus::Suspended])
        );
        let _ = writeln!(
            out,
            "<form data-command=\"suspend_sitting\" data-then=\"done\"{}>{hidden_sitting}\
             <label>Reason <input name=\"reason\" required maxlength=\"200\" placeholder=\"e.g. no quorum\"></label>\
             <button type=\"submit\" data-testid=\"suspend-sitting\">Suspend</button></form>",
            shown("sitting-open", &[SittingStatus::Open])
        );
        let _ = writeln!(
            out,
            "<form data-command=\"close_sitting\" data-then=\"done\" data-confirm=\"Close the sitting? It cannot be reopened.\"{}>{hidden_sitting}\
             <label>Reason (optional) <input name=\"reason\" maxlength=\"200\"></label>\
             <button type=\"submit\" class=\"danger\" data-testid=\"close-sitting\">Close the sitting</button></form>",
            shown("sitting-live", &[SittingStatus::Open, SittingStatus::Suspended])
        );
        out.push_str("</div>\n</article>\n");
    }
    if listed == 0 {
        out.push_str(
            "<p>No sitting is convened. The clerk convenes sittings from the clerk’s desk.</p>\n",
        );
    }
    out.push_str("</section>\n");
    out
}

fn motion_status_words(status: MotionStatus) -> &'static str {
    match status {
        MotionStatus::Tabled => "tabled",
        MotionStatus::Adopted => "adopted",
        MotionStatus::Rejected => "rejected",
        MotionStatus::Withdrawn => "withdrawn",
    }
}

fn agenda_panel(state: &State, sitting: &Sitting) -> String {
    let mut out =
        String::from("<section class=\"panel agenda\" data-testid=\"agenda\">\n<h2>Agenda</h2>\n");
    if sitting.agenda.is_empty() {
        out.push_str("<p>The agenda is empty.</p>\n");
    } else {
        out.push_str("<ol>\n");
        for item in &sitting.agenda {
            let status = item
                .motion
                .as_ref()
                .and_then(|motion| state.motions.get(motion))
                .map(|motion| {
                    format!(
                        " <span class=\"tag\">{}</span>",
                        motion_status_words(motion.status)
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(out, "<li>{}{status}</li>", name(&item.title));
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</section>\n");
    out
}

fn close_division_form(state: &State, snapshot: &LiveSnapshot) -> String {
    let casting_vote = state
        .chamber
        .as_ref()
        .is_some_and(|chamber| chamber.standing_orders.voting.tie == TieRule::CastingVote);
    let mut out = format!(
        "<form class=\"panel close-division\" data-command=\"close_division\" data-then=\"done\" data-testid=\"close-division\" \
         {}>{}\n",
        show_when(snapshot, None, "division-open"),
        division_input(snapshot)
    );
    if casting_vote {
        out.push_str(
            "<label>Casting vote, if the votes are tied <select name=\"casting_vote\" data-testid=\"casting-vote\">\
             <option value=\"\">none</option><option value=\"yes\">yes</option><option value=\"no\">no</option></select></label>\n",
        );
    }
    out.push_str("<button type=\"submit\" class=\"big\" data-testid=\"close-division-button\">Close the division and declare the result</button>\n</form>\n");
    out
}

fn method_choice(prefix: &str) -> String {
    let mut out = String::from("<fieldset class=\"methods\"><legend>Method</legend>\n");
    for (value, label) in [
        ("recorded", "recorded (each ballot by name)"),
        ("secret", "secret ballot"),
        ("show_of_hands", "show of hands"),
    ] {
        let _ = writeln!(
            out,
            "<label><input type=\"radio\" name=\"method\" value=\"{value}\" data-testid=\"{prefix}-method-{value}\"{}> {label}</label>",
            if value == "recorded" { " checked" } else { "" }
        );
    }
    out.push_str("</fieldset>\n");
    out
}

fn open_division_forms(
    state: &State,
    snapshot: &LiveSnapshot,
    sitting: Option<&Sitting>,
) -> String {
    let Some(sitting) = sitting else {
        return String::new();
    };
    let prefix = id_prefix("div", sitting.id.as_str());
    let next = next_index(state.divisions.keys().map(|id| id.as_str()), &prefix);
    let division_id = format!(
        "<input type=\"hidden\" name=\"division\" data-id-prefix=\"{}\" data-next=\"{next}\">",
        escape(&prefix)
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<form class=\"panel open-division\" data-command=\"open_division\" data-then=\"done\" data-testid=\"open-division\"{}>\n<h2>Open a division</h2>\n{division_id}{}\
         <input type=\"hidden\" name=\"question.kind\" value=\"motion\">",
        show_when(snapshot, None, "sitting-live !division-open"),
        sitting_input(snapshot)
    );
    out.push_str("<label>Motion <select name=\"question.motion\" required data-testid=\"division-motion\">\n");
    let on_agenda: Vec<_> = sitting
        .agenda
        .iter()
        .filter_map(|item| item.motion.as_ref())
        .filter_map(|motion| state.motions.get(motion))
        .collect();
    let mut any = false;
    if !on_agenda.is_empty() {
        out.push_str("<optgroup label=\"On the agenda\">\n");
        for motion in &on_agenda {
            any = true;
            let _ = writeln!(
                out,
                "<option value=\"{}\">{} ({})</option>",
                escape(motion.id.as_str()),
                escape(&motion.title),
                motion_status_words(motion.status)
            );
        }
        out.push_str("</optgroup>\n");
    }
    let others: Vec<_> = state
        .motions
        .values()
        .filter(|motion| motion.status == MotionStatus::Tabled)
        .filter(|motion| !on_agenda.iter().any(|listed| listed.id == motion.id))
        .collect();
    if !others.is_empty() {
        out.push_str("<optgroup label=\"Other tabled motions\">\n");
        for motion in others {
            any = true;
            let _ = writeln!(
                out,
                "<option value=\"{}\">{}</option>",
                escape(motion.id.as_str()),
                escape(&motion.title)
            );
        }
        out.push_str("</optgroup>\n");
    }
    out.push_str("</select></label>\n");
    if !any {
        out.push_str("<p>No motion is tabled; the clerk tables motions.</p>\n");
    }
    out.push_str(&method_choice("motion"));
    out.push_str("<button type=\"submit\" class=\"big\" data-testid=\"open-division-button\">Open the division</button>\n</form>\n");

    // An election between candidates, under a decision rule made for elections.
    let elections: Vec<_> = state
        .chamber
        .as_ref()
        .map(|chamber| {
            chamber
                .standing_orders
                .decisions
                .iter()
                .filter(|(_, rule)| rule.election)
                .map(|(id, rule)| (id.to_string(), rule.describe(&state.size())))
                .collect()
        })
        .unwrap_or_default();
    if !elections.is_empty() {
        let _ = writeln!(
            out,
            "<details class=\"panel election\"{}><summary>Hold an election</summary>\n\
             <form data-command=\"open_division\" data-then=\"done\" data-testid=\"open-election\">{division_id}{}\
             <input type=\"hidden\" name=\"question.kind\" value=\"election\">\n\
             <label>Office <input name=\"question.office\" required maxlength=\"200\" placeholder=\"President of the Republic\"></label>\n\
             <label>Candidates, one a line: an identifier, a space, the name \
             <textarea name=\"question.candidates\" data-type=\"candidates\" required rows=\"4\" placeholder=\"salih Barham Salih\"></textarea></label>",
            show_when(snapshot, None, "sitting-live !division-open"),
            sitting_input(snapshot)
        );
        out.push_str("<label>Decision rule <select name=\"decision\" required>\n");
        for (id, description) in elections {
            let _ = writeln!(
                out,
                "<option value=\"{}\">{} — {}</option>",
                escape(&id),
                escape(&id),
                escape(&description)
            );
        }
        out.push_str("</select></label>\n");
        out.push_str(&method_choice("election"));
        out.push_str("<button type=\"submit\">Open the election</button>\n</form>\n</details>\n");
    }
    out
}

fn communication_form(state: &State, snapshot: &LiveSnapshot) -> String {
    let Some(sitting) = &snapshot.sitting else {
        return String::new();
    };
    let prefix = id_prefix("com", &sitting.id);
    let next = next_index(state.communications.keys().map(|id| id.as_str()), &prefix);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<form class=\"panel communication\" data-command=\"read_communication\" data-then=\"done\" data-testid=\"read-communication\"{}>\n\
         <h2>Read a communication into the record</h2>\n\
         <input type=\"hidden\" name=\"communication\" data-id-prefix=\"{}\" data-next=\"{next}\">{}\n\
         <label>From <input name=\"from\" required maxlength=\"200\" dir=\"auto\"></label>\n\
         <label>On behalf of <select name=\"on_behalf_of\"><option value=\"\">no bloc</option>",
        show_when(snapshot, None, "sitting-live"),
        escape(&prefix),
        sitting_input(snapshot)
    );
    for bloc in state.blocs.values() {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            escape(bloc.id.as_str()),
            escape(bloc.label())
        );
    }
    out.push_str(
        "</select></label>\n<label>Subject <input name=\"subject\" required maxlength=\"200\" dir=\"auto\"></label>\n\
         <label>Text <textarea name=\"text\" required rows=\"4\" dir=\"auto\"></textarea></label>\n\
         <button type=\"submit\">Read into the record</button>\n</form>\n",
    );
    out
}

/// Every member, by bloc, with their attendance and a button for the roll call.
fn roll(state: &State, snapshot: &LiveSnapshot, date: hemicycle_core::model::Date) -> String {
    let mut out =
        String::from("<section class=\"panel roll\" data-testid=\"roll\">\n<h2>The roll</h2>\n");
    if snapshot.sitting.is_none() {
        out.push_str("<p>No sitting to call the roll for.</p>\n</section>\n");
        return out;
    }
    let sitting = sitting_input(snapshot);
    for group in members_by_bloc(state, date) {
        let present = group
            .members
            .iter()
            .filter(|member| is_present_word(seat_of(snapshot, member.id.as_str())))
            .count();
        let _ = writeln!(
            out,
            "<details class=\"roll-bloc\"><summary>{} — <span data-live=\"roll-present\">{present}</span> present of {}</summary>\n<ul>",
            name(group.label()),
            group.members.len()
        );
        for member in &group.members {
            let id = escape(member.id.as_str());
            let seat = seat_of(snapshot, member.id.as_str());
            let _ = writeln!(
                out,
                "<li class=\"roll-member\" data-member=\"{id}\" data-state=\"{seat}\">{} \
                 <span class=\"state-word\" data-state-of=\"{id}\">{}</span>\
                 <form class=\"roll-form\" data-command=\"check_in\" data-then=\"done\">{sitting}<input type=\"hidden\" name=\"member\" value=\"{id}\">\
                 <button type=\"submit\" class=\"if-absent\">Check in</button>\
                 <button type=\"submit\" class=\"if-present secondary\" data-command=\"check_out\">Check out</button></form></li>",
                name(&member.name),
                state_in_words(seat)
            );
        }
        out.push_str("</ul>\n</details>\n");
    }
    out.push_str("</section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hemicycle_core::model::Question;

    #[test]
    fn new_identifiers_follow_the_highest_number() {
        let ids = ["div-s1-1", "div-s1-7", "div-s2-9", "div-s1-x"];
        assert_eq!(next_index(ids.into_iter(), "div-s1-"), 8);
        assert_eq!(next_index(ids.into_iter(), "div-s3-"), 1);
        let long = "a".repeat(64);
        let prefix = id_prefix("div", &long);
        assert!(prefix.len() + 8 <= 64, "{prefix}");
        assert!(hemicycle_core::ids::DivisionId::new(format!("{prefix}12345678")).is_ok());
    }

    #[test]
    fn question_kinds_are_spelled_as_the_core_reads_them() {
        // The forms send `question.kind` = "motion" / "election"; check the spelling.
        let question: Question = serde_json::from_str(r#"{"kind":"motion","motion":"m"}"#).unwrap();
        assert!(matches!(question, Question::Motion { .. }));
        let question: Question = serde_json::from_str(
            r#"{"kind":"election","office":"President","candidates":[{"id":"a","name":"A"}]}"#,
        )
        .unwrap();
        assert!(matches!(question, Question::Election { .. }));
    }
}
