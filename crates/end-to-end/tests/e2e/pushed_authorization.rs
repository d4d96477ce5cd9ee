//! Pushed authorization requests (RFC 9126) across the three real roles,
//! on every backend: a client registered with `--require-par` connects and
//! posts, its requests pushed first; the same client started with
//! `--no-par` is refused by the authorization server and connects nothing.

use end_to_end::user_agent::AtConsent;
use end_to_end::{Ecosystem, Options};

#[actix_rt::test]
async fn a_client_that_must_push_connects_and_posts_through_pushed_requests_on_every_backend() {
    for options in Options::every_backend().await {
        let ecosystem = Ecosystem::start(options.requiring_par()).await;
        let hamza = ecosystem.user_agent("hamza", "hamza-password");

        let posted = ecosystem
            .connect_for_post_and_post(&hamza, "a run pushed first")
            .await;

        assert!(posted.contains("Posted to Facebook"), "{posted}");
        let trace = hamza
            .page(&format!("{}/behind-the-scenes", ecosystem.client_url))
            .await;
        for shown in [
            "Push the authorization request",
            "RFC 9126 §2",
            "HTTP 201",
            "RFC 9126 §4",
            "request_uri=",
        ] {
            assert!(trace.contains(shown), "{shown} missing from {trace}");
        }
    }
}

#[actix_rt::test]
async fn a_client_that_must_push_but_does_not_is_refused_and_connects_nothing() {
    let options = Options::sqlite().requiring_par().without_par();
    let ecosystem = Ecosystem::start(options).await;
    let hamza = ecosystem.user_agent("hamza", "hamza-password");

    let page = hamza
        .connect(
            &ecosystem.client_url,
            "/connect",
            AtConsent::Approve("post"),
        )
        .await;

    assert!(page.contains("invalid_request"), "{page}");
    assert!(!page.contains("Facebook is connected"), "{page}");
    let home = hamza.page(&ecosystem.client_url).await;
    assert!(home.contains("Connect Facebook"), "{home}");
}
