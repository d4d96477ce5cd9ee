//! A throw-away public key infrastructure: one certificate authority and
//! one server certificate it signed for `localhost` and `127.0.0.1`.
//!
//! The three roles serve HTTPS with the server certificate (`--tls-cert`,
//! `--tls-key`) and trust the authority on their back channels
//! (`--ca-cert`). Nothing here is fit for anything but loopback tests and
//! the local demo: the keys are written unencrypted.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

/// The names the server certificate is valid for: loopback, and one name
/// per role under `.localhost` (browsers resolve those to loopback, and
/// give each its own cookies: `scripts/demo --tls`).
pub const SERVER_NAMES: [&str; 5] = [
    "localhost",
    "127.0.0.1",
    "strava.localhost",
    "authorization-server.localhost",
    "facebook.localhost",
];

/// The PEM files of a fresh authority and server certificate.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The authority's certificate, PEM (what `--ca-cert` names).
    pub ca_pem: String,
    /// `ca.pem`: the authority's certificate.
    pub ca_path: PathBuf,
    /// `server.pem`: the server certificate (`--tls-cert`).
    pub cert_path: PathBuf,
    /// `server-key.pem`: its private key (`--tls-key`).
    pub key_path: PathBuf,
}

/// What can go wrong while making or writing the certificates.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("cannot make the certificates: {0}")]
    Make(#[from] rcgen::Error),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl TestPki {
    /// A new authority and server certificate, written to `directory`
    /// (created if missing) as `ca.pem`, `server.pem`, `server-key.pem`.
    /// The authority's own key is never written: nothing else can be signed
    /// with it later.
    pub fn generate_in(directory: &Path) -> Result<Self, PkiError> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "OAuth workspace local CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = ca_params.self_signed(&ca_key)?;

        let server_key = KeyPair::generate()?;
        let names: Vec<String> = SERVER_NAMES.iter().map(|name| (*name).to_owned()).collect();
        let mut server_params = CertificateParams::new(names)?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let server = server_params.signed_by(&server_key, &ca, &ca_key)?;

        let write = |name: &str, contents: &str| -> Result<PathBuf, PkiError> {
            let path = directory.join(name);
            std::fs::create_dir_all(directory)
                .and_then(|()| std::fs::write(&path, contents))
                .map_err(|source| PkiError::Write {
                    path: path.display().to_string(),
                    source,
                })?;
            Ok(path)
        };
        Ok(Self {
            ca_pem: ca.pem(),
            ca_path: write("ca.pem", &ca.pem())?,
            cert_path: write("server.pem", &server.pem())?,
            key_path: write("server-key.pem", &server_key.serialize_pem())?,
        })
    }

    /// A new authority and server certificate in a fresh temp directory.
    ///
    /// # Panics
    /// When they cannot be made or written (a test cannot go on).
    #[allow(clippy::panic)]
    pub fn generate() -> Self {
        let directory =
            std::env::temp_dir().join(format!("oauth-workspace-tls-{}", uuid::Uuid::new_v4()));
        Self::generate_in(&directory).unwrap_or_else(|err| panic!("{err}"))
    }
}
