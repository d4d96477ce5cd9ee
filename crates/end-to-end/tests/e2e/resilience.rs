//! Reliability: the ecosystem keeps its promises when the network, a
//! neighbour or the database misbehaves, and under load.
//!
//! - [`https`]: the three roles over HTTPS with a test certificate
//!   authority; back channels that do not trust it fail closed.
//! - [`authorization_server_faults`]: the resource under load while its
//!   authorization server is down, slow or answering garbage.
//! - [`authorization_server_restart`]: the real authorization server
//!   stopped and started again; the client and the resource say so, then
//!   carry on without anyone reconnecting.
//! - [`postgres_restart`]: Postgres restarted under load at the resource,
//!   and under all three roles at once.
//! - [`sqlite_writers`]: many concurrent writers on SQLite.
//! - [`many_users`]: many people walking the whole flow at once.
//!
//! Every load here is bounded in time and count, and loopback only.

mod authorization_server_faults;
mod authorization_server_restart;
mod https;
mod many_users;
mod postgres_restart;
mod sqlite_writers;

use std::time::{Duration, Instant};

/// The answer to one request of a load: its status and body, or the
/// transport error that stood in for an answer.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Option<u16>,
    pub body: String,
    /// The message the request posted.
    pub message: String,
}

/// Runs `concurrency` loops of requests for `duration`: each loop sends
/// `request(message)` with a fresh unique message, again and again, and
/// records what came back.
pub async fn hammer<F, Fut>(concurrency: usize, duration: Duration, request: F) -> Vec<Outcome>
where
    F: Fn(String) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = Result<reqwest::Response, reqwest::Error>> + 'static,
{
    let deadline = Instant::now() + duration;
    let loops: Vec<_> = (0..concurrency)
        .map(|worker| {
            let request = request.clone();
            actix_rt::spawn(async move {
                let mut outcomes = Vec::new();
                let mut n = 0;
                while Instant::now() < deadline {
                    let message = format!("load {worker}-{n} {}", uuid::Uuid::new_v4());
                    n += 1;
                    let outcome = match request(message.clone()).await {
                        Ok(response) => Outcome {
                            status: Some(response.status().as_u16()),
                            body: response.text().await.unwrap_or_default(),
                            message,
                        },
                        Err(err) => Outcome {
                            status: None,
                            body: err.to_string(),
                            message,
                        },
                    };
                    outcomes.push(outcome);
                }
                outcomes
            })
        })
        .collect();
    let mut all = Vec::new();
    for handle in loops {
        all.extend(handle.await.unwrap());
    }
    all
}

/// How many outcomes had each status (`None`: no answer at all).
pub fn tally(outcomes: &[Outcome]) -> std::collections::BTreeMap<Option<u16>, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for outcome in outcomes {
        *counts.entry(outcome.status).or_insert(0) += 1;
    }
    counts
}

/// Asserts that every request of `outcomes` was answered 201: the phase
/// (`phase` names it in the failure) went as if nothing had ever failed.
pub fn assert_all_created(phase: &str, outcomes: &[Outcome]) {
    let counts = tally(outcomes);
    assert_eq!(
        counts.keys().copied().collect::<Vec<_>>(),
        [Some(201)],
        "{phase}: every post is created: {counts:?}"
    );
}

/// A load-test HTTP client: a bounded wait per request (a hang fails the
/// test instead of stalling it), a pool big enough for the load.
pub fn load_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The resource alone, validating tokens at `introspection_url` with the
/// cache off (every request asks), on `database_url`.
pub async fn start_resource(
    introspection_url: &str,
    database_url: &str,
    introspection_timeout_ms: u64,
) -> (String, actix_web::dev::ServerHandle) {
    // Introspection only: the issuer is not asked (the binary's default).
    let mut config = protected_resource::testing::config(database_url, "http://localhost:9001");
    config.introspection_url = introspection_url.to_owned();
    config.introspection_timeout_ms = introspection_timeout_ms;
    let resource = protected_resource::testing::spawn_with(config).await;
    (resource.url, resource.handle)
}

/// POSTs `message` to the resource's `/api/posts` with `token`.
pub fn post_message(
    http: &reqwest::Client,
    resource_url: &str,
    token: &str,
    message: &str,
) -> impl std::future::Future<Output = Result<reqwest::Response, reqwest::Error>> {
    http.post(format!("{resource_url}/api/posts"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "message": message }))
        .send()
}

/// The load of the resilience tests: `concurrency` posters creating posts
/// at the resource for `duration`, each with a token the resource must
/// check with its authorization server.
pub async fn post_load(
    http: reqwest::Client,
    resource_url: String,
    concurrency: usize,
    duration: Duration,
) -> Vec<Outcome> {
    hammer(concurrency, duration, move |message| {
        post_message(&http, &resource_url, "any-token", &message)
    })
    .await
}

/// The resource's posts table: (id, message) of every row.
pub async fn stored_posts(database_url: &str) -> Vec<(i64, String)> {
    use sqlx::Row;
    let database = service_kit::Database::connect(database_url).await.unwrap();
    let rows = sqlx::query("SELECT id, message FROM posts ORDER BY id")
        .fetch_all(database.pool())
        .await
        .unwrap();
    rows.iter()
        .map(|row| (row.get::<i64, _>(0), row.get::<String, _>(1)))
        .collect()
}

/// Asserts that every post answered 201 is stored exactly once, under the
/// id the answer gave, and returns how many there were.
pub fn assert_every_created_post_stored_once(
    outcomes: &[Outcome],
    stored: &[(i64, String)],
) -> usize {
    let mut created = 0;
    for outcome in outcomes.iter().filter(|o| o.status == Some(201)) {
        created += 1;
        let answered: serde_json::Value = serde_json::from_str(&outcome.body).unwrap();
        let id = answered["id"].as_i64().unwrap();
        let copies: Vec<_> = stored
            .iter()
            .filter(|(_, message)| *message == outcome.message)
            .collect();
        assert_eq!(
            copies.len(),
            1,
            "a 201'd post is stored exactly once: {:?}",
            outcome.message
        );
        assert_eq!(copies[0].0, id, "under the id its answer gave");
    }
    created
}
