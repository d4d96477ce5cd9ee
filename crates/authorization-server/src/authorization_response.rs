//! The authorization response (RFC 6749 §4.1.2) and its error form
//! (§4.1.2.1), both sent to the client's registered redirect URI with
//! `state` echoed exactly and `iss` (RFC 9207) added. Only a redirect URI
//! that matched a registration exactly ever reaches this module.

use actix_web::http::header::LOCATION;
use actix_web::HttpResponse;
use oauth_types::secret::AuthorizationCode;
use oauth_types::{OAuthErrorCode, ScopeSet};

use crate::errors::PageError;
use crate::state::AppState;
use crate::store::codes::{self, CodeGrant};
use crate::store::requests::PendingRequest;

pub use crate::store::users::Approver;

/// Issues a code for an approved request and redirects to the client.
pub async fn approve(
    state: &AppState,
    pending: &PendingRequest,
    approver: Approver<'_>,
    granted: &ScopeSet,
) -> Result<HttpResponse, PageError> {
    let now = state.now();
    let code = AuthorizationCode::generate();
    let grant = CodeGrant {
        client_id: pending.client_id.clone(),
        user_id: approver.user_id.to_owned(),
        username: approver.username.to_owned(),
        redirect_uri: pending.redirect_uri.clone(),
        scope: granted.clone(),
        code_challenge: Some(pending.code_challenge.clone()),
        audience: pending.audience.clone(),
        expires_at: now + state.lifetimes.authorization_code,
        used_at: None,
        nonce: pending.oidc.nonce.clone(),
        auth_time: approver.auth_time,
        dpop_jkt: pending.dpop_jkt.clone(),
    };
    codes::insert(&state.pool, &code.hash(), &grant, now).await?;
    redirect(
        state,
        &pending.redirect_uri,
        &[("code", code.secret())],
        pending.state.as_deref(),
    )
}

/// Redirects an error to the client (§4.1.2.1).
pub fn error(
    state: &AppState,
    redirect_uri: &str,
    code: OAuthErrorCode,
    description: &str,
    client_state: Option<&str>,
) -> Result<HttpResponse, PageError> {
    redirect(
        state,
        redirect_uri,
        &[("error", code.as_str()), ("error_description", description)],
        client_state,
    )
}

/// 303 to the redirect URI with `params`, `state` and `iss` appended to its
/// query (keeping any query it was registered with, §3.1.2).
fn redirect(
    state: &AppState,
    redirect_uri: &str,
    params: &[(&str, &str)],
    client_state: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let mut url = url::Url::parse(redirect_uri).map_err(|_| {
        PageError::BadRequest("the client's registered redirect URI is not a valid URL".to_owned())
    })?;
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            query.append_pair(name, value);
        }
        if let Some(client_state) = client_state {
            query.append_pair("state", client_state);
        }
        query.append_pair("iss", &state.issuer);
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, url.as_str()))
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}
