//! A client's JWK Set (RFC 7517 §5): the public keys its assertions are
//! signed with, registered with the client (RFC 7591 §2 `jwks`).
//!
//! Parsed once, when the client is registered and when its row is read:
//! public keys only, each of a kind we verify in constant time and with a
//! known algorithm. A key's algorithm follows from its type, so a verifier
//! never lets the token's header pick how a key is used (RFC 8725 §3.1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey};

/// The smallest RSA modulus accepted, in bits (RFC 7518 §3.3: "2048 bits
/// or larger MUST be used").
pub const MIN_RSA_BITS: usize = 2048;

/// The most keys one set may hold (our policy: room for a rotation, not
/// for a verifier trying hundreds of keys per request).
pub const MAX_KEYS: usize = 10;

/// The members that only a private (or symmetric) key has (RFC 7518 §6.2.2,
/// §6.3.2, §6.4.1; RFC 8037 §2).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// One public key and the one algorithm it verifies.
#[derive(Debug, Clone)]
pub struct ClientKey {
    pub algorithm: Algorithm,
    pub kid: Option<String>,
    pub(super) key: DecodingKey,
}

/// A client's registered public keys.
#[derive(Debug, Clone)]
pub struct ClientJwkSet {
    keys: Vec<ClientKey>,
    json: String,
}

/// Why a JWK Set is refused at registration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwkSetError {
    #[error("the JWK Set is not a JSON object with a non-empty \"keys\" array (RFC 7517 §5)")]
    NotAJwkSet,
    #[error("the JWK Set holds more than {MAX_KEYS} keys")]
    TooManyKeys,
    #[error(
        "key {0} of the JWK Set has private members (d, p, q, k, …): register public keys only"
    )]
    PrivateKey(usize),
    #[error("key {0} of the JWK Set is not an EC P-256, OKP Ed25519 or RSA public key")]
    UnsupportedKey(usize),
    #[error("key {0} of the JWK Set is an RSA key under {MIN_RSA_BITS} bits")]
    WeakRsaKey(usize),
    #[error("key {0} of the JWK Set names an alg or use its type cannot have (ES256, EdDSA, RS256; use sig)")]
    Mismatch(usize),
    #[error("key {0} of the JWK Set does not parse as a public key")]
    Unusable(usize),
}

impl ClientJwkSet {
    /// Parses a JWK Set document, refusing any key that is not a public
    /// key we accept.
    pub fn parse(json: &str) -> Result<Self, JwkSetError> {
        let document: serde_json::Value =
            serde_json::from_str(json).map_err(|_| JwkSetError::NotAJwkSet)?;
        let members = document
            .get("keys")
            .and_then(serde_json::Value::as_array)
            .filter(|keys| !keys.is_empty())
            .ok_or(JwkSetError::NotAJwkSet)?;
        if members.len() > MAX_KEYS {
            return Err(JwkSetError::TooManyKeys);
        }
        let mut jwks = Vec::new();
        let mut keys = Vec::new();
        for (index, member) in members.iter().enumerate() {
            let (jwk, key) = public_key(index, member)?;
            jwks.push(jwk);
            keys.push(key);
        }
        let json =
            serde_json::to_string(&JwkSet { keys: jwks }).map_err(|_| JwkSetError::NotAJwkSet)?;
        Ok(Self { keys, json })
    }

    /// The keys, in the order registered.
    pub fn keys(&self) -> &[ClientKey] {
        &self.keys
    }

    /// The set as stored: the public members of each key.
    pub fn to_json(&self) -> &str {
        &self.json
    }
}

fn public_key(index: usize, member: &serde_json::Value) -> Result<(Jwk, ClientKey), JwkSetError> {
    if PRIVATE_MEMBERS
        .iter()
        .any(|name| member.get(name).is_some())
    {
        return Err(JwkSetError::PrivateKey(index));
    }
    let jwk: Jwk =
        serde_json::from_value(member.clone()).map_err(|_| JwkSetError::UnsupportedKey(index))?;
    let algorithm = match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        AlgorithmParameters::RSA(rsa) => {
            if modulus_bits(&rsa.n).unwrap_or(0) < MIN_RSA_BITS {
                return Err(JwkSetError::WeakRsaKey(index));
            }
            Algorithm::RS256
        }
        _ => return Err(JwkSetError::UnsupportedKey(index)),
    };
    let named_alg = jwk.common.key_algorithm;
    let alg_agrees = named_alg.is_none() || named_alg == Some(key_algorithm(algorithm));
    let use_agrees = matches!(
        jwk.common.public_key_use,
        None | Some(PublicKeyUse::Signature)
    );
    if !alg_agrees || !use_agrees {
        return Err(JwkSetError::Mismatch(index));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| JwkSetError::Unusable(index))?;
    let kid = jwk.common.key_id.clone();
    Ok((
        jwk,
        ClientKey {
            algorithm,
            kid,
            key,
        },
    ))
}

/// The JWK `alg` naming `algorithm`.
fn key_algorithm(algorithm: Algorithm) -> KeyAlgorithm {
    match algorithm {
        Algorithm::ES256 => KeyAlgorithm::ES256,
        Algorithm::EdDSA => KeyAlgorithm::EdDSA,
        _ => KeyAlgorithm::RS256,
    }
}

/// The size of an RSA modulus (RFC 7518 §6.3.1.1 `n`, base64url of the
/// big-endian bytes), leading zero bytes aside.
fn modulus_bits(n: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(n).ok()?;
    let first = bytes.iter().position(|byte| *byte != 0)?;
    let leading = usize::try_from(bytes.get(first)?.leading_zeros()).ok()?;
    Some((bytes.len() - first) * 8 - leading)
}
