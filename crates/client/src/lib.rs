//! The client (RFC 6749 §1.1), "Strava": a web app for runners that
//! connects a user's "Facebook" account through the authorization code
//! flow with PKCE and posts runs on the user's behalf.
//!
//! `main.rs` only calls [`build`] through `service_kit::cli::run`; tests
//! bind a listener first and call [`build_on`], so the server's own URL can
//! go into the configuration (the redirect URI).
//!
//! A guided tour, in the order a request meets them:

/// Flags and environment variables (`CLIENT_…`), parsed once into `Settings`.
pub mod config;

/// The browser session (the runner), its cookie and its anti-CSRF token.
pub mod session;

/// Who owns runs and a connection: a browser session or a signed-in person.
pub mod owner;

/// The origin the browser uses; `localhost` and `127.0.0.1` as aliases.
pub mod origin;

/// `GET /connect`, `GET /signin`, `GET /callback`, `POST /signout`, the
/// forms and the teaching page.
pub mod routes;

/// RFC 8414 metadata or OpenID Connect Discovery 1.0, each the other's
/// fallback: the authorization server's endpoints, cached briefly;
/// with `--issuer auto`, found first through the resource (RFC 9728).
pub mod discovery;

/// `WWW-Authenticate` challenges (RFC 9110 §11), read for RFC 9728 §5.1.
pub mod challenge;

/// The OAuth side through the `oauth2` crate: authorization request, code
/// exchange, refresh, revocation, with a recording HTTP client.
pub mod oauth;

/// Pushed authorization requests (RFC 9126): the request posted to the
/// server first, the browser carrying only its `request_uri`.
pub mod pushed_authorization;

/// OpenID Connect, the relying party: the sign-in request, the ID token
/// validated per Core §3.1.3.7, RP-initiated logout.
pub mod openid;

/// `private_key_jwt` (RFC 7523): with `--client-key`, assertions signed
/// by the client's key instead of its secret.
pub mod client_assertion;

/// DPoP (RFC 9449): a key pair per connection, proofs on the token
/// requests and the resource calls, server nonces.
pub mod dpop;

/// Acting as the user: tokens kept fresh, refresh on `invalid_token`.
pub mod connection;

/// `client device`: "Strava on a watch", through the device authorization
/// grant (RFC 8628), in the terminal.
pub mod device;

/// Calls to the protected resource with the token, as Bearer (RFC 6750)
/// or DPoP-bound (RFC 9449 §7).
pub mod resource;

/// "Behind the scenes": steps with their RFC sections, secrets shortened.
pub mod trace;

/// The runner's demo runs.
pub mod runs;

/// The one-shot outcome shown after a 303.
pub mod notice;

/// askama page structs.
pub mod pages;

/// Shared handler state: settings, database, HTTP client, metadata cache.
pub mod state;

/// The client's tables.
pub mod store;

/// The real client in-process, for tests of every crate.
#[cfg(feature = "testing")]
pub mod testing;

use actix_web::web;
use service_kit::cli::Role;
use service_kit::server::{serve, Listener};
use service_kit::sweeper::Sweeper;
use service_kit::{Database, Migrations, RunningServer, StartupError};

pub use config::{Config, Settings};

/// How this binary is named on the command line and in the environment.
pub const ROLE: Role = Role {
    name: "client",
    env_prefix: "CLIENT_",
    default_addr: "127.0.0.1:9000",
    default_database_url: "sqlite://data/client.db",
};

/// This role's tables, one migration set per backend.
pub static MIGRATIONS: Migrations = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// Checks the flags, binds the listener and serves (what `main.rs` runs).
/// Configuration mistakes are reported before anything is bound.
pub async fn build(config: Config) -> Result<RunningServer, StartupError> {
    Settings::from_config(&config)?;
    let listener = Listener::bind(&config.serve)?;
    build_on(config, listener).await
}

/// Checks the configuration, opens and migrates the database and serves on
/// an already bound listener. The other roles are not contacted: they are
/// reached when a request needs them.
pub async fn build_on(config: Config, listener: Listener) -> Result<RunningServer, StartupError> {
    let settings = Settings::from_config(&config)?;
    let database = Database::connect(&config.serve.database_url).await?;
    database.migrate(&MIGRATIONS).await?;
    let state = web::Data::new(state::AppState::new(
        settings,
        database.clone(),
        config.clock.clone(),
    )?);
    let sweeper = sweeper(&config, database.pool().clone());
    let database = web::Data::new(database);
    let server = serve(listener, move || {
        service_kit::http::role_app(database.clone())
            .app_data(state.clone())
            .app_data(routes::errors::form_config())
            .app_data(routes::errors::query_config())
            .configure(routes::configure)
    })?;
    Ok(server.with_sweeper(sweeper))
}

/// Expired sessions (with everything they own) and spent or expired
/// authorization requests, swept every `interval`.
fn sweeper(config: &Config, pool: sqlx::AnyPool) -> Sweeper {
    let clock = config.clock.clone();
    Sweeper::new(config.serve.sweep_interval, move || {
        let (pool, now) = (pool.clone(), clock.now());
        async move { store::housekeeping::purge_expired(&pool, now).await }
    })
}
