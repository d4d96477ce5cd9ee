//! Which key signs, and how long each is published. Rotation
//! (`authorization-server key rotate`, [`rotate`]):
//!
//! 1. the new key is stored and **published at once**, but signs only from
//!    [`ACTIVATION_DELAY_SECONDS`] later: by then every instance has reloaded
//!    its keys ([`RELOAD_SECONDS`](super::RELOAD_SECONDS)) and every JWK Set cached by a resource
//!    server for our `max-age` ([`JWKS_MAX_AGE_SECONDS`](super::JWKS_MAX_AGE_SECONDS)) contains it, so no
//!    resource server ever sees a `kid` it cannot find;
//! 2. the previous key signs until then, and stays published until every
//!    token it signed has expired: its last token expires at
//!    `retired_at + access-token TTL`, plus [`PUBLISH_MARGIN_SECONDS`] for
//!    clock skew and the leeway verifiers commonly grant on `exp`;
//! 3. then it disappears from the JWK Set, and the housekeeping deletes its
//!    row (`signing_keys::delete_unpublished`).
//!
//! Each signature algorithm has its own chain of keys: an `EdDSA` rotation
//! retires only `EdDSA` keys. New keys are sealed under the key-encryption
//! key before they are stored.

use sqlx::AnyPool;

use super::algorithm::SigningAlgorithm;
use super::key_encryption::KeyEncryptionKey;
use super::key_ring::{seal_clear_keys, KeyRing};
use super::{KeyError, ACTIVATION_DELAY_SECONDS, PUBLISH_MARGIN_SECONDS};
use crate::store::signing_keys::{self, Insertion, NewKey, StoredKey};

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

pub(super) fn is_published(key: &StoredKey, now: i64, access_token_ttl: i64) -> bool {
    publish_until(key, access_token_ttl).is_none_or(|until| now < until)
}

/// The `algorithm` key that signs at `now`: its published key with the
/// latest `active_from` that has passed (ties broken by `kid`, so that every
/// instance picks the same).
pub fn signing_key(
    keys: &[StoredKey],
    algorithm: SigningAlgorithm,
    now: i64,
    access_token_ttl: i64,
) -> Option<&StoredKey> {
    keys.iter()
        .filter(|key| key.algorithm == algorithm.as_str())
        .filter(|key| key.active_from <= now && is_published(key, now, access_token_ttl))
        .max_by(|a, b| (a.active_from, &a.kid).cmp(&(b.active_from, &b.kid)))
}

/// The state of each of `keys` at `now`, in the same order.
pub fn key_states(keys: &[StoredKey], now: i64, access_token_ttl: i64) -> Vec<KeyState> {
    let signing: Vec<&str> = SigningAlgorithm::ALL
        .into_iter()
        .filter_map(|algorithm| signing_key(keys, algorithm, now, access_token_ttl))
        .map(|key| key.kid.as_str())
        .collect();
    keys.iter()
        .map(|key| {
            if signing.contains(&key.kid.as_str()) {
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
    /// The algorithm whose key was rotated.
    pub algorithm: SigningAlgorithm,
    /// The new key's id.
    pub kid: String,
    /// When it starts signing.
    pub signs_from: i64,
    /// The keys it replaces.
    pub retired: Vec<String>,
    /// Until when they stay published.
    pub publish_until: i64,
}

/// Adds a new `algorithm` key that signs from
/// `now + ACTIVATION_DELAY_SECONDS`, and retires the previous key(s) of that
/// algorithm at that time, published for one more access-token lifetime
/// plus the margin. `kek` must open the stored keys (checked first), so
/// that every key stays under one key-encryption key.
pub async fn rotate(
    pool: &AnyPool,
    kek: &KeyEncryptionKey,
    algorithm: SigningAlgorithm,
    now: i64,
    access_token_ttl: i64,
) -> Result<Rotation, KeyError> {
    seal_clear_keys(pool, kek).await?;
    KeyRing::load(pool, kek, now, access_token_ttl, None).await?;
    let signs_from = now + ACTIVATION_DELAY_SECONDS;
    let kid = store_new_key(pool, kek, algorithm, now, signs_from, Insertion::Rotation)
        .await?
        .ok_or(KeyError::ConcurrentRotation)?;
    let publish_until = signs_from + access_token_ttl + PUBLISH_MARGIN_SECONDS;
    let retired =
        signing_keys::retire_before(pool, algorithm.as_str(), signs_from, publish_until).await?;
    Ok(Rotation {
        algorithm,
        kid,
        signs_from,
        retired,
        publish_until,
    })
}

/// The algorithms that have keys, each once, in [`SigningAlgorithm::ALL`]
/// order: what `key rotate` rotates.
pub async fn algorithms_in_use(pool: &AnyPool) -> Result<Vec<SigningAlgorithm>, KeyError> {
    let keys = signing_keys::list(pool).await?;
    Ok(SigningAlgorithm::ALL
        .into_iter()
        .filter(|algorithm| keys.iter().any(|key| key.algorithm == algorithm.as_str()))
        .collect())
}

/// Stores the first `algorithm` key, active at once and sealed under
/// `kek`, if there is none.
pub async fn ensure_key(
    pool: &AnyPool,
    kek: &KeyEncryptionKey,
    algorithm: SigningAlgorithm,
    now: i64,
) -> Result<(), KeyError> {
    let keys = signing_keys::list(pool).await?;
    if !keys.iter().any(|key| key.algorithm == algorithm.as_str()) {
        store_new_key(pool, kek, algorithm, now, now, Insertion::First).await?;
    }
    Ok(())
}

/// Makes a new `algorithm` key sealed under `kek` and stores it, signing
/// from `active_from`; its `kid`, or `None` when `insertion` found its place
/// taken.
async fn store_new_key(
    pool: &AnyPool,
    kek: &KeyEncryptionKey,
    algorithm: SigningAlgorithm,
    now: i64,
    active_from: i64,
    insertion: Insertion,
) -> Result<Option<String>, KeyError> {
    let (kid, sealed) = generate_key(kek, algorithm)?;
    let key = NewKey {
        kid: &kid,
        algorithm: algorithm.as_str(),
        sealed_private_key: &sealed,
        created_at: now,
        active_from,
    };
    let stored = signing_keys::insert(pool, &key, insertion).await?;
    Ok(stored.then_some(kid))
}

/// A fresh key id and `algorithm` private key (PKCS#8 DER, from the OS
/// generator), sealed under `kek` for its row.
fn generate_key(
    kek: &KeyEncryptionKey,
    algorithm: SigningAlgorithm,
) -> Result<(String, String), KeyError> {
    let kid = uuid::Uuid::new_v4().simple().to_string();
    let der = algorithm
        .generate()
        .map_err(|_| KeyError::Corrupt(kid.clone()))?;
    let sealed = kek.seal(&kid, algorithm.as_str(), &der);
    Ok((kid, sealed))
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
            protection: signing_keys::PrivateKeyProtection::Sealed,
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
            signing_key(&one, SigningAlgorithm::EdDSA, 20, 600)
                .unwrap()
                .kid,
            signing_key(&other, SigningAlgorithm::EdDSA, 20, 600)
                .unwrap()
                .kid
        );
    }
}
