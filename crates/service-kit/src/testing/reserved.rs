//! A listener bound before a role starts in-process, so that its URL is
//! known while the configuration is still being written (a redirect URI
//! or resource identifier on the role's own port). Each role's `testing`
//! module starts its app on one.

use crate::server::Listener;
use crate::ServeArgs;

/// A bound listener and its URL.
pub struct Reserved {
    pub listener: Listener,
    /// `http://127.0.0.1:PORT` (`https://` with a certificate).
    pub url: String,
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
