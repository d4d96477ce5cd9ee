//! `authorization-server key rewrap --new-key-encryption-key-file NEW`:
//! every stored private key is unsealed with the current key-encryption key
//! and sealed under the new one, in one transaction, so the database never
//! holds keys under two KEKs. Servers then start with the new file; the
//! old one opens nothing any more.

use sqlx::AnyPool;

use super::key_encryption::KeyEncryptionKey;
use super::key_ring::private_key_der;
use super::KeyError;
use crate::store::signing_keys::{self, PrivateKeyProtection};

/// Re-seals every key under `new`; returns their ids. Nothing changes
/// unless `current` opens every key. Keys still in clear are sealed too.
pub async fn rewrap(
    pool: &AnyPool,
    current: &KeyEncryptionKey,
    new: &KeyEncryptionKey,
) -> Result<Vec<String>, KeyError> {
    let mut transaction = pool.begin().await?;
    let keys = signing_keys::list(&mut *transaction).await?;
    let mut resealed = Vec::with_capacity(keys.len());
    for key in &keys {
        let der = private_key_der(key, current)?;
        let sealed = new.seal(&key.kid, &key.algorithm, &der);
        signing_keys::reseal(&mut *transaction, &key.kid, &sealed).await?;
        resealed.push(key.kid.clone());
    }
    // A `key rotate` that committed meanwhile sealed its key under the
    // current KEK: refuse rather than leave it behind.
    let after = signing_keys::list(&mut *transaction).await?;
    let all_under_new = after.iter().all(|key| {
        key.protection == PrivateKeyProtection::Sealed
            && new.open(&key.kid, &key.algorithm, &key.private_key).is_ok()
    });
    if !all_under_new {
        return Err(KeyError::ConcurrentRewrap);
    }
    transaction.commit().await?;
    Ok(resealed)
}
