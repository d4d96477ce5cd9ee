//! The whole flow against the REAL authorization server and protected
//! resource, started in-process as the end-to-end tests start them
//! ([`end_to_end::Ecosystem`]), except that the client is registered
//! without a default resource: it must name its resource (RFC 8707). One
//! cookie-keeping browser (redirects not followed) visits all three, like
//! a real one; every hop is checked.

use std::collections::HashMap;

use end_to_end::ecosystem::{RESOURCE_CLIENT_ID, RESOURCE_CLIENT_SECRET};
use end_to_end::{AtConsent, Ecosystem, Options, UserAgent};
use service_kit::Database;

/// The three roles and hamza's browser.
struct Eco {
    roles: Ecosystem,
    hamza: UserAgent,
    client_database: Database,
}

async fn spawn_ecosystem(client_database_url: String) -> Eco {
    spawn_ecosystem_with(client_database_url, false).await
}

/// `discover_issuer`: `--issuer auto`, through the resource's RFC 9728
/// metadata; otherwise `--issuer <the server's URL>`.
async fn spawn_ecosystem_with(client_database_url: String, discover_issuer: bool) -> Eco {
    let sqlite = service_kit::testing::sqlite_url;
    start(Options {
        discover_issuer,
        default_resource: false,
        ..Options::on([sqlite(), sqlite(), client_database_url])
    })
    .await
}

async fn start(options: Options) -> Eco {
    let client_database_url = options.databases[2].clone();
    let roles = Ecosystem::start(options).await;
    Eco {
        hamza: roles.user_agent("hamza", "hamza-password"),
        roles,
        client_database: Database::connect(&client_database_url).await.unwrap(),
    }
}

impl Eco {
    /// GETs `url`, or a path on the client.
    async fn get(&self, url: &str) -> reqwest::Response {
        if url.starts_with('/') {
            self.hamza
                .get(&format!("{}{url}", self.roles.client_url))
                .await
        } else {
            self.hamza.get(url).await
        }
    }

    /// The client's "behind the scenes" page for Hamza's session.
    async fn behind_the_scenes(&self) -> String {
        self.get("/behind-the-scenes").await.text().await.unwrap()
    }

    /// From `start` (a client path), follows every hop through login and
    /// consent until the authorization server sends the browser back to the
    /// client's callback; returns that callback URL.
    async fn authorize(&self, start: &str, decision: AtConsent<'_>) -> url::Url {
        let client = &self.roles.client_url;
        let callback = self.hamza.walk_to_callback(client, start, decision).await;
        url::Url::parse(&callback).unwrap()
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
        let home = format!("{}/", self.roles.client_url);
        self.hamza.submit(&home, path, fields).await
    }

    async fn stored_access_token(&self) -> Option<String> {
        sqlx::query_scalar::<_, String>("SELECT access_token FROM connections")
            .fetch_optional(self.client_database.pool())
            .await
            .unwrap()
    }

    async fn introspect(&self, token: &str) -> serde_json::Value {
        reqwest::Client::new()
            .post(format!(
                "{}/introspect",
                self.roles.authorization_server.url
            ))
            .basic_auth(RESOURCE_CLIENT_ID, Some(RESOURCE_CLIENT_SECRET))
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
        let trace = eco.behind_the_scenes().await;
        for step in [
            "RFC 8414",
            "RFC 6749 §4.1.1",
            "RFC 6749 §4.1.2",
            "RFC 6749 §4.1.3",
            // The real server offers DPoP: the token is bound to the
            // client's key and presented with proofs.
            "RFC 9449 §5",
            "RFC 9449 §7.1",
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
    // The server's clock jumps an hour: a DPoP proof, whose `iat` must be
    // within a minute of that clock, would be refused for it (RFC 9449
    // §4.3 item 11), so this connection uses Bearer tokens. The same path
    // with DPoP: `dpop::a_bound_token_the_resource_refuses_is_refreshed_with_a_proof_and_the_call_retried`.
    let sqlite = service_kit::testing::sqlite_url;
    let eco = start(Options {
        default_resource: false,
        ..Options::on([sqlite(), sqlite(), sqlite()]).without_dpop()
    })
    .await;
    eco.connect("/connect", "profile post").await;
    let before = eco.stored_access_token().await.unwrap();
    eco.roles.authorization_server.advance_clock(3600);

    let home = eco.act("/post", &[("message", "after the break")]).await;

    assert!(home.contains("Posted to Facebook"), "{home}");
    let after = eco.stored_access_token().await.unwrap();
    assert_ne!(before, after, "a new access token");
    let trace = eco.behind_the_scenes().await;
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
    let eco = spawn_ecosystem_with(service_kit::testing::sqlite_url(), true).await;

    eco.connect("/connect", "profile post").await;
    let home = eco
        .act("/post", &[("message", "Found you through RFC 9728")])
        .await;

    assert!(home.contains("Posted to Facebook"), "{home}");
    let trace = eco.behind_the_scenes().await;
    let in_order = [
        "Call the API without a token",
        "RFC 9728 §5.1",
        "/api/me",
        "401 Unauthorized",
        "resource_metadata=",
        "Read the resource",
        "RFC 9728 §3, §3.3",
        "/.well-known/oauth-protected-resource",
        &eco.roles.authorization_server.url,
        "Read the authorization server",
        "RFC 8414 §3",
        "RFC 6749 §4.1.1",
        "RFC 6749 §4.1.3",
        "RFC 9449 §7.1",
    ];
    crate::helpers::assert_in_order(&trace, &in_order);
}
