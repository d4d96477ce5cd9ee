//! The whole story against the REAL authorization server of this workspace,
//! started in-process (`authorization_server::testing`): tokens obtained
//! through its login and consent pages, introspected at its `/introspect`.

use authorization_server::testing::{self, ClientKind, Flow, NewClient, TestAuthorizationServer};
use authorization_server::{AccessTokenFormat, Config};
use oauth_types::dpop::DpopKey;
use oauth_types::secret::AccessToken;
use protected_resource::ValidationMethod;
use serde_json::{json, Value};

use crate::helpers::{assert_refused, assert_unavailable, spawn_app_with, Options, TestApp};

const RESOURCE_CLIENT_ID: &str = "facebook-under-test";
const RESOURCE_SECRET: &str = "facebook-under-test-secret";

/// The authorization server, and this resource in front of it.
async fn spawn_both() -> (TestAuthorizationServer, TestApp) {
    let server = testing::spawn(&service_kit::testing::sqlite_url()).await;
    let app = spawn_resource_of(&server, RESOURCE_CLIENT_ID, ValidationMethod::Introspection).await;
    (server, app)
}

/// An authorization server on SQLite whose access tokens are JWTs (RFC 9068).
async fn spawn_jwt_server() -> TestAuthorizationServer {
    testing::spawn_with(Config {
        access_token_format: AccessTokenFormat::Jwt,
        ..Config::for_test(&service_kit::testing::sqlite_url())
    })
    .await
}

/// This resource in front of `server`, validating tokens by `validation`
/// (cache off, so that revocation shows at once), registered there as
/// `client_id` under its real URL.
async fn spawn_resource_of(
    server: &TestAuthorizationServer,
    client_id: &str,
    validation: ValidationMethod,
) -> TestApp {
    let app = spawn_app_with(Options {
        introspection_url: Some(format!("{}/introspect", server.url)),
        client_id: client_id.to_owned(),
        client_secret: RESOURCE_SECRET.to_owned(),
        issuer: server.url.clone(),
        validation,
        cache_ttl: 0,
        ..Options::default()
    })
    .await;
    server
        .register_protected_resource(client_id, RESOURCE_SECRET, &app.resource_id)
        .await;
    app
}

/// Tokens for `username` from the client `strava`, for this resource.
/// Both servers, and a token of hamza's for `profile` at this resource.
async fn spawn_both_with_hamzas_profile_token() -> (TestAuthorizationServer, TestApp, String) {
    let (server, app) = spawn_both().await;
    let token = tokens(&server, &app, "hamza", "profile").await;
    (server, app, token)
}

async fn tokens(
    server: &TestAuthorizationServer,
    app: &TestApp,
    username: &str,
    scope: &str,
) -> String {
    let password = format!("{username}-password");
    let flow = Flow {
        username,
        password: &password,
        scope,
        resource: Some(&app.resource_id),
        ..Flow::demo()
    };
    server.obtain_access_token(&flow).await
}

#[actix_rt::test]
async fn the_whole_story_works_against_the_real_authorization_server() {
    let (server, app) = spawn_both().await;
    let hamza = tokens(&server, &app, "hamza", "profile post personal-message").await;
    let alice = tokens(&server, &app, "alice", "profile post").await;

    // Who am I?
    let me: Value = app.get("/api/me", &hamza).await.json().await.unwrap();
    assert_eq!(me["username"], "hamza");
    let hamza_sub = me["sub"].as_str().unwrap().to_owned();

    // Post, then list: the post is hamza's, made through strava.
    let created = app
        .post_json(
            "/api/posts",
            &hamza,
            &json!({"message": "Ran 10 km with Strava"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let post: Value = created.json().await.unwrap();
    assert_eq!(post["author"], hamza_sub.as_str());
    assert_eq!(post["client_id"], "strava");
    let listed: Vec<Value> = app.get("/api/posts", &hamza).await.json().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["message"], "Ran 10 km with Strava");

    // Alice sees none of hamza's posts.
    let alice_sees: Vec<Value> = app.get("/api/posts", &alice).await.json().await.unwrap();
    assert!(alice_sees.is_empty());

    // Alice is known now (she used the resource): hamza can message her.
    let sent = app.send_message(&hamza, "alice", "Run tomorrow?").await;
    assert_eq!(sent.status(), 201);

    // Alice's token was not granted personal-message.
    let refused = app.send_message(&alice, "hamza", "Sure").await;
    assert_refused(&app, refused, 403, Some("insufficient_scope")).await;
}

#[actix_rt::test]
async fn a_token_revoked_at_the_authorization_server_is_refused() {
    let (server, app, token) = spawn_both_with_hamzas_profile_token().await;
    assert_eq!(app.me_status(&token).await, 200);

    // RFC 7009: the client revokes its token.
    let revoked = app
        .http
        .post(format!("{}/revoke", server.url))
        .basic_auth("strava", Some("strava-secret"))
        .form(&[
            ("token", token.as_str()),
            ("token_type_hint", "access_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);

    app.assert_me_refuses(&token).await;
}

#[actix_rt::test]
async fn a_token_expired_at_the_authorization_server_is_refused() {
    let (server, app, token) = spawn_both_with_hamzas_profile_token().await;
    assert_eq!(app.me_status(&token).await, 200);

    server.advance_clock(24 * 3600);

    app.assert_me_refuses(&token).await;
}

#[actix_rt::test]
async fn a_token_for_another_resource_is_refused() {
    let (server, app) = spawn_both().await;
    // The demo resource, not this one.
    let flow = Flow {
        resource: Some("http://localhost:9002"),
        ..Flow::demo()
    };
    let token = server.obtain_access_token(&flow).await;

    app.assert_me_refuses(&token).await;
}

#[actix_rt::test]
async fn the_scopes_the_user_approved_are_the_scopes_enforced() {
    let (_server, app, token) = spawn_both_with_hamzas_profile_token().await;

    assert_eq!(app.me_status(&token).await, 200);
    let response = app.get("/api/posts", &token).await;

    assert_refused(&app, response, 403, Some("insufficient_scope")).await;
}

#[actix_rt::test]
async fn wrong_resource_credentials_at_the_real_server_mean_503_not_access() {
    let server = testing::spawn(&service_kit::testing::sqlite_url()).await;
    let app = spawn_app_with(Options {
        introspection_url: Some(format!("{}/introspect", server.url)),
        client_id: "protected-resource-1".to_owned(),
        client_secret: "not-the-secret".to_owned(),
        issuer: server.url.clone(),
        ..Options::default()
    })
    .await;
    let token = server.obtain_access_token(&Flow::demo()).await;

    let response = app.get("/api/me", &token).await;

    assert_unavailable(response).await;
}

/// A machine's token (client credentials) never acts as a person: in JWT
/// mode, where `sub` names the client (RFC 9068 §2.2), as in introspection
/// mode, where the answer names nobody.
#[actix_rt::test]
async fn a_client_credentials_token_opens_no_user_endpoint_in_either_mode() {
    let server = spawn_jwt_server().await;
    for validation in [ValidationMethod::Jwt, ValidationMethod::Introspection] {
        let suffix = format!("{validation:?}").to_lowercase();
        let resource_client = format!("{RESOURCE_CLIENT_ID}-{suffix}");
        let app = spawn_resource_of(&server, &resource_client, validation).await;
        let machine = format!("nightly-export-{suffix}");
        server
            .register_client(NewClient {
                client_id: machine.clone(),
                kind: ClientKind::Confidential,
                secret: Some("machine-secret".to_owned()),
                redirect_uris: Vec::new(),
                scopes: "profile post personal-message".parse().unwrap(),
                grant_types: vec![oauth_types::GrantType::ClientCredentials],
                resource_id: None,
                default_resource: Some(app.resource_id.clone()),
            })
            .await;
        let answer: Value = server
            .token_request(
                &machine,
                Some("machine-secret"),
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", "profile post personal-message"),
                ],
            )
            .await
            .json()
            .await
            .unwrap();
        let token = answer["access_token"].as_str().expect("a token").to_owned();
        assert_eq!(token.split('.').count(), 3, "a JWT access token");

        let me = app.get("/api/me", &token).await;
        app.assert_invalid_token(me).await;
        let post = app
            .post_json("/api/posts", &token, &json!({"message": "by a machine"}))
            .await;
        app.assert_invalid_token(post).await;
        let messages = app.send_message(&token, "alice", "from a machine").await;
        app.assert_invalid_token(messages).await;
    }
}

/// RFC 9068 §2.1: RS256 is the algorithm every verifier must support. The
/// real server's RS256 tokens (`--signing-alg RS256`) open the API in JWT
/// mode, and a token altered after signing does not.
#[actix_rt::test]
async fn rs256_jwt_access_tokens_of_the_real_server_are_accepted_in_jwt_mode() {
    let server = testing::spawn_with(Config {
        access_token_format: AccessTokenFormat::Jwt,
        signing_alg: authorization_server::jwt::SigningAlgorithm::RS256,
        ..Config::for_test(&service_kit::testing::sqlite_url())
    })
    .await;
    let app = spawn_resource_of(&server, RESOURCE_CLIENT_ID, ValidationMethod::Jwt).await;
    let token = tokens(&server, &app, "hamza", "profile post").await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);

    let me: Value = app.get("/api/me", &token).await.json().await.unwrap();
    assert_eq!(me["username"], "hamza");

    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let flipped = if parts[2].starts_with('A') { "B" } else { "A" };
    parts[2].replace_range(0..1, flipped);
    let altered = app.get("/api/me", &parts.join(".")).await;
    assert_refused(&app, altered, 401, Some("invalid_token")).await;
}

/// RFC 9449 across the two roles: the real server binds a token to the
/// client's key (`cnf.jkt` in its JWT and in its introspection answer), and
/// this resource, in either mode, opens the API to it only as
/// `Authorization: DPoP` with a proof by that key.
#[actix_rt::test]
async fn a_dpop_bound_token_of_the_real_server_needs_its_key_in_either_mode() {
    let server = spawn_jwt_server().await;
    for validation in [ValidationMethod::Jwt, ValidationMethod::Introspection] {
        let resource_client = format!("{RESOURCE_CLIENT_ID}-dpop-{validation:?}").to_lowercase();
        let app = spawn_resource_of(&server, &resource_client, validation).await;
        let (key, thief) = (DpopKey::generate().unwrap(), DpopKey::generate().unwrap());
        let flow = Flow {
            resource: Some(&app.resource_id),
            ..Flow::demo()
        };
        let code = server.obtain_code(&flow).await;
        let token_url = url::Url::parse(&format!("{}/token", server.url)).unwrap();
        let proof = key
            .proof("POST", &token_url, server.clock.now(), None, None)
            .unwrap();
        let answer: Value = server
            .exchange_code_proving(&flow, &code, Some(&proof))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(answer["token_type"], "DPoP", "{answer}");
        let token = answer["access_token"].as_str().unwrap();
        let me_with = |key: &DpopKey| {
            let me = url::Url::parse(&app.url("/api/me")).unwrap();
            let bound = AccessToken::new(token);
            let proof = key
                .proof("GET", &me, service_kit::clock::now(), Some(&bound), None)
                .unwrap();
            app.http
                .get(app.url("/api/me"))
                .header("Authorization", format!("DPoP {token}"))
                .header("DPoP", proof)
                .send()
        };

        let me: Value = me_with(&key).await.unwrap().json().await.unwrap();
        assert_eq!(me["username"], "hamza", "{validation:?}");
        let stolen = me_with(&thief).await.unwrap();
        assert_eq!(stolen.status(), 401);
        let refusal: Value = stolen.json().await.unwrap();
        assert_eq!(refusal["error"], "invalid_dpop_proof", "{validation:?}");
        let as_bearer = app.get("/api/me", token).await;
        app.assert_invalid_token(as_bearer).await;
    }
}
