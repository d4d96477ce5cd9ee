//! `GET`/`POST /userinfo`, OpenID Connect Core §5.3: the claims about the
//! user that the access token's scopes release (§5.4), `sub` always.
//!
//! The access token comes as RFC 6750 §2.1 `Authorization: Bearer`, or
//! (POST only) as §2.2 `access_token` in a form body; both at once is
//! `invalid_request` (§2: one method per request). The query string is
//! not read (RFC 9700 §4.3.2; our policy). Refusals follow RFC 6750 §3.1:
//!
//! - no token: 401 with a `WWW-Authenticate: Bearer` challenge and no
//!   error code (§3.1: "SHOULD NOT include an error code");
//! - an unknown, expired, revoked or refresh token, or one without a user:
//!   401 `invalid_token` (rule 36: a token without a resource owner never
//!   acts as a person);
//! - a token without scope `openid`: 403 `insufficient_scope` (Core §5.3.1
//!   asks for an access token "obtained through an OpenID Connect
//!   Authentication Request").

use actix_web::http::header::{HeaderValue, AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use actix_web::http::{Method, StatusCode};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use oauth_types::id_token::UserInfo;
use oauth_types::secret::AccessToken;
use oauth_types::{BearerErrorCode, ErrorResponse};

use crate::errors::EndpointError;
use crate::form;
use crate::oidc::id_token::standard_claims;
use crate::oidc::OPENID;
use crate::state::AppState;
use crate::store::tokens::{self, TokenKind};
use crate::store::users;

pub async fn userinfo(
    request: HttpRequest,
    body: Result<Bytes, actix_web::Error>,
    state: Data<AppState>,
) -> Result<HttpResponse, EndpointError> {
    let token = match presented_token(&request, body) {
        Ok(Some(token)) => token,
        Ok(None) => return Ok(challenge(StatusCode::UNAUTHORIZED, None)),
        Err(description) => {
            return Ok(challenge(
                StatusCode::BAD_REQUEST,
                Some((BearerErrorCode::InvalidRequest, description)),
            ))
        }
    };
    let invalid = || {
        challenge(
            StatusCode::UNAUTHORIZED,
            Some((
                BearerErrorCode::InvalidToken,
                "the access token is not active",
            )),
        )
    };
    let now = state.now();
    let stored = tokens::find(&state.pool, &token.hash())
        .await?
        .filter(|stored| stored.kind == TokenKind::Access && stored.is_live(now));
    let Some((stored, user_id)) =
        stored.and_then(|stored| stored.user_id.clone().map(|user_id| (stored, user_id)))
    else {
        return Ok(invalid());
    };
    if !stored.scope.contains_str(OPENID) {
        return Ok(challenge(
            StatusCode::FORBIDDEN,
            Some((
                BearerErrorCode::InsufficientScope,
                "the access token was not granted scope openid",
            )),
        ));
    }
    let Some(user) = users::find_by_id(&state.pool, &user_id).await? else {
        return Ok(invalid());
    };
    let answer = UserInfo {
        sub: user.id.clone(),
        standard: standard_claims(&user, &stored.scope),
    };
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(answer))
}

/// The token of the request: `Ok(None)` when none was sent, `Err` with a
/// description when it was sent wrongly.
fn presented_token(
    request: &HttpRequest,
    body: Result<Bytes, actix_web::Error>,
) -> Result<Option<AccessToken>, &'static str> {
    let header = match request.headers().get(AUTHORIZATION) {
        None => None,
        Some(value) => bearer(value)?,
    };
    let in_body = if request.method() == Method::POST && has_body(request) {
        let params = form::unique_body(request, body)
            .map_err(|_| "the body must be a form with each parameter once")?;
        params.get("access_token").map(str::to_owned)
    } else {
        None
    };
    match (header, in_body) {
        (Some(_), Some(_)) => Err("the access token was sent in more than one way"),
        (Some(token), None) | (None, Some(token)) => Ok(Some(AccessToken::new(token))),
        (None, None) => Ok(None),
    }
}

/// RFC 6750 §2.1: `Bearer` (any case) and the token. Another scheme is
/// no token of ours.
fn bearer(value: &HeaderValue) -> Result<Option<String>, &'static str> {
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not ASCII")?;
    let Some((scheme, token)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return Err("the Bearer credentials are malformed");
    }
    Ok(Some(token.to_owned()))
}

fn has_body(request: &HttpRequest) -> bool {
    request
        .headers()
        .contains_key(actix_web::http::header::CONTENT_TYPE)
}

/// An RFC 6750 §3 refusal: the challenge, and the JSON error when there is
/// an error code.
fn challenge(status: StatusCode, error: Option<(BearerErrorCode, &str)>) -> HttpResponse {
    let mut challenge = "Bearer realm=\"userinfo\"".to_owned();
    if let Some((code, description)) = error {
        challenge.push_str(&format!(
            ", error=\"{code}\", error_description=\"{description}\""
        ));
        if code == BearerErrorCode::InsufficientScope {
            challenge.push_str(", scope=\"openid\"");
        }
    }
    let mut response = HttpResponse::build(status);
    response
        .insert_header((WWW_AUTHENTICATE, challenge))
        .insert_header((CACHE_CONTROL, "no-store"));
    match error {
        Some((code, description)) => response.json(ErrorResponse::new(code, description)),
        None => response.finish(),
    }
}
