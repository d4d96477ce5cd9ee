//! The back-channel client verifies its peer: a certificate from the
//! `--ca-cert` authority is accepted, the same server is refused without
//! it, and there is nothing in between.

use std::time::Duration;

use actix_web::{web, App, HttpResponse};
use service_kit::back_channel;
use service_kit::server::{serve, Listener};
use service_kit::testing::pki::TestPki;
use service_kit::ServeArgs;

/// An HTTPS server on 127.0.0.1 with a certificate of `pki`; its URL.
fn https_server(pki: &TestPki) -> String {
    let args = ServeArgs {
        tls_cert: Some(pki.cert_path.clone()),
        tls_key: Some(pki.key_path.clone()),
        ..ServeArgs::for_test("sqlite::memory:")
    };
    let listener = Listener::bind(&args).unwrap();
    let (url, _handle) = serve(listener, || {
        App::new().route(
            "/hello",
            web::get().to(|| async { HttpResponse::Ok().body("hello") }),
        )
    })
    .unwrap()
    .spawn();
    url
}

const WAIT: Duration = Duration::from_secs(5);

#[actix_rt::test]
async fn a_back_channel_with_the_ca_reaches_a_server_it_signed() {
    let pki = TestPki::generate();
    let url = https_server(&pki);
    let client = back_channel::client(Some(&pki.ca_path), WAIT, WAIT).unwrap();
    let answer = client.get(format!("{url}/hello")).send().await.unwrap();
    assert_eq!(answer.text().await.unwrap(), "hello");
}

#[actix_rt::test]
async fn a_back_channel_without_the_ca_refuses_the_same_server() {
    let pki = TestPki::generate();
    let url = https_server(&pki);
    let client = back_channel::client(None, WAIT, WAIT).unwrap();
    let refused = client.get(format!("{url}/hello")).send().await;
    assert!(refused.is_err(), "an unknown authority is never accepted");
}

#[actix_rt::test]
async fn a_back_channel_trusting_another_ca_refuses_the_server() {
    let pki = TestPki::generate();
    let url = https_server(&pki);
    let other = TestPki::generate();
    let client = back_channel::client(Some(&other.ca_path), WAIT, WAIT).unwrap();
    assert!(client.get(format!("{url}/hello")).send().await.is_err());
}

#[actix_rt::test]
async fn a_back_channel_does_not_follow_redirects() {
    let pki = TestPki::generate();
    let args = ServeArgs::for_test("sqlite::memory:");
    let listener = Listener::bind(&args).unwrap();
    let (url, _handle) = serve(listener, || {
        App::new().route(
            "/moved",
            web::get().to(|| async {
                HttpResponse::TemporaryRedirect()
                    .insert_header(("location", "http://127.0.0.1:9/elsewhere"))
                    .finish()
            }),
        )
    })
    .unwrap()
    .spawn();
    let client = back_channel::client(Some(&pki.ca_path), WAIT, WAIT).unwrap();
    let answer = client.get(format!("{url}/moved")).send().await.unwrap();
    assert_eq!(answer.status(), 307);
}
