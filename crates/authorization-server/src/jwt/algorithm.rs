//! The signature algorithms this server signs with, and the keys of each.
//!
//! - `EdDSA` with Ed25519 (RFC 8037): small keys and signatures, fast; the
//!   default for JWT access tokens.
//! - `RS256`, RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3), with 2048-bit
//!   keys: the algorithm every verifier must support (RFC 9068 §2.1 for
//!   access tokens, OpenID Connect Core §15.1 for ID tokens).
//!
//! Private keys are PKCS#8 DER (RFC 5958) in memory and sealed in the
//! database. RSA keys are made and used by aws-lc-rs (jsonwebtoken's
//! backend), whose RSA signing runs in constant time (security.md 41).

use aws_lc_rs::encoding::AsDer;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, KeyAlgorithm,
    OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, EncodingKey};
use pkcs8::der::Decode;

/// The size of the RSA keys this server makes (RFC 7518 §3.3: at least 2048).
pub const RSA_BITS: usize = 2048;

/// A JOSE `alg` this server signs with (`--signing-alg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum SigningAlgorithm {
    #[value(name = "EdDSA")]
    EdDSA,
    #[value(name = "RS256")]
    RS256,
}

/// Why a private key could not be made or opened.
#[derive(Debug, thiserror::Error)]
#[error("not a valid {0:?} private key")]
pub struct BadPrivateKey(pub SigningAlgorithm);

impl SigningAlgorithm {
    /// Every algorithm, in the order the JWK Set lists them.
    pub const ALL: [Self; 2] = [Self::EdDSA, Self::RS256];

    /// The `alg` value (RFC 7518 §3.1, RFC 8037 §3.1), as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EdDSA => "EdDSA",
            Self::RS256 => "RS256",
        }
    }

    /// The algorithm of a stored `alg` value.
    pub fn parse(alg: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|known| known.as_str() == alg)
    }

    pub fn jose(self) -> Algorithm {
        match self {
            Self::EdDSA => Algorithm::EdDSA,
            Self::RS256 => Algorithm::RS256,
        }
    }

    /// A new private key, PKCS#8 DER, from the OS generator.
    pub fn generate(self) -> Result<Vec<u8>, BadPrivateKey> {
        match self {
            Self::EdDSA => {
                let mut seed = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
                let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_der(&key)
                    .map(|der| der.as_bytes().to_vec())
                    .map_err(|_| BadPrivateKey(self))
            }
            Self::RS256 => {
                let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .map_err(|_| BadPrivateKey(self))?;
                let der: aws_lc_rs::encoding::Pkcs8V1Der =
                    key.as_der().map_err(|_| BadPrivateKey(self))?;
                Ok(der.as_ref().to_vec())
            }
        }
    }

    /// The signing key and the public JWK (RFC 7517) of a PKCS#8 private
    /// key of this algorithm.
    pub fn open(self, kid: &str, der: &[u8]) -> Result<(EncodingKey, Jwk), BadPrivateKey> {
        let (encoding, mut public) = match self {
            Self::EdDSA => {
                let key: ed25519_dalek::SigningKey =
                    ed25519_dalek::pkcs8::DecodePrivateKey::from_pkcs8_der(der)
                        .map_err(|_| BadPrivateKey(self))?;
                // RFC 8037 §2: an OKP key, its public half base64url.
                let public = Jwk {
                    common: CommonParameters {
                        key_algorithm: Some(KeyAlgorithm::EdDSA),
                        ..CommonParameters::default()
                    },
                    algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                        key_type: OctetKeyPairType::OctetKeyPair,
                        curve: EllipticCurve::Ed25519,
                        x: URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()),
                    }),
                };
                (EncodingKey::from_ed_der(der), public)
            }
            Self::RS256 => {
                aws_lc_rs::rsa::KeyPair::from_pkcs8(der).map_err(|_| BadPrivateKey(self))?;
                // PKCS#8 wraps the RFC 8017 RSAPrivateKey, which is what
                // jsonwebtoken signs with; the JWK's `n` and `e` come from it
                // (RFC 7518 §6.3.1).
                let info = pkcs8::PrivateKeyInfo::from_der(der).map_err(|_| BadPrivateKey(self))?;
                let encoding = EncodingKey::from_rsa_der(info.private_key);
                let public = Jwk::from_encoding_key(&encoding, self.jose())
                    .map_err(|_| BadPrivateKey(self))?;
                (encoding, public)
            }
        };
        public.common.public_key_use = Some(PublicKeyUse::Signature);
        public.common.key_id = Some(kid.to_owned());
        Ok((encoding, public))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use jsonwebtoken::{DecodingKey, Header, Validation};

    #[test]
    fn every_algorithm_signs_what_its_public_jwk_verifies() {
        for algorithm in SigningAlgorithm::ALL {
            let der = algorithm.generate().unwrap();
            let (encoding, public) = algorithm.open("k1", &der).unwrap();
            let token = jsonwebtoken::encode(
                &Header::new(algorithm.jose()),
                &serde_json::json!({"sub": "x", "exp": 4_000_000_000_u64}),
                &encoding,
            )
            .unwrap();
            let key = DecodingKey::from_jwk(&public).unwrap();
            let mut validation = Validation::new(algorithm.jose());
            validation.required_spec_claims.clear();
            jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).unwrap();
            assert_eq!(SigningAlgorithm::parse(algorithm.as_str()), Some(algorithm));
        }
    }

    #[test]
    fn rsa_keys_have_2048_bits_and_ed25519_keys_are_not_rsa_keys() {
        let der = SigningAlgorithm::RS256.generate().unwrap();
        let (_, public) = SigningAlgorithm::RS256.open("r", &der).unwrap();
        let AlgorithmParameters::RSA(rsa) = public.algorithm else {
            panic!("an RSA JWK");
        };
        let modulus = URL_SAFE_NO_PAD.decode(rsa.n);
        assert_eq!(modulus.unwrap().len() * 8, RSA_BITS);
        let ed = SigningAlgorithm::EdDSA.generate().unwrap();
        assert!(SigningAlgorithm::RS256.open("e", &ed).is_err());
        assert!(SigningAlgorithm::parse("HS256").is_none());
    }
}
