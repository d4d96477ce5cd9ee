//! `GET`/`POST /logout`, the end-session endpoint of OpenID Connect
//! RP-Initiated Logout 1.0, on every backend: a valid `id_token_hint`
//! ends the session and goes back to a registered URI; nothing else
//! redirects anywhere.

use authorization_server::testing::{browser, hidden_input, location, TestAuthorizationServer};

use crate::helpers::{get_with_query, log_out, post_form, spawn_apps};
use crate::oidc_flow::{id_token, tokens};

const BACK: &str = "http://localhost:9000/";

/// A signed-in browser of `username` and the ID token `strava` got.
async fn signed_in(app: &TestAuthorizationServer, username: &str) -> (reqwest::Client, String) {
    let browser = browser();
    let answer = tokens(app, &browser, "openid profile", &[], username).await;
    (browser, id_token(&answer).to_owned())
}

async fn logout(
    app: &TestAuthorizationServer,
    browser: &reqwest::Client,
    params: &[(&str, &str)],
) -> reqwest::Response {
    get_with_query(app, browser, "/logout", params).await
}

/// Whether the browser's session still opens the account page.
async fn still_signed_in(app: &TestAuthorizationServer, browser: &reqwest::Client) -> bool {
    let account = browser
        .get(format!("{}/account", app.url))
        .send()
        .await
        .unwrap();
    account.status() == 200
}

#[actix_rt::test]
async fn a_valid_hint_ends_the_session_and_returns_to_the_registered_uri_with_state() {
    for app in spawn_apps().await {
        let (browser, hint) = signed_in(&app, "hamza").await;
        assert!(still_signed_in(&app, &browser).await);

        let response = logout(
            &app,
            &browser,
            &[
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", BACK),
                ("state", "bye-42"),
            ],
        )
        .await;

        assert_eq!(response.status(), 303);
        assert_eq!(location(&response).unwrap(), format!("{BACK}?state=bye-42"));
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            cookie.starts_with("as_session=;"),
            "cookie removed: {cookie}"
        );
        assert!(!still_signed_in(&app, &browser).await);
    }
}

#[actix_rt::test]
async fn an_expired_hint_is_accepted() {
    for app in spawn_apps().await {
        let (browser, hint) = signed_in(&app, "hamza").await;
        app.advance_clock(3600);

        let response = logout(
            &app,
            &browser,
            &[("id_token_hint", &hint), ("post_logout_redirect_uri", BACK)],
        )
        .await;

        assert_eq!(location(&response).as_deref(), Some(BACK));
    }
}

#[actix_rt::test]
async fn an_unregistered_post_logout_uri_is_never_redirected_to() {
    for app in spawn_apps().await {
        let (browser, hint) = signed_in(&app, "hamza").await;

        let response = logout(
            &app,
            &browser,
            &[
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", "https://evil.example/"),
            ],
        )
        .await;

        assert_eq!(response.status(), 200);
        assert!(location(&response).is_none());
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("You are signed out"));
        assert!(!still_signed_in(&app, &browser).await, "the hint was valid");
    }
}

#[actix_rt::test]
async fn without_a_valid_hint_the_user_is_asked_and_nobody_is_redirected() {
    for app in spawn_apps().await {
        let (browser, hint) = signed_in(&app, "hamza").await;
        let (_, alices_hint) = signed_in(&app, "alice").await;
        // One character of the signature changed (not the last, whose low
        // bits may be padding).
        let signature_at = hint.rfind('.').unwrap() + 10;
        let mut forged = hint.clone().into_bytes();
        forged[signature_at] = if forged[signature_at] == b'A' {
            b'B'
        } else {
            b'A'
        };
        let forged = String::from_utf8(forged).unwrap();
        for params in [
            vec![("post_logout_redirect_uri", BACK)],
            vec![
                ("id_token_hint", forged.as_str()),
                ("post_logout_redirect_uri", BACK),
            ],
            vec![
                ("id_token_hint", "not.a.jwt"),
                ("post_logout_redirect_uri", BACK),
            ],
            vec![
                ("id_token_hint", alices_hint.as_str()),
                ("post_logout_redirect_uri", BACK),
            ],
            vec![
                ("id_token_hint", hint.as_str()),
                ("client_id", "strava-mobile"),
                ("post_logout_redirect_uri", BACK),
            ],
        ] {
            let response = logout(&app, &browser, &params).await;
            assert_eq!(response.status(), 200, "{params:?}");
            assert!(location(&response).is_none());
            let page = response.text().await.unwrap();
            assert!(
                hidden_input(&page, "csrf_token").is_some(),
                "a confirmation form"
            );
            assert!(still_signed_in(&app, &browser).await, "{params:?}");
        }

        let page = logout(&app, &browser, &[]).await.text().await.unwrap();
        let csrf = hidden_input(&page, "csrf_token").unwrap();
        let confirmed = log_out(&app, &browser, &csrf).await;

        assert_eq!(confirmed.status(), 303);
        assert!(!still_signed_in(&app, &browser).await);
    }
}

#[actix_rt::test]
async fn a_post_without_our_csrf_token_is_asked_to_confirm_and_a_wrong_one_ends_nothing() {
    for app in spawn_apps().await {
        let (browser, _) = signed_in(&app, "hamza").await;
        let url = format!("{}/logout", app.url);

        let relying_party =
            post_form(&browser, url.clone(), &[("post_logout_redirect_uri", BACK)]).await;
        let status = relying_party.status();
        let page = relying_party.text().await.unwrap();
        let forged = post_form(&browser, url, &[("csrf_token", "forged")]).await;

        assert_eq!(status, 200);
        assert!(
            hidden_input(&page, "csrf_token").is_some(),
            "a confirmation form"
        );
        assert_eq!(forged.status(), 403);
        assert!(still_signed_in(&app, &browser).await);
    }
}

#[actix_rt::test]
async fn logout_without_a_session_says_so_and_a_hint_still_returns_to_the_client() {
    for app in spawn_apps().await {
        let (_, hint) = signed_in(&app, "hamza").await;
        let stranger = browser();

        let page = logout(&app, &stranger, &[]).await;
        let with_hint = logout(
            &app,
            &stranger,
            &[("id_token_hint", &hint), ("post_logout_redirect_uri", BACK)],
        )
        .await;

        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("You are signed out"));
        assert_eq!(location(&with_hint).as_deref(), Some(BACK));
    }
}
