//! Forgetting what can no longer matter, on service-kit's sweeper timer:
//! expired sessions (a session never connected to Facebook nor signed in
//! lives 30 minutes; their requests and traces, and an anonymous session's
//! runs and tokens, go with them through `ON DELETE CASCADE`; a person's
//! stay theirs), and authorization requests (`state`, `nonce` and PKCE
//! verifier) that expired or were used.

use sqlx::AnyPool;

use crate::store;

/// Deletes expired rows; returns how many sessions and requests went.
pub async fn purge_expired(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    let requests = store::authorization_requests::delete_stale(pool, now).await?;
    let sessions = store::sessions::delete_expired(pool, now).await?;
    Ok(requests + sessions)
}
