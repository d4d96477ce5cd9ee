//! `--issuer auto` against the fakes: RFC 9728 §5 step by step, and every
//! way a resource can fail or mislead the client.

use reqwest::header::LOCATION;

use wiremock::MockServer;

use crate::fakes::{ChallengeBehaviour, ResourceDocument};
use crate::helpers::{spawn_app_with, Options, TestApp};

async fn spawn_auto(arrange: impl FnOnce(&mut Options)) -> TestApp {
    let mut options = Options::new(service_kit::testing::sqlite_url());
    options.issuer_auto = true;
    arrange(&mut options);
    spawn_app_with(options).await
}

/// `/connect` refused with a page; returns it after checking the browser
/// was sent nowhere and the client is still healthy.
async fn refused_connect(app: &TestApp) -> String {
    let response = app.get("/connect").await;
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().get(LOCATION).is_none());
    let page = response.text().await.unwrap();
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    assert_eq!(app.get("/").await.status().as_u16(), 200);
    page
}

#[actix_rt::test]
async fn issuer_auto_calls_the_api_without_a_token_then_reads_the_metadata_the_401_names() {
    let app = spawn_auto(|_| {}).await;

    let redirect = app.connect().await;

    assert!(redirect
        .location
        .as_str()
        .starts_with(&format!("{}/authorize", app.issuer)));
    let world = app.world();
    let probe = &world.resource_calls[0];
    assert_eq!(probe.path, "/api/me");
    assert_eq!(probe.authorization, None, "the first call carries no token");
    assert_eq!(
        world.resource_metadata_requests,
        ["/metadata/facebook"],
        "the URL of the 401's resource_metadata, not the well-known one"
    );
    assert_eq!(world.metadata_requests, 1);
}

#[actix_rt::test]
async fn behind_the_scenes_lists_the_discovery_steps_before_the_authorization_request() {
    let app = spawn_auto(|_| {}).await;
    app.connect().await;

    app.assert_behind_the_scenes_in_order(&[
        "Call the API without a token",
        "RFC 9728 §5.1",
        "401 Unauthorized",
        "resource_metadata=",
        "Read the resource",
        "RFC 9728 §3, §3.3",
        "/metadata/facebook",
        "Read the authorization server",
        "RFC 8414 §3",
        "Send the browser to the authorization endpoint",
    ])
    .await;
}

#[actix_rt::test]
async fn a_401_without_resource_metadata_falls_back_to_the_well_known_url() {
    let app = spawn_auto(|_| {}).await;
    app.world().challenge = ChallengeBehaviour::NoResourceMetadata;

    let redirect = app.connect().await;

    assert!(redirect
        .location
        .as_str()
        .starts_with(&format!("{}/authorize", app.issuer)));
    assert_eq!(
        app.world().resource_metadata_requests,
        ["/.well-known/oauth-protected-resource"]
    );
    app.assert_behind_the_scenes_shows(&["the RFC 9728 §3.1 well-known URL"])
        .await;
}

#[actix_rt::test]
async fn a_document_that_describes_another_resource_is_refused_and_nothing_in_it_is_trusted() {
    let app = spawn_auto(|_| {}).await;
    app.world().resource_document = ResourceDocument::NamesResource("http://localhost:9002".into());

    let page = refused_connect(&app).await;

    assert!(
        page.contains("metadata describes another resource"),
        "{page}"
    );
    assert!(page.contains("nothing in it was trusted"), "{page}");
    assert!(page.contains("http://localhost:9002"), "{page}");
    assert_eq!(
        app.world().metadata_requests,
        0,
        "the authorization server it names was never asked"
    );
    let trace = app.behind_the_scenes().await;
    assert!(!trace.contains("Send the browser"), "{trace}");
}

#[actix_rt::test]
async fn a_resource_metadata_url_on_another_origin_is_refused_without_being_fetched() {
    let app = spawn_auto(|_| {}).await;
    let decoy = format!("{}/.well-known/oauth-protected-resource", app.as_url);
    app.world().challenge = ChallengeBehaviour::PointsTo(decoy.clone());

    let page = refused_connect(&app).await;

    assert!(
        page.contains("Facebook pointed Strava to another site"),
        "{page}"
    );
    assert!(page.contains(&decoy), "{page}");
    let world = app.world();
    assert_eq!(world.decoy_requests, 0, "the other origin was never called");
    assert!(world.resource_metadata_requests.is_empty());
    assert_eq!(world.metadata_requests, 0);
}

#[actix_rt::test]
async fn a_redirect_from_the_resource_metadata_is_not_followed() {
    let app = spawn_auto(|_| {}).await;
    let decoy = format!("{}/.well-known/oauth-protected-resource", app.as_url);
    app.world().resource_document = ResourceDocument::RedirectTo(decoy);

    let page = refused_connect(&app).await;

    assert!(page.contains("answered HTTP 302"), "{page}");
    assert_eq!(app.world().decoy_requests, 0);
    assert_eq!(app.world().metadata_requests, 0);
}

#[actix_rt::test]
async fn garbage_an_oversized_or_an_empty_document_gets_a_clear_page() {
    for (document, said) in [
        (
            ResourceDocument::Garbage,
            "did not answer a valid JSON document",
        ),
        (ResourceDocument::Huge, "answered more than 65536 bytes"),
        (
            ResourceDocument::AuthorizationServers(Vec::new()),
            "names no authorization server",
        ),
    ] {
        let app = spawn_auto(|_| {}).await;
        app.world().resource_document = document;

        let page = refused_connect(&app).await;

        assert!(page.contains("Strava cannot find Facebook"), "{page}");
        assert!(page.contains(said), "{said}: {page}");
        assert_eq!(app.world().metadata_requests, 0);
    }
}

#[actix_rt::test]
async fn an_unreachable_resource_is_said_clearly_while_the_client_stays_healthy() {
    let app = spawn_auto(|options| options.resource_down = true).await;

    let page = refused_connect(&app).await;

    assert!(
        page.contains("the protected resource cannot be reached at http://127.0.0.1:9/api/me"),
        "{page}"
    );
}

/// A second fake authorization server, with its own world: what a hostile
/// resource would like the client to use. Returns its URL, world and
/// mock server (which stops when dropped).
async fn hostile_authorization_server() -> (String, crate::fakes::SharedWorld, MockServer) {
    let world: crate::fakes::SharedWorld = std::sync::Arc::default();
    let server = crate::fakes::spawn_authorization_server(world.clone()).await;
    let url = server.uri();
    world.lock().unwrap().issuer = url.clone();
    (url, world, server)
}

#[actix_rt::test]
async fn a_resource_naming_an_untrusted_authorization_server_is_refused_and_nothing_is_sent_there()
{
    let (hostile, hostile_world, _hostile_server) = hostile_authorization_server().await;
    for named in [hostile.as_str(), "javascript:alert(1)"] {
        let app = spawn_auto(|_| {}).await;
        app.world().resource_document = ResourceDocument::AuthorizationServers(vec![named.into()]);

        let response = app.get("/connect").await;

        assert_eq!(response.status().as_u16(), 502);
        assert!(response.headers().get(LOCATION).is_none());
        let page = response.text().await.unwrap();
        assert!(page.contains("does not trust"), "{page}");
        assert!(page.contains(named), "the page names the server: {page}");
        assert!(page.contains("--trusted-issuer"), "{page}");
        assert_eq!(app.world().metadata_requests, 0);
        assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    }
    let seen = hostile_world.lock().unwrap();
    assert_eq!(seen.metadata_requests, 0, "its metadata was fetched");
    assert!(seen.token_requests.is_empty(), "credentials were sent");
}

#[actix_rt::test]
async fn of_the_servers_a_resource_names_the_first_trusted_one_is_used() {
    let (hostile, hostile_world, _hostile_server) = hostile_authorization_server().await;
    for trusted_first in [true, false] {
        let app = spawn_auto(|_| {}).await;
        let issuer = app.issuer.clone();
        app.world().resource_document = ResourceDocument::AuthorizationServers(if trusted_first {
            vec![issuer.clone(), "http://127.0.0.1:9".into()]
        } else {
            vec![hostile.clone(), issuer.clone()]
        });

        let redirect = app.connect().await;

        assert!(redirect
            .location
            .as_str()
            .starts_with(&format!("{issuer}/authorize")));
        assert_eq!(app.connect_fully().await.status().as_u16(), 303);
    }
    let seen = hostile_world.lock().unwrap();
    assert_eq!(seen.metadata_requests, 0);
    assert!(seen.token_requests.is_empty());
}

#[actix_rt::test]
async fn the_configured_trusted_issuer_is_the_only_one_trusted() {
    // The honest document names the fake server, but the client trusts
    // only another one: a resource is never an authority on that.
    let app = spawn_auto(|options| {
        options.trusted_issuer = Some("https://as.example".to_owned());
    })
    .await;

    let response = app.get("/connect").await;

    assert_eq!(response.status().as_u16(), 502);
    assert_eq!(app.world().metadata_requests, 0);
    assert!(app.world().token_requests.is_empty());
}
