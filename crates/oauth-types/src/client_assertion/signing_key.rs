//! The client's side of `private_key_jwt`: its private key, read once
//! from a PKCS#8 PEM file, signing a fresh assertion (RFC 7523 §3) for
//! each request that authenticates it.

use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, KeyAlgorithm,
    OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse, ThumbprintHash,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use pkcs8::der::pem::PemLabel;
use pkcs8::der::Decode;
use pkcs8::{ObjectIdentifier, PrivateKeyInfo, SecretDocument};

/// RFC 5480 §2.1.1 `id-ecPublicKey`, with RFC 5480 §2.1.1.1 `secp256r1`.
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// RFC 8410 §3 `id-Ed25519`.
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// RFC 8017 Appendix C `rsaEncryption`.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Why a private key file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadClientKey {
    #[error("not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)")]
    NotPkcs8Pem,
    #[error("not an EC P-256, Ed25519 or RSA private key")]
    UnsupportedKey,
    #[error("the RSA key is under {} bits", super::MIN_RSA_BITS)]
    WeakRsaKey,
    #[error("the private key does not parse")]
    Unusable,
}

/// A client's private key for `private_key_jwt`: ES256 (P-256), EdDSA
/// (Ed25519) or RS256 (RSA), by the key's type. Its `Debug` shows nothing
/// of it.
pub struct ClientAssertionKey {
    algorithm: Algorithm,
    encoding: EncodingKey,
    jwk: Jwk,
}

/// A signed assertion, with its header and claims for display.
#[derive(Debug, Clone)]
pub struct SignedAssertion {
    pub assertion: String,
    pub header: serde_json::Value,
    pub claims: serde_json::Value,
}

impl ClientAssertionKey {
    /// The key of a PKCS#8 PEM document (`openssl genpkey` writes them).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, BadClientKey> {
        let (label, document) =
            SecretDocument::from_pem(pem).map_err(|_| BadClientKey::NotPkcs8Pem)?;
        PrivateKeyInfo::validate_pem_label(label).map_err(|_| BadClientKey::NotPkcs8Pem)?;
        Self::from_pkcs8_der(document.as_bytes())
    }

    /// The key of a PKCS#8 DER document.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, BadClientKey> {
        let info = PrivateKeyInfo::from_der(der).map_err(|_| BadClientKey::NotPkcs8Pem)?;
        let oid = info.algorithm.oid;
        let curve = info.algorithm.parameters_oid().ok();
        let (algorithm, encoding, public) = if oid == EC_PUBLIC_KEY && curve == Some(P256) {
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                .map_err(|_| BadClientKey::Unusable)?;
            let encoding = EncodingKey::from_ec_der(der);
            let public = Jwk::from_encoding_key(&encoding, Algorithm::ES256)
                .map_err(|_| BadClientKey::Unusable)?;
            (Algorithm::ES256, encoding, public)
        } else if oid == ED25519 {
            let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                .map_err(|_| BadClientKey::Unusable)?;
            // RFC 8037 §2: an OKP key, its public half base64url.
            let public = Jwk {
                common: CommonParameters::default(),
                algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                    key_type: OctetKeyPairType::OctetKeyPair,
                    curve: EllipticCurve::Ed25519,
                    x: URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
                }),
            };
            (Algorithm::EdDSA, EncodingKey::from_ed_der(der), public)
        } else if oid == RSA_ENCRYPTION {
            let pair = RsaKeyPair::from_pkcs8(der).map_err(|_| BadClientKey::Unusable)?;
            if pair.public_modulus_len() * 8 < super::MIN_RSA_BITS {
                return Err(BadClientKey::WeakRsaKey);
            }
            // PKCS#8 wraps the RFC 8017 RSAPrivateKey, which jsonwebtoken
            // signs with.
            let encoding = EncodingKey::from_rsa_der(info.private_key);
            let public = Jwk::from_encoding_key(&encoding, Algorithm::RS256)
                .map_err(|_| BadClientKey::Unusable)?;
            (Algorithm::RS256, encoding, public)
        } else {
            return Err(BadClientKey::UnsupportedKey);
        };
        Ok(Self {
            algorithm,
            encoding,
            jwk: Self::describe(public, algorithm)?,
        })
    }

    /// The public JWK with `alg`, `use` and, as `kid`, its RFC 7638
    /// thumbprint.
    fn describe(mut public: Jwk, algorithm: Algorithm) -> Result<Jwk, BadClientKey> {
        public.common.key_algorithm = Some(match algorithm {
            Algorithm::ES256 => KeyAlgorithm::ES256,
            Algorithm::EdDSA => KeyAlgorithm::EdDSA,
            _ => KeyAlgorithm::RS256,
        });
        public.common.public_key_use = Some(PublicKeyUse::Signature);
        let thumbprint = public
            .thumbprint(ThumbprintHash::SHA256)
            .map_err(|_| BadClientKey::Unusable)?;
        public.common.key_id = Some(thumbprint);
        Ok(public)
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The public key, as the client registers it (its `kid` is the RFC
    /// 7638 thumbprint every assertion names).
    pub fn public_jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// A JWK Set of the public key, for `client add --jwks`.
    pub fn public_jwk_set(&self) -> serde_json::Value {
        serde_json::json!({ "keys": [self.jwk] })
    }

    /// A fresh assertion (RFC 7523 §3) from `client_id` for `audience`:
    /// `iss` = `sub` = the client, `iat` now, `exp` a minute later, a
    /// random `jti`.
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: i64,
    ) -> Result<SignedAssertion, BadClientKey> {
        let claims = serde_json::json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": now,
            "exp": now + 60,
            "jti": crate::secret::generate_credential(),
        });
        self.sign(&claims)
    }

    /// Signs `claims` with this key, its `kid` in the header.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<SignedAssertion, BadClientKey> {
        let mut header = Header::new(self.algorithm);
        header.kid = self.jwk.common.key_id.clone();
        let assertion = jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|_| BadClientKey::Unusable)?;
        Ok(SignedAssertion {
            assertion,
            header: serde_json::to_value(&header).unwrap_or_default(),
            claims: claims.clone(),
        })
    }
}

impl std::fmt::Debug for ClientAssertionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientAssertionKey({:?}, [redacted])", self.algorithm)
    }
}
