//! The two ways of checking a token, behind one door (contract:
//! `--validation introspection|jwt`).
//!
//! | method          | how                                                | sees revocation      |
//! |-----------------|----------------------------------------------------|----------------------|
//! | `introspection` | asks the authorization server (RFC 7662), cached   | within the cache TTL |
//! | `jwt`           | checks an RFC 9068 JWT's signature and claims here | only at `exp`        |
//!
//! Both end in the same [`Grant`], so the extractor
//! [`Authorized<S>`](crate::bearer::Authorized), the scope check and the
//! routes do not know, or care, which method is on.

use std::collections::HashMap;
use std::sync::Mutex;

use oauth_types::secret::AccessToken;

use crate::introspection::{
    Grant, IntrospectionSettings, Introspector, InvalidToken, ResourceOwner,
};
use crate::jwt::{JwtSettings, JwtValidator};

/// Why a token does not open the door.
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    /// The authorization server says no, or the token fails our rules:
    /// RFC 6750 `invalid_token`.
    #[error(transparent)]
    Invalid(#[from] InvalidToken),
    /// The token could not be checked (the authorization server, or its
    /// keys, could not be reached): nothing is served.
    #[error("the authorization server could not be asked: {0}")]
    Unavailable(String),
}

/// A successful validation, and whether it is `fresh`: from
/// [`Introspector`] or [`JwtValidator`], the token was checked just now (not
/// served from the cache); from [`TokenValidator`], moreover its owner is
/// news to this process, in which case their username is remembered.
#[derive(Debug, Clone)]
pub struct Validated {
    pub grant: Grant,
    pub fresh: bool,
}

/// The method chosen with `--validation`, with its settings.
pub enum MethodSettings {
    Introspection(IntrospectionSettings),
    Jwt(JwtSettings),
}

/// The method chosen with `--validation`, ready, and the owners already
/// known to this process.
pub struct TokenValidator {
    validator: Validator,
    known_owners: KnownOwners,
}

enum Validator {
    Introspection(Introspector),
    Jwt(JwtValidator),
}

impl TokenValidator {
    pub fn introspection(settings: IntrospectionSettings) -> Result<Self, reqwest::Error> {
        Introspector::new(settings)
            .map(|introspector| Self::of(Validator::Introspection(introspector)))
    }

    pub fn jwt(settings: JwtSettings) -> Result<Self, reqwest::Error> {
        JwtValidator::new(settings).map(|validator| Self::of(Validator::Jwt(validator)))
    }

    /// With an HTTP client built elsewhere (e.g. one that trusts
    /// `--ca-cert`); it must not follow redirects.
    pub fn with_client(method: MethodSettings, http: reqwest::Client) -> Self {
        Self::of(match method {
            MethodSettings::Introspection(settings) => {
                Validator::Introspection(Introspector::with_client(settings, http))
            }
            MethodSettings::Jwt(settings) => {
                Validator::Jwt(JwtValidator::with_client(settings, http))
            }
        })
    }

    fn of(validator: Validator) -> Self {
        Self {
            validator,
            known_owners: KnownOwners::default(),
        }
    }

    /// What `token` grants at time `now` (Unix seconds). `fresh` is true
    /// only when the owner (with this username) is news to this process, so
    /// the users table is written once per owner, not once per request
    /// (with the introspection cache off every request asks the
    /// authorization server; it need not also write to the database).
    pub async fn validate(
        &self,
        token: &AccessToken,
        now: i64,
    ) -> Result<Validated, ValidationError> {
        let validated = match &self.validator {
            Validator::Introspection(introspector) => introspector.validate(token, now).await,
            Validator::Jwt(validator) => validator.validate(token, now).await,
        }?;
        let fresh = validated.fresh && self.known_owners.is_news(&validated.grant.owner);
        Ok(Validated {
            grant: validated.grant,
            fresh,
        })
    }
}

/// Owners kept at most; past that the set starts again (only costs writes).
const KNOWN_OWNERS_CAPACITY: usize = 10_000;

/// `sub` → username already remembered by this process. A cache that is
/// safe to lose: forgetting an owner only means writing the users table
/// once more.
#[derive(Default)]
struct KnownOwners {
    owners: Mutex<HashMap<String, String>>,
}

impl KnownOwners {
    /// Whether this owner (with this username) is new to this process; it
    /// is known from now on.
    fn is_news(&self, owner: &ResourceOwner) -> bool {
        let username = owner.username().unwrap_or_default();
        let mut known = self
            .owners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if known.get(owner.sub()).is_some_and(|name| name == username) {
            return false;
        }
        if known.len() >= KNOWN_OWNERS_CAPACITY {
            known.clear();
        }
        known.insert(owner.sub().to_owned(), username.to_owned());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(sub: &str, username: Option<&str>) -> ResourceOwner {
        ResourceOwner::new(sub.to_owned(), username.map(str::to_owned))
    }

    #[test]
    fn an_owner_is_news_once_and_again_when_their_username_changes() {
        let known = KnownOwners::default();
        assert!(known.is_news(&owner("user-1", Some("alice"))));
        assert!(!known.is_news(&owner("user-1", Some("alice"))));
        assert!(known.is_news(&owner("user-2", Some("bob"))));
        assert!(known.is_news(&owner("user-1", Some("alice2"))));
        assert!(!known.is_news(&owner("user-1", Some("alice2"))));
    }
}
