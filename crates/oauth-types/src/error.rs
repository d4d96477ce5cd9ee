//! Error codes as they travel on the wire.
//!
//! `Display` writes the exact code (`invalid_grant`), so a variant can be
//! put straight into a redirect or a JSON body.

use std::fmt;

use serde::{Deserialize, Serialize};

/// RFC 6749 error codes: §4.1.2.1 (authorization endpoint) and §5.2
/// (token endpoint), plus `unsupported_token_type` of RFC 7009 §2.2.1 and
/// `invalid_target` of RFC 8707 §2, the polling answers of RFC 8628 §3.5,
/// and the OpenID Connect Core §3.1.2.6
/// codes of the authorization endpoint (`login_required`,
/// `consent_required`, `interaction_required`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    ServerError,
    TemporarilyUnavailable,
    UnsupportedTokenType,
    InvalidTarget,
    /// Core §3.1.2.6: `prompt=none` and nobody is signed in.
    LoginRequired,
    /// Core §3.1.2.6: `prompt=none` and no remembered consent covers the request.
    ConsentRequired,
    /// Core §3.1.2.6: `prompt=none` and some other interaction is needed.
    InteractionRequired,
    /// RFC 9449 §5: the DPoP proof of a token request is refused.
    InvalidDpopProof,
    /// RFC 9449 §8: the server wants a proof with its nonce.
    UseDpopNonce,
    /// RFC 8628 §3.5: the person has not answered yet; poll again.
    AuthorizationPending,
    /// RFC 8628 §3.5: polled faster than `interval`; wait 5 s longer.
    SlowDown,
    /// RFC 8628 §3.5: the device code expired; start again.
    ExpiredToken,
    /// RFC 7591 §3.2.2: a redirect URI of a registration is refused.
    InvalidRedirectUri,
    /// RFC 7591 §3.2.2: another field of a registration is refused.
    InvalidClientMetadata,
}

wire_names!(OAuthErrorCode {
    InvalidRequest => "invalid_request",
    InvalidClient => "invalid_client",
    InvalidGrant => "invalid_grant",
    UnauthorizedClient => "unauthorized_client",
    UnsupportedGrantType => "unsupported_grant_type",
    UnsupportedResponseType => "unsupported_response_type",
    InvalidScope => "invalid_scope",
    AccessDenied => "access_denied",
    ServerError => "server_error",
    TemporarilyUnavailable => "temporarily_unavailable",
    UnsupportedTokenType => "unsupported_token_type",
    InvalidTarget => "invalid_target",
    LoginRequired => "login_required",
    ConsentRequired => "consent_required",
    InteractionRequired => "interaction_required",
    InvalidDpopProof => "invalid_dpop_proof",
    UseDpopNonce => "use_dpop_nonce",
    AuthorizationPending => "authorization_pending",
    SlowDown => "slow_down",
    ExpiredToken => "expired_token",
    InvalidRedirectUri => "invalid_redirect_uri",
    InvalidClientMetadata => "invalid_client_metadata",
});

/// RFC 6750 §3.1 error codes, sent by a protected resource, and the two
/// that RFC 9449 §7.1 adds for its `DPoP` scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BearerErrorCode {
    /// 400: the request is malformed (e.g. the token sent two ways).
    InvalidRequest,
    /// 401: the token is expired, revoked, malformed or for someone else.
    InvalidToken,
    /// 403: the token lacks the scope the resource needs.
    InsufficientScope,
    /// 401, RFC 9449 §7.1: the DPoP proof is missing or fails a check.
    InvalidDpopProof,
    /// 401, RFC 9449 §9: the resource wants a proof with its nonce.
    UseDpopNonce,
}

wire_names!(BearerErrorCode {
    InvalidRequest => "invalid_request",
    InvalidToken => "invalid_token",
    InsufficientScope => "insufficient_scope",
    InvalidDpopProof => "invalid_dpop_proof",
    UseDpopNonce => "use_dpop_nonce",
});

/// The JSON error body of RFC 6749 §5.2, also used by the protected
/// resource for RFC 6750 refusals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl ErrorResponse {
    pub fn new(error: impl fmt::Display, description: impl Into<String>) -> Self {
        Self {
            error: error.to_string(),
            error_description: Some(description.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_print_and_serialize_as_their_wire_names() {
        assert_eq!(OAuthErrorCode::InvalidGrant.to_string(), "invalid_grant");
        assert_eq!(
            serde_json::to_string(&OAuthErrorCode::UnsupportedGrantType).unwrap_or_default(),
            "\"unsupported_grant_type\""
        );
        assert_eq!(
            BearerErrorCode::InsufficientScope.to_string(),
            "insufficient_scope"
        );
        for code in OAuthErrorCode::ALL {
            assert_eq!(OAuthErrorCode::parse(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{code}\""));
        }
        assert_eq!(OAuthErrorCode::parse("invalid_toke"), None);
        assert_eq!(
            BearerErrorCode::parse("invalid_token"),
            Some(BearerErrorCode::InvalidToken)
        );
        assert_eq!(BearerErrorCode::parse("invalid_grant"), None);
        let body = ErrorResponse::new(OAuthErrorCode::InvalidClient, "unknown client");
        assert_eq!(
            serde_json::to_string(&body).unwrap_or_default(),
            r#"{"error":"invalid_client","error_description":"unknown client"}"#
        );
    }
}
