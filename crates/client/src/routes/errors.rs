//! Errors of the page handlers (`GET /`, `GET /behind-the-scenes`) and of
//! the request extractors, shown as a problem page. Unexpected errors are
//! logged and shown as a generic message.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::pages::{html, ProblemPage};

/// What can go wrong while showing a page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("database error")]
    Store(#[from] sqlx::Error),
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Store(error) => tracing::error!(%error, "database error while showing a page"),
        }
        html(self.status_code(), &unexpected_problem())
    }
}

/// The page for an error on our side.
pub fn unexpected_problem() -> ProblemPage {
    ProblemPage::new(
        "Something went wrong on our side",
        "Strava could not finish your request because of an internal problem.",
        "Try again in a moment.",
    )
}

/// A request this server cannot read (bad form, bad query, too large).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

impl ResponseError for BadRequest {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        html(
            self.status_code(),
            &ProblemPage::new(
                "That request could not be read",
                self.0.clone(),
                "Go back to the home page and use its forms.",
            ),
        )
    }
}

/// Configures actix's extractors so malformed input is a 400 page, never a 5xx.
pub fn form_config() -> actix_web::web::FormConfig {
    actix_web::web::FormConfig::default()
        .limit(64 * 1024)
        .error_handler(|error, _request| {
            BadRequest(format!("The form was not understood: {error}.")).into()
        })
}

/// Same for query strings.
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default().error_handler(|error, _request| {
        BadRequest(format!("The query was not understood: {error}.")).into()
    })
}
