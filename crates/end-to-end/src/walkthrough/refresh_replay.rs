//! The refresh-replay story (`docs/walkthrough/refresh-replay.{json,md}`),
//! on the same stage as the OAuth story: hamza connects; his access token
//! expires and Strava's refresh rotates the refresh token (RFC 6749 §6).
//! Then someone with a copy of Strava's old data (the spent refresh token
//! and the client's credentials, say from a backup) presents the spent
//! refresh token. The authorization server cannot tell who is the thief,
//! so it refuses with `invalid_grant` and revokes the whole family
//! (RFC 9700 §4.14.2): hamza's next post finds the access token inactive,
//! the rotated refresh token refused, and Strava asks him to reconnect.
//!
//! The replay is sent here, by a plain HTTP client, through a proxy of its
//! own in front of the authorization server, so that the recording names
//! it `attacker`.

use super::direct::{ClientAuth, Party};
use super::story::{connect, post, submit, IssuerSetting, Stage, TokenBinding};
use super::story::{ACCESS_TOKEN_TTL, ATTACKER, AUTHORIZATION_SERVER};
use super::Exchange;
use crate::recording::RawExchange;
use crate::UserAgent;

/// What Strava says when its tokens stopped working.
const RECONNECT: &str = "Please reconnect Facebook";

/// The replay of a spent refresh token; returns the exchanges, redacted.
pub async fn record_refresh_replay() -> Vec<Exchange> {
    let mut stage = Stage::start(IssuerSetting::Configured, TokenBinding::Bearer).await;
    let client_front = stage.client_front.clone();
    let hamza = UserAgent::new("hamza", "hamza-password");

    // Connect: the code exchange issues the first refresh token.
    let connected = connect(&hamza, &client_front).await;
    let spent = first_refresh_token(&stage.raw());

    // The access token expires; the post refreshes, the refresh rotates.
    stage.advance_clock(ACCESS_TOKEN_TTL + 1);
    let posted = post(&hamza, &client_front, &connected, "10 km along the river").await;

    // The copy of the spent refresh token is presented again.
    let attacker = Party::new(&mut stage, ATTACKER, AUTHORIZATION_SERVER);
    let strava = ClientAuth::Basic {
        client_id: "strava",
        secret: "strava-secret",
    };
    let (status, refusal) = attacker
        .token_request(
            strava,
            &[("grant_type", "refresh_token"), ("refresh_token", &spent)],
        )
        .await;
    assert_eq!(status, 400, "{refusal}");
    assert_eq!(refusal["error"], "invalid_grant", "{refusal}");

    // hamza posts: the access token is inactive, the rotated refresh
    // token refused; the family is gone.
    let refused = submit(
        &hamza,
        &client_front,
        &posted,
        "/post",
        &[("message", "and back")],
    )
    .await;
    assert!(refused.contains(RECONNECT), "{refused}");
    stage.recording()
}

/// The refresh token of the first token response, as it went over the wire.
fn first_refresh_token(raw: &[RawExchange]) -> String {
    let exchange = raw
        .iter()
        .find(|exchange| exchange.path == "/token")
        .unwrap_or_else(|| panic!("the client exchanged its code"));
    let issued: serde_json::Value = serde_json::from_str(&exchange.response_body).unwrap();
    issued["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("a refresh token: {issued}"))
        .to_owned()
}
