//! `GET`/`POST /logout`: the end-session endpoint of OpenID Connect
//! RP-Initiated Logout 1.0 (§2), and the account page's sign-out button.
//!
//! - An `id_token_hint` that we signed (with a key we still publish, `iss`
//!   ours; an expired one is accepted, §2), whose `aud` is a registered
//!   client (and equals `client_id` when both are sent, §2), and whose
//!   `sub` is the signed-in user (or nobody is signed in) proves who asks:
//!   the session ends (cookie removed), and the browser goes to
//!   `post_logout_redirect_uri` when that client registered it exactly
//!   (§3: simple string comparison), with `state` passed back (§2).
//!   Otherwise it sees a page saying it is signed out.
//! - Without such a hint, a signed-in user is asked first: a confirmation
//!   form carrying the session's CSRF token (§2: the OP SHOULD ask the
//!   user whether to log out; rule 12), so that a link or an image cannot
//!   sign anyone out. Nobody is ever redirected then: an unverified
//!   request has no registered URI to go to (no open redirector, RFC 9700
//!   §4.11).
//! - A `POST` carrying the session's CSRF token (the confirmation form,
//!   the account page) ends the session and goes to `/login`; a wrong
//!   token is refused (rule 12); none at all (a relying party's form post
//!   without a valid hint) is asked to confirm, as a `GET` is. A `POST`
//!   with neither a proof nor a session goes to `GET /logout`, which says
//!   the browser is signed out.

use actix_web::http::header::LOCATION;
use actix_web::http::Method;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use oauth_types::params::UniqueParams;

use super::login::forged;
use super::see_other;
use crate::errors::{html, PageError};
use crate::form;
use crate::pages::LogoutPage;
use crate::session;
use crate::state::AppState;
use crate::store::clients::{self, Client};
use crate::store::sessions::{self, Session};

pub async fn end_session(
    request: HttpRequest,
    body: Result<Bytes, actix_web::Error>,
    state: Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let posted = request.method() == Method::POST;
    let params = if posted {
        form::unique_body(&request, body)?
    } else {
        UniqueParams::from_pairs(form::query_pairs(&request)?).map_err(form::FormError::from)?
    };
    let session = session::current(&request, &state).await?;
    if let Some(client) = proven_client(&state, &params, session.as_ref()).await? {
        end(&state, session.as_ref()).await?;
        let registered = params
            .get("post_logout_redirect_uri")
            .filter(|uri| client.has_post_logout_redirect_uri(uri));
        let mut response = match registered {
            Some(uri) => back_to_client(uri, params.get("state"))?,
            None => signed_out_page()?,
        };
        remove_cookie(&state, &mut response)?;
        return Ok(response);
    }
    let signed_in = session
        .as_ref()
        .is_some_and(|session| session.user_id.is_some());
    let confirmation = || {
        html(&LogoutPage {
            confirm_csrf_token: session
                .as_ref()
                .map(|session| session.csrf_token.secret().to_owned()),
        })
    };
    // A relying party may POST its request (§2): without a CSRF token of
    // ours it is a request to confirm, like a GET.
    if signed_in && (!posted || params.get("csrf_token").is_none()) {
        return confirmation();
    }
    match (posted, session) {
        (true, Some(session)) => {
            if !session::csrf_matches(&session, params.get("csrf_token")) {
                return Err(forged());
            }
            end(&state, Some(&session)).await?;
            let mut response = see_other("/login");
            remove_cookie(&state, &mut response)?;
            Ok(response)
        }
        (true, None) => Ok(see_other("/logout")),
        (false, _) => signed_out_page(),
    }
}

/// The client a valid `id_token_hint` names, when it proves who asks.
async fn proven_client(
    state: &AppState,
    params: &UniqueParams,
    session: Option<&Session>,
) -> Result<Option<Client>, PageError> {
    let Some(hint) = params.get("id_token_hint") else {
        return Ok(None);
    };
    let claims = state
        .signer
        .verify_id_token(hint, &state.issuer, state.now())
        .await
        .map_err(|error| {
            tracing::error!(%error, "signing keys unusable");
            PageError::BadRequest("The sign-out request cannot be checked now.".to_owned())
        })?;
    let Some(claims) = claims else {
        return Ok(None);
    };
    if params
        .get("client_id")
        .is_some_and(|client_id| client_id != claims.aud)
    {
        return Ok(None);
    }
    let signed_in = session.and_then(|session| session.user_id.as_deref());
    if signed_in.is_some_and(|user_id| user_id != claims.sub) {
        return Ok(None);
    }
    Ok(clients::find(&state.pool, &claims.aud).await?)
}

async fn end(state: &AppState, session: Option<&Session>) -> Result<(), PageError> {
    if let Some(session) = session {
        sessions::delete(&state.pool, &session.id_hash).await?;
    }
    Ok(())
}

/// 303 to the registered URI, `state` appended to its query (§2).
fn back_to_client(uri: &str, client_state: Option<&str>) -> Result<HttpResponse, PageError> {
    let mut url = url::Url::parse(uri).map_err(|_| {
        PageError::BadRequest("The application's registered address is not valid.".to_owned())
    })?;
    if let Some(client_state) = client_state {
        url.query_pairs_mut().append_pair("state", client_state);
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, url.as_str()))
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}

fn signed_out_page() -> Result<HttpResponse, PageError> {
    html(&LogoutPage {
        confirm_csrf_token: None,
    })
}

fn remove_cookie(state: &AppState, response: &mut HttpResponse) -> Result<(), PageError> {
    response
        .add_cookie(&session::removal(state))
        .map_err(|_| PageError::BadRequest("the session cookie could not be cleared".to_owned()))
}
