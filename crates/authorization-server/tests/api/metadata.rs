//! RFC 8414 metadata and the headers every page carries (rule 13).

use crate::helpers::{
    assert_endpoints, assert_members, authorization_server_metadata, get_in_new_browser, spawn_app,
};

#[actix_rt::test]
async fn the_metadata_lists_every_endpoint_under_the_issuer_and_every_supported_method() {
    let app = spawn_app().await;

    let document = authorization_server_metadata(&app).await;

    assert_eq!(document["issuer"], app.url);
    assert_endpoints(
        &document,
        &app.url,
        &[
            ("authorization_endpoint", "/authorize"),
            ("token_endpoint", "/token"),
            ("introspection_endpoint", "/introspect"),
            ("revocation_endpoint", "/revoke"),
            ("device_authorization_endpoint", "/device_authorization"),
        ],
    );
    assert_members(
        &document,
        &[
            ("response_types_supported", serde_json::json!(["code"])),
            (
                "code_challenge_methods_supported",
                serde_json::json!(["S256"]),
            ),
            (
                "grant_types_supported",
                serde_json::json!([
                    "authorization_code",
                    "refresh_token",
                    "client_credentials",
                    "urn:ietf:params:oauth:grant-type:device_code"
                ]),
            ),
            (
                "introspection_endpoint_auth_methods_supported",
                serde_json::json!([
                    "client_secret_basic",
                    "client_secret_post",
                    "private_key_jwt"
                ]),
            ),
        ],
    );
    let token_methods = document["token_endpoint_auth_methods_supported"].to_string();
    assert!(
        token_methods.contains("client_secret_basic")
            && token_methods.contains("client_secret_post")
    );
    assert_eq!(
        document["scopes_supported"],
        serde_json::json!(["email", "openid", "personal-message", "post", "profile"])
    );
    assert_eq!(
        document["authorization_response_iss_parameter_supported"],
        true
    );
}

#[actix_rt::test]
async fn pages_cannot_be_framed() {
    let app = spawn_app().await;

    let response = get_in_new_browser(&app, "/login").await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert!(response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}
