//! From an RFC 7662 answer to a [`Grant`]: what this resource will let the
//! token do.
//!
//! The rules (security.md 19, 20):
//! - `active` must be `true` (RFC 7662 §2.2);
//! - `exp` must be present and in the future: a token the authorization
//!   server gives no end to does not count here;
//! - `nbf`, when present, must be in the past;
//! - `aud`, when present, must include this resource's identifier
//!   (RFC 7662 §4: a token for another resource must not be accepted here);
//! - `token_type`, when present, must not name another kind of token (a
//!   refresh token is not an access token), and `DPoP` only with the key
//!   it is bound to (`cnf.jkt`, RFC 9449 §6.2), which the extractor then
//!   holds the request's proof to;
//! - `sub` must be present: every endpoint here acts for a resource owner.

use oauth_types::dpop::JwkThumbprint;
use oauth_types::introspection::IntrospectionResponse;
use oauth_types::ScopeSet;

/// Why the answer does not count; the text goes to the caller as
/// `error_description` and says nothing the caller does not already know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidToken(pub &'static str);

/// The person whose data a token opens: the token's `sub`, and the
/// `username` the authorization server gave for it.
///
/// It can only be built inside this crate from a token that passed every
/// rule (an introspection answer here, or the claims of a JWT access token
/// in `jwt/claims.rs`), so every store function that takes one acts for the
/// token's owner and nobody else (security.md 22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceOwner {
    sub: String,
    username: Option<String>,
}

impl ResourceOwner {
    /// Only the validators call this, after every rule passed.
    pub(crate) fn new(sub: String, username: Option<String>) -> Self {
        Self { sub, username }
    }

    pub fn sub(&self) -> &str {
        &self.sub
    }

    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }
}

/// What an accepted token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub owner: ResourceOwner,
    /// The client the token was issued to, when the server says.
    pub client_id: Option<String>,
    pub scope: ScopeSet,
    /// The token's `exp`, Unix seconds.
    pub expires_at: i64,
    /// RFC 9449: the thumbprint of the key the token is bound to; a bound
    /// token is accepted only with a DPoP proof by that key.
    pub binding: Option<JwkThumbprint>,
}

impl Grant {
    /// Applies the rules above to `answer` at time `now`.
    pub fn from_answer(
        answer: IntrospectionResponse,
        resource_id: &str,
        now: i64,
    ) -> Result<Self, InvalidToken> {
        if !answer.active {
            return Err(InvalidToken(
                "the token is not active: unknown, expired or revoked",
            ));
        }
        let expires_at = answer.exp.ok_or(InvalidToken(
            "the authorization server gave no expiry for this token",
        ))?;
        if expires_at <= now {
            return Err(InvalidToken("the token has expired"));
        }
        if answer.nbf.is_some_and(|not_before| not_before > now) {
            return Err(InvalidToken("the token is not valid yet"));
        }
        // RFC 7662 §4 and RFC 8707: a token for another resource is refused.
        if !answer.aud.is_empty() && !answer.aud.contains(resource_id) {
            return Err(InvalidToken("the token was issued for another resource"));
        }
        if answer
            .token_type
            .as_deref()
            .is_some_and(is_not_an_access_token)
        {
            return Err(InvalidToken("this is not an access token"));
        }
        let binding = answer.cnf.map(|confirmation| confirmation.jkt);
        let says_dpop = answer
            .token_type
            .as_deref()
            .is_some_and(|token_type| token_type.eq_ignore_ascii_case("DPoP"));
        if says_dpop && binding.is_none() {
            return Err(InvalidToken("a DPoP token without the key it is bound to"));
        }
        let sub = answer
            .sub
            .filter(|sub| !sub.is_empty())
            .ok_or(InvalidToken("the token names no resource owner (sub)"))?;
        Ok(Self {
            owner: ResourceOwner::new(sub, answer.username.filter(|name| !name.is_empty())),
            client_id: answer.client_id.filter(|id| !id.is_empty()),
            scope: answer.scope.unwrap_or_default(),
            expires_at,
            binding,
        })
    }
}

/// `token_type` values that name something other than an access token
/// (RFC 7662 §2.2 points at RFC 6749 §5.1 token types; some servers use
/// RFC 7009's hint names instead).
fn is_not_an_access_token(token_type: &str) -> bool {
    ["refresh_token", "n_a"]
        .iter()
        .any(|other| token_type.eq_ignore_ascii_case(other))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth_types::introspection::Audience;

    const RESOURCE: &str = "http://localhost:9002";

    fn active(now: i64) -> IntrospectionResponse {
        IntrospectionResponse {
            active: true,
            scope: ScopeSet::parse("profile post").ok(),
            client_id: Some("strava".into()),
            username: Some("alice".into()),
            sub: Some("user-1".into()),
            exp: Some(now + 60),
            aud: Audience::new(vec![RESOURCE.into()]),
            ..IntrospectionResponse::default()
        }
    }

    #[test]
    fn an_active_answer_for_this_resource_is_a_grant() {
        let grant = Grant::from_answer(active(100), RESOURCE, 100).unwrap();
        assert_eq!(grant.owner.sub(), "user-1");
        assert_eq!(grant.owner.username(), Some("alice"));
        assert!(grant.scope.contains_str("post"));
        assert_eq!(grant.expires_at, 160);
    }

    #[test]
    fn an_answer_without_audience_is_accepted() {
        let answer = IntrospectionResponse {
            aud: Audience::default(),
            ..active(100)
        };
        assert!(Grant::from_answer(answer, RESOURCE, 100).is_ok());
    }

    #[test]
    fn every_rule_refuses_what_breaks_it() {
        let now = 100;
        let refused =
            |answer: IntrospectionResponse| Grant::from_answer(answer, RESOURCE, now).is_err();
        assert!(refused(IntrospectionResponse::inactive()));
        assert!(refused(IntrospectionResponse {
            active: false,
            ..active(now)
        }));
        assert!(refused(IntrospectionResponse {
            exp: None,
            ..active(now)
        }));
        assert!(refused(IntrospectionResponse {
            exp: Some(now),
            ..active(now)
        }));
        assert!(refused(IntrospectionResponse {
            nbf: Some(now + 1),
            ..active(now)
        }));
        assert!(refused(IntrospectionResponse {
            aud: Audience::new(vec!["http://elsewhere".into()]),
            ..active(now)
        }));
        assert!(refused(IntrospectionResponse {
            sub: None,
            ..active(now)
        }));
        assert!(refused(IntrospectionResponse {
            token_type: Some("refresh_token".into()),
            ..active(now)
        }));
        assert!(!refused(IntrospectionResponse {
            token_type: Some("Bearer".into()),
            ..active(now)
        }));
        assert!(
            refused(IntrospectionResponse {
                token_type: Some("DPoP".into()),
                ..active(now)
            }),
            "DPoP without cnf.jkt"
        );
    }

    #[test]
    fn a_dpop_bound_answer_carries_its_key_thumbprint_into_the_grant() {
        let now = 1_000;
        let confirmation = oauth_types::dpop::Confirmation {
            jkt: JwkThumbprint::new("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"),
        };
        let grant = Grant::from_answer(
            IntrospectionResponse {
                token_type: Some("DPoP".into()),
                cnf: Some(confirmation.clone()),
                ..active(now)
            },
            RESOURCE,
            now,
        )
        .unwrap();
        assert_eq!(grant.binding, Some(confirmation.jkt));
        let bearer = Grant::from_answer(active(now), RESOURCE, now).unwrap();
        assert_eq!(bearer.binding, None);
    }
}
