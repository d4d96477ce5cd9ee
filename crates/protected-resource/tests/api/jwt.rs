//! `--validation jwt`: every check on an RFC 9068 JWT access token,
//! attacked with a crafted token, and the RFC 6750 answers unchanged.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::fake_issuer::{spawn_jwt_app, spawn_jwt_app_with_alices_claims, JwtApp, SigningKey};
use crate::helpers::{
    assert_every_route_names_its_missing_scope, assert_refused, assert_served, without, ROUTES,
};

/// Asserts `token` is refused on `/api/me` with 401 `invalid_token`, and
/// returns the `error_description`.
async fn assert_invalid_token(jwt: &JwtApp, token: &str) -> String {
    let response = jwt.app.get("/api/me", token).await;
    let body = assert_refused(&jwt.app, response, 401, Some("invalid_token")).await;
    body["error_description"].as_str().unwrap().to_owned()
}

fn base64url_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

#[actix_rt::test]
async fn a_valid_token_works_on_every_route() {
    let jwt = spawn_jwt_app().await;
    let alice = jwt.token_for("alice", "profile");
    assert_eq!(jwt.app.me_status(&alice).await, 200);
    let everything = jwt.token_for("bob", "profile post personal-message");

    for (method, path, _) in ROUTES {
        let response = jwt.app.call(method, path, Some(&everything)).await;

        assert_served(&response, method, path);
    }
}

#[actix_rt::test]
async fn the_owner_comes_from_the_token_sub_and_username_claims() {
    let jwt = spawn_jwt_app().await;
    let token = jwt.token_for("alice", "profile post");

    let me: Value = jwt.app.get("/api/me", &token).await.json().await.unwrap();
    let post: Value = jwt
        .app
        .post_json("/api/posts", &token, &json!({"message": "hello"}))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(me, json!({"sub": "sub-alice", "username": "alice"}));
    assert_eq!(post["author"], "sub-alice");
    assert_eq!(post["client_id"], "strava");
}

#[actix_rt::test]
async fn without_a_username_claim_the_username_is_the_sub() {
    let jwt = spawn_jwt_app().await;
    let claims = without(jwt.claims("alice", "profile"), "username");

    let response = jwt.app.get("/api/me", &jwt.key.sign(&claims)).await;

    let me: Value = response.json().await.unwrap();
    assert_eq!(me, json!({"sub": "sub-alice", "username": "sub-alice"}));
}

#[actix_rt::test]
async fn a_jwt_is_checked_here_without_introspection() {
    let jwt = spawn_jwt_app().await;
    let token = jwt.token_for("alice", "profile");

    assert_eq!(jwt.app.me_status(&token).await, 200);

    assert_eq!(jwt.app.fake.calls(), 0);
}

#[actix_rt::test]
async fn an_es256_token_is_accepted() {
    let jwt = spawn_jwt_app().await;
    let p256 = SigningKey::p256("key-p256");
    jwt.issuer.publish(&[&jwt.key, &p256]);

    let response = jwt
        .app
        .get("/api/me", &p256.sign(&jwt.claims("alice", "profile")))
        .await;

    assert_eq!(response.status(), 200);
}

#[actix_rt::test]
async fn the_media_type_form_of_typ_is_accepted_in_any_case() {
    let jwt = spawn_jwt_app().await;
    for typ in ["application/at+jwt", "AT+JWT"] {
        let mut header = jwt.key.header();
        header.typ = Some(typ.to_owned());
        let token = jwt
            .key
            .sign_with_header(&header, &jwt.claims("alice", "profile"));

        assert_eq!(jwt.app.me_status(&token).await, 200, "{typ}");
    }
}

#[actix_rt::test]
async fn a_plain_jwt_or_an_untyped_one_is_not_an_access_token() {
    let jwt = spawn_jwt_app().await;
    for typ in [Some("JWT"), None] {
        let mut header = jwt.key.header();
        header.typ = typ.map(str::to_owned);
        let token = jwt
            .key
            .sign_with_header(&header, &jwt.claims("alice", "profile"));

        let description = assert_invalid_token(&jwt, &token).await;

        assert!(description.contains("typ"), "{description}");
    }
}

#[actix_rt::test]
async fn alg_none_is_refused() {
    let jwt = spawn_jwt_app().await;
    let header = json!({"typ": "at+jwt", "alg": "none", "kid": jwt.key.kid});
    let claims = jwt.claims("alice", "profile");
    for signature in ["", "c2lnbmF0dXJl"] {
        let token = format!(
            "{}.{}.{signature}",
            base64url_json(&header),
            base64url_json(&claims)
        );

        assert_invalid_token(&jwt, &token).await;
    }
}

#[actix_rt::test]
async fn hs256_signed_with_the_public_key_as_secret_is_refused() {
    let jwt = spawn_jwt_app().await;
    let claims = jwt.claims("alice", "profile");
    let jwk_x = serde_json::to_value(&jwt.key.jwk).unwrap()["x"]
        .as_str()
        .unwrap()
        .to_owned();
    for secret in [jwt.key.public_key(), jwk_x.as_bytes()] {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("at+jwt".to_owned());
        header.kid = Some(jwt.key.kid.clone());
        let token =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap();

        let description = assert_invalid_token(&jwt, &token).await;

        assert!(description.contains("algorithm"), "{description}");
    }
}

#[actix_rt::test]
async fn an_hmac_key_published_under_the_kid_does_not_let_hs256_in() {
    let jwt = spawn_jwt_app().await;
    let secret = b"a secret the issuer should never have published";
    jwt.issuer.publish_json(json!({"keys": [
        {"kty": "oct", "kid": "key-1", "alg": "HS256", "k": URL_SAFE_NO_PAD.encode(secret)},
    ]}));
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("at+jwt".to_owned());
    header.kid = Some("key-1".to_owned());
    let token = jsonwebtoken::encode(
        &header,
        &jwt.claims("alice", "profile"),
        &EncodingKey::from_secret(secret),
    )
    .unwrap();

    assert_invalid_token(&jwt, &token).await;
}

#[actix_rt::test]
async fn a_signature_by_another_key_with_the_same_kid_is_refused() {
    let jwt = spawn_jwt_app().await;
    let attacker = SigningKey::ed25519("attacker").impersonating(&jwt.key.kid);

    let token = attacker.sign(&jwt.claims("alice", "profile"));

    let description = assert_invalid_token(&jwt, &token).await;
    assert!(description.contains("signature"), "{description}");
}

#[actix_rt::test]
async fn a_tampered_payload_is_refused() {
    let jwt = spawn_jwt_app().await;
    let token = jwt.token_for("alice", "profile");
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = jwt.claims("alice", "profile post personal-message");
    claims["sub"] = json!("sub-bob");

    let tampered = format!("{}.{}.{}", parts[0], base64url_json(&claims), parts[2]);

    let description = assert_invalid_token(&jwt, &tampered).await;
    assert!(description.contains("signature"), "{description}");
}

#[actix_rt::test]
async fn an_expired_token_is_refused() {
    let (jwt, mut claims) = spawn_jwt_app_with_alices_claims().await;
    claims["exp"] = json!(service_kit::clock::now() - 120);
    claims["iat"] = json!(service_kit::clock::now() - 3600);

    let description = assert_invalid_token(&jwt, &jwt.key.sign(&claims)).await;

    assert!(description.contains("expired"), "{description}");
}

#[actix_rt::test]
async fn a_token_not_valid_yet_is_refused() {
    let (jwt, mut claims) = spawn_jwt_app_with_alices_claims().await;
    claims["nbf"] = json!(service_kit::clock::now() + 120);

    let description = assert_invalid_token(&jwt, &jwt.key.sign(&claims)).await;

    assert!(description.contains("not valid yet"), "{description}");
}

#[actix_rt::test]
async fn a_string_exp_or_nbf_is_refused() {
    let jwt = spawn_jwt_app().await;
    let far_future = (service_kit::clock::now() + 3600).to_string();
    for (name, value) in [
        ("exp", json!(far_future)),
        ("nbf", json!("0")),
        ("iat", json!("0")),
    ] {
        let mut claims = jwt.claims("alice", "profile");
        claims[name] = value;

        let description = assert_invalid_token(&jwt, &jwt.key.sign(&claims)).await;

        assert!(description.contains("wrong type"), "{name}: {description}");
    }
}

#[actix_rt::test]
async fn a_token_missing_a_required_claim_is_refused() {
    let jwt = spawn_jwt_app().await;
    for name in ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"] {
        let claims = without(jwt.claims("alice", "profile"), name);

        let response = jwt.app.get("/api/me", &jwt.key.sign(&claims)).await;

        assert_eq!(response.status(), 401, "without {name}");
    }
}

#[actix_rt::test]
async fn a_token_for_another_audience_is_refused() {
    let (jwt, mut claims) = spawn_jwt_app_with_alices_claims().await;
    claims["aud"] = json!("http://another-resource.example");

    let description = assert_invalid_token(&jwt, &jwt.key.sign(&claims)).await;

    assert!(description.contains("another resource"), "{description}");
}

#[actix_rt::test]
async fn a_token_whose_audience_list_includes_this_resource_is_accepted() {
    let (jwt, mut claims) = spawn_jwt_app_with_alices_claims().await;
    claims["aud"] = json!(["http://another-resource.example", jwt.app.resource_id]);

    let response = jwt.app.get("/api/me", &jwt.key.sign(&claims)).await;

    assert_eq!(response.status(), 200);
}

#[actix_rt::test]
async fn a_token_from_another_issuer_is_refused() {
    let jwt = spawn_jwt_app().await;
    for other in [
        "http://evil.example".to_owned(),
        format!("{}/", jwt.issuer.issuer),
    ] {
        let mut claims = jwt.claims("alice", "profile");
        claims["iss"] = json!(other);

        let description = assert_invalid_token(&jwt, &jwt.key.sign(&claims)).await;

        assert!(
            description.contains("another authorization server"),
            "{description}"
        );
    }
}

#[actix_rt::test]
async fn a_token_without_a_kid_is_refused() {
    let jwt = spawn_jwt_app().await;
    let mut header = jwt.key.header();
    header.kid = None;

    let token = jwt
        .key
        .sign_with_header(&header, &jwt.claims("alice", "profile"));

    assert_invalid_token(&jwt, &token).await;
}

#[actix_rt::test]
async fn an_opaque_token_is_invalid_token_in_jwt_mode() {
    let jwt = spawn_jwt_app().await;

    let description = assert_invalid_token(&jwt, "an-opaque-token-nobody-issued").await;

    assert!(!description.contains("an-opaque-token"));
}

#[actix_rt::test]
async fn every_route_refuses_a_token_without_its_scope_and_names_the_scope() {
    let jwt = spawn_jwt_app().await;

    assert_every_route_names_its_missing_scope(&jwt.app, |scope| jwt.token_for("alice", scope))
        .await;
}

#[actix_rt::test]
async fn a_token_without_a_scope_claim_is_insufficient_scope() {
    let jwt = spawn_jwt_app().await;
    let claims = without(jwt.claims("alice", "profile"), "scope");

    let response = jwt.app.get("/api/me", &jwt.key.sign(&claims)).await;

    assert_refused(&jwt.app, response, 403, Some("insufficient_scope")).await;
}

#[actix_rt::test]
async fn the_rfc_6750_refusals_are_the_same_in_jwt_mode() {
    let jwt = spawn_jwt_app().await;
    for (method, path, _) in ROUTES {
        let response = jwt.app.call(method, path, None).await;
        assert_refused(&jwt.app, response, 401, None).await;

        let response = jwt.app.call(method, path, Some("not.a.jwt")).await;
        assert_refused(&jwt.app, response, 401, Some("invalid_token")).await;
    }
    let token = jwt.token_for("alice", "profile");
    let two_ways = jwt
        .app
        .http
        .get(jwt.app.url(&format!("/api/me?access_token={token}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_refused(&jwt.app, two_ways, 400, Some("invalid_request")).await;
}

#[actix_rt::test]
async fn a_token_in_the_query_is_accepted_with_cache_control_private() {
    let jwt = spawn_jwt_app().await;
    let token = jwt.token_for("alice", "profile");

    let response = jwt
        .app
        .http
        .get(jwt.app.url(&format!("/api/me?access_token={token}")))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "private");
}
