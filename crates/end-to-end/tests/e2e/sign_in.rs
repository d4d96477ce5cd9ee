//! A person signs in at the client with OpenID Connect, across the three
//! real roles, on every backend:
//!
//! 1. hamza signs in at Strava (login and consent at the authorization
//!    server, the ID token checked by Strava) and sees his name;
//! 2. he connects Facebook and posts;
//! 3. on a second browser he signs in and finds the same runs and the same
//!    connection; alice, signing in, finds neither;
//! 4. he signs out: Strava's session ends, then the authorization server's
//!    (RP-Initiated Logout 1.0), and the browser is back on Strava's home.

use authorization_server::jwt::SigningAlgorithm;
use end_to_end::user_agent::absolute;
use end_to_end::{Ecosystem, Options};

/// The run ids a home page lists.
fn run_ids(home: &str) -> Vec<String> {
    home.split("<li id=\"run-")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

async fn live_the_sign_in_story(ecosystem: &Ecosystem) {
    let client = &ecosystem.client_url;
    let home_url = format!("{client}/");

    // 1. Sign in.
    let hamza = ecosystem.user_agent("hamza", "hamza-password");
    let home = hamza.sign_in(&ecosystem.client_url).await;
    assert!(
        home.contains("Signed in as <strong>Hamza Ali</strong>"),
        "{home}"
    );

    // 2. Connect Facebook and post, as the signed-in person.
    ecosystem
        .connect_for_post_and_post(&hamza, "Signed in, then posted")
        .await;
    let runs = run_ids(&hamza.page(&home_url).await);
    assert_eq!(runs.len(), 3);

    // 3. A second browser of hamza's: the same runs, the same connection.
    let hamza_elsewhere = ecosystem.user_agent("hamza", "hamza-password");
    let home = hamza_elsewhere.sign_in(&ecosystem.client_url).await;
    assert!(home.contains("Hamza Ali"), "{home}");
    assert_eq!(run_ids(&home), runs);
    hamza_elsewhere
        .post_to_facebook(client, "From my other browser")
        .await;
    // Alice sees none of it.
    let alice = ecosystem.user_agent("alice", "alice-password");
    let home = alice.sign_in(&ecosystem.client_url).await;
    assert!(home.contains("Alice Martin"), "{home}");
    assert!(
        !home.contains("name=\"message\""),
        "not hamza's connection: {home}"
    );
    assert!(run_ids(&home).iter().all(|run| !runs.contains(run)));

    // 4. Sign out: here, then at the authorization server, then home.
    let page = hamza.page(&home_url).await;
    let csrf = authorization_server::testing::hidden_input(&page, "csrf_token").unwrap();
    let response = hamza
        .post_form(&format!("{client}/signout"), &[("csrf_token", csrf)])
        .await;
    assert_eq!(response.status(), 303);
    let end_session = authorization_server::testing::location(&response).unwrap();
    assert!(
        end_session.starts_with(&format!("{}/logout?", ecosystem.authorization_server.url)),
        "{end_session}"
    );
    let back_home = hamza.get(&end_session).await;
    assert_eq!(
        back_home.status(),
        303,
        "a valid id_token_hint: straight back"
    );
    let back = authorization_server::testing::location(&back_home).unwrap();
    assert!(back.starts_with(&format!("{client}/?state=")), "{back}");
    let home = hamza.follow_to_page(&absolute(&end_session, &back)).await;
    assert!(home.contains("href=\"/signin\""), "signed out: {home}");
    assert!(!home.contains("name=\"message\""), "{home}");
    let account = hamza
        .get(&format!("{}/account", ecosystem.authorization_server.url))
        .await;
    assert_ne!(
        account.status(),
        200,
        "signed out at the authorization server too"
    );
}

#[actix_rt::test]
async fn a_person_signs_in_connects_posts_from_two_browsers_and_signs_out_on_every_backend() {
    for options in Options::every_backend().await {
        let ecosystem = Ecosystem::start(options).await;
        live_the_sign_in_story(&ecosystem).await;
    }
}

/// hamza signs in at the client of an ecosystem started with `options`
/// and is greeted by name; the behind-the-scenes page he then sees, its
/// quotes decoded.
async fn signed_in_behind_the_scenes(options: Options) -> String {
    let ecosystem = Ecosystem::start(options).await;
    let hamza = ecosystem.user_agent("hamza", "hamza-password");

    let home = hamza.sign_in(&ecosystem.client_url).await;

    assert!(
        home.contains("Signed in as <strong>Hamza Ali</strong>"),
        "{home}"
    );
    hamza
        .page(&format!("{}/behind-the-scenes", ecosystem.client_url))
        .await
        .replace("&#34;", "\"")
}

#[actix_rt::test]
async fn the_client_accepts_eddsa_signed_id_tokens_too() {
    let options = Options::sqlite().id_tokens_signed_with(SigningAlgorithm::EdDSA);
    let trace = signed_in_behind_the_scenes(options).await;
    assert!(trace.contains("alg = EdDSA"), "{trace}");
}

/// With `--client-key`, the sign-in's token request proves the client with
/// an assertion of its own key (RFC 7523 §2.2), pushed like every
/// authorization request it makes: no secret anywhere, and the ID token
/// still checked.
#[actix_rt::test]
async fn a_client_with_its_own_key_signs_people_in_on_every_backend() {
    for options in Options::every_backend().await {
        let trace = signed_in_behind_the_scenes(options.with_client_key()).await;
        let (_, exchange) = trace
            .split_once("Exchange the code for an ID token")
            .unwrap_or_else(|| panic!("no code exchange in {trace}"));
        for shown in [
            "authenticates with a fresh assertion signed by its private key",
            "client_assertion: a JWT signed by Strava",
            r#""sub":"strava-e2e""#,
        ] {
            assert!(exchange.contains(shown), "{shown} missing from {exchange}");
        }
        assert!(trace.contains("request_uri"), "pushed: {trace}");
        assert!(!trace.contains("client secret"), "{trace}");
        assert!(!trace.contains("Authorization: Basic"), "{trace}");
    }
}
