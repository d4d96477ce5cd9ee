//! `GET /authorize`: step (A) of RFC 6749 §4.1, with PKCE (RFC 7636).
//!
//! Order matters (RFC 6749 §4.1.2.1): first the client and the exact
//! redirect URI (rule 1). If either is wrong, the user sees an error page
//! and nobody is redirected. Only then are the other parameters checked,
//! and their errors go back to the client's redirect URI with `state` and
//! `iss`. A valid request is stored and the browser goes on to login and
//! consent.
//!
//! A request whose scope has `openid` is an OpenID Connect authentication
//! request (Core §3.1.2.1): its `nonce`, `prompt`, `max_age` and
//! `login_hint` are read too, and [`openid`] handles them (`prompt=none`
//! is answered here, without any page).
//!
//! `dpop_jkt` (RFC 9449 §10) binds the code to a key: the token request
//! must then carry a DPoP proof by that key.
//!
//! A request pushed to `/par` first (RFC 9126) arrives as `client_id` and
//! `request_uri` only; [`pushed`] spends it and hands its parameters to the
//! same checks. `/par` runs these checks too, when the request is pushed
//! ([`check`]), so a client hears of its mistakes at once.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use oauth_types::dpop::JwkThumbprint;
use oauth_types::params::UniqueParams;
use oauth_types::pkce::{CodeChallenge, CodeChallengeMethod};
use oauth_types::secret::generate_credential;
use oauth_types::{GrantType, OAuthErrorCode, ScopeSet};

use super::{query_value, see_other};
use crate::audience::{self, AudienceError};
use crate::authorization_response;
use crate::errors::PageError;
use crate::form;
use crate::oidc::request::OpenIdParams;
use crate::oidc::OPENID;
use crate::state::AppState;
use crate::store::clients::{self, Client, ClientKind};
use crate::store::requests::{self, OpenIdRequest, PendingRequest};

mod openid;
mod pushed;

/// An error to send back to the client (§4.1.2.1), or to answer at `/par`
/// (RFC 9126 §2.3).
pub(crate) struct Refusal {
    pub(crate) code: OAuthErrorCode,
    pub(crate) description: String,
}

fn refuse(code: OAuthErrorCode, description: impl Into<String>) -> Refusal {
    Refusal {
        code,
        description: description.into(),
    }
}

pub async fn authorize(
    request: HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let query = form::query_pairs(&request)?;
    let (pairs, origin) = pushed::resolve(query, &state).await?;
    let (client, redirect_uri) = trusted_client(&pairs, &state).await?;
    let client_state = form::single(&pairs, "state").ok().flatten();
    // RFC 9126 §6: a client registered with
    // `require_pushed_authorization_requests` must push every request.
    if client.require_pushed_authorization_requests && origin != pushed::Origin::Pushed {
        return authorization_response::error(
            &state,
            &redirect_uri,
            OAuthErrorCode::InvalidRequest,
            "this client must push its authorization requests to the pushed \
             authorization request endpoint (RFC 9126) and send request_uri",
            client_state,
        );
    }
    match validate(&pairs, &client, &redirect_uri, &state).await {
        Ok((mut pending, Some(oidc))) => {
            if let Some(answer) =
                openid::prepare(&request, &state, &client, &mut pending, &oidc).await?
            {
                return Ok(answer);
            }
            store_and_continue(&state, &pending).await
        }
        Ok((pending, None)) => store_and_continue(&state, &pending).await,
        Err(Ok(refusal)) => authorization_response::error(
            &state,
            &redirect_uri,
            refusal.code,
            &refusal.description,
            client_state,
        ),
        Err(Err(error)) => Err(error.into()),
    }
}

/// RFC 9126 §2.1: the checks of `/authorize`, run on a pushed request
/// when it is pushed, for the client that authenticated. `Err(Ok(_))` is
/// the client's mistake, `Err(Err(_))` our own failure.
pub(crate) async fn check(
    pairs: &[(String, String)],
    client: &Client,
    state: &AppState,
) -> Result<(), Result<Refusal, sqlx::Error>> {
    let redirect_uri = registered_redirect_uri(pairs, client)
        .map_err(|description| Ok(refuse(OAuthErrorCode::InvalidRequest, description)))?;
    validate(pairs, client, &redirect_uri, state)
        .await
        .map(|_| ())
}

/// Stores a valid request and sends the browser on to login and consent.
async fn store_and_continue(
    state: &AppState,
    pending: &PendingRequest,
) -> Result<HttpResponse, PageError> {
    requests::insert(
        &state.pool,
        pending,
        state.now(),
        state.lifetimes.pending_request,
    )
    .await?;
    Ok(see_other(&format!(
        "/consent?request={}",
        query_value(&pending.id)
    )))
}

/// Rule 1: a registered client and a redirect URI equal to one it
/// registered, else an error page.
async fn trusted_client(
    pairs: &[(String, String)],
    state: &AppState,
) -> Result<(Client, String), PageError> {
    let bad = |message: &str| PageError::BadRequest(message.to_owned());
    let client_id = form::single(pairs, "client_id")
        .map_err(|_| bad("client_id was sent more than once."))?
        .ok_or_else(|| bad("The request names no client (client_id is missing)."))?;
    let client = clients::find(&state.pool, client_id)
        .await?
        .filter(|client| client.kind != ClientKind::ProtectedResource)
        .ok_or_else(|| bad("The application that sent you here is not registered."))?;
    let redirect_uri = registered_redirect_uri(pairs, &client).map_err(bad)?;
    Ok((client, redirect_uri))
}

/// Rule 1 for a known client: one `redirect_uri`, equal to one it
/// registered (RFC 6749 §3.1.2.3; RFC 9126 §2.4 would let an authenticated
/// client push an unregistered one: our policy is not to).
fn registered_redirect_uri(
    pairs: &[(String, String)],
    client: &Client,
) -> Result<String, &'static str> {
    let redirect_uri = form::single(pairs, "redirect_uri")
        .map_err(|_| "redirect_uri was sent more than once.")?
        .ok_or("The request has no redirect_uri.")?;
    if !client.has_redirect_uri(redirect_uri) {
        return Err("The redirect URI does not match any URI this application registered.");
    }
    Ok(redirect_uri.to_owned())
}

/// Every other parameter, and the OpenID Connect ones when the scope has
/// `openid`. `Err(Ok(_))` goes back to the client, `Err(Err(_))` is our own
/// failure.
async fn validate(
    pairs: &[(String, String)],
    client: &Client,
    redirect_uri: &str,
    state: &AppState,
) -> Result<(PendingRequest, Option<OpenIdParams>), Result<Refusal, sqlx::Error>> {
    // RFC 6749 §3.1: no parameter twice.
    let params = UniqueParams::from_pairs(pairs.to_vec())
        .map_err(|error| Ok(refuse(OAuthErrorCode::InvalidRequest, error.to_string())))?;
    // RFC 9700 §2.1.2: no implicit grant; only `code`.
    match params.get("response_type") {
        None => {
            return Err(Ok(refuse(
                OAuthErrorCode::InvalidRequest,
                "response_type is required",
            )))
        }
        Some("code") => {}
        Some(_) => {
            return Err(Ok(refuse(
                OAuthErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            )))
        }
    }
    if !client.may_use_grant(GrantType::AuthorizationCode) {
        return Err(Ok(refuse(
            OAuthErrorCode::UnauthorizedClient,
            "this client may not use the authorization code grant",
        )));
    }
    let code_challenge = pkce_challenge(&params).map_err(Ok)?;
    let dpop_jkt = dpop_jkt(&params).map_err(Ok)?;
    let scope = requested_scope(&params, client).map_err(Ok)?;
    let oidc = scope
        .contains_str(OPENID)
        .then(|| OpenIdParams::parse(&params))
        .transpose()
        .map_err(|description| Ok(refuse(OAuthErrorCode::InvalidRequest, description)))?;
    let audience = audience::for_new_grant(&state.pool, client, params.get("resource"))
        .await
        .map_err(|error| match error {
            AudienceError::UnknownResource(_) | AudienceError::NoResource => {
                Ok(refuse(OAuthErrorCode::InvalidTarget, error.to_string()))
            }
            AudienceError::Database(error) => Err(error),
        })?;
    let pending = PendingRequest {
        id: generate_credential(),
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        scope,
        state: params.get("state").map(str::to_owned),
        code_challenge,
        audience,
        user_id: None,
        oidc: OpenIdRequest::default(),
        dpop_jkt,
    };
    Ok((pending, oidc))
}

/// Rule 2: PKCE for every client, `S256` only. A missing method would mean
/// `plain` (RFC 7636 §4.3), so it is refused too.
fn pkce_challenge(params: &UniqueParams) -> Result<CodeChallenge, Refusal> {
    let challenge = params.get("code_challenge").ok_or_else(|| {
        refuse(
            OAuthErrorCode::InvalidRequest,
            "code_challenge is required (PKCE, RFC 7636)",
        )
    })?;
    let method = params.get("code_challenge_method").ok_or_else(|| {
        refuse(
            OAuthErrorCode::InvalidRequest,
            "code_challenge_method=S256 is required",
        )
    })?;
    CodeChallengeMethod::parse(method)
        .map_err(|error| refuse(OAuthErrorCode::InvalidRequest, error.to_string()))?;
    CodeChallenge::parse(challenge)
        .map_err(|error| refuse(OAuthErrorCode::InvalidRequest, error.to_string()))
}

/// RFC 9449 §10: `dpop_jkt`, when sent, is a JWK SHA-256 thumbprint.
fn dpop_jkt(params: &UniqueParams) -> Result<Option<JwkThumbprint>, Refusal> {
    params
        .get("dpop_jkt")
        .map(|value| {
            JwkThumbprint::parse(value).ok_or_else(|| {
                refuse(
                    OAuthErrorCode::InvalidRequest,
                    "dpop_jkt must be the base64url SHA-256 thumbprint of a JWK (RFC 7638)",
                )
            })
        })
        .transpose()
}

/// The requested scope, within what the client may ask for. Without a
/// `scope`, the client's registered scopes are requested (RFC 6749 §3.3).
fn requested_scope(params: &UniqueParams, client: &Client) -> Result<ScopeSet, Refusal> {
    let scope = match params.get("scope") {
        None => client.scopes.clone(),
        Some(list) => ScopeSet::parse(list)
            .map_err(|error| refuse(OAuthErrorCode::InvalidScope, error.to_string()))?,
    };
    if scope.is_empty() {
        return Err(refuse(
            OAuthErrorCode::InvalidScope,
            "no scope was requested",
        ));
    }
    if !scope.is_subset(&client.scopes) {
        return Err(refuse(
            OAuthErrorCode::InvalidScope,
            "the requested scope exceeds what this client may ask for",
        ));
    }
    Ok(scope)
}
