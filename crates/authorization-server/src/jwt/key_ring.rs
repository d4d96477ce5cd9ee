//! The signing keys opened in memory: one load from `signing_keys`, each
//! private half unsealed with the key-encryption key. A cache safe to lose;
//! a reload opens only the keys it did not hold yet.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::EncodingKey;
use sqlx::AnyPool;

use super::algorithm::SigningAlgorithm;
use super::key_encryption::KeyEncryptionKey;
use super::life_cycle::{is_published, signing_key};
use super::{KeyError, PUBLISH_MARGIN_SECONDS, RELOAD_SECONDS};
use crate::store::signing_keys::{self, PrivateKeyProtection, StoredKey};

/// The keys of one load from the database.
pub struct KeyRing {
    loaded_at: i64,
    stored: Vec<StoredKey>,
    loaded: Vec<LoadedKey>,
}

#[derive(Clone)]
struct LoadedKey {
    encoding: EncodingKey,
    public: Jwk,
}

impl KeyRing {
    /// Loads every key and opens it with `kek`, reusing the keys of
    /// `previous` (a key's private half never changes). Retired keys are
    /// kept published at least as long as this server's token lifetime
    /// needs (see `signing_keys::extend_publication`).
    pub async fn load(
        pool: &AnyPool,
        kek: &KeyEncryptionKey,
        now: i64,
        access_token_ttl: i64,
        previous: Option<&KeyRing>,
    ) -> Result<Self, KeyError> {
        let needed_after_retirement = access_token_ttl + PUBLISH_MARGIN_SECONDS;
        let mut stored = signing_keys::list(pool).await?;
        if stored
            .iter()
            .any(|key| published_too_briefly(key, needed_after_retirement))
        {
            signing_keys::extend_publication(pool, needed_after_retirement).await?;
            stored = signing_keys::list(pool).await?;
        }
        let loaded = stored
            .iter()
            .map(|key| match previous.and_then(|ring| ring.find(&key.kid)) {
                Some(known) => Ok(known.clone()),
                None => LoadedKey::open(key, kek),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            loaded_at: now,
            stored,
            loaded,
        })
    }

    /// The same keys, counted as loaded at `now` (the next reload is
    /// [`RELOAD_SECONDS`] away).
    pub fn reloaded_at(&self, now: i64) -> Self {
        Self {
            loaded_at: now,
            stored: self.stored.clone(),
            loaded: self.loaded.clone(),
        }
    }

    pub fn is_fresh(&self, now: i64) -> bool {
        now >= self.loaded_at && now - self.loaded_at < RELOAD_SECONDS
    }

    /// The `kid` and private key that sign with `algorithm` at `now`.
    pub fn signing(
        &self,
        algorithm: SigningAlgorithm,
        now: i64,
        access_token_ttl: i64,
    ) -> Option<(&str, &EncodingKey)> {
        let current = signing_key(&self.stored, algorithm, now, access_token_ttl)?;
        let loaded = self.find(&current.kid)?;
        Some((current.kid.as_str(), &loaded.encoding))
    }

    /// The public halves published at `now`, newest first.
    pub fn published(&self, now: i64, access_token_ttl: i64) -> Vec<Jwk> {
        self.stored
            .iter()
            .zip(&self.loaded)
            .rev()
            .filter(|(stored, _)| is_published(stored, now, access_token_ttl))
            .map(|(_, loaded)| loaded.public.clone())
            .collect()
    }

    fn find(&self, kid: &str) -> Option<&LoadedKey> {
        self.stored
            .iter()
            .position(|key| key.kid == kid)
            .and_then(|index| self.loaded.get(index))
    }
}

fn published_too_briefly(key: &StoredKey, needed_after_retirement: i64) -> bool {
    key.retired_at.is_some_and(|retired_at| {
        key.publish_until
            .is_none_or(|until| until < retired_at + needed_after_retirement)
    })
}

impl LoadedKey {
    fn open(stored: &StoredKey, kek: &KeyEncryptionKey) -> Result<Self, KeyError> {
        let algorithm = SigningAlgorithm::parse(&stored.algorithm).ok_or_else(|| {
            KeyError::UnsupportedAlgorithm {
                kid: stored.kid.clone(),
                algorithm: stored.algorithm.clone(),
            }
        })?;
        let der = private_key_der(stored, kek)?;
        let (encoding, public) = algorithm
            .open(&stored.kid, &der)
            .map_err(|_| KeyError::Corrupt(stored.kid.clone()))?;
        Ok(Self { encoding, public })
    }
}

/// The PKCS#8 DER of a stored private key: unsealed with `kek`, or (an
/// Ed25519 row older than encryption at rest) rebuilt from its clear seed.
pub fn private_key_der(stored: &StoredKey, kek: &KeyEncryptionKey) -> Result<Vec<u8>, KeyError> {
    match stored.protection {
        PrivateKeyProtection::Sealed => kek
            .open(&stored.kid, &stored.algorithm, &stored.private_key)
            .map_err(|_| KeyError::WrongKeyEncryptionKey(stored.kid.clone())),
        PrivateKeyProtection::Clear => {
            let corrupt = || KeyError::Corrupt(stored.kid.clone());
            let seed: [u8; 32] = URL_SAFE_NO_PAD
                .decode(&stored.private_key)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(corrupt)?;
            let der = ed25519_dalek::SigningKey::from_bytes(&seed)
                .to_pkcs8_der()
                .map_err(|_| corrupt())?;
            Ok(der.as_bytes().to_vec())
        }
    }
}

/// Seals, in place and once, the private keys stored in clear by a server
/// older than encryption at rest. Returns how many this call sealed.
pub async fn seal_clear_keys(pool: &AnyPool, kek: &KeyEncryptionKey) -> Result<usize, KeyError> {
    let mut sealed = 0;
    for key in signing_keys::list(pool).await? {
        if key.protection != PrivateKeyProtection::Clear {
            continue;
        }
        let der = private_key_der(&key, kek)?;
        let wrapped = kek.seal(&key.kid, &key.algorithm, &der);
        if signing_keys::seal_clear(pool, &key.kid, &wrapped).await? {
            sealed += 1;
        }
    }
    if sealed > 0 {
        tracing::info!(
            sealed,
            "sealed signing keys stored in clear under the key-encryption key"
        );
    }
    Ok(sealed)
}
