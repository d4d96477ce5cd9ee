//! RFC 6750 §3: the answers when a request is refused, on every route, and
//! the scope each route needs (security.md 21).

use crate::helpers::{
    assert_every_route_names_its_missing_scope, assert_refused, assert_served, spawn_app,
    spawn_app_with_token_of, ROUTES,
};

#[actix_rt::test]
async fn every_route_refuses_a_request_without_a_token_with_a_bare_challenge() {
    let app = spawn_app().await;
    for (method, path, _) in ROUTES {
        let response = app.call(method, path, None).await;
        assert_refused(&app, response, 401, None).await;
    }
}

#[actix_rt::test]
async fn every_route_refuses_an_unknown_token_as_invalid_token() {
    let app = spawn_app().await;
    for (method, path, _) in ROUTES {
        let response = app.call(method, path, Some("a-token-nobody-issued")).await;
        let body = app.assert_invalid_token(response).await;
        assert!(!body.to_string().contains("a-token-nobody-issued"));
    }
}

#[actix_rt::test]
async fn every_route_refuses_a_token_without_its_scope_and_names_the_scope() {
    let app = spawn_app().await;

    assert_every_route_names_its_missing_scope(&app, |scope| app.token_for("alice", scope)).await;
}

#[actix_rt::test]
async fn every_route_serves_a_token_with_exactly_its_scope() {
    let app = spawn_app().await;
    app.introduce("alice").await;
    for (method, path, needed) in ROUTES {
        let token = app.token_for("bob", needed);

        let response = app.call(method, path, Some(&token)).await;

        assert_served(&response, method, path);
    }
}

#[actix_rt::test]
async fn a_token_with_no_scope_at_all_is_insufficient_scope() {
    let (app, token) = spawn_app_with_token_of("alice", "").await;

    let response = app.get("/api/me", &token).await;

    assert_refused(&app, response, 403, Some("insufficient_scope")).await;
}
