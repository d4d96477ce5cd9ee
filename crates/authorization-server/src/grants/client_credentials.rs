//! The client credentials grant, RFC 6749 §4.4: a confidential client acts
//! on its own behalf. No user, no refresh token (§4.4.3).

use oauth_types::token_response::TokenResponse;

use super::issue::{issue, new_family, DpopBinding, Issue};
use super::narrowed_scope;
use crate::audience;
use crate::errors::EndpointError;
use crate::state::AppState;
use crate::store::clients::{Client, ClientKind};

pub async fn grant(
    state: &AppState,
    client: &Client,
    scope: Option<&str>,
    resource: Option<&str>,
    binding: DpopBinding,
    now: i64,
) -> Result<TokenResponse, EndpointError> {
    if client.kind != ClientKind::Confidential {
        return Err(EndpointError::UnauthorizedClient(
            "only confidential clients may use client_credentials".to_owned(),
        ));
    }
    let scope = narrowed_scope(scope, &client.scopes)?;
    let audience = audience::for_new_grant(&state.pool, client, resource).await?;
    let response = issue(
        state,
        Issue {
            client_id: &client.client_id,
            user_id: None,
            username: None,
            scope: &scope,
            audience: &audience,
            family_id: &new_family(),
            code_hash: None,
            refresh_scope: None,
            openid: None,
            binding,
        },
        now,
    )
    .await?;
    Ok(response)
}
