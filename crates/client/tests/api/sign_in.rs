//! `/signin`, the sign-in half of `/callback`, `/signout` and who owns
//! what, against the fake OpenID Provider: the request (Core §3.1.2.1),
//! a person's runs and connection in every browser and never another's,
//! RP-Initiated Logout 1.0, and discovery's fallback between the two
//! well-known documents.

use reqwest::header::{LOCATION, SET_COOKIE};

use crate::fake_provider::IdTokenPlan;
use crate::fakes::Published;
use crate::helpers::{spawn_app, spawn_app_with, Options, TestApp};

async fn assert_signed_in(app: &TestApp, response: reqwest::Response, name: &str) {
    assert_eq!(
        response.status().as_u16(),
        303,
        "{}",
        response.text().await.unwrap()
    );
    let home = app.home().await;
    assert!(
        home.contains(&format!("Signed in as <strong>{name}</strong>")),
        "{home}"
    );
    assert!(home.contains("action=\"/signout\""), "{home}");
}

#[actix_rt::test]
async fn signin_asks_for_openid_profile_with_a_nonce_state_and_an_s256_challenge() {
    let app = spawn_app().await;

    let (first, second) = app.two_code_flow_requests("/signin").await;

    let p = &first.params;
    let scopes: std::collections::BTreeSet<&str> = p["scope"].split(' ').collect();
    assert_eq!(scopes, ["openid", "profile"].into());
    assert!(p["nonce"].len() >= 43, "256-bit nonce");
    assert_ne!(
        p["nonce"], second.params["nonce"],
        "a fresh nonce per request"
    );
    assert_eq!(
        app.world().openid_configuration_requests,
        2,
        "OpenID Connect Discovery first"
    );
}

#[actix_rt::test]
async fn an_honest_id_token_signs_the_person_in_and_the_home_page_shows_their_name() {
    for database_url in service_kit::testing::test_database_urls().await {
        let app = spawn_app_with(Options::new(database_url)).await;
        let before = app.home().await;
        assert!(before.contains("href=\"/signin\""), "{before}");
        let anonymous_cookie = app.session_cookie();

        let response = app.sign_in_as("user-hamza", "Hamza Ali").await;

        assert_signed_in(&app, response, "Hamza Ali").await;
        assert_ne!(app.session_cookie(), anonymous_cookie, "a new session id");
        assert_eq!(app.count("people").await, 1);
        let sent = app.world().last_token_request();
        assert_eq!(sent["grant_type"], "authorization_code");
        assert!(sent.contains_key("code_verifier"), "PKCE");
        assert!(
            app.world().userinfo_requests.is_empty(),
            "the ID token named the person: UserInfo is not asked"
        );
    }
}

/// Core §5.4: with an access token issued, a provider may release `name`
/// only at UserInfo (oidc-provider does); the client asks it there.
#[actix_rt::test]
async fn a_name_released_only_at_userinfo_is_read_there_for_the_same_subject() {
    for database_url in service_kit::testing::test_database_urls().await {
        let app = spawn_app_with(Options::new(database_url)).await;

        let response = app
            .sign_in_with(|nonce| {
                IdTokenPlan::name_at_userinfo("user-ada", "Ada Lovelace", nonce, "user-ada")
            })
            .await;

        assert_signed_in(&app, response, "Ada Lovelace").await;
        let asked = app.world().userinfo_requests.clone();
        assert_eq!(asked.len(), 1);
        let authorization = asked[0].clone().unwrap_or_default();
        assert!(
            authorization.starts_with("Bearer ") && authorization.len() > "Bearer ".len(),
            "the sign-in's access token, as a Bearer token: {authorization}"
        );
        app.assert_behind_the_scenes_in_order(&[
            "Check the ID token",
            "Ask UserInfo for the person",
            "OpenID Connect Core §5.3, §5.4",
            "sub is the ID token&#39;s; name = Ada Lovelace",
        ])
        .await;
    }
}

/// Core §5.3.2: a UserInfo answer about someone else is not used; the ID
/// token alone signs the person in, unnamed.
#[actix_rt::test]
async fn a_userinfo_answer_about_another_subject_is_not_used() {
    let app = spawn_app().await;

    let response = app
        .sign_in_with(|nonce| {
            IdTokenPlan::name_at_userinfo("user-ada", "Mallory", nonce, "user-mallory")
        })
        .await;

    assert_signed_in(&app, response, "you").await;
    assert!(!app.home().await.contains("Mallory"));
    app.assert_behind_the_scenes_shows(&[
        "its sub is not the ID token&#39;s (Core §5.3.2): nothing in it is used",
    ])
    .await;
}

#[actix_rt::test]
async fn behind_the_scenes_shows_the_decoded_id_token_and_each_check_but_never_the_token() {
    let app = spawn_app().await;
    let redirect = app.start_sign_in().await;
    let nonce = redirect.params["nonce"].clone();
    app.world().id_token = Some(crate::fake_provider::IdTokenPlan::honest(
        "u1",
        "Hamza Ali",
        &nonce,
    ));
    app.callback_of(&redirect, &[("code", "c")]).await;
    let id_token = stored_id_token(&app).await;

    let trace = app
        .assert_behind_the_scenes_in_order(&[
            "OpenID Connect Discovery 1.0 §4",
            "OpenID Connect Core §3.1.2.1",
            "OpenID Connect Core §3.1.3.1",
            "Read the OpenID Provider",
            "Check the ID token",
            "&#34;alg&#34;: &#34;EdDSA&#34;",
            "&#34;sub&#34;: &#34;u1&#34;",
            "Core §3.1.3.7 item 2",
            "Core §3.1.3.7 item 3",
            "Core §3.1.3.7 items 4, 5",
            "Core §3.1.3.7 item 6",
            "Core §3.1.3.7 item 7",
            "Core §3.1.3.7 item 9",
            "Core §3.1.3.7 item 10",
            "Core §3.1.3.7 item 11",
            "Core §3.1.3.8",
        ])
        .await;
    assert!(
        !trace.contains(&id_token),
        "the raw ID token is never shown"
    );
    assert!(!trace.contains(&nonce), "the nonce is shortened");
}

/// Connects Facebook on the current browser; asserts it worked.
async fn connect(app: &TestApp) {
    assert_eq!(app.connect_fully().await.status().as_u16(), 303);
    assert!(app.home().await.contains("name=\"message\""));
}

#[actix_rt::test]
async fn a_second_browser_of_the_same_person_sees_the_same_runs_and_connection() {
    for database_url in service_kit::testing::test_database_urls().await {
        let mut app = spawn_app_with(Options::new(database_url)).await;
        app.sign_in_as("user-hamza", "Hamza Ali").await;
        connect(&app).await;
        let runs = app.run_ids().await;
        assert_eq!(runs.len(), 3);

        app.switch_browser();
        assert!(
            !app.home().await.contains("name=\"message\""),
            "a stranger's browser"
        );
        let response = app.sign_in_as("user-hamza", "Hamza Ali").await;

        assert_signed_in(&app, response, "Hamza Ali").await;
        assert_eq!(
            app.run_ids().await,
            runs,
            "the same runs, not new demo ones"
        );
        assert!(
            app.home().await.contains("name=\"message\""),
            "the same connection"
        );
        assert_eq!(app.count("connections").await, 1);
        assert_eq!(app.count("people").await, 1);
    }
}

#[actix_rt::test]
async fn signing_in_as_another_person_never_reveals_the_first_persons_runs_or_connection() {
    for database_url in service_kit::testing::test_database_urls().await {
        let mut app = spawn_app_with(Options::new(database_url)).await;
        app.sign_in_as("user-hamza", "Hamza Ali").await;
        connect(&app).await;
        let hamzas_runs = app.run_ids().await;

        // Alice on another browser.
        let hamzas_browser = app.switch_browser();
        app.sign_in_as("user-alice", "Alice Martin").await;
        let alices_runs = app.run_ids().await;
        let home = app.home().await;
        assert!(
            !home.contains("name=\"message\""),
            "not hamza's connection: {home}"
        );
        assert!(!home.contains("Hamza Ali"), "{home}");
        assert!(alices_runs.iter().all(|run| !hamzas_runs.contains(run)));

        // Alice on hamza's browser, still signed in as hamza.
        app.use_browser(hamzas_browser);
        let response = app.sign_in_as("user-alice", "Alice Martin").await;
        assert_signed_in(&app, response, "Alice Martin").await;
        assert_eq!(app.run_ids().await, alices_runs);
        assert!(!app.home().await.contains("name=\"message\""));

        // Hamza's are intact, for hamza.
        app.switch_browser();
        app.sign_in_as("user-hamza", "Hamza Ali").await;
        assert_eq!(app.run_ids().await, hamzas_runs);
        assert!(app.home().await.contains("name=\"message\""));
    }
}

#[actix_rt::test]
async fn an_anonymous_browsers_runs_and_connection_are_adopted_at_sign_in() {
    let app = spawn_app().await;
    connect(&app).await;
    let runs = app.run_ids().await;

    app.sign_in_as("user-hamza", "Hamza Ali").await;

    assert_eq!(app.run_ids().await, runs);
    assert!(
        app.home().await.contains("name=\"message\""),
        "the connection is kept"
    );
    let owned_by_the_person = app
        .count_where("connections", "person_id IS NOT NULL")
        .await;
    assert_eq!(owned_by_the_person, 1);
}

#[actix_rt::test]
async fn a_signed_in_person_posts_through_their_connection_and_refreshes_it() {
    let app = spawn_app().await;
    app.sign_in_as("user-hamza", "Hamza Ali").await;
    connect(&app).await;
    app.expire_access_token().await;

    let home = app
        .act("/post", &[("message", "signed in and posting")])
        .await;

    assert!(home.contains("Posted to Facebook"), "{home}");
    let refreshes = app
        .world()
        .token_requests
        .iter()
        .filter(|pairs| {
            pairs
                .iter()
                .any(|(n, v)| n == "grant_type" && v == "refresh_token")
        })
        .count();
    assert_eq!(refreshes, 1);
}

/// The signed-in session's stored ID token.
async fn stored_id_token(app: &TestApp) -> String {
    let (id_token,) = app
        .fetch_one::<(String,)>("SELECT id_token FROM sessions WHERE id_token IS NOT NULL")
        .await;
    id_token
}

#[actix_rt::test]
async fn signout_ends_the_session_then_sends_the_browser_to_the_end_session_endpoint() {
    for database_url in service_kit::testing::test_database_urls().await {
        let app = spawn_app_with(Options::new(database_url)).await;
        app.sign_in_as("user-hamza", "Hamza Ali").await;
        connect(&app).await;
        let id_token = stored_id_token(&app).await;
        let csrf = app.csrf_token().await;

        let response = app.post_form("/signout", &[("csrf_token", &csrf)]).await;

        assert_eq!(response.status().as_u16(), 303);
        let location = url::Url::parse(response.headers()[LOCATION].to_str().unwrap()).unwrap();
        assert_eq!(
            location.as_str().split('?').next(),
            Some(format!("{}/logout", app.issuer).as_str())
        );
        let params: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
        assert_eq!(params["id_token_hint"], id_token);
        assert_eq!(params["post_logout_redirect_uri"], format!("{}/", app.url));
        assert!(params["state"].len() >= 43, "a fresh state");
        let removal = response.headers()[SET_COOKIE].to_str().unwrap();
        assert!(removal.starts_with("strava_session=;"), "{removal}");
        assert_eq!(app.count("sessions").await, 0, "the session is gone");
        assert_eq!(
            app.count("connections").await,
            1,
            "hamza's connection stays his"
        );

        let home = app.home().await;
        assert!(home.contains("href=\"/signin\""), "anonymous again: {home}");
        assert!(!home.contains("name=\"message\""), "{home}");
    }
}

#[actix_rt::test]
async fn without_an_end_session_endpoint_signout_ends_only_the_local_session() {
    let app = spawn_app().await;
    app.world().no_end_session_endpoint = true;
    app.sign_in_as("user-hamza", "Hamza Ali").await;

    let home = app.act_to("/signout").await;

    assert_eq!(home, "/");
    assert!(app.home().await.contains("href=\"/signin\""));
}

#[actix_rt::test]
async fn a_signout_form_without_the_sessions_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.sign_in_as("user-hamza", "Hamza Ali").await;

    let response = app.post_form("/signout", &[("csrf_token", "forged")]).await;

    assert_eq!(response.status().as_u16(), 403);
    assert!(app.home().await.contains("Hamza Ali"), "still signed in");
}

#[actix_rt::test]
async fn signin_falls_back_to_rfc8414_metadata_when_there_is_no_openid_configuration() {
    let app = spawn_app().await;
    app.world().published = Published::OAuthOnly;

    let response = app.sign_in_as("user-hamza", "Hamza Ali").await;

    assert_signed_in(&app, response, "Hamza Ali").await;
    app.assert_behind_the_scenes_shows(&["RFC 8414 §3"]).await;
}

#[actix_rt::test]
async fn connect_falls_back_to_the_openid_configuration_of_a_provider_without_rfc8414_metadata() {
    let app = spawn_app().await;
    app.world().published = Published::OpenIdOnly;

    let response = app.connect_fully().await;

    assert_eq!(response.status().as_u16(), 303);
    let requests = {
        let world = app.world();
        (world.metadata_requests, world.openid_configuration_requests)
    };
    assert_eq!(requests, (1, 1), "RFC 8414 first, then the fallback");
    app.assert_behind_the_scenes_shows(&[
        "OpenID Connect Discovery 1.0 §4",
        "does not publish the RFC 8414 §3 document",
    ])
    .await;
}

#[actix_rt::test]
async fn an_openid_configuration_naming_another_issuer_is_refused() {
    let app = spawn_app().await;
    app.world().openid_document_issuer = Some("https://evil.example".to_owned());

    let response = app.get("/signin").await;

    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().get(LOCATION).is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains("https://evil.example"), "{page}");
}
