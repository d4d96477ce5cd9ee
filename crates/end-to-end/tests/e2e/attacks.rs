//! Attacks that cross roles (security.md; docs/security.md maps every rule
//! to its tests, most of which live in the role crates):
//!
//! - clickjacking: no HTML page of any of the three roles may be framed
//!   (rule 13);
//! - a replayed callback URL: refused by the client before it reaches the
//!   authorization server, so the code is not redeemed twice and the
//!   connection survives (rules 3, 25);
//! - an attacker's authorization response fed to a victim's browser (CSRF
//!   on the client's callback): refused, and the attacker's code is not
//!   even spent (rule 25);
//! - secrets in logs: the three real binaries at `RUST_LOG=debug` through a
//!   whole flow, then every password, client secret, code, state, PKCE
//!   verifier, access and refresh token of that flow is searched for in
//!   their stderr (rules 23, 31; contract "Logs").
//!
//! The log test starts the binaries `target/debug/{authorization-server,
//! protected-resource,client}` next to this test executable. `cargo test
//! --workspace` builds them; `cargo test -p end-to-end` alone does not, so
//! run `cargo build --workspace --bins` first in that case (the test says
//! so when they are missing).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use authorization_server::testing::{hidden_input, location};
use end_to_end::user_agent::absolute;
use end_to_end::{AtConsent, Ecosystem, Options, UserAgent};
use oauth_types::pkce::{CodeChallenge, CodeVerifier};
use oauth_types::secret::generate_credential;
use reqwest::{Response, StatusCode};

// ---------------------------------------------------------------------
// Rule 13: clickjacking.
// ---------------------------------------------------------------------

/// Asserts `response` is an HTML page that forbids every framing.
async fn assert_unframeable(what: &str, response: Response) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let content_type = header("content-type");
    let frame_options = header("x-frame-options");
    let csp = header("content-security-policy");
    assert!(
        content_type.starts_with("text/html"),
        "{what}: {content_type}"
    );
    assert!(
        frame_options.eq_ignore_ascii_case("deny"),
        "{what}: X-Frame-Options {frame_options:?}"
    );
    assert!(
        csp.split(';')
            .any(|directive| directive.trim() == "frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    let status = response.status();
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<html") || page.contains("<!DOCTYPE"),
        "{what} ({status}): {page}"
    );
}

/// GETs `url` with `agent`, following redirects, until a page.
async fn page_at(agent: &UserAgent, url: &str) -> (String, Response) {
    let mut url = url.to_owned();
    for _ in 0..8 {
        let response = agent.get(&url).await;
        match location(&response) {
            Some(next) => url = absolute(&url, &next),
            None => return (url, response),
        }
    }
    panic!("too many redirects to {url}");
}

#[actix_rt::test]
async fn no_html_page_of_the_three_roles_can_be_framed() {
    let ecosystem = Ecosystem::start(Options::sqlite()).await;
    let authorization_server = ecosystem.authorization_server.url.clone();
    let client = ecosystem.client_url.clone();
    let resource = ecosystem.resource_url.clone();
    let hamza = UserAgent::new("hamza", "hamza-password");

    // The client's pages, and its error page for a forged callback.
    for path in ["/", "/behind-the-scenes", "/callback?state=forged&code=x"] {
        let response = hamza.get(&format!("{client}{path}")).await;
        assert_unframeable(&format!("client {path}"), response).await;
    }
    // The resource's wall.
    let wall = hamza.get(&format!("{resource}/")).await;
    assert_unframeable("resource /", wall).await;
    // The authorization server's error page (unknown client: no redirect).
    let error = hamza
        .get(&format!(
            "{authorization_server}/authorize?client_id=nobody&response_type=code"
        ))
        .await;
    assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    assert_unframeable("authorization server error page", error).await;

    // Its login page, reached the way a person reaches it: from the client.
    let (login_url, login) = page_at(&hamza, &format!("{client}/connect")).await;
    assert!(
        login_url.starts_with(&format!("{authorization_server}/login")),
        "{login_url}"
    );
    assert_unframeable("authorization server /login", login).await;
    let page = hamza.page(&login_url).await;
    let mut form = vec![
        ("username", "hamza".to_owned()),
        ("password", "hamza-password".to_owned()),
    ];
    for name in ["csrf_token", "request"] {
        if let Some(value) = hidden_input(&page, name) {
            form.push((name, value));
        }
    }
    let signed_in = hamza
        .post_form(&format!("{authorization_server}/login"), &form)
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let next = absolute(&login_url, &location(&signed_in).unwrap());

    // Its consent page, then its account and home pages once signed in.
    let (consent_url, consent) = page_at(&hamza, &next).await;
    assert!(consent_url.contains("/consent"), "{consent_url}");
    assert_unframeable("authorization server /consent", consent).await;
    for path in ["/account", "/"] {
        let (_, response) = page_at(&hamza, &format!("{authorization_server}{path}")).await;
        assert_unframeable(&format!("authorization server {path}"), response).await;
    }
}

// ---------------------------------------------------------------------
// Rules 3 and 25: callbacks replayed or planted.
// ---------------------------------------------------------------------

#[actix_rt::test]
async fn a_replayed_callback_is_refused_by_the_client_and_the_connection_survives() {
    let ecosystem = Ecosystem::start(Options::sqlite()).await;
    let client = &ecosystem.client_url;
    let hamza = UserAgent::new("hamza", "hamza-password");
    let callback = hamza
        .walk_to(
            &format!("{client}/connect"),
            &format!("{client}/callback"),
            AtConsent::Approve("profile post"),
        )
        .await;
    let connected = hamza.follow_to_page(&callback).await;
    assert!(connected.contains("Facebook is connected"), "{connected}");

    // The same URL again, from browser history: in the same browser, and
    // in an attacker's browser that has no session with the client.
    let replayed = hamza.get(&callback).await;
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST);
    let attacker = UserAgent::new("mallory", "unknown");
    let planted = attacker.get(&callback).await;
    assert_eq!(planted.status(), StatusCode::BAD_REQUEST);

    // Had the client redeemed the code a second time, the authorization
    // server would have revoked every token issued from it (rule 3): the
    // connection still works, so the replay never left the client.
    let home = format!("{client}/");
    let posted = hamza
        .submit(&home, "/post", &[("message", "still connected")])
        .await;
    assert!(posted.contains("Posted to Facebook"), "{posted}");
}

#[actix_rt::test]
async fn a_victim_cannot_be_made_to_finish_an_attackers_authorization() {
    let ecosystem = Ecosystem::start(Options::sqlite()).await;
    let client = &ecosystem.client_url;
    // The attacker (alice) starts a connection in her own browser and
    // stops at the redirect back to the client: the URL carries her code.
    let alice = UserAgent::new("alice", "alice-password");
    let alices_callback = alice
        .walk_to(
            &format!("{client}/connect"),
            &format!("{client}/callback"),
            AtConsent::Approve("profile post"),
        )
        .await;

    // The victim, who has a session with the client, is lured to it: if
    // it worked, his Strava would post to alice's account.
    let hamza = UserAgent::new("hamza", "hamza-password");
    let before = hamza.page(&format!("{client}/")).await;
    assert!(before.contains("Connect Facebook"), "{before}");
    let lured = hamza.get(&alices_callback).await;
    assert_eq!(lured.status(), StatusCode::BAD_REQUEST);
    let after = hamza.page(&format!("{client}/")).await;
    assert!(
        after.contains("Connect Facebook"),
        "still not connected: {after}"
    );

    // The state was checked before the code was redeemed: alice's own
    // browser can still finish her flow with that very code.
    let hers = alice.follow_to_page(&alices_callback).await;
    assert!(hers.contains("Facebook is connected"), "{hers}");
}

// ---------------------------------------------------------------------
// Rules 3 and 4: a database leak leaks no usable credential.
// ---------------------------------------------------------------------

/// Every text cell of every table of a SQLite database, one per line.
async fn every_text_cell(database_url: &str) -> String {
    use sqlx::Row;
    let database = service_kit::Database::connect(database_url).await.unwrap();
    let pool = database.pool();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(pool)
            .await
            .unwrap();
    let mut cells = String::new();
    for table in tables.iter().filter(|name| !name.starts_with("_sqlx")) {
        let rows = sqlx::query(&format!("SELECT * FROM \"{table}\""))
            .fetch_all(pool)
            .await
            .unwrap();
        for row in rows {
            for column in 0..row.len() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(column) {
                    cells.push_str(&text);
                    cells.push('\n');
                }
            }
        }
    }
    cells
}

#[actix_rt::test]
async fn a_leaked_database_holds_no_usable_token_code_secret_or_password() {
    let options = Options::sqlite();
    let [as_database, rs_database, _] = options.databases.clone();
    let ecosystem = Ecosystem::start(options).await;
    let authorization_server = &ecosystem.authorization_server;
    // A flow through the client (its tokens are the client's to keep), and
    // one by hand: a code redeemed, its tokens refreshed.
    let hamza = UserAgent::new("hamza", "hamza-password");
    let connected = hamza
        .connect(
            &ecosystem.client_url,
            "/connect",
            AtConsent::Approve("profile post"),
        )
        .await;
    assert!(connected.contains("Facebook is connected"), "{connected}");
    let home = format!("{}/", ecosystem.client_url);
    let posted = hamza
        .submit(&home, "/post", &[("message", "a leak test")])
        .await;
    assert!(posted.contains("Posted to Facebook"), "{posted}");
    let flow = authorization_server::testing::Flow::demo();
    let issued = authorization_server.obtain_code(&flow).await;
    let exchanged = authorization_server.exchange_code(&flow, &issued).await;
    assert_eq!(exchanged.status(), StatusCode::OK);
    let tokens: serde_json::Value = exchanged.json().await.unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refreshed = authorization_server
        .token_request(
            "strava",
            Some("strava-secret"),
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: serde_json::Value = refreshed.json().await.unwrap();

    let credentials = [
        ("the code", issued.code.clone()),
        (
            "the access token",
            tokens["access_token"].as_str().unwrap().to_owned(),
        ),
        ("the refresh token", refresh.clone()),
        (
            "the refreshed access token",
            refreshed["access_token"].as_str().unwrap().to_owned(),
        ),
        (
            "the refreshed refresh token",
            refreshed["refresh_token"].as_str().unwrap().to_owned(),
        ),
    ];
    // 256 bits, base64url without padding: 43 characters (rules 3 and 4).
    for (what, credential) in &credentials {
        assert!(credential.len() >= 43, "{what} is shorter than 256 bits");
    }
    let secrets = [
        ("a password", "hamza-password".to_owned()),
        ("a client secret", "strava-secret".to_owned()),
        (
            "a client secret",
            end_to_end::ecosystem::CLIENT_SECRET.to_owned(),
        ),
        (
            "a resource server secret",
            "protected-resource-secret-1".to_owned(),
        ),
    ];
    for database in [&as_database, &rs_database] {
        let cells = every_text_cell(database).await;
        assert!(
            cells.contains("strava"),
            "the dump reads the tables: {cells}"
        );
        for (what, value) in credentials.iter().chain(&secrets) {
            assert!(!cells.contains(value.as_str()), "{what} is stored in clear");
        }
    }
}

// ---------------------------------------------------------------------
// Rules 23 and 31: no secret in the logs of the three real binaries.
// ---------------------------------------------------------------------

/// `target/debug` (or `target/release`): the directory of the test
/// executable's directory (`target/debug/deps`).
fn binaries_directory() -> PathBuf {
    let executable = std::env::current_exe().unwrap();
    executable
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf()
}

fn binary(name: &str) -> PathBuf {
    let path = binaries_directory().join(name);
    assert!(
        path.exists(),
        "{} is missing: `cargo test --workspace` builds it; with `cargo test -p end-to-end` \
         run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

/// A free loopback port (bound, read, released: the binary binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A role binary running at debug level, its stdout and stderr in files.
struct Role {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Role {
    fn start(directory: &Path, name: &str, args: &[&str]) -> Self {
        let stdout = directory.join(format!("{name}.stdout"));
        let stderr = directory.join(format!("{name}.stderr"));
        let child = Command::new(binary(name))
            .args(args)
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).unwrap())
            .stderr(File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let role = Self {
            child,
            stdout,
            stderr,
        };
        role.wait_until_listening(name);
        role
    }

    fn wait_until_listening(&self, name: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let out = std::fs::read_to_string(&self.stdout).unwrap_or_default();
            if out.contains("listening on ") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let err = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        panic!("{name} did not start: {err}");
    }

    /// Stops it with SIGTERM and returns everything it logged.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        std::fs::read_to_string(&self.stderr).unwrap()
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The query parameter `name` of `url`.
fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

/// POSTs a form with HTTP Basic credentials; the JSON answer.
async fn post_with_basic(
    url: &str,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> (StatusCode, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(url)
        .basic_auth(id, Some(secret))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or_default())
}

#[actix_rt::test]
async fn no_secret_of_a_whole_flow_reaches_the_debug_logs_of_the_three_binaries() {
    let directory = std::env::temp_dir().join(format!("e2e-logs-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&directory).unwrap();
    let database = |name: &str| format!("sqlite://{}", directory.join(name).display());
    let [as_port, rs_port, client_port] = [free_port(), free_port(), free_port()];
    let as_url = format!("http://127.0.0.1:{as_port}");
    let rs_url = format!("http://127.0.0.1:{rs_port}");
    let client_url = format!("http://127.0.0.1:{client_port}");
    let redirect_uri = format!("{client_url}/callback");

    // Register a client whose redirect URI is the client's port, with the
    // admin command, as an operator would; it prints the secret once.
    let as_database = database("as.db");
    let added = Command::new(binary("authorization-server"))
        .args([
            "client",
            "add",
            "--client-id",
            "strava-logs",
            "--kind",
            "confidential",
        ])
        .args(["--redirect-uri", &redirect_uri, "--scope", "profile post"])
        .args(["--grant", "authorization_code", "--grant", "refresh_token"])
        .args(["--default-resource", "http://localhost:9002"])
        .args(["--database-url", &as_database])
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    let printed = String::from_utf8(added.stdout).unwrap();
    let client_secret = printed
        .lines()
        .find_map(|line| line.strip_prefix("client_secret: "))
        .unwrap_or_else(|| panic!("no secret printed: {printed}"))
        .trim()
        .to_owned();

    let authorization_server = Role::start(
        &directory,
        "authorization-server",
        &[
            "--addr",
            &format!("127.0.0.1:{as_port}"),
            "--database-url",
            &as_database,
            "--issuer",
            &as_url,
            "--demo",
        ],
    );
    let resource = Role::start(
        &directory,
        "protected-resource",
        &[
            "--addr",
            &format!("127.0.0.1:{rs_port}"),
            "--database-url",
            &database("rs.db"),
            "--introspection-url",
            &format!("{as_url}/introspect"),
            "--issuer",
            &as_url,
        ],
    );
    let client = Role::start(
        &directory,
        "client",
        &[
            "--addr",
            &format!("127.0.0.1:{client_port}"),
            "--database-url",
            &database("client.db"),
            "--issuer",
            &as_url,
            "--client-id",
            "strava-logs",
            "--client-secret",
            &client_secret,
            "--redirect-uri",
            &redirect_uri,
            // The demo resource's identifier (RFC 8707 `resource`), reached
            // on its real port.
            "--resource-url",
            "http://localhost:9002",
            "--resource-internal-url",
            &rs_url,
        ],
    );

    let mut secrets: Vec<(String, String)> = vec![
        ("hamza's password".into(), "hamza-password".into()),
        ("alice's password".into(), "alice-password".into()),
        ("the client secret".into(), client_secret.clone()),
        (
            "the resource's secret".into(),
            "protected-resource-secret-1".into(),
        ),
    ];

    // 1. hamza connects through the client and posts; the code and state
    // are those of the redirect his browser followed.
    let hamza = UserAgent::new("hamza", "hamza-password");
    let callback = hamza
        .walk_to(
            &format!("{client_url}/connect"),
            &redirect_uri,
            AtConsent::Approve("profile post"),
        )
        .await;
    secrets.push(("hamza's code".into(), query_param(&callback, "code")));
    secrets.push(("hamza's state".into(), query_param(&callback, "state")));
    let connected = hamza.follow_to_page(&callback).await;
    assert!(connected.contains("Facebook is connected"), "{connected}");
    let posted = hamza
        .submit(
            &format!("{client_url}/"),
            "/post",
            &[("message", "a run by the river")],
        )
        .await;
    assert!(posted.contains("Posted to Facebook"), "{posted}");
    // A wrong password too: refused logins are logged, the password is not.
    let wrong = UserAgent::new("hamza", "a-wrong-password-never-logged");
    let login_page = wrong.page(&format!("{as_url}/login")).await;
    let refused = wrong
        .post_form(
            &format!("{as_url}/login"),
            &[
                ("username", "hamza".to_owned()),
                ("password", "a-wrong-password-never-logged".to_owned()),
                (
                    "csrf_token",
                    hidden_input(&login_page, "csrf_token").unwrap(),
                ),
            ],
        )
        .await;
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("Wrong username or password."), "{refused}");
    secrets.push((
        "a wrong password".into(),
        "a-wrong-password-never-logged".into(),
    ));

    // 2. alice's flow by hand against the same binaries, so that every
    // credential is known: state, verifier, code, access and refresh
    // tokens, the refreshed pair; each used where it goes.
    let alice = UserAgent::new("alice", "alice-password");
    let verifier = generate_credential();
    let challenge = CodeChallenge::from_verifier(&CodeVerifier::parse(&verifier).unwrap());
    let state = generate_credential();
    let authorize = url::Url::parse_with_params(
        &format!("{as_url}/authorize"),
        &[
            ("response_type", "code"),
            ("client_id", "strava-logs"),
            ("redirect_uri", &redirect_uri),
            ("scope", "profile post"),
            ("state", &state),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let back = alice
        .walk_to(
            authorize.as_str(),
            &redirect_uri,
            AtConsent::Approve("profile post"),
        )
        .await;
    let code = query_param(&back, "code");
    assert_eq!(query_param(&back, "state"), state);
    secrets.push(("alice's state".into(), state.clone()));
    secrets.push(("alice's verifier".into(), verifier.clone()));
    secrets.push(("alice's code".into(), code.clone()));

    let token_url = format!("{as_url}/token");
    let (status, tokens) = post_with_basic(
        &token_url,
        "strava-logs",
        &client_secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    // The code replayed (refused, and logged as refused).
    let (replay, _) = post_with_basic(
        &token_url,
        "strava-logs",
        &client_secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(replay, StatusCode::BAD_REQUEST);

    // A fresh flow's tokens, refreshed, used at the resource, introspected
    // and revoked.
    let (verifier, code) = {
        let verifier = generate_credential();
        let challenge = CodeChallenge::from_verifier(&CodeVerifier::parse(&verifier).unwrap());
        let mut again = authorize.clone();
        again.query_pairs_mut().clear().extend_pairs([
            ("response_type", "code"),
            ("client_id", "strava-logs"),
            ("redirect_uri", redirect_uri.as_str()),
            ("scope", "profile post"),
            ("state", "second-flow"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ]);
        let back = alice
            .walk_to(
                again.as_str(),
                &redirect_uri,
                AtConsent::Approve("profile post"),
            )
            .await;
        (verifier, query_param(&back, "code"))
    };
    secrets.push(("the second verifier".into(), verifier.clone()));
    secrets.push(("the second code".into(), code.clone()));
    let (_, tokens) = post_with_basic(
        &token_url,
        "strava-logs",
        &client_secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    let first_refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, refreshed) = post_with_basic(
        &token_url,
        "strava-logs",
        &client_secret,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &first_refresh),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let refreshed_access = refreshed["access_token"].as_str().unwrap().to_owned();
    let refreshed_refresh = refreshed["refresh_token"].as_str().unwrap().to_owned();
    secrets.push(("alice's access token".into(), access.clone()));
    secrets.push(("alice's refresh token".into(), refresh.clone()));
    secrets.push((
        "the second access token".into(),
        tokens["access_token"].as_str().unwrap().to_owned(),
    ));
    secrets.push(("the spent refresh token".into(), first_refresh.clone()));
    secrets.push((
        "the refreshed access token".into(),
        refreshed_access.clone(),
    ));
    secrets.push((
        "the refreshed refresh token".into(),
        refreshed_refresh.clone(),
    ));

    let http = reqwest::Client::new();
    // The three RFC 6750 ways, and one refused (replayed spent refresh).
    let me = http
        .get(format!("{rs_url}/api/me"))
        .bearer_auth(&refreshed_access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let _ = http
        .get(format!("{rs_url}/api/posts?access_token={access}"))
        .send()
        .await
        .unwrap();
    let _ = http
        .post(format!("{rs_url}/api/posts"))
        .form(&[("access_token", access.as_str()), ("message", "hi")])
        .send()
        .await
        .unwrap();
    let (spent, _) = post_with_basic(
        &token_url,
        "strava-logs",
        &client_secret,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &first_refresh),
        ],
    )
    .await;
    assert_eq!(
        spent,
        StatusCode::BAD_REQUEST,
        "a spent refresh token is refused"
    );
    let (status, introspected) = post_with_basic(
        &format!("{as_url}/introspect"),
        "protected-resource-1",
        "protected-resource-secret-1",
        &[("token", &access)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{introspected}");
    let (status, _) = post_with_basic(
        &format!("{as_url}/revoke"),
        "strava-logs",
        &client_secret,
        &[("token", &refresh)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Wrong client credentials, which are logged as a failure only.
    let (status, _) = post_with_basic(
        &token_url,
        "strava-logs",
        "a-wrong-client-secret",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refreshed_refresh),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    secrets.push((
        "a wrong client secret".into(),
        "a-wrong-client-secret".into(),
    ));

    // 3. The tokens the client itself holds for hamza.
    let client_database = service_kit::Database::connect(&database("client.db"))
        .await
        .unwrap();
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT access_token, refresh_token FROM connections")
            .fetch_all(client_database.pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), 1, "hamza's connection");
    for (access, refresh) in rows {
        secrets.push(("the client's access token".into(), access));
        if let Some(refresh) = refresh {
            secrets.push(("the client's refresh token".into(), refresh));
        }
    }

    let logs = [
        ("authorization-server", authorization_server.stop()),
        ("protected-resource", resource.stop()),
        ("client", client.stop()),
    ];
    // The logs are real debug logs of this flow, not empty files.
    for ((role, log), path) in logs.iter().zip(["/token", "/api/me", "/callback"]) {
        assert!(log.contains(path), "{role} logged its requests:\n{log}");
    }
    for (role, log) in &logs {
        for (what, secret) in &secrets {
            assert!(secret.len() >= 8, "{what} is too short to search for");
            assert!(!log.contains(secret.as_str()), "{role} logged {what}");
        }
    }
    let _ = std::fs::remove_dir_all(&directory);
}
