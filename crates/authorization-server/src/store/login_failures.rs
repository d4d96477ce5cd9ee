//! Failed logins, counted per subject (`user:NAME` or `addr:IP`) within a
//! window, in the database so that every instance sees the same counts.

use sqlx::{AnyPool, Row};

pub fn account(username: &str) -> String {
    format!("user:{username}")
}

pub fn address(ip: &str) -> String {
    format!("addr:{ip}")
}

pub async fn record(pool: &AnyPool, subject: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO login_failures (subject, failed_at) VALUES ($1, $2)")
        .bind(subject)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// Failures of `subject` after `since`.
pub async fn count_since(pool: &AnyPool, subject: &str, since: i64) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS failures FROM login_failures WHERE subject = $1 AND failed_at > $2",
    )
    .bind(subject)
    .bind(since)
    .fetch_one(pool)
    .await?;
    row.try_get("failures")
}

/// Forgets an account's failures after a successful login.
pub async fn clear(pool: &AnyPool, subject: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE subject = $1")
        .bind(subject)
        .execute(pool)
        .await?;
    Ok(())
}
