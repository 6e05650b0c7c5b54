//! Cohesion, loyalty and defections on divisions where members really broke ranks:
//! the House vote on H.J.Res. 114 (10 October 2002), the two Commons divisions of
//! 3 April 2019, and the Senate roll call of 11 October 2002 imported from its table.
//! Every expected value below is computed by hand from the published totals.

use std::collections::BTreeMap;
use std::path::PathBuf;

use hemicycle_analytics::attendance::{Period, Scope};
use hemicycle_analytics::cohesion::{
    agreement_index, cohesion, plurality, rice_index, BlocCohesion, BlocVotes, CohesionReport,
    DivisionCohesion, MemberLoyalty, Position,
};
use hemicycle_analytics::votes::VoteMatrix;
use hemicycle_core::history::RecordedOption;
use hemicycle_core::ids::{DivisionId, SittingId};
use hemicycle_core::model::{Choice, Timestamp};
use hemicycle_core::State;
use hemicycle_engine::Chamber;
use hemicycle_interop::senate::{plan_senate_import, SenateVote};
use hemicycle_interop::NewChamber;
use hemicycle_journal::sqlite::SqliteStorage;
use hemicycle_scenario::parse_scenario;

/// The state after replaying a scenario of the repository's `scenarios/` folder.
fn replay(file: &str) -> State {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(file);
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let scenario = parse_scenario(&source, file, &|name| {
        Err(format!("no file {name} in tests"))
    })
    .unwrap_or_else(|error| panic!("{file} does not parse: {error}"));
    let mut chamber = Chamber::open(SqliteStorage::open_in_memory().expect("in-memory journal"))
        .expect("an empty journal opens");
    chamber
        .run_scenario(&scenario)
        .unwrap_or_else(|error| panic!("{file} does not run: {error}"));
    chamber.state().clone()
}

fn division<'a>(report: &'a CohesionReport, id: &str) -> &'a DivisionCohesion {
    report
        .divisions
        .iter()
        .find(|division| division.division == id)
        .unwrap_or_else(|| panic!("no division {id} in {:?}", report.divisions))
}

fn bloc_votes<'a>(division: &'a DivisionCohesion, label: &str) -> &'a BlocVotes {
    division
        .blocs
        .iter()
        .find(|(name, _)| name == label)
        .map(|(_, votes)| votes)
        .unwrap_or_else(|| panic!("no bloc {label} in {}", division.division))
}

fn bloc<'a>(report: &'a CohesionReport, label: &str) -> &'a BlocCohesion {
    report
        .blocs
        .iter()
        .find(|bloc| bloc.name == label)
        .unwrap_or_else(|| panic!("no bloc {label} in the report"))
}

fn member<'a>(report: &'a CohesionReport, id: &str) -> &'a MemberLoyalty {
    report
        .members
        .iter()
        .find(|member| member.member == id)
        .unwrap_or_else(|| panic!("no loyalty for {id}"))
}

/// Members of bloc `bloc_id` with at least one defection.
fn defectors<'a>(report: &'a CohesionReport, bloc_id: &str) -> Vec<&'a MemberLoyalty> {
    report
        .members
        .iter()
        .filter(|member| member.bloc.as_deref() == Some(bloc_id) && member.defections > 0)
        .collect()
}

fn share(report: &CohesionReport, a: &str, b: &str) -> (Option<f64>, u32) {
    let matrix = &report.agreement;
    let index = |label: &str| {
        matrix
            .blocs
            .iter()
            .position(|name| name == label)
            .unwrap_or_else(|| panic!("no bloc {label} in the matrix {:?}", matrix.blocs))
    };
    let (a, b) = (index(a), index(b));
    (matrix.shares[a][b], matrix.compared[a][b])
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap_or_else(|| panic!("expected {expected}, got None"));
    assert!(
        (actual - expected).abs() < 1e-12,
        "expected {expected}, got {actual}"
    );
}

/// No index anywhere in the report is NaN or infinite.
fn assert_finite(report: &CohesionReport) {
    let finite = |value: Option<f64>| value.is_none_or(f64::is_finite);
    for division in &report.divisions {
        for (name, votes) in &division.blocs {
            assert!(
                finite(votes.rice) && finite(votes.agreement),
                "{name} in {}: {votes:?}",
                division.division
            );
        }
    }
    for bloc in &report.blocs {
        assert!(
            finite(bloc.mean_rice) && finite(bloc.mean_agreement),
            "{bloc:?}"
        );
    }
    for member in &report.members {
        assert!(finite(member.loyalty), "{member:?}");
    }
    for row in &report.agreement.shares {
        assert!(row.iter().all(|share| finite(*share)), "{row:?}");
    }
}

// ---------------------------------------------------------------------------------
// United States House of Representatives, Roll Call 455, 10 October 2002.
// Republicans 223: 215 yes, 6 no, 2 not voting. Democrats 208: 81 yes, 126 no, 1 not
// voting. One independent: no.

fn house() -> CohesionReport {
    let state = replay("us-house-2002-10-10.toml");
    let report = cohesion(
        &state,
        &Scope::Sitting(SittingId::new("2002-10-10").unwrap()),
    )
    .expect("cohesion of the sitting");
    assert_finite(&report);
    report
}

#[test]
fn house_counts_and_indices_per_party_match_roll_call_455() {
    let report = house();
    assert_eq!(report.divisions.len(), 1);
    assert!(report.left_out.is_empty(), "{:?}", report.left_out);
    let roll_call = division(&report, "roll-call-455");

    let republicans = bloc_votes(roll_call, "Republicans");
    assert_eq!(
        (
            republicans.yes,
            republicans.no,
            republicans.abstain,
            republicans.not_voting
        ),
        (215, 6, 0, 2)
    );
    // Rice |215 − 6| / 221 = 209/221 ≈ 0.9457.
    assert_eq!(republicans.rice, Some(209.0 / 221.0));
    // Agreement (3·215 − 221) / (2·221) = 424/442 ≈ 0.9593.
    assert_eq!(republicans.agreement, Some(424.0 / 442.0));
    assert_eq!(republicans.position, Some(Position::Yes));

    let democrats = bloc_votes(roll_call, "Democrats");
    assert_eq!(
        (
            democrats.yes,
            democrats.no,
            democrats.abstain,
            democrats.not_voting
        ),
        (81, 126, 0, 1)
    );
    // Rice |81 − 126| / 207 = 45/207 ≈ 0.2174.
    assert_eq!(democrats.rice, Some(45.0 / 207.0));
    // Agreement (3·126 − 207) / (2·207) = 171/414 ≈ 0.4130.
    assert_eq!(democrats.agreement, Some(171.0 / 414.0));
    assert_eq!(democrats.position, Some(Position::No));

    // One division: the per-party means are the division's indices.
    let republicans = bloc(&report, "Republicans");
    assert_eq!(republicans.members, 223);
    assert_eq!(
        (
            republicans.divisions_with_rice,
            republicans.divisions_with_votes
        ),
        (1, 1)
    );
    close(republicans.mean_rice, 209.0 / 221.0);
    close(republicans.mean_agreement, 424.0 / 442.0);
    let democrats = bloc(&report, "Democrats");
    assert_eq!(democrats.members, 208);
    close(democrats.mean_rice, 45.0 / 207.0);
    close(democrats.mean_agreement, 171.0 / 414.0);
}

#[test]
fn house_defectors_are_the_6_republican_noes_and_the_81_democratic_yeas() {
    let report = house();
    // Everyone who voted has a loyalty entry (every bloc had a position): 296 + 133.
    assert_eq!(report.members.len(), 296 + 133);

    let republicans = defectors(&report, "republicans");
    assert_eq!(republicans.len(), 6);
    let democrats = defectors(&report, "democrats");
    assert_eq!(democrats.len(), 81);
    assert!(defectors(&report, "independent").is_empty());

    // Each defector cast one vote, against the bloc: loyalty 0, the division listed.
    for defector in republicans.iter().chain(&democrats) {
        assert_eq!(
            (
                defector.votes_counted,
                defector.with_bloc,
                defector.defections
            ),
            (1, 0, 1),
            "{defector:?}"
        );
        assert_eq!(defector.loyalty, Some(0.0), "{defector:?}");
        assert_eq!(defector.defected_in, ["roll-call-455"], "{defector:?}");
    }
    // Everyone else who voted went with the bloc: loyalty 1.
    let loyal: Vec<&MemberLoyalty> = report
        .members
        .iter()
        .filter(|member| member.defections == 0)
        .collect();
    assert_eq!(loyal.len(), 215 + 126 + 1);
    assert!(loyal
        .iter()
        .all(|member| member.loyalty == Some(1.0) && member.votes_counted == 1));
    let loyal_in = |bloc_id: &str| {
        loyal
            .iter()
            .filter(|member| member.bloc.as_deref() == Some(bloc_id))
            .count()
    };
    assert_eq!(
        (
            loyal_in("republicans"),
            loyal_in("democrats"),
            loyal_in("independent")
        ),
        (215, 126, 1)
    );

    // The named members: the Speaker voted with his party, the Democratic leader
    // (who co-sponsored the resolution) against his.
    assert_eq!(member(&report, "hastert").loyalty, Some(1.0));
    let gephardt = member(&report, "gephardt");
    assert_eq!(gephardt.loyalty, Some(0.0));
    assert_eq!(gephardt.bloc.as_deref(), Some("democrats"));

    // The defectors' own votes, read from the report's division, are the minority.
    let roll_call = division(&report, "roll-call-455");
    assert_eq!(
        bloc_votes(roll_call, "Republicans").no as usize,
        republicans.len()
    );
    assert_eq!(
        bloc_votes(roll_call, "Democrats").yes as usize,
        democrats.len()
    );
}

#[test]
fn house_agreement_matrix_on_roll_call_455() {
    let report = house();
    // Republicans' plurality was yes, Democrats' no: they disagree on the one division.
    assert_eq!(share(&report, "Republicans", "Democrats"), (Some(0.0), 1));
    assert_eq!(share(&report, "Democrats", "Republicans"), (Some(0.0), 1));
    // The independent voted no, with the Democrats' plurality.
    assert_eq!(share(&report, "Independent", "Democrats"), (Some(1.0), 1));
    assert_eq!(share(&report, "Independent", "Republicans"), (Some(0.0), 1));
    // A bloc always agrees with itself where it had a position.
    for label in ["Republicans", "Democrats", "Independent"] {
        assert_eq!(share(&report, label, label), (Some(1.0), 1), "{label}");
    }
}

#[test]
fn house_bloc_of_one_is_united_and_loyal() {
    let report = house();
    let roll_call = division(&report, "roll-call-455");
    let independent = bloc_votes(roll_call, "Independent");
    assert_eq!(
        (
            independent.yes,
            independent.no,
            independent.abstain,
            independent.not_voting
        ),
        (0, 1, 0, 0)
    );
    // |0 − 1| / 1 = 1; (3·1 − 1) / (2·1) = 1.
    assert_eq!(independent.rice, Some(1.0));
    assert_eq!(independent.agreement, Some(1.0));
    assert_eq!(independent.position, Some(Position::No));
    let summary = bloc(&report, "Independent");
    assert_eq!(summary.members, 1);
    assert_eq!(summary.mean_rice, Some(1.0));
    assert_eq!(summary.mean_agreement, Some(1.0));
    // The member's own vote makes the bloc's position: loyalty 1, by definition.
    let independents: Vec<&MemberLoyalty> = report
        .members
        .iter()
        .filter(|member| member.bloc.as_deref() == Some("independent"))
        .collect();
    assert_eq!(independents.len(), 1);
    assert_eq!(
        (
            independents[0].votes_counted,
            independents[0].with_bloc,
            independents[0].defections,
            independents[0].loyalty
        ),
        (1, 1, 0, Some(1.0))
    );
}

// ---------------------------------------------------------------------------------
// House of Commons, 3 April 2019: the Benn amendment (310–310, the Speaker's casting
// vote with the noes) and the third reading of the Withdrawal (No. 5) Bill (313–312).

const BENN: &str = "benn-amendment-division";
const THIRD_READING: &str = "withdrawal-no5-third-reading";

/// Each party's majority side, the same in both divisions (from the scenario's lists).
fn commons_majority(bloc_id: &str) -> Option<Choice> {
    match bloc_id {
        "conservative" | "dup" => Some(Choice::No),
        "labour" | "snp" | "independent-group" | "libdem" | "plaid" | "green" | "independents" => {
            Some(Choice::Yes)
        }
        _ => None,
    }
}

fn commons() -> (State, CohesionReport) {
    let state = replay("uk-commons-2019-04-03.toml");
    let report = cohesion(&state, &Scope::Period(Period::default())).expect("cohesion");
    assert_finite(&report);
    (state, report)
}

#[test]
fn commons_indices_per_party_in_each_division() {
    let (_, report) = commons();
    assert_eq!(report.divisions.len(), 2);
    let benn = division(&report, BENN);
    let third = division(&report, THIRD_READING);
    let counts = |votes: &BlocVotes| (votes.yes, votes.no, votes.abstain);

    // Conservatives: 10–290, then 12–293.
    let conservative = bloc_votes(benn, "Conservative");
    assert_eq!(counts(conservative), (10, 290, 0));
    assert_eq!(conservative.rice, Some(280.0 / 300.0));
    assert_eq!(conservative.agreement, Some(570.0 / 600.0));
    assert_eq!(conservative.position, Some(Position::No));
    let conservative_third = bloc_votes(third, "Conservative");
    assert_eq!(counts(conservative_third), (12, 293, 0));
    assert_eq!(conservative_third.rice, Some(281.0 / 305.0));
    assert_eq!(conservative_third.agreement, Some(574.0 / 610.0));

    // Labour: 230–8, then 232–5.
    let labour = bloc_votes(benn, "Labour");
    assert_eq!(counts(labour), (230, 8, 0));
    assert_eq!(labour.rice, Some(222.0 / 238.0));
    assert_eq!(labour.agreement, Some(452.0 / 476.0));
    assert_eq!(labour.position, Some(Position::Yes));
    let labour_third = bloc_votes(third, "Labour");
    assert_eq!(counts(labour_third), (232, 5, 0));
    assert_eq!(labour_third.rice, Some(227.0 / 237.0));

    // Independents: 9–2, then 7–4.
    let independents = bloc_votes(benn, "Independents");
    assert_eq!(counts(independents), (9, 2, 0));
    assert_eq!(independents.rice, Some(7.0 / 11.0));
    assert_eq!(independents.agreement, Some(16.0 / 22.0));
    let independents_third = bloc_votes(third, "Independents");
    assert_eq!(counts(independents_third), (7, 4, 0));
    assert_eq!(independents_third.rice, Some(3.0 / 11.0));
    assert_eq!(independents_third.agreement, Some(10.0 / 22.0));

    // Averages over the two divisions.
    let conservative = bloc(&report, "Conservative");
    assert_eq!(conservative.divisions_with_rice, 2);
    close(
        conservative.mean_rice,
        (280.0 / 300.0 + 281.0 / 305.0) / 2.0,
    );
    close(
        bloc(&report, "Labour").mean_rice,
        (222.0 / 238.0 + 227.0 / 237.0) / 2.0,
    );
    close(
        bloc(&report, "Independents").mean_rice,
        (7.0 / 11.0 + 3.0 / 11.0) / 2.0,
    );
    // The SNP voted as one both times (one member missed the first division).
    assert_eq!(bloc(&report, "SNP").mean_rice, Some(1.0));
}

#[test]
fn commons_blocs_that_did_not_vote_have_no_indices_and_no_position() {
    let (_, report) = commons();
    for id in [BENN, THIRD_READING] {
        let division = division(&report, id);
        // The Speaker, a bloc of one, was in the Chair and voted only by casting vote
        // (which is no ballot); Sinn Féin's 7 members never take their seats.
        for (label, members) in [("Speaker", 1), ("Sinn Féin", 7)] {
            let votes = bloc_votes(division, label);
            assert_eq!(
                (votes.yes, votes.no, votes.abstain, votes.not_voting),
                (0, 0, 0, members),
                "{label} in {id}"
            );
            assert_eq!(
                (votes.rice, votes.agreement, votes.position),
                (None, None, None),
                "{label} in {id}"
            );
        }
    }
    for label in ["Speaker", "Sinn Féin"] {
        let summary = bloc(&report, label);
        assert_eq!(
            (
                summary.divisions_with_rice,
                summary.mean_rice,
                summary.divisions_with_votes,
                summary.mean_agreement
            ),
            (0, None, 0, None),
            "{label}"
        );
        // Nothing to compare, with anyone, itself included.
        for other in &report.agreement.blocs {
            assert_eq!(share(&report, label, other), (None, 0), "{label}–{other}");
            assert_eq!(share(&report, other, label), (None, 0), "{other}–{label}");
        }
    }
    assert_eq!(bloc(&report, "Speaker").members, 1);
    assert!(
        report
            .members
            .iter()
            .all(|member| !matches!(member.bloc.as_deref(), Some("speaker" | "sinn-fein"))),
        "members who never voted have no loyalty entry"
    );
}

#[test]
fn commons_defections_and_loyalty_follow_each_members_ballots() {
    let (state, report) = commons();
    // Defections per party over the two divisions: Conservatives 10 + 12, Labour 8 + 5,
    // Independents 2 + 4; nobody else broke ranks.
    let total = |bloc_id: &str| -> u32 {
        report
            .members
            .iter()
            .filter(|member| member.bloc.as_deref() == Some(bloc_id))
            .map(|member| member.defections)
            .sum()
    };
    assert_eq!(total("conservative"), 22);
    assert_eq!(total("labour"), 13);
    assert_eq!(total("independents"), 6);
    for bloc_id in [
        "snp",
        "independent-group",
        "libdem",
        "dup",
        "plaid",
        "green",
    ] {
        assert_eq!(total(bloc_id), 0, "{bloc_id}");
    }

    // Each member's loyalty, recomputed from their own ballots against the party's
    // majority side: 1, ½ or 0 for those who voted twice, 1 or 0 for those who voted once.
    let date = "2019-04-03".parse().unwrap();
    let mut expected: BTreeMap<String, (u32, u32, Vec<String>)> = BTreeMap::new();
    for id in [BENN, THIRD_READING] {
        let held = &state.divisions[&DivisionId::new(id).unwrap()];
        for (voter, choice) in &held.ballots {
            let bloc_id = state.members[voter].bloc_on(date).expect("a bloc");
            let majority = commons_majority(bloc_id.as_str()).expect("a voting party");
            let entry = expected.entry(voter.to_string()).or_default();
            entry.0 += 1;
            if *choice == majority {
                entry.1 += 1;
            } else {
                entry.2.push(id.to_owned());
            }
        }
    }
    assert_eq!(expected.len(), report.members.len());
    let mut by_loyalty: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    for (id, (counted, with_bloc, defected_in)) in &expected {
        let loyalty = member(&report, id);
        assert_eq!(
            (
                loyalty.votes_counted,
                loyalty.with_bloc,
                loyalty.defections,
                &loyalty.defected_in
            ),
            (*counted, *with_bloc, counted - with_bloc, defected_in),
            "{id}"
        );
        assert_eq!(
            loyalty.loyalty,
            Some(f64::from(*with_bloc) / f64::from(*counted)),
            "{id}"
        );
        *by_loyalty.entry((*with_bloc, *counted)).or_default() += 1;
    }
    // Whoever defected twice has loyalty 0; once in two votes, ½.
    for member in &report.members {
        match (member.votes_counted, member.defections) {
            (2, 2) | (1, 1) => assert_eq!(member.loyalty, Some(0.0)),
            (2, 1) => assert_eq!(member.loyalty, Some(0.5)),
            (_, 0) => assert_eq!(member.loyalty, Some(1.0)),
            other => panic!("{other:?} for {member:?}"),
        }
    }
    // 620 voted on the Benn amendment and 625 on the third reading; 5 Conservatives and
    // an SNP member came in for the second only, a Labour member left after the first.
    let voted_in = |counted: u32| {
        by_loyalty
            .iter()
            .filter(|((_, votes), _)| *votes == counted)
            .map(|(_, members)| members)
            .sum::<u32>()
    };
    assert_eq!(voted_in(2) * 2 + voted_in(1), 620 + 625);
    assert_eq!(voted_in(1), 5 + 1 + 1);
}

#[test]
fn commons_agreement_matrix_over_two_divisions() {
    let (_, report) = commons();
    assert_eq!(share(&report, "Conservative", "Labour"), (Some(0.0), 2));
    assert_eq!(share(&report, "Conservative", "DUP"), (Some(1.0), 2));
    assert_eq!(share(&report, "Labour", "SNP"), (Some(1.0), 2));
    assert_eq!(share(&report, "Green", "Independents"), (Some(1.0), 2));
    assert_eq!(share(&report, "DUP", "Green"), (Some(0.0), 2));
    let matrix = &report.agreement;
    for a in 0..matrix.blocs.len() {
        for b in 0..matrix.blocs.len() {
            assert_eq!(matrix.shares[a][b], matrix.shares[b][a]);
            assert_eq!(matrix.compared[a][b], matrix.compared[b][a]);
        }
    }
}

// ---------------------------------------------------------------------------------
// United States Senate, 11 October 2002, imported from its one-vote table: 77–23;
// Republicans 48–1, the other 51 senators (50 Democrats, 1 independent) 29–22.

/// The project's `../shared` folder; fails clearly when it is absent.
fn shared() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        path.is_dir(),
        "the shared material is missing: expected a folder at {} (../shared beside the project)",
        path.display()
    );
    path
}

/// A chamber holding only the Senate roll call, imported from its table.
fn senate() -> State {
    let file = shared().join("data/us-senate-2002-iraq-use-of-force.csv");
    let bytes = std::fs::read(&file)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
    let rules = hemicycle_scenario::preset("us-house").expect("preset");
    let senate = NewChamber {
        standing_orders: rules.standing_orders,
        default_name: rules.name,
        default_seats: rules.seats,
        name: Some("United States Senate".into()),
        seats: Some(100),
    };
    let vote = SenateVote {
        date: "2002-10-11".parse().unwrap(),
        question: "H.J.Res. 114: Authorization for Use of Military Force Against Iraq".into(),
        division: None,
    };
    let now: Timestamp = "2024-05-01T10:00:00+00:00".parse().unwrap();
    let mut chamber = Chamber::open(SqliteStorage::open_in_memory().expect("in-memory journal"))
        .expect("an empty journal opens");
    let plan = plan_senate_import(
        chamber.state(),
        bytes.as_slice(),
        "us-senate-2002-iraq-use-of-force.csv",
        &vote,
        now,
        Some(&senate),
    )
    .expect("the import plans");
    chamber
        .execute_batch(&plan.commands)
        .expect("the import runs");
    chamber.state().clone()
}

#[test]
fn senate_2002_party_split_through_the_cohesion_functions() {
    let state = senate();
    assert_eq!(state.recorded_divisions.len(), 1);
    let division = state.recorded_divisions.values().next().unwrap();

    // Yes/no/abstain per party bloc, as the import grouped the senators.
    let mut by_bloc: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    for (senator, option) in &division.votes {
        let bloc_id = state.members[senator]
            .bloc_on(division.on)
            .expect("every senator has a party");
        let counts = by_bloc.entry(bloc_id.to_string()).or_default();
        match option {
            RecordedOption::Yes => counts.0 += 1,
            RecordedOption::No => counts.1 += 1,
            RecordedOption::Abstain => counts.2 += 1,
            other => panic!("{senator} {other:?}: every senator voted"),
        }
    }
    // The published split: Republicans 48–1; the other 51 senators 29–22, that is
    // 50 Democrats 29–21 and Jeffords, "JEFFORDS (Indep VT)" in the file, the one
    // independent, no. Exactly these three blocs.
    let expected: BTreeMap<String, (u32, u32, u32)> = [
        ("republican".to_owned(), (48, 1, 0)),
        ("democratic".to_owned(), (29, 21, 0)),
        ("independent".to_owned(), (0, 1, 0)),
    ]
    .into_iter()
    .collect();
    assert_eq!(by_bloc, expected);
    let others = by_bloc
        .iter()
        .filter(|(bloc_id, _)| bloc_id.as_str() != "republican")
        .fold((0, 0, 0), |sum, (_, counts)| {
            (sum.0 + counts.0, sum.1 + counts.1, sum.2 + counts.2)
        });
    assert_eq!(others, (29, 22, 0));
    let jeffords: Vec<&str> = state
        .members
        .values()
        .filter(|member| {
            member.bloc_on(division.on).map(|bloc| bloc.as_str()) == Some("independent")
        })
        .map(|member| member.name.as_str())
        .collect();
    assert_eq!(jeffords, ["JEFFORDS"]);

    // Republicans: Rice 47/49, Agreement (3·48 − 49) / 98 = 95/98.
    assert_eq!(rice_index(48, 1), Some(47.0 / 49.0));
    assert_eq!(agreement_index(48, 1, 0), Some(95.0 / 98.0));
    assert_eq!(plurality(48, 1, 0), Some(Position::Yes));
    // The other 51: Rice 7/51, Agreement (3·29 − 51) / 102 = 36/102.
    assert_eq!(rice_index(29, 22), Some(7.0 / 51.0));
    assert_eq!(agreement_index(29, 22, 0), Some(36.0 / 102.0));
    assert_eq!(plurality(29, 22, 0), Some(Position::Yes));
    // Democrats alone: Rice 8/50; the independent, a bloc of one, voted no: united.
    assert_eq!(rice_index(29, 21), Some(8.0 / 50.0));
    assert_eq!(rice_index(0, 1), Some(1.0));
    assert_eq!(agreement_index(0, 1, 0), Some(1.0));
}

#[test]
fn senate_2002_cohesion_report_measures_the_imported_division() {
    let state = senate();
    // The chamber has no sittings: the period covers the imported division alone.
    assert!(state.sittings.is_empty());
    let report = cohesion(&state, &Scope::Period(Period::default())).expect("cohesion");
    assert_finite(&report);
    assert_eq!(report.divisions.len(), 1);
    assert!(report.left_out.is_empty(), "{:?}", report.left_out);
    let roll_call = division(&report, "senate-2002-10-11");
    assert_eq!(roll_call.sitting, None);
    assert_eq!(roll_call.date.to_string(), "2002-10-11");
    assert_eq!(
        roll_call.title,
        "H.J.Res. 114: Authorization for Use of Military Force Against Iraq"
    );
    let counts = |votes: &BlocVotes| (votes.yes, votes.no, votes.abstain, votes.not_voting);

    let republicans = bloc_votes(roll_call, "R");
    assert_eq!(counts(republicans), (48, 1, 0, 0));
    assert_eq!(republicans.rice, Some(47.0 / 49.0));
    assert_eq!(republicans.agreement, Some(95.0 / 98.0));
    assert_eq!(republicans.position, Some(Position::Yes));
    let democrats = bloc_votes(roll_call, "D");
    assert_eq!(counts(democrats), (29, 21, 0, 0));
    assert_eq!(democrats.rice, Some(8.0 / 50.0));
    assert_eq!(democrats.agreement, Some((3.0 * 29.0 - 50.0) / 100.0));
    assert_eq!(democrats.position, Some(Position::Yes));
    let independent = bloc_votes(roll_call, "I");
    assert_eq!(counts(independent), (0, 1, 0, 0));
    assert_eq!(independent.rice, Some(1.0));
    assert_eq!(independent.position, Some(Position::No));
    assert_eq!(roll_call.blocs.len(), 3);

    // Averages over the one division are its values.
    let summary = |label: &str| {
        let found = bloc(&report, label);
        (
            found.bloc.clone(),
            found.members,
            found.divisions_with_rice,
            found.divisions_with_votes,
        )
    };
    assert_eq!(summary("R"), (Some("republican".into()), 49, 1, 1));
    assert_eq!(summary("D"), (Some("democratic".into()), 50, 1, 1));
    assert_eq!(summary("I"), (Some("independent".into()), 1, 1, 1));
    close(bloc(&report, "R").mean_rice, 47.0 / 49.0);
    close(bloc(&report, "D").mean_rice, 8.0 / 50.0);

    // Loyalty: all 100 voted and every bloc had a position. The defectors are the one
    // Republican no and the 21 Democratic noes.
    assert_eq!(report.members.len(), 100);
    let republican_defectors = defectors(&report, "republican");
    assert_eq!(republican_defectors.len(), 1);
    assert_eq!(republican_defectors[0].name, "CHAFEE");
    assert_eq!(defectors(&report, "democratic").len(), 21);
    assert!(defectors(&report, "independent").is_empty());
    for defector in defectors(&report, "republican")
        .into_iter()
        .chain(defectors(&report, "democratic"))
    {
        assert_eq!(
            (
                defector.votes_counted,
                defector.with_bloc,
                defector.defections,
                defector.loyalty
            ),
            (1, 0, 1, Some(0.0)),
            "{defector:?}"
        );
        assert_eq!(defector.defected_in, ["senate-2002-10-11"]);
    }
    let total_defections: u32 = report.members.iter().map(|member| member.defections).sum();
    assert_eq!(total_defections, 22);

    // Agreement matrix: Republicans and Democrats both said yes; the independent no.
    assert_eq!(share(&report, "R", "D"), (Some(1.0), 1));
    assert_eq!(share(&report, "R", "I"), (Some(0.0), 1));
    assert_eq!(share(&report, "D", "I"), (Some(0.0), 1));
    assert_eq!(share(&report, "I", "I"), (Some(1.0), 1));

    // A period that ends before the vote covers nothing: a clear error, as before.
    let before = Period {
        from: None,
        to: Some("2002-10-10".parse().unwrap()),
    };
    assert!(cohesion(&state, &Scope::Period(before)).is_err());
}

#[test]
fn senate_2002_vote_matrix_for_ideal_points_includes_the_imported_division() {
    let state = senate();
    let matrix =
        VoteMatrix::from_state(&state, &Scope::Period(Period::default())).expect("vote matrix");
    assert_eq!(matrix.divisions(), ["senate-2002-10-11"]);
    assert_eq!(matrix.members().len(), 100);
    assert_eq!(matrix.vote_count(), 100);
    let (mut yeas, mut nays) = (0, 0);
    for (_, yea) in matrix.division_votes(0) {
        if yea {
            yeas += 1;
        } else {
            nays += 1;
        }
    }
    assert_eq!((yeas, nays), (77, 23));
    // Members are labelled by their bloc on the day of the vote.
    let group_of = |name: &str| {
        let id = state
            .members
            .values()
            .find(|member| member.name == name)
            .unwrap_or_else(|| panic!("no senator {name}"))
            .id
            .to_string();
        let column = matrix
            .members()
            .iter()
            .position(|member| *member == id)
            .unwrap_or_else(|| panic!("no column for {name}"));
        matrix.groups()[column].clone()
    };
    assert_eq!(group_of("JEFFORDS"), Some("I".into()));
    assert_eq!(group_of("CHAFEE"), Some("R".into()));
    let republicans = matrix
        .groups()
        .iter()
        .filter(|group| group.as_deref() == Some("R"))
        .count();
    assert_eq!(republicans, 49);
}
