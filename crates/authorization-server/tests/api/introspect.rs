//! `POST /introspect`: rule 15.

use authorization_server::testing::{Flow, TestAuthorizationServer};

use crate::helpers::{
    error_of, introspect, json, refresh_secret, revoke_as, spawn_app_with_demo_tokens, spawn_apps,
    DEMO_RESOURCE_SERVER, STRAVA,
};

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

/// The demo access token introspected by `client` with the `extra`
/// parameters: status and JSON answer.
async fn introspect_demo_token_as(
    client: Option<(&str, &str)>,
    extra: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let (app, tokens) = spawn_app_with_demo_tokens().await;
    let mut form = vec![("token", tokens.access_token.secret())];
    form.extend_from_slice(extra);
    json(introspect_as(&app, client, &form).await).await
}

#[actix_rt::test]
async fn introspection_without_or_with_wrong_credentials_is_401() {
    let (app, tokens) = spawn_app_with_demo_tokens().await;
    let form = [("token", tokens.access_token.secret())];

    let anonymous = introspect_as(&app, None, &form).await;
    let wrong = introspect_as(&app, Some(("protected-resource-1", "wrong")), &form).await;

    for response in [anonymous, wrong] {
        let (status, body) = json(response).await;
        assert_eq!(error_of(status, &body), (401, Some("invalid_client")));
        assert!(body.get("active").is_none());
    }
}

#[actix_rt::test]
async fn an_ordinary_client_may_not_introspect() {
    let (status, body) = introspect_demo_token_as(Some(STRAVA), &[]).await;

    assert_eq!(status, 403);
    assert!(body.get("active").is_none());
}

#[actix_rt::test]
async fn an_active_token_answers_every_field() {
    for app in spawn_apps().await {
        let tokens = app.obtain_tokens(&Flow::demo()).await;

        let answer = introspect(&app, tokens.access_token.secret()).await;

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
            Some(DEMO_RESOURCE_SERVER),
            &[("token", tokens.access_token.secret())],
        )
        .await;

        assert_eq!(response.text().await.unwrap(), r#"{"active":false}"#);
        let theirs = introspect_as(
            &app,
            Some(("photos", "photos-secret")),
            &[("token", tokens.access_token.secret())],
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
        revoke_as(&app, STRAVA, revoked.access_token.secret()).await;
        let rs = Some(DEMO_RESOURCE_SERVER);

        for token in [
            "unknown-token",
            revoked.access_token.secret(),
            refresh_secret(&tokens),
        ] {
            let response = introspect_as(&app, rs, &[("token", token)]).await;
            assert_eq!(response.text().await.unwrap(), r#"{"active":false}"#);
        }
        app.advance_clock(601);
        let expired = introspect_as(&app, rs, &[("token", tokens.access_token.secret())]).await;
        assert_eq!(expired.text().await.unwrap(), r#"{"active":false}"#);
    }
}

#[actix_rt::test]
async fn a_misleading_token_type_hint_does_not_change_the_answer() {
    let hint = [("token_type_hint", "refresh_token")];

    let (_, answer) = introspect_demo_token_as(Some(DEMO_RESOURCE_SERVER), &hint).await;

    assert_eq!(answer["active"], true);
}

#[actix_rt::test]
async fn client_secret_post_works_for_introspection_too() {
    let credentials_in_the_body = [
        ("client_id", "protected-resource-1"),
        ("client_secret", "protected-resource-secret-1"),
    ];

    let (status, answer) = introspect_demo_token_as(None, &credentials_in_the_body).await;

    assert_eq!((status, answer["active"].as_bool()), (200, Some(true)));
}

/// Rule 34 (RFC 8707, RFC 9700 §2.3): without `resource`, a token is for
/// its client's default resource only, never for every registered one:
/// another resource introspecting it learns nothing.
#[actix_rt::test]
async fn a_token_requested_without_resource_is_for_the_clients_default_resource_only() {
    for app in spawn_apps().await {
        app.register_protected_resource("photos", "photos-secret", "http://localhost:9003")
            .await;
        let tokens = app.obtain_tokens(&Flow::demo()).await;

        let photos = introspect_as(
            &app,
            Some(("photos", "photos-secret")),
            &[("token", tokens.access_token.secret())],
        )
        .await;
        let demo = introspect(&app, tokens.access_token.secret()).await;

        assert_eq!(photos.text().await.unwrap(), r#"{"active":false}"#);
        assert_eq!(demo["active"], true);
        assert_eq!(demo["aud"], "http://localhost:9002");
    }
}

/// Our policy: a client without a default resource must name one; it is
/// never handed a token for every registered resource.
#[actix_rt::test]
async fn a_client_without_a_default_resource_must_name_one() {
    for app in spawn_apps().await {
        app.register_client(authorization_server::testing::NewClient {
            client_id: "no-default".to_owned(),
            kind: authorization_server::testing::ClientKind::Confidential,
            secret: Some("no-default-secret".to_owned()),
            redirect_uris: vec!["http://localhost:7000/cb".to_owned()],
            scopes: oauth_types::ScopeSet::parse("profile").unwrap(),
            grant_types: vec![
                oauth_types::GrantType::AuthorizationCode,
                oauth_types::GrantType::ClientCredentials,
            ],
            resource_id: None,
            default_resource: None,
        })
        .await;
        let (_, challenge) = crate::helpers::pkce_pair();
        let params: Vec<(String, String)> = [
            ("response_type", "code"),
            ("client_id", "no-default"),
            ("redirect_uri", "http://localhost:7000/cb"),
            ("scope", "profile"),
            ("state", "s"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ]
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();

        let refused = crate::helpers::authorize(&app, &browser, &params).await;
        let named = crate::helpers::authorize(
            &app,
            &browser,
            &crate::helpers::with(&params, "resource", Some("http://localhost:9002")),
        )
        .await;
        let machine = app
            .token_request(
                "no-default",
                Some("no-default-secret"),
                &[("grant_type", "client_credentials")],
            )
            .await;

        assert_eq!(
            crate::helpers::redirect_params(&refused)
                .get("error")
                .map(String::as_str),
            Some("invalid_target")
        );
        assert!(authorization_server::testing::location(&named)
            .unwrap()
            .starts_with("/consent"));
        let (status, body) = json(machine).await;
        assert_eq!(error_of(status, &body), (400, Some("invalid_target")));
    }
}

/// Contract "Under hostile load": any token string the server does not
/// know, however odd (NUL, controls, non-ASCII, huge), is exactly
/// `{"active": false}` (RFC 7662 §2.2), and RFC 7009 §2.2's 200 at `/revoke`.
#[actix_rt::test]
async fn any_token_string_however_odd_is_exactly_active_false() {
    for app in spawn_apps().await {
        let huge = "a".repeat(12 * 1024);
        let rs = Some(DEMO_RESOURCE_SERVER);
        for token in [
            "\0",
            "a\0b",
            "%",
            " x ",
            "é€",
            "\u{7f}\u{1b}",
            "abc==x",
            huge.as_str(),
        ] {
            let response = introspect_as(&app, rs, &[("token", token)]).await;
            assert_eq!(response.status(), 200, "{token:?}");
            assert_eq!(response.text().await.unwrap(), r#"{"active":false}"#);

            let revoked = revoke_as(&app, STRAVA, token).await;
            assert_eq!(revoked.status(), 200, "{token:?}");
        }
        // A NUL in any other parameter is still a malformed request.
        let other = introspect_as(&app, rs, &[("token", "x"), ("token_type_hint", "a\0")]).await;
        assert_eq!(other.status(), 400);
    }
}

#[actix_rt::test]
async fn a_corrupt_stored_scope_is_a_server_error_not_a_quiet_answer() {
    for app in spawn_apps().await {
        let tokens = app.obtain_tokens(&Flow::demo()).await;
        sqlx::query("UPDATE tokens SET scope = 'bad\"scope'")
            .execute(app.database().pool())
            .await
            .unwrap();

        let introspected = introspect_as(
            &app,
            Some(DEMO_RESOURCE_SERVER),
            &[("token", tokens.access_token.secret())],
        )
        .await;
        let refreshed = reqwest::Client::new()
            .post(format!("{}/token", app.url))
            .basic_auth("strava", Some("strava-secret"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_secret(&tokens)),
            ])
            .send()
            .await
            .unwrap();

        for response in [introspected, refreshed] {
            let (status, body) = json(response).await;
            assert_eq!(error_of(status, &body), (500, Some("server_error")));
        }
    }
}
