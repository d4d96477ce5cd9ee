//! OpenID Connect, the relying party side: Strava signs people in with
//! the authorization server acting as an OpenID Provider (Core 1.0), and
//! signs them out there too (RP-Initiated Logout 1.0).
//!
//! ```text
//!  browser          client (this)                      OpenID Provider
//!     | GET /signin      |                                   |
//!     |----------------->| state, nonce, PKCE verifier kept |
//!     |<-- 303 to authorization_endpoint, scope=openid profile (Core §3.1.2.1)
//!     |          login (and consent) happen there            |
//!     |<-- 302 to redirect_uri?code&state&iss ---------------|
//!     | GET /callback -->| state, iss: as for /connect       |
//!     |                  |-- POST token_endpoint (§3.1.3.1) ->|
//!     |                  |<-- id_token, access_token ---------|
//!     |                  |-- GET jwks_uri (§10.1) ---------->|
//!     |                  | ID token checked (§3.1.3.7),      |
//!     |                  | at_hash (§3.1.3.8)                |
//!     |                  |-- GET userinfo_endpoint (§5.3) -->| only when the ID
//!     |                  |<-- the same sub, name ------------| token has no name
//!     |                  | iss + sub is the person, who      |
//!     |                  | adopts what the browser had       |
//!     |                  | (crate::owner)                    |
//!     | POST /signout -->| session ended here                |
//!     |<-- 303 to end_session_endpoint?id_token_hint&post_logout_redirect_uri&state (RP-Initiated Logout §2)
//! ```
//!
//! - [`sign_in`]: the authentication request and the code exchange,
//!   through the `openidconnect` crate (which pairs with the `oauth2` crate
//!   of `/connect`) and the same recording, redirect-free HTTP client;
//! - [`id_token`]: the ID token validated per Core §3.1.3.7 by the
//!   `openidconnect` crate's verifier against the provider's JWK Set
//!   ([`jwks`]), with the checks it leaves to its caller added (`azp`,
//!   `iat`, `at_hash`), each reported with its section;
//! - [`userinfo`]: the person's `name` from the UserInfo endpoint when
//!   the ID token carries none (Core §5.3, §5.4);
//! - [`logout`]: the RP-Initiated Logout 1.0 request.
//!
//! Signing in (authentication: who the person is) and connecting Facebook
//! (delegated access: what Strava may do there) are two concepts: two
//! routes, two kinds of authorization request, one shared callback.

pub mod id_token;
pub mod jwks;
pub mod logout;
pub mod sign_in;
pub mod userinfo;

/// What `/signin` asks for: `openid` makes it an OpenID Connect request
/// (Core §3.1.2.1), `profile` releases the `name` shown on the home page
/// (Core §5.4).
pub const SIGN_IN_SCOPE: &str = "openid profile";
