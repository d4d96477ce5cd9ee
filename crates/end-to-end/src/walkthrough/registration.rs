//! The registration story (`docs/walkthrough/registration.{json,md}`):
//! `new-app`, known to no one, registers itself at `/register` with an
//! initial access token (RFC 7591 §3) and gets a `client_id`, a secret, a
//! registration access token and its `registration_client_uri` (§3.2.1).
//! It runs the code flow with PKCE as that client (hamza logs in and
//! consents), then reads its registration (RFC 7592 §2.1), replaces it
//! (§2.2; the registration access token rotates, this project's policy)
//! and deletes it (§2.3). Its secret and its registration access token
//! are refused afterwards.
//!
//! The generated `client_id` is a UUID, new on every run: the recording
//! shows it as `‹client_id#1›`.

use reqwest::Method;
use serde_json::json;

use super::direct::{field, ClientAuth, Party};
use super::public_client::code_flow;
use super::story::{IssuerSetting, Stage, TokenBinding, AUTHORIZATION_SERVER};
use super::Exchange;

/// The new app, and the name the recording gives it.
const NEW_APP: &str = "new-app";
const REDIRECT_URI: &str = "https://new-app.example/callback";
const SCOPE: &str = "profile post";

/// Registers, connects, manages and deletes a client; returns the
/// exchanges, redacted.
pub async fn record_registration() -> Vec<Exchange> {
    let mut stage = Stage::start(IssuerSetting::Configured, TokenBinding::Bearer).await;
    let initial_access_token = stage.registration_token().await;
    stage.name_value(&initial_access_token, "‹initial_access_token#1›");
    let app = Party::new(&mut stage, NEW_APP, AUTHORIZATION_SERVER);

    // RFC 7591 §3.1: the client metadata, with the initial access token.
    let metadata = json!({
        "client_name": "New App",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "scope": SCOPE,
        "token_endpoint_auth_method": "client_secret_basic",
    });
    let (status, registered) = app
        .send_json(
            Method::POST,
            "/register",
            &initial_access_token,
            Some(&metadata),
        )
        .await;
    assert_eq!(status, 201, "{registered}");
    let client_id = field(&registered, "client_id").to_owned();
    stage.name_value(&client_id, "‹client_id#1›");
    let secret = field(&registered, "client_secret").to_owned();
    let token = field(&registered, "registration_access_token").to_owned();
    // The registration client URI names the issuer's host; the app reaches
    // it through its own proxy, on the same path.
    let uri = url::Url::parse(field(&registered, "registration_client_uri")).unwrap();
    let configuration = uri.path().to_owned();

    connect_as(&stage, &app, &client_id, &secret).await;

    // RFC 7592 §2.1: read.
    let (status, read) = app
        .send_json(Method::GET, &configuration, &token, None)
        .await;
    assert_eq!(status, 200, "{read}");
    assert!(
        read.get("client_secret").is_none(),
        "not shown again: {read}"
    );

    // RFC 7592 §2.2: replace; the whole document, with its `client_id`.
    let mut replacement = metadata.clone();
    replacement["client_id"] = json!(client_id);
    replacement["client_name"] = json!("New App 2");
    let (status, replaced) = app
        .send_json(Method::PUT, &configuration, &token, Some(&replacement))
        .await;
    assert_eq!(status, 200, "{replaced}");
    let rotated = field(&replaced, "registration_access_token").to_owned();
    assert_ne!(rotated, token, "the registration access token rotates");

    // RFC 7592 §2.3: delete.
    let (status, deleted) = app
        .send_json(Method::DELETE, &configuration, &rotated, None)
        .await;
    assert_eq!(status, 204, "{deleted}");

    // Gone: its secret and its registration access token are refused.
    let basic = ClientAuth::Basic {
        client_id: &client_id,
        secret: &secret,
    };
    let (status, refused) = app
        .token_request(basic, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(status, 401, "{refused}");
    assert_eq!(refused["error"], "invalid_client", "{refused}");
    let (status, refused) = app
        .send_json(Method::GET, &configuration, &rotated, None)
        .await;
    assert_eq!(status, 401, "{refused}");
    stage.recording()
}

/// hamza connects `client_id` (PKCE, RFC 7636 §4.3); the app redeems the
/// code with its new secret, naming the resource (RFC 8707 §2): a
/// registered client has no default resource.
async fn connect_as(stage: &Stage, app: &Party, client_id: &str, secret: &str) {
    let basic = ClientAuth::Basic { client_id, secret };
    code_flow(stage, app, basic, REDIRECT_URI).await;
}
