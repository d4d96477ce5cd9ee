//! Pushed authorization requests (RFC 9126): pushed whenever the metadata
//! names the endpoint (unless `--no-par`), the browser carrying only
//! `client_id` and `request_uri`; a refused push is a clear page.

use std::collections::{BTreeSet, HashMap};

use crate::fake_par::Push;
use crate::helpers::{spawn_app_with, spawn_apps, AuthorizationRedirect, Options, TestApp};

/// A client on SQLite whose fake authorization server offers PAR.
async fn spawn_app_offered_par() -> TestApp {
    let app = spawn_app_with(Options::new(service_kit::testing::sqlite_url())).await;
    app.world().par.offered = true;
    app
}

/// The only push the fake received.
fn the_push(app: &TestApp) -> Push {
    let pushes = app.world().par.pushes.clone();
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    pushes[0].clone()
}

/// Asserts that the browser was sent to the authorization endpoint with
/// `client_id` and the pushed request's `request_uri`, and nothing else.
fn assert_only_the_request_uri(app: &TestApp, redirect: &AuthorizationRedirect, push: &Push) {
    assert_eq!(
        redirect.location.as_str().split('?').next(),
        Some(format!("{}/authorize", app.issuer).as_str())
    );
    let names: BTreeSet<&str> = redirect.params.keys().map(String::as_str).collect();
    assert_eq!(names, BTreeSet::from(["client_id", "request_uri"]));
    assert_eq!(redirect.params["client_id"], "strava");
    assert_eq!(
        Some(redirect.params["request_uri"].as_str()),
        push.request_uri.as_deref()
    );
}

#[actix_rt::test]
async fn when_the_server_offers_par_the_request_is_pushed_and_the_browser_carries_only_its_uri() {
    for app in spawn_apps().await {
        app.world().par.offered = true;

        let redirect = app.connect().await;

        let push = the_push(&app);
        assert_only_the_request_uri(&app, &redirect, &push);
        // Authenticated as the token requests are (client_secret_basic).
        let authorization = push.authorization.clone().unwrap_or_default();
        assert!(authorization.starts_with("Basic "), "{authorization}");
        assert_eq!(push.param("client_secret"), None);
        assert_eq!(push.param("response_type"), Some("code"));
        assert_eq!(push.param("client_id"), Some("strava"));
        assert_eq!(push.param("code_challenge_method"), Some("S256"));
        assert!(push.param("code_challenge").is_some());
        assert_eq!(
            push.param("redirect_uri"),
            Some(format!("{}/callback", app.url).as_str())
        );
        assert_eq!(
            push.param("resource"),
            Some(app.world().resource_url.as_str())
        );

        // The flow finishes with the pushed state, as if it had travelled.
        let pushed: HashMap<String, String> = push.form.iter().cloned().collect();
        let pushed = AuthorizationRedirect {
            location: redirect.location.clone(),
            params: pushed,
        };
        let response = app.callback_of(&pushed, &[("code", "code-par")]).await;
        assert_eq!(response.status().as_u16(), 303);
        assert_eq!(app.world().last_token_request()["code"], "code-par");
        assert_eq!(app.count("connections").await, 1);
    }
}

#[actix_rt::test]
async fn an_openid_connect_sign_in_is_pushed_too() {
    let app = spawn_app_offered_par().await;

    let redirect = app.start_sign_in().await;

    let push = the_push(&app);
    assert_only_the_request_uri(&app, &redirect, &push);
    assert!(push.param("nonce").is_some());
    assert!(push.param("scope").unwrap_or_default().contains("openid"));
}

#[actix_rt::test]
async fn with_no_par_or_without_the_endpoint_in_the_metadata_nothing_is_pushed() {
    let database_url = service_kit::testing::sqlite_url();
    let refused = spawn_app_with(Options {
        no_par: true,
        ..Options::new(database_url)
    })
    .await;
    refused.world().par.offered = true;
    let not_offered = spawn_app_with(Options::new(service_kit::testing::sqlite_url())).await;

    for app in [refused, not_offered] {
        let (first, second) = app.two_code_flow_requests("/connect").await;

        assert!(app.world().par.pushes.is_empty());
        assert!(!first.params.contains_key("request_uri"));
        assert_ne!(first.state(), second.state());
    }
}

/// A refused push is the server's answer to Strava: the person sees what
/// happened, is sent nowhere, and nothing is kept.
#[actix_rt::test]
async fn a_refused_push_shows_a_clear_page_and_sends_the_browser_nowhere() {
    let app = spawn_app_offered_par().await;
    app.world().par.refusal = Some("invalid_scope");

    let response = app.get("/connect").await;

    assert_eq!(response.status().as_u16(), 502);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains("did not accept"), "{page}");
    assert!(page.contains("invalid_scope"), "{page}");
    assert!(page.contains("RFC 9126"), "{page}");
    assert_eq!(app.count("authorization_requests").await, 0);
}

/// The behind-the-scenes page shows the push and its answer, credentials
/// shortened and the client secret not at all.
#[actix_rt::test]
async fn behind_the_scenes_shows_the_push_and_its_answer_without_secrets() {
    let app = spawn_app_offered_par().await;
    let redirect = app.connect().await;
    let push = the_push(&app);

    let trace = app
        .assert_behind_the_scenes_in_order(&[
            "Push the authorization request",
            "RFC 9126 §2",
            "POST ",
            "/par",
            "response_type=code",
            "HTTP 201",
            "request_uri",
            "Send the browser to the authorization endpoint",
            "RFC 9126 §4",
        ])
        .await;

    assert!(!trace.contains("strava-secret"), "{trace}");
    let request_uri = push.request_uri.clone().unwrap();
    assert!(
        !trace.contains(&request_uri),
        "the request_uri is shortened"
    );
    assert!(!trace.contains(&push.param("state").unwrap().to_owned()));
    assert!(redirect.params.contains_key("request_uri"));
}
