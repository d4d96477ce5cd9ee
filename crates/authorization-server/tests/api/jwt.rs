//! `--access-token-format jwt`: RFC 9068 access tokens, verifiable with the
//! keys at the metadata's `jwks_uri`, and still answered by `/introspect`.

use authorization_server::config::{AdminCommand, AdminDatabase, KeyCommand};
use authorization_server::jwt::{ACTIVATION_DELAY_SECONDS, JWKS_MAX_AGE_SECONDS, RELOAD_SECONDS};
use authorization_server::testing::{self, Flow, TestAuthorizationServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::admin::{run, stdout};
use crate::helpers::{
    authorization_server_metadata, client_credentials_grant, demo_access_token, introspect,
    is_active, jwt_config, kid_of, revoke_as, signing_kid, spawn_app, spawn_jwt_apps, STRAVA,
};

const EDDSA: authorization_server::jwt::SigningAlgorithm =
    authorization_server::jwt::SigningAlgorithm::EdDSA;

/// The EdDSA keys of the JWK Set at the metadata's `jwks_uri`: the chain
/// of access tokens here (the RS256 chain of ID tokens is published beside
/// it, and rotates on its own).
async fn published_keys(app: &TestAuthorizationServer) -> JwkSet {
    let jwks_uri = authorization_server_metadata(app).await["jwks_uri"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut keys: JwkSet = reqwest::get(jwks_uri).await.unwrap().json().await.unwrap();
    keys.keys
        .retain(|key| key.common.key_algorithm == Some(jsonwebtoken::jwk::KeyAlgorithm::EdDSA));
    keys
}

fn kids(keys: &JwkSet) -> Vec<String> {
    let mut kids: Vec<String> = keys
        .keys
        .iter()
        .map(|key| key.common.key_id.clone().unwrap())
        .collect();
    kids.sort();
    kids
}

/// A segment of a JWT (0: header, 1: claims) as JSON, undecorated.
fn segment(token: &str, index: usize) -> serde_json::Map<String, serde_json::Value> {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn sorted_names(object: &serde_json::Map<String, serde_json::Value>) -> Vec<&str> {
    let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

/// `key list` run in-process at the server's clock: `kid -> state`, for
/// the EdDSA keys.
async fn key_states(app: &TestAuthorizationServer) -> Vec<(String, String)> {
    let mut config = jwt_config(&app.database_url);
    config.clock = app.clock.clone();
    let command = AdminCommand::Key(KeyCommand::List(AdminDatabase {
        database_url: Some(app.database_url.clone()),
    }));
    let listed = authorization_server::admin::execute(command, &config)
        .await
        .unwrap();
    listed
        .lines()
        .filter(|line| line.split('\t').nth(1) == Some("EdDSA"))
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields[0].to_owned(), fields[3].to_owned())
        })
        .collect()
}

/// A demo token signed by the current key, then a rotation through the
/// binary, and the clock moved to when the new key signs: the first token,
/// the old key's id and the new key's id.
async fn rotate_after_a_first_token(app: &TestAuthorizationServer) -> (String, String, String) {
    let old_token = demo_access_token(app).await;
    let old_kid = kid_of(&old_token);
    let new_kid = rotate_with_the_binary(app);
    app.advance_clock(ACTIVATION_DELAY_SECONDS);
    (old_token, old_kid, new_kid)
}

/// Runs `key rotate` through the real binary, with the server's
/// key-encryption key; returns the new key's id.
fn rotate_with_the_binary(app: &TestAuthorizationServer) -> String {
    let kek_file = app.key_encryption_key_file.display().to_string();
    let output = run(
        &[
            "--key-encryption-key-file",
            &kek_file,
            "key",
            "rotate",
            "--database-url",
            &app.database_url,
        ],
        "",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
        .strip_prefix("new EdDSA key ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .to_owned()
}

/// Verifies `token` with the published keys, as a resource server would.
async fn verify(app: &TestAuthorizationServer, token: &str) -> serde_json::Value {
    let keys = published_keys(app).await;
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.alg, Algorithm::EdDSA);
    let jwk = keys.find(header.kid.as_deref().unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["http://localhost:9002"]);
    validation.set_issuer(&[app.url.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<serde_json::Value>(
        token,
        &DecodingKey::from_jwk(jwk).unwrap(),
        &validation,
    )
    .unwrap()
    .claims
}

#[actix_rt::test]
async fn jwt_access_tokens_carry_the_rfc_9068_claims_and_verify_with_the_published_key() {
    for app in spawn_jwt_apps().await {
        let tokens = app.obtain_tokens(&Flow::demo()).await;

        let claims = verify(&app, tokens.access_token.secret()).await;

        assert_eq!(claims["client_id"], "strava");
        assert_eq!(claims["username"], "hamza");
        assert_eq!(claims["scope"], "post profile");
        assert_eq!(claims["aud"], "http://localhost:9002");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            600
        );
        assert!(claims["jti"].as_str().is_some_and(|jti| jti.len() >= 22));
        let answer = introspect(&app, tokens.access_token.secret()).await;
        assert_eq!(answer["active"], true);
        assert_eq!(answer["sub"], claims["sub"]);
    }
}

#[actix_rt::test]
async fn a_revoked_jwt_is_inactive_at_introspection() {
    let app = spawn_jwt_apps().await.remove(0);
    let tokens = app.obtain_tokens(&Flow::demo()).await;

    revoke_as(&app, STRAVA, tokens.access_token.secret()).await;

    assert!(!is_active(&app, tokens.access_token.secret()).await);
}

#[actix_rt::test]
async fn a_client_credentials_jwt_names_the_client_as_its_subject() {
    let app = spawn_jwt_apps().await.remove(0);

    let response = client_credentials_grant(&app, "batch", "batch-secret").await;

    let body: serde_json::Value = response.json().await.unwrap();
    let claims = verify(&app, body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["sub"], "batch");
    assert!(claims.get("username").is_none());
}

#[actix_rt::test]
async fn a_jwt_has_exactly_the_rfc_9068_header_and_claims() {
    let app = spawn_jwt_apps().await.remove(0);

    let token = demo_access_token(&app).await;

    let header = segment(&token, 0);
    assert_eq!(sorted_names(&header), ["alg", "kid", "typ"]);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(
        sorted_names(&segment(&token, 1)),
        [
            "aud",
            "client_id",
            "exp",
            "iat",
            "iss",
            "jti",
            "scope",
            "sub",
            "username"
        ]
    );
}

#[actix_rt::test]
async fn the_jwk_set_may_be_cached_only_briefly() {
    let app = spawn_jwt_apps().await.remove(0);

    let response = reqwest::get(format!("{}/jwks.json", app.url))
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        format!("public, max-age={JWKS_MAX_AGE_SECONDS}").as_str()
    );
}

#[actix_rt::test]
async fn a_key_rotated_by_the_admin_command_signs_new_tokens_while_old_tokens_still_verify() {
    for app in spawn_jwt_apps().await {
        let (old_token, old_kid, new_kid) = rotate_after_a_first_token(&app).await;

        let new_token = demo_access_token(&app).await;

        assert_ne!(new_kid, old_kid);
        assert_eq!(kid_of(&new_token), new_kid);
        let mut both = vec![old_kid.clone(), new_kid.clone()];
        both.sort();
        assert_eq!(kids(&published_keys(&app).await), both);
        assert_eq!(verify(&app, &old_token).await["username"], "hamza");
        assert_eq!(verify(&app, &new_token).await["username"], "hamza");
        assert!(is_active(&app, &old_token).await);
        assert!(is_active(&app, &new_token).await);
    }
}

#[actix_rt::test]
async fn a_rotated_in_key_is_published_before_it_signs() {
    let app = testing::spawn_with(jwt_config(&service_kit::testing::sqlite_url())).await;
    let old_kid = signing_kid(&app).await;

    let kek = app.key_encryption_key();
    let rotation =
        authorization_server::jwt::rotate(app.database().pool(), &kek, EDDSA, app.clock.now(), 600)
            .await
            .unwrap();
    app.advance_clock(RELOAD_SECONDS);

    assert!(kids(&published_keys(&app).await).contains(&rotation.kid));
    let token = demo_access_token(&app).await;
    assert_eq!(
        kid_of(&token),
        old_kid,
        "the old key signs until signs_from"
    );
    let states = key_states(&app).await;
    assert_eq!(states[0], (old_kid, "signing".to_owned()));
    assert_eq!(states[1].0, rotation.kid);
    assert!(states[1]
        .1
        .starts_with(&format!("next (signs from {}, in ", rotation.signs_from)));
}

#[actix_rt::test]
async fn the_old_key_leaves_the_jwk_set_once_every_token_it_signed_has_expired() {
    for app in spawn_jwt_apps().await {
        let (old_token, old_kid, new_kid) = rotate_after_a_first_token(&app).await;
        let states = key_states(&app).await;
        let (_, old_state) = states.iter().find(|(kid, _)| *kid == old_kid).unwrap();
        let publish_until: i64 = old_state
            .strip_prefix("published-until ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap()
            .parse()
            .unwrap();
        let exp = verify(&app, &old_token).await["exp"].as_i64().unwrap();
        assert!(
            publish_until > exp,
            "published after its last token expired"
        );

        app.advance_clock(publish_until - 30 - app.clock.now());
        let shortly_before = kids(&published_keys(&app).await);
        app.advance_clock(publish_until - app.clock.now());
        let after = kids(&published_keys(&app).await);

        assert!(shortly_before.contains(&old_kid));
        assert_eq!(after, std::slice::from_ref(&new_kid));
        assert_eq!(
            key_states(&app).await,
            [
                (old_kid, "retired".to_owned()),
                (new_kid.clone(), "signing".to_owned())
            ]
        );
        let token = demo_access_token(&app).await;
        assert_eq!(kid_of(&token), new_kid);
    }
}

#[actix_rt::test]
async fn instances_sharing_a_database_sign_with_the_same_key_after_a_rotation() {
    for database in service_kit::testing::test_database_urls().await {
        let first = testing::spawn_with(jwt_config(&database)).await;
        let mut config = jwt_config(&database);
        config.clock = first.clock.clone();
        let second = testing::spawn_with(config).await;
        let before = [signing_kid(&first).await, signing_kid(&second).await];

        let new_kid = rotate_with_the_binary(&first);
        first.advance_clock(ACTIVATION_DELAY_SECONDS);
        let after = [signing_kid(&first).await, signing_kid(&second).await];

        assert_eq!(before[0], before[1]);
        assert_eq!(after, [new_kid.clone(), new_kid]);
        assert_eq!(
            kids(&published_keys(&first).await),
            kids(&published_keys(&second).await)
        );
    }
}

#[actix_rt::test]
async fn a_second_rotation_within_the_same_second_is_refused_and_changes_nothing() {
    for app in spawn_jwt_apps().await {
        let pool = app.database().pool();
        let now = app.clock.now();
        let kek = app.key_encryption_key();
        let first = authorization_server::jwt::rotate(pool, &kek, EDDSA, now, 600).await;

        let second = authorization_server::jwt::rotate(pool, &kek, EDDSA, now, 600).await;

        assert!(first.is_ok());
        assert!(matches!(
            second,
            Err(authorization_server::jwt::KeyError::ConcurrentRotation)
        ));
        app.advance_clock(ACTIVATION_DELAY_SECONDS);
        assert_eq!(key_states(&app).await.len(), 2);
        let token = demo_access_token(&app).await;
        assert_eq!(kid_of(&token), first.unwrap().kid);
    }
}

#[actix_rt::test]
async fn the_testing_api_rotates_the_key_for_other_crates_tests() {
    let app = testing::spawn_with(jwt_config(&service_kit::testing::sqlite_url())).await;
    let old_token = demo_access_token(&app).await;

    let rotation = app.rotate_signing_key().await;
    let new_token = demo_access_token(&app).await;

    assert_eq!(rotation.retired, [kid_of(&old_token)]);
    assert_eq!(kid_of(&new_token), rotation.kid);
    verify(&app, &old_token).await;
    verify(&app, &new_token).await;
}

#[actix_rt::test]
async fn instances_sharing_a_database_publish_and_sign_with_the_same_key() {
    for database in service_kit::testing::test_database_urls().await {
        let first = testing::spawn_with(jwt_config(&database)).await;
        let second = testing::spawn_with(jwt_config(&database)).await;

        let keys = |app: &TestAuthorizationServer| reqwest::get(format!("{}/jwks.json", app.url));
        let first_keys = keys(&first).await.unwrap().text().await.unwrap();
        let second_keys = keys(&second).await.unwrap().text().await.unwrap();

        assert_eq!(first_keys, second_keys);
        assert!(
            first_keys.contains("\"kty\":\"OKP\"") && first_keys.contains("\"crv\":\"Ed25519\"")
        );
        assert!(
            !first_keys.contains("\"d\""),
            "the private key is never published"
        );
    }
}

#[actix_rt::test]
async fn opaque_mode_still_publishes_the_keys_of_id_tokens() {
    let app = spawn_app().await;

    let document = authorization_server_metadata(&app).await;
    let jwks = reqwest::get(format!("{}/jwks.json", app.url))
        .await
        .unwrap();

    assert_eq!(document["jwks_uri"], format!("{}/jwks.json", app.url));
    assert_eq!(jwks.status(), 200);
    let keys: JwkSet = jwks.json().await.unwrap();
    assert!(keys
        .keys
        .iter()
        .any(|key| key.common.key_algorithm == Some(jsonwebtoken::jwk::KeyAlgorithm::RS256)));
}
