//! `GET /.well-known/oauth-authorization-server` (RFC 8414) and
//! `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0
//! §4): what this server supports, every endpoint URL built from
//! `--issuer`; and `GET /jwks.json`, the RFC 7517 JWK Set of the keys that
//! sign ID tokens and JWT access tokens (its `jwks_uri`).
//!
//! Both documents are the same: the RFC 8414 members plus those an OpenID
//! Provider adds (Discovery §3: `userinfo_endpoint`, `end_session_endpoint`,
//! `subject_types_supported`, `id_token_signing_alg_values_supported`,
//! `claims_supported`), so they list the same endpoints with the same
//! URLs. RFC 8414 §2 lets a document carry these members (its registry,
//! §7.1.2, holds them); our policy is to serve one document, so that an
//! OAuth client and a relying party never see two versions of one server.

use actix_web::web::Data;
use actix_web::HttpResponse;
use oauth_types::client_assertion;
use oauth_types::id_token::CLAIMS_SUPPORTED;
use oauth_types::metadata::{AuthorizationServerMetadata, OpenIdProviderMetadata};
use oauth_types::TokenEndpointAuthMethod;

use crate::config::RegistrationMode;
use crate::errors::EndpointError;
use crate::jwt::{SigningAlgorithm, JWKS_MAX_AGE_SECONDS};
use crate::state::AppState;
use crate::store::clients;

pub async fn metadata(state: Data<AppState>) -> Result<HttpResponse, EndpointError> {
    Ok(HttpResponse::Ok().json(openid_configuration(&state).await?))
}

/// The one document of both well-known URLs.
pub async fn openid_configuration(
    state: &AppState,
) -> Result<OpenIdProviderMetadata, EndpointError> {
    let oauth = oauth_metadata(state).await?;
    Ok(OpenIdProviderMetadata {
        oauth,
        userinfo_endpoint: state.endpoint("/userinfo"),
        end_session_endpoint: Some(state.endpoint("/logout")),
        subject_types_supported: vec!["public".to_owned()],
        // Discovery §3: RS256 MUST be listed; first, as our default.
        id_token_signing_alg_values_supported: [SigningAlgorithm::RS256, SigningAlgorithm::EdDSA]
            .iter()
            .map(|alg| alg.as_str().to_owned())
            .collect(),
        claims_supported: CLAIMS_SUPPORTED
            .iter()
            .map(|&claim| claim.to_owned())
            .collect(),
    })
}

/// The RFC 8414 §2 members.
async fn oauth_metadata(state: &AppState) -> Result<AuthorizationServerMetadata, EndpointError> {
    let client_auth = || {
        [
            TokenEndpointAuthMethod::ClientSecretBasic,
            TokenEndpointAuthMethod::ClientSecretPost,
            TokenEndpointAuthMethod::PrivateKeyJwt,
        ]
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
    };
    // RFC 8414 §2: the `alg`s of `private_key_jwt` assertions (RFC 7523).
    let assertion_algs = || -> Vec<String> {
        client_assertion::algorithm_names()
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    let mut token_auth = client_auth();
    // Public clients authenticate with PKCE only.
    token_auth.push(TokenEndpointAuthMethod::None.to_string());
    let scopes = clients::scopes_in_use(&state.pool).await?;
    let document = AuthorizationServerMetadata {
        issuer: state.issuer.clone(),
        authorization_endpoint: state.endpoint("/authorize"),
        token_endpoint: state.endpoint("/token"),
        jwks_uri: Some(state.endpoint("/jwks.json")),
        scopes_supported: scopes.iter().map(ToString::to_string).collect(),
        response_types_supported: vec!["code".to_owned()],
        grant_types_supported: oauth_types::GrantType::ALL
            .iter()
            .map(ToString::to_string)
            .collect(),
        token_endpoint_auth_methods_supported: token_auth.clone(),
        token_endpoint_auth_signing_alg_values_supported: assertion_algs(),
        revocation_endpoint: Some(state.endpoint("/revoke")),
        revocation_endpoint_auth_methods_supported: token_auth,
        revocation_endpoint_auth_signing_alg_values_supported: assertion_algs(),
        introspection_endpoint: Some(state.endpoint("/introspect")),
        introspection_endpoint_auth_methods_supported: client_auth(),
        introspection_endpoint_auth_signing_alg_values_supported: assertion_algs(),
        code_challenge_methods_supported: vec!["S256".to_owned()],
        authorization_response_iss_parameter_supported: true,
        dpop_signing_alg_values_supported: oauth_types::dpop::algorithm_names()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        pushed_authorization_request_endpoint: Some(state.endpoint("/par")),
        // RFC 9126 §5: not for every client; `client add --require-par`
        // requires it of one client.
        require_pushed_authorization_requests: false,
        device_authorization_endpoint: Some(state.endpoint("/device_authorization")),
        registration_endpoint: (state.registration != RegistrationMode::Off)
            .then(|| state.endpoint("/register")),
    };
    Ok(document)
}

/// `GET /jwks.json`: the public keys of every algorithm's chain. Cached
/// by resource servers for [`JWKS_MAX_AGE_SECONDS`] at most: a rotated-in
/// key is published that long (plus our reload interval) before it signs.
pub async fn jwks(state: Data<AppState>) -> Result<HttpResponse, EndpointError> {
    let keys = state.signer.jwk_set(state.now()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "Cache-Control",
            format!("public, max-age={JWKS_MAX_AGE_SECONDS}"),
        ))
        .json(keys))
}
