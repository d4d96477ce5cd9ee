//! RFC 6750 §2 token location at the protected resource: an
//! `Authorization` header value, a query string and a form body, split from
//! the input at its first two newlines. `locate` never panics, and a token
//! it returns came one way only and is never empty or over the limit.
#![no_main]

use actix_web::http::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use libfuzzer_sys::fuzz_target;
use protected_resource::bearer::locate::{locate, MAX_TOKEN_LENGTH};

fuzz_target!(|input: &[u8]| {
    let mut parts = input.splitn(3, |byte| *byte == b'\n');
    let header = parts.next().unwrap_or_default();
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next();
    let mut headers = HeaderMap::new();
    if !header.is_empty() {
        match HeaderValue::from_bytes(header) {
            Ok(value) => {
                headers.insert(AUTHORIZATION, value);
            }
            Err(_) => return, // the HTTP parser would have refused it
        }
    }
    let form: Option<Vec<(String, String)>> =
        body.map(|body| url::form_urlencoded::parse(body).into_owned().collect());
    if let Ok((token, _way)) = locate(&headers, &query, form.as_deref()) {
        assert!(!token.secret().is_empty());
        assert!(token.secret().len() <= MAX_TOKEN_LENGTH);
    }
});
