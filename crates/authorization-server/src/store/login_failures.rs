//! Login attempts, counted per subject (`user:NAME` or `addr:IP`) within a
//! window, in the database so that every instance sees the same counts.
//! Wrong user codes at `/device` are counted the same way, under subjects
//! of their own (`user-code:user:NAME`, `user-code:addr:IP`).
//!
//! Rule 33: an attempt is written ([`reserve`]) before its password check,
//! then counted; so of a burst of simultaneous attempts, the k-th to be
//! written sees at least k rows, and no more than the limit get a check.
//! A failed attempt's rows stay: they are its failure record. A refused or
//! successful one takes its rows back ([`release`]).

use sqlx::{AnyPool, Row};

pub fn account(username: &str) -> String {
    format!("user:{username}")
}

pub fn address(ip: &str) -> String {
    format!("addr:{ip}")
}

/// A signed-in account typing user codes at `/device` (RFC 8628 §5.1).
pub fn user_code_account(username: &str) -> String {
    format!("user-code:user:{username}")
}

/// An address typing user codes at `/device`.
pub fn user_code_address(ip: &str) -> String {
    format!("user-code:addr:{ip}")
}

/// One login attempt, written against each of its subjects.
#[derive(Debug)]
pub struct Attempt {
    id: String,
}

/// Writes an attempt against every subject (before the password check).
pub async fn reserve(pool: &AnyPool, subjects: &[&str], now: i64) -> Result<Attempt, sqlx::Error> {
    let attempt = Attempt {
        id: uuid::Uuid::new_v4().to_string(),
    };
    for subject in subjects {
        sqlx::query(
            "INSERT INTO login_failures (subject, failed_at, attempt_id) VALUES ($1, $2, $3)",
        )
        .bind(*subject)
        .bind(now)
        .bind(&attempt.id)
        .execute(pool)
        .await?;
    }
    Ok(attempt)
}

/// Takes an attempt's rows back: it was refused before its check, or it
/// succeeded.
pub async fn release(pool: &AnyPool, attempt: &Attempt) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE attempt_id = $1")
        .bind(&attempt.id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Attempts of `subject` after `since` (failures, and checks under way).
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
