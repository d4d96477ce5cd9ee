//! RFC 9068 JWT access tokens (`--access-token-format jwt`) and the life
//! cycle of the keys that sign them.
//!
//! A token is signed with an Ed25519 key (`EdDSA`, RFC 8037) whose public
//! half is served as a JWK Set (RFC 7517) at `/jwks.json`, the metadata's
//! `jwks_uri`. Header `{"typ":"at+jwt","alg":"EdDSA","kid":…}` (RFC 9068
//! §2.1); claims exactly `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`,
//! `jti`, `scope` (§2.2), plus `username` (a private claim, absent without
//! a resource owner). For `client_credentials`, `sub` is the client's id
//! (§2.2). The token is also stored by hash like an opaque one, so
//! `/introspect` and `/revoke` work for both formats.
//!
//! Keys live in the database (`signing_keys`) so that every instance signs
//! with the same key; whoever reads the database can therefore sign tokens.
//! Rotation (`authorization-server key rotate`, [`rotate`]):
//!
//! 1. the new key is stored and **published at once**, but signs only from
//!    [`ACTIVATION_DELAY_SECONDS`] later: by then every instance has reloaded
//!    its keys ([`RELOAD_SECONDS`]) and every JWK Set cached by a resource
//!    server for our `max-age` ([`JWKS_MAX_AGE_SECONDS`]) contains it, so no
//!    resource server ever sees a `kid` it cannot find;
//! 2. the previous key signs until then, and stays published until every
//!    token it signed has expired: its last token expires at
//!    `retired_at + access-token TTL`, plus [`PUBLISH_MARGIN_SECONDS`] for
//!    clock skew and the leeway verifiers commonly grant on `exp`;
//! 3. then it disappears from the JWK Set.
//!
//! Each instance keeps the keys in memory (a cache safe to lose) and reloads
//! them from the database at most [`RELOAD_SECONDS`] after loading them.

use std::sync::{Arc, RwLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm,
    OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use oauth_types::introspection::Audience;
use rand::RngCore;
use serde::Serialize;
use sqlx::AnyPool;

use crate::store::signing_keys::{self, NewKey, StoredKey};

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

/// Why the signing keys cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("database error while loading the signing keys: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the stored signing key {0} is not a valid Ed25519 seed")]
    Corrupt(String),
    #[error("no stored key may sign now")]
    NoSigningKey,
    #[error("another key was rotated in within this second; nothing changed, try again")]
    ConcurrentRotation,
    #[error("cannot sign the JWT: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// RFC 9068 §2.2 claims, and nothing else but `username`.
#[derive(Debug, Serialize)]
pub struct AccessTokenClaims {
    pub iss: String,
    pub exp: i64,
    pub aud: Audience,
    pub sub: String,
    pub client_id: String,
    pub iat: i64,
    pub jti: String,
    pub scope: String,
    /// Not an RFC 9068 claim: the resource owner's login name, for
    /// resources that show it (`/api/me`). Absent for client_credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// Where a key is in its life cycle at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// Published already; signs from this time (after a rotation).
    Next { signs_from: i64 },
    /// Signs new tokens.
    Signing,
    /// Signs no more; published until this time for the tokens it signed.
    PublishedUntil(i64),
    /// Active and published but not the newest: the twin of a key stored by
    /// instances racing at their first start-up; retired by the next rotation.
    Published,
    /// Neither signs nor is published.
    Retired,
}

/// Until when `key` is published (`None`: as long as it is not retired).
/// Never shorter than this server's own access-token lifetime requires,
/// even if the rotation was run with a shorter `--access-token-ttl`.
pub fn publish_until(key: &StoredKey, access_token_ttl: i64) -> Option<i64> {
    let retired_at = key.retired_at?;
    let needed = retired_at + access_token_ttl + PUBLISH_MARGIN_SECONDS;
    Some(
        key.publish_until
            .map_or(needed, |stored| stored.max(needed)),
    )
}

fn is_published(key: &StoredKey, now: i64, access_token_ttl: i64) -> bool {
    publish_until(key, access_token_ttl).is_none_or(|until| now < until)
}

/// The key that signs at `now`: the published key with the latest
/// `active_from` that has passed (ties broken by `kid`, so that every
/// instance picks the same).
pub fn signing_key(keys: &[StoredKey], now: i64, access_token_ttl: i64) -> Option<&StoredKey> {
    keys.iter()
        .filter(|key| key.active_from <= now && is_published(key, now, access_token_ttl))
        .max_by(|a, b| (a.active_from, &a.kid).cmp(&(b.active_from, &b.kid)))
}

/// The state of each of `keys` at `now`, in the same order.
pub fn key_states(keys: &[StoredKey], now: i64, access_token_ttl: i64) -> Vec<KeyState> {
    let signing = signing_key(keys, now, access_token_ttl).map(|key| key.kid.as_str());
    keys.iter()
        .map(|key| {
            if signing == Some(key.kid.as_str()) {
                KeyState::Signing
            } else if key.active_from > now {
                KeyState::Next {
                    signs_from: key.active_from,
                }
            } else {
                match publish_until(key, access_token_ttl) {
                    Some(until) if now < until => KeyState::PublishedUntil(until),
                    // An unretired key that is not the newest: the twin of
                    // a racing first start-up; retired by the next rotation.
                    None => KeyState::Published,
                    Some(_) => KeyState::Retired,
                }
            }
        })
        .collect()
}

/// What [`rotate`] did.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// The new key's id.
    pub kid: String,
    /// When it starts signing.
    pub signs_from: i64,
    /// The keys it replaces.
    pub retired: Vec<String>,
    /// Until when they stay published.
    pub publish_until: i64,
}

/// Adds a new key that signs from `now + ACTIVATION_DELAY_SECONDS`, and
/// retires the previous key(s) at that time, published for one more
/// access-token lifetime plus the margin.
pub async fn rotate(pool: &AnyPool, now: i64, access_token_ttl: i64) -> Result<Rotation, KeyError> {
    let (kid, seed) = generate_key();
    let signs_from = now + ACTIVATION_DELAY_SECONDS;
    let inserted = signing_keys::insert(
        pool,
        &NewKey {
            kid: &kid,
            private_key: &seed,
            created_at: now,
            active_from: signs_from,
        },
    )
    .await?;
    if !inserted {
        return Err(KeyError::ConcurrentRotation);
    }
    let publish_until = signs_from + access_token_ttl + PUBLISH_MARGIN_SECONDS;
    let retired = signing_keys::retire_before(pool, signs_from, publish_until).await?;
    Ok(Rotation {
        kid,
        signs_from,
        retired,
        publish_until,
    })
}

/// Stores the first key, active at once, if there is none.
pub async fn ensure_key(pool: &AnyPool, now: i64) -> Result<(), KeyError> {
    if signing_keys::list(pool).await?.is_empty() {
        let (kid, seed) = generate_key();
        signing_keys::insert_if_none(
            pool,
            &NewKey {
                kid: &kid,
                private_key: &seed,
                created_at: now,
                active_from: now,
            },
        )
        .await?;
    }
    Ok(())
}

/// A fresh key id and base64url Ed25519 seed from the OS generator.
fn generate_key() -> (String, String) {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let kid = uuid::Uuid::new_v4().simple().to_string();
    (kid, URL_SAFE_NO_PAD.encode(seed))
}

/// The keys of one load from the database.
struct KeyRing {
    loaded_at: i64,
    stored: Vec<StoredKey>,
    loaded: Vec<LoadedKey>,
}

struct LoadedKey {
    encoding: EncodingKey,
    public: Jwk,
}

impl KeyRing {
    async fn load(pool: &AnyPool, now: i64) -> Result<Self, KeyError> {
        let stored = signing_keys::list(pool).await?;
        let loaded = stored
            .iter()
            .map(LoadedKey::from_stored)
            .collect::<Result<_, _>>()?;
        Ok(Self {
            loaded_at: now,
            stored,
            loaded,
        })
    }

    fn is_fresh(&self, now: i64) -> bool {
        now >= self.loaded_at && now - self.loaded_at < RELOAD_SECONDS
    }
}

impl LoadedKey {
    fn from_stored(stored: &StoredKey) -> Result<Self, KeyError> {
        let corrupt = || KeyError::Corrupt(stored.kid.clone());
        let seed: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&stored.private_key)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(corrupt)?;
        let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
        let der = signing.to_pkcs8_der().map_err(|_| corrupt())?;
        let public = Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::EdDSA),
                key_id: Some(stored.kid.clone()),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                key_type: OctetKeyPairType::OctetKeyPair,
                curve: EllipticCurve::Ed25519,
                x: URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes()),
            }),
        };
        Ok(Self {
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            public,
        })
    }
}

/// Signs access tokens with the current key and publishes the JWK Set,
/// from the shared keys reloaded every [`RELOAD_SECONDS`].
pub struct JwtSigner {
    pool: AnyPool,
    access_token_ttl: i64,
    cache: RwLock<Option<Arc<KeyRing>>>,
}

impl JwtSigner {
    /// Creates the first key if there is none, and loads the keys.
    pub async fn load_or_create(
        pool: &AnyPool,
        now: i64,
        access_token_ttl: i64,
    ) -> Result<Self, KeyError> {
        ensure_key(pool, now).await?;
        let signer = Self {
            pool: pool.clone(),
            access_token_ttl,
            cache: RwLock::new(None),
        };
        signer.ring(now).await?;
        Ok(signer)
    }

    /// The keys, reloaded when the cached copy is older than [`RELOAD_SECONDS`].
    async fn ring(&self, now: i64) -> Result<Arc<KeyRing>, KeyError> {
        let cached = self.cache.read().ok().and_then(|cache| cache.clone());
        if let Some(ring) = cached.filter(|ring| ring.is_fresh(now)) {
            return Ok(ring);
        }
        let ring = Arc::new(KeyRing::load(&self.pool, now).await?);
        if let Ok(mut cache) = self.cache.write() {
            *cache = Some(ring.clone());
        }
        Ok(ring)
    }

    /// Signs the claims as an `at+jwt` with the key that signs at `now`.
    pub async fn sign(&self, claims: &AccessTokenClaims, now: i64) -> Result<String, KeyError> {
        let ring = self.ring(now).await?;
        let current =
            signing_key(&ring.stored, now, self.access_token_ttl).ok_or(KeyError::NoSigningKey)?;
        let index = ring
            .stored
            .iter()
            .position(|key| key.kid == current.kid)
            .ok_or(KeyError::NoSigningKey)?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("at+jwt".to_owned());
        header.kid = Some(current.kid.clone());
        Ok(jsonwebtoken::encode(
            &header,
            claims,
            &ring.loaded[index].encoding,
        )?)
    }

    /// The JWK Set served at the `jwks_uri` at `now`: the next key (if a
    /// rotation is under way), the signing key, and retired keys whose
    /// tokens may still be unexpired. Public halves only.
    pub async fn jwk_set(&self, now: i64) -> Result<JwkSet, KeyError> {
        let ring = self.ring(now).await?;
        let keys = ring
            .stored
            .iter()
            .zip(&ring.loaded)
            .rev()
            .filter(|(stored, _)| is_published(stored, now, self.access_token_ttl))
            .map(|(_, loaded)| loaded.public.clone())
            .collect();
        Ok(JwkSet { keys })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn key(kid: &str, active_from: i64, retired_at: Option<i64>) -> StoredKey {
        StoredKey {
            kid: kid.to_owned(),
            algorithm: "EdDSA".to_owned(),
            private_key: String::new(),
            created_at: active_from,
            active_from,
            retired_at,
            publish_until: retired_at.map(|at| at + 600 + PUBLISH_MARGIN_SECONDS),
        }
    }

    #[test]
    fn a_rotated_key_goes_from_next_to_signing_and_its_predecessor_from_published_to_retired() {
        let keys = [key("old", 0, Some(1030)), key("new", 1030, None)];
        let until = 1030 + 600 + PUBLISH_MARGIN_SECONDS;

        let before = key_states(&keys, 1000, 600);
        let after = key_states(&keys, 1030, 600);
        let last_moment = key_states(&keys, until - 1, 600);
        let gone = key_states(&keys, until, 600);

        assert_eq!(
            before,
            [KeyState::Signing, KeyState::Next { signs_from: 1030 }]
        );
        assert_eq!(after, [KeyState::PublishedUntil(until), KeyState::Signing]);
        assert_eq!(last_moment[0], KeyState::PublishedUntil(until));
        assert_eq!(gone, [KeyState::Retired, KeyState::Signing]);
    }

    #[test]
    fn a_server_with_a_longer_token_lifetime_publishes_a_retired_key_longer() {
        let old = key("old", 0, Some(1000));

        assert_eq!(
            publish_until(&old, 600),
            Some(1000 + 600 + PUBLISH_MARGIN_SECONDS)
        );
        assert_eq!(
            publish_until(&old, 3600),
            Some(1000 + 3600 + PUBLISH_MARGIN_SECONDS)
        );
    }

    #[test]
    fn keys_activated_at_the_same_time_elect_the_same_signer_whatever_their_order() {
        let a = key("a", 10, None);
        let b = key("b", 10, None);

        let one = [a.clone(), b.clone()];
        let other = [b, a];

        assert_eq!(
            signing_key(&one, 20, 600).unwrap().kid,
            signing_key(&other, 20, 600).unwrap().kid
        );
    }
}
