//! The key-encryption key (KEK) that protects the private halves of the
//! signing keys at rest (our policy, security rule 40): a copy of the
//! database alone yields no private key, only ciphertext.
//!
//! - **The file** (`--key-encryption-key-file`, `AS_KEY_ENCRYPTION_KEY_FILE`):
//!   one line, the base64url encoding (RFC 4648 §5) of 32 bytes from the OS
//!   generator (256 bits). Anything else is refused at start-up.
//! - **The cipher**: XChaCha20-Poly1305, an AEAD, with a fresh random
//!   192-bit nonce per encryption (large enough that random nonces never
//!   repeat in practice). The associated data names the row (`kid` and
//!   `alg`), so a ciphertext copied onto another row does not open.
//! - **The stored form** ([`KeyEncryptionKey::seal`]): base64url of
//!   `nonce || ciphertext || tag`, where the plaintext is the private key as
//!   PKCS#8 DER (RFC 5958), the one encoding for any algorithm: an RSA key
//!   fits the same column and the same code.
//!
//! With `--demo` and no flag, [`KeyEncryptionKey::load_or_create`] makes the
//! file at [`demo_path`] (mode 0600 on Unix) and reuses it afterwards.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// The flag that names the file, for error messages.
pub const FLAG: &str = "--key-encryption-key-file";
/// `stored form` marker in `signing_keys.private_key_encryption`.
pub const SEALED: &str = "xchacha20poly1305";
/// Marker of a row written before encryption at rest (migrations 0002/0003):
/// a base64url Ed25519 seed in clear, sealed at the next start-up with a KEK.
pub const CLEAR: &str = "none";

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// base64url, with or without `=` padding (tools differ on it).
const LENIENT_BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A 256-bit key-encryption key. `Debug` never shows it.
#[derive(Clone)]
pub struct KeyEncryptionKey(chacha20poly1305::Key);

impl fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyEncryptionKey([redacted])")
    }
}

/// Why a KEK file cannot be used; every message names the flag.
#[derive(Debug, thiserror::Error)]
pub enum KekFileError {
    #[error("{FLAG} {path}: cannot read it: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{FLAG} {path}: expected one line, the base64url encoding of 32 random bytes \
         (create one with `authorization-server key generate-encryption-key --file PATH`)"
    )]
    Format { path: String },
    #[error("{FLAG} {path}: cannot create it: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
}

/// A sealed private key that does not open: another KEK, or an altered row.
#[derive(Debug, thiserror::Error)]
#[error("does not open with this key-encryption key")]
pub struct OpenError;

impl KeyEncryptionKey {
    /// 256 bits from the OS generator.
    pub fn generate() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// The file's text: base64url without padding, one line.
    pub fn to_file_text(&self) -> String {
        format!("{}\n", URL_SAFE_NO_PAD.encode(self.0))
    }

    /// Parses the file's text (surrounding whitespace ignored).
    fn parse(text: &str) -> Option<Self> {
        let bytes = LENIENT_BASE64URL.decode(text.trim()).ok()?;
        let bytes: [u8; KEY_BYTES] = bytes.try_into().ok()?;
        Some(Self(bytes.into()))
    }

    /// Reads `--key-encryption-key-file`.
    pub fn read(path: &Path) -> Result<Self, KekFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| KekFileError::Unreadable {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).ok_or_else(|| KekFileError::Format {
            path: path.display().to_string(),
        })
    }

    /// Creates `path` with a new key (mode 0600), refusing to overwrite.
    pub fn create(path: &Path) -> Result<Self, KekFileError> {
        let key = Self::generate();
        write_new_private_file(path, key.to_file_text().as_bytes()).map_err(|source| {
            KekFileError::Create {
                path: path.display().to_string(),
                source,
            }
        })?;
        Ok(key)
    }

    /// Reads `path`, or creates it when it does not exist (`--demo`).
    /// Instances starting together agree: the file appears whole, once.
    pub fn load_or_create(path: &Path) -> Result<Self, KekFileError> {
        if path.exists() {
            return Self::read(path);
        }
        match Self::create(path) {
            Ok(key) => Ok(key),
            Err(KekFileError::Create { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                Self::read(path)
            }
            Err(error) => Err(error),
        }
    }

    /// Encrypts a private key (PKCS#8 DER) for the row `kid`/`algorithm`.
    pub fn seal(&self, kid: &str, algorithm: &str, private_key_der: &[u8]) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = associated_data(kid, algorithm);
        let payload = Payload {
            msg: private_key_der,
            aad: aad.as_bytes(),
        };
        // Encryption fails only for messages over 256 GiB.
        let ciphertext = self.cipher().encrypt(&nonce, payload).unwrap_or_default();
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        URL_SAFE_NO_PAD.encode(sealed)
    }

    /// Decrypts what [`Self::seal`] stored for the row `kid`/`algorithm`.
    pub fn open(&self, kid: &str, algorithm: &str, sealed: &str) -> Result<Vec<u8>, OpenError> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| OpenError)?;
        if bytes.len() < NONCE_BYTES {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let aad = associated_data(kid, algorithm);
        let payload = Payload {
            msg: ciphertext,
            aad: aad.as_bytes(),
        };
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| OpenError)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0)
    }
}

/// Binds a ciphertext to its row: swapping rows makes both fail to open.
fn associated_data(kid: &str, algorithm: &str) -> String {
    format!("signing_keys:v1:{algorithm}:{kid}")
}

/// Where `--demo` keeps the KEK when no file is named: beside an SQLite
/// database file (`PATH.kek`), else (Postgres, in-memory SQLite) under
/// `./data`.
pub fn demo_path(database_url: &str) -> PathBuf {
    let sqlite_file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split_once('?').map_or(rest, |(path, _)| path))
        .filter(|path| !path.is_empty() && *path != ":memory:");
    match sqlite_file {
        Some(path) => PathBuf::from(format!("{path}.kek")),
        None => Path::new("data").join("authorization-server.kek"),
    }
}

/// Writes a file that must not exist yet, readable by its owner only, so
/// that nobody ever reads it half-written: the bytes go to a temporary file
/// in the same directory, which is then hard-linked into place (failing if
/// `path` appeared meanwhile).
fn write_new_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let directory = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(directory)?;
    let temporary = directory.join(format!(".kek-{}.tmp", uuid::Uuid::new_v4().simple()));
    let written =
        write_private(&temporary, contents).and_then(|()| std::fs::hard_link(&temporary, path));
    let _ = std::fs::remove_file(&temporary);
    written
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_its_kek_and_on_its_own_row() {
        let kek = KeyEncryptionKey::generate();
        let sealed = kek.seal("kid-1", "EdDSA", b"private");

        assert_eq!(kek.open("kid-1", "EdDSA", &sealed).unwrap(), b"private");
        assert!(kek.open("kid-2", "EdDSA", &sealed).is_err(), "another row");
        assert!(kek.open("kid-1", "RS256", &sealed).is_err(), "another alg");
        assert!(KeyEncryptionKey::generate()
            .open("kid-1", "EdDSA", &sealed)
            .is_err());
        assert!(kek.open("kid-1", "EdDSA", "AAAA").is_err());
    }

    #[test]
    fn the_file_text_is_32_bytes_of_base64url_with_or_without_padding() {
        let kek = KeyEncryptionKey::generate();
        let text = kek.to_file_text();

        assert_eq!(text.trim().len(), 43);
        let again = KeyEncryptionKey::parse(&text).unwrap();
        assert_eq!(again.0, kek.0);
        assert!(KeyEncryptionKey::parse(&format!("{}=", text.trim())).is_some());
        assert!(KeyEncryptionKey::parse(&text[..40]).is_none(), "too short");
        assert!(KeyEncryptionKey::parse(&format!("{}AAAA", text.trim())).is_none());
        assert!(KeyEncryptionKey::parse("not base64 at all!").is_none());
    }

    #[test]
    fn the_demo_kek_lives_beside_the_sqlite_file_or_under_data() {
        assert_eq!(
            demo_path("sqlite://var/as.db?mode=rwc"),
            PathBuf::from("var/as.db.kek")
        );
        assert_eq!(demo_path("sqlite:as.db"), PathBuf::from("as.db.kek"));
        assert_eq!(
            demo_path("postgres://oauth@localhost/as"),
            Path::new("data").join("authorization-server.kek")
        );
        assert_eq!(
            demo_path("sqlite::memory:"),
            Path::new("data").join("authorization-server.kek")
        );
    }
}
