//! The audience of access tokens, RFC 8707 resource indicators.
//!
//! RFC 9700 §2.3: access tokens SHOULD be audience-restricted. A `resource`
//! parameter (RFC 8707 §2, at `/authorize` or `/token`) must name a
//! registered protected resource, else `invalid_target`; the token's
//! audience is then that resource alone. Without `resource`, the audience
//! is the client's default resource (`client add --default-resource`; the
//! demo clients' is `http://localhost:9002`), and a client without one must
//! name its resource (our policy: a token is never for every registered
//! resource). At `/token`, a `resource` may only narrow the audience the
//! authorization code or refresh token already carries.

use oauth_types::introspection::Audience;
use sqlx::AnyPool;

use crate::store::clients::{self, Client};

/// Why a `resource` is refused.
#[derive(Debug, thiserror::Error)]
pub enum AudienceError {
    #[error("the resource '{0}' is not a protected resource registered here")]
    UnknownResource(String),
    #[error(
        "this client has no default resource: name the protected resource with the \
         resource parameter (RFC 8707)"
    )]
    NoResource,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The audience of a new grant: the requested `resource`, else the
/// client's default resource; either must be a registered protected
/// resource.
pub async fn for_new_grant(
    pool: &AnyPool,
    client: &Client,
    resource: Option<&str>,
) -> Result<Audience, AudienceError> {
    let wanted = resource
        .or(client.default_resource.as_deref())
        .ok_or(AudienceError::NoResource)?;
    let registered = clients::resource_ids(pool).await?;
    if registered.iter().any(|id| id == wanted) {
        Ok(only(wanted))
    } else {
        Err(AudienceError::UnknownResource(wanted.to_owned()))
    }
}

/// Narrows an existing audience to `resource`, if given.
pub fn narrow(existing: &Audience, resource: Option<&str>) -> Result<Audience, AudienceError> {
    match resource {
        None => Ok(existing.clone()),
        Some(resource) if existing.contains(resource) => Ok(only(resource)),
        Some(resource) => Err(AudienceError::UnknownResource(resource.to_owned())),
    }
}

/// An audience of one resource.
fn only(resource: &str) -> Audience {
    Audience::new(vec![resource.to_owned()])
}
