//! The load driver `scripts/bench` uses for what wrk cannot do alone: the
//! authorization code flow in a browser, redemptions of single-use codes
//! and rotations of refresh tokens (each answer feeds the next request),
//! and seeding many live tokens with one SQL statement.
//!
//! It is a `[[bench]]` with `harness = false` so that it builds in the
//! release profile beside the servers; `cargo bench` alone runs it with no
//! subcommand, which only says what it is. Subcommands:
//!
//! - `access-token --as-url URL`: drives GET /authorize → login → consent →
//!   POST /token for the demo user `hamza` and client `strava` over HTTP
//!   and prints the access token (opaque or JWT, whatever the server
//!   issues); with `--dpop-key-file FILE`, the token request carries a DPoP
//!   proof (RFC 9449 §5) by a new P-256 key, written to FILE, and the
//!   token is bound to it;
//! - `dpop-proofs --key-file FILE --url URL --token T --count N`: prints N
//!   fresh proofs by that key for `GET URL` naming the token (`ath`), one
//!   per line, for wrk to send one each request (a proof is good once);
//! - `seed-tokens --database-url URL --count N`: inserts N live access
//!   tokens with random hashes, shaped like the real ones, in one
//!   statement (a recursive CTE on SQLite, `generate_series` on Postgres);
//! - `grants --as-url URL --database-url URL`: seeds authorization codes
//!   through the store API (the same rows `/consent` writes), then redeems
//!   them at POST /token for `--seconds` with `--connections` concurrent
//!   requests, then rotates the refresh tokens obtained for as long; prints
//!   one line per grant: requests/s, p50 and p99 in milliseconds;
//! - `login-burst --as-url URL --burst N`: N browsers each open the login
//!   form, then all post the right password at once (the demo users in
//!   turn); prints how many signed in (303), were shed (503) or throttled
//!   (429), and the time the burst took. `scripts/login-burst` runs it
//!   beside the server's memory figures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use authorization_server::store::codes::{self, CodeGrant};
use authorization_server::store::users;
use authorization_server::testing::{browser, hidden_input, location};
use clap::{Parser, Subcommand};
use oauth_types::introspection::Audience;
use oauth_types::pkce::{CodeChallenge, CodeVerifier};
use oauth_types::secret::{generate_credential, AuthorizationCode};
use oauth_types::token_response::TokenResponse;
use service_kit::Database;

#[path = "grants_driver/databases.rs"]
mod databases;
#[path = "grants_driver/dpop.rs"]
mod dpop;

const CLIENT_ID: &str = "strava";
const CLIENT_SECRET: &str = "strava-secret";
const REDIRECT_URI: &str = "http://localhost:9000/callback";
const SCOPE: &str = "profile post";
const USERNAME: &str = "hamza";
const PASSWORD: &str = "hamza-password";
const RESOURCE_ID: &str = "http://localhost:9002";

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, global = true, hide = true)]
    bench: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Prints an access token obtained through the real flow.
    AccessToken {
        #[arg(long)]
        as_url: String,
        /// Bind the token to a new DPoP key, written to this file.
        #[arg(long)]
        dpop_key_file: Option<std::path::PathBuf>,
    },
    /// Prints N DPoP proofs for `GET URL` with the token, one per line.
    DpopProofs {
        #[arg(long)]
        key_file: std::path::PathBuf,
        #[arg(long)]
        url: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        count: usize,
    },
    /// Inserts N live access tokens with random hashes in one statement.
    SeedTokens {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        count: i64,
    },
    /// (Re)creates an empty Postgres database NAME on the server of URL and
    /// prints its URL; with --drop, only drops it.
    PostgresDatabase {
        #[arg(long)]
        server: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        drop: bool,
    },
    /// N simultaneous logins with the right password.
    LoginBurst {
        #[arg(long)]
        as_url: String,
        #[arg(long, default_value_t = 64)]
        burst: usize,
    },
    /// Code redemptions and refresh rotations per second.
    Grants {
        #[arg(long)]
        as_url: String,
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Codes seeded before the clock starts (the run ends early when
        /// they are all redeemed).
        #[arg(long, default_value_t = 12_000)]
        codes: usize,
    },
}

fn main() {
    let args = Args::parse();
    let Some(command) = args.command else {
        println!(
            "grants_driver: the load driver of scripts/bench (see its module doc); nothing to do"
        );
        return;
    };
    actix_rt::System::new().block_on(async move {
        match command {
            Command::AccessToken {
                as_url,
                dpop_key_file,
            } => println!("{}", access_token(&as_url, dpop_key_file.as_deref()).await),
            Command::DpopProofs {
                key_file,
                url,
                token,
                count,
            } => dpop::proofs(&key_file, &url, &token, count),
            Command::SeedTokens {
                database_url,
                count,
            } => databases::seed_tokens(&database_url, count).await,
            Command::PostgresDatabase { server, name, drop } => {
                println!(
                    "{}",
                    databases::postgres_database(&server, &name, drop).await
                );
            }
            Command::LoginBurst { as_url, burst } => login_burst(&as_url, burst).await,
            Command::Grants {
                as_url,
                database_url,
                seconds,
                connections,
                codes,
            } => {
                let load = Load {
                    as_url,
                    duration: Duration::from_secs(seconds),
                    connections,
                };
                grants(&load, &database_url, codes).await;
            }
        }
    });
}

/// GET /authorize → /login → /consent → redirect with the code → POST /token.
async fn access_token(as_url: &str, dpop_key_file: Option<&std::path::Path>) -> String {
    let browser = browser();
    let verifier_text = generate_credential();
    let verifier = CodeVerifier::parse(&verifier_text).expect("a verifier");
    let challenge = CodeChallenge::from_verifier(&verifier);
    let state = generate_credential();
    let mut response = browser
        .get(format!("{as_url}/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("scope", SCOPE),
            ("state", state.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .expect("GET /authorize");
    for _ in 0..8 {
        if let Some(target) = location(&response) {
            if target.starts_with(REDIRECT_URI) {
                let code = code_from_callback(&target, &state);
                let proof = dpop_key_file.map(|file| dpop::token_request_proof(as_url, file));
                let http = reqwest::Client::new();
                let tokens = redeem(&http, as_url, &code, &verifier_text, proof.as_deref()).await;
                return tokens.access_token.secret().to_owned();
            }
            let target = if target.starts_with('/') {
                format!("{as_url}{target}")
            } else {
                target
            };
            response = browser.get(target).send().await.expect("a redirect");
            continue;
        }
        let page = response.text().await.expect("a page");
        let csrf = hidden_input(&page, "csrf_token").expect("a csrf_token");
        let request = hidden_input(&page, "request");
        let mut form = vec![("csrf_token", csrf)];
        form.extend(request.map(|id| ("request", id)));
        let path = if page.contains("name=\"password\"") {
            form.push(("username", USERNAME.to_owned()));
            form.push(("password", PASSWORD.to_owned()));
            "login"
        } else if page.contains("name=\"decision\"") {
            form.push(("decision", "approve".to_owned()));
            form.extend(SCOPE.split(' ').map(|scope| ("scope", scope.to_owned())));
            "consent"
        } else {
            panic!("neither a login nor a consent page: {page}");
        };
        response = browser
            .post(format!("{as_url}/{path}"))
            .form(&form)
            .send()
            .await
            .expect("a form post");
    }
    panic!("the flow did not reach the redirect URI");
}

/// Every browser gets its form first, so that the posts arrive together.
async fn login_burst(as_url: &str, burst: usize) {
    let mut people = Vec::with_capacity(burst);
    for _ in 0..burst {
        let browser = browser();
        let page = browser
            .get(format!("{as_url}/login"))
            .send()
            .await
            .expect("GET /login")
            .text()
            .await
            .expect("the login page");
        let csrf = hidden_input(&page, "csrf_token").expect("a csrf_token");
        people.push((browser, csrf));
    }
    let started = Instant::now();
    let logins: Vec<_> = people
        .into_iter()
        .enumerate()
        .map(|(index, (browser, csrf))| {
            let url = format!("{as_url}/login");
            let (username, password) =
                [("hamza", "hamza-password"), ("alice", "alice-password")][index % 2];
            actix_rt::spawn(async move {
                let form = [
                    ("username", username),
                    ("password", password),
                    ("csrf_token", csrf.as_str()),
                ];
                match browser.post(url).form(&form).send().await {
                    Ok(response) => response.status().as_u16(),
                    Err(_) => 0,
                }
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::new();
    for login in logins {
        *statuses.entry(login.await.unwrap_or(0)).or_insert(0usize) += 1;
    }
    let count = |status: u16| statuses.get(&status).copied().unwrap_or(0);
    println!(
        "burst {burst}: signed in {}, shed 503 {}, throttled 429 {}, other {}, in {} ms",
        count(303),
        count(503),
        count(429),
        burst - count(303) - count(503) - count(429),
        started.elapsed().as_millis()
    );
}

fn code_from_callback(target: &str, state: &str) -> String {
    let url = url::Url::parse(target).expect("the callback URL");
    let param = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some(state), "state");
    param("code").unwrap_or_else(|| panic!("no code in the callback: {target}"))
}

/// POST /token, `authorization_code` grant (RFC 6749 §4.1.3).
async fn redeem(
    http: &reqwest::Client,
    as_url: &str,
    code: &str,
    verifier: &str,
    dpop_proof: Option<&str>,
) -> TokenResponse {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier),
    ];
    token_request(http, as_url, &form, dpop_proof).await
}

/// POST /token as the benchmark's client with `form` (and a DPoP proof,
/// RFC 9449 §5); the successful answer (RFC 6749 §5.1).
async fn token_request(
    http: &reqwest::Client,
    as_url: &str,
    form: &[(&str, &str)],
    dpop_proof: Option<&str>,
) -> TokenResponse {
    let mut request = http.post(format!("{as_url}/token"));
    if let Some(proof) = dpop_proof {
        request = request.header("DPoP", proof);
    }
    let response = request
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(form)
        .send()
        .await
        .expect("POST /token");
    let status = response.status();
    let body = response.text().await.expect("a body");
    assert_eq!(status, 200, "POST /token answered {body}");
    serde_json::from_str(&body).expect("a token response")
}

/// Where and how hard to push.
struct Load {
    as_url: String,
    duration: Duration,
    connections: usize,
}

/// What one grant type achieved.
struct Outcome {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Outcome {
    fn print(&mut self, name: &str) {
        self.latencies.sort_unstable();
        let at = |fraction: f64| {
            let last = self.latencies.len().saturating_sub(1);
            let index = ((last as f64) * fraction).round() as usize;
            self.latencies
                .get(index)
                .map_or(0.0, |latency| latency.as_secs_f64() * 1000.0)
        };
        println!(
            "{name} requests_per_s={:.0} p50_ms={:.2} p99_ms={:.2} requests={}",
            self.requests as f64 / self.elapsed.as_secs_f64(),
            at(0.50),
            at(0.99),
            self.requests
        );
    }
}

async fn grants(load: &Load, database_url: &str, count: usize) {
    let database = Database::connect(database_url).await.expect("the database");
    let verifier_text = generate_credential();
    let verifier = CodeVerifier::parse(&verifier_text).expect("a verifier");
    let challenge = CodeChallenge::from_verifier(&verifier);
    let codes = seed_codes(&database, count, challenge.as_str()).await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(load.connections)
        .build()
        .expect("an HTTP client");

    // Codes: every request redeems a fresh code; the refresh tokens are
    // kept for the rotations.
    let codes = Rc::new(RefCell::new(codes));
    let refresh_tokens = Rc::new(RefCell::new(Vec::new()));
    let mut outcome = run(load, {
        let (http, as_url, verifier) = (http.clone(), load.as_url.clone(), verifier_text.clone());
        let refresh_tokens = refresh_tokens.clone();
        move || {
            let code = codes.borrow_mut().pop();
            let (http, as_url, verifier) = (http.clone(), as_url.clone(), verifier.clone());
            let refresh_tokens = refresh_tokens.clone();
            async move {
                let code = code?;
                let tokens = redeem(&http, &as_url, &code, &verifier, None).await;
                if let Some(refresh) = tokens.refresh_token {
                    refresh_tokens.borrow_mut().push(refresh);
                }
                Some(())
            }
        }
    })
    .await;
    outcome.print("authorization_code");

    // Refresh: each request spends one refresh token and returns its
    // successor to the pile (RFC 9700 §4.14.2 rotation).
    let mut outcome = run(load, {
        let (http, as_url) = (http.clone(), load.as_url.clone());
        move || {
            let refresh = refresh_tokens.borrow_mut().pop();
            let (http, as_url) = (http.clone(), as_url.clone());
            let refresh_tokens = refresh_tokens.clone();
            async move {
                let refresh = refresh?;
                let tokens = rotate(&http, &as_url, refresh.secret()).await;
                let next = tokens.refresh_token.expect("a rotated refresh token");
                refresh_tokens.borrow_mut().push(next);
                Some(())
            }
        }
    })
    .await;
    outcome.print("refresh_token");
}

/// Inserts `count` codes for hamza and strava, valid for ten minutes.
async fn seed_codes(database: &Database, count: usize, challenge: &str) -> Vec<String> {
    let user = users::find_by_username(database.pool(), USERNAME)
        .await
        .expect("the users table")
        .expect("the demo user hamza (start the server with --demo)");
    let now = service_kit::clock::now();
    let grant = CodeGrant {
        client_id: CLIENT_ID.to_owned(),
        user_id: user.id,
        username: user.username,
        redirect_uri: REDIRECT_URI.to_owned(),
        scope: SCOPE.parse().expect("the demo scope"),
        code_challenge: Some(CodeChallenge::parse(challenge).expect("an S256 challenge")),
        audience: Audience::new(vec![RESOURCE_ID.to_owned()]),
        expires_at: now + 600,
        used_at: None,
        nonce: None,
        auth_time: None,
        dpop_jkt: None,
    };
    let started = Instant::now();
    // Sixteen inserts in flight: on Postgres each one waits for its commit.
    let tasks: Vec<_> = (0..16)
        .map(|task| {
            let (pool, grant) = (database.pool().clone(), grant.clone());
            actix_rt::spawn(async move {
                let mut plain = Vec::new();
                for _ in (task..count).step_by(16) {
                    let code = AuthorizationCode::generate();
                    codes::insert(&pool, &code.hash(), &grant, now)
                        .await
                        .expect("a code");
                    plain.push(code.secret().to_owned());
                }
                plain
            })
        })
        .collect();
    let mut plain = Vec::with_capacity(count);
    for task in tasks {
        plain.extend(task.await.expect("a seeding task"));
    }
    eprintln!(
        "seeded {count} codes in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    plain
}

/// POST /token, `refresh_token` grant (RFC 6749 §6).
async fn rotate(http: &reqwest::Client, as_url: &str, refresh: &str) -> TokenResponse {
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    token_request(http, as_url, &form, None).await
}

/// Runs `connections` loops of `request` until the time is up or a
/// request has nothing left to do (`None`).
async fn run<F, Fut>(load: &Load, request: F) -> Outcome
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Option<()>> + 'static,
{
    let request = Rc::new(request);
    let started = Instant::now();
    let deadline = started + load.duration;
    let workers: Vec<_> = (0..load.connections)
        .map(|_| {
            let request = request.clone();
            actix_rt::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    if request().await.is_none() {
                        break;
                    }
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.expect("a worker"));
    }
    Outcome {
        requests: latencies.len(),
        elapsed: started.elapsed(),
        latencies,
    }
}
