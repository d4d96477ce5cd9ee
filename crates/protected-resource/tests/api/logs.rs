//! security.md 23: no token ever reaches a log line, whichever way it came
//! and however the request ended.

use service_kit::testing::binary;

use crate::fake_issuer::{access_token_claims, FakeIssuer, SigningKey};
use crate::helpers::{FakeAnswer, FakeAuthorizationServer};

#[actix_rt::test]
async fn the_binary_never_logs_a_token_even_at_debug_level() {
    let fake = FakeAuthorizationServer::start().await;
    let accepted = fake.issue(AUDIENCE, "sub-alice", "alice", "profile post");
    let unknown = "an-unknown-token-that-must-not-be-logged";

    let logs = logs_of_requests(
        &["--introspection-url", &fake.introspection_url],
        &[&accepted, unknown],
    )
    .await;

    assert!(fake.calls() >= 2, "the tokens were introspected");
    assert!(logs.contains("/api/me"), "requests were logged: {logs}");
    assert!(
        logs.contains("access token accepted") && logs.contains("token_type=\"Bearer\""),
        "the accepted token's kind was logged: {logs}"
    );
    assert!(!logs.contains(&accepted), "a token leaked into the logs");
    assert!(!logs.contains(unknown), "a token leaked into the logs");
}

#[actix_rt::test]
async fn in_jwt_mode_no_token_nor_part_of_one_is_logged() {
    let issuer = FakeIssuer::start().await;
    let key = SigningKey::ed25519("key-1");
    issuer.publish(&[&key]);
    let claims = access_token_claims(&issuer.issuer, AUDIENCE, "alice", "profile post");
    let accepted = key.sign(&claims);
    let stranger = SigningKey::ed25519("key-nobody-published").sign(&claims);
    let forged = SigningKey::ed25519("other")
        .impersonating("key-1")
        .sign(&claims);

    let logs = logs_of_requests(
        &["--validation", "jwt", "--issuer", &issuer.issuer],
        &[&accepted, &stranger, &forged],
    )
    .await;

    assert!(issuer.jwks_fetches() >= 1, "the keys were fetched");
    assert!(logs.contains("/api/me"), "requests were logged: {logs}");
    for token in [&accepted, &stranger, &forged] {
        for part in token.split('.') {
            assert!(!logs.contains(part), "a token part leaked into the logs");
        }
    }
}

#[actix_rt::test]
async fn an_introspection_endpoint_that_answers_an_error_is_logged_as_answering_not_as_away() {
    let fake = FakeAuthorizationServer::start().await;
    fake.answer("refused-by-the-server", FakeAnswer::Status(400));

    let logs = logs_of_requests(
        &["--introspection-url", &fake.introspection_url],
        &["refused-by-the-server"],
    )
    .await;

    assert!(fake.calls() >= 1, "the token was introspected");
    assert!(
        logs.contains("answered status 400"),
        "the status is logged: {logs}"
    );
    assert!(!logs.contains("cannot be reached"), "{logs}");
}

/// The audience the binary accepts by default (`--resource-id`).
const AUDIENCE: &str = "http://localhost:9002";

/// Runs the binary with `args` at debug level, sends each token the three
/// RFC 6750 ways, stops it with SIGTERM, and returns what it logged.
async fn logs_of_requests(args: &[&str], tokens: &[&str]) -> String {
    let database_url = service_kit::testing::sqlite_url();
    let mut all_args = vec!["--addr", "127.0.0.1:0", "--database-url", &database_url];
    all_args.extend_from_slice(args);
    let log = std::path::PathBuf::from(format!(
        "{}.stderr",
        database_url.trim_start_matches("sqlite://")
    ));
    let server = binary::start_logging(
        env!("CARGO_BIN_EXE_protected-resource"),
        &all_args,
        &[("RUST_LOG", "debug")],
        &log,
    );
    let url = server.url.clone();
    let http = reqwest::Client::new();

    for token in tokens {
        let _ = http
            .get(format!("{url}/api/me?access_token={token}"))
            .send()
            .await
            .unwrap();
        let _ = http
            .get(format!("{url}/api/posts"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let _ = http
            .post(format!("{url}/api/posts"))
            .form(&[("access_token", *token), ("message", "hello")])
            .send()
            .await
            .unwrap();
    }

    let (status, logs) = server.terminate_and_read_log();
    assert_eq!(status.code(), Some(0));
    let _ = std::fs::remove_file(&log);
    logs
}
