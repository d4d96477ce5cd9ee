//! Bad input, generated (rule 31): random, repeated, non-UTF-8 and badly
//! percent-encoded callback parameters, random form posts with wrong
//! content types, random queries and methods on every route. The answer is
//! a page (4xx with HTML), or a redirect on this site, never a 5xx for what
//! the browser sent, a panic or a hang; a forged callback stores nothing.
//!
//! The cases come from proptest strategies drawn by a seeded runner (the
//! same cases every run); one client serves a whole property; each request
//! has a timeout, so a hang fails instead of stalling.

use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use reqwest::header::LOCATION;
use service_kit::testing::inputs::{
    assert_html_page as assert_html, assert_unserved_methods_are_4xx, broken_form_encoding, cases,
    excerpt, hostile_text, one_of, send_body,
};

use crate::helpers::{spawn_app, spawn_app_with, spawn_apps, Options, TestApp};

/// Cases per property.
const CASES: usize = 96;

/// The parameter names the callback and the forms read.
const PARAMETER_NAMES: [&str; 11] = [
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "scope",
    "csrf_token",
    "message",
    "run_id",
    "to",
    "text",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => one_of(&["access_denied", "server_error"]),
        1 => "[A-Za-z0-9._~-]{1,64}",
        5 => hostile_text(3000..5000),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![11 => one_of(&PARAMETER_NAMES), 1 => "\\PC{0,12}"]
}

/// A raw query or form body: encoded pairs (names often repeated) or raw
/// text with broken percent-encoding.
fn raw_encoded() -> impl Strategy<Value = String> {
    prop_oneof![
        vec((name(), value()), 0..8).prop_map(|pairs| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        }),
        broken_form_encoding(&["state=", "code="], 30),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    service_kit::testing::inputs::body(raw_encoded(), 300_000..400_000)
}

/// A 4xx HTML page, or a redirect to a path of this site.
async fn assert_page_or_local_redirect(what: &str, response: reqwest::Response) {
    let status = response.status();
    if status.is_redirection() {
        let to = response.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(to.starts_with('/'), "{what}: redirected to {to}");
        return;
    }
    assert!(status.is_client_error(), "{what}: {status}");
    assert_html(what, response).await;
}

#[actix_rt::test]
async fn random_callbacks_are_refused_with_a_page_and_store_nothing_on_every_backend() {
    let cases = cases(raw_encoded(), CASES);
    for app in spawn_apps().await {
        // A pending authorization request in this browser: the random
        // callbacks meet a real session with a real (unknown to them) state.
        app.connect().await;
        for query in &cases {
            let what = format!("GET /callback?{}", &query[..query.len().min(300)]);
            let response = app.get(&format!("/callback?{query}")).await;
            let status = response.status();
            assert!(status.is_client_error(), "{what}: {status}");
            assert_html(&what, response).await;
        }
        assert_eq!(app.count("connections").await, 0);
        assert!(
            app.world().token_requests.is_empty(),
            "no code was redeemed"
        );
    }
}

#[actix_rt::test]
async fn random_answers_on_a_real_state_never_end_in_a_5xx_of_our_own() {
    // The state is right, everything else is random: the client either
    // connects (303 home) or shows why not; a 502/503 only relays an
    // authorization server that said `server_error` or
    // `temporarily_unavailable` (RFC 6749 §4.1.2.1).
    let inputs = vec((name(), value()), 0..6);
    let cases = cases(inputs, CASES / 2);
    for app in spawn_apps().await {
        for pairs in &cases {
            let redirect = app.connect().await;
            let mut pairs: Vec<(&str, &str)> = pairs
                .iter()
                .filter(|(name, _)| name != "state")
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            pairs.push(("state", redirect.state()));
            let what = format!("GET /callback {pairs:?}");
            let response = app.callback(&pairs).await;
            let status = response.status().as_u16();
            if matches!(status, 502 | 503) {
                let errors: Vec<&str> = pairs
                    .iter()
                    .filter(|(name, _)| *name == "error")
                    .map(|(_, value)| *value)
                    .collect();
                assert!(
                    errors == ["server_error"] || errors == ["temporarily_unavailable"],
                    "{what}: {status}"
                );
                continue;
            }
            assert_page_or_local_redirect(&what, response).await;
        }
    }
}

#[actix_rt::test]
async fn random_form_posts_are_refused_with_a_page_never_5xx() {
    let inputs = (
        prop::sample::select(vec!["/post", "/share", "/message", "/disconnect"]),
        service_kit::testing::inputs::content_type(&[]),
        body(),
        any::<bool>(),
    );
    let cases = cases(inputs, CASES);
    for database_url in service_kit::testing::test_database_urls().await {
        random_form_posts_on(spawn_app_with(Options::new(database_url)).await, &cases).await;
    }
}

async fn random_form_posts_on(app: TestApp, cases: &[(&str, Option<String>, Vec<u8>, bool)]) {
    app.connect_fully().await;
    let csrf = app.csrf_token().await;
    for (path, content_type, body, with_csrf) in cases {
        // Half the cases carry the session's right CSRF token, so the
        // handlers themselves see the random fields.
        let mut body = body.clone();
        if *with_csrf {
            body = [format!("csrf_token={csrf}&").into_bytes(), body].concat();
        }
        let request = app
            .browser
            .post(format!("{}{path}", app.url))
            .timeout(Duration::from_secs(10));
        let what = format!("POST {path} ({content_type:?}, {:?})", excerpt(&body));
        let response = send_body(request, content_type.as_deref(), &body, &what).await;
        assert_page_or_local_redirect(&what, response).await;
    }
}

#[actix_rt::test]
async fn random_queries_on_the_pages_never_fail() {
    let inputs = (
        prop::sample::select(vec!["/", "/connect", "/behind-the-scenes", "/healthz"]),
        raw_encoded(),
    );
    let cases = cases(inputs, CASES);
    let app = spawn_app().await;
    for (path, query) in &cases {
        let what = format!("GET {path}?{}", &query[..query.len().min(300)]);
        let response = app.get(&format!("{path}?{query}")).await;
        let status = response.status();
        assert!(!status.is_server_error(), "{what}: {status}");
        if status.is_redirection() {
            // Only /connect leaves the site, and only for the authorization server.
            let to = response.headers()[LOCATION].to_str().unwrap().to_owned();
            assert!(
                to.starts_with('/') || (*path == "/connect" && to.starts_with(&app.issuer)),
                "{what}: redirected to {to}"
            );
        } else if *path != "/healthz" {
            assert_html(&what, response).await;
        }
    }
}

#[actix_rt::test]
async fn random_methods_on_known_paths_are_4xx() {
    let app = spawn_app().await;
    let paths = [
        "/",
        "/connect",
        "/callback",
        "/post",
        "/share",
        "/message",
        "/disconnect",
        "/behind-the-scenes",
        "/healthz",
    ];
    assert_unserved_methods_are_4xx(&app.url, &paths, CASES).await;
}

/// Regression: a NUL in a callback parameter went into the recorded
/// "behind the scenes" step, Postgres refused it, and the callback answered
/// 500 (found by `random_answers_on_a_real_state_…` above).
#[actix_rt::test]
async fn a_nul_in_a_callback_parameter_is_shown_as_a_page_on_every_backend() {
    for app in spawn_apps().await {
        let redirect = app.connect().await;

        let response = app
            .callback_of(
                &redirect,
                &[("error", "access_denied"), ("error_description", "no\0pe")],
            )
            .await;

        assert_eq!(response.status(), 400);
        assert_html("a NUL in error_description", response).await;
        assert_eq!(app.count("connections").await, 0);
    }
}
