//! `--signing-alg RS256`: JWT access tokens signed with a 2048-bit RSA key
//! (RFC 9068 §2.1 makes RS256 mandatory to support; RFC 7518 §3.3 the
//! size). Each algorithm has its own chain of keys.

use authorization_server::config::{AdminCommand, AdminDatabase, KeyCommand};
use authorization_server::jwt::{SigningAlgorithm, ACTIVATION_DELAY_SECONDS, RELOAD_SECONDS};
use authorization_server::testing::{self, Flow, TestAuthorizationServer};
use authorization_server::{AccessTokenFormat, Config};
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::helpers::{kid_of, signing_kid, spawn_apps_with};

fn jwt_config(database_url: &str, algorithm: SigningAlgorithm) -> Config {
    let mut config = Config::for_test(database_url);
    config.access_token_format = AccessTokenFormat::Jwt;
    config.signing_alg = algorithm;
    config
}

async fn jwks(app: &TestAuthorizationServer) -> JwkSet {
    let url = format!("{}/jwks.json", app.url);
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

#[actix_rt::test]
async fn rs256_access_tokens_verify_with_the_published_2048_bit_rsa_key() {
    let apps = spawn_apps_with(|config| {
        *config = jwt_config(&config.serve.database_url, SigningAlgorithm::RS256);
    })
    .await;
    for app in apps {
        let tokens = app.obtain_tokens(&Flow::demo()).await;
        let token = tokens.access_token.secret();
        let header = jsonwebtoken::decode_header(token).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));

        let keys = jwks(&app).await;
        // One key per chain: RS256 (access and ID tokens) and EdDSA (for
        // clients that register it for their ID tokens).
        assert_eq!(keys.keys.len(), 2, "one key per algorithm");
        let key = keys.find(&header.kid.unwrap()).unwrap();
        let AlgorithmParameters::RSA(rsa) = &key.algorithm else {
            panic!("an RSA key: {key:?}");
        };
        use base64::Engine as _;
        let modulus = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&rsa.n)
            .unwrap();
        assert_eq!(modulus.len() * 8, 2048);

        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&app.url]);
        validation.set_audience(&["http://localhost:9002"]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(
            token,
            &DecodingKey::from_jwk(key).unwrap(),
            &validation,
        )
        .unwrap()
        .claims;
        assert_eq!(claims["client_id"], "strava");
    }
}

/// One database, served first with EdDSA and then with RS256: both chains
/// are published, each server signs with its own, and `key rotate` rotates
/// each chain, retiring only keys of the same algorithm.
#[actix_rt::test]
async fn each_algorithm_has_its_own_keys_and_rotation() {
    let database_url = service_kit::testing::sqlite_url();
    let eddsa = testing::spawn_with(jwt_config(&database_url, SigningAlgorithm::EdDSA)).await;
    let mut rsa_config = jwt_config(&database_url, SigningAlgorithm::RS256);
    rsa_config.clock = eddsa.clock.clone();
    rsa_config.key_encryption_key_file = Some(eddsa.key_encryption_key_file.clone());
    let rs256 = testing::spawn_with(rsa_config).await;

    let token_alg = |token: &str| jsonwebtoken::decode_header(token).unwrap().alg;
    let ed_before = signing_kid(&eddsa).await;
    let rsa_before = signing_kid(&rs256).await;
    let first = rs256.obtain_tokens(&Flow::demo()).await;
    assert_eq!(token_alg(first.access_token.secret()), Algorithm::RS256);
    assert_eq!(kid_of(first.access_token.secret()), rsa_before);
    eddsa.advance_clock(RELOAD_SECONDS);
    assert_eq!(jwks(&eddsa).await.keys.len(), 2, "both chains published");

    let mut admin = jwt_config(&database_url, SigningAlgorithm::EdDSA);
    admin.clock = eddsa.clock.clone();
    admin.key_encryption_key_file = Some(eddsa.key_encryption_key_file.clone());
    let command = AdminCommand::Key(KeyCommand::Rotate(AdminDatabase {
        database_url: Some(database_url.clone()),
    }));
    let report = authorization_server::admin::execute(command, &admin)
        .await
        .unwrap();
    assert!(report.contains("new EdDSA key"), "{report}");
    assert!(report.contains("new RS256 key"), "{report}");
    assert!(
        report.contains(&format!("previous EdDSA key(s) {ed_before} ")),
        "{report}"
    );
    assert!(
        report.contains(&format!("previous RS256 key(s) {rsa_before} ")),
        "{report}"
    );

    eddsa.advance_clock(ACTIVATION_DELAY_SECONDS + RELOAD_SECONDS);
    let ed_after = signing_kid(&eddsa).await;
    let rsa_after = signing_kid(&rs256).await;
    assert_ne!(ed_after, ed_before);
    assert_ne!(rsa_after, rsa_before);
    let after = rs256.obtain_tokens(&Flow::demo()).await;
    assert_eq!(token_alg(after.access_token.secret()), Algorithm::RS256);
    let published = jwks(&rs256).await;
    for kid in [&ed_before, &rsa_before, &ed_after, &rsa_after] {
        assert!(published.find(kid).is_some(), "{kid} is published");
    }
}
