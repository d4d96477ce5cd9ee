//! The story itself: the three roles in-process, each pair of parties
//! behind its own recording proxy, and one person's whole connection.
//! The sign-in story ([`super::sign_in`]), the stolen-token story
//! ([`super::dpop`]) and the shorter stories ([`super::refused_consent`],
//! [`super::client_credentials`], [`super::jwt`], [`super::refresh_replay`],
//! [`super::public_client`], [`super::device`], [`super::registration`]) play on the same stage; a [`Setup`] says how its roles are configured, and
//! [`Stage::open_proxy`] puts a new party in front of a role.

use std::path::{Path, PathBuf};

use authorization_server::jwt::SigningAlgorithm;
use authorization_server::store::clients::{self, ClientKind, NewClient};
use authorization_server::testing::{hidden_input, location};
use authorization_server::AccessTokenFormat;
use oauth_types::client_assertion::ClientJwkSet;
use oauth_types::{ScopeSet, TokenEndpointAuthMethod};
use protected_resource::ValidationMethod;
use service_kit::server::Listener;
use service_kit::Database;

use super::{redact, Exchange};
use crate::client_key::ClientKeyFiles;
use crate::recording::{Log, Proxy, RawExchange};
use crate::user_agent::absolute;
use crate::{AtConsent, UserAgent};

/// The access token lifetime the story runs with (the default one).
pub(super) const ACCESS_TOKEN_TTL: i64 = 600;

/// Role names that replace the per-run loopback URLs.
const BROWSER: &str = "browser";
const CLIENT: &str = "client";
pub(super) const AUTHORIZATION_SERVER: &str = "authorization-server";
pub(super) const PROTECTED_RESOURCE: &str = "protected-resource";
/// Someone who has copied a token and calls the resource with it.
pub(super) const ATTACKER: &str = "attacker";

/// Where the recording lives in the repository.
pub fn recording_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/walkthrough")
}

/// Runs the story on fresh SQLite databases and returns it, redacted.
pub async fn record() -> Vec<Exchange> {
    let stage = Stage::start(IssuerSetting::Configured, TokenBinding::Bearer).await;
    live_the_story(&stage).await;
    stage.recording()
}

/// The client configured with `--issuer auto` starts a flow: how it finds
/// the authorization server (RFC 9728 §5), up to the redirect to
/// `/authorize`. Redacted.
pub async fn record_discovery() -> Vec<Exchange> {
    let stage = Stage::start(IssuerSetting::Auto, TokenBinding::Bearer).await;
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
pub(super) enum IssuerSetting {
    /// `--issuer URL`, as in the demo.
    Configured,
    /// `--issuer auto`: found through the resource (RFC 9728).
    Auto,
}

/// How the client sends its authorization requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Requests {
    /// Through the browser (`--no-par`), as the first stories show them.
    FrontChannel,
    /// Pushed first (RFC 9126), the client's default when the server
    /// offers it.
    Pushed,
}

/// What the client's tokens are bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenBinding {
    /// Bearer tokens (`--no-dpop`): stories that move the authorization
    /// server's clock, which DPoP proofs' `iat` would not survive.
    Bearer,
    /// The client's default: a DPoP key per connection (RFC 9449).
    Dpop,
}

/// How the roles of a [`Stage`] are configured.
pub(super) struct Setup {
    pub(super) issuer_setting: IssuerSetting,
    pub(super) binding: TokenBinding,
    /// `--access-token-format` of the authorization server.
    pub(super) access_token_format: AccessTokenFormat,
    /// `--validation` of the resource.
    pub(super) validation: ValidationMethod,
    /// Clients registered besides `strava` and the resource; their
    /// `default_resource`, if `None`, becomes the resource behind its
    /// proxy.
    pub(super) more_clients: Vec<NewClient>,
    /// How the client sends its authorization requests.
    pub(super) requests: Requests,
    /// `strava`'s key pair when it authenticates with `private_key_jwt`
    /// (RFC 7523 §2.2) instead of its secret, and must push its
    /// authorization requests (RFC 9126 §6).
    pub(super) client_key: Option<ClientKeyFiles>,
}

impl Setup {
    /// The roles as in the OAuth story: opaque tokens, introspection.
    pub(super) fn new(issuer_setting: IssuerSetting, binding: TokenBinding) -> Self {
        Self {
            issuer_setting,
            binding,
            access_token_format: AccessTokenFormat::Opaque,
            validation: ValidationMethod::Introspection,
            more_clients: Vec::new(),
            requests: Requests::FrontChannel,
            client_key: None,
        }
    }
}

/// The URLs the roles themselves listen on, behind every proxy.
struct Roles {
    authorization_server: String,
    protected_resource: String,
}

/// The three roles running behind their proxies, and the log.
pub(super) struct Stage {
    log: Log,
    roles: Roles,
    /// Longest first, so that no URL is replaced inside a longer one.
    origins: Vec<(String, String)>,
    /// The client as the browser reaches it.
    pub(super) client_front: String,
    /// The resource as an attacker reaches it (its own proxy, so that its
    /// exchanges are labelled `attacker`).
    pub(super) attacker_front: String,
    /// The resource's identifier, the URL its DPoP proofs' `htu` name.
    pub(super) resource_id: String,
    /// The authorization server as the browser reaches it.
    pub(super) issuer: String,
    clock: service_kit::clock::Clock,
    /// The authorization server's database, for its admin commands.
    authorization_database_url: String,
    /// Values shown by a placeholder of their own in the recording.
    named_values: Vec<(String, String)>,
}

impl Stage {
    /// The stage of every story but the pushed one: authorization requests
    /// through the browser.
    pub(super) async fn start(issuer_setting: IssuerSetting, binding: TokenBinding) -> Self {
        Self::start_with(Setup::new(issuer_setting, binding)).await
    }

    pub(super) async fn start_with(setup: Setup) -> Self {
        let log = Log::new();
        let to_client = Proxy::bind(BROWSER, CLIENT);
        let browser_to_as = Proxy::bind(BROWSER, AUTHORIZATION_SERVER);
        let client_to_as = Proxy::bind(CLIENT, AUTHORIZATION_SERVER);
        let resource_to_as = Proxy::bind(PROTECTED_RESOURCE, AUTHORIZATION_SERVER);
        let client_to_resource = Proxy::bind(CLIENT, PROTECTED_RESOURCE);
        let attacker_to_resource = Proxy::bind(ATTACKER, PROTECTED_RESOURCE);

        let issuer = browser_to_as.url().to_owned();
        let redirect_uri = format!("{}/callback", to_client.url());
        // The resource's identifier is its URL as the client knows it, so
        // its RFC 9728 metadata describes exactly `--resource-url`.
        let resource_id = client_to_resource.url().to_owned();

        // RP-Initiated Logout 1.0 §3: where the client sends the browser
        // back after signing out, its `/` (registered exactly).
        let post_logout_redirect_uri = format!("{}/", to_client.url());
        let (as_url, clock, authorization_database_url) = start_authorization_server(
            &issuer,
            &redirect_uri,
            &post_logout_redirect_uri,
            &resource_id,
            &setup,
        )
        .await;
        let resource_url = start_resource(
            &issuer,
            resource_to_as.url(),
            &resource_id,
            setup.validation,
        )
        .await;
        let client_issuer = match setup.issuer_setting {
            IssuerSetting::Configured => issuer.clone(),
            IssuerSetting::Auto => "auto".to_owned(),
        };
        let client_url = start_client(
            &client_issuer,
            &issuer,
            client_to_as.url(),
            &redirect_uri,
            client_to_resource.url(),
            &setup,
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
            (
                attacker_to_resource.url().to_owned(),
                PROTECTED_RESOURCE.to_owned(),
            ),
        ];
        origins.sort_by_key(|(url, _)| std::cmp::Reverse(url.len()));
        let client_front = to_client.url().to_owned();
        let attacker_front = attacker_to_resource.url().to_owned();
        to_client.start(&client_url, &log);
        browser_to_as.start(&as_url, &log);
        client_to_as.start(&as_url, &log);
        resource_to_as.start(&as_url, &log);
        client_to_resource.start(&resource_url, &log);
        attacker_to_resource.start(&resource_url, &log);
        Self {
            log,
            roles: Roles {
                authorization_server: as_url,
                protected_resource: resource_url,
            },
            origins,
            client_front,
            attacker_front,
            resource_id,
            issuer,
            clock,
            authorization_database_url,
            named_values: Vec::new(),
        }
    }

    /// `authorization-server registration-token`, at the server's clock: a
    /// new initial access token (RFC 7591 §3) valid for an hour.
    pub(super) async fn registration_token(&self) -> String {
        let mut config = authorization_server::Config::for_test(&self.authorization_database_url);
        config.clock = self.clock.clone();
        let command = authorization_server::config::AdminCommand::RegistrationToken {
            expires_in: 3600,
            database: authorization_server::config::AdminDatabase {
                database_url: Some(self.authorization_database_url.clone()),
            },
        };
        authorization_server::admin::execute(command, &config)
            .await
            .unwrap()
            .trim()
            .to_owned()
    }

    /// Shows `value` (a value new on every run that is not a credential,
    /// such as a generated `client_id`) as `placeholder` wherever it
    /// appears, the paths included.
    pub(super) fn name_value(&mut self, value: &str, placeholder: &str) {
        self.named_values
            .push((value.to_owned(), placeholder.to_owned()));
    }

    /// The issuer, as the browser reaches it.
    pub(super) fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Moves the authorization server's clock forward.
    pub(super) fn advance_clock(&self, seconds: i64) {
        self.clock.advance(seconds);
    }

    /// A proxy for a new party `from` in front of the role `to`
    /// ([`AUTHORIZATION_SERVER`] or [`PROTECTED_RESOURCE`]), so that its
    /// exchanges are labelled `from → to`; returns its URL.
    pub(super) fn open_proxy(&mut self, from: &str, to: &str) -> String {
        let target = if to == AUTHORIZATION_SERVER {
            &self.roles.authorization_server
        } else {
            &self.roles.protected_resource
        };
        let proxy = Proxy::bind(from, to);
        let url = proxy.url().to_owned();
        proxy.start(target, &self.log);
        self.name_origin(&url, to);
        url
    }

    /// Shows `url` (an origin) as `http://{role}` in the recording.
    pub(super) fn name_origin(&mut self, url: &str, role: &str) {
        self.origins.push((url.to_owned(), role.to_owned()));
        self.origins
            .sort_by_key(|(url, _)| std::cmp::Reverse(url.len()));
    }

    pub(super) fn recording(&self) -> Vec<Exchange> {
        redact::redact_naming(&self.raw(), &self.origins, &self.named_values)
    }

    /// The exchanges as they went over the wire, credentials included.
    pub(super) fn raw(&self) -> Vec<RawExchange> {
        self.log.exchanges()
    }
}

/// The story: connect, post, the token expires, post again, disconnect.
async fn live_the_story(stage: &Stage) {
    let client_front = &stage.client_front;
    let hamza = UserAgent::new("hamza", "hamza-password");

    // Connect: authorize, log in, consent, callback, code exchange.
    let connected = connect(&hamza, client_front).await;

    // A call to the resource, which introspects the token.
    let posted = post(&hamza, client_front, &connected, "10 km along the river").await;

    // The access token expires; the next call is refused, refreshed, retried.
    stage.clock.advance(ACCESS_TOKEN_TTL + 1);
    let posted_again = post(&hamza, client_front, &posted, "and back").await;

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
pub(super) async fn submit(
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

/// Connects Facebook to the client, approving `profile post`; the page
/// that says it is connected.
pub(super) async fn connect(person: &UserAgent, client: &str) -> String {
    let connected = person
        .connect(client, "/connect", AtConsent::Approve("profile post"))
        .await;
    assert!(connected.contains("Facebook is connected"), "{connected}");
    connected
}

/// Posts `message` to Facebook through the client's form on `page`; the
/// page that says it was posted.
pub(super) async fn post(person: &UserAgent, client: &str, page: &str, message: &str) -> String {
    let posted = submit(person, client, page, "/post", &[("message", message)]).await;
    assert!(posted.contains("Posted to Facebook"), "{posted}");
    posted
}

/// The authorization server with the demo data, whose `strava` client
/// redirects to the client's proxy (after a sign-in and after a sign-out)
/// and whose `protected-resource-1` is the resource behind its proxy
/// (registered first: `--demo` adds only what is absent). Returns its own
/// URL, its clock and its database URL.
async fn start_authorization_server(
    issuer: &str,
    redirect_uri: &str,
    post_logout_redirect_uri: &str,
    resource_id: &str,
    setup: &Setup,
) -> (String, service_kit::clock::Clock, String) {
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
            // A client with a key of its own has no secret to leak.
            secret: setup
                .client_key
                .is_none()
                .then(|| "strava-secret".to_owned()),
            redirect_uris: vec![redirect_uri.to_owned()],
            scopes: ScopeSet::parse("openid profile email post personal-message").unwrap(),
            grant_types: vec![
                oauth_types::GrantType::AuthorizationCode,
                oauth_types::GrantType::RefreshToken,
            ],
            resource_id: None,
            default_resource: Some(resource_id.to_owned()),
        },
        NewClient::protected_resource(
            "protected-resource-1",
            "protected-resource-secret-1",
            resource_id,
        ),
    ]
    .into_iter()
    .chain(setup.more_clients.iter().cloned().map(|client| {
        NewClient {
            default_resource: client
                .default_resource
                .or_else(|| Some(resource_id.to_owned())),
            ..client
        }
    })) {
        assert!(clients::insert(database.pool(), &client, now)
            .await
            .unwrap());
    }
    let registered = clients::set_openid_settings(
        database.pool(),
        "strava",
        &[post_logout_redirect_uri.to_owned()],
        SigningAlgorithm::RS256,
    )
    .await
    .unwrap();
    assert!(registered, "strava's OpenID Connect settings");
    if let Some(files) = &setup.client_key {
        register_client_key(&database, files).await;
    }
    let mut config = authorization_server::Config::for_test(&database_url);
    config.issuer = issuer.to_owned();
    config.access_token_ttl = ACCESS_TOKEN_TTL;
    config.access_token_format = setup.access_token_format;
    let clock = config.clock.clone();
    let listener = Listener::bind(&config.serve).unwrap();
    let (url, _handle) = authorization_server::build_on(config, listener)
        .await
        .unwrap()
        .spawn();
    (url, clock, database_url)
}

/// `strava` as `client add --auth-method private_key_jwt --jwks FILE`
/// registers it: its public keys, and (RFC 9126 §6
/// `require_pushed_authorization_requests`) no authorization request but
/// a pushed one.
async fn register_client_key(database: &Database, files: &ClientKeyFiles) {
    let jwks = std::fs::read_to_string(&files.jwks).unwrap();
    let jwks = ClientJwkSet::parse(&jwks).unwrap();
    let pool = database.pool();
    let method = TokenEndpointAuthMethod::PrivateKeyJwt;
    let registered = clients::set_auth_method(pool, "strava", method, Some(&jwks))
        .await
        .unwrap();
    assert!(registered, "strava's keys");
    let registered = clients::set_require_pushed_requests(pool, "strava", true)
        .await
        .unwrap();
    assert!(registered, "strava pushes its requests");
}

/// The resource, introspecting every request (cache off, so each call
/// shows its introspection), or with `--validation jwt` fetching the
/// issuer's keys through its proxy.
async fn start_resource(
    issuer: &str,
    authorization_server: &str,
    resource_id: &str,
    validation: ValidationMethod,
) -> String {
    let mut config =
        protected_resource::testing::config(&service_kit::testing::sqlite_url(), issuer);
    config.introspection_url = format!("{authorization_server}/introspect");
    config.issuer_internal_url = Some(authorization_server.to_owned());
    config.validation = validation;
    config.resource_id = resource_id.to_owned();
    protected_resource::testing::spawn_with(config).await.url
}

/// The client as in the demo (`strava`, `profile post`), reaching the
/// authorization server and the resource through their proxies.
async fn start_client(
    issuer: &str,
    trusted_issuer: &str,
    issuer_internal_url: &str,
    redirect_uri: &str,
    resource_url: &str,
    setup: &Setup,
) -> String {
    let database_url = service_kit::testing::sqlite_url();
    let mut config = client::testing::config(&database_url, trusted_issuer, resource_url);
    config.issuer = issuer.to_owned();
    config.issuer_internal_url = Some(issuer_internal_url.to_owned());
    config.redirect_uri = redirect_uri.to_owned();
    // The OAuth story moves the authorization server's clock past the
    // token's lifetime; DPoP proofs, whose `iat` must be within a minute of
    // that clock (RFC 9449 §4.3), would then be refused. So that recording
    // shows Bearer tokens (docs/walkthrough.md says so).
    config.no_dpop = setup.binding == TokenBinding::Bearer;
    // Every story but the pushed one shows the authorization request in the
    // browser, where the learner can read it (docs/walkthrough.md).
    config.no_par = setup.requests == Requests::FrontChannel;
    config.client_key = setup.client_key.as_ref().map(|files| files.pem.clone());
    client::testing::spawn_with(config).await.url
}
