//! The OpenID Provider side of the fake authorization server: an Ed25519
//! signing key made at test time, its JWK Set, and ID tokens minted as an
//! honest provider would, or broken in exactly one way ([`Forgery`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::{json, Value};
use sha2::{Digest, Sha512};

/// The `kid` of the provider's key.
pub const KID: &str = "fake-provider-key";

/// An Ed25519 key pair: the private half signs, the public half is published.
pub struct ProviderKey {
    encoding: EncodingKey,
    pub jwk: Jwk,
}

impl std::fmt::Debug for ProviderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProviderKey")
    }
}

impl ProviderKey {
    pub fn generate() -> Self {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let public_key = pair.public_key_raw().to_vec();
        let decoding = DecodingKey::from_ed_der(&public_key);
        let mut jwk = Jwk::from_decoding_key(&decoding, Some(Algorithm::EdDSA)).unwrap();
        jwk.common.key_id = Some(KID.to_owned());
        Self {
            encoding: EncodingKey::from_ed_der(&pair.serialize_der()),
            jwk,
        }
    }

    pub fn jwk_set(&self) -> Value {
        serde_json::to_value(JwkSet {
            keys: vec![self.jwk.clone()],
        })
        .unwrap()
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(KID.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }
}

/// Who the fake provider says signed in, and how (if at all) the ID token
/// it mints is broken.
#[derive(Debug, Clone)]
pub struct IdTokenPlan {
    pub subject: String,
    pub name: String,
    /// The `nonce` of the authentication request (the test copies it from
    /// the redirect, as an honest provider would).
    pub nonce: Option<String>,
    pub forgery: Forgery,
    pub name_released: NameReleased,
}

/// Where the provider releases the person's `name` (Core §5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameReleased {
    /// In the ID token, as our authorization server does.
    InIdToken,
    /// Only at UserInfo (Core §5.3), which answers with this `sub`.
    AtUserInfo { sub: String },
}

impl IdTokenPlan {
    pub fn honest(subject: &str, name: &str, nonce: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            name: name.to_owned(),
            nonce: Some(nonce.to_owned()),
            forgery: Forgery::None,
            name_released: NameReleased::InIdToken,
        }
    }

    /// An honest ID token without `name`; UserInfo answers it for `sub`.
    pub fn name_at_userinfo(subject: &str, name: &str, nonce: &str, sub: &str) -> Self {
        Self {
            name_released: NameReleased::AtUserInfo {
                sub: sub.to_owned(),
            },
            ..Self::honest(subject, name, nonce)
        }
    }
}

/// One way an ID token can be wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forgery {
    None,
    /// Signed by another key that claims the provider's `kid`.
    OtherKey,
    Issuer(String),
    /// This `aud` (a JSON value: a string or an array).
    Audience(Value),
    /// Several audiences, ours among them, and no `azp`.
    SeveralAudiencesNoAzp,
    Expired,
    /// Issued an hour ago (still unexpired).
    IssuedLongAgo,
    /// `nonce` left out.
    NoNonce,
    /// `at_hash` of another access token.
    AtHash,
    /// `alg: none`, no signature.
    AlgNone,
    /// HS256 with this secret (the client's own: what OpenID Connect would
    /// allow for HMAC, if the client accepted it).
    Hs256(String),
}

/// Core §3.1.3.8 for EdDSA with Ed25519: the left half of SHA-512,
/// base64url.
pub fn at_hash(access_token: &str) -> String {
    let hash = Sha512::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&hash[..hash.len() / 2])
}

/// The ID token of `plan` for `client_id` at `issuer`, issued `now`.
pub fn mint(
    key: &ProviderKey,
    plan: &IdTokenPlan,
    issuer: &str,
    client_id: &str,
    access_token: &str,
    now: i64,
) -> String {
    let mut claims = json!({
        "iss": issuer,
        "sub": plan.subject,
        "aud": client_id,
        "exp": now + 300,
        "iat": now,
        "auth_time": now,
        "at_hash": at_hash(access_token),
        "name": plan.name,
        "preferred_username": plan.subject,
    });
    if let Some(nonce) = &plan.nonce {
        claims["nonce"] = nonce.clone().into();
    }
    if plan.name_released != NameReleased::InIdToken {
        claims.as_object_mut().unwrap().remove("name");
    }
    match &plan.forgery {
        Forgery::None | Forgery::OtherKey | Forgery::AlgNone | Forgery::Hs256(_) => {}
        Forgery::Issuer(other) => claims["iss"] = other.clone().into(),
        Forgery::Audience(other) => claims["aud"] = other.clone(),
        Forgery::SeveralAudiencesNoAzp => claims["aud"] = json!([client_id, "another-app"]),
        Forgery::Expired => {
            claims["iat"] = (now - 400).into();
            claims["exp"] = (now - 100).into();
        }
        Forgery::IssuedLongAgo => claims["iat"] = (now - 3600).into(),
        Forgery::NoNonce => {
            claims.as_object_mut().unwrap().remove("nonce");
        }
        Forgery::AtHash => claims["at_hash"] = at_hash("another-access-token").into(),
    }
    match &plan.forgery {
        Forgery::OtherKey => ProviderKey::generate().sign(&claims),
        Forgery::AlgNone => {
            let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
            format!(
                "{}.{}.",
                encode(&json!({"alg": "none", "kid": KID})),
                encode(&claims)
            )
        }
        Forgery::Hs256(secret) => {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some(KID.to_owned());
            jsonwebtoken::encode(
                &header,
                &claims,
                &EncodingKey::from_secret(secret.as_bytes()),
            )
            .unwrap()
        }
        _ => key.sign(&claims),
    }
}
