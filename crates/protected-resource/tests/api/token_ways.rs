//! RFC 6750 §2: the three ways a token may travel, and exactly one per
//! request.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{
    assert_invalid_request_with_token, assert_refused, spawn_app, spawn_app_with_token_of,
};

#[actix_rt::test]
async fn a_token_in_the_authorization_header_is_accepted() {
    let (app, token) = spawn_app_with_token_of("alice", "profile").await;

    let response = app.get("/api/me", &token).await;

    assert_eq!(response.status(), 200);
    assert!(response.headers().get("cache-control").is_none());
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["username"], "alice");
}

#[actix_rt::test]
async fn the_bearer_scheme_name_is_case_insensitive() {
    let (app, token) = spawn_app_with_token_of("alice", "profile").await;
    let request = app
        .to(Method::GET, "/api/me")
        .header("Authorization", format!("bEaReR {token}"));

    let response = app.send(request).await;

    assert_eq!(response.status(), 200);
}

#[actix_rt::test]
async fn a_token_in_a_form_body_is_accepted_and_the_other_fields_carry_the_request() {
    let (app, token) = spawn_app_with_token_of("alice", "post").await;

    let response = app
        .post_form(
            "/api/posts",
            &[("message", "posted with a form"), ("access_token", &token)],
        )
        .await;

    assert_eq!(response.status(), 201);
    let post: Value = response.json().await.unwrap();
    assert_eq!(post["message"], "posted with a form");
    assert_eq!(post["author"], "sub-alice");
}

#[actix_rt::test]
async fn a_token_in_the_query_is_accepted_and_the_answer_is_cache_control_private() {
    let (app, token) = spawn_app_with_token_of("alice", "profile").await;

    let response = app
        .get_anonymous(&format!("/api/me?access_token={token}"))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "private");
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["sub"], "sub-alice");
}

#[actix_rt::test]
async fn a_refusal_to_a_query_token_is_cache_control_private_too() {
    let app = spawn_app().await;

    let response = app
        .get_anonymous("/api/me?access_token=unknown-token")
        .await;

    assert_eq!(response.headers()["cache-control"], "private");
    app.assert_invalid_token(response).await;
}

#[actix_rt::test]
async fn a_header_and_a_query_token_together_are_an_invalid_request() {
    let app = assert_invalid_request_with_token("profile", |app, token| {
        app.to(Method::GET, &format!("/api/me?access_token={token}"))
            .bearer_auth(token)
    })
    .await;

    assert_eq!(
        app.fake.calls(),
        0,
        "a refused request is never introspected"
    );
}

#[actix_rt::test]
async fn a_header_and_a_form_token_together_are_an_invalid_request() {
    assert_invalid_request_with_token("post", |app, token| {
        app.to(Method::POST, "/api/posts")
            .bearer_auth(token)
            .form(&[("message", "hi"), ("access_token", token)])
    })
    .await;
}

#[actix_rt::test]
async fn a_form_and_a_query_token_together_are_an_invalid_request() {
    assert_invalid_request_with_token("post", |app, token| {
        app.to(Method::POST, &format!("/api/posts?access_token={token}"))
            .form(&[("message", "hi"), ("access_token", token)])
    })
    .await;
}

#[actix_rt::test]
async fn a_token_given_twice_in_the_query_is_an_invalid_request() {
    assert_invalid_request_with_token("profile", |app, token| {
        let path = format!("/api/me?access_token={token}&access_token={token}");
        app.to(Method::GET, &path)
    })
    .await;
}

#[actix_rt::test]
async fn a_malformed_authorization_header_is_an_invalid_request() {
    assert_invalid_request_with_token("profile", |app, _| {
        app.to(Method::GET, "/api/me")
            .header("Authorization", "Bearer two words")
    })
    .await;
}

#[actix_rt::test]
async fn a_form_token_is_not_a_way_for_a_get() {
    let (app, token) = spawn_app_with_token_of("alice", "profile").await;

    // RFC 6750 §2.2: the form way is never used with GET.
    let request = app
        .to(Method::GET, "/api/me")
        .form(&[("access_token", &token)]);
    let response = app.send(request).await;

    assert_refused(&app, response, 401, None).await;
}

#[actix_rt::test]
async fn another_authorization_scheme_is_not_a_bearer_token() {
    let app = spawn_app().await;
    let request = app
        .to(Method::GET, "/api/me")
        .basic_auth("alice", Some("alice-password"));

    let response = app.send(request).await;

    assert_refused(&app, response, 401, None).await;
}

#[actix_rt::test]
async fn a_value_that_cannot_be_a_token_is_invalid_token_and_nobody_is_asked() {
    let app = spawn_app().await;
    let too_long = "a".repeat(4097);
    // `%00`, a quote and a non-ASCII letter are outside RFC 6750 §2.1's
    // b64token; 4097 characters is over our 4 KiB bound.
    for value in ["\0", "a\"b", "é", "a=b", too_long.as_str()] {
        let by_query = app
            .send(
                app.to(Method::GET, "/api/me")
                    .query(&[("access_token", value)]),
            )
            .await;
        let by_form = app
            .post_form("/api/posts", &[("access_token", value), ("message", "hi")])
            .await;
        app.assert_invalid_token(by_query).await;
        app.assert_invalid_token(by_form).await;
    }
    for value in ["a=b", "a,b", too_long.as_str()] {
        let by_header = app.get("/api/me", value).await;
        app.assert_invalid_token(by_header).await;
    }

    assert_eq!(app.fake.calls(), 0, "the authorization server was asked");
}
