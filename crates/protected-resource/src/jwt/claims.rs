//! The claims of an RFC 9068 JWT access token, typed, and the [`Grant`]
//! they make.
//!
//! RFC 9068 §2.2 requires `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and
//! `jti`. Each must be present and of its JSON type: numbers are numbers. A
//! token whose `exp` or `nbf` is a string (`"exp": "9999999999"`) does not
//! fit [`AccessTokenClaims`] and is refused (CVE-2026-25537 was a JWT library
//! that silently skipped such claims). The signature, `iss`, `aud`, `exp` and
//! `nbf` values themselves are checked by `jsonwebtoken` before these claims
//! are read (`jwt/mod.rs`).

use oauth_types::introspection::Audience;
use oauth_types::ScopeSet;
use serde::Deserialize;

use crate::introspection::{Grant, InvalidToken, ResourceOwner};

/// RFC 9068 §2.2, plus `username`, which this workspace's authorization
/// server adds so that `/api/me` can name the owner.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessTokenClaims {
    pub iss: String,
    /// Unix seconds (RFC 7519 NumericDate): a JSON number, never a string.
    pub exp: i64,
    pub aud: Audience,
    pub sub: String,
    pub client_id: String,
    pub iat: i64,
    pub jti: String,
    #[serde(default)]
    pub nbf: Option<i64>,
    /// RFC 9068 §2.2.3: the scopes, space-separated (RFC 8693 §4.2).
    #[serde(default)]
    pub scope: Option<ScopeSet>,
    #[serde(default)]
    pub username: Option<String>,
}

impl AccessTokenClaims {
    /// The grant these claims make. `username` falls back to `sub` when the
    /// authorization server gives none (RFC 9068 has no username claim).
    pub fn into_grant(self) -> Result<Grant, InvalidToken> {
        if self.sub.is_empty() {
            return Err(InvalidToken("the token names no resource owner (sub)"));
        }
        if self.client_id.is_empty() || self.jti.is_empty() {
            return Err(InvalidToken("the token's client_id or jti is empty"));
        }
        // RFC 9068 §2.2: without a resource owner (client credentials) `sub`
        // names the client. Every endpoint here acts for a person, so such
        // a token opens none, as in introspection mode (security.md 35).
        if self.sub == self.client_id {
            return Err(InvalidToken(
                "the token has no resource owner: its sub is its client",
            ));
        }
        let username = self
            .username
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| self.sub.clone());
        Ok(Grant {
            owner: ResourceOwner::new(self.sub, Some(username)),
            client_id: Some(self.client_id),
            scope: self.scope.unwrap_or_default(),
            expires_at: self.exp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn claims() -> Value {
        json!({
            "iss": "http://as", "exp": 2000, "aud": "http://rs", "sub": "user-1",
            "client_id": "strava", "iat": 1000, "jti": "j1", "scope": "profile post",
            "username": "alice",
        })
    }

    fn parse(value: Value) -> Result<AccessTokenClaims, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn rfc_9068_claims_make_a_grant() {
        let grant = parse(claims()).unwrap().into_grant().unwrap();
        assert_eq!(grant.owner.sub(), "user-1");
        assert_eq!(grant.owner.username(), Some("alice"));
        assert_eq!(grant.client_id.as_deref(), Some("strava"));
        assert!(grant.scope.contains_str("post"));
        assert_eq!(grant.expires_at, 2000);
    }

    #[test]
    fn without_a_username_the_owner_is_named_by_sub() {
        let mut value = claims();
        value.as_object_mut().unwrap().remove("username");
        let grant = parse(value).unwrap().into_grant().unwrap();
        assert_eq!(grant.owner.username(), Some("user-1"));
    }

    #[test]
    fn every_required_claim_must_be_present() {
        for name in ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"] {
            let mut value = claims();
            value.as_object_mut().unwrap().remove(name);
            assert!(parse(value).is_err(), "{name} missing was accepted");
        }
    }

    #[test]
    fn numeric_dates_given_as_strings_are_refused() {
        for name in ["exp", "iat", "nbf"] {
            let mut value = claims();
            value[name] = json!("9999999999");
            assert!(parse(value).is_err(), "string {name} was accepted");
        }
        let mut value = claims();
        value["exp"] = json!(2000.5);
        assert!(parse(value).is_err(), "a fractional exp was accepted");
    }

    #[test]
    fn claims_of_the_wrong_type_are_refused() {
        for (name, wrong) in [
            ("sub", json!(7)),
            ("client_id", json!(["strava"])),
            ("jti", json!(null)),
            ("scope", json!(["profile"])),
            ("aud", json!(7)),
        ] {
            let mut value = claims();
            value[name] = wrong;
            assert!(
                parse(value).is_err(),
                "{name} of the wrong type was accepted"
            );
        }
    }

    #[test]
    fn a_token_whose_sub_is_its_client_has_no_owner_and_is_refused() {
        let mut value = claims();
        value["sub"] = json!("strava");
        value.as_object_mut().unwrap().remove("username");
        assert!(parse(value).unwrap().into_grant().is_err());
    }

    #[test]
    fn an_empty_sub_is_refused() {
        let mut value = claims();
        value["sub"] = json!("");
        assert!(parse(value).unwrap().into_grant().is_err());
    }
}
