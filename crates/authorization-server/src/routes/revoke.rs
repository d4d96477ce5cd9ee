//! `POST /revoke`, RFC 7009.
//!
//! Rule 16: revoking a refresh token revokes its whole family, access
//! tokens included (§2.1); an unknown token still answers 200 (§2.2). A
//! client may only revoke its own tokens: another client's token is left
//! alone, with the same 200, so the answer reveals nothing.

use actix_web::web::Data;
use actix_web::HttpResponse;
use oauth_types::secret::CredentialHash;

use super::token::no_store;
use crate::client_auth::{ClientAuthentication, TokenForm};
use crate::errors::EndpointError;
use crate::state::AppState;
use crate::store::tokens::{self, TokenKind};

pub async fn revoke(
    caller: ClientAuthentication<TokenForm>,
    state: Data<AppState>,
) -> Result<HttpResponse, EndpointError> {
    let token = caller
        .params
        .get("token")
        .ok_or_else(|| EndpointError::InvalidRequest("token is required".to_owned()))?;
    // §2.1: the hint is only an optimisation; every kind is looked up.
    let hash = CredentialHash::of(token);
    let now = state.now();
    if let Some(stored) = tokens::find(&state.pool, &hash).await? {
        if stored.client_id == caller.client.client_id {
            if stored.kind == TokenKind::Refresh {
                tokens::revoke_family(&state.pool, &stored.family_id, now).await?;
            } else {
                tokens::revoke(&state.pool, &hash, now).await?;
            }
        }
    }
    Ok(no_store(HttpResponse::Ok()).finish())
}
