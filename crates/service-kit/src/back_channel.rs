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

/// The client for back-channel calls: redirects are never followed (a
/// server we call must not bounce our credentials elsewhere), both the
/// connection and the whole call are bounded by `timeout`, and the
/// certificate authority in `ca_cert`, if any, is trusted in addition to
/// the public roots.
pub fn client(
    ca_cert: Option<&Path>,
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<reqwest::Client, StartupError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .timeout(timeout);
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
