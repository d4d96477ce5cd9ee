//! Reading `application/x-www-form-urlencoded` bodies and query strings
//! ourselves, so that every mistake of the caller (wrong content type,
//! oversized body, a parameter sent twice) becomes a 400 of the endpoint's
//! own kind (`/par` answers an oversized body 413, RFC 9126 §2.3), never a
//! 5xx or a framework default.

use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::Bytes;
use actix_web::HttpRequest;
use oauth_types::params::{ParamsError, UniqueParams};
use service_kit::database::text::holds_nul;

/// Largest request body any endpoint reads (rule 9).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Largest query string `/authorize` reads (rule 9).
pub const MAX_QUERY_BYTES: usize = 8 * 1024;

/// Why a form is refused.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("the body must be application/x-www-form-urlencoded")]
    ContentType,
    #[error("the request could not be read")]
    Unreadable,
    #[error("the body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error(transparent)]
    Repeated(#[from] ParamsError),
    /// A NUL can be in no identifier, secret or text we keep, and Postgres
    /// refuses it in TEXT: refused here, before any query sees it.
    #[error("a parameter contains a NUL character")]
    Nul,
}

/// The decoded name/value pairs of a form body (repeats kept).
pub fn body_pairs(
    request: &HttpRequest,
    body: Result<Bytes, actix_web::Error>,
) -> Result<Vec<(String, String)>, FormError> {
    pairs(&form_body(request, body)?)
}

/// The raw body of a form post, within the size limit.
fn form_body(
    request: &HttpRequest,
    body: Result<Bytes, actix_web::Error>,
) -> Result<Bytes, FormError> {
    if !is_form(request) {
        return Err(FormError::ContentType);
    }
    let body = body.map_err(|error| match error.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => FormError::TooLarge,
        _ => FormError::Unreadable,
    })?;
    if body.len() > MAX_BODY_BYTES {
        return Err(FormError::TooLarge);
    }
    Ok(body)
}

/// A form body whose parameters each appear once (RFC 6749 §3.1).
pub fn unique_body(
    request: &HttpRequest,
    body: Result<Bytes, actix_web::Error>,
) -> Result<UniqueParams, FormError> {
    unique_body_with_nul_in(request, body, None)
}

/// [`unique_body`], except that the value of `nul_allowed_in` may hold a
/// NUL. For the `token` of `/introspect` and `/revoke`, which is only ever
/// hashed, never stored nor compared as text: a NUL in it cannot reach the
/// database, so it is let through, and any token string, however odd, gets
/// the endpoint's answer for an unknown token (RFC 7662 §2.2
/// `{"active": false}`, RFC 7009 §2.2 200).
pub fn unique_body_with_nul_in(
    request: &HttpRequest,
    body: Result<Bytes, actix_web::Error>,
    nul_allowed_in: Option<&str>,
) -> Result<UniqueParams, FormError> {
    let body = form_body(request, body)?;
    Ok(UniqueParams::from_pairs(decode(&body, nul_allowed_in)?)?)
}

/// The decoded pairs of the query string.
pub fn query_pairs(request: &HttpRequest) -> Result<Vec<(String, String)>, FormError> {
    let query = request.query_string();
    if query.len() > MAX_QUERY_BYTES {
        return Err(FormError::Unreadable);
    }
    pairs(query.as_bytes())
}

fn pairs(input: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    decode(input, None)
}

/// Decodes `input`, refusing a NUL anywhere except in the value of the
/// parameter named `nul_allowed_in`.
fn decode(input: &[u8], nul_allowed_in: Option<&str>) -> Result<Vec<(String, String)>, FormError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(input).into_owned().collect();
    let has_nul = |(name, value): &(String, String)| {
        holds_nul(name) || (holds_nul(value) && Some(name.as_str()) != nul_allowed_in)
    };
    if pairs.iter().any(has_nul) {
        return Err(FormError::Nul);
    }
    Ok(pairs)
}

fn is_form(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The value of a field that must appear at most once in `pairs`; `Err`
/// when it appears twice.
pub fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, FormError> {
    let mut values = pairs.iter().filter(|(key, _)| key == name);
    let first = values.next().map(|(_, value)| value.as_str());
    if values.next().is_some() {
        return Err(FormError::Repeated(ParamsError::Repeated(name.to_owned())));
    }
    Ok(first.filter(|value| !value.is_empty()))
}
