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

use oauth_types::secret::AccessToken;

use crate::introspection::{Grant, IntrospectionSettings, Introspector, InvalidToken};
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

/// A successful validation, and whether the token's owner is news to this
/// process (`fresh`: asked the authorization server just now, or first seen
/// in a JWT), in which case their username is remembered.
#[derive(Debug, Clone)]
pub struct Validated {
    pub grant: Grant,
    pub fresh: bool,
}

/// The method chosen with `--validation`.
pub enum TokenValidator {
    Introspection(Introspector),
    Jwt(JwtValidator),
}

impl TokenValidator {
    pub fn introspection(settings: IntrospectionSettings) -> Result<Self, reqwest::Error> {
        Introspector::new(settings).map(Self::Introspection)
    }

    pub fn jwt(settings: JwtSettings) -> Result<Self, reqwest::Error> {
        JwtValidator::new(settings).map(Self::Jwt)
    }

    /// What `token` grants at time `now` (Unix seconds).
    pub async fn validate(
        &self,
        token: &AccessToken,
        now: i64,
    ) -> Result<Validated, ValidationError> {
        match self {
            Self::Introspection(introspector) => introspector.validate(token, now).await,
            Self::Jwt(validator) => validator.validate(token, now).await,
        }
    }
}
