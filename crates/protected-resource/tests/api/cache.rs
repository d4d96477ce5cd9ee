//! security.md 24: the introspection cache is keyed by the token's hash,
//! bounded by a TTL and by `exp`, and keeps only active answers.

use std::time::Duration;

use oauth_types::secret::{AccessToken, ClientSecret};
use protected_resource::introspection::{IntrospectionSettings, Introspector, ValidationError};
use serde_json::json;

use crate::helpers::{
    active_answer, spawn_app, spawn_app_with_token_of, spawn_app_without_cache, FakeAnswer,
    FakeAuthorizationServer, TestApp, CLIENT_ID, CLIENT_SECRET,
};

const RESOURCE: &str = "http://resource.example";

fn introspector(fake: &FakeAuthorizationServer, ttl: u64) -> Introspector {
    Introspector::new(IntrospectionSettings {
        endpoint: url::Url::parse(&fake.introspection_url).unwrap(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: ClientSecret::new(CLIENT_SECRET),
        resource_id: RESOURCE.to_owned(),
        timeout: Duration::from_secs(2),
        cache_ttl_seconds: ttl,
    })
    .unwrap()
}

/// An active answer whose `exp` is `exp`, with the test's own clock.
fn answer_expiring_at(exp: i64) -> FakeAnswer {
    let mut answer = active_answer(RESOURCE, "sub-alice", "alice", "profile");
    answer["exp"] = json!(exp);
    FakeAnswer::Json(answer)
}

/// An introspector with a 30 s cache, the fake it asks, and a token the
/// fake calls active until `exp`.
async fn cached_introspection_of_a_token_expiring_at(
    exp: i64,
) -> (FakeAuthorizationServer, Introspector, AccessToken) {
    let fake = FakeAuthorizationServer::start().await;
    let introspector = introspector(&fake, 30);
    fake.answer("t", answer_expiring_at(exp));
    (fake, introspector, AccessToken::new("t"))
}

/// Two accepted requests with one token; how many introspections they took.
async fn introspections_for_two_requests(app: &TestApp) -> usize {
    let token = app.token_for("alice", "profile");
    assert_eq!(app.me_status(&token).await, 200);
    assert_eq!(app.me_status(&token).await, 200);
    app.fake.calls()
}

#[actix_rt::test]
async fn a_second_request_with_the_same_token_is_served_from_the_cache() {
    let app = spawn_app().await;

    assert_eq!(introspections_for_two_requests(&app).await, 1);
}

#[actix_rt::test]
async fn with_a_zero_ttl_every_request_is_introspected() {
    let app = spawn_app_without_cache().await;

    assert_eq!(introspections_for_two_requests(&app).await, 2);
}

#[actix_rt::test]
async fn refusals_are_not_cached() {
    let app = spawn_app().await;

    assert_eq!(app.me_status("unknown-token").await, 401);
    assert_eq!(app.me_status("unknown-token").await, 401);

    assert_eq!(app.fake.calls(), 2);
}

#[actix_rt::test]
async fn each_token_has_its_own_entry() {
    let (app, alice) = spawn_app_with_token_of("alice", "profile").await;
    let bob = app.token_for("bob", "profile");

    let me_alice: serde_json::Value = app.get("/api/me", &alice).await.json().await.unwrap();
    let me_bob: serde_json::Value = app.get("/api/me", &bob).await.json().await.unwrap();

    assert_eq!(me_alice["username"], "alice");
    assert_eq!(me_bob["username"], "bob");
    assert_eq!(app.fake.calls(), 2);
}

#[actix_rt::test]
async fn a_revoked_token_keeps_working_until_its_cache_entry_ends() {
    // The trade-off of a cache, shown rather than hidden: revocation takes
    // effect here only when the entry ends (at most the TTL).
    let (app, token) = spawn_app_with_token_of("alice", "profile").await;
    assert_eq!(app.me_status(&token).await, 200);

    app.fake.revoke(&token);

    assert_eq!(app.me_status(&token).await, 200);
}

#[actix_rt::test]
async fn without_the_cache_a_revoked_token_is_refused_at_once() {
    let app = spawn_app_without_cache().await;
    let token = app.token_for("alice", "profile");
    assert_eq!(app.me_status(&token).await, 200);

    app.fake.revoke(&token);

    app.assert_me_refuses(&token).await;
}

#[actix_rt::test]
async fn a_cached_answer_is_reused_for_the_ttl_and_no_longer() {
    let (fake, introspector, token) = cached_introspection_of_a_token_expiring_at(1_000_000).await;

    assert!(introspector.validate(&token, 1_000).await.unwrap().fresh);
    assert!(!introspector.validate(&token, 1_029).await.unwrap().fresh);
    assert_eq!(fake.calls(), 1);

    assert!(introspector.validate(&token, 1_030).await.unwrap().fresh);
    assert_eq!(fake.calls(), 2);
}

#[actix_rt::test]
async fn a_cached_answer_is_never_reused_past_the_token_exp() {
    let (fake, introspector, token) = cached_introspection_of_a_token_expiring_at(1_005).await;

    assert!(introspector.validate(&token, 1_000).await.is_ok());
    assert!(!introspector.validate(&token, 1_004).await.unwrap().fresh);
    assert_eq!(fake.calls(), 1);

    let at_exp = introspector.validate(&token, 1_005).await;
    assert!(matches!(at_exp, Err(ValidationError::Invalid(_))));
    assert_eq!(fake.calls(), 2, "the authorization server was asked again");
}
