//! The client configuration endpoint (RFC 7592): read, replace and delete
//! with the registration access token; another client's token, a spent
//! token, a client of `client add` and a deleted client are refused
//! alike, and concurrent changes with one token have one winner, on every
//! backend.

use authorization_server::testing::{Flow, TestAuthorizationServer};
use serde_json::{json, Value};

use crate::helpers::{assert_refused, json, simultaneously, spawn_apps};
use crate::registration::{register, web_client, REDIRECT_URI};

/// Sends `method` to `uri` with `token` as `Bearer`, and `document` if any.
async fn manage(
    method: reqwest::Method,
    uri: &str,
    token: &str,
    document: Option<&Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, uri)
        .bearer_auth(token);
    if let Some(document) = document {
        request = request.json(document);
    }
    json(request.send().await.unwrap()).await
}

fn field<'a>(registered: &'a Value, name: &str) -> &'a str {
    registered[name].as_str().unwrap()
}

/// A replacement of `registered`'s document with `changes`.
fn replacement(registered: &Value, changes: &Value) -> Value {
    let mut document = web_client();
    document["client_id"] = registered["client_id"].clone();
    for (name, value) in changes.as_object().unwrap() {
        document[name] = value.clone();
    }
    document
}

#[actix_rt::test]
async fn a_read_shows_the_registration_without_its_secret() {
    for app in spawn_apps().await {
        let registered = register(&app, &web_client()).await;
        let uri = field(&registered, "registration_client_uri");
        let token = field(&registered, "registration_access_token");
        let (status, read) = manage(reqwest::Method::GET, uri, token, None).await;
        assert_eq!(status, 200, "{read}");
        assert_eq!(read["client_id"], registered["client_id"]);
        assert_eq!(read["redirect_uris"], registered["redirect_uris"]);
        assert_eq!(read["scope"], registered["scope"]);
        assert_eq!(read["registration_access_token"], token);
        assert!(read.get("client_secret").is_none(), "{read}");
    }
}

#[actix_rt::test]
async fn a_replacement_changes_the_client_and_rotates_the_token() {
    for app in spawn_apps().await {
        let registered = register(&app, &web_client()).await;
        let uri = field(&registered, "registration_client_uri");
        let token = field(&registered, "registration_access_token");
        let new_uri = "http://localhost:7100/other";
        let document = replacement(
            &registered,
            &json!({"redirect_uris": [new_uri], "scope": "profile",
                    "client_secret": registered["client_secret"]}),
        );
        let (status, replaced) = manage(reqwest::Method::PUT, uri, token, Some(&document)).await;
        assert_eq!(status, 200, "{replaced}");
        assert_eq!(replaced["redirect_uris"], json!([new_uri]));
        assert_eq!(replaced["scope"], "profile");
        // The secret is kept (not shown again); the token is new.
        assert!(replaced.get("client_secret").is_none());
        let rotated = field(&replaced, "registration_access_token");
        assert_ne!(rotated, token);
        let old = manage(reqwest::Method::GET, uri, token, None).await;
        assert_refused(&old, (401, "invalid_token"));
        let (status, _) = manage(reqwest::Method::GET, uri, rotated, None).await;
        assert_eq!(status, 200);
        // The old redirect URI is no longer the client's: the flow uses the new one.
        let flow = Flow {
            client_id: field(&registered, "client_id"),
            client_secret: registered["client_secret"].as_str(),
            redirect_uri: new_uri,
            scope: "profile",
            resource: Some("http://localhost:9002"),
            ..Flow::demo()
        };
        app.obtain_tokens(&flow).await;
    }
}

#[actix_rt::test]
async fn a_replacement_must_name_the_client_and_its_current_secret() {
    for app in spawn_apps().await {
        let registered = register(&app, &web_client()).await;
        let uri = field(&registered, "registration_client_uri");
        let token = field(&registered, "registration_access_token");
        let cases = [
            // A document meant for another client, or for none.
            json!({"redirect_uris": [REDIRECT_URI]}),
            replacement(&registered, &json!({"client_id": "strava"})),
            // Someone holding the token but guessing the secret.
            replacement(&registered, &json!({"client_secret": "guessed"})),
            replacement(
                &registered,
                &json!({"redirect_uris": ["http://evil.example/cb"]}),
            ),
        ];
        for document in cases {
            let (status, body) = manage(reqwest::Method::PUT, uri, token, Some(&document)).await;
            assert_eq!(status, 400, "{document}: {body}");
        }
        // Nothing changed, and the token still works.
        let (status, read) = manage(reqwest::Method::GET, uri, token, None).await;
        assert_eq!(
            (status, &read["redirect_uris"]),
            (200, &json!([REDIRECT_URI]))
        );
    }
}

#[actix_rt::test]
async fn another_clients_token_or_an_admin_client_learns_nothing() {
    for app in spawn_apps().await {
        let mine = register(&app, &web_client()).await;
        let theirs = register(&app, &web_client()).await;
        let my_token = field(&mine, "registration_access_token");
        let their_uri = field(&theirs, "registration_client_uri");
        let unknown = format!("{}/register/no-such-client", app.url);
        let admin_client = format!("{}/register/strava", app.url);
        let nul = format!("{}/register/a%00b", app.url);
        for uri in [their_uri, &unknown, &admin_client, &nul] {
            let read = manage(reqwest::Method::GET, uri, my_token, None).await;
            assert_refused(&read, (401, "invalid_token"));
            assert_eq!(
                read,
                manage(reqwest::Method::DELETE, uri, my_token, None).await
            );
            let document = replacement(&theirs, &json!({}));
            let put = manage(reqwest::Method::PUT, uri, my_token, Some(&document)).await;
            assert_eq!(read, put);
        }
        let (status, _) = manage(reqwest::Method::GET, their_uri, "", None).await;
        assert_eq!(status, 401);
    }
}

async fn assert_gone(app: &TestAuthorizationServer, registered: &Value) {
    let client_id = field(registered, "client_id");
    let page = reqwest::Client::new()
        .get(format!("{}/authorize", app.url))
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT_URI),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.headers().get("location").is_none());
    let answer = app
        .token_request(
            client_id,
            registered["client_secret"].as_str(),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_refused(&json(answer).await, (401, "invalid_client"));
}

#[actix_rt::test]
async fn a_deleted_client_is_gone_with_its_tokens() {
    for app in spawn_apps().await {
        let registered = register(&app, &web_client()).await;
        let flow = Flow {
            client_id: field(&registered, "client_id"),
            client_secret: registered["client_secret"].as_str(),
            redirect_uri: REDIRECT_URI,
            resource: Some("http://localhost:9002"),
            ..Flow::demo()
        };
        let tokens = app.obtain_tokens(&flow).await;
        // The cache holds the client now (it authenticated at /token).
        let uri = field(&registered, "registration_client_uri");
        let token = field(&registered, "registration_access_token");
        let (status, _) = manage(reqwest::Method::DELETE, uri, token, None).await;
        assert_eq!(status, 204);
        assert_gone(&app, &registered).await;
        assert!(!crate::helpers::is_active(&app, tokens.access_token.secret()).await);
        let again = manage(reqwest::Method::DELETE, uri, token, None).await;
        assert_refused(&again, (401, "invalid_token"));
        let read = manage(reqwest::Method::GET, uri, token, None).await;
        assert_refused(&read, (401, "invalid_token"));
    }
}

#[actix_rt::test]
async fn of_simultaneous_deletions_or_replacements_with_one_token_one_wins() {
    for app in spawn_apps().await {
        let registered = register(&app, &web_client()).await;
        let uri = field(&registered, "registration_client_uri").to_owned();
        let token = field(&registered, "registration_access_token").to_owned();
        let document = replacement(&registered, &json!({}));
        let answers = simultaneously(8, || {
            let (uri, token, document) = (uri.clone(), token.clone(), document.clone());
            async move { manage(reqwest::Method::PUT, &uri, &token, Some(&document)).await }
        })
        .await;
        let winners: Vec<&Value> = answers
            .iter()
            .filter(|(status, _)| *status == 200)
            .map(|(_, body)| body)
            .collect();
        assert_eq!(winners.len(), 1, "{answers:?}");
        assert!(answers
            .iter()
            .all(|(status, _)| [200, 401].contains(status)));
        let rotated = field(winners[0], "registration_access_token").to_owned();

        let answers = simultaneously(8, || {
            let (uri, token) = (uri.clone(), rotated.clone());
            async move { manage(reqwest::Method::DELETE, &uri, &token, None).await }
        })
        .await;
        let deleted = answers.iter().filter(|(status, _)| *status == 204).count();
        assert_eq!(deleted, 1, "{answers:?}");
        assert!(answers
            .iter()
            .all(|(status, _)| [204, 401].contains(status)));
        assert_gone(&app, &registered).await;
    }
}
