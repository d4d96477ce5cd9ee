//! Runs, each owned by a browser session or a person
//! ([`crate::owner`]).

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::Adoption;
use crate::owner::Owner;
use crate::runs::Run;

impl sqlx::FromRow<'_, AnyRow> for Run {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Run {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            distance_m: row.try_get("distance_m")?,
            duration_s: row.try_get("duration_s")?,
            date: row.try_get("run_date")?,
        })
    }
}

/// Stores a run for `owner`.
pub async fn insert(pool: &AnyPool, owner: &Owner, run: &Run) -> Result<(), sqlx::Error> {
    super::query_for_owner(
        "INSERT INTO runs (session_hash, person_id, id, title, distance_m, duration_s, run_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        owner,
    )
    .bind(&run.id)
    .bind(&run.title)
    .bind(run.distance_m)
    .bind(run.duration_s)
    .bind(&run.date)
    .execute(pool)
    .await?;
    Ok(())
}

/// The owner's runs, newest first.
pub async fn list(pool: &AnyPool, owner: &Owner) -> Result<Vec<Run>, sqlx::Error> {
    super::query_as_for_owner(
        "SELECT id, title, distance_m, duration_s, run_date FROM runs \
         WHERE session_hash = $1 OR person_id = $2 ORDER BY run_date DESC, id",
        owner,
    )
    .fetch_all(pool)
    .await
}

/// One of the owner's runs (never anyone else's).
pub async fn find(pool: &AnyPool, owner: &Owner, id: &str) -> Result<Option<Run>, sqlx::Error> {
    super::query_as_for_owner(
        "SELECT id, title, distance_m, duration_s, run_date FROM runs \
         WHERE (session_hash = $1 OR person_id = $2) AND id = $3",
        owner,
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The person adopts the browser session's runs, except those they already
/// have (same title, date, distance and time: the demo runs every new
/// browser starts with are not counted twice); the rest are forgotten.
pub(crate) const ADOPTION: Adoption = Adoption {
    adopt: "UPDATE runs SET person_id = $1, session_hash = NULL \
         WHERE session_hash = $2 AND NOT EXISTS (SELECT 1 FROM runs AS own \
         WHERE own.person_id = $1 AND own.title = runs.title AND own.run_date = runs.run_date \
         AND own.distance_m = runs.distance_m AND own.duration_s = runs.duration_s)",
    forget: "DELETE FROM runs WHERE session_hash = $1",
};
