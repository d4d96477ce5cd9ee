//! `POST /token`: steps (D) and (E) of RFC 6749 §4.1, and the other grants.
//!
//! The body is read and the client authenticated by `client_auth`'s
//! extractor (wrong content type, oversized body or a repeated parameter is
//! `invalid_request`), and each grant type lives in `grants/`. No implicit and no
//! password grant (rule 17): they are `unsupported_grant_type`. Every answer
//! carries `Cache-Control: no-store` and `Pragma: no-cache` (rule 8).

use actix_web::web::Data;
use actix_web::HttpResponse;
use oauth_types::GrantType;

use crate::client_auth::ClientAuthentication;
use crate::errors::EndpointError;
use crate::grants;
use crate::state::AppState;

pub async fn token(
    caller: ClientAuthentication,
    state: Data<AppState>,
) -> Result<HttpResponse, EndpointError> {
    let params = &caller.params;
    let named = params
        .get("grant_type")
        .ok_or_else(|| EndpointError::InvalidRequest("grant_type is required".to_owned()))?;
    let grant_type = GrantType::parse(named)
        .ok_or_else(|| EndpointError::UnsupportedGrantType(named.to_owned()))?;
    if !caller.client.may_use_grant(grant_type) {
        return Err(EndpointError::UnauthorizedClient(format!(
            "this client is not registered for the {grant_type} grant"
        )));
    }
    let now = state.now();
    let response = match grant_type {
        GrantType::AuthorizationCode => {
            grants::authorization_code::exchange(&state, &caller.client, params, now).await?
        }
        GrantType::RefreshToken => {
            grants::refresh_token::refresh(&state, &caller.client, params, now).await?
        }
        GrantType::ClientCredentials => {
            grants::client_credentials::grant(&state, &caller.client, params, now).await?
        }
    };
    Ok(no_store(HttpResponse::Ok()).json(response))
}

/// RFC 6749 §5.1: token answers are never cached.
pub(crate) fn no_store(
    mut builder: actix_web::HttpResponseBuilder,
) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"));
    builder
}
