//! `GET /account` and `POST /account/revoke`: the clients a user approved,
//! and withdrawing an approval together with every token it produced.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use super::login::{expired, verified_form_post};
use super::see_other;
use crate::errors::{html, PageError};
use crate::pages::{AccountPage, ApprovedClient};
use crate::session;
use crate::state::AppState;
use crate::store::{consents, tokens, users};

/// `GET /`: the account page.
pub async fn home() -> HttpResponse {
    see_other("/account")
}

pub async fn show(request: HttpRequest, state: Data<AppState>) -> Result<HttpResponse, PageError> {
    let Some(session) = session::current(&request, &state).await? else {
        return Ok(see_other("/login"));
    };
    let Some(user_id) = session.user_id.as_deref() else {
        return Ok(see_other("/login"));
    };
    let Some(user) = users::find_by_id(&state.pool, user_id).await? else {
        return Ok(see_other("/login"));
    };
    let approved = consents::list_for_user(&state.pool, &user.id)
        .await?
        .into_iter()
        .map(|consent| ApprovedClient {
            client_id: consent.client_id,
            scope: consent.scope.to_string(),
        })
        .collect();
    html(&AccountPage {
        csrf_token: session.csrf_token.secret().to_owned(),
        username: user.username,
        approved,
        notice: None,
    })
}

pub async fn revoke(
    request: HttpRequest,
    body: Result<Bytes, actix_web::Error>,
    state: Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let (params, session) = verified_form_post(&request, body, &state).await?;
    let user_id = session.user_id.as_deref().ok_or_else(expired)?;
    let client_id = params
        .get("client_id")
        .ok_or_else(|| PageError::BadRequest("No application was named.".to_owned()))?;
    consents::forget(&state.pool, user_id, client_id).await?;
    tokens::revoke_for_user_and_client(&state.pool, user_id, client_id, state.now()).await?;
    Ok(see_other("/account"))
}
