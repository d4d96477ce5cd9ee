//! The sign-in story (`docs/walkthrough/signin.{json,md}`), on the same
//! stage as the OAuth story: hamza signs in to Strava with OpenID Connect,
//! is greeted by name, then signs out of Strava and of the authorization
//! server (RP-Initiated Logout 1.0).

use super::story::{submit, IssuerSetting, Stage, TokenBinding};
use super::Exchange;
use crate::UserAgent;

/// The name the authorization server's demo data gives hamza (scope
/// `profile`, Core §5.4), which the home page greets him with.
const HAMZA_NAME: &str = "Hamza Ali";

/// Signs hamza in and out again on fresh SQLite databases; returns the
/// exchanges, redacted.
pub async fn record_sign_in() -> Vec<Exchange> {
    let stage = Stage::start(IssuerSetting::Configured, TokenBinding::Bearer).await;
    let client_front = &stage.client_front;
    let hamza = UserAgent::new("hamza", "hamza-password");

    // Sign in: the authentication request, login, consent, the callback
    // with its code exchange (an ID token) and the JWK Set fetch.
    let home = hamza.sign_in(client_front).await;
    assert!(
        home.contains(&format!("Signed in as <strong>{HAMZA_NAME}</strong>")),
        "{home}"
    );

    // Sign out: Strava's session, then the provider's, then home.
    let signed_out = submit(&hamza, client_front, &home, "/signout", &[]).await;
    assert!(
        signed_out.contains("href=\"/signin\"") && !signed_out.contains(HAMZA_NAME),
        "signed out: {signed_out}"
    );
    stage.recording()
}
