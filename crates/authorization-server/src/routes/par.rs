//! `POST /par`, the pushed authorization request endpoint (RFC 9126 §2).
//!
//! Instead of sending its authorization request through the browser, the
//! client posts it here, authenticated as at `/token`
//! ([`ClientAuthentication`]), and gets a short-lived `request_uri` back
//! (§2.2). The browser then carries only `client_id` and `request_uri` to
//! `/authorize` (§4, see `routes::authorize::pushed`). What this defends:
//! parameters nobody can tamper with in the browser, that never show in
//! its history, logs or `Referer`, and requests of any size.
//!
//! The request is checked now with the very checks of `/authorize`
//! (§2.1), and refusals are JSON (§2.3). Our policies: a `request_uri`
//! lives 60 s and is used once; a client has at most
//! [`MAX_LIVE_PER_CLIENT`] waiting (429 beyond); request objects
//! (`request`, RFC 9101) are not supported and are `invalid_request`.
//!
//! DPoP (RFC 9449 §10.1): a push may carry a DPoP proof for `POST /par`.
//! It is checked as at `/token` and binds the code to its key, as
//! `dpop_jkt` would; a push with both must name one key in both.

use actix_web::http::header::{ALLOW, CACHE_CONTROL, PRAGMA};
use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpResponse, ResponseError};
use oauth_types::dpop::JwkThumbprint;
use oauth_types::pushed_authorization::PushedAuthorizationResponse;
use oauth_types::{ErrorResponse, OAuthErrorCode};

use crate::client_auth::ClientAuthentication;
use crate::dpop::{self, DpopHeader};
use crate::errors::EndpointError;
use crate::routes::authorize;
use crate::state::AppState;
use crate::store::pushed_requests::{self, RequestUri, MAX_LIVE_PER_CLIENT};

/// Parameters that authenticate the client (RFC 6749 §2.3.1, RFC 7523
/// §2.2): checked by [`ClientAuthentication`], never stored. `client_id`
/// is stored apart, with the request.
const CLIENT_AUTHENTICATION: [&str; 4] = [
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
];

/// Why a push is refused.
#[derive(Debug, thiserror::Error)]
pub enum ParError {
    /// Client authentication, the form, or our own failure: as at `/token`.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// A check of `/authorize` failed (RFC 9126 §2.3: its error codes).
    #[error("{description}")]
    Refused {
        code: OAuthErrorCode,
        description: String,
    },
    /// A body over our bound (RFC 9126 §2.3: 413).
    #[error("{0}")]
    TooLarge(String),
    /// Our bound on waiting requests (RFC 9126 §2.3: 429).
    #[error("this client has {MAX_LIVE_PER_CLIENT} pushed requests waiting already; use them or let them expire")]
    TooMany,
}

impl From<sqlx::Error> for ParError {
    fn from(error: sqlx::Error) -> Self {
        Self::Endpoint(EndpointError::Internal(error))
    }
}

fn invalid_request(description: &str) -> ParError {
    ParError::Refused {
        code: OAuthErrorCode::InvalidRequest,
        description: description.to_owned(),
    }
}

impl ResponseError for ParError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Endpoint(error) => error.status_code(),
            Self::Refused { .. } => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooMany => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let code = match self {
            Self::Endpoint(error) => return error.error_response(),
            Self::Refused { code, .. } => *code,
            Self::TooLarge(_) | Self::TooMany => OAuthErrorCode::InvalidRequest,
        };
        HttpResponse::build(self.status_code())
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((PRAGMA, "no-cache"))
            .json(ErrorResponse::new(code, self.to_string()))
    }
}

/// `POST /par`: checks and stores the request; `201` with its
/// `request_uri` (RFC 9126 §2.2).
pub async fn push(
    authenticated: Result<ClientAuthentication, EndpointError>,
    proof: DpopHeader,
    state: Data<AppState>,
) -> Result<HttpResponse, ParError> {
    let authenticated = authenticated.map_err(|error| match error {
        EndpointError::BodyTooLarge(description) => ParError::TooLarge(description),
        error => ParError::Endpoint(error),
    })?;
    let client = &authenticated.client;
    let parameters = authorization_parameters(&authenticated)?;
    let proof = dpop::accept(&state, proof, "POST", "/par", None).await?;
    let parameters = bound_to_proof_key(parameters, proof.map(|proof| proof.jkt))?;
    let mut checked = parameters.clone();
    checked.push(("client_id".to_owned(), client.client_id.clone()));
    authorize::check(&checked, client, &state)
        .await
        .map_err(|error| match error {
            Ok(refusal) => ParError::Refused {
                code: refusal.code,
                description: refusal.description,
            },
            Err(error) => ParError::from(error),
        })?;
    let request_uri = RequestUri::generate();
    let ttl = state.lifetimes.pushed_request;
    let stored = pushed_requests::insert_within_bound(
        &state.pool,
        &request_uri,
        &client.client_id,
        &parameters,
        state.now(),
        ttl,
    )
    .await?;
    if !stored {
        return Err(ParError::TooMany);
    }
    let answer = PushedAuthorizationResponse {
        request_uri: request_uri.as_str().to_owned(),
        expires_in: u64::try_from(ttl).unwrap_or_default(),
    };
    Ok(HttpResponse::Created()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(answer))
}

/// Any other method at `/par`: RFC 9126 §2.3 answers `405`.
pub async fn other_method() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((ALLOW, "POST"))
        .finish()
}

/// RFC 9449 §10.1: the key of a proof sent with the push binds the code as
/// `dpop_jkt` does; sent together, the two must name the same key.
fn bound_to_proof_key(
    mut parameters: Vec<(String, String)>,
    proof_key: Option<JwkThumbprint>,
) -> Result<Vec<(String, String)>, ParError> {
    let Some(proof_key) = proof_key else {
        return Ok(parameters);
    };
    match parameters.iter().find(|(name, _)| name == "dpop_jkt") {
        Some((_, named)) if named != proof_key.as_str() => Err(invalid_request(
            "dpop_jkt names another key than the DPoP proof (RFC 9449 §10.1)",
        )),
        Some(_) => Ok(parameters),
        None => {
            parameters.push(("dpop_jkt".to_owned(), proof_key.as_str().to_owned()));
            Ok(parameters)
        }
    }
}

/// The authorization request in the form: every parameter but the
/// client's credentials.
fn authorization_parameters(
    authenticated: &ClientAuthentication,
) -> Result<Vec<(String, String)>, ParError> {
    let params = &authenticated.params;
    // §2.1: the client_id of the request is that of the authenticated client.
    if params
        .get("client_id")
        .is_some_and(|id| id != authenticated.client.client_id)
    {
        return Err(invalid_request(
            "client_id differs from the authenticated client",
        ));
    }
    // §2.1: a pushed request cannot point at another one.
    if params.get("request_uri").is_some() {
        return Err(invalid_request(
            "request_uri cannot be pushed (RFC 9126 §2.1)",
        ));
    }
    if params.get("request").is_some() {
        return Err(invalid_request(
            "request objects (RFC 9101) are not supported; push the parameters themselves",
        ));
    }
    Ok(params
        .pairs()
        .filter(|(name, _)| !CLIENT_AUTHENTICATION.contains(name))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect())
}
