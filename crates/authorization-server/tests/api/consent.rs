//! Consent: rule 6 (granted = approved ∩ allowed), rule 12 (CSRF, one
//! request, its own user), remembered consent, the account page.

use authorization_server::testing::{
    browser, hidden_input, location, Flow, TestAuthorizationServer,
};

use crate::helpers::{
    assert_error_sent_back, assert_no_redirect, authorize, demo_authorize_params, follow,
    is_active, page_text, pkce_pair, post_form, redirect_params, refresh_as_strava, refresh_secret,
    signed_in_browser, spawn_app, spawn_apps, with,
};

/// Signs `username` in and opens the consent page of a strava request for
/// `scope`; returns the browser and the page.
async fn consent_page(
    app: &TestAuthorizationServer,
    username: &str,
    scope: &str,
) -> (reqwest::Client, String) {
    let browser = signed_in_browser(app, username, &format!("{username}-password")).await;
    let (_, challenge) = pkce_pair();
    let params = with(&demo_authorize_params(&challenge), "scope", Some(scope));
    let response = authorize(app, &browser, &params).await;
    let response = follow(app, &browser, response).await;
    assert_eq!(response.status(), 200);
    (browser, response.text().await.unwrap())
}

async fn answer(
    app: &TestAuthorizationServer,
    browser: &reqwest::Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    post_form(browser, format!("{}/consent", app.url), form).await
}

#[actix_rt::test]
async fn the_consent_form_checks_the_requested_scopes_and_offers_the_others_unchecked() {
    let app = spawn_app().await;

    let (_, page) = consent_page(&app, "hamza", "profile").await;

    assert!(page.contains(r#"name="scope" value="profile" checked"#));
    assert!(page.contains(r#"name="scope" value="post">"#));
    assert!(page.contains(r#"name="scope" value="personal-message">"#));
    assert!(page.contains(r#"name="decision" value="approve""#));
    assert!(page.contains(r#"name="decision" value="deny""#));
}

#[actix_rt::test]
async fn the_token_carries_only_the_scopes_the_user_left_checked() {
    for app in spawn_apps().await {
        let flow = Flow {
            approve: Some("profile"),
            ..Flow::demo()
        };

        let tokens = app.obtain_tokens(&flow).await;

        assert_eq!(tokens.scope.unwrap().to_string(), "profile");
        let answer = crate::helpers::introspect(&app, tokens.access_token.secret()).await;
        assert_eq!(answer["scope"], "profile");
    }
}

#[actix_rt::test]
async fn the_user_may_add_a_scope_the_client_may_have() {
    let app = spawn_app().await;
    let flow = Flow {
        scope: "profile",
        approve: Some("profile personal-message"),
        ..Flow::demo()
    };

    let tokens = app.obtain_tokens(&flow).await;

    assert_eq!(
        tokens.scope.unwrap().to_string(),
        "personal-message profile"
    );
}

#[actix_rt::test]
async fn a_scope_the_client_may_not_have_is_dropped_even_if_checked() {
    let app = spawn_app().await;
    let flow = Flow {
        client_id: "strava-mobile",
        client_secret: None,
        redirect_uri: "http://127.0.0.1:8765/callback",
        scope: "profile",
        approve: Some("profile personal-message admin"),
        ..Flow::demo()
    };

    let tokens = app.obtain_tokens(&flow).await;

    assert_eq!(tokens.scope.unwrap().to_string(), "profile");
}

#[actix_rt::test]
async fn denying_redirects_access_denied_with_state_and_iss_and_no_code() {
    let app = spawn_app().await;
    let (browser, page) = consent_page(&app, "hamza", "profile post").await;

    let response = answer(
        &app,
        &browser,
        &[
            ("csrf_token", &hidden_input(&page, "csrf_token").unwrap()),
            ("request", &hidden_input(&page, "request").unwrap()),
            ("scope", "profile"),
            ("decision", "deny"),
        ],
    )
    .await;

    assert_error_sent_back(&app, &response, "access_denied", "xyz-state");
}

#[actix_rt::test]
async fn a_consent_answer_without_or_with_a_wrong_csrf_token_is_refused() {
    let app = spawn_app().await;
    let (browser, page) = consent_page(&app, "hamza", "profile").await;
    let request = hidden_input(&page, "request").unwrap();

    for csrf in [None, Some("forged")] {
        let mut form = vec![
            ("request", request.as_str()),
            ("scope", "profile"),
            ("decision", "approve"),
        ];
        form.extend(csrf.map(|csrf| ("csrf_token", csrf)));

        let response = answer(&app, &browser, &form).await;

        assert_no_redirect(&response, 403);
    }
}

#[actix_rt::test]
async fn another_user_cannot_answer_or_open_someone_elses_consent_request() {
    for app in spawn_apps().await {
        let (_, hamzas_page) = consent_page(&app, "hamza", "profile").await;
        let request = hidden_input(&hamzas_page, "request").unwrap();
        let alice = signed_in_browser(&app, "alice", "alice-password").await;
        let alices_account = page_text(&alice, format!("{}/account", app.url)).await;
        let alices_csrf = hidden_input(&alices_account, "csrf_token").unwrap();

        let answered = answer(
            &app,
            &alice,
            &[
                ("csrf_token", alices_csrf.as_str()),
                ("request", request.as_str()),
                ("scope", "profile"),
                ("decision", "approve"),
            ],
        )
        .await;
        let opened = alice
            .get(format!("{}/consent?request={request}", app.url))
            .send()
            .await
            .unwrap();

        assert_eq!(answered.status(), 403);
        assert!(location(&answered).is_none());
        assert_eq!(opened.status(), 403);
    }
}

#[actix_rt::test]
async fn a_consent_request_can_be_answered_only_once() {
    let app = spawn_app().await;
    let (browser, page) = consent_page(&app, "hamza", "profile").await;
    let csrf = hidden_input(&page, "csrf_token").unwrap();
    let request = hidden_input(&page, "request").unwrap();
    let form = [
        ("csrf_token", csrf.as_str()),
        ("request", request.as_str()),
        ("scope", "profile"),
        ("decision", "approve"),
    ];

    let first = answer(&app, &browser, &form).await;
    let second = answer(&app, &browser, &form).await;

    assert_eq!(first.status(), 303, "a POST is answered 303, never 307");
    assert!(redirect_params(&first).contains_key("code"));
    assert_eq!(second.status(), 400);
    assert!(location(&second).is_none());
}

#[actix_rt::test]
async fn a_remembered_consent_skips_the_screen_for_the_same_or_fewer_scopes_only() {
    for app in spawn_apps().await {
        let browser = browser();
        app.obtain_code_with(&browser, &Flow::demo()).await;

        let (_, challenge) = pkce_pair();
        let fewer = with(&demo_authorize_params(&challenge), "scope", Some("profile"));
        let response = follow(&app, &browser, authorize(&app, &browser, &fewer).await).await;
        assert_eq!(response.status(), 303);
        assert!(redirect_params(&response).contains_key("code"));

        let more = with(
            &demo_authorize_params(&challenge),
            "scope",
            Some("profile personal-message"),
        );
        let response = follow(&app, &browser, authorize(&app, &browser, &more).await).await;
        assert_eq!(response.status(), 200);
        assert!(response.text().await.unwrap().contains("name=\"decision\""));
    }
}

#[actix_rt::test]
async fn the_account_page_lists_approved_clients_and_revoking_one_ends_its_tokens_and_consent() {
    for app in spawn_apps().await {
        let browser = browser();
        let issued = app.obtain_code_with(&browser, &Flow::demo()).await;
        let tokens = app
            .exchange_code(&Flow::demo(), &issued)
            .await
            .json::<oauth_types::token_response::TokenResponse>()
            .await
            .unwrap();
        let account = page_text(&browser, format!("{}/account", app.url)).await;
        assert!(account.contains("strava"));
        let csrf = hidden_input(&account, "csrf_token").unwrap();

        let forged = post_form(
            &browser,
            format!("{}/account/revoke", app.url),
            &[("client_id", "strava"), ("csrf_token", "forged")],
        )
        .await;
        assert_eq!(forged.status(), 403);
        assert!(is_active(&app, tokens.access_token.secret()).await);

        let revoked = post_form(
            &browser,
            format!("{}/account/revoke", app.url),
            &[("client_id", "strava"), ("csrf_token", csrf.as_str())],
        )
        .await;

        assert_eq!(revoked.status(), 303);
        assert!(!is_active(&app, tokens.access_token.secret()).await);
        let refresh = refresh_as_strava(&app, refresh_secret(&tokens)).await;
        assert_eq!(refresh.status(), 400);
        let account = page_text(&browser, format!("{}/account", app.url)).await;
        assert!(account.contains("No application has access"));
        // The consent is forgotten: the next request shows the screen again.
        let (_, challenge) = pkce_pair();
        let response = follow(
            &app,
            &browser,
            authorize(&app, &browser, &demo_authorize_params(&challenge)).await,
        )
        .await;
        assert_eq!(response.status(), 200);
    }
}
