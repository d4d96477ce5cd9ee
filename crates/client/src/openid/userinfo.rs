//! UserInfo (Core §5.3): where a provider may release the person's
//! profile claims instead of the ID token. Core §5.4: when an access token
//! is issued, as in the code flow, the claims of the `profile` scope are
//! returned from the UserInfo endpoint; a provider may also put them in the
//! ID token (ours does), but need not. So when the ID token carries no
//! `name`, the client asks UserInfo with the sign-in's access token,
//! through the `openidconnect` crate and the same recording, redirect-free
//! HTTP client.

use oauth_types::secret::AccessToken;
use openidconnect::core::{CoreClient, CoreJsonWebKeySet, CoreUserInfoClaims};
use openidconnect::{ClaimsVerificationError, ClientId, IssuerUrl, SubjectIdentifier, UserInfoUrl};
use url::Url;

use crate::oauth::Recorder;

/// Why the UserInfo answer was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserInfoError {
    /// Core §5.3.2: the answer is about someone else; none of it is used.
    #[error("its sub is not the ID token's (Core §5.3.2): nothing in it is used")]
    OtherSubject,
    #[error("the UserInfo endpoint could not be reached")]
    Unreachable,
    #[error("the UserInfo endpoint refused: {0}")]
    Refused(String),
    #[error("the UserInfo answer could not be read: {0}")]
    Unreadable(String),
}

/// The person's `name` according to the provider's UserInfo endpoint:
/// `GET` with the access token as a Bearer token (Core §5.3.1, RFC 6750
/// §2.1). The answer's `sub` must be `subject`, the ID token's (Core
/// §5.3.2), or nothing in it is used. `None` when it names no `name`.
pub async fn name(
    userinfo_endpoint: &Url,
    issuer: &str,
    client_id: &str,
    recorder: &Recorder<'_>,
    access_token: &AccessToken,
    subject: &str,
) -> Result<Option<String>, UserInfoError> {
    let issuer = IssuerUrl::new(issuer.to_owned())
        .map_err(|error| UserInfoError::Unreadable(error.to_string()))?;
    // No keys: a signed UserInfo answer is not asked for, so not accepted.
    let client = CoreClient::new(
        ClientId::new(client_id.to_owned()),
        issuer,
        CoreJsonWebKeySet::new(Vec::new()),
    )
    .set_user_info_url(UserInfoUrl::from_url(userinfo_endpoint.clone()));
    let claims: CoreUserInfoClaims = client
        .user_info(
            openidconnect::AccessToken::new(access_token.secret().to_owned()),
            Some(SubjectIdentifier::new(subject.to_owned())),
        )
        .request_async(recorder)
        .await
        .map_err(refusal)?;
    Ok(claims
        .name()
        .and_then(|name| name.get(None))
        .map(|name| name.as_str().to_owned()))
}

/// The crate's refusal, named after what went wrong.
fn refusal<E: std::error::Error + 'static>(
    error: openidconnect::UserInfoError<E>,
) -> UserInfoError {
    match error {
        openidconnect::UserInfoError::ClaimsVerification(
            ClaimsVerificationError::InvalidSubject(_),
        ) => UserInfoError::OtherSubject,
        openidconnect::UserInfoError::Request(_) => UserInfoError::Unreachable,
        openidconnect::UserInfoError::Response(status, _, _) if !status.is_success() => {
            UserInfoError::Refused(format!("HTTP {status}"))
        }
        other => UserInfoError::Unreadable(other.to_string()),
    }
}
