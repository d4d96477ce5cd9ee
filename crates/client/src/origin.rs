//! The origin the browser is using, and loopback aliases.
//!
//! A session cookie belongs to the host the browser used, while the
//! authorization server sends the browser back to the redirect URI's host.
//! To a browser `127.0.0.1` and `localhost` are different hosts, so a flow
//! started on one and finished on the other would arrive without its
//! session. The callback therefore sends such a browser back, once, to the
//! loopback origin the flow started from (recorded with the request); any
//! other origin is never redirected to, so this is no open redirector.

use actix_web::HttpRequest;
use url::{Host, Url};

/// `scheme://host[:port]` as this request reached us.
pub fn of_request(request: &HttpRequest) -> Option<Url> {
    let info = request.connection_info();
    Url::parse(&format!("{}://{}/", info.scheme(), info.host())).ok()
}

/// The origin as text, e.g. `http://127.0.0.1:9000`.
pub fn serialize(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Whether `a` and `b` are the same server under two loopback names: same
/// scheme and port, another host, both hosts loopback.
pub fn are_loopback_aliases(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.port_or_known_default() == b.port_or_known_default()
        && a.host_str() != b.host_str()
        && is_loopback(a)
        && is_loopback(b)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn only_loopback_names_of_one_port_are_aliases() {
        for (one, other, aliases) in [
            ("http://127.0.0.1:9000/", "http://localhost:9000/", true),
            ("http://127.0.0.1:9000/", "http://127.0.0.1:9000/", false),
            ("http://127.0.0.1:9000/", "http://localhost:9001/", false),
            ("http://evil.example:9000/", "http://localhost:9000/", false),
            ("https://127.0.0.1:9000/", "http://localhost:9000/", false),
        ] {
            assert_eq!(
                are_loopback_aliases(&url(one), &url(other)),
                aliases,
                "{one} and {other}"
            );
        }
    }
}
