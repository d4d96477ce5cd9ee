//! The refused-consent story (`docs/walkthrough/refused-consent.{json,md}`),
//! on the same stage as the OAuth story: hamza starts connecting Facebook,
//! logs in, and denies at the consent screen. The authorization server
//! sends the browser back with `error=access_denied`, `state` and `iss`
//! (RFC 6749 §4.1.2.1, RFC 9207 §2); Strava says so, and no token is
//! ever asked for.

use super::story::{IssuerSetting, Stage, TokenBinding};
use super::Exchange;
use crate::{AtConsent, UserAgent};

/// What Strava's callback page says when the person said no.
const REFUSED: &str = "You did not connect Facebook";

/// hamza denies at the consent screen, on fresh SQLite databases; returns
/// the exchanges, redacted.
pub async fn record_refused_consent() -> Vec<Exchange> {
    let stage = Stage::start(IssuerSetting::Configured, TokenBinding::Bearer).await;
    let client_front = &stage.client_front;
    let hamza = UserAgent::new("hamza", "hamza-password");

    // Connect, log in, deny: the authorization response is an error.
    let callback = hamza
        .walk_to_callback(client_front, "/connect", AtConsent::Deny)
        .await;
    let response = AuthorizationResponse::parse(&callback);
    assert_eq!(response.error.as_deref(), Some("access_denied"));
    assert!(response.state.is_some(), "state comes back: {callback}");
    assert_eq!(response.iss.as_deref(), Some(stage.issuer()));
    assert!(!response.has_code, "no code with an error: {callback}");

    // Strava's callback shows the refusal, and asks for no token.
    let refused = hamza.get(&callback).await;
    assert_eq!(refused.status(), 400, "the callback refuses");
    let page = refused.text().await.unwrap();
    assert!(page.contains(REFUSED), "{page}");
    assert!(
        stage.raw().iter().all(|exchange| exchange.path != "/token"),
        "no token request"
    );
    stage.recording()
}

/// The parameters of an authorization response that matter here
/// (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 §2).
struct AuthorizationResponse {
    error: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    has_code: bool,
}

impl AuthorizationResponse {
    fn parse(callback: &str) -> Self {
        let url = url::Url::parse(callback).unwrap();
        let get = |name: &str| {
            url.query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        };
        Self {
            error: get("error"),
            state: get("state"),
            iss: get("iss"),
            has_code: get("code").is_some(),
        }
    }
}
