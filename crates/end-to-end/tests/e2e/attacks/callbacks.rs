//! Rules 3 and 25: callbacks replayed or planted.

use end_to_end::{AtConsent, Ecosystem, Options, UserAgent};
use reqwest::StatusCode;

/// `person` connects at the client and approves `profile post`, but stops
/// at the redirect back to the client: the callback URL, with its code.
async fn callback_with_a_code(person: &UserAgent, client: &str) -> String {
    person
        .walk_to_callback(client, "/connect", AtConsent::Approve("profile post"))
        .await
}

#[actix_rt::test]
async fn a_replayed_callback_is_refused_by_the_client_and_the_connection_survives() {
    let ecosystem = Ecosystem::start(Options::sqlite()).await;
    let client = &ecosystem.client_url;
    let hamza = UserAgent::new("hamza", "hamza-password");
    let callback = callback_with_a_code(&hamza, client).await;
    let connected = hamza.follow_to_page(&callback).await;
    assert!(connected.contains("Facebook is connected"), "{connected}");

    // The same URL again, from browser history: in the same browser, and
    // in an attacker's browser that has no session with the client.
    let replayed = hamza.get(&callback).await;
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST);
    let attacker = UserAgent::new("mallory", "unknown");
    let planted = attacker.get(&callback).await;
    assert_eq!(planted.status(), StatusCode::BAD_REQUEST);

    // Had the client redeemed the code a second time, the authorization
    // server would have revoked every token issued from it (rule 3): the
    // connection still works, so the replay never left the client.
    hamza.post_to_facebook(client, "still connected").await;
}

#[actix_rt::test]
async fn a_victim_cannot_be_made_to_finish_an_attackers_authorization() {
    let ecosystem = Ecosystem::start(Options::sqlite()).await;
    let client = &ecosystem.client_url;
    // The attacker (alice) starts a connection in her own browser and
    // stops at the redirect back to the client: the URL carries her code.
    let alice = UserAgent::new("alice", "alice-password");
    let alices_callback = callback_with_a_code(&alice, client).await;

    // The victim, who has a session with the client, is lured to it: if
    // it worked, his Strava would post to alice's account.
    let hamza = UserAgent::new("hamza", "hamza-password");
    let before = hamza.page(&format!("{client}/")).await;
    assert!(before.contains("Connect Facebook"), "{before}");
    let lured = hamza.get(&alices_callback).await;
    assert_eq!(lured.status(), StatusCode::BAD_REQUEST);
    let after = hamza.page(&format!("{client}/")).await;
    assert!(
        after.contains("Connect Facebook"),
        "still not connected: {after}"
    );

    // The state was checked before the code was redeemed: alice's own
    // browser can still finish her flow with that very code.
    let hers = alice.follow_to_page(&alices_callback).await;
    assert!(hers.contains("Facebook is connected"), "{hers}");
}

// ---------------------------------------------------------------------
