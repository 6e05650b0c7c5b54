//! Signing in: a username and password for clerks and the presiding officer; a
//! login code and PIN for members. A member's login link is `/sign-in#code=…`:
//! the fragment never reaches the server (nor its logs); `console.js` reads it
//! and fills the code in, so on a phone the member types only the PIN.

use std::fmt::Write as _;

use super::html::{document, escape, name, Page, Scripts};
use super::{PageContext, SignedInRole};

pub fn sign_in(context: &PageContext, error: Option<&str>) -> String {
    let mut main = String::from("<header class=\"page-header\"><h1>Sign in</h1></header>\n");
    if let Some(signed_in) = &context.signed_in {
        let (href, console) = match signed_in.role {
            SignedInRole::Clerk => ("/clerk", "the clerk’s desk"),
            SignedInRole::PresidingOfficer => ("/officer", "the presiding officer’s console"),
            SignedInRole::Member(_) => ("/member", "your console"),
        };
        let _ = writeln!(
            main,
            "<p class=\"already\" data-testid=\"already-signed-in\">You are signed in as {}. Go to <a href=\"{href}\">{console}</a>, or sign in as someone else below.</p>",
            name(&signed_in.display_name)
        );
    }
    let _ = writeln!(
        main,
        "<p class=\"form-error page-error\" role=\"alert\" data-testid=\"error\"{}>{}</p>",
        if error.is_some() { "" } else { " hidden" },
        escape(error.unwrap_or(""))
    );
    main.push_str("<div class=\"sign-in-forms\">\n");
    main.push_str(
        "<form class=\"panel sign-in-form\" data-api=\"/api/auth/member-sign-in\" data-then=\"console\" data-testid=\"member-sign-in\">\n\
         <h2>Members</h2>\n<p>Open the login link the clerk gave you, then type your PIN.</p>\n\
         <label>Login code <input name=\"code\" id=\"login-code\" required autocomplete=\"off\" autocapitalize=\"none\" spellcheck=\"false\" data-testid=\"login-code\"></label>\n\
         <label>PIN <input name=\"pin\" id=\"login-pin\" type=\"password\" inputmode=\"numeric\" pattern=\"[0-9]{4,8}\" autocomplete=\"one-time-code\" required maxlength=\"8\" data-testid=\"login-pin\"></label>\n\
         <button type=\"submit\" class=\"big\" data-testid=\"member-sign-in-button\">Sign in</button>\n\
         </form>\n",
    );
    main.push_str(
        "<form class=\"panel sign-in-form\" data-api=\"/api/auth/sign-in\" data-then=\"console\" data-testid=\"password-sign-in\">\n\
         <h2>Clerks and the presiding officer</h2>\n\
         <label>Username <input name=\"username\" required autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" data-testid=\"username\"></label>\n\
         <label>Password <input name=\"password\" type=\"password\" required autocomplete=\"current-password\" data-testid=\"password\"></label>\n\
         <button type=\"submit\" class=\"big\" data-testid=\"sign-in-button\">Sign in</button>\n\
         </form>\n",
    );
    main.push_str("</div>\n");
    document(
        &Page {
            title: "Sign in".to_owned(),
            context,
            kind: "sign-in",
            scripts: Scripts::Forms,
            body_attributes: String::new(),
        },
        &main,
    )
}
