//! The protected resource (RFC 6749 §1.1), "Facebook": an API that accepts
//! bearer tokens (RFC 6750), asks the authorization server what each token
//! is good for (RFC 7662), and enforces scopes.
//!
//! `main.rs` only calls [`build`] through `service_kit::cli::run`; tests call
//! [`build`] directly on port 0 with a fresh database.

/// Flags and environment variables (`RS_…`).
pub mod config;

use actix_web::middleware::from_fn;
use actix_web::{web, App};
use service_kit::cli::Role;
use service_kit::server::{serve, Listener};
use service_kit::{Database, Migrations, RunningServer, StartupError};

pub use config::Config;

/// How this binary is named on the command line and in the environment.
pub const ROLE: Role = Role {
    name: "protected-resource",
    env_prefix: "RS_",
    default_addr: "127.0.0.1:9002",
    default_database_url: "sqlite://data/protected-resource.db",
};

/// This role's tables, one migration set per backend.
static MIGRATIONS: Migrations = Migrations {
    sqlite: sqlx::migrate!("../../migrations/protected-resource/sqlite"),
    postgres: sqlx::migrate!("../../migrations/protected-resource/postgres"),
};

/// Opens and migrates the database, binds the listener and starts serving.
pub async fn build(config: Config) -> Result<RunningServer, StartupError> {
    let database = Database::connect(&config.serve.database_url).await?;
    database.migrate(&MIGRATIONS).await?;
    let listener = Listener::bind(&config.serve)?;
    let database = web::Data::new(database);
    serve(listener, move || {
        App::new()
            .wrap(service_kit::http::security_headers())
            .wrap(from_fn(service_kit::http::log_request))
            .app_data(database.clone())
            .route("/healthz", web::get().to(service_kit::http::healthz))
    })
}
