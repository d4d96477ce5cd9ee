//! Random client metadata documents (rules 31 and 9) at `/register` and at
//! a `registration_client_uri`, sent with valid tokens so the document
//! rules themselves see them: every answer is a registration or a JSON
//! `{"error": …}` 4xx, never a 5xx, on every backend.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{json, Value};
use service_kit::testing::inputs::{cases, hostile_text, impatient_http_client, one_of};

use crate::helpers::spawn_apps;
use crate::registration::{register, web_client};

const CASES: usize = 96;

/// The fields a document may hold (and one this server ignores).
const FIELDS: [&str; 16] = [
    "client_id",
    "client_secret",
    "redirect_uris",
    "token_endpoint_auth_method",
    "grant_types",
    "response_types",
    "client_name",
    "scope",
    "jwks",
    "jwks_uri",
    "post_logout_redirect_uris",
    "dpop_bound_access_tokens",
    "require_pushed_authorization_requests",
    "id_token_signed_response_alg",
    "logo_uri",
    "software_statement",
];

/// Values that reach into the rules: known names, URIs, and hostile text.
const WORDS: [&str; 12] = [
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "private_key_jwt",
    "client_secret_post",
    "none",
    "code",
    "openid profile post",
    "https://app.example/cb",
    "http://localhost:7100/callback",
    "EdDSA",
    "http://evil.example/cb",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![3 => one_of(&WORDS), 1 => hostile_text(300..600)]
}

fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::String),
        vec(text(), 0..4).prop_map(|items| json!(items)),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(Value::Null),
        Just(json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]})),
    ]
}

fn document() -> impl Strategy<Value = Value> {
    btree_map(one_of(&FIELDS), field_value(), 0..8)
        .prop_map(|fields| Value::Object(fields.into_iter().collect()))
}

/// A 201, 200 or a JSON 4xx error.
async fn assert_answered(what: &str, response: reqwest::Response) {
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .unwrap_or_else(|err| panic!("{what}: not JSON ({err})"));
    match status.as_u16() {
        200 | 201 => assert!(body["client_id"].is_string(), "{what}: {body}"),
        400..=499 => assert!(body["error"].is_string(), "{what}: {body}"),
        _ => panic!("{what}: {status} {body}"),
    }
}

#[actix_rt::test]
async fn random_documents_are_registered_or_refused_never_5xx() {
    let documents = cases(document(), CASES);
    for app in spawn_apps().await {
        let http = impatient_http_client();
        let token = app.registration_token(3600).await;
        let registered = register(&app, &web_client()).await;
        let uri = registered["registration_client_uri"].as_str().unwrap();
        let mut management = registered["registration_access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        for document in &documents {
            let what = format!("POST /register {document}");
            let response = http
                .post(format!("{}/register", app.url))
                .bearer_auth(&token)
                .json(document)
                .send()
                .await
                .unwrap();
            assert_answered(&what, response).await;

            let mut replacement = document.clone();
            replacement["client_id"] = registered["client_id"].clone();
            let what = format!("PUT {uri} {replacement}");
            let response = http
                .put(uri)
                .bearer_auth(&management)
                .json(&replacement)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if status == 200 {
                // A replacement rotates the token (our policy).
                management = body["registration_access_token"]
                    .as_str()
                    .unwrap()
                    .to_owned();
            } else {
                assert!(
                    status.is_client_error() && body["error"].is_string(),
                    "{what}: {status} {body}"
                );
            }
        }
    }
}
