//! `spawn_app()` and the fake authorization server it talks to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use oauth_types::secret::AccessToken;
use protected_resource::ValidationMethod;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The client id and secret the resource is configured with in tests; the
/// secret has characters RFC 6749 §2.3.1 wants form-urlencoded.
pub const CLIENT_ID: &str = "protected-resource-1";
pub const CLIENT_SECRET: &str = "s3cret:with/special+chars é";

/// What the fake introspection endpoint answers for one token.
#[derive(Clone, Debug)]
pub enum FakeAnswer {
    /// 200 with this JSON.
    Json(Value),
    /// This status, with a JSON body that looks like an active answer.
    Status(u16),
    /// 200 with a body that is not JSON.
    Garbage,
    /// Waits this long, then answers an active token.
    Slow(Duration),
}

#[derive(Default)]
struct FakeState {
    answers: Mutex<HashMap<String, FakeAnswer>>,
    calls: AtomicUsize,
    last_authorization: Mutex<Option<String>>,
    last_form: Mutex<Vec<(String, String)>>,
}

/// An RFC 7662 endpoint (a `wiremock` mock server) that answers what the
/// test scripts and counts the calls it gets. Unknown tokens are
/// `{"active": false}`.
pub struct FakeAuthorizationServer {
    pub introspection_url: String,
    state: Arc<FakeState>,
    _server: MockServer,
}

impl FakeAuthorizationServer {
    pub async fn start() -> Self {
        let state = Arc::new(FakeState::default());
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/introspect"))
            .respond_with(Introspect(state.clone()))
            .mount(&server)
            .await;
        Self {
            introspection_url: format!("{}/introspect", server.uri()),
            state,
            _server: server,
        }
    }

    /// Scripts the answer for `token`.
    pub fn answer(&self, token: &str, answer: FakeAnswer) {
        self.state
            .answers
            .lock()
            .unwrap()
            .insert(token.to_owned(), answer);
    }

    /// A fresh token, active for an hour, for `audience`, owned by `sub`
    /// (called `username`), issued to the client `strava`.
    pub fn issue(&self, audience: &str, sub: &str, username: &str, scope: &str) -> String {
        let token = AccessToken::generate().secret().to_owned();
        self.answer(
            &token,
            FakeAnswer::Json(active_answer(audience, sub, username, scope)),
        );
        token
    }

    /// The authorization server now says the token is inactive.
    pub fn revoke(&self, token: &str) {
        self.answer(token, FakeAnswer::Json(json!({"active": false})));
    }

    /// How many introspection requests arrived.
    pub fn calls(&self) -> usize {
        self.state.calls.load(Ordering::SeqCst)
    }

    pub fn last_authorization(&self) -> Option<String> {
        self.state.last_authorization.lock().unwrap().clone()
    }

    pub fn last_form(&self) -> Vec<(String, String)> {
        self.state.last_form.lock().unwrap().clone()
    }
}

/// An RFC 7662 §2.2 active answer, expiring in an hour.
pub fn active_answer(audience: &str, sub: &str, username: &str, scope: &str) -> Value {
    json!({
        "active": true,
        "scope": scope,
        "client_id": "strava",
        "username": username,
        "token_type": "Bearer",
        "exp": service_kit::clock::now() + 3600,
        "iat": service_kit::clock::now(),
        "sub": sub,
        "aud": audience,
        "iss": "http://fake-authorization-server",
    })
}

/// The fake's `/introspect`: records the call, answers as scripted.
struct Introspect(Arc<FakeState>);

impl Respond for Introspect {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let state = &self.0;
        state.calls.fetch_add(1, Ordering::SeqCst);
        *state.last_authorization.lock().unwrap() = request
            .headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let token = form
            .iter()
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        *state.last_form.lock().unwrap() = form;
        let answer = state.answers.lock().unwrap().get(&token).cloned();
        let any_active = |scope| active_answer("any", "sub", "name", scope);
        match answer {
            None => ResponseTemplate::new(200).set_body_json(json!({"active": false})),
            Some(FakeAnswer::Json(value)) => ResponseTemplate::new(200).set_body_json(value),
            Some(FakeAnswer::Status(status)) => ResponseTemplate::new(status)
                .set_body_json(any_active("profile post personal-message")),
            Some(FakeAnswer::Garbage) => ResponseTemplate::new(200)
                .set_body_raw("<html>definitely not json", "application/json"),
            Some(FakeAnswer::Slow(delay)) => ResponseTemplate::new(200)
                .set_body_json(any_active("profile"))
                .set_delay(delay),
        }
    }
}

/// Every API route, its method and the scope it needs.
pub const ROUTES: [(&str, &str, &str); 4] = [
    ("GET", "/api/me", "profile"),
    ("GET", "/api/posts", "post"),
    ("POST", "/api/posts", "post"),
    ("POST", "/api/messages", "personal-message"),
];

/// Asserts that every one of the [`ROUTES`] refuses a token with all the
/// other scopes (made by `token_for`) as `insufficient_scope`, naming the
/// scope it needs (RFC 6750 §3.1).
pub async fn assert_every_route_names_its_missing_scope(
    app: &TestApp,
    token_for: impl Fn(&str) -> String,
) {
    let everything = "profile post personal-message";
    for (method, path, needed) in ROUTES {
        let others: Vec<&str> = everything.split(' ').filter(|s| *s != needed).collect();
        let token = token_for(&others.join(" "));

        let response = app.call(method, path, Some(&token)).await;

        let header = challenge(&response).unwrap();
        assert!(header.contains(&format!("scope=\"{needed}\"")), "{header}");
        assert_refused(app, response, 403, Some("insufficient_scope")).await;
    }
}

/// Asserts that `response`, to `method path`, was served (2xx).
pub fn assert_served(response: &reqwest::Response, method: &str, path: &str) {
    assert!(
        response.status().is_success(),
        "{method} {path}: {}",
        response.status()
    );
}

/// How to start the app under test.
pub struct Options {
    pub database_url: Option<String>,
    pub cache_ttl: u64,
    pub timeout_ms: u64,
    /// Replaces the fake's introspection URL (e.g. a closed port, or the
    /// real authorization server).
    pub introspection_url: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    pub issuer: String,
    /// `--validation`: introspection unless a test says jwt.
    pub validation: ValidationMethod,
    pub issuer_internal_url: Option<String>,
    pub jwks_cache_ttl: u64,
    pub jwks_refetch_interval: u64,
    /// `--dpop-nonce`.
    pub dpop_nonce: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            database_url: None,
            cache_ttl: 30,
            timeout_ms: 2000,
            introspection_url: None,
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            issuer: "http://fake-authorization-server".to_owned(),
            validation: ValidationMethod::Introspection,
            issuer_internal_url: None,
            jwks_cache_ttl: 300,
            jwks_refetch_interval: 10,
            dpop_nonce: false,
        }
    }
}

/// The resource under test, its fake authorization server, and an HTTP
/// client.
pub struct TestApp {
    pub address: String,
    /// The resource identifier (its own URL): the audience tokens name.
    pub resource_id: String,
    pub fake: FakeAuthorizationServer,
    pub http: reqwest::Client,
    _handle: ServerHandle,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

/// The resource, and a token for it with `scope`, owned by `username`
/// (see [`TestApp::token_for`]).
pub async fn spawn_app_with_token_of(username: &str, scope: &str) -> (TestApp, String) {
    let app = spawn_app().await;
    let token = app.token_for(username, scope);
    (app, token)
}

/// The resource with its introspection cache off: every request asks.
pub async fn spawn_app_without_cache() -> TestApp {
    spawn_app_with(Options {
        cache_ttl: 0,
        ..Options::default()
    })
    .await
}

/// One resource per backend (SQLite always, Postgres with TEST_POSTGRES_URL).
pub async fn spawn_apps() -> Vec<TestApp> {
    service_kit::testing::spawn_on_every_backend(spawn_app_on).await
}

pub async fn spawn_app_on(database_url: String) -> TestApp {
    spawn_app_with(Options {
        database_url: Some(database_url),
        ..Options::default()
    })
    .await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let fake = FakeAuthorizationServer::start().await;
    let database_url = options
        .database_url
        .unwrap_or_else(service_kit::testing::sqlite_url);
    let mut config = protected_resource::testing::config(&database_url, &options.issuer);
    config.introspection_url = options
        .introspection_url
        .unwrap_or_else(|| fake.introspection_url.clone());
    config.client_id = options.client_id;
    config.client_secret = options.client_secret;
    config.validation = options.validation;
    config.issuer_internal_url = options.issuer_internal_url;
    config.jwks_cache_ttl = options.jwks_cache_ttl;
    config.jwks_refetch_interval = options.jwks_refetch_interval;
    config.introspection_cache_ttl = options.cache_ttl;
    config.introspection_timeout_ms = options.timeout_ms;
    config.dpop_nonce = options.dpop_nonce;
    let resource = protected_resource::testing::spawn_named_by_its_url(config).await;
    let address = resource.url;
    let handle = resource.handle;
    TestApp {
        resource_id: address.clone(),
        address,
        fake,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        _handle: handle,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A token for this resource with `scope`, owned by `username`
    /// (whose sub is `sub-<username>`).
    pub fn token_for(&self, username: &str, scope: &str) -> String {
        self.fake.issue(
            &self.resource_id,
            &format!("sub-{username}"),
            username,
            scope,
        )
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Sends `request` (built on `self.http`, e.g. with [`Self::to`]).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        request.send().await.unwrap()
    }

    /// A request to `path` on the resource, with nothing attached yet.
    pub fn to(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// One of the [`ROUTES`], with `token` as a Bearer header if any, and
    /// a body that every POST route accepts.
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.to(method.clone(), path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if method == reqwest::Method::POST {
            request = request.json(&json!({"message": "hi", "to": "alice", "text": "hi"}));
        }
        self.send(request).await
    }

    /// GET `path` without any token.
    pub async fn get_anonymous(&self, path: &str) -> reqwest::Response {
        self.send(self.to(reqwest::Method::GET, path)).await
    }

    /// The page at `path`, fetched without a token.
    pub async fn page(&self, path: &str) -> String {
        self.get_anonymous(path).await.text().await.unwrap()
    }

    /// POSTs `form` (which may carry `access_token`) to `path`.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.send(self.to(reqwest::Method::POST, path).form(form))
            .await
    }

    /// POSTs `body` with `token` as a Bearer header, and `content_type`.
    pub async fn post_raw(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        body: &str,
    ) -> reqwest::Response {
        let request = self
            .to(reqwest::Method::POST, path)
            .bearer_auth(token)
            .header("Content-Type", content_type)
            .body(body.to_owned());
        self.send(request).await
    }

    /// `POST /api/messages` to `to` with `text`, as the owner of `token`.
    pub async fn send_message(&self, token: &str, to: &str, text: &str) -> reqwest::Response {
        self.post_json("/api/messages", token, &json!({"to": to, "text": text}))
            .await
    }

    /// POSTs `body` to `path` with `token`; asserts it was created and
    /// returns the created thing.
    pub async fn create(&self, path: &str, token: &str, body: &Value) -> Value {
        let response = self.post_json(path, token, body).await;
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    /// The JSON answer to a GET of `path` with `token`.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str, token: &str) -> T {
        self.get(path, token).await.json().await.unwrap()
    }

    /// Asserts `response` is the RFC 6750 `invalid_request` refusal (400).
    pub async fn assert_invalid_request(&self, response: reqwest::Response) -> Value {
        assert_refused(self, response, 400, Some("invalid_request")).await
    }

    /// Asserts `response` is the RFC 6750 `invalid_token` refusal (401).
    pub async fn assert_invalid_token(&self, response: reqwest::Response) -> Value {
        assert_refused(self, response, 401, Some("invalid_token")).await
    }

    /// An active answer about a token of alice's for `profile`, for this
    /// resource (to alter before [`Self::me_answered`]).
    pub fn alices_answer(&self) -> Value {
        active_answer(&self.resource_id, "sub-alice", "alice", "profile")
    }

    /// `GET /api/me` with `token`, which the authorization server describes
    /// with `answer`.
    pub async fn me_answered(&self, token: &str, answer: Value) -> reqwest::Response {
        self.fake.answer(token, FakeAnswer::Json(answer));
        self.get("/api/me", token).await
    }

    /// Asserts that `GET /api/me` with `token` is the RFC 6750
    /// `invalid_token` refusal (401).
    pub async fn assert_me_refuses(&self, token: &str) -> Value {
        let response = self.get("/api/me", token).await;
        self.assert_invalid_token(response).await
    }

    /// The status of `GET /api/me` with `token`.
    pub async fn me_status(&self, token: &str) -> u16 {
        self.get("/api/me", token).await.status().as_u16()
    }

    /// Makes `username` known to the resource by using a token once.
    pub async fn introduce(&self, username: &str) {
        let token = self.token_for(username, "profile");
        assert_eq!(self.get("/api/me", &token).await.status(), 200);
    }

    /// The RFC 9728 metadata URL every challenge must point at.
    pub fn metadata_url(&self) -> String {
        self.url("/.well-known/oauth-protected-resource")
    }

    /// The JSON document at `url`, fetched without a token (the resource's
    /// RFC 9728 metadata, wherever a challenge says it is).
    pub async fn fetch_json(&self, url: &str) -> Value {
        let response = self.http.get(url).send().await.unwrap();
        response.json().await.unwrap()
    }
}

/// `object` without its `member`: an introspection answer or a claims set
/// that leaves out one member the resource relies on.
pub fn without(mut object: Value, member: &str) -> Value {
    object.as_object_mut().unwrap().remove(member);
    object
}

/// The `WWW-Authenticate` header of `response`, if any.
pub fn challenge(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().unwrap().to_owned())
}

/// Asserts a refusal: the status, the RFC 6750 challenge with the realm,
/// `error` (or none), the RFC 9728 `resource_metadata`, and the JSON body.
pub async fn assert_refused(
    app: &TestApp,
    response: reqwest::Response,
    status: u16,
    error: Option<&str>,
) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let challenge = challenge(&response).expect("a WWW-Authenticate challenge");
    assert!(challenge.starts_with("Bearer realm=\""), "{challenge}");
    match error {
        Some(error) => assert!(
            challenge.contains(&format!("error=\"{error}\"")),
            "{challenge}"
        ),
        None => assert!(!challenge.contains("error="), "{challenge}"),
    }
    assert!(
        challenge.contains(&format!("resource_metadata=\"{}\"", app.metadata_url())),
        "{challenge}"
    );
    let body: Value = response.json().await.expect("a JSON body");
    assert!(body["error_description"].is_string(), "{body}");
    match error {
        Some(error) => assert_eq!(body["error"], error),
        // RFC 6750 §3.1: no error information without authentication.
        None => assert!(body.get("error").is_none(), "{body}"),
    }
    body
}

/// Asserts that the request `build` makes with a token for `scope` is
/// refused as an `invalid_request`; returns the app to check more.
pub async fn assert_invalid_request_with_token(
    scope: &str,
    build: impl FnOnce(&TestApp, &str) -> reqwest::RequestBuilder,
) -> TestApp {
    let app = spawn_app().await;
    let token = app.token_for("alice", scope);

    let response = app.send(build(&app, &token)).await;

    app.assert_invalid_request(response).await;
    app
}

/// Asserts the resource refused to serve because it could not ask.
pub async fn assert_unavailable(response: reqwest::Response) {
    assert_eq!(response.status().as_u16(), 503);
    assert!(challenge(&response).is_none(), "no WWW-Authenticate on 503");
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some(service_kit::http::RETRY_AFTER_SECONDS.to_string().as_str()),
        "a 503 says when to come back"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
}
