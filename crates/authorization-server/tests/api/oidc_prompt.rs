//! The OpenID Connect parameters of `/authorize` (Core §3.1.2.1): `prompt`,
//! `max_age`, `login_hint`, on every backend.

use authorization_server::testing::{browser, hidden_input, location, TestAuthorizationServer};

use crate::helpers::{assert_error_sent_back, authorize, pkce_pair, redirect_params, spawn_apps};
use crate::oidc_flow::{id_token, query, request, run, tokens, verify_id_token, Journey};

const SCOPE: &str = "openid profile";

/// hamza's way through an authorization request for [`SCOPE`] with `extra`
/// parameters, in `browser`.
async fn hamza_asks(
    app: &TestAuthorizationServer,
    browser: &reqwest::Client,
    extra: &[(&str, &str)],
) -> Journey {
    let (_, challenge) = pkce_pair();
    run(app, browser, &request(SCOPE, &challenge, extra), "hamza").await
}

#[actix_rt::test]
async fn prompt_none_without_a_session_answers_login_required_to_the_client() {
    for app in spawn_apps().await {
        let (_, challenge) = pkce_pair();

        let response = authorize(
            &app,
            &browser(),
            &request(SCOPE, &challenge, &[("prompt", "none")]),
        )
        .await;

        assert_error_sent_back(&app, &response, "login_required", "oidc-state");
    }
}

#[actix_rt::test]
async fn prompt_none_asks_for_consent_unless_remembered_and_then_answers_a_code_at_once() {
    for app in spawn_apps().await {
        let browser = browser();
        tokens(&app, &browser, "openid", &[], "hamza").await;
        let (_, challenge) = pkce_pair();

        let wider = authorize(
            &app,
            &browser,
            &request(SCOPE, &challenge, &[("prompt", "none")]),
        )
        .await;
        let covered = authorize(
            &app,
            &browser,
            &request("openid", &challenge, &[("prompt", "none")]),
        )
        .await;

        assert_eq!(redirect_params(&wider)["error"], "consent_required");
        assert_eq!(redirect_params(&wider)["state"], "oidc-state");
        let covered = redirect_params(&covered);
        assert!(covered.contains_key("code"), "{covered:?}");
        assert_eq!(covered["iss"], app.url);
    }
}

#[actix_rt::test]
async fn prompt_none_with_a_login_older_than_max_age_is_login_required() {
    for app in spawn_apps().await {
        let browser = browser();
        tokens(&app, &browser, SCOPE, &[], "hamza").await;
        app.advance_clock(120);
        let (_, challenge) = pkce_pair();
        let ask = |max_age: &'static str| {
            request(
                SCOPE,
                &challenge,
                &[("prompt", "none"), ("max_age", max_age)],
            )
        };

        let too_old = authorize(&app, &browser, &ask("60")).await;
        let recent_enough = authorize(&app, &browser, &ask("600")).await;

        assert_eq!(redirect_params(&too_old)["error"], "login_required");
        assert!(redirect_params(&recent_enough).contains_key("code"));
    }
}

#[actix_rt::test]
async fn prompt_login_and_an_elapsed_max_age_make_a_signed_in_user_log_in_again() {
    for app in spawn_apps().await {
        let browser = browser();
        let first = tokens(&app, &browser, SCOPE, &[], "hamza").await;
        let (_, first) = verify_id_token(&app, id_token(&first), "strava").await;
        app.advance_clock(120);

        let remembered = hamza_asks(&app, &browser, &[("max_age", "600")]).await;
        let elapsed = hamza_asks(&app, &browser, &[("max_age", "60")]).await;
        app.advance_clock(5);
        let prompted = tokens(&app, &browser, SCOPE, &[("prompt", "login")], "hamza").await;

        assert!(
            !remembered.saw_login && !remembered.saw_consent,
            "{remembered:?}"
        );
        assert!(elapsed.saw_login, "max_age elapsed");
        assert!(query(&elapsed.callback).contains_key("code"));
        let (_, prompted) = verify_id_token(&app, id_token(&prompted), "strava").await;
        assert!(
            prompted["auth_time"].as_i64().unwrap() >= first["auth_time"].as_i64().unwrap() + 125,
            "a new login: {prompted}"
        );
    }
}

#[actix_rt::test]
async fn prompt_login_shows_the_login_form_even_within_the_same_second() {
    for app in spawn_apps().await {
        let browser = browser();
        tokens(&app, &browser, SCOPE, &[], "hamza").await;

        let again = hamza_asks(&app, &browser, &[("prompt", "login")]).await;
        let zero = hamza_asks(&app, &browser, &[("max_age", "0")]).await;

        assert!(again.saw_login && !again.saw_consent, "{again:?}");
        assert!(zero.saw_login, "max_age=0 is prompt=login");
    }
}

#[actix_rt::test]
async fn prompt_consent_shows_the_consent_screen_even_when_remembered() {
    for app in spawn_apps().await {
        let browser = browser();
        tokens(&app, &browser, SCOPE, &[], "hamza").await;

        let quiet = hamza_asks(&app, &browser, &[]).await;
        let asked = hamza_asks(&app, &browser, &[("prompt", "consent")]).await;

        assert!(!quiet.saw_consent);
        assert!(asked.saw_consent && !asked.saw_login, "{asked:?}");
    }
}

#[actix_rt::test]
async fn login_hint_prefills_the_username_and_only_for_openid_requests() {
    for app in spawn_apps().await {
        let (_, challenge) = pkce_pair();

        let hinted = run(
            &app,
            &browser(),
            &request(SCOPE, &challenge, &[("login_hint", "alice")]),
            "alice",
        )
        .await;
        let oauth = run(
            &app,
            &browser(),
            &request("profile", &challenge, &[("login_hint", "alice")]),
            "alice",
        )
        .await;

        assert_eq!(hinted.prefilled.as_deref(), Some("alice"));
        assert_eq!(oauth.prefilled, None);
        let page = reqwest::get(format!("{}/login", app.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(hidden_input(&page, "username"), None);
    }
}

#[actix_rt::test]
async fn malformed_openid_parameters_are_invalid_request_and_ignored_without_openid() {
    for app in spawn_apps().await {
        let (_, challenge) = pkce_pair();
        for extra in [
            ("prompt", "none login"),
            ("prompt", "sometimes"),
            ("max_age", "-5"),
            ("max_age", "soon"),
        ] {
            let response = authorize(&app, &browser(), &request(SCOPE, &challenge, &[extra])).await;
            let params = redirect_params(&response);
            assert_eq!(params["error"], "invalid_request", "{extra:?}");
            assert_eq!(params["state"], "oidc-state");
        }

        let oauth = authorize(
            &app,
            &browser(),
            &request("profile", &challenge, &[("prompt", "none")]),
        )
        .await;

        assert!(
            location(&oauth).unwrap().starts_with("/consent?request="),
            "plain OAuth"
        );
    }
}
