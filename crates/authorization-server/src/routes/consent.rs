//! `GET /consent`, `POST /consent`: the resource owner grants or denies
//! (end of step (B), RFC 6749 §4.1), then step (C), the redirect with a code.
//!
//! Rule 6: granted = approved by the user ∩ allowed for the client. The
//! user may uncheck requested scopes and check others the client may have.
//! Rule 12: the answer carries the session's CSRF token and names exactly
//! one pending request, which is bound to the user who was shown it and can
//! be answered once. A remembered consent that covers the request skips the
//! screen.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use oauth_types::{OAuthErrorCode, Scope, ScopeSet};

use super::login::{expired, forged};
use super::{query_value, see_other};
use crate::authorization_response::{self, Approver};
use crate::errors::{html, PageError};
use crate::form;
use crate::pages::{describe_scope, ConsentPage, ScopeChoice};
use crate::session;
use crate::state::AppState;
use crate::store::clients::{self, Client};
use crate::store::requests::{self, PendingRequest};
use crate::store::users::{self, User};
use crate::store::{consents, sessions::Session};

pub async fn show(request: HttpRequest, state: Data<AppState>) -> Result<HttpResponse, PageError> {
    let pairs = form::query_pairs(&request)?;
    let request_id = form::single(&pairs, "request")?
        .ok_or_else(|| PageError::BadRequest("No authorization request was named.".to_owned()))?;
    let Some((session, user)) = signed_in(&request, &state).await? else {
        return Ok(see_other(&format!(
            "/login?request={}",
            query_value(request_id)
        )));
    };
    let pending = open_request(&state, request_id).await?;
    // OpenID Connect Core §3.1.2.1 `prompt=login`, `max_age`: a login made
    // for this very request, whatever session there was.
    if pending.oidc.login_required && !pending.oidc.authenticated {
        return Ok(see_other(&format!(
            "/login?request={}",
            query_value(&pending.id)
        )));
    }
    if !requests::bind_to_user(&state.pool, &pending.id, &user.id, state.now()).await? {
        return Err(not_yours());
    }
    let client = client_of(&state, &pending).await?;
    let requested = &pending.scope;
    let remembered = consents::find(&state.pool, &user.id, &client.client_id).await?;
    // Core §3.1.2.1 `prompt=consent`: the screen even when remembered.
    let covered = !pending.oidc.consent_required
        && remembered.is_some_and(|remembered| requested.is_subset(&remembered));
    if covered {
        if !requests::mark_answered(&state.pool, &pending.id, &user.id, state.now()).await? {
            return Err(already_answered());
        }
        let granted = requested.intersection(&client.scopes);
        return authorization_response::approve(
            &state,
            &pending,
            approver(&session, &user),
            &granted,
        )
        .await;
    }
    let redirect_host = url::Url::parse(&pending.redirect_uri)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default();
    let page = ConsentPage {
        action: "/consent",
        csrf_token: session.csrf_token.secret().to_owned(),
        request_id: pending.id.clone(),
        client_id: client.client_id.clone(),
        username: user.username.clone(),
        after_answer: format!("After your answer you go back to {redirect_host}."),
        scopes: scope_choices(&client, requested),
    };
    html(&page)
}

/// The consent screen's checkboxes: every scope `client` may ask for,
/// those `requested` checked (rule 6).
pub(crate) fn scope_choices(client: &Client, requested: &ScopeSet) -> Vec<ScopeChoice> {
    client
        .scopes
        .iter()
        .map(|scope| ScopeChoice {
            name: scope.to_string(),
            description: describe_scope(scope.as_str()),
            checked: requested.contains(scope),
        })
        .collect()
}

/// The consent form as posted: by a signed-in person, with the CSRF token
/// of their session (rule 12), naming the request it answers.
pub(crate) struct ConsentAnswer {
    pub session: Session,
    pub user: User,
    /// The hidden `request` field: which request the screen was shown for.
    pub request: String,
    /// `decision`: `approve` or `deny`.
    pub approve: bool,
    /// The checked `scope` boxes (rule 6: the person may narrow or widen).
    pub approved: ScopeSet,
}

impl ConsentAnswer {
    /// Reads the consent form; `what` names the request in the error when
    /// none is named ("authorization request", "device request").
    pub(crate) async fn read(
        request: &HttpRequest,
        body: Result<Bytes, actix_web::Error>,
        state: &AppState,
        what: &str,
    ) -> Result<Self, PageError> {
        // `scope` repeats (one per checkbox); every other field must not.
        let pairs = form::body_pairs(request, body)?;
        let (session, user) = signed_in(request, state).await?.ok_or_else(expired)?;
        if !session::csrf_matches(&session, form::single(&pairs, "csrf_token")?) {
            return Err(forged());
        }
        let named = form::single(&pairs, "request")?
            .ok_or_else(|| PageError::BadRequest(format!("No {what} was named.")))?;
        let approve = match form::single(&pairs, "decision")? {
            Some("approve") => true,
            Some("deny") => false,
            _ => return Err(PageError::BadRequest("Choose Allow or Deny.".to_owned())),
        };
        Ok(Self {
            request: named.to_owned(),
            approve,
            approved: approved_scopes(&pairs)?,
            session,
            user,
        })
    }
}

pub async fn answer(
    request: HttpRequest,
    body: Result<Bytes, actix_web::Error>,
    state: Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let ConsentAnswer {
        session,
        user,
        request: request_id,
        approve,
        approved,
    } = ConsentAnswer::read(&request, body, &state, "authorization request").await?;
    let pending = open_request(&state, &request_id).await?;
    if pending.user_id.as_deref() != Some(user.id.as_str()) {
        return Err(not_yours());
    }
    if !requests::mark_answered(&state.pool, &pending.id, &user.id, state.now()).await? {
        return Err(already_answered());
    }
    let client = client_of(&state, &pending).await?;
    let granted = approved.intersection(&client.scopes);
    if !approve || granted.is_empty() {
        return authorization_response::error(
            &state,
            &pending.redirect_uri,
            OAuthErrorCode::AccessDenied,
            "the resource owner denied the request",
            pending.state.as_deref(),
        );
    }
    consents::remember(
        &state.pool,
        &user.id,
        &client.client_id,
        &granted,
        state.now(),
    )
    .await?;
    authorization_response::approve(&state, &pending, approver(&session, &user), &granted).await
}

fn approver<'a>(session: &Session, user: &'a User) -> Approver<'a> {
    Approver {
        user_id: &user.id,
        username: &user.username,
        auth_time: session.auth_time,
    }
}

/// The session and its user, when someone is signed in.
pub(crate) async fn signed_in(
    request: &HttpRequest,
    state: &AppState,
) -> Result<Option<(Session, User)>, PageError> {
    let Some(session) = session::current(request, state).await? else {
        return Ok(None);
    };
    let Some(user_id) = session.user_id.as_deref() else {
        return Ok(None);
    };
    let user = users::find_by_id(&state.pool, user_id).await?;
    Ok(user.map(|user| (session, user)))
}

async fn open_request(state: &AppState, id: &str) -> Result<PendingRequest, PageError> {
    requests::find_open(&state.pool, id, state.now())
        .await?
        .ok_or_else(already_answered)
}

async fn client_of(state: &AppState, pending: &PendingRequest) -> Result<Client, PageError> {
    clients::find(&state.pool, &pending.client_id)
        .await?
        .ok_or_else(|| {
            PageError::BadRequest("This application is no longer registered.".to_owned())
        })
}

fn approved_scopes(pairs: &[(String, String)]) -> Result<ScopeSet, PageError> {
    pairs
        .iter()
        .filter(|(name, _)| name == "scope")
        .map(|(_, value)| Scope::parse(value))
        .collect::<Result<ScopeSet, _>>()
        .map_err(|_| PageError::BadRequest("A scope in the answer is not valid.".to_owned()))
}

fn not_yours() -> PageError {
    PageError::Forbidden("This authorization request belongs to another account.".to_owned())
}

fn already_answered() -> PageError {
    PageError::BadRequest(
        "This authorization request has expired or was already answered. Please start again from the application."
            .to_owned(),
    )
}
