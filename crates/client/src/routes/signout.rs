//! `POST /signout` (CSRF-protected like every form of Strava's):
//!
//! 1. the client's session ends: the row goes (with its trace and requests)
//!    and the cookie is removed; the person's runs and connection stay
//!    theirs, for their next sign-in;
//! 2. when the provider publishes an `end_session_endpoint` (RP-Initiated
//!    Logout 1.0 §2.1), the browser is sent there with the session's ID
//!    token as `id_token_hint`, `post_logout_redirect_uri` (Strava's `/` on
//!    its own origin, registered exactly, §3) and a fresh `state` (§2), so
//!    the provider's session ends too and the browser comes back home;
//!    otherwise straight home.
//!
//! A form from a browser that is not signed in changes nothing.

use actix_web::{web, HttpResponse};

use crate::discovery::Document;
use crate::notice::Notice;
use crate::openid::logout;
use crate::routes::actions::{ActionError, CheckedForm, NoFields};
use crate::routes::see_other;
use crate::session;
use crate::state::AppState;
use crate::store;

pub async fn post(
    CheckedForm { session, .. }: CheckedForm<NoFields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ActionError> {
    let pool = state.pool();
    if session.person.is_none() {
        let notice = Notice::success(
            "You were not signed in",
            "There was nothing to sign out of.",
        );
        store::sessions::set_notice(pool, &session.id_hash, &notice.to_json()).await?;
        return Ok(see_other("/"));
    }
    let id_token = store::sessions::id_token(pool, &session.id_hash).await?;
    store::sessions::delete(pool, &session.id_hash).await?;
    let end_session_endpoint = state
        .discovery
        .endpoints_preferring(Document::OpenIdConfiguration, &state.settings, &state.http)
        .await
        .ok()
        .and_then(|endpoints| endpoints.end_session_endpoint);
    let next = match (end_session_endpoint, id_token) {
        (Some(endpoint), Some(id_token)) => {
            logout::logout_request(&endpoint, &state.settings, &id_token)
                .url
                .to_string()
        }
        _ => "/".to_owned(),
    };
    let mut response = see_other(&next);
    if response
        .add_cookie(&session::removal(&state.settings))
        .is_err()
    {
        tracing::error!("the session cookie could not be removed");
    }
    Ok(response)
}
