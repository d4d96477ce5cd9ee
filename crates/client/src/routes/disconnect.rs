//! `POST /disconnect`: revokes the tokens at the authorization server
//! (RFC 7009 §2.1) and forgets them, whatever the server answers: a user
//! who disconnects must end up disconnected here.
//!
//! The refresh token is revoked first (that also ends its access tokens,
//! security rule 16), then the access token itself.

use actix_web::{web, HttpResponse};

use crate::notice::Notice;
use crate::oauth::{self, Recorder, RevocableToken, TokenError};
use crate::routes::actions::{ActionError, CheckedForm, NoFields};
use crate::routes::see_other;
use crate::session::Session;
use crate::state::AppState;
use crate::store;
use crate::store::connections::Connection;
use crate::trace::Step;

pub async fn post(
    CheckedForm { session, now, .. }: CheckedForm<NoFields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ActionError> {
    let pool = state.pool();
    let notice = match store::connections::find(pool, &session.owner()).await? {
        None => Notice::success(
            "Facebook was not connected",
            "There was nothing to disconnect.",
        ),
        Some(connection) => {
            let revoked = revoke_all(&state, &session, &connection, now).await?;
            store::connections::delete(pool, &session.owner()).await?;
            match revoked {
                Ok(()) => Notice::success(
                    "Facebook is disconnected",
                    "The authorization server revoked Strava's tokens and Strava forgot them.",
                ),
                Err(reason) => Notice::problem(
                    "Facebook is disconnected here, but revocation was not confirmed",
                    format!("Strava forgot its tokens, but {reason}. They stop working when they expire."),
                ),
            }
        }
    };
    store::sessions::set_notice(pool, &session.id_hash, &notice.to_json()).await?;
    Ok(see_other("/"))
}

/// Revokes the refresh token, then the access token. `Err` says why
/// revocation could not be confirmed.
async fn revoke_all(
    state: &AppState,
    session: &Session,
    connection: &Connection,
    now: i64,
) -> Result<Result<(), String>, sqlx::Error> {
    let endpoints = match state
        .discovery
        .endpoints(&state.settings, &state.http)
        .await
    {
        Ok(endpoints) => endpoints,
        Err(error) => return Ok(Err(error.to_string())),
    };
    let mut tokens = Vec::new();
    if let Some(refresh_token) = &connection.refresh_token {
        tokens.push(RevocableToken::Refresh(refresh_token));
    }
    tokens.push(RevocableToken::Access(&connection.access_token));
    let mut outcome = Ok(());
    for token in tokens {
        let recorder = Recorder::new(&state.http);
        let result = oauth::revoke(&state.settings, &endpoints, &recorder, token).await;
        for exchange in recorder.take() {
            let step = Step::new(
                "Revoke a token",
                "RFC 7009 §2.1, §2.2",
                "Server to server, Strava asks the authorization server to revoke the token; revoking the refresh token ends the whole grant, and the server answers 200 even for a token it does not know.",
            )
            .request(exchange.request)
            .response(exchange.response);
            store::trace::append(state.pool(), &session.id_hash, step, now).await?;
        }
        if let Err(error) = result {
            outcome = Err(match error {
                TokenError::NoRevocationEndpoint => {
                    "the authorization server publishes no revocation endpoint".to_owned()
                }
                other => other.to_string(),
            });
        }
    }
    Ok(outcome)
}
