//! The protected resource (RFC 6749 §1.1), "Facebook": an API that accepts
//! bearer tokens (RFC 6750), asks the authorization server what each token
//! is good for (RFC 7662) or checks RFC 9068 JWT access tokens itself, and
//! enforces scopes.
//!
//! A guided tour, in the order a request meets the code:
//! - [`bearer`]: where the token is (RFC 6750 §2), the extractor
//!   `Authorized<Scope>` every API handler takes, and the refusals (§3);
//! - [`validation`]: the two methods of `--validation` behind one door;
//! - [`introspection`]: asking the authorization server (RFC 7662), the
//!   rules an answer must pass, and the cache of active answers;
//! - [`jwt`]: checking RFC 9068 JWT access tokens with the issuer's keys;
//! - [`routes`]: one module per endpoint; [`store`]: the tables;
//! - [`metadata`]: the RFC 9728 document that tells clients which
//!   authorization server guards this resource.
//!
//! `main.rs` only calls [`build`] through `service_kit::cli::run`; tests bind
//! a listener on port 0 and call [`build_on`].

/// Flags and environment variables (`RS_…`).
pub mod config;

/// RFC 6750 bearer tokens: locating, authorizing, refusing.
pub mod bearer;

/// Introspection or JWT: one door for both.
pub mod validation;

/// RFC 7662 introspection, its rules and its cache.
pub mod introspection;

/// RFC 9068 JWT access tokens, checked locally.
pub mod jwt;

/// RFC 9449 DPoP at the resource: the proof of each request, its key, its
/// single use.
pub mod dpop;

/// RFC 9728 protected resource metadata and this resource's identity.
pub mod metadata;

/// What owners write, parsed once.
pub mod content;

/// One module per endpoint.
pub mod routes;

/// The tables: users seen, posts, messages.
pub mod store;

/// The HTML pages.
pub mod pages;

/// The real resource in-process, for tests of every crate.
#[cfg(feature = "testing")]
pub mod testing;

use std::time::Duration;

use actix_web::middleware::from_fn;
use actix_web::web;
use oauth_types::secret::ClientSecret;
use service_kit::cli::Role;
use service_kit::server::{serve, Listener};
use service_kit::{Database, Migrations, RunningServer, StartupError};

pub use config::{Config, ValidationMethod};

use crate::introspection::IntrospectionSettings;
use crate::jwt::{JwtSettings, KeySettings};
use crate::metadata::{ResourceIdentity, WELL_KNOWN_PATH};
use crate::validation::TokenValidator;

/// How this binary is named on the command line and in the environment.
pub const ROLE: Role = Role {
    name: "protected-resource",
    env_prefix: "RS_",
    default_addr: "127.0.0.1:9002",
    default_database_url: "sqlite://data/protected-resource.db",
};

/// This role's tables, one migration set per backend.
static MIGRATIONS: Migrations = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// Binds the listener and starts serving (what `main.rs` runs).
pub async fn build(config: Config) -> Result<RunningServer, StartupError> {
    let listener = Listener::bind(&config.serve)?;
    build_on(config, listener).await
}

/// Opens and migrates the database and serves on an already bound
/// `listener` (tests bind first, to know the URL).
pub async fn build_on(config: Config, listener: Listener) -> Result<RunningServer, StartupError> {
    let identity = web::Data::new(ResourceIdentity::new(&config.resource_id, &config.issuer)?);
    let validator = web::Data::new(token_validator(&config)?);
    let database = Database::connect(&config.serve.database_url).await?;
    database.migrate(&MIGRATIONS).await?;
    let nonces = match config.dpop_nonce {
        true => dpop::NonceRequirement::load(database.pool())
            .await
            .map_err(|error| StartupError::Config(format!("the DPoP nonce secret: {error}")))?,
        false => dpop::NonceRequirement::default(),
    };
    let nonces = web::Data::new(nonces);
    let database = web::Data::new(database);
    let clock = web::Data::new(config.clock.clone());
    let replay = web::Data::new(dpop::ProofReplay::default());
    serve(listener, move || {
        let mut app = service_kit::http::role_app(database.clone())
            .app_data(validator.clone())
            .app_data(identity.clone())
            .app_data(clock.clone())
            .app_data(replay.clone())
            .app_data(nonces.clone())
            .route("/", web::get().to(routes::wall::get))
            .route(
                identity.metadata_path(),
                web::get().to(routes::metadata::get),
            );
        if identity.metadata_path() != WELL_KNOWN_PATH {
            app = app.route(WELL_KNOWN_PATH, web::get().to(routes::metadata::get));
        }
        // Each handler names the scope it needs in its signature:
        // `Authorized<scope::Profile>`, `Authorized<scope::Post>`, …
        app.service(
            web::scope("/api")
                .wrap(from_fn(bearer::refusal::bearer_answers))
                .service(web::resource("/me").get(routes::me::get))
                .service(
                    web::resource("/posts")
                        .get(routes::posts::list)
                        .post(routes::posts::create),
                )
                .service(web::resource("/messages").post(routes::messages::send)),
        )
    })
}

/// The `--validation` method, configured, calling the authorization server
/// through the back-channel client (which also trusts `--ca-cert`).
fn token_validator(config: &Config) -> Result<TokenValidator, StartupError> {
    let timeout = Duration::from_millis(config.introspection_timeout_ms);
    let method = match config.validation {
        ValidationMethod::Introspection => {
            validation::MethodSettings::Introspection(introspection_settings(config, timeout)?)
        }
        ValidationMethod::Jwt => validation::MethodSettings::Jwt(jwt_settings(config, timeout)?),
    };
    let http = service_kit::back_channel::client(config.ca_cert.as_deref(), timeout, timeout)?;
    Ok(TokenValidator::with_client(method, http))
}

fn introspection_settings(
    config: &Config,
    timeout: Duration,
) -> Result<IntrospectionSettings, StartupError> {
    let endpoint = url::Url::parse(&config.introspection_url).map_err(|_| {
        StartupError::Config(format!(
            "--introspection-url '{}' is not an absolute URL",
            config.introspection_url
        ))
    })?;
    Ok(IntrospectionSettings {
        endpoint,
        client_id: config.client_id.clone(),
        client_secret: ClientSecret::new(config.client_secret.clone()),
        resource_id: config.resource_id.clone(),
        timeout,
        cache_ttl_seconds: config.introspection_cache_ttl,
    })
}

fn jwt_settings(config: &Config, timeout: Duration) -> Result<JwtSettings, StartupError> {
    let issuer_url = http_url("--issuer", &config.issuer)?;
    let internal_url = match &config.issuer_internal_url {
        Some(internal) => {
            let url = http_url("--issuer-internal-url", internal)?;
            if url.path() != "/" || url.query().is_some() {
                return Err(StartupError::Config(format!(
                    "--issuer-internal-url '{internal}' must be an origin only (scheme, host, port)"
                )));
            }
            Some(url)
        }
        None => None,
    };
    Ok(JwtSettings {
        keys: KeySettings {
            issuer: config.issuer.clone(),
            issuer_url,
            internal_url,
            timeout,
            cache_ttl_seconds: config.jwks_cache_ttl,
            refetch_interval_seconds: config.jwks_refetch_interval,
        },
        resource_id: config.resource_id.clone(),
    })
}

/// An absolute http(s) URL with a host, or a one-line startup error.
fn http_url(flag: &str, value: &str) -> Result<url::Url, StartupError> {
    url::Url::parse(value)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
        .ok_or_else(|| {
            StartupError::Config(format!("{flag} '{value}' is not an absolute http(s) URL"))
        })
}
