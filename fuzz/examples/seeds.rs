//! Writes the seed corpus of every fuzz target from real material: the repository's
//! scenarios and presets, the shared Popolo data and examples, the events, envelopes,
//! checkpoints, proofs and receipts of the demonstration, and its command bodies.
//!
//! `cargo run --example seeds -- OUTPUT_DIRECTORY [SHARED_DIRECTORY]` (run from `fuzz/`;
//! `scripts/fuzz --reseed` does it): one folder per target under OUTPUT_DIRECTORY.
//! The committed corpus is this output after `cargo fuzz cmin`.

use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use hemicycle_core::{encode, Actor, Command, Context, Event, State};
use hemicycle_fuzz::{demo_moments, demo_scenario, signer, LOG_NAME};
use hemicycle_interop::popolo::{export_popolo, plan_popolo_import};
use hemicycle_interop::NewChamber;
use hemicycle_journal::{Envelope, Hash, NewEvent};
use hemicycle_log::api::{ConsistencyBody, InclusionBody};
use hemicycle_log::{
    consistency_proof, inclusion_proof, leaf_hash, root, Checkpoint, MemoryTree, Receipt, SignerKey,
};
use hemicycle_scenario::parse_scenario;
use hemicycle_web::api::COMMAND_NAMES;
use serde_json::Value;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Persons kept from each real Popolo document: enough for every kind of object it
/// holds, small enough for the fuzzer to mutate quickly.
const POPOLO_PERSONS_KEPT: usize = 6;

/// Events of each type kept as seeds.
const EVENTS_PER_TYPE: usize = 2;

struct Seeds {
    directory: PathBuf,
    written: BTreeMap<String, usize>,
}

impl Seeds {
    fn write(&mut self, target: &str, bytes: impl AsRef<[u8]>) -> Result<()> {
        let folder = self.directory.join(target);
        fs::create_dir_all(&folder)?;
        let count = self.written.entry(target.to_owned()).or_default();
        *count += 1;
        fs::write(folder.join(format!("seed-{count:04}")), bytes)?;
        Ok(())
    }
}

fn main() -> Result<()> {
    let mut arguments = std::env::args().skip(1);
    let directory = PathBuf::from(arguments.next().ok_or("usage: seeds OUTPUT [SHARED]")?);
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = arguments
        .next()
        .map_or_else(|| project.join("../shared"), PathBuf::from);
    let mut seeds = Seeds {
        directory,
        written: BTreeMap::new(),
    };

    let scenarios = scenario_files(&project)?;
    for (_, source) in &scenarios {
        seeds.write("scenario", source)?;
    }
    seeds.write(
        "scenario",
        "title = \"t\"\n[chamber]\nstanding_orders = \"standing-orders.toml\"\n",
    )?;
    for (_, _, source) in hemicycle_scenario::PRESETS {
        seeds.write("standing_orders", source)?;
    }

    let histories = scenario_histories(&scenarios)?;
    popolo_seeds(&mut seeds, &shared, &histories)?;
    event_seeds(&mut seeds, &histories, &shared)?;
    log_seeds(&mut seeds, &histories[0])?;
    api_seeds(&mut seeds)?;

    for (target, count) in &seeds.written {
        println!("{target}: {count} seeds");
    }
    Ok(())
}

fn scenario_files(project: &Path) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(project.join("scenarios"))? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|extension| extension == "toml")
        {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            files.push((name, fs::read_to_string(&path)?));
        }
    }
    files.sort();
    // The demonstration first: the log seeds are built from its events.
    files.sort_by_key(|(name, _)| name != "iraq-2020-01-05.toml");
    Ok(files)
}

/// One recorded event: when, by whom, what.
struct Recorded {
    context: Context,
    event: Event,
}

/// A scenario run to its end: the final state and every event in order.
struct History {
    state: State,
    events: Vec<Recorded>,
}

fn run(state: &mut State, events: &mut Vec<Recorded>, context: &Context, command: &Command) {
    match state.execute(context, command) {
        Ok(new_events) => events.extend(new_events.into_iter().map(|event| Recorded {
            context: context.clone(),
            event,
        })),
        Err(refusal) => panic!("{} refused while seeding: {refusal}", command.name()),
    }
}

fn scenario_histories(scenarios: &[(String, String)]) -> Result<Vec<History>> {
    let mut histories = Vec::new();
    for (name, source) in scenarios {
        let scenario = parse_scenario(source, name, &|file| Err(format!("no file {file}")))?;
        let mut state = State::new();
        let mut events = Vec::new();
        for planned in scenario.setup()? {
            run(&mut state, &mut events, &planned.context, &planned.command);
        }
        for step in &scenario.steps {
            for planned in scenario.commands(step, &state)? {
                run(&mut state, &mut events, &planned.context, &planned.command);
            }
        }
        histories.push(History { state, events });
    }
    Ok(histories)
}

/// A Popolo document cut down to its first persons and what refers to them.
fn trim_popolo(mut document: Value) -> Value {
    let kept: Vec<Value> = document
        .get("persons")
        .and_then(Value::as_array)
        .map(|persons| {
            persons
                .iter()
                .take(POPOLO_PERSONS_KEPT)
                .filter_map(|person| person.get("id").cloned())
                .collect()
        })
        .unwrap_or_default();
    let keeps = |id: Option<&Value>| id.is_none_or(|id| kept.contains(id));
    if let Some(persons) = document.get_mut("persons").and_then(Value::as_array_mut) {
        persons.truncate(POPOLO_PERSONS_KEPT);
    }
    if let Some(memberships) = document
        .get_mut("memberships")
        .and_then(Value::as_array_mut)
    {
        memberships.retain(|membership| keeps(membership.get("person_id")));
    }
    if let Some(vote_events) = document
        .get_mut("vote_events")
        .and_then(Value::as_array_mut)
    {
        vote_events.truncate(3);
        for vote_event in vote_events {
            if let Some(votes) = vote_event.get_mut("votes").and_then(Value::as_array_mut) {
                votes.retain(|vote| keeps(vote.get("voter_id")));
            }
        }
    }
    document
}

fn popolo_seeds(seeds: &mut Seeds, shared: &Path, histories: &[History]) -> Result<()> {
    let examples = shared.join("standards/popolo/examples");
    let mut names: Vec<PathBuf> = fs::read_dir(&examples)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<std::io::Result<_>>()?;
    names.sort();
    for path in names {
        seeds.write("popolo_import", fs::read(path)?)?;
    }
    let real: Value = serde_json::from_slice(&fs::read(
        shared.join("data/everypolitician-iraq-majlis.json"),
    )?)?;
    seeds.write("popolo_import", serde_json::to_vec(&trim_popolo(real))?)?;
    for history in histories {
        let exported: Value = serde_json::from_slice(&export_popolo(&history.state)?)?;
        seeds.write("popolo_import", serde_json::to_vec(&trim_popolo(exported))?)?;
    }
    Ok(())
}

fn envelopes(events: &[Recorded]) -> Result<Vec<Envelope>> {
    let mut previous = Hash::ZERO;
    let mut envelopes = Vec::new();
    for (index, recorded) in events.iter().enumerate() {
        let envelope = Envelope::new(
            u64::try_from(index)? + 1,
            previous,
            NewEvent {
                recorded_at: recorded.context.at.to_rfc3339(),
                actor: recorded.context.actor.to_string(),
                payload: encode(&recorded.event),
            },
        )?;
        previous = envelope.hash;
        envelopes.push(envelope);
    }
    Ok(envelopes)
}

fn event_seeds(seeds: &mut Seeds, histories: &[History], shared: &Path) -> Result<()> {
    // The history events (identifiers, details, occasions, recorded divisions) come
    // from an import of the real Popolo file.
    let preset = hemicycle_scenario::preset("iraq")?;
    let new_chamber = NewChamber {
        standing_orders: preset.standing_orders,
        default_name: preset.name,
        default_seats: preset.seats,
        name: None,
        seats: None,
    };
    let real = trim_popolo(serde_json::from_slice(&fs::read(
        shared.join("data/everypolitician-iraq-majlis.json"),
    )?)?);
    let at = demo_moments()[1].at;
    let plan = plan_popolo_import(
        &State::new(),
        serde_json::to_vec(&real)?.as_slice(),
        "seed.json",
        at,
        Some(&new_chamber),
    )?;
    let mut state = State::new();
    let mut imported = Vec::new();
    for (context, command) in &plan.commands {
        run(&mut state, &mut imported, context, command);
    }
    let mut per_type: BTreeMap<&str, usize> = BTreeMap::new();
    let all = histories
        .iter()
        .flat_map(|history| history.events.iter())
        .chain(imported.iter());
    for recorded in all {
        let count = per_type.entry(recorded.event.type_name()).or_default();
        if *count < EVENTS_PER_TYPE {
            *count += 1;
            seeds.write("event_decode", encode(&recorded.event))?;
        }
    }
    let demo = envelopes(&histories[0].events)?;
    let mut seen_types: Vec<&str> = Vec::new();
    for (envelope, recorded) in demo.iter().zip(&histories[0].events) {
        let kind = recorded.event.type_name();
        if envelope.sequence <= 3 || !seen_types.contains(&kind) {
            seen_types.push(kind);
            seeds.write("envelope", envelope.canonical_bytes())?;
        }
    }
    Ok(())
}

fn log_seeds(seeds: &mut Seeds, demo: &History) -> Result<()> {
    let entries: Vec<Vec<u8>> = envelopes(&demo.events)?
        .iter()
        .map(Envelope::canonical_bytes)
        .collect();
    let tree = MemoryTree::from_entries(&entries);
    let size = tree.size();
    let checkpoint_at = |tree_size: u64, extensions: Vec<String>| -> Result<String> {
        let checkpoint = Checkpoint {
            origin: LOG_NAME.to_owned(),
            tree_size,
            root_hash: root(&tree, tree_size)?,
            extensions,
        };
        Ok(checkpoint.sign(signer())?)
    };
    let sizes = [1, 2, 7, size / 2, size];
    let mut notes = Vec::new();
    for tree_size in sizes {
        notes.push(checkpoint_at(tree_size, Vec::new())?);
    }
    notes.push(checkpoint_at(size, vec!["extension line".to_owned()])?);
    // A cosignature by a witness, as a witness's file holds them.
    let witness = SignerKey::from_seed("witness.example/fuzz", [9; 32])?;
    let text = Checkpoint::parse(
        &hemicycle_log::note::open(notes[2].as_bytes(), &[signer().verifier()])?.text,
    )?
    .to_text()?;
    let cosigned = witness.sign(&text)?;
    let cosignature = cosigned.rsplit_once("\n\n").map_or("", |(_, line)| line);
    notes.push(format!("{}{cosignature}", notes[2]));
    for note in &notes {
        seeds.write("signed_note", note)?;
    }
    seeds.write("signed_note", Checkpoint::parse(&text)?.to_text()?)?;
    seeds.write("signed_note", format!("{}\n", signer().verifier()))?;
    seeds.write("signed_note", witness.verifier().to_string())?;

    seeds.write("witness", &notes[0])?;
    seeds.write("witness", notes[..5].join("\n"))?;
    seeds.write("witness", format!("{}{}", notes[2], notes[4]))?;
    seeds.write("witness", notes[6..].concat())?;

    for (index, tree_size) in [(0, 1), (0, 2), (5, 7), (3, size / 2), (size - 1, size)] {
        let proof = inclusion_proof(&tree, index, tree_size)?;
        let body = InclusionBody::new(index, tree_size, &tree.leaves()[index as usize], &proof);
        seeds.write("log_proofs", body.to_json())?;
    }
    for (from, to) in [
        (1, 2),
        (2, 7),
        (7, size / 2),
        (size / 2, size),
        (size, size),
    ] {
        let proof = consistency_proof(&tree, from, to)?;
        seeds.write(
            "log_proofs",
            ConsistencyBody::new(from, to, &proof).to_json(),
        )?;
    }
    for (index, note_index) in [(0usize, 0usize), (5, 2), (size as usize - 1, 4)] {
        let tree_size = sizes[note_index];
        let receipt = Receipt {
            entry: Some(entries[index].clone()),
            index: index as u64,
            proof: inclusion_proof(&tree, index as u64, tree_size)?,
            checkpoint_note: notes[note_index].clone(),
        };
        assert_eq!(leaf_hash(&entries[index]), tree.leaves()[index]);
        seeds.write("log_proofs", receipt.to_text())?;
    }
    Ok(())
}

fn api_seeds(seeds: &mut Seeds) -> Result<()> {
    let scenario = demo_scenario();
    let moments = demo_moments();
    let role = |actor: &Actor| match actor {
        Actor::PresidingOfficer(_) => 1u8,
        Actor::Member(_) => 2,
        _ => 0,
    };
    let mut write_command = |moment: usize, context: &Context, command: &Command| -> Result<()> {
        let mut body = serde_json::to_value(command)?;
        if let Value::Object(fields) = &mut body {
            fields.remove("command");
        }
        let name_index = COMMAND_NAMES
            .iter()
            .position(|name| *name == command.name())
            .ok_or("a command the API does not list")?;
        let mut bytes = vec![
            u8::try_from(moment)?,
            role(&context.actor),
            u8::try_from(name_index)?,
        ];
        bytes.extend(serde_json::to_vec(&body)?);
        seeds.write("api_command", bytes)
    };
    let setup = scenario.setup()?;
    write_command(0, &setup[0].context, &setup[0].command)?;
    for planned in setup.iter().skip(1).take(3) {
        write_command(1, &planned.context, &planned.command)?;
    }
    // Each step's first commands, at the moment just before the step.
    for (index, step) in scenario.steps.iter().enumerate() {
        let moment = index + 1;
        for planned in scenario
            .commands(step, &moments[moment].state)?
            .iter()
            .take(2)
        {
            write_command(moment, &planned.context, &planned.command)?;
        }
    }
    Ok(())
}
