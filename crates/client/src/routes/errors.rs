//! Errors of the page handlers (`GET /`, `GET /behind-the-scenes`) and of
//! the request extractors, shown as a problem page. Unexpected errors are
//! logged and shown as a generic message.
//!
//! Every handler family's database errors go through [`store_status`] and
//! [`store_failure`]: a database that does not answer is `503` with
//! `Retry-After` (contract: "Under hostile load"), anything else a `500`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use service_kit::database::is_unavailable;
use service_kit::http::retry_after;

use crate::pages::{html, ProblemPage};

/// What can go wrong while showing a page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("database error")]
    Store(#[from] sqlx::Error),
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Store(error) => store_status(error),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Store(error) => store_failure(error, "showing a page"),
        }
    }
}

/// `503` when the database does not answer (try again shortly), else `500`.
pub fn store_status(error: &sqlx::Error) -> StatusCode {
    if is_unavailable(error) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

/// The page for a database error, logged once with `context`: "try again in
/// a few seconds" with `Retry-After` when the database does not answer, the
/// generic problem page otherwise.
pub fn store_failure(error: &sqlx::Error, context: &str) -> HttpResponse {
    let status = store_status(error);
    if status != StatusCode::SERVICE_UNAVAILABLE {
        tracing::error!(%error, "database error while {context}");
        return html(status, &unexpected_problem());
    }
    tracing::warn!(%error, "the database does not answer while {context}");
    let page = ProblemPage::new(
        "Strava is briefly unavailable",
        "Strava's own storage is not answering right now, so your request could not be completed. Nothing was changed.",
        "Try again in a few seconds.",
    );
    let mut response = html(status, &page);
    let (name, value) = retry_after();
    response.headers_mut().insert(name, value);
    response
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
