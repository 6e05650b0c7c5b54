//! Voteview roll-call CSV in and out, and the one-vote Senate table.

mod common;

use chrono::DateTime;
use hemicycle_core::history::{RecordedOption, Subject};
use hemicycle_core::model::{Choice, Timestamp};
use hemicycle_engine::Chamber;
use hemicycle_interop::senate::{plan_senate_import, SenateVote};
use hemicycle_interop::voteview::{export_voteview, import_voteview, Source, VoteviewImport};
use hemicycle_interop::{ImportError, ImportReport, NewChamber};
use hemicycle_journal::Storage;

fn now() -> Timestamp {
    DateTime::parse_from_rfc3339("2024-05-01T10:00:00+00:00").expect("time")
}

fn new_chamber(preset: &str) -> NewChamber {
    let rules = hemicycle_scenario::preset(preset).expect("preset");
    NewChamber {
        standing_orders: rules.standing_orders,
        default_name: rules.name,
        default_seats: rules.seats,
        name: None,
        seats: None,
    }
}

const MEMBERS: &str = "\
congress,chamber,icpsr,state_icpsr,district_code,state_abbrev,party_code,occupancy,last_means,bioname,bioguide_id,born,died
106,House,1001,41,1,AL,200,,,\"ALPHA, Ann\",A1,1950,
106,House,1002,41,2,AL,100,,,\"BETA, Bob\",B1,1940,2010
106,House,1003,41,3,AL,100,,,\"GAMMA, Gus\",G1,,
106,Senate,9001,41,0,AL,200,,,\"SENATOR, Sam\",S1,1930,
107,House,1001,41,1,AL,200,,,\"ALPHA, Ann\",A1,1950,
107,House,1002,41,2,AL,200,,,\"BETA, Bob\",B1,1940,2010
107,House,1004,41,3,AL,100,,,\"DELTA, Dee\",D1,1960,
";

const ROLLCALLS: &str = "\
congress,chamber,rollnumber,date,session,clerk_rollnumber,yea_count,nay_count,nominate_mid_1,bill_number,vote_result,vote_desc,vote_question,dtl_desc
106,House,1,1999-01-06,1,1,2,1,0.1,HR1,Passed,A bill,On Passage,
106,House,2,1999-02-01,1,2,1,1,0.1,HR2,Failed,Another bill,On Passage,
106,Senate,1,1999-01-07,1,1,1,0,0.1,S1,Agreed to,A resolution,On the Resolution,
107,House,1,2001-01-20,1,1,1,1,0.1,HR3,Passed,A third bill,On Passage,
";

const VOTES: &str = "\
congress,chamber,rollnumber,icpsr,cast_code,prob
106,House,1,1001,1,99.9
106,House,1,1002,6,99.9
106,House,1,1003,2,99.9
106,House,2,1001,1,99.9
106,House,2,1002,9,99.9
106,House,2,1003,7,99.9
106,Senate,1,9001,1,99.9
107,House,1,1001,1,99.9
107,House,1,1002,0,99.9
107,House,1,1004,6,99.9
";

fn import(
    chamber: &mut Chamber<Box<dyn Storage>>,
    members: &str,
    votes: &str,
    rollcalls: &str,
    house: Option<&str>,
) -> Result<(ImportReport, usize), ImportError> {
    let state = chamber.state().clone();
    let new = state.chamber.is_none().then(|| new_chamber("us-house"));
    let mut transactions = 0;
    let report = import_voteview(
        state,
        VoteviewImport {
            members: Source {
                origin: "members.csv".into(),
                reader: members.as_bytes(),
            },
            votes: Source {
                origin: "votes.csv".into(),
                reader: votes.as_bytes(),
            },
            rollcalls: Source {
                origin: "rollcalls.csv".into(),
                reader: rollcalls.as_bytes(),
            },
            chamber: house.map(str::to_owned),
            at: now(),
            new_chamber: new,
        },
        &mut |_| {},
        &mut |plan| {
            transactions += 1;
            chamber
                .execute_batch(&plan.commands)
                .map(|_| ())
                .map_err(|(index, error)| format!("{}: {error}", plan.origin(index)))
        },
    )?;
    Ok((report, transactions))
}

#[test]
fn a_voteview_slice_imports_one_transaction_per_congress() {
    let mut chamber = common::empty_chamber();
    let (report, transactions) =
        import(&mut chamber, MEMBERS, VOTES, ROLLCALLS, Some("House")).expect("import");
    assert_eq!(transactions, 2, "{report}");
    assert_eq!(report.kinds["roll calls"].added, 3, "{report}");
    assert_eq!(report.kinds["votes"].added, 8, "{report}");
    let state = chamber.state();
    assert_eq!(state.members.len(), 4);
    assert_eq!(state.recorded_divisions.len(), 3);
    let first = &state.recorded_divisions[&"h106-1"
        .parse::<hemicycle_core::ids::DivisionId>()
        .expect("id")];
    let options: Vec<RecordedOption> = first.votes.iter().map(|(_, option)| *option).collect();
    // Cast code 2 (paired yea) is a yes, as Voteview's yea count has it.
    assert_eq!(
        options,
        [RecordedOption::Yes, RecordedOption::No, RecordedOption::Yes]
    );
    assert_eq!(first.counts.yes, Some(2));
    assert_eq!(first.result.as_deref(), Some("Passed"));
    assert_eq!(first.question, "On Passage: A bill");
    let second = &state.recorded_divisions[&"h106-2"
        .parse::<hemicycle_core::ids::DivisionId>()
        .expect("id")];
    assert_eq!(second.votes[1].1, RecordedOption::NotVoting);
    assert_eq!(second.votes[2].1, RecordedOption::Abstain);
    // Cast code 0 (not a member then) is no vote at all.
    assert_eq!(
        state.recorded_divisions[&"h107-1"
            .parse::<hemicycle_core::ids::DivisionId>()
            .expect("id")]
            .votes
            .len(),
        2
    );
    // The roster follows the congresses: Gamma served in the 106th only, Beta changed party.
    let gamma = state
        .subject_with_identifier("member", "icpsr", "1003")
        .expect("Gamma");
    let Subject::Member(gamma) = gamma else {
        panic!("not a member")
    };
    assert!(!state.members[gamma].is_sitting());
    let Some(Subject::Member(beta)) = state.subject_with_identifier("member", "icpsr", "1002")
    else {
        panic!("Beta")
    };
    assert_eq!(state.members[beta].memberships.len(), 2);
    assert_eq!(
        state.member_details[beta].death_date.as_deref(),
        Some("2010")
    );
    assert_eq!(state.sitting_members().count(), 3);
}

#[test]
fn re_importing_records_nothing_new() {
    let mut chamber = common::empty_chamber();
    import(&mut chamber, MEMBERS, VOTES, ROLLCALLS, Some("House")).expect("import");
    let events = chamber.journal().len();
    let (report, transactions) =
        import(&mut chamber, MEMBERS, VOTES, ROLLCALLS, Some("House")).expect("again");
    assert_eq!(transactions, 0, "{report}");
    assert_eq!(report.kinds["roll calls"].unchanged, 3);
    assert_eq!(chamber.journal().len(), events);
}

#[test]
fn several_chambers_need_a_choice() {
    let mut chamber = common::empty_chamber();
    let error = import(&mut chamber, MEMBERS, VOTES, ROLLCALLS, None).expect_err("refused");
    assert!(error.to_string().contains("--chamber"), "{error}");
    assert!(chamber.journal().is_empty());
}

#[test]
fn bad_rows_are_refused_with_file_line_and_column() {
    let cases = [
        (
            MEMBERS.to_owned(),
            VOTES.replace("106,House,2,1003,7", "106,House,2,1003,12"),
            ROLLCALLS.to_owned(),
            "votes.csv:7: column cast_code: cast code 12 is not one of 0 to 9",
        ),
        (
            MEMBERS.to_owned(),
            VOTES.replace("106,House,2,1003,7", "106,House,2,1009,7"),
            ROLLCALLS.to_owned(),
            "votes.csv:7: column icpsr: no member 1009 in congress 106",
        ),
        (
            MEMBERS.to_owned(),
            VOTES.replace("106,House,2,1003,7", "106,House,3,1003,7"),
            ROLLCALLS.to_owned(),
            "votes.csv:7: column rollnumber: no roll call 3 of congress 106",
        ),
        (
            MEMBERS.to_owned(),
            format!("{VOTES}106,House,2,1001,1,99\n"),
            ROLLCALLS.to_owned(),
            "votes.csv:12: column congress: congress 106 after congress 107",
        ),
        (
            MEMBERS.to_owned(),
            VOTES.replace("106,House,2,1003,7", "106,House,2,1001,7"),
            ROLLCALLS.to_owned(),
            "votes.csv:7: column icpsr: member 1001 already voted in roll call 2 (line 5)",
        ),
        (
            MEMBERS.replace(",party_code,", ",party,"),
            VOTES.to_owned(),
            ROLLCALLS.to_owned(),
            "members.csv: has no column \"party_code\"",
        ),
        (
            MEMBERS.to_owned(),
            VOTES.to_owned(),
            ROLLCALLS.replace("2001-01-20", "2001-02-30"),
            "rollcalls.csv:5: column date: \"2001-02-30\" is not a date",
        ),
    ];
    for (members, votes, rollcalls, expected) in cases {
        let mut chamber = common::empty_chamber();
        let error =
            import(&mut chamber, &members, &votes, &rollcalls, Some("House")).expect_err(expected);
        assert!(
            error.to_string().starts_with(expected),
            "expected {expected}\n     got {error}"
        );
        // Nothing of the failing congress is recorded.
        assert!(
            chamber.state().recorded_divisions.len() <= 2,
            "{expected}: the failing congress left divisions"
        );
    }
}

#[test]
fn an_export_re_imports_with_the_same_votes() {
    let original = common::scenario_chamber("iraq-2020-01-05.toml")
        .state()
        .clone();
    let files = export_voteview(&original).expect("export");
    let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).expect("UTF-8");
    let (members, votes, rollcalls) = (
        text(&files.members),
        text(&files.votes),
        text(&files.rollcalls),
    );
    assert!(votes.starts_with("congress,chamber,rollnumber,icpsr,cast_code\n"));
    let mut copy = common::empty_chamber();
    import(&mut copy, &members, &votes, &rollcalls, None).expect("import");
    let state = copy.state();
    let division = original.divisions.values().next().expect("a division");
    let recorded = state.recorded_divisions.values().next().expect("recorded");
    assert_eq!(recorded.votes.len(), division.ballots.len());
    assert_eq!(recorded.counts.yes, Some(division.tally().yes));
    for ((member, choice), (copied, option)) in division.ballots.iter().zip(&recorded.votes) {
        let original_name = &original.members[member].name;
        assert_eq!(&state.members[copied].name, original_name);
        let expected = match choice {
            Choice::Yes => RecordedOption::Yes,
            Choice::No => RecordedOption::No,
            _ => RecordedOption::Abstain,
        };
        assert_eq!(*option, expected);
    }
    // And the copy exports the same votes file.
    let again = export_voteview(state).expect("export");
    assert_eq!(text(&again.votes), votes);
}

fn senate_vote() -> SenateVote {
    SenateVote {
        date: chrono::NaiveDate::from_ymd_opt(2002, 10, 11).expect("date"),
        question: "H.J.Res. 114: Authorization for Use of Military Force Against Iraq".into(),
        division: None,
    }
}

#[test]
fn the_senate_table_imports_as_one_recorded_vote() {
    let bytes = std::fs::read(common::shared().join("data/us-senate-2002-iraq-use-of-force.csv"))
        .expect("the Senate file");
    let mut chamber = common::empty_chamber();
    let mut senate = new_chamber("us-house");
    senate.name = Some("United States Senate".into());
    senate.seats = Some(100);
    let plan = plan_senate_import(
        chamber.state(),
        bytes.as_slice(),
        "senate.csv",
        &senate_vote(),
        now(),
        Some(&senate),
    )
    .expect("plan");
    chamber.execute_batch(&plan.commands).expect("import");
    let state = chamber.state();
    assert_eq!(state.members.len(), 100);
    let division = state.recorded_divisions.values().next().expect("the vote");
    assert_eq!(
        (division.counts.yes, division.counts.no),
        (Some(77), Some(23))
    );
    // Republicans 48–1; the other 51 senators 29–22.
    let date = division.on;
    let mut republican = (0, 0);
    let mut others = (0, 0);
    for (member, option) in &division.votes {
        let bloc = state.members[member].bloc_on(date).expect("a bloc");
        let side = if bloc.as_str() == "republican" {
            &mut republican
        } else {
            &mut others
        };
        match option {
            RecordedOption::Yes => side.0 += 1,
            RecordedOption::No => side.1 += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(republican, (48, 1));
    assert_eq!(others, (29, 22));
    // Jeffords, "JEFFORDS (Indep VT)" in the file, is the one independent.
    let independents: Vec<&str> = state
        .members
        .values()
        .filter(|member| member.bloc_on(date).map(|bloc| bloc.as_str()) == Some("independent"))
        .map(|member| member.name.as_str())
        .collect();
    assert_eq!(independents, ["JEFFORDS"]);
    assert_eq!(
        state
            .blocs
            .keys()
            .map(|bloc| bloc.as_str())
            .collect::<Vec<_>>(),
        ["republican", "democratic", "independent"]
    );
    let again = plan_senate_import(
        state,
        bytes.as_slice(),
        "senate.csv",
        &senate_vote(),
        now(),
        None,
    )
    .expect("plan");
    assert!(again.is_empty(), "{:?}", again.origins);
}

#[test]
fn a_bad_senate_row_names_its_line_and_column() {
    let bytes = std::fs::read(common::shared().join("data/us-senate-2002-iraq-use-of-force.csv"))
        .expect("the Senate file");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let broken = text.replacen("\"KYL (R AZ)\",TRUE", "\"KYL (R AZ)\",FALSE", 1);
    let chamber = common::empty_chamber();
    let error = plan_senate_import(
        chamber.state(),
        broken.as_bytes(),
        "senate.csv",
        &senate_vote(),
        now(),
        Some(&new_chamber("us-house")),
    )
    .expect_err("refused");
    assert!(
        error
            .to_string()
            .starts_with("senate.csv:6: column rep: says false, but the party"),
        "{error}"
    );
}
