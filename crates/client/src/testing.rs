//! The real client in-process, for integration tests of this crate and of
//! the other roles (feature `testing`).
//!
//! ```no_run
//! use client::testing;
//!
//! # async fn example(issuer: &str, resource_url: &str) {
//! // The binary's defaults (`strava`, `profile post`), on 127.0.0.1:0 with
//! // a fresh database, using `issuer` and calling `resource_url`.
//! let config = testing::config(&service_kit::testing::sqlite_url(), issuer, resource_url);
//! let client = testing::spawn_called_back_at_itself(config).await;
//! // Register its redirect URI, `{client.url}/callback`, at the
//! // authorization server.
//! # }
//! ```
//!
//! - [`config`]: the binary's defaults, a fresh database, port 0, the given
//!   issuer (also the only trusted one) and resource; change any field.
//! - [`spawn_with`] starts it as configured; [`spawn_called_back_at_itself`]
//!   sets the redirect URI to its own `/callback`. [`reserve`] binds first,
//!   for a test that needs the URL before the configuration is final.

use service_kit::testing::default_config;
pub use service_kit::testing::{reserve, Reserved, TestServer};

use crate::config::Config;

/// A running client.
pub type TestClient = TestServer;

/// The binary's defaults on 127.0.0.1:0 and `database_url`, with `issuer`
/// (the only trusted one for `--issuer auto`) and `resource_url`.
pub fn config(database_url: &str, issuer: &str, resource_url: &str) -> Config {
    let mut config: Config = default_config("client", database_url);
    config.issuer = issuer.to_owned();
    config.trusted_issuer = vec![issuer.to_owned()];
    config.resource_url = resource_url.to_owned();
    config
}

/// Starts the client with `config` on `reserved` (see [`reserve`]).
pub async fn start_on(reserved: Reserved, config: Config) -> TestClient {
    let database_url = config.serve.database_url.clone();
    reserved
        .start(&database_url, |listener| crate::build_on(config, listener))
        .await
}

/// Starts the client with `config`, its redirect URI as given.
pub async fn spawn_with(config: Config) -> TestClient {
    start_on(reserve(&config.serve), config).await
}

/// Starts the client with `config`, its redirect URI its own `/callback`.
pub async fn spawn_called_back_at_itself(mut config: Config) -> TestClient {
    let reserved = reserve(&config.serve);
    config.redirect_uri = format!("{}/callback", reserved.url);
    start_on(reserved, config).await
}

/// The private scalar `d` of a P-256 PKCS#8 key as the client stores it
/// (RFC 5915's `privateKey`, after `version 1`), base64url: how a JWK
/// would show it. For tests that search pages and logs for the key.
pub fn private_scalar(pkcs8: &[u8]) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let marker = [0x02, 0x01, 0x01, 0x04, 0x20];
    let at = pkcs8
        .windows(marker.len())
        .position(|window| window == marker)
        .map_or(pkcs8.len(), |at| at + marker.len());
    URL_SAFE_NO_PAD.encode(pkcs8.get(at..at + 32).unwrap_or_default())
}
