//! The OAuth 2.0 vocabulary every role of this workspace speaks.
//!
//! Each type here is one concept of an RFC, parsed once from the wire and
//! trusted afterwards ("parse, don't validate"). The crate does no I/O, so
//! the authorization server, the protected resource, the client and every
//! test can lean on it.

/// RFC 6749 §3.3 access token scopes: `Scope` and `ScopeSet`.
pub mod scope;

/// Opaque credentials (authorization codes, access and refresh tokens,
/// client secrets): generated from the OS generator, stored as hashes,
/// redacted in `Debug`.
pub mod secret;

/// RFC 7636 Proof Key for Code Exchange: verifier and `S256` challenge.
pub mod pkce;

/// Gives a fieldless enum its names on the wire from one table of
/// `Variant => "wire_name"`: `ALL` (every variant), `as_str` (the name to
/// send), `parse` (the variant a peer named, if it is one we know) and a
/// `Display` that writes the name, so they can never disagree.
macro_rules! wire_names {
    ($name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        impl $name {
            /// Every variant, in the order of the table.
            pub const ALL: [Self; [$(stringify!($variant)),+].len()] = [$(Self::$variant),+];

            /// The variant `value` names, if it is one of these; a name not
            /// in the table (RFC 6749 §8.5 lets servers define their own)
            /// is unknown here.
            pub fn parse(value: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|known| known.as_str() == value)
            }

            /// The name on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// The error codes of RFC 6749 §4.1.2.1 and §5.2, and RFC 6750 §3.1.
pub mod error;

/// `grant_type` values (RFC 6749 §4, §6).
pub mod grant_type;

/// RFC 6749 §5.1 token response.
pub mod token_response;

/// RFC 8628 device authorization: the user code and the answer of the
/// device authorization endpoint.
pub mod device;

/// RFC 7662 token introspection response.
pub mod introspection;

/// RFC 9068 JWT access token claims, signed by the authorization server and
/// read by resources.
pub mod jwt_access_token;

/// RFC 9449 DPoP proofs, JWK thumbprints and the `cnf` binding.
pub mod dpop;

/// RFC 9449 §8, §9 server-provided nonces, without server state.
pub mod dpop_nonce;

/// RFC 7591 §2 `token_endpoint_auth_method`: how a client authenticates.
pub mod client_auth_method;

/// RFC 7523 `private_key_jwt`: client assertions, the JWK Sets that verify
/// them and the key that signs them.
pub mod client_assertion;

/// OpenID Connect Core 1.0 ID token claims and UserInfo answer.
pub mod id_token;

/// RFC 8414 authorization server metadata and RFC 9728 protected resource
/// metadata.
pub mod metadata;

/// Request parameters in `application/x-www-form-urlencoded` form, with
/// RFC 6749 §3.1's rule that no parameter may appear twice.
pub mod params;

pub use client_auth_method::TokenEndpointAuthMethod;
/// RFC 9126 pushed authorization requests: the answer of the endpoint.
pub mod pushed_authorization;

pub use error::{BearerErrorCode, ErrorResponse, OAuthErrorCode};
pub use grant_type::GrantType;
pub use scope::{Scope, ScopeSet};
