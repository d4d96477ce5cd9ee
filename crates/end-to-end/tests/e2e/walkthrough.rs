//! The recordings of docs/walkthrough.md stay true: each story is lived
//! again through recording proxies, and its shape (who calls whom, with
//! which method, path and status, and which parameters and fields) must be
//! the committed one. `TRACE_WRITE=1` (what `scripts/trace` sets) writes the
//! fresh recordings instead.

use end_to_end::walkthrough::{self, Body, Exchange, Recording};

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

/// Fails when a credential, a JWT as sent or a loopback URL is left in
/// `recording`.
fn assert_no_credential_and_no_port(recording: &[Exchange]) {
    let text = serde_json::to_string(recording).unwrap();
    for secret in [
        "strava-secret",
        "protected-resource-secret-1",
        "hamza-password",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into the recording");
    }
    // Every JWT begins with the base64url of `{"`, its header's first bytes.
    assert!(!text.contains("eyJ"), "a JWT as sent is left: {text}");
    assert!(
        !text.contains("127.0.0.1"),
        "a loopback URL is left: {text}"
    );
}

/// The JSON body of the first exchange at `path`.
fn response_json<'a>(recording: &'a [Exchange], path: &str) -> &'a serde_json::Value {
    let exchange = recording
        .iter()
        .find(|exchange| exchange.path == path)
        .unwrap_or_else(|| panic!("no exchange at {path}"));
    let Body::Json { value } = &exchange.response_body else {
        panic!("the answer of {path} is JSON: {exchange:?}");
    };
    value
}

/// The value of the query parameter `name` of the first request to `path`.
fn query_parameter<'a>(recording: &'a [Exchange], path: &str, name: &str) -> &'a str {
    recording
        .iter()
        .find(|exchange| exchange.path == path)
        .and_then(|exchange| exchange.query.iter().find(|(key, _)| key == name))
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("no {name} sent to {path}"))
}

#[actix_rt::test]
async fn the_recording_shows_no_credential_and_no_port() {
    for recording in Recording::ALL {
        let exchanges = recording.record().await;
        assert_no_credential_and_no_port(&exchanges);
        if recording == Recording::Story {
            let token_response = response_json(&exchanges, "/token");
            assert_eq!(token_response["access_token"], "‹access_token#1›");
            assert_eq!(token_response["refresh_token"], "‹refresh_token#1›");
        }
    }
}

#[actix_rt::test]
async fn the_sign_in_recording_shows_the_id_token_decoded_with_the_placeholders_of_the_request() {
    let recording = walkthrough::record_sign_in().await;

    let id_token = &response_json(&recording, "/token")["id_token"];
    let claims = &id_token["claims"];
    assert_eq!(id_token["compact"], "‹id_token#1›", "{id_token}");
    assert_eq!(id_token["header"]["alg"], "RS256", "{id_token}");
    assert_eq!(claims["iss"], "http://authorization-server", "{id_token}");
    assert_eq!(claims["aud"], "strava", "{id_token}");
    assert_eq!(claims["sub"], "‹sub#1›", "{id_token}");
    assert_eq!(claims["at_hash"], "‹at_hash#1›", "{id_token}");
    for time in ["exp", "iat", "auth_time"] {
        assert_eq!(claims[time], "‹unix time›", "{time} in {id_token}");
    }
    // One nonce, one placeholder: sent in the request, echoed in the token.
    let nonce = query_parameter(&recording, "/authorize", "nonce");
    assert_eq!(nonce, "‹nonce#1›");
    assert_eq!(claims["nonce"], nonce, "{id_token}");
    // The key that signed it is the one the JWK Set names.
    let keys = response_json(&recording, "/jwks.json")["keys"]
        .as_array()
        .expect("a JWK Set");
    assert!(
        keys.iter()
            .any(|key| key["kid"] == id_token["header"]["kid"]),
        "{id_token} signed by a key of {keys:?}"
    );
    // The hint at logout is that same ID token.
    assert_eq!(
        query_parameter(&recording, "/logout", "id_token_hint"),
        "‹id_token#1›"
    );
}
