//! RFC 9068 JWT access tokens (`--access-token-format jwt`), OpenID
//! Connect ID tokens, and the life cycle of the keys that sign them.
//!
//! The signer always exists: ID tokens need a key whatever the access-token
//! format, so the server needs a key-encryption key to start (or `--demo`,
//! which creates one). Every algorithm has its own chain of keys, and the
//! JWK Set publishes every chain; ID tokens are signed `RS256` unless the
//! client registered another `alg` (OpenID Connect Core §15.1).
//!
//! A token is signed with the `--signing-alg` key: Ed25519 (`EdDSA`,
//! RFC 8037, the default) or RSA (`RS256`, which RFC 9068 §2.1 makes
//! mandatory to support; [`algorithm`]). The public halves are served as a
//! JWK Set (RFC 7517) at `/jwks.json`, the metadata's `jwks_uri`. Header
//! `{"typ":"at+jwt","alg":"EdDSA","kid":…}` (RFC 9068 §2.1); claims exactly `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`,
//! `jti`, `scope` (§2.2), plus `username` (a private claim, absent without
//! a resource owner). For `client_credentials`, `sub` is the client's id
//! (§2.2). The token is also stored by hash like an opaque one, so
//! `/introspect` and `/revoke` work for both formats.
//!
//! Keys live in the database (`signing_keys`) so that every instance signs
//! with the same key; their private halves are sealed under a
//! key-encryption key that is not in the database ([`key_encryption`]), so
//! a copy of the database alone signs nothing (security rule 40).
//!
//! - [`algorithm`]: the algorithms, their key generation and public JWKs;
//! - [`life_cycle`]: which key signs, rotation, how long a retired key is
//!   published; retired keys are deleted once every token they signed has
//!   expired (`store::housekeeping`).
//! - [`key_ring`]: the keys opened in memory, reloaded every
//!   [`RELOAD_SECONDS`].
//! - [`rewrap`]: `key rewrap`, moving every key to a new key-encryption key.

pub mod algorithm;
pub mod key_encryption;
pub mod key_ring;
pub mod life_cycle;
pub mod rewrap;

use std::sync::{Arc, RwLock};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Header, Validation};
use oauth_types::id_token::IdTokenClaims;
use oauth_types::jwt_access_token::AccessTokenClaims;
use sqlx::AnyPool;

use crate::config::Config;
use crate::store::signing_keys;
use key_encryption::{KekFileError, KeyEncryptionKey};
use key_ring::KeyRing;

pub use algorithm::SigningAlgorithm;
pub use life_cycle::{
    algorithms_in_use, ensure_key, key_states, publish_until, rotate, signing_key, KeyState,
    Rotation,
};

/// An instance reloads the keys from the database at most this long after
/// it loaded them, so it sees a rotation within this many seconds.
pub const RELOAD_SECONDS: i64 = 10;
/// `Cache-Control: max-age` of `/jwks.json`.
pub const JWKS_MAX_AGE_SECONDS: i64 = 20;
/// A rotated-in key signs this long after the rotation: every instance has
/// reloaded, and every cached copy of the JWK Set has expired, by then.
pub const ACTIVATION_DELAY_SECONDS: i64 = RELOAD_SECONDS + JWKS_MAX_AGE_SECONDS;
/// Extra publication time after a retired key's last token expired: clock
/// skew between machines and the leeway verifiers allow on `exp`.
pub const PUBLISH_MARGIN_SECONDS: i64 = 60;

/// Why the signing keys cannot be used. No variant carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("database error while loading the signing keys: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    KeyEncryptionKeyFile(#[from] KekFileError),
    #[error(
        "the authorization server needs {} (AS_KEY_ENCRYPTION_KEY_FILE): the private keys that \
         sign ID tokens and JWT access tokens are stored encrypted under it (or run with --demo, \
         which creates one)",
        key_encryption::FLAG
    )]
    NoKeyEncryptionKey,
    #[error(
        "the signing key {0} does not open with the key from {flag}: it was sealed under \
         another key-encryption key (or the row was altered)",
        flag = key_encryption::FLAG
    )]
    WrongKeyEncryptionKey(String),
    #[error("the stored signing key {0} is not a valid private key")]
    Corrupt(String),
    #[error(
        "the stored signing key {kid} has an algorithm this server cannot sign with: {algorithm}"
    )]
    UnsupportedAlgorithm { kid: String, algorithm: String },
    #[error("no stored key may sign now")]
    NoSigningKey,
    #[error("another key was rotated in within this second; nothing changed, try again")]
    ConcurrentRotation,
    #[error("a key was added while re-wrapping; nothing changed, run it again")]
    ConcurrentRewrap,
    #[error("cannot sign the JWT: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// The key-encryption key of `config`: the file of
/// `--key-encryption-key-file`, else with `--demo` the demo file (created
/// if missing, see [`key_encryption::demo_path`]), else none.
pub fn key_encryption_key(config: &Config) -> Result<Option<KeyEncryptionKey>, KekFileError> {
    match &config.key_encryption_key_file {
        Some(path) => KeyEncryptionKey::read(path).map(Some),
        None if config.demo => {
            KeyEncryptionKey::load_or_create(&key_encryption::demo_path(&config.serve.database_url))
                .map(Some)
        }
        None => Ok(None),
    }
}

/// At start-up: the signer, which needs a key-encryption key. It seals the
/// keys still stored in clear (rows older than encryption at rest), makes
/// the first key of every algorithm, and checks that the key-encryption
/// key opens every key, so a wrong one is refused now rather than failing
/// requests later.
pub async fn start(config: &Config, pool: &AnyPool) -> Result<JwtSigner, KeyError> {
    let kek = key_encryption_key(config)?.ok_or(KeyError::NoKeyEncryptionKey)?;
    JwtSigner::load_or_create(
        pool,
        kek,
        config.signing_alg,
        config.clock.now(),
        config.access_token_ttl,
    )
    .await
}

/// Signs access tokens and ID tokens with the current key of their
/// algorithm and publishes the JWK Set,
/// from the shared keys reloaded every [`RELOAD_SECONDS`].
pub struct JwtSigner {
    pool: AnyPool,
    kek: KeyEncryptionKey,
    /// `--signing-alg`: the algorithm of access tokens.
    algorithm: SigningAlgorithm,
    access_token_ttl: i64,
    cache: RwLock<Option<Arc<KeyRing>>>,
}

impl JwtSigner {
    /// Seals clear keys, creates the first key of every algorithm that has
    /// none (`algorithm` signs access tokens, the others ID tokens), deletes
    /// the retired keys nothing needs any more, and opens the keys (a wrong
    /// key-encryption key is refused here).
    pub async fn load_or_create(
        pool: &AnyPool,
        kek: KeyEncryptionKey,
        algorithm: SigningAlgorithm,
        now: i64,
        access_token_ttl: i64,
    ) -> Result<Self, KeyError> {
        key_ring::seal_clear_keys(pool, &kek).await?;
        for each in SigningAlgorithm::ALL {
            ensure_key(pool, &kek, each, now).await?;
        }
        let signer = Self {
            pool: pool.clone(),
            kek,
            algorithm,
            access_token_ttl,
            cache: RwLock::new(None),
        };
        signer.ring(now).await?;
        signing_keys::delete_unpublished(pool, now).await?;
        Ok(signer)
    }

    /// The keys, reloaded when the cached copy is older than
    /// [`RELOAD_SECONDS`]. Should a reload meet a key this server cannot
    /// open (rotated under another KEK), it keeps signing with the keys it
    /// has and says so in the log.
    async fn ring(&self, now: i64) -> Result<Arc<KeyRing>, KeyError> {
        let cached = self.cache.read().ok().and_then(|cache| cache.clone());
        if let Some(ring) = cached.as_ref().filter(|ring| ring.is_fresh(now)) {
            return Ok(ring.clone());
        }
        let loaded = KeyRing::load(
            &self.pool,
            &self.kek,
            now,
            self.access_token_ttl,
            cached.as_deref(),
        )
        .await;
        let ring = match (loaded, cached) {
            (Ok(ring), _) => Arc::new(ring),
            (Err(error @ KeyError::WrongKeyEncryptionKey(_)), Some(previous)) => {
                tracing::error!(%error, "keeping the signing keys loaded before");
                Arc::new(previous.reloaded_at(now))
            }
            (Err(error), _) => return Err(error),
        };
        if let Ok(mut cache) = self.cache.write() {
            *cache = Some(ring.clone());
        }
        Ok(ring)
    }

    /// Signs the claims as an `at+jwt` with the key that signs at `now`.
    pub async fn sign(&self, claims: &AccessTokenClaims, now: i64) -> Result<String, KeyError> {
        self.sign_as(claims, self.algorithm, "at+jwt", now).await
    }

    /// Signs an ID token (OpenID Connect Core §2) with the `algorithm` key
    /// that signs at `now`; header `typ` `JWT` (RFC 7519 §5.1).
    pub async fn sign_id_token(
        &self,
        claims: &IdTokenClaims,
        algorithm: SigningAlgorithm,
        now: i64,
    ) -> Result<String, KeyError> {
        self.sign_as(claims, algorithm, "JWT", now).await
    }

    async fn sign_as(
        &self,
        claims: &impl serde::Serialize,
        algorithm: SigningAlgorithm,
        typ: &str,
        now: i64,
    ) -> Result<String, KeyError> {
        let ring = self.ring(now).await?;
        let (kid, encoding) = ring
            .signing(algorithm, now, self.access_token_ttl)
            .ok_or(KeyError::NoSigningKey)?;
        let mut header = Header::new(algorithm.jose());
        header.typ = Some(typ.to_owned());
        header.kid = Some(kid.to_owned());
        Ok(jsonwebtoken::encode(&header, claims, encoding)?)
    }

    /// The claims of an ID token this server signed with a key it still
    /// publishes, whose `iss` is `issuer`, expired or not (RP-Initiated
    /// Logout 1.0 §2: an `id_token_hint` may have expired). `None` for
    /// anything else, however malformed.
    pub async fn verify_id_token(
        &self,
        token: &str,
        issuer: &str,
        now: i64,
    ) -> Result<Option<IdTokenClaims>, KeyError> {
        let Ok(header) = jsonwebtoken::decode_header(token) else {
            return Ok(None);
        };
        let keys = self.jwk_set(now).await?;
        let Some(jwk) = header.kid.as_deref().and_then(|kid| keys.find(kid)) else {
            return Ok(None);
        };
        let Some(algorithm) = SigningAlgorithm::ALL
            .into_iter()
            .find(|known| known.jose() == header.alg)
        else {
            return Ok(None);
        };
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            return Ok(None);
        };
        let mut validation = Validation::new(algorithm.jose());
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        validation.set_issuer(&[issuer]);
        Ok(
            jsonwebtoken::decode::<IdTokenClaims>(token, &key, &validation)
                .ok()
                .map(|data| data.claims),
        )
    }

    /// The JWK Set served at the `jwks_uri` at `now`: the next key (if a
    /// rotation is under way), the signing key, and retired keys whose
    /// tokens may still be unexpired. Public halves only.
    pub async fn jwk_set(&self, now: i64) -> Result<JwkSet, KeyError> {
        let ring = self.ring(now).await?;
        Ok(JwkSet {
            keys: ring.published(now, self.access_token_ttl),
        })
    }
}
