//! The client information response (RFC 7591 §3.2.1, RFC 7592 §3): the
//! client's identifiers, its credentials when just issued, and its
//! metadata as stored.

use serde::Serialize;

use crate::store::clients::Client;

/// What `/register` and a `registration_client_uri` answer.
#[derive(Debug, Serialize)]
pub struct ClientInformation {
    pub client_id: String,
    /// Only when just issued (registration, or a replacement that needed one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub client_id_issued_at: i64,
    /// RFC 7591 §3.2.1: REQUIRED with a secret; 0: it does not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
    /// RFC 7592 §3: the token of the next management request.
    pub registration_access_token: String,
    pub registration_client_uri: String,
    #[serde(flatten)]
    pub metadata: StoredMetadata,
}

/// A client's metadata as stored, in RFC 7591 §2 names.
#[derive(Debug, Serialize)]
pub struct StoredMetadata {
    pub redirect_uris: Vec<String>,
    pub token_endpoint_auth_method: String,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    pub dpop_bound_access_tokens: bool,
    pub require_pushed_authorization_requests: bool,
    pub id_token_signed_response_alg: String,
}

impl StoredMetadata {
    pub fn of(client: &Client) -> Self {
        let has_code = client.may_use_grant(oauth_types::GrantType::AuthorizationCode);
        Self {
            redirect_uris: client.redirect_uris.clone(),
            token_endpoint_auth_method: client.auth_method.to_string(),
            grant_types: client.grant_types.iter().map(ToString::to_string).collect(),
            response_types: match has_code {
                true => vec!["code".to_owned()],
                false => Vec::new(),
            },
            client_name: client.client_name.clone(),
            scope: client.scopes.to_string(),
            jwks: client
                .jwks
                .as_ref()
                .and_then(|jwks| serde_json::from_str(jwks.to_json()).ok()),
            post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
            dpop_bound_access_tokens: client.dpop_bound_access_tokens,
            require_pushed_authorization_requests: client.require_pushed_authorization_requests,
            id_token_signed_response_alg: client.id_token_alg.as_str().to_owned(),
        }
    }
}
