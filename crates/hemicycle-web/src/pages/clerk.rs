//! The clerk's desk: the roster, blocs and memberships, motions, sittings,
//! communications, the follow-up register and the accounts. Every form sends one
//! command (or account request) and the page reloads after it is recorded.

use std::fmt::Write as _;

use hemicycle_core::model::{BlocKind, DivisionMethod, FollowUpStatus, Question, Sponsor};
use hemicycle_core::state::{MotionStatus, SittingStatus};
use hemicycle_core::State;

use super::html::{document, escape, name, Page, Scripts};
use super::widgets::bloc_label;
use super::{AccountView, PageContext};

/// The pattern of identifiers, for the browser's own check before sending.
const IDENTIFIER_PATTERN: &str = "[a-z0-9][a-z0-9._\\-]{0,63}";

fn identifier_input(field: &str, placeholder: &str) -> String {
    format!(
        "<input name=\"{field}\" required pattern=\"{IDENTIFIER_PATTERN}\" maxlength=\"64\" autocapitalize=\"none\" spellcheck=\"false\" placeholder=\"{}\" \
         title=\"lower-case letters a-z, digits, '-', '_' and '.', starting with a letter or digit\">",
        escape(placeholder)
    )
}

fn date_input(field: &str, value: &str, required: bool) -> String {
    format!(
        "<input type=\"date\" name=\"{field}\" value=\"{}\"{}>",
        escape(value),
        if required { " required" } else { "" }
    )
}

fn bloc_options(state: &State, none: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(none) = none {
        let _ = write!(out, "<option value=\"\">{}</option>", escape(none));
    }
    for bloc in state.blocs.values() {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            escape(bloc.id.as_str()),
            escape(bloc.label())
        );
    }
    out
}

fn member_options(state: &State) -> String {
    let mut out = String::new();
    for member in state.sitting_members() {
        let _ = write!(
            out,
            "<option value=\"{}\">{} ({})</option>",
            escape(member.id.as_str()),
            escape(&member.name),
            escape(member.id.as_str())
        );
    }
    out
}

/// Percent-encodes a path segment (usernames go into `/api/accounts/{username}`).
fn path_segment(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn form_start(command: &str, testid: &str, title: &str) -> String {
    format!(
        "<form class=\"desk-form\" data-command=\"{command}\" data-then=\"reload\" data-testid=\"{testid}\">\n<h3>{title}</h3>\n"
    )
}

const FORM_END: &str =
    "<p class=\"form-error\" role=\"alert\" data-testid=\"error\" hidden></p>\n</form>\n";

pub fn clerk_desk(state: &State, context: &PageContext, accounts: &[AccountView]) -> String {
    let today = context.today.format("%Y-%m-%d").to_string();
    let mut main = String::new();
    let chamber = state
        .chamber
        .as_ref()
        .map_or("No chamber established", |chamber| chamber.name.as_str());
    let _ = writeln!(
        main,
        "<header class=\"page-header\"><h1>Clerk’s desk</h1><p><bdi dir=\"auto\">{}</bdi></p></header>",
        escape(chamber)
    );
    main.push_str(&super::widgets::notices(state, None));
    main.push_str(
        "<nav class=\"desk-contents\" aria-label=\"Sections\"><a href=\"#members\">Members</a> · <a href=\"#blocs\">Blocs</a> · \
         <a href=\"#memberships\">Memberships</a> · <a href=\"#motions\">Motions</a> · <a href=\"#sittings\">Sittings</a> · \
         <a href=\"#communications\">Communications</a> · <a href=\"#register\">Follow-up register</a> · <a href=\"#accounts\">Accounts</a></nav>\n",
    );
    members_section(&mut main, state, accounts, &today);
    blocs_section(&mut main, state);
    memberships_section(&mut main, state, &today);
    motions_section(&mut main, state);
    sittings_section(&mut main, state);
    communications_section(&mut main, state);
    register_section(&mut main, state, context, &today);
    accounts_section(&mut main, accounts);
    document(
        &Page {
            title: "Clerk’s desk".to_owned(),
            context,
            kind: "clerk",
            scripts: Scripts::Forms,
            body_attributes: String::new(),
        },
        &main,
    )
}

fn members_section(out: &mut String, state: &State, accounts: &[AccountView], today: &str) {
    let size = state.size();
    let _ = writeln!(
        out,
        "<section class=\"desk-section\" id=\"members\">\n<h2>Members</h2>\n<p>{} members hold {} seats.</p>",
        size.members, size.seats
    );
    out.push_str(
        "<div class=\"login-output\" data-login-output data-testid=\"login-output\" role=\"status\" hidden>\n\
         <p><strong>Member login for <span data-login=\"member\"></span></strong> — shown once: give it to the member now.</p>\n\
         <p>Login link: <code class=\"copy\" data-login=\"login_url\" data-testid=\"login-url\"></code></p>\n\
         <p>Login code: <code class=\"copy\" data-login=\"login_code\"></code> · PIN: <code class=\"copy\" data-login=\"pin\" data-testid=\"login-pin\"></code></p>\n</div>\n",
    );
    out.push_str(&form_start(
        "admit_member",
        "admit-member",
        "Admit a member",
    ));
    let _ = writeln!(
        out,
        "<label>Identifier {}</label>\n<label>Name <input name=\"name\" required maxlength=\"200\" dir=\"auto\"></label>\n\
         <label>Constituency <input name=\"constituency\" maxlength=\"200\" dir=\"auto\"></label>\n\
         <label>Bloc <select name=\"bloc\">{}</select></label>\n<label>From {}</label>\n\
         <button type=\"submit\">Admit</button>",
        identifier_input("member", "sairoon-55"),
        bloc_options(state, Some("no bloc")),
        date_input("on", today, true)
    );
    out.push_str(FORM_END);
    out.push_str(&form_start(
        "depart_member",
        "depart-member",
        "A member departs",
    ));
    let _ = writeln!(
        out,
        "<label>Member <select name=\"member\" required>{}</select></label>\n\
         <label>Reason <input name=\"reason\" required maxlength=\"200\" placeholder=\"resigned\"></label>\n\
         <label>On {}</label>\n<button type=\"submit\">Record the departure</button>",
        member_options(state),
        date_input("on", today, true)
    );
    out.push_str(FORM_END);

    out.push_str("<details class=\"roster\" open>\n<summary>The roster</summary>\n<div class=\"table-wrap\"><table class=\"roster-table\" data-testid=\"roster\">\n\
        <thead><tr><th scope=\"col\">Identifier</th><th scope=\"col\">Name</th><th scope=\"col\">Bloc</th><th scope=\"col\">Constituency</th><th scope=\"col\">Seat</th><th scope=\"col\">Login</th></tr></thead>\n<tbody>\n");
    for member in state.members.values() {
        let id = escape(member.id.as_str());
        let has_login = accounts.iter().any(|account| {
            account.member.as_deref() == Some(member.id.as_str()) && account.has_login_code
        });
        let login = if member.is_sitting() {
            format!(
                "<form class=\"row-form\" data-api=\"/api/accounts/member-login\" data-then=\"show-login\"><input type=\"hidden\" name=\"member\" value=\"{id}\">\
                 <button type=\"submit\" class=\"small\" data-testid=\"issue-login\">{}</button></form>",
                if has_login { "Issue a new login" } else { "Issue member login" }
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<tr data-member-row=\"{id}\"><td><code>{id}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{login}</td></tr>",
            name(&member.name),
            name(&bloc_label(state, member.current_bloc())),
            member.constituency.as_deref().map(name).unwrap_or_default(),
            match &member.departed {
                None => "sitting".to_owned(),
                Some(reason) => format!("departed: {}", escape(reason)),
            }
        );
    }
    out.push_str("</tbody></table></div>\n</details>\n</section>\n");
}

fn blocs_section(out: &mut String, state: &State) {
    out.push_str("<section class=\"desk-section\" id=\"blocs\">\n<h2>Blocs</h2>\n<div class=\"table-wrap\"><table data-testid=\"blocs\">\n\
        <thead><tr><th scope=\"col\">Identifier</th><th scope=\"col\">Name</th><th scope=\"col\">Short name</th><th scope=\"col\">Kind</th><th scope=\"col\">Colour</th><th scope=\"col\">Members</th></tr></thead>\n<tbody>\n");
    for bloc in state.blocs.values() {
        let members = state
            .sitting_members()
            .filter(|member| member.current_bloc() == Some(&bloc.id))
            .count();
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{members}</td></tr>",
            escape(bloc.id.as_str()),
            name(&bloc.name),
            bloc.short_name.as_deref().map(name).unwrap_or_default(),
            kind_word(bloc.kind),
            bloc.colour.as_deref().map(escape).unwrap_or_default()
        );
    }
    out.push_str("</tbody></table></div>\n");
    out.push_str(&form_start(
        "register_bloc",
        "register-bloc",
        "Register a bloc",
    ));
    let _ = writeln!(
        out,
        "<label>Identifier {}</label>\n<label>Name <input name=\"name\" required maxlength=\"200\" dir=\"auto\"></label>\n\
         <label>Short name <input name=\"short_name\" maxlength=\"200\" dir=\"auto\"></label>\n\
         <label>Kind <select name=\"kind\"><option value=\"party\">party</option><option value=\"list\">electoral list</option>\
         <option value=\"group\">parliamentary group</option><option value=\"other\">other</option></select></label>\n\
         <label>Colour <input type=\"color\" name=\"colour\" value=\"#9e9e9e\"></label>\n<button type=\"submit\">Register</button>",
        identifier_input("bloc", "new-list")
    );
    out.push_str(FORM_END);
    out.push_str("</section>\n");
}

fn kind_word(kind: BlocKind) -> &'static str {
    match kind {
        BlocKind::Party => "party",
        BlocKind::List => "electoral list",
        BlocKind::Group => "parliamentary group",
        BlocKind::Other => "other",
    }
}

fn memberships_section(out: &mut String, state: &State, today: &str) {
    out.push_str("<section class=\"desk-section\" id=\"memberships\">\n<h2>Memberships</h2>\n");
    out.push_str(&form_start(
        "change_bloc",
        "change-bloc",
        "Move a member to another bloc",
    ));
    let _ = writeln!(
        out,
        "<label>Member <select name=\"member\" required>{}</select></label>\n<label>New bloc <select name=\"bloc\">{}</select></label>\n\
         <label>From {}</label>\n<button type=\"submit\">Change bloc</button>",
        member_options(state),
        bloc_options(state, Some("no bloc")),
        date_input("on", today, true)
    );
    out.push_str(FORM_END);
    out.push_str("<details>\n<summary>Every membership</summary>\n<div class=\"table-wrap\"><table data-testid=\"memberships\">\n\
        <thead><tr><th scope=\"col\">Member</th><th scope=\"col\">Bloc</th><th scope=\"col\">From</th><th scope=\"col\">Until</th></tr></thead>\n<tbody>\n");
    for member in state.members.values() {
        for membership in &member.memberships {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                name(&member.name),
                name(&bloc_label(state, Some(&membership.bloc))),
                membership.from,
                membership
                    .until
                    .map(|until| until.to_string())
                    .unwrap_or_default()
            );
        }
    }
    out.push_str("</tbody></table></div>\n</details>\n</section>\n");
}

fn sponsor_words(state: &State, sponsors: &[Sponsor]) -> String {
    sponsors
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
        .collect::<Vec<_>>()
        .join(", ")
}

fn motions_section(out: &mut String, state: &State) {
    out.push_str("<section class=\"desk-section\" id=\"motions\">\n<h2>Motions</h2>\n<div class=\"table-wrap\"><table data-testid=\"motions\">\n\
        <thead><tr><th scope=\"col\">Identifier</th><th scope=\"col\">Title</th><th scope=\"col\">Kind</th><th scope=\"col\">Put forward by</th><th scope=\"col\">Decision rule</th><th scope=\"col\">Status</th><th scope=\"col\"></th></tr></thead>\n<tbody>\n");
    for motion in state.motions.values() {
        let status = match motion.status {
            MotionStatus::Tabled => "tabled",
            MotionStatus::Adopted => "adopted",
            MotionStatus::Rejected => "rejected",
            MotionStatus::Withdrawn => "withdrawn",
        };
        let withdraw = if motion.status == MotionStatus::Tabled {
            format!(
                "<form class=\"row-form\" data-command=\"withdraw_motion\" data-then=\"reload\" data-confirm=\"Withdraw this motion?\">\
                 <input type=\"hidden\" name=\"motion\" value=\"{}\"><button type=\"submit\" class=\"small\">Withdraw</button></form>",
                escape(motion.id.as_str())
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}<details><summary>Text</summary><p class=\"motion-text\" dir=\"auto\">{}</p></details></td><td>{}</td><td>{}</td><td>{}</td><td>{status}</td><td>{withdraw}</td></tr>",
            escape(motion.id.as_str()),
            name(&motion.title),
            escape(&motion.text),
            escape(&motion.kind.in_words()),
            sponsor_words(state, &motion.sponsors),
            escape(motion.decision.as_str())
        );
    }
    out.push_str("</tbody></table></div>\n");
    out.push_str(&form_start(
        "table_motion",
        "table-motion",
        "Table a motion",
    ));
    let _ = writeln!(
        out,
        "<label>Identifier {}</label>\n\
         <label>Kind <select name=\"kind.kind\" data-testid=\"motion-kind\"><option value=\"resolution\">resolution</option><option value=\"bill\">bill</option>\
         <option value=\"procedural\">procedural motion</option></select></label>\n\
         <label class=\"check\"><input type=\"checkbox\" name=\"kind.binding\" data-type=\"bool\" data-only-if=\"kind.kind=resolution\"> binding (a resolution)</label>\n\
         <label>Addressed to (a resolution; optional) <input name=\"kind.addressed_to\" data-only-if=\"kind.kind=resolution\" maxlength=\"200\" dir=\"auto\" placeholder=\"the Government\"></label>\n\
         <label>Title <input name=\"title\" required maxlength=\"200\" dir=\"auto\"></label>\n\
         <label>Text <textarea name=\"text\" required rows=\"5\" dir=\"auto\"></textarea></label>\n\
         <label>Put forward by: <code>bloc:ID</code> or <code>member:ID</code>, separated by commas \
         <input name=\"sponsors\" data-type=\"sponsors\" required placeholder=\"bloc:fatah\" autocapitalize=\"none\" spellcheck=\"false\"></label>",
        identifier_input("motion", "foreign-forces")
    );
    out.push_str("<label>Decision rule <select name=\"decision\"><option value=\"\">the standing orders’ default</option>");
    if let Some(chamber) = &state.chamber {
        for (id, rule) in &chamber.standing_orders.decisions {
            if !rule.election {
                let _ = write!(
                    out,
                    "<option value=\"{}\">{} — {}</option>",
                    escape(id.as_str()),
                    escape(id.as_str()),
                    escape(&rule.describe(&state.size()))
                );
            }
        }
    }
    out.push_str("</select></label>\n<button type=\"submit\">Table the motion</button>\n");
    out.push_str(FORM_END);
    out.push_str("</section>\n");
}

fn sittings_section(out: &mut String, state: &State) {
    out.push_str("<section class=\"desk-section\" id=\"sittings\">\n<h2>Sittings</h2>\n<div class=\"table-wrap\"><table data-testid=\"sittings\">\n\
        <thead><tr><th scope=\"col\">Identifier</th><th scope=\"col\">Title</th><th scope=\"col\">Kind</th><th scope=\"col\">Scheduled</th><th scope=\"col\">Status</th><th scope=\"col\">Present</th></tr></thead>\n<tbody>\n");
    for sitting in state.sittings.values() {
        let id = escape(sitting.id.as_str());
        let _ = writeln!(
            out,
            "<tr><td><a href=\"/record/sittings/{id}\"><code>{id}</code></a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            name(&sitting.title),
            match sitting.kind {
                hemicycle_core::model::SittingKind::Ordinary => "ordinary",
                hemicycle_core::model::SittingKind::Extraordinary => "extraordinary",
            },
            sitting.scheduled_for.format("%Y-%m-%d %H:%M %:z"),
            sitting.status.in_words(),
            sitting.present_count()
        );
    }
    out.push_str("</tbody></table></div>\n");

    out.push_str(&form_start(
        "convene_sitting",
        "convene-sitting",
        "Convene a sitting",
    ));
    let _ = writeln!(
        out,
        "<label>Identifier {}</label>\n<label>Kind <select name=\"kind\"><option value=\"ordinary\">ordinary</option><option value=\"extraordinary\">extraordinary</option></select></label>\n\
         <label>Title <input name=\"title\" required maxlength=\"200\" dir=\"auto\"></label>\n\
         <label>Scheduled for (your local time) <input type=\"datetime-local\" name=\"scheduled_for\" data-type=\"datetime\" required></label>\n\
         <label>Agenda, one item a line; a motion's identifier in brackets at the end of its line \
         <textarea name=\"agenda\" data-type=\"agenda\" rows=\"3\" dir=\"auto\" placeholder=\"Resolution on foreign forces [foreign-forces]\"></textarea></label>\n\
         <label>Requested by (optional) <input name=\"requested_by\" maxlength=\"200\" dir=\"auto\"></label>\n\
         <button type=\"submit\">Convene</button>",
        identifier_input("sitting", "2020-01-05")
    );
    out.push_str(FORM_END);

    let mut live_sittings = String::new();
    for sitting in state
        .sittings
        .values()
        .filter(|sitting| sitting.status != SittingStatus::Closed)
    {
        let _ = write!(
            live_sittings,
            "<option value=\"{}\">{} — {}</option>",
            escape(sitting.id.as_str()),
            escape(sitting.id.as_str()),
            escape(&sitting.title)
        );
    }
    if !live_sittings.is_empty() {
        out.push_str(&form_start(
            "declare_boycott",
            "declare-boycott",
            "Declare a bloc’s boycott",
        ));
        let _ = writeln!(
            out,
            "<label>Sitting <select name=\"sitting\" required>{live_sittings}</select></label>\n\
             <label>Bloc <select name=\"bloc\" required>{}</select></label>\n\
             <label>Statement (optional) <textarea name=\"statement\" rows=\"2\" dir=\"auto\"></textarea></label>\n\
             <button type=\"submit\">Declare the boycott</button>",
            bloc_options(state, None)
        );
        out.push_str(FORM_END);
        out.push_str(&form_start(
            "excuse_absence",
            "excuse-absence",
            "Excuse a member’s absence",
        ));
        let _ = writeln!(
            out,
            "<label>Sitting <select name=\"sitting\" required>{live_sittings}</select></label>\n\
             <label>Member <select name=\"member\" required>{}</select></label>\n\
             <label>Reason <input name=\"reason\" required maxlength=\"200\"></label>\n<button type=\"submit\">Excuse</button>",
            member_options(state)
        );
        out.push_str(FORM_END);
    }

    // Secret ballots and shows of hands: the tellers' or the clerk's count.
    for division in state
        .divisions
        .values()
        .filter(|division| division.is_open() && division.method != DivisionMethod::Recorded)
    {
        let title = crate::live::question_title(state, &division.question);
        let _ = writeln!(
            out,
            "<form class=\"desk-form\" data-command=\"enter_tally\" data-then=\"reload\" data-testid=\"enter-tally\">\n\
             <h3>Enter the count: {} ({})</h3>\n<input type=\"hidden\" name=\"division\" value=\"{}\">",
            name(&title),
            division.method.in_words(),
            escape(division.id.as_str())
        );
        match &division.question {
            Question::Motion { .. } => {
                out.push_str(
                    "<label>Yes <input type=\"number\" min=\"0\" name=\"tally.yes\" data-type=\"int\" required value=\"0\"></label>\n\
                     <label>No <input type=\"number\" min=\"0\" name=\"tally.no\" data-type=\"int\" required value=\"0\"></label>\n",
                );
            }
            Question::Election { candidates, .. } => {
                out.push_str("<input type=\"hidden\" name=\"tally.yes\" data-type=\"int\" value=\"0\"><input type=\"hidden\" name=\"tally.no\" data-type=\"int\" value=\"0\">\n");
                for candidate in candidates {
                    let _ = writeln!(
                        out,
                        "<label>{} <input type=\"number\" min=\"0\" name=\"tally.candidates\" data-key=\"{}\" data-type=\"int\" required value=\"0\"></label>",
                        name(&candidate.name),
                        escape(candidate.id.as_str())
                    );
                }
            }
        }
        out.push_str(
            "<label>Abstentions and blank ballots <input type=\"number\" min=\"0\" name=\"tally.abstain\" data-type=\"int\" required value=\"0\"></label>\n\
             <label>Taking part (optional) <input type=\"number\" min=\"0\" name=\"taking_part\" data-type=\"int\"></label>\n\
             <button type=\"submit\">Enter the count</button>\n",
        );
        out.push_str(FORM_END);
    }
    out.push_str("</section>\n");
}

fn communications_section(out: &mut String, state: &State) {
    out.push_str("<section class=\"desk-section\" id=\"communications\">\n<h2>Communications read into the record</h2>\n");
    if state.communications.is_empty() {
        out.push_str("<p>None yet. The presiding officer reads communications into the record during a sitting.</p>\n</section>\n");
        return;
    }
    out.push_str("<div class=\"table-wrap\"><table data-testid=\"communications\">\n<thead><tr><th scope=\"col\">Sitting</th><th scope=\"col\">From</th><th scope=\"col\">On behalf of</th><th scope=\"col\">Subject</th><th scope=\"col\">Text</th></tr></thead>\n<tbody>\n");
    for communication in state.communications.values() {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"/record/sittings/{0}\">{0}</a></td><td>{1}</td><td>{2}</td><td>{3}</td><td><p class=\"communication-text\" dir=\"auto\">{4}</p></td></tr>",
            escape(communication.sitting.as_str()),
            name(&communication.from),
            communication
                .on_behalf_of
                .as_ref()
                .map(|bloc| name(&bloc_label(state, Some(bloc))))
                .unwrap_or_default(),
            name(&communication.subject),
            escape(&communication.text)
        );
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

fn register_section(out: &mut String, state: &State, context: &PageContext, today: &str) {
    out.push_str("<section class=\"desk-section\" id=\"register\">\n<h2>Follow-up register</h2>\n");
    if state.follow_ups.is_empty() {
        out.push_str(
            "<p>No adopted resolution is addressed outside the chamber.</p>\n</section>\n",
        );
        return;
    }
    for follow_up in state.follow_ups.values() {
        let motion = escape(follow_up.motion.as_str());
        let title = state
            .motions
            .get(&follow_up.motion)
            .map_or(follow_up.motion.as_str(), |motion| motion.title.as_str());
        let _ = writeln!(
            out,
            "<article class=\"follow-up\" data-testid=\"follow-up\">\n<h3>{}</h3>\n<p>Addressed to {}; adopted {}. Status: <strong>{}</strong>.</p>",
            name(title),
            name(&follow_up.addressed_to),
            follow_up.adopted_on,
            escape(&follow_up.view_on(context.today).in_words())
        );
        let hidden = format!("<input type=\"hidden\" name=\"motion\" value=\"{motion}\">");
        if follow_up.status == FollowUpStatus::Adopted {
            let _ = writeln!(
                out,
                "<form class=\"desk-form\" data-command=\"send_resolution\" data-then=\"reload\">{hidden}\
                 <label>Send to <input name=\"to\" required maxlength=\"200\" dir=\"auto\" value=\"{}\"></label>\
                 <label>On {}</label><label>Response due (optional) {}</label>\
                 <button type=\"submit\">Record the sending</button>{FORM_END}",
                escape(&follow_up.addressed_to),
                date_input("on", today, true),
                date_input("response_due", "", false)
            );
        }
        if follow_up.status == FollowUpStatus::Sent {
            let _ = writeln!(
                out,
                "<form class=\"desk-form\" data-command=\"record_response\" data-then=\"reload\">{hidden}\
                 <label>Received on {}</label><label>Summary <textarea name=\"summary\" required rows=\"2\" dir=\"auto\"></textarea></label>\
                 <button type=\"submit\">Record the response</button>{FORM_END}",
                date_input("on", today, true)
            );
        }
        if matches!(
            follow_up.status,
            FollowUpStatus::Sent | FollowUpStatus::ResponseReceived
        ) {
            let _ = writeln!(
                out,
                "<form class=\"desk-form\" data-command=\"conclude_follow_up\" data-then=\"reload\">{hidden}\
                 <label>Conclusion <select name=\"conclusion\"><option value=\"implemented\">implemented</option><option value=\"rejected\">rejected</option></select></label>\
                 <label>On {}</label><label>Note <input name=\"note\" required maxlength=\"200\" dir=\"auto\"></label>\
                 <button type=\"submit\">Conclude</button>{FORM_END}",
                date_input("on", today, true)
            );
        }
        out.push_str("</article>\n");
    }
    out.push_str("<p><a href=\"/record/register\">The public register</a></p>\n</section>\n");
}

fn role_words(role: &str) -> &str {
    match role {
        "clerk" => "clerk",
        "presiding_officer" => "presiding officer",
        "member" => "member",
        other => other,
    }
}

fn accounts_section(out: &mut String, accounts: &[AccountView]) {
    out.push_str("<section class=\"desk-section\" id=\"accounts\">\n<h2>Accounts</h2>\n<div class=\"table-wrap\"><table data-testid=\"accounts\">\n\
        <thead><tr><th scope=\"col\">Username</th><th scope=\"col\">Name</th><th scope=\"col\">Role</th><th scope=\"col\">Member</th><th scope=\"col\">Login code</th><th scope=\"col\"></th></tr></thead>\n<tbody>\n");
    for account in accounts {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><form class=\"row-form\" data-api=\"/api/accounts/{}\" data-method=\"DELETE\" data-then=\"reload\" data-confirm=\"Delete this account?\">\
             <button type=\"submit\" class=\"small danger\">Delete</button></form></td></tr>",
            escape(&account.username),
            name(&account.display_name),
            escape(role_words(&account.role)),
            account.member.as_deref().map(escape).unwrap_or_default(),
            if account.has_login_code { "issued" } else { "—" },
            escape(&path_segment(&account.username))
        );
    }
    if accounts.is_empty() {
        out.push_str("<tr><td colspan=\"6\">No accounts.</td></tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    out.push_str(
        "<form class=\"desk-form\" data-api=\"/api/accounts\" data-then=\"reload\" data-testid=\"create-account\">\n<h3>Create a clerk’s or presiding officer’s account</h3>\n\
         <label>Username <input name=\"username\" required maxlength=\"64\" autocomplete=\"off\" autocapitalize=\"none\" spellcheck=\"false\"></label>\n\
         <label>Name <input name=\"display_name\" required maxlength=\"200\" dir=\"auto\"></label>\n\
         <label>Role <select name=\"role\"><option value=\"clerk\">clerk</option><option value=\"presiding_officer\">presiding officer</option></select></label>\n\
         <label>Password <input type=\"password\" name=\"password\" required minlength=\"10\" maxlength=\"256\" autocomplete=\"new-password\"></label>\n\
         <button type=\"submit\">Create the account</button>\n",
    );
    out.push_str(FORM_END);
    out.push_str("<p>Members sign in with a login link and PIN: issue them from the roster above.</p>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn usernames_are_percent_encoded_in_paths() {
        assert_eq!(path_segment("clerk.one"), "clerk.one");
        assert_eq!(path_segment("a b/c?"), "a%20b%2Fc%3F");
    }
}
