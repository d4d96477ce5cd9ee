//! RFC 7636 PKCE: verifier, challenge and method parsers never panic; a
//! parsed verifier satisfies its own S256 challenge, which parses back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_types::pkce::{CodeChallenge, CodeChallengeMethod, CodeVerifier};

fuzz_target!(|input: &str| {
    let _ = CodeChallengeMethod::parse(input);
    let _ = CodeChallenge::parse(input);
    if let Ok(verifier) = CodeVerifier::parse(input) {
        let challenge = CodeChallenge::from_verifier(&verifier);
        assert!(challenge.is_satisfied_by(&verifier));
        let parsed = CodeChallenge::parse(challenge.as_str()).expect("an S256 challenge parses");
        assert!(parsed.is_satisfied_by(&verifier));
    }
});
