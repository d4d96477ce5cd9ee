//! A short-lived in-memory copy of registered clients, so that the hot
//! `/introspect` path costs one database lookup (the token), not two.
//!
//! Safe to lose and safe to share a database with other instances: entries
//! live at most [`TTL_SECONDS`], only registered clients are kept (an
//! unknown id always asks the database), and the secret is still checked
//! against the stored hash on every request.

use std::collections::HashMap;
use std::sync::RwLock;

use sqlx::AnyPool;

use crate::store::clients::{self, Client};

/// How long a cached client is trusted to match the database.
pub const TTL_SECONDS: i64 = 30;

#[derive(Default)]
pub struct ClientCache {
    entries: RwLock<HashMap<String, (Client, i64)>>,
}

impl ClientCache {
    /// The registered client `client_id`, from the cache when fresh.
    pub async fn find(
        &self,
        pool: &AnyPool,
        client_id: &str,
        now: i64,
    ) -> Result<Option<Client>, sqlx::Error> {
        if let Some(client) = self.fresh(client_id, now) {
            return Ok(Some(client));
        }
        let found = clients::find(pool, client_id).await?;
        if let (Some(client), Ok(mut entries)) = (&found, self.entries.write()) {
            entries.insert(client_id.to_owned(), (client.clone(), now));
        }
        Ok(found)
    }

    /// Drops `client_id`, replaced or deleted on this instance (RFC 7592):
    /// this instance stops serving it at once; other instances within
    /// [`TTL_SECONDS`].
    pub fn forget(&self, client_id: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(client_id);
        }
    }

    fn fresh(&self, client_id: &str, now: i64) -> Option<Client> {
        let entries = self.entries.read().ok()?;
        let (client, fetched_at) = entries.get(client_id)?;
        (now - fetched_at < TTL_SECONDS && now >= *fetched_at).then(|| client.clone())
    }
}
