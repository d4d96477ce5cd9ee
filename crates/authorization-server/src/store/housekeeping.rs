//! Forgetting what can no longer matter: expired sessions and pending
//! requests, old login failures, and codes and tokens a day after they
//! expired (kept that long so a replay shortly after expiry is still
//! recognised as one).

use sqlx::AnyPool;

/// How long expired codes and tokens are kept, in seconds.
const KEEP_EXPIRED: i64 = 24 * 3600;

/// Deletes expired rows; `window` is the login throttling window.
pub async fn purge_expired(pool: &AnyPool, now: i64, window: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM authorization_requests WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
        .bind(now - window)
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM authorization_codes WHERE expires_at <= $1")
        .bind(now - KEEP_EXPIRED)
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM tokens WHERE expires_at <= $1")
        .bind(now - KEEP_EXPIRED)
        .execute(pool)
        .await?;
    Ok(())
}
