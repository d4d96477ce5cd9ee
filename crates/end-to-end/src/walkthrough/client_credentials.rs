//! The client-credentials story
//! (`docs/walkthrough/client-credentials.{json,md}`): a confidential
//! client with no person behind it, `nightly-export`, gets an access token
//! for itself (RFC 6749 §4.4) and calls the resource. Every endpoint of
//! the resource acts for a resource owner, and this token has none: the
//! resource introspects it, hears `active` with no `sub` and no
//! `username`, and refuses it (contract, "Trust boundaries").

use authorization_server::store::clients::{ClientKind, NewClient};
use oauth_types::{GrantType, ScopeSet};

use super::direct::{field, ClientAuth, Party};
use super::story::{IssuerSetting, Setup, Stage, TokenBinding};
use super::story::{AUTHORIZATION_SERVER, PROTECTED_RESOURCE};
use super::Exchange;
use crate::recording::RawExchange;

/// The service's client id, which also names it in the recording.
const SERVICE: &str = "nightly-export";
/// Its secret, registered in the story.
pub const SERVICE_SECRET: &str = "nightly-export-secret";

/// `nightly-export` gets a token and is refused at `/api/me`; returns the
/// exchanges, redacted.
pub async fn record_client_credentials() -> Vec<Exchange> {
    let mut setup = Setup::new(IssuerSetting::Configured, TokenBinding::Bearer);
    setup.more_clients.push(service_client());
    let mut stage = Stage::start_with(setup).await;
    let to_authorization_server = Party::new(&mut stage, SERVICE, AUTHORIZATION_SERVER);
    let to_resource = Party::new(&mut stage, SERVICE, PROTECTED_RESOURCE);

    // RFC 6749 §4.4.2: the client authenticates and names only the grant
    // and the scope; §4.4.3: no refresh token comes back.
    let credentials = ClientAuth::Basic {
        client_id: SERVICE,
        secret: SERVICE_SECRET,
    };
    let (status, issued) = to_authorization_server
        .token_request(
            credentials,
            &[("grant_type", "client_credentials"), ("scope", "profile")],
        )
        .await;
    assert_eq!(status, 200, "{issued}");
    assert!(issued.get("refresh_token").is_none(), "{issued}");

    // The token is valid, but names no person: `/api/me` refuses it.
    let (status, refusal) = to_resource
        .get_with_token("/api/me", field(&issued, "access_token"))
        .await;
    assert_eq!(status, 401, "{refusal}");
    assert_eq!(refusal["error"], "invalid_token", "{refusal}");
    assert_introspection_names_no_person(&stage.raw());
    stage.recording()
}

/// A confidential client registered for `client_credentials` only, for
/// the resource behind its proxy.
fn service_client() -> NewClient {
    NewClient {
        client_id: SERVICE.to_owned(),
        kind: ClientKind::Confidential,
        secret: Some(SERVICE_SECRET.to_owned()),
        redirect_uris: Vec::new(),
        scopes: ScopeSet::parse("profile post").unwrap(),
        grant_types: vec![GrantType::ClientCredentials],
        resource_id: None,
        default_resource: None,
    }
}

/// The resource's introspection: the token is active, its `client_id` the
/// service, and no `sub` or `username` says whose it is (RFC 7662 §2.2).
fn assert_introspection_names_no_person(raw: &[RawExchange]) {
    let introspection = raw
        .iter()
        .find(|exchange| exchange.path == "/introspect")
        .unwrap_or_else(|| panic!("the resource introspected the token"));
    let answer: serde_json::Value = serde_json::from_str(&introspection.response_body).unwrap();
    assert_eq!(answer["active"], true, "{answer}");
    assert_eq!(answer["client_id"], SERVICE, "{answer}");
    for person in ["sub", "username"] {
        assert!(answer.get(person).is_none(), "{person} in {answer}");
    }
}
