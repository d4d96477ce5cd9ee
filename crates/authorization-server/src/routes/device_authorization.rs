//! `POST /device_authorization`: the device authorization endpoint of
//! RFC 8628 §3.1–3.2. A device that cannot show a browser asks for a device
//! code (which it polls `/token` with) and a user code (which the person
//! types at `/device` on another screen).
//!
//! The client authenticates as at `/token` (`client_auth`: public clients
//! send `client_id`, §3.1) and must be registered for the device code grant
//! (else `unauthorized_client`). `scope` is checked as at `/authorize`: the
//! client's scopes when absent, within them when present (else
//! `invalid_scope`); `resource` as at `/token` (RFC 8707).
//!
//! Our policy: both codes live 10 minutes (§3.2 `expires_in`); the device
//! waits 5 s between polls (§3.2 `interval`, the RFC's default). The device
//! code has 256 bits from the OS generator; the user code ~34.6 bits
//! (`oauth_types::device::UserCode`), which the throttle at `/device`
//! makes enough (§5.1). Only their SHA-256 digests are stored.

use actix_web::web::Data;
use actix_web::HttpResponse;
use oauth_types::device::{DeviceAuthorizationResponse, UserCode};
use oauth_types::secret::{generate_credential, DeviceCode};
use oauth_types::GrantType;

use super::token::no_store;
use crate::audience;
use crate::client_auth::ClientAuthentication;
use crate::errors::EndpointError;
use crate::grants::narrowed_scope;
use crate::state::AppState;
use crate::store::device_authorizations::{self as devices, NewDeviceAuthorization};

/// RFC 8628 §3.2 `interval`: seconds between polls (our policy: the default).
pub const POLL_INTERVAL_SECONDS: i64 = 5;

/// Draws of a user code before giving up: a collision with a kept code is
/// about one in a million at 25 000 live codes, so a second draw is rare.
const USER_CODE_DRAWS: usize = 5;

pub async fn device_authorization(
    caller: ClientAuthentication,
    state: Data<AppState>,
) -> Result<HttpResponse, EndpointError> {
    let client = &caller.client;
    if !client.may_use_grant(GrantType::DeviceCode) {
        return Err(EndpointError::UnauthorizedClient(format!(
            "this client is not registered for the {} grant",
            GrantType::DeviceCode
        )));
    }
    let scope = narrowed_scope(caller.params.get("scope"), &client.scopes)?;
    if scope.is_empty() {
        return Err(EndpointError::InvalidScope(
            "no scope was requested".to_owned(),
        ));
    }
    let audience =
        audience::for_new_grant(&state.pool, client, caller.params.get("resource")).await?;
    let now = state.now();
    let lifetime = state.lifetimes.device_code;
    let device_code = DeviceCode::generate();
    let consent_id = generate_credential();
    for _ in 0..USER_CODE_DRAWS {
        let user_code = UserCode::generate();
        let new = NewDeviceAuthorization {
            device_code_hash: &device_code.hash(),
            user_code_hash: &user_code.hash(),
            consent_id: &consent_id,
            client_id: &client.client_id,
            scope: &scope,
            audience: &audience,
            expires_at: now + lifetime,
            interval: POLL_INTERVAL_SECONDS,
        };
        if devices::insert(&state.pool, &new, now).await? {
            let answer = answer(&state, device_code, &user_code, lifetime);
            return Ok(no_store(HttpResponse::Ok()).json(answer));
        }
    }
    Err(EndpointError::Internal(sqlx::Error::Protocol(
        "no free user code after several draws".to_owned(),
    )))
}

/// The answer of RFC 8628 §3.2.
fn answer(
    state: &AppState,
    device_code: DeviceCode,
    user_code: &UserCode,
    lifetime: i64,
) -> DeviceAuthorizationResponse {
    let verification_uri = state.endpoint("/device");
    let shown = user_code.display();
    DeviceAuthorizationResponse {
        device_code,
        verification_uri_complete: Some(format!("{verification_uri}?user_code={shown}")),
        verification_uri,
        user_code: shown,
        expires_in: u64::try_from(lifetime).unwrap_or(0),
        interval: u64::try_from(POLL_INTERVAL_SECONDS).unwrap_or(0),
    }
}
