//! The device authorization grant, RFC 8628: the user code a person types
//! at the verification URI, and the answer of the device authorization
//! endpoint.

use std::fmt;

use rand::rngs::OsRng;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::secret::{CredentialHash, DeviceCode};

/// The letters of a user code: consonants only, no vowels (no words) and
/// none that look alike, as RFC 8628 §6.1 suggests.
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Letters in a user code: 20^8 ≈ 2^34.6, above the 2^34 that
/// RFC 8628 §5.1 takes as the example for a throttled 8-letter code.
pub const USER_CODE_LENGTH: usize = 8;

/// A user code (RFC 8628 §3.2, §6.1): [`USER_CODE_LENGTH`] letters of
/// [`USER_CODE_ALPHABET`], shown `XXXX-XXXX`. Typed back in any case, with
/// or without the dash or spaces. `Debug` redacts it: a live code lets
/// whoever holds it approve the device.
#[derive(Clone, PartialEq, Eq)]
pub struct UserCode(String);

/// Why typed text is not a user code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a user code is {USER_CODE_LENGTH} letters such as BCDF-GHJK")]
pub struct NotAUserCode;

impl UserCode {
    /// A fresh code from the OS generator.
    pub fn generate() -> Self {
        let letters = (0..USER_CODE_LENGTH)
            .map(|_| char::from(USER_CODE_ALPHABET[OsRng.gen_range(0..USER_CODE_ALPHABET.len())]))
            .collect();
        Self(letters)
    }

    /// What a person typed, normalised (RFC 8628 §6.1: case-insensitive,
    /// punctuation such as the dash and spaces ignored).
    pub fn parse(typed: &str) -> Result<Self, NotAUserCode> {
        let letters: String = typed
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = letters.len() == USER_CODE_LENGTH
            && letters
                .bytes()
                .all(|letter| USER_CODE_ALPHABET.contains(&letter));
        if valid {
            Ok(Self(letters))
        } else {
            Err(NotAUserCode)
        }
    }

    /// As a person reads it: `XXXX-XXXX`.
    pub fn display(&self) -> String {
        let (first, second) = self.0.split_at(USER_CODE_LENGTH / 2);
        format!("{first}-{second}")
    }

    /// The digest to store and look the code up by.
    pub fn hash(&self) -> CredentialHash {
        CredentialHash::of(&self.0)
    }
}

impl fmt::Debug for UserCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserCode([redacted])")
    }
}

/// The answer of the device authorization endpoint, RFC 8628 §3.2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceAuthorizationResponse {
    pub device_code: DeviceCode,
    /// As shown to the person (`XXXX-XXXX`).
    pub user_code: String,
    pub verification_uri: String,
    /// The verification URI with the user code in it, for a QR code (§3.3.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<String>,
    /// Lifetime of the device and user codes in seconds.
    pub expires_in: u64,
    /// Seconds to wait between polls (§3.5; 5 when absent).
    #[serde(default = "default_interval")]
    pub interval: u64,
}

/// RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default."
pub const DEFAULT_INTERVAL_SECONDS: u64 = 5;

fn default_interval() -> u64 {
    DEFAULT_INTERVAL_SECONDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_code_is_read_in_any_case_with_or_without_dash_or_spaces() {
        let code = UserCode::parse("BCDF-GHJK").unwrap();
        for typed in ["bcdfghjk", "bcdf-GHJK", " BCDF GHJK ", "b c d f - g h j k"] {
            assert_eq!(UserCode::parse(typed), Ok(code.clone()), "{typed}");
        }
        assert_eq!(code.display(), "BCDF-GHJK");
    }

    #[test]
    fn text_that_is_not_a_user_code_is_refused() {
        for typed in [
            "",
            "BCDF-GHJ",
            "BCDF-GHJKL",
            "ABCD-EFGH",
            "BCDF_GHJK",
            "BCDF-GHJ1",
        ] {
            assert_eq!(UserCode::parse(typed), Err(NotAUserCode), "{typed}");
        }
    }

    #[test]
    fn generated_codes_use_only_the_alphabet_and_differ() {
        let first = UserCode::generate();
        let shown = first.display();
        assert_eq!(UserCode::parse(&shown), Ok(first.clone()));
        assert_ne!(first, UserCode::generate());
        assert!(!format!("{first:?}").contains(&shown[..4]));
    }

    #[test]
    fn the_interval_defaults_to_five_seconds() {
        let json = r#"{"device_code":"d","user_code":"BCDF-GHJK","verification_uri":"https://as/device","expires_in":600}"#;
        let answer: DeviceAuthorizationResponse = serde_json::from_str(json).unwrap();
        assert_eq!(answer.interval, 5);
        assert_eq!(answer.verification_uri_complete, None);
    }
}
