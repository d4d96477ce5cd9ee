//! The authorization server (RFC 6749 §1.1): it authenticates resource
//! owners, asks for their consent, and issues authorization codes, access
//! tokens and refresh tokens to clients; resource servers ask it about
//! tokens (RFC 7662).
//!
//! `main.rs` parses the flags and either runs an admin command ([`admin`])
//! or serves through [`build`]. Tests bind a listener first, put its URL in
//! the config as the issuer, and call [`build_on`]; see [`testing`] (feature
//! `testing`) for the ready-made harness other crates use.

/// `user add`, `client add`, …
pub mod admin;
/// RFC 8707 audiences.
pub mod audience;
/// The redirect back to the client (RFC 6749 §4.1.2, RFC 9207).
pub mod authorization_response;
/// `private_key_jwt` client assertions (RFC 7523): checked, and spent once.
pub mod client_assertion;
/// Client authentication (RFC 6749 §2.3).
pub mod client_auth;
/// Registered clients cached for a few seconds.
pub mod client_cache;
/// Flags, environment variables and admin subcommands (`AS_…`).
pub mod config;
/// `--demo` data.
pub mod demo;
/// DPoP (RFC 9449): proofs at `/token` and `/userinfo`, and token binding.
pub mod dpop;
/// JSON (RFC 6749 §5.2) and HTML error answers.
pub mod errors;
/// Form bodies and query strings, refused cleanly when malformed.
pub mod form;
/// The grant types of `/token`.
pub mod grants;
/// RFC 9068 JWT access tokens, ID tokens, their keys and the JWK Set.
pub mod jwt;
/// OpenID Connect: ID tokens and the parameters of an OpenID request.
pub mod oidc;
/// The askama pages.
pub mod pages;
/// argon2id password hashing.
pub mod passwords;
/// Which redirect URIs a client may register.
pub mod redirect_uris;
/// Dynamic client registration (RFC 7591, RFC 7592): documents and answers.
pub mod registration;
/// The endpoints.
pub mod routes;
/// The session cookie and CSRF check.
pub mod session;
/// Shared handler state: pool, issuer, clock, lifetimes.
pub mod state;
/// The tables, one module per family.
pub mod store;
/// The real server in-process, for tests of every crate.
#[cfg(feature = "testing")]
pub mod testing;

use std::process::ExitCode;

use actix_web::web;
use service_kit::cli::Role;
use service_kit::server::{serve, Listener};
use service_kit::sweeper::Sweeper;
use service_kit::{Database, Migrations, RunningServer, StartupError};

pub use config::{AccessTokenFormat, Config};

/// How this binary is named on the command line and in the environment.
pub const ROLE: Role = Role {
    name: "authorization-server",
    env_prefix: "AS_",
    default_addr: "127.0.0.1:9001",
    default_database_url: "sqlite://data/authorization-server.db",
};

/// This role's tables, one migration set per backend.
pub static MIGRATIONS: Migrations = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// What `main` does: an admin command, or serve until stopped.
pub async fn main(mut config: Config) -> ExitCode {
    match config.command.take() {
        Some(command) => admin::run(command, &config).await,
        None => service_kit::cli::serve_until_stopped(ROLE, build(config)).await,
    }
}

/// Binds `--addr` and serves (see [`build_on`]).
pub async fn build(config: Config) -> Result<RunningServer, StartupError> {
    let listener = Listener::bind(&config.serve)?;
    build_on(config, listener).await
}

/// Opens and migrates the database, seeds the demo data when asked, and
/// serves on an already bound listener.
pub async fn build_on(config: Config, listener: Listener) -> Result<RunningServer, StartupError> {
    config::check_issuer(&config.issuer).map_err(StartupError::Config)?;
    let database = Database::connect(&config.serve.database_url).await?;
    database.migrate(&MIGRATIONS).await?;
    if config.demo {
        demo::seed(database.pool(), config.clock.now())
            .await
            .map_err(|error| StartupError::Config(error.to_string()))?;
    }
    let signer = jwt::start(&config, database.pool())
        .await
        .map_err(|error| StartupError::Config(error.to_string()))?;
    let dpop_nonce = match config.dpop_nonce {
        true => Some(dpop::nonce_secret(database.pool()).await?),
        false => None,
    };
    let state = web::Data::new(state::AppState::new(
        &config,
        database.pool().clone(),
        signer,
        dpop_nonce,
    ));
    let sweeper = sweeper(&config, database.pool().clone());
    let database = web::Data::new(database);
    let server = serve(listener, move || {
        service_kit::http::role_app(database.clone())
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(form::MAX_BODY_BYTES))
            .configure(routes::configure)
    })?;
    Ok(server.with_sweeper(sweeper))
}

/// Expired sessions, pending requests, login failures, codes and tokens,
/// swept every `sweep_interval` at the server's clock.
fn sweeper(config: &Config, pool: sqlx::AnyPool) -> Sweeper {
    let clock = config.clock.clone();
    let window = config.login_limits.window_seconds;
    Sweeper::new(config.serve.sweep_interval, move || {
        let (pool, now) = (pool.clone(), clock.now());
        async move { store::housekeeping::purge_expired(&pool, now, window).await }
    })
}
