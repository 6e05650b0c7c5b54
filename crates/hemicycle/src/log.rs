//! The transparency log on the command line: the chamber's signing key,
//! checkpoints, proofs and entries in the exact shapes of the public log
//! API, ballot receipts, and verification against a witness's checkpoints.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;

use hemicycle_core::{decode, Event};
use hemicycle_journal::log as transparency;
use hemicycle_journal::{Envelope, Storage};
use hemicycle_log::{Receipt, SignerKey, VerifierKey};

use crate::{emit, open_storage, sqlite_path, DEFAULT_DATABASE};

/// Largest key, receipt or witness file read.
const MAX_KEY_FILE_BYTES: u64 = 4096;
const MAX_RECEIPT_FILE_BYTES: u64 = 8 * 1024 * 1024;
const MAX_WITNESS_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Subcommand)]
pub enum LogCommand {
    /// Print the latest signed checkpoint (the signed note served as text/plain).
    Checkpoint {
        /// Sign a checkpoint of the journal as it is now first (needs the key).
        #[arg(long)]
        sign: bool,
        /// The signing key file; default: beside the database, e.g. hemicycle.key.
        #[arg(long)]
        key: Option<PathBuf>,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
    /// Print the chamber's public verifier key line (name+keyid+base64).
    Key {
        #[arg(long)]
        key: Option<PathBuf>,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
    /// Print the inclusion proof of entry INDEX (event INDEX + 1) in the tree of SIZE entries.
    Inclusion {
        #[arg(long)]
        index: u64,
        /// The tree size; default: the latest signed checkpoint's.
        #[arg(long)]
        size: Option<u64>,
        /// Print the JSON body of GET /api/log/inclusion.
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
    /// Print the consistency proof between two tree sizes.
    Consistency {
        #[arg(long)]
        from: u64,
        /// The newer size; default: the latest signed checkpoint's.
        #[arg(long)]
        to: Option<u64>,
        /// Print the JSON body of GET /api/log/consistency.
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
    /// Print entries START to END − 1 (at most 1,000): each event's canonical bytes.
    Entries {
        #[arg(long)]
        start: u64,
        #[arg(long)]
        end: u64,
        /// Print the JSON body of GET /api/log/entries.
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
}

/// The key file used with a database: `--key FILE`, or the database file's
/// name with the extension `.key`.
pub fn key_path(database: &str, key: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(key) = key {
        return Ok(key);
    }
    match sqlite_path(database) {
        Some(path) => Ok(path.with_extension("key")),
        None => {
            bail!("journal {database} has no file beside which a key could live; give --key FILE")
        }
    }
}

/// A log name (key name and checkpoint origin) from the chamber's name:
/// lower-case letters, digits and hyphens under `hemicycle/`.
pub fn log_name(chamber_name: &str) -> String {
    let mut slug = String::new();
    for character in chamber_name.chars().flat_map(char::to_lowercase) {
        if character.is_ascii_alphanumeric() {
            slug.push(character);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 100 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "hemicycle/chamber".to_owned()
    } else {
        format!("hemicycle/{slug}")
    }
}

/// Creates a new signing key at `path`, readable by its owner only. Never
/// overwrites an existing file: a chamber's key is its identity.
pub fn create_key(path: &Path, name: &str) -> Result<SignerKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| anyhow!("drawing a random key: {error}"))?;
    let key = SignerKey::from_seed(name, seed).context("making the signing key")?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| {
        format!(
            "creating the signing key {} (an existing key is never overwritten)",
            path.display()
        )
    })?;
    file.write_all(format!("{}\n", key.to_secret_text()).as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing the signing key {}", path.display()))?;
    Ok(key)
}

/// Reads a signing key, refusing one that others may read.
pub fn load_key(path: &Path) -> Result<SignerKey> {
    let metadata = fs::metadata(path)
        .with_context(|| format!("reading the signing key {}", path.display()))?;
    if metadata.len() > MAX_KEY_FILE_BYTES {
        bail!("{} is too large to be a signing key", path.display());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = metadata.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "the signing key {} can be read by others (mode {:o}); make it owner-only: chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    let text = fs::read_to_string(path)
        .with_context(|| format!("reading the signing key {}", path.display()))?;
    // The error names the format problem only, never the key's contents.
    SignerKey::parse(text.trim_end()).with_context(|| format!("signing key {}", path.display()))
}

/// A verifier key given on the command line: the key line itself, or a file
/// holding it.
pub fn parse_verifier_key(argument: &str) -> Result<VerifierKey> {
    if let Ok(key) = VerifierKey::parse(argument) {
        return Ok(key);
    }
    let path = Path::new(argument);
    if path.is_file() {
        let metadata = fs::metadata(path)?;
        if metadata.len() > MAX_KEY_FILE_BYTES {
            bail!("{} is too large to be a verifier key", path.display());
        }
        let text = fs::read_to_string(path)
            .with_context(|| format!("reading the verifier key {}", path.display()))?;
        return VerifierKey::parse(text.trim())
            .with_context(|| format!("verifier key {}", path.display()));
    }
    VerifierKey::parse(argument).context("the --key argument is neither a verifier key nor a file")
}

fn read_limited(path: &Path, limit: u64, what: &str) -> Result<String> {
    let metadata =
        fs::metadata(path).with_context(|| format!("reading {what} {}", path.display()))?;
    if metadata.len() > limit {
        bail!(
            "{} is too large to be {what} ({} bytes)",
            path.display(),
            metadata.len()
        );
    }
    fs::read_to_string(path).with_context(|| format!("reading {what} {}", path.display()))
}

fn open_existing_storage(database: &str) -> Result<Box<dyn Storage>> {
    if let Some(path) = sqlite_path(database) {
        if !path.exists() {
            bail!("no journal at {}", path.display());
        }
    }
    open_storage(database)
}

fn latest_size(storage: &dyn Storage) -> Result<u64> {
    Ok(transparency::latest_checkpoint(storage)?.tree_size)
}

/// Runs `hemicycle log …`.
pub fn run(command: LogCommand) -> Result<()> {
    match command {
        LogCommand::Checkpoint {
            sign,
            key,
            database,
        } => {
            if sign {
                let signer = load_key(&key_path(&database, key)?)?;
                let mut journal =
                    hemicycle_journal::Journal::open(open_existing_storage(&database)?)
                        .with_context(|| format!("opening journal {database}"))?;
                let checkpoint = journal.sign_checkpoint(&signer)?;
                return emit(&checkpoint.note, None);
            }
            let storage = open_existing_storage(&database)?;
            emit(&transparency::latest_checkpoint(&*storage)?.note, None)
        }
        LogCommand::Key { key, database } => {
            let signer = load_key(&key_path(&database, key)?)?;
            emit(&format!("{}\n", signer.verifier()), None)
        }
        LogCommand::Inclusion {
            index,
            size,
            json,
            database,
        } => {
            let storage = open_existing_storage(&database)?;
            let size = match size {
                Some(size) => size,
                None => latest_size(&*storage)?,
            };
            let body = transparency::inclusion(&*storage, index, size)?;
            if json {
                return emit(&format!("{}\n", body.to_json()), None);
            }
            let mut text = format!(
                "inclusion of entry {index} (event {}) in the tree of size {size}\nleaf hash {}\n",
                index + 1,
                body.leaf_hash
            );
            for hash in &body.hashes {
                text.push_str(&format!("{hash}\n"));
            }
            emit(&text, None)
        }
        LogCommand::Consistency {
            from,
            to,
            json,
            database,
        } => {
            let storage = open_existing_storage(&database)?;
            let to = match to {
                Some(to) => to,
                None => latest_size(&*storage)?,
            };
            let body = transparency::consistency(&*storage, from, to)?;
            if json {
                return emit(&format!("{}\n", body.to_json()), None);
            }
            let mut text = format!("consistency of tree size {from} with tree size {to}\n");
            for hash in &body.hashes {
                text.push_str(&format!("{hash}\n"));
            }
            emit(&text, None)
        }
        LogCommand::Entries {
            start,
            end,
            json,
            database,
        } => {
            let storage = open_existing_storage(&database)?;
            let body = transparency::entries(&*storage, start, end)?;
            if json {
                return emit(&format!("{}\n", body.to_json()), None);
            }
            // One canonical event per line: they are compact JSON without newlines.
            let mut text = String::new();
            for record in storage.read(start + 1, (end - start) as usize)? {
                text.push_str(&String::from_utf8_lossy(&record.canonical_bytes));
                text.push('\n');
            }
            emit(&text, None)
        }
    }
}

/// `hemicycle receipt --division D --member M`: the receipt of the member's
/// (last) ballot in the division.
pub fn receipt(database: &str, division: &str, member: &str, output: Option<&Path>) -> Result<()> {
    let storage = open_existing_storage(database)?;
    let journal = hemicycle_journal::Journal::open(storage)
        .with_context(|| format!("opening journal {database}"))?;
    let mut found = None;
    for envelope in journal.events_from(1)? {
        let envelope = envelope?;
        if let Ok(Event::BallotCast {
            division: cast_in,
            member: cast_by,
            ..
        }) = decode(&envelope.payload)
        {
            if cast_in.as_str() == division && cast_by.as_str() == member {
                // A later ballot replaces an earlier one where changes are allowed.
                found = Some(envelope.sequence);
            }
        }
    }
    let Some(sequence) = found else {
        bail!("no ballot by member {member} in division {division} in journal {database}");
    };
    let receipt = transparency::receipt(journal.storage(), sequence)?;
    emit(&receipt.to_text(), output)?;
    if let Some(output) = output {
        eprintln!(
            "Receipt for event {sequence} written to {}; check it with `hemicycle verify-receipt {} --key KEY`.",
            output.display(),
            output.display()
        );
    }
    Ok(())
}

/// `hemicycle verify-receipt FILE --key KEY`, offline.
pub fn verify_receipt(
    file: &Path,
    key: &str,
    division: Option<&str>,
    member: Option<&str>,
    choice: Option<&str>,
) -> Result<()> {
    let key = parse_verifier_key(key)?;
    let text = read_limited(file, MAX_RECEIPT_FILE_BYTES, "a receipt")?;
    let verified = Receipt::parse(&text)
        .and_then(|receipt| receipt.verify(&key))
        .with_context(|| format!("receipt {} is NOT valid", file.display()))?;
    let envelope = Envelope::parse(&verified.entry).map_err(|error| {
        anyhow!(
            "receipt {}: the entry is not a hemicycle event: {error}",
            file.display()
        )
    })?;
    if envelope.sequence != verified.index + 1 {
        bail!(
            "receipt {}: the event says it is event {} but it is proven at index {} (event {})",
            file.display(),
            envelope.sequence,
            verified.index,
            verified.index + 1
        );
    }
    let event = decode(&envelope.payload).map_err(|error| {
        anyhow!(
            "receipt {}: the event cannot be read: {error}",
            file.display()
        )
    })?;
    let Event::BallotCast {
        division: cast_in,
        member: cast_by,
        choice: cast,
    } = event
    else {
        bail!("receipt {}: the event is not a ballot", file.display());
    };
    let checks = [
        ("division", division, cast_in.as_str().to_owned()),
        ("member", member, cast_by.as_str().to_owned()),
        ("choice", choice, cast.in_words()),
    ];
    for (what, expected, found) in checks {
        if let Some(expected) = expected {
            if expected != found {
                bail!(
                    "receipt {}: the ballot's {what} is {found:?}, not {expected:?}",
                    file.display()
                );
            }
        }
    }
    println!(
        "Receipt verified: member {} voted {} in division {} (event {}, recorded {} by {}), \
         included in the log {} of {} entries, signed by key {}+{:08x}.",
        cast_by.as_str(),
        cast.in_words(),
        cast_in.as_str(),
        envelope.sequence,
        envelope.recorded_at,
        envelope.actor,
        verified.checkpoint.origin,
        verified.checkpoint.tree_size,
        key.name(),
        key.key_id()
    );
    Ok(())
}

/// The log part of `hemicycle verify`: the stored tree and checkpoints,
/// and the witness's checkpoints if given.
pub fn verify_log(
    database: &str,
    storage: &dyn Storage,
    witness: Option<&Path>,
    key: Option<&str>,
) -> Result<()> {
    let key = match key {
        Some(key) => parse_verifier_key(key)?,
        None => load_key(&key_path(database, None)?)
            .context("no --key given, so the key beside the journal is needed")?
            .verifier(),
    };
    let checkpoints = match witness {
        Some(path) => {
            let text = read_limited(path, MAX_WITNESS_FILE_BYTES, "a witness file")?;
            hemicycle_journal::parse_witness_file(&text, &key)
                .with_context(|| format!("witness file {}", path.display()))?
        }
        None => Vec::new(),
    };
    let report = hemicycle_journal::verify_log(storage, &key, &checkpoints)?;
    println!("{report}");
    Ok(())
}
