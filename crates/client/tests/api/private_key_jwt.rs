//! `--client-key` (RFC 7523 §2.2), against the fakes: the code exchange,
//! the refresh and the revocation each carry a fresh assertion that a
//! server would accept, and no secret; the behind-the-scenes page shows
//! the assertion decoded and never the private key; a bad key file stops
//! the start with a clear error.

use std::collections::HashMap;
use std::path::PathBuf;

use oauth_types::client_assertion::{
    verify_assertion, AssertionCheck, ClientAssertionKey, ClientJwkSet, ASSERTION_TYPE,
};
use pkcs8::der::pem::LineEnding;
use pkcs8::SecretDocument;

use crate::fake_dpop::now;
use crate::helpers::{spawn_app_with, Options, TestApp};

/// A new P-256 key: its PKCS#8 DER, and a PEM file of it.
fn key_file() -> (Vec<u8>, PathBuf) {
    let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    )
    .unwrap();
    let der = pair.to_pkcs8v1().unwrap().as_ref().to_vec();
    let pem = SecretDocument::try_from(der.as_slice())
        .unwrap()
        .to_pem("PRIVATE KEY", LineEnding::LF)
        .unwrap();
    let path = std::env::temp_dir().join(format!(
        "client-key-{}.pem",
        oauth_types::secret::generate_credential()
    ));
    std::fs::write(&path, pem.as_bytes()).unwrap();
    (der, path)
}

/// The client, with `--client-key`, against the fakes; and the key.
async fn signing_app(database_url: String) -> (TestApp, Vec<u8>) {
    let (der, path) = key_file();
    let app = spawn_app_with(Options {
        client_key: Some(path.clone()),
        ..Options::new(database_url)
    })
    .await;
    std::fs::remove_file(path).unwrap();
    (app, der)
}

/// Checks a request's form as a server would (RFC 7523 §3) with the
/// public key of `der`: the assertion type, a valid assertion of `strava`
/// for the issuer, and no secret. Returns the assertion's `jti`.
fn assert_authenticated_by_assertion(
    app: &TestApp,
    der: &[u8],
    form: &[(String, String)],
) -> String {
    let params: HashMap<&str, &str> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(params.get("client_assertion_type"), Some(&ASSERTION_TYPE));
    assert!(!params.contains_key("client_secret"), "{params:?}");
    let key = ClientAssertionKey::from_pkcs8_der(der).unwrap();
    let jwks = ClientJwkSet::parse(&key.public_jwk_set().to_string()).unwrap();
    let audiences = [app.issuer.clone()];
    let check = AssertionCheck {
        client_id: "strava",
        audiences: &audiences,
        now: now(),
    };
    let assertion = params["client_assertion"];
    let verified = verify_assertion(assertion, &jwks, &check).unwrap();
    let header = jsonwebtoken::decode_header(assertion).unwrap();
    assert_eq!(
        header.kid,
        key.public_jwk().common.key_id,
        "kid: the RFC 7638 thumbprint"
    );
    assert!(verified.exp <= now() + 60, "a short-lived assertion");
    verified.jti
}

#[actix_rt::test]
async fn the_code_exchange_refresh_and_revocation_carry_fresh_assertions_and_no_secret() {
    for database_url in service_kit::testing::test_database_urls().await {
        let (app, der) = signing_app(database_url).await;

        app.connect_fully().await;
        app.expire_access_token().await;
        let home = app.act("/post", &[("message", "signed, not shared")]).await;
        assert!(home.contains("Posted to Facebook"), "{home}");
        app.act("/disconnect", &[]).await;

        let world = app.world();
        let [exchange, refresh] = &world.token_requests[..] else {
            panic!("two token requests: {:?}", world.token_requests);
        };
        assert!(
            world.token_authorizations.iter().all(Option::is_none),
            "no Basic"
        );
        let first = assert_authenticated_by_assertion(&app, &der, exchange);
        let second = assert_authenticated_by_assertion(&app, &der, refresh);
        assert_ne!(first, second, "a new jti for each request");
        assert!(!world.revocation_requests.is_empty());
        for (form, authorization) in &world.revocation_requests {
            assert_eq!(authorization, &None, "no Basic at /revoke");
            let jti = assert_authenticated_by_assertion(&app, &der, form);
            assert!(jti != first && jti != second);
        }
    }
}

#[actix_rt::test]
async fn behind_the_scenes_shows_the_assertion_decoded_never_the_private_key() {
    let (app, der) = signing_app(service_kit::testing::sqlite_url()).await;
    app.connect_fully().await;

    let page = app.behind_the_scenes().await;

    for expected in [
        "client_assertion: a JWT signed by Strava",
        "&#34;alg&#34;:&#34;ES256&#34;",
        "&#34;sub&#34;:&#34;strava&#34;",
        "&#34;jti&#34;:",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    let assertion = app.world().last_token_request()["client_assertion"].clone();
    assert!(
        !page.contains(&assertion),
        "the compact assertion is shortened"
    );
    assert!(
        !page.contains(&client::testing::private_scalar(&der)),
        "the private key"
    );
}

#[actix_rt::test]
async fn a_client_key_that_is_not_a_usable_private_key_stops_the_start() {
    let dir = std::env::temp_dir();
    let not_a_key = dir.join(format!(
        "not-a-key-{}.pem",
        oauth_types::secret::generate_credential()
    ));
    std::fs::write(
        &not_a_key,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let missing = dir.join("no-such-client-key.pem");
    for (path, reason) in [
        (&not_a_key, "not a PKCS#8 PEM private key"),
        (&missing, "--client-key"),
    ] {
        let mut config = client::testing::config(
            &service_kit::testing::sqlite_url(),
            "http://localhost:9001",
            "http://localhost:9002",
        );
        config.client_key = Some(path.clone());
        let error = client::config::Settings::from_config(&config).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(reason) && message.contains("--client-key"),
            "{message}"
        );
    }
    std::fs::remove_file(not_a_key).unwrap();
}
