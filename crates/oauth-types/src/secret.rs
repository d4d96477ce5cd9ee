//! Opaque credentials: authorization codes, access tokens, refresh tokens
//! and client secrets.
//!
//! Every one is 256 bits from the operating system's generator (RFC 6749
//! §10.10, RFC 9700 §4.1: at least 128 bits for codes), encoded base64url
//! without padding. Servers keep only a SHA-256 digest, so a leaked
//! database leaks no usable credential (RFC 6749 §10.3, §10.4); a fast
//! hash is right here because the input is high-entropy, unlike a password.
//! `Debug` never prints the value.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Number of random bytes in every generated credential (256 bits).
pub const CREDENTIAL_BYTES: usize = 32;

/// Draws a fresh credential from the OS generator, base64url encoded.
pub fn generate_credential() -> String {
    let mut bytes = [0u8; CREDENTIAL_BYTES];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 digest of a credential, base64url encoded: what servers
/// store and look credentials up by.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CredentialHash(String);

impl CredentialHash {
    pub fn of(credential: &str) -> Self {
        Self(URL_SAFE_NO_PAD.encode(Sha256::digest(credential.as_bytes())))
    }

    /// Wraps a digest read back from storage.
    pub fn from_stored(digest: String) -> Self {
        Self(digest)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `credential` hashes to this digest, compared in constant time
    /// (RFC 6749 §10.3 and RFC 9700 §4: no timing oracle on secrets).
    pub fn matches(&self, credential: &str) -> bool {
        let candidate = Self::of(credential);
        bool::from(self.0.as_bytes().ct_eq(candidate.0.as_bytes()))
    }
}

impl fmt::Debug for CredentialHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CredentialHash({}…)",
            self.0.get(..8).unwrap_or_default()
        )
    }
}

/// Declares a newtype for one kind of credential, so that a code cannot be
/// passed where a token is expected and no credential is ever logged.
macro_rules! credential {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// On the wire (serde) it is the bare string; `Debug` redacts it.
        #[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh value: 256 bits from the OS generator.
            pub fn generate() -> Self {
                Self(generate_credential())
            }

            /// Wraps a value received on the wire.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value itself, for the one place that must send it.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// The digest to store or look the value up by.
            pub fn hash(&self) -> CredentialHash {
                CredentialHash::of(&self.0)
            }

            /// Whether `presented` is this value, compared in constant time
            /// (through the digests), so a wrong guess learns nothing from
            /// how long the answer took.
            pub fn matches(&self, presented: &str) -> bool {
                self.hash().matches(presented)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

credential!(
    /// RFC 6749 §1.3.1: a short-lived, single-use grant.
    AuthorizationCode
);
credential!(
    /// RFC 6749 §1.4: the bearer credential a resource accepts.
    AccessToken
);
credential!(
    /// RFC 6749 §1.5: exchanged for new access tokens.
    RefreshToken
);
credential!(
    /// RFC 8628 §3.2: what a device polls the token endpoint with.
    DeviceCode
);
credential!(
    /// RFC 6749 §2.3.1: a confidential client's password.
    ClientSecret
);
credential!(
    /// RFC 6749 §10.12, RFC 9700 §4.7: the token every form of a browser
    /// session carries, so another site cannot post on its behalf.
    CsrfToken
);

/// Shortens a credential for display in teaching pages and traces:
/// `abcd…wxyz`. Never enough to use.
pub fn shorten(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 12 {
        return "…".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_matches_itself_only() {
        let token = CsrfToken::generate();
        assert!(token.matches(token.secret()));
        assert!(!token.matches(""));
        assert!(!token.matches(&format!("{}x", token.secret())));
    }

    #[test]
    fn generated_credentials_carry_256_bits_and_differ() {
        let a = AccessToken::generate();
        let b = AccessToken::generate();
        assert_ne!(a, b);
        // 32 bytes in base64url without padding is 43 characters.
        assert_eq!(a.secret().len(), 43);
        let decoded = URL_SAFE_NO_PAD.decode(a.secret()).unwrap_or_default();
        assert_eq!(decoded.len(), CREDENTIAL_BYTES);
    }

    #[test]
    fn debug_never_shows_the_value() {
        let value = "super-secret-value";
        for printed in [
            format!("{:?}", AuthorizationCode::new(value)),
            format!("{:?}", AccessToken::new(value)),
            format!("{:?}", RefreshToken::new(value)),
            format!("{:?}", ClientSecret::new(value)),
            format!("{:?}", CsrfToken::new(value)),
        ] {
            assert!(!printed.contains("super-secret"), "{printed}");
        }
        let token = RefreshToken::new(value);
        let hash = token.hash();
        assert!(!format!("{hash:?}").contains(hash.as_str()));
    }

    #[test]
    fn a_hash_matches_only_its_own_credential() {
        let secret = ClientSecret::new("strava-secret");
        let stored = secret.hash();
        assert!(stored.matches("strava-secret"));
        assert!(!stored.matches("strava-secreT"));
        assert!(!stored.matches(""));
        // The SHA-256 of "abc", a published test vector.
        assert_eq!(
            CredentialHash::of("abc").as_str(),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }

    #[test]
    fn shortening_keeps_too_little_to_use() {
        assert_eq!(shorten("abcdefghijklmnopqrstuvwxyz"), "abcd…wxyz");
        assert_eq!(shorten("short"), "…");
    }
}
