//! Ideal points: the US Supreme Court's 2000 term and simulated roll calls.

use std::path::PathBuf;

use hemicycle_analytics::ideal_points::{correlation, ideal_points, simulate, IdealPointOptions};
use hemicycle_analytics::votes::{Vote, VoteMatrix, VoteMatrixBuilder};
use hemicycle_analytics::AnalyticsError;

/// The shared data folder sits beside the repository (CI has it).
fn shared_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "the shared data file {} is needed by this test and could not be read: {error}",
            path.display()
        )
    })
}

#[test]
fn the_supreme_court_separates_the_liberal_and_conservative_justices() {
    let text = shared_file("us-supreme-court-2000-term.csv");
    let matrix = VoteMatrix::from_wide_csv(&text, "us-supreme-court-2000-term.csv").unwrap();
    assert_eq!(matrix.members().len(), 9);
    assert_eq!(matrix.divisions().len(), 43);
    assert_eq!(matrix.vote_count(), 43 * 9 - 2, "case 23 has two NA");
    let options = IdealPointOptions {
        reference: Some("Scalia".into()),
        ..IdealPointOptions::default()
    };
    let result = ideal_points(&matrix, &options).unwrap();
    assert!(
        result.converged,
        "{} iterations, last change {}",
        result.iterations, result.last_change
    );
    let position = |name: &str| {
        result
            .members
            .iter()
            .find(|member| member.member == name)
            .unwrap()
            .position
    };
    assert!(position("Scalia") > 0.0, "the reference member is positive");
    let liberal = ["Stevens", "Souter", "Ginsburg", "Breyer"].map(position);
    let conservative = ["Scalia", "Thomas", "Rehnquist"].map(position);
    let most_conservative_liberal = liberal.iter().cloned().fold(f64::MIN, f64::max);
    let least_conservative = conservative.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        most_conservative_liberal < least_conservative,
        "liberal {liberal:?} vs conservative {conservative:?}"
    );
    // The swing justices sit between the two camps.
    for swing in ["OConnor", "Kennedy"] {
        assert!(
            position(swing) > most_conservative_liberal && position(swing) < least_conservative
        );
    }
    // With Stevens as the reference, the scale flips.
    let flipped = ideal_points(
        &matrix,
        &IdealPointOptions {
            reference: Some("Stevens".into()),
            ..IdealPointOptions::default()
        },
    )
    .unwrap();
    assert!(flipped
        .members
        .iter()
        .zip(&result.members)
        .all(|(a, b)| (a.position + b.position).abs() < 1e-9));
}

#[test]
fn simulated_roll_calls_recover_the_true_positions() {
    let (matrix, truth) = simulate(100, 300, 0.1, 7).unwrap();
    let result = ideal_points(&matrix, &IdealPointOptions::default()).unwrap();
    assert!(result.converged);
    let estimated: Vec<f64> = result
        .members
        .iter()
        .map(|member| member.position)
        .collect();
    let fit = correlation(&estimated, &truth).unwrap().abs();
    assert!(fit >= 0.95, "correlation {fit}");
}

#[test]
fn bad_vote_matrices_get_clear_answers() {
    // A member who never voted keeps the prior mean; a division with no votes keeps 0.
    let mut builder = VoteMatrixBuilder::default();
    builder.add_member("silent", None).unwrap();
    builder.add_division("empty").unwrap();
    for (division, votes) in [
        ("a", [1, 1, 0, 0]),
        ("b", [1, 0, 0, 0]),
        ("c", [1, 1, 1, 0]),
    ] {
        for (member, vote) in votes.iter().enumerate() {
            let vote = if *vote == 1 { Vote::Yea } else { Vote::Nay };
            builder
                .add_vote(division, &format!("m{member}"), vote)
                .unwrap();
        }
    }
    let matrix = builder.build().unwrap();
    let result = ideal_points(&matrix, &IdealPointOptions::default()).unwrap();
    let silent = &result.members[0];
    assert_eq!((silent.position, silent.votes), (0.0, 0));
    let empty = &result.divisions[0];
    assert_eq!(
        (empty.difficulty, empty.discrimination, empty.votes),
        (0.0, 0.0, 0)
    );
    assert!(result
        .members
        .iter()
        .all(|member| member.position.is_finite()));

    let mut only_silence = VoteMatrixBuilder::default();
    only_silence.add_member("a", None).unwrap();
    only_silence.add_division("d").unwrap();
    assert!(matches!(
        ideal_points(
            &only_silence.build().unwrap(),
            &IdealPointOptions::default()
        ),
        Err(AnalyticsError::EmptyVotes(_))
    ));
    assert!(matches!(
        ideal_points(
            &matrix,
            &IdealPointOptions {
                reference: Some("nobody".into()),
                ..IdealPointOptions::default()
            }
        ),
        Err(AnalyticsError::NoMember(_))
    ));
    assert!(matches!(
        VoteMatrix::from_wide_csv("\"\",a,b\n1,1,maybe\n", "bad.csv"),
        Err(AnalyticsError::BadVoteFile { line: 2, .. })
    ));
    assert!(matches!(
        VoteMatrix::from_wide_csv("\"\",a,b\n1,1\n", "short.csv"),
        Err(AnalyticsError::BadVoteFile { line: 2, .. })
    ));
    assert!(matches!(
        VoteMatrix::from_wide_csv("", "empty.csv"),
        Err(AnalyticsError::EmptyVotes(_))
    ));
}

#[test]
fn a_repeated_vote_replaces_the_earlier_one() {
    let mut builder = VoteMatrixBuilder::default();
    builder.add_vote("d", "m", Vote::Yea).unwrap();
    builder.add_vote("d", "n", Vote::Nay).unwrap();
    builder.add_vote("d", "m", Vote::Nay).unwrap();
    let matrix = builder.build().unwrap();
    let votes: Vec<(usize, bool)> = matrix.division_votes(0).collect();
    assert_eq!(votes, [(0, false), (1, false)]);
}
