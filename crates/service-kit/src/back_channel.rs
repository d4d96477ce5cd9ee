//! The back channel: the HTTP calls one role makes to another (the client
//! to the authorization server and the resource, the resource to the
//! introspection endpoint or the issuer's keys).
//!
//! Over HTTPS the peer's certificate is always verified (RFC 9700 §2.6,
//! RFC 6749 §10.9) against the usual public roots. `--ca-cert PEM` ADDS a
//! certificate authority to those roots, e.g. the local one
//! `scripts/demo --tls` makes; nothing ever turns verification off, so a
//! peer whose certificate does not chain to a trusted root cannot be
//! reached: the request fails, it never falls back to accepting.

use std::path::Path;
use std::time::Duration;

use crate::server::StartupError;

/// The certificates of a PEM file (one or more `CERTIFICATE` blocks).
///
/// A missing, unreadable or empty file is a configuration mistake, named in
/// one line (exit 2).
pub fn read_ca_certificates(path: &Path) -> Result<Vec<reqwest::Certificate>, StartupError> {
    let unreadable = |why: &str| {
        StartupError::Config(format!(
            "--ca-cert: cannot read a PEM certificate from {}: {why}",
            path.display()
        ))
    };
    let pem = std::fs::read(path).map_err(|err| unreadable(&err.to_string()))?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(unreadable("no CERTIFICATE block in it"));
    }
    let certificates =
        reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| unreadable(&err.to_string()))?;
    if certificates.is_empty() {
        return Err(unreadable("no CERTIFICATE block in it"));
    }
    Ok(certificates)
}

/// How long an idle pooled connection may still be reused. Servers close
/// idle keep-alive connections on their own clock (5 s for ours, see
/// `server::KEEP_ALIVE`, and for Node's); a request written just as the
/// server closes fails with nothing processed. Dropping our idle
/// connections well before that turns the race into a fresh connection.
pub const IDLE_CONNECTION_REUSE: Duration = Duration::from_secs(3);

/// The builder of every back-channel client: redirects are never followed
/// (a server we call must not bounce our credentials elsewhere), the
/// connection is bounded by `connect_timeout` and the whole call by
/// `timeout`, and idle connections are reused only briefly
/// ([`IDLE_CONNECTION_REUSE`]).
pub fn builder(connect_timeout: Duration, timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .pool_idle_timeout(IDLE_CONNECTION_REUSE)
}

/// The client for back-channel calls, from [`builder`], trusting the
/// certificate authority in `ca_cert`, if any, in addition to the public
/// roots.
pub fn client(
    ca_cert: Option<&Path>,
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<reqwest::Client, StartupError> {
    let mut builder = builder(connect_timeout, timeout);
    if let Some(path) = ca_cert {
        for certificate in read_ca_certificates(path)? {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder
        .build()
        .map_err(|err| StartupError::Config(format!("cannot build the HTTP client: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that answers the first request of each connection and keeps
    /// it open, then drops the connection at its second request unanswered:
    /// what a server's keep-alive timer firing as the request arrives does.
    fn server_closing_reused_connections() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for connection in listener.incoming().flatten() {
                std::thread::spawn(move || answer_only_the_first_request(connection));
            }
        });
        url
    }

    fn answer_only_the_first_request(mut connection: std::net::TcpStream) {
        use std::io::{Read, Write};
        let mut received = Vec::new();
        let mut buffer = [0u8; 1024];
        let mut answered = false;
        while let Ok(read @ 1..) = connection.read(&mut buffer) {
            received.extend_from_slice(&buffer[..read]);
            if !received.windows(4).any(|window| window == b"\r\n\r\n") {
                continue;
            }
            if answered {
                return;
            }
            let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
            connection.write_all(answer).unwrap();
            answered = true;
            received.clear();
        }
    }

    #[actix_rt::test]
    async fn a_connection_idle_longer_than_its_reuse_time_is_not_reused() {
        let url = server_closing_reused_connections();
        let timeout = Duration::from_secs(5);
        let http = client(None, timeout, timeout).unwrap();
        let first = http.get(&url).send().await.unwrap();
        assert_eq!(first.text().await.unwrap(), "ok");
        actix_rt::time::sleep(IDLE_CONNECTION_REUSE + Duration::from_millis(500)).await;
        let second = http.get(&url).send().await;
        let second = second.map_err(|err| format!("{err:?}"));
        assert_eq!(second.unwrap().status(), reqwest::StatusCode::OK);
    }

    #[test]
    fn a_missing_ca_file_is_named_in_one_line() {
        let missing = std::env::temp_dir().join("no-such-ca-file.pem");
        let error = read_ca_certificates(&missing).err().map(|e| e.to_string());
        let error = error.unwrap_or_default();
        assert!(error.contains("--ca-cert"), "{error}");
        assert!(error.contains("no-such-ca-file.pem"), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
    }

    #[test]
    fn a_file_without_a_certificate_is_refused() {
        let path = std::env::temp_dir().join(format!("not-a-ca-{}.pem", uuid::Uuid::new_v4()));
        let written = std::fs::write(&path, "hello");
        assert!(written.is_ok());
        let error = read_ca_certificates(&path).err().map(|e| e.to_string());
        assert!(error.unwrap_or_default().contains("no CERTIFICATE"));
        let _ = std::fs::remove_file(path);
    }
}
