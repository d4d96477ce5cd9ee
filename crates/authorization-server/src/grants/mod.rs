//! The grant types of `/token`, one file each, and the issuing of tokens
//! they share.

/// RFC 6749 §4.1.3, with PKCE (RFC 7636 §4.6).
pub mod authorization_code;
/// RFC 6749 §4.4.
pub mod client_credentials;
/// RFC 8628 §3.4, §3.5.
pub mod device_code;
/// Storing and answering new tokens (RFC 6749 §5.1).
pub mod issue;
/// RFC 6749 §6, with rotation (RFC 9700 §4.14.2).
pub mod refresh_token;

use oauth_types::params::UniqueParams;
use oauth_types::secret::{AuthorizationCode, DeviceCode, RefreshToken};
use oauth_types::{GrantType, ScopeSet};

use crate::audience::AudienceError;
use crate::errors::EndpointError;
use crate::store::clients::Client;

/// A token request, parsed once from the form of `/token`, with the
/// parameters its grant type defines. `resource` is RFC 8707 §2 in each.
#[derive(Debug)]
pub enum Grant {
    /// RFC 6749 §4.1.3, RFC 7636 §4.5.
    AuthorizationCode {
        code: AuthorizationCode,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
        resource: Option<String>,
    },
    /// RFC 6749 §6.
    RefreshToken {
        refresh_token: RefreshToken,
        scope: Option<String>,
        resource: Option<String>,
    },
    /// RFC 6749 §4.4.2.
    ClientCredentials {
        scope: Option<String>,
        resource: Option<String>,
    },
    /// RFC 8628 §3.4.
    DeviceCode {
        device_code: DeviceCode,
        resource: Option<String>,
    },
}

impl Grant {
    /// The grant of a token request by `client`, checked in this order: a
    /// `grant_type` (else `invalid_request`) that this server knows (else
    /// `unsupported_grant_type`, RFC 6749 §5.2) and the client is
    /// registered for (else `unauthorized_client`), then the parameters
    /// that grant type requires (else `invalid_request`).
    pub fn parse(params: &UniqueParams, client: &Client) -> Result<Self, EndpointError> {
        let named = params
            .get("grant_type")
            .ok_or_else(|| EndpointError::InvalidRequest("grant_type is required".to_owned()))?;
        let grant_type = GrantType::parse(named)
            .ok_or_else(|| EndpointError::UnsupportedGrantType(named.to_owned()))?;
        if !client.may_use_grant(grant_type) {
            return Err(EndpointError::UnauthorizedClient(format!(
                "this client is not registered for the {grant_type} grant"
            )));
        }
        let optional = |name: &str| params.get(name).map(str::to_owned);
        let required = |name: &str| {
            params
                .get(name)
                .ok_or_else(|| EndpointError::InvalidRequest(format!("{name} is required")))
        };
        Ok(match grant_type {
            GrantType::AuthorizationCode => Self::AuthorizationCode {
                code: AuthorizationCode::new(required("code")?),
                redirect_uri: optional("redirect_uri"),
                code_verifier: optional("code_verifier"),
                resource: optional("resource"),
            },
            GrantType::RefreshToken => Self::RefreshToken {
                refresh_token: RefreshToken::new(required("refresh_token")?),
                scope: optional("scope"),
                resource: optional("resource"),
            },
            GrantType::ClientCredentials => Self::ClientCredentials {
                scope: optional("scope"),
                resource: optional("resource"),
            },
            GrantType::DeviceCode => Self::DeviceCode {
                device_code: DeviceCode::new(required("device_code")?),
                resource: optional("resource"),
            },
        })
    }
}

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

/// A single-use code (an authorization code, a device code) presented again
/// after its redemption: once `mark` has recorded the replay, every token
/// issued from the code is revoked (rule 32, RFC 6749 §4.1.2), and the
/// answer is `invalid_grant`, naming `what` was used.
pub(crate) async fn revoke_replayed(
    state: &crate::state::AppState,
    code_hash: &oauth_types::secret::CredentialHash,
    mark: impl std::future::Future<Output = Result<(), sqlx::Error>>,
    what: &str,
    now: i64,
) -> EndpointError {
    if let Err(error) = mark.await {
        return EndpointError::Internal(error);
    }
    match crate::store::tokens::revoke_issued_from_code(&state.pool, code_hash, now).await {
        Ok(revoked) => {
            tracing::warn!(revoked, "{what} replayed; its tokens are revoked");
            EndpointError::InvalidGrant(format!("{what} was already used"))
        }
        Err(error) => EndpointError::Internal(error),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::clients::ClientKind;

    fn client(grant_types: Vec<GrantType>) -> Client {
        Client {
            client_id: "batch".to_owned(),
            kind: ClientKind::Confidential,
            secret_hash: None,
            redirect_uris: vec![],
            scopes: ScopeSet::empty(),
            grant_types,
            resource_id: None,
            default_resource: None,
            post_logout_redirect_uris: vec![],
            id_token_alg: crate::jwt::SigningAlgorithm::RS256,
            dpop_bound_access_tokens: false,
            auth_method: oauth_types::TokenEndpointAuthMethod::ClientSecretBasic,
            jwks: None,
            require_pushed_authorization_requests: false,
            client_name: None,
            registration_token_hash: None,
            created_at: 0,
        }
    }

    fn form(pairs: &[(&str, &str)]) -> UniqueParams {
        let pairs = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        UniqueParams::from_pairs(pairs).unwrap()
    }

    #[test]
    fn a_grant_type_the_client_may_not_use_is_refused_before_its_parameters_are_read() {
        let code_only = form(&[("grant_type", "authorization_code")]);

        let not_registered = Grant::parse(&code_only, &client(vec![GrantType::RefreshToken]));
        let no_code = Grant::parse(&code_only, &client(vec![GrantType::AuthorizationCode]));

        assert!(matches!(
            not_registered,
            Err(EndpointError::UnauthorizedClient(_))
        ));
        assert!(matches!(no_code, Err(EndpointError::InvalidRequest(_))));
    }

    #[test]
    fn a_missing_or_unknown_grant_type_is_refused_first() {
        let any = client(vec![GrantType::ClientCredentials]);

        let missing = Grant::parse(&form(&[("scope", "post")]), &any);
        let password = Grant::parse(&form(&[("grant_type", "password")]), &any);

        assert!(matches!(missing, Err(EndpointError::InvalidRequest(_))));
        assert!(matches!(
            password,
            Err(EndpointError::UnsupportedGrantType(_))
        ));
    }

    #[test]
    fn each_grant_carries_the_parameters_of_its_type() {
        let request = form(&[
            ("grant_type", "client_credentials"),
            ("scope", "post"),
            ("code", "ignored"),
        ]);

        let grant = Grant::parse(&request, &client(vec![GrantType::ClientCredentials]));

        assert!(matches!(
            grant,
            Ok(Grant::ClientCredentials { scope: Some(scope), resource: None }) if scope == "post"
        ));
    }
}
