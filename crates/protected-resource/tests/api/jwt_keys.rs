//! `--validation jwt`: the issuer's keys. Fetched lazily from the RFC 8414
//! metadata's `jwks_uri` (or, where the issuer publishes only that, its
//! OpenID Connect Discovery document's), cached, fetched again for an unknown `kid` at a
//! bounded rate, rotated without downtime, and never a reason to accept a
//! token that could not be checked (503).

use serde_json::json;
use service_kit::testing::sqlite_url;

use crate::fake_issuer::{
    access_token_claims, spawn_jwt_app, spawn_jwt_app_of, spawn_jwt_app_with, FakeIssuer, JwtApp,
    SigningKey,
};
use crate::helpers::{assert_refused, assert_unavailable, spawn_app_with, Options};
use protected_resource::ValidationMethod;

/// Options where every unknown `kid` may trigger a fetch (no rate limit).
fn refetch_always() -> Options {
    Options {
        jwks_refetch_interval: 0,
        ..Options::default()
    }
}

#[actix_rt::test]
async fn the_resource_starts_healthy_while_the_issuer_is_down_and_answers_503() {
    let closed_port = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap().port()
    };
    let issuer = format!("http://127.0.0.1:{closed_port}");
    let app = spawn_app_with(Options {
        validation: ValidationMethod::Jwt,
        issuer: issuer.clone(),
        ..Options::default()
    })
    .await;
    let key = SigningKey::ed25519("key-1");
    let token = key.sign(&access_token_claims(
        &issuer,
        &app.resource_id,
        "alice",
        "profile",
    ));

    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    let response = app.get("/api/me", &token).await;

    assert_eq!(health.status(), 200);
    assert_unavailable(response).await;
}

#[actix_rt::test]
async fn nothing_is_fetched_before_a_token_arrives_and_keys_are_then_reused() {
    let jwt = spawn_jwt_app().await;
    assert_eq!(jwt.issuer.jwks_fetches(), 0);

    for username in ["alice", "bob", "alice"] {
        let token = jwt.token_for(username, "profile");
        assert_eq!(jwt.app.me_status(&token).await, 200);
    }

    assert_eq!(jwt.issuer.jwks_fetches(), 1);
}

#[actix_rt::test]
async fn an_issuer_that_answers_errors_means_503_and_service_resumes_when_it_is_back() {
    let jwt = spawn_jwt_app_with(refetch_always()).await;
    let token = jwt.token_for("alice", "profile");
    jwt.issuer.set_down(true);

    assert_unavailable(jwt.app.get("/api/me", &token).await).await;

    jwt.issuer.set_down(false);
    assert_eq!(jwt.app.me_status(&token).await, 200);
}

#[actix_rt::test]
async fn a_failing_issuer_is_asked_at_most_once_per_refetch_interval() {
    // The default interval: 10 seconds.
    let jwt = spawn_jwt_app().await;
    jwt.issuer.set_down(true);
    let token = jwt.token_for("alice", "profile");

    for _ in 0..10 {
        assert_unavailable(jwt.app.get("/api/me", &token).await).await;
    }

    // One attempt, and at most one more if the test straddled the interval.
    let requests = jwt.issuer.requests();
    assert!((1..=2).contains(&requests), "{requests} requests");
}

#[actix_rt::test]
async fn keys_past_their_cache_ttl_are_fetched_again_and_not_used_if_that_fails() {
    let jwt = spawn_jwt_app_with(Options {
        jwks_cache_ttl: 0,
        ..Options::default()
    })
    .await;
    let token = jwt.token_for("alice", "profile");
    assert_eq!(jwt.app.me_status(&token).await, 200);
    assert_eq!(jwt.app.me_status(&token).await, 200);
    assert_eq!(jwt.issuer.jwks_fetches(), 2);

    jwt.issuer.set_down(true);

    assert_unavailable(jwt.app.get("/api/me", &token).await).await;
}

#[actix_rt::test]
async fn a_garbage_key_set_means_503() {
    let jwt = spawn_jwt_app().await;
    jwt.issuer.publish_json(json!({"keys": "not a list"}));

    assert_unavailable(jwt.alices_me().await).await;
}

#[actix_rt::test]
async fn metadata_that_names_another_issuer_means_503() {
    let jwt = spawn_jwt_app().await;
    jwt.issuer.set_metadata_issuer("http://evil.example");

    assert_unavailable(jwt.alices_me().await).await;
}

#[actix_rt::test]
async fn an_unknown_kid_refetches_the_keys_once_then_is_invalid_token() {
    let jwt = spawn_jwt_app_with(refetch_always()).await;
    assert_eq!(jwt.alices_me().await.status(), 200);
    assert_eq!(jwt.issuer.jwks_fetches(), 1);
    let stranger = SigningKey::ed25519("key-nobody-published");

    let response = jwt
        .app
        .get("/api/me", &stranger.sign(&jwt.claims("alice", "profile")))
        .await;

    let body = assert_refused(&jwt.app, response, 401, Some("invalid_token")).await;
    assert!(body["error_description"].as_str().unwrap().contains("kid"));
    assert_eq!(jwt.issuer.jwks_fetches(), 2);
}

#[actix_rt::test]
async fn random_kids_cannot_make_the_resource_hammer_the_issuer() {
    // The default: at most one refetch per 10 seconds.
    let jwt = spawn_jwt_app().await;
    let valid = jwt.token_for("alice", "profile");
    assert_eq!(jwt.app.me_status(&valid).await, 200);
    let attacker = SigningKey::ed25519("attacker");
    let claims = jwt.claims("alice", "profile");

    for attempt in 0..25 {
        let random_kid = SigningKey::ed25519(&format!("random-{attempt}"));
        let token = attacker.sign_with_header(&random_kid.header(), &claims);
        let response = jwt.app.get("/api/me", &token).await;
        assert_eq!(response.status(), 401);
    }

    // One fetch for the first token, and at most one refetch (if the test
    // happened to straddle the 10-second interval).
    assert!(
        jwt.issuer.jwks_fetches() <= 2,
        "{} fetches",
        jwt.issuer.jwks_fetches()
    );
    assert_eq!(jwt.app.me_status(&valid).await, 200);
}

#[actix_rt::test]
async fn keys_rotate_without_downtime() {
    let jwt = spawn_jwt_app_with(refetch_always()).await;
    let old_key = &jwt.key;
    let old_token = jwt.token_for("alice", "profile");
    let mut expired_claims = jwt.claims("alice", "profile");
    expired_claims["exp"] = json!(service_kit::clock::now() - 120);
    let old_expired_token = old_key.sign(&expired_claims);
    assert_eq!(jwt.app.me_status(&old_token).await, 200);

    // 1. The issuer publishes a second key, then signs with it.
    let new_key = SigningKey::p256("key-2");
    jwt.issuer.publish(&[old_key, &new_key]);
    let new_token = new_key.sign(&jwt.claims("alice", "profile"));
    assert_eq!(jwt.app.me_status(&new_token).await, 200);
    assert_eq!(jwt.app.me_status(&old_token).await, 200);

    // 2. Once the old key's tokens have expired, the old key is removed.
    jwt.issuer.publish(&[&new_key]);
    let fetches = jwt.issuer.jwks_fetches();
    assert_eq!(jwt.app.me_status(&old_expired_token).await, 401);
    assert_eq!(jwt.app.me_status(&new_token).await, 200);
    let another_new_token = new_key.sign(&jwt.claims("bob", "profile"));
    assert_eq!(jwt.app.me_status(&another_new_token).await, 200);
    assert_eq!(
        jwt.issuer.jwks_fetches(),
        fetches,
        "known keys need no fetch"
    );
}

#[actix_rt::test]
async fn a_removed_key_stops_working_once_the_keys_are_fetched_again() {
    let jwt = spawn_jwt_app_with(refetch_always()).await;
    let new_key = SigningKey::ed25519("key-2");
    let old_token = jwt.token_for("alice", "profile");
    assert_eq!(jwt.app.me_status(&old_token).await, 200);
    jwt.issuer.publish(&[&new_key]);

    // A token of the new key makes the resource fetch the keys again.
    let new_token = new_key.sign(&jwt.claims("alice", "profile"));
    assert_eq!(jwt.app.me_status(&new_token).await, 200);

    let response = jwt.app.get("/api/me", &old_token).await;
    assert_refused(&jwt.app, response, 401, Some("invalid_token")).await;
}

#[actix_rt::test]
async fn behind_a_container_network_the_keys_come_from_the_internal_url() {
    let public_issuer = "http://issuer.invalid";
    let issuer = FakeIssuer::start_named(Some(public_issuer)).await;
    let key = SigningKey::ed25519("key-1");
    issuer.publish(&[&key]);
    let app = spawn_app_with(Options {
        database_url: Some(sqlite_url()),
        validation: ValidationMethod::Jwt,
        issuer: public_issuer.to_owned(),
        issuer_internal_url: Some(issuer.url.clone()),
        ..Options::default()
    })
    .await;
    let claims = |iss: &str| access_token_claims(iss, &app.resource_id, "alice", "profile");

    let accepted = app.get("/api/me", &key.sign(&claims(public_issuer))).await;
    let internal_iss = app.get("/api/me", &key.sign(&claims(&issuer.url))).await;

    assert_eq!(accepted.status(), 200);
    assert_eq!(issuer.jwks_fetches(), 1);
    app.assert_invalid_token(internal_iss).await;
}

/// An OpenID Provider may publish its metadata only as OpenID Connect
/// Discovery (RFC 8414 §5): with nothing at the RFC 8414 path (404), the
/// `jwks_uri` comes from `/.well-known/openid-configuration`.
async fn spawn_in_front_of_an_openid_provider() -> (FakeIssuer, SigningKey, crate::helpers::TestApp)
{
    let issuer = FakeIssuer::start_openid_provider().await;
    let JwtApp { app, issuer, key } =
        spawn_jwt_app_of(issuer, SigningKey::p256("key-1"), Options::default()).await;
    (issuer, key, app)
}

#[actix_rt::test]
async fn an_openid_provider_without_rfc_8414_metadata_is_read_through_its_discovery_document() {
    let (issuer, key, app) = spawn_in_front_of_an_openid_provider().await;
    let claims = access_token_claims(&issuer.issuer, &app.resource_id, "alice", "profile");

    let response = app.get("/api/me", &key.sign(&claims)).await;

    assert_eq!(response.status(), 200);
    assert_eq!(issuer.jwks_fetches(), 1);
}

#[actix_rt::test]
async fn a_discovery_document_that_names_another_issuer_means_503() {
    let (issuer, key, app) = spawn_in_front_of_an_openid_provider().await;
    issuer.set_metadata_issuer("http://evil.example");
    let claims = access_token_claims(&issuer.issuer, &app.resource_id, "alice", "profile");

    assert_unavailable(app.get("/api/me", &key.sign(&claims)).await).await;
    assert_eq!(issuer.jwks_fetches(), 0);
}
