//! The pushed-request story (`docs/walkthrough/par.{json,md}`), on the
//! same stage as the OAuth story with the client's default when the
//! authorization server offers it: pushed authorization requests (RFC
//! 9126). hamza connects Strava: the client pushes the request to `/par`,
//! the browser carries only `client_id` and `request_uri` to `/authorize`,
//! then login, consent and the code exchange run as in the first story.
//! A second browser that found that URL (in a history, a log, a `Referer`)
//! opens it again and gets an error page: a `request_uri` is used once.

use super::story::{connect, IssuerSetting, Requests, Setup, Stage, TokenBinding};
use super::Exchange;
use crate::UserAgent;

/// Connects hamza through a pushed request, replays the browser's
/// `/authorize` URL, and returns the exchanges, redacted.
pub async fn record_pushed() -> Vec<Exchange> {
    let stage = Stage::start_with(Setup {
        requests: Requests::Pushed,
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
