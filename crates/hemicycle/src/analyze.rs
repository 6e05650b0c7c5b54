//! `hemicycle analyze …`: the analytics crate's answers as tables, JSON and pictures.
//! The work is done by `hemicycle-analytics`; this file parses arguments, opens the
//! journal, formats tables and writes files.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use hemicycle_analytics::attendance::{attendance, Period, Scope};
use hemicycle_analytics::cohesion::cohesion;
use hemicycle_analytics::ideal_points::{ideal_points, IdealPointOptions};
use hemicycle_analytics::picture;
use hemicycle_analytics::power::{power_indices, Method, PowerIndices, WeightedGame};
use hemicycle_analytics::quorum::{chamber_games, sitting_quorum, BlocGame};
use hemicycle_analytics::votes::VoteMatrix;
use hemicycle_core::ids::SittingId;
use hemicycle_core::model::Date;
use hemicycle_core::State;
use serde::Serialize;

use crate::{emit, open_existing, DEFAULT_DATABASE};

#[derive(Subcommand)]
pub enum AnalyzeCommand {
    /// Attendance and boycotts per bloc (and member), per sitting or over a period.
    Attendance {
        #[command(flatten)]
        journal: JournalArgs,
        #[command(flatten)]
        scope: ScopeArgs,
        /// Also list every member.
        #[arg(long)]
        members: bool,
        /// The picture (--svg/--png) is the hemicycle of this sitting; default: the latest.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// How close a sitting came to losing its quorum, and who can deny it.
    Quorum {
        #[command(flatten)]
        journal: JournalArgs,
        /// The sitting; default: the latest.
        #[arg(long)]
        sitting: Option<SittingId>,
        /// The picture is the blocs' power in the quorum-denial game.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Rice and Agreement indices per bloc, loyalty, and the agreement matrix.
    Cohesion {
        #[command(flatten)]
        journal: JournalArgs,
        #[command(flatten)]
        scope: ScopeArgs,
        /// Also list every member's loyalty.
        #[arg(long)]
        members: bool,
        /// The picture (--svg/--png) is the cohesion bars; the matrix goes here.
        #[arg(long)]
        matrix_svg: Option<PathBuf>,
        #[arg(long)]
        matrix_png: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Banzhaf and Shapley–Shubik power: of any weighted game (--quota, --weights), or
    /// of the chamber's blocs.
    Power {
        /// The quota of a weighted game [quota; weights].
        #[arg(long, requires = "weights")]
        quota: Option<u64>,
        /// The players' weights, comma-separated.
        #[arg(long, value_delimiter = ',', requires = "quota")]
        weights: Option<Vec<u64>>,
        /// The players' names, comma-separated (default: player 1, player 2, …).
        #[arg(long, value_delimiter = ',')]
        names: Option<Vec<String>>,
        /// Which game of the chamber's blocs, without --quota.
        #[arg(long, value_enum, default_value_t = GameChoice::Majority)]
        game: GameChoice,
        /// How to compute.
        #[arg(long, value_enum, default_value_t = MethodChoice::Auto)]
        method: MethodChoice,
        #[command(flatten)]
        journal: JournalArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// One-dimensional ideal points (EM, Imai–Lo–Olmsted): of a wide vote matrix FILE
    /// (one row per division, one column per member, 1/0/NA), or of the journal.
    IdealPoints {
        /// A CSV vote matrix; without it, the journal's recorded divisions.
        file: Option<PathBuf>,
        /// The member whose position is made positive (default: the first).
        #[arg(long)]
        reference: Option<String>,
        #[command(flatten)]
        journal: JournalArgs,
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Args)]
pub struct JournalArgs {
    #[arg(long, default_value = DEFAULT_DATABASE)]
    database: String,
}

#[derive(Args)]
pub struct ScopeArgs {
    /// One sitting (overrides --from/--to).
    #[arg(long)]
    sitting: Option<SittingId>,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long)]
    from: Option<Date>,
    /// Last day of the period.
    #[arg(long)]
    to: Option<Date>,
}

impl ScopeArgs {
    fn scope(&self) -> Scope {
        match &self.sitting {
            Some(sitting) => Scope::Sitting(sitting.clone()),
            None => Scope::Period(Period {
                from: self.from,
                to: self.to,
            }),
        }
    }
}

#[derive(Args)]
pub struct OutputArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Write the picture as SVG to this file.
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Write the picture as PNG to this file.
    #[arg(long)]
    png: Option<PathBuf>,
    /// Write the table or JSON to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GameChoice {
    /// Carrying the default decision with every member present and voting.
    Majority,
    /// Denying the quorum by staying away.
    QuorumDenial,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MethodChoice {
    Auto,
    Exact,
    Fast,
}

pub fn run(command: AnalyzeCommand) -> Result<()> {
    match command {
        AnalyzeCommand::Attendance {
            journal,
            scope,
            members,
            output,
        } => {
            let state = load(&journal)?;
            let report = attendance(&state, &scope.scope())?;
            let mut text = notices_text(&report.notices);
            let _ = writeln!(text, "Attendance — {}\n", report.scope);
            let mut rows = vec![row([
                "sitting",
                "date",
                "present",
                "absent",
                "excused",
                "boycotting",
                "boycott by",
            ])];
            for sitting in &report.sittings {
                rows.push(vec![
                    sitting.sitting.clone(),
                    sitting.date.to_string(),
                    sitting.presence.present.to_string(),
                    sitting.presence.absent.to_string(),
                    sitting.presence.excused.to_string(),
                    sitting.presence.boycotting.to_string(),
                    sitting.boycotting_blocs.join(", "),
                ]);
            }
            text.push_str(&table(&rows));
            text.push('\n');
            let mut rows = vec![row([
                "bloc",
                "present",
                "absent",
                "excused",
                "boycotting",
                "presence",
                "boycotts",
                "participation",
            ])];
            for bloc in &report.blocs {
                rows.push(vec![
                    bloc.name.clone(),
                    bloc.presence.present.to_string(),
                    bloc.presence.absent.to_string(),
                    bloc.presence.excused.to_string(),
                    bloc.presence.boycotting.to_string(),
                    percent(bloc.presence_rate),
                    bloc.boycotts_declared.to_string(),
                    percent(bloc.participation_rate),
                ]);
            }
            text.push_str(&table(&rows));
            if members {
                text.push('\n');
                let mut rows = vec![row([
                    "member",
                    "bloc",
                    "present",
                    "absent",
                    "excused",
                    "boycotting",
                    "participation",
                ])];
                for member in &report.members {
                    rows.push(vec![
                        member.name.clone(),
                        member.bloc.clone().unwrap_or_default(),
                        member.presence.present.to_string(),
                        member.presence.absent.to_string(),
                        member.presence.excused.to_string(),
                        member.presence.boycotting.to_string(),
                        percent(member.participation_rate),
                    ]);
                }
                text.push_str(&table(&rows));
            }
            finish(&report, &text, &output)?;
            if output.svg.is_some() || output.png.is_some() {
                let sitting = match &scope.sitting {
                    Some(id) => state.sittings.get(id),
                    None => report.sittings.last().and_then(|last| {
                        state
                            .sittings
                            .values()
                            .find(|s| s.id.as_str() == last.sitting)
                    }),
                };
                let sitting = sitting.context("no sitting to draw")?;
                pictures(&picture::attendance_hemicycle(&state, sitting)?, &output)?;
            }
            Ok(())
        }
        AnalyzeCommand::Quorum {
            journal,
            sitting,
            output,
        } => {
            let state = load(&journal)?;
            let chosen = hemicycle_record::choose_sitting(&state, sitting.as_ref())?;
            let report = sitting_quorum(&state, &chosen.id)?;
            let games = chamber_games(&state)?;
            let mut text = notices_text(&report.notices);
            let _ = writeln!(
                text,
                "Quorum — sitting {} ({})\n",
                report.sitting, report.date
            );
            for sentence in &report.sentences {
                let _ = writeln!(text, "{sentence}");
            }
            text.push('\n');
            let mut rows = vec![row(["bloc", "members", "present", "boycott declared"])];
            for bloc in &report.blocs {
                rows.push(vec![
                    bloc.name.clone(),
                    bloc.members.to_string(),
                    bloc.present.to_string(),
                    if bloc.boycott_declared {
                        "yes".into()
                    } else {
                        String::new()
                    },
                ]);
            }
            text.push_str(&table(&rows));
            let _ = writeln!(
                text,
                "\nThe chamber in general (blocs as players, members as weights):"
            );
            for sentence in &games.sentences {
                let _ = writeln!(text, "{sentence}");
            }
            for game in [&games.quorum_denial, &games.majority]
                .into_iter()
                .flatten()
            {
                text.push('\n');
                text.push_str(&game_text(game));
            }
            #[derive(Serialize)]
            struct Both<'a> {
                sitting: &'a hemicycle_analytics::quorum::SittingQuorum,
                chamber: &'a hemicycle_analytics::quorum::ChamberGames,
            }
            finish(
                &Both {
                    sitting: &report,
                    chamber: &games,
                },
                &text,
                &output,
            )?;
            if let Some(game) = &games.quorum_denial {
                pictures(
                    &picture::power_bars(
                        "Power to deny the quorum (normalised Banzhaf)",
                        &game.description,
                        &game.blocs,
                        &game.power,
                    )?,
                    &output,
                )?;
            }
            Ok(())
        }
        AnalyzeCommand::Cohesion {
            journal,
            scope,
            members,
            matrix_svg,
            matrix_png,
            output,
        } => {
            let state = load(&journal)?;
            let report = cohesion(&state, &scope.scope())?;
            let mut text = notices_text(&report.notices);
            let _ = writeln!(
                text,
                "Cohesion — {} ({} divisions measured)\n",
                report.scope,
                report.divisions.len()
            );
            let mut rows = vec![row([
                "bloc",
                "members",
                "Rice",
                "divisions",
                "Agreement",
                "divisions",
            ])];
            for bloc in &report.blocs {
                rows.push(vec![
                    bloc.name.clone(),
                    bloc.members.to_string(),
                    decimal(bloc.mean_rice),
                    bloc.divisions_with_rice.to_string(),
                    decimal(bloc.mean_agreement),
                    bloc.divisions_with_votes.to_string(),
                ]);
            }
            text.push_str(&table(&rows));
            let _ = writeln!(
                text,
                "\nAgreement matrix (share of divisions with the same plurality position, %):"
            );
            let mut rows = vec![std::iter::once(String::new())
                .chain(report.agreement.blocs.iter().cloned())
                .collect::<Vec<_>>()];
            for (name, shares) in report.agreement.blocs.iter().zip(&report.agreement.shares) {
                rows.push(
                    std::iter::once(name.clone())
                        .chain(shares.iter().map(|share| {
                            share.map_or("–".into(), |s| format!("{:.0}", s * 100.0))
                        }))
                        .collect(),
                );
            }
            text.push_str(&table(&rows));
            if members {
                text.push('\n');
                let mut rows = vec![row([
                    "member",
                    "bloc",
                    "votes",
                    "with bloc",
                    "defections",
                    "loyalty",
                ])];
                for member in &report.members {
                    rows.push(vec![
                        member.name.clone(),
                        member.bloc.clone().unwrap_or_default(),
                        member.votes_counted.to_string(),
                        member.with_bloc.to_string(),
                        member.defections.to_string(),
                        percent(member.loyalty),
                    ]);
                }
                text.push_str(&table(&rows));
            }
            for left_out in &report.left_out {
                let _ = writeln!(text, "Left out: {left_out}");
            }
            finish(&report, &text, &output)?;
            pictures(&picture::cohesion_bars(&state, &report)?, &output)?;
            if matrix_svg.is_some() || matrix_png.is_some() {
                let svg = picture::agreement_heatmap(&report)?;
                write_pictures(&svg, matrix_svg.as_deref(), matrix_png.as_deref())?;
            }
            Ok(())
        }
        AnalyzeCommand::Power {
            quota,
            weights,
            names,
            game,
            method,
            journal,
            output,
        } => {
            let method = match method {
                MethodChoice::Auto => Method::Auto,
                MethodChoice::Exact => Method::Exact,
                MethodChoice::Fast => Method::Fast,
            };
            let (description, players, weights, indices) = match (quota, weights) {
                (Some(quota), Some(weights)) => {
                    let players: Vec<String> = match names {
                        Some(names) if names.len() == weights.len() => names,
                        Some(names) => bail!(
                            "{} names for {} weights: give one name per weight",
                            names.len(),
                            weights.len()
                        ),
                        None => (1..=weights.len()).map(|n| format!("player {n}")).collect(),
                    };
                    let weighted = WeightedGame::new(quota, weights.clone())?;
                    let description = format!(
                        "[{quota}; {}]",
                        weights
                            .iter()
                            .map(u64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    (
                        description,
                        players,
                        weights,
                        power_indices(&weighted, method)?,
                    )
                }
                _ => {
                    let state = load(&journal)?;
                    let games = chamber_games(&state)?;
                    let chosen = match game {
                        GameChoice::Majority => games.majority,
                        GameChoice::QuorumDenial => games.quorum_denial,
                    };
                    let chosen = chosen.with_context(|| games.sentences.join(" "))?;
                    let indices = if method == Method::Auto {
                        chosen.power
                    } else {
                        power_indices(
                            &WeightedGame::new(chosen.quota, chosen.weights.clone())?,
                            method,
                        )?
                    };
                    (chosen.description, chosen.blocs, chosen.weights, indices)
                }
            };
            let mut text = format!("Voting power — {description}\n\n");
            text.push_str(&power_table(&players, &weights, &indices));
            #[derive(Serialize)]
            struct Power<'a> {
                game: &'a str,
                players: &'a [String],
                weights: &'a [u64],
                indices: &'a PowerIndices,
            }
            finish(
                &Power {
                    game: &description,
                    players: &players,
                    weights: &weights,
                    indices: &indices,
                },
                &text,
                &output,
            )?;
            pictures(
                &picture::power_bars(
                    "Voting power (normalised Banzhaf)",
                    &description,
                    &players,
                    &indices,
                )?,
                &output,
            )
        }
        AnalyzeCommand::IdealPoints {
            file,
            reference,
            journal,
            scope,
            output,
        } => {
            let (matrix, colours, source) = match &file {
                Some(path) => {
                    let text = fs::read_to_string(path)
                        .with_context(|| format!("reading vote matrix {}", path.display()))?;
                    let origin = path.display().to_string();
                    (
                        VoteMatrix::from_wide_csv(&text, &origin)?,
                        Vec::new(),
                        origin,
                    )
                }
                None => {
                    let state = load(&journal)?;
                    let colours = picture::bloc_colours(&state);
                    (
                        VoteMatrix::from_state(&state, &scope.scope())?,
                        colours,
                        journal.database.clone(),
                    )
                }
            };
            let options = IdealPointOptions {
                reference,
                ..IdealPointOptions::default()
            };
            let result = ideal_points(&matrix, &options)?;
            let mut text = format!(
                "Ideal points — {source}: {} members, {} divisions, {} votes\n{} after {} iterations (1 − correlation {:.1e}); {} is on the positive side.\n\n",
                matrix.members().len(),
                matrix.divisions().len(),
                matrix.vote_count(),
                if result.converged { "Converged" } else { "Not converged" },
                result.iterations,
                result.last_change,
                result.reference
            );
            let mut ordered: Vec<_> = result.members.iter().collect();
            ordered.sort_by(|a, b| a.position.total_cmp(&b.position));
            let mut rows = vec![row(["member", "group", "position", "votes"])];
            for member in ordered {
                rows.push(vec![
                    member.member.clone(),
                    member.group.clone().unwrap_or_default(),
                    format!("{:+.3}", member.position),
                    if member.votes == 0 {
                        "none (prior mean)".into()
                    } else {
                        member.votes.to_string()
                    },
                ]);
            }
            text.push_str(&table(&rows));
            finish(&result, &text, &output)?;
            pictures(
                &picture::strip_plot("Ideal points", &result, &colours)?,
                &output,
            )
        }
    }
}

fn load(journal: &JournalArgs) -> Result<State> {
    Ok(open_existing(&journal.database)?.state().clone())
}

fn finish<T: Serialize>(report: &T, text: &str, output: &OutputArgs) -> Result<()> {
    if output.json {
        let mut json = serde_json::to_string_pretty(report).context("writing JSON")?;
        json.push('\n');
        emit(&json, output.output.as_deref())
    } else {
        emit(text, output.output.as_deref())
    }
}

fn pictures(svg: &str, output: &OutputArgs) -> Result<()> {
    write_pictures(svg, output.svg.as_deref(), output.png.as_deref())
}

fn write_pictures(svg: &str, svg_path: Option<&Path>, png_path: Option<&Path>) -> Result<()> {
    if let Some(path) = svg_path {
        fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("Picture written to {}", path.display());
    }
    if let Some(path) = png_path {
        let png = picture::to_png(svg)?;
        fs::write(path, png).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("Picture written to {}", path.display());
    }
    Ok(())
}

fn game_text(game: &BlocGame) -> String {
    let mut text = format!("Game: {} (quota {})\n", game.description, game.quota);
    text.push_str(&power_table(&game.blocs, &game.weights, &game.power));
    let coalitions: Vec<String> = game
        .minimal_coalitions
        .iter()
        .map(|coalition| coalition.join(" + "))
        .collect();
    // The full list (up to its limit) is in the JSON output.
    let shown = 10.min(coalitions.len());
    let _ = writeln!(
        text,
        "Minimal winning coalitions: {}{}{}{}",
        coalitions.len(),
        if game.truncated { " or more" } else { "" },
        if shown > 0 {
            format!(", e.g. {}", coalitions[..shown].join("; "))
        } else {
            String::new()
        },
        if shown < coalitions.len() {
            " (all in --json)"
        } else {
            ""
        }
    );
    text
}

fn power_table(players: &[String], weights: &[u64], indices: &PowerIndices) -> String {
    let exact = indices.exact.as_ref();
    let mut rows = vec![row([
        "player",
        "weight",
        "Banzhaf (absolute)",
        "Banzhaf (normalised)",
        "Shapley–Shubik",
        "exact Banzhaf",
        "exact Shapley–Shubik",
    ])];
    for (index, (player, weight)) in players.iter().zip(weights).enumerate() {
        rows.push(vec![
            player.clone(),
            weight.to_string(),
            format!("{:.12}", indices.banzhaf_absolute[index]),
            format!("{:.12}", indices.banzhaf_normalised[index]),
            format!("{:.12}", indices.shapley_shubik[index]),
            exact.map_or(String::new(), |e| {
                short(&e.banzhaf_normalised_fractions[index])
            }),
            exact.map_or(String::new(), |e| short(&e.shapley_shubik_fractions[index])),
        ]);
    }
    let mut text = table(&rows);
    let _ = writeln!(
        text,
        "Computed {}.",
        if exact.is_some() {
            "exactly (big integers)"
        } else {
            "in double precision"
        }
    );
    text
}

/// Long fractions are left to the JSON output.
fn short(fraction: &str) -> String {
    if fraction.len() <= 30 {
        fraction.to_owned()
    } else {
        "(see --json)".to_owned()
    }
}

fn notices_text(notices: &[String]) -> String {
    notices
        .iter()
        .map(|notice| format!("NOTICE: {notice}\n\n"))
        .collect()
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|cell| (*cell).to_owned()).collect()
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{:.1}%", value * 100.0))
}

fn decimal(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.3}"))
}

/// Columns padded to their widest cell (counted in characters); numbers right-aligned.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for (index, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            let padding = widths[column].saturating_sub(cell.chars().count());
            let numeric = index > 0
                && column > 0
                && cell
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit() || c == '+' || c == '-');
            if numeric {
                line.push_str(&" ".repeat(padding));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(padding));
            }
            line.push_str("  ");
        }
        text.push_str(line.trim_end());
        text.push('\n');
        if index == 0 {
            let rule: usize = widths.iter().map(|width| width + 2).sum();
            text.push_str(&"-".repeat(rule.saturating_sub(2)));
            text.push('\n');
        }
    }
    text
}
