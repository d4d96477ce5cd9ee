//! The keys that sign JWT access tokens, shared by every instance, and
//! their rotation (see `migrations/…/0003_signing_key_rotation.sql`).
//!
//! Which key signs is decided from these rows alone (the newest key whose
//! `active_from` has passed), so every instance reading the same rows
//! agrees; `retired_at` and `publish_until` only decide how long a key
//! that no longer signs stays in the JWK Set.

use sqlx::{AnyPool, Row};

/// A stored key: its id, its base64url Ed25519 seed, and its life cycle.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub kid: String,
    pub algorithm: String,
    pub private_key: String,
    pub created_at: i64,
    /// Signs from this time on (unless a newer key is active).
    pub active_from: i64,
    /// Stopped signing at this time (its successor's `active_from`).
    pub retired_at: Option<i64>,
    /// Published in the JWK Set until this time.
    pub publish_until: Option<i64>,
}

/// A new key about to be stored.
pub struct NewKey<'a> {
    pub kid: &'a str,
    pub private_key: &'a str,
    pub created_at: i64,
    pub active_from: i64,
}

/// Stores the first key, active at once, unless a key exists already
/// (instances racing at their very first start-up within the same second
/// insert one key; in different seconds, both keys are published and the
/// newer one signs everywhere).
pub async fn insert_if_none(pool: &AnyPool, key: &NewKey<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_key, created_at, active_from) \
         SELECT $1, 'EdDSA', $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM signing_keys) \
         ON CONFLICT (active_from) DO NOTHING",
    )
    .bind(key.kid)
    .bind(key.private_key)
    .bind(key.created_at)
    .bind(key.active_from)
    .execute(pool)
    .await?;
    Ok(())
}

/// Stores a rotated-in key; `false` when a key already activates in the
/// same second (a concurrent rotation).
pub async fn insert(pool: &AnyPool, key: &NewKey<'_>) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_key, created_at, active_from) \
         VALUES ($1, 'EdDSA', $2, $3, $4) ON CONFLICT (active_from) DO NOTHING",
    )
    .bind(key.kid)
    .bind(key.private_key)
    .bind(key.created_at)
    .bind(key.active_from)
    .execute(pool)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Retires every key that signs before `successor_from` and is not retired
/// yet: it stops signing at `successor_from` and stays published until
/// `publish_until`. Returns the ids of the keys retired.
pub async fn retire_before(
    pool: &AnyPool,
    successor_from: i64,
    publish_until: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let retiring = sqlx::query(
        "SELECT kid FROM signing_keys WHERE retired_at IS NULL AND active_from < $1 ORDER BY kid",
    )
    .bind(successor_from)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| row.try_get::<String, _>("kid"))
    .collect::<Result<Vec<_>, _>>()?;
    sqlx::query(
        "UPDATE signing_keys SET retired_at = $1, publish_until = $2 \
         WHERE retired_at IS NULL AND active_from < $1",
    )
    .bind(successor_from)
    .bind(publish_until)
    .execute(pool)
    .await?;
    Ok(retiring)
}

/// Every key, oldest first.
pub async fn list(pool: &AnyPool) -> Result<Vec<StoredKey>, sqlx::Error> {
    sqlx::query(
        "SELECT kid, algorithm, private_key, created_at, active_from, retired_at, publish_until \
         FROM signing_keys ORDER BY active_from, kid",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(StoredKey {
            kid: row.try_get("kid")?,
            algorithm: row.try_get("algorithm")?,
            private_key: row.try_get("private_key")?,
            created_at: row.try_get("created_at")?,
            active_from: row.try_get("active_from")?,
            retired_at: row.try_get("retired_at")?,
            publish_until: row.try_get("publish_until")?,
        })
    })
    .collect()
}
