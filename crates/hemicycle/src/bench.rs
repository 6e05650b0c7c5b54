//! `hemicycle bench`: the load generator's command line. The run itself is
//! `hemicycle_bench::run`; this file starts a server of our own when none is given
//! (this very executable, as a child `hemicycle serve` on a fresh temporary journal,
//! so that the server's CPU time and memory are measured apart from ours), and prints.

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use clap::Args;
use hemicycle_bench::process::raise_file_limit;
use hemicycle_bench::{BenchConfig, Credentials, Progress};

/// How long our own server may take to start listening.
const SERVER_START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long our own server may take to shut down once asked, before it is killed.
const SERVER_STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// How much of the server's log to show when it fails.
const LOG_TAIL_BYTES: u64 = 4_000;
/// Open files the load generator needs beside its viewers and connections.
const FILES_SPARE: u64 = 64;

#[derive(Args)]
pub struct BenchArgs {
    /// Members to admit, sign in, check in and have vote.
    #[arg(long, default_value_t = 10_000)]
    members: usize,
    /// Gallery viewers following the live stream.
    #[arg(long, default_value_t = 10_000)]
    viewers: usize,
    /// Requests in flight at once (and viewers connecting at once).
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// A running server on this machine, e.g. http://127.0.0.1:8080, with an
    /// established chamber that has room for the members; default: start one on a
    /// fresh temporary journal.
    #[arg(long)]
    server: Option<String>,
    /// The clerk to sign in as (with --server).
    #[arg(long, requires_all = ["server", "clerk_password"])]
    clerk: Option<String>,
    #[arg(long, requires = "clerk")]
    clerk_password: Option<String>,
    /// The presiding officer to sign in as (with --server).
    #[arg(long, requires_all = ["server", "officer_password"])]
    officer: Option<String>,
    #[arg(long, requires = "officer")]
    officer_password: Option<String>,
    /// The deadline of each phase, in seconds.
    #[arg(long, default_value_t = 300)]
    time_limit_s: u64,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Our own server: a child process, asked to stop (and waited for) when dropped.
struct OwnServer {
    child: Child,
    address: SocketAddr,
    log: PathBuf,
    // Last: the journal's directory is removed after the server has stopped.
    directory: tempfile::TempDir,
}

impl OwnServer {
    fn log_tail(&self) -> String {
        log_tail(&self.log)
    }

    /// Stops the server and waits for it.
    fn stop(&mut self) -> Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        hemicycle_bench::process::terminate(self.child.id())
            .context("asking our server to stop")?;
        let asked_at = Instant::now();
        while asked_at.elapsed() < SERVER_STOP_TIMEOUT {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill().context("killing our server")?;
        self.child.wait().context("waiting for our server")?;
        bail!(
            "our server did not stop within {} s of SIGTERM and was killed",
            SERVER_STOP_TIMEOUT.as_secs()
        )
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            eprintln!("warning: {error:#}");
        }
    }
}

fn log_tail(path: &Path) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let length = file.metadata().map_or(0, |metadata| metadata.len());
    let _ = std::io::Seek::seek(
        &mut file,
        std::io::SeekFrom::Start(length.saturating_sub(LOG_TAIL_BYTES)),
    );
    let mut tail = String::new();
    let _ = file.take(LOG_TAIL_BYTES).read_to_string(&mut tail);
    tail
}

/// Runs this executable with `arguments`, failing with its error output.
fn run_self(executable: &Path, arguments: &[&str], password: Option<&str>) -> Result<()> {
    let mut command = Command::new(executable);
    command.args(arguments).stdin(Stdio::null());
    if let Some(password) = password {
        command.env("HEMICYCLE_PASSWORD", password);
    }
    let output = command
        .output()
        .with_context(|| format!("running hemicycle {}", arguments[0]))?;
    if !output.status.success() {
        bail!(
            "hemicycle {} failed ({}): {}",
            arguments.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// The address in serve's first line, `hemicycle is serving on http://ADDRESS/ …`.
fn served_address(line: &str) -> Option<SocketAddr> {
    let after = line.split_once("http://")?.1;
    after.split_once('/')?.0.parse().ok()
}

/// Starts `hemicycle serve` on a fresh journal with a chamber of `seats` seats, a
/// clerk and a presiding officer, on a free loopback port.
fn start_own_server(seats: usize) -> Result<(OwnServer, Credentials, Credentials)> {
    let executable = std::env::current_exe().context("finding this executable")?;
    let directory = tempfile::Builder::new()
        .prefix("hemicycle-bench-")
        .tempdir()
        .context("making a temporary directory for the benchmark's journal")?;
    let journal = directory.path().join("journal.db");
    let database = format!("sqlite://{}", journal.display());
    let seats = seats.to_string();
    eprintln!(
        "Starting a server on a fresh journal at {}",
        journal.display()
    );
    run_self(
        &executable,
        &[
            "init",
            "--preset",
            "iraq",
            "--seats",
            &seats,
            "--database",
            &database,
        ],
        None,
    )?;
    let mut accounts = Vec::new();
    for (username, role) in [("bench-clerk", "clerk"), ("bench-officer", "officer")] {
        // A fresh random password for this run only.
        let password = hemicycle_accounts::generate_login_code()
            .context("drawing a password for the benchmark's accounts")?;
        run_self(
            &executable,
            &[
                "account",
                "add",
                username,
                "--role",
                role,
                "--database",
                &database,
            ],
            Some(&password),
        )?;
        accounts.push(Credentials {
            username: username.to_owned(),
            password,
        });
    }
    let log = directory.path().join("server.log");
    let log_file = std::fs::File::create(&log)
        .with_context(|| format!("creating the server's log {}", log.display()))?;
    let mut child = Command::new(&executable)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &database,
            "--argon2-cost",
            "fast",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .context("starting hemicycle serve")?;
    let stdout = child.stdout.take().context("the server's output")?;
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next();
        let _ = sender.send(first);
        // Keep reading, so the server never blocks on a full pipe.
        for _ in lines {}
    });
    let officer = accounts.pop().context("the officer's account")?;
    let clerk = accounts.pop().context("the clerk's account")?;
    let mut server = OwnServer {
        child,
        address: SocketAddr::from(([127, 0, 0, 1], 0)),
        log,
        directory,
    };
    let first_line = match receiver.recv_timeout(SERVER_START_TIMEOUT) {
        Ok(Some(Ok(line))) => line,
        _ => bail!(
            "our server did not start within {} s; its log ends:\n{}",
            SERVER_START_TIMEOUT.as_secs(),
            server.log_tail()
        ),
    };
    server.address = served_address(&first_line)
        .with_context(|| format!("no address in the server's first line: {first_line}"))?;
    eprintln!(
        "Server started: pid {}, http://{}/, journal in {}",
        server.child.id(),
        server.address,
        server.directory.path().display()
    );
    Ok((server, clerk, officer))
}

fn show_progress(progress: Progress<'_>) {
    match progress {
        Progress::Started(name) => eprintln!("… {name}"),
        Progress::Finished(phase) => eprintln!(
            "  {}: {} of {} in {:.2} s",
            phase.name, phase.succeeded, phase.requests, phase.wall_time_s
        ),
    }
}

fn run_label() -> Result<String> {
    let random = hemicycle_accounts::generate_login_code()
        .context("drawing a label for the benchmark's ids")?;
    Ok(format!("bench-{}", random[..8].to_lowercase()))
}

pub fn bench(args: BenchArgs) -> Result<()> {
    // Raised first, so that our own server (a child) inherits the raised limit.
    let file_limit = raise_file_limit().context("raising the open-file limit")?;
    let files_needed = (args.viewers + args.concurrency) as u64 + FILES_SPARE;
    if files_needed > file_limit.now {
        eprintln!(
            "warning: {} viewers and {} connections need about {files_needed} open files; the limit is {} (hard limit {}), so not every viewer can connect",
            args.viewers, args.concurrency, file_limit.now, file_limit.hard
        );
    }
    let staff = |username: &str| Credentials {
        username: username.to_owned(),
        password: String::new(),
    };
    // Checked before anything starts; the server's address is filled in below.
    let mut config = BenchConfig {
        server: SocketAddr::from(([127, 0, 0, 1], 0)),
        members: args.members,
        viewers: args.viewers,
        concurrency: args.concurrency,
        clerk: staff("clerk"),
        officer: staff("officer"),
        phase_time_limit: Duration::from_secs(args.time_limit_s),
        server_pid: None,
        run_label: run_label()?,
        progress: Some(show_progress),
    };
    config.check()?;
    let mut own_server = match &args.server {
        Some(url) => {
            config.server = hemicycle_bench::http::parse_loopback_url(url)?;
            let (Some(clerk), Some(clerk_password), Some(officer), Some(officer_password)) = (
                args.clerk.clone(),
                args.clerk_password.clone(),
                args.officer.clone(),
                args.officer_password.clone(),
            ) else {
                bail!("--server needs --clerk, --clerk-password, --officer and --officer-password");
            };
            config.clerk = Credentials {
                username: clerk,
                password: clerk_password,
            };
            config.officer = Credentials {
                username: officer,
                password: officer_password,
            };
            None
        }
        None => {
            if args.clerk.is_some() || args.officer.is_some() {
                bail!(
                    "--clerk and --officer go with --server; our own server makes its own accounts"
                );
            }
            let (server, clerk, officer) = start_own_server(args.members)?;
            config.server = server.address;
            config.server_pid = Some(server.child.id());
            config.clerk = clerk;
            config.officer = officer;
            Some(server)
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut report = runtime.block_on(hemicycle_bench::run(&config))?;
    report.file_limit = Some(file_limit);
    drop(runtime);
    if let Some(server) = &mut own_server {
        if let Some(status) = server.child.try_wait()? {
            bail!(
                "our server exited during the run ({status}); its log ends:\n{}",
                server.log_tail()
            );
        }
        server.stop()?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).context("writing the report as JSON")?
        );
    } else {
        println!("{report}");
    }
    if report.error_total > 0 {
        bail!(
            "{} errors during the benchmark (see the report)",
            report.error_total
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_read_from_serves_first_line() {
        assert_eq!(
            served_address(
                "hemicycle is serving on http://127.0.0.1:40123/ (gallery), /record, /officer"
            ),
            Some(SocketAddr::from(([127, 0, 0, 1], 40123)))
        );
        assert_eq!(served_address("something else"), None);
    }
}
