//! HTTP pieces every role mounts.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::middleware::{from_fn, DefaultHeaders, Next};
use actix_web::{web, App, HttpResponse};

use crate::database::Database;

/// The app every role starts from: [`security_headers`] and
/// [`log_request`] around every route, its database, and `/healthz`. A role
/// adds its state and its routes.
pub fn role_app(
    database: web::Data<Database>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(security_headers())
        .wrap(from_fn(log_request))
        .app_data(database)
        .route("/healthz", web::get().to(healthz))
}

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

/// A role's browser-session cookie (security.md 11): `HttpOnly` (no script
/// reads it), `SameSite=Lax` (not sent on cross-site POSTs), `Path=/`,
/// `Secure` under HTTPS. Under HTTPS its name also takes the `__Host-`
/// prefix (RFC 6265bis §4.1.3.2), which a browser keeps only for the very
/// host that set it, so no sibling host can plant or shadow it.
#[derive(Debug, Clone, Copy)]
pub struct SessionCookie {
    /// The name over plain HTTP, e.g. `as_session`.
    pub name: &'static str,
}

impl SessionCookie {
    /// The name the cookie has, with or without TLS.
    pub fn name(&self, secure: bool) -> std::borrow::Cow<'static, str> {
        if secure {
            format!("__Host-{}", self.name).into()
        } else {
            self.name.into()
        }
    }

    /// The `Set-Cookie` for `value`, living `max_age_seconds`.
    pub fn build(
        &self,
        value: String,
        secure: bool,
        max_age_seconds: i64,
    ) -> actix_web::cookie::Cookie<'static> {
        actix_web::cookie::Cookie::build(self.name(secure), value)
            .path("/")
            .http_only(true)
            .same_site(actix_web::cookie::SameSite::Lax)
            .secure(secure)
            .max_age(actix_web::cookie::time::Duration::seconds(max_age_seconds))
            .finish()
    }
}

#[cfg(test)]
mod session_cookie_tests {
    use super::SessionCookie;

    #[test]
    fn under_tls_the_cookie_is_secure_and_host_only_else_plain() {
        let session = SessionCookie {
            name: "role_session",
        };
        let secure = session.build("v".to_owned(), true, 60).to_string();
        assert!(secure.starts_with("__Host-role_session=v"), "{secure}");
        for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=60"] {
            assert!(secure.contains(attribute), "{secure}");
        }
        assert!(!secure.contains("Domain"), "{secure}");
        let plain = session.build("v".to_owned(), false, 60).to_string();
        assert!(plain.starts_with("role_session=v"), "{plain}");
        assert!(!plain.contains("Secure"), "{plain}");
    }
}
