//! Security rule 37: an ID token is believed only after every check of
//! OpenID Connect Core §3.1.3.7 (and §3.1.3.8's `at_hash`). Each test
//! breaks one thing at a hostile fake provider and sees the sign-in
//! refused with the check it broke, nothing stored, nobody signed in.

use serde_json::json;

use crate::fake_provider::{Forgery, IdTokenPlan};
use crate::helpers::{spawn_app, TestApp};

/// Signs in with an ID token broken by `forgery` (and `nonce`, when
/// given, instead of the request's); returns the callback's answer.
async fn sign_in_with(app: &TestApp, forgery: Forgery, nonce: Option<&str>) -> reqwest::Response {
    let redirect = app.start_sign_in().await;
    let mut plan = IdTokenPlan::honest("user-hamza", "Hamza Ali", &redirect.params["nonce"]);
    plan.forgery = forgery;
    if let Some(nonce) = nonce {
        plan.nonce = Some(nonce.to_owned());
    }
    app.world().id_token = Some(plan);
    app.callback_of(&redirect, &[("code", "a-sign-in-code")])
        .await
}

/// 400, a page naming `check`, nobody signed in, no person stored, and the
/// refusal on the behind-the-scenes page.
async fn assert_refused(app: &TestApp, response: reqwest::Response, check: &str) {
    assert_eq!(response.status().as_u16(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("The ID token was refused"), "{page}");
    assert!(page.contains(check), "{check} missing from {page}");
    assert_eq!(app.count("people").await, 0);
    let id_tokens = app.count_where("sessions", "id_token IS NOT NULL").await;
    assert_eq!(id_tokens, 0);
    let home = app.home().await;
    assert!(home.contains("href=\"/signin\""), "not signed in: {home}");
    app.assert_behind_the_scenes_shows(&["Check the ID token: refused"])
        .await;
}

#[actix_rt::test]
async fn every_broken_id_token_is_refused_naming_the_check_it_fails() {
    let cases = [
        (Forgery::OtherKey, "Core §3.1.3.7 item 6"),
        (
            Forgery::Issuer("https://evil.example".to_owned()),
            "Core §3.1.3.7 item 2",
        ),
        (
            Forgery::Audience(json!("another-app")),
            "Core §3.1.3.7 item 3",
        ),
        (
            Forgery::Audience(json!(["another-app", "strava-evil"])),
            "Core §3.1.3.7 item 3",
        ),
        (Forgery::SeveralAudiencesNoAzp, "Core §3.1.3.7 item"),
        (Forgery::Expired, "Core §3.1.3.7 item 9"),
        (Forgery::IssuedLongAgo, "Core §3.1.3.7 item 10"),
        (Forgery::NoNonce, "Core §3.1.3.7 item 11"),
        (Forgery::AtHash, "Core §3.1.3.8"),
        (Forgery::AlgNone, "Core §3.1.3.7 item 7"),
        (
            Forgery::Hs256("strava-secret".to_owned()),
            "Core §3.1.3.7 item 7",
        ),
    ];
    for (forgery, check) in cases {
        let app = spawn_app().await;
        let response = sign_in_with(&app, forgery.clone(), None).await;
        let status = response.status();
        assert_eq!(status.as_u16(), 400, "{forgery:?}");
        assert_refused(&app, response, check).await;
    }
}

#[actix_rt::test]
async fn an_id_token_carrying_another_requests_nonce_is_refused() {
    let app = spawn_app().await;
    // The nonce of a request the attacker started in their own browser.
    let theirs = app.start_sign_in().await.params["nonce"].clone();

    let response = sign_in_with(&app, Forgery::None, Some(&theirs)).await;

    assert_refused(&app, response, "Core §3.1.3.7 item 11").await;
}

#[actix_rt::test]
async fn a_replayed_sign_in_callback_is_refused_and_the_code_not_redeemed_again() {
    let app = spawn_app().await;
    let redirect = app.start_sign_in().await;
    app.world().id_token = Some(IdTokenPlan::honest(
        "user-hamza",
        "Hamza Ali",
        &redirect.params["nonce"],
    ));
    let first = app.callback_of(&redirect, &[("code", "the-code")]).await;
    assert_eq!(first.status().as_u16(), 303);

    let replayed = app.callback_of(&redirect, &[("code", "the-code")]).await;

    assert_eq!(replayed.status().as_u16(), 400);
    let page = replayed.text().await.unwrap();
    assert!(page.contains("The state does not match"), "{page}");
    assert_eq!(app.world().token_requests.len(), 1, "one exchange only");
}
