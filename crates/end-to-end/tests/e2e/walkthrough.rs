//! The recordings of docs/walkthrough.md stay true: each story is lived
//! again through recording proxies, and its shape (who calls whom, with
//! which method, path and status, and which parameters and fields) must be
//! the committed one. `TRACE_WRITE=1` (what `scripts/trace` sets) writes the
//! fresh recordings instead.

use end_to_end::recording::RawExchange;
use end_to_end::walkthrough::{self, Body, Exchange, Recording};

/// The shorter stories' own checks.
mod stories;

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
        walkthrough::client_credentials::SERVICE_SECRET,
    ] {
        assert!(!text.contains(secret), "{secret} leaked into the recording");
    }
    // Every JWT begins with the base64url of `{"`, its header's first bytes.
    assert!(!text.contains("eyJ"), "a JWT as sent is left: {text}");
    assert!(
        !text.contains("127.0.0.1"),
        "a loopback URL is left: {text}"
    );
    for exchange in recording {
        assert_bearer_token_is_a_placeholder(exchange);
        let bodies = [&exchange.request_body, &exchange.response_body];
        for value in bodies
            .into_iter()
            .filter_map(|body| match body {
                Body::Json { value } => Some(value),
                _ => None,
            })
            .chain(&exchange.dpop_proof)
        {
            assert_no_private_key(value);
            assert_credentials_are_placeholders(value);
        }
    }
}

/// Credentials new on every run, which no fixed string can find: the
/// fields that carry a secret or a token (a client's secret and its
/// registration access token among them, RFC 7591 §3.2.1) hold
/// placeholders.
const CREDENTIAL_FIELDS: [&str; 5] = [
    "client_secret",
    "registration_access_token",
    "access_token",
    "refresh_token",
    "device_code",
];

fn assert_credentials_are_placeholders(value: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (name, field) in map {
                if let (true, Some(text)) =
                    (CREDENTIAL_FIELDS.contains(&name.as_str()), field.as_str())
                {
                    assert!(
                        text.starts_with('‹'),
                        "{name} is not a placeholder: {value}"
                    );
                }
                assert_credentials_are_placeholders(field);
            }
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(assert_credentials_are_placeholders)
        }
        _ => {}
    }
}

/// A token in an `Authorization` header (an access token, an initial or a
/// registration access token) is a placeholder.
fn assert_bearer_token_is_a_placeholder(exchange: &Exchange) {
    let Some(value) = header_value(&exchange.request_headers, "authorization") else {
        return;
    };
    if let Some((_, token)) = value
        .split_once(' ')
        .filter(|(scheme, _)| *scheme != "Basic")
    {
        assert!(token.starts_with('‹'), "a token is left: {value}");
    }
}

/// Fails when a JWK's private member (`d`, RFC 7518 §6.2.2.1 and §6.3.2.1)
/// is anywhere in `value`.
fn assert_no_private_key(value: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            assert!(!map.contains_key("d"), "private key material: {value}");
            map.values().for_each(assert_no_private_key);
        }
        serde_json::Value::Array(items) => items.iter().for_each(assert_no_private_key),
        _ => {}
    }
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

/// The value of the request header `name` of a raw exchange.
fn raw_header<'a>(exchange: &'a RawExchange, name: &str) -> Option<&'a str> {
    exchange
        .request_headers
        .iter()
        .find(|(header, _)| header.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

#[actix_rt::test]
async fn the_dpop_recording_shows_no_token_and_no_proof_as_sent() {
    let (wire, recording) = walkthrough::record_dpop_with_wire().await;
    let text = serde_json::to_string(&recording).unwrap();
    let mut sent = Vec::new();
    for exchange in &wire {
        if exchange.path == "/token" {
            let issued: serde_json::Value = serde_json::from_str(&exchange.response_body).unwrap();
            for name in ["access_token", "refresh_token"] {
                sent.extend(issued[name].as_str().map(str::to_owned));
            }
        }
        if let Some(authorization) = raw_header(exchange, "authorization") {
            if let Some(token) = ["DPoP ", "Bearer "]
                .iter()
                .find_map(|scheme| authorization.strip_prefix(scheme))
            {
                sent.push(token.to_owned());
            }
        }
        sent.extend(raw_header(exchange, "dpop").map(str::to_owned));
    }
    // Two tokens issued; the client's two posts and the attacker's three
    // requests carry the access token; the code exchange, the client's
    // posts and two of the attacker's requests carry a proof.
    assert_eq!(sent.len(), 2 + 5 + 5, "{sent:?}");
    for credential in sent {
        assert!(
            !text.contains(&credential),
            "{credential} is left in the recording"
        );
    }
    assert_no_credential_and_no_port(&recording);
}

/// The exchanges the attacker sent, in order.
fn attacker_requests(recording: &[Exchange]) -> Vec<&Exchange> {
    recording
        .iter()
        .filter(|exchange| exchange.from == "attacker")
        .collect()
}

/// The value of the request header `name` of a redacted exchange.
fn request_header<'a>(exchange: &'a Exchange, name: &str) -> &'a str {
    header_value(&exchange.request_headers, name)
        .unwrap_or_else(|| panic!("no {name} header in {exchange:?}"))
}

/// The value of the header `name` among `headers`.
fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(header, _)| header == name)
        .map(|(_, value)| value.as_str())
}

#[actix_rt::test]
async fn the_dpop_recording_names_one_key_from_authorize_to_introspection_and_refuses_the_thief() {
    let recording = walkthrough::record_dpop().await;

    // One key, one thumbprint placeholder: at /authorize, in every proof
    // the client makes, in the introspection answer.
    assert_eq!(
        query_parameter(&recording, "/authorize", "dpop_jkt"),
        "‹jkt#1›"
    );
    let token_response = response_json(&recording, "/token");
    assert_eq!(token_response["token_type"], "DPoP", "{token_response}");
    assert_eq!(token_response["access_token"], "‹access_token#1›");
    let introspection = response_json(&recording, "/introspect");
    assert_eq!(introspection["cnf"]["jkt"], "‹jkt#1›", "{introspection}");
    assert_eq!(introspection["token_type"], "DPoP", "{introspection}");

    let client_posts: Vec<&Exchange> = recording
        .iter()
        .filter(|exchange| exchange.from == "client" && exchange.path == "/api/posts")
        .collect();
    assert_eq!(client_posts.len(), 2);
    for post in &client_posts {
        assert_eq!(post.status, 201);
        assert_eq!(
            request_header(post, "authorization"),
            "DPoP ‹access_token#1›"
        );
        let proof = post.dpop_proof.as_ref().expect("a proof with each post");
        assert_eq!(proof["jkt"], "‹jkt#1›", "{proof}");
        assert_eq!(proof["header"]["typ"], "dpop+jwt", "{proof}");
        assert_eq!(proof["header"]["jwk"]["kty"], "EC", "{proof}");
        let claims = &proof["claims"];
        assert_eq!(claims["htm"], "POST", "{proof}");
        assert_eq!(claims["htu"], "http://protected-resource/api/posts");
        assert_eq!(claims["ath"], "base64url(SHA-256(‹access_token#1›))");
        assert_eq!(claims["iat"], "‹unix time›", "{proof}");
    }
    let first_proof = &client_posts[0].dpop_proof;
    assert_ne!(
        first_proof, &client_posts[1].dpop_proof,
        "a new proof for every request"
    );

    // The thief: as Bearer, with a key of their own, with the captured proof.
    let attacks = attacker_requests(&recording);
    assert_eq!(attacks.len(), 3, "{attacks:?}");
    for attack in &attacks {
        assert_eq!(attack.status, 401, "{attack:?}");
    }
    assert_eq!(
        request_header(attacks[0], "authorization"),
        "Bearer ‹access_token#1›"
    );
    let Body::Json { value: refusal } = &attacks[0].response_body else {
        panic!("a JSON refusal: {:?}", attacks[0]);
    };
    assert_eq!(refusal["error"], "invalid_token", "{refusal}");
    let own_key = attacks[1].dpop_proof.as_ref().expect("the thief's proof");
    assert_eq!(own_key["jkt"], "‹jkt#2›", "another key: {own_key}");
    assert_eq!(attacks[2].dpop_proof, *first_proof, "the captured proof");
    for attack in &attacks[1..] {
        assert_eq!(
            request_header(attack, "authorization"),
            "DPoP ‹access_token#1›"
        );
        let challenge = response_header(attack, "www-authenticate");
        assert!(
            challenge.starts_with("DPoP ") && challenge.contains("error=\"invalid_dpop_proof\""),
            "{challenge}"
        );
    }
}

/// The value of the response header `name` of a redacted exchange.
fn response_header<'a>(exchange: &'a Exchange, name: &str) -> &'a str {
    header_value(&exchange.response_headers, name)
        .unwrap_or_else(|| panic!("no {name} response header in {exchange:?}"))
}

/// The pushed-request recording (RFC 9126): `/par` answers one
/// `request_uri`, the browser goes to `/authorize` with it and `client_id`
/// only, and the same URL from a second browser is refused with a page.
#[actix_rt::test]
async fn the_par_recording_sends_the_browser_with_only_the_request_uri_and_refuses_it_twice() {
    let recording = walkthrough::record_pushed().await;

    let pushed = response_json(&recording, "/par");
    assert_eq!(pushed["request_uri"], "‹request_uri#1›", "{pushed}");
    assert_eq!(pushed["expires_in"], 60, "{pushed}");
    let visits: Vec<&Exchange> = recording
        .iter()
        .filter(|exchange| exchange.path == "/authorize")
        .collect();
    assert_eq!(visits.len(), 2, "{visits:?}");
    for visit in &visits {
        let query: Vec<(&str, &str)> = visit
            .query
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        assert_eq!(
            query,
            [("client_id", "strava"), ("request_uri", "‹request_uri#1›")]
        );
    }
    assert_eq!(
        (visits[0].status, visits[1].status),
        (303, 400),
        "used once"
    );
}

/// The pushed-request recording in the FAPI 2.0 shape: `strava` has no
/// secret; the push and the code exchange each carry a new
/// `client_assertion` (RFC 7523 §2.2), shown decoded with the claims of
/// §3 and no signature.
#[actix_rt::test]
async fn the_par_recording_authenticates_each_request_with_a_fresh_client_assertion() {
    let recording = walkthrough::record_pushed().await;

    let authenticated: Vec<&Exchange> = recording
        .iter()
        .filter(|exchange| exchange.from == "client" && exchange.method == "POST")
        .collect();
    let paths: Vec<&str> = authenticated
        .iter()
        .map(|exchange| exchange.path.as_str())
        .collect();
    assert_eq!(paths, ["/par", "/token"]);
    for (index, exchange) in authenticated.iter().enumerate() {
        assert!(
            header_value(&exchange.request_headers, "authorization").is_none(),
            "no secret in Basic: {exchange:?}"
        );
        let Body::Form { fields } = &exchange.request_body else {
            panic!("a form: {exchange:?}");
        };
        let placeholder = format!("‹client_assertion#{}›", index + 1);
        assert!(fields.contains(&(
            "client_assertion_type".to_owned(),
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned()
        )));
        assert!(
            fields.contains(&("client_assertion".to_owned(), placeholder.clone())),
            "{fields:?}"
        );
        let assertion = exchange
            .client_assertion
            .as_ref()
            .expect("the assertion, decoded");
        assert_eq!(assertion["compact"], placeholder.as_str(), "{assertion}");
        assert_eq!(assertion["header"]["alg"], "ES256", "{assertion}");
        assert_eq!(assertion["header"]["kid"], "‹kid#1›", "{assertion}");
        let claims = &assertion["claims"];
        assert_eq!(claims["iss"], "strava", "{assertion}");
        assert_eq!(claims["sub"], "strava", "{assertion}");
        assert_eq!(claims["aud"], "http://authorization-server", "{assertion}");
        assert_eq!(claims["jti"], format!("‹jti#{}›", index + 1), "{assertion}");
        for time in ["exp", "iat"] {
            assert_eq!(claims[time], "‹unix time›", "{time} in {assertion}");
        }
        assert!(assertion.get("signature").is_none(), "{assertion}");
        assert_eq!(exchange.status / 100, 2, "accepted: {exchange:?}");
    }
    assert_no_credential_and_no_port(&recording);
}
