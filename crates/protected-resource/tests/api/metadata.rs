//! RFC 9728: the protected resource metadata document, and the challenges
//! that point at it.

use serde_json::Value;

use crate::helpers::{challenge, spawn_app};

#[actix_rt::test]
async fn the_metadata_document_names_the_resource_its_server_scopes_and_bearer_methods() {
    let app = spawn_app().await;

    let response = app.http.get(app.metadata_url()).send().await.unwrap();

    assert_eq!(response.status(), 200);
    let cache_control = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cache_control.starts_with("public, max-age="),
        "{cache_control}"
    );
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["resource"], app.resource_id.as_str());
    assert_eq!(
        document["authorization_servers"],
        serde_json::json!(["http://fake-authorization-server"])
    );
    assert_eq!(
        document["scopes_supported"],
        serde_json::json!(["profile", "post", "personal-message"])
    );
    assert_eq!(
        document["bearer_methods_supported"],
        serde_json::json!(["header", "body", "query"])
    );
    assert_eq!(document["resource_name"], "Facebook");
}

#[actix_rt::test]
async fn a_client_can_follow_resource_metadata_from_a_challenge_to_the_document() {
    let app = spawn_app().await;
    let refused = app.http.get(app.url("/api/me")).send().await.unwrap();
    let header = challenge(&refused).unwrap();

    let metadata_url = header
        .split("resource_metadata=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let document = app.fetch_json(metadata_url).await;

    // RFC 9728 §3.3: the document's resource is the identifier the URL was made from.
    assert_eq!(document["resource"], app.resource_id.as_str());
}
