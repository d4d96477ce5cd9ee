//! The keys that sign JWT access tokens, shared by every instance, and
//! their rotation (see `migrations/…/0003_signing_key_rotation.sql`) and
//! encryption at rest (`0004_signing_keys_encrypted_at_rest.sql`).
//!
//! Which key signs is decided from these rows alone (the newest key whose
//! `active_from` has passed), so every instance reading the same rows
//! agrees; `retired_at` and `publish_until` only decide how long a key
//! that no longer signs stays in the JWK Set, and when its row is deleted.
//! The private half is never stored in clear by this code: see
//! `crate::jwt::key_encryption` for the sealed form.

use sqlx::{Any, AnyPool, Executor, Row};

use super::changed_one;
use crate::jwt::key_encryption::{CLEAR, SEALED};

/// How a row's `private_key` is protected (`private_key_encryption`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivateKeyProtection {
    /// Written before encryption at rest: a base64url Ed25519 seed in
    /// clear, sealed at the next start-up that has a key-encryption key.
    Clear,
    /// Sealed under the key-encryption key (XChaCha20-Poly1305).
    Sealed,
}

impl TryFrom<String> for PrivateKeyProtection {
    type Error = sqlx::Error;

    fn try_from(stored: String) -> Result<Self, sqlx::Error> {
        match stored.as_str() {
            CLEAR => Ok(Self::Clear),
            SEALED => Ok(Self::Sealed),
            other => Err(sqlx::Error::Decode(
                format!("unknown private_key_encryption '{other}'").into(),
            )),
        }
    }
}

/// A stored key: its id, its private half as stored, and its life cycle.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredKey {
    pub kid: String,
    pub algorithm: String,
    /// Sealed (or, in rows older than encryption at rest, clear).
    pub private_key: String,
    #[sqlx(rename = "private_key_encryption", try_from = "String")]
    pub protection: PrivateKeyProtection,
    pub created_at: i64,
    /// Signs from this time on (unless a newer key is active).
    pub active_from: i64,
    /// Stopped signing at this time (its successor's `active_from`).
    pub retired_at: Option<i64>,
    /// Published in the JWK Set until this time; the row is deleted then.
    pub publish_until: Option<i64>,
}

/// A new key about to be stored, its private half already sealed.
pub struct NewKey<'a> {
    pub kid: &'a str,
    pub algorithm: &'a str,
    pub sealed_private_key: &'a str,
    pub created_at: i64,
    pub active_from: i64,
}

/// How a new key is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insertion {
    /// The first key of its algorithm, stored only if none exists yet
    /// (instances racing at their very first start-up within the same
    /// second insert one key; in different seconds, both keys are published
    /// and the newer one signs everywhere).
    First,
    /// A rotated-in key, refused when a key of its algorithm already
    /// activates in the same second (a concurrent rotation).
    Rotation,
}

/// Stores `key` as `insertion` says; whether it was stored.
pub async fn insert(
    pool: &AnyPool,
    key: &NewKey<'_>,
    insertion: Insertion,
) -> Result<bool, sqlx::Error> {
    let statement = match insertion {
        Insertion::First => {
            "INSERT INTO signing_keys \
             (kid, algorithm, private_key, private_key_encryption, created_at, active_from) \
             SELECT $1, $2, $3, $4, $5, $6 \
             WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE algorithm = $2) \
             ON CONFLICT (algorithm, active_from) DO NOTHING"
        }
        Insertion::Rotation => {
            "INSERT INTO signing_keys \
             (kid, algorithm, private_key, private_key_encryption, created_at, active_from) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (algorithm, active_from) DO NOTHING"
        }
    };
    let statement = sqlx::query(statement)
        .bind(key.kid)
        .bind(key.algorithm)
        .bind(key.sealed_private_key)
        .bind(SEALED)
        .bind(key.created_at)
        .bind(key.active_from);
    changed_one(pool, statement).await
}

/// Retires every `algorithm` key that signs before `successor_from` and is
/// not retired yet: it stops signing at `successor_from` and stays
/// published until `publish_until`. Returns the ids of the keys retired.
pub async fn retire_before(
    pool: &AnyPool,
    algorithm: &str,
    successor_from: i64,
    publish_until: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let retiring = sqlx::query(
        "SELECT kid FROM signing_keys \
         WHERE retired_at IS NULL AND active_from < $1 AND algorithm = $2 ORDER BY kid",
    )
    .bind(successor_from)
    .bind(algorithm)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| row.try_get::<String, _>("kid"))
    .collect::<Result<Vec<_>, _>>()?;
    sqlx::query(
        "UPDATE signing_keys SET retired_at = $1, publish_until = $2 \
         WHERE retired_at IS NULL AND active_from < $1 AND algorithm = $3",
    )
    .bind(successor_from)
    .bind(publish_until)
    .bind(algorithm)
    .execute(pool)
    .await?;
    Ok(retiring)
}

/// Every key, oldest first, keys of the same moment by algorithm (so the
/// JWK Set lists them in a stable order), on the pool or inside a
/// transaction.
pub async fn list<'c>(
    executor: impl Executor<'c, Database = Any>,
) -> Result<Vec<StoredKey>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kid, algorithm, private_key, private_key_encryption, created_at, active_from, \
         retired_at, publish_until FROM signing_keys ORDER BY active_from, algorithm, kid",
    )
    .fetch_all(executor)
    .await
}

/// Replaces a clear private key by its sealed form, once: an instance that
/// sealed it first wins, the others change nothing. `true` when replaced.
pub async fn seal_clear(pool: &AnyPool, kid: &str, sealed: &str) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE signing_keys SET private_key = $1, private_key_encryption = $2 \
         WHERE kid = $3 AND private_key_encryption = $4",
    )
    .bind(sealed)
    .bind(SEALED)
    .bind(kid)
    .bind(CLEAR);
    changed_one(pool, statement).await
}

/// Stores a key's private half sealed anew (`key rewrap`, in its transaction).
pub async fn reseal<'c>(
    executor: impl Executor<'c, Database = Any>,
    kid: &str,
    sealed: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE signing_keys SET private_key = $1, private_key_encryption = $2 WHERE kid = $3",
    )
    .bind(sealed)
    .bind(SEALED)
    .bind(kid)
    .execute(executor)
    .await?;
    Ok(())
}

/// Makes every retired key stay published (and stored) at least
/// `min_after_retirement` seconds after it stopped signing: a server with a
/// longer access-token lifetime than the rotation assumed extends it, so
/// that [`delete_unpublished`] never deletes a key it still publishes.
pub async fn extend_publication(
    pool: &AnyPool,
    min_after_retirement: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE signing_keys SET publish_until = retired_at + $1 \
         WHERE retired_at IS NOT NULL \
         AND (publish_until IS NULL OR publish_until < retired_at + $1)",
    )
    .bind(min_after_retirement)
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes the retired keys whose publication has ended at `now`: every
/// token they signed has expired, so nothing needs them any more. The
/// signing key and a next key are never retired, hence never deleted.
/// Returns how many rows went.
pub async fn delete_unpublished(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query(
        "DELETE FROM signing_keys \
         WHERE retired_at IS NOT NULL AND retired_at <= $1 \
         AND publish_until IS NOT NULL AND publish_until <= $1",
    )
    .bind(now)
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}
