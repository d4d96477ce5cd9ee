//! `private_key_jwt` (RFC 7523 §2.2, §3) at every endpoint that
//! authenticates clients (`/token`, `/introspect`, `/revoke`): each rule
//! with the attack it stops, on every backend. Every refusal is `401
//! invalid_client` with a description naming the rule.

use authorization_server::testing::{ClientKind, NewClient, TestAuthorizationServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oauth_types::client_assertion::{ClientAssertionKey, ClientJwkSet, ASSERTION_TYPE};
use serde_json::{json, Value};

use crate::helpers::{assert_refused, authorization_server_metadata, json, spawn_apps, STRAVA};

/// A confidential client of `private_key_jwt` (client credentials, code
/// and refresh grants).
pub const SIGNER: &str = "signer";
/// A protected resource of `private_key_jwt`, to call `/introspect`.
pub const SIGNING_RESOURCE: &str = "signing-resource";
/// The redirect URI of [`SIGNER`].
pub const SIGNER_REDIRECT_URI: &str = "http://localhost:7000/cb";

/// A fresh P-256 key pair (ES256).
pub fn ec_key() -> ClientAssertionKey {
    let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    )
    .unwrap();
    ClientAssertionKey::from_pkcs8_der(pair.to_pkcs8v1().unwrap().as_ref()).unwrap()
}

/// The JWK Set of `key`'s public half.
pub fn jwks_of(key: &ClientAssertionKey) -> ClientJwkSet {
    ClientJwkSet::parse(&key.public_jwk_set().to_string()).unwrap()
}

/// The keys of [`SIGNER`] and [`SIGNING_RESOURCE`] on one server.
pub struct Signers {
    pub client: ClientAssertionKey,
    pub resource: ClientAssertionKey,
}

/// One server per backend with [`SIGNER`] and [`SIGNING_RESOURCE`]
/// registered, and their keys.
pub async fn spawn_with_signers() -> Vec<(TestAuthorizationServer, Signers)> {
    let mut apps = Vec::new();
    for app in spawn_apps().await {
        let keys = Signers {
            client: ec_key(),
            resource: ec_key(),
        };
        let client = NewClient {
            client_id: SIGNER.to_owned(),
            kind: ClientKind::Confidential,
            secret: None,
            redirect_uris: vec![SIGNER_REDIRECT_URI.to_owned()],
            scopes: oauth_types::ScopeSet::parse("profile post").unwrap(),
            grant_types: oauth_types::GrantType::ALL.to_vec(),
            resource_id: None,
            default_resource: Some("http://localhost:9002".to_owned()),
        };
        app.register_private_key_jwt_client(client, &jwks_of(&keys.client))
            .await;
        let resource = NewClient::protected_resource(SIGNING_RESOURCE, "", "http://localhost:9003");
        app.register_private_key_jwt_client(resource, &jwks_of(&keys.resource))
            .await;
        apps.push((app, keys));
    }
    apps
}

/// Valid assertion claims of `client_id` at `app`'s clock, with `changes`
/// (a `null` removes a claim).
pub fn claims(app: &TestAuthorizationServer, client_id: &str, changes: &Value) -> Value {
    let now = app.clock.now();
    let mut claims = json!({
        "iss": client_id, "sub": client_id, "aud": app.url,
        "iat": now, "exp": now + 60, "jti": oauth_types::secret::generate_credential(),
    });
    for (name, value) in changes.as_object().unwrap() {
        match value {
            Value::Null => drop(claims.as_object_mut().unwrap().remove(name)),
            value => claims[name] = value.clone(),
        }
    }
    claims
}

/// A fresh assertion of `client_id` by `key`, with `changes`.
pub fn assertion(
    app: &TestAuthorizationServer,
    key: &ClientAssertionKey,
    client_id: &str,
    changes: &Value,
) -> String {
    key.sign(&claims(app, client_id, changes))
        .unwrap()
        .assertion
}

/// POSTs `form` to `path` with `assertion` as the client authentication.
pub async fn post_asserted(
    app: &TestAuthorizationServer,
    path: &str,
    form: &[(&str, &str)],
    assertion: &str,
) -> (u16, Value) {
    let mut form = form.to_vec();
    form.extend([
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion),
    ]);
    let response = reqwest::Client::new()
        .post(format!("{}{path}", app.url))
        .form(&form)
        .send()
        .await
        .unwrap();
    json(response).await
}

/// An endpoint's path, a client of ours that calls it, a form it sends.
type Endpoint = (
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

/// The three endpoints that authenticate clients, the client of ours that
/// calls each, and a form it may send there.
fn endpoints() -> [Endpoint; 3] {
    [
        ("/token", SIGNER, vec![("grant_type", "client_credentials")]),
        (
            "/introspect",
            SIGNING_RESOURCE,
            vec![("token", "no-such-token")],
        ),
        ("/revoke", SIGNER, vec![("token", "no-such-token")]),
    ]
}

fn key_of<'k>(keys: &'k Signers, client_id: &str) -> &'k ClientAssertionKey {
    if client_id == SIGNER {
        &keys.client
    } else {
        &keys.resource
    }
}

/// Asserts `401 invalid_client` whose description holds `reason`.
fn assert_invalid_client(answer: &(u16, Value), reason: &str, case: &str) {
    assert_refused(answer, (401, "invalid_client"));
    let description = answer.1["error_description"].as_str().unwrap_or_default();
    assert!(description.contains(reason), "{case}: {description}");
}

#[actix_rt::test]
async fn a_fresh_assertion_authenticates_at_token_introspect_and_revoke() {
    for (app, keys) in spawn_with_signers().await {
        for (path, client_id, form) in endpoints() {
            let key = key_of(&keys, client_id);
            let answer = post_asserted(
                &app,
                path,
                &form,
                &assertion(&app, key, client_id, &json!({})),
            )
            .await;
            assert_eq!(answer.0, 200, "{path}: {}", answer.1);
        }
        // §3 item 3: the token endpoint's URL as `aud`, or an array naming us.
        let token_endpoint = format!("{}/token", app.url);
        for aud in [
            json!(token_endpoint),
            json!(["https://elsewhere.example", app.url]),
        ] {
            let signed = assertion(&app, &keys.client, SIGNER, &json!({ "aud": aud }));
            let form = [("grant_type", "client_credentials")];
            let (status, body) = post_asserted(&app, "/token", &form, &signed).await;
            assert_eq!(status, 200, "{aud}: {body}");
        }
    }
}

/// Each rule of RFC 7523 §3, and the attack it stops, at each endpoint.
#[actix_rt::test]
async fn refused_assertions_answer_invalid_client_with_the_rule_they_break() {
    for (app, keys) in spawn_with_signers().await {
        let now = app.clock.now();
        for (path, client_id, form) in endpoints() {
            let key = key_of(&keys, client_id);
            let signed = |changes: Value| assertion(&app, key, client_id, &changes);
            let thief = ec_key();
            let cases = [
                // An assertion made for another server, replayed here.
                (
                    "aud of another server",
                    signed(json!({"aud": "https://other.example"})),
                    "aud",
                ),
                // A captured assertion used after its time.
                ("expired", signed(json!({"exp": now - 120})), "expired"),
                // A long-lived assertion: a stolen copy would stay usable.
                (
                    "exp far ahead",
                    signed(json!({"exp": now + 3600})),
                    "5 minutes",
                ),
                ("no exp", signed(json!({"exp": null})), "lacks exp"),
                // Without a jti, a replay cannot be recognised.
                ("no jti", signed(json!({"jti": null})), "lacks jti"),
                (
                    "iat in the future",
                    signed(json!({"iat": now + 600})),
                    "not valid yet",
                ),
                (
                    "iss is not the client",
                    signed(json!({"iss": "mallory"})),
                    "iss",
                ),
                // A key the client never registered.
                (
                    "another key",
                    thief
                        .sign(&claims(&app, client_id, &json!({})))
                        .unwrap()
                        .assertion,
                    "no key",
                ),
                // `alg: none`: no signature at all.
                (
                    "alg none",
                    unsigned(&claims(&app, client_id, &json!({}))),
                    "alg such as none",
                ),
                // An HMAC keyed with something the attacker knows.
                (
                    "HS256",
                    hs256(&claims(&app, client_id, &json!({}))),
                    "ES256, EdDSA or RS256",
                ),
                ("garbage", "eyJ.%%%.junk".to_owned(), "not a JWT"),
                ("base64 junk", "AAAA.BBBB.CCCC".to_owned(), "not a JWT"),
                ("huge", format!("{}.e30.", "a".repeat(9_000)), "not a JWT"),
            ];
            for (case, token, reason) in cases {
                let answer = post_asserted(&app, path, &form, &token).await;
                assert_invalid_client(&answer, reason, &format!("{path} {case}"));
            }
        }
    }
}

/// A JWT with `alg: none` (RFC 7519 §6): claims and no signature.
fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

/// `claims` signed HS256 with a secret an attacker may know.
fn hs256(claims: &Value) -> String {
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    let key = jsonwebtoken::EncodingKey::from_secret(STRAVA.1.as_bytes());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// §3 item 7: an assertion is accepted once, at any endpoint: a copy seen
/// on the wire (or in a log) is worthless afterwards.
#[actix_rt::test]
async fn an_assertion_is_accepted_once() {
    for (app, keys) in spawn_with_signers().await {
        let signed = assertion(&app, &keys.client, SIGNER, &json!({}));
        let form = [("grant_type", "client_credentials")];
        let first = post_asserted(&app, "/token", &form, &signed).await;
        let again = post_asserted(&app, "/token", &form, &signed).await;
        let elsewhere = post_asserted(&app, "/revoke", &[("token", "x")], &signed).await;

        assert_eq!(first.0, 200, "{}", first.1);
        assert_invalid_client(&again, "used before", "replay at /token");
        assert_invalid_client(&elsewhere, "used before", "replay at /revoke");
    }
}

/// Rule 32: of simultaneous requests carrying one assertion exactly one is
/// answered, round after round (one conditional INSERT of its `jti`).
#[actix_rt::test]
async fn an_assertion_is_accepted_once_even_when_raced() {
    const ROUNDS: usize = 12;
    const TWINS: usize = 6;
    for (app, keys) in spawn_with_signers().await {
        let app = std::sync::Arc::new(app);
        for round in 0..ROUNDS {
            let signed = assertion(&app, &keys.client, SIGNER, &json!({}));
            let answers = crate::helpers::simultaneously(TWINS, || {
                let (app, signed) = (app.clone(), signed.clone());
                async move {
                    let form = [("grant_type", "client_credentials")];
                    post_asserted(&app, "/token", &form, &signed).await
                }
            })
            .await;

            let winners = answers.iter().filter(|(status, _)| *status == 200).count();
            assert_eq!(winners, 1, "round {round}: {answers:?}");
            for answer in answers.iter().filter(|(status, _)| *status != 200) {
                assert_invalid_client(answer, "used before", &format!("round {round}"));
            }
        }
    }
}

/// RFC 7591 §2 `token_endpoint_auth_method`: a `private_key_jwt` client
/// cannot fall back to a secret (it has none to leak; a guessed one must
/// not open it), and a client with a secret cannot use an assertion.
#[actix_rt::test]
async fn each_client_authenticates_only_the_way_it_registered() {
    for (app, _) in spawn_with_signers().await {
        let form = [("grant_type", "client_credentials")];
        let secret = app.token_request(SIGNER, Some("guessed"), &form).await;
        let in_body = app.token_request(SIGNER, None, &form).await;
        let strava_key = ec_key();
        let strava = assertion(&app, &strava_key, STRAVA.0, &json!({}));
        let strava_asserting = post_asserted(&app, "/token", &form, &strava).await;

        let secret = json(secret).await;
        assert_invalid_client(
            &secret,
            "private_key_jwt",
            "secret of a private_key_jwt client",
        );
        assert_invalid_client(&json(in_body).await, "private_key_jwt", "client_id alone");
        assert_invalid_client(
            &strava_asserting,
            "client_secret_basic",
            "assertion of strava",
        );
    }
}

/// RFC 6749 §2.3: one method per request. An assertion with Basic or with
/// `client_secret` is `invalid_request`; a `client_id` that is not the
/// assertion's `sub`, or half of the pair, is `invalid_client`.
#[actix_rt::test]
async fn mixed_or_incomplete_client_authentication_is_refused() {
    for (app, keys) in spawn_with_signers().await {
        let signed = || assertion(&app, &keys.client, SIGNER, &json!({}));
        let token = format!("{}/token", app.url);
        let http = reqwest::Client::new();
        let with_basic = http
            .post(&token)
            .basic_auth(STRAVA.0, Some(STRAVA.1))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", &signed()),
            ])
            .send()
            .await
            .unwrap();
        let with_secret = [("grant_type", "client_credentials"), ("client_secret", "x")];
        let with_secret = post_asserted(&app, "/token", &with_secret, &signed()).await;
        let other_id = [
            ("grant_type", "client_credentials"),
            ("client_id", STRAVA.0),
        ];
        let other_id = post_asserted(&app, "/token", &other_id, &signed()).await;
        let same_id = [("grant_type", "client_credentials"), ("client_id", SIGNER)];
        let same_id = post_asserted(&app, "/token", &same_id, &signed()).await;
        let half = http
            .post(&token)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_assertion", &signed()),
            ])
            .send()
            .await
            .unwrap();
        let other_type = http
            .post(&token)
            .form(&[
                ("grant_type", "client_credentials"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
                ),
                ("client_assertion", &signed()),
            ])
            .send()
            .await
            .unwrap();

        assert_refused(&json(with_basic).await, (400, "invalid_request"));
        assert_refused(&with_secret, (400, "invalid_request"));
        assert_invalid_client(&other_id, "sub", "client_id of another client");
        assert_eq!(same_id.0, 200, "{}", same_id.1);
        assert_invalid_client(&json(half).await, "together", "assertion without its type");
        assert_invalid_client(&json(other_type).await, "jwt-bearer", "SAML assertion type");
    }
}

/// An assertion naming another client as `sub` is checked against that
/// client's keys: one client cannot speak for another.
#[actix_rt::test]
async fn an_assertion_for_another_client_does_not_verify() {
    for (app, keys) in spawn_with_signers().await {
        let as_resource = assertion(&app, &keys.client, SIGNING_RESOURCE, &json!({}));
        let answer = post_asserted(&app, "/introspect", &[("token", "x")], &as_resource).await;
        assert_invalid_client(&answer, "no key", "sub of another client");
        let unknown = assertion(&app, &keys.client, "nobody", &json!({}));
        let form = [("grant_type", "client_credentials")];
        assert_refused(
            &post_asserted(&app, "/token", &form, &unknown).await,
            (401, "invalid_client"),
        );
    }
}

#[actix_rt::test]
async fn the_metadata_lists_private_key_jwt_and_its_algorithms() {
    for (app, _) in spawn_with_signers().await {
        let document = authorization_server_metadata(&app).await;
        for endpoint in ["token", "revocation", "introspection"] {
            let methods =
                document[format!("{endpoint}_endpoint_auth_methods_supported")].to_string();
            assert!(
                methods.contains("\"private_key_jwt\""),
                "{endpoint}: {methods}"
            );
            assert_eq!(
                document[format!("{endpoint}_endpoint_auth_signing_alg_values_supported")],
                json!(["ES256", "EdDSA", "RS256"]),
                "{endpoint}"
            );
        }
    }
}
