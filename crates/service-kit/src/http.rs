//! HTTP pieces every role mounts.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{web, HttpResponse};

use crate::database::Database;

/// Headers on every answer.
///
/// - `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no page may
///   be framed, so no consent button can be clickjacked (RFC 6749 §10.13).
/// - `Referrer-Policy: no-referrer`: a code or token in a URL never leaks
///   to another site through `Referer` (RFC 9700 §4.2.4).
/// - `X-Content-Type-Options: nosniff`: JSON is never run as a script.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Frame-Options", "DENY"))
        .add(("Content-Security-Policy", "frame-ancestors 'none'"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Content-Type-Options", "nosniff"))
}

/// Logs one line per request: method, path, status, duration.
///
/// The query string is deliberately left out: it may hold an authorization
/// code, a `state`, or an `access_token` (RFC 6750 §2.3, §5.3).
pub async fn log_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.path().to_owned();
    let response = next.call(request).await?;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    Ok(response)
}

/// Seconds a caller is asked to wait when the database does not answer:
/// long enough for a restart or a failover, short enough that a browser
/// user simply tries again.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// The `Retry-After` header of every `503` answered while the database does
/// not answer (RFC 9110 §10.2.3: "how long the user agent ought to wait
/// before making a follow-up request"; RFC 9110 §15.6.4 for 503).
pub fn retry_after() -> (HeaderName, HeaderValue) {
    (RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS))
}

/// `GET /healthz`: 200 once the database answers, 503 with `Retry-After`
/// otherwise.
pub async fn healthz(database: web::Data<Database>) -> HttpResponse {
    if database.is_healthy().await {
        HttpResponse::Ok().content_type("text/plain").body("ok\n")
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(retry_after())
            .content_type("text/plain")
            .body("the database does not answer\n")
    }
}
