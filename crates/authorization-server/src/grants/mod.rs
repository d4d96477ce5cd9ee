//! The grant types of `/token`, one file each, and the issuing of tokens
//! they share.

/// RFC 6749 §4.1.3, with PKCE (RFC 7636 §4.6).
pub mod authorization_code;
/// RFC 6749 §4.4.
pub mod client_credentials;
/// Storing and answering new tokens (RFC 6749 §5.1).
pub mod issue;
/// RFC 6749 §6, with rotation (RFC 9700 §4.14.2).
pub mod refresh_token;

use oauth_types::ScopeSet;

use crate::audience::AudienceError;
use crate::errors::EndpointError;

impl From<AudienceError> for EndpointError {
    fn from(error: AudienceError) -> Self {
        match error {
            AudienceError::UnknownResource(_) | AudienceError::NoResource => {
                Self::InvalidTarget(error.to_string())
            }
            AudienceError::Database(error) => Self::Internal(error),
        }
    }
}

/// The `scope` parameter of a token request, which may only narrow `limit`
/// (RFC 6749 §6: "MUST NOT include any scope not originally granted").
pub(crate) fn narrowed_scope(
    requested: Option<&str>,
    limit: &ScopeSet,
) -> Result<ScopeSet, EndpointError> {
    let Some(requested) = requested else {
        return Ok(limit.clone());
    };
    let scope = ScopeSet::parse(requested)
        .map_err(|error| EndpointError::InvalidScope(error.to_string()))?;
    if scope.is_empty() || !scope.is_subset(limit) {
        return Err(EndpointError::InvalidScope(
            "the requested scope exceeds what was granted".to_owned(),
        ));
    }
    Ok(scope)
}
