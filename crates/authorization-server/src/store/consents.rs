//! Remembered consent: the scopes a user approved for a client, so a later
//! request for the same or fewer scopes skips the consent screen.

use sqlx::{AnyPool, Row};

/// One approval, as listed on the account page.
#[derive(Debug, Clone)]
pub struct Consent {
    pub client_id: String,
    pub scope: String,
    pub updated_at: i64,
}

/// Records (or replaces) what `user_id` approved for `client_id`.
pub async fn remember(
    pool: &AnyPool,
    user_id: &str,
    client_id: &str,
    scope: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO consents (user_id, client_id, scope, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, \
         updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(client_id)
    .bind(scope)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn find(
    pool: &AnyPool,
    user_id: &str,
    client_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT scope FROM consents WHERE user_id = $1 AND client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(pool)
        .await?;
    row.map(|row| row.try_get("scope")).transpose()
}

pub async fn list_for_user(pool: &AnyPool, user_id: &str) -> Result<Vec<Consent>, sqlx::Error> {
    sqlx::query(
        "SELECT client_id, scope, updated_at FROM consents WHERE user_id = $1 ORDER BY client_id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(Consent {
            client_id: row.try_get("client_id")?,
            scope: row.try_get("scope")?,
            updated_at: row.try_get("updated_at")?,
        })
    })
    .collect()
}

/// Forgets an approval; returns whether there was one.
pub async fn forget(pool: &AnyPool, user_id: &str, client_id: &str) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM consents WHERE user_id = $1 AND client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() == 1)
}
