//! The public-client story (`docs/walkthrough/public-client.{json,md}`):
//! `strava-mobile`, a native app of the demo data, has no secret (it could
//! not keep one, RFC 6749 §2.1) and a loopback redirect URI (RFC 8252
//! §7.3). It opens the browser at `/authorize` with PKCE (RFC 7636 §4.3),
//! hamza logs in and consents, and the app's loopback listener receives
//! the code. The app redeems it with only its `client_id` and the
//! `code_verifier` (RFC 7636 §4.5), asks who hamza is at the resource,
//! then refreshes: the refresh token rotates (RFC 9700 §4.14.2), the only protection a public client's
//! refresh token has when it is not bound to a key. It names the
//! resource it wants a token for with `resource` (RFC 8707 §2): the
//! default resource of the demo clients is not the one on this stage.
//!
//! The app's requests are sent here, by a plain HTTP client, as a native
//! app would; our web client is confidential.

use oauth_types::pkce::{CodeChallenge, CodeVerifier};
use oauth_types::secret::generate_credential;

use super::direct::{field, ClientAuth, Party};
use super::story::{IssuerSetting, Stage, TokenBinding};
use super::story::{AUTHORIZATION_SERVER, PROTECTED_RESOURCE};
use super::Exchange;
use crate::{AtConsent, UserAgent};

/// The native app of the demo data, and the name the recording gives it.
const APP: &str = "strava-mobile";
const MOBILE_APP: &str = "mobile-app";
/// Its registered loopback redirect URI (demo data).
const LOOPBACK: &str = "http://127.0.0.1:8765";
const SCOPE: &str = "profile post";

/// The native app's code flow and one refresh; returns the exchanges,
/// redacted.
pub async fn record_public_client() -> Vec<Exchange> {
    let mut stage = Stage::start(IssuerSetting::Configured, TokenBinding::Bearer).await;
    // The loopback URL is a port on the phone or laptop: shown by name.
    stage.name_origin(LOOPBACK, MOBILE_APP);
    let app = Party::new(&mut stage, MOBILE_APP, AUTHORIZATION_SERVER);
    let app_to_resource = Party::new(&mut stage, MOBILE_APP, PROTECTED_RESOURCE);
    let redirect_uri = format!("{LOOPBACK}/callback");

    // The app opens the browser with its PKCE challenge; the token
    // request carries no secret, only `client_id` and the verifier.
    let public = ClientAuth::Public { client_id: APP };
    let issued = code_flow(&stage, &app, public, &redirect_uri).await;

    // The token acts for hamza.
    let (status, me) = app_to_resource
        .get_with_token("/api/me", field(&issued, "access_token"))
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "hamza", "{me}");

    // The refresh: a new refresh token replaces the one presented.
    let first = field(&issued, "refresh_token");
    let (status, refreshed) = app
        .token_request(
            public,
            &[("grant_type", "refresh_token"), ("refresh_token", first)],
        )
        .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_ne!(field(&refreshed, "refresh_token"), first, "rotated");
    stage.recording()
}

/// hamza approves the authorization request of `auth`'s client (PKCE
/// S256 and `state`, RFC 7636 §4.3, naming the stage's resource, RFC 8707
/// §2) in the scripted browser, and `app` redeems the code with `auth`
/// (RFC 6749 §4.1.3); the token response.
pub(super) async fn code_flow(
    stage: &Stage,
    app: &Party,
    auth: ClientAuth<'_>,
    redirect_uri: &str,
) -> serde_json::Value {
    let client_id = match auth {
        ClientAuth::Basic { client_id, .. } | ClientAuth::Public { client_id } => client_id,
    };
    let hamza = UserAgent::new("hamza", "hamza-password");
    let code_verifier = generate_credential();
    let challenge = CodeChallenge::from_verifier(&CodeVerifier::parse(&code_verifier).unwrap());
    let state = generate_credential();
    let mut authorize = url::Url::parse(&format!("{}/authorize", stage.issuer())).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", SCOPE)
        .append_pair("state", &state)
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256")
        .append_pair("resource", &stage.resource_id);
    let callback = hamza
        .walk_to(authorize.as_str(), redirect_uri, AtConsent::Approve(SCOPE))
        .await;
    let code = callback_code(&callback, &state);
    let (status, issued) = app
        .token_request(
            auth,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", &code_verifier),
                ("resource", &stage.resource_id),
            ],
        )
        .await;
    assert_eq!(status, 200, "{issued}");
    issued
}

/// The code of the authorization response the loopback listener receives,
/// after checking its `state` (RFC 6749 §10.12).
fn callback_code(callback: &str, state: &str) -> String {
    let url = url::Url::parse(callback).unwrap();
    let get = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    assert_eq!(get("state").as_deref(), Some(state), "{callback}");
    get("code").unwrap_or_else(|| panic!("a code: {callback}"))
}
