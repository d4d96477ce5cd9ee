//! Acting as the user: the access token kept fresh, and calls to the
//! resource that recover from an expired token. A connection with a DPoP
//! key (RFC 9449) proves it on every refresh and every call.
//!
//! Before a call, an access token that expires within
//! [`REFRESH_MARGIN_SECONDS`] is refreshed (RFC 6749 §6). If the resource
//! still answers `invalid_token` (RFC 6750 §3.1), the token is refreshed
//! once more and the call retried once. When refreshing fails the tokens
//! are forgotten and the user is asked to reconnect.
//!
//! Refresh tokens rotate, and presenting a spent one revokes the whole
//! grant (RFC 9700 §4.14.2). So only one request per session refreshes at a
//! time: it claims the refresh with a conditional `UPDATE`; a concurrent
//! request waits for the new tokens instead of refreshing too.

use oauth_types::secret::RefreshToken;

use crate::dpop::{Prover, TokenType};
use crate::oauth::{self, Recorder, TokenError};
use crate::resource::{self, Answer, Presentation, ResourceCall, Target};
use crate::session::Session;
use crate::state::AppState;
use crate::store;
use crate::store::connections::{self, Connection};
use crate::trace::Step;

/// Refresh when fewer seconds than this remain.
pub const REFRESH_MARGIN_SECONDS: i64 = 30;

/// A refresh claimed longer ago than this is considered abandoned.
const REFRESH_CLAIM_SECONDS: i64 = 15;

/// How a request waits for another one's refresh: 25 × 200 ms.
const REFRESH_WAIT_ROUNDS: u32 = 25;
const REFRESH_WAIT_STEP: std::time::Duration = std::time::Duration::from_millis(200);

/// How a call as the user ended.
#[derive(Debug)]
pub enum Outcome {
    /// The resource answered (which may be a refusal).
    Answered(Answer),
    /// No tokens for this session.
    NotConnected,
    /// The tokens are no longer usable; they were forgotten.
    ReconnectNeeded { reason: String },
    /// The authorization server could not refresh the token right now.
    AuthorizationServerUnavailable,
    /// The resource did not answer.
    ResourceUnreachable,
}

/// Calls the resource as the session's user.
pub async fn call_as_user(
    state: &AppState,
    session: &Session,
    call: &ResourceCall,
    now: i64,
) -> Result<Outcome, sqlx::Error> {
    let Some(mut connection) = connections::find(state.pool(), &session.owner()).await? else {
        return Ok(Outcome::NotConnected);
    };
    // At most one refresh per call: before it, when the access token is
    // about to expire, or after the resource refused it as invalid_token.
    let mut refresh_because = connection
        .expires_at
        .is_some_and(|expires_at| expires_at - now < REFRESH_MARGIN_SECONDS)
        .then_some("the access token is about to expire");
    let mut refreshed = false;
    loop {
        if let Some(reason) = refresh_because.take() {
            match refresh(state, session, &connection, now, reason).await? {
                Ok(fresh) => connection = fresh,
                Err(outcome) => return Ok(outcome),
            }
            refreshed = true;
        }
        let answer = match call_once(state, session, call, &connection, now).await? {
            Ok(answer) => answer,
            Err(resource::Unreachable) => return Ok(Outcome::ResourceUnreachable),
        };
        if answer != Answer::InvalidToken || refreshed {
            return Ok(Outcome::Answered(answer));
        }
        refresh_because = Some("the resource answered invalid_token");
    }
}

async fn call_once(
    state: &AppState,
    session: &Session,
    call: &ResourceCall,
    connection: &Connection,
    now: i64,
) -> Result<Result<Answer, resource::Unreachable>, sqlx::Error> {
    let target = Target {
        base: &state.settings.resource_internal_url,
        public: &state.settings.resource_url,
    };
    let prover = prover(state, connection, now);
    let presentation = match (&prover, connection.token_type) {
        (Some(prover), TokenType::Dpop) => Presentation::Dpop {
            token: &connection.access_token,
            prover,
        },
        _ => Presentation::Bearer(&connection.access_token),
    };
    let (answer, exchanges) = resource::call(&state.http, &target, call, &presentation).await;
    let (rfc, explanation) = match presentation {
        Presentation::Bearer(_) => (
            "RFC 6750 §2.1, §3.1",
            "The access token travels only in the Authorization header as a Bearer token (never in a URL, RFC 9700 §4.3.2); a refusal names its reason in WWW-Authenticate and the JSON body.",
        ),
        Presentation::Dpop { .. } => (
            "RFC 9449 §7.1, §9",
            "The access token is bound to Strava's key, so it travels as Authorization: DPoP with a fresh proof of that key for this request (htm, htu) and this token (ath, the hash of the token); without the private key a copy of the token is refused. A resource that asks for a nonce (use_dpop_nonce) gets the call once more with it.",
        ),
    };
    for exchange in exchanges {
        let step = Step::new(
            &format!("Call the protected resource: POST {}", call.path),
            rfc,
            explanation,
        )
        .request(exchange.request)
        .response(exchange.response);
        store::trace::append(state.pool(), &session.id_hash, step, now).await?;
    }
    Ok(answer)
}

/// The connection's proof signer, when it has a DPoP key.
fn prover<'a>(state: &'a AppState, connection: &'a Connection, now: i64) -> Option<Prover<'a>> {
    connection.dpop_key.as_deref().map(|key| Prover {
        key,
        nonces: &state.dpop_nonces,
        now,
    })
}

/// RFC 6749 §6. On success the new tokens are stored and returned; on
/// failure the outcome to report.
async fn refresh(
    state: &AppState,
    session: &Session,
    connection: &Connection,
    now: i64,
    why: &str,
) -> Result<Result<Connection, Outcome>, sqlx::Error> {
    let Some(refresh_token) = connection.refresh_token.clone() else {
        connections::delete(state.pool(), &session.owner()).await?;
        return Ok(Err(Outcome::ReconnectNeeded {
            reason: "The access token expired and the authorization server gave no refresh token."
                .to_owned(),
        }));
    };
    let pool = state.pool();
    let stale_before = now - REFRESH_CLAIM_SECONDS;
    if !connections::claim_refresh(
        pool,
        &session.owner(),
        &connection.access_token,
        now,
        stale_before,
    )
    .await?
    {
        return wait_for_the_other_refresh(state, session, &connection.access_token).await;
    }
    let endpoints = match state
        .discovery
        .endpoints(&state.settings, &state.http)
        .await
    {
        Ok(endpoints) => endpoints,
        Err(_) => {
            connections::release_refresh(pool, &session.owner()).await?;
            return Ok(Err(Outcome::AuthorizationServerUnavailable));
        }
    };
    let recorder = Recorder::new(&state.http);
    let prover = prover(state, connection, now);
    let result = oauth::refresh(
        &state.settings,
        &endpoints,
        &recorder,
        prover.as_ref(),
        &refresh_token,
    )
    .await;
    for exchange in recorder.take() {
        let step = Step::new(
            "Refresh the access token",
            "RFC 6749 §6, RFC 9700 §4.14.2",
            &format!("Because {why}, the client trades its refresh token for a new access token; the server rotates the refresh token, so the old one is now spent."),
        )
        .request(exchange.request)
        .response(exchange.response);
        store::trace::append(state.pool(), &session.id_hash, step, now).await?;
    }
    match result {
        Ok(tokens) => {
            let fresh = renewed(connection, refresh_token, tokens, now);
            connections::upsert(state.pool(), &session.owner(), &fresh, now).await?;
            Ok(Ok(fresh))
        }
        Err(TokenError::Refused { error, .. }) => {
            connections::delete(state.pool(), &session.owner()).await?;
            Ok(Err(Outcome::ReconnectNeeded {
                reason: format!(
                    "The authorization server refused to refresh the access token ({error}): the grant was revoked or has expired."
                ),
            }))
        }
        Err(_) => {
            connections::release_refresh(pool, &session.owner()).await?;
            Ok(Err(Outcome::AuthorizationServerUnavailable))
        }
    }
}

/// Another request of this session is refreshing (or just refreshed): use
/// its new tokens instead of presenting the same refresh token again.
async fn wait_for_the_other_refresh(
    state: &AppState,
    session: &Session,
    spent: &oauth_types::secret::AccessToken,
) -> Result<Result<Connection, Outcome>, sqlx::Error> {
    for _ in 0..REFRESH_WAIT_ROUNDS {
        match connections::find(state.pool(), &session.owner()).await? {
            None => {
                return Ok(Err(Outcome::ReconnectNeeded {
                    reason: "Facebook was disconnected while this request waited for new tokens."
                        .to_owned(),
                }))
            }
            Some(current) if current.access_token != *spent => return Ok(Ok(current)),
            Some(_) => actix_rt::time::sleep(REFRESH_WAIT_STEP).await,
        }
    }
    Ok(Err(Outcome::AuthorizationServerUnavailable))
}

/// The connection after a refresh: a new refresh token replaces the old one
/// if the server rotated it (RFC 6749 §6), and the scope stays unless the
/// server names another.
fn renewed(old: &Connection, used: RefreshToken, tokens: oauth::Tokens, now: i64) -> Connection {
    Connection {
        access_token: tokens.access_token,
        refresh_token: Some(tokens.refresh_token.unwrap_or(used)),
        scope: tokens.scope.unwrap_or_else(|| old.scope.clone()),
        expires_at: expires_at(tokens.expires_in, now),
        dpop_key: old.dpop_key.clone(),
        token_type: tokens.token_type,
    }
}

/// Unix time of expiry from `expires_in`.
pub fn expires_at(expires_in: Option<u64>, now: i64) -> Option<i64> {
    expires_in.map(|seconds| now.saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX)))
}
