//! security.md 30: every role over HTTPS, certificates signed by a test
//! authority made at test time, back channels verifying their peer's
//! certificate against it (`--ca-cert`), and failing closed when they do
//! not trust it.

use std::sync::Arc;

use authorization_server::testing::{Flow, TestAuthorizationServer};
use end_to_end::{Ecosystem, Options, Tls};
use service_kit::testing::pki::TestPki;

#[actix_rt::test]
async fn the_story_holds_with_every_role_over_https_behind_a_test_certificate_authority() {
    let ecosystem = Ecosystem::start(Options::https()).await;
    let authorization_server = &ecosystem.authorization_server.url;
    for url in [
        authorization_server,
        &ecosystem.resource_url,
        &ecosystem.client_url,
    ] {
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    }
    let hamza = ecosystem.user_agent("hamza", "hamza-password");

    // The issuer is https, as published in its metadata.
    let metadata: serde_json::Value = serde_json::from_str(
        &hamza
            .page(&format!(
                "{authorization_server}/.well-known/oauth-authorization-server"
            ))
            .await,
    )
    .unwrap();
    assert_eq!(metadata["issuer"], authorization_server.as_str());

    // Connect (the client fetches the metadata and redeems the code over
    // HTTPS), post through the client (the resource introspects over
    // HTTPS), see it on the wall.
    connect_post_and_see(&ecosystem, "a run, over TLS all the way").await;

    // The roles speak only TLS on those ports: plain HTTP gets no page.
    let plain = authorization_server.replacen("https://", "http://", 1);
    let answer = reqwest::get(format!("{plain}/healthz")).await;
    assert!(
        answer.is_err() || !answer.unwrap().status().is_success(),
        "plain HTTP is not served on the TLS port"
    );
}

/// The shortened story: hamza connects, posts through the client, and
/// the post is on the wall.
async fn connect_post_and_see(ecosystem: &Ecosystem, message: &str) {
    let hamza = ecosystem.user_agent("hamza", "hamza-password");
    ecosystem.connect_for_post_and_post(&hamza, message).await;
    let wall = hamza.page(&format!("{}/", ecosystem.resource_url)).await;
    assert!(wall.contains(message), "{wall}");
}

#[actix_rt::test]
async fn jwt_access_tokens_are_checked_with_keys_fetched_over_https() {
    let ecosystem = Ecosystem::start(Options::https().jwt()).await;
    connect_post_and_see(&ecosystem, "signed, and fetched over TLS").await;
}

#[actix_rt::test]
async fn a_client_finds_its_authorization_server_through_the_resource_over_https() {
    let ecosystem = Ecosystem::start(Options::https().discovering_issuer()).await;
    connect_post_and_see(&ecosystem, "discovered over TLS").await;
}

#[actix_rt::test]
async fn localhost_is_a_name_the_test_certificate_is_valid_for() {
    let ecosystem = Ecosystem::start(Options::https()).await;
    let port = ecosystem.resource_url.rsplit(':').next().unwrap();
    let hamza = ecosystem.user_agent("hamza", "hamza-password");
    let health = hamza
        .get(&format!("https://localhost:{port}/healthz"))
        .await;
    assert_eq!(health.status(), 200);
}

#[actix_rt::test]
async fn back_channels_that_do_not_trust_the_authority_fail_closed() {
    let pki = TestPki::generate();
    let ecosystem = Ecosystem::start(Options {
        tls: Some(Tls {
            pki: pki.clone(),
            back_channels_trust_ca: false,
        }),
        ..Options::sqlite()
    })
    .await;
    let hamza = ecosystem.user_agent("hamza", "hamza-password");

    // The client cannot fetch the authorization server's metadata: it says
    // so on a page, and does not send the browser anywhere.
    let connect = hamza
        .get(&format!("{}/connect", ecosystem.client_url))
        .await;
    assert_eq!(connect.status(), 503);
    assert!(connect.headers().get("location").is_none());
    let page = connect.text().await.unwrap();
    assert!(
        page.contains("The authorization server cannot be reached"),
        "{page}"
    );

    // A token the authorization server vouches for (asked by a caller that
    // trusts the authority)…
    let token = access_token_over_https(&ecosystem.authorization_server, &pki.ca_pem).await;
    let trusting = trusting_client(&pki.ca_pem, false);
    let introspection = trusting
        .post(format!("{}/introspect", ecosystem.authorization_server.url))
        .basic_auth("protected-resource-1", Some("protected-resource-secret-1"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    let introspection: serde_json::Value = introspection.json().await.unwrap();
    assert_eq!(introspection["active"], true, "{introspection}");

    // …is not accepted by a resource that cannot verify who told it so:
    // 503, no challenge, nothing stored.
    let refused = trusting
        .post(format!("{}/api/posts", ecosystem.resource_url))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "message": "must not be stored" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().get("www-authenticate").is_none());
    let wall = hamza.page(&format!("{}/", ecosystem.resource_url)).await;
    assert!(!wall.contains("must not be stored"), "{wall}");
}

/// A reqwest client trusting `ca_pem`; with `cookies`, a browser that does
/// not follow redirects.
fn trusting_client(ca_pem: &str, cookies: bool) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap();
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(ca)
        .redirect(reqwest::redirect::Policy::none());
    if cookies {
        builder = builder.cookie_provider(Arc::new(reqwest::cookie::Jar::default()));
    }
    builder.build().unwrap()
}

/// The demo flow (`strava` for hamza) over HTTPS, redeemed by hand: the
/// harness's own helpers do not trust the test authority.
async fn access_token_over_https(server: &TestAuthorizationServer, ca_pem: &str) -> String {
    let flow = Flow::demo();
    let browser = trusting_client(ca_pem, true);
    let issued = server.obtain_code_with(&browser, &flow).await;
    let response = trusting_client(ca_pem, false)
        .post(format!("{}/token", server.url))
        .basic_auth("strava", Some("strava-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", issued.code.as_str()),
            ("redirect_uri", flow.redirect_uri),
            ("code_verifier", issued.code_verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let tokens: serde_json::Value = response.json().await.unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}
