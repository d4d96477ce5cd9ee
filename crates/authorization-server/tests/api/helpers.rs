//! Shared arrangements: a server per test and per backend, and the
//! requests the tests send.

use authorization_server::testing::{
    self, browser, hidden_input, location, ClientKind, Flow, NewClient, TestAuthorizationServer,
};
use authorization_server::{AccessTokenFormat, Config};
use oauth_types::pkce::{CodeChallenge, CodeVerifier};
use oauth_types::secret::generate_credential;
use oauth_types::token_response::TokenResponse;

/// One server per configured backend (SQLite always, Postgres with
/// TEST_POSTGRES_URL).
pub async fn spawn_apps() -> Vec<TestAuthorizationServer> {
    spawn_apps_with(|_| {}).await
}

/// One server per backend, with a config adjusted by `adjust`.
pub async fn spawn_apps_with(adjust: impl Fn(&mut Config)) -> Vec<TestAuthorizationServer> {
    service_kit::testing::spawn_on_every_backend(|url| {
        let mut config = Config::for_test(&url);
        adjust(&mut config);
        testing::spawn_with(config)
    })
    .await
}

/// One server per backend whose access tokens are JWTs (RFC 9068).
pub async fn spawn_jwt_apps() -> Vec<TestAuthorizationServer> {
    spawn_apps_with(|config| config.access_token_format = AccessTokenFormat::Jwt).await
}

/// A server on SQLite only, for tests that do not depend on the store.
pub async fn spawn_app() -> TestAuthorizationServer {
    testing::spawn(&service_kit::testing::sqlite_url()).await
}

/// A server on SQLite, and the tokens of one demo flow on it.
pub async fn spawn_app_with_demo_tokens() -> (TestAuthorizationServer, TokenResponse) {
    let app = spawn_app().await;
    let tokens = app.obtain_tokens(&Flow::demo()).await;
    (app, tokens)
}

/// The demo client's credentials (id, secret), for HTTP Basic.
pub const STRAVA: (&str, &str) = ("strava", "strava-secret");

/// The demo resource server's credentials (id, secret), for HTTP Basic.
pub const DEMO_RESOURCE_SERVER: (&str, &str) =
    ("protected-resource-1", "protected-resource-secret-1");

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
    get_with_query(app, client, "/authorize", params).await
}

/// GET `path` with `params` as its query, with `client`.
pub async fn get_with_query<Params: serde::Serialize + ?Sized>(
    app: &TestAuthorizationServer,
    client: &reqwest::Client,
    path: &str,
    params: &Params,
) -> reqwest::Response {
    client
        .get(format!("{}{path}", app.url))
        .query(params)
        .send()
        .await
        .unwrap()
}

/// GET /authorize with the demo parameters, `name` replaced by `value`
/// (or removed), from a fresh browser.
pub async fn authorize_with(
    app: &TestAuthorizationServer,
    name: &str,
    value: Option<&str>,
) -> reqwest::Response {
    let (_, challenge) = pkce_pair();
    let params = with(&demo_authorize_params(&challenge), name, value);
    authorize(app, &browser(), &params).await
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

/// Asserts that `response` sends the browser back to the demo client's
/// redirect URI with `error` (RFC 6749 §4.1.2.1), the request's `state`,
/// the issuer (RFC 9207 `iss`) and no code.
pub fn assert_error_sent_back(
    app: &TestAuthorizationServer,
    response: &reqwest::Response,
    error: &str,
    state: &str,
) {
    assert_eq!(response.status(), 303);
    let to = location(response).unwrap_or_default();
    assert!(to.starts_with("http://localhost:9000/callback?"), "{to}");
    let params = redirect_params(response);
    assert_eq!(params["error"], error);
    assert_eq!(params["state"], state);
    assert_eq!(params["iss"], app.url);
    assert!(!params.contains_key("code"), "{params:?}");
}

/// Asserts that `response` has `status` and keeps the browser here: no
/// `Location` to follow (RFC 6749 §4.1.2.1 when the redirect URI is not
/// trusted).
pub fn assert_no_redirect(response: &reqwest::Response, status: u16) {
    assert_eq!(response.status(), status);
    assert!(location(response).is_none());
}

/// GET `url` with `browser`; the text of the page.
pub async fn page_text(browser: &reqwest::Client, url: String) -> String {
    browser.get(url).send().await.unwrap().text().await.unwrap()
}

/// POST `form` to `url` with `browser`.
pub async fn post_form<F: serde::Serialize + ?Sized>(
    browser: &reqwest::Client,
    url: String,
    form: &F,
) -> reqwest::Response {
    browser.post(url).form(form).send().await.unwrap()
}

/// The secret of the refresh token in `tokens`.
pub fn refresh_secret(tokens: &TokenResponse) -> &str {
    tokens
        .refresh_token
        .as_ref()
        .map(|token| token.secret())
        .unwrap()
}

/// A signed-in browser for `username`, and the page it landed on.
pub async fn signed_in_browser(
    app: &TestAuthorizationServer,
    username: &str,
    password: &str,
) -> reqwest::Client {
    let browser = browser();
    let page = page_text(&browser, format!("{}/login", app.url)).await;
    let csrf = hidden_input(&page, "csrf_token").unwrap();
    let response = post_form(
        &browser,
        format!("{}/login", app.url),
        &[
            ("username", username),
            ("password", password),
            ("csrf_token", csrf.as_str()),
        ],
    )
    .await;
    assert_eq!(response.status(), 303, "login of {username}");
    browser
}

/// POST `/logout` with `browser`, confirming with the page's `csrf` token.
pub async fn log_out(
    app: &TestAuthorizationServer,
    browser: &reqwest::Client,
    csrf: &str,
) -> reqwest::Response {
    post_form(
        browser,
        format!("{}/logout", app.url),
        &[("csrf_token", csrf)],
    )
    .await
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
    app.introspect_as("protected-resource-1", "protected-resource-secret-1", token)
        .await
}

/// POST `/revoke` (RFC 7009 §2.1) of `token`, authenticated as `client`
/// (id, secret) with HTTP Basic.
pub async fn revoke_as(
    app: &TestAuthorizationServer,
    client: (&str, &str),
    token: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/revoke", app.url))
        .basic_auth(client.0, Some(client.1))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
}

/// The RFC 8414 metadata document, as JSON.
pub async fn authorization_server_metadata(app: &TestAuthorizationServer) -> serde_json::Value {
    reqwest::get(format!(
        "{}/.well-known/oauth-authorization-server",
        app.url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap()
}

/// Asserts that each metadata member names the endpoint at its path under
/// `issuer` (RFC 8414 §2, Discovery 1.0 §3).
pub fn assert_endpoints(document: &serde_json::Value, issuer: &str, endpoints: &[(&str, &str)]) {
    for (member, path) in endpoints {
        assert_eq!(document[member], format!("{issuer}{path}"), "{member}");
    }
}

/// Asserts the value of each metadata member.
pub fn assert_members(document: &serde_json::Value, members: &[(&str, serde_json::Value)]) {
    for (member, value) in members {
        assert_eq!(&document[member], value, "{member}");
    }
}

/// GET `path` from a fresh browser, redirects not followed.
pub async fn get_in_new_browser(app: &TestAuthorizationServer, path: &str) -> reqwest::Response {
    browser()
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap()
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

/// The status and the RFC 6749 §5.2 `error` code of an answer.
pub fn error_of(status: u16, body: &serde_json::Value) -> (u16, Option<&str>) {
    (status, body["error"].as_str())
}

/// Asserts a refusal: `status` with the RFC 6749 §5.2 `error` (or the
/// RFC 6750 §3.1 / RFC 9449 §7.1 one at `/userinfo`).
pub fn assert_refused(
    (status, body): &(u16, serde_json::Value),
    (expected_status, error): (u16, &str),
) {
    assert_eq!(
        error_of(*status, body),
        (expected_status, Some(error)),
        "{body}"
    );
}

/// The `kid` in a JWT's header.
pub fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

/// The `kid` of the key that signs now: that of a fresh demo token.
pub async fn signing_kid(app: &TestAuthorizationServer) -> String {
    kid_of(app.obtain_tokens(&Flow::demo()).await.access_token.secret())
}

/// A test config whose access tokens are JWTs (RFC 9068).
pub fn jwt_config(database_url: &str) -> Config {
    let mut config = Config::for_test(database_url);
    config.access_token_format = AccessTokenFormat::Jwt;
    config
}

/// The access token of a fresh demo flow.
pub async fn demo_access_token(app: &TestAuthorizationServer) -> String {
    app.obtain_access_token(&Flow::demo()).await
}

/// A refresh token request by `strava` with its secret.
pub async fn refresh_as_strava(app: &TestAuthorizationServer, token: &str) -> reqwest::Response {
    app.token_request(
        "strava",
        Some("strava-secret"),
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
    )
    .await
}

/// Registers `client_id` as in [`client_credentials_client`] and asks for
/// a token with its credentials (RFC 6749 §4.4).
pub async fn client_credentials_grant(
    app: &TestAuthorizationServer,
    client_id: &str,
    secret: &str,
) -> reqwest::Response {
    app.register_client(client_credentials_client(client_id, secret))
        .await;
    app.token_request(
        client_id,
        Some(secret),
        &[("grant_type", "client_credentials")],
    )
    .await
}

/// A confidential client registered only for client_credentials and `post`,
/// for the demo resource.
pub fn client_credentials_client(client_id: &str, secret: &str) -> NewClient {
    NewClient {
        client_id: client_id.into(),
        kind: ClientKind::Confidential,
        secret: Some(secret.into()),
        redirect_uris: vec![],
        scopes: oauth_types::ScopeSet::parse("post").unwrap(),
        grant_types: vec![oauth_types::GrantType::ClientCredentials],
        resource_id: None,
        default_resource: Some("http://localhost:9002".to_owned()),
    }
}

/// Runs `twins` copies of `request` at once and collects their answers:
/// a race for a single-use value (rule 32).
pub async fn simultaneously<F, Fut>(twins: usize, request: F) -> Vec<(u16, serde_json::Value)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = (u16, serde_json::Value)> + 'static,
{
    let running: Vec<_> = (0..twins).map(|_| actix_rt::spawn(request())).collect();
    let mut answers = Vec::new();
    for twin in running {
        answers.push(twin.await.unwrap());
    }
    answers
}

/// A plain (not pushed) authorization request of `client_id` with PKCE
/// `S256` from a fresh browser; where the server sends the browser.
pub async fn authorize_without_pushing(
    app: &TestAuthorizationServer,
    client_id: &str,
    redirect_uri: &str,
) -> String {
    let (_, challenge) = pkce_pair();
    let params = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let response = get_with_query(app, &browser(), "/authorize", &params).await;
    location(&response).unwrap_or_default()
}
