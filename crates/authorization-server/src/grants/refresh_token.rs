//! The refresh token grant, RFC 6749 §6, with rotation.
//!
//! Rule 5: every use spends the refresh token and returns a new one of the
//! same family and scope; presenting a spent one revokes the family
//! (RFC 9700 §4.14.2), since either the client or an attacker holds a copy.
//! The `scope` parameter may only narrow the new access token.
//! RFC 9449 §5: a refresh token bound to a DPoP key (a public client's) is
//! refused without a proof by that key, and nothing is spent.
//!
//! Rule 32, under concurrency: of simultaneous redemptions of one refresh
//! token, the conditional UPDATE of `spend_refresh` lets exactly one win.
//! A losing twin first marks the token it presented revoked, then revokes
//! the family; the winner, once its new tokens are stored, looks whether
//! that mark is there, and if so revokes the family again, its own new
//! tokens included (as codes do with `was_replayed`). Two statements on the
//! losing side matter: if the winner looks before the mark is committed,
//! the loser's family revocation starts after the winner's tokens exist,
//! whatever the backend's isolation (a single statement's snapshot could
//! predate them on Postgres).

use oauth_types::dpop::JwkThumbprint;
use oauth_types::secret::{CredentialHash, RefreshToken};
use oauth_types::token_response::TokenResponse;

use super::issue::{issue, DpopBinding, Issue};
use super::narrowed_scope;
use crate::audience;
use crate::dpop;
use crate::errors::EndpointError;
use crate::oidc::id_token::OpenIdGrant;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::tokens::{self, TokenKind};

fn invalid_grant(description: &str) -> EndpointError {
    EndpointError::InvalidGrant(description.to_owned())
}

pub async fn refresh(
    state: &AppState,
    client: &Client,
    token: &RefreshToken,
    scope: Option<&str>,
    resource: Option<&str>,
    dpop_key: Option<&JwkThumbprint>,
    now: i64,
) -> Result<TokenResponse, EndpointError> {
    let hash = token.hash();
    let stored = tokens::find(&state.pool, &hash)
        .await?
        .filter(|stored| stored.kind == TokenKind::Refresh && stored.client_id == client.client_id)
        .ok_or_else(|| invalid_grant("the refresh token is unknown"))?;
    if stored.used_at.is_some() {
        return Err(reused(state, &hash, &stored.family_id, now).await);
    }
    if !stored.is_live(now) {
        return Err(invalid_grant("the refresh token is expired or revoked"));
    }
    dpop::check_grant_binding(stored.dpop_jkt.as_ref(), dpop_key, "the refresh token")?;
    let scope = narrowed_scope(scope, &stored.scope)?;
    let audience = audience::narrow(&stored.audience, resource)?;
    if !tokens::spend_refresh(&state.pool, &hash, now).await? {
        return Err(reused(state, &hash, &stored.family_id, now).await);
    }
    let response = issue(
        state,
        Issue {
            client_id: &client.client_id,
            user_id: stored.user_id.as_deref(),
            username: stored.username.as_deref(),
            scope: &scope,
            audience: &audience,
            family_id: &stored.family_id,
            code_hash: stored.code_hash.as_ref(),
            // RFC 6749 §6: the new refresh token keeps the original scope.
            refresh_scope: Some(&stored.scope),
            // OpenID Connect Core §12.2: the same `sub` and `auth_time`; no
            // `nonce` (it may be absent; a refresh is no authentication request).
            openid: Some(OpenIdGrant {
                nonce: None,
                auth_time: stored.auth_time,
                alg: client.id_token_alg,
            }),
            binding: DpopBinding::new(client, dpop_key),
        },
        now,
    )
    .await?;
    if tokens::is_revoked(&state.pool, &hash).await? {
        return Err(reused(state, &hash, &stored.family_id, now).await);
    }
    Ok(response)
}

/// A spent refresh token came back: mark it, then revoke its whole family.
async fn reused(
    state: &AppState,
    hash: &CredentialHash,
    family_id: &str,
    now: i64,
) -> EndpointError {
    if let Err(error) = tokens::revoke(&state.pool, hash, now).await {
        return EndpointError::Internal(error);
    }
    match tokens::revoke_family(&state.pool, family_id, now).await {
        Ok(revoked) => {
            tracing::warn!(revoked, "spent refresh token reused; its family is revoked");
            invalid_grant("the refresh token was already used")
        }
        Err(error) => EndpointError::Internal(error),
    }
}
