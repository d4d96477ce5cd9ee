//! The pushed-request story (`docs/walkthrough/par.{json,md}`), on the
//! same stage as the OAuth story in the shape FAPI 2.0 asks of a client:
//! pushed authorization requests (RFC 9126), required for `strava`
//! (§6 `require_pushed_authorization_requests`), and `private_key_jwt`
//! client authentication (RFC 7523 §2.2) with a fresh key pair, no
//! secret. hamza connects Strava: the client pushes the request to
//! `/par` with a `client_assertion`, the browser carries only `client_id`
//! and `request_uri` to `/authorize`, then login, consent and the code
//! exchange, with a new `client_assertion`, run as in the first story.
//! A second browser that found that URL (in a history, a log, a `Referer`)
//! opens it again and gets an error page: a `request_uri` is used once.

use super::story::{connect, IssuerSetting, Requests, Setup, Stage, TokenBinding};
use super::Exchange;
use crate::client_key::ClientKeyFiles;
use crate::UserAgent;

/// Connects hamza through a pushed request, replays the browser's
/// `/authorize` URL, and returns the exchanges, redacted.
pub async fn record_pushed() -> Vec<Exchange> {
    let stage = Stage::start_with(Setup {
        requests: Requests::Pushed,
        client_key: Some(ClientKeyFiles::generate()),
        ..Setup::new(IssuerSetting::Configured, TokenBinding::Bearer)
    })
    .await;
    let hamza = UserAgent::new("hamza", "hamza-password");

    // Connect: the push, `/authorize` with the `request_uri`, login,
    // consent, callback, code exchange.
    connect(&hamza, &stage.client_front).await;

    // The same `/authorize` URL again, from another browser: refused.
    let authorize = stage
        .raw()
        .into_iter()
        .find(|exchange| exchange.path == "/authorize")
        .and_then(|exchange| exchange.query)
        .expect("the browser went to /authorize");
    let stranger = UserAgent::new("alice", "alice-password");
    let replayed = stranger
        .get(&format!("{}/authorize?{authorize}", stage.issuer))
        .await;
    assert_eq!(replayed.status(), 400, "a request_uri is used once");
    stage.recording()
}
