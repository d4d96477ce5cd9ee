//! The whole flow against the REAL authorization server and protected
//! resource, started in-process. One cookie-keeping browser (redirects not
//! followed) visits all three, like a real one; every hop is checked.

use std::collections::HashMap;
use std::sync::Arc;

use authorization_server::testing::{
    self as as_testing, ClientKind, NewClient, TestAuthorizationServer,
};
use clap::Parser;
use client::config::Config;
use oauth_types::ScopeSet;
use reqwest::cookie::Jar;
use service_kit::server::Listener;
use service_kit::{Database, ServeArgs};

use crate::helpers::browser;

const CLIENT_ID: &str = "strava-under-test";
const CLIENT_SECRET: &str = "strava-under-test-secret";
/// The resource's credentials at the authorization server (`/introspect`).
const RESOURCE_CLIENT_ID: &str = "facebook-under-test";
const RESOURCE_SECRET: &str = "facebook-under-test-secret";

struct Ecosystem {
    client_url: String,
    browser: reqwest::Client,
    authorization_server: TestAuthorizationServer,
    client_database: Database,
}

async fn spawn_ecosystem(client_database_url: String) -> Ecosystem {
    spawn_ecosystem_with(client_database_url, Issuer::Configured).await
}

/// How the client learns its authorization server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Issuer {
    /// `--issuer <the server's URL>`.
    Configured,
    /// `--issuer auto`: through the resource's RFC 9728 metadata.
    Auto,
}

async fn spawn_ecosystem_with(client_database_url: String, issuer: Issuer) -> Ecosystem {
    let authorization_server = as_testing::spawn(&service_kit::testing::sqlite_url()).await;
    let resource_url = spawn_resource_named_by_its_url(&authorization_server).await;

    let listener = Listener::bind(&ServeArgs::for_test(client_database_url.clone())).unwrap();
    let client_url = listener.url().unwrap();
    authorization_server
        .register_client(NewClient {
            client_id: CLIENT_ID.to_owned(),
            kind: ClientKind::Confidential,
            secret: Some(CLIENT_SECRET.to_owned()),
            redirect_uris: vec![format!("{client_url}/callback")],
            scopes: ScopeSet::parse("profile post personal-message").unwrap(),
            grant_types: vec![
                oauth_types::GrantType::AuthorizationCode,
                oauth_types::GrantType::RefreshToken,
            ],
            resource_id: None,
            // No default: the client must name its resource (RFC 8707).
            default_resource: None,
        })
        .await;
    let config = Config {
        serve: ServeArgs::for_test(client_database_url.clone()),
        issuer: match issuer {
            Issuer::Configured => authorization_server.url.clone(),
            Issuer::Auto => "auto".to_owned(),
        },
        trusted_issuer: vec![authorization_server.url.clone()],
        issuer_internal_url: None,
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        redirect_uri: format!("{client_url}/callback"),
        resource_url,
        resource_internal_url: None,
        scope: "profile post".to_owned(),
        ca_cert: None,
        clock: Default::default(),
    };
    let _ = client::build_on(config, listener).await.unwrap().spawn();
    Ecosystem {
        client_url,
        browser: browser(Arc::new(Jar::default())),
        authorization_server,
        client_database: Database::connect(&client_database_url).await.unwrap(),
    }
}

/// The real resource with `--resource-id` its own URL, registered at the
/// authorization server under that identifier (so tokens name it in `aud`,
/// and its RFC 9728 document describes the API the client calls, §3.3),
/// with its introspection cache off so a revoked or expired token is
/// refused at once.
async fn spawn_resource_named_by_its_url(authorization_server: &TestAuthorizationServer) -> String {
    let database_url = service_kit::testing::sqlite_url();
    let listener = Listener::bind(&ServeArgs::for_test(database_url.clone())).unwrap();
    let resource_id = listener.url().unwrap();
    authorization_server
        .register_protected_resource(RESOURCE_CLIENT_ID, RESOURCE_SECRET, &resource_id)
        .await;
    let introspection_url = format!("{}/introspect", authorization_server.url);
    let config = protected_resource::Config::parse_from([
        "protected-resource",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &database_url,
        "--introspection-url",
        &introspection_url,
        "--issuer",
        &authorization_server.url,
        "--introspection-cache-ttl",
        "0",
        "--resource-id",
        &resource_id,
        "--client-id",
        RESOURCE_CLIENT_ID,
        "--client-secret",
        RESOURCE_SECRET,
    ]);
    let (url, _handle) = protected_resource::build_on(config, listener)
        .await
        .unwrap()
        .spawn();
    assert_eq!(url, resource_id);
    url
}

/// What the user does at the authorization server.
enum AtConsent<'a> {
    Approve(&'a str),
    Deny,
}

impl Ecosystem {
    async fn get(&self, url: &str) -> reqwest::Response {
        let url = if url.starts_with('/') {
            format!("{}{url}", self.client_url)
        } else {
            url.to_owned()
        };
        self.browser.get(url).send().await.unwrap()
    }

    fn absolute(&self, location: &str) -> String {
        if location.starts_with('/') {
            format!("{}{location}", self.authorization_server.url)
        } else {
            location.to_owned()
        }
    }

    /// From `start` (a client URL), follows every hop by hand through login
    /// and consent until the authorization server sends the browser back
    /// to the client's callback; returns that callback URL.
    async fn authorize(&self, start: &str, decision: AtConsent<'_>) -> url::Url {
        let mut response = self.get(start).await;
        assert_eq!(response.status().as_u16(), 303, "/connect redirects");
        for _ in 0..10 {
            if let Some(location) = as_testing::location(&response) {
                if location.starts_with(&format!("{}/callback", self.client_url)) {
                    return url::Url::parse(&location).unwrap();
                }
                response = self.get(&self.absolute(&location)).await;
                continue;
            }
            let page = response.text().await.unwrap();
            response = if page.contains("name=\"password\"") {
                self.log_in(&page).await
            } else if page.contains("name=\"decision\"") {
                self.consent(&page, &decision).await
            } else {
                panic!("neither login nor consent: {page}");
            };
        }
        panic!("never came back to the client");
    }

    async fn log_in(&self, page: &str) -> reqwest::Response {
        let mut form = vec![
            ("username", "hamza".to_owned()),
            ("password", "hamza-password".to_owned()),
            (
                "csrf_token",
                as_testing::hidden_input(page, "csrf_token").unwrap(),
            ),
        ];
        if let Some(request) = as_testing::hidden_input(page, "request") {
            form.push(("request", request));
        }
        let url = format!("{}/login", self.authorization_server.url);
        let response = self.browser.post(url).form(&form).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 303, "login");
        response
    }

    async fn consent(&self, page: &str, decision: &AtConsent<'_>) -> reqwest::Response {
        let mut form = vec![
            (
                "csrf_token",
                as_testing::hidden_input(page, "csrf_token").unwrap(),
            ),
            (
                "request",
                as_testing::hidden_input(page, "request").unwrap(),
            ),
        ];
        match decision {
            AtConsent::Approve(scopes) => {
                form.push(("decision", "approve".to_owned()));
                form.extend(scopes.split(' ').map(|s| ("scope", s.to_owned())));
            }
            AtConsent::Deny => form.push(("decision", "deny".to_owned())),
        }
        let url = format!("{}/consent", self.authorization_server.url);
        self.browser.post(url).form(&form).send().await.unwrap()
    }

    /// Connects with `scopes` approved; asserts the client accepted it.
    async fn connect(&self, start: &str, scopes: &str) {
        let callback = self.authorize(start, AtConsent::Approve(scopes)).await;
        let response = self.get(callback.as_str()).await;
        assert_eq!(
            response.status().as_u16(),
            303,
            "{}",
            response.text().await.unwrap()
        );
    }

    async fn home(&self) -> String {
        self.get("/").await.text().await.unwrap()
    }

    /// Posts one of the home page's forms with its CSRF token; returns the
    /// page the 303 leads to.
    async fn act(&self, path: &str, fields: &[(&str, &str)]) -> String {
        let home = self.home().await;
        let csrf = as_testing::hidden_input(&home, "csrf_token").unwrap();
        let mut form = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        let response = self
            .browser
            .post(format!("{}{path}", self.client_url))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303);
        self.home().await
    }

    async fn stored_access_token(&self) -> Option<String> {
        sqlx::query_scalar::<_, String>("SELECT access_token FROM connections")
            .fetch_optional(self.client_database.pool())
            .await
            .unwrap()
    }

    async fn introspect(&self, token: &str) -> serde_json::Value {
        reqwest::Client::new()
            .post(format!("{}/introspect", self.authorization_server.url))
            .basic_auth(RESOURCE_CLIENT_ID, Some(RESOURCE_SECRET))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[actix_rt::test]
async fn connect_consent_callback_then_a_posted_message_shows_its_outcome() {
    for database_url in service_kit::testing::test_database_urls().await {
        let eco = spawn_ecosystem(database_url).await;

        eco.connect("/connect", "profile post").await;
        let home = eco.home().await;
        assert!(home.contains("name=\"message\""), "{home}");

        let home = eco
            .act("/post", &[("message", "First run with Strava!")])
            .await;

        assert!(home.contains("Posted to Facebook"), "{home}");
        assert!(home.contains("First run with Strava!"));
        let trace = eco.get("/behind-the-scenes").await.text().await.unwrap();
        for step in [
            "RFC 8414",
            "RFC 6749 §4.1.1",
            "RFC 6749 §4.1.2",
            "RFC 6749 §4.1.3",
            "RFC 6750 §2.1",
        ] {
            assert!(trace.contains(step), "{step} missing from the trace");
        }
        let token = eco.stored_access_token().await.unwrap();
        assert!(!trace.contains(&token) && !home.contains(&token));
    }
}

#[actix_rt::test]
async fn refusing_at_consent_shows_access_denied_and_stores_nothing() {
    let eco = spawn_ecosystem(service_kit::testing::sqlite_url()).await;

    let callback = eco.authorize("/connect", AtConsent::Deny).await;
    let params: HashMap<_, _> = callback.query_pairs().into_owned().collect();
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("access_denied")
    );
    let response = eco.get(callback.as_str()).await;

    assert_eq!(response.status().as_u16(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("You did not connect Facebook"), "{page}");
    assert_eq!(eco.stored_access_token().await, None);
}

#[actix_rt::test]
async fn a_narrowed_consent_is_kept_and_the_resource_refuses_what_was_not_granted() {
    let eco = spawn_ecosystem(service_kit::testing::sqlite_url()).await;

    eco.connect("/connect", "profile").await;
    let home = eco.home().await;
    assert!(home.contains("You did not allow: post"), "{home}");
    let home = eco.act("/post", &[("message", "not allowed")]).await;

    assert!(home.contains("insufficient_scope"), "{home}");
    assert!(home.contains("/connect?scope=post"));
}

#[actix_rt::test]
async fn a_callback_with_a_forged_state_is_refused_and_the_code_is_not_redeemed() {
    let eco = spawn_ecosystem(service_kit::testing::sqlite_url()).await;
    let mut callback = eco
        .authorize("/connect", AtConsent::Approve("profile post"))
        .await;
    let params: Vec<(String, String)> = callback
        .query_pairs()
        .into_owned()
        .map(|(name, value)| {
            if name == "state" {
                (
                    name,
                    "forged-state-forged-state-forged-state-xyz".to_owned(),
                )
            } else {
                (name, value)
            }
        })
        .collect();
    callback.query_pairs_mut().clear().extend_pairs(params);

    let response = eco.get(callback.as_str()).await;

    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(eco.stored_access_token().await, None);
}

#[actix_rt::test]
async fn an_access_token_the_server_expired_is_refreshed_and_the_call_retried() {
    let eco = spawn_ecosystem(service_kit::testing::sqlite_url()).await;
    eco.connect("/connect", "profile post").await;
    let before = eco.stored_access_token().await.unwrap();
    eco.authorization_server.advance_clock(3600);

    let home = eco.act("/post", &[("message", "after the break")]).await;

    assert!(home.contains("Posted to Facebook"), "{home}");
    let after = eco.stored_access_token().await.unwrap();
    assert_ne!(before, after, "a new access token");
    let trace = eco.get("/behind-the-scenes").await.text().await.unwrap();
    assert!(trace.contains("Refresh the access token"));
}

#[actix_rt::test]
async fn insufficient_scope_then_reconnecting_with_personal_message_lets_the_message_through() {
    let eco = spawn_ecosystem(service_kit::testing::sqlite_url()).await;
    eco.connect("/connect", "profile post").await;
    // The resource knows a user once they have used it: hamza posts first.
    eco.act("/post", &[("message", "hello")]).await;

    let home = eco
        .act("/message", &[("to", "hamza"), ("text", "Race on Sunday?")])
        .await;
    assert!(home.contains("insufficient_scope"), "{home}");
    assert!(home.contains("/connect?scope=personal-message"));

    eco.connect(
        "/connect?scope=personal-message",
        "profile post personal-message",
    )
    .await;
    let home = eco
        .act("/message", &[("to", "hamza"), ("text", "Race on Sunday?")])
        .await;

    assert!(home.contains("Message sent"), "{home}");
}

#[actix_rt::test]
async fn disconnect_revokes_the_tokens_at_the_real_server() {
    let eco = spawn_ecosystem(service_kit::testing::sqlite_url()).await;
    eco.connect("/connect", "profile post").await;
    let token = eco.stored_access_token().await.unwrap();
    assert_eq!(eco.introspect(&token).await["active"], true);

    let home = eco.act("/disconnect", &[]).await;

    assert!(home.contains("Facebook is disconnected"), "{home}");
    assert_eq!(
        eco.introspect(&token).await,
        serde_json::json!({"active": false})
    );
    assert_eq!(eco.stored_access_token().await, None);
}

#[actix_rt::test]
async fn a_client_that_knows_only_the_api_finds_the_real_authorization_server_and_posts() {
    let eco = spawn_ecosystem_with(service_kit::testing::sqlite_url(), Issuer::Auto).await;

    eco.connect("/connect", "profile post").await;
    let home = eco
        .act("/post", &[("message", "Found you through RFC 9728")])
        .await;

    assert!(home.contains("Posted to Facebook"), "{home}");
    let trace = eco.get("/behind-the-scenes").await.text().await.unwrap();
    let in_order = [
        "Call the API without a token",
        "RFC 9728 §5.1",
        "/api/me",
        "401 Unauthorized",
        "resource_metadata=",
        "Read the resource",
        "RFC 9728 §3, §3.3",
        "/.well-known/oauth-protected-resource",
        &eco.authorization_server.url,
        "Read the authorization server",
        "RFC 8414 §3",
        "RFC 6749 §4.1.1",
        "RFC 6749 §4.1.3",
        "RFC 6750 §2.1",
    ];
    let mut from = 0;
    for expected in in_order {
        let found = trace[from..]
            .find(expected)
            .unwrap_or_else(|| panic!("{expected} missing or out of order in {trace}"));
        from += found + expected.len();
    }
}
