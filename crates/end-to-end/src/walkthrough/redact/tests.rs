//! The redaction, case by case.

use super::*;
use oauth_types::secret::AccessToken;

fn redactor() -> Redactor {
    Redactor::new(&[("http://127.0.0.1:4321".to_owned(), "client".to_owned())])
}

#[test]
fn one_value_keeps_one_placeholder_wherever_it_travels() {
    let mut redactor = redactor();
    let token = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let body = format!(r#"{{"access_token":"{token}","expires_in":600}}"#);
    let issued = redactor.body(Some("application/json"), &body);
    let presented = redactor.header("authorization", &format!("Bearer {token}"));
    let introspected = redactor.body(
        Some("application/x-www-form-urlencoded"),
        &format!("token={token}&token_type_hint=access_token"),
    );
    assert_eq!(
        issued,
        Body::Json {
            value: serde_json::json!({"access_token": "‹access_token#1›", "expires_in": 600})
        }
    );
    assert_eq!(presented, "Bearer ‹access_token#1›");
    assert_eq!(
        introspected,
        Body::Form {
            fields: vec![
                ("token".to_owned(), "‹access_token#1›".to_owned()),
                ("token_type_hint".to_owned(), "access_token".to_owned()),
            ]
        }
    );
}

#[test]
fn basic_credentials_show_the_client_id_and_hide_the_secret() {
    let mut redactor = redactor();
    let basic = base64::engine::general_purpose::STANDARD.encode("strava:strava-secret");
    let shown = redactor.header("authorization", &format!("Basic {basic}"));
    assert_eq!(shown, "Basic base64(strava:‹client_secret#1›)");
}

#[test]
fn a_location_loses_its_port_and_its_code() {
    let mut redactor = redactor();
    let shown = redactor.header(
        "location",
        "http://127.0.0.1:4321/callback?code=AAAABBBBCCCCDDDDEEEE&state=s1&iss=http%3A%2F%2Fas",
    );
    assert_eq!(
        shown,
        "http://client/callback?code=‹code#1›&state=‹state#1›&iss=http://as"
    );
}

#[test]
fn an_id_token_is_shown_decoded_and_its_nonce_keeps_the_requests_placeholder() {
    let mut redactor = redactor();
    let nonce = "n0nce-n0nce-n0nce-n0nce-n0nce-n0nce";
    let request = redactor.url(&format!(
        "http://127.0.0.1:4321/authorize?scope=openid&nonce={nonce}"
    ));
    let claims = serde_json::json!({
        "iss": "http://127.0.0.1:4321",
        "sub": "3f1c9a",
        "aud": "strava",
        "nonce": nonce,
        "at_hash": "x5bU0oHk7m2JgJXAdC2Jxw",
        "iat": 1_700_000_000,
        "exp": 1_700_000_600,
        "name": "Hamza Ali",
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("key-1".to_owned());
    let id_token = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"a key for this test only"),
    )
    .unwrap();
    let body = redactor.body(
        Some("application/json"),
        &serde_json::json!({"id_token": id_token}).to_string(),
    );
    let hint = redactor.url(&format!(
        "http://127.0.0.1:4321/logout?id_token_hint={id_token}"
    ));

    assert_eq!(
        request,
        "http://client/authorize?scope=openid&nonce=‹nonce#1›"
    );
    assert_eq!(
        body,
        Body::Json {
            value: serde_json::json!({"id_token": {
                "compact": "‹id_token#1›",
                "header": {"alg": "HS256", "kid": "‹kid#1›", "typ": "JWT"},
                "claims": {
                    "iss": "http://client",
                    "sub": "‹sub#1›",
                    "aud": "strava",
                    "nonce": "‹nonce#1›",
                    "at_hash": "‹at_hash#1›",
                    "iat": "‹unix time›",
                    "exp": "‹unix time›",
                    "name": "Hamza Ali",
                },
            }})
        }
    );
    assert_eq!(hint, "http://client/logout?id_token_hint=‹id_token#1›");
}

#[test]
fn a_removed_cookie_keeps_its_attributes_but_not_its_date() {
    let shown = redactor().header(
        "set-cookie",
        "strava_session=; HttpOnly; Path=/; Max-Age=0; Expires=Sat, 29 Nov 2025 12:00:18 GMT",
    );
    assert_eq!(
        shown,
        "strava_session=; HttpOnly; Path=/; Max-Age=0; Expires=‹http date›"
    );
}

#[test]
fn a_page_shows_its_title_and_form_fields_only() {
    let page = r#"<html><head><title>Sign in</title><meta name="viewport"></head>
        <form><input type="hidden" name="csrf_token" value="secret">
        <input name="username"><input name="password" type="password">
        <button name="decision" value="approve"></button></form></html>"#;
    let body = redactor().body(Some("text/html; charset=utf-8"), page);
    assert_eq!(
        body,
        Body::Html {
            title: "Sign in".to_owned(),
            fields: vec![
                "csrf_token".to_owned(),
                "username".to_owned(),
                "password".to_owned(),
                "decision".to_owned()
            ]
        }
    );
}

#[test]
fn a_dpop_proof_is_shown_decoded_with_its_keys_thumbprint_and_the_hash_of_its_token() {
    let mut redactor = redactor();
    let key = oauth_types::dpop::DpopKey::generate().unwrap();
    let thumbprint = key.thumbprint().unwrap();
    let token = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let proof = key
        .proof(
            "POST",
            &url::Url::parse("http://127.0.0.1:4321/api/posts").unwrap(),
            1_700_000_000,
            Some(&AccessToken::new(token)),
            None,
        )
        .unwrap();
    let authorize = redactor.url(&format!(
        "http://127.0.0.1:4321/authorize?dpop_jkt={}",
        thumbprint.as_str()
    ));
    let presented = redactor.header("authorization", &format!("DPoP {token}"));
    let header = redactor.header("dpop", &proof);
    let decoded = redactor.dpop_proof(&proof);
    let replayed = redactor.dpop_proof(&proof);
    let introspected = redactor.body(
        Some("application/json"),
        &serde_json::json!({"cnf": {"jkt": thumbprint.as_str()}}).to_string(),
    );

    assert_eq!(authorize, "http://client/authorize?dpop_jkt=‹jkt#1›");
    assert_eq!(presented, "DPoP ‹access_token#1›");
    assert_eq!(header, "‹dpop_proof#1›");
    assert_eq!(decoded["compact"], "‹dpop_proof#1›", "{decoded}");
    assert_eq!(decoded["jkt"], "‹jkt#1›", "{decoded}");
    assert_eq!(decoded["header"]["typ"], "dpop+jwt", "{decoded}");
    assert_eq!(decoded["header"]["jwk"]["x"], "‹x#1›", "{decoded}");
    assert_eq!(decoded["header"]["jwk"]["y"], "‹y#1›", "{decoded}");
    assert_eq!(
        decoded["claims"],
        serde_json::json!({
            "jti": "‹jti#1›",
            "htm": "POST",
            "htu": "http://client/api/posts",
            "iat": "‹unix time›",
            "ath": "base64url(SHA-256(‹access_token#1›))",
        })
    );
    assert_eq!(replayed, decoded, "a replayed proof keeps its placeholders");
    assert_eq!(
        introspected,
        Body::Json {
            value: serde_json::json!({"cnf": {"jkt": "‹jkt#1›"}})
        }
    );
}

#[test]
fn a_client_assertion_is_shown_decoded_with_the_client_named_and_a_placeholder_per_use() {
    let mut redactor = redactor();
    let files = crate::client_key::ClientKeyFiles::generate();
    let pem = std::fs::read_to_string(&files.pem).unwrap();
    let key = oauth_types::client_assertion::ClientAssertionKey::from_pkcs8_pem(&pem).unwrap();
    let audience = "http://127.0.0.1:4321";
    let first = key.assertion("strava", audience, 1_700_000_000).unwrap();
    let second = key.assertion("strava", audience, 1_700_000_001).unwrap();
    let form = format!(
        "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
         &client_assertion={}",
        first.assertion
    );

    let sent = redactor.body(Some("application/x-www-form-urlencoded"), &form);
    let decoded = redactor.client_assertion(&first.assertion);
    let next = redactor.client_assertion(&second.assertion);

    let Body::Form { fields } = sent else {
        panic!("a form: {sent:?}");
    };
    assert_eq!(
        fields[1],
        (
            "client_assertion".to_owned(),
            "‹client_assertion#1›".to_owned()
        )
    );
    assert_eq!(decoded["compact"], "‹client_assertion#1›", "{decoded}");
    assert_eq!(decoded["header"]["alg"], "ES256", "{decoded}");
    assert_eq!(decoded["header"]["kid"], "‹kid#1›", "{decoded}");
    assert_eq!(
        decoded["claims"],
        serde_json::json!({
            "iss": "strava",
            "sub": "strava",
            "aud": "http://client",
            "iat": "‹unix time›",
            "exp": "‹unix time›",
            "jti": "‹jti#1›",
        })
    );
    assert_eq!(next["compact"], "‹client_assertion#2›", "{next}");
    assert_eq!(next["header"]["kid"], "‹kid#1›", "one key: {next}");
    assert_eq!(next["claims"]["jti"], "‹jti#2›", "{next}");
    assert!(!decoded.to_string().contains("eyJ"), "{decoded}");
}

#[test]
fn a_user_code_keeps_its_placeholder_in_the_complete_uri_the_form_and_free_text() {
    let mut redactor = redactor();
    let answer = serde_json::json!({
        "device_code": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "user_code": "WDJB-MJHT",
        "verification_uri_complete": "http://127.0.0.1:4321/device?user_code=WDJB-MJHT",
    });

    let shown = redactor.body(Some("application/json"), &answer.to_string());
    let typed = redactor.body(
        Some("application/x-www-form-urlencoded"),
        "user_code=WDJB-MJHT",
    );
    let told = redactor.text("enter WDJB-MJHT");

    assert_eq!(
        shown,
        Body::Json {
            value: serde_json::json!({
                "device_code": "‹device_code#1›",
                "user_code": "‹user_code#1›",
                "verification_uri_complete": "http://client/device?user_code=‹user_code#1›",
            })
        }
    );
    assert_eq!(
        typed,
        Body::Form {
            fields: vec![("user_code".to_owned(), "‹user_code#1›".to_owned())]
        }
    );
    assert_eq!(told, "enter ‹user_code#1›");
}

#[test]
fn a_named_value_is_its_placeholder_in_the_path_the_basic_credentials_and_the_answer() {
    let client_id = "6f1c2a7e-0b5d-4c1e-9a3f-2d8e7b6c5a41";
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:app-secret-value"));
    let raw = RawExchange {
        sequence: 1,
        from: "new-app".to_owned(),
        to: "authorization-server".to_owned(),
        method: "GET".to_owned(),
        path: format!("/register/{client_id}"),
        query: None,
        request_headers: vec![("authorization".to_owned(), format!("Basic {basic}"))],
        request_body: String::new(),
        status: 200,
        response_headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        response_body: format!(
            r#"{{"client_id":"{client_id}","registration_client_uri":"http://127.0.0.1:4321/register/{client_id}"}}"#
        ),
    };
    let origins = [(
        "http://127.0.0.1:4321".to_owned(),
        "authorization-server".to_owned(),
    )];
    let named = [(client_id.to_owned(), "‹client_id#1›".to_owned())];
    let shown = redact_naming(&[raw], &origins, &named);
    assert_eq!(shown[0].path, "/register/‹client_id#1›");
    assert_eq!(
        shown[0].request_headers,
        [(
            "authorization".to_owned(),
            "Basic base64(‹client_id#1›:‹client_secret#1›)".to_owned()
        )]
    );
    assert_eq!(
        shown[0].response_body,
        Body::Json {
            value: serde_json::json!({
                "client_id": "‹client_id#1›",
                "registration_client_uri": "http://authorization-server/register/‹client_id#1›",
            })
        }
    );
}
