//! Proof Key for Code Exchange, RFC 7636.
//!
//! The client keeps a random `code_verifier` and sends only its
//! `code_challenge = BASE64URL(SHA256(code_verifier))` (§4.2) with the
//! authorization request. At the token endpoint it proves possession by
//! sending the verifier. Only `S256` exists here: `plain` is refused
//! (RFC 9700 §2.1.1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Why a PKCE parameter is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    #[error("code_challenge_method must be S256")]
    UnsupportedMethod,
    #[error("code_challenge must be the 43-character base64url encoding of a SHA-256 digest")]
    MalformedChallenge,
    #[error("code_verifier must be 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]")]
    MalformedVerifier,
}

/// The transformation method, RFC 7636 §4.3. `plain` is deliberately absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeChallengeMethod {
    S256,
}

impl CodeChallengeMethod {
    pub fn parse(method: &str) -> Result<Self, PkceError> {
        match method {
            "S256" => Ok(Self::S256),
            _ => Err(PkceError::UnsupportedMethod),
        }
    }

    pub fn as_str(self) -> &'static str {
        "S256"
    }
}

/// An `S256` code challenge, RFC 7636 §4.2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// Parses the challenge of an authorization request: the unpadded
    /// base64url form of 32 bytes.
    pub fn parse(challenge: &str) -> Result<Self, PkceError> {
        match URL_SAFE_NO_PAD.decode(challenge) {
            Ok(digest) if digest.len() == 32 && challenge.len() == 43 => {
                Ok(Self(challenge.to_owned()))
            }
            _ => Err(PkceError::MalformedChallenge),
        }
    }

    /// The challenge a verifier implies.
    pub fn from_verifier(verifier: &CodeVerifier) -> Self {
        Self(URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.0.as_bytes())))
    }

    /// RFC 7636 §4.6: whether the verifier hashes to this challenge,
    /// compared in constant time.
    pub fn is_satisfied_by(&self, verifier: &CodeVerifier) -> bool {
        let expected = Self::from_verifier(verifier);
        bool::from(self.0.as_bytes().ct_eq(expected.0.as_bytes()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A `code_verifier`, RFC 7636 §4.1:
/// `code-verifier = 43*128unreserved`.
pub struct CodeVerifier(String);

impl CodeVerifier {
    pub fn parse(verifier: &str) -> Result<Self, PkceError> {
        let unreserved =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        if (43..=128).contains(&verifier.len()) && verifier.bytes().all(unreserved) {
            Ok(Self(verifier.to_owned()))
        } else {
            Err(PkceError::MalformedVerifier)
        }
    }
}

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const APPENDIX_B_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const APPENDIX_B_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_appendix_b_example_verifies() {
        let verifier =
            CodeVerifier::parse(APPENDIX_B_VERIFIER).unwrap_or_else(|e| unreachable!("{e}"));
        let challenge =
            CodeChallenge::parse(APPENDIX_B_CHALLENGE).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(challenge.is_satisfied_by(&verifier));
        assert_eq!(CodeChallenge::from_verifier(&verifier), challenge);
    }

    #[test]
    fn another_verifier_does_not_verify() {
        let challenge =
            CodeChallenge::parse(APPENDIX_B_CHALLENGE).unwrap_or_else(|e| unreachable!("{e}"));
        let wrong = CodeVerifier::parse(&"a".repeat(43)).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(!challenge.is_satisfied_by(&wrong));
    }

    #[test]
    fn plain_and_unknown_methods_are_refused() {
        for (method, expected) in [
            ("plain", Err(PkceError::UnsupportedMethod)),
            ("s256", Err(PkceError::UnsupportedMethod)),
            ("S256", Ok(CodeChallengeMethod::S256)),
        ] {
            assert_eq!(CodeChallengeMethod::parse(method), expected, "{method}");
        }
    }

    #[test]
    fn malformed_verifiers_and_challenges_are_refused() {
        assert!(CodeVerifier::parse(&"a".repeat(42)).is_err());
        assert!(CodeVerifier::parse(&"a".repeat(129)).is_err());
        assert!(CodeVerifier::parse(&format!("{}+", "a".repeat(43))).is_err());
        assert!(CodeChallenge::parse("short").is_err());
        assert!(CodeChallenge::parse(&"a".repeat(64)).is_err());
    }
}
