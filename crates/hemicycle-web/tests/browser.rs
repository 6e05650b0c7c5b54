//! End to end, in a real browser: Debian's Chromium driven through ChromeDriver.
//!
//! The presiding officer opens a sitting from the console; three members, each
//! in a browser of their own, sign in with a login code and PIN, check in and
//! vote; the gallery, open in a fifth browser, shows the seats change colour
//! and the outcome appear without a reload; a member's second vote is refused
//! because the standing orders allow no changes.
//!
//! Needs `chromium` and `chromedriver` on the PATH (`scripts/setup` installs
//! them); without them the test fails and says so.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hemicycle_accounts::{
    AccountRole, AccountStore, Argon2Cost, CredentialHasher, MemoryAccountStore, Username,
};
use hemicycle_core::ids::MemberId;
use hemicycle_core::{Actor, Context};
use hemicycle_engine::Chamber;
use hemicycle_web::{ServerConfig, Shared};

/// How long the test waits for something to appear on a page.
const WAIT_MS: u64 = 10_000;

const OFFICER_PASSWORD: &str = "officer-password-2020";

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|directory| directory.join(program))
            .find(|candidate| candidate.is_file())
    })
}

/// ChromeDriver, stopped when dropped.
struct Driver {
    process: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free local port")
}

async fn start_driver() -> Driver {
    let chromedriver = on_path("chromedriver")
        .expect("chromedriver is not on the PATH: run scripts/setup (Debian chromium-driver)");
    let port = free_port();
    let process = Process::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let driver = Driver { process, port };
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start listening on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver
}

/// A browser of its own (its own profile, so its own cookies).
async fn browser(driver: &Driver) -> Client {
    let chromium = on_path("chromium")
        .expect("chromium is not on the PATH: run scripts/setup (Debian chromium)");
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-quic",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1200,900"
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session from chromedriver")
}

/// Polls the page until `check` holds, or fails with `what`.
async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_millis(WAIT_MS),
            "waited {WAIT_MS} ms for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn attribute_of(client: &Client, css: &str, name: &str) -> Option<String> {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.attr(name).await.ok().flatten(),
        Err(_) => None,
    }
}

async fn text_of(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn click(client: &Client, css: &str) {
    let element = client
        .wait()
        .at_most(Duration::from_millis(WAIT_MS))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no element {css}: {error}"));
    element
        .click()
        .await
        .unwrap_or_else(|error| panic!("clicking {css}: {error}"));
}

async fn type_into(client: &Client, css: &str, text: &str) {
    let element = client
        .wait()
        .at_most(Duration::from_millis(WAIT_MS))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no element {css}: {error}"));
    element.clear().await.ok();
    element
        .send_keys(text)
        .await
        .unwrap_or_else(|error| panic!("typing into {css}: {error}"));
}

struct Fixture {
    address: SocketAddr,
    shared: hemicycle_web::AppState,
    /// Member id, login code, PIN of the three members who vote.
    members: Vec<(MemberId, String, String)>,
    _directory: tempfile::TempDir,
}

/// A chamber of seven seats under the Iraqi standing orders (quorum: more than
/// half, so 4; no ballot changes), one resolution tabled and one sitting
/// convened, four members already present so that three more browsers suffice.
async fn fixture() -> Fixture {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", directory.path().join("e2e.db").display());
    let mut chamber =
        Chamber::open(hemicycle_journal::open(&url).expect("the journal")).expect("open");
    let mut rules = hemicycle_scenario::preset("iraq").expect("the iraq preset");
    rules.seats = 7;
    let at = chrono::DateTime::parse_from_rfc3339("2020-01-05T16:00:00+03:00").expect("a time");
    let system = Context {
        at,
        actor: Actor::System,
    };
    let mut commands = vec![(
        system.clone(),
        hemicycle_core::Command::EstablishChamber {
            name: "Test council".to_owned(),
            seats: rules.seats,
            standing_orders: rules.standing_orders,
        },
    )];
    let bodies: Vec<(&str, serde_json::Value)> = vec![
        (
            "register_bloc",
            serde_json::json!({"bloc": "sairoon", "name": "سائرون", "short_name": "Sairoon", "kind": "list", "colour": "#2e7d32"}),
        ),
        (
            "register_bloc",
            serde_json::json!({"bloc": "fatah", "name": "Fatah", "short_name": null, "kind": "list", "colour": "#f9a825"}),
        ),
        (
            "table_motion",
            serde_json::json!({"motion": "troops", "kind": {"kind": "resolution", "binding": false, "addressed_to": "the Government"}, "title": "Resolution on foreign troops", "text": "The Council calls on the Government…", "sponsors": [{"bloc": "fatah"}], "decision": null}),
        ),
        (
            "convene_sitting",
            serde_json::json!({"sitting": "s1", "kind": "extraordinary", "title": "Extraordinary sitting", "scheduled_for": "2020-01-05T16:00:00+03:00", "agenda": [{"title": "Resolution on foreign troops", "motion": "troops"}], "requested_by": null}),
        ),
        (
            "check_in",
            serde_json::json!({"sitting": "s1", "member": "m4"}),
        ),
        (
            "check_in",
            serde_json::json!({"sitting": "s1", "member": "m5"}),
        ),
        (
            "check_in",
            serde_json::json!({"sitting": "s1", "member": "m6"}),
        ),
    ];
    let roster = [
        ("m1", "مقتدى الأول", "sairoon"),
        ("m2", "Member Two", "sairoon"),
        ("m3", "Member Three", "fatah"),
        ("m4", "Member Four", "fatah"),
        ("m5", "Member Five", "fatah"),
        ("m6", "Member Six", "sairoon"),
        ("m7", "Member Seven", "fatah"),
    ];
    // Blocs first, then the members, then the rest, in this order.
    let (blocs, rest) = bodies.split_at(2);
    let admissions = roster.iter().map(|(member, name, bloc)| {
        (
            "admit_member",
            serde_json::json!({"member": member, "name": name, "constituency": null, "bloc": bloc, "on": "2018-09-03"}),
        )
    });
    let bodies: Vec<(&str, serde_json::Value)> = blocs
        .iter()
        .cloned()
        .chain(admissions)
        .chain(rest.iter().cloned())
        .collect();
    for (name, body) in bodies {
        let command = hemicycle_web::api::parse_command(name, body.to_string().as_bytes())
            .unwrap_or_else(|error| panic!("{name}: {}", error.message));
        commands.push((system.clone(), command));
    }
    chamber
        .execute_batch(&commands)
        .unwrap_or_else(|(index, error)| panic!("fixture command {index}: {error}"));

    let hasher = CredentialHasher::new(Argon2Cost::FAST_FOR_TESTS).expect("hasher");
    let mut store = MemoryAccountStore::new();
    let officer = hemicycle_web::auth::new_staff_account(
        &hasher,
        Username::new("speaker").expect("username"),
        Some("The Speaker".to_owned()),
        AccountRole::PresidingOfficer,
        OFFICER_PASSWORD,
        0,
    )
    .expect("officer account");
    store.create(&officer).expect("create officer");
    let mut members = Vec::new();
    for id in ["m1", "m2", "m3"] {
        let member = MemberId::new(id).expect("member id");
        let issued = hemicycle_web::auth::issue_login(&mut store, &hasher, &member, id, 0)
            .expect("member login");
        members.push((member, issued.login_code, issued.pin));
    }
    let config = ServerConfig {
        argon2_cost: Argon2Cost::FAST_FOR_TESTS,
        ..ServerConfig::default()
    };
    let shared = Shared::new(chamber, Box::new(store), None, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let address = listener.local_addr().expect("address");
    let serving = shared.clone();
    tokio::spawn(async move {
        hemicycle_web::serve(listener, serving, std::future::pending())
            .await
            .expect("serving");
    });
    Fixture {
        address,
        shared,
        members,
        _directory: directory,
    }
}

async fn seat_state(gallery: &Client, member: &str) -> Option<String> {
    attribute_of(
        gallery,
        &format!("[data-member=\"{member}\"]"),
        "data-state",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sitting_runs_from_the_consoles_and_the_gallery_follows_it_live() {
    let fixture = fixture().await;
    let base = format!("http://{}", fixture.address);
    let driver = start_driver().await;

    // The gallery, open before anything happens; it is never reloaded.
    let gallery = browser(&driver).await;
    gallery.goto(&format!("{base}/")).await.expect("gallery");
    wait_until("the gallery's seat chart", || async {
        seat_state(&gallery, "m1").await.is_some()
    })
    .await;
    assert_eq!(seat_state(&gallery, "m1").await.as_deref(), Some("absent"));
    assert_eq!(seat_state(&gallery, "m4").await.as_deref(), Some("present"));
    // A marker on the page: were the page reloaded, it would be gone.
    gallery
        .execute("window.hemicycleNotReloaded = true;", vec![])
        .await
        .expect("marking the gallery page");

    // The officer signs in and opens the sitting.
    let officer = browser(&driver).await;
    officer
        .goto(&format!("{base}/sign-in"))
        .await
        .expect("sign-in page");
    type_into(&officer, "[data-testid=username]", "speaker").await;
    type_into(&officer, "[data-testid=password]", OFFICER_PASSWORD).await;
    click(&officer, "[data-testid=sign-in-button]").await;
    wait_until("the officer's console", || async {
        officer
            .current_url()
            .await
            .is_ok_and(|url| url.path() == "/officer")
    })
    .await;

    // Three members, each in a browser of their own, sign in by link and PIN and check in.
    let mut member_browsers = Vec::new();
    for (member, code, pin) in &fixture.members {
        let client = browser(&driver).await;
        client
            .goto(&format!("{base}/sign-in#code={code}"))
            .await
            .expect("member sign-in link");
        wait_until("the login code filled in from the link", || async {
            match client.find(Locator::Css("[data-testid=login-code]")).await {
                Ok(input) => input
                    .prop("value")
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|value| value == *code),
                Err(_) => false,
            }
        })
        .await;
        type_into(&client, "[data-testid=login-pin]", pin).await;
        click(&client, "[data-testid=member-sign-in-button]").await;
        wait_until("the member console", || async {
            client
                .current_url()
                .await
                .is_ok_and(|url| url.path() == "/member")
        })
        .await;
        click(&client, "[data-testid=check-in]").await;
        let id = member.to_string();
        wait_until(
            &format!("{id}'s seat shown present in the gallery"),
            || async { seat_state(&gallery, &id).await.as_deref() == Some("present") },
        )
        .await;
        member_browsers.push((member.clone(), client));
    }

    // Seven present of seven: the officer opens the sitting, then a division.
    officer.refresh().await.expect("officer console");
    click(&officer, "[data-testid=open-sitting]").await;
    wait_until("the sitting shown open in the gallery", || async {
        text_of(&gallery, "[data-testid=sitting-status]")
            .await
            .to_lowercase()
            .contains("open")
    })
    .await;
    officer.refresh().await.expect("officer console");
    click(&officer, "[data-testid=open-division-button]").await;
    wait_until("the division's seats pending in the gallery", || async {
        seat_state(&gallery, "m1").await.as_deref() == Some("pending")
    })
    .await;

    // The members vote: two yes, one no.
    let choices = ["yes", "yes", "no"];
    for ((member, client), choice) in member_browsers.iter().zip(choices) {
        click(client, &format!("[data-testid=vote-{choice}]")).await;
        let id = member.to_string();
        wait_until(
            &format!("{id}'s seat coloured {choice} in the gallery"),
            || async { seat_state(&gallery, &id).await.as_deref() == Some(choice) },
        )
        .await;
    }

    // No changes allowed: the first member's buttons are locked, and a second
    // ballot sent anyway is refused by the server with a reason.
    let (first_member, first_client) = &member_browsers[0];
    wait_until("the first member's vote buttons locked", || async {
        match first_client
            .find(Locator::Css("[data-testid=vote-no]"))
            .await
        {
            Ok(button) => !button.is_enabled().await.unwrap_or(true),
            Err(_) => false,
        }
    })
    .await;
    let refusal = first_client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/api/commands/cast_ballot', {method: 'POST', credentials: 'same-origin',
                 headers: {'content-type': 'application/json'},
                 body: JSON.stringify({division: arguments[0], member: arguments[1], choice: 'no'})})
               .then(async (response) => done([response.status, await response.text()]));",
            vec![
                serde_json::json!(fixture
                    .shared
                    .latest_snapshot()
                    .division
                    .as_ref()
                    .map(|division| division.id.clone())
                    .expect("an open division")),
                serde_json::json!(first_member.to_string()),
            ],
        )
        .await
        .expect("a second ballot from the member's page");
    assert_eq!(refusal[0], 409, "second ballot: {refusal}");
    assert!(
        refusal[1]
            .as_str()
            .unwrap_or("")
            .contains("\"code\":\"conflict\""),
        "second ballot: {refusal}"
    );
    assert_eq!(
        seat_state(&gallery, first_member.as_str()).await.as_deref(),
        Some("yes"),
        "the refused ballot changed nothing"
    );

    // The officer closes the division; the outcome appears in the gallery.
    officer.refresh().await.expect("officer console");
    click(&officer, "[data-testid=close-division-button]").await;
    let started = Instant::now();
    while text_of(&gallery, "[data-testid=outcome-explanation]")
        .await
        .is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_millis(WAIT_MS),
            "waited {WAIT_MS} ms for the outcome in the gallery; the officer's console says: {:?}",
            text_of(&officer, "[data-testid=error]").await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let verdict = text_of(&gallery, "[data-testid=outcome-verdict]").await;
    let explanation = text_of(&gallery, "[data-testid=outcome-explanation]").await;
    // 7 present; yes: m1, m2 and the four present by fixture did not vote — so
    // 2 yes, 1 no: a simple majority of those present (more than 3.5) is not met.
    assert!(
        verdict.to_lowercase().contains("rejected"),
        "verdict {verdict:?}, explanation {explanation:?}"
    );
    assert!(explanation.contains('2'), "explanation {explanation:?}");
    let not_reloaded = gallery
        .execute("return window.hemicycleNotReloaded === true;", vec![])
        .await
        .expect("reading the marker");
    assert_eq!(
        not_reloaded,
        serde_json::json!(true),
        "the gallery was reloaded"
    );

    for (_, client) in member_browsers {
        client.close().await.ok();
    }
    officer.close().await.ok();
    gallery.close().await.ok();
}
