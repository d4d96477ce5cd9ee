//! The three roles wired as in the demo, on free loopback ports.
//!
//! ```text
//!   client ──metadata, /token, /revoke──▶ authorization server
//!     │                                        ▲
//!     └──── /api/… (Bearer) ──▶ protected resource ──/introspect or JWKS
//! ```

use authorization_server::testing::{self as as_testing, ClientKind, NewClient};
use authorization_server::{AccessTokenFormat, Config as AsConfig};
use clap::Parser;
use oauth_types::ScopeSet;
use service_kit::server::Listener;
use service_kit::ServeArgs;

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
}

impl Ecosystem {
    pub async fn start(options: Options) -> Self {
        let [as_database, rs_database, client_database] = options.databases;
        let mut as_config = AsConfig::for_test(&as_database);
        if options.validation == Validation::Jwt {
            as_config.access_token_format = AccessTokenFormat::Jwt;
        }
        let authorization_server = as_testing::spawn_with(as_config).await;
        let resource_url =
            start_resource(&authorization_server.url, &rs_database, options.validation).await;
        let client_url = start_client(
            &authorization_server,
            &resource_url,
            &client_database,
            options.discover_issuer,
        )
        .await;
        Self {
            authorization_server,
            resource_url,
            client_url,
        }
    }
}

/// The resource with the demo's resource identifier (the demo registration
/// `protected-resource-1` covers it) and, with introspection, no cache, so
/// a revocation shows at once.
async fn start_resource(issuer: &str, database_url: &str, validation: Validation) -> String {
    let introspection_url = format!("{issuer}/introspect");
    let mode = match validation {
        Validation::Introspection => "introspection",
        Validation::Jwt => "jwt",
    };
    let config = protected_resource::Config::parse_from([
        "protected-resource",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        database_url,
        "--introspection-url",
        &introspection_url,
        "--issuer",
        issuer,
        "--introspection-cache-ttl",
        "0",
        "--validation",
        mode,
    ]);
    let listener = Listener::bind(&config.serve).unwrap();
    let (url, _handle) = protected_resource::build_on(config, listener)
        .await
        .unwrap()
        .spawn();
    url
}

/// The client, registered at the authorization server with a redirect URI
/// on its own port, asking for `profile post` like the demo's.
async fn start_client(
    authorization_server: &TestAuthorizationServer,
    resource_url: &str,
    database_url: &str,
    discover_issuer: bool,
) -> String {
    let listener = Listener::bind(&ServeArgs::for_test(database_url)).unwrap();
    let client_url = listener.url().unwrap();
    let redirect_uri = format!("{client_url}/callback");
    authorization_server
        .register_client(NewClient {
            client_id: CLIENT_ID.to_owned(),
            kind: ClientKind::Confidential,
            secret: Some(CLIENT_SECRET.to_owned()),
            redirect_uris: vec![redirect_uri.clone()],
            scopes: ScopeSet::parse("profile post personal-message").unwrap(),
            grant_types: vec!["authorization_code".to_owned(), "refresh_token".to_owned()],
            resource_id: None,
        })
        .await;
    let issuer = if discover_issuer {
        "auto".to_owned()
    } else {
        authorization_server.url.clone()
    };
    let config = client::Config {
        serve: ServeArgs::for_test(database_url),
        issuer,
        issuer_internal_url: None,
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        redirect_uri,
        resource_url: resource_url.to_owned(),
        resource_internal_url: None,
        scope: "profile post".to_owned(),
    };
    let _ = client::build_on(config, listener).await.unwrap().spawn();
    client_url
}
