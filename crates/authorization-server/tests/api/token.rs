//! `POST /token`: rules 2, 3, 5, 6, 7, 8, 9, 17, and client authentication.

use authorization_server::testing::{ClientKind, Flow, NewClient, TestAuthorizationServer};
use oauth_types::introspection::Audience;
use oauth_types::token_response::TokenResponse;
use oauth_types::ScopeSet;

use crate::helpers::{
    client_credentials_grant, error_of, is_active, json, post_form, refresh_secret, spawn_app,
    spawn_apps,
};

fn code_form<'a>(code: &'a str, verifier: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", "http://localhost:9000/callback"),
        ("code_verifier", verifier),
    ]
}

async fn strava(app: &TestAuthorizationServer, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    json(
        app.token_request("strava", Some("strava-secret"), form)
            .await,
    )
    .await
}

async fn refresh(
    app: &TestAuthorizationServer,
    token: &str,
    scope: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    form.extend(scope.map(|scope| ("scope", scope)));
    strava(app, &form).await
}

#[actix_rt::test]
async fn a_replayed_code_fails_and_revokes_every_token_issued_from_it() {
    for app in spawn_apps().await {
        let issued = app.obtain_code(&Flow::demo()).await;
        let (status, first) = strava(&app, &code_form(&issued.code, &issued.code_verifier)).await;
        assert_eq!(status, 200);

        let (status, second) = strava(&app, &code_form(&issued.code, &issued.code_verifier)).await;

        assert_eq!(status, 400);
        assert_eq!(second["error"], "invalid_grant");
        assert!(!is_active(&app, first["access_token"].as_str().unwrap()).await);
        let (status, _) = refresh(&app, first["refresh_token"].as_str().unwrap(), None).await;
        assert_eq!(status, 400);
    }
}

#[actix_rt::test]
async fn of_two_concurrent_redemptions_exactly_one_succeeds() {
    for app in spawn_apps().await {
        let issued = app.obtain_code(&Flow::demo()).await;
        let app = std::sync::Arc::new(app);
        let race =
            |app: std::sync::Arc<TestAuthorizationServer>, code: String, verifier: String| {
                actix_rt::spawn(async move {
                    let response = app
                        .token_request(
                            "strava",
                            Some("strava-secret"),
                            &code_form(&code, &verifier),
                        )
                        .await;
                    json(response).await
                })
            };

        let first = race(
            app.clone(),
            issued.code.clone(),
            issued.code_verifier.clone(),
        );
        let second = race(
            app.clone(),
            issued.code.clone(),
            issued.code_verifier.clone(),
        );
        let mut answers = [first.await.unwrap(), second.await.unwrap()];

        answers.sort_by_key(|(status, _)| *status);
        assert_eq!(answers[0].0, 200);
        assert_eq!(answers[1].0, 400);
        // The loser was a replay: the winner's tokens are revoked whatever
        // the interleaving.
        let winner = answers[0].1["access_token"].as_str().unwrap();
        assert!(!is_active(&app, winner).await);
    }
}

#[actix_rt::test]
async fn a_code_older_than_60_seconds_is_refused() {
    for app in spawn_apps().await {
        let issued = app.obtain_code(&Flow::demo()).await;

        app.advance_clock(61);
        let (status, body) = strava(&app, &code_form(&issued.code, &issued.code_verifier)).await;

        assert_eq!(status, 400);
        assert_eq!(body["error"], "invalid_grant");
    }
}

#[actix_rt::test]
async fn a_code_is_bound_to_its_client_and_redirect_uri() {
    let app = spawn_app().await;
    app.register_client(NewClient {
        client_id: "other".into(),
        kind: ClientKind::Confidential,
        secret: Some("other-secret".into()),
        redirect_uris: vec!["http://localhost:9000/callback".into()],
        scopes: ScopeSet::parse("profile").unwrap(),
        grant_types: vec![oauth_types::GrantType::AuthorizationCode],
        resource_id: None,
        default_resource: Some("http://localhost:9002".to_owned()),
    })
    .await;
    let issued = app.obtain_code(&Flow::demo()).await;

    let (status, body) = json(
        app.token_request(
            "other",
            Some("other-secret"),
            &code_form(&issued.code, &issued.code_verifier),
        )
        .await,
    )
    .await;
    assert_eq!(error_of(status, &body), (400, Some("invalid_grant")));

    let mut wrong_redirect = code_form(&issued.code, &issued.code_verifier);
    wrong_redirect[2] = ("redirect_uri", "http://localhost:9000/callback/");
    let (status, body) = strava(&app, &wrong_redirect).await;
    assert_eq!(error_of(status, &body), (400, Some("invalid_grant")));
}

#[actix_rt::test]
async fn a_wrong_or_missing_code_verifier_is_refused() {
    let app = spawn_app().await;
    let issued = app.obtain_code(&Flow::demo()).await;
    let wrong = "a".repeat(43);

    let (status, body) = strava(&app, &code_form(&issued.code, &wrong)).await;
    assert_eq!(error_of(status, &body), (400, Some("invalid_grant")));

    let missing: Vec<_> = code_form(&issued.code, "")
        .into_iter()
        .filter(|(n, _)| *n != "code_verifier")
        .collect();
    let (status, body) = strava(&app, &missing).await;
    assert_eq!(error_of(status, &body), (400, Some("invalid_grant")));
}

#[actix_rt::test]
async fn a_code_verifier_for_a_code_issued_without_challenge_is_refused() {
    for app in spawn_apps().await {
        // Every code this server issues has a challenge; the store can still
        // hold one without, which is what a downgrade attack produces elsewhere.
        let code = oauth_types::secret::AuthorizationCode::generate();
        let now = app.clock.now();
        let user =
            authorization_server::store::users::find_by_username(app.database().pool(), "hamza")
                .await
                .unwrap()
                .unwrap();
        authorization_server::store::codes::insert(
            app.database().pool(),
            &code.hash(),
            &authorization_server::store::codes::CodeGrant {
                client_id: "strava".into(),
                user_id: user.id,
                username: "hamza".into(),
                redirect_uri: "http://localhost:9000/callback".into(),
                scope: "profile".parse().unwrap(),
                code_challenge: None,
                audience: Audience::new(vec!["http://localhost:9002".into()]),
                expires_at: now + 60,
                used_at: None,
                nonce: None,
                auth_time: None,
                dpop_jkt: None,
            },
            now,
        )
        .await
        .unwrap();

        let (status, body) = strava(&app, &code_form(code.secret(), &"a".repeat(43))).await;

        assert_eq!(error_of(status, &body), (400, Some("invalid_grant")));
    }
}

#[actix_rt::test]
async fn a_refresh_token_rotates_and_a_spent_one_revokes_the_family() {
    for app in spawn_apps().await {
        let tokens = app.obtain_tokens(&Flow::demo()).await;
        let first_refresh = tokens.refresh_token.clone().unwrap().secret().to_owned();

        let (status, rotated) = refresh(&app, &first_refresh, None).await;
        assert_eq!(status, 200);
        let second_refresh = rotated["refresh_token"].as_str().unwrap().to_owned();
        let second_access = rotated["access_token"].as_str().unwrap().to_owned();
        assert_ne!(second_refresh, first_refresh);
        assert!(is_active(&app, &second_access).await);

        let (status, reused) = refresh(&app, &first_refresh, None).await;

        assert_eq!(error_of(status, &reused), (400, Some("invalid_grant")));
        assert!(!is_active(&app, &second_access).await);
        assert!(!is_active(&app, tokens.access_token.secret()).await);
        let (status, _) = refresh(&app, &second_refresh, None).await;
        assert_eq!(status, 400);
    }
}

#[actix_rt::test]
async fn a_refresh_may_narrow_but_never_widen_the_scope() {
    let app = spawn_app().await;
    let tokens = app
        .obtain_tokens(&Flow {
            scope: "profile",
            ..Flow::demo()
        })
        .await;
    let refresh_token = tokens.refresh_token.unwrap().secret().to_owned();

    let (status, body) = refresh(&app, &refresh_token, Some("profile post")).await;
    assert_eq!(error_of(status, &body), (400, Some("invalid_scope")));

    let tokens = app.obtain_tokens(&Flow::demo()).await;
    let (status, narrowed) = refresh(&app, refresh_secret(&tokens), Some("post")).await;
    assert_eq!(status, 200);
    assert_eq!(narrowed["scope"], "post");
    // The new refresh token keeps the original grant.
    let (status, again) = refresh(
        &app,
        narrowed["refresh_token"].as_str().unwrap(),
        Some("post profile"),
    )
    .await;
    assert_eq!(status, 200, "{again}");
}

#[actix_rt::test]
async fn client_credentials_works_only_for_confidential_clients_registered_for_it() {
    for app in spawn_apps().await {
        let (status, body) =
            json(client_credentials_grant(&app, "batch", "batch-secret").await).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("refresh_token").is_none());
        let answer = crate::helpers::introspect(&app, body["access_token"].as_str().unwrap()).await;
        assert_eq!(answer["active"], true);
        assert_eq!(answer["client_id"], "batch");
        assert!(answer.get("username").is_none() && answer.get("sub").is_none());

        let (status, body) = strava(&app, &[("grant_type", "client_credentials")]).await;
        assert_eq!(error_of(status, &body), (400, Some("unauthorized_client")));
        let (status, body) = json(
            app.token_request(
                "batch",
                Some("batch-secret"),
                &[("grant_type", "client_credentials"), ("scope", "profile")],
            )
            .await,
        )
        .await;
        assert_eq!(error_of(status, &body), (400, Some("invalid_scope")));
    }
}

#[actix_rt::test]
async fn the_password_and_implicit_grants_are_unsupported() {
    let app = spawn_app().await;
    for grant in [
        "password",
        "implicit",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ] {
        let (status, body) = strava(
            &app,
            &[
                ("grant_type", grant),
                ("username", "hamza"),
                ("password", "hamza-password"),
            ],
        )
        .await;

        assert_eq!(
            error_of(status, &body),
            (400, Some("unsupported_grant_type")),
            "{grant}"
        );
    }
}

#[actix_rt::test]
async fn a_wrong_secret_with_basic_is_401_invalid_client_with_a_basic_challenge() {
    let app = spawn_app().await;

    let response = app
        .token_request(
            "strava",
            Some("wrong"),
            &[("grant_type", "refresh_token"), ("refresh_token", "x")],
        )
        .await;

    assert_eq!(response.status(), 401);
    assert!(response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (_, body) = json(response).await;
    assert_eq!(body["error"], "invalid_client");
}

#[actix_rt::test]
async fn a_wrong_secret_in_the_body_is_401_invalid_client_without_a_basic_challenge() {
    let app = spawn_app().await;

    let response = post_form(
        &reqwest::Client::new(),
        format!("{}/token", app.url),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
            ("client_id", "strava"),
            ("client_secret", "wrong"),
        ],
    )
    .await;

    assert_eq!(response.status(), 401);
    assert!(response.headers().get("www-authenticate").is_none());
}

#[actix_rt::test]
async fn client_secret_post_is_accepted() {
    let app = spawn_app().await;
    let issued = app.obtain_code(&Flow::demo()).await;
    let mut form = code_form(&issued.code, &issued.code_verifier);
    form.extend([("client_id", "strava"), ("client_secret", "strava-secret")]);

    let response = post_form(&reqwest::Client::new(), format!("{}/token", app.url), &form).await;

    assert_eq!(response.status(), 200);
}

#[actix_rt::test]
async fn basic_credentials_are_form_urldecoded() {
    let app = spawn_app().await;

    // token_request form-urlencodes id and secret before Basic (RFC 6749 §2.3.1).
    let response = client_credentials_grant(&app, "app:1 é", "s3cret+/=:&%").await;

    assert_eq!(response.status(), 200);
}

#[actix_rt::test]
async fn two_client_authentication_methods_in_one_request_are_invalid_request() {
    let app = spawn_app().await;

    let response = reqwest::Client::new()
        .post(format!("{}/token", app.url))
        .basic_auth("strava", Some("strava-secret"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "strava"),
            ("client_secret", "strava-secret"),
        ])
        .send()
        .await
        .unwrap();

    let (status, body) = json(response).await;
    assert_eq!(error_of(status, &body), (400, Some("invalid_request")));
}

#[actix_rt::test]
async fn a_public_client_redeems_with_pkce_and_no_secret_but_may_not_send_one() {
    for app in spawn_apps().await {
        let flow = Flow {
            client_id: "strava-mobile",
            client_secret: None,
            redirect_uri: "http://127.0.0.1:8765/callback",
            scope: "profile",
            ..Flow::demo()
        };
        let issued = app.obtain_code(&flow).await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", issued.code.as_str()),
            ("redirect_uri", flow.redirect_uri),
            ("code_verifier", issued.code_verifier.as_str()),
        ];

        let with_secret = app
            .token_request("strava-mobile", Some("guess"), &form)
            .await;
        assert_eq!(with_secret.status(), 401);
        let response = app.token_request("strava-mobile", None, &form).await;
        assert_eq!(response.status(), 200);
        let tokens: TokenResponse = response.json().await.unwrap();
        assert!(is_active(&app, tokens.access_token.secret()).await);
    }
}

#[actix_rt::test]
async fn a_repeated_parameter_is_invalid_request() {
    let app = spawn_app().await;

    let (status, body) = strava(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("grant_type", "refresh_token"),
        ],
    )
    .await;

    assert_eq!(error_of(status, &body), (400, Some("invalid_request")));
}

#[actix_rt::test]
async fn a_wrong_content_type_or_an_oversized_body_is_400_invalid_request_never_5xx() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let json_body = client
        .post(format!("{}/token", app.url))
        .basic_auth("strava", Some("strava-secret"))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    let no_type = client
        .post(format!("{}/token", app.url))
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let huge = client
        .post(format!("{}/token", app.url))
        .basic_auth("strava", Some("strava-secret"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("padding", &"x".repeat(100_000)),
        ])
        .send()
        .await
        .unwrap();

    for response in [json_body, no_type, huge] {
        let (status, body) = json(response).await;
        assert_eq!(error_of(status, &body), (400, Some("invalid_request")));
    }
}

#[actix_rt::test]
async fn token_answers_are_never_cached() {
    let app = spawn_app().await;
    let issued = app.obtain_code(&Flow::demo()).await;

    let success = app.exchange_code(&Flow::demo(), &issued).await;
    let failure = app.exchange_code(&Flow::demo(), &issued).await;

    for response in [success, failure] {
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(response.headers()["pragma"], "no-cache");
    }
}

#[actix_rt::test]
async fn the_access_token_lifetime_follows_the_flag() {
    let app = crate::helpers::spawn_apps_with(|config| config.access_token_ttl = 120)
        .await
        .remove(0);
    let tokens = app.obtain_tokens(&Flow::demo()).await;

    assert_eq!(tokens.expires_in, 120);
    app.advance_clock(121);
    assert!(!is_active(&app, tokens.access_token.secret()).await);
}
