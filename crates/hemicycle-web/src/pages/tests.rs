//! The pages rendered from a small chamber and from the demonstration, checked
//! for their content, their markup and what the scripts rely on.

use std::sync::OnceLock;

use chrono::NaiveDate;
use hemicycle_core::ids::{MemberId, SittingId};
use hemicycle_core::State;
use hemicycle_engine::Chamber;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_scenario::{parse_scenario, DEMO_SCENARIO, DEMO_SCENARIO_NAME};

use super::*;
use crate::live::snapshot;

fn run(source: &str, origin: &str) -> State {
    let scenario = parse_scenario(source, origin, &|name| Err(format!("no file {name}")))
        .unwrap_or_else(|error| panic!("{error}"));
    let storage = SqliteStorage::open_in_memory().expect("in-memory journal");
    let mut chamber = Chamber::open(storage).expect("empty journal");
    chamber
        .run_scenario(&scenario)
        .unwrap_or_else(|error| panic!("{error}"));
    chamber.state().clone()
}

/// The demonstration, run to its end (the sitting closed, the resolution sent).
fn demo() -> &'static State {
    static DEMO: OnceLock<State> = OnceLock::new();
    DEMO.get_or_init(|| run(DEMO_SCENARIO, DEMO_SCENARIO_NAME))
}

const SMALL_HEAD: &str = r##"
[scenario]
title = "A small chamber"
notice = "Illustration, not a record: made up for the tests."

[chamber]
standing_orders = "iraq"
name = "Small <Council> & Co"
seats = 5
established = 2024-01-01T10:00:00+03:00
since = 2024-01-01
clerk = "clerk:desk"
presiding_officer = "officer:chair"

[[bloc]]
id = "sairoon"
name = "Sairoon — سائرون"
short_name = "سائرون"
kind = "list"
colour = "#2e7d32"

[[bloc]]
id = "other"
name = "Other & <Friends>"
short_name = "Other <b>"
kind = "group"
colour = "#c62828"

[[member]]
id = "sadr"
name = "مقتدى الصدر"
bloc = "sairoon"

[[member]]
id = "script"
name = "<script>alert('x')</script>"
bloc = "sairoon"

[[member]]
id = "oneil"
name = "Jane O'Neil"
bloc = "other"

[[member]]
id = "four"
name = "Four"
bloc = "other"

[[step]]
at = 2024-02-01T09:00:00+03:00
do = "table_motion"
motion = "m1"
kind = "resolution"
binding = false
addressed_to = "the Government"
title = "Resolution <on> things — قرار"
text = "Text & more"
sponsors = ["bloc:sairoon"]

[[step]]
do = "convene_sitting"
sitting = "s1"
kind = "ordinary"
title = "Sitting of 1 February — جلسة"
scheduled_for = 2024-02-01T10:00:00+03:00
agenda = [{ title = "The resolution", motion = "m1" }]

[[step]]
at = 2024-02-01T09:30:00+03:00
do = "declare_boycott"
sitting = "s1"
bloc = "other"
statement = "We stay away."

[[step]]
at = 2024-02-01T10:00:00+03:00
do = "check_in"
sitting = "s1"
members = ["member:sadr", "member:script", "member:oneil"]

[[step]]
do = "open_sitting"
sitting = "s1"

[[step]]
at = 2024-02-01T10:10:00+03:00
do = "open_division"
division = "d1"
sitting = "s1"
motion = "m1"
method = "recorded"

[[step]]
do = "vote"
division = "d1"
yes = ["member:sadr"]
"##;

/// A sitting with a division open: sadr voted yes, script and oneil have not, four boycotts.
fn small() -> &'static State {
    static SMALL: OnceLock<State> = OnceLock::new();
    SMALL.get_or_init(|| run(SMALL_HEAD, "small.toml"))
}

/// The same, the division closed: script voted yes, oneil no; adopted.
const CLOSE_DIVISION: &str = "\n[[step]]\ndo = \"vote\"\ndivision = \"d1\"\nyes = [\"member:script\"]\nno = [\"member:oneil\"]\n\n\
    [[step]]\nat = 2024-02-01T10:20:00+03:00\ndo = \"close_division\"\ndivision = \"d1\"\n";

fn small_closed() -> &'static State {
    static SMALL: OnceLock<State> = OnceLock::new();
    SMALL.get_or_init(|| {
        run(
            &format!("{SMALL_HEAD}{CLOSE_DIVISION}"),
            "small-closed.toml",
        )
    })
}

fn context(signed_in: Option<SignedIn>) -> PageContext {
    PageContext {
        signed_in,
        demo: false,
        today: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
    }
}

fn officer() -> PageContext {
    PageContext {
        demo: true,
        ..context(Some(SignedIn {
            username: "chair".into(),
            display_name: "The Speaker".into(),
            role: SignedInRole::PresidingOfficer,
        }))
    }
}

fn as_member(id: &str) -> PageContext {
    context(Some(SignedIn {
        username: format!("member-{id}"),
        display_name: id.to_owned(),
        role: SignedInRole::Member(MemberId::new(id).unwrap()),
    }))
}

fn clerk() -> PageContext {
    context(Some(SignedIn {
        username: "clerk".into(),
        display_name: "The Clerk".into(),
        role: SignedInRole::Clerk,
    }))
}

fn member(id: &str) -> MemberId {
    MemberId::new(id).unwrap()
}

/// Elements HTML closes by itself.
const VOID: [&str; 13] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Checks what the pages promise of their markup: a doctype, every element
/// closed in order, attributes double-quoted with no `<` or `"` inside, no
/// inline script or style (the Content-Security-Policy forbids them), no
/// duplicate `id`, and only text that was escaped.
fn check_markup(html: &str) {
    assert!(html.starts_with("<!doctype html>\n<html lang=\"en\" dir=\"ltr\">"));
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/static/hemicycle.css\">"));
    let mut stack: Vec<String> = Vec::new();
    let mut ids = std::collections::HashSet::new();
    let mut rest = html.strip_prefix("<!doctype html>").unwrap();
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        assert!(!text.contains('>'), "unescaped > in text {text:?}");
        rest = &rest[start + 1..];
        let end = rest.find('>').expect("a tag ends");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>; open: {stack:?}");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(!name.is_empty(), "a tag without a name: <{tag}>");
        // Attributes: name="value" pairs, values without quotes or markup.
        let mut attributes = &tag[name.len()..];
        while !attributes.trim_start().is_empty() {
            attributes = attributes.trim_start();
            let key_end = attributes
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(attributes.len());
            let key = &attributes[..key_end];
            assert!(
                !key.starts_with("on") && key != "style",
                "inline handler or style in <{tag}>"
            );
            attributes = &attributes[key_end..];
            if let Some(value) = attributes.strip_prefix("=\"") {
                let value_end = value.find('"').expect("a quoted value ends");
                let value_text = &value[..value_end];
                assert!(!value_text.contains('<'), "< in an attribute of <{tag}>");
                if key == "id" {
                    assert!(
                        ids.insert(value_text.to_owned()),
                        "duplicate id {value_text}"
                    );
                }
                attributes = &value[value_end + 1..];
            } else {
                assert!(
                    !attributes.starts_with('='),
                    "unquoted attribute in <{tag}>"
                );
            }
        }
        if name == "script" {
            assert!(tag.contains(" src=\"/static/"), "inline script: <{tag}>");
        }
        if !self_closing && !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "left open: {stack:?}");
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

/// The `data-state` of each seat with a member, in document order.
fn seat_states(html: &str) -> Vec<(String, String)> {
    html.split("<circle class=\"seat ")
        .skip(1)
        .filter_map(|seat| {
            let seat = seat.split("</circle>").next()?;
            let member = seat.split("data-member=\"").nth(1)?.split('"').next()?;
            let state = seat.split("data-state=\"").nth(1)?.split('"').next()?;
            Some((member.to_owned(), state.to_owned()))
        })
        .collect()
}

/// The opening tag of the first element carrying `marker`.
fn tag_with<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

#[test]
fn the_gallery_of_the_demo_shows_every_seat_and_the_outcome() {
    let state = demo();
    let html = gallery(state, &snapshot(state), &context(None));
    check_markup(&html);
    let seats = seat_states(&html);
    assert_eq!(seats.len(), 329);
    assert_eq!(count(&html, "data-member=\""), 329);
    let present_or_voted = seats
        .iter()
        .filter(|(_, state)| {
            ["present", "yes", "no", "abstain", "voted", "pending"].contains(&state.as_str())
        })
        .count();
    assert_eq!(present_or_voted, 172);
    assert_eq!(
        seats.iter().filter(|(_, state)| state == "yes").count(),
        170
    );
    assert!(seats.iter().any(|(_, state)| state == "boycotting"));
    // Seats in bloc wedges, blocs in the order registered, as in the record's chart.
    assert_eq!(seats[0].0, "sairoon-1");
    assert_eq!(seats[54].0, "fatah-1");
    // The tally in numbers, the outcome and its explanation.
    assert!(html.contains("data-testid=\"tally-yes\">170</dd>"));
    assert!(
        html.contains("data-testid=\"outcome-verdict\" data-verdict=\"adopted\">adopted</strong>")
    );
    assert!(html.contains(
        "Quorum: 172 present, 165 required (absolute majority of 329) — met with 7 to spare."
    ));
    assert!(html.contains("data-testid=\"quorum-gauge\""));
    assert!(html.contains("data-testid=\"quorum-required\">165</strong>"));
    assert!(html.contains("quorum met, 7 to spare"));
    assert!(html.contains("data-testid=\"sitting-status\" data-status=\"closed\">closed</strong>"));
    // The boycotting blocs, and the notice that this is an illustration.
    for bloc in ["KDP", "PUK", "Other Kurdish", "Sunni lists"] {
        assert!(
            html.contains(&format!("<li><bdi dir=\"auto\">{bloc}</bdi></li>")),
            "{bloc}"
        );
    }
    assert!(html.contains("data-testid=\"notice\""));
    assert!(html.contains("Illustration, not a record"));
    // The page follows the live stream and carries no inline script.
    assert!(html.contains("<script src=\"/static/live.js\" defer></script>"));
    assert!(html.contains("href=\"/sign-in\">Sign in</a>"));
}

#[test]
fn the_gallery_during_a_division_shows_ballots_pending_seats_and_a_legend() {
    let state = small();
    let snapshot = snapshot(state);
    let html = gallery(state, &snapshot, &context(None));
    check_markup(&html);
    let seats = seat_states(&html);
    assert_eq!(
        seats,
        [
            ("sadr".to_owned(), "yes".to_owned()),
            ("script".to_owned(), "pending".to_owned()),
            ("oneil".to_owned(), "pending".to_owned()),
            ("four".to_owned(), "boycotting".to_owned()),
        ]
    );
    // One vacant seat, drawn but belonging to nobody.
    assert_eq!(count(&html, "<circle class=\"seat "), 5);
    assert!(html.contains("data-state=\"vacant\""));
    // Seats start in their bloc's colour; the style sheet recolours them by state.
    let sadr = tag_with(&html, "data-member=\"sadr\"");
    assert!(
        sadr.contains("fill=\"#2e7d32\"") && sadr.contains("color=\"#2e7d32\""),
        "{sadr}"
    );
    assert!(html.contains("data-testid=\"tally-yes\">1</dd>"));
    assert!(html.contains("data-testid=\"tally-pending\">2</dd>"));
    assert!(html.contains("data-testid=\"division-status\" data-status=\"open\">open</strong>"));
    // The outcome is hidden until the division closes.
    assert!(tag_with(&html, "data-testid=\"outcome\"").contains(" hidden"));
    assert!(html.contains("data-division=\"open\""));
    // The quorum: 3 present of 5 seats, 3 required.
    assert!(html.contains("data-testid=\"quorum-counted\">3</strong>"));
    assert!(html.contains("quorum met exactly"));
    // Names are isolated and escaped; a name cannot inject markup.
    assert!(html.contains("<bdi dir=\"auto\">سائرون</bdi>"));
    assert!(html.contains("<bdi dir=\"auto\">Other &lt;b&gt;</bdi>"));
    // In a seat's tooltip (escaped by the chart, which writes &apos;).
    assert!(html.contains(
        "<title>\u{2068}&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;\u{2069} — \u{2068}سائرون\u{2069}: present, not yet voted</title>"
    ));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("<bdi dir=\"auto\">Small &lt;Council&gt; &amp; Co</bdi>"));
    assert!(html.contains("data-testid=\"state-legend\""));
    for state in [
        "yes",
        "no",
        "abstain",
        "pending",
        "absent",
        "boycotting",
        "excused",
        "voted",
    ] {
        assert!(
            html.contains(&format!("<li class=\"state-{state}\">")),
            "{state}"
        );
    }
}

#[test]
fn the_gallery_after_the_division_shows_the_outcome() {
    let state = small_closed();
    let html = gallery(state, &snapshot(state), &context(None));
    check_markup(&html);
    assert!(!tag_with(&html, "data-testid=\"outcome\"").contains(" hidden"));
    assert!(html.contains("data-testid=\"tally-no\">1</dd>"));
    assert!(html.contains("data-testid=\"outcome-explanation\">Quorum: 3 present"));
    assert!(html.contains("data-verdict=\"adopted\">adopted</strong>"));
    assert_eq!(
        seat_states(&html),
        [
            ("sadr".to_owned(), "yes".to_owned()),
            ("script".to_owned(), "yes".to_owned()),
            ("oneil".to_owned(), "no".to_owned()),
            ("four".to_owned(), "boycotting".to_owned()),
        ]
    );
}

#[test]
fn an_empty_chamber_has_a_gallery_too() {
    let state = State::new();
    let html = gallery(&state, &snapshot(&state), &context(None));
    check_markup(&html);
    assert!(html.contains("No sitting yet"));
    assert_eq!(count(&html, "data-member=\""), 0);
}

#[test]
fn the_member_console_offers_check_in_and_big_vote_buttons() {
    let state = small();
    let snapshot = snapshot(state);
    let html = member_console(state, &snapshot, &as_member("script"), &member("script"));
    check_markup(&html);
    assert!(
        html.contains("<body data-page=\"member\" data-member=\"script\" data-state=\"pending\">")
    );
    assert!(html.contains(
        "<h1 data-testid=\"member-name\"><bdi dir=\"auto\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</bdi></h1>"
    ));
    assert!(html.contains("<script src=\"/static/live.js\" defer></script>"));
    // Present: checking out is offered, not checking in.
    assert!(tag_with(&html, "data-command=\"check_in\"").contains(" hidden"));
    assert!(!tag_with(&html, "data-command=\"check_out\"").contains(" hidden"));
    // The division is open and the member has not voted: three enabled buttons.
    for choice in ["yes", "no", "abstain"] {
        let button = tag_with(&html, &format!("data-testid=\"vote-{choice}\""));
        assert!(
            button.contains(&format!("name=\"choice\" value=\"{choice}\"")),
            "{button}"
        );
        assert!(!button.contains("disabled"), "{button}");
    }
    let form = tag_with(&html, "data-testid=\"vote-form\"");
    assert!(
        form.contains("data-command=\"cast_ballot\"") && !form.contains("hidden"),
        "{form}"
    );
    assert!(html.contains(
        "<input type=\"hidden\" name=\"division\" data-live-value=\"division-id\" value=\"d1\">"
    ));
    assert!(html.contains("<input type=\"hidden\" name=\"member\" value=\"script\">"));
    assert!(html.contains("data-testid=\"my-ballot\">Not yet voted</strong>"));
    assert!(
        html.contains("data-testid=\"ballot-note\" data-locked=\"false\">Choose your ballot.</p>")
    );
    // Where a refusal is shown.
    assert!(html.contains(
        "<p class=\"form-error page-error\" role=\"alert\" data-testid=\"error\" hidden></p>"
    ));
    // Secret-ballot and election forms are there for the live stream, hidden.
    assert!(tag_with(&html, "data-testid=\"participation-form\"").contains(" hidden"));
    assert!(tag_with(&html, "data-testid=\"election-form\"").contains(" hidden"));
}

#[test]
fn after_voting_the_buttons_are_disabled_when_ballots_may_not_change() {
    let state = small();
    let snapshot = snapshot(state);
    assert!(!snapshot.division.as_ref().unwrap().ballot_changes_allowed);
    let html = member_console(state, &snapshot, &as_member("sadr"), &member("sadr"));
    check_markup(&html);
    for choice in ["yes", "no", "abstain"] {
        let button = tag_with(&html, &format!("data-testid=\"vote-{choice}\""));
        assert!(button.contains(" disabled"), "{button}");
    }
    assert!(tag_with(&html, "data-testid=\"vote-yes\"").contains("aria-pressed=\"true\""));
    assert!(html.contains("data-testid=\"my-ballot\">Yes</strong>"));
    assert!(html.contains(
        "data-locked=\"true\">Your ballot is recorded. The standing orders do not allow it to be changed.</p>"
    ));
    // The member's own name, in Arabic, runs right to left.
    assert!(
        html.contains("<h1 data-testid=\"member-name\"><bdi dir=\"auto\">مقتدى الصدر</bdi></h1>")
    );
}

#[test]
fn when_ballots_may_change_only_the_ballot_cast_is_disabled() {
    let state = small();
    let mut snapshot = snapshot(state);
    snapshot.division.as_mut().unwrap().ballot_changes_allowed = true;
    let html = member_console(state, &snapshot, &as_member("sadr"), &member("sadr"));
    assert!(tag_with(&html, "data-testid=\"vote-yes\"").contains(" disabled"));
    assert!(!tag_with(&html, "data-testid=\"vote-no\"").contains(" disabled"));
    assert!(html.contains("You may change it until the division closes."));
}

#[test]
fn a_boycotting_member_is_offered_check_in_and_no_open_vote_after_the_division() {
    let state = small_closed();
    let snapshot = snapshot(state);
    let html = member_console(state, &snapshot, &as_member("four"), &member("four"));
    check_markup(&html);
    assert!(!tag_with(&html, "data-command=\"check_in\"").contains(" hidden"));
    assert!(html.contains("data-testid=\"my-presence\">boycotting</strong>"));
    assert!(tag_with(&html, "data-testid=\"vote-form\"").contains(" hidden"));
    assert!(tag_with(&html, "data-testid=\"vote-yes\"").contains(" disabled"));
    assert!(html.contains("No division is open."));
}

#[test]
fn an_election_gives_one_button_per_candidate() {
    let source = format!(
        "{SMALL_HEAD}\n[[step]]\nat = 2024-02-01T10:20:00+03:00\ndo = \"close_division\"\ndivision = \"d1\"\n\n\
         [[step]]\ndo = \"open_division\"\ndivision = \"president\"\nsitting = \"s1\"\nmethod = \"recorded\"\n\
         office = \"President\"\ndecision = \"president\"\n\
         candidates = [{{ id = \"salih\", name = \"برهم صالح\" }}, {{ id = \"fuad\", name = \"Fuad <Hussein>\" }}]\n"
    );
    let state = run(&source, "election.toml");
    let snapshot = snapshot(&state);
    let html = member_console(&state, &snapshot, &as_member("script"), &member("script"));
    check_markup(&html);
    assert!(!tag_with(&html, "data-testid=\"election-form\"").contains(" hidden"));
    assert_eq!(count(&html, "data-testid=\"vote-candidate\""), 2);
    assert!(html.contains("value=\"{&quot;candidate&quot;:&quot;salih&quot;}\" data-type=\"json\""));
    assert!(html.contains("<bdi dir=\"auto\">برهم صالح</bdi>"));
    assert!(html.contains("<bdi dir=\"auto\">Fuad &lt;Hussein&gt;</bdi>"));
    assert!(tag_with(&html, "data-testid=\"vote-form\"").contains(" hidden"));
    // The gallery lists the candidates by name with their votes.
    let gallery_html = gallery(&state, &snapshot, &context(None));
    assert!(gallery_html.contains("data-candidate=\"salih\" data-name=\"برهم صالح\""));
}

#[test]
fn the_officer_console_runs_the_sitting() {
    let state = small();
    let snapshot = snapshot(state);
    let html = officer_console(state, &snapshot, &officer());
    check_markup(&html);
    // The sitting is open: suspend and close are offered, opening and resuming are not.
    assert!(tag_with(&html, "data-command=\"open_sitting\"").contains(" hidden"));
    assert!(tag_with(&html, "data-command=\"resume_sitting\"").contains(" hidden"));
    assert!(!tag_with(&html, "data-command=\"suspend_sitting\"").contains(" hidden"));
    assert!(!tag_with(&html, "data-command=\"close_sitting\"").contains(" hidden"));
    assert!(html.contains("<input name=\"reason\" required"));
    // A division is open: closing it is offered, opening another is not.
    assert!(!tag_with(&html, "data-command=\"close_division\"").contains(" hidden"));
    assert!(tag_with(&html, "data-testid=\"open-division\"").contains(" hidden"));
    assert!(html.contains(
        "<input type=\"hidden\" name=\"division\" data-id-prefix=\"div-s1-\" data-next=\"1\">"
    ));
    assert!(html.contains("<input type=\"hidden\" name=\"question.kind\" value=\"motion\">"));
    assert!(
        html.contains("<option value=\"m1\">Resolution &lt;on&gt; things — قرار (tabled)</option>")
    );
    // Iraq's standing orders give no casting vote.
    assert!(!html.contains("name=\"casting_vote\""));
    // The roll: every member, by bloc, with the roll-call button.
    assert_eq!(count(&html, "class=\"roll-member\""), 4);
    assert!(
        html.contains("<li class=\"roll-member\" data-member=\"four\" data-state=\"boycotting\">")
    );
    assert!(html.contains("data-command=\"check_out\">Check out</button>"));
    assert!(html.contains("<bdi dir=\"auto\">مقتدى الصدر</bdi>"));
    // Quorum check, communications, the demo box.
    assert!(html.contains("data-command=\"check_quorum\""));
    assert!(html.contains("data-command=\"read_communication\""));
    assert!(html.contains("data-id-prefix=\"com-s1-\" data-next=\"1\""));
    assert!(html.contains("data-api=\"/api/demo/replay-step\""));
    assert!(
        html.contains("data-api=\"/api/demo/replay\" data-body=\"{&quot;interval_ms&quot;:1500}\"")
    );
    assert!(html.contains("data-demo-status"));
    // The chart is there too, and the election form (the preset has an election rule).
    assert_eq!(seat_states(&html).len(), 4);
    assert!(html.contains("data-testid=\"open-election\""));
    assert!(html.contains("data-type=\"candidates\""));
    // Without the demo, no demo box.
    let plain = officer_console(
        state,
        &snapshot,
        &PageContext {
            demo: false,
            ..officer()
        },
    );
    assert!(!plain.contains("data-testid=\"demo\""));
}

#[test]
fn the_officer_console_offers_a_casting_vote_when_the_standing_orders_do() {
    let source = SMALL_HEAD.replace(
        "standing_orders = \"iraq\"",
        "standing_orders = \"uk-commons\"",
    );
    let state = run(&source, "uk.toml");
    let html = officer_console(&state, &snapshot(&state), &officer());
    check_markup(&html);
    assert!(html.contains("<select name=\"casting_vote\" data-testid=\"casting-vote\"><option value=\"\">none</option><option value=\"yes\">yes</option><option value=\"no\">no</option></select>"));
}

#[test]
fn the_officer_console_of_the_demo() {
    let state = demo();
    let html = officer_console(state, &snapshot(state), &officer());
    check_markup(&html);
    assert_eq!(count(&html, "class=\"roll-member\""), 329);
    // The sitting is closed: nothing to open or close any more.
    assert!(tag_with(&html, "data-testid=\"open-division\"").contains(" hidden"));
}

#[test]
fn the_clerk_desk_has_every_form() {
    let state = small_closed();
    let accounts = [
        AccountView {
            username: "clerk".into(),
            display_name: "The Clerk".into(),
            role: "clerk".into(),
            member: None,
            has_login_code: false,
        },
        AccountView {
            username: "member-sadr".into(),
            display_name: "مقتدى الصدر".into(),
            role: "member".into(),
            member: Some("sadr".into()),
            has_login_code: true,
        },
    ];
    let html = clerk_desk(state, &clerk(), &accounts);
    check_markup(&html);
    for command in [
        "admit_member",
        "depart_member",
        "change_bloc",
        "register_bloc",
        "table_motion",
        "convene_sitting",
        "declare_boycott",
        "excuse_absence",
    ] {
        assert!(
            html.contains(&format!("data-command=\"{command}\"")),
            "{command}"
        );
    }
    assert!(html.contains("data-command=\"send_resolution\""));
    assert!(html.contains(
        "<input name=\"to\" required maxlength=\"200\" dir=\"auto\" value=\"the Government\">"
    ));
    assert!(html.contains("<select name=\"kind.kind\""));
    assert!(html.contains("data-only-if=\"kind.kind=resolution\""));
    assert!(html.contains("data-type=\"sponsors\""));
    assert!(html.contains("data-type=\"datetime\""));
    assert!(html.contains("data-type=\"agenda\""));
    // Accounts: the list, creation, deletion, and a member login per member.
    assert!(html.contains("data-api=\"/api/accounts\""));
    assert!(html.contains("data-api=\"/api/accounts/member-sadr\" data-method=\"DELETE\""));
    assert_eq!(count(&html, "data-api=\"/api/accounts/member-login\""), 4);
    assert!(html.contains("Issue a new login"));
    assert!(html.contains("data-login-output"));
    assert!(html.contains("<option value=\"presiding_officer\">presiding officer</option>"));
    // Names escaped and isolated.
    assert!(html.contains(
        "<td><bdi dir=\"auto\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</bdi></td>"
    ));
    assert!(html.contains("<bdi dir=\"auto\">Other &amp; &lt;Friends&gt;</bdi>"));
    // The follow-up register entry with the day's view.
    assert!(html.contains("Status: <strong>adopted, not yet sent</strong>"));
}

#[test]
fn the_clerk_desk_enters_the_count_of_a_secret_ballot() {
    let source = SMALL_HEAD
        .replace("method = \"recorded\"", "method = \"secret\"")
        .replace(
            "do = \"vote\"\ndivision = \"d1\"\nyes = [\"member:sadr\"]",
            "do = \"take_part\"\ndivision = \"d1\"\nmembers = [\"member:sadr\"]",
        );
    let state = run(&source, "secret.toml");
    let html = clerk_desk(&state, &clerk(), &[]);
    check_markup(&html);
    assert!(html.contains("data-command=\"enter_tally\""));
    assert!(html.contains("name=\"tally.yes\" data-type=\"int\""));
    // The member who took part sees it; the others may take part.
    let snapshot = snapshot(&state);
    let console = member_console(&state, &snapshot, &as_member("sadr"), &member("sadr"));
    assert!(!tag_with(&console, "data-testid=\"participation-form\"").contains(" hidden"));
    assert!(tag_with(&console, "data-testid=\"take-part\"").contains(" disabled"));
    let other = member_console(&state, &snapshot, &as_member("script"), &member("script"));
    assert!(!tag_with(&other, "data-testid=\"take-part\"").contains(" disabled"));
}

#[test]
fn the_sign_in_page_has_both_forms() {
    let html = sign_in(&context(None), Some("Wrong <password>"));
    check_markup(&html);
    assert!(html.contains("data-api=\"/api/auth/sign-in\" data-then=\"console\""));
    assert!(html.contains("data-api=\"/api/auth/member-sign-in\" data-then=\"console\""));
    assert!(
        html.contains("name=\"username\"") && html.contains("name=\"password\" type=\"password\"")
    );
    assert!(html.contains("<input name=\"code\" id=\"login-code\""));
    let pin = tag_with(&html, "id=\"login-pin\"");
    assert!(
        pin.contains("inputmode=\"numeric\"") && pin.contains("autocomplete=\"one-time-code\"")
    );
    assert!(html.contains("role=\"alert\" data-testid=\"error\">Wrong &lt;password&gt;</p>"));
    assert!(html.contains("<body data-page=\"sign-in\">"));
    let signed_in = sign_in(&officer(), None);
    assert!(signed_in.contains("<a href=\"/officer\">"));
    assert!(signed_in.contains("data-api=\"/api/auth/sign-out\""));
    assert!(signed_in.contains("<a href=\"/officer\">Chair’s console</a>"));
}

#[test]
fn the_record_lists_the_sittings() {
    let state = demo();
    let html = record_index(state, &context(None));
    check_markup(&html);
    assert!(html.contains("<a href=\"/record/sittings/2020-01-05\">"));
    assert!(html.contains("<td>2020-01-05</td>"));
    assert!(html.contains("<td>extraordinary</td><td>closed</td><td>172</td><td>1</td>"));
    assert!(html.contains("<a href=\"/record/register\""));
}

#[test]
fn the_record_of_the_demo_sitting() {
    let state = demo();
    let note = "hemicycle/test\n1\nAAAA\n\n— hemicycle/test <script>\n";
    let html = record_sitting(
        state,
        &context(None),
        &SittingId::new("2020-01-05").unwrap(),
        Some(note),
    )
    .expect("the sitting exists");
    // The current checkpoint, escaped, and a proof of each division's result.
    assert!(html.contains("— hemicycle/test &lt;script&gt;"));
    let closing = state
        .divisions
        .values()
        .next()
        .and_then(|division| division.closed.as_ref())
        .expect("the demo's division closed")
        .event_sequence;
    assert!(html.contains(&format!("/api/log/receipt?sequence={closing}\"")));
    check_markup(&html);
    // The notice, at the head.
    let notice = html.find("data-testid=\"notice\"").unwrap();
    assert!(notice < html.find("Attendance").unwrap());
    assert!(html.contains("Illustration, not a record"));
    // Attendance by bloc, with names.
    assert!(html.contains("data-testid=\"attendance-present\">172</td>"));
    assert!(html.contains("<dt>boycotting (25)</dt>"));
    assert!(html.contains("Kurdish members stay away from the extraordinary sitting."));
    // The quorum check, the letter read into the record.
    assert!(html.contains("Quorum checked at the opening. Quorum: 172 present, 165 required"));
    assert!(html.contains(
        "<bdi dir=\"auto\">Moqtada al-Sadr, leader of the Sairoon bloc — مقتدى الصدر</bdi>"
    ));
    // The division by bloc, the roll call by bloc, the outcome.
    assert!(html.contains("<tr><th scope=\"row\"><bdi dir=\"auto\">Sairoon</bdi></th><td>54</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>"));
    assert!(html.contains("<tr><th scope=\"row\"><bdi dir=\"auto\">KDP</bdi></th><td>0</td><td>0</td><td>0</td><td>0</td><td>25</td></tr>"));
    assert_eq!(count(&html, "data-testid=\"bloc-roll\""), 12);
    assert!(html.contains("<dt>Yes (54)</dt><dd><bdi dir=\"auto\">Sairoon, seat 1</bdi>"));
    assert!(html.contains("Sairoon, seat 1"));
    assert!(html.contains("(boycotting)"));
    assert!(html.contains("data-verdict=\"adopted\">ADOPTED</strong>"));
    assert!(html.contains("Majority: 170 in favour of 172 present"));
    // Follow-up, downloads.
    assert!(html.contains("the Government of Iraq (Council of Ministers)"));
    assert!(html.contains("<a href=\"/api/export/akn/2020-01-05.xml\">Akoma Ntoso XML</a>"));
    assert!(html.contains("<a href=\"/api/export/popolo.json\">Popolo JSON</a>"));
    assert!(html.contains("<a href=\"/api/log/checkpoint\">Signed checkpoint</a>"));
    assert!(record_sitting(
        state,
        &context(None),
        &SittingId::new("nope").unwrap(),
        None
    )
    .is_none());
}

#[test]
fn the_record_of_a_small_sitting_escapes_and_isolates() {
    let state = small_closed();
    let html = record_sitting(state, &context(None), &SittingId::new("s1").unwrap(), None).unwrap();
    check_markup(&html);
    assert!(html.contains("<h1><bdi dir=\"auto\">Sitting of 1 February — جلسة</bdi></h1>"));
    assert!(html.contains("<dt>Yes (2)</dt><dd><bdi dir=\"auto\">مقتدى الصدر</bdi>, <bdi dir=\"auto\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</bdi></dd>"));
    assert!(html.contains("<dt>Absent (1)</dt><dd><bdi dir=\"auto\">Four</bdi> (boycotting)</dd>"));
    assert!(html.contains("<dt>No (1)</dt><dd><bdi dir=\"auto\">Jane O&#39;Neil</bdi></dd>"));
}

#[test]
fn the_register_says_overdue() {
    let source = format!(
        "{SMALL_HEAD}{CLOSE_DIVISION}\n\
         [[step]]\ndo = \"send_resolution\"\nmotion = \"m1\"\nto = \"the Government\"\non = 2024-02-02\nresponse_due = 2024-02-20\n"
    );
    let state = run(&source, "register.toml");
    let html = record_register(&state, &context(None));
    check_markup(&html);
    assert!(html.contains("overdue (response was due 2024-02-20)"));
    assert!(html.contains("<tr data-overdue=\"true\">"));
    let before = record_register(
        &state,
        &PageContext {
            today: NaiveDate::from_ymd_opt(2024, 2, 10).unwrap(),
            ..context(None)
        },
    );
    assert!(before.contains("sent, awaiting response"));
    let empty = record_register(&State::new(), &context(None));
    assert!(empty.contains("data-testid=\"register-empty\""));
}

#[test]
fn the_message_page() {
    let html = message_page(&context(None), "Not found", "No <page> here.");
    check_markup(&html);
    assert!(html.contains("<h1>Not found</h1>"));
    assert!(html.contains("No &lt;page&gt; here."));
}

#[test]
fn the_static_files_are_what_the_pages_ask_for() {
    let css = include_str!("../../static/hemicycle.css");
    let live = include_str!("../../static/live.js");
    let console = include_str!("../../static/console.js");
    // Every seat state the server sends has a rule, and a word in live.js.
    for state in [
        "absent",
        "present",
        "excused",
        "boycotting",
        "pending",
        "yes",
        "no",
        "abstain",
        "voted",
    ] {
        assert!(
            css.contains(&format!(".seat[data-state=\"{state}\"]")),
            "{state}"
        );
        assert!(live.contains(&format!("{state}: '")), "{state}");
    }
    // Every condition the pages use is one live.js knows.
    for page in [
        gallery(small(), &snapshot(small()), &context(None)),
        member_console(
            small(),
            &snapshot(small()),
            &as_member("sadr"),
            &member("sadr"),
        ),
        officer_console(small(), &snapshot(small()), &officer()),
    ] {
        for conditions in page.split("data-show-when=\"").skip(1) {
            let conditions = conditions.split('"').next().unwrap();
            for word in conditions.split_whitespace() {
                let word = word.trim_start_matches('!');
                assert!(live.contains(&format!("'{word}'")), "live.js lacks {word}");
            }
        }
        for name in page.split("data-live=\"").skip(1) {
            let name = name.split('"').next().unwrap();
            assert!(
                live.contains(&format!("'{name}'")) || live.contains(&format!("\"{name}\"")),
                "live.js ignores {name}"
            );
        }
    }
    assert!(live.contains("new EventSource('/api/live')"));
    assert!(live.contains("'/api/live/snapshot'"));
    assert!(console.contains("credentials: 'same-origin'"));
    assert!(console.contains("'content-type': 'application/json'"));
    assert!(console.contains("'/api/commands/'"));
}
