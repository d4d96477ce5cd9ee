//! RP-Initiated Logout 1.0 §2: the request that ends the person's session
//! at the OpenID Provider too, after the client ended its own.

use oauth_types::secret::generate_credential;
use url::Url;

use crate::config::Settings;

/// The browser's next stop after `POST /signout`.
pub struct LogoutRequest {
    /// The `end_session_endpoint` with `id_token_hint`,
    /// `post_logout_redirect_uri` and `state` (§2).
    pub url: Url,
    /// Opaque to the provider, passed back to us (§2, §3).
    pub state: String,
}

/// The logout request for the session signed in with `id_token`.
/// `post_logout_redirect_uri` is the client's home on the origin of its
/// redirect URI: registered with the provider, compared there exactly (§3).
pub fn logout_request(
    end_session_endpoint: &Url,
    settings: &Settings,
    id_token: &str,
) -> LogoutRequest {
    let state = generate_credential();
    let mut url = end_session_endpoint.clone();
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair(
            "post_logout_redirect_uri",
            &post_logout_redirect_uri(settings),
        )
        .append_pair("client_id", &settings.client_id)
        .append_pair("state", &state);
    LogoutRequest { url, state }
}

/// `/` on the redirect URI's origin: `http://localhost:9000/` in the demo.
pub fn post_logout_redirect_uri(settings: &Settings) -> String {
    format!("{}/", settings.redirect_uri.origin().ascii_serialization())
}
