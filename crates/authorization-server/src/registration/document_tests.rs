//! The document rules, each with the mistake or attack it stops.

use serde_json::{json, Value};

use super::*;

fn supported() -> ScopeSet {
    ScopeSet::parse("openid profile post").unwrap()
}

fn parsed(document: &Value) -> Result<ParsedDocument, RegistrationError> {
    parse(document.to_string().as_bytes(), &supported())
}

/// The description of a refusal, and whether it was `invalid_redirect_uri`.
fn refusal(document: &Value) -> (bool, String) {
    match parsed(document) {
        Err(RegistrationError::InvalidRedirectUri(description)) => (true, description),
        Err(RegistrationError::InvalidClientMetadata(description)) => (false, description),
        other => panic!("{document} should be refused, got {other:?}"),
    }
}

fn a_jwk_set() -> Value {
    json!({"keys": [{"kty": "OKP", "crv": "Ed25519",
                      "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})
}

#[test]
fn a_minimal_document_gets_the_rfc_defaults() {
    let document = parsed(&json!({"redirect_uris": ["https://app.example/cb"]})).unwrap();
    let metadata = document.metadata;
    assert_eq!(
        metadata.auth_method,
        TokenEndpointAuthMethod::ClientSecretBasic
    );
    assert_eq!(metadata.grant_types, vec![GrantType::AuthorizationCode]);
    assert_eq!(metadata.scopes.to_string(), DEFAULT_SCOPE);
    assert_eq!(metadata.id_token_alg, SigningAlgorithm::RS256);
    assert_eq!(metadata.kind(), ClientKind::Confidential);
    assert!(!metadata.dpop_bound);
    assert!(!metadata.require_par);
}

#[test]
fn every_known_field_is_read_and_unknown_ones_are_ignored() {
    let document = parsed(&json!({
        "client_id": "given", "client_secret": "s",
        "redirect_uris": ["http://127.0.0.1:7000/cb"],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token", "refresh_token"],
        "response_types": ["code"], "client_name": "Watch",
        "scope": "profile post", "post_logout_redirect_uris": ["https://app.example/bye"],
        "dpop_bound_access_tokens": true, "id_token_signed_response_alg": "EdDSA",
        "require_pushed_authorization_requests": true,
        "logo_uri": "https://app.example/logo.png", "software_id": 7,
    }))
    .unwrap();
    assert_eq!(document.client_id.as_deref(), Some("given"));
    assert_eq!(document.client_secret.as_deref(), Some("s"));
    let metadata = document.metadata;
    assert_eq!(metadata.kind(), ClientKind::Public);
    assert_eq!(
        metadata.grant_types,
        vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
    );
    assert_eq!(metadata.client_name.as_deref(), Some("Watch"));
    assert_eq!(metadata.scopes.to_string(), "post profile");
    assert!(metadata.dpop_bound);
    assert!(metadata.require_par);
    assert_eq!(metadata.id_token_alg, SigningAlgorithm::EdDSA);
    assert_eq!(
        metadata.post_logout_redirect_uris,
        ["https://app.example/bye"]
    );
}

#[test]
fn redirect_uris_follow_the_rule_of_client_add() {
    // Open redirector, token theft over plain HTTP, fragment injection,
    // relative and smuggled lists: refused as `client add` refuses them.
    for uri in [
        "http://evil.example/cb",
        "https://app.example/cb#frag",
        "/relative",
        "https://a.example/cb https://b.example/cb",
        "javascript:alert(1)",
        "https://user:pw@app.example/cb",
    ] {
        let (redirect, description) = refusal(&json!({"redirect_uris": [uri]}));
        assert!(redirect, "{uri}");
        let expected = crate::redirect_uris::check(uri).unwrap_err().to_string();
        assert_eq!(description, expected);
    }
}

#[test]
fn unknown_or_unsafe_values_are_refused_with_a_description() {
    let cb = json!(["https://app.example/cb"]);
    let cases = [
        (
            json!({"redirect_uris": cb, "grant_types": ["password"]}),
            "password",
        ),
        (
            json!({"redirect_uris": cb, "grant_types": ["implicit"]}),
            "implicit",
        ),
        (
            json!({"redirect_uris": cb, "token_endpoint_auth_method": "client_secret_jwt"}),
            "client_secret_jwt",
        ),
        (
            json!({"redirect_uris": cb, "response_types": ["token"]}),
            "token",
        ),
        (json!({"redirect_uris": cb, "scope": "admin"}), "admin"),
        (json!({"redirect_uris": cb, "scope": "bad\"scope"}), "scope"),
        (
            json!({"redirect_uris": cb, "id_token_signed_response_alg": "none"}),
            "none",
        ),
        (
            json!({"redirect_uris": cb, "client_name": "a\u{0}b"}),
            "control",
        ),
        (
            json!({"redirect_uris": cb, "client_name": "x".repeat(201)}),
            "longer",
        ),
        (
            json!({"redirect_uris": cb, "post_logout_redirect_uris": ["http://evil.example/"]}),
            "post_logout",
        ),
        (
            json!({"redirect_uris": cb, "jwks_uri": "https://app.example/jwks"}),
            "jwks_uri",
        ),
    ];
    for (document, named) in cases {
        let (redirect, description) = refusal(&document);
        assert!(!redirect, "{document}");
        assert!(description.contains(named), "{document}: {description}");
    }
}

#[test]
fn combinations_that_cannot_work_are_refused() {
    let cb = json!(["https://app.example/cb"]);
    let cases = [
        // A code grant with nowhere to send the code.
        (
            json!({"grant_types": ["authorization_code"]}),
            "redirect URI",
        ),
        (json!({}), "redirect URI"),
        // A public client minting tokens with no credential at all.
        (
            json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}),
            "client_credentials",
        ),
        // private_key_jwt with no key to check assertions against.
        (
            json!({"redirect_uris": cb, "token_endpoint_auth_method": "private_key_jwt"}),
            "needs jwks",
        ),
        // Keys that would never be used, or be mistaken for a credential.
        (
            json!({"redirect_uris": cb, "jwks": a_jwk_set()}),
            "jwks is for",
        ),
        (
            json!({"redirect_uris": cb, "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": []}}),
            "jwks:",
        ),
        // response_types and grant_types that disagree (RFC 7591 §2.1).
        (
            json!({"grant_types": ["client_credentials"], "response_types": ["code"]}),
            "go together",
        ),
        (
            json!({"redirect_uris": cb, "response_types": []}),
            "go together",
        ),
    ];
    for (document, named) in cases {
        let (_, description) = refusal(&document);
        assert!(description.contains(named), "{document}: {description}");
    }
}

#[test]
fn private_key_jwt_with_a_jwk_set_is_accepted_without_redirect_uris_for_client_credentials() {
    let document = parsed(&json!({
        "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "private_key_jwt", "jwks": a_jwk_set(),
    }))
    .unwrap();
    assert_eq!(
        document
            .metadata
            .jwks
            .as_ref()
            .map(|jwks| jwks.keys().len()),
        Some(1)
    );
    assert_eq!(document.metadata.kind(), ClientKind::Confidential);
}

#[test]
fn wrong_json_types_are_invalid_metadata_and_broken_json_an_invalid_request() {
    for document in [
        json!({"redirect_uris": "https://app.example/cb"}),
        json!({"redirect_uris": [1]}),
        json!({"redirect_uris": ["https://app.example/cb"], "dpop_bound_access_tokens": "yes"}),
        json!({"redirect_uris": ["https://app.example/cb"], "scope": ["openid"]}),
        json!(["not", "an", "object"]),
    ] {
        let (redirect, description) = refusal(&document);
        assert!(
            !redirect && description.contains("wrong type"),
            "{description}"
        );
    }
    for body in ["", "{", "not json", "{\"redirect_uris\": [}"] {
        assert!(
            matches!(
                parse(body.as_bytes(), &supported()),
                Err(RegistrationError::InvalidRequest(_))
            ),
            "{body:?}"
        );
    }
    let twice = br#"{"scope": "openid", "scope": "post"}"#;
    assert!(matches!(
        parse(twice, &supported()),
        Err(RegistrationError::InvalidClientMetadata(_))
    ));
}
