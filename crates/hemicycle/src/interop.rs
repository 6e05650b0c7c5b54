//! `hemicycle import …` and `hemicycle export …`: the standards in and out. The work is
//! done by `hemicycle-interop`; this module opens the files and the journal, runs an
//! import plan as one all-or-nothing batch, and writes the exports.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand};

use hemicycle_core::ids::SittingId;
use hemicycle_engine::Chamber;
use hemicycle_interop::akn::AknOptions;
use hemicycle_interop::{ImportPlan, NewChamber};
use hemicycle_journal::Storage;

use crate::{emit, open_existing, open_storage, DEFAULT_DATABASE};

/// The chamber to establish when the journal is empty.
#[derive(Args)]
pub struct NewChamberArgs {
    /// Standing orders for a new chamber (see `hemicycle presets`); required when the
    /// journal is empty.
    #[arg(long)]
    preset: Option<String>,
    /// The new chamber's name (default: the file's, else the preset's).
    #[arg(long)]
    name: Option<String>,
    /// The new chamber's seats (default: the file's, else the preset's).
    #[arg(long)]
    seats: Option<u32>,
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import a Popolo JSON document: persons, organizations, memberships, events,
    /// motions and vote events. Re-importing records only what is new or changed.
    Popolo {
        file: PathBuf,
        #[command(flatten)]
        chamber: NewChamberArgs,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
    /// Import roll calls in the Voteview layout (HSall_members.csv, HSall_votes.csv,
    /// HSall_rollcalls.csv or slices of them): one transaction per congress.
    Voteview {
        #[arg(long)]
        members: PathBuf,
        #[arg(long)]
        votes: PathBuf,
        #[arg(long)]
        rollcalls: PathBuf,
        /// House, Senate or President: required when the files hold several chambers.
        #[arg(long)]
        chamber: Option<String>,
        #[command(flatten)]
        new_chamber: NewChamberArgs,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
    /// Import the one-vote Senate table (y, name "SURNAME (P ST)", state.name, rep) as
    /// one recorded division; see the column mapping in hemicycle_interop::senate.
    SenateCsv {
        file: PathBuf,
        /// The day of the vote (the file does not say).
        #[arg(long)]
        date: chrono::NaiveDate,
        /// The question voted on (the file does not say).
        #[arg(long)]
        question: String,
        /// The division's identifier; default: senate-DATE.
        #[arg(long)]
        division: Option<hemicycle_core::ids::DivisionId>,
        #[command(flatten)]
        new_chamber: NewChamberArgs,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Export the recorded votes in the Voteview layout: members.csv, votes.csv and
    /// rollcalls.csv in DIR.
    Voteview {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
    /// Export the chamber as a Popolo JSON document.
    Popolo {
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Export the record of a sitting as an Akoma Ntoso debate document.
    Akn {
        /// The sitting; default: the latest.
        #[arg(long)]
        sitting: Option<SittingId>,
        /// ISO 3166-1 alpha-2 country code for the FRBR URIs (e.g. iq).
        #[arg(long, default_value = "xx")]
        country: String,
        /// ISO 639-2 language code of the record (e.g. eng, ara).
        #[arg(long, default_value = "und")]
        language: String,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

fn now() -> hemicycle_core::model::Timestamp {
    chrono::Local::now().fixed_offset()
}

/// Opens the journal for an import: it may be empty.
fn open_for_import(url: &str) -> Result<Chamber<Box<dyn Storage>>> {
    Chamber::open(open_storage(url)?).with_context(|| format!("replaying journal {url}"))
}

fn new_chamber(arguments: &NewChamberArgs) -> Result<Option<NewChamber>> {
    let Some(preset) = &arguments.preset else {
        return Ok(None);
    };
    let rules = hemicycle_scenario::preset(preset)?;
    Ok(Some(NewChamber {
        standing_orders: rules.standing_orders,
        default_name: rules.name,
        default_seats: rules.seats,
        name: arguments.name.clone(),
        seats: arguments.seats,
    }))
}

/// Runs a plan as one transaction and prints what it did.
fn run_plan(chamber: &mut Chamber<Box<dyn Storage>>, plan: &ImportPlan, what: &str) -> Result<()> {
    chamber
        .execute_batch(&plan.commands)
        .map_err(|(index, error)| anyhow!("{}: {error}", plan.origin(index)))
        .with_context(|| format!("importing {what}; nothing was imported"))?;
    let summary = if plan.is_empty() {
        format!("{what}: nothing new; the journal is unchanged.\n")
    } else {
        format!(
            "{what}: {} commands recorded as one transaction.\n",
            plan.commands.len()
        )
    };
    emit(&format!("{summary}{}", plan.report), None)
}

pub fn import(command: ImportCommand) -> Result<()> {
    match command {
        ImportCommand::Popolo {
            file,
            chamber: arguments,
            database,
        } => {
            let mut chamber = open_for_import(&database)?;
            let new_chamber = new_chamber(&arguments)?;
            if chamber.state().chamber.is_some() && new_chamber.is_some() {
                bail!("journal {database} already holds a chamber; --preset is only for an empty journal");
            }
            let reader =
                fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?;
            let origin = file.display().to_string();
            let plan = hemicycle_interop::popolo::plan_popolo_import(
                chamber.state(),
                std::io::BufReader::new(reader),
                &origin,
                now(),
                new_chamber.as_ref(),
            )?;
            run_plan(&mut chamber, &plan, &origin)
        }
        ImportCommand::Voteview {
            members,
            votes,
            rollcalls,
            chamber: chosen,
            new_chamber: arguments,
            database,
        } => import_voteview(&members, &votes, &rollcalls, chosen, &arguments, &database),
        ImportCommand::SenateCsv {
            file,
            date,
            question,
            division,
            new_chamber: arguments,
            database,
        } => {
            let mut chamber = open_for_import(&database)?;
            let new_chamber = new_chamber(&arguments)?;
            let bytes = fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let origin = file.display().to_string();
            let plan = hemicycle_interop::senate::plan_senate_import(
                chamber.state(),
                bytes.as_slice(),
                &origin,
                &hemicycle_interop::senate::SenateVote {
                    date,
                    question,
                    division,
                },
                now(),
                new_chamber.as_ref(),
            )?;
            run_plan(&mut chamber, &plan, &origin)
        }
    }
}

fn open_reader(path: &Path) -> Result<std::io::BufReader<fs::File>> {
    let file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(std::io::BufReader::with_capacity(1 << 20, file))
}

fn import_voteview(
    members: &Path,
    votes: &Path,
    rollcalls: &Path,
    chosen: Option<String>,
    arguments: &NewChamberArgs,
    database: &str,
) -> Result<()> {
    use hemicycle_interop::voteview::{Source, VoteviewImport};
    let mut chamber = open_for_import(database)?;
    let new_chamber = new_chamber(arguments)?;
    let votes_size = fs::metadata(votes)
        .with_context(|| format!("reading {}", votes.display()))?
        .len();
    // Drawn on standard error, and only on a terminal (indicatif hides it otherwise).
    let bar = indicatif::ProgressBar::new(votes_size);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {msg} ({elapsed}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let mut rows_read = 0;
    let import = VoteviewImport {
        members: Source {
            origin: members.display().to_string(),
            reader: open_reader(members)?,
        },
        votes: Source {
            origin: votes.display().to_string(),
            reader: open_reader(votes)?,
        },
        rollcalls: Source {
            origin: rollcalls.display().to_string(),
            reader: open_reader(rollcalls)?,
        },
        chamber: chosen,
        at: now(),
        new_chamber,
    };
    let state = chamber.state().clone();
    let result = hemicycle_interop::voteview::import_voteview(
        state,
        import,
        &mut |progress| {
            rows_read = progress.rows;
            bar.set_position(progress.bytes);
            bar.set_message(format!("{} vote rows", progress.rows));
        },
        &mut |plan| {
            chamber
                .execute_batch(&plan.commands)
                .map(|_| ())
                .map_err(|(index, error)| format!("{}: {error}", plan.origin(index)))
        },
    );
    bar.finish_and_clear();
    let report = result.context(
        "importing the Voteview files; the congresses before the one named were recorded, and running the import again records only what is missing",
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let rate = if seconds > 0.0 {
        format!(", {:.0} vote rows per second", rows_read as f64 / seconds)
    } else {
        String::new()
    };
    emit(
        &format!(
            "{}: {rows_read} vote rows read in {seconds:.1} s{rate}.\n{report}",
            votes.display()
        ),
        None,
    )
}

fn write_bytes(bytes: &[u8], output: Option<&Path>) -> Result<()> {
    match output {
        Some(path) => fs::write(path, bytes).with_context(|| format!("writing {}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .context("writing to standard output")?;
            stdout.flush().context("writing to standard output")
        }
    }
}

pub fn export(command: ExportCommand) -> Result<()> {
    match command {
        ExportCommand::Voteview { dir, database } => {
            let chamber = open_existing(&database)?;
            let files = hemicycle_interop::voteview::export_voteview(chamber.state())?;
            fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for (name, bytes) in [
                ("members.csv", &files.members),
                ("votes.csv", &files.votes),
                ("rollcalls.csv", &files.rollcalls),
            ] {
                let path = dir.join(name);
                fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            }
            eprintln!("Voteview files written to {}", dir.display());
            Ok(())
        }
        ExportCommand::Popolo { database, output } => {
            let chamber = open_existing(&database)?;
            let bytes = hemicycle_interop::popolo::export_popolo(chamber.state())?;
            write_bytes(&bytes, output.as_deref())
        }
        ExportCommand::Akn {
            sitting,
            country,
            language,
            database,
            output,
        } => {
            let chamber = open_existing(&database)?;
            let state = chamber.state();
            let chosen = hemicycle_record::choose_sitting(state, sitting.as_ref())?;
            let bytes = hemicycle_interop::akn::export_sitting(
                state,
                chosen,
                &AknOptions { country, language },
            )?;
            write_bytes(&bytes, output.as_deref())
        }
    }
}
