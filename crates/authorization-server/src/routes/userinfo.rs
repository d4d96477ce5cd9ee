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
//!
//! A DPoP-bound token (RFC 9449 §7) counts only as `Authorization: DPoP`
//! with a proof by its key for this request (`htm`, `htu`, `ath`); sent as
//! Bearer or in a form it is `invalid_token`, and an unbound token is not
//! sent as DPoP. A refused proof is 401 `invalid_dpop_proof` with a `DPoP`
//! challenge. Without any token, both challenges are sent (§7.1).

use actix_web::http::header::{HeaderValue, AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use actix_web::http::{Method, StatusCode};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use oauth_types::dpop::{JwkThumbprint, VerifiedProof};
use oauth_types::id_token::UserInfo;
use oauth_types::secret::AccessToken;
use oauth_types::{BearerErrorCode, ErrorResponse};

use crate::dpop::{self, DpopHeader};
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
    proof: DpopHeader,
    state: Data<AppState>,
) -> Result<HttpResponse, EndpointError> {
    let (token, way) = match presented_token(&request, body) {
        Ok(Some(presented)) => presented,
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
    let proof = match (way, proof.0.is_some()) {
        (Way::Dpop, false) => Err(dpop::invalid_proof("a DPoP token needs a DPoP proof")),
        (Way::Dpop, true) => {
            let method = request.method().as_str();
            dpop::accept(&state, proof, method, "/userinfo", Some(&token)).await
        }
        (Way::Bearer | Way::Form, _) => Ok(None),
    };
    if let Some(refusal) = sender_constraint_refusal(proof, stored.dpop_jkt.as_ref()) {
        return Ok(refusal);
    }
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

/// How the token came: RFC 6750 §2.1 or §2.2, or RFC 9449 §7.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    Bearer,
    Form,
    Dpop,
}

/// RFC 9449 §7: a bound token only with a proof by its key (`proof` is the
/// outcome of checking the proof, when the token came as DPoP); an unbound
/// token only as a bearer token. The refusal, if it is refused.
fn sender_constraint_refusal(
    proof: Result<Option<VerifiedProof>, EndpointError>,
    bound: Option<&JwkThumbprint>,
) -> Option<HttpResponse> {
    let invalid_token = |description: &str| {
        Some(challenge(
            StatusCode::UNAUTHORIZED,
            Some((BearerErrorCode::InvalidToken, description)),
        ))
    };
    match (proof, bound) {
        (Err(EndpointError::UseDpopNonce { nonce }), _) => Some(nonce_challenge(&nonce)),
        (Err(refusal), _) => Some(dpop_challenge(&refusal.to_string())),
        (Ok(None), None) => None,
        (Ok(None), Some(_)) => invalid_token(
            "this token is bound to a key: send it as 'Authorization: DPoP' with a proof",
        ),
        (Ok(Some(_)), None) => {
            invalid_token("this token is not bound to a key: send it as a Bearer token")
        }
        (Ok(Some(proof)), Some(bound)) if proof.jkt != *bound => Some(dpop_challenge(
            "the DPoP proof is signed by another key than the token is bound to",
        )),
        (Ok(Some(_)), Some(_)) => None,
    }
}

/// The token of the request and how it came: `Ok(None)` when none was
/// sent, `Err` with a description when it was sent wrongly.
fn presented_token(
    request: &HttpRequest,
    body: Result<Bytes, actix_web::Error>,
) -> Result<Option<(AccessToken, Way)>, &'static str> {
    let header = match request.headers().get(AUTHORIZATION) {
        None => None,
        Some(value) => authorization(value)?,
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
        (Some((token, way)), None) => Ok(Some((AccessToken::new(token), way))),
        (None, Some(token)) => Ok(Some((AccessToken::new(token), Way::Form))),
        (None, None) => Ok(None),
    }
}

/// RFC 6750 §2.1 `Bearer` or RFC 9449 §7.1 `DPoP` (any case) and the
/// token. Another scheme is no token of ours.
pub(crate) fn authorization(value: &HeaderValue) -> Result<Option<(String, Way)>, &'static str> {
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not ASCII")?;
    let Some((scheme, token)) = value.split_once(' ') else {
        return Ok(None);
    };
    let way = if scheme.eq_ignore_ascii_case("bearer") {
        Way::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Way::Dpop
    } else {
        return Ok(None);
    };
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return Err("the credentials of the Authorization header are malformed");
    }
    Ok(Some((token.to_owned(), way)))
}

fn has_body(request: &HttpRequest) -> bool {
    request
        .headers()
        .contains_key(actix_web::http::header::CONTENT_TYPE)
}

/// RFC 9449 §7.1: a refused proof, with the `DPoP` challenge naming the
/// algorithms we accept.
fn dpop_challenge(description: &str) -> HttpResponse {
    let code = BearerErrorCode::InvalidDpopProof;
    HttpResponse::Unauthorized()
        .insert_header((WWW_AUTHENTICATE, dpop_scheme(Some((code, description)))))
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(ErrorResponse::new(code, description))
}

/// RFC 9449 §9: the proof lacks a current nonce: `use_dpop_nonce`, and the
/// nonce to use in the `DPoP-Nonce` header.
fn nonce_challenge(nonce: &str) -> HttpResponse {
    let code = BearerErrorCode::UseDpopNonce;
    let description = "send a DPoP proof with the nonce of the DPoP-Nonce header";
    HttpResponse::Unauthorized()
        .insert_header((WWW_AUTHENTICATE, dpop_scheme(Some((code, description)))))
        .insert_header((dpop::NONCE_HEADER, nonce))
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(ErrorResponse::new(code, description))
}

/// The `DPoP` challenge (RFC 9449 §7.1), with an error when there is one.
fn dpop_scheme(error: Option<(BearerErrorCode, &str)>) -> String {
    let algs = oauth_types::dpop::algorithm_names().join(" ");
    let mut challenge = format!("DPoP realm=\"userinfo\", algs=\"{algs}\"");
    if let Some((code, description)) = error {
        challenge.push_str(&format!(
            ", error=\"{code}\", error_description=\"{description}\""
        ));
    }
    challenge
}

/// An RFC 6750 §3 refusal: the challenge, and the JSON error when there is
/// an error code; without one (no token sent), the `DPoP` challenge too.
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
    if error.is_none() {
        response.append_header((WWW_AUTHENTICATE, dpop_scheme(None)));
    }
    match error {
        Some((code, description)) => response.json(ErrorResponse::new(code, description)),
        None => response.finish(),
    }
}
