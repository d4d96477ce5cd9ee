//! `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0
//! §3, §4) beside the RFC 8414 document.

use authorization_server::testing::TestAuthorizationServer;

use crate::helpers::{assert_endpoints, assert_members, spawn_app, spawn_apps};

async fn document(app: &TestAuthorizationServer, path: &str) -> serde_json::Value {
    let response = reqwest::get(format!("{}{path}", app.url)).await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[actix_rt::test]
async fn the_discovery_document_has_every_required_member_of_an_openid_provider() {
    for app in spawn_apps().await {
        let discovery = document(&app, "/.well-known/openid-configuration").await;

        assert_eq!(discovery["issuer"], app.url);
        assert_endpoints(
            &discovery,
            &app.url,
            &[
                ("userinfo_endpoint", "/userinfo"),
                ("end_session_endpoint", "/logout"),
                ("jwks_uri", "/jwks.json"),
            ],
        );
        assert_members(
            &discovery,
            &[
                ("subject_types_supported", serde_json::json!(["public"])),
                (
                    "id_token_signing_alg_values_supported",
                    serde_json::json!(["RS256", "EdDSA"]),
                ),
                ("response_types_supported", serde_json::json!(["code"])),
            ],
        );
        let scopes = discovery["scopes_supported"].to_string();
        assert!(scopes.contains("\"openid\""), "{scopes}");
        let claims = discovery["claims_supported"].to_string();
        for claim in [
            "sub",
            "name",
            "email",
            "email_verified",
            "auth_time",
            "nonce",
        ] {
            assert!(
                claims.contains(&format!("\"{claim}\"")),
                "{claim}: {claims}"
            );
        }
    }
}

#[actix_rt::test]
async fn both_documents_list_the_same_endpoints_with_the_same_urls() {
    let app = spawn_app().await;

    let oauth = document(&app, "/.well-known/oauth-authorization-server").await;
    let openid = document(&app, "/.well-known/openid-configuration").await;

    let endpoints = |document: &serde_json::Value| {
        let mut found: Vec<(String, serde_json::Value)> = document
            .as_object()
            .unwrap()
            .iter()
            .filter(|(name, _)| {
                name.ends_with("_endpoint") || *name == "jwks_uri" || *name == "issuer"
            })
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    };
    let listed = endpoints(&openid);
    assert_eq!(endpoints(&oauth), listed);
    assert!(listed.len() >= 8, "{listed:?}");
    assert_eq!(oauth, openid, "one document at both addresses");
}

#[actix_rt::test]
async fn a_demo_database_made_before_openid_connect_gets_the_new_demo_scopes() {
    let app = spawn_app().await;
    let pool = app.database().pool();
    sqlx::query(
        "UPDATE clients SET scopes = 'personal-message post profile' WHERE client_id = 'strava'",
    )
    .execute(pool)
    .await
    .unwrap();

    authorization_server::demo::seed(pool, app.clock.now())
        .await
        .unwrap();

    let strava = authorization_server::store::clients::find(pool, "strava")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        strava.scopes.to_string(),
        "email openid personal-message post profile"
    );
    assert_eq!(strava.post_logout_redirect_uris, ["http://localhost:9000/"]);
}
