//! Shared arrangements: a server per test and per backend, and the
//! requests the tests send.

use authorization_server::testing::{
    self, browser, hidden_input, location, Flow, TestAuthorizationServer,
};
use authorization_server::Config;
use oauth_types::pkce::{CodeChallenge, CodeVerifier};
use oauth_types::secret::generate_credential;

/// One server per configured backend (SQLite always, Postgres with
/// TEST_POSTGRES_URL).
pub async fn spawn_apps() -> Vec<TestAuthorizationServer> {
    let mut apps = Vec::new();
    for url in service_kit::testing::test_database_urls().await {
        apps.push(testing::spawn(&url).await);
    }
    apps
}

/// One server per backend, with a config adjusted by `adjust`.
pub async fn spawn_apps_with(adjust: impl Fn(&mut Config)) -> Vec<TestAuthorizationServer> {
    let mut apps = Vec::new();
    for url in service_kit::testing::test_database_urls().await {
        let mut config = Config::for_test(&url);
        adjust(&mut config);
        apps.push(testing::spawn_with(config).await);
    }
    apps
}

/// A server on SQLite only, for tests that do not depend on the store.
pub async fn spawn_app() -> TestAuthorizationServer {
    testing::spawn(&service_kit::testing::sqlite_url()).await
}

/// A PKCE pair: (verifier, S256 challenge).
pub fn pkce_pair() -> (String, String) {
    let verifier = generate_credential();
    let challenge = CodeChallenge::from_verifier(&CodeVerifier::parse(&verifier).unwrap())
        .as_str()
        .to_owned();
    (verifier, challenge)
}

/// A valid authorization request of `strava` for `profile post`.
pub fn demo_authorize_params(challenge: &str) -> Vec<(String, String)> {
    [
        ("response_type", "code"),
        ("client_id", "strava"),
        ("redirect_uri", "http://localhost:9000/callback"),
        ("scope", "profile post"),
        ("state", "xyz-state"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect()
}

/// Replaces (or, with `None`, removes) a parameter.
pub fn with(params: &[(String, String)], name: &str, value: Option<&str>) -> Vec<(String, String)> {
    let mut params: Vec<_> = params.iter().filter(|(n, _)| n != name).cloned().collect();
    if let Some(value) = value {
        params.push((name.to_owned(), value.to_owned()));
    }
    params
}

/// GET /authorize with `params`, redirects not followed.
pub async fn authorize(
    app: &TestAuthorizationServer,
    client: &reqwest::Client,
    params: &[(String, String)],
) -> reqwest::Response {
    client
        .get(format!("{}/authorize", app.url))
        .query(params)
        .send()
        .await
        .unwrap()
}

/// The query parameters of a redirect's `Location`.
pub fn redirect_params(response: &reqwest::Response) -> std::collections::HashMap<String, String> {
    let location = location(response).expect("a Location header");
    url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// A signed-in browser for `username`, and the page it landed on.
pub async fn signed_in_browser(
    app: &TestAuthorizationServer,
    username: &str,
    password: &str,
) -> reqwest::Client {
    let browser = browser();
    let page = browser
        .get(format!("{}/login", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_input(&page, "csrf_token").unwrap();
    let response = browser
        .post(format!("{}/login", app.url))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "login of {username}");
    browser
}

/// Follows our own relative redirects with `browser` until a page (200),
/// an error, or a redirect to another origin.
pub async fn follow(
    app: &TestAuthorizationServer,
    browser: &reqwest::Client,
    mut response: reqwest::Response,
) -> reqwest::Response {
    for _ in 0..6 {
        match location(&response) {
            Some(next) if next.starts_with('/') => {
                response = browser
                    .get(format!("{}{next}", app.url))
                    .send()
                    .await
                    .unwrap();
            }
            _ => return response,
        }
    }
    response
}

/// POST `/introspect` as the demo resource server; the JSON answer.
pub async fn introspect(app: &TestAuthorizationServer, token: &str) -> serde_json::Value {
    let response = reqwest::Client::new()
        .post(format!("{}/introspect", app.url))
        .basic_auth("protected-resource-1", Some("protected-resource-secret-1"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Whether the demo resource server sees `token` as active.
pub async fn is_active(app: &TestAuthorizationServer, token: &str) -> bool {
    introspect(app, token).await["active"] == true
}

/// The status and JSON body of a response.
pub async fn json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// The `kid` in a JWT's header.
pub fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

/// The `kid` of the key that signs now: that of a fresh demo token.
pub async fn signing_kid(app: &TestAuthorizationServer) -> String {
    kid_of(app.obtain_tokens(&Flow::demo()).await.access_token.secret())
}
