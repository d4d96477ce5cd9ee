//! What callers get wrong in bodies is a 400, never a 5xx (security.md 31).

use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_invalid_request_with_token, spawn_app_with_token_of};

#[actix_rt::test]
async fn an_oversized_body_is_an_invalid_request() {
    let (app, token) = spawn_app_with_token_of("alice", "post").await;
    let body = json!({"message": "a".repeat(70 * 1024)});

    let response = app.post_json("/api/posts", &token, &body).await;

    app.assert_invalid_request(response).await;
}

#[actix_rt::test]
async fn a_wrong_content_type_is_an_invalid_request() {
    assert_invalid_request_with_token("post", |app, token| {
        app.to(Method::POST, "/api/posts")
            .bearer_auth(token)
            .header("Content-Type", "text/plain")
            .body(r#"{"message": "hi"}"#)
    })
    .await;
}

#[actix_rt::test]
async fn a_missing_body_is_an_invalid_request() {
    assert_invalid_request_with_token("post", |app, token| {
        app.to(Method::POST, "/api/posts").bearer_auth(token)
    })
    .await;
}

#[actix_rt::test]
async fn malformed_json_is_an_invalid_request() {
    let (app, token) = spawn_app_with_token_of("alice", "post").await;

    for body in [r#"{"message": "#, "[1, 2]", r#"{"message": 42}"#, "\u{0}"] {
        let response = app
            .post_raw("/api/posts", &token, "application/json", body)
            .await;
        app.assert_invalid_request(response).await;
    }
}

#[actix_rt::test]
async fn a_repeated_form_field_is_an_invalid_request() {
    assert_invalid_request_with_token("post", |app, token| {
        let form = [
            ("message", "one"),
            ("message", "two"),
            ("access_token", token),
        ];
        app.to(Method::POST, "/api/posts").form(&form)
    })
    .await;
}
