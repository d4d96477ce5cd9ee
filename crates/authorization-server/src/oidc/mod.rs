//! OpenID Connect: the authorization server is also an OpenID Provider
//! (Core 1.0, Discovery 1.0, RP-Initiated Logout 1.0).
//!
//! - [`id_token`]: the ID token of the code flow and of a refresh (Core
//!   §3.1.3.6, §12.2) and the claims each scope releases (§5.4);
//! - [`request`]: the OpenID Connect parameters of `/authorize` (Core
//!   §3.1.2.1: `nonce`, `prompt`, `max_age`, `login_hint`).
//!
//! The endpoints are `routes::discovery`, `routes::userinfo` and
//! `routes::logout`. Nothing here applies to a request without scope
//! `openid`: such a request is plain OAuth 2.0.

pub mod id_token;
pub mod request;

/// The scope that makes a request an OpenID Connect request (Core §3.1.2.1).
pub const OPENID: &str = "openid";
