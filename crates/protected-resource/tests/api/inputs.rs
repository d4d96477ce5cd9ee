//! Bad input, generated (rule 31): random `Authorization` headers, query
//! strings and bodies (oversized, repeated `access_token`, non-UTF-8, bad
//! percent-encoding, wrong content types) and random methods on every
//! route. A refusal is always a 4xx with the RFC 6750 JSON body
//! `{"error": …}`, never a 5xx (the fake authorization server answers, so
//! 503 is not expected either), a panic or a hang.
//!
//! The cases come from proptest strategies drawn by a seeded runner (the
//! same cases every run); one resource serves a whole property; each
//! request has a timeout, so a hang fails instead of stalling.

use proptest::collection::vec;
use proptest::prelude::*;
use service_kit::testing::inputs::{
    assert_unserved_methods_are_4xx, broken_form_encoding, cases, content_type, excerpt,
    hostile_text, impatient_http_client as http, send_body,
};

use crate::helpers::{spawn_app, spawn_app_on, spawn_apps, TestApp};

/// Cases per property.
const CASES: usize = 128;

/// Strings an attacker would try as tokens or field values.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => "[A-Za-z0-9._~+/-]{1,64}=*",
        5 => hostile_text(4000..6000),
    ]
}

/// A raw query string or form body, well-formed or not: broken encoding
/// among well-encoded values.
fn raw_encoded() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            9 => broken_form_encoding(&["access_token=", "+", "message="], 2),
            1 => value()
                .prop_map(|value| url::form_urlencoded::byte_serialize(value.as_bytes()).collect()),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

/// A value without the control characters no header may carry (the
/// server's HTTP parser refuses those before any of our code runs).
fn header_value() -> impl Strategy<Value = String> {
    value().prop_map(|value| value.chars().filter(|c| !c.is_control()).collect())
}

/// `Authorization` header values.
fn authorization() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        header_value().prop_map(|token| Some(format!("Bearer {token}"))),
        header_value().prop_map(|token| Some(format!("bEaReR    {token}"))),
        header_value().prop_map(|token| Some(format!("DPoP {token}"))),
        "[ -~]{0,80}".prop_map(Some),
        Just(Some("Bearer".to_owned())),
        Just(Some("Basic YTpi".to_owned())),
    ]
}

/// Bodies: JSON-ish text, form text, raw bytes, oversized.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => raw_encoded().prop_map(String::into_bytes),
        2 => (value(), value()).prop_map(|(to, text)| serde_json::json!({"to": to, "text": text, "message": text}).to_string().into_bytes()),
        2 => "[{}\\[\\]\":,a-z0-9 ]{0,64}".prop_map(String::into_bytes),
        2 => vec(any::<u8>(), 0..256),
        1 => (70_000usize..90_000).prop_map(|len| vec![b'a'; len]),
    ]
}

/// A 4xx answer with the RFC 6750 JSON body.
async fn assert_json_error(what: &str, response: reqwest::Response) {
    let status = response.status();
    assert!(status.is_client_error(), "{what}: {status}");
    let body = response.bytes().await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body)
        .unwrap_or_else(|err| panic!("{what}: not JSON ({err}): {body:?}"));
    // RFC 6750 §3.1: a request without a token gets no error code.
    let without_token = status == 401 && json.get("error").is_none();
    assert!(json["error"].is_string() || without_token, "{what}: {json}");
    assert!(json["error_description"].is_string(), "{what}: {json}");
}

fn api_route() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop::sample::select(vec![
        ("GET", "/api/me"),
        ("GET", "/api/posts"),
        ("POST", "/api/posts"),
        ("POST", "/api/messages"),
    ])
}

async fn send(
    app: &TestApp,
    http: &reqwest::Client,
    (method, path): (&str, &str),
    query: &str,
    authorization: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> (String, reqwest::Response) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let url = format!("{}?{query}", app.url(path));
    let mut request = http.request(method.clone(), &url);
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let what = format!(
        "{method} {}?{} (authorization {:?}, content type {content_type:?}, body {:?})",
        path,
        &query[..query.len().min(200)],
        authorization.map(|value| &value[..value.len().min(100)]),
        excerpt(body)
    );
    let response = send_body(request, content_type, body, &what).await;
    (what, response)
}

#[actix_rt::test]
async fn random_token_presentations_are_refused_with_rfc_6750_json_never_5xx() {
    // No token the fake knows: every request must be refused.
    let inputs = (
        api_route(),
        raw_encoded(),
        authorization(),
        content_type(&[]),
        body(),
    );
    let cases = cases(inputs, CASES);
    let app = spawn_app().await;
    let http = http();
    for (route, query, authorization, content_type, body) in &cases {
        let (what, response) = send(
            &app,
            &http,
            *route,
            query,
            authorization.as_deref(),
            content_type.as_deref(),
            body,
        )
        .await;
        assert_json_error(&what, response).await;
    }
}

#[actix_rt::test]
async fn random_bodies_with_a_valid_token_are_served_or_refused_never_5xx() {
    let inputs = (
        prop::sample::select(vec!["/api/posts", "/api/messages"]),
        content_type(&[]),
        body(),
    );
    let cases = cases(inputs, CASES);
    for database_url in service_kit::testing::test_database_urls().await {
        random_bodies_on(spawn_app_on(database_url).await, &cases).await;
    }
}

async fn random_bodies_on(app: TestApp, cases: &[(&str, Option<String>, Vec<u8>)]) {
    app.introduce("alice").await;
    let token = app.token_for("bob", "profile post personal-message");
    let http = http();
    for (path, content_type, body) in cases {
        let (what, response) = send(
            &app,
            &http,
            ("POST", path),
            "",
            Some(&format!("Bearer {token}")),
            content_type.as_deref(),
            body,
        )
        .await;
        if response.status() == 201 {
            let created: serde_json::Value = response.json().await.unwrap();
            assert!(created.is_object(), "{what}: {created}");
            continue;
        }
        assert_json_error(&what, response).await;
    }
}

#[actix_rt::test]
async fn random_queries_on_the_pages_never_fail() {
    let inputs = (
        prop::sample::select(vec![
            "/",
            "/.well-known/oauth-protected-resource",
            "/healthz",
        ]),
        raw_encoded(),
    );
    let cases = cases(inputs, CASES);
    let app = spawn_app().await;
    let http = http();
    for (path, query) in &cases {
        let response = http
            .get(format!("{}?{query}", app.url(path)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path}?{query}");
    }
}

#[actix_rt::test]
async fn random_methods_on_known_paths_are_4xx() {
    let app = spawn_app().await;
    let paths = [
        "/api/me",
        "/api/posts",
        "/api/messages",
        "/api/unknown",
        "/",
        "/.well-known/oauth-protected-resource",
        "/healthz",
    ];
    assert_unserved_methods_are_4xx(&app.address, &paths, CASES).await;
}

/// Regression: a NUL in a post's `message`, a message's `text` or its `to`
/// reached Postgres, which refuses NUL in TEXT, and the answer was a 500
/// (found by `random_bodies_with_a_valid_token_…` above).
#[actix_rt::test]
async fn a_nul_in_a_message_text_or_recipient_is_a_400_on_every_backend() {
    for app in spawn_apps().await {
        app.introduce("alice").await;
        let token = app.token_for("bob", "post personal-message");
        for (path, body) in [
            ("/api/posts", serde_json::json!({"message": "a\u{0}b"})),
            (
                "/api/messages",
                serde_json::json!({"to": "alice", "text": "a\u{0}b"}),
            ),
            (
                "/api/messages",
                serde_json::json!({"to": "ali\u{0}ce", "text": "hi"}),
            ),
        ] {
            let response = app.post_json(path, &token, &body).await;
            assert_eq!(response.status(), 400, "{path} {body}");
            assert_json_error(&format!("{path} {body}"), response).await;
        }
    }
}
