//! `GET /device`, `POST /device`, `POST /device/consent`: the verification
//! URI of RFC 8628 §3.3, where the person approves a device on a screen
//! of their own.
//!
//! 1. `GET /device`: the person signs in first (the login page sends them
//!    back here), then sees a form with the text input `user_code`,
//!    prefilled when they came through `verification_uri_complete`. It is
//!    never submitted for them: they confirm the code their device shows
//!    (§5.4, remote phishing).
//! 2. `POST /device` (CSRF-checked, rule 12): the typed code is normalised
//!    (`UserCode::parse`: any case, dash and spaces ignored) and looked up.
//!    Rule 33 and §5.1: each try is counted per account and per address
//!    before the lookup, under the login limits; over them, 429. A code is
//!    entered once (rule 32): a second entry, by anyone, is refused.
//! 3. The consent screen of `/authorize` (same fields: `scope` checkboxes,
//!    `decision`), posted to `/device/consent`. Our policy: it is shown every
//!    time, remembered consent or not (§5.4). The answer is recorded once;
//!    the page then says the person may return to their device.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use oauth_types::device::UserCode;

use super::consent::{scope_choices, signed_in, ConsentAnswer};
use super::login::{
    client_address, expired, is_throttled, verified_form_post, Subjects, DEVICE, NEXT,
};
use super::{query_value, see_other};
use crate::errors::{html, PageError};
use crate::form;
use crate::pages::{ConsentPage, DeviceDonePage, DevicePage};
use crate::state::AppState;
use crate::store::device_authorizations::{self as devices, DeviceAuthorization};
use crate::store::sessions::Session;
use crate::store::users::Approver;
use crate::store::users::User;
use crate::store::{clients, consents, login_failures};

/// The message once wrong codes are throttled (429).
pub const TOO_MANY_CODES: &str = "Too many wrong codes. Please wait a few minutes and try again.";

/// A code that names no live device authorization.
pub const UNKNOWN_CODE: &str =
    "That code is not valid or has expired. Check the code your device shows.";

/// A code that was entered before.
pub const USED_CODE: &str =
    "That code was already used. Start again on your device to get a new one.";

pub async fn show(request: HttpRequest, state: Data<AppState>) -> Result<HttpResponse, PageError> {
    let pairs = form::query_pairs(&request)?;
    let typed = form::single(&pairs, "user_code")?.unwrap_or_default();
    let Some((session, user)) = signed_in(&request, &state).await? else {
        return Ok(see_other(&format!(
            "/login?{NEXT}={DEVICE}&user_code={}",
            query_value(typed)
        )));
    };
    html(&code_form(&session, &user, typed, None))
}

pub async fn enter_code(
    request: HttpRequest,
    body: Result<Bytes, actix_web::Error>,
    state: Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let (params, _) = verified_form_post(&request, body, &state).await?;
    let (session, user) = signed_in(&request, &state).await?.ok_or_else(expired)?;
    let typed = params.get("user_code").unwrap_or_default();
    let subjects = Subjects::for_user_codes(&user.username, &client_address(&request));
    let too_many = || PageError::TooManyRequests(TOO_MANY_CODES.to_owned());
    if is_throttled(&state, &subjects, 0).await? {
        return Err(too_many());
    }
    let attempt = login_failures::reserve(&state.pool, &subjects.both(), state.now()).await?;
    if is_throttled(&state, &subjects, 1).await? {
        login_failures::release(&state.pool, &attempt).await?;
        return Err(too_many());
    }
    // A wrong code keeps its attempt rows: they are its failure record.
    let again = |message: &str| html(&code_form(&session, &user, typed, Some(message)));
    let Ok(user_code) = UserCode::parse(typed) else {
        return again(UNKNOWN_CODE);
    };
    let hash = user_code.hash();
    let now = state.now();
    let Some(device) = devices::find_live_by_user_code(&state.pool, &hash, now).await? else {
        return again(UNKNOWN_CODE);
    };
    let entrant = Approver {
        user_id: &user.id,
        username: &user.username,
        auth_time: session.auth_time,
    };
    if device.user_code_used || !devices::claim_user_code(&state.pool, &hash, entrant, now).await? {
        return again(USED_CODE);
    }
    login_failures::release(&state.pool, &attempt).await?;
    consent_screen(&state, &session, &user, &device).await
}

pub async fn answer(
    request: HttpRequest,
    body: Result<Bytes, actix_web::Error>,
    state: Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let ConsentAnswer {
        user,
        request: consent_id,
        approve,
        approved,
        ..
    } = ConsentAnswer::read(&request, body, &state, "device request").await?;
    let consent_id = consent_id.as_str();
    let now = state.now();
    let device = devices::find_live_by_consent_id(&state.pool, consent_id, now)
        .await?
        .ok_or_else(already_answered)?;
    if device.user_id.as_deref() != Some(user.id.as_str()) {
        return Err(PageError::Forbidden(
            "This device request was entered by another account.".to_owned(),
        ));
    }
    let client = client_of(&state, &device).await?;
    // Rule 6: granted = approved by the person ∩ allowed for the client.
    let granted = approved.intersection(&client.scopes);
    if !approve || granted.is_empty() {
        if !devices::deny(&state.pool, consent_id, &user.id, now).await? {
            return Err(already_answered());
        }
        return done(
            "Access denied",
            format!("{} was not connected.", client.client_id),
        );
    }
    if !devices::approve(&state.pool, consent_id, &user.id, &granted, now).await? {
        return Err(already_answered());
    }
    consents::remember(&state.pool, &user.id, &client.client_id, &granted, now).await?;
    done(
        "Device connected",
        format!("{} may now use: {granted}.", client.client_id),
    )
}

/// The code form, with `typed` in the input.
fn code_form(session: &Session, user: &User, typed: &str, error: Option<&str>) -> DevicePage {
    DevicePage {
        csrf_token: session.csrf_token.secret().to_owned(),
        username: user.username.clone(),
        user_code: typed.to_owned(),
        error: error.map(str::to_owned),
    }
}

/// The consent screen of the first stage, for a device authorization.
async fn consent_screen(
    state: &AppState,
    session: &Session,
    user: &User,
    device: &DeviceAuthorization,
) -> Result<HttpResponse, PageError> {
    let client = client_of(state, device).await?;
    html(&ConsentPage {
        action: "/device/consent",
        csrf_token: session.csrf_token.secret().to_owned(),
        request_id: device.consent_id.clone(),
        client_id: client.client_id.clone(),
        username: user.username.clone(),
        after_answer: "After your answer you may return to your device.".to_owned(),
        scopes: scope_choices(&client, &device.scope),
    })
}

async fn client_of(
    state: &AppState,
    device: &DeviceAuthorization,
) -> Result<clients::Client, PageError> {
    clients::find(&state.pool, &device.client_id)
        .await?
        .ok_or_else(|| {
            PageError::BadRequest("This application is no longer registered.".to_owned())
        })
}

fn done(title: &'static str, message: String) -> Result<HttpResponse, PageError> {
    html(&DeviceDonePage { title, message })
}

fn already_answered() -> PageError {
    PageError::BadRequest(
        "This device request has expired or was already answered. Start again on your device."
            .to_owned(),
    )
}
