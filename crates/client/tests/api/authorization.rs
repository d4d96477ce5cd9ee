//! `/connect` and `/callback`: security rules 25 (state), 26 (PKCE),
//! 27 (iss), 28 (tokens stay server-side), and every error page.

use std::collections::{BTreeSet, HashMap};

use oauth_types::pkce::{CodeChallenge, CodeVerifier};

use crate::fakes::TokenBehaviour;
use crate::helpers::{spawn_app, spawn_app_with, spawn_apps, Options, TestApp};

fn scopes(list: &str) -> BTreeSet<String> {
    list.split(' ').map(str::to_owned).collect()
}

/// Asserts a refused callback: 400, a page saying `says`, no code
/// exchanged, nothing stored.
async fn assert_refused_before_any_exchange(
    app: &TestApp,
    response: reqwest::Response,
    says: &str,
) {
    assert_eq!(response.status().as_u16(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains(says), "{page}");
    assert!(app.world().token_requests.is_empty());
    assert_nothing_stored(app).await;
}

async fn assert_nothing_stored(app: &TestApp) {
    assert_eq!(app.count("connections").await, 0, "no tokens stored");
    let home = app.home().await;
    assert!(home.contains("Connect Facebook"));
    assert!(!home.contains("name=\"message\""));
}

#[actix_rt::test]
async fn connect_redirects_to_the_authorization_endpoint_with_state_and_an_s256_challenge() {
    let app = spawn_app().await;

    let (first, _) = app.two_code_flow_requests("/connect").await;

    let p = &first.params;
    assert_eq!(p["redirect_uri"], format!("{}/callback", app.url));
    assert_eq!(scopes(&p["scope"]), scopes("profile post"));
    // RFC 8707 §2: the token is to be for the resource alone.
    assert_eq!(p["resource"], app.world().resource_url);
}

#[actix_rt::test]
async fn the_callback_redeems_the_code_with_the_stored_verifier_and_the_home_page_offers_the_message_form(
) {
    for app in spawn_apps().await {
        let redirect = app.connect().await;

        let response = app.callback_of(&redirect, &[("code", "code-123")]).await;

        assert_eq!(response.status().as_u16(), 303);
        let sent = app.world().last_token_request();
        assert_eq!(sent["grant_type"], "authorization_code");
        assert_eq!(sent["code"], "code-123");
        assert_eq!(sent["redirect_uri"], format!("{}/callback", app.url));
        assert_eq!(sent["resource"], app.world().resource_url);
        let verifier = CodeVerifier::parse(&sent["code_verifier"]).unwrap();
        let challenge = CodeChallenge::parse(&redirect.params["code_challenge"]).unwrap();
        assert!(
            challenge.is_satisfied_by(&verifier),
            "the verifier of this request"
        );
        let basic = app
            .world()
            .token_authorizations
            .last()
            .cloned()
            .flatten()
            .unwrap();
        assert!(basic.starts_with("Basic "), "client_secret_basic");
        let home = app.home().await;
        assert!(home.contains("name=\"message\""), "{home}");
        assert!(home.contains("Facebook is connected"));
        assert_eq!(app.count("connections").await, 1);
    }
}

#[actix_rt::test]
async fn tokens_codes_and_verifiers_never_reach_a_page_or_a_cookie() {
    let app = spawn_app().await;
    let redirect = app.connect().await;
    let code = "a-long-authorization-code-0123456789";
    app.callback_of(&redirect, &[("code", code)]).await;
    let (access, refresh) = {
        let world = app.world();
        (
            world.access_tokens.keys().next().cloned().unwrap(),
            world.refresh_tokens.keys().next().cloned().unwrap(),
        )
    };
    let verifier = app.world().last_token_request()["code_verifier"].clone();

    let pages = [app.home().await, app.behind_the_scenes().await];
    let cookie = app.session_cookie();

    for secret in [
        &access,
        &refresh,
        &verifier,
        &code.to_owned(),
        &redirect.state().to_owned(),
    ] {
        for page in &pages {
            assert!(!page.contains(secret.as_str()), "a page shows {secret}");
        }
        assert!(!cookie.contains(secret.as_str()));
    }
    let trace = &pages[1];
    assert!(
        trace.contains(&oauth_types::secret::shorten(&access)),
        "shortened token shown"
    );
    assert!(trace.contains("RFC 6749 §4.1.3"));
}

#[actix_rt::test]
async fn a_state_that_matches_no_request_of_this_session_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let redirect = app.connect().await;
    let issuer = app.issuer.clone();

    let response = app
        .callback(&[
            ("code", "code-1"),
            ("state", &"x".repeat(43)),
            ("iss", &issuer),
        ])
        .await;

    assert_eq!(response.status().as_u16(), 400);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("state does not match"));
    assert!(
        app.world().token_requests.is_empty(),
        "no exchange attempted"
    );
    assert_nothing_stored(&app).await;
    // The real request of this session is untouched and still works.
    let response = app.callback_of(&redirect, &[("code", "code-1")]).await;
    assert_eq!(response.status().as_u16(), 303);
}

#[actix_rt::test]
async fn a_callback_without_state_is_refused() {
    let app = spawn_app().await;
    app.connect().await;
    let issuer = app.issuer.clone();

    let response = app.callback(&[("code", "code-1"), ("iss", &issuer)]).await;

    assert_refused_before_any_exchange(&app, response, "no state").await;
}

#[actix_rt::test]
async fn a_state_is_good_only_once() {
    let app = spawn_app().await;
    let redirect = app.connect().await;
    let issuer = app.issuer.clone();
    let params = [
        ("code", "code-1"),
        ("state", redirect.state()),
        ("iss", issuer.as_str()),
    ];
    assert_eq!(app.callback(&params).await.status().as_u16(), 303);

    let replay = app.callback(&params).await;

    assert_eq!(replay.status().as_u16(), 400);
    assert_eq!(
        app.world().token_requests.len(),
        1,
        "the replay never reached /token"
    );
}

#[actix_rt::test]
async fn a_state_issued_to_another_browser_is_refused() {
    let app = spawn_app().await;
    let victim_redirect = app.connect().await;
    let attacker_jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let attacker = crate::helpers::browser(attacker_jar);
    attacker.get(format!("{}/", app.url)).send().await.unwrap();

    let query = app.honest_callback_query(&victim_redirect, "code-1");
    let response = attacker
        .get(format!("{}/callback?{query}", app.url))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 400);
    assert!(app.world().token_requests.is_empty());
}

#[actix_rt::test]
async fn an_iss_naming_another_server_is_refused_as_a_mix_up() {
    let app = spawn_app().await;
    let redirect = app.connect().await;

    let response = app
        .callback(&[
            ("code", "code-1"),
            ("state", redirect.state()),
            ("iss", "https://evil.example"),
        ])
        .await;

    assert_refused_before_any_exchange(&app, response, "mix-up").await;
}

#[actix_rt::test]
async fn a_missing_iss_is_refused_only_when_the_server_promised_it() {
    let promised = spawn_app().await;
    let redirect = promised.connect().await;
    let response = promised
        .callback(&[("code", "c"), ("state", redirect.state())])
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(promised.world().token_requests.is_empty());

    let mut options = Options::new(service_kit::testing::sqlite_url());
    options.iss_supported = false;
    let not_promised = spawn_app_with(options).await;
    let redirect = not_promised.connect().await;
    let response = not_promised
        .callback(&[("code", "c"), ("state", redirect.state())])
        .await;
    assert_eq!(response.status().as_u16(), 303);
}

#[actix_rt::test]
async fn every_error_of_the_authorization_server_gets_a_page_saying_what_happened() {
    let app = spawn_app().await;
    let cases: HashMap<&str, &str> = HashMap::from([
        ("access_denied", "You did not connect Facebook"),
        ("invalid_scope", "scope"),
        ("server_error", "had a problem"),
        ("temporarily_unavailable", "busy"),
        ("unauthorized_client", "refused"),
        ("invalid_request", "refused"),
        ("some_future_error", "refused"),
    ]);
    for (error, says) in cases {
        let redirect = app.connect().await;

        let response = app.callback_of(&redirect, &[("error", error)]).await;

        assert!(response.status().is_client_error() || response.status().is_server_error());
        let page = response.text().await.unwrap();
        assert!(page.contains(error), "{error}: {page}");
        assert!(page.contains(says), "{error}: {page}");
        assert!(page.contains("Nothing was"), "{error}");
        assert!(
            page.contains("href=\"/connect\""),
            "{error} offers to try again"
        );
    }
    assert!(app.world().token_requests.is_empty());
    assert_nothing_stored(&app).await;
}

#[actix_rt::test]
async fn a_refused_or_garbled_exchange_shows_a_page_and_stores_nothing() {
    let app = spawn_app().await;
    for (behaviour, says) in [
        (TokenBehaviour::Refuse("invalid_grant"), "invalid_grant"),
        (TokenBehaviour::Garbage, "not a valid token response"),
    ] {
        app.world().token_behaviour = behaviour;

        let response = app.connect_fully().await;

        assert!(matches!(response.status().as_u16(), 400 | 502));
        let page = response.text().await.unwrap();
        assert!(
            page.contains("Connecting Facebook failed") && page.contains(says),
            "{page}"
        );
    }
    assert_nothing_stored(&app).await;
}

#[actix_rt::test]
async fn a_repeated_callback_parameter_is_refused() {
    let app = spawn_app().await;
    let redirect = app.connect().await;

    let response = app
        .callback_of(&redirect, &[("code", "a"), ("code", "b")])
        .await;

    assert_eq!(response.status().as_u16(), 400);
    assert!(app.world().token_requests.is_empty());
}

#[actix_rt::test]
async fn an_unreachable_authorization_server_is_said_clearly_while_the_client_stays_healthy() {
    let mut options = Options::new(service_kit::testing::sqlite_url());
    options.authorization_server_down = true;
    let app = spawn_app_with(options).await;

    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    assert_eq!(app.get("/").await.status().as_u16(), 200);
    let response = app.get("/connect").await;

    assert_eq!(response.status().as_u16(), 503);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("The authorization server cannot be reached"),
        "{page}"
    );
}

#[actix_rt::test]
async fn the_browser_gets_the_published_authorization_endpoint_while_back_channel_calls_go_internal(
) {
    let mut options = Options::new(service_kit::testing::sqlite_url());
    options.split_channels = true;
    let app = spawn_app_with(options).await;

    let redirect = app.connect().await;
    assert_eq!(redirect.location.host_str(), Some("as.invalid"));
    let response = app.connect_fully().await;

    // as.invalid does not resolve: the exchange succeeded only because the
    // token endpoint was rewritten to --issuer-internal-url.
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(app.world().token_requests.len(), 1);
}

#[actix_rt::test]
async fn connect_with_a_scope_adds_it_to_the_configured_ones() {
    let app = spawn_app().await;

    let redirect = app.connect_path("/connect?scope=personal-message").await;

    assert_eq!(
        scopes(&redirect.params["scope"]),
        scopes("personal-message post profile")
    );
    assert_eq!(
        app.get("/connect?scope=bad%22scope")
            .await
            .status()
            .as_u16(),
        400
    );
}

#[actix_rt::test]
async fn a_narrowed_grant_is_reported_and_kept() {
    let app = spawn_app().await;
    app.world().granted_scope = Some("profile".to_owned());

    app.connect_fully().await;

    let home = app.home().await;
    assert!(home.contains("You did not allow: post"), "{home}");
    assert!(home.contains("<code>profile</code>"));
}

#[actix_rt::test]
async fn issuer_auto_finds_the_authorization_server_through_the_resource_metadata() {
    let mut options = Options::new(service_kit::testing::sqlite_url());
    options.issuer_auto = true;
    let app = spawn_app_with(options).await;

    let redirect = app.connect().await;

    assert!(redirect
        .location
        .as_str()
        .starts_with(&format!("{}/authorize", app.issuer)));
    assert_eq!(app.connect_fully().await.status().as_u16(), 303);
}

#[actix_rt::test]
async fn a_flow_started_on_127_0_0_1_and_sent_back_to_localhost_finds_its_session() {
    let mut options = Options::new(service_kit::testing::sqlite_url());
    options.redirect_host = Some("localhost");
    let app = spawn_app_with(options).await;
    let port = app.url.rsplit(':').next().unwrap().to_owned();

    // The browser is on 127.0.0.1; the redirect URI says localhost.
    let redirect = app.connect().await;
    assert_eq!(
        redirect.params["redirect_uri"],
        format!("http://localhost:{port}/callback")
    );
    let query = app.honest_callback_query(&redirect, "code-1");
    let on_localhost = app
        .browser
        .get(format!("http://localhost:{port}/callback?{query}"))
        .send()
        .await
        .unwrap();

    // Sent back, once, to the origin that holds the session cookie.
    assert_eq!(on_localhost.status().as_u16(), 303);
    let back = on_localhost.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(back, format!("{}/callback?{query}", app.url));
    assert!(
        app.world().token_requests.is_empty(),
        "nothing redeemed yet"
    );
    let finished = app.browser.get(back).send().await.unwrap();
    assert_eq!(finished.status().as_u16(), 303);
    assert_eq!(finished.headers()["location"], "/");
    assert_eq!(app.count("connections").await, 1);
}

#[actix_rt::test]
async fn a_callback_is_never_sent_to_a_host_that_is_not_a_loopback_alias() {
    let app = spawn_app().await;
    let redirect = app.connect().await;
    sqlx::query("UPDATE authorization_requests SET browser_origin = 'http://evil.example:1'")
        .execute(app.database.pool())
        .await
        .unwrap();
    let issuer = app.issuer.clone();

    let response = app
        .callback(&[("code", "c"), ("state", redirect.state()), ("iss", &issuer)])
        .await;

    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()["location"],
        "/",
        "finished here, not redirected away"
    );
}

#[actix_rt::test]
async fn two_concurrent_callbacks_with_one_state_redeem_it_exactly_once() {
    for app in spawn_apps().await {
        let redirect = app.connect().await;
        let query = app.honest_callback_query(&redirect, "code-1");
        let url = format!("{}/callback?{query}", app.url);
        let attempt = || {
            let (browser, url) = (app.browser.clone(), url.clone());
            actix_rt::spawn(async move { browser.get(url).send().await.unwrap().status().as_u16() })
        };

        let (first, second) = (attempt(), attempt());
        let mut statuses = [first.await.unwrap(), second.await.unwrap()];

        statuses.sort_unstable();
        assert_eq!(statuses, [303, 400]);
        assert_eq!(app.world().token_requests.len(), 1);
    }
}

#[actix_rt::test]
async fn connect_checks_the_authorization_server_afresh_instead_of_trusting_the_cache() {
    let app = spawn_app().await;
    app.connect().await;
    app.world().metadata_down = true;

    let response = app.get("/connect").await;

    assert_eq!(response.status().as_u16(), 503);
    let page = response.text().await.unwrap();
    assert!(page.contains("answered HTTP 503"), "{page}");
}
