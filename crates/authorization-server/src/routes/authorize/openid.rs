//! The OpenID Connect step of `/authorize` (Core §3.1.2.1), for requests
//! whose scope has `openid`: what the pending request must remember
//! (`nonce`, `login_hint`, a fresh login, a consent screen), and
//! `prompt=none`, answered at once without any page (Core §3.1.2.6):
//!
//! - nobody signed in, or a login older than `max_age`: `login_required`;
//! - no remembered consent covering the request: `consent_required`;
//! - else a code, as if the consent screen had been skipped.
//!
//! Both errors go to the redirect URI with `state` and `iss`, like every
//! error after the client and redirect URI were trusted.

use actix_web::{HttpRequest, HttpResponse};
use oauth_types::OAuthErrorCode;

use crate::authorization_response::{self, Approver};
use crate::errors::PageError;
use crate::oidc::request::OpenIdParams;
use crate::routes::consent::signed_in;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::consents;
use crate::store::requests::{OpenIdRequest, PendingRequest};

/// Fills `pending.oidc` from the parameters and the browser's session;
/// with `prompt=none`, the answer to send at once.
pub(super) async fn prepare(
    request: &HttpRequest,
    state: &AppState,
    client: &Client,
    pending: &mut PendingRequest,
    params: &OpenIdParams,
) -> Result<Option<HttpResponse>, PageError> {
    let signed_in = signed_in(request, state).await?;
    let auth_time = signed_in
        .as_ref()
        .and_then(|(session, _)| session.auth_time);
    let fresh_login = params.wants_fresh_login(auth_time, state.now());
    pending.oidc = OpenIdRequest {
        nonce: params.nonce.clone(),
        login_hint: params.login_hint.clone(),
        login_required: fresh_login,
        consent_required: params.prompt.consent,
        authenticated: false,
    };
    if !params.prompt.none {
        return Ok(None);
    }
    let refuse = |code: OAuthErrorCode, description: &str| {
        authorization_response::error(
            state,
            &pending.redirect_uri,
            code,
            description,
            pending.state.as_deref(),
        )
        .map(Some)
    };
    let Some((session, user)) = signed_in.filter(|_| !fresh_login) else {
        return refuse(
            OAuthErrorCode::LoginRequired,
            "prompt=none, and the user would have to log in",
        );
    };
    let remembered = consents::find(&state.pool, &user.id, &client.client_id).await?;
    if !remembered.is_some_and(|remembered| pending.scope.is_subset(&remembered)) {
        return refuse(
            OAuthErrorCode::ConsentRequired,
            "prompt=none, and the user has not consented to this request",
        );
    }
    let granted = pending.scope.intersection(&client.scopes);
    let approver = Approver {
        user_id: &user.id,
        username: &user.username,
        auth_time: session.auth_time,
    };
    authorization_response::approve(state, pending, approver, &granted)
        .await
        .map(Some)
}
