//! What callers get wrong in bodies is a 400, never a 5xx (security.md 31).

use serde_json::json;

use crate::helpers::{assert_refused, spawn_app};

#[actix_rt::test]
async fn an_oversized_body_is_an_invalid_request() {
    let app = spawn_app().await;
    let token = app.token_for("alice", "post");

    let response = app
        .post_json(
            "/api/posts",
            &token,
            &json!({"message": "a".repeat(70 * 1024)}),
        )
        .await;

    assert_refused(&app, response, 400, Some("invalid_request")).await;
}

#[actix_rt::test]
async fn a_wrong_content_type_is_an_invalid_request() {
    let app = spawn_app().await;
    let token = app.token_for("alice", "post");

    let response = app
        .http
        .post(app.url("/api/posts"))
        .bearer_auth(&token)
        .header("Content-Type", "text/plain")
        .body(r#"{"message": "hi"}"#)
        .send()
        .await
        .unwrap();

    assert_refused(&app, response, 400, Some("invalid_request")).await;
}

#[actix_rt::test]
async fn a_missing_body_is_an_invalid_request() {
    let app = spawn_app().await;
    let token = app.token_for("alice", "post");

    let response = app
        .http
        .post(app.url("/api/posts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    assert_refused(&app, response, 400, Some("invalid_request")).await;
}

#[actix_rt::test]
async fn malformed_json_is_an_invalid_request() {
    let app = spawn_app().await;
    let token = app.token_for("alice", "post");

    for body in [r#"{"message": "#, "[1, 2]", r#"{"message": 42}"#, "\u{0}"] {
        let response = app
            .http
            .post(app.url("/api/posts"))
            .bearer_auth(&token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_refused(&app, response, 400, Some("invalid_request")).await;
    }
}

#[actix_rt::test]
async fn a_repeated_form_field_is_an_invalid_request() {
    let app = spawn_app().await;
    let token = app.token_for("alice", "post");

    let response = app
        .http
        .post(app.url("/api/posts"))
        .form(&[
            ("message", "one"),
            ("message", "two"),
            ("access_token", &token),
        ])
        .send()
        .await
        .unwrap();

    assert_refused(&app, response, 400, Some("invalid_request")).await;
}
