//! OpenID Connect Core 1.0: the claims of an ID token (§2) and the answer
//! of the UserInfo endpoint (§5.3.2), with the standard claims of §5.1 that
//! scopes `profile` and `email` release (§5.4).

use serde::{Deserialize, Serialize};

/// The claims of an ID token (Core §2, §3.1.3.6, §5.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// The issuer identifier, exactly as in the discovery document.
    pub iss: String,
    /// The user's stable identifier at this issuer.
    pub sub: String,
    /// The client id of the relying party.
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    /// When the user logged in (Core §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The `nonce` of the authorization request, echoed (Core §3.1.2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Core §3.1.3.6: the access token's hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    #[serde(flatten)]
    pub standard: StandardClaims,
}

/// The standard claims (Core §5.1) this provider knows, each released by
/// a scope (§5.4): `name` and `preferred_username` by `profile`, `email`
/// and `email_verified` by `email`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

/// The answer of the UserInfo endpoint (Core §5.3.2): `sub` always, and
/// the claims the access token's scopes release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub sub: String,
    #[serde(flatten)]
    pub standard: StandardClaims,
}

/// Every claim an ID token or the UserInfo answer may carry, for the
/// discovery document's `claims_supported` (Discovery §3).
pub const CLAIMS_SUPPORTED: [&str; 12] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "name",
    "preferred_username",
    "email",
    "email_verified",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_claims_are_left_out_and_standard_claims_sit_at_the_top_level() {
        let claims = IdTokenClaims {
            iss: "https://as.example".to_owned(),
            sub: "u1".to_owned(),
            aud: "app".to_owned(),
            exp: 20,
            iat: 10,
            auth_time: Some(5),
            nonce: None,
            at_hash: None,
            standard: StandardClaims {
                email: Some("a@example.com".to_owned()),
                email_verified: Some(true),
                ..StandardClaims::default()
            },
        };
        let json = serde_json::to_value(&claims).unwrap_or_default();
        assert_eq!(json["email"], "a@example.com");
        assert_eq!(json["email_verified"], true);
        assert!(json.get("nonce").is_none(), "{json}");
        assert!(json.get("name").is_none(), "{json}");
        let back: IdTokenClaims = serde_json::from_value(json).unwrap_or_else(|_| claims.clone());
        assert_eq!(back, claims);
    }
}
