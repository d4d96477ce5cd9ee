//! The device authorization grant at the token endpoint, RFC 8628 §3.4–3.5:
//! a device polls with its device code until the person has answered at
//! `/device` (`routes::device`).
//!
//! The answers, in the order they are decided:
//! - a device code this server does not know, or issued to another client:
//!   `invalid_grant` (RFC 6749 §5.2), and nothing changes;
//! - already redeemed: `invalid_grant`, and since a second redemption means
//!   a copy of the code is about, every token it was redeemed for is revoked
//!   (rule 32, as for authorization codes);
//! - expired: `expired_token`; denied: `access_denied`;
//! - approved: the tokens, once. Of simultaneous polls, the conditional
//!   UPDATE of `device_authorizations::redeem` lets exactly one win; a
//!   losing twin marks the code replayed, and the winner, once its tokens
//!   are stored, revokes them if that mark is there;
//! - not answered yet: `authorization_pending`, or `slow_down` when this
//!   poll came less than `interval` seconds after the previous one, and the
//!   interval grows by 5 s for this device code from then on.

use oauth_types::dpop::JwkThumbprint;
use oauth_types::secret::{CredentialHash, DeviceCode};
use oauth_types::token_response::TokenResponse;
use oauth_types::GrantType;

use super::issue::{issue, new_family, DpopBinding, Issue};
use crate::audience;
use crate::errors::EndpointError;
use crate::oidc::id_token::OpenIdGrant;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::device_authorizations::{self as devices, DeviceAuthorization};
use crate::store::tokens;

fn invalid_grant(description: &str) -> EndpointError {
    EndpointError::InvalidGrant(description.to_owned())
}

pub async fn poll(
    state: &AppState,
    client: &Client,
    device_code: &DeviceCode,
    resource: Option<&str>,
    dpop_key: Option<&JwkThumbprint>,
    now: i64,
) -> Result<TokenResponse, EndpointError> {
    let hash = device_code.hash();
    let device = devices::find_by_device_code(&state.pool, &hash)
        .await?
        .ok_or_else(|| invalid_grant("the device code is unknown"))?;
    // RFC 8628 §3.4 via RFC 6749 §5.2: bound to the client it was issued to.
    if device.client_id != client.client_id {
        return Err(invalid_grant(
            "the device code was issued to another client",
        ));
    }
    if device.redeemed {
        return Err(replayed(state, &hash, now).await);
    }
    if device.is_expired(now) {
        return Err(EndpointError::ExpiredToken);
    }
    if device.denied {
        return Err(EndpointError::AccessDenied);
    }
    if device.granted_scope.is_none() {
        return Err(pending(state, &hash, &device, now).await?);
    }
    redeem(state, client, &hash, &device, resource, dpop_key, now).await
}

/// Not answered yet: `authorization_pending`, or `slow_down` when polled
/// too soon (RFC 8628 §3.5).
async fn pending(
    state: &AppState,
    hash: &CredentialHash,
    device: &DeviceAuthorization,
    now: i64,
) -> Result<EndpointError, EndpointError> {
    if devices::record_poll(&state.pool, hash, now).await? {
        return Ok(EndpointError::AuthorizationPending);
    }
    devices::slow_down(&state.pool, hash, now).await?;
    Ok(EndpointError::SlowDown {
        interval: device.interval + devices::SLOW_DOWN_SECONDS,
    })
}

/// The approved request's tokens, issued once.
async fn redeem(
    state: &AppState,
    client: &Client,
    hash: &CredentialHash,
    device: &DeviceAuthorization,
    resource: Option<&str>,
    dpop_key: Option<&JwkThumbprint>,
    now: i64,
) -> Result<TokenResponse, EndpointError> {
    let (Some(user_id), Some(username), Some(scope)) = (
        device.user_id.as_deref(),
        device.username.as_deref(),
        device.granted_scope.as_ref(),
    ) else {
        return Err(invalid_grant("the device authorization is incomplete"));
    };
    let audience = audience::narrow(&device.audience, resource)?;
    if !devices::redeem(&state.pool, hash, now).await? {
        return Err(replayed(state, hash, now).await);
    }
    let wants_refresh = client.may_use_grant(GrantType::RefreshToken);
    let response = issue(
        state,
        Issue {
            client_id: &client.client_id,
            user_id: Some(user_id),
            username: Some(username),
            scope,
            audience: &audience,
            family_id: &new_family(),
            // The tokens descend from the device code: a replay revokes them.
            code_hash: Some(hash),
            refresh_scope: wants_refresh.then_some(scope),
            openid: Some(OpenIdGrant {
                nonce: None,
                auth_time: device.auth_time,
                alg: client.id_token_alg,
            }),
            binding: DpopBinding::new(client, dpop_key),
        },
        now,
    )
    .await?;
    if devices::was_replayed(&state.pool, hash).await? {
        tokens::revoke_issued_from_code(&state.pool, hash, now).await?;
    }
    Ok(response)
}

/// A redeemed device code came back: mark it, and revoke its tokens.
async fn replayed(state: &AppState, hash: &CredentialHash, now: i64) -> EndpointError {
    let mark = devices::mark_replayed(&state.pool, hash, now);
    super::revoke_replayed(state, hash, mark, "the device code", now).await
}
