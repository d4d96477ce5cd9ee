//! The [`Grant`] that the claims of an RFC 9068 JWT access token make.
//!
//! The claims are one type shared with the authorization server,
//! [`AccessTokenClaims`]: RFC 9068 §2.2's required claims, each of its JSON
//! type (numbers are numbers). The signature, `iss`, `aud`, `exp` and
//! `nbf` values themselves are checked by `jsonwebtoken` before these claims
//! are read (`jwt/mod.rs`).

pub use oauth_types::jwt_access_token::AccessTokenClaims;

use crate::introspection::{Grant, InvalidToken, ResourceOwner};

impl TryFrom<AccessTokenClaims> for Grant {
    type Error = InvalidToken;

    /// The grant these claims make. `username` falls back to `sub` when the
    /// authorization server gives none (RFC 9068 has no username claim).
    fn try_from(claims: AccessTokenClaims) -> Result<Grant, InvalidToken> {
        if claims.sub.is_empty() {
            return Err(InvalidToken("the token names no resource owner (sub)"));
        }
        if claims.client_id.is_empty() || claims.jti.is_empty() {
            return Err(InvalidToken("the token's client_id or jti is empty"));
        }
        // RFC 9068 §2.2: without a resource owner (client credentials) `sub`
        // names the client. Every endpoint here acts for a person, so such
        // a token opens none, as in introspection mode (security.md 35).
        if claims.sub == claims.client_id {
            return Err(InvalidToken(
                "the token has no resource owner: its sub is its client",
            ));
        }
        let username = claims
            .username
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| claims.sub.clone());
        Ok(Grant {
            owner: ResourceOwner::new(claims.sub, Some(username)),
            client_id: Some(claims.client_id),
            scope: claims.scope.unwrap_or_default(),
            expires_at: claims.exp,
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
        let grant = Grant::try_from(parse(claims()).unwrap()).unwrap();
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
        let grant = Grant::try_from(parse(value).unwrap()).unwrap();
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
        assert!(Grant::try_from(parse(value).unwrap()).is_err());
    }

    #[test]
    fn an_empty_sub_is_refused() {
        let mut value = claims();
        value["sub"] = json!("");
        assert!(Grant::try_from(parse(value).unwrap()).is_err());
    }
}
