//! security.md 19 and 20: the resource never fails open, and counts only
//! active, unexpired answers for its own audience.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::{
    active_answer, assert_unavailable, spawn_app, spawn_app_with, spawn_app_with_token_of, without,
    FakeAnswer, Options, TestApp, CLIENT_ID,
};

/// Asserts that a token the authorization server describes with the
/// answer `describe` makes (on a fresh resource) is `invalid_token`.
async fn assert_invalid_token_when_described_as(describe: impl FnOnce(&TestApp) -> Value) {
    let app = spawn_app().await;
    let answer = describe(&app);

    let response = app.me_answered("described-token", answer).await;

    app.assert_invalid_token(response).await;
}

#[actix_rt::test]
async fn an_unreachable_authorization_server_means_503_and_nothing_served() {
    let closed_port = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap().port()
    };
    let app = spawn_app_with(Options {
        introspection_url: Some(format!("http://127.0.0.1:{closed_port}/introspect")),
        ..Options::default()
    })
    .await;

    let response = app.get("/api/me", "any-token").await;

    assert_unavailable(response).await;
}

#[actix_rt::test]
async fn a_slow_authorization_server_means_503_after_the_timeout() {
    let app = spawn_app_with(Options {
        timeout_ms: 300,
        ..Options::default()
    })
    .await;
    app.fake
        .answer("slow-token", FakeAnswer::Slow(Duration::from_secs(5)));

    let response = app.get("/api/me", "slow-token").await;

    assert_unavailable(response).await;
}

#[actix_rt::test]
async fn a_garbage_answer_means_503() {
    let app = spawn_app().await;
    app.fake.answer("garbage-token", FakeAnswer::Garbage);

    let response = app.get("/api/me", "garbage-token").await;

    assert_unavailable(response).await;
}

#[actix_rt::test]
async fn an_answer_that_is_json_but_not_rfc_7662_means_503() {
    let app = spawn_app().await;
    app.fake.answer(
        "odd-token",
        FakeAnswer::Json(json!({"active": "yes", "scope": 7})),
    );

    let response = app.get("/api/me", "odd-token").await;

    assert_unavailable(response).await;
}

#[actix_rt::test]
async fn a_non_200_answer_means_503_even_if_its_body_looks_active() {
    let app = spawn_app().await;
    for status in [201, 302, 401, 404, 500] {
        let token = format!("token-{status}");
        app.fake.answer(&token, FakeAnswer::Status(status));

        let response = app.get("/api/me", &token).await;

        assert_unavailable(response).await;
    }
}

#[actix_rt::test]
async fn an_inactive_token_is_invalid_token() {
    let (app, token) = spawn_app_with_token_of("alice", "profile").await;
    app.fake.revoke(&token);

    app.assert_me_refuses(&token).await;
}

#[actix_rt::test]
async fn an_active_answer_with_a_past_exp_is_invalid_token() {
    assert_invalid_token_when_described_as(|app| {
        let mut answer = app.alices_answer();
        answer["exp"] = json!(service_kit::clock::now() - 1);
        answer
    })
    .await;
}

#[actix_rt::test]
async fn an_active_answer_without_exp_is_invalid_token() {
    assert_invalid_token_when_described_as(|app| without(app.alices_answer(), "exp")).await;
}

#[actix_rt::test]
async fn a_token_for_another_audience_is_invalid_token() {
    let app = spawn_app().await;
    let answer = active_answer(
        "http://another-resource.example",
        "sub-alice",
        "alice",
        "profile",
    );

    let response = app.me_answered("foreign-token", answer).await;

    let body = app.assert_invalid_token(response).await;
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("another resource"));
}

#[actix_rt::test]
async fn a_token_whose_audience_list_includes_this_resource_is_accepted() {
    let app = spawn_app().await;
    let mut answer = app.alices_answer();
    answer["aud"] = json!(["http://another-resource.example", app.resource_id]);

    let response = app.me_answered("shared-token", answer).await;

    assert_eq!(response.status(), 200);
}

#[actix_rt::test]
async fn a_token_that_names_no_resource_owner_is_invalid_token() {
    assert_invalid_token_when_described_as(|app| without(app.alices_answer(), "sub")).await;
}

#[actix_rt::test]
async fn the_resource_authenticates_with_basic_over_form_urlencoded_credentials() {
    let (app, token) = spawn_app_with_token_of("alice", "profile").await;

    assert_eq!(app.me_status(&token).await, 200);

    // RFC 6749 §2.3.1: urlencode id and secret, then join and base64.
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{CLIENT_ID}:s3cret%3Awith%2Fspecial%2Bchars+%C3%A9"
        ))
    );
    assert_eq!(
        app.fake.last_authorization().as_deref(),
        Some(expected.as_str())
    );
    let form = app.fake.last_form();
    assert!(form.contains(&("token".to_owned(), token)));
    assert!(form.contains(&("token_type_hint".to_owned(), "access_token".to_owned())));
}

#[actix_rt::test]
async fn a_failed_introspection_is_not_remembered() {
    let app = spawn_app().await;
    app.fake.answer("flaky-token", FakeAnswer::Garbage);
    assert_unavailable(app.get("/api/me", "flaky-token").await).await;

    let answer = app.alices_answer();
    app.fake.answer("flaky-token", FakeAnswer::Json(answer));
    let response = app.get("/api/me", "flaky-token").await;

    assert_eq!(response.status(), 200);
}
