//! Finding the access token in a request: RFC 6750 §2.
//!
//! - §2.1 `Authorization: Bearer <b64token>`;
//! - §2.2 the form body field `access_token` of an
//!   `application/x-www-form-urlencoded` request whose method has a body
//!   (never `GET`);
//! - §2.3 the query parameter `access_token`;
//! - RFC 9449 §7.1 `Authorization: DPoP <token>`, for a token bound to a
//!   key, with a proof of that key beside it (checked in `authorized.rs`).
//!
//! "Clients MUST NOT use more than one method to transmit the token in
//! each request" (§2): two ways at once, or one parameter given twice, is
//! `invalid_request`. A request with none is refused without an error code
//! (§3.1), so the client learns only that it must authenticate.
//!
//! A value that cannot be a token at all (characters outside §2.1's
//! `b64token`, or longer than [`MAX_TOKEN_LENGTH`]) is refused here as
//! `invalid_token`, whichever way it came, without asking the authorization
//! server (contract: "Under hostile load"). §2.2 and §2.3 allow any
//! form-encoded value; holding them to `b64token` too is our policy: no
//! token this ecosystem issues looks otherwise.

use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use oauth_types::secret::AccessToken;

/// The longest token accepted (our policy); anything longer cannot be one.
pub const MAX_TOKEN_LENGTH: usize = 4096;

/// Which way the token came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenWay {
    Header,
    FormBody,
    Query,
    /// `Authorization: DPoP <token>` (RFC 9449 §7.1).
    DpopHeader,
}

/// Why no single token could be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocateError {
    #[error("no access token was sent")]
    NoToken,
    #[error("the access token was sent in more than one way (RFC 6750 §2)")]
    SeveralWays,
    #[error("{0}")]
    Malformed(&'static str),
    /// A value was sent, but no token can look like it.
    #[error("{0}")]
    NotAToken(&'static str),
}

/// The one token of the request, and how it came.
///
/// `form` holds the decoded pairs of an `application/x-www-form-urlencoded`
/// body, when the request has one and its method allows §2.2.
pub fn locate(
    headers: &HeaderMap,
    query: &str,
    form: Option<&[(String, String)]>,
) -> Result<(AccessToken, TokenWay), LocateError> {
    let query_pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let (in_header, header_way) = match from_header(headers)? {
        Some((token, Scheme::Bearer)) => (Some(token), TokenWay::Header),
        Some((token, Scheme::Dpop)) => (Some(token), TokenWay::DpopHeader),
        None => (None, TokenWay::Header),
    };
    let candidates = [
        (in_header, header_way),
        (from_pairs(form.unwrap_or_default())?, TokenWay::FormBody),
        (from_pairs(&query_pairs)?, TokenWay::Query),
    ];
    let mut found = candidates
        .into_iter()
        .filter_map(|(token, way)| token.map(|token| (token, way)));
    match (found.next(), found.next()) {
        (None, _) => Err(LocateError::NoToken),
        (Some(one), None) => Ok(one),
        (Some(_), Some(_)) => Err(LocateError::SeveralWays),
    }
}

/// The two schemes that carry an access token.
enum Scheme {
    Bearer,
    Dpop,
}

/// §2.1: `credentials = "Bearer" 1*SP b64token`, or RFC 9449 §7.1's
/// `"DPoP" 1*SP token68`; schemes are case-insensitive. Another scheme
/// (Basic, …) carries no access token.
fn from_header(headers: &HeaderMap) -> Result<Option<(AccessToken, Scheme)>, LocateError> {
    let mut values = headers.get_all(AUTHORIZATION);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(LocateError::Malformed(
            "the request has more than one Authorization header",
        ));
    }
    let malformed = LocateError::Malformed(
        "the Authorization header is not 'Bearer <token>' or 'DPoP <token>'",
    );
    let value = value.as_bytes();
    let (scheme, credentials) = match value.iter().position(|&b| b == b' ') {
        Some(space) => (&value[..space], &value[space + 1..]),
        None => (value, &b""[..]),
    };
    let scheme = if scheme.eq_ignore_ascii_case(b"bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case(b"dpop") {
        Scheme::Dpop
    } else {
        return Ok(None);
    };
    let token = credentials.trim_ascii_start();
    if token.is_empty() || token.contains(&b' ') {
        return Err(malformed);
    }
    // Bytes that are not even text cannot be a b64token either.
    let token = std::str::from_utf8(token).unwrap_or("\u{fffd}");
    checked(token).map(|token| Some((token, scheme)))
}

/// §2.2 and §2.3: the `access_token` parameter, given at most once.
fn from_pairs(pairs: &[(String, String)]) -> Result<Option<AccessToken>, LocateError> {
    let mut tokens = pairs.iter().filter(|(name, _)| name == "access_token");
    let Some((_, token)) = tokens.next() else {
        return Ok(None);
    };
    if tokens.next().is_some() {
        return Err(LocateError::Malformed(
            "the access_token parameter is included more than once",
        ));
    }
    checked(token).map(Some)
}

fn checked(token: &str) -> Result<AccessToken, LocateError> {
    if token.is_empty() {
        return Err(LocateError::Malformed("the access token is empty"));
    }
    if token.len() > MAX_TOKEN_LENGTH {
        return Err(LocateError::NotAToken("the access token is too long"));
    }
    if !is_b64token(token) {
        return Err(LocateError::NotAToken(
            "the access token has characters no token has (RFC 6750 §2.1 b64token)",
        ));
    }
    Ok(AccessToken::new(token))
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn each_way_alone_is_found() {
        let (token, way) = locate(&headers(&["Bearer abc.DEF-1~+/=="]), "", None).unwrap();
        assert_eq!((token.secret(), way), ("abc.DEF-1~+/==", TokenWay::Header));
        let (token, way) = locate(&headers(&["bearer  xyz"]), "", None).unwrap();
        assert_eq!((token.secret(), way), ("xyz", TokenWay::Header));
        let body = form(&[("message", "hi"), ("access_token", "t1")]);
        let (token, way) = locate(&HeaderMap::new(), "", Some(&body)).unwrap();
        assert_eq!((token.secret(), way), ("t1", TokenWay::FormBody));
        let (token, way) = locate(&HeaderMap::new(), "a=1&access_token=t%2B2", None).unwrap();
        assert_eq!((token.secret(), way), ("t+2", TokenWay::Query));
    }

    #[test]
    fn nothing_or_another_scheme_is_no_token() {
        assert_eq!(
            locate(&HeaderMap::new(), "", None).err(),
            Some(LocateError::NoToken)
        );
        assert_eq!(
            locate(&headers(&["Basic dXNlcjpwYXNz"]), "", None).err(),
            Some(LocateError::NoToken)
        );
    }

    #[test]
    fn two_ways_at_once_are_refused() {
        let body = form(&[("access_token", "t1")]);
        assert_eq!(
            locate(&headers(&["Bearer t1"]), "access_token=t1", None).err(),
            Some(LocateError::SeveralWays)
        );
        assert_eq!(
            locate(&HeaderMap::new(), "access_token=t1", Some(&body)).err(),
            Some(LocateError::SeveralWays)
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let malformed =
            |result: Result<_, LocateError>| matches!(result, Err(LocateError::Malformed(_)));
        assert!(malformed(locate(&headers(&["Bearer"]), "", None)));
        assert!(malformed(locate(&headers(&["Bearer a b"]), "", None)));
        assert!(malformed(locate(
            &headers(&["Bearer a", "Bearer b"]),
            "",
            None
        )));
        assert!(malformed(locate(
            &HeaderMap::new(),
            "access_token=a&access_token=b",
            None
        )));
        assert!(malformed(locate(&HeaderMap::new(), "access_token=", None)));
    }

    #[test]
    fn values_that_cannot_be_tokens_are_not_tokens_whichever_way_they_come() {
        let not_a_token =
            |result: Result<_, LocateError>| matches!(result, Err(LocateError::NotAToken(_)));
        let long = "a".repeat(MAX_TOKEN_LENGTH + 1);
        assert!(not_a_token(locate(
            &headers(&[&format!("Bearer {long}")]),
            "",
            None
        )));
        assert!(not_a_token(locate(&headers(&["Bearer a=b"]), "", None)));
        assert!(not_a_token(locate(&headers(&["Bearer ===="]), "", None)));
        let mut latin1 = HeaderMap::new();
        latin1.insert(
            AUTHORIZATION,
            HeaderValue::from_bytes(b"Bearer caf\xe9").unwrap(),
        );
        assert!(not_a_token(locate(&latin1, "", None)));
        assert!(not_a_token(locate(
            &HeaderMap::new(),
            "access_token=%00",
            None
        )));
        assert!(not_a_token(locate(
            &HeaderMap::new(),
            "access_token=a%22b",
            None
        )));
        let body = form(&[("access_token", "é")]);
        assert!(not_a_token(locate(&HeaderMap::new(), "", Some(&body))));
        let longest = "a".repeat(MAX_TOKEN_LENGTH);
        let query = format!("access_token={longest}");
        assert!(locate(&HeaderMap::new(), &query, None).is_ok());
    }
}
