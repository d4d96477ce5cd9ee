//! `private_key_jwt` (RFC 7523 §2.2) on the client's side: with
//! `--client-key`, Strava proves who it is at the token and revocation
//! endpoints with a fresh JWT signed by its private key instead of sending
//! a secret. The authorization server holds only the public key, so there
//! is no shared secret to leak from either side's database.
//!
//! ```text
//! POST /token
//! grant_type=authorization_code&code=…&code_verifier=…&client_id=strava
//! &client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
//! &client_assertion=<JWT {iss, sub: strava, aud: issuer, iat, exp: +60 s, jti}>
//! ```
//!
//! The key is read once at start-up ([`AssertionSigner::read`]); each
//! request gets a new assertion with a new `jti`, since the server accepts
//! each once. The header's `kid` is the RFC 7638 thumbprint of the public
//! key. The key itself never reaches a page, a log line or `Debug`.

use std::path::Path;
use std::sync::Arc;

use oauth_types::client_assertion::{ClientAssertionKey, SignedAssertion, ASSERTION_TYPE};
use service_kit::clock::Clock;
use service_kit::StartupError;

/// The client's private key and the clock its assertions are dated by.
#[derive(Clone)]
pub struct AssertionSigner {
    key: Arc<ClientAssertionKey>,
    clock: Clock,
}

impl std::fmt::Debug for AssertionSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AssertionSigner({:?})", self.key)
    }
}

impl AssertionSigner {
    /// Reads `--client-key`: a PKCS#8 PEM private key, EC P-256 (ES256),
    /// Ed25519 (EdDSA) or RSA (RS256).
    pub fn read(path: &Path, clock: Clock) -> Result<Self, StartupError> {
        let unusable =
            |why: String| StartupError::Config(format!("--client-key {}: {why}", path.display()));
        let pem = std::fs::read_to_string(path).map_err(|error| unusable(error.to_string()))?;
        let key = ClientAssertionKey::from_pkcs8_pem(&pem)
            .map_err(|error| unusable(error.to_string()))?;
        Ok(Self {
            key: Arc::new(key),
            clock,
        })
    }

    /// The public key, as a JWK Set to register (`client add --jwks`).
    pub fn public_jwk_set(&self) -> serde_json::Value {
        self.key.public_jwk_set()
    }

    /// A fresh assertion of `client_id` for the authorization server
    /// `issuer` (its `aud`, RFC 7523 §3 item 3).
    pub fn assertion(&self, client_id: &str, issuer: &str) -> Option<SignedAssertion> {
        self.key.assertion(client_id, issuer, self.clock.now()).ok()
    }

    /// The two parameters of RFC 7523 §2.2 carrying a fresh assertion.
    pub fn params(&self, client_id: &str, issuer: &str) -> Option<[(&'static str, String); 2]> {
        let signed = self.assertion(client_id, issuer)?;
        Some([
            ("client_assertion_type", ASSERTION_TYPE.to_owned()),
            ("client_assertion", signed.assertion),
        ])
    }
}

/// What the behind-the-scenes page shows of a request's assertion, if it
/// carries one: its header and claims, decoded. The compact JWT is not
/// shown (it is shortened with the other credentials of the form).
pub fn describe(form: &[u8]) -> Option<String> {
    let assertion = url::form_urlencoded::parse(form)
        .find(|(name, _)| name == "client_assertion")
        .map(|(_, value)| value.into_owned())?;
    let shown = match crate::dpop::shown::decoded(&assertion) {
        Some((header, claims)) => format!(
            "client_assertion: a JWT signed by Strava's private key (RFC 7523 §2.2), decoded:\n  header: {header}\n  claims: {claims}"
        ),
        None => "client_assertion: (an assertion that cannot be decoded)".to_owned(),
    };
    Some(shown)
}
