//! The `hemicycle` command line: definitions and glue. The work is done by the library
//! crates; this file parses arguments, chooses the storage backend from the database URL
//! (the only place that does), does the file I/O, and prints.

mod analyze;
mod bench;
mod interop;
mod log;
mod migrate;
mod serve;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand};

use hemicycle_core::ids::SittingId;
use hemicycle_core::{Actor, Command, Context};
use hemicycle_engine::Chamber;
use hemicycle_journal::Storage;
use hemicycle_record::RecordOptions;
use hemicycle_scenario::{parse_scenario, parse_standing_orders, preset, Scenario, PRESETS};

const DEFAULT_DATABASE: &str = "sqlite://hemicycle.db";
const DEMO_DATABASE_FILE: &str = "hemicycle-demo.db";
const DEMO_CHART_FILE: &str = "hemicycle-demo.svg";
const DEMO_KEY_FILE: &str = "hemicycle-demo.key";

#[derive(Parser)]
#[command(
    name = "hemicycle",
    version,
    about = "Runs a parliament's sittings and votes, and keeps its record."
)]
struct Cli {
    #[command(subcommand)]
    command: Subcommands,
}

#[derive(Subcommand)]
enum Subcommands {
    /// Serve the chamber: the gallery, the consoles, the record and the JSON API.
    Serve(serve::ServeArgs),
    /// Load-test a server: N members sign in and vote at once while M viewers watch live.
    Bench(bench::BenchArgs),
    /// Manage the accounts that sign in to the server.
    #[command(subcommand)]
    Account(serve::AccountCommand),
    /// Explain what happened: attendance, quorum, cohesion, voting power, ideal points.
    #[command(subcommand)]
    Analyze(analyze::AnalyzeCommand),
    /// Replay the extraordinary sitting of Iraq's Council of Representatives of
    /// 5 January 2020, print its record and draw its seat chart.
    Demo {
        /// Journal to write (created afresh); default: a new hemicycle-demo.db here.
        #[arg(long)]
        database: Option<String>,
        /// Where to write the seat chart.
        #[arg(long, default_value = DEMO_CHART_FILE)]
        chart: PathBuf,
        /// List every member's ballot under each division.
        #[arg(long)]
        roll_call: bool,
        /// Write the record to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The checkpoint signing key to create; default: beside the journal.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Establish a new chamber from a preset or a standing-orders file.
    Init {
        /// A preset (see `hemicycle presets`).
        #[arg(
            long,
            conflicts_with = "standing_orders",
            required_unless_present = "standing_orders"
        )]
        preset: Option<String>,
        /// A standing-orders TOML file.
        #[arg(long)]
        standing_orders: Option<PathBuf>,
        /// The chamber's name, if not the preset's.
        #[arg(long)]
        name: Option<String>,
        /// The number of seats, if not the preset's.
        #[arg(long)]
        seats: Option<u32>,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
        /// The checkpoint signing key to create; default: beside the journal (hemicycle.key).
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// List the standing-orders presets.
    Presets,
    /// Run a scenario file (a chamber and a sequence of sitting actions) into a new journal.
    Replay {
        scenario: PathBuf,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
        /// Also draw the seat chart of the last sitting to this SVG file.
        #[arg(long)]
        chart: Option<PathBuf>,
        #[arg(long)]
        roll_call: bool,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Print the record of a sitting from a journal.
    Record {
        /// The sitting; default: the latest.
        #[arg(long)]
        sitting: Option<SittingId>,
        #[arg(long)]
        roll_call: bool,
        /// Also draw the sitting's seat chart to this SVG file.
        #[arg(long)]
        chart: Option<PathBuf>,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Print the follow-up register: resolutions addressed outside the chamber and where
    /// each stands (sent, answered, implemented, rejected, overdue).
    Register {
        /// The day to judge deadlines by (YYYY-MM-DD); default: today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Check that the journal is intact: every event's hash and the chain linking them.
    Verify {
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
        /// Also check the log against a witness's file of signed checkpoints seen earlier.
        #[arg(long)]
        witness: Option<PathBuf>,
        /// The chamber's verifier key (or a file holding it) to check signatures with;
        /// default: the public half of the key beside the journal. Checks the log too.
        #[arg(long)]
        key: Option<String>,
    },
    /// The transparency log: checkpoints, the public key, proofs, entries.
    Log {
        #[command(subcommand)]
        command: log::LogCommand,
    },
    /// Write the receipt of a member's ballot: the event, its signed checkpoint and proof.
    Receipt {
        #[arg(long)]
        division: String,
        #[arg(long)]
        member: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
    /// Import Popolo JSON, Voteview roll-call CSV or the one-vote Senate table.
    #[command(subcommand)]
    Import(interop::ImportCommand),
    /// Export Popolo JSON, Voteview CSV, or a sitting's record as Akoma Ntoso XML.
    #[command(subcommand)]
    Export(interop::ExportCommand),
    /// Copy a journal to another storage backend (e.g. SQLite to PostgreSQL), verified on arrival.
    Migrate(migrate::MigrateArgs),
    /// Check a ballot receipt offline with the chamber's public verifier key.
    VerifyReceipt {
        file: PathBuf,
        /// The verifier key line (name+keyid+base64), or a file holding it.
        #[arg(long)]
        key: String,
        /// Also require the ballot to be in this division.
        #[arg(long)]
        division: Option<String>,
        /// Also require the ballot to be this member's.
        #[arg(long)]
        member: Option<String>,
        /// Also require this choice (yes, no, abstain).
        #[arg(long)]
        choice: Option<String>,
    },
}

fn main() {
    if let Err(error) = run(Cli::parse()) {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Subcommands::Demo {
            database,
            chart,
            roll_call,
            output,
            key,
        } => demo(database, &chart, roll_call, output.as_deref(), key),
        Subcommands::Init {
            preset: preset_name,
            standing_orders,
            name,
            seats,
            database,
            key,
        } => init(preset_name, standing_orders, name, seats, &database, key),
        Subcommands::Presets => {
            for (name, description, _) in PRESETS {
                println!("{name:<22} {description}");
            }
            Ok(())
        }
        Subcommands::Replay {
            scenario,
            database,
            chart,
            roll_call,
            output,
        } => {
            let source = fs::read_to_string(&scenario)
                .with_context(|| format!("reading scenario {}", scenario.display()))?;
            let origin = scenario.display().to_string();
            let base = scenario.parent().map(Path::to_path_buf).unwrap_or_default();
            let read_relative = |name: &str| {
                let path = base.join(name);
                fs::read_to_string(&path)
                    .map_err(|error| format!("cannot read {}: {error}", path.display()))
            };
            let parsed = parse_scenario(&source, &origin, &read_relative)?;
            replay(
                &parsed,
                &database,
                chart.as_deref(),
                roll_call,
                output.as_deref(),
            )
        }
        Subcommands::Record {
            sitting,
            roll_call,
            chart,
            database,
            output,
        } => {
            let chamber = open_existing(&database)?;
            let state = chamber.state();
            let chosen = hemicycle_record::choose_sitting(state, sitting.as_ref())?;
            let text =
                hemicycle_record::sitting_record(state, chosen, RecordOptions { roll_call })?;
            emit(&text, output.as_deref())?;
            if let Some(chart) = chart {
                write_chart(state, chosen, &chart)?;
            }
            Ok(())
        }
        Subcommands::Register {
            as_of,
            database,
            output,
        } => {
            let chamber = open_existing(&database)?;
            let today = as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
            emit(
                &hemicycle_record::follow_up_register(chamber.state(), today),
                output.as_deref(),
            )
        }
        Subcommands::Verify {
            database,
            witness,
            key,
        } => {
            // The log check comes first: against a witness, a rewritten history is
            // reported as such even when its events would also fail to replay.
            if witness.is_some() || key.is_some() {
                if let Some(path) = sqlite_path(&database) {
                    if !path.exists() {
                        bail!("no journal at {}", path.display());
                    }
                }
                log::verify_log(
                    &database,
                    &*open_storage(&database)?,
                    witness.as_deref(),
                    key.as_deref(),
                )?;
            }
            verify(&database)
        }
        Subcommands::Analyze(command) => analyze::run(command),
        Subcommands::Serve(arguments) => serve::serve(arguments),
        Subcommands::Bench(arguments) => bench::bench(arguments),
        Subcommands::Account(command) => serve::account(command),
        Subcommands::Log { command } => log::run(command),
        Subcommands::Import(command) => interop::import(command),
        Subcommands::Export(command) => interop::export(command),
        Subcommands::Migrate(arguments) => migrate::migrate(arguments),
        Subcommands::Receipt {
            division,
            member,
            output,
            database,
        } => log::receipt(&database, &division, &member, output.as_deref()),
        Subcommands::VerifyReceipt {
            file,
            key,
            division,
            member,
            choice,
        } => log::verify_receipt(
            &file,
            &key,
            division.as_deref(),
            member.as_deref(),
            choice.as_deref(),
        ),
    }
}

/// Opens the storage a URL names. The storage backend is chosen here and nowhere else.
/// A storage URL as it may be printed: a password in it is masked.
fn shown_url(url: &str) -> String {
    hemicycle_journal::StorageUrl::parse(url)
        .map(|parsed| parsed.to_string())
        .unwrap_or_else(|_| url.to_owned())
}

fn open_storage(url: &str) -> Result<Box<dyn Storage>> {
    hemicycle_journal::open(url).with_context(|| format!("opening journal {}", shown_url(url)))
}

fn sqlite_path(url: &str) -> Option<&Path> {
    url.strip_prefix("sqlite://").map(Path::new)
}

fn open_existing(url: &str) -> Result<Chamber<Box<dyn Storage>>> {
    if let Some(path) = sqlite_path(url) {
        if !path.exists() {
            bail!(
                "no journal at {} (create one with `hemicycle init` or `hemicycle replay`)",
                path.display()
            );
        }
    }
    Chamber::open(open_storage(url)?)
        .with_context(|| format!("replaying journal {}", shown_url(url)))
}

fn open_empty(url: &str) -> Result<Chamber<Box<dyn Storage>>> {
    let chamber = Chamber::open(open_storage(url)?)
        .with_context(|| format!("replaying journal {}", shown_url(url)))?;
    if !chamber.journal().is_empty() {
        bail!(
            "journal {} already holds {} events; choose another --database (a journal is only ever appended to)",
            shown_url(url),
            chamber.journal().len()
        );
    }
    Ok(chamber)
}

fn emit(text: &str, output: Option<&Path>) -> Result<()> {
    match output {
        Some(path) => fs::write(path, text).with_context(|| format!("writing {}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .context("writing to standard output")?;
            stdout.flush().context("writing to standard output")
        }
    }
}

fn write_chart(
    state: &hemicycle_core::State,
    sitting: &hemicycle_core::state::Sitting,
    path: &Path,
) -> Result<()> {
    let svg = hemicycle_record::seat_chart(state, sitting)?;
    fs::write(path, svg).with_context(|| format!("writing seat chart {}", path.display()))?;
    eprintln!("Seat chart written to {}", path.display());
    Ok(())
}

fn demo(
    database: Option<String>,
    chart: &Path,
    roll_call: bool,
    output: Option<&Path>,
    key: Option<PathBuf>,
) -> Result<()> {
    let database = match database {
        Some(url) => url,
        None => {
            // The demo's own journal is rebuilt on every run, so remove the previous one
            // (and the previous demo key, which signed only that journal).
            if key.is_none() && Path::new(DEMO_KEY_FILE).exists() {
                fs::remove_file(DEMO_KEY_FILE)
                    .with_context(|| format!("removing the previous demo key {DEMO_KEY_FILE}"))?;
            }
            for suffix in ["", "-wal", "-shm"] {
                let path = PathBuf::from(format!("{DEMO_DATABASE_FILE}{suffix}"));
                if path.exists() {
                    fs::remove_file(&path).with_context(|| {
                        format!("removing the previous demo journal {}", path.display())
                    })?;
                }
            }
            format!("sqlite://{DEMO_DATABASE_FILE}")
        }
    };
    let scenario = parse_scenario(
        hemicycle_scenario::DEMO_SCENARIO,
        hemicycle_scenario::DEMO_SCENARIO_NAME,
        &|name| Err(format!("the demo scenario uses presets only, not {name}")),
    )?;
    let key_file = log::key_path(&database, key)?;
    let signer = log::create_key(&key_file, &log::log_name(&scenario.chamber.name))?;
    eprintln!(
        "Checkpoint signing key written to {} (owner-only); verifier key: {}",
        key_file.display(),
        signer.verifier()
    );
    replay_signed(
        &scenario,
        &database,
        Some(chart),
        roll_call,
        output,
        Some(signer),
    )?;
    eprintln!(
        "Journal written to {database}; check it with `hemicycle verify --database {database}`."
    );
    Ok(())
}

fn replay(
    scenario: &Scenario,
    database: &str,
    chart: Option<&Path>,
    roll_call: bool,
    output: Option<&Path>,
) -> Result<()> {
    replay_signed(scenario, database, chart, roll_call, output, None)
}

/// Like `replay`, signing checkpoints with `signer` if given.
fn replay_signed(
    scenario: &Scenario,
    database: &str,
    chart: Option<&Path>,
    roll_call: bool,
    output: Option<&Path>,
    signer: Option<hemicycle_log::SignerKey>,
) -> Result<()> {
    let mut chamber = open_empty(database)?;
    if let Some(signer) = signer {
        chamber.set_signer(signer);
    }
    chamber.run_scenario(scenario)?;
    let state = chamber.state();
    let mut text = format!("{}\n\n", scenario.title);
    for sitting in state.sittings.values() {
        text.push_str(&hemicycle_record::sitting_record(
            state,
            sitting,
            RecordOptions { roll_call },
        )?);
    }
    emit(&text, output)?;
    if let (Some(path), Some(sitting)) = (chart, state.sittings.values().last()) {
        write_chart(state, sitting, path)?;
    }
    Ok(())
}

fn init(
    preset_name: Option<String>,
    standing_orders: Option<PathBuf>,
    name: Option<String>,
    seats: Option<u32>,
    database: &str,
    key: Option<PathBuf>,
) -> Result<()> {
    let mut rules = match (preset_name, standing_orders) {
        (Some(preset_name), _) => preset(&preset_name)?,
        (None, Some(path)) => {
            let source =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            parse_standing_orders(&source, &path.display().to_string())?
        }
        (None, None) => bail!("give --preset NAME or --standing-orders FILE"),
    };
    if let Some(name) = name {
        rules.name = name;
    }
    if let Some(seats) = seats {
        rules.seats = seats;
    }
    let mut chamber = open_empty(database)?;
    // The key is made before the chamber exists, so a failure leaves no chamber without a key.
    let key_file = log::key_path(database, key)?;
    let signer = log::create_key(&key_file, &log::log_name(&rules.name))?;
    let context = Context {
        at: chrono::Local::now().fixed_offset(),
        actor: Actor::System,
    };
    chamber.execute(
        &context,
        &Command::EstablishChamber {
            name: rules.name.clone(),
            seats: rules.seats,
            standing_orders: rules.standing_orders,
        },
    )?;
    println!(
        "Established {} ({} seats) in {database}.",
        rules.name, rules.seats
    );
    chamber.set_signer(signer.clone());
    chamber.sign_checkpoint()?;
    println!(
        "Checkpoint signing key written to {} (owner-only; keep it secret).
Verifier key: {}",
        key_file.display(),
        signer.verifier()
    );
    Ok(())
}

fn verify(database: &str) -> Result<()> {
    if let Some(path) = sqlite_path(database) {
        if !path.exists() {
            bail!("no journal at {}", path.display());
        }
    }
    let storage = open_storage(database)?;
    let report = hemicycle_journal::verify(&*storage)?;
    println!("{report}");
    // The chain is intact; check that every event also means something possible.
    Chamber::open(storage).with_context(|| format!("replaying journal {database}"))?;
    println!("Every event replays against the standing orders.");
    Ok(())
}
