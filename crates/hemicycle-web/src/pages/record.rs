//! The public record: the sittings, each sitting's attendance, proceedings and
//! divisions with their roll calls, and the follow-up register.

use std::fmt::Write as _;

use hemicycle_core::ids::SittingId;
use hemicycle_core::model::{
    Choice, DivisionMethod, Presence, Question, SittingKind, Sponsor, Timestamp,
};
use hemicycle_core::outcome::QuorumOccasion;
use hemicycle_core::state::{Division, FollowUp, Member, Proceeding, Sitting};
use hemicycle_core::State;

use super::html::{document, escape, name, Page, Scripts};
use super::widgets::{bloc_label, members_by_bloc, notices, BlocGroup};
use super::PageContext;

fn page(title: String, context: &PageContext, main: &str) -> String {
    document(
        &Page {
            title,
            context,
            kind: "record",
            scripts: Scripts::Forms,
            body_attributes: String::new(),
        },
        main,
    )
}

fn chamber_name(state: &State) -> &str {
    state
        .chamber
        .as_ref()
        .map_or("hemicycle", |chamber| chamber.name.as_str())
}

fn kind_word(kind: SittingKind) -> &'static str {
    match kind {
        SittingKind::Ordinary => "ordinary",
        SittingKind::Extraordinary => "extraordinary",
    }
}

fn time(at: &Timestamp) -> String {
    at.format("%H:%M").to_string()
}

/// `<time>` with the full moment for machines and the hour for people.
fn time_element(at: &Timestamp) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        escape(&at.to_rfc3339()),
        time(at)
    )
}

pub fn record_index(state: &State, context: &PageContext) -> String {
    let mut main = String::new();
    let _ = writeln!(
        main,
        "<header class=\"page-header\"><h1>The record</h1><p><bdi dir=\"auto\">{}</bdi></p></header>",
        escape(chamber_name(state))
    );
    main.push_str(&notices(state, None));
    if state.sittings.is_empty() {
        main.push_str("<p>No sitting has been convened yet.</p>\n");
    } else {
        main.push_str(
            "<div class=\"table-wrap\"><table class=\"sittings\" data-testid=\"sittings\">\n<thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Sitting</th>\
             <th scope=\"col\">Kind</th><th scope=\"col\">Status</th><th scope=\"col\">Present</th><th scope=\"col\">Divisions</th></tr></thead>\n<tbody>\n",
        );
        for sitting in state.sittings.values().rev() {
            let divisions = state
                .divisions
                .values()
                .filter(|division| division.sitting == sitting.id)
                .count();
            let id = escape(sitting.id.as_str());
            let _ = writeln!(
                main,
                "<tr data-sitting=\"{id}\"><td>{}</td><td><a href=\"/record/sittings/{id}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{divisions}</td></tr>",
                sitting.date(),
                name(&sitting.title),
                kind_word(sitting.kind),
                sitting.status.in_words(),
                sitting
                    .attendance
                    .values()
                    .filter(|attendance| attendance.first_checked_in_at.is_some())
                    .count()
            );
        }
        main.push_str("</tbody></table></div>\n");
    }
    main.push_str("<p><a href=\"/record/register\" data-testid=\"register-link\">The follow-up register</a>: resolutions addressed outside the chamber, and the answers.</p>\n");
    main.push_str(&downloads(None));
    page(
        format!("The record — {}", chamber_name(state)),
        context,
        &main,
    )
}

fn downloads(sitting: Option<&SittingId>) -> String {
    let mut out = String::from(
        "<section class=\"downloads\" data-testid=\"downloads\">\n<h2>Downloads</h2>\n<ul>\n",
    );
    if let Some(sitting) = sitting {
        let _ = writeln!(
            out,
            "<li><a href=\"/record/sittings/{0}/analysis\" data-testid=\"analysis-link\">What happened</a> — attendance, the quorum and who could have broken it, cohesion, voting power</li>\n\
             <li><a href=\"/api/export/akn/{0}.xml\">Akoma Ntoso XML</a> — this sitting as a debate document</li>",
            escape(sitting.as_str())
        );
    }
    out.push_str(
        "<li><a href=\"/api/export/popolo.json\">Popolo JSON</a> — the roster, motions and votes</li>\n\
         <li><a href=\"/api/log/checkpoint\">Signed checkpoint</a> — the journal's signed tree head, to check the record has not been altered</li>\n</ul>\n</section>\n",
    );
    out
}

pub fn record_sitting(
    state: &State,
    context: &PageContext,
    id: &SittingId,
    checkpoint: Option<&str>,
) -> Option<String> {
    let sitting = state.sittings.get(id)?;
    let mut main = String::new();
    let _ = writeln!(
        main,
        "<header class=\"page-header\"><p class=\"kicker\"><bdi dir=\"auto\">{}</bdi> · {} sitting {}</p><h1>{}</h1></header>",
        escape(chamber_name(state)),
        kind_word(sitting.kind),
        escape(sitting.id.as_str()),
        name(&sitting.title)
    );
    main.push_str(&notices(state, Some(sitting)));
    let _ = write!(
        main,
        "<p class=\"sitting-facts\">Convened for {}. Status: <strong data-testid=\"sitting-status\">{}</strong>.",
        sitting.scheduled_for.format("%Y-%m-%d %H:%M (UTC%:z)"),
        sitting.status.in_words()
    );
    if let Some(requested_by) = &sitting.requested_by {
        let _ = write!(main, " Requested by {}.", name(requested_by));
    }
    if let Some(presiding) = sitting
        .presiding_officer
        .as_ref()
        .and_then(|member| state.members.get(member))
    {
        let _ = write!(main, " Presiding: {}.", name(&presiding.name));
    }
    main.push_str("</p>\n");
    if !sitting.agenda.is_empty() {
        main.push_str("<section class=\"agenda\"><h2>Agenda</h2><ol>\n");
        for item in &sitting.agenda {
            let _ = writeln!(main, "<li>{}</li>", name(&item.title));
        }
        main.push_str("</ol></section>\n");
    }
    let groups = members_by_bloc(state, sitting.date());
    attendance(&mut main, state, sitting, &groups);
    proceedings(&mut main, state, sitting, &groups);
    follow_ups_decided_here(&mut main, state, sitting, context);
    main.push_str(&downloads(Some(&sitting.id)));
    checkpoint_section(&mut main, checkpoint);
    if !state.notices.is_empty() || !sitting.notices.is_empty() {
        main.push_str("<p class=\"notice-reminder\">This record carries the notice printed at its head.</p>\n");
    }
    Some(page(
        format!("{} — the record", sitting.title),
        context,
        &main,
    ))
}

/// The journal's current signed checkpoint, as published, so a reader can
/// keep it and later prove the record was not rewritten.
fn checkpoint_section(out: &mut String, checkpoint: Option<&str>) {
    out.push_str(
        "<section class=\"checkpoint\" data-testid=\"checkpoint\"><h2>The signed checkpoint</h2>\n",
    );
    match checkpoint {
        Some(note) => {
            let _ = writeln!(
                out,
                "<p>The journal as it stands, signed by the chamber (a C2SP signed note; the key is at <a href=\"/api/log/key\">/api/log/key</a>). \
                 Keep a copy: <code>hemicycle verify --witness FILE</code> proves later records consistent with it.</p>\n<pre>{}</pre>",
                escape(note)
            );
        }
        None => out.push_str("<p>No checkpoint has been signed yet.</p>\n"),
    }
    out.push_str("</section>\n");
}

fn presence_index(presence: Presence) -> usize {
    match presence {
        Presence::Present => 0,
        Presence::Absent => 1,
        Presence::Excused => 2,
        Presence::Boycotting => 3,
    }
}

const PRESENCES: [&str; 4] = ["present", "absent", "excused", "boycotting"];

fn name_list(members: &[&Member]) -> String {
    members
        .iter()
        .map(|member| name(&member.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn attendance(out: &mut String, state: &State, sitting: &Sitting, groups: &[BlocGroup<'_>]) {
    let size = state.size();
    let _ = writeln!(
        out,
        "<section class=\"attendance\" data-testid=\"attendance\">\n<h2>Attendance</h2>\n<p>{} seats, {} members.</p>\n\
         <div class=\"table-wrap\"><table data-testid=\"attendance-table\">\n<thead><tr><th scope=\"col\">Bloc</th><th scope=\"col\">Seats</th>\
         <th scope=\"col\">Present</th><th scope=\"col\">Absent</th><th scope=\"col\">Excused</th><th scope=\"col\">Boycotting</th></tr></thead>\n<tbody>",
        size.seats, size.members
    );
    let mut totals = [0usize; 5];
    let mut details = String::new();
    for group in groups {
        let mut by_presence: [Vec<&Member>; 4] = Default::default();
        for member in &group.members {
            by_presence[presence_index(state.presence(sitting, member))].push(member);
        }
        totals[0] += group.members.len();
        for (total, members) in totals[1..].iter_mut().zip(&by_presence) {
            *total += members.len();
        }
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            name(group.label()),
            group.members.len(),
            by_presence[0].len(),
            by_presence[1].len(),
            by_presence[2].len(),
            by_presence[3].len()
        );
        let _ = writeln!(
            details,
            "<details class=\"bloc-attendance\"><summary>{} — {} present of {}</summary>\n<dl>",
            name(group.label()),
            by_presence[0].len(),
            group.members.len()
        );
        for (word, members) in PRESENCES.iter().zip(&by_presence) {
            if !members.is_empty() {
                let _ = writeln!(
                    details,
                    "<dt>{word} ({})</dt><dd>{}</dd>",
                    members.len(),
                    name_list(members)
                );
            }
        }
        details.push_str("</dl></details>\n");
    }
    let _ = writeln!(
        out,
        "</tbody>\n<tfoot><tr><th scope=\"row\">Total</th><td>{}</td><td data-testid=\"attendance-present\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr></tfoot></table></div>",
        totals[0], totals[1], totals[2], totals[3], totals[4]
    );
    let vacant = size.seats.saturating_sub(size.members);
    if vacant > 0 {
        let _ = writeln!(out, "<p>Vacant seats: {vacant}.</p>");
    }
    out.push_str(&details);
    if !sitting.boycotts.is_empty() {
        out.push_str(
            "<h3>Boycotts declared</h3>\n<ul class=\"boycotts\" data-testid=\"boycotts\">\n",
        );
        for (bloc, statement) in &sitting.boycotts {
            let full_name = state
                .blocs
                .get(bloc)
                .map_or_else(|| bloc.to_string(), |bloc| bloc.name.clone());
            match statement {
                Some(statement) => {
                    let _ = writeln!(
                        out,
                        "<li>{}: <q dir=\"auto\">{}</q></li>",
                        name(&full_name),
                        escape(statement)
                    );
                }
                None => {
                    let _ = writeln!(out, "<li>{}</li>", name(&full_name));
                }
            }
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn proceedings(out: &mut String, state: &State, sitting: &Sitting, groups: &[BlocGroup<'_>]) {
    out.push_str(
        "<section class=\"proceedings\" data-testid=\"proceedings\">\n<h2>Proceedings</h2>\n",
    );
    if sitting.proceedings.is_empty() {
        out.push_str("<p>None yet.</p>\n</section>\n");
        return;
    }
    out.push_str("<ol class=\"timeline\">\n");
    for proceeding in &sitting.proceedings {
        match proceeding {
            Proceeding::Opened { at } => {
                let _ = writeln!(out, "<li>{} The sitting opened.</li>", time_element(at));
            }
            Proceeding::Suspended { at, reason } => {
                let _ = writeln!(
                    out,
                    "<li>{} The sitting was suspended: <span dir=\"auto\">{}</span>.</li>",
                    time_element(at),
                    escape(reason)
                );
            }
            Proceeding::Resumed { at } => {
                let _ = writeln!(out, "<li>{} The sitting resumed.</li>", time_element(at));
            }
            Proceeding::Closed { at, reason } => {
                let reason = reason
                    .as_ref()
                    .map(|reason| format!(": <span dir=\"auto\">{}</span>", escape(reason)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "<li>{} The sitting closed{reason}.</li>",
                    time_element(at)
                );
            }
            Proceeding::QuorumChecked { index } => {
                if let Some(check) = sitting.quorum_checks.get(*index) {
                    let occasion = match check.occasion {
                        QuorumOccasion::Opening => "at the opening",
                        QuorumOccasion::Division => "at a division",
                        QuorumOccasion::Request => "on request",
                    };
                    let _ = writeln!(
                        out,
                        "<li class=\"quorum-check\" data-testid=\"quorum-check\" data-met=\"{}\">{} Quorum checked {occasion}. {}</li>",
                        check.report.met,
                        time_element(&check.at),
                        escape(&check.report.sentence())
                    );
                }
            }
            Proceeding::BoycottDeclared { at, bloc } => {
                let _ = writeln!(
                    out,
                    "<li>{} {} declared a boycott of the sitting.</li>",
                    time_element(at),
                    name(&bloc_label(state, Some(bloc)))
                );
            }
            Proceeding::CommunicationRead { communication } => {
                if let Some(communication) = state.communications.get(communication) {
                    let on_behalf = communication
                        .on_behalf_of
                        .as_ref()
                        .map(|bloc| {
                            format!(" (on behalf of {})", name(&bloc_label(state, Some(bloc))))
                        })
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "<li class=\"communication\" data-testid=\"communication\">{} A communication was read into the record: from {}{on_behalf} — <q dir=\"auto\">{}</q>\
                         <blockquote dir=\"auto\">{}</blockquote></li>",
                        time_element(&communication.at),
                        name(&communication.from),
                        escape(&communication.subject),
                        escape(&communication.text)
                    );
                }
            }
            Proceeding::DivisionHeld { division } => {
                if let Some(division) = state.divisions.get(division) {
                    out.push_str("<li class=\"division-item\">\n");
                    division_record(out, state, sitting, division, groups);
                    out.push_str("</li>\n");
                }
            }
        }
    }
    out.push_str("</ol>\n</section>\n");
}

fn question_html(state: &State, division: &Division) -> String {
    match &division.question {
        Question::Motion { motion } => match state.motions.get(motion) {
            Some(motion) => {
                let sponsors: Vec<String> = motion
                    .sponsors
                    .iter()
                    .map(|sponsor| match sponsor {
                        Sponsor::Bloc(bloc) => name(&bloc_label(state, Some(bloc))),
                        Sponsor::Member(member) => name(
                            state
                                .members
                                .get(member)
                                .map_or(member.as_str(), |member| member.name.as_str()),
                        ),
                    })
                    .collect();
                format!(
                    "{} ({}, put forward by {})",
                    name(&motion.title),
                    escape(&motion.kind.in_words()),
                    sponsors.join(", ")
                )
            }
            None => escape(motion.as_str()),
        },
        Question::Election { office, candidates } => {
            let names: Vec<String> = candidates
                .iter()
                .map(|candidate| name(&candidate.name))
                .collect();
            format!(
                "Election: {}; candidates: {}",
                name(office),
                names.join(", ")
            )
        }
    }
}

fn choice_heading(division: &Division, choice: &Choice) -> String {
    match choice {
        Choice::Yes => "Yes".to_owned(),
        Choice::No => "No".to_owned(),
        Choice::Abstain => "Abstain".to_owned(),
        Choice::Candidate(candidate) => State::candidates(division)
            .iter()
            .find(|standing| &standing.id == candidate)
            .map_or_else(
                || escape(candidate.as_str()),
                |standing| name(&standing.name),
            ),
    }
}

fn division_record(
    out: &mut String,
    state: &State,
    sitting: &Sitting,
    division: &Division,
    groups: &[BlocGroup<'_>],
) {
    let id = escape(division.id.as_str());
    let _ = writeln!(
        out,
        "<section class=\"division-record\" id=\"division-{id}\" data-testid=\"division-record\" data-division=\"{id}\">\n\
         <h3>Division {id}: {}</h3>\n<p>{} A {} opened.",
        question_html(state, division),
        time_element(&division.opened_at),
        division.method.in_words()
    );
    if let Some(closes_at) = division.closes_at {
        let _ = write!(
            out,
            " Vote timer: closes at {}.",
            closes_at.format("%H:%M:%S")
        );
    }
    out.push_str("</p>\n");
    let Some(closed) = &division.closed else {
        let tally = division.tally();
        let _ = writeln!(
            out,
            "<p>Open: {} in favour, {} against, {} abstaining so far ({} taking part).</p>\n</section>",
            tally.yes,
            tally.no,
            tally.abstain,
            division.taking_part()
        );
        return;
    };
    match division.method {
        DivisionMethod::Recorded => roll_call(out, state, sitting, division, groups),
        DivisionMethod::Secret => participation(out, division, groups),
        DivisionMethod::ShowOfHands => {}
    }
    let outcome = &closed.outcome;
    let _ = writeln!(
        out,
        "<p class=\"tally-line\" data-testid=\"tally-line\">Tally: {}</p>",
        hemicycle_record::closed_tally_in_words(state, closed, |candidate| {
            choice_heading(division, &Choice::Candidate(candidate.clone()))
        })
    );
    let verdict = outcome.verdict.in_words();
    let _ = writeln!(
        out,
        "<p class=\"verdict\">{} Division closed. Result: <strong data-testid=\"outcome-verdict\" data-verdict=\"{}\">{}</strong></p>\n\
         <p class=\"explanation\" data-testid=\"outcome-explanation\">{}</p>\n\
         <p class=\"proof\"><a href=\"/api/log/receipt?sequence={sequence}\" data-testid=\"division-proof\">Proof of this result</a>: \
         journal event {sequence}, the signed checkpoint that includes it and the inclusion proof; \
         check it offline with <code>hemicycle verify-receipt FILE --key KEY</code>.</p>\n</section>",
        time_element(&closed.at),
        escape(&verdict),
        escape(&verdict.to_uppercase()),
        escape(&outcome.explanation()),
        sequence = closed.event_sequence
    );
}

/// Each bloc's ballots, and every member's, for a recorded division.
fn roll_call(
    out: &mut String,
    state: &State,
    sitting: &Sitting,
    division: &Division,
    groups: &[BlocGroup<'_>],
) {
    let Some(closed) = &division.closed else {
        return;
    };
    let choices: Vec<Choice> = match &division.question {
        Question::Motion { .. } => vec![Choice::Yes, Choice::No, Choice::Abstain],
        Question::Election { candidates, .. } => candidates
            .iter()
            .map(|candidate| Choice::Candidate(candidate.id.clone()))
            .chain([Choice::Abstain])
            .collect(),
    };
    out.push_str("<div class=\"table-wrap\"><table class=\"by-bloc\" data-testid=\"roll-call\">\n<thead><tr><th scope=\"col\">Bloc</th>");
    for choice in &choices {
        let _ = write!(
            out,
            "<th scope=\"col\">{}</th>",
            choice_heading(division, choice)
        );
    }
    out.push_str(
        "<th scope=\"col\">Did not vote</th><th scope=\"col\">Absent</th></tr></thead>\n<tbody>\n",
    );
    let mut lists = String::new();
    for group in groups {
        let mut by_choice: Vec<Vec<&Member>> = vec![Vec::new(); choices.len()];
        let mut not_voting = Vec::new();
        let mut absent = Vec::new();
        for member in &group.members {
            match division.ballots.get(&member.id) {
                Some(choice) => {
                    if let Some(index) = choices.iter().position(|listed| listed == choice) {
                        by_choice[index].push(member);
                    }
                }
                None if closed.present.contains(&member.id) => not_voting.push(*member),
                None => absent.push(*member),
            }
        }
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", name(group.label()));
        for members in &by_choice {
            let _ = write!(out, "<td>{}</td>", members.len());
        }
        let _ = writeln!(
            out,
            "<td>{}</td><td>{}</td></tr>",
            not_voting.len(),
            absent.len()
        );

        let _ = writeln!(
            lists,
            "<details class=\"bloc-roll\" data-testid=\"bloc-roll\"><summary>{}</summary>\n<dl>",
            name(group.label())
        );
        for (choice, members) in choices.iter().zip(&by_choice) {
            if !members.is_empty() {
                let _ = writeln!(
                    lists,
                    "<dt>{} ({})</dt><dd>{}</dd>",
                    choice_heading(division, choice),
                    members.len(),
                    name_list(members)
                );
            }
        }
        if !not_voting.is_empty() {
            let _ = writeln!(
                lists,
                "<dt>Present, did not vote ({})</dt><dd>{}</dd>",
                not_voting.len(),
                name_list(&not_voting)
            );
        }
        if !absent.is_empty() {
            let described: Vec<String> = absent
                .iter()
                .map(|member| {
                    let presence = state.presence(sitting, member);
                    match presence {
                        Presence::Absent | Presence::Present => name(&member.name),
                        other => format!("{} ({})", name(&member.name), other.in_words()),
                    }
                })
                .collect();
            let _ = writeln!(
                lists,
                "<dt>Absent ({})</dt><dd>{}</dd>",
                absent.len(),
                described.join(", ")
            );
        }
        lists.push_str("</dl></details>\n");
    }
    out.push_str("</tbody></table></div>\n<div class=\"roll-lists\">\n");
    out.push_str(&lists);
    out.push_str("</div>\n");
}

/// Who took part in a secret ballot, by bloc (how each voted is never recorded).
fn participation(out: &mut String, division: &Division, groups: &[BlocGroup<'_>]) {
    out.push_str("<div class=\"table-wrap\"><table class=\"by-bloc\" data-testid=\"participation\">\n<thead><tr><th scope=\"col\">Bloc</th><th scope=\"col\">Took part</th><th scope=\"col\">Did not</th></tr></thead>\n<tbody>\n");
    let mut lists = String::new();
    for group in groups {
        let took_part: Vec<&Member> = group
            .members
            .iter()
            .copied()
            .filter(|member| division.participants.contains(&member.id))
            .collect();
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
            name(group.label()),
            took_part.len(),
            group.members.len() - took_part.len()
        );
        if !took_part.is_empty() {
            let _ = writeln!(
                lists,
                "<details class=\"bloc-roll\"><summary>{} — took part</summary><p>{}</p></details>",
                name(group.label()),
                name_list(&took_part)
            );
        }
    }
    out.push_str("</tbody></table></div>\n");
    out.push_str(&lists);
}

fn follow_ups_decided_here(
    out: &mut String,
    state: &State,
    sitting: &Sitting,
    context: &PageContext,
) {
    let decided_here: Vec<&FollowUp> = hemicycle_record::follow_ups_decided_in(state, sitting);
    if decided_here.is_empty() {
        return;
    }
    out.push_str("<section class=\"register\"><h2>Follow-up</h2>\n");
    register_table(out, state, &decided_here, context);
    out.push_str("</section>\n");
}

fn register_table(
    out: &mut String,
    state: &State,
    follow_ups: &[&FollowUp],
    context: &PageContext,
) {
    out.push_str(
        "<div class=\"table-wrap\"><table class=\"register\" data-testid=\"register\">\n<thead><tr><th scope=\"col\">Motion</th><th scope=\"col\">Addressed to</th>\
         <th scope=\"col\">Adopted</th><th scope=\"col\">Sent</th><th scope=\"col\">Response due</th><th scope=\"col\">Status</th></tr></thead>\n<tbody>\n",
    );
    for follow_up in follow_ups {
        let title = state
            .motions
            .get(&follow_up.motion)
            .map_or(follow_up.motion.as_str(), |motion| motion.title.as_str());
        let sent = follow_up
            .sent
            .as_ref()
            .map(|(on, to)| format!("{on} to {}", name(to)))
            .unwrap_or_else(|| "—".to_owned());
        let view = follow_up.view_on(context.today);
        let overdue = matches!(view, hemicycle_core::state::FollowUpView::Overdue { .. });
        let mut status = escape(&view.in_words());
        if let Some((on, summary)) = &follow_up.response {
            let _ = write!(
                status,
                "<br>Response of {on}: <span dir=\"auto\">{}</span>",
                escape(summary)
            );
        }
        if let Some((_, on, note)) = &follow_up.conclusion {
            let _ = write!(
                status,
                "<br>Concluded {on}: <span dir=\"auto\">{}</span>",
                escape(note)
            );
        }
        let _ = writeln!(
            out,
            "<tr data-overdue=\"{overdue}\"><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td>{sent}</td><td>{}</td><td data-testid=\"follow-up-status\">{status}</td></tr>",
            name(title),
            escape(follow_up.motion.as_str()),
            name(&follow_up.addressed_to),
            follow_up.adopted_on,
            follow_up
                .response_due
                .map_or_else(|| "—".to_owned(), |due| due.to_string())
        );
    }
    out.push_str("</tbody></table></div>\n");
}

pub fn record_register(state: &State, context: &PageContext) -> String {
    let mut main = String::new();
    let _ = writeln!(
        main,
        "<header class=\"page-header\"><h1>Follow-up register</h1><p><bdi dir=\"auto\">{}</bdi> — as of {}</p></header>",
        escape(chamber_name(state)),
        context.today
    );
    main.push_str(&notices(state, None));
    main.push_str("<p>Resolutions the chamber adopted and addressed outside it, from adoption to the response and its conclusion.</p>\n");
    if state.follow_ups.is_empty() {
        main.push_str("<p data-testid=\"register-empty\">No resolution addressed outside the chamber yet.</p>\n");
    } else {
        let follow_ups: Vec<&FollowUp> = state.follow_ups.values().collect();
        register_table(&mut main, state, &follow_ups, context);
    }
    main.push_str("<p><a href=\"/record\">All sittings</a></p>\n");
    page(
        format!("Follow-up register — {}", chamber_name(state)),
        context,
        &main,
    )
}
