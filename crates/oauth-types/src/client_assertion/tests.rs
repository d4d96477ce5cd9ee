#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use pkcs8::der::pem::LineEnding;
use pkcs8::SecretDocument;
use serde_json::{json, Value};

const NOW: i64 = 1_800_000_000;
const ISSUER: &str = "https://as.example";

fn ec_key() -> ClientAssertionKey {
    let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    )
    .unwrap();
    ClientAssertionKey::from_pkcs8_der(pair.to_pkcs8v1().unwrap().as_ref()).unwrap()
}

fn ed_key() -> ClientAssertionKey {
    let pair = aws_lc_rs::signature::Ed25519KeyPair::generate().unwrap();
    ClientAssertionKey::from_pkcs8_der(pair.to_pkcs8v1().unwrap().as_ref()).unwrap()
}

fn rsa_key() -> ClientAssertionKey {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der: aws_lc_rs::encoding::Pkcs8V1Der = aws_lc_rs::encoding::AsDer::as_der(&pair).unwrap();
    ClientAssertionKey::from_pkcs8_der(der.as_ref()).unwrap()
}

fn jwks(key: &ClientAssertionKey) -> ClientJwkSet {
    ClientJwkSet::parse(&key.public_jwk_set().to_string()).unwrap()
}

fn audiences() -> Vec<String> {
    vec![ISSUER.to_owned(), format!("{ISSUER}/token")]
}

fn verify(assertion: &str, keys: &ClientJwkSet) -> Result<VerifiedAssertion, AssertionError> {
    let audiences = audiences();
    let check = AssertionCheck {
        client_id: "app",
        audiences: &audiences,
        now: NOW,
    };
    verify_assertion(assertion, keys, &check)
}

fn claims(changes: Value) -> Value {
    let mut claims = json!({
        "iss": "app", "sub": "app", "aud": ISSUER, "iat": NOW, "exp": NOW + 60, "jti": "j-1",
    });
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

#[test]
fn assertions_by_each_key_type_verify_with_the_derived_jwk_set() {
    for key in [ec_key(), ed_key(), rsa_key()] {
        let signed = key.assertion("app", ISSUER, NOW).unwrap();
        let verified = verify(&signed.assertion, &jwks(&key)).unwrap();
        assert_eq!(verified.exp, NOW + 60);
        assert_eq!(
            signed.header["kid"],
            key.public_jwk().common.key_id.clone().unwrap()
        );
        assert_eq!(signed.claims["iss"], "app");
    }
}

#[test]
fn a_pem_key_reads_and_its_debug_shows_nothing_of_it() {
    let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    )
    .unwrap();
    let der = pair.to_pkcs8v1().unwrap();
    let document = SecretDocument::try_from(der.as_ref()).unwrap();
    let pem = document.to_pem("PRIVATE KEY", LineEnding::LF).unwrap();
    let key = ClientAssertionKey::from_pkcs8_pem(&pem).unwrap();
    assert_eq!(key.algorithm(), jsonwebtoken::Algorithm::ES256);
    assert_eq!(format!("{key:?}"), "ClientAssertionKey(ES256, [redacted])");
    assert_eq!(
        ClientAssertionKey::from_pkcs8_pem("not a key").unwrap_err(),
        BadClientKey::NotPkcs8Pem
    );
}

#[test]
fn the_audience_may_be_the_token_endpoint_or_an_array_naming_the_issuer() {
    let key = ec_key();
    for aud in [json!(format!("{ISSUER}/token")), json!(["x", ISSUER])] {
        let signed = key.sign(&claims(json!({ "aud": aud }))).unwrap();
        assert!(verify(&signed.assertion, &jwks(&key)).is_ok());
    }
}

#[test]
fn each_rule_refuses_what_it_names() {
    let key = ec_key();
    let refusals = [
        (
            json!({"aud": "https://other.example"}),
            AssertionError::Audience,
        ),
        (json!({"iss": "other"}), AssertionError::Issuer),
        (json!({"sub": "other"}), AssertionError::Subject),
        (json!({"exp": NOW - 60}), AssertionError::Expired),
        (json!({"exp": NOW + 3600}), AssertionError::TooLong),
        (json!({"exp": null}), AssertionError::Missing("exp")),
        (json!({"jti": null}), AssertionError::Missing("jti")),
        (json!({"aud": null}), AssertionError::Missing("aud")),
        (json!({"nbf": NOW + 120}), AssertionError::NotYetValid),
        (json!({"iat": NOW + 120}), AssertionError::NotYetValid),
        (json!({"exp": "soon"}), AssertionError::Claims),
    ];
    for (changes, refusal) in refusals {
        let signed = key.sign(&claims(changes.clone())).unwrap();
        assert_eq!(
            verify(&signed.assertion, &jwks(&key)),
            Err(refusal),
            "{changes}"
        );
    }
}

#[test]
fn another_key_a_symmetric_alg_and_garbage_are_refused() {
    let (key, thief) = (ec_key(), ec_key());
    let stolen = thief.sign(&claims(json!({}))).unwrap().assertion;
    assert_eq!(verify(&stolen, &jwks(&key)), Err(AssertionError::NoKey));
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(json!({})),
        &jsonwebtoken::EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    assert_eq!(verify(&hs256, &jwks(&key)), Err(AssertionError::Algorithm));
    for junk in [
        "",
        "a.b.c",
        "!!!.???.***",
        &"x".repeat(MAX_ASSERTION_BYTES + 1),
    ] {
        assert_eq!(
            verify(junk, &jwks(&key)),
            Err(AssertionError::NotAJwt),
            "{junk:.20}"
        );
    }
}

#[test]
fn without_kid_each_key_of_the_alg_is_tried() {
    let (old, new) = (ec_key(), ec_key());
    let mut set = json!({"keys": [old.public_jwk(), new.public_jwk()]});
    for key in set["keys"].as_array_mut().unwrap() {
        key.as_object_mut().unwrap().remove("kid");
    }
    let keys = ClientJwkSet::parse(&set.to_string()).unwrap();
    let signed = new.sign(&claims(json!({}))).unwrap();
    assert!(verify(&signed.assertion, &keys).is_ok());
    let thief = ec_key().sign(&claims(json!({}))).unwrap();
    assert_eq!(
        verify(&thief.assertion, &keys),
        Err(AssertionError::Signature)
    );
}

#[test]
fn jwk_sets_with_private_weak_or_unknown_keys_are_refused() {
    let key = ec_key();
    let mut private = key.public_jwk_set();
    private["keys"][0]["d"] = json!("AAAA");
    assert_eq!(
        ClientJwkSet::parse(&private.to_string()).unwrap_err(),
        JwkSetError::PrivateKey(0)
    );
    let symmetric = json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]});
    assert_eq!(
        ClientJwkSet::parse(&symmetric.to_string()).unwrap_err(),
        JwkSetError::PrivateKey(0)
    );
    let weak = json!({"keys": [{"kty": "RSA", "n": "AQAB".repeat(10), "e": "AQAB"}]});
    assert_eq!(
        ClientJwkSet::parse(&weak.to_string()).unwrap_err(),
        JwkSetError::WeakRsaKey(0)
    );
    let p384 = json!({"keys": [{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}]});
    assert_eq!(
        ClientJwkSet::parse(&p384.to_string()).unwrap_err(),
        JwkSetError::UnsupportedKey(0)
    );
    let mut mismatch = key.public_jwk_set();
    mismatch["keys"][0]["alg"] = json!("RS256");
    assert_eq!(
        ClientJwkSet::parse(&mismatch.to_string()).unwrap_err(),
        JwkSetError::Mismatch(0)
    );
    for junk in ["", "{}", "{\"keys\": []}", "[1]"] {
        assert_eq!(
            ClientJwkSet::parse(junk).unwrap_err(),
            JwkSetError::NotAJwkSet
        );
    }
}

#[test]
fn the_client_id_is_read_from_sub_before_any_check() {
    let signed = ec_key().sign(&claims(json!({}))).unwrap();
    assert_eq!(claimed_client_id(&signed.assertion).unwrap(), "app");
    assert_eq!(claimed_client_id("junk"), Err(AssertionError::NotAJwt));
}
