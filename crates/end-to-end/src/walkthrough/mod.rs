//! The recorded walkthrough (docs/walkthrough.md): one whole story across
//! the three roles, captured by [`crate::recording`] proxies, with every
//! credential replaced by a stable placeholder and every port by a role
//! name, written to `docs/walkthrough/{recording,discovery,signin,dpop,par,device}.{json,md}`
//! and to one pair of files per shorter story ([`Recording::ALL`]).
//!
//! ```text
//!  browser ─▶ [client] ─▶ client ─▶ [protected-resource] ─▶ protected-resource
//!     │                     │                                   │
//!     └──▶ [authorization-server] ◀─────────────────────────────┘
//!                           ▲ client back channel
//! ```
//!
//! Each bracket is a proxy; each pair of parties gets its own proxy, so an
//! exchange knows who sent it. The issuer is the URL of the proxy the
//! browser uses; the client reaches the authorization server through
//! `--issuer-internal-url`, the resource through `--introspection-url`.
//!
//! The story: connect (authorize, login, consent), callback and code
//! exchange, a post (resource call + introspection), the access token
//! expires (the authorization server's clock moves past its lifetime), a
//! second post that is refused, refreshed and retried, and disconnect
//! (revocation). A second, short recording ([`record_discovery`]) starts
//! the client with `--issuer auto` and shows how it finds the authorization
//! server through the resource (RFC 9728 §5) before the first redirect.
//! A third ([`record_sign_in`]) signs the person in with OpenID Connect
//! and out again: OAuth is not authentication, the ID token is.
//! A fourth ([`record_dpop`]) connects with DPoP (RFC 9449) and shows an
//! attacker replaying the access token, copied from the resource's log,
//! and being refused. These four send the authorization request through
//! the browser (`--no-par`); a fifth ([`record_pushed`]) pushes it first
//! (RFC 9126), authenticated with `private_key_jwt` (RFC 7523) as FAPI 2.0
//! asks, and shows its `request_uri` refused the second time.
//! A sixth ([`record_device`]) connects a watch with the device
//! authorization grant (RFC 8628), approved on another screen.
//! Six shorter ones tell one rule each: a refused consent, a token for a
//! client with no person behind it, JWT access tokens validated by the
//! resource itself, a spent refresh token replayed, a public client, and
//! a client that registers itself (RFC 7591, RFC 7592).
//! [`shape`] is what the test compares with the committed
//! recording: who talks to whom, which method, path and status, and the
//! names of the parameters and fields, never their values.
//!
//! | module | job |
//! |---|---|
//! | [`story`] | starts the roles behind the proxies and lives the story |
//! | [`sign_in`] | the sign-in story, on the same stage |
//! | [`dpop`] | the stolen-token story, on the same stage with DPoP |
//! | [`refused_consent`] | the person says no at the consent screen |
//! | [`client_credentials`] | a service's own token, refused as a person |
//! | [`jwt`] | JWT access tokens, validated with the issuer's keys |
//! | [`refresh_replay`] | a spent refresh token replayed: the family revoked |
//! | [`public_client`] | a native app: PKCE, no secret, a rotating refresh token |
//! | [`device`] | a watch signs in with the device authorization grant |
//! | [`registration`] | a new app registers itself, connects, reads, replaces and deletes its registration |
//! | [`direct`] | a party sending plain HTTP through a proxy of its own |
//! | [`pushed`] | the pushed-request story, on the same stage with PAR and `private_key_jwt` |
//! | [`redact`] | turns raw exchanges into [`Exchange`]s without secrets or ports |
//! | [`shape`] | what the test compares: an exchange without its values |
//! | [`render`] | the files in `docs/walkthrough/`, JSON and Markdown |

use serde::{Deserialize, Serialize};

/// Lives the story behind recording proxies.
pub mod story;

/// The OpenID Connect sign-in and sign-out.
pub mod sign_in;

/// A DPoP-bound token, stolen and replayed.
pub mod dpop;

/// A refused consent: `access_denied`, and no token.
pub mod refused_consent;

/// A client acting for itself (RFC 6749 §4.4).
pub mod client_credentials;

/// RFC 9068 JWT access tokens, validated locally.
pub mod jwt;

/// A spent refresh token, replayed (RFC 9700 §4.14.2).
pub mod refresh_replay;

/// A native app's code flow (RFC 8252, RFC 7636).
pub mod public_client;

/// A watch connected with the device authorization grant (RFC 8628).
pub mod device;

/// A client registered at `/register` (RFC 7591, RFC 7592).
pub mod registration;

/// Parties that speak plain HTTP from the story.
mod direct;
/// A pushed authorization request, used once.
pub mod pushed;

/// Credentials and ports out, placeholders and role names in.
pub mod redact;

/// Who talks to whom, with which names: never the values.
pub mod shape;

/// Reading and writing `docs/walkthrough/`, and the Markdown view.
pub mod render;

pub use client_credentials::record_client_credentials;
pub use device::record_device;
pub use dpop::{record_dpop, record_dpop_with_wire};
pub use jwt::record_jwt;
pub use public_client::record_public_client;
pub use pushed::record_pushed;
pub use redact::redact;
pub use refresh_replay::record_refresh_replay;
pub use refused_consent::record_refused_consent;
pub use registration::record_registration;
pub use render::{read, render, render_exchange, write, Recording};
pub use shape::{shape, shape_difference, Shape};
pub use sign_in::record_sign_in;
pub use story::{record, record_discovery, recording_dir};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// 1, 2, 3… in the order the requests arrived.
    pub step: usize,
    pub from: String,
    pub to: String,
    pub method: String,
    pub path: String,
    /// Query parameters, decoded.
    pub query: Vec<(String, String)>,
    pub request_headers: Vec<(String, String)>,
    /// The request's `DPoP` proof (RFC 9449 §4.2), decoded for display:
    /// `compact` (the placeholder of the `DPoP` header), `jkt` (its key's
    /// thumbprint), `header` and `claims`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_proof: Option<serde_json::Value>,
    /// The request's `client_assertion` (RFC 7523 §2.2), decoded for
    /// display: `compact` (its placeholder in the form), `header` and
    /// `claims`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_assertion: Option<serde_json::Value>,
    pub request_body: Body,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Body,
}

/// A body, by what it carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    Empty,
    /// `application/x-www-form-urlencoded`, decoded.
    Form {
        fields: Vec<(String, String)>,
    },
    Json {
        value: serde_json::Value,
    },
    /// A page: its title and the names of its form fields.
    Html {
        title: String,
        fields: Vec<String>,
    },
    Text {
        text: String,
    },
}
