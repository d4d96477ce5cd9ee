//! `POST /introspect`: rule 15.

use authorization_server::testing::{Flow, TestAuthorizationServer};

use crate::helpers::{introspect, json, spawn_app, spawn_apps};

async fn introspect_as(
    app: &TestAuthorizationServer,
    client: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let request = reqwest::Client::new().post(format!("{}/introspect", app.url));
    let request = match client {
        Some((id, secret)) => request.basic_auth(id, Some(secret)),
        None => request,
    };
    request.form(form).send().await.unwrap()
}

#[actix_rt::test]
async fn introspection_without_or_with_wrong_credentials_is_401() {
    let app = spawn_app().await;
    let tokens = app.obtain_tokens(&Flow::demo()).await;
    let form = [("token", tokens.access_token.as_str())];

    let anonymous = introspect_as(&app, None, &form).await;
    let wrong = introspect_as(&app, Some(("protected-resource-1", "wrong")), &form).await;

    for response in [anonymous, wrong] {
        let (status, body) = json(response).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client"))
        );
        assert!(body.get("active").is_none());
    }
}

#[actix_rt::test]
async fn an_ordinary_client_may_not_introspect() {
    let app = spawn_app().await;
    let tokens = app.obtain_tokens(&Flow::demo()).await;

    let response = introspect_as(
        &app,
        Some(("strava", "strava-secret")),
        &[("token", tokens.access_token.as_str())],
    )
    .await;

    let (status, body) = json(response).await;
    assert_eq!(status, 403);
    assert!(body.get("active").is_none());
}

#[actix_rt::test]
async fn an_active_token_answers_every_field() {
    for app in spawn_apps().await {
        let tokens = app.obtain_tokens(&Flow::demo()).await;

        let answer = introspect(&app, &tokens.access_token).await;

        assert_eq!(answer["active"], true);
        assert_eq!(answer["scope"], "post profile");
        assert_eq!(answer["client_id"], "strava");
        assert_eq!(answer["username"], "hamza");
        assert!(answer["sub"].as_str().is_some_and(|sub| !sub.is_empty()));
        assert_eq!(answer["aud"], "http://localhost:9002");
        assert_eq!(answer["iss"], app.url);
        assert_eq!(answer["token_type"], "Bearer");
        assert_eq!(
            answer["exp"].as_i64().unwrap() - answer["iat"].as_i64().unwrap(),
            600
        );
    }
}

#[actix_rt::test]
async fn a_token_for_another_audience_is_exactly_active_false() {
    for app in spawn_apps().await {
        app.register_protected_resource("photos", "photos-secret", "http://localhost:9003")
            .await;
        let tokens = app
            .obtain_tokens(&Flow {
                resource: Some("http://localhost:9003"),
                ..Flow::demo()
            })
            .await;

        let response = introspect_as(
            &app,
            Some(("protected-resource-1", "protected-resource-secret-1")),
            &[("token", tokens.access_token.as_str())],
        )
        .await;

        assert_eq!(response.text().await.unwrap(), r#"{"active":false}"#);
        let theirs = introspect_as(
            &app,
            Some(("photos", "photos-secret")),
            &[("token", tokens.access_token.as_str())],
        )
        .await;
        let (_, answer) = json(theirs).await;
        assert_eq!(answer["active"], true);
        assert_eq!(answer["aud"], "http://localhost:9003");
    }
}

#[actix_rt::test]
async fn unknown_expired_revoked_and_refresh_tokens_are_exactly_active_false() {
    for app in spawn_apps().await {
        let tokens = app.obtain_tokens(&Flow::demo()).await;
        let revoked = app.obtain_tokens(&Flow::demo()).await;
        reqwest::Client::new()
            .post(format!("{}/revoke", app.url))
            .basic_auth("strava", Some("strava-secret"))
            .form(&[("token", revoked.access_token.as_str())])
            .send()
            .await
            .unwrap();
        let rs = Some(("protected-resource-1", "protected-resource-secret-1"));

        for token in [
            "unknown-token",
            revoked.access_token.as_str(),
            tokens.refresh_token.as_deref().unwrap(),
        ] {
            let response = introspect_as(&app, rs, &[("token", token)]).await;
            assert_eq!(response.text().await.unwrap(), r#"{"active":false}"#);
        }
        app.advance_clock(601);
        let expired = introspect_as(&app, rs, &[("token", tokens.access_token.as_str())]).await;
        assert_eq!(expired.text().await.unwrap(), r#"{"active":false}"#);
    }
}

#[actix_rt::test]
async fn a_misleading_token_type_hint_does_not_change_the_answer() {
    let app = spawn_app().await;
    let tokens = app.obtain_tokens(&Flow::demo()).await;

    let response = introspect_as(
        &app,
        Some(("protected-resource-1", "protected-resource-secret-1")),
        &[
            ("token", tokens.access_token.as_str()),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;

    let (_, answer) = json(response).await;
    assert_eq!(answer["active"], true);
}

#[actix_rt::test]
async fn client_secret_post_works_for_introspection_too() {
    let app = spawn_app().await;
    let tokens = app.obtain_tokens(&Flow::demo()).await;

    let response = introspect_as(
        &app,
        None,
        &[
            ("token", tokens.access_token.as_str()),
            ("client_id", "protected-resource-1"),
            ("client_secret", "protected-resource-secret-1"),
        ],
    )
    .await;

    let (status, answer) = json(response).await;
    assert_eq!((status, answer["active"].as_bool()), (200, Some(true)));
}
