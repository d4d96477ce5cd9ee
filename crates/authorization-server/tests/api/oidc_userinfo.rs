//! `GET`/`POST /userinfo` (OpenID Connect Core §5.3) and its RFC 6750
//! §3.1 refusals, on every backend.

use authorization_server::testing::{browser, TestAuthorizationServer};

use crate::helpers::{client_credentials_grant, json, revoke_as, spawn_apps, STRAVA};
use crate::oidc_flow::tokens;

async fn userinfo_get(app: &TestAuthorizationServer, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/userinfo", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn challenge(response: &reqwest::Response) -> String {
    response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn access_token(app: &TestAuthorizationServer, scope: &str) -> String {
    let answer = tokens(app, &browser(), scope, &[], "hamza").await;
    answer["access_token"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn userinfo_answers_sub_always_and_the_claims_each_scope_releases() {
    for app in spawn_apps().await {
        let everything = access_token(&app, "openid profile email post").await;
        let bare = access_token(&app, "openid post").await;
        let email = access_token(&app, "openid email").await;

        let (status, all) = json(userinfo_get(&app, &everything).await).await;
        let (_, none) = json(userinfo_get(&app, &bare).await).await;
        let (_, only_email) = json(userinfo_get(&app, &email).await).await;

        assert_eq!(status, 200);
        assert_eq!(all["name"], "Hamza Ali");
        assert_eq!(all["preferred_username"], "hamza");
        assert_eq!(all["email"], "hamza@example.com");
        assert_eq!(all["email_verified"], true);
        assert_eq!(none.as_object().unwrap().len(), 1, "sub only: {none}");
        assert_eq!(none["sub"], all["sub"]);
        assert_eq!(only_email["email"], "hamza@example.com");
        assert!(only_email.get("name").is_none(), "{only_email}");
    }
}

#[actix_rt::test]
async fn userinfo_takes_the_token_in_a_post_body_but_not_two_ways_at_once() {
    for app in spawn_apps().await {
        let token = access_token(&app, "openid profile").await;
        let post = |bearer: bool| {
            let request = reqwest::Client::new()
                .post(format!("{}/userinfo", app.url))
                .form(&[("access_token", token.as_str())]);
            let request = if bearer {
                request.bearer_auth(&token)
            } else {
                request
            };
            request.send()
        };

        let (status, body) = json(post(false).await.unwrap()).await;
        let both = post(true).await.unwrap();

        assert_eq!(status, 200);
        assert_eq!(body["preferred_username"], "hamza");
        assert_eq!(both.status(), 400);
        assert!(challenge(&both).contains("error=\"invalid_request\""));
    }
}

#[actix_rt::test]
async fn without_a_token_userinfo_challenges_without_an_error_code() {
    for app in spawn_apps().await {
        let response = reqwest::get(format!("{}/userinfo", app.url)).await.unwrap();

        assert_eq!(response.status(), 401);
        let challenge = challenge(&response);
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        assert!(!challenge.contains("error="), "{challenge}");
        assert!(response.text().await.unwrap().is_empty());
    }
}

#[actix_rt::test]
async fn unknown_revoked_and_personless_tokens_are_invalid_token() {
    for app in spawn_apps().await {
        let revoked = access_token(&app, "openid profile").await;
        let revocation = revoke_as(&app, STRAVA, &revoked).await;
        assert_eq!(revocation.status(), 200);
        let batch = client_credentials_grant(&app, "batch", "batch-secret").await;
        let (_, batch) = json(batch).await;
        let personless = batch["access_token"].as_str().unwrap().to_owned();

        for token in [
            "not-a-token-we-issued",
            revoked.as_str(),
            personless.as_str(),
        ] {
            let response = userinfo_get(&app, token).await;
            assert_eq!(response.status(), 401, "{token}");
            assert!(challenge(&response).contains("error=\"invalid_token\""));
            let (_, body) = json(response).await;
            assert_eq!(body["error"], "invalid_token");
        }
    }
}

#[actix_rt::test]
async fn a_token_without_openid_is_insufficient_scope_and_an_expired_one_invalid() {
    for app in spawn_apps().await {
        let oauth_only = access_token(&app, "profile post").await;
        let openid = access_token(&app, "openid").await;

        let refused = userinfo_get(&app, &oauth_only).await;
        app.advance_clock(601);
        let expired = userinfo_get(&app, &openid).await;

        assert_eq!(refused.status(), 403);
        assert!(challenge(&refused).contains("error=\"insufficient_scope\""));
        assert_eq!(json(refused).await.1["error"], "insufficient_scope");
        assert_eq!(expired.status(), 401);
        assert!(challenge(&expired).contains("error=\"invalid_token\""));
    }
}

#[actix_rt::test]
async fn odd_credentials_at_userinfo_are_4xx_never_a_server_error() {
    for app in spawn_apps().await {
        let http = reqwest::Client::new();
        let url = format!("{}/userinfo", app.url);
        let long = "x".repeat(5000);
        let headers = [
            "Bearer",
            "Bearer ",
            "bearer two words",
            "Basic c3RyYXZhOng=",
            &format!("Bearer {long}"),
        ];
        for header in headers {
            let response = http
                .get(&url)
                .header("authorization", header)
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_client_error(),
                "{header:.40}: {}",
                response.status()
            );
        }
        let bodies = [
            ("access_token", "a\0b"),
            ("access_token", ""),
            ("other", "x"),
        ];
        for (name, value) in bodies {
            let response = http.post(&url).form(&[(name, value)]).send().await.unwrap();
            assert!(
                response.status().is_client_error(),
                "{name}={value:?}: {}",
                response.status()
            );
        }
        let json_body = http
            .post(&url)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(json_body.status(), 400);
    }
}
