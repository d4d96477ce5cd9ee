//! `GET /authorize`: rules 1 (exact redirect URI, no open redirector),
//! 2 (PKCE S256), 6 (scope), 9 (repeated parameters), 14 (iss), 17 (no
//! implicit grant).

use authorization_server::testing::{browser, location, TestAuthorizationServer};

use crate::helpers::{
    assert_error_sent_back, assert_no_redirect, authorize, authorize_with, demo_authorize_params,
    get_with_query, pkce_pair, redirect_params, spawn_app, spawn_apps, with,
};

/// Asserts that `/authorize` with `params` answers an error page (400) and
/// sends the browser nowhere: the redirect URI is not to be trusted (RFC
/// 6749 §4.1.2.1).
async fn assert_error_page_without_redirect(
    app: &TestAuthorizationServer,
    params: &[(String, String)],
) {
    let response = authorize(app, &browser(), params).await;

    assert_no_redirect(&response, 400);
}

#[actix_rt::test]
async fn an_unknown_client_gets_an_error_page_and_is_never_redirected() {
    let app = spawn_app().await;
    let response = authorize_with(&app, "client_id", Some("evil-app")).await;

    assert_no_redirect(&response, 400);
    assert!(response.text().await.unwrap().contains("not registered"));
}

#[actix_rt::test]
async fn a_redirect_uri_that_is_not_exactly_registered_gets_an_error_page_and_no_redirect() {
    let app = spawn_app().await;
    let (_, challenge) = pkce_pair();
    for near_miss in [
        "http://localhost:9000/callback/",
        "http://localhost:9000/callback?next=https://evil.example",
        "http://localhost:9000/Callback",
        "http://localhost:9001/callback",
        "https://localhost:9000/callback",
        "http://localhost:9000/callback#x",
        "http://evil.example/callback",
    ] {
        let params = with(
            &demo_authorize_params(&challenge),
            "redirect_uri",
            Some(near_miss),
        );

        let response = authorize(&app, &browser(), &params).await;

        assert_eq!(response.status(), 400, "{near_miss}");
        assert!(
            location(&response).is_none(),
            "{near_miss} was redirected to"
        );
    }
}

#[actix_rt::test]
async fn a_missing_or_repeated_redirect_uri_gets_an_error_page() {
    let app = spawn_app().await;
    let (_, challenge) = pkce_pair();
    let missing = with(&demo_authorize_params(&challenge), "redirect_uri", None);
    let mut repeated = demo_authorize_params(&challenge);
    repeated.push(("redirect_uri".into(), "http://evil.example/callback".into()));

    for params in [missing, repeated] {
        assert_error_page_without_redirect(&app, &params).await;
    }
}

#[actix_rt::test]
async fn a_repeated_parameter_is_redirected_back_as_invalid_request() {
    let app = spawn_app().await;
    let (_, challenge) = pkce_pair();
    let mut params = demo_authorize_params(&challenge);
    params.push(("scope".into(), "personal-message".into()));

    let response = authorize(&app, &browser(), &params).await;

    assert_eq!(response.status(), 303);
    assert_eq!(redirect_params(&response)["error"], "invalid_request");
}

#[actix_rt::test]
async fn the_implicit_grant_is_refused_as_unsupported_response_type_with_state_and_iss() {
    let app = spawn_app().await;
    let response = authorize_with(&app, "response_type", Some("token")).await;

    assert_error_sent_back(&app, &response, "unsupported_response_type", "xyz-state");
}

#[actix_rt::test]
async fn a_request_without_pkce_is_refused() {
    let app = spawn_app().await;
    let (_, challenge) = pkce_pair();
    let base = demo_authorize_params(&challenge);
    let cases = [
        with(&base, "code_challenge", None),
        with(&base, "code_challenge_method", None),
        // A well-formed challenge: only the method is wrong (RFC 9700 §2.1.1).
        with(&base, "code_challenge_method", Some("plain")),
        with(&base, "code_challenge", Some("too-short")),
    ];
    for params in cases {
        let response = authorize(&app, &browser(), &params).await;

        assert_eq!(response.status(), 303);
        let answer = redirect_params(&response);
        assert_eq!(answer["error"], "invalid_request", "{params:?}");
        assert_eq!(answer["state"], "xyz-state");
    }
}

#[actix_rt::test]
async fn the_public_client_must_use_pkce_too() {
    let app = spawn_app().await;
    let params = [
        ("response_type", "code"),
        ("client_id", "strava-mobile"),
        ("redirect_uri", "http://127.0.0.1:8765/callback"),
        ("scope", "profile"),
    ];

    let response = get_with_query(&app, &browser(), "/authorize", &params).await;

    assert_eq!(response.status(), 303);
    assert_eq!(redirect_params(&response)["error"], "invalid_request");
}

#[actix_rt::test]
async fn a_scope_beyond_what_the_client_may_ask_for_is_invalid_scope() {
    let app = spawn_app().await;
    let (_, challenge) = pkce_pair();
    let params = [
        ("response_type", "code"),
        ("client_id", "strava-mobile"),
        ("redirect_uri", "http://127.0.0.1:8765/callback"),
        ("scope", "profile personal-message"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];

    let response = get_with_query(&app, &browser(), "/authorize", &params).await;

    assert_eq!(redirect_params(&response)["error"], "invalid_scope");
}

#[actix_rt::test]
async fn a_resource_that_is_not_registered_is_invalid_target() {
    let app = spawn_app().await;
    let response = authorize_with(&app, "resource", Some("https://evil.example")).await;

    assert_eq!(redirect_params(&response)["error"], "invalid_target");
}

#[actix_rt::test]
async fn a_valid_request_goes_on_to_login_with_a_303() {
    for app in spawn_apps().await {
        let (_, challenge) = pkce_pair();

        let response = authorize(&app, &browser(), &demo_authorize_params(&challenge)).await;

        assert_eq!(response.status(), 303);
        assert!(location(&response)
            .unwrap()
            .starts_with("/consent?request="));
    }
}

#[actix_rt::test]
async fn an_oversized_query_is_a_400_page_not_a_server_error() {
    let app = spawn_app().await;
    let (_, challenge) = pkce_pair();
    let padding = "x".repeat(20_000);
    let params = with(&demo_authorize_params(&challenge), "state", Some(&padding));

    assert_error_page_without_redirect(&app, &params).await;
}

#[actix_rt::test]
async fn the_state_comes_back_exactly_as_sent() {
    let app = spawn_app().await;
    let (_, challenge) = pkce_pair();
    let odd_state = "a b+c&d=e/é%20";
    let params = with(
        &with(&demo_authorize_params(&challenge), "state", Some(odd_state)),
        "response_type",
        Some("code token"),
    );

    let response = authorize(&app, &browser(), &params).await;

    assert_eq!(redirect_params(&response)["state"], odd_state);
}
