//! Dynamic client registration (RFC 7591) and its management (RFC 7592).
//!
//! - [`document`]: the client metadata document, parsed and checked once.
//! - [`information`]: the client information response (RFC 7591 §3.2.1).
//! - `crate::routes::register`: the endpoints.
//!
//! Our policies, where the RFCs leave the choice to the server:
//! - who may register: `--registration open|token|off` (RFC 7591 §3);
//!   under `open`, at most [`REGISTRATIONS_PER_ADDRESS`] registrations
//!   per source address and login window;
//! - a secret is issued only for `client_secret_basic` and
//!   `client_secret_post`, never expires (`client_secret_expires_at: 0`)
//!   and is shown once: a read does not show it again (RFC 7592 §2.1 lets
//!   us; only its hash is kept);
//! - a replacement (RFC 7592 §2.2) rotates the registration access token:
//!   the answer carries the new one and the old one stops working;
//! - a deletion (RFC 7592 §2.3) deletes the client's tokens, codes,
//!   pending requests and remembered consents with it.

use actix_web::http::header::{CACHE_CONTROL, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use oauth_types::{BearerErrorCode, ErrorResponse, OAuthErrorCode};

use crate::errors::EndpointError;

pub mod document;
pub mod information;

/// Our policy: registrations accepted per source address within the
/// login window under `--registration open`.
pub const REGISTRATIONS_PER_ADDRESS: i64 = 10;

/// Why `/register` or a `registration_client_uri` refuses a request.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// RFC 7591 §3.2.2 `invalid_redirect_uri`.
    #[error("{0}")]
    InvalidRedirectUri(String),
    /// RFC 7591 §3.2.2 `invalid_client_metadata`.
    #[error("{0}")]
    InvalidClientMetadata(String),
    /// A body that is not a JSON object, or not sent as one.
    #[error("{0}")]
    InvalidRequest(String),
    /// RFC 6750 §3.1: no token where one is needed.
    #[error("{0}")]
    MissingToken(String),
    /// RFC 6750 §3.1 `invalid_token`: an unknown, expired or another
    /// client's token; it says nothing about whether the client exists.
    #[error("{0}")]
    InvalidToken(String),
    /// `--registration open`: this address registered too many clients.
    #[error("too many registrations from this address; try again later")]
    TooManyRequests { retry_after: i64 },
    /// `--registration off`.
    #[error("client registration is turned off on this server")]
    Off,
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
}

impl From<sqlx::Error> for RegistrationError {
    fn from(error: sqlx::Error) -> Self {
        Self::Endpoint(EndpointError::Internal(error))
    }
}

impl RegistrationError {
    fn code(&self) -> String {
        match self {
            Self::InvalidRedirectUri(_) => OAuthErrorCode::InvalidRedirectUri.to_string(),
            Self::InvalidClientMetadata(_) => OAuthErrorCode::InvalidClientMetadata.to_string(),
            Self::InvalidRequest(_) => OAuthErrorCode::InvalidRequest.to_string(),
            Self::MissingToken(_) | Self::InvalidToken(_) => {
                BearerErrorCode::InvalidToken.to_string()
            }
            Self::TooManyRequests { .. } => OAuthErrorCode::TemporarilyUnavailable.to_string(),
            Self::Off => "not_found".to_owned(),
            Self::Endpoint(_) => OAuthErrorCode::ServerError.to_string(),
        }
    }
}

impl ResponseError for RegistrationError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MissingToken(_) | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Off => StatusCode::NOT_FOUND,
            Self::Endpoint(error) => error.status_code(),
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Endpoint(error) = self {
            return error.error_response();
        }
        let mut response = HttpResponse::build(self.status_code());
        response
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((PRAGMA, "no-cache"));
        match self {
            // RFC 6750 §3.1: no error code when no token was sent.
            Self::MissingToken(_) => {
                response.insert_header((WWW_AUTHENTICATE, "Bearer realm=\"registration\""));
            }
            Self::InvalidToken(_) => {
                response.insert_header((
                    WWW_AUTHENTICATE,
                    "Bearer realm=\"registration\", error=\"invalid_token\"",
                ));
            }
            Self::TooManyRequests { retry_after } => {
                response.insert_header((RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        response.json(ErrorResponse::new(self.code(), self.to_string()))
    }
}
