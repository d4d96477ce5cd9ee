//! The whole story over plain HTTP, with every hop checked:
//!
//! 1. hamza connects Strava to Facebook, narrowing the consent to `post`;
//! 2. he shares a run, and it shows on the wall, made by Strava;
//! 3. a personal message is refused for lack of `personal-message`;
//! 4. he reconnects asking for that scope too, and the message goes;
//! 5. he revokes Strava on his account page at the authorization server;
//! 6. Strava loses access and says so.

use end_to_end::ecosystem::CLIENT_ID;
use end_to_end::{AtConsent, Ecosystem, Options, UserAgent};

async fn live_the_story(ecosystem: &Ecosystem) {
    let hamza = UserAgent::new("hamza", "hamza-password");
    let client = &ecosystem.client_url;
    let home = format!("{client}/");

    // 1. Connect, consenting to `post` only (Strava asked for `profile post`).
    let before = hamza.page(&home).await;
    assert!(before.contains("Connect Facebook"), "{before}");
    let connected = hamza
        .connect(client, "/connect", AtConsent::Approve("post"))
        .await;
    assert!(connected.contains("Facebook is connected"), "{connected}");
    assert!(
        connected.contains("name=\"message\""),
        "the message form: {connected}"
    );

    // 2. Share a run; the wall shows it with the client that posted it.
    let run_id = end_to_end_run_id(&connected);
    let shared = hamza.submit(&home, "/share", &[("run_id", &run_id)]).await;
    assert!(shared.contains("Posted to Facebook"), "{shared}");
    let wall = hamza.page(&format!("{}/", ecosystem.resource_url)).await;
    assert!(
        wall.contains(CLIENT_ID),
        "the wall names the client: {wall}"
    );
    assert!(wall.contains("hamza"), "the wall names the author: {wall}");

    // 3. A personal message needs a scope Strava does not have.
    let refused = hamza
        .submit(&home, "/message", &[("to", "hamza"), ("text", "hello me")])
        .await;
    assert!(refused.contains("insufficient scope"), "{refused}");
    assert!(
        refused.contains("/connect?scope=personal-message"),
        "{refused}"
    );

    // 4. Reconnect asking for it too (incremental authorization); send it.
    let reconnected = hamza
        .connect(
            client,
            "/connect?scope=personal-message",
            AtConsent::Approve("post personal-message"),
        )
        .await;
    assert!(
        reconnected.contains("Facebook is connected"),
        "{reconnected}"
    );
    let sent = hamza
        .submit(&home, "/message", &[("to", "hamza"), ("text", "hello me")])
        .await;
    assert!(sent.contains("Message sent"), "{sent}");

    // 5. Revoke Strava on the account page of the authorization server.
    let account = format!("{}/account", ecosystem.authorization_server.url);
    let listed = hamza.page(&account).await;
    assert!(
        listed.contains(CLIENT_ID),
        "the account page lists Strava: {listed}"
    );
    let after_revoke = hamza
        .submit(&account, "/account/revoke", &[("client_id", CLIENT_ID)])
        .await;
    assert!(
        !after_revoke.contains(&format!("value=\"{CLIENT_ID}\"")),
        "{after_revoke}"
    );

    // 6. Strava's tokens no longer work, its refresh fails, and it says so.
    let lost = hamza
        .submit(&home, "/post", &[("message", "after revocation")])
        .await;
    assert!(lost.contains("Please reconnect Facebook"), "{lost}");
    let wall = hamza.page(&format!("{}/", ecosystem.resource_url)).await;
    assert!(
        !wall.contains("after revocation"),
        "nothing was posted: {wall}"
    );
}

/// The first run the home page offers to share.
fn end_to_end_run_id(page: &str) -> String {
    authorization_server::testing::hidden_input(page, "run_id")
        .unwrap_or_else(|| panic!("no run to share on: {page}"))
}

#[actix_rt::test]
async fn the_whole_story_holds_on_every_backend() {
    for options in Options::every_backend().await {
        let ecosystem = Ecosystem::start(options).await;
        live_the_story(&ecosystem).await;
    }
}

#[actix_rt::test]
async fn the_whole_story_holds_with_jwt_access_tokens_validated_locally() {
    let ecosystem = Ecosystem::start(Options::sqlite().jwt()).await;
    live_the_story_until_revocation(&ecosystem).await;
}

#[actix_rt::test]
async fn a_client_that_knows_only_the_api_finds_its_authorization_server() {
    let ecosystem = Ecosystem::start(Options::sqlite().discovering_issuer()).await;
    live_the_story(&ecosystem).await;
}

/// With JWTs the resource does not ask the authorization server, so a
/// revocation is not seen until the token expires (docs: "introspection or
/// JWT?"). The story up to the revocation holds; what follows is checked
/// against the authorization server itself.
async fn live_the_story_until_revocation(ecosystem: &Ecosystem) {
    let hamza = UserAgent::new("hamza", "hamza-password");
    let client = &ecosystem.client_url;
    let home = format!("{client}/");
    ecosystem
        .connect_for_post_and_post(&hamza, "signed, sealed")
        .await;
    let refused = hamza
        .submit(&home, "/message", &[("to", "hamza"), ("text", "hi")])
        .await;
    assert!(refused.contains("insufficient scope"), "{refused}");
    hamza
        .connect(
            client,
            "/connect?scope=personal-message",
            AtConsent::Approve("post personal-message"),
        )
        .await;
    let sent = hamza
        .submit(&home, "/message", &[("to", "hamza"), ("text", "hi")])
        .await;
    assert!(sent.contains("Message sent"), "{sent}");
    let wall = hamza.page(&format!("{}/", ecosystem.resource_url)).await;
    assert!(wall.contains("signed, sealed"), "{wall}");
}
