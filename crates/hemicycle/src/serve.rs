//! `hemicycle serve` and `hemicycle account`: the server's start-up and its accounts.
//!
//! The storage backends are chosen here, from the database URL, and nowhere else.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};
use hemicycle_accounts::{
    open_account_store, redact_url, AccountRole, AccountStore, Argon2Cost, CredentialHasher,
    Username,
};
use hemicycle_core::ids::MemberId;
use hemicycle_engine::Chamber;
use hemicycle_journal::Storage;
use hemicycle_scenario::parse_scenario;
use hemicycle_web::{ServerConfig, Shared};

use crate::{log, open_existing, open_storage, sqlite_path, DEFAULT_DATABASE};

/// How many members of the demo get a login printed at start; the clerk's
/// desk issues the others.
const DEMO_MEMBER_LOGINS: usize = 6;

#[derive(Args)]
pub struct ServeArgs {
    /// The address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The journal (`sqlite://FILE`); ignored with --demo.
    #[arg(long, default_value = DEFAULT_DATABASE)]
    database: String,
    /// Start on a fresh demonstration chamber: the sitting of 5 January 2020,
    /// convened and ready to replay or to run live. Its journal is temporary.
    #[arg(long)]
    demo: bool,
    /// Mark cookies `Secure`: set this when users reach the server over HTTPS
    /// (e.g. through a reverse proxy that terminates TLS).
    #[arg(long)]
    secure_cookies: bool,
    /// The address users reach the server at, for members' login links;
    /// default: http://LISTEN.
    #[arg(long)]
    public_url: Option<String>,
    /// The checkpoint signing key; default: beside the journal.
    #[arg(long)]
    key: Option<PathBuf>,
    /// The Argon2id cost of the passwords and PINs the server hashes (accounts it
    /// creates, member logins it issues). `fast` is for benchmarks and tests only:
    /// it makes a stolen hash almost free to guess.
    #[arg(long, value_enum, default_value_t = Argon2CostChoice::Recommended)]
    argon2_cost: Argon2CostChoice,
}

/// The Argon2id costs `serve --argon2-cost` offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Argon2CostChoice {
    /// OWASP's recommended minimum.
    Recommended,
    /// The smallest cost Argon2 accepts: for benchmarks and tests only.
    Fast,
}

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Add a clerk or presiding-officer account. The password is read from the
    /// environment variable HEMICYCLE_PASSWORD, else from the first line of standard input.
    Add {
        username: String,
        /// `clerk` or `officer`.
        #[arg(long)]
        role: String,
        /// The name shown for the account; default: the username.
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
    /// Issue (or reissue) a member's login code and PIN, and print them once.
    MemberLogin {
        member: String,
        /// The address of the server, for the login link.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        public_url: String,
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
    /// List the accounts.
    List {
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
}

/// The accounts kept in the journal's database (the same URL).
fn account_store(database: &str) -> Result<Box<dyn AccountStore>> {
    // In SQLite the accounts live in the journal's file, which the journal must have
    // made first.
    if let Some(path) = sqlite_path(database) {
        if !path.exists() {
            bail!(
                "no journal at {} (create one with `hemicycle init` first)",
                path.display()
            );
        }
    }
    open_account_store(database)
        .with_context(|| format!("opening the accounts in {}", redact_url(database)))
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

pub fn account(command: AccountCommand) -> Result<()> {
    match command {
        AccountCommand::Add {
            username,
            role,
            name,
            database,
        } => {
            let role = match role.as_str() {
                "clerk" => AccountRole::Clerk,
                "officer" | "presiding_officer" => AccountRole::PresidingOfficer,
                other => bail!("--role {other}: expected clerk or officer"),
            };
            let username = Username::new(username.clone())
                .with_context(|| format!("username \"{username}\""))?;
            let password = match std::env::var("HEMICYCLE_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let mut store = account_store(&database)?;
            let hasher = CredentialHasher::new(Argon2Cost::RECOMMENDED)?;
            let account = hemicycle_web::auth::new_staff_account(
                &hasher,
                username,
                name,
                role,
                &password,
                now_ms(),
            )
            .map_err(|error| anyhow::anyhow!(error.message))?;
            store
                .create(&account)
                .with_context(|| format!("adding account {}", account.username))?;
            println!("Added {} ({}).", account.username, account.display_name);
            Ok(())
        }
        AccountCommand::MemberLogin {
            member,
            public_url,
            database,
        } => {
            let chamber = open_existing(&database)?;
            let member = MemberId::new(&member).with_context(|| format!("member \"{member}\""))?;
            let name = chamber
                .state()
                .members
                .get(&member)
                .map(|record| record.name.clone())
                .with_context(|| format!("no member \"{member}\" in {database}"))?;
            let mut store = account_store(&database)?;
            let hasher = CredentialHasher::new(Argon2Cost::RECOMMENDED)?;
            let issued =
                hemicycle_web::auth::issue_login(&mut *store, &hasher, &member, &name, now_ms())
                    .map_err(|error| anyhow::anyhow!(error.message))?;
            println!(
                "{name}: {}/sign-in#code={}  PIN {}",
                public_url.trim_end_matches('/'),
                issued.login_code,
                issued.pin
            );
            Ok(())
        }
        AccountCommand::List { database } => {
            let store = account_store(&database)?;
            for account in store.list()? {
                let role = match &account.role {
                    AccountRole::Clerk => "clerk".to_owned(),
                    AccountRole::PresidingOfficer => "presiding officer".to_owned(),
                    AccountRole::Member(member) => format!("member {member}"),
                };
                println!("{}\t{}\t{role}", account.username, account.display_name);
            }
            Ok(())
        }
    }
}

/// What a fresh demonstration prints: the accounts to try it with.
struct DemoAccounts {
    clerk_password: String,
    officer_password: String,
    members: Vec<(String, String, String)>,
}

type DemoParts = (
    Chamber<Box<dyn Storage>>,
    hemicycle_web::demo::DemoScript,
    DemoAccounts,
    Box<dyn AccountStore>,
);

fn demo_chamber(directory: &Path, hasher: &CredentialHasher) -> Result<DemoParts> {
    let scenario = parse_scenario(
        hemicycle_scenario::DEMO_SCENARIO,
        hemicycle_scenario::DEMO_SCENARIO_NAME,
        &|name| Err(format!("the demo scenario uses presets only, not {name}")),
    )?;
    let database = format!("sqlite://{}", directory.join("demo.db").display());
    let mut chamber =
        Chamber::open(open_storage(&database)?).context("opening the demo journal")?;
    // The journal first: it refuses a file that already holds other tables.
    let mut store = open_account_store(&database).context("opening the demo's accounts")?;
    let signer = log::create_key(
        &directory.join("demo.key"),
        &log::log_name(&scenario.chamber.name),
    )?;
    chamber.set_signer(signer);
    let script = hemicycle_web::demo::prepare(&mut chamber, scenario)
        .context("preparing the demonstration chamber")?;
    let clerk_password = hemicycle_accounts::generate_login_code()?;
    let officer_password = hemicycle_accounts::generate_login_code()?;
    for (username, name, role, password) in [
        (
            "secretariat",
            "The Secretariat",
            AccountRole::Clerk,
            &clerk_password,
        ),
        (
            "speaker",
            "The Speaker",
            AccountRole::PresidingOfficer,
            &officer_password,
        ),
    ] {
        let account = hemicycle_web::auth::new_staff_account(
            hasher,
            Username::new(username)?,
            Some(name.to_owned()),
            role,
            password,
            now_ms(),
        )
        .map_err(|error| anyhow::anyhow!(error.message))?;
        store.create(&account)?;
    }
    // One member from each of the first blocs, so each console can be tried.
    let state = chamber.state();
    let mut members = Vec::new();
    for bloc in state.blocs.keys() {
        if members.len() == DEMO_MEMBER_LOGINS {
            break;
        }
        if let Some(member) = state
            .sitting_members()
            .find(|member| member.current_bloc() == Some(bloc))
        {
            let issued = hemicycle_web::auth::issue_login(
                &mut *store,
                hasher,
                &member.id,
                &member.name,
                now_ms(),
            )
            .map_err(|error| anyhow::anyhow!(error.message))?;
            members.push((member.name.clone(), issued.login_code, issued.pin));
        }
    }
    Ok((
        chamber,
        script,
        DemoAccounts {
            clerk_password,
            officer_password,
            members,
        },
        store,
    ))
}

pub fn serve(args: ServeArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    let argon2_cost = match args.argon2_cost {
        Argon2CostChoice::Recommended => Argon2Cost::RECOMMENDED,
        Argon2CostChoice::Fast => {
            eprintln!("warning: --argon2-cost fast: new passwords and PINs are hashed almost for free; for benchmarks and tests only");
            Argon2Cost::FAST_FOR_TESTS
        }
    };
    let config = ServerConfig {
        secure_cookies: args.secure_cookies,
        public_url: public_url.clone(),
        argon2_cost,
        ..ServerConfig::default()
    };
    let hasher = CredentialHasher::new(config.argon2_cost)?;
    // The demo's journal lives in a temporary directory, removed at exit.
    let demo_directory = if args.demo {
        Some(tempfile::tempdir().context("making a temporary directory for the demo")?)
    } else {
        None
    };
    let (shared, demo_accounts) = match &demo_directory {
        Some(directory) => {
            let (chamber, script, accounts, store) = demo_chamber(directory.path(), &hasher)?;
            (
                Shared::start(chamber, store, Some(script), config)
                    .context("starting the server")?,
                Some(accounts),
            )
        }
        None => {
            let mut chamber = open_existing(&args.database)?;
            let key_file = log::key_path(&args.database, args.key.clone())?;
            if key_file.exists() {
                chamber.set_signer(log::load_key(&key_file)?);
            } else {
                eprintln!(
                    "No signing key at {}: checkpoints will not be signed.",
                    key_file.display()
                );
            }
            let store = account_store(&args.database)?;
            if store.count()? == 0 {
                eprintln!(
                    "No accounts yet: add a clerk with `hemicycle account add NAME --role clerk --database {}`.",
                    args.database
                );
            }
            (
                Shared::start(chamber, store, None, config).context("starting the server")?,
                None,
            )
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let address = listener.local_addr().context("reading the listening address")?;
        println!("hemicycle is serving on http://{address}/ (gallery), /record, /officer, /member, /clerk");
        if let Some(accounts) = &demo_accounts {
            println!("Demonstration accounts (this run only):");
            println!("  clerk:             secretariat / {}", accounts.clerk_password);
            println!("  presiding officer: speaker / {}", accounts.officer_password);
            println!("  members (open the link on a phone, type the PIN):");
            for (name, code, pin) in &accounts.members {
                println!("    {name}: {public_url}/sign-in#code={code}  PIN {pin}");
            }
        }
        hemicycle_web::serve(listener, shared, shutdown_signal())
            .await
            .context("serving")
    })?;
    drop(demo_directory);
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, so that requests in flight finish.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
