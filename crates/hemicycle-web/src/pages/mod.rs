//! The pages: server-rendered HTML built from the chamber's state.
//!
//! Every function here is pure (state in, a complete HTML5 document out). The
//! pages carry no inline script: the live pages load `live.js`, which follows
//! the live stream and restyles what is marked with `data-live`,
//! `data-member` and `data-show-when`; every page loads `console.js`, which
//! sends the forms marked with `data-command` or `data-api` to the API as JSON.
//! Names (of members, blocs, motions, sittings) are isolated with
//! `<bdi dir="auto">`, so Arabic and Kurdish names run right to left inside
//! the left-to-right pages.

mod analysis;
mod clerk;
mod console;
mod gallery;
mod html;
mod record;
mod sign_in;
mod widgets;

#[cfg(test)]
mod tests;

use hemicycle_core::ids::{MemberId, SittingId};
use hemicycle_core::State;

use crate::live::LiveSnapshot;

pub use html::escape;

/// Who is looking at a page, and what the server knows that the state does not.
#[derive(Debug, Clone)]
pub struct PageContext {
    pub signed_in: Option<SignedIn>,
    /// Whether the demonstration's replay controls are available.
    pub demo: bool,
    /// Today, for deadlines ("overdue").
    pub today: chrono::NaiveDate,
}

/// The account signed in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub username: String,
    pub display_name: String,
    pub role: SignedInRole,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedInRole {
    Clerk,
    PresidingOfficer,
    Member(hemicycle_core::ids::MemberId),
}

/// An account as the clerk's desk lists it (never with its credentials).
#[derive(Debug, Clone)]
pub struct AccountView {
    pub username: String,
    pub display_name: String,
    /// `clerk`, `presiding_officer` or `member`.
    pub role: String,
    pub member: Option<String>,
    pub has_login_code: bool,
}

/// The public gallery (`/`, `/gallery`): the seat chart, the quorum, the
/// division and its outcome, the boycotts, a legend. Follows the live stream.
pub fn gallery(state: &State, snapshot: &LiveSnapshot, context: &PageContext) -> String {
    gallery::gallery(state, snapshot, context)
}

/// A member's console (`/member`): check in and out, and vote.
pub fn member_console(
    state: &State,
    snapshot: &LiveSnapshot,
    context: &PageContext,
    member: &MemberId,
) -> String {
    console::member_console(state, snapshot, context, member)
}

/// The presiding officer's console (`/officer`): the sittings, the roll, the
/// quorum, the divisions, communications, and the demonstration's replay.
pub fn officer_console(state: &State, snapshot: &LiveSnapshot, context: &PageContext) -> String {
    console::officer_console(state, snapshot, context)
}

/// The clerk's desk (`/clerk`): the roster, blocs, motions, sittings, the
/// follow-up register and the accounts.
pub fn clerk_desk(state: &State, context: &PageContext, accounts: &[AccountView]) -> String {
    clerk::clerk_desk(state, context, accounts)
}

/// The sign-in page (`/sign-in`), with `error` shown if given.
pub fn sign_in(context: &PageContext, error: Option<&str>) -> String {
    sign_in::sign_in(context, error)
}

/// The record's index (`/record`): every sitting.
pub fn record_index(state: &State, context: &PageContext) -> String {
    record::record_index(state, context)
}

/// The record of one sitting (`/record/sittings/{id}`); `None` if there is no such sitting.
/// `checkpoint` is the journal's latest signed checkpoint (a signed note), shown as published.
pub fn record_sitting(
    state: &State,
    context: &PageContext,
    sitting: &SittingId,
    checkpoint: Option<&str>,
) -> Option<String> {
    record::record_sitting(state, context, sitting, checkpoint)
}

/// What happened at a sitting (`/record/sittings/{id}/analysis`): attendance,
/// the quorum and who could have broken it, cohesion, voting power.
pub fn sitting_analysis(
    state: &State,
    context: &PageContext,
    sitting: &SittingId,
) -> Option<String> {
    analysis::sitting_analysis(state, context, sitting)
}

/// The follow-up register (`/record/register`), as seen on `context.today`.
pub fn record_register(state: &State, context: &PageContext) -> String {
    record::record_register(state, context)
}

/// A page holding only a message (not found, forbidden, an error).
pub fn message_page(context: &PageContext, status_title: &str, message: &str) -> String {
    let main = format!(
        "<section class=\"message\" data-testid=\"message\">\n<h1>{}</h1>\n<p>{}</p>\n\
         <p><a href=\"/gallery\">Go to the gallery</a> · <a href=\"/record\">Read the record</a></p>\n</section>\n",
        html::escape(status_title),
        html::escape(message)
    );
    html::document(
        &html::Page {
            title: status_title.to_owned(),
            context,
            kind: "message",
            scripts: html::Scripts::Forms,
            body_attributes: String::new(),
        },
        &main,
    )
}
