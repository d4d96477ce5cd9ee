//! Which redirect URIs a client may register (RFC 6749 §3.1.2, RFC 9700
//! §2.6, RFC 8252 §7.3). One rule for every way of registering a client.
//!
//! A redirect URI is exactly one absolute URL (RFC 6749 §3.1.2: "MUST be an
//! absolute URI"), with no fragment (§3.1.2), and no white space or control
//! character anywhere (our policy: a list squeezed into one argument, such
//! as `"https://a/cb https://b/cb"`, is refused instead of being read as one
//! odd URL). Its scheme is `https`, or `http` on a loopback host only (RFC
//! 9700 §2.6, RFC 8252 §7.3): `javascript:`, `data:` and every other scheme
//! are refused. User information (`user:pass@`) is refused too (our policy).

use url::{Host, Url};

/// Why a redirect URI cannot be registered.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    #[error("{0:?} contains white space or a control character: give one URI per --redirect-uri")]
    WhiteSpace(String),
    #[error("'{0}' is not an absolute URL")]
    NotAbsolute(String),
    #[error("'{0}': a redirect URI may not contain a fragment (RFC 6749 §3.1.2)")]
    Fragment(String),
    #[error("'{0}': a redirect URI may not carry a user name or password")]
    UserInfo(String),
    #[error(
        "'{0}': plain-HTTP redirect URIs are for loopback hosts only; use https (RFC 9700 §2.6)"
    )]
    PlainHttp(String),
    #[error("'{0}': only https redirect URIs (or http on a loopback host) are accepted")]
    Scheme(String),
}

/// Checks one redirect URI for registration.
pub fn check(uri: &str) -> Result<Url, RedirectUriError> {
    let refused = |make: fn(String) -> RedirectUriError| make(uri.to_owned());
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refused(RedirectUriError::WhiteSpace));
    }
    let parsed = Url::parse(uri).map_err(|_| refused(RedirectUriError::NotAbsolute))?;
    if parsed.fragment().is_some() {
        return Err(refused(RedirectUriError::Fragment));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refused(RedirectUriError::UserInfo));
    }
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(refused(RedirectUriError::PlainHttp)),
        _ => Err(refused(RedirectUriError::Scheme)),
    }
}

/// Whether a URL points at this machine (`localhost`, 127.0.0.0/8,
/// `[::1]`), where plain HTTP does not cross a network (RFC 8252 §7.3).
pub fn is_loopback(uri: &Url) -> bool {
    match uri.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(address)) => address.is_loopback(),
        Some(Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for uri in [
            "https://app.example/callback",
            "https://app.example:8443/cb?x=1",
            "http://localhost:9000/callback",
            "http://127.0.0.1:8765/callback",
            "http://[::1]:8765/callback",
        ] {
            assert!(check(uri).is_ok(), "{uri} should be accepted");
        }
    }

    #[test]
    fn two_uris_in_one_argument_are_refused() {
        let uri = "http://localhost:9000/cb http://evil.example/cb";
        assert_eq!(
            check(uri),
            Err(RedirectUriError::WhiteSpace(uri.to_owned()))
        );
        assert!(check("https://app.example/cb\n").is_err());
        assert!(check("https://app.example/cb\t").is_err());
    }

    #[test]
    fn other_schemes_are_refused() {
        for uri in [
            "javascript:alert(1)//https://app.example/cb",
            "data:text/html,hi",
            "file:///etc/passwd",
            "ftp://app.example/cb",
            "com.example.app:/callback",
        ] {
            assert_eq!(
                check(uri),
                Err(RedirectUriError::Scheme(uri.to_owned())),
                "{uri}"
            );
        }
    }

    #[test]
    fn fragments_user_info_relative_and_remote_http_are_refused() {
        /// How `check` refuses a URI, given that URI.
        type Refusal = fn(String) -> RedirectUriError;
        let refusals: [(&str, Refusal); 5] = [
            ("https://app.example/cb#x", RedirectUriError::Fragment),
            ("https://user:pw@app.example/cb", RedirectUriError::UserInfo),
            ("/callback", RedirectUriError::NotAbsolute),
            ("http://evil.example/cb", RedirectUriError::PlainHttp),
            (
                "http://localhost.evil.example/cb",
                RedirectUriError::PlainHttp,
            ),
        ];
        for (uri, refusal) in refusals {
            assert_eq!(check(uri), Err(refusal(uri.to_owned())), "{uri}");
        }
    }
}
