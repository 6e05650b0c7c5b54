//! `hemicycle migrate`: copies a journal from one storage backend to another
//! (SQLite to PostgreSQL and back), byte for byte.
//!
//! The records are copied as stored; the destination builds its own Merkle
//! tree from them, and each stored checkpoint is appended with the batch
//! that brings the copy to its tree size, where the destination checks its
//! root against the tree it built. The copy is then verified (the hash
//! chain, the head, every checkpoint) against the source. Accounts are not
//! part of the journal and are not copied.

use std::collections::VecDeque;

use anyhow::{anyhow, bail, ensure, Context as _, Result};
use clap::Args;
use hemicycle_journal::limits::MAX_READ_RECORDS;
use hemicycle_journal::log as transparency;
use hemicycle_journal::{Head, Storage, StorageUrl, StoredCheckpoint};

use crate::sqlite_path;

/// Records read from the source per page (each page is one append).
const PAGE_RECORDS: usize = MAX_READ_RECORDS;

#[derive(Args)]
pub struct MigrateArgs {
    /// The journal to copy, e.g. sqlite://hemicycle.db.
    #[arg(long)]
    from: String,
    /// Where to copy it: an empty journal, e.g. postgres://USER@HOST/DATABASE.
    #[arg(long)]
    to: String,
}

/// What a copy did, for the summary line.
struct Copied {
    events: u64,
    checkpoints: u64,
    head: Option<Head>,
}

pub fn migrate(arguments: MigrateArgs) -> Result<()> {
    // Shown in messages: a PostgreSQL password never is.
    let from_shown = shown(&arguments.from, "--from")?;
    let to_shown = shown(&arguments.to, "--to")?;
    if let Some(path) = sqlite_path(&arguments.from) {
        if !path.exists() {
            bail!("no journal at {}", path.display());
        }
    }
    let source = hemicycle_journal::open(&arguments.from)
        .map_err(flat)
        .with_context(|| format!("opening the source journal {from_shown}"))?;
    // Copying a tampered journal would give it a fresh, valid-looking tree:
    // refuse one whose chain is broken.
    let source_report = hemicycle_journal::verify(&*source)
        .map_err(flat)
        .with_context(|| format!("verifying the source journal {from_shown}"))?;
    let mut destination = hemicycle_journal::open(&arguments.to)
        .map_err(flat)
        .with_context(|| format!("opening the destination journal {to_shown}"))?;
    let held = destination
        .len()
        .map_err(flat)
        .with_context(|| format!("reading the destination journal {to_shown}"))?;
    let checkpoint_held = destination
        .latest_checkpoint()
        .map_err(flat)
        .with_context(|| format!("reading the destination journal {to_shown}"))?;
    if held > 0 || checkpoint_held.is_some() {
        bail!(
            "the destination journal {to_shown} is not empty ({held} events); \
             migrate copies into an empty journal only"
        );
    }
    let copied = copy(&*source, &mut *destination, source_report.head).with_context(|| {
        format!(
            "copying {from_shown} to {to_shown} (the destination may now hold part of the \
             journal: empty it before trying again)"
        )
    })?;
    check_copy(&*source, &*destination, &copied)
        .with_context(|| format!("checking the copy in {to_shown} against {from_shown}"))?;
    let head = match copied.head {
        Some(head) => format!("head {head}"),
        None => "no events".to_owned(),
    };
    println!(
        "Copied {} events and {} checkpoints from {from_shown} to {to_shown}: chain verified, \
         {head} and every checkpoint root match the source.",
        copied.events, copied.checkpoints
    );
    eprintln!("Accounts are not part of the journal and were not copied.");
    Ok(())
}

/// A library error as one message. Its `Display` already holds its cause,
/// which the chain printed by `{:#}` would otherwise repeat.
fn flat(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{error}")
}

/// A storage URL as messages show it (without a password, which is also
/// why an invalid URL is not repeated here: the error shows it masked).
fn shown(url: &str, option: &str) -> Result<String> {
    Ok(StorageUrl::parse(url)
        .map_err(flat)
        .with_context(|| format!("reading {option}"))?
        .to_string())
}

/// Copies every record up to `head` in pages, each page one append, with
/// each checkpoint appended in the batch that reaches its tree size.
fn copy(source: &dyn Storage, destination: &mut dyn Storage, head: Option<Head>) -> Result<Copied> {
    let last = head.map_or(0, |head| head.sequence);
    let mut checkpoints = CheckpointQueue::new(source, last);
    let mut copied = 0u64;
    let mut checkpoints_copied = 0u64;
    // A checkpoint of the empty tree comes before any record.
    while let Some(checkpoint) = checkpoints.next_at(copied)? {
        destination
            .append_with_checkpoint(&[], Some(&checkpoint))
            .map_err(flat)?;
        checkpoints_copied += 1;
    }
    while copied < last {
        let wanted =
            usize::try_from(last - copied).map_or(PAGE_RECORDS, |left| left.min(PAGE_RECORDS));
        let page = source
            .read(copied + 1, wanted)
            .map_err(flat)
            .with_context(|| format!("reading events from {}", copied + 1))?;
        ensure!(
            page.first().map(|record| record.sequence) == Some(copied + 1),
            "the source journal has no event {} although its head is {last}",
            copied + 1
        );
        let mut rest = &page[..];
        while !rest.is_empty() {
            let up_to = checkpoints
                .next_size()?
                .filter(|&size| size <= copied + rest.len() as u64);
            match up_to {
                Some(size) => {
                    // `next_at` refused any checkpoint left behind, so
                    // `size` is at or after `copied`, within this page.
                    let take = usize::try_from(size - copied).expect("within one page");
                    let checkpoint = checkpoints
                        .next_at(size)?
                        .expect("the checkpoint peeked at");
                    destination
                        .append_with_checkpoint(&rest[..take], Some(&checkpoint))
                        .map_err(flat)
                        .with_context(|| {
                            format!("appending events up to the checkpoint of tree size {size}")
                        })?;
                    copied = size;
                    checkpoints_copied += 1;
                    rest = &rest[take..];
                }
                None => {
                    destination.append(rest).map_err(flat).with_context(|| {
                        format!(
                            "appending events {} to {}",
                            copied + 1,
                            copied + rest.len() as u64
                        )
                    })?;
                    copied += rest.len() as u64;
                    rest = &[];
                }
            }
        }
    }
    Ok(Copied {
        events: copied,
        checkpoints: checkpoints_copied,
        head,
    })
}

/// The source's checkpoints in ascending tree size, read a page at a time.
struct CheckpointQueue<'a> {
    source: &'a dyn Storage,
    buffered: VecDeque<StoredCheckpoint>,
    /// The tree size to read the next page from.
    next_from: u64,
    exhausted: bool,
    /// The source's head: no checkpoint beyond it is copied.
    last: u64,
}

impl<'a> CheckpointQueue<'a> {
    fn new(source: &'a dyn Storage, last: u64) -> CheckpointQueue<'a> {
        CheckpointQueue {
            source,
            buffered: VecDeque::new(),
            next_from: 0,
            exhausted: false,
            last,
        }
    }

    /// The tree size of the next checkpoint up to the source's head, if any
    /// (one written after the copy began is left out).
    fn next_size(&mut self) -> Result<Option<u64>> {
        if self.buffered.is_empty() && !self.exhausted {
            let page = self
                .source
                .checkpoints(self.next_from, PAGE_RECORDS)
                .map_err(flat)
                .context("reading the source's checkpoints")?;
            self.exhausted = page.len() < PAGE_RECORDS;
            if let Some(last) = page.last() {
                self.next_from = last.tree_size.saturating_add(1);
            }
            self.buffered.extend(page);
        }
        Ok(self
            .buffered
            .front()
            .map(|checkpoint| checkpoint.tree_size)
            .filter(|&size| size <= self.last))
    }

    /// Takes the next checkpoint if it is of tree size `size`.
    fn next_at(&mut self, size: u64) -> Result<Option<StoredCheckpoint>> {
        match self.next_size()? {
            Some(next) if next == size => Ok(self.buffered.pop_front()),
            // Sizes ascend and every size is visited, so this is a source
            // whose checkpoints are out of order.
            Some(next) if next < size => bail!(
                "the source's checkpoint of tree size {next} comes after the copy passed that size"
            ),
            _ => Ok(None),
        }
    }
}

/// Verifies the copy on arrival: an intact chain with the source's head,
/// the same checkpoints, and the same tree root as the source.
fn check_copy(source: &dyn Storage, destination: &dyn Storage, copied: &Copied) -> Result<()> {
    let report = hemicycle_journal::verify(destination)
        .map_err(flat)
        .context("verifying the copy")?;
    ensure!(
        report.head == copied.head,
        "the copy's head ({:?}) is not the source's ({:?})",
        report.head,
        copied.head
    );
    let last = copied.head.map_or(0, |head| head.sequence);
    let mut from = 0;
    let mut compared = 0u64;
    loop {
        let mut theirs = source.checkpoints(from, PAGE_RECORDS).map_err(flat)?;
        theirs.retain(|checkpoint| checkpoint.tree_size <= last);
        let ours = destination.checkpoints(from, PAGE_RECORDS).map_err(flat)?;
        ensure!(
            theirs == ours,
            "the copy's checkpoints from tree size {from} differ from the source's"
        );
        let Some(last) = ours.last() else {
            break;
        };
        compared += ours.len() as u64;
        from = last.tree_size.saturating_add(1);
    }
    ensure!(
        compared == copied.checkpoints,
        "the copy holds {compared} checkpoints, {} were copied",
        copied.checkpoints
    );
    if copied.events > 0 {
        let theirs = transparency::root(source, copied.events)
            .map_err(flat)
            .context("the source's root")?;
        let ours = transparency::root(destination, copied.events)
            .map_err(flat)
            .context("the copy's root")?;
        ensure!(
            theirs == ours,
            "the copy's Merkle root differs from the source's"
        );
    }
    Ok(())
}
