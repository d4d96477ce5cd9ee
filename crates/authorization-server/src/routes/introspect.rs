//! `POST /introspect`, RFC 7662: a resource server asks whether an access
//! token is active and what it carries.
//!
//! Rule 15: only an authenticated protected resource may ask (others: 401
//! `invalid_client`, or 403 when authenticated as an ordinary client). An
//! unknown, expired, revoked or refresh token, or one whose audience does
//! not include the caller's resource identifier, is exactly
//! `{"active": false}` (§2.2, §4). `token_type_hint` is accepted and not
//! relied upon. This path is hot: one lookup of the client, one lookup of
//! the token by its hash (primary key), a SHA-256 secret check.
//!
//! A DPoP-bound token is answered with `token_type: "DPoP"` and the key's
//! thumbprint in `cnf.jkt` (RFC 9449 §6.2), so the resource can check the
//! proof that comes with it.

use actix_web::web::Data;
use actix_web::HttpResponse;
use oauth_types::dpop::Confirmation;
use oauth_types::introspection::IntrospectionResponse;
use oauth_types::secret::AccessToken;

use super::token::no_store;
use crate::client_auth::{ClientAuthentication, TokenForm};
use crate::errors::EndpointError;
use crate::state::AppState;
use crate::store::clients::ClientKind;
use crate::store::tokens::{self, StoredToken, TokenKind};

pub async fn introspect(
    caller: ClientAuthentication<TokenForm>,
    state: Data<AppState>,
) -> Result<HttpResponse, EndpointError> {
    let resource_id = match (caller.client.kind, caller.client.resource_id.as_deref()) {
        (ClientKind::ProtectedResource, Some(resource_id)) => resource_id.to_owned(),
        _ => {
            return Err(EndpointError::Forbidden(
                "only protected resources may introspect tokens".to_owned(),
            ))
        }
    };
    let token = caller
        .params
        .get("token")
        .map(AccessToken::new)
        .ok_or_else(|| EndpointError::InvalidRequest("token is required".to_owned()))?;
    let stored = tokens::find(&state.pool, &token.hash()).await?;
    let now = state.now();
    let answer = match stored {
        Some(stored)
            if stored.kind == TokenKind::Access
                && stored.is_live(now)
                && stored.audience.contains(&resource_id) =>
        {
            active(&state, stored)
        }
        _ => IntrospectionResponse::inactive(),
    };
    Ok(no_store(HttpResponse::Ok()).json(answer))
}

fn active(state: &AppState, token: StoredToken) -> IntrospectionResponse {
    IntrospectionResponse {
        active: true,
        scope: Some(token.scope),
        client_id: Some(token.client_id),
        username: token.username,
        token_type: Some(
            match token.dpop_jkt {
                Some(_) => "DPoP",
                None => "Bearer",
            }
            .to_owned(),
        ),
        exp: Some(token.expires_at),
        iat: Some(token.issued_at),
        nbf: None,
        sub: token.user_id,
        aud: token.audience,
        iss: Some(state.issuer.clone()),
        jti: None,
        cnf: token.dpop_jkt.map(|jkt| Confirmation { jkt }),
    }
}
