//! What every handler shares: settings, the database, the back-channel
//! HTTP client and the metadata cache.

use std::time::Duration;

use service_kit::{Database, StartupError};
use sqlx::AnyPool;

use crate::config::Settings;
use crate::discovery::Discovery;

/// Shared by all handlers through `web::Data`.
pub struct AppState {
    pub settings: Settings,
    pub database: Database,
    /// For every server-to-server call (authorization server, resource).
    pub http: reqwest::Client,
    pub discovery: Discovery,
}

impl AppState {
    pub fn new(settings: Settings, database: Database) -> Result<Self, StartupError> {
        Ok(Self {
            settings,
            database,
            http: back_channel_client()?,
            discovery: Discovery::new(),
        })
    }

    pub fn pool(&self) -> &AnyPool {
        self.database.pool()
    }
}

/// The back-channel client: redirects disabled, so a server we call cannot
/// bounce our credentials to another address (SSRF; the `oauth2` crate's
/// documentation asks for exactly this), and bounded waits, so a slow
/// server gives a clear page instead of a hung one.
fn back_channel_client() -> Result<reqwest::Client, StartupError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|err| StartupError::Config(format!("cannot build the HTTP client: {err}")))
}
