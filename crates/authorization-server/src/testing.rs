//! The real authorization server in-process, for integration tests of this
//! crate and of the other roles (feature `testing`).
//!
//! ```no_run
//! use authorization_server::testing::{self, Flow};
//!
//! # async fn example() {
//! let server = testing::spawn(&service_kit::testing::sqlite_url()).await;
//! // server.url is also its issuer; the contract's demo data is seeded:
//! // users hamza/alice, clients strava, strava-mobile, protected-resource-1
//! // (resource identifier http://localhost:9002).
//! let tokens = server.obtain_tokens(&Flow::demo()).await;
//! // tokens.access_token is active for the audience http://localhost:9002.
//! # }
//! ```
//!
//! - [`spawn`] starts it on 127.0.0.1:0 with the given (fresh) database,
//!   `--demo` data seeded, issuer = its own URL. [`spawn_with`] takes a
//!   [`Config`] of your own (the issuer is still set to the URL).
//! - [`TestAuthorizationServer::register_client`] registers any client;
//!   [`TestAuthorizationServer::register_protected_resource`] a resource
//!   server that may introspect (e.g. your resource on its real port).
//! - [`TestAuthorizationServer::obtain_tokens`] drives the real front
//!   channel (authorize, login, consent, redirect with `state` and `iss`
//!   checked) and the token endpoint, as a browser and a client would.
//! - [`TestAuthorizationServer::advance_clock`] moves the server's clock
//!   forward (expire codes and tokens without sleeping).
//! - [`TestAuthorizationServer::rotate_signing_key`] rotates the JWT
//!   signing key (with `--access-token-format jwt`).
//! - Signing keys are sealed under a key-encryption key: `Config::for_test`
//!   names [`key_encryption_key_file`] of the database (made on first use),
//!   and [`spawn_with`] uses it when a config names none, so instances
//!   sharing a database (or restarted on it) share it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::dev::ServerHandle;
use oauth_types::pkce::{CodeChallenge, CodeVerifier};
use oauth_types::secret::generate_credential;
use oauth_types::token_response::TokenResponse;
use service_kit::server::Listener;
use service_kit::{Database, ServeArgs};

use crate::config::Config;
pub use crate::store::clients::{ClientKind, NewClient};
use service_kit::clock::Clock;

/// A running authorization server.
pub struct TestAuthorizationServer {
    /// `http://127.0.0.1:PORT`, also its issuer.
    pub url: String,
    pub database_url: String,
    /// The server's clock (shared): see [`Self::advance_clock`].
    pub clock: Clock,
    pub handle: ServerHandle,
    /// The `--key-encryption-key-file` it runs with (pass it to admin
    /// commands such as `key rotate` on the same database).
    pub key_encryption_key_file: std::path::PathBuf,
    database: Database,
    access_token_ttl: i64,
    signing_alg: crate::jwt::SigningAlgorithm,
}

/// A key-encryption key file for tests on `database_url`, in the temporary
/// directory, created on first use: the same file for the same database.
pub fn key_encryption_key_file(database_url: &str) -> std::path::PathBuf {
    let path = crate::config::test_key_encryption_key_file(database_url);
    crate::jwt::key_encryption::KeyEncryptionKey::read(&path)
        .expect("a key-encryption key file for the tests");
    path
}

/// Starts the server with the demo data on `database_url`.
pub async fn spawn(database_url: &str) -> TestAuthorizationServer {
    spawn_with(Config::for_test(database_url)).await
}

/// Starts the server with `config` (its issuer becomes the server's URL).
pub async fn spawn_with(mut config: Config) -> TestAuthorizationServer {
    config.serve = ServeArgs {
        addr: "127.0.0.1:0".to_owned(),
        ..config.serve
    };
    let listener = Listener::bind(&config.serve).expect("bind 127.0.0.1:0");
    let url = listener.url().expect("listener URL");
    config.issuer.clone_from(&url);
    let database_url = config.serve.database_url.clone();
    let key_encryption_key_file = config
        .key_encryption_key_file
        .get_or_insert_with(|| key_encryption_key_file(&database_url))
        .clone();
    let clock = config.clock.clone();
    let access_token_ttl = config.access_token_ttl;
    let signing_alg = config.signing_alg;
    let running = crate::build_on(config, listener)
        .await
        .expect("the authorization server starts");
    let (url, handle) = running.spawn();
    let database = Database::connect(&database_url)
        .await
        .expect("the test database opens");
    TestAuthorizationServer {
        url,
        database_url,
        clock,
        handle,
        key_encryption_key_file,
        database,
        access_token_ttl,
        signing_alg,
    }
}

/// One run of the authorization code flow.
#[derive(Debug, Clone)]
pub struct Flow<'a> {
    pub client_id: &'a str,
    /// `Some` for a confidential client (sent with HTTP Basic), `None` for a
    /// public one.
    pub client_secret: Option<&'a str>,
    pub redirect_uri: &'a str,
    /// Space-separated scopes requested.
    pub scope: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    /// Scopes the user leaves checked on the consent page; `None`: as requested.
    pub approve: Option<&'a str>,
    /// RFC 8707 `resource`, if any.
    pub resource: Option<&'a str>,
    /// Whether the client pushes its request to `/par` first (RFC 9126).
    pub pushed: bool,
    /// A DPoP proof sent with the push (RFC 9449 §10.1), if any.
    pub push_proof: Option<&'a str>,
}

impl Flow<'static> {
    /// `strava` for `hamza`, asking `profile post`.
    pub fn demo() -> Self {
        Self {
            client_id: "strava",
            client_secret: Some("strava-secret"),
            redirect_uri: "http://localhost:9000/callback",
            scope: "profile post",
            username: "hamza",
            password: "hamza-password",
            approve: None,
            resource: None,
            pushed: false,
            push_proof: None,
        }
    }
}

/// A code as the client's callback receives it.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub code: String,
    pub code_verifier: String,
}

impl TestAuthorizationServer {
    /// Registers a client (secret hashed as in production).
    pub async fn register_client(&self, client: NewClient) {
        let added = crate::store::clients::insert(self.database.pool(), &client, self.clock.now())
            .await
            .expect("register the client");
        assert!(added, "client {} already exists", client.client_id);
    }

    /// Registers a client that authenticates with `private_key_jwt` (RFC
    /// 7523) by a key of `jwks`; it has no secret.
    pub async fn register_private_key_jwt_client(
        &self,
        client: NewClient,
        jwks: &oauth_types::client_assertion::ClientJwkSet,
    ) {
        let client_id = client.client_id.clone();
        self.register_client(NewClient {
            secret: None,
            ..client
        })
        .await;
        let method = oauth_types::TokenEndpointAuthMethod::PrivateKeyJwt;
        crate::store::clients::set_auth_method(
            self.database.pool(),
            &client_id,
            method,
            Some(jwks),
        )
        .await
        .expect("register the client's keys");
    }

    /// Registers a protected resource that may call `/introspect`.
    pub async fn register_protected_resource(
        &self,
        client_id: &str,
        client_secret: &str,
        resource_id: &str,
    ) {
        self.register_client(NewClient::protected_resource(
            client_id,
            client_secret,
            resource_id,
        ))
        .await;
    }

    /// Adds a user (argon2id, as in production).
    pub async fn add_user(&self, username: &str, password: &str) {
        let hash = crate::passwords::hash(password).expect("hash");
        crate::store::users::insert(self.database.pool(), username, &hash, self.clock.now())
            .await
            .expect("add the user");
    }

    /// `registration-token` in-process at the server's clock: a new
    /// initial access token (RFC 7591 §3) valid for `expires_in` seconds.
    pub async fn registration_token(&self, expires_in: i64) -> String {
        let mut config = Config::for_test(&self.database_url);
        config.clock = self.clock.clone();
        let command = crate::config::AdminCommand::RegistrationToken {
            expires_in,
            database: crate::config::AdminDatabase {
                database_url: Some(self.database_url.clone()),
            },
        };
        crate::admin::execute(command, &config)
            .await
            .expect("an initial access token")
            .trim()
            .to_owned()
    }

    /// Moves the server's clock forward.
    pub fn advance_clock(&self, seconds: i64) {
        self.clock.advance(seconds);
    }

    /// `key rotate` in-process (with `--access-token-format jwt`): adds a
    /// new `--signing-alg` key at the server's clock, then moves the clock forward by
    /// [`crate::jwt::ACTIVATION_DELAY_SECONDS`] (30 s) so that the next token
    /// is signed with it. Both keys are then in the JWK Set; the old one
    /// until `publish_until` (advance the clock past it to see it go).
    pub async fn rotate_signing_key(&self) -> crate::jwt::Rotation {
        let now = self.clock.now();
        let kek = self.key_encryption_key();
        let pool = self.database.pool();
        crate::jwt::ensure_key(pool, &kek, self.signing_alg, now)
            .await
            .expect("the first key is stored");
        let rotation = crate::jwt::rotate(pool, &kek, self.signing_alg, now, self.access_token_ttl)
            .await
            .expect("the key rotates");
        self.advance_clock(crate::jwt::ACTIVATION_DELAY_SECONDS);
        rotation
    }

    /// The key-encryption key the server runs with.
    pub fn key_encryption_key(&self) -> crate::jwt::key_encryption::KeyEncryptionKey {
        crate::jwt::key_encryption::KeyEncryptionKey::read(&self.key_encryption_key_file)
            .expect("the key-encryption key file")
    }

    /// The database the server uses.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The whole flow: a code through the front channel, then `/token`.
    pub async fn obtain_tokens(&self, flow: &Flow<'_>) -> TokenResponse {
        let issued = self.obtain_code(flow).await;
        let response = self.exchange_code(flow, &issued).await;
        let status = response.status();
        let body = response.text().await.expect("token response body");
        assert_eq!(status, 200, "the token endpoint refused: {body}");
        serde_json::from_str(&body).expect("a token response")
    }

    /// The access token of [`Self::obtain_tokens`], as sent on the wire.
    pub async fn obtain_access_token(&self, flow: &Flow<'_>) -> String {
        let tokens = self.obtain_tokens(flow).await;
        tokens.access_token.secret().to_owned()
    }

    /// Drives `/authorize`, login and consent with a fresh browser; returns
    /// the code from the redirect (after checking `state` and `iss`).
    pub async fn obtain_code(&self, flow: &Flow<'_>) -> IssuedCode {
        let browser = browser();
        self.obtain_code_with(&browser, flow).await
    }

    /// [`Self::obtain_code`] with a browser of yours (its cookies persist).
    pub async fn obtain_code_with(&self, browser: &reqwest::Client, flow: &Flow<'_>) -> IssuedCode {
        self.obtain_code_asking(browser, flow, &[]).await
    }

    /// [`Self::obtain_code_with`], the authorization request carrying the
    /// `extra` parameters too (e.g. RFC 9449 `dpop_jkt`).
    pub async fn obtain_code_asking(
        &self,
        browser: &reqwest::Client,
        flow: &Flow<'_>,
        extra: &[(&str, &str)],
    ) -> IssuedCode {
        let code_verifier = generate_credential();
        let verifier = CodeVerifier::parse(&code_verifier).expect("verifier");
        let challenge = CodeChallenge::from_verifier(&verifier);
        let state = generate_credential();
        let mut query = vec![
            ("response_type", "code"),
            ("client_id", flow.client_id),
            ("redirect_uri", flow.redirect_uri),
            ("scope", flow.scope),
            ("state", state.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        if let Some(resource) = flow.resource {
            query.push(("resource", resource));
        }
        query.extend_from_slice(extra);
        let response = if flow.pushed {
            self.authorize_pushed(browser, flow, &query).await
        } else {
            browser
                .get(format!("{}/authorize", self.url))
                .query(&query)
                .send()
                .await
                .expect("GET /authorize")
        };
        let code = self.follow_to_code(browser, flow, response, &state).await;
        IssuedCode {
            code,
            code_verifier,
        }
    }

    /// RFC 9126: pushes `query` to `/par` as the flow's client, then sends
    /// the browser to `/authorize` with the `request_uri` only.
    async fn authorize_pushed(
        &self,
        browser: &reqwest::Client,
        flow: &Flow<'_>,
        query: &[(&str, &str)],
    ) -> reqwest::Response {
        // `client_request` names the client itself (in the body for a
        // public one): the request's `client_id` is not sent twice.
        let query: Vec<(&str, &str)> = query
            .iter()
            .filter(|(name, _)| *name != "client_id")
            .copied()
            .collect();
        let pushed = self
            .client_request(
                "/par",
                flow.client_id,
                flow.client_secret,
                &query,
                flow.push_proof,
            )
            .await;
        let status = pushed.status();
        let answer: serde_json::Value = pushed.json().await.expect("a PAR answer");
        assert_eq!(status, 201, "the push was refused: {answer}");
        let request_uri = answer["request_uri"].as_str().expect("a request_uri");
        browser
            .get(format!("{}/authorize", self.url))
            .query(&[("client_id", flow.client_id), ("request_uri", request_uri)])
            .send()
            .await
            .expect("GET /authorize")
    }

    /// Follows `response` through login and consent to the redirect URI;
    /// the code there (after checking `state` and `iss`).
    async fn follow_to_code(
        &self,
        browser: &reqwest::Client,
        flow: &Flow<'_>,
        mut response: reqwest::Response,
        state: &str,
    ) -> String {
        for _ in 0..8 {
            if let Some(location) = location(&response) {
                if location.starts_with(flow.redirect_uri) {
                    return self.read_callback(&location, state);
                }
                response = browser
                    .get(self.absolute(&location))
                    .send()
                    .await
                    .expect("follow a redirect");
                continue;
            }
            let status = response.status();
            let page = response.text().await.expect("a page");
            assert_eq!(status, 200, "unexpected page: {page}");
            response = if page.contains("name=\"password\"") {
                self.submit_login(browser, &page, flow).await
            } else if page.contains("name=\"decision\"") {
                self.submit_consent(browser, &page, flow.approve.unwrap_or(flow.scope))
                    .await
            } else {
                panic!("neither a login nor a consent page: {page}");
            };
        }
        panic!("the flow did not reach the redirect URI");
    }

    /// POSTs the code to `/token` as the flow's client.
    pub async fn exchange_code(&self, flow: &Flow<'_>, issued: &IssuedCode) -> reqwest::Response {
        self.exchange_code_proving(flow, issued, None).await
    }

    /// [`Self::exchange_code`] with a `DPoP` proof header (RFC 9449 §5).
    pub async fn exchange_code_proving(
        &self,
        flow: &Flow<'_>,
        issued: &IssuedCode,
        dpop: Option<&str>,
    ) -> reqwest::Response {
        let form = [
            (
                "grant_type",
                oauth_types::GrantType::AuthorizationCode.as_str(),
            ),
            ("code", issued.code.as_str()),
            ("redirect_uri", flow.redirect_uri),
            ("code_verifier", issued.code_verifier.as_str()),
        ];
        self.token_request_proving(flow.client_id, flow.client_secret, &form, dpop)
            .await
    }

    /// POSTs `form` to `/token`, authenticated with HTTP Basic when a secret
    /// is given, else with `client_id` in the body.
    pub async fn token_request(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.token_request_proving(client_id, client_secret, form, None)
            .await
    }

    /// [`Self::token_request`] with a `DPoP` proof header (RFC 9449 §5).
    pub async fn token_request_proving(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        form: &[(&str, &str)],
        dpop: Option<&str>,
    ) -> reqwest::Response {
        self.client_request("/token", client_id, client_secret, form, dpop)
            .await
    }

    /// POSTs `form` to the back-channel endpoint `path` (`/token`, `/par`),
    /// authenticated with HTTP Basic when a secret is given, else with
    /// `client_id` in the body.
    pub async fn client_request(
        &self,
        path: &str,
        client_id: &str,
        client_secret: Option<&str>,
        form: &[(&str, &str)],
        dpop: Option<&str>,
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = form.to_vec();
        let mut request = reqwest::Client::new().post(format!("{}{path}", self.url));
        if let Some(proof) = dpop {
            request = request.header("DPoP", proof);
        }
        let request = match client_secret {
            Some(secret) => request.basic_auth(form_encode(client_id), Some(form_encode(secret))),
            None => {
                form.push(("client_id", client_id));
                request
            }
        };
        request
            .form(&form)
            .send()
            .await
            .unwrap_or_else(|error| panic!("POST {path}: {error}"))
    }

    /// POSTs `token` to `/introspect` (RFC 7662 §2.1) as the resource
    /// server `resource_id` with HTTP Basic; the 200 answer's JSON.
    pub async fn introspect_as(
        &self,
        resource_id: &str,
        secret: &str,
        token: &str,
    ) -> serde_json::Value {
        let response = reqwest::Client::new()
            .post(format!("{}/introspect", self.url))
            .basic_auth(resource_id, Some(secret))
            .form(&[("token", token)])
            .send()
            .await
            .expect("POST /introspect");
        assert_eq!(response.status(), 200, "introspection answered");
        response.json().await.expect("introspection JSON")
    }

    fn read_callback(&self, location: &str, state: &str) -> String {
        let url = url::Url::parse(location).expect("callback URL");
        let params: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        if let Some(error) = params.get("error") {
            panic!("the authorization server answered {error}: {params:?}");
        }
        assert_eq!(
            params.get("state").map(String::as_str),
            Some(state),
            "state"
        );
        assert_eq!(params.get("iss"), Some(&self.url), "iss (RFC 9207)");
        params.get("code").cloned().expect("a code")
    }

    async fn submit_login(
        &self,
        browser: &reqwest::Client,
        page: &str,
        flow: &Flow<'_>,
    ) -> reqwest::Response {
        let mut form = vec![
            ("username", flow.username.to_owned()),
            ("password", flow.password.to_owned()),
        ];
        if let Some(request) = hidden_input(page, "request") {
            form.push(("request", request));
        }
        let response = self.submit_page(browser, page, "/login", form).await;
        assert_eq!(response.status(), 303, "login failed for {}", flow.username);
        response
    }

    /// Approves `scope` (space-separated) on the consent `page`.
    async fn submit_consent(
        &self,
        browser: &reqwest::Client,
        page: &str,
        scope: &str,
    ) -> reqwest::Response {
        let mut form = vec![
            (
                "request",
                hidden_input(page, "request").expect("request id"),
            ),
            ("decision", "approve".to_owned()),
        ];
        form.extend(
            scope
                .split(' ')
                .filter(|scope| !scope.is_empty())
                .map(|scope| ("scope", scope.to_owned())),
        );
        self.submit_page(browser, page, "/consent", form).await
    }

    /// POSTs `form` to `path` as the form of `page` would, with the page's
    /// `csrf_token`.
    async fn submit_page(
        &self,
        browser: &reqwest::Client,
        page: &str,
        path: &str,
        mut form: Vec<(&str, String)>,
    ) -> reqwest::Response {
        form.push((
            "csrf_token",
            hidden_input(page, "csrf_token").expect("csrf"),
        ));
        browser
            .post(format!("{}{path}", self.url))
            .form(&form)
            .send()
            .await
            .unwrap_or_else(|err| panic!("POST {path}: {err}"))
    }

    fn absolute(&self, location: &str) -> String {
        if location.starts_with('/') {
            format!("{}{location}", self.url)
        } else {
            location.to_owned()
        }
    }
}

/// A browser: keeps cookies, does not follow redirects, and reuses an idle
/// connection only while the server surely keeps it open.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(service_kit::back_channel::IDLE_CONNECTION_REUSE)
        .build()
        .expect("a reqwest client")
}

/// The `value` of the hidden input named `name` in a page we rendered.
pub fn hidden_input(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_owned())
}

/// The `Location` header of a redirect.
pub fn location(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic.
fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
