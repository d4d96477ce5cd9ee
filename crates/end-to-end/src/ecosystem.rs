//! The three roles wired as in the demo, on free loopback ports.
//!
//! ```text
//!   client ──metadata, /token, /revoke──▶ authorization server
//!     │                                        ▲
//!     └────── /api/… (DPoP) ──▶ protected resource ──/introspect or JWKS
//! ```

use authorization_server::jwt::SigningAlgorithm;
use authorization_server::testing::{self as as_testing, ClientKind, NewClient};
use authorization_server::{AccessTokenFormat, Config as AsConfig};
use client::testing::{self as client_testing, TestClient};
use oauth_types::ScopeSet;
use protected_resource::testing::{self as rs_testing, TestProtectedResource};
use protected_resource::ValidationMethod;
use service_kit::testing::pki::TestPki;
use service_kit::ServeArgs;

use crate::client_key::ClientKeyFiles;
use crate::user_agent::{AtConsent, UserAgent};

pub use authorization_server::testing::TestAuthorizationServer;

/// The client registered for these tests (its redirect URI has the port
/// the client was given).
pub const CLIENT_ID: &str = "strava-e2e";
pub const CLIENT_SECRET: &str = "strava-e2e-secret";

/// How the protected resource validates tokens (contract: `--validation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// RFC 7662: the resource asks the authorization server, cache off.
    Introspection,
    /// RFC 9068: JWT access tokens checked locally against the JWKS.
    Jwt,
}

/// What to start.
#[derive(Debug, Clone)]
pub struct Options {
    /// One fresh database URL per role.
    pub databases: [String; 3],
    pub validation: Validation,
    /// The client finds its authorization server through the resource's
    /// RFC 9728 metadata (`--issuer auto`).
    pub discover_issuer: bool,
    /// All three roles serve HTTPS with a certificate of this test
    /// authority; `None`: plain HTTP on loopback.
    pub tls: Option<Tls>,
    /// The client is registered with the resource as its default
    /// `resource` (RFC 8707); without it the client must name the resource.
    pub default_resource: bool,
    /// The `alg` of the client's ID tokens (OpenID Connect Core §15.1:
    /// RS256 unless it registered another).
    pub id_token_alg: SigningAlgorithm,
    /// The client uses DPoP (RFC 9449), which the authorization server
    /// offers; `false`: started with `--no-dpop`.
    pub client_dpop: bool,
    /// The client authenticates with `private_key_jwt` (RFC 7523): added
    /// with `client add --auth-method private_key_jwt --jwks`, started
    /// with `--client-key`.
    pub client_key: Option<ClientKeyFiles>,
    /// The client pushes its authorization requests (RFC 9126), which the
    /// authorization server takes; `false`: started with `--no-par`.
    pub client_par: bool,
    /// The client is registered as `client add --require-par` does: the
    /// authorization server refuses its requests unless pushed.
    pub client_requires_par: bool,
}

/// HTTPS for the three roles (security.md 30).
#[derive(Debug, Clone)]
pub struct Tls {
    /// The test authority and the `localhost`/`127.0.0.1` certificate every
    /// role serves.
    pub pki: TestPki,
    /// Whether the resource and the client get `--ca-cert` for their back
    /// channels. Without it they trust only the public roots, so every
    /// back-channel call must fail (and never fall back to accepting).
    pub back_channels_trust_ca: bool,
}

impl Tls {
    /// A fresh test authority, trusted by the back channels.
    pub fn generate() -> Self {
        Self {
            pki: TestPki::generate(),
            back_channels_trust_ca: true,
        }
    }

    fn back_channel_ca(&self) -> Option<String> {
        self.back_channels_trust_ca
            .then(|| self.pki.ca_path.display().to_string())
    }

    fn serve(&self, database_url: &str) -> ServeArgs {
        ServeArgs {
            tls_cert: Some(self.pki.cert_path.clone()),
            tls_key: Some(self.pki.key_path.clone()),
            ..ServeArgs::for_test(database_url)
        }
    }
}

impl Options {
    /// Three fresh SQLite databases, introspection, a configured issuer.
    pub fn sqlite() -> Self {
        Self::on([
            service_kit::testing::sqlite_url(),
            service_kit::testing::sqlite_url(),
            service_kit::testing::sqlite_url(),
        ])
    }

    /// The given databases, introspection, a configured issuer.
    pub fn on(databases: [String; 3]) -> Self {
        Self {
            databases,
            validation: Validation::Introspection,
            discover_issuer: false,
            tls: None,
            default_resource: true,
            id_token_alg: SigningAlgorithm::RS256,
            client_dpop: true,
            client_key: None,
            client_par: true,
            client_requires_par: false,
        }
    }

    /// Three fresh SQLite databases, every role over HTTPS with a fresh
    /// test authority that the back channels trust.
    pub fn https() -> Self {
        Self {
            tls: Some(Tls::generate()),
            ..Self::sqlite()
        }
    }

    /// These options with JWT access tokens checked locally.
    pub fn jwt(self) -> Self {
        Self {
            validation: Validation::Jwt,
            ..self
        }
    }

    /// These options with the client finding its authorization server
    /// through the resource (`--issuer auto`).
    pub fn discovering_issuer(self) -> Self {
        Self {
            discover_issuer: true,
            ..self
        }
    }

    /// These options with the client started with `--no-dpop`: Bearer
    /// tokens.
    pub fn without_dpop(self) -> Self {
        Self {
            client_dpop: false,
            ..self
        }
    }

    /// These options with the client authenticating with a key of its
    /// own (`private_key_jwt`) instead of a secret.
    pub fn with_client_key(self) -> Self {
        Self {
            client_key: Some(ClientKeyFiles::generate()),
            ..self
        }
    }

    /// These options with the client started with `--no-par`: the browser
    /// carries the authorization request.
    pub fn without_par(self) -> Self {
        Self {
            client_par: false,
            ..self
        }
    }

    /// These options with the client registered as one that must push its
    /// authorization requests (RFC 9126 §6, `client add --require-par`).
    pub fn requiring_par(self) -> Self {
        Self {
            client_requires_par: true,
            ..self
        }
    }

    /// These options with the client's ID tokens signed with `alg`.
    pub fn id_tokens_signed_with(self, alg: SigningAlgorithm) -> Self {
        Self {
            id_token_alg: alg,
            ..self
        }
    }

    /// Fresh databases on every backend this run tests (SQLite, and
    /// Postgres when `TEST_POSTGRES_URL` is set).
    pub async fn every_backend() -> Vec<Self> {
        let mut all = vec![Self::sqlite()];
        if let Some(first) = service_kit::testing::postgres_url().await {
            let second = service_kit::testing::postgres_url().await.unwrap();
            let third = service_kit::testing::postgres_url().await.unwrap();
            all.push(Self::on([first, second, third]));
        }
        all
    }
}

/// The three running roles.
pub struct Ecosystem {
    pub authorization_server: TestAuthorizationServer,
    pub resource_url: String,
    pub client_url: String,
    pub resource: TestProtectedResource,
    pub client: TestClient,
    /// The test authority, when the roles serve HTTPS.
    pub tls: Option<Tls>,
}

impl Ecosystem {
    pub async fn start(options: Options) -> Self {
        let [as_database, rs_database, client_database] = &options.databases;
        let tls = options.tls.as_ref();
        let mut as_config = AsConfig::for_test(as_database);
        if options.validation == Validation::Jwt {
            as_config.access_token_format = AccessTokenFormat::Jwt;
        }
        if let Some(tls) = tls {
            as_config.serve = tls.serve(as_database);
        }
        let authorization_server = as_testing::spawn_with(as_config).await;
        let resource =
            start_resource(&authorization_server, rs_database, options.validation, tls).await;
        let client = start_client(
            &authorization_server,
            &resource.url,
            client_database,
            &options,
        )
        .await;
        Self {
            authorization_server,
            resource_url: resource.url.clone(),
            client_url: client.url.clone(),
            resource,
            client,
            tls: options.tls,
        }
    }

    /// `person` connects the client consenting to `post` only, then posts
    /// `message` through it; both steps are checked. Returns the page the
    /// post leads to.
    pub async fn connect_for_post_and_post(&self, person: &UserAgent, message: &str) -> String {
        let client = &self.client_url;
        let connected = person
            .connect(client, "/connect", AtConsent::Approve("post"))
            .await;
        assert!(connected.contains("Facebook is connected"), "{connected}");
        person.post_to_facebook(client, message).await
    }

    /// A person's browser for this ecosystem: over HTTPS it trusts the test
    /// authority, as a browser would once the CA is installed.
    pub fn user_agent(&self, username: &str, password: &str) -> UserAgent {
        match &self.tls {
            Some(tls) => UserAgent::trusting(username, password, &tls.pki.ca_pem),
            None => UserAgent::new(username, password),
        }
    }
}

/// The protected resource registered for discovery (below).
pub const RESOURCE_CLIENT_ID: &str = "protected-resource-e2e";
pub const RESOURCE_CLIENT_SECRET: &str = "protected-resource-e2e-secret";

/// The resource with its own URL as its resource identifier (RFC 8707 §2:
/// the client names it with `resource`, and the client checks the RFC 9728
/// document's `resource` against the URL it called, §3.3), registered at the
/// authorization server as [`RESOURCE_CLIENT_ID`]; with introspection, no
/// cache, so a revocation shows at once. Over HTTPS with `tls`.
pub async fn start_resource(
    authorization_server: &TestAuthorizationServer,
    database_url: &str,
    validation: Validation,
    tls: Option<&Tls>,
) -> TestProtectedResource {
    let mut config = rs_testing::config(database_url, &authorization_server.url);
    config.validation = match validation {
        Validation::Introspection => ValidationMethod::Introspection,
        Validation::Jwt => ValidationMethod::Jwt,
    };
    config.client_id = RESOURCE_CLIENT_ID.to_owned();
    config.client_secret = RESOURCE_CLIENT_SECRET.to_owned();
    if let Some(tls) = tls {
        config.serve = tls.serve(database_url);
        config.ca_cert = tls.back_channel_ca().map(Into::into);
    }
    let resource = rs_testing::spawn_named_by_its_url(config).await;
    authorization_server
        .register_protected_resource(RESOURCE_CLIENT_ID, RESOURCE_CLIENT_SECRET, &resource.url)
        .await;
    resource
}

/// The client, registered at the authorization server with a redirect URI
/// on its own port, asking for `profile post` like the demo's; it may also
/// sign people in (`openid`, its `/` as post-logout redirect URI).
async fn start_client(
    authorization_server: &TestAuthorizationServer,
    resource_url: &str,
    database_url: &str,
    options: &Options,
) -> TestClient {
    let issuer = &authorization_server.url;
    let mut config = client_testing::config(database_url, issuer, resource_url);
    config.client_id = CLIENT_ID.to_owned();
    config.client_secret = CLIENT_SECRET.to_owned();
    if options.discover_issuer {
        config.issuer = "auto".to_owned();
    }
    config.no_dpop = !options.client_dpop;
    config.client_key = options.client_key.as_ref().map(|files| files.pem.clone());
    config.no_par = !options.client_par;
    if let Some(tls) = &options.tls {
        config.serve = tls.serve(database_url);
        config.ca_cert = tls.back_channel_ca().map(Into::into);
    }
    let client = client_testing::spawn_called_back_at_itself(config).await;
    if let Some(files) = &options.client_key {
        add_signing_client(authorization_server, &client.url, resource_url, files).await;
        return client;
    }
    authorization_server
        .register_client(NewClient {
            client_id: CLIENT_ID.to_owned(),
            kind: ClientKind::Confidential,
            secret: Some(CLIENT_SECRET.to_owned()),
            redirect_uris: vec![format!("{}/callback", client.url)],
            scopes: ScopeSet::parse("openid profile post personal-message").unwrap(),
            grant_types: vec![
                oauth_types::GrantType::AuthorizationCode,
                oauth_types::GrantType::RefreshToken,
            ],
            resource_id: None,
            default_resource: options.default_resource.then(|| resource_url.to_owned()),
        })
        .await;
    // RP-Initiated Logout 1.0 §3: the client's home, registered exactly.
    let registered = authorization_server::store::clients::set_openid_settings(
        authorization_server.database().pool(),
        CLIENT_ID,
        &[format!("{}/", client.url)],
        options.id_token_alg,
    )
    .await
    .unwrap();
    assert!(registered, "the client's OpenID Connect settings");
    let registered = authorization_server::store::clients::set_require_pushed_requests(
        authorization_server.database().pool(),
        CLIENT_ID,
        options.client_requires_par,
    )
    .await
    .unwrap();
    assert!(registered, "whether the client must push its requests");
    client
}

/// `client add` of the client as a `private_key_jwt` client with the JWK
/// Set of its key, run in-process at the server's clock; what it
/// registers is what [`start_client`] registers for a client with a secret.
async fn add_signing_client(
    authorization_server: &TestAuthorizationServer,
    client_url: &str,
    resource_url: &str,
    files: &ClientKeyFiles,
) {
    let redirect_uri = format!("{client_url}/callback");
    let home = format!("{client_url}/");
    let jwks = files.jwks.display().to_string();
    let args = [
        "authorization-server",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &authorization_server.database_url,
        "client",
        "add",
        "--client-id",
        CLIENT_ID,
        "--kind",
        "confidential",
        "--redirect-uri",
        &redirect_uri,
        "--scope",
        "openid profile post personal-message",
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        "--default-resource",
        resource_url,
        "--post-logout-redirect-uri",
        &home,
        "--auth-method",
        "private_key_jwt",
        "--jwks",
        &jwks,
        "--database-url",
        &authorization_server.database_url,
    ];
    let mut config = <AsConfig as clap::Parser>::try_parse_from(args).unwrap();
    config.clock = authorization_server.clock.clone();
    let command = config.command.take().unwrap();
    let added = authorization_server::admin::execute(command, &config)
        .await
        .unwrap();
    assert!(!added.contains("client_secret"), "{added}");
}
