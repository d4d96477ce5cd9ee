//! The recordings of docs/walkthrough.md stay true: each story is lived
//! again through recording proxies, and its shape (who calls whom, with
//! which method, path and status, and which parameters and fields) must be
//! the committed one. `TRACE_WRITE=1` (what `scripts/trace` sets) writes the
//! fresh recordings instead.

use end_to_end::walkthrough::{self, Body, Recording};

#[actix_rt::test]
async fn the_committed_walkthrough_recording_matches_the_story_the_roles_tell_today() {
    let dir = walkthrough::recording_dir();
    for recording in Recording::ALL {
        let fresh = recording.record().await;
        if std::env::var_os("TRACE_WRITE").is_some() {
            walkthrough::write(&dir, recording, &fresh);
            println!(
                "wrote {} exchanges to docs/walkthrough/{}.md",
                fresh.len(),
                recording.name()
            );
            continue;
        }
        let committed = walkthrough::read(&dir, recording).unwrap_or_else(|| {
            panic!(
                "docs/walkthrough/{}.json is missing or unreadable: run scripts/trace",
                recording.name()
            )
        });
        if let Some(difference) = walkthrough::shape_difference(&committed, &fresh) {
            panic!(
                "docs/walkthrough/{}.json no longer matches what the roles say.\n{difference}\n\
                 Run scripts/trace to record the story again, then update docs/walkthrough.md \
                 if its steps moved.",
                recording.name()
            );
        }
    }
}

#[actix_rt::test]
async fn the_recording_shows_no_credential_and_no_port() {
    let recording = walkthrough::record().await;
    let text = serde_json::to_string(&recording).unwrap();
    for secret in [
        "strava-secret",
        "protected-resource-secret-1",
        "hamza-password",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into the recording");
    }
    assert!(
        !text.contains("127.0.0.1"),
        "a loopback URL is left: {text}"
    );
    let token_response = recording
        .iter()
        .find(|exchange| exchange.path == "/token")
        .expect("a token request");
    let Body::Json { value } = &token_response.response_body else {
        panic!("the token response is JSON: {token_response:?}");
    };
    assert_eq!(value["access_token"], "‹access_token#1›");
    assert_eq!(value["refresh_token"], "‹refresh_token#1›");
}
