//! The runner's runs.

use oauth_types::secret::CredentialHash;
use sqlx::{AnyPool, Row};

use crate::runs::Run;

/// Stores a run for a session.
pub async fn insert(
    pool: &AnyPool,
    session: &CredentialHash,
    run: &Run,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO runs (id, session_hash, title, distance_m, duration_s, run_date) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&run.id)
    .bind(session.as_str())
    .bind(&run.title)
    .bind(run.distance_m)
    .bind(run.duration_s)
    .bind(&run.date)
    .execute(pool)
    .await?;
    Ok(())
}

/// The session's runs, newest first.
pub async fn list(pool: &AnyPool, session: &CredentialHash) -> Result<Vec<Run>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, title, distance_m, duration_s, run_date FROM runs \
         WHERE session_hash = $1 ORDER BY run_date DESC, id",
    )
    .bind(session.as_str())
    .fetch_all(pool)
    .await?;
    rows.iter().map(run_of_row).collect()
}

/// One of the session's runs (never another session's).
pub async fn find(
    pool: &AnyPool,
    session: &CredentialHash,
    id: &str,
) -> Result<Option<Run>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, title, distance_m, duration_s, run_date FROM runs \
         WHERE session_hash = $1 AND id = $2",
    )
    .bind(session.as_str())
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(run_of_row).transpose()
}

fn run_of_row(row: &sqlx::any::AnyRow) -> Result<Run, sqlx::Error> {
    Ok(Run {
        id: row.try_get(0)?,
        title: row.try_get(1)?,
        distance_m: row.try_get(2)?,
        duration_s: row.try_get(3)?,
        date: row.try_get(4)?,
    })
}
