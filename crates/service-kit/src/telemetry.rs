//! Logs go to stderr through `tracing`; `RUST_LOG` filters them.
//!
//! Nothing in this workspace logs a token, a code, a secret or a password:
//! request logs name the path, never the query string (see [`crate::http`]),
//! and credentials are newtypes whose `Debug` is redacted.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _already_installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
