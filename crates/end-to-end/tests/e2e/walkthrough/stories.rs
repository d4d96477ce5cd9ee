//! The shorter recordings of docs/walkthrough.md ("More stories") show the
//! rule each of them is about: the placeholders and fields the chapter
//! points at are really there.

use end_to_end::walkthrough::{self, Body, Exchange};

use super::{assert_no_credential_and_no_port, header_value, request_header, response_json};

/// The exchanges of `recording` at `path`, in order.
fn at<'a>(recording: &'a [Exchange], path: &str) -> Vec<&'a Exchange> {
    recording
        .iter()
        .filter(|exchange| exchange.path == path)
        .collect()
}

/// The value of the form field `name` of a request.
fn form_field<'a>(exchange: &'a Exchange, name: &str) -> Option<&'a str> {
    let Body::Form { fields } = &exchange.request_body else {
        panic!("a form: {exchange:?}");
    };
    fields
        .iter()
        .find(|(field, _)| field == name)
        .map(|(_, value)| value.as_str())
}

/// The JSON answer of an exchange.
fn json_answer(exchange: &Exchange) -> &serde_json::Value {
    let Body::Json { value } = &exchange.response_body else {
        panic!("a JSON answer: {exchange:?}");
    };
    value
}

/// The value of the query parameter `name` of a request.
fn query<'a>(exchange: &'a Exchange, name: &str) -> Option<&'a str> {
    exchange
        .query
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[actix_rt::test]
async fn the_refused_consent_recording_brings_access_denied_with_state_and_iss_and_no_token_request(
) {
    let recording = walkthrough::record_refused_consent().await;

    let callbacks = at(&recording, "/callback");
    assert_eq!(callbacks.len(), 1);
    let callback = callbacks[0];
    assert_eq!(query(callback, "error"), Some("access_denied"));
    assert_eq!(query(callback, "state"), Some("‹state#1›"));
    assert_eq!(query(callback, "iss"), Some("http://authorization-server"));
    assert_eq!(query(callback, "code"), None);
    assert_eq!(callback.status, 400);
    // The `state` is the one Strava sent to /authorize.
    let authorize = at(&recording, "/authorize");
    assert_eq!(query(authorize[0], "state"), Some("‹state#1›"));
    assert!(at(&recording, "/token").is_empty(), "no token request");
}

#[actix_rt::test]
async fn the_client_credentials_recording_shows_a_token_for_no_person_refused_by_the_resource() {
    let recording = walkthrough::record_client_credentials().await;

    let token = at(&recording, "/token")[0];
    assert_eq!(token.from, "nightly-export");
    assert_eq!(
        form_field(token, "grant_type"),
        Some("client_credentials"),
        "{token:?}"
    );
    assert_eq!(
        request_header(token, "authorization"),
        "Basic base64(nightly-export:‹client_secret#1›)"
    );
    let issued = json_answer(token);
    assert_eq!(issued["access_token"], "‹access_token#1›");
    assert!(issued.get("refresh_token").is_none(), "{issued}");

    let me = at(&recording, "/api/me")[0];
    assert_eq!(me.status, 401);
    assert_eq!(json_answer(me)["error"], "invalid_token");
    let introspection = json_answer(at(&recording, "/introspect")[0]);
    assert_eq!(introspection["active"], true, "{introspection}");
    assert_eq!(introspection["client_id"], "nightly-export");
    assert!(introspection.get("sub").is_none(), "{introspection}");
    assert!(introspection.get("username").is_none(), "{introspection}");
}

#[actix_rt::test]
async fn the_jwt_recording_shows_the_access_token_decoded_and_the_keys_fetched_instead_of_introspection(
) {
    let recording = walkthrough::record_jwt().await;

    let access_token = &response_json(&recording, "/token")["access_token"];
    assert_eq!(access_token["compact"], "‹access_token#1›");
    // RFC 9068 §2.1: the header names the type; §2.2: the claims.
    assert_eq!(access_token["header"]["typ"], "at+jwt", "{access_token}");
    let claims = &access_token["claims"];
    assert_eq!(claims["iss"], "http://authorization-server");
    assert_eq!(claims["aud"], "http://protected-resource");
    assert_eq!(claims["client_id"], "strava");
    assert_eq!(claims["sub"], "‹sub#1›");
    assert!(access_token.get("signature").is_none(), "{access_token}");

    let posts = at(&recording, "/api/posts");
    assert_eq!(posts.len(), 2);
    for post in posts {
        assert_eq!(post.status, 201);
        assert_eq!(
            request_header(post, "authorization"),
            "Bearer ‹access_token#1›"
        );
    }
    let keys = at(&recording, "/jwks.json");
    assert_eq!(keys.len(), 1, "fetched once, then cached");
    assert_eq!(keys[0].from, "protected-resource");
    let key_ids: Vec<&serde_json::Value> = json_answer(keys[0])["keys"]
        .as_array()
        .expect("a JWK Set")
        .iter()
        .map(|key| &key["kid"])
        .collect();
    assert!(
        key_ids.contains(&&access_token["header"]["kid"]),
        "{key_ids:?}"
    );
    assert!(at(&recording, "/introspect").is_empty(), "no introspection");
}

#[actix_rt::test]
async fn the_refresh_replay_recording_shows_the_spent_token_refused_and_its_family_revoked() {
    let recording = walkthrough::record_refresh_replay().await;

    let tokens = at(&recording, "/token");
    assert_eq!(tokens.len(), 4, "code, refresh, replay, refresh");
    let (rotation, replay, after) = (tokens[1], tokens[2], tokens[3]);
    assert_eq!(
        form_field(rotation, "refresh_token"),
        Some("‹refresh_token#1›")
    );
    assert_eq!(
        json_answer(rotation)["refresh_token"],
        "‹refresh_token#2›",
        "rotated"
    );
    assert_eq!(replay.from, "attacker");
    assert_eq!(
        form_field(replay, "refresh_token"),
        Some("‹refresh_token#1›")
    );
    assert_eq!(replay.status, 400);
    assert_eq!(json_answer(replay)["error"], "invalid_grant");
    // The family is revoked: the rotated refresh token, and the access
    // token it came with.
    assert_eq!(after.from, "client");
    assert_eq!(
        form_field(after, "refresh_token"),
        Some("‹refresh_token#2›")
    );
    assert_eq!(json_answer(after)["error"], "invalid_grant");
    let last_introspection = at(&recording, "/introspect")
        .into_iter()
        .next_back()
        .expect("introspections");
    assert_eq!(
        form_field(last_introspection, "token"),
        Some("‹access_token#2›")
    );
    assert_eq!(
        *json_answer(last_introspection),
        serde_json::json!({ "active": false })
    );
}

#[actix_rt::test]
async fn the_public_client_recording_sends_no_secret_and_rotates_the_refresh_token() {
    let recording = walkthrough::record_public_client().await;

    let authorize = at(&recording, "/authorize")[0];
    assert_eq!(query(authorize, "client_id"), Some("strava-mobile"));
    assert_eq!(query(authorize, "code_challenge_method"), Some("S256"));
    assert_eq!(
        query(authorize, "redirect_uri"),
        Some("http://mobile-app/callback")
    );
    let tokens = at(&recording, "/token");
    assert_eq!(tokens.len(), 2);
    for token in &tokens {
        assert_eq!(token.from, "mobile-app");
        assert_eq!(form_field(token, "client_id"), Some("strava-mobile"));
        assert_eq!(form_field(token, "client_secret"), None);
        assert!(
            token
                .request_headers
                .iter()
                .all(|(name, _)| name != "authorization"),
            "no client authentication: {token:?}"
        );
        assert_eq!(token.status, 200);
    }
    assert_eq!(
        form_field(tokens[0], "code_verifier"),
        Some("‹code_verifier#1›")
    );
    assert_eq!(
        form_field(tokens[1], "refresh_token"),
        Some("‹refresh_token#1›")
    );
    assert_eq!(json_answer(tokens[1])["refresh_token"], "‹refresh_token#2›");
}

/// The error code of a refused poll.
fn poll_error(exchange: &Exchange) -> &str {
    json_answer(exchange)["error"].as_str().unwrap_or("none")
}

#[actix_rt::test]
async fn the_device_recording_polls_pending_then_slow_down_then_gets_the_token_the_person_approved()
{
    let recording = walkthrough::record_device().await;

    // RFC 8628 §3.1–3.2: the watch, a public client, asks for the codes.
    let asked = at(&recording, "/device_authorization");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].from, "watch");
    assert_eq!(form_field(asked[0], "client_id"), Some("strava-watch"));
    assert_eq!(
        header_value(&asked[0].response_headers, "cache-control"),
        Some("no-store")
    );
    let codes = json_answer(asked[0]);
    assert_eq!(codes["device_code"], "‹device_code#1›", "{codes}");
    assert_eq!(codes["user_code"], "‹user_code#1›", "{codes}");
    assert_eq!(
        codes["verification_uri"],
        "http://authorization-server/device"
    );
    assert_eq!(
        codes["verification_uri_complete"],
        "http://authorization-server/device?user_code=‹user_code#1›"
    );
    assert_eq!(codes["interval"], 5, "{codes}");

    // §3.4–3.5: pending, too soon, then the tokens, all for one device code.
    // hamza approves within the watch's 5 s; should he take longer (a
    // loaded machine), the watch's polls in between are still pending.
    let polls = at(&recording, "/token");
    let answers: Vec<(u16, &str)> = polls
        .iter()
        .map(|poll| (poll.status, poll_error(poll)))
        .collect();
    let (first, rest) = answers.split_at(2);
    assert_eq!(
        first,
        [(400, "authorization_pending"), (400, "slow_down")],
        "{answers:?}"
    );
    let (last, waiting) = rest.split_last().expect("a poll after slow_down");
    assert_eq!(*last, (200, "none"), "{answers:?}");
    assert!(
        waiting
            .iter()
            .all(|answer| matches!(answer.1, "authorization_pending" | "slow_down")),
        "{answers:?}"
    );
    let tokens = polls.last().unwrap();
    for poll in &polls {
        assert_eq!(poll.from, "watch");
        assert_eq!(
            form_field(poll, "grant_type"),
            Some("urn:ietf:params:oauth:grant-type:device_code")
        );
        assert_eq!(form_field(poll, "device_code"), Some("‹device_code#1›"));
        assert_eq!(header_value(&poll.request_headers, "authorization"), None);
    }
    assert_eq!(json_answer(tokens)["access_token"], "‹access_token#1›");

    // §3.3: the person types the user code the watch showed, and approves;
    // the tokens come after that, never before.
    let typed = at(&recording, "/device")
        .into_iter()
        .find(|exchange| exchange.method == "POST")
        .expect("the code typed in");
    assert_eq!(typed.from, "browser");
    assert_eq!(form_field(typed, "user_code"), Some("‹user_code#1›"));
    let approved = at(&recording, "/device/consent")[0];
    assert_eq!(form_field(approved, "decision"), Some("approve"));
    assert!(approved.step < tokens.step && polls[1].step < typed.step);

    // The watch posts with its token; the resource introspects it.
    let posted = at(&recording, "/api/posts")[0];
    assert_eq!((posted.from.as_str(), posted.status), ("watch", 201));
    assert_eq!(
        request_header(posted, "authorization"),
        "Bearer ‹access_token#1›"
    );
    let introspection = json_answer(at(&recording, "/introspect")[0]);
    assert_eq!(
        introspection["client_id"], "strava-watch",
        "{introspection}"
    );
    assert_eq!(introspection["username"], "hamza", "{introspection}");
    assert_no_credential_and_no_port(&recording);
}

#[actix_rt::test]
async fn the_registration_recording_registers_connects_manages_and_deletes_a_client_by_placeholder()
{
    let recording = walkthrough::record_registration().await;
    let configuration = "/register/‹client_id#1›";

    // RFC 7591 §3.1: the document with the initial access token; §3.2.1:
    // the client information, credentials by placeholder, not cached.
    let registered = at(&recording, "/register")[0];
    assert_eq!(
        (registered.from.as_str(), registered.status),
        ("new-app", 201)
    );
    assert_eq!(
        request_header(registered, "authorization"),
        "Bearer ‹initial_access_token#1›"
    );
    assert_eq!(
        header_value(&registered.response_headers, "cache-control"),
        Some("no-store")
    );
    let information = json_answer(registered);
    assert_eq!(information["client_id"], "‹client_id#1›", "{information}");
    assert_eq!(information["client_secret"], "‹client_secret#1›");
    assert_eq!(
        information["registration_access_token"],
        "‹registration_access_token#1›"
    );
    assert_eq!(
        information["registration_client_uri"],
        format!("http://authorization-server{configuration}")
    );

    // The code flow as that client: PKCE, the new secret, the resource.
    let code_exchange = at(&recording, "/token")[0];
    assert_eq!(code_exchange.status, 200);
    assert_eq!(
        request_header(code_exchange, "authorization"),
        "Basic base64(‹client_id#1›:‹client_secret#1›)"
    );
    assert_eq!(
        form_field(code_exchange, "code_verifier"),
        Some("‹code_verifier#1›")
    );
    assert_eq!(
        form_field(code_exchange, "resource"),
        Some("http://protected-resource")
    );

    // RFC 7592 §2.1–2.3: read (no secret), replace (the token rotates),
    // delete; then the registration access token is refused.
    let managed: Vec<(&str, u16, &str)> = at(&recording, configuration)
        .iter()
        .map(|exchange| {
            (
                exchange.method.as_str(),
                exchange.status,
                request_header(exchange, "authorization"),
            )
        })
        .collect();
    assert_eq!(
        managed,
        [
            ("GET", 200, "Bearer ‹registration_access_token#1›"),
            ("PUT", 200, "Bearer ‹registration_access_token#1›"),
            ("DELETE", 204, "Bearer ‹registration_access_token#2›"),
            ("GET", 401, "Bearer ‹registration_access_token#2›"),
        ]
    );
    let read = at(&recording, configuration)[0];
    assert!(json_answer(read).get("client_secret").is_none());
    let replaced = json_answer(at(&recording, configuration)[1]);
    assert_eq!(
        replaced["registration_access_token"],
        "‹registration_access_token#2›"
    );
    let gone = at(&recording, configuration)[3];
    assert_eq!(
        header_value(&gone.response_headers, "www-authenticate"),
        Some("Bearer realm=\"registration\", error=\"invalid_token\"")
    );

    // The deleted client's secret no longer authenticates it.
    let refused = at(&recording, "/token")[1];
    assert_eq!(refused.status, 401);
    assert_eq!(json_answer(refused)["error"], "invalid_client");
    assert_no_credential_and_no_port(&recording);
}
