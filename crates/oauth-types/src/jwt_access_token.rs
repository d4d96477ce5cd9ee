//! The claims of an RFC 9068 JWT access token: what the authorization
//! server signs and what a resource reads, one type for both sides.
//!
//! RFC 9068 §2.2 requires `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and
//! `jti`. Each must be present and of its JSON type: a token whose `exp` or
//! `nbf` is a string (`"exp": "9999999999"`) does not fit and is refused
//! (CVE-2026-25537 was a JWT library that silently skipped such claims).

use serde::{Deserialize, Serialize};

use crate::introspection::Audience;
use crate::ScopeSet;

/// RFC 9068 §2.2, plus `username`, which this workspace's authorization
/// server adds so that a resource can name the owner (`/api/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub iss: String,
    /// Unix seconds (RFC 7519 §2 NumericDate): a JSON number, never a string.
    pub exp: i64,
    pub aud: Audience,
    /// §2.2: the resource owner, or the client itself when there is none
    /// (client credentials).
    pub sub: String,
    pub client_id: String,
    pub iat: i64,
    pub jti: String,
    /// RFC 7519 §4.1.5; our authorization server sets none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// RFC 9068 §2.2.3: the scopes, space-separated (RFC 8693 §4.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeSet>,
    /// Not an RFC 9068 claim: the resource owner's login name. Absent for
    /// client credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> AccessTokenClaims {
        AccessTokenClaims {
            iss: "https://as.example".to_owned(),
            exp: 2000,
            aud: Audience::new(vec!["https://api.example".to_owned()]),
            sub: "user-1".to_owned(),
            client_id: "app".to_owned(),
            iat: 1000,
            jti: "j".to_owned(),
            nbf: None,
            scope: ScopeSet::parse("profile post").ok(),
            username: None,
        }
    }

    #[test]
    fn what_is_signed_reads_back_the_same_and_absent_claims_are_left_out() {
        let json = serde_json::to_value(claims()).unwrap_or_default();
        assert_eq!(json["scope"], "post profile");
        assert!(json.get("nbf").is_none() && json.get("username").is_none());
        let back: AccessTokenClaims = serde_json::from_value(json).unwrap_or_else(|_| claims());
        assert_eq!(back, claims());
    }

    #[test]
    fn a_time_written_as_a_string_is_refused() {
        let mut json = serde_json::to_value(claims()).unwrap_or_default();
        json["exp"] = serde_json::json!("9999999999");
        assert!(serde_json::from_value::<AccessTokenClaims>(json).is_err());
    }
}
