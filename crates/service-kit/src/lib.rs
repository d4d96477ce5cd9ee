//! What every role of this workspace shares, so that each role's own code
//! is only OAuth.
//!
//! A role's `main.rs` parses its configuration with [`cli`], builds its app
//! with its library's `build` function and serves it through [`server`].
//! Tests call the same `build` on port 0 with a fresh [`testing`] database.

/// Command-line flags with environment variables, and the one-line exit on
/// a bad flag.
pub mod cli;

/// Logs to stderr through `tracing`, filtered by `RUST_LOG`.
pub mod telemetry;

/// One sqlx pool over SQLite or Postgres, chosen by the URL's scheme, and
/// each role's migrations.
pub mod database;

/// The listener: plain HTTP on loopback, HTTPS through rustls, graceful
/// shutdown, the `listening on` line.
pub mod server;

/// The HTTP client for server-to-server calls: bounded waits, no
/// redirects, and the trust roots plus an optional `--ca-cert`.
pub mod back_channel;

/// Middleware and handlers every role mounts: security headers, request
/// logs without secrets, `/healthz`.
pub mod http;

/// Fresh databases for tests, on SQLite and (with `TEST_POSTGRES_URL`)
/// Postgres, and a check of a role binary's life cycle.
#[cfg(feature = "testing")]
pub mod testing;

/// Unix time in whole seconds, the one clock every store uses.
pub mod clock;

/// Each role's purge of expired rows, run on a timer while it serves.
pub mod sweeper;

pub use database::{Backend, Database, DatabaseError, Migrations};
pub use server::{RunningServer, ServeArgs, StartupError};
