//! What every handler shares: settings, the database, the back-channel
//! HTTP client and the metadata cache.

use std::path::Path;
use std::time::Duration;

use service_kit::clock::Clock;
use service_kit::{Database, StartupError};
use sqlx::AnyPool;

use crate::config::Settings;
use crate::discovery::Discovery;
use crate::dpop::Nonces;

/// Shared by all handlers through `web::Data`.
pub struct AppState {
    pub settings: Settings,
    pub database: Database,
    /// For every server-to-server call (authorization server, resource).
    pub http: reqwest::Client,
    pub discovery: Discovery,
    /// The latest DPoP nonce of each server (RFC 9449 §8, §9).
    pub dpop_nonces: Nonces,
    /// The time every handler reads (tests move it forward).
    pub clock: Clock,
}

impl AppState {
    pub fn new(settings: Settings, database: Database, clock: Clock) -> Result<Self, StartupError> {
        Ok(Self {
            clock,
            database,
            http: back_channel_client(settings.ca_cert.as_deref())?,
            discovery: Discovery::new(),
            dpop_nonces: Nonces::default(),
            settings,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        self.database.pool()
    }
}

/// The back-channel client (`service_kit::back_channel`): redirects
/// disabled, so a server we call cannot bounce our credentials to another
/// address (SSRF; the `oauth2` crate's documentation asks for exactly
/// this), bounded waits, so a slow server gives a clear page instead of a
/// hung one, and `--ca-cert` trusted besides the public roots (certificates
/// are always verified).
fn back_channel_client(ca_cert: Option<&Path>) -> Result<reqwest::Client, StartupError> {
    service_kit::back_channel::client(ca_cert, Duration::from_secs(5), Duration::from_secs(10))
}
