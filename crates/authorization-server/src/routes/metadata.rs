//! `GET /.well-known/oauth-authorization-server`, RFC 8414: what this
//! server supports, every endpoint URL built from `--issuer`; and, with
//! `--access-token-format jwt`, `GET /jwks.json`, the RFC 7517 JWK Set of
//! the keys that sign access tokens (its `jwks_uri`).

use actix_web::web::Data;
use actix_web::HttpResponse;
use oauth_types::metadata::AuthorizationServerMetadata;
use oauth_types::ScopeSet;

use crate::errors::EndpointError;
use crate::jwt::JWKS_MAX_AGE_SECONDS;
use crate::state::AppState;
use crate::store::clients;

pub async fn metadata(state: Data<AppState>) -> Result<HttpResponse, EndpointError> {
    let client_auth = || {
        vec![
            "client_secret_basic".to_owned(),
            "client_secret_post".to_owned(),
        ]
    };
    let mut token_auth = client_auth();
    // Public clients authenticate with PKCE only.
    token_auth.push("none".to_owned());
    let scopes = clients::list(&state.pool)
        .await?
        .iter()
        .fold(ScopeSet::empty(), |all, client| all.union(&client.scopes));
    let document = AuthorizationServerMetadata {
        issuer: state.issuer.clone(),
        authorization_endpoint: state.endpoint("/authorize"),
        token_endpoint: state.endpoint("/token"),
        jwks_uri: state.jwt.as_ref().map(|_| state.endpoint("/jwks.json")),
        scopes_supported: scopes.iter().map(ToString::to_string).collect(),
        response_types_supported: vec!["code".to_owned()],
        grant_types_supported: oauth_types::GrantType::ALL
            .iter()
            .map(ToString::to_string)
            .collect(),
        token_endpoint_auth_methods_supported: token_auth.clone(),
        revocation_endpoint: Some(state.endpoint("/revoke")),
        revocation_endpoint_auth_methods_supported: token_auth,
        introspection_endpoint: Some(state.endpoint("/introspect")),
        introspection_endpoint_auth_methods_supported: client_auth(),
        code_challenge_methods_supported: vec!["S256".to_owned()],
        authorization_response_iss_parameter_supported: true,
    };
    Ok(HttpResponse::Ok().json(document))
}

/// `GET /jwks.json`: the public keys (404 when tokens are opaque). Cached
/// by resource servers for [`JWKS_MAX_AGE_SECONDS`] at most: a rotated-in
/// key is published that long (plus our reload interval) before it signs.
pub async fn jwks(state: Data<AppState>) -> Result<HttpResponse, EndpointError> {
    let Some(signer) = &state.jwt else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let keys = signer.jwk_set(state.now()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "Cache-Control",
            format!("public, max-age={JWKS_MAX_AGE_SECONDS}"),
        ))
        .json(keys))
}
