//! `GET /login`, `POST /login`: step (B) of RFC 6749 §4.1, the resource
//! owner authenticates (`/logout` is in `logout.rs`).
//!
//! Rule 10: argon2id; one message for an unknown user and a wrong password,
//! with the same work done for both (a dummy hash for unknown users);
//! failures throttled per account and per address, counted in the database.
//! Rule 33: the attempt is counted before its password check, so a burst of
//! simultaneous guesses gets no more checks than the limit (the rest hear
//! 429); and checks run in a bounded line (`passwords::PasswordChecks`): a
//! login that cannot get its turn soon hears 503 with `Retry-After` and the
//! login page again.
//! Rule 11: a new session id at login (the session ends at `/logout`).
//! Rule 12: the form carries the session's CSRF token.
//! Rule 18: success answers 303, so the password is never re-posted.

use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use oauth_types::params::UniqueParams;

use super::{query_value, see_other};
use crate::errors::{html, PageError};
use crate::form;
use crate::pages::LoginPage;
use crate::passwords;
use crate::session;
use crate::state::AppState;
use crate::store::sessions::Session;
use crate::store::{login_failures, requests, sessions, users};

/// The one message for every failed login.
pub const LOGIN_FAILED: &str = "Wrong username or password.";

/// The message when every password check is taken (503).
pub const BUSY: &str = "Many people are signing in right now. Please try again in a few seconds.";

/// `Retry-After` of the 503 above, in seconds.
const BUSY_RETRY_AFTER_SECONDS: &str = "2";

/// The message once throttled.
pub const TOO_MANY_ATTEMPTS: &str =
    "Too many failed sign-in attempts. Please wait a few minutes and try again.";

pub async fn show(request: HttpRequest, state: Data<AppState>) -> Result<HttpResponse, PageError> {
    let pairs = form::query_pairs(&request)?;
    let request_id = form::single(&pairs, "request")?.map(str::to_owned);
    let (session, new_cookie) = session::current_or_new(&request, &state).await?;
    let page = login_page(&state, &session, request_id, None).await?;
    let mut response = html(&page)?;
    if let Some(cookie) = new_cookie {
        response
            .add_cookie(&cookie)
            .map_err(|_| PageError::BadRequest("the session cookie could not be set".to_owned()))?;
    }
    Ok(response)
}

pub async fn submit(
    request: HttpRequest,
    body: Result<Bytes, actix_web::Error>,
    state: Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let (params, session) = verified_form_post(&request, body, &state).await?;
    let request_id = params.get("request").map(str::to_owned);
    let username = params.get("username").unwrap_or_default();
    let password = params.get("password").unwrap_or_default().to_owned();
    let address = client_address(&request);
    let subjects = Subjects::new(username, &address);
    // Already over a limit: refused at once, without waiting for a turn.
    if is_throttled(&state, &subjects, 0).await? {
        return Err(PageError::TooManyRequests(TOO_MANY_ATTEMPTS.to_owned()));
    }
    let Some(turn) = state.password_checks.admit().await else {
        return busy(&state, &session, &params).await;
    };
    let attempt = login_failures::reserve(
        &state.pool,
        &[&subjects.account, &subjects.address],
        state.now(),
    )
    .await?;
    if is_throttled(&state, &subjects, 1).await? {
        login_failures::release(&state.pool, &attempt).await?;
        return Err(PageError::TooManyRequests(TOO_MANY_ATTEMPTS.to_owned()));
    }
    let user = users::find_by_username(&state.pool, username).await?;
    let stored = user.as_ref().map(|user| user.password_hash.clone());
    let verified = passwords::verify_blocking(password, stored).await;
    drop(turn);
    let user = match (verified, user) {
        (true, Some(user)) => user,
        // The attempt's rows stay: they are the failure record.
        _ => return failed(&state, &session, &params).await,
    };
    login_failures::release(&state.pool, &attempt).await?;
    login_failures::clear(&state.pool, &subjects.account).await?;
    // Rule 11: a fresh session id, so a session fixed before login is useless.
    sessions::delete(&state.pool, &session.id_hash).await?;
    let fresh = sessions::create(
        &state.pool,
        Some(&user.id),
        state.now(),
        state.lifetimes.session,
    )
    .await?;
    let next = match request_id {
        Some(id) => {
            // OpenID Connect Core §3.1.2.1: this login answers the
            // request's `prompt=login` or `max_age`.
            requests::mark_authenticated(&state.pool, &id, state.now()).await?;
            format!("/consent?request={}", query_value(&id))
        }
        None => "/account".to_owned(),
    };
    let mut response = see_other(&next);
    response
        .add_cookie(&session::cookie(&state, fresh.cookie_value))
        .map_err(|_| PageError::BadRequest("the session cookie could not be set".to_owned()))?;
    Ok(response)
}

/// Shows the form again with the one message (the attempt was recorded
/// before the check).
async fn failed(
    state: &AppState,
    session: &Session,
    params: &UniqueParams,
) -> Result<HttpResponse, PageError> {
    html(&form_again(state, session, params, LOGIN_FAILED).await?)
}

/// Every password check is taken: 503, `Retry-After`, and the form again so
/// that nothing typed but the password is lost (rule 33).
async fn busy(
    state: &AppState,
    session: &Session,
    params: &UniqueParams,
) -> Result<HttpResponse, PageError> {
    let mut response = html(&form_again(state, session, params, BUSY).await?)?;
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response.headers_mut().insert(
        RETRY_AFTER,
        HeaderValue::from_static(BUSY_RETRY_AFTER_SECONDS),
    );
    Ok(response)
}

/// The login form once more, for the same authorization request, with
/// `message`.
async fn form_again(
    state: &AppState,
    session: &Session,
    params: &UniqueParams,
    message: &str,
) -> Result<LoginPage, sqlx::Error> {
    let request_id = params.get("request").map(str::to_owned);
    login_page(state, session, request_id, Some(message.to_owned())).await
}

/// The throttling subjects of one attempt.
struct Subjects {
    account: String,
    address: String,
}

impl Subjects {
    fn new(username: &str, address: &str) -> Self {
        Self {
            account: login_failures::account(username),
            address: login_failures::address(address),
        }
    }
}

/// Whether the attempts in the window reach a limit, not counting the
/// `own` rows this attempt has already written.
async fn is_throttled(
    state: &AppState,
    subjects: &Subjects,
    own: i64,
) -> Result<bool, sqlx::Error> {
    let limits = state.login_limits;
    let since = state.now() - limits.window_seconds;
    let per_account = login_failures::count_since(&state.pool, &subjects.account, since).await?;
    if per_account - own >= limits.per_account {
        return Ok(true);
    }
    let per_address = login_failures::count_since(&state.pool, &subjects.address, since).await?;
    Ok(per_address - own >= limits.per_address)
}

async fn login_page(
    state: &AppState,
    session: &Session,
    request_id: Option<String>,
    error: Option<String>,
) -> Result<LoginPage, sqlx::Error> {
    let pending = match &request_id {
        Some(id) => requests::find_open(&state.pool, id, state.now()).await?,
        None => None,
    };
    // OpenID Connect Core §3.1.2.1 `login_hint` prefills the username.
    let (client_id, username) = match pending {
        Some(pending) => (Some(pending.client_id), pending.oidc.login_hint),
        None => (None, None),
    };
    Ok(LoginPage {
        csrf_token: session.csrf_token.secret().to_owned(),
        request_id,
        client_id,
        username,
        error,
    })
}

/// The peer's IP address. Forwarded headers are not trusted: they are
/// written by the caller.
pub(crate) fn client_address(request: &HttpRequest) -> String {
    request
        .peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A POST from one of this server's forms: its parameters, each at most
/// once (rule 9), and the live session whose CSRF token it carries
/// (rule 12).
pub(crate) async fn verified_form_post(
    request: &HttpRequest,
    body: Result<Bytes, actix_web::Error>,
    state: &AppState,
) -> Result<(UniqueParams, Session), PageError> {
    let params = form::unique_body(request, body)?;
    let session = session::current(request, state)
        .await?
        .ok_or_else(expired)?;
    if !session::csrf_matches(&session, params.get("csrf_token")) {
        return Err(forged());
    }
    Ok((params, session))
}

pub(crate) fn expired() -> PageError {
    PageError::Forbidden(
        "Your session has expired or cookies are disabled. Please start again.".to_owned(),
    )
}

pub(crate) fn forged() -> PageError {
    PageError::Forbidden(
        "This form was not issued to your session (CSRF check failed). Please start again."
            .to_owned(),
    )
}
