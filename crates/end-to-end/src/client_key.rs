//! The files of a `private_key_jwt` client (RFC 7523): its private key as
//! a PKCS#8 PEM file (the client's `--client-key`) and the JWK Set of its
//! public key (`client add --jwks`), as docs/authorization-server.md has
//! one make them with `openssl`.

use std::path::PathBuf;

use oauth_types::client_assertion::ClientAssertionKey;
use pkcs8::der::pem::LineEnding;
use pkcs8::SecretDocument;

/// A fresh key pair's two files, in a directory of their own.
#[derive(Debug, Clone)]
pub struct ClientKeyFiles {
    /// The private key, PKCS#8 PEM.
    pub pem: PathBuf,
    /// The JWK Set of its public key.
    pub jwks: PathBuf,
}

impl ClientKeyFiles {
    /// A new P-256 key pair (ES256).
    pub fn generate() -> Self {
        let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        )
        .unwrap();
        let der = pair.to_pkcs8v1().unwrap();
        let pem = SecretDocument::try_from(der.as_ref())
            .unwrap()
            .to_pem("PRIVATE KEY", LineEnding::LF)
            .unwrap();
        let key = ClientAssertionKey::from_pkcs8_pem(&pem).unwrap();
        let dir = std::env::temp_dir().join(format!("client-key-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let files = Self {
            pem: dir.join("client-key.pem"),
            jwks: dir.join("client-jwks.json"),
        };
        std::fs::write(&files.pem, pem.as_bytes()).unwrap();
        std::fs::write(&files.jwks, key.public_jwk_set().to_string()).unwrap();
        files
    }
}
