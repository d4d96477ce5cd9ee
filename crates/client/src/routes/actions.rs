//! What the client's own POST forms share: the session and its anti-CSRF
//! token are checked first, the resource is called as the user, and the
//! outcome is left as a notice for the page the 303 leads to.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::connection::{self, Outcome};
use crate::notice::Notice;
use crate::pages::{html, ProblemPage};
use crate::resource::{Answer, ResourceCall};
use crate::routes::errors::{store_failure, store_status, unexpected_problem};
use crate::routes::see_other;
use crate::session::{self, Session};
use crate::state::AppState;
use crate::store;

/// Why a form was not acted on.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no live session")]
    NoSession,
    #[error("the anti-CSRF token does not match")]
    Forgery,
    #[error("database error")]
    Store(#[from] sqlx::Error),
}

impl ResponseError for ActionError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NoSession => StatusCode::BAD_REQUEST,
            Self::Forgery => StatusCode::FORBIDDEN,
            Self::Store(error) => store_status(error),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Store(error) = self {
            return store_failure(error, "acting on a form");
        }
        let page = match self {
            Self::NoSession => ProblemPage::new(
                "Your session has expired",
                "This form was sent without a live Strava session, so it was not acted on.",
                "Open the home page and try again.",
            ),
            Self::Forgery => ProblemPage::new(
                "This form did not come from Strava",
                "The form's anti-CSRF token does not match your session: another site may have tried to make your browser act on Strava. Nothing was done.",
                "Use the forms on Strava's own pages.",
            ),
            // Answered by `store_failure` above.
            Self::Store(_) => unexpected_problem(),
        };
        html(self.status_code(), &page)
    }
}

/// A form as posted: the anti-CSRF token of the page it came from (a
/// hidden field in every form), beside the form's own `fields`.
#[derive(Debug, Deserialize)]
struct Posted<F> {
    csrf_token: String,
    #[serde(flatten)]
    fields: F,
}

/// The fields of a form that is only a button (sign out, disconnect).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// A form posted from one of Strava's own pages, with the live session it
/// came from. Extracting it checks the session and the form's anti-CSRF
/// token (see [`checked_session`]) before the handler runs, so every POST
/// route gets the same protection by taking this type as its argument.
pub struct CheckedForm<F> {
    /// The form's own fields, the anti-CSRF token aside.
    pub form: F,
    pub session: Session,
    /// The clock's reading when the form was checked, in Unix seconds.
    pub now: i64,
}

impl<F: DeserializeOwned + 'static> FromRequest for CheckedForm<F> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let posted = web::Form::<Posted<F>>::from_request(request, payload);
        let request = request.clone();
        Box::pin(async move {
            let Posted { csrf_token, fields } = posted.await?.into_inner();
            let state = web::Data::<AppState>::extract(&request).await?;
            let now = state.clock.now();
            let session = checked_session(&request, &state, &csrf_token, now).await?;
            Ok(Self {
                form: fields,
                session,
                now,
            })
        })
    }
}

/// The session of a form post, after its anti-CSRF token is checked.
async fn checked_session(
    request: &HttpRequest,
    state: &AppState,
    csrf_token: &str,
    now: i64,
) -> Result<Session, ActionError> {
    let session = session::current(request, state.pool(), &state.settings, now)
        .await?
        .ok_or(ActionError::NoSession)?;
    if !session.csrf_matches(csrf_token) {
        return Err(ActionError::Forgery);
    }
    Ok(session)
}

/// Calls the resource as the user, leaves the outcome for the next page and
/// answers 303 to `/`.
pub async fn call_and_report(
    state: &AppState,
    session: &Session,
    call: &ResourceCall,
    now: i64,
    success: impl FnOnce(&serde_json::Value) -> Notice,
) -> Result<HttpResponse, ActionError> {
    let outcome = connection::call_as_user(state, session, call, now).await?;
    let notice = notice_for(outcome, call, success);
    store::sessions::set_notice(state.pool(), &session.id_hash, &notice.to_json()).await?;
    Ok(see_other("/"))
}

fn notice_for(
    outcome: Outcome,
    call: &ResourceCall,
    success: impl FnOnce(&serde_json::Value) -> Notice,
) -> Notice {
    match outcome {
        Outcome::Answered(Answer::Accepted { body }) => success(&body),
        Outcome::Answered(Answer::InsufficientScope) => Notice::problem(
            "Facebook refused: insufficient scope",
            format!(
                "Facebook answered 403 insufficient_scope: this needs the scope “{}”, which you have not granted to Strava (RFC 6750 §3.1). Nothing was sent. You can reconnect and allow it.",
                call.scope
            ),
        )
        .offering_reconnect(call.scope),
        Outcome::Answered(Answer::InvalidToken) => Notice::problem(
            "Facebook refused the access token",
            "Facebook answered invalid_token even for a freshly refreshed token. Nothing was sent. Please reconnect.",
        )
        .offering_reconnect(call.scope),
        Outcome::Answered(Answer::Refused { status, error, description }) => Notice::problem(
            "Facebook refused",
            format!(
                "Facebook answered {status}{}{}. Nothing was sent.",
                error.map(|e| format!(" {e}")).unwrap_or_default(),
                description.map(|d| format!(": {d}")).unwrap_or_default()
            ),
        ),
        Outcome::Answered(Answer::Unavailable { status }) => Notice::problem(
            "Facebook is unavailable",
            format!("Facebook answered {status}: it, or the authorization server it checks tokens with, is not available. Nothing was sent; try again later."),
        ),
        Outcome::NotConnected => Notice::problem(
            "Facebook is not connected",
            "Strava has no tokens for you: connect Facebook first.",
        )
        .offering_reconnect(call.scope),
        Outcome::ReconnectNeeded { reason } => Notice::problem(
            "Please reconnect Facebook",
            format!("{reason} Strava forgot the unusable tokens; nothing was sent."),
        )
        .offering_reconnect(call.scope),
        Outcome::AuthorizationServerUnavailable => Notice::problem(
            "The authorization server cannot be reached",
            "Strava had to refresh its access token, but the authorization server did not answer. Nothing was sent; try again later.",
        ),
        Outcome::ResourceUnreachable => Notice::problem(
            "Facebook cannot be reached",
            "Strava could not reach Facebook's API. Nothing was sent; try again later.",
        ),
    }
}
