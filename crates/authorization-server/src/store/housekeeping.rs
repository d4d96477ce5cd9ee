//! Forgetting what can no longer matter: expired sessions (anonymous ones
//! live 15 minutes), pending and pushed authorization requests, old login failures,
//! DPoP proofs and client assertions too old to be replayed, and codes
//! (authorization and device codes) and tokens a day after they expired (kept that long so a
//! replay shortly after expiry is still recognised as one).
//!
//! [`purge_expired`] runs on service-kit's sweeper timer (see `build_on`),
//! so anonymous traffic cannot grow the tables without bound.

use sqlx::AnyPool;

/// How long expired codes and tokens are kept, in seconds.
const KEEP_EXPIRED: i64 = 24 * 3600;

/// Deletes expired rows; `window` is the login throttling window. Returns
/// how many rows went.
pub async fn purge_expired(pool: &AnyPool, now: i64, window: i64) -> Result<u64, sqlx::Error> {
    let mut swept = 0;
    swept += delete_where(pool, "DELETE FROM sessions WHERE expires_at <= $1", now).await?;
    swept += delete_where(
        pool,
        "DELETE FROM authorization_requests WHERE expires_at <= $1",
        now,
    )
    .await?;
    swept += delete_where(
        pool,
        "DELETE FROM login_failures WHERE failed_at <= $1",
        now - window,
    )
    .await?;
    swept += delete_where(
        pool,
        "DELETE FROM authorization_codes WHERE expires_at <= $1",
        now - KEEP_EXPIRED,
    )
    .await?;
    swept += delete_where(
        pool,
        "DELETE FROM tokens WHERE expires_at <= $1",
        now - KEEP_EXPIRED,
    )
    .await?;
    // Device authorizations, kept as long as codes (RFC 8628).
    swept += delete_where(
        pool,
        "DELETE FROM device_authorizations WHERE expires_at <= $1",
        now - KEEP_EXPIRED,
    )
    .await?;
    // DPoP proofs whose `iat` window has passed: a replay of one is refused
    // for its age already (RFC 9449 §11.1).
    swept += delete_where(pool, "DELETE FROM dpop_proofs WHERE expires_at <= $1", now).await?;
    // Client assertions past their `exp`: a replay of one is refused as
    // expired already (RFC 7523 §3 items 4 and 7).
    swept += delete_where(
        pool,
        "DELETE FROM client_assertion_jtis WHERE expires_at <= $1",
        now,
    )
    .await?;
    // Pushed authorization requests (RFC 9126) past their short life.
    swept += delete_where(
        pool,
        "DELETE FROM pushed_authorization_requests WHERE expires_at <= $1",
        now,
    )
    .await?;
    // Retired signing keys, once every token they signed has expired.
    swept += super::signing_keys::delete_unpublished(pool, now).await?;
    Ok(swept)
}

/// Runs one `DELETE … WHERE column <= $1` and counts the rows it removed.
async fn delete_where(pool: &AnyPool, statement: &str, bound: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(statement).bind(bound).execute(pool).await?;
    Ok(done.rows_affected())
}
