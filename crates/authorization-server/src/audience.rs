//! The audience of access tokens, RFC 8707 resource indicators.
//!
//! Our choice: a `resource` parameter (at `/authorize` or `/token`) must
//! name a registered protected resource, else `invalid_target`; the token's
//! audience is then that resource alone. Without `resource`, the audience
//! is every registered protected resource (in the demo, only
//! `http://localhost:9002`). At `/token`, a `resource` may only narrow the
//! audience the authorization code or refresh token already carries.

use sqlx::AnyPool;

use crate::store::{clients, split_list};

/// Why a `resource` is refused.
#[derive(Debug, thiserror::Error)]
pub enum AudienceError {
    #[error("the resource '{0}' is not a protected resource registered here")]
    UnknownResource(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The space-separated audience for a new grant.
pub async fn for_new_grant(
    pool: &AnyPool,
    resource: Option<&str>,
) -> Result<String, AudienceError> {
    let registered = clients::resource_ids(pool).await?;
    match resource {
        Some(resource) if registered.iter().any(|id| id == resource) => Ok(resource.to_owned()),
        Some(resource) => Err(AudienceError::UnknownResource(resource.to_owned())),
        None => Ok(registered.join(" ")),
    }
}

/// Narrows an existing audience to `resource`, if given.
pub fn narrow(existing: &str, resource: Option<&str>) -> Result<String, AudienceError> {
    match resource {
        None => Ok(existing.to_owned()),
        Some(resource) if split_list(existing).iter().any(|id| id == resource) => {
            Ok(resource.to_owned())
        }
        Some(resource) => Err(AudienceError::UnknownResource(resource.to_owned())),
    }
}

/// Whether a stored audience includes `resource_id`.
pub fn includes(audience: &str, resource_id: &str) -> bool {
    audience.split(' ').any(|id| id == resource_id)
}
