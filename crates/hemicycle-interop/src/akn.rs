//! Akoma Ntoso 3.0 (OASIS LegalDocML) export of one sitting as a `debate` document.
//!
//! - `meta/identification`: FRBR Work, Expression and Manifestation, with URIs
//!   `/akn/{country}/debate/{date}/{sitting}…`; the chamber is the author.
//! - `meta/analysis/parliamentary`: a `quorumVerification` for each quorum check (the
//!   `quorum` required, the `count` present) and one `voting` per division, its counts
//!   referring to the TLC concepts `#yes`, `#no`, `#abstain`, `#present` and
//!   `#taking-part`, its outcome to `#adopted`, `#rejected`… (In Akoma Ntoso
//!   `<division>` is a level of a law's structure, not a vote.)
//! - `meta/references`: every member as a `TLCPerson`, the chamber and every bloc as a
//!   `TLCOrganization`, and the concepts above as `TLCConcept`s.
//! - `debateBody`: the `rollCall` (each member with their attendance, by bloc), then a
//!   `debateSection` per agenda item holding, in order, what happened while it was the
//!   business: narratives (opening, boycotts, quorum checks, suspension, closing), the
//!   `communication`s read, the `question` put, `<vote by=… choice=…>` lines for a
//!   recorded division, and the `outcome` with its explanation.
//!
//! Validated in tests with `xmllint --schema akomantoso30.xsd`.

use hemicycle_core::ids::{BlocId, MemberId};
use hemicycle_core::model::{Choice, DivisionMethod, Presence, Question, Timestamp};
use hemicycle_core::outcome::Verdict;
use hemicycle_core::state::{Division, Proceeding, Sitting};
use hemicycle_core::State;

use crate::error::ExportError;
use crate::xml::{inline, XmlWriter};

const NAMESPACE: &str = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0";

/// Where and in what language the record is: FRBR needs both.
#[derive(Debug, Clone)]
pub struct AknOptions {
    /// ISO 3166-1 alpha-2 code, lower case (`iq`); `xx` when unknown.
    pub country: String,
    /// ISO 639-2 code of the record's language (`eng`, `ara`); `und` when undetermined.
    pub language: String,
}

impl Default for AknOptions {
    fn default() -> Self {
        Self {
            country: "xx".into(),
            language: "und".into(),
        }
    }
}

fn member_reference(member: &MemberId) -> String {
    format!("member-{member}")
}

fn bloc_reference(bloc: &BlocId) -> String {
    format!("bloc-{bloc}")
}

fn hash(reference: &str) -> String {
    format!("#{reference}")
}

fn time(at: &Timestamp) -> String {
    at.format("%H:%M").to_string()
}

const CONCEPTS: [(&str, &str); 14] = [
    ("yes", "in favour"),
    ("no", "against"),
    ("abstain", "abstaining"),
    ("present", "present"),
    ("absent", "absent"),
    ("excused", "excused"),
    ("boycotting", "boycotting"),
    ("taking-part", "taking part"),
    ("required", "required"),
    ("met", "quorum met"),
    ("not-met", "quorum not met"),
    ("adopted", "adopted"),
    ("rejected", "rejected"),
    ("not-decided", "not decided"),
];

fn verdict_concept(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Adopted | Verdict::Elected { .. } => "adopted",
        Verdict::Rejected | Verdict::NotElected | Verdict::RunOff { .. } => "rejected",
        Verdict::NotDecided => "not-decided",
    }
}

fn presence_concept(presence: Presence) -> &'static str {
    match presence {
        Presence::Present => "present",
        Presence::Absent => "absent",
        Presence::Excused => "excused",
        Presence::Boycotting => "boycotting",
    }
}

fn choice_concept(choice: &Choice) -> String {
    match choice {
        Choice::Yes => "yes".into(),
        Choice::No => "no".into(),
        Choice::Abstain => "abstain".into(),
        Choice::Candidate(candidate) => format!("candidate-{candidate}"),
    }
}

/// The sitting as an Akoma Ntoso document, as bytes (UTF-8).
pub fn export_sitting(
    state: &State,
    sitting: &Sitting,
    options: &AknOptions,
) -> Result<Vec<u8>, ExportError> {
    let chamber = state.chamber.as_ref().ok_or(ExportError::NoChamber)?;
    let date = sitting.date().format("%Y-%m-%d").to_string();
    let work = format!("/akn/{}/debate/{date}/{}", options.country, sitting.id);
    let expression = format!("{work}/{}@", options.language);
    let divisions: Vec<&Division> = sitting
        .proceedings
        .iter()
        .filter_map(|proceeding| match proceeding {
            Proceeding::DivisionHeld { division } => state.divisions.get(division),
            _ => None,
        })
        .collect();

    let mut xml = XmlWriter::new();
    xml.open("akomaNtoso", &[("xmlns", NAMESPACE)]);
    xml.open("debate", &[("name", "sitting")]);
    xml.open("meta", &[]);

    xml.open("identification", &[("source", "#hemicycle")]);
    for (element, this, uri, author) in [
        (
            "FRBRWork",
            format!("{work}/!main"),
            work.clone(),
            "#chamber",
        ),
        (
            "FRBRExpression",
            format!("{expression}/!main"),
            expression.clone(),
            "#chamber",
        ),
        (
            "FRBRManifestation",
            format!("{expression}/!main.xml"),
            format!("{expression}.akn"),
            "#hemicycle",
        ),
    ] {
        xml.open(element, &[]);
        xml.empty("FRBRthis", &[("value", &this)]);
        xml.empty("FRBRuri", &[("value", &uri)]);
        xml.empty("FRBRdate", &[("date", &date), ("name", "sitting")]);
        xml.empty("FRBRauthor", &[("href", author)]);
        match element {
            "FRBRWork" => {
                xml.empty("FRBRcountry", &[("value", &options.country)]);
                xml.empty("FRBRname", &[("value", &sitting.title)]);
            }
            "FRBRExpression" => xml.empty("FRBRlanguage", &[("language", &options.language)]),
            _ => xml.empty("FRBRformat", &[("value", "application/akn+xml")]),
        }
        xml.close();
    }
    xml.close();

    if !sitting.quorum_checks.is_empty() || !divisions.is_empty() {
        xml.open("analysis", &[("source", "#hemicycle")]);
        xml.open("parliamentary", &[]);
        for (index, check) in sitting.quorum_checks.iter().enumerate() {
            let outcome = if check.report.met { "#met" } else { "#not-met" };
            let id = format!("quorum_{}", index + 1);
            xml.open("quorumVerification", &[("eId", &id), ("outcome", outcome)]);
            xml.empty(
                "quorum",
                &[
                    ("value", &check.report.required.to_string()),
                    ("refersTo", "#required"),
                ],
            );
            let counted = if check.report.counted_taking_part {
                "#taking-part"
            } else {
                "#present"
            };
            xml.empty(
                "count",
                &[
                    ("value", &check.report.total().to_string()),
                    ("refersTo", counted),
                ],
            );
            xml.close();
        }
        for division in &divisions {
            let id = format!("voting_{}", division.id);
            let outcome = division
                .closed
                .as_ref()
                .map(|closed| hash(verdict_concept(&closed.outcome.verdict)));
            let target = format!("#dvs_{}", division.id);
            let mut attributes = vec![("eId", id.as_str()), ("href", target.as_str())];
            if let Some(outcome) = &outcome {
                attributes.push(("outcome", outcome.as_str()));
            }
            xml.open("voting", &attributes);
            let tally = division.tally();
            if let Some(quorum) = division
                .closed
                .as_ref()
                .and_then(|closed| closed.outcome.quorum.as_ref())
            {
                xml.empty(
                    "quorum",
                    &[
                        ("value", &quorum.required.to_string()),
                        ("refersTo", "#required"),
                    ],
                );
            }
            let mut counts = vec![
                ("#yes".to_owned(), tally.yes),
                ("#no".to_owned(), tally.no),
                ("#abstain".to_owned(), tally.abstain),
                ("#taking-part".to_owned(), division.taking_part()),
            ];
            if let Some(closed) = &division.closed {
                counts.push(("#present".to_owned(), closed.outcome.present));
            }
            for (candidate, votes) in &tally.candidates {
                counts.push((format!("#candidate-{candidate}"), *votes));
            }
            for (concept, value) in counts {
                xml.empty(
                    "count",
                    &[("value", &value.to_string()), ("refersTo", &concept)],
                );
            }
            xml.close();
        }
        xml.close();
        xml.close();
    }

    xml.open("references", &[("source", "#hemicycle")]);
    xml.empty(
        "TLCOrganization",
        &[
            ("eId", "chamber"),
            ("href", "/ontology/organization/chamber"),
            ("showAs", &chamber.name),
        ],
    );
    xml.empty(
        "TLCOrganization",
        &[
            ("eId", "hemicycle"),
            ("href", "/ontology/organization/hemicycle"),
            ("showAs", "hemicycle"),
        ],
    );
    for bloc in state.blocs.values() {
        xml.empty(
            "TLCOrganization",
            &[
                ("eId", &bloc_reference(&bloc.id)),
                ("href", &format!("/ontology/organization/{}", bloc.id)),
                ("showAs", &bloc.name),
            ],
        );
    }
    for member in state.members.values() {
        xml.empty(
            "TLCPerson",
            &[
                ("eId", &member_reference(&member.id)),
                ("href", &format!("/ontology/person/{}", member.id)),
                ("showAs", &member.name),
            ],
        );
    }
    xml.empty(
        "TLCPerson",
        &[
            ("eId", "chair"),
            ("href", "/ontology/person/chair"),
            ("showAs", "the presiding officer"),
        ],
    );
    for communication in state
        .communications
        .values()
        .filter(|communication| communication.sitting == sitting.id)
    {
        xml.empty(
            "TLCPerson",
            &[
                ("eId", &format!("author-{}", communication.id)),
                (
                    "href",
                    &format!("/ontology/person/author/{}", communication.id),
                ),
                ("showAs", &communication.from),
            ],
        );
    }
    for (concept, words) in CONCEPTS {
        xml.empty(
            "TLCConcept",
            &[
                ("eId", concept),
                ("href", &format!("/ontology/concept/{concept}")),
                ("showAs", words),
            ],
        );
    }
    for division in &divisions {
        for candidate in State::candidates(division) {
            let concept = format!("candidate-{}", candidate.id);
            if CONCEPTS.iter().any(|(known, _)| *known == concept) {
                continue;
            }
            xml.empty(
                "TLCConcept",
                &[
                    ("eId", &format!("{concept}-{}", division.id)),
                    ("href", &format!("/ontology/concept/{concept}")),
                    ("showAs", &candidate.name),
                ],
            );
        }
    }
    xml.close();
    xml.close(); // meta

    xml.open("debateBody", &[]);
    write_roll_call(&mut xml, state, sitting);
    write_sections(&mut xml, state, sitting);
    xml.close();
    Ok(xml.finish().into_bytes())
}

fn write_roll_call(xml: &mut XmlWriter, state: &State, sitting: &Sitting) {
    xml.open("rollCall", &[("eId", "rollCall")]);
    xml.text("heading", &[], "Roll call");
    let date = sitting.date();
    let mut members: Vec<_> = state.sitting_members().collect();
    // By bloc in the order blocs were registered, as the printed record lists them.
    members.sort_by_key(|member| {
        member
            .bloc_on(date)
            .and_then(|bloc| state.blocs.get_index_of(bloc))
            .unwrap_or(usize::MAX)
    });
    for member in members {
        let presence = state.presence(sitting, member);
        let concept = presence_concept(presence);
        let mut line = inline(
            "person",
            &[("refersTo", &hash(&member_reference(&member.id)))],
            &member.name,
        );
        if let Some(bloc) = member.bloc_on(date).and_then(|bloc| state.blocs.get(bloc)) {
            line.push_str(" (");
            line.push_str(&inline(
                "organization",
                &[("refersTo", &hash(&bloc_reference(&bloc.id)))],
                bloc.short_name.as_ref().unwrap_or(&bloc.name),
            ));
            line.push(')');
        }
        line.push_str(": ");
        line.push_str(&inline(
            "span",
            &[("refersTo", &hash(concept))],
            presence.in_words(),
        ));
        xml.mixed("p", &[], &line);
    }
    xml.close();
}

/// Which agenda item each proceeding belongs to: a division to its motion's item,
/// anything else to the item under discussion (the first whose question is not yet put).
fn section_of_each(state: &State, sitting: &Sitting) -> Vec<usize> {
    let items = sitting.agenda.len().max(1);
    let mut current = 0;
    let mut sections = Vec::with_capacity(sitting.proceedings.len());
    for proceeding in &sitting.proceedings {
        let mut section = current;
        if let Proceeding::DivisionHeld { division } = proceeding {
            if let Some(Question::Motion { motion }) = state
                .divisions
                .get(division)
                .map(|division| &division.question)
            {
                if let Some(item) = sitting
                    .agenda
                    .iter()
                    .position(|item| item.motion.as_ref() == Some(motion))
                {
                    section = item;
                }
            }
            current = (section + 1).min(items - 1);
        }
        sections.push(section);
    }
    sections
}

fn write_sections(xml: &mut XmlWriter, state: &State, sitting: &Sitting) {
    let sections = section_of_each(state, sitting);
    let titles: Vec<String> = if sitting.agenda.is_empty() {
        vec![sitting.title.clone()]
    } else {
        sitting
            .agenda
            .iter()
            .map(|item| item.title.clone())
            .collect()
    };
    for (index, title) in titles.iter().enumerate() {
        let id = format!("dbsect_{}", index + 1);
        xml.open("debateSection", &[("eId", &id), ("name", "agendaItem")]);
        xml.text("num", &[], &format!("{}.", index + 1));
        xml.text("heading", &[], title);
        let mut wrote = false;
        for (proceeding, _) in sitting
            .proceedings
            .iter()
            .zip(&sections)
            .filter(|(_, section)| **section == index)
        {
            wrote |= write_proceeding(xml, state, sitting, proceeding);
        }
        if !wrote {
            xml.text(
                "narrative",
                &[],
                "No proceedings were recorded on this item.",
            );
        }
        xml.close();
    }
}

fn write_proceeding(
    xml: &mut XmlWriter,
    state: &State,
    sitting: &Sitting,
    proceeding: &Proceeding,
) -> bool {
    let chair = sitting.presiding_officer.as_ref().map_or_else(
        || "#chair".to_owned(),
        |member| hash(&member_reference(member)),
    );
    match proceeding {
        Proceeding::Opened { at } => {
            xml.text(
                "narrative",
                &[],
                &format!("{} The sitting opened.", time(at)),
            );
        }
        Proceeding::Suspended { at, reason } => xml.text(
            "narrative",
            &[],
            &format!("{} The sitting was suspended: {reason}.", time(at)),
        ),
        Proceeding::Resumed { at } => {
            xml.text(
                "narrative",
                &[],
                &format!("{} The sitting resumed.", time(at)),
            );
        }
        Proceeding::Closed { at, reason } => {
            let reason = reason
                .as_ref()
                .map(|reason| format!(": {reason}"))
                .unwrap_or_default();
            xml.text(
                "narrative",
                &[],
                &format!("{} The sitting closed{reason}.", time(at)),
            );
        }
        Proceeding::QuorumChecked { index } => {
            if let Some(check) = sitting.quorum_checks.get(*index) {
                xml.text(
                    "narrative",
                    &[("refersTo", &format!("#quorum_{}", index + 1))],
                    &format!("{} {}", time(&check.at), check.report.sentence()),
                );
            }
        }
        Proceeding::BoycottDeclared { at, bloc } => {
            let name = state
                .blocs
                .get(bloc)
                .map_or_else(|| bloc.to_string(), |bloc| bloc.name.clone());
            let statement = sitting
                .boycotts
                .get(bloc)
                .and_then(|statement| statement.as_ref())
                .map(|statement| format!(": \"{statement}\""))
                .unwrap_or_default();
            let line = format!(
                "{} {} declared a boycott of the sitting{statement}",
                time(at),
                inline(
                    "organization",
                    &[("refersTo", &hash(&bloc_reference(bloc)))],
                    &name
                )
            );
            xml.mixed("narrative", &[], &line);
        }
        Proceeding::CommunicationRead { communication } => {
            let Some(record) = state.communications.get(communication) else {
                return false;
            };
            xml.open(
                "communication",
                &[("eId", &format!("communication_{}", record.id))],
            );
            xml.text("heading", &[], &record.subject);
            let author = hash(&format!("author-{}", record.id));
            let mut speech = vec![("by", author.as_str())];
            let on_behalf = record
                .on_behalf_of
                .as_ref()
                .map(|bloc| hash(&bloc_reference(bloc)));
            if let Some(on_behalf) = &on_behalf {
                speech.push(("as", on_behalf.as_str()));
            }
            xml.open("speech", &speech);
            xml.text("from", &[], &record.from);
            for paragraph in record
                .text
                .split("\n\n")
                .filter(|text| !text.trim().is_empty())
            {
                xml.text("p", &[], paragraph.trim());
            }
            xml.close();
            xml.close();
        }
        Proceeding::DivisionHeld { division } => {
            let Some(division) = state.divisions.get(division) else {
                return false;
            };
            write_division(xml, state, division, &chair);
        }
    }
    true
}

fn write_division(xml: &mut XmlWriter, state: &State, division: &Division, chair: &str) {
    let question = match &division.question {
        Question::Motion { motion } => {
            let title = state
                .motions
                .get(motion)
                .map_or_else(|| motion.to_string(), |motion| motion.title.clone());
            format!("The question is that the motion be adopted: {title}.")
        }
        Question::Election { office, candidates } => {
            let names: Vec<&str> = candidates
                .iter()
                .map(|candidate| candidate.name.as_str())
                .collect();
            format!(
                "The chamber proceeds to the election of the {office}; candidates: {}.",
                names.join(", ")
            )
        }
    };
    xml.open(
        "question",
        &[("eId", &format!("dvs_{}", division.id)), ("by", chair)],
    );
    xml.text("p", &[], &question);
    xml.text(
        "p",
        &[],
        &format!(
            "{} The chamber divided ({}).",
            time(&division.opened_at),
            division.method.in_words()
        ),
    );
    if division.method == DivisionMethod::Recorded {
        for (member, choice) in &division.ballots {
            let name = state
                .members
                .get(member)
                .map_or_else(|| member.to_string(), |member| member.name.clone());
            let concept = match choice {
                Choice::Candidate(_) => format!("#{}-{}", choice_concept(choice), division.id),
                other => hash(&choice_concept(other)),
            };
            let line = inline(
                "vote",
                &[
                    ("by", &hash(&member_reference(member))),
                    ("choice", &concept),
                ],
                &format!("{name}: {}", choice.in_words()),
            );
            xml.mixed("p", &[], &line);
        }
    }
    if let Some(closed) = &division.closed {
        let concept = hash(verdict_concept(&closed.outcome.verdict));
        let line = format!(
            "{} {} {}",
            time(&closed.at),
            inline(
                "outcome",
                &[("refersTo", &concept)],
                &capitalised(&closed.outcome.verdict.in_words())
            ),
            crate::xml::escape(&closed.outcome.explanation())
        );
        xml.mixed("p", &[], &line);
    }
    xml.close();
}

fn capitalised(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}
