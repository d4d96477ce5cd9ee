//! A role started in-process on port 0: the listener is bound before the
//! role starts, so that its URL is known while the configuration is still
//! being written (a redirect URI or resource identifier on the role's own
//! port). Each role's `testing` module starts its app through these.

use std::future::Future;

use crate::server::Listener;
use crate::{RunningServer, ServeArgs, StartupError};

/// A bound listener and its URL.
pub struct Reserved {
    pub listener: Listener,
    /// `http://127.0.0.1:PORT` (`https://` with a certificate).
    pub url: String,
}

/// A role running in-process.
pub struct TestServer {
    /// `http://127.0.0.1:PORT` (`https://` with a certificate).
    pub url: String,
    pub database_url: String,
    pub handle: actix_web::dev::ServerHandle,
}

/// Binds the listener `serve` describes (port 0 in tests).
///
/// # Panics
/// When it cannot be bound: the test cannot run.
#[allow(clippy::panic)]
pub fn reserve(serve: &ServeArgs) -> Reserved {
    let listener = Listener::bind(serve).unwrap_or_else(|err| panic!("bind: {err}"));
    let url = listener
        .url()
        .unwrap_or_else(|err| panic!("the listener's URL: {err}"));
    Reserved { listener, url }
}

impl Reserved {
    /// Starts a role on this listener with its `build_on` (given the
    /// listener), serving `database_url`, and spawns it.
    ///
    /// # Panics
    /// When the role does not start.
    #[allow(clippy::panic)]
    pub async fn start<F, Fut>(self, database_url: &str, build_on: F) -> TestServer
    where
        F: FnOnce(Listener) -> Fut,
        Fut: Future<Output = Result<RunningServer, StartupError>>,
    {
        let (url, handle) = build_on(self.listener)
            .await
            .unwrap_or_else(|err| panic!("the role starts: {err}"))
            .spawn();
        TestServer {
            url,
            database_url: database_url.to_owned(),
            handle,
        }
    }
}

/// A role's configuration with every default of its binary, on 127.0.0.1:0
/// and `database_url` (`role` is the binary's name).
///
/// # Panics
/// When the defaults do not parse.
#[allow(clippy::panic)]
pub fn default_config<C: clap::Parser>(role: &str, database_url: &str) -> C {
    let arguments = [
        role,
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        database_url,
    ];
    C::try_parse_from(arguments).unwrap_or_else(|err| panic!("the default configuration: {err}"))
}
