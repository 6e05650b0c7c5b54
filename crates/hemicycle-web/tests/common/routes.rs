//! The state-changing routes, as the tests know them: those the authorization matrix
//! of `tests/api.rs` has rows for, and those open to everyone by design. The security
//! tests check that every POST, PUT, PATCH or DELETE route the router serves is in one
//! of these lists, so that a new route cannot be added without deciding who may use it.
//!
//! Paths are written as the router writes them, with `{parameter}` for a segment.

#![allow(dead_code)]

/// State-changing routes with rows in the authorization matrix of `tests/api.rs`.
/// `POST /api/commands/{name}` stands for one row per command name.
pub const AUTHORIZATION_MATRIX: &[(&str, &str)] = &[
    ("POST", "/api/commands/{name}"),
    ("POST", "/api/accounts"),
    ("POST", "/api/accounts/member-login"),
    ("DELETE", "/api/accounts/{username}"),
    ("POST", "/api/demo/replay-step"),
    ("POST", "/api/demo/replay"),
];

/// State-changing routes anyone may call, with the reason they need no matrix row.
pub const OPEN_TO_EVERYONE: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/api/auth/sign-in",
        "signing in is how a caller gets an account's rights; limited per account and address",
    ),
    (
        "POST",
        "/api/auth/member-sign-in",
        "signing in is how a member gets their rights; limited per login code and address",
    ),
    (
        "POST",
        "/api/auth/sign-out",
        "ends only the auth session of the cookie sent with it",
    ),
];

/// Whether a concrete `path` is an instance of `template` (`{name}` matches one
/// non-empty segment).
pub fn matches_template(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let template_segments: Vec<&str> = template.split('/').collect();
    let path_segments: Vec<&str> = path.split('/').collect();
    template_segments.len() == path_segments.len()
        && template_segments
            .iter()
            .zip(&path_segments)
            .all(|(expected, actual)| {
                let parameter = expected.starts_with('{') && expected.ends_with('}');
                if parameter {
                    !actual.is_empty()
                } else {
                    expected == actual
                }
            })
}

/// Checks that the rows of an authorization matrix, as (method, concrete path), cover
/// exactly [`AUTHORIZATION_MATRIX`]: every row is an instance of a listed route, and
/// every listed route has a row. For `tests/api.rs` to keep this list honest.
#[track_caller]
pub fn assert_matrix_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) {
    let mut covered = vec![false; AUTHORIZATION_MATRIX.len()];
    let mut unlisted = Vec::new();
    for (method, path) in rows {
        let found = AUTHORIZATION_MATRIX
            .iter()
            .position(|(listed_method, template)| {
                listed_method.eq_ignore_ascii_case(method) && matches_template(template, path)
            });
        match found {
            Some(index) => covered[index] = true,
            None => unlisted.push(format!("{method} {path}")),
        }
    }
    let without_rows: Vec<String> = AUTHORIZATION_MATRIX
        .iter()
        .zip(&covered)
        .filter(|(_, covered)| !**covered)
        .map(|((method, template), _)| format!("{method} {template}"))
        .collect();
    assert!(
        unlisted.is_empty() && without_rows.is_empty(),
        "the matrix and tests/common/routes.rs disagree: rows not listed there {unlisted:?}; \
         listed routes without a row {without_rows:?}"
    );
}
