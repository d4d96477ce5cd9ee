//! The real protected resource in-process, for integration tests of this
//! crate and of the other roles (feature `testing`).
//!
//! ```no_run
//! use protected_resource::testing;
//!
//! # async fn example(issuer: &str) {
//! // The binary's defaults, on 127.0.0.1:0 with a fresh database, asking
//! // `{issuer}/introspect` about every token (the cache is off).
//! let config = testing::config(&service_kit::testing::sqlite_url(), issuer);
//! let resource = testing::spawn_named_by_its_url(config).await;
//! // resource.url is also its resource identifier (the audience it accepts).
//! # }
//! ```
//!
//! - [`config`]: the binary's defaults, a fresh database, port 0, the
//!   issuer's `/introspect`, no introspection cache; change any field.
//! - [`spawn_with`] starts it as configured; [`spawn_named_by_its_url`]
//!   makes its own URL its resource identifier (RFC 8707 §2), as a
//!   deployment would. [`reserve`] binds first, for a test that needs the
//!   URL before the configuration is final.

use actix_web::dev::ServerHandle;
use clap::Parser;
pub use service_kit::testing::{reserve, Reserved};
use service_kit::ServeArgs;

use crate::config::Config;

/// A running protected resource.
pub struct TestProtectedResource {
    /// `http://127.0.0.1:PORT` (or `https://` with a certificate).
    pub url: String,
    pub database_url: String,
    pub handle: ServerHandle,
}

/// The binary's defaults on 127.0.0.1:0 and `database_url`, guarded by
/// `issuer` and introspecting at its `/introspect`, with the introspection
/// cache off (so a revocation shows at once).
#[allow(clippy::panic)] // a test helper: the defaults always parse
pub fn config(database_url: &str, issuer: &str) -> Config {
    let mut config = Config::try_parse_from([
        "protected-resource",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        database_url,
    ])
    .unwrap_or_else(|err| panic!("the default configuration: {err}"));
    config.serve = ServeArgs::for_test(database_url);
    config.issuer = issuer.to_owned();
    config.introspection_url = format!("{issuer}/introspect");
    config.introspection_cache_ttl = 0;
    config
}

/// Starts the protected resource with `config` on `reserved` (see [`reserve`]).
#[allow(clippy::panic)] // a test helper: a protected resource that cannot start fails the test
pub async fn start_on(reserved: Reserved, config: Config) -> TestProtectedResource {
    let database_url = config.serve.database_url.clone();
    let (url, handle) = crate::build_on(config, reserved.listener)
        .await
        .unwrap_or_else(|err| panic!("the protected resource starts: {err}"))
        .spawn();
    TestProtectedResource {
        url,
        database_url,
        handle,
    }
}

/// Starts the resource with `config`, its resource identifier as given.
pub async fn spawn_with(config: Config) -> TestProtectedResource {
    start_on(reserve(&config.serve), config).await
}

/// Starts the resource with `config`, its own URL as its resource
/// identifier (the audience it accepts, and the `resource` of its RFC 9728
/// document).
pub async fn spawn_named_by_its_url(mut config: Config) -> TestProtectedResource {
    let reserved = reserve(&config.serve);
    config.resource_id.clone_from(&reserved.url);
    start_on(reserved, config).await
}
