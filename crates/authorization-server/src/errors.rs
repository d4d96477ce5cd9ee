//! The two ways this server refuses a request.
//!
//! - [`EndpointError`]: the JSON error of RFC 6749 §5.2, for `/token`,
//!   `/introspect` and `/revoke`.
//! - [`PageError`]: an HTML page, for the browser endpoints, and for
//!   `/authorize` whenever the client or redirect URI cannot be trusted
//!   (RFC 6749 §4.1.2.1: never redirect then).
//!
//! Unexpected failures are logged (never with a secret) and shown as a
//! generic message. A database that does not answer is not a bug: both
//! answer `503` with `Retry-After` ([`service_kit::database::is_unavailable`]
//! tells the two apart), and the next request may well succeed.

use actix_web::http::header::{CACHE_CONTROL, PRAGMA, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use oauth_types::{ErrorResponse, OAuthErrorCode};
use service_kit::database::is_unavailable;
use service_kit::http::retry_after;

use crate::form::FormError;
use crate::pages::ErrorPage;

/// RFC 6749 §5.2 errors (plus RFC 8707 `invalid_target`, RFC 9449
/// `invalid_dpop_proof` and the polling answers of RFC 8628 §3.5).
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("{0}")]
    InvalidRequest(String),
    /// A body over `form::MAX_BODY_BYTES`: `invalid_request` like any
    /// other unusable request, except at `/par` (RFC 9126 §2.3: 413).
    #[error("{0}")]
    BodyTooLarge(String),
    /// Client authentication failed. `basic` when the client used HTTP Basic:
    /// the answer then carries `WWW-Authenticate: Basic`.
    #[error("client authentication failed")]
    InvalidClient { basic: bool },
    /// Client authentication failed for a reason the client can act on (a
    /// refused `private_key_jwt` assertion, another registered method).
    #[error("{reason}")]
    ClientAuthRefused { basic: bool, reason: String },
    #[error("{0}")]
    InvalidGrant(String),
    #[error("{0}")]
    UnauthorizedClient(String),
    #[error("the grant type is not supported: {0}")]
    UnsupportedGrantType(String),
    #[error("{0}")]
    InvalidScope(String),
    /// RFC 8707 §2: the `resource` is not a registered protected resource.
    #[error("{0}")]
    InvalidTarget(String),
    /// RFC 9449 §5: the DPoP proof of a token request is refused.
    #[error("{0}")]
    InvalidDpopProof(String),
    /// RFC 9449 §8: the proof lacks a current nonce; `nonce` is a fresh
    /// one, sent in the `DPoP-Nonce` header.
    #[error("send a DPoP proof with the nonce of the DPoP-Nonce header")]
    UseDpopNonce { nonce: String },
    /// RFC 8628 §3.5: the person has not answered yet.
    #[error("the user has not yet answered at the verification URI")]
    AuthorizationPending,
    /// RFC 8628 §3.5: polled faster than the interval, which grows by 5 s.
    #[error("polling too fast: wait {interval} seconds between requests")]
    SlowDown { interval: i64 },
    /// RFC 8628 §3.5: the person denied the request.
    #[error("the user denied the request")]
    AccessDenied,
    /// RFC 8628 §3.5: the device code expired.
    #[error("the device code has expired; start again")]
    ExpiredToken,
    /// An authenticated client that may not call this endpoint.
    #[error("{0}")]
    Forbidden(String),
    /// A database error: `503 temporarily_unavailable` when the database
    /// does not answer, else `500 server_error`.
    #[error("{}", database_description(.0))]
    Internal(#[from] sqlx::Error),
    #[error("internal error")]
    Signing(#[from] jsonwebtoken::errors::Error),
    #[error("internal error")]
    SigningKey(#[from] crate::jwt::KeyError),
    /// The application was built without its state: a programming error.
    #[error("internal error")]
    NoState,
}

impl From<FormError> for EndpointError {
    fn from(error: FormError) -> Self {
        match error {
            FormError::TooLarge => Self::BodyTooLarge(error.to_string()),
            _ => Self::InvalidRequest(error.to_string()),
        }
    }
}

impl EndpointError {
    fn code(&self) -> OAuthErrorCode {
        match self {
            // RFC 6749 §5.2 has no code for this; §4.1.2.1 defines
            // `temporarily_unavailable` for the authorization endpoint.
            // Answering it at /token, /introspect and /revoke too is our policy.
            Self::Internal(error) if is_unavailable(error) => {
                OAuthErrorCode::TemporarilyUnavailable
            }
            Self::InvalidRequest(_) | Self::BodyTooLarge(_) => OAuthErrorCode::InvalidRequest,
            Self::InvalidClient { .. } | Self::ClientAuthRefused { .. } => {
                OAuthErrorCode::InvalidClient
            }
            Self::InvalidGrant(_) => OAuthErrorCode::InvalidGrant,
            Self::UnauthorizedClient(_) | Self::Forbidden(_) => OAuthErrorCode::UnauthorizedClient,
            Self::UnsupportedGrantType(_) => OAuthErrorCode::UnsupportedGrantType,
            Self::InvalidScope(_) => OAuthErrorCode::InvalidScope,
            // RFC 8707 §2.
            Self::InvalidTarget(_) => OAuthErrorCode::InvalidTarget,
            // RFC 9449 §5.
            Self::InvalidDpopProof(_) => OAuthErrorCode::InvalidDpopProof,
            Self::UseDpopNonce { .. } => OAuthErrorCode::UseDpopNonce,
            // RFC 8628 §3.5.
            Self::AuthorizationPending => OAuthErrorCode::AuthorizationPending,
            Self::SlowDown { .. } => OAuthErrorCode::SlowDown,
            Self::AccessDenied => OAuthErrorCode::AccessDenied,
            Self::ExpiredToken => OAuthErrorCode::ExpiredToken,
            Self::Internal(_) | Self::Signing(_) | Self::SigningKey(_) | Self::NoState => {
                OAuthErrorCode::ServerError
            }
        }
    }
}

impl ResponseError for EndpointError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Internal(error) if is_unavailable(error) => StatusCode::SERVICE_UNAVAILABLE,
            Self::InvalidClient { .. } | Self::ClientAuthRefused { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Internal(_) | Self::Signing(_) | Self::SigningKey(_) | Self::NoState => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(error) if is_unavailable(error) => {
                tracing::warn!(%error, "the database does not answer");
            }
            Self::Internal(error) => tracing::error!(%error, "database error"),
            Self::Signing(error) => tracing::error!(%error, "cannot sign a JWT"),
            Self::SigningKey(error) => tracing::error!(%error, "signing keys unusable"),
            Self::NoState => tracing::error!("the application state is missing"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        // RFC 6749 §5.1, §5.2: error answers are not cached either.
        response
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((PRAGMA, "no-cache"));
        if let Self::InvalidClient { basic: true } | Self::ClientAuthRefused { basic: true, .. } =
            self
        {
            response.insert_header((WWW_AUTHENTICATE, "Basic realm=\"authorization-server\""));
        }
        // RFC 9449 §8: the nonce the next proof must carry.
        if let Self::UseDpopNonce { nonce } = self {
            response.insert_header((crate::dpop::NONCE_HEADER, nonce.as_str()));
        }
        if self.status_code() == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header(retry_after());
        }
        response.json(ErrorResponse::new(self.code(), self.to_string()))
    }
}

/// A refusal shown to the person at the browser.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("internal error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Render(#[from] askama::Error),
}

impl From<FormError> for PageError {
    fn from(error: FormError) -> Self {
        Self::BadRequest(error.to_string())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Database(error) if is_unavailable(error) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) | Self::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            Self::Database(error) if is_unavailable(error) => {
                tracing::warn!(%error, "the database does not answer");
                TRY_AGAIN_SHORTLY.to_owned()
            }
            Self::Database(_) | Self::Render(_) => {
                tracing::error!(error = %self, "page failed");
                "Something went wrong on our side. Please try again.".to_owned()
            }
            other => other.to_string(),
        };
        let page = ErrorPage {
            title: "This request cannot be completed",
            message,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "This request cannot be completed.".to_owned());
        let mut response = HttpResponse::build(self.status_code());
        if self.status_code() == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header(retry_after());
        }
        response
            .content_type("text/html; charset=utf-8")
            .insert_header((CACHE_CONTROL, "no-store"))
            .body(body)
    }
}

/// What a person or a client reads while the database does not answer.
const TRY_AGAIN_SHORTLY: &str =
    "The service is temporarily unavailable. Please try again in a few seconds.";

/// The `error_description` of a database error: never its text, which
/// names tables and hosts.
fn database_description(error: &sqlx::Error) -> &'static str {
    if is_unavailable(error) {
        TRY_AGAIN_SHORTLY
    } else {
        "internal error"
    }
}

/// A rendered page, 200.
pub fn html(page: &impl Template) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(page.render()?))
}
