//! `POST /revoke`: rule 16.

use authorization_server::testing::Flow;

use crate::helpers::{
    is_active, refresh_as_strava, refresh_secret, revoke_as, spawn_app, spawn_app_with_demo_tokens,
    spawn_apps, STRAVA,
};

#[actix_rt::test]
async fn revoking_a_refresh_token_revokes_its_access_tokens() {
    for app in spawn_apps().await {
        let tokens = app.obtain_tokens(&Flow::demo()).await;

        let response = revoke_as(&app, STRAVA, refresh_secret(&tokens)).await;

        assert_eq!(response.status(), 200);
        assert!(!is_active(&app, tokens.access_token.secret()).await);
        let refresh = refresh_as_strava(&app, refresh_secret(&tokens)).await;
        assert_eq!(refresh.status(), 400);
    }
}

#[actix_rt::test]
async fn revoking_an_access_token_ends_it() {
    let (app, tokens) = spawn_app_with_demo_tokens().await;

    let response = revoke_as(&app, STRAVA, tokens.access_token.secret()).await;

    assert_eq!(response.status(), 200);
    assert!(!is_active(&app, tokens.access_token.secret()).await);
}

#[actix_rt::test]
async fn an_unknown_token_still_answers_200() {
    let app = spawn_app().await;

    let response = revoke_as(&app, STRAVA, "never-issued").await;

    assert_eq!(response.status(), 200);
}

#[actix_rt::test]
async fn a_client_cannot_revoke_another_clients_token() {
    for app in spawn_apps().await {
        let tokens = app.obtain_tokens(&Flow::demo()).await;
        app.register_client(authorization_server::testing::NewClient {
            client_id: "intruder".into(),
            kind: authorization_server::testing::ClientKind::Confidential,
            secret: Some("intruder-secret".into()),
            redirect_uris: vec![],
            scopes: oauth_types::ScopeSet::empty(),
            grant_types: vec![],
            resource_id: None,
            default_resource: Some("http://localhost:9002".to_owned()),
        })
        .await;

        let response = revoke_as(
            &app,
            ("intruder", "intruder-secret"),
            tokens.access_token.secret(),
        )
        .await;

        assert_eq!(response.status(), 200);
        assert!(is_active(&app, tokens.access_token.secret()).await);
    }
}

#[actix_rt::test]
async fn revocation_requires_client_authentication() {
    let (app, tokens) = spawn_app_with_demo_tokens().await;

    let response = revoke_as(&app, ("strava", "wrong"), tokens.access_token.secret()).await;

    assert_eq!(response.status(), 401);
    assert!(is_active(&app, tokens.access_token.secret()).await);
}
