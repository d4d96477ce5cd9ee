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

use service_kit::testing::default_config;
pub use service_kit::testing::{reserve, Reserved, TestServer};

use crate::config::Config;

/// A running protected resource.
pub type TestProtectedResource = TestServer;

/// The binary's defaults on 127.0.0.1:0 and `database_url`, guarded by
/// `issuer` and introspecting at its `/introspect`, with the introspection
/// cache off (so a revocation shows at once).
pub fn config(database_url: &str, issuer: &str) -> Config {
    let mut config: Config = default_config("protected-resource", database_url);
    config.issuer = issuer.to_owned();
    config.introspection_url = format!("{issuer}/introspect");
    config.introspection_cache_ttl = 0;
    config
}

/// Starts the protected resource with `config` on `reserved` (see [`reserve`]).
pub async fn start_on(reserved: Reserved, config: Config) -> TestProtectedResource {
    let database_url = config.serve.database_url.clone();
    reserved
        .start(&database_url, |listener| crate::build_on(config, listener))
        .await
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
