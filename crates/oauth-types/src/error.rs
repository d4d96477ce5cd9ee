//! Error codes as they travel on the wire.
//!
//! `Display` writes the exact code (`invalid_grant`), so a variant can be
//! put straight into a redirect or a JSON body.

use std::fmt;

use serde::{Deserialize, Serialize};

/// RFC 6749 error codes: §4.1.2.1 (authorization endpoint) and §5.2
/// (token endpoint), plus `invalid_token` of RFC 7009 §2.2.1 and the
/// `unsupported_token_type` it defines.
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
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::UnsupportedTokenType => "unsupported_token_type",
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// RFC 6750 §3.1 error codes, sent by a protected resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BearerErrorCode {
    /// 400: the request is malformed (e.g. the token sent two ways).
    InvalidRequest,
    /// 401: the token is expired, revoked, malformed or for someone else.
    InvalidToken,
    /// 403: the token lacks the scope the resource needs.
    InsufficientScope,
}

impl BearerErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }
}

impl fmt::Display for BearerErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
        let body = ErrorResponse::new(OAuthErrorCode::InvalidClient, "unknown client");
        assert_eq!(
            serde_json::to_string(&body).unwrap_or_default(),
            r#"{"error":"invalid_client","error_description":"unknown client"}"#
        );
    }
}
