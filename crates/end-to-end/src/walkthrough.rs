//! The recorded walkthrough (docs/walkthrough.md): one whole story across
//! the three roles, captured by [`crate::recording`] proxies, with every
//! credential replaced by a stable placeholder and every port by a role
//! name, written to `docs/walkthrough/{recording,discovery}.{json,md}`.
//!
//! ```text
//!  browser ─▶ [client] ─▶ client ─▶ [protected-resource] ─▶ protected-resource
//!     │                     │                                   │
//!     └──▶ [authorization-server] ◀─────────────────────────────┘
//!                           ▲ client back channel
//! ```
//!
//! Each bracket is a proxy; each pair of parties gets its own proxy, so an
//! exchange knows who sent it. The issuer is the URL of the proxy the
//! browser uses; the client reaches the authorization server through
//! `--issuer-internal-url`, the resource through `--introspection-url`.
//!
//! The story: connect (authorize, login, consent), callback and code
//! exchange, a post (resource call + introspection), the access token
//! expires (the authorization server's clock moves past its lifetime), a
//! second post that is refused, refreshed and retried, and disconnect
//! (revocation). A second, short recording ([`record_discovery`]) starts
//! the client with `--issuer auto` and shows how it finds the authorization
//! server through the resource (RFC 9728 §5) before the first redirect.
//! [`shape`] is what the test compares with the committed
//! recording: who talks to whom, which method, path and status, and the
//! names of the parameters and fields, never their values.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use authorization_server::store::clients::{self, ClientKind, NewClient};
use authorization_server::testing::{hidden_input, location};
use base64::Engine as _;
use clap::Parser;
use oauth_types::ScopeSet;
use serde::{Deserialize, Serialize};
use service_kit::server::Listener;
use service_kit::Database;

use crate::recording::{Log, Proxy, RawExchange};
use crate::user_agent::absolute;
use crate::{AtConsent, UserAgent};

/// The access token lifetime the story runs with (the default one).
const ACCESS_TOKEN_TTL: i64 = 600;

/// Role names that replace the per-run loopback URLs.
const BROWSER: &str = "browser";
const CLIENT: &str = "client";
const AUTHORIZATION_SERVER: &str = "authorization-server";
const PROTECTED_RESOURCE: &str = "protected-resource";

/// Where the recording lives in the repository.
pub fn recording_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/walkthrough")
}

/// Runs the story on fresh SQLite databases and returns it, redacted.
pub async fn record() -> Vec<Exchange> {
    let stage = Stage::start(IssuerSetting::Configured).await;
    live_the_story(&stage).await;
    stage.recording()
}

/// The client configured with `--issuer auto` starts a flow: how it finds
/// the authorization server (RFC 9728 §5), up to the redirect to
/// `/authorize`. Redacted.
pub async fn record_discovery() -> Vec<Exchange> {
    let stage = Stage::start(IssuerSetting::Auto).await;
    let hamza = UserAgent::new("hamza", "hamza-password");
    let response = hamza.get(&format!("{}/connect", stage.client_front)).await;
    assert_eq!(response.status(), 303, "/connect sends the browser on");
    let authorize = location(&response).unwrap();
    assert!(
        authorize.starts_with(&format!("{}/authorize", stage.issuer)),
        "to the discovered authorization server: {authorize}"
    );
    stage.recording()
}

/// How the client knows its authorization server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IssuerSetting {
    /// `--issuer URL`, as in the demo.
    Configured,
    /// `--issuer auto`: found through the resource (RFC 9728).
    Auto,
}

/// The three roles running behind their proxies, and the log.
struct Stage {
    log: Log,
    /// Longest first, so that no URL is replaced inside a longer one.
    origins: Vec<(String, String)>,
    /// The client as the browser reaches it.
    client_front: String,
    issuer: String,
    clock: authorization_server::clock::Clock,
}

impl Stage {
    async fn start(issuer_setting: IssuerSetting) -> Self {
        let log = Log::new();
        let to_client = Proxy::bind(BROWSER, CLIENT);
        let browser_to_as = Proxy::bind(BROWSER, AUTHORIZATION_SERVER);
        let client_to_as = Proxy::bind(CLIENT, AUTHORIZATION_SERVER);
        let resource_to_as = Proxy::bind(PROTECTED_RESOURCE, AUTHORIZATION_SERVER);
        let client_to_resource = Proxy::bind(CLIENT, PROTECTED_RESOURCE);

        let issuer = browser_to_as.url().to_owned();
        let redirect_uri = format!("{}/callback", to_client.url());
        // The resource's identifier is its URL as the client knows it, so
        // its RFC 9728 metadata describes exactly `--resource-url`.
        let resource_id = client_to_resource.url().to_owned();

        let (as_url, clock) =
            start_authorization_server(&issuer, &redirect_uri, &resource_id).await;
        let resource_url = start_resource(&issuer, resource_to_as.url(), &resource_id).await;
        let client_issuer = match issuer_setting {
            IssuerSetting::Configured => issuer.clone(),
            IssuerSetting::Auto => "auto".to_owned(),
        };
        let client_url = start_client(
            &client_issuer,
            &issuer,
            client_to_as.url(),
            &redirect_uri,
            client_to_resource.url(),
        )
        .await;

        let mut origins = vec![
            (to_client.url().to_owned(), CLIENT.to_owned()),
            (client_url.clone(), CLIENT.to_owned()),
            (issuer.clone(), AUTHORIZATION_SERVER.to_owned()),
            (
                client_to_as.url().to_owned(),
                AUTHORIZATION_SERVER.to_owned(),
            ),
            (
                resource_to_as.url().to_owned(),
                AUTHORIZATION_SERVER.to_owned(),
            ),
            (as_url.clone(), AUTHORIZATION_SERVER.to_owned()),
            (resource_id.clone(), PROTECTED_RESOURCE.to_owned()),
            (resource_url.clone(), PROTECTED_RESOURCE.to_owned()),
        ];
        origins.sort_by_key(|(url, _)| std::cmp::Reverse(url.len()));
        let client_front = to_client.url().to_owned();
        to_client.start(&client_url, &log);
        browser_to_as.start(&as_url, &log);
        client_to_as.start(&as_url, &log);
        resource_to_as.start(&as_url, &log);
        client_to_resource.start(&resource_url, &log);
        Self {
            log,
            origins,
            client_front,
            issuer,
            clock,
        }
    }

    fn recording(&self) -> Vec<Exchange> {
        redact(&self.log.exchanges(), &self.origins)
    }
}

/// The story: connect, post, the token expires, post again, disconnect.
async fn live_the_story(stage: &Stage) {
    let client_front = &stage.client_front;
    let hamza = UserAgent::new("hamza", "hamza-password");

    // Connect: authorize, log in, consent, callback, code exchange.
    let connected = hamza
        .connect(client_front, "/connect", AtConsent::Approve("profile post"))
        .await;
    assert!(connected.contains("Facebook is connected"), "{connected}");

    // A call to the resource, which introspects the token.
    let posted = submit(
        &hamza,
        client_front,
        &connected,
        "/post",
        &[("message", "10 km along the river")],
    )
    .await;
    assert!(posted.contains("Posted to Facebook"), "{posted}");

    // The access token expires; the next call is refused, refreshed, retried.
    stage.clock.advance(ACCESS_TOKEN_TTL + 1);
    let posted_again = submit(
        &hamza,
        client_front,
        &posted,
        "/post",
        &[("message", "and back")],
    )
    .await;
    assert!(
        posted_again.contains("Posted to Facebook"),
        "{posted_again}"
    );

    // Disconnect: the client revokes its tokens.
    let disconnected = submit(&hamza, client_front, &posted_again, "/disconnect", &[]).await;
    assert!(
        disconnected.contains("Facebook is disconnected"),
        "{disconnected}"
    );
}

/// Submits a form of the client's `page` (the page the person is on) as a
/// browser does: its CSRF token and the fields, then the page the 303
/// leads to.
async fn submit(
    person: &UserAgent,
    client: &str,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> String {
    let csrf_token = hidden_input(page, "csrf_token")
        .unwrap_or_else(|| panic!("no CSRF token on the page:\n{page}"));
    let mut form = vec![("csrf_token", csrf_token)];
    form.extend(
        fields
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned())),
    );
    let response = person.post_form(&format!("{client}{action}"), &form).await;
    assert_eq!(response.status(), 303, "POST {action} answers 303");
    let next = location(&response).unwrap();
    person.follow_to_page(&absolute(client, &next)).await
}

/// The authorization server with the demo data, whose `strava` client
/// redirects to the client's proxy and whose `protected-resource-1` is the
/// resource behind its proxy (registered first: `--demo` adds only what
/// is absent). Returns its own URL and its clock.
async fn start_authorization_server(
    issuer: &str,
    redirect_uri: &str,
    resource_id: &str,
) -> (String, authorization_server::clock::Clock) {
    let database_url = service_kit::testing::sqlite_url();
    let database = Database::connect(&database_url).await.unwrap();
    database
        .migrate(&authorization_server::MIGRATIONS)
        .await
        .unwrap();
    let now = service_kit::clock::now();
    for client in [
        NewClient {
            client_id: "strava".to_owned(),
            kind: ClientKind::Confidential,
            secret: Some("strava-secret".to_owned()),
            redirect_uris: vec![redirect_uri.to_owned()],
            scopes: ScopeSet::parse("profile post personal-message").unwrap(),
            grant_types: vec!["authorization_code".to_owned(), "refresh_token".to_owned()],
            resource_id: None,
            default_resource: Some(resource_id.to_owned()),
        },
        NewClient {
            client_id: "protected-resource-1".to_owned(),
            kind: ClientKind::ProtectedResource,
            secret: Some("protected-resource-secret-1".to_owned()),
            redirect_uris: Vec::new(),
            scopes: ScopeSet::empty(),
            grant_types: Vec::new(),
            resource_id: Some(resource_id.to_owned()),
            default_resource: None,
        },
    ] {
        assert!(clients::insert(database.pool(), &client, now)
            .await
            .unwrap());
    }
    let mut config = authorization_server::Config::for_test(&database_url);
    config.issuer = issuer.to_owned();
    config.access_token_ttl = ACCESS_TOKEN_TTL;
    let clock = config.clock.clone();
    let listener = Listener::bind(&config.serve).unwrap();
    let (url, _handle) = authorization_server::build_on(config, listener)
        .await
        .unwrap()
        .spawn();
    (url, clock)
}

/// The resource, introspecting every request (cache off, so each call
/// shows its introspection).
async fn start_resource(issuer: &str, authorization_server: &str, resource_id: &str) -> String {
    let database_url = service_kit::testing::sqlite_url();
    let introspection_url = format!("{authorization_server}/introspect");
    let config = protected_resource::Config::parse_from([
        "protected-resource",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &database_url,
        "--introspection-url",
        &introspection_url,
        "--issuer",
        issuer,
        "--resource-id",
        resource_id,
        "--introspection-cache-ttl",
        "0",
    ]);
    let listener = Listener::bind(&config.serve).unwrap();
    let (url, _handle) = protected_resource::build_on(config, listener)
        .await
        .unwrap()
        .spawn();
    url
}

/// The client as in the demo (`strava`, `profile post`), reaching the
/// authorization server and the resource through their proxies.
async fn start_client(
    issuer: &str,
    trusted_issuer: &str,
    issuer_internal_url: &str,
    redirect_uri: &str,
    resource_url: &str,
) -> String {
    let database_url = service_kit::testing::sqlite_url();
    let config = client::Config::parse_from([
        "client",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &database_url,
        "--issuer",
        issuer,
        "--trusted-issuer",
        trusted_issuer,
        "--issuer-internal-url",
        issuer_internal_url,
        "--redirect-uri",
        redirect_uri,
        "--resource-url",
        resource_url,
    ]);
    let listener = Listener::bind(&config.serve).unwrap();
    let (url, _handle) = client::build_on(config, listener).await.unwrap().spawn();
    url
}

// ---------------------------------------------------------------------------
// The recording, redacted.

/// One exchange as written to `recording.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// 1, 2, 3… in the order the requests arrived.
    pub step: usize,
    pub from: String,
    pub to: String,
    pub method: String,
    pub path: String,
    /// Query parameters, decoded.
    pub query: Vec<(String, String)>,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Body,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Body,
}

/// A body, by what it carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    Empty,
    /// `application/x-www-form-urlencoded`, decoded.
    Form {
        fields: Vec<(String, String)>,
    },
    Json {
        value: serde_json::Value,
    },
    /// A page: its title and the names of its form fields.
    Html {
        title: String,
        fields: Vec<String>,
    },
    Text {
        text: String,
    },
}

/// Request headers worth reading; the others are left out.
const REQUEST_HEADERS: [&str; 3] = ["authorization", "content-type", "cookie"];
/// Response headers worth reading.
const RESPONSE_HEADERS: [&str; 5] = [
    "location",
    "content-type",
    "cache-control",
    "www-authenticate",
    "set-cookie",
];

/// Parameters and fields whose values are credentials or random per run.
/// `token` is labelled by the value it carries (an access or refresh token
/// seen before keeps its placeholder).
const SECRET_NAMES: [&str; 13] = [
    "code",
    "state",
    "code_verifier",
    "code_challenge",
    "access_token",
    "refresh_token",
    "token",
    "client_secret",
    "password",
    "csrf_token",
    "request",
    "sub",
    "jti",
];

/// Fields holding a time (unix seconds), different on every run.
const TIME_NAMES: [&str; 4] = ["exp", "iat", "nbf", "created_at"];

/// Replaces credentials by `‹name#n›` (the same value, the same
/// placeholder, wherever it appears) and loopback URLs by role names.
struct Redactor {
    origins: Vec<(String, String)>,
    by_value: HashMap<String, String>,
    counts: HashMap<String, usize>,
}

impl Redactor {
    fn new(origins: &[(String, String)]) -> Self {
        Self {
            origins: origins.to_vec(),
            by_value: HashMap::new(),
            counts: HashMap::new(),
        }
    }

    /// The placeholder of a secret `value` first seen under `name`.
    fn secret(&mut self, name: &str, value: &str) -> String {
        if value.is_empty() {
            return String::new();
        }
        if let Some(known) = self.by_value.get(value) {
            return known.clone();
        }
        let count = self.counts.entry(name.to_owned()).or_insert(0);
        *count += 1;
        let placeholder = format!("‹{name}#{count}›");
        self.by_value.insert(value.to_owned(), placeholder.clone());
        placeholder
    }

    /// A parameter's value: a placeholder when the name says it is secret.
    fn param(&mut self, name: &str, value: &str) -> String {
        if SECRET_NAMES.contains(&name) {
            self.secret(name, value)
        } else if TIME_NAMES.contains(&name) {
            "‹unix time›".to_owned()
        } else {
            self.text(value)
        }
    }

    /// Free text: known secrets (long enough not to match by accident) and
    /// loopback URLs replaced.
    fn text(&self, value: &str) -> String {
        let mut text = value.to_owned();
        let mut secrets: Vec<(&String, &String)> = self
            .by_value
            .iter()
            .filter(|(secret, _)| secret.len() >= 16)
            .collect();
        secrets.sort_by_key(|(secret, _)| std::cmp::Reverse(secret.len()));
        for (secret, placeholder) in secrets {
            text = text.replace(secret.as_str(), placeholder);
        }
        for (url, role) in &self.origins {
            text = text.replace(url.as_str(), &format!("http://{role}"));
        }
        text
    }

    fn pairs(&mut self, pairs: Vec<(String, String)>) -> Vec<(String, String)> {
        pairs
            .into_iter()
            .map(|(name, value)| {
                let value = self.param(&name, &value);
                (name, value)
            })
            .collect()
    }

    fn json(&mut self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(name, field)| {
                        let field = match field {
                            Value::String(text) => Value::String(self.param(name, text)),
                            Value::Number(_) if TIME_NAMES.contains(&name.as_str()) => {
                                Value::String("‹unix time›".to_owned())
                            }
                            other => self.json(other),
                        };
                        (name.clone(), field)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|item| self.json(item)).collect()),
            Value::String(text) => Value::String(self.text(text)),
            other => other.clone(),
        }
    }

    /// A URL (a `Location`): origin → role, query parameters redacted and
    /// shown decoded.
    fn url(&mut self, value: &str) -> String {
        let (base, query) = value.split_once('?').unwrap_or((value, ""));
        let base = self.text(base);
        if query.is_empty() {
            return base;
        }
        let pairs = self.pairs(decode_pairs(query));
        let query: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        format!("{base}?{}", query.join("&"))
    }

    fn header(&mut self, name: &str, value: &str) -> String {
        match name {
            "location" => self.url(value),
            "cookie" => value
                .split("; ")
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    format!("{name}={}", self.secret(name, value))
                })
                .collect::<Vec<_>>()
                .join("; "),
            "set-cookie" => {
                let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let value = self.secret(name, value);
                let attributes = if attributes.is_empty() {
                    String::new()
                } else {
                    format!(";{attributes}")
                };
                format!("{name}={value}{attributes}")
            }
            "authorization" => self.authorization(value),
            _ => self.text(value),
        }
    }

    /// `Basic` credentials decoded (RFC 6749 §2.3.1), the secret hidden;
    /// a `Bearer` token by its placeholder.
    fn authorization(&mut self, value: &str) -> String {
        if let Some(token) = value.strip_prefix("Bearer ") {
            return format!("Bearer {}", self.secret("access_token", token));
        }
        if let Some(encoded) = value.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            if let Some((id, secret)) = decoded.as_deref().and_then(|pair| pair.split_once(':')) {
                let secret = self.secret("client_secret", secret);
                return format!("Basic base64({id}:{secret})");
            }
        }
        self.secret("authorization", value)
    }

    fn body(&mut self, content_type: Option<&str>, body: &str) -> Body {
        if body.is_empty() {
            return Body::Empty;
        }
        let content_type = content_type.unwrap_or_default();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            Body::Form {
                fields: self.pairs(decode_pairs(body)),
            }
        } else if content_type.contains("json") {
            match serde_json::from_str::<serde_json::Value>(body) {
                Ok(value) => Body::Json {
                    value: self.json(&value),
                },
                Err(_) => Body::Text {
                    text: self.text(body),
                },
            }
        } else if content_type.starts_with("text/html") {
            Body::Html {
                title: self.text(&html_title(body)),
                fields: html_field_names(body),
            }
        } else {
            Body::Text {
                text: self.text(body),
            }
        }
    }
}

fn decode_pairs(encoded: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(encoded.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(header, _)| header.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn html_title(page: &str) -> String {
    page.split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(title, _)| title.trim().to_owned())
        .unwrap_or_default()
}

/// The `name`s of the page's form controls, each once, in page order.
fn html_field_names(page: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for tag in page.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let is_control = ["input", "button", "textarea", "select"]
            .iter()
            .any(|control| tag.starts_with(control));
        let name = tag
            .split_once("name=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(name, _)| name.to_owned());
        if let (true, Some(name)) = (is_control, name) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// The raw exchanges, redacted. Cookie headers keep only the cookies the
/// receiving role set: the proxies all listen on 127.0.0.1, and cookies do
/// not tell ports apart, so the user agent sends every role's cookie to
/// every role, which browsers with one host name per role would not.
pub fn redact(raw: &[RawExchange], origins: &[(String, String)]) -> Vec<Exchange> {
    let mut redactor = Redactor::new(origins);
    // The first pass learns every secret, so that a value is replaced even
    // where it shows before the exchange that names it (a `sub` as a post's
    // `author` before the introspection answer that says it is the `sub`).
    redact_with(&mut redactor, raw);
    redact_with(&mut redactor, raw)
}

fn redact_with(redactor: &mut Redactor, raw: &[RawExchange]) -> Vec<Exchange> {
    let cookies_set_by = cookie_names_by_role(raw);
    raw.iter()
        .enumerate()
        .map(|(index, exchange)| {
            let own_cookies = cookies_set_by
                .get(&exchange.to)
                .cloned()
                .unwrap_or_default();
            let query = redactor.pairs(decode_pairs(exchange.query.as_deref().unwrap_or("")));
            let request_headers = selected(&exchange.request_headers, &REQUEST_HEADERS)
                .into_iter()
                .filter_map(|(name, value)| {
                    let value = if name == "cookie" {
                        keep_cookies(&value, &own_cookies)?
                    } else {
                        value
                    };
                    let value = redactor.header(&name, &value);
                    Some((name, value))
                })
                .collect();
            let request_body = redactor.body(
                header(&exchange.request_headers, "content-type"),
                &exchange.request_body,
            );
            let response_headers = selected(&exchange.response_headers, &RESPONSE_HEADERS)
                .into_iter()
                .map(|(name, value)| {
                    let value = redactor.header(&name, &value);
                    (name, value)
                })
                .collect();
            let response_body = redactor.body(
                header(&exchange.response_headers, "content-type"),
                &exchange.response_body,
            );
            Exchange {
                step: index + 1,
                from: exchange.from.clone(),
                to: exchange.to.clone(),
                method: exchange.method.clone(),
                path: exchange.path.clone(),
                query,
                request_headers,
                request_body,
                status: exchange.status,
                response_headers,
                response_body,
            }
        })
        .collect()
}

fn selected(headers: &[(String, String)], names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .flat_map(|name| {
            headers
                .iter()
                .filter(|(header, _)| header.eq_ignore_ascii_case(name))
                .map(|(_, value)| ((*name).to_owned(), value.clone()))
        })
        .collect()
}

fn cookie_names_by_role(raw: &[RawExchange]) -> HashMap<String, Vec<String>> {
    let mut by_role: HashMap<String, Vec<String>> = HashMap::new();
    for exchange in raw {
        for (name, value) in &exchange.response_headers {
            if name.eq_ignore_ascii_case("set-cookie") {
                let cookie = value
                    .split(['=', ';'])
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let names = by_role.entry(exchange.to.clone()).or_default();
                if !names.contains(&cookie) {
                    names.push(cookie);
                }
            }
        }
    }
    by_role
}

fn keep_cookies(header: &str, names: &[String]) -> Option<String> {
    let kept: Vec<&str> = header
        .split("; ")
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            names.iter().any(|own| own == name)
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join("; "))
}

// ---------------------------------------------------------------------------
// Shape: what must not change without regenerating the recording.

/// An exchange without its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub from: String,
    pub to: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub query: Vec<String>,
    pub request_fields: Vec<String>,
    pub response_fields: Vec<String>,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} → {}: {} {} ({}) → {} ({})",
            self.from,
            self.to,
            self.method,
            self.path,
            self.query.join(", "),
            self.status,
            self.response_fields.join(", ")
        )?;
        if !self.request_fields.is_empty() {
            write!(f, " [sent: {}]", self.request_fields.join(", "))?;
        }
        Ok(())
    }
}

pub fn shape(exchange: &Exchange) -> Shape {
    Shape {
        from: exchange.from.clone(),
        to: exchange.to.clone(),
        method: exchange.method.clone(),
        path: exchange.path.clone(),
        status: exchange.status,
        query: exchange
            .query
            .iter()
            .map(|(name, _)| name.clone())
            .collect(),
        request_fields: field_names(&exchange.request_body),
        response_fields: field_names(&exchange.response_body),
    }
}

fn field_names(body: &Body) -> Vec<String> {
    match body {
        Body::Empty | Body::Text { .. } => Vec::new(),
        Body::Form { fields } => fields.iter().map(|(name, _)| name.clone()).collect(),
        Body::Html { fields, .. } => fields.clone(),
        Body::Json { value } => {
            let mut names = Vec::new();
            json_names("", value, &mut names);
            names
        }
    }
}

fn json_names(prefix: &str, value: &serde_json::Value, names: &mut Vec<String>) {
    if let serde_json::Value::Object(map) = value {
        for (name, field) in map {
            let path = format!("{prefix}{name}");
            json_names(&format!("{path}."), field, names);
            names.push(path);
        }
    }
}

/// `None` when both recordings have the same shape, else what differs first.
pub fn shape_difference(committed: &[Exchange], fresh: &[Exchange]) -> Option<String> {
    for (index, (old, new)) in committed.iter().zip(fresh).enumerate() {
        let (old, new) = (shape(old), shape(new));
        if old != new {
            return Some(format!(
                "exchange {} differs:\n  committed: {old}\n  now:       {new}",
                index + 1
            ));
        }
    }
    (committed.len() != fresh.len()).then(|| {
        format!(
            "the committed recording has {} exchanges, the story now makes {}",
            committed.len(),
            fresh.len()
        )
    })
}

// ---------------------------------------------------------------------------
// Files.

/// The recordings kept in `docs/walkthrough/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// The whole story (`recording.json`, `recording.md`).
    Story,
    /// `--issuer auto` finding the authorization server (`discovery.*`).
    Discovery,
}

impl Recording {
    pub const ALL: [Self; 2] = [Self::Story, Self::Discovery];

    /// The file name, without extension.
    pub fn name(self) -> &'static str {
        match self {
            Self::Story => "recording",
            Self::Discovery => "discovery",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Story => "# The recorded story\n\n",
            Self::Discovery => {
                "# The recorded discovery\n\n\
                 The client, started with `--issuer auto`, knows only the API. When a\n\
                 person starts connecting, it finds the authorization server as\n\
                 RFC 9728 §5 describes, then sends the browser there.\n\n"
            }
        }
    }

    /// Lives this recording's story and returns it, redacted.
    pub async fn record(self) -> Vec<Exchange> {
        match self {
            Self::Story => record().await,
            Self::Discovery => record_discovery().await,
        }
    }
}

/// Reads `NAME.json` from `dir`.
pub fn read(dir: &Path, recording: Recording) -> Option<Vec<Exchange>> {
    let text = std::fs::read_to_string(dir.join(format!("{}.json", recording.name()))).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes `NAME.json` and its rendering `NAME.md` into `dir`.
pub fn write(dir: &Path, recording: Recording, exchanges: &[Exchange]) {
    std::fs::create_dir_all(dir).unwrap();
    let json = serde_json::to_string_pretty(exchanges).unwrap();
    let name = recording.name();
    std::fs::write(dir.join(format!("{name}.json")), format!("{json}\n")).unwrap();
    std::fs::write(dir.join(format!("{name}.md")), render(recording, exchanges)).unwrap();
}

/// A recording as Markdown: a table of contents, then every exchange as
/// an HTTP message pair.
pub fn render(recording: Recording, exchanges: &[Exchange]) -> String {
    let mut out = String::from(recording.title());
    out.push_str(
        "Generated by `scripts/trace` (do not edit): every HTTP exchange, as\n\
         recording proxies in front of the three roles saw it. Ports are\n\
         replaced by role names; credentials by placeholders (`‹access_token#1›`:\n\
         the same value keeps the same placeholder everywhere); times by\n\
         `‹unix time›`. Query strings, forms and `Location` are shown decoded, one\n\
         parameter per line; pages by their title and form fields. Only the\n\
         headers worth reading are kept. [walkthrough.md](../walkthrough.md)\n\
         tells the story around these exchanges.\n\n\
         | # | from → to | request | status |\n|---|---|---|---|\n",
    );
    for exchange in exchanges {
        out.push_str(&format!(
            "| [{step}](#{step}) | {from} → {to} | `{method} {path}` | {status} |\n",
            step = exchange.step,
            from = exchange.from,
            to = exchange.to,
            method = exchange.method,
            path = exchange.path,
            status = exchange.status,
        ));
    }
    for exchange in exchanges {
        out.push('\n');
        out.push_str(&render_exchange(exchange));
    }
    out
}

/// One exchange: a heading with its anchor, then the pair.
pub fn render_exchange(exchange: &Exchange) -> String {
    let mut out = format!(
        "<a id=\"{step}\"></a>\n### {step}. {from} → {to}: `{method} {path}` → {status}\n\n```http\n",
        step = exchange.step,
        from = exchange.from,
        to = exchange.to,
        method = exchange.method,
        path = exchange.path,
        status = exchange.status,
    );
    out.push_str(&format!("{} {}", exchange.method, exchange.path));
    out.push_str(&parameters("?", &exchange.query));
    out.push_str(&format!("\nHost: {}\n", exchange.to));
    for (name, value) in &exchange.request_headers {
        out.push_str(&format!("{}: {value}\n", title_case(name)));
    }
    out.push_str(&body_text(&exchange.request_body));
    out.push_str(&format!(
        "\nHTTP/1.1 {} {}\n",
        exchange.status,
        reason(exchange.status)
    ));
    for (name, value) in &exchange.response_headers {
        let value = if name == "location" {
            long_url(value)
        } else {
            value.clone()
        };
        out.push_str(&format!("{}: {value}\n", title_case(name)));
    }
    out.push_str(&body_text(&exchange.response_body));
    out.push_str("```\n");
    out
}

/// `?a=1` or, for several, one parameter per indented line.
fn parameters(first: &str, pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (index, (name, value)) in pairs.iter().enumerate() {
        let separator = if index == 0 { first } else { "&" };
        if pairs.len() > 1 {
            out.push_str("\n    ");
        }
        out.push_str(&format!("{separator}{name}={value}"));
    }
    out
}

fn long_url(value: &str) -> String {
    match value.split_once('?') {
        Some((base, query)) if query.matches('&').count() >= 1 => {
            let pairs: Vec<(String, String)> = query
                .split('&')
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (name.to_owned(), value.to_owned())
                })
                .collect();
            format!("{base}{}", parameters("?", &pairs))
        }
        _ => value.to_owned(),
    }
}

fn body_text(body: &Body) -> String {
    match body {
        Body::Empty => String::new(),
        Body::Form { fields } => {
            let pairs: Vec<String> = fields
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            format!("\n{}\n", pairs.join("\n&"))
        }
        Body::Json { value } => {
            format!("\n{}\n", serde_json::to_string_pretty(value).unwrap())
        }
        Body::Html { title, fields } => {
            let fields = if fields.is_empty() {
                "no form".to_owned()
            } else {
                format!("form fields: {}", fields.join(", "))
            };
            format!("\n<!-- HTML page \"{title}\"; {fields} -->\n")
        }
        Body::Text { text } => format!("\n{text}\n"),
    }
}

fn title_case(name: &str) -> String {
    match name {
        "www-authenticate" => "WWW-Authenticate".to_owned(),
        _ => name
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("-"),
    }
}

fn reason(status: u16) -> &'static str {
    actix_web::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(&[("http://127.0.0.1:4321".to_owned(), "client".to_owned())])
    }

    #[test]
    fn one_value_keeps_one_placeholder_wherever_it_travels() {
        let mut redactor = redactor();
        let token = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
        let body = format!(r#"{{"access_token":"{token}","expires_in":600}}"#);
        let issued = redactor.body(Some("application/json"), &body);
        let presented = redactor.header("authorization", &format!("Bearer {token}"));
        let introspected = redactor.body(
            Some("application/x-www-form-urlencoded"),
            &format!("token={token}&token_type_hint=access_token"),
        );
        assert_eq!(
            issued,
            Body::Json {
                value: serde_json::json!({"access_token": "‹access_token#1›", "expires_in": 600})
            }
        );
        assert_eq!(presented, "Bearer ‹access_token#1›");
        assert_eq!(
            introspected,
            Body::Form {
                fields: vec![
                    ("token".to_owned(), "‹access_token#1›".to_owned()),
                    ("token_type_hint".to_owned(), "access_token".to_owned()),
                ]
            }
        );
    }

    #[test]
    fn basic_credentials_show_the_client_id_and_hide_the_secret() {
        let mut redactor = redactor();
        let basic = base64::engine::general_purpose::STANDARD.encode("strava:strava-secret");
        let shown = redactor.header("authorization", &format!("Basic {basic}"));
        assert_eq!(shown, "Basic base64(strava:‹client_secret#1›)");
    }

    #[test]
    fn a_location_loses_its_port_and_its_code() {
        let mut redactor = redactor();
        let shown = redactor.header(
            "location",
            "http://127.0.0.1:4321/callback?code=AAAABBBBCCCCDDDDEEEE&state=s1&iss=http%3A%2F%2Fas",
        );
        assert_eq!(
            shown,
            "http://client/callback?code=‹code#1›&state=‹state#1›&iss=http://as"
        );
    }

    #[test]
    fn a_page_shows_its_title_and_form_fields_only() {
        let page = r#"<html><head><title>Sign in</title><meta name="viewport"></head>
            <form><input type="hidden" name="csrf_token" value="secret">
            <input name="username"><input name="password" type="password">
            <button name="decision" value="approve"></button></form></html>"#;
        let body = redactor().body(Some("text/html; charset=utf-8"), page);
        assert_eq!(
            body,
            Body::Html {
                title: "Sign in".to_owned(),
                fields: vec![
                    "csrf_token".to_owned(),
                    "username".to_owned(),
                    "password".to_owned(),
                    "decision".to_owned()
                ]
            }
        );
    }
}
